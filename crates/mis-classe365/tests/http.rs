//! Request and response shapes against a local httpmock server: the Basic header, paging by
//! `meta`, 204 handling, `error_code` extraction, create vs update by `id`, writes never
//! retried, and subdomains refused before any request.

use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use futures::TryStreamExt;
use httpmock::Method::{GET, POST};
use httpmock::MockServer;
use jiff::civil::date;
use mis_classe365::wire::{AttendanceRecord, StudentInput};
use mis_classe365::{AttendanceFilter, Classe365Provider, Client, Config, vendor_error};
use mis_core::{
    AttendanceCategory, AttendanceQuery, AttendanceWrite, DateRange, ErrorKind, MisProvider,
    Session, Slot, StudentQuery, WriteReceipt,
};
use mis_http::testing::{Reply, ScriptedTransport};
use mis_http::{ClientOptions, RetryConfig};
use serde_json::json;

const SUBDOMAIN: &str = "evaluate3x";
const KEY: &str = "kysjd4f58sadf894cfa";

fn config(server: &MockServer) -> Config {
    Config::new(SUBDOMAIN, KEY).unwrap().with_options(
        ClientOptions::new()
            .with_base_url(server.base_url())
            .with_retry(
                RetryConfig::default()
                    .max_attempts(3)
                    .base_delay(Duration::from_millis(1))
                    .max_delay(Duration::from_millis(5)),
            )
            .with_timeout(Duration::from_secs(10)),
    )
}

fn client(server: &MockServer) -> Client {
    Client::new(config(server)).unwrap()
}

fn provider(server: &MockServer) -> Classe365Provider {
    Classe365Provider::new(config(server)).unwrap()
}

fn basic() -> String {
    format!("Basic {}", STANDARD.encode(format!("{SUBDOMAIN}:{KEY}")))
}

fn student(id: u32, first: &str) -> serde_json::Value {
    json!({"id": id, "first_name": first, "last_name": "Test", "status": "active",
           "year_level": "7", "class_name": "7B"})
}

#[test]
fn the_vendor_docs_example_header_is_base64_of_subdomain_colon_key() {
    // The cURL example in the vendor document.
    assert_eq!(basic(), "Basic ZXZhbHVhdGUzeDpreXNqZDRmNThzYWRmODk0Y2Zh");
}

#[tokio::test]
async fn basic_header_on_every_request_and_the_restv2_prefix() {
    let server = MockServer::start_async().await;
    let list = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/restv2/students")
                .header("authorization", basic())
                .header("accept", "application/json")
                .query_param("page", "1")
                .query_param("per_page", "100");
            then.status(200)
                .json_body(json!({"records": [student(1, "Ada")], "meta": {"current_page": 1, "per_page": 100, "total_records": 1, "total_pages": 1}}));
        })
        .await;
    let one = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/restv2/students/1")
                .header("authorization", basic());
            then.status(200)
                .json_body(json!({"record": student(1, "Ada")}));
        })
        .await;
    let c = client(&server);
    let page = c.students_page(1).await.unwrap();
    assert_eq!(page.items.len(), 1);
    assert_eq!(page.next, None);
    assert_eq!(
        c.student("1").await.unwrap().first_name.as_deref(),
        Some("Ada")
    );
    list.assert_async().await;
    one.assert_async().await;
}

#[tokio::test]
async fn paging_follows_meta_total_pages() {
    let server = MockServer::start_async().await;
    let mut mocks = Vec::new();
    for page in 1..=3u32 {
        let records: Vec<_> = (0..2).map(|i| student(page * 10 + i, "P")).collect();
        mocks.push(
            server
                .mock_async(move |when, then| {
                    when.method(GET)
                        .path("/restv2/students")
                        .query_param("page", page.to_string())
                        .query_param("per_page", "2");
                    then.status(200).json_body(json!({
                        "records": records,
                        "meta": {"current_page": page, "per_page": 2, "total_records": 6, "total_pages": 3}
                    }));
                })
                .await,
        );
    }
    let c = Client::new(config(&server).update_options(|o| o.with_page_size(2))).unwrap();
    let ids: Vec<String> = c
        .student_records()
        .map_ok(|s| s.id.unwrap())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(ids, ["10", "11", "20", "21", "30", "31"]);
    for m in &mocks {
        assert_eq!(
            m.calls_async().await,
            1,
            "each page once, none past the last"
        );
    }
}

