//! ClassCharts' error signalling → [`mis_core::Error`], as a mis-http [`Classifier`]: the ONE
//! place the envelope's `success: 0` is recognised.
//!
//! ClassCharts "doesn't return a different status code if you do something wrong"
//! (api-docs): errors are usually **HTTP 200** with
//! `{"success":0,"error":"…","expired":0|1,"meta":[]}`. api-docs also declares 401 with the
//! same body, so the body decides whatever the status.
//!
//! | answer | here |
//! |---|---|
//! | `success: 0`, `expired: 1` | `Unauthenticated` (the session died): the stack logs in again once and replays |
//! | `success: 0`, "not logged in" | `Unauthenticated`, likewise |
//! | `success: 0` to a login | `Unauthenticated` with the vendor's message (bad code, date of birth or password) |
//! | `success: 0` with HTTP 401 | `Unauthenticated` |
//! | `success: 0`, "daily limit" | `Vendor`, code `daily_limit` (parent behaviour) |
//! | `success: 0`, "permission" / "access" | `PermissionDenied` (a pupil the login may not see, or a module the school switched off) |
//! | `success: 0`, "not found" | `NotFound` |
//! | `success: 0`, "invalid" | `InvalidInput` |
//! | `success: 0`, anything else | `Vendor` with the message |
//! | 3xx to `session.tes.com` | sign-on changed ([`SIGN_ON_CHANGED`]): `Unauthenticated` on the parent API (a new login runs the TES handshake), a non-retryable `Vendor` error on the student API |
//! | 500 to a reward purchase | `NotFound`: "the item may not exist" (an unknown item gives a 500 page) |
//! | anything else | mis-http's default status table |
//!
//! Vendor text is redacted and cut before it goes into a message.

use mis_core::{Error, ErrorKind, redact};
use mis_http::{Classifier, RequestMeta, Response, Url, header};

use crate::config::Api;
use crate::wire::ErrorBody;

/// The `vendor_code` of the error that says ClassCharts' sign-on changed: a redirect to the
/// TES sign-on service (`session.tes.com`) that this client could not complete.
pub const SIGN_ON_CHANGED: &str = "sign_on_changed";

/// The `vendor_code` of the parent-behaviour daily limit error.
pub const DAILY_LIMIT: &str = "daily_limit";

/// The host ClassCharts parents are sent to since April 2026.
pub const TES_HOST: &str = "session.tes.com";

/// The operation name of login requests (the classifier treats their refusals as bad
/// credentials).
pub const LOGIN_OPERATION: &str = "login";

/// The operation name of reward purchases.
pub const PURCHASE_OPERATION: &str = "purchase";

/// How many characters of the vendor's message an error keeps.
const MAX_MESSAGE_CHARS: usize = 200;

/// Whether `error` is the "sign-on changed" error.
pub fn is_sign_on_changed(error: &Error) -> bool {
    error.vendor_code() == Some(SIGN_ON_CHANGED)
}

/// The classifier for one API. It knows the configured TES host so a test server counts too.
#[derive(Debug, Clone)]
pub struct ClassChartsClassifier {
    api: Api,
    sso_origin: Option<(String, String, Option<u16>)>,
}

impl ClassChartsClassifier {
    /// A classifier for `api`; `sso` is the configured sign-on base URL (its origin counts as
    /// TES as well as `session.tes.com`).
    pub fn new(api: Api, sso: Option<&Url>) -> Self {
        ClassChartsClassifier {
            api,
            sso_origin: sso.map(origin),
        }
    }

    /// Whether `location` (a `Location` header) points at the TES sign-on service.
    pub fn is_tes_location(&self, location: &str) -> bool {
        let Ok(url) = Url::parse(location.trim()) else {
            // A relative Location stays on ClassCharts.
            return false;
        };
        url.host_str()
            .is_some_and(|h| h.eq_ignore_ascii_case(TES_HOST))
            || self.sso_origin.as_ref() == Some(&origin(&url))
    }

    /// The error for a redirect to TES that could not be followed.
    pub fn sign_on_changed(&self) -> Error {
        sign_on_changed(self.api)
    }
}

fn origin(url: &Url) -> (String, String, Option<u16>) {
    (
        url.scheme().to_owned(),
        url.host_str().unwrap_or("").to_ascii_lowercase(),
        url.port_or_known_default(),
    )
}

/// The "sign-on changed" error for `api` (see the module table).
pub(crate) fn sign_on_changed(api: Api) -> Error {
    match api {
        Api::Parent => Error::new(
            ErrorKind::Unauthenticated,
            "ClassCharts sign-on changed: the request was redirected to the TES sign-on service \
             (session.tes.com); logging in again runs the TES handshake",
        )
        .with_vendor_code(SIGN_ON_CHANGED),
        Api::Student => Error::new(
            ErrorKind::Vendor,
            "ClassCharts sign-on changed: the request was redirected to the TES sign-on service \
             (session.tes.com), which this client cannot complete for pupil accounts",
        )
        .with_vendor_code(SIGN_ON_CHANGED)
        .with_retryable(false),
    }
}

