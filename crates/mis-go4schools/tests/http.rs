//! Request and response shapes against httpmock: every endpoint's path, the bearer header,
//! cursor paging, both list shapes, the POST body, and the vendor's status table.

use std::time::{Duration, Instant};

use futures::future::BoxFuture;
use futures::{FutureExt, StreamExt, TryStreamExt};
use httpmock::Method::{GET, POST};
use httpmock::MockServer;
use jiff::civil::date;
use mis_core::{ErrorKind, Result};
use mis_go4schools::{Client, Config, wire};
use mis_http::{RateLimit, RetryConfig};
use serde_json::json;

const KEY: &str = "s3cr3t-g4s-key";
const BEARER: &str = "Bearer s3cr3t-g4s-key";

fn config(server: &MockServer) -> Config {
    Config::new(KEY).update_options(|o| {
        o.with_base_url(server.base_url())
            .with_rate_limit(RateLimit::unlimited())
            .with_retry(RetryConfig::none())
            .with_timeout(Duration::from_secs(10))
    })
}

fn client(server: &MockServer) -> Client {
    Client::new(config(server)).unwrap()
}

fn retrying(server: &MockServer, attempts: u32) -> Client {
    Client::new(config(server).update_options(|o| {
        o.with_retry(
            RetryConfig::default()
                .max_attempts(attempts)
                .base_delay(Duration::from_millis(5))
                .max_delay(Duration::from_millis(20))
                .no_budget(),
        )
    }))
    .unwrap()
}

type Call = Box<dyn Fn(Client) -> BoxFuture<'static, Result<usize>>>;

macro_rules! call {
    ($c:ident => list $e:expr) => {
        Box::new(move |$c: Client| async move { $e.await.map(|v| v.len()) }.boxed()) as Call
    };
    ($c:ident => stream $e:expr) => {
        Box::new(move |$c: Client| {
            async move { $e.try_collect::<Vec<_>>().await.map(|v| v.len()) }.boxed()
        }) as Call
    };
}

