//! The Classe365 wire format: the envelope, error bodies and every record, as `json!`.
//!
//! Field names follow the v1 API where it names the same thing (`student_dob`,
//! `student_email`, `admission_number`, `class_id`; the v1 API documentation) and are
//! snake_case, as the v2 document promises ("JSON Everywhere"). The v2 record shapes
//! themselves are behind the tenant portal (unconfirmed); the attendance record's shape is
//! inferred.

use std::collections::BTreeMap;
use std::time::Duration;

use axum::Json;
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use jiff::civil::Date;
use mis_core::{
    AttendanceCategory, AttendanceMark, EnrolmentStatus, Gender, Group, GroupKind, IdentifierKind,
    Session, Staff,
};
use serde_json::{Value, json};

use crate::school::School;

/// One response: status, JSON body, extra headers. Handlers and fixtures share it, so a
/// fixture is byte for byte what the handler serves.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Reply {
    pub status: StatusCode,
    pub body: Value,
    pub headers: Vec<(HeaderName, HeaderValue)>,
}

impl Reply {
    fn new(status: StatusCode, body: Value) -> Reply {
        Reply {
            status,
            body,
            headers: Vec::new(),
        }
    }

    fn with_header(mut self, name: HeaderName, value: HeaderValue) -> Reply {
        self.headers.push((name, value));
        self
    }
}

impl IntoResponse for Reply {
    fn into_response(self) -> Response {
        // A 204 keeps its `message` body here, as the vendor document describes; HTTP/1.1
        // forbids a body on 204 and hyper drops it on the wire, exactly as any conforming
        // server between the vendor and the client would. Clients must branch on the status.
        let mut response = (self.status, Json(self.body)).into_response();
        for (name, value) in self.headers {
            response.headers_mut().insert(name, value);
        }
        response
    }
}

/// `{"record": …}` (vendor doc "Single-resource success").
pub(crate) fn record(status: StatusCode, record: Value, message: Option<&str>) -> Reply {
    let mut body = json!({ "record": record });
    if let Some(m) = message {
        body["message"] = json!(m);
    }
    Reply::new(status, body)
}

/// `{"records": […], "message": …}` for a multi-record write.
pub(crate) fn records(status: StatusCode, records: Vec<Value>, message: &str) -> Reply {
    Reply::new(status, json!({ "records": records, "message": message }))
}

/// Pagination details of one list page (`meta`; its fields are inferred).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Meta {
    pub current_page: usize,
    pub per_page: usize,
    pub total_records: usize,
}

impl Meta {
    pub(crate) fn total_pages(&self) -> usize {
        self.total_records.div_ceil(self.per_page.max(1))
    }
}

/// `{"records": […], "meta": {current_page, per_page, total_records, total_pages}}`.
pub(crate) fn list(records: Vec<Value>, meta: Meta) -> Reply {
    Reply::new(
        StatusCode::OK,
        json!({
            "records": records,
            "meta": {
                "current_page": meta.current_page,
                "per_page": meta.per_page,
                "total_records": meta.total_records,
                "total_pages": meta.total_pages(),
            },
        }),
    )
}

/// 204 with a brief `message` (vendor doc: a missing record or a list with zero rows).
pub(crate) fn no_content(message: &str) -> Reply {
    Reply::new(StatusCode::NO_CONTENT, json!({ "message": message }))
}

/// One documented error: status, stable `error_code`, human message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ErrorKind {
    pub status: StatusCode,
    pub code: u16,
    pub message: &'static str,
}

const fn kind(status: StatusCode, code: u16, message: &'static str) -> ErrorKind {
    ErrorKind {
        status,
        code,
        message,
    }
}

