//! End to end through the real reqwest transport against a local httpmock server.

use std::time::Duration;

use httpmock::Method::{GET, POST};
use httpmock::MockServer;
use mis_http::{ErrorKind, HttpClient, RetryConfig, SecretString, StaticAuth, header};
use serde::Deserialize;

#[derive(Debug, Deserialize, PartialEq)]
struct Student {
    id: u32,
    name: String,
}

fn client(server: &MockServer) -> HttpClient {
    HttpClient::builder("hubmis")
        .base_url(&server.base_url())
        .unwrap()
        .prefix("/api/v1")
        .authenticator(StaticAuth::bearer(&SecretString::from("s3cr3t-token")).unwrap())
        .default_header(
            header::HeaderName::from_static("realm"),
            header::HeaderValue::from_static("school-9"),
        )
        .retry(RetryConfig::none())
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap()
}

#[tokio::test]
async fn headers_applied_query_encoded_json_decoded() {
    let server = MockServer::start_async().await;
    let list = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/api/v1/students")
                .query_param("page[number]", "1")
                .query_param("filter[form]", "7A & 7B")
                .header("authorization", "Bearer s3cr3t-token")
                .header("realm", "school-9")
                .header("accept", "application/json");
            then.status(200)
                .header("x-ratelimit-remaining", "11")
                .json_body(serde_json::json!([{"id": 1, "name": "Ada"}]));
        })
        .await;
    let http = client(&server);
    let students: Vec<Student> = http
        .get(&["students"])
        .query(&[("page[number]", "1"), ("filter[form]", "7A & 7B")])
        .operation("students.list")
        .send_json()
        .await
        .unwrap();
    assert_eq!(
        students,
        [Student {
            id: 1,
            name: "Ada".into()
        }]
    );
    list.assert_async().await;
}

#[tokio::test]
async fn path_segments_are_encoded_on_the_wire() {
    let server = MockServer::start_async().await;
    let encoded = server
        .mock_async(|when, then| {
            when.method(GET).path("/api/v1/students/..%2Fadmin");
            then.status(200).body("{}");
        })
        .await;
    let http = client(&server);
    http.get(&["students", "../admin"]).send().await.unwrap();
    encoded.assert_async().await;
}

#[tokio::test]
async fn a_redirect_is_an_error_and_is_not_followed() {
    let server = MockServer::start_async().await;
    let elsewhere = server
        .mock_async(|when, then| {
            when.path("/elsewhere");
            then.status(200).body("followed");
        })
        .await;
    let location = format!("{}/elsewhere?token=s3cr3t-redirect", server.base_url());
    let redirect = server
        .mock_async(|when, then| {
            when.method(GET).path("/api/v1/pupils");
            then.status(302).header("location", location.as_str());
        })
        .await;
    let http = client(&server);
    let err = http.get(&["pupils"]).send().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Vendor);
    assert_eq!(err.status(), Some(302));
    assert!(err.to_string().contains("/elsewhere"), "{err}");
    assert!(!err.to_string().contains("s3cr3t"), "{err}");
    redirect.assert_async().await;
    assert_eq!(elsewhere.calls_async().await, 0);

    // A caller that expects a 302 (ClassCharts' login) gets the response instead.
    let response = http
        .get(&["pupils"])
        .accept_redirect()
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 302);
    assert_eq!(elsewhere.calls_async().await, 0);
}

#[tokio::test]
async fn forms_errors_and_decode_failures() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/api/v1/token")
                .header("content-type", "application/x-www-form-urlencoded")
                .form_urlencoded_tuple("grant_type", "client_credentials");
            then.status(200)
                .json_body(serde_json::json!({"access_token": 5, "token": "s3cr3t-echo"}));
        })
        .await;
    server
        .mock_async(|when, then| {
            when.method(GET).path("/api/v1/students/404");
            then.status(404)
                .body(r#"{"error":"no such student","token":"s3cr3t-echo"}"#);
        })
        .await;
    let http = client(&server);

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Token {
        access_token: String,
    }
    let err = http
        .post(&["token"])
        .form(&[("grant_type", "client_credentials")])
        .operation("auth.token")
        .send_json::<Token>()
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Decode);
    assert_eq!(err.operation(), Some("auth.token"));
    assert_eq!(err.decode_detail().unwrap().path, "access_token");
    assert!(!format!("{err} {err:?}").contains("s3cr3t"));

    let err = http
        .get(&["students", "404"])
        .operation("students.get")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    assert_eq!(err.vendor(), Some("hubmis"));
    assert!(err.to_string().contains("no such student"), "{err}");
    assert!(!format!("{err} {err:?}").contains("s3cr3t"), "{err}");
}

#[tokio::test]
async fn a_closed_port_is_a_retryable_connect_error() {
    // Bind and drop a listener to find a port with nothing on it.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let http = HttpClient::builder("test")
        .base_url(&format!("http://127.0.0.1:{port}"))
        .unwrap()
        .retry(RetryConfig::none())
        .build()
        .unwrap();
    let err = http.post(&["x"]).send().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unavailable);
    assert!(err.is_retryable());
    // Nothing was sent, so even a POST's outcome is known.
    assert!(!err.is_outcome_unknown());
    // Issue 17 item 7: the host and the cause, in Display and in the source chain.
    let shown = err.to_string();
    assert!(shown.contains(&format!("127.0.0.1:{port}")), "{shown}");
    assert!(shown.contains("connection refused"), "{shown}");
    let mut chain = Vec::new();
    let mut source = std::error::Error::source(&err);
    while let Some(e) = source {
        chain.push(e.to_string());
        source = e.source();
    }
    assert!(
        chain.iter().any(|c| c.to_lowercase().contains("refused")),
        "{chain:?}"
    );
}

#[test]
fn plain_http_is_refused_except_on_loopback() {
    let err = HttpClient::builder("test")
        .base_url("http://example.com")
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    for ok in [
        "http://127.0.0.1:8080",
        "http://localhost:3000",
        "http://[::1]:1",
    ] {
        HttpClient::builder("test")
            .base_url(ok)
            .unwrap()
            .build()
            .unwrap();
    }
    let err = HttpClient::builder("test").build().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
}

#[tokio::test]
async fn ready_made_requests_must_stay_on_the_origin() {
    let http = HttpClient::builder("test")
        .base_url("https://api.example.com")
        .unwrap()
        .authenticator(StaticAuth::bearer(&SecretString::from("k")).unwrap())
        .build()
        .unwrap();
    let mut request = mis_http::Request::new(bytes::Bytes::new());
    *request.uri_mut() = "https://evil.example/steal".parse().unwrap();
    let err = http.send_request(request).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    let err = HttpClient::builder("test")
        .base_url("https://api.example.com")
        .unwrap()
        .prefix("/api/../v1")
        .build()
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
}
