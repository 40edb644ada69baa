//! Serde mirrors of the Classe365 REST v2 JSON.
//!
//! The envelope ([`Envelope`]: `record` / `records` / `meta` / `message` / `errors`) is from
//! the vendor document \[C\]; the record shapes are not public (they are in the tenant
//! portal's documentation) and are inferred from the v1 API's \[I\]. So every type here is
//! lenient:
//!
//! - every field but a record's identity is `Option` or defaulted;
//! - ids and numbers are accepted as JSON numbers or strings (`12` and `"12"`), since nothing
//!   says which the vendor sends;
//! - well-known alternative names from the older v1 API are accepted as aliases (v1 sends
//!   `student_dob`, `student_email`);
//! - fields this crate does not know are kept in `extra`, so a caller can read them and an
//!   update can send a record back without losing them.

mod attendance;
mod calendar;
mod envelope;
mod group;
mod staff;
mod student;

pub use attendance::AttendanceRecord;
pub use calendar::{Session, SessionInput};
pub use envelope::{Envelope, FieldError, Meta};
pub use group::{Class, ClassInput, Department, DepartmentInput};
pub use staff::Teacher;
pub use student::{Student, StudentInput};

/// Lenient field decoders shared by the wire types.
pub(crate) mod de {
    use serde::{Deserialize, Deserializer};
    use serde_json::Value;

    /// An optional id or text: a string, or a number/bool written as text; `null` is `None`.
    pub fn opt_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
        Ok(match Option::<Value>::deserialize(d)? {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(s),
            Some(Value::Number(n)) => Some(n.to_string()),
            Some(Value::Bool(b)) => Some(b.to_string()),
            Some(other) => {
                return Err(serde::de::Error::custom(format!(
                    "expected a string or a number, found {}",
                    kind(&other)
                )));
            }
        })
    }

    /// An optional non-negative count: a number or a numeric string; `null` or `""` is `None`.
    pub fn opt_u64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
        Ok(match Option::<Value>::deserialize(d)? {
            None | Some(Value::Null) => None,
            Some(Value::Number(n)) => {
                Some(n.as_u64().ok_or_else(|| {
                    serde::de::Error::custom("expected a non-negative whole number")
                })?)
            }
            Some(Value::String(s)) if s.trim().is_empty() => None,
            Some(Value::String(s)) => Some(s.trim().parse().map_err(|_| {
                serde::de::Error::custom("expected a non-negative whole number as text")
            })?),
            Some(other) => {
                return Err(serde::de::Error::custom(format!(
                    "expected a number, found {}",
                    kind(&other)
                )));
            }
        })
    }

    /// A list of ids (numbers or strings); `null` is empty.
    pub fn id_list<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
        let values = Option::<Vec<Value>>::deserialize(d)?.unwrap_or_default();
        values
            .into_iter()
            .filter(|v| !v.is_null())
            .map(|v| match v {
                Value::String(s) => Ok(s),
                Value::Number(n) => Ok(n.to_string()),
                other => Err(serde::de::Error::custom(format!(
                    "expected ids (strings or numbers), found {}",
                    kind(&other)
                ))),
            })
            .collect()
    }

    /// A list of text labels; `null` is empty.
    pub fn text_list<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
        id_list(d)
    }

    /// An object that may be `null` (read as empty).
    pub fn null_as_empty_map<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<std::collections::BTreeMap<String, Value>, D::Error> {
        Ok(
            Option::<std::collections::BTreeMap<String, Value>>::deserialize(d)?
                .unwrap_or_default(),
        )
    }

    fn kind(v: &Value) -> &'static str {
        match v {
            Value::Null => "null",
            Value::Bool(_) => "a boolean",
            Value::Number(_) => "a number",
            Value::String(_) => "a string",
            Value::Array(_) => "an array",
            Value::Object(_) => "an object",
        }
    }
}

/// Serialisers for what this crate writes back.
pub(crate) mod ser {
    use serde::Serializer;

    /// An id as the vendor sends it: a JSON number when it is all digits (the v1 API's ids
    /// are numbers), else a string. Reading turned both into text; writing
    /// restores the number so a strict server sees the type it expects.
    pub fn opt_id<S: Serializer>(id: &Option<String>, s: S) -> Result<S::Ok, S::Error> {
        match id.as_deref() {
            None => s.serialize_none(),
            Some(text) => match numeric(text) {
                Some(n) => s.serialize_u64(n),
                None => s.serialize_str(text),
            },
        }
    }

    fn numeric(text: &str) -> Option<u64> {
        let digits = !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit());
        // `007` is not the number 7: keep ids with leading zeros as text.
        let canonical = text == "0" || !text.starts_with('0');
        (digits && canonical).then(|| text.parse().ok()).flatten()
    }
}

#[cfg(test)]
mod tests {
    use serde::{Deserialize, Serialize};

    use super::{de, ser};

    #[derive(Serialize)]
    struct W {
        #[serde(serialize_with = "ser::opt_id")]
        id: Option<String>,
    }

    #[test]
    fn ids_are_written_back_as_numbers_when_numeric() {
        let text = |id: Option<&str>| {
            serde_json::to_string(&W {
                id: id.map(str::to_owned),
            })
            .unwrap()
        };
        assert_eq!(text(Some("12")), r#"{"id":12}"#);
        assert_eq!(text(Some("0")), r#"{"id":0}"#);
        assert_eq!(text(Some("007")), r#"{"id":"007"}"#);
        assert_eq!(text(Some("a-1")), r#"{"id":"a-1"}"#);
        assert_eq!(
            text(Some("99999999999999999999999")),
            r#"{"id":"99999999999999999999999"}"#
        );
        assert_eq!(text(None), r#"{"id":null}"#);
    }

    #[derive(Deserialize, Debug)]
    struct L {
        #[serde(default, deserialize_with = "de::id_list")]
        ids: Vec<String>,
    }

    #[test]
    fn id_lists() {
        let l: L = serde_json::from_str(r#"{"ids":[1,"2",null]}"#).unwrap();
        assert_eq!(l.ids, ["1", "2"]);
        let l: L = serde_json::from_str(r#"{"ids":null}"#).unwrap();
        assert!(l.ids.is_empty());
        assert!(serde_json::from_str::<L>(r#"{"ids":[{}]}"#).is_err());
    }

    #[derive(Deserialize, Debug)]
    struct T {
        #[serde(default, deserialize_with = "de::opt_string")]
        s: Option<String>,
        #[serde(default, deserialize_with = "de::opt_u64")]
        n: Option<u64>,
    }

    #[test]
    fn numbers_and_strings_are_both_accepted() {
        let t: T = serde_json::from_str(r#"{"s": 12, "n": "3"}"#).unwrap();
        assert_eq!((t.s.as_deref(), t.n), (Some("12"), Some(3)));
        let t: T = serde_json::from_str(r#"{"s": "x", "n": 4}"#).unwrap();
        assert_eq!((t.s.as_deref(), t.n), (Some("x"), Some(4)));
        let t: T = serde_json::from_str(r#"{"s": null, "n": ""}"#).unwrap();
        assert_eq!((t.s, t.n), (None, None));
        let t: T = serde_json::from_str("{}").unwrap();
        assert_eq!((t.s, t.n), (None, None));
        assert!(serde_json::from_str::<T>(r#"{"s": [1]}"#).is_err());
        assert!(serde_json::from_str::<T>(r#"{"n": -1}"#).is_err());
        assert!(serde_json::from_str::<T>(r#"{"n": "many"}"#).is_err());
    }
}
