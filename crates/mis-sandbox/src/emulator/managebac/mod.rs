//! The ManageBac (Faria) API v2p1 emulator.
//!
//! Written from Faria's "ManageBac API" reference (v2p1, "the v2p1 reference" below), the
//! ManageBac+ Public API spec (Faria's OpenAPI file, v2p3; "the spec") and Faria's
//! integration articles, never from a client crate's types.
//!
//! # Protocol
//!
//! * **Prefix** `/v2p1`, and `/v2` (the moving "latest") for the same routes (Faria's "About
//!   versions" page).
//! * **Auth**: the token in the `auth-token` header or the `auth_token` query parameter
//!   (the spec's security schemes). Anything else is 401 `{"error": "Access Denied"}` (the
//!   spec's `AccessDeniedError`). The token is long-lived; an injected expiry
//!   ([`crate::FaultPlan::expire_every`]) refuses one request with that 401, and the next
//!   request with the same token works, so a client's single replay succeeds.
//! * **Paging**: `page` (from 1) and `per_page` (default 100, at most 200) with
//!   `meta {current_page, total_pages, total_count, per_page}` (the spec's `Meta`). The vendor
//!   "may return a number of records less than passed in the request" (Faria's pagination
//!   notes): this emulator never serves more than 100 rows a page, so `per_page=200` gets
//!   100 and `meta.per_page` says 100. Drive paging from `meta`, not from the size asked for.
//! * **Quota**: 10 requests per second per client IP across all endpoints (scaled by
//!   [`crate::EmulatorOptions::time_scale`]), counted before the token is checked. Over it:
//!   429 with `X-RateLimit-Limit`, `X-RateLimit-Period` and `X-RateLimit-Reset` formatted like
//!   `2021-10-28 01:29:40 UTC`, no `Retry-After` (Faria's "Rate limitations and throttling"
//!   article). Injected 429s look the same.
//! * **Errors**: 404 `{"error": "Couldn't find IbClass with 'id'=1001"}`, 422
//!   `{"errors": {field: [..]}}`, 400 `{"error": "Invalid payload data structure."}` and
//!   `{"error": "Invalid modified_since parameter: 'x' is not a valid time."}` (the spec's
//!   error examples).
//! * **Periods** (v2p1 only; the spec notes "a known incompatibility … will be fixed in
//!   v2p3"): class attendance by date is keyed by period number as a string and carries
//!   `timetable: {period_starts_count_from, period_offset}`; class timetable slots use the
//!   same numbering. Key = period (from 1) + `period_offset`, where
//!   `period_offset = period_starts_count_from - 1`. [`Config`] sets it per instance.
//!
//! # Attendance mapping
//!
//! The school keeps DfE codes; ManageBac keeps a category `status` id per record, and the
//! record's `status` string is the category's label. The tenant's categories
//! (`GET /school/academic-years/{id}/attendance_categories`) are 0 Absent, 1 Present,
//! -1 Present, 2 Late (built in) and 3 Excused, 4 Field Trip, 5 Health (this school's own).
//! Labels are chosen so that mis-core's label rules (`mis_core::codes::label_category`) give
//! back the mark's DfE category:
//!
//! | DfE codes (category) | status | label | label rule gives |
//! |---|---|---|---|
//! | `/` `\` (present) | 1 | Present | present |
//! | `L` (present, late) | 2 | Late | present + late |
//! | `I` `M` (authorised) | 5 | Health | authorised absence |
//! | other authorised: `C` `C1` `C2` `E` `H` `J1` `R` `S` `T` | 3 | Excused | authorised absence |
//! | unauthorised: `G` `N` `O` `U` | 0 | Absent | unauthorised absence |
//! | AEA: `B` `J` (before 2024) `K` `P` `V` `W` | 4 | Field Trip | approved educational activity |
//! | not counted (`D` `X` `Y` `Y1`–`Y7` `Q` `Z` `#`), no mark (`-`) | — | no record | — |
//!
//! `U` loses its "late" (ManageBac has no late-absent status) and `L` loses its minutes (no
//! minutes field); the category is kept. Homeroom attendance by date is the day register:
//! the school's **AM** session mark. Class attendance by date is the school's lesson marks.
//!
//! # Rendering choices
//!
//! * **The school record names its zone**: `timezone` (the school's IANA zone) on
//!   `GET /school`, in both profiles. Not in the spec's field list; public clients of the
//!   live API read it from the school record (inferred).
//! * Ids are the school's numeric ids. Terms have none, so term `n` (from 1) of year `2024` is
//!   `2024n`. Student `student_id` / `identifier` (the school's own id, a string) carry the
//!   UPN; behaviour notes name students by that id, as the vendor does.
//! * Programs: `hs` "High School" (secondary) or `ps` "Primary School", one academic year.
//!   The calendar is a 10-day rotation (the two-week timetable); `rotation_day` 1–10.
//! * Leavers are archived students with `withdrawn_on` and no year group.
//! * Behaviour notes are per student: an event about two students is two notes.
//! * Each student has one parent (`parent_ids`), so excusals can name one; excusals are
//!   generated from runs of `I`/`M` AM marks.
//!
//! # Variant profile ([`Profile::Variant`])
//!
//! What real tenants send besides the common shape above (the v2p1 reference's and the spec's
//! examples), all at once:
//!
//! * **Tenant categories**: the v2p1 reference's list — `0` Absent, `1` Present, `2` Late, `-1`
//!   Present, `3` Dress Code, `4` Late & Dress Code, `5` Dismissed, `10` Health, `11` Sports,
//!   `12` Fieldtrip, `13` Excused, `14` Other, and `15`–`18` Custom 1–4 (listed, not
//!   enabled; writes refuse them). School-defined ids are tenant data, never fixed.
//! * **Marks only for the exceptions**: a present pupil keeps the register's default `-1`
//!   "Present" (inferred: the spec's examples list `-1` "Present" beside `1`, which suggests
//!   present, not explicitly marked). On a
//!   deterministic tenth or so of (pupil, day) pairs the pupil breaks the dress code: present
//!   is `3` Dress Code, late `4` Late & Dress Code. Other statuses:
//!
//!   | school mark | status |
//!   |---|---|
//!   | `L` (present, late) | 2 Late (4 on a dress-code day) |
//!   | `P` (sporting activity) | 11 Sports |
//!   | other approved educational activity | 12 Fieldtrip |
//!   | `I` `M` on a day a generated parent excusal covers (and no unauthorised mark of the pupil that day) | 0 Absent — the excusal is what authorises it |
//!   | other `I` `M` | 10 Health |
//!   | other authorised | 13 Excused |
//!   | unauthorised | 0 Absent |
//!
//!   `5` Dismissed and `14` Other are in the list but no school mark uses them.
//! * **Homeroom registers list every member**: a day not taken is `"attendance": []` (what a
//!   Rails server renders for an empty record), not an omitted student.
//! * **Periods counted from 0** ([`build`]): `period_starts_count_from: 0`,
//!   `period_offset: -1` in attendance and `period_starts_count_from: 0` on timetables.
//!
//! # Record faults ([`crate::FaultPlan::records`])
//!
//! * `malformed_record`: the student at [`RecordFaults::MALFORMED_STUDENT`] is rendered with
//!   `birthday` as a JSON number (`20100824`) instead of a `"yyyy-mm-dd"` string, its `id`
//!   and every other field intact — in `GET /students`, `GET /students/{id}` and
//!   `GET /year-groups/{id}/students` alike.
//! * `missing_subresource`: one class of the student at [`RecordFaults::MISSING_STUDENT`]
//!   (the first, in class order, that has timetable slots) answers the vendor's 404
//!   `{"error": "Couldn't find IbClass with 'id'=…"}` on `GET /classes/{id}/timetable`,
//!   `GET /classes/{id}/attendance/date/{date}` and `…/attendance/term/{term_id}`; it stays
//!   in `GET /classes`, and `GET /classes/{id}` and its students still answer.
//! * `forbidden_auxiliary`: the token lacks `year_groups/index` (absent from
//!   `GET /auth/permissions`), so `GET /year-groups` answers 403 with the spec's only
//!   authorisation body, `{"error": "Access Denied"}` (the spec documents no 403 of its own).
//!   The single year group and its homeroom registers still answer.
//!
//! # Onboarding faults ([`crate::FaultPlan::onboarding`])
//!
//! A school set up wrong, as `mis doctor` must find it:
//!
//! * `disabled_module`: the **behaviour notes** module is closed to the token: it lacks
//!   `behavior/notes/index` (absent from `GET /auth/permissions`) and `GET /behavior/notes`
//!   answers 403 `{"error": "Access Denied"}`, the spec's one authorisation body (it
//!   documents no 403 of its own). Everything else answers as usual.
//! * `school_code`: the school has a category of its own, status `20` labelled
//!   [`OnboardingFaults::SCHOOL_CODE_LABEL`] with the abbreviation
//!   [`OnboardingFaults::SCHOOL_CODE`], listed (enabled) in
//!   `GET /school/academic-years/{id}/attendance_categories`; every homeroom and class record
//!   of the school's first student on roll carries it instead of the status its mark would
//!   have.
//! * `missing_time_zone`: the school has set no zone: `GET /school` has no `timezone`.
//!
//! ManageBac has no tenant in the request (the token names the school), so there is no
//! unknown-tenant answer to emulate; a wrong token is the 401 above.
//!
//! # Not emulated
//!
//! OAuth (`POST /oauth/token`, v2p3 only), parents, grades, tasks, units,
//! subjects, and the v2p3 changes. Behaviour points and polarity (ManageBac notes have
//! neither), registration groups (only the homeroom advisor), staff titles, preferred last
//! names and PM session marks have no place in the wire format.

