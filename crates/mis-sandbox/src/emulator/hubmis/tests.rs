//! The HUBmis emulator over loopback, with `reqwest`, on scaled-down windows. Each test
//! starts its own sandbox (its own quota window) and keeps to at most 12 requests unless
//! the quota is what it tests; no test sleeps more than ~0.6 s.

use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use reqwest::header::HeaderMap;
use serde_json::{Value, json};

use super::render::{self, Index};
use crate::emulator::{FaultPlan, Stats};
use crate::school::School;
use crate::{EmulatorOptions, Sandbox};

fn school() -> Arc<School> {
    static SCHOOL: OnceLock<Arc<School>> = OnceLock::new();
    SCHOOL
        .get_or_init(|| Arc::new(School::generate(7, 40)))
        .clone()
}

/// A 60 s window at `scale` is `60 * scale` seconds; a token lives `900 * scale`.
async fn start(plan: FaultPlan, scale: f64) -> Sandbox {
    let options = EmulatorOptions {
        time_scale: scale,
        ..EmulatorOptions::default()
    };
    Sandbox::start_with(&super::EMULATOR, school(), plan, options, 0)
        .await
        .expect("the hubmis emulator starts")
}

struct Reply {
    status: u16,
    headers: HeaderMap,
    body: Value,
}

async fn send(req: reqwest::RequestBuilder) -> Reply {
    let r = req.send().await.expect("the emulator answers");
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    let text = r.text().await.expect("a body");
    let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
    Reply {
        status,
        headers,
        body,
    }
}

fn cred<'a>(sb: &'a Sandbox, name: &str) -> &'a str {
    sb.credentials().get(name).expect("credential present")
}

async fn token_reply(sb: &Sandbox, client_id: &str, secret: &str) -> Reply {
    send(
        reqwest::Client::new()
            .post(format!("{}/api/v1/token", sb.base_url()))
            .form(&[
                ("grant_type", "client_credentials"),
                ("client_id", client_id),
                ("client_secret", secret),
            ]),
    )
    .await
}

async fn token(sb: &Sandbox) -> String {
    let r = token_reply(sb, cred(sb, "client_id"), cred(sb, "client_secret")).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["token_type"], "Bearer");
    assert_eq!(r.body["expires_in"], 900);
    r.body["access_token"].as_str().unwrap().to_string()
}

async fn get(sb: &Sandbox, token: &str, path_and_query: &str) -> Reply {
    send(
        reqwest::Client::new()
            .get(format!("{}/api/v1{path_and_query}", sb.base_url()))
            .bearer_auth(token)
            .header("Realm", cred(sb, "realm")),
    )
    .await
}

fn len(v: &Value) -> usize {
    v.as_array().map_or(0, Vec::len)
}

#[tokio::test]
async fn wrong_credentials_get_the_vendors_own_errors() {
    let sb = start(FaultPlan::none(), 0.01).await;

    let r = token_reply(&sb, cred(&sb, "client_id"), "not-the-secret").await;
    assert_eq!(r.status, 401);
    assert_eq!(r.body["error"], "invalid_client");
    assert_eq!(r.body["message"], "Client authentication failed");

    let r = send(
        reqwest::Client::new()
            .post(format!("{}/api/v1/token", sb.base_url()))
            .form(&[("grant_type", "password")]),
    )
    .await;
    assert_eq!(
        (r.status, &r.body["error"]),
        (400, &json!("unsupported_grant_type"))
    );

    // The JSON body of the "Token" section works as well as the introduction's form.
    let r = send(
        reqwest::Client::new()
            .post(format!("{}/api/v1/token", sb.base_url()))
            .header("content-type", "application/json")
            .body(
                json!({
                    "grant_type": "client_credentials",
                    "client_id": cred(&sb, "client_id"),
                    "client_secret": cred(&sb, "client_secret"),
                })
                .to_string(),
            ),
    )
    .await;
    assert_eq!(r.status, 200);
    let token = r.body["access_token"].as_str().unwrap().to_string();

    let url = format!("{}/api/v1/students", sb.base_url());
    let r = send(
        reqwest::Client::new()
            .get(&url)
            .header("Realm", cred(&sb, "realm")),
    )
    .await;
    assert_eq!(
        (r.status, r.body.clone()),
        (401, json!({"message": "Unauthenticated."}))
    );
    let r = send(
        reqwest::Client::new()
            .get(&url)
            .bearer_auth("1.forged.token")
            .header("Realm", cred(&sb, "realm")),
    )
    .await;
    assert_eq!(r.status, 401);

    // A good token is not enough: the realm is required, and must be this school's.
    let r = send(reqwest::Client::new().get(&url).bearer_auth(&token)).await;
    assert_eq!(r.status, 400);
    assert_eq!(r.body["message"], "The Realm header is required.");
    let r = send(
        reqwest::Client::new()
            .get(&url)
            .bearer_auth(&token)
            .header("Realm", "S999"),
    )
    .await;
    assert_eq!(r.status, 403);
    assert!(r.body["message"].as_str().unwrap().contains("S999"));

    assert_eq!(Stats::get(&sb.stats().logins), 1);
}

