//! Per-record decoding: one bad record in a list costs that record, not the page.
//!
//! Wire list types hold `Vec<Lenient<T>>` instead of `Vec<T>`. Each element is first taken
//! as raw JSON (no copy beyond the element's own bytes), then decoded on its own; a record
//! that fails becomes [`Lenient::Rejected`] with the JSON path inside the record, the serde
//! message with quoted values removed, and the record's `id` when it has one. The provider
//! then reports it as a [`Warning`] through the query's [`Diagnostics`] ([`keep_good`]).

use serde::de::{Deserialize, DeserializeOwned, Deserializer};
use serde_json::value::RawValue;

use mis_core::{Diagnostics, Result, Warning};

/// One list element: decoded, or rejected with the reason.
#[derive(Debug, Clone, PartialEq)]
pub enum Lenient<T> {
    /// The element decoded.
    Ok(T),
    /// The element did not decode; the rest of the list still does.
    Rejected(Rejected),
}

/// Why a list element was rejected. Holds no value from the record except its `id`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejected {
    /// The record's `id` (string or number), when it has one.
    pub id: Option<String>,
    /// The JSON path inside the record (`date_of_birth`, `attendance_code.id`).
    pub path: String,
    /// The serde message, with quoted values removed.
    pub message: String,
}

impl Rejected {
    /// `message at path`, for a warning.
    pub fn describe(&self) -> String {
        if self.path.is_empty() || self.path == "." {
            self.message.clone()
        } else {
            format!("{} at {}", self.message, self.path)
        }
    }
}

impl<T> Lenient<T> {
    /// The decoded element, or why it was rejected.
    pub fn into_result(self) -> std::result::Result<T, Rejected> {
        match self {
            Lenient::Ok(t) => Ok(t),
            Lenient::Rejected(r) => Err(r),
        }
    }

    /// The decoded element, if it decoded.
    pub fn ok(self) -> Option<T> {
        self.into_result().ok()
    }
}

impl<'de, T: DeserializeOwned> Deserialize<'de> for Lenient<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let raw: Box<RawValue> = Deserialize::deserialize(d)?;
        Ok(decode_one(raw.get()))
    }
}

/// Decodes one element from its raw JSON text.
fn decode_one<T: DeserializeOwned>(json: &str) -> Lenient<T> {
    // A plain decode first: path tracking copies every key it passes, which doubled the
    // cost of a good record. Only a rejected record is decoded again to say where it broke.
    if let Ok(v) = serde_json::from_str::<T>(json) {
        return Lenient::Ok(v);
    }
    let mut de = serde_json::Deserializer::from_str(json);
    match serde_path_to_error::deserialize::<_, T>(&mut de) {
        Ok(v) => Lenient::Ok(v),
        Err(e) => {
            let path = e.path().to_string();
            let mut message = crate::request::scrub_values(&e.into_inner().to_string());
            // The position is inside the element's own text: no use to anyone.
            if let Some(i) = message.rfind(" at line ") {
                message.truncate(i);
            }
            Lenient::Rejected(Rejected {
                id: record_id(json),
                path,
                message,
            })
        }
    }
}

