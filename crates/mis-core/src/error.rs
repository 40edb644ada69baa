//! The one error type every provider returns.
//!
//! Callers branch on [`Error::kind`], ask [`Error::is_retryable`] and [`Error::retry_after`]
//! instead of parsing messages. Nothing in an error may carry a secret: constructors take
//! plain text that the vendor crates build from redacted parts, and [`redact`] is offered to
//! scrub vendor text that might echo a credential back.

use std::fmt;
use std::time::Duration;

/// A `Result` whose error is [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What went wrong, in terms a caller can act on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The provider cannot do this at all; `capabilities()` says so in advance.
    Unsupported,
    /// The caller's input was wrong (bad date range, bad URL, bad tenant name…). Not retryable.
    InvalidInput,
    /// Credentials are missing, wrong or expired, and a refresh did not help.
    Unauthenticated,
    /// Credentials are valid but not allowed to do this (incl. a disabled module or an embargo).
    PermissionDenied,
    /// The record or endpoint does not exist.
    NotFound,
    /// The vendor throttled the request (HTTP 429 or equivalent).
    RateLimited,
    /// The request took too long.
    Timeout,
    /// The vendor could not be reached or answered with a server error.
    Unavailable,
    /// The vendor answered, but the body could not be decoded into the expected shape.
    Decode,
    /// The vendor reported an error of its own that fits no other kind.
    Vendor,
}

impl ErrorKind {
    /// A short `snake_case` name, stable for logs and exit codes.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::Unsupported => "unsupported",
            ErrorKind::InvalidInput => "invalid_input",
            ErrorKind::Unauthenticated => "unauthenticated",
            ErrorKind::PermissionDenied => "permission_denied",
            ErrorKind::NotFound => "not_found",
            ErrorKind::RateLimited => "rate_limited",
            ErrorKind::Timeout => "timeout",
            ErrorKind::Unavailable => "unavailable",
            ErrorKind::Decode => "decode",
            ErrorKind::Vendor => "vendor",
        }
    }

    /// Whether an error of this kind is worth retrying by default.
    fn retryable_by_default(self) -> bool {
        matches!(
            self,
            ErrorKind::RateLimited | ErrorKind::Timeout | ErrorKind::Unavailable
        )
    }
}

impl serde::Serialize for ErrorKind {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a decode failed: enough to find the bad field without the whole body, and without
/// any value from it (see [`crate::privacy`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeDetail {
    /// JSON path of the failing value, e.g. `data[3].date_of_birth` (`.` when unknown).
    pub path: String,
    /// What the body looked like: `body shape: {"id": <int>, …}` with every value masked, or,
    /// only when [`crate::privacy::debug_bodies`] is on, `body starts: …` with the first
    /// characters of the body (secrets redacted). Empty when there was no body.
    pub excerpt: String,
}

impl DecodeDetail {
    /// How many characters of a body an excerpt keeps.
    pub const EXCERPT_LEN: usize = 120;

    /// Builds a detail: the body's masked shape, or a raw excerpt in debug-bodies mode.
    pub fn new(path: impl Into<String>, body: &[u8]) -> Self {
        let excerpt = if body.is_empty() {
            String::new()
        } else if crate::privacy::debug_bodies() {
            let text = String::from_utf8_lossy(body);
            let cut: String = text.chars().take(Self::EXCERPT_LEN).collect();
            format!("body starts: {}", redact(&cut))
        } else {
            format!(
                "body shape: {}",
                crate::privacy::body_shape(body, Self::EXCERPT_LEN)
            )
        };
        DecodeDetail {
            path: path.into(),
            excerpt,
        }
    }
}

/// The error returned by every provider and by the HTTP stack.
///
/// Boxed inside so that `Result<T, Error>` stays one pointer wide on the happy path.
#[derive(Debug)]
pub struct Error {
    inner: Box<Inner>,
}

#[derive(Debug)]
struct Inner {
    kind: ErrorKind,
    message: String,
    vendor: Option<String>,
    operation: Option<String>,
    status: Option<u16>,
    vendor_code: Option<String>,
    retry_after: Option<Duration>,
    retryable: bool,
    outcome_unknown: bool,
    decode: Option<Box<DecodeDetail>>,
    source: Option<Box<dyn std::error::Error + Send + Sync + 'static>>,
}

