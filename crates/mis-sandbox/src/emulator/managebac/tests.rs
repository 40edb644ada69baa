//! Tests of the ManageBac emulator, over loopback HTTP with scaled-down time.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use mis_core::codes::label_category;
use mis_core::{AttendanceCategory, AttendanceMark, Session, Slot};
use serde_json::{Value, json};

use super::render::{CATEGORIES, category, status_for};
use super::*;
use crate::emulator::{Core, FaultPlan, Faults, Running, Stats, serve, with_faults};
use crate::school::{RecordRange, SchoolOptions};
use crate::{EmulatorOptions, Sandbox};

fn school() -> Arc<School> {
    static SCHOOL: OnceLock<Arc<School>> = OnceLock::new();
    SCHOOL
        .get_or_init(|| Arc::new(School::generate(7, 60)))
        .clone()
}

/// Windows so short that sequential test requests never meet the quota.
fn fast() -> EmulatorOptions {
    EmulatorOptions {
        time_scale: 1e-4,
        ..EmulatorOptions::default()
    }
}

struct Client {
    base: String,
    token: String,
    http: reqwest::Client,
}

struct Answer {
    status: u16,
    headers: reqwest::header::HeaderMap,
    body: Value,
}

impl Client {
    fn of(sandbox: &Sandbox) -> Client {
        Client::at(
            sandbox.base_url(),
            sandbox.credentials().get("token").unwrap_or_default(),
        )
    }

    fn at(base: String, token: &str) -> Client {
        Client {
            base,
            token: token.to_string(),
            http: reqwest::Client::new(),
        }
    }

    async fn send(&self, req: reqwest::RequestBuilder) -> Answer {
        let r = req.send().await.expect("request");
        let status = r.status().as_u16();
        let headers = r.headers().clone();
        let text = r.text().await.expect("body");
        let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
        Answer {
            status,
            headers,
            body,
        }
    }

    async fn get(&self, path: &str) -> Answer {
        let req = self
            .http
            .get(format!("{}{path}", self.base))
            .header("auth-token", &self.token);
        self.send(req).await
    }

    async fn put(&self, path: &str, body: Value) -> Answer {
        self.write(reqwest::Method::PUT, path, body).await
    }

    async fn write(&self, method: reqwest::Method, path: &str, body: Value) -> Answer {
        let req = self
            .http
            .request(method, format!("{}{path}", self.base))
            .header("auth-token", &self.token)
            .header("content-type", "application/json")
            .body(body.to_string());
        self.send(req).await
    }
}

async fn start(faults: FaultPlan, options: EmulatorOptions) -> Sandbox {
    Sandbox::start_with(&super::EMULATOR, school(), faults, options, 0)
        .await
        .expect("the ManageBac emulator starts")
}

/// An emulator built with explicit [`Config`], served like the sandbox serves it.
async fn start_with_config(config: Config) -> (Running, String) {
    let faults = Arc::new(Faults::new(FaultPlan::none()));
    let stats = Arc::new(Stats::default());
    let ctx = EmulatorContext {
        school: school(),
        options: fast(),
        faults: faults.clone(),
        stats: stats.clone(),
    };
    let emulator = build_with(&ctx, config);
    let token = emulator
        .credentials
        .get("token")
        .unwrap_or_default()
        .to_string();
    let core = Core {
        faults,
        stats,
        throttle: emulator.throttle,
    };
    let running = serve(with_faults(emulator.router, core), 0)
        .await
        .expect("serves");
    (running, token)
}

fn first_day(s: &School) -> jiff::civil::Date {
    let r = s.attendance_range.expect("the default school has records");
    s.calendar.days_between(r.from(), r.to())[0].date
}

fn applied(sandbox: &Sandbox) -> u64 {
    Stats::get(&sandbox.stats().applied_writes)
}

#[tokio::test]
async fn wrong_or_missing_credentials_get_access_denied() {
    let sb = start(FaultPlan::none(), fast()).await;
    let good = Client::of(&sb);
    let denied = json!({ "error": "Access Denied" });

    let wrong = Client::at(sb.base_url(), "not-the-token");
    let a = wrong.get("/v2p1/school").await;
    assert_eq!((a.status, &a.body), (401, &denied));

    let none = good
        .send(good.http.get(format!("{}/v2p1/students", sb.base_url())))
        .await;
    assert_eq!((none.status, &none.body), (401, &denied));

    // A bearer token is v2p3 OAuth, not v2p1.
    let bearer = good
        .send(
            good.http
                .get(format!("{}/v2p1/school", sb.base_url()))
                .bearer_auth(&good.token),
        )
        .await;
    assert_eq!(bearer.status, 401);

    // The header and the query parameter both work, on /v2p1 and /v2.
    assert_eq!(good.get("/v2p1/school").await.status, 200);
    assert_eq!(good.get("/v2/school").await.status, 200);
    let query = good
        .send(good.http.get(format!(
            "{}/v2p1/school?auth_token={}",
            sb.base_url(),
            good.token
        )))
        .await;
    assert_eq!(query.status, 200);
    assert_eq!(query.body["school"]["name"], school().name);
    assert_eq!(
        Stats::get(&sb.stats().logins),
        0,
        "static tokens: no logins"
    );
}

