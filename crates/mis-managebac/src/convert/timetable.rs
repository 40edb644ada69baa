//! Class timetables → dated lessons, over the program calendar's rotation days.
//!
//! ManageBac publishes a class's timetable as slots `{day, period, location}` where `day` is a
//! **rotation day** (day 1…N of the school's cycle), and each program's calendar says which
//! rotation day every school date is (`dates: [{date, rotation_day}]`, `GET
//! /school/programs/{code}/academic-years/{id}/calendar`). A rotation day is not a weekday — a
//! 6-day cycle drifts across weeks and holidays shift it —
//! so lessons are laid over the calendar's dates, never over weekdays (mis-core's
//! [`Cycle`](mis_core::timetable::Cycle) keys by week and weekday, which this is not).
//!
//! Slots name no clock time; the school's bell times come from configuration
//! ([`PeriodTimes`]). Slot periods are normalised by the same function as attendance keys
//! ([`period_offset`]: v2p1 `period_offset`, else `period_starts_count_from`).

use std::collections::BTreeMap;

use jiff::civil::Date;
use jiff::tz::TimeZone;
use mis_core::{DateRange, DateTime, Error, Lesson, Result};

use super::attendance::{lesson_id, period_number, period_offset};
use super::{date, text};
use crate::VENDOR;
use crate::config::{ENV_PERIOD_TIMES, PeriodTimes};
use crate::wire::{Calendar, ClassTimetable, Id};

/// School dates → rotation day, from one or more calendars of a program.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RotationCalendar {
    days: BTreeMap<Date, i64>,
    /// The spans the added calendars cover (only calendars that list dates).
    covered: Vec<(Date, Date)>,
}

impl RotationCalendar {
    /// An empty calendar.
    pub fn new() -> Self {
        RotationCalendar::default()
    }

    /// Adds a calendar's dates (a date already known keeps its first rotation day).
    pub fn add(&mut self, calendar: &Calendar) {
        let mut listed = Vec::new();
        for d in &calendar.dates {
            if let (Some(day), Some(rotation)) = (date(d.date.as_deref()), d.rotation_day) {
                self.days.entry(day).or_insert(rotation);
                listed.push(day);
            }
        }
        // A calendar that lists no dates says nothing about which days are school days.
        if let (Some(first), Some(last)) = (listed.iter().min(), listed.iter().max()) {
            let start = date(calendar.start_date.as_deref()).map_or(*first, |d| d.min(*first));
            let end = date(calendar.end_date.as_deref()).map_or(*last, |d| d.max(*last));
            self.covered.push((start, end));
        }
    }

    /// Adds every date of `other`.
    pub fn merge(&mut self, other: &RotationCalendar) {
        for (d, r) in &other.days {
            self.days.entry(*d).or_insert(*r);
        }
        self.covered.extend(other.covered.iter().copied());
    }

    /// Whether `date` can have registers: `false` only when a calendar covering it leaves it
    /// out (a weekend, a holiday); `true` for its school days and for dates no calendar covers.
    pub fn may_be_school_day(&self, date: Date) -> bool {
        self.days.contains_key(&date) || !self.covered.iter().any(|(s, e)| *s <= date && date <= *e)
    }

    /// The rotation day of `date`, if it is a school day of the cycle.
    pub fn rotation_day(&self, date: Date) -> Option<i64> {
        self.days.get(&date).copied()
    }

    /// The school days in `from..=to`, with their rotation day.
    pub fn between(&self, from: Date, to: Date) -> impl Iterator<Item = (Date, i64)> + '_ {
        self.days.range(from..=to).map(|(d, r)| (*d, *r))
    }

    /// Whether no date is known.
    pub fn is_empty(&self) -> bool {
        self.days.is_empty()
    }
}

/// What a lesson says about its class.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClassInfo {
    /// The class id.
    pub id: Id,
    /// The class name (the lesson's `group`).
    pub name: Option<String>,
    /// The subject.
    pub subject: Option<String>,
    /// Teachers' names.
    pub teachers: Vec<String>,
}

impl ClassInfo {
    /// From a wire class and a teacher-id → name lookup.
    pub fn from_class(class: &crate::wire::Class, teacher_names: &BTreeMap<Id, String>) -> Self {
        ClassInfo {
            id: class.id,
            name: text(class.name.as_deref()),
            subject: text(class.subject_name.as_deref())
                .or_else(|| class.subjects.iter().find_map(|s| text(s.name.as_deref()))),
            teachers: class
                .teachers
                .iter()
                .filter_map(|t| t.teacher_id)
                .filter_map(|id| teacher_names.get(&id).cloned())
                .collect(),
        }
    }
}

/// The offset to subtract from a timetable slot's period to count from 1: the same rule as
/// attendance keys ([`period_offset`]), so a lesson and its marks share a period.
pub fn slot_offset(timetable: &ClassTimetable) -> i64 {
    period_offset(timetable.period_starts_count_from, timetable.period_offset)
}