#[tokio::test]
async fn pages_end_on_a_short_page_and_cover_every_student() {
    let sb = start(FaultPlan::none(), 0.01).await;
    let school = school();
    let t = token(&sb).await;
    let size = 7;
    let mut ids = Vec::new();
    for number in 1.. {
        let r = get(
            &sb,
            &t,
            &format!("/students?page[number]={number}&page[size]={size}"),
        )
        .await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert!(r.body.is_array(), "lists are bare arrays");
        let page = r.body.as_array().unwrap();
        ids.extend(page.iter().map(|s| s["id"].as_u64().unwrap().to_string()));
        if page.len() < size {
            break;
        }
        assert!(number < 20, "the list never ended");
    }
    let expected: Vec<String> = school.students.iter().map(|s| s.id.clone()).collect();
    assert_eq!(
        ids, expected,
        "every student once, leavers included, in id order"
    );

    let r = get(
        &sb,
        &t,
        "/students?filter[enrolmentStatus]=current&page[size]=100",
    )
    .await;
    let on_roll = school.summary().students_on_roll;
    assert_eq!(len(&r.body), on_roll);
    let r = get(
        &sb,
        &t,
        "/students?filter[enrolmentStatus]=past&page[size]=100",
    )
    .await;
    assert_eq!(len(&r.body), school.students.len() - on_roll);
    assert!(
        r.body
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["form"].is_null())
    );

    let r = get(&sb, &t, "/students?page[size]=101").await;
    assert_eq!(r.status, 422);
    assert!(r.body["errors"]["page.size"].is_array());
    let r = get(&sb, &t, "/students?filter[nickname]=x").await;
    assert_eq!(
        r.status, 400,
        "an undocumented filter is refused, not ignored"
    );
}

