//! The route table (inferred: the v2 paths are documented only inside the tenant portal),
//! the tenant's state and what each endpoint answers. Handlers are thin: each calls one
//! `Tenant` method that returns a [`Reply`], and the fixtures call the same methods.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex, MutexGuard};

use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router, middleware};
use jiff::civil::Date;
use mis_core::{AttendanceMark, EnrolmentStatus, GroupKind, Session};
use serde_json::{Map, Value, json};

use super::academic::{Academic, Kind};
use super::auth;
use super::render::{self, Directory, FieldError, Meta, Reply};
use crate::emulator::{FaultPlan, Faults, RecordFaults, Stats};
use crate::sandbox::{Credentials, EmulatorOptions, Fixture};
use crate::school::{Profile, School};

/// `per_page` when the client sends none (inferred; the default is not published).
const DEFAULT_PER_PAGE: usize = 50;
/// The largest `per_page` served; larger requests are clamped (inferred).
const MAX_PER_PAGE: usize = 100;

/// Page sizes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct PageRules {
    default: usize,
    max: usize,
}

impl Default for PageRules {
    fn default() -> Self {
        PageRules {
            default: DEFAULT_PER_PAGE,
            max: MAX_PER_PAGE,
        }
    }
}

impl PageRules {
    /// The vendor's sizes, with `default_page_size` as the default (and the cap, if larger).
    pub(crate) fn from_options(options: &EmulatorOptions) -> PageRules {
        let default = options
            .default_page_size
            .filter(|n| *n > 0)
            .unwrap_or(DEFAULT_PER_PAGE);
        PageRules {
            default,
            max: MAX_PER_PAGE.max(default),
        }
    }
}

/// Query parameters as sent (repeated keys: the last one wins, as in PHP).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Params(Vec<(String, String)>);

impl Params {
    pub(crate) fn of(pairs: &[(&str, &str)]) -> Params {
        Params(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        )
    }

    fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

/// Students as the tenant holds them: rendered once from the School, then changed by
/// `POST /students`.
#[derive(Debug)]
struct Students {
    records: Vec<Value>,
    /// Id (as text) → position in `records`.
    index: HashMap<String, usize>,
    next_id: u64,
}

/// One attendance record written through `POST /attendance`.
#[derive(Debug, Clone)]
struct Written {
    id: u64,
    status: &'static str,
    remarks: Option<String>,
}

/// The natural key of an attendance record: date, student id, class id (the upsert key
/// assumed for the vendor; inferred).
type AttendanceKey = (Date, String, String);

/// Where an attendance record sorts: date, student position, class id order.
type RowOrder<'a> = (Date, usize, (u64, &'a str));

/// A validated attendance write: key, canonical status, remarks.
type CheckedWrite = (AttendanceKey, &'static str, Option<String>);

/// Attendance written over the School's marks; a key written twice is replaced.
#[derive(Debug, Default)]
struct Attendance {
    written: BTreeMap<AttendanceKey, Written>,
    /// Ids of records that are not a student's own day record start at 1 (the School's day
    /// records have 13-digit ids, see `render::day_record_id`).
    next_id: u64,
}

/// One Classe365 tenant: the School, its lookups, what was written, and the counters.
#[derive(Debug)]
pub(crate) struct Tenant {
    school: Arc<School>,
    dir: Directory,
    pages: PageRules,
    stats: Arc<Stats>,
    pub(crate) faults: Arc<Faults>,
    pub(crate) subdomain: String,
    pub(crate) api_key: String,
    students: Mutex<Students>,
    attendance: Mutex<Attendance>,
    academic: Academic,
    /// [`Profile::Variant`]: subject-wise registers (see the module docs). Lesson id →
    /// the register's subject and period, for the dates with lesson marks.
    registers: Option<HashMap<String, render::Register>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// A positive integer id from a JSON number or a numeric string.
fn json_id(v: &Value) -> Option<String> {
    match v {
        Value::Number(n) => n.as_u64().map(|n| n.to_string()),
        Value::String(s) if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) => {
            s.parse::<u64>().ok().map(|n| n.to_string())
        }
        _ => None,
    }
}

/// A positive integer id from a path or query string.
fn text_id(s: &str) -> Option<String> {
    json_id(&Value::String(s.trim().to_string()))
}

fn parse_date(s: &str) -> Option<Date> {
    // Exactly `YYYY-MM-DD`, as the vendor's examples write dates.
    (s.len() == 10 && s.as_bytes()[4] == b'-' && s.as_bytes()[7] == b'-')
        .then(|| s.parse().ok())
        .flatten()
}

/// Sort key of an id: numeric ids in numeric order.
fn id_order(s: &str) -> (u64, &str) {
    (s.parse().unwrap_or(u64::MAX), s)
}

/// A write's status label → the canonical label, if Classe365 records it.
fn canonical_status(raw: &str) -> Option<&'static str> {
    let folded = raw.trim().to_lowercase().replace(['_', '-'], " ");
    render::STATUSES.into_iter().find(|s| *s == folded)
}

