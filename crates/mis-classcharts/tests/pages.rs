//! List pages read by the provider: decoded plainly first, record by record only when that
//! fails (`mis_http::decode_lenient`). What a bad record costs is in `degraded.rs`; here, a
//! page whose body came cut short.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use futures::TryStreamExt;
use httpmock::Method::{GET, POST};
use httpmock::{HttpMockRequest, HttpMockResponse, MockServer};
use mis_classcharts::{Config, StudentClient};
use mis_core::{BehaviourQuery, DateRange, Diagnostics, ErrorKind, MisProvider};
use mis_http::{RateLimit, RetryConfig};
use serde_json::{Value, json};

fn ok(data: Value, meta: Value) -> Value {
    json!({"success": 1, "data": data, "meta": meta})
}

async fn student(server: &MockServer, retry: RetryConfig) -> StudentClient {
    server
        .mock_async(|when, then| {
            when.method(POST).path("/apiv2student/login");
            then.status(200).json_body(ok(
                json!({"id": 42, "first_name": "Ada", "last_name": "Lovelace"}),
                json!({"session_id": "s1"}),
            ));
        })
        .await;
    let config = Config::student("ABC123", "2010-01-20")
        .unwrap()
        .update_options(|o| {
            o.with_base_url(server.base_url())
                .with_rate_limit(RateLimit::unlimited())
                .with_retry(retry)
        });
    StudentClient::new(config).unwrap()
}

fn sept() -> DateRange {
    DateRange::new(
        jiff::civil::date(2024, 9, 9),
        jiff::civil::date(2024, 9, 13),
    )
    .unwrap()
}

/// The first page of the feed: its body cut short on the first `cut` requests, whole after.
async fn first_page_cut_short(server: &MockServer, cut: usize) -> Arc<AtomicUsize> {
    let whole = ok(
        json!([{"id": 30, "type": "behaviour", "polarity": "positive", "reason": "Effort",
                "score": 1, "timestamp": "2024-09-10 10:00:00"}]),
        json!({"last_id": 30}),
    )
    .to_string();
    let sent = Arc::new(AtomicUsize::new(0));
    let counter = sent.clone();
    server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/apiv2student/activity/42")
                .query_param_missing("last_id");
            then.respond_with(move |_: &HttpMockRequest| {
                let n = counter.fetch_add(1, Ordering::SeqCst);
                let body = if n < cut {
                    whole[..whole.len() / 2].to_owned()
                } else {
                    whole.clone()
                };
                HttpMockResponse::builder()
                    .status(200)
                    .header("content-type", "application/json")
                    .body(body)
                    .build()
            });
        })
        .await;
    server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/apiv2student/activity/42")
                .query_param("last_id", "30");
            then.status(200)
                .json_body(ok(json!([]), json!({"last_id": false})));
        })
        .await;
    sent
}

fn retries() -> RetryConfig {
    RetryConfig::default()
        .max_attempts(3)
        .base_delay(Duration::from_millis(1))
        .max_delay(Duration::from_millis(1))
}

/// Reads the pupil's behaviour, whose feed cannot be read: no event, and the one warning
/// saying why (the pupil's part of the read fails, not the read).
async fn unreadable_feed(client: &StudentClient) -> ErrorKind {
    let d = Diagnostics::new();
    let events = client
        .behaviour(BehaviourQuery::new(sept()).with_diagnostics(d.clone()))
        .try_collect::<Vec<_>>()
        .await
        .unwrap();
    assert!(events.is_empty());
    let ws = d.warnings();
    assert_eq!(ws.len(), 1, "{ws:#?}");
    ws[0].kind
}

/// A page cut short (a proxy closing early) is asked for again, as a dropped connection
/// would be, and read whole the second time.
#[tokio::test]
async fn a_page_cut_short_is_asked_for_again() {
    let server = MockServer::start_async().await;
    let client = student(&server, retries()).await;
    let sent = first_page_cut_short(&server, 1).await;
    let d = Diagnostics::new();
    let ids: Vec<String> = client
        .behaviour(BehaviourQuery::new(sept()).with_diagnostics(d.clone()))
        .map_ok(|e| e.id)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(ids, ["30"]);
    assert_eq!(sent.load(Ordering::SeqCst), 2);
    assert!(d.is_empty(), "{:#?}", d.warnings());
}

/// A page that never comes whole is a `Decode` error, after the retry policy's attempts and
/// at most one more.
#[tokio::test]
async fn a_page_always_cut_short_is_a_decode_error() {
    let server = MockServer::start_async().await;
    let client = student(&server, retries()).await;
    let sent = first_page_cut_short(&server, usize::MAX).await;
    assert_eq!(unreadable_feed(&client).await, ErrorKind::Decode);
    assert_eq!(sent.load(Ordering::SeqCst), 1 + 3);
}

/// With one attempt allowed, a page cut short is not asked for again.
#[tokio::test]
async fn one_attempt_means_one_request() {
    let server = MockServer::start_async().await;
    let client = student(&server, RetryConfig::none()).await;
    let sent = first_page_cut_short(&server, 1).await;
    assert_eq!(unreadable_feed(&client).await, ErrorKind::Decode);
    assert_eq!(sent.load(Ordering::SeqCst), 1);
}
