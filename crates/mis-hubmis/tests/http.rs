//! Request shape against a local httpmock server, over the real reqwest transport: the token
//! request, `Realm` and `Authorization` on every call, `page[number]` walks, and filters
//! encoded as the vendor document writes them.

use std::time::Duration;

use futures::TryStreamExt;
use httpmock::Method::{GET, POST};
use httpmock::MockServer;
use jiff::civil::date;
use mis_core::{
    AttendanceCategory, AttendanceQuery, BehaviourQuery, DateRange, ErrorKind, MisProvider,
    Polarity, StudentQuery, TimetableQuery,
};
use mis_hubmis::{
    AttendanceFilter, Client, Config, DateTimeRange, HubmisProvider, PastoralEventFilter, Quota,
    RetryConfig, SecretString, StudentFilter,
};
use serde_json::json;

const CLIENT_ID: &str = "client123";
const SECRET: &str = "s3cr3t-client-secret";
const REALM: &str = "S999";
const TOKEN: &str = "tok-1.abc.xyz";

fn config(server: &MockServer) -> Config {
    Config::new(CLIENT_ID, SecretString::from(SECRET), REALM)
        // No 5 s spacing against a mock server, and no retries to blur call counts.
        .with_quota(Quota::unlimited())
        .update_options(|o| {
            o.with_base_url(server.base_url())
                .with_retry(RetryConfig::none())
                .with_timeout(Duration::from_secs(10))
                .with_page_size(2)
        })
}

/// The token endpoint, answering `TOKEN`.
async fn token_mock(server: &MockServer) -> httpmock::Mock<'_> {
    server
        .mock_async(|when, then| {
            when.method(POST).path("/api/v1/token");
            then.status(200).json_body(json!({
                "token_type": "Bearer", "expires_in": 900, "access_token": TOKEN
            }));
        })
        .await
}

fn student(id: u64, first: &str) -> serde_json::Value {
    json!({
        "id": id, "first_name": first, "last_name": "Test", "enrolment_status": "current",
        "date_of_birth": "2010-08-24",
        "form": {"id": 93, "name": "Form 9A", "code": "9A",
                 "year_group": {"id": 8, "name": "Year 9", "code": "Y9", "dfe_year": "9"}}
    })
}

#[tokio::test]
async fn the_token_request_is_the_documented_form() {
    let server = MockServer::start_async().await;
    let token = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/api/v1/token")
                .header("content-type", "application/x-www-form-urlencoded")
                .form_urlencoded_tuple("grant_type", "client_credentials")
                .form_urlencoded_tuple("client_id", CLIENT_ID)
                .form_urlencoded_tuple("client_secret", SECRET)
                .header_missing("authorization");
            then.status(200).json_body(json!({
                "token_type": "Bearer", "expires_in": 86400, "access_token": TOKEN
            }));
        })
        .await;
    let settings = server
        .mock_async(|when, then| {
            when.method(GET).path("/api/v1/school/regional-settings");
            then.status(200)
                .json_body(json!({"regional_country_id": 34, "timezone": "Europe/London"}));
        })
        .await;
    let client = Client::new(config(&server)).unwrap();
    let s = client.regional_settings().await.unwrap();
    assert_eq!(s.timezone.as_deref(), Some("Europe/London"));
    // The token is cached: a second call sends no second token request.
    client.regional_settings().await.unwrap();
    token.assert_async().await;
    settings.assert_calls_async(2).await;
    assert_eq!(client.tokens_issued(), 1);
}