impl Classifier for ClassChartsClassifier {
    fn classify(&self, response: &Response, meta: &RequestMeta) -> Option<Error> {
        let status = response.status();
        if status.is_redirection() {
            if meta.accepts_redirect() {
                // The login form answers 302 on success; the auth code reads it.
                return None;
            }
            let to_tes = response
                .headers()
                .get(header::LOCATION)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|l| self.is_tes_location(l));
            // Other redirects: mis-http's table (a non-retryable error naming the target).
            return to_tes.then(|| self.sign_on_changed());
        }
        if status.as_u16() == 500 && meta.operation() == PURCHASE_OPERATION {
            return Some(
                Error::new(
                    ErrorKind::NotFound,
                    "ClassCharts answered the purchase with a server error: the reward item may \
                     not exist",
                )
                .with_retryable(false),
            );
        }
        if status.as_u16() == 429 || status.is_server_error() {
            // Throttling and server errors keep mis-http's meaning (retryable, with the wait
            // hint) even when the body is a `success: 0` envelope: read as an envelope, a 429
            // would become a final vendor error, or an `Unauthenticated` on the login.
            return None;
        }
        let body = response.body();
        // Only a JSON object can be the envelope; skip HTML pages and arrays cheaply.
        if body.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
            return None;
        }
        let envelope: ErrorBody = serde_json::from_slice(body).ok()?;
        if envelope.success != Some(0) {
            return None;
        }
        Some(envelope_error(&envelope, meta.operation(), status.as_u16()))
    }
}

/// The error for a `success: 0` envelope (see the module table).
pub fn envelope_error(envelope: &ErrorBody, operation: &str, status: u16) -> Error {
    let said = envelope
        .error
        .as_deref()
        .map(|m| cut(&redact(m.trim()), MAX_MESSAGE_CHARS))
        .filter(|m| !m.is_empty())
        .unwrap_or_else(|| "no message".to_owned());
    let lower = said.to_ascii_lowercase();
    let (kind, text, code) = if envelope.expired {
        (
            ErrorKind::Unauthenticated,
            format!("the ClassCharts session expired: {said}"),
            None,
        )
    } else if lower.contains("not logged in") {
        (
            ErrorKind::Unauthenticated,
            format!("not logged in to ClassCharts: {said}"),
            None,
        )
    } else if operation == LOGIN_OPERATION {
        (
            ErrorKind::Unauthenticated,
            format!("ClassCharts refused the login: {said}"),
            None,
        )
    } else if status == 401 {
        (
            ErrorKind::Unauthenticated,
            format!("ClassCharts rejected the session: {said}"),
            None,
        )
    } else if lower.contains("daily limit") {
        (
            ErrorKind::Vendor,
            format!("ClassCharts: {said}"),
            Some(DAILY_LIMIT),
        )
    } else if lower.contains("permission") || lower.contains("access") {
        (
            ErrorKind::PermissionDenied,
            format!("ClassCharts: {said}"),
            None,
        )
    } else if lower.contains("not found") {
        (ErrorKind::NotFound, format!("ClassCharts: {said}"), None)
    } else if lower.contains("invalid") {
        (
            ErrorKind::InvalidInput,
            format!("ClassCharts: {said}"),
            None,
        )
    } else {
        (ErrorKind::Vendor, format!("ClassCharts: {said}"), None)
    };
    // The vendor acted on nothing: none of these is worth repeating as is.
    let error = Error::new(kind, text).with_retryable(false);
    match code {
        Some(c) => error.with_vendor_code(c),
        None => error,
    }
}

