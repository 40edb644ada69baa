//! How close to the quota's pace does reading attendance get?
//!
//! Starts the HUBmis emulator over a 40-student school with its 60 s quota window scaled by
//! `SCALE` (first argument, default 0.05: 12 requests per 3 s), reads one week of attendance
//! for every student through the provider, and prints the requests sent, the 429s received,
//! the time taken and the ratio to the theoretical minimum — `(requests - 1)` spacings of
//! `window / 12`, the least time the vendor's quota allows for that many requests.
//!
//! ```text
//! cargo run -p mis-hubmis --example quota_ratio -- 0.05
//! ```

use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::TryStreamExt;
use jiff::ToSpan;
use mis_core::{AttendanceQuery, DateRange, MisProvider};
use mis_hubmis::{Config, HubmisProvider, Quota, SecretString};
use mis_sandbox::{EmulatorOptions, FaultPlan, Sandbox, School, Stats};

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
    let school = Arc::new(School::generate(40, 40));
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
        .with_quota(Quota::HUBMIS.scaled(scale));
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
    let requests = Stats::get(&stats.requests);
    let throttled = Stats::get(&stats.throttled);
    let spacing = Duration::from_secs(60).mul_f64(scale) / 12;
    let minimum = spacing * u32::try_from(requests.saturating_sub(1))?;
    let ratio = took.as_secs_f64() / minimum.as_secs_f64().max(f64::EPSILON);
    println!("students on roll     {}", school.summary().students_on_roll);
    println!("marks read           {}", marks.len());
    println!("requests             {requests} (token, student list, one per student)");
    println!("429 responses        {throttled}");
    println!(
        "quota                12 per {:?} (one every {spacing:?})",
        spacing * 12
    );
    println!("theoretical minimum  {minimum:?}");
    println!("actual               {took:?}");
    println!("actual / minimum     {ratio:.3} (target ≤ 1.05)");
    Ok(())
}
