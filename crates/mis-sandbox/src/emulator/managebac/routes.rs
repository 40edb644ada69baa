//! The route table and thin handlers: parse the request, call a renderer or a write
//! function, count applied writes, answer JSON.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, put};
use axum::{Json, Router, middleware};
use jiff::Timestamp;
use serde_json::json;

use super::Shared;
use super::auth::gate;
use super::render::{Params, Rendered};
use super::writes::{self, Applied};

type S = State<Arc<Shared>>;
type Q = Query<Vec<(String, String)>>;
type One = Path<String>;
type Two = Path<(String, String)>;

/// Every path the router serves, relative to the version prefix: the tests check that each
/// is routed and has a fixture.
#[cfg(test)]
pub(super) const PATHS: &[&str] = &[
    "/ping",
    "/auth/permissions",
    "/school",
    "/school/academic-years",
    "/school/programs/{program_code}/academic-years/{id}",
    "/school/programs/{program_code}/academic-years/{id}/calendar",
    "/school/academic-years/{academic_year_id}/attendance_categories",
    "/students",
    "/students/{id}",
    "/students/{id}/set_homeroom_attendance",
    "/students/{student_id}/excusals",
    "/students/{student_id}/excusals/{id}",
    "/students/excusals/{date}",
    "/teachers",
    "/teachers/{id}",
    "/year-groups",
    "/year-groups/{id}",
    "/year-groups/{id}/students",
    "/year-groups/{year_group_id}/homeroom/attendance/date/{date}",
    "/year-groups/{year_group_id}/homeroom/attendance/term/{term_id}",
    "/year-groups/{year_group_id}/homeroom/attendance/term/{term_id}/adjustments",
    "/classes",
    "/classes/{id}",
    "/classes/{id}/students",
    "/classes/{id}/teachers",
    "/classes/{id}/timetable",
    "/classes/{id}/attendance",
    "/classes/{id}/attendance/date/{date}",
    "/classes/{id}/attendance/term/{term_id}",
    "/behavior/notes",
    "/memberships",
];

/// The versioned API under `/v2p1` (the documented prefix) and `/v2` (the moving "latest",
/// Faria's "About versions" page; same routes), behind the quota and token gate.
pub(super) fn router(shared: Arc<Shared>) -> Router {
    let api: Router<Arc<Shared>> = Router::new()
        .route("/ping", get(ping))
        .route("/auth/permissions", get(permissions))
        .route("/school", get(school))
        .route("/school/academic-years", get(academic_years))
        .route(
            "/school/programs/{program_code}/academic-years/{id}",
            get(academic_year),
        )
        .route(
            "/school/programs/{program_code}/academic-years/{id}/calendar",
            get(calendar),
        )
        .route(
            "/school/academic-years/{academic_year_id}/attendance_categories",
            get(attendance_categories),
        )
        .route("/students", get(students))
        .route("/students/{id}", get(student))
        .route(
            "/students/{id}/set_homeroom_attendance",
            put(set_homeroom_attendance),
        )
        .route(
            "/students/{student_id}/excusals",
            get(student_excusals).post(create_excusal),
        )
        .route(
            "/students/{student_id}/excusals/{id}",
            axum::routing::patch(update_excusal).delete(delete_excusal),
        )
        .route("/students/excusals/{date}", get(excusals_on))
        .route("/teachers", get(teachers))
        .route("/teachers/{id}", get(teacher))
        .route("/year-groups", get(year_groups))
        .route("/year-groups/{id}", get(year_group))
        .route("/year-groups/{id}/students", get(year_group_students))
        .route(
            "/year-groups/{year_group_id}/homeroom/attendance/date/{date}",
            get(homeroom_date),
        )
        .route(
            "/year-groups/{year_group_id}/homeroom/attendance/term/{term_id}",
            get(homeroom_term),
        )
        .route(
            "/year-groups/{year_group_id}/homeroom/attendance/term/{term_id}/adjustments",
            get(homeroom_adjustments),
        )
        .route("/classes", get(classes))
        .route("/classes/{id}", get(class))
        .route("/classes/{id}/students", get(class_students))
        .route("/classes/{id}/teachers", get(class_teachers))
        .route("/classes/{id}/timetable", get(class_timetable))
        .route("/classes/{id}/attendance", put(set_class_attendance))
        .route("/classes/{id}/attendance/date/{date}", get(class_date))
        .route("/classes/{id}/attendance/term/{term_id}", get(class_term))
        .route("/behavior/notes", get(behavior_notes))
        .route("/memberships", get(memberships));
    Router::new()
        .nest("/v2p1", api.clone())
        .nest("/v2", api)
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(shared.clone(), gate))
        .with_state(shared)
}

/// A rendered body as a response.
pub(super) fn respond(r: Rendered) -> Response {
    match r {
        Ok(v) => (StatusCode::OK, Json(v)).into_response(),
        Err(e) => (e.status, Json(e.body)).into_response(),
    }
}

/// A write's answer; applied records are counted once each.
fn applied(s: &Shared, r: Applied, ok: StatusCode) -> Response {
    match r {
        Ok((v, n)) => {
            s.stats.applied_writes.fetch_add(n, Ordering::SeqCst);
            (ok, Json(v)).into_response()
        }
        Err(e) => (e.status, Json(e.body)).into_response(),
    }
}

/// Whole seconds, as the vendor's timestamps are.
fn now() -> Timestamp {
    let t = Timestamp::now();
    Timestamp::from_second(t.as_second()).unwrap_or(t)
}