/// Every documented GET, with the path it must hit.
fn endpoints() -> Vec<(&'static str, Call)> {
    let d = date(2024, 9, 9);
    vec![
        (
            "/customer/v1/contacts/parental",
            call!(c => list c.parental_contacts()),
        ),
        (
            "/customer/v1/users/parents",
            call!(c => list c.parent_accounts()),
        ),
        (
            "/customer/v1/users/staff",
            call!(c => list c.staff_accounts()),
        ),
        (
            "/customer/v1/academic-years/2025/students",
            call!(c => list c.student_details(2025)),
        ),
        (
            "/customer/v1/academic-years/2025/students/education-details",
            call!(c => stream c.education_details(2025)),
        ),
        (
            "/customer/v1/academic-years/2025/students/attributes",
            call!(c => stream c.general_attributes(2025)),
        ),
        (
            "/customer/v1/academic-years/2025/students/attributes/demographic",
            call!(c => stream c.demographic_attributes(2025)),
        ),
        (
            "/customer/v1/academic-years/2025/students/attributes/send",
            call!(c => stream c.send_attributes(2025)),
        ),
        (
            "/customer/v1/academic-years/2025/students/attributes/sensitive",
            call!(c => stream c.sensitive_attributes(2025)),
        ),
        (
            "/customer/v1/academic-years/2025/students/photos",
            call!(c => stream c.photos(2025)),
        ),
        (
            "/customer/v1/academic-years/2025/students/medical-conditions",
            call!(c => stream c.medical_conditions(2025)),
        ),
        (
            "/customer/v1/academic-years/2025/teaching/departments",
            call!(c => list c.departments(2025)),
        ),
        (
            "/customer/v1/academic-years/2025/teaching/subjects",
            call!(c => list c.subjects(2025)),
        ),
        (
            "/customer/v1/academic-years/2025/teaching/teachers",
            call!(c => list c.teachers(2025)),
        ),
        (
            "/customer/v1/academic-years/2025/teaching/groups",
            call!(c => list c.teaching_groups(2025)),
        ),
        (
            "/customer/v1/academic-years/2025/teaching/groups/students",
            call!(c => list c.group_students(2025)),
        ),
        (
            "/customer/v1/academic-years/2025/teaching/groups/teachers",
            call!(c => list c.group_teachers(2025)),
        ),
        (
            "/customer/v1/academic-years/2025/timetables",
            call!(c => list c.timetables(2025)),
        ),
        (
            "/customer/v1/academic-years/2025/timetables/calendar",
            call!(c => list c.calendar(2025)),
        ),
        (
            "/customer/v1/academic-years/2025/timetables/classes",
            call!(c => stream c.timetabled_classes(2025)),
        ),
        (
            "/customer/v1/academic-years/2025/timetables/student-classes",
            call!(c => stream c.student_classes(2025)),
        ),
        (
            "/customer/v1/academic-years/2025/attendance/codes",
            call!(c => list c.attendance_code_book(2025)),
        ),
        (
            "/customer/v1/academic-years/2025/attendance/student-session-marks/date/2024-09-09",
            call!(c => list c.session_marks(2025, d)),
        ),
        (
            "/customer/v1/academic-years/2025/attendance/student-lesson-marks/date/2024-09-09",
            call!(c => list c.lesson_marks(2025, d)),
        ),
        (
            "/customer/v1/academic-years/2025/attendance/student-session-summary",
            call!(c => list c.session_summary(2025)),
        ),
        (
            "/customer/v1/academic-years/2025/behaviour/actions/follow-up",
            call!(c => list c.follow_up_actions(2025)),
        ),
        (
            "/customer/v1/academic-years/2025/behaviour/actions/immediate",
            call!(c => list c.immediate_actions(2025)),
        ),
        (
            "/customer/v1/academic-years/2025/behaviour/classification",
            call!(c => list c.classifications(2025)),
        ),
        (
            "/customer/v1/academic-years/2025/behaviour/event-types",
            call!(c => list c.event_types(2025)),
        ),
        (
            "/customer/v1/academic-years/2025/behaviour/events/date/2024-09-09",
            call!(c => stream c.behaviour_events(2025, d)),
        ),
        (
            "/customer/v1/academic-years/2025/attainment/grade-types/year-group/Reception",
            call!(c => list c.grade_types(2025, "R")),
        ),
        (
            "/customer/v1/academic-years/2025/attainment/grades/year-group/11",
            call!(c => stream c.grades(2025, "11")),
        ),
        (
            "/customer/v1/academic-years/2025/attainment/exam-results/year-group/11",
            call!(c => list c.exam_results(2025, "Year 11")),
        ),
        (
            "/customer/v1/academic-years/2025/attainment/prior-attainment",
            call!(c => stream c.prior_attainment(2025)),
        ),
        (
            "/customer/v1/academic-years/2025/attainment/reports",
            call!(c => list c.reports(2025)),
        ),
        (
            "/customer/v1/academic-years/2025/attainment/reports/123456/attributes",
            call!(c => list c.report_attributes(2025, 123456)),
        ),
        (
            "/customer/v1/academic-years/2025/attainment/reports/123456/grades",
            call!(c => list c.report_grades(2025, 123456, None)),
        ),
        (
            "/customer/v1/academic-years/2025/attainment/reports/123456/comments",
            call!(c => stream c.report_comments(2025, 123456)),
        ),
        (
            "/customer/v1/academic-years/2025/assessment/markbooks",
            call!(c => list c.markbooks(2025)),
        ),
        (
            "/customer/v1/academic-years/2025/assessment/marksheet-grades",
            call!(c => stream c.marksheet_grades(2025)),
        ),
        (
            "/customer/v1/academic-years/2025/assessment/marks",
            call!(c => stream c.marks(2025)),
        ),
    ]
}

