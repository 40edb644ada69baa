//! Request metadata shared by every layer, carried in the request's extensions.
//!
//! A leaf module: it depends on nothing else in the crate, so layers, the client and the
//! builder all depend on it and never on each other.

use std::sync::atomic::{AtomicU8, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use ::url::Url;
use http::Method;
use tokio::time::Instant;

use crate::Request;

/// The operation name used when a request does not set one.
pub(crate) const UNNAMED: &str = "unnamed";

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
        // The stack's own extension first: one lookup on the hot path. A request prepared
        // by the stack copied any `RequestMeta` extension it had into it.
        let ext = request.extensions();
        ext.get::<Arc<Progress>>()
            .and_then(|p| p.meta)
            .or_else(|| ext.get::<RequestMeta>().copied())
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
pub struct Dispatch(pub(crate) Arc<Progress>);

impl Default for Dispatch {
    /// Not yet handed to the transport.
    fn default() -> Self {
        Dispatch(Arc::new(Progress::new(None, None)))
    }
}

impl Dispatch {
    /// The dispatch state of `request` (a detached one when the request has none).
    pub fn of(request: &Request) -> Dispatch {
        Progress::of(request)
            .map(|p| Dispatch(p.clone()))
            .unwrap_or_default()
    }

    /// Records that the attempt has been handed to the transport.
    pub fn mark_sent(&self) {
        self.0.dispatch.store(SENT, Ordering::SeqCst);
    }

    /// Records that the transport failed before any byte could reach the server.
    pub fn mark_not_sent(&self) {
        self.0.dispatch.store(NOT_SENT, Ordering::SeqCst);
    }

    /// Whether the attempt may have reached the server.
    pub fn may_have_reached_server(&self) -> bool {
        self.0.dispatch.load(Ordering::SeqCst) == SENT
    }
}

/// The progress of one logical request, shared by every copy of it (retries, the replay
/// after a credential refresh), in one extension so that a copy costs one allocation: the
/// request's metadata, how far the current attempt got ([`Dispatch`]), attempts made, the
/// retry clock, and the URL the builder parsed.
///
/// The retry clock counts only time spent on attempts and back-off: time queued at the rate
/// gate is recorded here and subtracted, so a request that waited two minutes for its turn
/// behind two dozen other schools still has its whole retry time.
#[derive(Debug)]
pub(crate) struct Progress {
    meta: Option<RequestMeta>,
    dispatch: AtomicU8,
    attempts: AtomicU32,
    /// When the retry layer first saw the request (`None` before, or without retry layer).
    started: Mutex<Option<Instant>>,
    /// Nanoseconds spent waiting at the rate gate or for a credential.
    queued_nanos: AtomicU64,
    /// The retry time allowed (attempts and back-off), set by the retry layer.
    limit_nanos: AtomicU64,
    /// The URL the request builder parsed, taken by the transport of the first attempt so it
    /// need not parse the URI again.
    target: Mutex<Option<Url>>,
    /// The URI the request builder made from that URL (see [`Progress::names_built_uri`]).
    built: Option<http::Uri>,
}

impl Progress {
    /// `target`: the URL the request builder checked (same origin as the base URL) and the
    /// URI it made from it, which the request carries.
    pub(crate) fn new(meta: Option<RequestMeta>, target: Option<(Url, http::Uri)>) -> Self {
        let (target, built) = target.unzip();
        Progress {
            meta,
            dispatch: AtomicU8::new(PENDING),
            attempts: AtomicU32::new(1),
            started: Mutex::new(None),
            queued_nanos: AtomicU64::new(0),
            limit_nanos: AtomicU64::new(u64::MAX),
            target: Mutex::new(target),
            built,
        }
    }

    /// Whether `uri` is still the URI the request builder made, checked by identity rather
    /// than by comparing text: the same scheme, and authority and path pointing at the very
    /// bytes the builder's URI holds. This progress keeps those bytes alive, so no other URI
    /// can occupy them (the authority's bytes are the client's, shared by its requests; the
    /// path's are this request's own); a layer that rewrote the URI (even to the same text)
    /// fails the check and the request is checked or parsed again the slow way.
    pub(crate) fn names_built_uri(&self, uri: &http::Uri) -> bool {
        let Some(built) = &self.built else {
            return false;
        };
        let same = |a: Option<&str>, b: Option<&str>| match (a, b) {
            (Some(a), Some(b)) => std::ptr::eq(a.as_ptr(), b.as_ptr()) && a.len() == b.len(),
            (None, None) => true,
            _ => false,
        };
        uri.scheme() == built.scheme()
            && same(
                uri.authority().map(|a| a.as_str()),
                built.authority().map(|a| a.as_str()),
            )
            && same(
                uri.path_and_query().map(|p| p.as_str()),
                built.path_and_query().map(|p| p.as_str()),
            )
    }

    /// Whether `request` still goes to the URL its request builder made, and `check` holds
    /// for that URL. `false` when there is no such URL (not built by a request builder, the
    /// URI rewritten since, or the URL already handed to a transport).
    pub(crate) fn built_target_is(request: &Request, check: impl FnOnce(&Url) -> bool) -> bool {
        let Some(progress) = Progress::of(request) else {
            return false;
        };
        if !progress.names_built_uri(request.uri()) {
            return false;
        }
        progress
            .target
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .as_ref()
            .is_some_and(check)
    }

    /// The progress of `request`, when it went through [`prepare`].
    pub(crate) fn of(request: &Request) -> Option<&Arc<Progress>> {
        request.extensions().get::<Arc<Progress>>()
    }

    /// Marks the attempt of `request` as handed to the transport.
    pub(crate) fn mark_sent(request: &Request) {
        match Progress::of(request) {
            Some(p) => p.dispatch.store(SENT, Ordering::SeqCst),
            None => Dispatch::of(request).mark_sent(),
        }
    }

    /// A new attempt is about to be sent: not sent yet.
    pub(crate) fn reset_dispatch(&self) {
        self.dispatch.store(PENDING, Ordering::SeqCst);
    }

    /// The builder's parsed URL for `request`, once, when it still names the request's URI
    /// (a layer may have rewritten it).
    pub(crate) fn take_target(request: &Request) -> Option<Url> {
        let progress = Progress::of(request)?;
        if !progress.names_built_uri(request.uri()) {
            return None;
        }
        progress
            .target
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
    }

    pub(crate) fn attempts(&self) -> u32 {
        self.attempts.load(Ordering::SeqCst)
    }

    pub(crate) fn next_attempt(&self) -> u32 {
        self.attempts.fetch_add(1, Ordering::SeqCst) + 1
    }

    /// Starts the retry clock with `limit` of retry time; `true` the first time only.
    pub(crate) fn start(&self, limit: Duration) -> bool {
        let mut started = self.started.lock().unwrap_or_else(PoisonError::into_inner);
        if started.is_some() {
            return false;
        }
        *started = Some(Instant::now());
        self.limit_nanos
            .store(saturating_nanos(limit), Ordering::SeqCst);
        true
    }

    /// Adds time spent waiting in a queue (not counted as retry time).
    pub(crate) fn add_queued(&self, waited: Duration) {
        if !waited.is_zero() {
            self.queued_nanos
                .fetch_add(saturating_nanos(waited), Ordering::SeqCst);
        }
    }

    /// Retry time used so far: elapsed since the start, minus time queued.
    pub(crate) fn used(&self) -> Duration {
        let started = *self.started.lock().unwrap_or_else(PoisonError::into_inner);
        let Some(started) = started else {
            return Duration::ZERO;
        };
        started.elapsed().saturating_sub(Duration::from_nanos(
            self.queued_nanos.load(Ordering::SeqCst),
        ))
    }

    /// Retry time left, `None` when no retry layer set a limit.
    pub(crate) fn remaining(&self) -> Option<Duration> {
        let limit = self.limit_nanos.load(Ordering::SeqCst);
        (limit != u64::MAX).then(|| Duration::from_nanos(limit).saturating_sub(self.used()))
    }
}

fn saturating_nanos(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX - 1)
}

