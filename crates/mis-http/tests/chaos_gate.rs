//! Issue 17 item 8: 24 clients (schools) sharing one rate gate against the HUBmis emulator
//! with the chaos fault plan (20 % 5xx, 10 % 429, 5 % dropped connections, 2 % truncated
//! bodies) and its real per-IP quota (12 requests in any window, scaled). Every read must
//! complete identical to the fault-free read, no request may be sent above the quota, and
//! transient errors must have been retried (counted by a user layer, item 9).
//!
//! It needs issue 17's user layers (item 9) to count attempts, so it does not build on the
//! stack before the issue; what it guards there (retry time spent queueing at the shared
//! gate, item 1) is `load.rs::retry_time_excludes_time_queued_at_the_gate`, which fails on it.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use mis_http::{
    Authenticator, Credential, HttpClient, RateGate, RateLimit, Request, Response, Result,
    RetryConfig, SecretString, bearer_header, header,
};
use mis_sandbox::{EmulatorOptions, FaultPlan, Sandbox, School, Stats};
use tokio::time::Instant;

/// The emulator's windows run 100 times faster: 12 requests per 0.6 s.
const SCALE: f64 = 0.01;
const SCHOOLS: usize = 24;
const PATHS: [&str; 3] = ["students", "houses", "year-groups"];

/// HUBmis's client-credentials flow.
#[derive(Debug)]
struct Hubmis {
    client_id: String,
    secret: String,
}

#[async_trait]
impl Authenticator for Hubmis {
    async fn acquire(&self, http: &HttpClient) -> Result<Credential> {
        #[derive(serde::Deserialize)]
        struct Token {
            access_token: String,
        }
        let token: Token = http
            .post(&["token"])
            .form(&[
                ("grant_type", "client_credentials"),
                ("client_id", self.client_id.as_str()),
                ("client_secret", self.secret.as_str()),
            ])
            .idempotent(true)
            .operation("auth.token")
            .send_json()
            .await?;
        // The emulator's token lives 900 s scaled (9 s); renew well before, as the HUBmis
        // client does, so no token dies while its request queues at the gate.
        Ok(Credential::new(SecretString::from(token.access_token))
            .renew_after(Instant::now() + Duration::from_secs(4))
            .expires_at(Instant::now() + Duration::from_secs(8)))
    }

    fn apply(&self, credential: &Credential, request: &mut Request) -> Result<()> {
        request
            .headers_mut()
            .insert(header::AUTHORIZATION, bearer_header(credential.secret())?);
        Ok(())
    }
}

/// A user layer: when each attempt was sent, and how many failed.
#[derive(Clone, Default)]
struct Attempts {
    sent: Arc<Mutex<Vec<Instant>>>,
    failed: Arc<AtomicUsize>,
}

impl<S> tower::Layer<S> for Attempts {
    type Service = AttemptsService<S>;

    fn layer(&self, inner: S) -> AttemptsService<S> {
        AttemptsService {
            inner,
            attempts: self.clone(),
        }
    }
}

#[derive(Clone)]
struct AttemptsService<S> {
    inner: S,
    attempts: Attempts,
}

impl<S> tower::Service<Request> for AttemptsService<S>
where
    S: tower::Service<Request, Response = Response, Error = mis_http::Error>,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = mis_http::Error;
    type Future = futures::future::BoxFuture<'static, Result<Response>>;

    fn poll_ready(&mut self, cx: &mut std::task::Context<'_>) -> std::task::Poll<Result<()>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        self.attempts.sent.lock().unwrap().push(Instant::now());
        let failed = self.attempts.failed.clone();
        let sent = self.inner.call(request);
        Box::pin(async move {
            let result = sent.await;
            if result.is_err() {
                failed.fetch_add(1, Ordering::SeqCst);
            }
            result
        })
    }
}

async fn emulator(school: Arc<School>, faults: FaultPlan) -> Sandbox {
    Sandbox::start_with(
        &mis_sandbox::emulator::hubmis::EMULATOR,
        school,
        faults,
        EmulatorOptions {
            time_scale: SCALE,
            ..EmulatorOptions::default()
        },
        0,
    )
    .await
    .expect("the HUBmis emulator starts")
}

