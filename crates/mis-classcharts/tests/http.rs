//! Request and response shapes against local httpmock servers: both login styles for both
//! account kinds (form fields, two `Set-Cookie` headers, the 302 requirement), the TES
//! redirect, the raw `Authorization: Basic <session_id>` header, rotation before 180 s on a
//! paused clock, one re-login on `expired: 1`, activity paging, every endpoint's path and
//! parameters, and secrets kept out of every `Debug` and error.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use futures::TryStreamExt;
use httpmock::Method::{GET, POST};
use httpmock::{HttpMockRequest, HttpMockResponse, Mock, MockServer};
use jiff::civil::date;
use mis_classcharts::client::{ActivityFilter, DisplayDate, HomeworkFilter};
use mis_classcharts::{Config, LoginStyle, ParentClient, StudentClient, is_sign_on_changed};
use mis_core::{DateRange, ErrorKind};
use mis_http::{RateLimit, RetryConfig, SecretString};
use serde_json::{Value, json};

const CODE: &str = "abc123xyz";
const DOB: &str = "2010-01-20";
const EMAIL: &str = "parent@example.com";
const PASSWORD: &str = "hunter2-pw";

fn fast(config: Config) -> Config {
    config.update_options(|o| {
        o.with_rate_limit(RateLimit::unlimited()).with_retry(
            RetryConfig::default()
                .max_attempts(2)
                .base_delay(Duration::from_millis(1))
                .max_delay(Duration::from_millis(5)),
        )
    })
}

fn student_config(server: &MockServer) -> Config {
    fast(
        Config::student(CODE, DOB)
            .unwrap()
            .update_options(|o| o.with_base_url(server.base_url())),
    )
}

fn parent_config(server: &MockServer) -> Config {
    fast(
        Config::parent(EMAIL, PASSWORD)
            .unwrap()
            .update_options(|o| o.with_base_url(server.base_url())),
    )
}

fn ok(data: Value, meta: Value) -> Value {
    json!({"success": 1, "data": data, "meta": meta})
}

fn user(id: u64) -> Value {
    json!({"id": id, "name": "Ada Lovelace", "first_name": "Ada", "last_name": "Lovelace",
           "display_behaviour": 1, "display_attendance_type": "instance"})
}

fn reply(v: &Value) -> HttpMockResponse {
    HttpMockResponse::builder()
        .status(200)
        .header("content-type", "application/json")
        .body(v.to_string())
        .build()
}

fn auth_of(req: &HttpMockRequest) -> String {
    req.headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned()
}

fn cookie_of(req: &HttpMockRequest) -> String {
    req.headers()
        .get("cookie")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned()
}

/// `POST {prefix}/ping` with `include_data=true`: rotates `Basic X` to session `X+r`.
async fn rotating_ping<'a>(server: &'a MockServer, prefix: &str) -> Mock<'a> {
    let path = format!("{prefix}/ping");
    server
        .mock_async(move |when, then| {
            when.method(POST)
                .path(path)
                .form_urlencoded_tuple("include_data", "true");
            then.respond_with(|req: &HttpMockRequest| {
                let old = auth_of(req).trim_start_matches("Basic ").to_owned();
                reply(&ok(
                    json!({"user": user(42)}),
                    json!({"version": "28.7.1", "session_id": format!("{old}+r")}),
                ))
            });
        })
        .await
}

/// A `Set-Cookie` value for the credentials cookie, URL-encoded as PHP's `rawurlencode`
/// writes it, with an `expires=` date whose comma breaks naive parsers.
fn credentials_cookie(name: &str, session: &str) -> String {
    let json = format!(r#"{{"remember_me":true,"session_id":"{session}"}}"#);
    let encoded: String = json
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    format!("{name}={encoded}; expires=Thu, 01 Jan 2037 00:00:00 GMT; Max-Age=2592000; path=/")
}

// ---- logins -------------------------------------------------------------------------------

#[tokio::test]
async fn json_login_student_then_raw_basic_session_rotated_only_when_due() {
    let server = MockServer::start_async().await;
    let login = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/apiv2student/login")
                .header_includes("content-type", "application/x-www-form-urlencoded")
                // Upper-cased code, ISO date of birth for the JSON login.
                .form_urlencoded_tuple("code", "ABC123XYZ")
                .form_urlencoded_tuple("dob", "2010-01-20")
                .form_urlencoded_tuple("remember_me", "1")
                .form_urlencoded_tuple("recaptcha-token", "no-token-available")
                .header_missing("authorization");
            then.status(200)
                .json_body(ok(user(42), json!({"session_id": "s1"})));
        })
        .await;
    let ping = rotating_ping(&server, "/apiv2student").await;
    let timetable = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/apiv2student/timetable/42")
                .query_param("date", "2024-09-09")
                // The raw id, not base64 of anything: the login's own session, which is
                // not rotated until the interval is up (a web-form login's is, at once).
                .header("authorization", "Basic s1")
                .header_exists("user-agent");
            then.status(200).json_body(ok(
                json!([{"lesson_name": "9X/Ma1", "subject_name": "Maths", "period_number": "P1",
                        "date": "2024-09-09", "start_time": "2024-09-09T08:45:00+01:00",
                        "end_time": "2024-09-09T09:45:00+01:00", "teacher_id": "7"}]),
                json!({"dates": ["2024-09-09"], "periods": [{"number": "P1", "start_time": "08:45:00", "end_time": "09:45:00"}]}),
            ));
        })
        .await;
    let client = StudentClient::new(student_config(&server)).unwrap();
    let lessons = client.get_timetable("42", date(2024, 9, 9)).await.unwrap();
    assert_eq!(lessons.data.len(), 1);
    assert_eq!(lessons.data[0].teacher_id.as_deref(), Some("7"));
    assert_eq!(lessons.meta.periods[0].number.as_deref(), Some("P1"));
    login.assert_async().await;
    ping.assert_calls_async(0).await;
    timetable.assert_async().await;
    // The user from the login gives the pupil id without another request.
    assert_eq!(client.student_id().await.unwrap(), "42");
    assert_eq!(client.auth_stats().logins, 1);
    assert_eq!(client.auth_stats().rotations, 0);
}

