//! A user-supplied tower layer in the mis-http stack: counts every attempt (retries and token
//! requests included) and its outcome, as a metrics layer would.
//!
//! `cargo run -p mis-http --example metrics_layer`: starts a loopback server that fails
//! every other request with a 503, sends five GETs through a client with the layer, and
//! prints what the layer saw.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::Router;
use axum::http::StatusCode;
use axum::routing::get;
use mis_http::{HttpClient, Request, Response, Result, RetryConfig};

/// Counts attempts and failed attempts.
#[derive(Clone, Default)]
struct Metrics {
    attempts: Arc<AtomicUsize>,
    failed: Arc<AtomicUsize>,
}

impl<S> tower::Layer<S> for Metrics {
    type Service = MetricsService<S>;

    fn layer(&self, inner: S) -> MetricsService<S> {
        MetricsService {
            inner,
            metrics: self.clone(),
        }
    }
}

#[derive(Clone)]
struct MetricsService<S> {
    inner: S,
    metrics: Metrics,
}

impl<S> tower::Service<Request> for MetricsService<S>
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
        self.metrics.attempts.fetch_add(1, Ordering::Relaxed);
        let failed = self.metrics.failed.clone();
        let sent = self.inner.call(request);
        Box::pin(async move {
            let result = sent.await;
            if let Err(e) = &result {
                failed.fetch_add(1, Ordering::Relaxed);
                println!("attempt failed: {}", e.kind());
            }
            result
        })
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<()> {
    let calls = Arc::new(AtomicUsize::new(0));
    let app = Router::new().route(
        "/students",
        get(move || {
            let n = calls.fetch_add(1, Ordering::Relaxed);
            async move {
                if n % 2 == 0 {
                    StatusCode::SERVICE_UNAVAILABLE
                } else {
                    StatusCode::OK
                }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .expect("a loopback port");
    let addr = listener.local_addr().expect("the bound address");
    tokio::spawn(async move { axum::serve(listener, app).await });

    let metrics = Metrics::default();
    let http = HttpClient::builder("demo")
        .base_url(&format!("http://{addr}"))?
        .retry(RetryConfig::default().base_delay(Duration::from_millis(10)))
        .layer(metrics.clone())
        .build()?;
    for _ in 0..5 {
        http.get(&["students"]).send().await?;
    }
    println!(
        "5 requests: {} attempts, {} failed attempts retried",
        metrics.attempts.load(Ordering::Relaxed),
        metrics.failed.load(Ordering::Relaxed)
    );
    Ok(())
}
