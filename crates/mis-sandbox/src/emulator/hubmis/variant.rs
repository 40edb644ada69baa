//! The second school profile ([`Profile::Variant`](crate::Profile::Variant)): what real
//! HUBmis servers also send, per the vendor document and the reference notes, and what a
//! client that only knows the common shape gets wrong.
//!
//! | variant | source | what this emulator does |
//! |---|---|---|
//! | a student who left during the term | every school | the on-roll student [`leaver`] picks has `enrolment_status: "past"` from the 5th school day of the attendance range on: listed by `filter[enrolmentStatus]=past`, not by `=current`, with no form (the leavers' shape); their marks, calendar days and pastoral events stop after that day, and what was recorded before stays |
//! | the client has no admissions scope | "Students: Get List" requires `students.admissions.admissions.read` "for basic call" and for `applicant` | `GET /students` without `filter[enrolmentStatus]`, or with `applicant`, answers Passport's 403 `{"message":"Invalid scope(s) provided."}`; `current` and `past` work |
//! | pages capped below `page[size]` | HUBmis's `filter[…]`/`page[…]` style is the spatie JSON:API paginator's, which clamps `page[size]` to its `max_results` without an error (inferred) | every paged list serves at most [`PAGE_CAP`] records a page, whatever `page[size]` asks (no 422 above 100) |
//! | the calendar's required `filter[date]` | "Fetch Timetable Calendar" marks `filter[dateFrom]`, `filter[dateTo]` **and** `filter[date]` required | a calendar request without any of the three answers 422 naming it |
//! | marks name their code by id | `filter[attendanceCode]` is an id; the record sample lost its fields (inferred) | attendance records carry `"attendance_code": {"id": N}` only, to be read through the code book |
//! | a code missing from the code book | schools retire codes they once recorded (inferred) | the code [`retired_code`] picks (the school's least used) is left out of `GET /attendance/codes`, while marks keep its id |
//! | year groups without `dfe_year` | the "Year Groups: Get one" sample's `dfe_year` is not on every record (inferred) | a student's `form.year_group` carries `id`, `name` (`"Year 9"`) and `code` (`"Y9"`) only |
//!
//! [`variant_school`] is the school as this profile serves it (the leaver applied), so a
//! test can build what the client should read.

use jiff::civil::Date;
use mis_core::{EnrolmentStatus, GroupKind};
use serde_json::Value;

use crate::emulator::RecordFaults;
use crate::school::School;

/// The most records a page holds in the variant profile.
pub const PAGE_CAP: usize = 50;

/// Which school day of the attendance range (1-based) is the leaver's last day on roll.
const LEAVING_DAY: usize = 5;

/// The student who leaves during the term and their last day on roll: the on-roll student
/// in the middle of the roll that has lessons (never one a record fault touches, nor the
/// first student, whom the conformance suite reads lessons for), leaving on the 5th school
/// day of the attendance range.
pub fn leaver(school: &School) -> Option<(String, Date)> {
    let range = school.attendance_range?;
    let day = school
        .calendar
        .days_between(range.from(), range.to())
        .get(LEAVING_DAY - 1)?
        .date;
    let on_roll: Vec<usize> = school
        .students
        .iter()
        .enumerate()
        .filter(|(_, s)| s.enrolment_status != Some(EnrolmentStatus::Leaver))
        .map(|(i, _)| i)
        .collect();
    let spared = [
        0,
        RecordFaults::MALFORMED_STUDENT,
        RecordFaults::MISSING_STUDENT,
    ];
    let teaches = |id: &str| {
        school
            .groups_of(GroupKind::Teaching)
            .any(|g| g.student_ids.iter().any(|s| s == id))
    };
    let middle = on_roll.len() / 2;
    on_roll[middle..]
        .iter()
        .chain(on_roll[..middle].iter())
        .map(|i| (*i, &school.students[*i]))
        .find(|(i, s)| !spared.contains(i) && teaches(&s.id))
        .map(|(_, s)| (s.id.clone(), day))
}