#[tokio::test]
async fn json_login_parent_then_pupils() {
    let server = MockServer::start_async().await;
    let login = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/apiv2parent/login")
                .form_urlencoded_tuple("email", EMAIL)
                .form_urlencoded_tuple("password", PASSWORD)
                .form_urlencoded_tuple("remember", "true")
                .form_urlencoded_tuple("recaptcha-token", "no-token-available");
            then.status(200).json_body(ok(
                json!({"id": 9, "name": "Claire Lovelace", "email": EMAIL, "language": null, "isEmailVerified": true}),
                json!({"session_id": "p1"}),
            ));
        })
        .await;
    let ping = rotating_ping(&server, "/apiv2parent").await;
    let pupils = server
        .mock_async(|when, then| {
            when.method(GET).path("/apiv2parent/pupils");
            then.status(200).json_body(ok(
                json!([
                    {"id": 42, "first_name": "Ada", "last_name": "Lovelace", "timezone": "Europe/London", "school_name": "Test School", "homework_todo_count": 3},
                    {"id": 43, "first_name": "Byron", "last_name": "Lovelace", "timezone": "Europe/London"}
                ]),
                json!([]),
            ));
        })
        .await;
    let client = ParentClient::new(parent_config(&server)).unwrap();
    let all = client.pupils().await.unwrap();
    assert_eq!(all.len(), 2);
    assert_eq!(all[0].student.id, "42");
    assert_eq!(all[0].school_name.as_deref(), Some("Test School"));
    assert_eq!(all[0].homework_todo_count, Some(3));
    assert_eq!(all[0].student.timezone.as_deref(), Some("Europe/London"));
    login.assert_async().await;
    // A JSON login's session is used as it comes; rotated only when due.
    ping.assert_calls_async(0).await;
    // The login probes the pupil list once (sign-on check), then the call itself.
    pupils.assert_calls_async(2).await;

    // A chosen pupil narrows it; an unknown one says which pupils there are.
    let one = ParentClient::new(parent_config(&server).pupil("43").unwrap()).unwrap();
    assert_eq!(one.pupils().await.unwrap()[0].student.id, "43");
    let none = ParentClient::new(parent_config(&server).pupil("99").unwrap()).unwrap();
    let e = none.pupils().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);
    assert!(e.to_string().contains("42, 43"), "{e}");
}

#[tokio::test]
async fn web_form_login_student_reads_both_set_cookies() {
    let server = MockServer::start_async().await;
    let form = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/student/login")
                .header_includes("content-type", "application/x-www-form-urlencoded")
                .form_urlencoded_tuple("_method", "POST")
                .form_urlencoded_tuple("code", "ABC123XYZ")
                // The web form wants DD/MM/YYYY.
                .form_urlencoded_tuple("dob", "20/01/2010")
                .form_urlencoded_tuple("remember_me", "1")
                .form_urlencoded_tuple("recaptcha-token", "no-token-available");
            then.status(302)
                .header("location", "/student/")
                .header(
                    "set-cookie",
                    "cc-session=cc-123; expires=Thu, 01 Jan 2037 00:00:00 GMT; Max-Age=2592000; path=/; HttpOnly",
                )
                .header(
                    "set-cookie",
                    credentials_cookie("student_session_credentials", "w1"),
                );
        })
        .await;
    let ping = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/apiv2student/ping")
                .header("authorization", "Basic w1")
                .is_true(|req: &HttpMockRequest| {
                    let c = cookie_of(req);
                    c.contains("cc-session=cc-123") && c.contains("student_session_credentials=%7B")
                });
            then.status(200)
                .json_body(ok(json!({"user": user(42)}), json!({"session_id": "w2"})));
        })
        .await;
    let fields = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/apiv2student/customfields/42")
                .header("authorization", "Basic w2")
                .header_includes("cookie", "cc-session=cc-123");
            then.status(200).json_body(ok(
                json!({"note": "", "fields": [{"id": 1, "name": "House", "graphic": "#1565c0", "value": "Brunel"}]}),
                json!([]),
            ));
        })
        .await;
    let client =
        StudentClient::new(student_config(&server).login_style(LoginStyle::WebForm)).unwrap();
    let reply = client.get_custom_fields("42").await.unwrap();
    assert_eq!(reply.data.fields[0].value.as_deref(), Some("Brunel"));
    form.assert_async().await;
    ping.assert_async().await;
    fields.assert_async().await;
    let mut names = client.cookie_names();
    names.sort();
    assert_eq!(names, ["cc-session", "student_session_credentials"]);
}

