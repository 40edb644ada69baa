//! Assessment: markbook structure, marksheet grades and marks.

use serde::{Deserialize, Serialize};

use super::WireItem;
use super::de;

/// `GET …/assessment/markbooks`: a subject's markbook (same id as the subject).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Markbook {
    /// Markbook id = subject id.
    #[serde(deserialize_with = "de::num")]
    pub id: i64,
    /// Marksheets.
    #[serde(default, deserialize_with = "de::list")]
    pub marksheets: Vec<Marksheet>,
}

impl WireItem for Markbook {
    const KEY: &'static str = "markbooks";
}

/// A marksheet of a markbook.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Marksheet {
    /// Marksheet id.
    #[serde(deserialize_with = "de::num")]
    pub id: i64,
    /// Name.
    #[serde(default)]
    pub name: Option<String>,
    /// Markslots (assessments).
    #[serde(default, deserialize_with = "de::list")]
    pub markslots: Vec<Markslot>,
}

/// A markslot: one assessment.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Markslot {
    /// Markslot id.
    #[serde(deserialize_with = "de::num")]
    pub id: i64,
    /// Name.
    #[serde(default)]
    pub name: Option<String>,
    /// Maximum mark.
    #[serde(default, deserialize_with = "de::opt_f64")]
    pub max: Option<f64>,
}

/// `GET …/assessment/marksheet-grades`: the grades of one marksheet.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MarksheetGrades {
    /// Marksheet id.
    #[serde(deserialize_with = "de::num")]
    pub id: i64,
    /// Students' grades.
    #[serde(default, deserialize_with = "de::list")]
    pub grades: Vec<MarksheetGrade>,
}

impl WireItem for MarksheetGrades {
    const KEY: &'static str = "marksheets";
}

/// One student's marksheet grade.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MarksheetGrade {
    /// Student.
    #[serde(deserialize_with = "de::num")]
    pub student_id: i64,
    /// Grade.
    #[serde(default, deserialize_with = "de::opt_text")]
    pub grade: Option<String>,
    /// School name of the grade.
    #[serde(default)]
    pub alias: Option<String>,
}

/// `GET …/assessment/marks`: the marks of one markslot.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MarkslotMarks {
    /// Markslot id.
    #[serde(deserialize_with = "de::num")]
    pub id: i64,
    /// Students' marks.
    #[serde(default, deserialize_with = "de::list")]
    pub marks: Vec<StudentMark>,
}

impl WireItem for MarkslotMarks {
    const KEY: &'static str = "markslots";
}

/// One student's mark in an assessment.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StudentMark {
    /// Student.
    #[serde(deserialize_with = "de::num")]
    pub student_id: i64,
    /// Grade.
    #[serde(default, deserialize_with = "de::opt_text")]
    pub grade: Option<String>,
    /// School name of the grade.
    #[serde(default)]
    pub alias: Option<String>,
    /// The numeric mark (`"5.00000"` in the example: a string or a number).
    #[serde(default, deserialize_with = "de::opt_f64")]
    pub mark: Option<f64>,
}
