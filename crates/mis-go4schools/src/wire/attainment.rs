//! Attainment: grade types, grades, exam results, prior attainment and reports.

use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use super::WireItem;
use super::de;
use super::students::AttributeValue;

/// `GET …/attainment/grade-types/year-group/{yg}`: one of the ten configurable grade types.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GradeType {
    /// 1 External target … 10 Baseline grade.
    #[serde(deserialize_with = "de::num")]
    pub id: i64,
    /// Name for this year group.
    #[serde(default)]
    pub name: Option<String>,
    /// Short name.
    #[serde(default)]
    pub short_name: Option<String>,
    /// Description.
    #[serde(default)]
    pub description: Option<String>,
    /// The preferred progress grade of the year group.
    #[serde(default, deserialize_with = "de::opt_bool")]
    pub is_preferred_progress_grade: Option<bool>,
    /// The preferred target grade of the year group.
    #[serde(default, deserialize_with = "de::opt_bool")]
    pub is_preferred_target_grade: Option<bool>,
}

impl WireItem for GradeType {
    const KEY: &'static str = "grade_types";
}

/// `GET …/attainment/grades/year-group/{yg}`: one headline grade of one student.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grade {
    /// The grade type (`grade_type` in the vendor's table).
    #[serde(alias = "grade_type", default, deserialize_with = "de::opt_num")]
    pub grade_type_id: Option<i64>,
    /// Subject.
    #[serde(default, deserialize_with = "de::opt_num")]
    pub subject_id: Option<i64>,
    /// Student.
    #[serde(deserialize_with = "de::num")]
    pub student_id: i64,
    /// Grade.
    #[serde(default, deserialize_with = "de::opt_text")]
    pub name: Option<String>,
    /// The school's name for the grade.
    #[serde(default)]
    pub alias: Option<String>,
}

impl WireItem for Grade {
    const KEY: &'static str = "grades";
}

/// `GET …/attainment/exam-results/year-group/{yg}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExamResult {
    /// Student.
    #[serde(deserialize_with = "de::num")]
    pub student_id: i64,
    /// Academic year the exam was taken.
    #[serde(default, deserialize_with = "de::opt_num")]
    pub exam_academic_year: Option<i64>,
    /// Qualification Accreditation Number.
    #[serde(default)]
    pub qan: Option<String>,
    /// Qualification title.
    #[serde(default)]
    pub qualification_title: Option<String>,
    /// Exam date.
    #[serde(
        default,
        deserialize_with = "de::opt_date",
        serialize_with = "de::ser_opt_date"
    )]
    pub exam_date: Option<Date>,
    /// Grade.
    #[serde(default, deserialize_with = "de::opt_text")]
    pub grade: Option<String>,
    /// Key stage 1–3 literal value of the grade.
    #[serde(default, deserialize_with = "de::opt_text")]
    pub ks123literal: Option<String>,
    /// Subject.
    #[serde(default, deserialize_with = "de::opt_num")]
    pub subject_id: Option<i64>,
}

impl WireItem for ExamResult {
    const KEY: &'static str = "exam_results";
}

/// `GET …/attainment/prior-attainment`: one prior-attainment measure for every student.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriorAttainment {
    /// Code, e.g. `priorAttainmentKS2`.
    #[serde(default)]
    pub code: Option<String>,
    /// Name.
    #[serde(default)]
    pub name: Option<String>,
    /// Every student's value.
    #[serde(default, deserialize_with = "de::list")]
    pub values: Vec<AttributeValue<Option<String>>>,
}

impl WireItem for PriorAttainment {
    const KEY: &'static str = "prior_attainment";
}

/// `GET …/attainment/reports`: a progress report and its structure.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Report {
    /// Report id (used in the report's attribute, grade and comment paths).
    #[serde(deserialize_with = "de::num")]
    pub id: i64,
    /// Name.
    #[serde(default)]
    pub name: Option<String>,
    /// Year group.
    #[serde(default, deserialize_with = "de::opt_text")]
    pub year_group: Option<String>,
    /// Whether comments are collected.
    #[serde(default, deserialize_with = "de::opt_bool")]
    pub enable_comments: Option<bool>,
    /// When it was prepared for publication (UTC).
    #[serde(default, deserialize_with = "de::opt_utc")]
    pub prepared_at: Option<Timestamp>,
    /// Preferred target grade type.
    #[serde(default, deserialize_with = "de::opt_num")]
    pub preferred_target_grade_type: Option<i64>,
    /// Preferred progress grade type.
    #[serde(default, deserialize_with = "de::opt_num")]
    pub preferred_progress_grade_type: Option<i64>,
    /// Name shown on the report.
    #[serde(default)]
    pub presentation_name: Option<String>,
    /// Date shown on the report.
    #[serde(
        default,
        deserialize_with = "de::opt_date",
        serialize_with = "de::ser_opt_date"
    )]
    pub presentation_date: Option<Date>,
    /// Grade types in the report.
    #[serde(default, deserialize_with = "de::list")]
    pub grades: Vec<ReportGradeType>,
    /// Attributes and their choices.
    #[serde(default, deserialize_with = "de::list")]
    pub attributes_and_choices: Vec<ReportAttributeDefinition>,
}