#[tokio::test]
async fn web_form_login_parent_sends_its_own_fields() {
    let server = MockServer::start_async().await;
    let form = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/parent/login")
                .form_urlencoded_tuple("_method", "POST")
                .form_urlencoded_tuple("email", EMAIL)
                .form_urlencoded_tuple("logintype", "existing")
                .form_urlencoded_tuple("password", PASSWORD)
                .form_urlencoded_tuple("recaptcha-token", "no-token-available")
                .form_urlencoded_tuple_missing("remember_me");
            then.status(302)
                .header("location", "/parent/")
                .header("set-cookie", "cc-session=cc-9; path=/; HttpOnly")
                .header(
                    "set-cookie",
                    credentials_cookie("parent_session_credentials", "pw1"),
                );
        })
        .await;
    let pupils = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/apiv2parent/pupils")
                .header_includes("cookie", "parent_session_credentials=");
            then.status(200)
                .json_body(ok(json!([{"id": 42, "first_name": "Ada"}]), json!([])));
        })
        .await;
    let ping = rotating_ping(&server, "/apiv2parent").await;
    let client =
        ParentClient::new(parent_config(&server).login_style(LoginStyle::WebForm)).unwrap();
    assert_eq!(client.get_pupils().await.unwrap().data.len(), 1);
    form.assert_async().await;
    ping.assert_async().await;
    pupils.assert_calls_async(2).await;
}

#[tokio::test]
async fn web_form_login_needs_a_302_and_the_cookie() {
    let server = MockServer::start_async().await;
    // Bad credentials: the form page again, HTTP 200, no cookie.
    let form = server
        .mock_async(|when, then| {
            when.method(POST).path("/student/login");
            then.status(200)
                .header("content-type", "text/html")
                .body(r#"<html><form><div class="alert alert-danger">The date of birth you have provided is incorrect</div></form></html>"#);
        })
        .await;
    let ping = rotating_ping(&server, "/apiv2student").await;
    let client =
        StudentClient::new(student_config(&server).login_style(LoginStyle::WebForm)).unwrap();
    let e = client.get_classes("42").await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unauthenticated);
    assert!(e.to_string().contains("302"), "{e}");
    assert!(
        e.to_string().contains("date of birth you have provided"),
        "{e}"
    );
    form.assert_async().await;
    ping.assert_calls_async(0).await;

    // A 302 without the credentials cookie is no login either.
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(POST).path("/student/login");
            then.status(302)
                .header("location", "/student/")
                .header("set-cookie", "cc-session=x; path=/");
        })
        .await;
    let client =
        StudentClient::new(student_config(&server).login_style(LoginStyle::WebForm)).unwrap();
    let e = client.get_classes("42").await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unauthenticated);
    assert!(e.to_string().contains("student_session_credentials"), "{e}");
}

#[tokio::test]
async fn a_refused_json_login_is_unauthenticated_with_the_vendor_message() {
    let server = MockServer::start_async().await;
    let login = server
        .mock_async(|when, then| {
            when.method(POST).path("/apiv2student/login");
            then.status(200).json_body(json!({
                "success": 0, "expired": 0, "meta": [],
                "error": "The pupil code you have provided is incorrect."
            }));
        })
        .await;
    let client = StudentClient::new(student_config(&server)).unwrap();
    let e = client.get_classes("42").await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unauthenticated);
    assert!(
        e.to_string().contains("pupil code you have provided"),
        "{e}"
    );
    assert!(!e.is_retryable());
    // Not retried, not replayed: one attempt.
    login.assert_calls_async(1).await;
    let shown = format!("{e} {e:?}");
    assert!(
        !shown.contains("ABC123XYZ") && !shown.contains(DOB),
        "{shown}"
    );
}

// ---- the TES sign-on change -----------------------------------------------------------------

