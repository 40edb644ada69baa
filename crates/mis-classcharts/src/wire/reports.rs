//! Academic reports and on-report cards (api-docs
//! `schemas/academic_report/*`, `schemas/on_report_card/*`). Shapes beyond those schemas are
//! unknown, so every field is optional and unknown ones are ignored.

use serde::Deserialize;

use super::de;

/// An entry of `GET /getacademicreports`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct AcademicReportSummary {
    /// Report id: what `/getacademicreport/{id}` takes.
    #[serde(default, deserialize_with = "de::opt_id")]
    pub id: Option<String>,
    /// Name.
    #[serde(default)]
    pub name: Option<String>,
    /// Period start.
    #[serde(default)]
    pub start_date: Option<String>,
    /// Period end.
    #[serde(default)]
    pub end_date: Option<String>,
}

/// A teacher's comment in a report.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct ReportTeacher {
    /// Teacher.
    #[serde(default)]
    pub teacher_name: Option<String>,
    /// Staff id.
    #[serde(default, deserialize_with = "de::opt_id")]
    pub id: Option<String>,
    /// The comment.
    #[serde(default)]
    pub text: Option<String>,
}

/// A grade in a report.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct ReportGrade {
    /// What is graded (`Effort`).
    #[serde(default)]
    pub field_name: Option<String>,
    /// The grade (text; numbers tolerated).
    #[serde(default, deserialize_with = "de::text")]
    pub grade: Option<String>,
}

/// One class in a report.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct ReportLesson {
    /// Attendance % in that class (string, may be `null`).
    #[serde(default, deserialize_with = "de::text")]
    pub attendance_percentage: Option<String>,
    /// The class.
    #[serde(default)]
    pub lesson_name: Option<String>,
    /// Comments.
    #[serde(default, deserialize_with = "de::list")]
    pub teachers: Vec<ReportTeacher>,
    /// Grades.
    #[serde(default, deserialize_with = "de::list")]
    pub grades: Vec<ReportGrade>,
}

/// `GET /getacademicreport/{id}` (`data` is one report, or a list of one in api-docs).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct AcademicReport {
    /// Report id.
    #[serde(default, deserialize_with = "de::opt_id")]
    pub id: Option<String>,
    /// Name.
    #[serde(default)]
    pub name: Option<String>,
    /// Period start.
    #[serde(default)]
    pub start_date: Option<String>,
    /// Period end.
    #[serde(default)]
    pub end_date: Option<String>,
    /// Overall attendance % (string, may be `null`).
    #[serde(default, deserialize_with = "de::text")]
    pub overall_attendance_percentage: Option<String>,
    /// Attendance % over the period.
    #[serde(default, deserialize_with = "de::text")]
    pub attendance_percentage: Option<String>,
    /// Per class.
    #[serde(default, deserialize_with = "de::list")]
    pub lessons: Vec<ReportLesson>,
}

/// A parent's comment on an on-report card.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct ReportCardComment {
    /// Comment id.
    #[serde(default, deserialize_with = "de::opt_id")]
    pub id: Option<String>,
    /// The card.
    #[serde(default, deserialize_with = "de::opt_id")]
    pub report_card_id: Option<String>,
    /// Text.
    #[serde(default)]
    pub text: Option<String>,
    /// Author.
    #[serde(default)]
    pub teacher_name: Option<String>,
    /// Date.
    #[serde(default)]
    pub date: Option<String>,
}

/// A target on an on-report card.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct ReportCardTarget {
    /// Target id.
    #[serde(default, deserialize_with = "de::opt_id")]
    pub id: Option<String>,
    /// Description.
    #[serde(default)]
    pub description: Option<String>,
    /// The card and period details, as sent (their shape is not documented further).
    #[serde(default)]
    pub pupil_report_card: Option<serde_json::Value>,
}

/// An on-report card (`POST /getpupilreportcards`, `GET /getpupilreportcard/{id}`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct OnReportCard {
    /// Card id.
    #[serde(default, deserialize_with = "de::opt_id")]
    pub id: Option<String>,
    /// Start.
    #[serde(default)]
    pub start_date: Option<String>,
    /// End.
    #[serde(default)]
    pub end_date: Option<String>,
    /// Why the pupil is on report.
    #[serde(default)]
    pub reason: Option<String>,
    /// Level (may be `null`).
    #[serde(default)]
    pub level: Option<String>,
    /// Teacher (may be `null`).
    #[serde(default)]
    pub teacher: Option<String>,
    /// Description.
    #[serde(default)]
    pub description: Option<String>,
    /// Parent comments (may be `null`).
    #[serde(default, deserialize_with = "de::list")]
    pub parent_comments: Vec<ReportCardComment>,
    /// Targets.
    #[serde(default, deserialize_with = "de::list")]
    pub targets: Vec<ReportCardTarget>,
}
