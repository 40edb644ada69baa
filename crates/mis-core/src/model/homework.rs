//! Homework and detentions.

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use super::{DateTime, open_enum};

/// A homework task.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Homework {
    /// Vendor id.
    pub provider: String,
    /// The vendor's id.
    pub id: String,
    /// The student it was fetched for, else `null`.
    pub student_id: Option<String>,
    /// Title.
    pub title: String,
    /// Description (may be HTML as the vendor sends it).
    pub description: Option<String>,
    /// Subject.
    pub subject: Option<String>,
    /// Class / teaching group label.
    pub group: Option<String>,
    /// Teacher who set it.
    pub set_by: Option<String>,
    /// Date it was set.
    pub set_on: Option<Date>,
    /// Date it is due.
    pub due_on: Option<Date>,
    /// Completion state as the vendor labels it (`completed`, `not_completed`…).
    pub status: Option<String>,
}

open_enum! {
    /// What happened with a detention.
    pub enum DetentionStatus {
        /// Booked, not yet happened.
        Scheduled => "scheduled" | "pending" | "upcoming",
        /// The student attended.
        Attended => "attended" | "yes",
        /// The student did not attend.
        Missed => "missed" | "no" | "not_attended",
        /// Cancelled.
        Cancelled => "cancelled" | "canceled",
    }
}

/// A detention.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Detention {
    /// Vendor id.
    pub provider: String,
    /// The vendor's id.
    pub id: String,
    /// The student's vendor id.
    pub student_id: String,
    /// Date of the detention.
    pub date: Date,
    /// Start, when known.
    pub start: Option<DateTime>,
    /// End, when known.
    pub end: Option<DateTime>,
    /// Where.
    pub location: Option<String>,
    /// Why (the vendor's reason or linked behaviour type).
    pub reason: Option<String>,
    /// Scheduled, attended, missed, cancelled.
    pub status: Option<DetentionStatus>,
}