#[tokio::test]
async fn realm_and_authorization_go_on_every_call() {
    let server = MockServer::start_async().await;
    let token = token_mock(&server).await;
    let authed = |path: &'static str| {
        let server = &server;
        async move {
            server
                .mock_async(move |when, then| {
                    when.method(GET)
                        .path(path)
                        .header("authorization", format!("Bearer {TOKEN}"))
                        .header("realm", REALM)
                        .header("accept", "application/json");
                    then.status(200).json_body(json!([]));
                })
                .await
        }
    };
    let codes = authed("/api/v1/attendance/codes").await;
    let staff = authed("/api/v1/staff").await;
    let houses = authed("/api/v1/houses").await;
    let client = Client::new(config(&server)).unwrap();
    client.attendance_codes(None).await.unwrap();
    let none: Vec<_> = client
        .staff(&Default::default())
        .try_collect()
        .await
        .unwrap();
    assert!(none.is_empty());
    client.houses(&Default::default()).await.unwrap();
    codes.assert_async().await;
    staff.assert_async().await;
    houses.assert_async().await;
    token.assert_calls_async(1).await;
    // The token request carries the realm too (harmless; the document puts it on every call).
}

#[tokio::test]
async fn pages_are_walked_until_a_short_page() {
    let server = MockServer::start_async().await;
    token_mock(&server).await;
    let mut pages = Vec::new();
    for (n, body) in [
        (1, json!([student(1, "A"), student(2, "B")])),
        (2, json!([student(3, "C"), student(4, "D")])),
        (3, json!([student(5, "E")])),
    ] {
        pages.push(
            server
                .mock_async(move |when, then| {
                    when.method(GET)
                        .path("/api/v1/students")
                        .query_param("page[number]", n.to_string())
                        .query_param("page[size]", "2");
                    then.status(200).json_body(body);
                })
                .await,
        );
    }
    let beyond = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/api/v1/students")
                .query_param("page[number]", "4");
            then.status(200).json_body(json!([]));
        })
        .await;
    let client = Client::new(config(&server)).unwrap();
    let all: Vec<_> = client
        .students(&StudentFilter::default())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(all.len(), 5);
    for page in &pages {
        page.assert_calls_async(1).await;
    }
    beyond.assert_calls_async(0).await;
}

#[tokio::test]
async fn a_full_last_page_costs_one_empty_page_more() {
    let server = MockServer::start_async().await;
    token_mock(&server).await;
    let first = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/api/v1/staff")
                .query_param("page[number]", "1");
            then.status(200)
                .json_body(json!([{"id": 1, "first_name": "A"}, {"id": 2}]));
        })
        .await;
    let second = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/api/v1/staff")
                .query_param("page[number]", "2");
            then.status(200).json_body(json!([]));
        })
        .await;
    let client = Client::new(config(&server)).unwrap();
    let all: Vec<_> = client
        .staff(&Default::default())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(all.len(), 2);
    first.assert_async().await;
    second.assert_async().await;
}

