//! The school in ManageBac's wire format: pure functions from the school (plus what clients
//! wrote) to `serde_json` values. Handlers and `fixtures()` both call these, so a fixture is
//! exactly what the emulator serves.
//!
//! Shapes follow the endpoint list and examples of the ManageBac+ Public API spec (Faria's
//! OpenAPI file, v2p3) and of the v2p1 reference; fields the school has no value for are
//! omitted, not `null` ("Fields with null values are omitted … empty arrays and hashes are
//! preserved", the spec's `GET /students/{id}`).

use std::collections::BTreeMap;

use axum::http::StatusCode;
use jiff::Timestamp;
use jiff::civil::Date;
use mis_core::{AttendanceCategory, AttendanceMark, Gender};
use serde_json::{Map, Value, json};

use super::Config;
use super::state::{Excusal, Index, Writes, at_utc, duration, num, parent_of, year_number};
use crate::emulator::{OnboardingFaults, RecordFaults};
use crate::school::{Phase, Profile, School};

/// Largest `per_page` a client may ask for (the spec's `Meta`: "max 200").
pub(super) const MAX_PER_PAGE: usize = 200;
/// Rows actually served per page. "The API may return a number of records less than passed
/// in the request" (Faria's pagination notes): asking for 200 gets 100, and `meta` says so.
pub(super) const SERVED_PER_PAGE: usize = 100;
/// `per_page` when the client does not send one (the spec's `Meta`: "defaults to 100").
pub(super) const DEFAULT_PER_PAGE: usize = 100;

/// One attendance category of the tenant (the v2p1 reference's "Available statuses").
#[derive(Debug, Clone, Copy)]
pub(super) struct Category {
    /// `null` for the built-in statuses, an id for the school-defined ones.
    pub id: Option<u64>,
    /// The status id sent in records and accepted by writes.
    pub status: i64,
    /// The label records carry as `status`.
    pub label: &'static str,
    /// Short form.
    pub abbreviation: &'static str,
    /// Display colour.
    pub color: &'static str,
}

/// The tenant's categories: `0` Absent and `1` Present for every school, `2` Late and `-1`
/// Present (the unmarked default) in every example, then this school's own `3` Excused,
/// `4` Field Trip and `5` Health. Ids above 2 are tenant-defined (Faria's help centre: schools
/// select their own categories), which is why the v2p1 reference's "3 - Dress Code" list
/// does not apply here.
pub(super) const CATEGORIES: [Category; 7] = [
    cat(None, 1, "Present", "P", "#008800"),
    cat(None, 0, "Absent", "A", "#cc0000"),
    cat(None, 2, "Late", "L", "#ff9900"),
    cat(None, -1, "Present", "P", "#7fbf7f"),
    cat(Some(31), 3, "Excused", "E", "#3366cc"),
    cat(Some(32), 4, "Field Trip", "FT", "#8e44ad"),
    cat(Some(33), 5, "Health", "H", "#16a085"),
];

const fn cat(
    id: Option<u64>,
    status: i64,
    label: &'static str,
    abbreviation: &'static str,
    color: &'static str,
) -> Category {
    Category {
        id,
        status,
        label,
        abbreviation,
        color,
    }
}

/// The [`Profile::Variant`] tenant's categories: the list the vendor document gives for
/// `PUT /students/{id}/set_homeroom_attendance` ("Available statuses: 0 Absent, 1 Present,
/// 2 Late, 3 Dress Code, 4 Late & Dress Code, 5 Dismissed, 10 Health, 11 Sports,
/// 12 Fieldtrip, 13 Excused, 14 Other, 15–18 Custom 1–4"), with `-1` Present (the register's
/// default) as in every spec example. The four custom slots are not enabled.
pub(super) const VARIANT_CATEGORIES: [Category; 16] = [
    cat(None, 1, "Present", "P", "#008800"),
    cat(None, 0, "Absent", "A", "#cc0000"),
    cat(None, 2, "Late", "L", "#ff9900"),
    cat(None, -1, "Present", "P", "#7fbf7f"),
    cat(Some(41), 3, "Dress Code", "DC", "#996633"),
    cat(Some(42), 4, "Late & Dress Code", "LDC", "#cc6600"),
    cat(Some(43), 5, "Dismissed", "D", "#666666"),
    cat(Some(44), 10, "Health", "H", "#16a085"),
    cat(Some(45), 11, "Sports", "S", "#2980b9"),
    cat(Some(46), 12, "Fieldtrip", "F", "#8e44ad"),
    cat(Some(47), 13, "Excused", "E", "#3366cc"),
    cat(Some(48), 14, "Other", "O", "#999999"),
    cat(Some(49), 15, "Custom 1", "C1", "#cccccc"),
    cat(Some(50), 16, "Custom 2", "C2", "#cccccc"),
    cat(Some(51), 17, "Custom 3", "C3", "#cccccc"),
    cat(Some(52), 18, "Custom 4", "C4", "#cccccc"),
];

/// The category a school adds of its own under [`OnboardingFaults::school_code`]: status
/// `20`, labelled [`OnboardingFaults::SCHOOL_CODE_LABEL`], abbreviated
/// [`OnboardingFaults::SCHOOL_CODE`]. No label rule knows it, so it is the school's to map.
pub(super) const SCHOOL_CATEGORY: Category = cat(
    Some(60),
    20,
    OnboardingFaults::SCHOOL_CODE_LABEL,
    OnboardingFaults::SCHOOL_CODE,
    "#5d6d7e",
);

/// The category with status id `status` (the [`Profile::Standard`] tenant).
#[cfg(test)]
pub(super) fn category(status: i64) -> Option<&'static Category> {
    CATEGORIES.iter().find(|c| c.status == status)
}

/// The ManageBac status id for a school mark (the table in the module docs), or `None` for
/// marks ManageBac has no record for (not counted, no mark).
pub(super) fn status_for(mark: &AttendanceMark) -> Option<i64> {
    match mark.category {
        AttendanceCategory::Present if mark.late || mark.code == "L" => Some(2),
        AttendanceCategory::Present => Some(1),
        AttendanceCategory::ApprovedEducationalActivity => Some(4),
        AttendanceCategory::AuthorisedAbsence if mark.code == "I" || mark.code == "M" => Some(5),
        AttendanceCategory::AuthorisedAbsence => Some(3),
        AttendanceCategory::UnauthorisedAbsence => Some(0),
        _ => None,
    }
}

/// An error answer: status and the vendor's body (the spec's error shapes).
#[derive(Debug, Clone, PartialEq)]
pub(super) struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// JSON body.
    pub body: Value,
}

impl ApiError {
    /// 404 `{"error": "Couldn't find IbClass with 'id'=1001"}`.
    pub fn not_found(model: &str, id: impl std::fmt::Display) -> ApiError {
        ApiError {
            status: StatusCode::NOT_FOUND,
            body: json!({ "error": format!("Couldn't find {model} with 'id'={id}") }),
        }
    }

    /// 403 for a token without the endpoint's permission. The spec documents no 403; its
    /// one authorisation body is `AccessDeniedError`, `{"error": "Access Denied"}`, which is
    /// what a refused permission is rendered with here.
    pub fn forbidden() -> ApiError {
        ApiError {
            status: StatusCode::FORBIDDEN,
            body: json!({ "error": "Access Denied" }),
        }
    }

    /// 400 `{"error": "..."}`.
    pub fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError {
            status: StatusCode::BAD_REQUEST,
            body: json!({ "error": message.into() }),
        }
    }

    /// 400 `{"error": "Invalid payload data structure."}`.
    pub fn bad_payload() -> ApiError {
        ApiError::bad_request("Invalid payload data structure.")
    }

    /// 422 `{"errors": {field: [message]}}`.
    pub fn unprocessable(field: &str, message: impl Into<String>) -> ApiError {
        ApiError {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            body: json!({ "errors": { field: [message.into()] } }),
        }
    }
}

