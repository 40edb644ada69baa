//! The ClassCharts emulator over loopback: logins, errors, paging, faults, writes, fixtures.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use jiff::civil::Date;
use mis_core::codes::label_category;
use mis_core::{AttendanceCategory, Session};
use serde_json::{Value, json};

use super::auth::{BAD_CODE, BAD_DOB, BAD_PARENT, NOT_LOGGED_IN};
use super::form::percent_decode;
use super::state::{is_on_roll, pupil_code};
use super::{build, fixtures};
use crate::emulator::{FaultPlan, Stats};
use crate::school::School;
use crate::{EmulatorOptions, Sandbox};

fn school() -> Arc<School> {
    static SCHOOL: OnceLock<Arc<School>> = OnceLock::new();
    SCHOOL
        .get_or_init(|| Arc::new(School::generate(11, 60)))
        .clone()
}

async fn start_with(plan: FaultPlan, time_scale: f64, page: Option<usize>) -> Sandbox {
    let options = EmulatorOptions {
        time_scale,
        default_page_size: page,
    };
    Sandbox::start_with(&super::EMULATOR, school(), plan, options, 0)
        .await
        .expect("the emulator starts")
}

async fn start() -> Sandbox {
    start_with(FaultPlan::none(), 1.0, None).await
}

/// A client that never follows redirects (the web login answers 302).
fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
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

async fn send(req: reqwest::RequestBuilder, session: Option<&str>) -> Reply {
    let req = match session {
        Some(s) => req.header("Authorization", format!("Basic {s}")),
        None => req,
    };
    let r = req.send().await.expect("the request is answered");
    Reply {
        status: r.status().as_u16(),
        headers: r.headers().clone(),
        text: r.text().await.unwrap(),
    }
}

async fn post(sb: &Sandbox, path: &str, form: &str, session: Option<&str>) -> Reply {
    let req = http()
        .post(format!("{}{path}", sb.base_url()))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(form.to_string());
    send(req, session).await
}

async fn get(sb: &Sandbox, path: &str, session: Option<&str>) -> Value {
    let r = send(http().get(format!("{}{path}", sb.base_url())), session).await;
    assert_eq!(r.status, 200, "{path}: {}", r.text);
    r.json()
}

fn enc(s: &str) -> String {
    super::form::percent_encode(s)
}

async fn login_pupil(sb: &Sandbox, p: usize) -> String {
    let s = &school().students[p];
    let form = format!(
        "code={}&dob={}&remember=true&recaptcha-token=no-token-available",
        pupil_code(school().seed, &s.id),
        s.date_of_birth.unwrap()
    );
    let v = post(sb, "/apiv2student/login", &form, None).await.json();
    assert_eq!(v["success"], 1, "{v}");
    v["meta"]["session_id"].as_str().unwrap().to_string()
}

async fn login_parent(sb: &Sandbox) -> String {
    let c = sb.credentials();
    let form = format!(
        "email={}&password={}&remember=true&recaptcha-token=no-token-available",
        enc(c.get("email").unwrap()),
        enc(c.get("password").unwrap())
    );
    let v = post(sb, "/apiv2parent/login", &form, None).await.json();
    assert_eq!(v["success"], 1, "{v}");
    v["meta"]["session_id"].as_str().unwrap().to_string()
}

fn index_of(id: &str) -> usize {
    school().students.iter().position(|s| s.id == id).unwrap()
}

fn credentials_pupil(sb: &Sandbox) -> usize {
    let c = sb.credentials();
    let s = school();
    (0..s.students.len())
        .find(|&i| pupil_code(s.seed, &s.students[i].id) == c.get("code").unwrap())
        .unwrap()
}

fn error_body(message: &str, expired: u8) -> Value {
    json!({ "success": 0, "error": message, "expired": expired, "meta": [] })
}