#[tokio::test]
async fn pages_are_driven_by_meta_and_cover_every_student() {
    let sb = start(FaultPlan::none(), fast()).await;
    let c = Client::of(&sb);
    let s = school();
    for per_page in [7, 200] {
        let mut seen = BTreeSet::new();
        let mut page = 1;
        loop {
            let a = c
                .get(&format!("/v2p1/students?page={page}&per_page={per_page}"))
                .await;
            assert_eq!(a.status, 200);
            let meta = &a.body["meta"];
            let rows = a.body["students"].as_array().expect("students").clone();
            // Fewer rows than asked: 200 is served as 100, and meta says so.
            let served = per_page.min(100);
            assert_eq!(meta["per_page"], served);
            assert!(rows.len() <= served);
            assert_eq!(meta["total_count"], s.students.len());
            assert_eq!(meta["current_page"], page);
            for r in rows {
                assert!(seen.insert(r["id"].as_u64().expect("integer id")));
            }
            if page >= meta["total_pages"].as_u64().expect("total_pages") {
                break;
            }
            page += 1;
        }
        assert_eq!(seen.len(), s.students.len(), "per_page={per_page}");
    }
    // Past the end: an empty page, not an error.
    let past = c.get("/v2p1/students?page=99").await;
    assert_eq!(past.status, 200);
    assert_eq!(past.body["students"], json!([]));

    // The default page size comes from the options when the client sends none.
    let small = start(
        FaultPlan::none(),
        EmulatorOptions {
            default_page_size: Some(25),
            ..fast()
        },
    )
    .await;
    let a = Client::of(&small).get("/v2p1/students").await;
    assert_eq!(a.body["meta"]["per_page"], 25);
    assert_eq!(a.body["meta"]["total_pages"], s.students.len().div_ceil(25));
}

#[tokio::test]
async fn the_quota_answers_429_with_the_vendor_headers() {
    // A 0.5 s window: ten quick requests fit in it, the eleventh does not.
    let sb = start(
        FaultPlan::none(),
        EmulatorOptions {
            time_scale: 0.5,
            ..EmulatorOptions::default()
        },
    )
    .await;
    let c = Client::of(&sb);
    // The quota is per IP across endpoints, counted before the token is checked.
    let anonymous = Client::at(sb.base_url(), "wrong");
    assert_eq!(anonymous.get("/v2p1/ping").await.status, 401);
    for _ in 0..9 {
        assert_eq!(c.get("/v2p1/ping").await.status, 200);
    }
    let a = c.get("/v2p1/school").await;
    assert_eq!(a.status, 429);
    assert_eq!(a.headers["x-ratelimit-limit"], "10");
    assert_eq!(a.headers["x-ratelimit-period"], "1");
    let reset = a.headers["x-ratelimit-reset"].to_str().expect("ascii");
    assert!(is_reset_format(reset), "{reset}");
    assert!(a.headers.get("retry-after").is_none());
    assert_eq!(Stats::get(&sb.stats().throttled), 1);

    tokio::time::sleep(Duration::from_millis(520)).await;
    assert_eq!(c.get("/v2p1/school").await.status, 200);
}

fn is_reset_format(s: &str) -> bool {
    // `2021-10-28 01:29:40 UTC`
    let b = s.as_bytes();
    s.len() == 23
        && s.ends_with(" UTC")
        && b.iter().enumerate().all(|(i, c)| match i {
            4 | 7 => *c == b'-',
            10 => *c == b' ',
            13 | 16 => *c == b':',
            19.. => true,
            _ => c.is_ascii_digit(),
        })
}

#[test]
fn the_reset_time_is_rounded_up_to_a_whole_second() {
    let now: jiff::Timestamp = "2021-10-28T01:29:39.250Z".parse().expect("timestamp");
    assert_eq!(
        auth::reset_at(now, Duration::from_millis(500)),
        "2021-10-28 01:29:40 UTC"
    );
    assert_eq!(
        auth::reset_at(now, Duration::from_millis(750)),
        "2021-10-28 01:29:40 UTC"
    );
    assert_eq!(
        auth::reset_at(now, Duration::from_millis(760)),
        "2021-10-28 01:29:41 UTC"
    );
}

#[tokio::test]
async fn an_injected_throttle_is_the_vendor_429() {
    let sb = start(
        FaultPlan {
            rate_429: 1.0,
            retry_after: Duration::from_secs(2),
            ..FaultPlan::none()
        },
        fast(),
    )
    .await;
    let a = Client::of(&sb).get("/v2p1/students").await;
    assert_eq!(a.status, 429);
    assert_eq!(a.headers["x-ratelimit-limit"], "10");
    assert!(is_reset_format(
        a.headers["x-ratelimit-reset"].to_str().expect("ascii")
    ));
    assert_eq!(Stats::get(&sb.stats().throttled), 1);
}

#[tokio::test]
async fn an_expiring_token_is_refused_once_every_n_requests() {
    let sb = start(
        FaultPlan {
            expire_every: Some(3),
            ..FaultPlan::none()
        },
        fast(),
    )
    .await;
    let c = Client::of(&sb);
    let mut got = Vec::new();
    for _ in 0..7 {
        let a = c.get("/v2p1/ping").await;
        if a.status == 401 {
            assert_eq!(a.body, json!({ "error": "Access Denied" }));
        }
        got.push(a.status);
    }
    // The third and sixth are refused; the replay after each works with the same token.
    assert_eq!(got, [200, 200, 401, 200, 200, 401, 200]);
}

