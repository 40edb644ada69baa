//! Issue 15, HUBmis items 8–14: the provider against the emulator's variant profile (what
//! real servers also send; `mis_sandbox::emulator::hubmis::variant`), each asserting the
//! normalised values a caller gets.

use std::collections::BTreeSet;
use std::sync::Arc;

use futures::TryStreamExt;
use jiff::ToSpan;
use mis_core::{
    AttendanceCategory, AttendanceQuery, BehaviourQuery, DateRange, Diagnostics, EnrolmentStatus,
    ErrorKind, MisProvider, StudentQuery, TimetableQuery,
};
use mis_hubmis::{Config, HubmisProvider, Quota, SecretString, routes};
use mis_sandbox::emulator::hubmis::variant;
use mis_sandbox::{EmulatorOptions, FaultPlan, Profile, Sandbox, School, SchoolOptions, Stats};

const SCALE: f64 = 0.01;

/// A variant-profile school of `size` on-roll students (plus the generator's two leavers
/// of last year) behind the emulator, and a provider for it.
async fn variant(size: usize) -> (Sandbox, Arc<School>, HubmisProvider) {
    let school = Arc::new(School::generate_with(
        15,
        size,
        SchoolOptions::new().profile(Profile::Variant),
    ));
    let sandbox = Sandbox::start_with(
        &mis_sandbox::emulator::hubmis::EMULATOR,
        school.clone(),
        FaultPlan::none(),
        EmulatorOptions {
            time_scale: SCALE,
            ..EmulatorOptions::default()
        },
        0,
    )
    .await
    .expect("the HUBmis emulator starts");
    let creds = sandbox.credentials();
    let config = Config::new(
        creds.get("client_id").unwrap(),
        SecretString::from(creds.get("client_secret").unwrap().to_owned()),
        creds.get("realm").unwrap(),
    )
    .update_options(|o| o.with_base_url(sandbox.base_url()))
    .with_quota(Quota::HUBMIS.scaled(SCALE))
    .with_enrolment_details(false)
    .with_positive_categories(["Praise"])
    .with_negative_categories(["Concern"]);
    let provider = HubmisProvider::new(config).unwrap();
    (sandbox, school, provider)
}

/// Item 8: a student who left last month still has last term's marks (and events) for
/// last term; nothing is made up after their last day.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_leaver_keeps_the_marks_of_the_term_they_were_on_roll() {
    let (_sandbox, school, p) = variant(20).await;
    let (leaver, last_day) = variant::leaver(&school).unwrap();
    let served = variant::variant_school(&school);
    let term = school.attendance_range.unwrap();
    let term = DateRange::new(term.from(), last_day.checked_add(10.days()).unwrap()).unwrap();

    let d = Diagnostics::new();
    let marks: Vec<_> = p
        .attendance(AttendanceQuery::new(term).with_diagnostics(d.clone()))
        .try_collect()
        .await
        .unwrap();
    let theirs: Vec<_> = marks.iter().filter(|m| m.student_id == leaver).collect();
    let want: Vec<_> = served
        .session_marks
        .iter()
        .filter(|m| m.student_id == leaver && term.contains(m.date))
        .collect();
    assert!(!want.is_empty());
    assert_eq!(
        theirs.len(),
        want.len(),
        "every mark recorded while on roll"
    );
    assert!(theirs.iter().all(|m| m.date <= last_day));
    let absent =
        |ms: &[&mis_core::AttendanceMark]| ms.iter().filter(|m| m.category.is_absence()).count();
    assert_eq!(absent(&theirs), absent(&want));
    assert!(d.is_empty(), "{:?}", d.warnings());

    // Their events of that term, asked for with `filter[includePastStudents]=true`.
    let events: Vec<_> = p
        .behaviour(BehaviourQuery::new(term))
        .try_collect()
        .await
        .unwrap();
    let theirs = events
        .iter()
        .filter(|e| e.student_ids.contains(&leaver))
        .count();
    let want = served
        .behaviour_events()
        .filter(|e| term.contains(e.date) && e.student_ids.contains(&leaver))
        .count();
    assert_eq!(theirs, want);

    // One student's lessons stop on their last day; the calendar carries `filter[date]`
    // (item 12: the variant answers 422 without it, which would cost the lessons).
    let d = Diagnostics::new();
    let lessons: Vec<_> = p
        .timetable(
            TimetableQuery::new(term)
                .student(leaver.clone())
                .with_diagnostics(d.clone()),
        )
        .try_collect()
        .await
        .unwrap();
    assert!(d.is_empty(), "{:?}", d.warnings());
    assert!(!lessons.is_empty());
    assert!(lessons.iter().all(|l| l.date <= last_day));
    let want = school
        .lessons_for_student(&leaver, term.from(), last_day)
        .len();
    assert_eq!(lessons.len(), want);
}

