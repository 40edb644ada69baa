//! [`DESCRIPTOR`]: HUBmis as a program's vendor registry lists it.

use std::sync::Arc;

use mis_core::{Capabilities, Identifier, IdentifierKind, KeptIdentifiers, MisProvider, Result};
use mis_http::{OpenRequest, VendorDescriptor};

use crate::config::{Config, ENV_CLIENT_ID, ENV_CLIENT_SECRET, ENV_REALM, VENDOR_ID};
use crate::provider::{self, EnrolmentCache, HubmisProvider, KnownEnrolment};

/// HUBmis for a vendor registry.
///
/// [`OpenRequest::school`] names the realm (the school) in place of `MIS_HUBMIS_REALM`. A
/// long-running caller that keeps enrolment identifiers hands its store over as an
/// `Arc<dyn KeptIdentifiers>` (or HUBmis's own `Arc<dyn EnrolmentCache>`) in
/// [`OpenRequest::extensions`], so UPNs already read cost no request
/// ([`HubmisProvider::with_enrolment_cache`]).
pub const DESCRIPTOR: VendorDescriptor = VendorDescriptor {
    id: VENDOR_ID,
    name: "WCBS HUBmis",
    summary: "WCBS HUBmis REST API (OAuth2 client credentials + Realm header, 12 requests a minute)",
    credentials: &[&[ENV_CLIENT_ID, ENV_CLIENT_SECRET, ENV_REALM]],
    capabilities,
    open,
    doctor: crate::doctor::FACTS,
    sync: mis_http::SyncFacts {
        time_zone: true,
        bell_times: None,
        timetable_needs_bell_times: false,
        quota: Some(|text| text.parse::<crate::Quota>().map(drop)),
        // "12 requests per minute per IP address" (the API reference, "Usage Limits").
        quota_per_address: true,
        // Marks and lessons are read by student (one request each).
        per_student: &["attendance", "timetable"],
        // A UPN is on the per-student enrolment record only: 5 s of quota each.
        kept_identifiers: Some("hubmis.enrolments"),
    },
};

fn capabilities() -> Vec<(&'static str, Capabilities)> {
    vec![(VENDOR_ID.as_str(), provider::capabilities())]
}

fn open(request: OpenRequest<'_>) -> Result<Arc<dyn MisProvider>> {
    // The realm is the school, so a named school replaces the realm variable.
    let school = request.school.map(str::trim).filter(|s| !s.is_empty());
    let lookup = request.lookup;
    let config = Config::from_lookup_with(
        |name| match school {
            Some(school) if name == ENV_REALM => Some(school.to_owned()),
            _ => lookup(name),
        },
        request.options,
    )?;
    let mut hubmis = HubmisProvider::new(config)?;
    if let Some(cache) = request.extensions.get::<Arc<dyn EnrolmentCache>>() {
        hubmis = hubmis.with_enrolment_cache(cache.clone());
    } else if let Some(kept) = request.extensions.get::<Arc<dyn KeptIdentifiers>>() {
        hubmis = hubmis.with_enrolment_cache(Arc::new(KeptEnrolments(kept.clone())));
    }
    Ok(Arc::new(hubmis))
}

/// A caller's [`KeptIdentifiers`] (any vendor's) as HUBmis's [`EnrolmentCache`].
struct KeptEnrolments(Arc<dyn KeptIdentifiers>);

impl EnrolmentCache for KeptEnrolments {
    fn get(&self, student_id: &str) -> Option<KnownEnrolment> {
        let mut enrolment = KnownEnrolment::default();
        for id in self.0.get(student_id)? {
            match id.kind {
                IdentifierKind::Upn => enrolment.upn = Some(id.value),
                IdentifierKind::CandidateNumber => enrolment.candidate_number = Some(id.value),
                _ => {}
            }
        }
        // A student kept without a UPN is asked again: the school may have entered one.
        enrolment.upn.is_some().then_some(enrolment)
    }

    fn put(&self, student_id: &str, enrolment: &KnownEnrolment) {
        let ids: Vec<Identifier> = [
            (IdentifierKind::Upn, &enrolment.upn),
            (IdentifierKind::CandidateNumber, &enrolment.candidate_number),
        ]
        .into_iter()
        .filter_map(|(kind, value)| Some(Identifier::new(kind, value.clone()?)))
        .collect();
        self.0.put(student_id, &ids);
    }
}

