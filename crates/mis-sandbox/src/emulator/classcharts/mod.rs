//! The ClassCharts emulator: the synthetic school served as ClassCharts' (unofficial) student
//! and parent API, under `/apiv2student` and `/apiv2parent`.
//!
//! ClassCharts publishes no API documentation of its own. This emulator is written from the
//! community's: the legacy docs (`classchartsapi/api-docs-legacy`), **api-docs**
//! (`classchartsapi/api-docs`, OpenAPI schemas), the JS library **classcharts-api-js** (its
//! types and issues), the fixtures of `veloii/classcharts-rs` and the community mock server
//! (`daydreme/classcharts-server-mock`) — never from the `mis-classcharts` crate's types, so
//! that a wrong field name cannot pass on both sides.
//!
//! # Protocol
//!
//! * **Login, JSON style** (api-docs, the mock server, `NCPlayz/classcharts.py`):
//!   `POST /apiv2student/login` with `code` + `dob`, or `POST /apiv2parent/login` with
//!   `email` + `password` (forms; multipart accepted) →
//!   `{"success":1,"data":<user>,"meta":{"session_id":…}}`.
//! * **Login, web-form style** (the legacy docs, classcharts-api-js, classcharts-rs):
//!   `POST /student/login` or `/parent/login` → `302` with two `Set-Cookie` headers, `cc-session`
//!   and `student_session_credentials` / `parent_session_credentials` whose URL-encoded JSON value
//!   holds `session_id`. Bad credentials get the form page again (200, no cookie).
//! * Pupil codes are case-insensitive (the clients upper-case them); the date of birth is
//!   accepted as `YYYY-MM-DD` or `DD/MM/YYYY` on both routes (api-docs and the mock send the
//!   first, the web form and NCPlayz the second; inferred: both may be accepted). Every
//!   on-roll pupil can log in; the [`Credentials`] name the first.
//! * Every other call sends `Authorization: Basic <session_id>` (the raw id, not base64, as
//!   every client sends it). A session idles out after 5 minutes without requests
//!   (classcharts-api-js issue #17), scaled by
//!   [`EmulatorOptions::time_scale`](crate::EmulatorOptions), and also dies whenever the
//!   fault plan's `expire_every` says so.
//! * `POST /ping` (`include_data=true`) returns a **new** session id in `meta.session_id`
//!   (classcharts-api-js pings every 180 s for this); the old id is not revoked, it idles
//!   out.
//! * Errors are **HTTP 200** `{"success":0,"error":…,"expired":0|1,"meta":[]}` (the legacy
//!   docs: "Classcharts doesn't return a different status code if you do something wrong"):
//!   `expired: 1` for an unknown, idle or expired session, `expired: 0` for no
//!   `Authorization` at all and for every other refusal (wrong pupil, bad date, bad login).
//! * `meta` is `[]` where the real API sends PHP's empty array (pupils, classes, badges,
//!   announcements, custom fields, purchase, parent behaviours…), yes/no strings where it
//!   uses them, `late_minutes` int-or-`""`, `purchased_count` `0`-or-string, `last_id`
//!   number-or-`false`, `teacher_id` a string, consent pupil ids strings (classcharts-api-js
//!   types, api-docs schemas, classcharts-rs fixtures).
//! * Only `activity` pages (api-docs: "Lists up to 50 activity points"): newest first, at most 50
//!   per page ([`EmulatorOptions::default_page_size`](crate::EmulatorOptions) overrides it),
//!   `last_id` returns the points strictly older than that id, and an empty page
//!   (`meta.last_id: false`) ends the walk. `from` is ignored for the points, as on the real API
//!   ("`from` does not work as you would expect … only returns 50 points from the `to` field",
//!   legacy docs): the pages run back to the pupil's first point, and a client that wants a window
//!   must stop walking by itself; `meta.start_date` still echoes `from`.
//! * Event badges: each award is `{"pupil_event": {timestamp, lesson_pupil_behaviour,
//!   event}}` (api-docs' badge schema).
//! * No rate limit is published or observed by any client, so none is enforced; an injected
//!   throttle answers 429 with `Retry-After` and the vendor's error envelope (inferred).
//!
//! # Routes
//!
//! Under both `/apiv2student` and `/apiv2parent` (`{id}` = pupil id; the parent API needs
//! it, the student API also takes the id-less form): `POST /login`, `POST /ping`,
//! `POST /logout`, `GET /activity/{id}` (`from`, `to`, `last_id`), `GET /behaviour/{id}`
//! (`from`, `to`), `GET /homeworks/{id}` (`display_date`, `from`, `to`),
//! `GET /homeworkticked/{statusId}` (`studentId`), `GET /timetable/{id}` (`date`),
//! `GET /classes/{id}`, `GET /eventbadges/{id}`, `GET /announcements/{id}`,
//! `GET /detentions/{id}` (`from`, `to`), `GET /attendance/{id}` (`from`, `to`),
//! `GET /customfields/{id}`, `GET /getacademicreports` (`studentId`),
//! `GET /getacademicreport/{id}` (`studentId`), `GET|POST /getpupilreportcards`
//! (`pupil_id`), `GET /getpupilreportcard/{id}`, `/getpupilreportcardsummarycomment/{id}`,
//! `/getpupilreportcardtarget/{id}`. Student only: `GET /rewards/{id}`,
//! `POST /purchase/{itemId}` (`pupil_id`), `POST /getcode` (`date`), `POST /hasdob`
//! (`code`). Parent only: `GET /pupils`, `POST /password` (`current`, `new`, `repeat`),
//! `GET|POST /parentbehaviours/{id}`, `POST /addparentbehaviour/{id}` and
//! `POST /deleteparentbehaviour/{id}` (`behaviour_id` or `reason_id`, optional
//! `happened_at`). Plus the web forms `POST /student/login` and `POST /parent/login`.
//!
//! # Attendance: DfE code and `status`
//!
//! ClassCharts is a UK product: `code` is the school's DfE code exactly as recorded, and the
//! client's date-aware DfE table decides the category. `status` is ClassCharts' own label
//! (`yes|present|ignore|no|absent|excused|late`, classcharts-api-js types), chosen so that
//! the label never contradicts the code — a client that falls back to the label rules gets
//! the same category, except where the vocabulary has no word for it:
//!
//! | DfE category (school mark) | codes | `status` | label rules give |
//! |---|---|---|---|
//! | present | `/` `\` | `present` | present |
//! | present + late | `L` | `late` | present + late |
//! | approved educational activity | `B` `K` `P` `V` `W` (`J` before 2024-08-19) | `present` | present (no AEA word; both count as attendance) |
//! | authorised absence | `C` `C1` `C2` `E` `I` `J1` `M` `R` `S` `T` (`H` before) | `excused` | authorised |
//! | unauthorised absence | `G` `N` `O` | `absent` | unauthorised |
//! | unauthorised + late | `U` | `absent` | unauthorised (the code says late) |
//! | not counted | `D` `Q` `X` `Y1`–`Y7` `Z` `#` (`Y` before) | `ignore` | not counted |
//! | no mark | `-` | `no` | an absence (the code decides) |
//!
//! `data` is `{date: {"AM": …, "PM": …, "<period label>": …}}` — session marks under `AM` /
//! `PM`, lesson marks under the period's label (`P1`…, the same as the timetable's
//! `period_number`), with `lesson_name` and `room_name`. `late_minutes` is an int on session
//! marks (`0` when none) and `""` on lesson marks without minutes, as in the fixture.
//! `percentage` (window) and `percentage_singe_august` (since 1 August) are strings.
//!
//! # Variant profile ([`Profile::Variant`](crate::Profile::Variant))
//!
//! What other real schools send (shapes recorded by the community's sources or in issue 14);
//! [`Profile::Standard`](crate::Profile::Standard) keeps the rendering above:
//!
//! * **Register keys**: lesson registers are keyed by the school's own register names,
//!   `"Period 1"` … `"Period 5"` (classcharts-api-js PR #34: school-defined names such as
//!   `"Period 1"`, `"Period Tut"`), while the timetable still says `period_number: "P1"`;
//!   `meta.sessions` lists the same names.
//! * **Hidden codes**: lesson registers carry `status` only, `"code": ""` (as in the community's
//!   recorded answers); session registers keep their DfE codes — a mixed register. The `status` is
//!   the table above, so an approved activity shows as `present`, a `U` as `absent` (not late).
//! * **Dates**: detention `date` is the school's local midnight written in UTC,
//!   `"2023-08-24T23:00:00+00:00"` for 25 August in BST (the shape of activity meta dates).
//! * **Event badges** in the flat shape: `{timestamp, lesson_pupil_behaviour, event}` with
//!   no `pupil_event` wrapper.
//! * **End of activity**: the empty last page says `"last_id": true` instead of `false`.
//!
//! # Record faults ([`RecordFaults`], `FaultPlan::degraded`)
//!
//! With any record fault on, the parent account also sees the pupils the faults touch
//! (`RecordFaults::MALFORMED_STUDENT`, `RecordFaults::MISSING_STUDENT`), after at least three
//! untouched ones (`parent_pupil_ids` lists them, untouched first). Each fault is the
//! vendor's own shape, never an HTTP error ClassCharts does not send:
//!
//! * `malformed_record`: in `/pupils`, the malformed pupil's `first_name` is a one-element
//!   list instead of a string (a PHP array serialised in place of its value); `id` intact.
//! * `missing_subresource`: `/activity/{id}` of the missing pupil answers the error envelope
//!   `{"success":0,"error":"Activity not found for this pupil","expired":0}` (HTTP 200,
//!   inferred wording; `expired: 0`: the session is fine).
//! * `forbidden_auxiliary`: the missing pupil's school hides the timetable module — the pupil
//!   object says `display_timetable: false`, `/timetable/{id}` answers `{"success":0,"error":
//!   "You do not have permission to view this pupil's timetable","expired":0}`, and that
//!   pupil's lesson registers on `/attendance` come without `lesson_name` / `room_name`
//!   (optional in the JS types; inferred: the names are the timetable's). For an attendance
//!   read the timetable is only enrichment: it names the lesson a register belongs to.
//!
//! # Onboarding faults ([`OnboardingFaults`], what `mis doctor` must find)
//!
//! Each is the vendor's own shape (HTTP 200 envelopes, fields left out), never an HTTP status
//! ClassCharts does not send:
//!
//! * `disabled_module`: the school switched the **homework** module off. Every pupil object
//!   (login, `/ping`, `/pupils`) says `display_homework: false` (the pupil's `display_*` flags
//!   are how ClassCharts says which modules a school shows, classcharts-api-js types), and
//!   `/homeworks` and `/homeworkticked` answer `{"success":0,"error":"You do not have
//!   permission to view this pupil's homework","expired":0,"meta":[]}` (inferred wording, as
//!   for the hidden timetable above; the envelope is the legacy docs' error shape).
//! * `school_code`: the morning (`AM`) registers of the school's first pupil on roll (the one
//!   whose login the sandbox hands out) carry the school's own code
//!   [`OnboardingFaults::SCHOOL_CODE`] instead of the DfE code, with no `status`: ClassCharts'
//!   `status` words describe the codes it knows (inferred: no public source shows a mark with
//!   a school's own code). ClassCharts has no code book route, so the marks are the only
//!   place it shows; the percentages still count the register as recorded.
//! * `missing_time_zone`: the parent API's pupil objects (`/pupils`), the one place
//!   ClassCharts states the school's zone (`timezone`), leave it out. The student object
//!   never has one.
//!
//! ClassCharts has no tenant: a login names one pupil or parent, so a wrong "school" is a
//! refused login (`success: 0` to `/login`).
//!
//! # Writes
//!
//! ClassCharts' student and parent APIs cannot record attendance. Their writes are
//! emulated, each keyed by its natural key in emulator state and visible on later reads,
//! each counted once in `applied_writes`: the homework tick (`/homeworkticked`, toggles
//! `status.ticked` of that status id), parent behaviour points (one per behaviour, pupil and
//! day — a repeat gets the documented daily-limit error; shown on `/activity`, `/behaviour`,
//! `/parentbehaviours` and in the reward balance), reward purchases (balance, stock,
//! once-per-pupil), and the parent's password.
//!
//! # Not emulated
//!
//! * The TES SSO redirect loop of parent web logins (classcharts-api-js issue #48, April
//!   2026): the parent API answers directly.
//! * Activity points other than behaviour (`detention`, `notice`, `attendance_event`…):
//!   detentions are served by `/detentions` only.
//! * Cancelled detentions: ClassCharts has no "cancelled" `attended` value; they are not
//!   listed. Notes on attendance marks: the wire has no field for them.
//! * On-report cards (the school has none: an empty list), wellbeing, messages, concerns,
//!   absence reporting (api-docs coverage gaps).
//! * Real HTTP 401s (api-docs declares them; the mock and the legacy docs show 200): the
//!   emulator always answers 200.

