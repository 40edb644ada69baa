//! Contacts (parents, guardians): "Contacts: Get Contact" and its consent.

use serde::{Deserialize, Serialize};

use super::{Extra, Id, Item, TextOrItem};

/// "Contacts: Get Contact".
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct Contact {
    /// Id.
    pub id: Option<Id>,
    /// Portal access (`no_access`, …).
    pub access_status: Option<String>,
    /// Whether the contact exists in several realms.
    pub multi_realm: Option<bool>,
    /// Per-student access.
    pub students_access: Vec<serde_json::Value>,
    /// Set when deleted.
    pub deleted_at: Option<String>,
    /// An id from another system.
    pub external_id: Option<String>,
    /// First name.
    pub first_name: Option<String>,
    /// Gender.
    pub gender: Option<TextOrItem>,
    /// Last name.
    pub last_name: Option<String>,
    /// Middle name.
    pub middle_name: Option<String>,
    /// Primary e-mail.
    pub primary_email: Option<String>,
    /// e.g. `active`.
    pub status: Option<String>,
    /// Their students.
    pub students: Vec<Item>,
    /// Title.
    pub title: Option<TextOrItem>,
    /// Anything else.
    #[serde(flatten)]
    pub extra: Extra,
}

/// "Contacts: Get contact consent".
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct ContactConsent {
    /// Whether consent is given.
    pub consent: Option<bool>,
}
