//! Timetable calendar → dated [`Lesson`]s.
//!
//! The calendar already lays the (possibly rotating) timetable over real dates, so no cycle
//! expansion happens here: each period with a subject set on a date is one lesson. Period
//! times are the school's wall clock (`"09:00:00"`) and are placed in the school's zone, so
//! a lesson at 09:00 in June is `09:00:00+01:00`, not 10:00.

use jiff::tz::TimeZone;
use mis_core::timetable::time_of_day;
use mis_core::{DateRange, DateTime, Lesson, Result, stable_lesson_id};

use super::{bad_record, nonempty, parse_date};
use crate::config::VENDOR;
use crate::wire::{CalendarPeriod, TimetableCalendar};

const OPERATION: &str = "students.timetable_calendar";

/// The lessons of `calendar` inside `range`, for `student_id` when the calendar is one
/// student's. Periods without a subject set (breaks, free periods) are not lessons.
///
/// A date or time that cannot be read is a `Decode` error naming it.
pub fn lessons(
    calendar: &TimetableCalendar,
    student_id: Option<&str>,
    tz: &TimeZone,
    range: &DateRange,
) -> Result<Vec<Lesson>> {
    lessons_each(calendar, student_id, tz, range)
        .into_iter()
        .collect()
}

/// [`lessons`], one result per lesson: a period (or a day) that cannot be read is a
/// `Decode` error in its place, and the lessons around it still convert, so the provider
/// can skip only what is broken.
pub fn lessons_each(
    calendar: &TimetableCalendar,
    student_id: Option<&str>,
    tz: &TimeZone,
    range: &DateRange,
) -> Vec<Result<Lesson>> {
    let mut out = Vec::new();
    for (d, day) in calendar.calendar.iter().enumerate() {
        let Some(date) = day.date.as_deref().and_then(parse_date) else {
            out.push(Err(bad_record(
                OPERATION,
                &format!("calendar[{d}].date"),
                "a calendar day has no YYYY-MM-DD date",
            )));
            continue;
        };
        if !range.contains(date) {
            continue;
        }
        for (p, period) in day.periods.iter().enumerate() {
            match lesson(
                period,
                date,
                student_id,
                tz,
                &format!("calendar[{d}].periods[{p}]"),
            ) {
                Ok(Some(lesson)) => out.push(Ok(lesson)),
                Ok(None) => {}
                Err(e) => out.push(Err(e)),
            }
        }
    }
    out
}

