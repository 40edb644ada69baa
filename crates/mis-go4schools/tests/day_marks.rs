//! The attendance stream holds the dates it fetched ahead unconverted and converts each mark
//! as the caller reaches it; a mark that cannot be converted is still found when its date
//! arrives, so strict mode fails before any of that date's marks are given out, and the
//! lenient read reports it and gives the rest.

use std::time::Duration;

use futures::StreamExt;
use httpmock::Method::GET;
use httpmock::MockServer;
use jiff::civil::date;
use mis_core::{
    AttendanceMark, AttendanceQuery, DateRange, Diagnostics, ErrorKind, MisProvider, Session, Slot,
};
use mis_go4schools::{Config, Go4SchoolsProvider};
use mis_http::{RateLimit, RetryConfig};
use serde_json::json;

const YEAR: &str = "/customer/v1/academic-years/2025";

/// A school with two dates of session marks: 2024-09-09 (students 1 and 2) and 2024-09-10
/// (students 3 and 4, then student 5 with a session that is neither AM nor PM).
async fn school() -> MockServer {
    let server = MockServer::start_async().await;
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
        format!("{YEAR}/attendance/codes"),
        json!([{"id": 1, "code": "/", "label": "Present"}]),
    )
    .await;
    let mark = |student: i64, session: &str| json!({"session": session, "student_id": student, "session_mark_id": 1});
    ok(
        format!("{YEAR}/attendance/student-session-marks/date/2024-09-09"),
        json!([mark(1, "AM"), mark(2, "PM")]),
    )
    .await;
    ok(
        format!("{YEAR}/attendance/student-session-marks/date/2024-09-10"),
        json!([mark(3, "AM"), mark(4, "pm"), mark(5, "XX")]),
    )
    .await;
    // No calendar for this key: every date is asked for.
    server
        .mock_async(|when, then| {
            when.method(GET).path(format!("{YEAR}/timetables/calendar"));
            then.status(403)
                .json_body(json!({"error": "Forbidden", "message": "Module Disabled"}));
        })
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

/// Every item of the session-mark stream over both dates, up to and including the first
/// error.
async fn read(
    provider: &Go4SchoolsProvider,
    d: Diagnostics,
) -> Vec<mis_core::Result<AttendanceMark>> {
    let range = DateRange::new(date(2024, 9, 9), date(2024, 9, 10)).unwrap();
    let query = AttendanceQuery::new(range)
        .slot(Slot::Session)
        .with_diagnostics(d);
    let mut stream = provider.attendance(query);
    let mut items = Vec::new();
    while let Some(item) = stream.next().await {
        let failed = item.is_err();
        items.push(item);
        if failed {
            break;
        }
    }
    items
}

fn students(items: &[mis_core::Result<AttendanceMark>]) -> Vec<&str> {
    items
        .iter()
        .filter_map(|i| i.as_ref().ok())
        .map(|m| m.student_id.as_str())
        .collect()
}

#[tokio::test]
async fn strict_mode_fails_before_any_mark_of_the_date_with_the_bad_mark() {
    let server = school().await;
    let items = read(&provider(&server), Diagnostics::strict()).await;
    // The first date whole, then the error: not students 3 and 4, which come before the
    // bad mark on the second date.
    assert_eq!(students(&items), ["1", "2"], "{items:?}");
    let e = items.last().unwrap().as_ref().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Decode, "{e}");
}

#[tokio::test]
async fn the_lenient_read_converts_every_good_mark_and_reports_the_bad_one() {
    let server = school().await;
    let d = Diagnostics::new();
    let items = read(&provider(&server), d.clone()).await;
    assert_eq!(students(&items), ["1", "2", "3", "4"], "{items:?}");
    let marks: Vec<_> = items.into_iter().map(Result::unwrap).collect();
    assert_eq!(
        marks
            .iter()
            .map(|m| (m.date, m.session))
            .collect::<Vec<_>>(),
        [
            (date(2024, 9, 9), Some(Session::Am)),
            (date(2024, 9, 9), Some(Session::Pm)),
            (date(2024, 9, 10), Some(Session::Am)),
            (date(2024, 9, 10), Some(Session::Pm)),
        ]
    );
    assert!(
        marks
            .iter()
            .all(|m| m.code == "/" && m.slot == Slot::Session)
    );
    let warnings = d.warnings();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert_eq!(warnings[0].student_id.as_deref(), Some("5"));
    assert_eq!(warnings[0].kind, ErrorKind::Decode);
}
