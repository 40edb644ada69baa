//! Students, teachers, parents and memberships (the API spec's "Student", "Teacher",
//! "Parent" and "Membership" shapes).

use serde::{Deserialize, Serialize};

use super::{Extra, Id, Listed, Named, de};

/// A student. Optional fields are *omitted*, not null.
///
/// `student_id` and `identifier` are **the school's own id**, as strings — not the ManageBac
/// `id`. `GET /year-groups/{id}/students` adds `class_grade`, `program`, … (kept in the
/// named fields below or in `extra`). With `deleted_since`, records are tombstones carrying
/// `deleted_at` and fewer fields.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Student {
    /// ManageBac id.
    pub id: Id,
    /// E-mail.
    #[serde(default)]
    pub email: Option<String>,
    /// First name.
    #[serde(default)]
    pub first_name: Option<String>,
    /// Middle name.
    #[serde(default)]
    pub middle_name: Option<String>,
    /// Last name.
    #[serde(default)]
    pub last_name: Option<String>,
    /// Preferred name, as some tenants send it.
    #[serde(default)]
    pub nickname: Option<String>,
    /// Preferred name, as behaviour notes and some tenants send it.
    #[serde(default)]
    pub preferred_name: Option<String>,
    /// Archived (left the school).
    #[serde(default, deserialize_with = "de::opt_bool")]
    pub archived: Option<bool>,
    /// UI language.
    #[serde(default)]
    pub ui_language: Option<String>,
    /// Created.
    #[serde(default)]
    pub created_at: Option<String>,
    /// Last change.
    #[serde(default)]
    pub updated_at: Option<String>,
    /// The school's own student id.
    #[serde(default, deserialize_with = "de::opt_text")]
    pub student_id: Option<String>,
    /// The school's own identifier.
    #[serde(default, deserialize_with = "de::opt_text")]
    pub identifier: Option<String>,
    /// Gender as the school records it (`Male`, `Female`, …).
    #[serde(default)]
    pub gender: Option<String>,
    /// The student's time zone.
    #[serde(default)]
    pub timezone: Option<String>,
    /// Date of birth, `yyyy-mm-dd`.
    #[serde(default)]
    pub birthday: Option<String>,
    /// Street address.
    #[serde(default)]
    pub street_address: Option<String>,
    /// City.
    #[serde(default)]
    pub city: Option<String>,
    /// State.
    #[serde(default)]
    pub state: Option<String>,
    /// Post code.
    #[serde(default, deserialize_with = "de::opt_text")]
    pub zipcode: Option<String>,
    /// ISO 3166 alpha-2 country.
    #[serde(default)]
    pub country: Option<String>,
    /// Nationalities, as sent.
    #[serde(default, deserialize_with = "de::list")]
    pub nationalities: Vec<serde_json::Value>,
    /// Languages, as sent.
    #[serde(default, deserialize_with = "de::list")]
    pub languages: Vec<serde_json::Value>,
    /// Linked parents.
    #[serde(default, deserialize_with = "de::list")]
    pub parent_ids: Vec<Id>,
    /// Homeroom advisor (a teacher id).
    #[serde(default, deserialize_with = "de::opt_id")]
    pub homeroom_advisor_id: Option<Id>,
    /// Year group.
    #[serde(default, deserialize_with = "de::opt_id")]
    pub year_group_id: Option<Id>,
    /// Graduation year.
    #[serde(default, deserialize_with = "de::opt_int")]
    pub graduating_year: Option<i64>,
    /// Graduation date.
    #[serde(default)]
    pub graduated_on: Option<String>,
    /// Withdrawal date.
    #[serde(default)]
    pub withdrawn_on: Option<String>,
    /// `Student`.
    #[serde(default)]
    pub role: Option<String>,
    /// Tombstones (`deleted_since`): when the record was deleted.
    #[serde(default)]
    pub deleted_at: Option<String>,
    /// Year-group listing: the grade name.
    #[serde(default)]
    pub class_grade: Option<String>,
    /// Year-group listing: the grade number.
    #[serde(default, deserialize_with = "de::opt_int")]
    pub class_grade_number: Option<i64>,
    /// Year-group listing: program name.
    #[serde(default)]
    pub program: Option<String>,
    /// Year-group listing: program code.
    #[serde(default)]
    pub program_code: Option<String>,
    /// Everything else (`ib_group_id`, `cas_advisor_id`, `last_accessed_at`, …).
    #[serde(flatten)]
    pub extra: Extra,
}

impl Listed for Student {
    const LIST_KEY: &'static str = "students";
}

impl Named for Student {
    const ONE_KEY: &'static str = "student";
}

/// The fields of a student that name it: what behaviour notes are matched by (they carry the
/// school's `student_id` or the e-mail, never the ManageBac id).
///
/// Read from `GET /students` instead of a whole [`Student`], so that a student whose other
/// fields are corrupt (a `birthday` of the wrong type) can still be matched to its notes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StudentKey {
    /// ManageBac id.
    pub id: Id,
    /// The school's own student id.
    #[serde(default, deserialize_with = "de::opt_text")]
    pub student_id: Option<String>,
    /// The school's own identifier.
    #[serde(default, deserialize_with = "de::opt_text")]
    pub identifier: Option<String>,
    /// E-mail.
    #[serde(default)]
    pub email: Option<String>,
}

