//! What one school-week costs in HUBmis requests: students, attendance, timetable and
//! behaviour of an emulated school (default 1,000 students) read through the provider, with
//! the requests counted per route by the emulator.
//!
//! ```text
//! cargo run --release -p mis-hubmis --example hubmis_week_requests -- 1000
//! ```
//!
//! It runs the week twice: a first run, which reads every student's enrolment record (the
//! UPN), and a second run by a new provider given the first run's enrolment identifiers
//! (`HubmisProvider::with_enrolment_cache`, as a sync store keeps them), which reads none.
//!
//! The emulator runs its windows (the 60 s quota window, the 15-minute token) at 1/1,000 and
//! the client's quota and token lifetime are scaled the same way, so the run takes seconds
//! and a token still lasts about as many requests as it would at the real pace. The wall
//! time under the real strict quota is the request count × the gate's spacing (5 s + 2 %
//! margin), printed at the end.

use std::sync::Arc;

use futures::TryStreamExt;
use mis_core::{
    AttendanceQuery, BehaviourQuery, DateRange, MisProvider, StudentQuery, TimetableQuery,
};
use mis_hubmis::{Config, EnrolmentCache, HubmisProvider, MemoryEnrolments, Quota, SecretString};
use mis_sandbox::{EmulatorOptions, FaultPlan, Sandbox, School};
use mis_testkit::{RequestCount, count_requests};

const SEED: u64 = 16;
const SCALE: f64 = 0.001;

fn show(entity: &str, items: usize, count: &RequestCount) {
    println!(
        "{entity:<11} {items:>7} records {:>6} requests",
        count.total
    );
    for (route, n) in &count.by_route {
        println!("    {n:>6}  {route}");
    }
}

/// One school-week through `provider`, printed per entity and route.
async fn week(
    provider: &HubmisProvider,
    stats: &mis_sandbox::Stats,
    range: DateRange,
) -> Result<(), Box<dyn std::error::Error>> {
    let (week, all) = count_requests(stats, async {
        let (students, s) = count_requests(stats, async {
            provider
                .students(StudentQuery::new())
                .try_collect::<Vec<_>>()
                .await
        })
        .await;
        let (marks, a) = count_requests(stats, async {
            provider
                .attendance(AttendanceQuery::new(range))
                .try_collect::<Vec<_>>()
                .await
        })
        .await;
        let (lessons, t) = count_requests(stats, async {
            provider
                .timetable(TimetableQuery::new(range))
                .try_collect::<Vec<_>>()
                .await
        })
        .await;
        let (events, b) = count_requests(stats, async {
            provider
                .behaviour(BehaviourQuery::new(range))
                .try_collect::<Vec<_>>()
                .await
        })
        .await;
        Ok::<_, mis_core::Error>([
            ("students", students?.len(), s),
            ("attendance", marks?.len(), a),
            ("timetable", lessons?.len(), t),
            ("behaviour", events?.len(), b),
        ])
    })
    .await;
    for (entity, items, count) in &week? {
        show(entity, *items, count);
    }
    let spacing = Quota::HUBMIS
        .spacing_with_margin()
        .ok_or("the HUBmis quota has a spacing")?;
    let wall = spacing * u32::try_from(all.total.saturating_sub(1))?;
    let tokens = all.to("/token");
    let data = all.total - tokens;
    // A token lasts 15 minutes: at the strict pace, about 176 requests.
    let real_tokens = (wall.as_secs_f64() / 900.0).ceil() as u64;
    println!("total       {:>6} requests", all.total);
    println!("  of which  {tokens:>6} token requests here, about {real_tokens} at the real pace");
    println!("  data      {data:>6} requests (without tokens)");
    println!(
        "429s        {:>6}",
        mis_sandbox::Stats::get(&stats.throttled)
    );
    println!(
        "wall time under the strict quota (one request every {spacing:?}): {:.0} s = {}h {:02}m",
        wall.as_secs_f64(),
        wall.as_secs() / 3600,
        (wall.as_secs() % 3600) / 60
    );
    Ok(())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let size: usize = match std::env::args().nth(1) {
        Some(arg) => arg
            .parse()
            .map_err(|_| format!("SIZE must be a number of students, not {arg:?}"))?,
        None => 1000,
    };
    let school = Arc::new(School::generate(SEED, size));
    let range =
        mis_testkit::school_week(&school).ok_or("the school has no full school week of records")?;
    let sandbox = Sandbox::start_with(
        &mis_sandbox::emulator::hubmis::EMULATOR,
        school.clone(),
        FaultPlan::none(),
        EmulatorOptions {
            time_scale: SCALE,
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
        .with_quota(Quota::HUBMIS.scaled(SCALE))
        .with_token_lifetime_cap(Config::TOKEN_LIFETIME.mul_f64(SCALE));
    let kept: Arc<dyn EnrolmentCache> = Arc::new(MemoryEnrolments::default());
    let stats = sandbox.stats();
    let summary = school.summary();
    println!(
        "school: {} students on roll, {} staff; week {} to {}",
        summary.students_on_roll,
        school.staff.len(),
        range.from(),
        range.to()
    );

    for run in ["first run", "second run, enrolments kept by the caller"] {
        println!("--- {run}");
        let provider = HubmisProvider::new(config.clone())?.with_enrolment_cache(kept.clone());
        week(&provider, stats, range).await?;
    }
    Ok(())
}
