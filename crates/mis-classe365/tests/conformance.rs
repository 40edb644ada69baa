//! The conformance suite against the Classe365 emulator (mis-sandbox), plus the round trips
//! the suite's scenarios cannot express for a vendor with day marks.
//!
//! The emulator renders the synthetic School as a Classe365 tenant would (written from the
//! vendor document, independently of this crate). `Expected` is the School converted to what
//! Classe365 can represent:
//! - students as they are (UPN and date of birth included: the tenant keeps the UPN in a
//!   custom field);
//! - attendance: one **day** mark per student per school day — the School's AM session mark,
//!   as a status label. Classe365 has no AM/PM sessions, so the PM mark is not compared;
//!   marks no label can express (not counted, no mark) are not in the tenant; and `U`
//!   (unauthorised + late) comes back as `absent`, i.e. unauthorised without the lateness;
//! - no lessons and no behaviour: Classe365 has neither (the `unsupported_*` tests).
//!
//! The **variant** profile (`Profile::Variant`) is a school with subject-wise attendance: on
//! the dates the School has lesson marks, one record per lesson register, each naming its
//! subject and period. Those come back as **lesson** marks (same label rules), and no day
//! marks for those dates; the other dates keep their daily record.

use std::sync::Arc;

use base64::Engine as _;
use futures::TryStreamExt;
use jiff::ToSpan;
use mis_classe365::{Classe365Provider, Config};
use mis_core::memory::MemoryData;
use mis_core::{
    AttendanceCategory, AttendanceMark, AttendanceQuery, AttendanceWrite, DateRange, ErrorKind,
    GroupKind, MisProvider, MisProviderExt, Session, Slot, StudentQuery,
};
use mis_sandbox::{EmulatorOptions, FaultPlan, Profile, Sandbox, School, SchoolOptions};
use mis_testkit::Expected;

const SEED: u64 = 365;
const SIZE: usize = 40;

/// The tenant's status label for a School mark, as Classe365 can hold it (`mis_core::codes`
/// label rules, read backwards), or `None` when no label expresses the mark.
fn label(mark: &AttendanceMark) -> Option<(&'static str, bool)> {
    use AttendanceCategory::*;
    Some(match mark.category {
        Present if mark.late => ("late", true),
        Present => ("present", false),
        ApprovedEducationalActivity => ("field trip", false),
        AuthorisedAbsence => ("excused", false),
        // No label says "unauthorised and late": `U` loses its lateness.
        UnauthorisedAbsence => ("absent", false),
        _ => return None,
    })
}

/// The School as a Classe365 tenant of `profile` represents it.
fn expected_data(school: &School) -> MemoryData {
    let subject_wise = |d: jiff::civil::Date| {
        school.options.profile == Profile::Variant
            && school.lesson_mark_range.is_some_and(|r| r.contains(d))
    };
    let mut data = daily_data(school);
    data.marks.retain(|m| !subject_wise(m.date));
    if school.options.profile == Profile::Variant {
        let range = school.lesson_mark_range.expect("lesson marks");
        let lessons = school.lessons_between(range.from(), range.to());
        for m in &school.lesson_marks {
            let Some((code, late)) = label(m) else {
                continue;
            };
            let lesson = lessons
                .iter()
                .find(|l| Some(&l.id) == m.lesson_id.as_ref())
                .expect("every lesson mark has its lesson");
            let subject = school
                .subjects
                .iter()
                .find(|s| Some(&s.name) == lesson.subject.as_ref())
                .map(|s| s.id.clone());
            let mut mark = AttendanceMark::new(
                "classe365",
                m.student_id.as_str(),
                m.date,
                Slot::Lesson,
                code,
                m.category,
            )
            .with_late(late);
            mark.period = m.period.clone();
            mark.lesson_id = subject;
            mark.note = m.note.clone();
            data.marks.push(mark);
        }
    }
    data
}

