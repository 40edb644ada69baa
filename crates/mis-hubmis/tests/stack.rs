//! Token lifecycle and quota through the whole client stack, on a scripted transport and
//! paused tokio time (no real sleeps): refresh-once-and-replay on 401, proactive renewal,
//! one shared refresh, the 12-in-any-60-s gate (token requests included), and a 429 that
//! closes the gate until `X-RateLimit-Retry-After`.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use mis_http::Clock;
use mis_http::testing::{FakeClock, RecordedRequest, Reply, ScriptedTransport};
use mis_hubmis::{Client, Config, Quota, RetryConfig, SecretString};
use serde_json::json;
use tokio::time::Instant;

const MINUTE: Duration = Duration::from_secs(60);

fn config() -> Config {
    Config::new("client123", SecretString::from("s3cr3t"), "S999")
}

fn client(config: Config, transport: &ScriptedTransport, clock: &FakeClock) -> Client {
    let config = config.update_options(|o| {
        o.with_transport(transport.service())
            .with_clock(Arc::new(clock.clone()))
    });
    Client::builder(config).private_rate_gate().build().unwrap()
}

fn clock() -> FakeClock {
    FakeClock::new("2025-01-06T09:00:00Z".parse().unwrap())
}

fn is_token(r: &RecordedRequest) -> bool {
    r.uri.path() == "/api/v1/token"
}

/// Issues `tok-1`, `tok-2`, … with `expires_in`; accepts a token while `valid(n)` says so.
fn server(
    expires_in: u64,
    valid: impl Fn(usize, &RecordedRequest) -> bool + Send + Sync + 'static,
) -> ScriptedTransport {
    let issued = AtomicUsize::new(0);
    ScriptedTransport::with_handler(move |r| {
        if is_token(r) {
            let n = issued.fetch_add(1, Ordering::SeqCst) + 1;
            return Reply::json(
                200,
                &json!({"token_type": "Bearer", "expires_in": expires_in, "access_token": format!("tok-{n}")}),
            );
        }
        let n: usize = r
            .header("authorization")
            .and_then(|a| a.strip_prefix("Bearer tok-"))
            .and_then(|n| n.parse().ok())
            .unwrap_or(0);
        if n > 0 && r.header("realm") == Some("S999") && valid(n, r) {
            Reply::json(200, &json!([]))
        } else {
            Reply::json(401, &json!({"message": "Unauthenticated."}))
        }
    })
}

#[tokio::test(start_paused = true)]
async fn a_401_refreshes_once_and_replays() {
    // tok-1 is refused (expired early on the server); tok-2 works.
    let transport = server(900, |n, _| n >= 2);
    let c = client(
        config().with_quota(Quota::unlimited()),
        &transport,
        &clock(),
    );
    c.group_types().await.unwrap();
    let paths: Vec<String> = transport
        .requests()
        .iter()
        .map(|r| format!("{} {}", r.method, r.uri.path()))
        .collect();
    assert_eq!(
        paths,
        [
            "POST /api/v1/token",
            "GET /api/v1/group-types",
            "POST /api/v1/token",
            "GET /api/v1/group-types",
        ]
    );
    assert_eq!(c.tokens_issued(), 2);
}

#[tokio::test(start_paused = true)]
async fn a_second_401_is_returned_not_looped() {
    let transport = server(900, |_, _| false);
    let c = client(
        config()
            .with_quota(Quota::unlimited())
            .update_options(|o| o.with_retry(RetryConfig::none())),
        &transport,
        &clock(),
    );
    let e = c.group_types().await.unwrap_err();
    assert_eq!(e.kind(), mis_core::ErrorKind::Unauthenticated);
    assert_eq!(transport.request_count(), 4, "token, call, token, replay");
    assert_eq!(c.tokens_issued(), 2);
}

