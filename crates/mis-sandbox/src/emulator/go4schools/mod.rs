//! The GO 4 Schools customer API v1 emulator.
//!
//! Written from the vendor's customer API v1 reference and what the public clients of the
//! live API read (g4sr, the R client; G4SApiSync, Archway Trust's .NET sync tool, and its
//! Python port), never from a client crate's types.
//!
//! # Protocol
//!
//! - Paths under `/customer/v1` (the reference's base URL); year-scoped ones under
//!   `/customer/v1/academic-years/{year}` where `{year}` is the calendar year the school year
//!   **ends** (2024/2025 → `2025`, as G4SApiSync's README says). Any other year: 400 "Invalid
//!   Academic Year".
//! - `Authorization: Bearer <api_key>` on every request; otherwise 401 "The API key is
//!   invalid." Injected expiry ([`crate::FaultPlan::expire_every`]) answers the same 401.
//! - Pagination on the endpoints the reference and g4sr page with a `cursor` query
//!   parameter: `{<key>: [...], "has_more": bool, "cursor": int|null}`, `?cursor=<int>`
//!   (the last id of the previous page); a negative cursor is 400 "Invalid Cursor". Other
//!   endpoints return a bare array.
//! - Quota: GO documents a 429 but publishes no figures. The emulator allows
//!   [`QUOTA_LIMIT`] requests per key in any [`QUOTA_WINDOW`] (scaled by
//!   [`crate::EmulatorOptions::time_scale`]) — the pace of the public clients, which pause
//!   200 ms after each pull — and answers 429 "Too many requests sent in a given amount of
//!   time." with `Retry-After` (seconds), as it does for injected throttles.
//! - Errors: statuses and messages from the reference's Errors table; the body is
//!   `{"error": <Error>, "message": <Error Message>}` (the format itself is undocumented).
//!
//! # Routes
//!
//! | method | path (after `/customer/v1`) | query | body |
//! |---|---|---|---|
//! | GET | `/school` | | `{code, name, academic_years, current_academic_year}` |
//! | GET | `/users/staff` | | bare array |
//! | GET | `/academic-years/{y}/students` | | bare array |
//! | GET | `/academic-years/{y}/students/attributes` | `cursor` | `students_and_attributes` page |
//! | GET | `/academic-years/{y}/students/education-details` | `cursor` | `students_and_education_details` page |
//! | GET | `/academic-years/{y}/teaching/departments`, `/subjects`, `/teachers`, `/groups`, `/groups/students`, `/groups/teachers` | | bare arrays |
//! | GET | `/academic-years/{y}/timetables`, `/timetables/calendar` | | bare arrays |
//! | GET | `/academic-years/{y}/timetables/classes` | `cursor` | `classes` page |
//! | GET | `/academic-years/{y}/timetables/student-classes` | `cursor` | `student_classes` page |
//! | GET | `/academic-years/{y}/attendance/codes` | | bare array |
//! | GET | `/academic-years/{y}/attendance/student-session-marks/date/{yyyy-mm-dd}` | | bare array |
//! | GET | `/academic-years/{y}/attendance/student-lesson-marks/date/{yyyy-mm-dd}` | | bare array |
//! | GET | `/academic-years/{y}/attendance/student-session-summary` | | bare array |
//! | POST | `/academic-years/{y}/attendance/student-session-marks` | | JSON packet → empty 200 |
//! | GET | `/academic-years/{y}/behaviour/classification`, `/event-types`, `/actions/follow-up`, `/actions/immediate` | | bare arrays |
//! | GET | `/academic-years/{y}/behaviour/events/date/{yyyy-mm-dd}` | `cursor` | `behaviour_events` page |
//!
//! Documented endpoints whose data the synthetic school does not hold answer a documented
//! 403: `students/attributes/{demographic,send,sensitive}`, `students/medical-conditions`,
//! `students/photos`, `assessment/*`, `users/parents` and `contacts/parental` with "Module
//! Disabled"; `attainment/*` (grades, exam results, reports, prior attainment) with "Embargo
//! Enabled", the results embargo GO schools switch on.
//!
//! # Record faults
//!
//! Under [`crate::FaultPlan::records`] (deterministic, see `RecordFaults`):
//!
//! - `malformed_record`: `GET …/students` renders the student at `MALFORMED_STUDENT` with
//!   `date_of_birth` as a JSON number (`20090123`), its `id` intact.
//! - `missing_subresource`: GO has no per-student route (every read is a whole-year list or
//!   one date's whole-school register), so the nearest sub-resource answers the documented
//!   404 "The resource could not be found.": the lesson register
//!   (`…/attendance/student-lesson-marks/date/{d}`) of the first date the student at
//!   `MISSING_STUDENT` has a lesson mark on.
//! - `forbidden_auxiliary`: `…/teaching/teachers` answers 403 "Module Disabled" (a key
//!   without staff data). Teachers only name lesson teachers; the timetable, classes and
//!   calendar stay readable because the timetable read itself needs them.
//!
//! # Onboarding faults
//!
//! Under [`crate::FaultPlan::onboarding`] (see [`crate::OnboardingFaults`]; the module `onboarding`
//! says why each looks as it does):
//!
//! - `disabled_module`: the school does not have the **Behaviour module**: every
//!   `…/behaviour/…` route answers 403 "Module Disabled".
//! - `school_code`: the school uses `Q` for a code of its own, "Quarantine room": the code
//!   book's `Q` entry is the school's (the DfE `Q`'s id relabelled, or added after the last
//!   id when the year's book has no `Q`), and every session and lesson mark of the first
//!   student on roll carries its id.
//! - `missing_time_zone`: no effect. `GET /school` has no time zone to leave unset.
//!
//! # Variant profile
//!
//! With [`crate::Profile::Variant`] the emulator serves shapes real schools also send (issue
//! 14; the API reference's samples and what the public clients read):
//!
//! - **Cursor-only pages.** Paged lists (attributes, education details, classes, student
//!   classes, behaviour events) carry `cursor` (null on the last page) but no `has_more`.
//! - **Dummy-dated student classes.** `student-classes` `start` and `end` are the doc
//!   example's `2020-01-01T00:00:00Z` (typed "the start time of the class", like period
//!   times), not membership dates.
//! - **A trip on a closed day.** Behaviour events on the first Saturday after the first
//!   positive event (a weekend: `Closed` in the calendar) hold one trip, a copy of that event
//!   with the next free id, 10:00 school time ([`trip_events`] gives it in the model).
//! - **Leavers of past years.** `/school` lists two academic years (`{year - 1}`, `{year}`);
//!   students who left before this year began are in `{year - 1}`'s students and education
//!   details only (whole lists), not this year's. Every other `{year - 1}` list is empty.
//! - **Modules switched off** (with record faults): `forbidden_auxiliary` disables the
//!   timetable module — every `…/timetables…` endpoint (timetables, calendar, classes,
//!   student classes) answers 403 "Module Disabled", besides teachers; `missing_subresource`
//!   makes the school a session-mode school — every lesson register answers 400
//!   "Attendance Invalid Mode" (doc: "the school does not have the correct Attendance Mode
//!   to use the endpoint") instead of one date's 404.
//!
//! # Attendance mapping
//!
//! GO 4 Schools is a UK vendor: marks are DfE codes, sent as is. A mark travels as
//! `session_mark_id` / `lesson_mark_id`, an id into `GET …/attendance/codes`, whose `code` is
//! the DfE code; the category is the client's DfE table's business. Ids are the position
//! in the year's code book. For 2024/25 (categories: mis-core's date-aware DfE table):
//!
//! | id | code | category | | id | code | category |
//! |---|---|---|---|---|---|---|
//! | 1 | `/` | present | | 19 | `E` | authorised |
//! | 2 | `\` | present | | 20 | `G` | unauthorised |
//! | 3 | `L` | present, late | | 21 | `U` | unauthorised, late |
//! | 4–8 | `K` `V` `P` `W` `B` | approved educational activity | | 22 | `O` | unauthorised |
//! | 9 | `D` | not counted | | 23 | `N` | unauthorised |
//! | 10–12 | `C1` `C2` `C` | authorised | | 24 | `X` | not counted |
//! | 13 | `M` | authorised | | 25 | `Q` | not counted |
//! | 14–18 | `J1` `S` `T` `R` `I` | authorised | | 26–32 | `Y1`–`Y7` | not counted |
//! | | | | | 33, 34 | `Z`, `#` | not counted |
//! | | | | | 35 | `-` | no mark |
//!
//! Years before 2024-08-19 number the old book the same way, by position.
//! Aliases refine a code without
//! changing its category: `/` → `IR` "Isolation Room" (the doc's sample), `M` → `DEN`, `GP`,
//! `HOS`, `ORT` (the appointment notes; marks with those notes carry the alias id).
//!
//! # Writes
//!
//! `POST …/attendance/student-session-marks` validates like the doc (in this order):
//! malformed packet or unparseable `date` → "Invalid model state"; `session` not `AM`/`PM`
//! → "Unknown session type."; `date` missing or outside the year → "Invalid date."; UPN
//! missing or unknown → "Unknown student UPN"; not on roll that day → "Student not at this
//! school."; unknown `session_mark_id` → "Unknown Attendance Mark"; alias not of that mark →
//! "Unknown Attendance Alias Mark"; not a school day → "Date school not open.". A valid
//! write replaces the mark of (student, date, session) in the emulator's overlay, counts one
//! applied write, and shows in session marks and the session summary.

