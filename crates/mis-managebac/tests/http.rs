//! Request and response shapes against a local httpmock server (and, for the 429 wait, a
//! scripted transport on paused time): the `auth-token` header and no token in any URL, the
//! version prefix, paging by `meta.total_pages` with short pages, `student_ids` / `ids[]`
//! encoding, `X-RateLimit-Reset`, the documented error bodies, writes, and secrets never
//! printed.

use std::sync::Arc;
use std::time::Duration;

use futures::TryStreamExt;
use httpmock::Method::{DELETE, GET, PATCH, POST, PUT};
use httpmock::{HttpMockRequest, MockServer};
use jiff::civil::date;
use mis_core::{
    AttendanceCategory, AttendanceQuery, AttendanceWrite, DateRange, ErrorKind, MisProvider,
    Session, Slot, WriteReceipt,
};
use mis_http::RetryConfig;
use mis_http::testing::{FakeClock, Reply, ScriptedTransport};
use mis_managebac::wire::{ClassAttendanceEntry, ExcusalUpdate, NewExcusal};
use mis_managebac::{
    ApiVersion, Client, Config, Id, ManageBacProvider, StudentFilter, vendor_error,
};
use serde_json::json;

const TOKEN: &str = "mb-tok-8f3a9c2e71d4";

/// The school's zone is configured here; `the_school_zone_*` tests leave it to the school
/// record.
fn config(server: &MockServer) -> Config {
    zoneless_config(server).update_options(|o| o.with_time_zone("Europe/London"))
}

fn zoneless_config(server: &MockServer) -> Config {
    Config::new(TOKEN).unwrap().update_options(|o| {
        o.with_base_url(server.base_url())
            .with_rate_limit(mis_http::RateLimit::unlimited())
            .with_retry(
                RetryConfig::default()
                    .max_attempts(3)
                    .base_delay(Duration::from_millis(1))
                    .max_delay(Duration::from_millis(5)),
            )
            .with_timeout(Duration::from_secs(10))
    })
}

fn client(server: &MockServer) -> Client {
    Client::new(config(server)).unwrap()
}

fn provider(server: &MockServer) -> ManageBacProvider {
    ManageBacProvider::new(config(server)).unwrap()
}

/// No request may carry the token anywhere in its URL (path or query).
fn no_token_in_url(req: &HttpMockRequest) -> bool {
    !req.uri().to_string().contains(TOKEN)
}

fn meta(page: u32, total_pages: u32, total: u32, per_page: u32) -> serde_json::Value {
    json!({"current_page": page, "total_pages": total_pages, "total_count": total, "per_page": per_page})
}

fn students(from: u32, n: u32) -> Vec<serde_json::Value> {
    (from..from + n)
        .map(|i| json!({"id": i, "first_name": format!("S{i}"), "last_name": "Test", "archived": false}))
        .collect()
}

#[tokio::test]
async fn the_token_is_in_the_auth_token_header_and_never_in_a_url() {
    let server = MockServer::start_async().await;
    let ping = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/v2p1/ping")
                .header("auth-token", TOKEN)
                .header_missing("authorization")
                .query_param_missing("auth_token")
                .is_true(no_token_in_url);
            then.status(200).json_body(json!({"pong": "ok"}));
        })
        .await;
    let permissions = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/v2p1/auth/permissions")
                .header("auth-token", TOKEN)
                .is_true(no_token_in_url);
            then.status(200)
                .json_body(json!({"permissions": ["students/excusals/index"]}));
        })
        .await;
    let c = client(&server);
    assert_eq!(c.ping().await.unwrap().pong.as_deref(), Some("ok"));
    assert_eq!(c.permissions().await.unwrap(), ["students/excusals/index"]);
    ping.assert_async().await;
    permissions.assert_async().await;
}

#[tokio::test]
async fn the_version_prefix_is_v2p1_unless_configured() {
    let server = MockServer::start_async().await;
    let v2p3 = server
        .mock_async(|when, then| {
            when.method(GET).path("/v2p3/school").header("auth-token", TOKEN);
            then.status(200)
                .json_body(json!({"school": {"name": "Demo", "enabled_programs": [{"name": "Diploma", "code": "diploma"}]}}));
        })
        .await;
    let v2 = server
        .mock_async(|when, then| {
            when.method(GET).path("/v2/school");
            then.status(200)
                .json_body(json!({"school": {"name": "Latest"}}));
        })
        .await;
    let c = Client::new(config(&server).version(ApiVersion::V2p3)).unwrap();
    let s = c.school().await.unwrap();
    assert_eq!(s.name.as_deref(), Some("Demo"));
    assert_eq!(s.enabled_programs[0].code.as_deref(), Some("diploma"));
    let c = Client::new(config(&server).version(ApiVersion::V2)).unwrap();
    assert_eq!(c.school().await.unwrap().name.as_deref(), Some("Latest"));
    v2p3.assert_async().await;
    v2.assert_async().await;
}

