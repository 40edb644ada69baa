//! Serde mirrors of ManageBac's JSON (the ManageBac+ Public API spec's schemas and
//! examples), written to be lenient.
//!
//! - Every field the vendor may leave out is an `Option` or defaults: "Fields with null
//!   values are omitted … empty arrays and hashes are preserved" (the spec's `GET /students/{id}`),
//!   and adding fields is non-breaking by Faria's "Version stability, breaking changes and
//!   deprecation policy". Unknown fields are kept
//!   in each record's `extra` map instead of being dropped or failing the page.
//! - Ids are integers in the spec, but the spec types the page parameters as strings and some
//!   examples quote numbers: [`Id`] and the `de` helpers accept a number or a numeric string alike.
//! - Dates and times stay text here; `convert` parses them, so one odd date is one missing
//!   value, not a failed page.
//! - Lists are `{<key>: [...], meta}` with a different key per resource; [`List`] reads any of
//!   them, keyed by [`Listed::LIST_KEY`]. Single records are `{<key>: {...}}` ([`One`]).

mod attendance;
mod behaviour;
mod classes;
mod people;
mod school;

use std::collections::BTreeMap;
use std::fmt;
use std::marker::PhantomData;

use serde::de::{DeserializeOwned, IgnoredAny, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

pub use attendance::*;
pub use behaviour::*;
pub use classes::*;
pub use people::*;
pub use school::*;

/// Fields a record carries that this crate does not model, kept as sent.
pub type Extra = BTreeMap<String, serde_json::Value>;

/// A ManageBac id: an integer, sent as a JSON number or (in some examples) a numeric string.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Id(pub u64);

impl Id {
    /// The id as text, as the normalised model carries ids.
    pub fn text(self) -> String {
        self.0.to_string()
    }

    /// Parses a model id (`"10001"`); `None` for anything that is not a ManageBac integer id.
    pub fn parse(text: &str) -> Option<Id> {
        let t = text.trim();
        if t.is_empty() || t.len() > 20 || !t.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        t.parse().ok().map(Id)
    }
}

impl fmt::Display for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl Serialize for Id {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(self.0)
    }
}

impl<'de> Deserialize<'de> for Id {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match de::int_or_string(d)? {
            Some(n) => u64::try_from(n)
                .map(Id)
                .map_err(|_| serde::de::Error::custom("an id must not be negative")),
            None => Err(serde::de::Error::custom("expected an id, found null")),
        }
    }
}

/// Lenient field readers for `#[serde(deserialize_with = …)]`.
pub mod de {
    use super::*;

    /// An integer sent as a number or a numeric string; `null` and `""` are `None`.
    pub fn int_or_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Option<i64>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an integer or a numeric string")
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Self::Value, E> {
                Ok(Some(v))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Self::Value, E> {
                i64::try_from(v)
                    .map(Some)
                    .map_err(|_| E::custom("integer too large"))
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Self::Value, E> {
                if v.fract() == 0.0 && v.abs() < 9.0e15 {
                    Ok(Some(v as i64))
                } else {
                    Err(E::custom("expected a whole number"))
                }
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Self::Value, E> {
                let t = v.trim();
                if t.is_empty() {
                    return Ok(None);
                }
                t.parse()
                    .map(Some)
                    .map_err(|_| E::custom("expected a numeric string"))
            }
            fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
                Ok(None)
            }
            fn visit_none<E: serde::de::Error>(self) -> Result<Self::Value, E> {
                Ok(None)
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
                d.deserialize_any(self)
            }
        }
        d.deserialize_any(V)
    }

