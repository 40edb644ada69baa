//! Running an emulator: bind loopback, inject faults, shut down on drop.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use futures::stream;
use tokio::sync::oneshot;

use super::faults::{Fault, Faults, Stats};

/// Builds the vendor's own 429 response for an injected throttle (its headers and body).
pub type ThrottleResponse = Arc<dyn Fn(Duration) -> Response + Send + Sync>;

/// What every emulator shares: its faults, its counters and its way of saying 429.
#[derive(Clone)]
pub struct Core {
    /// The fault plan and RNG.
    pub faults: Arc<Faults>,
    /// Counters tests read.
    pub stats: Arc<Stats>,
    /// The vendor's 429 response.
    pub throttle: ThrottleResponse,
}

impl std::fmt::Debug for Core {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Core")
            .field("plan", self.faults.plan())
            .field("stats", &self.stats)
            .finish_non_exhaustive()
    }
}

/// Wraps a vendor router with request counting and fault injection.
pub fn with_faults(router: Router, core: Core) -> Router {
    router.layer(middleware::from_fn_with_state(core, inject))
}

async fn inject(State(core): State<Core>, req: Request, next: Next) -> Response {
    core.stats.requests.fetch_add(1, Ordering::SeqCst);
    // The route's template (`/students/{id}`), so a per-student call counts under one key.
    let route = req
        .extensions()
        .get::<axum::extract::MatchedPath>()
        .map(|m| m.as_str().to_owned())
        .unwrap_or_else(|| "(unmatched)".to_owned());
    core.stats.count_route(format!("{} {route}", req.method()));
    let records = core.faults.plan().records;
    if req.method() == axum::http::Method::GET && (records.echo_error || records.cut_body) {
        let served = next.run(req).await;
        return if records.echo_error {
            echo_error(served).await
        } else {
            cut_body(served).await
        };
    }
    let fault = core.faults.draw();
    if fault != Fault::None {
        core.stats.faults.fetch_add(1, Ordering::SeqCst);
    }
    match fault {
        Fault::None => next.run(req).await,
        Fault::TooManyRequests => {
            core.stats.throttled.fetch_add(1, Ordering::SeqCst);
            (core.throttle)(core.faults.plan().retry_after)
        }
        Fault::ServerError(code) => {
            let status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            (status, "injected server error").into_response()
        }
        Fault::Slow => {
            tokio::time::sleep(core.faults.plan().slow_delay).await;
            next.run(req).await
        }
        Fault::Drop => {
            let _applied = next.run(req).await;
            broken_body(StatusCode::OK, Bytes::new(), 1024)
        }
        Fault::Truncate => {
            let resp = next.run(req).await;
            let (parts, body) = resp.into_parts();
            let full = axum::body::to_bytes(body, usize::MAX)
                .await
                .unwrap_or_default();
            let half = full.slice(..full.len() / 2);
            broken_body(parts.status, half, full.len().max(1))
        }
        Fault::Malformed => {
            let _applied = next.run(req).await;
            let mut r = Response::new(Body::from("{\"data\": [{\"id\": 1,, }"));
            r.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
            r
        }
    }
}

/// The handler's answer wrapped in a 422 validation error that echoes it (see
/// `RecordFaults::echo_error`).
async fn echo_error(served: Response) -> Response {
    let body = axum::body::to_bytes(served.into_body(), usize::MAX)
        .await
        .unwrap_or_default();
    let data: serde_json::Value = serde_json::from_slice(&body).unwrap_or(serde_json::Value::Null);
    let echo = serde_json::json!({
        "message": "The given data was invalid.",
        "errors": {"request": ["The request could not be processed."]},
        "data": data,
    });
    (StatusCode::UNPROCESSABLE_ENTITY, axum::Json(echo)).into_response()
}

/// The handler's answer with its body cut in half, sent complete (see
/// `RecordFaults::cut_body`).
async fn cut_body(served: Response) -> Response {
    let (parts, body) = served.into_parts();
    let full = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    // Only list pages (over 1 KiB): the small reference reads before them must succeed, so
    // that the cut lands where the pupils' records are.
    let keep = if full.len() > 1024 {
        full.len() * 9 / 10
    } else {
        full.len()
    };
    let mut r = Response::from_parts(parts, Body::from(full.slice(..keep)));
    r.headers_mut().remove(header::CONTENT_LENGTH);
    r
}

/// A response that promises `declared_len` bytes, sends `sent`, then fails: hyper aborts the
/// connection, and the client sees a broken body, as when a proxy or the network drops it.
fn broken_body(status: StatusCode, sent: Bytes, declared_len: usize) -> Response {
    let chunks = stream::iter([
        Ok(sent),
        Err(std::io::Error::new(
            std::io::ErrorKind::ConnectionReset,
            "injected connection drop",
        )),
    ]);
    let mut r = Response::new(Body::from_stream(chunks));
    *r.status_mut() = status;
    r.headers_mut()
        .insert(header::CONTENT_LENGTH, HeaderValue::from(declared_len));
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}