mod errors;
mod index;
mod onboarding;
mod render;
mod routes;
#[cfg(test)]
mod tests;
mod variant;

pub use variant::trip_events;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use axum::http::StatusCode;

use crate::sandbox::{Credentials, Emulator, EmulatorContext, Fixture};
use crate::school::School;

use index::Index;
use render::{DEFAULT_PAGE_SIZE, Overlay};

/// The vendor id this emulator answers for (the `go4schools` vendor crate declares the same).
pub const ID: mis_core::VendorId = mis_core::VendorId::new("go4schools");

/// This emulator: what [`crate::Sandbox::start`] starts and a vendor registry pairs with
/// the vendor.
pub const EMULATOR: crate::EmulatorDescriptor = crate::EmulatorDescriptor {
    id: ID,
    name: "GO 4 Schools",
    build,
    fixtures,
    settings,
    // Its windows are short or absent: a tenth of real time never waits on a throttle.
    demo_time_scale: 0.1,
};

/// The client settings for this emulator's school: a pace scaled with the emulator's quota
/// window (`MIS_GO4SCHOOLS_QUOTA`), so a sped-up school is read at its own speed rather than
/// at the client's default 10 requests a second. 250 of the window's [`QUOTA_LIMIT`] leaves
/// room for timing jitter at a small scale: the client never meets the emulator's 429.
pub fn settings(_: &School, options: &crate::EmulatorOptions) -> Vec<(String, String)> {
    let window = options.scaled(QUOTA_WINDOW);
    vec![(
        "MIS_GO4SCHOOLS_QUOTA".to_owned(),
        format!("{}/{}", QUOTA_LIMIT * 5 / 6, window.as_secs_f64()),
    )]
}

