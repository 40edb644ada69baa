//! The WCBS HUBmis emulator: the synthetic school served as HUBmis's JSON API under `/api/v1`.
//!
//! Written from the vendor's API reference ("WCBS HUBmis (1.2.0)") and, where that is silent,
//! from route and wire shapes inferred from it (each marked as such below) — never from the
//! `mis-hubmis` crate's types, so that a wrong field name cannot pass on both sides.
//!
//! # What is confirmed and what is inferred
//!
//! The public copy of the API reference lost its paths, and its OpenAPI file is not public.
//! Confirmed by the reference's "Authentication" and "Usage Limits" sections: the token
//! request, `Authorization: Bearer` **plus** `Realm` on every call, 401 on an expired token,
//! "12 requests per minute per IP", 429 with `X-RateLimit-Limit`, `X-RateLimit-Remaining` and
//! `X-RateLimit-Retry-After` (a Unix time).
//! Everything else — every resource path, the bare-array lists, `page[number]`/`page[size]`,
//! the error bodies, the nested objects the document collapsed — is inferred and lives in
//! one place each: paths in `routes.rs`, bodies in `render.rs` and `errors.rs`.
//!
//! # Protocol
//!
//! * `POST /api/v1/token` with `grant_type=client_credentials&client_id=…&client_secret=…`
//!   (form, as the introduction shows; JSON, as the "Token" section's schema says, is accepted
//!   too) answers `{"token_type":"Bearer","expires_in":900,"access_token":…}`. The token lives
//!   `expires_in` seconds *scaled by* [`EmulatorOptions::time_scale`](crate::EmulatorOptions::time_scale)
//!   — the wire value stays the vendor's 900 (the reference's "Access tokens expire after 15
//!   minutes"), so with a small scale a client learns of the expiry from the 401, as it must
//!   anyway.
//! * Every other call needs `Authorization: Bearer <token>` and `Realm: <realm>` (the
//!   document marks `realm` *required* on every operation). See `auth.rs`.
//! * Lists are bare JSON arrays; a page shorter than `page[size]` is the last one (inferred).
//! * At most 12 requests in any 60 s window (scaled) per client IP, token requests included;
//!   see `quota.rs`.
//!
//! # Attendance codes
//!
//! HUBmis is a UK MIS: marks carry the DfE code exactly as the school recorded it
//! (`attendance_code.code`, with the code book's description), so the client's one date-aware
//! DfE table in `mis-core` decides the category. There is no label mapping:
//!
//! | school mark (`AttendanceMark.code`) | HUBmis `attendance_code.code` | category comes from |
//! |---|---|---|
//! | any DfE code (`/ \ L B C C1 C2 D E G I J1 K M N O P Q R S T U V W X Y1-Y7 Z #`, and the pre-2024 `H J Y`) | the same code | `mis_core::codes::map_dfe` |
//! | `-` (no mark recorded) | `-` (`display: false` in the code book) | `mis_core::codes::map_dfe` (`no_mark`) |
//!
//! `minutes_late` and the mark's note (`comment`) are passed through.
//!
//! # Behaviour
//!
//! HUBmis has no behaviour points module; the school's behaviour events are rendered as
//! pastoral *wellbeing events* whose category names the polarity (`Praise` positive,
//! `Concern` negative, `Note` neutral), whose severity grades a concern by its points
//! (`Low`/`Medium`/`High` for -1/-2/-3), and whose description is the school's label
//! (`"Disruption"`, followed by `": <note>"` when a note was recorded). Points are not sent:
//! the vendor has no such field.
//!
//! # Profiles
//!
//! [`Profile::Standard`](crate::Profile::Standard) serves the shapes above.
//! [`Profile::Variant`](crate::Profile::Variant) serves what real servers also send: a
//! student who left during the term, a client without the admissions scope, pages capped at
//! 50, the calendar's required `filter[date]`, marks naming their code by id, a code missing
//! from the code book, year groups without `dfe_year`. See [`variant`] for each.
//!
//! # Onboarding faults
//!
//! [`OnboardingFaults`](crate::emulator::OnboardingFaults), for `mis doctor` (see
//! `onboarding.rs`): the disabled module is the **Pastoral module** (its routes answer the
//! missing-scope 403); the school's own code (`OnboardingFaults::SCHOOL_CODE`, "Quarantine
//! room", flagged `"is_statutory": false`) is in the code book (in place of a DfE entry with
//! the same letters, if any) and on every mark of the first student on roll; the regional
//! settings answer `"timezone": null`. A realm the
//! emulator does not serve gets `403 {"message":"Access to realm … is not granted to this
//! client."}` (inferred: the reference says only that every call names its realm).
//!
//! # Not emulated
//!
//! * HUBmis documents no write endpoint (only the token is a POST), so this emulator applies
//!   no writes: a POST elsewhere gets Laravel's 405 and `applied_writes` stays 0.
//! * The "500 requests per client" bucket ("Usage Limits"): it refills at one request every
//!   5 s, exactly the 12-per-minute rate one IP is held to, so from one IP (the sandbox is on
//!   loopback) it can never run dry; only the per-IP window is enforced.
//! * Scopes (`students.current.overview.name-details.read`…): the sandbox's client has all,
//!   except the admissions scope in the variant profile and the pastoral scopes with the
//!   `disabled_module` onboarding fault.
//! * Record faults ([`RecordFaults`](crate::emulator::RecordFaults)): see `records.rs` for
//!   which student, sub-resource and auxiliary read each one touches.
//! * `search`, `sort[...]` and the filters no route table entry lists are refused (see
//!   `routes.rs`), not guessed.

