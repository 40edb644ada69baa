//! Partial results (issue 13): what each fault costs and how the caller is told, through the
//! ClassCharts emulator's record faults and through local httpmock servers for the shapes the
//! emulator does not serve (one bad activity point or attendance mark, an expired session).

use std::sync::Arc;

use futures::TryStreamExt;
use httpmock::Method::{GET, POST};
use httpmock::MockServer;
use jiff::ToSpan;
use mis_classcharts::{Config, ParentClient, StudentClient};
use mis_core::{
    AttendanceQuery, BehaviourQuery, DateRange, Diagnostics, ErrorKind, MisProvider, Slot,
    StudentQuery, TimetableQuery, Warning,
};
use mis_http::{RateLimit, RetryConfig};
use mis_sandbox::{EmulatorOptions, FaultPlan, RecordFaults, Sandbox, School};
use serde_json::{Value, json};

// ---- through the emulator ---------------------------------------------------------------------

struct Degraded {
    _sandbox: Sandbox,
    school: Arc<School>,
    client: ParentClient,
    pupils: Vec<String>,
    range: DateRange,
}

impl Degraded {
    fn malformed(&self) -> &str {
        &self.school.students[RecordFaults::MALFORMED_STUDENT].id
    }

    fn missing(&self) -> &str {
        &self.school.students[RecordFaults::MISSING_STUDENT].id
    }
}

async fn degraded() -> Degraded {
    let school = Arc::new(School::generate(180, 30));
    let sandbox = Sandbox::start_with(
        &mis_sandbox::emulator::classcharts::EMULATOR,
        school.clone(),
        FaultPlan::degraded(),
        EmulatorOptions::default(),
        0,
    )
    .await
    .unwrap();
    let creds = sandbox.credentials();
    let pupils = creds
        .get("parent_pupil_ids")
        .unwrap()
        .split(',')
        .map(str::to_owned)
        .collect();
    let config = Config::parent(creds.get("email").unwrap(), creds.get("password").unwrap())
        .unwrap()
        .update_options(|o| {
            o.with_base_url(sandbox.base_url())
                .with_rate_limit(RateLimit::unlimited())
        });
    let from = school.lesson_mark_range.unwrap().from();
    let range = DateRange::new(from, from.checked_add(11.days()).unwrap()).unwrap();
    Degraded {
        client: ParentClient::new(config).unwrap(),
        _sandbox: sandbox,
        school,
        pupils,
        range,
    }
}

fn only(ws: &[Warning]) -> &Warning {
    assert_eq!(ws.len(), 1, "{ws:#?}");
    &ws[0]
}

/// The malformed `/pupils` record costs that pupil, named by id, and nothing else.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_malformed_pupil_record_costs_that_pupil() {
    let t = degraded().await;
    let d = Diagnostics::new();
    let students: Vec<_> = t
        .client
        .students(StudentQuery::new().with_diagnostics(d.clone()))
        .try_collect()
        .await
        .unwrap();
    let ids: Vec<&str> = students.iter().map(|s| s.id.as_str()).collect();
    let want: Vec<&str> = t
        .pupils
        .iter()
        .map(String::as_str)
        .filter(|id| *id != t.malformed())
        .collect();
    assert_eq!(ids, want);
    let ws = d.warnings();
    let w = only(&ws);
    assert_eq!(
        (w.kind, w.record_id.as_deref(), w.operation.as_str()),
        (ErrorKind::Decode, Some(t.malformed()), "pupils")
    );
    assert_eq!(
        (w.vendor.as_str(), w.entity.as_str()),
        ("classcharts", "student")
    );
    assert_eq!(w.consequence, "student record skipped");
    // `Pupil` flattens the student object, which hides the field's path from serde; the
    // message still says what was wrong, and carries no value from the record.
    assert!(w.message.contains("sequence"), "{}", w.message);
    let name = &t.school.students[RecordFaults::MALFORMED_STUDENT].first_name;
    assert!(!w.message.contains(name.as_str()), "{}", w.message);

    // Asking for that pupil by id: nothing, and the same warning — not "no such pupil".
    let d = Diagnostics::new();
    let marks: Vec<_> = t
        .client
        .attendance(
            AttendanceQuery::new(t.range)
                .student(t.malformed())
                .with_diagnostics(d.clone()),
        )
        .try_collect()
        .await
        .unwrap();
    assert!(marks.is_empty());
    let ws = d.warnings();
    let w = only(&ws);
    assert_eq!(w.record_id.as_deref(), Some(t.malformed()));
    assert!(
        w.consequence.contains("marks left out"),
        "{}",
        w.consequence
    );

    // Asking for a healthy pupil: that read lost nothing, so it says nothing.
    let d = Diagnostics::new();
    let lessons: Vec<_> = t
        .client
        .timetable(
            TimetableQuery::new(t.range)
                .student(&t.pupils[0])
                .with_diagnostics(d.clone()),
        )
        .try_collect()
        .await
        .unwrap();
    assert!(!lessons.is_empty());
    assert!(d.is_empty(), "{:#?}", d.warnings());
}