impl Tenant {
    pub(crate) fn new(
        school: Arc<School>,
        pages: PageRules,
        stats: Arc<Stats>,
        faults: Arc<Faults>,
    ) -> Tenant {
        let dir = Directory::new(&school);
        let variant = school.options.profile == Profile::Variant;
        let mut records: Vec<Value> = (0..school.students.len())
            .map(|i| render::student(&school, &dir, i))
            .collect();
        if variant {
            // Every other leaver is `inactive` (not yet moved to the Alumni module).
            for r in records
                .iter_mut()
                .filter(|r| r["status"] == "alumni")
                .skip(1)
                .step_by(2)
            {
                r["status"] = json!("inactive");
            }
        }
        let registers = variant.then(|| render::registers(&school));
        let index = school
            .students
            .iter()
            .enumerate()
            .map(|(i, s)| (s.id.clone(), i))
            .collect();
        let next_id = school
            .students
            .iter()
            .filter_map(|s| s.id.parse::<u64>().ok())
            .max()
            .unwrap_or(0)
            + 1;
        let academic = Academic::new(&school, &dir);
        Tenant {
            subdomain: auth::subdomain(&school),
            api_key: auth::api_key(&school),
            dir,
            pages,
            stats,
            faults,
            students: Mutex::new(Students {
                records,
                index,
                next_id,
            }),
            attendance: Mutex::new(Attendance {
                next_id: 1,
                ..Attendance::default()
            }),
            academic,
            registers,
            school,
        }
    }

    /// The credentials that work: `subdomain` and `api_key`.
    pub(crate) fn credentials(&self) -> Credentials {
        Credentials(BTreeMap::from([
            ("subdomain", self.subdomain.clone()),
            ("api_key", self.api_key.clone()),
        ]))
    }

    /// `page` and `per_page`, validated; `per_page` above the cap is clamped.
    fn paging(&self, p: &Params, errors: &mut Vec<FieldError>) -> (usize, usize) {
        let mut number = |name: &str, default: usize| match p.get(name) {
            None => default,
            Some(raw) => match raw.trim().parse::<usize>() {
                Ok(n) if n > 0 => n,
                _ => {
                    errors.push(FieldError::new(name, "must be a positive integer"));
                    default
                }
            },
        };
        let page = number("page", 1);
        let per_page = number("per_page", self.pages.default).min(self.pages.max);
        (page, per_page)
    }

    /// One page of `items`, or 204 when the page holds nothing.
    fn page_of<T>(
        items: &[T],
        (page, per_page): (usize, usize),
        render: impl Fn(&T) -> Value,
    ) -> Reply {
        let start = (page - 1).saturating_mul(per_page);
        if start >= items.len() {
            return render::no_content("No records found");
        }
        let end = start.saturating_add(per_page).min(items.len());
        render::list(
            items[start..end].iter().map(render).collect(),
            Meta {
                current_page: page,
                per_page,
                total_records: items.len(),
            },
        )
    }

    /// `GET /students?page&per_page&status&class_id`.
    pub(crate) fn list_students(&self, p: &Params) -> Reply {
        let mut errors = Vec::new();
        let paging = self.paging(p, &mut errors);
        let class = p.get("class_id").map(|c| {
            text_id(c).unwrap_or_else(|| {
                errors.push(FieldError::new("class_id", "must be a positive integer"));
                String::new()
            })
        });
        if !errors.is_empty() {
            return render::error_with(render::VALIDATION, &errors);
        }
        let status = p.get("status").map(str::to_lowercase);
        let students = lock(&self.students);
        let matching: Vec<&Value> = students
            .records
            .iter()
            .filter(|r| status.as_ref().is_none_or(|s| r["status"] == json!(s)))
            .filter(|r| {
                class
                    .as_ref()
                    .is_none_or(|c| json_id(&r["class_id"]).as_ref() == Some(c))
            })
            .collect();
        let malformed = self.malformed_student();
        Self::page_of(&matching, paging, |r| {
            let mut r = (*r).clone();
            // The record fault "malformed record": `student_dob` as a JSON number, the way a
            // PHP back end emits a date column it failed to format; the `id` is intact.
            if malformed.as_ref() == Some(&r["id"]) {
                let dob = r["student_dob"]
                    .as_str()
                    .unwrap_or("2009-01-01")
                    .replace('-', "");
                r["student_dob"] = dob.parse::<u64>().map_or(json!(20_090_101), |n| json!(n));
            }
            r
        })
    }

