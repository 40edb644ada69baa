//! The HUBmis status table: response → [`mis_core::Error`], as a mis-http [`Classifier`].
//!
//! What the API reference documents ("Authentication", "Usage Limits"): 401 when the access
//! token has expired, and 429 with `X-RateLimit-Limit`, `X-RateLimit-Remaining` and `X-RateLimit-Retry-After` (a Unix
//! time) when the quota is spent, after which a client must "wait at least 5 seconds". The
//! error body is not documented, so the message is looked for in the usual places:
//! OAuth2's `error` / `error_description`, `message`, `detail`, `title`, and JSON:API
//! `errors[]`.
//!
//! | status | on the token request | elsewhere |
//! |---|---|---|
//! | 400, 401, 403 | `Unauthenticated`: authentication failed | 400 `InvalidInput`, 401 `Unauthenticated` (the stack refreshes once and replays), 403 naming the realm `Unauthenticated` (fatal: the realm is not this client's), any other 403 `PermissionDenied` (a missing scope: degradable) |
//! | 404 | `NotFound` | `NotFound` |
//! | 422 | `InvalidInput` | `InvalidInput` |
//! | 429 | `RateLimited`, retry after `max(X-RateLimit-Retry-After, quota spacing)` | same |
//! | 5xx | mis-http's default table (502–504 retried; 500 retried for idempotent requests) | same |

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use mis_core::{Error, ErrorKind, redact};
use mis_http::hints::parse_unix_time;
use mis_http::{Classifier, Clock, RequestMeta, Response, body_excerpt};
use serde_json::Value;

use crate::routes;

/// The longest vendor message quoted in an error.
const MESSAGE_CHARS: usize = 160;

/// Classifies HUBmis responses.
pub(crate) struct HubmisClassifier {
    /// The least a 429 closes the gate for (the quota's spacing: 5 s for HUBmis).
    pub(crate) min_wait: Option<Duration>,
    /// The wall clock that reads `X-RateLimit-Retry-After`.
    pub(crate) clock: Arc<dyn Clock>,
}

impl fmt::Debug for HubmisClassifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HubmisClassifier")
            .field("min_wait", &self.min_wait)
            .finish_non_exhaustive()
    }
}

impl Classifier for HubmisClassifier {
    fn classify(&self, response: &Response, meta: &RequestMeta) -> Option<Error> {
        let status = response.status().as_u16();
        if response.status().is_success() {
            return None;
        }
        let body = response.body();
        let said = vendor_message(body)
            .map(|m| format!(": {m}"))
            .unwrap_or_default();
        let token = meta.operation() == routes::TOKEN.operation;
        let error = match status {
            // "credentials", not "secret": the vendor's message follows, and a word after
            // "secret:" is masked as if it were one.
            400 | 401 | 403 if token => Error::new(
                ErrorKind::Unauthenticated,
                format!("authentication failed: HUBmis refused the client credentials{said}"),
            ),
            401 => Error::new(
                ErrorKind::Unauthenticated,
                format!("the access token was rejected or has expired{said}"),
            ),
            // A refused realm is a credentials problem: every call of this client will
            // get the same answer, so it must end the read (`Unauthenticated` is fatal),
            // not cost one record at a time as a missing scope does.
            403 if names_the_realm(body) => Error::new(
                ErrorKind::Unauthenticated,
                format!("the client has no access to this realm (school){said}"),
            ),
            403 => Error::new(
                ErrorKind::PermissionDenied,
                format!("the client may not do this (a scope missing){said}"),
            ),
            404 => Error::new(
                ErrorKind::NotFound,
                format!("no such record or endpoint{said}"),
            ),
            400 | 422 => Error::new(
                ErrorKind::InvalidInput,
                format!("HUBmis rejected the request ({status}){said}"),
            ),
            429 => {
                let hinted = response
                    .headers()
                    .get("x-ratelimit-retry-after")
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| parse_unix_time(v, self.clock.now()));
                let wait = hinted.max(self.min_wait);
                let mut e = Error::new(
                    ErrorKind::RateLimited,
                    format!("over the HUBmis request quota{said}"),
                );
                if let Some(wait) = wait {
                    e = e.with_retry_after(wait);
                }
                e
            }
            _ => return None,
        };
        Some(match vendor_code(body) {
            Some(code) => error.with_vendor_code(code),
            None => error,
        })
    }
}