mod auth;
mod render;
mod routes;
mod state;
#[cfg(test)]
mod tests;
mod writes;

use std::sync::{Arc, Mutex, MutexGuard};

use serde_json::{Value, json};

use self::render::{DEFAULT_PER_PAGE, Params, View};
use self::state::{Index, Writes, num, parent_of};
use crate::emulator::{Faults, OnboardingFaults, RecordFaults, Stats};
use crate::sandbox::{Credentials, Emulator, EmulatorContext, Fixture};
use crate::school::{Profile, School};

/// The vendor id this emulator answers for (the `managebac` vendor crate declares the same).
pub const ID: mis_core::VendorId = mis_core::VendorId::new("managebac");

/// This emulator: what [`crate::Sandbox::start`] starts and a vendor registry pairs with
/// the vendor.
pub const EMULATOR: crate::EmulatorDescriptor = crate::EmulatorDescriptor {
    id: ID,
    name: "ManageBac",
    build,
    fixtures,
    settings,
    // Ten times faster than ManageBac's 10 requests a second: a demo never waits long.
    demo_time_scale: 0.1,
};

/// The client settings for this emulator's school, which ManageBac's API does not carry and
/// a school configures: the bell times (`MIS_MANAGEBAC_PERIOD_TIMES`, `1=08:50-09:50,…`: the
/// API has period numbers but no clock times), the time zone (the same as the school
/// record's, so reads need not ask for it), the behaviour types' polarity (`MIS_MANAGEBAC_BEHAVIOUR_POLARITY`, `Merit=positive,…`;
/// neutral types left out); and the quota scaled with the emulator's window
/// (`MIS_MANAGEBAC_QUOTA`, 10 a second at scale 1).
pub fn settings(school: &School, options: &crate::EmulatorOptions) -> Vec<(String, String)> {
    let bells: Vec<String> = school
        .periods
        .iter()
        .enumerate()
        .map(|(i, p)| {
            format!(
                "{}={}-{}",
                i + 1,
                p.start.strftime("%H:%M"),
                p.end.strftime("%H:%M")
            )
        })
        .collect();
    let mut polarity = std::collections::BTreeMap::new();
    for e in school.behaviour_events() {
        if let Some(category) = &e.category {
            polarity.insert(category.clone(), e.polarity.as_str());
        }
    }
    let polarity: Vec<String> = polarity
        .iter()
        .filter(|(_, p)| **p != "neutral")
        .map(|(c, p)| format!("{c}={p}"))
        .collect();
    // The emulator's rate, written per second (`100/1` at a tenth of real time).
    let per_second = (auth::LIMIT as f64 / options.time_scale.max(1e-6)).round();
    vec![
        ("MIS_MANAGEBAC_PERIOD_TIMES".to_owned(), bells.join(",")),
        (
            "MIS_MANAGEBAC_TIME_ZONE".to_owned(),
            school.time_zone.clone(),
        ),
        (
            "MIS_MANAGEBAC_BEHAVIOUR_POLARITY".to_owned(),
            polarity.join(","),
        ),
        ("MIS_MANAGEBAC_QUOTA".to_owned(), format!("{per_second}/1")),
    ]
}