/// The School as a daily-attendance Classe365 tenant represents it.
fn daily_data(school: &School) -> MemoryData {
    let students = school
        .students
        .iter()
        .cloned()
        .map(|mut s| {
            s.provider = "classe365".into();
            s
        })
        .collect();
    let marks = school
        .session_marks
        .iter()
        .filter(|m| m.session == Some(Session::Am))
        .filter_map(|m| {
            let (code, late) = label(m)?;
            let mut mark = AttendanceMark::new(
                "classe365",
                m.student_id.as_str(),
                m.date,
                Slot::Day,
                code,
                m.category,
            )
            .with_late(late);
            mark.note = m.note.clone();
            Some(mark)
        })
        .collect();
    MemoryData {
        students,
        marks,
        ..MemoryData::default()
    }
}

/// The first two weeks of the School's attendance: short, so the suite runs in seconds.
fn range(school: &School) -> DateRange {
    let first = school
        .attendance_range
        .expect("the School has attendance")
        .from();
    DateRange::new(first, first.checked_add(11.days()).unwrap()).unwrap()
}

async fn start(faults: FaultPlan) -> (Sandbox, Arc<School>, Classe365Provider, Expected) {
    start_profile(faults, Profile::Standard).await
}

async fn start_profile(
    faults: FaultPlan,
    profile: Profile,
) -> (Sandbox, Arc<School>, Classe365Provider, Expected) {
    let school = Arc::new(School::generate_with(
        SEED,
        SIZE,
        SchoolOptions::new().profile(profile),
    ));
    let sandbox = Sandbox::start_with(
        &mis_sandbox::emulator::classe365::EMULATOR,
        school.clone(),
        faults,
        EmulatorOptions::default(),
        0,
    )
    .await
    .expect("the Classe365 emulator starts");
    let creds = sandbox.credentials();
    let subdomain = creds.get("subdomain").expect("a subdomain").to_owned();
    let key = creds.get("api_key").expect("an API key").to_owned();
    let client = Classe365Provider::new(
        Config::new(&subdomain, key.as_str())
            .unwrap()
            .update_options(|o| o.with_base_url(sandbox.base_url())),
    )
    .unwrap();
    let basic = base64::engine::general_purpose::STANDARD.encode(format!("{subdomain}:{key}"));
    let expected = Expected::new(expected_data(&school), range(&school))
        .secret(key)
        .secret(basic);
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
/// `reads_through_429s_and_expiry`. No expiry: a Classe365 API key does not expire, so a 401
/// is final (HTTP Basic with a fixed key: nothing to refresh), and the client rightly does
/// not replay it.
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

/// The emulator with `FaultPlan::degraded()` (see the emulator's "Record faults").
async fn degraded_setup() -> (Arc<dyn MisProvider>, Expected) {
    let (sandbox, _school, client, expected) = start(FaultPlan::degraded()).await;
    std::mem::forget(sandbox);
    (Arc::new(client), expected)
}

// Only the decode fault: Classe365's students and attendance reads are each one list
// request, with no per-student or enrichment call for a 404 or a 403 to touch (the emulator
// renders those on `GET /students/{id}` and `GET /departments`, which these reads never ask
// for; inventing requests to meet them would cost quota). Every other rule of the scenario,
// and strict mode, apply as for every vendor.
mis_testkit::degradation_suite! {
    setup = degraded_setup(),
    faults = [Decode],
}

/// The malformed date of birth costs that field of that student, named; every student and
/// every mark comes back; the faults on records these reads never ask for cost nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_malformed_record_costs_what_it_touches() {
    use mis_core::Diagnostics;
    use mis_sandbox::RecordFaults;
    let (_sandbox, school, client, expected) = start(FaultPlan::degraded()).await;
    let d = Diagnostics::new();
    let students = client
        .all_students(
            StudentQuery::new()
                .include_leavers(true)
                .with_diagnostics(d.clone()),
        )
        .await
        .unwrap();
    assert_eq!(students.len(), school.students.len());
    let bad = &school.students[RecordFaults::MALFORMED_STUDENT];
    for s in &students {
        let want = school.students.iter().find(|w| w.id == s.id).unwrap();
        if s.id == bad.id {
            assert_eq!(s.date_of_birth, None);
            assert_eq!(
                (&s.first_name, &s.last_name),
                (&want.first_name, &want.last_name)
            );
        } else {
            assert_eq!(s.date_of_birth, want.date_of_birth, "{}", s.id);
        }
    }
    let w = d.warnings();
    assert_eq!(w.len(), 1, "{w:?}");
    assert_eq!(w[0].kind, ErrorKind::Decode);
    assert_eq!(w[0].record_id.as_ref(), Some(&bad.id));
    assert_eq!(w[0].student_id.as_ref(), Some(&bad.id));
    assert_eq!(w[0].vendor, "classe365");
    assert_eq!(w[0].operation, "students.list");
    assert_eq!(w[0].consequence, "student listed without date of birth");

    let d = Diagnostics::new();
    let marks = client
        .all_attendance(AttendanceQuery::new(expected.range).with_diagnostics(d.clone()))
        .await
        .unwrap();
    let want = expected
        .data
        .marks
        .iter()
        .filter(|m| expected.range.contains(m.date))
        .count();
    assert_eq!(marks.len(), want);
    assert!(d.is_empty(), "{:?}", d.warnings());
}

