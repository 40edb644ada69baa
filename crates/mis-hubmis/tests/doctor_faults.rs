//! The onboarding faults `mis doctor` must find, read through the provider against the
//! emulator: the Pastoral module refused (a `PermissionDenied`, never an empty result), the
//! school's own code (`unmapped`, until `MIS_HUBMIS_CODE_MAP` maps it), no time zone in
//! the school's settings, and an unknown realm (the vendor's refusal, recognised as such).

use std::collections::BTreeMap;
use std::sync::Arc;

use futures::TryStreamExt;
use mis_core::{
    AttendanceCategory, AttendanceQuery, BehaviourQuery, DateRange, ErrorKind, MisProvider,
    StudentQuery, TimetableQuery,
};
use mis_hubmis::{Config, DESCRIPTOR, HubmisProvider};
use mis_sandbox::{EmulatorOptions, FaultPlan, OnboardingFaults, Sandbox, School};

/// 12 requests per 0.6 s, tokens living 9 s: no test here waits for a window.
const SCALE: f64 = 0.01;

async fn start(onboarding: OnboardingFaults) -> (Arc<School>, Sandbox) {
    let school = Arc::new(School::generate(7, 30));
    let plan = FaultPlan {
        onboarding,
        ..FaultPlan::none()
    };
    let options = EmulatorOptions {
        time_scale: SCALE,
        ..EmulatorOptions::default()
    };
    let sandbox = Sandbox::start_with(
        &mis_sandbox::emulator::hubmis::EMULATOR,
        school.clone(),
        plan,
        options,
        0,
    )
    .await
    .expect("the HUBmis emulator starts");
    (school, sandbox)
}

/// The provider as `mis` opens it, from the sandbox's variables plus `change`. (Its
/// `school_profile` is called through `as_ref()`: mis-core's `impl MisProvider for Arc<P>`
/// does not forward it, so on the `Arc` itself it would be the default `Unsupported`.)
fn provider(sandbox: &Sandbox, change: &[(&str, &str)]) -> Arc<dyn MisProvider> {
    let mut env: BTreeMap<String, String> = sandbox.client_env();
    for (name, value) in change {
        env.insert((*name).to_owned(), (*value).to_owned());
    }
    DESCRIPTOR
        .open_from(&|name: &str| env.get(name).cloned())
        .expect("the provider opens")
}

