//! HUBmis error bodies.
//!
//! The error body is not published: the API reference documents only the status codes of an
//! expired token (401) and of the usage limit (429). What is known points to a Laravel
//! application: OAuth2 `client_credentials` at `/token` with RFC 6749 error codes (Laravel
//! Passport / league/oauth2-server), spatie-style `filter[...]` and `page[number]` /
//! `page[size]` query parameters. So the emulator answers the way such a stack does
//! (inferred):
//!
//! | case | status | body |
//! |---|---|---|
//! | token: bad client | 401 | `{"error":"invalid_client","error_description":…,"message":…}` |
//! | token: bad grant type | 400 | `{"error":"unsupported_grant_type",…}` |
//! | token: missing parameter | 400 | `{"error":"invalid_request",…,"hint":…}` |
//! | missing / unknown / expired token | 401 | `{"message":"Unauthenticated."}` |
//! | missing `Realm` | 400 | `{"message":"The Realm header is required."}` |
//! | a realm this client may not use | 403 | `{"message":…}` |
//! | a call whose scope the client was not granted | 403 | `{"message":"Invalid scope(s) provided."}` (Passport's `MissingScopeException`; every operation lists its required scopes) |
//! | unknown record | 404 | `{"message":…}` |
//! | unknown route | 404 | `{"message":"The route … could not be found."}` |
//! | wrong method | 405 | `{"message":"The POST method is not supported for route …"}` |
//! | filter not allowed on the route | 400 | `{"message":"Requested filter(s) `…` are not allowed. …"}` |
//! | bad parameter value | 422 | `{"message":…,"errors":{"filter.dateFrom":[…]}}` |
//! | quota | 429 | `{"message":"Too Many Attempts."}` + the three headers (see [`super::quota`]) |

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

const INVALID_CLIENT: &str = "Client authentication failed";
const UNSUPPORTED_GRANT: &str =
    "The authorization grant type is not supported by the authorization server.";
const INVALID_REQUEST: &str = "The request is missing a required parameter, includes an invalid parameter value, includes a parameter more than once, or is otherwise malformed.";

/// The message of Passport's 403 for a token without the scope an operation requires.
pub const MISSING_SCOPE: &str = "Invalid scope(s) provided.";

/// A Laravel-style `{"message": …}` error.
pub fn message(status: StatusCode, message: impl Into<String>) -> Response {
    let message: String = message.into();
    (status, Json(json!({ "message": message }))).into_response()
}

/// The token endpoint's 401 for a wrong `client_id` / `client_secret` (RFC 6749 §5.2).
pub fn invalid_client() -> Response {
    (StatusCode::UNAUTHORIZED, Json(invalid_client_body())).into_response()
}

/// The body of [`invalid_client`].
pub fn invalid_client_body() -> Value {
    json!({
        "error": "invalid_client",
        "error_description": INVALID_CLIENT,
        "message": INVALID_CLIENT,
    })
}

/// The token endpoint's 400 for a grant type other than `client_credentials`.
pub fn unsupported_grant_type() -> Response {
    let body = json!({
        "error": "unsupported_grant_type",
        "error_description": UNSUPPORTED_GRANT,
        "hint": "Check that all required parameters have been provided",
        "message": UNSUPPORTED_GRANT,
    });
    (StatusCode::BAD_REQUEST, Json(body)).into_response()
}

/// The token endpoint's 400 for a missing parameter.
pub fn invalid_request(parameter: &str) -> Response {
    let body = json!({
        "error": "invalid_request",
        "error_description": INVALID_REQUEST,
        "hint": format!("Check the `{parameter}` parameter"),
        "message": INVALID_REQUEST,
    });
    (StatusCode::BAD_REQUEST, Json(body)).into_response()
}

/// 401 for a missing, unknown or expired access token (the API reference, "Authentication":
/// "When expired, the API will respond with a HTTP status code of 401").
pub fn unauthenticated() -> Response {
    (StatusCode::UNAUTHORIZED, Json(unauthenticated_body())).into_response()
}

/// The body of [`unauthenticated`].
pub fn unauthenticated_body() -> Value {
    json!({ "message": "Unauthenticated." })
}

/// The body of the 429.
pub fn too_many_attempts_body() -> Value {
    json!({ "message": "Too Many Attempts." })
}

/// 404 for a record that does not exist.
pub fn not_found(what: &str, id: &str) -> Response {
    message(
        StatusCode::NOT_FOUND,
        format!("No query results for model [{what}] {id}"),
    )
}

/// 422 with Laravel's validation body.
pub fn validation(field: &str, text: &str) -> Response {
    (
        StatusCode::UNPROCESSABLE_ENTITY,
        Json(validation_body(field, text)),
    )
        .into_response()
}

/// The body of [`validation`].
pub fn validation_body(field: &str, text: &str) -> Value {
    json!({ "message": text, "errors": { field: [text] } })
}

/// 400 for a `filter[...]` the route does not allow (spatie query builder's wording).
pub fn filter_not_allowed(unknown: &[String], allowed: &[&str]) -> Response {
    message(
        StatusCode::BAD_REQUEST,
        format!(
            "Requested filter(s) `{}` are not allowed. Allowed filter(s) are `{}`.",
            unknown.join(", "),
            allowed.join(", ")
        ),
    )
}
