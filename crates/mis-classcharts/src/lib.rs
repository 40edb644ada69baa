//! # mis-classcharts
//!
//! A typed client for **ClassCharts**' student and parent APIs (Tes; unofficial: these are
//! the APIs ClassCharts' own apps use, under `https://www.classcharts.com/apiv2student` and
//! `/apiv2parent`) and their [`MisProvider`] implementation.
//!
//! Two clients share one core ([`Client`]): [`StudentClient`] logs in as a pupil with the
//! pupil code and date of birth; [`ParentClient`] logs in as a parent with e-mail and
//! password and works for the parent's pupils (all, or one chosen with [`Config::pupil`]).
//!
//! ```no_run
//! # async fn demo() -> mis_core::Result<()> {
//! use futures::TryStreamExt;
//! use mis_classcharts::{Config, ParentClient};
//! use mis_core::{AttendanceQuery, DateRange, MisProvider};
//!
//! let parent = ParentClient::new(Config::parent("parent@example.com", "secret")?)?;
//! // The typed API: the vendor's own records.
//! for pupil in parent.pupils().await? {
//!     let badges = parent.get_event_badges(&pupil.student.id).await?.data;
//!     # let _ = badges;
//! }
//! // The normalised API: the same data as every other vendor.
//! let range = DateRange::parse("2024-09-09", "2024-09-13")?;
//! let marks: Vec<_> = parent.attendance(AttendanceQuery::new(range)).try_collect().await?;
//! # let _ = marks; Ok(()) }
//! ```
//!
//! ## Authentication and the session
//!
//! Two login styles ([`LoginStyle`]): the JSON login (`POST /login` under
//! the API prefix, session id in `meta.session_id`; the default) and the web form
//! (`POST /student/login` or `/parent/login`, a **302** whose `*_session_credentials`
//! cookie holds the session id). Every request then sends `Authorization: Basic
//! <session_id>` — the raw id — and the login cookies.
//!
//! Sessions are short-lived: ClassCharts stops accepting one after about five idle minutes
//! (classcharts-api-js issue #17), and clients rotate the id every 180 s through `POST /ping`. This client
//! rotates it before [`Config::ping_interval`] (170 s) has passed since the login or the last
//! rotation (and right after a web-form login, whose cookie id is short-lived); a session that died anyway (`expired: 1`, "You are
//! not logged in") is replaced by logging in again **once**, and the request is replayed.
//! All of it is shared by clones and happens one rotation at a time ([`auth`]).
//!
//! Since April 2026 a parent's pupil list may redirect to the TES sign-on service
//! (`session.tes.com`); the documented two-hop handshake is run during the login. The same
//! redirect on the student API is reported as the typed "sign-on changed" error
//! ([`error::SIGN_ON_CHANGED`]).
//!
//! ## Quotas and retries
//!
//! ClassCharts publishes no limit; by default the client sends at most 10 requests a second
//! (change it with [`mis_http::ClientOptions::with_rate_limit`] in [`Config::update_options`],
//! or `MIS_CLASSCHARTS_QUOTA`). GETs are retried on 429, 502–504,
//! timeouts and connection errors; POSTs (purchases, parent behaviours) are never replayed
//! once they may have reached the server.
//!
//! ## Pagination
//!
//! Only the activity feed pages: by `last_id` (the id of the last point of the previous
//! page), up to 50 points a page, ending with an **empty page** — or, since the API ignores
//! `from`, with the first page that reaches before `from` ([`Client::activity_stream`]).
//! Everything else is one request per date window, and the timetable one request per
//! teaching date (school weekdays and `meta.timetable_dates`, [`Config::school_days`]).
//!
//! ## Request plan
//!
//! A school-week of one pupil costs one login (its `data` is the pupil: no ping to ask who
//! is logged in), one attendance window, one timetable request per teaching date — read once
//! for the attendance join and the timetable together — and the activity pages back to
//! `from`: 8.2 requests a pupil against a floor of 8 (`tests/requests.rs` gives the
//! reasoning and holds the plan; `examples/week_requests.rs` measures a 1,000-pupil school).
//! A parent's pupil list is read once for all of a run's reads.
//!
//! ## Quirks handled
//!
//! Errors are HTTP 200 with `success: 0` ([`error`]); `meta` and reason maps arrive as `[]`
//! when empty; `"yes"`/`"no"` strings are booleans; `late_minutes` and `purchased_count`
//! are numbers or strings (text kept raw); `last_id` is a number, `false` or `true`;
//! badge awards come wrapped in `pupil_event` or flat; `polarity` may be `null`;
//! attachments say `file_name` or `filename`; attendance meta says
//! `percentage_singe_august` (sic); timestamps without a zone are the school's wall-clock
//! time (the pupil's `timezone`, default `Europe/London`); malformed detention dates are kept
//! raw, and dates written as local midnight in UTC are the school's dates; attendance
//! `status` without a code counts (`ignore` is not counted, `absent`/`no` an uncoded absence
//! of [`Config::uncoded_absence`]'s kind), unknown statuses are kept and map to `unmapped`
//! unless their DfE code says otherwise; register keys are sessions by
//! [`Config::session_keys`], and lesson marks take their timetabled lesson's `period` and
//! `id` ([`wire`], [`convert`]).
//!
//! ## Sources
//!
//! ClassCharts publishes no API documentation of its own. What this crate relies on comes
//! from the community's: **api-docs** (`classchartsapi/api-docs` on GitHub, an OpenAPI
//! description of both APIs) and its predecessor `classchartsapi/api-docs-legacy`; the
//! client libraries that mirror ClassCharts' apps, **classcharts-api-js**
//! (`classchartsapi/classcharts-api-js`, and its issues), `veloii/classcharts-rs`,
//! `NCPlayz/classcharts.py` and the **kgstorm port** (`kgstorm/classcharts-api-python`);
//! and recorded answers, redacted, in this crate's tests. Where they disagree, the docs say
//! which one the client follows.
//!
//! ## Not available
//!
//! Writes through the trait (`record_attendance`): pupils and parents cannot mark registers.
//! Staff, groups, academic years and the attendance code book: the API has no such lists.
//! They return `ErrorKind::Unsupported`, and [`MisProvider::capabilities`] says so.
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod auth;
pub mod client;
pub mod config;
pub mod convert;
pub mod descriptor;
pub mod doctor;
pub mod error;
mod provider;
pub mod routes;
pub mod wire;

