//! Attendance: wire records → marks, and a mark to write → a wire record.
//!
//! Classe365 keeps status labels (`present`, `absent`, `late`, `excused`, …), with no AM/PM
//! sessions and no DfE codes (v1's `attendanceData` holds a status per register); the
//! category comes from mis-core's rules for non-DfE labels through the provider's
//! [`CodeMapper`]:
//! `late` is present + late; `excused` authorised; `absent` unauthorised; `field trip`
//! approved educational activity; anything else `unmapped`, never guessed.
//!
//! **Which register.** In Classe365 a `class` is a year / grade (departments → classes →
//! sections → subjects), and attendance is taken either **daily** (one record per student
//! per day) or **subject- / period-wise** (one record per register, naming its `subject_id`
//! and/or the day's attendance `session_id`, as v1's `attendanceData` is keyed). So:
//! - a record with neither a subject nor an attendance session is a **day** mark;
//! - a record with either is a **lesson** mark: `lesson_id` is the subject id, `period` the
//!   session's name (else its id) where given.
//!
//! Five subject registers with one absence are therefore five lesson marks (one absent),
//! not five days of which one is absent.

use mis_core::codes::{CodeMapper, CodeOverride, Mapped, find_override};
use mis_core::{AttendanceMark, AttendanceWrite, Error, Result, Slot};

use super::{missing, text, wire_date};
use crate::VENDOR;
use crate::wire::AttendanceRecord;

const OP: &str = "attendance.list";

/// An id that names something: trimmed, and neither empty nor `0` (PHP back ends send `0`
/// for "no subject" on a daily register).
fn named_id(value: Option<&str>) -> Option<String> {
    text(value).filter(|v| v != "0")
}

/// The register a record belongs to: [`Slot::Lesson`] for a subject- or period-wise
/// register (a `subject_id` or attendance `session_id` / `session_name`), else
/// [`Slot::Day`].
pub fn register_slot(w: &AttendanceRecord) -> Slot {
    let subject = named_id(w.subject_id.as_deref());
    let session = named_id(w.session_id.as_deref()).or_else(|| text(w.session_name.as_deref()));
    if subject.is_some() || session.is_some() {
        Slot::Lesson
    } else {
        Slot::Day
    }
}

/// One Classe365 attendance record as a mark: a day mark for a daily register, a lesson
/// mark (keyed by subject, and period where given) for a subject- or period-wise one. `code`
/// is the status exactly as sent; `note` the remarks.
///
/// Errors: `Decode` when the record has no student id or no valid `YYYY-MM-DD` date.
pub fn mark(w: &AttendanceRecord, mapper: &CodeMapper) -> Result<AttendanceMark> {
    mark_mapped(w, &[], mapper)
}

/// [`mark`], with the school's own status map (`MIS_CLASSE365_CODE_MAP`,
/// [`crate::Config::code_map`]) looked up first: a status the school defined comes out with
/// the category the school gave it, whatever the label rules would make of it.
///
/// Errors: as [`mark`].
pub fn mark_mapped(
    w: &AttendanceRecord,
    school: &[CodeOverride],
    mapper: &CodeMapper,
) -> Result<AttendanceMark> {
    let id = w.id.as_deref();
    let student_id = text(w.student_id.as_deref()).ok_or_else(|| {
        missing(
            OP,
            "student_id",
            "an attendance record has no student_id",
            id,
        )
    })?;
    let date = w
        .date
        .as_deref()
        .and_then(wire_date)
        .ok_or_else(|| missing(OP, "date", "an attendance record has no valid date", id))?;
    let code = w.status.clone().unwrap_or_default();
    let mapped = match find_override(school, &code) {
        Some(o) => Mapped {
            category: o.category,
            late: o.late,
        },
        None => mapper.map_label(&code),
    };
    let slot = register_slot(w);
    let (period, lesson_id) = match slot {
        Slot::Lesson => (
            text(w.session_name.as_deref()).or_else(|| named_id(w.session_id.as_deref())),
            named_id(w.subject_id.as_deref()),
        ),
        _ => (None, None),
    };
    let mut mark = AttendanceMark::new(VENDOR, student_id, date, slot, code, mapped.category)
        .with_late(mapped.late);
    mark.period = period;
    mark.lesson_id = lesson_id;
    mark.note = text(w.remarks.as_deref());
    Ok(mark)
}