#[tokio::test]
async fn a_parent_redirected_to_tes_gets_the_two_hop_handshake() {
    let cc = MockServer::start_async().await;
    let tes = MockServer::start_async().await;
    cc.mock_async(|when, then| {
        when.method(POST).path("/parent/login");
        then.status(302)
            .header("location", "/parent/")
            .header("set-cookie", "cc-session=cc-1; path=/; HttpOnly")
            .header(
                "set-cookie",
                credentials_cookie("parent_session_credentials", "t1"),
            );
    })
    .await;
    // Before the handshake: the pupil list sends the browser to TES.
    let verify_url = format!("{}/v1/verify?returnUrl={}", tes.base_url(), "x");
    let redirected = cc
        .mock_async(|when, then| {
            when.method(GET)
                .path("/apiv2parent/pupils")
                .query_param_missing("prompt")
                .is_true(|req: &HttpMockRequest| !cookie_of(req).contains("tes-ok=1"));
            then.status(302).header("location", verify_url);
        })
        .await;
    // Step 2: TES verifies with the ClassCharts cookies and sends us back.
    let return_url = format!("{}/apiv2parent/pupils", cc.base_url());
    let back = format!("{}/apiv2parent/pupils?prompt=login", cc.base_url());
    let verify = tes
        .mock_async(|when, then| {
            when.method(GET)
                .path("/v1/verify")
                .query_param("returnUrl", return_url)
                .header_includes("cookie", "cc-session=cc-1")
                .header_includes("cookie", "parent_session_credentials=");
            then.status(302)
                .header("location", back)
                .header("set-cookie", "tes_sso=zz; path=/");
        })
        .await;
    // Step 3: the one redirect back, followed by hand, with the cookies.
    let returned = cc
        .mock_async(|when, then| {
            when.method(GET)
                .path("/apiv2parent/pupils")
                .query_param("prompt", "login")
                .header_includes("cookie", "cc-session=cc-1");
            then.status(302)
                .header("location", "/apiv2parent/pupils")
                .header("set-cookie", "tes-ok=1; path=/");
        })
        .await;
    // After it: the API answers.
    let answered = cc
        .mock_async(|when, then| {
            when.method(GET)
                .path("/apiv2parent/pupils")
                .query_param_missing("prompt")
                .header_includes("cookie", "tes-ok=1")
                .header("authorization", "Basic t1+r");
            then.status(200)
                .json_body(ok(json!([{"id": 42, "first_name": "Ada"}]), json!([])));
        })
        .await;
    let probe_ok = cc
        .mock_async(|when, then| {
            when.method(GET)
                .path("/apiv2parent/pupils")
                .query_param_missing("prompt")
                .header_includes("cookie", "tes-ok=1")
                .header("authorization", "Basic t1");
            then.status(200)
                .json_body(ok(json!([{"id": 42, "first_name": "Ada"}]), json!([])));
        })
        .await;
    let ping = rotating_ping(&cc, "/apiv2parent").await;
    let client = ParentClient::new(
        parent_config(&cc)
            .login_style(LoginStyle::WebForm)
            .sso_base_url(&tes.base_url())
            .unwrap(),
    )
    .unwrap();
    let pupils = client.get_pupils().await.unwrap().data;
    assert_eq!(pupils[0].student.id, "42");
    redirected.assert_calls_async(1).await;
    verify.assert_async().await;
    returned.assert_async().await;
    probe_ok.assert_async().await;
    ping.assert_async().await;
    answered.assert_async().await;
    assert_eq!(client.auth_stats().handshakes, 1);
}

#[tokio::test]
async fn a_redirect_to_tes_that_will_not_go_away_says_sign_on_changed() {
    // Parent: the handshake runs, but the pupil list still redirects.
    let cc = MockServer::start_async().await;
    let tes = MockServer::start_async().await;
    cc.mock_async(|when, then| {
        when.method(POST).path("/apiv2parent/login");
        then.status(200)
            .json_body(ok(json!({"id": 9}), json!({"session_id": "p1"})));
    })
    .await;
    let to_tes = format!("{}/v1/verify?returnUrl=x", tes.base_url());
    cc.mock_async(|when, then| {
        when.method(GET).path("/apiv2parent/pupils");
        then.status(302).header("location", to_tes);
    })
    .await;
    let back = format!("{}/apiv2parent/pupils?prompt=login", cc.base_url());
    tes.mock_async(|when, then| {
        when.method(GET).path("/v1/verify");
        then.status(302).header("location", back);
    })
    .await;
    let client =
        ParentClient::new(parent_config(&cc).sso_base_url(&tes.base_url()).unwrap()).unwrap();
    let e = client.get_pupils().await.unwrap_err();
    assert!(is_sign_on_changed(&e), "{e}");
    assert_eq!(e.kind(), ErrorKind::Unauthenticated);
    assert!(e.to_string().contains("sign-on changed"), "{e}");

    // Student: a redirect to session.tes.com is the typed error, not a generic redirect.
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(POST).path("/apiv2student/login");
            then.status(200)
                .json_body(ok(user(42), json!({"session_id": "s1"})));
        })
        .await;
    rotating_ping(&server, "/apiv2student").await;
    let tt = server
        .mock_async(|when, then| {
            when.method(GET).path("/apiv2student/timetable/42");
            then.status(302).header(
                "location",
                "https://session.tes.com/v1/verify?returnUrl=https%3A%2F%2Fwww.classcharts.com",
            );
        })
        .await;
    let client = StudentClient::new(student_config(&server)).unwrap();
    let e = client
        .get_timetable("42", date(2024, 9, 9))
        .await
        .unwrap_err();
    assert!(is_sign_on_changed(&e), "{e}");
    assert_eq!(e.kind(), ErrorKind::Vendor);
    assert!(!e.is_retryable());
    tt.assert_calls_async(1).await;
}

// ---- the session: rotation and expiry -----------------------------------------------------

