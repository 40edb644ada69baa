//! # mis-go4schools
//!
//! The GO 4 Schools customer API v1 (`https://api.go4schools.com/customer/v1`), as a typed
//! [`Client`] for every documented endpoint and as a [`mis_core::MisProvider`]
//! ([`Go4SchoolsProvider`]).
//!
//! ```no_run
//! # async fn demo() -> mis_core::Result<()> {
//! use futures::TryStreamExt;
//! use mis_core::{AttendanceQuery, DateRange, MisProvider};
//! use mis_go4schools::{Config, Go4SchoolsProvider};
//!
//! let provider = Go4SchoolsProvider::new(Config::new("school-api-key"))?;
//! // Typed: the vendor's own shapes. 2025 is the academic year 2024/25.
//! let codes = provider.client().attendance_code_book(2025).await?;
//! // Normalised: the same for every vendor.
//! let range = DateRange::parse("2024-09-02", "2024-09-13")?;
//! let marks: Vec<_> = provider.attendance(AttendanceQuery::new(range)).try_collect().await?;
//! # let _ = (codes, marks); Ok(()) }
//! ```
//!
//! A program that offers several vendors opens this one through [`DESCRIPTOR`].
//!
//! ## Authentication
//!
//! One API key per school, issued by the school's data officer, sent as
//! `Authorization: Bearer <key>` on every request ([`auth`]). It does not expire; a 401 is
//! final. `Config::from_env` reads `MIS_GO4SCHOOLS_API_KEY` and the settings every vendor
//! client shares ([`mis_http::ClientOptions::from_lookup`]: `MIS_GO4SCHOOLS_BASE_URL`,
//! `MIS_GO4SCHOOLS_TIME_ZONE`, `MIS_GO4SCHOOLS_QUOTA`, `MIS_GO4SCHOOLS_TIMEOUT`, …). The key
//! is a `SecretString` and never appears in `Debug`, errors or logs.
//!
//! ## Quotas
//!
//! The vendor documents a 429 answer but publishes no figures. The client limits itself to
//! 10 requests a second unless [`Config::options`] sets a rate limit, and retries 429,
//! 502–504 and 500 ("please try again later") with backoff, honouring `Retry-After` when
//! sent. The session attendance POST is never replayed once it may have reached the server.
//!
//! ## Pagination
//!
//! Some endpoints page with `{"<key>": [...], "has_more": true, "cursor": 123}` and
//! `?cursor=123`; others return a bare array; the vendor's examples and the known clients
//! disagree on which is which. Every list accepts both
//! ([`wire::ListPage`]); documented paged endpoints are lazy streams (`mis_core::paging`).
//!
//! ## Quirks handled
//!
//! * **Academic years** in paths are the calendar year the school year *ends* in (`2025` =
//!   2024/25). Date ranges are split at 1 September and each part queried in its own
//!   year; the school's year list (`GET /school`) is cached.
//! * **Per-date endpoints**: marks and behaviour events are fetched one date at a time
//!   (`…/date/{date}`); dates the calendar marks `Closed` are skipped.
//! * **Ids, not codes**: marks carry code and alias ids, resolved through that year's
//!   attendance codes, then categorised by mis-core's one DfE table; events carry a type id,
//!   resolved through the event types (significance → polarity). A school's own codes
//!   (from its MIS) are mapped by `MIS_GO4SCHOOLS_CODE_MAP` (`Q=authorised_absence,…`,
//!   [`Config::code_map`]), before the DfE table; unmapped, they come out `unmapped`.
//! * **Cyclic timetable**: periods in week 1/2 with times on a dummy date (`2020-01-01T09:00Z`
//!   = 09:00 school wall-clock time in the provider's time zone) are expanded over the calendar.
//! * **Dates as date-times** (`2005-01-31T00:00:00Z`), numbers as strings and the reverse,
//!   nullable lists, alternative field names: the wire types accept them all ([`wire::de`]).
//! * **Errors**: 403 `Module Disabled` / `Embargo Enabled` / `Not Enabled For Bromcom` are
//!   `PermissionDenied` with the reason as vendor code; the documented 400 messages are
//!   `InvalidInput` carrying the message ([`error`]).
//! * **Writes identify students by UPN**: `record_attendance` looks the UPN up in the
//!   education details and checks the code against that year's code book before sending.
//!
//! Special-category data (SEND and sensitive attributes, medical conditions) and photos are
//! `mis_core::Sensitive`, redacted in `Debug`.
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod auth;
pub mod client;
pub mod config;
pub mod convert;
pub mod descriptor;
pub mod doctor;
pub mod error;
pub mod provider;
pub mod routes;
pub mod wire;

pub use client::Client;
pub use config::{
    Config, DEFAULT_BASE_URL, ENV_API_KEY, ENV_BASE_URL, ENV_CODE_MAP, ENV_TIME_ZONE, PATH_PREFIX,
};
pub use convert::VENDOR;
pub use descriptor::{DESCRIPTOR, VENDOR_ID};
pub use error::Go4SchoolsClassifier;
/// Re-exported: the shared settings of [`Config::options`] take these.
pub use mis_http::{ClientOptions, RateLimit, RetryConfig};
pub use provider::Go4SchoolsProvider;