/// The class's lessons in `range`: every enabled slot on every calendar date of its rotation
/// day, inside the timetable year's dates. Lessons are ordered by date, then start time.
///
/// Errors: `InvalidInput` naming the period when a lesson's period has no bell time (with how
/// to configure them), or when a time cannot be placed in the zone.
pub fn lessons(
    class: &ClassInfo,
    timetable: &ClassTimetable,
    calendar: &RotationCalendar,
    range: DateRange,
    times: &PeriodTimes,
    tz: &TimeZone,
    student_id: Option<&str>,
) -> Result<Vec<Lesson>> {
    let offset = slot_offset(timetable);
    let group = class.name.clone().unwrap_or_else(|| class.id.text());
    let mut out = Vec::new();
    for year in &timetable.academic_years {
        let from = date(year.start_date.as_deref()).map_or(range.from(), |d| d.max(range.from()));
        let to = date(year.end_date.as_deref()).map_or(range.to(), |d| d.min(range.to()));
        if from > to {
            continue;
        }
        let mut by_day: BTreeMap<i64, Vec<&crate::wire::TimetableSlot>> = BTreeMap::new();
        for slot in &year.slots {
            if slot.enabled == Some(false) {
                continue;
            }
            if let Some(day) = slot.day {
                by_day.entry(day).or_default().push(slot);
            }
        }
        if by_day.is_empty() {
            continue;
        }
        for (day, rotation) in calendar.between(from, to) {
            for slot in by_day.get(&rotation).into_iter().flatten() {
                let Some(raw) = slot.period else { continue };
                let Some(period) = period_number(&raw.to_string(), offset) else {
                    tracing::debug!(class = %class.id, raw, "timetable period before the first");
                    continue;
                };
                let (start, end) = times.get(period).ok_or_else(|| {
                    Error::invalid_input(format!(
                        "ManageBac timetables give no clock times, and period {period} has no \
                         bell time configured (class {}, {day}); set them with \
                         Config::period_times or {ENV_PERIOD_TIMES}, e.g. \
                         1=08:30-09:20,2=09:25-10:15",
                        class.id
                    ))
                })?;
                let label = period.to_string();
                let mut lesson = Lesson::new(
                    VENDOR,
                    lesson_id(class.id, day, &label),
                    day,
                    DateTime::from_local(day.to_datetime(start), tz)?,
                    DateTime::from_local(day.to_datetime(end), tz)?,
                );
                lesson.student_id = student_id.map(str::to_owned);
                lesson.period = Some(label);
                lesson.subject = class.subject.clone();
                lesson.group = Some(group.clone());
                lesson.teachers = class.teachers.clone();
                lesson.rooms = text(slot.location.as_deref()).into_iter().collect();
                out.push(lesson);
            }
        }
    }
    out.sort_by_key(|a| (a.date, a.start.timestamp()));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::{date as d, time};

    fn calendar() -> RotationCalendar {
        let c: Calendar = serde_json::from_str(
            r#"{"dates":[{"date":"2024-09-02","rotation_day":1},{"date":"2024-09-03","rotation_day":2},
                {"date":"2024-09-04","rotation_day":3},{"date":"2024-09-06","rotation_day":4},
                {"date":"2024-09-09","rotation_day":5},{"date":"2024-09-10","rotation_day":6},
                {"date":"2024-09-11","rotation_day":1},{"date":"bad","rotation_day":2}]}"#,
        )
        .unwrap();
        let mut r = RotationCalendar::new();
        r.add(&c);
        r
    }

    fn timetable(starts_from: i64) -> ClassTimetable {
        serde_json::from_value(serde_json::json!({
            "period_starts_count_from": starts_from,
            "academic_years": [{"id": 1, "start_date": "2024-08-20", "end_date": "2025-07-01",
                "slots": [
                    {"day": 1, "period": starts_from, "location": "S1", "enabled": true},
                    {"day": 4, "period": starts_from + 2, "location": "S2"},
                    {"day": 2, "period": starts_from + 1, "location": "S3", "enabled": false}
                ]}]
        }))
        .unwrap()
    }

    fn times() -> PeriodTimes {
        PeriodTimes::new()
            .period(1, time(8, 30, 0, 0), time(9, 20, 0, 0))
            .unwrap()
            .period(3, time(10, 30, 0, 0), time(11, 20, 0, 0))
            .unwrap()
    }

    fn class() -> ClassInfo {
        ClassInfo {
            id: Id(77),
            name: Some("Chemistry HL".into()),
            subject: Some("Chemistry".into()),
            teachers: vec!["Ada Byron".into()],
        }
    }

    #[test]
    fn rotation_days_not_weekdays() {
        let tz = TimeZone::get("Asia/Hong_Kong").unwrap();
        let range = DateRange::new(d(2024, 9, 1), d(2024, 9, 30)).unwrap();
        let got = lessons(
            &class(),
            &timetable(1),
            &calendar(),
            range,
            &times(),
            &tz,
            None,
        )
        .unwrap();
        let days: Vec<(Date, &str)> = got
            .iter()
            .map(|l| (l.date, l.period.as_deref().unwrap()))
            .collect();
        // Day 1 falls on Mon 2nd and Wed 11th; day 4 on Fri 6th; the disabled slot never.
        assert_eq!(
            days,
            [
                (d(2024, 9, 2), "1"),
                (d(2024, 9, 6), "3"),
                (d(2024, 9, 11), "1")
            ]
        );
        let first = &got[0];
        assert_eq!(first.start.to_string(), "2024-09-02T08:30:00+08:00");
        assert_eq!(first.end.to_string(), "2024-09-02T09:20:00+08:00");
        assert_eq!(first.group.as_deref(), Some("Chemistry HL"));
        assert_eq!(first.rooms, ["S1"]);
        assert_eq!(first.teachers, ["Ada Byron"]);
        assert_eq!(first.id, lesson_id(Id(77), d(2024, 9, 2), "1"));
    }

    #[test]
    fn zero_based_schools_give_the_same_lessons() {
        let tz = TimeZone::UTC;
        let range = DateRange::new(d(2024, 9, 1), d(2024, 9, 30)).unwrap();
        let a = lessons(
            &class(),
            &timetable(0),
            &calendar(),
            range,
            &times(),
            &tz,
            Some("5"),
        )
        .unwrap();
        let b = lessons(
            &class(),
            &timetable(1),
            &calendar(),
            range,
            &times(),
            &tz,
            Some("5"),
        )
        .unwrap();
        assert_eq!(a, b);
        assert_eq!(a[0].student_id.as_deref(), Some("5"));
    }

    /// Item 3: one period rule. A response carrying both fields, disagreeing
    /// (`period_starts_count_from: 1`, `period_offset: -1`), gives the same period to a
    /// timetable slot and to an attendance key with the same number: before, the timetable
    /// preferred `period_starts_count_from` and attendance `period_offset`, one period apart.
    #[test]
    fn timetable_and_attendance_share_one_period_rule() {
        use crate::convert::attendance::{lesson_marks, offset};
        use crate::wire::{ClassDateAttendance, PeriodNumbering};
        let numbering = PeriodNumbering {
            period_starts_count_from: Some(1),
            period_offset: Some(-1),
        };
        let mut tt = timetable(0);
        tt.period_starts_count_from = numbering.period_starts_count_from;
        tt.period_offset = numbering.period_offset;
        assert_eq!(slot_offset(&tt), offset(Some(&numbering)));
        assert_eq!(slot_offset(&tt), -1);
        let range = DateRange::day(d(2024, 9, 2));
        let got = lessons(
            &class(),
            &tt,
            &calendar(),
            range,
            &times(),
            &TimeZone::UTC,
            None,
        )
        .unwrap();
        // Slot period 0 on rotation day 1 (Mon 2nd).
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].period.as_deref(), Some("1"));
        let register: ClassDateAttendance = serde_json::from_value(serde_json::json!({
            "students": [{"id": 5, "attendance": {"0": {"status": "Present", "category": {"status": 1}}}}],
            "timetable": {"period_starts_count_from": 1, "period_offset": -1}
        }))
        .unwrap();
        let marks = lesson_marks(
            Id(77),
            d(2024, 9, 2),
            &register,
            &crate::convert::attendance::Categories::default(),
            &mis_core::codes::CodeMapper::new(),
        );
        assert_eq!(marks[0].period, got[0].period);
        assert_eq!(marks[0].lesson_id.as_deref(), Some(got[0].id.as_str()));
        // Only the older field: both count from it.
        assert_eq!(period_offset(Some(0), None), -1);
        assert_eq!(period_offset(None, None), 0);
    }

    #[test]
    fn range_and_year_bounds() {
        let range = DateRange::new(d(2024, 9, 3), d(2024, 9, 10)).unwrap();
        let got = lessons(
            &class(),
            &timetable(1),
            &calendar(),
            range,
            &times(),
            &TimeZone::UTC,
            None,
        )
        .unwrap();
        assert_eq!(got.len(), 1);
        let mut t = timetable(1);
        t.academic_years[0].end_date = Some("2024-09-05".into());
        let range = DateRange::new(d(2024, 9, 1), d(2024, 9, 30)).unwrap();
        let got = lessons(
            &class(),
            &t,
            &calendar(),
            range,
            &times(),
            &TimeZone::UTC,
            None,
        )
        .unwrap();
        assert_eq!(got.len(), 1);
    }

    #[test]
    fn missing_bell_times_are_a_clear_error() {
        let range = DateRange::new(d(2024, 9, 1), d(2024, 9, 30)).unwrap();
        let only_one = PeriodTimes::new()
            .period(1, time(8, 30, 0, 0), time(9, 20, 0, 0))
            .unwrap();
        let e = lessons(
            &class(),
            &timetable(1),
            &calendar(),
            range,
            &only_one,
            &TimeZone::UTC,
            None,
        )
        .unwrap_err();
        assert_eq!(e.kind(), mis_core::ErrorKind::InvalidInput);
        assert!(e.to_string().contains("period 3"), "{e}");
        assert!(e.to_string().contains(ENV_PERIOD_TIMES), "{e}");
    }
}
