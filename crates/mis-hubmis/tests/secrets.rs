//! No secret — client secret, client id, access token — in any `Debug`, `Display`, error or
//! log line, including when the vendor echoes one back.

use std::io::Write;
use std::sync::{Arc, Mutex};

use futures::TryStreamExt;
use httpmock::Method::{GET, POST};
use httpmock::MockServer;
use mis_core::{MisProvider, StudentQuery};
use mis_hubmis::{Client, Config, HubmisProvider, Quota, RetryConfig, SecretString};
use serde_json::json;

const CLIENT_ID: &str = "client-id-7f3a";
const SECRET: &str = "s3cr3t-9c41e";
const TOKEN: &str = "tok-5d2b.abc.xyz";

fn config(base: &str) -> Config {
    Config::new(CLIENT_ID, SecretString::from(SECRET), "S999")
        .with_quota(Quota::unlimited())
        .update_options(|o| o.with_base_url(base).with_retry(RetryConfig::none()))
}

fn assert_clean(text: &str) {
    for secret in [CLIENT_ID, SECRET, TOKEN] {
        assert!(!text.contains(secret), "{secret} printed in: {text}");
    }
}

#[test]
fn debug_of_config_client_and_provider_shows_no_credential() {
    let c = config("https://api.hubmis.com");
    assert_clean(&format!("{c:?}"));
    assert_clean(&format!("{:?}", Client::builder(c.clone())));
    let client = Client::new(c.clone()).unwrap();
    assert_clean(&format!("{client:?}"));
    let provider = HubmisProvider::new(c).unwrap();
    assert_clean(&format!("{provider:?} {:?}", provider.info()));
}

/// A buffer the log subscriber writes to.
#[derive(Clone, Default)]
struct Logs(Arc<Mutex<Vec<u8>>>);

impl Write for Logs {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn errors_and_trace_logs_hold_no_secret_even_when_the_vendor_echoes_one() {
    let logs = Logs::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(POST).path("/api/v1/token");
            then.status(200).json_body(
                json!({"token_type": "Bearer", "expires_in": 900, "access_token": TOKEN}),
            );
        })
        .await;
    // A server that quotes the request back in its error.
    server
        .mock_async(|when, then| {
            when.method(GET).path("/api/v1/students");
            then.status(400).json_body(json!({
                "message": format!("bad request: Authorization: Bearer {TOKEN} client_secret={SECRET}")
            }));
        })
        .await;
    // And a body of the wrong shape that contains the token.
    server
        .mock_async(|when, then| {
            when.method(GET).path("/api/v1/school/regional-settings");
            then.status(200)
                .json_body(json!({"timezone": {"access_token": TOKEN, "secret": SECRET}}));
        })
        .await;
    let provider = HubmisProvider::new(config(&server.base_url())).unwrap();
    let e = provider
        .students(StudentQuery::new())
        .try_collect::<Vec<_>>()
        .await
        .unwrap_err();
    assert_clean(&format!("{e} {e:?}"));
    let e = provider.client().regional_settings().await.unwrap_err();
    assert_eq!(e.kind(), mis_core::ErrorKind::Decode);
    assert_clean(&format!("{e} {e:?}"));

    let text = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
    assert!(
        text.contains("mis_http.request"),
        "the trace was captured: {text}"
    );
    assert_clean(&text);
}
