//! The per-attempt timeout.
//!
//! It sits inside the rate gate, so time spent waiting for a slot (up to a minute at HUBmis's
//! 12 requests per minute) is not counted against the request; and inside retry, so a timeout
//! ends one attempt, not the whole retry loop.

use std::task::{Context, Poll};
use std::time::Duration;

use futures::future::BoxFuture;
use mis_core::{Error, ErrorKind, Result};
use tower::{Service, ServiceExt};

use crate::request::RequestMeta;
use crate::{HttpService, Request, Response};

#[derive(Clone)]
pub(crate) struct TimeoutService {
    pub(crate) inner: HttpService,
    pub(crate) timeout: Duration,
}

impl Service<Request> for TimeoutService {
    type Response = Response;
    type Error = Error;
    type Future = BoxFuture<'static, Result<Response>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request) -> Self::Future {
        let inner = self.inner.clone();
        let timeout = RequestMeta::of(&request).timeout().unwrap_or(self.timeout);
        Box::pin(async move {
            match tokio::time::timeout(timeout, inner.oneshot(request)).await {
                Ok(result) => result,
                Err(_) => Err(Error::new(
                    ErrorKind::Timeout,
                    format!("no response within {} ms", timeout.as_millis()),
                )),
            }
        })
    }
}