#[tokio::test]
async fn without_meta_a_short_page_is_the_last() {
    let server = MockServer::start_async().await;
    let p1 = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/restv2/teachers")
                .query_param("page", "1");
            then.status(200)
                .json_body(json!({"records": [{"id": 1}, {"id": 2}]}));
        })
        .await;
    let p2 = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/restv2/teachers")
                .query_param("page", "2");
            then.status(200).json_body(json!({"records": [{"id": 3}]}));
        })
        .await;
    let c = Client::new(config(&server).update_options(|o| o.with_page_size(2))).unwrap();
    let all: Vec<_> = c.teachers().try_collect().await.unwrap();
    assert_eq!(all.len(), 3);
    assert_eq!((p1.calls_async().await, p2.calls_async().await), (1, 1));
}

#[tokio::test]
async fn a_204_is_an_empty_list_or_not_found() {
    let server = MockServer::start_async().await;
    let empty = server
        .mock_async(|when, then| {
            when.method(GET).path("/restv2/classes");
            then.status(204);
        })
        .await;
    let missing = server
        .mock_async(|when, then| {
            when.method(GET).path("/restv2/students/404");
            then.status(204);
        })
        .await;
    let update_missing = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/restv2/students")
                .json_body(json!({"id": 404, "first_name": "X"}));
            then.status(204);
        })
        .await;
    let c = client(&server);
    let classes: Vec<_> = c.classes().try_collect().await.unwrap();
    assert!(classes.is_empty());
    assert_eq!(empty.calls_async().await, 1);

    let e = c.student("404").await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);
    assert_eq!(e.status(), Some(204));
    assert!(e.to_string().contains("404"), "{e}");
    missing.assert_async().await;

    let input = StudentInput {
        id: Some("404".into()),
        first_name: Some("X".into()),
        ..StudentInput::default()
    };
    let e = c.update_student(&input).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);
    update_missing.assert_async().await;
}

#[tokio::test]
async fn error_code_and_validation_details_are_extracted() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(POST).path("/restv2/students");
            then.status(400).json_body(json!({
                "message": "Validation failed (error_code: 201)",
                "errors": [{"field": "first_name", "message": "is required"},
                           {"field": "student_dob", "message": "must be a date (YYYY-MM-DD) or null"}]
            }));
        })
        .await;
    let c = client(&server);
    let e = c
        .create_student(&StudentInput {
            last_name: Some("Lovelace".into()),
            ..StudentInput::default()
        })
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
    assert_eq!(e.vendor_code(), Some("201"));
    assert_eq!(e.status(), Some(400));
    assert_eq!(e.vendor(), Some("classe365"));
    assert_eq!(e.operation(), Some("students.save"));
    let text = e.to_string();
    assert!(text.contains("Validation failed"), "{text}");
    assert!(text.contains("first_name: is required"), "{text}");
    let details = vendor_error(&e).unwrap();
    assert_eq!(details.error_code.as_deref(), Some("201"));
    assert_eq!(details.errors.len(), 2);
    assert_eq!(details.errors[1].field.as_deref(), Some("student_dob"));
}

#[tokio::test]
async fn status_table_401_403_405_5xx() {
    let server = MockServer::start_async().await;
    let unauthorized = server
        .mock_async(|when, then| {
            when.method(GET).path("/restv2/students");
            then.status(401)
                .header("www-authenticate", "Basic realm=\"Classe365 API\"")
                .json_body(json!({"message": "Invalid subdomain or API key (error_code: 102)"}));
        })
        .await;
    let forbidden = server
        .mock_async(|when, then| {
            when.method(GET).path("/restv2/teachers");
            then.status(403).json_body(
                json!({"message": "The API key has no access to this module (error_code: 401)"}),
            );
        })
        .await;
    let not_allowed = server
        .mock_async(|when, then| {
            when.method(GET).path("/restv2/departments");
            then.status(405)
                .json_body(json!({"message": "The HTTP method is not allowed for this endpoint (error_code: 302)"}));
        })
        .await;
    let flaky = server
        .mock_async(|when, then| {
            when.method(GET).path("/restv2/sessions");
            then.status(500)
                .json_body(json!({"message": "Internal error (error_code: 900)"}));
        })
        .await;
    let c = client(&server);

    let e = c.students_page(1).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unauthenticated);
    assert_eq!(e.vendor_code(), Some("102"));
    assert_eq!(
        unauthorized.calls_async().await,
        1,
        "a fixed key is not replayed"
    );

    let e = c.teachers_page(1).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::PermissionDenied);
    assert_eq!(forbidden.calls_async().await, 1);

    let e = c.departments_page(1).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Vendor);
    assert!(!e.is_retryable());
    assert!(e.to_string().contains("bug in mis-classe365"), "{e}");
    assert_eq!(not_allowed.calls_async().await, 1);

    let e = c.sessions_page(1).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unavailable);
    assert!(e.is_retryable());
    assert_eq!(
        flaky.calls_async().await,
        3,
        "a GET is retried up to max_attempts"
    );
}

