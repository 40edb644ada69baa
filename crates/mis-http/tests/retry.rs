//! Retry behaviour through the whole stack, on a scripted transport and paused tokio time.

use std::sync::Arc;
use std::time::Duration;

use jiff::Timestamp;
use mis_http::testing::{FakeClock, Reply, ScriptedTransport};
use mis_http::{ErrorKind, HttpClient, RetryConfig, WaitHint};
use tokio::time::Instant;

fn start() -> Timestamp {
    "2021-10-28T01:29:00Z".parse().unwrap()
}

fn client(transport: &ScriptedTransport, retry: RetryConfig) -> HttpClient {
    HttpClient::builder("test")
        .base_url("https://api.example.com")
        .unwrap()
        .prefix("/api/v1")
        .retry(retry)
        .wait_hints(&[
            WaitHint::RetryAfter,
            WaitHint::XRateLimitRetryAfter,
            WaitHint::XRateLimitReset,
        ])
        .clock(Arc::new(FakeClock::new(start())))
        .transport(transport.service())
        .build()
        .unwrap()
}

/// Small, fast backoff so the tests measure hints, not jitter.
fn quick() -> RetryConfig {
    RetryConfig::default()
        .base_delay(Duration::from_millis(10))
        .max_delay(Duration::from_millis(100))
        .no_budget()
}

async fn assert_waits_for_hint(name: &str, value: String, hint: Duration) {
    let transport = ScriptedTransport::new();
    transport.push(Reply::status(429).header(name, &value));
    transport.push(Reply::json(200, &serde_json::json!({"ok": true})));
    let http = client(&transport, quick());
    let body: serde_json::Value = http.get(&["students"]).send_json().await.unwrap();
    assert_eq!(body["ok"], true);
    let sent = transport.requests();
    assert_eq!(sent.len(), 2, "{name}");
    let waited = sent[1].at - sent[0].at;
    assert!(waited >= hint, "{name}: waited {waited:?}, hint {hint:?}");
    assert!(
        waited < hint + Duration::from_secs(1),
        "{name}: waited {waited:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn a_429_waits_at_least_the_hint_of_each_header() {
    assert_waits_for_hint("retry-after", "7".into(), Duration::from_secs(7)).await;
    assert_waits_for_hint(
        "retry-after",
        "Thu, 28 Oct 2021 01:29:08 GMT".into(),
        Duration::from_secs(8),
    )
    .await;
    let unix = start().as_second() + 9;
    assert_waits_for_hint(
        "x-ratelimit-retry-after",
        unix.to_string(),
        Duration::from_secs(9),
    )
    .await;
    assert_waits_for_hint(
        "x-ratelimit-reset",
        "2021-10-28 01:29:11 UTC".into(),
        Duration::from_secs(11),
    )
    .await;
}

#[tokio::test(start_paused = true)]
async fn a_hint_beyond_the_total_time_gives_up_at_once() {
    let transport = ScriptedTransport::new();
    transport.push(Reply::status(429).header("retry-after", "600"));
    let http = client(&transport, quick().max_elapsed(Duration::from_secs(60)));
    let began = Instant::now();
    let err = http.get(&["students"]).send().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::RateLimited);
    assert_eq!(err.retry_after(), Some(Duration::from_secs(600)));
    assert_eq!(transport.request_count(), 1);
    assert!(began.elapsed() < Duration::from_secs(1));
}

#[tokio::test(start_paused = true)]
async fn a_503_then_200_succeeds() {
    let transport = ScriptedTransport::new();
    transport.push(Reply::status(503));
    transport.push(Reply::status(200).body("fine"));
    let http = client(&transport, quick());
    let response = http.get(&["students"]).send().await.unwrap();
    assert_eq!(response.body().as_ref(), b"fine");
    assert_eq!(transport.request_count(), 2);
}

#[tokio::test(start_paused = true)]
async fn a_get_is_retried_after_a_timeout_and_a_reset() {
    let transport = ScriptedTransport::new();
    transport.push(Reply::hang());
    transport.push(Reply::reset_after_send());
    transport.push(Reply::status(200));
    let http = HttpClient::builder("test")
        .base_url("https://api.example.com")
        .unwrap()
        .retry(quick())
        .timeout(Duration::from_secs(5))
        .transport(transport.service())
        .build()
        .unwrap();
    http.get(&["x"]).send().await.unwrap();
    let sent = transport.requests();
    assert_eq!(sent.len(), 3);
    assert!(sent[1].at - sent[0].at >= Duration::from_secs(5));
}

#[tokio::test(start_paused = true)]
async fn a_post_is_not_replayed_after_a_5xx() {
    for (status, unknown) in [(500, true), (502, true), (503, false), (504, true)] {
        let transport = ScriptedTransport::new();
        transport.push(Reply::status(status));
        transport.push(Reply::status(200));
        let http = client(&transport, quick());
        let err = http
            .post(&["students", "7", "attendance"])
            .json(&serde_json::json!({"mark": "/"}))
            .unwrap()
            .send()
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Unavailable, "{status}");
        assert_eq!(err.status(), Some(status));
        assert_eq!(err.is_outcome_unknown(), unknown, "{status}");
        assert_eq!(transport.request_count(), 1, "{status}");
    }
}

#[tokio::test(start_paused = true)]
async fn a_post_marked_idempotent_is_retried() {
    let transport = ScriptedTransport::new();
    transport.push(Reply::status(503));
    transport.push(Reply::status(200));
    let http = client(&transport, quick());
    http.post(&["search"])
        .idempotent(true)
        .send()
        .await
        .unwrap();
    assert_eq!(transport.request_count(), 2);
}

