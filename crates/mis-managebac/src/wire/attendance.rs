//! Attendance: per-date and per-term registers of classes and homerooms, adjustments,
//! excusals, and the write bodies (the v2p1 reference's "Attendance" and "Excusals" groups).

use std::collections::BTreeMap;
use std::fmt;

use serde::de::{MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};

use super::{Extra, Id, Listed, Named, de};

/// One attendance record: `{status: "Absent", note, category: {status: 0}}`.
///
/// `status` is the category's label as the tenant names it; `category.status` is the
/// category id that [`AttendanceCategory`](super::AttendanceCategory) lists.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AttendanceRecord {
    /// The label (`Present`, `Late`, `Dress Code`…).
    #[serde(default, deserialize_with = "de::opt_text")]
    pub status: Option<String>,
    /// The teacher's note.
    #[serde(default)]
    pub note: Option<String>,
    /// `{status: <category id>}`.
    #[serde(default)]
    pub category: Option<CategoryRef>,
    /// Everything else.
    #[serde(flatten)]
    pub extra: Extra,
}

impl AttendanceRecord {
    /// Whether the record says anything (an empty `{}` is "not taken").
    pub fn is_empty(&self) -> bool {
        self.status.as_deref().is_none_or(|s| s.trim().is_empty())
            && self.category.as_ref().and_then(|c| c.status).is_none()
    }
}

/// `{status: <category id>}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CategoryRef {
    /// The category id.
    #[serde(default, deserialize_with = "de::opt_int")]
    pub status: Option<i64>,
}

/// The v2p1 numbering note: `timetable: {period_starts_count_from: 0|1, period_offset: -1|0}`.
///
/// "The per-date attendance keys and timetable slots are 0- or 1-indexed depending on a school
/// setting"; v2p1 sends the school's `period_offset` to normalise them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PeriodNumbering {
    /// `0` or `1`.
    #[serde(default, deserialize_with = "de::opt_int")]
    pub period_starts_count_from: Option<i64>,
    /// `-1` or `0`: key = period (from 1) + offset.
    #[serde(default, deserialize_with = "de::opt_int")]
    pub period_offset: Option<i64>,
}

/// `GET /classes/{id}/attendance/date/{date}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ClassDateAttendance {
    /// One entry per student.
    #[serde(default, deserialize_with = "de::list")]
    pub students: Vec<ClassDateStudent>,
    /// How the period keys are numbered.
    #[serde(default)]
    pub timetable: Option<PeriodNumbering>,
}

/// One student's periods on a date: sparse, keyed by period number **as a string**.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ClassDateStudent {
    /// The student's ManageBac id.
    pub id: Id,
    /// Period key → record. The vendor calls it "a sparse array of attendance periods":
    /// both an object keyed by period and an array indexed by it (with `null` holes) are read.
    #[serde(default, deserialize_with = "sparse_periods")]
    pub attendance: BTreeMap<String, AttendanceRecord>,
}

/// `GET /year-groups/{id}/homeroom/attendance/date/{date}`:
/// `{students: [{id, attendance: {status, note, category}}]}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct HomeroomDateAttendance {
    /// One entry per student with a record.
    #[serde(default, deserialize_with = "de::list")]
    pub students: Vec<HomeroomDateStudent>,
}

/// One student's homeroom record on a date.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct HomeroomDateStudent {
    /// The student's ManageBac id.
    pub id: Id,
    /// The record: absent, `null`, `{}` or `[]` when not taken. The empty array is what a
    /// Rails server sends for an empty hash serialised as a list; [`AttendanceRecord`] keeps
    /// unknown fields (`#[serde(flatten)]`), which on its own refuses any array.
    #[serde(default, deserialize_with = "record_or_empty")]
    pub attendance: Option<AttendanceRecord>,
}

/// Term summaries (`GET /classes/{id}/attendance/term/{term}` and the homeroom one).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TermAttendance {
    /// One entry per student.
    #[serde(default, deserialize_with = "de::list")]
    pub students: Vec<TermStudent>,
    /// How periods are numbered (class endpoint only).
    #[serde(default)]
    pub timetable: Option<PeriodNumbering>,
}

