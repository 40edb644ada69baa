//! What the stack-overhead benchmark and the `overhead` example share: a loopback server
//! serving one small JSON page, the two clients compared, and percentiles.
//!
//! Both clients send the same request (`GET /api/v1/students?page=1` with an
//! `Authorization: Bearer` header) to the same server and read the whole body:
//!
//! - **bare**: a plain `reqwest::Client`, as a user would write it themselves;
//! - **stack**: [`mis_http::HttpClient`] with everything a vendor crate turns on: trace,
//!   retry ([`RetryConfig::default`], budget included), the rate gate (unlimited quota), a
//!   static bearer [`StaticAuth`], the per-attempt timeout, a vendor [`Classifier`] plus the
//!   default status table, and the reqwest transport.
//!
//! The stack's request also carries its `User-Agent` (a plain reqwest client sends none);
//! [`Bare::with_user_agent`] is a bare client that sends it too, for the example's
//! `same-request` mode.

use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use axum::http::header::CONTENT_TYPE;
use axum::routing::get;
use mis_http::{
    Classifier, Error, ErrorKind, HttpClient, RateLimit, RequestMeta, Response, RetryConfig,
    SecretString, StaticAuth,
};
use tokio::runtime::Runtime;

/// The token both clients send.
const TOKEN: &str = "bench-token-not-a-secret";

/// A small MIS-like page: ten students and a cursor (about 1 KiB).
pub const PAGE: &str = r#"{"data":[
{"id":1001,"forename":"Ada","surname":"Lovelace","form":"7A","upn":"A123456789012"},
{"id":1002,"forename":"Alan","surname":"Turing","form":"7A","upn":"A123456789013"},
{"id":1003,"forename":"Grace","surname":"Hopper","form":"7B","upn":"A123456789014"},
{"id":1004,"forename":"Edsger","surname":"Dijkstra","form":"7B","upn":"A123456789015"},
{"id":1005,"forename":"Barbara","surname":"Liskov","form":"8A","upn":"A123456789016"},
{"id":1006,"forename":"Donald","surname":"Knuth","form":"8A","upn":"A123456789017"},
{"id":1007,"forename":"Frances","surname":"Allen","form":"8B","upn":"A123456789018"},
{"id":1008,"forename":"John","surname":"Backus","form":"8B","upn":"A123456789019"},
{"id":1009,"forename":"Radia","surname":"Perlman","form":"9A","upn":"A123456789020"},
{"id":1010,"forename":"Tony","surname":"Hoare","form":"9A","upn":"A123456789021"}
],"meta":{"page":1,"per_page":10,"next_cursor":"c2"}}"#;

/// The one runtime everything runs on: a current-thread runtime on the measuring thread,
/// serving the loopback server and driving the client in turn.
///
/// One thread makes the figure the CPU cost of a request, client and server, with no
/// hand-offs between threads. With the server on another thread, a request's time on this
/// 2-core VM is dominated by cross-core wake-ups, which flip between about 20 µs and about
/// 90 µs from run to run and hide the stack's cost.
pub fn runtime() -> Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime")
}

/// Starts the loopback server on `rt` (it runs whenever `rt.block_on` waits) and returns the
/// base URL (`http://127.0.0.1:N`).
pub fn start_server(rt: &Runtime) -> String {
    let app = Router::new().route(
        "/api/v1/students",
        get(|| async { ([(CONTENT_TYPE, "application/json")], PAGE) }),
    );
    let listener = rt
        .block_on(tokio::net::TcpListener::bind(SocketAddr::from((
            [127, 0, 0, 1],
            0,
        ))))
        .expect("bind a loopback port");
    let addr = listener.local_addr().expect("the bound address");
    rt.spawn(async move {
        axum::serve(listener, app)
            .await
            .expect("the loopback server");
    });
    format!("http://{addr}")
}

/// The `User-Agent` the stack sends (`HttpClientBuilder`'s default for the vendor `bench`).
#[allow(dead_code)] // used by the example only, not by the criterion benchmark
pub const STACK_USER_AGENT: &str = concat!("mis-clients/", env!("CARGO_PKG_VERSION"), " (bench)");

/// The bare client and the URL it asks for.
pub struct Bare {
    client: reqwest::Client,
    url: String,
}

impl Bare {
    /// A default `reqwest::Client` for `base`.
    pub fn new(base: &str) -> Self {
        Bare {
            client: reqwest::Client::new(),
            url: format!("{base}/api/v1/students?page=1"),
        }
    }

    /// A `reqwest::Client` for `base` that sends [`STACK_USER_AGENT`], so that its request
    /// is the stack's byte for byte. Not the benchmark's baseline (a user's plain client sends
    /// no `User-Agent`): the example's `same-request` mode, which separates what the extra
    /// header costs (client and server) from what the stack's layers cost.
    #[allow(dead_code)] // used by the example only, not by the criterion benchmark
    pub fn with_user_agent(base: &str) -> Self {
        Bare {
            client: reqwest::Client::builder()
                .user_agent(STACK_USER_AGENT)
                .build()
                .expect("a reqwest client"),
            url: format!("{base}/api/v1/students?page=1"),
        }
    }

    /// One GET, body read in full; returns the body length.
    pub async fn get(&self) -> usize {
        let response = self
            .client
            .get(&self.url)
            .bearer_auth(TOKEN)
            .send()
            .await
            .expect("bare GET");
        assert!(
            response.status().is_success(),
            "bare GET: {}",
            response.status()
        );
        response.bytes().await.expect("bare body").len()
    }
}

/// A vendor-style classifier that only looks at the status, so the benchmark exercises the
/// vendor hook without measuring a JSON parse.
#[derive(Debug)]
struct StatusOnly;

impl Classifier for StatusOnly {
    fn classify(&self, response: &Response, _meta: &RequestMeta) -> Option<Error> {
        (response.status().as_u16() == 299)
            .then(|| Error::new(ErrorKind::Vendor, "bench: unexpected 299"))
    }
}

/// The mis-http client.
pub struct Stack {
    client: HttpClient,
}

impl Stack {
    /// The full stack for `base`, as a vendor crate builds it.
    pub fn new(base: &str) -> Self {
        let client = HttpClient::builder("bench")
            .base_url(base)
            .expect("a loopback base URL")
            .prefix("/api/v1")
            .authenticator(StaticAuth::bearer(&SecretString::from(TOKEN)).expect("a bearer"))
            .rate_limit(RateLimit::unlimited())
            .retry(RetryConfig::default())
            .timeout(Duration::from_secs(30))
            .classifier(StatusOnly)
            .build()
            .expect("the stack");
        Stack { client }
    }

    /// The same GET through the stack; returns the body length.
    pub async fn get(&self) -> usize {
        let response = self
            .client
            .get(&["students"])
            .query(&[("page", "1")])
            .operation("students.list")
            .send()
            .await
            .expect("stack GET");
        response.body().len()
    }
}

/// The `p`-th percentile (0.0 to 1.0, nearest rank) of `samples`, which it sorts.
pub fn percentile(samples: &mut [Duration], p: f64) -> Duration {
    if samples.is_empty() {
        return Duration::ZERO;
    }
    samples.sort_unstable();
    let rank = (p * samples.len() as f64).ceil() as usize;
    samples[rank.clamp(1, samples.len()) - 1]
}

/// Microseconds, for printing.
pub fn micros(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}
