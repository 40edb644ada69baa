//! Attendance: session records → [`AttendanceMark`] (the code book is [`super::codes`]).
//!
//! HUBmis is a UK MIS: its codes are DfE codes, so every mark goes through the school's
//! code map and then mis-core's one date-aware table ([`Categorise`]); nothing here knows
//! what a code means.

use mis_core::codes::Mapped;
use mis_core::{AttendanceMark, Result, Session, Slot};

use super::codes::{Categorise, CodeBook};
use super::{bad_record, nonempty, parse_date};
use crate::config::VENDOR;
use crate::wire::{AttendanceRecord, AttendanceSession};

/// Whether a record names its code only by id (so the code book is needed to read it).
pub fn needs_code_book(record: &AttendanceRecord) -> bool {
    record
        .attendance_code
        .as_ref()
        .is_some_and(|c| c.code.is_none() && c.id.is_some())
}

/// One session mark for `student_id` (the student whose records were asked for).
///
/// A record without a readable date is a `Decode` error: a mark that cannot be placed must
/// not disappear from attendance figures silently. A record without any code is an empty
/// register slot (`no_mark`); a record naming a code id that is not in `book` is
/// `unmapped`, with the id as its raw code. The code is classified by the school's code
/// map, else (unless the school defined the code itself) with the DfE table in force on the
/// mark's own date, whether the record or the book names it. An unknown session value gives
/// a session mark with no AM/PM.
pub fn mark<C: Categorise + ?Sized>(
    record: &AttendanceRecord,
    student_id: &str,
    book: &CodeBook,
    codes: &C,
) -> Result<AttendanceMark> {
    let date = record.date.as_deref().and_then(parse_date).ok_or_else(|| {
        bad_record(
            "students.attendance",
            "date",
            format!(
                "attendance record {} of student {student_id} has no YYYY-MM-DD date",
                record.id.as_ref().map_or("(no id)", |i| i.as_str())
            ),
        )
    })?;
    let (code, mapped) = match record.attendance_code.as_ref() {
        Some(c) => match (book.code_of(c), &c.id) {
            (Some(code), _) => (
                code.to_owned(),
                codes.categorise(code, book.is_school_defined(c), date),
            ),
            // A code id the book does not have (a code the school has since removed, or
            // one the client may not list): a mark was taken, so it is not `no_mark`; what
            // it means is unknown, so it is `unmapped`, and its raw code is the id so that
            // the school can map it.
            (None, Some(id)) => (id.as_str().to_owned(), Mapped::UNMAPPED),
            (None, None) => (String::new(), codes.categorise("", false, date)),
        },
        None => (String::new(), codes.categorise("", false, date)),
    };
    let mut mark = AttendanceMark::new(
        VENDOR,
        student_id,
        date,
        Slot::Session,
        code,
        mapped.category,
    )
    .with_late(mapped.late);
    mark.session = match record.session {
        Some(AttendanceSession::Am) => Some(Session::Am),
        Some(AttendanceSession::Pm) => Some(Session::Pm),
        _ => None,
    };
    mark.minutes_late = record
        .minutes_late
        .map(|m| u32::try_from(m).unwrap_or(u32::MAX));
    mark.note = nonempty(record.comment.as_deref());
    Ok(mark)
}

#[cfg(test)]
mod tests {
    use mis_core::AttendanceCategory::*;

    use mis_core::codes::CodeMapper;

    use super::*;
    use crate::convert::codes::{Categoriser, code};
    use crate::wire;

    fn records(json: &str) -> Vec<AttendanceRecord> {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn dfe_codes_map_through_the_shared_table() {
        let rs = records(
            r#"[
            {"id": 1, "student_id": 5, "date": "2024-09-02", "session": "am",
             "attendance_code": {"id": 1, "code": "/", "description": "Present"}},
            {"id": 2, "student_id": 5, "date": "2024-09-02", "session": "pm",
             "attendance_code": {"id": 3, "code": "L"}, "minutes_late": 12, "comment": "bus"},
            {"id": 3, "student_id": 5, "date": "2024-09-03", "session": "am",
             "attendance_code": {"id": 9, "code": "J1"}},
            {"id": 4, "student_id": 5, "date": "2024-09-03", "session": "pm",
             "attendance_code": {"id": 20, "code": "-"}}
        ]"#,
        );
        let m = Categoriser::default();
        let book = CodeBook::default();
        let marks: Vec<AttendanceMark> = rs
            .iter()
            .map(|r| mark(r, "5", &book, &m).unwrap())
            .collect();
        assert_eq!(marks[0].category, Present);
        assert_eq!(marks[0].session, Some(Session::Am));
        assert_eq!(marks[0].slot, Slot::Session);
        assert_eq!((marks[1].category, marks[1].late), (Present, true));
        assert_eq!(marks[1].minutes_late, Some(12));
        assert_eq!(marks[1].note.as_deref(), Some("bus"));
        assert_eq!(marks[2].category, AuthorisedAbsence);
        assert_eq!(marks[3].category, NoMark);
        assert!(
            marks
                .iter()
                .all(|m| m.provider == "hubmis" && m.student_id == "5")
        );
    }

