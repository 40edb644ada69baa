//! Naming a vendor: [`VendorId`].
//!
//! A vendor's id is the lowercase word used on the command line (`--provider hubmis`), in
//! environment variable prefixes (`MIS_HUBMIS_*`) and in every record's `provider` field. Each
//! vendor crate declares its own (`mis_hubmis::VENDOR_ID`); nothing in this crate lists the
//! vendors, so a new vendor crate needs no change here. The list of vendors a program knows
//! is its registry (in `mis-cli`, `mis_cli::registry`).

use std::fmt;

use serde::{Serialize, Serializer};

use crate::{Error, Result};

/// A vendor's id: lowercase ASCII letters and digits, starting with a letter (`hubmis`,
/// `go4schools`).
///
/// ```
/// use mis_core::VendorId;
/// const HUBMIS: VendorId = VendorId::new("hubmis");
/// assert_eq!(HUBMIS.as_str(), "hubmis");
/// assert_eq!(HUBMIS.env_prefix(), "MIS_HUBMIS");
/// assert_eq!(HUBMIS.env("BASE_URL"), "MIS_HUBMIS_BASE_URL");
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct VendorId(&'static str);

impl VendorId {
    /// A vendor id. Panics at compile time (in a `const`) or at first use if `id` is not
    /// lowercase ASCII letters and digits starting with a letter: ids are constants written
    /// by the vendor crate, so a bad one is a programming error, not input.
    pub const fn new(id: &'static str) -> VendorId {
        let bytes = id.as_bytes();
        assert!(!bytes.is_empty(), "a vendor id is not empty");
        assert!(
            bytes[0].is_ascii_lowercase(),
            "a vendor id starts with a lowercase letter"
        );
        let mut i = 0;
        while i < bytes.len() {
            assert!(
                bytes[i].is_ascii_lowercase() || bytes[i].is_ascii_digit(),
                "a vendor id is lowercase ASCII letters and digits"
            );
            i += 1;
        }
        VendorId(id)
    }

    /// Checks a user-supplied id (a `--provider` value, a config's `provider` key) against the
    /// id rule; whether such a vendor exists is the registry's question.
    pub fn check(text: &str) -> Result<&str> {
        let ok = text.as_bytes().first().is_some_and(u8::is_ascii_lowercase)
            && text
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
        if ok {
            Ok(text)
        } else {
            Err(Error::invalid_input(format!(
                "{text:?} is not a vendor id (lowercase letters and digits, e.g. hubmis)"
            )))
        }
    }

    /// The id (`hubmis`).
    pub const fn as_str(self) -> &'static str {
        self.0
    }

    /// The prefix of the vendor's environment variables (`MIS_HUBMIS`).
    pub fn env_prefix(self) -> String {
        format!("MIS_{}", self.0.to_ascii_uppercase())
    }

    /// One of the vendor's environment variables: `env("BASE_URL")` is `MIS_HUBMIS_BASE_URL`.
    pub fn env(self, suffix: &str) -> String {
        format!("{}_{suffix}", self.env_prefix())
    }
}

impl fmt::Display for VendorId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

impl fmt::Debug for VendorId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "VendorId({})", self.0)
    }
}

impl Serialize for VendorId {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        serializer.serialize_str(self.0)
    }
}

impl PartialEq<str> for VendorId {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl PartialEq<&str> for VendorId {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

impl AsRef<str> for VendorId {
    fn as_ref(&self) -> &str {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_name_their_environment_variables() {
        let id = VendorId::new("go4schools");
        assert_eq!(id.env("API_KEY"), "MIS_GO4SCHOOLS_API_KEY");
        assert_eq!(id.to_string(), "go4schools");
        assert_eq!(serde_json::to_string(&id).unwrap(), "\"go4schools\"");
        assert!(id == "go4schools");
    }

    #[test]
    fn user_supplied_ids_are_checked() {
        assert!(VendorId::check("hubmis").is_ok());
        for bad in ["", "HubMIS", "4go", "hub-mis", "hub mis"] {
            let e = VendorId::check(bad).unwrap_err();
            assert!(e.to_string().contains("not a vendor id"), "{e}");
        }
    }

    #[test]
    #[should_panic(expected = "lowercase")]
    fn a_bad_constant_id_is_a_programming_error() {
        let _ = VendorId::new(String::from("Bad").leak());
    }
}
