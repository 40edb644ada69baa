//! Turning `--provider`, `--base-url`, `--school` and the environment into a provider.
//!
//! [`open_provider`] is the only place the command line constructs a provider, so adding a
//! vendor crate means adding one match arm here and nothing anywhere else.

use std::sync::Arc;

use mis_core::{Error, MisProvider};

use crate::cli::{ProviderArgs, Vendor};

/// Opens the provider the flags and environment describe.
///
/// Errors: `InvalidInput` when no provider is chosen; `Unsupported` when the chosen vendor is
/// not built into this `mis`. Later, a vendor's own construction errors (a missing credential
/// variable is `Unauthenticated`, a malformed base URL `InvalidInput`).
pub fn open_provider(args: &ProviderArgs) -> Result<Arc<dyn MisProvider>, Error> {
    let Some(vendor) = args.provider else {
        return Err(Error::invalid_input(
            "no provider chosen: pass --provider (classcharts, go4schools, hubmis, classe365, \
             managebac) or set MIS_PROVIDER",
        ));
    };
    tracing::debug!(%vendor, base_url = ?base_url(args, vendor), school = ?args.school, "opening provider");
    // No vendor crate is in the workspace yet. When one lands, its arm builds the provider
    // from `base_url(args, vendor)`, `args.school` and the vendor's credential variables.
    // The match names every vendor (no `_`) so a new `Vendor` cannot be forgotten here.
    match vendor {
        Vendor::Classe365 => open_classe365(args),
        Vendor::Hubmis => open_hubmis(args),
        Vendor::Go4schools => open_go4schools(args),
        Vendor::Managebac => open_managebac(args),
        Vendor::Classcharts => open_classcharts(args),
    }
}

/// ClassCharts from `MIS_CLASSCHARTS_CODE` + `MIS_CLASSCHARTS_DOB` (a pupil: the student
/// API) or `MIS_CLASSCHARTS_EMAIL` + `MIS_CLASSCHARTS_PASSWORD` (a parent: the parent API,
/// all of the parent's pupils unless `MIS_CLASSCHARTS_PUPIL` picks one), with the optional
/// `MIS_CLASSCHARTS_LOGIN_STYLE` (`json` or `web`); a missing variable is `Unauthenticated`,
/// naming it. The host override is `--base-url` or `MIS_CLASSCHARTS_BASE_URL` (the crate adds
/// `/apiv2student` or `/apiv2parent`). `--student ID` on a command picks one pupil. A login
/// belongs to one school, so `--school` is not needed.
fn open_classcharts(args: &ProviderArgs) -> Result<Arc<dyn MisProvider>, Error> {
    let mut config = mis_classcharts::Config::from_env()?;
    if let Some(url) = base_url(args, Vendor::Classcharts) {
        config = config.base_url(&url)?;
    }
    mis_classcharts::provider(config)
}

/// Classe365 from `MIS_CLASSE365_SUBDOMAIN` + `MIS_CLASSE365_API_KEY` (a missing one is
/// `Unauthenticated`, naming it) and the host override. A Classe365 key belongs to one tenant,
/// so `--school`, when given, must name that tenant's subdomain.
fn open_classe365(args: &ProviderArgs) -> Result<Arc<dyn MisProvider>, Error> {
    let mut config = mis_classe365::Config::from_env()?;
    if let Some(url) = base_url(args, Vendor::Classe365) {
        config = config.base_url(&url)?;
    }
    if let Some(school) = args.school.as_deref() {
        if school != config.subdomain().as_str() {
            return Err(Error::invalid_input(format!(
                "--school {school:?} does not match {}: a Classe365 API key belongs to one \
                 tenant (subdomain {})",
                mis_classe365::config::ENV_SUBDOMAIN,
                config.subdomain()
            )));
        }
    }
    Ok(Arc::new(mis_classe365::Client::new(config)?))
}

