//! [`DESCRIPTOR`]: ClassCharts as a program's vendor registry lists it.
//!
//! The descriptor opens a provider from `MIS_CLASSCHARTS_*` variables: a pupil login
//! ([`ENV_CODE`] + [`ENV_DOB`], the student API) or a parent login ([`ENV_EMAIL`] +
//! [`ENV_PASSWORD`], the parent API, every pupil of the parent unless
//! [`ENV_PUPIL`](crate::config::ENV_PUPIL) picks one), the optional
//! [`ENV_LOGIN_STYLE`](crate::config::ENV_LOGIN_STYLE) and
//! [`ENV_CODE_MAP`](crate::config::ENV_CODE_MAP) (the school's own attendance codes), and the
//! shared client settings
//! ([`mis_http::ClientOptions`], `MIS_CLASSCHARTS_BASE_URL` and the rest). A login belongs
//! to one pupil or one parent of one school, so the caller's school name is not needed and
//! not checked: ClassCharts has no school identifier a login could be compared with.

use std::sync::Arc;

use mis_core::{Capabilities, MisProvider, Result};
use mis_http::{OpenRequest, VendorDescriptor};

use crate::VENDOR_ID;
use crate::config::{Config, ENV_CODE, ENV_DOB, ENV_EMAIL, ENV_PASSWORD};

/// ClassCharts in a vendor registry: two ways to log in (pupil, parent), one capability
/// entry for each.
pub const DESCRIPTOR: VendorDescriptor = VendorDescriptor {
    id: VENDOR_ID,
    name: "ClassCharts",
    summary: "ClassCharts student and parent APIs (a pupil's code and date of birth, or a \
              parent's e-mail and password)",
    credentials: &[&[ENV_CODE, ENV_DOB], &[ENV_EMAIL, ENV_PASSWORD]],
    capabilities,
    open,
    doctor: crate::doctor::FACTS,
    // The school's time zone comes from the API or is fixed; no quota to configure.
    sync: mis_http::SyncFacts::NONE,
};

/// The capabilities of a pupil login and of a parent login, named
/// `classcharts_student` and `classcharts_parent`. Both APIs serve the same data, so
/// both entries are the same today; they are listed apart because they are two logins a
/// school may offer separately.
fn capabilities() -> Vec<(&'static str, Capabilities)> {
    vec![
        ("classcharts_student", crate::provider::capabilities()),
        ("classcharts_parent", crate::provider::capabilities()),
    ]
}

/// Builds the provider; sends nothing (the login happens on the first request).
fn open(request: OpenRequest<'_>) -> Result<Arc<dyn MisProvider>> {
    // The request's options were read under the same names `from_lookup` reads, plus any
    // command-line override: they replace the ones read here.
    let config = Config::from_lookup(request.lookup)?.with_options(request.options);
    crate::provider(config)
}

#[cfg(test)]
mod tests {
    use mis_core::ErrorKind;

    use super::*;
    use crate::config::{ENV_LOGIN_STYLE, ENV_PUPIL};
    use mis_http::testing::vars as lookup;

    #[test]
    fn opens_with_either_login_and_sends_nothing() {
        // An unused loopback port: opening must not connect.
        let base = ("MIS_CLASSCHARTS_BASE_URL", "http://127.0.0.1:9");
        let student = lookup(&[(ENV_CODE, "ABC123"), (ENV_DOB, "2010-01-20"), base]);
        let p = DESCRIPTOR.open_from(&student).unwrap();
        assert_eq!(p.info().vendor, crate::VENDOR);
        let parent = lookup(&[
            (ENV_EMAIL, "parent@example.com"),
            (ENV_PASSWORD, "pw"),
            (ENV_PUPIL, "42"),
            (ENV_LOGIN_STYLE, "web"),
        ]);
        assert!(DESCRIPTOR.open_from(&parent).is_ok());
    }

    #[test]
    fn a_missing_credential_is_unauthenticated_naming_each_variable() {
        let e = DESCRIPTOR.open_from(&lookup(&[])).err().unwrap();
        assert_eq!(e.kind(), ErrorKind::Unauthenticated);
        for set in DESCRIPTOR.credentials {
            for var in *set {
                assert!(e.to_string().contains(var), "{var}: {e}");
            }
        }
        // Half a login names the other half.
        for (given, missing) in [
            ((ENV_CODE, "ABC123"), ENV_DOB),
            ((ENV_DOB, "2010-01-20"), ENV_CODE),
            ((ENV_EMAIL, "parent@example.com"), ENV_PASSWORD),
            ((ENV_PASSWORD, "pw"), ENV_EMAIL),
        ] {
            let e = DESCRIPTOR.open_from(&lookup(&[given])).err().unwrap();
            assert_eq!(e.kind(), ErrorKind::Unauthenticated, "{e}");
            assert!(e.to_string().contains(missing), "{missing}: {e}");
        }
    }

    #[test]
    fn a_malformed_shared_setting_names_its_variable() {
        let e = DESCRIPTOR
            .open_from(&lookup(&[
                (ENV_CODE, "ABC123"),
                (ENV_DOB, "2010-01-20"),
                ("MIS_CLASSCHARTS_TIME_ZONE", "Mars/Olympus"),
            ]))
            .err()
            .unwrap();
        assert_eq!(e.kind(), ErrorKind::InvalidInput);
        assert!(e.to_string().contains("MIS_CLASSCHARTS_TIME_ZONE"), "{e}");
    }

    #[test]
    fn both_logins_have_a_capability_entry() {
        let names: Vec<_> = (DESCRIPTOR.capabilities)()
            .into_iter()
            .map(|(n, c)| {
                assert!(c.students && c.attendance_sessions && !c.staff, "{n}");
                n
            })
            .collect();
        assert_eq!(names, ["classcharts_student", "classcharts_parent"]);
    }
}