/// Items 9 and 11: the emulator caps pages at 50 and refuses the unfiltered list (no
/// admissions scope); 120 students (on roll and left) are listed, all 120, without a 403.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn capped_pages_of_120_students_list_120_and_leavers_need_no_admissions_scope() {
    let (sandbox, school, p) = variant(118).await;
    assert_eq!(school.students.len(), 120);
    let before = Stats::get(&sandbox.stats().requests);
    let d = Diagnostics::new();
    let all: Vec<_> = p
        .students(
            StudentQuery::new()
                .include_leavers(true)
                .with_diagnostics(d.clone()),
        )
        .try_collect()
        .await
        .unwrap();
    assert!(d.is_empty(), "{:?}", d.warnings());
    let ids: BTreeSet<_> = all.iter().map(|s| s.id.clone()).collect();
    assert_eq!(ids.len(), 120);
    let want: BTreeSet<_> = school.students.iter().map(|s| s.id.clone()).collect();
    assert_eq!(ids, want);
    let left = all
        .iter()
        .filter(|s| s.enrolment_status == Some(EnrolmentStatus::Leaver))
        .count();
    assert_eq!(left, 3, "last year's two and this term's one");
    assert_eq!(p.client().page_cap(routes::STUDENTS), Some(50));
    // current: 50 + (the question) 50 + 17; past: 3 (the cap is known by then). Plus the
    // token.
    let requests = Stats::get(&sandbox.stats().requests) - before;
    assert_eq!(requests, 5, "{requests} requests");

    // On roll only: 117, one page fewer to learn nothing new.
    let on_roll: Vec<_> = p.students(StudentQuery::new()).try_collect().await.unwrap();
    assert_eq!(on_roll.len(), 117);
}

/// Item 10: marks whose code id is missing from the code book are `unmapped` with the id
/// as their code, not an empty `no_mark`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_code_id_missing_from_the_book_is_unmapped_with_its_id() {
    let (_sandbox, school, p) = variant(20).await;
    let retired = variant::retired_code(&school).unwrap();
    let carrier = school
        .session_marks
        .iter()
        .find(|m| m.code == retired)
        .unwrap();
    let range = DateRange::new(carrier.date, carrier.date).unwrap();
    let marks: Vec<_> = p
        .attendance(AttendanceQuery::new(range).student(carrier.student_id.clone()))
        .try_collect()
        .await
        .unwrap();
    let mark = marks.iter().find(|m| m.session == carrier.session).unwrap();
    assert_eq!(mark.category, AttendanceCategory::Unmapped);
    assert!(
        !mark.code.is_empty() && mark.code.bytes().all(|b| b.is_ascii_digit()),
        "{:?}",
        mark.code
    );
    // The other session's code is in the book and maps through the DfE table.
    for other in marks.iter().filter(|m| m.session != carrier.session) {
        let want = school
            .session_marks
            .iter()
            .find(|m| {
                m.student_id == carrier.student_id
                    && m.date == carrier.date
                    && m.session == other.session
            })
            .unwrap();
        if want.code != retired {
            assert_eq!(
                (other.code.as_str(), other.category),
                (want.code.as_str(), want.category)
            );
        }
    }
}

/// Item 13: `"Year 9"`, `"Y9"` and `"9"` pick the same students, here from year groups that
/// carry no `dfe_year` (the variant).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_year_is_one_year_however_it_is_written() {
    let (_sandbox, school, p) = variant(20).await;
    let label = school.students[0].year_group.clone().unwrap();
    let mut picked = Vec::new();
    for asked in [label.clone(), format!("Year {label}"), format!("Y{label}")] {
        let got: Vec<_> = p
            .students(StudentQuery::new().year_group(asked.clone()))
            .try_collect()
            .await
            .unwrap();
        assert!(!got.is_empty(), "{asked}");
        assert!(
            got.iter()
                .all(|s| s.year_group.as_deref() == Some(label.as_str())),
            "{asked}"
        );
        picked.push(got.into_iter().map(|s| s.id).collect::<Vec<_>>());
    }
    assert_eq!(picked[0], picked[1]);
    assert_eq!(picked[0], picked[2]);
}

/// The realm is not the client's: every call would fail the same way, so a read ends with
/// a credentials error instead of returning nothing with warnings.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_realm_ends_the_read() {
    let (sandbox, school, _) = variant(20).await;
    let creds = sandbox.credentials();
    let config = Config::new(
        creds.get("client_id").unwrap(),
        SecretString::from(creds.get("client_secret").unwrap().to_owned()),
        "S000000",
    )
    .update_options(|o| o.with_base_url(sandbox.base_url()))
    .with_quota(Quota::HUBMIS.scaled(SCALE));
    let p = HubmisProvider::new(config).unwrap();
    let range = school.attendance_range.unwrap();
    let d = Diagnostics::new();
    let e = p
        .timetable(
            TimetableQuery::new(range)
                .student(school.students[0].id.clone())
                .with_diagnostics(d.clone()),
        )
        .try_collect::<Vec<_>>()
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unauthenticated);
    assert!(e.to_string().contains("realm"), "{e}");
    assert!(d.is_empty(), "{:?}", d.warnings());
}
