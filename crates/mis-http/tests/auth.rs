//! The auth layer: lazy acquire, single-flight refresh, one replay, proactive renewal.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use mis_http::testing::{RecordedRequest, Reply, ScriptedTransport};
use mis_http::{
    Authenticator, Credential, ErrorKind, HttpClient, RateLimit, Request, Result, RetryConfig,
    SecretString, StaticAuth, bearer_header, header,
};
use serde::Deserialize;
use tokio::time::Instant;

/// An OAuth2 client-credentials flow like HUBmis's.
#[derive(Debug, Default)]
struct TokenAuth {
    acquires: AtomicUsize,
    renews: AtomicUsize,
    lifetime: Option<Duration>,
}

#[derive(Deserialize)]
struct Token {
    access_token: String,
}

#[async_trait]
impl Authenticator for TokenAuth {
    async fn acquire(&self, http: &HttpClient) -> Result<Credential> {
        self.acquires.fetch_add(1, Ordering::SeqCst);
        let token: Token = http
            .post(&["token"])
            .form(&[
                ("grant_type", "client_credentials"),
                ("client_secret", "s3cr3t-client"),
            ])
            .idempotent(true)
            .operation("auth.token")
            .send_json()
            .await?;
        let mut credential = Credential::new(SecretString::from(token.access_token));
        if let Some(lifetime) = self.lifetime {
            credential = credential.renew_after(Instant::now() + lifetime);
        }
        Ok(credential)
    }

    async fn renew(&self, http: &HttpClient, _current: &Credential) -> Result<Credential> {
        self.renews.fetch_add(1, Ordering::SeqCst);
        self.acquire(http).await
    }

    fn apply(&self, credential: &Credential, request: &mut Request) -> Result<()> {
        request
            .headers_mut()
            .insert(header::AUTHORIZATION, bearer_header(credential.secret())?);
        Ok(())
    }
}

/// A server that issues `tok-1`, `tok-2`, … and accepts only `Bearer tok-<valid>`
/// (`valid = 0`: accepts none).
fn server(valid: usize, delay: Duration) -> ScriptedTransport {
    let issued = AtomicUsize::new(0);
    ScriptedTransport::with_handler(move |r: &RecordedRequest| {
        if r.uri.path() == "/api/v1/token" {
            let n = issued.fetch_add(1, Ordering::SeqCst) + 1;
            return Reply::json(
                200,
                &serde_json::json!({"access_token": format!("tok-{n}")}),
            )
            .delay(delay);
        }
        let wanted = format!("Bearer tok-{valid}");
        if r.header("authorization") == Some(wanted.as_str()) {
            Reply::json(200, &serde_json::json!([])).delay(delay)
        } else {
            Reply::status(401).delay(delay)
        }
    })
}

fn api_requests(transport: &ScriptedTransport) -> Vec<RecordedRequest> {
    transport
        .requests()
        .into_iter()
        .filter(|r| r.uri.path() != "/api/v1/token")
        .collect()
}

fn client(transport: &ScriptedTransport, auth: Arc<TokenAuth>) -> HttpClient {
    HttpClient::builder("hubmis")
        .base_url("https://api.hubmis.com")
        .unwrap()
        .prefix("/api/v1")
        .authenticator_arc(auth)
        .retry(RetryConfig::default().no_budget())
        .transport(transport.service())
        .build()
        .unwrap()
}

#[tokio::test(start_paused = true)]
async fn concurrent_401s_share_one_refresh() {
    // tok-1 is rejected, tok-2 accepted. Every reply takes 100 ms so all ten requests are in
    // flight with tok-1 when the 401s arrive.
    let transport = server(2, Duration::from_millis(100));
    let auth = Arc::new(TokenAuth::default());
    let http = client(&transport, auth.clone());
    let mut tasks = Vec::new();
    for _ in 0..10 {
        let http = http.clone();
        tasks.push(tokio::spawn(async move {
            http.get(&["students"])
                .operation("students.list")
                .send_json::<serde_json::Value>()
                .await
        }));
    }
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    // One lazy acquire, then exactly one refresh for ten rejections.
    assert_eq!(auth.acquires.load(Ordering::SeqCst), 2);
    let api = api_requests(&transport);
    let rejected = api
        .iter()
        .filter(|r| r.header("authorization") == Some("Bearer tok-1"))
        .count();
    let accepted = api
        .iter()
        .filter(|r| r.header("authorization") == Some("Bearer tok-2"))
        .count();
    assert_eq!((rejected, accepted), (10, 10));
    // The credential header is marked sensitive.
    assert!(api[0].headers["authorization"].is_sensitive());
}

