//! The route table: every endpoint api-docs, classcharts-api-js and the community mock server
//! describe, under both `/apiv2student` and `/apiv2parent`, plus the two web-form logins, and
//! the dispatch of authenticated calls.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodFilter, MethodRouter, on, post};
use jiff::civil::{Date, DateTime as Civil};
use serde_json::{Value, json};

use super::auth::{self, Shared, json};
use super::form::{Fields, body_fields, parse_urlencoded};
use super::render::{DisplayDate, PARENT_BEHAVIOURS, Window, error, ok, reward, today};
use super::state::{Api, ParentPoint, Who, pupil_code};

/// A pupil the session may not see (inferred wording).
const NO_ACCESS: &str = "You do not have permission to access this pupil";
/// A date parameter that is not `YYYY-MM-DD` (inferred wording).
const BAD_DATE: &str = "Invalid date provided";
/// The `missing_subresource` fault: one pupil's activity feed is gone (inferred wording; the
/// envelope is the documented error shape, HTTP 200, `expired: 0` — the session is fine).
const ACTIVITY_NOT_FOUND: &str = "Activity not found for this pupil";
/// The `forbidden_auxiliary` fault: the pupil's school hides the timetable module
/// (`display_timetable: false` on the student object) and `/timetable` refuses (inferred
/// wording).
const TIMETABLE_HIDDEN: &str = "You do not have permission to view this pupil's timetable";
/// The `disabled_module` onboarding fault: the school switched the homework module off
/// (`display_homework: false` on every pupil object) and the homework routes refuse, with the
/// documented error envelope (HTTP 200, `expired: 0`) and the same inferred wording as the
/// hidden timetable: nothing public records ClassCharts' words for a module that is off.
const HOMEWORK_DISABLED: &str = "You do not have permission to view this pupil's homework";
/// The documented parent-behaviour daily limit error (api-docs `add_limit_error_response`).
const DAILY_LIMIT: &str = "You have reached the daily limit awarding this behaviour";

/// The authenticated endpoints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ep {
    Ping,
    Logout,
    Pupils,
    Activity,
    Behaviour,
    Homeworks,
    HomeworkTicked,
    Timetable,
    Classes,
    EventBadges,
    Announcements,
    Detentions,
    Attendance,
    CustomFields,
    Rewards,
    Purchase,
    GetCode,
    Password,
    ParentBehaviours,
    AddParentBehaviour,
    DeleteParentBehaviour,
    AcademicReports,
    AcademicReport,
    ReportCards,
    ReportCard,
}

const GET: MethodFilter = MethodFilter::GET;
const POST: MethodFilter = MethodFilter::POST;

/// Data endpoints taking the pupil id in the path, on both APIs. The id-less form is served
/// too (the mock does, for the student's own data); a parent must always give the id
/// (the legacy docs: the parent API is the same except that the pupil id must be given).
const PUPIL_ROUTES: &[(&str, Ep)] = &[
    ("activity", Ep::Activity),
    ("behaviour", Ep::Behaviour),
    ("homeworks", Ep::Homeworks),
    ("timetable", Ep::Timetable),
    ("classes", Ep::Classes),
    ("eventbadges", Ep::EventBadges),
    ("announcements", Ep::Announcements),
    ("detentions", Ep::Detentions),
    ("attendance", Ep::Attendance),
    ("customfields", Ep::CustomFields),
];

fn with_id(api: Api, ep: Ep, methods: MethodFilter) -> MethodRouter<Arc<Shared>> {
    on(
        methods,
        move |State(s): State<Arc<Shared>>,
              Path(id): Path<String>,
              RawQuery(q): RawQuery,
              headers: HeaderMap,
              body: Bytes| async move {
            dispatch(&s, api, ep, Some(&id), q.as_deref(), &headers, &body)
        },
    )
}

fn without_id(api: Api, ep: Ep, methods: MethodFilter) -> MethodRouter<Arc<Shared>> {
    on(
        methods,
        move |State(s): State<Arc<Shared>>,
              RawQuery(q): RawQuery,
              headers: HeaderMap,
              body: Bytes| async move {
            dispatch(&s, api, ep, None, q.as_deref(), &headers, &body)
        },
    )
}

