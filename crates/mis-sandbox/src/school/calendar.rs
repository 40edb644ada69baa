//! The school calendar: terms, closures, and which timetable week each school day is.
//!
//! Dates are computed from rules that English schools commonly follow (start on the first
//! Monday of September, half terms in the weeks of the last Monday of October, the third
//! Monday of February and the last Monday of May, Easter holidays around Easter), so any
//! academic year can be generated — including ones before the DfE code change of 2024-08-19.

use jiff::civil::{Date, Weekday};
use mis_core::{AcademicYear, Term};
use serde::{Deserialize, Serialize};

/// Why the school is closed on some weekdays inside the academic year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClosureKind {
    /// A holiday between terms (Christmas, Easter).
    Holiday,
    /// A half-term week.
    HalfTerm,
    /// A bank holiday inside a term.
    BankHoliday,
    /// An INSET (staff training) day: staff in, students not.
    Inset,
}

/// A run of days (inclusive) on which students are not in school.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Closure {
    /// What kind of closure it is.
    pub kind: ClosureKind,
    /// Human label, e.g. `Autumn half term`.
    pub name: String,
    /// First closed day.
    pub start: Date,
    /// Last closed day.
    pub end: Date,
}

impl Closure {
    /// Whether `date` falls inside this closure.
    pub fn contains(&self, date: Date) -> bool {
        self.start <= date && date <= self.end
    }
}

/// One day on which students are expected in school (registers are taken).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SchoolDay {
    /// The date.
    pub date: Date,
    /// Timetable week: `1` or `2`.
    pub week: u8,
    /// The id of the term the day belongs to.
    pub term_id: String,
}

/// Every school day of the year with its timetable week, and every closure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Calendar {
    /// School days in date order. Weekends, holidays, bank holidays and INSET days are absent.
    pub days: Vec<SchoolDay>,
    /// Closures in date order: holidays between terms, half terms, bank holidays, INSET days.
    pub closures: Vec<Closure>,
}

impl Calendar {
    /// The school day on `date`, if students are in school that day.
    pub fn day(&self, date: Date) -> Option<&SchoolDay> {
        self.days
            .binary_search_by(|d| d.date.cmp(&date))
            .ok()
            .map(|i| &self.days[i])
    }

    /// Whether students are in school on `date`.
    pub fn is_school_day(&self, date: Date) -> bool {
        self.day(date).is_some()
    }

    /// The timetable week (1 or 2) of `date`, if it is a school day.
    pub fn week_of(&self, date: Date) -> Option<u8> {
        self.day(date).map(|d| d.week)
    }

    /// The school days from `from` to `to`, both inclusive, in order.
    pub fn days_between(&self, from: Date, to: Date) -> &[SchoolDay] {
        let start = self.days.partition_point(|d| d.date < from);
        let end = self.days.partition_point(|d| d.date <= to);
        &self.days[start..end.max(start)]
    }

    /// The closure covering `date`, if any.
    pub fn closure_on(&self, date: Date) -> Option<&Closure> {
        self.closures.iter().find(|c| c.contains(date))
    }

    /// The first school day strictly after `date`, if the year has one.
    pub fn next_school_day(&self, date: Date) -> Option<&SchoolDay> {
        let i = self.days.partition_point(|d| d.date <= date);
        self.days.get(i)
    }
}