#[tokio::test]
async fn wrong_credentials_give_the_vendors_own_error_shape() {
    let sb = start().await;
    let c = sb.credentials().clone();
    let code = c.get("code").unwrap();
    let dob = c.get("dob").unwrap();

    let r = post(
        &sb,
        "/apiv2student/login",
        &format!("code=NOPE1234&dob={dob}"),
        None,
    )
    .await;
    assert_eq!((r.status, r.json()), (200, error_body(BAD_CODE, 0)));
    let r = post(
        &sb,
        "/apiv2student/login",
        &format!("code={code}&dob=2001-01-01"),
        None,
    )
    .await;
    assert_eq!((r.status, r.json()), (200, error_body(BAD_DOB, 0)));
    let form = format!("email={}&password=wrong", enc(c.get("email").unwrap()));
    let r = post(&sb, "/apiv2parent/login", &form, None).await;
    assert_eq!((r.status, r.json()), (200, error_body(BAD_PARENT, 0)));

    // The web form answers bad credentials with the page again: 200, HTML, no cookie.
    let r = post(
        &sb,
        "/student/login",
        &format!("_method=POST&code=NOPE&dob={dob}"),
        None,
    )
    .await;
    assert_eq!(r.status, 200);
    assert!(r.headers.get("set-cookie").is_none());
    assert!(
        r.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );

    // No session: not logged in, nothing expired. A bad or foreign session: expired.
    let pupil = &school().students[credentials_pupil(&sb)].id;
    let path = format!("/apiv2student/activity/{pupil}");
    assert_eq!(get(&sb, &path, None).await, error_body(NOT_LOGGED_IN, 0));
    assert_eq!(
        get(&sb, &path, Some("nosuchsession")).await,
        error_body(NOT_LOGGED_IN, 1)
    );
    let parent = login_parent(&sb).await;
    assert_eq!(
        get(&sb, &path, Some(&parent)).await,
        error_body(NOT_LOGGED_IN, 1)
    );
    assert_eq!(Stats::get(&sb.stats().logins), 1);

    // An unknown path is the web server's 404, not JSON.
    let r = send(
        http().get(format!("{}/apiv2student/nothing", sb.base_url())),
        None,
    )
    .await;
    assert_eq!(r.status, 404);
}