use std::sync::Arc;

pub use auth::{AuthStats, CookieJar, SessionAuth, User};
pub use client::{
    ActivityFilter, Client, DisplayDate, HomeworkFilter, ParentClient, StudentClient,
};
pub use config::{Account, Api, Config, LoginStyle};
pub use descriptor::DESCRIPTOR;
pub use error::{ClassChartsClassifier, is_sign_on_changed};
pub use mis_core::MisProvider;
pub use wire::Reply;

/// The vendor id on every record and error: `classcharts`.
pub const VENDOR: &str = "classcharts";

/// The vendor id: `classcharts` (`--provider classcharts`, the `MIS_CLASSCHARTS_*`
/// variables, records' `provider`).
pub const VENDOR_ID: mis_core::VendorId = mis_core::VendorId::new(VENDOR);

/// A provider for `config`'s account: a [`StudentClient`] for a pupil login, a
/// [`ParentClient`] for a parent login.
pub fn provider(config: Config) -> mis_core::Result<Arc<dyn MisProvider>> {
    Ok(match config.api() {
        Api::Student => Arc::new(StudentClient::new(config)?),
        Api::Parent => Arc::new(ParentClient::new(config)?),
    })
}

/// A provider from the environment ([`Config::from_env`]).
pub fn provider_from_env() -> mis_core::Result<Arc<dyn MisProvider>> {
    provider(Config::from_env()?)
}