#[tokio::test]
async fn paging_walks_to_total_pages_even_when_pages_are_short() {
    let server = MockServer::start_async().await;
    // Asked for 200 a page, the vendor serves 100 ("the API may return a number of records
    // less than passed in the request") and says there are 3 pages.
    let mut mocks = Vec::new();
    for (page, n) in [(1u32, 100u32), (2, 100), (3, 5)] {
        mocks.push(
            server
                .mock_async(move |when, then| {
                    when.method(GET)
                        .path("/v2p1/students")
                        .query_param("page", page.to_string())
                        .query_param("per_page", "200")
                        .query_param("archived", "false");
                    then.status(200).json_body(json!({
                        "students": students((page - 1) * 100 + 1, n),
                        "meta": meta(page, 3, 205, 100),
                    }));
                })
                .await,
        );
    }
    let c = Client::new(config(&server).update_options(|o| o.with_page_size(200))).unwrap();
    let all: Vec<_> = c
        .student_records(&StudentFilter::new().archived(false))
        .try_collect()
        .await
        .unwrap();
    assert_eq!(all.len(), 205);
    assert_eq!(all[204].id, Id(205));
    for m in &mocks {
        m.assert_async().await;
    }
    // One page at a time, with the vendor's meta.
    let p = c
        .students_page(&StudentFilter::new().archived(false), 3)
        .await
        .unwrap();
    assert_eq!((p.items.len(), p.next), (5, None));
    assert_eq!(p.meta.unwrap().total_count, Some(205));
    let e = c.students_page(&StudentFilter::new(), 0).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
}

#[tokio::test]
async fn student_ids_are_comma_separated_and_ids_repeat_with_brackets() {
    let server = MockServer::start_async().await;
    let homeroom = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/v2p1/year-groups/5/homeroom/attendance/date/2024-09-09")
                .query_param("student_ids", "1,2,3");
            then.status(200).json_body(json!({"students": []}));
        })
        .await;
    let by_ids = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/v2p1/students")
                .is_true(|req: &HttpMockRequest| {
                    req.uri().query().is_some_and(|q| {
                        q.contains("ids%5B%5D=1&ids%5B%5D=2")
                            && q.contains("year_group_ids%5B%5D=9")
                    })
                });
            then.status(200)
                .json_body(json!({"students": students(1, 2), "meta": meta(1, 1, 2, 50)}));
        })
        .await;
    let c = client(&server);
    c.homeroom_attendance_date(Id(5), date(2024, 9, 9), &[Id(1), Id(2), Id(3)])
        .await
        .unwrap();
    let p = c
        .students_page(
            &StudentFilter::new()
                .ids([Id(1), Id(2)])
                .year_groups([Id(9)]),
            1,
        )
        .await
        .unwrap();
    assert_eq!(p.items.len(), 2);
    homeroom.assert_async().await;
    by_ids.assert_async().await;
}

#[tokio::test(start_paused = true)]
async fn a_429_waits_until_x_ratelimit_reset() {
    let clock = FakeClock::new("2021-10-28T01:29:00Z".parse().unwrap());
    let transport = ScriptedTransport::new();
    transport.push(
        Reply::status(429)
            .header("x-ratelimit-limit", "50")
            .header("x-ratelimit-period", "1")
            .header("x-ratelimit-reset", "2021-10-28 01:29:40 UTC")
            .body("Retry later\n"),
    );
    transport.push(Reply::json(200, &json!({"pong": "ok"})));
    let c = Client::new(Config::new(TOKEN).unwrap().update_options(|o| {
        o.with_rate_limit(mis_http::RateLimit::unlimited())
            .with_clock(Arc::new(clock))
            .with_transport(transport.service())
    }))
    .unwrap();
    let started = tokio::time::Instant::now();
    assert_eq!(c.ping().await.unwrap().pong.as_deref(), Some("ok"));
    let sent = transport.requests();
    assert_eq!(sent.len(), 2);
    let waited = sent[1].at - sent[0].at;
    assert!(
        waited >= Duration::from_secs(40),
        "retried after {waited:?}, before the reset time"
    );
    assert!(
        waited < Duration::from_secs(45),
        "waited {waited:?}, far past the reset"
    );
    assert!(started.elapsed() >= Duration::from_secs(40));
    for r in &sent {
        assert_eq!(r.uri.path(), "/v2p1/ping");
        assert!(!r.uri.to_string().contains(TOKEN));
        assert_eq!(r.header("auth-token"), Some(TOKEN));
    }
}

#[tokio::test(start_paused = true)]
async fn a_429_that_persists_is_rate_limited_with_the_headers_in_the_message() {
    let clock = FakeClock::new("2021-10-28T01:29:00Z".parse().unwrap());
    let transport = ScriptedTransport::with_handler(|_| {
        Reply::status(429)
            .header("x-ratelimit-limit", "50")
            .header("x-ratelimit-period", "1")
            .header("x-ratelimit-reset", "2021-10-28 01:29:02 UTC")
    });
    let c = Client::new(Config::new(TOKEN).unwrap().update_options(|o| {
        o.with_retry(RetryConfig::default().max_attempts(2))
            .with_clock(Arc::new(clock))
            .with_transport(transport.service())
    }))
    .unwrap();
    let e = c.ping().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::RateLimited);
    assert!(e.to_string().contains("limit 50 per 1 s"), "{e}");
    assert_eq!(transport.request_count(), 2);
}

