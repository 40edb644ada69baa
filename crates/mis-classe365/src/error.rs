//! Classe365's status table and error body → [`mis_core::Error`], as a mis-http
//! [`Classifier`].
//!
//! From the vendor document ("HTTP Status Codes", "Understanding the Response Envelope") \[C\]:
//!
//! | status | meaning (vendor doc)                                   | here                         |
//! |--------|--------------------------------------------------------|------------------------------|
//! | 2xx    | success; 204 = nothing to return                        | not an error (the client turns 204 into an empty list or `NotFound`) |
//! | 400    | missing parameters, malformed data, failed validation   | `InvalidInput`, with `errors` |
//! | 401    | missing or invalid credentials                          | `Unauthenticated`            |
//! | 403    | valid credentials, no permission / feature disabled     | `PermissionDenied`           |
//! | 405    | wrong HTTP verb for the endpoint                        | `Vendor`, not retryable: a bug in this crate's inferred route table |
//! | 5xx    | server error, "safe to retry after a short backoff"     | `Unavailable`, retryable     |
//!
//! Not in the table but handled the usual way: 404 `NotFound`, 408 `Timeout`, 429
//! `RateLimited` (with `Retry-After`), 422 `InvalidInput`, other 4xx `Vendor`.
//!
//! Every 4xx body carries a `message` ending in a stable `(error_code: …)` segment and maybe
//! an `errors` array. The code goes to [`mis_core::Error::vendor_code`]; the message (without
//! the segment) and the validation details go into the error's text; the whole parsed body is
//! kept as the error's [`source`](std::error::Error::source), a [`VendorError`] that
//! [`vendor_error`] returns. All vendor text is redacted first: a server may echo a credential.

use std::fmt;

use mis_core::{Error, ErrorKind, redact};
use mis_http::{Classifier, RequestMeta, Response, body_excerpt};

use crate::wire::{Envelope, FieldError};

/// How many characters of the vendor's message an error keeps.
const MAX_MESSAGE_CHARS: usize = 300;
/// How many validation failures an error's text lists (all are kept in [`VendorError`]).
const MAX_LISTED_ERRORS: usize = 5;

/// The vendor's own account of an error: its message, `error_code` and validation details.
///
/// Attached to every error made from a Classe365 error body; get it back with
/// [`vendor_error`]. All text is redacted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VendorError {
    /// The HTTP status.
    pub status: u16,
    /// The message without its `(error_code: …)` segment.
    pub message: String,
    /// The stable code from the `(error_code: …)` segment.
    pub error_code: Option<String>,
    /// The `errors` array: one entry per failed field.
    pub errors: Vec<FieldError>,
}

impl fmt::Display for VendorError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        if let Some(code) = &self.error_code {
            write!(f, " (error_code: {code})")?;
        }
        Ok(())
    }
}

impl std::error::Error for VendorError {}

/// The vendor's details behind `error`, if it came from a Classe365 error body.
pub fn vendor_error(error: &Error) -> Option<&VendorError> {
    std::error::Error::source(error)?.downcast_ref::<VendorError>()
}

/// Splits `"Student not found (error_code: student_not_found)"` into the message and the code.
///
/// The segment is the LAST `(error_code: …)` in the text, matched case-insensitively with any
/// spacing; text after it (a full stop, spaces) is dropped. Without a segment the message is
/// returned whole.
pub fn split_error_code(message: &str) -> (String, Option<String>) {
    const KEY: &str = "(error_code";
    let lower = message.to_ascii_lowercase();
    let Some(start) = lower.rfind(KEY) else {
        return (message.trim().to_owned(), None);
    };
    let rest = &message[start + KEY.len()..];
    let Some(rest) = rest.trim_start().strip_prefix(':') else {
        return (message.trim().to_owned(), None);
    };
    let Some(end) = rest.find(')') else {
        return (message.trim().to_owned(), None);
    };
    let code = rest[..end].trim();
    let text = message[..start].trim_end().to_owned();
    let code = (!code.is_empty()).then(|| code.to_owned());
    (text, code)
}

