//! An attendance record (`/attendance`) [I].
//!
//! DESIGN.md §4: `{"id", "student_id", "class_id", "date", "status":
//! "present"|"absent"|"late"|"excused"|.., "remarks"}`. The status is a label, not a DfE code;
//! schools can configure their own, so it is kept as a string.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{de, ser};

/// One student's attendance in one class on one date: Classe365 keeps one mark per student
/// per day per class, with no AM/PM sessions (vendors.md §4.3 v1 `attendanceData` is keyed by
/// date and class; the emulator follows DESIGN.md §4).
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
