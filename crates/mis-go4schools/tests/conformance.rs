//! The conformance suite against the GO 4 Schools emulator (mis-sandbox), plus round trips
//! the suite's scenarios do not cover.
//!
//! The emulator renders the synthetic School as a GO 4 Schools school would (written from the
//! vendor document, independently of this crate). `Expected` is the School converted to what
//! GO can represent:
//! - students as they are, with GO's year-group label (`Reception` for the School's `R`);
//! - every session and lesson mark (GO has both registers; codes are DfE codes);
//! - every lesson of the two-week timetable on its dates;
//! - every behaviour event with its polarity (GO has no signed points per event, so points
//!   are not compared).

use std::sync::Arc;
use std::sync::atomic::Ordering;

use futures::TryStreamExt;
use jiff::ToSpan;
use mis_core::memory::MemoryData;
use mis_core::{
    AttendanceQuery, AttendanceWrite, DateRange, ErrorKind, GroupKind, MisProvider, MisProviderExt,
    Polarity, Session, Slot, StudentQuery, TimetableQuery,
};
use mis_go4schools::{Config, Go4SchoolsProvider, RateLimit};
use mis_sandbox::emulator::go4schools as go_emulator;
use mis_sandbox::{
    EmulatorOptions, FaultPlan, Profile, RecordFaults, Sandbox, School, SchoolOptions,
};
use mis_testkit::Expected;

const SEED: u64 = 4;
const SIZE: usize = 40;
const VENDOR: &str = "go4schools";

/// GO's year-group label for the School's (vendor doc: `'Reception'`, `'11'`).
fn go_year(label: &str) -> String {
    if label == "R" {
        "Reception".into()
    } else {
        label.into()
    }
}

/// The School as GO 4 Schools represents it.
fn expected_data(school: &School, range: DateRange) -> MemoryData {
    let students = school
        .students
        .iter()
        .cloned()
        .map(|mut s| {
            s.provider = VENDOR.into();
            s.year_group = s.year_group.as_deref().map(go_year);
            s
        })
        .collect();
    let marks = school
        .session_marks
        .iter()
        .chain(&school.lesson_marks)
        .filter(|m| range.contains(m.date))
        .cloned()
        .map(|mut m| {
            m.provider = VENDOR.into();
            m
        })
        .collect();
    let lessons = school
        .lessons_between(range.from(), range.to())
        .into_iter()
        .map(|mut l| {
            l.provider = VENDOR.into();
            l
        })
        .collect();
    let behaviour = school
        .behaviour_events()
        .filter(|e| range.contains(e.date))
        .cloned()
        .map(|mut e| {
            e.provider = VENDOR.into();
            e
        })
        .collect();
    MemoryData {
        students,
        marks,
        lessons,
        behaviour,
        ..MemoryData::default()
    }
}

/// The first two school weeks of the School's attendance: one timetable cycle, weeks 1 and 2.
fn range(school: &School) -> DateRange {
    let first = school
        .attendance_range
        .expect("the School has attendance")
        .from();
    DateRange::new(first, first.checked_add(11.days()).unwrap()).unwrap()
}

/// The emulator's time scale: GO's only long window is its (inferred) quota window, 60 s
/// scaled to 0.6 s.
const TIME_SCALE: f64 = 0.01;

/// The client for the emulator at `base_url`. The rate gate is not what these tests are
/// about, so it is scaled with the emulator's quota window instead of GO's default 10
/// requests a second (which paces every request of a long read in real time): at most 250 of
/// the emulator's 300 requests in any scaled window, so the quota still never answers 429.
/// The default gate against this emulator is kept by `tests/doctor_plan.rs` (its doctor
/// runs open the provider as `mis` does).
fn config(key: &str, base_url: &str) -> Config {
    let gate = RateLimit::at_most(
        (go_emulator::QUOTA_LIMIT * 5 / 6) as u32,
        go_emulator::QUOTA_WINDOW.mul_f64(TIME_SCALE),
    );
    Config::new(key).update_options(|o| o.with_base_url(base_url).with_rate_limit(gate))
}

