//! `mis doctor`'s facts about GO 4 Schools, against the emulator:
//!
//! * the request plan ([`DoctorFacts::sync_requests`]) is what the provider really sends for
//!   what `mis sync` reads (students with leavers, attendance, timetable and behaviour of a
//!   range), counted by the emulator;
//! * a doctor-shaped run (the student list, then one student and one day of each probe) of
//!   a small school fits the declared budget;
//! * the school set up wrong: the module the emulator disables is `PermissionDenied` (never
//!   an empty read), and the school's own code is `unmapped` until `MIS_GO4SCHOOLS_CODE_MAP`
//!   maps it.
//!
//! [`DoctorFacts::sync_requests`]: mis_http::DoctorFacts

use std::collections::BTreeMap;
use std::sync::Arc;

use futures::{StreamExt, TryStreamExt};
use jiff::civil::Date;
use mis_core::{
    AttendanceCategory, AttendanceQuery, BehaviourQuery, DateRange, ErrorKind, MisProvider,
    StudentQuery, TimetableQuery,
};
use mis_go4schools::DESCRIPTOR;
use mis_sandbox::emulator::go4schools;
use mis_sandbox::{EmulatorOptions, FaultPlan, OnboardingFaults, Sandbox, School};
use mis_testkit::{count_requests, school_week};

/// The emulator's time scale: its quota window (60 s) becomes 0.6 s.
const TIME_SCALE: f64 = 0.01;

/// `MIS_GO4SCHOOLS_QUOTA` for a test whose subject is the request count, not the pace: at
/// most 250 of the emulator's 300 requests in any scaled quota window, instead of GO's default
/// 10 requests a second, which paces every request in real time. The doctor runs below keep
/// the default gate, as `mis doctor` opens the provider.
fn scaled_quota() -> (&'static str, String) {
    let window = go4schools::QUOTA_WINDOW.mul_f64(TIME_SCALE);
    (
        "MIS_GO4SCHOOLS_QUOTA",
        format!(
            "{}/{}",
            go4schools::QUOTA_LIMIT * 5 / 6,
            window.as_secs_f64()
        ),
    )
}

async fn start(school: Arc<School>, plan: FaultPlan) -> Sandbox {
    Sandbox::start_with(
        &mis_sandbox::emulator::go4schools::EMULATOR,
        school,
        plan,
        EmulatorOptions {
            time_scale: TIME_SCALE,
            default_page_size: None,
        },
        0,
    )
    .await
    .expect("the emulator starts")
}

/// The provider as `mis` opens it, from the emulator's variables and `extra` ones.
fn open(sandbox: &Sandbox, extra: &[(&str, &str)]) -> Arc<dyn MisProvider> {
    let mut env: BTreeMap<String, String> = sandbox.client_env();
    for (k, v) in extra {
        env.insert((*k).to_owned(), (*v).to_owned());
    }
    let lookup = move |name: &str| env.get(name).cloned();
    DESCRIPTOR.open_from(&lookup).unwrap()
}

fn first_school_day(school: &School) -> Date {
    school
        .session_marks
        .iter()
        .map(|m| m.date)
        .min()
        .expect("the school has session marks")
}