mis_testkit::conformance_suite! {
    classe365,
    setup = setup(),
    faulted = faulted_setup(),
    supported = [students, attendance],
    unsupported = [timetable, behaviour],
}

/// The variant profile: a school with subject-wise registers (see the module docs).
async fn variant_setup() -> (Arc<dyn MisProvider>, Expected) {
    let (sandbox, _school, client, expected) =
        start_profile(FaultPlan::none(), Profile::Variant).await;
    std::mem::forget(sandbox);
    (Arc::new(client), expected)
}

mod variant {
    use super::*;

    mis_testkit::conformance_suite! {
        classe365_variant,
        setup = variant_setup(),
        supported = [students, attendance],
        unsupported = [timetable, behaviour],
    }
}

/// Issue 15, item 15, against the variant tenant: one student's subject registers of a day
/// are that many lesson marks with the School's categories, and no day mark; the daily
/// school gives the same student one day mark that day. (The exact "five registers, one
/// absence" shape is in tests/http.rs.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn subject_registers_are_lesson_marks_and_daily_ones_day_marks() {
    use mis_core::stats::summarise_student;
    let (_variant, school, client, _) = start_profile(FaultPlan::none(), Profile::Variant).await;
    let range = school.lesson_mark_range.expect("lesson marks");
    let of_day = |s: &str, d: jiff::civil::Date| -> Vec<&AttendanceMark> {
        school
            .lesson_marks
            .iter()
            .filter(|m| m.student_id == s && m.date == d && label(m).is_some())
            .collect()
    };
    // A student-day with at least five registers, at least one of them an absence.
    let (student, day) = school
        .lesson_marks
        .iter()
        .filter(|m| m.category == AttendanceCategory::UnauthorisedAbsence)
        .map(|m| (m.student_id.clone(), m.date))
        .find(|(s, d)| of_day(s, *d).len() >= 5)
        .expect("a student absent from a lesson");
    let want = of_day(&student, day);
    let absent_in_school = want
        .iter()
        .filter(|m| m.category == AttendanceCategory::UnauthorisedAbsence)
        .count();
    assert!(range.contains(day));
    let marks = client
        .all_attendance(AttendanceQuery::new(DateRange::day(day)).student(&student))
        .await
        .unwrap();
    let registers = want.len();
    assert_eq!(marks.len(), registers, "{marks:?}");
    assert!(marks.iter().all(|m| m.slot == Slot::Lesson), "no day marks");
    let absent = marks
        .iter()
        .filter(|m| m.category == AttendanceCategory::UnauthorisedAbsence)
        .count();
    assert_eq!(absent, absent_in_school, "{marks:?}");
    assert!(
        marks
            .iter()
            .all(|m| m.lesson_id.is_some() && m.period.is_some())
    );
    // Absent lessons of N registers, not N days.
    let summary = summarise_student(&student, &marks);
    assert_eq!(summary.slot, Some(Slot::Lesson));
    assert_eq!(summary.possible, registers as u64);
    assert_eq!(summary.unauthorised_absence, absent_in_school as u64);
    // A lesson-only query gets the same; a day-only one nothing.
    let lessons = client
        .all_attendance(
            AttendanceQuery::new(DateRange::day(day))
                .student(&student)
                .slot(Slot::Lesson),
        )
        .await
        .unwrap();
    assert_eq!(lessons.len(), registers);
    let days = client
        .all_attendance(
            AttendanceQuery::new(DateRange::day(day))
                .student(&student)
                .slot(Slot::Day),
        )
        .await
        .unwrap();
    assert!(days.is_empty(), "{days:?}");

    // The daily school: one day mark for that student that day.
    let (_daily, _, client, _) = start(FaultPlan::none()).await;
    let marks = client
        .all_attendance(AttendanceQuery::new(DateRange::day(day)).student(&student))
        .await
        .unwrap();
    assert_eq!(marks.len(), 1, "{marks:?}");
    assert_eq!(marks[0].slot, Slot::Day);
}

