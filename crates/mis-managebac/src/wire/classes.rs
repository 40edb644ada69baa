//! Classes, their terms, members, teachers and timetable; year groups (the API
//! spec's "Class" and timetable shapes).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{Extra, Id, Listed, Meta, Named, de};

/// A class (a teaching group).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Class {
    /// Id.
    pub id: Id,
    /// Name, e.g. `DP Mathematics AA HL`.
    #[serde(default)]
    pub name: Option<String>,
    /// Description.
    #[serde(default)]
    pub description: Option<String>,
    /// Language of instruction.
    #[serde(default)]
    pub language: Option<String>,
    /// The school's unique code for the class.
    #[serde(default, deserialize_with = "de::opt_text")]
    pub uniq_id: Option<String>,
    /// Section.
    #[serde(default, deserialize_with = "de::opt_text")]
    pub class_section: Option<String>,
    /// First term.
    #[serde(default, deserialize_with = "de::opt_id")]
    pub start_term_id: Option<Id>,
    /// Last term.
    #[serde(default, deserialize_with = "de::opt_id")]
    pub end_term_id: Option<Id>,
    /// Grade name.
    #[serde(default)]
    pub grade: Option<String>,
    /// Grade number.
    #[serde(default, deserialize_with = "de::opt_int")]
    pub grade_number: Option<i64>,
    /// `HL`, `SL`.
    #[serde(default, deserialize_with = "de::list")]
    pub applicable_levels: Vec<String>,
    /// Program name.
    #[serde(default)]
    pub program: Option<String>,
    /// Program code: the calendar this class follows.
    #[serde(default)]
    pub program_code: Option<String>,
    /// Main subject id.
    #[serde(default, deserialize_with = "de::opt_id")]
    pub subject_id: Option<Id>,
    /// Main subject name.
    #[serde(default)]
    pub subject_name: Option<String>,
    /// Subject group.
    #[serde(default, deserialize_with = "de::opt_text")]
    pub subject_group: Option<String>,
    /// Subject group id.
    #[serde(default, deserialize_with = "de::opt_id")]
    pub subject_group_id: Option<Id>,
    /// All subjects.
    #[serde(default, deserialize_with = "de::list")]
    pub subjects: Vec<ClassSubject>,
    /// Whether memberships are locked.
    #[serde(default, deserialize_with = "de::opt_bool")]
    pub lock_memberships: Option<bool>,
    /// Archived.
    #[serde(default, deserialize_with = "de::opt_bool")]
    pub archived: Option<bool>,
    /// Teachers.
    #[serde(default, deserialize_with = "de::list")]
    pub teachers: Vec<ClassTeacherRef>,
    /// Created.
    #[serde(default)]
    pub created_at: Option<String>,
    /// Last change.
    #[serde(default)]
    pub updated_at: Option<String>,
    /// Everything else.
    #[serde(flatten)]
    pub extra: Extra,
}

impl Listed for Class {
    const LIST_KEY: &'static str = "classes";
}

impl Named for Class {
    const ONE_KEY: &'static str = "class";
}

/// A subject of a class.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ClassSubject {
    /// Id.
    #[serde(default, deserialize_with = "de::opt_id")]
    pub id: Option<Id>,
    /// Name.
    #[serde(default)]
    pub name: Option<String>,
    /// Subject group id.
    #[serde(default, deserialize_with = "de::opt_id")]
    pub subject_group_id: Option<Id>,
    /// Subject group name.
    #[serde(default, deserialize_with = "de::opt_text")]
    pub subject_group: Option<String>,
}

/// A teacher of a class as the class record names them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ClassTeacherRef {
    /// The teacher.
    #[serde(default, deserialize_with = "de::opt_id")]
    pub teacher_id: Option<Id>,
    /// Whether they appear on reports.
    #[serde(default, deserialize_with = "de::opt_bool")]
    pub show_on_reports: Option<bool>,
    /// Whether the teacher is archived.
    #[serde(default, deserialize_with = "de::opt_bool")]
    pub teacher_archived: Option<bool>,
}

/// `GET /classes/{id}/terms` → `{terms: [{id, name, starts_on, ends_on, academic_year}]}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ClassTerm {
    /// Id.
    pub id: Id,
    /// Name.
    #[serde(default)]
    pub name: Option<String>,
    /// First day.
    #[serde(default)]
    pub starts_on: Option<String>,
    /// Last day.
    #[serde(default)]
    pub ends_on: Option<String>,
    /// `{id, name}` of the year.
    #[serde(default)]
    pub academic_year: Option<YearRef>,
}

impl Listed for ClassTerm {
    const LIST_KEY: &'static str = "terms";
}

/// `{id, name}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct YearRef {
    /// Id.
    #[serde(default, deserialize_with = "de::opt_id")]
    pub id: Option<Id>,
    /// Name.
    #[serde(default)]
    pub name: Option<String>,
}

/// `GET /classes/{id}/students` → `{student_ids: [...], student_levels: {"<id>": "SL"}, meta}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ClassStudents {
    /// The members on this page.
    #[serde(default, deserialize_with = "de::list")]
    pub student_ids: Vec<Id>,
    /// IB level per student id.
    #[serde(default)]
    pub student_levels: BTreeMap<String, serde_json::Value>,
    /// Paging.
    #[serde(default)]
    pub meta: Option<Meta>,
}

