//! Students and everything recorded about them.

use jiff::civil::Date;
use mis_core::Sensitive;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::WireItem;
use super::de;

/// `GET /academic-years/{y}/students`: a student's personal details.
///
/// Non-MIS schools also send `student_mis_id` (vendor doc, GET Students).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Student {
    /// The student's GO 4 Schools id.
    #[serde(deserialize_with = "de::num")]
    pub id: i64,
    /// Date of birth (sent as a midnight date-time).
    #[serde(
        default,
        deserialize_with = "de::opt_date",
        serialize_with = "de::ser_opt_date"
    )]
    pub date_of_birth: Option<Date>,
    /// Sex as recorded (`M`, `F`).
    #[serde(default)]
    pub sex: Option<String>,
    /// Legal first name.
    #[serde(default)]
    pub legal_first_name: Option<String>,
    /// Legal last name.
    #[serde(default)]
    pub legal_last_name: Option<String>,
    /// Preferred first name.
    #[serde(default)]
    pub preferred_first_name: Option<String>,
    /// Preferred last name.
    #[serde(default)]
    pub preferred_last_name: Option<String>,
    /// Middle names.
    #[serde(default)]
    pub middle_names: Option<String>,
    /// The student's id in an external MIS (non-MIS schools).
    #[serde(default, deserialize_with = "de::opt_text")]
    pub student_mis_id: Option<String>,
}

impl WireItem for Student {
    const KEY: &'static str = "students";
}

/// One value of an attribute for one student.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttributeValue<V> {
    /// The student.
    #[serde(deserialize_with = "de::num")]
    pub student_id: i64,
    /// The value recorded.
    #[serde(default)]
    pub value: V,
    /// Set only when the value was timestamped in the requested academic year.
    #[serde(default, deserialize_with = "de::opt_num")]
    pub academic_year: Option<i64>,
    /// The value's timestamp.
    #[serde(
        default,
        deserialize_with = "de::opt_date",
        serialize_with = "de::ser_opt_date"
    )]
    pub date: Option<Date>,
}

/// An attribute and every student's value of it (`GET …/students/attributes[/kind]`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(bound(deserialize = "V: Deserialize<'de> + Default"))]
pub struct Attribute<V> {
    /// Attribute id.
    #[serde(default, deserialize_with = "de::opt_num")]
    pub id: Option<i64>,
    /// Attribute code, e.g. `countryOfBirth`.
    #[serde(default)]
    pub code: Option<String>,
    /// Attribute name.
    #[serde(default)]
    pub name: Option<String>,
    /// Whether the attribute comes from the school's MIS.
    #[serde(default, deserialize_with = "de::opt_bool")]
    pub is_system: Option<bool>,
    /// Every student's value.
    #[serde(default, deserialize_with = "de::list")]
    pub students_and_attribute_values: Vec<AttributeValue<V>>,
}

impl<V: DeserializeOwned + Default> WireItem for Attribute<V> {
    const KEY: &'static str = "students_and_attributes";
}

/// General (custom and system) attributes: plain values.
pub type GeneralAttribute = Attribute<Option<String>>;
/// Demographic attributes (country of birth, languages, nationality): plain values.
pub type DemographicAttribute = Attribute<Option<String>>;
/// SEND attributes (SEN code and status, needs, gifted/talented): special-category data,
/// redacted in `Debug`.
pub type SendAttribute = Attribute<Sensitive<Option<String>>>;
/// Sensitive attributes (FSM, ethnicity, in care, pupil premium…): special-category data,
/// redacted in `Debug`.
pub type SensitiveAttribute = Attribute<Sensitive<Option<String>>>;

/// `GET …/students/education-details`: UPN, year, registration group, enrolment.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EducationDetails {
    /// The student.
    #[serde(deserialize_with = "de::num")]
    pub student_id: i64,
    /// Unique Pupil Number.
    #[serde(default)]
    pub upn: Option<String>,
    /// Former UPN.
    #[serde(default)]
    pub former_upn: Option<String>,
    /// National curriculum year (`"11"`, `"Reception"`…).
    #[serde(default, deserialize_with = "de::opt_text")]
    pub national_curriculum_year: Option<String>,
    /// Registration group.
    #[serde(default, deserialize_with = "de::opt_text")]
    pub registration_group: Option<String>,
    /// House.
    #[serde(default)]
    pub house: Option<String>,
    /// Admission date.
    #[serde(
        default,
        deserialize_with = "de::opt_date",
        serialize_with = "de::ser_opt_date"
    )]
    pub admission_date: Option<Date>,
    /// Whether the student has been removed from the school's MIS (a leaver).
    #[serde(default, deserialize_with = "de::flag")]
    pub deleted_from_source: bool,
    /// Leaving date.
    #[serde(
        default,
        deserialize_with = "de::opt_date",
        serialize_with = "de::ser_opt_date"
    )]
    pub leaving_date: Option<Date>,
    /// Educational attributes with their history.
    #[serde(default, deserialize_with = "de::list")]
    pub student_education_attributes: Vec<EducationAttribute>,
}

impl WireItem for EducationDetails {
    const KEY: &'static str = "students_and_education_details";
}

/// An educational attribute of one student (e.g. proficiency in English).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EducationAttribute {
    /// Attribute id.
    #[serde(default, deserialize_with = "de::opt_num")]
    pub attribute_id: Option<i64>,
    /// Code.
    #[serde(default)]
    pub code: Option<String>,
    /// Name.
    #[serde(default)]
    pub name: Option<String>,
    /// Whether it comes from the school's MIS.
    #[serde(default, deserialize_with = "de::opt_bool")]
    pub is_system: Option<bool>,
    /// Values over time.
    #[serde(default, deserialize_with = "de::list")]
    pub attribute_values: Vec<EducationAttributeValue>,
}

/// One dated value of an educational attribute.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EducationAttributeValue {
    /// The value.
    #[serde(default)]
    pub value: Option<String>,
    /// Set when timestamped in the requested year.
    #[serde(default, deserialize_with = "de::opt_num")]
    pub academic_year: Option<i64>,
    /// Timestamp.
    #[serde(
        default,
        deserialize_with = "de::opt_date",
        serialize_with = "de::ser_opt_date"
    )]
    pub date: Option<Date>,
}

/// `GET …/students/photos`: a student's photo as a `data:` URI (redacted in `Debug`; it is
/// personal data and large).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Photo {
    /// The student.
    #[serde(deserialize_with = "de::num")]
    pub student_id: i64,
    /// Base64 image, e.g. `data:image/jpeg;base64,…`.
    #[serde(default)]
    pub photo: Sensitive<Option<String>>,
}

impl WireItem for Photo {
    const KEY: &'static str = "students_and_photos";
}

/// `GET …/students/medical-conditions`: special-category data, redacted in `Debug`.
///
/// The field is `medical_conditions` in the vendor's example and `medical_details` in its
/// table; both are read.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MedicalConditions {
    /// The student.
    #[serde(deserialize_with = "de::num")]
    pub student_id: i64,
    /// The conditions, `;`-separated as the MIS holds them.
    #[serde(default, alias = "medical_details")]
    pub medical_conditions: Sensitive<Option<String>>,
}

impl WireItem for MedicalConditions {
    const KEY: &'static str = "students_and_medical_conditions";
}