// The handlers' and parsers' error side is the finished `Response` (axum's idiom). It is the
// cold path, so its size does not matter.
#![allow(clippy::result_large_err)]

mod auth;
mod errors;
mod onboarding;
mod query;
mod quota;
mod records;
mod render;
mod routes;
pub mod variant;

#[cfg(test)]
mod tests;

use std::collections::HashMap;
use std::sync::Arc;

use jiff::civil::Date;
use serde_json::Value;

use crate::sandbox::{Emulator, EmulatorContext, Fixture};
use crate::school::School;

/// The vendor id this emulator answers for (the `hubmis` vendor crate declares the same).
pub const ID: mis_core::VendorId = mis_core::VendorId::new("hubmis");

/// This emulator: what [`crate::Sandbox::start`] starts and a vendor registry pairs with
/// the vendor.
pub const EMULATOR: crate::EmulatorDescriptor = crate::EmulatorDescriptor {
    id: ID,
    name: "WCBS HUBmis",
    build,
    fixtures,
    settings,
    // 12 requests per 120 ms instead of per minute: a demo school reads in seconds.
    demo_time_scale: 0.002,
};

/// The client settings for this emulator's school: the quota scaled with the emulator's
/// window (`MIS_HUBMIS_QUOTA`, 12 per 60 s at scale 1), and the wellbeing categories'
/// polarity, which HUBmis does not send and a school configures (the emulator's categories
/// are Praise, Concern and Note).
pub fn settings(_: &School, options: &crate::EmulatorOptions) -> Vec<(String, String)> {
    let window = options.scaled(std::time::Duration::from_secs(60));
    vec![
        (
            "MIS_HUBMIS_QUOTA".to_owned(),
            format!("{}/{}", quota::LIMIT, window.as_secs_f64()),
        ),
        (
            "MIS_HUBMIS_POSITIVE_CATEGORIES".to_owned(),
            "Praise".to_owned(),
        ),
        (
            "MIS_HUBMIS_NEGATIVE_CATEGORIES".to_owned(),
            "Concern".to_owned(),
        ),
    ]
}

/// Page size when the client sends no `page[size]` (the vendor's default is not published;
/// 30 is what the JSON:API paginator HUBmis's query style comes from uses).
const DEFAULT_PAGE_SIZE: usize = 30;

/// The largest `page[size]` accepted (inferred; larger sizes get a 422, never a silently
/// shorter page that a client would take for the end of the list).
const MAX_PAGE_SIZE: usize = 100;

/// Builds the HUBmis emulator over `ctx.school`: the router (paths under `/api/v1`), the
/// credentials that work (`client_id`, `client_secret`, `realm`, derived from the school's
/// seed) and HUBmis's own 429 for injected throttles.
pub fn build(ctx: &EmulatorContext) -> Emulator {
    let credentials = auth::credentials_for(&ctx.school);
    let state = Arc::new(routes::Hubmis::new(ctx, &credentials));
    Emulator {
        router: routes::router(state),
        credentials,
        throttle: Arc::new(quota::too_many_requests),
    }
}

