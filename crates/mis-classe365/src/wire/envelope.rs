//! The response envelope every v2 endpoint uses (vendor doc, "Understanding the Response
//! Envelope") [C]:
//!
//! - one resource: `{"record": {…}}`;
//! - a list: `{"records": […], "meta": {…}}` (`meta` "occasionally");
//! - `204 No Content`: `{"message": "…"}`, no `record` / `records`;
//! - an error: `{"message": "… (error_code: …)", "errors": [ … ]}`.
//!
//! The `meta` fields are not documented beyond "pagination details"; this crate reads
//! `current_page`, `per_page`, `total_records`, `total_pages` \[I\] (inferred, and each
//! optional).

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

use super::de;

/// The envelope around every response body.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(bound(deserialize = "T: Deserialize<'de>"))]
pub struct Envelope<T> {
    /// The single resource of a one-record response.
    #[serde(default)]
    pub record: Option<T>,
    /// The resources of a list response.
    #[serde(default)]
    pub records: Option<Vec<T>>,
    /// Paging details of a list response, when sent.
    #[serde(default)]
    pub meta: Option<Meta>,
    /// A status message (204, errors).
    #[serde(default, deserialize_with = "de::opt_string")]
    pub message: Option<String>,
    /// Validation failures of a 4xx.
    #[serde(default, deserialize_with = "field_errors")]
    pub errors: Vec<FieldError>,
}

/// Paging details: which page this is and how many there are \[I\].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Meta {
    /// The 1-based page number of this response.
    #[serde(default, deserialize_with = "de::opt_u64")]
    pub current_page: Option<u64>,
    /// Records per page.
    #[serde(default, deserialize_with = "de::opt_u64")]
    pub per_page: Option<u64>,
    /// Records across all pages.
    #[serde(default, deserialize_with = "de::opt_u64")]
    pub total_records: Option<u64>,
    /// Number of pages.
    #[serde(default, deserialize_with = "de::opt_u64")]
    pub total_pages: Option<u64>,
}

/// One validation failure from an error's `errors` array.
///
/// The vendor document says only "a list of objects detailing the specific" failures, so the
/// common spellings are accepted: `field` / `param` / `name` / `attribute` for the field,
/// `message` / `error` / `detail` / `reason` for the text, `code` / `error_code` for a code;
/// a bare string is read as a message. Anything else is kept in `extra`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct FieldError {
    /// The field that failed, when named.
    pub field: Option<String>,
    /// What was wrong.
    pub message: Option<String>,
    /// A machine-readable code, when sent.
    pub code: Option<String>,
    /// Other members of the object.
    pub extra: BTreeMap<String, Value>,
}

/// `errors` as documented (an array), or as the `{field: message | [messages]}` map many
/// Rails-style APIs send, so a differently shaped list never hides the error's message.
fn field_errors<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<FieldError>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Null => Vec::new(),
        Value::Array(items) => items
            .into_iter()
            .map(|v| FieldError::deserialize(v).map_err(serde::de::Error::custom))
            .collect::<Result<_, _>>()?,
        Value::Object(map) => map
            .into_iter()
            .flat_map(|(field, v)| {
                let messages = match v {
                    Value::Array(list) => list,
                    other => vec![other],
                };
                messages.into_iter().map(move |m| FieldError {
                    field: Some(field.clone()),
                    message: match m {
                        Value::String(s) => Some(s),
                        Value::Null => None,
                        other => Some(other.to_string()),
                    },
                    ..FieldError::default()
                })
            })
            .collect(),
        other => vec![FieldError {
            message: Some(other.to_string()),
            ..FieldError::default()
        }],
    })
}

impl<'de> Deserialize<'de> for FieldError {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = |v: Value| match v {
            Value::String(s) => Some(s),
            Value::Null => None,
            other => Some(other.to_string()),
        };
        Ok(match Value::deserialize(d)? {
            Value::Object(map) => {
                let mut extra: BTreeMap<String, Value> = map.into_iter().collect();
                let mut take =
                    |keys: &[&str]| keys.iter().find_map(|k| extra.remove(*k)).and_then(&text);
                let field = take(&["field", "param", "name", "attribute", "property"]);
                let message = take(&["message", "error", "detail", "reason", "description"]);
                let code = take(&["code", "error_code"]);
                FieldError {
                    field,
                    message,
                    code,
                    extra,
                }
            }
            other => FieldError {
                message: text(other),
                ..FieldError::default()
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_single_and_empty_shapes() {
        let list: Envelope<Value> = serde_json::from_str(
            r#"{"records":[{"id":1}],"meta":{"current_page":1,"per_page":"50","total_records":1,"total_pages":1}}"#,
        )
        .unwrap();
        assert_eq!(list.records.unwrap().len(), 1);
        let meta = list.meta.unwrap();
        assert_eq!(meta.per_page, Some(50));
        assert_eq!(meta.total_pages, Some(1));

        let one: Envelope<Value> = serde_json::from_str(r#"{"record":{"id":1}}"#).unwrap();
        assert!(one.record.is_some() && one.records.is_none());

        let empty: Envelope<Value> =
            serde_json::from_str(r#"{"message":"No records found"}"#).unwrap();
        assert_eq!(empty.message.as_deref(), Some("No records found"));
        assert!(empty.records.is_none() && empty.record.is_none());
    }

    #[test]
    fn field_errors_in_several_spellings() {
        let e: Envelope<Value> = serde_json::from_str(
            r#"{"message":"Validation failed (error_code: validation_failed)","errors":[
                {"field":"first_name","message":"is required"},
                {"param":"date","error":"must be YYYY-MM-DD","code":"bad_date","hint":1},
                "status is not allowed",
                {"message":null}
            ]}"#,
        )
        .unwrap();
        assert_eq!(e.errors.len(), 4);
        assert_eq!(e.errors[0].field.as_deref(), Some("first_name"));
        assert_eq!(e.errors[1].field.as_deref(), Some("date"));
        assert_eq!(e.errors[1].code.as_deref(), Some("bad_date"));
        assert!(e.errors[1].extra.contains_key("hint"));
        assert_eq!(
            e.errors[2].message.as_deref(),
            Some("status is not allowed")
        );
        assert_eq!(e.errors[3].message, None);
        let none: Envelope<Value> = serde_json::from_str(r#"{"errors":null}"#).unwrap();
        assert!(none.errors.is_empty());
        let map: Envelope<Value> = serde_json::from_str(
            r#"{"message":"x","errors":{"date":["is required","must be a date"],"status":"bad"}}"#,
        )
        .unwrap();
        assert_eq!(map.errors.len(), 3);
        assert_eq!(map.errors[0].field.as_deref(), Some("date"));
        assert_eq!(map.errors[2].message.as_deref(), Some("bad"));
    }
}
