//! HTTP Basic `subdomain:api_key` (the v2 getting-started article, "Authentication").

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use super::render;
use super::routes::Tenant;
use crate::school::School;

/// The tenant's subdomain: the school's name as a hostname label plus the seed, so that two
/// sandboxes of different schools never share a tenant. Matches `[a-z0-9-]+`, the
/// tenant names the client accepts.
pub(crate) fn subdomain(school: &School) -> String {
    let mut slug = String::new();
    for c in school.name.chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
    }
    format!("{}-{}", slug.trim_end_matches('-'), school.seed)
}

/// The API key: 24 lower-case alphanumerics derived from the seed, like the key in the
/// vendor's cURL example (`kysjd4f58sadf894cfa`).
pub(crate) fn api_key(school: &School) -> String {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let mut state = school.seed ^ 0xC1A5_5E36_5A91_0000;
    (0..24)
        .map(|_| {
            // splitmix64: a fixed, dependency-free mix so the key never moves.
            state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = state;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^= z >> 31;
            ALPHABET[(z % ALPHABET.len() as u64) as usize] as char
        })
        .collect()
}

/// What an `Authorization` header says.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// The tenant's own subdomain and key.
    Valid,
    /// No header, or not `Basic`.
    Missing,
    /// Basic, this tenant's subdomain, but not its key (or not decodable).
    Invalid,
    /// Basic, naming a subdomain that is not this tenant's: on the vendor's hosts, a host
    /// name no tenant uses.
    UnknownTenant,
}

/// Checks one `Authorization` header value against the tenant's credentials. The subdomain is
/// a host name label, so it is compared case-insensitively; the key exactly.
///
/// On the vendor's hosts the subdomain is the host name, which picks the tenant before any
/// key is looked at. This emulator serves one tenant on one loopback host, so the Basic
/// user name (the client sends the subdomain there too) stands in for the host name: another
/// name is [`Verdict::UnknownTenant`], whatever the key.
pub(crate) fn check(header: Option<&str>, subdomain: &str, api_key: &str) -> Verdict {
    let Some(value) = header else {
        return Verdict::Missing;
    };
    let mut parts = value.trim().splitn(2, ' ');
    let scheme = parts.next().unwrap_or_default();
    if !scheme.eq_ignore_ascii_case("basic") {
        return Verdict::Missing;
    }
    let Some(decoded) = parts
        .next()
        .and_then(|b64| STANDARD.decode(b64.trim()).ok())
        .and_then(|bytes| String::from_utf8(bytes).ok())
    else {
        return Verdict::Invalid;
    };
    match decoded.split_once(':') {
        Some((user, key)) if user.eq_ignore_ascii_case(subdomain) && key == api_key => {
            Verdict::Valid
        }
        Some((user, _)) if !user.is_empty() && !user.eq_ignore_ascii_case(subdomain) => {
            Verdict::UnknownTenant
        }
        _ => Verdict::Invalid,
    }
}

/// Middleware over the whole router: every request, even to an unknown path, authenticates
/// first, as the vendor says "API requests without authentication will also fail".
pub(crate) async fn require(
    State(tenant): State<Arc<Tenant>>,
    req: Request,
    next: Next,
) -> Response {
    let header = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    match check(header, &tenant.subdomain, &tenant.api_key) {
        Verdict::Missing => render::unauthorized(render::AUTH_MISSING).into_response(),
        Verdict::Invalid => render::unauthorized(render::AUTH_INVALID).into_response(),
        Verdict::UnknownTenant => render::unknown_tenant(),
        // Counted only for requests that carried the right key, as `expire_every` means.
        Verdict::Valid if tenant.faults.credential_expires_now() => {
            render::unauthorized(render::AUTH_EXPIRED).into_response()
        }
        Verdict::Valid => next.run(req).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn basic(user_key: &str) -> String {
        format!("Basic {}", STANDARD.encode(user_key))
    }

    #[test]
    fn header_verdicts() {
        let ok = basic("school-1:key");
        assert_eq!(check(Some(&ok), "school-1", "key"), Verdict::Valid);
        assert_eq!(
            check(Some(&basic("SCHOOL-1:key")), "school-1", "key"),
            Verdict::Valid
        );
        assert_eq!(check(None, "school-1", "key"), Verdict::Missing);
        assert_eq!(check(Some("Bearer x"), "school-1", "key"), Verdict::Missing);
        assert_eq!(
            check(Some(&basic("school-1:KEY")), "school-1", "key"),
            Verdict::Invalid
        );
        assert_eq!(
            check(Some(&basic("other:key")), "school-1", "key"),
            Verdict::UnknownTenant
        );
        assert_eq!(
            check(Some(&basic("other:wrong")), "school-1", "key"),
            Verdict::UnknownTenant
        );
        assert_eq!(
            check(Some(&basic(":key")), "school-1", "key"),
            Verdict::Invalid
        );
        assert_eq!(
            check(Some(&basic("no-colon")), "school-1", "key"),
            Verdict::Invalid
        );
        assert_eq!(
            check(Some("Basic !!!"), "school-1", "key"),
            Verdict::Invalid
        );
    }

    #[test]
    fn credentials_are_deterministic_and_well_formed() {
        let school = School::generate(11, 20);
        let sub = subdomain(&school);
        assert!(
            sub.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'),
            "{sub}"
        );
        assert!(sub.ends_with("-11"));
        assert_eq!(api_key(&school), api_key(&school));
        assert_eq!(api_key(&school).len(), 24);
        assert_ne!(api_key(&school), api_key(&School::generate(12, 20)));
    }
}