#[tokio::test]
async fn both_login_styles_work_and_ping_rotates_the_session() {
    let sb = start().await;
    let c = sb.credentials().clone();
    let me = credentials_pupil(&sb);
    let my_id = school().students[me].id.clone();

    // JSON login, code in lower case and the date as DD/MM/YYYY.
    let dob: Date = c.get("dob").unwrap().parse().unwrap();
    let form = format!(
        "code={}&dob={}&recaptcha-token=no-token-available",
        c.get("code").unwrap().to_lowercase(),
        enc(&dob.strftime("%d/%m/%Y").to_string())
    );
    let v = post(&sb, "/apiv2student/login", &form, None).await.json();
    assert_eq!(v["success"], 1);
    assert_eq!(v["data"]["id"], my_id.parse::<u64>().unwrap());
    assert_eq!(v["meta"]["session_id"].as_str().unwrap().len(), 32);

    // Web form, multipart (as classcharts-rs sends it): 302 and two cookies.
    let body = format!(
        "--b0\r\nContent-Disposition: form-data; name=\"_method\"\r\n\r\nPOST\r\n\
         --b0\r\nContent-Disposition: form-data; name=\"code\"\r\n\r\n{}\r\n\
         --b0\r\nContent-Disposition: form-data; name=\"dob\"\r\n\r\n{}\r\n\
         --b0\r\nContent-Disposition: form-data; name=\"remember_me\"\r\n\r\n1\r\n--b0--\r\n",
        c.get("code").unwrap(),
        dob.strftime("%d/%m/%Y")
    );
    let req = http()
        .post(format!("{}/student/login", sb.base_url()))
        .header("Content-Type", "multipart/form-data; boundary=b0")
        .body(body);
    let r = send(req, None).await;
    assert_eq!(r.status, 302);
    let cookies: Vec<&str> = r
        .headers
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap())
        .collect();
    assert!(cookies.len() >= 2, "{cookies:?}");
    assert!(cookies.iter().any(|c| c.starts_with("cc-session=")));
    // Each has an `expires=` date with a comma: splitting Set-Cookie on "," breaks.
    assert!(
        cookies
            .iter()
            .all(|c| c.contains("expires=") && c.contains(','))
    );
    let credentials = cookies
        .iter()
        .find_map(|c| c.strip_prefix("student_session_credentials="))
        .unwrap();
    let value = credentials.split(';').next().unwrap();
    let decoded: Value = serde_json::from_str(&percent_decode(value)).unwrap();
    assert_eq!(decoded["remember_me"], true);
    let session = decoded["session_id"].as_str().unwrap().to_string();

    // The cookie's session works; /ping hands out a new one, which works too.
    let v = post(
        &sb,
        "/apiv2student/ping",
        "include_data=true",
        Some(&session),
    )
    .await
    .json();
    assert_eq!(v["success"], 1);
    assert_eq!(v["data"]["user"]["id"], my_id.parse::<u64>().unwrap());
    assert!(v["meta"]["version"].is_string());
    let rotated = v["meta"]["session_id"].as_str().unwrap().to_string();
    assert_ne!(rotated, session);
    let classes = get(
        &sb,
        &format!("/apiv2student/classes/{my_id}"),
        Some(&rotated),
    )
    .await;
    assert_eq!(
        (classes["success"].clone(), classes["meta"].clone()),
        (json!(1), json!([]))
    );
    // include_data=false: no new id.
    let v = post(
        &sb,
        "/apiv2student/ping",
        "include_data=false",
        Some(&rotated),
    )
    .await
    .json();
    assert!(v["meta"].get("session_id").is_none());

    // The parent's web form: parent_session_credentials; /pupils lists the two pupils.
    let form = format!(
        "_method=POST&email={}&logintype=existing&password={}&recaptcha-token=no-token-available",
        enc(c.get("email").unwrap()),
        enc(c.get("password").unwrap())
    );
    let r = post(&sb, "/parent/login", &form, None).await;
    assert_eq!(r.status, 302);
    let cookie = r
        .headers
        .get_all("set-cookie")
        .iter()
        .find_map(|v| {
            v.to_str()
                .unwrap()
                .strip_prefix("parent_session_credentials=")
                .map(str::to_string)
        })
        .unwrap();
    let decoded: Value =
        serde_json::from_str(&percent_decode(cookie.split(';').next().unwrap())).unwrap();
    let parent = decoded["session_id"].as_str().unwrap().to_string();
    let pupils = get(&sb, "/apiv2parent/pupils", Some(&parent)).await;
    let ids: Vec<String> = pupils["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].to_string())
        .collect();
    assert_eq!(ids.join(","), c.get("parent_pupil_ids").unwrap());
    assert_eq!(ids.len(), 2);
    assert_eq!(pupils["data"][0]["timezone"], school().time_zone);
    assert_eq!(pupils["meta"], json!([]));
    assert_eq!(
        Stats::get(&sb.stats().logins),
        3,
        "rotations are not logins"
    );

    // Logout ends the session.
    let v = post(&sb, "/apiv2parent/logout", "", Some(&parent))
        .await
        .json();
    assert_eq!(v["success"], 1);
    assert_eq!(
        get(&sb, "/apiv2parent/pupils", Some(&parent)).await["expired"],
        1
    );
}

#[tokio::test]
async fn activity_pages_to_the_end() {
    let sb = start_with(FaultPlan::none(), 1.0, Some(3)).await;
    let s = school();
    // The pupil with the most behaviour points, so that the walk spans several pages.
    let count = |p: usize| {
        s.behaviour
            .iter()
            .filter(|b| b.event.student_ids.contains(&s.students[p].id))
            .count()
    };
    let p = (0..s.students.len())
        .filter(|&p| is_on_roll(&s, p))
        .max_by_key(|&p| count(p))
        .unwrap();
    let expected = count(p);
    assert!(expected > 3, "the walk should span pages ({expected})");
    let session = login_pupil(&sb, p).await;
    let (from, to) = (s.academic_year.start_date, s.academic_year.end_date);
    let mut last: Option<u64> = None;
    let mut seen: Vec<Value> = Vec::new();
    loop {
        let mut path = format!(
            "/apiv2student/activity/{}?from={from}&to={to}",
            s.students[p].id
        );
        if let Some(l) = last {
            path.push_str(&format!("&last_id={l}"));
        }
        let page = get(&sb, &path, Some(&session)).await;
        let items = page["data"].as_array().unwrap().clone();
        if items.is_empty() {
            assert_eq!(page["meta"]["last_id"], false);
            break;
        }
        assert!(items.len() <= 3);
        assert_eq!(page["meta"]["last_id"], items.last().unwrap()["id"]);
        last = items.last().unwrap()["id"].as_u64();
        seen.extend(items);
    }
    assert_eq!(seen.len(), expected);
    let ids: Vec<u64> = seen.iter().map(|v| v["id"].as_u64().unwrap()).collect();
    assert!(ids.windows(2).all(|w| w[0] > w[1]), "newest first: {ids:?}");
    let points: i64 = seen.iter().map(|v| v["score"].as_i64().unwrap()).sum();
    let school_points: i64 = s
        .behaviour
        .iter()
        .filter(|b| b.event.student_ids.contains(&s.students[p].id))
        .map(|b| b.event.points.unwrap())
        .sum();
    assert_eq!(points, school_points);
    assert!(
        seen.iter()
            .all(|v| v["timestamp"].as_str().unwrap().len() == 19)
    );
}