async fn start(faults: FaultPlan) -> (Sandbox, Arc<School>, Go4SchoolsProvider, Expected) {
    start_profile(Profile::Standard, faults).await
}

/// The variant profile's page size: small, so every paged list takes several pages (each
/// with a `cursor` and no `has_more` in this profile).
const VARIANT_PAGE_SIZE: usize = 7;

async fn start_profile(
    profile: Profile,
    faults: FaultPlan,
) -> (Sandbox, Arc<School>, Go4SchoolsProvider, Expected) {
    let school = Arc::new(School::generate_with(
        SEED,
        SIZE,
        SchoolOptions::new().profile(profile),
    ));
    let sandbox = Sandbox::start_with(
        &mis_sandbox::emulator::go4schools::EMULATOR,
        school.clone(),
        faults,
        EmulatorOptions {
            time_scale: TIME_SCALE,
            default_page_size: (profile == Profile::Variant).then_some(VARIANT_PAGE_SIZE),
        },
        0,
    )
    .await
    .expect("the GO 4 Schools emulator starts");
    let key = sandbox
        .credentials()
        .get("api_key")
        .expect("an API key")
        .to_owned();
    let client = Go4SchoolsProvider::new(config(&key, &sandbox.base_url())).unwrap();
    let range = range(&school);
    let mut data = expected_data(&school, range);
    if profile == Profile::Variant {
        // The variant school also records a trip on a closed day (see the emulator's docs).
        data.behaviour.extend(
            mis_sandbox::emulator::go4schools::trip_events(&school)
                .into_iter()
                .map(|mut e| {
                    e.provider = VENDOR.into();
                    e
                }),
        );
    }
    let expected = Expected::new(data, range)
        .secret(key.clone())
        .secret(format!("Bearer {key}"));
    let mut expected = expected;
    expected.compare_points = false;
    (sandbox, school, client, expected)
}

async fn setup() -> (Arc<dyn MisProvider>, Expected) {
    let (sandbox, _school, client, expected) = start(FaultPlan::none()).await;
    // The emulator stops when its handle is dropped; each test has its own runtime and
    // sandbox, so keeping it for the rest of the test is what we want.
    std::mem::forget(sandbox);
    (Arc::new(client), expected)
}

/// The emulator injecting 429s (short wait hints): the conformance suite's
/// `reads_through_429s_and_expiry`. No expiry: a GO 4 Schools API key does not expire, so a 401 is final and the client rightly does not
/// replay it (the static-key 401 is tested on its own in this file).
async fn faulted_setup() -> (Arc<dyn MisProvider>, Expected) {
    let faults = FaultPlan {
        rate_429: 0.15,
        retry_after: std::time::Duration::from_millis(20),
        seed: 11,
        ..FaultPlan::none()
    };
    let (sandbox, _school, client, expected) = start(faults).await;
    std::mem::forget(sandbox);
    (Arc::new(client), expected)
}

/// The emulator with `FaultPlan::degraded()`: one malformed student record, one date's lesson
/// register answering 404, teachers answering 403 (see the emulator's docs).
async fn degraded_setup() -> (Arc<dyn MisProvider>, Expected) {
    let (sandbox, _school, client, expected) = start(FaultPlan::degraded()).await;
    std::mem::forget(sandbox);
    (Arc::new(client), expected)
}

mis_testkit::degradation_suite! { setup = degraded_setup() }

mis_testkit::conformance_suite! {
    go4schools,
    setup = setup(),
    faulted = faulted_setup(),
    supported = [students, attendance, timetable, behaviour, write_attendance],
    unsupported = [],
}

/// The emulator's variant profile: pages with a cursor and no `has_more`, dummy-dated
/// student classes, a trip on a closed day, leavers only in the year before.
async fn variant_setup() -> (Arc<dyn MisProvider>, Expected) {
    let (sandbox, _school, client, expected) =
        start_profile(Profile::Variant, FaultPlan::none()).await;
    std::mem::forget(sandbox);
    (Arc::new(client), expected)
}

mis_testkit::conformance_suite! {
    go4schools_variant,
    setup = variant_setup(),
    supported = [students, attendance, timetable, behaviour, write_attendance],
    unsupported = [],
}

