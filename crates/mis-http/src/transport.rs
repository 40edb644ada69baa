//! The bottom of the stack: reqwest, behind an adapter from `http::Request<Bytes>`.
//!
//! reqwest only implements `Service<reqwest::Request>`, so this adapter converts, sends with
//! redirects disabled, buffers the body and maps reqwest's errors to `mis_core::Error` with
//! the URL stripped (`without_url`), so a URL can never carry a token into an error or a log.

use std::task::{Context, Poll};
use std::time::Duration;

use futures::future::BoxFuture;
use mis_core::{Error, ErrorKind, Result};
use tower::{Service, ServiceExt};

use crate::request::{Attempts, Dispatch, RequestMeta};
use crate::{HttpService, Request, Response};

/// Marks each attempt as sent just before it reaches the transport.
///
/// From here on any failure may have happened after the server got the request, which is
/// what the retry layer's idempotency gate needs to know. The transport downgrades this with
/// [`Dispatch::mark_not_sent`] when it knows better (a connect error).
#[derive(Clone)]
pub(crate) struct DispatchService {
    pub(crate) inner: HttpService,
}

impl Service<Request> for DispatchService {
    type Response = Response;
    type Error = Error;
    type Future = BoxFuture<'static, Result<Response>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request) -> Self::Future {
        Dispatch::of(&request).mark_sent();
        if let Some(attempts) = Attempts::of(&request) {
            tracing::trace!(attempt = attempts.get(), "sending");
        }
        let inner = self.inner.clone();
        Box::pin(inner.oneshot(request))
    }
}

/// The reqwest transport.
#[derive(Clone)]
pub(crate) struct ReqwestTransport {
    client: reqwest::Client,
}

impl ReqwestTransport {
    pub(crate) fn new(user_agent: &str, connect_timeout: Duration) -> Result<Self> {
        let client = reqwest::Client::builder()
            // Never follow redirects: a redirect could carry credentials to another host, and
            // the classifier must see ClassCharts' 302s.
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(connect_timeout)
            .user_agent(user_agent)
            .build()
            .map_err(|e| {
                Error::new(ErrorKind::InvalidInput, "could not build the HTTP client")
                    .with_retryable(false)
                    .with_source(e.without_url())
            })?;
        Ok(ReqwestTransport { client })
    }
}

impl Service<Request> for ReqwestTransport {
    type Response = Response;
    type Error = Error;
    type Future = BoxFuture<'static, Result<Response>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request) -> Self::Future {
        let client = self.client.clone();
        let dispatch = Dispatch::of(&request);
        let meta = RequestMeta::of(&request);
        Box::pin(async move {
            let request = reqwest::Request::try_from(request).map_err(|e| {
                dispatch.mark_not_sent();
                Error::new(ErrorKind::InvalidInput, "could not build the request")
                    .with_retryable(false)
                    .with_source(e.without_url())
            })?;
            let response = client
                .execute(request)
                .await
                .map_err(|e| send_error(e, &dispatch))?;
            let status = response.status();
            let version = response.version();
            let headers = response.headers().clone();
            let body = response.bytes().await.map_err(body_error)?;
            let mut out = Response::new(body);
            *out.status_mut() = status;
            *out.version_mut() = version;
            *out.headers_mut() = headers;
            tracing::trace!(
                operation = meta.operation(),
                status = status.as_u16(),
                "received"
            );
            Ok(out)
        })
    }
}

fn send_error(error: reqwest::Error, dispatch: &Dispatch) -> Error {
    let error = error.without_url();
    if error.is_connect() {
        // Nothing reached the server: safe to retry even a POST.
        dispatch.mark_not_sent();
        Error::new(ErrorKind::Unavailable, "could not connect to the vendor").with_source(error)
    } else if error.is_timeout() {
        Error::new(ErrorKind::Timeout, "the request timed out").with_source(error)
    } else {
        Error::new(
            ErrorKind::Unavailable,
            "the connection failed while sending the request",
        )
        .with_source(error)
    }
}

fn body_error(error: reqwest::Error) -> Error {
    let error = error.without_url();
    if error.is_timeout() {
        Error::new(ErrorKind::Timeout, "timed out reading the response").with_source(error)
    } else {
        Error::new(
            ErrorKind::Unavailable,
            "the response was cut short (connection reset or truncated body)",
        )
        .with_source(error)
    }
}
