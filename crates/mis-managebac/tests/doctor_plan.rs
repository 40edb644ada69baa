//! The request plan `mis doctor` estimates a sync with ([`mis_managebac::doctor::sync_requests`])
//! against what the provider really sends: a small school's students (leavers included),
//! attendance, timetable and behaviour over its last school week, read as `mis sync` reads
//! them, counted by the emulator. Within 10 %: the formula assumes a school's shape (classes
//! per pupil, lessons a day, behaviour notes a day) where the emulator has its own school,
//! and counts the excusals of every date where a small school has no absence on some.

use std::sync::Arc;

use futures::TryStreamExt;
use jiff::ToSpan;
use mis_core::{
    AttendanceQuery, BehaviourQuery, DateRange, Diagnostics, MisProvider, StudentQuery,
    TimetableQuery,
};
use mis_http::RateLimit;
use mis_managebac::{Config, ManageBacProvider, PeriodTimes};
use mis_sandbox::{EmulatorOptions, FaultPlan, Sandbox, School, Stats};

/// Requests the emulator counted for a sync's four reads of `size` pupils over the last
/// `days` calendar days of the school's records, and the school days among them.
async fn sync_of(size: usize, days: i64) -> (u64, u32) {
    let school = Arc::new(School::generate(16, size));
    let sandbox = Sandbox::start_with(
        &mis_sandbox::emulator::managebac::EMULATOR,
        school.clone(),
        FaultPlan::none(),
        EmulatorOptions {
            time_scale: 0.001,
            default_page_size: None,
        },
        0,
    )
    .await
    .expect("the ManageBac emulator starts");
    let token = sandbox.credentials().get("token").expect("a token");
    let mut bells = PeriodTimes::new();
    for p in &school.periods {
        bells = bells.period(p.id.parse().unwrap(), p.start, p.end).unwrap();
    }
    let config = Config::new(token)
        .unwrap()
        .update_options(|o| {
            o.with_base_url(sandbox.base_url())
                .with_time_zone(&school.time_zone)
                .with_rate_limit(RateLimit::at_most(20, std::time::Duration::from_millis(10)))
        })
        .period_times(bells);
    let provider = ManageBacProvider::new(config).unwrap();
    let records = school.attendance_range.expect("the school has records");
    let from = records.to().checked_sub((days - 1).days()).unwrap();
    let range = DateRange::new(from, records.to()).unwrap();
    let school_days = school.calendar.days_between(range.from(), range.to()).len() as u32;

    let diagnostics = Diagnostics::new();
    let d = || diagnostics.clone();
    let before = Stats::get(&sandbox.stats().requests);
    let students: Vec<_> = provider
        .students(
            StudentQuery::new()
                .include_leavers(true)
                .with_diagnostics(d()),
        )
        .try_collect()
        .await
        .unwrap();
    assert!(students.len() >= size);
    let marks: Vec<_> = provider
        .attendance(AttendanceQuery::new(range).with_diagnostics(d()))
        .try_collect()
        .await
        .unwrap();
    assert!(!marks.is_empty());
    let _: Vec<_> = provider
        .timetable(TimetableQuery::new(range).with_diagnostics(d()))
        .try_collect()
        .await
        .unwrap();
    let _: Vec<_> = provider
        .behaviour(BehaviourQuery::new(range).with_diagnostics(d()))
        .try_collect()
        .await
        .unwrap();
    assert!(diagnostics.is_empty(), "{:?}", diagnostics.warnings());
    (Stats::get(&sandbox.stats().requests) - before, school_days)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_small_schools_week_costs_what_the_plan_says() {
    for (size, days) in [(60, 7), (200, 7)] {
        let (sent, school_days) = sync_of(size, days).await;
        let plan = mis_managebac::doctor::sync_requests(size as u64, school_days);
        let off = sent.abs_diff(plan) as f64 / plan as f64;
        println!("{size} pupils, {school_days} school days: {sent} sent, plan {plan}");
        assert!(
            off <= 0.10,
            "{size} pupils, {school_days} school days: {sent} requests sent, the plan says \
             {plan} ({:.1} % off)",
            off * 100.0
        );
    }
}

/// A doctor run reads the student list only while it costs at most a third of its budget:
/// the list must cost its pages as they are read, not all of them before the first
/// student, and a list read to its end is kept for the rest of the run. One pupil's
/// behaviour costs their own record, not the whole list.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_student_list_costs_the_pages_read_and_one_pupils_notes_their_record() {
    let school = Arc::new(School::generate(16, 300));
    let sandbox = Sandbox::start_with(
        &mis_sandbox::emulator::managebac::EMULATOR,
        school.clone(),
        FaultPlan::none(),
        EmulatorOptions {
            time_scale: 0.001,
            default_page_size: None,
        },
        0,
    )
    .await
    .unwrap();
    let config = Config::new(sandbox.credentials().get("token").unwrap())
        .unwrap()
        .update_options(|o| {
            o.with_base_url(sandbox.base_url())
                .with_time_zone(&school.time_zone)
                .with_rate_limit(RateLimit::at_most(20, std::time::Duration::from_millis(10)))
        });
    let provider = ManageBacProvider::new(config).unwrap();
    let sent = || Stats::get(&sandbox.stats().requests);

    // The first student: the year groups and one page of students.
    let mut stream = provider.students(StudentQuery::new());
    assert!(stream.try_next().await.unwrap().is_some());
    drop(stream);
    assert_eq!(sent(), 2);

    // One pupil's behaviour: their record and the notes' page(s), not the 6 pages of students.
    let range = school.attendance_range.unwrap();
    let before = sent();
    let pupil = school.students[0].id.clone();
    let notes: Vec<_> = provider
        .behaviour(BehaviourQuery::new(range).student(pupil.clone()))
        .try_collect()
        .await
        .unwrap();
    assert!(!notes.is_empty());
    let notes_pages = (notes.len() as u64).div_ceil(50).max(1);
    assert_eq!(sent() - before, 1 + notes_pages);

    // The whole list: the early read kept nothing, so every page now, then kept.
    let before = sent();
    let all: Vec<_> = provider
        .students(StudentQuery::new())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(all.len(), 300);
    assert_eq!(
        sent() - before,
        300 / 50,
        "the year groups are kept, the pages read"
    );
    let before = sent();
    let again: Vec<_> = provider
        .students(StudentQuery::new())
        .try_collect()
        .await
        .unwrap();
    assert_eq!((again.len(), sent() - before), (300, 0));
    let profile = mis_core::MisProvider::school_profile(&provider)
        .await
        .unwrap();
    assert_eq!(profile.roll, Some(300), "the run holds the list");
}