#[tokio::test]
async fn no_published_rate_limit_but_an_injected_429_speaks_classcharts() {
    let sb = start().await;
    let session = login_pupil(&sb, credentials_pupil(&sb)).await;
    for _ in 0..40 {
        let v = get(&sb, "/apiv2student/classes", Some(&session)).await;
        assert_eq!(v["success"], 1);
    }
    assert_eq!(Stats::get(&sb.stats().throttled), 0);

    let plan = FaultPlan {
        rate_429: 1.0,
        retry_after: Duration::from_millis(1500),
        ..FaultPlan::none()
    };
    let sb = start_with(plan, 1.0, None).await;
    let r = post(&sb, "/apiv2student/login", "code=X&dob=2010-01-01", None).await;
    assert_eq!(r.status, 429);
    assert_eq!(r.headers["retry-after"], "2");
    assert_eq!(
        r.json(),
        error_body("Too many requests. Please try again later.", 0)
    );
    assert_eq!(Stats::get(&sb.stats().throttled), 1);
}

#[tokio::test]
async fn sessions_expire_every_n_requests_and_when_idle() {
    let plan = FaultPlan {
        expire_every: Some(3),
        ..FaultPlan::none()
    };
    let sb = start_with(plan, 1.0, None).await;
    let p = credentials_pupil(&sb);
    let session = login_pupil(&sb, p).await;
    let path = "/apiv2student/customfields";
    assert_eq!(get(&sb, path, Some(&session)).await["success"], 1);
    assert_eq!(get(&sb, path, Some(&session)).await["success"], 1);
    assert_eq!(
        get(&sb, path, Some(&session)).await,
        error_body(NOT_LOGGED_IN, 1)
    );
    // The session is gone for good; a new login works again.
    assert_eq!(get(&sb, path, Some(&session)).await["expired"], 1);
    let again = login_pupil(&sb, p).await;
    assert_eq!(get(&sb, path, Some(&again)).await["success"], 1);

    // 5 minutes idle, scaled by 0.002: 0.6 s.
    let sb = start_with(FaultPlan::none(), 0.002, None).await;
    let session = login_pupil(&sb, p).await;
    assert_eq!(get(&sb, path, Some(&session)).await["success"], 1);
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert_eq!(
        get(&sb, path, Some(&session)).await,
        error_body(NOT_LOGGED_IN, 1)
    );
}