/// Acceptance (issue 15, item 17) against the variant tenant: an `inactive` leaver is not on
/// roll, and is listed (as `inactive`) only with `include_leavers`; no warning, since
/// `inactive` is a documented status.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inactive_students_are_not_on_roll() {
    use mis_core::{Diagnostics, EnrolmentStatus};
    let (_sandbox, school, client, _) = start_profile(FaultPlan::none(), Profile::Variant).await;
    let d = Diagnostics::new();
    let everyone = client
        .all_students(
            StudentQuery::new()
                .include_leavers(true)
                .with_diagnostics(d.clone()),
        )
        .await
        .unwrap();
    assert_eq!(everyone.len(), school.students.len());
    let inactive: Vec<_> = everyone
        .iter()
        .filter(|s| s.enrolment_status == Some(EnrolmentStatus::Other("inactive".into())))
        .collect();
    assert_eq!(inactive.len(), 1, "every other leaver of two");
    let on_roll = client.all_students(StudentQuery::new()).await.unwrap();
    let want = school
        .students
        .iter()
        .filter(|s| s.enrolment_status == Some(EnrolmentStatus::OnRoll))
        .count();
    assert_eq!(on_roll.len(), want);
    assert!(on_roll.iter().all(|s| s.id != inactive[0].id));
    assert!(d.is_empty(), "{:?}", d.warnings());
}

/// `write_attendance` in the suite writes an AM session mark, which Classe365 cannot hold;
/// this is the same round trip with a day mark.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_day_mark_written_reads_back() {
    let (sandbox, _school, client, expected) = start(FaultPlan::none()).await;
    let template = expected
        .data
        .marks
        .iter()
        .find(|m| expected.range.contains(m.date) && m.category == AttendanceCategory::Present)
        .expect("a present mark in range");
    let mut w =
        AttendanceWrite::session(&template.student_id, template.date, Session::Am, "excused")
            .note("Dentist");
    w.session = None;
    client.record_attendance(w).await.unwrap();
    let back = client
        .all_attendance(
            AttendanceQuery::new(DateRange::day(template.date)).student(&template.student_id),
        )
        .await
        .unwrap();
    assert_eq!(
        back.len(),
        1,
        "the day's record was updated, not duplicated: {back:?}"
    );
    assert_eq!(back[0].category, AttendanceCategory::AuthorisedAbsence);
    assert_eq!(back[0].note.as_deref(), Some("Dentist"));
    assert_eq!(
        sandbox
            .stats()
            .applied_writes
            .load(std::sync::atomic::Ordering::SeqCst),
        1
    );

    // A session mark is refused with a typed error before anything is sent.
    let e = client
        .record_attendance(AttendanceWrite::session(
            &template.student_id,
            template.date,
            Session::Pm,
            "present",
        ))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
    // A status the tenant does not record comes back as the vendor's validation error.
    let mut w =
        AttendanceWrite::session(&template.student_id, template.date, Session::Am, "holiday");
    w.session = None;
    let e = client.record_attendance(w).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
    assert!(e.vendor_code().is_some(), "{e}");
    assert!(e.to_string().contains("status"), "{e}");
}