/// One fixture per endpoint served, rendered by the same functions as the handlers for a
/// fixed request: the first page of each list, the first student / staff member, the first
/// school week with marks, the first school day of the calendar. Plus the error bodies a
/// client must decode. Deterministic: the same school gives the same fixtures.
pub fn fixtures(school: &School) -> Vec<Fixture> {
    let index = render::Index::new(school);
    let page = query::Page {
        number: 1,
        size: DEFAULT_PAGE_SIZE,
    };
    let first_student = school
        .students
        .iter()
        .find(|s| index.marks_of(&s.id).next().is_some())
        .or(school.students.first());
    let first_day: Option<Date> = school
        .attendance_range
        .map(|r| r.from())
        .and_then(|d| {
            school
                .calendar
                .days_between(d, school.academic_year.end_date)
                .first()
        })
        .or(school.calendar.days.first())
        .map(|d| d.date);

    let mut out = Vec::new();
    let mut add = |name: &str, body: Value| {
        out.push(Fixture {
            name: name.to_string(),
            body,
        })
    };
    let seed_token = auth::token_value(school.seed, 1);
    add("token", render::token(&seed_token));
    add(
        "students",
        render::students(school, &index, &render::StudentFilter::default(), page),
    );
    if let Some(s) = first_student {
        add("student", render::student(school, &index, s));
        add("student_enrolment", render::enrolment(school, s));
        let week = first_day.map(|d| {
            let days = school
                .calendar
                .days_between(d, school.academic_year.end_date);
            let last = days.iter().take(5).next_back().map_or(d, |x| x.date);
            (d, last)
        });
        let filter = render::MarkFilter {
            from: week.map(|w| query::Bound::Date(w.0)),
            to: week.map(|w| query::Bound::Date(w.1)),
            ..render::MarkFilter::default()
        };
        add(
            "attendance_session_marks",
            render::attendance(school, &index, &s.id, &filter),
        );
        add(
            "student_timetable",
            render::timetable(school, &index, &s.id),
        );
        if let Some(day) = first_day {
            add(
                "student_timetable_calendar",
                render::calendar(school, &index, &s.id, day, day),
            );
        }
    }
    add("attendance_codes", render::attendance_codes(school, None));
    add("staff", render::staff_list(school, &index, page));
    if let Some(member) = school.staff.first() {
        add("staff_member", render::staff(school, &index, member));
    }
    add("contacts", render::contacts(school, &index, page));
    if let Some(contact) = render::contact(school, 0) {
        add("contact", contact);
    }
    add(
        "houses",
        render::houses(school, &index, &render::HouseFilter::default()),
    );
    if let Some(house) = school.groups_of(mis_core::GroupKind::House).next() {
        add("house", render::house(house));
    }
    add("year_groups", render::year_groups(school, &index));
    add("form_groups", render::form_groups(school, &index, None));
    add("academic_years", render::academic_years(school));
    add("terms", render::terms(school));
    add(
        "pastoral_events",
        render::pastoral_events(school, &index, &render::EventFilter::default(), page),
    );
    if let Some(event) = school.behaviour.first() {
        add(
            "pastoral_event",
            render::pastoral_event(school, &index, event),
        );
    }
    add("regional_settings", render::regional_settings(school));
    add("error_invalid_client", errors::invalid_client_body());
    add("error_unauthenticated", errors::unauthenticated_body());
    add("error_too_many_attempts", errors::too_many_attempts_body());
    add(
        "error_validation",
        errors::validation_body("filter.dateFrom", "The filter.date from field is required."),
    );
    out
}

/// Ids on the HUBmis wire are integers ("Integer ID of record" on every path parameter): the
/// school's numeric string ids are sent as numbers, anything else as the string it is.
fn int_id(id: &str) -> Value {
    id.parse::<u64>()
        .map_or_else(|_| Value::from(id), Value::from)
}

/// A map from a key to the positions of its items, in order.
type Positions = HashMap<String, Vec<usize>>;
