//! The request plan `mis doctor` estimates sync times from ([`FACTS`]`.sync_requests`),
//! checked against what the provider really sends: students, attendance, timetable and
//! behaviour (what `mis sync` reads) through the provider against the emulator, counted by
//! the emulator itself.
//!
//! `mis sync` reads attendance in chunks of 7 dates (5 school days), so the test does too.
//! The plan is computed from the students on roll (what doctor knows); the emulator lists
//! leavers as well and omits registers no Classe365 status expresses, so the two agree on
//! pages, not on records. The schools here are sized so they must agree exactly.

use std::sync::Arc;

use futures::TryStreamExt;
use jiff::ToSpan;
use jiff::civil::{Date, Weekday};
use mis_classe365::doctor::FACTS;
use mis_classe365::{Classe365Provider, Config};
use mis_core::{
    AttendanceQuery, BehaviourQuery, DateRange, ErrorKind, MisProvider, StudentQuery,
    TimetableQuery,
};
use mis_sandbox::{EmulatorOptions, FaultPlan, Sandbox, School, Stats};

/// The first Monday of the attendance range whose whole week (Monday to Friday) is open.
fn first_open_monday(school: &School) -> Date {
    let mut d = school.attendance_range.unwrap().from();
    while !(d.weekday() == Weekday::Monday
        && (0..5).all(|i| {
            school
                .calendar
                .is_school_day(d.checked_add(i.days()).unwrap())
        }))
    {
        d = d.tomorrow().unwrap();
    }
    d
}

/// Reads what `mis sync` reads over `weeks` chunks of 7 dates from the first open Monday;
/// returns (requests the emulator counted, students on roll, school days read).
async fn sync_like_read(school: Arc<School>, weeks: i64) -> (u64, u64, u32) {
    let sandbox = Sandbox::start_with(
        &mis_sandbox::emulator::classe365::EMULATOR,
        school.clone(),
        FaultPlan::none(),
        EmulatorOptions::default(),
        0,
    )
    .await
    .unwrap();
    let creds = sandbox.credentials();
    let provider = Classe365Provider::new(
        Config::new(
            creds.get("subdomain").unwrap(),
            creds.get("api_key").unwrap(),
        )
        .unwrap()
        .update_options(|o| o.with_base_url(sandbox.base_url())),
    )
    .unwrap();
    let monday = first_open_monday(&school);
    let chunks: Vec<DateRange> = (0..weeks)
        .map(|w| {
            let from = monday.checked_add((7 * w).days()).unwrap();
            DateRange::new(from, from.checked_add(6.days()).unwrap()).unwrap()
        })
        .collect();
    let school_days = chunks
        .iter()
        .flat_map(DateRange::days)
        .filter(|d| school.calendar.is_school_day(*d))
        .count() as u32;

    let students: Vec<_> = provider
        .students(StudentQuery::new())
        .try_collect()
        .await
        .unwrap();
    let mut marks = 0;
    for chunk in &chunks {
        marks += provider
            .attendance(AttendanceQuery::new(*chunk))
            .try_collect::<Vec<_>>()
            .await
            .unwrap()
            .len();
        let timetable = provider
            .timetable(TimetableQuery::new(*chunk))
            .try_collect::<Vec<_>>()
            .await;
        assert_eq!(timetable.unwrap_err().kind(), ErrorKind::Unsupported);
        let behaviour = provider
            .behaviour(BehaviourQuery::new(*chunk))
            .try_collect::<Vec<_>>()
            .await;
        assert_eq!(behaviour.unwrap_err().kind(), ErrorKind::Unsupported);
    }
    assert!(marks > 0, "the chunks hold registers");
    let sent = Stats::get(&sandbox.stats().requests);
    (sent, students.len() as u64, school_days)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_small_school_over_a_few_days_costs_the_plan() {
    // 30 on roll: one page of students, and 30 × 5 = 150 day records: two pages a week.
    let (sent, roll, days) = sync_like_read(Arc::new(School::generate(7, 30)), 1).await;
    assert_eq!(days, 5);
    assert_eq!(roll, 30);
    assert_eq!(
        sent,
        (FACTS.sync_requests)(roll, days),
        "roll {roll}, {days} days"
    );
    assert_eq!(sent, 1 + 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_weeks_cost_the_plan_chunk_by_chunk() {
    // 45 on roll, two chunks of 5 school days: 225 records = three pages each.
    let (sent, roll, days) = sync_like_read(Arc::new(School::generate(365, 45)), 2).await;
    assert_eq!(days, 10);
    assert_eq!(roll, 45);
    assert_eq!(
        sent,
        (FACTS.sync_requests)(roll, days),
        "roll {roll}, {days} days"
    );
    assert_eq!(sent, 1 + 2 * 3);
}