#[cfg(test)]
mod tests {
    use mis_core::ErrorKind;

    use super::*;
    use mis_http::testing::vars as lookup;

    const CREDENTIALS: &[(&str, &str)] = &[
        (ENV_CLIENT_ID, "client123"),
        (ENV_CLIENT_SECRET, "s3cr3t"),
        (ENV_REALM, "S999"),
        // Nothing is sent when opening; the loopback host keeps it that way if it were.
        ("MIS_HUBMIS_BASE_URL", "http://127.0.0.1:9"),
    ];

    #[test]
    fn opens_with_the_credential_variables() {
        let hubmis = DESCRIPTOR.open_from(&lookup(CREDENTIALS)).unwrap();
        assert_eq!(hubmis.info().vendor, "hubmis");
        assert_eq!(hubmis.info().tenant.as_deref(), Some("S999"));
        assert_eq!(
            hubmis.capabilities(),
            (DESCRIPTOR.capabilities)()[0].1,
            "the descriptor's capabilities are the provider's"
        );
    }

    #[test]
    fn a_missing_credential_is_unauthenticated_naming_it() {
        for missing in DESCRIPTOR.credentials[0] {
            let pairs: Vec<_> = CREDENTIALS
                .iter()
                .copied()
                .filter(|(k, _)| k != missing)
                .collect();
            let e = DESCRIPTOR.open_from(&lookup(&pairs)).err().unwrap();
            assert_eq!(e.kind(), ErrorKind::Unauthenticated, "{missing}");
            assert!(
                e.to_string().contains(&format!("{missing} is not set")),
                "{e}"
            );
        }
        // With none set, the error names every variable of the login.
        let e = DESCRIPTOR.open_from(&lookup(&[])).err().unwrap();
        assert_eq!(e.kind(), ErrorKind::Unauthenticated);
        for name in DESCRIPTOR.credentials[0] {
            assert!(e.to_string().contains(name), "{e}");
        }
    }

    #[test]
    fn the_school_names_the_realm() {
        let pairs: Vec<_> = CREDENTIALS
            .iter()
            .copied()
            .filter(|(k, _)| *k != ENV_REALM)
            .collect();
        let lookup = lookup(&pairs);
        let options = mis_http::ClientOptions::from_lookup(VENDOR_ID, &lookup).unwrap();
        let hubmis =
            (DESCRIPTOR.open)(OpenRequest::new(options, &lookup).school(Some("S42"))).unwrap();
        assert_eq!(hubmis.info().tenant.as_deref(), Some("S42"));
    }

    #[test]
    fn the_requests_options_are_the_ones_used() {
        let lookup = lookup(CREDENTIALS);
        let options = mis_http::ClientOptions::new().with_time_zone("Europe/Dublin");
        let hubmis = (DESCRIPTOR.open)(OpenRequest::new(options, &lookup)).unwrap();
        assert_eq!(hubmis.info().time_zone, "Europe/Dublin");
        // A host with a path is refused: the client adds `/api/v1` itself.
        let options = mis_http::ClientOptions::new().with_base_url("https://example.com/api/v1");
        let e = (DESCRIPTOR.open)(OpenRequest::new(options, &lookup))
            .err()
            .unwrap();
        assert_eq!(e.kind(), ErrorKind::InvalidInput);
    }

    #[test]
    fn kept_identifiers_stand_in_for_the_enrolment_cache() {
        let kept = Arc::new(mis_core::MemoryIdentifiers::default());
        let cache = KeptEnrolments(kept.clone());
        kept.put(
            "1",
            &[Identifier::new(IdentifierKind::CandidateNumber, "4012")],
        );
        assert_eq!(
            cache.get("1"),
            None,
            "no UPN kept: the record is read again"
        );
        let read = KnownEnrolment {
            upn: Some("A123456789012".into()),
            candidate_number: Some("4012".into()),
        };
        cache.put("2", &read);
        assert_eq!(cache.get("2"), Some(read));
        assert_eq!(cache.get("3"), None);
    }
}