/// [`prepare`], then the request's progress and metadata, with one extension lookup when the
/// request is already prepared (the usual case below the client).
pub(crate) fn prepared(request: &mut Request) -> (Arc<Progress>, RequestMeta) {
    if let Some(progress) = Progress::of(request) {
        if let Some(meta) = progress.meta {
            return (progress.clone(), meta);
        }
    }
    prepare(request);
    let meta = RequestMeta::of(request);
    let progress = Progress::of(request)
        .cloned()
        .unwrap_or_else(|| Arc::new(Progress::new(Some(meta), None)));
    (progress, meta)
}

/// Adds the extensions the stack relies on, keeping any already there.
pub(crate) fn prepare(request: &mut Request) {
    if Progress::of(request).is_none() {
        let meta = request.extensions().get::<RequestMeta>().copied();
        request
            .extensions_mut()
            .insert(Arc::new(Progress::new(meta, None)));
    }
}

/// What is needed to send a request again, taken before it is sent. Cheaper than a whole
/// copy when the request carries only the stack's own extension (the usual case): that one
/// `Arc` is kept instead of copying the extension map.
pub(crate) struct Resend {
    method: http::Method,
    uri: http::Uri,
    version: http::Version,
    headers: http::HeaderMap,
    body: bytes::Bytes,
    extensions: Result<Arc<Progress>, http::Extensions>,
}