/// Whether `e` is HUBmis refusing the configured realm: the `Realm` header names a school
/// this client may not use, or none HUBmis knows (the 403 whose message names the realm,
/// classified `Unauthenticated` on a call other than the token request, which takes no
/// realm). A wrong client id or secret is refused by the token request instead.
pub fn is_refused_realm(e: &Error) -> bool {
    e.kind() == ErrorKind::Unauthenticated
        && e.status() == Some(403)
        && e.operation() != Some(routes::TOKEN.operation)
}

/// Whether a 403's message is about the `Realm` header (the realm is not the client's)
/// rather than a scope: the message names the realm (`"Access to realm S999 is not granted
/// to this client."`), a missing scope does not (Passport's `"Invalid scope(s) provided."`).
fn names_the_realm(body: &[u8]) -> bool {
    serde_json::from_slice::<Value>(body)
        .ok()
        .and_then(|json| message_in(&json))
        .is_some_and(|m| m.to_ascii_lowercase().contains("realm"))
}

/// The vendor's own message in an error body, redacted, on one line, cut short.
pub(crate) fn vendor_message(body: &[u8]) -> Option<String> {
    let text = match serde_json::from_slice::<Value>(body) {
        Ok(json) => message_in(&json)?,
        Err(_) => body_excerpt(body),
    };
    let one_line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.is_empty() {
        return None;
    }
    let mut cut: String = one_line.chars().take(MESSAGE_CHARS).collect();
    if cut.len() < one_line.len() {
        cut.push('…');
    }
    Some(redact(&cut))
}

