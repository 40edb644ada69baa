//! Attendance codes and session records. **Inferred shapes** (the usual REST record of a
//! session mark): the document's samples for both operations lost their fields.

use serde::{Deserialize, Deserializer, Serialize};

use super::{Extra, Id, lenient_u64, wire_enum};

wire_enum! {
    /// The session of a record; `filter[attendanceSession]` documents `am` and `pm`.
    pub enum AttendanceSession {
        /// Morning.
        Am => "am",
        /// Afternoon.
        Pm => "pm",
    }
}

/// An entry of the code book (`GET attendance/codes`): `{"id", "code", "description",
/// "display"}`. Codes are DfE codes.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct AttendanceCode {
    /// Id (what records may refer to).
    pub id: Option<Id>,
    /// The mark, e.g. `/`, `L`, `I`.
    pub code: Option<String>,
    /// e.g. `Present (AM)`.
    pub description: Option<String>,
    /// Whether the school shows the code (`filter[display]`).
    pub display: Option<bool>,
    /// `false` for a code the school defined itself (inferred field): its letter may be a
    /// DfE code's with another meaning, so the DfE table does not apply. Absent for the
    /// DfE codes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_statutory: Option<bool>,
    /// Anything else.
    #[serde(flatten)]
    pub extra: Extra,
}

/// The code on a record: `{"id", "code", "description"}`, or the bare code as text.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[non_exhaustive]
pub struct CodeRef {
    /// The code's id in the code book.
    pub id: Option<Id>,
    /// The mark as sent.
    pub code: Option<String>,
    /// Its description.
    pub description: Option<String>,
    /// `false` for a code the school defined itself (see [`AttendanceCode::is_statutory`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_statutory: Option<bool>,
}

impl<'de> Deserialize<'de> for CodeRef {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Shape {
            Text(String),
            Id(u64),
            Object {
                #[serde(default)]
                id: Option<Id>,
                #[serde(default)]
                code: Option<String>,
                #[serde(default)]
                description: Option<String>,
                #[serde(default)]
                is_statutory: Option<bool>,
            },
        }
        Ok(match Shape::deserialize(d)? {
            Shape::Text(code) => CodeRef {
                code: Some(code),
                ..CodeRef::default()
            },
            Shape::Id(id) => CodeRef {
                id: Some(Id::from(id)),
                ..CodeRef::default()
            },
            Shape::Object {
                id,
                code,
                description,
                is_statutory,
            } => CodeRef {
                id,
                code,
                description,
                is_statutory,
            },
        })
    }
}

/// One session mark (`GET students/{id}/attendance`): `{"id", "student_id", "date",
/// "session": "am"|"pm", "attendance_code": {…}, "minutes_late", "comment"}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct AttendanceRecord {
    /// Id.
    pub id: Option<Id>,
    /// The student.
    pub student_id: Option<Id>,
    /// `YYYY-MM-DD` (a date-time is accepted; its date is used).
    pub date: Option<String>,
    /// `am` or `pm`.
    #[serde(alias = "attendance_session")]
    pub session: Option<AttendanceSession>,
    /// The mark.
    pub attendance_code: Option<CodeRef>,
    /// Minutes late.
    #[serde(deserialize_with = "lenient_u64")]
    pub minutes_late: Option<u64>,
    /// A note.
    pub comment: Option<String>,
    /// Anything else.
    #[serde(flatten)]
    pub extra: Extra,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_on_records_come_in_three_shapes() {
        let r: Vec<AttendanceRecord> = serde_json::from_str(
            r#"[{"date": "2024-09-02", "session": "am",
                 "attendance_code": {"id": 1, "code": "/", "description": "Present"}},
                {"date": "2024-09-02", "attendance_session": "PM", "attendance_code": "L",
                 "minutes_late": "7"},
                {"date": "2024-09-03", "session": "evening", "attendance_code": 4}]"#,
        )
        .unwrap();
        assert_eq!(
            r[0].attendance_code.as_ref().unwrap().code.as_deref(),
            Some("/")
        );
        assert_eq!(r[1].session, Some(AttendanceSession::Pm));
        assert_eq!(r[1].minutes_late, Some(7));
        assert_eq!(
            r[1].attendance_code.as_ref().unwrap().code.as_deref(),
            Some("L")
        );
        assert_eq!(
            r[2].session,
            Some(AttendanceSession::Other("evening".into()))
        );
        assert_eq!(r[2].attendance_code.as_ref().unwrap().id, Some(Id::from(4)));
    }
}
