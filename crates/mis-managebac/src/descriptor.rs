//! [`DESCRIPTOR`]: ManageBac as a program's vendor registry lists it.
//!
//! Opening reads the API token from `MIS_MANAGEBAC_TOKEN` (Settings → Develop → API Manager
//! in ManageBac); a missing or empty one is `Unauthenticated`, naming the variable. The
//! token already names one school, so a school the caller names (`--school`) is only the
//! label on the provider's records ([`Config::tenant`]). The optional `MIS_MANAGEBAC_*`
//! settings (region, API version, bell times, behaviour polarity, category map) are read as
//! [`Config::from_lookup`] reads them; the shared ones (host, time zone, quota, …) come in
//! the request's [`ClientOptions`](mis_http::ClientOptions).

use std::sync::Arc;

use mis_core::{Capabilities, MisProvider, Result};
use mis_http::{OpenRequest, VendorDescriptor};

use crate::config::{Config, ENV_TOKEN};
use crate::{ManageBacProvider, VENDOR_ID};

/// ManageBac in a vendor registry: `--provider managebac`, `MIS_MANAGEBAC_*`.
pub const DESCRIPTOR: VendorDescriptor = VendorDescriptor {
    id: VENDOR_ID,
    name: "ManageBac",
    summary: "ManageBac (Faria) API v2p1: an API token in the auth-token header",
    credentials: &[&[ENV_TOKEN]],
    capabilities,
    open,
    doctor: crate::doctor::FACTS,
    sync: mis_http::SyncFacts {
        time_zone: true,
        // Classes carry period numbers only; the school's bell times turn them into lessons.
        bell_times: Some(|text| crate::PeriodTimes::parse(text).map(drop)),
        timetable_needs_bell_times: true,
        quota: Some(|text| crate::config::parse_quota(text).map(drop)),
        // Faria's "Rate limitations and throttling": the limit applies per IP address,
        // regardless of endpoint.
        quota_per_address: true,
        per_student: &[],
        kept_identifiers: None,
    },
};

fn capabilities() -> Vec<(&'static str, Capabilities)> {
    vec![(VENDOR_ID.as_str(), crate::provider::capabilities())]
}

fn open(request: OpenRequest<'_>) -> Result<Arc<dyn MisProvider>> {
    let mut config = Config::from_parts(request.lookup, request.options)?;
    if let Some(school) = request.school {
        config = config.tenant(school);
    }
    Ok(Arc::new(ManageBacProvider::new(config)?))
}

#[cfg(test)]
mod tests {
    use mis_core::ErrorKind;

    use super::*;
    use mis_http::testing::vars;

    #[test]
    fn the_token_opens_and_its_absence_is_named() {
        let with = vars(&[
            (ENV_TOKEN, "tok"),
            ("MIS_MANAGEBAC_BASE_URL", "http://127.0.0.1:9"),
        ]);
        let provider = DESCRIPTOR.open_from(&with).unwrap();
        assert_eq!(provider.info().vendor, "managebac");
        assert_eq!(provider.capabilities(), crate::provider::capabilities());

        for lookup in [vars(&[]), vars(&[(ENV_TOKEN, "  ")])] {
            let e = DESCRIPTOR.open_from(&lookup).err().unwrap();
            assert_eq!(e.kind(), ErrorKind::Unauthenticated);
            assert!(e.to_string().contains(ENV_TOKEN), "{e}");
        }
        assert_eq!(DESCRIPTOR.credentials, &[&[ENV_TOKEN][..]]);
    }

    #[test]
    fn the_school_labels_the_provider_and_bad_settings_are_named() {
        let lookup = vars(&[(ENV_TOKEN, "tok")]);
        let options = mis_http::ClientOptions::new().with_base_url("http://127.0.0.1:9");
        let provider =
            (DESCRIPTOR.open)(OpenRequest::new(options, &lookup).school(Some("Hillside"))).unwrap();
        assert_eq!(provider.info().tenant.as_deref(), Some("Hillside"));
        assert_eq!((DESCRIPTOR.capabilities)()[0].0, "managebac");

        let bad = vars(&[(ENV_TOKEN, "tok"), ("MIS_MANAGEBAC_REGION", "mars")]);
        let e = DESCRIPTOR.open_from(&bad).err().unwrap();
        assert_eq!(e.kind(), ErrorKind::InvalidInput);
        assert!(e.to_string().contains("MIS_MANAGEBAC_REGION"), "{e}");
    }
}
