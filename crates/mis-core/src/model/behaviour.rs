//! Behaviour events: achievements and incidents.

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use super::DateTime;

/// Whether an event is an achievement, an incident, or neither.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Polarity {
    /// Achievement, merit, praise.
    Positive,
    /// Incident, sanction, concern.
    Negative,
    /// Neither (a note, a wellbeing record).
    Neutral,
}

impl Polarity {
    /// The polarity implied by a signed points value: `> 0` positive, `< 0` negative.
    pub fn from_points(points: i64) -> Polarity {
        match points.signum() {
            1 => Polarity::Positive,
            -1 => Polarity::Negative,
            _ => Polarity::Neutral,
        }
    }

    /// `positive`, `negative` or `neutral`.
    pub fn as_str(self) -> &'static str {
        match self {
            Polarity::Positive => "positive",
            Polarity::Negative => "negative",
            Polarity::Neutral => "neutral",
        }
    }
}

/// One behaviour event, possibly involving several students.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BehaviourEvent {
    /// Vendor id.
    pub provider: String,
    /// The vendor's id.
    pub id: String,
    /// The students involved (vendor ids).
    pub student_ids: Vec<String>,
    /// When it happened, if the vendor gives a time.
    pub occurred_at: Option<DateTime>,
    /// The school date it happened on.
    pub date: Date,
    /// Positive, negative or neutral.
    pub polarity: Polarity,
    /// The vendor's type / reason label.
    pub category: Option<String>,
    /// Points as the vendor awarded them (signed), never rescaled.
    pub points: Option<i64>,
    /// Free-text notes.
    pub notes: Option<String>,
    /// Who recorded it.
    pub author: Option<String>,
}