#[tokio::test]
async fn field_errors_of_a_422_are_in_the_error_and_a_post_is_sent_once() {
    let server = MockServer::start_async().await;
    let create = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/v2p1/students/42/excusals")
                .header("auth-token", TOKEN)
                .json_body(json!({"excusal": {"parent_id": 7, "start_date": "2024-09-09", "end_date": "2024-09-30"}}));
            then.status(422).json_body(json!({"errors": {
                "duration": ["The duration must be a positive number, and it must be between 1 and 12, inclusively"],
                "parent_id": ["Parent with ID=7 is not linked to the Student with ID=42 via a relationship"]
            }}));
        })
        .await;
    let c = client(&server);
    let e = c
        .create_excusal(
            Id(42),
            &NewExcusal {
                parent_id: Id(7),
                start_date: "2024-09-09".into(),
                end_date: Some("2024-09-30".into()),
                comment: None,
            },
        )
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
    assert_eq!(e.status(), Some(422));
    let text = e.to_string();
    assert!(text.contains("duration: The duration must be"), "{text}");
    assert!(
        text.contains("parent_id: Parent with ID=7 is not linked"),
        "{text}"
    );
    let details = vendor_error(&e).unwrap();
    assert_eq!(details.field_errors.len(), 2);
    create.assert_calls_async(1).await;
}

#[tokio::test]
async fn a_post_that_may_have_landed_is_not_replayed() {
    let server = MockServer::start_async().await;
    let create = server
        .mock_async(|when, then| {
            when.method(POST).path("/v2p1/students/42/excusals");
            then.status(502).body("Bad gateway");
        })
        .await;
    let e = client(&server)
        .create_excusal(
            Id(42),
            &NewExcusal {
                parent_id: Id(7),
                start_date: "2024-09-09".into(),
                end_date: None,
                comment: None,
            },
        )
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unavailable);
    assert!(e.is_outcome_unknown(), "{e}");
    create.assert_calls_async(1).await;
}

#[tokio::test]
async fn a_401_is_replayed_once_then_unauthenticated() {
    let server = MockServer::start_async().await;
    let denied = server
        .mock_async(|when, then| {
            when.method(GET).path("/v2p1/school");
            then.status(401)
                .json_body(json!({"error": "Access Denied"}));
        })
        .await;
    let e = client(&server).school().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unauthenticated);
    assert!(e.to_string().contains("Access Denied"), "{e}");
    denied.assert_calls_async(2).await;
    let shown = format!("{e} {e:?}");
    assert!(!shown.contains(TOKEN), "{shown}");
}

#[tokio::test]
async fn not_found_and_bad_request_bodies() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(GET).path("/v2p1/classes/1001");
            then.status(404)
                .json_body(json!({"error": "Couldn't find IbClass with 'id'=1001"}));
        })
        .await;
    server
        .mock_async(|when, then| {
            when.method(GET).path("/v2p1/classes");
            then.status(400).json_body(
                json!({"error": "Invalid modified_since parameter: 'x' is not a valid time."}),
            );
        })
        .await;
    let c = client(&server);
    let e = c.class(Id(1001)).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);
    assert!(e.to_string().contains("Couldn't find IbClass"), "{e}");
    let e = c
        .classes_page(&mis_managebac::ClassFilter::new(), 1)
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
    assert!(e.to_string().contains("modified_since"), "{e}");
}

/// The year, calendar and categories `record_attendance` and `attendance` read first.
async fn school_year(server: &MockServer) {
    server
        .mock_async(|when, then| {
            when.method(GET).path("/v2p1/school/academic-years");
            then.status(200).json_body(json!({"academic_years": {"diploma": {"academic_years": [
                {"id": 11, "name": "2024 - 2025", "starts_on": "2024-08-19", "ends_on": "2025-06-20",
                 "academic_terms": [{"id": 111, "name": "Term 1", "starts_on": "2024-08-19", "ends_on": "2024-12-20"}]}
            ]}}}));
        })
        .await;
    server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/v2p1/school/programs/diploma/academic-years/11/calendar");
            then.status(200).json_body(json!({"calendar": {
                "start_date": "2024-08-19", "end_date": "2025-06-20", "rotation_cycle": 6,
                "dates": [{"date": "2024-09-09", "rotation_day": 1}, {"date": "2024-09-10", "rotation_day": 2}]
            }}));
        })
        .await;
    server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/v2p1/school/academic-years/11/attendance_categories");
            then.status(200).json_body(json!({"categories": [
                {"status": 1, "label": "Present", "enabled": true},
                {"status": 0, "label": "Absent", "enabled": true},
                {"status": 2, "label": "Late", "enabled": true},
                {"status": -1, "label": "Present", "enabled": true},
                {"id": 5, "status": 3, "label": "Dress Code", "enabled": true},
                {"id": 6, "status": 13, "label": "Excused", "enabled": true}
            ]}));
        })
        .await;
}