/// The clock is tokio's, paused and moved by hand between requests: the session is rotated
/// once 170 s have passed since the last rotation, and never later than 180 s.
#[tokio::test]
async fn the_session_is_rotated_before_180_seconds() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(POST).path("/apiv2student/login");
            then.status(200)
                .json_body(ok(user(42), json!({"session_id": "s1"})));
        })
        .await;
    let ping = rotating_ping(&server, "/apiv2student").await;
    let seen = Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let log = seen.clone();
    server
        .mock_async(move |when, then| {
            when.method(GET).path("/apiv2student/classes/42");
            then.respond_with(move |req: &HttpMockRequest| {
                log.lock().unwrap().push(auth_of(req));
                reply(&ok(json!([]), json!([])))
            });
        })
        .await;
    let client = StudentClient::new(student_config(&server)).unwrap();
    let skip = |secs: u64| async move {
        tokio::time::pause();
        tokio::time::advance(Duration::from_secs(secs)).await;
        tokio::time::resume();
    };
    client.get_classes("42").await.unwrap(); // login (s1, used as it comes)
    skip(100).await;
    client.get_classes("42").await.unwrap(); // 100 s: no rotation
    skip(69).await;
    client.get_classes("42").await.unwrap(); // 169 s: still none
    ping.assert_calls_async(0).await;
    skip(2).await;
    client.get_classes("42").await.unwrap(); // 171 s after the login: rotated first (s1 -> s1+r)
    ping.assert_calls_async(1).await;
    skip(175).await;
    client.get_classes("42").await.unwrap(); // 175 s after that rotation: again
    ping.assert_calls_async(2).await;
    assert_eq!(
        *seen.lock().unwrap(),
        [
            "Basic s1",
            "Basic s1",
            "Basic s1",
            "Basic s1+r",
            "Basic s1+r+r"
        ]
    );
    assert_eq!(client.auth_stats().logins, 1);
}

/// A server whose sessions can be killed: logins issue `L1`, `L2`…; data calls with a dead
/// session get `{"success":0,"expired":1}` with HTTP 200.
struct Expiring {
    logins: Arc<AtomicUsize>,
    data_calls: Arc<AtomicUsize>,
}

async fn expiring_server(server: &MockServer, dead_sessions: &'static [&'static str]) -> Expiring {
    let logins = Arc::new(AtomicUsize::new(0));
    let data_calls = Arc::new(AtomicUsize::new(0));
    let n = logins.clone();
    server
        .mock_async(move |when, then| {
            when.method(POST).path("/apiv2student/login");
            then.respond_with(move |_req: &HttpMockRequest| {
                let k = n.fetch_add(1, Ordering::SeqCst) + 1;
                reply(&ok(user(42), json!({"session_id": format!("L{k}")})))
            });
        })
        .await;
    rotating_ping(server, "/apiv2student").await;
    let calls = data_calls.clone();
    server
        .mock_async(move |when, then| {
            when.method(GET).path("/apiv2student/attendance/42");
            then.respond_with(move |req: &HttpMockRequest| {
                calls.fetch_add(1, Ordering::SeqCst);
                let session = auth_of(req).trim_start_matches("Basic ").to_owned();
                if dead_sessions.contains(&session.as_str()) {
                    reply(&json!({"success": 0, "expired": 1, "meta": [],
                                  "error": "You are not logged in. [1]"}))
                } else {
                    reply(&ok(
                        json!({"2024-09-09": {"AM": {"code": "/", "status": "present", "late_minutes": 0}}}),
                        json!({"percentage": "100", "percentage_singe_august": "98.5"}),
                    ))
                }
            });
        })
        .await;
    Expiring { logins, data_calls }
}

#[tokio::test]
async fn expired_1_logs_in_again_once_and_replays() {
    let server = MockServer::start_async().await;
    let s = expiring_server(&server, &["L1"]).await;
    let client = StudentClient::new(student_config(&server)).unwrap();
    let range = DateRange::parse("2024-09-09", "2024-09-13").unwrap();
    let reply = client.get_attendance("42", range).await.unwrap();
    assert_eq!(reply.data.0["2024-09-09"]["AM"].code.as_deref(), Some("/"));
    assert_eq!(reply.meta.percentage_since_august.as_deref(), Some("98.5"));
    assert_eq!(s.logins.load(Ordering::SeqCst), 2, "one re-login");
    assert_eq!(s.data_calls.load(Ordering::SeqCst), 2, "one replay");
    assert_eq!(client.auth_stats().logins, 2);
}

#[tokio::test]
async fn a_second_expiry_is_returned_not_looped() {
    let server = MockServer::start_async().await;
    let s = expiring_server(&server, &["L1", "L2"]).await;
    let client = StudentClient::new(student_config(&server)).unwrap();
    let range = DateRange::parse("2024-09-09", "2024-09-13").unwrap();
    let e = client.get_attendance("42", range).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unauthenticated);
    assert!(e.to_string().contains("expired"), "{e}");
    assert_eq!(
        s.logins.load(Ordering::SeqCst),
        2,
        "logged in again once only"
    );
    assert_eq!(s.data_calls.load(Ordering::SeqCst), 2);
}

// ---- activity paging ------------------------------------------------------------------------

