//! The conformance suite against the HUBmis emulator (mis-sandbox).
//!
//! The emulator renders the synthetic School as HUBmis would (written from the vendor
//! document, independently of this crate), with the vendor's windows scaled down
//! ([`EmulatorOptions::time_scale`]): the 60 s quota window and the 15-minute token. The
//! client's quota is scaled the same way. `Expected` is the School as HUBmis represents it:
//! - students with names, date of birth, UPN (from the enrolment record), the year group of
//!   their form and the form's name; leavers belong to no form, so they have neither;
//! - attendance: the School's AM/PM session marks (HUBmis has no lesson register);
//! - lessons: one on-roll student's lessons, with that student's id;
//! - behaviour: every event, as a pastoral wellbeing event; the emulator files them under
//!   `Praise`, `Concern` and `Note`, and the provider is configured to read the first two as
//!   positive and negative. HUBmis has no points, so points are not compared.

use std::sync::Arc;

use jiff::ToSpan;
use mis_core::memory::MemoryData;
use mis_core::{AttendanceCategory, DateRange, GroupKind, MisProvider, Slot};
use mis_hubmis::{Config, HubmisProvider, Quota, SecretString};
use mis_sandbox::emulator::hubmis::variant;
use mis_sandbox::{EmulatorOptions, FaultPlan, Profile, Sandbox, School, SchoolOptions};
use mis_testkit::Expected;

const SEED: u64 = 5;
const SIZE: usize = 30;
/// The emulator's windows, and the client's quota and token lifetime, at 1/1000: 12 requests
/// per 60 ms, a token living 0.9 s. The pace is not what these tests are about (the
/// quota's pacing is measured in `tests/emulator.rs`); scaling client and emulator together
/// keeps the client within the emulator's quota and renewing its token before the emulator
/// expires it, as against the real service.
const SCALE: f64 = 0.001;

/// The label a HUBmis year group gives (`dfe_year`): `Year 9` → `9`, `Reception` → `R`.
fn year_label(name: &str) -> String {
    match name.strip_prefix("Year ") {
        Some(n) => n.to_owned(),
        None if name == "Reception" => "R".to_owned(),
        None => name.to_owned(),
    }
}

/// The School as HUBmis represents it. For the variant profile, `school` is the school as
/// that profile serves it (`variant_school`: one student left mid-range) and marks of the
/// `retired` code, whose id the code book lacks, are `unmapped`.
fn expected_data(school: &School, retired: Option<&str>) -> MemoryData {
    let group_of = |id: &str, kind: GroupKind| {
        school
            .groups_of(kind)
            .find(|g| g.student_ids.iter().any(|s| s == id))
    };
    let students = school
        .students
        .iter()
        .cloned()
        .map(|mut s| {
            s.provider = mis_hubmis::VENDOR.into();
            s.registration_group = group_of(&s.id, GroupKind::Registration).map(|g| g.name.clone());
            s.year_group = group_of(&s.id, GroupKind::Year).map(|g| year_label(&g.name));
            s
        })
        .collect();
    let marks = school
        .session_marks
        .iter()
        .filter(|m| m.slot == Slot::Session)
        .cloned()
        .map(|mut m| {
            if retired == Some(m.code.as_str()) {
                m.category = AttendanceCategory::Unmapped;
                m.late = false;
            }
            m
        })
        .collect();
    let range = range(school);
    let student = school
        .students
        .iter()
        .find(|s| {
            !school
                .lessons_for_student(&s.id, range.from(), range.to())
                .is_empty()
        })
        .expect("an on-roll student with lessons");
    let lessons = school.lessons_for_student(&student.id, range.from(), range.to());
    MemoryData {
        students,
        marks,
        lessons,
        behaviour: school.behaviour_events().cloned().collect(),
        ..MemoryData::default()
    }
}

/// The first two school weeks of the School's attendance.
fn range(school: &School) -> DateRange {
    let first = school
        .attendance_range
        .expect("the School has attendance")
        .from();
    DateRange::new(first, first.checked_add(11.days()).unwrap()).unwrap()
}