mod auth;
mod form;
mod render;
mod routes;
mod state;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use crate::emulator::{OnboardingFaults, RecordFaults};
use crate::sandbox::{Credentials, Emulator, EmulatorContext, Fixture};
use crate::school::School;
use render::{DisplayDate, PAGE_SIZE, View, Window, error, today};
use state::{Accounts, Api, Who, Writes, session_token};

/// The vendor id this emulator answers for (the `classcharts` vendor crate declares the same).
pub const ID: mis_core::VendorId = mis_core::VendorId::new("classcharts");

/// This emulator: what [`crate::Sandbox::start`] starts and a vendor registry pairs with
/// the vendor.
pub const EMULATOR: crate::EmulatorDescriptor = crate::EmulatorDescriptor {
    id: ID,
    name: "ClassCharts",
    build,
    fixtures,
    settings: crate::no_settings,
    // Its windows are short or absent: a tenth of real time never waits on a throttle.
    demo_time_scale: 0.1,
};

/// Builds the ClassCharts emulator over `ctx.school`.
///
/// Credentials: `code` and `dob` (`YYYY-MM-DD`) of the first on-roll pupil (student API),
/// `email` and `password` of a parent of two pupils (parent API), and `parent_pupil_ids`,
/// the parent's pupil ids comma-separated. All derive from the school's seed.
pub fn build(ctx: &EmulatorContext) -> Emulator {
    let school = &ctx.school;
    let records = ctx.faults.plan().records;
    let accounts = Accounts::new(school).with_record_faults(school, records);
    let student = &school.students[accounts.student];
    let mut creds = BTreeMap::new();
    creds.insert("code", state::pupil_code(school.seed, &student.id));
    creds.insert(
        "dob",
        student
            .date_of_birth
            .map(|d| d.to_string())
            .unwrap_or_default(),
    );
    creds.insert("email", accounts.parent.email.clone());
    creds.insert("password", accounts.parent.password.clone());
    creds.insert(
        "parent_pupil_ids",
        accounts
            .parent
            .pupils
            .iter()
            .map(|&p| school.students[p].id.clone())
            .collect::<Vec<_>>()
            .join(","),
    );
    let page_size = ctx.options.default_page_size.unwrap_or(PAGE_SIZE).max(1);
    let shared = Arc::new(auth::Shared::new(ctx, accounts, page_size));
    Emulator {
        router: routes::router(shared),
        credentials: Credentials(creds),
        throttle: Arc::new(throttle),
    }
}