/// GO 4 Schools from `MIS_GO4SCHOOLS_API_KEY` (missing: `Unauthenticated`, naming it) and
/// the host override (`--base-url` or `MIS_GO4SCHOOLS_BASE_URL`; the crate adds
/// `/customer/v1`). A GO key belongs to one school, so `--school` only labels it.
fn open_go4schools(args: &ProviderArgs) -> Result<Arc<dyn MisProvider>, Error> {
    let mut config = mis_go4schools::Config::from_env()?;
    if let Some(url) = base_url(args, Vendor::Go4schools) {
        config = config.base_url(url);
    }
    if let Some(school) = args.school.as_deref() {
        config = config.tenant(school);
    }
    Ok(Arc::new(mis_go4schools::Client::new(config)?))
}

/// ManageBac from `MIS_MANAGEBAC_TOKEN` (missing: `Unauthenticated`, naming it), the host
/// override (`--base-url` or `MIS_MANAGEBAC_BASE_URL`; the crate adds `/v2p1`) and the
/// optional `MIS_MANAGEBAC_*` settings (region, version, time zone, bell times, behaviour
/// polarity). A token belongs to one school, so `--school` only labels it.
fn open_managebac(args: &ProviderArgs) -> Result<Arc<dyn MisProvider>, Error> {
    let mut config = mis_managebac::Config::from_env()?;
    if let Some(url) = base_url(args, Vendor::Managebac) {
        config = config.base_url(&url)?;
    }
    if let Some(school) = args.school.as_deref() {
        config = config.tenant(school);
    }
    Ok(Arc::new(mis_managebac::Client::new(config)?))
}

/// WCBS HUBmis from `MIS_HUBMIS_CLIENT_ID` + `MIS_HUBMIS_CLIENT_SECRET` + `MIS_HUBMIS_REALM`
/// (a missing one is `Unauthenticated`, naming it) and the host override (`--base-url` or
/// `MIS_HUBMIS_BASE_URL`; the crate adds `/api/v1`). The realm is the school, so `--school`
/// names it, in place of `MIS_HUBMIS_REALM`.
fn open_hubmis(args: &ProviderArgs) -> Result<Arc<dyn MisProvider>, Error> {
    let mut config = mis_hubmis::Config::from_lookup(|name| match args.school.as_deref() {
        Some(school) if name == mis_hubmis::config::ENV_REALM => Some(school.to_owned()),
        _ => std::env::var(name).ok(),
    })?;
    if let Some(url) = base_url(args, Vendor::Hubmis) {
        config = config.with_base_url(url);
    }
    Ok(Arc::new(mis_hubmis::HubmisProvider::new(config)?))
}

/// The host override for `vendor`: `--base-url`, else `MIS_<VENDOR>_BASE_URL`, else `None`
/// (the vendor's real host). A trailing slash is dropped; checking that the rest is
/// `scheme://host[:port]` is the vendor crate's job, since it owns the path prefix.
pub fn base_url(args: &ProviderArgs, vendor: Vendor) -> Option<String> {
    let raw = match &args.base_url {
        Some(url) => url.clone(),
        None => std::env::var(vendor.base_url_env()).ok()?,
    };
    let trimmed = raw.trim().trim_end_matches('/');
    // An empty override (e.g. `MIS_HUBMIS_BASE_URL=` left in a shell profile) means "no
    // override", not "an empty host".
    (!trimmed.is_empty()).then(|| trimmed.to_string())
}

#[cfg(test)]
mod tests {
    use mis_core::ErrorKind;

    use super::*;