/// Staff, groups, academic years and terms come back from the School.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_groups_and_calendar_round_trip() {
    let (_sandbox, school, client, _) = start(FaultPlan::none()).await;
    let staff: Vec<_> = client.staff().try_collect().await.unwrap();
    assert_eq!(staff.len(), school.staff.len());
    for want in &school.staff {
        let have = staff
            .iter()
            .find(|s| s.id == want.id)
            .expect("every teacher");
        assert_eq!(
            (&have.first_name, &have.last_name),
            (&want.first_name, &want.last_name)
        );
    }

    let groups: Vec<_> = client.groups().try_collect().await.unwrap();
    let classes: Vec<_> = school
        .groups
        .iter()
        .filter(|g| g.kind != GroupKind::Year)
        .collect();
    assert_eq!(groups.len(), classes.len());
    for want in classes {
        let have = groups
            .iter()
            .find(|g| g.id == want.id)
            .expect("every class");
        assert_eq!((&have.name, &have.kind), (&want.name, &want.kind));
        assert_eq!(have.student_ids, want.student_ids);
        assert_eq!(have.subject, want.subject);
    }

    let years: Vec<_> = client.academic_years().try_collect().await.unwrap();
    assert_eq!(years.len(), 1);
    assert_eq!(years[0].name, school.academic_year.name);
    assert_eq!(
        (years[0].start_date, years[0].end_date),
        (
            school.academic_year.start_date,
            school.academic_year.end_date
        )
    );
    let terms: Vec<_> = client.terms().try_collect().await.unwrap();
    assert_eq!(terms.len(), school.terms.len());
    assert!(
        terms
            .iter()
            .all(|t| t.academic_year_id.as_deref() == Some(years[0].id.as_str()))
    );
}

/// Students by id, and an unknown id as `NotFound` (the vendor's 204).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_student_and_a_missing_one() {
    let (_sandbox, school, client, _) = start(FaultPlan::none()).await;
    let first = &school.students[0];
    let s = client.client().student(&first.id).await.unwrap();
    assert_eq!(s.first_name.as_deref(), Some(first.first_name.as_str()));
    let e = client.client().student("99999").await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);
    assert_eq!(e.status(), Some(204));
    // Leavers are off roll unless asked for.
    let on_roll = client.all_students(StudentQuery::new()).await.unwrap();
    let everyone = client
        .all_students(StudentQuery::new().include_leavers(true))
        .await
        .unwrap();
    assert!(on_roll.len() < everyone.len());
    assert_eq!(everyone.len(), school.students.len());
}

/// Reads survive injected 5xx and 429 (retried); the result is the same school.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reads_are_retried_through_faults() {
    let plan = FaultPlan {
        rate_5xx: 0.3,
        rate_429: 0.05,
        seed: 7,
        ..FaultPlan::none()
    };
    let (sandbox, _school, client, expected) = start(plan).await;
    let c = Classe365Provider::new(
        Config::new(
            client.info().tenant.as_deref().unwrap(),
            expected.secrets[0].as_str(),
        )
        .unwrap()
        .update_options(|o| {
            o.with_base_url(sandbox.base_url())
                .with_page_size(10)
                // The default back-off (from 500 ms) shortened: that the reads are retried
                // is the subject, not how long a retry waits (the 429's `Retry-After` still
                // holds the gate).
                .with_retry(
                    mis_http::RetryConfig::default()
                        .base_delay(std::time::Duration::from_millis(10)),
                )
        }),
    )
    .unwrap();
    let students = c
        .all_students(StudentQuery::new().include_leavers(true))
        .await
        .unwrap();
    assert_eq!(students.len(), expected.data.students.len());
    assert!(
        sandbox
            .stats()
            .faults
            .load(std::sync::atomic::Ordering::SeqCst)
            > 0,
        "the plan injected something"
    );
}
