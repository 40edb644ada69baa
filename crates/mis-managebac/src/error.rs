//! ManageBac's status table and error bodies → [`mis_core::Error`], as a mis-http
//! [`Classifier`].
//!
//! From the ManageBac+ Public API spec and Faria's throttling article \[C\]:
//!
//! | status | body | here |
//! |---|---|---|
//! | 400 | `{"error": "Invalid payload data structure."}`, `{"error": "Invalid modified_since parameter: …"}` | `InvalidInput` |
//! | 401 | `{"error": "Access Denied"}` — token missing, invalid or disabled | `Unauthenticated` (replayed once, see [`auth`](crate::auth)) |
//! | 403 | not documented; a token without the endpoint's permission | `PermissionDenied` |
//! | 404 | `{"error": "Couldn't find IbClass with 'id'=1001"}` (+ `reason`) | `NotFound` |
//! | 422 | `{"errors": {"email": ["can't be blank"]}}` or `{"error": "found unpermitted parameters: :language", "allowed_params": [...]}` | `InvalidInput`, the field errors in the message |
//! | 429 | `X-RateLimit-Limit`, `X-RateLimit-Period`, `X-RateLimit-Reset: 2021-10-28 01:29:40 UTC`; no `Retry-After` | `RateLimited`, retryable; the stack reads the reset time as the wait |
//! | 5xx | — | `Unavailable` (502/503/504 retryable; 500 only for idempotent requests: the vendor does not say a write's 500 is safe) |
//!
//! The parsed body is the error's [`source`](std::error::Error::source), a [`VendorError`]
//! ([`vendor_error`] gets it back). All vendor text is redacted: a server may echo a
//! credential.

use std::collections::BTreeMap;
use std::fmt;

use mis_core::{Error, ErrorKind, redact};
use mis_http::{Classifier, RequestMeta, Response, body_excerpt};
use serde::Deserialize;

/// How many characters of the vendor's message an error keeps.
const MAX_MESSAGE_CHARS: usize = 300;
/// How many field errors an error's text lists (all are kept in [`VendorError`]).
const MAX_LISTED_FIELDS: usize = 6;

/// The vendor's own account of an error, all text redacted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VendorError {
    /// The HTTP status.
    pub status: u16,
    /// `error` (or a body excerpt when the body is not the vendor's JSON).
    pub message: String,
    /// `reason`, sent by some relationship endpoints with a 404.
    pub reason: Option<String>,
    /// `errors`: field → messages (422).
    pub field_errors: BTreeMap<String, Vec<String>>,
    /// `allowed_params` (422 for unpermitted parameters).
    pub allowed_params: Vec<String>,
    /// `X-RateLimit-Limit` (429).
    pub rate_limit: Option<String>,
    /// `X-RateLimit-Period`, seconds (429).
    pub rate_period: Option<String>,
    /// `X-RateLimit-Reset` (429).
    pub rate_reset: Option<String>,
}

impl VendorError {
    /// `email: can't be blank; date: is invalid` (at most a few fields).
    pub fn describe_fields(&self) -> String {
        let mut parts: Vec<String> = self
            .field_errors
            .iter()
            .take(MAX_LISTED_FIELDS)
            .map(|(field, messages)| {
                if messages.is_empty() {
                    format!("{field}: invalid")
                } else {
                    format!("{field}: {}", messages.join(", "))
                }
            })
            .collect();
        if self.field_errors.len() > MAX_LISTED_FIELDS {
            parts.push(format!(
                "and {} more",
                self.field_errors.len() - MAX_LISTED_FIELDS
            ));
        }
        parts.join("; ")
    }
}

impl fmt::Display for VendorError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        if !self.field_errors.is_empty() {
            write!(f, " [{}]", self.describe_fields())?;
        }
        Ok(())
    }
}

impl std::error::Error for VendorError {}

/// The vendor's details behind `error`, if it came from a ManageBac error response.
pub fn vendor_error(error: &Error) -> Option<&VendorError> {
    std::error::Error::source(error)?.downcast_ref::<VendorError>()
}

#[derive(Deserialize)]
struct Body {
    #[serde(default)]
    error: Option<serde_json::Value>,
    #[serde(default)]
    errors: Option<serde_json::Value>,
    #[serde(default)]
    reason: Option<serde_json::Value>,
    #[serde(default)]
    allowed_params: Option<Vec<serde_json::Value>>,
    #[serde(default)]
    message: Option<String>,
}

