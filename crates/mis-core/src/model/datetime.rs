//! A date-time with the school's UTC offset, written as RFC 3339.

use std::fmt;
use std::str::FromStr;

use jiff::tz::{Offset, TimeZone};
use jiff::{Timestamp, ZonedDateTime};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::{Error, Result};

/// An instant together with the school's UTC offset at that instant.
///
/// Serialises as RFC 3339 with the offset (`2024-01-08T09:00:00+00:00`), never as UTC `Z` and
/// never with a bracketed zone name, because that is what the model's consumers (CSV, SQL,
/// other languages) read without surprises.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct DateTime(ZonedDateTime);

impl DateTime {
    /// Wraps a zoned date-time.
    pub fn new(zoned: ZonedDateTime) -> Self {
        DateTime(zoned)
    }

    /// A wall-clock date and time in `tz` (the school's zone). In a DST gap or fold the
    /// compatible interpretation is used (gap: later; fold: earlier), as most MIS do.
    pub fn from_local(dt: jiff::civil::DateTime, tz: &TimeZone) -> Result<Self> {
        tz.to_ambiguous_zoned_datetime(dt)
            .compatible()
            .map(DateTime)
            .map_err(|e| Error::invalid_input(format!("cannot place {dt} in the time zone: {e}")))
    }

    /// The zoned value.
    pub fn zoned(&self) -> &ZonedDateTime {
        &self.0
    }

    /// The instant.
    pub fn timestamp(&self) -> Timestamp {
        self.0.timestamp()
    }

    /// The civil (wall-clock) date at the school.
    pub fn date(&self) -> jiff::civil::Date {
        self.0.date()
    }
}

impl From<ZonedDateTime> for DateTime {
    fn from(z: ZonedDateTime) -> Self {
        DateTime(z)
    }
}

impl fmt::Display for DateTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let offset = self.0.offset();
        let dt = self.0.datetime();
        let secs = offset.seconds();
        let sign = if secs < 0 { '-' } else { '+' };
        let abs = secs.unsigned_abs();
        write!(
            f,
            "{}T{}{}{:02}:{:02}",
            dt.date(),
            dt.time().strftime("%H:%M:%S"),
            sign,
            abs / 3600,
            (abs % 3600) / 60
        )
    }
}

impl fmt::Debug for DateTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl FromStr for DateTime {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        let bad = |e: &dyn fmt::Display| {
            Error::invalid_input(format!(
                "not an RFC 3339 date-time with offset: {s:?} ({e})"
            ))
        };
        let pieces = jiff::fmt::temporal::Pieces::parse(s).map_err(|e| bad(&e))?;
        let offset: Offset = match pieces.offset() {
            Some(jiff::fmt::temporal::PiecesOffset::Numeric(n)) => n.offset(),
            Some(jiff::fmt::temporal::PiecesOffset::Zulu) => Offset::UTC,
            _ => return Err(bad(&"no UTC offset")),
        };
        let ts: Timestamp = s.parse().map_err(|e| bad(&e))?;
        Ok(DateTime(ts.to_zoned_datetime(TimeZone::fixed(offset))))
    }
}

impl Serialize for DateTime {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for DateTime {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_rfc3339_with_the_school_offset() {
        let london = TimeZone::get("Europe/London").unwrap();
        let winter =
            DateTime::from_local(jiff::civil::date(2024, 1, 8).at(9, 0, 0, 0), &london).unwrap();
        assert_eq!(winter.to_string(), "2024-01-08T09:00:00+00:00");
        let summer =
            DateTime::from_local(jiff::civil::date(2024, 6, 3).at(9, 0, 0, 0), &london).unwrap();
        assert_eq!(summer.to_string(), "2024-06-03T09:00:00+01:00");
        let json = serde_json::to_string(&summer).unwrap();
        assert_eq!(json, "\"2024-06-03T09:00:00+01:00\"");
        let back: DateTime = serde_json::from_str(&json).unwrap();
        assert_eq!(back.timestamp(), summer.timestamp());
        assert_eq!(back.to_string(), summer.to_string());
    }

    #[test]
    fn negative_offsets_and_bad_input() {
        let dt: DateTime = "2024-03-01T08:30:00-05:30".parse().unwrap();
        assert_eq!(dt.to_string(), "2024-03-01T08:30:00-05:30");
        assert!("2024-03-01T08:30:00".parse::<DateTime>().is_err());
        assert!("yesterday".parse::<DateTime>().is_err());
    }
}
