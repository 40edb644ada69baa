//! The record faults of [`RecordFaults`](crate::emulator::RecordFaults): one student, one
//! student's sub-resources, one auxiliary read — each rendered the way a HUBmis server
//! shows such a fault, never the way a client would like to see it.
//!
//! | fault | what HUBmis sends |
//! |---|---|
//! | `malformed_record` | the students list (and `GET /students/{id}`) renders the student at `MALFORMED_STUDENT` with `date_of_birth` as a JSON integer (`20110101`, the corrupt shape a user reported), its `id` and every other field intact |
//! | `missing_subresource` | the student at `MISSING_STUDENT` is listed, but its enrolment record and its attendance records answer Laravel's model 404 (`{"message":"No query results for model [StudentEnrolment] 57"}`) |
//! | `forbidden_auxiliary` | `GET /school/regional-settings` answers Passport's missing-scope 403 (`{"message":"Invalid scope(s) provided."}`) |
//!
//! Why the regional settings: every operation in the document lists the OAuth scopes it
//! requires ("Requires … scopes"), so a client registered without the school-settings scope
//! gets a 403 on that one call while its student, attendance, timetable and pastoral scopes
//! keep working. The settings only say which zone the school's wall-clock times are in (the
//! sample: `"timezone": "Europe/London"`): they enrich the times of the timetable and of
//! pastoral events, and hold no record of their own. The form and year groups were not
//! picked: the student record already carries its form and the form's year group, so they
//! enrich nothing a client needs.

use axum::http::StatusCode;
use axum::response::Response;
use serde_json::Value;

use super::errors;
use super::int_id;
use super::routes::Hubmis;
use crate::emulator::RecordFaults;

/// The student whose list record is malformed, when that fault is on.
fn malformed_student(state: &Hubmis) -> Option<&mis_core::Student> {
    if !state.faults.plan().records.malformed_record {
        return None;
    }
    state.school.students.get(RecordFaults::MALFORMED_STUDENT)
}

/// Whether `id` (a path parameter) is the student whose sub-resources answer 404.
pub(super) fn is_missing(state: &Hubmis, id: &str) -> bool {
    state.faults.plan().records.missing_subresource
        && state
            .school
            .students
            .get(RecordFaults::MISSING_STUDENT)
            .is_some_and(|s| s.id == id.trim())
}

/// The 404 a sub-resource of the missing student answers: Laravel's `ModelNotFoundException`
/// for the record the route looks up (`StudentEnrolment`, `StudentAttendance`).
pub(super) fn missing(model: &str, id: &str) -> Response {
    errors::not_found(model, id.trim())
}

/// The regional settings' 403, when that fault is on.
pub(super) fn forbidden_regional_settings(state: &Hubmis) -> Option<Response> {
    state
        .faults
        .plan()
        .records
        .forbidden_auxiliary
        .then(|| errors::message(StatusCode::FORBIDDEN, errors::MISSING_SCOPE))
}

/// Spoils the malformed student's record in `body` (a students page, or one student): its
/// date of birth becomes the integer `YYYYMMDD`.
pub(super) fn malform(state: &Hubmis, body: &mut Value) {
    let Some(s) = malformed_student(state) else {
        return;
    };
    let id = int_id(&s.id);
    let spoil = |record: &mut Value| {
        if record.get("id") == Some(&id) {
            let dob = s.date_of_birth.map_or(20_110_101, |d| {
                i64::from(d.year()) * 10_000 + i64::from(d.month()) * 100 + i64::from(d.day())
            });
            record["date_of_birth"] = Value::from(dob);
        }
    };
    match body {
        Value::Array(records) => records.iter_mut().for_each(spoil),
        record => spoil(record),
    }
}
