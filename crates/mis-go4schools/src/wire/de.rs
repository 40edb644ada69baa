//! Lenient field decoders shared by the wire types.
//!
//! The vendor's documentation and the clients that talk to the live API disagree on several
//! field types: ids that are numbers in one place and strings in
//! another (`academic_years`, `session_mark_id`, `student_contact_mis_id`), dates sent as
//! `yyyy-MM-ddTHH:mm:ssZ` date-times, booleans documented as strings. These decoders accept
//! every form seen, and still fail with a clear message on real garbage.

use std::fmt;

use jiff::Timestamp;
use jiff::civil::Date;
use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};

/// Reads the date part of `YYYY-MM-DD` or `YYYY-MM-DDTHH:MM:SS\[Z\]`.
///
/// GO 4 Schools sends calendar dates, dates of birth and mark dates as midnight date-times
/// (`2005-01-31T00:00:00Z`, vendor doc "Dates"); the date is what they mean, so the time
/// and offset are dropped rather than converted (converting midnight UTC to London would be
/// right, but a date of birth must not depend on a time zone).
pub fn parse_date(value: &str) -> Option<Date> {
    let v = value.trim();
    let head = v.get(..10)?;
    let rest = &v[10..];
    if !(rest.is_empty() || rest.starts_with(['T', 't', ' '])) {
        return None;
    }
    if head.as_bytes()[4] != b'-' || head.as_bytes()[7] != b'-' {
        return None;
    }
    head.parse().ok()
}

/// Reads an instant: RFC 3339 with `Z` or an offset, or an ISO date-time without one, which
/// the vendor documents as UTC ("UTC date of the event", vendor doc, Behaviour Events).
pub fn parse_utc(value: &str) -> Option<Timestamp> {
    let v = value.trim();
    if let Ok(ts) = v.parse::<Timestamp>() {
        return Some(ts);
    }
    let dt: jiff::civil::DateTime = v.parse().ok()?;
    dt.to_zoned_datetime(jiff::tz::TimeZone::UTC)
        .ok()
        .map(|z| z.timestamp())
}

/// An optional value written as a string and read by `parse`: `null`, a missing value and
/// `""` are `None`; any other string must parse (dates and date-times share this shape).
struct OptParsed<T> {
    parse: fn(&str) -> Option<T>,
    expected: &'static str,
}

impl<'de, T> Visitor<'de> for OptParsed<T> {
    type Value = Option<T>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "{} or null", self.expected)
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        if v.trim().is_empty() {
            return Ok(None);
        }
        (self.parse)(v)
            .map(Some)
            .ok_or_else(|| E::custom(format!("expected {}", self.expected)))
    }
}

/// `Option<Date>` from a date or midnight date-time; `null` and `""` are `None`.
pub fn opt_date<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Date>, D::Error> {
    d.deserialize_option(OptParsed {
        parse: parse_date,
        expected: "a date (YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ)",
    })
}

/// A required date (see [`parse_date`]).
pub fn date<'de, D: Deserializer<'de>>(d: D) -> Result<Date, D::Error> {
    opt_date(d)?.ok_or_else(|| de::Error::custom("expected a date, got null"))
}

/// Writes an optional date as `YYYY-MM-DD` (for re-serialising wire types).
pub fn ser_opt_date<S: Serializer>(v: &Option<Date>, s: S) -> Result<S::Ok, S::Error> {
    match v {
        Some(d) => s.collect_str(d),
        None => s.serialize_none(),
    }
}

/// Writes a date as `YYYY-MM-DD`.
pub fn ser_date<S: Serializer>(v: &Date, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(v)
}

/// `Option<Timestamp>` from a UTC date-time; `null` and `""` are `None`.
pub fn opt_utc<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Timestamp>, D::Error> {
    d.deserialize_option(OptParsed {
        parse: parse_utc,
        expected: "a date-time (YYYY-MM-DDTHH:MM:SSZ)",
    })
}

/// A number that may arrive as a JSON number or as a string of digits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Num(pub i64);

struct NumVisitor;

impl Visitor<'_> for NumVisitor {
    type Value = Num;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an integer (as a number or a string)")
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Num, E> {
        Ok(Num(v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Num, E> {
        i64::try_from(v)
            .map(Num)
            .map_err(|_| E::custom("integer out of range"))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Num, E> {
        if v.fract() == 0.0 && v.abs() < 9.0e15 {
            Ok(Num(v as i64))
        } else {
            Err(E::custom("expected a whole number"))
        }
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Num, E> {
        v.trim()
            .parse::<i64>()
            .map(Num)
            .map_err(|_| E::custom("expected an integer"))
    }
}

impl<'de> Deserialize<'de> for Num {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(NumVisitor)
    }
}

/// An integer id or count, number or string.
pub fn num<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    Num::deserialize(d).map(|n| n.0)
}

/// An optional integer, number or string; `null` and `""` are `None`.
pub fn opt_num<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Either {
        Num(Num),
        Text(String),
    }
    match Option::<Either>::deserialize(d)? {
        None => Ok(None),
        Some(Either::Num(n)) => Ok(Some(n.0)),
        Some(Either::Text(t)) if t.trim().is_empty() => Ok(None),
        Some(Either::Text(_)) => Err(de::Error::custom("expected an integer or null")),
    }
}

/// A list of integers, each a number or a string; `null` is an empty list.
pub fn nums<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<i64>, D::Error> {
    Ok(Option::<Vec<Num>>::deserialize(d)?
        .unwrap_or_default()
        .into_iter()
        .map(|n| n.0)
        .collect())
}

/// Text that may arrive as a string or a number (`student_mis_id`, `year_group`,
/// `group_code`); `null` is `None`.
pub fn opt_text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    struct V;
    impl<'de> Visitor<'de> for V {
        type Value = Option<String>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a string, a number or null")
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_any(self)
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            Ok(Some(v.to_owned()))
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
    }
    d.deserialize_option(V)
}