impl Error {
    /// A new error of `kind` with a human-readable message (which must hold no secret).
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error {
            inner: Box::new(Inner {
                kind,
                message: message.into(),
                vendor: None,
                operation: None,
                status: None,
                vendor_code: None,
                retry_after: None,
                retryable: kind.retryable_by_default(),
                outcome_unknown: false,
                decode: None,
                source: None,
            }),
        }
    }

    /// `Unsupported`: `vendor` cannot do `operation`.
    pub fn unsupported(vendor: &str, operation: &str) -> Self {
        Error::new(
            ErrorKind::Unsupported,
            format!("{vendor} does not support {operation}"),
        )
        .with_vendor(vendor)
        .with_operation(operation)
    }

    /// `InvalidInput` with a message naming what was wrong.
    pub fn invalid_input(message: impl Into<String>) -> Self {
        Error::new(ErrorKind::InvalidInput, message)
    }

    /// `Decode`: the body of `operation` did not have the expected shape.
    pub fn decode(
        vendor: &str,
        operation: &str,
        message: impl Into<String>,
        detail: DecodeDetail,
    ) -> Self {
        let mut e = Error::new(ErrorKind::Decode, message)
            .with_vendor(vendor)
            .with_operation(operation);
        e.inner.decode = Some(Box::new(detail));
        e
    }

    /// Sets the vendor id (`classcharts`, `hubmis`, …).
    pub fn with_vendor(mut self, vendor: impl Into<String>) -> Self {
        self.inner.vendor = Some(vendor.into());
        self
    }

    /// Sets the operation (`students.list`, `attendance.sessions`, …).
    pub fn with_operation(mut self, operation: impl Into<String>) -> Self {
        self.inner.operation = Some(operation.into());
        self
    }

    /// Records the HTTP status the vendor answered with.
    pub fn with_status(mut self, status: u16) -> Self {
        self.inner.status = Some(status);
        self
    }

    /// Records the vendor's own error code (e.g. Classe365 `error_code`).
    pub fn with_vendor_code(mut self, code: impl Into<String>) -> Self {
        self.inner.vendor_code = Some(code.into());
        self
    }

    /// Records the server's wait hint: retry no sooner than this.
    pub fn with_retry_after(mut self, wait: Duration) -> Self {
        self.inner.retry_after = Some(wait);
        self
    }

    /// Overrides whether the error is retryable (e.g. a 500 the vendor says is safe to retry).
    pub fn with_retryable(mut self, retryable: bool) -> Self {
        self.inner.retryable = retryable;
        self
    }

    /// Marks a write whose outcome is unknown: the request may or may not have been applied
    /// (a POST that timed out or lost its connection after being sent).
    pub fn with_outcome_unknown(mut self) -> Self {
        self.inner.outcome_unknown = true;
        self
    }

    /// Attaches the underlying cause.
    pub fn with_source(mut self, source: impl std::error::Error + Send + Sync + 'static) -> Self {
        self.inner.source = Some(Box::new(source));
        self
    }

    /// What went wrong.
    pub fn kind(&self) -> ErrorKind {
        self.inner.kind
    }

    /// The message, without vendor and operation.
    pub fn message(&self) -> &str {
        &self.inner.message
    }

    /// The vendor id, when known.
    pub fn vendor(&self) -> Option<&str> {
        self.inner.vendor.as_deref()
    }

    /// The operation, when known.
    pub fn operation(&self) -> Option<&str> {
        self.inner.operation.as_deref()
    }

    /// The HTTP status, when the error came from a response.
    pub fn status(&self) -> Option<u16> {
        self.inner.status
    }

    /// The vendor's own error code, when it sent one.
    pub fn vendor_code(&self) -> Option<&str> {
        self.inner.vendor_code.as_deref()
    }

    /// Whether trying the same request again may succeed.
    pub fn is_retryable(&self) -> bool {
        self.inner.retryable
    }

    /// The server's wait hint, if it sent one: the earliest a retry may be sent.
    pub fn retry_after(&self) -> Option<Duration> {
        self.inner.retry_after
    }

    /// Whether this error may cost only the record, student or part of a read it touched
    /// (reported as a [`Warning`](crate::Warning) while the read goes on) rather than the
    /// whole read.
    ///
    /// Degradable: `NotFound`, `PermissionDenied`, `Decode`, `Vendor` — they are about one
    /// resource. Fatal: credentials, throttling that outlasted the retry policy, timeouts and
    /// outages (the next request would fail the same way), bad input and `Unsupported`.
    pub fn is_degradable(&self) -> bool {
        matches!(
            self.inner.kind,
            ErrorKind::NotFound
                | ErrorKind::PermissionDenied
                | ErrorKind::Decode
                | ErrorKind::Vendor
        )
    }

    /// True when a write may or may not have been applied by the vendor.
    pub fn is_outcome_unknown(&self) -> bool {
        self.inner.outcome_unknown
    }

    /// Where a `Decode` error failed.
    pub fn decode_detail(&self) -> Option<&DecodeDetail> {
        self.inner.decode.as_deref()
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.inner.vendor, &self.inner.operation) {
            (Some(v), Some(op)) => write!(f, "{v} {op}: ")?,
            (Some(v), None) => write!(f, "{v}: ")?,
            (None, Some(op)) => write!(f, "{op}: ")?,
            (None, None) => {}
        }
        f.write_str(&self.inner.message)?;
        if let Some(status) = self.inner.status {
            write!(f, " (HTTP {status})")?;
        }
        if let Some(code) = &self.inner.vendor_code {
            write!(f, " (vendor code {code})")?;
        }
        if let Some(d) = &self.inner.decode {
            write!(f, " at {}", d.path)?;
            if !d.excerpt.is_empty() {
                write!(f, "; {}", d.excerpt)?;
            }
        }
        if self.inner.outcome_unknown {
            f.write_str(" (the write may or may not have been applied)")?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.inner
            .source
            .as_deref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}

