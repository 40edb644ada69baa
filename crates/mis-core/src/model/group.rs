//! Groups: classes, registration groups, year groups, houses.

use serde::{Deserialize, Serialize};

use super::open_enum;

open_enum! {
    /// What a group is for.
    pub enum GroupKind {
        /// A teaching group / class.
        Teaching => "teaching" | "class",
        /// A registration (form / tutor / homeroom) group.
        Registration => "registration" | "form" | "homeroom" | "tutor",
        /// A year group.
        Year => "year" | "year_group",
        /// A house.
        House => "house",
    }
}

/// A group of students.
///
/// `#[non_exhaustive]`: other crates build one with [`Group::new`] and then set the rest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Group {
    /// Vendor id.
    pub provider: String,
    /// The vendor's id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Short code, when different from the name.
    pub code: Option<String>,
    /// What the group is.
    pub kind: GroupKind,
    /// Subject, for teaching groups.
    pub subject: Option<String>,
    /// Staff ids (teachers, tutors) of the group.
    pub staff_ids: Vec<String>,
    /// Student ids of the members.
    pub student_ids: Vec<String>,
}

impl Group {
    /// A group with an id, name and kind; no code, subject, staff or members.
    pub fn new(
        provider: impl Into<String>,
        id: impl Into<String>,
        name: impl Into<String>,
        kind: GroupKind,
    ) -> Self {
        Group {
            provider: provider.into(),
            id: id.into(),
            name: name.into(),
            code: None,
            kind,
            subject: None,
            staff_ids: Vec::new(),
            student_ids: Vec::new(),
        }
    }
}
