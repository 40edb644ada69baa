//! The onboarding faults of [`OnboardingFaults`]: a school set up wrong for an integration,
//! as GO 4 Schools shows it.
//!
//! | fault | what GO 4 Schools sends |
//! |---|---|
//! | `disabled_module` | the school does not have the **Behaviour module**: every `…/behaviour/…` route (classification, event types, actions, events) answers 403 `{"error": "Forbidden", "message": "Module Disabled"}`, the Errors table's "The school does not have the specific module."; every other route as before |
//! | `school_code` | the school uses `Q` for a code of its own (`Quarantine room`): the year's code book (`…/attendance/codes`) has the school's `Q` — the DfE entry's id relabelled, or a new entry after the last when the book has no `Q` — and every session and lesson mark of the first student on roll carries its id (no alias) |
//! | `missing_time_zone` | nothing: GO's `GET /school` has no time zone (`code`, `name`, `academic_years`, `current_academic_year`), so there is none to leave unset |
//!
//! GO keys belong to one school, so there is no tenant to get wrong: a wrong key gets the
//! 401 "The API key is invalid." as before.
//!
//! Why the Behaviour module: the API reference's only 403s are "Module Disabled" ("The
//! school does not have the specific module."), "Embargo Enabled" and "Not Enabled For
//! Bromcom", and GO sells attendance and behaviour as optional modules, each with its own
//! permissions ("Behaviour-Behaviour Scheme (school.behaviour.read)", "Behaviour-Student
//! Behaviour (students.behaviour.read)"). Without it, students, attendance and the timetable
//! keep working.
//!
//! Why a code book entry and not an alias: an alias (`IR` "Isolation Room" under `/` in the
//! reference's sample) refines a DfE code and counts as that code; a school's own code from
//! its MIS is an entry of the code book itself, known to a client only by its letter and
//! label.

use mis_core::EnrolmentStatus;
use serde_json::{Value, json};

use super::index::{Index, num};
use crate::emulator::OnboardingFaults;
use crate::school::School;

/// The id the school's own code has in the year's code book: the DfE entry's with the same
/// letter (the school uses that letter for its own meaning), else the one after the last.
pub(super) fn school_code_id(ix: &Index) -> u64 {
    ix.code(OnboardingFaults::SCHOOL_CODE).map_or_else(
        || ix.codes.iter().map(|c| c.id).max().unwrap_or(0) + 1,
        |c| c.id,
    )
}

/// Puts the school's own code into a code book body (`GET …/attendance/codes`).
pub(super) fn code_book(ix: &Index, body: &mut Value) {
    let Value::Array(codes) = body else {
        return;
    };
    let id = school_code_id(ix);
    codes.retain(|c| c["id"].as_u64() != Some(id));
    codes.push(json!({
        "id": id,
        "code": OnboardingFaults::SCHOOL_CODE,
        "label": OnboardingFaults::SCHOOL_CODE_LABEL,
        "attendance_officer_only": false,
        "protect_if_entered_by_attendance_officer": true,
        "protect_if_entered_by_school_manager": false,
        "protect_if_entered_by_behaviour_manager": false,
        "aliases": [],
    }));
    codes.sort_by_key(|c| c["id"].as_u64().unwrap_or(u64::MAX));
}

/// The first student on roll, as GO's id: the first of `…/students` (the school's order)
/// who has not left.
pub(super) fn first_on_roll(school: &School) -> Option<u64> {
    school
        .students
        .iter()
        .find(|s| {
            !matches!(
                s.enrolment_status,
                Some(EnrolmentStatus::Leaver | EnrolmentStatus::Applicant)
            ) && school
                .enrolments
                .iter()
                .find(|e| e.student_id == s.id)
                .is_none_or(|e| e.leaving_date.is_none())
        })
        .map(|s| num(&s.id))
}

/// Gives every mark of the first student on roll in `body` (one date's session or lesson
/// register; `prefix` `session` or `lesson`) the school's own code.
pub(super) fn marks(school: &School, ix: &Index, prefix: &str, body: &mut Value) {
    let Some(student) = first_on_roll(school) else {
        return;
    };
    let Value::Array(rows) = body else {
        return;
    };
    let id = school_code_id(ix);
    for row in rows
        .iter_mut()
        .filter(|r| r["student_id"].as_u64() == Some(student))
    {
        row[format!("{prefix}_mark_id")] = Value::from(id);
        row[format!("{prefix}_alias_id")] = Value::Null;
    }
}