/// Per-instance settings of the ManageBac emulator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Config {
    /// The school setting v2p1 exposes as `timetable.period_starts_count_from`: `1` (the
    /// default) numbers periods from 1, `0` from 0 (`period_offset` -1). Both describe the
    /// same marks; clients normalise with `period_offset`.
    pub period_starts_count_from: u8,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            period_starts_count_from: 1,
        }
    }
}

/// What every handler shares.
pub(super) struct Shared {
    school: Arc<School>,
    index: Index,
    config: Config,
    default_per_page: usize,
    token: String,
    faults: Arc<Faults>,
    stats: Arc<Stats>,
    quota: auth::Quota,
    writes: Mutex<Writes>,
}

impl Shared {
    fn view(&self) -> View<'_> {
        View {
            school: &self.school,
            index: &self.index,
            config: self.config,
            default_per_page: self.default_per_page,
            faults: self.faults.plan().records,
            onboarding: self.faults.plan().onboarding,
        }
    }

    fn writes(&self) -> MutexGuard<'_, Writes> {
        self.writes.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Builds the emulator with the default [`Config`]: periods counted from 1, or from 0 for a
/// [`Profile::Variant`] school (module docs).
pub fn build(ctx: &EmulatorContext) -> Emulator {
    let config = match ctx.school.options.profile {
        Profile::Variant => Config {
            period_starts_count_from: 0,
        },
        _ => Config::default(),
    };
    build_with(ctx, config)
}

