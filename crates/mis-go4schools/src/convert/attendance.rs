//! Session and lesson marks: ids resolved through the year's code book, categorised by the
//! one DfE table in mis-core.
//!
//! GO 4 Schools sends marks as ids (`session_mark_id`, `session_alias_id`) that mean
//! something only against that school's codes *of that academic year* (vendor doc,
//! Attendance Codes: "unique for a school and academic year"). The code behind the id is a DfE
//! code (`/`, `L`, `I`…), which `mis_core::codes::CodeMapper` categorises by the table in
//! force on the mark's date. An alias is a school's sub-label of a code (e.g. `IR` Isolation
//! Room under `/`): the mark's `code` is the alias code (`IR`), so the school's own mark is
//! not lost, and its category is the parent code's — unless the school's code mapper
//! overrides the alias code itself.

use jiff::civil::Date;
use mis_core::codes::CodeMapper;
use mis_core::{AttendanceMark, DecodeDetail, Error, Result, Session, Slot};

use super::VENDOR;
use super::codes::CodeBook;
use super::timetable::TimetableIndex;
use crate::wire;

fn minutes(value: Option<i64>) -> Option<u32> {
    value.and_then(|m| u32::try_from(m).ok())
}

fn note(value: &Option<String>) -> Option<String> {
    value
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(str::to_owned)
}

/// A session (AM/PM) mark. `date` is the date the marks were asked for, used when the mark
/// has none of its own. An unknown session value is a `Decode` error naming it.
pub fn session_mark(
    m: &wire::SessionMark,
    date: Date,
    book: &CodeBook,
    mapper: &CodeMapper,
) -> Result<AttendanceMark> {
    Ok(session_mark_in(m, session_of(m)?, date, book, mapper))
}

/// The session (AM or PM) of a session mark: the one check [`session_mark`] can fail, on
/// its own so that a day's marks can be checked when they arrive and converted later. An
/// unknown session value is a `Decode` error naming it.
pub fn session_of(m: &wire::SessionMark) -> Result<Session> {
    match m.session.as_deref().map(str::trim) {
        Some(s) if s.eq_ignore_ascii_case("AM") => Ok(Session::Am),
        Some(s) if s.eq_ignore_ascii_case("PM") => Ok(Session::Pm),
        other => {
            let shown = other.unwrap_or("null");
            Err(Error::decode(
                VENDOR,
                "attendance.session_marks",
                format!(
                    "session mark of student {} has session {shown:?}, expected AM or PM",
                    m.student_id
                ),
                DecodeDetail::new("session", shown.as_bytes()),
            ))
        }
    }
}

/// [`session_mark`] for a mark whose session [`session_of`] has already read.
pub fn session_mark_in(
    m: &wire::SessionMark,
    session: Session,
    date: Date,
    book: &CodeBook,
    mapper: &CodeMapper,
) -> AttendanceMark {
    let date = m.date.unwrap_or(date);
    let resolved = book.resolve(m.session_mark_id, m.session_alias_id);
    let (code, mapped) = resolved.categorise(date, mapper);
    if !resolved.known {
        tracing::warn!(
            code = %resolved.code,
            "a session mark id is not in the year's attendance codes; reported as unmapped"
        );
    }
    let mut mark = AttendanceMark::new(
        VENDOR,
        m.student_id.to_string(),
        date,
        Slot::Session,
        code,
        mapped.category,
    )
    .with_session(session)
    .with_late(mapped.late);
    mark.minutes_late = minutes(m.session_minutes_late);
    mark.note = note(&m.session_notes);
    mark
}