impl Resend {
    pub(crate) fn of(request: &Request) -> Resend {
        let ext = request.extensions();
        let extensions = match Progress::of(request) {
            Some(progress) if ext.len() == 1 => Ok(progress.clone()),
            _ => Err(ext.clone()),
        };
        Resend {
            method: request.method().clone(),
            uri: request.uri().clone(),
            version: request.version(),
            headers: request.headers().clone(),
            body: request.body().clone(),
            extensions,
        }
    }

    pub(crate) fn into_request(self) -> Request {
        let mut request = Request::new(self.body);
        *request.method_mut() = self.method;
        *request.uri_mut() = self.uri;
        *request.version_mut() = self.version;
        *request.headers_mut() = self.headers;
        match self.extensions {
            Ok(progress) => {
                request.extensions_mut().insert(progress);
            }
            Err(extensions) => *request.extensions_mut() = extensions,
        }
        request
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

#[cfg(test)]
mod tests {
    use super::*;

    fn built(text: &str) -> Request {
        let url = Url::parse(text).unwrap();
        let uri = http::Uri::try_from(url.as_str()).unwrap();
        let mut request = Request::new(bytes::Bytes::new());
        *request.uri_mut() = uri.clone();
        request
            .extensions_mut()
            .insert(Arc::new(Progress::new(None, Some((url, uri)))));
        request
    }

    #[test]
    fn the_builder_url_is_reused_while_it_names_the_uri() {
        let request = built("http://127.0.0.1:8080/api/v1/students?page=1");
        assert!(Progress::built_target_is(&request, |_| true));
        assert!(!Progress::built_target_is(&request, |_| false));
        // A copy for a retry shares the builder's bytes.
        let copy = clone_request(&request);
        assert!(Progress::of(&copy).unwrap().names_built_uri(copy.uri()));
        assert!(Progress::take_target(&request).is_some());
        // Taken once.
        assert!(Progress::take_target(&request).is_none());
        assert!(!Progress::built_target_is(&request, |_| true));
    }

    #[test]
    fn a_rewritten_uri_is_not_the_built_one_even_with_the_same_text() {
        let text = "http://127.0.0.1:8080/api/v1/students?page=1";
        for other in [
            text,
            "http://127.0.0.1:8080/api/v1/staff?page=1",
            "http://evil.example:8080/api/v1/students?page=1",
            "https://127.0.0.1:8080/api/v1/students?page=1",
        ] {
            let mut request = built(text);
            *request.uri_mut() = http::Uri::try_from(other).unwrap();
            assert!(!Progress::built_target_is(&request, |_| true), "{other}");
            assert!(Progress::take_target(&request).is_none(), "{other}");
        }
        // The builder's authority and path under another scheme.
        let mut request = built(text);
        let mut parts = request.uri().clone().into_parts();
        parts.scheme = Some(http::uri::Scheme::HTTPS);
        *request.uri_mut() = http::Uri::from_parts(parts).unwrap();
        assert!(!Progress::built_target_is(&request, |_| true));
        // No builder at all.
        let mut bare = Request::new(bytes::Bytes::new());
        *bare.uri_mut() = http::Uri::from_static("http://127.0.0.1:8080/");
        prepare(&mut bare);
        assert!(!Progress::built_target_is(&bare, |_| true));
    }
}