/// No `Authorization: Basic` header.
pub(crate) const AUTH_MISSING: ErrorKind = kind(
    StatusCode::UNAUTHORIZED,
    101,
    "Authentication required: send HTTP Basic credentials (subdomain:api_key)",
);
/// The subdomain or API key is wrong.
pub(crate) const AUTH_INVALID: ErrorKind = kind(
    StatusCode::UNAUTHORIZED,
    102,
    "Authentication failed: invalid subdomain or API key",
);
/// The key was rejected as expired (injected by `expire_every`).
pub(crate) const AUTH_EXPIRED: ErrorKind = kind(
    StatusCode::UNAUTHORIZED,
    103,
    "Authentication failed: the API key has expired or was revoked",
);
/// The key may not read this resource (vendor doc, 403: "you lack permission or the
/// feature is disabled for your tenant instance").
pub(crate) const FORBIDDEN: ErrorKind = kind(
    StatusCode::FORBIDDEN,
    104,
    "Permission denied: this API key may not access this module, or the module is disabled \
     for your tenant",
);
/// Validation failed; `errors` says where.
pub(crate) const VALIDATION: ErrorKind = kind(
    StatusCode::BAD_REQUEST,
    201,
    "The request failed validation",
);
/// The body is not a JSON document.
pub(crate) const MALFORMED_BODY: ErrorKind = kind(
    StatusCode::BAD_REQUEST,
    202,
    "The request body is not valid JSON",
);
/// No such endpoint.
pub(crate) const NOT_FOUND: ErrorKind = kind(
    StatusCode::NOT_FOUND,
    301,
    "The requested endpoint does not exist",
);
/// Wrong verb for an endpoint.
pub(crate) const METHOD_NOT_ALLOWED: ErrorKind = kind(
    StatusCode::METHOD_NOT_ALLOWED,
    302,
    "The HTTP method is not allowed for this endpoint",
);
/// Too many requests.
pub(crate) const THROTTLED: ErrorKind = kind(
    StatusCode::TOO_MANY_REQUESTS,
    601,
    "Too many requests: the API rate limit was exceeded, retry later",
);

/// The message with its stable suffix: `"… (error_code: 201)"` (vendor doc "Errors").
pub(crate) fn error_message(kind: ErrorKind) -> String {
    format!("{} (error_code: {})", kind.message, kind.code)
}

/// An error without field details.
pub(crate) fn error(kind: ErrorKind) -> Reply {
    Reply::new(kind.status, json!({ "message": error_message(kind) }))
}

/// An error with its `errors` array of `{field, message}`.
pub(crate) fn error_with(kind: ErrorKind, errors: &[FieldError]) -> Reply {
    let errors: Vec<Value> = errors
        .iter()
        .map(|e| json!({ "field": e.field, "message": e.message }))
        .collect();
    Reply::new(
        kind.status,
        json!({ "message": error_message(kind), "errors": errors }),
    )
}

/// A 401, with the `WWW-Authenticate` challenge that HTTP requires of a Basic-auth 401.
pub(crate) fn unauthorized(kind: ErrorKind) -> Reply {
    error(kind).with_header(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static("Basic realm=\"Classe365 API\""),
    )
}

/// The body of [`unknown_tenant`]: a web server's plain 404 page, not the API's envelope.
pub(crate) const UNKNOWN_TENANT_PAGE: &str = "<!DOCTYPE html><html><head><title>404 Not Found</title></head><body><h1>Not Found</h1>\
     <p>There is no Classe365 account at this address.</p></body></html>";

/// What a request for a subdomain no Classe365 tenant uses gets: a 404 HTML page from in
/// front of the API (there is no tenant, so no tenant's API and no JSON envelope). See the
/// module docs for why this answer.
pub(crate) fn unknown_tenant() -> Response {
    (
        StatusCode::NOT_FOUND,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        UNKNOWN_TENANT_PAGE,
    )
        .into_response()
}

/// The status a school defined for itself ([`crate::OnboardingFaults::school_code`]):
/// Classe365 statuses are labels, so the school's own `Q` is sent by its label.
pub(crate) const SCHOOL_STATUS: &str = crate::OnboardingFaults::SCHOOL_CODE_LABEL;

/// The 429 for an injected throttle, with `Retry-After` in whole seconds (at least 1).
/// Classe365 documents no rate limit or hint header; `Retry-After` is the standard HTTP
/// one.
pub(crate) fn throttled(wait: Duration) -> Reply {
    let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    error(THROTTLED).with_header(header::RETRY_AFTER, HeaderValue::from(secs.max(1)))
}

