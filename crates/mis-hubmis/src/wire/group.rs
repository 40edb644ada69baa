//! Academic structure: departments, activities, form groups, sections, subjects, subject sets
//! (classes), tutor groups and year groups, as the document's "Get one" samples show them.

use serde::{Deserialize, Serialize};

use super::{Extra, Id, Item, PersonRef, lenient_string, lenient_u64};

/// A group as nested in another record (`"form": {…}` on a student, `"subject_set": {…}` on
/// a timetable period): id, name, code, and its year group when the vendor includes it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct GroupRef {
    /// The group's id.
    pub id: Option<Id>,
    /// Its name, e.g. `Form 9A`.
    pub name: Option<String>,
    /// Its code, e.g. `9A`.
    pub code: Option<String>,
    /// Its year group, when nested.
    pub year_group: Option<Item>,
    /// Its subject, when nested (subject sets).
    pub subject: Option<Item>,
    /// Anything else.
    #[serde(flatten)]
    pub extra: Extra,
}

impl GroupRef {
    /// The code, else the name.
    pub fn label(&self) -> Option<&str> {
        self.code
            .as_deref()
            .or(self.name.as_deref())
            .filter(|s| !s.trim().is_empty())
    }
}

/// "Departments: Get one".
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct Department {
    /// Id.
    pub id: Option<Id>,
    /// The academic year.
    pub academic_year: Option<Item>,
    /// e.g. `SCI`.
    pub code: Option<String>,
    /// Heads of department.
    pub department_heads: Vec<PersonRef>,
    /// e.g. `Science`.
    pub name: Option<String>,
    /// Its subjects.
    pub subjects: Vec<Item>,
    /// Whether it can be copied to another year.
    pub can_copy: Option<bool>,
}

/// "Extra Curricular Activity: Get one in an Academic Year".
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct ExtraCurricularActivity {
    /// Id.
    pub id: Option<Id>,
    /// The academic year.
    pub academic_year: Option<Item>,
    /// e.g. `ORCH`.
    pub code: Option<String>,
    /// Capacity.
    #[serde(deserialize_with = "lenient_u64")]
    pub max_students: Option<u64>,
    /// e.g. `Orchestra`.
    pub name: Option<String>,
    /// Rooms.
    pub rooms: Vec<Item>,
    /// Description.
    pub short_description: Option<String>,
    /// Staff.
    pub staff: Vec<PersonRef>,
    /// Report writers.
    pub staff_report_writers: Vec<PersonRef>,
    /// Members.
    #[serde(deserialize_with = "lenient_u64")]
    pub student_count: Option<u64>,
    /// Timetable code.
    pub timetable_code: Option<String>,
    /// First day.
    pub date_start: Option<String>,
    /// Last day.
    pub date_end: Option<String>,
    /// Year groups.
    pub year_groups: Vec<Item>,
}

/// "Form Group: Get one in an Academic Year".
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct FormGroup {
    /// Id.
    pub id: Option<Id>,
    /// The academic year.
    pub academic_year: Option<Item>,
    /// e.g. `9A`.
    pub code: Option<String>,
    /// Capacity.
    #[serde(deserialize_with = "lenient_u64")]
    pub max_students: Option<u64>,
    /// e.g. `Form 9A`.
    pub name: Option<String>,
    /// Rooms.
    pub rooms: Vec<Item>,
    /// Description.
    pub short_description: Option<String>,
    /// Tutors.
    pub staff: Vec<PersonRef>,
    /// Report writers.
    pub staff_report_writers: Vec<PersonRef>,
    /// Members.
    #[serde(deserialize_with = "lenient_u64")]
    pub student_count: Option<u64>,
    /// Timetable code.
    pub timetable_code: Option<String>,
    /// Section.
    pub section: Option<Item>,
    /// Year group.
    pub year_group: Option<Item>,
    /// Student representatives.
    pub student_representatives: Vec<Item>,
}

/// "Sections: Get one".
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct Section {
    /// Id.
    pub id: Option<Id>,
    /// e.g. `MS`.
    pub code: Option<String>,
    /// e.g. `Middle School`.
    pub name: Option<String>,
    /// Heads of section.
    pub section_heads: Vec<PersonRef>,
    /// Year groups.
    pub year_groups: Vec<Item>,
    /// Sort position.
    #[serde(deserialize_with = "lenient_u64")]
    pub position: Option<u64>,
}

