//! Teachers \[I\].
//!
//! The vendor's v2 introduction does not list the teacher fields; these are the v1 API's
//! in v2's plain snake_case, with `teacher_id` accepted for `id`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::de;

/// A teacher.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Teacher {
    /// The vendor's id.
    #[serde(
        default,
        alias = "teacher_id",
        deserialize_with = "de::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub id: Option<String>,
    /// Title (`Mr`, `Dr`…).
    #[serde(
        default,
        deserialize_with = "de::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub title: Option<String>,
    /// First name.
    #[serde(
        default,
        deserialize_with = "de::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub first_name: Option<String>,
    /// Last name.
    #[serde(
        default,
        deserialize_with = "de::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub last_name: Option<String>,
    /// E-mail.
    #[serde(
        default,
        deserialize_with = "de::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub email: Option<String>,
    /// Staff code / initials.
    #[serde(
        default,
        deserialize_with = "de::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub staff_code: Option<String>,
    /// Employee number.
    #[serde(
        default,
        deserialize_with = "de::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub employee_number: Option<String>,
    /// Roles as the school labels them.
    #[serde(
        default,
        deserialize_with = "de::text_list",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub roles: Vec<String>,
    /// `active`, `inactive`, …
    #[serde(
        default,
        deserialize_with = "de::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub status: Option<String>,
    /// Ids of the classes the teacher teaches.
    #[serde(
        default,
        deserialize_with = "de::id_list",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub class_ids: Vec<String>,
    /// Fields this crate does not model.
    #[serde(flatten)]
    pub extra: BTreeMap<String, Value>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn teachers_decode_with_unknown_fields_kept() {
        let t: Teacher =
            serde_json::from_str(r#"{"teacher_id":"t1","first_name":"Jo","room":"B2"}"#).unwrap();
        assert_eq!(t.id.as_deref(), Some("t1"));
        assert_eq!(t.first_name.as_deref(), Some("Jo"));
        assert_eq!(t.extra["room"], "B2");
    }
}
