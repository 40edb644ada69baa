//! The router: auth, quota, path dispatch and the one write.
//!
//! One fallback handler parses the path itself rather than using axum's typed routes, so
//! that every refusal — unknown path, bad year, bad date, bad cursor — is the vendor's own
//! body rather than axum's plain-text rejection.

use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use jiff::civil::Date;
use mis_core::Session;
use serde_json::Value;

use super::errors::{self, EMBARGO_ENABLED, MODULE_DISABLED, Refusal};
use super::index::{Index, num};
use super::render::{self, Overlay, Written};
use super::{onboarding, variant};
use crate::emulator::faults::{Faults, OnboardingFaults, RecordFaults, Stats};
use crate::emulator::window::{Admission, SlidingWindow};
use crate::sandbox::EmulatorContext;
use crate::school::School;

/// The documented path prefix (the API reference's base URL is
/// `https://api.go4schools.com/customer/v1/`).
pub(crate) const PREFIX: &str = "/customer/v1";

/// The emulator's state, shared by every request.
pub(crate) struct Go4Schools {
    school: Arc<School>,
    ix: Index,
    api_key: String,
    faults: Arc<Faults>,
    stats: Arc<Stats>,
    quota: SlidingWindow,
    page_size: usize,
    written: Mutex<Overlay>,
    /// [`crate::Profile::Variant`]: serve the variants listed in the module docs.
    variant: bool,
}

impl Go4Schools {
    /// State for `ctx`, accepting `api_key`, with at most `limit` requests per `window`
    /// (already scaled).
    pub(crate) fn new(
        ctx: &EmulatorContext,
        api_key: String,
        limit: usize,
        window: Duration,
    ) -> Go4Schools {
        Go4Schools {
            ix: Index::new(&ctx.school),
            school: ctx.school.clone(),
            api_key,
            faults: ctx.faults.clone(),
            stats: ctx.stats.clone(),
            quota: SlidingWindow::new(limit, window),
            page_size: ctx
                .options
                .default_page_size
                .unwrap_or(render::DEFAULT_PAGE_SIZE)
                .max(1),
            written: Mutex::new(Overlay::new()),
            variant: ctx.school.options.profile == crate::Profile::Variant,
        }
    }
}

/// Every documented path, as a route template (vendor doc; `{year}` the academic year,
/// `{date}` `yyyy-mm-dd`, `{year_group}`, `{report_id}`). Registered only so the sandbox's
/// request counter sees the template (`GET /customer/v1/academic-years/{year}/students`):
/// every template goes to the same handler as the fallback, which parses the path itself.
const TEMPLATES: &[&str] = &[
    "/school",
    "/users/staff",
    "/users/parents",
    "/contacts/parental",
    "/academic-years/{year}/students",
    "/academic-years/{year}/students/education-details",
    "/academic-years/{year}/students/attributes",
    "/academic-years/{year}/students/attributes/demographic",
    "/academic-years/{year}/students/attributes/send",
    "/academic-years/{year}/students/attributes/sensitive",
    "/academic-years/{year}/students/medical-conditions",
    "/academic-years/{year}/students/photos",
    "/academic-years/{year}/teaching/departments",
    "/academic-years/{year}/teaching/subjects",
    "/academic-years/{year}/teaching/teachers",
    "/academic-years/{year}/teaching/groups",
    "/academic-years/{year}/teaching/groups/students",
    "/academic-years/{year}/teaching/groups/teachers",
    "/academic-years/{year}/timetables",
    "/academic-years/{year}/timetables/calendar",
    "/academic-years/{year}/timetables/classes",
    "/academic-years/{year}/timetables/student-classes",
    "/academic-years/{year}/attendance/codes",
    "/academic-years/{year}/attendance/student-session-marks",
    "/academic-years/{year}/attendance/student-session-marks/date/{date}",
    "/academic-years/{year}/attendance/student-lesson-marks/date/{date}",
    "/academic-years/{year}/attendance/student-session-summary",
    "/academic-years/{year}/behaviour/classification",
    "/academic-years/{year}/behaviour/event-types",
    "/academic-years/{year}/behaviour/actions/follow-up",
    "/academic-years/{year}/behaviour/actions/immediate",
    "/academic-years/{year}/behaviour/events/date/{date}",
    "/academic-years/{year}/attainment/grade-types/year-group/{year_group}",
    "/academic-years/{year}/attainment/grades/year-group/{year_group}",
    "/academic-years/{year}/attainment/exam-results/year-group/{year_group}",
    "/academic-years/{year}/attainment/prior-attainment",
    "/academic-years/{year}/attainment/reports",
    "/academic-years/{year}/attainment/reports/{report_id}/attributes",
    "/academic-years/{year}/attainment/reports/{report_id}/grades",
    "/academic-years/{year}/attainment/reports/{report_id}/comments",
    "/academic-years/{year}/assessment/markbooks",
    "/academic-years/{year}/assessment/marksheet-grades",
    "/academic-years/{year}/assessment/marks",
];