#[tokio::test]
async fn create_without_id_update_with_id() {
    let server = MockServer::start_async().await;
    let create = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/restv2/students")
                .header("authorization", basic())
                .header("content-type", "application/json")
                .json_body(json!({"first_name": "Ada", "last_name": "Lovelace", "student_dob": "2010-12-10"}));
            then.status(201).json_body(json!({
                "record": {"id": 77, "first_name": "Ada", "last_name": "Lovelace", "student_dob": "2010-12-10"},
                "message": "Student created"
            }));
        })
        .await;
    let update = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/restv2/students")
                .json_body(json!({"id": 77, "student_email": "ada@x.example"}));
            then.status(200).json_body(json!({
                "record": {"id": 77, "first_name": "Ada", "student_email": "ada@x.example"},
                "message": "Student updated"
            }));
        })
        .await;
    let c = client(&server);
    let created = c
        .create_student(&StudentInput {
            first_name: Some("Ada".into()),
            last_name: Some("Lovelace".into()),
            date_of_birth: Some("2010-12-10".into()),
            ..StudentInput::default()
        })
        .await
        .unwrap();
    assert_eq!(created.id.as_deref(), Some("77"));
    let updated = c
        .update_student(&StudentInput {
            id: created.id.clone(),
            email: Some("ada@x.example".into()),
            ..StudentInput::default()
        })
        .await
        .unwrap();
    assert_eq!(updated.email.as_deref(), Some("ada@x.example"));
    create.assert_async().await;
    update.assert_async().await;

    // Asking for the wrong one is refused before anything is sent.
    let e = c
        .create_student(&StudentInput {
            id: Some("77".into()),
            ..StudentInput::default()
        })
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
    let e = c
        .update_student(&StudentInput::default())
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
    assert_eq!(create.calls_async().await + update.calls_async().await, 2);
}

#[tokio::test]
async fn posts_are_never_retried() {
    let server = MockServer::start_async().await;
    let unavailable = server
        .mock_async(|when, then| {
            when.method(POST).path("/restv2/attendance");
            then.status(503)
                .json_body(json!({"message": "Try later (error_code: 900)"}));
        })
        .await;
    let throttled = server
        .mock_async(|when, then| {
            when.method(POST).path("/restv2/students");
            then.status(429)
                .header("retry-after", "0")
                .json_body(json!({"message": "Too many requests (error_code: 601)"}));
        })
        .await;
    let c = client(&server);
    let record = AttendanceRecord {
        student_id: Some("1".into()),
        date: Some("2024-09-09".into()),
        status: Some("present".into()),
        ..AttendanceRecord::default()
    };
    let e = c.save_attendance(&record).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unavailable);
    assert_eq!(unavailable.calls_async().await, 1);
    let e = c
        .create_student(&StudentInput {
            first_name: Some("A".into()),
            last_name: Some("B".into()),
            ..StudentInput::default()
        })
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::RateLimited);
    assert_eq!(throttled.calls_async().await, 1);
}

#[tokio::test]
async fn crafted_subdomains_are_refused_before_any_request() {
    let server = MockServer::start_async().await;
    let anything = server
        .mock_async(|_when, then| {
            then.status(200).json_body(json!({"records": []}));
        })
        .await;
    for bad in ["evil.com/x", "a@b", "x:y", "evil.com#", "../x", "EVIL", ""] {
        let e = Config::new(bad, KEY).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput, "{bad:?}");
        assert!(e.to_string().contains("subdomain"), "{bad:?}: {e}");
    }
    assert_eq!(anything.calls_async().await, 0);
}

#[tokio::test]
async fn attendance_query_shape_and_day_marks() {
    let server = MockServer::start_async().await;
    let list = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/restv2/attendance")
                .query_param("from", "2024-09-09")
                .query_param("to", "2024-09-13")
                .query_param("student_id", "1001")
                .query_param("page", "1");
            then.status(200).json_body(json!({
                "records": [
                    {"id": 1, "student_id": 1001, "class_id": 5, "date": "2024-09-09", "status": "present", "remarks": null},
                    {"id": 2, "student_id": 1001, "class_id": 5, "date": "2024-09-10", "status": "late", "remarks": "Bus"},
                    {"id": 3, "student_id": 1001, "class_id": 5, "date": "2024-09-11", "status": "holiday", "remarks": null}
                ],
                "meta": {"current_page": 1, "per_page": 100, "total_records": 3, "total_pages": 1}
            }));
        })
        .await;
    let c = provider(&server);
    let range = DateRange::parse("2024-09-09", "2024-09-13").unwrap();
    let marks: Vec<_> = c
        .attendance(AttendanceQuery::new(range).student("1001"))
        .try_collect()
        .await
        .unwrap();
    list.assert_async().await;
    assert_eq!(marks.len(), 3);
    assert!(
        marks
            .iter()
            .all(|m| m.slot == Slot::Day && m.session.is_none())
    );
    assert_eq!(marks[1].category, AttendanceCategory::Present);
    assert!(marks[1].late);
    assert_eq!(marks[1].note.as_deref(), Some("Bus"));
    assert_eq!(marks[2].category, AttendanceCategory::Unmapped);
    assert_eq!(marks[2].code, "holiday");

    // Session and lesson registers do not exist: typed, not an empty list.
    let e = c
        .attendance(AttendanceQuery::new(range).slot(Slot::Session))
        .try_collect::<Vec<_>>()
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unsupported);
}

