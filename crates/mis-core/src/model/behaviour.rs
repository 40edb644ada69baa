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
///
/// `#[non_exhaustive]`: other crates build one with [`BehaviourEvent::new`] (id, date and
/// polarity) and then set the rest, so adding a field later breaks no caller.
///
/// ```
/// use mis_core::model::{BehaviourEvent, Polarity};
///
/// let date = jiff::civil::date(2024, 9, 2);
/// let mut e = BehaviourEvent::new("classcharts", "e1", date, Polarity::from_points(2))
///     .with_student_ids(["1"]);
/// e.points = Some(2);
/// assert_eq!(e.polarity, Polarity::Positive);
/// assert_eq!(e.student_ids, ["1"]);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
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

impl BehaviourEvent {
    /// An event with its id, date and polarity, no students and no optional details.
    pub fn new(
        provider: impl Into<String>,
        id: impl Into<String>,
        date: Date,
        polarity: Polarity,
    ) -> Self {
        BehaviourEvent {
            provider: provider.into(),
            id: id.into(),
            student_ids: Vec::new(),
            occurred_at: None,
            date,
            polarity,
            category: None,
            points: None,
            notes: None,
            author: None,
        }
    }

    /// Sets the students involved (vendor ids).
    #[must_use]
    pub fn with_student_ids<I>(mut self, ids: I) -> Self
    where
        I: IntoIterator,
        I::Item: Into<String>,
    {
        self.student_ids = ids.into_iter().map(Into::into).collect();
        self
    }
}
