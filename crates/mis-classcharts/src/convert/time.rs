//! ClassCharts' date-times, placed in the school's zone (every model date-time carries the
//! school's offset).
//!
//! Two shapes come over the wire:
//! - **no zone**: activity `timestamp` is `"2023-04-21 10:00:00"` — wall-clock time at the
//!   school, so it is placed in the pupil's zone (reading it as UTC would move every point by
//!   an hour in British Summer Time);
//! - **with an offset**: lesson `start_time` is `"2023-09-26T08:45:00+01:00"` — an instant,
//!   re-expressed in the school's zone so every model date-time carries the school's offset.

use std::str::FromStr;

use jiff::tz::TimeZone;
use mis_core::DateTime;

/// Whether the text after the date part carries a UTC offset or `Z`.
fn has_offset(value: &str) -> bool {
    value
        .get(11..)
        .is_some_and(|rest| rest.contains(['Z', 'z', '+']) || rest.contains('-'))
}

/// A zone-less `YYYY-MM-DD HH:MM[:SS]` (or with `T`) as wall-clock time in `tz`. A value that
/// does carry an offset is read as that instant instead. The error says what was expected.
pub fn local_date_time(value: &str, tz: &TimeZone) -> Result<DateTime, String> {
    let v = value.trim();
    if has_offset(v) {
        return zoned_date_time(v, tz);
    }
    let civil = jiff::civil::DateTime::from_str(v)
        .map_err(|_| format!("{v:?} is not a date-time in YYYY-MM-DD HH:MM:SS form"))?;
    // A date alone would parse as midnight: refuse it, a time was promised.
    if v.len() <= 10 {
        return Err(format!("{v:?} has a date but no time"));
    }
    DateTime::from_local(civil, tz).map_err(|e| e.message().to_owned())
}

/// An ISO date-time with an offset, as the same instant in `tz`. Without an offset it is
/// read as wall-clock time in `tz` (lenient: some fixtures drop it).
pub fn zoned_date_time(value: &str, tz: &TimeZone) -> Result<DateTime, String> {
    let v = value.trim();
    if !has_offset(v) {
        return local_date_time(v, tz);
    }
    let parsed = DateTime::from_str(v)
        .map_err(|_| format!("{v:?} is not an ISO date-time with a UTC offset"))?;
    Ok(DateTime::new(
        parsed.timestamp().to_zoned_datetime(tz.clone()),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn london() -> TimeZone {
        TimeZone::get("Europe/London").unwrap()
    }

    #[test]
    fn zone_less_timestamps_are_school_wall_clock() {
        // BST: 10:00 in London is 09:00 UTC, so the offset is +01:00.
        let t = local_date_time("2023-04-21 10:00:00", &london()).unwrap();
        assert_eq!(t.to_string(), "2023-04-21T10:00:00+01:00");
        let t = local_date_time("2024-01-08T09:05:00", &london()).unwrap();
        assert_eq!(t.to_string(), "2024-01-08T09:05:00+00:00");
        let t = local_date_time("2024-01-08 09:05", &london()).unwrap();
        assert_eq!(t.to_string(), "2024-01-08T09:05:00+00:00");
        // Another zone, when the pupil's school says so.
        let dubai = TimeZone::get("Asia/Dubai").unwrap();
        let t = local_date_time("2024-01-08 09:05:00", &dubai).unwrap();
        assert_eq!(t.to_string(), "2024-01-08T09:05:00+04:00");
        for bad in ["2023-04-21", "yesterday", "2023-13-01 10:00:00", ""] {
            assert!(local_date_time(bad, &london()).is_err(), "{bad}");
        }
    }

    #[test]
    fn offsets_are_kept_as_instants_in_the_school_zone() {
        let t = zoned_date_time("2023-09-26T08:45:00+01:00", &london()).unwrap();
        assert_eq!(t.to_string(), "2023-09-26T08:45:00+01:00");
        // The same instant sent in UTC comes back with the school's offset.
        let t = zoned_date_time("2023-09-26T07:45:00Z", &london()).unwrap();
        assert_eq!(t.to_string(), "2023-09-26T08:45:00+01:00");
        let t = zoned_date_time("2023-09-26T07:45:00+00:00", &london()).unwrap();
        assert_eq!(t.to_string(), "2023-09-26T08:45:00+01:00");
        // No offset: wall clock.
        let t = zoned_date_time("2023-09-26T08:45:00", &london()).unwrap();
        assert_eq!(t.to_string(), "2023-09-26T08:45:00+01:00");
        assert!(zoned_date_time("2023-09-26T25:45:00+01:00", &london()).is_err());
    }
}
