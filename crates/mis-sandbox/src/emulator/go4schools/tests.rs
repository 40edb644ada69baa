//! GO 4 Schools emulator tests: over loopback HTTP with reqwest, and on the render functions.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;

use jiff::civil::Date;
use mis_core::Session;
use serde_json::{Value, json};

use super::index::{Index, num};
use super::render::{self, Overlay};
use super::{QUOTA_LIMIT, api_key, build_with_quota, fixtures};
use crate::emulator::{Core, FaultPlan, Faults, Running, Stats, serve, with_faults};
use crate::sandbox::EmulatorContext;
use crate::school::School;
use crate::{EmulatorOptions, Sandbox};

const YEAR: &str = "/customer/v1/academic-years/2025";

fn school() -> Arc<School> {
    Arc::new(School::generate(11, 60))
}

fn options(time_scale: f64, page: Option<usize>) -> EmulatorOptions {
    EmulatorOptions {
        time_scale,
        default_page_size: page,
    }
}

struct Api {
    base: String,
    key: String,
    http: reqwest::Client,
}

struct Reply {
    status: u16,
    headers: reqwest::header::HeaderMap,
    text: String,
}

impl Reply {
    fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("{e}: {}", self.text))
    }
}

impl Api {
    fn new(base: String, key: String) -> Api {
        Api {
            base,
            key,
            http: reqwest::Client::new(),
        }
    }

    fn of(sandbox: &Sandbox) -> Api {
        Api::new(
            sandbox.base_url(),
            sandbox.credentials().get("api_key").unwrap().to_string(),
        )
    }

    async fn send(&self, req: reqwest::RequestBuilder) -> Reply {
        let r = req.send().await.unwrap();
        Reply {
            status: r.status().as_u16(),
            headers: r.headers().clone(),
            text: r.text().await.unwrap(),
        }
    }

    async fn get(&self, path: &str) -> Reply {
        let req = self
            .http
            .get(format!("{}{path}", self.base))
            .bearer_auth(&self.key);
        self.send(req).await
    }

    async fn post(&self, path: &str, body: &Value) -> Reply {
        let req = self
            .http
            .post(format!("{}{path}", self.base))
            .bearer_auth(&self.key)
            .header("content-type", "application/json")
            .body(body.to_string());
        self.send(req).await
    }
}

async fn start(school: Arc<School>, faults: FaultPlan, options: EmulatorOptions) -> Sandbox {
    Sandbox::start_with(&super::EMULATOR, school, faults, options, 0)
        .await
        .unwrap()
}

fn error(status: &str, message: &str) -> Value {
    json!({ "error": status, "message": message })
}

#[tokio::test]
async fn wrong_credentials_get_the_vendors_401() {
    let school = school();
    let s = start(
        school.clone(),
        FaultPlan::none(),
        EmulatorOptions::default(),
    )
    .await;
    let api = Api::of(&s);
    assert_eq!(api.key, api_key(&school));
    let url = format!("{}/customer/v1/school", s.base_url());
    let year_url = format!("{}{YEAR}/students", s.base_url());
    let http = reqwest::Client::new();
    for req in [
        http.get(&url),
        http.get(&url).bearer_auth("not-the-key"),
        http.get(&url).basic_auth(&api.key, None::<&str>),
        http.get(&year_url)
            .header("authorization", api.key.as_str()),
        http.get(&year_url).bearer_auth(format!("{}x", api.key)),
    ] {
        let r = api.send(req).await;
        assert_eq!(r.status, 401);
        assert_eq!(r.json(), error("Unauthorized", "The API key is invalid."));
        assert_eq!(r.headers["www-authenticate"], "Bearer");
    }
    let r = api.get("/customer/v1/school").await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["current_academic_year"], 2025);
    assert_eq!(r.json()["academic_years"], json!([2025]));
}

#[tokio::test]
async fn paths_need_the_prefix_and_the_year_the_school_year_ends() {
    let s = start(school(), FaultPlan::none(), EmulatorOptions::default()).await;
    let api = Api::of(&s);
    assert_eq!(api.get(&format!("{YEAR}/students")).await.status, 200);
    // Trailing slash, as a base URL ending in `/` produces.
    assert_eq!(api.get(&format!("{YEAR}/students/")).await.status, 200);
    for year in ["2024", "2026", "2024-2025", "abc"] {
        let r = api
            .get(&format!("/customer/v1/academic-years/{year}/students"))
            .await;
        assert_eq!(r.status, 400, "{year}");
        assert_eq!(r.json(), error("Bad Request", "Invalid Academic Year"));
    }
    for path in [
        "/academic-years/2025/students".to_string(),
        format!("{YEAR}/nothing"),
        "/customer/v2/school".to_string(),
    ] {
        let r = api.get(&path).await;
        assert_eq!(r.status, 404, "{path}");
        assert_eq!(
            r.json(),
            error("Not found", "The resource could not be found.")
        );
    }
    for bad in ["2024-9-3", "2024-13-01", "yesterday"] {
        let r = api
            .get(&format!(
                "{YEAR}/attendance/student-session-marks/date/{bad}"
            ))
            .await;
        assert_eq!(r.status, 400, "{bad}");
        assert_eq!(r.json(), error("Bad Request", "Invalid date."));
    }
}