#[tokio::test(start_paused = true)]
async fn tokens_are_renewed_before_min_of_expires_in_and_15_minutes() {
    // The walkthrough's 86400 s: the 15-minute cap wins; renewal a minute early (14 min).
    let transport = server(86_400, |_, _| true);
    let c = client(
        config().with_quota(Quota::unlimited()),
        &transport,
        &clock(),
    );
    c.group_types().await.unwrap();
    tokio::time::advance(Duration::from_secs(13 * 60)).await;
    c.group_types().await.unwrap();
    assert_eq!(c.tokens_issued(), 1, "still fresh at 13 minutes");
    tokio::time::advance(Duration::from_secs(61)).await;
    c.group_types().await.unwrap();
    assert_eq!(c.tokens_issued(), 2, "renewed after 14 minutes");
    // A shorter expires_in wins over the cap (and is renewed a tenth early: at 90 s).
    let transport = server(100, |_, _| true);
    let c = client(
        config().with_quota(Quota::unlimited()),
        &transport,
        &clock(),
    );
    c.group_types().await.unwrap();
    tokio::time::advance(Duration::from_secs(91)).await;
    c.group_types().await.unwrap();
    assert_eq!(c.tokens_issued(), 2);
    assert!(transport.requests().iter().filter(|r| is_token(r)).count() == 2);
}

#[tokio::test(start_paused = true)]
async fn concurrent_requests_share_one_token_request() {
    let transport = server(900, |_, _| true);
    let c = client(
        config().with_quota(Quota::unlimited()),
        &transport,
        &clock(),
    );
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let c = c.clone();
            tokio::spawn(async move { c.group_types().await.unwrap() })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    assert_eq!(c.tokens_issued(), 1);
    assert_eq!(
        transport.requests().iter().filter(|r| is_token(r)).count(),
        1
    );
}

/// No 13 arrivals inside any 60 s window.
fn assert_at_most_12_per_minute(sent: &[RecordedRequest]) {
    let mut at: Vec<Instant> = sent.iter().map(|r| r.at).collect();
    at.sort();
    for w in at.windows(13) {
        assert!(
            w[12] - w[0] >= MINUTE,
            "13 requests within {:?}",
            w[12] - w[0]
        );
    }
}

#[tokio::test(start_paused = true)]
async fn the_default_quota_is_12_in_any_minute_token_included_across_clones() {
    let transport = server(900, |_, _| true);
    let c = client(config(), &transport, &clock());
    let began = Instant::now();
    let tasks: Vec<_> = (0..24)
        .map(|i| {
            // Even and odd calls go through different clones, and different operations.
            let c = c.clone();
            tokio::spawn(async move {
                if i % 2 == 0 {
                    c.group_types().await.unwrap()
                } else {
                    c.countries().await.unwrap()
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    let sent = transport.requests();
    assert_eq!(sent.len(), 25, "one token request and 24 calls");
    assert!(
        is_token(&sent[0]),
        "the token request passes the gate first"
    );
    assert_at_most_12_per_minute(&sent);
    // 24 intervals of 5 s plus the 2 % margin: 122.4 s, and not much more.
    let took = began.elapsed();
    assert!(took >= Duration::from_secs(120), "{took:?}");
    assert!(took <= Duration::from_millis(122_500), "{took:?}");
}

#[tokio::test(start_paused = true)]
async fn a_429_closes_the_gate_until_the_servers_unix_time() {
    let clock = clock();
    let throttle_until = clock.now().as_second() + 40;
    let calls = AtomicUsize::new(0);
    let transport = ScriptedTransport::with_handler(move |r| {
        if is_token(r) {
            return Reply::json(200, &json!({"access_token": "tok", "expires_in": 900}));
        }
        if calls.fetch_add(1, Ordering::SeqCst) == 0 {
            Reply::json(429, &json!({"message": "Too Many Attempts."}))
                .header("x-ratelimit-limit", "12")
                .header("x-ratelimit-remaining", "0")
                .header("x-ratelimit-retry-after", &throttle_until.to_string())
        } else {
            Reply::json(200, &json!([])).header("x-ratelimit-remaining", "11")
        }
    });
    let c = client(config().with_quota(Quota::unlimited()), &transport, &clock);
    let began = Instant::now();
    let first = {
        let c = c.clone();
        tokio::spawn(async move { c.group_types().await })
    };
    // A second caller arrives while the gate is closed: it waits too.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let second = {
        let c = c.clone();
        tokio::spawn(async move { c.countries().await })
    };
    first.await.unwrap().unwrap();
    second.await.unwrap().unwrap();
    let sent = transport.requests();
    let after_429: Vec<Duration> = sent
        .iter()
        .filter(|r| !is_token(r))
        .skip(1)
        .map(|r| r.at - began)
        .collect();
    assert_eq!(after_429.len(), 2);
    assert!(
        after_429.iter().all(|d| *d >= Duration::from_secs(40)),
        "nobody sent before the retry-after time: {after_429:?}"
    );
}