#[tokio::test]
async fn filters_are_encoded_as_the_document_writes_them() {
    let server = MockServer::start_async().await;
    token_mock(&server).await;
    let attendance = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/api/v1/students/56/attendance")
                .query_param("filter[dateTime][from]", "2024-09-02T00:00:00Z")
                .query_param("filter[dateTime][to]", "2024-09-06T23:59:59Z")
                .query_param("filter[attendanceSession]", "am")
                // And on the wire, brackets are percent-encoded.
                .is_true(|req| {
                    req.uri()
                        .query()
                        .is_some_and(|q| q.contains("filter%5BdateTime%5D%5Bfrom%5D="))
                });
            then.status(200).json_body(json!([]));
        })
        .await;
    let events = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/api/v1/pastoral/events")
                .query_param("filter[type]", "wellbeing_event")
                .query_param("filter[includePastStudents]", "true")
                .query_param("page[number]", "1")
                .query_param("page[size]", "2");
            then.status(200).json_body(json!([]));
        })
        .await;
    let students = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/api/v1/students")
                .query_param("filter[yearGroup]", "8")
                .query_param("sort[last_name]", "asc")
                .header("academic-year-id", "2024");
            then.status(200).json_body(json!([]));
        })
        .await;
    let client = Client::new(config(&server).with_academic_year_id(2024)).unwrap();
    let from: jiff::Timestamp = "2024-09-02T00:00:00Z".parse().unwrap();
    let to: jiff::Timestamp = "2024-09-06T23:59:59Z".parse().unwrap();
    client
        .student_attendance(
            56,
            &AttendanceFilter {
                session: Some(mis_hubmis::wire::AttendanceSession::Am),
                date_time: DateTimeRange::between(from, to),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let _: Vec<_> = client
        .pastoral_events(&PastoralEventFilter {
            event_type: Some(mis_hubmis::wire::PastoralType::WellbeingEvent),
            include_past_students: Some(true),
            ..Default::default()
        })
        .try_collect()
        .await
        .unwrap();
    let _: Vec<_> = client
        .students(&StudentFilter {
            year_group: Some(8),
            sort: Some(mis_hubmis::Sort::asc("last_name")),
            ..Default::default()
        })
        .try_collect()
        .await
        .unwrap();
    attendance.assert_async().await;
    events.assert_async().await;
    students.assert_async().await;
}

/// The provider end to end on a tiny school: students with UPNs from the enrolment record,
/// session marks through the DfE table, lessons in school time, events with configured
/// polarity.
#[tokio::test]
async fn the_provider_maps_a_small_school() {
    let server = MockServer::start_async().await;
    token_mock(&server).await;
    let roll = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/api/v1/students")
                .query_param("filter[enrolmentStatus]", "current");
            then.status(200)
                .json_body(json!([student(56, "Miles"), student(57, "Ada")]));
        })
        .await;
    // Past students: asked for by status, never with the unfiltered list (item 9).
    let past = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/api/v1/students")
                .query_param("filter[enrolmentStatus]", "past");
            then.status(200).json_body(json!([]));
        })
        .await;
    let unfiltered = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/api/v1/students")
                .query_param_missing("filter[enrolmentStatus]");
            then.status(403)
                .json_body(json!({"message": "Invalid scope(s) provided."}));
        })
        .await;
    for id in [56, 57] {
        server
            .mock_async(move |when, then| {
                when.method(GET)
                    .path(format!("/api/v1/students/{id}/enrolment"));
                then.status(200).json_body(json!({
                    "enrolment_status": "current", "candidate_number": format!("C{id}"),
                    "unique_pupil_number": format!("A1234567890{id}")
                }));
            })
            .await;
        server
            .mock_async(move |when, then| {
                when.method(GET)
                    .path(format!("/api/v1/students/{id}/attendance"))
                    .query_param("filter[dateTime][from]", "2024-09-01T00:00:00Z")
                    .query_param("filter[dateTime][to]", "2024-09-04T23:59:59Z");
                then.status(200).json_body(json!([
                    {"id": 1, "student_id": id, "date": "2024-09-01", "session": "am",
                     "attendance_code": {"id": 1, "code": "/"}},
                    {"id": 2, "student_id": id, "date": "2024-09-02", "session": "am",
                     "attendance_code": {"id": 1, "code": "/"}},
                    {"id": 3, "student_id": id, "date": "2024-09-02", "session": "pm",
                     "attendance_code": {"id": 7, "code": "L"}, "minutes_late": 5}
                ]));
            })
            .await;
    }
    server
        .mock_async(|when, then| {
            when.method(GET).path("/api/v1/school/regional-settings");
            then.status(200)
                .json_body(json!({"timezone": "Europe/London"}));
        })
        .await;
    let calendar = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/api/v1/students/56/timetable/calendar")
                .query_param("filter[dateFrom]", "2024-09-02")
                .query_param("filter[dateTo]", "2024-09-03")
                // The document marks it required too (item 12).
                .query_param("filter[date]", "2024-09-02");
            then.status(200)
                .json_body(json!({"calendar": [{"date": "2024-09-02", "periods": [
                {"id": 1, "name": "1", "start_time": "09:00:00", "end_time": "10:00:00",
                 "subject_set": {"id": 5, "name": "9A/Ma1", "subject": {"name": "Maths"}},
                 "room": {"id": 2, "room_code": "M1"},
                 "staff": [{"id": 3, "first_name": "Jo", "last_name": "Smith"}]}]}]}));
        })
        .await;
    server
        .mock_async(|when, then| {
            when.method(GET).path("/api/v1/pastoral/events");
            then.status(200).json_body(json!([
                {"id": 9, "type": "wellbeing_event", "date_time": "2024-09-02T10:15:00Z",
                 "category": {"id": 1, "name": "Praise"}, "students": [{"id": 56}],
                 "description": "Excellent work"},
                {"id": 10, "type": "wellbeing_event", "date_time": "2024-09-08T10:15:00Z",
                 "category": {"id": 2, "name": "Concern"}, "students": [{"id": 57}]}
            ]));
        })
        .await;
    let config = config(&server)
        .update_options(|o| o.with_page_size(100))
        .with_positive_categories(["Praise"])
        .with_negative_categories(["Concern"]);
    let p = HubmisProvider::new(config).unwrap();
    assert_eq!(p.info().tenant.as_deref(), Some(REALM));

    let students: Vec<_> = p.students(StudentQuery::new()).try_collect().await.unwrap();
    roll.assert_async().await;
    assert_eq!(students.len(), 2);
    assert_eq!(students[0].upn(), Some("A123456789056"));
    assert_eq!(students[0].year_group.as_deref(), Some("9"));
    assert_eq!(students[0].registration_group.as_deref(), Some("9A"));
    let tens: Vec<_> = p
        .students(StudentQuery::new().year_group("10"))
        .try_collect()
        .await
        .unwrap();
    assert!(tens.is_empty());
    // Item 13: the year, however it is written.
    for asked in ["9", "Year 9", "Y9", "year 09"] {
        let nines: Vec<_> = p
            .students(StudentQuery::new().year_group(asked))
            .try_collect()
            .await
            .unwrap();
        let ids: Vec<_> = nines.iter().map(|s| s.id.as_str()).collect();
        assert_eq!(ids, ["56", "57"], "{asked}");
    }
    let everyone: Vec<_> = p
        .students(StudentQuery::new().include_leavers(true))
        .try_collect()
        .await
        .unwrap();
    assert_eq!(everyone.len(), 2);
    past.assert_calls_async(1).await;
    unfiltered.assert_calls_async(0).await;

    let range = DateRange::new(date(2024, 9, 2), date(2024, 9, 3)).unwrap();
    let marks: Vec<_> = p
        .attendance(AttendanceQuery::new(range))
        .try_collect()
        .await
        .unwrap();
    assert_eq!(marks.len(), 4, "1 September is outside the range");
    // The range is in the past: the students who have left since are covered too, from
    // the past list already walked for `include_leavers` (kept for the roster TTL).
    past.assert_calls_async(1).await;
    roll.assert_calls_async(1).await;
    assert!(
        marks
            .iter()
            .any(|m| m.late && m.category == AttendanceCategory::Present)
    );

    let lessons: Vec<_> = p
        .timetable(TimetableQuery::new(range).student("56"))
        .try_collect()
        .await
        .unwrap();
    calendar.assert_async().await;
    assert_eq!(lessons.len(), 1);
    assert_eq!(lessons[0].start.to_string(), "2024-09-02T09:00:00+01:00");
    assert_eq!(lessons[0].subject.as_deref(), Some("Maths"));
    assert_eq!(p.info().time_zone, "Europe/London");

    let events: Vec<_> = p
        .behaviour(BehaviourQuery::new(range))
        .try_collect()
        .await
        .unwrap();
    assert_eq!(
        events.len(),
        1,
        "the 8 September event is outside the range"
    );
    assert_eq!(events[0].polarity, Polarity::Positive);

    let e = p
        .attendance(AttendanceQuery::new(range).student("no-such"))
        .try_collect::<Vec<_>>()
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
    let e = p
        .attendance(AttendanceQuery::new(range).slot(mis_core::Slot::Lesson))
        .try_collect::<Vec<_>>()
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unsupported);
}

