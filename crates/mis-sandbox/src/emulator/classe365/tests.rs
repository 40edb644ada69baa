//! The emulator over loopback: auth, envelopes, pagination, 204s, faults and writes.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};

use super::render;
use crate::emulator::{FaultPlan, Stats};
use crate::school::School;
use crate::{EmulatorOptions, Sandbox};

fn school() -> Arc<School> {
    static SCHOOL: OnceLock<Arc<School>> = OnceLock::new();
    SCHOOL
        .get_or_init(|| Arc::new(School::generate(365, 45)))
        .clone()
}

fn options() -> EmulatorOptions {
    EmulatorOptions {
        time_scale: 0.001,
        ..EmulatorOptions::default()
    }
}

async fn start(faults: FaultPlan) -> Sandbox {
    Sandbox::start_with(&super::EMULATOR, school(), faults, options(), 0)
        .await
        .unwrap()
}

/// A client for one sandbox, with or without the right credentials.
struct Client {
    http: reqwest::Client,
    base: String,
    user: String,
    key: String,
}

impl Client {
    fn new(s: &Sandbox) -> Client {
        Client {
            http: reqwest::Client::new(),
            base: format!("{}/restv2", s.base_url()),
            user: s.credentials().get("subdomain").unwrap().to_string(),
            key: s.credentials().get("api_key").unwrap().to_string(),
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    async fn send(
        &self,
        rb: reqwest::RequestBuilder,
    ) -> (StatusCode, reqwest::header::HeaderMap, Value) {
        let r = rb.send().await.unwrap();
        let (status, headers) = (r.status(), r.headers().clone());
        let text = r.text().await.unwrap();
        let body = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"))
        };
        (status, headers, body)
    }

    async fn get(&self, path: &str) -> (StatusCode, Value) {
        let rb = self
            .http
            .get(self.url(path))
            .basic_auth(&self.user, Some(&self.key));
        let (s, _, b) = self.send(rb).await;
        (s, b)
    }

    async fn post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        let rb = self
            .http
            .post(self.url(path))
            .basic_auth(&self.user, Some(&self.key))
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body.to_string());
        let (s, _, b) = self.send(rb).await;
        (s, b)
    }
}

fn assert_error(body: &Value, code: u16) {
    let message = body["message"].as_str().unwrap_or_else(|| panic!("{body}"));
    assert!(
        message.ends_with(&format!("(error_code: {code})")),
        "{message}"
    );
    assert!(body.get("record").is_none() && body.get("records").is_none());
}

/// Day records the School itself holds from `from` to `to`.
fn school_day_records(school: &School) -> usize {
    school
        .session_marks
        .iter()
        .filter(|m| render::is_day_mark(m))
        .count()
}

#[tokio::test]
async fn wrong_credentials_get_the_vendors_401() {
    let s = start(FaultPlan::none()).await;
    let c = Client::new(&s);

    let (status, headers, body) = c.send(c.http.get(c.url("/students"))).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_error(&body, 101);
    assert!(
        headers[reqwest::header::WWW_AUTHENTICATE]
            .to_str()
            .unwrap()
            .starts_with("Basic")
    );

    let wrong_key = c
        .http
        .get(c.url("/students"))
        .basic_auth(&c.user, Some("not-the-key"));
    let (status, _, body) = c.send(wrong_key).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_error(&body, 102);

    // A subdomain no tenant uses: the 404 page from in front of the API, whatever the key.
    for key in [c.key.as_str(), "not-the-key"] {
        let r = c
            .http
            .get(c.url("/students"))
            .basic_auth("another-school", Some(key))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
        assert!(
            r.headers()[reqwest::header::CONTENT_TYPE]
                .to_str()
                .unwrap()
                .starts_with("text/html")
        );
        let page = r.text().await.unwrap();
        assert_eq!(page, render::UNKNOWN_TENANT_PAGE);
        assert!(!page.contains("error_code"), "not the API's envelope");
    }

    // Even an unknown path asks for credentials first.
    let (status, _, body) = c.send(c.http.get(c.url("/nowhere"))).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_error(&body, 101);

    let (status, body) = c.get("/students").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(Stats::get(&s.stats().logins), 0, "Basic auth has no login");
}