fn lesson(
    period: &CalendarPeriod,
    date: jiff::civil::Date,
    student_id: Option<&str>,
    tz: &TimeZone,
    path: &str,
) -> Result<Option<Lesson>> {
    let Some(set) = &period.subject_set else {
        return Ok(None);
    };
    let at = |field: &str, value: Option<&str>| -> Result<DateTime> {
        let raw = value.ok_or_else(|| {
            bad_record(
                OPERATION,
                &format!("{path}.{field}"),
                format!("a lesson has no {field}"),
            )
        })?;
        let time = time_of_day(raw).map_err(|e| {
            bad_record(
                OPERATION,
                &format!("{path}.{field}"),
                e.message().to_owned(),
            )
        })?;
        DateTime::from_local(date.to_datetime(time), tz)
    };
    let start = at("start_time", period.start_time.as_deref())?;
    let end = at("end_time", period.end_time.as_deref())?;
    let group = nonempty(set.label());
    let label = nonempty(period.name.as_deref());
    let id = stable_lesson_id(
        group
            .as_deref()
            .or(set.id.as_ref().map(|i| i.as_str()))
            .unwrap_or(""),
        date,
        label
            .as_deref()
            .or(period.id.as_ref().map(|i| i.as_str()))
            .unwrap_or(""),
    );
    let mut rooms: Vec<String> = period
        .room
        .iter()
        .chain(&period.rooms)
        .filter_map(|r| nonempty(r.label()))
        .collect();
    rooms.dedup();
    let mut lesson = Lesson::new(VENDOR, id, date, start, end);
    lesson.student_id = student_id.map(str::to_owned);
    lesson.period = label;
    lesson.subject = set
        .subject
        .as_ref()
        .and_then(|s| nonempty(s.name.as_deref().or(s.code.as_deref())));
    lesson.group = group;
    lesson.teachers = period
        .staff
        .iter()
        .filter_map(|s| s.display_name())
        .collect();
    lesson.rooms = rooms;
    lesson.cancelled = period.cancelled.unwrap_or(false);
    Ok(Some(lesson))
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;

    use super::*;

    const CALENDAR: &str = r#"{"calendar": [
        {"date": "2024-06-03", "periods": [
            {"id": 1, "name": "P1", "start_time": "09:00:00", "end_time": "10:00:00",
             "subject_set": {"id": 25, "name": "English 9A", "code": "ENG9A",
                             "subject": {"id": 3, "name": "English", "code": "EN"}},
             "room": {"id": 4, "room_code": "S12"},
             "staff": [{"id": 12, "first_name": "Benjamin", "last_name": "Kakistos",
                        "title": {"id": 1, "name": "Mr"}}]},
            {"id": 2, "name": "Break", "start_time": "10:00:00", "end_time": "10:20:00",
             "subject_set": null, "room": null, "staff": []}
        ]},
        {"date": "2024-06-10", "periods": [
            {"id": 1, "name": "P1", "start_time": "09:00", "end_time": "10:00",
             "subject_set": {"id": 25, "name": "English 9A"}, "staff": []}
        ]}
    ]}"#;

    fn london() -> TimeZone {
        TimeZone::get("Europe/London").unwrap()
    }

    #[test]
    fn periods_with_a_class_become_dated_lessons_in_school_time() {
        let cal: TimetableCalendar = serde_json::from_str(CALENDAR).unwrap();
        let range = DateRange::new(date(2024, 6, 3), date(2024, 6, 7)).unwrap();
        let got = lessons(&cal, Some("56"), &london(), &range).unwrap();
        assert_eq!(got.len(), 1, "break skipped, 10 June outside the range");
        let l = &got[0];
        assert_eq!(l.start.to_string(), "2024-06-03T09:00:00+01:00");
        assert_eq!(l.end.to_string(), "2024-06-03T10:00:00+01:00");
        assert_eq!(l.group.as_deref(), Some("ENG9A"));
        assert_eq!(l.subject.as_deref(), Some("English"));
        assert_eq!(l.period.as_deref(), Some("P1"));
        assert_eq!(l.rooms, ["S12"]);
        assert_eq!(l.teachers, ["Mr Benjamin Kakistos"]);
        assert_eq!(l.student_id.as_deref(), Some("56"));
        assert_eq!(l.id, stable_lesson_id("ENG9A", date(2024, 6, 3), "P1"));
        assert!(!l.cancelled);
    }

    #[test]
    fn the_whole_calendar_when_the_range_covers_it() {
        let cal: TimetableCalendar = serde_json::from_str(CALENDAR).unwrap();
        let range = DateRange::new(date(2024, 6, 1), date(2024, 6, 30)).unwrap();
        let got = lessons(&cal, None, &london(), &range).unwrap();
        assert_eq!(got.len(), 2);
        assert_eq!(got[1].group.as_deref(), Some("English 9A"));
        assert_eq!(got[1].subject, None);
        assert_eq!(got[1].student_id, None);
    }

    #[test]
    fn unreadable_times_and_dates_are_errors_naming_the_field() {
        let range = DateRange::new(date(2024, 6, 1), date(2024, 6, 30)).unwrap();
        let cal: TimetableCalendar = serde_json::from_str(
            r#"{"calendar": [{"date": "2024-06-03", "periods": [
                {"name": "P1", "start_time": "nine", "end_time": "10:00",
                 "subject_set": {"id": 1}}]}]}"#,
        )
        .unwrap();
        let e = lessons(&cal, None, &london(), &range).unwrap_err();
        assert!(e.to_string().contains("start_time"), "{e}");
        let cal: TimetableCalendar =
            serde_json::from_str(r#"{"calendar": [{"date": "soon", "periods": []}]}"#).unwrap();
        let e = lessons(&cal, None, &london(), &range).unwrap_err();
        assert!(e.to_string().contains("calendar[0].date"), "{e}");
    }

    #[test]
    fn one_unreadable_period_costs_that_lesson() {
        let range = DateRange::new(date(2024, 6, 1), date(2024, 6, 30)).unwrap();
        let cal: TimetableCalendar = serde_json::from_str(
            r#"{"calendar": [{"date": "2024-06-03", "periods": [
                {"name": "P1", "start_time": "nine", "end_time": "10:00",
                 "subject_set": {"id": 1}},
                {"name": "P2", "start_time": "10:00", "end_time": "11:00",
                 "subject_set": {"id": 2}}]},
                {"date": "soon", "periods": []}]}"#,
        )
        .unwrap();
        let each = lessons_each(&cal, None, &london(), &range);
        assert_eq!(each.len(), 3);
        assert!(
            each[0]
                .as_ref()
                .unwrap_err()
                .to_string()
                .contains("start_time")
        );
        assert_eq!(each[1].as_ref().unwrap().period.as_deref(), Some("P2"));
        assert!(
            each[2]
                .as_ref()
                .unwrap_err()
                .to_string()
                .contains("calendar[1].date")
        );
    }
}
