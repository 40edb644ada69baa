//! Pure functions from the wire types to the mis-core model. No I/O, so every rule is
//! unit-tested here.

mod attendance;
mod calendar;
mod group;
mod staff;
mod student;

pub use attendance::{mark, mark_mapped, register_slot, write_record};
pub use calendar::{academic_year, is_term, term};
pub use group::group;
pub use staff::staff;
pub use student::{enrolment_status, is_known_status, is_on_roll, student};

use jiff::civil::Date;
use mis_core::{DecodeDetail, Error};

use crate::VENDOR;

/// Trimmed text, `None` when absent or blank (the vendor may send `""` for "not recorded").
pub(crate) fn text(value: Option<&str>) -> Option<String> {
    value
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

/// A wire date: `YYYY-MM-DD`, or a date-time whose first ten characters are one
/// (`2024-09-09 00:00:00`, `2024-09-09T00:00:00Z`), since nothing documents which v2 sends.
pub(crate) fn wire_date(value: &str) -> Option<Date> {
    let v = value.trim();
    let head = match v.len() {
        10 => v,
        n if n > 10 && matches!(v.as_bytes()[10], b' ' | b'T') => &v[..10],
        _ => return None,
    };
    mis_core::query::parse_date("date", head).ok()
}

/// A `Decode` error for a record that lacks what the model needs. Names the field and the
/// record's id when known, never its contents (student data is personal data).
pub(crate) fn missing(operation: &str, field: &str, what: &str, id: Option<&str>) -> Error {
    let whose = id
        .map(|i| format!(" (record id {i:?})"))
        .unwrap_or_default();
    Error::decode(
        VENDOR,
        operation,
        format!("{what}{whose}"),
        DecodeDetail::new(field, b""),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_in_the_shapes_a_vendor_may_send() {
        let d = jiff::civil::date(2024, 9, 9);
        assert_eq!(wire_date("2024-09-09"), Some(d));
        assert_eq!(wire_date(" 2024-09-09 "), Some(d));
        assert_eq!(wire_date("2024-09-09 08:45:00"), Some(d));
        assert_eq!(wire_date("2024-09-09T08:45:00Z"), Some(d));
        for bad in [
            "",
            "09/09/2024",
            "2024-9-9",
            "2024-13-01",
            "20240909",
            "2024-09-09x",
        ] {
            assert_eq!(wire_date(bad), None, "{bad}");
        }
    }

    #[test]
    fn blank_text_is_absent() {
        assert_eq!(text(Some("  Ada ")), Some("Ada".into()));
        assert_eq!(text(Some("  ")), None);
        assert_eq!(text(None), None);
    }
}