    /// The wire id of the student whose list record is malformed, when that fault is on.
    fn malformed_student(&self) -> Option<Value> {
        self.faults
            .plan()
            .records
            .malformed_record
            .then(|| self.school.students.get(RecordFaults::MALFORMED_STUDENT))
            .flatten()
            .map(|s| render::id(&s.id))
    }

    /// `GET /students/{id}`: the record, or 204 when there is none (vendor doc, 204).
    pub(crate) fn get_student(&self, raw: &str) -> Reply {
        let Some(id) = text_id(raw) else {
            return render::error_with(
                render::VALIDATION,
                &[FieldError::new("id", "must be a positive integer")],
            );
        };
        // The record fault "missing sub-resource". The provider's students and attendance
        // reads are whole lists with no per-student call, so the nearest per-record
        // sub-resource is the student's own record: it answers as the vendor documents a
        // record that does not exist (204 with a message; the document lists no 404).
        let records = self.faults.plan().records;
        let missing = self.school.students.get(RecordFaults::MISSING_STUDENT);
        if records.missing_subresource && missing.is_some_and(|s| s.id == id) {
            return render::no_content("Student not found");
        }
        let students = lock(&self.students);
        match students.index.get(&id) {
            Some(&i) => render::record(StatusCode::OK, students.records[i].clone(), None),
            None => render::no_content("Student not found"),
        }
    }

    /// `POST /students`: without `id` creates (201), with `id` updates (200); vendor doc
    /// "the correct action is automatically determined based on whether a unique resource id
    /// is supplied" (the v2 article, "Core API Characteristics").
    pub(crate) fn upsert_student(&self, body: &Value) -> Reply {
        const TEXT: [&str; 6] = [
            "admission_number",
            "middle_name",
            "preferred_first_name",
            "preferred_last_name",
            "student_email",
            "gender",
        ];
        const NAMES: [&str; 2] = ["first_name", "last_name"];
        const DATES: [&str; 3] = ["student_dob", "admission_date", "leaving_date"];
        const READ_ONLY: [&str; 4] = [
            "class_name",
            "department_id",
            "department_name",
            "year_level",
        ];
        const STATUSES: [&str; 5] = ["active", "alumni", "applicant", "enquiry", "inactive"];

        let Some(fields) = body.as_object() else {
            return render::error_with(
                render::VALIDATION,
                &[FieldError::new("body", "must be a JSON object")],
            );
        };
        let mut students = lock(&self.students);
        let mut errors = Vec::new();
        let mut target = None;
        let mut class = None;
        for (key, value) in fields {
            let k = key.as_str();
            let ok = if k == "id" {
                match json_id(value).and_then(|id| students.index.get(&id).copied()) {
                    Some(i) => {
                        target = Some(i);
                        true
                    }
                    None => {
                        errors.push(FieldError::new("id", "no student has this id"));
                        continue;
                    }
                }
            } else if TEXT.contains(&k) {
                value.is_null() || value.is_string()
            } else if NAMES.contains(&k) {
                value.as_str().is_some_and(|s| !s.trim().is_empty())
            } else if DATES.contains(&k) {
                value.is_null() || value.as_str().and_then(parse_date).is_some()
            } else if k == "status" {
                value.as_str().is_some_and(|s| STATUSES.contains(&s))
            } else if k == "class_id" {
                if value.is_null() {
                    class = Some(None);
                    true
                } else {
                    let found = json_id(value).filter(|id| {
                        self.dir
                            .groups
                            .get(id)
                            .is_some_and(|&g| self.school.groups[g].kind == GroupKind::Registration)
                    });
                    if found.is_none() {
                        errors.push(FieldError::new(k, "no registration class has this id"));
                        continue;
                    }
                    class = Some(found);
                    true
                }
            } else if k == "custom_fields" {
                value
                    .as_object()
                    .is_some_and(|m| m.values().all(|v| v.is_null() || v.is_string()))
            } else if READ_ONLY.contains(&k) {
                errors.push(FieldError::new(k, "is read-only"));
                continue;
            } else {
                errors.push(FieldError::new(k, "is not a student field"));
                continue;
            };
            if !ok {
                let why = match k {
                    _ if NAMES.contains(&k) => "must be a non-empty string",
                    _ if DATES.contains(&k) => "must be a date (YYYY-MM-DD) or null",
                    "status" => "must be one of active, alumni, applicant, enquiry, inactive",
                    "custom_fields" => "must be an object of strings",
                    _ => "must be a string or null",
                };
                errors.push(FieldError::new(k, why));
            }
        }
        // An unknown `id` is its own error, not a create missing its names.
        if !fields.contains_key("id") {
            for k in NAMES {
                if !fields.contains_key(k) {
                    errors.push(FieldError::new(k, "is required"));
                }
            }
        }
        if !errors.is_empty() {
            return render::error_with(render::VALIDATION, &errors);
        }

        let (i, created) = match target {
            Some(i) => (i, false),
            None => {
                let id = students.next_id;
                students.next_id += 1;
                let mut record = json!({
                    "id": id,
                    "admission_number": null, "first_name": null, "middle_name": null,
                    "last_name": null, "preferred_first_name": null,
                    "preferred_last_name": null, "gender": null, "student_dob": null,
                    "student_email": null, "status": "active", "admission_date": null,
                    "leaving_date": null, "custom_fields": {},
                });
                for (k, v) in render::placement(&self.school, &self.dir, None, None) {
                    record[k] = v;
                }
                students.records.push(record);
                let i = students.records.len() - 1;
                students.index.insert(id.to_string(), i);
                (i, true)
            }
        };
        let record = &mut students.records[i];
        for (k, v) in fields {
            match k.as_str() {
                "id" | "class_id" => {}
                "custom_fields" => {
                    let custom = record["custom_fields"]
                        .as_object_mut()
                        .expect("custom_fields is an object");
                    for (ck, cv) in v.as_object().into_iter().flatten() {
                        custom.insert(ck.clone(), cv.clone());
                    }
                }
                _ => record[k.as_str()] = v.clone(),
            }
        }
        if let Some(class) = class {
            let year = record["year_level"].as_str().map(str::to_string);
            for (k, v) in
                render::placement(&self.school, &self.dir, class.as_deref(), year.as_deref())
            {
                record[k] = v;
            }
        }
        self.stats.applied_writes.fetch_add(1, Ordering::SeqCst);
        if created {
            render::record(StatusCode::CREATED, record.clone(), Some("Student created"))
        } else {
            render::record(StatusCode::OK, record.clone(), Some("Student updated"))
        }
    }