#[tokio::test]
async fn writes_are_applied_once_and_visible_on_read() {
    let sb = start().await;
    let s = school();
    let parent = login_parent(&sb).await;
    let kid = sb
        .credentials()
        .get("parent_pupil_ids")
        .unwrap()
        .split(',')
        .next()
        .unwrap()
        .to_string();
    let writes = || Stats::get(&sb.stats().applied_writes);

    // A parent behaviour point: applied once; the repeat hits the daily limit.
    let add = format!("/apiv2parent/addparentbehaviour/{kid}");
    let v = post(&sb, &add, "behaviour_id=436310", Some(&parent))
        .await
        .json();
    assert_eq!(v["success"], 1, "{v}");
    assert_eq!(v["data"][0]["is_daily_limit_reached"], true);
    assert_eq!(writes(), 1);
    let v = post(&sb, &add, "behaviour_id=436310", Some(&parent))
        .await
        .json();
    assert_eq!(
        v,
        error_body(
            "You have reached the daily limit awarding this behaviour",
            0
        )
    );
    assert_eq!(writes(), 1);
    let far = s.academic_year.end_date;
    let activity = get(
        &sb,
        &format!("/apiv2parent/activity/{kid}?to={far}"),
        Some(&parent),
    )
    .await;
    let first = &activity["data"][0];
    assert_eq!(
        (first["reason"].as_str(), first["_can_delete"].as_bool()),
        (Some("Remarkable Reader"), Some(true))
    );
    let behaviour = get(
        &sb,
        &format!("/apiv2parent/behaviour/{kid}?to={far}"),
        Some(&parent),
    )
    .await;
    assert_eq!(
        behaviour["data"]["positive_reasons"]["Remarkable Reader"],
        1
    );

    // Ticking homework toggles the pupil's tick on that status.
    let list = get(&sb, &format!("/apiv2parent/homeworks/{kid}"), Some(&parent)).await;
    let status = list["data"][0]["status"]["id"].as_u64().expect("homework");
    assert_eq!(list["data"][0]["status"]["ticked"], "no");
    let v = get(
        &sb,
        &format!("/apiv2parent/homeworkticked/{status}?studentId={kid}"),
        Some(&parent),
    )
    .await;
    assert_eq!(
        (v["success"].clone(), v["meta"].clone()),
        (json!(1), json!([]))
    );
    assert_eq!(writes(), 2);
    let list = get(&sb, &format!("/apiv2parent/homeworks/{kid}"), Some(&parent)).await;
    assert_eq!(list["data"][0]["status"]["ticked"], "yes");

    // Deleting the point removes it everywhere.
    let del = format!("/apiv2parent/deleteparentbehaviour/{kid}");
    let v = post(&sb, &del, "behaviour_id=436310", Some(&parent))
        .await
        .json();
    assert_eq!(v["success"], 1);
    assert_eq!(writes(), 3);
    let v = post(&sb, &del, "behaviour_id=436310", Some(&parent))
        .await
        .json();
    assert_eq!(v["success"], 0);
    assert_eq!(writes(), 3);

    // A purchase in the reward shop: balance down, count up, once.
    let p = (0..s.students.len())
        .filter(|&p| is_on_roll(&s, p))
        .max_by_key(|&p| {
            s.behaviour
                .iter()
                .filter(|b| b.event.student_ids.contains(&s.students[p].id))
                .map(|b| b.event.points.unwrap().max(0))
                .sum::<i64>()
        })
        .unwrap();
    let student = login_pupil(&sb, p).await;
    let id = &s.students[p].id;
    let before = get(&sb, &format!("/apiv2student/rewards/{id}"), Some(&student)).await;
    let balance = before["meta"]["pupil_score_balance"].as_i64().unwrap();
    assert!(balance >= 3, "{balance}");
    assert_eq!(before["data"][3]["purchased_count"], 0);
    let v = post(
        &sb,
        "/apiv2student/purchase/84564",
        &format!("pupil_id={id}"),
        Some(&student),
    )
    .await
    .json();
    assert_eq!(v["data"]["balance"], balance - 3, "{v}");
    assert_eq!(v["data"]["single_purchase"], "no");
    assert_eq!(writes(), 4);
    let after = get(&sb, &format!("/apiv2student/rewards/{id}"), Some(&student)).await;
    assert_eq!(after["meta"]["pupil_score_balance"], balance - 3);
    assert_eq!(after["data"][3]["purchased_count"], "1");
    // An unknown item is a 500 page, not JSON, and writes nothing.
    let r = post(
        &sb,
        "/apiv2student/purchase/1",
        &format!("pupil_id={id}"),
        Some(&student),
    )
    .await;
    assert_eq!(r.status, 500);
    assert!(serde_json::from_str::<Value>(&r.text).is_err());
    assert_eq!(writes(), 4);

    // The parent's password change: the old password stops working.
    let c = sb.credentials().clone();
    let old = c.get("password").unwrap();
    let form = format!("current={}&new=NewPassw0rd&repeat=NewPassw0rd", enc(old));
    let v = post(&sb, "/apiv2parent/password", &form, Some(&parent))
        .await
        .json();
    assert_eq!(v["success"], 1, "{v}");
    assert_eq!(writes(), 5);
    let form = format!(
        "email={}&password={}",
        enc(c.get("email").unwrap()),
        enc(old)
    );
    assert_eq!(
        post(&sb, "/apiv2parent/login", &form, None).await.json()["success"],
        0
    );
    let form = format!(
        "email={}&password=NewPassw0rd",
        enc(c.get("email").unwrap())
    );
    assert_eq!(
        post(&sb, "/apiv2parent/login", &form, None).await.json()["success"],
        1
    );
}