/// One pupil's ClassCharts login: what the school hands each pupil (the pupil code) and what
/// the pupil already knows (the date of birth).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PupilLogin {
    /// The pupil's id (the synthetic school's student id, `{id}` of every data path).
    pub student_id: String,
    /// The pupil code (upper-case letters and digits; the login accepts any case).
    pub code: String,
    /// The date of birth, `YYYY-MM-DD`.
    pub dob: String,
}

/// The login of every on-roll pupil of `school`, in roll order. ClassCharts is read one pupil
/// (or parent) at a time, so reading a whole school's week means one login per pupil: request
/// plan benchmarks use these. The emulator accepts each of them (module docs, "Protocol").
pub fn pupil_logins(school: &School) -> Vec<PupilLogin> {
    (0..school.students.len())
        .filter(|&i| state::is_on_roll(school, i))
        .map(|i| {
            let s = &school.students[i];
            PupilLogin {
                student_id: s.id.clone(),
                code: state::pupil_code(school.seed, &s.id),
                dob: s.date_of_birth.map(|d| d.to_string()).unwrap_or_default(),
            }
        })
        .collect()
}

/// An injected 429. ClassCharts publishes no limit and no client has reported one, so this
/// shape is inferred: `Retry-After` in whole seconds and the vendor's error
/// envelope, so a client's classifier sees a familiar body.
fn throttle(wait: Duration) -> Response {
    let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    let mut r = (
        StatusCode::TOO_MANY_REQUESTS,
        Json(error("Too many requests. Please try again later.", false)),
    )
        .into_response();
    r.headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(secs));
    r
}

