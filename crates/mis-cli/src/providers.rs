//! Turning `--provider`, `--base-url`, `--school` and the environment into a provider.
//!
//! [`open_provider`] is the only place the command line constructs a provider, so adding a
//! vendor crate means adding one match arm here and nothing anywhere else.

use std::sync::Arc;

use mis_core::{Error, MisProvider};

use crate::cli::{ProviderArgs, Vendor};

/// Reads one setting by its `MIS_*` name: the process environment for `mis`, the sandbox's
/// credentials for `mis demo`, the config's named variables for `mis sync`.
pub type Lookup<'a> = &'a (dyn Fn(&str) -> Option<String> + Sync);

/// Opens the provider the flags and environment describe.
///
/// Errors: `InvalidInput` when no provider is chosen or a setting is malformed;
/// `Unauthenticated` when a credential variable is missing (named in the message).
pub fn open_provider(args: &ProviderArgs) -> Result<Arc<dyn MisProvider>, Error> {
    let Some(vendor) = args.provider else {
        return Err(Error::invalid_input(
            "no provider chosen: pass --provider (classcharts, go4schools, hubmis, classe365, \
             managebac) or set MIS_PROVIDER",
        ));
    };
    let env = |name: &str| std::env::var(name).ok();
    open_provider_with(vendor, base_url(args, vendor), args.school.as_deref(), &env)
}

/// Opens `vendor` from settings read through `lookup` (the vendor's `MIS_<VENDOR>_*` names),
/// with an optional host override and school name. The one place a provider is built.
pub fn open_provider_with(
    vendor: Vendor,
    base_url: Option<String>,
    school: Option<&str>,
    lookup: Lookup<'_>,
) -> Result<Arc<dyn MisProvider>, Error> {
    open_provider_with_options(vendor, base_url, school, lookup, &OpenOptions::default())
}

/// What a caller that keeps state between runs (`mis sync`) hands to the providers it opens.
#[derive(Clone, Default)]
pub struct OpenOptions {
    /// HUBmis: the enrolment identifiers (UPN, candidate number) already known, so they are
    /// not read again at one request (5 s of quota) per student.
    pub hubmis_enrolments: Option<Arc<dyn mis_hubmis::EnrolmentCache>>,
}

/// [`open_provider_with`] with [`OpenOptions`].
pub fn open_provider_with_options(
    vendor: Vendor,
    base_url: Option<String>,
    school: Option<&str>,
    lookup: Lookup<'_>,
    options: &OpenOptions,
) -> Result<Arc<dyn MisProvider>, Error> {
    tracing::debug!(%vendor, ?base_url, ?school, "opening provider");
    // The match names every vendor (no `_`) so a new `Vendor` cannot be forgotten here.
    match vendor {
        Vendor::Classe365 => open_classe365(base_url, school, lookup),
        Vendor::Hubmis => open_hubmis(base_url, school, lookup, options),
        Vendor::Go4schools => open_go4schools(base_url, school, lookup),
        Vendor::Managebac => open_managebac(base_url, school, lookup),
        Vendor::Classcharts => open_classcharts(base_url, lookup),
    }
}

/// ClassCharts from `MIS_CLASSCHARTS_CODE` + `MIS_CLASSCHARTS_DOB` (a pupil: the student
/// API) or `MIS_CLASSCHARTS_EMAIL` + `MIS_CLASSCHARTS_PASSWORD` (a parent: the parent API,
/// all of the parent's pupils unless `MIS_CLASSCHARTS_PUPIL` picks one), with the optional
/// `MIS_CLASSCHARTS_LOGIN_STYLE` (`json` or `web`); a missing variable is `Unauthenticated`,
/// naming it. The host override is `--base-url` or `MIS_CLASSCHARTS_BASE_URL` (the crate adds
/// `/apiv2student` or `/apiv2parent`). `--student ID` on a command picks one pupil. A login
/// belongs to one school, so `--school` is not needed.
fn open_classcharts(
    base_url: Option<String>,
    lookup: Lookup<'_>,
) -> Result<Arc<dyn MisProvider>, Error> {
    let mut config = mis_classcharts::Config::from_lookup(lookup)?;
    if let Some(url) = base_url {
        config = config.base_url(&url)?;
    }
    mis_classcharts::provider(config)
}

