//! The GO 4 Schools status table → [`mis_core::Error`], as a mis-http [`Classifier`].
//!
//! From the vendor's Errors table (vendor doc "Errors"):
//!
//! | status | vendor says | kind |
//! |---|---|---|
//! | 400 | `Invalid School`, `Invalid Academic Year`, `Unknown Attendance Mark`, … | `InvalidInput`, carrying the vendor's message |
//! | 401 | `The API key is invalid.` | `Unauthenticated` |
//! | 403 | `Module Disabled`, `Embargo Enabled`, `Not Enabled For Bromcom` | `PermissionDenied`, with that reason as the vendor code |
//! | 404 | `The resource could not be found.` | `NotFound` |
//! | 429 | `Too many requests sent in a given amount of time.` | `RateLimited` (retried; `Retry-After` honoured when sent) |
//! | 500 | `We had a problem with our server. Please try again later.` | `Unavailable`, retryable (the vendor says to try again; a POST is still never replayed) |
//!
//! The error *body* format is not documented: the message is taken from a
//! JSON string, from a JSON object's `message` / `error_message` / `error` / … field, or from
//! plain text, and it is redacted and cut short before it goes into an error.

use mis_core::{Error, ErrorKind, redact};
use mis_http::{Classifier, RequestMeta, Response};

/// The documented 400 messages (vendor doc "Errors"), matched case-insensitively.
pub const DOCUMENTED_400: &[&str] = &[
    "Invalid School",
    "Invalid Academic Year",
    "Invalid Report ID",
    "Invalid Year Group",
    "Invalid Cursor",
    "Unknown Attendance Mark",
    "Unknown Attendance Alias Mark",
    "Unknown student UPN",
    "Attendance Invalid Mode",
    "Unknown session type.",
    "Invalid date.",
    "Student not at this school.",
    "Date school not open.",
    "Staff not at the school.",
    "Invalid model state",
];

/// The documented 403 reasons, with what each means.
pub const FORBIDDEN_REASONS: &[(&str, &str)] = &[
    (
        "Module Disabled",
        "the school does not have this module, or the data officer disabled it",
    ),
    ("Embargo Enabled", "the school has embargoed this data"),
    (
        "Not Enabled For Bromcom",
        "this endpoint is not available for Bromcom schools",
    ),
];

/// How many characters of a vendor message an error keeps.
const MESSAGE_CHARS: usize = 200;

/// The GO 4 Schools response classifier.
#[derive(Debug, Clone, Copy, Default)]
pub struct Go4SchoolsClassifier;

impl Classifier for Go4SchoolsClassifier {
    fn classify(&self, response: &Response, _meta: &RequestMeta) -> Option<Error> {
        let status = response.status().as_u16();
        if response.status().is_success() {
            return None;
        }
        Some(classify_status(status, response.body()))
    }
}

/// The error for a non-2xx `status` with `body`. Public so callers with their own transport
/// can map the vendor's answers the same way.
pub fn classify_status(status: u16, body: &[u8]) -> Error {
    let said = vendor_message(body);
    let error = match status {
        400 => {
            let message = said.clone().unwrap_or_else(|| "Bad Request".to_owned());
            let e = Error::new(
                ErrorKind::InvalidInput,
                format!("GO 4 Schools rejected the request: {message}"),
            );
            match documented_400(&message) {
                Some(code) => e.with_vendor_code(code),
                None => e,
            }
        }
        401 => Error::new(
            ErrorKind::Unauthenticated,
            "the API key is invalid or not allowed for this request (check MIS_GO4SCHOOLS_API_KEY)",
        ),
        403 => {
            let reason = said.as_deref().and_then(forbidden_reason);
            match reason {
                Some((code, meaning)) => Error::new(
                    ErrorKind::PermissionDenied,
                    format!("forbidden: {code} ({meaning})"),
                )
                .with_vendor_code(code),
                None => Error::new(
                    ErrorKind::PermissionDenied,
                    format!(
                        "forbidden: {} (the data officer has disabled or embargoed this module, \
                         or the key lacks the permission)",
                        said.as_deref().unwrap_or("no reason given")
                    ),
                ),
            }
        }
        404 => Error::new(
            ErrorKind::NotFound,
            format!(
                "not found: {}",
                said.as_deref()
                    .unwrap_or("The resource could not be found.")
            ),
        ),
        429 => Error::new(
            ErrorKind::RateLimited,
            "too many requests sent in a given amount of time",
        ),
        500 => Error::new(
            ErrorKind::Unavailable,
            format!(
                "server error: {}",
                said.as_deref()
                    .unwrap_or("We had a problem with our server. Please try again later.")
            ),
        )
        // The vendor's own text says "please try again later"; the retry layer still never
        // replays a POST that may have reached the server.
        .with_retryable(true),
        502..=504 => Error::new(
            ErrorKind::Unavailable,
            format!("the service is unavailable (HTTP {status})"),
        ),
        _ => Error::new(
            ErrorKind::Vendor,
            format!(
                "unexpected answer: {}",
                said.as_deref().unwrap_or("no message")
            ),
        )
        .with_retryable(false),
    };
    error.with_vendor("go4schools").with_status(status)
}

