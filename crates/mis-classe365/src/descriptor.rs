//! [`DESCRIPTOR`]: Classe365 as a vendor registry lists it.
//!
//! A Classe365 API key belongs to one tenant (the subdomain it was created under, Settings →
//! API Keys), so opening takes the subdomain and the key from `MIS_CLASSE365_SUBDOMAIN` and
//! `MIS_CLASSE365_API_KEY`; a school named by the caller (`--school`) is checked against the
//! subdomain rather than used to pick a tenant.

use std::sync::Arc;

use mis_core::{Capabilities, Error, MisProvider, Result};
use mis_http::{OpenRequest, VendorDescriptor};

use crate::VENDOR_ID;
use crate::config::{Config, ENV_API_KEY, ENV_SUBDOMAIN};
use crate::provider::Classe365Provider;

/// Classe365 in a vendor registry: its id, names, credential variables, capabilities and how
/// to open a provider.
pub const DESCRIPTOR: VendorDescriptor = VendorDescriptor {
    id: VENDOR_ID,
    name: "Classe365",
    summary: "Classe365 REST API v2 (HTTP Basic: tenant subdomain + API key)",
    credentials: &[&[ENV_SUBDOMAIN, ENV_API_KEY]],
    capabilities,
    open,
    doctor: crate::doctor::FACTS,
    // The school's time zone comes from the API or is fixed; no quota to configure.
    sync: mis_http::SyncFacts::NONE,
};

fn capabilities() -> Vec<(&'static str, Capabilities)> {
    vec![(VENDOR_ID.as_str(), crate::provider::capabilities())]
}

/// Builds the client from the request's options and the `MIS_CLASSE365_*` credentials. Sends
/// nothing. A school named by the caller must be the key's own subdomain: the key cannot
/// read another tenant, and answering for the wrong school would be worse than refusing.
fn open(request: OpenRequest<'_>) -> Result<Arc<dyn MisProvider>> {
    // The shared settings come in `request.options` (read from the same lookup, plus the
    // caller's overrides); the lookup is read here for the credentials.
    let config = Config::from_lookup(request.lookup)?.with_options(request.options);
    if let Some(school) = request.school {
        if school != config.subdomain().as_str() {
            return Err(Error::invalid_input(format!(
                "--school {school:?} does not match {ENV_SUBDOMAIN}: a Classe365 API key \
                 belongs to one tenant (subdomain {})",
                config.subdomain()
            )));
        }
    }
    Ok(Arc::new(Classe365Provider::new(config)?))
}

#[cfg(test)]
mod tests {
    use mis_core::ErrorKind;
    use mis_http::ClientOptions;

    use super::*;
    use mis_http::testing::vars;

    #[test]
    fn opens_with_the_credential_variables() {
        let lookup = vars(&[(ENV_SUBDOMAIN, "evaluate3x"), (ENV_API_KEY, "k")]);
        let provider = DESCRIPTOR.open_from(&lookup).unwrap();
        assert_eq!(provider.info().vendor, "classe365");
        assert_eq!(provider.info().tenant.as_deref(), Some("evaluate3x"));
        assert_eq!(
            provider.capabilities(),
            (DESCRIPTOR.capabilities)()[0].1,
            "the descriptor's capabilities are the provider's"
        );
    }

    #[test]
    fn a_missing_credential_is_unauthenticated_naming_it() {
        for (missing, present) in [(ENV_SUBDOMAIN, ENV_API_KEY), (ENV_API_KEY, ENV_SUBDOMAIN)] {
            let lookup = vars(&[(present, "evaluate3x")]);
            let e = DESCRIPTOR.open_from(&lookup).err().unwrap();
            assert_eq!(e.kind(), ErrorKind::Unauthenticated, "{e}");
            assert!(e.to_string().contains(missing), "{missing}: {e}");
        }
        let e = DESCRIPTOR.open_from(&vars(&[])).err().unwrap();
        assert_eq!(e.kind(), ErrorKind::Unauthenticated, "{e}");
        for name in DESCRIPTOR.credentials[0] {
            assert!(e.to_string().contains(name), "{name}: {e}");
        }
    }

    #[test]
    fn the_school_must_be_the_keys_subdomain() {
        let lookup = vars(&[(ENV_SUBDOMAIN, "evaluate3x"), (ENV_API_KEY, "k")]);
        let open_for = |school| {
            (DESCRIPTOR.open)(OpenRequest::new(ClientOptions::new(), &lookup).school(Some(school)))
        };
        assert!(open_for("evaluate3x").is_ok());
        let e = open_for("other").err().unwrap();
        assert_eq!(e.kind(), ErrorKind::InvalidInput);
        assert!(e.to_string().contains(ENV_SUBDOMAIN), "{e}");
    }

    #[test]
    fn shared_options_reach_the_client() {
        let lookup = vars(&[
            (ENV_SUBDOMAIN, "evaluate3x"),
            (ENV_API_KEY, "k"),
            ("MIS_CLASSE365_TIME_ZONE", "Australia/Sydney"),
        ]);
        let provider = DESCRIPTOR.open_from(&lookup).unwrap();
        assert_eq!(provider.info().time_zone, "Australia/Sydney");
    }
}