/// A rendered body or an error.
pub(super) type Rendered = Result<Value, ApiError>;

/// The query string as sent, repeated keys kept.
#[derive(Debug, Clone, Default)]
pub(super) struct Params(pub Vec<(String, String)>);

impl Params {
    /// Params from literal pairs (fixtures).
    pub fn of(pairs: &[(&str, &str)]) -> Params {
        Params(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        )
    }

    /// The first value of `key`.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// An id list: `key=1,2,3` and/or `key[]=1&key[]=2` (the spec: "accepts repeated params
    /// or a comma-separated string"). `None` when the parameter is absent.
    pub fn ids(&self, key: &str) -> Option<Vec<u64>> {
        let bracket = format!("{key}[]");
        let mut found = false;
        let mut out = Vec::new();
        for (k, v) in &self.0 {
            if k == key || *k == bracket {
                found = true;
                out.extend(v.split(',').filter_map(|x| x.trim().parse::<u64>().ok()));
            }
        }
        found.then_some(out)
    }

    /// A boolean flag (`true`/`1`, `false`/`0`).
    pub fn flag(&self, key: &str) -> Option<bool> {
        match self.get(key)?.trim().to_ascii_lowercase().as_str() {
            "true" | "1" => Some(true),
            "false" | "0" => Some(false),
            _ => None,
        }
    }

    /// An ISO 8601 time filter such as `modified_since`; 400 with the vendor's message when it
    /// does not parse (the spec's 400 example).
    pub fn since(&self, key: &str) -> Result<Option<Timestamp>, ApiError> {
        let Some(raw) = self.get(key) else {
            return Ok(None);
        };
        parse_time(raw).map(Some).ok_or_else(|| {
            ApiError::bad_request(format!(
                "Invalid {key} parameter: '{raw}' is not a valid time."
            ))
        })
    }
}

/// An ISO 8601 instant, a date-time without offset (UTC) or a date (midnight UTC).
fn parse_time(raw: &str) -> Option<Timestamp> {
    let raw = raw.trim();
    if let Ok(t) = raw.parse::<Timestamp>() {
        return Some(t);
    }
    if let Ok(dt) = raw.parse::<jiff::civil::DateTime>() {
        return dt
            .to_zoned_datetime(jiff::tz::TimeZone::UTC)
            .ok()
            .map(|z| z.timestamp());
    }
    raw.parse::<Date>().ok().map(|d| at_utc(d, 0, 0))
}

/// One page of a list (`page` from 1, `per_page`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Page {
    /// 1-based page number.
    pub number: usize,
    /// Rows per page actually served.
    pub per_page: usize,
}

impl Page {
    /// `page` and `per_page` from the query: bad or missing values fall back to page 1 and
    /// the default size; the size is capped at 200, then served at most 100 at a time.
    pub fn from(params: &Params, default_per_page: usize) -> Page {
        let positive = |key: &str| {
            params
                .get(key)
                .and_then(|v| v.trim().parse::<usize>().ok())
                .filter(|v| *v > 0)
        };
        let asked = positive("per_page")
            .unwrap_or(default_per_page.max(1))
            .min(MAX_PER_PAGE);
        Page {
            number: positive("page").unwrap_or(1),
            per_page: asked.min(SERVED_PER_PAGE),
        }
    }

    /// The rows of this page.
    pub fn slice<'a, T>(&self, rows: &'a [T]) -> &'a [T] {
        let start = (self.number - 1)
            .saturating_mul(self.per_page)
            .min(rows.len());
        let end = start.saturating_add(self.per_page).min(rows.len());
        &rows[start..end]
    }

    /// `meta` for `total` rows.
    pub fn meta(&self, total: usize) -> Value {
        json!({
            "current_page": self.number,
            "total_pages": total.div_ceil(self.per_page),
            "total_count": total,
            "per_page": self.per_page,
        })
    }
}

/// What the renderers read: the school, its lookups and the emulator's settings.
#[derive(Debug, Clone, Copy)]
pub(super) struct View<'a> {
    /// The school.
    pub school: &'a School,
    /// Its lookups.
    pub index: &'a Index,
    /// Per-instance settings.
    pub config: Config,
    /// `per_page` when the client sends none.
    pub default_per_page: usize,
    /// The deterministic record faults of the plan (none for fixtures); see the module docs
    /// of the emulator for what each one does here.
    pub faults: RecordFaults,
    /// The school's set-up faults of the plan (none for fixtures): module docs.
    pub onboarding: OnboardingFaults,
}

/// `2024-09-02T06:00:00.000Z`, the spec's timestamp style.
pub(super) fn iso(t: Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%S.000Z").to_string()
}

fn put(m: &mut Map<String, Value>, key: &str, value: Option<impl Into<Value>>) {
    if let Some(v) = value {
        m.insert(key.to_string(), v.into());
    }
}