/// What `mis sync` reads, over a Monday-to-Friday week of a 60-student school, costs the
/// plan's count exactly: the emulator serves pages of 100 and the school's timetable has
/// 250 classes (the plan's floor), and no day has more than a page of events.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_request_plan_is_what_a_sync_read_sends() {
    let school = Arc::new(School::generate(5, 60));
    let week = school_week(&school).expect("an open week");
    assert_eq!(week.days().count(), 5);
    let sandbox = start(school.clone(), FaultPlan::none()).await;
    let (quota_var, quota) = scaled_quota();
    let quota = [(quota_var, quota.as_str())];
    let provider = open(&sandbox, &quota);
    let (read, n) = count_requests(sandbox.stats(), async {
        let students: Vec<_> = provider
            .students(StudentQuery::new().include_leavers(true))
            .try_collect()
            .await?;
        let marks: Vec<_> = provider
            .attendance(AttendanceQuery::new(week))
            .try_collect()
            .await?;
        let lessons: Vec<_> = provider
            .timetable(TimetableQuery::new(week))
            .try_collect()
            .await?;
        let events: Vec<_> = provider
            .behaviour(BehaviourQuery::new(week))
            .try_collect()
            .await?;
        Ok::<_, mis_core::Error>((students, marks, lessons, events))
    })
    .await;
    let (students, marks, lessons, events) = read.unwrap();
    assert!(!marks.is_empty() && !lessons.is_empty() && !events.is_empty());
    let on_roll = students.len() as u64;
    let plan = (DESCRIPTOR.doctor.sync_requests)(on_roll, 5);
    assert_eq!(n.total, plan, "{n:?}");
    // A longer read adds per day what the plan says: two registers and the day's events,
    // plus the weekend's events between two weeks.
    let two_weeks = DateRange::new(
        week.from(),
        week.to().checked_add(jiff::ToSpan::days(7)).unwrap(),
    )
    .unwrap();
    let fresh = open(&sandbox, &quota);
    let (read, n) = count_requests(sandbox.stats(), async {
        fresh
            .students(StudentQuery::new().include_leavers(true))
            .try_collect::<Vec<_>>()
            .await?;
        fresh
            .attendance(AttendanceQuery::new(two_weeks))
            .try_collect::<Vec<_>>()
            .await?;
        fresh
            .timetable(TimetableQuery::new(two_weeks))
            .try_collect::<Vec<_>>()
            .await?;
        fresh
            .behaviour(BehaviourQuery::new(two_weeks))
            .try_collect::<Vec<_>>()
            .await
    })
    .await;
    read.unwrap();
    let open_days = two_weeks
        .days()
        .filter(|d| school.calendar.is_school_day(*d))
        .count() as u32;
    // The school's first open week is followed by another (no half-term in September).
    assert_eq!(open_days, 10);
    let plan = (DESCRIPTOR.doctor.sync_requests)(on_roll, open_days);
    assert_eq!(n.total, plan, "{n:?}");
}

/// Reads at most one item, as the doctor's probes do.
async fn one<T>(
    s: futures::stream::BoxStream<'static, mis_core::Result<T>>,
) -> mis_core::Result<usize> {
    let mut s = s.take(1);
    match s.next().await {
        None => Ok(0),
        Some(Ok(_)) => Ok(1),
        Some(Err(e)) => Err(e),
    }
}

/// The reads of a doctor run, as `mis doctor` makes them: the student list, then for the
/// first student one day of each probe (at most 500 marks, one lesson, one event), the
/// code book whole.
async fn doctor_reads(provider: &dyn MisProvider, day: Date) -> BTreeMap<&'static str, String> {
    let mut seen = BTreeMap::new();
    let students: Vec<_> = provider
        .students(StudentQuery::new())
        .try_collect()
        .await
        .unwrap();
    let first = students[0].id.clone();
    let range = DateRange::day(day);
    let outcome = |r: Result<usize, mis_core::Error>| match r {
        Ok(n) => format!("ok {n}"),
        Err(e) => format!("{:?}: {e}", e.kind()),
    };
    let marks: Vec<_> = provider
        .attendance(AttendanceQuery::new(range).student(first.clone()))
        .take(500)
        .collect()
        .await;
    let codes: Vec<String> = marks
        .iter()
        .flatten()
        .filter(|m| m.category == AttendanceCategory::Unmapped)
        .map(|m| m.code.clone())
        .collect();
    seen.insert("unmapped marks", codes.join(","));
    seen.insert(
        "attendance",
        outcome(
            marks
                .into_iter()
                .collect::<Result<Vec<_>, _>>()
                .map(|v| v.len()),
        ),
    );
    let book: Result<Vec<_>, _> = provider.attendance_codes().try_collect().await;
    seen.insert(
        "unmapped codes",
        book.iter()
            .flatten()
            .filter(|c| c.category == AttendanceCategory::Unmapped)
            .map(|c| format!("{} ({})", c.code, c.label.clone().unwrap_or_default()))
            .collect::<Vec<_>>()
            .join(","),
    );
    seen.insert("attendance_codes", outcome(book.map(|v| v.len())));
    let q = TimetableQuery::new(range).student(first.clone());
    seen.insert("timetable", outcome(one(provider.timetable(q)).await));
    let q = BehaviourQuery::new(range).student(first.clone());
    seen.insert("behaviour", outcome(one(provider.behaviour(q)).await));
    seen.insert("staff", outcome(one(provider.staff()).await));
    seen.insert("groups", outcome(one(provider.groups()).await));
    seen.insert(
        "academic_years",
        outcome(one(provider.academic_years()).await),
    );
    seen
}

