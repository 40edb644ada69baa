//! The per-attempt timeout.
//!
//! It sits inside the rate gate, so time spent waiting for a slot (up to a minute at HUBmis's
//! 12 requests per minute) is not counted against the request; and inside retry, so a timeout
//! ends one attempt, not the whole retry loop.
//!
//! Not `tower::timeout::Timeout`: a request may override the client's timeout
//! ([`RequestMeta::timeout`]), which tower's fixed-duration layer cannot express, and its
//! error would be a `BoxError` to convert back. The future is the same `tokio::time::Timeout`
//! tower uses, unboxed.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use mis_core::{Error, ErrorKind, Result};
use tower::{Layer, Service};

use crate::meta::RequestMeta;
use crate::{Request, Response};

/// The timeout layer.
#[derive(Clone, Copy)]
pub(crate) struct TimeoutLayer {
    pub(crate) timeout: Duration,
}

impl<S> Layer<S> for TimeoutLayer {
    type Service = TimeoutService<S>;

    fn layer(&self, inner: S) -> TimeoutService<S> {
        TimeoutService {
            inner,
            timeout: self.timeout,
        }
    }
}

/// See [`TimeoutLayer`].
#[derive(Clone)]
pub(crate) struct TimeoutService<S> {
    inner: S,
    timeout: Duration,
}

impl<S> Service<Request> for TimeoutService<S>
where
    S: Service<Request, Response = Response, Error = Error>,
{
    type Response = Response;
    type Error = Error;
    type Future = TimeoutFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<()>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        let timeout = RequestMeta::of(&request).timeout().unwrap_or(self.timeout);
        TimeoutFuture {
            inner: tokio::time::timeout(timeout, self.inner.call(request)),
            timeout,
        }
    }
}

pin_project_lite::pin_project! {
    /// The future of [`TimeoutService`].
    pub(crate) struct TimeoutFuture<F> {
        #[pin]
        inner: tokio::time::Timeout<F>,
        timeout: Duration,
    }
}

impl<F: Future<Output = Result<Response>>> Future for TimeoutFuture<F> {
    type Output = Result<Response>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        match this.inner.poll(cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(Ok(result)) => Poll::Ready(result),
            Poll::Ready(Err(_)) => Poll::Ready(Err(Error::new(
                ErrorKind::Timeout,
                format!("no response within {} ms", this.timeout.as_millis()),
            ))),
        }
    }
}
