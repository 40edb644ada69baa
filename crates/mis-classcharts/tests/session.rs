//! The session over simulated time: a scripted ClassCharts (mis-http's `ScriptedTransport`)
//! whose sessions die 180 s after they were issued or after 5 idle minutes, driven on tokio's
//! paused clock so minutes pass in microseconds.
//!
//! - 20 busy minutes then 10 idle ones: no error ever reaches the caller;
//! - clones used concurrently share one login and one rotation at a time.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use jiff::civil::date;
use mis_classcharts::{Config, ParentClient, StudentClient};
use mis_http::RateLimit;
use mis_http::testing::{RecordedRequest, Reply, ScriptedTransport};
use serde_json::json;
use tokio::time::Instant;

/// Issued sessions die this long after they were issued: the "180 s" rule.
const LIFETIME: Duration = Duration::from_secs(180);
/// …or after this long without a request (classcharts-api-js issue #17).
const IDLE: Duration = Duration::from_secs(300);

#[derive(Default)]
struct Server {
    sessions: HashMap<String, (Instant, Instant)>,
    issued: usize,
    logins: usize,
    pings: usize,
    data: usize,
    refused: usize,
}

impl Server {
    fn issue(&mut self) -> String {
        self.issued += 1;
        let id = format!("sess-{}", self.issued);
        let now = Instant::now();
        self.sessions.insert(id.clone(), (now, now));
        id
    }

    /// Whether `session` is alive now; using it counts as activity.
    fn alive(&mut self, session: &str) -> bool {
        let now = Instant::now();
        match self.sessions.get_mut(session) {
            Some((issued, used)) if now - *issued < LIFETIME && now - *used < IDLE => {
                *used = now;
                true
            }
            _ => false,
        }
    }
}

fn ok(data: serde_json::Value, meta: serde_json::Value) -> Reply {
    Reply::json(200, &json!({"success": 1, "data": data, "meta": meta}))
}

fn expired() -> Reply {
    Reply::json(
        200,
        &json!({"success": 0, "expired": 1, "error": "You are not logged in. [1]", "meta": []}),
    )
}

/// A ClassCharts with strict sessions, answering both APIs.
fn classcharts(server: Arc<Mutex<Server>>) -> ScriptedTransport {
    ScriptedTransport::with_handler(move |r: &RecordedRequest| {
        let mut s = server.lock().unwrap();
        let path = r.uri.path().to_owned();
        let session = r
            .header("authorization")
            .unwrap_or("")
            .trim_start_matches("Basic ")
            .to_owned();
        if path.ends_with("/login") {
            s.logins += 1;
            let id = s.issue();
            return ok(
                json!({"id": 42, "first_name": "Ada"}),
                json!({"session_id": id}),
            );
        }
        if !s.alive(&session) {
            s.refused += 1;
            return expired();
        }
        if path.ends_with("/ping") {
            s.pings += 1;
            let id = s.issue();
            return ok(json!({"user": {"id": 42}}), json!({"session_id": id}));
        }
        if path.ends_with("/pupils") {
            return ok(json!([{"id": 42, "first_name": "Ada"}]), json!([]));
        }
        s.data += 1;
        ok(json!([]), json!([]))
    })
}

fn student(transport: &ScriptedTransport) -> StudentClient {
    StudentClient::new(
        Config::student("abc123", "2010-01-20")
            .unwrap()
            .update_options(|o| {
                o.with_rate_limit(RateLimit::unlimited())
                    .with_transport(transport.service())
            }),
    )
    .unwrap()
}

