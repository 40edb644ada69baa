//! Test helpers (feature `test-util`): a scripted transport and a fake wall clock.
//!
//! The scripted transport replaces reqwest in
//! [`HttpClientBuilder::transport`](crate::HttpClientBuilder::transport): it answers from a
//! queue of canned replies (then from an optional handler), and records every request with
//! the `tokio::time::Instant` it arrived at, so tests under
//! `#[tokio::test(start_paused = true)]` can check spacing and waits without sleeping for real.

use std::collections::VecDeque;
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use futures::future::BoxFuture;
use http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, Uri};
use mis_core::{Error, ErrorKind, Result};
use tokio::time::Instant;
use tower::Service;
use tower::util::BoxCloneSyncService;

pub use crate::clock::FakeClock;
use crate::meta::Dispatch;
use crate::{HttpService, Request, Response};

/// A settings lookup over fixed pairs, the way a descriptor's `open_from`, a
/// `Config::from_lookup` or [`ClientOptions::from_lookup`](crate::ClientOptions::from_lookup)
/// reads them in a test: `vars(&[("MIS_HUBMIS_REALM", "S1")])`. Unnamed variables are unset.
pub fn vars(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> + Sync + use<> {
    let map: std::collections::BTreeMap<String, String> = pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    move |name| map.get(name).cloned()
}

/// One canned answer.
pub struct Reply {
    kind: ReplyKind,
    delay: Duration,
}

enum ReplyKind {
    Respond(Response),
    ConnectError,
    ResetAfterSend,
    Hang,
    Fail(Error),
}

impl Reply {
    /// A response with `status` and an empty body.
    pub fn status(status: u16) -> Self {
        let mut response = Response::new(Bytes::new());
        *response.status_mut() =
            StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        Reply {
            kind: ReplyKind::Respond(response),
            delay: Duration::ZERO,
        }
    }

    /// A JSON response.
    pub fn json(status: u16, body: &serde_json::Value) -> Self {
        Reply::status(status)
            .body(body.to_string())
            .header("content-type", "application/json")
    }

    /// Sets the body (of a response reply).
    pub fn body(mut self, body: impl Into<Bytes>) -> Self {
        if let ReplyKind::Respond(response) = &mut self.kind {
            *response.body_mut() = body.into();
        }
        self
    }

    /// Adds a header (to a response reply). Panics on an invalid name or value: test code.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        if let ReplyKind::Respond(response) = &mut self.kind {
            response.headers_mut().append(
                HeaderName::from_bytes(name.as_bytes()).expect("valid header name"),
                HeaderValue::from_str(value).expect("valid header value"),
            );
        }
        self
    }

    /// Answers only after `delay` of tokio time.
    pub fn delay(mut self, delay: Duration) -> Self {
        self.delay = delay;
        self
    }

    /// Fails as if the TCP connection could not be opened: nothing was sent.
    pub fn connect_error() -> Self {
        Reply {
            kind: ReplyKind::ConnectError,
            delay: Duration::ZERO,
        }
    }

    /// Fails as if the connection dropped after the request was sent.
    pub fn reset_after_send() -> Self {
        Reply {
            kind: ReplyKind::ResetAfterSend,
            delay: Duration::ZERO,
        }
    }

    /// Never answers (for timeout tests).
    pub fn hang() -> Self {
        Reply {
            kind: ReplyKind::Hang,
            delay: Duration::ZERO,
        }
    }

    /// Fails with `error` as the transport's error.
    pub fn fail(error: Error) -> Self {
        Reply {
            kind: ReplyKind::Fail(error),
            delay: Duration::ZERO,
        }
    }
}

impl fmt::Debug for Reply {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match &self.kind {
            ReplyKind::Respond(r) => format!("respond {}", r.status()),
            ReplyKind::ConnectError => "connect error".into(),
            ReplyKind::ResetAfterSend => "reset after send".into(),
            ReplyKind::Hang => "hang".into(),
            ReplyKind::Fail(e) => format!("fail {}", e.kind()),
        };
        f.debug_struct("Reply")
            .field("kind", &kind)
            .field("delay", &self.delay)
            .finish()
    }
}

