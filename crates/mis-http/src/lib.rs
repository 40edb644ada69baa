//! # mis-http
//!
//! The one HTTP client stack every mis-clients vendor crate uses. It is the only crate in the
//! workspace that knows reqwest, tower and governor; vendor crates see an [`HttpClient`], a
//! [`RequestBuilder`] and a few traits ([`Authenticator`], [`Classifier`]).
//!
//! ## The stack
//!
//! Each stage is a `tower::Layer`, composed with `tower::ServiceBuilder` in one place
//! ([`HttpClientBuilder::build`]) over concrete services (no boxed service per layer), and
//! erased once. Outermost first:
//!
//! 1. **trace** — one `tracing` span per request: vendor, operation, method, URL path (never
//!    the query, headers or bodies), attempts, status.
//! 2. **retry** — exponential backoff with full jitter, max attempts, a limit on retry time
//!    (attempts and back-off only: time queued at the gate does not count), a `TpsBudget`
//!    against retry storms, and an idempotency gate: a request that is not idempotent is
//!    never replayed once it may have reached the server ([`RetryConfig`]).
//! 3. **auth** — an [`Authenticator`] acquires, renews and applies credentials; on
//!    `Unauthenticated` it refreshes once (shared by concurrent requests) and replays once.
//!    A failed acquire is remembered for 2 s; a failed early renewal keeps the valid
//!    credential; waiting for another request's refresh is bounded by the retry time left.
//! 4. **rate gate** — a shared governor limiter (strict, or adaptive to the server's
//!    `X-RateLimit-Remaining`) plus a cooldown closed by 429 wait hints ([`RateGate`]); a
//!    closure longer than the request's remaining retry time fails it at once.
//! 5. **per-attempt timeout**.
//! 6. **user layers** ([`HttpClientBuilder::layer`]): metrics, caching, a proxy header; they
//!    see every attempt and its classified result.
//! 7. **classify** — status and body to [`mis_core::Error`] ([`Classifier`]).
//! 8. **dispatch** — marks the attempt as sent (for the idempotency gate), caps the body.
//! 9. **transport** — reqwest (rustls, no redirects, bodies capped, 64 MiB by default), or any
//!    [`HttpService`] (tests use the scripted service from the `test-util` feature).
//!
//! [`RequestBuilder::send_json`] decodes inside the retry loop: a 2xx body cut short or not
//! JSON is sent again like a dropped connection (idempotent requests only).
//!
//! Counting requests: the reqwest transport emits a `received` TRACE event (target
//! `mis_http::transport`, fields `operation`, `status`) per response; a user layer sees
//! every attempt, whatever the transport.
//!
//! ## Example
//!
//! ```no_run
//! # async fn demo() -> mis_http::Result<()> {
//! use std::time::Duration;
//! use mis_http::{HttpClient, RateLimit, RetryConfig, SecretString, StaticAuth, WaitHint};
//!
//! let http = HttpClient::builder("go4schools")
//!     .base_url("https://api.go4schools.com")?
//!     .prefix("/customer/v1")
//!     .authenticator(StaticAuth::bearer(&SecretString::from("key"))?)
//!     .rate_limit(RateLimit::at_most(60, Duration::from_secs(60)))
//!     .retry(RetryConfig::default())
//!     .timeout(Duration::from_secs(30))
//!     .wait_hints(&[WaitHint::RetryAfter])
//!     .build()?;
//! let students: serde_json::Value = http
//!     .get(&["academic-years", "2025", "students"])
//!     .query(&[("cursor", "0")])
//!     .operation("students.list")
//!     .send_json()
//!     .await?;
//! # let _ = students; Ok(()) }
//! ```
#![cfg_attr(docsrs, feature(doc_cfg))]

mod auth;
mod builder;
mod classify;
mod client;
pub mod clock;
mod descriptor;
mod gate;
pub mod hints;
mod lenient;
mod meta;
pub mod options;
mod request;
mod retry;
mod secret;
#[cfg(feature = "test-util")]
#[cfg_attr(docsrs, doc(cfg(feature = "test-util")))]
pub mod testing;
mod timeout;
mod trace;
mod transport;
mod url;

use bytes::Bytes;

/// A request as it travels through the stack: the body is always buffered, so a retry or a
/// replay after a credential refresh is a cheap clone.
pub type Request = http::Request<Bytes>;

/// A response with its body read in full. MIS responses are JSON pages, so buffering costs
/// little and lets the classifier look at the body.
pub type Response = http::Response<Bytes>;

/// A transport, or the per-attempt service a user layer wraps, erased to one type.
pub type HttpService = tower::util::BoxCloneSyncService<Request, Response, Error>;

pub use auth::{Authenticator, Credential, StaticAuth};
pub use builder::HttpClientBuilder;
pub use classify::{Classifier, body_excerpt};
pub use client::HttpClient;
pub use clock::{Clock, SystemClock};
pub use descriptor::{DoctorFacts, Lookup, OpenRequest, SyncFacts, VendorDescriptor};
pub use gate::{RateGate, RateLimit, parse_quota};
pub use hints::WaitHint;
pub use lenient::{Lenient, PlainFirst, Rejected, decode_lenient, decode_list, keep_good};
pub use meta::{Dispatch, RequestMeta, default_idempotent};
pub use mis_core::{DecodeDetail, Error, ErrorKind, Result, redact};
pub use options::{ClientOptions, TlsOptions, check_time_zone};
pub use request::{RequestBuilder, decode_json};
pub use retry::RetryConfig;
pub use secret::{ExposeSecret, SecretString, basic_header, bearer_header, sensitive_header_value};
pub use url::{BaseUrl, encode_segment};

/// Re-exported: [`HttpClient::url`] and [`BaseUrl`] speak `url::Url`.
pub use ::url::Url;
/// Re-exported so vendor crates can name methods and headers without their own `http` dep.
pub use http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, header};