impl Listed for StudentKey {
    const LIST_KEY: &'static str = "students";
}

impl From<&Student> for StudentKey {
    fn from(s: &Student) -> Self {
        StudentKey {
            id: s.id,
            student_id: s.student_id.clone(),
            identifier: s.identifier.clone(),
            email: s.email.clone(),
        }
    }
}

/// One element of `GET /students` decoded twice over: as a whole [`Student`] (record by
/// record, so one malformed record is rejected alone) and for its identifying fields only
/// ([`StudentKey`], `None` when even those do not decode). One listing then serves both the
/// students read and the behaviour read's matching of notes to students, which must still
/// match a student whose other fields are corrupt.
#[derive(Debug, Clone, PartialEq)]
pub struct StudentRow {
    /// The whole record, or why it was rejected.
    pub record: mis_http::Lenient<Student>,
    /// The identifying fields.
    pub key: Option<StudentKey>,
}

impl<'de> Deserialize<'de> for StudentRow {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw: Box<serde_json::value::RawValue> = Deserialize::deserialize(d)?;
        let record = serde_json::from_str(raw.get()).map_err(serde::de::Error::custom)?;
        let key = serde_json::from_str(raw.get()).ok();
        Ok(StudentRow { record, key })
    }
}

impl Listed for StudentRow {
    const LIST_KEY: &'static str = "students";
}

/// A teacher.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Teacher {
    /// ManageBac id.
    pub id: Id,
    /// E-mail.
    #[serde(default)]
    pub email: Option<String>,
    /// First name.
    #[serde(default)]
    pub first_name: Option<String>,
    /// Last name.
    #[serde(default)]
    pub last_name: Option<String>,
    /// Title (`Mr`, `Dr`…), where the tenant records one.
    #[serde(default)]
    pub salutation: Option<String>,
    /// The school's own identifier.
    #[serde(default, deserialize_with = "de::opt_text")]
    pub identifier: Option<String>,
    /// Archived.
    #[serde(default, deserialize_with = "de::opt_bool")]
    pub archived: Option<bool>,
    /// `Teacher`, …
    #[serde(default)]
    pub role: Option<String>,
    /// Last change.
    #[serde(default)]
    pub updated_at: Option<String>,
    /// Everything else.
    #[serde(flatten)]
    pub extra: Extra,
}

impl Listed for Teacher {
    const LIST_KEY: &'static str = "teachers";
}

impl Named for Teacher {
    const ONE_KEY: &'static str = "teacher";
}

/// A parent or guardian.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Parent {
    /// ManageBac id.
    pub id: Id,
    /// E-mail.
    #[serde(default)]
    pub email: Option<String>,
    /// First name.
    #[serde(default)]
    pub first_name: Option<String>,
    /// Last name.
    #[serde(default)]
    pub last_name: Option<String>,
    /// Archived.
    #[serde(default, deserialize_with = "de::opt_bool")]
    pub archived: Option<bool>,
    /// Children linked to the parent, where the endpoint says.
    #[serde(default, deserialize_with = "de::list")]
    pub child_ids: Vec<Id>,
    /// Everything else.
    #[serde(flatten)]
    pub extra: Extra,
}

impl Listed for Parent {
    const LIST_KEY: &'static str = "parents";
}

impl Named for Parent {
    const ONE_KEY: &'static str = "parent";
}

/// `GET /parents/{id}/children` → `{children: [{id, relationship}], meta}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Child {
    /// The student's ManageBac id.
    pub id: Id,
    /// E.g. `mother`, `guardian`.
    #[serde(default)]
    pub relationship: Option<String>,
    /// Everything else.
    #[serde(flatten)]
    pub extra: Extra,
}

impl Listed for Child {
    const LIST_KEY: &'static str = "children";
}

/// `GET /memberships` → `{memberships: [...], meta}`: a user's place in a class.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Membership {
    /// Id.
    pub id: Id,
    /// The user (student or teacher).
    #[serde(default, deserialize_with = "de::opt_id")]
    pub user_id: Option<Id>,
    /// The class.
    #[serde(default, deserialize_with = "de::opt_id")]
    pub class_id: Option<Id>,
    /// The user's e-mail.
    #[serde(default)]
    pub user_email: Option<String>,
    /// `Student`, `Teacher`, …
    #[serde(default)]
    pub role: Option<String>,
    /// `HL` / `SL`, for IB classes.
    #[serde(default)]
    pub level: Option<String>,
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

impl Listed for Membership {
    const LIST_KEY: &'static str = "memberships";
}

/// A year group's advisor: `{id, roles: ["homeroom", "cas", "ee", "tok", …]}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Advisor {
    /// The teacher's id.
    pub id: Id,
    /// What they advise on.
    #[serde(default, deserialize_with = "de::list")]
    pub roles: Vec<String>,
}

/// `GET /year-groups/{id}/advisors` → `{advisors: [...]}` (not paginated).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdvisorsResponse {
    /// The advisors.
    #[serde(default, deserialize_with = "de::list")]
    pub advisors: Vec<Advisor>,
}
