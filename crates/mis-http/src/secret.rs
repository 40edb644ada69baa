//! Secrets and the header values that carry them.
//!
//! Secrets stay in `secrecy` types until the moment a header is built, and every header value
//! built from one is marked sensitive, so `http`'s `Debug` prints `Sensitive` instead of the
//! value. Errors from these helpers never echo the value.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use http::HeaderValue;
use mis_core::{Error, Result};

pub use secrecy::{ExposeSecret, SecretString};

/// A header value holding a secret, marked sensitive.
pub fn sensitive_header_value(value: &str) -> Result<HeaderValue> {
    let mut header = HeaderValue::from_str(value).map_err(|_| {
        Error::invalid_input("a credential contains characters not allowed in an HTTP header")
    })?;
    header.set_sensitive(true);
    Ok(header)
}

/// `Bearer <token>`, marked sensitive.
pub fn bearer_header(token: &SecretString) -> Result<HeaderValue> {
    sensitive_header_value(&format!("Bearer {}", token.expose_secret()))
}

/// `Basic base64(user:password)` (RFC 7617), marked sensitive.
pub fn basic_header(user: &str, password: &SecretString) -> Result<HeaderValue> {
    let encoded = STANDARD.encode(format!("{user}:{}", password.expose_secret()));
    sensitive_header_value(&format!("Basic {encoded}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_are_sensitive() {
        let h = bearer_header(&SecretString::from("s3cr3t-tok")).unwrap();
        assert!(h.is_sensitive());
        assert_eq!(h.to_str().unwrap(), "Bearer s3cr3t-tok");
        assert!(!format!("{h:?}").contains("s3cr3t"));
        let h = basic_header("school", &SecretString::from("pass")).unwrap();
        assert_eq!(h.to_str().unwrap(), "Basic c2Nob29sOnBhc3M=");
        assert!(h.is_sensitive());
        let err = sensitive_header_value("s3cr3t\nx").unwrap_err();
        assert!(!err.to_string().contains("s3cr3t"));
    }
}