/// The router over `shared`.
pub(super) fn router(shared: Arc<Shared>) -> Router {
    let mut r: Router<Arc<Shared>> = Router::new();
    for api in [Api::Student, Api::Parent] {
        let p = api.prefix();
        let form_path = match api {
            Api::Student => "/student/login",
            Api::Parent => "/parent/login",
        };
        r = r
            .route(
                form_path,
                post(
                    move |State(s): State<Arc<Shared>>, headers: HeaderMap, body: Bytes| async move {
                        auth::web_login(&s, api, &headers, &body)
                    },
                ),
            )
            .route(
                &format!("{p}/login"),
                post(
                    move |State(s): State<Arc<Shared>>, headers: HeaderMap, body: Bytes| async move {
                        auth::json_login(&s, api, &headers, &body)
                    },
                ),
            )
            .route(&format!("{p}/ping"), without_id(api, Ep::Ping, POST))
            .route(&format!("{p}/logout"), without_id(api, Ep::Logout, POST))
            .route(
                &format!("{p}/homeworkticked/{{id}}"),
                with_id(api, Ep::HomeworkTicked, GET),
            )
            .route(
                &format!("{p}/getacademicreports"),
                without_id(api, Ep::AcademicReports, GET),
            )
            .route(
                &format!("{p}/getacademicreport/{{id}}"),
                with_id(api, Ep::AcademicReport, GET),
            )
            .route(
                &format!("{p}/getpupilreportcards"),
                without_id(api, Ep::ReportCards, GET.or(POST)),
            );
        for path in [
            "getpupilreportcard",
            "getpupilreportcardsummarycomment",
            "getpupilreportcardtarget",
        ] {
            r = r.route(
                &format!("{p}/{path}/{{id}}"),
                with_id(api, Ep::ReportCard, GET),
            );
        }
        for (path, ep) in PUPIL_ROUTES {
            r = r
                .route(&format!("{p}/{path}/{{id}}"), with_id(api, *ep, GET))
                .route(&format!("{p}/{path}"), without_id(api, *ep, GET));
        }
        r = match api {
            Api::Student => r
                .route(
                    &format!("{p}/rewards/{{id}}"),
                    with_id(api, Ep::Rewards, GET),
                )
                .route(&format!("{p}/rewards"), without_id(api, Ep::Rewards, GET))
                .route(
                    &format!("{p}/purchase/{{id}}"),
                    with_id(api, Ep::Purchase, POST),
                )
                .route(&format!("{p}/getcode"), without_id(api, Ep::GetCode, POST))
                .route(
                    &format!("{p}/hasdob"),
                    post(
                        |State(s): State<Arc<Shared>>, headers: HeaderMap, body: Bytes| async move {
                            has_dob(&s, &headers, &body)
                        },
                    ),
                ),
            Api::Parent => r
                .route(&format!("{p}/pupils"), without_id(api, Ep::Pupils, GET))
                .route(
                    &format!("{p}/password"),
                    without_id(api, Ep::Password, POST),
                )
                // GET in the JS library, POST in api-docs: both.
                .route(
                    &format!("{p}/parentbehaviours/{{id}}"),
                    with_id(api, Ep::ParentBehaviours, GET.or(POST)),
                )
                .route(
                    &format!("{p}/addparentbehaviour/{{id}}"),
                    with_id(api, Ep::AddParentBehaviour, POST),
                )
                .route(
                    &format!("{p}/deleteparentbehaviour/{{id}}"),
                    with_id(api, Ep::DeleteParentBehaviour, POST),
                ),
        };
    }
    r.fallback(not_found).with_state(shared)
}

/// An unknown path: the web server's 404 page, not the JSON envelope.
async fn not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        [(header::CONTENT_TYPE, "text/html; charset=UTF-8")],
        "<!DOCTYPE html><html><body><h1>Page not found</h1></body></html>",
    )
        .into_response()
}

/// `POST /apiv2student/hasdob` (`code` → `{"has_dob": bool}`; the mock's, unauthenticated).
fn has_dob(shared: &Shared, headers: &HeaderMap, body: &[u8]) -> Response {
    let fields = body_fields(headers, body);
    let code = fields.get("code").map_or("", String::as_str);
    let known = shared.codes.contains_key(&code.trim().to_ascii_uppercase());
    json(ok(json!({ "has_dob": known }), json!([])))
}

fn parse_date(s: &str) -> Result<Date, Value> {
    s.trim().parse::<Date>().map_err(|_| error(BAD_DATE, false))
}

/// `from` / `to` of a query, defaulting to the academic year so far.
fn window(shared: &Shared, q: &Fields) -> Result<Window, Value> {
    let default = Window::default_for(&shared.school);
    let get = |k: &str, d: Date| {
        q.get(k)
            .filter(|v| !v.is_empty())
            .map_or(Ok(d), |v| parse_date(v))
    };
    let w = Window {
        from: get("from", default.from)?,
        to: get("to", default.to)?,
    };
    if w.from > w.to {
        return Err(error("The start date must be before the end date", false));
    }
    Ok(w)
}