/// A running emulator on loopback. Dropping it stops the server.
#[derive(Debug)]
pub struct Running {
    addr: SocketAddr,
    shutdown: Option<oneshot::Sender<()>>,
}

impl Running {
    /// `http://127.0.0.1:<port>` (no path: vendor crates add their own prefix).
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// Serves `router` on `127.0.0.1:port` (`0` picks a free port) in a background task.
///
/// The listener is bound before this returns, so the URL is usable at once.
pub async fn serve(router: Router, port: u16) -> std::io::Result<Running> {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    let addr = listener.local_addr()?;
    let (tx, rx) = oneshot::channel::<()>();
    let app = router.into_make_service_with_connect_info::<SocketAddr>();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = rx.await;
            })
            .await;
    });
    Ok(Running {
        addr,
        shutdown: Some(tx),
    })
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicU64;

    use axum::routing::get;

    use super::*;
    use crate::emulator::FaultPlan;

    async fn start(plan: FaultPlan) -> (Running, Arc<AtomicU64>, Arc<Stats>) {
        let handled = Arc::new(AtomicU64::new(0));
        let h = handled.clone();
        let router = Router::new().route(
            "/x",
            get(move || {
                let h = h.clone();
                async move {
                    h.fetch_add(1, Ordering::SeqCst);
                    r#"{"data":[1,2,3,4,5,6,7,8,9,10]}"#
                }
            }),
        );
        let stats = Arc::new(Stats::default());
        let core = Core {
            faults: Arc::new(Faults::new(plan)),
            stats: stats.clone(),
            throttle: Arc::new(|wait| {
                let mut r = (StatusCode::TOO_MANY_REQUESTS, "slow down").into_response();
                r.headers_mut()
                    .insert("retry-after", HeaderValue::from(wait.as_secs()));
                r
            }),
        };
        let running = serve(with_faults(router, core), 0).await.unwrap();
        (running, handled, stats)
    }

    async fn fetch(url: &str) -> Result<(u16, String), reqwest::Error> {
        let r = reqwest::get(url).await?;
        let status = r.status().as_u16();
        Ok((status, r.text().await?))
    }

    #[tokio::test]
    async fn clean_plan_serves() {
        let (s, handled, stats) = start(FaultPlan::none()).await;
        let (status, body) = fetch(&format!("{}/x", s.base_url())).await.unwrap();
        assert_eq!((status, body.len()), (200, 31));
        assert_eq!(handled.load(Ordering::SeqCst), 1);
        assert_eq!(Stats::get(&stats.requests), 1);
        let _ = fetch(&format!("{}/x", s.base_url())).await.unwrap();
        assert_eq!(stats.requests(), 2);
        assert_eq!(
            stats.routes(),
            [("GET /x".to_string(), 2)].into_iter().collect(),
            "counted by route template"
        );
    }

    #[tokio::test]
    async fn each_fault_does_what_it_says() {
        let only = |f: fn(&mut FaultPlan)| {
            let mut p = FaultPlan::none();
            f(&mut p);
            p
        };
        // 429 and 5xx stop the request before the handler.
        let (s, handled, stats) = start(only(|p| p.rate_429 = 1.0)).await;
        let (status, _) = fetch(&format!("{}/x", s.base_url())).await.unwrap();
        assert_eq!((status, handled.load(Ordering::SeqCst)), (429, 0));
        assert_eq!(Stats::get(&stats.throttled), 1);

        let (s, handled, _) = start(only(|p| p.rate_5xx = 1.0)).await;
        let (status, _) = fetch(&format!("{}/x", s.base_url())).await.unwrap();
        assert!(matches!(status, 500 | 502 | 503));
        assert_eq!(handled.load(Ordering::SeqCst), 0);

        // A drop or a truncation happens after the handler: the client gets an error.
        for plan in [only(|p| p.rate_drop = 1.0), only(|p| p.rate_truncate = 1.0)] {
            let (s, handled, _) = start(plan).await;
            assert!(fetch(&format!("{}/x", s.base_url())).await.is_err());
            assert_eq!(handled.load(Ordering::SeqCst), 1);
        }

        // Malformed JSON comes with a 200.
        let (s, _, _) = start(only(|p| p.rate_malformed = 1.0)).await;
        let (status, body) = fetch(&format!("{}/x", s.base_url())).await.unwrap();
        assert_eq!(status, 200);
        assert!(serde_json::from_str::<serde_json::Value>(&body).is_err());

        // Slow responses arrive, late.
        let (s, handled, _) = start(only(|p| {
            p.rate_slow = 1.0;
            p.slow_delay = Duration::from_millis(50);
        }))
        .await;
        let t = std::time::Instant::now();
        fetch(&format!("{}/x", s.base_url())).await.unwrap();
        assert!(t.elapsed() >= Duration::from_millis(50));
        assert_eq!(handled.load(Ordering::SeqCst), 1);
    }
}