/// `{id, attendance: {"Present": 91, "Absent": 3}, attendance_categories: [...]}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TermStudent {
    /// The student's ManageBac id.
    pub id: Id,
    /// Count per label (`[]` when the student has none, read as empty).
    #[serde(default, deserialize_with = "map_or_empty")]
    pub attendance: BTreeMap<String, serde_json::Value>,
    /// Count per category.
    #[serde(default, deserialize_with = "de::list")]
    pub attendance_categories: Vec<CategoryCount>,
}

/// `{label, status, value}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CategoryCount {
    /// Label.
    #[serde(default)]
    pub label: Option<String>,
    /// Category id.
    #[serde(default, deserialize_with = "de::opt_int")]
    pub status: Option<i64>,
    /// How many records.
    #[serde(default, deserialize_with = "de::opt_int")]
    pub value: Option<i64>,
}

/// `GET /year-groups/{id}/homeroom/attendance/term/{term}/adjustments`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AdjustmentsResponse {
    /// One entry per student.
    #[serde(default, deserialize_with = "de::list")]
    pub students: Vec<StudentAdjustments>,
}

/// `{id, attendance_adjustments: [{id, name, adjustment}]}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StudentAdjustments {
    /// The student's ManageBac id.
    pub id: Id,
    /// The manual adjustments.
    #[serde(default, deserialize_with = "de::list")]
    pub attendance_adjustments: Vec<Adjustment>,
}

/// `{id, name, adjustment}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Adjustment {
    /// Id.
    #[serde(default, deserialize_with = "de::opt_id")]
    pub id: Option<Id>,
    /// What is adjusted (a category label).
    #[serde(default)]
    pub name: Option<String>,
    /// By how much.
    #[serde(default)]
    pub adjustment: Option<serde_json::Value>,
}

/// A parent-submitted excusal: `{id, student_id, parent_id, start_date, end_date, duration,
/// comment, created_at, updated_at}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Excusal {
    /// Id.
    pub id: Id,
    /// The student.
    #[serde(default, deserialize_with = "de::opt_id")]
    pub student_id: Option<Id>,
    /// The parent who sent it.
    #[serde(default, deserialize_with = "de::opt_id")]
    pub parent_id: Option<Id>,
    /// First day.
    #[serde(default)]
    pub start_date: Option<String>,
    /// Last day.
    #[serde(default)]
    pub end_date: Option<String>,
    /// Days covered.
    #[serde(default, deserialize_with = "de::opt_int")]
    pub duration: Option<i64>,
    /// The parent's comment.
    #[serde(default)]
    pub comment: Option<String>,
    /// Created.
    #[serde(default)]
    pub created_at: Option<String>,
    /// Last change.
    #[serde(default)]
    pub updated_at: Option<String>,
    /// Everything else (a tenant's approval fields, if any; see
    /// [`excusal_approved`](crate::convert::attendance::excusal_approved)).
    #[serde(flatten)]
    pub extra: Extra,
}

impl Listed for Excusal {
    const LIST_KEY: &'static str = "excusals";
}

impl Named for Excusal {
    const ONE_KEY: &'static str = "excusal";
}

/// The body of `POST /students/{id}/excusals`: `{excusal: {parent_id, start_date, end_date,
/// comment}}`. The vendor refuses (422) a parent not linked to the student, an overlap with
/// another excusal, or a duration outside 1–12 days.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NewExcusal {
    /// A parent linked to the student.
    pub parent_id: Id,
    /// First day, `yyyy-mm-dd`.
    pub start_date: String,
    /// Last day, `yyyy-mm-dd` (omitted: one day).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_date: Option<String>,
    /// Comment.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

/// The body of `PATCH /students/{student_id}/excusals/{id}`: only the fields to change.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ExcusalUpdate {
    /// New first day.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_date: Option<String>,
    /// New last day.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_date: Option<String>,
    /// New comment.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

