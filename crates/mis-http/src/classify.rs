//! Classification: turning a response into `Ok(response)` or a typed [`mis_core::Error`].
//!
//! It runs on every response, inside retry and the gate, so those layers decide on typed
//! errors (kind, retryable, wait hint) instead of status codes. A vendor's [`Classifier`] runs
//! first (ClassCharts reports errors as HTTP 200 with `success: 0`); when it has nothing to
//! say, the default status table below decides.

use std::fmt::Debug;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use mis_core::{Error, ErrorKind, Result, redact};
use tower::{Layer, Service};

use crate::clock::Clock;
use crate::hints::{WaitHint, wait_hint};
use crate::meta::RequestMeta;
use crate::{Request, Response};

/// `X-RateLimit-Remaining`, made once (a lookup by `&str` parses the name every time).
pub(crate) const X_RATELIMIT_REMAINING: http::HeaderName =
    http::HeaderName::from_static("x-ratelimit-remaining");

/// How many characters of a body an error message may quote.
const EXCERPT_CHARS: usize = 120;

/// A vendor's own response check, run on every response before the default status table.
pub trait Classifier: Send + Sync + Debug + 'static {
    /// Returns `Some(error)` when the response is an error the default table would miss or
    /// get wrong; `None` lets the default table decide.
    ///
    /// The stack fills in the vendor, operation and status when the error has none, and the
    /// wait hint from the vendor's declared headers for `RateLimited`/`Unavailable`/`Timeout`
    /// errors. A returned `Unauthenticated` triggers the credential refresh.
    fn classify(&self, response: &Response, meta: &RequestMeta) -> Option<Error>;
}

/// What an error body said, for an error message, without pupil data (empty for an empty
/// body).
///
/// The vendor's own message field (`message`, `error`, `error_description`, `detail`,
/// `title`) when the body is a JSON object with one: that is the vendor's text, not a record.
/// Otherwise the body's masked shape ([`mis_core::privacy::body_shape`]): an error body may
/// echo the request, pupil fields included. With `MIS_DEBUG_BODIES=1`, the raw excerpt.
pub fn body_excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    if text.is_empty() {
        return String::new();
    }
    let cut = |t: &str| {
        let mut cut: String = t.chars().take(EXCERPT_CHARS).collect();
        if cut.len() < t.len() {
            cut.push('…');
        }
        redact(&cut)
    };
    if mis_core::privacy::debug_bodies() {
        return cut(text);
    }
    if let Ok(serde_json::Value::Object(map)) = serde_json::from_str(text) {
        for key in ["message", "error", "error_description", "detail", "title"] {
            if let Some(serde_json::Value::String(said)) = map.get(key) {
                return cut(said);
            }
        }
    }
    mis_core::privacy::body_shape(body, EXCERPT_CHARS)
}

/// The classify layer.
#[derive(Clone)]
pub(crate) struct ClassifyLayer {
    pub(crate) config: Arc<ClassifyConfig>,
}

impl<S> Layer<S> for ClassifyLayer {
    type Service = ClassifyService<S>;

    fn layer(&self, inner: S) -> ClassifyService<S> {
        ClassifyService {
            inner,
            config: self.config.clone(),
        }
    }
}

/// See [`ClassifyLayer`].
#[derive(Clone)]
pub(crate) struct ClassifyService<S> {
    inner: S,
    config: Arc<ClassifyConfig>,
}

/// What the classify layer knows about the vendor.
#[derive(Debug)]
pub(crate) struct ClassifyConfig {
    pub(crate) vendor: &'static str,
    pub(crate) retry_500: bool,
    pub(crate) wait_hints: Vec<WaitHint>,
    pub(crate) classifier: Option<Arc<dyn Classifier>>,
    pub(crate) clock: Arc<dyn Clock>,
    /// The wait a 429 without a usable hint asks for (the vendor's documented minimum).
    pub(crate) rate_limited_wait: Duration,
}

impl ClassifyConfig {
    fn classify(&self, response: &Response, meta: &RequestMeta) -> Option<Error> {
        let status = response.status();
        let error = self
            .classifier
            .as_ref()
            .and_then(|c| c.classify(response, meta))
            .or_else(|| self.by_status(response, meta))?;
        let mut error = error;
        if error.vendor().is_none() {
            error = error.with_vendor(self.vendor);
        }
        if error.operation().is_none() {
            error = error.with_operation(meta.operation());
        }
        if error.status().is_none() {
            error = error.with_status(status.as_u16());
        }
        let hinted = matches!(
            error.kind(),
            ErrorKind::RateLimited | ErrorKind::Unavailable | ErrorKind::Timeout
        );
        if hinted && error.retry_after().is_none() {
            if let Some(wait) = wait_hint(response.headers(), &self.wait_hints, self.clock.now()) {
                error = error.with_retry_after(wait);
            }
        }
        if error.kind() == ErrorKind::RateLimited && error.retry_after().is_none_or(|w| w.is_zero())
        {
            // A 429 with no hint (or "0") still means "slow down": close the gate for the
            // vendor's minimum, and never retry sooner.
            error = error.with_retry_after(self.rate_limited_wait);
        }
        Some(error)
    }