/// The router over `state`: the documented templates (for the request counter) and a
/// fallback, all answered by [`handle`].
pub(crate) fn router(state: Arc<Go4Schools>) -> Router {
    TEMPLATES
        .iter()
        .fold(Router::new(), |r, t| {
            r.route(&format!("{PREFIX}{t}"), axum::routing::any(handle))
        })
        .fallback(handle)
        .with_state(state)
}

async fn handle(
    State(g): State<Arc<Go4Schools>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    g.respond(&method, &uri, &headers, &body)
}

fn json(v: Value) -> Response {
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/json; charset=utf-8")],
        v.to_string(),
    )
        .into_response()
}

/// The `cursor` query parameter: absent, or a non-negative integer. The API reference's
/// Errors table: 400 "Invalid Cursor" when it is below 0; anything that is not an integer is
/// refused the same way.
fn cursor(uri: &Uri) -> Result<Option<u64>, Refusal> {
    let Some(query) = uri.query() else {
        return Ok(None);
    };
    for pair in query.split('&') {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        if k == "cursor" {
            return match v.parse::<i64>() {
                Ok(c) if c >= 0 => Ok(Some(c as u64)),
                _ => Err(errors::bad_request("Invalid Cursor")),
            };
        }
    }
    Ok(None)
}

/// A `{date}` path segment (`yyyy-mm-dd`), or 400 "Invalid date.".
fn path_date(s: &str) -> Result<Date, Refusal> {
    if s.len() != 10 {
        return Err(errors::bad_request("Invalid date."));
    }
    s.parse::<Date>()
        .map_err(|_| errors::bad_request("Invalid date."))
}