#[tokio::test]
async fn a_wrong_secret_says_authentication_failed_without_the_secret() {
    let server = MockServer::start_async().await;
    let token = server
        .mock_async(|when, then| {
            when.method(POST).path("/api/v1/token");
            then.status(401).json_body(json!({
                "error": "invalid_client",
                "error_description": "Client authentication failed",
                "message": "Client authentication failed"
            }));
        })
        .await;
    let p = HubmisProvider::new(config(&server)).unwrap();
    let e = p
        .students(StudentQuery::new())
        .try_collect::<Vec<_>>()
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unauthenticated);
    let text = format!("{e} | {e:?}");
    assert!(text.contains("authentication failed"), "{text}");
    assert!(!text.contains(SECRET), "{text}");
    assert!(!text.contains('\n'));
    // Refused credentials are not retried in a loop.
    token.assert_calls_async(1).await;
}

/// A realm the client may not use is a credentials error (fatal), not a missing scope
/// (degradable): every call would get the same 403.
#[tokio::test]
async fn a_refused_realm_is_unauthenticated() {
    let server = MockServer::start_async().await;
    token_mock(&server).await;
    server
        .mock_async(|when, then| {
            when.method(GET).path("/api/v1/staff/12");
            then.status(403).json_body(
                json!({"message": "Access to realm S999 is not granted to this client."}),
            );
        })
        .await;
    let client = Client::new(config(&server)).unwrap();
    let e = client.staff_member(12).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unauthenticated);
    assert!(!e.is_degradable());
    assert_eq!(e.operation(), Some("staff.get"));
    assert!(e.to_string().contains("not granted"), "{e}");
}

