//! Staff members.

use serde::{Deserialize, Serialize};

use super::Identifier;

/// A member of staff.
///
/// `#[non_exhaustive]`: other crates build one with [`Staff::new`] and then set the rest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Staff {
    /// Vendor id.
    pub provider: String,
    /// The vendor's id.
    pub id: String,
    /// Title (`Mr`, `Dr`…).
    pub title: Option<String>,
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// E-mail (an attribute, never a key).
    pub email: Option<String>,
    /// Staff code / initials.
    pub code: Option<String>,
    /// Roles (teacher, tutor…), as the vendor labels them.
    pub roles: Vec<String>,
    /// Other identifiers.
    pub identifiers: Vec<Identifier>,
}

impl Staff {
    /// A member of staff with an id and names; everything else empty.
    pub fn new(
        provider: impl Into<String>,
        id: impl Into<String>,
        first_name: impl Into<String>,
        last_name: impl Into<String>,
    ) -> Self {
        Staff {
            provider: provider.into(),
            id: id.into(),
            title: None,
            first_name: first_name.into(),
            last_name: last_name.into(),
            email: None,
            code: None,
            roles: Vec::new(),
            identifiers: Vec::new(),
        }
    }
}