#[tokio::test(start_paused = true)]
async fn a_second_401_is_returned_not_looped() {
    let transport = server(0, Duration::ZERO);
    let auth = Arc::new(TokenAuth::default());
    let http = client(&transport, auth.clone());
    let err = http.get(&["students"]).send().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unauthenticated);
    assert_eq!(err.status(), Some(401));
    assert_eq!(auth.acquires.load(Ordering::SeqCst), 2);
    assert_eq!(api_requests(&transport).len(), 2);
}

#[tokio::test(start_paused = true)]
async fn proactive_renewal_when_due() {
    let transport = ScriptedTransport::with_handler({
        let issued = AtomicUsize::new(0);
        move |r: &RecordedRequest| {
            if r.uri.path() == "/api/v1/token" {
                let n = issued.fetch_add(1, Ordering::SeqCst) + 1;
                Reply::json(
                    200,
                    &serde_json::json!({"access_token": format!("tok-{n}")}),
                )
            } else {
                Reply::status(200)
            }
        }
    });
    let auth = Arc::new(TokenAuth {
        lifetime: Some(Duration::from_secs(600)),
        ..TokenAuth::default()
    });
    let http = client(&transport, auth.clone());
    http.get(&["a"]).send().await.unwrap();
    http.get(&["b"]).send().await.unwrap();
    assert_eq!(auth.renews.load(Ordering::SeqCst), 0);
    tokio::time::sleep(Duration::from_secs(601)).await;
    http.get(&["c"]).send().await.unwrap();
    http.get(&["d"]).send().await.unwrap();
    assert_eq!(auth.renews.load(Ordering::SeqCst), 1);
    let api = api_requests(&transport);
    let tokens: Vec<_> = api
        .iter()
        .map(|r| r.header("authorization").unwrap())
        .collect();
    assert_eq!(
        tokens,
        [
            "Bearer tok-1",
            "Bearer tok-1",
            "Bearer tok-2",
            "Bearer tok-2"
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn token_requests_pass_the_rate_gate() {
    let transport = server(1, Duration::ZERO);
    let auth = Arc::new(TokenAuth::default());
    let http = HttpClient::builder("hubmis")
        .base_url("https://api.hubmis.com")
        .unwrap()
        .prefix("/api/v1")
        .authenticator_arc(auth)
        .rate_limit(RateLimit::at_most(12, Duration::from_secs(60)))
        .transport(transport.service())
        .build()
        .unwrap();
    http.get(&["students"]).send().await.unwrap();
    let sent = transport.requests();
    assert_eq!(sent[0].uri.path(), "/api/v1/token");
    assert!(
        sent[0]
            .body_text()
            .contains("grant_type=client_credentials")
    );
    assert!(sent[1].at - sent[0].at >= Duration::from_secs(5));
}

#[tokio::test(start_paused = true)]
async fn a_failed_token_request_lets_a_post_be_retried() {
    // The POST itself never left, so retrying it is safe.
    let transport = ScriptedTransport::new();
    transport.push(Reply::status(503));
    transport.push(Reply::json(
        200,
        &serde_json::json!({"access_token": "tok-1"}),
    ));
    transport.push(Reply::status(201));
    let auth = Arc::new(TokenAuth::default());
    let http = client(&transport, auth);
    let response = http.post(&["students"]).send().await.unwrap();
    assert_eq!(response.status(), 201);
}

#[tokio::test(start_paused = true)]
async fn a_post_rejected_with_401_is_replayed_once() {
    let transport = server(2, Duration::ZERO);
    let auth = Arc::new(TokenAuth::default());
    let http = client(&transport, auth);
    http.post(&["students"]).send().await.unwrap();
    assert_eq!(api_requests(&transport).len(), 2);
}

#[tokio::test(start_paused = true)]
async fn static_keys_are_applied_and_not_replayed() {
    let transport = ScriptedTransport::new();
    transport.push(Reply::status(200));
    transport.push(Reply::status(401));
    let http = HttpClient::builder("managebac")
        .base_url("https://api.managebac.com")
        .unwrap()
        .prefix("/v2")
        .authenticator(
            StaticAuth::header(
                header::HeaderName::from_static("auth-token"),
                &SecretString::from("s3cr3t-key"),
            )
            .unwrap(),
        )
        .transport(transport.service())
        .build()
        .unwrap();
    http.get(&["students"]).send().await.unwrap();
    let err = http.get(&["students"]).send().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unauthenticated);
    let sent = transport.requests();
    assert_eq!(sent.len(), 2);
    assert_eq!(sent[0].header("auth-token"), Some("s3cr3t-key"));
    assert!(sent[0].headers["auth-token"].is_sensitive());
}

#[tokio::test(start_paused = true)]
async fn basic_and_bearer_static_auth() {
    let transport = ScriptedTransport::with_handler(|_| Reply::status(200));
    let basic = HttpClient::builder("classe365")
        .base_url("https://school.classe365.com/restv2")
        .unwrap()
        .authenticator(StaticAuth::basic("school", &SecretString::from("key")).unwrap())
        .transport(transport.service())
        .build()
        .unwrap();
    basic.get(&["students"]).send().await.unwrap();
    let bearer = HttpClient::builder("go4schools")
        .base_url("https://api.go4schools.com")
        .unwrap()
        .authenticator(StaticAuth::bearer(&SecretString::from("k")).unwrap())
        .transport(transport.service())
        .build()
        .unwrap();
    bearer.get(&["students"]).send().await.unwrap();
    let sent = transport.requests();
    assert_eq!(
        sent[0].header("authorization"),
        Some("Basic c2Nob29sOmtleQ==")
    );
    assert_eq!(sent[0].uri.path(), "/restv2/students");
    assert_eq!(sent[1].header("authorization"), Some("Bearer k"));
}

/// ClassCharts reports an expired session as HTTP 200 `{"success":0,"expired":1}`.
#[derive(Debug)]
struct EnvelopeClassifier;

impl mis_http::Classifier for EnvelopeClassifier {
    fn classify(
        &self,
        response: &mis_http::Response,
        _meta: &mis_http::RequestMeta,
    ) -> Option<mis_http::Error> {
        let body: serde_json::Value = serde_json::from_slice(response.body()).ok()?;
        if body["success"] == 0 {
            let kind = if body["expired"] == 1 {
                ErrorKind::Unauthenticated
            } else {
                ErrorKind::Vendor
            };
            let message = body["error"].as_str().unwrap_or("request failed");
            return Some(mis_http::Error::new(kind, mis_http::redact(message)));
        }
        None
    }
}

#[tokio::test(start_paused = true)]
async fn a_vendor_classifier_can_trigger_the_refresh() {
    let transport = ScriptedTransport::with_handler({
        let issued = AtomicUsize::new(0);
        move |r: &RecordedRequest| {
            if r.uri.path() == "/api/v1/token" {
                let n = issued.fetch_add(1, Ordering::SeqCst) + 1;
                Reply::json(
                    200,
                    &serde_json::json!({"access_token": format!("tok-{n}")}),
                )
            } else if r.header("authorization") == Some("Bearer tok-2") {
                Reply::json(200, &serde_json::json!({"success": 1, "data": []}))
            } else {
                Reply::json(
                    200,
                    &serde_json::json!({"success": 0, "expired": 1, "error": "You are not logged in."}),
                )
            }
        }
    });
    let auth = Arc::new(TokenAuth::default());
    let http = HttpClient::builder("classcharts")
        .base_url("https://www.classcharts.com")
        .unwrap()
        .prefix("/api/v1")
        .authenticator_arc(auth.clone())
        .classifier(EnvelopeClassifier)
        .transport(transport.service())
        .build()
        .unwrap();
    let body: serde_json::Value = http.get(&["homeworks"]).send_json().await.unwrap();
    assert_eq!(body["success"], 1);
    assert_eq!(auth.acquires.load(Ordering::SeqCst), 2);

    // A vendor error in a 200 is an error too, with the status filled in.
    let transport = ScriptedTransport::new();
    transport.push(Reply::json(
        200,
        &serde_json::json!({"success": 0, "error": "Bad date"}),
    ));
    let http = HttpClient::builder("classcharts")
        .base_url("https://www.classcharts.com")
        .unwrap()
        .classifier(EnvelopeClassifier)
        .transport(transport.service())
        .build()
        .unwrap();
    let err = http.get(&["homeworks"]).send().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Vendor);
    assert_eq!(err.status(), Some(200));
    assert_eq!(err.vendor(), Some("classcharts"));
}

#[test]
fn clients_are_cheap_shareable_handles() {
    fn assert_handle<T: Clone + Send + Sync + std::fmt::Debug + 'static>() {}
    assert_handle::<HttpClient>();
    assert_handle::<mis_http::HttpService>();
    assert_handle::<Credential>();
    assert_handle::<StaticAuth>();
}