#[tokio::test]
async fn set_homeroom_attendance_is_applied_once_and_read_back() {
    let sb = start(FaultPlan::none(), fast()).await;
    let c = Client::of(&sb);
    let s = school();
    let student = &s.students[0];
    let date = first_day(&s).to_string();
    let year =
        c.get(&format!("/v2p1/students/{}", student.id)).await.body["student"]["year_group_id"]
            .clone();
    let read = || async {
        let a = c
            .get(&format!(
                "/v2p1/year-groups/{year}/homeroom/attendance/date/{date}?student_ids={}",
                student.id
            ))
            .await;
        a.body["students"].as_array().expect("students").clone()
    };

    let path = format!("/v2p1/students/{}/set_homeroom_attendance", student.id);
    let body =
        json!({ "id": num(&student.id), "date": date, "status": 3, "notes": "Family wedding" });
    let a = c.put(&path, body).await;
    assert_eq!((a.status, &a.body), (200, &json!({ "status": "ok" })));
    assert_eq!(applied(&sb), 1);
    assert_eq!(
        read().await,
        [json!({ "id": num(&student.id), "attendance": {
            "status": "Excused", "note": "Family wedding", "category": { "status": 3 } } })]
    );

    // The same key again replaces the record: still one record, now Field Trip.
    let again = c
        .put(&path, json!({ "date": date, "status": "4", "notes": "" }))
        .await;
    assert_eq!(again.status, 200);
    assert_eq!(applied(&sb), 2);
    let rows = read().await;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["attendance"]["status"], "Field Trip");

    // Refused writes are not applied.
    let bad = c.put(&path, json!({ "date": date, "status": 9 })).await;
    assert_eq!(
        (bad.status, &bad.body),
        (
            422,
            &json!({ "errors": { "status": ["is not included in the list"] } })
        )
    );
    let blank = c.put(&path, json!({ "status": 1 })).await;
    assert_eq!(
        blank.body,
        json!({ "errors": { "date": ["can't be blank"] } })
    );
    let garbage = c.put(&path, json!([1, 2])).await;
    assert_eq!(
        (garbage.status, &garbage.body),
        (400, &json!({ "error": "Invalid payload data structure." }))
    );
    let nobody = c
        .put(
            "/v2p1/students/99999/set_homeroom_attendance",
            json!({ "date": date, "status": 1 }),
        )
        .await;
    assert_eq!(
        (nobody.status, &nobody.body),
        (
            404,
            &json!({ "error": "Couldn't find Student with 'id'=99999" })
        )
    );
    assert_eq!(applied(&sb), 2);
}