#[tokio::test]
async fn record_attendance_updates_the_days_record_by_id_or_creates_one() {
    let server = MockServer::start_async().await;
    let lookup_existing = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/restv2/attendance")
                .query_param("from", "2024-09-09")
                .query_param("to", "2024-09-09")
                .query_param("student_id", "1001");
            then.status(200).json_body(json!({"records": [
                {"id": 55, "student_id": 1001, "class_id": 5, "date": "2024-09-09", "status": "present"}
            ]}));
        })
        .await;
    let update = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/restv2/attendance")
                .json_body(json!({
                    "id": 55, "student_id": 1001, "class_id": 5, "date": "2024-09-09",
                    "status": "late", "remarks": "Bus"
                }));
            then.status(200).json_body(json!({"record": {
                "id": 55, "student_id": 1001, "class_id": 5, "date": "2024-09-09",
                "status": "late", "remarks": "Bus"
            }, "message": "Attendance updated"}));
        })
        .await;
    let lookup_none = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/restv2/attendance")
                .query_param("student_id", "1002");
            then.status(204);
        })
        .await;
    let create = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/restv2/attendance")
                .json_body(json!({
                    "student_id": 1002, "date": "2024-09-09", "status": "excused"
                }));
            then.status(201).json_body(json!({"record": {
                "id": 56, "student_id": 1002, "class_id": 6, "date": "2024-09-09",
                "status": "excused", "remarks": null
            }}));
        })
        .await;
    let c = provider(&server);
    let mut w = AttendanceWrite::session("1001", date(2024, 9, 9), Session::Am, "late").note("Bus");
    w.session = None;
    let receipt = c.record_attendance(w).await.unwrap();
    assert_eq!(
        receipt,
        WriteReceipt::Applied {
            id: Some("55".into())
        }
    );
    lookup_existing.assert_async().await;
    update.assert_async().await;

    let mut w = AttendanceWrite::session("1002", date(2024, 9, 9), Session::Am, "excused");
    w.session = None;
    let receipt = c.record_attendance(w).await.unwrap();
    assert_eq!(
        receipt,
        WriteReceipt::Applied {
            id: Some("56".into())
        }
    );
    lookup_none.assert_async().await;
    create.assert_async().await;

    // A session mark cannot be held: refused before anything is sent.
    let before = lookup_existing.calls_async().await;
    let e = c
        .record_attendance(AttendanceWrite::session(
            "1001",
            date(2024, 9, 9),
            Session::Am,
            "late",
        ))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
    assert_eq!(lookup_existing.calls_async().await, before);
}

#[tokio::test]
async fn students_filter_leavers_and_year_groups() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(GET).path("/restv2/students");
            then.status(200).json_body(json!({"records": [
                {"id": 1, "first_name": "A", "status": "active", "year_level": "7"},
                {"id": 2, "first_name": "B", "status": "alumni", "year_level": "7"},
                {"id": 3, "first_name": "C", "status": "active", "year_level": "8"}
            ]}));
        })
        .await;
    let c = provider(&server);
    let ids = |v: Vec<mis_core::Student>| v.into_iter().map(|s| s.id).collect::<Vec<_>>();
    let on_roll = c.students(StudentQuery::new()).try_collect().await.unwrap();
    assert_eq!(ids(on_roll), ["1", "3"]);
    let all = c
        .students(StudentQuery::new().include_leavers(true))
        .try_collect()
        .await
        .unwrap();
    assert_eq!(ids(all), ["1", "2", "3"]);
    let year7 = c
        .students(StudentQuery::new().year_group("7"))
        .try_collect()
        .await
        .unwrap();
    assert_eq!(ids(year7), ["1"]);
}