/// `GET /classes/{id}/teachers` → `{teachers: [...], meta}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ClassTeacher {
    /// The teacher's id.
    pub id: Id,
    /// Whether they appear on reports.
    #[serde(default, deserialize_with = "de::opt_bool")]
    pub show_on_reports: Option<bool>,
    /// Whether the teacher is archived.
    #[serde(default, deserialize_with = "de::opt_bool")]
    pub teacher_archived: Option<bool>,
    /// When they joined the class.
    #[serde(default)]
    pub first_joined_at: Option<String>,
    /// Last change.
    #[serde(default)]
    pub updated_at: Option<String>,
}

impl Listed for ClassTeacher {
    const LIST_KEY: &'static str = "teachers";
}

/// `GET /classes/{id}/timetable` → `{timetable: {...}}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ClassTimetable {
    /// v2p1: whether periods count from 0 or 1 (v2p3 dropped it: "Periods are now always
    /// 1-indexed", Faria's "About versions").
    #[serde(default, deserialize_with = "de::opt_int")]
    pub period_starts_count_from: Option<i64>,
    /// v2p1 attendance responses' companion field, accepted here too.
    #[serde(default, deserialize_with = "de::opt_int")]
    pub period_offset: Option<i64>,
    /// Slots per academic year.
    #[serde(default, deserialize_with = "de::list")]
    pub academic_years: Vec<TimetableYear>,
}

impl Named for ClassTimetable {
    const ONE_KEY: &'static str = "timetable";
}

/// One academic year of a class timetable.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TimetableYear {
    /// The academic year.
    #[serde(default, deserialize_with = "de::opt_id")]
    pub id: Option<Id>,
    /// Its name.
    #[serde(default)]
    pub name: Option<String>,
    /// First day.
    #[serde(default)]
    pub start_date: Option<String>,
    /// Last day.
    #[serde(default)]
    pub end_date: Option<String>,
    /// The slots.
    #[serde(default, deserialize_with = "de::list")]
    pub slots: Vec<TimetableSlot>,
}

/// A slot: `{day, period, location, enabled}` — `day` is the calendar's rotation day, `period`
/// is numbered the school's way in v2p1 (see [`ClassTimetable::period_starts_count_from`]).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimetableSlot {
    /// Rotation day.
    #[serde(default, deserialize_with = "de::opt_int")]
    pub day: Option<i64>,
    /// Period as the school numbers it.
    #[serde(default, deserialize_with = "de::opt_int")]
    pub period: Option<i64>,
    /// Room.
    #[serde(default, deserialize_with = "de::opt_text")]
    pub location: Option<String>,
    /// Disabled slots are only sent with `include_disabled`.
    #[serde(default, deserialize_with = "de::opt_bool")]
    pub enabled: Option<bool>,
}

/// A year group: `{id, name, short_name, program, program_code, grade, archived,
/// grade_number, graduation_year, student_ids[]}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct YearGroup {
    /// Id.
    pub id: Id,
    /// Name, e.g. `IB MYP Group of 2025 (Year 4)`.
    #[serde(default)]
    pub name: Option<String>,
    /// Short name.
    #[serde(default)]
    pub short_name: Option<String>,
    /// Program name.
    #[serde(default)]
    pub program: Option<String>,
    /// Program code.
    #[serde(default)]
    pub program_code: Option<String>,
    /// Grade name, e.g. `Year 4`.
    #[serde(default)]
    pub grade: Option<String>,
    /// Archived.
    #[serde(default, deserialize_with = "de::opt_bool")]
    pub archived: Option<bool>,
    /// Grade number.
    #[serde(default, deserialize_with = "de::opt_int")]
    pub grade_number: Option<i64>,
    /// Graduation year.
    #[serde(default, deserialize_with = "de::opt_int")]
    pub graduation_year: Option<i64>,
    /// Members.
    #[serde(default, deserialize_with = "de::list")]
    pub student_ids: Vec<Id>,
    /// Everything else.
    #[serde(flatten)]
    pub extra: Extra,
}

impl Listed for YearGroup {
    const LIST_KEY: &'static str = "year_groups";
}

impl Named for YearGroup {
    const ONE_KEY: &'static str = "year_group";
}

/// `GET /year-groups/{id}/students` → `{meta, student_ids[], students: [...]}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct YearGroupStudents {
    /// Members on this page.
    #[serde(default, deserialize_with = "de::list")]
    pub student_ids: Vec<Id>,
    /// The students, with the year-group fields.
    #[serde(default, deserialize_with = "de::list")]
    pub students: Vec<super::Student>,
    /// Paging.
    #[serde(default)]
    pub meta: Option<Meta>,
}

/// A group a teacher belongs to (`GET /teachers/{id}/groups`). The reference gives no shape
/// beyond the path, so only `id` and `name` are named \[I\].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TeacherGroup {
    /// Id.
    pub id: Id,
    /// Name.
    #[serde(default)]
    pub name: Option<String>,
    /// Everything else.
    #[serde(flatten)]
    pub extra: Extra,
}

impl Listed for TeacherGroup {
    const LIST_KEY: &'static str = "groups";
}
