//! Timetables with their periods, the calendar, timetabled classes and student classes.

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use super::de;
use super::{WireItem, wire_enum};

/// `GET …/timetables`: one timetable and its periods.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Timetable {
    /// Timetable id (the calendar says which timetable each date uses).
    #[serde(deserialize_with = "de::num")]
    pub id: i64,
    /// The periods of every day of the cycle.
    #[serde(default, deserialize_with = "de::list")]
    pub periods: Vec<Period>,
}

impl WireItem for Timetable {
    const KEY: &'static str = "timetables";
}

/// One period of a timetable: a place in the (usually two-week) cycle.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Period {
    /// Period id (what classes refer to).
    #[serde(deserialize_with = "de::num")]
    pub id: i64,
    /// Full name, e.g. `Monday Tutorial`.
    #[serde(default)]
    pub name: Option<String>,
    /// Short name, e.g. `Tutorial`.
    #[serde(default)]
    pub display_name: Option<String>,
    /// Cycle week, 1 or 2.
    #[serde(default, deserialize_with = "de::opt_num")]
    pub week: Option<i64>,
    /// Day name, e.g. `Monday`.
    #[serde(default)]
    pub day_of_week: Option<String>,
    /// Start, as a date-time on a dummy date (`2020-01-01T09:00:00Z`): only the time of day is
    /// meaningful, and it is the school's wall-clock time, whatever the `Z` says. Kept as text; the
    /// conversion reads it with `mis_core::timetable::time_of_day`.
    #[serde(default)]
    pub start: Option<String>,
    /// End, like `start`.
    #[serde(default)]
    pub end: Option<String>,
}

wire_enum! {
    /// What kind of day a calendar date is.
    pub enum DayType {
        /// The school is open.
        Open => "Open",
        /// The school is closed.
        Closed => "Closed",
        /// Open for staff training only.
        Training => "Training",
        /// GO has no data for the date.
        Unknown => "Unknown",
    }
}

/// A calendar entry without a day type is one GO has no data for.
fn unknown_day() -> DayType {
    DayType::Unknown
}

/// `GET …/timetables/calendar`: one date of the academic year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CalendarDay {
    /// The timetable in use on the date.
    #[serde(default, deserialize_with = "de::opt_num")]
    pub timetable_id: Option<i64>,
    /// The cycle week, 1 or 2.
    #[serde(default, deserialize_with = "de::opt_num")]
    pub week: Option<i64>,
    /// The date (sent as a midnight date-time).
    #[serde(deserialize_with = "de::date", serialize_with = "de::ser_date")]
    pub date: Date,
    /// `Open`, `Closed`, `Training` or `Unknown` (the vendor's example writes `TRAINING`).
    #[serde(default = "unknown_day")]
    pub day_type_code: DayType,
}

impl WireItem for CalendarDay {
    const KEY: &'static str = "calendar";
}

/// `GET …/timetables/classes`: a group taught in one period of the cycle.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimetabledClass {
    /// Class id (what lesson marks and student classes refer to).
    #[serde(deserialize_with = "de::num")]
    pub id: i64,
    /// Year group.
    #[serde(default, deserialize_with = "de::opt_text")]
    pub year_group: Option<String>,
    /// Subject code (see subjects).
    #[serde(default, deserialize_with = "de::opt_text")]
    pub subject_code: Option<String>,
    /// Group code, e.g. `7/As1` (typed integer in the table, a string in the example).
    #[serde(default, deserialize_with = "de::opt_text")]
    pub group_code: Option<String>,
    /// The period.
    #[serde(default, deserialize_with = "de::opt_num")]
    pub period_id: Option<i64>,
    /// Rooms.
    #[serde(default, deserialize_with = "de::list")]
    pub rooms: Vec<String>,
    /// Teachers (see teachers).
    #[serde(default, deserialize_with = "de::nums")]
    pub teacher_ids: Vec<i64>,
}

impl WireItem for TimetabledClass {
    const KEY: &'static str = "classes";
}

/// `GET …/timetables/student-classes`: the classes of one student.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StudentClasses {
    /// The student.
    #[serde(deserialize_with = "de::num")]
    pub student_id: i64,
    /// The student's classes with their membership dates.
    #[serde(default, deserialize_with = "de::list")]
    pub classes: Vec<StudentClass>,
}

impl WireItem for StudentClasses {
    const KEY: &'static str = "student_classes";
}

/// One class membership.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StudentClass {
    /// Class id.
    #[serde(deserialize_with = "de::num")]
    pub id: i64,
    /// First day of membership, when it is a real date (the doc types it "the start time
    /// of the class" and its example is the dummy `2020-01-01T00:00:00Z`).
    #[serde(
        default,
        deserialize_with = "de::opt_date",
        serialize_with = "de::ser_opt_date"
    )]
    pub start: Option<Date>,
    /// Last day of membership (open-ended when `None`).
    #[serde(
        default,
        deserialize_with = "de::opt_date",
        serialize_with = "de::ser_opt_date"
    )]
    pub end: Option<Date>,
}

impl StudentClass {
    /// Whether `date` is inside `start`..=`end` taken literally. The vendor's values are
    /// often placeholders (the doc's example is the dummy `2020-01-01T00:00:00Z` for both);
    /// the provider reads them through `convert::timetable::member_on`.
    pub fn covers(&self, date: Date) -> bool {
        self.start.is_none_or(|s| s <= date) && self.end.is_none_or(|e| date <= e)
    }
}