#[tokio::test]
async fn a_malformed_body_is_a_decode_error_with_its_path() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(GET).path("/restv2/attendance");
            then.status(200)
                .json_body(json!({"records": [{"id": 1, "student_id": {"x": 1}}]}));
        })
        .await;
    server
        .mock_async(|when, then| {
            when.method(GET).path("/restv2/students");
            then.status(200).json_body(json!({"data": []}));
        })
        .await;
    let c = client(&server);
    let range = DateRange::parse("2024-09-09", "2024-09-09").unwrap();
    let e = c
        .attendance_records(&AttendanceFilter::new(range))
        .try_collect::<Vec<_>>()
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Decode);
    assert_eq!(e.decode_detail().unwrap().path, "records[0].student_id");
    let e = c.students_page(1).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Decode);
    assert!(e.to_string().contains("records"), "{e}");
}

#[tokio::test]
async fn no_secret_in_debug_display_or_errors() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(GET).path("/restv2/students");
            // A server that echoes the credential back in its error.
            then.status(401).json_body(json!({
                "message": format!("Invalid api_key: {KEY} (error_code: 102)"),
                "errors": [{"field": "authorization", "message": format!("Authorization: {}", basic())}]
            }));
        })
        .await;
    let config = config(&server);
    let c = Classe365Provider::new(config.clone()).unwrap();
    let e = c.client().students_page(1).await.unwrap_err();
    let b64 = STANDARD.encode(format!("{SUBDOMAIN}:{KEY}"));
    let texts = [
        format!("{config:?}"),
        format!("{config:#?}"),
        format!("{c:?}"),
        format!("{c:#?}"),
        format!("{e}"),
        format!("{e:?}"),
        format!("{:?}", vendor_error(&e)),
        format!("{:?}", c.info()),
    ];
    for t in &texts {
        assert!(!t.contains(KEY), "the key leaked: {t}");
        assert!(!t.contains(&b64), "the Basic credential leaked: {t}");
    }
}

/// One record that does not decode, or has no id, or a mark without a date, costs that
/// record with a warning naming it; strict mode makes the first one the error.
#[tokio::test]
async fn a_bad_record_costs_that_record() {
    use mis_core::{Diagnostics, MisProviderExt};
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(GET).path("/restv2/students");
            then.status(200).json_body(json!({"records": [
                student(1, "Ada"),
                {"id": 2, "first_name": {"given": "Bob"}, "last_name": "Test"},
                {"first_name": "Nobody", "last_name": "Test"},
                student(4, "Dee"),
            ]}));
        })
        .await;
    server
        .mock_async(|when, then| {
            when.method(GET).path("/restv2/attendance");
            then.status(200).json_body(json!({"records": [
                {"id": 10, "student_id": 1, "date": "2025-01-06", "status": "present"},
                {"id": 11, "student_id": 4, "date": "06/01/2025", "status": "absent"},
                {"id": 12, "student_id": [4], "date": "2025-01-06", "status": "absent"},
            ]}));
        })
        .await;
    let c = provider(&server);
    let d = Diagnostics::new();
    let got = c
        .all_students(StudentQuery::new().with_diagnostics(d.clone()))
        .await
        .unwrap();
    let ids: Vec<&str> = got.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(ids, ["1", "4"]);
    let w = d.warnings();
    assert_eq!(w.len(), 2, "{w:?}");
    assert!(
        w.iter()
            .all(|w| w.kind == ErrorKind::Decode && w.vendor == "classe365")
    );
    assert_eq!(w[0].record_id.as_deref(), Some("2"));
    assert!(w[0].message.contains("first_name"), "{}", w[0].message);
    assert!(!w[0].message.contains("Bob"), "no values: {}", w[0].message);
    assert_eq!(w[1].record_id, None);

    let d = Diagnostics::new();
    let marks = c
        .all_attendance(
            AttendanceQuery::new(DateRange::day(date(2025, 1, 6))).with_diagnostics(d.clone()),
        )
        .await
        .unwrap();
    assert_eq!(marks.len(), 1);
    let w = d.warnings();
    assert_eq!(w.len(), 2, "{w:?}");
    assert_eq!(
        (w[0].record_id.as_deref(), w[0].student_id.as_deref()),
        (Some("11"), Some("4"))
    );
    assert_eq!(w[1].record_id.as_deref(), Some("12"));

    let e = c
        .all_students(StudentQuery::new().with_diagnostics(Diagnostics::strict()))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Decode);
}

