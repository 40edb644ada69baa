//! Classes and departments \[I\].
//!
//! The vendor's v2 introduction names these resources ("students, classes, sessions,
//! departments, and more") but not their fields. The fields below are the v1 API's for the
//! same things (`class_id`, `class_name`, `class_code`, `department_name`…) in v2's plain
//! snake_case, with the v1 spellings as aliases.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{de, ser};

/// A class (a grade / course, which holds sections and subjects).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Class {
    /// The vendor's id.
    #[serde(
        default,
        alias = "class_id",
        deserialize_with = "de::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub id: Option<String>,
    /// Name (v1: `class_name`).
    #[serde(
        default,
        alias = "class_name",
        deserialize_with = "de::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub name: Option<String>,
    /// Short code (v1: `class_code`).
    #[serde(
        default,
        alias = "class_code",
        deserialize_with = "de::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub code: Option<String>,
    /// The department it belongs to.
    #[serde(
        default,
        deserialize_with = "de::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub department_id: Option<String>,
    /// The department's name.
    #[serde(
        default,
        deserialize_with = "de::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub department_name: Option<String>,
    /// What the class is for (`registration`, `teaching`, `house`, …), when sent.
    #[serde(
        default,
        deserialize_with = "de::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub class_type: Option<String>,
    /// The subject taught, for a teaching class.
    #[serde(
        default,
        deserialize_with = "de::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub subject_id: Option<String>,
    /// The subject's name.
    #[serde(
        default,
        deserialize_with = "de::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub subject_name: Option<String>,
    /// The subject's code.
    #[serde(
        default,
        deserialize_with = "de::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub subject_code: Option<String>,
    /// Ids of the class's teachers.
    #[serde(
        default,
        deserialize_with = "de::id_list",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub teacher_ids: Vec<String>,
    /// Ids of the class's students.
    #[serde(
        default,
        deserialize_with = "de::id_list",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub student_ids: Vec<String>,
    /// Fields this crate does not model.
    #[serde(flatten)]
    pub extra: BTreeMap<String, Value>,
}

/// A department.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Department {
    /// The vendor's id.
    #[serde(
        default,
        alias = "department_id",
        deserialize_with = "de::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub id: Option<String>,
    /// Name (v1: `department_name`).
    #[serde(
        default,
        alias = "department_name",
        deserialize_with = "de::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub name: Option<String>,
    /// Short code.
    #[serde(
        default,
        deserialize_with = "de::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub code: Option<String>,
    /// The year / grade level the department stands for, when it is one.
    #[serde(
        default,
        deserialize_with = "de::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub year_level: Option<String>,
    /// Ids of the department's classes.
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

/// What `POST /classes` accepts: the writable fields of a [`Class`]. Without `id` the vendor
/// creates a class, with `id` it updates that class (vendor doc, "Standard HTTP Verbs");
/// `None` fields are not sent, so an update changes only what is set. v1's "upsert class"
/// takes `name`, `code` and `department_id` (v1 API documentation, `POST /rest/academic`).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ClassInput {
    /// The class to update; `None` creates one.
    #[serde(
        serialize_with = "ser::opt_id",
        skip_serializing_if = "Option::is_none"
    )]
    pub id: Option<String>,
    /// Name (required to create).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Short code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// The department it belongs to.
    #[serde(
        serialize_with = "ser::opt_id",
        skip_serializing_if = "Option::is_none"
    )]
    pub department_id: Option<String>,
    /// What the class is for (`registration`, `teaching`, …).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub class_type: Option<String>,
}

impl From<&Class> for ClassInput {
    fn from(c: &Class) -> Self {
        ClassInput {
            id: c.id.clone(),
            name: c.name.clone(),
            code: c.code.clone(),
            department_id: c.department_id.clone(),
            class_type: c.class_type.clone(),
        }
    }
}

/// What `POST /departments` accepts. v1's "upsert department" takes a name and a code
/// (v1 API documentation). Without `id` it creates, with `id` it updates; `None` fields are not
/// sent. The department's classes are not written here: a class names its department.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct DepartmentInput {
    /// The department to update; `None` creates one.
    #[serde(
        serialize_with = "ser::opt_id",
        skip_serializing_if = "Option::is_none"
    )]
    pub id: Option<String>,
    /// Name (required to create).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Short code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// The year / grade level it stands for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub year_level: Option<String>,
}

impl From<&Department> for DepartmentInput {
    fn from(d: &Department) -> Self {
        DepartmentInput {
            id: d.id.clone(),
            name: d.name.clone(),
            code: d.code.clone(),
            year_level: d.year_level.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v1_spellings_are_accepted() {
        let c: Class = serde_json::from_str(
            r#"{"class_id":1,"class_name":"Year 7","class_code":"Y7","department_name":"Secondary","total":20}"#,
        )
        .unwrap();
        assert_eq!(c.id.as_deref(), Some("1"));
        assert_eq!(c.name.as_deref(), Some("Year 7"));
        assert_eq!(c.code.as_deref(), Some("Y7"));
        assert_eq!(c.extra["total"], 20);
        let d: Department = serde_json::from_str(r#"{"department_id":2}"#).unwrap();
        assert_eq!(d.id.as_deref(), Some("2"));
    }

    #[test]
    fn inputs_send_only_writable_fields_with_numeric_ids() {
        let c: Class = serde_json::from_str(
            r#"{"id":12,"name":"7B","department_id":"3","student_ids":[1],"subject_name":"M"}"#,
        )
        .unwrap();
        assert_eq!(
            serde_json::to_value(ClassInput::from(&c)).unwrap(),
            serde_json::json!({"id": 12, "name": "7B", "department_id": 3})
        );
        let d: Department =
            serde_json::from_str(r#"{"id":2,"name":"Year 7","class_ids":[5]}"#).unwrap();
        assert_eq!(
            serde_json::to_value(DepartmentInput::from(&d)).unwrap(),
            serde_json::json!({"id": 2, "name": "Year 7"})
        );
    }
}