/// Walks a paginated endpoint; returns every item and the number of pages.
async fn walk(api: &Api, path: &str, key: &str) -> (Vec<Value>, usize) {
    let mut items = Vec::new();
    let mut cursor: Option<u64> = None;
    for pages in 1.. {
        let url = match cursor {
            Some(c) => format!("{path}?cursor={c}"),
            None => path.to_string(),
        };
        let r = api.get(&url).await;
        assert_eq!(r.status, 200, "{url}: {}", r.text);
        let body = r.json();
        let page = body[key].as_array().unwrap();
        items.extend(page.iter().cloned());
        if body["has_more"] == json!(false) {
            assert_eq!(body["cursor"], Value::Null, "the last page has no cursor");
            return (items, pages);
        }
        assert!(!page.is_empty());
        cursor = Some(body["cursor"].as_u64().expect("an integer cursor"));
    }
    unreachable!()
}

#[tokio::test]
async fn pagination_walks_to_the_end() {
    let school = school();
    let s = start(school.clone(), FaultPlan::none(), options(1.0, Some(7))).await;
    let api = Api::of(&s);

    let (items, pages) = walk(
        &api,
        &format!("{YEAR}/students/education-details"),
        "students_and_education_details",
    )
    .await;
    assert_eq!(items.len(), school.students.len());
    assert_eq!(pages, school.students.len().div_ceil(7));
    let ids: Vec<u64> = items
        .iter()
        .map(|i| i["student_id"].as_u64().unwrap())
        .collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "ascending, no repeats");
    let students = api.get(&format!("{YEAR}/students")).await.json();
    assert_eq!(students.as_array().unwrap().len(), school.students.len());

    let (classes, _) = walk(&api, &format!("{YEAR}/timetables/classes"), "classes").await;
    assert_eq!(classes.len(), school.timetable.len());

    let (attrs, _) = walk(
        &api,
        &format!("{YEAR}/students/attributes"),
        "students_and_attributes",
    )
    .await;
    let upns: usize = attrs
        .iter()
        .filter(|a| a["code"] == "admissionNumber")
        .map(|a| a["students_and_attribute_values"].as_array().unwrap().len())
        .sum();
    assert_eq!(upns, school.students.len());

    // Behaviour events of the busiest day, two to a page.
    let mut per_day: BTreeMap<Date, usize> = BTreeMap::new();
    for r in &school.behaviour {
        *per_day.entry(r.event.date).or_default() += 1;
    }
    let (day, n) = per_day.iter().max_by_key(|(_, n)| **n).unwrap();
    let s2 = start(school.clone(), FaultPlan::none(), options(1.0, Some(2))).await;
    let (events, pages) = walk(
        &Api::of(&s2),
        &format!("{YEAR}/behaviour/events/date/{day}"),
        "behaviour_events",
    )
    .await;
    assert_eq!(events.len(), *n);
    assert_eq!(pages, n.div_ceil(2));

    // A cursor past the end gives an empty last page.
    let r = api
        .get(&format!("{YEAR}/timetables/classes?cursor=999999999"))
        .await
        .json();
    assert_eq!(
        r,
        json!({ "classes": [], "has_more": false, "cursor": null })
    );
}

#[tokio::test]
async fn a_bad_cursor_is_refused() {
    let s = start(school(), FaultPlan::none(), EmulatorOptions::default()).await;
    let api = Api::of(&s);
    for c in ["-1", "abc", ""] {
        let r = api
            .get(&format!("{YEAR}/students/education-details?cursor={c}"))
            .await;
        assert_eq!(r.status, 400, "{c}");
        assert_eq!(r.json(), error("Bad Request", "Invalid Cursor"));
    }
}

#[tokio::test]
async fn the_quota_refuses_the_request_over_the_limit() {
    // The real window (60 s): nothing here waits for it.
    let s = start(school(), FaultPlan::none(), options(1.0, None)).await;
    let api = Api::of(&s);
    for i in 0..QUOTA_LIMIT {
        assert_eq!(api.get("/customer/v1/school").await.status, 200, "{i}");
    }
    let r = api.get("/customer/v1/school").await;
    assert_eq!(r.status, 429);
    assert_eq!(
        r.json(),
        error(
            "Too Many Request",
            "Too many requests sent in a given amount of time."
        )
    );
    let wait: u64 = r.headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&wait), "{wait}");
    assert_eq!(Stats::get(&s.stats().throttled), 1);
}