#[tokio::test(start_paused = true)]
async fn a_put_marked_not_idempotent_is_not_retried() {
    let transport = ScriptedTransport::new();
    transport.push(Reply::status(502));
    let http = client(&transport, quick());
    let err = http.put(&["x"]).idempotent(false).send().await.unwrap_err();
    assert!(err.is_outcome_unknown());
    assert_eq!(transport.request_count(), 1);
}

#[tokio::test(start_paused = true)]
async fn a_post_that_never_left_is_retried() {
    let transport = ScriptedTransport::new();
    transport.push(Reply::connect_error());
    transport.push(Reply::status(429).header("retry-after", "1"));
    transport.push(Reply::status(201));
    let http = client(&transport, quick());
    let response = http.post(&["students"]).send().await.unwrap();
    assert_eq!(response.status(), 201);
    assert_eq!(transport.request_count(), 3);
}

#[tokio::test(start_paused = true)]
async fn a_post_whose_outcome_is_unknown_says_so() {
    // Connection dropped after sending.
    let transport = ScriptedTransport::new();
    transport.push(Reply::reset_after_send());
    let http = client(&transport, quick());
    let err = http.post(&["students"]).send().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unavailable);
    assert!(err.is_outcome_unknown());
    assert!(err.to_string().contains("may or may not"), "{err}");
    assert_eq!(transport.request_count(), 1);

    // Timed out.
    let transport = ScriptedTransport::new();
    transport.push(Reply::hang());
    let http = HttpClient::builder("test")
        .base_url("https://api.example.com")
        .unwrap()
        .retry(quick())
        .timeout(Duration::from_secs(2))
        .transport(transport.service())
        .build()
        .unwrap();
    let err = http.patch(&["students", "1"]).send().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout);
    assert!(err.is_outcome_unknown());
    assert_eq!(transport.request_count(), 1);

    // A connect error is known not to have been applied.
    let transport = ScriptedTransport::new();
    for _ in 0..4 {
        transport.push(Reply::connect_error());
    }
    let http = client(&transport, quick());
    let err = http.post(&["students"]).send().await.unwrap_err();
    assert!(!err.is_outcome_unknown());
    assert_eq!(transport.request_count(), 4);
}

#[tokio::test(start_paused = true)]
async fn max_attempts_is_honoured() {
    let transport = ScriptedTransport::with_handler(|_| Reply::status(503));
    let http = client(&transport, quick().max_attempts(3));
    let err = http.get(&["x"]).send().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unavailable);
    assert_eq!(transport.request_count(), 3);

    let transport = ScriptedTransport::with_handler(|_| Reply::status(503));
    let http = client(&transport, RetryConfig::none());
    http.get(&["x"]).send().await.unwrap_err();
    assert_eq!(transport.request_count(), 1);
}

#[tokio::test(start_paused = true)]
async fn max_total_time_is_honoured() {
    let transport =
        ScriptedTransport::with_handler(|_| Reply::status(503).header("retry-after", "4"));
    let http = client(
        &transport,
        quick()
            .max_attempts(100)
            .max_elapsed(Duration::from_secs(15)),
    );
    let began = Instant::now();
    http.get(&["x"]).send().await.unwrap_err();
    // Attempts at 0, 4, 8 and 12 s; one at 16 s would pass the 15 s limit.
    assert_eq!(transport.request_count(), 4);
    assert!(began.elapsed() <= Duration::from_secs(15));
}

#[tokio::test(start_paused = true)]
async fn the_budget_stops_retries_when_most_requests_fail() {
    let transport = ScriptedTransport::with_handler(|_| Reply::status(503));
    // One retry per ten requests, no reserve.
    let retry = quick()
        .max_attempts(5)
        .budget(Duration::from_secs(10), 0, 0.1);
    let http = client(&transport, retry);
    for _ in 0..30 {
        let err = http.clone().get(&["x"]).send().await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Unavailable);
    }
    let sent = transport.request_count();
    // Without the budget: 30 × 5 = 150 requests. With it: 30 + about 3.
    assert!((30..=34).contains(&sent), "{sent} requests");
}

#[tokio::test(start_paused = true)]
async fn errors_are_not_retried_when_not_retryable() {
    // A 500 is retried for idempotent requests (tested below), so it is sent as a POST here.
    for status in [400, 401, 403, 404, 409, 500] {
        let transport = ScriptedTransport::with_handler(move |_| Reply::status(status));
        let http = client(&transport, quick());
        let request = if status == 500 {
            http.post(&["x"])
        } else {
            http.get(&["x"])
        };
        let err = request.operation("x.get").send().await.unwrap_err();
        assert_eq!(transport.request_count(), 1, "{status}");
        assert_eq!(err.vendor(), Some("test"));
        assert_eq!(err.operation(), Some("x.get"));
    }
}

#[tokio::test(start_paused = true)]
async fn a_500_to_a_get_is_retried() {
    let transport = ScriptedTransport::new();
    transport.push(Reply::status(500));
    transport.push(Reply::status(200));
    let http = client(&transport, quick());
    http.get(&["x"]).operation("x.get").send().await.unwrap();
    assert_eq!(transport.request_count(), 2);
}

#[tokio::test(start_paused = true)]
async fn a_vendor_that_says_500_is_safe_gets_retries() {
    let transport = ScriptedTransport::new();
    transport.push(Reply::status(500));
    transport.push(Reply::status(200));
    let http = HttpClient::builder("test")
        .base_url("https://api.example.com")
        .unwrap()
        .retry(quick())
        .retry_on_500(true)
        .transport(transport.service())
        .build()
        .unwrap();
    http.get(&["x"]).send().await.unwrap();
    assert_eq!(transport.request_count(), 2);
}