/// The pupil a request is about: a student only ever sees themself; a parent must name one
/// of their pupils (`{id}` is `data.user.id` for a student, one of `/pupils` for a parent).
fn pupil(shared: &Shared, who: Who, id: Option<&str>) -> Result<usize, Value> {
    let denied = || error(NO_ACCESS, false);
    match who {
        Who::Student(p) => match id {
            None => Ok(p),
            Some(id) if id.trim() == shared.school.students[p].id => Ok(p),
            Some(_) => Err(denied()),
        },
        Who::Parent => {
            let id = id.ok_or_else(denied)?;
            shared
                .accounts
                .parent
                .pupils
                .iter()
                .copied()
                .find(|&p| shared.school.students[p].id == id.trim())
                .ok_or_else(denied)
        }
    }
}

/// `happened_at` of a parent behaviour (kgstorm port): `YYYY-MM-DD[ HH:MM[:SS]]`; default
/// today at 18:00 (after school, when parents award points at home).
fn happened_at(shared: &Shared, f: &Fields) -> Result<Civil, Value> {
    let Some(v) = f
        .get("happened_at")
        .map(|v| v.trim())
        .filter(|v| !v.is_empty())
    else {
        return Ok(today(&shared.school).at(18, 0, 0, 0));
    };
    let date = parse_date(v.get(..10).unwrap_or(v))?;
    let time = v
        .get(11..)
        .map(|t| t.parse::<jiff::civil::Time>())
        .transpose()
        .map_err(|_| error(BAD_DATE, false))?
        .unwrap_or(jiff::civil::Time::constant(18, 0, 0, 0));
    Ok(date.to_datetime(time))
}

fn behaviour_id(f: &Fields) -> Option<u64> {
    // `behaviour_id` in api-docs, `reason_id` in the kgstorm port (the two sources
    // disagree): accept either.
    let id = f.get("behaviour_id").or_else(|| f.get("reason_id"))?;
    let id: u64 = id.trim().parse().ok()?;
    PARENT_BEHAVIOURS.iter().any(|b| b.0 == id).then_some(id)
}

fn applied(shared: &Shared) {
    shared.stats.applied_writes.fetch_add(1, Ordering::SeqCst);
}

fn dispatch(
    shared: &Shared,
    api: Api,
    ep: Ep,
    id: Option<&str>,
    query: Option<&str>,
    headers: &HeaderMap,
    body: &[u8],
) -> Response {
    let (who, token) = match auth::authenticate(shared, api, headers) {
        Ok(x) => x,
        Err(body) => return json(body),
    };
    let q = parse_urlencoded(query.unwrap_or(""));
    let f = body_fields(headers, body);
    // Refusals are the vendor's error envelope with HTTP 200 (the legacy docs' "Errors").
    endpoint(shared, api, ep, who, &token, id, &q, &f).unwrap_or_else(json)
}