/// The first `max` characters of `text`, with `…` when cut.
fn cut(text: &str, max: usize) -> String {
    let mut out: String = text.chars().take(max).collect();
    if out.len() < text.len() {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod throttle_tests {
    use super::*;

    #[test]
    fn a_429_or_5xx_envelope_stays_retryable() {
        let c = ClassChartsClassifier::new(Api::Student, None);
        let body =
            r#"{"success":0,"error":"Too many requests. Please try again later.","meta":[]}"#;
        for op in [LOGIN_OPERATION, "ping", "attendance"] {
            let meta = RequestMeta::new(op, &mis_http::Method::POST);
            for status in [429, 500, 503] {
                let mut r = Response::new(body.to_owned().into());
                *r.status_mut() = mis_http::StatusCode::from_u16(status).unwrap();
                assert!(
                    c.classify(&r, &meta).is_none(),
                    "{op} {status}: mis-http's table"
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use bytes_free::response;
    use mis_http::Method;

    use super::*;

    /// Builds responses without a `bytes` dependency.
    mod bytes_free {
        use mis_http::{HeaderValue, Response, StatusCode, header};

        pub fn response(status: u16, body: &str, location: Option<&str>) -> Response {
            let mut r = Response::new(body.to_owned().into());
            *r.status_mut() = StatusCode::from_u16(status).unwrap();
            if let Some(l) = location {
                r.headers_mut()
                    .insert(header::LOCATION, HeaderValue::from_str(l).unwrap());
            }
            r
        }
    }

    fn classify(api: Api, op: &'static str, r: &Response) -> Option<Error> {
        let sso = Url::parse("http://127.0.0.1:9999").unwrap();
        ClassChartsClassifier::new(api, Some(&sso)).classify(r, &RequestMeta::new(op, &Method::GET))
    }

    #[test]
    fn envelope_errors_by_message() {
        let cases = [
            (
                r#"{"success":0,"error":"You are not logged in. [1]","expired":1,"meta":[]}"#,
                "activity",
                ErrorKind::Unauthenticated,
            ),
            (
                r#"{"success":0,"error":"You are not logged in. [1]","expired":0,"meta":[]}"#,
                "activity",
                ErrorKind::Unauthenticated,
            ),
            (
                r#"{"success":0,"error":"The date of birth you have provided is incorrect","expired":0}"#,
                "login",
                ErrorKind::Unauthenticated,
            ),
            (
                r#"{"success":0,"error":"You have reached the daily limit awarding this behaviour"}"#,
                "parent_behaviour.add",
                ErrorKind::Vendor,
            ),
            (
                r#"{"success":0,"error":"You do not have permission to access this pupil"}"#,
                "attendance",
                ErrorKind::PermissionDenied,
            ),
            (
                // A module the school switched off (the emulator's wording; inferred).
                r#"{"success":0,"error":"You do not have permission to view this pupil's homework","expired":0,"meta":[]}"#,
                "homeworks",
                ErrorKind::PermissionDenied,
            ),
            (
                r#"{"success":0,"error":"Academic report not found"}"#,
                "academic_report",
                ErrorKind::NotFound,
            ),
            (
                r#"{"success":0,"error":"Invalid date provided"}"#,
                "timetable",
                ErrorKind::InvalidInput,
            ),
            (
                r#"{"success":0,"error":"Something odd"}"#,
                "timetable",
                ErrorKind::Vendor,
            ),
            (
                r#"{"success":"0","error":"x","expired":"1"}"#,
                "timetable",
                ErrorKind::Unauthenticated,
            ),
        ];
        for (body, op, kind) in cases {
            let e = classify(Api::Student, op, &response(200, body, None)).expect(body);
            assert_eq!(e.kind(), kind, "{body}");
            assert!(!e.is_retryable(), "{body}");
        }
        let e = classify(
            Api::Parent,
            "parent_behaviour.add",
            &response(200, cases[3].0, None),
        )
        .unwrap();
        assert_eq!(e.vendor_code(), Some(DAILY_LIMIT));
        assert!(e.message().contains("daily limit"), "{e}");
        // HTTP 401 with the envelope (api-docs).
        let e = classify(
            Api::Student,
            "x",
            &response(401, r#"{"success":0,"error":"Nope"}"#, None),
        )
        .unwrap();
        assert_eq!(e.kind(), ErrorKind::Unauthenticated);
    }

    #[test]
    fn successes_and_other_bodies_are_left_alone() {
        for body in [
            r#"{"success":1,"data":[],"meta":[]}"#,
            "[]",
            "<!DOCTYPE html><html></html>",
            "",
            r#"{"data":[]}"#,
        ] {
            assert!(
                classify(Api::Student, "x", &response(200, body, None)).is_none(),
                "{body}"
            );
        }
    }

    #[test]
    fn redirects_to_tes_say_sign_on_changed() {
        let r = response(
            302,
            "",
            Some("https://session.tes.com/v1/verify?returnUrl=x"),
        );
        let e = classify(Api::Parent, "pupils", &r).unwrap();
        assert_eq!(e.kind(), ErrorKind::Unauthenticated);
        assert!(is_sign_on_changed(&e));
        let e = classify(Api::Student, "timetable", &r).unwrap();
        assert_eq!(e.kind(), ErrorKind::Vendor);
        assert!(is_sign_on_changed(&e));
        assert!(e.to_string().contains("sign-on changed"), "{e}");
        // The configured test origin counts as TES; other redirects go to the default table.
        let r = response(302, "", Some("http://127.0.0.1:9999/v1/verify"));
        assert!(classify(Api::Parent, "pupils", &r).is_some());
        let r = response(302, "", Some("/parent/"));
        assert!(classify(Api::Parent, "pupils", &r).is_none());
        // An accepted redirect (the login form) is the caller's to read.
        let r = response(302, "", Some("https://session.tes.com/v1/verify"));
        let sso = Url::parse("https://session.tes.com").unwrap();
        let meta = RequestMeta::new("login", &Method::POST).with_accept_redirect(true);
        assert!(
            ClassChartsClassifier::new(Api::Parent, Some(&sso))
                .classify(&r, &meta)
                .is_none()
        );
    }

    #[test]
    fn a_failed_purchase_is_not_found_and_messages_are_redacted() {
        let e = classify(
            Api::Student,
            PURCHASE_OPERATION,
            &response(500, "<html>", None),
        )
        .unwrap();
        assert_eq!(e.kind(), ErrorKind::NotFound);
        let body = r#"{"success":0,"error":"bad session_id=abc123secret"}"#;
        let e = classify(Api::Student, "x", &response(200, body, None)).unwrap();
        assert!(!e.to_string().contains("abc123secret"), "{e}");
    }
}
