//! Lenient deserialisers for ClassCharts' loose JSON.
//!
//! ClassCharts is a PHP backend with no published schema, and real payloads show:
//! - `[]` where an object is expected when it is empty (`meta`, reason maps, attendance days):
//!   PHP's empty array serialises as a JSON array ([`Php`], [`php_object`]);
//! - `"yes"` / `"no"` strings for booleans, and `0` / `1` integers for others ([`yes_no`]);
//! - fields that are a number in one response and a string in the next (`late_minutes`: `0`
//!   or `""`; `purchased_count`: `0` or `"3"`; `completion_time_value`) ([`int`],
//!   [`text`]);
//! - `last_id` as a number or `false` ([`int_or_false`]);
//! - ids as numbers almost everywhere and as strings in a few places ([`id`]).
//!
//! Every helper here accepts `null` as "absent", because the JS types mark most fields
//! `| null`. Each is a visitor rather than a detour through `serde_json::Value`, so a failure
//! deeper down keeps its JSON path (serde_path_to_error) and no body is copied.

use std::fmt;
use std::marker::PhantomData;

use serde::de::value::MapAccessDeserializer;
use serde::de::{self, Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

/// `T`, or `T::default()` when the vendor sent `[]` (PHP's empty array) or `null`.
///
/// A *non-empty* array is still an error: that is a real shape change, not PHP's quirk.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Php<T>(pub T);

impl<'de, T> Deserialize<'de> for Php<T>
where
    T: Deserialize<'de> + Default,
{
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(PhantomData<T>);

        impl<'de, T: Deserialize<'de> + Default> Visitor<'de> for V<T> {
            type Value = Php<T>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object, or an empty array standing for an empty object")
            }

            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                T::deserialize(MapAccessDeserializer::new(map)).map(Php)
            }

            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                if seq.next_element::<IgnoredAny>()?.is_some() {
                    return Err(de::Error::invalid_type(
                        de::Unexpected::Seq,
                        &"an object (only an EMPTY array may stand for one)",
                    ));
                }
                Ok(Php(T::default()))
            }

            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(Php(T::default()))
            }

            fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(Php(T::default()))
            }

            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
                d.deserialize_any(self)
            }
        }

        d.deserialize_any(V(PhantomData))
    }
}

/// For `#[serde(deserialize_with)]`: an object, `[]` or `null` (the last two as default).
pub fn php_object<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Php::<T>::deserialize(d).map(|p| p.0)
}

/// A boolean sent as `true`/`false`, `1`/`0`, `"yes"`/`"no"`, `"1"`/`"0"`, `"true"`/`"false"`;
/// `null` and `""` are `false`.
///
/// Any other string is an error naming it: a new value is worth hearing about, since
/// guessing a flag (say, consent given) would be wrong.
pub fn yes_no<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    opt_yes_no(d).map(|b| b.unwrap_or(false))
}

/// Like [`yes_no`], but `null` is `None` (for fields the JS types mark `bool | null`).
pub fn opt_yes_no<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    struct V;

    impl Visitor<'_> for V {
        type Value = Option<bool>;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a boolean, 0/1, or \"yes\"/\"no\"")
        }

        fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
            Ok(Some(v))
        }

        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
            Ok(Some(v != 0))
        }

        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
            Ok(Some(v != 0))
        }

        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            // The spellings answers send, as sent; then any case and spacing, compared in
            // place (no lower-cased copy of every flag of every record).
            match v {
                "yes" | "true" | "1" => return Ok(Some(true)),
                "no" | "false" | "0" | "" => return Ok(Some(false)),
                _ => {}
            }
            let t = v.trim();
            let is = |words: &[&str]| words.iter().any(|w| t.eq_ignore_ascii_case(w));
            if is(&["yes", "y", "true", "1"]) {
                Ok(Some(true))
            } else if is(&["no", "n", "false", "0", ""]) {
                Ok(Some(false))
            } else {
                Err(E::invalid_value(de::Unexpected::Str(v), &self))
            }
        }

        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
    }

    d.deserialize_any(V)
}