async fn start_with_quota(school: Arc<School>, limit: usize, time_scale: f64) -> (Running, Api) {
    let ctx = EmulatorContext {
        school,
        options: options(time_scale, None),
        faults: Arc::new(Faults::new(FaultPlan::none())),
        stats: Arc::new(Stats::default()),
    };
    let emulator = build_with_quota(&ctx, limit);
    let key = emulator.credentials.get("api_key").unwrap().to_string();
    let core = Core {
        faults: ctx.faults.clone(),
        stats: ctx.stats.clone(),
        throttle: emulator.throttle,
    };
    let running = serve(with_faults(emulator.router, core), 0).await.unwrap();
    let api = Api::new(running.base_url(), key);
    (running, api)
}

#[tokio::test]
async fn the_quota_window_reopens() {
    // 3 requests per 60 s × 0.005 = 300 ms.
    let (_running, api) = start_with_quota(school(), 3, 0.005).await;
    for _ in 0..3 {
        assert_eq!(api.get("/customer/v1/school").await.status, 200);
    }
    let r = api.get("/customer/v1/school").await;
    assert_eq!(r.status, 429);
    assert_eq!(
        r.headers["retry-after"], "1",
        "rounded up to a whole second"
    );
    tokio::time::sleep(Duration::from_millis(350)).await;
    assert_eq!(api.get("/customer/v1/school").await.status, 200);
}

#[tokio::test]
async fn injected_throttles_use_the_vendors_429() {
    let plan = FaultPlan {
        rate_429: 1.0,
        retry_after: Duration::from_secs(2),
        ..FaultPlan::none()
    };
    let s = start(school(), plan, EmulatorOptions::default()).await;
    let r = Api::of(&s).get("/customer/v1/school").await;
    assert_eq!(r.status, 429);
    assert_eq!(r.headers["retry-after"], "2");
    assert_eq!(
        r.json()["message"],
        "Too many requests sent in a given amount of time."
    );
}

#[tokio::test]
async fn the_key_expires_every_n_requests() {
    let plan = FaultPlan {
        expire_every: Some(3),
        ..FaultPlan::none()
    };
    let s = start(school(), plan, EmulatorOptions::default()).await;
    let api = Api::of(&s);
    let mut statuses = Vec::new();
    for _ in 0..6 {
        let r = api.get("/customer/v1/school").await;
        if r.status == 401 {
            assert_eq!(r.json(), error("Unauthorized", "The API key is invalid."));
        }
        statuses.push(r.status);
    }
    assert_eq!(statuses, [200, 200, 401, 200, 200, 401]);
}

#[tokio::test]
async fn modules_the_school_lacks_answer_403() {
    let s = start(school(), FaultPlan::none(), EmulatorOptions::default()).await;
    let api = Api::of(&s);
    for (path, message) in [
        (
            format!("{YEAR}/students/attributes/sensitive"),
            "Module Disabled",
        ),
        (format!("{YEAR}/students/photos"), "Module Disabled"),
        (format!("{YEAR}/assessment/markbooks"), "Module Disabled"),
        ("/customer/v1/users/parents".to_string(), "Module Disabled"),
        (
            format!("{YEAR}/attainment/exam-results/year-group/11"),
            "Embargo Enabled",
        ),
        (format!("{YEAR}/attainment/reports"), "Embargo Enabled"),
    ] {
        let r = api.get(&path).await;
        assert_eq!(r.status, 403, "{path}");
        assert_eq!(r.json(), error("Forbidden", message));
    }
}

/// A school day in the generated attendance range, and an on-roll student with a mark then.
fn write_target(school: &School) -> (Date, &mis_core::AttendanceMark) {
    let m = school
        .session_marks
        .iter()
        .find(|m| m.code == "/" && m.session == Some(Session::Am))
        .unwrap();
    (m.date, m)
}

fn code_id(school: &School, code: &str) -> u64 {
    Index::new(school).code(code).unwrap().id
}

