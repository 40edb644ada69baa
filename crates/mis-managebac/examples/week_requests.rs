//! Requests one school-week costs through the ManageBac provider: students (leavers
//! included, as `mis sync` reads them), attendance, timetable and behaviour of a Monday to
//! Friday inside the synthetic school's records, measured by the emulator's per-route
//! counters (issue 16). Also the one-student reads (attendance and timetable of one pupil).
//!
//! ```sh
//! cargo run --release -p mis-managebac --example managebac_week_requests            # 1,000 students
//! cargo run --release -p mis-managebac --example managebac_week_requests -- 200     # another size
//! ```

use std::sync::Arc;

use futures::TryStreamExt;
use jiff::ToSpan;
use jiff::civil::Weekday;
use mis_core::{
    AttendanceQuery, BehaviourQuery, DateRange, Diagnostics, MisProvider, StudentQuery,
    TimetableQuery,
};
use mis_http::RateLimit;
use mis_managebac::{Config, ManageBacProvider, PeriodTimes};
use mis_sandbox::{EmulatorOptions, FaultPlan, Sandbox, School};
use mis_testkit::{RequestCount, count_requests};

#[tokio::main]
async fn main() {
    let size: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1000);
    let school = Arc::new(School::generate(16, size));
    // ManageBac's window is 1 s (10 requests in the emulator); a hundredth of it keeps the
    // run short without changing what is asked for.
    let sandbox = Sandbox::start_with(
        &mis_sandbox::emulator::managebac::EMULATOR,
        school.clone(),
        FaultPlan::none(),
        EmulatorOptions {
            time_scale: 0.01,
            default_page_size: None,
        },
        0,
    )
    .await
    .expect("the ManageBac emulator starts");
    let token = sandbox
        .credentials()
        .get("token")
        .expect("a token")
        .to_owned();
    let mut bells = PeriodTimes::new();
    for p in &school.periods {
        bells = bells
            .period(p.id.parse().expect("numbered periods"), p.start, p.end)
            .expect("bell times");
    }
    let config = Config::new(token.as_str())
        .expect("token")
        .update_options(|o| {
            o.with_base_url(sandbox.base_url())
                .with_time_zone(&school.time_zone)
                .with_rate_limit(RateLimit::at_most(8, std::time::Duration::from_millis(10)))
        })
        .period_times(bells);
    let client = ManageBacProvider::new(config).expect("client");
    let week = school_week(&school);
    let stats = sandbox.stats();

    let diagnostics = Diagnostics::new();
    let ((), total) = count_requests(stats, async {
        let n = client
            .students(
                StudentQuery::new()
                    .include_leavers(true)
                    .with_diagnostics(diagnostics.clone()),
            )
            .try_fold(0usize, |n, _| async move { Ok(n + 1) })
            .await
            .expect("students");
        eprintln!("students: {n}");
        let n = client
            .attendance(AttendanceQuery::new(week).with_diagnostics(diagnostics.clone()))
            .try_fold(0usize, |n, _| async move { Ok(n + 1) })
            .await
            .expect("attendance");
        eprintln!("marks: {n}");
        let n = client
            .timetable(TimetableQuery::new(week).with_diagnostics(diagnostics.clone()))
            .try_fold(0usize, |n, _| async move { Ok(n + 1) })
            .await
            .expect("timetable");
        eprintln!("lessons: {n}");
        let n = client
            .behaviour(BehaviourQuery::new(week).with_diagnostics(diagnostics.clone()))
            .try_fold(0usize, |n, _| async move { Ok(n + 1) })
            .await
            .expect("behaviour");
        eprintln!("behaviour events: {n}");
    })
    .await;
    assert!(
        diagnostics.is_empty(),
        "a clean school reads without warnings"
    );

    // One pupil's week: the student filter's cost.
    let pupil = client
        .students(StudentQuery::new())
        .try_next()
        .await
        .expect("students")
        .expect("a student")
        .id;
    let ((), one) = count_requests(stats, async {
        client
            .attendance(AttendanceQuery::new(week).student(pupil.clone()))
            .try_collect::<Vec<_>>()
            .await
            .expect("one pupil's attendance");
        client
            .timetable(TimetableQuery::new(week).student(pupil.clone()))
            .try_collect::<Vec<_>>()
            .await
            .expect("one pupil's timetable");
    })
    .await;

    println!(
        "ManageBac, {} students, week {} to {}",
        school.students.len(),
        week.from(),
        week.to()
    );
    print_count(
        "school-week (students + attendance + timetable + behaviour)",
        &total,
    );
    print_count("one pupil's week (attendance + timetable)", &one);
}

/// Monday to Friday of the first whole week inside the school's records.
fn school_week(school: &School) -> DateRange {
    let records = school.attendance_range.expect("the school has records");
    let mut monday = records.from();
    while monday.weekday() != Weekday::Monday {
        monday = monday.checked_add(1.day()).expect("a date");
    }
    let friday = monday.checked_add(4.days()).expect("a date");
    assert!(records.contains(friday), "a whole week inside the records");
    DateRange::new(monday, friday).expect("a range")
}

fn print_count(what: &str, count: &RequestCount) {
    println!("\n{what}: {} requests", count.total);
    println!("| route | requests |\n|---|---:|");
    for (route, n) in &count.by_route {
        println!("| `{route}` | {n} |");
    }
}