/// Builds the academic year starting in September of `start_year`: the year itself, its
/// three terms and its calendar.
pub(crate) fn build(provider: &str, start_year: i16) -> (AcademicYear, Vec<Term>, Calendar) {
    let end_year = start_year + 1;
    let year_id = format!("{start_year}");

    // Autumn: first Monday of September (an INSET day) to the Friday on or before 22 Dec.
    let autumn_start = autumn_start(start_year);
    let autumn_end = on_or_before(jiff::civil::date(start_year, 12, 22), Weekday::Friday);
    let autumn_half = week_of_monday(last_weekday(start_year, 10, Weekday::Monday));

    // Spring: first Monday on or after 2 January to the Friday before the Easter holiday,
    // which is the fortnight around Easter (the week before and the week after).
    let spring_start = on_or_after(jiff::civil::date(end_year, 1, 2), Weekday::Monday);
    let spring_half = week_of_monday(nth_weekday(end_year, 2, 3, Weekday::Monday));
    let easter = easter_sunday(end_year);
    let spring_end = add_days(easter, -9);
    let summer_start = add_days(easter, 8);

    // Summer: to the first Friday on or after 16 July; May bank holidays inside.
    let summer_end = on_or_after(jiff::civil::date(end_year, 7, 16), Weekday::Friday);
    let may_day = nth_weekday(end_year, 5, 1, Weekday::Monday);
    let summer_half = week_of_monday(last_weekday(end_year, 5, Weekday::Monday));

    let terms = vec![
        term(
            provider,
            &year_id,
            "autumn",
            "Autumn",
            autumn_start,
            autumn_end,
        ),
        term(
            provider,
            &year_id,
            "spring",
            "Spring",
            spring_start,
            spring_end,
        ),
        term(
            provider,
            &year_id,
            "summer",
            "Summer",
            summer_start,
            summer_end,
        ),
    ];

    let mut closures = vec![
        closure(ClosureKind::Inset, "INSET day", autumn_start, autumn_start),
        closure(
            ClosureKind::HalfTerm,
            "Autumn half term",
            autumn_half.0,
            autumn_half.1,
        ),
        closure(
            ClosureKind::Holiday,
            "Christmas holiday",
            add_days(autumn_end, 1),
            add_days(spring_start, -1),
        ),
        closure(
            ClosureKind::HalfTerm,
            "Spring half term",
            spring_half.0,
            spring_half.1,
        ),
        closure(
            ClosureKind::Holiday,
            "Easter holiday",
            add_days(spring_end, 1),
            add_days(summer_start, -1),
        ),
        closure(
            ClosureKind::BankHoliday,
            "Early May bank holiday",
            may_day,
            may_day,
        ),
        closure(
            ClosureKind::HalfTerm,
            "Summer half term",
            summer_half.0,
            summer_half.1,
        ),
    ];
    closures.sort_by_key(|c| c.start);

    // Timetable weeks alternate over teaching weeks only: the week after a holiday carries on
    // from the week before it, which is what most two-week schools do.
    let mut days = Vec::new();
    let mut teaching_weeks = 0u32;
    let mut current_monday: Option<Date> = None;
    for t in &terms {
        for date in t.start_date.series(jiff::Span::new().days(1)) {
            if date > t.end_date {
                break;
            }
            let weekday = date.weekday();
            if matches!(weekday, Weekday::Saturday | Weekday::Sunday)
                || closures.iter().any(|c| c.contains(date))
            {
                continue;
            }
            let monday = add_days(date, -i64::from(weekday.to_monday_zero_offset()));
            if current_monday != Some(monday) {
                current_monday = Some(monday);
                teaching_weeks += 1;
            }
            days.push(SchoolDay {
                date,
                week: if teaching_weeks % 2 == 1 { 1 } else { 2 },
                term_id: t.id.clone(),
            });
        }
    }

    let year = AcademicYear::new(
        provider,
        year_id,
        format!("{start_year}/{end_year}"),
        autumn_start,
        summer_end,
    );
    (year, terms, Calendar { days, closures })
}

fn term(provider: &str, year_id: &str, key: &str, name: &str, start: Date, end: Date) -> Term {
    let mut term = Term::new(provider, format!("{year_id}-{key}"), name, start, end);
    term.academic_year_id = Some(year_id.to_string());
    term
}

fn closure(kind: ClosureKind, name: &str, start: Date, end: Date) -> Closure {
    Closure {
        kind,
        name: name.to_string(),
        start,
        end,
    }
}

/// `date` moved by `days` (the generator only uses dates far from jiff's limits).
pub(crate) fn add_days(date: Date, days: i64) -> Date {
    date.checked_add(jiff::Span::new().days(days))
        .expect("calendar dates stay within jiff's range")
}

/// The first day of the autumn term starting in September of `year`.
pub(crate) fn autumn_start(year: i16) -> Date {
    on_or_after(jiff::civil::date(year, 9, 1), Weekday::Monday)
}

fn on_or_after(date: Date, weekday: Weekday) -> Date {
    let ahead = (weekday.to_monday_zero_offset() - date.weekday().to_monday_zero_offset() + 7) % 7;
    add_days(date, i64::from(ahead))
}

