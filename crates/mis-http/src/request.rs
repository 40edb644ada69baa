//! Requests: per-request metadata carried in extensions, and the builder vendor crates use.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, AtomicU32, Ordering};
use std::time::Duration;

use ::url::Url;
use bytes::Bytes;
use http::header::{ACCEPT, CONTENT_TYPE};
use http::{HeaderMap, HeaderName, HeaderValue, Method};
use mis_core::{DecodeDetail, Error, Result};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::client::HttpClient;
use crate::secret::{ExposeSecret, SecretString, sensitive_header_value};
use crate::{Request, Response};

/// The operation name used when a request does not set one.
const UNNAMED: &str = "unnamed";

/// Whether `method` is idempotent by default: GET, HEAD, PUT, DELETE, OPTIONS and TRACE are;
/// POST and PATCH are not (RFC 9110 §9.2.2).
pub fn default_idempotent(method: &Method) -> bool {
    matches!(
        *method,
        Method::GET | Method::HEAD | Method::PUT | Method::DELETE | Method::OPTIONS | Method::TRACE
    )
}

/// What the stack needs to know about a request, carried in its extensions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestMeta {
    operation: &'static str,
    idempotent: bool,
    accept_redirect: bool,
    timeout: Option<Duration>,
}

impl RequestMeta {
    /// Metadata for an `operation` sent with `method`, idempotent per [`default_idempotent`].
    pub fn new(operation: &'static str, method: &Method) -> Self {
        RequestMeta {
            operation,
            idempotent: default_idempotent(method),
            accept_redirect: false,
            timeout: None,
        }
    }

    /// The metadata of `request`, or the defaults for its method when it has none.
    pub fn of(request: &Request) -> Self {
        request
            .extensions()
            .get::<RequestMeta>()
            .copied()
            .unwrap_or_else(|| RequestMeta::new(UNNAMED, request.method()))
    }

    /// The operation name, e.g. `students.list`.
    pub fn operation(&self) -> &'static str {
        self.operation
    }

    /// Whether the request may be sent again after it may have reached the server.
    pub fn is_idempotent(&self) -> bool {
        self.idempotent
    }

    /// Whether a 3xx answer is returned as a response instead of an error.
    pub fn accepts_redirect(&self) -> bool {
        self.accept_redirect
    }

    /// The per-attempt timeout for this request, when it overrides the client's.
    pub fn timeout(&self) -> Option<Duration> {
        self.timeout
    }

    /// Sets the operation name.
    pub fn with_operation(mut self, operation: &'static str) -> Self {
        self.operation = operation;
        self
    }

    /// Overrides idempotency.
    pub fn with_idempotent(mut self, idempotent: bool) -> Self {
        self.idempotent = idempotent;
        self
    }

    /// Makes 3xx answers responses instead of errors (redirects are still not followed).
    pub fn with_accept_redirect(mut self, accept: bool) -> Self {
        self.accept_redirect = accept;
        self
    }

    /// Overrides the per-attempt timeout.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }
}

const PENDING: u8 = 0;
const SENT: u8 = 1;
const NOT_SENT: u8 = 2;

/// How far one attempt got: whether it may have reached the server.
///
/// The retry layer's idempotency gate reads it: a request that is not idempotent may be
/// replayed only if its attempt never reached the server. The stack marks an attempt as sent
/// just before handing it to the transport; a transport that knows it failed before sending
/// (a connect error) calls [`Dispatch::mark_not_sent`]. Custom transports should do the same,
/// or a non-idempotent request that failed to connect is simply not retried.
#[derive(Debug, Clone)]
pub struct Dispatch(Arc<AtomicU8>);

impl Default for Dispatch {
    /// Not yet handed to the transport.
    fn default() -> Self {
        Dispatch(Arc::new(AtomicU8::new(PENDING)))
    }
}

impl Dispatch {
    /// The dispatch state of `request` (a detached one when the request has none).
    pub fn of(request: &Request) -> Dispatch {
        request
            .extensions()
            .get::<Dispatch>()
            .cloned()
            .unwrap_or_default()
    }

    /// Records that the attempt has been handed to the transport.
    pub fn mark_sent(&self) {
        self.0.store(SENT, Ordering::SeqCst);
    }

    /// Records that the transport failed before any byte could reach the server.
    pub fn mark_not_sent(&self) {
        self.0.store(NOT_SENT, Ordering::SeqCst);
    }

    /// Whether the attempt may have reached the server.
    pub fn may_have_reached_server(&self) -> bool {
        self.0.load(Ordering::SeqCst) == SENT
    }
}

/// How many attempts a request has made, shared by every clone of it so the trace layer (outside
/// retry) can report it.
#[derive(Debug, Clone)]
pub(crate) struct Attempts(Arc<AtomicU32>);

impl Attempts {
    pub(crate) fn of(request: &Request) -> Option<Attempts> {
        request.extensions().get::<Attempts>().cloned()
    }