    /// The default table.
    fn by_status(&self, response: &Response, meta: &RequestMeta) -> Option<Error> {
        let status = response.status();
        let code = status.as_u16();
        if status.is_success() {
            return None;
        }
        let excerpt = body_excerpt(response.body());
        let said = if excerpt.is_empty() {
            String::new()
        } else {
            format!(": {excerpt}")
        };
        let reason = status.canonical_reason().unwrap_or("");
        let error = match code {
            300..=399 if meta.accepts_redirect() => return None,
            300..=399 => {
                // Redirects are never followed: one could carry credentials to another host, and
                // an API that redirects is usually telling us to log in again (ClassCharts' SSO).
                let target = response
                    .headers()
                    .get(http::header::LOCATION)
                    .and_then(|v| v.to_str().ok())
                    .map(strip_query)
                    .map(|l| format!(" to {}", redact(&l)))
                    .unwrap_or_default();
                Error::new(
                    ErrorKind::Vendor,
                    format!(
                        "the server redirected the request{target}; redirects are not followed"
                    ),
                )
                .with_retryable(false)
            }
            401 => Error::new(
                ErrorKind::Unauthenticated,
                format!("credentials rejected{said}"),
            ),
            403 => Error::new(ErrorKind::PermissionDenied, format!("access denied{said}")),
            404 => Error::new(ErrorKind::NotFound, format!("not found{said}")),
            408 => Error::new(
                ErrorKind::Timeout,
                format!("the server timed out waiting{said}"),
            ),
            429 => Error::new(ErrorKind::RateLimited, format!("too many requests{said}")),
            400 | 422 => Error::new(
                ErrorKind::InvalidInput,
                format!("the vendor rejected the request ({code} {reason}){said}"),
            ),
            500 => Error::new(ErrorKind::Unavailable, format!("server error{said}"))
                // A 500 may be a bug this exact request triggers (retrying repeats it, a few
                // bounded attempts) or a transient fault (retrying recovers it). Replaying an
                // idempotent request cannot change the vendor's data, so it is retried; a
                // write is retried only where the vendor says its 500s are transient (and the
                // retry layer's idempotency gate still refuses to replay it once sent).
                .with_retryable(self.retry_500 || meta.is_idempotent()),
            502..=504 => Error::new(
                ErrorKind::Unavailable,
                format!("the vendor is unavailable ({code} {reason}){said}"),
            ),
            501 | 505..=599 => Error::new(
                ErrorKind::Unavailable,
                format!("server error ({code} {reason}){said}"),
            )
            .with_retryable(false),
            _ => Error::new(
                ErrorKind::Vendor,
                format!("unexpected answer ({code} {reason}){said}"),
            )
            .with_retryable(false),
        };
        Some(error)
    }
}

/// `Location` without query string or fragment, which may carry tokens.
fn strip_query(location: &str) -> String {
    let end = location.find(['?', '#']).unwrap_or(location.len());
    location[..end].to_owned()
}

impl<S> Service<Request> for ClassifyService<S>
where
    S: Service<Request, Response = Response, Error = Error>,
{
    type Response = Response;
    type Error = Error;
    type Future = ClassifyFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<()>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        let meta = RequestMeta::of(&request);
        // No clone of the inner service, no box: its future plus what to classify with.
        ClassifyFuture {
            sent: self.inner.call(request),
            config: self.config.clone(),
            meta,
        }
    }
}

pin_project_lite::pin_project! {
    /// The future of [`ClassifyService`].
    pub(crate) struct ClassifyFuture<F> {
        #[pin]
        sent: F,
        config: Arc<ClassifyConfig>,
        meta: RequestMeta,
    }
}

impl<F: Future<Output = Result<Response>>> Future for ClassifyFuture<F> {
    type Output = Result<Response>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let result = ready!(this.sent.poll(cx));
        Poll::Ready(this.config.finish(result, this.meta))
    }
}

