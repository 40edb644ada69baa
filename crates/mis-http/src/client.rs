//! The client handle vendor crates hold.

use std::fmt;
use std::sync::Arc;

use std::future::Future;

use futures::TryFutureExt;
use futures::future::{BoxFuture, Either};
use http::{HeaderMap, Method};
use mis_core::{Error, Result};
use serde::de::DeserializeOwned;

use crate::gate::RateGate;
use crate::meta::{Dispatch, Progress, RequestMeta, clone_request, prepare};
use crate::request::{RequestBuilder, decode_error};
use crate::retry::RetryPolicy;
use crate::url::{BaseUrl, Endpoint};
use crate::{Request, Response};

/// The assembled stack, called without cloning a boxed service per request.
pub(crate) type StackFn =
    Arc<dyn Fn(Request) -> BoxFuture<'static, Result<Response>> + Send + Sync>;

/// A configured client for one vendor: cheap to clone (an `Arc` inside), `Send + Sync`.
///
/// Clones share everything: the connection pool, the credential, the rate gate and the retry
/// budget.
#[derive(Clone)]
pub struct HttpClient {
    shared: Arc<Shared>,
}

pub(crate) struct Shared {
    pub(crate) vendor: &'static str,
    /// The base URL and path prefix, prepared for building request URLs and URIs.
    pub(crate) endpoint: Endpoint,
    pub(crate) default_headers: HeaderMap,
    pub(crate) stack: StackFn,
    pub(crate) gate: Arc<RateGate>,
    /// The stack's retry policy (and budget), for the decode retry of `send_request_json`.
    pub(crate) retry: Arc<RetryPolicy>,
    pub(crate) authenticated: bool,
}

impl HttpClient {
    pub(crate) fn from_shared(shared: Shared) -> Self {
        HttpClient {
            shared: Arc::new(shared),
        }
    }