#[tokio::test]
async fn the_thirteenth_request_in_a_window_gets_429_with_all_three_headers() {
    // A 6 s window: 13 loopback requests fit in it on any machine.
    let sb = start(FaultPlan::none(), 0.1).await;
    let t = token(&sb).await; // the token request counts: 1
    let mut last = None;
    for i in 2..=12 {
        let r = get(&sb, &t, "/attendance/codes").await;
        assert_eq!(r.status, 200, "request {i}");
        last = Some(r);
    }
    let last = last.unwrap();
    assert_eq!(last.headers["x-ratelimit-limit"], "12");
    assert_eq!(last.headers["x-ratelimit-remaining"], "0");

    let r = get(&sb, &t, "/attendance/codes").await;
    assert_eq!(r.status, 429);
    assert_eq!(r.body["message"], "Too Many Attempts.");
    assert_eq!(r.headers["x-ratelimit-limit"], "12");
    assert_eq!(r.headers["x-ratelimit-remaining"], "0");
    let retry: u64 = r.headers["x-ratelimit-retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    assert!((now..=now + 7).contains(&retry), "{retry} vs now {now}");
    // The token request is held to the same quota.
    let r = token_reply(&sb, cred(&sb, "client_id"), cred(&sb, "client_secret")).await;
    assert_eq!(r.status, 429);
    assert_eq!(Stats::get(&sb.stats().throttled), 2);
}

#[tokio::test]
async fn the_window_slides_and_admits_again() {
    // A 0.6 s window.
    let sb = start(FaultPlan::none(), 0.01).await;
    let t = token(&sb).await;
    let started = Instant::now();
    let mut sent = 1;
    let refused = loop {
        let r = get(&sb, &t, "/academic-years").await;
        sent += 1;
        if r.status == 429 {
            break r;
        }
        assert_eq!(r.status, 200);
        assert!(sent < 60, "the quota never refused");
    };
    if started.elapsed() < Duration::from_millis(500) {
        assert_eq!(sent, 13, "the 13th inside the window is the first refused");
    }
    assert!(refused.headers.contains_key("x-ratelimit-retry-after"));
    tokio::time::sleep(Duration::from_millis(620)).await;
    let r = get(&sb, &t, "/academic-years").await;
    assert_eq!(r.status, 200, "a whole window later there is room again");
}

#[tokio::test]
async fn tokens_die_after_expires_in_scaled() {
    // 900 s * 0.0005 = 0.45 s.
    let sb = start(FaultPlan::none(), 0.0005).await;
    let t = token(&sb).await;
    assert_eq!(get(&sb, &t, "/school/regional-settings").await.status, 200);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let r = get(&sb, &t, "/school/regional-settings").await;
    assert_eq!(
        (r.status, r.body),
        (401, json!({"message": "Unauthenticated."}))
    );
    let t = token(&sb).await;
    let r = get(&sb, &t, "/school/regional-settings").await;
    assert_eq!(r.body["timezone"], "Europe/London");
}

#[tokio::test]
async fn credential_expiry_every_n_requests() {
    let plan = FaultPlan {
        expire_every: Some(3),
        ..FaultPlan::none()
    };
    let sb = start(plan, 0.01).await;
    let t = token(&sb).await;
    assert_eq!(get(&sb, &t, "/houses").await.status, 200);
    assert_eq!(get(&sb, &t, "/houses").await.status, 200);
    let r = get(&sb, &t, "/houses").await;
    assert_eq!(
        r.status, 401,
        "the 3rd authenticated request finds the token expired"
    );
    assert_eq!(r.body["message"], "Unauthenticated.");
    assert_eq!(
        get(&sb, &t, "/houses").await.status,
        401,
        "and it stays dead"
    );
    let t = token(&sb).await;
    assert_eq!(get(&sb, &t, "/houses").await.status, 200);
    assert_eq!(Stats::get(&sb.stats().logins), 2);
}

#[tokio::test]
async fn writes_are_not_part_of_the_api() {
    let sb = start(FaultPlan::none(), 0.01).await;
    let school = school();
    let t = token(&sb).await;
    let student = &school.students[0].id;
    let path = format!("/students/{student}/attendance");
    let before = get(&sb, &t, &path).await;
    let r = send(
        reqwest::Client::new()
            .post(format!("{}/api/v1{path}", sb.base_url()))
            .bearer_auth(&t)
            .header("Realm", cred(&sb, "realm"))
            .form(&[("date", "2024-09-03"), ("session", "am"), ("code", "/")]),
    )
    .await;
    assert_eq!(r.status, 405);
    assert!(
        r.body["message"]
            .as_str()
            .unwrap()
            .contains("POST method is not supported")
    );
    assert_eq!(Stats::get(&sb.stats().applied_writes), 0);
    assert_eq!(
        get(&sb, &t, &path).await.body,
        before.body,
        "nothing changed"
    );
    let r = get(&sb, &t, "/no-such-thing").await;
    assert_eq!(r.status, 404);
}

#[tokio::test]
async fn reads_render_the_school() {
    let sb = start(FaultPlan::none(), 0.01).await;
    let school = school();
    let t = token(&sb).await;
    let s = &school.students[0];
    let marks: Vec<_> = school
        .session_marks
        .iter()
        .filter(|m| m.student_id == s.id)
        .collect();

    // 1. All marks, DfE codes as recorded.
    let r = get(&sb, &t, &format!("/students/{}/attendance", s.id)).await;
    let sent: Vec<(String, String, String)> = r
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["date"].as_str().unwrap().to_string(),
                m["session"].as_str().unwrap().to_string(),
                m["attendance_code"]["code"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let want: Vec<(String, String, String)> = marks
        .iter()
        .map(|m| {
            (
                m.date.to_string(),
                m.session.unwrap().as_str().to_string(),
                m.code.clone(),
            )
        })
        .collect();
    assert_eq!(sent, want);

    // 2. One date, PM only. (A wall-clock bound is the school's time; `…T23:59:59Z` would be
    // the next morning in British Summer Time.)
    let day = marks[0].date;
    let r = get(
        &sb,
        &t,
        &format!(
            "/students/{}/attendance?filter[dateTime][from]={day}&filter[dateTime][to]={day}T23:59:59&filter[attendanceSession]=pm",
            s.id
        ),
    )
    .await;
    assert_eq!(len(&r.body), 1, "{}", r.body);
    assert_eq!(r.body[0]["session"], "pm");

    // 3. The calendar needs its dates.
    let r = get(&sb, &t, &format!("/students/{}/timetable/calendar", s.id)).await;
    assert_eq!(r.status, 422);
    assert!(r.body["errors"]["filter.dateFrom"].is_array());
    let r = get(
        &sb,
        &t,
        &format!(
            "/students/{}/timetable/calendar?filter[dateFrom]={day}&filter[dateTo]={day}",
            s.id
        ),
    )
    .await;
    let lessons = school.lessons_for_student(&s.id, day, day);
    assert_eq!(len(&r.body["calendar"][0]["periods"]), lessons.len());
    let first = &r.body["calendar"][0]["periods"][0];
    assert_eq!(
        first["subject_set"]["name"],
        lessons[0].group.clone().unwrap()
    );
    assert_eq!(
        first["subject_set"]["subject"]["name"],
        lessons[0].subject.clone().unwrap()
    );
    assert_eq!(first["room"]["room_code"], lessons[0].rooms[0]);

    // 4. Every behaviour event once, as a wellbeing event with its polarity as category.
    let r = get(&sb, &t, "/pastoral/events?page[size]=100&page[number]=1").await;
    let events = r.body.as_array().unwrap();
    assert_eq!(events.len(), school.behaviour.len().min(100));
    for (e, b) in events.iter().zip(&school.behaviour) {
        assert_eq!(e["id"].as_u64().unwrap().to_string(), b.event.id);
        let want = match b.event.polarity {
            mis_core::Polarity::Positive => "Praise",
            mis_core::Polarity::Negative => "Concern",
            _ => "Note",
        };
        assert_eq!(e["category"]["name"], want);
    }
    let r = get(&sb, &t, "/pastoral/events?filter[type]=wellbeing_plan").await;
    assert_eq!(len(&r.body), 0);

    // 5. Unknown records are Laravel's 404.
    let r = get(&sb, &t, "/students/999999").await;
    assert_eq!(r.status, 404);
    assert!(r.body["message"].as_str().unwrap().contains("Student"));
}

#[tokio::test]
async fn handlers_serve_what_the_fixtures_hold() {
    let school = school();
    let fixtures = super::fixtures(&school);
    let fixture = |name: &str| {
        fixtures
            .iter()
            .find(|f| f.name == name)
            .unwrap_or_else(|| panic!("fixture {name}"))
            .body
            .clone()
    };
    let id = fixture("student")["id"].as_u64().unwrap();
    let day = fixture("student_timetable_calendar")["calendar"][0]["date"]
        .as_str()
        .unwrap()
        .to_string();
    let marks = fixture("attendance_session_marks");
    let (from, to) = (
        marks[0]["date"].as_str().unwrap().to_string(),
        marks[len(&marks) - 1]["date"].as_str().unwrap().to_string(),
    );
    let paths = [
        ("students", "/students".to_string()),
        ("student", format!("/students/{id}")),
        ("student_enrolment", format!("/students/{id}/enrolment")),
        (
            "attendance_session_marks",
            format!(
                "/students/{id}/attendance?filter[dateTime][from]={from}&filter[dateTime][to]={to}"
            ),
        ),
        ("student_timetable", format!("/students/{id}/timetable")),
        (
            "student_timetable_calendar",
            format!("/students/{id}/timetable/calendar?filter[date]={day}"),
        ),
        ("attendance_codes", "/attendance/codes".to_string()),
        ("staff", "/staff".to_string()),
        ("staff_member", format!("/staff/{}", school.staff[0].id)),
        ("contacts", "/contacts".to_string()),
        ("contact", "/contacts/20001".to_string()),
        ("houses", "/houses".to_string()),
        ("house", format!("/houses/{}", fixture("house")["id"])),
        ("year_groups", "/year-groups".to_string()),
        ("form_groups", "/form-groups".to_string()),
        ("academic_years", "/academic-years".to_string()),
        (
            "terms",
            format!("/academic-years/{}/terms", school.academic_year.id),
        ),
        ("pastoral_events", "/pastoral/events".to_string()),
        (
            "pastoral_event",
            format!("/pastoral/events/{}", fixture("pastoral_event")["id"]),
        ),
        ("regional_settings", "/school/regional-settings".to_string()),
    ];
    // One sandbox per 11 paths: with its token that is 12 requests, the quota of a window.
    for chunk in paths.chunks(11) {
        let sb = start(FaultPlan::none(), 0.01).await;
        let t = token(&sb).await;
        for (name, path) in chunk {
            let r = get(&sb, &t, path).await;
            assert_eq!(r.status, 200, "{path}: {}", r.body);
            assert_eq!(r.body, fixture(name), "{path}");
        }
    }
}

#[test]
fn fixtures_are_deterministic_and_cover_every_endpoint() {
    let school = School::generate(3, 30);
    let a = super::fixtures(&school);
    assert_eq!(a, super::fixtures(&school));
    let names: Vec<&str> = a.iter().map(|f| f.name.as_str()).collect();
    for want in [
        "token",
        "students",
        "student",
        "student_enrolment",
        "attendance_session_marks",
        "attendance_codes",
        "student_timetable",
        "student_timetable_calendar",
        "staff",
        "staff_member",
        "contacts",
        "contact",
        "houses",
        "house",
        "year_groups",
        "form_groups",
        "academic_years",
        "terms",
        "pastoral_events",
        "pastoral_event",
        "regional_settings",
    ] {
        assert!(names.contains(&want), "missing fixture {want}");
    }
    let mut unique = names.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), names.len(), "fixture names are unique");
    for f in &a {
        let empty = match &f.body {
            Value::Array(v) => v.is_empty(),
            Value::Object(m) => m.is_empty(),
            _ => true,
        };
        assert!(!empty, "fixture {} is empty", f.name);
    }
    let marks = a
        .iter()
        .find(|f| f.name == "attendance_session_marks")
        .unwrap();
    assert!(len(&marks.body) >= 2, "a week of AM and PM marks");
    let calendar = a
        .iter()
        .find(|f| f.name == "student_timetable_calendar")
        .unwrap();
    assert!(len(&calendar.body["calendar"][0]["periods"]) > 0);
}