#[tokio::test]
async fn a_session_write_is_applied_once_and_read_back() {
    let school = school();
    let s = start(
        school.clone(),
        FaultPlan::none(),
        EmulatorOptions::default(),
    )
    .await;
    let api = Api::of(&s);
    let (date, mark) = write_target(&school);
    let student = school.student(&mark.student_id).unwrap();
    let marks_path = format!("{YEAR}/attendance/student-session-marks/date/{date}");
    let before = api.get(&marks_path).await.json();
    let summary_path = format!("{YEAR}/attendance/student-session-summary");
    let summary_before = api.get(&summary_path).await.json();

    let illness = code_id(&school, "I");
    let body = json!({
        "student_upn": student.upn().unwrap(),
        "date": date.to_string(),
        "session": "AM",
        "session_mark_id": illness,
        "session_mark_alias_id": null,
        "session_minutes_late": null,
        "session_notes": "Called in sick",
        "student_mis_id": null,
    });
    let r = api
        .post(&format!("{YEAR}/attendance/student-session-marks"), &body)
        .await;
    assert_eq!((r.status, r.text.as_str()), (200, ""));
    assert_eq!(Stats::get(&s.stats().applied_writes), 1);

    let after = api.get(&marks_path).await.json();
    assert_eq!(
        after.as_array().unwrap().len(),
        before.as_array().unwrap().len(),
        "the write replaced the generated mark"
    );
    let row = |v: &Value| {
        v.as_array()
            .unwrap()
            .iter()
            .find(|r| r["student_id"] == num(&student.id) && r["session"] == "AM")
            .cloned()
            .unwrap()
    };
    assert_eq!(row(&after)["session_mark_id"], illness);
    assert_eq!(row(&after)["session_notes"], "Called in sick");
    assert_eq!(row(&after)["date"], format!("{date}T00:00:00Z"));

    let tally = |v: &Value, key: &str| {
        v.as_array()
            .unwrap()
            .iter()
            .find(|r| r["student_id"] == num(&student.id))
            .unwrap()[key]
            .as_u64()
            .unwrap()
    };
    let summary_after = api.get(&summary_path).await.json();
    assert_eq!(
        tally(&summary_after, "authorised_absence"),
        tally(&summary_before, "authorised_absence") + 1
    );
    assert_eq!(
        tally(&summary_after, "present"),
        tally(&summary_before, "present") - 1
    );

    // The same write again replaces, never duplicates.
    let r = api
        .post(&format!("{YEAR}/attendance/student-session-marks"), &body)
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(Stats::get(&s.stats().applied_writes), 2);
    assert_eq!(api.get(&marks_path).await.json(), after);

    // A school day with no generated marks: the written one appears on its own.
    let last = school.calendar.days.last().unwrap().date;
    let late = json!({
        "student_upn": student.upn().unwrap(),
        "date": last.to_string(),
        "session": "PM",
        "session_mark_id": code_id(&school, "L").to_string(),
        "session_minutes_late": 12,
    });
    let r = api
        .post(&format!("{YEAR}/attendance/student-session-marks"), &late)
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let rows = api
        .get(&format!(
            "{YEAR}/attendance/student-session-marks/date/{last}"
        ))
        .await
        .json();
    assert_eq!(rows.as_array().unwrap().len(), 1);
    assert_eq!(rows[0]["session"], "PM");
    assert_eq!(rows[0]["session_minutes_late"], 12);
    assert_eq!(Stats::get(&s.stats().applied_writes), 3);
}

#[tokio::test]
async fn invalid_session_writes_get_the_documented_400s() {
    let school = school();
    let s = start(
        school.clone(),
        FaultPlan::none(),
        EmulatorOptions::default(),
    )
    .await;
    let api = Api::of(&s);
    let (date, mark) = write_target(&school);
    let upn = school.student(&mark.student_id).unwrap().upn().unwrap();
    let leaver = school
        .enrolments
        .iter()
        .find(|e| e.leaving_date.is_some())
        .and_then(|e| school.student(&e.student_id))
        .unwrap()
        .upn()
        .unwrap();
    let present = code_id(&school, "/");
    let ix = Index::new(&school);
    let medical = ix.code("M").unwrap();
    let saturday = school
        .academic_year
        .start_date
        .series(jiff::Span::new().days(1))
        .find(|d| d.weekday() == jiff::civil::Weekday::Saturday)
        .unwrap();
    let good = json!({
        "student_upn": upn, "date": date.to_string(), "session": "AM", "session_mark_id": present,
    });
    let with = |k: &str, v: Value| {
        let mut b = good.clone();
        b[k] = v;
        b
    };
    let cases = [
        (with("date", json!("2020-15-14")), "Invalid model state"),
        (json!("not an object"), "Invalid model state"),
        (
            with("session_minutes_late", json!(-5)),
            "Invalid model state",
        ),
        (with("session", json!("am")), "Unknown session type."),
        (with("session", json!("Morning")), "Unknown session type."),
        (with("date", json!("2019-01-05")), "Invalid date."),
        (with("date", Value::Null), "Invalid date."),
        (
            with("student_upn", json!("A000000000000")),
            "Unknown student UPN",
        ),
        (with("student_upn", Value::Null), "Unknown student UPN"),
        (
            with("student_upn", json!(leaver)),
            "Student not at this school.",
        ),
        (
            with("session_mark_id", json!(9999)),
            "Unknown Attendance Mark",
        ),
        (
            with("session_mark_id", json!("x")),
            "Unknown Attendance Mark",
        ),
        (
            with("session_mark_alias_id", json!(medical.aliases[0].id)),
            "Unknown Attendance Alias Mark",
        ),
        (
            with("date", json!(saturday.to_string())),
            "Date school not open.",
        ),
    ];
    for (body, message) in cases {
        let r = api
            .post(&format!("{YEAR}/attendance/student-session-marks"), &body)
            .await;
        assert_eq!(r.status, 400, "{body}");
        assert_eq!(r.json()["message"], message, "{body}");
    }
    let r = api
        .post(
            &format!("{YEAR}/attendance/student-session-marks"),
            &with("date", json!("2020-15-14")),
        )
        .await;
    assert_eq!(
        r.json()["description"],
        "Invalid data in packet: Could not convert string to DateTime: 2020-15-14. Path 'date'."
    );
    assert_eq!(Stats::get(&s.stats().applied_writes), 0);

    // An alias of the right mark is fine.
    let ok = with("session_mark_id", json!(medical.id));
    let ok = {
        let mut b = ok;
        b["session_mark_alias_id"] = json!(medical.aliases[0].id);
        b
    };
    let r = api
        .post(&format!("{YEAR}/attendance/student-session-marks"), &ok)
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(Stats::get(&s.stats().applied_writes), 1);
}