#[tokio::test]
async fn record_attendance_puts_a_checked_homeroom_status() {
    let server = MockServer::start_async().await;
    school_year(&server).await;
    let put = server
        .mock_async(|when, then| {
            when.method(PUT)
                .path("/v2p1/students/42/set_homeroom_attendance")
                .header("auth-token", TOKEN)
                .json_body(json!({"id": 42, "date": "2024-09-09", "status": 2, "notes": "bus"}));
            then.status(200).json_body(json!({"status": "ok"}));
        })
        .await;
    let c = provider(&server);
    let receipt = c
        .record_attendance(AttendanceWrite::day("42", date(2024, 9, 9), "Late").note("bus"))
        .await
        .unwrap();
    assert_eq!(receipt, WriteReceipt::Applied { id: None });
    put.assert_calls_async(1).await;
    // A status the school does not have, a session mark, a lesson mark and a non-numeric id
    // are refused before anything is sent.
    for (w, says) in [
        (
            AttendanceWrite::day("42", date(2024, 9, 9), "Holiday"),
            "13 Excused",
        ),
        (
            AttendanceWrite::day("42", date(2024, 9, 9), "-1"),
            "not an attendance status",
        ),
        (
            AttendanceWrite::session("42", date(2024, 9, 9), Session::Am, "1"),
            "per day",
        ),
        (
            AttendanceWrite::lesson("42", date(2024, 9, 9), "abc", "1"),
            "set_class_attendance",
        ),
        (
            AttendanceWrite::day("chloe", date(2024, 9, 9), "1"),
            "whole numbers",
        ),
    ] {
        let e = c.record_attendance(w).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput, "{e}");
        assert!(e.to_string().contains(says), "{e}");
    }
    put.assert_calls_async(1).await;
}

#[tokio::test]
async fn set_class_attendance_sends_entries_and_reads_per_item_results() {
    let server = MockServer::start_async().await;
    let put = server
        .mock_async(|when, then| {
            when.method(PUT).path("/v2p1/classes/9/attendance").json_body(json!({
                "attendances": [{"student_id": 4, "date": "2024-09-09", "period": 0, "status": 1}]
            }));
            then.status(200).json_body(json!({"attendance": [
                {"index": 0, "student_id": 4, "status": "ok"}
            ]}));
        })
        .await;
    let r = client(&server)
        .set_class_attendance(
            Id(9),
            &[ClassAttendanceEntry {
                student_id: Id(4),
                date: "2024-09-09".into(),
                period: 0,
                status: 1,
                notes: None,
            }],
        )
        .await
        .unwrap();
    assert!(r[0].is_ok());
    put.assert_async().await;
}

#[tokio::test]
async fn excusals_are_read_updated_and_deleted() {
    let server = MockServer::start_async().await;
    let excusal = json!({"id": 6, "student_id": 42, "parent_id": 7, "start_date": "2024-09-09",
        "end_date": "2024-09-10", "duration": 2, "comment": "Flu"});
    let on = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/v2p1/students/excusals/2024-09-09")
                .query_param("student_ids", "42");
            then.status(200)
                .json_body(json!({"excusals": [excusal.clone()], "meta": meta(1, 1, 1, 50)}));
        })
        .await;
    let delete = server
        .mock_async(|when, then| {
            when.method(DELETE).path("/v2p1/students/42/excusals/6");
            then.status(200)
                .json_body(json!({"excusal": excusal.clone()}));
        })
        .await;
    let update = server
        .mock_async(|when, then| {
            when.method(PATCH)
                .path("/v2p1/students/42/excusals/6")
                .json_body(json!({"excusal": {"comment": "Flu, still"}}));
            then.status(200)
                .json_body(json!({"excusal": {"id": 6, "comment": "Flu, still"}}));
        })
        .await;
    let c = client(&server);
    let changed = c
        .update_excusal(
            Id(42),
            Id(6),
            &ExcusalUpdate {
                comment: Some("Flu, still".into()),
                ..ExcusalUpdate::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(changed.comment.as_deref(), Some("Flu, still"));
    update.assert_async().await;
    let list: Vec<_> = c
        .excusals_on(date(2024, 9, 9), &[Id(42)])
        .try_collect()
        .await
        .unwrap();
    assert_eq!(list[0].duration, Some(2));
    assert_eq!(c.delete_excusal(Id(42), Id(6)).await.unwrap().id, Id(6));
    on.assert_async().await;
    delete.assert_async().await;
}

/// Homeroom and class registers through the provider: categories resolve statuses, the
/// class's 0-based period keys come back counted from 1.
#[tokio::test]
async fn the_provider_reads_both_registers() {
    let server = MockServer::start_async().await;
    school_year(&server).await;
    server
        .mock_async(|when, then| {
            when.method(GET).path("/v2p1/year-groups");
            then.status(200).json_body(json!({"year_groups": [
                {"id": 5, "name": "DP1", "program_code": "diploma", "student_ids": [42]}
            ], "meta": meta(1, 1, 1, 50)}));
        })
        .await;
    let homeroom = server
        .mock_async(|when, then| {
            when.method(GET)
                .path_includes("/v2p1/year-groups/5/homeroom/attendance/date/");
            then.status(200).json_body(json!({"students": [
                {"id": 42, "attendance": {"status": "Dress Code", "note": "", "category": {"status": 3}}}
            ]}));
        })
        .await;
    server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/v2p1/classes")
                .query_param("archived", "false");
            then.status(200).json_body(json!({"classes": [
                {"id": 9, "name": "Chemistry HL", "program_code": "diploma"}
            ], "meta": meta(1, 1, 1, 50)}));
        })
        .await;
    server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/v2p1/classes")
                .query_param("archived", "true");
            then.status(200)
                .json_body(json!({"classes": [], "meta": meta(1, 0, 0, 50)}));
        })
        .await;
    server
        .mock_async(|when, then| {
            when.method(GET).path("/v2p1/classes/9/timetable");
            then.status(200)
                .json_body(json!({"timetable": {"period_starts_count_from": 0,
                "academic_years": [{"id": 11, "start_date": "2024-08-19", "end_date": "2025-06-20",
                "slots": [{"day": 2, "period": 0, "location": "Lab", "enabled": true}]}]}}));
        })
        .await;
    let class_day = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/v2p1/classes/9/attendance/date/2024-09-10");
            then.status(200).json_body(json!({"students": [
                {"id": 42, "attendance": {"0": {"status": "Excused", "note": "dentist", "category": {"status": 13}}}}
            ], "timetable": {"period_starts_count_from": 0, "period_offset": -1}}));
        })
        .await;
    let c = provider(&server);
    let range = DateRange::parse("2024-09-09", "2024-09-10").unwrap();
    let marks: Vec<_> = c
        .attendance(AttendanceQuery::new(range))
        .try_collect()
        .await
        .unwrap();
    // Two school days of homeroom (the calendar lists both), one timetabled class day.
    homeroom.assert_calls_async(2).await;
    class_day.assert_calls_async(1).await;
    let day: Vec<_> = marks.iter().filter(|m| m.slot == Slot::Day).collect();
    assert_eq!(day.len(), 2);
    // Dress Code: the tenant's own category, present by the school-label rules.
    assert_eq!(
        (day[0].code.as_str(), day[0].category),
        ("3", AttendanceCategory::Present)
    );
    let lesson = marks.iter().find(|m| m.slot == Slot::Lesson).unwrap();
    assert_eq!(lesson.period.as_deref(), Some("1"));
    assert_eq!(lesson.category, AttendanceCategory::AuthorisedAbsence);
    assert_eq!(lesson.note.as_deref(), Some("dentist"));
    assert_eq!(lesson.student_id, "42");
}