/// Reads an error body: the envelope's `message` and `errors`, or, for a body that is not the
/// envelope (a proxy's HTML page), a short excerpt.
pub fn parse_error_body(status: u16, body: &[u8]) -> VendorError {
    let parsed = serde_json::from_slice::<Envelope<serde_json::Value>>(body).ok();
    let (message, errors) = match parsed {
        Some(env) if env.message.is_some() || !env.errors.is_empty() => {
            (env.message.unwrap_or_default(), env.errors)
        }
        _ => (body_excerpt(body), Vec::new()),
    };
    let (message, error_code) = split_error_code(&redact(&message));
    let errors = errors
        .into_iter()
        .map(|e| FieldError {
            field: e.field.map(|s| redact(&s)),
            message: e.message.map(|s| redact(&s)),
            code: e.code.map(|s| redact(&s)),
            // Extra members are dropped here: they are unbounded vendor text.
            extra: Default::default(),
        })
        .collect();
    VendorError {
        status,
        message: cut(&message, MAX_MESSAGE_CHARS),
        error_code,
        errors,
    }
}

fn cut(text: &str, max: usize) -> String {
    let mut out: String = text.chars().take(max).collect();
    if out.len() < text.len() {
        out.push('…');
    }
    out
}

/// `first_name: is required; date: must be YYYY-MM-DD` (at most [`MAX_LISTED_ERRORS`]).
fn describe_field_errors(errors: &[FieldError]) -> String {
    let mut parts: Vec<String> = errors
        .iter()
        .take(MAX_LISTED_ERRORS)
        .map(|e| {
            let message = e.message.as_deref().unwrap_or("invalid");
            match &e.field {
                Some(field) => format!("{field}: {message}"),
                None => message.to_owned(),
            }
        })
        .collect();
    if errors.len() > MAX_LISTED_ERRORS {
        parts.push(format!("and {} more", errors.len() - MAX_LISTED_ERRORS));
    }
    parts.join("; ")
}

/// Builds the typed error for a non-2xx Classe365 response.
pub fn error_for(status: u16, body: &[u8], operation: &str) -> Error {
    let details = parse_error_body(status, body);
    let said = if details.message.is_empty() {
        String::new()
    } else {
        format!(": {}", details.message)
    };
    let fields = if details.errors.is_empty() {
        String::new()
    } else {
        format!(" [{}]", describe_field_errors(&details.errors))
    };
    let error = match status {
        400 | 422 => Error::new(
            ErrorKind::InvalidInput,
            format!("Classe365 rejected the request{said}{fields}"),
        ),
        401 => Error::new(
            ErrorKind::Unauthenticated,
            format!("Classe365 rejected the credentials (check the subdomain and API key){said}"),
        ),
        403 => Error::new(
            ErrorKind::PermissionDenied,
            format!("the API key may not do this, or the module is disabled for the tenant{said}"),
        ),
        404 => Error::new(ErrorKind::NotFound, format!("not found{said}")),
        405 => Error::new(
            ErrorKind::Vendor,
            format!(
                "Classe365 does not accept this HTTP method for {operation} (405 Method Not \
                 Allowed){said}. This is a bug in mis-classe365: its v2 route table is inferred \
                 (src/routes.rs); please report it"
            ),
        )
        .with_retryable(false),
        408 => Error::new(ErrorKind::Timeout, format!("the server timed out{said}")),
        429 => Error::new(ErrorKind::RateLimited, format!("too many requests{said}")),
        // "5xx … These are safe to retry after a short backoff period." (vendor doc)
        500..=599 => Error::new(
            ErrorKind::Unavailable,
            format!("Classe365 server error {status}{said}"),
        )
        .with_retryable(true),
        _ => Error::new(
            ErrorKind::Vendor,
            format!("unexpected answer HTTP {status}{said}{fields}"),
        )
        .with_retryable(false),
    };
    let error = match &details.error_code {
        Some(code) => error.with_vendor_code(code.clone()),
        None => error,
    };
    error.with_source(details)
}

/// The Classe365 classifier: every 4xx and 5xx goes through [`error_for`]; 2xx (204 included)
/// and 3xx are left to mis-http's default table (3xx: redirects are never followed).
#[derive(Debug, Clone, Copy, Default)]
pub struct Classe365Classifier;