impl View<'_> {
    fn page(&self, params: &Params) -> Page {
        Page::from(params, self.default_per_page)
    }

    /// Whether this school is served with the documented variants (module docs).
    pub fn variant(&self) -> bool {
        self.school.options.profile == Profile::Variant
    }

    /// The tenant's categories for this profile, then the school's own one under
    /// [`OnboardingFaults::school_code`].
    pub fn categories(&self) -> impl Iterator<Item = &'static Category> + use<> {
        let base: &'static [Category] = if self.variant() {
            &VARIANT_CATEGORIES
        } else {
            &CATEGORIES
        };
        base.iter()
            .chain(self.onboarding.school_code.then_some(&SCHOOL_CATEGORY))
    }

    /// The enabled category with status id `status` (the variant tenant's four custom
    /// slots, 15 to 18, are listed but not enabled).
    pub fn category(&self, status: i64) -> Option<&'static Category> {
        let variant = self.variant();
        self.categories()
            .find(|c| c.status == status && !(variant && (15..=18).contains(&c.status)))
    }

    /// Whether `student` is the school's first student on roll while the school has a
    /// category of its own ([`OnboardingFaults::school_code`]): every record of theirs
    /// carries it.
    fn has_school_code(&self, student: u64) -> bool {
        self.onboarding.school_code
            && self
                .school
                .students
                .iter()
                .zip(&self.school.enrolments)
                .find(|(_, e)| e.leaving_date.is_none())
                .is_some_and(|(s, _)| num(&s.id) == student)
    }

    /// The status a school mark of `student` on `date` is rendered with (the tables in the
    /// module docs), or `None` for no record.
    pub fn status_of(&self, mark: &AttendanceMark, student: u64, date: Date) -> Option<i64> {
        if self.has_school_code(student) {
            return status_for(mark).map(|_| SCHOOL_CATEGORY.status);
        }
        if !self.variant() {
            return status_for(mark);
        }
        // A deterministic tenth-or-so of days on which the pupil breaks the dress code.
        let dress_code = (student + u64::from(date.day().unsigned_abs()) * 7) % 11 == 0;
        Some(match mark.category {
            AttendanceCategory::Present if mark.late || mark.code == "L" => {
                if dress_code {
                    4
                } else {
                    2
                }
            }
            // Teachers mark only the exceptions: a present pupil keeps the default `-1`.
            AttendanceCategory::Present => {
                if dress_code {
                    3
                } else {
                    -1
                }
            }
            AttendanceCategory::ApprovedEducationalActivity if mark.code == "P" => 11,
            AttendanceCategory::ApprovedEducationalActivity => 12,
            // Illness the parent excused through the portal: the teacher marked the pupil
            // absent, and the excusal is what makes it authorised. Not on a day with a
            // genuinely unauthorised mark of the pupil, which the day's excusal would cover
            // too.
            AttendanceCategory::AuthorisedAbsence
                if (mark.code == "I" || mark.code == "M")
                    && self.index.excused(student, date)
                    && !self.index.unauthorised_days.contains(&(student, date)) =>
            {
                0
            }
            AttendanceCategory::AuthorisedAbsence if mark.code == "I" || mark.code == "M" => 10,
            AttendanceCategory::AuthorisedAbsence => 13,
            AttendanceCategory::UnauthorisedAbsence => 0,
            _ => return None,
        })
    }

    /// `{status: "Absent", note, category: {status: 0}}` (the spec's example), labelled with
    /// this tenant's category.
    pub fn record(&self, status: i64, note: &str) -> Value {
        let label = self.category(status).map_or("Other", |c| c.label);
        json!({ "status": label, "note": note, "category": { "status": status } })
    }

    /// `(code, name)` of the one program the school runs. A UK school is not an IB school, so
    /// it uses ManageBac's own programs (`hs`, `ps`: the codes the spec allows for subject
    /// groups).
    pub fn program(&self) -> (&'static str, &'static str) {
        match self.school.options.phase {
            Phase::Secondary => ("hs", "High School"),
            Phase::Primary => ("ps", "Primary School"),
        }
    }

    /// The academic year id (`2024` for 2024/2025).
    pub fn year_id(&self) -> u64 {
        num(&self.school.academic_year.id)
    }

    /// Term ids: the year id times ten plus the term's position (`20241` = autumn).
    pub fn term_id(&self, position: usize) -> u64 {
        self.year_id() * 10 + position as u64 + 1
    }

    /// The term (position in `school.terms`) with ManageBac id `id`.
    pub fn term(&self, id: u64) -> Option<usize> {
        (0..self.school.terms.len()).find(|p| self.term_id(*p) == id)
    }

    /// The date whose term is "active": the first day with records, else the year's start.
    fn today(&self) -> Date {
        self.school
            .attendance_range
            .map_or(self.school.academic_year.start_date, |r| r.from())
    }

    /// When reference data (year groups, classes, staff) was last changed: before term.
    fn setup_time(&self, days_before: i64) -> Timestamp {
        let start = self.school.academic_year.start_date;
        at_utc(
            start
                .checked_sub(jiff::Span::new().days(days_before))
                .unwrap_or(start),
            6,
            0,
        )
    }

    /// Period offset of this instance: keys and slots are `period + offset`
    /// (v2p1's `timetable.period_offset`; v2p3 numbers periods from 1).
    pub fn offset(&self) -> i64 {
        i64::from(self.config.period_starts_count_from) - 1
    }

    fn period_key(&self, period: u32) -> i64 {
        i64::from(period) + self.offset()
    }

    /// The `timetable` object v2p1 attendance responses carry.
    pub fn timetable_meta(&self) -> Value {
        json!({
            "period_starts_count_from": self.config.period_starts_count_from,
            "period_offset": self.offset(),
        })
    }

    /// `GET /school`.
    pub fn school(&self) -> Value {
        let (code, name) = self.program();
        let grades: Vec<Value> = self
            .index
            .year_groups
            .iter()
            .map(|&g| {
                json!({
                    "grade_number": year_number(self.school, g),
                    "name": self.school.groups[g].name,
                    "enabled": true,
                    "program": name,
                })
            })
            .collect();
        let subdomain: String = self
            .school
            .name
            .to_ascii_lowercase()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join("-");
        let mut school = json!({
            "school": {
                "subdomain": subdomain,
                "name": self.school.name,
                "country": "GB",
                "language": "en",
                "session_in_may": false,
                "programs": [{
                    "name": name,
                    "short_name": code.to_ascii_uppercase(),
                    "code": code,
                    "grades": grades,
                }],
                "enabled_programs": [{ "name": name, "code": code }],
            }
        });
        // The school's zone, as public clients of the live API read it from the school
        // record (module docs); absent when the school has set none.
        if !self.onboarding.missing_time_zone {
            school["school"]["timezone"] = self.school.time_zone.clone().into();
        }
        school
    }

    fn term_json(&self, position: usize, detail: bool) -> Value {
        let term = &self.school.terms[position];
        let today = self.today();
        let mut m = Map::new();
        m.insert("id".into(), self.term_id(position).into());
        if detail {
            m.insert("academic_year_id".into(), self.year_id().into());
        }
        m.insert("name".into(), term.name.clone().into());
        if !detail {
            let active = term.start_date <= today && today <= term.end_date;
            m.insert("active".into(), active.into());
        }
        m.insert("starts_on".into(), term.start_date.to_string().into());
        m.insert("ends_on".into(), term.end_date.to_string().into());
        if detail {
            m.insert("locked".into(), false.into());
        }
        m.insert("exam_grade".into(), false.into());
        m.insert("updated_at".into(), iso(self.setup_time(60)).into());
        Value::Object(m)
    }

    /// `GET /school/academic-years` (`program_code`, `active`): keyed by program code
    /// (the spec's example).
    pub fn academic_years(&self, params: &Params) -> Value {
        let (code, _) = self.program();
        let year = &self.school.academic_year;
        let mut programs = Map::new();
        let wanted = params.get("program_code").is_none_or(|p| p == code);
        // The school's only year is the current one, so `active=false` lists nothing.
        if wanted && params.flag("active") != Some(false) {
            let terms: Vec<Value> = (0..self.school.terms.len())
                .map(|p| self.term_json(p, false))
                .collect();
            programs.insert(
                code.to_string(),
                json!({
                    "academic_years": [{
                        "id": self.year_id(),
                        "name": year.name,
                        "active": true,
                        "starts_on": year.start_date.to_string(),
                        "ends_on": year.end_date.to_string(),
                        "updated_at": iso(self.setup_time(60)),
                        "academic_terms": terms,
                    }]
                }),
            );
        }
        json!({ "academic_years": programs })
    }

    fn check_year(&self, program: &str, id: &str) -> Result<(), ApiError> {
        if program != self.program().0 {
            return Err(ApiError::not_found("Program", program));
        }
        if id.parse::<u64>().ok() != Some(self.year_id()) {
            return Err(ApiError::not_found("AcademicYear", id));
        }
        Ok(())
    }

    /// `GET /school/programs/{program_code}/academic-years/{id}`.
    pub fn academic_year(&self, program: &str, id: &str) -> Rendered {
        self.check_year(program, id)?;
        let year = &self.school.academic_year;
        let terms: Vec<Value> = (0..self.school.terms.len())
            .map(|p| self.term_json(p, true))
            .collect();
        Ok(json!({
            "academic_year": {
                "id": self.year_id(),
                "name": year.name,
                "starts_on": year.start_date.to_string(),
                "ends_on": year.end_date.to_string(),
                "updated_at": iso(self.setup_time(60)),
                "program": program,
                "academic_terms": terms,
            }
        }))
    }

    /// `GET /school/programs/{program_code}/academic-years/{id}/calendar`: a 10-day rotation
    /// (the school's two-week timetable), one `rotation_day` per school day; weekends
    /// (`days_off`, Sunday = 0) and holidays have no entry.
    pub fn calendar(&self, program: &str, id: &str) -> Rendered {
        self.check_year(program, id)?;
        let year = &self.school.academic_year;
        let dates: Vec<Value> = self
            .school
            .calendar
            .days
            .iter()
            .map(|d| json!({ "date": d.date.to_string(), "rotation_day": rotation_day(d.week, d.date) }))
            .collect();
        Ok(json!({
            "calendar": {
                "start_date": year.start_date.to_string(),
                "end_date": year.end_date.to_string(),
                "calendar_type": "Rotation Cycle",
                "rotation_cycle": 10,
                "ignore_holidays": false,
                "days_off": [0, 6],
                "dates": dates,
            }
        }))
    }

    /// `GET /school/academic-years/{academic_year_id}/attendance_categories`.
    pub fn attendance_categories(&self, year: &str) -> Rendered {
        if year.parse::<u64>().ok() != Some(self.year_id()) {
            return Err(ApiError::not_found("AcademicYear", year));
        }
        let categories: Vec<Value> = self
            .categories()
            .map(|c| {
                json!({
                    "id": c.id,
                    "status": c.status,
                    "label": c.label,
                    "abbreviation": c.abbreviation,
                    "enabled": self.category(c.status).is_some(),
                    "color_code": c.color,
                })
            })
            .collect();
        Ok(json!({ "categories": categories }))
    }

    fn student_updated(&self, i: usize) -> Timestamp {
        let e = &self.school.enrolments[i];
        match e.leaving_date {
            Some(left) => at_utc(left, 17, 0),
            None => {
                let before_term = self
                    .school
                    .academic_year
                    .start_date
                    .checked_sub(jiff::Span::new().days(10))
                    .unwrap_or(e.admission_date);
                at_utc(e.admission_date.max(before_term), 6, 0)
            }
        }
    }

    fn graduating_year(&self, year_group: usize) -> i64 {
        i64::from(self.school.academic_year.end_date.year())
            + i64::from(self.index.last_year_number)
            - i64::from(year_number(self.school, year_group))
    }

    /// A student (the spec's example). `student_id` / `identifier` (the school's own id) carry
    /// the UPN; leavers are archived with `withdrawn_on` and no year group.
    pub fn student_json(&self, i: usize) -> Value {
        let s = &self.school.students[i];
        let e = &self.school.enrolments[i];
        let id = num(&s.id);
        let upn = s.upn().map(str::to_string);
        let mut m = Map::new();
        m.insert("id".into(), id.into());
        put(&mut m, "email", s.email.clone());
        m.insert("first_name".into(), s.first_name.clone().into());
        put(&mut m, "middle_name", s.middle_names.clone());
        m.insert("last_name".into(), s.last_name.clone().into());
        put(&mut m, "nickname", s.preferred_first_name.clone());
        m.insert("archived".into(), e.leaving_date.is_some().into());
        m.insert("ui_language".into(), "en".into());
        m.insert(
            "created_at".into(),
            iso(at_utc(e.admission_date, 7, 30)).into(),
        );
        m.insert("updated_at".into(), iso(self.student_updated(i)).into());
        put(&mut m, "student_id", upn.clone());
        put(&mut m, "identifier", upn);
        put(
            &mut m,
            "gender",
            s.gender.as_ref().map(|g| match g {
                Gender::Male => "Male".to_string(),
                Gender::Female => "Female".to_string(),
                other => capitalise(other.as_str()),
            }),
        );
        put(&mut m, "birthday", s.date_of_birth.map(|d| d.to_string()));
        m.insert("timezone".into(), self.school.time_zone.clone().into());
        m.insert("country".into(), "GB".into());
        m.insert("nationalities".into(), json!([]));
        m.insert("languages".into(), json!([]));
        m.insert("parent_ids".into(), json!([parent_of(id)]));
        let year = self.index.year_of.get(&id).copied();
        put(
            &mut m,
            "homeroom_advisor_id",
            self.index.tutor_of.get(&id).copied(),
        );
        put(
            &mut m,
            "year_group_id",
            year.map(|g| num(&self.school.groups[g].id)),
        );
        put(
            &mut m,
            "graduating_year",
            year.map(|g| self.graduating_year(g)),
        );
        put(
            &mut m,
            "withdrawn_on",
            e.leaving_date.map(|d| d.to_string()),
        );
        m.insert("role".into(), "Student".into());
        if self.faults.malformed_record && i == RecordFaults::MALFORMED_STUDENT {
            // One pupil's corrupt record: `birthday` as a bare number (`20100824`) instead of
            // the documented `"yyyy-mm-dd"` string, everything else (the id first) intact.
            // Rendered wherever the student is (list, show, year-group listing), as a real
            // server's one serializer would.
            let digits: Option<i64> = s
                .date_of_birth
                .and_then(|d| d.to_string().replace('-', "").parse().ok());
            m.insert("birthday".into(), digits.unwrap_or(20_100_824).into());
        }
        Value::Object(m)
    }

    /// `GET /students`: `ids`/`ids[]`, `archived`, `status`, `modified_since`,
    /// `deleted_since`, `year_group_ids`, `homeroom_advisor_ids`, `q`, `page`, `per_page`.
    pub fn students(&self, params: &Params) -> Rendered {
        let page = self.page(params);
        let since = params.since("modified_since")?;
        // Nobody is ever deleted in the synthetic school (leavers are archived): the
        // tombstone list is empty but well-formed.
        if params.since("deleted_since")?.is_some() {
            return Ok(json!({ "students": [], "meta": page.meta(0) }));
        }
        let ids = params.ids("ids");
        let archived = params.flag("archived");
        let status = params.get("status");
        let years = params.ids("year_group_ids");
        let advisors = params.ids("homeroom_advisor_ids");
        let q = params.get("q").map(|q| q.trim().to_lowercase());
        let rows: Vec<usize> = (0..self.school.students.len())
            .filter(|&i| {
                let s = &self.school.students[i];
                let id = num(&s.id);
                let left = self.school.enrolments[i].leaving_date.is_some();
                ids.as_ref().is_none_or(|ids| ids.contains(&id))
                    && archived.is_none_or(|a| a == left)
                    && status.is_none_or(|st| match st {
                        "enrolled" => !left,
                        "withdrawn" => left,
                        _ => false,
                    })
                    && years.as_ref().is_none_or(|ys| {
                        self.index
                            .year_of
                            .get(&id)
                            .is_some_and(|g| ys.contains(&num(&self.school.groups[*g].id)))
                    })
                    && advisors.as_ref().is_none_or(|ads| {
                        self.index
                            .tutor_of
                            .get(&id)
                            .is_some_and(|t| ads.contains(t))
                    })
                    && since.is_none_or(|t| self.student_updated(i) >= t)
                    && q.as_ref().is_none_or(|q| {
                        [
                            Some(&s.first_name),
                            Some(&s.last_name),
                            s.middle_names.as_ref(),
                            s.preferred_first_name.as_ref(),
                            s.email.as_ref(),
                        ]
                        .into_iter()
                        .flatten()
                        .map(String::as_str)
                        .chain(s.upn())
                        .any(|f| f.to_lowercase().contains(q.as_str()))
                    })
            })
            .collect();
        let students: Vec<Value> = page
            .slice(&rows)
            .iter()
            .map(|&i| self.student_json(i))
            .collect();
        Ok(json!({ "students": students, "meta": page.meta(rows.len()) }))
    }

    /// `GET /students/{id}`.
    pub fn student(&self, id: &str) -> Rendered {
        let i = self.student_pos(id)?;
        Ok(json!({ "student": self.student_json(i) }))
    }

    /// The position of student `id`, or the vendor's 404.
    pub fn student_pos(&self, id: &str) -> Result<usize, ApiError> {
        id.parse::<u64>()
            .ok()
            .and_then(|n| self.index.student_pos.get(&n).copied())
            .ok_or_else(|| ApiError::not_found("Student", id))
    }

    fn teacher_json(&self, i: usize) -> Value {
        let s = &self.school.staff[i];
        let mut m = Map::new();
        m.insert("id".into(), num(&s.id).into());
        put(&mut m, "email", s.email.clone());
        m.insert("first_name".into(), s.first_name.clone().into());
        m.insert("last_name".into(), s.last_name.clone().into());
        put(&mut m, "identifier", s.code.clone());
        m.insert("archived".into(), false.into());
        m.insert("timezone".into(), self.school.time_zone.clone().into());
        m.insert("nationalities".into(), json!([]));
        m.insert("languages".into(), json!([]));
        m.insert("created_at".into(), iso(self.setup_time(30)).into());
        m.insert("updated_at".into(), iso(self.setup_time(30)).into());
        m.insert("role".into(), "Teacher".into());
        Value::Object(m)
    }

    /// `GET /teachers`: `ids`/`ids[]`, `archived`, `modified_since`, `deleted_since`, `q`,
    /// `page`, `per_page`.
    pub fn teachers(&self, params: &Params) -> Rendered {
        let page = self.page(params);
        let since = params.since("modified_since")?;
        if params.since("deleted_since")?.is_some() || params.flag("archived") == Some(true) {
            return Ok(json!({ "teachers": [], "meta": page.meta(0) }));
        }
        let ids = params.ids("ids");
        let q = params.get("q").map(|q| q.trim().to_lowercase());
        let updated = self.setup_time(30);
        let rows: Vec<usize> = (0..self.school.staff.len())
            .filter(|&i| {
                let s = &self.school.staff[i];
                ids.as_ref().is_none_or(|ids| ids.contains(&num(&s.id)))
                    && since.is_none_or(|t| updated >= t)
                    && q.as_ref().is_none_or(|q| {
                        [Some(&s.first_name), Some(&s.last_name), s.email.as_ref()]
                            .into_iter()
                            .flatten()
                            .any(|f| f.to_lowercase().contains(q.as_str()))
                    })
            })
            .collect();
        let teachers: Vec<Value> = page
            .slice(&rows)
            .iter()
            .map(|&i| self.teacher_json(i))
            .collect();
        Ok(json!({ "teachers": teachers, "meta": page.meta(rows.len()) }))
    }

    /// `GET /teachers/{id}`.
    pub fn teacher(&self, id: &str) -> Rendered {
        let i = id
            .parse::<u64>()
            .ok()
            .and_then(|n| self.index.staff_pos.get(&n).copied())
            .ok_or_else(|| ApiError::not_found("Teacher", id))?;
        Ok(json!({ "teacher": self.teacher_json(i) }))
    }

    fn year_group_json(&self, g: usize) -> Value {
        let group = &self.school.groups[g];
        let (code, program) = self.program();
        let graduation = self.graduating_year(g);
        let ids: Vec<u64> = group.student_ids.iter().map(|s| num(s)).collect();
        json!({
            "id": num(&group.id),
            "name": group.name,
            "short_name": format!("Class of {graduation}"),
            "program": program,
            "program_code": code,
            "grade": group.name,
            "archived": false,
            "grade_number": year_number(self.school, g),
            "graduation_year": graduation,
            "student_ids": ids,
        })
    }

    /// The position of year group `id`, or the vendor's 404.
    pub fn year_group_pos(&self, id: &str) -> Result<usize, ApiError> {
        id.parse::<u64>()
            .ok()
            .and_then(|n| self.index.group_pos.get(&n).copied())
            .filter(|g| self.index.year_groups.contains(g))
            .ok_or_else(|| ApiError::not_found("YearGroup", id))
    }

    /// `GET /year-groups`: `modified_since`, `archived`, `student_ids`, `page`, `per_page`.
    pub fn year_groups(&self, params: &Params) -> Rendered {
        if self.faults.forbidden_auxiliary {
            // The token lacks `year_groups/index` (an API Manager permission): the list
            // answers 403. `GET /year-groups/{id}` and the homeroom registers keep theirs.
            return Err(ApiError::forbidden());
        }
        let page = self.page(params);
        let since = params.since("modified_since")?;
        let students = params.ids("student_ids");
        let updated = self.setup_time(14);
        let rows: Vec<usize> = self
            .index
            .year_groups
            .iter()
            .copied()
            .filter(|&g| {
                params.flag("archived") != Some(true)
                    && since.is_none_or(|t| updated >= t)
                    && students.as_ref().is_none_or(|ids| {
                        self.school.groups[g]
                            .student_ids
                            .iter()
                            .any(|s| ids.contains(&num(s)))
                    })
            })
            .collect();
        let groups: Vec<Value> = page
            .slice(&rows)
            .iter()
            .map(|&g| self.year_group_json(g))
            .collect();
        Ok(json!({ "year_groups": groups, "meta": page.meta(rows.len()) }))
    }

    /// `GET /year-groups/{id}`.
    pub fn year_group(&self, id: &str) -> Rendered {
        let g = self.year_group_pos(id)?;
        Ok(json!({ "year_group": self.year_group_json(g) }))
    }

    /// `GET /year-groups/{id}/students` (`student_ids`, `page`, `per_page`): the students
    /// with the extra year-group fields (the spec's example).
    pub fn year_group_students(&self, id: &str, params: &Params) -> Rendered {
        let g = self.year_group_pos(id)?;
        let page = self.page(params);
        let filter = params.ids("student_ids");
        let (code, program) = self.program();
        let group = &self.school.groups[g];
        let rows: Vec<usize> = group
            .student_ids
            .iter()
            .map(|s| num(s))
            .filter(|s| filter.as_ref().is_none_or(|f| f.contains(s)))
            .filter_map(|s| self.index.student_pos.get(&s).copied())
            .collect();
        let shown = page.slice(&rows);
        let students: Vec<Value> = shown
            .iter()
            .map(|&i| {
                let mut v = self.student_json(i);
                if let Some(m) = v.as_object_mut() {
                    m.insert("class_grade".into(), group.name.clone().into());
                    m.insert(
                        "class_grade_number".into(),
                        year_number(self.school, g).into(),
                    );
                    m.insert("program".into(), program.into());
                    m.insert("program_code".into(), code.into());
                }
                v
            })
            .collect();
        let ids: Vec<u64> = shown
            .iter()
            .map(|&i| num(&self.school.students[i].id))
            .collect();
        Ok(json!({ "meta": page.meta(rows.len()), "student_ids": ids, "students": students }))
    }

    /// The position of class `id`, or the vendor's 404 (the model is `IbClass`, as in the
    /// spec's example).
    pub fn class_pos(&self, id: &str) -> Result<usize, ApiError> {
        id.parse::<u64>()
            .ok()
            .and_then(|n| self.index.group_pos.get(&n).copied())
            .filter(|g| self.index.classes.contains(g))
            .ok_or_else(|| ApiError::not_found("IbClass", id))
    }

    /// The class whose timetable and attendance answer 404 under
    /// [`RecordFaults::missing_subresource`]: the first class of the student at
    /// [`RecordFaults::MISSING_STUDENT`] that has timetable slots (so the fault costs lessons
    /// and marks), or `None` when the fault is off or the student has no such class.
    pub fn missing_class(&self) -> Option<u64> {
        if !self.faults.missing_subresource {
            return None;
        }
        let student = &self.school.students.get(RecordFaults::MISSING_STUDENT)?.id;
        self.index
            .classes
            .iter()
            .map(|&c| &self.school.groups[c])
            .find(|g| {
                g.student_ids.contains(student)
                    && self.school.timetable.iter().any(|s| s.group_id == g.id)
            })
            .map(|g| num(&g.id))
    }

    /// The class `id` for its timetable and attendance routes: the vendor's 404 for an
    /// unknown class, and for the [missing class](View::missing_class) too (its record and
    /// memberships still answer: the fault is a class whose timetable and registers are gone,
    /// e.g. removed from the year's schedule after the class list was read).
    fn class_records(&self, id: &str) -> Result<usize, ApiError> {
        let c = self.class_pos(id)?;
        if self.missing_class() == Some(num(&self.school.groups[c].id)) {
            return Err(ApiError::not_found("IbClass", id));
        }
        Ok(c)
    }

    fn class_json(&self, c: usize) -> Value {
        let group = &self.school.groups[c];
        let id = num(&group.id);
        let (code, program) = self.program();
        let subject = group
            .subject
            .as_ref()
            .and_then(|name| self.school.subjects.iter().find(|s| &s.name == name));
        let mut m = Map::new();
        m.insert("id".into(), id.into());
        m.insert("name".into(), group.name.clone().into());
        m.insert("language".into(), "en".into());
        m.insert("uniq_id".into(), group.name.clone().into());
        m.insert("start_term_id".into(), self.term_id(0).into());
        m.insert(
            "end_term_id".into(),
            self.term_id(self.school.terms.len().saturating_sub(1))
                .into(),
        );
        m.insert("created_at".into(), iso(self.setup_time(14)).into());
        m.insert("updated_at".into(), iso(self.setup_time(14)).into());
        if let Some(&g) = self.index.class_year.get(&id) {
            m.insert("grade".into(), self.school.groups[g].name.clone().into());
            m.insert("grade_number".into(), year_number(self.school, g).into());
        }
        m.insert("applicable_levels".into(), json!([]));
        m.insert("program".into(), program.into());
        m.insert("program_code".into(), code.into());
        if let Some(s) = subject {
            m.insert("subject_id".into(), num(&s.id).into());
            m.insert("subject_name".into(), s.name.clone().into());
            m.insert(
                "subjects".into(),
                json!([{ "id": num(&s.id), "name": s.name }]),
            );
        }
        m.insert("archived".into(), false.into());
        let teachers: Vec<Value> = group
            .staff_ids
            .iter()
            .map(|t| json!({ "teacher_id": num(t), "show_on_reports": true, "teacher_archived": false }))
            .collect();
        m.insert("teachers".into(), teachers.into());
        Value::Object(m)
    }

    /// `GET /classes`: `modified_since`, `deleted_since`, `archived`, `page`, `per_page`.
    pub fn classes(&self, params: &Params) -> Rendered {
        let page = self.page(params);
        let since = params.since("modified_since")?;
        if params.since("deleted_since")?.is_some() || params.flag("archived") == Some(true) {
            return Ok(json!({ "classes": [], "meta": page.meta(0) }));
        }
        let updated = self.setup_time(14);
        let rows: Vec<usize> = self
            .index
            .classes
            .iter()
            .copied()
            .filter(|_| since.is_none_or(|t| updated >= t))
            .collect();
        let classes: Vec<Value> = page
            .slice(&rows)
            .iter()
            .map(|&c| self.class_json(c))
            .collect();
        Ok(json!({ "classes": classes, "meta": page.meta(rows.len()) }))
    }

    /// `GET /classes/{id}`.
    pub fn class(&self, id: &str) -> Rendered {
        let c = self.class_pos(id)?;
        Ok(json!({ "class": self.class_json(c) }))
    }

    /// `GET /classes/{id}/students` (`student_ids`, `include_archived_students`, paged).
    pub fn class_students(&self, id: &str, params: &Params) -> Rendered {
        let c = self.class_pos(id)?;
        let page = self.page(params);
        let filter = params.ids("student_ids");
        let rows: Vec<u64> = self.school.groups[c]
            .student_ids
            .iter()
            .map(|s| num(s))
            .filter(|s| filter.as_ref().is_none_or(|f| f.contains(s)))
            .collect();
        Ok(json!({
            "student_ids": page.slice(&rows),
            "student_levels": {},
            "meta": page.meta(rows.len()),
        }))
    }

    /// `GET /memberships` (`class_ids[]`, `user_ids[]`, `student_ids`, `class_happens_on`,
    /// `modified_since`, `deleted_since`, paged; the spec): one row per member of each
    /// class, students with `role: "Student"` and teachers with `role: "Teacher"`. Membership
    /// ids are the class id times 10,000 plus the member's position (stable, never reused).
    /// `class_happens_on` keeps the classes with a slot on that date's rotation day (none on a
    /// day the calendar does not list). Nobody leaves a class in the synthetic school, so
    /// `deleted_since` lists no tombstones.
    pub fn memberships(&self, params: &Params) -> Rendered {
        let page = self.page(params);
        let since = params.since("modified_since")?;
        if params.since("deleted_since")?.is_some() {
            return Ok(json!({ "memberships": [], "meta": page.meta(0) }));
        }
        let classes = params.ids("class_ids");
        let users = params.ids("user_ids");
        let students = params.ids("student_ids");
        let happens = match params.get("class_happens_on") {
            Some(raw) => {
                let date = parse_date(raw)?;
                let day = self
                    .school
                    .calendar
                    .days
                    .iter()
                    .find(|d| d.date == date)
                    .map(|d| (d.week, d.date.weekday().to_monday_one_offset()));
                Some(day)
            }
            None => None,
        };
        let updated = self.setup_time(14);
        if since.is_some_and(|t| updated < t) {
            return Ok(json!({ "memberships": [], "meta": page.meta(0) }));
        }
        let mut rows: Vec<(u64, u64, u64, &'static str)> = Vec::new();
        for &c in &self.index.classes {
            let group = &self.school.groups[c];
            let class = num(&group.id);
            if classes.as_ref().is_some_and(|f| !f.contains(&class)) {
                continue;
            }
            if let Some(day) = happens {
                let Some((week, weekday)) = day else { continue };
                let meets = self.school.timetable.iter().any(|s| {
                    s.group_id == group.id
                        && s.week == week
                        && i8::try_from(s.weekday).is_ok_and(|w| w == weekday)
                });
                if !meets {
                    continue;
                }
            }
            let members = group
                .student_ids
                .iter()
                .map(|s| (num(s), "Student"))
                .chain(group.staff_ids.iter().map(|t| (num(t), "Teacher")));
            for (position, (user, role)) in members.enumerate() {
                if users.as_ref().is_some_and(|f| !f.contains(&user)) {
                    continue;
                }
                if students
                    .as_ref()
                    .is_some_and(|f| role != "Student" || !f.contains(&user))
                {
                    continue;
                }
                rows.push((class * 10_000 + position as u64 + 1, user, class, role));
            }
        }
        let at = iso(updated);
        let shown: Vec<Value> = page
            .slice(&rows)
            .iter()
            .map(|&(id, user, class, role)| {
                let email = match role {
                    "Student" => self
                        .index
                        .student_pos
                        .get(&user)
                        .and_then(|&i| self.school.students[i].email.clone()),
                    _ => self
                        .index
                        .staff_pos
                        .get(&user)
                        .and_then(|&i| self.school.staff[i].email.clone()),
                };
                let mut m = Map::new();
                m.insert("id".into(), id.into());
                m.insert("user_id".into(), user.into());
                m.insert("created_at".into(), at.clone().into());
                m.insert("updated_at".into(), at.clone().into());
                m.insert("class_id".into(), class.into());
                put(&mut m, "user_email", email);
                m.insert("role".into(), role.into());
                Value::Object(m)
            })
            .collect();
        Ok(json!({ "memberships": shown, "meta": page.meta(rows.len()) }))
    }

    /// `GET /classes/{id}/teachers`.
    pub fn class_teachers(&self, id: &str, params: &Params) -> Rendered {
        let c = self.class_pos(id)?;
        let page = self.page(params);
        let joined = iso(self.setup_time(14));
        let rows: Vec<Value> = self.school.groups[c]
            .staff_ids
            .iter()
            .map(|t| {
                json!({
                    "id": num(t),
                    "show_on_reports": true,
                    "teacher_archived": false,
                    "first_joined_at": joined,
                    "updated_at": joined,
                })
            })
            .collect();
        Ok(json!({ "teachers": page.slice(&rows), "meta": page.meta(rows.len()) }))
    }

    /// `GET /classes/{id}/timetable`: slots by rotation day (1–10) and period, numbered the
    /// school's way in v2p1 (`period_starts_count_from`, the field v2p3 removed, says how).
    pub fn class_timetable(&self, id: &str) -> Rendered {
        let c = self.class_records(id)?;
        let group_id = &self.school.groups[c].id;
        let year = &self.school.academic_year;
        let slots: Vec<Value> = self
            .school
            .timetable
            .iter()
            .filter(|s| &s.group_id == group_id)
            .filter_map(|s| {
                let period: u32 = s.period_id.parse().ok()?;
                Some(json!({
                    "day": u32::from(s.week - 1) * 5 + u32::from(s.weekday),
                    "period": self.period_key(period),
                    "location": s.room,
                    "enabled": true,
                }))
            })
            .collect();
        Ok(json!({
            "timetable": {
                "period_starts_count_from": self.config.period_starts_count_from,
                "academic_years": [{
                    "id": self.year_id(),
                    "name": year.name,
                    "start_date": year.start_date.to_string(),
                    "end_date": year.end_date.to_string(),
                    "slots": slots,
                }],
            }
        }))
    }

    /// One class's records on one date: student → period (from 1) → (status, note), the
    /// school's lesson marks with what clients wrote on top.
    fn class_day(
        &self,
        writes: &Writes,
        class: u64,
        date: Date,
    ) -> BTreeMap<u64, BTreeMap<u32, (i64, String)>> {
        let mut out: BTreeMap<u64, BTreeMap<u32, (i64, String)>> = BTreeMap::new();
        for &(student, period, i) in self
            .index
            .class_marks
            .get(&(class, date))
            .into_iter()
            .flatten()
        {
            let mark = &self.school.lesson_marks[i];
            if let Some(status) = self.status_of(mark, student, date) {
                out.entry(student)
                    .or_default()
                    .insert(period, (status, mark.note.clone().unwrap_or_default()));
            }
        }
        for ((_, _, student, period), w) in writes
            .lessons
            .range((class, date, 0, 0)..=(class, date, u64::MAX, u32::MAX))
        {
            out.entry(*student)
                .or_default()
                .insert(*period, (w.status, w.notes.clone()));
        }
        out
    }

    fn in_year(&self, date: Date) -> Result<(), ApiError> {
        let year = &self.school.academic_year;
        if date < year.start_date || date > year.end_date {
            return Err(ApiError::unprocessable(
                "date",
                "out of class term date range",
            ));
        }
        Ok(())
    }

    /// `GET /classes/{id}/attendance/date/{date}` (`student_ids`): every (filtered) member,
    /// with a sparse object keyed by period number as a string (the spec's example), plus the
    /// v2p1 `timetable` numbering. Empty objects on days without records.
    pub fn class_attendance_date(
        &self,
        writes: &Writes,
        id: &str,
        date: &str,
        params: &Params,
    ) -> Rendered {
        let c = self.class_records(id)?;
        let date = parse_date(date)?;
        self.in_year(date)?;
        let class = num(&self.school.groups[c].id);
        let filter = params.ids("student_ids");
        let day = self.class_day(writes, class, date);
        let students: Vec<Value> = self.school.groups[c]
            .student_ids
            .iter()
            .map(|s| num(s))
            .filter(|s| filter.as_ref().is_none_or(|f| f.contains(s)))
            .map(|s| {
                let mut periods = Map::new();
                for (period, (status, note)) in day.get(&s).into_iter().flatten() {
                    periods.insert(
                        self.period_key(*period).to_string(),
                        self.record(*status, note),
                    );
                }
                json!({ "id": s, "attendance": periods })
            })
            .collect();
        Ok(json!({ "students": students, "timetable": self.timetable_meta() }))
    }

    /// `GET /classes/{id}/attendance/term/{term_id}` (`student_ids`): counts per label and
    /// per category over the term's school days.
    pub fn class_attendance_term(
        &self,
        writes: &Writes,
        id: &str,
        term: &str,
        params: &Params,
    ) -> Rendered {
        let c = self.class_records(id)?;
        let days = self.term_days(term)?;
        let class = num(&self.school.groups[c].id);
        let mut counts: BTreeMap<u64, BTreeMap<i64, u64>> = BTreeMap::new();
        for date in days {
            for (student, periods) in self.class_day(writes, class, date) {
                for (status, _) in periods.values() {
                    *counts
                        .entry(student)
                        .or_default()
                        .entry(*status)
                        .or_default() += 1;
                }
            }
        }
        let students = self.summaries(&self.school.groups[c].student_ids, params, &counts);
        Ok(json!({ "students": students, "timetable": self.timetable_meta() }))
    }

    fn term_days(&self, term: &str) -> Result<Vec<Date>, ApiError> {
        let position = term
            .parse::<u64>()
            .ok()
            .and_then(|t| self.term(t))
            .ok_or_else(|| ApiError::not_found("AcademicTerm", term))?;
        let term = &self.school.terms[position];
        Ok(self
            .school
            .calendar
            .days_between(term.start_date, term.end_date)
            .iter()
            .map(|d| d.date)
            .collect())
    }

    fn summaries(
        &self,
        members: &[String],
        params: &Params,
        counts: &BTreeMap<u64, BTreeMap<i64, u64>>,
    ) -> Vec<Value> {
        let filter = params.ids("student_ids");
        let empty = BTreeMap::new();
        members
            .iter()
            .map(|s| num(s))
            .filter(|s| filter.as_ref().is_none_or(|f| f.contains(s)))
            .map(|s| {
                let mine = counts.get(&s).unwrap_or(&empty);
                let mut by_label: BTreeMap<&str, u64> = BTreeMap::new();
                let mut by_category = Vec::new();
                for c in self.categories() {
                    if let Some(&n) = mine.get(&c.status) {
                        *by_label.entry(c.label).or_default() += n;
                        by_category
                            .push(json!({ "label": c.label, "status": c.status, "value": n }));
                    }
                }
                json!({ "id": s, "attendance": by_label, "attendance_categories": by_category })
            })
            .collect()
    }

    /// One student's homeroom record on `date`: what a client wrote, else the school's AM
    /// session mark (the day status; PM marks have no ManageBac homeroom slot).
    fn homeroom_record(&self, writes: &Writes, student: u64, date: Date) -> Option<(i64, String)> {
        if let Some(w) = writes.homeroom.get(&(student, date)) {
            return Some((w.status, w.notes.clone()));
        }
        let mark = &self.school.session_marks[*self.index.am_mark.get(&(date, student))?];
        Some((
            self.status_of(mark, student, date)?,
            mark.note.clone().unwrap_or_default(),
        ))
    }

    /// `GET /year-groups/{id}/homeroom/attendance/date/{date}` (`student_ids`): one flat
    /// record per student who has one (the spec's example).
    pub fn homeroom_attendance_date(
        &self,
        writes: &Writes,
        id: &str,
        date: &str,
        params: &Params,
    ) -> Rendered {
        let g = self.year_group_pos(id)?;
        let date = parse_date(date)?;
        let filter = params.ids("student_ids");
        let students: Vec<Value> = self.school.groups[g]
            .student_ids
            .iter()
            .map(|s| num(s))
            .filter(|s| filter.as_ref().is_none_or(|f| f.contains(s)))
            .filter_map(|s| match self.homeroom_record(writes, s, date) {
                Some((status, note)) => {
                    Some(json!({ "id": s, "attendance": self.record(status, &note) }))
                }
                // The variant lists every member, a day not taken as an empty array.
                None if self.variant() => Some(json!({ "id": s, "attendance": [] })),
                None => None,
            })
            .collect();
        Ok(json!({ "students": students }))
    }

    /// `GET /year-groups/{id}/homeroom/attendance/term/{term_id}` (`student_ids`).
    pub fn homeroom_attendance_term(
        &self,
        writes: &Writes,
        id: &str,
        term: &str,
        params: &Params,
    ) -> Rendered {
        let g = self.year_group_pos(id)?;
        let days = self.term_days(term)?;
        let members = &self.school.groups[g].student_ids;
        let mut counts: BTreeMap<u64, BTreeMap<i64, u64>> = BTreeMap::new();
        for date in days {
            for s in members.iter().map(|s| num(s)) {
                if let Some((status, _)) = self.homeroom_record(writes, s, date) {
                    *counts.entry(s).or_default().entry(status).or_default() += 1;
                }
            }
        }
        Ok(json!({ "students": self.summaries(members, params, &counts) }))
    }

    /// `GET /year-groups/{id}/homeroom/attendance/term/{term_id}/adjustments`: the school
    /// makes no manual adjustments.
    pub fn homeroom_adjustments(&self, id: &str, term: &str) -> Rendered {
        let g = self.year_group_pos(id)?;
        self.term_days(term)?;
        let students: Vec<Value> = self.school.groups[g]
            .student_ids
            .iter()
            .map(|s| json!({ "id": num(s), "attendance_adjustments": [] }))
            .collect();
        Ok(json!({ "students": students }))
    }

    /// `GET /students/{id}/excusals` (`applies_on`, paged).
    pub fn student_excusals(&self, writes: &Writes, id: &str, params: &Params) -> Rendered {
        let i = self.student_pos(id)?;
        let student = num(&self.school.students[i].id);
        let on = match params.get("applies_on") {
            Some(d) => Some(parse_date(d)?),
            None => None,
        };
        let rows: Vec<&Excusal> = writes
            .excusals
            .iter()
            .filter(|e| e.student_id == student && on.is_none_or(|d| e.applies_on(d)))
            .collect();
        let page = self.page(params);
        let shown: Vec<Value> = page.slice(&rows).iter().map(|e| excusal_json(e)).collect();
        Ok(json!({ "excusals": shown, "meta": page.meta(rows.len()) }))
    }

    /// `GET /students/excusals/{date}` (`student_ids`, paged).
    pub fn excusals_on(&self, writes: &Writes, date: &str, params: &Params) -> Rendered {
        let date = parse_date(date)?;
        let filter = params.ids("student_ids");
        let rows: Vec<&Excusal> = writes
            .excusals
            .iter()
            .filter(|e| {
                e.applies_on(date) && filter.as_ref().is_none_or(|f| f.contains(&e.student_id))
            })
            .collect();
        let page = self.page(params);
        let shown: Vec<Value> = page.slice(&rows).iter().map(|e| excusal_json(e)).collect();
        Ok(json!({ "excusals": shown, "meta": page.meta(rows.len()) }))
    }

    fn note_json(&self, position: usize) -> Value {
        let (e, student) = self.index.notes[position];
        let record = &self.school.behaviour[e];
        let event = &record.event;
        let mut m = Map::new();
        m.insert("id".into(), (position as u64 + 1).into());
        if let Some(&i) = self.index.student_pos.get(&student) {
            let s = &self.school.students[i];
            put(&mut m, "student_id", s.upn().map(str::to_string));
            m.insert("first_name".into(), s.first_name.clone().into());
            put(&mut m, "preferred_name", s.preferred_first_name.clone());
            m.insert("last_name".into(), s.last_name.clone().into());
            put(&mut m, "email", s.email.clone());
        }
        put(
            &mut m,
            "grade",
            self.index
                .year_of
                .get(&student)
                .map(|g| self.school.groups[*g].name.clone()),
        );
        if let Some(at) = &event.occurred_at {
            m.insert(
                "incident_time".into(),
                at.zoned()
                    .strftime("%Y-%m-%dT%H:%M:%S.000%:z")
                    .to_string()
                    .into(),
            );
        }
        put(&mut m, "behavior_type", event.category.clone());
        // Notes are HTML on the wire (the spec's behaviour note example).
        put(
            &mut m,
            "notes",
            event
                .notes
                .as_ref()
                .map(|n| format!("<p>{}</p>", html_escape(n))),
        );
        if let Some(&d) = self.index.detention.get(&(event.id.clone(), student)) {
            let detention = &self.school.detentions[d].detention;
            m.insert("next_step".into(), "Detention".into());
            m.insert("next_step_date".into(), detention.date.to_string().into());
        }
        let author = self
            .index
            .staff_pos
            .get(&num(&record.staff_id))
            .map(|&i| &self.school.staff[i]);
        m.insert("author_id".into(), num(&record.staff_id).into());
        put(
            &mut m,
            "reported_by",
            author.map(|a| format!("{} {}", a.first_name, a.last_name)),
        );
        put(
            &mut m,
            "homeroom_advisor",
            self.index
                .tutor_of
                .get(&student)
                .and_then(|t| self.index.staff_pos.get(t))
                .map(|&i| {
                    let t = &self.school.staff[i];
                    format!("{} {}", t.first_name, t.last_name)
                }),
        );
        m.insert("visible_to_parents".into(), true.into());
        m.insert("visible_to_students".into(), false.into());
        let logged = self.note_time(position);
        m.insert("created_at".into(), iso(logged).into());
        m.insert("updated_at".into(), iso(logged).into());
        Value::Object(m)
    }

    /// When a note was logged: five minutes after the incident.
    fn note_time(&self, position: usize) -> Timestamp {
        let (e, _) = self.index.notes[position];
        let event = &self.school.behaviour[e].event;
        let at = event
            .occurred_at
            .as_ref()
            .map_or_else(|| at_utc(event.date, 12, 0), |t| t.timestamp());
        at.checked_add(jiff::SignedDuration::from_mins(5))
            .unwrap_or(at)
    }

    /// `GET /behavior/notes` (`modified_since`, `student_ids`, paged): one note per student
    /// of each event, since ManageBac notes are about one student.
    pub fn behavior_notes(&self, params: &Params) -> Rendered {
        if self.onboarding.disabled_module {
            return Err(ApiError::forbidden());
        }
        let page = self.page(params);
        let since = params.since("modified_since")?;
        let filter = params.ids("student_ids");
        let rows: Vec<usize> = (0..self.index.notes.len())
            .filter(|&p| {
                filter
                    .as_ref()
                    .is_none_or(|f| f.contains(&self.index.notes[p].1))
                    && since.is_none_or(|t| self.note_time(p) >= t)
            })
            .collect();
        let notes: Vec<Value> = page
            .slice(&rows)
            .iter()
            .map(|&p| self.note_json(p))
            .collect();
        Ok(json!({ "behavior_notes": notes, "meta": page.meta(rows.len()) }))
    }
}

