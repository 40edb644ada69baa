//! Requests one school-week costs through the ClassCharts provider: students, attendance,
//! timetable and behaviour of every pupil of an emulated 1,000-student school (issue 16).
//!
//! ```sh
//! cargo run --release -p mis-classcharts --example classcharts_week_requests            # 1,000 pupils
//! cargo run --release -p mis-classcharts --example classcharts_week_requests -- 200     # another size
//! ```
//!
//! ClassCharts has no school-wide API: its student and parent APIs show one pupil (or one
//! parent's pupils) per login. So a school-week is read as every pupil would read it — one
//! [`StudentClient`] per pupil, logged in with that pupil's code and date of birth (the
//! emulator's [`pupil_logins`]), asked for the four entities over one Monday–Friday of the
//! school's lesson-mark range. The emulator counts the requests per route
//! ([`mis_testkit::count_requests`]); the floor printed beside them is the fewest the
//! documented routes allow (see the crate's `tests/requests.rs` for the reasoning).

use std::sync::Arc;

use futures::{StreamExt, TryStreamExt};
use mis_classcharts::{Config, StudentClient};
use mis_core::{
    AttendanceQuery, BehaviourQuery, DateRange, MisProvider, StudentQuery, TimetableQuery,
};
use mis_sandbox::emulator::classcharts::pupil_logins;
use mis_sandbox::{EmulatorOptions, FaultPlan, Sandbox, School};
use mis_testkit::count_requests;

/// Pupils read at once: the count does not depend on it, only the wall time.
const CONCURRENCY: usize = 8;

/// What one pupil's week gave back (to show the plan read real data).
#[derive(Debug, Default, Clone, Copy)]
struct Read {
    students: usize,
    marks: usize,
    lessons: usize,
    events: usize,
    logins: u64,
    rotations: u64,
}

impl std::ops::AddAssign for Read {
    fn add_assign(&mut self, o: Read) {
        self.students += o.students;
        self.marks += o.marks;
        self.lessons += o.lessons;
        self.events += o.events;
        self.logins += o.logins;
        self.rotations += o.rotations;
    }
}

async fn read_pupil(config: Config, range: DateRange) -> Read {
    let client = StudentClient::new(config).expect("client");
    let students: Vec<_> = client
        .students(StudentQuery::default())
        .try_collect()
        .await
        .expect("students");
    let marks: Vec<_> = client
        .attendance(AttendanceQuery::new(range))
        .try_collect()
        .await
        .expect("attendance");
    let lessons: Vec<_> = client
        .timetable(TimetableQuery::new(range))
        .try_collect()
        .await
        .expect("timetable");
    let events: Vec<_> = client
        .behaviour(BehaviourQuery::new(range))
        .try_collect()
        .await
        .expect("behaviour");
    let auth = client.auth_stats();
    Read {
        students: students.len(),
        marks: marks.len(),
        lessons: lessons.len(),
        events: events.len(),
        logins: auth.logins,
        rotations: auth.rotations,
    }
}

#[tokio::main]
async fn main() {
    let size: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1000);
    let school = Arc::new(School::generate(1600, size));
    let range = mis_testkit::school_week_in(
        &school,
        school
            .lesson_mark_range
            .or(school.attendance_range)
            .expect("the school has attendance"),
    )
    .expect("a full school week with lesson marks");
    let sandbox = Sandbox::start_with(
        &mis_sandbox::emulator::classcharts::EMULATOR,
        school.clone(),
        FaultPlan::none(),
        EmulatorOptions::default(),
        0,
    )
    .await
    .expect("the ClassCharts emulator starts");
    let base = sandbox.base_url();
    let logins = pupil_logins(&school);
    let teaching_days = school.calendar.days_between(range.from(), range.to()).len();

    let started = std::time::Instant::now();
    let (read, count) = count_requests(sandbox.stats(), async {
        futures::stream::iter(logins.iter().map(|l| {
            let config = Config::student(&l.code, &l.dob)
                .expect("config")
                .update_options(|o| {
                    o.with_base_url(base.as_str())
                        .with_rate_limit(mis_http::RateLimit::unlimited())
                });
            read_pupil(config, range)
        }))
        .buffer_unordered(CONCURRENCY)
        .fold(Read::default(), |mut acc, r| async move {
            acc += r;
            acc
        })
        .await
    })
    .await;
    let wall = started.elapsed();

    let pupils = logins.len() as u64;
    // The floor (tests/requests.rs): per pupil one login, one attendance window, one
    // timetable day per teaching date, one activity page.
    let floor = pupils * (1 + 1 + teaching_days as u64 + 1);
    println!(
        "ClassCharts school-week: {pupils} pupils, {} to {} ({teaching_days} teaching days), \
         {:.1} s wall",
        range.from(),
        range.to(),
        wall.as_secs_f64()
    );
    println!(
        "read: {} students, {} marks, {} lessons, {} behaviour events; {} logins, {} rotations",
        read.students, read.marks, read.lessons, read.events, read.logins, read.rotations
    );
    println!("| route | requests | per pupil |");
    println!("|---|---:|---:|");
    for (route, n) in &count.by_route {
        println!("| {route} | {n} | {:.2} |", *n as f64 / pupils as f64);
    }
    println!(
        "| **total** | **{}** | **{:.2}** |",
        count.total,
        count.total as f64 / pupils as f64
    );
    println!(
        "floor {floor} ({:.0} per pupil); ratio to floor {:.3}",
        floor as f64 / pupils as f64,
        count.total as f64 / floor as f64
    );
}