/// Only the given record faults.
fn records(records: RecordFaults) -> FaultPlan {
    FaultPlan {
        records,
        ..FaultPlan::none()
    }
}

/// Item 8: attendance needs only attendance. Against the variant emulator whose key has the
/// timetable module disabled (calendar, timetables, classes answer 403 "Module Disabled"),
/// every session mark comes back and the lesson part is one warning.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn session_marks_come_back_when_the_timetable_module_is_disabled() {
    use mis_core::Diagnostics;
    let faults = records(RecordFaults {
        forbidden_auxiliary: true,
        ..RecordFaults::default()
    });
    let (_sandbox, _school, client, expected) = start_profile(Profile::Variant, faults).await;
    // The emulator really refuses the calendar and the classes.
    for what in ["calendar", "classes"] {
        let e = if what == "calendar" {
            client
                .client()
                .calendar(2025)
                .await
                .map(|_| ())
                .unwrap_err()
        } else {
            client
                .client()
                .timetabled_classes(2025)
                .try_collect::<Vec<_>>()
                .await
                .map(|_| ())
                .unwrap_err()
        };
        assert_eq!(e.kind(), ErrorKind::PermissionDenied, "{what}: {e}");
        assert_eq!(e.vendor_code(), Some("Module Disabled"), "{what}");
    }
    let d = Diagnostics::new();
    let marks = client
        .all_attendance(AttendanceQuery::new(expected.range).with_diagnostics(d.clone()))
        .await
        .unwrap();
    let mut got: Vec<_> = marks
        .iter()
        .map(|m| (m.student_id.clone(), m.date, m.session, m.category))
        .collect();
    let mut want: Vec<_> = expected
        .data
        .marks
        .iter()
        .filter(|m| m.slot == Slot::Session)
        .map(|m| (m.student_id.clone(), m.date, m.session, m.category))
        .collect();
    got.sort();
    want.sort();
    assert!(!want.is_empty());
    assert_eq!(got, want, "every session mark, no lesson mark");
    let w = d.warnings();
    assert_eq!(w.len(), 1, "{w:?}");
    assert_eq!(w[0].kind, ErrorKind::PermissionDenied);
    assert_eq!(
        w[0].consequence,
        "lesson marks left out: timetable not readable"
    );
}

/// Item 8: a school in session attendance mode answers 400 "Attendance Invalid Mode" on the
/// lesson register (variant emulator): session marks come back, and the lesson part is one
/// warning for the whole read, not one per date.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn session_marks_come_back_when_the_lesson_register_is_an_invalid_mode() {
    use mis_core::Diagnostics;
    let faults = records(RecordFaults {
        missing_subresource: true,
        ..RecordFaults::default()
    });
    let (_sandbox, _school, client, expected) = start_profile(Profile::Variant, faults).await;
    let day = expected.data.marks[0].date;
    let e = client.client().lesson_marks(2025, day).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
    assert_eq!(e.vendor_code(), Some("Attendance Invalid Mode"));
    let d = Diagnostics::new();
    let marks = client
        .all_attendance(AttendanceQuery::new(expected.range).with_diagnostics(d.clone()))
        .await
        .unwrap();
    let sessions = expected
        .data
        .marks
        .iter()
        .filter(|m| m.slot == Slot::Session)
        .count();
    assert_eq!(marks.len(), sessions);
    assert!(marks.iter().all(|m| m.slot == Slot::Session));
    let w = d.warnings();
    assert_eq!(w.len(), 1, "{w:?}");
    assert_eq!(w[0].kind, ErrorKind::InvalidInput);
    assert_eq!(w[0].operation, "attendance.lesson_marks");
    assert_eq!(
        w[0].consequence,
        "lesson marks left out: the register is not available to this key or school"
    );
    // Strict: the same read fails with the vendor's refusal.
    let e = client
        .all_attendance(
            AttendanceQuery::new(expected.range).with_diagnostics(Diagnostics::strict()),
        )
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
}

