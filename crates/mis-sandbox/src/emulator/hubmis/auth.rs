//! HUBmis authentication: OAuth2 `client_credentials` at `POST /api/v1/token`, then
//! `Authorization: Bearer <access_token>` **and** `Realm: <realm id>` on every other call
//! (the vendor's API reference, "Authentication").
//!
//! * The token request is form-encoded in the document's introduction and JSON in its
//!   "Token" section: both are accepted.
//! * The answer is the "Token" section's sample: `{"token_type":"Bearer","expires_in":900,
//!   "access_token":…}` — 900 s, the "15 minutes" of the text, not the introduction's 86400
//!   (the reference contradicts itself; the text wins).
//! * A token dies after `expires_in` seconds scaled by `time_scale`, or when the fault plan
//!   says so (`expire_every`): either way the next call gets 401 `{"message":
//!   "Unauthenticated."}` and the token stays dead, so only a new token helps.
//! * The realm is checked after the token: missing → 400, another school's → 403.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::errors;
use super::render;
use super::routes::Hubmis;
use crate::sandbox::Credentials;
use crate::school::School;

/// The vendor's token lifetime, before scaling.
pub const TOKEN_LIFETIME: Duration = Duration::from_secs(900);

/// The `Realm` header.
pub const REALM_HEADER: &str = "realm";

/// The credentials of `school`'s emulator: fixed values derived from its seed and URN, so a
/// demo or a test can be repeated. The realm looks like the document's `S999`.
pub fn credentials_for(school: &School) -> Credentials {
    let mut map = std::collections::BTreeMap::new();
    map.insert(
        "client_id",
        format!("sandbox-{:08x}", fnv(school.seed, b"client")),
    );
    map.insert(
        "client_secret",
        format!("secret-{:016x}", fnv(school.seed, b"secret")),
    );
    map.insert("realm", format!("S{}", school.urn));
    Credentials(map)
}

/// The `n`-th access token issued for a school with `seed`, shaped like the document's
/// `123.abc.xyz`. Unique per issue; not a secret (the sandbox has none).
pub fn token_value(seed: u64, n: u64) -> String {
    format!(
        "{n}.{:08x}.{:016x}",
        fnv(seed, b"token") as u32,
        fnv(seed ^ n.rotate_left(17), b"sig")
    )
}

/// FNV-1a over the seed and a label: stable across builds and processes.
fn fnv(seed: u64, label: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in seed.to_le_bytes().iter().chain(label) {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// Live tokens and when each dies.
#[derive(Debug, Default)]
pub struct Tokens {
    live: std::sync::Mutex<HashMap<String, Instant>>,
}

impl Tokens {
    fn issue(&self, token: String, until: Instant) {
        let mut live = self.live.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        live.retain(|_, t| *t > now);
        live.insert(token, until);
    }

    fn is_live(&self, token: &str, now: Instant) -> bool {
        let live = self.live.lock().unwrap_or_else(|p| p.into_inner());
        live.get(token).is_some_and(|t| *t > now)
    }

    fn revoke(&self, token: &str) {
        let mut live = self.live.lock().unwrap_or_else(|p| p.into_inner());
        live.remove(token);
    }
}

/// Reads the token request: form (`application/x-www-form-urlencoded`) or JSON.
fn token_fields(headers: &HeaderMap, body: &Bytes) -> HashMap<String, String> {
    let json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().contains("json"));
    if json {
        serde_json::from_slice::<serde_json::Map<String, serde_json::Value>>(body)
            .map(|m| {
                m.into_iter()
                    .filter_map(|(k, v)| match v {
                        serde_json::Value::String(s) => Some((k, s)),
                        _ => None,
                    })
                    .collect()
            })
            .unwrap_or_default()
    } else {
        form_pairs(body)
    }
}

/// A form body decoded with axum's own `application/x-www-form-urlencoded` parser (the one
/// behind `Query`), so `+` and `%XX` mean what they mean on the wire.
fn form_pairs(body: &Bytes) -> HashMap<String, String> {
    let Ok(uri) = format!("/?{}", String::from_utf8_lossy(body)).parse::<axum::http::Uri>() else {
        return HashMap::new();
    };
    axum::extract::Query::<Vec<(String, String)>>::try_from_uri(&uri)
        .map(|q| q.0.into_iter().collect())
        .unwrap_or_default()
}

/// `POST /api/v1/token`.
pub async fn token(State(state): State<Arc<Hubmis>>, headers: HeaderMap, body: Bytes) -> Response {
    let fields = token_fields(&headers, &body);
    let field = |name: &str| {
        fields
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    };
    let Some(grant) = field("grant_type") else {
        return errors::unsupported_grant_type();
    };
    if grant != "client_credentials" {
        return errors::unsupported_grant_type();
    }
    let Some(client_id) = field("client_id") else {
        return errors::invalid_request("client_id");
    };
    if client_id != state.client_id || field("client_secret") != Some(state.client_secret.as_str())
    {
        return errors::invalid_client();
    }
    let n = state.issued.fetch_add(1, Ordering::SeqCst) + 1;
    let token = token_value(state.school.seed, n);
    let lifetime = state.options.scaled(TOKEN_LIFETIME);
    state.tokens.issue(token.clone(), Instant::now() + lifetime);
    state.stats.logins.fetch_add(1, Ordering::SeqCst);
    (StatusCode::OK, Json(render::token(&token))).into_response()
}

/// Middleware on every route but the token: a live bearer token, then the school's realm.
pub async fn require(State(state): State<Arc<Hubmis>>, req: Request, next: Next) -> Response {
    let bearer = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            let (scheme, token) = v.trim().split_once(' ')?;
            scheme
                .eq_ignore_ascii_case("bearer")
                .then(|| token.trim().to_string())
        });
    let Some(token) = bearer else {
        return errors::unauthenticated();
    };
    if !state.tokens.is_live(&token, Instant::now()) {
        return errors::unauthenticated();
    }
    // The fault plan's "expire every N authenticated requests": this request is the one
    // that finds the token expired.
    if state.faults.credential_expires_now() {
        state.tokens.revoke(&token);
        return errors::unauthenticated();
    }
    match req
        .headers()
        .get(REALM_HEADER)
        .and_then(|v| v.to_str().ok())
    {
        None => errors::message(StatusCode::BAD_REQUEST, "The Realm header is required."),
        Some(realm) if realm.trim() != state.realm => errors::message(
            StatusCode::FORBIDDEN,
            format!(
                "Access to realm {} is not granted to this client.",
                realm.trim()
            ),
        ),
        Some(_) => next.run(req).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_are_fixed_per_school() {
        let a = School::generate(3, 12);
        let b = School::generate(4, 12);
        assert_eq!(credentials_for(&a), credentials_for(&a));
        assert_ne!(
            credentials_for(&a).get("client_secret"),
            credentials_for(&b).get("client_secret")
        );
        assert!(credentials_for(&a).get("realm").unwrap().starts_with('S'));
    }

    #[test]
    fn tokens_are_unique_per_issue() {
        assert_ne!(token_value(1, 1), token_value(1, 2));
        assert_eq!(token_value(1, 1).split('.').count(), 3);
    }
}
