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
use mis_classe365::{AttendanceFilter, Client, Config, vendor_error};
use mis_core::{
    AttendanceCategory, AttendanceQuery, AttendanceWrite, DateRange, ErrorKind, MisProvider,
    Session, Slot, StudentQuery, WriteReceipt,
};
use mis_http::RetryConfig;
use serde_json::json;

const SUBDOMAIN: &str = "evaluate3x";
const KEY: &str = "kysjd4f58sadf894cfa";

fn config(server: &MockServer) -> Config {
    Config::new(SUBDOMAIN, KEY)
        .unwrap()
        .base_url(&server.base_url())
        .unwrap()
        .retry(
            RetryConfig::default()
                .max_attempts(3)
                .base_delay(Duration::from_millis(1))
                .max_delay(Duration::from_millis(5)),
        )
        .timeout(Duration::from_secs(10))
}

fn client(server: &MockServer) -> Client {
    Client::new(config(server)).unwrap()
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
    let c = Client::new(config(&server).page_size(2).unwrap()).unwrap();
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
    let c = Client::new(config(&server).page_size(2).unwrap()).unwrap();
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
    let c = client(&server);
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
    let c = client(&server);
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
    let c = client(&server);
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
    let c = Client::new(config.clone()).unwrap();
    let e = c.students_page(1).await.unwrap_err();
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
    let c = client(&server);
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