/// Builds the emulator with explicit settings, e.g. a school whose periods count from 0.
pub fn build_with(ctx: &EmulatorContext, config: Config) -> Emulator {
    let token = token(&ctx.school);
    let period = ctx.options.scaled(auth::PERIOD);
    let index = Index::new(&ctx.school);
    let shared = Arc::new(Shared {
        writes: Mutex::new(index.writes()),
        index,
        school: ctx.school.clone(),
        config,
        default_per_page: ctx.options.default_page_size.unwrap_or(DEFAULT_PER_PAGE),
        token: token.clone(),
        faults: ctx.faults.clone(),
        stats: ctx.stats.clone(),
        quota: auth::Quota::new(period),
    });
    let mut credentials = Credentials::default();
    credentials.0.insert("token", token);
    Emulator {
        router: routes::router(shared),
        credentials,
        throttle: Arc::new(move |wait| auth::too_many_requests(period, wait)),
    }
}

/// The API token the emulator accepts: 32 hex digits derived from the school seed, so the
/// same school always has the same token.
fn token(school: &School) -> String {
    let mix = |mut z: u64| {
        // splitmix64: a fixed, well-spread function of the seed.
        z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    };
    format!(
        "{:016x}{:016x}",
        mix(school.seed),
        mix(school.seed ^ 0x6d62_6163)
    )
}