/// The documented 400 message `message` contains, in its documented spelling.
pub fn documented_400(message: &str) -> Option<&'static str> {
    let lower = message.to_ascii_lowercase();
    // When several documented messages appear, the longest (most specific) one wins.
    let mut found: Option<&'static str> = None;
    for doc in DOCUMENTED_400 {
        let d = doc.to_ascii_lowercase();
        let d = d.trim_end_matches('.');
        if lower.contains(d) && found.is_none_or(|f| f.len() < doc.len()) {
            found = Some(doc);
        }
    }
    found
}

/// The documented 403 reason `message` names, with its meaning.
pub fn forbidden_reason(message: &str) -> Option<(&'static str, &'static str)> {
    let lower = message.to_ascii_lowercase();
    FORBIDDEN_REASONS
        .iter()
        .find(|(code, _)| lower.contains(&code.to_ascii_lowercase()))
        .copied()
}

/// The vendor's message in an error body, redacted and cut to a readable length.
pub fn vendor_message(body: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    let picked = match serde_json::from_str::<serde_json::Value>(text) {
        Ok(value) => message_in(&value)?,
        // HTML error pages say nothing useful in their first characters.
        Err(_) if text.starts_with('<') => return None,
        Err(_) => text.to_owned(),
    };
    let picked = picked.trim();
    if picked.is_empty() {
        return None;
    }
    let mut cut: String = picked.chars().take(MESSAGE_CHARS).collect();
    if cut.len() < picked.len() {
        cut.push('…');
    }
    Some(redact(&cut))
}

fn message_in(value: &serde_json::Value) -> Option<String> {
    use serde_json::Value;
    const KEYS: &[&str] = &[
        "error_message",
        "errormessage",
        "message",
        "error_description",
        "detail",
        "title",
        "error",
        "errors",
    ];
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Object(map) => {
            for key in KEYS {
                if let Some((_, v)) = map.iter().find(|(k, _)| k.eq_ignore_ascii_case(key)) {
                    if let Some(m) = message_in(v) {
                        return Some(m);
                    }
                }
            }
            None
        }
        Value::Array(items) => {
            let parts: Vec<String> = items.iter().filter_map(message_in).collect();
            (!parts.is_empty()).then(|| parts.join("; "))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_status_table() {
        let cases: &[(u16, &str, ErrorKind, bool)] = &[
            (
                400,
                r#"{"message":"Invalid Academic Year"}"#,
                ErrorKind::InvalidInput,
                false,
            ),
            (
                401,
                "The API key is invalid.",
                ErrorKind::Unauthenticated,
                false,
            ),
            (403, "Module Disabled", ErrorKind::PermissionDenied, false),
            (404, "", ErrorKind::NotFound, false),
            (429, "", ErrorKind::RateLimited, true),
            (500, "", ErrorKind::Unavailable, true),
            (503, "", ErrorKind::Unavailable, true),
            (418, "teapot", ErrorKind::Vendor, false),
        ];
        for (status, body, kind, retry) in cases {
            let e = classify_status(*status, body.as_bytes());
            assert_eq!(e.kind(), *kind, "{status}");
            assert_eq!(e.is_retryable(), *retry, "{status}");
            assert_eq!(e.status(), Some(*status));
            assert_eq!(e.vendor(), Some("go4schools"));
        }
    }

    #[test]
    fn documented_400_messages_are_kept_and_coded() {
        for body in [
            r#"{"error":"Bad Request","error_message":"Unknown Attendance Alias Mark"}"#,
            r#""Unknown Attendance Alias Mark""#,
            "Unknown Attendance Alias Mark",
        ] {
            let e = classify_status(400, body.as_bytes());
            assert_eq!(
                e.vendor_code(),
                Some("Unknown Attendance Alias Mark"),
                "{body}"
            );
            assert!(e.message().contains("Unknown Attendance Alias Mark"), "{e}");
        }
        let e = classify_status(400, br#"{"message":"Date school not open."}"#);
        assert_eq!(e.vendor_code(), Some("Date school not open."));
        let e = classify_status(400, b"");
        assert_eq!(e.kind(), ErrorKind::InvalidInput);
        assert_eq!(e.vendor_code(), None);
    }

    #[test]
    fn forbidden_reasons() {
        for (body, code) in [
            (r#"{"message":"Module Disabled"}"#, "Module Disabled"),
            ("Embargo Enabled", "Embargo Enabled"),
            (
                r#"{"error":"Not Enabled For Bromcom"}"#,
                "Not Enabled For Bromcom",
            ),
        ] {
            let e = classify_status(403, body.as_bytes());
            assert_eq!(e.kind(), ErrorKind::PermissionDenied);
            assert_eq!(e.vendor_code(), Some(code));
            assert!(e.to_string().contains(code), "{e}");
        }
        let e = classify_status(403, b"");
        assert_eq!(e.vendor_code(), None);
        assert!(e.to_string().contains("disabled or embargoed"), "{e}");
    }

    #[test]
    fn messages_are_redacted_and_cut() {
        let body = format!(
            r#"{{"message":"bad api_key=s3cr3t-key {}"}}"#,
            "x".repeat(500)
        );
        let e = classify_status(400, body.as_bytes());
        assert!(!e.to_string().contains("s3cr3t-key"), "{e}");
        assert!(e.to_string().len() < 400);
        assert_eq!(vendor_message(b"<html><body>oops</body></html>"), None);
        assert_eq!(vendor_message(b"  "), None);
    }
}