#[tokio::test]
async fn a_parent_sees_only_their_pupils_and_a_student_only_themself() {
    let sb = start().await;
    let s = school();
    let parent = login_parent(&sb).await;
    let c = sb.credentials().clone();
    let mine: Vec<&str> = c.get("parent_pupil_ids").unwrap().split(',').collect();
    let other = s
        .students
        .iter()
        .find(|st| !mine.contains(&st.id.as_str()))
        .unwrap();
    let denied = error_body("You do not have permission to access this pupil", 0);
    let path = format!("/apiv2parent/attendance/{}", other.id);
    assert_eq!(get(&sb, &path, Some(&parent)).await, denied);
    assert_eq!(
        get(&sb, "/apiv2parent/attendance", Some(&parent)).await,
        denied
    );
    let student = login_pupil(&sb, index_of(mine[0])).await;
    let path = format!("/apiv2student/timetable/{}", other.id);
    assert_eq!(get(&sb, &path, Some(&student)).await, denied);
    // Bad dates are the vendor's error too.
    let path = format!("/apiv2student/attendance/{}?from=yesterday", mine[0]);
    assert_eq!(
        get(&sb, &path, Some(&student)).await,
        error_body("Invalid date provided", 0)
    );
}

#[tokio::test]
async fn attendance_carries_every_mark_with_its_dfe_code_and_a_consistent_status() {
    let sb = start().await;
    let s = school();
    let p = credentials_pupil(&sb);
    let id = s.students[p].id.clone();
    let session = login_pupil(&sb, p).await;
    let range = s.attendance_range.unwrap();
    let v = get(
        &sb,
        &format!(
            "/apiv2student/attendance/{id}?from={}&to={}",
            range.from(),
            range.to()
        ),
        Some(&session),
    )
    .await;
    assert!(v["meta"]["percentage"].is_string());
    assert!(v["meta"]["percentage_singe_august"].is_string());
    assert_eq!(v["meta"]["sessions"][0], "AM");
    let data = v["data"].as_object().unwrap();
    let mut sessions = 0;
    for m in s.session_marks.iter().filter(|m| m.student_id == id) {
        let key = if m.session == Some(Session::Am) {
            "AM"
        } else {
            "PM"
        };
        let entry = &data[&m.date.to_string()][key];
        assert_eq!(entry["code"], m.code.as_str());
        assert!(entry["late_minutes"].is_u64());
        let status = entry["status"].as_str().unwrap();
        // The label never contradicts the code (mis-core's label rules); AEA has no label of
        // its own.
        if let Some(by_label) = label_category(status) {
            let same = by_label.category == m.category
                || (m.category == AttendanceCategory::ApprovedEducationalActivity
                    && by_label.category == AttendanceCategory::Present);
            assert!(same, "{} → {status}", m.code);
            assert_eq!(
                by_label.late,
                m.late && m.category == AttendanceCategory::Present
            );
        }
        sessions += 1;
    }
    assert!(sessions > 0);
    let lesson_marks: Vec<_> = s
        .lesson_marks
        .iter()
        .filter(|m| m.student_id == id)
        .collect();
    assert!(!lesson_marks.is_empty());
    for m in lesson_marks {
        let entry = &data[&m.date.to_string()][m.period.as_deref().unwrap()];
        assert_eq!(entry["code"], m.code.as_str());
        assert!(entry["lesson_name"].is_string());
    }
    let entries: usize = data.values().map(|d| d.as_object().unwrap().len()).sum();
    let expected = s
        .session_marks
        .iter()
        .filter(|m| m.student_id == id)
        .count()
        + s.lesson_marks.iter().filter(|m| m.student_id == id).count();
    assert_eq!(entries, expected);
}

#[tokio::test]
async fn the_timetable_is_the_schools_and_matches_the_fixture() {
    let sb = start().await;
    let s = school();
    let p = credentials_pupil(&sb);
    let id = s.students[p].id.clone();
    let session = login_pupil(&sb, p).await;
    let days: Vec<Date> = s.calendar.days.iter().take(10).map(|d| d.date).collect();
    for date in &days {
        let v = get(
            &sb,
            &format!("/apiv2student/timetable/{id}?date={date}"),
            Some(&session),
        )
        .await;
        let got: Vec<String> = v["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| {
                School::lesson_id(
                    l["lesson_name"].as_str().unwrap(),
                    *date,
                    l["period_number"].as_str().unwrap(),
                )
            })
            .collect();
        let want: Vec<String> = s
            .lessons_for_student(&id, *date, *date)
            .into_iter()
            .map(|l| l.id)
            .collect();
        assert_eq!(got, want, "{date}");
        assert!(v["data"][0]["teacher_id"].is_string());
    }
    // The fixture is what the handler serves for the same request.
    let fixture = fixtures(&s)
        .into_iter()
        .find(|f| f.name == "timetable")
        .unwrap();
    let served = get(
        &sb,
        &format!("/apiv2student/timetable/{id}?date={}", days[0]),
        Some(&session),
    )
    .await;
    assert_eq!(fixture.body, served);
}