/// A string enum of the wire types (documented spellings, unknown values kept as sent),
/// parsed from the text as read.
pub trait WireEnum: Sized {
    /// The value for `text`: its documented spelling matched as sent first (what every
    /// answer seen sends), then leniently (trimmed, any case), else kept as sent.
    fn from_text(text: &str) -> Self;
}

/// An optional string enum (`null` is `None`), parsed from the text as read: the enums'
/// own `Deserialize` takes an owned copy of every value first, which for the per-record
/// enums (activity `type` and `polarity`, homework `state`) is an allocation per field per
/// record for a value that is nearly always a known one.
pub fn opt_enum<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: WireEnum,
{
    struct Spelling<T>(PhantomData<T>);

    impl<'de, T: WireEnum> Visitor<'de> for Spelling<T> {
        type Value = Option<T>;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a string or null")
        }

        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            Ok(Some(T::from_text(v)))
        }

        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_str(self)
        }

        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
    }

    d.deserialize_option(Spelling(PhantomData))
}

/// An integer sent as a number or as a numeric string; `null` and `""` are `None`.
///
/// `late_minutes` is `0` in one register and `""` in the next (in one recorded answer),
/// `purchased_count` is `0` or `"3"`. A float with no fraction (`5.0`) is accepted; any other
/// string or float is an error naming it.
pub fn int<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    struct V;

    impl Visitor<'_> for V {
        type Value = Option<i64>;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("an integer, a numeric string, \"\" or null")
        }

        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
            Ok(Some(v))
        }

        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
            i64::try_from(v)
                .map(Some)
                .map_err(|_| E::invalid_value(de::Unexpected::Unsigned(v), &self))
        }

        fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
            if v.fract() == 0.0 && v.abs() < 9.0e15 {
                #[allow(clippy::cast_possible_truncation)]
                Ok(Some(v as i64))
            } else {
                Err(E::invalid_value(de::Unexpected::Float(v), &self))
            }
        }

        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            let t = v.trim();
            if t.is_empty() {
                return Ok(None);
            }
            t.parse::<i64>()
                .map(Some)
                .map_err(|_| E::invalid_value(de::Unexpected::Str(v), &self))
        }

        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
    }

    d.deserialize_any(V)
}

/// An integer, or `false` for "none" (activity `meta.last_id`: "`last_id` is a number or
/// `false`" in the JS client's types). `null`, `""` and `0` are also "none", and so is
/// `true`: some servers end the feed with `"last_id": true` (issue 14), which names no id
/// either.
pub fn int_or_false<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    struct V;

    impl Visitor<'_> for V {
        type Value = Option<u64>;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("an id or false")
        }

        fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
            // `false` (documented) and `true` (seen on the last page): no id to page on.
            Ok(None)
        }

        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
            u64::try_from(v)
                .map(|n| (n > 0).then_some(n))
                .map_err(|_| E::invalid_value(de::Unexpected::Signed(v), &self))
        }

        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
            Ok((v > 0).then_some(v))
        }

        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            let t = v.trim();
            if t.is_empty() || t.eq_ignore_ascii_case("false") {
                return Ok(None);
            }
            t.parse::<u64>()
                .map(|n| (n > 0).then_some(n))
                .map_err(|_| E::invalid_value(de::Unexpected::Str(v), &self))
        }

        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
    }

    d.deserialize_any(V)
}

/// A count sent as a number, a numeric string, or free text (`late_minutes`: `0`, `"7"`,
/// `""`, and on some servers text such as `"5 mins"`; `purchased_count`: `0` or `"3"`).
///
/// `value` is the number when there is one; `raw` keeps whatever text was sent (`None` for
/// a JSON number or `null`). Text that is not a number is kept in `raw` with `value: None`
/// instead of failing the record: a count the server wrote as prose is not worth a record.
/// Anything that is neither a number nor text (a list, an object, a boolean) is still an
/// error: that is a shape change.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IntText {
    /// The number, when the value is one (or a numeric string).
    pub value: Option<i64>,
    /// The text exactly as sent, when it was sent as text.
    pub raw: Option<String>,
}