/// `GET /auth/permissions`: what this emulator's token may do, in the vendor's
/// `resource/action` style (the spec's example is `students/excusals/index`; the others
/// follow that pattern). Under [`RecordFaults::forbidden_auxiliary`] the token lacks
/// `year_groups/index`, which is why `GET /year-groups` answers 403; under
/// [`OnboardingFaults::disabled_module`] it lacks `behavior/notes/index`, which is why
/// `GET /behavior/notes` does.
fn permissions(faults: RecordFaults, onboarding: OnboardingFaults) -> Value {
    let mut all = all_permissions();
    if let Some(list) = all["permissions"].as_array_mut() {
        if faults.forbidden_auxiliary {
            list.retain(|p| p != "year_groups/index");
        }
        if onboarding.disabled_module {
            list.retain(|p| p != "behavior/notes/index");
        }
    }
    all
}

fn all_permissions() -> Value {
    json!({ "permissions": [
        "school/show",
        "school/academic_years/index",
        "school/academic_years/show",
        "school/academic_years/calendar",
        "school/attendance_categories/index",
        "students/index",
        "students/show",
        "students/set_homeroom_attendance",
        "students/excusals/index",
        "students/excusals/create",
        "students/excusals/update",
        "students/excusals/destroy",
        "teachers/index",
        "teachers/show",
        "year_groups/index",
        "year_groups/show",
        "year_groups/students/index",
        "year_groups/homeroom_attendance/index",
        "classes/index",
        "classes/show",
        "classes/students/index",
        "classes/teachers/index",
        "classes/timetable/show",
        "classes/attendance/index",
        "classes/attendance/update",
        "behavior/notes/index",
        "memberships/index",
    ] })
}