/// An excusal as the spec writes it.
pub(super) fn excusal_json(e: &Excusal) -> Value {
    json!({
        "id": e.id,
        "student_id": e.student_id,
        "parent_id": e.parent_id,
        "start_date": e.start.to_string(),
        "end_date": e.end.to_string(),
        "duration": e.duration(),
        "comment": e.comment,
        "created_at": iso(e.created_at),
        "updated_at": iso(e.updated_at),
    })
}

/// A `yyyy-mm-dd` path or query date, or 400.
pub(super) fn parse_date(raw: &str) -> Result<Date, ApiError> {
    raw.trim().parse::<Date>().map_err(|_| {
        ApiError::bad_request(format!(
            "Invalid date parameter: '{raw}' is not a valid date."
        ))
    })
}

/// Rotation day 1–10 of a school day: week 1 Monday = 1 … week 2 Friday = 10.
pub(super) fn rotation_day(week: u8, date: Date) -> u32 {
    u32::from(week.saturating_sub(1)) * 5 + date.weekday().to_monday_one_offset() as u32
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Validation shared by excusal writes: 1–12 days, no overlap with another excusal of the
/// student (the spec's excusal endpoint and its 422 messages).
pub(super) fn check_excusal(writes: &Writes, candidate: &Excusal) -> Result<(), ApiError> {
    let days = duration(candidate.start, candidate.end);
    if !(1..=12).contains(&days) {
        return Err(ApiError::unprocessable(
            "duration",
            "The duration must be a positive number, and it must be between 1 and 12, inclusively",
        ));
    }
    let overlaps = writes.excusals.iter().any(|e| {
        e.id != candidate.id
            && e.student_id == candidate.student_id
            && e.start <= candidate.end
            && candidate.start <= e.end
    });
    if overlaps {
        return Err(ApiError::unprocessable(
            "duration",
            "The selected duration overlaps with another attendance excusal. Please adjust so that the duration is up to 1 day.",
        ));
    }
    Ok(())
}
