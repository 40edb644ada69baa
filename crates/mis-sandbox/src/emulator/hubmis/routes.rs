//! The route table and the handlers.
//!
//! **Every path here is inferred** (the public copy of the API reference lost its URLs): one
//! table, one path per documented operation, under the confirmed `/api/v1` prefix (the token's
//! path), plus two the document describes without a path: the enrolment record (where the
//! UPN lives) and the regional settings (where the time zone lives). A correction is a change
//! to one constant.
//!
//! | method | path | query |
//! |---|---|---|
//! | POST | `/api/v1/token` | form or JSON: `grant_type`, `client_id`, `client_secret` |
//! | GET | `/api/v1/students` | `page[number]`, `page[size]`, `filter[enrolmentStatus]`, `filter[yearGroup]`, `filter[form]`, `filter[house]`, `filter[gender]` |
//! | GET | `/api/v1/students/{id}` | |
//! | GET | `/api/v1/students/{id}/enrolment` | |
//! | GET | `/api/v1/students/{id}/attendance` | `filter[dateTime][from]`, `filter[dateTime][to]`, `filter[attendanceSession]`, `filter[attendanceCode]` |
//! | GET | `/api/v1/attendance/codes` | `filter[display]` |
//! | GET | `/api/v1/students/{id}/timetable` | |
//! | GET | `/api/v1/students/{id}/timetable/calendar` | `filter[dateFrom]` + `filter[dateTo]`, or `filter[date]` (the variant profile requires all three) |
//! | GET | `/api/v1/staff` | `page[number]`, `page[size]` |
//! | GET | `/api/v1/staff/{id}` | |
//! | GET | `/api/v1/staff/{id}/timetable/calendar` | as the student's calendar |
//! | GET | `/api/v1/contacts` | `page[number]`, `page[size]` |
//! | GET | `/api/v1/contacts/{id}` | |
//! | GET | `/api/v1/houses` | `filter[houseType]`, `filter[isActive]` |
//! | GET | `/api/v1/houses/{id}` | |
//! | GET | `/api/v1/year-groups` | |
//! | GET | `/api/v1/form-groups` | `filter[yearGroup]` |
//! | GET | `/api/v1/academic-years` | |
//! | GET | `/api/v1/academic-years/{id}/terms` | |
//! | GET | `/api/v1/pastoral/events` | `filter[type]`, `filter[dateTime][from]`, `filter[dateTime][to]`, `filter[category]`, `filter[severity]`, `filter[status]`, `filter[assignedTo]`, `filter[yearGroup]`, `filter[form]`, `filter[includePastStudents]`, `page[number]`, `page[size]` |
//! | GET | `/api/v1/pastoral/events/{id}` | |
//! | GET | `/api/v1/students/{id}/wellbeing-events` | `filter[dateTime][from]`, `filter[dateTime][to]`, `filter[category]`, `filter[severity]`, `filter[status]`, `filter[assignedTo]`, `page[number]`, `page[size]` |
//! | GET | `/api/v1/school/regional-settings` | |
//!
//! Students, students/{id}, houses/{id}, year-groups and form-groups honour the optional
//! `academic-year-id` header ("By default, the active year is used"): the school has one
//! year, so another id is a 404. Any other `filter[...]` is refused with a 400.

use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use axum::Json;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::middleware;
use axum::response::Response;
use axum::routing::{get, post};
use jiff::civil::Date;
use mis_core::Session;
use serde_json::Value;

use super::errors;
use super::query::{Page, Params};
use super::render::{self, EventFilter, HouseFilter, Index, MarkFilter, StudentFilter};
use super::{auth, onboarding, quota, records, variant};
use crate::emulator::{Faults, Stats};
use crate::sandbox::{Credentials, EmulatorContext, EmulatorOptions};
use crate::school::{Profile, School};