#[tokio::test]
async fn every_endpoint_hits_its_path_with_the_bearer_key() {
    let server = MockServer::start_async().await;
    let c = client(&server);
    for (path, call) in endpoints() {
        let mock = server
            .mock_async(|when, then| {
                when.method(GET)
                    .path(path)
                    .header("authorization", BEARER)
                    .header("accept", "application/json")
                    .query_param_missing("cursor");
                then.status(200).json_body(json!([]));
            })
            .await;
        let n = call(c.clone())
            .await
            .unwrap_or_else(|e| panic!("{path}: {e}"));
        assert_eq!(n, 0, "{path}");
        mock.assert_calls_async(1).await;
        mock.delete_async().await;
    }
}

#[tokio::test]
async fn school_accepts_plain_and_wrapped_bodies_and_year_types() {
    let server = MockServer::start_async().await;
    let plain = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/customer/v1/school")
                .header("authorization", BEARER);
            then.status(200).json_body(json!({
                "code": "DEMO", "name": "Demo School",
                "academic_years": [2024, 2025], "current_academic_year": 2025
            }));
        })
        .await;
    let s = client(&server).school().await.unwrap();
    assert_eq!(s.academic_years, [2024, 2025]);
    assert_eq!(s.current_academic_year, Some(2025));
    plain.delete_async().await;
    server
        .mock_async(|when, then| {
            when.method(GET).path("/customer/v1/school");
            then.status(200).json_body(json!({ "school": {
                "code": "DEMO", "name": "Demo School",
                "academic_years": ["2025"], "current_academic_year": "2025"
            }}));
        })
        .await;
    let s = client(&server).school().await.unwrap();
    assert_eq!(s.name.as_deref(), Some("Demo School"));
    assert_eq!(s.academic_years, [2025]);
    assert_eq!(s.current_academic_year, Some(2025));
}

#[tokio::test]
async fn paths_are_checked_before_sending() {
    let server = MockServer::start_async().await;
    let c = client(&server);
    let e = c.student_details(25).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
    assert!(e.to_string().contains("2025 for 2024/25"), "{e}");
    let e = c.grade_types(2025, "11/../x").await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
    let e = c
        .grades(2025, "Nursery")
        .try_collect::<Vec<_>>()
        .await
        .unwrap_err();
    assert!(e.to_string().contains("Nursery"), "{e}");
}

#[tokio::test]
async fn report_grades_pass_the_exclusions_flag() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/customer/v1/academic-years/2025/attainment/reports/77/grades")
                .query_param("applyTakeHomeReportExclusions", "false");
            then.status(200).json_body(json!([
                {"subject_id": 222222, "qan": "601/8575/2", "qualification_title": "Drama",
                 "grades": [{"type": 1, "name": "1", "student_id": 987654}]}
            ]));
        })
        .await;
    let g = client(&server)
        .report_grades(2025, 77, Some(false))
        .await
        .unwrap();
    assert_eq!(g[0].grades[0].student_id, 987654);
    mock.assert_async().await;
}

/// Three pages: no cursor, then `?cursor=` from each page, until `has_more` is false; lazy.
#[tokio::test]
async fn cursor_walk_over_three_pages() {
    let server = MockServer::start_async().await;
    let path = "/customer/v1/academic-years/2025/students/education-details";
    let row = |id: i64| json!({"student_id": id, "upn": format!("A{id}")});
    let first = server
        .mock_async(|when, then| {
            when.method(GET).path(path).query_param_missing("cursor");
            then.status(200).json_body(json!({
                "students_and_education_details": [row(1), row(2)],
                "has_more": true, "cursor": 2
            }));
        })
        .await;
    let second = server
        .mock_async(|when, then| {
            when.method(GET).path(path).query_param("cursor", "2");
            then.status(200).json_body(json!({
                "students_and_education_details": [row(3), row(4)],
                "has_more": true, "cursor": 4
            }));
        })
        .await;
    let third = server
        .mock_async(|when, then| {
            when.method(GET).path(path).query_param("cursor", "4");
            then.status(200).json_body(json!({
                "students_and_education_details": [row(5)],
                "has_more": false, "cursor": null
            }));
        })
        .await;
    let c = client(&server);
    let mut s = c.education_details(2025);
    assert_eq!(s.next().await.unwrap().unwrap().student_id, 1);
    first.assert_calls_async(1).await;
    second.assert_calls_async(0).await;
    let rest: Vec<i64> = s.map_ok(|d| d.student_id).try_collect().await.unwrap();
    assert_eq!(rest, [2, 3, 4, 5]);
    first.assert_calls_async(1).await;
    second.assert_calls_async(1).await;
    third.assert_calls_async(1).await;
}