#[allow(clippy::too_many_arguments)]
fn endpoint(
    shared: &Shared,
    api: Api,
    ep: Ep,
    who: Who,
    token: &str,
    id: Option<&str>,
    q: &Fields,
    f: &Fields,
) -> Result<Response, Value> {
    let school = &shared.school;
    let read = |render: &dyn Fn(&super::render::View<'_>) -> serde_json::Value| {
        let writes = shared.writes();
        json(render(&shared.view(&writes)))
    };
    Ok(match ep {
        Ep::Ping => {
            // `include_data=false` asks for no new session id (api-docs, the mock server).
            let rotate = f.get("include_data").map(String::as_str) != Some("false");
            let new = rotate.then(|| shared.rotate(who));
            read(&|v| v.ping(who, new.as_deref()))
        }
        Ep::Logout => {
            shared.sessions().end(token);
            json(ok(json!([]), json!([])))
        }
        Ep::Pupils => read(&|v| v.pupils()),
        Ep::Activity => {
            let p = pupil(shared, who, id)?;
            if shared.view(&shared.writes()).activity_missing(p) {
                return Err(error(ACTIVITY_NOT_FOUND, false));
            }
            let w = window(shared, q)?;
            let last_id = match q.get("last_id").map(|s| s.trim()).filter(|s| !s.is_empty()) {
                None => None,
                Some(s) => Some(
                    s.parse::<u64>()
                        .map_err(|_| error("Invalid last_id", false))?,
                ),
            };
            read(&|v| v.activity(p, w, last_id))
        }
        Ep::Behaviour => {
            let p = pupil(shared, who, id)?;
            let w = window(shared, q)?;
            read(&|v| v.behaviour(p, w))
        }
        Ep::Homeworks => {
            let p = pupil(shared, who, id)?;
            if shared.view(&shared.writes()).homework_disabled() {
                return Err(error(HOMEWORK_DISABLED, false));
            }
            let display = match q.get("display_date").map(String::as_str) {
                None | Some("") | Some("issue_date") => DisplayDate::Issue,
                Some("due_date") => DisplayDate::Due,
                Some(_) => return Err(error("Invalid display_date", false)),
            };
            let w = window(shared, q)?;
            read(&|v| v.homeworks(p, display, w))
        }
        Ep::Timetable => {
            let p = pupil(shared, who, id)?;
            if shared.view(&shared.writes()).timetable_hidden(p) {
                return Err(error(TIMETABLE_HIDDEN, false));
            }
            // Required by the JS library, optional in api-docs: default "today".
            let date = match q.get("date").filter(|d| !d.is_empty()) {
                Some(d) => parse_date(d)?,
                None => today(school),
            };
            read(&|v| v.timetable(p, date))
        }
        Ep::Classes => {
            let p = pupil(shared, who, id)?;
            read(&|v| v.classes(p))
        }
        Ep::EventBadges => {
            let p = pupil(shared, who, id)?;
            read(&|v| v.eventbadges(p))
        }
        Ep::Announcements => {
            let p = pupil(shared, who, id)?;
            read(&|v| v.announcements(p, api))
        }
        Ep::Detentions => {
            let p = pupil(shared, who, id)?;
            // The JS library passes nothing (all detentions); NCPlayz passes from/to.
            let w = if q.contains_key("from") || q.contains_key("to") {
                Some(window(shared, q)?)
            } else {
                None
            };
            read(&|v| v.detentions(p, w))
        }
        Ep::Attendance => {
            let p = pupil(shared, who, id)?;
            let w = window(shared, q)?;
            read(&|v| v.attendance(p, w))
        }
        Ep::CustomFields => {
            let p = pupil(shared, who, id)?;
            read(&|v| v.customfields(p))
        }
        Ep::Rewards => {
            let p = pupil(shared, who, id)?;
            read(&|v| v.rewards(p))
        }
        Ep::HomeworkTicked => {
            if shared.view(&shared.writes()).homework_disabled() {
                return Err(error(HOMEWORK_DISABLED, false));
            }
            let status: u64 = id
                .and_then(|s| s.trim().parse().ok())
                .ok_or_else(|| error("Invalid homework", false))?;
            // `studentId` per api-docs; the kgstorm port omits it, so find the owner.
            let p = match q.get("studentId").filter(|s| !s.is_empty()) {
                Some(sid) => pupil(shared, who, Some(sid))?,
                None => match who {
                    Who::Student(p) => p,
                    Who::Parent => {
                        let writes = shared.writes();
                        let view = shared.view(&writes);
                        shared
                            .accounts
                            .parent
                            .pupils
                            .iter()
                            .copied()
                            .find(|&p| view.owns_status(p, status))
                            .ok_or_else(|| error("Invalid homework", false))?
                    }
                },
            };
            let mut writes = shared.writes();
            if !shared.view(&writes).owns_status(p, status) {
                return Err(error("Invalid homework", false));
            }
            // The tick toggles (the JS library's "tick or untick"); one record per status id.
            let ticked = writes.ticked.entry(status).or_insert(false);
            *ticked = !*ticked;
            applied(shared);
            json(ok(json!([]), json!([])))
        }
        Ep::Purchase => {
            let p = pupil(shared, who, f.get("pupil_id").map(String::as_str))?;
            let item: Option<u64> = id.and_then(|s| s.trim().parse().ok());
            let Some((item, price, once, _)) = item.and_then(reward) else {
                // An unknown item is not JSON but a 500 page (classcharts-rs: "the item may
                // not exist").
                return Ok((
                    StatusCode::INTERNAL_SERVER_ERROR,
                    [(header::CONTENT_TYPE, "text/html; charset=UTF-8")],
                    "<!DOCTYPE html><html><body><h1>Internal Server Error</h1></body></html>",
                )
                    .into_response());
            };
            let mut writes = shared.writes();
            let pupil_id = school.students[p].id.parse::<u64>().unwrap_or_default();
            let (balance, left) = {
                let view = shared.view(&writes);
                (view.balance(p), view.stock_left(item))
            };
            let bought = writes
                .purchases
                .get(&(pupil_id, item))
                .copied()
                .unwrap_or(0);
            let refusal = if once && bought > 0 {
                Some("You have already purchased this item")
            } else if left == Some(0) {
                Some("This item is out of stock")
            } else if balance < price {
                Some("You do not have enough points to purchase this item")
            } else {
                None
            };
            if let Some(message) = refusal {
                return Err(error(message, false));
            }
            *writes.purchases.entry((pupil_id, item)).or_default() += 1;
            writes.orders += 1;
            let order_id = 3_458_000 + writes.orders;
            applied(shared);
            json(ok(
                json!({
                    "single_purchase": if once { "yes" } else { "no" },
                    "order_id": order_id,
                    "balance": balance - price,
                }),
                json!([]),
            ))
        }
        Ep::GetCode => {
            let Who::Student(p) = who else {
                return Err(error(NO_ACCESS, false));
            };
            let dob = f.get("date").and_then(|d| auth::parse_dob(d));
            if dob.is_none() || dob != school.students[p].date_of_birth {
                return Err(error("The date you provided is invalid.", false));
            }
            let code = pupil_code(school.seed, &school.students[p].id);
            json(ok(json!({ "code": code }), json!([])))
        }
        Ep::Password => {
            let field = |k: &str| f.get(k).map_or("", String::as_str);
            let message = if field("current") != shared.password() {
                Some("Your current password is incorrect")
            } else if field("new") != field("repeat") {
                Some("The new passwords do not match")
            } else if field("new").len() < 8 {
                Some("Your new password must be at least 8 characters long")
            } else {
                None
            };
            if let Some(m) = message {
                return Err(error(m, false));
            }
            shared.writes().password = Some(field("new").to_string());
            applied(shared);
            json(ok(json!([]), json!([])))
        }
        Ep::ParentBehaviours => {
            let p = pupil(shared, who, id)?;
            read(&|v| v.parent_behaviours(p, today(school)))
        }
        Ep::AddParentBehaviour => {
            let p = pupil(shared, who, id)?;
            let behaviour = behaviour_id(f).ok_or_else(|| error("Invalid behaviour", false))?;
            let at = happened_at(shared, f)?;
            let pupil_id = school.students[p].id.parse::<u64>().unwrap_or_default();
            let key = (pupil_id, behaviour, at.date());
            let mut writes = shared.writes();
            if writes.parent_points.contains_key(&key) {
                // The natural key is taken: the vendor refuses, nothing is duplicated.
                return Err(error(DAILY_LIMIT, false));
            }
            writes.points_awarded += 1;
            let point = ParentPoint {
                id: 9_000_000 + writes.points_awarded,
                at,
            };
            writes.parent_points.insert(key, point);
            applied(shared);
            let view = shared.view(&writes);
            json(ok(view.parent_behaviour_list(p, at.date()), json!([])))
        }
        Ep::DeleteParentBehaviour => {
            let p = pupil(shared, who, id)?;
            let behaviour = behaviour_id(f).ok_or_else(|| error("Invalid behaviour", false))?;
            let at = happened_at(shared, f)?;
            let pupil_id = school.students[p].id.parse::<u64>().unwrap_or_default();
            let mut writes = shared.writes();
            if writes
                .parent_points
                .remove(&(pupil_id, behaviour, at.date()))
                .is_none()
            {
                return Err(error("Behaviour point not found", false));
            }
            applied(shared);
            json(ok(json!([]), json!([])))
        }
        Ep::AcademicReports => {
            pupil(shared, who, q.get("studentId").map(String::as_str))?;
            read(&|v| v.academic_reports())
        }
        Ep::AcademicReport => {
            let p = pupil(shared, who, q.get("studentId").map(String::as_str))?;
            let report: Option<u64> = id.and_then(|s| s.trim().parse().ok());
            let writes = shared.writes();
            let view = shared.view(&writes);
            match report.and_then(|r| view.academic_report(p, r)) {
                Some(v) => json(v),
                None => return Err(error("Academic report not found", false)),
            }
        }
        Ep::ReportCards => {
            let given = q.get("pupil_id").or_else(|| f.get("pupil_id"));
            pupil(shared, who, given.map(String::as_str))?;
            // The school uses no on-report cards: an empty, well-formed list.
            json(ok(json!([]), json!([])))
        }
        Ep::ReportCard => {
            let given = q.get("pupil_id").or_else(|| f.get("pupil_id"));
            pupil(shared, who, given.map(String::as_str))?;
            return Err(error("Report card not found", false));
        }
    })
}
