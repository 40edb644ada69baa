//! Strict against adaptive quota mode, against the emulator's 500-token bucket (issue 16
//! item 4): the same read (one week of attendance for a 40-student school) once with each
//! mode, each against its own emulator; prints requests, 429s and wall-clock time.
//!
//! The emulator enforces the bucket only when started with `MIS_SANDBOX_HUBMIS_QUOTA=bucket`
//! (the variable is read at start-up; see `mis_sandbox`'s HUBmis `quota` module):
//!
//! ```text
//! MIS_SANDBOX_HUBMIS_QUOTA=bucket cargo run --release -p mis-hubmis --example quota_modes -- 0.05
//! ```
//!
//! The first argument scales the vendor's windows (default 0.05: one token back every
//! 250 ms). Strict mode keeps one request per 5 s (scaled) whatever the server says;
//! adaptive mode spends the bucket while `X-RateLimit-Remaining` reports allowance.

use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::TryStreamExt;
use jiff::ToSpan;
use mis_core::{AttendanceQuery, DateRange, MisProvider};
use mis_hubmis::{Config, HubmisProvider, Quota, SecretString};
use mis_sandbox::{EmulatorOptions, FaultPlan, Sandbox, School, Stats};

/// What one run measured.
struct Run {
    marks: usize,
    requests: u64,
    throttled: u64,
    took: Duration,
}

async fn run(
    school: Arc<School>,
    scale: f64,
    adaptive: bool,
) -> Result<Run, Box<dyn std::error::Error>> {
    let sandbox = Sandbox::start_with(
        &mis_sandbox::emulator::hubmis::EMULATOR,
        school.clone(),
        FaultPlan::none(),
        EmulatorOptions {
            time_scale: scale,
            ..EmulatorOptions::default()
        },
        0,
    )
    .await?;
    let creds = sandbox.credentials();
    let (Some(id), Some(secret), Some(realm)) = (
        creds.get("client_id"),
        creds.get("client_secret"),
        creds.get("realm"),
    ) else {
        return Err("the emulator did not hand out HUBmis credentials".into());
    };
    let config = Config::new(id, SecretString::from(secret.to_owned()), realm)
        .update_options(|o| o.with_base_url(sandbox.base_url()))
        .with_quota(Quota::HUBMIS.scaled(scale).adaptive(adaptive));
    let provider = HubmisProvider::new(config)?;
    let first = school
        .attendance_range
        .ok_or("the school has no attendance")?
        .from();
    let range = DateRange::new(first, first.checked_add(4.days())?)?;
    let began = Instant::now();
    let marks: Vec<_> = provider
        .attendance(AttendanceQuery::new(range))
        .try_collect()
        .await?;
    let took = began.elapsed();
    let stats = sandbox.stats();
    Ok(Run {
        marks: marks.len(),
        requests: Stats::get(&stats.requests),
        throttled: Stats::get(&stats.throttled),
        took,
    })
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let scale: f64 = match std::env::args().nth(1) {
        Some(arg) => arg
            .parse()
            .map_err(|_| format!("SCALE must be a number such as 0.05, not {arg:?}"))?,
        None => 0.05,
    };
    if !(scale > 0.0 && scale <= 1.0) {
        return Err(format!("SCALE must be in (0, 1], not {scale}").into());
    }
    if std::env::var("MIS_SANDBOX_HUBMIS_QUOTA").as_deref() != Ok("bucket") {
        return Err(
            "run with MIS_SANDBOX_HUBMIS_QUOTA=bucket (the emulator's 500-token bucket)".into(),
        );
    }
    let school = Arc::new(School::generate(40, 40));
    let strict = run(school.clone(), scale, false).await?;
    let adaptive = run(school, scale, true).await?;
    println!(
        "emulator quota: 500-token bucket, one token per {:?}",
        Duration::from_secs(5).mul_f64(scale)
    );
    println!("mode      marks  requests  429s  wall-clock");
    for (name, r) in [("strict", &strict), ("adaptive", &adaptive)] {
        println!(
            "{name:<9} {:>5}  {:>8}  {:>4}  {:.2} s",
            r.marks,
            r.requests,
            r.throttled,
            r.took.as_secs_f64()
        );
    }
    println!(
        "adaptive / strict wall-clock: {:.3}",
        adaptive.took.as_secs_f64() / strict.took.as_secs_f64()
    );
    if strict.marks != adaptive.marks {
        return Err("the two modes read different marks".into());
    }
    Ok(())
}
