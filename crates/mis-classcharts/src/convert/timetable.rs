//! `/timetable` lessons → [`Lesson`].

use jiff::civil::Date;
use jiff::tz::TimeZone;
use mis_core::{DecodeDetail, Error, Lesson, Result, stable_lesson_id};

use super::clean;
use super::time::zoned_date_time;
use crate::VENDOR;
use crate::wire::TimetableLesson;

/// One timetable entry as a dated [`Lesson`], or `None` for a break (`is_break: true` —
/// a break is not a lesson).
///
/// * `start` / `end`: the ISO times with their offset (`2023-09-26T08:45:00+01:00`), as the
///   same instants in the school's zone `tz`;
/// * `date`: the entry's `date`, else the start's date at the school;
/// * `id`: ClassCharts has no id for one lesson: `key` repeats (even across two classes in
///   one period) and `lesson_id` is the **class** (one class appears in several periods of a
///   day in a recorded answer). So the id is the vendor's class id, the date and the
///   period: `"{lesson_id}:{date}:{period}"` (e.g. `34959345:2023-09-26:P3`), unique per date
///   even when two classes share a period. Without `lesson_id`, the stable hash of class name,
///   teacher and room + date + period (stable across runs and machines). `period` here is `period_number`, else
///   `period_name`, else the start time. Attendance lesson marks get this id from the
///   timetable ([`super::join_lessons`]);
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
    let id = match clean(&w.lesson_id) {
        Some(class) => format!("{class}:{date}:{id_period}"),
        None => {
            // Two entries in one period with the same class name (or none) still differ by
            // teacher or room.
            let id_group = [
                group.clone().or_else(|| clean(&w.subject_name)),
                clean(&w.teacher_id).or_else(|| clean(&w.teacher_name)),
                clean(&w.room_name),
            ]
            .map(Option::unwrap_or_default)
            .join("\u{1f}");
            stable_lesson_id(&id_group, date, &id_period)
        }
    };
    let mut lesson = Lesson::new(VENDOR, id, date, start, end);
    lesson.student_id = student_id.map(str::to_owned);
    lesson.period = period;
    lesson.subject = clean(&w.subject_name);
    lesson.group = group;
    lesson.teachers = clean(&w.teacher_name).into_iter().collect();
    lesson.rooms = clean(&w.room_name).into_iter().collect();
    Ok(Some(lesson))
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
        assert_eq!(l.id, "991:2023-09-26:P1");

        // No lesson_id: a hash of class, teacher and room with the date and period.
        let mut bare = w.clone();
        bare.lesson_id = None;
        let l2 = lesson(&bare, 0, None, &tz).unwrap().unwrap();
        assert_eq!(
            l2.id,
            stable_lesson_id("9X/Ma1\u{1f}12\u{1f}M1", asked, "P1")
        );

        let brk = wire(json!({"is_break": true, "start_time": "x", "end_time": "y"}));
        assert!(lesson(&brk, 1, None, &tz).unwrap().is_none());

        let bad = wire(json!({"lesson_name": "9X/Ma1", "start_time": "2023-09-26T08:45:00+01:00"}));
        let e = lesson(&bad, 3, None, &tz).unwrap_err();
        assert_eq!(e.kind(), mis_core::ErrorKind::Decode);
        assert_eq!(e.decode_detail().unwrap().path, "data[3].end_time");
    }

    /// Item 1: the classcharts-rs fixture's day — two classes in P3 with the same `key` and
    /// the same (anonymised) name, and one class (`34959345`) in both P3 and P4. Every lesson
    /// gets its own id on that date.
    #[test]
    fn two_classes_in_one_period_keep_their_own_ids() {
        let tz = TimeZone::get("Europe/London").unwrap();
        let entry = |lesson_id: u64, period: &str, start: &str, end: &str, key: u64| {
            wire(json!({
                "teacher_name": "Teacher Name", "lesson_id": lesson_id,
                "lesson_name": "Lesson Name", "subject_name": "Subject Name",
                "is_alternative_lesson": false, "period_name": format!("2Tue:{period}"),
                "period_number": period, "room_name": "Room Name", "date": "2023-09-26",
                "start_time": format!("2023-09-26T{start}:00+01:00"),
                "end_time": format!("2023-09-26T{end}:00+01:00"), "key": key,
                "note_abstract": "", "note": "", "pupil_note_abstract": "", "pupil_note": "",
                "pupil_note_raw": ""
            }))
        };
        let day = [
            entry(34599345, "P1", "08:45", "09:45", 349593459),
            entry(34953945, "P2", "09:45", "10:45", 3459345),
            entry(9348345, "Tut", "10:45", "11:05", 43858345),
            entry(34959345, "P3", "11:20", "12:20", 348583458),
            entry(6325347, "P3", "11:20", "12:20", 348583458),
            entry(34959345, "P4", "13:05", "14:05", 34858345),
        ];
        let lessons: Vec<Lesson> = day
            .iter()
            .enumerate()
            .map(|(i, w)| lesson(w, i, Some("42"), &tz).unwrap().unwrap())
            .collect();
        let ids: std::collections::BTreeSet<(Date, &str)> =
            lessons.iter().map(|l| (l.date, l.id.as_str())).collect();
        assert_eq!(
            ids.len(),
            lessons.len(),
            "unique per (date, id): {lessons:#?}"
        );
        assert_eq!(lessons[3].id, "34959345:2023-09-26:P3");
        assert_eq!(lessons[4].id, "6325347:2023-09-26:P3");
        assert_eq!(lessons[5].id, "34959345:2023-09-26:P4");
    }
}
