//! # mis-hubmis
//!
//! WCBS HUBmis: a typed [`Client`] for every operation of the vendor's API reference
//! ("WCBS HUBmis (1.2.0)", published by WCBS to registered developers,
//! <https://www.wcbs.co.uk/support>) and a [`HubmisProvider`] that maps it
//! onto the mis-core model.
//!
//! ```no_run
//! # async fn demo() -> mis_core::Result<()> {
//! use futures::TryStreamExt;
//! use mis_core::{AttendanceQuery, DateRange, MisProvider};
//! use mis_hubmis::{Config, HubmisProvider, SecretString};
//!
//! let config = Config::new("client123", SecretString::from("secret123"), "S999")
//!     .with_positive_categories(["Praise"])
//!     .with_negative_categories(["Concern"]);
//! let hubmis = HubmisProvider::new(config)?;
//! let week = DateRange::parse("2024-09-02", "2024-09-06")?;
//! let mut marks = hubmis.attendance(AttendanceQuery::new(week));
//! while let Some(mark) = marks.try_next().await? {
//!     println!("{} {} {:?} {}", mark.student_id, mark.date, mark.session, mark.category);
//! }
//! # Ok(()) }
//! ```
//!
//! ## Authentication
//!
//! OAuth2 client credentials: `POST /api/v1/token` with the form `grant_type=
//! client_credentials&client_id=…&client_secret=…`, then `Authorization: Bearer <token>`
//! **and** `Realm: <realm id>` on every call. The token is cached per client and shared by its
//! clones. It is renewed before `min(expires_in, 15 min)` runs out (a tenth early, at most a
//! minute): the document says tokens "expire after 15 minutes" but its example answers
//! `expires_in: 86400`. A 401 refreshes the token once and replays the request; concurrent
//! requests share one refresh. The optional `academic-year-id` header is sent on the
//! operations that document it, from the call or from [`Config::with_academic_year_id`].
//! See [`auth`] for the details.
//!
//! ## Quota
//!
//! "12 requests per minute per IP address … one new request every 5 seconds". Every request
//! — token requests included — waits at one client-side gate: **at most 12 in any 60 s
//! window**, one every 5 s with no burst, plus a 2 % margin against network jitter
//! ([`Quota`]). The gate is shared by every clone of a client and by every client of this
//! process that talks to the same host, because the vendor counts per IP, not per client. A
//! 429 closes the gate for everyone until `X-RateLimit-Retry-After` (a Unix time) has passed,
//! and never for less than the 5 s the document asks for; the request is then retried.
//! `X-RateLimit-Remaining` is recorded on each request's trace span (`ratelimit_remaining`).
//! Tenants with other limits set [`Config::with_quota`] (another [`Quota`], margin kept), or
//! a limit with [`ClientOptions::with_rate_limit`] / `MIS_HUBMIS_QUOTA` (`6/60`,
//! `unlimited`), which takes the quota's place, spaced with the same margin; `MIS_HUBMIS_QUOTA_MODE=adaptive`
//! ([`Quota::adaptive`]) applies to either. The 429 wait floor follows the limit's spacing.
//!
//! The quota makes every request cost five seconds, so the provider documents what each
//! entity costs ([`provider`]) and streams results as they arrive.
//!
//! ## Pagination
//!
//! Paged lists take `page[number]` (from 1) and `page[size]` and answer a bare JSON array
//! with no total; a page shorter than `page[size]` is the last one — unless
//! the server caps its pages below what was asked, as a JSON:API paginator with a lower
//! `max_results` does without an error. So a short page of at least 10 records, on a list
//! whose cap is not known and no shorter than a page it already returned, is followed by
//! one more request: records there mean the short page's length is the list's cap (learned
//! for the client's life, [`Client::page_cap`]); an empty page means the list was complete.
//! The client returns lists as lazy streams (mis-core's `paginate`); lists the document
//! does not page are read in one request.
//!
//! ## Quirks handled
//!
//! * **The paths are inferred** (the copy of the API reference this crate was written from lost its URLs). Every path lives
//!   in [`routes`], marked as such, so that the real ones replace them in one place. Only
//!   `POST /api/v1/token` is confirmed.
//! * **The list envelope is not confirmed**: lists are read as bare arrays (the
//!   document's samples) or as `{"data": [...]}` ([`wire::List`]).
//! * **Many samples lost their fields** (`[{ }]`): those operations return [`wire::Item`],
//!   which keeps `id`, `name`, `code` and every other field as JSON.
//! * **The token request's content type**: the walkthrough sends a form, the operation
//!   reference a JSON schema; the form is sent (the "Authentication" walkthrough).
//! * **"Pastoral: Get single Event"** shows an array where every other "get one" shows an
//!   object; both are read ([`wire::OneOrFirst`]).
//! * **The error body is not documented**: the message is looked for in OAuth2,
//!   Laravel and JSON:API shapes, redacted and cut short ([`error`]).
//! * **The production host list is empty** ("Production Base URLs:"): the base URL is
//!   `https://api.hubmis.com`, overridable with [`ClientOptions::with_base_url`] / `MIS_HUBMIS_BASE_URL`.
//! * **"500 requests per client"** has no documented window; it refills at the same
//!   one-per-5-s rate as the per-IP limit, so the gate above respects it too.
//! * **Polarity**: pastoral events carry none; it is `neutral` unless the school configures
//!   its categories as positive or negative.
//! * **Sensitive data** (learning support, medical, ethnicity, faith) is returned wrapped in
//!   [`mis_core::Sensitive`], whose `Debug` prints `[sensitive]`. No secret appears in any
//!   `Debug`, `Display`, error or log line.
//!
//! ## Settings and environment
//!
//! [`Config`] holds what is HUBmis's own (credentials, realm, academic year, quota, category
//! polarity, enrolment details, roster TTL) and one [`ClientOptions`] with the settings every
//! vendor client shares: host, time zone, rate limit, retry, timeout, page size, user agent,
//! transport (a test's or an emulator's, [`ClientOptions::with_transport`]), clock, TLS roots
//! and proxy ([`Config::update_options`]).
//!
//! [`Config::from_env`] reads `MIS_HUBMIS_CLIENT_ID`, `MIS_HUBMIS_CLIENT_SECRET`,
//! `MIS_HUBMIS_REALM` (required); the shared `MIS_HUBMIS_BASE_URL`, `_TIME_ZONE`, `_QUOTA`,
//! `_TIMEOUT`, `_MAX_ATTEMPTS`, `_PAGE_SIZE`, `_USER_AGENT`, `_CA_CERT`, `_TLS_OS_ROOTS`,
//! `_PROXY` ([`ClientOptions::from_lookup`]); and the HUBmis `MIS_HUBMIS_ACADEMIC_YEAR_ID`,
//! `_QUOTA_MODE`, `_POSITIVE_CATEGORIES`, `_NEGATIVE_CATEGORIES`, `_ENROLMENT_DETAILS`,
//! `_ROSTER_TTL`, `_LESSONS_WITHOUT_TEACHER`, `_CODE_MAP` (the school's own attendance
//! codes, `Q=authorised_absence,…`).
//!
//! A program that offers several vendors lists [`DESCRIPTOR`] in its registry: it opens a
//! provider from those variables, with `--school` naming the realm.
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

pub use client::{
    AttendanceFilter, Client, ClientBuilder, ContactFilter, DateTimeRange, GroupFilter,
    HouseFilter, HouseStudentFilter, LearningSupportListFilter, LearningSupportRecordFilter,
    LearningSupportReviewFilter, PastStudentFilter, PastoralEventFilter, RoomFilter, Sort,
    StaffFilter, StudentFilter, TimetableFilter, UserType, WellbeingFilter,
};
pub use config::{Config, Quota, VENDOR, VENDOR_ID};
pub use descriptor::DESCRIPTOR;
pub use mis_http::ClientOptions;
pub use mis_http::{Lenient, Rejected, RetryConfig, SecretString};
pub use provider::{EnrolmentCache, HubmisProvider, KnownEnrolment, MemoryEnrolments};
