//! Staff: "Staff: Get One Staff" and the per-member detail records.

use mis_core::Sensitive;
use serde::{Deserialize, Serialize};

use super::{Extra, Id, Item, TextOrItem};

/// "Staff: Get One Staff" (also used for list items).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct StaffMember {
    /// Id.
    pub id: Option<Id>,
    /// Portal access.
    pub access_status: Option<String>,
    /// Whether the member exists in several realms.
    pub multi_realm: Option<bool>,
    /// Academic houses.
    pub academic_houses: Vec<Item>,
    /// Boarding houses.
    pub boarding_houses: Vec<Item>,
    /// Departments.
    pub departments: Vec<Item>,
    /// E-mail.
    pub email: Option<String>,
    /// An id from another system.
    pub external_id: Option<String>,
    /// First name.
    pub first_name: Option<String>,
    /// Forms they tutor.
    pub forms: Vec<Item>,
    /// Gender.
    pub gender: Option<TextOrItem>,
    /// e.g. `Head of Drama`.
    pub job_title: Option<String>,
    /// Last name.
    pub last_name: Option<String>,
    /// Middle name.
    pub middle_name: Option<String>,
    /// `staff`.
    pub person_type: Option<String>,
    /// Preferred first name.
    pub preferred_name: Option<String>,
    /// Roles.
    pub roles: Vec<TextOrItem>,
    /// Rooms.
    pub rooms: Vec<Item>,
    /// Sections.
    pub sections: Vec<Item>,
    /// `current`, `past`.
    pub status: Option<String>,
    /// Title.
    pub title: Option<TextOrItem>,
    /// Timetable code, when sent on the member (it is on "school details").
    pub timetable_code: Option<String>,
    /// Anything else (images).
    #[serde(flatten)]
    pub extra: Extra,
}

/// "Staff Contact Details: Get for Staff Member".
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct StaffContactDetails {
    /// Free-text emergency contact.
    pub emergency_contact: Option<String>,
}

/// "Staff: Get Staff Employment Details".
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct StaffEmployment {
    /// Contract.
    pub employment_contract: Option<Item>,
    /// Start date.
    pub employment_start_date: Option<String>,
    /// Leave date.
    pub employment_leave_date: Option<String>,
    /// Graduate.
    pub graduate: Option<bool>,
    /// Newly qualified teacher.
    pub nqt: Option<bool>,
    /// NQT status expiry.
    pub nqt_expire_date: Option<String>,
    /// Payroll reference.
    pub payroll_reference: Option<String>,
    /// Summary.
    pub personal_summary: Option<String>,
    /// Qualifications.
    pub qualifications: Option<String>,
    /// Reference received.
    pub reference: Option<bool>,
    /// Reference number.
    pub reference_number: Option<String>,
}

/// "Staff: Get Staff Further Details".
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct StaffFurtherDetails {
    /// Lives on site.
    pub site_resident: Option<bool>,
    /// Children at the school.
    pub children: Vec<Item>,
    /// Photo consent.
    pub consent_photo: Option<bool>,
    /// First aider.
    pub first_aider: Option<bool>,
    /// First-aid qualification.
    pub first_aid_qualified: Option<serde_json::Value>,
    /// First-aid expiry.
    pub first_aid_expire_date: Option<String>,
}

/// "Staff: Get Staff Personal Details".
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct StaffPersonalDetails {
    /// `YYYY-MM-DD`.
    pub date_of_birth: Option<String>,
    /// Ethnicity (special-category data).
    pub ethnicity: Option<Sensitive<Item>>,
    /// Gender.
    pub gender: Option<TextOrItem>,
    /// Nationality.
    pub nationality: Option<Item>,
    /// Previous last name.
    pub previous_last_name: Option<String>,
    /// Marital status.
    pub marital_status: Option<Item>,
    /// Anything else (signature images).
    #[serde(flatten)]
    pub extra: Extra,
}

/// "Staff: Get Staff School Details".
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct StaffSchoolDetails {
    /// Id.
    pub id: Option<Id>,
    /// Departments.
    pub departments: Vec<Item>,
    /// e.g. `Teacher`.
    pub job_title: Option<String>,
    /// SENCO.
    pub learning_support_coordinator: Option<bool>,
    /// Positions.
    pub positions: Vec<Item>,
    /// Rooms.
    pub rooms: Vec<Item>,
    /// Sections.
    pub sections: Vec<Item>,
    /// Subjects.
    pub subjects: Vec<Item>,
    /// e.g. `PK3`.
    pub timetable_code: Option<String>,
}