fn on_or_before(date: Date, weekday: Weekday) -> Date {
    let back = (date.weekday().to_monday_zero_offset() - weekday.to_monday_zero_offset() + 7) % 7;
    add_days(date, -i64::from(back))
}

fn nth_weekday(year: i16, month: i8, nth: i64, weekday: Weekday) -> Date {
    add_days(
        on_or_after(jiff::civil::date(year, month, 1), weekday),
        7 * (nth - 1),
    )
}

fn last_weekday(year: i16, month: i8, weekday: Weekday) -> Date {
    on_or_before(jiff::civil::date(year, month, 1).last_of_month(), weekday)
}

fn week_of_monday(monday: Date) -> (Date, Date) {
    (monday, add_days(monday, 4))
}

/// Easter Sunday (anonymous Gregorian algorithm).
fn easter_sunday(year: i16) -> Date {
    let y = i32::from(year);
    let a = y % 19;
    let b = y / 100;
    let c = y % 100;
    let d = b / 4;
    let e = b % 4;
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15) % 30;
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k) % 7;
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    jiff::civil::date(year, month as i8, day as i8)
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn easter_dates() {
        assert_eq!(easter_sunday(2024), date(2024, 3, 31));
        assert_eq!(easter_sunday(2025), date(2025, 4, 20));
        assert_eq!(easter_sunday(2019), date(2019, 4, 21));
    }

    #[test]
    fn year_2024_25_matches_the_published_shape() {
        let (year, terms, cal) = build("sandbox", 2024);
        assert_eq!(year.start_date, date(2024, 9, 2));
        assert_eq!(year.end_date, date(2025, 7, 18));
        assert_eq!(year.name, "2024/2025");
        assert_eq!(terms.len(), 3);
        assert_eq!(terms[0].end_date, date(2024, 12, 20));
        assert_eq!(terms[1].start_date, date(2025, 1, 6));
        // INSET on the first day, autumn half term in the week of 28 October.
        assert_eq!(
            cal.closure_on(date(2024, 9, 2)).unwrap().kind,
            ClosureKind::Inset
        );
        assert!(!cal.is_school_day(date(2024, 9, 2)));
        assert_eq!(cal.days[0].date, date(2024, 9, 3));
        assert_eq!(
            cal.closure_on(date(2024, 10, 30)).unwrap().kind,
            ClosureKind::HalfTerm
        );
        assert!(!cal.is_school_day(date(2024, 11, 1)));
        assert!(cal.is_school_day(date(2024, 11, 4)));
        assert!(!cal.is_school_day(date(2025, 5, 5)));
        // Weeks alternate, and carry on across half term.
        assert_eq!(cal.week_of(date(2024, 9, 3)), Some(1));
        assert_eq!(cal.week_of(date(2024, 9, 9)), Some(2));
        assert_eq!(
            cal.week_of(date(2024, 10, 25)),
            cal.week_of(date(2024, 10, 21))
        );
        assert_ne!(
            cal.week_of(date(2024, 11, 4)),
            cal.week_of(date(2024, 10, 21))
        );
        // Roughly 190 school days, as in English schools.
        assert!((180..=195).contains(&cal.days.len()), "{}", cal.days.len());
        assert!(cal.days.windows(2).all(|w| w[0].date < w[1].date));
    }

    #[test]
    fn earlier_years_build_too() {
        for y in [2019, 2022, 2023] {
            let (year, _, cal) = build("sandbox", y);
            assert!(year.start_date < year.end_date);
            assert!(
                (175..=200).contains(&cal.days.len()),
                "{y}: {}",
                cal.days.len()
            );
        }
    }

    #[test]
    fn ranges_and_next_day() {
        let (_, _, cal) = build("sandbox", 2024);
        let week = cal.days_between(date(2024, 9, 1), date(2024, 9, 8));
        assert_eq!(week.len(), 4);
        assert!(
            cal.days_between(date(2024, 9, 8), date(2024, 9, 1))
                .is_empty()
        );
        assert_eq!(
            cal.next_school_day(date(2024, 10, 25)).unwrap().date,
            date(2024, 11, 4)
        );
    }
}
