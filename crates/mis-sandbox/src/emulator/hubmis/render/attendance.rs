//! Session attendance records and the attendance code book.

use mis_core::{AttendanceMark, Session};
use serde_json::{Value, json};

use super::super::int_id;
use super::super::query::Bound;
use super::Index;
use crate::school::School;

/// `filter[...]` of `GET /students/{id}/attendance`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MarkFilter {
    /// `filter[dateTime][from]`: marks on or after this date.
    pub from: Option<Bound>,
    /// `filter[dateTime][to]`: marks on or before this date.
    pub to: Option<Bound>,
    /// `filter[attendanceSession]`: `am` or `pm`.
    pub session: Option<Session>,
    /// `filter[attendanceCode]`: an attendance code id.
    pub code: Option<u64>,
}

/// The id of a code in the school's code book (1-based position).
fn code_id(school: &School, code: &str) -> Option<usize> {
    school
        .attendance_codes
        .iter()
        .position(|c| c.code == code)
        .map(|p| p + 1)
}

/// One session mark, in an inferred shape. The code is the DfE code as recorded.
pub fn attendance_record(school: &School, position: usize, mark: &AttendanceMark) -> Value {
    let book = school.attendance_codes.iter().find(|c| c.code == mark.code);
    json!({
        "id": position + 1,
        "student_id": int_id(&mark.student_id),
        "date": mark.date.to_string(),
        "session": mark.session.map(Session::as_str),
        "attendance_code": {
            "id": code_id(school, &mark.code),
            "code": mark.code,
            "description": book.and_then(|c| c.label.clone()),
        },
        "minutes_late": mark.minutes_late,
        "comment": mark.note,
    })
}

/// `GET /students/{id}/attendance`: the student's session marks matching `filter`, by date
/// then session. A date-time bound is compared by its date at the school: a session record
/// has a date, not a time. Not paged (the document lists no `page[...]` here).
pub fn attendance(school: &School, index: &Index, student_id: &str, filter: &MarkFilter) -> Value {
    let tz = school.tz();
    Value::Array(
        index
            .marks_of(student_id)
            .map(|m| (m, &school.session_marks[m]))
            .filter(|(_, mark)| {
                filter.from.is_none_or(|b| mark.date >= b.date(&tz))
                    && filter.to.is_none_or(|b| mark.date <= b.date(&tz))
                    && filter.session.is_none_or(|s| mark.session == Some(s))
                    && filter
                        .code
                        .is_none_or(|c| code_id(school, &mark.code) == Some(c as usize))
            })
            .map(|(m, mark)| attendance_record(school, m, mark))
            .collect(),
    )
}

/// `GET /attendance/codes`: the code book, DfE codes with their descriptions. `display` is
/// whether a register shows the code; `-` (no mark recorded) is the absence of a mark, not a
/// code anyone picks, so it is the one hidden code.
pub fn attendance_codes(school: &School, display: Option<bool>) -> Value {
    Value::Array(
        school
            .attendance_codes
            .iter()
            .enumerate()
            .map(|(i, c)| (i, c, c.code != "-"))
            .filter(|(_, _, shown)| display.is_none_or(|d| d == *shown))
            .map(|(i, c, shown)| {
                json!({
                    "id": i + 1,
                    "code": c.code,
                    "description": c.label,
                    "display": shown,
                })
            })
            .collect(),
    )
}