    /// `GET /classes?page&per_page`: registration, teaching and house groups (and classes
    /// created since).
    pub(crate) fn list_classes(&self, p: &Params) -> Reply {
        self.list_academic(Kind::Classes, p)
    }

    /// `GET /departments?page&per_page`: the year groups.
    pub(crate) fn list_departments(&self, p: &Params) -> Reply {
        let mut errors = Vec::new();
        let paging = self.paging(p, &mut errors);
        if !errors.is_empty() {
            return render::error_with(render::VALIDATION, &errors);
        }
        // The record fault "forbidden auxiliary": departments only label year groups (the
        // student list already names each student's department and year level), and a key
        // scoped without the academic-structure module is refused with the document's 403.
        if self.faults.plan().records.forbidden_auxiliary {
            return render::error(render::FORBIDDEN);
        }
        Self::page_of(&self.academic.list(Kind::Departments), paging, Value::clone)
    }

    /// `GET /sessions?page&per_page`: the academic year and its terms.
    pub(crate) fn list_sessions(&self, p: &Params) -> Reply {
        self.list_academic(Kind::Sessions, p)
    }

    fn list_academic(&self, kind: Kind, p: &Params) -> Reply {
        let mut errors = Vec::new();
        let paging = self.paging(p, &mut errors);
        if !errors.is_empty() {
            return render::error_with(render::VALIDATION, &errors);
        }
        Self::page_of(&self.academic.list(kind), paging, Value::clone)
    }

    /// `GET /classes/{id}`, `/departments/{id}`, `/sessions/{id}`: the record or 204.
    pub(crate) fn get_academic(&self, kind: Kind, id: &str) -> Reply {
        self.academic.get(kind, id)
    }

    /// `POST /classes`, `/departments`, `/sessions`: create (201) or update (200) by `id`.
    pub(crate) fn upsert_academic(&self, kind: Kind, body: &Value) -> Reply {
        let reply = self.academic.upsert(kind, body);
        if reply.status.is_success() {
            self.stats.applied_writes.fetch_add(1, Ordering::SeqCst);
        }
        reply
    }