/// The hidden timetable costs the missing pupil's lesson marks their `lesson_id` only; the
/// other pupils' lesson marks keep theirs; the activity "not found" costs that pupil's
/// behaviour only.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pupil_part_that_fails_costs_that_part() {
    let t = degraded().await;
    let d = Diagnostics::new();
    let marks: Vec<_> = t
        .client
        .attendance(AttendanceQuery::new(t.range).with_diagnostics(d.clone()))
        .try_collect()
        .await
        .unwrap();
    let lesson_marks = |id: &str| {
        marks
            .iter()
            .filter(|m| m.student_id == id && m.slot == Slot::Lesson)
            .collect::<Vec<_>>()
    };
    let missing = lesson_marks(t.missing());
    assert!(!missing.is_empty());
    assert!(missing.iter().all(|m| m.lesson_id.is_none()));
    let healthy = lesson_marks(&t.pupils[0]);
    assert!(!healthy.is_empty());
    assert!(healthy.iter().all(|m| m.lesson_id.is_some()));
    let want = t
        .school
        .session_marks
        .iter()
        .chain(&t.school.lesson_marks)
        .filter(|m| m.student_id == t.missing() && t.range.contains(m.date))
        .count();
    assert_eq!(
        marks.iter().filter(|m| m.student_id == t.missing()).count(),
        want,
        "every mark of the pupil whose timetable is hidden is there"
    );
    let ws = d.warnings();
    let denied: Vec<_> = ws
        .iter()
        .filter(|w| w.kind == ErrorKind::PermissionDenied)
        .collect();
    assert_eq!(denied.len(), 1, "one warning, not one per day: {ws:#?}");
    assert_eq!(denied[0].student_id.as_deref(), Some(t.missing()));
    assert_eq!(denied[0].operation, "timetable");
    assert!(denied[0].consequence.contains("without lesson_id"));
    // The other warning is the malformed pupil's.
    assert_eq!(ws.len(), 2, "{ws:#?}");

    let d = Diagnostics::new();
    let events: Vec<_> = t
        .client
        .behaviour(BehaviourQuery::new(t.range).with_diagnostics(d.clone()))
        .try_collect()
        .await
        .unwrap();
    assert!(!events.is_empty());
    assert!(
        events
            .iter()
            .all(|e| !e.student_ids.iter().any(|s| s == t.missing()))
    );
    let ws = d.warnings();
    let not_found: Vec<_> = ws
        .iter()
        .filter(|w| w.kind == ErrorKind::NotFound)
        .collect();
    assert_eq!(not_found.len(), 1, "{ws:#?}");
    assert_eq!(not_found[0].student_id.as_deref(), Some(t.missing()));
    assert_eq!(not_found[0].operation, "activity");
    assert_eq!(
        not_found[0].status,
        Some(200),
        "the vendor's 200 error envelope"
    );

    // Strict: the first warning is the error.
    let e = t
        .client
        .attendance(AttendanceQuery::new(t.range).with_diagnostics(Diagnostics::strict()))
        .try_collect::<Vec<_>>()
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Decode);
}

// ---- through local servers --------------------------------------------------------------------

fn ok(data: Value, meta: Value) -> Value {
    json!({"success": 1, "data": data, "meta": meta})
}

async fn student(server: &MockServer) -> StudentClient {
    server
        .mock_async(|when, then| {
            when.method(POST).path("/apiv2student/login");
            then.status(200).json_body(ok(
                json!({"id": 42, "first_name": "Ada", "last_name": "Lovelace"}),
                json!({"session_id": "s1"}),
            ));
        })
        .await;
    server
        .mock_async(|when, then| {
            when.method(POST).path("/apiv2student/ping");
            then.status(200).json_body(ok(
                json!({"user": {"id": 42, "first_name": "Ada", "last_name": "Lovelace"}}),
                json!({"version": "28.7.1", "session_id": "s2"}),
            ));
        })
        .await;
    let config = Config::student("ABC123", "2010-01-20")
        .unwrap()
        .update_options(|o| {
            o.with_base_url(server.base_url())
                .with_rate_limit(RateLimit::unlimited())
                .with_retry(RetryConfig::none())
        });
    StudentClient::new(config).unwrap()
}

fn sept() -> DateRange {
    DateRange::new(
        jiff::civil::date(2024, 9, 9),
        jiff::civil::date(2024, 9, 13),
    )
    .unwrap()
}

