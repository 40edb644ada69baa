//! Peak memory while streaming a whole school's attendance over a term, without collecting.
//!
//! Generates a school of `SIZE` students (first argument, default 5000) with session marks
//! for the autumn term (the first `WEEKS` weeks, second argument, default 14) and lesson
//! marks for its first two weeks, serves it from the GO 4 Schools emulator in this process,
//! streams `attendance` for the whole range through the provider and counts the marks.
//!
//! The emulator holds the school in this process, so the figure that matters is the growth
//! over the baseline: the example prints the resident set after the school is generated and
//! the emulator started (the baseline), resets the peak (`/proc/self/clear_refs`, `5`), and
//! prints the peak (`VmHWM`) reached while streaming and its growth over the baseline.
//!
//! ```text
//! cargo run --release -p mis-go4schools --example stream_memory [-- SIZE WEEKS]
//! /usr/bin/time -v target/release/examples/stream_memory
//! ```

use std::sync::Arc;
use std::time::Instant;

use futures::StreamExt;
use mis_core::{AttendanceQuery, DateRange, MisProvider};
use mis_go4schools::{Client, Config, RateLimit};
use mis_sandbox::school::RecordRange;
use mis_sandbox::{EmulatorOptions, FaultPlan, Sandbox, School, SchoolOptions};

/// A `kB` line of `/proc/self/status` (`VmRSS`, `VmHWM`), in MiB.
fn status_mib(key: &str) -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix(key)?.strip_prefix(':'))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let size: usize = args.next().map_or(Ok(5000), |a| a.parse())?;
    let weeks: u8 = args.next().map_or(Ok(14), |a| a.parse())?;

    let began = Instant::now();
    let school = Arc::new(School::generate_with(
        7,
        size,
        SchoolOptions::new().attendance(RecordRange::FirstWeeks { weeks }),
    ));
    let range = school
        .attendance_range
        .ok_or("the school has no attendance")?;
    println!(
        "school                {size} students, {} session marks, {} lesson marks, {} to {} (generated in {:.1?})",
        school.session_marks.len(),
        school.lesson_marks.len(),
        range.from(),
        range.to(),
        began.elapsed()
    );
    let sandbox = Sandbox::start_with(
        mis_sandbox::emulator::go4schools::ID,
        school.clone(),
        FaultPlan::none(),
        // The emulator's quota window (300 requests a minute) shrunk out of the way.
        EmulatorOptions {
            time_scale: 0.001,
            ..EmulatorOptions::default()
        },
        0,
    )
    .await?;
    let key = sandbox
        .credentials()
        .get("api_key")
        .ok_or("the emulator did not hand out an API key")?
        .to_owned();
    let client = Client::new(
        Config::new(key)
            .base_url(sandbox.base_url())
            .rate_limit(RateLimit::unlimited()),
    )?;

    let baseline_rss = status_mib("VmRSS");
    let generation_peak = status_mib("VmHWM");
    // Resets VmHWM to the current RSS, so the next reading is the streaming peak.
    let reset = std::fs::write("/proc/self/clear_refs", "5").is_ok();
    println!("baseline VmRSS        {baseline_rss:.1} MiB (school generated, emulator up)");
    println!("VmHWM before stream   {generation_peak:.1} MiB (peak while generating)");

    let began = Instant::now();
    let query = AttendanceQuery::new(DateRange::new(range.from(), range.to())?);
    let mut stream = client.attendance(query);
    let (mut marks, mut max_rss) = (0u64, 0f64);
    while let Some(mark) = stream.next().await {
        mark?;
        marks += 1;
        if marks % 20_000 == 0 {
            max_rss = max_rss.max(status_mib("VmRSS"));
        }
    }
    let took = began.elapsed();
    let peak = status_mib("VmHWM");
    max_rss = max_rss.max(status_mib("VmRSS"));
    println!("marks streamed        {marks} in {took:.1?}");
    println!(
        "requests              {}",
        mis_sandbox::Stats::get(&sandbox.stats().requests)
    );
    if reset {
        println!("VmHWM while streaming {peak:.1} MiB (peak reset before streaming)");
    } else {
        println!(
            "VmHWM                 {peak:.1} MiB (peak could not be reset: includes generation)"
        );
    }
    println!("max sampled VmRSS     {max_rss:.1} MiB");
    println!(
        "growth over baseline  {:.1} MiB (VmHWM - baseline VmRSS)",
        peak - baseline_rss
    );
    Ok(())
}