    pub(crate) fn get(&self) -> u32 {
        self.0.load(Ordering::SeqCst)
    }

    pub(crate) fn increment(&self) -> u32 {
        self.0.fetch_add(1, Ordering::SeqCst) + 1
    }
}

/// Adds the extensions the stack relies on, keeping any already there.
pub(crate) fn prepare(request: &mut Request) {
    let meta = RequestMeta::of(request);
    let ext = request.extensions_mut();
    ext.insert(meta);
    if ext.get::<Dispatch>().is_none() {
        ext.insert(Dispatch::default());
    }
    if ext.get::<Attempts>().is_none() {
        ext.insert(Attempts(Arc::new(AtomicU32::new(1))));
    }
}

/// Copies a request, extensions included (the body is `Bytes`, so this is cheap).
pub(crate) fn clone_request(request: &Request) -> Request {
    let mut copy = Request::new(request.body().clone());
    *copy.method_mut() = request.method().clone();
    *copy.uri_mut() = request.uri().clone();
    *copy.version_mut() = request.version();
    *copy.headers_mut() = request.headers().clone();
    *copy.extensions_mut() = request.extensions().clone();
    copy
}

/// A request being put together; finish it with [`send`](RequestBuilder::send) or
/// [`send_json`](RequestBuilder::send_json).
///
/// Mistakes (an invalid path segment, a header value with a newline) are kept and reported by
/// `send`, so calls chain without `?` at every step.
pub struct RequestBuilder {
    client: HttpClient,
    method: Method,
    url: Result<Url>,
    headers: HeaderMap,
    body: Bytes,
    meta: RequestMeta,
    idempotent: Option<bool>,
}

impl RequestBuilder {
    pub(crate) fn new(client: HttpClient, method: Method, url: Result<Url>) -> Self {
        let meta = RequestMeta::new(UNNAMED, &method);
        RequestBuilder {
            client,
            method,
            url,
            headers: HeaderMap::new(),
            body: Bytes::new(),
            meta,
            idempotent: None,
        }
    }

    /// Names the operation (`students.list`) for traces and errors.
    pub fn operation(mut self, operation: &'static str) -> Self {
        self.meta = self.meta.with_operation(operation);
        self
    }

    /// Overrides idempotency: `true` lets a POST be retried after it may have reached the
    /// server (a token request, a search); `false` stops a PUT from being replayed.
    pub fn idempotent(mut self, idempotent: bool) -> Self {
        self.idempotent = Some(idempotent);
        self
    }

    /// Returns a 3xx answer as a response instead of an error (ClassCharts' login answers
    /// 302 with a cookie). Redirects are never followed either way.
    pub fn accept_redirect(mut self) -> Self {
        self.meta = self.meta.with_accept_redirect(true);
        self
    }