/// A request as the transport received it.
#[derive(Debug, Clone)]
pub struct RecordedRequest {
    /// The method.
    pub method: Method,
    /// The full URI, query included.
    pub uri: Uri,
    /// The headers (sensitive values show as `Sensitive` in `Debug`).
    pub headers: HeaderMap,
    /// The body.
    pub body: Bytes,
    /// When it reached the transport, in tokio time.
    pub at: Instant,
}

impl RecordedRequest {
    /// A header as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The body as text.
    pub fn body_text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

type Handler = Arc<dyn Fn(&RecordedRequest) -> Reply + Send + Sync>;

#[derive(Default)]
struct Script {
    queue: VecDeque<Reply>,
    handler: Option<Handler>,
    log: Vec<RecordedRequest>,
}

/// A transport that answers from a script. Clones share the script and the log.
#[derive(Clone, Default)]
pub struct ScriptedTransport {
    script: Arc<Mutex<Script>>,
}

impl ScriptedTransport {
    /// An empty script: every request fails until replies are pushed or a handler is set.
    pub fn new() -> Self {
        ScriptedTransport::default()
    }

    /// A transport that answers every request with `handler` (after any queued replies).
    pub fn with_handler(
        handler: impl Fn(&RecordedRequest) -> Reply + Send + Sync + 'static,
    ) -> Self {
        let transport = ScriptedTransport::new();
        transport.lock().handler = Some(Arc::new(handler));
        transport
    }

    /// Queues a reply.
    pub fn push(&self, reply: Reply) -> &Self {
        self.lock().queue.push_back(reply);
        self
    }

    /// Everything received so far.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.lock().log.clone()
    }

    /// How many requests were received.
    pub fn request_count(&self) -> usize {
        self.lock().log.len()
    }

    /// The transport, erased for [`HttpClientBuilder::transport`](crate::HttpClientBuilder::transport).
    pub fn service(&self) -> HttpService {
        BoxCloneSyncService::new(self.clone())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Script> {
        self.script.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl fmt::Debug for ScriptedTransport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let script = self.lock();
        f.debug_struct("ScriptedTransport")
            .field("queued", &script.queue.len())
            .field("received", &script.log.len())
            .field("handler", &script.handler.is_some())
            .finish()
    }
}

impl Service<Request> for ScriptedTransport {
    type Response = Response;
    type Error = Error;
    type Future = BoxFuture<'static, Result<Response>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request) -> Self::Future {
        let dispatch = Dispatch::of(&request);
        let recorded = RecordedRequest {
            method: request.method().clone(),
            uri: request.uri().clone(),
            headers: request.headers().clone(),
            body: request.body().clone(),
            at: Instant::now(),
        };
        let reply = {
            let mut script = self.lock();
            script.log.push(recorded.clone());
            match script.queue.pop_front() {
                Some(reply) => Some(reply),
                None => script.handler.clone().map(|h| h(&recorded)),
            }
        };
        Box::pin(async move {
            let Some(reply) = reply else {
                return Err(Error::new(
                    ErrorKind::Vendor,
                    format!(
                        "scripted transport has no reply for {}",
                        recorded.uri.path()
                    ),
                )
                .with_retryable(false));
            };
            if !reply.delay.is_zero() {
                tokio::time::sleep(reply.delay).await;
            }
            match reply.kind {
                ReplyKind::Respond(response) => Ok(response),
                ReplyKind::ConnectError => {
                    dispatch.mark_not_sent();
                    Err(Error::new(
                        ErrorKind::Unavailable,
                        "could not connect to the vendor (scripted)",
                    ))
                }
                ReplyKind::ResetAfterSend => Err(Error::new(
                    ErrorKind::Unavailable,
                    "the connection failed while sending the request (scripted)",
                )),
                ReplyKind::Hang => futures::future::pending().await,
                ReplyKind::Fail(error) => Err(error),
            }
        })
    }
}
