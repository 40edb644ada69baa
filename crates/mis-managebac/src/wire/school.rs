//! The school, its programs, academic years, terms, calendar and attendance categories
//! (the API spec's "Academics" endpoints, its "Term" and attendance category shapes).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{Extra, Id, Named, de};

/// `GET /school` → `{school: {...}}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct School {
    /// The tenant's subdomain (`<subdomain>.managebac.com`).
    #[serde(default)]
    pub subdomain: Option<String>,
    /// The school's name.
    #[serde(default)]
    pub name: Option<String>,
    /// ISO country code.
    #[serde(default)]
    pub country: Option<String>,
    /// UI language.
    #[serde(default)]
    pub language: Option<String>,
    /// The school's IANA time zone (`Asia/Hong_Kong`). Not in the spec's field list, but on the
    /// school record of public clients of the live API \[I\]; read when present (`time_zone` also
    /// accepted).
    #[serde(default, alias = "time_zone", deserialize_with = "de::opt_text")]
    pub timezone: Option<String>,
    /// Whether the exam session is in May.
    #[serde(default, deserialize_with = "de::opt_bool")]
    pub session_in_may: Option<bool>,
    /// The programs the school runs (shape varies by tenant; kept as sent).
    #[serde(default, deserialize_with = "de::list")]
    pub programs: Vec<serde_json::Value>,
    /// `[{name, code}]`: the program codes academic years are grouped by.
    #[serde(default, deserialize_with = "de::list")]
    pub enabled_programs: Vec<Program>,
    /// Everything else (`logo`, `kbl_id`, …).
    #[serde(flatten)]
    pub extra: Extra,
}

impl Named for School {
    const ONE_KEY: &'static str = "school";
}

/// An enabled program: `{name, code}` (`diploma`, `myp`, `ib_pyp`, `hs`, …).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Program {
    /// Display name.
    #[serde(default)]
    pub name: Option<String>,
    /// The program code used in paths.
    #[serde(default)]
    pub code: Option<String>,
}

/// `GET /school/academic-years`: `{academic_years: {"<program_code>": {academic_years: [...]}}}`
/// — **keyed by program code**.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AcademicYearsResponse {
    /// Program code → that program's years.
    #[serde(default)]
    pub academic_years: BTreeMap<String, ProgramYears>,
}

/// One program's academic years.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ProgramYears {
    /// The years.
    #[serde(default, deserialize_with = "de::list")]
    pub academic_years: Vec<AcademicYear>,
}

/// An academic year of one program, with its terms.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AcademicYear {
    /// Id.
    pub id: Id,
    /// Name, e.g. `2024 - 2025`.
    #[serde(default)]
    pub name: Option<String>,
    /// Whether it is the current year.
    #[serde(default, deserialize_with = "de::opt_bool")]
    pub active: Option<bool>,
    /// First day (`yyyy-mm-dd`).
    #[serde(default)]
    pub starts_on: Option<String>,
    /// Last day (`yyyy-mm-dd`).
    #[serde(default)]
    pub ends_on: Option<String>,
    /// Last change.
    #[serde(default)]
    pub updated_at: Option<String>,
    /// The program code (in `GET /school/programs/{code}/academic-years/{id}`).
    #[serde(default)]
    pub program: Option<String>,
    /// The year's terms.
    #[serde(default, deserialize_with = "de::list")]
    pub academic_terms: Vec<AcademicTerm>,
    /// Everything else.
    #[serde(flatten)]
    pub extra: Extra,
}

impl Named for AcademicYear {
    const ONE_KEY: &'static str = "academic_year";
}

/// A term: `{id, academic_year_id, name, starts_on, ends_on, locked, exam_grade, updated_at}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AcademicTerm {
    /// Id.
    pub id: Id,
    /// The year, where the endpoint says.
    #[serde(default, deserialize_with = "de::opt_id")]
    pub academic_year_id: Option<Id>,
    /// Name.
    #[serde(default)]
    pub name: Option<String>,
    /// Whether it is the current term.
    #[serde(default, deserialize_with = "de::opt_bool")]
    pub active: Option<bool>,
    /// First day.
    #[serde(default)]
    pub starts_on: Option<String>,
    /// Last day.
    #[serde(default)]
    pub ends_on: Option<String>,
    /// Whether grades are locked.
    #[serde(default, deserialize_with = "de::opt_bool")]
    pub locked: Option<bool>,
    /// Whether the term carries exam grades.
    #[serde(default, deserialize_with = "de::opt_bool")]
    pub exam_grade: Option<bool>,
    /// Last change.
    #[serde(default)]
    pub updated_at: Option<String>,
    /// Everything else.
    #[serde(flatten)]
    pub extra: Extra,
}

/// `GET /school/programs/{code}/academic-years/{id}/calendar` → `{calendar: {...}}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Calendar {
    /// First day.
    #[serde(default)]
    pub start_date: Option<String>,
    /// Last day.
    #[serde(default)]
    pub end_date: Option<String>,
    /// E.g. `Rotation Cycle`.
    #[serde(default)]
    pub calendar_type: Option<String>,
    /// Days in the rotation.
    #[serde(default, deserialize_with = "de::opt_int")]
    pub rotation_cycle: Option<i64>,
    /// Whether holidays advance the rotation.
    #[serde(default, deserialize_with = "de::opt_bool")]
    pub ignore_holidays: Option<bool>,
    /// Weekdays off (`0` = Sunday), as sent.
    #[serde(default, deserialize_with = "de::list")]
    pub days_off: Vec<serde_json::Value>,
    /// The school days and their rotation day.
    #[serde(default, deserialize_with = "de::list")]
    pub dates: Vec<CalendarDate>,
    /// Everything else.
    #[serde(flatten)]
    pub extra: Extra,
}

impl Named for Calendar {
    const ONE_KEY: &'static str = "calendar";
}

/// One calendar day: `{date, rotation_day}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CalendarDate {
    /// `yyyy-mm-dd`.
    #[serde(default)]
    pub date: Option<String>,
    /// Day of the rotation (1-based); absent on days outside it.
    #[serde(default, deserialize_with = "de::opt_int")]
    pub rotation_day: Option<i64>,
}

/// `GET /school/academic-years/{id}/attendance_categories` → `{categories: [...]}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CategoriesResponse {
    /// The tenant's categories.
    #[serde(default, deserialize_with = "de::list")]
    pub categories: Vec<AttendanceCategory>,
}

/// One attendance category: `{id?, status:int, label, abbreviation, enabled, color_code}`.
///
/// `status` `0` = Absent and `1` = Present for all schools, `2` = Late and `-1` = Present
/// (unmarked default) in every example, higher ids school-defined (the API spec's examples).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttendanceCategory {
    /// Id of a school-defined category (built-ins have none).
    #[serde(default, deserialize_with = "de::opt_id")]
    pub id: Option<Id>,
    /// The status id records carry and writes send.
    #[serde(default, deserialize_with = "de::opt_int")]
    pub status: Option<i64>,
    /// The label (`Present`, `Dress Code`, …).
    #[serde(default)]
    pub label: Option<String>,
    /// Short form.
    #[serde(default)]
    pub abbreviation: Option<String>,
    /// Whether teachers may use it.
    #[serde(default, deserialize_with = "de::opt_bool")]
    pub enabled: Option<bool>,
    /// Display colour.
    #[serde(default)]
    pub color_code: Option<String>,
}
