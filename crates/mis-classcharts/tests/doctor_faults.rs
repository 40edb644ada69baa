//! What the provider makes of a school set up wrong (the emulator's onboarding faults):
//! a module the school switched off is `PermissionDenied`, never an empty list; the school's
//! own code is unmapped until `MIS_CLASSCHARTS_CODE_MAP` maps it; the school's profile comes
//! from a parent's pupil records (with or without a time zone) and is `Unsupported` for a
//! pupil login.

use std::collections::BTreeMap;
use std::sync::Arc;

use futures::TryStreamExt;
use mis_classcharts::{Config, DESCRIPTOR, ParentClient, StudentClient};
use mis_core::{
    AttendanceCategory, AttendanceQuery, DateRange, Diagnostics, ErrorKind, HomeworkQuery,
    MisProvider, Slot,
};
use mis_sandbox::{EmulatorOptions, FaultPlan, OnboardingFaults, Sandbox, School};

async fn start(school: Arc<School>, onboarding: OnboardingFaults) -> Sandbox {
    Sandbox::start_with(
        &mis_sandbox::emulator::classcharts::EMULATOR,
        school,
        FaultPlan {
            onboarding,
            ..FaultPlan::none()
        },
        EmulatorOptions::default(),
        0,
    )
    .await
    .expect("the ClassCharts emulator starts")
}

fn school() -> Arc<School> {
    Arc::new(School::generate(2207, 12))
}

/// The whole attendance range: homework is due somewhere in it.
fn year(school: &School) -> DateRange {
    school.attendance_range.expect("registers")
}

fn open(sandbox: &Sandbox, extra: &[(&str, &str)], parent: bool) -> Arc<dyn MisProvider> {
    let mut env: BTreeMap<String, String> = sandbox.client_env();
    if parent {
        env.remove("MIS_CLASSCHARTS_CODE");
        env.remove("MIS_CLASSCHARTS_DOB");
    }
    for (k, v) in extra {
        env.insert((*k).to_owned(), (*v).to_owned());
    }
    DESCRIPTOR
        .open_from(&|name| env.get(name).cloned())
        .unwrap()
}

#[tokio::test]
async fn a_disabled_module_is_permission_denied_for_a_pupil_and_for_every_pupil_of_a_parent() {
    let school = school();
    let off = OnboardingFaults {
        disabled_module: true,
        ..OnboardingFaults::default()
    };
    let sandbox = start(school.clone(), off).await;
    let range = year(&school);
    for parent in [false, true] {
        let p = open(&sandbox, &[], parent);
        // All of the login's pupils, then the first one only.
        let first = p
            .students(Default::default())
            .try_collect::<Vec<_>>()
            .await
            .unwrap()[0]
            .id
            .clone();
        for q in [
            HomeworkQuery::new(range),
            HomeworkQuery::new(range).student(first.clone()),
        ] {
            let d = Diagnostics::new();
            let e = p
                .homework(q.with_diagnostics(d.clone()))
                .try_collect::<Vec<_>>()
                .await
                .expect_err("a module that is off is an error, not an empty list");
            assert_eq!(e.kind(), ErrorKind::PermissionDenied, "{e}");
            assert!(e.to_string().contains("permission"), "{e}");
        }
    }
    // The other modules still answer.
    let p = open(&sandbox, &[], false);
    let marks: Vec<_> = p
        .attendance(AttendanceQuery::new(range))
        .try_collect()
        .await
        .unwrap();
    assert!(!marks.is_empty());

    // The same reads with the module on: tasks come back.
    let clean = start(school.clone(), OnboardingFaults::default()).await;
    let p = open(&clean, &[], false);
    let tasks: Vec<_> = p
        .homework(HomeworkQuery::new(range))
        .try_collect()
        .await
        .unwrap();
    assert!(!tasks.is_empty());
}

#[tokio::test]
async fn the_schools_own_code_is_unmapped_until_the_code_map_maps_it() {
    let school = school();
    let faults = OnboardingFaults {
        school_code: true,
        ..OnboardingFaults::default()
    };
    let sandbox = start(school.clone(), faults).await;
    let day = school.attendance_range.unwrap().from();
    let range = DateRange::new(day, day.checked_add(jiff::ToSpan::days(13)).unwrap()).unwrap();
    let own = |p: Arc<dyn MisProvider>| async move {
        let marks: Vec<_> = p
            .attendance(AttendanceQuery::new(range).slot(Slot::Session))
            .try_collect()
            .await
            .unwrap();
        let own: Vec<_> = marks
            .into_iter()
            .filter(|m| m.code == OnboardingFaults::SCHOOL_CODE)
            .map(|m| m.category)
            .collect();
        assert!(!own.is_empty(), "the school's code is on the marks");
        own
    };
    // What the code means with no map depends on the DfE table: `Q` is a DfE code since
    // August 2024, so only a code the table does not know comes out unmapped.
    let dated = school.session_marks[0].date;
    let want = mis_core::codes::dfe_category(OnboardingFaults::SCHOOL_CODE, dated)
        .map_or(AttendanceCategory::Unmapped, |m| m.category);
    for category in own(open(&sandbox, &[], false)).await {
        assert_eq!(category, want);
    }
    let map = format!("{}=authorised_absence", OnboardingFaults::SCHOOL_CODE);
    let mapped = open(&sandbox, &[("MIS_CLASSCHARTS_CODE_MAP", &map)], false);
    for category in own(mapped).await {
        assert_eq!(category, AttendanceCategory::AuthorisedAbsence);
    }
}

#[tokio::test]
async fn the_school_profile_is_a_parents_pupil_record_and_unsupported_for_a_pupil() {
    let school = school();
    let sandbox = start(school.clone(), OnboardingFaults::default()).await;
    let creds = sandbox.credentials();
    let base = |c: Config| {
        c.update_options(|o| {
            o.with_base_url(sandbox.base_url())
                .with_rate_limit(mis_http::RateLimit::unlimited())
        })
    };
    let parent = ParentClient::new(base(
        Config::parent(creds.get("email").unwrap(), creds.get("password").unwrap()).unwrap(),
    ))
    .unwrap();
    // After the student list (what doctor reads first), the profile costs no request: it is
    // the same `/pupils` list.
    let pupils: Vec<_> = parent
        .students(Default::default())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(pupils.len(), 2);
    let before = sandbox.stats().requests();
    let profile = parent.school_profile().await.unwrap();
    assert_eq!(sandbox.stats().requests(), before);
    assert_eq!(profile.name.as_deref(), Some(school.name.as_str()));
    assert_eq!(
        profile.time_zone.as_deref(),
        Some(school.time_zone.as_str())
    );
    assert_eq!(profile.roll, None);

    let student = StudentClient::new(base(
        Config::student(creds.get("code").unwrap(), creds.get("dob").unwrap()).unwrap(),
    ))
    .unwrap();
    let before = sandbox.stats().requests();
    let e = student.school_profile().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unsupported);
    assert_eq!(sandbox.stats().requests(), before, "asks nothing");

    let no_zone = OnboardingFaults {
        missing_time_zone: true,
        ..OnboardingFaults::default()
    };
    let sandbox = start(school.clone(), no_zone).await;
    let parent = ParentClient::new(
        Config::parent(creds.get("email").unwrap(), creds.get("password").unwrap())
            .unwrap()
            .update_options(|o| o.with_base_url(sandbox.base_url())),
    )
    .unwrap();
    let profile = parent.school_profile().await.unwrap();
    assert_eq!(profile.name.as_deref(), Some(school.name.as_str()));
    assert_eq!(profile.time_zone, None);
}
