//! Pastoral: categories (from the document's sample) and events (**inferred shape**:
//! the document's list and single-event samples lost their fields).

use serde::{Deserialize, Serialize};

use super::{Extra, Id, Item, PersonRef, lenient_u64, wire_enum};

wire_enum! {
    /// `filter[type]` and the `pastoralCategoryType` path parameter.
    pub enum PastoralType {
        /// A wellbeing event (an incident, a concern, a note).
        WellbeingEvent => "wellbeing_event",
        /// A wellbeing plan.
        WellbeingPlan => "wellbeing_plan",
    }
}

wire_enum! {
    /// `filter[status]`: `active` or `inactive`.
    pub enum EventStatus {
        /// Open.
        Active => "active",
        /// Closed.
        Inactive => "inactive",
    }
}

/// "Pastoral Category: Get one".
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct PastoralCategory {
    /// Id.
    pub id: Option<Id>,
    /// e.g. `Example category`.
    pub name: Option<String>,
    /// Sort position.
    #[serde(deserialize_with = "lenient_u64")]
    pub position: Option<u64>,
    /// Whether the category is built in.
    pub system_value: Option<bool>,
    /// The parent category.
    pub category: Option<Item>,
    /// Colour.
    #[serde(deserialize_with = "lenient_u64")]
    pub color: Option<u64>,
    /// Sections.
    pub sections: Vec<Item>,
    /// Set when deleted.
    pub deleted_at: Option<String>,
}

/// A pastoral event: `{"id", "type", "date_time", "category": {"id", "name"},
/// "severity": {…}|null, "students": [{"id"}], "description", "status"}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct PastoralEvent {
    /// Id.
    pub id: Option<Id>,
    /// `wellbeing_event` or `wellbeing_plan`.
    #[serde(rename = "type")]
    pub event_type: Option<PastoralType>,
    /// When it happened: RFC 3339, or a wall-clock date-time in the school's zone (a `date`
    /// field in `extra` is read when this is absent).
    pub date_time: Option<String>,
    /// The category.
    pub category: Option<Item>,
    /// The severity.
    pub severity: Option<Item>,
    /// The students involved.
    pub students: Vec<Item>,
    /// Free text.
    pub description: Option<String>,
    /// `active` / `inactive`.
    pub status: Option<EventStatus>,
    /// Who recorded it, when sent.
    pub created_by: Option<PersonRef>,
    /// Anything else.
    #[serde(flatten)]
    pub extra: Extra,
}