impl WireItem for Report {
    const KEY: &'static str = "reports";
}

/// A grade type as published in a report.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportGradeType {
    /// Grade type (1–10).
    #[serde(rename = "type", default, deserialize_with = "de::opt_num")]
    pub grade_type: Option<i64>,
    /// School name of the grade.
    #[serde(default)]
    pub name: Option<String>,
    /// Description.
    #[serde(default)]
    pub description: Option<String>,
}

/// An attribute of a report (e.g. attitude to learning) with its choices.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportAttributeDefinition {
    /// Attribute id.
    #[serde(deserialize_with = "de::num")]
    pub id: i64,
    /// Name.
    #[serde(default)]
    pub name: Option<String>,
    /// Description.
    #[serde(default)]
    pub description: Option<String>,
    /// Display name.
    #[serde(default)]
    pub display_name: Option<String>,
    /// The choices.
    #[serde(default, deserialize_with = "de::list")]
    pub choices: Vec<ReportChoiceDefinition>,
}

/// One choice of a report attribute.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportChoiceDefinition {
    /// Choice id.
    #[serde(deserialize_with = "de::num")]
    pub id: i64,
    /// Name, e.g. `Excellent`.
    #[serde(default)]
    pub name: Option<String>,
    /// Points.
    #[serde(default, deserialize_with = "de::opt_num")]
    pub points: Option<i64>,
    /// Description (typed integer in the table, text in the example).
    #[serde(default, deserialize_with = "de::opt_text")]
    pub details: Option<String>,
}

/// `GET …/attainment/reports/{id}/attributes`: the choices made for one subject.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportAttributeChoices {
    /// Subject.
    #[serde(default, deserialize_with = "de::opt_num")]
    pub subject_id: Option<i64>,
    /// Each student's chosen value.
    #[serde(default, deserialize_with = "de::list")]
    pub choices: Vec<ReportChoice>,
}

impl WireItem for ReportAttributeChoices {
    const KEY: &'static str = "report_attributes";
}

/// One student's chosen value of a report attribute.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportChoice {
    /// The choice (see the report's `attributes_and_choices`).
    #[serde(deserialize_with = "de::num")]
    pub choice_id: i64,
    /// Student.
    #[serde(deserialize_with = "de::num")]
    pub student_id: i64,
}

/// `GET …/attainment/reports/{id}/grades`: the grades of one subject in a report.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportGrades {
    /// Subject.
    #[serde(default, deserialize_with = "de::opt_num")]
    pub subject_id: Option<i64>,
    /// QAN.
    #[serde(default)]
    pub qan: Option<String>,
    /// Qualification title.
    #[serde(default)]
    pub qualification_title: Option<String>,
    /// Students' grades.
    #[serde(default, deserialize_with = "de::list")]
    pub grades: Vec<ReportGrade>,
}

impl WireItem for ReportGrades {
    const KEY: &'static str = "report_grades";
}

/// One student's grade in a report.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportGrade {
    /// Grade type (1–10).
    #[serde(rename = "type", default, deserialize_with = "de::opt_num")]
    pub grade_type: Option<i64>,
    /// Grade.
    #[serde(default, deserialize_with = "de::opt_text")]
    pub name: Option<String>,
    /// Student.
    #[serde(deserialize_with = "de::num")]
    pub student_id: i64,
}

/// `GET …/attainment/reports/{id}/comments`: one teacher comment.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportComment {
    /// Subject.
    #[serde(default, deserialize_with = "de::opt_num")]
    pub subject_id: Option<i64>,
    /// Student.
    #[serde(deserialize_with = "de::num")]
    pub student_id: i64,
    /// Author.
    #[serde(default)]
    pub author: Option<String>,
    /// The comment.
    #[serde(default)]
    pub details: Option<String>,
}

impl WireItem for ReportComment {
    const KEY: &'static str = "report_comments";
}
