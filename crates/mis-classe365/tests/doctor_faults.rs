//! What `mis doctor` relies on from this provider, against the emulator set up wrong: the
//! disabled module is a `PermissionDenied` error (never an empty list), the school's own
//! status comes out unmapped until `MIS_CLASSE365_CODE_MAP` maps it, and an unknown
//! subdomain is told apart from a wrong key by [`FACTS`]`.unknown_tenant`.

use std::collections::BTreeMap;
use std::sync::Arc;

use futures::TryStreamExt;
use mis_classe365::doctor::FACTS;
use mis_classe365::{Classe365Provider, Config};
use mis_core::{AttendanceCategory, AttendanceQuery, DateRange, ErrorKind, MisProvider};
use mis_sandbox::{EmulatorOptions, FaultPlan, OnboardingFaults, Sandbox, School};

async fn sandbox(school: Arc<School>, plan: FaultPlan) -> Sandbox {
    Sandbox::start_with(
        &mis_sandbox::emulator::classe365::EMULATOR,
        school,
        plan,
        EmulatorOptions::default(),
        0,
    )
    .await
    .unwrap()
}

/// The provider from the sandbox's own variables, with `change` over them.
fn provider(sandbox: &Sandbox, change: &[(&str, &str)]) -> Classe365Provider {
    let mut env: BTreeMap<String, String> = sandbox.client_env();
    for (name, value) in change {
        env.insert((*name).to_owned(), (*value).to_owned());
    }
    Classe365Provider::new(Config::from_lookup(|n| env.get(n).cloned()).unwrap()).unwrap()
}

fn all_faults() -> FaultPlan {
    FaultPlan {
        onboarding: OnboardingFaults::all(),
        ..FaultPlan::none()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_disabled_module_is_permission_denied_not_empty() {
    let school = Arc::new(School::generate(7, 30));
    let s = sandbox(school, all_faults()).await;
    let p = provider(&s, &[]);
    let e = p.staff().try_collect::<Vec<_>>().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::PermissionDenied, "{e}");
    assert_eq!(e.vendor_code(), Some("104"));
    // The other modules answer.
    assert!(!p.groups().try_collect::<Vec<_>>().await.unwrap().is_empty());
    assert!(
        !p.academic_years()
            .try_collect::<Vec<_>>()
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_schools_own_status_is_unmapped_until_the_code_map_maps_it() {
    let school = Arc::new(School::generate(7, 30));
    let day = school.session_marks.iter().map(|m| m.date).min().unwrap();
    let s = sandbox(school, all_faults()).await;
    let first = |p: Classe365Provider| async move {
        let student = p
            .students(mis_core::StudentQuery::new())
            .try_next()
            .await
            .unwrap()
            .unwrap();
        p.attendance(AttendanceQuery::new(DateRange::day(day)).student(student.id))
            .try_collect::<Vec<_>>()
            .await
            .unwrap()
    };
    let marks = first(provider(&s, &[])).await;
    assert_eq!(marks.len(), 1, "{marks:?}");
    assert_eq!(marks[0].code, OnboardingFaults::SCHOOL_CODE_LABEL);
    assert_eq!(marks[0].category, AttendanceCategory::Unmapped);

    let mapped = provider(
        &s,
        &[(
            "MIS_CLASSE365_CODE_MAP",
            "Quarantine room=authorised_absence",
        )],
    );
    let marks = first(mapped).await;
    assert_eq!(marks[0].category, AttendanceCategory::AuthorisedAbsence);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_subdomain_is_not_a_wrong_key() {
    let school = Arc::new(School::generate(7, 30));
    let s = sandbox(school, FaultPlan::none()).await;
    let read = |p: Classe365Provider| async move {
        p.students(mis_core::StudentQuery::new())
            .try_collect::<Vec<_>>()
            .await
            .unwrap_err()
    };

    let e = read(provider(
        &s,
        &[("MIS_CLASSE365_SUBDOMAIN", "no-such-school")],
    ))
    .await;
    assert_eq!(e.kind(), ErrorKind::NotFound, "{e}");
    assert!((FACTS.unknown_tenant)(&e), "{e}");

    let e = read(provider(&s, &[("MIS_CLASSE365_API_KEY", "wrong-key")])).await;
    assert_eq!(e.kind(), ErrorKind::Unauthenticated, "{e}");
    assert!(!(FACTS.unknown_tenant)(&e), "{e}");
}