#[tokio::test]
async fn students_page_to_the_end_then_204() {
    let s = start(FaultPlan::none()).await;
    let c = Client::new(&s);
    let school = school();
    let mut seen = Vec::new();
    let mut page = 1;
    loop {
        let (status, body) = c.get(&format!("/students?page={page}&per_page=7")).await;
        if status == StatusCode::NO_CONTENT {
            // HTTP forbids a body on 204: the document's `message` never arrives.
            assert_eq!(body, Value::Null);
            break;
        }
        assert_eq!(status, StatusCode::OK, "{body}");
        let meta = &body["meta"];
        assert_eq!(meta["current_page"], json!(page));
        assert_eq!(meta["per_page"], json!(7));
        assert_eq!(meta["total_records"], json!(school.students.len()));
        assert_eq!(
            meta["total_pages"],
            json!(school.students.len().div_ceil(7))
        );
        let records = body["records"].as_array().unwrap();
        assert!(!records.is_empty() && records.len() <= 7);
        seen.extend(records.iter().map(|r| r["id"].clone()));
        page += 1;
        assert!(page < 100, "pagination never ends");
    }
    assert_eq!(seen.len(), school.students.len());
    let want: Vec<Value> = school.students.iter().map(|s| render::id(&s.id)).collect();
    assert_eq!(seen, want);

    // The default page size, the cap, and filters.
    let (_, body) = c.get("/students").await;
    assert_eq!(body["meta"]["per_page"], json!(50));
    let (_, body) = c.get("/students?per_page=1000").await;
    assert_eq!(body["meta"]["per_page"], json!(100));
    let (_, body) = c.get("/students?status=alumni").await;
    let leavers = school
        .enrolments
        .iter()
        .filter(|e| e.leaving_date.is_some())
        .count();
    assert_eq!(body["meta"]["total_records"], json!(leavers));

    // A bad page is a validation error with details.
    let (status, body) = c.get("/students?page=0&per_page=x").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_error(&body, 201);
    let fields: Vec<&str> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["page", "per_page"]);
}