impl ClassifyConfig {
    /// Annotates a transport error, or classifies a response.
    fn finish(&self, result: Result<Response>, meta: &RequestMeta) -> Result<Response> {
        let response = result.map_err(|e| {
            let e = if e.vendor().is_none() {
                e.with_vendor(self.vendor)
            } else {
                e
            };
            if e.operation().is_none() {
                e.with_operation(meta.operation())
            } else {
                e
            }
        })?;
        if let Some(remaining) = response
            .headers()
            .get(&X_RATELIMIT_REMAINING)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
        {
            tracing::Span::current().record("ratelimit_remaining", remaining);
            tracing::trace!(remaining, "vendor rate-limit budget");
        }
        match self.classify(&response, meta) {
            None => Ok(response),
            Some(error) => Err(error),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::SystemClock;
    use bytes::Bytes;
    use http::{Method, StatusCode};

    fn config(retry_500: bool) -> ClassifyConfig {
        ClassifyConfig {
            vendor: "test",
            retry_500,
            wait_hints: vec![WaitHint::RetryAfter],
            classifier: None,
            clock: Arc::new(SystemClock),
            rate_limited_wait: Duration::from_secs(1),
        }
    }

    fn response(code: u16, body: &str) -> Response {
        let mut r = Response::new(Bytes::from(body.to_owned()));
        *r.status_mut() = StatusCode::from_u16(code).unwrap();
        r
    }

    fn kind(code: u16) -> Option<(ErrorKind, bool)> {
        let meta = RequestMeta::new("op", &Method::GET);
        config(false)
            .classify(&response(code, ""), &meta)
            .map(|e| (e.kind(), e.is_retryable()))
    }

    #[test]
    fn default_table() {
        use ErrorKind::*;
        assert_eq!(kind(200), None);
        assert_eq!(kind(204), None);
        assert_eq!(kind(401), Some((Unauthenticated, false)));
        assert_eq!(kind(403), Some((PermissionDenied, false)));
        assert_eq!(kind(404), Some((NotFound, false)));
        assert_eq!(kind(408), Some((Timeout, true)));
        assert_eq!(kind(429), Some((RateLimited, true)));
        assert_eq!(kind(400), Some((InvalidInput, false)));
        assert_eq!(kind(409), Some((Vendor, false)));
        assert_eq!(
            kind(500),
            Some((Unavailable, true)),
            "a GET is safe to retry"
        );
        let post = RequestMeta::new("op", &Method::POST);
        let e = config(false).classify(&response(500, ""), &post).unwrap();
        assert!(
            !e.is_retryable(),
            "a POST is not, unless the vendor says so"
        );
        assert_eq!(kind(502), Some((Unavailable, true)));
        assert_eq!(kind(503), Some((Unavailable, true)));
        assert_eq!(kind(504), Some((Unavailable, true)));
        assert_eq!(kind(501), Some((Unavailable, false)));
        assert_eq!(kind(302), Some((Vendor, false)));
        let meta = RequestMeta::new("op", &Method::GET);
        let e = config(true).classify(&response(500, ""), &meta).unwrap();
        assert!(e.is_retryable());
    }

    #[test]
    fn errors_carry_context_hints_and_redacted_excerpts() {
        let meta = RequestMeta::new("students.list", &Method::GET);
        let mut r = response(503, r#"{"error":"down","token":"s3cr3t-tok"}"#);
        r.headers_mut().insert("retry-after", "7".parse().unwrap());
        let e = config(false).classify(&r, &meta).unwrap();
        assert_eq!(e.vendor(), Some("test"));
        assert_eq!(e.operation(), Some("students.list"));
        assert_eq!(e.status(), Some(503));
        assert_eq!(e.retry_after(), Some(std::time::Duration::from_secs(7)));
        assert!(e.to_string().contains("down"), "{e}");
        assert!(!e.to_string().contains("s3cr3t"), "{e}");
    }

    #[test]
    fn redirects_never_show_the_query() {
        let meta = RequestMeta::new("pupils", &Method::GET);
        let mut r = response(302, "");
        r.headers_mut().insert(
            "location",
            "https://session.tes.com/v1/verify?returnUrl=x&token=s3cr3t"
                .parse()
                .unwrap(),
        );
        let e = config(false).classify(&r, &meta).unwrap();
        assert!(e.to_string().contains("session.tes.com/v1/verify"), "{e}");
        assert!(!e.to_string().contains("s3cr3t"), "{e}");
        let accepting = meta.with_accept_redirect(true);
        assert!(config(false).classify(&r, &accepting).is_none());
    }
}
