//! Issue 17, "correct under load": many requests sharing one gate and one credential, on
//! paused tokio time. Each test names the item it covers; each failed on the stack before
//! the issue (the comment says how).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use mis_http::testing::{Reply, ScriptedTransport};
use mis_http::{
    Authenticator, Credential, ErrorKind, HttpClient, RateGate, RateLimit, Request, Result,
    RetryConfig, SecretString, bearer_header, header,
};
use serde::Deserialize;
use tokio::time::Instant;

fn builder(transport: &ScriptedTransport) -> mis_http::HttpClientBuilder {
    HttpClient::builder("test")
        .base_url("https://api.example.com")
        .unwrap()
        .transport(transport.service())
}

/// Item 1: eleven schools share one gate with a 10 s slot each, and every request fails
/// twice with a 503 before it succeeds. Each attempt of the last school waits about 100 s for
/// its turn (within its 120 s of retry time, so the gate lets it queue), and its three
/// attempts span over 300 s. Every request must still get its retries: queueing is not retry
/// time. (Before: the time queued counted, so the third attempt would have started after the
/// 120 s allowed and the second 503 was returned.)
#[tokio::test(start_paused = true)]
async fn retry_time_excludes_time_queued_at_the_gate() {
    let failures = Arc::new(std::sync::Mutex::new(std::collections::HashMap::new()));
    let seen = failures.clone();
    // The first two attempts at each path are 503s; the third succeeds.
    let transport = ScriptedTransport::with_handler(move |r| {
        let mut seen = seen.lock().unwrap();
        let count: &mut u32 = seen.entry(r.uri.path().to_owned()).or_default();
        *count += 1;
        if *count <= 2 {
            Reply::status(503)
        } else {
            Reply::status(200)
        }
    });
    let gate = RateGate::new(RateLimit::per_period(Duration::from_secs(10), 1));
    let retry = RetryConfig::default()
        .no_budget()
        .base_delay(Duration::from_millis(10));
    let began = Instant::now();
    let mut tasks = Vec::new();
    for i in 0..11 {
        // Separately built clients (schools) sharing one gate.
        let http = builder(&transport)
            .rate_gate(gate.clone())
            .retry(retry)
            .build()
            .unwrap();
        tasks.push(tokio::spawn(async move {
            http.get(&["students", &i.to_string()]).send().await
        }));
        tokio::task::yield_now().await;
    }
    for (i, task) in tasks.into_iter().enumerate() {
        let result = task.await.unwrap();
        assert!(result.is_ok(), "request {i}: {:?}", result.err());
    }
    assert_eq!(transport.request_count(), 33);
    // The scenario is the one described: far more time queued than the retry time.
    assert!(
        began.elapsed() > Duration::from_secs(300),
        "{:?}",
        began.elapsed()
    );
}

/// Item 2, the quota's own spacing: 24 callers queue at a gate of one request per 5 s
/// (HUBmis), each with 62 s of retry time. Those whose turn cannot come within 62 s fail
/// with `RateLimited` carrying the expected wait, and fail at once rather than when their
/// time is up. (Before: every caller waited its turn, the last for 115 s, and all 24 were
/// sent.)
///
/// The 14th caller reaches the head at 60 s with its slot 5 s away, past its deadline: its
/// wait fails there with a 5 s hint, and the retry layer, which does not count the 60 s
/// queued as retry time, sends it again after the hint.
#[tokio::test(start_paused = true)]
async fn the_spacing_wait_is_bounded_by_the_deadline() {
    let transport = ScriptedTransport::with_handler(|_| Reply::status(200));
    let http = builder(&transport)
        .rate_limit(RateLimit::at_most(12, Duration::from_secs(60)))
        .retry(
            RetryConfig::default()
                .no_budget()
                .max_elapsed(Duration::from_secs(62)),
        )
        .build()
        .unwrap();
    let began = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..24 {
        let http = http.clone();
        tasks.push(tokio::spawn(async move {
            let result = http.get(&["students"]).send().await;
            (result, began.elapsed())
        }));
        tokio::task::yield_now().await;
    }
    let mut sent_at = Vec::new();
    let mut failed = 0;
    for task in tasks {
        let (result, at) = task.await.unwrap();
        match result {
            Ok(_) => sent_at.push(at),
            Err(err) => {
                assert_eq!(err.kind(), ErrorKind::RateLimited, "{err}");
                // Told at once: more callers ahead than the spacing serves in 62 s.
                assert_eq!(at, Duration::ZERO, "{err}");
                let hint = err.retry_after().expect("the expected wait is carried");
                assert!(hint > Duration::from_secs(62), "{hint:?}");
                failed += 1;
            }
        }
    }
    assert_eq!(failed, 10);
    assert_eq!(transport.request_count(), 14);
    // One at 0 s, then one every 5 s up to 60 s, and the 14th at 65 s.
    sent_at.sort();
    let expected: Vec<Duration> = (0..14).map(|i| Duration::from_secs(5 * i)).collect();
    assert_eq!(sent_at, expected);
}