/// A clean 30-student school: every probe allowed, nothing unmapped, within the budget.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_doctor_run_of_a_small_school_fits_the_budget() {
    let school = Arc::new(School::generate(7, 30));
    let sandbox = start(school.clone(), FaultPlan::none()).await;
    let provider = open(&sandbox, &[]);
    let (seen, n) = count_requests(
        sandbox.stats(),
        doctor_reads(&*provider, first_school_day(&school)),
    )
    .await;
    for probe in DESCRIPTOR.doctor.probes {
        assert!(seen[probe].starts_with("ok"), "{probe}: {seen:?}");
    }
    assert_eq!(seen["unmapped marks"], "", "{seen:?}");
    assert_eq!(seen["unmapped codes"], "", "{seen:?}");
    // 3 (students) + 10 (attendance) + 0 (codes) + 1 + 3 + 1 + 4 + 1 (module docs).
    assert_eq!(n.total, 23, "{n:?}");
    assert!(n.total <= u64::from(DESCRIPTOR.doctor.budget));
}

/// The school set up wrong: behaviour is refused as `PermissionDenied` naming GO's reason
/// (not read as empty), the rest allowed; the school's `Q` shows on the first student's marks
/// and in the code book, and `MIS_GO4SCHOOLS_CODE_MAP` maps it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_school_set_up_wrong_is_refused_and_unmapped_where_it_is_wrong() {
    let school = Arc::new(School::generate(7, 30));
    let day = first_school_day(&school);
    let plan = FaultPlan {
        onboarding: OnboardingFaults::all(),
        ..FaultPlan::none()
    };
    let sandbox = start(school.clone(), plan).await;
    let provider = open(&sandbox, &[]);
    let (seen, n) = count_requests(sandbox.stats(), doctor_reads(&*provider, day)).await;
    assert!(n.total <= u64::from(DESCRIPTOR.doctor.budget), "{n:?}");
    assert!(
        seen["behaviour"].starts_with("PermissionDenied")
            && seen["behaviour"].contains("Module Disabled"),
        "{seen:?}"
    );
    for probe in [
        "attendance",
        "attendance_codes",
        "timetable",
        "staff",
        "groups",
    ] {
        assert!(seen[probe].starts_with("ok"), "{probe}: {seen:?}");
    }
    // The whole behaviour read is refused too, not an empty week.
    let e = provider
        .behaviour(BehaviourQuery::new(DateRange::day(day)))
        .try_collect::<Vec<_>>()
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::PermissionDenied, "{e}");
    assert_eq!(e.vendor_code(), Some("Module Disabled"));

    // The school's own `Q`: on the first student's marks, as the code book spells it.
    let q = OnboardingFaults::SCHOOL_CODE;
    let marks: Vec<_> = provider
        .attendance(AttendanceQuery::new(DateRange::day(day)))
        .try_collect()
        .await
        .unwrap();
    let students: Vec<_> = provider
        .students(StudentQuery::new())
        .try_collect()
        .await
        .unwrap();
    let first: Vec<_> = marks
        .iter()
        .filter(|m| m.student_id == students[0].id)
        .collect();
    assert!(!first.is_empty());
    assert!(first.iter().all(|m| m.code == q), "{first:?}");
    // Unmapped by the school's setting, a code counts as the DfE table says of that letter
    // on that date: `unmapped` for a letter the DfE does not use (since 19 August 2024 `Q`
    // is a DfE code, "not counted", so a school's own `Q` hides behind it).
    let dfe = mis_core::codes::map_dfe(q, day).category;
    assert!(first.iter().all(|m| m.category == dfe), "{first:?}");
    if dfe == AttendanceCategory::Unmapped {
        assert_eq!(
            seen["unmapped marks"].split(',').next(),
            Some(q),
            "{seen:?}"
        );
    }
    let book: Vec<_> = provider.attendance_codes().try_collect().await.unwrap();
    let entry = book.iter().find(|c| c.code == q).unwrap();
    assert_eq!(
        entry.label.as_deref(),
        Some(OnboardingFaults::SCHOOL_CODE_LABEL)
    );

    // Mapped by the school's setting, its marks and its code book entry take the category.
    let map = format!("{q}=present");
    let mapped = open(&sandbox, &[("MIS_GO4SCHOOLS_CODE_MAP", map.as_str())]);
    let marks: Vec<_> = mapped
        .attendance(AttendanceQuery::new(DateRange::day(day)).student(students[0].id.clone()))
        .try_collect()
        .await
        .unwrap();
    assert!(!marks.is_empty());
    assert!(
        marks
            .iter()
            .all(|m| m.code == q && m.category == AttendanceCategory::Present),
        "{marks:?}"
    );
    let book: Vec<_> = mapped.attendance_codes().try_collect().await.unwrap();
    let entry = book.iter().find(|c| c.code == q).unwrap();
    assert_eq!(entry.category, AttendanceCategory::Present);
}