#[test]
fn the_index_finds_every_students_marks() {
    let school = school();
    let index = Index::new(&school);
    let total: usize = school
        .students
        .iter()
        .map(|s| index.marks_of(&s.id).count())
        .sum();
    assert_eq!(total, school.session_marks.len());
    let body = render::attendance(&school, &index, &school.students[0].id, &Default::default());
    assert!(len(&body) > 0);
}

#[tokio::test]
async fn record_faults_touch_one_student_and_one_auxiliary_read() {
    use crate::emulator::RecordFaults;

    let school = school();
    let bad = &school.students[RecordFaults::MALFORMED_STUDENT];
    let gone = &school.students[RecordFaults::MISSING_STUDENT];
    let fine = &school.students[0];

    // Off by default: the same reads are whole without the plan.
    let sb = start(FaultPlan::none(), 0.01).await;
    let t = token(&sb).await;
    let r = get(&sb, &t, &format!("/students/{}/enrolment", gone.id)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(get(&sb, &t, "/school/regional-settings").await.status, 200);

    let sb = start(FaultPlan::degraded(), 0.01).await;
    let t = token(&sb).await;

    // The malformed record keeps its id and every field but the date of birth, now an
    // integer; its neighbours are untouched.
    let r = get(&sb, &t, "/students?page[size]=100").await;
    assert_eq!(r.status, 200);
    let list = r.body.as_array().unwrap();
    assert_eq!(list.len(), school.students.len());
    let record = |id: &str| {
        list.iter()
            .find(|s| s["id"] == super::int_id(id))
            .unwrap_or_else(|| panic!("student {id} listed"))
    };
    let dob = bad.date_of_birth.expect("a date of birth");
    assert_eq!(
        record(&bad.id)["date_of_birth"],
        json!(i64::from(dob.year()) * 10_000 + i64::from(dob.month()) * 100 + i64::from(dob.day()))
    );
    assert_eq!(record(&bad.id)["first_name"], json!(bad.first_name));
    assert!(record(&fine.id)["date_of_birth"].is_string());
    assert!(record(&gone.id)["date_of_birth"].is_string());
    let one = get(&sb, &t, &format!("/students/{}", bad.id)).await;
    assert!(one.body["date_of_birth"].is_number(), "{}", one.body);

    // The missing student's enrolment and attendance answer Laravel's model 404.
    let r = get(&sb, &t, &format!("/students/{}/enrolment", gone.id)).await;
    assert_eq!(r.status, 404);
    assert_eq!(
        r.body,
        json!({ "message": format!("No query results for model [StudentEnrolment] {}", gone.id) })
    );
    let r = get(&sb, &t, &format!("/students/{}/attendance", gone.id)).await;
    assert_eq!(r.status, 404);
    assert!(
        r.body["message"]
            .as_str()
            .unwrap()
            .contains("[StudentAttendance]")
    );
    let r = get(&sb, &t, &format!("/students/{}/enrolment", fine.id)).await;
    assert_eq!(r.status, 200, "{}", r.body);

    // The regional settings answer Passport's missing-scope 403.
    let r = get(&sb, &t, "/school/regional-settings").await;
    assert_eq!(r.status, 403);
    assert_eq!(r.body, json!({ "message": "Invalid scope(s) provided." }));
}

/// The onboarding faults (see `onboarding.rs`): the Pastoral module refused, the school's
/// own `Q` in the code book and on the first student's marks, no time zone; an unknown
/// realm refused by name. Off, the same reads are as before. 12 requests per sandbox.
#[tokio::test]
async fn onboarding_faults_show_as_a_school_set_up_wrong_does() {
    use crate::emulator::OnboardingFaults;

    let school = school();
    let first = &school.students[0];
    let day = school
        .session_marks
        .iter()
        .filter(|m| m.student_id == first.id)
        .map(|m| m.date)
        .min()
        .unwrap();
    let marks = format!(
        "/students/{}/attendance?filter[dateTime][from]={day}T00:00:00Z&filter[dateTime][to]={day}T23:59:59Z",
        first.id
    );
    let q_of = |codes: &Value| -> Vec<Value> {
        codes
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["code"] == OnboardingFaults::SCHOOL_CODE)
            .cloned()
            .collect()
    };

    let sb = start(FaultPlan::none(), 0.01).await;
    let t = token(&sb).await;
    assert_eq!(get(&sb, &t, "/pastoral/events").await.status, 200);
    let r = get(&sb, &t, &format!("/students/{}/wellbeing-events", first.id)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let codes = get(&sb, &t, "/attendance/codes").await.body;
    // The book's own entry for the code's letters, if the DfE table has one (`Q` does).
    let dfe_q = q_of(&codes);
    assert!(dfe_q.len() <= 1, "{codes}");
    assert!(
        dfe_q.iter().all(|c| c.get("is_statutory").is_none()),
        "{codes}"
    );
    let last_id = codes
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["id"].as_u64())
        .max();
    let r = get(&sb, &t, &marks).await;
    assert!(len(&r.body) > 0, "{}", r.body);
    assert!(
        r.body
            .as_array()
            .unwrap()
            .iter()
            .all(|m| m["attendance_code"]["code"] != OnboardingFaults::SCHOOL_CODE)
    );
    let zone = get(&sb, &t, "/school/regional-settings").await.body;
    assert_eq!(zone["timezone"], json!(school.time_zone));

    let plan = FaultPlan {
        onboarding: OnboardingFaults::all(),
        ..FaultPlan::none()
    };
    let sb = start(plan, 0.01).await;
    let t = token(&sb).await;
    let own = format!("/students/{}/wellbeing-events", first.id);
    for path in ["/pastoral/events", "/pastoral/events/1", own.as_str()] {
        let r = get(&sb, &t, path).await;
        assert_eq!(r.status, 403, "{path}");
        assert_eq!(r.body, json!({ "message": "Invalid scope(s) provided." }));
    }
    let codes = get(&sb, &t, "/attendance/codes").await.body;
    let q = q_of(&codes);
    assert_eq!(q.len(), 1, "{codes}");
    // It takes the id of the DfE entry it replaces, else the one after the book's last.
    let want = dfe_q
        .first()
        .map_or(json!(last_id.unwrap() + 1), |c| c["id"].clone());
    assert_eq!(q[0]["id"], want, "{codes}");
    assert_eq!(q[0]["description"], OnboardingFaults::SCHOOL_CODE_LABEL);
    assert_eq!(q[0]["is_statutory"], false);
    let r = get(&sb, &t, &marks).await;
    let records = r.body.as_array().unwrap();
    assert!(!records.is_empty());
    for m in records {
        assert_eq!(
            m["attendance_code"]["code"],
            OnboardingFaults::SCHOOL_CODE,
            "{m}"
        );
        assert_eq!(m["attendance_code"]["is_statutory"], false, "{m}");
    }
    let other = &school.students[1];
    let r = get(&sb, &t, &format!("/students/{}/attendance", other.id)).await;
    assert!(
        r.body
            .as_array()
            .unwrap()
            .iter()
            .all(|m| m["attendance_code"]["code"] != OnboardingFaults::SCHOOL_CODE),
        "only the first student's marks carry it"
    );
    let zone = get(&sb, &t, "/school/regional-settings").await.body;
    assert_eq!(zone["timezone"], Value::Null);
    assert_eq!(zone["start_day_week"], "monday");
    // A realm the emulator does not serve: the 403 that names it.
    let r = send(
        reqwest::Client::new()
            .get(format!("{}/api/v1/students", sb.base_url()))
            .bearer_auth(&t)
            .header("Realm", "no-such-school"),
    )
    .await;
    assert_eq!(r.status, 403);
    assert_eq!(
        r.body["message"],
        "Access to realm no-such-school is not granted to this client."
    );
}

