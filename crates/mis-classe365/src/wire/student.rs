//! A student record (`/students`, `/students/{id}`) \[I\].
//!
//! Field names follow the vendor's snake_case rule (vendor doc, "JSON Everywhere") and the
//! names the v1 API uses for the same things (`first_name`, `last_name`,
//! `gender`, `admission_number`, `student_dob`, `student_email`). Plain-English spellings
//! (`date_of_birth`, `email`) are accepted as aliases when reading.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{de, ser};

/// A Classe365 student as read.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Student {
    /// The vendor's id.
    #[serde(default, deserialize_with = "de::opt_string")]
    pub id: Option<String>,
    /// Admission number.
    #[serde(default, alias = "admission_no", deserialize_with = "de::opt_string")]
    pub admission_number: Option<String>,
    /// First name.
    #[serde(default, deserialize_with = "de::opt_string")]
    pub first_name: Option<String>,
    /// Middle name(s).
    #[serde(default, alias = "middle_names", deserialize_with = "de::opt_string")]
    pub middle_name: Option<String>,
    /// Last name.
    #[serde(default, deserialize_with = "de::opt_string")]
    pub last_name: Option<String>,
    /// Preferred (known-as) first name.
    #[serde(default, alias = "preferred_name", deserialize_with = "de::opt_string")]
    pub preferred_first_name: Option<String>,
    /// Preferred (known-as) last name.
    #[serde(default, deserialize_with = "de::opt_string")]
    pub preferred_last_name: Option<String>,
    /// Gender as the school records it (`Male`, `Female`, …).
    #[serde(default, deserialize_with = "de::opt_string")]
    pub gender: Option<String>,
    /// Date of birth, `YYYY-MM-DD` (wire: `student_dob`).
    #[serde(
        default,
        rename = "student_dob",
        alias = "date_of_birth",
        alias = "dob",
        deserialize_with = "de::opt_string"
    )]
    pub date_of_birth: Option<String>,
    /// E-mail (wire: `student_email`).
    #[serde(
        default,
        rename = "student_email",
        alias = "email",
        deserialize_with = "de::opt_string"
    )]
    pub email: Option<String>,
    /// Enrolment status (`active`, `alumni`, `applicant`, …; v1's status API).
    #[serde(default, deserialize_with = "de::opt_string")]
    pub status: Option<String>,
    /// Admission date, `YYYY-MM-DD`.
    #[serde(default, deserialize_with = "de::opt_string")]
    pub admission_date: Option<String>,
    /// Leaving date, `YYYY-MM-DD`.
    #[serde(default, deserialize_with = "de::opt_string")]
    pub leaving_date: Option<String>,
    /// The class the student is placed in (their registration class).
    #[serde(default, deserialize_with = "de::opt_string")]
    pub class_id: Option<String>,
    /// The class's name.
    #[serde(default, deserialize_with = "de::opt_string")]
    pub class_name: Option<String>,
    /// The department the class belongs to.
    #[serde(default, deserialize_with = "de::opt_string")]
    pub department_id: Option<String>,
    /// The department's name.
    #[serde(default, deserialize_with = "de::opt_string")]
    pub department_name: Option<String>,
    /// The year / grade level label (`7`, `R`).
    #[serde(default, alias = "grade", deserialize_with = "de::opt_string")]
    pub year_level: Option<String>,
    /// The tenant's own fields (v1 "student attributes"), by name.
    #[serde(default, deserialize_with = "de::null_as_empty_map")]
    pub custom_fields: BTreeMap<String, Value>,
    /// Fields this crate does not model, kept as sent.
    #[serde(flatten)]
    pub extra: BTreeMap<String, Value>,
}

impl Student {
    /// A custom field's text, by name (case-insensitive), when it is a non-empty string or
    /// number.
    pub fn custom_text(&self, name: &str) -> Option<String> {
        self.custom_fields
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .and_then(|(_, v)| match v {
                Value::String(s) => Some(s.trim().to_owned()),
                Value::Number(n) => Some(n.to_string()),
                _ => None,
            })
            .filter(|s| !s.is_empty())
    }
}