/// Item 9: the variant emulator sends student classes with the doc's dummy
/// `2020-01-01T00:00:00Z` as `start` and `end`; a student's timetable is still every lesson
/// of their classes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dummy_dated_student_classes_keep_the_students_timetable() {
    let (_sandbox, school, client, expected) =
        start_profile(Profile::Variant, FaultPlan::none()).await;
    let raw: Vec<_> = client
        .client()
        .student_classes(2025)
        .try_collect()
        .await
        .unwrap();
    let student = &school.students[0];
    let mine = raw
        .iter()
        .find(|s| s.student_id.to_string() == student.id)
        .unwrap();
    assert!(
        mine.classes
            .iter()
            .all(|c| c.start == Some(jiff::civil::date(2020, 1, 1))
                && c.end == Some(jiff::civil::date(2020, 1, 1))),
        "the emulator serves the dummy dates"
    );
    let want = school.lessons_for_student(&student.id, expected.range.from(), expected.range.to());
    assert!(!want.is_empty());
    let got = client
        .all_lessons(TimetableQuery::new(expected.range).student(&student.id))
        .await
        .unwrap();
    let key = |l: &mis_core::Lesson| (l.date, l.start.to_string(), l.group.clone(), l.id.clone());
    let mut w: Vec<_> = want.iter().map(key).collect();
    let mut g: Vec<_> = got.iter().map(key).collect();
    w.sort();
    g.sort();
    assert_eq!(g, w);
}

/// Item 10: nothing dropped quietly. The variant school's trip on a Saturday (calendar:
/// `Closed`) comes back; alias marks keep the alias code with the parent's category; paged
/// lists whose pages carry a `cursor` but no `has_more` are read to the end.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn trips_aliases_and_cursor_only_pages_are_kept() {
    use mis_core::{AttendanceCategory, BehaviourQuery};
    let (_sandbox, school, client, expected) =
        start_profile(Profile::Variant, FaultPlan::none()).await;
    let trip = &mis_sandbox::emulator::go4schools::trip_events(&school)[0];
    assert_eq!(trip.date.weekday(), jiff::civil::Weekday::Saturday);
    assert!(expected.range.contains(trip.date));
    let closed = client
        .client()
        .calendar(2025)
        .await
        .unwrap()
        .into_iter()
        .find(|d| d.date == trip.date)
        .unwrap();
    assert_eq!(closed.day_type_code, mis_go4schools::wire::DayType::Closed);
    let events = client
        .all_behaviour(BehaviourQuery::new(DateRange::day(trip.date)))
        .await
        .unwrap();
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(
        (&events[0].id, events[0].date, events[0].polarity),
        (&trip.id, trip.date, Polarity::Positive)
    );
    assert_eq!(events[0].student_ids, trip.student_ids);

    // Medical appointments carry the school's alias (DEN, GP, HOS, ORT under `M`).
    let marks = client
        .all_attendance(AttendanceQuery::new(expected.range))
        .await
        .unwrap();
    let aliased: Vec<_> = marks
        .iter()
        .filter(|m| ["DEN", "GP", "HOS", "ORT"].contains(&m.code.as_str()))
        .collect();
    assert!(!aliased.is_empty(), "the school has appointment marks");
    assert!(
        aliased
            .iter()
            .all(|m| m.category == AttendanceCategory::AuthorisedAbsence && !m.late)
    );
    let want_m = expected.data.marks.iter().filter(|m| m.code == "M").count();
    assert_eq!(
        marks.iter().filter(|m| m.code == "M").count() + aliased.len(),
        want_m,
        "every M mark is there, as M or as its alias"
    );

    // Pages of 7 without `has_more`: every student, class and membership is read.
    let raw: Vec<_> = client
        .client()
        .student_classes(2025)
        .try_collect()
        .await
        .unwrap();
    assert!(raw.len() > VARIANT_PAGE_SIZE);
    let details: Vec<_> = client
        .client()
        .education_details(2025)
        .try_collect()
        .await
        .unwrap();
    let past = school
        .enrolments
        .iter()
        .filter(|e| {
            e.leaving_date
                .is_some_and(|l| l < school.academic_year.start_date)
        })
        .count();
    assert_eq!(details.len(), school.students.len() - past);
}

