//! GO 4 Schools authentication: a fixed school API key as `Authorization: Bearer <key>`.
//!
//! The school's data officer issues the key in GO 4 Schools' settings (vendor doc,
//! "Authentication"). It does not expire and cannot
//! be refreshed, so a 401 is returned at once instead of being replayed with the same key.

use mis_core::{Error, Result};
use mis_http::{ExposeSecret, SecretString, StaticAuth};

/// The authenticator for `api_key`: `Authorization: Bearer <api_key>` on every request.
///
/// An empty key, or one with characters a header cannot carry, is `InvalidInput` (the error
/// never echoes the key).
pub fn authenticator(api_key: &SecretString) -> Result<StaticAuth> {
    let key = api_key.expose_secret();
    if key.trim().is_empty() {
        return Err(Error::invalid_input("the GO 4 Schools API key is empty"));
    }
    if key.trim() != key {
        return Err(Error::invalid_input(
            "the GO 4 Schools API key has leading or trailing whitespace",
        ));
    }
    StaticAuth::bearer(api_key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_checked_without_being_echoed() {
        assert!(authenticator(&SecretString::from("abc123")).is_ok());
        let e = authenticator(&SecretString::from("")).unwrap_err();
        assert!(e.to_string().contains("empty"));
        let e = authenticator(&SecretString::from(" s3cr3t ")).unwrap_err();
        assert!(!e.to_string().contains("s3cr3t"));
        let e = authenticator(&SecretString::from("s3cr3t\nx")).unwrap_err();
        assert!(!e.to_string().contains("s3cr3t"));
        let auth = authenticator(&SecretString::from("s3cr3t")).unwrap();
        assert!(!format!("{auth:?}").contains("s3cr3t"));
    }
}
