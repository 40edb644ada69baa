//! The two list shapes: a bare JSON array, or the paging envelope
//! `{"<key>": [...], "has_more": bool, "cursor": int|null}`.
//!
//! Which endpoints return which shape is not documented reliably (the
//! vendor's own examples show both for some endpoints, and the known clients fall back from
//! one to the other), and the collection key's casing is uncertain (`AttendanceCodes` vs
//! `attendance_codes`). So every list decodes through [`ListPage`], which accepts both shapes,
//! matches the key ignoring case and `_`, and falls back to the only array in the envelope
//! when the key is spelled some other way.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, DeserializeOwned, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};

use super::de::Num;

/// A list element decoded on its own (see [`mis_http::Lenient`]): a list of `Lenient<T>`
/// sits under the same envelope key as a list of `T`, and one bad element costs only itself.
impl<T: WireItem> WireItem for mis_http::Lenient<T> {
    const KEY: &'static str = T::KEY;
}

/// A wire item that arrives in a list: names the envelope key it is expected under.
pub trait WireItem: DeserializeOwned {
    /// The collection key in the paging envelope, e.g. `students_and_education_details`.
    const KEY: &'static str;
}

/// One page of a list, whichever shape it came in.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ListPage<T> {
    /// The items of this page.
    pub items: Vec<T>,
    /// Whether another page follows: the body's `has_more`, or — when the body has no
    /// `has_more` — whether it gives a cursor for a non-empty page (see [`ListPage::more`]).
    /// `false` for a bare array.
    pub has_more: bool,
    /// The cursor of the next page, when `has_more`.
    pub cursor: Option<i64>,
}

impl<T> ListPage<T> {
    /// Whether a page with these paging fields is followed by another.
    ///
    /// The documented envelope says `has_more`; pages that carry only a `cursor` are read
    /// as "continue at that cursor" (issue 14: nothing dropped quietly), unless the page is
    /// empty — a cursor after nothing points nowhere new, and following it could loop.
    pub fn more(has_more: Option<bool>, cursor: Option<i64>, items: usize) -> bool {
        has_more.unwrap_or(cursor.is_some() && items > 0)
    }
}

/// Keys compared without case, `_` or `-`.
fn normalise(key: &str) -> String {
    key.chars()
        .filter(|c| *c != '_' && *c != '-')
        .flat_map(char::to_lowercase)
        .collect()
}

impl<'de, T: WireItem> Deserialize<'de> for ListPage<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ListVisitor(PhantomData))
    }
}

struct ListVisitor<T>(PhantomData<T>);

impl<'de, T: WireItem> Visitor<'de> for ListVisitor<T> {
    type Value = ListPage<T>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(
            f,
            "a JSON array, or an object with a `{}` array, `has_more` and `cursor`",
            T::KEY
        )
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(ListPage {
            items,
            has_more: false,
            cursor: None,
        })
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let want = normalise(T::KEY);
        let mut items: Option<Vec<T>> = None;
        let mut fallback: Option<serde_json::Value> = None;
        let mut has_more: Option<bool> = None;
        let mut cursor: Option<i64> = None;
        let mut paging_seen = false;
        while let Some(key) = map.next_key::<String>()? {
            let k = normalise(&key);
            if k == "hasmore" {
                paging_seen = true;
                has_more = map.next_value::<Option<bool>>()?;
            } else if k == "cursor" {
                paging_seen = true;
                cursor = map.next_value::<Option<Num>>()?.map(|n| n.0);
            } else if k == want && items.is_none() {
                items = Some(map.next_value::<Option<Vec<T>>>()?.unwrap_or_default());
            } else {
                let value: serde_json::Value = map.next_value()?;
                if fallback.is_none() && value.is_array() {
                    fallback = Some(value);
                }
            }
        }
        let items = match (items, fallback) {
            (Some(items), _) => items,
            (None, Some(value)) => serde_json::from_value(value).map_err(de::Error::custom)?,
            // An envelope with no list at all but paging fields: an empty page.
            (None, None) if paging_seen => Vec::new(),
            (None, None) => return Err(de::Error::missing_field(T::KEY)),
        };
        Ok(ListPage {
            has_more: ListPage::<T>::more(has_more, cursor, items.len()),
            items,
            cursor,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Deserialize, PartialEq)]
    struct Thing {
        id: i64,
    }

    impl WireItem for Thing {
        const KEY: &'static str = "attendance_codes";
    }

    fn page(json: &str) -> ListPage<Thing> {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn both_shapes() {
        let bare = page(r#"[{"id":1},{"id":2}]"#);
        assert_eq!(bare.items.len(), 2);
        assert!(!bare.has_more);
        let env = page(r#"{"attendance_codes":[{"id":1}],"has_more":true,"cursor":123}"#);
        assert_eq!(env.items, [Thing { id: 1 }]);
        assert!(env.has_more);
        assert_eq!(env.cursor, Some(123));
    }

    #[test]
    fn key_casing_and_fallback() {
        let env = page(r#"{"AttendanceCodes":[{"id":7}],"has_more":false,"cursor":null}"#);
        assert_eq!(env.items, [Thing { id: 7 }]);
        let other = page(r#"{"codes":[{"id":8}],"has_more":false}"#);
        assert_eq!(other.items, [Thing { id: 8 }]);
        let empty = page(r#"{"has_more":false,"cursor":null}"#);
        assert!(empty.items.is_empty());
        let null_list = page(r#"{"attendance_codes":null,"has_more":false}"#);
        assert!(null_list.items.is_empty());
        let string_cursor = page(r#"{"attendance_codes":[],"has_more":true,"cursor":"40"}"#);
        assert_eq!(string_cursor.cursor, Some(40));
    }

    #[test]
    fn a_cursor_without_has_more_continues() {
        let mid = page(r#"{"attendance_codes":[{"id":1},{"id":2}],"cursor":2}"#);
        assert!(mid.has_more, "a cursor alone means: continue there");
        assert_eq!(mid.cursor, Some(2));
        let last = page(r#"{"attendance_codes":[{"id":3}],"cursor":null}"#);
        assert!(!last.has_more);
        let empty = page(r#"{"attendance_codes":[],"cursor":3}"#);
        assert!(
            !empty.has_more,
            "an empty page ends the list whatever its cursor"
        );
        let said = page(r#"{"attendance_codes":[{"id":1}],"has_more":false,"cursor":1}"#);
        assert!(!said.has_more, "an explicit has_more wins");
    }

    #[test]
    fn lenient_items_in_both_shapes_and_the_fallback_key() {
        use mis_http::Lenient;
        for json in [
            r#"[{"id":1},{"id":"x"},{"id":3}]"#,
            r#"{"attendance_codes":[{"id":1},{"id":"x"},{"id":3}],"has_more":false}"#,
            r#"{"codes":[{"id":1},{"id":"x"},{"id":3}]}"#,
        ] {
            let page: ListPage<Lenient<Thing>> = serde_json::from_str(json).unwrap();
            assert_eq!(page.items.len(), 3, "{json}");
            let ok: Vec<i64> = page
                .items
                .into_iter()
                .filter_map(|t| t.ok().map(|t| t.id))
                .collect();
            assert_eq!(ok, [1, 3], "{json}");
        }
    }

    #[test]
    fn an_object_without_a_list_names_the_key() {
        let e = serde_json::from_str::<ListPage<Thing>>(r#"{"message":"nope"}"#).unwrap_err();
        assert!(e.to_string().contains("attendance_codes"), "{e}");
        assert!(serde_json::from_str::<ListPage<Thing>>("42").is_err());
    }
}