/// Item 11: the variant school lists students who left before this year only in the year
/// before. `include_leavers` finds them there; without it they stay out.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn leavers_of_past_years_are_found_in_their_years() {
    use mis_core::EnrolmentStatus;
    let (_sandbox, school, client, _) = start_profile(Profile::Variant, FaultPlan::none()).await;
    let past: Vec<&str> = school
        .enrolments
        .iter()
        .filter(|e| {
            e.leaving_date
                .is_some_and(|l| l < school.academic_year.start_date)
        })
        .map(|e| e.student_id.as_str())
        .collect();
    assert!(!past.is_empty());
    let this_year: Vec<_> = client.client().student_details(2025).await.unwrap();
    assert!(
        this_year
            .iter()
            .all(|s| !past.contains(&s.id.to_string().as_str())),
        "this year's list does not have them"
    );
    let all = client
        .all_students(StudentQuery::new().include_leavers(true))
        .await
        .unwrap();
    assert_eq!(all.len(), school.students.len());
    for id in &past {
        let s = all.iter().find(|s| s.id == *id).unwrap();
        let want = school.student(id).unwrap();
        assert_eq!(s.enrolment_status, Some(EnrolmentStatus::Leaver));
        assert_eq!(s.upn(), want.upn());
        assert_eq!(
            s.year_group.as_deref(),
            want.year_group.as_deref().map(go_year).as_deref()
        );
    }
    let on_roll = client.all_students(StudentQuery::new()).await.unwrap();
    assert!(on_roll.iter().all(|s| !past.contains(&s.id.as_str())));

    // A configured range that touches only this year leaves last year's leavers out.
    let key = _sandbox.credentials().get("api_key").unwrap().to_owned();
    let this_year_only = Go4SchoolsProvider::new(
        config(&key, &_sandbox.base_url())
            .leavers_between(DateRange::parse("2024-09-01", "2025-07-01").unwrap()),
    )
    .unwrap();
    let got = this_year_only
        .all_students(StudentQuery::new().include_leavers(true))
        .await
        .unwrap();
    assert_eq!(got.len(), school.students.len() - past.len());
}

/// The range really covers both timetable weeks, every register and every polarity, so the
/// suite proves what the issue asks (lessons on the right dates for week 1 and week 2,
/// behaviour polarity).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_range_exercises_both_weeks_both_registers_and_all_polarities() {
    let (_sandbox, school, _client, expected) = start(FaultPlan::none()).await;
    let weeks: std::collections::BTreeSet<u8> = school
        .calendar
        .days_between(expected.range.from(), expected.range.to())
        .iter()
        .map(|d| d.week)
        .collect();
    assert_eq!(weeks, [1, 2].into());
    for slot in [Slot::Session, Slot::Lesson] {
        assert!(
            expected.data.marks.iter().any(|m| m.slot == slot),
            "{slot:?}"
        );
    }
    for p in [Polarity::Positive, Polarity::Negative] {
        assert!(
            expected.data.behaviour.iter().any(|e| e.polarity == p),
            "{p:?}"
        );
    }
    assert!(!expected.data.lessons.is_empty());
}

/// One student's timetable is that student's lessons only.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_students_timetable_is_their_lessons() {
    let (_sandbox, school, client, expected) = start(FaultPlan::none()).await;
    let student = &school.students[0];
    let want = school.lessons_for_student(&student.id, expected.range.from(), expected.range.to());
    assert!(!want.is_empty());
    let got = client
        .all_lessons(TimetableQuery::new(expected.range).student(&student.id))
        .await
        .unwrap();
    let key = |l: &mis_core::Lesson| (l.date, l.start.to_string(), l.group.clone(), l.id.clone());
    let mut w: Vec<_> = want.iter().map(key).collect();
    let mut g: Vec<_> = got.iter().map(key).collect();
    w.sort();
    g.sort();
    assert_eq!(g, w);
    assert!(
        got.iter()
            .all(|l| l.student_id.as_deref() == Some(student.id.as_str()))
    );
    // Teachers and rooms are resolved to names, as the School names them.
    let first = &want[0];
    let same = got.iter().find(|l| l.id == first.id).unwrap();
    assert_eq!(same.teachers, first.teachers);
    assert_eq!(same.rooms, first.rooms);
    assert_eq!(same.period, first.period);
}

