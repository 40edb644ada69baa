//! Academic years as GO 4 Schools names them, the terms its calendar implies, and year-group
//! path segments.
//!
//! The academic year in a GO path (vendor doc: `/academic-years/{academic_year}/…`) is the
//! calendar year in which the school year *ends*: 2024/25 is `2025`. English school years run
//! from 1 September to 31 August, so a date from September on belongs to the next calendar
//! year's academic year.

use jiff::civil::{Date, date};
use mis_core::{AcademicYear, DateRange, Error, Result, Term};

use super::VENDOR;
use crate::wire::{CalendarDay, DayType};

/// The longest closure inside a term: a weekend with a bank holiday or INSET-free day on
/// either side. A longer run of days without school is a holiday between two terms.
const LONGEST_CLOSURE_IN_TERM: i64 = 4;

/// The earliest and latest academic years accepted in a path (a typo guard, not a vendor
/// limit).
pub const YEARS: std::ops::RangeInclusive<i32> = 1990..=2200;

/// The GO 4 Schools academic year `date` falls in: `2024-09-02` → `2025`, `2025-08-31` →
/// `2025`.
pub fn academic_year_of(d: Date) -> i32 {
    let y = i32::from(d.year());
    if d.month() >= 9 { y + 1 } else { y }
}

/// 1 September of the year before to 31 August of `year`. `InvalidInput` outside [`YEARS`].
pub fn academic_year_range(year: i32) -> Result<DateRange> {
    if !YEARS.contains(&year) {
        return Err(Error::invalid_input(format!(
            "academic year {year} is out of range (GO 4 Schools names a year by the calendar \
             year it ends in, e.g. 2025 for 2024/25)"
        )));
    }
    // In range by the check above, so these dates exist.
    let end = year as i16;
    DateRange::new(date(end - 1, 9, 1), date(end, 8, 31))
}

/// `2024/2025` for `2025`.
pub fn academic_year_name(year: i32) -> String {
    format!("{}/{}", year - 1, year)
}

/// The model's academic year for GO's `year`.
pub fn academic_year(year: i32) -> Result<AcademicYear> {
    let range = academic_year_range(year)?;
    Ok(AcademicYear::new(
        VENDOR,
        year.to_string(),
        academic_year_name(year),
        range.from(),
        range.to(),
    ))
}

/// The academic years `range` touches, each with the part of `range` inside it, in order.
/// A range over 1 September gives two parts.
pub fn split_by_academic_year(range: DateRange) -> Vec<(i32, DateRange)> {
    let mut out = Vec::new();
    let mut from = range.from();
    loop {
        let year = academic_year_of(from);
        let year_end = date(year as i16, 8, 31);
        let to = year_end.min(range.to());
        // `from <= to` holds: `from` is inside `year`, so on or before its 31 August.
        if let Ok(part) = DateRange::new(from, to) {
            out.push((year, part));
        }
        if to >= range.to() {
            break;
        }
        match to.tomorrow() {
            Ok(next) => from = next,
            Err(_) => break,
        }
    }
    out
}

/// The year-group path segment: `Reception` for Reception (`R`, `Rec`, `0`), else the year
/// number `1`–`14` (vendor doc: "eg. 'Reception', '11'"). Anything else is `InvalidInput`
/// naming the value.
pub fn year_group_segment(year_group: &str) -> Result<String> {
    let v = year_group.trim();
    let lower = v.to_ascii_lowercase();
    if matches!(lower.as_str(), "r" | "rec" | "reception" | "0" | "year r") {
        return Ok("Reception".to_owned());
    }
    let digits = lower.strip_prefix("year").map(str::trim).unwrap_or(&lower);
    match digits.parse::<u8>() {
        Ok(n @ 1..=14) => Ok(n.to_string()),
        _ => Err(Error::invalid_input(format!(
            "year group {year_group:?} is not one GO 4 Schools knows: use Reception or 1-14"
        ))),
    }
}

/// The terms of academic year `year`, from its calendar (`GET …/timetables/calendar`).
///
/// GO 4 Schools publishes no term dates, only each date's day type. School days (`Open` or
/// `Training`) form runs that no closure longer than four days interrupts (a half-term or
/// holiday is a week or more); each run belongs to the term of the month it starts in, as
/// English schools name them (September to December Autumn, January to March Spring, April
/// on Summer), so a term runs from its first school day to its last, half-term included.
/// The id is `<year>:<season>` (`2025:autumn`).
pub fn terms(year: i32, calendar: &[CalendarDay]) -> Vec<Term> {
    let mut school_days: Vec<Date> = calendar
        .iter()
        .filter(|d| matches!(d.day_type_code, DayType::Open | DayType::Training))
        .map(|d| d.date)
        .collect();
    school_days.sort_unstable();
    school_days.dedup();
    let mut runs: Vec<(Date, Date)> = Vec::new();
    for day in school_days {
        match runs.last_mut() {
            Some((_, last)) if gap_days(*last, day) <= LONGEST_CLOSURE_IN_TERM => *last = day,
            _ => runs.push((day, day)),
        }
    }
    let season = |d: Date| match d.month() {
        9..=12 => "Autumn",
        1..=3 => "Spring",
        _ => "Summer",
    };
    // Runs are in date order, so a season's runs are consecutive.
    let mut out: Vec<Term> = Vec::new();
    for (from, to) in runs {
        let name = season(from);
        match out.last_mut() {
            Some(term) if term.name == name => term.end_date = to,
            _ => {
                let id = format!("{year}:{}", name.to_ascii_lowercase());
                let mut term = Term::new(VENDOR, id, name, from, to);
                term.academic_year_id = Some(year.to_string());
                out.push(term);
            }
        }
    }
    out
}