    /// `GET /teachers?page&per_page`.
    pub(crate) fn list_teachers(&self, p: &Params) -> Reply {
        let mut errors = Vec::new();
        let paging = self.paging(p, &mut errors);
        if !errors.is_empty() {
            return render::error_with(render::VALIDATION, &errors);
        }
        // The onboarding fault "disabled module": the key was created for specific modules,
        // teachers not among them (vendor doc, "Generate API Key"); the document's 403.
        if self.faults.plan().onboarding.disabled_module {
            return render::error(render::FORBIDDEN);
        }
        Self::page_of(&self.school.staff, paging, |s| {
            render::teacher(&self.school, s)
        })
    }

    /// The School's AM marks from `from` to `to` (session marks are ordered by date).
    fn marks_between(&self, from: Date, to: Date) -> &[AttendanceMark] {
        let marks = &self.school.session_marks;
        let start = marks.partition_point(|m| m.date < from);
        let end = marks.partition_point(|m| m.date <= to);
        &marks[start..end.max(start)]
    }

    /// The student whose registers carry the school's own status, when the onboarding fault
    /// "school code" is on: the School's first student on roll.
    fn school_code_student(&self) -> Option<&str> {
        self.faults
            .plan()
            .onboarding
            .school_code
            .then(|| {
                self.school
                    .students
                    .iter()
                    .find(|s| s.enrolment_status == Some(EnrolmentStatus::OnRoll))
            })
            .flatten()
            .map(|s| s.id.as_str())
    }

    /// Whether `date` is taken subject-wise (the variant profile, on dates with lesson
    /// marks) rather than daily.
    fn subject_wise(&self, date: Date) -> bool {
        self.registers.is_some()
            && self
                .school
                .lesson_mark_range
                .is_some_and(|r| r.contains(date))
    }

    /// The School's lesson marks from `from` to `to` (ordered by date).
    fn lesson_marks_between(&self, from: Date, to: Date) -> &[AttendanceMark] {
        let marks = &self.school.lesson_marks;
        let start = marks.partition_point(|m| m.date < from);
        let end = marks.partition_point(|m| m.date <= to);
        &marks[start..end.max(start)]
    }

    /// Whether the School itself has a day record under `key`.
    fn has_day_record(&self, (date, student, class): &AttendanceKey) -> bool {
        !self.subject_wise(*date)
            && self.dir.registration.get(student) == Some(class)
            && self
                .marks_between(*date, *date)
                .iter()
                .any(|m| &m.student_id == student && render::is_day_mark(m))
    }

