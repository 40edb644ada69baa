//! The request builder vendor crates use, and JSON decoding.

use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use ::url::Url;
use bytes::Bytes;
use futures::future::Either;
use http::header::{ACCEPT, CONTENT_TYPE};
use http::{HeaderMap, HeaderName, HeaderValue, Method};
use mis_core::{DecodeDetail, Error, Result};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::client::HttpClient;
use crate::meta::{Progress, RequestMeta, UNNAMED};
use crate::secret::{ExposeSecret, SecretString, sensitive_header_value};
use crate::{Request, Response};

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
        let uri = self.client.uri(&url)?;
        let mut request = Request::new(self.body);
        *request.method_mut() = self.method;
        *request.uri_mut() = uri.clone();
        let default_headers = self.client.default_headers();
        if default_headers.is_empty() {
            *request.headers_mut() = self.headers;
        } else {
            let headers = request.headers_mut();
            for (name, value) in default_headers {
                headers.insert(name, value.clone());
            }
            for (name, value) in self.headers {
                if let Some(name) = name {
                    headers.insert(name, value);
                }
            }
        }
        let meta = match self.idempotent {
            Some(i) => self.meta.with_idempotent(i),
            None => self.meta,
        };
        // One extension for everything the stack tracks. The URL was parsed once, here; the
        // transport reuses it instead of parsing the URI again.
        request
            .extensions_mut()
            .insert(Arc::new(Progress::new(Some(meta), Some((url, uri)))));
        Ok(request)
    }

    /// Sends the request through the client's stack; any non-2xx status is an error.
    ///
    /// The request is built and handed to the stack when this is called; the returned
    /// future (small, and independent of the builder) drives it.
    pub fn send(self) -> impl Future<Output = Result<Response>> + Send + use<> {
        let client = self.client.clone();
        let operation = self.meta.operation();
        match self.build() {
            Ok(request) => Either::Left(client.send_request(request)),
            Err(e) => Either::Right(std::future::ready(Err(client.annotate(e, operation)))),
        }
    }

    /// Sends the request and decodes a JSON body into `T`.
    ///
    /// A body of the wrong shape is a `Decode` error carrying the JSON path of the failing
    /// value and a short, redacted excerpt of the body. The body is decoded inside the retry
    /// loop: a 200 whose body is cut short or is not JSON at all is retried like a dropped
    /// connection when the request is idempotent (a body of the wrong shape is not: it would
    /// come back the same).
    pub async fn send_json<T: DeserializeOwned>(mut self) -> Result<T> {
        if !self.headers.contains_key(ACCEPT) {
            self.headers
                .insert(ACCEPT, HeaderValue::from_static("application/json"));
        }
        let client = self.client.clone();
        let operation = self.meta.operation();
        let request = self.build().map_err(|e| client.annotate(e, operation))?;
        client.send_request_json(request).await
    }

    fn fail(&mut self, error: Error) {
        if self.url.is_ok() {
            self.url = Err(error);
        }
    }
}

/// Decodes `body` as JSON into `T`, reporting the failing path on error.
///
/// The happy path is a plain typed `serde_json` decode; only a failing body is decoded a
/// second time with `serde_path_to_error` to find the path of the failing value.
pub fn decode_json<T: DeserializeOwned>(vendor: &str, operation: &str, body: &[u8]) -> Result<T> {
    match serde_json::from_slice(body) {
        Ok(value) => Ok(value),
        Err(_) => Err(decode_error::<T>(vendor, operation, body).0),
    }
}

/// The decode error of a body that failed to decode as `T`, and whether it was cut short or
/// not JSON at all (worth another attempt) rather than JSON of the wrong shape.
pub(crate) fn decode_error<T: DeserializeOwned>(
    vendor: &str,
    operation: &str,
    body: &[u8],
) -> (Error, bool) {
    let mut de = serde_json::Deserializer::from_slice(body);
    match serde_path_to_error::deserialize::<_, T>(&mut de) {
        Ok(_) => (
            // Not reached: the plain decode failed on the same bytes.
            Error::decode(
                vendor,
                operation,
                "the body did not decode",
                DecodeDetail::new(".", body),
            ),
            false,
        ),
        Err(e) => {
            let path = e.path().to_string();
            let inner = e.into_inner();
            let broken = matches!(
                inner.classify(),
                serde_json::error::Category::Eof | serde_json::error::Category::Syntax
            );
            let message = scrub_values(&inner.to_string());
            (
                Error::decode(vendor, operation, message, DecodeDetail::new(path, body)),
                broken,
            )
        }
    }
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
    use crate::meta::default_idempotent;

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