/// A client for one school, on `gate`.
fn client(sandbox: &Sandbox, gate: Arc<RateGate>, attempts: &Attempts) -> HttpClient {
    let creds = sandbox.credentials();
    HttpClient::builder("hubmis")
        .base_url(&sandbox.base_url())
        .unwrap()
        .prefix("/api/v1")
        .default_header(
            header::HeaderName::from_static("realm"),
            header::HeaderValue::from_str(creds.get("realm").unwrap()).unwrap(),
        )
        .authenticator(Hubmis {
            client_id: creds.get("client_id").unwrap().to_owned(),
            secret: creds.get("client_secret").unwrap().to_owned(),
        })
        .rate_gate(gate)
        // No wait hint is read: a 429 closes the shared gate for HUBmis's documented spacing
        // (one request per 5 s), scaled like the emulator's windows. The emulator's injected
        // 429 asks for 10 ms but can only say so in whole seconds (`X-RateLimit-Retry-After`
        // is a Unix time), so honouring it closed the gate for about a second per 429 in a
        // run at a hundredth of real time; about 24 of them made this test take ~27 s. What
        // is checked is unchanged: the shared gate's spacing (no 13 sends in a window), its
        // closure on a 429, and every read retried to the fault-free answer. The hints
        // themselves are parsed and honoured in `hints.rs`, `tests/retry.rs` and HUBmis's
        // `tests/stack.rs`.
        .wait_hints(&[])
        .rate_limited_wait(Duration::from_secs(5).mul_f64(SCALE))
        .retry(
            RetryConfig::default()
                .max_attempts(12)
                .base_delay(Duration::from_millis(5))
                .max_delay(Duration::from_millis(200))
                .no_budget(),
        )
        .layer(attempts.clone())
        .build()
        .unwrap()
}

/// The three reads of one school.
async fn read(http: &HttpClient) -> Result<Vec<serde_json::Value>> {
    let mut out = Vec::new();
    for path in PATHS {
        out.push(http.get(&[path]).operation("read").send_json().await?);
    }
    Ok(out)
}

/// The spacing of "at most 12 in any window", with the 2 % margin HUBmis's client keeps.
fn gate() -> Arc<RateGate> {
    let window = Duration::from_secs(60).mul_f64(SCALE);
    RateGate::new(RateLimit::per_period((window / 12).mul_f64(1.02), 1))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_four_schools_share_a_gate_through_chaos() {
    let school = Arc::new(School::generate(3, 30));

    // The fault-free read.
    let clean = emulator(school.clone(), FaultPlan::none()).await;
    let expected = read(&client(&clean, gate(), &Attempts::default()))
        .await
        .expect("the fault-free read");

    let chaos = emulator(
        school.clone(),
        FaultPlan {
            // The injected 429's hint: as short as its whole-second header allows.
            retry_after: Duration::from_millis(10),
            ..FaultPlan::chaos(17)
        },
    )
    .await;
    let gate = gate();
    let attempts = Attempts::default();
    let mut tasks = Vec::new();
    for _ in 0..SCHOOLS {
        let http = client(&chaos, gate.clone(), &attempts);
        tasks.push(tokio::spawn(async move { read(&http).await }));
    }
    for (i, task) in tasks.into_iter().enumerate() {
        let got = task.await.unwrap();
        let got = got.unwrap_or_else(|e| panic!("school {i}: {e}"));
        assert!(got == expected, "school {i} read something else");
    }

    // No request above the quota: never 13 sends within one window (at the client; the
    // emulator's own count includes its injected 429s, which are faults, not the quota).
    let window = Duration::from_secs(60).mul_f64(SCALE);
    let mut sent = attempts.sent.lock().unwrap().clone();
    sent.sort();
    for w in sent.windows(13) {
        assert!(
            w[12] - w[0] >= window,
            "13 requests within {:?}",
            w[12] - w[0]
        );
    }
    let stats = chaos.stats();
    let failed = attempts.failed.load(Ordering::SeqCst);
    println!(
        "{} attempts for {} reads; {failed} failed attempts retried; emulator: {} faults, {} 429s",
        sent.len(),
        SCHOOLS * PATHS.len(),
        Stats::get(&stats.faults),
        Stats::get(&stats.throttled),
    );
    // Transient errors were met and retried.
    assert!(failed > 0, "the chaos plan injected nothing");
    // Each school's token and reads, plus every failed attempt's retry (and token renewals).
    assert!(sent.len() >= SCHOOLS * (PATHS.len() + 1) + failed);
}