/// A lesson mark. The class resolves (through `timetable`) to its period label and to the
/// same lesson id [`TimetableIndex::lessons`] gives the lesson, so marks join to lessons.
/// Without the class, `period` is `null` and `lesson_id` is the class id.
pub fn lesson_mark(
    m: &wire::LessonMark,
    date: Date,
    book: &CodeBook,
    mapper: &CodeMapper,
    timetable: Option<&TimetableIndex>,
) -> AttendanceMark {
    let date = m.date.unwrap_or(date);
    let resolved = book.resolve(m.lesson_mark_id, m.lesson_alias_id);
    let (code, mapped) = resolved.categorise(date, mapper);
    let slot = m
        .class_id
        .and_then(|id| timetable.and_then(|t| t.class(id)));
    let (period, lesson_id) = match (slot, m.class_id) {
        (Some(s), _) => (Some(s.period.clone()), Some(s.lesson_id(date))),
        (None, Some(id)) => (None, Some(id.to_string())),
        (None, None) => (None, None),
    };
    let mut mark = AttendanceMark::new(
        VENDOR,
        m.student_id.to_string(),
        date,
        Slot::Lesson,
        code,
        mapped.category,
    )
    .with_late(mapped.late);
    mark.period = period;
    mark.lesson_id = lesson_id;
    mark.minutes_late = minutes(m.lesson_minutes_late);
    mark.note = note(&m.lesson_notes);
    mark
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::convert::codes::tests::book;
    use jiff::civil::date;
    use mis_core::AttendanceCategory;

    fn session(json: &str) -> wire::SessionMark {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn session_marks_resolve_ids_and_keep_minutes_and_notes() {
        let m = session(
            r#"{"date":"2024-09-09T00:00:00Z","session":"AM","student_id":987654,
                "session_mark_id":13,"session_alias_id":null,"session_minutes_late":10,
                "session_notes":"Bus was late"}"#,
        );
        let got = session_mark(&m, date(2024, 9, 9), &book(), &CodeMapper::new()).unwrap();
        assert_eq!(got.student_id, "987654");
        assert_eq!(got.code, "L");
        assert_eq!(got.category, AttendanceCategory::Present);
        assert!(got.late);
        assert_eq!(got.session, Some(Session::Am));
        assert_eq!(got.minutes_late, Some(10));
        assert_eq!(got.note.as_deref(), Some("Bus was late"));
        assert_eq!(got.slot, Slot::Session);
    }

    /// The vendor doc's own sample: mark 12 (`/`) with alias 1522 (`IR`, Isolation Room).
    #[test]
    fn an_alias_is_the_marks_code_with_its_parents_category() {
        let m = session(
            r#"{"session":"pm","student_id":1,"session_mark_id":12,"session_alias_id":1522}"#,
        );
        let got = session_mark(&m, date(2024, 9, 9), &book(), &CodeMapper::new()).unwrap();
        assert_eq!(
            (got.code.as_str(), got.category, got.late),
            ("IR", AttendanceCategory::Present, false)
        );
        assert_eq!(
            got.date,
            date(2024, 9, 9),
            "falls back to the requested date"
        );
        let alias_only = session(r#"{"session":"PM","student_id":1,"session_alias_id":1522}"#);
        let got = session_mark(&alias_only, date(2024, 9, 9), &book(), &CodeMapper::new()).unwrap();
        assert_eq!(
            (got.code.as_str(), got.category),
            ("IR", AttendanceCategory::Present)
        );
        let lesson: wire::LessonMark = serde_json::from_str(
            r#"{"student_id":1,"class_id":5,"lesson_mark_id":12,"lesson_alias_id":1522}"#,
        )
        .unwrap();
        let got = lesson_mark(&lesson, date(2024, 9, 9), &book(), &CodeMapper::new(), None);
        assert_eq!(
            (got.code.as_str(), got.category),
            ("IR", AttendanceCategory::Present)
        );
        // A school that overrides the alias code itself gets its override.
        let mapper =
            CodeMapper::new().override_code("IR", AttendanceCategory::AuthorisedAbsence, false);
        let got = session_mark(&m, date(2024, 9, 9), &book(), &mapper).unwrap();
        assert_eq!(
            (got.code.as_str(), got.category),
            ("IR", AttendanceCategory::AuthorisedAbsence)
        );
    }

    #[test]
    fn categories_follow_the_mark_date() {
        let j1 = session(r#"{"session":"AM","student_id":1,"session_mark_id":15}"#);
        let got = session_mark(&j1, date(2024, 9, 9), &book(), &CodeMapper::new()).unwrap();
        assert_eq!(got.category, AttendanceCategory::AuthorisedAbsence);
        let j = session(r#"{"session":"AM","student_id":1,"session_mark_id":16}"#);
        let got = session_mark(&j, date(2024, 6, 3), &book(), &CodeMapper::new()).unwrap();
        assert_eq!(
            got.category,
            AttendanceCategory::ApprovedEducationalActivity
        );
    }

    #[test]
    fn unknown_ids_are_unmapped_and_bad_sessions_are_errors() {
        let m = session(r#"{"session":"AM","student_id":1,"session_mark_id":999}"#);
        let got = session_mark(&m, date(2024, 9, 9), &book(), &CodeMapper::new()).unwrap();
        assert_eq!(got.code, "id:999");
        assert_eq!(got.category, AttendanceCategory::Unmapped);
        let none = session(r#"{"session":"AM","student_id":1}"#);
        let got = session_mark(&none, date(2024, 9, 9), &book(), &CodeMapper::new()).unwrap();
        assert_eq!(got.category, AttendanceCategory::NoMark);
        let bad = session(r#"{"session":"Morning","student_id":1,"session_mark_id":12}"#);
        let e = session_mark(&bad, date(2024, 9, 9), &book(), &CodeMapper::new()).unwrap_err();
        assert!(e.to_string().contains("Morning"), "{e}");
    }

    /// A school's own code (from its MIS, unknown to the DfE table) is `unmapped` until
    /// `MIS_GO4SCHOOLS_CODE_MAP` names it; then it has the mapped category, in the code book
    /// and on marks, while the other codes keep the DfE table's.
    #[test]
    fn a_code_map_maps_the_schools_own_code_on_marks_and_in_the_code_book() {
        let codes: Vec<wire::AttendanceCode> = serde_json::from_str(
            r#"[{"id": 12, "code": "/", "label": "Present (AM)"},
                {"id": 40, "code": "QR", "label": "Quarantine room"}]"#,
        )
        .unwrap();
        let book = CodeBook::new(&codes);
        let m = session(r#"{"session":"AM","student_id":1,"session_mark_id":40}"#);
        let day = date(2024, 9, 9);
        let plain = session_mark(&m, day, &book, &CodeMapper::new()).unwrap();
        assert_eq!(
            (plain.code.as_str(), plain.category),
            ("QR", AttendanceCategory::Unmapped)
        );
        let config = crate::Config::new("k")
            .code_map("QR=present, X=authorised_absence")
            .unwrap();
        let mapped = session_mark(&m, day, &book, config.mapper()).unwrap();
        assert_eq!(mapped.category, AttendanceCategory::Present);
        let entry = crate::convert::attendance_code(&codes[1], day, config.mapper());
        assert_eq!(entry.category, AttendanceCategory::Present);
        let present = session(r#"{"session":"AM","student_id":1,"session_mark_id":12}"#);
        let got = session_mark(&present, day, &book, config.mapper()).unwrap();
        assert_eq!(got.category, AttendanceCategory::Present);
    }

    #[test]
    fn overrides_apply() {
        let mapper = CodeMapper::new().override_code("I", AttendanceCategory::NotCounted, false);
        let m = session(r#"{"session":"AM","student_id":1,"session_mark_id":14}"#);
        let got = session_mark(&m, date(2024, 9, 9), &book(), &mapper).unwrap();
        assert_eq!(got.category, AttendanceCategory::NotCounted);
    }

    #[test]
    fn lesson_marks_without_a_timetable_keep_the_class_id() {
        let m: wire::LessonMark = serde_json::from_str(
            r#"{"date":"2019-06-25T00:00:00Z","student_id":987654,"class_id":123456,
                "lesson_mark_id":14,"lesson_alias_id":null,"lesson_minutes_late":null,
                "lesson_notes":"  "}"#,
        )
        .unwrap();
        let got = lesson_mark(&m, date(2019, 6, 25), &book(), &CodeMapper::new(), None);
        assert_eq!(got.slot, Slot::Lesson);
        assert_eq!(got.lesson_id.as_deref(), Some("123456"));
        assert_eq!(got.period, None);
        assert_eq!(got.note, None, "blank notes are no notes");
        assert_eq!(got.category, AttendanceCategory::AuthorisedAbsence);
    }
}
