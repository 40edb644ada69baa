//! `GET /timetable/{id}?date=`: one day of the pupil's lessons.

use serde::Deserialize;

use super::de;

/// One lesson of the day.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct TimetableLesson {
    /// The teacher.
    #[serde(default)]
    pub teacher_name: Option<String>,
    /// The teacher's id — a **string**, unlike every other id (numbers tolerated).
    #[serde(default, deserialize_with = "de::opt_id")]
    pub teacher_id: Option<String>,
    /// The class id (fixtures).
    #[serde(default, deserialize_with = "de::opt_id")]
    pub lesson_id: Option<String>,
    /// The class name.
    #[serde(default)]
    pub lesson_name: Option<String>,
    /// The subject.
    #[serde(default)]
    pub subject_name: Option<String>,
    /// An alternative lesson.
    #[serde(default, deserialize_with = "de::yes_no")]
    pub is_alternative_lesson: bool,
    /// A break, not a lesson (absent on normal lessons).
    #[serde(default, deserialize_with = "de::opt_yes_no")]
    pub is_break: Option<bool>,
    /// Week, day and period, e.g. `2Tue:P1`.
    #[serde(default)]
    pub period_name: Option<String>,
    /// The period label — a **string** (`P1`, `Tut`).
    #[serde(default, deserialize_with = "de::text")]
    pub period_number: Option<String>,
    /// The room.
    #[serde(default)]
    pub room_name: Option<String>,
    /// The date, `YYYY-MM-DD`.
    #[serde(default)]
    pub date: Option<String>,
    /// Start, ISO with the local offset (`2023-09-26T08:45:00+01:00`).
    #[serde(default)]
    pub start_time: Option<String>,
    /// End.
    #[serde(default)]
    pub end_time: Option<String>,
    /// A key — **not unique** (a fixture repeats one).
    #[serde(default, deserialize_with = "de::int")]
    pub key: Option<i64>,
    /// Teacher's note, abstract (may hold HTML).
    #[serde(default)]
    pub note_abstract: Option<String>,
    /// Teacher's note.
    #[serde(default)]
    pub note: Option<String>,
    /// Pupil's note, abstract.
    #[serde(default)]
    pub pupil_note_abstract: Option<String>,
    /// Pupil's note.
    #[serde(default)]
    pub pupil_note: Option<String>,
    /// Pupil's note, raw.
    #[serde(default)]
    pub pupil_note_raw: Option<String>,
}

/// A period of the school day.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct PeriodTime {
    /// The label (`P1`), a string.
    #[serde(default, deserialize_with = "de::text")]
    pub number: Option<String>,
    /// Start, `HH:MM:SS`.
    #[serde(default)]
    pub start_time: Option<String>,
    /// End.
    #[serde(default)]
    pub end_time: Option<String>,
}

/// `meta` of `/timetable`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct TimetableMeta {
    /// Dates covered.
    #[serde(default, deserialize_with = "de::list")]
    pub dates: Vec<String>,
    /// Dates that have a timetable.
    #[serde(default, deserialize_with = "de::list")]
    pub timetable_dates: Vec<String>,
    /// The periods.
    #[serde(default, deserialize_with = "de::list")]
    pub periods: Vec<PeriodTime>,
    /// Start of the day (ISO date-time).
    #[serde(default)]
    pub start_time: Option<String>,
    /// End of the day.
    #[serde(default)]
    pub end_time: Option<String>,
}
