//! Helpers for vendors that publish a *cyclic* timetable and wall-clock times of day.
//!
//! Several MIS send a timetable as "week 1 / week 2, Monday, period 3, 09:00–10:00" plus a
//! calendar saying which cycle week each school date is, instead of dated lessons (GO 4
//! Schools; HUBmis and ManageBac rotations look the same). Turning that into dated
//! [`Lesson`](crate::Lesson)s needs the same three steps everywhere, so they live here once:
//!
//! * [`time_of_day`] reads a vendor's time of day, whatever it is wrapped in
//!   (`"09:00"`, `"09:00:00"`, or a date-time on a dummy date such as GO 4 Schools'
//!   `"2020-01-01T09:00:00Z"`), keeping only the wall-clock time;
//! * [`parse_weekday`] reads a weekday name or number;
//! * [`Cycle`] indexes the entries by (cycle week, weekday) and [`Cycle::expand`] lays them
//!   over the calendar's dated school days.
//!
//! Placing a date and a time of day in the school's zone is
//! [`DateTime::from_local`](crate::DateTime::from_local).

use std::collections::BTreeMap;

use jiff::civil::{Date, Time, Weekday};

use crate::error::{Error, Result};

/// The wall-clock time of day in a vendor's time value, ignoring any date and offset.
///
/// Accepts `HH:MM`, `HH:MM:SS`, `HH:MM:SS.fff`, and a date-time in ISO form
/// (`2020-01-01T09:00:00Z`, `2020-01-01 09:00:00`, `…+01:00`), of which only the time is
/// read. Vendors that send a time on a dummy date with a `Z` mean the school's wall-clock
/// time, not UTC: reading it as UTC would move every lesson by an hour in summer time.
/// Bad input is `InvalidInput` naming the value.
pub fn time_of_day(value: &str) -> Result<Time> {
    let v = value.trim();
    let bad = || {
        Error::invalid_input(format!(
            "{value:?} is not a time of day (expected HH:MM[:SS] or a date-time)"
        ))
    };
    // The time part of a date-time: after `T` or a space following a `YYYY-MM-DD`.
    let time_part = match v.get(10..11) {
        Some("T" | "t" | " ") if v.get(..10).is_some_and(|d| d.parse::<Date>().is_ok()) => &v[11..],
        _ => v,
    };
    // Cut any offset: `Z`, `+hh:mm`, `-hh:mm` after the seconds.
    let end = time_part
        .find(['Z', 'z', '+', '-'])
        .unwrap_or(time_part.len());
    let clock = &time_part[..end];
    let shaped = clock.len() >= 5
        && clock.as_bytes()[2] == b':'
        && clock
            .bytes()
            .all(|b| b.is_ascii_digit() || b == b':' || b == b'.');
    if !shaped {
        return Err(bad());
    }
    clock.parse::<Time>().map_err(|_| bad())
}

/// A weekday from its English name (`Monday`, `mon`, case-insensitive) or its ISO number
/// (`1` = Monday … `7` = Sunday). `None` for anything else.
pub fn parse_weekday(value: &str) -> Option<Weekday> {
    let v = value.trim().to_ascii_lowercase();
    let day = match v.as_str() {
        "monday" | "mon" | "1" => Weekday::Monday,
        "tuesday" | "tue" | "tues" | "2" => Weekday::Tuesday,
        "wednesday" | "wed" | "3" => Weekday::Wednesday,
        "thursday" | "thu" | "thur" | "thurs" | "4" => Weekday::Thursday,
        "friday" | "fri" | "5" => Weekday::Friday,
        "saturday" | "sat" | "6" => Weekday::Saturday,
        "sunday" | "sun" | "7" => Weekday::Sunday,
        _ => return None,
    };
    Some(day)
}

/// Timetable entries indexed by their place in a multi-week cycle: (week, weekday).
///
/// An entry with no week (`None`) happens in every week of the cycle, for vendors whose
/// one-week timetables leave the week out.
#[derive(Debug, Clone)]
pub struct Cycle<T> {
    by_day: BTreeMap<(Option<u8>, i8), Vec<T>>,
}

impl<T> Default for Cycle<T> {
    fn default() -> Self {
        Cycle {
            by_day: BTreeMap::new(),
        }
    }
}

impl<T> Cycle<T> {
    /// An empty cycle.
    pub fn new() -> Self {
        Cycle::default()
    }