/// The same endpoint decodes a bare array and the envelope: the vendor's examples
/// show both shapes for some endpoints.
#[tokio::test]
async fn both_list_shapes() {
    let server = MockServer::start_async().await;
    let path = "/customer/v1/academic-years/2025/attendance/codes";
    let code = json!({"id": 12, "code": "/", "label": "Present (AM)", "aliases": []});
    let bare = server
        .mock_async(|when, then| {
            when.method(GET).path(path);
            then.status(200).json_body(json!([code.clone()]));
        })
        .await;
    let c = client(&server);
    assert_eq!(c.attendance_code_book(2025).await.unwrap()[0].id, 12);
    bare.delete_async().await;
    server
        .mock_async(|when, then| {
            when.method(GET).path(path);
            then.status(200).json_body(json!({
                "AttendanceCodes": [code.clone()], "has_more": false, "cursor": null
            }));
        })
        .await;
    assert_eq!(
        c.attendance_code_book(2025).await.unwrap()[0]
            .code
            .as_deref(),
        Some("/")
    );
}

/// A server that says `has_more` without a cursor, or repeats a cursor, is a decode error
/// rather than a loop.
#[tokio::test]
async fn broken_paging_is_an_error_not_a_loop() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/customer/v1/academic-years/2025/timetables/classes");
            then.status(200)
                .json_body(json!({"classes": [{"id": 1}], "has_more": true, "cursor": null}));
        })
        .await;
    server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/customer/v1/academic-years/2025/timetables/student-classes");
            then.status(200).json_body(
                json!({"student_classes": [{"student_id": 1, "classes": []}], "has_more": true, "cursor": 5}),
            );
        })
        .await;
    let c = client(&server);
    let e = c
        .timetabled_classes(2025)
        .try_collect::<Vec<_>>()
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Decode);
    assert!(e.to_string().contains("no cursor"), "{e}");
    let e = c
        .student_classes(2025)
        .try_collect::<Vec<_>>()
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Decode);
}

#[tokio::test]
async fn session_attendance_is_posted_as_documented_and_never_replayed() {
    let server = MockServer::start_async().await;
    let path = "/customer/v1/academic-years/2025/attendance/student-session-marks";
    let body = wire::SessionAttendance {
        student_upn: "UPN123456789".into(),
        date: "2024-09-09".into(),
        session: "AM".into(),
        session_mark_id: 1,
        session_mark_alias_id: None,
        session_minutes_late: Some(5),
        session_notes: Some("Bus".into()),
        student_mis_id: None,
    };
    let ok = server
        .mock_async(|when, then| {
            when.method(POST)
                .path(path)
                .header("authorization", BEARER)
                .header("content-type", "application/json")
                .json_body(json!({
                    "student_upn": "UPN123456789", "date": "2024-09-09", "session": "AM",
                    "session_mark_id": 1, "session_mark_alias_id": null,
                    "session_minutes_late": 5, "session_notes": "Bus", "student_mis_id": null
                }));
            then.status(200);
        })
        .await;
    let c = retrying(&server, 3);
    c.record_session_attendance(2025, &body).await.unwrap();
    ok.assert_calls_async(1).await;
    ok.delete_async().await;

    // A documented 400 comes back as InvalidInput carrying the vendor's message.
    let refused = server
        .mock_async(|when, then| {
            when.method(POST).path(path);
            then.status(400)
                .json_body(json!({"error": "Bad Request", "message": "Unknown Attendance Mark"}));
        })
        .await;
    let e = c.record_session_attendance(2025, &body).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
    assert_eq!(e.vendor_code(), Some("Unknown Attendance Mark"));
    assert!(e.to_string().contains("Unknown Attendance Mark"), "{e}");
    refused.assert_calls_async(1).await;
    refused.delete_async().await;

    // A 500 after the POST may have been applied: not replayed, outcome unknown.
    let failing = server
        .mock_async(|when, then| {
            when.method(POST).path(path);
            then.status(500);
        })
        .await;
    let e = c.record_session_attendance(2025, &body).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unavailable);
    assert!(e.is_outcome_unknown(), "{e}");
    failing.assert_calls_async(1).await;
}