#[tokio::test(start_paused = true)]
async fn busy_for_twenty_minutes_then_idle_for_ten_never_fails() {
    let server = Arc::new(Mutex::new(Server::default()));
    let transport = classcharts(server.clone());
    let client = student(&transport);
    let started = Instant::now();
    let mut calls = 0;
    // Busy: a request every 10 s for 20 minutes.
    while started.elapsed() < Duration::from_secs(20 * 60) {
        client
            .get_timetable("42", date(2024, 9, 9))
            .await
            .expect("no error while busy");
        calls += 1;
        tokio::time::sleep(Duration::from_secs(10)).await;
    }
    {
        let s = server.lock().unwrap();
        assert_eq!(calls, 120);
        assert_eq!(s.logins, 1, "the session was kept alive by rotation");
        assert_eq!(s.refused, 0, "no request ever used a dead session");
        // One rotation every 170 s from the login (a JSON login's session is used as it
        // comes): 1200 / 170.
        assert_eq!(s.pings, 7);
    }
    // Idle for 10 minutes: the session is long dead (idle and past 180 s).
    tokio::time::sleep(Duration::from_secs(10 * 60)).await;
    client
        .get_timetable("42", date(2024, 9, 9))
        .await
        .expect("no error after idling");
    let s = server.lock().unwrap();
    // The due rotation was refused, so the client logged in once more, then went on.
    assert_eq!(s.refused, 1);
    assert_eq!(s.logins, 2);
    assert_eq!(s.data, 121);
    // Every ping came less than 180 s after the session it rotated was issued.
    let requests = transport.requests();
    let pings: Vec<Instant> = requests
        .iter()
        .filter(|r| r.uri.path().ends_with("/ping"))
        .map(|r| r.at)
        .collect();
    for pair in pings.windows(2) {
        let gap = pair[1] - pair[0];
        assert!(
            gap < LIFETIME || gap > IDLE,
            "rotation {gap:?} after the previous one"
        );
    }
}

#[tokio::test(start_paused = true)]
async fn concurrent_clones_share_one_login_and_one_rotation() {
    let server = Arc::new(Mutex::new(Server::default()));
    let transport = classcharts(server.clone());
    let client = student(&transport);
    let run_batch = |n: usize| {
        let tasks: Vec<_> = (0..n)
            .map(|_| {
                let c = client.clone();
                tokio::spawn(async move { c.get_classes("42").await })
            })
            .collect();
        async move {
            for t in tasks {
                t.await.unwrap().expect("every concurrent call succeeds");
            }
        }
    };
    run_batch(10).await;
    {
        let s = server.lock().unwrap();
        // One login between them, its session used as it comes (no rotation yet).
        assert_eq!((s.logins, s.pings, s.data), (1, 0, 10));
    }
    // Past the rotation interval, ten clones at once: one rotation between them.
    tokio::time::sleep(Duration::from_secs(171)).await;
    run_batch(10).await;
    {
        let s = server.lock().unwrap();
        assert_eq!((s.logins, s.pings, s.data, s.refused), (1, 1, 20, 0));
    }
    // Past the idle limit, ten clones at once: one refused rotation, one login between them.
    tokio::time::sleep(Duration::from_secs(600)).await;
    run_batch(10).await;
    let s = server.lock().unwrap();
    // (The refused rotation is counted in `refused`, not `pings`.)
    assert_eq!((s.logins, s.pings, s.data), (2, 1, 30));
    assert_eq!(s.refused, 1);
}

#[tokio::test(start_paused = true)]
async fn a_parent_session_rotates_and_recovers_the_same_way() {
    let server = Arc::new(Mutex::new(Server::default()));
    let transport = classcharts(server.clone());
    let parent = ParentClient::new(
        Config::parent("parent@example.com", "pw")
            .unwrap()
            .update_options(|o| {
                o.with_rate_limit(RateLimit::unlimited())
                    .with_transport(transport.service())
            }),
    )
    .unwrap();
    // Busy for 15 minutes (a call every 10 s: one always falls between 170 s and 180 s after
    // the last rotation), then a call every 7 minutes (always past the idle limit).
    for _ in 0..90 {
        parent.get_pupils().await.expect("no error while busy");
        tokio::time::sleep(Duration::from_secs(10)).await;
    }
    assert_eq!(server.lock().unwrap().refused, 0);
    for _ in 0..14 {
        tokio::time::sleep(Duration::from_secs(7 * 60)).await;
        parent.get_pupils().await.expect("no error after idling");
    }
    let s = server.lock().unwrap();
    assert_eq!(s.refused, 14, "each idle gap costs one refused rotation");
    assert_eq!(s.logins, 15, "and one login, never an error");
    // Every request went to the parent API.
    assert!(
        transport
            .requests()
            .iter()
            .all(|r| r.uri.path().starts_with("/apiv2parent/"))
    );
}