#[tokio::test]
async fn nothing_prints_the_token() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.any_request();
            then.status(401)
                .json_body(json!({"error": format!("Access Denied for token {TOKEN}")}));
        })
        .await;
    let cfg = config(&server);
    let p = ManageBacProvider::new(cfg.clone()).unwrap();
    let c = p.client();
    let e = c.ping().await.unwrap_err();
    for shown in [
        format!("{cfg:?}"),
        format!("{cfg:#?}"),
        format!("{c:?}"),
        format!("{p:?}"),
        format!("{:?}", p.info()),
        format!("{e}"),
        format!("{e:?}"),
        format!("{:?}", vendor_error(&e)),
    ] {
        assert!(!shown.contains(TOKEN), "{shown}");
    }
}

/// A mocked GET: path, required query pairs, answer.
type Route = (
    &'static str,
    Vec<(&'static str, &'static str)>,
    serde_json::Value,
);

/// Every other typed endpoint: its path, its query, and its answer decoded.
#[tokio::test]
async fn the_remaining_read_endpoints() {
    let server = MockServer::start_async().await;
    let mut mocks = Vec::new();
    let routes: Vec<Route> = vec![
        (
            "/v2p1/parents",
            vec![("q", "ng")],
            json!({"parents": [{"id": 7, "child_ids": [42]}], "meta": meta(1, 1, 1, 50)}),
        ),
        (
            "/v2p1/parents/7",
            vec![],
            json!({"parent": {"id": 7, "email": "p@x.org"}}),
        ),
        (
            "/v2p1/parents/7/children",
            vec![],
            json!({"children": [{"id": 42, "relationship": "mother"}], "meta": meta(1, 1, 1, 50)}),
        ),
        (
            "/v2p1/teachers/3",
            vec![],
            json!({"teacher": {"id": 3, "first_name": "Ada"}}),
        ),
        (
            "/v2p1/teachers/3/classes",
            vec![],
            json!({"classes": [{"id": 9, "name": "Chem"}], "meta": meta(1, 1, 1, 50)}),
        ),
        (
            "/v2p1/teachers/3/groups",
            vec![],
            json!({"groups": [{"id": 2, "name": "Tutors"}], "meta": meta(1, 1, 1, 50)}),
        ),
        (
            "/v2p1/classes/9/terms",
            vec![("academic_year_id", "11"), ("active_only", "true")],
            json!({"terms": [{"id": 111, "name": "T1", "academic_year": {"id": 11, "name": "2024"}}]}),
        ),
        (
            "/v2p1/classes/9/teachers",
            vec![],
            json!({"teachers": [{"id": 3, "show_on_reports": true}], "meta": meta(1, 1, 1, 50)}),
        ),
        (
            "/v2p1/classes/9/students",
            vec![("include_archived_students", "true")],
            json!({"student_ids": [42, "43"], "student_levels": {"42": "HL"}, "meta": meta(1, 1, 2, 50)}),
        ),
        (
            "/v2p1/year-groups/5",
            vec![],
            json!({"year_group": {"id": 5, "name": "DP1", "student_ids": [42]}}),
        ),
        (
            "/v2p1/year-groups/5/students",
            vec![],
            json!({"meta": meta(1, 1, 1, 50), "student_ids": [42], "students": [{"id": 42, "class_grade": "DP1"}]}),
        ),
        (
            "/v2p1/year-groups/5/advisors",
            vec![],
            json!({"advisors": [{"id": 3, "roles": ["homeroom", "cas"]}]}),
        ),
        (
            "/v2p1/classes/9/attendance/term/111",
            vec![("archived_students", "false"), ("student_ids", "42")],
            json!({"students": [{"id": 42, "attendance": {"Present": 91, "Absent": 3}, "attendance_categories": [{"label": "Present", "status": 1, "value": 91}]}], "timetable": {"period_starts_count_from": 1, "period_offset": 0}}),
        ),
        (
            "/v2p1/year-groups/5/homeroom/attendance/term/111",
            vec![],
            json!({"students": [{"id": 42, "attendance": {"Late": 2}}]}),
        ),
        (
            "/v2p1/year-groups/5/homeroom/attendance/term/111/adjustments",
            vec![],
            json!({"students": [{"id": 42, "attendance_adjustments": [{"id": 1, "name": "Absent", "adjustment": -1}]}]}),
        ),
        (
            "/v2p1/school/grades",
            vec![],
            json!({"diploma": [{"name": "DP1"}]}),
        ),
        ("/v2p1/school/subjects", vec![], json!({"subjects": {}})),
        (
            "/v2p1/school/programs/diploma/subjects",
            vec![],
            json!({"subjects": []}),
        ),
        (
            "/v2p1/subject-groups",
            vec![],
            json!({"subject_groups": []}),
        ),
        ("/v2p1/school/term-grade-scales", vec![], json!({})),
        ("/v2p1/school/term-rubrics", vec![], json!({})),
        (
            "/v2p1/school/programs/diploma/academic-years/11",
            vec![],
            json!({"academic_year": {"id": 11, "program": "diploma", "academic_terms": [{"id": 111, "academic_year_id": 11}]}}),
        ),
        (
            "/v2p1/students/42",
            vec![],
            json!({"student": {"id": 42, "student_id": "chloe-42", "parent_ids": [7]}}),
        ),
        (
            "/v2p1/students/42/excusals",
            vec![("applies_on", "2024-09-09")],
            json!({"excusals": [], "meta": meta(1, 0, 0, 50)}),
        ),
        (
            "/v2p1/behavior/notes",
            vec![
                ("modified_since", "2024-09-01T00:00:00Z"),
                ("student_ids", "42"),
            ],
            json!({"behavior_notes": [{"id": 1, "student_id": "chloe-42"}], "meta": meta(1, 1, 1, 50)}),
        ),
    ];
    for (path, query, body) in routes {
        mocks.push(
            server
                .mock_async(move |when, then| {
                    let mut when = when.method(GET).path(path).header("auth-token", TOKEN);
                    for (k, v) in query {
                        when = when.query_param(k, v);
                    }
                    then.status(200).json_body(body);
                })
                .await,
        );
    }
    let memberships = server
        .mock_async(|when, then| {
            when.method(GET).path("/v2p1/memberships").is_true(|req: &HttpMockRequest| {
                req.uri().query().is_some_and(|q| {
                    q.contains("class_ids%5B%5D=9") && q.contains("user_ids%5B%5D=42")
                        && q.contains("class_happens_on=2024-09-09")
                })
            });
            then.status(200).json_body(json!({"memberships": [{"id": 1, "user_id": 42, "class_id": 9, "role": "Student"}], "meta": meta(1, 1, 1, 50)}));
        })
        .await;
    let c = client(&server);
    let parents: Vec<_> = c
        .parents(&mis_managebac::PersonFilter::new().search("ng"))
        .try_collect()
        .await
        .unwrap();
    assert_eq!(parents[0].child_ids, [Id(42)]);
    assert_eq!(
        c.parent(Id(7)).await.unwrap().email.as_deref(),
        Some("p@x.org")
    );
    let children: Vec<_> = c.parent_children(Id(7)).try_collect().await.unwrap();
    assert_eq!(children[0].relationship.as_deref(), Some("mother"));
    assert_eq!(
        c.teacher(Id(3)).await.unwrap().first_name.as_deref(),
        Some("Ada")
    );
    let classes: Vec<_> = c.teacher_classes(Id(3)).try_collect().await.unwrap();
    assert_eq!(classes[0].id, Id(9));
    let groups: Vec<_> = c.teacher_groups(Id(3)).try_collect().await.unwrap();
    assert_eq!(groups[0].name.as_deref(), Some("Tutors"));
    let terms = c
        .class_terms(Id(9), Some(Id(11)), Some(true))
        .await
        .unwrap();
    assert_eq!(terms[0].academic_year.as_ref().unwrap().id, Some(Id(11)));
    let teachers: Vec<_> = c.class_teachers(Id(9)).try_collect().await.unwrap();
    assert_eq!(teachers[0].id, Id(3));
    let members: Vec<_> = c
        .class_students(Id(9), Some(true))
        .try_collect()
        .await
        .unwrap();
    assert_eq!(members, [Id(42), Id(43)]);
    assert_eq!(
        c.year_group(Id(5)).await.unwrap().name.as_deref(),
        Some("DP1")
    );
    let students: Vec<_> = c.year_group_students(Id(5)).try_collect().await.unwrap();
    assert_eq!(students[0].class_grade.as_deref(), Some("DP1"));
    let advisors = c.year_group_advisors(Id(5)).await.unwrap();
    assert_eq!(advisors[0].roles, ["homeroom", "cas"]);
    let term = c
        .class_attendance_term(Id(9), Id(111), Some(false), &[Id(42)])
        .await
        .unwrap();
    assert_eq!(term.students[0].attendance_categories[0].value, Some(91));
    let term = c
        .homeroom_attendance_term(Id(5), Id(111), None, &[])
        .await
        .unwrap();
    assert_eq!(term.students[0].attendance["Late"], 2);
    let adj = c.homeroom_adjustments(Id(5), Id(111)).await.unwrap();
    assert_eq!(
        adj[0].attendance_adjustments[0].name.as_deref(),
        Some("Absent")
    );
    assert!(c.grades().await.unwrap().get("diploma").is_some());
    c.subjects().await.unwrap();
    c.program_subjects("diploma").await.unwrap();
    c.subject_groups().await.unwrap();
    c.term_grade_scales().await.unwrap();
    c.term_rubrics().await.unwrap();
    let year = c.program_academic_year("diploma", Id(11)).await.unwrap();
    assert_eq!(year.academic_terms[0].academic_year_id, Some(Id(11)));
    assert_eq!(
        c.student(Id(42)).await.unwrap().student_id.as_deref(),
        Some("chloe-42")
    );
    let none: Vec<_> = c
        .student_excusals(Id(42), Some(date(2024, 9, 9)))
        .try_collect()
        .await
        .unwrap();
    assert!(none.is_empty());
    let notes: Vec<_> = c
        .behavior_notes(
            &mis_managebac::BehaviorNoteFilter::new()
                .modified_since("2024-09-01T00:00:00Z".parse().unwrap())
                .students([Id(42)]),
        )
        .try_collect()
        .await
        .unwrap();
    assert_eq!(notes[0].student_id.as_deref(), Some("chloe-42"));
    let m: Vec<_> = c
        .memberships(
            &mis_managebac::MembershipFilter::new()
                .classes([Id(9)])
                .users([Id(42)])
                .happening_on(date(2024, 9, 9)),
        )
        .try_collect()
        .await
        .unwrap();
    assert_eq!(m[0].class_id, Some(Id(9)));
    for mock in &mocks {
        mock.assert_async().await;
    }
    memberships.assert_async().await;
}

