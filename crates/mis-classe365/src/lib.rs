//! # mis-classe365
//!
//! A typed client for the **Classe365 REST API v2** and its [`MisProvider`]
//! implementation. Classe365 is a student information system used by colleges and schools
//! worldwide.
//!
//! ```no_run
//! # async fn demo() -> mis_core::Result<()> {
//! use futures::TryStreamExt;
//! use mis_classe365::{Classe365Provider, Config};
//! use mis_core::{AttendanceQuery, DateRange, MisProvider, StudentQuery};
//!
//! let provider = Classe365Provider::new(Config::new("evaluate3x", "kysjd4f58sadf894cfa")?)?;
//! // The typed API: the vendor's own records.
//! let first = provider.client().students_page(1).await?;
//! // The normalised API: the same data as every other vendor.
//! let students: Vec<_> = provider.students(StudentQuery::new()).try_collect().await?;
//! let range = DateRange::parse("2024-09-09", "2024-09-13")?;
//! let marks: Vec<_> = provider.attendance(AttendanceQuery::new(range)).try_collect().await?;
//! # let _ = (first, students, marks); Ok(()) }
//! ```
//!
//! ## Sources
//!
//! - **The vendor doc**: Classe365's public article "Getting started with the Classe365 REST
//!   API v2" (<https://docs.classe365.com/en/articles/15550996-getting-started-with-the-classe365-rest-api-v2>).
//!   It gives the base URL, authentication, the response envelope and the status codes. The
//!   resource paths and record fields are in the documentation inside the tenant portal,
//!   behind a login, so this crate infers them (marked \[I\]) and keeps the paths in one
//!   table, [`routes`].
//! - **The v1 API documentation** (the older `/rest/…` API, <https://speca.io/classe365/documentation>):
//!   its field names (`student_dob`, `class_name`, `acds_id`…), numeric ids and attendance
//!   keys are the best public evidence of what v2 records hold; they are accepted as aliases.
//!
//! ## Settings
//!
//! [`Config`] holds what is Classe365's own (the tenant subdomain, the API key, the
//! attendance status mapping) and one [`mis_http::ClientOptions`] for what every vendor
//! client shares: host override, time zone, rate limit, retries, timeout, page size, user
//! agent, transport, clock, TLS roots and proxy. [`Config::from_env`] reads
//! `MIS_CLASSE365_SUBDOMAIN`, `MIS_CLASSE365_API_KEY`, `MIS_CLASSE365_CODE_MAP` and the shared
//! `MIS_CLASSE365_{BASE_URL,TIME_ZONE,QUOTA,TIMEOUT,MAX_ATTEMPTS,PAGE_SIZE,USER_AGENT,…}`.
//! [`DESCRIPTOR`] is the crate's entry for a vendor registry.
//!
//! ## Authentication
//!
//! HTTP Basic on every request: user = the tenant subdomain, password = an API key created
//! under Settings → API Keys (vendor doc, "Authentication"). The subdomain
//! is validated (`[a-z0-9-]`, at most 63) before any request exists, because it is both the
//! host name and the Basic user name: `evil.com/x` or `a@b` is `InvalidInput`, never a
//! request to another host. Nothing expires, so a 401 is returned at once, not replayed.
//! See [`auth`].
//!
//! ## Quotas and retries
//!
//! Classe365's public API document states no rate limit, so there is no client-side limit
//! by default (`ClientOptions::with_rate_limit` or `MIS_CLASSE365_QUOTA` sets one, see
//! [`Config::with_options`]); a 429 closes the gate for its `Retry-After`. Reads are retried on 429, 5xx ("safe to retry after a short backoff",
//! vendor doc), timeouts and connection errors. **Writes (POST) are never retried**: they go
//! through a one-attempt stack sharing the same rate gate.
//!
//! ## Pagination
//!
//! `page` / `per_page` (default 100, at most [`config::MAX_PAGE_SIZE`]; set with
//! `ClientOptions::with_page_size` or `MIS_CLASSE365_PAGE_SIZE`); the response's `meta`
//! (`current_page`, `per_page`, `total_records`, `total_pages`) says when to stop; without
//! `meta`, a short page is the last, and an empty page always is. Lists are lazy streams
//! (mis-core's `paginate`): page `n + 1` is fetched only when page `n` has been read.
//!
//! ## The envelope and its quirks
//!
//! - `{"record": …}`, `{"records": [...], "meta": …}`, `{"message": …}` ([`wire::Envelope`]).
//! - **204 No Content** is "nothing matched": an empty list, or `NotFound` for one record.
//! - Errors carry `"… (error_code: NNN)"` and maybe `errors: [{field, message}]`: the code
//!   is [`mis_core::Error::vendor_code`], the details are in [`vendor_error`]. 401 →
//!   `Unauthenticated`, 403 → `PermissionDenied`, 405 → a non-retryable `Vendor` error that
//!   names itself a bug in this crate, 5xx → retryable `Unavailable` ([`error`]).
//! - **POST is an upsert**: without `id` it creates, with `id` it updates
//!   ([`Client::create_student`] / [`Client::update_student`], and the same for classes,
//!   sessions and departments). A POST is never replayed.
//! - Ids arrive as numbers or strings; the crate holds them as text and writes numeric ones
//!   back as numbers.
//! - The v2 resource paths are **not public** (the vendor doc points to the tenant portal's
//!   documentation, behind a login): they are inferred and kept in one table, [`routes`].
//!
//! ## Attendance
//!
//! Classe365 keeps a status label per register — no AM/PM sessions, no DfE codes, no minutes
//! late. A school with **daily** attendance sends one record per student per day: a `day`
//! mark. A school with **subject- or period-wise** attendance sends one record per register,
//! naming its `subject_id` and/or attendance `session_id` (v1 keys attendance by class,
//! section, subject and session; the v2 names are inferred): a `lesson` mark whose
//! `lesson_id` is the subject and `period` the session's name where given — so five subject
//! registers are five lessons, never five days. `code` is the label as sent; the category
//! comes from mis-core's rules for non-DfE labels (`mis_core::codes`; unknown labels are `unmapped`),
//! after the school's own statuses (`MIS_CLASSE365_CODE_MAP="Quarantine room=authorised_absence"`,
//! [`Config::with_code_map`]), with per-school overrides through [`Config::code_mapper`]. The date range and the
//! `student_id` filter are re-applied to what comes back. `record_attendance` writes a day
//! mark (a session mark is `InvalidInput`), updating the student's **own** daily record by
//! its id when there is one.
//!
//! ## Students on roll
//!
//! `active` (or no status) is on roll. Leavers (`alumni`, `withdrawn`…), applicants and
//! enquiries, `inactive` students and statuses this crate does not know are listed only with
//! `include_leavers`; an unknown status is also reported as a warning.
//!
//! ## Not available
//!
//! Timetables and behaviour: Classe365 has no such endpoints, so they return
//! `ErrorKind::Unsupported` and [`MisProvider::capabilities`] says so.
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod auth;
pub mod client;
pub mod config;
pub mod convert;
mod descriptor;
pub mod doctor;
pub mod error;
pub mod provider;
pub mod routes;
pub mod wire;

pub use client::{AttendanceFilter, Client, ListPage};
pub use config::{Config, Subdomain};
pub use descriptor::DESCRIPTOR;
pub use error::{Classe365Classifier, VendorError, vendor_error};
pub use mis_core::MisProvider;
pub use provider::Classe365Provider;

/// The vendor id on every record and error: `classe365`.
pub const VENDOR: &str = "classe365";

/// The vendor id as a [`mis_core::VendorId`]: `--provider classe365`, the `MIS_CLASSE365_*`
/// variables, every record's `provider`.
pub const VENDOR_ID: mis_core::VendorId = mis_core::VendorId::new(VENDOR);