/// Words after which a value is treated as a secret by [`redact`].
const SECRET_KEYS: &[&str] = &[
    "session_id",
    "sessionid",
    "access_token",
    "refresh_token",
    "token",
    "auth-token",
    "auth_token",
    "client_secret",
    "password",
    "api_key",
    "apikey",
    "secret",
    "authorization",
];

/// Replaces the value after any secret-looking key (`"token": "…"`, `password=…`,
/// `Authorization: Bearer …`) with `[REDACTED]`.
///
/// Used on vendor text that goes into errors and logs, since a vendor may echo a credential
/// back in an error body. It is a backstop, not a licence to put secrets in messages.
pub fn redact(text: &str) -> String {
    let lower = text.to_ascii_lowercase();
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < bytes.len() {
        let hit = SECRET_KEYS
            .iter()
            .find(|k| lower[i..].starts_with(*k) && boundary_before(bytes, i));
        if let Some(key) = hit {
            let key_end = i + key.len();
            // Skip separators: quotes, spaces, ':' '=' and an auth scheme word.
            let mut j = key_end;
            while j < bytes.len() && matches!(bytes[j], b'"' | b'\'' | b' ' | b':' | b'=') {
                j += 1;
            }
            if j == key_end || j >= bytes.len() {
                out.push_str(&text[i..key_end]);
                i = key_end;
                continue;
            }
            for scheme in ["bearer ", "basic "] {
                if lower[j..].starts_with(scheme) {
                    j += scheme.len();
                }
            }
            let mut k = j;
            while k < bytes.len()
                && !matches!(
                    bytes[k],
                    b'"' | b'\'' | b'&' | b',' | b';' | b' ' | b'}' | b'\n'
                )
            {
                k += 1;
            }
            out.push_str(&text[i..j]);
            if k > j {
                out.push_str("[REDACTED]");
            }
            i = k;
        } else {
            let ch = text[i..].chars().next().unwrap_or('\u{fffd}');
            out.push(ch);
            i += ch.len_utf8().max(1);
        }
    }
    out
}

fn boundary_before(bytes: &[u8], i: usize) -> bool {
    i == 0 || !(bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_decide_retryability() {
        assert!(Error::new(ErrorKind::RateLimited, "x").is_retryable());
        assert!(Error::new(ErrorKind::Unavailable, "x").is_retryable());
        assert!(Error::new(ErrorKind::Timeout, "x").is_retryable());
        assert!(!Error::new(ErrorKind::Unauthenticated, "x").is_retryable());
        assert!(
            !Error::new(ErrorKind::Unavailable, "x")
                .with_retryable(false)
                .is_retryable()
        );
    }

    #[test]
    fn display_names_vendor_operation_and_status() {
        let e = Error::new(ErrorKind::NotFound, "no such student")
            .with_vendor("hubmis")
            .with_operation("students.get")
            .with_status(404);
        assert_eq!(
            e.to_string(),
            "hubmis students.get: no such student (HTTP 404)"
        );
        let e = Error::unsupported("classe365", "timetable");
        assert_eq!(e.kind(), ErrorKind::Unsupported);
        assert_eq!(
            e.to_string(),
            "classe365 timetable: classe365 does not support timetable"
        );
    }

    #[test]
    fn decode_detail_is_cut_and_redacted() {
        let body = format!(
            r#"{{"session_id":"abc123secret","x":"{}"}}"#,
            "y".repeat(500)
        );
        let d = DecodeDetail::new("meta.session_id", body.as_bytes());
        assert!(!d.excerpt.contains("abc123secret"), "{}", d.excerpt);
        assert!(d.excerpt.chars().count() <= DecodeDetail::EXCERPT_LEN + 10);
        let e = Error::decode("classcharts", "login", "expected a string", d);
        assert!(e.to_string().contains("meta.session_id"));
        assert!(!format!("{e:?}").contains("abc123secret"));
    }

    #[test]
    fn redact_covers_common_shapes() {
        for (input, secret) in [
            (r#"{"access_token": "tok-999", "a": 1}"#, "tok-999"),
            ("password=hunter2&user=x", "hunter2"),
            ("Authorization: Bearer eyJabc.def", "eyJabc.def"),
            ("auth-token: s3cr3t", "s3cr3t"),
            ("client_secret='zz top'", "zz"),
        ] {
            let out = redact(input);
            assert!(!out.contains(secret), "{input} -> {out}");
            assert!(out.contains("[REDACTED]"), "{input} -> {out}");
        }
        assert_eq!(redact("no secrets here"), "no secrets here");
        assert_eq!(redact("ünïcødé tokens"), "ünïcødé tokens");
    }
}
