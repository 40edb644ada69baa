//! Turning `--provider`, `--base-url`, `--school` and the environment into a provider.
//!
//! Every vendor is opened the same way: the shared client settings are read from the
//! vendor's `MIS_<VENDOR>_*` variables ([`ClientOptions::from_lookup`]), `--base-url`
//! overrides the host, and the vendor's descriptor ([`VendorDescriptor::open`]) reads its
//! own credentials and builds the provider. Nothing here names a vendor: the list is the
//! [`Registry`].

use std::sync::Arc;

use mis_core::{Error, MisProvider};
use mis_http::{ClientOptions, OpenRequest, VendorDescriptor};

use crate::cli::ProviderArgs;
use crate::registry::Registry;

pub use mis_http::Lookup;

/// Opens the provider the flags and environment describe, from `registry`.
///
/// Errors: `InvalidInput` when no provider is chosen, the id is not registered or a setting
/// is malformed; `Unauthenticated` when a credential variable is missing (named in the
/// message).
pub fn open_provider(
    registry: &Registry,
    args: &ProviderArgs,
) -> Result<Arc<dyn MisProvider>, Error> {
    let Some(id) = args.provider.as_deref() else {
        return Err(Error::invalid_input(format!(
            "no provider chosen: pass --provider ({}) or set MIS_PROVIDER",
            registry.ids().join(", ")
        )));
    };
    let entry = registry.lookup(id)?;
    let env = |name: &str| std::env::var(name).ok();
    open_with(
        entry.vendor,
        args.base_url.as_deref(),
        args.school.as_deref(),
        &env,
        &http::Extensions::new(),
    )
}

/// Opens `vendor` from settings read through `lookup` (its `MIS_<VENDOR>_*` names), with an
/// optional host override (`--base-url`: wins over `MIS_<VENDOR>_BASE_URL`; empty means
/// none), school name, and vendor-specific `extensions` (e.g. `mis sync` hands HUBmis the
/// identifiers it stored, as an `Arc<dyn mis_core::KeptIdentifiers>`). The one
/// place a provider is built.
pub fn open_with(
    vendor: &VendorDescriptor,
    base_url: Option<&str>,
    school: Option<&str>,
    lookup: Lookup<'_>,
    extensions: &http::Extensions,
) -> Result<Arc<dyn MisProvider>, Error> {
    tracing::debug!(vendor = %vendor.id, ?base_url, ?school, "opening provider");
    let mut options = ClientOptions::from_lookup(vendor.id, lookup)?;
    if let Some(url) = base_url.map(str::trim).filter(|u| !u.is_empty()) {
        options = options.with_base_url(url);
    }
    (vendor.open)(
        OpenRequest::new(options, lookup)
            .school(school)
            .extensions(extensions),
    )
}

#[cfg(test)]
mod tests {
    use mis_core::ErrorKind;

    use super::*;

    #[test]
    fn every_vendor_names_its_missing_credentials_in_one_line() {
        // An empty lookup (not the process environment): each vendor names the credential
        // variables it misses, with its own MIS_<VENDOR>_ prefix, in one line.
        let empty = |_: &str| None;
        for entry in Registry::builtin().entries() {
            let vendor = entry.vendor;
            let e = open_with(vendor, None, None, &empty, &http::Extensions::new())
                .err()
                .unwrap();
            assert_eq!(e.kind(), ErrorKind::Unauthenticated, "{}: {e}", vendor.id);
            let msg = e.to_string();
            assert!(
                msg.contains(&vendor.id.env_prefix()),
                "{}: {msg}",
                vendor.id
            );
            assert!(
                msg.contains(vendor.credentials[0][0]),
                "{}: {msg}",
                vendor.id
            );
            assert!(!msg.contains('\n'), "{}: {msg}", vendor.id);
        }
    }

    #[test]
    fn no_provider_and_an_unknown_one_are_invalid_input() {
        let registry = Registry::builtin();
        let e = open_provider(&registry, &ProviderArgs::default())
            .err()
            .unwrap();
        assert_eq!(e.kind(), ErrorKind::InvalidInput);
        assert!(e.to_string().contains("MIS_PROVIDER"), "{e}");
        assert!(e.to_string().contains("go4schools"), "{e}");
        let args = ProviderArgs {
            provider: Some("sims".into()),
            ..ProviderArgs::default()
        };
        let e = open_provider(&registry, &args).err().unwrap();
        assert_eq!(e.kind(), ErrorKind::InvalidInput);
        assert!(e.to_string().contains("sims"), "{e}");
    }

    #[test]
    fn the_base_url_flag_wins_over_the_variable() {
        let vars = |name: &str| match name {
            "MIS_GO4SCHOOLS_API_KEY" => Some("k".to_owned()),
            "MIS_GO4SCHOOLS_BASE_URL" => Some("ftp://not-a-host".to_owned()),
            _ => None,
        };
        let go4schools = Registry::builtin().lookup("go4schools").unwrap().vendor;
        // The variable alone is refused, naming itself; the flag replaces it.
        let e = open_with(go4schools, None, None, &vars, &http::Extensions::new())
            .err()
            .unwrap();
        assert!(e.to_string().contains("MIS_GO4SCHOOLS_BASE_URL"), "{e}");
        let vars = |name: &str| match name {
            "MIS_GO4SCHOOLS_API_KEY" => Some("k".to_owned()),
            _ => None,
        };
        let provider = open_with(
            go4schools,
            Some("http://127.0.0.1:9/"),
            Some("Oak"),
            &vars,
            &http::Extensions::new(),
        )
        .unwrap();
        assert_eq!(provider.info().vendor, "go4schools");
    }
}
