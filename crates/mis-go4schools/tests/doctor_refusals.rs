//! A refusal is never an empty read: GO 4 Schools answers 403 ("Module Disabled", "Embargo
//! Enabled", a permission the key lacks) for an endpoint, not for one date, so a read that
//! has nothing left without the refused endpoint fails with `PermissionDenied` (what
//! `mis doctor` turns into the permission to ask for), while a read that still has a part
//! left keeps it with one warning.

use std::time::Duration;

use futures::TryStreamExt;
use httpmock::Method::GET;
use httpmock::MockServer;
use jiff::civil::date;
use mis_core::{
    AttendanceQuery, BehaviourQuery, DateRange, Diagnostics, ErrorKind, MisProvider, Slot,
};
use mis_go4schools::{Config, Go4SchoolsProvider};
use mis_http::{RateLimit, RetryConfig};
use serde_json::{Value, json};

const YEAR: &str = "/customer/v1/academic-years/2025";

fn forbidden() -> Value {
    json!({"error": "Forbidden", "message": "Module Disabled"})
}

/// A school whose key may read the school, the code book, an empty timetable and the
/// behaviour scheme, with one session mark on 2024-09-09; each of `refused` (paths below
/// the year) answers 403 Module Disabled instead.
async fn school(refused: &[&str]) -> MockServer {
    let server = MockServer::start_async().await;
    for path in refused {
        let path = format!("{YEAR}/{path}");
        server
            .mock_async(|when, then| {
                when.method(GET).path(path.as_str());
                then.status(403).json_body(forbidden());
            })
            .await;
    }
    let ok = |path: String, body: Value| {
        let server = &server;
        async move {
            if refused.iter().any(|r| path == format!("{YEAR}/{r}")) {
                return;
            }
            server
                .mock_async(|when, then| {
                    when.method(GET).path(path.as_str());
                    then.status(200).json_body(body);
                })
                .await;
        }
    };
    ok(
        "/customer/v1/school".into(),
        json!({"code": "S", "name": "School", "academic_years": [2025], "current_academic_year": 2025}),
    )
    .await;
    ok("/customer/v1/users/staff".into(), json!([])).await;
    ok(
        format!("{YEAR}/attendance/codes"),
        json!([{"id": 1, "code": "/", "label": "Present"}]),
    )
    .await;
    ok(
        format!("{YEAR}/behaviour/event-types"),
        json!([{"id": 1, "code": "M1", "name": "Merit", "significance": "Positive"}]),
    )
    .await;
    for rest in [
        "timetables",
        "timetables/calendar",
        "teaching/teachers",
        "teaching/subjects",
    ] {
        ok(format!("{YEAR}/{rest}"), json!([])).await;
    }
    ok(
        format!("{YEAR}/timetables/classes"),
        json!({"classes": [], "has_more": false, "cursor": null}),
    )
    .await;
    ok(
        format!("{YEAR}/attendance/student-session-marks/date/2024-09-09"),
        json!([{"session": "AM", "student_id": 1, "session_mark_id": 1}]),
    )
    .await;
    ok(
        format!("{YEAR}/attendance/student-lesson-marks/date/2024-09-09"),
        json!([]),
    )
    .await;
    ok(
        format!("{YEAR}/behaviour/events/date/2024-09-09"),
        json!({"behaviour_events": [], "has_more": false, "cursor": null}),
    )
    .await;
    server
}

fn provider(server: &MockServer) -> Go4SchoolsProvider {
    Go4SchoolsProvider::new(Config::new("key").update_options(|o| {
        o.with_base_url(server.base_url())
            .with_rate_limit(RateLimit::unlimited())
            .with_retry(RetryConfig::none())
            .with_timeout(Duration::from_secs(10))
    }))
    .unwrap()
}

fn day() -> DateRange {
    DateRange::day(date(2024, 9, 9))
}

const SESSIONS: &str = "attendance/student-session-marks/date/2024-09-09";
const LESSONS: &str = "attendance/student-lesson-marks/date/2024-09-09";

#[tokio::test]
async fn both_registers_refused_fail_the_read_with_the_refusal() {
    let server = school(&[SESSIONS, LESSONS]).await;
    let e = provider(&server)
        .attendance(AttendanceQuery::new(day()))
        .try_collect::<Vec<_>>()
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::PermissionDenied, "{e}");
    assert_eq!(e.vendor_code(), Some("Module Disabled"));
}

#[tokio::test]
async fn the_only_register_asked_for_refused_fails_the_read() {
    let server = school(&[SESSIONS]).await;
    let e = provider(&server)
        .attendance(AttendanceQuery::new(day()).slot(Slot::Session))
        .try_collect::<Vec<_>>()
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::PermissionDenied, "{e}");
    // A lesson-only read without a readable timetable has nothing left either.
    let server = school(&["timetables"]).await;
    let e = provider(&server)
        .attendance(AttendanceQuery::new(day()).slot(Slot::Lesson))
        .try_collect::<Vec<_>>()
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::PermissionDenied, "{e}");
}

#[tokio::test]
async fn one_register_refused_keeps_the_other_with_one_warning() {
    let server = school(&[LESSONS]).await;
    let d = Diagnostics::new();
    let marks: Vec<_> = provider(&server)
        .attendance(AttendanceQuery::new(day()).with_diagnostics(d.clone()))
        .try_collect()
        .await
        .unwrap();
    assert_eq!(marks.len(), 1, "{marks:?}");
    let w = d.warnings();
    assert_eq!(w.len(), 1, "{w:?}");
    assert_eq!(w[0].kind, ErrorKind::PermissionDenied);
}

#[tokio::test]
async fn refused_behaviour_events_fail_the_read_not_one_date() {
    let server = school(&["behaviour/events/date/2024-09-09"]).await;
    let d = Diagnostics::new();
    let e = provider(&server)
        .behaviour(BehaviourQuery::new(day()).with_diagnostics(d.clone()))
        .try_collect::<Vec<_>>()
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::PermissionDenied, "{e}");
    assert!(d.warnings().is_empty(), "{:?}", d.warnings());
    // The event types refused: the same.
    let server = school(&["behaviour/event-types"]).await;
    let e = provider(&server)
        .behaviour(BehaviourQuery::new(day()))
        .try_collect::<Vec<_>>()
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::PermissionDenied, "{e}");
}
