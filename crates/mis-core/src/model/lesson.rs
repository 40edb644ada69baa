//! Dated timetable entries.

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use super::DateTime;

/// One lesson on one date (cyclic timetables are expanded into these).
///
/// `#[non_exhaustive]`: other crates build one with [`Lesson::new`] (id, date, start and end)
/// and then set the rest, so adding a field later breaks no caller.
///
/// ```
/// use mis_core::model::{DateTime, Lesson, stable_lesson_id};
///
/// let tz = jiff::tz::TimeZone::get("Europe/London").unwrap();
/// let day = jiff::civil::date(2024, 9, 2);
/// let start = DateTime::from_local(day.at(9, 0, 0, 0), &tz).unwrap();
/// let end = DateTime::from_local(day.at(10, 0, 0, 0), &tz).unwrap();
/// let mut l = Lesson::new("go4schools", stable_lesson_id("9A/Ma1", day, "1"), day, start, end);
/// l.period = Some("1".into());
/// l.teachers.push("Mr Smith".into());
/// assert!(!l.cancelled);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Lesson {
    /// Vendor id.
    pub provider: String,
    /// The vendor's id, or a stable hash of class + date + period when it has none.
    pub id: String,
    /// The student the timetable was fetched for, else `null`.
    pub student_id: Option<String>,
    /// The school date.
    pub date: Date,
    /// Start, with the school's UTC offset.
    pub start: DateTime,
    /// End, with the school's UTC offset.
    pub end: DateTime,
    /// Period label (`"1"`, `"P3"`…).
    pub period: Option<String>,
    /// Subject name.
    pub subject: Option<String>,
    /// Class / teaching group label.
    pub group: Option<String>,
    /// Teachers' names.
    pub teachers: Vec<String>,
    /// Rooms.
    pub rooms: Vec<String>,
    /// Whether the lesson is cancelled.
    pub cancelled: bool,
}

impl Lesson {
    /// A lesson with its id, date and times; everything else is empty and it is not cancelled.
    pub fn new(
        provider: impl Into<String>,
        id: impl Into<String>,
        date: Date,
        start: DateTime,
        end: DateTime,
    ) -> Self {
        Lesson {
            provider: provider.into(),
            id: id.into(),
            student_id: None,
            date,
            start,
            end,
            period: None,
            subject: None,
            group: None,
            teachers: Vec::new(),
            rooms: Vec::new(),
            cancelled: false,
        }
    }
}

/// A stable id for a lesson from a vendor that has none: FNV-1a over class, date and period.
///
/// FNV is used (not `std`'s hasher) because the value must be the same in every build and
/// every process: it is written to databases and compared across syncs.
pub fn stable_lesson_id(group: &str, date: Date, period: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for part in [group, &date.to_string(), period] {
        for b in part.bytes().chain(std::iter::once(0x1f)) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    format!("{h:016x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stable_ids_are_stable_and_distinct() {
        let d = jiff::civil::date(2024, 1, 8);
        assert_eq!(
            stable_lesson_id("9X/Ma1", d, "1"),
            stable_lesson_id("9X/Ma1", d, "1")
        );
        assert_ne!(
            stable_lesson_id("9X/Ma1", d, "1"),
            stable_lesson_id("9X/Ma1", d, "2")
        );
        assert_ne!(
            stable_lesson_id("9X/Ma", d, "11"),
            stable_lesson_id("9X/Ma1", d, "1")
        );
        assert_eq!(stable_lesson_id("a", d, "1").len(), 16);
    }
}