impl<'de> Deserialize<'de> for IntText {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;

        impl Visitor<'_> for V {
            type Value = IntText;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a number, text or null")
            }

            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                Ok(IntText {
                    value: Some(v),
                    raw: None,
                })
            }

            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                Ok(IntText {
                    value: i64::try_from(v).ok(),
                    raw: None,
                })
            }

            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
                #[allow(clippy::cast_possible_truncation)]
                let value = (v.fract() == 0.0 && v.abs() < 9.0e15).then_some(v as i64);
                Ok(IntText { value, raw: None })
            }

            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(IntText {
                    value: v.trim().parse::<i64>().ok(),
                    raw: Some(v.to_owned()),
                })
            }

            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(IntText::default())
            }

            fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(IntText::default())
            }
        }

        d.deserialize_any(V)
    }
}

/// Text sent as a string or a number (`percentage: "100"` or `96.5`, `teacher_id: "12"`,
/// `grade: 4`); `null` is `None`. The text is kept exactly as sent (numbers as JSON writes
/// them).
pub fn text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    d.deserialize_any(Text {
        blank_is_none: false,
    })
}

/// The visitor of [`text`] and the ids.
struct Text {
    /// Whether a blank string is `None` (optional ids) rather than kept as sent.
    blank_is_none: bool,
}

impl Visitor<'_> for Text {
    type Value = Option<String>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string or a number")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        if self.blank_is_none && v.trim().is_empty() {
            return Ok(None);
        }
        Ok(Some(v.to_owned()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        if self.blank_is_none && v.trim().is_empty() {
            return Ok(None);
        }
        Ok(Some(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Some(v.to_string()))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Some(v.to_string()))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        Ok(Some(v.to_string()))
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        Ok(Some(v.to_string()))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
}

/// A required id, sent as a number (almost everywhere) or a string (announcement consent
/// pupil ids, timetable `teacher_id`). Held as text.
pub fn id<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    match text(d)? {
        Some(id) => Ok(id),
        None => Err(de::Error::custom("an id is required, got null")),
    }
}

/// An optional id (number or string, `null` and `""` as `None`).
pub fn opt_id<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    d.deserialize_any(Text {
        blank_is_none: true,
    })
}

/// A list that may be `null` (read as empty).
pub fn list<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Ok(Option::<Vec<T>>::deserialize(d)?.unwrap_or_default())
}

/// One item or a list of them (endpoints documented with either shape).
pub fn one_or_many<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    struct V<T>(PhantomData<T>);

    impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
        type Value = Vec<T>;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("an object or a list of them")
        }

        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            let mut out = Vec::new();
            while let Some(item) = seq.next_element()? {
                out.push(item);
            }
            Ok(out)
        }

        fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
            Ok(vec![T::deserialize(MapAccessDeserializer::new(map))?])
        }

        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(Vec::new())
        }

        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(Vec::new())
        }
    }

    d.deserialize_any(V(PhantomData))
}

/// One item or a list of them, as a list: for `data` documented with either shape.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Many<T>(pub Vec<T>);