/// A missing scope stays a `PermissionDenied`, which costs only what it touches.
#[tokio::test]
async fn a_missing_scope_is_permission_denied() {
    let server = MockServer::start_async().await;
    token_mock(&server).await;
    server
        .mock_async(|when, then| {
            when.method(GET).path("/api/v1/staff/12");
            then.status(403)
                .json_body(json!({"message": "Invalid scope(s) provided."}));
        })
        .await;
    let client = Client::new(config(&server)).unwrap();
    let e = client.staff_member(12).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::PermissionDenied);
    assert!(e.is_degradable());
}

/// Item 11 of issue 15: a short page long enough to be a server's cap is followed by one
/// question; if the next page has records, the cap is learned and the rest is read with it.
/// A short page that is certainly the last (too short to be a cap, or shorter than a page
/// the route already returned) costs nothing more.
#[tokio::test]
async fn a_short_page_that_may_be_capped_is_checked_once() {
    let server = MockServer::start_async().await;
    token_mock(&server).await;
    let page = |from: u64, n: u64| -> serde_json::Value {
        (from..from + n).map(|i| json!({"id": i})).collect()
    };
    // The server caps at 12 while the client asks for 100: 30 staff are 12 + 12 + 6.
    let mut mocks = Vec::new();
    for (n, body) in [(1, page(1, 12)), (2, page(13, 12)), (3, page(25, 6))] {
        mocks.push(
            server
                .mock_async(move |when, then| {
                    when.method(GET)
                        .path("/api/v1/staff")
                        .query_param("page[number]", n.to_string())
                        .query_param("page[size]", "100");
                    then.status(200).json_body(body);
                })
                .await,
        );
    }
    let past_end = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/api/v1/staff")
                .query_param("page[number]", "4");
            then.status(200).json_body(json!([]));
        })
        .await;
    let client = Client::new(config(&server).update_options(|o| o.with_page_size(100))).unwrap();
    let all: Vec<_> = client
        .staff(&Default::default())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(all.len(), 30, "not the first page only");
    for m in &mocks {
        m.assert_calls_async(1).await;
    }
    past_end.assert_calls_async(0).await;
    assert_eq!(client.page_cap(mis_hubmis::routes::STAFF), Some(12));

    // A list of 12 rooms: one question (page 2 is empty), then known to be complete.
    let rooms = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/api/v1/rooms")
                .query_param("page[number]", "1");
            then.status(200).json_body(page(1, 12));
        })
        .await;
    let rooms_2 = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/api/v1/rooms")
                .query_param("page[number]", "2");
            then.status(200).json_body(json!([]));
        })
        .await;
    let got: Vec<_> = client
        .rooms(&Default::default())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(got.len(), 12);
    rooms.assert_calls_async(1).await;
    rooms_2.assert_calls_async(1).await;
    assert_eq!(client.page_cap(mis_hubmis::routes::ROOMS), None);
    // Asked again, 12 is still ambiguous and is checked again; fewer than 10 never are.
    let locations = server
        .mock_async(|when, then| {
            when.method(GET).path("/api/v1/locations");
            then.status(200).json_body(page(1, 9));
        })
        .await;
    let got: Vec<_> = client.locations().try_collect().await.unwrap();
    assert_eq!(got.len(), 9);
    locations.assert_calls_async(1).await;
}