/// One activity point of the wrong shape costs that point; the walk pages on from its id
/// even when it is the last of its page.
#[tokio::test]
async fn one_bad_activity_point_costs_that_point() {
    let server = MockServer::start_async().await;
    let client = student(&server).await;
    let point = |id: u64| {
        json!({"id": id, "type": "behaviour", "polarity": "positive", "reason": "Effort",
               "score": 1, "timestamp": "2024-09-10 10:00:00"})
    };
    let bad = json!({"id": 29, "type": "behaviour", "score": {"points": 1},
                     "timestamp": "2024-09-10 09:00:00"});
    server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/apiv2student/activity/42")
                .query_param_missing("last_id");
            then.status(200)
                .json_body(ok(json!([point(30), bad]), json!({"last_id": 29})));
        })
        .await;
    server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/apiv2student/activity/42")
                .query_param("last_id", "29");
            then.status(200)
                .json_body(ok(json!([point(12)]), json!({"last_id": 12})));
        })
        .await;
    server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/apiv2student/activity/42")
                .query_param("last_id", "12");
            then.status(200)
                .json_body(ok(json!([]), json!({"last_id": false})));
        })
        .await;
    let d = Diagnostics::new();
    let ids: Vec<String> = client
        .behaviour(BehaviourQuery::new(sept()).with_diagnostics(d.clone()))
        .map_ok(|e| e.id)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(ids, ["30", "12"]);
    let ws = d.warnings();
    let w = only(&ws);
    assert_eq!(
        (w.kind, w.record_id.as_deref(), w.student_id.as_deref()),
        (ErrorKind::Decode, Some("29"), Some("42"))
    );
    assert!(w.message.contains("score"), "{}", w.message);
}

/// One mark of the wrong shape costs that mark; the other registers of the day stay.
#[tokio::test]
async fn one_bad_attendance_mark_costs_that_mark() {
    let server = MockServer::start_async().await;
    let client = student(&server).await;
    server
        .mock_async(|when, then| {
            when.method(GET).path("/apiv2student/attendance/42");
            then.status(200).json_body(ok(
                json!({"2024-09-09": {
                    "AM": {"code": "/", "status": "present", "late_minutes": 0},
                    "PM": {"code": "/", "status": "present", "late_minutes": [5]},
                    "P1": {"code": "/", "status": "present", "late_minutes": "",
                           "lesson_name": "9X/Ma1", "room_name": "M1"}
                }}),
                json!([]),
            ));
        })
        .await;
    // The day's timetable, which the lesson mark joins.
    server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/apiv2student/timetable/42")
                .query_param("date", "2024-09-09");
            then.status(200).json_body(ok(
                json!([{"lesson_id": 991, "lesson_name": "9X/Ma1", "period_number": "P1",
                        "date": "2024-09-09", "start_time": "2024-09-09T09:00:00+01:00",
                        "end_time": "2024-09-09T10:00:00+01:00"}]),
                json!({"dates": ["2024-09-09"], "timetable_dates": ["2024-09-09"]}),
            ));
        })
        .await;
    let d = Diagnostics::new();
    let marks: Vec<_> = client
        .attendance(AttendanceQuery::new(sept()).with_diagnostics(d.clone()))
        .try_collect()
        .await
        .unwrap();
    let mut got: Vec<String> = marks
        .iter()
        .map(|m| {
            m.period
                .clone()
                .unwrap_or_else(|| format!("{:?}", m.session))
        })
        .collect();
    got.sort();
    assert_eq!(got, ["P1", "Some(Am)"]);
    let p1 = marks.iter().find(|m| m.period.is_some()).unwrap();
    assert_eq!(p1.lesson_id.as_deref(), Some("991:2024-09-09:P1"));
    let ws = d.warnings();
    let w = only(&ws);
    assert_eq!(
        (w.kind, w.student_id.as_deref()),
        (ErrorKind::Decode, Some("42"))
    );
    assert!(w.message.contains("PM"), "{}", w.message);
}

/// Fatal stays fatal: a session ClassCharts keeps refusing after the one re-login ends the
/// read with `Unauthenticated`, never a warning.
#[tokio::test]
async fn an_expired_session_that_login_cannot_fix_ends_the_read() {
    let server = MockServer::start_async().await;
    let client = student(&server).await;
    server
        .mock_async(|when, then| {
            when.method(GET).path("/apiv2student/activity/42");
            then.status(200).json_body(
                json!({"success": 0, "error": "You are not logged in. [1]", "expired": 1, "meta": []}),
            );
        })
        .await;
    let d = Diagnostics::new();
    let e = client
        .behaviour(BehaviourQuery::new(sept()).with_diagnostics(d.clone()))
        .try_collect::<Vec<_>>()
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unauthenticated);
    assert!(d.is_empty(), "{:#?}", d.warnings());
}