/// The body of `PUT /students/{id}/set_homeroom_attendance`: `{id, date, status, notes}`
/// (vendor doc; Faria article, July 2024). Creates or replaces the day's record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HomeroomAttendance {
    /// The student (also in the path).
    pub id: Id,
    /// `yyyy-mm-dd`.
    pub date: String,
    /// A category id of the tenant (`0` Absent, `1` Present, `2` Late, …).
    pub status: i64,
    /// Notes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
}

/// One entry of `PUT /classes/{id}/attendance`. The vendor document leaves the body
/// unspecified; this follows the create-or-update rule it states ("for a specific student,
/// date, and period") with the field names of the other attendance writes \[I\].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClassAttendanceEntry {
    /// The student.
    pub student_id: Id,
    /// `yyyy-mm-dd`.
    pub date: String,
    /// The period **as the school numbers it** (v2p1: see [`PeriodNumbering`]).
    pub period: i64,
    /// A category id.
    pub status: i64,
    /// Notes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
}

/// The per-item answer of a bulk upsert: `{index, status: ok|unprocessable_entity|not_found,
/// errors?}` (the API spec's bulk endpoints).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct BulkItemResult {
    /// Position of the entry in the request.
    #[serde(default, deserialize_with = "de::opt_int")]
    pub index: Option<i64>,
    /// The entry's student, when echoed.
    #[serde(default, deserialize_with = "de::opt_id")]
    pub student_id: Option<Id>,
    /// `ok`, `unprocessable_entity`, `not_found`.
    #[serde(default)]
    pub status: Option<String>,
    /// Field errors.
    #[serde(default)]
    pub errors: Option<serde_json::Value>,
}

impl BulkItemResult {
    /// Whether the vendor applied the entry.
    pub fn is_ok(&self) -> bool {
        self.status.as_deref() == Some("ok")
    }
}

/// Reads a bulk answer: the first array found in the object (the vendor does not document
/// the key), or a bare array.
pub fn bulk_results(body: &serde_json::Value) -> Result<Vec<BulkItemResult>, serde_json::Error> {
    let array = match body {
        serde_json::Value::Array(_) => Some(body.clone()),
        serde_json::Value::Object(m) => ["attendance", "attendances", "results"]
            .iter()
            .find_map(|k| m.get(*k).filter(|v| v.is_array()).cloned())
            .or_else(|| m.values().find(|v| v.is_array()).cloned()),
        _ => None,
    };
    match array {
        Some(a) => serde_json::from_value(a),
        None => Ok(Vec::new()),
    }
}

/// An attendance record, or `None` for `null`, `{}`-like empties and an empty array `[]`.
/// A non-empty array is not a record: an error, so the element is skipped and reported.
fn record_or_empty<'de, D: Deserializer<'de>>(d: D) -> Result<Option<AttendanceRecord>, D::Error> {
    match serde_json::Value::deserialize(d)? {
        serde_json::Value::Null => Ok(None),
        serde_json::Value::Array(a) if a.is_empty() => Ok(None),
        v @ serde_json::Value::Object(_) => serde_json::from_value(v)
            .map(Some)
            .map_err(serde::de::Error::custom),
        _ => Err(serde::de::Error::custom(
            "attendance: expected a record object or an empty array",
        )),
    }
}

/// A JSON object, with `null` and an empty array `[]` read as empty.
fn map_or_empty<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<BTreeMap<String, serde_json::Value>, D::Error> {
    match serde_json::Value::deserialize(d)? {
        serde_json::Value::Null => Ok(BTreeMap::new()),
        serde_json::Value::Array(a) if a.is_empty() => Ok(BTreeMap::new()),
        serde_json::Value::Object(m) => Ok(m.into_iter().collect()),
        _ => Err(serde::de::Error::custom(
            "attendance: expected counts by label or an empty array",
        )),
    }
}