fn text(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn cut(text: &str, max: usize) -> String {
    let mut out: String = text.chars().take(max).collect();
    if out.len() < text.len() {
        out.push('…');
    }
    out
}

/// Reads an error response: `error`, `errors` (a field map, or a list of messages),
/// `reason`, `allowed_params`, and the rate-limit headers.
pub fn parse_error(status: u16, headers: &mis_http::HeaderMap, body: &[u8]) -> VendorError {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(|v| redact(v.trim()))
    };
    let mut out = VendorError {
        status,
        rate_limit: header("x-ratelimit-limit"),
        rate_period: header("x-ratelimit-period"),
        rate_reset: header("x-ratelimit-reset"),
        ..VendorError::default()
    };
    match serde_json::from_slice::<Body>(body) {
        Ok(b) if b.error.is_some() || b.errors.is_some() || b.message.is_some() => {
            out.message = b
                .error
                .as_ref()
                .map(text)
                .or(b.message)
                .map(|m| cut(&redact(&m), MAX_MESSAGE_CHARS))
                .unwrap_or_default();
            out.reason = b
                .reason
                .as_ref()
                .map(|r| cut(&redact(&text(r)), MAX_MESSAGE_CHARS));
            out.allowed_params = b
                .allowed_params
                .unwrap_or_default()
                .iter()
                .map(|p| redact(&text(p)))
                .collect();
            match b.errors {
                Some(serde_json::Value::Object(fields)) => {
                    for (field, messages) in fields {
                        let list = match messages {
                            serde_json::Value::Array(items) => items.iter().map(text).collect(),
                            serde_json::Value::Null => Vec::new(),
                            other => vec![text(&other)],
                        };
                        out.field_errors.insert(
                            redact(&field),
                            list.iter()
                                .map(|m| cut(&redact(m), MAX_MESSAGE_CHARS))
                                .collect(),
                        );
                    }
                }
                Some(serde_json::Value::Array(items)) => {
                    let all: Vec<String> = items.iter().map(|m| redact(&text(m))).collect();
                    if out.message.is_empty() {
                        out.message = cut(&all.join("; "), MAX_MESSAGE_CHARS);
                    } else {
                        out.field_errors.insert("base".into(), all);
                    }
                }
                Some(serde_json::Value::String(s)) if out.message.is_empty() => {
                    out.message = cut(&redact(&s), MAX_MESSAGE_CHARS);
                }
                _ => {}
            }
        }
        // Not the vendor's JSON (a proxy's HTML page, Rack::Attack's plain text).
        _ => out.message = body_excerpt(body),
    }
    out
}

/// Builds the typed error for a non-2xx ManageBac response.
pub fn error_for(status: u16, headers: &mis_http::HeaderMap, body: &[u8]) -> Error {
    let details = parse_error(status, headers, body);
    let said = if details.message.is_empty() {
        String::new()
    } else {
        format!(": {}", details.message)
    };
    let fields = if details.field_errors.is_empty() {
        String::new()
    } else {
        format!(" [{}]", details.describe_fields())
    };
    let allowed = if details.allowed_params.is_empty() {
        String::new()
    } else {
        format!(" (allowed: {})", details.allowed_params.join(", "))
    };
    let reason = details
        .reason
        .as_ref()
        .map(|r| format!(" ({r})"))
        .unwrap_or_default();
    let error = match status {
        400 => Error::new(
            ErrorKind::InvalidInput,
            format!("ManageBac rejected the request{said}{fields}"),
        ),
        401 => Error::new(
            ErrorKind::Unauthenticated,
            format!(
                "ManageBac refused the API token (missing, invalid or disabled in the API \
                 Manager, or not valid on this regional host){said}"
            ),
        ),
        403 => Error::new(
            ErrorKind::PermissionDenied,
            format!("the API token lacks the permission for this endpoint{said}"),
        ),
        404 => Error::new(ErrorKind::NotFound, format!("not found{said}{reason}")),
        408 => Error::new(ErrorKind::Timeout, format!("the server timed out{said}")),
        422 => Error::new(
            ErrorKind::InvalidInput,
            format!("ManageBac could not process the request{said}{fields}{allowed}"),
        ),
        429 => {
            let quota = match (&details.rate_limit, &details.rate_period) {
                (Some(l), Some(p)) => format!(" (limit {l} per {p} s)"),
                _ => String::new(),
            };
            let reset = details
                .rate_reset
                .as_ref()
                .map(|r| format!("; retry after {r}"))
                .unwrap_or_default();
            Error::new(
                ErrorKind::RateLimited,
                format!("too many requests for this IP{quota}{reset}"),
            )
        }
        502..=504 => Error::new(
            ErrorKind::Unavailable,
            format!("ManageBac is unavailable (HTTP {status}){said}"),
        ),
        500..=599 => Error::new(
            ErrorKind::Unavailable,
            format!("ManageBac server error {status}{said}"),
        )
        .with_retryable(false),
        _ => Error::new(
            ErrorKind::Vendor,
            format!("unexpected answer HTTP {status}{said}{fields}"),
        )
        .with_retryable(false),
    };
    error.with_source(details)
}

