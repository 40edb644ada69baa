//! Academic sessions: school years and their terms \[I\].
//!
//! The vendor's v2 introduction names the resource but not its fields; these are the v1
//! API's (`session_id`, `session_name`) in v2's plain snake_case, with the v1 spellings as
//! aliases.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{de, ser};

/// An academic session: a school year, or a term inside one (`parent_id` set). Classe365
/// calls both "academic sessions" (the v1 API's `acds_id`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Session {
    /// The vendor's id.
    #[serde(
        default,
        alias = "session_id",
        deserialize_with = "de::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub id: Option<String>,
    /// Name, e.g. `2024/2025`.
    #[serde(
        default,
        alias = "session_name",
        deserialize_with = "de::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub name: Option<String>,
    /// First day, `YYYY-MM-DD`.
    #[serde(
        default,
        deserialize_with = "de::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub start_date: Option<String>,
    /// Last day, `YYYY-MM-DD`.
    #[serde(
        default,
        deserialize_with = "de::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub end_date: Option<String>,
    /// `academic_year` or `term`, when sent.
    #[serde(
        default,
        deserialize_with = "de::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub session_type: Option<String>,
    /// The session (year) a term belongs to.
    #[serde(
        default,
        deserialize_with = "de::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub parent_id: Option<String>,
    /// Fields this crate does not model.
    #[serde(flatten)]
    pub extra: BTreeMap<String, Value>,
}

/// What `POST /sessions` accepts: an academic year, or a term of one (`parent_id`).
/// Without `id` it creates, with `id` it updates; `None` fields are not sent.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct SessionInput {
    /// The session to update; `None` creates one.
    #[serde(
        serialize_with = "ser::opt_id",
        skip_serializing_if = "Option::is_none"
    )]
    pub id: Option<String>,
    /// Name (required to create), e.g. `2025/2026`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// First day, `YYYY-MM-DD` (required to create).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_date: Option<String>,
    /// Last day, `YYYY-MM-DD` (required to create).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_date: Option<String>,
    /// `academic_year` or `term`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session_type: Option<String>,
    /// The year a term belongs to.
    #[serde(
        serialize_with = "ser::opt_id",
        skip_serializing_if = "Option::is_none"
    )]
    pub parent_id: Option<String>,
}

impl From<&Session> for SessionInput {
    fn from(s: &Session) -> Self {
        SessionInput {
            id: s.id.clone(),
            name: s.name.clone(),
            start_date: s.start_date.clone(),
            end_date: s.end_date.clone(),
            session_type: s.session_type.clone(),
            parent_id: s.parent_id.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sessions_decode_and_inputs_send_only_what_is_set() {
        let s: Session =
            serde_json::from_str(r#"{"id":3,"name":"2024/2025","start_date":"2024-09-02"}"#)
                .unwrap();
        assert_eq!(s.start_date.as_deref(), Some("2024-09-02"));
        let s: Session =
            serde_json::from_str(r#"{"session_id":4,"session_name":"Autumn"}"#).unwrap();
        assert_eq!(
            (s.id.as_deref(), s.name.as_deref()),
            (Some("4"), Some("Autumn"))
        );
        let s = SessionInput {
            name: Some("2025/2026".into()),
            start_date: Some("2025-09-01".into()),
            end_date: Some("2026-07-20".into()),
            ..SessionInput::default()
        };
        assert_eq!(
            serde_json::to_value(&s).unwrap(),
            serde_json::json!({"name": "2025/2026", "start_date": "2025-09-01", "end_date": "2026-07-20"})
        );
    }
}