/// "Subjects: Get one".
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct Subject {
    /// Id.
    pub id: Option<Id>,
    /// The academic year.
    pub academic_year: Option<Item>,
    /// e.g. `Life Science`.
    pub alternative_name: Option<String>,
    /// e.g. `BY`.
    pub code: Option<String>,
    /// Colour option.
    #[serde(deserialize_with = "lenient_u64")]
    pub color_option: Option<u64>,
    /// Department.
    pub department: Option<Item>,
    /// e.g. `Biology`.
    pub name: Option<String>,
    /// Whether it can be copied to another year.
    pub can_copy: Option<bool>,
    /// Heads of subject.
    pub subject_heads: Vec<PersonRef>,
}

/// "Subject Sets: Get one in an Academic Year": a class.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct SubjectSet {
    /// Id.
    pub id: Option<Id>,
    /// The academic year.
    pub academic_year: Option<Item>,
    /// e.g. `ENG9A`.
    pub code: Option<String>,
    /// Capacity.
    #[serde(deserialize_with = "lenient_u64")]
    pub max_students: Option<u64>,
    /// e.g. `English 9A`.
    pub name: Option<String>,
    /// Rooms.
    pub rooms: Vec<Item>,
    /// Description.
    pub short_description: Option<String>,
    /// Teachers.
    pub staff: Vec<PersonRef>,
    /// Report writers.
    pub staff_report_writers: Vec<PersonRef>,
    /// Members.
    #[serde(deserialize_with = "lenient_u64")]
    pub student_count: Option<u64>,
    /// Timetable code.
    pub timetable_code: Option<String>,
    /// Credit score.
    #[serde(deserialize_with = "lenient_u64")]
    pub credit_score: Option<u64>,
    /// First day.
    pub date_start: Option<String>,
    /// Last day.
    pub date_end: Option<String>,
    /// Qualification.
    pub qualification: Option<Item>,
    /// Section.
    pub section: Option<Item>,
    /// Subject.
    pub subject: Option<Item>,
    /// Year group.
    pub year_group: Option<Item>,
}

/// "Tutor Groups: Get one in an Academic Year".
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct TutorGroup {
    /// Id.
    pub id: Option<Id>,
    /// The academic year.
    pub academic_year: Option<Item>,
    /// e.g. `TG09X`.
    pub code: Option<String>,
    /// Capacity.
    #[serde(deserialize_with = "lenient_u64")]
    pub max_students: Option<u64>,
    /// e.g. `Year 9 Tutor Group X`.
    pub name: Option<String>,
    /// Rooms.
    pub rooms: Vec<Item>,
    /// Description.
    pub short_description: Option<String>,
    /// Tutors.
    pub staff: Vec<PersonRef>,
    /// Report writers.
    pub staff_report_writers: Vec<PersonRef>,
    /// Members.
    #[serde(deserialize_with = "lenient_u64")]
    pub student_count: Option<u64>,
    /// Timetable code.
    pub timetable_code: Option<String>,
    /// Section.
    pub section: Option<Item>,
}

/// "Year Groups: Get one in an Academic Year".
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct YearGroup {
    /// Id.
    pub id: Option<Id>,
    /// The academic year.
    pub academic_year: Option<Item>,
    /// e.g. `Y9`.
    pub code: Option<String>,
    /// The DfE year (sent as a string in the sample).
    #[serde(deserialize_with = "lenient_string")]
    pub dfe_year: Option<String>,
    /// Whether it is the school's final year.
    pub final_year: Option<bool>,
    /// Number of forms.
    #[serde(deserialize_with = "lenient_u64")]
    pub form_count: Option<u64>,
    /// e.g. `KS3`.
    pub key_stage: Option<String>,
    /// Capacity.
    #[serde(deserialize_with = "lenient_u64")]
    pub max_students: Option<u64>,
    /// e.g. `Year 9`.
    pub name: Option<String>,
    /// Sort position.
    #[serde(deserialize_with = "lenient_u64")]
    pub position: Option<u64>,
    /// Section.
    pub section: Option<Item>,
    /// e.g. `active`.
    pub status: Option<String>,
    /// Students in the year.
    #[serde(deserialize_with = "lenient_u64")]
    pub total_student_count: Option<u64>,
    /// UUID.
    pub uuid: Option<String>,
    /// Heads of year.
    pub year_group_heads: Vec<PersonRef>,
}
