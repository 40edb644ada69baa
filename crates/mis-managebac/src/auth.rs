//! ManageBac authentication: the API token in the **`auth-token` header** (the API
//! spec's `authTokenHeader` security scheme).
//!
//! The spec also allows `?auth_token=` in the query; this crate never uses it, because URLs
//! end up in logs, proxies and error messages, so secrets go in headers only. The
//! header value is marked sensitive, so `http`'s `Debug` prints `Sensitive`, and no log line
//! of the stack includes header values.
//!
//! A token does not expire, but the vendor answers 401 `{"error": "Access Denied"}` for a
//! token that is "missing, invalid or disabled" (the spec's 401 answer) — and an admin can toggle a
//! token in the API Manager, so a 401 can be transient. The stack therefore replays a request
//! **once** after a 401 (a static token cannot be refreshed, so the replay is the whole
//! retry); a second 401 is returned as `Unauthenticated`. Concurrent requests share that one
//! replay decision.

use std::fmt;

use async_trait::async_trait;
use mis_core::Result;
use mis_http::{
    Authenticator, Credential, ExposeSecret, HeaderName, HttpClient, Request, SecretString,
    sensitive_header_value,
};

/// The header the token goes in.
pub const HEADER: &str = "auth-token";

/// Puts the token in `auth-token` on every request.
#[derive(Clone)]
pub struct TokenAuth {
    token: SecretString,
}

impl TokenAuth {
    /// An authenticator for `token`. `InvalidInput` if it cannot be an HTTP header value
    /// (the message never shows the token).
    pub fn new(token: &SecretString) -> Result<TokenAuth> {
        sensitive_header_value(token.expose_secret())?;
        Ok(TokenAuth {
            token: token.clone(),
        })
    }
}

impl fmt::Debug for TokenAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenAuth")
            .field("header", &HEADER)
            .field("token", &"[REDACTED]")
            .finish()
    }
}

#[async_trait]
impl Authenticator for TokenAuth {
    async fn acquire(&self, _http: &HttpClient) -> Result<Credential> {
        Ok(Credential::new(self.token.clone()))
    }

    fn apply(&self, credential: &Credential, request: &mut Request) -> Result<()> {
        let value = sensitive_header_value(credential.secret().expose_secret())?;
        request
            .headers_mut()
            .insert(HeaderName::from_static(HEADER), value);
        Ok(())
    }

    /// `true`: one replay after a 401 (see the module docs).
    fn can_refresh(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_the_token() {
        let auth = TokenAuth::new(&SecretString::from("tok-s3cr3t-123")).unwrap();
        let shown = format!("{auth:?} {auth:#?}");
        assert!(!shown.contains("tok-s3cr3t-123"), "{shown}");
        assert!(shown.contains("auth-token"));
        assert!(TokenAuth::new(&SecretString::from("bad\nvalue")).is_err());
    }
}