/// One validation failure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub(crate) fn new(field: impl Into<String>, message: impl Into<String>) -> FieldError {
        FieldError {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// An id on the wire: a JSON number when it is one (every v1 example uses integer ids),
/// else the string.
pub(crate) fn id(raw: &str) -> Value {
    raw.parse::<u64>().map_or_else(|_| json!(raw), |n| json!(n))
}

/// Lookups the renderers need, built once from the School.
#[derive(Debug, Default)]
pub(crate) struct Directory {
    /// Student id → registration group id (the class of the student's day record).
    pub registration: BTreeMap<String, String>,
    /// Year label (`7`, `R`) → year group id (a department).
    pub year_department: BTreeMap<String, String>,
    /// Non-year group id → the year group (department) its members are in.
    pub class_department: BTreeMap<String, String>,
    /// Group id → index in `School::groups`.
    pub groups: BTreeMap<String, usize>,
}

impl Directory {
    pub(crate) fn new(school: &School) -> Directory {
        let mut dir = Directory::default();
        let mut year_of_student = BTreeMap::new();
        for (i, g) in school.groups.iter().enumerate() {
            dir.groups.insert(g.id.clone(), i);
            match g.kind {
                GroupKind::Year => {
                    let label = match g.name.as_str() {
                        "Reception" => "R".to_string(),
                        name => name.strip_prefix("Year ").unwrap_or(name).to_string(),
                    };
                    dir.year_department.insert(label, g.id.clone());
                    for s in &g.student_ids {
                        year_of_student.insert(s.as_str(), g.id.clone());
                    }
                }
                GroupKind::Registration => {
                    for s in &g.student_ids {
                        dir.registration.insert(s.clone(), g.id.clone());
                    }
                }
                _ => {}
            }
        }
        for g in &school.groups {
            if g.kind == GroupKind::Year {
                continue;
            }
            // Houses mix years: they belong to no department.
            let years: Vec<&String> = g
                .student_ids
                .iter()
                .filter_map(|s| year_of_student.get(s.as_str()))
                .collect();
            // (No `if let … &&` chains: the workspace's rust-version is 1.85.)
            if let Some(first) = years.first() {
                if years.iter().all(|y| y == first) {
                    dir.class_department.insert(g.id.clone(), (*first).clone());
                }
            }
        }
        dir
    }

    /// The department (year group) of a year label.
    pub(crate) fn department_of_year(&self, year: Option<&str>) -> Option<&str> {
        year.and_then(|y| self.year_department.get(y))
            .map(String::as_str)
    }
}

/// A group that `/classes` lists: everything but year groups, which are departments.
pub(crate) fn is_class(g: &Group) -> bool {
    g.kind != GroupKind::Year
}

fn group_name<'a>(school: &'a School, dir: &Directory, id: &str) -> Option<&'a str> {
    dir.groups.get(id).map(|&i| school.groups[i].name.as_str())
}

/// Classe365 shows genders capitalised (`Male`, `Female`); the client lower-cases them.
fn gender(g: &Gender) -> String {
    let raw = match g {
        Gender::Male => "male",
        Gender::Female => "female",
        Gender::Other(s) => s.as_str(),
        _ => "other",
    };
    let mut chars = raw.chars();
    chars.next().map_or_else(String::new, |c| {
        c.to_uppercase().chain(chars).collect::<String>()
    })
}

/// Student statuses as the v1 status API names them: `active`, `alumni` (the v1 API
/// documentation, "change student status").
fn status(s: Option<&EnrolmentStatus>) -> Value {
    match s {
        Some(EnrolmentStatus::OnRoll) => json!("active"),
        Some(EnrolmentStatus::Leaver) => json!("alumni"),
        Some(EnrolmentStatus::Applicant) => json!("applicant"),
        Some(EnrolmentStatus::Other(o)) => json!(o),
        Some(_) => Value::Null,
        None => Value::Null,
    }
}

