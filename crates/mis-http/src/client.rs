//! The client handle vendor crates hold.

use std::fmt;
use std::sync::Arc;

use http::{HeaderMap, Method};
use mis_core::{Error, Result};
use serde::de::DeserializeOwned;
use tower::ServiceExt;

use crate::builder::HttpClientBuilder;
use crate::gate::RateGate;
use crate::request::{RequestBuilder, RequestMeta, decode_json, prepare};
use crate::url::BaseUrl;
use crate::{HttpService, Request, Response};

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
    pub(crate) base: BaseUrl,
    pub(crate) prefix: String,
    pub(crate) default_headers: HeaderMap,
    pub(crate) service: HttpService,
    pub(crate) gate: Arc<RateGate>,
    pub(crate) authenticated: bool,
}

impl HttpClient {
    /// Starts building a client for `vendor` (`hubmis`, `classcharts`, …).
    pub fn builder(vendor: &'static str) -> HttpClientBuilder {
        HttpClientBuilder::new(vendor)
    }

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
        &self.shared.base
    }

    /// The rate gate this client sends through (share it with [`HttpClientBuilder::rate_gate`]).
    pub fn rate_gate(&self) -> &Arc<RateGate> {
        &self.shared.gate
    }

    /// Headers added to every request.
    pub fn default_headers(&self) -> &HeaderMap {
        &self.shared.default_headers
    }

    /// `base + prefix + segments`, each segment percent-encoded.
    pub fn url(&self, segments: &[&str]) -> Result<::url::Url> {
        self.shared.base.join(&self.shared.prefix, segments)
    }

    /// A request to `base + prefix + segments`.
    pub fn request(&self, method: Method, segments: &[&str]) -> RequestBuilder {
        RequestBuilder::new(self.clone(), method, self.url(segments))
    }

    /// A request to a path from the host's root (`/student/login`) or an absolute URL on the
    /// same origin as the base URL; any other host is refused.
    pub fn request_url(&self, method: Method, target: &str) -> RequestBuilder {
        RequestBuilder::new(self.clone(), method, self.shared.base.resolve(target))
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
    pub async fn send_request(&self, mut request: Request) -> Result<Response> {
        prepare(&mut request);
        let operation = RequestMeta::of(&request).operation();
        let same_origin = ::url::Url::parse(&request.uri().to_string())
            .is_ok_and(|url| self.shared.base.same_origin(&url));
        if !same_origin {
            return Err(self.annotate(
                Error::invalid_input(
                    "refusing to send a request to another origin than the base URL",
                ),
                operation,
            ));
        }
        self.shared
            .service
            .clone()
            .oneshot(request)
            .await
            .map_err(|e| self.annotate(e, operation))
    }

    /// Sends a ready-made request and decodes its JSON body.
    pub async fn send_request_json<T: DeserializeOwned>(&self, request: Request) -> Result<T> {
        let operation = RequestMeta::of(&request).operation();
        let response = self.send_request(request).await?;
        decode_json(self.vendor(), operation, response.body())
    }

    /// Adds vendor and operation to an error that lacks them.
    pub(crate) fn annotate(&self, error: Error, operation: &'static str) -> Error {
        let error = if error.vendor().is_none() {
            error.with_vendor(self.vendor())
        } else {
            error
        };
        if error.operation().is_none() {
            error.with_operation(operation)
        } else {
            error
        }
    }
}

impl fmt::Debug for HttpClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // No header values and no authenticator internals: either may hold a secret.
        f.debug_struct("HttpClient")
            .field("vendor", &self.shared.vendor)
            .field("base_url", &self.shared.base)
            .field("prefix", &self.shared.prefix)
            .field("authenticated", &self.shared.authenticated)
            .field("rate_gate", &self.shared.gate)
            .field(
                "default_headers",
                &self.shared.default_headers.keys().collect::<Vec<_>>(),
            )
            .finish_non_exhaustive()
    }
}