    /// The vendor id.
    pub fn vendor(&self) -> &'static str {
        self.shared.vendor
    }

    /// The base URL.
    pub fn base_url(&self) -> &BaseUrl {
        self.shared.endpoint.base()
    }

    /// The rate gate this client sends through (share it with
    /// [`HttpClientBuilder::rate_gate`](crate::HttpClientBuilder::rate_gate)).
    pub fn rate_gate(&self) -> &Arc<RateGate> {
        &self.shared.gate
    }

    /// Headers added to every request.
    pub fn default_headers(&self) -> &HeaderMap {
        &self.shared.default_headers
    }

    /// `base + prefix + segments`, each segment percent-encoded.
    pub fn url(&self, segments: &[&str]) -> Result<::url::Url> {
        self.shared.endpoint.join(segments)
    }

    /// The `http::Uri` of a request URL (the same as parsing its text, with less parsing).
    pub(crate) fn uri(&self, url: &::url::Url) -> Result<http::Uri> {
        self.shared.endpoint.uri(url)
    }

    /// A request to `base + prefix + segments`.
    pub fn request(&self, method: Method, segments: &[&str]) -> RequestBuilder {
        RequestBuilder::new(self.clone(), method, self.url(segments))
    }

    /// A request to a path from the host's root (`/student/login`) or an absolute URL on the
    /// same origin as the base URL; any other host is refused.
    pub fn request_url(&self, method: Method, target: &str) -> RequestBuilder {
        RequestBuilder::new(
            self.clone(),
            method,
            self.shared.endpoint.base().resolve(target),
        )
    }

    /// A GET to `base + prefix + segments`.
    pub fn get(&self, segments: &[&str]) -> RequestBuilder {
        self.request(Method::GET, segments)
    }

    /// A POST (not idempotent unless marked so).
    pub fn post(&self, segments: &[&str]) -> RequestBuilder {
        self.request(Method::POST, segments)
    }

    /// A PUT.
    pub fn put(&self, segments: &[&str]) -> RequestBuilder {
        self.request(Method::PUT, segments)
    }

    /// A PATCH (not idempotent unless marked so).
    pub fn patch(&self, segments: &[&str]) -> RequestBuilder {
        self.request(Method::PATCH, segments)
    }

    /// A DELETE.
    pub fn delete(&self, segments: &[&str]) -> RequestBuilder {
        self.request(Method::DELETE, segments)
    }

    /// Sends a ready-made request through the stack.
    ///
    /// Requests from [`RequestBuilder::build`] carry their metadata; others get the defaults
    /// (operation `unnamed`, idempotency from the method). A request for another origin than
    /// the base URL is refused with `InvalidInput`, as credentials would go with it.
    ///
    /// The request is checked and handed to the stack when this is called; the returned
    /// future (small, and independent of `self`) drives it.
    pub fn send_request(
        &self,
        mut request: Request,
    ) -> impl Future<Output = Result<Response>> + Send + use<> {
        prepare(&mut request);
        let operation = RequestMeta::of(&request).operation();
        // A request still going to the URL its request builder parsed is checked on that URL
        // (no parse); one whose URI was replaced since, or built elsewhere, on its URI.
        let base = self.shared.endpoint.base();
        if !Progress::built_target_is(&request, |url| base.same_origin(url))
            && !base.same_origin_uri(request.uri())
        {
            return Either::Left(std::future::ready(Err(self.annotate(
                Error::invalid_input(
                    "refusing to send a request to another origin than the base URL",
                ),
                operation,
            ))));
        }
        let vendor = self.vendor();
        Either::Right((self.shared.stack)(request).map_err(move |e| annotate(e, vendor, operation)))
    }

    /// Sends a ready-made request and decodes its JSON body.
    ///
    /// The decode is part of the retry loop: a 2xx body cut short or not JSON at all, on an
    /// idempotent request, is sent again under the same retry rules as a dropped connection
    /// (attempts, retry time and budget shared with the stack's own retries). A body of the
    /// wrong shape is returned as a `Decode` error at once.
    pub async fn send_request_json<T: DeserializeOwned>(&self, mut request: Request) -> Result<T> {
        prepare(&mut request);
        let meta = RequestMeta::of(&request);
        let operation = meta.operation();
        let mut request = request;
        loop {
            let next = meta.is_idempotent().then(|| clone_request(&request));
            let progress = Progress::of(&request).cloned();
            let response = self.send_request(request).await?;
            let body = response.body();
            // The plain typed decode: the path-tracking one runs only on a failure.
            if let Ok(value) = serde_json::from_slice::<T>(body) {
                return Ok(value);
            }
            let (error, broken) = decode_error::<T>(self.vendor(), operation, body);
            let (Some(next), Some(progress), true) = (next, progress, broken) else {
                return Err(error);
            };
            // Retried like a dropped connection: the body never arrived whole.
            let sent = Dispatch::default();
            sent.mark_sent();
            let error = error.with_retryable(true);
            let delay = self
                .shared
                .retry
                .after_failure(&meta, &sent, &progress, error)
                .map_err(|e| e.with_retryable(false))?;
            tracing::debug!("the response body was cut short or not JSON; sending again");
            tokio::time::sleep(delay).await;
            progress.reset_dispatch();
            request = next;
        }
    }

    /// Adds vendor and operation to an error that lacks them.
    pub(crate) fn annotate(&self, error: Error, operation: &'static str) -> Error {
        annotate(error, self.vendor(), operation)
    }
}

/// Adds `vendor` and `operation` to an error that lacks them.
fn annotate(error: Error, vendor: &'static str, operation: &'static str) -> Error {
    let error = if error.vendor().is_none() {
        error.with_vendor(vendor)
    } else {
        error
    };
    if error.operation().is_none() {
        error.with_operation(operation)
    } else {
        error
    }
}

impl fmt::Debug for HttpClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // No header values and no authenticator internals: either may hold a secret.
        f.debug_struct("HttpClient")
            .field("vendor", &self.shared.vendor)
            .field("base_url", self.shared.endpoint.base())
            .field("prefix", &self.shared.endpoint.prefix())
            .field("authenticated", &self.shared.authenticated)
            .field("rate_gate", &self.shared.gate)
            .field(
                "default_headers",
                &self.shared.default_headers.keys().collect::<Vec<_>>(),
            )
            .finish_non_exhaustive()
    }
}