/// Lesson marks carry the id of the lesson they belong to, so marks join to lessons.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lesson_marks_join_to_lessons() {
    let (_sandbox, _school, client, expected) = start(FaultPlan::none()).await;
    let day = DateRange::day(
        expected
            .data
            .marks
            .iter()
            .find(|m| m.slot == Slot::Lesson)
            .unwrap()
            .date,
    );
    let lessons = client.all_lessons(TimetableQuery::new(day)).await.unwrap();
    let marks = client
        .all_attendance(AttendanceQuery::new(day).slot(Slot::Lesson))
        .await
        .unwrap();
    assert!(!marks.is_empty());
    let ids: std::collections::BTreeSet<&str> = lessons.iter().map(|l| l.id.as_str()).collect();
    for m in &marks {
        assert_eq!(m.slot, Slot::Lesson);
        assert!(ids.contains(m.lesson_id.as_deref().unwrap()), "{m:?}");
    }
    // Session-only queries skip the lesson register.
    let sessions = client
        .all_attendance(AttendanceQuery::new(day).slot(Slot::Session))
        .await
        .unwrap();
    assert!(sessions.iter().all(|m| m.slot == Slot::Session));
    let e = client
        .all_attendance(AttendanceQuery::new(day).slot(Slot::Day))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unsupported);
}

/// Writes are checked before anything is sent, and the vendor's refusals come back typed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_are_validated_and_vendor_refusals_are_typed() {
    let (sandbox, school, client, expected) = start(FaultPlan::none()).await;
    let template = expected
        .data
        .marks
        .iter()
        .find(|m| m.slot == Slot::Session)
        .unwrap();
    let date = template.date;
    let student = &template.student_id;
    let writes = || sandbox.stats().applied_writes.load(Ordering::SeqCst);

    // Not a code of the school's book: refused locally, naming the code.
    let e = client
        .record_attendance(AttendanceWrite::session(student, date, Session::Am, "QQ"))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
    assert!(e.to_string().contains("\"QQ\""), "{e}");
    // A lesson mark: GO records sessions only.
    let e = client
        .record_attendance(AttendanceWrite::lesson(student, date, "123", "/"))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
    // An unknown student: no UPN to send.
    let e = client
        .record_attendance(AttendanceWrite::session("999999", date, Session::Am, "/"))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
    assert!(e.to_string().contains("999999"), "{e}");
    assert_eq!(writes(), 0, "nothing reached the emulator");

    // A closed day: the vendor's own "Date school not open." comes back as InvalidInput.
    let closed = school
        .calendar
        .closures
        .iter()
        .map(|c| c.start)
        .find(|d| *d > date && d.weekday() != jiff::civil::Weekday::Saturday)
        .unwrap();
    let e = client
        .record_attendance(AttendanceWrite::session(student, closed, Session::Am, "/"))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
    assert_eq!(e.vendor_code(), Some("Date school not open."), "{e}");
    assert_eq!(e.status(), Some(400));

    // An alias code is written as its parent mark plus the alias, and reads back as the
    // alias code with the parent's category (present).
    client
        .record_attendance(
            AttendanceWrite::session(student, date, Session::Pm, "IR")
                .note("Isolation")
                .minutes_late(0),
        )
        .await
        .unwrap();
    assert_eq!(writes(), 1);
    let back = client
        .all_attendance(
            AttendanceQuery::new(DateRange::day(date))
                .student(student)
                .slot(Slot::Session),
        )
        .await
        .unwrap();
    let pm = back
        .iter()
        .find(|m| m.session == Some(Session::Pm))
        .unwrap();
    assert_eq!(
        (pm.code.as_str(), pm.category),
        ("IR", mis_core::AttendanceCategory::Present)
    );
    assert_eq!(pm.note.as_deref(), Some("Isolation"));
}