    /// An optional integer (number or numeric string).
    pub fn opt_int<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
        int_or_string(d)
    }

    /// An optional non-negative integer (number or numeric string).
    pub fn opt_u32<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u32>, D::Error> {
        match int_or_string(d)? {
            None => Ok(None),
            Some(n) => u32::try_from(n)
                .map(Some)
                .map_err(|_| serde::de::Error::custom("expected a non-negative integer")),
        }
    }

    /// A string, or a number/bool written as text (school ids are strings, but a school that
    /// uses numbers may send them bare); `null` is `None`.
    pub fn opt_text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
        Ok(match Option::<serde_json::Value>::deserialize(d)? {
            None | Some(serde_json::Value::Null) => None,
            Some(serde_json::Value::String(s)) => Some(s),
            Some(serde_json::Value::Number(n)) => Some(n.to_string()),
            Some(serde_json::Value::Bool(b)) => Some(b.to_string()),
            Some(other) => Some(other.to_string()),
        })
    }

    /// A boolean, also from `"true"`/`"false"`/`1`/`0`; `null` is `None`.
    pub fn opt_bool<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
        Ok(match Option::<serde_json::Value>::deserialize(d)? {
            Some(serde_json::Value::Bool(b)) => Some(b),
            Some(serde_json::Value::Number(n)) => n.as_i64().map(|n| n != 0),
            Some(serde_json::Value::String(s)) => match s.trim().to_ascii_lowercase().as_str() {
                "true" | "1" | "yes" => Some(true),
                "false" | "0" | "no" => Some(false),
                _ => None,
            },
            _ => None,
        })
    }

    /// A list that may be `null` (read as empty).
    pub fn list<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Vec<T>, D::Error> {
        Ok(Option::<Vec<T>>::deserialize(d)?.unwrap_or_default())
    }

    /// An optional id (number or numeric string; `null`/`""` is `None`).
    pub fn opt_id<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Id>, D::Error> {
        match int_or_string(d)? {
            None => Ok(None),
            Some(n) => u64::try_from(n)
                .map(|n| Some(Id(n)))
                .map_err(|_| serde::de::Error::custom("an id must not be negative")),
        }
    }
}

/// Paging details, "included in all list (index) responses" (the API spec's `Meta`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Meta {
    /// The page served (1-based).
    #[serde(default, deserialize_with = "de::opt_u32")]
    pub current_page: Option<u32>,
    /// How many pages there are. Paging is driven by this, never by the page size asked for:
    /// "the API may return a number of records less than passed in the request".
    #[serde(default, deserialize_with = "de::opt_u32")]
    pub total_pages: Option<u32>,
    /// How many records match.
    #[serde(default, deserialize_with = "de::opt_int")]
    pub total_count: Option<i64>,
    /// Records per page actually used.
    #[serde(default, deserialize_with = "de::opt_u32")]
    pub per_page: Option<u32>,
    /// The next page, when the endpoint says (nullable).
    #[serde(default, deserialize_with = "de::opt_u32")]
    pub next_page: Option<u32>,
    /// The previous page, when the endpoint says (nullable).
    #[serde(default, deserialize_with = "de::opt_u32")]
    pub prev_page: Option<u32>,
    /// Echoed filters (`modified_since`, `deleted_since`) and anything else.
    #[serde(flatten)]
    pub extra: Extra,
}

impl Meta {
    /// Whether a page after `page` (the one asked for) exists: `current_page < total_pages`.
    ///
    /// The larger of `page` and `current_page` counts, so a server that keeps answering
    /// `current_page: 1` cannot make a walk go on forever.
    pub fn has_more(&self, page: u32) -> bool {
        let current = self.current_page.unwrap_or(page).max(page);
        match self.total_pages {
            Some(total) => current < total,
            None => self.next_page.is_some_and(|next| next > current),
        }
    }
}

/// A record type served in lists under one key (`students`, `classes`, …).
pub trait Listed: DeserializeOwned {
    /// The key the list is under.
    const LIST_KEY: &'static str;
}

/// A list read record by record: each element decodes on its own, so one malformed record
/// is one [`Lenient::Rejected`](mis_http::Lenient::Rejected) (with its `id`) and the rest of the page still decodes.
impl<T: Listed> Listed for mis_http::Lenient<T> {
    const LIST_KEY: &'static str = T::LIST_KEY;
}

/// A record type served alone under one key (`student`, `class`, …).
pub trait Named: DeserializeOwned {
    /// The key the record is under.
    const ONE_KEY: &'static str;
}

/// A list response: `{<T::LIST_KEY>: [...], meta: {...}}`; other keys are ignored.
#[derive(Debug, Clone, PartialEq)]
pub struct List<T> {
    /// The records.
    pub items: Vec<T>,
    /// Paging details, when sent.
    pub meta: Option<Meta>,
}