/// `POST`: the OAuth2 token, the one confirmed path (the API reference's "Authentication");
/// every other path shares its `/api/v1` prefix.
pub const TOKEN: &str = "/api/v1/token";
/// Students list.
pub const STUDENTS: &str = "/api/v1/students";
/// One student.
pub const STUDENT: &str = "/api/v1/students/{id}";
/// A student's enrolment record (UPN).
pub const STUDENT_ENROLMENT: &str = "/api/v1/students/{id}/enrolment";
/// A student's session attendance records.
pub const STUDENT_ATTENDANCE: &str = "/api/v1/students/{id}/attendance";
/// The attendance code book.
pub const ATTENDANCE_CODES: &str = "/api/v1/attendance/codes";
/// A student's cyclic timetable.
pub const STUDENT_TIMETABLE: &str = "/api/v1/students/{id}/timetable";
/// A student's dated timetable.
pub const STUDENT_CALENDAR: &str = "/api/v1/students/{id}/timetable/calendar";
/// Staff list.
pub const STAFF: &str = "/api/v1/staff";
/// One member of staff.
pub const STAFF_MEMBER: &str = "/api/v1/staff/{id}";
/// A member of staff's dated timetable.
pub const STAFF_CALENDAR: &str = "/api/v1/staff/{id}/timetable/calendar";
/// Contacts list.
pub const CONTACTS: &str = "/api/v1/contacts";
/// One contact.
pub const CONTACT: &str = "/api/v1/contacts/{id}";
/// Houses.
pub const HOUSES: &str = "/api/v1/houses";
/// One house.
pub const HOUSE: &str = "/api/v1/houses/{id}";
/// Year groups of the active year.
pub const YEAR_GROUPS: &str = "/api/v1/year-groups";
/// Form groups of the active year.
pub const FORM_GROUPS: &str = "/api/v1/form-groups";
/// Academic years.
pub const ACADEMIC_YEARS: &str = "/api/v1/academic-years";
/// Terms of an academic year.
pub const TERMS: &str = "/api/v1/academic-years/{id}/terms";
/// Pastoral events.
pub const PASTORAL_EVENTS: &str = "/api/v1/pastoral/events";
/// One pastoral event.
pub const PASTORAL_EVENT: &str = "/api/v1/pastoral/events/{id}";
/// One student's wellbeing events ("Student: Get list of Wellbeing Events for a specific
/// Student").
pub const STUDENT_WELLBEING_EVENTS: &str = "/api/v1/students/{id}/wellbeing-events";
/// The school's regional settings (time zone).
pub const REGIONAL_SETTINGS: &str = "/api/v1/school/regional-settings";

/// The optional header that picks an academic year other than the active one.
const ACADEMIC_YEAR_HEADER: &str = "academic-year-id";

/// The emulator's state, shared by every handler.
pub struct Hubmis {
    pub(super) school: Arc<School>,
    pub(super) index: Index,
    pub(super) options: EmulatorOptions,
    pub(super) faults: Arc<Faults>,
    pub(super) stats: Arc<Stats>,
    pub(super) client_id: String,
    pub(super) client_secret: String,
    pub(super) realm: String,
    pub(super) tokens: auth::Tokens,
    pub(super) issued: AtomicU64,
    pub(super) quota: quota::PerIp,
    /// Serving the variant profile (see [`super::variant`]).
    pub(super) variant: bool,
    /// The code the variant's code book leaves out.
    pub(super) retired_code: Option<String>,
}

impl Hubmis {
    /// The state for `ctx`, accepting `credentials`.
    pub fn new(ctx: &EmulatorContext, credentials: &Credentials) -> Hubmis {
        let cred = |name: &str| credentials.get(name).unwrap_or_default().to_string();
        let variant = ctx.school.options.profile == Profile::Variant;
        let school = if variant {
            Arc::new(variant::variant_school(&ctx.school))
        } else {
            ctx.school.clone()
        };
        Hubmis {
            index: Index::new(&school),
            retired_code: variant.then(|| variant::retired_code(&school)).flatten(),
            variant,
            school,
            options: ctx.options.clone(),
            faults: ctx.faults.clone(),
            stats: ctx.stats.clone(),
            client_id: cred("client_id"),
            client_secret: cred("client_secret"),
            realm: cred("realm"),
            tokens: auth::Tokens::default(),
            issued: AtomicU64::new(0),
            quota: quota::PerIp::new(ctx.options.scaled(quota::WINDOW)),
        }
    }

    fn page(&self, params: &Params) -> Result<Page, Response> {
        if self.variant {
            params.page_capped(self.options.default_page_size, variant::PAGE_CAP)
        } else {
            params.page(self.options.default_page_size)
        }
    }
}