#[tokio::test]
async fn the_status_table() {
    let server = MockServer::start_async().await;
    let cases: &[(&str, u16, serde_json::Value, ErrorKind, Option<&str>)] = &[
        (
            "400",
            400,
            json!({"error": "Bad Request", "message": "Invalid Academic Year"}),
            ErrorKind::InvalidInput,
            Some("Invalid Academic Year"),
        ),
        (
            "401",
            401,
            json!({"error": "Unauthorized", "message": "The API key is invalid."}),
            ErrorKind::Unauthenticated,
            None,
        ),
        (
            "403a",
            403,
            json!({"error": "Forbidden", "message": "Module Disabled"}),
            ErrorKind::PermissionDenied,
            Some("Module Disabled"),
        ),
        (
            "403b",
            403,
            json!({"error": "Forbidden", "message": "Embargo Enabled"}),
            ErrorKind::PermissionDenied,
            Some("Embargo Enabled"),
        ),
        (
            "403c",
            403,
            json!({"error": "Forbidden", "message": "Not Enabled For Bromcom"}),
            ErrorKind::PermissionDenied,
            Some("Not Enabled For Bromcom"),
        ),
        (
            "404",
            404,
            json!({"error": "Not found", "message": "The resource could not be found."}),
            ErrorKind::NotFound,
            None,
        ),
        (
            "500",
            500,
            json!({"error": "Internal server", "message": "We had a problem with our server. Please try again later."}),
            ErrorKind::Unavailable,
            None,
        ),
    ];
    let c = client(&server);
    for (name, status, body, kind, code) in cases {
        let path = format!("/customer/v1/academic-years/2025/teaching/{name}");
        let mock = server
            .mock_async(|when, then| {
                when.method(GET).path(path.as_str());
                then.status(*status).json_body(body.clone());
            })
            .await;
        // Reach the path through the typed plumbing: a year list endpoint named like the case.
        let e = c
            .http()
            .get(&["academic-years", "2025", "teaching", name])
            .send()
            .await
            .unwrap_err();
        assert_eq!(e.kind(), *kind, "{name}: {e}");
        assert_eq!(e.vendor_code(), *code, "{name}: {e}");
        assert_eq!(e.status(), Some(*status));
        assert_eq!(e.vendor(), Some("go4schools"));
        assert!(!e.to_string().contains(KEY), "{e}");
        mock.assert_calls_async(1).await;
    }
}

/// 401 is final (a fixed key cannot be refreshed): one request, no replay.
#[tokio::test]
async fn unauthenticated_is_not_retried() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/customer/v1/academic-years/2025/students");
            then.status(401)
                .json_body(json!({"error": "Unauthorized", "message": "The API key is invalid."}));
        })
        .await;
    let e = retrying(&server, 4)
        .student_details(2025)
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unauthenticated);
    assert!(e.to_string().contains("MIS_GO4SCHOOLS_API_KEY"), "{e}");
    mock.assert_calls_async(1).await;
}

/// 429 is retried by the stack, waiting at least the server's `Retry-After`; 500 ("please
/// try again later") is retried too.
#[tokio::test]
async fn rate_limits_and_server_errors_are_retried() {
    let server = MockServer::start_async().await;
    let throttled = server
        .mock_async(|when, then| {
            when.method(GET).path("/customer/v1/academic-years/2025/students");
            then.status(429)
                .header("retry-after", "1")
                .json_body(json!({"error": "Too Many Request", "message": "Too many requests sent in a given amount of time."}));
        })
        .await;
    let started = Instant::now();
    let e = retrying(&server, 2)
        .student_details(2025)
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::RateLimited);
    assert_eq!(e.retry_after(), Some(Duration::from_secs(1)));
    assert!(
        started.elapsed() >= Duration::from_millis(950),
        "{:?}",
        started.elapsed()
    );
    throttled.assert_calls_async(2).await;

    let failing = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/customer/v1/academic-years/2025/timetables");
            then.status(500);
        })
        .await;
    let e = retrying(&server, 3).timetables(2025).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unavailable);
    failing.assert_calls_async(3).await;
}