/// Item 2: a wait hint longer than the retry time left fails that request, and requests
/// queued at the gate then fail at once with `RateLimited` carrying the hint instead of each
/// sleeping 10 minutes in turn. (Before: each queued caller slept until the gate reopened.)
#[tokio::test(start_paused = true)]
async fn a_long_hint_fails_queued_callers_promptly() {
    let transport = ScriptedTransport::new();
    transport.push(Reply::status(429).header("retry-after", "600"));
    let http = builder(&transport)
        .rate_limit(RateLimit::per_period(Duration::from_secs(1), 1))
        .retry(RetryConfig::default().no_budget())
        .build()
        .unwrap();
    let began = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..6 {
        let http = http.clone();
        tasks.push(tokio::spawn(
            async move { http.get(&["students"]).send().await },
        ));
        tokio::task::yield_now().await;
    }
    for task in tasks {
        let err = task.await.unwrap().unwrap_err();
        assert_eq!(err.kind(), ErrorKind::RateLimited, "{err}");
        let hint = err.retry_after().expect("the hint is carried");
        assert!(hint > Duration::from_secs(590), "{hint:?}");
    }
    // Only the first request was sent, and nobody slept out the 10 minutes.
    assert_eq!(transport.request_count(), 1);
    assert!(
        began.elapsed() < Duration::from_secs(5),
        "{:?}",
        began.elapsed()
    );
}

/// An OAuth2-style authenticator: one token request per acquire.
#[derive(Debug, Default)]
struct TokenAuth {
    acquires: AtomicUsize,
    renew_after: Option<Duration>,
}

#[derive(Deserialize)]
struct Token {
    access_token: String,
}

#[async_trait]
impl Authenticator for TokenAuth {
    async fn acquire(&self, http: &HttpClient) -> Result<Credential> {
        self.acquires.fetch_add(1, Ordering::SeqCst);
        let token: Token = http
            .post(&["token"])
            .idempotent(true)
            .operation("auth.token")
            .send_json()
            .await?;
        let mut credential = Credential::new(SecretString::from(token.access_token));
        if let Some(after) = self.renew_after {
            credential = credential.renew_after(Instant::now() + after);
        }
        Ok(credential)
    }

    fn apply(&self, credential: &Credential, request: &mut Request) -> Result<()> {
        request
            .headers_mut()
            .insert(header::AUTHORIZATION, bearer_header(credential.secret())?);
        Ok(())
    }
}

fn token(value: &str) -> Reply {
    Reply::json(200, &serde_json::json!({ "access_token": value }))
}

/// Item 2: a request queued behind another's credential refresh waits no longer than its
/// own retry time. (Before: it waited for the 200 s token request.)
#[tokio::test(start_paused = true)]
async fn the_token_refresh_wait_is_bounded_by_the_deadline() {
    let transport = ScriptedTransport::new();
    transport.push(token("t1").delay(Duration::from_secs(200)));
    let auth = Arc::new(TokenAuth::default());
    let http = builder(&transport)
        .authenticator_arc(auth.clone())
        .timeout(Duration::from_secs(300))
        .retry(RetryConfig::none().max_elapsed(Duration::from_secs(10)))
        .build()
        .unwrap();
    let first = {
        let http = http.clone();
        tokio::spawn(async move { http.get(&["a"]).send().await })
    };
    tokio::task::yield_now().await;
    let began = Instant::now();
    let err = http.get(&["b"]).send().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout, "{err}");
    assert!(
        began.elapsed() <= Duration::from_secs(10),
        "{:?}",
        began.elapsed()
    );
    first.abort();
}

/// Item 3: a 429 without a hint closes the gate for the vendor's minimum, and the retry waits
/// at least that long even though full jitter would pick a few milliseconds. (Before: the
/// gate stayed open and the retry went out after the jitter.)
#[tokio::test(start_paused = true)]
async fn a_429_without_a_hint_pauses_for_the_minimum() {
    let transport = ScriptedTransport::with_handler(|_| Reply::status(200));
    transport.push(Reply::status(429));
    let http = builder(&transport)
        .rate_limited_wait(Duration::from_secs(5))
        .retry(
            RetryConfig::default()
                .no_budget()
                .base_delay(Duration::from_millis(1)),
        )
        .build()
        .unwrap();
    let other = http.clone();
    let began = Instant::now();
    let first = tokio::spawn(async move { other.get(&["a"]).send().await });
    tokio::time::sleep(Duration::from_millis(100)).await;
    // Sent while the gate is closed: waits for the minimum too.
    http.get(&["b"]).send().await.unwrap();
    first.await.unwrap().unwrap();
    let sent = transport.requests();
    assert_eq!(sent.len(), 3);
    for later in &sent[1..] {
        assert!(
            later.at - began >= Duration::from_secs(5),
            "{:?}",
            later.at - began
        );
    }
}