/// Issue 15, item 15: a school with subject-wise attendance sends one record per register
/// (v1 `attendanceData` keys attendance by `class_id`, `section_id`, `subject_id`,
/// `session_id`). Five subject registers with one absence are five lesson marks, one absent,
/// and no day mark: one absent lesson in five, not one absent day in five.
#[tokio::test]
async fn five_subject_registers_with_one_absence_are_five_lesson_marks() {
    use mis_core::stats::summarise_by_student;
    let server = MockServer::start_async().await;
    let register = |id: u32, subject: u32, name: &str, period: u32, status: &str| {
        json!({"id": id, "student_id": 1001, "class_id": 7, "section_id": 71,
               "subject_id": subject, "subject_name": name, "session_id": period,
               "session_name": format!("Period {period}"), "date": "2024-09-09",
               "status": status, "remarks": null})
    };
    server
        .mock_async(|when, then| {
            when.method(GET).path("/restv2/attendance");
            then.status(200).json_body(json!({"records": [
                register(1, 41, "Maths", 1, "present"),
                register(2, 42, "English", 2, "present"),
                register(3, 43, "Science", 3, "absent"),
                register(4, 44, "History", 4, "present"),
                register(5, 45, "Art", 5, "late"),
                // The daily school next door: one record, no subject, no session.
                {"id": 9, "student_id": 2002, "class_id": 7, "section_id": 72, "subject_id": 0,
                 "date": "2024-09-09", "status": "present"}
            ]}));
        })
        .await;
    let c = provider(&server);
    let marks: Vec<_> = c
        .attendance(AttendanceQuery::new(DateRange::day(date(2024, 9, 9))))
        .try_collect()
        .await
        .unwrap();
    let lessons: Vec<_> = marks.iter().filter(|m| m.student_id == "1001").collect();
    assert_eq!(lessons.len(), 5);
    assert!(lessons.iter().all(|m| m.slot == Slot::Lesson));
    assert_eq!(
        lessons
            .iter()
            .map(|m| (
                m.lesson_id.as_deref().unwrap(),
                m.period.as_deref().unwrap()
            ))
            .collect::<Vec<_>>(),
        [
            ("41", "Period 1"),
            ("42", "Period 2"),
            ("43", "Period 3"),
            ("44", "Period 4"),
            ("45", "Period 5")
        ]
    );
    let absent: Vec<_> = lessons
        .iter()
        .filter(|m| m.category == AttendanceCategory::UnauthorisedAbsence)
        .collect();
    assert_eq!(absent.len(), 1);
    assert_eq!(absent[0].lesson_id.as_deref(), Some("43"));
    assert!(lessons[4].late);
    let daily: Vec<_> = marks.iter().filter(|m| m.student_id == "2002").collect();
    assert_eq!(daily.len(), 1);
    assert_eq!(
        (daily[0].slot, daily[0].lesson_id.as_deref()),
        (Slot::Day, None)
    );
    // 1 of 5 lessons missed = 20 % of that day's lessons; the day school's pupil 0 %.
    let (rows, _) = summarise_by_student(&marks);
    let r = rows
        .iter()
        .find(|r| r.student_id.as_deref() == Some("1001"))
        .unwrap();
    assert_eq!(
        (r.slot, r.possible, r.present, r.unauthorised_absence),
        (Some(Slot::Lesson), 5, 4, 1)
    );
    let r = rows
        .iter()
        .find(|r| r.student_id.as_deref() == Some("2002"))
        .unwrap();
    assert_eq!((r.slot, r.possible, r.present), (Some(Slot::Day), 1, 1));

    // Asking for one kind of register gives only that kind.
    let days: Vec<_> = c
        .attendance(AttendanceQuery::new(DateRange::day(date(2024, 9, 9))).slot(Slot::Day))
        .try_collect()
        .await
        .unwrap();
    assert_eq!(days.len(), 1);
    assert_eq!(days[0].student_id, "2002");
}

/// Issue 15, item 16: a server that ignores the (inferred) `student_id` filter. The marks
/// are filtered here as well, and `record_attendance` updates only the asked-for student's
/// own daily record — never another student's, never a subject register.
#[tokio::test]
async fn a_server_ignoring_the_student_filter_cannot_leak_or_misdirect_a_write() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(GET).path("/restv2/attendance");
            then.status(200).json_body(json!({"records": [
                {"id": 50, "student_id": 1000, "class_id": 5, "date": "2024-09-09", "status": "absent"},
                {"id": 51, "student_id": 1001, "class_id": 5, "subject_id": 41, "session_id": 1,
                 "date": "2024-09-09", "status": "present"},
                {"id": 52, "student_id": 1001, "class_id": 5, "date": "2024-09-09", "status": "present"},
                {"id": 53, "student_id": 1002, "class_id": 5, "date": "2024-09-09", "status": "late"}
            ]}));
        })
        .await;
    let update_own = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/restv2/attendance")
                .json_body(json!({"id": 52, "student_id": 1001, "class_id": 5,
                                  "date": "2024-09-09", "status": "excused"}));
            then.status(200)
                .json_body(json!({"record": {"id": 52, "student_id": 1001,
                "class_id": 5, "date": "2024-09-09", "status": "excused"}}));
        })
        .await;
    let c = provider(&server);
    let marks: Vec<_> = c
        .attendance(AttendanceQuery::new(DateRange::day(date(2024, 9, 9))).student("1001"))
        .try_collect()
        .await
        .unwrap();
    assert_eq!(
        marks
            .iter()
            .map(|m| (m.student_id.as_str(), m.slot))
            .collect::<Vec<_>>(),
        [("1001", Slot::Lesson), ("1001", Slot::Day)]
    );
    let receipt = c
        .record_attendance(AttendanceWrite::day("1001", date(2024, 9, 9), "excused"))
        .await
        .unwrap();
    assert_eq!(
        receipt,
        WriteReceipt::Applied {
            id: Some("52".into())
        }
    );
    update_own.assert_async().await;

    // A student with no daily record of their own: a new record is created for them, not
    // student 1000's record (the first one the server sent) updated.
    let create = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/restv2/attendance")
                .json_body(json!({"student_id": 1003, "date": "2024-09-09", "status": "present"}));
            then.status(201)
                .json_body(json!({"record": {"id": 60, "student_id": 1003,
                "class_id": 5, "date": "2024-09-09", "status": "present"}}));
        })
        .await;
    let receipt = c
        .record_attendance(AttendanceWrite::day("1003", date(2024, 9, 9), "present"))
        .await
        .unwrap();
    assert_eq!(
        receipt,
        WriteReceipt::Applied {
            id: Some("60".into())
        }
    );
    create.assert_async().await;
}