/// The year label of a department (year group) id.
fn year_label<'a>(dir: &'a Directory, department: &str) -> Option<&'a str> {
    dir.year_department
        .iter()
        .find(|(_, id)| id.as_str() == department)
        .map(|(label, _)| label.as_str())
}

/// The class fields of a student record for a registration class id: `class_id`,
/// `class_name`, `department_id`, `department_name`, `year_level`. Also used when an update
/// moves a student to another class.
pub(crate) fn placement(
    school: &School,
    dir: &Directory,
    class: Option<&str>,
    year: Option<&str>,
) -> [(&'static str, Value); 5] {
    let department = class
        .and_then(|c| dir.class_department.get(c).map(String::as_str))
        .or_else(|| dir.department_of_year(year));
    let year = department.and_then(|d| year_label(dir, d)).or(year);
    let name = |id: Option<&str>| {
        id.and_then(|id| group_name(school, dir, id))
            .map_or(Value::Null, |n| json!(n))
    };
    [
        ("class_id", class.map_or(Value::Null, id)),
        ("class_name", name(class)),
        ("department_id", department.map_or(Value::Null, id)),
        ("department_name", name(department)),
        ("year_level", year.map_or(Value::Null, |y| json!(y))),
    ]
}

/// One student (`GET /students`, `/students/{id}`), index `i` of `School::students`.
pub(crate) fn student(school: &School, dir: &Directory, i: usize) -> Value {
    let s = &school.students[i];
    let enrolment = &school.enrolments[i];
    let ident = |kind: IdentifierKind| s.identifier(&kind).map(str::to_string);
    let mut custom = serde_json::Map::new();
    // Classe365 is not a UK product: the UPN and the previous MIS id live in tenant-defined
    // custom fields (the v1 API's "student attributes"), keyed by snake_case name.
    for (key, kind) in [
        ("upn", IdentifierKind::Upn),
        ("mis_id", IdentifierKind::MisId),
    ] {
        if let Some(v) = ident(kind) {
            custom.insert(key.to_string(), json!(v));
        }
    }
    let mut record = json!({
        "id": id(&s.id),
        "admission_number": ident(IdentifierKind::AdmissionNumber),
        "first_name": s.first_name,
        "middle_name": s.middle_names,
        "last_name": s.last_name,
        "preferred_first_name": s.preferred_first_name,
        "preferred_last_name": s.preferred_last_name,
        "gender": s.gender.as_ref().map(gender),
        "student_dob": s.date_of_birth.map(|d| d.to_string()),
        "student_email": s.email,
        "status": status(s.enrolment_status.as_ref()),
        "admission_date": enrolment.admission_date.to_string(),
        "leaving_date": enrolment.leaving_date.map(|d| d.to_string()),
        "custom_fields": custom,
    });
    let class = dir.registration.get(&s.id).map(String::as_str);
    for (k, v) in placement(school, dir, class, s.year_group.as_deref()) {
        record[k] = v;
    }
    record
}

/// One class (`GET /classes`): a registration, teaching or house group.
pub(crate) fn class(school: &School, dir: &Directory, g: &Group) -> Value {
    let kind = match &g.kind {
        GroupKind::Registration => "registration",
        GroupKind::Teaching => "teaching",
        GroupKind::House => "house",
        GroupKind::Year => "year",
        GroupKind::Other(o) => o.as_str(),
        _ => "other",
    };
    let subject = g
        .subject
        .as_ref()
        .and_then(|name| school.subjects.iter().find(|s| &s.name == name));
    let department = dir.class_department.get(&g.id);
    json!({
        "id": id(&g.id),
        "name": g.name,
        "code": g.code,
        "class_type": kind,
        "department_id": department.map(|d| id(d)),
        "department_name": department.and_then(|d| group_name(school, dir, d)),
        "subject_id": subject.map(|s| id(&s.id)),
        "subject_name": subject.map(|s| s.name.as_str()),
        "subject_code": subject.map(|s| s.code.as_str()),
        "teacher_ids": g.staff_ids.iter().map(|s| id(s)).collect::<Vec<_>>(),
        "student_ids": g.student_ids.iter().map(|s| id(s)).collect::<Vec<_>>(),
    })
}

/// One department (`GET /departments`): a year group, with its classes.
pub(crate) fn department(school: &School, dir: &Directory, g: &Group) -> Value {
    let classes: Vec<Value> = school
        .groups
        .iter()
        .filter(|c| dir.class_department.get(&c.id) == Some(&g.id))
        .map(|c| id(&c.id))
        .collect();
    let year = year_label(dir, &g.id);
    json!({
        "id": id(&g.id),
        "name": g.name,
        "code": g.code,
        "year_level": year,
        "class_ids": classes,
    })
}

/// One teacher (`GET /teachers`).
pub(crate) fn teacher(school: &School, s: &Staff) -> Value {
    let classes: Vec<Value> = school
        .groups
        .iter()
        .filter(|g| is_class(g) && g.staff_ids.contains(&s.id))
        .map(|g| id(&g.id))
        .collect();
    json!({
        "id": id(&s.id),
        "title": s.title,
        "first_name": s.first_name,
        "last_name": s.last_name,
        "email": s.email,
        "staff_code": s.code,
        "employee_number": s
            .identifiers
            .iter()
            .find(|i| i.kind == IdentifierKind::MisId)
            .map(|i| i.value.as_str()),
        "roles": s.roles,
        "status": "active",
        "class_ids": classes,
    })
}

/// The academic sessions (`GET /sessions`): the academic year (`id` 1), then its terms
/// (`id` 2…, `parent_id` 1). Classe365 calls both "academic sessions" (v1 `acds_id`).
pub(crate) fn sessions(school: &School) -> Vec<Value> {
    let year = &school.academic_year;
    let mut out = vec![json!({
        "id": 1,
        "name": year.name,
        "session_type": "academic_year",
        "parent_id": null,
        "start_date": year.start_date.to_string(),
        "end_date": year.end_date.to_string(),
    })];
    for (i, t) in school.terms.iter().enumerate() {
        out.push(json!({
            "id": i + 2,
            "name": t.name,
            "session_type": "term",
            "parent_id": 1,
            "start_date": t.start_date.to_string(),
            "end_date": t.end_date.to_string(),
        }));
    }
    out
}

/// The status labels Classe365 records, in the order of the module's mapping table.
pub(crate) const STATUSES: [&str; 5] = ["present", "late", "excused", "absent", "field trip"];

/// The Classe365 status of a School session mark, or `None` when the vendor cannot express
/// it (see the mapping table in the module docs). Decided by the mark's DfE category, which
/// `mis_core::codes` already resolved with the date-aware table.
pub(crate) fn status_of(mark: &AttendanceMark) -> Option<&'static str> {
    Some(match mark.category {
        AttendanceCategory::Present if mark.late => "late",
        AttendanceCategory::Present => "present",
        AttendanceCategory::ApprovedEducationalActivity => "field trip",
        AttendanceCategory::AuthorisedAbsence => "excused",
        // `U` is unauthorised + late; "absent" keeps the category and loses the lateness.
        AttendanceCategory::UnauthorisedAbsence => "absent",
        _ => return None,
    })
}