#[tokio::test]
async fn attendance_pages_cover_every_day_record() {
    let s = start(FaultPlan::none()).await;
    let c = Client::new(&s);
    let school = school();
    let range = school.attendance_range.unwrap();
    let mut count = 0;
    let mut page = 1;
    loop {
        let (status, body) = c
            .get(&format!(
                "/attendance?from={}&to={}&page={page}&per_page=100",
                range.from(),
                range.to()
            ))
            .await;
        if status == StatusCode::NO_CONTENT {
            break;
        }
        assert_eq!(status, StatusCode::OK, "{body}");
        for r in body["records"].as_array().unwrap() {
            // Sorted: serde_json keeps insertion order when another crate in the build turns
            // on `preserve_order` (mis-cli does), so the order itself proves nothing.
            let mut keys: Vec<&String> = r.as_object().unwrap().keys().collect();
            keys.sort();
            assert_eq!(
                keys,
                ["class_id", "date", "id", "remarks", "status", "student_id"]
            );
            assert!(render::STATUSES.contains(&r["status"].as_str().unwrap()));
        }
        count += body["records"].as_array().unwrap().len();
        page += 1;
    }
    assert_eq!(count, school_day_records(&school));

    // A date with no marks (a Sunday), an unknown student: zero rows, 204.
    let sunday = range.from() - jiff::Span::new().days(1);
    let (status, _) = c
        .get(&format!("/attendance?from={sunday}&to={sunday}"))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = c
        .get(&format!(
            "/attendance?from={}&to={}&student_id=99999",
            range.from(),
            range.to()
        ))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);

    // from / to are required dates, in order.
    let (status, body) = c.get("/attendance?from=2024-09-31").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_error(&body, 201);
    assert_eq!(body["errors"].as_array().unwrap().len(), 2, "{body}");
    let (status, _) = c.get("/attendance?from=2024-09-10&to=2024-09-09").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn unknown_records_paths_and_verbs() {
    let s = start(FaultPlan::none()).await;
    let c = Client::new(&s);
    let (status, body) = c.get("/students/1").await;
    assert_eq!((status, body), (StatusCode::NO_CONTENT, Value::Null));
    let id = &school().students[0].id;
    let (status, body) = c.get(&format!("/students/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["record"]["id"], render::id(id));
    assert!(body.get("records").is_none());

    let (status, body) = c.get("/timetable").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_error(&body, 301);

    let put = c
        .http
        .put(c.url("/students"))
        .basic_auth(&c.user, Some(&c.key));
    let (status, _, body) = c.send(put).await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    assert_error(&body, 302);

    let not_json = c
        .http
        .post(c.url("/attendance"))
        .basic_auth(&c.user, Some(&c.key))
        .body("student_id=1");
    let (status, _, body) = c.send(not_json).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_error(&body, 202);

    for path in ["/classes", "/departments", "/teachers", "/sessions"] {
        let (status, body) = c.get(path).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert!(!body["records"].as_array().unwrap().is_empty(), "{path}");
    }
}

#[tokio::test]
async fn injected_throttle_is_the_vendors_429() {
    let s = start(FaultPlan {
        rate_429: 1.0,
        retry_after: Duration::from_millis(2500),
        ..FaultPlan::none()
    })
    .await;
    let c = Client::new(&s);
    let rb = c
        .http
        .get(c.url("/students"))
        .basic_auth(&c.user, Some(&c.key));
    let (status, headers, body) = c.send(rb).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(headers[reqwest::header::RETRY_AFTER], "3");
    assert_error(&body, 601);
    assert_eq!(Stats::get(&s.stats().throttled), 1);
}

#[tokio::test]
async fn the_key_is_rejected_every_nth_request() {
    let s = start(FaultPlan {
        expire_every: Some(3),
        ..FaultPlan::none()
    })
    .await;
    let c = Client::new(&s);
    let mut statuses = Vec::new();
    for _ in 0..6 {
        let (status, body) = c.get("/sessions").await;
        if status == StatusCode::UNAUTHORIZED {
            assert_error(&body, 103);
        }
        statuses.push(status.as_u16());
    }
    assert_eq!(statuses, [200, 200, 401, 200, 200, 401]);
    // Requests with a wrong key do not count towards N.
    let wrong = c
        .http
        .get(c.url("/sessions"))
        .basic_auth(&c.user, Some("nope"));
    assert_error(&c.send(wrong).await.2, 102);
    assert_eq!(c.get("/sessions").await.0, StatusCode::OK);
}

#[tokio::test]
async fn attendance_writes_upsert_count_once_and_read_back() {
    let s = start(FaultPlan::none()).await;
    let c = Client::new(&s);
    let school = school();
    let mark = school
        .session_marks
        .iter()
        .find(|m| render::is_day_mark(m) && render::status_of(m) == Some("present"))
        .unwrap();
    let read = format!(
        "/attendance?from={d}&to={d}&student_id={s}",
        d = mark.date,
        s = mark.student_id
    );
    let (_, before) = c.get(&read).await;
    assert_eq!(before["records"].as_array().unwrap().len(), 1);
    assert_eq!(before["records"][0]["status"], "present");

    let write = json!({
        "student_id": render::id(&mark.student_id),
        "date": mark.date.to_string(),
        "status": "Excused",
        "remarks": "Dentist",
    });
    let (status, body) = c.post("/attendance", write.clone()).await;
    // It replaced the School's own record: an update, same id.
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["record"]["id"], before["records"][0]["id"]);
    assert_eq!(body["record"]["status"], "excused");
    assert_eq!(Stats::get(&s.stats().applied_writes), 1);

    let (status, _) = c.post("/attendance", write).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(Stats::get(&s.stats().applied_writes), 2);
    let (_, after) = c.get(&read).await;
    let records = after["records"].as_array().unwrap();
    assert_eq!(records.len(), 1, "an identical write replaces: {after}");
    assert_eq!(records[0]["status"], "excused");
    assert_eq!(records[0]["remarks"], "Dentist");
    assert_eq!(
        after["meta"]["total_records"], 1,
        "the School's record is not listed twice"
    );

    // A record in another class on a Sunday is new: 201.
    let sunday =
        mark.date + jiff::Span::new().days(7 - mark.date.weekday().to_monday_one_offset() as i64);
    let teaching = school
        .groups
        .iter()
        .find(|g| {
            g.kind == mis_core::GroupKind::Teaching && g.student_ids.contains(&mark.student_id)
        })
        .unwrap();
    let (status, body) = c
        .post(
            "/attendance",
            json!([{
                "student_id": mark.student_id,
                "class_id": render::id(&teaching.id),
                "date": sunday.to_string(),
                "status": "field_trip",
            }]),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["records"][0]["status"], "field trip");
    assert_eq!(Stats::get(&s.stats().applied_writes), 3);
    let (_, on_sunday) = c
        .get(&format!(
            "/attendance?from={sunday}&to={sunday}&class_id={}",
            teaching.id
        ))
        .await;
    assert_eq!(
        on_sunday["records"][0]["class_id"],
        render::id(&teaching.id)
    );

    // Invalid writes apply nothing, and say why.
    let (status, body) = c
        .post(
            "/attendance",
            json!([
                {"student_id": mark.student_id, "date": "2024-09-03", "status": "present"},
                {"student_id": 424242, "date": "03/09/2024", "status": "sleeping", "x": 1},
            ]),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_error(&body, 201);
    let fields: Vec<&str> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(
        fields,
        [
            "records[1].x",
            "records[1].student_id",
            "records[1].date",
            "records[1].status"
        ]
    );
    assert_eq!(Stats::get(&s.stats().applied_writes), 3);
}

#[tokio::test]
async fn student_upserts_create_then_update() {
    let s = start(FaultPlan::none()).await;
    let c = Client::new(&s);
    let school = school();
    let form = school
        .groups
        .iter()
        .find(|g| g.kind == mis_core::GroupKind::Registration)
        .unwrap();

    let (status, body) = c
        .post(
            "/students",
            json!({"first_name": "Ada", "last_name": "Lovelace", "gender": "Female",
                   "student_dob": "2012-12-10", "class_id": render::id(&form.id)}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let created = body["record"].clone();
    assert_eq!(created["class_name"], json!(form.name));
    assert!(created["department_id"].is_number());
    let id = created["id"].as_u64().unwrap();
    assert_eq!(Stats::get(&s.stats().applied_writes), 1);

    let (status, body) = c
        .post(
            "/students",
            json!({"id": id, "preferred_first_name": "Countess"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(Stats::get(&s.stats().applied_writes), 2);
    let (_, read) = c.get(&format!("/students/{id}")).await;
    assert_eq!(read["record"]["preferred_first_name"], "Countess");
    assert_eq!(read["record"]["first_name"], "Ada");
    let (_, list) = c.get("/students?per_page=1").await;
    assert_eq!(
        list["meta"]["total_records"],
        json!(school.students.len() + 1)
    );

    // The new student can be marked in their class at once.
    let (status, body) = c
        .post(
            "/attendance",
            json!({"student_id": id, "date": "2024-09-04", "status": "late"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["record"]["class_id"], render::id(&form.id));

    let (status, body) = c
        .post(
            "/students",
            json!({"id": 1, "year_level": "9", "last_name": ""}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_error(&body, 201);
    assert_eq!(body["errors"].as_array().unwrap().len(), 3, "{body}");
    assert_eq!(Stats::get(&s.stats().applied_writes), 3);
}

#[test]
fn fixtures_are_deterministic_and_non_empty() {
    let school = School::generate(5, 30);
    let a = super::fixtures(&school);
    assert_eq!(a, super::fixtures(&school));
    let names: Vec<&str> = a.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "students",
            "student",
            "classes",
            "departments",
            "teachers",
            "sessions",
            "attendance",
            "students_upsert",
            "attendance_upsert",
            "error_unauthorized",
            "error_validation",
            "rate_limited",
        ]
    );
    for f in &a {
        let body = &f.body;
        let filled = body["records"].as_array().is_some_and(|r| !r.is_empty())
            || body["record"].is_object()
            || body["message"].is_string();
        assert!(filled, "{}: {body}", f.name);
        if f.name.starts_with("error") || f.name == "rate_limited" {
            assert!(body["message"].as_str().unwrap().contains("(error_code: "));
        } else {
            assert!(
                body.get("record").or(body.get("records")).is_some(),
                "{}",
                f.name
            );
        }
    }
    let attendance = &a[6].body;
    assert!(attendance["meta"]["total_records"].as_u64().unwrap() > 0);
    // The descriptor a registry holds renders the same fixtures.
    assert_eq!((super::EMULATOR.fixtures)(&school), a);
}

/// `FaultPlan::degraded()`: one student's `student_dob` is a number (id intact), one
/// student's own record is the documented 204, and departments are a 403; the rest is served
/// as without faults.
#[tokio::test]
async fn record_faults_touch_one_record_one_student_and_one_auxiliary_read() {
    use crate::emulator::RecordFaults;
    let (clean, bad) = (
        start(FaultPlan::none()).await,
        start(FaultPlan::degraded()).await,
    );
    let (clean, bad) = (Client::new(&clean), Client::new(&bad));
    let school = school();
    let malformed = render::id(&school.students[RecordFaults::MALFORMED_STUDENT].id);
    let path = "/students?per_page=100";
    let ((_, want), (status, got)) = (clean.get(path).await, bad.get(path).await);
    assert_eq!(status, StatusCode::OK);
    let (want, got) = (
        want["records"].as_array().unwrap(),
        got["records"].as_array().unwrap(),
    );
    assert_eq!(want.len(), got.len());
    let mut seen = 0;
    for (w, g) in want.iter().zip(got) {
        if g["id"] == malformed {
            seen += 1;
            assert!(g["student_dob"].is_u64(), "{g}");
            let mut fixed = g.clone();
            fixed["student_dob"] = w["student_dob"].clone();
            assert_eq!(&fixed, w, "only the date of birth differs");
        } else {
            assert_eq!(g, w);
        }
    }
    assert_eq!(seen, 1);

    let missing = &school.students[RecordFaults::MISSING_STUDENT].id;
    let (status, body) = bad.get(&format!("/students/{missing}")).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(body, Value::Null, "a 204 has no body on the wire");
    let other = &school.students[0].id;
    assert_eq!(
        bad.get(&format!("/students/{other}")).await.0,
        StatusCode::OK
    );
    assert_eq!(
        clean.get(&format!("/students/{missing}")).await.0,
        StatusCode::OK
    );

    let (status, body) = bad.get("/departments").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_error(&body, 104);
    assert_eq!(clean.get("/departments").await.0, StatusCode::OK);
    assert_eq!(bad.get("/classes").await, clean.get("/classes").await);
}

#[tokio::test]
async fn classes_departments_and_sessions_get_create_and_update() {
    let s = start(FaultPlan::none()).await;
    let c = Client::new(&s);
    let school = school();
    let year = school.groups_of(mis_core::GroupKind::Year).next().unwrap();

    let (status, dept) = c.get(&format!("/departments/{}", year.id)).await;
    assert_eq!(status, StatusCode::OK, "{dept}");
    assert_eq!(dept["record"]["name"], json!(year.name));
    let (status, _) = c.get("/classes/999999").await;
    assert_eq!(status, StatusCode::NO_CONTENT);

    // A class in that department: 201, then listed by it and by the department.
    let (status, body) = c
        .post(
            "/classes",
            json!({"name": "7Z", "code": "7Z", "department_id": render::id(&year.id)}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let class = body["record"]["id"].clone();
    assert_eq!(body["record"]["department_name"], json!(year.name));
    let (_, dept) = c.get(&format!("/departments/{}", year.id)).await;
    assert!(
        dept["record"]["class_ids"]
            .as_array()
            .unwrap()
            .contains(&class)
    );
    let (status, body) = c.post("/classes", json!({"id": class, "name": "7Y"})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (_, read) = c.get(&format!("/classes/{class}")).await;
    assert_eq!(read["record"]["name"], "7Y");
    assert_eq!(read["record"]["code"], "7Z");

    // Sessions: a term with dates; a create without them is the validation error.
    let (status, body) = c
        .post(
            "/sessions",
            json!({"name": "Summer 2", "session_type": "term", "parent_id": 1,
                   "start_date": "2025-06-02", "end_date": "2025-07-22"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (status, body) = c.post("/sessions", json!({"name": "Nameless"})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_error(&body, 201);
    assert_eq!(body["errors"].as_array().unwrap().len(), 2, "{body}");
    let (status, body) = c
        .post(
            "/departments",
            json!({"id": 999999, "name": "X", "colour": "red"}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["errors"].as_array().unwrap().len(), 2, "{body}");
    assert_eq!(Stats::get(&s.stats().applied_writes), 3);
}

#[tokio::test]
async fn the_variant_profile_sends_subject_registers_and_inactive_leavers() {
    use crate::school::{Profile, SchoolOptions};
    let school = Arc::new(School::generate_with(
        365,
        45,
        SchoolOptions::new().profile(Profile::Variant),
    ));
    let s = Sandbox::start_with(
        &super::EMULATOR,
        school.clone(),
        FaultPlan::none(),
        options(),
        0,
    )
    .await
    .unwrap();
    let c = Client::new(&s);
    let day = school.lesson_marks[0].date;
    let student = &school.lesson_marks[0].student_id;
    let (status, body) = c
        .get(&format!(
            "/attendance?from={day}&to={day}&student_id={student}"
        ))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let records = body["records"].as_array().unwrap();
    let lessons = school
        .lesson_marks
        .iter()
        .filter(|m| &m.student_id == student && m.date == day)
        .filter(|m| render::status_of(m).is_some())
        .count();
    assert_eq!(records.len(), lessons);
    for r in records {
        assert!(r["subject_id"].is_number(), "{r}");
        assert!(r["session_id"].is_number(), "{r}");
        assert!(r["session_name"].is_string(), "{r}");
    }
    let (_, list) = c.get("/students?status=inactive").await;
    assert_eq!(list["records"].as_array().unwrap().len(), 1, "{list}");
}

/// `OnboardingFaults::all()`: teachers are a 403 (the disabled module), the first student on
/// roll's registers carry the school's own status, and the rest is served as without faults
/// (the v2 API has no school record, so no time zone to lose).
#[tokio::test]
async fn onboarding_faults_disable_teachers_and_give_one_student_the_schools_status() {
    use crate::OnboardingFaults;
    let plan = FaultPlan {
        onboarding: OnboardingFaults::all(),
        ..FaultPlan::none()
    };
    let (clean, bad) = (start(FaultPlan::none()).await, start(plan).await);
    let (clean, bad) = (Client::new(&clean), Client::new(&bad));
    let school = school();

    let (status, body) = bad.get("/teachers").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_error(&body, 104);
    assert_eq!(clean.get("/teachers").await.0, StatusCode::OK);
    for path in ["/students", "/classes", "/sessions", "/departments"] {
        assert_eq!(bad.get(path).await, clean.get(path).await, "{path}");
    }

    let first = school
        .students
        .iter()
        .find(|s| s.enrolment_status == Some(mis_core::EnrolmentStatus::OnRoll))
        .unwrap();
    let day = school.session_marks.iter().map(|m| m.date).min().unwrap();
    let path = format!("/attendance?from={day}&to={day}&per_page=100");
    let ((_, want), (status, got)) = (clean.get(&path).await, bad.get(&path).await);
    assert_eq!(status, StatusCode::OK, "{got}");
    let own = render::id(&first.id);
    let (mut theirs, mut others) = (0, 0);
    for g in got["records"].as_array().unwrap() {
        if g["student_id"] == own {
            theirs += 1;
            assert_eq!(
                g["status"],
                json!(OnboardingFaults::SCHOOL_CODE_LABEL),
                "{g}"
            );
        } else {
            others += 1;
            assert!(
                want["records"].as_array().unwrap().contains(g),
                "only the first student's records change: {g}"
            );
        }
    }
    assert_eq!(theirs, 1, "the student's day record on {day}");
    assert!(others > 0);
}
