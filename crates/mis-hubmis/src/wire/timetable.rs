//! Timetables: the maintenance record ("Timetables: Get single Timetable", from the
//! document's sample) and the per-person calendar (**inferred shape**: the
//! document's sample is only `{"calendar": [ ]}`).

use serde::{Deserialize, Serialize};

use super::group::GroupRef;
use super::{Extra, Id, Item, PersonRef, lenient_u64};

/// A timetable definition ("Timetables: Get single Timetable").
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct Timetable {
    /// Id.
    pub id: Option<Id>,
    /// The academic year.
    pub academic_year: Option<Item>,
    /// e.g. `Q1 Weekly Junior School`.
    pub name: Option<String>,
    /// Whether days rotate (a cyclic timetable).
    pub rotating: Option<bool>,
    /// Days in the cycle.
    #[serde(deserialize_with = "lenient_u64")]
    pub duration_days: Option<u64>,
    /// First date it applies.
    pub date_from: Option<String>,
    /// Last date it applies.
    pub date_to: Option<String>,
    /// Start of the school day.
    pub time_from: Option<String>,
    /// End of the school day.
    pub time_to: Option<String>,
    /// Sections it covers.
    pub sections: Vec<Item>,
    /// The days of the cycle.
    pub days: Vec<serde_json::Value>,
    /// What its dates follow (`academic_year`, …).
    pub dates_based_on: Option<String>,
    /// The term its dates follow.
    #[serde(deserialize_with = "lenient_u64")]
    pub dates_based_on_academic_term_id: Option<u64>,
    /// Whether it was deleted.
    pub deleted: Option<bool>,
    /// Anything else (audit fields, publication times).
    #[serde(flatten)]
    pub extra: Extra,
}

/// "Student: Get Timetable" / "Staff: Get Timetable": `{"timetables": [ … ]}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct PersonTimetable {
    /// The timetables and periods the person is allocated against.
    pub timetables: Vec<Item>,
}

/// "Students: Fetch Timetable Calendar" / "Staff: Fetch Timetable Calendar":
/// `{"calendar": [{"date", "periods": [ … ]}]}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct TimetableCalendar {
    /// One entry per date.
    pub calendar: Vec<CalendarDay>,
}

/// One date of a timetable calendar.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct CalendarDay {
    /// `YYYY-MM-DD`.
    pub date: Option<String>,
    /// The periods that day, lessons or not.
    pub periods: Vec<CalendarPeriod>,
}

/// A subject set (class) on a period: `{"id", "name", "code"}`, with its subject if nested.
pub type SubjectSetRef = GroupRef;

/// A member of staff on a period: `{"id", "first_name", "last_name"}`.
pub type StaffRef = PersonRef;

/// A room on a period: `{"id", "room_code"}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct RoomRef {
    /// Id.
    pub id: Option<Id>,
    /// e.g. `S12`.
    pub room_code: Option<String>,
    /// A name, when sent.
    pub name: Option<String>,
}

impl RoomRef {
    /// The room code, else the name.
    pub fn label(&self) -> Option<&str> {
        self.room_code
            .as_deref()
            .or(self.name.as_deref())
            .filter(|s| !s.trim().is_empty())
    }
}

/// One period of a calendar date: `{"id", "name", "start_time": "HH:MM:SS", "end_time",
/// "subject_set": {…}|null, "room": {…}|null, "staff": [{…}]}`. A period without a subject
/// set is a free period or break.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct CalendarPeriod {
    /// The period's id.
    pub id: Option<Id>,
    /// Its label, e.g. `P1`.
    pub name: Option<String>,
    /// Wall-clock start, `HH:MM:SS`, in the school's time zone.
    pub start_time: Option<String>,
    /// Wall-clock end.
    pub end_time: Option<String>,
    /// The class taught, if any.
    pub subject_set: Option<SubjectSetRef>,
    /// The room, if any.
    pub room: Option<RoomRef>,
    /// Several rooms, if the vendor sends a list.
    pub rooms: Vec<RoomRef>,
    /// The teachers.
    pub staff: Vec<StaffRef>,
    /// Whether the lesson is cancelled, if the vendor says.
    pub cancelled: Option<bool>,
    /// Anything else.
    #[serde(flatten)]
    pub extra: Extra,
}