/// Whether a School mark is rendered as a day record at all: AM session marks only.
pub(crate) fn is_day_mark(mark: &AttendanceMark) -> bool {
    mark.session == Some(Session::Am) && status_of(mark).is_some()
}

/// The id of the day record of `student` on `date` in the student's own registration class:
/// `yyyymmdd * 100000 + student id`, stable across runs and unique while student ids stay
/// below 100 000. `None` for a non-numeric or larger student id.
pub(crate) fn day_record_id(student: &str, date: Date) -> Option<u64> {
    let n: u64 = student.parse().ok().filter(|n| *n < 100_000)?;
    let ymd = date.year() as u64 * 10_000 + date.month() as u64 * 100 + date.day() as u64;
    Some(ymd * 100_000 + n)
}

/// One attendance record, in an inferred shape: `{id, student_id, class_id, date, status,
/// remarks}`.
pub(crate) fn attendance(
    record_id: u64,
    student: &str,
    class: &str,
    date: Date,
    status: &str,
    remarks: Option<&str>,
) -> Value {
    json!({
        "id": record_id,
        "student_id": id(student),
        "class_id": id(class),
        "date": date.to_string(),
        "status": status,
        "remarks": remarks,
    })
}

/// What a subject register (the variant profile) names besides the mark: its subject and
/// its attendance session (period) of the day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Register {
    pub subject_id: Option<String>,
    pub subject_name: String,
    pub period_id: String,
    pub period_name: String,
    /// Position of the period in the day (1-based), for the record id.
    pub period_number: u64,
}