/// A body of the wrong shape is a Decode error naming the JSON path, without quoting the bad
/// value in its message.
#[tokio::test]
async fn decode_errors_name_the_path() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(GET).path(
                "/customer/v1/academic-years/2025/attendance/student-session-marks/date/2024-09-09",
            );
            then.status(200).json_body(json!([
                {"session": "AM", "student_id": 1, "session_mark_id": 12},
                {"session": "AM", "student_id": "s3cr3t-g4s-key", "session_mark_id": 12}
            ]));
        })
        .await;
    let e = client(&server)
        .session_marks(2025, date(2024, 9, 9))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Decode);
    assert_eq!(e.decode_detail().unwrap().path, "[1].student_id");
    // serde's message would quote the value; the error keeps the path, not the value.
    assert!(!e.message().contains(KEY), "{}", e.message());
}

/// No Debug or Display of the config, the client or an error shows the key.
#[tokio::test]
async fn the_key_is_never_printed() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/customer/v1/academic-years/2025/students");
            // A server echoing the credential back must not get it into the error either.
            then.status(400)
                .body(format!("Invalid School for Authorization: {BEARER}"));
        })
        .await;
    let config = config(&server);
    let c = Client::new(config.clone()).unwrap();
    let e = c.student_details(2025).await.unwrap_err();
    for shown in [
        format!("{config:?}"),
        format!("{c:?}"),
        format!("{e}"),
        format!("{e:?}"),
        format!(
            "{:?}",
            mis_go4schools::auth::authenticator(config.api_key()).unwrap()
        ),
    ] {
        assert!(!shown.contains(KEY), "{shown}");
    }
    let bad = Config::new("s3cr3t\nkey").update_options(|o| o.with_base_url(server.base_url()));
    let e = Client::new(bad).unwrap_err();
    assert!(!e.to_string().contains("s3cr3t"), "{e}");
}

