//! What `mis doctor` reads through this provider from a school set up wrong (the
//! emulator's onboarding faults): the school's own profile and its missing zone, a
//! category of the school's own (unmapped until `MIS_MANAGEBAC_CATEGORY_MAP` maps it) and
//! the behaviour notes closed to the token (`PermissionDenied`, never an empty list).

use std::collections::BTreeMap;
use std::sync::Arc;

use futures::TryStreamExt;
use mis_core::{
    AttendanceCategory, AttendanceQuery, BehaviourQuery, DateRange, ErrorKind, MisProvider,
};
use mis_sandbox::{EmulatorOptions, FaultPlan, OnboardingFaults, Sandbox, School};

async fn open(
    plan: FaultPlan,
    extra: &[(&str, &str)],
) -> (Sandbox, Arc<School>, Arc<dyn MisProvider>) {
    let school = Arc::new(School::generate(7, 30));
    let sandbox = Sandbox::start_with(
        &mis_sandbox::emulator::managebac::EMULATOR,
        school.clone(),
        plan,
        EmulatorOptions {
            time_scale: 0.001,
            default_page_size: None,
        },
        0,
    )
    .await
    .expect("the ManageBac emulator starts");
    let mut env: BTreeMap<String, String> = sandbox.client_env();
    for (k, v) in extra {
        env.insert((*k).to_owned(), (*v).to_owned());
    }
    let lookup = move |name: &str| env.get(name).cloned();
    let provider = mis_managebac::DESCRIPTOR.open_from(&lookup).unwrap();
    (sandbox, school, provider)
}

fn faulty() -> FaultPlan {
    FaultPlan {
        onboarding: OnboardingFaults::all(),
        ..FaultPlan::none()
    }
}

/// The first day with registers.
fn first_day(school: &School) -> DateRange {
    let day = school.session_marks.iter().map(|m| m.date).min().unwrap();
    DateRange::day(day)
}

#[tokio::test]
async fn the_profile_names_the_school_and_its_zone_unless_it_set_none() {
    let (_sb, school, provider) = open(FaultPlan::none(), &[]).await;
    // Through the trait object: `Arc<P>`'s own `MisProvider` impl does not forward
    // `school_profile` (it answers the default `Unsupported`).
    let profile = (*provider).school_profile().await.unwrap();
    assert_eq!(profile.name.as_deref(), Some(school.name.as_str()));
    assert_eq!(
        profile.time_zone.as_deref(),
        Some(school.time_zone.as_str())
    );
    assert_eq!(profile.roll, None);

    let (_sb, _, provider) = open(faulty(), &[]).await;
    let profile = (*provider).school_profile().await.unwrap();
    assert_eq!(profile.time_zone, None);
    assert!(profile.name.is_some());
}

#[tokio::test]
async fn a_closed_module_is_permission_denied_not_an_empty_list() {
    let (_sb, school, provider) = open(faulty(), &[]).await;
    let range = first_day(&school);
    let e = provider
        .behaviour(BehaviourQuery::new(range))
        .try_collect::<Vec<_>>()
        .await
        .expect_err("behaviour notes are closed to the token");
    assert_eq!(e.kind(), ErrorKind::PermissionDenied, "{e}");
    // The other reads still work.
    let marks: Vec<_> = provider
        .attendance(AttendanceQuery::new(range))
        .try_collect()
        .await
        .unwrap();
    assert!(!marks.is_empty());
}

#[tokio::test]
async fn the_schools_own_category_is_unmapped_until_the_category_map_maps_it() {
    let label = OnboardingFaults::SCHOOL_CODE_LABEL;
    let (_sb, school, provider) = open(faulty(), &[]).await;
    let first = school.students[0].id.clone();
    let range = first_day(&school);
    let book: Vec<_> = provider.attendance_codes().try_collect().await.unwrap();
    // An unmapped category is listed under its label, with the register's short form.
    let own = book.iter().find(|c| c.code == label).unwrap();
    assert_eq!(own.category, AttendanceCategory::Unmapped);
    assert_eq!(own.label.as_deref(), Some(OnboardingFaults::SCHOOL_CODE));
    let marks: Vec<_> = provider
        .attendance(AttendanceQuery::new(range).student(first.clone()))
        .try_collect()
        .await
        .unwrap();
    assert!(!marks.is_empty());
    assert!(
        marks
            .iter()
            .all(|m| m.code == label && m.category == AttendanceCategory::Unmapped),
        "{marks:?}"
    );

    // The mapping line `mis doctor` suggests, by label: the same marks now count.
    let map = format!("{label}=authorised_absence");
    let (_sb, _, provider) = open(faulty(), &[("MIS_MANAGEBAC_CATEGORY_MAP", map.as_str())]).await;
    let book: Vec<_> = provider.attendance_codes().try_collect().await.unwrap();
    // A mapped category keeps its id as the code, and its label.
    let own = book.iter().find(|c| c.code == "20").unwrap();
    assert_eq!(own.category, AttendanceCategory::AuthorisedAbsence);
    assert_eq!(own.label.as_deref(), Some(label));
    let marks: Vec<_> = provider
        .attendance(AttendanceQuery::new(range).student(first))
        .try_collect()
        .await
        .unwrap();
    assert!(
        marks
            .iter()
            .all(|m| m.category == AttendanceCategory::AuthorisedAbsence),
        "{marks:?}"
    );
    // Nobody else's marks are the school's category.
    let (_sb, school, provider) = open(faulty(), &[]).await;
    let other = school.students[1].id.clone();
    let marks: Vec<_> = provider
        .attendance(AttendanceQuery::new(range).student(other))
        .try_collect()
        .await
        .unwrap();
    assert!(marks.iter().all(|m| m.code != label), "{marks:?}");
}
