//! Classe365 authentication: HTTP Basic on every request (vendor doc, "Authentication") \[C\].
//!
//! "Username: your tenant's subdomain … Password: your unique API Key … join these two
//! strings together with a colon (`subdomain:api_key`) and encode the entire string using
//! Base64." There is no token exchange and nothing to refresh, so a 401 is returned at once
//! instead of being replayed with the same key (mis-http's [`StaticAuth`] says it cannot
//! refresh).
//!
//! The subdomain was validated by [`Config`] (`[a-z0-9-]+`), so it cannot hold
//! the `:` that would split the Basic pair differently on the server.

use mis_core::Result;
use mis_http::StaticAuth;

use crate::config::Config;

/// The authenticator for `config`: `Authorization: Basic base64(subdomain:api_key)`, marked
/// sensitive so it is never logged.
pub fn authenticator(config: &Config) -> Result<StaticAuth> {
    StaticAuth::basic(config.subdomain().as_str(), config.api_key())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_the_key() {
        let config = Config::new("evaluate3x", "kysjd4f58sadf894cfa").unwrap();
        let auth = authenticator(&config).unwrap();
        let shown = format!("{auth:?}");
        assert!(!shown.contains("kysjd4f58sadf894cfa"), "{shown}");
        // The base64 form is as secret as the key itself.
        assert!(
            !shown.contains("ZXZhbHVhdGUzeDpreXNqZDRmNThzYWRmODk0Y2Zh"),
            "{shown}"
        );
    }
}