/// The ManageBac classifier: every 4xx and 5xx goes through [`error_for`]; 2xx and 3xx are
/// left to mis-http's default table (3xx: redirects are never followed).
#[derive(Debug, Clone, Copy, Default)]
pub struct ManageBacClassifier;

impl Classifier for ManageBacClassifier {
    fn classify(&self, response: &Response, meta: &RequestMeta) -> Option<Error> {
        let status = response.status().as_u16();
        (status >= 400).then(|| {
            let e = error_for(status, response.headers(), response.body());
            // A 500 to a GET or PUT is retried like mis-http's default table does: replaying
            // an idempotent request cannot change the school's data.
            if status == 500 && meta.is_idempotent() {
                e.with_retryable(true)
            } else {
                e
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mis_http::HeaderMap;

    fn err(status: u16, body: &str) -> Error {
        error_for(status, &HeaderMap::new(), body.as_bytes())
    }

    #[test]
    fn status_table() {
        use ErrorKind::*;
        for (status, kind, retry) in [
            (400, InvalidInput, false),
            (401, Unauthenticated, false),
            (403, PermissionDenied, false),
            (404, NotFound, false),
            (408, Timeout, true),
            (409, Vendor, false),
            (422, InvalidInput, false),
            (429, RateLimited, true),
            (500, Unavailable, false), // no meta here: the classifier adds retry for idempotent requests
            (502, Unavailable, true),
            (503, Unavailable, true),
        ] {
            let e = err(status, "");
            assert_eq!((e.kind(), e.is_retryable()), (kind, retry), "{status}");
        }
    }

    #[test]
    fn documented_bodies() {
        let e = err(401, r#"{"error": "Access Denied"}"#);
        assert!(e.to_string().contains("Access Denied"), "{e}");
        let e = err(
            404,
            r#"{"error": "Couldn't find IbClass with 'id'=1001", "reason": "archived"}"#,
        );
        assert!(e.to_string().contains("IbClass"), "{e}");
        assert!(e.to_string().contains("archived"), "{e}");
        let e = err(
            422,
            r#"{"errors": {"email": ["can't be blank"], "date": ["is invalid", "is too old"]}}"#,
        );
        let text = e.to_string();
        assert!(text.contains("email: can't be blank"), "{text}");
        assert!(text.contains("date: is invalid, is too old"), "{text}");
        let v = vendor_error(&e).unwrap();
        assert_eq!(v.field_errors["email"], ["can't be blank"]);
        let e = err(
            422,
            r#"{"error": "found unpermitted parameters: :language", "allowed_params": ["name", "email"]}"#,
        );
        assert!(e.to_string().contains("unpermitted parameters"), "{e}");
        assert!(e.to_string().contains("allowed: name, email"), "{e}");
        let e = err(
            400,
            r#"{"error": "Invalid modified_since parameter: 'x' is not a valid time."}"#,
        );
        assert!(e.to_string().contains("modified_since"), "{e}");
        // A body that is not the vendor's JSON is described, never quoted: it could hold
        // pupil data (mis-http's body excerpts show its shape only).
        let e = err(502, "<html>Bad gateway</html>");
        assert!(e.to_string().contains("not JSON"), "{e}");
        assert!(!e.to_string().contains("Bad gateway"), "{e}");
    }

    #[test]
    fn rate_limit_headers_in_the_message() {
        let mut h = HeaderMap::new();
        h.insert("x-ratelimit-limit", "50".parse().unwrap());
        h.insert("x-ratelimit-period", "1".parse().unwrap());
        h.insert(
            "x-ratelimit-reset",
            "2021-10-28 01:29:40 UTC".parse().unwrap(),
        );
        let e = error_for(429, &h, b"Retry later\n");
        assert_eq!(e.kind(), ErrorKind::RateLimited);
        assert!(e.to_string().contains("limit 50 per 1 s"), "{e}");
        assert!(e.to_string().contains("2021-10-28 01:29:40 UTC"), "{e}");
        assert_eq!(vendor_error(&e).unwrap().rate_limit.as_deref(), Some("50"));
    }

    #[test]
    fn echoed_secrets_are_redacted() {
        let e = err(
            401,
            r#"{"error": "Access Denied for auth_token=tok-s3cr3t-99"}"#,
        );
        let shown = format!("{e} {e:?}");
        assert!(!shown.contains("tok-s3cr3t-99"), "{shown}");
    }
}