    /// Overrides the client's per-attempt timeout for this request.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.meta = self.meta.with_timeout(timeout);
        self
    }

    /// Appends query parameters, form-encoded (`page[number]` becomes `page%5Bnumber%5D`).
    ///
    /// Never put a credential in a query string: URLs end up in logs and proxies.
    pub fn query<K: AsRef<str>, V: AsRef<str>>(mut self, pairs: &[(K, V)]) -> Self {
        if let Ok(url) = &mut self.url {
            let mut query = url.query_pairs_mut();
            for (k, v) in pairs {
                query.append_pair(k.as_ref(), v.as_ref());
            }
        }
        self
    }

    /// Appends one query parameter when `value` is `Some`.
    pub fn query_opt<V: AsRef<str>>(self, key: &str, value: Option<V>) -> Self {
        match value {
            Some(v) => self.query(&[(key, v.as_ref())]),
            None => self,
        }
    }

    /// Sets a header (replacing one of the same name) from text.
    pub fn header(mut self, name: HeaderName, value: &str) -> Self {
        match HeaderValue::from_str(value) {
            Ok(v) => {
                self.headers.insert(name, v);
            }
            Err(_) => {
                self.fail(Error::invalid_input(format!(
                    "the value of header {name} contains characters not allowed in a header"
                )));
            }
        }
        self
    }

    /// Sets a header (replacing one of the same name).
    pub fn header_value(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.headers.insert(name, value);
        self
    }

    /// Sets a header whose value is a secret; it is marked sensitive so it is never logged.
    pub fn sensitive_header(mut self, name: HeaderName, value: &SecretString) -> Self {
        match sensitive_header_value(value.expose_secret()) {
            Ok(v) => {
                self.headers.insert(name, v);
            }
            Err(e) => self.fail(e),
        }
        self
    }

    /// Sets a JSON body and `Content-Type: application/json`.
    pub fn json<T: Serialize + ?Sized>(mut self, body: &T) -> Result<Self> {
        let bytes = serde_json::to_vec(body).map_err(|e| {
            Error::invalid_input(format!("could not encode the request body as JSON: {e}"))
        })?;
        self.body = Bytes::from(bytes);
        self.headers
            .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        Ok(self)
    }

    /// Sets a form body (`application/x-www-form-urlencoded`).
    pub fn form<K: AsRef<str>, V: AsRef<str>>(mut self, pairs: &[(K, V)]) -> Self {
        let mut form = ::url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in pairs {
            form.append_pair(k.as_ref(), v.as_ref());
        }
        self.body = Bytes::from(form.finish());
        self.headers.insert(
            CONTENT_TYPE,
            HeaderValue::from_static("application/x-www-form-urlencoded"),
        );
        self
    }

    /// Sets a raw body with its content type.
    pub fn body(mut self, body: impl Into<Bytes>, content_type: HeaderValue) -> Self {
        self.body = body.into();
        self.headers.insert(CONTENT_TYPE, content_type);
        self
    }

    /// Builds the request without sending it (the client's default headers included).
    ///
    /// An authenticator's `renew` can build a request this way, `apply` the current credential
    /// to it and send it with [`HttpClient::send_request`].
    pub fn build(self) -> Result<Request> {
        let url = self.url?;
        let uri: http::Uri = url.as_str().parse().map_err(|_| {
            Error::invalid_input("the request URL cannot be expressed as an HTTP URI")
        })?;
        let mut request = Request::new(self.body);
        *request.method_mut() = self.method;
        *request.uri_mut() = uri;
        let headers = request.headers_mut();
        for (name, value) in self.client.default_headers() {
            headers.insert(name, value.clone());
        }
        for (name, value) in &self.headers {
            headers.insert(name, value.clone());
        }
        let meta = match self.idempotent {
            Some(i) => self.meta.with_idempotent(i),
            None => self.meta,
        };
        request.extensions_mut().insert(meta);
        prepare(&mut request);
        Ok(request)
    }

    /// Sends the request through the client's stack; any non-2xx status is an error.
    pub async fn send(self) -> Result<Response> {
        let client = self.client.clone();
        let operation = self.meta.operation();
        let request = self.build().map_err(|e| client.annotate(e, operation))?;
        client.send_request(request).await
    }

    /// Sends the request and decodes a JSON body into `T`.
    ///
    /// A body of the wrong shape is a `Decode` error carrying the JSON path of the failing
    /// value and a short, redacted excerpt of the body.
    pub async fn send_json<T: DeserializeOwned>(mut self) -> Result<T> {
        if !self.headers.contains_key(ACCEPT) {
            self.headers
                .insert(ACCEPT, HeaderValue::from_static("application/json"));
        }
        let client = self.client.clone();
        let operation = self.meta.operation();
        let response = self.send().await?;
        decode_json(client.vendor(), operation, response.body())
    }

    fn fail(&mut self, error: Error) {
        if self.url.is_ok() {
            self.url = Err(error);
        }
    }
}

/// Decodes `body` as JSON into `T`, reporting the failing path on error.
pub fn decode_json<T: DeserializeOwned>(vendor: &str, operation: &str, body: &[u8]) -> Result<T> {
    let mut de = serde_json::Deserializer::from_slice(body);
    serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let message = scrub_values(&e.into_inner().to_string());
        Error::decode(vendor, operation, message, DecodeDetail::new(path, body))
    })
}

/// serde's message without the offending value: ``invalid type: integer `20110101`,
/// expected a string`` becomes `expected a string, found an integer` (the value may be a
/// pupil's date of birth or a token; the JSON path already says which field failed).
pub(crate) fn scrub_values(message: &str) -> String {
    mis_core::privacy::describe_serde_message(message)
}

impl fmt::Debug for RequestBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Path only: no query, no header values, no body.
        let path = self.url.as_ref().map(|u| u.path()).unwrap_or("<invalid>");
        f.debug_struct("RequestBuilder")
            .field("vendor", &self.client.vendor())
            .field("method", &self.method)
            .field("path", &path)
            .field("operation", &self.meta.operation())
            .field("headers", &self.headers.keys().collect::<Vec<_>>())
            .field("body_len", &self.body.len())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn idempotency_defaults() {
        for m in [
            Method::GET,
            Method::HEAD,
            Method::PUT,
            Method::DELETE,
            Method::OPTIONS,
        ] {
            assert!(default_idempotent(&m), "{m}");
        }
        for m in [Method::POST, Method::PATCH] {
            assert!(!default_idempotent(&m), "{m}");
        }
    }

    #[test]
    fn decode_errors_name_the_path_and_hide_values() {
        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)]
        struct Token {
            access_token: u64,
        }
        let body = br#"{"access_token":"s3cr3t-tok","expires_in":3600}"#;
        let err = decode_json::<Token>("hubmis", "auth.token", body).unwrap_err();
        assert_eq!(err.kind(), mis_core::ErrorKind::Decode);
        assert_eq!(err.decode_detail().unwrap().path, "access_token");
        let shown = format!("{err} {err:?}");
        assert!(!shown.contains("s3cr3t"), "{shown}");
    }
}