/// Requests one API key may make in any [`QUOTA_WINDOW`] (inferred: GO publishes no figure).
pub const QUOTA_LIMIT: usize = 300;

/// The quota window at `time_scale` 1.0.
pub const QUOTA_WINDOW: Duration = Duration::from_secs(60);

/// The API key the emulator accepts for `school`: fixed, derived from its seed.
pub fn api_key(school: &School) -> String {
    // SplitMix64 twice: deterministic, and different schools get different keys.
    let mix = |mut z: u64| {
        z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    };
    let a = mix(school.seed ^ 0x6734_735f_6170_6920);
    format!("g4s_sandbox_{a:016x}{:016x}", mix(a))
}

/// Builds the GO 4 Schools emulator over `ctx.school`: the router (paths under
/// `/customer/v1`), the credentials that work (`api_key`), and GO's 429 for injected
/// throttles.
pub fn build(ctx: &EmulatorContext) -> Emulator {
    build_with_quota(ctx, QUOTA_LIMIT)
}

/// [`build`] with another quota limit (tests use a small one to see the window reopen).
fn build_with_quota(ctx: &EmulatorContext, limit: usize) -> Emulator {
    let key = api_key(&ctx.school);
    let state = routes::Go4Schools::new(ctx, key.clone(), limit, ctx.options.scaled(QUOTA_WINDOW));
    Emulator {
        router: routes::router(Arc::new(state)),
        credentials: Credentials(BTreeMap::from([("api_key", key)])),
        throttle: Arc::new(errors::too_many),
    }
}