/// The router: the token, the authenticated API behind [`auth::require`], Laravel's 404 and
/// 405, and the per-IP quota in front of everything.
pub fn router(state: Arc<Hubmis>) -> Router {
    let api = Router::new()
        .route(STUDENTS, get(students))
        .route(STUDENT, get(student))
        .route(STUDENT_ENROLMENT, get(enrolment))
        .route(STUDENT_ATTENDANCE, get(attendance))
        .route(ATTENDANCE_CODES, get(attendance_codes))
        .route(STUDENT_TIMETABLE, get(timetable))
        .route(STUDENT_CALENDAR, get(calendar))
        .route(STAFF, get(staff_list))
        .route(STAFF_MEMBER, get(staff))
        .route(STAFF_CALENDAR, get(staff_calendar))
        .route(CONTACTS, get(contacts))
        .route(CONTACT, get(contact))
        .route(HOUSES, get(houses))
        .route(HOUSE, get(house))
        .route(YEAR_GROUPS, get(year_groups))
        .route(FORM_GROUPS, get(form_groups))
        .route(ACADEMIC_YEARS, get(academic_years))
        .route(TERMS, get(terms))
        .route(PASTORAL_EVENTS, get(pastoral_events))
        .route(PASTORAL_EVENT, get(pastoral_event))
        .route(STUDENT_WELLBEING_EVENTS, get(student_wellbeing_events))
        .route(REGIONAL_SETTINGS, get(regional_settings))
        .route_layer(middleware::from_fn_with_state(state.clone(), auth::require));
    Router::new()
        .route(TOKEN, post(auth::token))
        .merge(api)
        .fallback(route_not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::from_fn_with_state(
            state.clone(),
            quota::enforce,
        ))
        .with_state(state)
}

type Reply = Result<Json<Value>, Response>;

async fn route_not_found(uri: Uri) -> Response {
    errors::message(
        StatusCode::NOT_FOUND,
        format!(
            "The route {} could not be found.",
            uri.path().trim_start_matches('/')
        ),
    )
}

/// Laravel's 405: HUBmis documents no write, so this is what a POST to a resource gets.
async fn method_not_allowed(method: Method, uri: Uri) -> Response {
    errors::message(
        StatusCode::METHOD_NOT_ALLOWED,
        format!(
            "The {method} method is not supported for route {}. Supported methods: GET, HEAD.",
            uri.path().trim_start_matches('/')
        ),
    )
}

/// The `academic-year-id` header, when sent, must name the school's (active) year.
fn check_year(state: &Hubmis, headers: &HeaderMap) -> Result<(), Response> {
    match headers
        .get(ACADEMIC_YEAR_HEADER)
        .and_then(|v| v.to_str().ok())
    {
        Some(id) if id.trim() != state.school.academic_year.id => {
            Err(errors::not_found("AcademicYear", id.trim()))
        }
        _ => Ok(()),
    }
}

fn find_student<'s>(state: &'s Hubmis, id: &str) -> Result<&'s mis_core::Student, Response> {
    state
        .school
        .student(id)
        .ok_or_else(|| errors::not_found("Student", id))
}

async fn students(
    State(state): State<Arc<Hubmis>>,
    headers: HeaderMap,
    Query(q): Query<Vec<(String, String)>>,
) -> Reply {
    let params = Params(q);
    check_year(&state, &headers)?;
    params.allow_filters(&["enrolmentStatus", "yearGroup", "form", "house", "gender"])?;
    let status = params.one_of("filter[enrolmentStatus]", &["current", "past", "applicant"])?;
    // The variant's client lacks `students.admissions.admissions.read`, which the document
    // requires for the unfiltered list and for applicants.
    if state.variant && matches!(status.as_deref(), None | Some("applicant")) {
        return Err(errors::message(
            StatusCode::FORBIDDEN,
            errors::MISSING_SCOPE,
        ));
    }
    let filter = StudentFilter {
        enrolment_status: status,
        year_group: params.int("filter[yearGroup]")?,
        form: params.int("filter[form]")?,
        house: params.int("filter[house]")?,
        gender: params.int("filter[gender]")?,
    };
    let page = state.page(&params)?;
    let mut body = render::students(&state.school, &state.index, &filter, page);
    records::malform(&state, &mut body);
    if state.variant {
        variant::without_dfe_year(&mut body);
    }
    Ok(Json(body))
}