/// Three students on roll, the enrolment record of the middle one answering `status` with
/// `body`; the others have UPNs.
async fn roll_with_one_failing_enrolment(
    server: &MockServer,
    status: u16,
    body: serde_json::Value,
) {
    token_mock(server).await;
    server
        .mock_async(|when, then| {
            when.method(GET).path("/api/v1/students");
            then.status(200).json_body(json!([
                student(56, "Miles"),
                student(57, "Ada"),
                student(58, "Grace")
            ]));
        })
        .await;
    for id in [56, 58] {
        server
            .mock_async(move |when, then| {
                when.method(GET)
                    .path(format!("/api/v1/students/{id}/enrolment"));
                then.status(200).json_body(json!({
                    "enrolment_status": "current", "unique_pupil_number": format!("A1234567890{id}")
                }));
            })
            .await;
    }
    server
        .mock_async(move |when, then| {
            when.method(GET).path("/api/v1/students/57/enrolment");
            then.status(status).json_body(body);
        })
        .await;
}

#[tokio::test]
async fn a_missing_enrolment_costs_that_students_upn_only() {
    let server = MockServer::start_async().await;
    roll_with_one_failing_enrolment(
        &server,
        404,
        json!({"message": "No query results for model [StudentEnrolment] 57"}),
    )
    .await;
    let p = HubmisProvider::new(config(&server).update_options(|o| o.with_page_size(100))).unwrap();

    let d = mis_core::Diagnostics::new();
    let students: Vec<_> = p
        .students(StudentQuery::new().with_diagnostics(d.clone()))
        .try_collect()
        .await
        .unwrap();
    let upns: Vec<_> = students.iter().map(|s| (s.id.as_str(), s.upn())).collect();
    assert_eq!(
        upns,
        [
            ("56", Some("A123456789056")),
            ("57", None),
            ("58", Some("A123456789058"))
        ]
    );
    assert_eq!(
        students[1].first_name, "Ada",
        "the rest of the record is kept"
    );
    let w = d.warnings();
    assert_eq!(w.len(), 1, "{w:?}");
    assert_eq!(w[0].student_id.as_deref(), Some("57"));
    assert_eq!(w[0].kind, ErrorKind::NotFound);
    assert_eq!(w[0].status, Some(404));
    assert_eq!(w[0].vendor, "hubmis");
    assert_eq!(w[0].operation, "students.enrolment");
    assert_eq!(w[0].consequence, "student listed without UPN");

    // Strict: the same fault is the error it was, and the read ends there.
    let e = p
        .students(StudentQuery::new().with_diagnostics(mis_core::Diagnostics::strict()))
        .try_collect::<Vec<_>>()
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);
    assert!(e.to_string().contains("without UPN"), "{e}");
}

#[tokio::test]
async fn an_outage_on_one_enrolment_still_ends_the_read() {
    let server = MockServer::start_async().await;
    roll_with_one_failing_enrolment(&server, 503, json!({"message": "Service Unavailable"})).await;
    let p = HubmisProvider::new(config(&server).update_options(|o| o.with_page_size(100))).unwrap();
    let d = mis_core::Diagnostics::new();
    let e = p
        .students(StudentQuery::new().with_diagnostics(d.clone()))
        .try_collect::<Vec<_>>()
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unavailable);
    assert!(
        d.is_empty(),
        "a fatal error is not a warning: {:?}",
        d.warnings()
    );
}