#[test]
fn fixtures_are_deterministic_and_non_empty() {
    let s = school();
    let a = fixtures(&s);
    assert_eq!(a, fixtures(&s));
    let mut names: Vec<&str> = a.iter().map(|f| f.name.as_str()).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), a.len(), "unique names");
    for f in &a {
        let body = &f.body;
        if f.name.starts_with("error_") {
            assert_eq!(body["success"], 0, "{}", f.name);
            continue;
        }
        assert_eq!(body["success"], 1, "{}: {body}", f.name);
        let data = &body["data"];
        let empty = data.as_array().is_some_and(Vec::is_empty)
            || data.as_object().is_some_and(|o| o.is_empty());
        assert_eq!(empty, f.name == "activity_end", "{}: {data}", f.name);
    }
    // Every fixture serialises to the same bytes twice.
    let bytes = |fs: &[crate::Fixture]| {
        fs.iter()
            .map(|f| serde_json::to_string(&f.body).unwrap())
            .collect::<Vec<_>>()
    };
    assert_eq!(bytes(&a), bytes(&fixtures(&s)));
}

#[test]
fn credentials_are_derived_from_the_seed() {
    let ctx = |school: Arc<School>| crate::EmulatorContext {
        school,
        options: EmulatorOptions::default(),
        faults: Arc::new(crate::emulator::Faults::new(FaultPlan::none())),
        stats: Arc::new(Stats::default()),
    };
    let a = build(&ctx(school())).credentials;
    let b = build(&ctx(school())).credentials;
    assert_eq!(a, b);
    for name in ["code", "dob", "email", "password", "parent_pupil_ids"] {
        assert!(!a.get(name).unwrap_or_default().is_empty(), "{name}");
    }
    let other = build(&ctx(Arc::new(School::generate(12, 60)))).credentials;
    assert_ne!(a.get("code"), other.get("code"));
}

/// `FaultPlan::degraded()`: the parent also sees the two pupils the record faults touch; the
/// `/pupils` record of one has a name of the wrong JSON type (id intact); the other's
/// activity answers the vendor's "not found" envelope and its timetable the "permission"
/// one (module hidden: `display_timetable: false`, registers without lesson names). Every
/// other answer is the clean one.
#[tokio::test]
async fn record_faults_touch_only_their_pupils() {
    use crate::emulator::RecordFaults;

    let s = school();
    let malformed = &s.students[RecordFaults::MALFORMED_STUDENT];
    let missing = &s.students[RecordFaults::MISSING_STUDENT];
    let clean = start().await;
    let sb = start_with(FaultPlan::degraded(), 1.0, None).await;
    let c = sb.credentials().clone();
    let mine: Vec<&str> = c.get("parent_pupil_ids").unwrap().split(',').collect();
    assert!(mine.len() >= 5, "{mine:?}");
    assert!(mine.contains(&malformed.id.as_str()) && mine.contains(&missing.id.as_str()));
    let healthy = mine[0];
    assert!(healthy != malformed.id && healthy != missing.id);
    let clean_parent = login_parent(&clean).await;
    let parent = login_parent(&sb).await;

    let pupils = get(&sb, "/apiv2parent/pupils", Some(&parent)).await;
    let list = pupils["data"].as_array().unwrap();
    assert_eq!(list.len(), mine.len());
    for p in list {
        let id = p["id"].to_string();
        if id == malformed.id {
            assert_eq!(p["first_name"], json!([malformed.first_name]));
        } else {
            assert!(p["first_name"].is_string(), "{p}");
        }
        let hidden = id == missing.id;
        assert_eq!(p["display_timetable"], json!(!hidden), "{id}");
    }

    let range = s.lesson_mark_range.unwrap();
    let day = range.from();
    let q = format!("?from={}&to={}", range.from(), range.to());
    let activity = get(
        &sb,
        &format!("/apiv2parent/activity/{}", missing.id),
        Some(&parent),
    )
    .await;
    assert_eq!(activity, error_body("Activity not found for this pupil", 0));
    let timetable = get(
        &sb,
        &format!("/apiv2parent/timetable/{}?date={day}", missing.id),
        Some(&parent),
    )
    .await;
    assert_eq!(
        timetable,
        error_body(
            "You do not have permission to view this pupil's timetable",
            0
        )
    );
    let marks = get(
        &sb,
        &format!("/apiv2parent/attendance/{}{q}", missing.id),
        Some(&parent),
    )
    .await;
    let lesson_marks: Vec<&Value> = marks["data"]
        .as_object()
        .unwrap()
        .values()
        .flat_map(|d| d.as_object().unwrap().iter())
        .filter(|(k, _)| *k != "AM" && *k != "PM")
        .map(|(_, m)| m)
        .collect();
    assert!(!lesson_marks.is_empty());
    assert!(lesson_marks.iter().all(|m| m.get("lesson_name").is_none()));

    // The healthy pupil's answers are the clean emulator's.
    for path in [
        format!("/apiv2parent/activity/{healthy}"),
        format!("/apiv2parent/timetable/{healthy}?date={day}"),
        format!("/apiv2parent/attendance/{healthy}{q}"),
    ] {
        assert_eq!(
            get(&sb, &path, Some(&parent)).await,
            get(&clean, &path, Some(&clean_parent)).await,
            "{path}"
        );
    }
}

