//! The outermost layer: one `tracing` span per logical request.
//!
//! The span records vendor, operation, method and the URL *path* (never the query string,
//! header values or bodies, any of which may carry a secret or personal data), and after the
//! request the number of attempts and the final status. Expected failures (404, 429, 401, a
//! vendor being down) are logged at debug or warn, not error: the caller gets the error and
//! decides how bad it is.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};

use futures::future::Either;
use mis_core::{Error, ErrorKind, Result};
use tokio::time::Instant;
use tower::{Layer, Service};
use tracing::Instrument;
use tracing::field::Empty;
use tracing::instrument::Instrumented;

use crate::meta::{Progress, prepared};
use crate::{Request, Response};

/// The trace layer.
#[derive(Clone, Copy)]
pub(crate) struct TraceLayer {
    pub(crate) vendor: &'static str,
}

impl<S> Layer<S> for TraceLayer {
    type Service = TraceService<S>;

    fn layer(&self, inner: S) -> TraceService<S> {
        TraceService {
            inner,
            vendor: self.vendor,
        }
    }
}

/// See [`TraceLayer`].
#[derive(Clone)]
pub(crate) struct TraceService<S> {
    inner: S,
    vendor: &'static str,
}

impl<S> Service<Request> for TraceService<S>
where
    S: Service<Request, Response = Response, Error = Error>,
{
    type Response = Response;
    type Error = Error;
    type Future = Either<Instrumented<TraceFuture<S::Future>>, TraceFuture<S::Future>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<()>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request) -> Self::Future {
        let (progress, meta) = prepared(&mut request);
        let progress = Some(progress);
        let span = tracing::info_span!(
            "mis_http.request",
            vendor = self.vendor,
            operation = meta.operation(),
            method = %request.method(),
            path = request.uri().path(),
            attempts = Empty,
            status = Empty,
            ratelimit_remaining = Empty,
        );
        // Only the log lines use it: no clock read when nothing listens.
        let started = tracing::enabled!(tracing::Level::WARN).then(Instant::now);
        if span.is_disabled() {
            // No subscriber wants the span: entering it on every poll would do nothing but
            // cost, so the future runs bare.
            return Either::Right(TraceFuture {
                sent: self.inner.call(request),
                progress,
                started,
            });
        }
        // No clone of the inner service and no box: its future is all this layer needs.
        let sent = span.in_scope(|| self.inner.call(request));
        Either::Left(
            TraceFuture {
                sent,
                progress,
                started,
            }
            .instrument(span),
        )
    }
}

pin_project_lite::pin_project! {
    /// The future of [`TraceService`] (inside its span).
    pub(crate) struct TraceFuture<F> {
        #[pin]
        sent: F,
        progress: Option<Arc<Progress>>,
        started: Option<Instant>,
    }
}

impl<F: Future<Output = Result<Response>>> Future for TraceFuture<F> {
    type Output = Result<Response>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let result = ready!(this.sent.poll(cx));
        let span = tracing::Span::current();
        if !span.is_disabled() {
            let attempts = this.progress.as_ref().map_or(1, |p| p.attempts());
            span.record("attempts", attempts);
        }
        let elapsed_ms = this.started.map_or(0, |s| s.elapsed().as_millis() as u64);
        match &result {
            Ok(response) => {
                span.record("status", response.status().as_u16());
                tracing::debug!(elapsed_ms, "request succeeded");
            }
            Err(error) => {
                if let Some(status) = error.status() {
                    span.record("status", status);
                }
                log_failure(error, elapsed_ms);
            }
        }
        Poll::Ready(result)
    }
}

fn log_failure(error: &Error, elapsed_ms: u64) {
    let kind = error.kind().as_str();
    match error.kind() {
        // Routine answers: the caller asked for something that is not there.
        ErrorKind::NotFound => tracing::debug!(kind, elapsed_ms, %error, "request failed"),
        // Unexpected: our model of the vendor (or the stack) is wrong.
        ErrorKind::Decode | ErrorKind::Unsupported => {
            tracing::error!(kind, elapsed_ms, %error, "request failed")
        }
        _ => tracing::warn!(kind, elapsed_ms, %error, "request failed"),
    }
}
