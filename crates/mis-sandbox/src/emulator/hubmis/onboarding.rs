//! The onboarding faults of [`OnboardingFaults`](crate::emulator::OnboardingFaults): a
//! school set up wrong for an integration, as a HUBmis server shows it.
//!
//! | fault | what HUBmis sends |
//! |---|---|
//! | `disabled_module` | the **Pastoral module** is not granted to the client: `GET /pastoral/events`, `GET /pastoral/events/{id}` and `GET /students/{id}/wellbeing-events` answer Passport's missing-scope 403 (`{"message":"Invalid scope(s) provided."}`), every other route as before |
//! | `school_code` | the school has a code of its own, `OnboardingFaults::SCHOOL_CODE` (`Quarantine room`): the code book holds it with `"is_statutory": false` (in place of a DfE entry with the same letters, if the year's book has one, else after the last entry), and every session mark of the first student on roll carries it |
//! | `missing_time_zone` | `GET /school/regional-settings` answers `"timezone": null` (nobody set the school's zone) |
//!
//! An unknown realm is not a fault of the school: a client naming a realm the emulator does
//! not serve gets the 403 every such call gets (see `auth.rs`).
//!
//! Why the Pastoral module: the API reference groups its operations by module ("Pastoral
//! module", "Timetable module - Views and reporting of timetables", "Learning Support module -
//! available as an extra purchase") and every operation lists the OAuth scopes it requires,
//! so a client registered without the pastoral scopes gets a 403 on those routes while its
//! student, attendance and timetable scopes keep working.
//!
//! Why `is_statutory` (inferred: the reference's code book sample lost its fields): a
//! school's code book holds the DfE codes and may hold codes the school defined itself,
//! whose letters may even be a DfE code's with another meaning (`Q` was free before August
//! 2024, when the DfE made it "unable to attend: lack of access arrangements"). A
//! school-defined entry says so with `"is_statutory": false`; the DfE entries do not carry
//! the field, so the code book of a school without codes of its own is as before.

use axum::http::StatusCode;
use axum::response::Response;
use mis_core::EnrolmentStatus;
use serde_json::{Value, json};

use super::errors;
use super::routes::Hubmis;
use crate::emulator::OnboardingFaults;

fn faults(state: &Hubmis) -> OnboardingFaults {
    state.faults.plan().onboarding
}

/// The pastoral routes' 403, when the module is disabled.
pub(super) fn pastoral_disabled(state: &Hubmis) -> Option<Response> {
    faults(state)
        .disabled_module
        .then(|| errors::message(StatusCode::FORBIDDEN, errors::MISSING_SCOPE))
}

/// Whether the regional settings leave the time zone unset.
pub(super) fn time_zone_missing(state: &Hubmis) -> bool {
    faults(state).missing_time_zone
}

/// The school's own code as a code book entry with `id`.
fn school_code(id: Value) -> Value {
    json!({
        "id": id,
        "code": OnboardingFaults::SCHOOL_CODE,
        "description": OnboardingFaults::SCHOOL_CODE_LABEL,
        "display": true,
        "is_statutory": false,
    })
}

/// The id of the school's code in the code book as served: the id of a DfE entry with the
/// same letters, else the one after the last.
fn school_code_id(state: &Hubmis) -> usize {
    let codes = &state.school.attendance_codes;
    codes
        .iter()
        .position(|c| c.code == OnboardingFaults::SCHOOL_CODE)
        .unwrap_or(codes.len())
        + 1
}

/// Puts the school's own code into a code book body (`GET /attendance/codes`), when that
/// fault is on. `display` is the request's `filter[display]`: the school's code is shown.
pub(super) fn code_book(state: &Hubmis, display: Option<bool>, body: &mut Value) {
    if !faults(state).school_code {
        return;
    }
    let Value::Array(codes) = body else {
        return;
    };
    let id = Value::from(school_code_id(state));
    codes.retain(|c| c["code"].as_str() != Some(OnboardingFaults::SCHOOL_CODE));
    if display != Some(false) {
        codes.push(school_code(id));
        codes.sort_by_key(|c| c["id"].as_u64().unwrap_or(u64::MAX));
    }
}

/// The first student on roll: the one whose marks carry the school's code.
fn first_on_roll(state: &Hubmis) -> Option<&str> {
    state
        .school
        .students
        .iter()
        .find(|s| {
            !matches!(
                s.enrolment_status,
                Some(EnrolmentStatus::Leaver | EnrolmentStatus::Applicant)
            )
        })
        .map(|s| s.id.as_str())
}

/// Gives every mark in `body` (a student's attendance) the school's own code, when that
/// fault is on and `student` is the first on roll.
pub(super) fn marks(state: &Hubmis, student: &str, body: &mut Value) {
    if !faults(state).school_code || first_on_roll(state) != Some(student) {
        return;
    }
    let Value::Array(records) = body else {
        return;
    };
    let id = Value::from(school_code_id(state));
    for r in records {
        let mut code = school_code(id.clone());
        if let Value::Object(map) = &mut code {
            map.remove("display");
        }
        r["attendance_code"] = code;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_school_code_is_a_code_book_entry_that_says_it_is_the_schools() {
        let c = school_code(Value::from(7));
        assert_eq!(c["code"], OnboardingFaults::SCHOOL_CODE);
        assert_eq!(c["description"], "Quarantine room");
        assert_eq!(c["is_statutory"], false);
    }
}