async fn student(
    State(state): State<Arc<Hubmis>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Reply {
    check_year(&state, &headers)?;
    let s = find_student(&state, &id)?;
    let mut body = render::student(&state.school, &state.index, s);
    records::malform(&state, &mut body);
    if state.variant {
        variant::without_dfe_year(&mut body);
    }
    Ok(Json(body))
}

async fn enrolment(State(state): State<Arc<Hubmis>>, Path(id): Path<String>) -> Reply {
    let s = find_student(&state, &id)?;
    if records::is_missing(&state, &id) {
        return Err(records::missing("StudentEnrolment", &id));
    }
    Ok(Json(render::enrolment(&state.school, s)))
}

async fn attendance(
    State(state): State<Arc<Hubmis>>,
    Path(id): Path<String>,
    Query(q): Query<Vec<(String, String)>>,
) -> Reply {
    let params = Params(q);
    let s = find_student(&state, &id)?;
    if records::is_missing(&state, &id) {
        return Err(records::missing("StudentAttendance", &id));
    }
    params.allow_filters(&["dateTime", "attendanceSession", "attendanceCode"])?;
    let tz = state.school.tz();
    let session = params
        .one_of("filter[attendanceSession]", &["am", "pm"])?
        .map(|s| if s == "am" { Session::Am } else { Session::Pm });
    let filter = MarkFilter {
        from: params.bound("filter[dateTime][from]", &tz)?,
        to: params.bound("filter[dateTime][to]", &tz)?,
        session,
        code: params.int("filter[attendanceCode]")?,
    };
    let mut body = render::attendance(&state.school, &state.index, &s.id, &filter);
    onboarding::marks(&state, &s.id, &mut body);
    if state.variant {
        variant::codes_by_id(&mut body);
    }
    Ok(Json(body))
}

async fn attendance_codes(
    State(state): State<Arc<Hubmis>>,
    Query(q): Query<Vec<(String, String)>>,
) -> Reply {
    let params = Params(q);
    params.allow_filters(&["display"])?;
    let display = params.bool("filter[display]")?;
    let mut body = render::attendance_codes(&state.school, display);
    onboarding::code_book(&state, display, &mut body);
    if let (Some(retired), Value::Array(codes)) = (&state.retired_code, &mut body) {
        codes.retain(|c| c["code"].as_str() != Some(retired.as_str()));
    }
    Ok(Json(body))
}

async fn timetable(State(state): State<Arc<Hubmis>>, Path(id): Path<String>) -> Reply {
    let s = find_student(&state, &id)?;
    Ok(Json(render::timetable(&state.school, &state.index, &s.id)))
}

/// The document marks `filter[dateFrom]`, `filter[dateTo]` and `filter[date]` all
/// "required", which cannot all be meant: a range, or one date, is accepted; neither is a
/// 422 naming `filter.dateFrom`.
async fn calendar(
    State(state): State<Arc<Hubmis>>,
    Path(id): Path<String>,
    Query(q): Query<Vec<(String, String)>>,
) -> Reply {
    let params = Params(q);
    let s = find_student(&state, &id)?;
    let (from, to) = calendar_range(&state, &params)?;
    // A student who has left has no lessons after their last day on roll.
    let to = match variant::left_on(&state.school, &s.id) {
        Some(left) if left < to => left,
        _ => to,
    };
    if to < from {
        return Ok(Json(serde_json::json!({ "calendar": [] })));
    }
    Ok(Json(render::calendar(
        &state.school,
        &state.index,
        &s.id,
        from,
        to,
    )))
}

/// "Staff: Fetch Timetable Calendar": the same query and shape as a student's calendar.
async fn staff_calendar(
    State(state): State<Arc<Hubmis>>,
    Path(id): Path<String>,
    Query(q): Query<Vec<(String, String)>>,
) -> Reply {
    let params = Params(q);
    let member = state
        .school
        .staff_member(id.trim())
        .ok_or_else(|| errors::not_found("Staff", &id))?;
    let (from, to) = calendar_range(&state, &params)?;
    Ok(Json(render::staff_calendar(
        &state.school,
        &state.index,
        &member.id,
        from,
        to,
    )))
}

/// The dates of both "Fetch Timetable Calendar" operations: `filter[dateFrom]` +
/// `filter[dateTo]`, or `filter[date]` alone for one day. The variant holds the client to
/// the document, which marks all three *required*.
fn calendar_range(state: &Hubmis, params: &Params) -> Result<(Date, Date), Response> {
    params.allow_filters(&["dateFrom", "dateTo", "date"])?;
    let from = params.date("filter[dateFrom]")?;
    let to = params.date("filter[dateTo]")?;
    if state.variant {
        for (key, field, name) in [
            ("filter[dateFrom]", "filter.dateFrom", "date from"),
            ("filter[dateTo]", "filter.dateTo", "date to"),
            ("filter[date]", "filter.date", "date"),
        ] {
            if params.get(key).is_none() {
                return Err(errors::validation(
                    field,
                    &format!("The filter.{name} field is required."),
                ));
            }
        }
    }
    let (from, to) = match (from, to, params.date("filter[date]")?) {
        (Some(f), Some(t), _) => (f, t),
        (None, None, Some(d)) => (d, d),
        (Some(_), None, _) => {
            return Err(errors::validation(
                "filter.dateTo",
                "The filter.date to field is required.",
            ));
        }
        _ => {
            return Err(errors::validation(
                "filter.dateFrom",
                "The filter.date from field is required.",
            ));
        }
    };
    if to < from {
        return Err(errors::validation(
            "filter.dateTo",
            "The filter.date to field must be a date after or equal to filter.date from.",
        ));
    }
    Ok((from, to))
}

async fn staff_list(
    State(state): State<Arc<Hubmis>>,
    Query(q): Query<Vec<(String, String)>>,
) -> Reply {
    let params = Params(q);
    params.allow_filters(&[])?;
    let page = state.page(&params)?;
    Ok(Json(render::staff_list(&state.school, &state.index, page)))
}

async fn staff(State(state): State<Arc<Hubmis>>, Path(id): Path<String>) -> Reply {
    let member = state
        .school
        .staff_member(&id)
        .ok_or_else(|| errors::not_found("Staff", &id))?;
    Ok(Json(render::staff(&state.school, &state.index, member)))
}

async fn contacts(
    State(state): State<Arc<Hubmis>>,
    Query(q): Query<Vec<(String, String)>>,
) -> Reply {
    let params = Params(q);
    params.allow_filters(&[])?;
    let page = state.page(&params)?;
    Ok(Json(render::contacts(&state.school, &state.index, page)))
}

async fn contact(State(state): State<Arc<Hubmis>>, Path(id): Path<String>) -> Reply {
    id.parse::<usize>()
        .ok()
        .and_then(|n| n.checked_sub(20_001))
        .and_then(|p| render::contact(&state.school, p))
        .map(Json)
        .ok_or_else(|| errors::not_found("Contact", &id))
}

async fn houses(State(state): State<Arc<Hubmis>>, Query(q): Query<Vec<(String, String)>>) -> Reply {
    let params = Params(q);
    params.allow_filters(&["houseType", "isActive"])?;
    let filter = HouseFilter {
        house_type: params.one_of("filter[houseType]", &["academic", "boarding"])?,
        is_active: params.bool("filter[isActive]")?,
    };
    Ok(Json(render::houses(&state.school, &state.index, &filter)))
}

async fn house(
    State(state): State<Arc<Hubmis>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Reply {
    check_year(&state, &headers)?;
    state
        .school
        .group(&id)
        .filter(|g| g.kind == mis_core::GroupKind::House)
        .map(|g| Json(render::house(g)))
        .ok_or_else(|| errors::not_found("House", &id))
}

async fn year_groups(State(state): State<Arc<Hubmis>>, headers: HeaderMap) -> Reply {
    check_year(&state, &headers)?;
    Ok(Json(render::year_groups(&state.school, &state.index)))
}

async fn form_groups(
    State(state): State<Arc<Hubmis>>,
    headers: HeaderMap,
    Query(q): Query<Vec<(String, String)>>,
) -> Reply {
    let params = Params(q);
    check_year(&state, &headers)?;
    params.allow_filters(&["yearGroup"])?;
    let year = params.int("filter[yearGroup]")?;
    Ok(Json(render::form_groups(&state.school, &state.index, year)))
}

async fn academic_years(State(state): State<Arc<Hubmis>>) -> Reply {
    Ok(Json(render::academic_years(&state.school)))
}

async fn terms(State(state): State<Arc<Hubmis>>, Path(id): Path<String>) -> Reply {
    if id != state.school.academic_year.id {
        return Err(errors::not_found("AcademicYear", &id));
    }
    Ok(Json(render::terms(&state.school)))
}

async fn pastoral_events(
    State(state): State<Arc<Hubmis>>,
    Query(q): Query<Vec<(String, String)>>,
) -> Reply {
    if let Some(forbidden) = onboarding::pastoral_disabled(&state) {
        return Err(forbidden);
    }
    let params = Params(q);
    params.allow_filters(&[
        "type",
        "dateTime",
        "category",
        "severity",
        "status",
        "assignedTo",
        "yearGroup",
        "form",
        "includePastStudents",
    ])?;
    let tz = state.school.tz();
    let include_past_students = params.bool("filter[includePastStudents]")?.unwrap_or(false);
    let filter = EventFilter {
        include_past_students,
        kind: params.one_of("filter[type]", &["wellbeing_event", "wellbeing_plan"])?,
        from: params.bound("filter[dateTime][from]", &tz)?,
        to: params.bound("filter[dateTime][to]", &tz)?,
        category: params.int("filter[category]")?,
        severity: params.int("filter[severity]")?,
        status: params.one_of("filter[status]", &["active", "inactive"])?,
        assigned_to: params.int("filter[assignedTo]")?,
        year_group: params.int("filter[yearGroup]")?,
        form: params.int("filter[form]")?,
    };
    let page = state.page(&params)?;
    Ok(Json(render::pastoral_events(
        &state.school,
        &state.index,
        &filter,
        page,
    )))
}

/// One student's wellbeing events: the document lists the filters of the school's list
/// but the type, year group, form and past students (the student is named by the path).
async fn student_wellbeing_events(
    State(state): State<Arc<Hubmis>>,
    Path(id): Path<String>,
    Query(q): Query<Vec<(String, String)>>,
) -> Reply {
    if let Some(forbidden) = onboarding::pastoral_disabled(&state) {
        return Err(forbidden);
    }
    let s = find_student(&state, &id)?;
    let params = Params(q);
    params.allow_filters(&["dateTime", "category", "severity", "status", "assignedTo"])?;
    let tz = state.school.tz();
    let filter = EventFilter {
        include_past_students: true,
        kind: Some("wellbeing_event".to_owned()),
        from: params.bound("filter[dateTime][from]", &tz)?,
        to: params.bound("filter[dateTime][to]", &tz)?,
        category: params.int("filter[category]")?,
        severity: params.int("filter[severity]")?,
        status: params.one_of("filter[status]", &["active", "inactive"])?,
        assigned_to: params.int("filter[assignedTo]")?,
        year_group: None,
        form: None,
    };
    let page = state.page(&params)?;
    Ok(Json(render::student_wellbeing_events(
        &state.school,
        &state.index,
        &s.id,
        &filter,
        page,
    )))
}

async fn pastoral_event(State(state): State<Arc<Hubmis>>, Path(id): Path<String>) -> Reply {
    if let Some(forbidden) = onboarding::pastoral_disabled(&state) {
        return Err(forbidden);
    }
    state
        .school
        .behaviour
        .iter()
        .find(|r| r.event.id == id)
        .map(|r| Json(render::pastoral_event(&state.school, &state.index, r)))
        .ok_or_else(|| errors::not_found("PastoralEvent", &id))
}

async fn regional_settings(State(state): State<Arc<Hubmis>>) -> Reply {
    if let Some(forbidden) = records::forbidden_regional_settings(&state) {
        return Err(forbidden);
    }
    let mut body = render::regional_settings(&state.school);
    if onboarding::time_zone_missing(&state) {
        body["timezone"] = Value::Null;
    }
    Ok(Json(body))
}
