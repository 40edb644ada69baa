//! Peak memory while streaming a whole school's attendance over a term, without collecting.
//!
//! Two modes:
//!
//! * `client [FROM TO]` streams `attendance` from FROM to TO (default 2024-09-02 to
//!   2024-12-08, the autumn term) from the GO 4 Schools host in `MIS_GO4SCHOOLS_BASE_URL`
//!   with the key in `MIS_GO4SCHOOLS_API_KEY`: the emulator runs in another process
//!   (`mis sandbox`), so every byte measured is the client's.
//! * `[SIZE WEEKS]` (the default) generates a school of `SIZE` students (default 5000) with
//!   session marks for the first `WEEKS` weeks of the year (default 14) and lesson marks for
//!   the first two, serves it from the emulator in this process and streams the same read:
//!   the figure then includes the emulator rendering each day's body.
//!
//! Either way the marks are counted, never collected. The example prints the resident set
//! once the client is built, before its first request (the baseline), resets the peak (`5`
//! into `/proc/self/clear_refs`), and prints the peak (`VmHWM`) reached while streaming and
//! its growth over the baseline.
//!
//! ```text
//! # the emulator in its own process, the client measured alone:
//! target/release/mis --provider go4schools sandbox --students 5000 --weeks 14 \
//!     --time-scale 0.001 > sandbox.env &
//! . ./sandbox.env && target/release/examples/stream_memory client
//! # both in this process:
//! cargo run --release -p mis-go4schools --example stream_memory [-- SIZE WEEKS]
//! ```

use std::sync::Arc;
use std::time::Instant;

use futures::StreamExt;
use jiff::civil::Date;
use mis_core::{AttendanceQuery, DateRange, MisProvider};
use mis_go4schools::{Config, Go4SchoolsProvider, RateLimit};
use mis_sandbox::school::RecordRange;
use mis_sandbox::{EmulatorOptions, FaultPlan, Sandbox, School, SchoolOptions};

type Fallible<T> = Result<T, Box<dyn std::error::Error>>;

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
async fn main() -> Fallible<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("client") {
        out_of_process(&args[1..]).await
    } else {
        in_process(&args).await
    }
}

/// Streams from the host named in the environment (an emulator in another process).
async fn out_of_process(args: &[String]) -> Fallible<()> {
    let date = |i: usize, default: &str| -> Fallible<Date> {
        Ok(args.get(i).map_or(default, String::as_str).parse()?)
    };
    let range = DateRange::new(date(0, "2024-09-02")?, date(1, "2024-12-08")?)?;
    // The emulator's quota is shrunk by `mis sandbox --time-scale`; the client's own gate
    // is switched off so that the run measures memory, not waiting.
    let provider = Go4SchoolsProvider::new(
        Config::from_env()?.update_options(|o| o.with_rate_limit(RateLimit::unlimited())),
    )?;
    let baseline = status_mib("VmRSS");
    println!(
        "baseline VmRSS        {baseline:.1} MiB (client built, no request yet; emulator in another process)"
    );
    stream(&provider, range, baseline, None).await
}

/// Generates the school and serves it from this process.
async fn in_process(args: &[String]) -> Fallible<()> {
    let size: usize = args.first().map_or(Ok(5000), |a| a.parse())?;
    let weeks: u8 = args.get(1).map_or(Ok(14), |a| a.parse())?;

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
        &mis_sandbox::emulator::go4schools::EMULATOR,
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
    let provider = Go4SchoolsProvider::new(Config::new(key).update_options(|o| {
        o.with_base_url(sandbox.base_url())
            .with_rate_limit(RateLimit::unlimited())
    }))?;
    let baseline = status_mib("VmRSS");
    println!("baseline VmRSS        {baseline:.1} MiB (school generated, emulator up)");
    println!(
        "VmHWM before stream   {:.1} MiB (peak while generating)",
        status_mib("VmHWM")
    );
    stream(
        &provider,
        DateRange::new(range.from(), range.to())?,
        baseline,
        Some(&sandbox),
    )
    .await
}

/// Streams `range`, counting marks, and prints the peak and its growth over `baseline`.
async fn stream(
    provider: &Go4SchoolsProvider,
    range: DateRange,
    baseline: f64,
    sandbox: Option<&Sandbox>,
) -> Fallible<()> {
    // Resets VmHWM to the current RSS, so the next reading is the streaming peak.
    let reset = std::fs::write("/proc/self/clear_refs", "5").is_ok();
    let began = Instant::now();
    let mut stream = provider.attendance(AttendanceQuery::new(range));
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
    println!(
        "marks streamed        {marks} in {took:.1?} ({} to {})",
        range.from(),
        range.to()
    );
    if let Some(sandbox) = sandbox {
        println!(
            "requests              {}",
            mis_sandbox::Stats::get(&sandbox.stats().requests)
        );
    }
    if reset {
        println!("VmHWM while streaming {peak:.1} MiB (peak reset before streaming)");
    } else {
        println!(
            "VmHWM                 {peak:.1} MiB (peak could not be reset: includes what came before)"
        );
    }
    println!("max sampled VmRSS     {max_rss:.1} MiB");
    println!(
        "growth over baseline  {:.1} MiB = {:.1} MB (VmHWM - baseline VmRSS)",
        peak - baseline,
        (peak - baseline) * 1.048_576
    );
    Ok(())
}
