//! `/timetable` lessons → [`Lesson`].

use jiff::civil::Date;
use jiff::tz::TimeZone;
use mis_core::{DecodeDetail, Error, Lesson, Result, stable_lesson_id};

use super::time::zoned_date_time;
use crate::VENDOR;
use crate::wire::TimetableLesson;

fn clean(s: &Option<String>) -> Option<String> {
    s.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

/// One timetable entry as a dated [`Lesson`], or `None` for a break (`is_break: true` —
/// a break is not a lesson).
///
/// * `start` / `end`: the ISO times with their offset (`2023-09-26T08:45:00+01:00`), as the
///   same instants in the school's zone `tz`;
/// * `date`: the entry's `date`, else the start's date at the school;
/// * `id`: ClassCharts has no lesson id (`key` repeats, `lesson_id` is the class), so the
///   stable hash of class + date + period (DESIGN §2.2) — the same one attendance lesson
///   marks get;
/// * `group` = `lesson_name`, `subject` = `subject_name`, `period` = `period_number`
///   (`P1`, `Tut`), `teachers` = `teacher_name` (as a list), `rooms` = `room_name`; never cancelled
///   (the API has no such flag).
///
/// Errors: `Decode` naming `data[index].start_time` / `end_time` when a time is missing or
/// not a date-time.
pub fn lesson(
    w: &TimetableLesson,
    index: usize,
    student_id: Option<&str>,
    tz: &TimeZone,
) -> Result<Option<Lesson>> {
    if w.is_break == Some(true) {
        return Ok(None);
    }
    let time = |field: &str, value: &Option<String>| {
        let bad = |why: String| {
            Error::decode(
                VENDOR,
                "timetable",
                format!("lesson {index}: {why}"),
                DecodeDetail::new(format!("data[{index}].{field}"), b""),
            )
        };
        let v = clean(value).ok_or_else(|| bad(format!("{field} is missing")))?;
        zoned_date_time(&v, tz).map_err(bad)
    };
    let start = time("start_time", &w.start_time)?;
    let end = time("end_time", &w.end_time)?;
    let date = w
        .date
        .as_deref()
        .and_then(|d| d.trim().get(..10))
        .and_then(|d| d.parse::<Date>().ok())
        .unwrap_or_else(|| start.date());
    let group = clean(&w.lesson_name);
    let period = clean(&w.period_number);
    let id_period = period
        .clone()
        .or_else(|| clean(&w.period_name))
        .unwrap_or_else(|| start.zoned().time().to_string());
    let id_group = group
        .clone()
        .or_else(|| clean(&w.subject_name))
        .unwrap_or_default();
    Ok(Some(Lesson {
        provider: VENDOR.into(),
        id: stable_lesson_id(&id_group, date, &id_period),
        student_id: student_id.map(str::to_owned),
        date,
        start,
        end,
        period,
        subject: clean(&w.subject_name),
        group,
        teachers: clean(&w.teacher_name).into_iter().collect(),
        rooms: clean(&w.room_name).into_iter().collect(),
        cancelled: false,
    }))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn wire(v: serde_json::Value) -> TimetableLesson {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn a_lesson_with_offsets_and_a_break() {
        let tz = TimeZone::get("Europe/London").unwrap();
        let asked = jiff::civil::date(2023, 9, 26);
        let w = wire(json!({
            "teacher_name": "Mr J Smith", "teacher_id": "12", "lesson_id": 991,
            "lesson_name": "9X/Ma1", "subject_name": "Maths", "is_alternative_lesson": false,
            "period_name": "2Tue:P1", "period_number": "P1", "room_name": "M1",
            "date": "2023-09-26", "start_time": "2023-09-26T08:45:00+01:00",
            "end_time": "2023-09-26T09:45:00+01:00", "key": 1234
        }));
        let l = lesson(&w, 0, Some("42"), &tz).unwrap().unwrap();
        assert_eq!(l.start.to_string(), "2023-09-26T08:45:00+01:00");
        assert_eq!(l.end.to_string(), "2023-09-26T09:45:00+01:00");
        assert_eq!(l.date, asked);
        assert_eq!(l.period.as_deref(), Some("P1"));
        assert_eq!(
            (l.group.as_deref(), l.subject.as_deref()),
            (Some("9X/Ma1"), Some("Maths"))
        );
        assert_eq!(l.teachers, ["Mr J Smith"]);
        assert_eq!(l.rooms, ["M1"]);
        assert_eq!(l.student_id.as_deref(), Some("42"));
        assert_eq!(l.id, stable_lesson_id("9X/Ma1", asked, "P1"));

        let brk = wire(json!({"is_break": true, "start_time": "x", "end_time": "y"}));
        assert!(lesson(&brk, 1, None, &tz).unwrap().is_none());

        let bad = wire(json!({"lesson_name": "9X/Ma1", "start_time": "2023-09-26T08:45:00+01:00"}));
        let e = lesson(&bad, 3, None, &tz).unwrap_err();
        assert_eq!(e.kind(), mis_core::ErrorKind::Decode);
        assert_eq!(e.decode_detail().unwrap().path, "data[3].end_time");
    }
}