async fn not_found() -> Response {
    (StatusCode::NOT_FOUND, Json(json!({ "error": "Not Found" }))).into_response()
}

async fn ping() -> Response {
    respond(Ok(json!({ "pong": "ok" })))
}

async fn permissions(State(s): S) -> Response {
    let plan = s.faults.plan();
    respond(Ok(super::permissions(plan.records, plan.onboarding)))
}

async fn school(State(s): S) -> Response {
    respond(Ok(s.view().school()))
}

async fn academic_years(State(s): S, Query(q): Q) -> Response {
    respond(Ok(s.view().academic_years(&Params(q))))
}

async fn academic_year(State(s): S, Path((program, id)): Two) -> Response {
    respond(s.view().academic_year(&program, &id))
}

async fn calendar(State(s): S, Path((program, id)): Two) -> Response {
    respond(s.view().calendar(&program, &id))
}

async fn attendance_categories(State(s): S, Path(year): One) -> Response {
    respond(s.view().attendance_categories(&year))
}

async fn students(State(s): S, Query(q): Q) -> Response {
    respond(s.view().students(&Params(q)))
}

async fn student(State(s): S, Path(id): One) -> Response {
    respond(s.view().student(&id))
}

async fn set_homeroom_attendance(State(s): S, Path(id): One, body: Bytes) -> Response {
    let r = writes::set_homeroom(&s.view(), &mut s.writes(), &id, &body);
    applied(&s, r, StatusCode::OK)
}

async fn student_excusals(State(s): S, Path(id): One, Query(q): Q) -> Response {
    respond(s.view().student_excusals(&s.writes(), &id, &Params(q)))
}

async fn create_excusal(State(s): S, Path(id): One, body: Bytes) -> Response {
    let r = writes::create_excusal(&s.view(), &mut s.writes(), &id, &body, now());
    applied(&s, r, StatusCode::CREATED)
}

async fn update_excusal(State(s): S, Path((student, id)): Two, body: Bytes) -> Response {
    let r = writes::update_excusal(&s.view(), &mut s.writes(), &student, &id, &body, now());
    applied(&s, r, StatusCode::OK)
}

async fn delete_excusal(State(s): S, Path((student, id)): Two) -> Response {
    let r = writes::delete_excusal(&s.view(), &mut s.writes(), &student, &id);
    applied(&s, r, StatusCode::OK)
}

async fn excusals_on(State(s): S, Path(date): One, Query(q): Q) -> Response {
    respond(s.view().excusals_on(&s.writes(), &date, &Params(q)))
}

async fn teachers(State(s): S, Query(q): Q) -> Response {
    respond(s.view().teachers(&Params(q)))
}

async fn teacher(State(s): S, Path(id): One) -> Response {
    respond(s.view().teacher(&id))
}

async fn year_groups(State(s): S, Query(q): Q) -> Response {
    respond(s.view().year_groups(&Params(q)))
}

async fn year_group(State(s): S, Path(id): One) -> Response {
    respond(s.view().year_group(&id))
}

async fn year_group_students(State(s): S, Path(id): One, Query(q): Q) -> Response {
    respond(s.view().year_group_students(&id, &Params(q)))
}

async fn homeroom_date(State(s): S, Path((id, date)): Two, Query(q): Q) -> Response {
    respond(
        s.view()
            .homeroom_attendance_date(&s.writes(), &id, &date, &Params(q)),
    )
}

async fn homeroom_term(State(s): S, Path((id, term)): Two, Query(q): Q) -> Response {
    respond(
        s.view()
            .homeroom_attendance_term(&s.writes(), &id, &term, &Params(q)),
    )
}

async fn homeroom_adjustments(State(s): S, Path((id, term)): Two) -> Response {
    respond(s.view().homeroom_adjustments(&id, &term))
}

async fn classes(State(s): S, Query(q): Q) -> Response {
    respond(s.view().classes(&Params(q)))
}

async fn class(State(s): S, Path(id): One) -> Response {
    respond(s.view().class(&id))
}

async fn class_students(State(s): S, Path(id): One, Query(q): Q) -> Response {
    respond(s.view().class_students(&id, &Params(q)))
}

async fn class_teachers(State(s): S, Path(id): One, Query(q): Q) -> Response {
    respond(s.view().class_teachers(&id, &Params(q)))
}

async fn class_timetable(State(s): S, Path(id): One) -> Response {
    respond(s.view().class_timetable(&id))
}

async fn set_class_attendance(State(s): S, Path(id): One, body: Bytes) -> Response {
    let r = writes::set_class_attendance(&s.view(), &mut s.writes(), &id, &body);
    applied(&s, r, StatusCode::OK)
}

async fn class_date(State(s): S, Path((id, date)): Two, Query(q): Q) -> Response {
    respond(
        s.view()
            .class_attendance_date(&s.writes(), &id, &date, &Params(q)),
    )
}

async fn class_term(State(s): S, Path((id, term)): Two, Query(q): Q) -> Response {
    respond(
        s.view()
            .class_attendance_term(&s.writes(), &id, &term, &Params(q)),
    )
}

async fn behavior_notes(State(s): S, Query(q): Q) -> Response {
    respond(s.view().behavior_notes(&Params(q)))
}

async fn memberships(State(s): S, Query(q): Q) -> Response {
    respond(s.view().memberships(&Params(q)))
}
