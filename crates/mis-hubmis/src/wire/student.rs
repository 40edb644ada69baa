//! Students: the "Students: Get Student" sample (also used for list items, which the
//! document does not show), and the per-student detail records.

use mis_core::Sensitive;
use serde::{Deserialize, Serialize};

use super::group::GroupRef;
use super::{Extra, Id, Item, TextOrItem, wire_enum};

wire_enum! {
    /// `enrolment_status`: the list filter documents `current`, `past` and `applicant`.
    pub enum EnrolmentStatus {
        /// On roll.
        Current => "current",
        /// Left.
        Past => "past",
        /// Applied, not yet on roll.
        Applicant => "applicant",
    }
}

/// A student, as "Students: Get Student" shows it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Student {
    /// The student's id.
    #[serde(default)]
    pub id: Option<Id>,
    /// Portal access (`invited`, …).
    #[serde(default)]
    pub access_status: Option<String>,
    /// Whether the student exists in several realms.
    #[serde(default)]
    pub multi_realm: Option<bool>,
    /// Academic house.
    #[serde(default)]
    pub academic_house: Option<Item>,
    /// Boarding type.
    #[serde(default)]
    pub boarding_type: Option<Item>,
    /// Boarding house.
    #[serde(default)]
    pub boarding_house: Option<Item>,
    /// Country of birth.
    #[serde(default)]
    pub country_of_birth: Option<Item>,
    /// `YYYY-MM-DD`.
    #[serde(default)]
    pub date_of_birth: Option<String>,
    /// Set when the record was deleted.
    #[serde(default)]
    pub deleted_at: Option<String>,
    /// Ethnicity (special-category data).
    #[serde(default)]
    pub ethnicity: Option<Sensitive<Item>>,
    /// `current`, `past`, `applicant`.
    #[serde(default)]
    pub enrolment_status: Option<EnrolmentStatus>,
    /// An id from another system.
    #[serde(default)]
    pub external_id: Option<String>,
    /// Faith (special-category data).
    #[serde(default)]
    pub faith: Option<Sensitive<Item>>,
    /// Legal first name.
    #[serde(default)]
    pub first_name: Option<String>,
    /// Gender, a reference (`{"id", "name"}`) or plain text.
    #[serde(default)]
    pub gender: Option<TextOrItem>,
    /// Whether a global note exists.
    #[serde(default)]
    pub has_global_note: Option<bool>,
    /// The form (registration) group, possibly with its year group.
    #[serde(default)]
    pub form: Option<GroupRef>,
    /// The year group, when the vendor sends it on the student (not in the sample).
    #[serde(default)]
    pub year_group: Option<GroupRef>,
    /// The tutor group, when sent.
    #[serde(default)]
    pub tutor_group: Option<GroupRef>,
    /// First language.
    #[serde(default)]
    pub language_first: Option<Item>,
    /// Second language.
    #[serde(default)]
    pub language_second: Option<Item>,
    /// Last portal login.
    #[serde(default)]
    pub last_login: Option<String>,
    /// Legal last name.
    #[serde(default)]
    pub last_name: Option<String>,
    /// Learning support summary (special-category data).
    #[serde(default)]
    pub learning_support_record_summary: Sensitive<Vec<serde_json::Value>>,
    /// Middle name(s).
    #[serde(default)]
    pub middle_name: Option<String>,
    /// Name in the local language.
    #[serde(default)]
    pub name_in_local_language: Option<String>,
    /// National identity.
    #[serde(default)]
    pub national_identity: Option<serde_json::Value>,
    /// Nationalities.
    #[serde(default)]
    pub nationalities: Vec<Item>,
    /// `student` (the sample spells it `stduent`; kept as sent).
    #[serde(default)]
    pub person_type: Option<String>,
    /// Preferred first name.
    #[serde(default)]
    pub preferred_name: Option<String>,
    /// Primary e-mail.
    #[serde(default)]
    pub primary_email: Option<String>,
    /// Profile image.
    #[serde(default)]
    pub profile_image: Option<serde_json::Value>,
    /// Tags.
    #[serde(default)]
    pub tags: Vec<serde_json::Value>,
    /// Medical condition severities (special-category data).
    #[serde(default)]
    pub medical_condition_severity: Sensitive<Vec<serde_json::Value>>,
    /// Fields not listed above.
    #[serde(flatten)]
    pub extra: Extra,
}