/// Students: filters, UPNs and MIS ids; and the other entities GO can list.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn students_filters_staff_groups_years_and_codes() {
    let (_sandbox, school, client, _) = start(FaultPlan::none()).await;
    let on_roll = client.all_students(StudentQuery::new()).await.unwrap();
    let all = client
        .all_students(StudentQuery::new().include_leavers(true))
        .await
        .unwrap();
    let leavers = school
        .enrolments
        .iter()
        .filter(|e| e.leaving_date.is_some())
        .count();
    assert!(leavers > 0);
    assert_eq!(all.len(), school.students.len());
    assert_eq!(on_roll.len(), school.students.len() - leavers);
    let year = on_roll[0].year_group.clone().unwrap();
    let one_year = client
        .all_students(StudentQuery::new().year_group(year.as_str()))
        .await
        .unwrap();
    assert!(!one_year.is_empty() && one_year.len() < on_roll.len());
    assert!(
        one_year
            .iter()
            .all(|s| s.year_group.as_deref() == Some(year.as_str()))
    );
    let ada = client
        .find_by_upn(school.students[0].upn().unwrap())
        .await
        .unwrap();
    assert_eq!(ada.id, school.students[0].id);

    let staff: Vec<_> = client.staff().try_collect().await.unwrap();
    assert!(!staff.is_empty());
    let groups: Vec<_> = client.groups().try_collect().await.unwrap();
    let teaching = groups
        .iter()
        .filter(|g| g.kind == GroupKind::Teaching)
        .count();
    assert_eq!(teaching, school.groups_of(GroupKind::Teaching).count());
    assert_eq!(
        groups
            .iter()
            .filter(|g| g.kind == GroupKind::Registration)
            .count(),
        school.groups_of(GroupKind::Registration).count()
    );
    let years: Vec<_> = client.academic_years().try_collect().await.unwrap();
    assert_eq!(years.len(), 1);
    assert_eq!(years[0].name, school.academic_year.name);
    // Terms come from the calendar (GO publishes no term dates): the school's own.
    let terms: Vec<_> = client.terms().try_collect().await.unwrap();
    let shown =
        |name: &str, from: jiff::civil::Date, to: jiff::civil::Date| format!("{name} {from} {to}");
    assert_eq!(
        terms
            .iter()
            .map(|t| shown(&t.name, t.start_date, t.end_date))
            .collect::<Vec<_>>(),
        school
            .terms
            .iter()
            .map(|t| shown(&t.name, t.start_date, t.end_date))
            .collect::<Vec<_>>()
    );
    let codes: Vec<_> = client.attendance_codes().try_collect().await.unwrap();
    assert_eq!(codes.len(), school.attendance_codes.len());
    for (have, want) in codes.iter().zip(&school.attendance_codes) {
        assert_eq!((&have.code, have.category), (&want.code, want.category));
    }
}

/// A range outside the school's academic years is refused with the years it has; a range
/// over 1 September queries only the year the school has.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ranges_are_split_by_academic_year() {
    let (_sandbox, school, client, _) = start(FaultPlan::none()).await;
    let e = client
        .all_attendance(AttendanceQuery::new(
            DateRange::parse("2019-01-07", "2019-01-08").unwrap(),
        ))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
    assert!(e.to_string().contains("2024/2025"), "{e}");
    let start = school.academic_year.start_date;
    let over = DateRange::new(
        start.checked_sub(3.days()).unwrap(),
        start.checked_add(9.days()).unwrap(),
    )
    .unwrap();
    let marks = client
        .all_attendance(AttendanceQuery::new(over))
        .await
        .unwrap();
    assert!(!marks.is_empty());
    assert!(marks.iter().all(|m| m.date >= start));
}