#[tokio::test]
async fn activity_pages_by_last_id_until_an_empty_page() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(POST).path("/apiv2student/login");
            then.status(200)
                .json_body(ok(user(42), json!({"session_id": "s1"})));
        })
        .await;
    rotating_ping(&server, "/apiv2student").await;
    let point = |id: u64| {
        json!({"id": id, "type": "behaviour", "polarity": "positive", "reason": "Effort",
               "score": 1, "timestamp": "2024-09-10 10:00:00"})
    };
    let first = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/apiv2student/activity/42")
                .query_param("from", "2024-09-09")
                .query_param("to", "2024-09-14")
                .query_param_missing("last_id");
            then.status(200)
                .json_body(ok(json!([point(30), point(29)]), json!({"last_id": 29})));
        })
        .await;
    let second = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/apiv2student/activity/42")
                .query_param("last_id", "29");
            then.status(200)
                .json_body(ok(json!([point(12)]), json!({"last_id": 12})));
        })
        .await;
    let last = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/apiv2student/activity/42")
                .query_param("last_id", "12");
            then.status(200)
                .json_body(ok(json!([]), json!({"last_id": false})));
        })
        .await;
    let client = StudentClient::new(student_config(&server)).unwrap();
    let ids: Vec<String> = client
        .activity_stream(
            "42",
            ActivityFilter::between(date(2024, 9, 9), date(2024, 9, 14)),
        )
        .map_ok(|p| p.id)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(ids, ["30", "29", "12"]);
    first.assert_async().await;
    second.assert_async().await;
    last.assert_async().await;
}

// ---- every other endpoint -------------------------------------------------------------------