impl<T> Default for Many<T> {
    fn default() -> Self {
        Many(Vec::new())
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Many<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        one_or_many(d).map(Many)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use serde::Deserialize;
    use serde_json::json;

    use super::*;

    #[derive(Debug, Deserialize, Default, PartialEq)]
    struct Meta {
        version: Option<String>,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    struct T {
        #[serde(default, deserialize_with = "php_object")]
        meta: Meta,
        #[serde(default, deserialize_with = "php_object")]
        reasons: BTreeMap<String, i64>,
        #[serde(default, deserialize_with = "yes_no")]
        flag: bool,
        #[serde(default, deserialize_with = "int")]
        n: Option<i64>,
        #[serde(default, deserialize_with = "int_or_false")]
        last: Option<u64>,
        #[serde(default, deserialize_with = "text")]
        s: Option<String>,
    }

    fn t(v: serde_json::Value) -> Result<T, serde_json::Error> {
        serde_json::from_value(v)
    }

    #[test]
    fn php_empty_arrays_are_empty_objects() {
        let v = t(json!({"meta": [], "reasons": []})).unwrap();
        assert_eq!(v.meta, Meta::default());
        assert!(v.reasons.is_empty());
        let v = t(json!({"meta": {"version": "27.16.2"}, "reasons": {"Good work": 3}})).unwrap();
        assert_eq!(v.meta.version.as_deref(), Some("27.16.2"));
        assert_eq!(v.reasons["Good work"], 3);
        assert!(
            t(json!({"meta": [1]})).is_err(),
            "a non-empty array is a shape change"
        );
        assert_eq!(t(json!({"meta": null})).unwrap().meta, Meta::default());
    }

    #[test]
    fn yes_no_numbers_and_false() {
        for (raw, want) in [
            (json!("yes"), true),
            (json!("no"), false),
            (json!(1), true),
            (json!(0), false),
            (json!(true), true),
            (json!(null), false),
            (json!(""), false),
        ] {
            assert_eq!(t(json!({ "flag": raw })).unwrap().flag, want, "{raw}");
        }
        assert!(t(json!({"flag": "maybe"})).is_err());
        assert_eq!(t(json!({"n": 0})).unwrap().n, Some(0));
        assert_eq!(t(json!({"n": ""})).unwrap().n, None);
        assert_eq!(t(json!({"n": "12"})).unwrap().n, Some(12));
        assert_eq!(t(json!({"n": 5.0})).unwrap().n, Some(5));
        assert!(t(json!({"n": "soon"})).is_err());
        assert_eq!(t(json!({"last": false})).unwrap().last, None);
        assert_eq!(t(json!({"last": 123})).unwrap().last, Some(123));
        assert_eq!(t(json!({"last": "77"})).unwrap().last, Some(77));
        assert_eq!(t(json!({"last": true})).unwrap().last, None);
        assert_eq!(t(json!({"s": 96.5})).unwrap().s.as_deref(), Some("96.5"));
        assert_eq!(t(json!({"s": "100"})).unwrap().s.as_deref(), Some("100"));
        for n in [0, 7, 10, 4_294_967_296, u64::MAX] {
            assert_eq!(t(json!({ "s": n })).unwrap().s, Some(n.to_string()));
        }
        assert_eq!(t(json!({"s": -12})).unwrap().s.as_deref(), Some("-12"));
        for (raw, want) in [(" YES ", true), ("No", false), ("True", true), (" ", false)] {
            assert_eq!(t(json!({ "flag": raw })).unwrap().flag, want, "{raw:?}");
        }
    }

    #[test]
    fn enums_read_from_the_text_as_read() {
        use crate::wire::ActivityType;

        #[derive(Debug, Deserialize)]
        struct E {
            #[serde(default, deserialize_with = "opt_enum")]
            kind: Option<ActivityType>,
        }
        let e = |v: serde_json::Value| serde_json::from_value::<E>(v).map(|e| e.kind);
        assert_eq!(
            e(json!({"kind": "behaviour"})).unwrap(),
            Some(ActivityType::Behaviour)
        );
        assert_eq!(
            e(json!({"kind": " Detention "})).unwrap(),
            Some(ActivityType::Detention)
        );
        assert_eq!(
            e(json!({"kind": "merit"})).unwrap(),
            Some(ActivityType::Other("merit".into()))
        );
        assert_eq!(e(json!({"kind": null})).unwrap(), None);
        assert_eq!(e(json!({})).unwrap(), None);
        assert!(e(json!({"kind": 3})).is_err(), "a number is a shape change");
        // From bytes too (borrowed text), as the client reads them.
        let b: E = serde_json::from_str(r#"{"kind": "notice"}"#).unwrap();
        assert_eq!(b.kind, Some(ActivityType::Notice));
    }
}