    #[test]
    fn the_date_decides_which_table_applies() {
        let rs = records(
            r#"[{"date": "2023-10-02", "session": "am", "attendance_code": "J"},
                {"date": "2024-10-02", "session": "am", "attendance_code": "J"}]"#,
        );
        let m = Categoriser::default();
        let book = CodeBook::default();
        assert_eq!(
            mark(&rs[0], "1", &book, &m).unwrap().category,
            ApprovedEducationalActivity
        );
        assert_eq!(mark(&rs[1], "1", &book, &m).unwrap().category, Unmapped);
    }

    #[test]
    fn codes_named_by_id_are_read_from_the_book_and_overrides_apply() {
        let book_wire: Vec<wire::AttendanceCode> = serde_json::from_str(
            r#"[{"id": 4, "code": "I", "description": "Illness", "display": true},
                {"id": 5, "description": "no code"}]"#,
        )
        .unwrap();
        let book = CodeBook::new(&book_wire);
        let rs = records(r#"[{"date": "2024-09-02", "session": "am", "attendance_code": 4}]"#);
        assert!(needs_code_book(&rs[0]));
        let m = Categoriser::from(CodeMapper::new().override_code("I", UnauthorisedAbsence, false));
        let got = mark(&rs[0], "1", &book, &m).unwrap();
        assert_eq!(
            (got.code.as_str(), got.category),
            ("I", UnauthorisedAbsence)
        );
        let on = jiff::civil::date(2024, 9, 2);
        let entries: Vec<_> = book_wire
            .iter()
            .filter_map(|c| code(c, &Categoriser::default(), on))
            .collect();
        assert_eq!(entries.len(), 1);
        assert_eq!(entries[0].category, AuthorisedAbsence);
        assert_eq!(entries[0].label.as_deref(), Some("Illness"));
    }

    /// Item 10 of issue 15: an id the book lacks is not an empty register slot.
    #[test]
    fn an_unknown_code_id_is_unmapped_with_the_id_as_its_code() {
        let book_wire: Vec<wire::AttendanceCode> = serde_json::from_str(
            r#"[{"id": 1, "code": "/", "description": "Present", "display": true},
                {"id": 20, "code": "-", "description": "No mark", "display": false}]"#,
        )
        .unwrap();
        let book = CodeBook::new(&book_wire);
        let rs = records(
            r#"[{"id": 5, "date": "2024-09-02", "session": "am", "attendance_code": {"id": 57}},
                {"id": 6, "date": "2024-09-02", "session": "pm", "attendance_code": 57},
                {"id": 7, "date": "2024-09-03", "session": "am", "attendance_code": {"id": 20}}]"#,
        );
        let m = Categoriser::default();
        let got: Vec<_> = rs
            .iter()
            .map(|r| mark(r, "1", &book, &m).unwrap())
            .map(|m| (m.code, m.category, m.late))
            .collect();
        assert_eq!(
            got,
            [
                ("57".to_owned(), Unmapped, false),
                ("57".to_owned(), Unmapped, false),
                ("-".to_owned(), NoMark, false),
            ]
        );
    }

    /// The book's code is classified with the table of the mark's date: `J` named by id is
    /// an approved educational activity in 2023 and not a code at all from August 2024.
    #[test]
    fn a_book_code_is_classified_on_the_marks_date() {
        let book_wire: Vec<wire::AttendanceCode> =
            serde_json::from_str(r#"[{"id": 9, "code": "J", "description": "Interview"}]"#)
                .unwrap();
        let book = CodeBook::new(&book_wire);
        let rs = records(
            r#"[{"date": "2023-10-02", "session": "am", "attendance_code": {"id": 9}},
                {"date": "2024-10-02", "session": "am", "attendance_code": {"id": 9}}]"#,
        );
        let m = Categoriser::default();
        let old = mark(&rs[0], "1", &book, &m).unwrap();
        let new = mark(&rs[1], "1", &book, &m).unwrap();
        assert_eq!(
            (old.code.as_str(), old.category),
            ("J", ApprovedEducationalActivity)
        );
        assert_eq!((new.code.as_str(), new.category), ("J", Unmapped));
    }

    #[test]
    fn a_record_without_a_date_is_an_error_naming_it() {
        let rs = records(r#"[{"id": 77, "session": "am", "attendance_code": "/"}]"#);
        let e = mark(&rs[0], "1", &CodeBook::default(), &Categoriser::default()).unwrap_err();
        assert_eq!(e.kind(), mis_core::ErrorKind::Decode);
        assert!(e.to_string().contains("77"), "{e}");
        let rs = records(r#"[{"date": "2024-09-02", "session": "noon"}]"#);
        let m = mark(&rs[0], "1", &CodeBook::default(), &Categoriser::default()).unwrap();
        assert_eq!((m.session, m.category), (None, NoMark));
    }

    /// `MIS_HUBMIS_CODE_MAP` comes before the DfE table: the school's own `Q` on a mark
    /// comes out with its mapped category, and without the map it is `unmapped` (a DfE `Q`
    /// would be `not_counted`).
    #[test]
    fn the_code_map_decides_a_school_defined_code_on_a_mark() {
        let rs = records(
            r#"[{"id": 1, "date": "2025-01-06", "session": "am",
                 "attendance_code": {"id": 30, "code": "Q", "description": "Quarantine room",
                                     "is_statutory": false}},
                {"id": 2, "date": "2025-01-06", "session": "pm",
                 "attendance_code": {"id": 12, "code": "Q"}}]"#,
        );
        let book = CodeBook::default();
        let plain = Categoriser::default();
        let got: Vec<_> = rs
            .iter()
            .map(|r| mark(r, "1", &book, &plain).unwrap().category)
            .collect();
        assert_eq!(got, [Unmapped, NotCounted]);
        let map = mis_core::codes::parse_code_map("Q=authorised_absence").unwrap();
        let mapped = Categoriser::new(map, CodeMapper::new());
        let got: Vec<_> = rs
            .iter()
            .map(|r| mark(r, "1", &book, &mapped).unwrap())
            .map(|m| (m.code, m.category))
            .collect();
        assert_eq!(
            got,
            [
                ("Q".to_owned(), AuthorisedAbsence),
                ("Q".to_owned(), AuthorisedAbsence)
            ]
        );
    }
}