/// The code left out of the variant code book: the school's least used session code (ties:
/// the first in code order), never `-`, the register's "no mark".
pub fn retired_code(school: &School) -> Option<String> {
    let mut uses = std::collections::BTreeMap::<&str, usize>::new();
    for m in &school.session_marks {
        if m.code != "-" {
            *uses.entry(m.code.as_str()).or_default() += 1;
        }
    }
    uses.iter()
        .min_by_key(|(code, n)| (**n, **code))
        .map(|(code, _)| (*code).to_owned())
}

/// The school as the variant profile serves it: [`leaver`]'s student has left on their day —
/// status `Leaver`, a leaving date, out of their form, year group and house (kept in their
/// teaching groups, whose calendar days after leaving the handler cuts), marks after that
/// day gone, and gone from the students of later events (an event left with nobody goes).
pub fn variant_school(school: &School) -> School {
    let mut out = school.clone();
    let Some((id, day)) = leaver(school) else {
        return out;
    };
    if let Some(s) = out.students.iter_mut().find(|s| s.id == id) {
        s.enrolment_status = Some(EnrolmentStatus::Leaver);
        s.year_group = None;
        s.registration_group = None;
    }
    if let Some(e) = out.enrolments.iter_mut().find(|e| e.student_id == id) {
        e.leaving_date = Some(day);
    }
    for g in &mut out.groups {
        if matches!(
            g.kind,
            GroupKind::Registration | GroupKind::Year | GroupKind::House
        ) {
            g.student_ids.retain(|s| *s != id);
        }
    }
    out.session_marks
        .retain(|m| m.student_id != id || m.date <= day);
    out.lesson_marks
        .retain(|m| m.student_id != id || m.date <= day);
    for b in &mut out.behaviour {
        if b.event.date > day {
            b.event.student_ids.retain(|s| *s != id);
        }
    }
    out.behaviour.retain(|b| !b.event.student_ids.is_empty());
    out
}

/// The last day on roll of a student who has left, when the school records one.
pub(super) fn left_on(school: &School, student_id: &str) -> Option<Date> {
    school
        .enrolments
        .iter()
        .find(|e| e.student_id == student_id)
        .and_then(|e| e.leaving_date)
}

/// Drops `dfe_year` from every `form.year_group` in `body` (a students page or one student).
pub(super) fn without_dfe_year(body: &mut Value) {
    let strip = |record: &mut Value| {
        if let Some(year) = record
            .get_mut("form")
            .and_then(|f| f.get_mut("year_group"))
            .and_then(Value::as_object_mut)
        {
            year.remove("dfe_year");
        }
    };
    match body {
        Value::Array(records) => records.iter_mut().for_each(strip),
        record => strip(record),
    }
}

/// Replaces each record's `attendance_code` object by its id alone.
pub(super) fn codes_by_id(body: &mut Value) {
    if let Value::Array(records) = body {
        for r in records {
            if let Some(code) = r.get_mut("attendance_code") {
                let id = code.get("id").cloned().unwrap_or(Value::Null);
                *code = serde_json::json!({ "id": id });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_leaver_leaves_mid_range_with_marks_before_and_none_after() {
        let school = School::generate(5, 30);
        let (id, day) = leaver(&school).unwrap();
        let range = school.attendance_range.unwrap();
        assert!(range.from() < day && day < range.to());
        let v = variant_school(&school);
        let student = v.student(&id).unwrap();
        assert_eq!(student.enrolment_status, Some(EnrolmentStatus::Leaver));
        assert_eq!(left_on(&v, &id), Some(day));
        let marks: Vec<_> = v
            .session_marks
            .iter()
            .filter(|m| m.student_id == id)
            .collect();
        assert!(!marks.is_empty());
        assert!(marks.iter().all(|m| m.date <= day));
        let before = school
            .session_marks
            .iter()
            .filter(|m| m.student_id == id && m.date <= day)
            .count();
        assert_eq!(
            marks.len(),
            before,
            "what was recorded before leaving stays"
        );
        assert!(
            v.groups
                .iter()
                .filter(|g| g.kind != GroupKind::Teaching)
                .all(|g| !g.student_ids.contains(&id))
        );
    }

    #[test]
    fn the_retired_code_is_used_by_marks() {
        let school = School::generate(5, 30);
        let code = retired_code(&school).unwrap();
        assert_ne!(code, "-");
        assert!(school.session_marks.iter().any(|m| m.code == code));
    }
}