impl Go4Schools {
    fn authorised(&self, headers: &HeaderMap) -> bool {
        headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().split_once(' '))
            .is_some_and(|(scheme, key)| {
                scheme.eq_ignore_ascii_case("bearer") && key.trim() == self.api_key
            })
    }

    fn respond(&self, method: &Method, uri: &Uri, headers: &HeaderMap, body: &[u8]) -> Response {
        let Some(rest) = uri.path().strip_prefix(PREFIX) else {
            return errors::not_found();
        };
        if !(rest.is_empty() || rest.starts_with('/')) {
            return errors::not_found();
        }
        // "Authentication is required for all endpoints" (vendor doc).
        if !self.authorised(headers) {
            return errors::unauthorized();
        }
        // An injected expiry: GO keys do not expire on their own, so the emulator answers as
        // for a revoked key, once.
        if self.faults.credential_expires_now() {
            return errors::unauthorized();
        }
        if let Admission::Refused { retry_after } = self.quota.admit(Instant::now()) {
            self.stats.throttled.fetch_add(1, Ordering::SeqCst);
            return errors::too_many(retry_after);
        }
        let segs: Vec<&str> = rest.split('/').filter(|s| !s.is_empty()).collect();
        match self.route(method, &segs, uri, body) {
            Ok(r) => r,
            Err(r) => *r,
        }
    }

    fn route(
        &self,
        method: &Method,
        segs: &[&str],
        uri: &Uri,
        body: &[u8],
    ) -> Result<Response, Refusal> {
        let s = &*self.school;
        let ix = &self.ix;
        let get = method == Method::GET;
        Ok(match segs {
            ["school"] if get => {
                let mut v = render::school(s, ix);
                if self.variant {
                    // The year the past leavers were on roll is one the school has data for.
                    v["academic_years"] = serde_json::json!([ix.year - 1, ix.year]);
                }
                json(v)
            }
            ["users", "staff"] if get => json(render::staff(s, ix)),
            // Parent accounts and contacts are not in the synthetic school.
            ["users", "parents"] | ["contacts", "parental"] if get => {
                errors::forbidden(MODULE_DISABLED)
            }
            ["academic-years", year, rest @ ..] => {
                // The path year is the calendar year the school year ends.
                let year = year.parse::<i64>().ok();
                if self.variant && get && year == Some(ix.year - 1) {
                    return Ok(self.past_year_route(rest));
                }
                if year != Some(ix.year) {
                    return Err(errors::bad_request("Invalid Academic Year"));
                }
                self.year_route(method, rest, uri, body)?
            }
            _ => errors::not_found(),
        })
    }

    fn year_route(
        &self,
        method: &Method,
        segs: &[&str],
        uri: &Uri,
        body: &[u8],
    ) -> Result<Response, Refusal> {
        let s = &*self.school;
        let ix = &self.ix;
        let size = self.page_size;
        if method == Method::POST {
            return Ok(match segs {
                ["attendance", "student-session-marks"] => self.write_session_mark(body),
                _ => errors::not_found(),
            });
        }
        if method != Method::GET {
            return Ok(errors::not_found());
        }
        Ok(match segs {
            ["students"] => json(self.students()),
            ["students", "attributes"] => self.page(render::attributes(s, ix, cursor(uri)?, size)),
            ["students", "education-details"] => {
                let mut v = render::education_details(s, ix, cursor(uri)?, size);
                if self.variant {
                    self.this_years_roll(&mut v, "students_and_education_details");
                }
                self.page(v)
            }
            // Data the synthetic school does not hold: the school "does not have the
            // specific module" (403 Module Disabled).
            [
                "students",
                "attributes",
                "demographic" | "send" | "sensitive",
            ]
            | ["students", "medical-conditions" | "photos"]
            | ["assessment", ..] => errors::forbidden(MODULE_DISABLED),
            // Attainment (grades, exam results, reports, prior attainment) is what GO's
            // results embargo hides: answer as a school that has enabled it.
            ["attainment", ..] => errors::forbidden(EMBARGO_ENABLED),
            ["teaching", "departments"] => json(render::departments(ix)),
            ["teaching", "subjects"] => json(render::subjects(s, ix)),
            // The record fault "forbidden auxiliary": a key whose data officer has not
            // enabled staff data. Teachers only name the teachers of lessons, so every
            // timetable and attendance read must still work without them.
            ["teaching", "teachers"] if self.records().forbidden_auxiliary => {
                errors::forbidden(MODULE_DISABLED)
            }
            ["teaching", "teachers"] => json(render::teachers(s, ix)),
            ["teaching", "groups"] => json(render::groups(s, ix)),
            ["teaching", "groups", "students"] => json(render::group_students(s)),
            ["teaching", "groups", "teachers"] => json(render::group_teachers(s)),
            // Variant, with the record fault "forbidden auxiliary": the key's data officer has
            // disabled the timetable module — every timetable endpoint is 403 Module Disabled
            // (the doc's reason), while attendance stays readable.
            ["timetables", ..] if self.variant && self.records().forbidden_auxiliary => {
                errors::forbidden(MODULE_DISABLED)
            }
            ["timetables"] => json(render::timetables(s, ix)),
            ["timetables", "calendar"] => json(render::calendar(s)),
            ["timetables", "classes"] => self.page(render::classes(s, ix, cursor(uri)?, size)),
            ["timetables", "student-classes"] => {
                let mut v = render::student_classes(s, ix, cursor(uri)?, size);
                if self.variant {
                    variant::dummy_class_times(&mut v);
                }
                self.page(v)
            }
            ["attendance", "codes"] => {
                let mut v = render::attendance_codes(ix);
                if self.onboarding().school_code {
                    onboarding::code_book(ix, &mut v);
                }
                json(v)
            }
            ["attendance", "student-session-marks", "date", d] => {
                let date = path_date(d)?;
                let written = self.written.lock().unwrap_or_else(|p| p.into_inner());
                let mut v = render::session_marks(s, ix, &written, date);
                if self.onboarding().school_code {
                    onboarding::marks(s, ix, "session", &mut v);
                }
                json(v)
            }
            ["attendance", "student-lesson-marks", "date", d] => {
                let date = path_date(d)?;
                if self.variant && self.records().missing_subresource {
                    // Variant, with the record fault "missing sub-resource": a school in
                    // session attendance mode has no lesson register (doc: 400 "Attendance
                    // Invalid Mode", "the school does not have the correct Attendance Mode").
                    *errors::bad_request("Attendance Invalid Mode")
                } else if Some(date) == self.missing_lesson_marks_date() {
                    errors::not_found()
                } else {
                    let mut v = render::lesson_marks(s, ix, date);
                    if self.onboarding().school_code {
                        onboarding::marks(s, ix, "lesson", &mut v);
                    }
                    json(v)
                }
            }
            ["attendance", "student-session-summary"] => {
                let written = self.written.lock().unwrap_or_else(|p| p.into_inner());
                json(render::session_summary(s, ix, &written))
            }
            // The onboarding fault "disabled module": the school does not have the Behaviour
            // module (403 Module Disabled on every behaviour route).
            ["behaviour", ..] if self.onboarding().disabled_module => {
                errors::forbidden(MODULE_DISABLED)
            }
            ["behaviour", "classification"] => json(render::classifications(ix)),
            ["behaviour", "event-types"] => json(render::event_types(ix)),
            ["behaviour", "actions", "follow-up"] => json(render::follow_up_actions()),
            ["behaviour", "actions", "immediate"] => json(render::immediate_actions()),
            ["behaviour", "events", "date", d] => {
                let date = path_date(d)?;
                let cursor = cursor(uri)?;
                match variant::trip(s).filter(|t| self.variant && t.event.date == date) {
                    Some(t) if cursor.is_none() => {
                        self.page(render::events_page(vec![render::event_row(
                            s, ix, t.record, &t.event,
                        )]))
                    }
                    _ => self.page(render::events(s, ix, date, cursor, size)),
                }
            }
            _ => errors::not_found(),
        })
    }

    /// A paged body: in the variant profile without `has_more` (the `cursor` alone says
    /// whether a page follows).
    fn page(&self, mut v: Value) -> Response {
        if self.variant {
            variant::drop_has_more(&mut v);
        }
        json(v)
    }

    /// Variant: the current year's roll leaves out students who left before it began.
    fn this_years_roll(&self, v: &mut Value, key: &str) {
        let past: std::collections::BTreeSet<u64> = self
            .school
            .students
            .iter()
            .filter(|st| variant::past_leaver(&self.school, &st.id))
            .map(|st| num(&st.id))
            .collect();
        let field = if key.is_empty() { "id" } else { "student_id" };
        variant::retain_students(v, key, field, |id| !past.contains(&id));
    }

    /// Variant: `GET …/academic-years/{year - 1}/…`, the year the past leavers were on roll.
    /// Its students and education details are those leavers (whole lists: the year is
    /// small); the synthetic school holds nothing else for that year, so every other list is
    /// empty and anything else not found.
    fn past_year_route(&self, segs: &[&str]) -> Response {
        let s = &*self.school;
        let ix = &self.ix;
        let past = |v: &mut Value, key: &str, field: &str| {
            variant::retain_students(v, key, field, |id| {
                s.students
                    .iter()
                    .any(|st| num(&st.id) == id && variant::past_leaver(s, &st.id))
            });
        };
        match segs {
            ["students"] => {
                let mut v = render::students(s);
                past(&mut v, "", "id");
                json(v)
            }
            ["students", "education-details"] => {
                let mut v = render::education_details(s, ix, None, s.students.len().max(1));
                past(&mut v, "students_and_education_details", "student_id");
                self.page(v)
            }
            ["attendance" | "behaviour" | "teaching" | "timetables", ..] => {
                json(Value::Array(Vec::new()))
            }
            _ => errors::not_found(),
        }
    }

    fn records(&self) -> RecordFaults {
        self.faults.plan().records
    }

    /// The onboarding faults (see `onboarding`).
    fn onboarding(&self) -> OnboardingFaults {
        self.faults.plan().onboarding
    }

    /// `GET …/students`, with the record fault "malformed record": the student at
    /// [`RecordFaults::MALFORMED_STUDENT`] has its `date_of_birth` as a JSON number
    /// (`20090123`) instead of the documented date-time string, its `id` intact.
    fn students(&self) -> Value {
        let mut v = render::students(&self.school);
        if self.variant {
            self.this_years_roll(&mut v, "");
        }
        if self.records().malformed_record
            && let Some(bad) = self.school.students.get(RecordFaults::MALFORMED_STUDENT)
        {
            let id = num(&bad.id);
            let dob = bad.date_of_birth.map_or(20_090_101, |d| {
                i64::from(d.year()) * 10_000 + i64::from(d.month()) * 100 + i64::from(d.day())
            });
            for record in v.as_array_mut().into_iter().flatten() {
                if record["id"] == id {
                    record["date_of_birth"] = Value::from(dob);
                }
            }
        }
        v
    }

    /// The date whose lesson register answers 404 under the record fault "missing
    /// sub-resource".
    ///
    /// GO 4 Schools has no per-student route: every student read is a whole-year list and
    /// every register a whole-school list of one date (vendor doc). The nearest thing to one
    /// student's sub-resource the provider reads is one date's lesson register, so the fault
    /// answers GO's documented 404 ("The resource could not be found.") for the register of
    /// the first date [`RecordFaults::MISSING_STUDENT`] has a lesson mark on.
    fn missing_lesson_marks_date(&self) -> Option<Date> {
        if !self.records().missing_subresource {
            return None;
        }
        let student = self.school.students.get(RecordFaults::MISSING_STUDENT)?;
        self.school
            .lesson_marks
            .iter()
            .find(|m| m.student_id == student.id)
            .map(|m| m.date)
    }

    /// `POST …/attendance/student-session-marks`: validates like the doc's error table, then
    /// records the mark under (student, date, session) and answers an empty 200.
    fn write_session_mark(&self, body: &[u8]) -> Response {
        match self.validate(body) {
            Ok((key, written)) => {
                let mut overlay = self.written.lock().unwrap_or_else(|p| p.into_inner());
                overlay.insert(key, written);
                self.stats.applied_writes.fetch_add(1, Ordering::SeqCst);
                StatusCode::OK.into_response()
            }
            Err(r) => *r,
        }
    }

    fn validate(&self, body: &[u8]) -> Result<((u64, Date, Session), Written), Refusal> {
        let s = &*self.school;
        let ix = &self.ix;
        // Deserialisation problems come first, as ASP.NET model binding runs before the
        // action ("Invalid model state", the doc's example being a bad `date`).
        let v: Value = serde_json::from_slice(body).map_err(|e| {
            errors::model_state(&format!(
                "Unexpected character encountered while parsing value: {e}. Path ''."
            ))
        })?;
        if !v.is_object() {
            return Err(errors::model_state(
                "Cannot deserialize the current JSON value into the attendance object. Path ''.",
            ));
        }
        let date = match &v["date"] {
            Value::Null => None,
            Value::String(d) => Some(parse_date(d).ok_or_else(|| {
                errors::model_state(&format!(
                    "Could not convert string to DateTime: {d}. Path 'date'."
                ))
            })?),
            other => {
                return Err(errors::model_state(&format!(
                    "Unexpected token parsing date. Expected String, got {other}. Path 'date'."
                )));
            }
        };
        let minutes_late = match &v["session_minutes_late"] {
            Value::Null => None,
            m => Some(m.as_u64().and_then(|m| u32::try_from(m).ok()).ok_or_else(|| {
                errors::model_state(&format!(
                    "Could not convert {m} to a non-negative integer. Path 'session_minutes_late'."
                ))
            })?),
        };
        let notes = match &v["session_notes"] {
            Value::Null => None,
            Value::String(n) => Some(n.clone()),
            other => {
                return Err(errors::model_state(&format!(
                    "Unexpected token parsing string, got {other}. Path 'session_notes'."
                )));
            }
        };

        let session = match v["session"].as_str() {
            Some("AM") => Session::Am,
            Some("PM") => Session::Pm,
            _ => return Err(errors::bad_request("Unknown session type.")),
        };
        let year = &s.academic_year;
        let date = date
            .filter(|d| year.start_date <= *d && *d <= year.end_date)
            .ok_or_else(|| errors::bad_request("Invalid date."))?;
        let upn = v["student_upn"].as_str().map(str::trim).unwrap_or("");
        let student = s
            .students
            .iter()
            .find(|st| !upn.is_empty() && st.upn() == Some(upn))
            .ok_or_else(|| errors::bad_request("Unknown student UPN"))?;
        let enrolled = s
            .enrolments
            .iter()
            .find(|e| e.student_id == student.id)
            .is_some_and(|e| e.admission_date <= date && e.leaving_date.is_none_or(|l| l >= date));
        if !enrolled {
            return Err(errors::bad_request("Student not at this school."));
        }
        let code = id_value(&v["session_mark_id"])
            .and_then(|id| ix.code_by_id(id))
            .ok_or_else(|| errors::bad_request("Unknown Attendance Mark"))?;
        let alias_id = match &v["session_mark_alias_id"] {
            Value::Null => None,
            a => Some(
                id_value(a)
                    .filter(|id| code.aliases.iter().any(|x| x.id == *id))
                    .ok_or_else(|| errors::bad_request("Unknown Attendance Alias Mark"))?,
            ),
        };
        if !s.calendar.is_school_day(date) {
            return Err(errors::bad_request("Date school not open."));
        }
        Ok((
            (num(&student.id), date, session),
            Written {
                mark_id: code.id,
                alias_id,
                minutes_late,
                notes,
            },
        ))
    }
}

/// An id sent as a number or as a numeric string (the doc types `session_mark_id` as a
/// string; its example sends `1`).
fn id_value(v: &Value) -> Option<u64> {
    match v {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// A JSON date as Newtonsoft reads one: `2019-01-05`, or an ISO date-time whose date part is
/// taken.
fn parse_date(s: &str) -> Option<Date> {
    let s = s.trim();
    s.parse::<Date>()
        .ok()
        .or_else(|| s.parse::<jiff::civil::DateTime>().ok().map(|dt| dt.date()))
        .or_else(|| {
            s.parse::<jiff::Timestamp>()
                .ok()
                .map(|t| t.to_zoned_datetime(jiff::tz::TimeZone::UTC).date())
        })
}
