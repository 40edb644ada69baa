//! Issue 17 item 9: a user-supplied tower layer in the client's stack sees every attempt.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use mis_http::testing::{Reply, ScriptedTransport};
use mis_http::{
    Authenticator, Credential, HttpClient, Request, Result, RetryConfig, SecretString,
    bearer_header, header,
};

/// Counts attempts and adds a header to each (as a proxy layer would).
#[derive(Clone, Default)]
struct Counting {
    attempts: Arc<AtomicUsize>,
    failures: Arc<AtomicUsize>,
}

impl<S> tower::Layer<S> for Counting {
    type Service = CountingService<S>;

    fn layer(&self, inner: S) -> CountingService<S> {
        CountingService {
            inner,
            counts: self.clone(),
        }
    }
}

#[derive(Clone)]
struct CountingService<S> {
    inner: S,
    counts: Counting,
}

impl<S> tower::Service<Request> for CountingService<S>
where
    S: tower::Service<Request, Response = mis_http::Response, Error = mis_http::Error>,
    S::Future: Send + 'static,
{
    type Response = mis_http::Response;
    type Error = mis_http::Error;
    type Future = futures::future::BoxFuture<'static, Result<mis_http::Response>>;

    fn poll_ready(&mut self, cx: &mut std::task::Context<'_>) -> std::task::Poll<Result<()>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request) -> Self::Future {
        self.counts.attempts.fetch_add(1, Ordering::SeqCst);
        request
            .headers_mut()
            .insert("x-proxy", mis_http::HeaderValue::from_static("1"));
        let failures = self.counts.failures.clone();
        let sent = self.inner.call(request);
        Box::pin(async move {
            let result = sent.await;
            if result.is_err() {
                failures.fetch_add(1, Ordering::SeqCst);
            }
            result
        })
    }
}

#[derive(Debug)]
struct TokenAuth;

#[async_trait]
impl Authenticator for TokenAuth {
    async fn acquire(&self, http: &HttpClient) -> Result<Credential> {
        #[derive(serde::Deserialize)]
        struct Token {
            access_token: String,
        }
        let token: Token = http.post(&["token"]).idempotent(true).send_json().await?;
        Ok(Credential::new(SecretString::from(token.access_token)))
    }

    fn apply(&self, credential: &Credential, request: &mut Request) -> Result<()> {
        request
            .headers_mut()
            .insert(header::AUTHORIZATION, bearer_header(credential.secret())?);
        Ok(())
    }
}

#[tokio::test(start_paused = true)]
async fn a_user_layer_sees_every_attempt_with_classified_results() {
    let transport = ScriptedTransport::new();
    transport.push(Reply::json(200, &serde_json::json!({"access_token": "t1"})));
    transport.push(Reply::status(503));
    transport.push(Reply::status(401));
    transport.push(Reply::json(200, &serde_json::json!({"access_token": "t2"})));
    transport.push(Reply::status(200));
    let counting = Counting::default();
    let http = HttpClient::builder("test")
        .base_url("https://api.example.com")
        .unwrap()
        .transport(transport.service())
        .authenticator(TokenAuth)
        .retry(
            RetryConfig::default()
                .no_budget()
                .base_delay(Duration::from_millis(1)),
        )
        .layer(counting.clone())
        .build()
        .unwrap();
    http.get(&["students"]).send().await.unwrap();
    // Token, 503, 401, token again, 200: every attempt, token requests included.
    assert_eq!(counting.attempts.load(Ordering::SeqCst), 5);
    assert_eq!(transport.request_count(), 5);
    // It sees classified results: the 503 and the 401 were errors.
    assert_eq!(counting.failures.load(Ordering::SeqCst), 2);
    assert!(
        transport
            .requests()
            .iter()
            .all(|r| r.header("x-proxy") == Some("1"))
    );
}

#[tokio::test(start_paused = true)]
async fn layers_added_first_are_outermost() {
    let order = Arc::new(std::sync::Mutex::new(Vec::new()));
    let transport = ScriptedTransport::with_handler(|_| Reply::status(200));
    let tag = |name: &'static str| {
        let order = order.clone();
        tower::layer::layer_fn(move |inner| {
            let order = order.clone();
            tower::util::MapRequest::new(inner, move |r: Request| {
                order.lock().unwrap().push(name);
                r
            })
        })
    };
    let http = HttpClient::builder("test")
        .base_url("https://api.example.com")
        .unwrap()
        .transport(transport.service())
        .layer(tag("outer"))
        .layer(tag("inner"))
        .build()
        .unwrap();
    http.get(&["a"]).send().await.unwrap();
    assert_eq!(*order.lock().unwrap(), vec!["outer", "inner"]);
}
