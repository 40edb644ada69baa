//! Staff members.

use serde::{Deserialize, Serialize};

use super::Identifier;

/// A member of staff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
