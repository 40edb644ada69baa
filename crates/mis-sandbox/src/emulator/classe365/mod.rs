//! The Classe365 REST v2 emulator: the synthetic school as a Classe365 tenant would serve it.
//!
//! Written from the vendor's public article "Getting started with the Classe365 REST API v2"
//! (the vendor document below) and the older v1 API documentation (the `/rest/…` API, whose
//! examples show the fields and ids), never from the `mis-classe365` crate's types, so that
//! this emulator is an independent check of the client.
//!
//! # What is confirmed and what is inferred
//!
//! Confirmed by the vendor document:
//! * base `https://<subdomain>.classe365.com/restv2`: every route here lives under `/restv2`;
//! * HTTP Basic auth, username = tenant subdomain, password = API key;
//! * the envelope: `record` (one resource), `records` + `meta` (lists), `message` (204 and
//!   errors); an error `message` ends with `(error_code: NNN)` and validation failures add an
//!   `errors` array; the HTTP status is never repeated in the body;
//! * 204 No Content when a record does not exist or a list matched zero rows;
//! * `POST` is an upsert: without `id` it creates, with `id` it updates.
//!
//! Inferred (the v2 resource paths and the fields of `meta` are documented only inside the
//! tenant portal, behind a login; this module is the ONE route table for them):
//!
//! | method | path | query / body |
//! |---|---|---|
//! | GET  | `/restv2/students` | `page`, `per_page`, `status` (`active`/`alumni`), `class_id` |
//! | GET  | `/restv2/students/{id}` | |
//! | POST | `/restv2/students` | JSON student; no `id` creates (201), `id` updates (200) |
//! | GET  | `/restv2/classes` | `page`, `per_page` |
//! | GET  | `/restv2/classes/{id}` | |
//! | POST | `/restv2/classes` | `{name, code, department_id, class_type}`; no `id` creates (201), `id` updates (200) |
//! | GET  | `/restv2/sessions` | `page`, `per_page` |
//! | GET  | `/restv2/sessions/{id}` | |
//! | POST | `/restv2/sessions` | `{name, start_date, end_date, session_type, parent_id}`; upsert as above |
//! | GET  | `/restv2/departments` | `page`, `per_page` |
//! | GET  | `/restv2/departments/{id}` | |
//! | POST | `/restv2/departments` | `{name, code, year_level}`; upsert as above |
//! | GET  | `/restv2/teachers` | `page`, `per_page` |
//! | GET  | `/restv2/attendance` | `from`, `to` (required, `YYYY-MM-DD`), `student_id`, `class_id`, `page`, `per_page` |
//! | POST | `/restv2/attendance` | one JSON record or an array; upsert on `student_id` + `date` + `class_id` |
//!
//! * `meta` is `{current_page, per_page, total_records, total_pages}`; pages start at 1;
//!   `per_page` defaults to 50 ([`EmulatorOptions::default_page_size`] overrides it) and is
//!   capped at 100 (a larger value is clamped, and `meta.per_page` says so). A page past the
//!   end is a list that "matched zero rows": 204.
//! * Ids are JSON numbers, as in every v1 example.
//! * Error codes (the `NNN` of `(error_code: NNN)`) are stable numbers of our choosing, since
//!   the real table is behind the tenant portal (unconfirmed):
//!
//! | status | error_code | when |
//! |---|---|---|
//! | 401 | 101 | no `Authorization: Basic` header |
//! | 401 | 102 | the tenant's subdomain with a wrong API key |
//! | 401 | 103 | the key was rejected as expired (injected: [`FaultPlan::expire_every`]) |
//! | 403 | 104 | the key may not read the resource (injected: record fault below) |
//! | 400 | 201 | validation failed (`errors: [{field, message}]`) |
//! | 400 | 202 | the body is not JSON (`errors` names `body`) |
//! | 404 | 301 | no such endpoint (the document lists no 404; a web server still has one) |
//! | 405 | 302 | wrong verb for the endpoint (the document's own example) |
//! | 429 | 601 | throttled (injected only, see below), with `Retry-After` in seconds |
//!
//! # An unknown subdomain
//!
//! On the vendor's hosts the subdomain is the host name (`https://<subdomain>.classe365.com`),
//! so it picks the tenant before any key is checked; the document does not say what a name
//! no tenant uses answers, and the answer comes from in front of the API. A host name that
//! does not exist gets no DNS record; a wildcard record would reach a web server with no
//! tenant behind it, whose answer is its own 404 page, not the API's JSON envelope. This
//! emulator serves one tenant on one loopback host, where no DNS can fail, so it gives the
//! second answer: the Basic user name (which the client sends the subdomain in as well)
//! stands for the host name, and a request naming another subdomain, whatever its key,
//! gets **404 with an HTML page** (`text/html`, no `(error_code: …)`). The tenant's own
//! subdomain with a wrong key is still the 401 above.
//!
//! # Attendance
//!
//! Classe365 records attendance per student per day per class, with a status label; it has
//! no AM/PM sessions and no DfE codes. The emulator renders the School's **AM session mark**
//! of each day as one day-level record `{id, student_id, class_id, date, status, remarks}`,
//! `class_id` being the student's registration group (a class in `/classes`), `remarks` the
//! mark's note. The label is chosen so that the client's label rules
//! (`mis_core::codes::label_category`) give back the mark's DfE category:
//!
//! | DfE AM mark | status | category the label maps back to |
//! |---|---|---|
//! | `/`, `\` | `present` | present |
//! | `L` | `late` | present + late |
//! | authorised (`C C1 C2 E I J1 M R S T`, pre-2024 `H`) | `excused` | authorised absence |
//! | `O`, `G`, `N` | `absent` | unauthorised absence |
//! | `U` | `absent` | unauthorised absence — **the lateness of `U` is lost** (no label says "late and unauthorised") |
//! | AEA (`B V P W K`, pre-2024 `J`) | `field trip` | approved educational activity |
//! | not counted (`D X Z # Q Y1`–`Y7`, pre-2024 `Y`), no mark (`-`) | *omitted* | — |
//!
//! Not-counted and no-mark slots are **omitted** rather than sent as a made-up label such as
//! `not_required`: no Classe365 status expresses them, and any label we invented would come
//! back `unmapped` — a wrong answer where an absent record is an honest one. The PM mark,
//! `minutes_late` and the exact DfE code are lost as well.
//!
//! The classes, departments and sessions lists are the School's, then whatever `POST`s
//! changed: an unknown `id` or field, a missing `name` (and, for a session, dates) is the
//! 400 validation error; a class's `department_id` must name a department, and the
//! department's `class_ids` follow it. Writes accept exactly the five
//! labels above (case-insensitive) and store them; reads show them.
//!
//! # Profiles
//!
//! [`Profile::Standard`](crate::school::Profile) is a school with **daily** attendance, as
//! described above. [`Profile::Variant`](crate::school::Profile) serves the documented
//! variants:
//! * **Subject-wise attendance.** Classe365 keys attendance by `class_id`, `section_id`,
//!   `subject_id` ("for subject-wise attendance") and `session_id` ("when multiple sessions
//!   are enabled"; the v1 documentation's `attendanceData`). On the dates the School has lesson
//!   marks, the tenant sends one record per lesson register instead of one per day:
//!   `{id, student_id, class_id, date, status, remarks, subject_id, subject_name,
//!   session_id, session_name}`, `session_id`/`session_name` being the period's id and label,
//!   the status chosen from the lesson mark by the table above. Dates without lesson marks
//!   (the School generates them for its first weeks only) keep the daily record.
//! * **Statuses.** Every other leaver is `inactive` (a student "goes inactive" before being
//!   moved to the Alumni module; Classe365 help, "Updating Student Enrollment Status")
//!   rather than `alumni`. Writes accept `active`, `alumni`, `applicant`, `enquiry`,
//!   `inactive` in both profiles.
//!
//! # Record faults
//!
//! Under [`FaultPlan::records`](crate::FaultPlan::records):
//! * `malformed_record`: `GET /students` renders the student at `MALFORMED_STUDENT` with
//!   `student_dob` as a JSON number (`20090123`), its `id` intact;
//! * `missing_subresource`: `GET /students/{id}` of the student at `MISSING_STUDENT` answers
//!   204 "Student not found" (the document's "record does not exist"; it lists no 404). A
//!   client's students and attendance reads are whole lists with no per-student call, so the
//!   student's own record is the nearest per-record sub-resource;
//! * `forbidden_auxiliary`: `GET /departments` answers 403 (`error_code: 104`): departments
//!   only label year groups, which the student list already carries.
//!
//! # Onboarding faults
//!
//! Under [`FaultPlan::onboarding`](crate::FaultPlan::onboarding) (what `mis doctor` must find):
//! * `disabled_module`: `GET /teachers` answers 403 (`error_code: 104`, the document's
//!   "you lack permission or the feature is disabled for your tenant instance"), as for an
//!   API key created for specific modules, teachers not among them (vendor document,
//!   "Generate API Key");
//! * `school_code`: every attendance record of the School's first student on roll carries
//!   the status `Quarantine room` (`OnboardingFaults::SCHOOL_CODE_LABEL`), one the school
//!   defined: Classe365 statuses are labels, so the school's `Q` is sent by its label. The
//!   v2 API serves no code book, so the records are the only place it appears;
//! * `missing_time_zone`: nothing to change. The v2 API serves no school or settings record
//!   (the document lists none), so there is no time zone to leave empty.
//!
//! # Faults
//!
//! The sandbox applies 429 / 5xx / slow / drop / truncate / malformed around this router.
//! Classe365 publishes no rate limit (neither the v2 article nor the v1 documentation gives
//! one), so there is no quota window here: a 429 only comes from an injected throttle,
//! answered in the envelope above with a `Retry-After` header. Credential expiry: an API key never expires by itself,
//! so every N-th authenticated request is answered 401 (`error_code: 103`) as if the key had
//! been momentarily rejected; the same key works again on the next request (there is no token
//! to refresh, so a client's "refresh once and replay" is a plain replay). There is no login,
//! so `Stats::logins` stays 0.
//!
//! [`EmulatorOptions::default_page_size`]: crate::EmulatorOptions::default_page_size
//! [`FaultPlan::expire_every`]: crate::FaultPlan::expire_every