fn message_in(json: &Value) -> Option<String> {
    let text = |v: &Value| {
        v.as_str()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    for key in ["error_description", "message", "detail", "title"] {
        if let Some(m) = json.get(key).and_then(text) {
            return Some(m);
        }
    }
    if let Some(errors) = json.get("errors") {
        let first = match errors {
            Value::Array(list) => list.first().cloned(),
            Value::Object(map) => map.values().next().cloned(),
            _ => None,
        };
        if let Some(first) = first {
            if let Some(m) = text(&first) {
                return Some(m);
            }
            if let Value::Array(list) = &first {
                if let Some(m) = list.first().and_then(text) {
                    return Some(m);
                }
            }
            if let Some(m) = message_in(&first) {
                return Some(m);
            }
        }
    }
    json.get("error").and_then(text)
}

/// An OAuth2-style `error` code (`invalid_client`) or a `code` field.
fn vendor_code(body: &[u8]) -> Option<String> {
    let json = serde_json::from_slice::<Value>(body).ok()?;
    let code = json.get("code").or_else(|| json.get("error"))?;
    let code = match code {
        Value::String(s) => s.trim().to_owned(),
        Value::Number(n) => n.to_string(),
        _ => return None,
    };
    let looks_like_a_code = !code.is_empty()
        && code.len() <= 64
        && code
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
    looks_like_a_code.then(|| redact(&code))
}

#[cfg(test)]
mod tests {
    use mis_http::{Method, StatusCode, SystemClock};

    use super::*;

    fn response(status: u16, body: &str) -> Response {
        let mut r = Response::new(body.to_owned().into_bytes().into());
        *r.status_mut() = StatusCode::from_u16(status).unwrap();
        r
    }

    fn classifier() -> HubmisClassifier {
        HubmisClassifier {
            min_wait: Some(Duration::from_secs(5)),
            clock: Arc::new(SystemClock),
        }
    }

    fn classify(op: &'static str, status: u16, body: &str) -> Option<Error> {
        classifier().classify(&response(status, body), &RequestMeta::new(op, &Method::GET))
    }

    #[test]
    fn the_table() {
        use ErrorKind::*;
        let cases = [
            ("auth.token", 400, Some(Unauthenticated)),
            ("auth.token", 401, Some(Unauthenticated)),
            ("auth.token", 403, Some(Unauthenticated)),
            ("students.list", 401, Some(Unauthenticated)),
            ("students.list", 403, Some(PermissionDenied)),
            ("students.list", 404, Some(NotFound)),
            ("students.list", 400, Some(InvalidInput)),
            ("students.list", 422, Some(InvalidInput)),
            ("students.list", 429, Some(RateLimited)),
            ("students.list", 500, None),
            ("students.list", 503, None),
            ("students.list", 200, None),
        ];
        for (op, status, want) in cases {
            assert_eq!(
                classify(op, status, "").map(|e| e.kind()),
                want,
                "{op} {status}"
            );
        }
    }

    #[test]
    fn a_refused_realm_is_fatal_and_a_missing_scope_is_not() {
        let realm = classify(
            "students.timetable_calendar",
            403,
            r#"{"message": "Access to realm S998 is not granted to this client."}"#,
        )
        .unwrap();
        assert_eq!(realm.kind(), ErrorKind::Unauthenticated);
        assert!(!realm.is_degradable());
        let scope = classify(
            "students.timetable_calendar",
            403,
            r#"{"message": "Invalid scope(s) provided."}"#,
        )
        .unwrap();
        assert_eq!(scope.kind(), ErrorKind::PermissionDenied);
        assert!(scope.is_degradable());
    }

    #[test]
    fn a_refused_secret_says_authentication_failed_and_never_echoes_it() {
        let e = classify(
            "auth.token",
            401,
            r#"{"error": "invalid_client", "error_description": "bad client_secret=s3cr3t-x"}"#,
        )
        .unwrap();
        let text = format!("{e} {e:?}");
        assert!(text.contains("authentication failed"), "{text}");
        assert!(!text.contains("s3cr3t-x"), "{text}");
        assert_eq!(e.vendor_code(), Some("invalid_client"));
    }

    /// The vendor's own words for refused credentials survive the redaction every error
    /// text goes through (a word after `secret:` would be masked).
    #[test]
    fn refused_credentials_keep_the_vendors_words_through_redaction() {
        let e = classify(
            "auth.token",
            401,
            r#"{"error": "invalid_client", "message": "Client authentication failed"}"#,
        )
        .unwrap();
        let shown = redact(e.message());
        assert!(
            shown.ends_with("refused the client credentials: Client authentication failed"),
            "{shown}"
        );
    }

    #[test]
    fn a_429_waits_for_the_hint_and_at_least_the_spacing() {
        let now = SystemClock.now().as_second();
        let mut r = response(429, "");
        r.headers_mut().insert(
            "x-ratelimit-retry-after",
            (now + 30).to_string().parse().unwrap(),
        );
        let meta = RequestMeta::new("students.list", &Method::GET);
        let e = classifier().classify(&r, &meta).unwrap();
        let wait = e.retry_after().unwrap();
        assert!(
            wait > Duration::from_secs(25) && wait <= Duration::from_secs(30),
            "{wait:?}"
        );
        // A hint in the past (or none) still waits the documented 5 s.
        let mut r = response(429, "");
        r.headers_mut().insert(
            "x-ratelimit-retry-after",
            (now - 30).to_string().parse().unwrap(),
        );
        let e = classifier().classify(&r, &meta).unwrap();
        assert_eq!(e.retry_after(), Some(Duration::from_secs(5)));
        let e = classify("students.list", 429, "").unwrap();
        assert_eq!(e.retry_after(), Some(Duration::from_secs(5)));
    }

    #[test]
    fn messages_are_found_in_the_usual_places() {
        for (body, want) in [
            (
                r#"{"message": "Student not found"}"#,
                Some("Student not found"),
            ),
            (
                r#"{"errors": [{"detail": "bad filter"}]}"#,
                Some("bad filter"),
            ),
            (
                r#"{"errors": {"date": ["is invalid"]}}"#,
                Some("is invalid"),
            ),
            (r#"{"error": "invalid_request"}"#, Some("invalid_request")),
            // A body that is not JSON may echo the request (pupil data included): only its
            // masked shape is quoted (mis-http's `body_excerpt`).
            ("plain text\nerror", Some("<16 bytes, not JSON>")),
            ("", None),
            ("{}", None),
        ] {
            assert_eq!(vendor_message(body.as_bytes()).as_deref(), want, "{body}");
        }
        let long = format!(r#"{{"message": "{}"}}"#, "x".repeat(500));
        assert!(vendor_message(long.as_bytes()).unwrap().chars().count() <= MESSAGE_CHARS + 1);
    }
}