/// Issue 15, item 17: only students on roll are current. Applicants and enquiries (the
/// Admissions module), `inactive`, `withdrawn` and `alumni` students are listed only with
/// `include_leavers`; an unknown status likewise, and it is reported (by student, without
/// the status itself).
#[tokio::test]
async fn on_roll_means_on_roll() {
    use mis_core::{Diagnostics, EnrolmentStatus};
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(GET).path("/restv2/students");
            then.status(200).json_body(json!({"records": [
                {"id": 1, "first_name": "A", "status": "Active"},
                {"id": 2, "first_name": "B", "status": "applicant"},
                {"id": 3, "first_name": "C", "status": "Enquiry"},
                {"id": 4, "first_name": "D", "status": "inactive"},
                {"id": 5, "first_name": "E", "status": "alumni"},
                {"id": 6, "first_name": "F", "status": "withdrawn"},
                {"id": 7, "first_name": "G", "status": "On Hold"},
                {"id": 8, "first_name": "H"}
            ]}));
        })
        .await;
    let c = provider(&server);
    let d = Diagnostics::new();
    let on_roll: Vec<_> = c
        .students(StudentQuery::new().with_diagnostics(d.clone()))
        .try_collect()
        .await
        .unwrap();
    assert_eq!(
        on_roll.iter().map(|s| s.id.as_str()).collect::<Vec<_>>(),
        ["1", "8"],
        "active, and a record without a status"
    );
    let w = d.take();
    assert_eq!(w.len(), 1, "{w:?}");
    assert_eq!(w[0].student_id.as_deref(), Some("7"));
    assert_eq!(
        w[0].consequence,
        "student left out of the on-roll list: status not recognised"
    );
    assert!(!w[0].message.contains("On Hold"), "{}", w[0].message);

    let everyone: Vec<_> = c
        .students(
            StudentQuery::new()
                .include_leavers(true)
                .with_diagnostics(d.clone()),
        )
        .try_collect()
        .await
        .unwrap();
    use EnrolmentStatus::*;
    assert_eq!(
        everyone
            .iter()
            .map(|s| (s.id.as_str(), s.enrolment_status.clone()))
            .collect::<Vec<_>>(),
        [
            ("1", Some(OnRoll)),
            ("2", Some(Applicant)),
            ("3", Some(Applicant)),
            ("4", Some(Other("inactive".into()))),
            ("5", Some(Leaver)),
            ("6", Some(Leaver)),
            ("7", Some(Other("on hold".into()))),
            ("8", None),
        ]
    );
    let w = d.take();
    assert_eq!(w.len(), 1, "{w:?}");
    assert_eq!(
        w[0].consequence,
        "student listed as not on roll: status not recognised"
    );
    // Strict mode: the unknown status is the error it was.
    let e = c
        .students(StudentQuery::new().with_diagnostics(Diagnostics::strict()))
        .try_collect::<Vec<_>>()
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Decode);
}

