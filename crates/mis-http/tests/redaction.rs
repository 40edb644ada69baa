//! No secret in any `Debug` output, error or log line.

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use mis_http::testing::{FakeClock, Reply, ScriptedTransport};
use mis_http::{
    Authenticator, BaseUrl, Credential, HttpClient, RateGate, RateLimit, Request, Result,
    RetryConfig, SecretString, StaticAuth, header, sensitive_header_value,
};
use tokio::time::Instant;

const SECRETS: [&str; 6] = [
    "s3cr3t-bearer",
    "s3cr3t-header",
    "s3cr3t-password",
    "s3cr3t-session",
    "s3cr3t-pupil",
    "s3cr3t-client",
];

fn assert_clean(what: &str, text: &str) {
    for secret in SECRETS {
        assert!(!text.contains(secret), "{what} shows {secret}: {text}");
    }
    assert!(
        !text.contains("czNjcjN0"),
        "{what} shows base64 of a secret: {text}"
    );
}

#[derive(Debug)]
struct SessionAuth {
    password: SecretString,
}

#[async_trait]
impl Authenticator for SessionAuth {
    async fn acquire(&self, _http: &HttpClient) -> Result<Credential> {
        Ok(Credential::new(SecretString::from("s3cr3t-session"))
            .with_extra("pupil_id", "s3cr3t-pupil"))
    }

    fn apply(&self, credential: &Credential, request: &mut Request) -> Result<()> {
        use mis_http::ExposeSecret;
        let value =
            sensitive_header_value(&format!("Basic {}", credential.secret().expose_secret()))?;
        request.headers_mut().insert(header::AUTHORIZATION, value);
        Ok(())
    }
}

#[tokio::test(start_paused = true)]
async fn debug_output_never_shows_a_secret() {
    let bearer = StaticAuth::bearer(&SecretString::from("s3cr3t-bearer")).unwrap();
    let custom = StaticAuth::header(
        header::HeaderName::from_static("auth-token"),
        &SecretString::from("s3cr3t-header"),
    )
    .unwrap();
    let basic = StaticAuth::basic("school", &SecretString::from("s3cr3t-password")).unwrap();
    let credential = Credential::new(SecretString::from("s3cr3t-session"))
        .renew_after(Instant::now() + Duration::from_secs(60))
        .with_extra("pupil_id", "s3cr3t-pupil");
    let session = SessionAuth {
        password: SecretString::from("s3cr3t-password"),
    };
    let _ = &session.password;

    let transport = ScriptedTransport::with_handler(|_| Reply::status(200));
    let builder = HttpClient::builder("classcharts")
        .base_url("https://www.classcharts.com")
        .unwrap()
        .prefix("/apiv2student")
        .authenticator(SessionAuth {
            password: SecretString::from("s3cr3t-password"),
        })
        .default_header(
            header::HeaderName::from_static("x-extra"),
            sensitive_header_value("s3cr3t-header").unwrap(),
        )
        .rate_limit(RateLimit::at_most(12, Duration::from_secs(60)))
        .retry(RetryConfig::default())
        .clock(Arc::new(FakeClock::new(jiff::Timestamp::UNIX_EPOCH)))
        .transport(transport.service());
    let builder_debug = format!("{builder:?}");
    let client = builder.build().unwrap();
    let request = client
        .post(&["homework"])
        .sensitive_header(
            header::HeaderName::from_static("x-session"),
            &SecretString::from("s3cr3t-session"),
        )
        .form(&[("client_secret", "s3cr3t-client")]);
    let request_debug = format!("{request:?}");
    let built = request.build().unwrap();
    let gate = RateGate::new(RateLimit::unlimited());
    let base = BaseUrl::parse("https://www.classcharts.com/apiv2student").unwrap();

    for (what, text) in [
        ("bearer", format!("{bearer:?}")),
        ("custom header", format!("{custom:?}")),
        ("basic", format!("{basic:?}")),
        ("credential", format!("{credential:?}")),
        ("authenticator", format!("{session:?}")),
        ("builder", builder_debug),
        ("client", format!("{client:?}")),
        ("request builder", request_debug),
        ("request headers", format!("{:?}", built.headers())),
        ("gate", format!("{gate:?}")),
        ("retry", format!("{:?}", RetryConfig::default())),
        ("base", format!("{base:?}")),
        ("transport", format!("{transport:?}")),
    ] {
        assert_clean(what, &text);
    }
}

/// A `MakeWriter` into a shared buffer.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test(start_paused = true)]
async fn logs_show_the_path_but_no_query_header_or_body() {
    let logs = Captured::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_span_events(tracing_subscriber::fmt::format::FmtSpan::CLOSE)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let transport = ScriptedTransport::new();
    transport.push(Reply::status(503).body(r#"{"token":"s3cr3t-session"}"#));
    transport.push(Reply::status(401).body(r#"{"password":"s3cr3t-password"}"#));
    let http = HttpClient::builder("test")
        .base_url("https://api.example.com")
        .unwrap()
        .prefix("/api/v1")
        .authenticator(StaticAuth::bearer(&SecretString::from("s3cr3t-bearer")).unwrap())
        .retry(RetryConfig::default().base_delay(Duration::from_millis(1)))
        .transport(transport.service())
        .build()
        .unwrap();
    let err = http
        .post(&["students", "42"])
        .idempotent(true)
        .query(&[("client", "s3cr3t-client")])
        .form(&[("client_secret", "s3cr3t-client")])
        .operation("students.update")
        .send()
        .await
        .unwrap_err();
    assert_clean("error", &format!("{err} {err:?}"));
    let logs = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
    assert_clean("logs", &logs);
    assert!(logs.contains("mis_http.request"), "{logs}");
    assert!(logs.contains("students.update"), "{logs}");
    assert!(logs.contains("/api/v1/students/42"), "{logs}");
    assert!(logs.contains("attempts=2"), "{logs}");
    assert!(logs.contains("status=401"), "{logs}");
    assert!(!logs.contains("ERROR"), "{logs}");
}