async fn setup() -> (Arc<dyn MisProvider>, Expected) {
    setup_with(FaultPlan::none()).await
}

/// Injected 429s (short hints) and the token expiring every 7 requests: the suite's
/// `reads_through_429s_and_expiry`. Each expiry costs one token request and one replay, both
/// through the rate gate.
async fn faulted_setup() -> (Arc<dyn MisProvider>, Expected) {
    // Few 429s: the client keeps a HUBmis 429 closing its gate for at least 5 s (the real
    // quota's refill), which is not scaled with the emulator's window.
    setup_with(FaultPlan {
        rate_429: 0.02,
        retry_after: std::time::Duration::from_millis(20),
        expire_every: Some(7),
        seed: 5,
        ..FaultPlan::none()
    })
    .await
}

async fn setup_with(faults: FaultPlan) -> (Arc<dyn MisProvider>, Expected) {
    setup_profile(faults, Profile::Standard).await
}

/// The variant profile (the emulator's `variant` module): a student who left mid-range
/// (their marks and lessons up to their last day count, none after), no admissions scope,
/// pages capped at 50 (the client asks for 100), the calendar's `filter[date]` required,
/// marks naming codes by id with one code missing from the book, year groups without
/// `dfe_year`. The school is larger than one capped page.
async fn variant_setup() -> (Arc<dyn MisProvider>, Expected) {
    setup_profile(FaultPlan::none(), Profile::Variant).await
}

async fn setup_profile(faults: FaultPlan, profile: Profile) -> (Arc<dyn MisProvider>, Expected) {
    let school = match profile {
        Profile::Standard => School::generate(SEED, SIZE),
        _ => School::generate_with(SEED, 60, SchoolOptions::new().profile(profile)),
    };
    let (served, retired) = match profile {
        Profile::Standard => (school.clone(), None),
        _ => (
            variant::variant_school(&school),
            variant::retired_code(&school),
        ),
    };
    let school = Arc::new(school);
    let sandbox = Sandbox::start_with(
        &mis_sandbox::emulator::hubmis::EMULATOR,
        school.clone(),
        faults,
        EmulatorOptions {
            time_scale: SCALE,
            ..EmulatorOptions::default()
        },
        0,
    )
    .await
    .expect("the HUBmis emulator starts");
    let creds = sandbox.credentials();
    let id = creds.get("client_id").expect("a client id").to_owned();
    let secret = creds.get("client_secret").expect("a secret").to_owned();
    let realm = creds.get("realm").expect("a realm").to_owned();
    let config = Config::new(id.as_str(), SecretString::from(secret.clone()), realm)
        .update_options(|o| o.with_base_url(sandbox.base_url()))
        .with_quota(Quota::HUBMIS.scaled(SCALE))
        .with_token_lifetime_cap(Config::TOKEN_LIFETIME.mul_f64(SCALE))
        .with_positive_categories(["Praise"])
        .with_negative_categories(["Concern"]);
    let provider = HubmisProvider::new(config).expect("a provider");
    let mut expected = Expected::new(expected_data(&served, retired.as_deref()), range(&served))
        .secret(secret)
        .secret(id);
    expected.compare_points = false;
    // The emulator stops when its handle drops; each test has its own, kept to the end.
    std::mem::forget(sandbox);
    (Arc::new(provider), expected)
}

mis_testkit::conformance_suite! {
    hubmis,
    setup = setup(),
    faulted = faulted_setup(),
    supported = [students, attendance, timetable, behaviour],
    unsupported = [write_attendance],
}

mod variant_profile {
    use super::*;

    mis_testkit::conformance_suite! {
        hubmis_variant,
        setup = variant_setup(),
        supported = [students, attendance, timetable, behaviour],
        unsupported = [write_attendance],
    }
}

/// The partial-failure scenario: the emulator with every record fault (one student's date
/// of birth an integer, one student's enrolment and attendance 404, the regional settings
/// 403); the same expected school.
async fn degraded_setup() -> (Arc<dyn MisProvider>, Expected) {
    setup_with(FaultPlan::degraded()).await
}

mis_testkit::degradation_suite! { setup = degraded_setup() }