/// Issue 15, item 18: get-one and create-or-update for classes, sessions and departments,
/// with the students' rules: 204 is `NotFound`, create without `id`, update with it, and a
/// POST is sent once, never replayed.
#[tokio::test]
async fn classes_sessions_and_departments_get_and_upsert() {
    use mis_classe365::wire::{ClassInput, DepartmentInput, SessionInput};
    let server = MockServer::start_async().await;
    let class = server
        .mock_async(|when, then| {
            when.method(GET).path("/restv2/classes/12");
            then.status(200)
                .json_body(json!({"record": {"id": 12, "name": "7B",
                "department_id": 3, "class_type": "registration"}}));
        })
        .await;
    let no_session = server
        .mock_async(|when, then| {
            when.method(GET).path("/restv2/sessions/99");
            then.status(204);
        })
        .await;
    let department = server
        .mock_async(|when, then| {
            when.method(GET).path("/restv2/departments/3");
            then.status(200)
                .json_body(json!({"record": {"id": 3, "name": "Year 7", "year_level": "7"}}));
        })
        .await;
    let create_class = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/restv2/classes")
                .json_body(json!({"name": "7C", "department_id": 3}));
            then.status(201)
                .json_body(json!({"record": {"id": 13, "name": "7C", "department_id": 3}}));
        })
        .await;
    let update_session = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/restv2/sessions")
                .json_body(json!({"id": 2, "end_date": "2024-12-19"}));
            then.status(200)
                .json_body(json!({"record": {"id": 2, "name": "Autumn",
                "parent_id": 1, "start_date": "2024-09-02", "end_date": "2024-12-19"}}));
        })
        .await;
    let department_down = server
        .mock_async(|when, then| {
            when.method(POST).path("/restv2/departments");
            then.status(500)
                .json_body(json!({"message": "Server error (error_code: 900)"}));
        })
        .await;
    let c = client(&server);

    let got = c.class("12").await.unwrap();
    assert_eq!(
        (got.name.as_deref(), got.department_id.as_deref()),
        (Some("7B"), Some("3"))
    );
    class.assert_async().await;
    let e = c.session("99").await.unwrap_err();
    assert_eq!((e.kind(), e.status()), (ErrorKind::NotFound, Some(204)));
    no_session.assert_async().await;
    assert_eq!(
        c.department("3").await.unwrap().year_level.as_deref(),
        Some("7")
    );
    department.assert_async().await;

    let created = c
        .create_class(&ClassInput {
            name: Some("7C".into()),
            department_id: Some("3".into()),
            ..ClassInput::default()
        })
        .await
        .unwrap();
    assert_eq!(created.id.as_deref(), Some("13"));
    create_class.assert_async().await;
    let updated = c
        .update_session(&SessionInput {
            id: Some("2".into()),
            end_date: Some("2024-12-19".into()),
            ..SessionInput::default()
        })
        .await
        .unwrap();
    assert_eq!(updated.end_date.as_deref(), Some("2024-12-19"));
    update_session.assert_async().await;

    // Ids that say the other thing are refused before anything is sent.
    let e = c
        .create_department(&DepartmentInput {
            id: Some("3".into()),
            ..DepartmentInput::default()
        })
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
    let e = c.update_class(&ClassInput::default()).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
    assert_eq!(department_down.calls_async().await, 0);

    // A 500 on a create is not replayed (the read stack would retry it three times).
    let e = c
        .create_department(&DepartmentInput {
            name: Some("Year 12".into()),
            ..DepartmentInput::default()
        })
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unavailable);
    assert_eq!(department_down.calls_async().await, 1);
}

/// The one way to replace the network, for reads and writes alike: a transport in the
/// options. Reads are retried through it, a write is sent once, and the host stays the
/// tenant's own.
#[tokio::test]
async fn a_transport_in_the_options_carries_every_request() {
    let transport = ScriptedTransport::new();
    transport
        .push(Reply::status(503))
        .push(Reply::json(200, &json!({"records": [{"id": 1}]})))
        .push(Reply::status(500));
    let config = Config::new(SUBDOMAIN, KEY).unwrap().update_options(|o| {
        o.with_transport(transport.service()).with_retry(
            RetryConfig::default()
                .max_attempts(3)
                .base_delay(Duration::from_millis(1))
                .max_delay(Duration::from_millis(5)),
        )
    });
    let c = Client::new(config).unwrap();
    let page = c.students_page(1).await.unwrap();
    assert_eq!(page.items.len(), 1);
    let e = c
        .create_student(&StudentInput::default())
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unavailable);
    let sent = transport.requests();
    let shown: Vec<String> = sent
        .iter()
        .map(|r| format!("{} {}", r.method, r.uri))
        .collect();
    assert_eq!(
        shown,
        [
            "GET https://evaluate3x.classe365.com/restv2/students?page=1&per_page=100",
            "GET https://evaluate3x.classe365.com/restv2/students?page=1&per_page=100",
            "POST https://evaluate3x.classe365.com/restv2/students",
        ]
    );
    assert!(
        sent.iter()
            .all(|r| r.header("authorization") == Some(basic().as_str()))
    );
}