#[tokio::test]
async fn student_endpoints_send_the_documented_paths_and_parameters() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(POST).path("/apiv2student/login");
            then.status(200)
                .json_body(ok(user(42), json!({"session_id": "s1"})));
        })
        .await;
    rotating_ping(&server, "/apiv2student").await;
    let mut mocks = Vec::new();
    let get = |path: &str, params: &[(&str, &str)], data: Value, meta: Value| {
        let path = path.to_owned();
        let params: Vec<(String, String)> = params
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        (path, params, data, meta)
    };
    let specs = vec![
        get(
            "/apiv2student/behaviour/42",
            &[("from", "2024-09-01"), ("to", "2024-09-30")],
            json!({"timeline": [{"positive": 3, "negative": 1, "name": "9/2/2024", "start": "2024-09-02", "end": "2024-09-08"}],
                   "positive_reasons": {"Effort": 3}, "negative_reasons": [], "other_positive": [], "other_negative": [],
                   "other_positive_count": [], "other_negative_count": []}),
            json!({"step_size": "week"}),
        ),
        get(
            "/apiv2student/homeworks/42",
            &[
                ("display_date", "due_date"),
                ("from", "2024-09-01"),
                ("to", "2024-09-30"),
            ],
            json!([{"id": 5, "title": "Essay", "status": {"id": 500042, "ticked": "yes", "attachments": [{"id": 1, "filename": "a.pdf"}]},
                    "validated_attachments": [{"id": 2, "file_name": "b.pdf"}]}]),
            json!({"display_type": "due_date"}),
        ),
        get(
            "/apiv2student/homeworkticked/500042",
            &[("studentId", "42")],
            json!([]),
            json!([]),
        ),
        get(
            "/apiv2student/eventbadges/42",
            &[],
            json!([{"id": 1, "name": "Star", "pupil_badges": []}]),
            json!([]),
        ),
        get(
            "/apiv2student/announcements/42",
            &[],
            json!([{"id": 7, "title": "Hello", "sticky": "no", "requires_consent": "yes"}]),
            json!([]),
        ),
        get(
            "/apiv2student/detentions/42",
            &[("from", "2024-09-01"), ("to", "2024-09-30")],
            json!([{"id": 3, "attended": "pending", "date": "2024-09-24:00:00+00:00"}]),
            json!({"detention_alias_plural": "detentions"}),
        ),
        get(
            "/apiv2student/rewards/42",
            &[],
            json!([{"id": 11, "name": "Pen", "price": 5, "purchased_count": "2"}]),
            json!({"pupil_score_balance": 40}),
        ),
        get(
            "/apiv2student/getacademicreports",
            &[("studentId", "42")],
            json!([{"id": 7001, "name": "Autumn report"}]),
            json!([]),
        ),
        get(
            "/apiv2student/getacademicreport/7001",
            &[("studentId", "42")],
            json!({"id": 7001, "lessons": []}),
            json!([]),
        ),
        get(
            "/apiv2student/getpupilreportcard/88",
            &[("pupil_id", "42")],
            json!({"id": 88, "reason": "Focus"}),
            json!([]),
        ),
        get(
            "/apiv2student/getpupilreportcardsummarycomment/88",
            &[("pupil_id", "42"), ("date", "2024-09-10")],
            json!([{"id": 1, "text": "Better"}]),
            json!([]),
        ),
        get(
            "/apiv2student/getpupilreportcardtarget/88",
            &[("pupil_id", "42"), ("date", "2024-09-10")],
            json!([{"id": 2, "description": "Listen"}]),
            json!([]),
        ),
    ];
    for (path, params, data, meta) in specs {
        mocks.push(
            server
                .mock_async(move |when, then| {
                    let mut w = when
                        .method(GET)
                        .path(path)
                        .header("authorization", "Basic s1");
                    for (k, v) in params {
                        w = w.query_param(k, v);
                    }
                    let _ = w;
                    then.status(200).json_body(ok(data, meta));
                })
                .await,
        );
    }
    let report_cards = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/apiv2student/getpupilreportcards")
                .query_param("pupil_id", "42")
                .form_urlencoded_tuple("pupil_id", "42");
            then.status(200).json_body(ok(json!([]), json!([])));
        })
        .await;
    let purchase = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/apiv2student/purchase/11")
                .form_urlencoded_tuple("pupil_id", "42");
            then.status(200).json_body(ok(
                json!({"single_purchase": "yes", "order_id": 3458001, "balance": 35}),
                json!([]),
            ));
        })
        .await;
    let unknown_item = server
        .mock_async(|when, then| {
            when.method(POST).path("/apiv2student/purchase/999");
            then.status(500).body("<html>Internal Server Error</html>");
        })
        .await;
    let getcode = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/apiv2student/getcode")
                .form_urlencoded_tuple("date", DOB);
            then.status(200)
                .json_body(ok(json!({"code": "ABC123XYZ"}), json!([])));
        })
        .await;
    let logout = server
        .mock_async(|when, then| {
            when.method(POST).path("/apiv2student/logout");
            then.status(200).json_body(ok(json!([]), json!([])));
        })
        .await;

    let c = StudentClient::new(student_config(&server)).unwrap();
    let sept = DateRange::parse("2024-09-01", "2024-09-30").unwrap();
    let b = c
        .get_behaviour("42", Some(sept.from()), Some(sept.to()))
        .await
        .unwrap();
    assert_eq!(b.data.positive_reasons["Effort"], 3);
    assert!(b.data.negative_reasons.is_empty());
    let hw = c
        .get_homeworks(
            "42",
            &HomeworkFilter {
                display_date: Some(DisplayDate::DueDate),
                from: Some(sept.from()),
                to: Some(sept.to()),
            },
        )
        .await
        .unwrap();
    let status = hw.data[0].status.as_ref().unwrap();
    assert!(status.ticked);
    assert_eq!(status.attachments[0].file_name.as_deref(), Some("a.pdf"));
    assert_eq!(
        hw.data[0].validated_attachments[0].file_name.as_deref(),
        Some("b.pdf")
    );
    c.tick_homework("42", "500042").await.unwrap();
    assert_eq!(c.get_event_badges("42").await.unwrap().data.len(), 1);
    let ann = c.get_announcements("42").await.unwrap().data;
    assert!(!ann[0].sticky && ann[0].requires_consent);
    let det = c.get_detentions("42", Some(sept)).await.unwrap().data;
    assert_eq!(det[0].date(), Some(date(2024, 9, 24)));
    let rewards = c.get_rewards().await.unwrap();
    assert_eq!(rewards.data[0].purchased_count.value, Some(2));
    assert_eq!(rewards.meta.pupil_score_balance, Some(40));
    assert_eq!(c.get_academic_reports("42").await.unwrap().data.len(), 1);
    assert_eq!(
        c.get_academic_report("42", "7001").await.unwrap().data[0]
            .id
            .as_deref(),
        Some("7001")
    );
    assert!(c.get_report_cards("42").await.unwrap().data.is_empty());
    assert_eq!(
        c.get_report_card("42", "88").await.unwrap().data[0]
            .reason
            .as_deref(),
        Some("Focus")
    );
    let day = date(2024, 9, 10);
    assert_eq!(
        c.get_report_card_summary_comment("42", "88", day)
            .await
            .unwrap()
            .data[0]
            .text
            .as_deref(),
        Some("Better")
    );
    assert_eq!(
        c.get_report_card_target("42", "88", day)
            .await
            .unwrap()
            .data[0]
            .description
            .as_deref(),
        Some("Listen")
    );
    let bought = c.purchase("11").await.unwrap().data;
    assert!(bought.single_purchase);
    assert_eq!(bought.balance, Some(35));
    let e = c.purchase("999").await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);
    assert!(e.to_string().contains("may not exist"), "{e}");
    assert_eq!(c.get_code().await.unwrap().code, "ABC123XYZ");
    c.logout().await.unwrap();

    for m in &mocks {
        m.assert_async().await;
    }
    report_cards.assert_async().await;
    purchase.assert_async().await;
    unknown_item.assert_calls_async(1).await; // a POST that reached the server: never replayed
    getcode.assert_async().await;
    logout.assert_async().await;
    // Empty ids are refused before anything is sent.
    assert_eq!(
        c.get_classes(" ").await.unwrap_err().kind(),
        ErrorKind::InvalidInput
    );
    assert_eq!(
        c.purchase("").await.unwrap_err().kind(),
        ErrorKind::InvalidInput
    );
}