/// The variant profile (see `variant.rs`) over loopback: 120 students, 11 requests.
#[tokio::test]
async fn the_variant_profile_serves_the_documented_variants() {
    use crate::school::{Profile, SchoolOptions};
    let school = Arc::new(School::generate_with(
        7,
        118,
        SchoolOptions::new().profile(Profile::Variant),
    ));
    assert_eq!(school.students.len(), 120);
    let options = EmulatorOptions {
        time_scale: 0.01,
        ..EmulatorOptions::default()
    };
    let sb = Sandbox::start_with(
        &super::EMULATOR,
        school.clone(),
        FaultPlan::none(),
        options,
        0,
    )
    .await
    .unwrap();
    let t = token(&sb).await;

    // No admissions scope: the unfiltered list and applicants are refused; current works.
    let r = get(&sb, &t, "/students?page[size]=100").await;
    assert_eq!(
        (r.status, &r.body["message"]),
        (403, &json!("Invalid scope(s) provided."))
    );
    let r = get(&sb, &t, "/students?filter[enrolmentStatus]=applicant").await;
    assert_eq!(r.status, 403);
    // Pages are capped at 50 whatever page[size] asks, without an error.
    let r = get(
        &sb,
        &t,
        "/students?filter[enrolmentStatus]=current&page[size]=100&page[number]=2",
    )
    .await;
    assert_eq!((r.status, len(&r.body)), (200, 50), "{}", r.body);
    assert!(r.body[0]["form"]["year_group"].get("dfe_year").is_none());
    assert!(
        r.body[0]["form"]["year_group"]["code"]
            .as_str()
            .unwrap()
            .starts_with('Y')
    );

    // The leaver is a past student with marks up to their last day and none after.
    let (leaver, day) = super::variant::leaver(&school).unwrap();
    let leaver_id = super::int_id(&leaver);
    let r = get(&sb, &t, "/students?filter[enrolmentStatus]=past").await;
    assert_eq!(len(&r.body), 3, "two old leavers and this term's");
    assert!(
        r.body
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["id"] == leaver_id)
    );
    let r = get(&sb, &t, &format!("/students/{leaver}/attendance")).await;
    let dates: Vec<&str> = r
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["date"].as_str().unwrap())
        .collect();
    assert!(!dates.is_empty());
    assert!(dates.iter().all(|d| *d <= day.to_string().as_str()));
    // Marks name their code by id alone; the retired code is not in the book.
    assert_eq!(r.body[0]["attendance_code"].as_object().unwrap().len(), 1);
    let retired = super::variant::retired_code(&school).unwrap();
    let r = get(&sb, &t, "/attendance/codes").await;
    assert!(
        r.body
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["code"] != json!(retired))
    );

    // The calendar wants all three of its "required" parameters.
    let from = day.checked_sub(jiff::ToSpan::days(3)).unwrap();
    let to = day.checked_add(jiff::ToSpan::days(7)).unwrap();
    let path = format!(
        "/students/{leaver}/timetable/calendar?filter[dateFrom]={from}&filter[dateTo]={to}"
    );
    let r = get(&sb, &t, &path).await;
    assert_eq!(
        (r.status, &r.body["errors"]["filter.date"][0]),
        (422, &json!("The filter.date field is required."))
    );
    let r = get(&sb, &t, &format!("{path}&filter[date]={from}")).await;
    let days = r.body["calendar"].as_array().unwrap();
    assert!(!days.is_empty());
    assert!(
        days.iter()
            .all(|d| d["date"].as_str().unwrap() <= day.to_string().as_str())
    );

    // The leaver's events come only with includePastStudents.
    let theirs = |body: &Value| {
        body.as_array()
            .unwrap()
            .iter()
            .filter(|e| {
                e["students"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|s| s["id"] == leaver_id)
            })
            .count()
    };
    let with = get(
        &sb,
        &t,
        "/pastoral/events?page[size]=50&filter[includePastStudents]=true",
    )
    .await;
    let without = get(&sb, &t, "/pastoral/events?page[size]=50").await;
    assert_eq!(theirs(&without.body), 0);
    let all_theirs = school
        .behaviour
        .iter()
        .filter(|b| b.event.date <= day && b.event.student_ids.contains(&leaver))
        .count();
    if all_theirs > 0 && len(&with.body) < 50 {
        assert!(theirs(&with.body) > 0);
    }
}