/// The subject registers of the School's lesson-mark dates, by lesson id.
pub(crate) fn registers(school: &School) -> std::collections::HashMap<String, Register> {
    let Some(range) = school.lesson_mark_range else {
        return Default::default();
    };
    school
        .lessons_between(range.from(), range.to())
        .into_iter()
        .filter_map(|l| {
            let label = l.period?;
            let (n, period) = school
                .periods
                .iter()
                .enumerate()
                .find(|(_, p)| p.label == label)?;
            let subject_name = l.subject.unwrap_or_default();
            let subject_id = school
                .subjects
                .iter()
                .find(|s| s.name == subject_name)
                .map(|s| s.id.clone());
            Some((
                l.id,
                Register {
                    subject_id,
                    subject_name,
                    period_id: period.id.clone(),
                    period_name: period.label.clone(),
                    period_number: n as u64 + 1,
                },
            ))
        })
        .collect()
}

/// One subject-register record (the variant profile): the daily record's fields plus the
/// register's `subject_id`, `subject_name`, attendance `session_id` and `session_name` (v1
/// keys attendance by class, section, subject and session: `GET /rest/attendanceData`). Its
/// id is the day record's id × 100 + the period's position.
pub(crate) fn subject_attendance(
    student: &str,
    class: &str,
    register: &Register,
    mark: &AttendanceMark,
    status: &str,
) -> Value {
    let day = day_record_id(student, mark.date).unwrap_or_default();
    let mut record = attendance(
        day * 100 + register.period_number,
        student,
        class,
        mark.date,
        status,
        mark.note.as_deref(),
    );
    record["subject_id"] = register.subject_id.as_deref().map_or(Value::Null, id);
    record["subject_name"] = json!(register.subject_name);
    record["session_id"] = id(&register.period_id);
    record["session_name"] = json!(register.period_name);
    record
}

#[cfg(test)]
mod tests {
    use super::*;
    use mis_core::codes::label_category;

    #[test]
    fn every_status_maps_back_to_the_marks_category() {
        let school = School::generate(3, 80);
        let mut seen = std::collections::BTreeSet::new();
        for mark in &school.session_marks {
            let Some(label) = status_of(mark) else {
                assert!(
                    matches!(
                        mark.category,
                        AttendanceCategory::NotCounted | AttendanceCategory::NoMark
                    ),
                    "{mark:?} omitted"
                );
                continue;
            };
            seen.insert(label);
            let back = label_category(label).expect("the client's label rules know it");
            assert_eq!(back.category, mark.category, "{} -> {label}", mark.code);
            // Only `U` loses its lateness.
            assert_eq!(back.late, mark.late && mark.code != "U", "{}", mark.code);
        }
        for label in STATUSES {
            assert!(label_category(label).is_some(), "{label}");
        }
        assert!(seen.len() >= 4, "{seen:?}");
    }

    #[test]
    fn error_messages_end_with_the_code() {
        let r = error(VALIDATION);
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        assert!(
            r.body["message"]
                .as_str()
                .unwrap()
                .ends_with("(error_code: 201)")
        );
        let t = throttled(Duration::from_millis(1500));
        assert_eq!(t.headers[0].1, HeaderValue::from(2u64));
    }

    #[test]
    fn ids_are_numbers_when_numeric() {
        assert_eq!(id("1001"), json!(1001));
        assert_eq!(id("2024-autumn"), json!("2024-autumn"));
        assert_eq!(
            day_record_id("1001", jiff::civil::date(2024, 9, 3)),
            Some(2_024_090_301_001)
        );
    }
}