/// The first day with registers (the day `mis doctor`'s test samples).
fn first_day(school: &School) -> DateRange {
    let day = school.session_marks.iter().map(|m| m.date).min().unwrap();
    DateRange::day(day)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_clean_school_names_its_zone_and_every_code_maps() {
    let (school, sandbox) = start(OnboardingFaults::default()).await;
    let hubmis = provider(&sandbox, &[]);
    let profile = hubmis.as_ref().school_profile().await.unwrap();
    assert_eq!(
        profile.time_zone.as_deref(),
        Some(school.time_zone.as_str())
    );
    // No roll before the students were read, nor after a few (the list is read as they
    // are taken); once read to the end, the whole roll.
    assert_eq!(profile.roll, None);
    let mut students = hubmis.students(StudentQuery::new());
    students.try_next().await.unwrap().unwrap();
    drop(students);
    let profile = hubmis.as_ref().school_profile().await.unwrap();
    assert_eq!(profile.roll, None);
    let _: Vec<_> = hubmis
        .students(StudentQuery::new())
        .try_collect()
        .await
        .unwrap();
    let profile = hubmis.as_ref().school_profile().await.unwrap();
    let on_roll = school.summary().students_on_roll as u64;
    assert_eq!(profile.roll, Some(on_roll));
    let first = &school.students[0].id;
    let marks: Vec<_> = hubmis
        .attendance(AttendanceQuery::new(first_day(&school)).student(first.clone()))
        .try_collect()
        .await
        .unwrap();
    assert!(!marks.is_empty());
    assert!(
        marks
            .iter()
            .all(|m| m.category != AttendanceCategory::Unmapped)
    );
    let codes: Vec<_> = hubmis.attendance_codes().try_collect().await.unwrap();
    assert!(
        codes
            .iter()
            .all(|c| c.category != AttendanceCategory::Unmapped),
        "{codes:?}"
    );

    // One student's behaviour (that student's own wellbeing events, one request) is the
    // school's, sifted to the student.
    let day = first_day(&school).from();
    let week = DateRange::new(day, day.checked_add(jiff::ToSpan::days(6)).unwrap()).unwrap();
    let all: Vec<_> = hubmis
        .behaviour(BehaviourQuery::new(week))
        .try_collect()
        .await
        .unwrap();
    let who = all
        .first()
        .and_then(|b| b.student_ids.first())
        .expect("events that week")
        .clone();
    let (with, _): (Vec<_>, Vec<_>) = all.into_iter().partition(|b| b.student_ids.contains(&who));
    let own: Vec<_> = hubmis
        .behaviour(BehaviourQuery::new(week).student(who))
        .try_collect()
        .await
        .unwrap();
    assert_eq!(own, with);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_school_set_up_wrong_is_seen_through_the_provider() {
    let (school, sandbox) = start(OnboardingFaults::all()).await;
    let hubmis = provider(&sandbox, &[]);
    let day = first_day(&school);
    let first = school.students[0].id.clone();

    // No zone in the school's settings: the profile says none.
    let profile = hubmis.as_ref().school_profile().await.unwrap();
    assert_eq!(profile.time_zone, None);

    // The Pastoral module refused: the read fails with PermissionDenied, for the school and
    // for one student alike.
    for q in [
        BehaviourQuery::new(day),
        BehaviourQuery::new(day).student(first.clone()),
    ] {
        let e = hubmis
            .behaviour(q)
            .try_collect::<Vec<_>>()
            .await
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::PermissionDenied, "{e}");
    }
    // The other modules still answer.
    let lessons: Vec<_> = hubmis
        .timetable(TimetableQuery::new(day).student(first.clone()))
        .try_collect()
        .await
        .unwrap();
    assert!(!lessons.is_empty());

    // The school's own code: on the first student's marks and in the code book, unmapped.
    let marks: Vec<_> = hubmis
        .attendance(AttendanceQuery::new(day).student(first.clone()))
        .try_collect()
        .await
        .unwrap();
    assert!(!marks.is_empty());
    for m in &marks {
        assert_eq!(m.code, OnboardingFaults::SCHOOL_CODE);
        assert_eq!(m.category, AttendanceCategory::Unmapped, "{m:?}");
    }
    let codes: Vec<_> = hubmis.attendance_codes().try_collect().await.unwrap();
    let q: Vec<_> = codes
        .iter()
        .filter(|c| c.category == AttendanceCategory::Unmapped)
        .collect();
    assert_eq!(q.len(), 1, "{codes:?}");
    assert_eq!(q[0].code, OnboardingFaults::SCHOOL_CODE);
    assert_eq!(
        q[0].label.as_deref(),
        Some(OnboardingFaults::SCHOOL_CODE_LABEL)
    );

    // Mapped by the school's setting, the code takes its category on marks and in the book.
    let map = format!("{}=authorised_absence", OnboardingFaults::SCHOOL_CODE);
    let mapped = provider(&sandbox, &[(mis_hubmis::config::ENV_CODE_MAP, &map)]);
    let marks: Vec<_> = mapped
        .attendance(AttendanceQuery::new(day).student(first.clone()))
        .try_collect()
        .await
        .unwrap();
    assert!(
        marks
            .iter()
            .all(|m| m.category == AttendanceCategory::AuthorisedAbsence),
        "{marks:?}"
    );
    let codes: Vec<_> = mapped.attendance_codes().try_collect().await.unwrap();
    assert!(
        codes
            .iter()
            .all(|c| c.category != AttendanceCategory::Unmapped)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_realm_is_the_vendors_refusal_and_recognised_as_the_tenant() {
    let (_school, sandbox) = start(OnboardingFaults::default()).await;
    let hubmis = provider(
        &sandbox,
        &[(mis_hubmis::config::ENV_REALM, "no-such-school")],
    );
    let e = hubmis
        .students(StudentQuery::new())
        .try_collect::<Vec<_>>()
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unauthenticated, "{e}");
    assert_eq!(e.status(), Some(403));
    assert!((DESCRIPTOR.doctor.unknown_tenant)(&e), "{e:?}");

    // A wrong secret is refused by the token request: not a tenant problem.
    let hubmis = provider(
        &sandbox,
        &[(mis_hubmis::config::ENV_CLIENT_SECRET, "wrong")],
    );
    let e = hubmis
        .students(StudentQuery::new())
        .try_collect::<Vec<_>>()
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unauthenticated, "{e}");
    assert!(!(DESCRIPTOR.doctor.unknown_tenant)(&e), "{e:?}");
}

/// The configured zone against the school's: `Config` keeps the one set, the profile tells
/// the school's own.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_profile_tells_the_schools_zone_whatever_is_configured() {
    let (school, sandbox) = start(OnboardingFaults::default()).await;
    let creds = sandbox.credentials();
    let config = Config::new(
        creds.get("client_id").unwrap(),
        mis_hubmis::SecretString::from(creds.get("client_secret").unwrap().to_owned()),
        creds.get("realm").unwrap(),
    )
    .update_options(|o| {
        o.with_base_url(sandbox.base_url())
            .with_time_zone("Europe/Dublin")
    })
    .with_quota(mis_hubmis::Quota::HUBMIS.scaled(SCALE));
    let hubmis = HubmisProvider::new(config).unwrap();
    assert_eq!(hubmis.info().time_zone, "Europe/Dublin");
    let profile = hubmis.school_profile().await.unwrap();
    assert_eq!(
        profile.time_zone.as_deref(),
        Some(school.time_zone.as_str())
    );
}