/// The days strictly between `a` and `b` (`a` before `b`).
fn gap_days(a: Date, b: Date) -> i64 {
    let days = a.until(b).map(|span| span.get_days()).unwrap_or(i32::MAX);
    i64::from(days) - 1
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(d: Date, kind: DayType) -> CalendarDay {
        CalendarDay {
            timetable_id: None,
            week: None,
            date: d,
            day_type_code: kind,
        }
    }

    #[test]
    fn terms_run_from_first_to_last_school_day_across_half_term() {
        // Autumn's two halves around a week's half-term holiday (a bank-holiday Friday
        // inside the second half), a Christmas holiday, and spring ending in April.
        let mut calendar = Vec::new();
        let open = |from: Date, to: Date, calendar: &mut Vec<CalendarDay>| {
            let mut d = from;
            while d <= to {
                let weekend = matches!(
                    d.weekday(),
                    jiff::civil::Weekday::Saturday | jiff::civil::Weekday::Sunday
                );
                calendar.push(day(
                    d,
                    if weekend {
                        DayType::Closed
                    } else {
                        DayType::Open
                    },
                ));
                d = d.tomorrow().unwrap();
            }
        };
        calendar.push(day(date(2024, 9, 2), DayType::Training));
        open(date(2024, 9, 3), date(2024, 10, 25), &mut calendar);
        open(date(2024, 11, 4), date(2024, 12, 20), &mut calendar);
        calendar.retain(|d| d.date != date(2024, 11, 29));
        open(date(2025, 1, 6), date(2025, 4, 11), &mut calendar);
        open(date(2025, 4, 28), date(2025, 7, 18), &mut calendar);
        let terms = terms(2025, &calendar);
        let shown: Vec<(&str, String, String)> = terms
            .iter()
            .map(|t| {
                let (from, to) = (t.start_date.to_string(), t.end_date.to_string());
                (t.name.as_str(), from, to)
            })
            .collect();
        assert_eq!(
            shown,
            [
                ("Autumn", "2024-09-02".into(), "2024-12-20".into()),
                ("Spring", "2025-01-06".into(), "2025-04-11".into()),
                ("Summer", "2025-04-28".into(), "2025-07-18".into()),
            ]
        );
        assert_eq!(terms[0].id, "2025:autumn");
        assert_eq!(terms[0].academic_year_id.as_deref(), Some("2025"));
        assert!(super::terms(2025, &[]).is_empty());
    }

    #[test]
    fn the_year_is_the_one_the_school_year_ends_in() {
        assert_eq!(academic_year_of(date(2024, 9, 1)), 2025);
        assert_eq!(academic_year_of(date(2024, 9, 2)), 2025);
        assert_eq!(academic_year_of(date(2025, 8, 31)), 2025);
        assert_eq!(academic_year_of(date(2024, 8, 31)), 2024);
        let y = academic_year(2025).unwrap();
        assert_eq!(y.name, "2024/2025");
        assert_eq!(
            (y.start_date, y.end_date),
            (date(2024, 9, 1), date(2025, 8, 31))
        );
        assert!(academic_year(25).is_err());
    }

    #[test]
    fn a_range_over_1_september_touches_both_years() {
        let r = DateRange::new(date(2024, 8, 28), date(2024, 9, 3)).unwrap();
        let parts = split_by_academic_year(r);
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0].0, 2024);
        assert_eq!(
            (parts[0].1.from(), parts[0].1.to()),
            (date(2024, 8, 28), date(2024, 8, 31))
        );
        assert_eq!(parts[1].0, 2025);
        assert_eq!(
            (parts[1].1.from(), parts[1].1.to()),
            (date(2024, 9, 1), date(2024, 9, 3))
        );
        let one = split_by_academic_year(DateRange::day(date(2024, 9, 2)));
        assert_eq!(one, [(2025, DateRange::day(date(2024, 9, 2)))]);
        let long = DateRange::new(date(2022, 10, 1), date(2025, 1, 1)).unwrap();
        let years: Vec<i32> = split_by_academic_year(long).iter().map(|p| p.0).collect();
        assert_eq!(years, [2023, 2024, 2025]);
    }

    #[test]
    fn year_group_segments() {
        assert_eq!(year_group_segment("Reception").unwrap(), "Reception");
        assert_eq!(year_group_segment("R").unwrap(), "Reception");
        assert_eq!(year_group_segment("11").unwrap(), "11");
        assert_eq!(year_group_segment("Year 7").unwrap(), "7");
        let e = year_group_segment("11/../x").unwrap_err();
        assert!(e.to_string().contains("11/../x"), "{e}");
        assert!(year_group_segment("15").is_err());
    }
}