#[tokio::test]
async fn one_malformed_student_costs_that_student() {
    let server = MockServer::start_async().await;
    token_mock(&server).await;
    let mut bad = student(57, "Ada");
    bad["date_of_birth"] = json!(20110101);
    server
        .mock_async(move |when, then| {
            when.method(GET).path("/api/v1/students");
            then.status(200)
                .json_body(json!([student(56, "Miles"), bad, student(58, "Grace")]));
        })
        .await;
    let config = config(&server)
        .update_options(|o| o.with_page_size(100))
        .with_enrolment_details(false);
    let p = HubmisProvider::new(config).unwrap();
    let d = mis_core::Diagnostics::new();
    let students: Vec<_> = p
        .students(StudentQuery::new().with_diagnostics(d.clone()))
        .try_collect()
        .await
        .unwrap();
    let ids: Vec<_> = students.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(ids, ["56", "58"]);
    let w = d.warnings();
    assert_eq!(w.len(), 1, "{w:?}");
    assert_eq!(w[0].record_id.as_deref(), Some("57"));
    assert_eq!(w[0].kind, ErrorKind::Decode);
    assert_eq!(w[0].operation, "students.list");
    assert!(w[0].message.contains("date_of_birth"), "{}", w[0].message);
    assert!(
        !w[0].message.contains("20110101"),
        "no value: {}",
        w[0].message
    );
}

#[tokio::test]
async fn forbidden_regional_settings_cost_the_zone_not_the_lessons() {
    let server = MockServer::start_async().await;
    token_mock(&server).await;
    let settings = server
        .mock_async(|when, then| {
            when.method(GET).path("/api/v1/school/regional-settings");
            then.status(403)
                .json_body(json!({"message": "Invalid scope(s) provided."}));
        })
        .await;
    server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/api/v1/students/56/timetable/calendar");
            then.status(200)
                .json_body(json!({"calendar": [{"date": "2024-09-02", "periods": [
                {"id": 1, "name": "1", "start_time": "09:00:00", "end_time": "10:00:00",
                 "subject_set": {"id": 5, "name": "9A/Ma1"}},
                {"id": 2, "name": "2", "start_time": "ten", "end_time": "11:00:00",
                 "subject_set": {"id": 6, "name": "9A/En1"}}]}]}));
        })
        .await;
    let p = HubmisProvider::new(config(&server)).unwrap();
    let range = DateRange::new(date(2024, 9, 2), date(2024, 9, 3)).unwrap();
    for _ in 0..2 {
        let d = mis_core::Diagnostics::new();
        let lessons: Vec<_> = p
            .timetable(
                TimetableQuery::new(range)
                    .student("56")
                    .with_diagnostics(d.clone()),
            )
            .try_collect()
            .await
            .unwrap();
        assert_eq!(lessons.len(), 1);
        assert_eq!(lessons[0].start.to_string(), "2024-09-02T09:00:00+01:00");
        let w = d.warnings();
        assert_eq!(w.len(), 2, "{w:?}");
        let zone = w
            .iter()
            .find(|w| w.kind == ErrorKind::PermissionDenied)
            .unwrap();
        assert_eq!(zone.operation, "school.regional_settings");
        assert_eq!(
            (zone.record_id.as_ref(), zone.student_id.as_ref()),
            (None, None)
        );
        assert!(
            zone.consequence.contains("Europe/London"),
            "{}",
            zone.consequence
        );
        let lesson = w.iter().find(|w| w.kind == ErrorKind::Decode).unwrap();
        assert_eq!(lesson.student_id.as_deref(), Some("56"));
        assert_eq!(lesson.consequence, "lesson record skipped");
    }
    // Read once per provider, reported to every read.
    settings.assert_calls_async(1).await;
}