#[tokio::test]
async fn class_attendance_updates_apply_entry_by_entry() {
    let sb = start(FaultPlan::none(), fast()).await;
    let c = Client::of(&sb);
    let s = school();
    let class = s
        .groups_of(mis_core::GroupKind::Teaching)
        .next()
        .expect("a class");
    let member = num(&class.student_ids[0]);
    let date = first_day(&s).to_string();
    let a = c
        .put(
            &format!("/v2p1/classes/{}/attendance", class.id),
            json!({ "attendances": [
                { "student_id": member, "date": date, "period": 2, "status": 0, "notes": "Truant" },
                { "student_id": 1, "date": date, "period": 2, "status": 0 },
                { "student_id": member, "date": "1999-01-01", "period": 2, "status": 0 },
                { "student_id": member, "date": date, "period": 9, "status": 0 },
            ] }),
        )
        .await;
    assert_eq!(a.status, 200);
    let results = a.body["attendance"].as_array().expect("results");
    let statuses: Vec<&str> = results
        .iter()
        .map(|r| r["status"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(
        statuses,
        [
            "ok",
            "not_found",
            "unprocessable_entity",
            "unprocessable_entity"
        ]
    );
    assert_eq!(
        results[3]["errors"]["period"][0],
        "must be in [1, 2, 3, 4, 5]"
    );
    assert_eq!(applied(&sb), 1);
    let read = c
        .get(&format!(
            "/v2p1/classes/{}/attendance/date/{date}?student_ids[]={member}",
            class.id
        ))
        .await;
    assert_eq!(
        read.body["students"][0]["attendance"]["2"],
        json!({ "status": "Absent", "note": "Truant", "category": { "status": 0 } })
    );
}

#[tokio::test]
async fn excusals_are_created_once_and_listed() {
    let sb = start(FaultPlan::none(), fast()).await;
    let c = Client::of(&sb);
    let s = school();
    let student = num(&s.students[3].id);
    let after = s.attendance_range.expect("records").to();
    let day = |n: i64| {
        after
            .checked_add(jiff::Span::new().days(n))
            .expect("date")
            .to_string()
    };
    let path = format!("/v2p1/students/{student}/excusals");
    let body = json!({ "excusal": {
        "parent_id": parent_of(student), "start_date": day(7), "end_date": day(9), "comment": "Family event" } });
    let a = c.write(reqwest::Method::POST, &path, body.clone()).await;
    assert_eq!(a.status, 201);
    assert_eq!(a.body["excusal"]["duration"], 3);
    assert_eq!(applied(&sb), 1);
    let id = a.body["excusal"]["id"].as_u64().expect("id");

    // A replayed POST overlaps the first one: 422, nothing applied.
    let replay = c.write(reqwest::Method::POST, &path, body).await;
    assert_eq!(replay.status, 422);
    assert!(
        replay.body["errors"]["duration"][0]
            .as_str()
            .is_some_and(|m| m.contains("overlaps"))
    );
    let stranger = c
        .write(
            reqwest::Method::POST,
            &path,
            json!({ "excusal": { "parent_id": 1, "start_date": day(20) } }),
        )
        .await;
    assert_eq!(stranger.status, 422);
    assert!(stranger.body["errors"]["parent_id"].is_array());
    let long = c
        .write(
            reqwest::Method::POST,
            &path,
            json!({ "excusal": { "parent_id": parent_of(student), "start_date": day(30), "end_date": day(45) } }),
        )
        .await;
    assert_eq!(long.status, 422);
    assert_eq!(applied(&sb), 1);

    let listed = c.get(&format!("{path}?applies_on={}", day(8))).await;
    assert_eq!(listed.body["excusals"][0]["id"], id);
    let by_date = c
        .get(&format!(
            "/v2p1/students/excusals/{}?student_ids={student}",
            day(9)
        ))
        .await;
    assert_eq!(by_date.body["meta"]["total_count"], 1);

    let gone = c
        .write(reqwest::Method::DELETE, &format!("{path}/{id}"), json!({}))
        .await;
    assert_eq!(gone.status, 200);
    assert_eq!(applied(&sb), 2);
    let after_delete = c.get(&format!("{path}?applies_on={}", day(8))).await;
    assert_eq!(after_delete.body["excusals"], json!([]));
}

#[tokio::test]
async fn period_numbering_does_not_change_the_marks() {
    let s = school();
    let (from_one, t1) = start_with_config(Config::default()).await;
    let (from_zero, t0) = start_with_config(Config {
        period_starts_count_from: 0,
    })
    .await;
    let one = Client::at(from_one.base_url(), &t1);
    let zero = Client::at(from_zero.base_url(), &t0);
    let index = state::Index::new(&s);
    // A few (class, date) pairs with lesson marks.
    let pairs: Vec<(u64, jiff::civil::Date)> = index
        .class_marks
        .keys()
        .step_by(97)
        .take(4)
        .copied()
        .collect();
    assert!(!pairs.is_empty());

    /// Period (from 1) → record, per student, from a v2p1 response.
    fn normalised(body: &Value) -> BTreeMap<(u64, i64), Value> {
        let offset = body["timetable"]["period_offset"].as_i64().expect("offset");
        let mut out = BTreeMap::new();
        for s in body["students"].as_array().expect("students") {
            for (key, record) in s["attendance"].as_object().expect("sparse object") {
                let key: i64 = key.parse().expect("period number as a string");
                out.insert(
                    (s["id"].as_u64().expect("id"), key - offset),
                    record.clone(),
                );
            }
        }
        out
    }

    for (class, date) in pairs {
        let path = format!("/v2p1/classes/{class}/attendance/date/{date}");
        let a = one.get(&path).await;
        let b = zero.get(&path).await;
        assert_eq!(
            a.body["timetable"],
            json!({ "period_starts_count_from": 1, "period_offset": 0 })
        );
        assert_eq!(
            b.body["timetable"],
            json!({ "period_starts_count_from": 0, "period_offset": -1 })
        );
        let (na, nb) = (normalised(&a.body), normalised(&b.body));
        assert!(!na.is_empty());
        assert_eq!(na, nb, "class {class} on {date}");
        // Raw keys differ: period 1 is "1" in one school and "0" in the other.
        assert_ne!(a.body["students"], b.body["students"]);

        let slots = |body: &Value| -> Vec<(u64, i64)> {
            let base = i64::from(body["timetable"]["period_starts_count_from"] == 0);
            body["timetable"]["academic_years"][0]["slots"]
                .as_array()
                .expect("slots")
                .iter()
                .map(|s| {
                    (
                        s["day"].as_u64().expect("day"),
                        s["period"].as_i64().expect("period") + base,
                    )
                })
                .collect()
        };
        let path = format!("/v2p1/classes/{class}/timetable");
        assert_eq!(
            slots(&one.get(&path).await.body),
            slots(&zero.get(&path).await.body)
        );
    }
}

#[tokio::test]
async fn homeroom_and_class_attendance_render_the_school_marks() {
    let sb = start(FaultPlan::none(), fast()).await;
    let c = Client::of(&sb);
    let s = school();
    let date = first_day(&s);
    for year in s.groups_of(mis_core::GroupKind::Year) {
        let a = c
            .get(&format!(
                "/v2p1/year-groups/{}/homeroom/attendance/date/{date}",
                year.id
            ))
            .await;
        let got: BTreeMap<u64, i64> = a.body["students"]
            .as_array()
            .expect("students")
            .iter()
            .map(|r| {
                (
                    r["id"].as_u64().expect("id"),
                    r["attendance"]["category"]["status"]
                        .as_i64()
                        .expect("status"),
                )
            })
            .collect();
        let want: BTreeMap<u64, i64> = s
            .session_marks
            .iter()
            .filter(|m| m.date == date && m.session == Some(Session::Am))
            .filter(|m| year.student_ids.contains(&m.student_id))
            .filter_map(|m| Some((num(&m.student_id), status_for(m)?)))
            .collect();
        assert_eq!(got, want, "year group {}", year.name);
    }

    // Class attendance on one date: every lesson mark with a status, under its period.
    let index = state::Index::new(&s);
    let (&(class, day), marks) = index.class_marks.iter().next().expect("lesson marks");
    let a = c
        .get(&format!("/v2p1/classes/{class}/attendance/date/{day}"))
        .await;
    let mut got = 0;
    for st in a.body["students"].as_array().expect("students") {
        got += st["attendance"].as_object().expect("object").len();
    }
    let want = marks
        .iter()
        .filter(|(_, _, i)| status_for(&s.lesson_marks[*i]).is_some())
        .count();
    assert_eq!(got, want);
    // A weekend has no records, but the members are listed.
    let sunday = day
        .checked_add(jiff::Span::new().days(7 - i64::from(day.weekday().to_monday_one_offset())))
        .expect("date");
    let weekend = c
        .get(&format!("/v2p1/classes/{class}/attendance/date/{sunday}"))
        .await;
    assert!(
        weekend.body["students"]
            .as_array()
            .expect("students")
            .iter()
            .all(|st| st["attendance"] == json!({}))
    );
}

/// Every mark of a code book, as the school would write it on `date`.
fn book_marks(s: &School) -> Vec<AttendanceMark> {
    let date = s.academic_year.start_date;
    s.attendance_codes
        .iter()
        .map(|c| {
            AttendanceMark::new(
                s.provider.as_str(),
                "1001",
                date,
                Slot::Session,
                c.code.as_str(),
                c.category,
            )
            .with_session(Session::Am)
            .with_late(c.late)
        })
        .collect()
}

#[test]
fn status_labels_give_back_the_dfe_category() {
    let before_2024 = School::generate_with(
        3,
        5,
        SchoolOptions::new()
            .academic_year(2023)
            .attendance(RecordRange::None),
    );
    let s = school();
    let marks = book_marks(&s)
        .into_iter()
        .chain(book_marks(&before_2024))
        .chain(s.session_marks.iter().cloned())
        .chain(s.lesson_marks.iter().cloned());
    let mut seen = BTreeSet::new();
    for m in marks {
        match status_for(&m) {
            None => assert!(
                matches!(
                    m.category,
                    AttendanceCategory::NotCounted | AttendanceCategory::NoMark
                ),
                "{} has no record",
                m.code
            ),
            Some(status) => {
                let label = category(status).expect("a tenant category").label;
                let back = label_category(label).expect("a known label");
                assert_eq!(back.category, m.category, "{} → {label}", m.code);
                assert_eq!(back.late, m.code == "L", "{} → {label}", m.code);
                seen.insert(status);
            }
        }
    }
    // Every category the school defines is used by some code.
    let defined: BTreeSet<i64> = CATEGORIES
        .iter()
        .map(|c| c.status)
        .filter(|s| *s >= 0)
        .collect();
    assert_eq!(seen, defined);
    assert_eq!(
        status_for(
            &book_marks(&s)
                .into_iter()
                .find(|m| m.code == "I")
                .expect("I")
        ),
        Some(5)
    );
    assert_eq!(
        status_for(
            &book_marks(&s)
                .into_iter()
                .find(|m| m.code == "C")
                .expect("C")
        ),
        Some(3)
    );
}

#[tokio::test]
async fn errors_use_the_vendor_shapes() {
    let sb = start(FaultPlan::none(), fast()).await;
    let c = Client::of(&sb);
    let a = c.get("/v2p1/classes/1").await; // group 1 is a year group, not a class
    assert_eq!(
        (a.status, &a.body),
        (
            404,
            &json!({ "error": "Couldn't find IbClass with 'id'=1" })
        )
    );
    let a = c.get("/v2p1/students?modified_since=yesterday").await;
    assert_eq!(
        (a.status, &a.body),
        (
            400,
            &json!({ "error": "Invalid modified_since parameter: 'yesterday' is not a valid time." })
        )
    );
    let a = c.get("/v2p1/nothing/here").await;
    assert_eq!(a.status, 404);
    assert!(a.body["error"].is_string());
    let a = c
        .get("/v2p1/school/academic-years/1/attendance_categories")
        .await;
    assert_eq!(a.status, 404);
}

#[tokio::test]
async fn filters_narrow_the_lists() {
    let sb = start(FaultPlan::none(), fast()).await;
    let c = Client::of(&sb);
    let s = school();
    let year = s
        .groups_of(mis_core::GroupKind::Year)
        .nth(1)
        .expect("year group");
    let a = c
        .get(&format!(
            "/v2p1/students?year_group_ids[]={}&per_page=200",
            year.id
        ))
        .await;
    assert_eq!(a.body["meta"]["total_count"], year.student_ids.len());
    let leavers = s
        .enrolments
        .iter()
        .filter(|e| e.leaving_date.is_some())
        .count();
    let a = c.get("/v2p1/students?archived=true").await;
    assert_eq!(a.body["meta"]["total_count"], leavers);
    let a = c.get("/v2p1/students?status=enrolled").await;
    assert_eq!(a.body["meta"]["total_count"], s.students.len() - leavers);
    let ids = format!("{},{}", s.students[0].id, s.students[2].id);
    let a = c.get(&format!("/v2p1/students?ids={ids}")).await;
    assert_eq!(a.body["meta"]["total_count"], 2);
    let a = c.get("/v2p1/students?deleted_since=2020-01-01").await;
    assert_eq!(
        (a.status, a.body["meta"]["total_count"].clone()),
        (200, json!(0))
    );
    let far = c
        .get("/v2p1/students?modified_since=2999-01-01T00:00:00Z")
        .await;
    assert_eq!(far.body["students"], json!([]));

    // One behaviour note per student of each event, all reachable by paging.
    let want: usize = s.behaviour_events().map(|e| e.student_ids.len()).sum();
    let notes = c.get("/v2p1/behavior/notes?per_page=1").await;
    assert_eq!(notes.body["meta"]["total_count"], want);
    assert_eq!(notes.body["meta"]["total_pages"], want);
    let who = num(&s.behaviour[0].event.student_ids[0]);
    let mine = c
        .get(&format!(
            "/v2p1/behavior/notes?student_ids={who}&per_page=200"
        ))
        .await;
    let upn = s
        .student(&who.to_string())
        .and_then(|st| st.upn())
        .expect("upn");
    assert!(
        mine.body["behavior_notes"]
            .as_array()
            .expect("notes")
            .iter()
            .all(|n| n["student_id"] == upn)
    );
}

#[tokio::test]
async fn fixtures_are_what_the_emulator_serves() {
    let sb = start(FaultPlan::none(), fast()).await;
    let c = Client::of(&sb);
    let s = school();
    let fixtures: BTreeMap<String, Value> =
        fixtures(&s).into_iter().map(|f| (f.name, f.body)).collect();
    let year = s.academic_year.id.clone();
    for (name, path) in [
        ("students", "/v2p1/students?page=1&per_page=100".to_string()),
        ("school", "/v2p1/school".to_string()),
        ("academic_years", "/v2p1/school/academic-years".to_string()),
        (
            "attendance_categories",
            format!("/v2p1/school/academic-years/{year}/attendance_categories"),
        ),
        (
            "behavior_notes",
            "/v2p1/behavior/notes?page=1&per_page=100".to_string(),
        ),
    ] {
        assert_eq!(c.get(&path).await.body, fixtures[name], "{name}");
    }
}

#[test]
fn fixtures_are_deterministic_and_cover_every_endpoint() {
    let s = school();
    let a = fixtures(&s);
    assert_eq!(a, fixtures(&s));
    let names: BTreeSet<&str> = a.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names.len(), a.len(), "names are unique");

    // Which fixture shows which served path (and method).
    let covered: &[(&str, &str)] = &[
        ("/ping", "ping"),
        ("/auth/permissions", "auth_permissions"),
        ("/school", "school"),
        ("/school/academic-years", "academic_years"),
        (
            "/school/programs/{program_code}/academic-years/{id}",
            "academic_year",
        ),
        (
            "/school/programs/{program_code}/academic-years/{id}/calendar",
            "academic_year_calendar",
        ),
        (
            "/school/academic-years/{academic_year_id}/attendance_categories",
            "attendance_categories",
        ),
        ("/students", "students"),
        ("/students/{id}", "student"),
        (
            "/students/{id}/set_homeroom_attendance",
            "set_homeroom_attendance",
        ),
        ("/students/{student_id}/excusals", "student_excusals"),
        ("/students/{student_id}/excusals", "excusal_create"),
        // PATCH and DELETE answer the same `{excusal}` shape as POST.
        ("/students/{student_id}/excusals/{id}", "excusal_create"),
        ("/students/excusals/{date}", "excusals_by_date"),
        ("/teachers", "teachers"),
        ("/teachers/{id}", "teacher"),
        ("/year-groups", "year_groups"),
        ("/year-groups/{id}", "year_group"),
        ("/year-groups/{id}/students", "year_group_students"),
        (
            "/year-groups/{year_group_id}/homeroom/attendance/date/{date}",
            "homeroom_attendance_date",
        ),
        (
            "/year-groups/{year_group_id}/homeroom/attendance/term/{term_id}",
            "homeroom_attendance_term",
        ),
        (
            "/year-groups/{year_group_id}/homeroom/attendance/term/{term_id}/adjustments",
            "homeroom_attendance_adjustments",
        ),
        ("/classes", "classes"),
        ("/classes/{id}", "class"),
        ("/classes/{id}/students", "class_students"),
        ("/classes/{id}/teachers", "class_teachers"),
        ("/classes/{id}/timetable", "class_timetable"),
        ("/classes/{id}/attendance", "class_attendance_update"),
        (
            "/classes/{id}/attendance/date/{date}",
            "class_attendance_date",
        ),
        (
            "/classes/{id}/attendance/term/{term_id}",
            "class_attendance_term",
        ),
        ("/behavior/notes", "behavior_notes"),
        ("/memberships", "memberships"),
    ];
    for path in routes::PATHS {
        assert!(
            covered.iter().any(|(p, _)| p == path),
            "{path} has no fixture"
        );
    }
    let body = |name: &str| {
        &a.iter()
            .find(|f| f.name == name)
            .unwrap_or_else(|| panic!("fixture {name}"))
            .body
    };
    for (_, name) in covered {
        let b = body(name);
        assert!(
            b.as_object().is_some_and(|o| !o.is_empty()),
            "{name} is an empty body"
        );
        assert!(
            b.get("error").is_none() && b.get("errors").is_none(),
            "{name}: {b}"
        );
        // Every list in the body has rows.
        for (key, v) in b.as_object().into_iter().flatten() {
            if let Some(rows) = v.as_array() {
                assert!(!rows.is_empty(), "{name}.{key} is empty");
            }
        }
    }
    assert_eq!(
        body("error_access_denied"),
        &json!({ "error": "Access Denied" })
    );
    assert!(body("error_not_found")["error"].is_string());
    // The representative attendance fixtures hold records.
    assert!(
        body("homeroom_attendance_date")["students"][0]["attendance"]["category"]["status"]
            .is_i64()
    );
    assert!(
        body("class_attendance_date")["students"]
            .as_array()
            .expect("students")
            .iter()
            .any(|s| s["attendance"].as_object().is_some_and(|o| !o.is_empty()))
    );
    assert!(body("class_attendance_update")["attendance"][0]["status"] == "ok");
}

#[tokio::test]
async fn every_listed_path_is_routed_under_both_prefixes() {
    let sb = start(FaultPlan::none(), fast()).await;
    let c = Client::of(&sb);
    let s = school();
    let date = first_day(&s).to_string();
    let fallback = json!({ "error": "Not Found" });
    for path in routes::PATHS {
        let concrete = path
            .replace("{program_code}", "hs")
            .replace("{academic_year_id}", &s.academic_year.id)
            .replace("{year_group_id}", "1")
            .replace("{student_id}", &s.students[0].id)
            .replace("{term_id}", "20241")
            .replace("{date}", &date)
            .replace("{id}", "1");
        for prefix in ["/v2p1", "/v2"] {
            let a = c.get(&format!("{prefix}{concrete}")).await;
            assert_ne!(a.body, fallback, "{prefix}{concrete} is not routed");
        }
    }
}

/// `FaultPlan::degraded`: one student's `birthday` of the wrong JSON type (id intact) wherever
/// it is rendered, one of another student's classes answering the vendor's 404 on its
/// timetable and registers (but not on its record or members), and `GET /year-groups`
/// answering 403 with the token's permissions saying why.
#[tokio::test]
async fn record_faults_touch_one_record_one_class_and_the_year_group_list() {
    use crate::emulator::RecordFaults;
    let s = school();
    let sb = start(FaultPlan::degraded(), fast()).await;
    let c = Client::of(&sb);

    // Malformed: the list, the record and the year-group listing carry a number.
    let bad = &s.students[RecordFaults::MALFORMED_STUDENT];
    let id = num(&bad.id);
    let list = c.get(&format!("/v2p1/students?ids[]={id}")).await;
    assert_eq!(list.status, 200);
    let rec = &list.body["students"][0];
    assert_eq!(rec["id"], json!(id), "id intact");
    assert!(rec["birthday"].is_number(), "{rec}");
    assert_eq!(rec["first_name"], json!(bad.first_name));
    let one = c.get(&format!("/v2p1/students/{id}")).await;
    assert!(one.body["student"]["birthday"].is_number());
    let other = &s.students[0];
    let fine = c.get(&format!("/v2p1/students/{}", num(&other.id))).await;
    assert!(fine.body["student"]["birthday"].is_string() || other.date_of_birth.is_none());

    // Missing: one class of the other student.
    let student = &s.students[RecordFaults::MISSING_STUDENT].id;
    let class = s
        .groups_of(mis_core::GroupKind::Teaching)
        .find(|g| g.student_ids.contains(student) && s.timetable.iter().any(|t| t.group_id == g.id))
        .expect("the student has a timetabled class");
    let cid = num(&class.id);
    let day = first_day(&s);
    for path in [
        format!("/v2p1/classes/{cid}/timetable"),
        format!("/v2p1/classes/{cid}/attendance/date/{day}"),
    ] {
        let a = c.get(&path).await;
        assert_eq!(a.status, 404, "{path}");
        assert_eq!(
            a.body,
            json!({ "error": format!("Couldn't find IbClass with 'id'={cid}") })
        );
    }
    assert_eq!(c.get(&format!("/v2p1/classes/{cid}")).await.status, 200);
    assert_eq!(
        c.get(&format!("/v2p1/classes/{cid}/students")).await.status,
        200
    );
    let others: Vec<_> = s
        .groups_of(mis_core::GroupKind::Teaching)
        .filter(|g| g.id != class.id)
        .take(3)
        .collect();
    for g in others {
        let path = format!("/v2p1/classes/{}/timetable", num(&g.id));
        assert_eq!(c.get(&path).await.status, 200, "{path}");
    }

    // Forbidden: the year-group list only.
    let a = c.get("/v2p1/year-groups").await;
    assert_eq!(a.status, 403);
    assert_eq!(a.body, json!({ "error": "Access Denied" }));
    let perms = c.get("/v2p1/auth/permissions").await.body;
    let perms: Vec<&str> = perms["permissions"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(!perms.contains(&"year_groups/index") && perms.contains(&"year_groups/show"));
    let g = s.groups_of(mis_core::GroupKind::Year).next().unwrap();
    let gid = num(&g.id);
    assert_eq!(c.get(&format!("/v2p1/year-groups/{gid}")).await.status, 200);
    let reg = c
        .get(&format!(
            "/v2p1/year-groups/{gid}/homeroom/attendance/date/{day}"
        ))
        .await;
    assert_eq!(reg.status, 200);

    // And without the plan, none of it.
    let clean = start(FaultPlan::none(), fast()).await;
    let c = Client::of(&clean);
    assert_eq!(c.get("/v2p1/year-groups").await.status, 200);
    let rec = c.get(&format!("/v2p1/students/{id}")).await;
    assert!(rec.body["student"]["birthday"].is_string());
    assert_eq!(
        c.get(&format!("/v2p1/classes/{cid}/timetable"))
            .await
            .status,
        200
    );
}

/// The onboarding faults (module docs): behaviour notes closed to the token, a category of
/// the school's own on the first pupil's records and in the list, no zone on the school
/// record; without them, none of it.
#[tokio::test]
async fn onboarding_faults_close_behaviour_add_a_category_and_drop_the_zone() {
    use crate::emulator::OnboardingFaults;
    let s = school();
    let plan = FaultPlan {
        onboarding: OnboardingFaults::all(),
        ..FaultPlan::none()
    };
    let sb = start(plan, fast()).await;
    let c = Client::of(&sb);
    let day = first_day(&s);
    let year = s.academic_year.id.clone();
    let first = num(&s.students[0].id);
    let second = num(&s.students[1].id);
    let g = s
        .groups_of(mis_core::GroupKind::Year)
        .find(|g| g.student_ids.contains(&s.students[0].id))
        .unwrap();
    let gid = num(&g.id);
    // A class with a lesson mark of the first pupil on that day.
    let class = Index::new(&s)
        .class_marks
        .iter()
        .find(|((_, d), refs)| *d == day && refs.iter().any(|r| r.0 == first))
        .map(|((cid, _), _)| *cid);

    // Behaviour notes: 403 with the vendor's body, and the permission gone.
    let a = c.get("/v2p1/behavior/notes").await;
    assert_eq!(a.status, 403);
    assert_eq!(a.body, json!({ "error": "Access Denied" }));
    let perms = c.get("/v2p1/auth/permissions").await.body;
    let perms: Vec<&str> = perms["permissions"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(!perms.contains(&"behavior/notes/index") && perms.contains(&"students/index"));
    assert_eq!(c.get("/v2p1/students").await.status, 200);

    // The school's own category: listed, enabled, on the first pupil's records only.
    let cats = c
        .get(&format!(
            "/v2p1/school/academic-years/{year}/attendance_categories"
        ))
        .await
        .body;
    let own: Vec<&Value> = cats["categories"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["abbreviation"] == OnboardingFaults::SCHOOL_CODE)
        .collect();
    assert_eq!(own.len(), 1, "{cats}");
    assert_eq!(own[0]["label"], OnboardingFaults::SCHOOL_CODE_LABEL);
    assert_eq!(own[0]["status"], 20);
    assert_eq!(own[0]["enabled"], true);
    let reg = c
        .get(&format!(
            "/v2p1/year-groups/{gid}/homeroom/attendance/date/{day}"
        ))
        .await
        .body;
    let record = |id: u64| {
        reg["students"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == id)
            .map(|r| r["attendance"].clone())
    };
    let mine = record(first).expect("the first pupil has a day record");
    assert_eq!(mine["category"]["status"], 20, "{mine}");
    assert_eq!(mine["status"], OnboardingFaults::SCHOOL_CODE_LABEL);
    if let Some(theirs) = record(second) {
        assert_ne!(theirs["category"]["status"], 20, "{theirs}");
    }
    if let Some(cid) = class {
        let r = c
            .get(&format!(
                "/v2p1/classes/{cid}/attendance/date/{day}?student_ids={first}"
            ))
            .await
            .body;
        let periods = r["students"][0]["attendance"].as_object().unwrap().clone();
        assert!(!periods.is_empty(), "{r}");
        assert!(
            periods.values().all(|p| p["category"]["status"] == 20),
            "{r}"
        );
    }

    // No zone on the school record.
    let school = c.get("/v2p1/school").await.body;
    assert!(school["school"].get("timezone").is_none(), "{school}");

    // Without the plan: notes readable, no such category, the zone named.
    let clean = start(FaultPlan::none(), fast()).await;
    let c = Client::of(&clean);
    assert_eq!(c.get("/v2p1/behavior/notes").await.status, 200);
    let cats = c
        .get(&format!(
            "/v2p1/school/academic-years/{year}/attendance_categories"
        ))
        .await
        .body;
    assert!(
        cats["categories"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["status"] != 20),
        "{cats}"
    );
    let school = c.get("/v2p1/school").await.body;
    assert_eq!(school["school"]["timezone"], json!(s.time_zone));
}

/// The variant profile (module docs): the document's categories, the default `-1` for
/// present pupils, dress-code days, illness marked `Absent` under a parent's excusal, every
/// homeroom member listed, periods from 0, the zone on the school record. The standard
/// profile keeps none of these.
#[test]
fn the_variant_profile_serves_the_documented_variants() {
    let variant = School::generate_with(
        7,
        60,
        SchoolOptions::new().profile(crate::school::Profile::Variant),
    );
    let index = Index::new(&variant);
    let view = View {
        school: &variant,
        index: &index,
        config: Config::default(),
        default_per_page: 100,
        faults: RecordFaults::default(),
        onboarding: OnboardingFaults::default(),
    };
    let cats = view
        .attendance_categories(&view.year_id().to_string())
        .unwrap();
    let listed: Vec<(i64, &str, bool)> = cats["categories"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["status"].as_i64().unwrap(),
                c["label"].as_str().unwrap(),
                c["enabled"].as_bool().unwrap(),
            )
        })
        .collect();
    for want in [
        (3, "Dress Code", true),
        (4, "Late & Dress Code", true),
        (5, "Dismissed", true),
        (13, "Excused", true),
        (14, "Other", true),
        (15, "Custom 1", false),
    ] {
        assert!(listed.contains(&want), "{want:?} in {listed:?}");
    }
    let mut seen: BTreeMap<i64, usize> = BTreeMap::new();
    let mut excused_absent = 0;
    for m in variant
        .session_marks
        .iter()
        .filter(|m| m.session == Some(Session::Am))
    {
        let student = num(&m.student_id);
        if let Some(status) = view.status_of(m, student, m.date) {
            *seen.entry(status).or_default() += 1;
            if status == 0 && m.category == AttendanceCategory::AuthorisedAbsence {
                assert!(index.excused(student, m.date));
                excused_absent += 1;
            }
        }
    }
    assert!(seen.get(&-1).copied().unwrap_or(0) > seen.get(&3).copied().unwrap_or(0));
    assert!(seen.contains_key(&3), "dress-code days: {seen:?}");
    assert!(
        !seen.contains_key(&1),
        "present pupils keep the default: {seen:?}"
    );
    assert!(
        excused_absent > 0,
        "illness marked absent under an excusal: {seen:?}"
    );
    // Every member of a year group is listed on a school day, a day not taken as `[]`.
    let g = index.year_groups[0];
    let day = first_day(&variant).to_string();
    let r = view
        .homeroom_attendance_date(
            &index.writes(),
            &variant.groups[g].id,
            &day,
            &render::Params::default(),
        )
        .unwrap();
    assert_eq!(
        r["students"].as_array().unwrap().len(),
        variant.groups[g].student_ids.len()
    );
    assert_eq!(
        view.school()["school"]["timezone"].as_str(),
        Some(variant.time_zone.as_str())
    );
    // The standard profile is unchanged.
    let standard = school();
    let s_index = Index::new(&standard);
    let s_view = View {
        school: &standard,
        index: &s_index,
        config: Config::default(),
        default_per_page: 100,
        faults: RecordFaults::default(),
        onboarding: OnboardingFaults::default(),
    };
    // Both profiles' school records name the school's zone.
    assert_eq!(
        s_view.school()["school"]["timezone"].as_str(),
        Some(standard.time_zone.as_str())
    );
    assert_eq!(s_view.categories().count(), CATEGORIES.len());
}
