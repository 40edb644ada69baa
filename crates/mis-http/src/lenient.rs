//! Per-record decoding: one bad record in a list costs that record, not the page.
//!
//! Wire list types hold `Vec<Lenient<T>>` instead of `Vec<T>`. Each element is first taken
//! as raw JSON (no copy beyond the element's own bytes), then decoded on its own; a record
//! that fails becomes [`Lenient::Rejected`] with the JSON path inside the record, the serde
//! message with quoted values removed, and the record's `id` when it has one. The provider
//! then reports it as a [`Warning`] through the query's [`Diagnostics`] ([`keep_good`]).
//!
//! Capturing every element costs a scan and a copy per record even on a page where every
//! record is fine, which is nearly every page. [`decode_lenient`] avoids it: it decodes the
//! page plainly first (each element as its [`PlainFirst::Plain`] type, exactly the cost of a
//! typed decode), and only when that fails decodes the same bytes again with every element
//! on its own. A clean page costs one typed decode; a page with a bad record costs a second
//! parse of that page.

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

/// A list element type whose pages [`decode_lenient`] reads plainly first: `Lenient<T>`,
/// whose plain form is `T`.
pub trait PlainFirst: DeserializeOwned {
    /// The element as a plain decode reads it.
    type Plain: DeserializeOwned;

    /// The element of a page that decoded plainly.
    fn from_plain(plain: Self::Plain) -> Self;

    /// The elements of a page that decoded plainly, as the lenient elements they stand for
    /// (every one decoded).
    fn from_plain_list(plain: Vec<Self::Plain>) -> Vec<Self> {
        plain.into_iter().map(Self::from_plain).collect()
    }
}

impl<T: DeserializeOwned> PlainFirst for Lenient<T> {
    type Plain = T;

    fn from_plain(plain: T) -> Self {
        Lenient::Ok(plain)
    }
}

/// Decodes `body` as `L` (a page whose list elements are [`Lenient`]), trying the plain form
/// `P` of the same page first and turning it into `L` with `from_plain`.
///
/// `P` is `L` with each `Lenient<T>` replaced by `T` (for a bare list, `Vec<T>` for
/// `Vec<Lenient<T>>`, and [`PlainFirst::from_plain_list`] as `from_plain`). A page that
/// decodes as `P` costs one typed decode and no per-record capture. Otherwise the page is
/// decoded again as `L`, so a record that does not decode costs that record (a
/// [`Lenient::Rejected`] naming it) and not the page.
///
/// A body that is neither is a `Decode` error with the JSON path of the failing value, as
/// [`decode_json`](crate::decode_json) reports it; the error is retryable when the body was
/// cut short or is not JSON at all (another attempt may bring it whole), not when it is JSON
/// of the wrong shape.
pub fn decode_lenient<P, L>(
    vendor: &str,
    operation: &str,
    body: &[u8],
    from_plain: impl FnOnce(P) -> L,
) -> Result<L>
where
    P: DeserializeOwned,
    L: DeserializeOwned,
{
    // The body's UTF-8 is checked once, then read as text: `from_slice` checks every string
    // and key it reads on its own, which costs more than one pass over the whole body (a
    // sixth of a typed decode of a ClassCharts homework page). A body that is not UTF-8
    // fails either way; the error below says where.
    if let Ok(text) = std::str::from_utf8(body) {
        if let Ok(plain) = serde_json::from_str::<P>(text) {
            return Ok(from_plain(plain));
        }
        if let Ok(lenient) = serde_json::from_str::<L>(text) {
            return Ok(lenient);
        }
    }
    let (error, broken) = crate::request::decode_error::<L>(vendor, operation, body);
    Err(error.with_retryable(broken))
}