/// The top-level `id` of a record, as a string, if it has one.
fn record_id(json: &str) -> Option<String> {
    // Only on the rare rejected record: a map, so a list element that is not an object has none.
    let mut map: serde_json::Map<String, serde_json::Value> = serde_json::from_str(json).ok()?;
    match map.remove("id")? {
        serde_json::Value::String(s) => Some(s),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The decoded elements of `items`, each rejected one reported to `diagnostics` as a skipped
/// `entity` record of `operation`. Errs only in strict mode (the first rejection).
pub fn keep_good<T>(
    items: Vec<Lenient<T>>,
    diagnostics: &Diagnostics,
    vendor: &str,
    operation: &str,
    entity: &str,
) -> Result<Vec<T>> {
    let mut good = Vec::with_capacity(items.len());
    for (index, item) in items.into_iter().enumerate() {
        match item {
            Lenient::Ok(t) => good.push(t),
            Lenient::Rejected(mut r) => {
                // The element's index in its list, so the path reads `[1].date_of_birth`.
                r.path = match r.path.as_str() {
                    "" | "." => format!("[{index}]"),
                    p => format!("[{index}].{p}"),
                };
                diagnostics.report(Warning::skipped_record(
                    vendor,
                    operation,
                    entity,
                    r.id.clone(),
                    r.describe(),
                ))?
            }
        }
    }
    Ok(good)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize, PartialEq)]
    struct Student {
        id: u64,
        date_of_birth: String,
    }

    #[derive(Debug, serde::Deserialize)]
    struct Page {
        data: Vec<Lenient<Student>>,
    }

    #[test]
    fn one_bad_record_costs_that_record() {
        let body = br#"{"data": [
            {"id": 1, "date_of_birth": "2010-08-24"},
            {"id": 2, "date_of_birth": 20110101},
            {"id": 3, "date_of_birth": "2011-02-03"}
        ]}"#;
        // Through the same path-tracking decoder the vendor crates use.
        let page: Page = crate::decode_json("hubmis", "students.list", body).unwrap();
        let d = Diagnostics::new();
        let good = keep_good(page.data, &d, "hubmis", "students.list", "student").unwrap();
        assert_eq!(good.iter().map(|s| s.id).collect::<Vec<_>>(), [1, 3]);
        let w = d.warnings();
        assert_eq!(w.len(), 1);
        assert_eq!(w[0].record_id.as_deref(), Some("2"));
        assert_eq!(w[0].kind, mis_core::ErrorKind::Decode);
        assert_eq!(
            w[0].message,
            "expected a string, found an integer at [1].date_of_birth"
        );
        assert!(
            !w[0].message.contains("20110101"),
            "no value: {}",
            w[0].message
        );

        let strict = Diagnostics::strict();
        let page: Page = crate::decode_json("hubmis", "students.list", body).unwrap();
        let e = keep_good(page.data, &strict, "hubmis", "students.list", "student").unwrap_err();
        assert_eq!(e.kind(), mis_core::ErrorKind::Decode);
    }

    /// The report that started the personal-data issue: a HUBmis list with one malformed date
    /// of birth printed two children's dates of birth. Decoded strictly (no `Lenient`), the
    /// error names the path, the expected and found types, and no value.
    #[test]
    fn a_decode_error_names_the_shape_not_the_value() {
        let body = br#"[{"id": 100, "access_status": "invited", "multi_realm": false, "date_of_birth": "2010-08-24"},
            {"id": 101, "date_of_birth": 20110101}]"#;
        let e = crate::decode_json::<Vec<Student>>("hubmis", "students.list", body).unwrap_err();
        let text = format!("{e} {e:?}");
        assert!(text.contains("at [1].date_of_birth"), "{text}");
        assert!(
            text.contains("expected a string, found an integer"),
            "{text}"
        );
        assert!(
            text.contains(r#"body shape: [{"id": <int>, "access_status": <str 7>"#),
            "{text}"
        );
        for value in ["20110101", "2010-08-24", "invited", "100"] {
            assert!(!text.contains(value), "{value} in {text}");
        }
    }

    #[test]
    fn a_broken_list_is_still_an_error() {
        // Malformed JSON is not one bad record: the page cannot be trusted.
        let e = crate::decode_json::<Page>("v", "op", br#"{"data": [{"id": 1,"#).unwrap_err();
        assert_eq!(e.kind(), mis_core::ErrorKind::Decode);
    }

    #[test]
    fn string_ids_and_missing_ids() {
        assert_eq!(record_id(r#"{"id": "a7"}"#).as_deref(), Some("a7"));
        assert_eq!(record_id(r#"{"name": 1}"#), None);
        assert_eq!(record_id(r#"[1]"#), None);
    }
}