fn is_non_empty(v: &Value) -> bool {
    match v {
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => match o.get("has_more") {
            Some(_) => o
                .iter()
                .any(|(k, v)| k != "has_more" && k != "cursor" && is_non_empty(v)),
            None => !o.is_empty(),
        },
        _ => false,
    }
}

#[test]
fn fixtures_are_deterministic_and_non_empty() {
    let school = School::generate(11, 60);
    let a = fixtures(&school);
    assert_eq!(a, fixtures(&School::generate(11, 60)));
    let names: BTreeSet<&str> = a.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names.len(), a.len(), "names are unique");
    for f in &a {
        // The school records no immediate actions: an empty list is the honest body.
        if f.name == "behaviour_actions_immediate" {
            assert_eq!(f.body, json!([]));
            continue;
        }
        assert!(is_non_empty(&f.body), "{} is empty", f.name);
    }
    for name in [
        "students",
        "students_education_details",
        "attendance_codes",
        "attendance_session_marks",
        "attendance_lesson_marks",
        "timetables",
        "timetables_calendar",
        "behaviour_events",
    ] {
        assert!(names.contains(name), "{name}");
    }
}

#[tokio::test]
async fn served_bodies_are_the_fixtures() {
    let school = school();
    let s = start(
        school.clone(),
        FaultPlan::none(),
        EmulatorOptions::default(),
    )
    .await;
    let api = Api::of(&s);
    let first_session = school.session_marks[0].date;
    let first_lesson = school.lesson_marks[0].date;
    let first_event = school.behaviour[0].event.date;
    let paths: BTreeMap<&str, String> = BTreeMap::from([
        ("school", "/customer/v1/school".to_string()),
        ("users_staff", "/customer/v1/users/staff".to_string()),
        ("students", format!("{YEAR}/students")),
        ("students_attributes", format!("{YEAR}/students/attributes")),
        (
            "students_education_details",
            format!("{YEAR}/students/education-details"),
        ),
        (
            "teaching_departments",
            format!("{YEAR}/teaching/departments"),
        ),
        ("teaching_subjects", format!("{YEAR}/teaching/subjects")),
        ("teaching_teachers", format!("{YEAR}/teaching/teachers")),
        ("teaching_groups", format!("{YEAR}/teaching/groups")),
        (
            "teaching_groups_students",
            format!("{YEAR}/teaching/groups/students"),
        ),
        (
            "teaching_groups_teachers",
            format!("{YEAR}/teaching/groups/teachers"),
        ),
        ("timetables", format!("{YEAR}/timetables")),
        ("timetables_calendar", format!("{YEAR}/timetables/calendar")),
        ("timetables_classes", format!("{YEAR}/timetables/classes")),
        (
            "timetables_student_classes",
            format!("{YEAR}/timetables/student-classes"),
        ),
        ("attendance_codes", format!("{YEAR}/attendance/codes")),
        (
            "attendance_session_marks",
            format!("{YEAR}/attendance/student-session-marks/date/{first_session}"),
        ),
        (
            "attendance_lesson_marks",
            format!("{YEAR}/attendance/student-lesson-marks/date/{first_lesson}"),
        ),
        (
            "attendance_session_summary",
            format!("{YEAR}/attendance/student-session-summary"),
        ),
        (
            "behaviour_classification",
            format!("{YEAR}/behaviour/classification"),
        ),
        (
            "behaviour_event_types",
            format!("{YEAR}/behaviour/event-types"),
        ),
        (
            "behaviour_events",
            format!("{YEAR}/behaviour/events/date/{first_event}"),
        ),
        (
            "behaviour_actions_follow_up",
            format!("{YEAR}/behaviour/actions/follow-up"),
        ),
        (
            "behaviour_actions_immediate",
            format!("{YEAR}/behaviour/actions/immediate"),
        ),
    ]);
    let mut served = 0;
    for f in fixtures(&school) {
        let Some(path) = paths.get(f.name.as_str()) else {
            assert!(f.name.starts_with("error_"), "{} has no path", f.name);
            continue;
        };
        let r = api.get(path).await;
        assert_eq!(r.status, 200, "{path}");
        assert!(
            r.headers["content-type"]
                .to_str()
                .unwrap()
                .starts_with("application/json")
        );
        assert_eq!(r.json(), f.body, "{}", f.name);
        served += 1;
    }
    assert_eq!(served, paths.len());
}