/// Injected 429s and 5xx are retried through to the same answer; an injected key expiry is a
/// typed `Unauthenticated` (a fixed key cannot be refreshed).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn faults_are_retried_and_expiry_is_typed() {
    let mut faults = FaultPlan::none();
    faults.rate_429 = 0.2;
    faults.retry_after = std::time::Duration::from_millis(10);
    let (sandbox, _school, client, expected) = start(faults).await;
    let day = DateRange::day(expected.data.marks[0].date);
    let got = client
        .all_attendance(AttendanceQuery::new(day))
        .await
        .unwrap();
    let want = expected
        .data
        .marks
        .iter()
        .filter(|m| m.date == day.from())
        .count();
    assert_eq!(got.len(), want);
    assert!(sandbox.stats().throttled.load(Ordering::SeqCst) > 0);

    let mut faults = FaultPlan::none();
    faults.expire_every = Some(1);
    let (_sandbox, _school, client, _) = start(faults).await;
    let e = client.all_students(StudentQuery::new()).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unauthenticated);
    assert!(!e.to_string().contains("g4s_sandbox_"), "{e}");
}

/// Each record fault costs exactly what it touches, and the warnings say what and why.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_record_fault_costs_what_it_touches() {
    use mis_core::Diagnostics;
    use mis_sandbox::RecordFaults;

    let (_sandbox, school, client, expected) = start(FaultPlan::degraded()).await;

    // The malformed student is skipped, named by its id; every other student comes back.
    let d = Diagnostics::new();
    let students = client
        .all_students(
            StudentQuery::new()
                .include_leavers(true)
                .with_diagnostics(d.clone()),
        )
        .await
        .unwrap();
    let bad = &school.students[RecordFaults::MALFORMED_STUDENT].id;
    assert_eq!(students.len(), school.students.len() - 1);
    assert!(students.iter().all(|s| &s.id != bad));
    let w = d.warnings();
    assert_eq!(w.len(), 1, "{w:?}");
    assert_eq!(w[0].kind, ErrorKind::Decode);
    assert_eq!(w[0].record_id.as_ref(), Some(bad));
    assert_eq!(
        (w[0].vendor.as_str(), w[0].operation.as_str()),
        (VENDOR, "students.list")
    );
    assert!(w[0].message.contains("date_of_birth"), "{}", w[0].message);

    // One date's lesson register is a 404: that date's lesson marks are left out, with one
    // warning naming the date; the session marks of that date and every other mark come back.
    let missing = &school.students[RecordFaults::MISSING_STUDENT].id;
    let day = school
        .lesson_marks
        .iter()
        .find(|m| &m.student_id == missing)
        .unwrap()
        .date;
    let d = Diagnostics::new();
    let marks = client
        .all_attendance(AttendanceQuery::new(expected.range).with_diagnostics(d.clone()))
        .await
        .unwrap();
    let want = |keep: &dyn Fn(&mis_core::AttendanceMark) -> bool| {
        expected.data.marks.iter().filter(|m| keep(m)).count()
    };
    assert_eq!(
        marks.len(),
        want(&|m| !(m.slot == Slot::Lesson && m.date == day))
    );
    assert!(
        !marks
            .iter()
            .any(|m| m.slot == Slot::Lesson && m.date == day)
    );
    let w = d.warnings();
    assert_eq!(w.len(), 1, "{w:?}");
    assert_eq!(w[0].kind, ErrorKind::NotFound);
    assert_eq!(w[0].status, Some(404));
    assert_eq!(w[0].operation, "attendance.lesson_marks");
    assert_eq!(w[0].consequence, format!("lesson marks of {day} left out"));
    assert_eq!((&w[0].record_id, &w[0].student_id), (&None, &None));

    // Teachers are forbidden: every lesson comes back, without teachers, and every timetable
    // read (not only the one that filled the cache) says so.
    for _ in 0..2 {
        let d = Diagnostics::new();
        let lessons = client
            .all_lessons(TimetableQuery::new(expected.range).with_diagnostics(d.clone()))
            .await
            .unwrap();
        assert_eq!(lessons.len(), expected.data.lessons.len());
        assert!(lessons.iter().all(|l| l.teachers.is_empty()));
        let w = d.warnings();
        assert_eq!(w.len(), 1, "{w:?}");
        assert_eq!(w[0].kind, ErrorKind::PermissionDenied);
        assert_eq!(w[0].operation, "teaching.teachers");
        assert_eq!(
            w[0].consequence,
            "lessons listed without teachers: teachers not readable"
        );
    }
}