/// Item 4: a failed token request is remembered briefly, so ten requests queued behind it
/// get its error instead of each sending a token request of their own. (Before: ten token
/// requests.)
#[tokio::test(start_paused = true)]
async fn a_failed_refresh_is_not_rerun_by_each_queued_request() {
    let transport = ScriptedTransport::with_handler(|r| {
        if r.uri.path() == "/token" {
            Reply::status(503).delay(Duration::from_millis(100))
        } else {
            Reply::status(200)
        }
    });
    let auth = Arc::new(TokenAuth::default());
    let http = builder(&transport)
        .authenticator_arc(auth.clone())
        .retry(RetryConfig::none())
        .build()
        .unwrap();
    let mut tasks = Vec::new();
    for _ in 0..10 {
        let http = http.clone();
        tasks.push(tokio::spawn(async move { http.get(&["a"]).send().await }));
    }
    for task in tasks {
        let err = task.await.unwrap().unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Unavailable, "{err}");
    }
    assert_eq!(auth.acquires.load(Ordering::SeqCst), 1);
    assert_eq!(transport.request_count(), 1);
}

/// Item 4: an early renewal that fails keeps the current credential in use. (Before: the
/// request failed with the renewal's error.)
#[tokio::test(start_paused = true)]
async fn a_failed_early_renewal_keeps_the_current_token() {
    let transport = ScriptedTransport::new();
    transport.push(token("t1"));
    transport.push(Reply::status(200));
    transport.push(Reply::status(503)); // the renewal's token request
    transport.push(Reply::status(200));
    let auth = Arc::new(TokenAuth {
        renew_after: Some(Duration::from_secs(60)),
        ..TokenAuth::default()
    });
    let http = builder(&transport)
        .authenticator_arc(auth.clone())
        .retry(RetryConfig::none())
        .build()
        .unwrap();
    http.get(&["a"]).send().await.unwrap();
    tokio::time::sleep(Duration::from_secs(61)).await;
    http.get(&["b"]).send().await.unwrap();
    let sent = transport.requests();
    assert_eq!(sent.len(), 4);
    assert_eq!(sent[3].header("authorization"), Some("Bearer t1"));
}

/// Item 5: a body over the cap fails with an error naming the limit.
#[tokio::test(start_paused = true)]
async fn a_body_over_the_cap_is_refused() {
    let transport = ScriptedTransport::new();
    transport.push(Reply::status(200).body(vec![b' '; 4096]));
    let http = builder(&transport)
        .max_body_size(1024)
        .retry(RetryConfig::none())
        .build()
        .unwrap();
    let err = http.get(&["a"]).send().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Vendor);
    assert!(err.to_string().contains("1024-byte limit"), "{err}");
}

/// Item 5: a 200 whose body is cut short is sent again (GET), and decodes the second time;
/// a body of the wrong shape is not sent again. (Before: a decode error at once.)
#[tokio::test(start_paused = true)]
async fn a_truncated_200_is_retried_like_a_dropped_connection() {
    #[derive(Deserialize, Debug, PartialEq)]
    struct Page {
        data: Vec<u32>,
    }
    let transport = ScriptedTransport::new();
    transport.push(Reply::status(200).body(r#"{"data":[1,2,"#));
    transport.push(Reply::status(200).body(r#"{"data":[1,2,3]}"#));
    let http = builder(&transport)
        .retry(RetryConfig::default().base_delay(Duration::from_millis(1)))
        .build()
        .unwrap();
    let page: Page = http.get(&["a"]).send_json().await.unwrap();
    assert_eq!(page.data, vec![1, 2, 3]);
    assert_eq!(transport.request_count(), 2);

    // The wrong shape comes back the same: one request, a decode error.
    transport.push(Reply::status(200).body(r#"{"data":"x"}"#));
    let err = http.get(&["b"]).send_json::<Page>().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Decode);
    assert_eq!(transport.request_count(), 3);

    // A POST that got a 200 was applied: never sent again.
    transport.push(Reply::status(200).body(r#"{"data":[1,"#));
    let err = http.post(&["c"]).send_json::<Page>().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Decode);
    assert_eq!(transport.request_count(), 4);
}