    /// `GET /attendance?from&to&student_id&class_id&page&per_page`: day records, by date,
    /// then student, then class.
    pub(crate) fn list_attendance(&self, p: &Params) -> Reply {
        let mut errors = Vec::new();
        let paging = self.paging(p, &mut errors);
        let mut date = |name: &str| match p.get(name) {
            None => {
                errors.push(FieldError::new(name, "is required"));
                None
            }
            Some(raw) => parse_date(raw.trim()).or_else(|| {
                errors.push(FieldError::new(name, "must be a date (YYYY-MM-DD)"));
                None
            }),
        };
        let (from, to) = (date("from"), date("to"));
        let mut filter = |name: &str| {
            p.get(name).map(|raw| {
                text_id(raw).unwrap_or_else(|| {
                    errors.push(FieldError::new(name, "must be a positive integer"));
                    String::new()
                })
            })
        };
        let (student, class) = (filter("student_id"), filter("class_id"));
        if let (Some(f), Some(t)) = (from, to) {
            if t < f {
                errors.push(FieldError::new("to", "must not be before from"));
            }
        }
        let (Some(from), Some(to), true) = (from, to, errors.is_empty()) else {
            return render::error_with(render::VALIDATION, &errors);
        };

        let students = lock(&self.students);
        let attendance = lock(&self.attendance);
        let pos = |id: &str| students.index.get(id).copied().unwrap_or(usize::MAX);
        let wanted = |s: &str, c: &str| {
            student.as_deref().is_none_or(|x| x == s) && class.as_deref().is_none_or(|x| x == c)
        };
        // (date, student position, class order) → the rendered record.
        let mut rows: Vec<(RowOrder<'_>, Value)> = Vec::new();
        // The onboarding fault "school code": every register of this student carries the
        // status the school defined, whatever the School's mark (even one not rendered).
        let own_status = self.school_code_student();
        let own = |m: &AttendanceMark| own_status == Some(m.student_id.as_str());
        for m in self.marks_between(from, to) {
            let status = if own(m) && m.session == Some(Session::Am) {
                Some(render::SCHOOL_STATUS)
            } else {
                render::status_of(m).filter(|_| render::is_day_mark(m))
            };
            let (Some(status), Some(c)) = (status, self.dir.registration.get(&m.student_id)) else {
                continue;
            };
            let key = (m.date, m.student_id.clone(), c.clone());
            if self.subject_wise(m.date)
                || !wanted(&m.student_id, c)
                || attendance.written.contains_key(&key)
            {
                continue;
            }
            let id = render::day_record_id(&m.student_id, m.date).unwrap_or_default();
            rows.push((
                (m.date, pos(&m.student_id), id_order(c)),
                render::attendance(id, &m.student_id, c, m.date, status, m.note.as_deref()),
            ));
        }
        // The variant profile's subject registers: one record per lesson, in period order
        // (the sort below is stable).
        if let Some(registers) = &self.registers {
            for m in self.lesson_marks_between(from, to) {
                let status = if own(m) {
                    Some(render::SCHOOL_STATUS)
                } else {
                    render::status_of(m)
                };
                let (Some(status), Some(c), Some(reg)) = (
                    status,
                    self.dir.registration.get(&m.student_id),
                    m.lesson_id.as_ref().and_then(|l| registers.get(l)),
                ) else {
                    continue;
                };
                if !wanted(&m.student_id, c) {
                    continue;
                }
                rows.push((
                    (m.date, pos(&m.student_id), id_order(c)),
                    render::subject_attendance(&m.student_id, c, reg, m, status),
                ));
            }
        }
        for ((d, s, c), w) in attendance
            .written
            .range((from, String::new(), String::new())..)
        {
            if *d > to {
                break;
            }
            if wanted(s, c) {
                rows.push((
                    (*d, pos(s), id_order(c)),
                    render::attendance(w.id, s, c, *d, w.status, w.remarks.as_deref()),
                ));
            }
        }
        rows.sort_by(|a, b| a.0.cmp(&b.0));
        Self::page_of(&rows, paging, |(_, v)| v.clone())
    }

    /// `POST /attendance`: one record (201 when new, 200 when it replaced one) or an array
    /// (200, all or nothing). Upserts on `student_id` + `date` + `class_id`; `class_id`
    /// defaults to the student's class; an `id` in the body is accepted and ignored, since
    /// the natural key decides.
    pub(crate) fn write_attendance(&self, body: &Value) -> Reply {
        let (items, single) = match body {
            Value::Array(items) => (items.iter().collect::<Vec<_>>(), false),
            other => (vec![other], true),
        };
        if items.is_empty() {
            return render::error_with(
                render::VALIDATION,
                &[FieldError::new("records", "must not be empty")],
            );
        }
        let students = lock(&self.students);
        let mut errors = Vec::new();
        let mut valid = Vec::new();
        for (n, item) in items.iter().enumerate() {
            let at = |field: &str| {
                if single {
                    field.to_string()
                } else {
                    format!("records[{n}].{field}")
                }
            };
            let Some(fields) = item.as_object() else {
                errors.push(FieldError::new(at("record"), "must be a JSON object"));
                continue;
            };
            match self.check_attendance(fields, &students) {
                Ok(w) => valid.push(w),
                Err(list) => errors.extend(
                    list.into_iter()
                        .map(|e| FieldError::new(at(&e.field), e.message)),
                ),
            }
        }
        if !errors.is_empty() {
            return render::error_with(render::VALIDATION, &errors);
        }
        drop(students);

        let mut attendance = lock(&self.attendance);
        let mut out = Vec::new();
        let mut created = false;
        for (key, status, remarks) in valid {
            let existing = attendance.written.get(&key).map(|w| w.id);
            let base = existing.is_none() && self.has_day_record(&key);
            created = existing.is_none() && !base;
            let own = self.dir.registration.get(&key.1) == Some(&key.2);
            let id = match existing {
                Some(id) => id,
                None => match render::day_record_id(&key.1, key.0).filter(|_| own) {
                    Some(id) => id,
                    None => {
                        attendance.next_id += 1;
                        attendance.next_id - 1
                    }
                },
            };
            out.push(render::attendance(
                id,
                &key.1,
                &key.2,
                key.0,
                status,
                remarks.as_deref(),
            ));
            attendance.written.insert(
                key,
                Written {
                    id,
                    status,
                    remarks,
                },
            );
            self.stats.applied_writes.fetch_add(1, Ordering::SeqCst);
        }
        if single {
            let record = out.pop().expect("one record");
            if created {
                render::record(StatusCode::CREATED, record, Some("Attendance created"))
            } else {
                render::record(StatusCode::OK, record, Some("Attendance updated"))
            }
        } else {
            let message = format!("{} attendance records saved", out.len());
            render::records(StatusCode::OK, out, &message)
        }
    }

    /// Validates one attendance record of a write.
    fn check_attendance(
        &self,
        fields: &Map<String, Value>,
        students: &Students,
    ) -> Result<CheckedWrite, Vec<FieldError>> {
        const KNOWN: [&str; 6] = ["id", "student_id", "class_id", "date", "status", "remarks"];
        let mut errors: Vec<FieldError> = fields
            .keys()
            .filter(|k| !KNOWN.contains(&k.as_str()))
            .map(|k| FieldError::new(k.as_str(), "is not an attendance field"))
            .collect();
        let student = match fields.get("student_id") {
            None => {
                errors.push(FieldError::new("student_id", "is required"));
                None
            }
            Some(v) => {
                let found = json_id(v).and_then(|id| students.index.get(&id).map(|&i| (id, i)));
                if found.is_none() {
                    errors.push(FieldError::new("student_id", "no student has this id"));
                }
                found
            }
        };
        let date = match fields.get("date").map(|d| d.as_str().and_then(parse_date)) {
            None => {
                errors.push(FieldError::new("date", "is required"));
                None
            }
            Some(None) => {
                errors.push(FieldError::new("date", "must be a date (YYYY-MM-DD)"));
                None
            }
            Some(d) => d,
        };
        let status = match fields.get("status") {
            None => {
                errors.push(FieldError::new("status", "is required"));
                None
            }
            Some(v) => {
                let s = v.as_str().and_then(canonical_status);
                if s.is_none() {
                    errors.push(FieldError::new(
                        "status",
                        format!("must be one of {}", render::STATUSES.join(", ")),
                    ));
                }
                s
            }
        };
        let class = match fields.get("class_id").filter(|v| !v.is_null()) {
            Some(v) => {
                let found = json_id(v).filter(|id| {
                    self.dir
                        .groups
                        .get(id)
                        .is_some_and(|&g| render::is_class(&self.school.groups[g]))
                });
                if found.is_none() {
                    errors.push(FieldError::new("class_id", "no class has this id"));
                }
                found
            }
            None => student.as_ref().and_then(|(_, i)| {
                let own = json_id(&students.records[*i]["class_id"]);
                if own.is_none() {
                    errors.push(FieldError::new(
                        "class_id",
                        "is required: the student has no class",
                    ));
                }
                own
            }),
        };
        let remarks = match fields.get("remarks") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(s.clone()),
            Some(_) => {
                errors.push(FieldError::new("remarks", "must be a string or null"));
                None
            }
        };
        match (student, date, status, class) {
            (Some((student, _)), Some(date), Some(status), Some(class)) if errors.is_empty() => {
                Ok(((date, student, class), status, remarks))
            }
            _ => Err(errors),
        }
    }
}