/// Partial results of `attendance`: the year-group list answering 403 is worked around (the
/// registers are found through the students' `year_group_id`) and a student record that did
/// not decode and that no register listed is named; a class day whose body does not decode
/// costs that day; a class whose register answers 403 costs its marks once, one warning per
/// member; everything else comes back.
#[tokio::test]
async fn attendance_faults_cost_what_they_touch() {
    let server = MockServer::start_async().await;
    school_year(&server).await;
    server
        .mock_async(|when, then| {
            when.method(GET).path("/v2p1/year-groups");
            then.status(403)
                .json_body(json!({"error": "Access Denied"}));
        })
        .await;
    server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/v2p1/students")
                .query_param("archived", "false");
            then.status(200).json_body(json!({"students": [
                {"id": 42, "first_name": "A", "year_group_id": 5},
                {"id": 44, "first_name": "C", "birthday": 20100101},
                {"id": 43, "first_name": "B", "year_group_id": 5}
            ], "meta": meta(1, 1, 3, 100)}));
        })
        .await;
    server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/v2p1/students")
                .query_param("archived", "true");
            then.status(200)
                .json_body(json!({"students": [], "meta": meta(1, 0, 0, 100)}));
        })
        .await;
    let homeroom = server
        .mock_async(|when, then| {
            when.method(GET)
                .path_includes("/v2p1/year-groups/5/homeroom/attendance/date/");
            then.status(200).json_body(json!({"students": [
                {"id": 42, "attendance": {"status": "Present", "note": "", "category": {"status": 1}}},
                {"id": 43, "attendance": {"status": "Present", "note": "", "category": {"status": 1}}}
            ]}));
        })
        .await;
    for archived in ["false", "true"] {
        server
            .mock_async(|when, then| {
                when.method(GET)
                    .path("/v2p1/classes")
                    .query_param("archived", archived);
                let classes = if archived == "false" {
                    json!([{"id": 9, "name": "Chemistry"}, {"id": 10, "name": "Physics"}])
                } else {
                    json!([])
                };
                then.status(200)
                    .json_body(json!({"classes": classes, "meta": meta(1, 1, 2, 50)}));
            })
            .await;
    }
    for class in [9, 10] {
        server
            .mock_async(|when, then| {
                when.method(GET)
                    .path(format!("/v2p1/classes/{class}/timetable"));
                then.status(200).json_body(json!({"timetable": {
                    "academic_years": [{"id": 11, "start_date": "2024-08-19", "end_date": "2025-06-20",
                    "slots": [{"day": 1, "period": 1, "enabled": true}, {"day": 2, "period": 1, "enabled": true}]}]}}));
            })
            .await;
    }
    // Class 9: a body that does not decode on the 9th, marks on the 10th.
    server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/v2p1/classes/9/attendance/date/2024-09-09");
            then.status(200)
                .json_body(json!({"students": [{"id": 42, "attendance": 7}]}));
        })
        .await;
    server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/v2p1/classes/9/attendance/date/2024-09-10");
            then.status(200).json_body(json!({"students": [
                {"id": 42, "attendance": {"1": {"status": "Present", "category": {"status": 1}}}}
            ]}));
        })
        .await;
    server
        .mock_async(|when, then| {
            when.method(GET).path("/v2p1/classes/9/students");
            then.status(200)
                .json_body(json!({"student_ids": [42], "meta": meta(1, 1, 1, 100)}));
        })
        .await;
    // Class 10: its registers are closed to the token.
    let closed = server
        .mock_async(|when, then| {
            when.method(GET)
                .path_includes("/v2p1/classes/10/attendance/date/");
            then.status(403)
                .json_body(json!({"error": "Access Denied"}));
        })
        .await;
    server
        .mock_async(|when, then| {
            when.method(GET).path("/v2p1/classes/10/students");
            then.status(200)
                .json_body(json!({"student_ids": [42, 43], "meta": meta(1, 1, 2, 100)}));
        })
        .await;

    let c = provider(&server);
    let range = DateRange::parse("2024-09-09", "2024-09-10").unwrap();
    let d = mis_core::Diagnostics::new();
    let marks: Vec<_> = c
        .attendance(AttendanceQuery::new(range).with_diagnostics(d.clone()))
        .try_collect()
        .await
        .unwrap();
    homeroom.assert_calls_async(2).await;
    closed.assert_calls_async(2).await;
    let day = marks.iter().filter(|m| m.slot == Slot::Day).count();
    assert_eq!(day, 4, "two students, two days: {marks:#?}");
    let lessons: Vec<_> = marks.iter().filter(|m| m.slot == Slot::Lesson).collect();
    assert_eq!(lessons.len(), 1, "{lessons:#?}");
    assert_eq!(
        (lessons[0].student_id.as_str(), lessons[0].date),
        ("42", date(2024, 9, 10))
    );

    let ws = d.warnings();
    // Registers are read concurrently: the order between classes is not fixed.
    let mut summary: Vec<_> = ws
        .iter()
        .map(|w| {
            (
                w.kind,
                w.record_id.as_deref(),
                w.student_id.as_deref(),
                w.consequence.as_str(),
            )
        })
        .collect();
    summary.sort_by_key(|w| (w.1, w.2));
    assert_eq!(
        summary,
        [
            (
                ErrorKind::PermissionDenied,
                Some("10"),
                Some("42"),
                "lesson marks of this class left out"
            ),
            (
                ErrorKind::PermissionDenied,
                Some("10"),
                Some("43"),
                "lesson marks of this class left out"
            ),
            (
                ErrorKind::Decode,
                Some("44"),
                Some("44"),
                "day marks left out: the student's record and the year group list are not readable"
            ),
            (
                ErrorKind::Decode,
                Some("9"),
                Some("42"),
                "lesson marks on 2024-09-09 of this class left out"
            ),
        ],
        "{ws:#?}"
    );
    assert!(
        ws.iter()
            .all(|w| w.vendor == "managebac" && !w.operation.is_empty())
    );

    // Strict: the first of them ends the read.
    let e = c
        .attendance(AttendanceQuery::new(range).with_diagnostics(mis_core::Diagnostics::strict()))
        .try_collect::<Vec<_>>()
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Decode);
}

