//! # mis-managebac
//!
//! A typed client for the **ManageBac (Faria) API v2p1** ([`Client`]) and the
//! [`MisProvider`] over it ([`ManageBacProvider`]). ManageBac serves IB and international
//! schools.
//!
//! ```no_run
//! # async fn demo() -> mis_core::Result<()> {
//! use futures::TryStreamExt;
//! use mis_core::{AttendanceQuery, DateRange, MisProvider, StudentQuery, TimetableQuery};
//! use mis_managebac::{Config, ManageBacProvider, PeriodTimes, StudentFilter};
//!
//! let config = Config::new("my-api-token")?
//!     .update_options(|o| o.with_time_zone("Asia/Hong_Kong"))
//!     .period_times(PeriodTimes::parse("1=08:00-08:50,2=08:55-09:45,3=10:05-10:55")?);
//! let provider = ManageBacProvider::new(config)?;
//! // The typed API: the vendor's own records.
//! let first = provider.client().students_page(&StudentFilter::new(), 1).await?;
//! // The normalised API: the same data as every other vendor.
//! let students: Vec<_> = provider.students(StudentQuery::new()).try_collect().await?;
//! let range = DateRange::parse("2024-09-09", "2024-09-13")?;
//! let marks: Vec<_> = provider.attendance(AttendanceQuery::new(range)).try_collect().await?;
//! let lessons: Vec<_> = provider.timetable(TimetableQuery::new(range)).try_collect().await?;
//! # let _ = (first, students, marks, lessons); Ok(()) }
//! ```
//!
//! ## Hosts and versions
//!
//! `https://api.managebac.com` by default, or a regional host ([`Region`]: CN, US1, US2, UAT);
//! the token works on its school's home host only \[I\]. The API version is a path prefix
//! ([`ApiVersion`], default `/v2p1`, the version the vendor document describes; `v2`, `v2p0`,
//! `v2p2`, `v2p3` allowed). A base-URL override (`MIS_MANAGEBAC_BASE_URL`) is
//! `scheme://host[:port]`; the prefix is still added. The hosts and versions are those of
//! the ManageBac+ Public API spec's server list and Faria's "About versions" page.
//!
//! ## Authentication
//!
//! The API token goes in the **`auth-token` header** on every request, never in the query
//! string (the spec also allows `?auth_token=`; URLs end up in logs). A 401
//! `{"error": "Access Denied"}` is replayed once, then returned as `Unauthenticated`
//! ([`auth`]). The token is a `SecretString`; no `Debug`, `Display`, error
//! or log line shows it.
//!
//! ## Quotas and retries
//!
//! The vendor limits per IP across all endpoints (example: 50 requests a second) and answers
//! 429 with `X-RateLimit-Limit`, `X-RateLimit-Period` and `X-RateLimit-Reset`
//! (`2021-10-28 01:29:40 UTC`, not `Retry-After`) (Faria's "Rate limitations and
//! throttling" article). The client waits until
//! the reset time before retrying, and the 429 closes the shared rate gate for every client
//! of that host in the process. Client-side, requests are paced to
//! [`config::default_rate_limit`] (10 a second) unless the options' rate limit
//! ([`mis_http::ClientOptions::with_rate_limit`], or `MIS_MANAGEBAC_QUOTA`, e.g. `20/1`) says
//! otherwise.
//! GET and PUT are retried on 429, 502–504, timeouts and connection errors; POST and PATCH
//! (excusals) are never replayed once they may have reached the server.
//!
//! ## Pagination
//!
//! `page` / `per_page` (default 50, as Faria asks; at most 200). The walk is driven by
//! `meta.total_pages`, not by the size asked for: "the API may return a number of records less
//! than passed in the request" (Faria's pagination notes). Lists are lazy streams (mis-core's
//! `paginate`). Endpoints without `meta` are single responses.
//!
//! ## Attendance
//!
//! - **Day marks** are homeroom registers (`GET /year-groups/{id}/homeroom/attendance/date/…`):
//!   `slot: day`. **Lesson marks** are class registers (`GET /classes/{id}/attendance/date/…`):
//!   `slot: lesson`, with `period` counted from 1. ManageBac has no AM/PM sessions.
//! - A record's `code` is its category id (`"0"`, `"3"`, `"-1"`). Ids beyond `0`/`1`/`2`/`-1`
//!   are school-defined, so their labels come from the tenant's `attendance_categories` and
//!   count by mis-core's school-label rules: "late" → present + late, "dress code"/"uniform"
//!   → present, "excused"/"authorised"/"medical"/"health" → authorised absence, "field
//!   trip"/"school trip"/"activity" → approved educational activity. Anything else
//!   (`Dismissed`, `Other`) is `unmapped`, with its **label as the code**, so statistics name
//!   it. `-1` (the register's default "Present") is present and keeps its code `-1`.
//!   Per-school overrides by id or label: [`Config::category_override`],
//!   `MIS_MANAGEBAC_CATEGORY_MAP` (`Dismissed=authorised_absence,Other=not_counted`). See
//!   [`convert::attendance`].
//! - **Parent excusals**: an absence on a day a parent's excusal covers
//!   (`GET /students/excusals/{date}`, read only for dates with an absence) is an authorised
//!   absence with the excusal's comment as its note.
//! - **The v2p1 period offset**: per-date keys and timetable slots count from 0 or 1 by a
//!   school setting (`period_offset`, else `period_starts_count_from`); attendance and
//!   timetable share one rule ([`convert::attendance::period_offset`]), so the same school
//!   reads the same either way and a mark's period is its lesson's.
//! - `record_attendance` writes a day mark with `PUT /students/{id}/set_homeroom_attendance`
//!   (idempotent, so retried safely), the status checked against the school's categories
//!   first. Class registers are written with [`Client::set_class_attendance`].
//!
//! ## Timetables
//!
//! Class timetables are slots `{day, period, location}` where `day` is a **rotation day**; the
//! program's calendar maps school dates to rotation days, and lessons are laid over those
//! dates ([`convert::timetable`]). The API gives **no clock times**, so the school's bell
//! times must be configured ([`PeriodTimes`], `MIS_MANAGEBAC_PERIOD_TIMES`); without them
//! `timetable()` is an `InvalidInput` error saying so.
//!
//! ## Time zone
//!
//! Lesson times and behaviour dates are placed in the school's zone: the options' time zone
//! ([`mis_http::ClientOptions::with_time_zone`], `MIS_MANAGEBAC_TIME_ZONE`) when set, else the school record's `timezone`
//! (`GET /school`), else `Europe/London` with a warning on the read.
//! [`MisProvider::school_profile`] reports the school record's name and zone (none when the
//! school set none), so `mis doctor` can compare it with the configured one ([`doctor`]).
//!
//! ## Identifiers
//!
//! `Student.id` is ManageBac's own id (never filed as `mis_id`, which is an upstream MIS's
//! id); the school's `student_id` is an `external_id`.
//!
//! ## Behaviour
//!
//! Behaviour notes (`GET /behavior/notes`, US spelling) become events: `behavior_type` is the
//! category, the HTML notes become text, `reported_by` the author. Notes name students by the
//! school's own id, which is resolved to the ManageBac id; a note whose student is not known
//! is skipped with a warning (`student_ids` hold ManageBac ids only). Notes have no points and no
//! polarity: polarity comes from [`Config::behaviour_polarity`], `neutral` otherwise.
//!
//! ## Other quirks handled
//!
//! - Lists are `{<key>: [...], meta}` with a different key per resource; ids may be numbers or
//!   numeric strings; optional fields are omitted rather than null; unknown fields are kept
//!   ([`wire`]).
//! - `student_ids` is sent comma-separated; `ids[]`, `year_group_ids[]` repeat with brackets.
//! - Academic years are **per program**, grouped by program code.
//! - Errors: 404 `{"error": "Couldn't find …"}`, 422 `{"errors": {field: [...]}}` (the field
//!   errors are in the error's message), 400 `{"error": …}` ([`error`]).
//!
//! ## Not available
//!
//! AM/PM session marks, homework (ManageBac tasks are not modelled) and detentions:
//! `ErrorKind::Unsupported`, declared in [`MisProvider::capabilities`]. OAuth (v2p3 only) is
//! not implemented: the token header works on every version.
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod auth;
pub mod client;
pub mod config;
pub mod convert;
mod descriptor;
pub mod doctor;
pub mod error;
mod provider;
pub mod routes;
pub mod wire;

pub use client::{
    BehaviorNoteFilter, ClassFilter, Client, ListPage, MembershipFilter, PersonFilter, Query,
    StudentFilter, StudentStatus, YearGroupFilter,
};
pub use config::{ApiVersion, CategoryOverride, Config, PeriodTimes, PolarityMap, Region};
pub use descriptor::DESCRIPTOR;
pub use error::{ManageBacClassifier, VendorError, vendor_error};
pub use mis_core::MisProvider;
pub use provider::ManageBacProvider;
pub use wire::Id;

/// The vendor id on every record and error: `managebac`.
pub const VENDOR: &str = VENDOR_ID.as_str();

/// ManageBac's id: `--provider managebac`, the `MIS_MANAGEBAC_*` variables, every record's
/// `provider`.
pub const VENDOR_ID: mis_core::VendorId = mis_core::VendorId::new("managebac");
