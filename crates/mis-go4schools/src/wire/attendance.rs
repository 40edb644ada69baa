//! Attendance codes, session and lesson marks, the session summary, and the session write.

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use super::WireItem;
use super::de;

/// `GET …/attendance/codes`: one attendance code of the academic year, with its aliases.
///
/// Ids are unique per school and year only (vendor doc): resolve marks with the codes of the
/// mark's own academic year.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttendanceCode {
    /// Code id (what marks carry as `session_mark_id` / `lesson_mark_id`).
    #[serde(deserialize_with = "de::num")]
    pub id: i64,
    /// The code staff record, e.g. `/` (a DfE code).
    #[serde(default)]
    pub code: Option<String>,
    /// Description, e.g. `Present (AM)`.
    #[serde(default)]
    pub label: Option<String>,
    /// Only attendance officers may use it (documented as a string).
    #[serde(default, deserialize_with = "de::opt_bool")]
    pub attendance_officer_only: Option<bool>,
    /// Protected when entered by an attendance officer.
    #[serde(default, deserialize_with = "de::opt_bool")]
    pub protect_if_entered_by_attendance_officer: Option<bool>,
    /// Protected when entered by a school manager.
    #[serde(default, deserialize_with = "de::opt_bool")]
    pub protect_if_entered_by_school_manager: Option<bool>,
    /// Protected when entered by a behaviour manager.
    #[serde(default, deserialize_with = "de::opt_bool")]
    pub protect_if_entered_by_behaviour_manager: Option<bool>,
    /// The school's aliases of this code.
    #[serde(default, deserialize_with = "de::list")]
    pub aliases: Vec<AttendanceAlias>,
}

impl WireItem for AttendanceCode {
    const KEY: &'static str = "attendance_codes";
}

/// A school-defined alias of an attendance code (e.g. `IR` Isolation Room under `/`).
///
/// The vendor's example says `id`/`alias_code`/`alias_label`, its table `id`/`code`/`label`,
/// and G4SApiSync `alias_id`/`alias_code`/`alias_label`: all are read.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttendanceAlias {
    /// Alias id (what marks carry as `session_alias_id`).
    #[serde(alias = "alias_id", deserialize_with = "de::num")]
    pub id: i64,
    /// Alias code.
    #[serde(default, alias = "code")]
    pub alias_code: Option<String>,
    /// Alias description.
    #[serde(default, alias = "label")]
    pub alias_label: Option<String>,
}

/// `GET …/attendance/student-session-marks/date/{date}`: one AM or PM mark.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionMark {
    /// The date (a midnight date-time).
    #[serde(
        default,
        deserialize_with = "de::opt_date",
        serialize_with = "de::ser_opt_date"
    )]
    pub date: Option<Date>,
    /// `AM` or `PM`.
    #[serde(default)]
    pub session: Option<String>,
    /// The student.
    #[serde(deserialize_with = "de::num")]
    pub student_id: i64,
    /// The class, where sent (G4SApiSync has it; the vendor doc does not).
    #[serde(default, deserialize_with = "de::opt_num")]
    pub class_id: Option<i64>,
    /// The mark's code id (see attendance codes).
    #[serde(default, deserialize_with = "de::opt_num")]
    pub session_mark_id: Option<i64>,
    /// The alias id, if an alias was used.
    #[serde(default, deserialize_with = "de::opt_num")]
    pub session_alias_id: Option<i64>,
    /// Minutes late.
    #[serde(default, deserialize_with = "de::opt_num")]
    pub session_minutes_late: Option<i64>,
    /// Notes.
    #[serde(default)]
    pub session_notes: Option<String>,
}

impl WireItem for SessionMark {
    const KEY: &'static str = "student_session_marks";
}

/// `GET …/attendance/student-lesson-marks/date/{date}`: one lesson mark.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LessonMark {
    /// The date.
    #[serde(
        default,
        deserialize_with = "de::opt_date",
        serialize_with = "de::ser_opt_date"
    )]
    pub date: Option<Date>,
    /// The student.
    #[serde(deserialize_with = "de::num")]
    pub student_id: i64,
    /// The timetabled class.
    #[serde(default, deserialize_with = "de::opt_num")]
    pub class_id: Option<i64>,
    /// The mark's code id.
    #[serde(default, deserialize_with = "de::opt_num")]
    pub lesson_mark_id: Option<i64>,
    /// The alias id.
    #[serde(default, deserialize_with = "de::opt_num")]
    pub lesson_alias_id: Option<i64>,
    /// Minutes late.
    #[serde(default, deserialize_with = "de::opt_num")]
    pub lesson_minutes_late: Option<i64>,
    /// Notes.
    #[serde(default)]
    pub lesson_notes: Option<String>,
}

impl WireItem for LessonMark {
    const KEY: &'static str = "student_lesson_marks";
}

/// `GET …/attendance/student-session-summary`: a student's session totals for the year up to
/// (not including) today.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionSummary {
    /// The student.
    #[serde(deserialize_with = "de::num")]
    pub student_id: i64,
    /// Possible sessions.
    #[serde(default, deserialize_with = "de::num")]
    pub possible_sessions: i64,
    /// Present.
    #[serde(default, deserialize_with = "de::num")]
    pub present: i64,
    /// Approved educational activity.
    #[serde(default, deserialize_with = "de::num")]
    pub approved_educational_activity: i64,
    /// Authorised absence.
    #[serde(default, deserialize_with = "de::num")]
    pub authorised_absence: i64,
    /// Unauthorised absence.
    #[serde(default, deserialize_with = "de::num")]
    pub unauthorised_absence: i64,
    /// Attendance not required.
    #[serde(default, deserialize_with = "de::num")]
    pub attendance_not_required: i64,
    /// Missing marks.
    #[serde(default, deserialize_with = "de::num")]
    pub missing_mark: i64,
    /// Late before registers closed.
    #[serde(default, deserialize_with = "de::num")]
    pub late: i64,
}

impl WireItem for SessionSummary {
    const KEY: &'static str = "session_summary";
}

/// The body of `POST …/attendance/student-session-marks`: one session for one student.
///
/// Sent flat, as in the vendor's curl example (its table also mentions an `attendance`
/// wrapper object, which the example does not use). The mark id is sent as a number, as in
/// the example, although the table types it as a string.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionAttendance {
    /// The student's UPN (how the vendor identifies the student on writes).
    pub student_upn: String,
    /// `YYYY-MM-DD`.
    pub date: String,
    /// `AM` or `PM`.
    pub session: String,
    /// The attendance code id.
    pub session_mark_id: i64,
    /// The alias id, if any.
    pub session_mark_alias_id: Option<i64>,
    /// Minutes late.
    pub session_minutes_late: Option<u32>,
    /// A comment.
    pub session_notes: Option<String>,
    /// The student's id in the MIS, if known.
    pub student_mis_id: Option<String>,
}