/// A fatal error on a per-class call still ends the read: a token refused (401) is not one
/// class's problem.
#[tokio::test]
async fn a_fatal_error_on_one_class_still_ends_the_timetable() {
    let server = MockServer::start_async().await;
    school_year(&server).await;
    server
        .mock_async(|when, then| {
            when.method(GET).path("/v2p1/teachers");
            then.status(200)
                .json_body(json!({"teachers": [], "meta": meta(1, 0, 0, 100)}));
        })
        .await;
    server
        .mock_async(|when, then| {
            when.method(GET).path("/v2p1/classes");
            then.status(200).json_body(
                json!({"classes": [{"id": 9, "name": "Chemistry"}], "meta": meta(1, 1, 1, 50)}),
            );
        })
        .await;
    server
        .mock_async(|when, then| {
            when.method(GET).path("/v2p1/classes/9/timetable");
            then.status(401)
                .json_body(json!({"error": "Access Denied"}));
        })
        .await;
    let c = ManageBacProvider::new(
        config(&server).period_times(mis_managebac::PeriodTimes::parse("1=08:30-09:20").unwrap()),
    )
    .unwrap();
    let d = mis_core::Diagnostics::new();
    let e = c
        .timetable(
            mis_core::TimetableQuery::new(DateRange::parse("2024-09-09", "2024-09-10").unwrap())
                .with_diagnostics(d.clone()),
        )
        .try_collect::<Vec<_>>()
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unauthenticated);
    assert!(d.is_empty());
}