    #[test]
    fn classcharts_names_its_missing_credential_variables() {
        // Only meaningful where the variables are not set (they never are in CI).
        if [
            mis_classcharts::config::ENV_CODE,
            mis_classcharts::config::ENV_DOB,
            mis_classcharts::config::ENV_EMAIL,
            mis_classcharts::config::ENV_PASSWORD,
        ]
        .iter()
        .any(|v| std::env::var_os(v).is_some())
        {
            return;
        }
        let args = ProviderArgs {
            provider: Some(Vendor::Classcharts),
            ..ProviderArgs::default()
        };
        let e = open_provider(&args).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Unauthenticated);
        for var in [
            "MIS_CLASSCHARTS_CODE",
            "MIS_CLASSCHARTS_DOB",
            "MIS_CLASSCHARTS_EMAIL",
        ] {
            assert!(e.to_string().contains(var), "{e}");
        }
    }

    #[test]
    fn classe365_names_its_missing_credential_variable() {
        // Only meaningful where the variables are not set (they never are in CI).
        if std::env::var_os(mis_classe365::config::ENV_SUBDOMAIN).is_some() {
            return;
        }
        let args = ProviderArgs {
            provider: Some(Vendor::Classe365),
            ..ProviderArgs::default()
        };
        let e = open_provider(&args).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Unauthenticated);
        assert!(e.to_string().contains("MIS_CLASSE365_SUBDOMAIN"), "{e}");
    }

    #[test]
    fn go4schools_names_its_missing_api_key_variable() {
        // Only meaningful where the variable is not set (it never is in CI).
        if std::env::var_os(mis_go4schools::ENV_API_KEY).is_some() {
            return;
        }
        let args = ProviderArgs {
            provider: Some(Vendor::Go4schools),
            ..ProviderArgs::default()
        };
        let e = open_provider(&args).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Unauthenticated);
        assert!(e.to_string().contains("MIS_GO4SCHOOLS_API_KEY"), "{e}");
        assert!(!e.to_string().contains('\n'), "{e}");
    }

    #[test]
    fn managebac_names_its_missing_token_variable() {
        // Only meaningful where the variable is not set (it never is in CI).
        if std::env::var_os(mis_managebac::config::ENV_TOKEN).is_some() {
            return;
        }
        let args = ProviderArgs {
            provider: Some(Vendor::Managebac),
            ..ProviderArgs::default()
        };
        let e = open_provider(&args).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Unauthenticated);
        assert!(e.to_string().contains("MIS_MANAGEBAC_TOKEN"), "{e}");
    }

    #[test]
    fn hubmis_names_its_missing_credential_variable() {
        // Only meaningful where the variables are not set (they never are in CI).
        if std::env::var_os(mis_hubmis::config::ENV_CLIENT_ID).is_some() {
            return;
        }
        let args = ProviderArgs {
            provider: Some(Vendor::Hubmis),
            ..ProviderArgs::default()
        };
        let e = open_provider(&args).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Unauthenticated);
        assert!(e.to_string().contains("MIS_HUBMIS_CLIENT_ID"), "{e}");
    }

    #[test]
    fn every_vendor_is_not_built_in_yet_with_a_clear_message() {
        for vendor in Vendor::ALL {
            if vendor == Vendor::Classe365
                || vendor == Vendor::Classcharts
                || vendor == Vendor::Go4schools
                || vendor == Vendor::Managebac
                || vendor == Vendor::Hubmis
            {
                continue;
            }
            let args = ProviderArgs {
                provider: Some(vendor),
                ..ProviderArgs::default()
            };
            let e = open_provider(&args).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::Unsupported);
            assert_eq!(
                e.to_string(),
                format!("provider {vendor} is not built into this mis yet")
            );
        }
    }

    #[test]
    fn no_provider_is_invalid_input() {
        let e = open_provider(&ProviderArgs::default()).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput);
        assert!(e.to_string().contains("MIS_PROVIDER"));
    }

    #[test]
    fn base_url_flag_wins_and_loses_its_trailing_slash() {
        let args = ProviderArgs {
            provider: Some(Vendor::Hubmis),
            base_url: Some("http://127.0.0.1:8080/".into()),
            school: None,
        };
        assert_eq!(
            base_url(&args, Vendor::Hubmis).as_deref(),
            Some("http://127.0.0.1:8080")
        );
    }
}