mod academic;
mod auth;
mod render;
mod routes;
#[cfg(test)]
mod tests;

use std::sync::Arc;

use axum::response::IntoResponse as _;

use crate::Fixture;
use crate::sandbox::{Emulator, EmulatorContext};
use crate::school::School;

/// The vendor id this emulator answers for (the `classe365` vendor crate declares the same).
pub const ID: mis_core::VendorId = mis_core::VendorId::new("classe365");

/// This emulator: what [`crate::Sandbox::start`] starts and a vendor registry pairs with
/// the vendor.
pub const EMULATOR: crate::EmulatorDescriptor = crate::EmulatorDescriptor {
    id: ID,
    name: "Classe365",
    build,
    fixtures,
    settings: crate::no_settings,
    // Its windows are short or absent: a tenth of real time never waits on a throttle.
    demo_time_scale: 0.1,
};

/// Builds the Classe365 emulator over `ctx.school`: the `/restv2` router, the credentials it
/// accepts (`subdomain`, `api_key`, derived from the school's seed) and its 429 response.
pub fn build(ctx: &EmulatorContext) -> Emulator {
    let state = Arc::new(routes::Tenant::new(
        ctx.school.clone(),
        routes::PageRules::from_options(&ctx.options),
        ctx.stats.clone(),
        ctx.faults.clone(),
    ));
    Emulator {
        credentials: state.credentials(),
        router: routes::router(state),
        throttle: Arc::new(|wait| render::throttled(wait).into_response()),
    }
}

/// The Classe365 fixtures for `school`: one per endpoint (first page, first date with marks),
/// plus the error and throttle bodies, rendered by the handlers' own functions on a fresh
/// tenant. Deterministic.
pub fn fixtures(school: &School) -> Vec<Fixture> {
    routes::fixtures(Arc::new(school.clone()))
}