/// One fixture per endpoint, rendered by the functions the handlers use, for a fixed
/// representative request: the published pupil (or, where that pupil has nothing to show,
/// the first on-roll pupil who has), the first page, the first date with data.
pub fn fixtures(school: &School) -> Vec<Fixture> {
    let accounts = Accounts::new(school);
    let writes = Writes::default();
    let view = View {
        school,
        accounts: &accounts,
        writes: &writes,
        page_size: PAGE_SIZE,
        records: RecordFaults::default(),
        onboarding: OnboardingFaults::default(),
    };
    let me = accounts.student;
    let on_roll: Vec<usize> = (0..school.students.len())
        .filter(|&i| state::is_on_roll(school, i))
        .collect();
    let first_with = |has: &dyn Fn(usize) -> bool| on_roll.iter().copied().find(|&p| has(p));
    let non_empty = |v: &Value| v["data"].as_array().is_none_or(|a| !a.is_empty());
    let all = Window::default_for(school);

    let activity_pupil = first_with(&|p| non_empty(&view.activity(p, all, None))).unwrap_or(me);
    let activity = view.activity(activity_pupil, all, None);
    // Walk to the last page, then ask for the page after it: the empty page that ends a walk.
    let mut oldest = None;
    while let Some(id) = view.activity(activity_pupil, all, oldest)["meta"]["last_id"].as_u64() {
        oldest = Some(id);
    }
    let activity_end = view.activity(activity_pupil, all, oldest);

    // The first date with lesson marks (so AM, PM and periods all show), else with any.
    let first_date = school
        .lesson_mark_range
        .or(school.attendance_range)
        .and_then(|r| school.calendar.days_between(r.from(), r.to()).first())
        .map_or(school.academic_year.start_date, |d| d.date);
    let one_day = Window {
        from: first_date,
        to: first_date,
    };
    let first_school_day = school
        .calendar
        .days
        .first()
        .map_or(school.academic_year.start_date, |d| d.date);
    let first_fortnight = Window {
        from: school.academic_year.start_date,
        to: first_school_day
            .checked_add(jiff::ToSpan::days(13))
            .unwrap_or(first_school_day),
    };
    let detention_pupil = first_with(&|p| non_empty(&view.detentions(p, None))).unwrap_or(me);
    let badge_pupil = first_with(&|p| non_empty(&view.eventbadges(p))).unwrap_or(me);
    let report = view
        .academic_reports()
        .get("data")
        .and_then(|d| d.get(0))
        .and_then(|r| r["id"].as_u64())
        .and_then(|id| view.academic_report(me, id))
        .unwrap_or_else(|| error("Academic report not found", false));
    let parent_pupil = accounts.parent.pupils.first().copied().unwrap_or(me);

    let fixtures: Vec<(&str, Value)> = vec![
        (
            "student_login",
            view.student_login(me, &session_token(school.seed, 1)),
        ),
        (
            "parent_login",
            view.parent_login(&session_token(school.seed, 1)),
        ),
        (
            "student_ping",
            view.ping(Who::Student(me), Some(&session_token(school.seed, 2))),
        ),
        (
            "parent_ping",
            view.ping(Who::Parent, Some(&session_token(school.seed, 2))),
        ),
        ("pupils", view.pupils()),
        ("activity", activity),
        ("activity_end", activity_end),
        ("behaviour", view.behaviour(activity_pupil, all)),
        (
            "homeworks",
            view.homeworks(me, DisplayDate::Issue, first_fortnight),
        ),
        ("timetable", view.timetable(me, first_school_day)),
        ("classes", view.classes(me)),
        ("eventbadges", view.eventbadges(badge_pupil)),
        ("announcements", view.announcements(me, Api::Student)),
        (
            "announcements_parent",
            view.announcements(parent_pupil, Api::Parent),
        ),
        ("detentions", view.detentions(detention_pupil, None)),
        ("attendance", view.attendance(me, one_day)),
        ("customfields", view.customfields(me)),
        ("rewards", view.rewards(me)),
        (
            "parentbehaviours",
            view.parent_behaviours(parent_pupil, today(school)),
        ),
        ("academic_reports", view.academic_reports()),
        ("academic_report", report),
        ("error_not_logged_in", error(auth::NOT_LOGGED_IN, true)),
        ("error_bad_code", error(auth::BAD_CODE, false)),
    ];
    fixtures
        .into_iter()
        .map(|(name, body)| Fixture {
            name: name.to_string(),
            body,
        })
        .collect()
}
