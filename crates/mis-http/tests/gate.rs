//! The rate gate through the whole stack, on paused tokio time.

use std::time::Duration;

use mis_http::testing::{RecordedRequest, Reply, ScriptedTransport};
use mis_http::{ErrorKind, HttpClient, RateGate, RateLimit, RetryConfig};
use tokio::time::Instant;

const MINUTE: Duration = Duration::from_secs(60);

fn builder(transport: &ScriptedTransport) -> mis_http::HttpClientBuilder {
    HttpClient::builder("hubmis")
        .base_url("https://api.hubmis.com")
        .unwrap()
        .prefix("/api/v1")
        .transport(transport.service())
}

/// No 13 sends inside any 60 s window.
fn assert_at_most_12_per_minute(sent: &[RecordedRequest]) {
    let mut at: Vec<Instant> = sent.iter().map(|r| r.at).collect();
    at.sort();
    for window in at.windows(13) {
        let span = window[12] - window[0];
        assert!(span >= MINUTE, "13 requests within {span:?}");
    }
}

#[tokio::test(start_paused = true)]
async fn twelve_per_minute_burst_one_across_clones() {
    let transport = ScriptedTransport::with_handler(|_| Reply::status(200));
    let http = builder(&transport)
        // "At most 12 requests in any 60 s window": one every 5 s, burst 1.
        .rate_limit(RateLimit::per_period(Duration::from_secs(5), 1))
        .build()
        .unwrap();
    let other = http.clone();
    let began = Instant::now();
    let mut tasks = Vec::new();
    for i in 0..13 {
        let client = if i % 2 == 0 {
            http.clone()
        } else {
            other.clone()
        };
        tasks.push(tokio::spawn(async move {
            client.get(&["students"]).send().await.unwrap();
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    let sent = transport.requests();
    assert_eq!(sent.len(), 13);
    assert_at_most_12_per_minute(&sent);
    // And the gate does not wait longer than it must: the 13th goes out at 60 s.
    assert_eq!(began.elapsed(), MINUTE);
}

#[tokio::test(start_paused = true)]
async fn at_most_is_the_same_quota() {
    let transport = ScriptedTransport::with_handler(|_| Reply::status(200));
    let http = builder(&transport)
        .rate_limit(RateLimit::at_most(12, MINUTE))
        .build()
        .unwrap();
    for _ in 0..25 {
        http.get(&["students"]).send().await.unwrap();
    }
    assert_at_most_12_per_minute(&transport.requests());
}

#[tokio::test(start_paused = true)]
async fn separately_built_clients_share_a_gate() {
    // By registry key.
    let transport = ScriptedTransport::with_handler(|_| Reply::status(200));
    let limit = RateLimit::at_most(12, MINUTE);
    let a = builder(&transport)
        .shared_rate_limit("hubmis:test-client-id", limit)
        .build()
        .unwrap();
    let b = builder(&transport)
        .shared_rate_limit("hubmis:test-client-id", limit)
        .build()
        .unwrap();
    for i in 0..14 {
        let client = if i % 2 == 0 { &a } else { &b };
        client.get(&["students"]).send().await.unwrap();
    }
    assert_at_most_12_per_minute(&transport.requests());

    // By handing over the same Arc.
    let transport = ScriptedTransport::with_handler(|_| Reply::status(200));
    let gate = RateGate::new(limit);
    let a = builder(&transport).rate_gate(gate.clone()).build().unwrap();
    let b = builder(&transport).rate_gate(gate).build().unwrap();
    for i in 0..14 {
        let client = if i % 2 == 0 { &a } else { &b };
        client.get(&["students"]).send().await.unwrap();
    }
    assert_at_most_12_per_minute(&transport.requests());
}

#[tokio::test(start_paused = true)]
async fn a_429_closes_the_gate_for_every_clone() {
    let transport = ScriptedTransport::new();
    transport.push(Reply::status(429).header("retry-after", "10"));
    let transport_for_rest = transport.clone();
    let http = builder(&transport)
        .retry(RetryConfig::none())
        .build()
        .unwrap();
    let other = http.clone();

    let err = http.get(&["students"]).send().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::RateLimited);
    let refused_at = transport.requests()[0].at;

    // Other clones, and other requests, are held back until the hint has passed.
    transport_for_rest.push(Reply::status(200));
    transport_for_rest.push(Reply::status(200));
    let (x, y) = tokio::join!(other.get(&["staff"]).send(), http.get(&["houses"]).send());
    x.unwrap();
    y.unwrap();
    let sent = transport.requests();
    assert_eq!(sent.len(), 3);
    for later in &sent[1..] {
        assert!(
            later.at - refused_at >= Duration::from_secs(10),
            "{:?}",
            later.at - refused_at
        );
    }
}

#[tokio::test(start_paused = true)]
async fn a_429_closes_a_gate_shared_with_another_client() {
    let gate = RateGate::new(RateLimit::unlimited());
    let transport = ScriptedTransport::new();
    transport.push(Reply::status(429).header("retry-after", "10"));
    transport.push(Reply::status(200));
    let a = builder(&transport)
        .rate_gate(gate.clone())
        .retry(RetryConfig::none())
        .build()
        .unwrap();
    let b = builder(&transport).rate_gate(gate).build().unwrap();
    a.get(&["x"]).send().await.unwrap_err();
    b.get(&["y"]).send().await.unwrap();
    let sent = transport.requests();
    assert!(sent[1].at - sent[0].at >= Duration::from_secs(10));
}