#[test]
fn marks_resolve_to_the_schools_codes_and_lessons() {
    let school = School::generate(11, 60);
    let ix = Index::new(&school);
    let codes: BTreeMap<u64, String> = render::attendance_codes(&ix)
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["id"].as_u64().unwrap(),
                c["code"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let range = school.attendance_range.unwrap();
    let mut sessions = 0;
    for day in school.calendar.days_between(range.from(), range.to()) {
        let rows = render::session_marks(&school, &ix, &Overlay::new(), day.date);
        let got: BTreeMap<(String, String), String> = rows
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    (
                        r["student_id"].to_string(),
                        r["session"].as_str().unwrap().to_lowercase(),
                    ),
                    codes[&r["session_mark_id"].as_u64().unwrap()].clone(),
                )
            })
            .collect();
        let want: BTreeMap<(String, String), String> = school
            .session_marks
            .iter()
            .filter(|m| m.date == day.date)
            .map(|m| {
                (
                    (
                        m.student_id.clone(),
                        m.session.unwrap().as_str().to_string(),
                    ),
                    m.code.clone(),
                )
            })
            .collect();
        assert_eq!(got, want, "{}", day.date);
        sessions += got.len();
    }
    assert_eq!(sessions, school.session_marks.len());

    // Lesson marks: class → group code + period label gives back the school's lesson id.
    let classes = render::classes(&school, &ix, None, usize::MAX);
    let class: BTreeMap<u64, &Value> = classes["classes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["id"].as_u64().unwrap(), c))
        .collect();
    let periods = render::timetables(&school, &ix);
    let label: BTreeMap<u64, String> = periods[0]["periods"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["id"].as_u64().unwrap(),
                p["display_name"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let lrange = school.lesson_mark_range.unwrap();
    let mut lessons = 0;
    for day in school.calendar.days_between(lrange.from(), lrange.to()) {
        let rows = render::lesson_marks(&school, &ix, day.date);
        let marks: Vec<_> = school
            .lesson_marks
            .iter()
            .filter(|m| m.date == day.date)
            .collect();
        let rows = rows.as_array().unwrap();
        assert_eq!(rows.len(), marks.len());
        for (r, m) in rows.iter().zip(marks) {
            let c = class[&r["class_id"]
                .as_u64()
                .expect("every lesson mark has a class")];
            let id = School::lesson_id(
                c["group_code"].as_str().unwrap(),
                day.date,
                &label[&c["period_id"].as_u64().unwrap()],
            );
            assert_eq!(Some(id), m.lesson_id);
            assert_eq!(codes[&r["lesson_mark_id"].as_u64().unwrap()], m.code);
            assert_eq!(r["student_id"], num(&m.student_id));
            lessons += 1;
        }
    }
    assert_eq!(lessons, school.lesson_marks.len());
}

#[test]
fn times_periods_wall_clock_events_utc() {
    let school = School::generate(11, 60);
    let ix = Index::new(&school);
    let tt = render::timetables(&school, &ix);
    let p1 = &tt[0]["periods"][0];
    assert_eq!(p1["start"], "2020-01-01T09:00:00Z");
    assert_eq!(p1["end"], "2020-01-01T10:00:00Z");
    assert_eq!(
        (p1["week"].clone(), p1["day_of_week"].clone()),
        (json!(1), json!("Monday"))
    );
    assert_eq!(tt[0]["periods"].as_array().unwrap().len(), 50);

    // September is British Summer Time: the UTC instant is an hour before the wall clock.
    let r = &school.behaviour[0];
    let local = r.event.occurred_at.as_ref().unwrap().zoned().datetime();
    let body = render::events(&school, &ix, r.event.date, None, 10);
    let at = body["behaviour_events"][0]["event_date"].as_str().unwrap();
    let utc: jiff::Timestamp = at.parse().unwrap();
    assert_eq!(
        utc.to_zoned_datetime(jiff::tz::TimeZone::UTC).datetime(),
        local - jiff::Span::new().hours(1)
    );
    assert!(at.ends_with('Z'));

    // The calendar: open days carry their week, the INSET day is Training.
    let cal = render::calendar(&school);
    let first = &cal[0];
    assert_eq!(
        first["date"],
        format!("{}T00:00:00Z", school.academic_year.start_date)
    );
    assert_eq!(first["day_type_code"], "Training");
    let open = cal
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["day_type_code"] == "Open")
        .count();
    assert_eq!(open, school.calendar.days.len());
}

#[test]
fn code_ids_follow_the_documented_table() {
    let school = School::generate(11, 60);
    let ix = Index::new(&school);
    let id = |c: &str| ix.code(c).unwrap().id;
    assert_eq!(
        [
            id("/"),
            id("\\"),
            id("L"),
            id("D"),
            id("M"),
            id("I"),
            id("U"),
            id("X")
        ],
        [1, 2, 3, 9, 13, 18, 21, 24]
    );
    assert_eq!([id("Y1"), id("Y7"), id("#"), id("-")], [26, 32, 34, 35]);
    // Behaviour: every event resolves to a type whose name is the school's label.
    for (i, r) in school.behaviour.iter().enumerate() {
        let t = &ix.event_types[ix.event_type_of[i]];
        assert_eq!(Some(&t.name), r.event.category.as_ref());
        assert_eq!(t.polarity, r.event.polarity);
        assert_eq!(
            ix.classifications[t.classification].score,
            r.event.points.unwrap().abs()
        );
    }
}

/// `FaultPlan::degraded()`: one student's date of birth is a number (id intact), one date's
/// lesson register is GO's 404, and teachers are GO's 403 "Module Disabled"; everything else
/// is served as without faults.
#[tokio::test]
async fn record_faults_touch_one_record_one_register_and_one_auxiliary_read() {
    use crate::emulator::faults::RecordFaults;
    let school = school();
    let clean = start(
        school.clone(),
        FaultPlan::none(),
        EmulatorOptions::default(),
    )
    .await;
    let bad = start(
        school.clone(),
        FaultPlan::degraded(),
        EmulatorOptions::default(),
    )
    .await;
    let (clean, bad) = (Api::of(&clean), Api::of(&bad));

    let want = clean.get(&format!("{YEAR}/students")).await.json();
    let got = bad.get(&format!("{YEAR}/students")).await.json();
    let malformed = num(&school.students[RecordFaults::MALFORMED_STUDENT].id);
    let (want, got) = (want.as_array().unwrap(), got.as_array().unwrap());
    assert_eq!(want.len(), got.len());
    for (w, g) in want.iter().zip(got) {
        if g["id"] == malformed {
            assert!(g["date_of_birth"].is_u64(), "{g}");
            assert!(w["date_of_birth"].is_string());
            let mut fixed = g.clone();
            fixed["date_of_birth"] = w["date_of_birth"].clone();
            assert_eq!(&fixed, w, "only the date of birth differs");
        } else {
            assert_eq!(g, w);
        }
    }

    let missing = &school.students[RecordFaults::MISSING_STUDENT].id;
    let day = school
        .lesson_marks
        .iter()
        .find(|m| &m.student_id == missing)
        .unwrap()
        .date;
    let r = bad
        .get(&format!(
            "{YEAR}/attendance/student-lesson-marks/date/{day}"
        ))
        .await;
    assert_eq!(r.status, 404);
    assert_eq!(
        r.json(),
        error("Not found", "The resource could not be found.")
    );
    let other = school
        .lesson_marks
        .iter()
        .map(|m| m.date)
        .find(|d| *d != day)
        .unwrap();
    for path in [
        format!("{YEAR}/attendance/student-lesson-marks/date/{other}"),
        format!("{YEAR}/attendance/student-session-marks/date/{day}"),
        format!("{YEAR}/timetables"),
        format!("{YEAR}/timetables/classes"),
        format!("{YEAR}/timetables/calendar"),
        format!("{YEAR}/teaching/subjects"),
    ] {
        let (w, g) = (clean.get(&path).await, bad.get(&path).await);
        assert_eq!((g.status, g.json()), (w.status, w.json()), "{path}");
    }

    let r = bad.get(&format!("{YEAR}/teaching/teachers")).await;
    assert_eq!(r.status, 403);
    assert_eq!(r.json(), error("Forbidden", "Module Disabled"));
    assert_eq!(
        clean.get(&format!("{YEAR}/teaching/teachers")).await.status,
        200
    );
}

/// Requests are counted per documented route template (issue 16: request plans are
/// measured per route), whatever the answer; a path GO does not have is `(unmatched)`.
#[tokio::test]
async fn requests_are_counted_per_route_template() {
    let s = start(school(), FaultPlan::none(), EmulatorOptions::default()).await;
    let api = Api::of(&s);
    for path in [
        "/customer/v1/school".to_owned(),
        format!("{YEAR}/attendance/student-lesson-marks/date/2024-09-09"),
        format!("{YEAR}/attendance/student-lesson-marks/date/2024-09-10"),
        format!("{YEAR}/behaviour/events/date/2024-09-14?cursor=0"),
        // A year the school does not have: GO's 400, still that route.
        "/customer/v1/academic-years/2019/timetables/calendar".to_owned(),
        "/customer/v1/nowhere".to_owned(),
    ] {
        api.get(&path).await;
    }
    let y = "/customer/v1/academic-years/{year}";
    let want: BTreeMap<String, u64> = [
        ("GET /customer/v1/school".to_owned(), 1),
        (
            format!("GET {y}/attendance/student-lesson-marks/date/{{date}}"),
            2,
        ),
        (format!("GET {y}/behaviour/events/date/{{date}}"), 1),
        (format!("GET {y}/timetables/calendar"), 1),
        ("GET (unmatched)".to_owned(), 1),
    ]
    .into_iter()
    .collect();
    assert_eq!(s.stats().routes(), want);
}

/// The onboarding faults: the Behaviour module off (403 Module Disabled on its routes, the
/// rest as before), the school's own `Q` in the code book and on the first student's marks.
#[tokio::test]
async fn onboarding_faults_disable_behaviour_and_add_the_schools_own_code() {
    use crate::emulator::OnboardingFaults;
    let school = school();
    let day = school.session_marks[0].date;
    let plan = FaultPlan {
        onboarding: OnboardingFaults::all(),
        ..FaultPlan::none()
    };
    let s = start(school.clone(), plan, EmulatorOptions::default()).await;
    let api = Api::of(&s);
    for path in [
        "/behaviour/event-types",
        "/behaviour/classification",
        &format!("/behaviour/events/date/{day}"),
    ] {
        let r = api.get(&format!("{YEAR}{path}")).await;
        assert_eq!(r.status, 403, "{path}");
        assert_eq!(r.json(), error("Forbidden", "Module Disabled"), "{path}");
    }
    let r = api.get(&format!("{YEAR}/timetables")).await;
    assert_eq!(r.status, 200);

    // The code book: the school's `Q`, once, with its own label.
    let book = api.get(&format!("{YEAR}/attendance/codes")).await.json();
    let qs: Vec<&Value> = book
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["code"] == OnboardingFaults::SCHOOL_CODE)
        .collect();
    assert_eq!(qs.len(), 1, "{book}");
    assert_eq!(qs[0]["label"], OnboardingFaults::SCHOOL_CODE_LABEL);
    let q_id = qs[0]["id"].as_u64().unwrap();

    // The first student on roll's marks carry it; nobody else's do.
    let first = super::onboarding::first_on_roll(&school).unwrap();
    let marks = api
        .get(&format!(
            "{YEAR}/attendance/student-session-marks/date/{day}"
        ))
        .await
        .json();
    let rows = marks.as_array().unwrap();
    let mine: Vec<&Value> = rows.iter().filter(|m| m["student_id"] == first).collect();
    assert!(!mine.is_empty(), "{marks}");
    assert!(mine.iter().all(|m| m["session_mark_id"] == q_id));
    assert!(
        rows.iter()
            .filter(|m| m["student_id"] != first)
            .all(|m| m["session_mark_id"] != q_id)
    );
    let lesson_day = school
        .lesson_marks
        .iter()
        .find(|m| num(&m.student_id) == first)
        .map(|m| m.date)
        .unwrap();
    let lessons = api
        .get(&format!(
            "{YEAR}/attendance/student-lesson-marks/date/{lesson_day}"
        ))
        .await
        .json();
    let mine: Vec<&Value> = lessons
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["student_id"] == first)
        .collect();
    assert!(!mine.is_empty());
    assert!(mine.iter().all(|m| m["lesson_mark_id"] == q_id));

    // GO's school record has no time zone: the fault changes nothing there.
    let clean = start(
        school.clone(),
        FaultPlan::none(),
        EmulatorOptions::default(),
    )
    .await;
    let ours = api.get("/customer/v1/school").await.json();
    let theirs = Api::of(&clean).get("/customer/v1/school").await.json();
    assert_eq!(ours, theirs);
    // With every fault off, the code book and the marks are as before.
    let clean_api = Api::of(&clean);
    let book = clean_api
        .get(&format!("{YEAR}/attendance/codes"))
        .await
        .json();
    assert_eq!(book, render::attendance_codes(&Index::new(&school)));
    let r = clean_api
        .get(&format!("{YEAR}/behaviour/event-types"))
        .await;
    assert_eq!(r.status, 200);
}