/// Attendance needs only attendance: with the timetable (and calendar) forbidden, session
/// marks still come, lesson marks are left out with one warning naming no record, a mark
/// that does not decode or convert costs that mark, and an outage stays fatal.
#[tokio::test]
async fn attendance_needs_only_attendance() {
    use mis_core::{AttendanceQuery, DateRange, Diagnostics, MisProviderExt, Slot};
    let server = MockServer::start_async().await;
    let year = "/customer/v1/academic-years/2025";
    let ok = |path: String, body: serde_json::Value| {
        let server = &server;
        async move {
            server
                .mock_async(|when, then| {
                    when.method(GET).path(path.as_str());
                    then.status(200).json_body(body);
                })
                .await
        }
    };
    ok(
        "/customer/v1/school".into(),
        json!({"code": "S", "name": "School", "academic_years": [2025], "current_academic_year": 2025}),
    )
    .await;
    ok(
        format!("{year}/attendance/codes"),
        json!([{"id": 1, "code": "/", "label": "Present"}]),
    )
    .await;
    ok(
        format!("{year}/attendance/student-session-marks/date/2024-09-09"),
        json!([
            {"date": "2024-09-09T00:00:00", "session": "AM", "student_id": 7, "session_mark_id": 1},
            {"date": "2024-09-09T00:00:00", "session": "XX", "student_id": 8, "session_mark_id": 1},
            {"date": "2024-09-09T00:00:00", "session": "PM", "student_id": "nine", "session_mark_id": 1}
        ]),
    )
    .await;
    let mut forbidden = Vec::new();
    for rest in [
        "timetables",
        "timetables/calendar",
        "timetables/classes",
        "teaching/teachers",
        "teaching/subjects",
    ] {
        let path = format!("{year}/{rest}");
        forbidden.push(
            server
                .mock_async(|when, then| {
                    when.method(GET).path(path.as_str());
                    then.status(403)
                        .json_body(json!({"error": "Forbidden", "message": "Module Disabled"}));
                })
                .await,
        );
    }
    let lesson_marks = server
        .mock_async(|when, then| {
            when.method(GET).path(format!(
                "{year}/attendance/student-lesson-marks/date/2024-09-09"
            ));
            then.status(200).json_body(json!([]));
        })
        .await;
    let outage = server
        .mock_async(|when, then| {
            when.method(GET).path(format!(
                "{year}/attendance/student-session-marks/date/2024-09-10"
            ));
            then.status(503).body("down");
        })
        .await;

    let c = mis_go4schools::Go4SchoolsProvider::new(config(&server)).unwrap();
    let day = DateRange::day(date(2024, 9, 9));
    let d = Diagnostics::new();
    let marks = c
        .all_attendance(AttendanceQuery::new(day).with_diagnostics(d.clone()))
        .await
        .unwrap();
    assert_eq!(marks.len(), 1, "{marks:?}");
    assert_eq!(
        (marks[0].student_id.as_str(), marks[0].slot),
        ("7", Slot::Session)
    );
    let w = d.warnings();
    assert_eq!(w.len(), 3, "{w:?}");
    let lessons = w
        .iter()
        .find(|w| w.kind == ErrorKind::PermissionDenied)
        .unwrap();
    assert_eq!(
        lessons.consequence,
        "lesson marks left out: timetable not readable"
    );
    assert_eq!((&lessons.record_id, &lessons.student_id), (&None, &None));
    assert_eq!(lessons.vendor, "go4schools");
    let unconverted = w.iter().find(|w| w.student_id.is_some()).unwrap();
    assert_eq!(unconverted.student_id.as_deref(), Some("8"));
    assert_eq!(unconverted.kind, ErrorKind::Decode);
    assert!(
        w.iter()
            .any(|w| w.kind == ErrorKind::Decode && w.message.contains("student_id")),
        "{w:?}"
    );
    lesson_marks.assert_calls_async(0).await;

    // Strict: the first warning (the forbidden timetable) is the error.
    let e = c
        .all_attendance(AttendanceQuery::new(day).with_diagnostics(Diagnostics::strict()))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::PermissionDenied, "{e}");

    // An outage of the register is not a warning: it ends the read.
    let d = Diagnostics::new();
    let e = c
        .all_attendance(
            AttendanceQuery::new(DateRange::day(date(2024, 9, 10))).with_diagnostics(d.clone()),
        )
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unavailable, "{e}");
    outage.assert_calls_async(1).await;
    assert!(
        d.warnings()
            .iter()
            .all(|w| w.kind == ErrorKind::PermissionDenied)
    );
}

/// The one way to inject a transport: `ClientOptions::with_transport`. The scripted transport
/// sees the vendor's host, the `/customer/v1` prefix and the bearer key, and nothing reaches
/// the network.
#[tokio::test]
async fn a_transport_is_injected_through_the_options() {
    use mis_http::testing::{Reply, ScriptedTransport};
    let transport = ScriptedTransport::new();
    transport.push(Reply::json(
        200,
        &json!({"code": "S", "name": "School", "academic_years": [2025], "current_academic_year": 2025}),
    ));
    let client = Client::new(Config::new(KEY).update_options(|o| {
        o.with_transport(transport.service())
            .with_retry(RetryConfig::none())
    }))
    .unwrap();
    let school = client.school().await.unwrap();
    assert_eq!(school.name.as_deref(), Some("School"));
    let sent = transport.requests();
    assert_eq!(sent.len(), 1);
    assert_eq!(
        sent[0].uri.to_string(),
        "https://api.go4schools.com/customer/v1/school"
    );
    assert_eq!(sent[0].header("authorization"), Some(BEARER));
}
