//! `/attendance` → [`AttendanceMark`]s.

use jiff::civil::Date;
use mis_core::codes::CodeMapper;
use mis_core::{AttendanceMark, DateRange, Session, Slot, stable_lesson_id};

use crate::VENDOR;
use crate::wire::{AttendanceDays, AttendancePeriod};

/// The session of a register name: `AM` / `PM` (any case) are the statutory sessions;
/// every other name (`Period 1`, `P3`, `Tut`…) is a lesson register (vendors.md §1.6: the
/// keys are school-defined).
pub fn session_of(name: &str) -> Option<Session> {
    let n = name.trim();
    if n.eq_ignore_ascii_case("am") {
        Some(Session::Am)
    } else if n.eq_ignore_ascii_case("pm") {
        Some(Session::Pm)
    } else {
        None
    }
}

/// Every mark of one pupil's `/attendance` answer, in date then register order, keeping only
/// dates inside `range` when one is given.
///
/// * slot: `AM`/`PM` → `session` with that session; anything else → `lesson` with the name
///   as `period` and, when the mark names its lesson, a `lesson_id` that is the same stable
///   hash the timetable's lessons get (class + date + period), so marks and lessons join;
/// * `code`: the vendor's `code` exactly as sent; when it is empty, the `status` label
///   (so the mark still says what it was);
/// * `category` / `late`: mis-core's [`CodeMapper::map_code_and_label`] — a recognised DfE
///   `code` decides and the `status` only adds lateness; an unknown or empty code falls back
///   to the label rules (`present`, `late`, `excused`, `absent`…); unknown statuses
///   (`ignore`, `yes`, anything new) are `unmapped`, never guessed (DESIGN §2.2);
/// * `minutes_late`: `late_minutes` when above zero (`0` and `""` both mean none).
///
/// A date key that is not `YYYY-MM-DD` cannot be placed: it is skipped with a warning rather
/// than failing the other days.
pub fn marks(
    student_id: &str,
    days: &AttendanceDays,
    mapper: &CodeMapper,
    range: Option<DateRange>,
) -> Vec<AttendanceMark> {
    let mut out = Vec::new();
    for (key, registers) in &days.0 {
        let Ok(date) = key.trim().parse::<Date>() else {
            tracing::warn!(key = %key, "skipping attendance marks under a key that is not a date");
            continue;
        };
        if range.is_some_and(|r| !r.contains(date)) {
            continue;
        }
        for (name, mark) in registers {
            out.push(one(student_id, date, name, mark, mapper));
        }
    }
    out
}

fn one(
    student_id: &str,
    date: Date,
    name: &str,
    mark: &AttendancePeriod,
    mapper: &CodeMapper,
) -> AttendanceMark {
    let raw = mark.code.clone().unwrap_or_default();
    let status = mark.status.as_ref().map(|s| s.as_str().to_owned());
    let mapped = mapper.map_code_and_label(Some(&raw), status.as_deref(), date);
    let code = if raw.trim().is_empty() {
        status.unwrap_or(raw)
    } else {
        raw
    };
    let session = session_of(name);
    let (slot, period, lesson_id) = match session {
        Some(_) => (Slot::Session, None, None),
        None => {
            let period = name.trim().to_owned();
            let lesson_id = mark
                .lesson_name
                .as_deref()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(|l| stable_lesson_id(l, date, &period));
            (Slot::Lesson, Some(period), lesson_id)
        }
    };
    AttendanceMark {
        provider: VENDOR.into(),
        student_id: student_id.to_owned(),
        date,
        slot,
        session,
        period,
        lesson_id,
        code,
        category: mapped.category,
        late: mapped.late,
        minutes_late: mark
            .late_minutes
            .filter(|m| *m > 0)
            .and_then(|m| u32::try_from(m).ok()),
        note: None,
    }
}

#[cfg(test)]
mod tests {
    use mis_core::AttendanceCategory::*;
    use serde_json::json;

    use super::*;

    fn days(v: serde_json::Value) -> AttendanceDays {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn sessions_lessons_codes_and_labels() {
        let d = days(json!({
            "2024-09-09": {
                "AM": {"code": "/", "status": "present", "late_minutes": 0},
                "PM": {"code": "L", "status": "late", "late_minutes": 12},
                "P3": {"code": "", "status": "absent", "late_minutes": "", "lesson_name": "9X/Ma1", "room_name": "M1"},
                "Period Tut": {"code": "#", "status": "ignore", "late_minutes": ""}
            },
            "2024-09-10": {
                "am": {"code": "I", "status": "present"},
                "pm": {"code": "ZZ", "status": "held-in-isolation"}
            },
            "not-a-date": {"AM": {"code": "/"}}
        }));
        let m = marks("42", &d, &CodeMapper::new(), None);
        assert_eq!(m.len(), 6, "the bad key is skipped");
        let find = |date: &str, slot: Slot, s: Option<Session>, p: Option<&str>| {
            m.iter()
                .find(|x| {
                    x.date.to_string() == date
                        && x.slot == slot
                        && x.session == s
                        && x.period.as_deref() == p
                })
                .unwrap()
        };
        let am = find("2024-09-09", Slot::Session, Some(Session::Am), None);
        assert_eq!(
            (am.code.as_str(), am.category, am.late, am.minutes_late),
            ("/", Present, false, None)
        );
        let pm = find("2024-09-09", Slot::Session, Some(Session::Pm), None);
        assert_eq!(
            (pm.category, pm.late, pm.minutes_late),
            (Present, true, Some(12))
        );
        let p3 = find("2024-09-09", Slot::Lesson, None, Some("P3"));
        // No code: the label decides, and the label is what `code` shows.
        assert_eq!(
            (p3.code.as_str(), p3.category),
            ("absent", UnauthorisedAbsence)
        );
        assert_eq!(
            p3.lesson_id.as_deref(),
            Some(stable_lesson_id("9X/Ma1", jiff::civil::date(2024, 9, 9), "P3").as_str())
        );
        let tut = find("2024-09-09", Slot::Lesson, None, Some("Period Tut"));
        assert_eq!((tut.code.as_str(), tut.category), ("#", NotCounted));
        assert_eq!(tut.lesson_id, None);
        // A DfE code beats a contradicting label.
        let i = find("2024-09-10", Slot::Session, Some(Session::Am), None);
        assert_eq!(i.category, AuthorisedAbsence);
        // Unknown code, unknown status: kept and unmapped, never guessed.
        let zz = find("2024-09-10", Slot::Session, Some(Session::Pm), None);
        assert_eq!((zz.code.as_str(), zz.category), ("ZZ", Unmapped));
        assert!(
            m.iter()
                .all(|x| x.provider == "classcharts" && x.student_id == "42")
        );
    }

    #[test]
    fn range_and_overrides() {
        let d = days(json!({
            "2024-09-09": {"AM": {"code": "/", "status": "present"}},
            "2024-09-12": {"AM": {"code": "", "status": "ignore"}}
        }));
        let range = DateRange::parse("2024-09-12", "2024-09-13").unwrap();
        let mapper = CodeMapper::new().override_label("ignore", NotCounted, false);
        let m = marks("1", &d, &mapper, Some(range));
        assert_eq!(m.len(), 1);
        assert_eq!((m[0].code.as_str(), m[0].category), ("ignore", NotCounted));
        assert!(marks("1", &days(json!([])), &mapper, None).is_empty());
    }
}