/// "Students: Get consent data by student Id".
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct StudentConsent {
    /// May be photographed.
    #[serde(default)]
    pub photograph: Option<bool>,
    /// Photographs may be published.
    #[serde(default)]
    pub publish_photograph: Option<bool>,
    /// Videos may be published.
    #[serde(default)]
    pub publish_video: Option<bool>,
    /// Photographs may be shared.
    #[serde(default)]
    pub share_photograph: Option<bool>,
    /// Videos may be shared.
    #[serde(default)]
    pub share_video: Option<bool>,
    /// Data may be shared.
    #[serde(default)]
    pub share_data: Option<bool>,
    /// May go on school trips.
    #[serde(default)]
    pub school_trip: Option<bool>,
}

/// "Students: Get destination data by student Id".
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct StudentDestination {
    /// e.g. `Leaver`.
    #[serde(default)]
    pub leaving_status: Option<String>,
    /// `YYYY-MM-DD`.
    #[serde(default)]
    pub leaving_date: Option<String>,
    /// The term of leaving.
    #[serde(default)]
    pub term: Option<Item>,
    /// The academic year of leaving.
    #[serde(default)]
    pub academic_year: Option<Item>,
    /// When the destination starts.
    #[serde(default)]
    pub destination_start_date: Option<String>,
    /// The destination (school, college…).
    #[serde(default)]
    pub destination: Option<Item>,
    /// e.g. `KS3`.
    #[serde(default)]
    pub key_stage: Option<String>,
}

/// "Students: Get enrolment data by student Id": where the UPN and candidate number live.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct StudentEnrolment {
    /// `current`, `past`, `applicant`.
    #[serde(default)]
    pub enrolment_status: Option<EnrolmentStatus>,
    /// `YYYY-MM-DD`.
    #[serde(default)]
    pub start_date: Option<String>,
    /// Finance account reference.
    #[serde(default)]
    pub account_reference: Option<String>,
    /// Exam candidate number.
    #[serde(default)]
    pub candidate_number: Option<String>,
    /// UPN.
    #[serde(default)]
    pub unique_pupil_number: Option<String>,
    /// e.g. `temporary`.
    #[serde(default)]
    pub unique_pupil_number_status: Option<String>,
}

/// "Students: Get doctor information by student Id" (returned wrapped in
/// [`Sensitive`] by the client: it is medical data).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct StudentDoctor {
    /// Title.
    #[serde(default)]
    pub title: Option<TextOrItem>,
    /// First name.
    #[serde(default)]
    pub first_name: Option<String>,
    /// Last name.
    #[serde(default)]
    pub last_name: Option<String>,
    /// E-mail.
    #[serde(default)]
    pub email: Option<String>,
    /// Phone.
    #[serde(default)]
    pub phone: Option<String>,
    /// Address.
    #[serde(default)]
    pub address: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_enrolment_statuses_are_kept() {
        let e: StudentEnrolment =
            serde_json::from_str(r#"{"enrolment_status": "Pending"}"#).unwrap();
        assert_eq!(
            e.enrolment_status,
            Some(EnrolmentStatus::Other("Pending".into()))
        );
        assert_eq!(EnrolmentStatus::parse(" PAST "), EnrolmentStatus::Past);
    }

    #[test]
    fn sensitive_fields_do_not_print() {
        let s: Student = serde_json::from_str(
            r#"{"id": 1, "ethnicity": {"id": 4, "name": "EthnicityX"},
                "medical_condition_severity": [{"name": "AsthmaX"}]}"#,
        )
        .unwrap();
        let shown = format!("{s:?}");
        assert!(
            !shown.contains("EthnicityX") && !shown.contains("AsthmaX"),
            "{shown}"
        );
    }
}
