//! [`DESCRIPTOR`]: GO 4 Schools as a program's vendor registry lists it.

use std::sync::Arc;

use mis_core::{Capabilities, MisProvider, Result, VendorId};
use mis_http::{OpenRequest, VendorDescriptor};

use crate::config::{Config, ENV_API_KEY, ENV_CODE_MAP, api_key_from};
use crate::provider::Go4SchoolsProvider;

/// The vendor id: `--provider go4schools`, the `MIS_GO4SCHOOLS_*` variables, every record's
/// `provider`.
pub const VENDOR_ID: VendorId = VendorId::new("go4schools");

/// GO 4 Schools in a vendor registry.
pub const DESCRIPTOR: VendorDescriptor = VendorDescriptor {
    id: VENDOR_ID,
    name: "GO 4 Schools",
    summary: "GO 4 Schools customer API v1 (one API key per school)",
    credentials: &[&[ENV_API_KEY]],
    capabilities,
    open,
    doctor: crate::doctor::FACTS,
    // The API sends dates and times without a zone: the school's is configured.
    sync: mis_http::SyncFacts {
        time_zone: true,
        ..mis_http::SyncFacts::NONE
    },
};

fn capabilities() -> Vec<(&'static str, Capabilities)> {
    vec![(VENDOR_ID.as_str(), crate::provider::capabilities())]
}

/// Opens GO 4 Schools from `MIS_GO4SCHOOLS_API_KEY` (missing: `Unauthenticated`, naming it),
/// `MIS_GO4SCHOOLS_CODE_MAP` (the school's own codes; malformed: `InvalidInput`, naming it)
/// and the shared options (a base URL override is the host only: the crate adds
/// `/customer/v1`). A GO key belongs to one school, so the school, when named, only labels
/// the provider ([`Config::tenant`]).
fn open(request: OpenRequest<'_>) -> Result<Arc<dyn MisProvider>> {
    let code_map = request.var(ENV_CODE_MAP);
    let mut config = Config::new(api_key_from(request.lookup)?).with_options(request.options);
    if let Some(text) = code_map {
        config = config.code_map(&text)?;
    }
    if let Some(school) = request.school {
        config = config.tenant(school);
    }
    Ok(Arc::new(Go4SchoolsProvider::new(config)?))
}

#[cfg(test)]
mod tests {
    use mis_core::ErrorKind;

    use super::*;
    use mis_http::testing::vars as lookup;

    #[test]
    fn opens_with_the_api_key_and_sends_nothing() {
        let vars = lookup(&[
            ("MIS_GO4SCHOOLS_API_KEY", "k"),
            // An unused loopback port: opening must not connect.
            ("MIS_GO4SCHOOLS_BASE_URL", "http://127.0.0.1:9"),
            ("MIS_GO4SCHOOLS_TIME_ZONE", "Europe/Dublin"),
        ]);
        let provider = DESCRIPTOR.open_from(&vars).unwrap();
        assert_eq!(provider.info().vendor, "go4schools");
        assert_eq!(provider.info().time_zone, "Europe/Dublin");
        assert_eq!(provider.capabilities(), (DESCRIPTOR.capabilities)()[0].1);
    }

    #[test]
    fn a_missing_api_key_is_unauthenticated_and_named() {
        for vars in [lookup(&[]), lookup(&[("MIS_GO4SCHOOLS_API_KEY", " ")])] {
            let e = DESCRIPTOR.open_from(&vars).err().unwrap();
            assert_eq!(e.kind(), ErrorKind::Unauthenticated);
            for name in DESCRIPTOR.credentials.iter().flat_map(|set| set.iter()) {
                assert!(e.to_string().contains(name), "{e}");
            }
        }
    }

    #[test]
    fn the_school_labels_the_provider() {
        let vars = lookup(&[("MIS_GO4SCHOOLS_API_KEY", "k")]);
        let request = OpenRequest::new(mis_http::ClientOptions::new(), &vars).school(Some("S1"));
        let provider = (DESCRIPTOR.open)(request).unwrap();
        assert_eq!(provider.info().tenant.as_deref(), Some("S1"));
        assert_eq!(
            (DESCRIPTOR.capabilities)(),
            vec![("go4schools", crate::provider::capabilities())]
        );
    }
}