type Shared = State<Arc<Tenant>>;

fn query(q: Result<Query<Vec<(String, String)>>, QueryRejection>) -> Result<Params, Reply> {
    q.map(|Query(pairs)| Params(pairs)).map_err(|_| {
        render::error_with(
            render::VALIDATION,
            &[FieldError::new("query", "is not a valid query string")],
        )
    })
}

fn json_body(body: Result<Json<Value>, JsonRejection>) -> Result<Value, Reply> {
    body.map(|Json(v)| v).map_err(|rejection| {
        let error = match rejection {
            JsonRejection::MissingJsonContentType(_) => {
                FieldError::new("Content-Type", "must be application/json")
            }
            other => FieldError::new("body", other.body_text()),
        };
        render::error_with(render::MALFORMED_BODY, &[error])
    })
}

macro_rules! list_handler {
    ($name:ident, $method:ident) => {
        async fn $name(
            State(t): Shared,
            q: Result<Query<Vec<(String, String)>>, QueryRejection>,
        ) -> Reply {
            query(q).map_or_else(|e| e, |p| t.$method(&p))
        }
    };
}

list_handler!(students, list_students);
list_handler!(classes, list_classes);
list_handler!(departments, list_departments);
list_handler!(teachers, list_teachers);
list_handler!(sessions, list_sessions);
list_handler!(attendance, list_attendance);

async fn student(State(t): Shared, Path(id): Path<String>) -> Reply {
    t.get_student(&id)
}

async fn upsert_student(State(t): Shared, body: Result<Json<Value>, JsonRejection>) -> Reply {
    json_body(body).map_or_else(|e| e, |b| t.upsert_student(&b))
}