/// [`decode_lenient`] for a body that is a bare JSON list.
pub fn decode_list<T: PlainFirst>(vendor: &str, operation: &str, body: &[u8]) -> Result<Vec<T>> {
    decode_lenient::<Vec<T::Plain>, Vec<T>>(vendor, operation, body, T::from_plain_list)
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
    fn a_clean_page_is_decoded_plainly_once() {
        let body = br#"{"data": [
            {"id": 1, "date_of_birth": "2010-08-24"},
            {"id": 3, "date_of_birth": "2011-02-03"}
        ]}"#;
        #[derive(serde::Deserialize)]
        struct PlainPage {
            data: Vec<Student>,
        }
        let mut plain = false;
        let page: Page = decode_lenient("hubmis", "students.list", body, |p: PlainPage| {
            plain = true;
            Page {
                data: Lenient::from_plain_list(p.data),
            }
        })
        .unwrap();
        assert!(plain, "a clean page takes the plain decode");
        let d = Diagnostics::strict();
        let good = keep_good(page.data, &d, "hubmis", "students.list", "student").unwrap();
        assert_eq!(good.iter().map(|s| s.id).collect::<Vec<_>>(), [1, 3]);
        assert!(d.warnings().is_empty());
    }

    #[test]
    fn a_page_with_a_bad_record_is_decoded_again_record_by_record() {
        let body = br#"[
            {"id": 1, "date_of_birth": "2010-08-24"},
            {"id": 2, "date_of_birth": 20110101},
            {"id": 3, "date_of_birth": "2011-02-03"}
        ]"#;
        let mut plain = false;
        let items: Vec<Lenient<Student>> =
            decode_lenient("hubmis", "students.list", body, |p: Vec<Student>| {
                plain = true;
                Lenient::from_plain_list(p)
            })
            .unwrap();
        assert!(!plain, "the plain decode failed on the bad record");
        let d = Diagnostics::new();
        let good = keep_good(items, &d, "hubmis", "students.list", "student").unwrap();
        assert_eq!(good.iter().map(|s| s.id).collect::<Vec<_>>(), [1, 3]);
        let w = d.warnings();
        assert_eq!(w.len(), 1);
        assert_eq!(w[0].record_id.as_deref(), Some("2"));
        assert_eq!(
            w[0].message,
            "expected a string, found an integer at [1].date_of_birth"
        );

        // Strict diagnostics still fail on it.
        let items = decode_list::<Lenient<Student>>("hubmis", "students.list", body).unwrap();
        let strict = Diagnostics::strict();
        let e = keep_good(items, &strict, "hubmis", "students.list", "student").unwrap_err();
        assert_eq!(e.kind(), mis_core::ErrorKind::Decode);
    }

    #[test]
    fn a_page_that_is_neither_is_an_error_retryable_only_when_cut_short() {
        // JSON of the wrong shape: the same body would come back, so not worth another try.
        let e = decode_list::<Lenient<Student>>("v", "op", br#"{"data": []}"#).unwrap_err();
        assert_eq!(e.kind(), mis_core::ErrorKind::Decode);
        assert!(!e.is_retryable());
        // Cut short: another attempt may bring it whole.
        let e = decode_list::<Lenient<Student>>("v", "op", br#"[{"id": 1, "date_of"#).unwrap_err();
        assert_eq!(e.kind(), mis_core::ErrorKind::Decode);
        assert!(e.is_retryable());
        // The page's own fields are not records: a bad one fails the page, with its path.
        let e = crate::decode_json::<Page>("v", "op", br#"{"data": 7}"#).unwrap_err();
        let lenient = decode_lenient("v", "op", br#"{"data": 7}"#, |p: Page| p).unwrap_err();
        assert_eq!(lenient.to_string(), e.to_string());
    }

    #[test]
    fn string_ids_and_missing_ids() {
        assert_eq!(record_id(r#"{"id": "a7"}"#).as_deref(), Some("a7"));
        assert_eq!(record_id(r#"{"name": 1}"#), None);
        assert_eq!(record_id(r#"[1]"#), None);
    }
}
