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
        mis_sandbox::emulator::managebac::ID,
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
