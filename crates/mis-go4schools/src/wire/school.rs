//! `GET /school`, parental contacts and user accounts.

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use super::WireItem;
use super::de;

/// `GET /customer/v1/school`: the school and its academic years.
///
/// The vendor document types the years as integers, the G4SApiSync DTO (an open-source
/// sync client) as strings; both are accepted. A year is named by the calendar year it ends in:
/// `2025` is 2024/25.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct School {
    /// The school's unique code.
    #[serde(default)]
    pub code: Option<String>,
    /// The school's name.
    #[serde(default)]
    pub name: Option<String>,
    /// The academic years with data.
    #[serde(default, deserialize_with = "de::nums")]
    pub academic_years: Vec<i64>,
    /// The current academic year.
    #[serde(default, deserialize_with = "de::opt_num")]
    pub current_academic_year: Option<i64>,
}

/// `GET /customer/v1/contacts/parental`: one parental contact of one student.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParentalContact {
    /// The student.
    #[serde(deserialize_with = "de::num")]
    pub student_id: i64,
    /// Full name of the parent.
    #[serde(default)]
    pub parent_display_name: Option<String>,
    /// Contact priority.
    #[serde(default, deserialize_with = "de::opt_num")]
    pub priority: Option<i64>,
    /// E-mail address.
    #[serde(default)]
    pub email_address: Option<String>,
    /// Home telephone.
    #[serde(default)]
    pub home_telephone: Option<String>,
    /// Main telephone.
    #[serde(default)]
    pub main_telephone: Option<String>,
    /// Mobile.
    #[serde(default)]
    pub mobile: Option<String>,
    /// Whether the parent wants e-mail contact.
    #[serde(default, deserialize_with = "de::opt_bool")]
    pub is_main_email_address_for_contact: Option<bool>,
    /// The contact's id in the school's MIS (a string in the table, a number in the example).
    #[serde(default, deserialize_with = "de::opt_text")]
    pub student_contact_mis_id: Option<String>,
}

impl WireItem for ParentalContact {
    const KEY: &'static str = "parental_contacts";
}

/// `GET /customer/v1/users/parents`: a parent user account.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParentAccount {
    /// E-mail address of the account.
    #[serde(default)]
    pub email_address: Option<String>,
    /// Display name.
    #[serde(default)]
    pub display_name: Option<String>,
    /// The student the account is linked to.
    #[serde(default, deserialize_with = "de::opt_num")]
    pub student_id: Option<i64>,
}

impl WireItem for ParentAccount {
    const KEY: &'static str = "parents";
}

/// `GET /customer/v1/users/staff`: a staff user account.
///
/// Non-MIS schools send `first_name`/`last_name`; MIS schools send `legal_*` and
/// `preferred_*` names instead (vendor doc, GET Staff).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffAccount {
    /// Staff account id.
    #[serde(deserialize_with = "de::num")]
    pub id: i64,
    /// E-mail address.
    #[serde(default)]
    pub email_address: Option<String>,
    /// First name (non-MIS schools).
    #[serde(default)]
    pub first_name: Option<String>,
    /// Last name (non-MIS schools).
    #[serde(default)]
    pub last_name: Option<String>,
    /// Legal first name (MIS schools).
    #[serde(default)]
    pub legal_first_name: Option<String>,
    /// Legal last name (MIS schools).
    #[serde(default)]
    pub legal_last_name: Option<String>,
    /// Preferred first name (MIS schools).
    #[serde(default)]
    pub preferred_first_name: Option<String>,
    /// Preferred last name (MIS schools).
    #[serde(default)]
    pub preferred_last_name: Option<String>,
    /// Display name, e.g. `Mrs S Jones`.
    #[serde(default)]
    pub display_name: Option<String>,
    /// Title.
    #[serde(default)]
    pub title: Option<String>,
    /// Whether the member of staff is current.
    #[serde(default, deserialize_with = "de::opt_bool")]
    pub is_current: Option<bool>,
    /// The matching teacher id, if the member of staff teaches.
    #[serde(default, deserialize_with = "de::opt_num")]
    pub teacher_id: Option<i64>,
    /// Start date (MIS schools).
    #[serde(
        default,
        deserialize_with = "de::opt_date",
        serialize_with = "de::ser_opt_date"
    )]
    pub start_date: Option<Date>,
    /// Contract end date (MIS schools).
    #[serde(
        default,
        deserialize_with = "de::opt_date",
        serialize_with = "de::ser_opt_date"
    )]
    pub end_date: Option<Date>,
}

impl StaffAccount {
    /// First name: legal (MIS schools) or plain (non-MIS).
    pub fn first(&self) -> Option<&str> {
        self.legal_first_name
            .as_deref()
            .or(self.first_name.as_deref())
    }

    /// Last name: legal (MIS schools) or plain (non-MIS).
    pub fn last(&self) -> Option<&str> {
        self.legal_last_name
            .as_deref()
            .or(self.last_name.as_deref())
    }
}

impl WireItem for StaffAccount {
    const KEY: &'static str = "staff";
}