#[tokio::test]
async fn parent_endpoints_send_the_documented_paths_and_parameters() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/apiv2parent/login")
                .form_urlencoded_tuple("password", PASSWORD);
            then.status(200)
                .json_body(ok(json!({"id": 9}), json!({"session_id": "p1"})));
        })
        .await;
    let relogin = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/apiv2parent/login")
                .form_urlencoded_tuple("password", "n3w-password");
            then.status(200)
                .json_body(ok(json!({"id": 9}), json!({"session_id": "p2"})));
        })
        .await;
    server
        .mock_async(|when, then| {
            when.method(GET).path("/apiv2parent/pupils");
            then.status(200)
                .json_body(ok(json!([{"id": 42, "first_name": "Ada"}]), json!([])));
        })
        .await;
    rotating_ping(&server, "/apiv2parent").await;
    let list = server
        .mock_async(|when, then| {
            when.method(GET).path("/apiv2parent/parentbehaviours/42");
            then.status(200).json_body(ok(
                json!([{"id": 436310, "name": "Remarkable Reader", "icon_url": "x", "is_daily_limit_reached": false}]),
                json!([]),
            ));
        })
        .await;
    let add = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/apiv2parent/addparentbehaviour/42")
                .form_urlencoded_tuple("behaviour_id", "436310");
            then.status(200).json_body(ok(
                json!([{"id": 436310, "name": "Remarkable Reader", "is_daily_limit_reached": true}]),
                json!([]),
            ));
        })
        .await;
    let limit = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/apiv2parent/addparentbehaviour/42")
                .form_urlencoded_tuple("behaviour_id", "1");
            then.status(200)
                .json_body(json!({"success": 0, "expired": 0, "meta": [],
                "error": "You have reached the daily limit awarding this behaviour"}));
        })
        .await;
    let delete = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/apiv2parent/deleteparentbehaviour/42")
                .form_urlencoded_tuple("behaviour_id", "436310");
            then.status(200).json_body(ok(json!([]), json!([])));
        })
        .await;
    let password = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/apiv2parent/password")
                .form_urlencoded_tuple("current", PASSWORD)
                .form_urlencoded_tuple("new", "n3w-password")
                .form_urlencoded_tuple("repeat", "n3w-password");
            then.status(200).json_body(ok(json!([]), json!([])));
        })
        .await;
    // Classes: the first session is dead by then, so the client must log in again.
    let classes = server
        .mock_async(|when, then| {
            when.method(GET).path("/apiv2parent/classes/42");
            then.respond_with(|req: &HttpMockRequest| {
                if auth_of(req) == "Basic p2" {
                    reply(&ok(json!([{"id": 1, "name": "9X/Ma1", "teachers": ["Mr J Smith"]}]), json!([])))
                } else {
                    reply(&json!({"success": 0, "expired": 1, "meta": [], "error": "You are not logged in. [1]"}))
                }
            });
        })
        .await;
    let c = ParentClient::new(parent_config(&server)).unwrap();
    let l = c.get_parent_behaviours("42", None).await.unwrap().data;
    assert!(!l[0].is_daily_limit_reached);
    let after = c.add_parent_behaviour("42", "436310").await.unwrap().data;
    assert!(after[0].is_daily_limit_reached);
    let e = c.add_parent_behaviour("42", "1").await.unwrap_err();
    assert_eq!(e.vendor_code(), Some(mis_classcharts::error::DAILY_LIMIT));
    c.delete_parent_behaviour("42", "436310").await.unwrap();
    c.change_password(
        &SecretString::from(PASSWORD),
        &SecretString::from("n3w-password"),
    )
    .await
    .unwrap();
    list.assert_async().await;
    add.assert_async().await;
    limit.assert_calls_async(1).await;
    delete.assert_async().await;
    password.assert_async().await;
    // The next login uses the new password.
    relogin.assert_calls_async(0).await;
    let classes_list = c.get_classes("42").await.unwrap().data;
    assert_eq!(classes_list[0].teachers, ["Mr J Smith"]);
    relogin.assert_calls_async(1).await;
    classes.assert_calls_async(2).await;
}

// ---- secrets --------------------------------------------------------------------------------

#[tokio::test]
async fn no_secret_in_any_debug_or_error() {
    let server = MockServer::start_async().await;
    let s = expiring_server(&server, &["L1", "L2"]).await;
    let config = student_config(&server).login_style(LoginStyle::Json);
    let _ = s;
    let client = StudentClient::new(config.clone()).unwrap();
    let range = DateRange::parse("2024-09-09", "2024-09-13").unwrap();
    let e = client.get_attendance("42", range).await.unwrap_err();
    let parent = ParentClient::new(parent_config(&server)).unwrap();
    let pe = parent.get_pupils().await.unwrap_err();
    let shown = format!(
        "{config:?} {client:?} {e} {e:?} {parent:?} {pe} {pe:?} {:?}",
        parent_config(&server)
    );
    for secret in [
        CODE,
        "ABC123XYZ",
        DOB,
        "20/01/2010",
        EMAIL,
        PASSWORD,
        "L1",
        "L2+r",
    ] {
        assert!(!shown.contains(secret), "{secret} shown in {shown}");
    }
}
