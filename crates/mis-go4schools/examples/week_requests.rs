//! Requests one school-week costs through the GO 4 Schools provider (issue 16): students,
//! attendance, timetable and behaviour of an emulated school of N students (default 1,000),
//! each entity read once by a fresh client (reference data fetched once per run, as a sync
//! does), counted per route by the emulator.
//!
//! Two ranges: the school week (Monday to Friday, five open days inside the school's
//! attendance range) and the calendar week around it (Monday to Sunday: the weekend is
//! `Closed` in GO's calendar).
//!
//! ```sh
//! cargo run --release -p mis-go4schools --example go4schools_week_requests [-- SIZE]
//! ```

use std::sync::Arc;
use std::time::Instant;

use jiff::ToSpan;
use jiff::civil::Date;
use mis_core::DateRange;
use mis_go4schools::{Config, Go4SchoolsProvider};
use mis_sandbox::{EmulatorOptions, FaultPlan, Sandbox, School};
use mis_testkit::{RequestCount, count_requests};

fn print(label: &str, from: Date, to: Date, rows: [usize; 4], n: &RequestCount) {
    println!(
        "\n{label}: {from} to {to} — {} students, {} marks, {} lessons, {} events",
        rows[0], rows[1], rows[2], rows[3]
    );
    println!("| route | requests |\n|---|---:|");
    for (route, count) in &n.by_route {
        println!("| `{route}` | {count} |");
    }
    println!("| **total** | **{}** |", n.total);
}

#[tokio::main]
async fn main() {
    let size: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1000);
    let school = Arc::new(School::generate(16, size));
    let sandbox = Sandbox::start_with(
        &mis_sandbox::emulator::go4schools::EMULATOR,
        school.clone(),
        FaultPlan::none(),
        EmulatorOptions::default(),
        0,
    )
    .await
    .expect("the GO 4 Schools emulator starts");
    let key = sandbox
        .credentials()
        .get("api_key")
        .expect("a key")
        .to_owned();
    let week_range = mis_testkit::school_week(&school).expect("a full school week");
    let monday = week_range.from();
    let calendar_week = DateRange::new(monday, monday.checked_add(6.days()).unwrap()).unwrap();
    for (label, range) in [
        ("school week (Mon-Fri)", week_range),
        ("calendar week (Mon-Sun)", calendar_week),
    ] {
        // A fresh client: reference data is read once per run, as a sync's first run does.
        let client = Go4SchoolsProvider::new(
            Config::new(key.as_str()).update_options(|o| o.with_base_url(sandbox.base_url())),
        )
        .expect("client");
        let began = Instant::now();
        let (rows, n) =
            count_requests(sandbox.stats(), mis_testkit::read_week(&client, range)).await;
        let rows = rows.expect("the week reads");
        print(label, range.from(), range.to(), rows, &n);
        println!(
            "wall {:.2?}, 429s so far {}",
            began.elapsed(),
            sandbox
                .stats()
                .throttled
                .load(std::sync::atomic::Ordering::SeqCst)
        );
    }
}