/// One fixture per endpoint served, rendered by the handlers' own functions for a fixed
/// request: the first page of paginated endpoints (vendor page size), the first date with
/// data for per-date endpoints, no written marks. Also the documented error bodies.
pub fn fixtures(school: &School) -> Vec<Fixture> {
    let ix = Index::new(school);
    let none = Overlay::new();
    let size = DEFAULT_PAGE_SIZE;
    let first_session = school.session_marks.first().map(|m| m.date);
    let first_lesson = school.lesson_marks.first().map(|m| m.date);
    let first_event = school.behaviour.first().map(|r| r.event.date);
    let fallback = school
        .calendar
        .days
        .first()
        .map_or(school.academic_year.start_date, |d| d.date);
    let f = |name: &str, body: serde_json::Value| Fixture {
        name: name.to_string(),
        body,
    };
    vec![
        f("school", render::school(school, &ix)),
        f("users_staff", render::staff(school, &ix)),
        f("students", render::students(school)),
        f(
            "students_attributes",
            render::attributes(school, &ix, None, size),
        ),
        f(
            "students_education_details",
            render::education_details(school, &ix, None, size),
        ),
        f("teaching_departments", render::departments(&ix)),
        f("teaching_subjects", render::subjects(school, &ix)),
        f("teaching_teachers", render::teachers(school, &ix)),
        f("teaching_groups", render::groups(school, &ix)),
        f("teaching_groups_students", render::group_students(school)),
        f("teaching_groups_teachers", render::group_teachers(school)),
        f("timetables", render::timetables(school, &ix)),
        f("timetables_calendar", render::calendar(school)),
        f(
            "timetables_classes",
            render::classes(school, &ix, None, size),
        ),
        f(
            "timetables_student_classes",
            render::student_classes(school, &ix, None, size),
        ),
        f("attendance_codes", render::attendance_codes(&ix)),
        f(
            "attendance_session_marks",
            render::session_marks(school, &ix, &none, first_session.unwrap_or(fallback)),
        ),
        f(
            "attendance_lesson_marks",
            render::lesson_marks(school, &ix, first_lesson.unwrap_or(fallback)),
        ),
        f(
            "attendance_session_summary",
            render::session_summary(school, &ix, &none),
        ),
        f("behaviour_classification", render::classifications(&ix)),
        f("behaviour_event_types", render::event_types(&ix)),
        f(
            "behaviour_events",
            render::events(school, &ix, first_event.unwrap_or(fallback), None, size),
        ),
        f("behaviour_actions_follow_up", render::follow_up_actions()),
        f("behaviour_actions_immediate", render::immediate_actions()),
        f(
            "error_400_invalid_cursor",
            errors::body(StatusCode::BAD_REQUEST, "Invalid Cursor"),
        ),
        f(
            "error_400_invalid_model_state",
            errors::model_state_body(
                "Could not convert string to DateTime: 2020-15-14. Path 'date'.",
            ),
        ),
        f(
            "error_401",
            errors::body(StatusCode::UNAUTHORIZED, errors::INVALID_KEY),
        ),
        f(
            "error_403_module_disabled",
            errors::body(StatusCode::FORBIDDEN, errors::MODULE_DISABLED),
        ),
        f(
            "error_403_embargo_enabled",
            errors::body(StatusCode::FORBIDDEN, errors::EMBARGO_ENABLED),
        ),
        f(
            "error_404",
            errors::body(StatusCode::NOT_FOUND, errors::NOT_FOUND),
        ),
        f(
            "error_429",
            errors::body(StatusCode::TOO_MANY_REQUESTS, errors::TOO_MANY),
        ),
    ]
}