/// What `POST /students` accepts: the writable fields only. `None` fields are not sent, so
/// an update changes only what is set (the vendor doc: POST with `id` updates).
///
/// Read-only fields of [`Student`] (`class_name`, `department_*`, `year_level`) are derived
/// by the vendor from `class_id` and are not writable; [`StudentInput::from`] a read
/// [`Student`] copies only what may be sent back.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct StudentInput {
    /// The student to update; `None` creates a new student.
    #[serde(
        serialize_with = "ser::opt_id",
        skip_serializing_if = "Option::is_none"
    )]
    pub id: Option<String>,
    /// Admission number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub admission_number: Option<String>,
    /// First name (required to create).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    /// Middle name(s).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub middle_name: Option<String>,
    /// Last name (required to create).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    /// Preferred first name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub preferred_first_name: Option<String>,
    /// Preferred last name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub preferred_last_name: Option<String>,
    /// Gender.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gender: Option<String>,
    /// Date of birth, `YYYY-MM-DD`.
    #[serde(rename = "student_dob", skip_serializing_if = "Option::is_none")]
    pub date_of_birth: Option<String>,
    /// E-mail.
    #[serde(rename = "student_email", skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Enrolment status.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// Admission date, `YYYY-MM-DD`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub admission_date: Option<String>,
    /// Leaving date, `YYYY-MM-DD`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub leaving_date: Option<String>,
    /// The class to place the student in.
    #[serde(
        serialize_with = "ser::opt_id",
        skip_serializing_if = "Option::is_none"
    )]
    pub class_id: Option<String>,
    /// Custom fields to set (others are left as they are).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub custom_fields: BTreeMap<String, Value>,
}

impl From<&Student> for StudentInput {
    fn from(s: &Student) -> Self {
        StudentInput {
            id: s.id.clone(),
            admission_number: s.admission_number.clone(),
            first_name: s.first_name.clone(),
            middle_name: s.middle_name.clone(),
            last_name: s.last_name.clone(),
            preferred_first_name: s.preferred_first_name.clone(),
            preferred_last_name: s.preferred_last_name.clone(),
            gender: s.gender.clone(),
            date_of_birth: s.date_of_birth.clone(),
            email: s.email.clone(),
            status: s.status.clone(),
            admission_date: s.admission_date.clone(),
            leaving_date: s.leaving_date.clone(),
            class_id: s.class_id.clone(),
            custom_fields: s.custom_fields.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_names_aliases_numbers_and_unknown_fields() {
        let s: Student = serde_json::from_str(
            r#"{"id":12,"first_name":"Ada","last_name":"Lovelace","student_dob":"2010-12-10",
                "student_email":"ada@x.example","admission_number":1001,"house":"Newton",
                "year_level":"7","custom_fields":{"UPN":"A123","n":5}}"#,
        )
        .unwrap();
        assert_eq!(s.id.as_deref(), Some("12"));
        assert_eq!(s.date_of_birth.as_deref(), Some("2010-12-10"));
        assert_eq!(s.email.as_deref(), Some("ada@x.example"));
        assert_eq!(s.admission_number.as_deref(), Some("1001"));
        assert_eq!(s.year_level.as_deref(), Some("7"));
        assert_eq!(s.extra["house"], "Newton");
        assert_eq!(s.custom_text("upn").as_deref(), Some("A123"));
        assert_eq!(s.custom_text("n").as_deref(), Some("5"));
        assert_eq!(s.custom_text("missing"), None);
        let plain: Student = serde_json::from_str(
            r#"{"id":"x","date_of_birth":"2010-01-01","email":"e","custom_fields":null}"#,
        )
        .unwrap();
        assert_eq!(plain.date_of_birth.as_deref(), Some("2010-01-01"));
        assert_eq!(plain.email.as_deref(), Some("e"));
    }

    #[test]
    fn input_sends_only_what_is_set_with_numeric_ids() {
        let input = StudentInput {
            id: Some("12".into()),
            first_name: Some("Ada".into()),
            date_of_birth: Some("2010-12-10".into()),
            ..StudentInput::default()
        };
        let v = serde_json::to_value(&input).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"id": 12, "first_name": "Ada", "student_dob": "2010-12-10"})
        );
    }

    #[test]
    fn input_from_a_read_record_leaves_out_read_only_fields() {
        let s: Student = serde_json::from_str(
            r#"{"id":3,"first_name":"A","class_id":4,"class_name":"7B","year_level":"7","department_id":1}"#,
        )
        .unwrap();
        let v = serde_json::to_value(StudentInput::from(&s)).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"id": 3, "first_name": "A", "class_id": 4})
        );
    }
}