async fn write_attendance(State(t): Shared, body: Result<Json<Value>, JsonRejection>) -> Reply {
    json_body(body).map_or_else(|e| e, |b| t.write_attendance(&b))
}

macro_rules! academic_handlers {
    ($one:ident, $upsert:ident, $kind:expr) => {
        async fn $one(State(t): Shared, Path(id): Path<String>) -> Reply {
            t.get_academic($kind, &id)
        }

        async fn $upsert(State(t): Shared, body: Result<Json<Value>, JsonRejection>) -> Reply {
            json_body(body).map_or_else(|e| e, |b| t.upsert_academic($kind, &b))
        }
    };
}

academic_handlers!(class, upsert_class, Kind::Classes);
academic_handlers!(department, upsert_department, Kind::Departments);
academic_handlers!(session, upsert_session, Kind::Sessions);

async fn method_not_allowed() -> Reply {
    render::error(render::METHOD_NOT_ALLOWED)
}

async fn not_found() -> Reply {
    render::error(render::NOT_FOUND)
}

/// The router: `/restv2/…` behind HTTP Basic auth, with the vendor's 404 and 405 bodies.
pub(crate) fn router(tenant: Arc<Tenant>) -> Router {
    let api = Router::new()
        .route(
            "/students",
            get(students)
                .post(upsert_student)
                .fallback(method_not_allowed),
        )
        .route("/students/{id}", get(student).fallback(method_not_allowed))
        .route(
            "/classes",
            get(classes).post(upsert_class).fallback(method_not_allowed),
        )
        .route("/classes/{id}", get(class).fallback(method_not_allowed))
        .route(
            "/departments",
            get(departments)
                .post(upsert_department)
                .fallback(method_not_allowed),
        )
        .route(
            "/departments/{id}",
            get(department).fallback(method_not_allowed),
        )
        .route("/sessions/{id}", get(session).fallback(method_not_allowed))
        .route("/teachers", get(teachers).fallback(method_not_allowed))
        .route(
            "/sessions",
            get(sessions)
                .post(upsert_session)
                .fallback(method_not_allowed),
        )
        .route(
            "/attendance",
            get(attendance)
                .post(write_attendance)
                .fallback(method_not_allowed),
        );
    Router::new()
        .nest("/restv2", api)
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(
            tenant.clone(),
            auth::require,
        ))
        .with_state(tenant)
}

/// The fixtures: each endpoint's answer to a representative request on a fresh tenant.
pub(crate) fn fixtures(school: Arc<School>) -> Vec<Fixture> {
    let tenant = Tenant::new(
        school.clone(),
        PageRules::default(),
        Arc::new(Stats::default()),
        Arc::new(Faults::new(FaultPlan::none())),
    );
    let none = Params::default();
    let first_day = school
        .session_marks
        .iter()
        .find(|m| render::is_day_mark(m))
        .map_or(school.academic_year.start_date, |m| m.date)
        .to_string();
    let day = Params::of(&[("from", &first_day), ("to", &first_day)]);
    let first = school
        .students
        .first()
        .map(|s| s.id.clone())
        .unwrap_or_default();
    let email = school.students.first().and_then(|s| s.email.clone());
    let marked = school
        .session_marks
        .iter()
        .find(|m| render::is_day_mark(m))
        .map_or(first.clone(), |m| m.student_id.clone());
    let fixture = |name: &str, reply: Reply| Fixture {
        name: name.to_string(),
        body: reply.body,
    };
    vec![
        fixture("students", tenant.list_students(&none)),
        fixture("student", tenant.get_student(&first)),
        fixture("classes", tenant.list_classes(&none)),
        fixture("departments", tenant.list_departments(&none)),
        fixture("teachers", tenant.list_teachers(&none)),
        fixture("sessions", tenant.list_sessions(&none)),
        fixture("attendance", tenant.list_attendance(&day)),
        fixture(
            "students_upsert",
            tenant.upsert_student(&json!({ "id": render::id(&first), "student_email": email })),
        ),
        fixture(
            "attendance_upsert",
            tenant.write_attendance(&json!({
                "student_id": render::id(&marked),
                "date": first_day,
                "status": "late",
                "remarks": "Arrived after the register",
            })),
        ),
        fixture(
            "error_unauthorized",
            render::unauthorized(render::AUTH_INVALID),
        ),
        fixture(
            "error_validation",
            tenant.list_attendance(&Params::of(&[("from", "2024-13-01"), ("page", "0")])),
        ),
        fixture(
            "rate_limited",
            render::throttled(std::time::Duration::from_secs(1)),
        ),
    ]
}