    /// Adds an entry on `weekday` of cycle week `week` (`None`: every week).
    pub fn insert(&mut self, week: Option<u8>, weekday: Weekday, entry: T) {
        self.by_day
            .entry((week, weekday.to_monday_one_offset()))
            .or_default()
            .push(entry);
    }

    /// Whether there are no entries.
    pub fn is_empty(&self) -> bool {
        self.by_day.is_empty()
    }

    /// The entries on `weekday` of cycle week `week`, in insertion order: those for that week
    /// first, then those for every week.
    pub fn on(&self, week: u8, weekday: Weekday) -> impl Iterator<Item = &T> {
        let day = weekday.to_monday_one_offset();
        let specific = self.by_day.get(&(Some(week), day));
        let every = self.by_day.get(&(None, day));
        specific.into_iter().chain(every).flatten()
    }

    /// Lays the cycle over dated school days: for each `(date, week)` (in the order given),
    /// every entry of that week and weekday. Dates that are not school days must be left out
    /// by the caller (the calendar knows about holidays; the cycle does not).
    pub fn expand<I>(&self, days: I) -> Vec<(Date, &T)>
    where
        I: IntoIterator<Item = (Date, u8)>,
    {
        let mut out = Vec::new();
        for (date, week) in days {
            out.extend(self.on(week, date.weekday()).map(|entry| (date, entry)));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::{date, time};

    #[test]
    fn times_of_day_in_every_wrapping() {
        for (input, want) in [
            ("09:00", time(9, 0, 0, 0)),
            ("09:05:30", time(9, 5, 30, 0)),
            (" 13:45:00 ", time(13, 45, 0, 0)),
            ("2020-01-01T09:00:00Z", time(9, 0, 0, 0)),
            ("2020-01-01T15:20:00", time(15, 20, 0, 0)),
            ("2020-01-01 08:40:00", time(8, 40, 0, 0)),
            ("2020-01-01T10:10:00+01:00", time(10, 10, 0, 0)),
            ("2020-01-01T10:10:00-05:00", time(10, 10, 0, 0)),
            ("2020-01-01T10:10:00.000Z", time(10, 10, 0, 0)),
        ] {
            assert_eq!(time_of_day(input).unwrap(), want, "{input}");
        }
    }

    #[test]
    fn bad_times_name_the_value() {
        for input in [
            "",
            "9am",
            "25:00",
            "2020-01-01",
            "12",
            "ab:cd",
            "2020-13-01T09:00:00Z",
        ] {
            let e = time_of_day(input).unwrap_err();
            assert_eq!(e.kind(), crate::ErrorKind::InvalidInput, "{input}");
            assert!(e.to_string().contains(&format!("{input:?}")), "{e}");
        }
    }

    #[test]
    fn weekdays_by_name_and_number() {
        assert_eq!(parse_weekday("Monday"), Some(Weekday::Monday));
        assert_eq!(parse_weekday(" FRIDAY "), Some(Weekday::Friday));
        assert_eq!(parse_weekday("thu"), Some(Weekday::Thursday));
        assert_eq!(parse_weekday("7"), Some(Weekday::Sunday));
        assert_eq!(parse_weekday("Funday"), None);
        assert_eq!(parse_weekday("0"), None);
    }

    #[test]
    fn a_two_week_cycle_expands_over_the_calendar() {
        let mut c = Cycle::new();
        c.insert(Some(1), Weekday::Monday, "maths w1");
        c.insert(Some(2), Weekday::Monday, "art w2");
        c.insert(None, Weekday::Monday, "tutor");
        c.insert(Some(1), Weekday::Tuesday, "science w1");
        assert!(!c.is_empty());
        // Mon 2 Sep week 1, Tue 3 Sep week 1, Mon 9 Sep week 2; Wed 4 Sep has nothing.
        let days = [
            (date(2024, 9, 2), 1),
            (date(2024, 9, 3), 1),
            (date(2024, 9, 4), 1),
            (date(2024, 9, 9), 2),
        ];
        let got: Vec<(Date, &str)> = c.expand(days).into_iter().map(|(d, e)| (d, *e)).collect();
        assert_eq!(
            got,
            [
                (date(2024, 9, 2), "maths w1"),
                (date(2024, 9, 2), "tutor"),
                (date(2024, 9, 3), "science w1"),
                (date(2024, 9, 9), "art w2"),
                (date(2024, 9, 9), "tutor"),
            ]
        );
        assert_eq!(Cycle::<u8>::new().expand(days).len(), 0);
    }
}
