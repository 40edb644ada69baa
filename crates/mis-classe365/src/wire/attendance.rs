//! An attendance record (`/attendance`) \[I\].
//!
//! The inferred shape: `{"id", "student_id", "class_id", "date", "status":
//! "present"|"absent"|"late"|"excused"|.., "remarks"}` (the v1 API's attendance fields in v2's
//! snake_case). The status is a label, not a DfE code; schools can configure their own, so it
//! is kept as a string.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{de, ser};

/// One register entry for one student on one date. A school with **daily** attendance sends
/// one per student per day (no subject, no session); a school with **subject- or
/// period-wise** attendance sends one per register, each naming its `subject_id` and/or
/// attendance `session_id` (the v1 API's `attendanceData` is keyed by `class_id`,
/// `section_id`, `subject_id`, `session_id`). The v2 names are inferred, so all are optional.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AttendanceRecord {
    /// The vendor's id; `None` on a record not yet created.
    #[serde(
        default,
        deserialize_with = "de::opt_string",
        serialize_with = "ser::opt_id",
        skip_serializing_if = "Option::is_none"
    )]
    pub id: Option<String>,
    /// The student's id.
    #[serde(
        default,
        deserialize_with = "de::opt_string",
        serialize_with = "ser::opt_id",
        skip_serializing_if = "Option::is_none"
    )]
    pub student_id: Option<String>,
    /// The class the register was taken in (the vendor uses the student's own class when a
    /// write leaves it out).
    #[serde(
        default,
        deserialize_with = "de::opt_string",
        serialize_with = "ser::opt_id",
        skip_serializing_if = "Option::is_none"
    )]
    pub class_id: Option<String>,
    /// The date, `YYYY-MM-DD`.
    #[serde(
        default,
        deserialize_with = "de::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub date: Option<String>,
    /// The status label (`present`, `absent`, `late`, `excused`, or the school's own).
    #[serde(
        default,
        deserialize_with = "de::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub status: Option<String>,
    /// The section (form) the register was taken for, when the tenant sends it (v1's
    /// attendance is keyed by `class_id`, `section_id`, `subject_id`, `session_id`) \[I\].
    #[serde(
        default,
        deserialize_with = "de::opt_string",
        serialize_with = "ser::opt_id",
        skip_serializing_if = "Option::is_none"
    )]
    pub section_id: Option<String>,
    /// The subject of a subject-wise register ("Subject id for subject-wise attendance",
    /// v1 `attendanceData`); absent, `null`, `""` or `0` on a daily register \[I\].
    #[serde(
        default,
        deserialize_with = "de::opt_string",
        serialize_with = "ser::opt_id",
        skip_serializing_if = "Option::is_none"
    )]
    pub subject_id: Option<String>,
    /// The subject's name, when sent \[I\].
    #[serde(
        default,
        deserialize_with = "de::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub subject_name: Option<String>,
    /// The attendance session (period) of the day, "when multiple sessions are enabled"
    /// (v1 `attendanceData`); not the academic session, which v1 calls `acds_id` \[I\].
    #[serde(
        default,
        deserialize_with = "de::opt_string",
        serialize_with = "ser::opt_id",
        skip_serializing_if = "Option::is_none"
    )]
    pub session_id: Option<String>,
    /// The attendance session's (period's) name, e.g. `Period 2`, when sent \[I\].
    #[serde(
        default,
        deserialize_with = "de::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub session_name: Option<String>,
    /// A remark on the mark.
    #[serde(
        default,
        deserialize_with = "de::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub remarks: Option<String>,
    /// Fields this crate does not model.
    #[serde(flatten)]
    pub extra: BTreeMap<String, Value>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_the_inferred_shape_leniently() {
        let r: AttendanceRecord = serde_json::from_str(
            r#"{"id":5,"student_id":12,"class_id":"3","date":"2024-09-09","status":"Late","remarks":null,"session":"am"}"#,
        )
        .unwrap();
        assert_eq!(r.id.as_deref(), Some("5"));
        assert_eq!(r.student_id.as_deref(), Some("12"));
        assert_eq!(r.status.as_deref(), Some("Late"));
        assert_eq!(r.remarks, None);
        assert_eq!(r.extra["session"], "am");
        let back = serde_json::to_value(&r).unwrap();
        assert_eq!(back["student_id"], 12);
        assert_eq!(back["class_id"], 3);
        assert!(back.get("remarks").is_none());
    }
}
