//! The HUBmis auth flow: OAuth2 client credentials (the API reference's "Authentication").
//!
//! `POST /api/v1/token` with the form `grant_type=client_credentials&client_id=…&
//! client_secret=…` answers `{"token_type": "Bearer", "expires_in": …, "access_token": …}`;
//! every other call sends `Authorization: Bearer <access_token>` (and `Realm`, a default
//! header of the client).
//!
//! The mis-http auth layer does the rest: the token is fetched lazily and cached per client
//! (clones share it), renewed once [`Credential::renew_at`] has passed, refreshed **once** and
//! the request replayed on a 401, and one refresh is shared by concurrent requests. Token
//! requests go through the same rate gate as everything else, because they count against
//! the per-IP quota.
//!
//! When to renew: the document says tokens "expire after 15 minutes" yet its example
//! answers `expires_in: 86400`, so the lifetime used is the smaller of
//! `expires_in` and the configured cap (15 minutes by default), minus a safety margin of a
//! tenth of it, at most a minute: a request sent just before expiry must not arrive after it.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use mis_core::Result;
use mis_http::{
    Authenticator, Credential, ExposeSecret, HttpClient, Request, SecretString, bearer_header,
    header,
};
use tokio::time::Instant;

use crate::routes;
use crate::wire::TokenResponse;

/// The longest safety margin taken off a token's lifetime.
const MAX_MARGIN: Duration = Duration::from_secs(60);

/// The client-credentials authenticator.
pub(crate) struct TokenAuth {
    client_id: SecretString,
    client_secret: SecretString,
    lifetime_cap: Duration,
    issued: Arc<AtomicU64>,
}

impl TokenAuth {
    pub(crate) fn new(
        client_id: SecretString,
        client_secret: SecretString,
        lifetime_cap: Duration,
        issued: Arc<AtomicU64>,
    ) -> Self {
        TokenAuth {
            client_id,
            client_secret,
            lifetime_cap,
            issued,
        }
    }
}

impl fmt::Debug for TokenAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenAuth")
            .field("client_id", &"[REDACTED]")
            .field("client_secret", &"[REDACTED]")
            .field("lifetime_cap", &self.lifetime_cap)
            .finish()
    }
}

/// How long a token is used: `min(expires_in, cap)`, or `cap` when the server gives no (or
/// a zero) lifetime.
pub(crate) fn token_lifetime(expires_in: Option<u64>, cap: Duration) -> Duration {
    match expires_in {
        Some(secs) if secs > 0 => Duration::from_secs(secs).min(cap),
        _ => cap,
    }
}

/// When to renew a token of `lifetime`, from the moment it was issued: a tenth of the
/// lifetime (at most a minute) early.
pub(crate) fn renew_after(lifetime: Duration) -> Duration {
    lifetime.saturating_sub((lifetime / 10).min(MAX_MARGIN))
}

#[async_trait]
impl Authenticator for TokenAuth {
    async fn acquire(&self, http: &HttpClient) -> Result<Credential> {
        let segments = routes::TOKEN.segments(&[])?;
        let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
        let token: TokenResponse = http
            .post(&segments)
            .form(&[
                ("grant_type", "client_credentials"),
                ("client_id", self.client_id.expose_secret()),
                ("client_secret", self.client_secret.expose_secret()),
            ])
            // Asking for a token twice does no harm: the request may be retried.
            .idempotent(true)
            .operation(routes::TOKEN.operation)
            .send_json()
            .await?;
        let issued_at = Instant::now();
        self.issued.fetch_add(1, Ordering::SeqCst);
        if let Some(kind) = token
            .token_type
            .as_deref()
            .filter(|t| !t.eq_ignore_ascii_case("bearer"))
        {
            tracing::warn!(
                token_type = kind,
                "HUBmis issued a non-Bearer token; sending it as Bearer"
            );
        }
        let lifetime = token_lifetime(token.expires_in, self.lifetime_cap);
        tracing::debug!(
            lifetime_ms = lifetime.as_millis() as u64,
            "HUBmis access token issued"
        );
        Ok(Credential::new(token.access_token).renew_after(issued_at + renew_after(lifetime)))
    }

    fn apply(&self, credential: &Credential, request: &mut Request) -> Result<()> {
        request
            .headers_mut()
            .insert(header::AUTHORIZATION, bearer_header(credential.secret())?);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lifetime_is_the_smaller_of_expires_in_and_the_cap() {
        let cap = Duration::from_secs(900);
        assert_eq!(token_lifetime(Some(86_400), cap), cap);
        assert_eq!(token_lifetime(Some(600), cap), Duration::from_secs(600));
        assert_eq!(token_lifetime(None, cap), cap);
        assert_eq!(token_lifetime(Some(0), cap), cap);
    }

    #[test]
    fn renewal_comes_a_tenth_early_at_most_a_minute() {
        assert_eq!(
            renew_after(Duration::from_secs(900)),
            Duration::from_secs(840)
        );
        assert_eq!(
            renew_after(Duration::from_secs(9)),
            Duration::from_millis(8100)
        );
        assert_eq!(renew_after(Duration::ZERO), Duration::ZERO);
    }

    #[test]
    fn debug_hides_credentials() {
        let auth = TokenAuth::new(
            SecretString::from("client-abc"),
            SecretString::from("s3cr3t"),
            Duration::from_secs(900),
            Arc::default(),
        );
        let shown = format!("{auth:?}");
        assert!(
            !shown.contains("client-abc") && !shown.contains("s3cr3t"),
            "{shown}"
        );
    }
}