fn sparse_periods<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<BTreeMap<String, AttendanceRecord>, D::Error> {
    struct V;
    impl<'de> Visitor<'de> for V {
        type Value = BTreeMap<String, AttendanceRecord>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("periods keyed by number, or a sparse array of periods")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut out = BTreeMap::new();
            while let Some(key) = map.next_key::<String>()? {
                if let Some(record) = map.next_value::<Option<AttendanceRecord>>()? {
                    out.insert(key, record);
                }
            }
            Ok(out)
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            let mut out = BTreeMap::new();
            let mut index = 0usize;
            while let Some(item) = seq.next_element::<Option<AttendanceRecord>>()? {
                if let Some(record) = item {
                    out.insert(index.to_string(), record);
                }
                index += 1;
            }
            Ok(out)
        }
        fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
            Ok(BTreeMap::new())
        }
        fn visit_none<E: serde::de::Error>(self) -> Result<Self::Value, E> {
            Ok(BTreeMap::new())
        }
    }
    d.deserialize_any(V)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_as_object_or_sparse_array() {
        let s: ClassDateStudent = serde_json::from_str(
            r#"{"id":1,"attendance":{"2":{"status":"Late","note":"","category":{"status":2}}}}"#,
        )
        .unwrap();
        assert_eq!(s.attendance["2"].category.as_ref().unwrap().status, Some(2));
        let s: ClassDateStudent = serde_json::from_str(
            r#"{"id":1,"attendance":[null,{"status":"Present"},null,{"status":"Absent"}]}"#,
        )
        .unwrap();
        assert_eq!(
            s.attendance.keys().map(String::as_str).collect::<Vec<_>>(),
            ["1", "3"]
        );
        let s: ClassDateStudent = serde_json::from_str(r#"{"id":1,"attendance":[]}"#).unwrap();
        assert!(s.attendance.is_empty());
        let s: ClassDateStudent = serde_json::from_str(r#"{"id":1}"#).unwrap();
        assert!(s.attendance.is_empty());
    }

    #[test]
    fn bulk_answers_under_any_key() {
        let v = serde_json::json!({"attendance": [{"index": 0, "student_id": 4, "status": "ok"},
            {"index": 1, "status": "not_found"}]});
        let r = bulk_results(&v).unwrap();
        assert!(r[0].is_ok() && !r[1].is_ok());
        assert_eq!(r[0].student_id, Some(Id(4)));
        let v = serde_json::json!({"whatever": [{"index": 0, "status": "ok"}]});
        assert_eq!(bulk_results(&v).unwrap().len(), 1);
        assert!(
            bulk_results(&serde_json::json!({"status": "ok"}))
                .unwrap()
                .is_empty()
        );
    }

    /// Item 7: a homeroom student whose day was not taken comes as `attendance: []`; that, and
    /// `null`, `{}` and a missing field, decode as "no record"; a real record still decodes.
    #[test]
    fn homeroom_attendance_may_be_an_empty_array() {
        let r: HomeroomDateAttendance = serde_json::from_str(
            r#"{"students":[{"id":1,"attendance":[]},{"id":2,"attendance":null},{"id":3},
               {"id":4,"attendance":{}},
               {"id":5,"attendance":{"status":"Absent","note":"","category":{"status":0}}}]}"#,
        )
        .unwrap();
        assert_eq!(r.students.len(), 5);
        assert_eq!(r.students[0].attendance, None);
        assert_eq!(r.students[1].attendance, None);
        assert_eq!(r.students[2].attendance, None);
        assert!(r.students[3].attendance.as_ref().unwrap().is_empty());
        let five = r.students[4].attendance.as_ref().unwrap();
        assert_eq!(five.category.as_ref().unwrap().status, Some(0));
        assert_eq!(five.status.as_deref(), Some("Absent"));
        // A non-empty array is not a record.
        assert!(
            serde_json::from_str::<HomeroomDateStudent>(r#"{"id":1,"attendance":[1]}"#).is_err()
        );
        // Term summaries: `attendance: []` for a student with no records.
        let t: TermStudent = serde_json::from_str(r#"{"id":1,"attendance":[]}"#).unwrap();
        assert!(t.attendance.is_empty());
    }

    #[test]
    fn empty_records() {
        let r: AttendanceRecord = serde_json::from_str("{}").unwrap();
        assert!(r.is_empty());
        let r: AttendanceRecord = serde_json::from_str(r#"{"category":{"status":"3"}}"#).unwrap();
        assert!(!r.is_empty());
    }
}