impl Classifier for Classe365Classifier {
    fn classify(&self, response: &Response, meta: &RequestMeta) -> Option<Error> {
        let status = response.status().as_u16();
        (status >= 400).then(|| error_for(status, response.body(), meta.operation()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_code_is_split_off() {
        assert_eq!(
            split_error_code("Student not found (error_code: student_not_found)"),
            ("Student not found".into(), Some("student_not_found".into()))
        );
        assert_eq!(
            split_error_code("Bad (thing) here (Error_Code:  E_42 ). "),
            ("Bad (thing) here".into(), Some("E_42".into()))
        );
        assert_eq!(split_error_code("plain"), ("plain".into(), None));
        assert_eq!(
            split_error_code("broken (error_code: x"),
            ("broken (error_code: x".into(), None)
        );
        assert_eq!(
            split_error_code("empty (error_code: )"),
            ("empty".into(), None)
        );
    }

    fn kind(status: u16) -> (ErrorKind, bool) {
        let e = error_for(status, b"", "students.list");
        (e.kind(), e.is_retryable())
    }

    #[test]
    fn status_table() {
        use ErrorKind::*;
        assert_eq!(kind(400), (InvalidInput, false));
        assert_eq!(kind(401), (Unauthenticated, false));
        assert_eq!(kind(403), (PermissionDenied, false));
        assert_eq!(kind(404), (NotFound, false));
        assert_eq!(kind(405), (Vendor, false));
        assert_eq!(kind(409), (Vendor, false));
        assert_eq!(kind(429), (RateLimited, true));
        assert_eq!(kind(500), (Unavailable, true));
        assert_eq!(kind(503), (Unavailable, true));
        let e = error_for(405, b"", "students.save");
        assert!(e.to_string().contains("bug in mis-classe365"), "{e}");
        assert!(e.to_string().contains("students.save"), "{e}");
    }

    #[test]
    fn validation_details_are_kept_and_listed() {
        let body = br#"{"message":"Validation failed (error_code: validation_error)",
            "errors":[{"field":"first_name","message":"is required"},
                      {"field":"date_of_birth","message":"must be a date"}]}"#;
        let e = error_for(400, body, "students.save");
        assert_eq!(e.kind(), ErrorKind::InvalidInput);
        assert_eq!(e.vendor_code(), Some("validation_error"));
        let text = e.to_string();
        assert!(text.contains("Validation failed"), "{text}");
        assert!(!text.contains("(error_code"), "{text}");
        assert!(text.contains("first_name: is required"), "{text}");
        let details = vendor_error(&e).unwrap();
        assert_eq!(details.status, 400);
        assert_eq!(details.errors.len(), 2);
        assert_eq!(details.errors[1].field.as_deref(), Some("date_of_birth"));
    }

    #[test]
    fn long_lists_and_non_json_bodies() {
        let errors: Vec<String> = (0..8)
            .map(|i| format!(r#"{{"field":"f{i}","message":"bad"}}"#))
            .collect();
        let body = format!(r#"{{"message":"nope","errors":[{}]}}"#, errors.join(","));
        let e = error_for(400, body.as_bytes(), "x");
        assert!(e.to_string().contains("and 3 more"), "{e}");
        assert_eq!(vendor_error(&e).unwrap().errors.len(), 8);
        let e = error_for(502, b"<html>Bad gateway</html>", "x");
        // Since 33529c1 a body that is not JSON is described by its size, never shown.
        assert!(e.to_string().contains("not JSON"), "{e}");
        assert!(!e.to_string().contains("Bad gateway"), "{e}");
        assert_eq!(vendor_error(&e).unwrap().error_code, None);
    }

    #[test]
    fn echoed_credentials_are_redacted() {
        let body = br#"{"message":"Invalid api_key: kysjd4f58sadf894cfa (error_code: auth_failed)","errors":[{"field":"password","message":"password=hunter2"}]}"#;
        let e = error_for(401, body, "students.list");
        let shown = format!("{e} {e:?}");
        assert!(!shown.contains("kysjd4f58sadf894cfa"), "{shown}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert_eq!(e.vendor_code(), Some("auth_failed"));
    }
}