/// The record to POST for `write`, updating record `existing_id` when there is one.
///
/// `write.code` is sent as the status (trimmed); `lesson_id`, when set, is the class the
/// mark is for (else the vendor uses the student's own class); `note` becomes `remarks`.
///
/// Errors (`InvalidInput`, before anything is sent): an empty student id or status; an AM/PM
/// session (Classe365 has none: one mark per day); minutes late (no such field: record
/// `late`, and the minutes in the note if they matter).
pub fn write_record(
    write: &AttendanceWrite,
    existing_id: Option<String>,
) -> Result<AttendanceRecord> {
    let student_id = text(Some(&write.student_id))
        .ok_or_else(|| Error::invalid_input("record_attendance: the student id is empty"))?;
    let status = text(Some(&write.code)).ok_or_else(|| {
        Error::invalid_input(
            "record_attendance: the status is empty (Classe365 statuses are labels such as \
             present, late, excused, absent)",
        )
    })?;
    if let Some(session) = write.session {
        return Err(Error::invalid_input(format!(
            "record_attendance: Classe365 keeps one mark per student per day and has no AM/PM \
             sessions, so a {} session mark cannot be recorded; leave the session empty to \
             record the day",
            session.as_str().to_uppercase()
        )));
    }
    if write.minutes_late.is_some() {
        return Err(Error::invalid_input(
            "record_attendance: Classe365 attendance has no minutes-late field; record the \
             status `late` (with the minutes in the note if they matter)",
        ));
    }
    Ok(AttendanceRecord {
        id: existing_id,
        student_id: Some(student_id),
        class_id: write.lesson_id.as_deref().and_then(|c| text(Some(c))),
        date: Some(write.date.to_string()),
        status: Some(status),
        remarks: write.note.as_deref().and_then(|n| text(Some(n))),
        ..AttendanceRecord::default()
    })
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;
    use mis_core::{AttendanceCategory, ErrorKind, Session};

    use super::*;

    fn record(status: &str) -> AttendanceRecord {
        serde_json::from_value(serde_json::json!({
            "id": 7, "student_id": 1001, "class_id": 3, "date": "2024-09-09",
            "status": status, "remarks": " Dentist "
        }))
        .unwrap()
    }

    #[test]
    fn statuses_map_by_the_label_rules() {
        use AttendanceCategory::*;
        let m = CodeMapper::new();
        for (status, category, late) in [
            ("present", Present, false),
            ("Present", Present, false),
            ("late", Present, true),
            ("excused", AuthorisedAbsence, false),
            ("absent", UnauthorisedAbsence, false),
            ("field trip", ApprovedEducationalActivity, false),
            ("sick", AuthorisedAbsence, false),
            ("holiday", Unmapped, false),
            ("", Unmapped, false),
        ] {
            let mark = mark(&record(status), &m).unwrap();
            assert_eq!((mark.category, mark.late), (category, late), "{status:?}");
            assert_eq!(mark.code, status, "the raw status is kept exactly");
        }
    }

    #[test]
    fn a_day_mark_with_its_note() {
        let mk = mark(&record("late"), &CodeMapper::new()).unwrap();
        assert_eq!(mk.provider, "classe365");
        assert_eq!(mk.student_id, "1001");
        assert_eq!(mk.date, date(2024, 9, 9));
        assert_eq!(mk.slot, Slot::Day);
        assert_eq!(
            (mk.session, mk.period.as_deref(), mk.lesson_id.as_deref()),
            (None, None, None)
        );
        assert_eq!(mk.note.as_deref(), Some("Dentist"));
    }

    #[test]
    fn overrides_apply() {
        let m = CodeMapper::new().override_label(
            "holiday",
            AttendanceCategory::AuthorisedAbsence,
            false,
        );
        assert_eq!(
            mark(&record("Holiday"), &m).unwrap().category,
            AttendanceCategory::AuthorisedAbsence
        );
    }

    #[test]
    fn the_schools_own_status_comes_out_with_its_mapped_category() {
        let school =
            mis_core::codes::parse_code_map("Quarantine room=authorised_absence; absent=late")
                .unwrap();
        let m = CodeMapper::new();
        // Unmapped by the label rules, mapped by the school's line.
        assert_eq!(
            mark(&record("Quarantine room"), &m).unwrap().category,
            AttendanceCategory::Unmapped
        );
        let mk = mark_mapped(&record("quarantine ROOM"), &school, &m).unwrap();
        assert_eq!(
            (mk.category, mk.late),
            (AttendanceCategory::AuthorisedAbsence, false)
        );
        assert_eq!(mk.code, "quarantine ROOM", "the raw status is kept exactly");
        // The school's line wins over the fixed rules.
        let mk = mark_mapped(&record("absent"), &school, &m).unwrap();
        assert_eq!((mk.category, mk.late), (AttendanceCategory::Present, true));
        // Statuses it does not name keep the fixed rules.
        let mk = mark_mapped(&record("excused"), &school, &m).unwrap();
        assert_eq!(mk.category, AttendanceCategory::AuthorisedAbsence);
    }

    #[test]
    fn records_without_student_or_date_are_decode_errors() {
        let mut r = record("present");
        r.date = Some("09/09/2024".into());
        let e = mark(&r, &CodeMapper::new()).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Decode);
        assert!(e.to_string().contains("date"), "{e}");
        assert!(e.to_string().contains("\"7\""), "names the record: {e}");
        let mut r = record("present");
        r.student_id = None;
        assert!(
            mark(&r, &CodeMapper::new())
                .unwrap_err()
                .to_string()
                .contains("student_id")
        );
    }

    #[test]
    fn subject_and_period_registers_are_lesson_marks() {
        let m = CodeMapper::new();
        let subject: AttendanceRecord = serde_json::from_value(serde_json::json!({
            "id": 70, "student_id": 1001, "class_id": 3, "section_id": 9, "subject_id": 41,
            "subject_name": "Maths", "session_id": 2, "session_name": "Period 2",
            "date": "2024-09-09", "status": "absent"
        }))
        .unwrap();
        let mk = mark(&subject, &m).unwrap();
        assert_eq!(mk.slot, Slot::Lesson);
        assert_eq!(
            (mk.period.as_deref(), mk.lesson_id.as_deref(), mk.session),
            (Some("Period 2"), Some("41"), None)
        );
        assert_eq!(mk.category, AttendanceCategory::UnauthorisedAbsence);
        // Period-wise without a subject: the session id is the period.
        let period: AttendanceRecord = serde_json::from_value(serde_json::json!({
            "student_id": 1001, "session_id": "3", "date": "2024-09-09", "status": "present"
        }))
        .unwrap();
        let mk = mark(&period, &m).unwrap();
        assert_eq!(
            (mk.slot, mk.period.as_deref(), mk.lesson_id.as_deref()),
            (Slot::Lesson, Some("3"), None)
        );
        // Subject-wise without periods: keyed by subject alone.
        let plain: AttendanceRecord = serde_json::from_value(serde_json::json!({
            "student_id": 1001, "subject_id": 41, "date": "2024-09-09", "status": "present"
        }))
        .unwrap();
        let mk = mark(&plain, &m).unwrap();
        assert_eq!(
            (mk.slot, mk.period.as_deref(), mk.lesson_id.as_deref()),
            (Slot::Lesson, None, Some("41"))
        );
        // A daily register, even one that says "no subject" with 0 or "".
        let daily: AttendanceRecord = serde_json::from_value(serde_json::json!({
            "student_id": 1001, "class_id": 3, "section_id": 9, "subject_id": 0,
            "session_id": "", "date": "2024-09-09", "status": "present"
        }))
        .unwrap();
        let mk = mark(&daily, &m).unwrap();
        assert_eq!((mk.slot, mk.period, mk.lesson_id), (Slot::Day, None, None));
    }

    fn day(code: &str) -> AttendanceWrite {
        let mut w = AttendanceWrite::session("1001", date(2024, 9, 9), Session::Am, code);
        w.session = None;
        w
    }

    #[test]
    fn writes() {
        let r = write_record(&day(" late ").note("Bus"), None).unwrap();
        let v = serde_json::to_value(&r).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"student_id": 1001, "date": "2024-09-09", "status": "late", "remarks": "Bus"})
        );
        let lesson = AttendanceWrite::lesson("1001", date(2024, 9, 9), "12", "present");
        let r = write_record(&lesson, Some("55".into())).unwrap();
        assert_eq!(
            (r.id.as_deref(), r.class_id.as_deref()),
            (Some("55"), Some("12"))
        );
    }

    #[test]
    fn writes_the_vendor_cannot_hold_are_refused() {
        for (w, needle) in [
            (
                AttendanceWrite::session("1", date(2024, 9, 9), Session::Pm, "present"),
                "PM session",
            ),
            (day("late").minutes_late(5), "minutes-late"),
            (day("  "), "status is empty"),
            (
                AttendanceWrite::lesson(" ", date(2024, 9, 9), "1", "present"),
                "student id",
            ),
        ] {
            let e = write_record(&w, None).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::InvalidInput);
            assert!(e.to_string().contains(needle), "{e}");
        }
    }
}