/// Classe365 from `MIS_CLASSE365_SUBDOMAIN` + `MIS_CLASSE365_API_KEY` (a missing one is
/// `Unauthenticated`, naming it) and the host override. A Classe365 key belongs to one tenant,
/// so `--school`, when given, must name that tenant's subdomain.
fn open_classe365(
    base_url: Option<String>,
    school: Option<&str>,
    lookup: Lookup<'_>,
) -> Result<Arc<dyn MisProvider>, Error> {
    let mut config = mis_classe365::Config::from_lookup(lookup)?;
    if let Some(url) = base_url {
        config = config.base_url(&url)?;
    }
    if let Some(school) = school {
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
fn open_go4schools(
    base_url: Option<String>,
    school: Option<&str>,
    lookup: Lookup<'_>,
) -> Result<Arc<dyn MisProvider>, Error> {
    let mut config = mis_go4schools::Config::from_lookup(lookup)?;
    if let Some(url) = base_url {
        config = config.base_url(url);
    }
    if let Some(school) = school {
        config = config.tenant(school);
    }
    Ok(Arc::new(mis_go4schools::Client::new(config)?))
}

/// ManageBac from `MIS_MANAGEBAC_TOKEN` (missing: `Unauthenticated`, naming it), the host
/// override (`--base-url` or `MIS_MANAGEBAC_BASE_URL`; the crate adds `/v2p1`) and the
/// optional `MIS_MANAGEBAC_*` settings (region, version, time zone, bell times, behaviour
/// polarity). A token belongs to one school, so `--school` only labels it.
fn open_managebac(
    base_url: Option<String>,
    school: Option<&str>,
    lookup: Lookup<'_>,
) -> Result<Arc<dyn MisProvider>, Error> {
    let mut config = mis_managebac::Config::from_lookup(lookup)?;
    if let Some(url) = base_url {
        config = config.base_url(&url)?;
    }
    if let Some(school) = school {
        config = config.tenant(school);
    }
    Ok(Arc::new(mis_managebac::Client::new(config)?))
}

/// WCBS HUBmis from `MIS_HUBMIS_CLIENT_ID` + `MIS_HUBMIS_CLIENT_SECRET` + `MIS_HUBMIS_REALM`
/// (a missing one is `Unauthenticated`, naming it) and the host override (`--base-url` or
/// `MIS_HUBMIS_BASE_URL`; the crate adds `/api/v1`). The realm is the school, so `--school`
/// names it, in place of `MIS_HUBMIS_REALM`.
fn open_hubmis(
    base_url: Option<String>,
    school: Option<&str>,
    lookup: Lookup<'_>,
    options: &OpenOptions,
) -> Result<Arc<dyn MisProvider>, Error> {
    let mut config = mis_hubmis::Config::from_lookup(|name| match school {
        Some(school) if name == mis_hubmis::config::ENV_REALM => Some(school.to_owned()),
        _ => lookup(name),
    })?;
    if let Some(url) = base_url {
        config = config.with_base_url(url);
    }
    let mut provider = mis_hubmis::HubmisProvider::new(config)?;
    if let Some(known) = &options.hubmis_enrolments {
        provider = provider.with_enrolment_cache(known.clone());
    }
    Ok(Arc::new(provider))
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
    fn every_vendor_reads_its_settings_through_the_lookup() {
        // An empty lookup (not the process environment): each vendor names the first
        // credential it misses, with its own MIS_<VENDOR>_ prefix, in one line.
        let empty = |_: &str| None;
        for vendor in Vendor::ALL {
            let e = open_provider_with(vendor, None, None, &empty).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::Unauthenticated, "{vendor}: {e}");
            let msg = e.to_string();
            assert!(msg.contains(&vendor.env_prefix()), "{vendor}: {msg}");
            assert!(!msg.contains('\n'), "{vendor}: {msg}");
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