impl<'de, T: Listed> Deserialize<'de> for List<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(PhantomData<T>);
        impl<'de, T: Listed> Visitor<'de> for V<T> {
            type Value = List<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "an object with a `{}` list", T::LIST_KEY)
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut items: Option<Vec<T>> = None;
                let mut meta = None;
                while let Some(key) = map.next_key::<String>()? {
                    if key == T::LIST_KEY {
                        items = Some(map.next_value::<Option<Vec<T>>>()?.unwrap_or_default());
                    } else if key == "meta" {
                        meta = map.next_value::<Option<Meta>>()?;
                    } else {
                        map.next_value::<IgnoredAny>()?;
                    }
                }
                let items = items.ok_or_else(|| serde::de::Error::missing_field(T::LIST_KEY))?;
                Ok(List { items, meta })
            }
        }
        d.deserialize_map(V(PhantomData))
    }
}

/// A single-record response: `{<T::ONE_KEY>: {...}}`.
#[derive(Debug, Clone, PartialEq)]
pub struct One<T>(pub T);

impl<'de, T: Named> Deserialize<'de> for One<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(PhantomData<T>);
        impl<'de, T: Named> Visitor<'de> for V<T> {
            type Value = One<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "an object with a `{}` record", T::ONE_KEY)
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut one = None;
                while let Some(key) = map.next_key::<String>()? {
                    if key == T::ONE_KEY {
                        one = Some(map.next_value::<T>()?);
                    } else {
                        map.next_value::<IgnoredAny>()?;
                    }
                }
                one.map(One)
                    .ok_or_else(|| serde::de::Error::missing_field(T::ONE_KEY))
            }
        }
        d.deserialize_map(V(PhantomData))
    }
}

/// `GET /ping`: `{"pong": "ok"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pong {
    /// `ok`.
    #[serde(default)]
    pub pong: Option<String>,
}

/// `GET /auth/permissions`: what the token may do, e.g. `students/excusals/index`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Permissions {
    /// `resource/action` strings.
    #[serde(default, deserialize_with = "de::list")]
    pub permissions: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Deserialize, PartialEq)]
    struct Row {
        id: Id,
    }
    impl Listed for Row {
        const LIST_KEY: &'static str = "rows";
    }
    impl Named for Row {
        const ONE_KEY: &'static str = "row";
    }

    #[test]
    fn lists_take_their_key_and_meta_and_ignore_the_rest() {
        let l: List<Row> = serde_json::from_str(
            r#"{"student_ids":[1],"rows":[{"id":1},{"id":"2"}],"meta":{"current_page":"1","total_pages":3,"total_count":5,"per_page":2,"modified_since":"x"}}"#,
        )
        .unwrap();
        assert_eq!(l.items, vec![Row { id: Id(1) }, Row { id: Id(2) }]);
        let meta = l.meta.unwrap();
        assert!(meta.has_more(1));
        assert_eq!(meta.extra["modified_since"], "x");
        let l: List<Row> = serde_json::from_str(r#"{"rows":null}"#).unwrap();
        assert!(l.items.is_empty() && l.meta.is_none());
        let e = serde_json::from_str::<List<Row>>(r#"{"students":[]}"#).unwrap_err();
        assert!(e.to_string().contains("rows"), "{e}");
        let One(r) = serde_json::from_str::<One<Row>>(r#"{"row":{"id":7},"x":1}"#).unwrap();
        assert_eq!(r.id, Id(7));
    }

    #[test]
    fn ids_and_numbers_are_lenient() {
        assert_eq!(serde_json::from_str::<Id>("\"42\"").unwrap(), Id(42));
        assert!(serde_json::from_str::<Id>("-1").is_err());
        assert!(serde_json::from_str::<Id>("\"abc\"").is_err());
        assert_eq!(Id::parse(" 10 "), Some(Id(10)));
        assert_eq!(Id::parse("no-such-student"), None);
        assert_eq!(Id::parse("-3"), None);
        let m: Meta = serde_json::from_str(r#"{"current_page":3,"total_pages":3}"#).unwrap();
        assert!(!m.has_more(3));
        let m: Meta = serde_json::from_str(r#"{"next_page":null}"#).unwrap();
        assert!(!m.has_more(1));
    }
}
