//! Adaptive rate limits (issue 16 item 4): against a server whose allowance is a token
//! bucket reported in `X-RateLimit-Remaining`, an adaptive gate bursts while tokens remain,
//! falls back to the spacing as they drain, and never meets a 429; faster than strict.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use mis_http::testing::{Reply, ScriptedTransport};
use mis_http::{HttpClient, RateLimit, RetryConfig};
use tokio::time::Instant;

/// A bucket of `size` tokens, one back every `refill`: HUBmis's "500 per client, one new
/// request every 5 s" at a small size.
fn bucket_server(size: f64, refill: Duration) -> (ScriptedTransport, Arc<Mutex<u32>>) {
    let refused = Arc::new(Mutex::new(0));
    let seen = refused.clone();
    let state = Mutex::new((size, Instant::now()));
    let transport = ScriptedTransport::with_handler(move |r| {
        let mut s = state.lock().unwrap();
        let earned = (r.at - s.1).as_secs_f64() / refill.as_secs_f64();
        let tokens = (s.0 + earned).min(size);
        if tokens >= 1.0 {
            *s = (tokens - 1.0, r.at);
            Reply::status(200).header(
                "x-ratelimit-remaining",
                &format!("{}", (tokens - 1.0).floor()),
            )
        } else {
            *s = (tokens, r.at);
            *seen.lock().unwrap() += 1;
            Reply::status(429).header("x-ratelimit-remaining", "0")
        }
    });
    (transport, refused)
}

async fn run(limit: RateLimit) -> (Duration, u32, usize) {
    let (transport, refused) = bucket_server(30.0, Duration::from_secs(5));
    let http = HttpClient::builder("hubmis")
        .base_url("https://api.example.com")
        .unwrap()
        .transport(transport.service())
        .rate_limit(limit)
        .retry(RetryConfig::none())
        .build()
        .unwrap();
    let began = Instant::now();
    let mut tasks = Vec::new();
    // 60 requests from 4 concurrent readers: twice the bucket.
    for reader in 0..4 {
        let http = http.clone();
        tasks.push(tokio::spawn(async move {
            for i in 0..15 {
                http.get(&["students", &format!("{reader}-{i}")])
                    .send()
                    .await
                    .unwrap();
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    let refused = *refused.lock().unwrap();
    (began.elapsed(), refused, transport.request_count())
}

#[tokio::test(start_paused = true)]
async fn adaptive_bursts_while_the_server_has_allowance_and_meets_no_429() {
    let strict = RateLimit::per_period(Duration::from_millis(5100), 1);
    let (strict_took, strict_refused, strict_sent) = run(strict).await;
    let (adaptive_took, adaptive_refused, adaptive_sent) = run(strict.adaptive(10)).await;
    assert_eq!((strict_refused, adaptive_refused), (0, 0));
    assert_eq!((strict_sent, adaptive_sent), (60, 60));
    // Strict: 59 spacings of 5.1 s. Adaptive: about 20 at once, then the refill pace.
    assert!(strict_took >= Duration::from_secs(300), "{strict_took:?}");
    assert!(
        adaptive_took < strict_took.mul_f64(0.75),
        "adaptive {adaptive_took:?}, strict {strict_took:?}"
    );
}