/// A boolean that may arrive as `true`/`false`, `"true"`/`"false"`, `1`/`0` or null (the
/// attendance-code flags are documented as strings).
pub fn opt_bool<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    struct V;
    impl<'de> Visitor<'de> for V {
        type Value = Option<bool>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a boolean or null")
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_any(self)
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
            match v.trim().to_ascii_lowercase().as_str() {
                "true" | "yes" | "y" | "1" => Ok(Some(true)),
                "false" | "no" | "n" | "0" => Ok(Some(false)),
                "" => Ok(None),
                _ => Err(E::custom("expected a boolean")),
            }
        }
    }
    d.deserialize_option(V)
}

/// `bool` that treats null as `false`.
pub fn flag<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    Ok(opt_bool(d)?.unwrap_or(false))
}

/// A number that may be fractional and may arrive as a string (`"mark": "5.00000"`).
pub fn opt_f64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Either {
        Num(f64),
        Text(String),
    }
    match Option::<Either>::deserialize(d)? {
        None => Ok(None),
        Some(Either::Num(n)) => Ok(Some(n)),
        Some(Either::Text(t)) if t.trim().is_empty() => Ok(None),
        Some(Either::Text(t)) => t
            .trim()
            .parse()
            .map(Some)
            .map_err(|_| de::Error::custom("expected a number")),
    }
}

/// A list that may be `null` (e.g. behaviour events' `student_ids`).
pub fn list<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Ok(Option::<Vec<T>>::deserialize(d)?.unwrap_or_default())
}

/// Serialises like the wrapped value (for `Num` in re-serialised wire types).
impl Serialize for Num {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_i64(self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Deserialize, Debug)]
    struct Row {
        #[serde(default, deserialize_with = "opt_date")]
        d: Option<Date>,
        #[serde(default, deserialize_with = "opt_num")]
        n: Option<i64>,
        #[serde(default, deserialize_with = "opt_bool")]
        b: Option<bool>,
        #[serde(default, deserialize_with = "opt_text")]
        t: Option<String>,
        #[serde(default, deserialize_with = "opt_f64")]
        f: Option<f64>,
        #[serde(default, deserialize_with = "opt_utc")]
        u: Option<Timestamp>,
    }

    fn row(json: &str) -> Row {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn dates_in_both_forms() {
        let d = jiff::civil::date(2005, 1, 31);
        assert_eq!(row(r#"{"d":"2005-01-31T00:00:00Z"}"#).d, Some(d));
        assert_eq!(row(r#"{"d":"2005-01-31"}"#).d, Some(d));
        assert_eq!(row(r#"{"d":null}"#).d, None);
        assert_eq!(row(r#"{"d":""}"#).d, None);
        assert_eq!(row("{}").d, None);
        assert!(serde_json::from_str::<Row>(r#"{"d":"31/01/2005"}"#).is_err());
        assert!(serde_json::from_str::<Row>(r#"{"d":"2005-13-01"}"#).is_err());
        assert_eq!(parse_date("2005-01-31x"), None);
    }

    #[test]
    fn numbers_booleans_text_in_any_dress() {
        assert_eq!(row(r#"{"n":12}"#).n, Some(12));
        assert_eq!(row(r#"{"n":"12"}"#).n, Some(12));
        assert_eq!(row(r#"{"n":""}"#).n, None);
        assert!(serde_json::from_str::<Row>(r#"{"n":"twelve"}"#).is_err());
        assert_eq!(row(r#"{"b":"true"}"#).b, Some(true));
        assert_eq!(row(r#"{"b":false}"#).b, Some(false));
        assert_eq!(row(r#"{"t":12345}"#).t.as_deref(), Some("12345"));
        assert_eq!(row(r#"{"t":"7/As1"}"#).t.as_deref(), Some("7/As1"));
        assert_eq!(row(r#"{"f":"5.00000"}"#).f, Some(5.0));
        assert_eq!(row(r#"{"f":2}"#).f, Some(2.0));
    }

    #[test]
    fn instants_are_utc() {
        let want: Timestamp = "2019-01-31T12:45:13Z".parse().unwrap();
        assert_eq!(row(r#"{"u":"2019-01-31T12:45:13Z"}"#).u, Some(want));
        assert_eq!(row(r#"{"u":"2019-01-31T12:45:13"}"#).u, Some(want));
        assert_eq!(row(r#"{"u":"2019-01-31T13:45:13+01:00"}"#).u, Some(want));
        assert!(serde_json::from_str::<Row>(r#"{"u":"noon"}"#).is_err());
    }
}