/// The ManageBac fixtures for `school`: one per endpoint served, each rendered by the
/// function its handler uses for a fixed request (the first page; the first year group,
/// class and date with records; the first student), plus the two error bodies.
pub fn fixtures(school: &School) -> Vec<Fixture> {
    let index = Index::new(school);
    let view = View {
        school,
        index: &index,
        config: Config::default(),
        default_per_page: DEFAULT_PER_PAGE,
        faults: RecordFaults::default(),
        onboarding: OnboardingFaults::default(),
    };
    let writes = index.writes();
    let none = Params::default();
    let first_page = Params::of(&[("page", "1"), ("per_page", "100")]);

    let year = view.year_id().to_string();
    let (program, _) = view.program();
    let student = school
        .students
        .first()
        .map(|s| s.id.clone())
        .unwrap_or_default();
    let year_group = index
        .year_groups
        .first()
        .map(|&g| school.groups[g].id.clone())
        .unwrap_or_default();
    let first_day = school
        .attendance_range
        .and_then(|r| school.calendar.days_between(r.from(), r.to()).first())
        .map_or(school.academic_year.start_date, |d| d.date);
    // The first (date, class) with lesson marks; else the first class on the first day.
    let (class, class_day) = index
        .class_marks
        .keys()
        .min_by_key(|(class, date)| (*date, *class))
        .map(|(c, d)| (c.to_string(), *d))
        .unwrap_or_else(|| {
            let c = index
                .classes
                .first()
                .map(|&c| school.groups[c].id.clone())
                .unwrap_or_default();
            (c, first_day)
        });
    let term = view.term_id(0).to_string();
    let excusal = writes.excusals.first().cloned();
    let excusal_student = excusal
        .as_ref()
        .map_or(student.clone(), |e| e.student_id.to_string());
    let excusal_day = excusal.as_ref().map_or(first_day, |e| e.start);

    // Writes, on a scratch overlay, with fixed request bodies and a fixed clock.
    let mut scratch = index.writes();
    let clock = state::at_utc(first_day, 9, 30);
    let homeroom_body = json!({ "id": num(&student), "date": first_day.to_string(), "status": 2, "notes": "Arrived 10 minutes late" });
    let member = index
        .classes
        .iter()
        .find(|&&c| school.groups[c].id == class)
        .and_then(|&c| school.groups[c].student_ids.first())
        .map_or(0, |s| num(s));
    let class_body = json!({ "attendances": [
        { "student_id": member, "date": class_day.to_string(), "period": 1, "status": 1, "notes": "" },
        { "student_id": 1, "date": class_day.to_string(), "period": 1, "status": 1, "notes": "" },
    ] });
    // A day after the school's records, so it overlaps no generated excusal.
    let after = school
        .attendance_range
        .map_or(first_day, |r| r.to())
        .checked_add(jiff::Span::new().days(3))
        .unwrap_or(first_day);
    let excusal_body = json!({ "excusal": {
        "parent_id": parent_of(num(&student)),
        "start_date": after.to_string(),
        "end_date": after.to_string(),
        "comment": "Dentist appointment",
    } });
    let body = |v: Value| serde_json::to_vec(&v).unwrap_or_default();
    let write = |r: writes::Applied| r.map(|(v, _)| v);

    let rendered: Vec<(&str, render::Rendered)> = vec![
        ("ping", Ok(json!({ "pong": "ok" }))),
        (
            "auth_permissions",
            Ok(permissions(
                RecordFaults::default(),
                OnboardingFaults::default(),
            )),
        ),
        ("school", Ok(view.school())),
        ("academic_years", Ok(view.academic_years(&none))),
        ("academic_year", view.academic_year(program, &year)),
        ("academic_year_calendar", view.calendar(program, &year)),
        ("attendance_categories", view.attendance_categories(&year)),
        ("students", view.students(&first_page)),
        ("student", view.student(&student)),
        (
            "set_homeroom_attendance",
            write(writes::set_homeroom(
                &view,
                &mut scratch,
                &student,
                &body(homeroom_body),
            )),
        ),
        (
            "student_excusals",
            view.student_excusals(&writes, &excusal_student, &first_page),
        ),
        (
            "excusals_by_date",
            view.excusals_on(&writes, &excusal_day.to_string(), &first_page),
        ),
        (
            "excusal_create",
            write(writes::create_excusal(
                &view,
                &mut scratch,
                &student,
                &body(excusal_body),
                clock,
            )),
        ),
        ("teachers", view.teachers(&first_page)),
        (
            "teacher",
            view.teacher(
                &school
                    .staff
                    .first()
                    .map(|s| s.id.clone())
                    .unwrap_or_default(),
            ),
        ),
        ("year_groups", view.year_groups(&first_page)),
        ("year_group", view.year_group(&year_group)),
        (
            "year_group_students",
            view.year_group_students(&year_group, &first_page),
        ),
        (
            "homeroom_attendance_date",
            view.homeroom_attendance_date(&writes, &year_group, &first_day.to_string(), &none),
        ),
        (
            "homeroom_attendance_term",
            view.homeroom_attendance_term(&writes, &year_group, &term, &none),
        ),
        (
            "homeroom_attendance_adjustments",
            view.homeroom_adjustments(&year_group, &term),
        ),
        ("classes", view.classes(&first_page)),
        ("class", view.class(&class)),
        ("class_students", view.class_students(&class, &none)),
        ("class_teachers", view.class_teachers(&class, &none)),
        ("class_timetable", view.class_timetable(&class)),
        (
            "class_attendance_date",
            view.class_attendance_date(&writes, &class, &class_day.to_string(), &none),
        ),
        (
            "class_attendance_term",
            view.class_attendance_term(&writes, &class, &term, &none),
        ),
        (
            "class_attendance_update",
            write(writes::set_class_attendance(
                &view,
                &mut scratch,
                &class,
                &body(class_body),
            )),
        ),
        ("behavior_notes", view.behavior_notes(&first_page)),
        ("memberships", view.memberships(&first_page)),
        (
            "error_access_denied",
            Ok(json!({ "error": "Access Denied" })),
        ),
        ("error_not_found", view.class("0")),
    ];
    rendered
        .into_iter()
        .map(|(name, r)| Fixture {
            name: name.to_string(),
            body: r.unwrap_or_else(|e| e.body),
        })
        .collect()
}