/// The onboarding faults (module docs, "Onboarding faults"): the homework module off for
/// every pupil (flag and refusal), the school's own code on its first pupil's morning
/// registers, no `timezone` on the parent's pupils. With the faults off, none of it.
#[tokio::test]
async fn onboarding_faults_are_the_vendors_own_shapes_and_off_by_default() {
    use crate::emulator::OnboardingFaults;

    let s = school();
    let first = (0..s.students.len()).find(|&i| is_on_roll(&s, i)).unwrap();
    let id = s.students[first].id.clone();
    let day = s
        .session_marks
        .iter()
        .find(|m| m.student_id == id)
        .map(|m| m.date)
        .unwrap();
    let plan = FaultPlan {
        onboarding: OnboardingFaults::all(),
        ..FaultPlan::none()
    };
    for faulty in [false, true] {
        let sb = start_with(
            if faulty {
                plan.clone()
            } else {
                FaultPlan::none()
            },
            1.0,
            None,
        )
        .await;
        assert_eq!(
            credentials_pupil(&sb),
            first,
            "the published login is the first"
        );
        let session = login_pupil(&sb, first).await;
        let ping = post(
            &sb,
            "/apiv2student/ping",
            "include_data=false",
            Some(&session),
        )
        .await
        .json();
        assert_eq!(ping["data"]["user"]["display_homework"], !faulty);
        let homework = get(
            &sb,
            &format!("/apiv2student/homeworks/{id}"),
            Some(&session),
        )
        .await;
        if faulty {
            assert_eq!(
                homework,
                error_body(
                    "You do not have permission to view this pupil's homework",
                    0
                )
            );
        } else {
            assert_eq!(homework["success"], 1);
        }
        let marks = get(
            &sb,
            &format!("/apiv2student/attendance/{id}?from={day}&to={day}"),
            Some(&session),
        )
        .await;
        let am = &marks["data"][day.to_string()]["AM"];
        if faulty {
            assert_eq!(am["code"], OnboardingFaults::SCHOOL_CODE, "{am}");
            assert!(am.get("status").is_none(), "{am}");
        } else {
            assert_ne!(am["code"], OnboardingFaults::SCHOOL_CODE, "{am}");
            assert!(am["status"].is_string(), "{am}");
        }
        // The PM register and other pupils keep their DfE codes.
        assert!(marks["data"][day.to_string()]["PM"]["status"].is_string());

        let parent = login_parent(&sb).await;
        let pupils = get(&sb, "/apiv2parent/pupils", Some(&parent)).await;
        for p in pupils["data"].as_array().unwrap() {
            assert_eq!(p.get("timezone").is_none(), faulty, "{p}");
            assert_eq!(p["display_homework"], !faulty);
        }
    }
}
