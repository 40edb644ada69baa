//! Against the HUBmis emulator with its windows scaled down: the quota (zero 429s while
//! reading attendance for 40 students, at close to the theoretical pace), and the token
//! lifecycle (three expiries, exactly three refreshes, no error).

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use futures::TryStreamExt;
use jiff::ToSpan;
use mis_core::{AttendanceQuery, DateRange, MisProvider, Session};
use mis_hubmis::{Client, Config, HubmisProvider, Quota, RetryConfig, SecretString};
use mis_sandbox::{EmulatorOptions, FaultPlan, Sandbox, School, Stats};

async fn start(school: Arc<School>, faults: FaultPlan, scale: f64) -> (Sandbox, Config) {
    let sandbox = Sandbox::start_with(
        &mis_sandbox::emulator::hubmis::EMULATOR,
        school,
        faults,
        EmulatorOptions {
            time_scale: scale,
            ..EmulatorOptions::default()
        },
        0,
    )
    .await
    .expect("the HUBmis emulator starts");
    let creds = sandbox.credentials();
    let config = Config::new(
        creds.get("client_id").unwrap(),
        SecretString::from(creds.get("client_secret").unwrap().to_owned()),
        creds.get("realm").unwrap(),
    )
    .update_options(|o| o.with_base_url(sandbox.base_url()))
    .with_quota(Quota::HUBMIS.scaled(scale));
    (sandbox, config)
}

/// Reading attendance for 40 students under the 12-per-window quota: no 429 at all, and
/// within 10 % of the theoretical minimum (`examples/quota_ratio.rs` prints the ratio).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn attendance_for_40_students_gets_no_429() {
    // 60 s → 1.2 s: one request every 100 ms (a 46-request read takes about 4.6 s). The
    // emulator's window tolerates arrivals bunched by up to the client's 2 % margin of it
    // (24 ms), so a loaded machine's scheduling jitter still meets no 429.
    const SCALE: f64 = 0.02;
    let school = Arc::new(School::generate(40, 40));
    let (sandbox, config) = start(school.clone(), FaultPlan::none(), SCALE).await;
    let provider = HubmisProvider::new(config).unwrap();
    let first = school.attendance_range.unwrap().from();
    let range = DateRange::new(first, first.checked_add(4.days()).unwrap()).unwrap();
    let began = Instant::now();
    let marks: Vec<_> = provider
        .attendance(AttendanceQuery::new(range))
        .try_collect()
        .await
        .unwrap();
    let took = began.elapsed();
    let stats = sandbox.stats();
    let requests = Stats::get(&stats.requests);
    assert_eq!(
        Stats::get(&stats.throttled),
        0,
        "no 429 in {requests} requests"
    );
    // One token; the page of students on roll and the page after it (a short page of 40
    // could be a server's cap); one page of past students (2: too few to be a cap); one
    // request per student on roll and per leaver (the range is in the past, so a student
    // who has left since may have marks in it).
    let summary = school.summary();
    let (on_roll, leavers) = (summary.students_on_roll as u64, summary.leavers as u64);
    assert_eq!((on_roll, leavers), (40, 2));
    assert_eq!(requests, 1 + 2 + 1 + on_roll + leavers);
    let want = school
        .session_marks
        .iter()
        .filter(|m| range.contains(m.date))
        .count();
    assert_eq!(marks.len(), want);
    assert!(marks.iter().any(|m| m.session == Some(Session::Pm)));
    let spacing = Duration::from_secs(60).mul_f64(SCALE) / 12;
    let minimum = spacing * (requests as u32 - 1);
    let ratio = took.as_secs_f64() / minimum.as_secs_f64();
    assert!(
        ratio < 1.10,
        "took {took:?} for a minimum of {minimum:?} (×{ratio:.3})"
    );
}

/// 50 requests while the server expires the token every 15 authenticated requests: each
/// expiry is one 401, one refresh and one replay — three refreshes, no error.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_expiries_three_refreshes_on_401() {
    let school = Arc::new(School::generate(3, 12));
    let faults = FaultPlan {
        expire_every: Some(15),
        ..FaultPlan::none()
    };
    let (sandbox, config) = start(school, faults, 0.002).await;
    let client = Client::new(config).unwrap();
    for i in 0..50 {
        client
            .attendance_codes(None)
            .await
            .unwrap_or_else(|e| panic!("request {i}: {e}"));
    }
    assert_eq!(
        client.tokens_issued(),
        4,
        "the first token and three refreshes"
    );
    assert_eq!(Stats::get(&sandbox.stats().logins), 4);
}

/// The same with the token's own (scaled) lifetime: the client renews before expiry, so the
/// server never has to refuse a request — three refreshes over a run three and a half
/// lifetimes long.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_expiries_three_proactive_refreshes() {
    // The token lives 900 s × SCALE = 0.63 s and is renewed after 90 % of that (0.57 s); 50
    // requests started 40 ms apart take 1.96 s, 3.1 lifetimes: the third renewal comes by
    // 3 × (0.57 s + 40 ms) = 1.83 s, a fourth not before 4 × 0.57 s = 2.27 s. The requests
    // start on a fixed schedule (an interval, not a sleep after each answer), so slow answers
    // on a loaded machine do not stretch the run towards a fourth renewal.
    const SCALE: f64 = 0.0007;
    let school = Arc::new(School::generate(3, 12));
    let (sandbox, config) = start(school, FaultPlan::none(), SCALE).await;
    let client =
        Client::new(config.with_token_lifetime_cap(Duration::from_secs(900).mul_f64(SCALE)))
            .unwrap();
    let mut every = tokio::time::interval(Duration::from_millis(40));
    for i in 0..50 {
        every.tick().await;
        client
            .regional_settings()
            .await
            .unwrap_or_else(|e| panic!("request {i}: {e}"));
    }
    assert_eq!(
        client.tokens_issued(),
        4,
        "the first token and three refreshes"
    );
    assert_eq!(Stats::get(&sandbox.stats().logins), 4);
    assert_eq!(Stats::get(&sandbox.stats().throttled), 0);
}

/// With no client-side limit the emulator's quota answers 429; the gate closes until
/// `X-RateLimit-Retry-After` and every request still completes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_without_a_quota_recovers_from_429s() {
    let school = Arc::new(School::generate(9, 12));
    let (sandbox, config) = start(school, FaultPlan::none(), 0.01).await;
    let client = Client::new(
        config
            .with_quota(Quota::unlimited())
            .update_options(|o| o.with_retry(RetryConfig::default().max_attempts(10))),
    )
    .unwrap();
    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let c = client.clone();
            tokio::spawn(async move { c.attendance_codes(None).await.map(|_| ()) })
        })
        .collect();
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    assert!(sandbox.stats().throttled.load(Ordering::SeqCst) > 0);
}
