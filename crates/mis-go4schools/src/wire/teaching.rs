//! Departments, subjects, teachers and teaching groups.

use serde::{Deserialize, Serialize};

use super::WireItem;
use super::de;

/// `GET …/teaching/departments`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Department {
    /// Department id.
    #[serde(deserialize_with = "de::num")]
    pub id: i64,
    /// Name.
    #[serde(default)]
    pub name: Option<String>,
}

impl WireItem for Department {
    const KEY: &'static str = "departments";
}

/// `GET …/teaching/subjects`: a subject in one year group.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Subject {
    /// Subject id (also the id of its markbook).
    #[serde(deserialize_with = "de::num")]
    pub id: i64,
    /// Name, e.g. `Computing and ICT`.
    #[serde(default)]
    pub name: Option<String>,
    /// Code, e.g. `Cp` (what timetabled classes refer to).
    #[serde(default, deserialize_with = "de::opt_text")]
    pub code: Option<String>,
    /// Year group.
    #[serde(default, deserialize_with = "de::opt_text")]
    pub year_group: Option<String>,
    /// Department.
    #[serde(default, deserialize_with = "de::opt_num")]
    pub department_id: Option<i64>,
    /// Qualification Accreditation Number.
    #[serde(default)]
    pub qan: Option<String>,
    /// Qualification title.
    #[serde(default)]
    pub qualification_title: Option<String>,
    /// Grading scheme.
    #[serde(default)]
    pub qualification_scheme_name: Option<String>,
    /// Whether the subject counts in year-group statistics.
    #[serde(default, deserialize_with = "de::opt_bool")]
    pub include_in_stats: Option<bool>,
}

impl WireItem for Subject {
    const KEY: &'static str = "subjects";
}

/// `GET …/teaching/teachers`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Teacher {
    /// Teacher id.
    #[serde(deserialize_with = "de::num")]
    pub id: i64,
    /// Title.
    #[serde(default)]
    pub title: Option<String>,
    /// First name.
    #[serde(default)]
    pub first_name: Option<String>,
    /// Last name.
    #[serde(default)]
    pub last_name: Option<String>,
    /// Preferred first name.
    #[serde(default)]
    pub preferred_first_name: Option<String>,
    /// Preferred last name.
    #[serde(default)]
    pub preferred_last_name: Option<String>,
    /// Initials.
    #[serde(default)]
    pub initials: Option<String>,
    /// Staff code.
    #[serde(default)]
    pub code: Option<String>,
}

impl WireItem for Teacher {
    // G4SApiSync expects `teacher` (sic); the key matcher falls back to any
    // single array, so `teachers` works too.
    const KEY: &'static str = "teachers";
}

/// `GET …/teaching/groups`: a teaching group of a subject.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeachingGroup {
    /// Group id.
    #[serde(deserialize_with = "de::num")]
    pub id: i64,
    /// Name.
    #[serde(default)]
    pub name: Option<String>,
    /// Code, e.g. `7/As1`.
    #[serde(default, deserialize_with = "de::opt_text")]
    pub code: Option<String>,
    /// Subject.
    #[serde(default, deserialize_with = "de::opt_num")]
    pub subject_id: Option<i64>,
}

impl WireItem for TeachingGroup {
    const KEY: &'static str = "groups";
}

/// `GET …/teaching/groups/students`: the students of one group.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupStudents {
    /// Group id.
    #[serde(deserialize_with = "de::num")]
    pub group_id: i64,
    /// Student ids.
    #[serde(default, deserialize_with = "de::nums")]
    pub student_ids: Vec<i64>,
}

impl WireItem for GroupStudents {
    const KEY: &'static str = "groups_students";
}

/// `GET …/teaching/groups/teachers`: the teachers of one group.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupTeachers {
    /// Group id.
    #[serde(deserialize_with = "de::num")]
    pub group_id: i64,
    /// Teacher ids.
    #[serde(default, deserialize_with = "de::nums")]
    pub teacher_ids: Vec<i64>,
}

impl WireItem for GroupTeachers {
    const KEY: &'static str = "group_teachers";
}
