//! Homework and detentions.

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use super::{DateTime, open_enum};

/// A homework task.
///
/// `#[non_exhaustive]`: other crates build one with [`Homework::new`] and then set the rest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
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
///
/// `#[non_exhaustive]`: other crates build one with [`Detention::new`] and then set the rest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
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

impl Homework {
    /// A task with its id and title; everything else empty.
    pub fn new(
        provider: impl Into<String>,
        id: impl Into<String>,
        title: impl Into<String>,
    ) -> Self {
        Homework {
            provider: provider.into(),
            id: id.into(),
            student_id: None,
            title: title.into(),
            description: None,
            subject: None,
            group: None,
            set_by: None,
            set_on: None,
            due_on: None,
            status: None,
        }
    }
}

impl Detention {
    /// A detention of one student on one date; times, place, reason and status unknown.
    pub fn new(
        provider: impl Into<String>,
        id: impl Into<String>,
        student_id: impl Into<String>,
        date: Date,
    ) -> Self {
        Detention {
            provider: provider.into(),
            id: id.into(),
            student_id: student_id.into(),
            date,
            start: None,
            end: None,
            location: None,
            reason: None,
            status: None,
        }
    }
}
