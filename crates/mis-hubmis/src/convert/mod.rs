//! Pure functions from the wire types to the mis-core model. No I/O: the provider fetches,
//! these convert, and the unit tests below each function pin the mapping down.

pub mod attendance;
pub mod behaviour;
pub mod calendar;
pub mod codes;
pub mod staff;
pub mod student;
pub mod timetable;

use jiff::civil::Date;
use mis_core::{DecodeDetail, Error};

use crate::config::VENDOR;

/// Text that is not empty once trimmed, trimmed.
pub(crate) fn nonempty(value: Option<&str>) -> Option<String> {
    value
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
}

/// A `YYYY-MM-DD` date, also read from the front of a date-time (`2024-09-02T00:00:00Z`),
/// since the document writes dates both ways.
pub(crate) fn parse_date(value: &str) -> Option<Date> {
    let v = value.trim();
    v.get(..10)
        .filter(|d| d.as_bytes().get(4) == Some(&b'-') && d.as_bytes().get(7) == Some(&b'-'))
        .and_then(|d| d.parse().ok())
}

/// A record the model cannot be built from: a `Decode` error naming the operation and field.
pub(crate) fn bad_record(operation: &str, path: &str, message: impl Into<String>) -> Error {
    Error::decode(VENDOR, operation, message, DecodeDetail::new(path, b""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_with_or_without_a_time() {
        let d = jiff::civil::date(2024, 9, 2);
        assert_eq!(parse_date("2024-09-02"), Some(d));
        assert_eq!(parse_date(" 2024-09-02T00:00:00Z"), Some(d));
        assert_eq!(parse_date("2024-9-2"), None);
        assert_eq!(parse_date("02/09/2024"), None);
        assert_eq!(parse_date(""), None);
        assert_eq!(nonempty(Some("  ")), None);
        assert_eq!(nonempty(Some(" a ")).as_deref(), Some("a"));
    }
}
