//! GO 4 Schools error responses.
//!
//! The statuses and messages are the customer API v1 reference's Errors table: 400 with
//! one of its messages, 401 "The API key is invalid.", 403 "Module Disabled" / "Embargo
//! Enabled", 404 "The resource could not be found.", 429 "Too many requests sent in a given
//! amount of time.".
//!
//! The body *format* is not documented (unconfirmed: the table has an "Error" and an "Error
//! Message" column and no public client parses a body). The emulator sends exactly those
//! two columns, `{"error": <Error>, "message": <Error Message>}`, plus `"description"` for
//! "Invalid model state", whose documented example carries the parser's detail. Clients
//! should classify by status and read the message only to tell the 403s apart.

use std::time::Duration;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// 401 message.
pub(crate) const INVALID_KEY: &str = "The API key is invalid.";
/// 403 message when the school does not have the module.
pub(crate) const MODULE_DISABLED: &str = "Module Disabled";
/// 403 message when the school has embargoed the data.
pub(crate) const EMBARGO_ENABLED: &str = "Embargo Enabled";
/// 404 message.
pub(crate) const NOT_FOUND: &str = "The resource could not be found.";
/// 429 message.
pub(crate) const TOO_MANY: &str = "Too many requests sent in a given amount of time.";

/// The body of an error: the doc's "Error" and "Error Message" columns.
pub(crate) fn body(status: StatusCode, message: &str) -> Value {
    // The doc's "Error" column, spelt as it is there ("Not found", "Too Many Request").
    let error = match status.as_u16() {
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not found",
        429 => "Too Many Request",
        _ => "Internal server",
    };
    json!({ "error": error, "message": message })
}

fn respond(status: StatusCode, body: Value) -> Response {
    let mut r = (status, body.to_string()).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    r
}

/// A refusal on the way to a handler: the vendor's error response, boxed so that `Result`s
/// carrying it stay small.
pub(crate) type Refusal = Box<Response>;

/// 400 with one of the documented messages.
pub(crate) fn bad_request(message: &str) -> Refusal {
    Box::new(respond(
        StatusCode::BAD_REQUEST,
        body(StatusCode::BAD_REQUEST, message),
    ))
}

/// The body of 400 "Invalid model state" with the parser's detail, as in the doc's example
/// ("Invalid data in packet: Could not convert string to DateTime: 2020-15-14. Path 'date'.").
pub(crate) fn model_state_body(detail: &str) -> Value {
    let mut b = body(StatusCode::BAD_REQUEST, "Invalid model state");
    b["description"] = json!(format!("Invalid data in packet: {detail}"));
    b
}

/// 400 "Invalid model state".
pub(crate) fn model_state(detail: &str) -> Refusal {
    Box::new(respond(StatusCode::BAD_REQUEST, model_state_body(detail)))
}

/// 401 for a missing, wrong or (by fault injection) expired key. `WWW-Authenticate` is what
/// an ASP.NET bearer-protected API adds.
pub(crate) fn unauthorized() -> Response {
    let mut r = respond(
        StatusCode::UNAUTHORIZED,
        body(StatusCode::UNAUTHORIZED, INVALID_KEY),
    );
    r.headers_mut()
        .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    r
}

/// 403 with "Module Disabled" or "Embargo Enabled".
pub(crate) fn forbidden(message: &str) -> Response {
    respond(StatusCode::FORBIDDEN, body(StatusCode::FORBIDDEN, message))
}

/// 404.
pub(crate) fn not_found() -> Response {
    respond(
        StatusCode::NOT_FOUND,
        body(StatusCode::NOT_FOUND, NOT_FOUND),
    )
}

/// 429, with `Retry-After` in whole seconds (rounded up). The header is "optional" for GO
/// (nothing public says whether it is sent; the Archway Python port honours it if present),
/// and the emulator always sends it so the client's wait-hint path is exercised.
pub(crate) fn too_many(wait: Duration) -> Response {
    let mut r = respond(
        StatusCode::TOO_MANY_REQUESTS,
        body(StatusCode::TOO_MANY_REQUESTS, TOO_MANY),
    );
    let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    r.headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(secs));
    r
}
