//! The synthetic school in ClassCharts' wire format: one function per endpoint, shared by the
//! HTTP handlers and by [`super::fixtures`], so a fixture is exactly what the emulator serves.
//!
//! Shapes follow the community's sources — the api-docs schemas, the classcharts-api-js types
//! and the classcharts-rs fixtures (recorded answers, lightly anonymised) — written here with
//! `json!` and never from a vendor crate's types.

use std::collections::{BTreeMap, BTreeSet};

use jiff::ToSpan;
use jiff::civil::{Date, DateTime as Civil, Time};
use jiff::tz::TimeZone;
use mis_core::{
    AttendanceCategory, AttendanceMark, DetentionStatus, GroupKind, Polarity, Session, Staff,
    Student,
};
use serde_json::{Map, Value, json};

use super::state::{Accounts, Api, Who, Writes, hash};
use crate::Profile;
use crate::emulator::{OnboardingFaults, RecordFaults};
use crate::school::{BehaviourRecord, ClosureKind, HomeworkRecord, School, TimetableSlot};

/// `meta.version` on `/ping` (the api-docs OpenAPI version, "28.7.1").
pub(super) const VERSION: &str = "28.7.1";

/// Activity points per page (api-docs: "Lists up to 50 activity points").
pub(super) const PAGE_SIZE: usize = 50;

/// Homework status ids are `homework id × STATUS_BASE + pupil id`, so `/homeworkticked/{id}`
/// can find both again.
const STATUS_BASE: u64 = 1_000_000;

// ---------------------------------------------------------------------------------------------
// Envelopes (every client reads `success`, `data`, `meta`; errors add `error`, `expired`).

/// `{"success":1,"data":…,"meta":…}`. `success` is an integer, not a boolean.
pub(super) fn ok(data: Value, meta: Value) -> Value {
    json!({ "success": 1, "data": data, "meta": meta })
}

/// `{"success":0,"error":…,"expired":0|1,"meta":[]}` — sent with HTTP 200 (the legacy docs:
/// "Classcharts doesn't return a different status code if you do something wrong").
pub(super) fn error(message: &str, expired: bool) -> Value {
    json!({ "success": 0, "error": message, "expired": u8::from(expired), "meta": [] })
}

/// `meta: []`: PHP's empty array, sent where there is nothing to say (api-docs schemas).
fn none() -> Value {
    json!([])
}

/// An id as a JSON number (ClassCharts ids are integers), or the string if it is not one.
pub(super) fn num(id: &str) -> Value {
    id.parse::<u64>()
        .map_or_else(|_| Value::from(id), Value::from)
}

fn id_u64(id: &str) -> u64 {
    id.parse()
        .unwrap_or_else(|_| hash(0, &[id]) % 1_000_000_000)
}

fn yes_no(b: bool) -> &'static str {
    if b { "yes" } else { "no" }
}

/// A PHP associative array: `{…}`, or `[]` when empty (reason maps and `meta` come as `[]`
/// when empty in the classcharts-rs fixtures).
fn php_map(map: Map<String, Value>) -> Value {
    if map.is_empty() {
        none()
    } else {
        Value::Object(map)
    }
}

/// The sandbox's "today": the last day with records (detention statuses use the same date).
pub(super) fn today(school: &School) -> Date {
    school
        .attendance_range
        .map_or(school.academic_year.start_date, |r| r.to())
}

/// A date range from a query (`from`, `to`, both inclusive).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Window {
    /// First date.
    pub from: Date,
    /// Last date.
    pub to: Date,
}

impl Window {
    /// The window when the client gives none: the academic year so far (inferred: the real
    /// defaults are not documented).
    pub(super) fn default_for(school: &School) -> Window {
        Window {
            from: school.academic_year.start_date,
            to: today(school),
        }
    }

    /// Every date.
    fn all() -> Window {
        Window {
            from: Date::MIN,
            to: Date::MAX,
        }
    }

    fn contains(self, d: Date) -> bool {
        self.from <= d && d <= self.to
    }
}

/// `from`/`to` for the homework list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum DisplayDate {
    /// By the date set (the default, api-docs).
    Issue,
    /// By the due date.
    Due,
}

// ---------------------------------------------------------------------------------------------
// Times.

fn zoned(school: &School, at: Civil) -> jiff::ZonedDateTime {
    school
        .tz()
        .to_ambiguous_zoned_datetime(at)
        .compatible()
        .expect("school times are never in a DST gap")
}

/// `2023-09-26T08:45:00+01:00`: ISO with the school's offset (lesson times, as recorded).
fn with_offset(school: &School, at: Civil) -> String {
    mis_core::DateTime::new(zoned(school, at)).to_string()
}

/// `2023-08-24T23:00:00+00:00`: the local instant written in UTC, as activity meta dates
/// are (a classcharts-rs fixture: the window starts at local midnight in BST).
fn in_utc(school: &School, at: Civil) -> String {
    zoned(school, at)
        .with_time_zone(TimeZone::UTC)
        .strftime("%Y-%m-%dT%H:%M:%S+00:00")
        .to_string()
}

/// `2023-09-26T00:00:00+00:00`: a date and time written with `+00:00` whatever the season,
/// as the timetable, behaviour and attendance meta dates are in the fixtures.
fn plain(date: Date, time: &str) -> String {
    format!("{date}T{time}+00:00")
}

fn hms(t: Time) -> String {
    t.strftime("%H:%M:%S").to_string()
}

fn monday_of(d: Date) -> Date {
    let back = i64::from(d.weekday().to_monday_zero_offset());
    d.checked_sub(back.days()).unwrap_or(d)
}

fn plus_days(d: Date, n: i64) -> Date {
    d.checked_add(n.days()).unwrap_or(d)
}

fn weekday_abbr(d: Date) -> &'static str {
    ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"][d.weekday().to_monday_zero_offset() as usize]
}

fn full_name(s: &Student) -> String {
    format!("{} {}", s.first_name, s.last_name)
}

/// A percentage as ClassCharts writes it: a string, `"100"` or `"96.7"`.
fn percent(attended: usize, possible: usize) -> String {
    if possible == 0 {
        // A day of `#` (school closed) shows "100" in a classcharts-rs fixture.
        return "100".to_string();
    }
    let p = (attended as f64 * 1000.0 / possible as f64).round() / 10.0;
    let s = format!("{p:.1}");
    s.strip_suffix(".0").map_or(s.clone(), str::to_string)
}

// ---------------------------------------------------------------------------------------------
// Attendance status (DfE category → ClassCharts `status`).

/// The key of a lesson register: the period's label (`P1`, as the timetable's
/// `period_number`), or in the variant profile the school's own register name `Period 1`
/// (classcharts-api-js PR #34: school-defined keys such as `"Period 1"`, `"Period Tut"`).
pub(super) fn register_key(label: &str, variant: bool) -> String {
    if !variant {
        return label.to_string();
    }
    let rest = label
        .strip_prefix('P')
        .filter(|r| !r.is_empty())
        .unwrap_or(label);
    format!("Period {rest}")
}

/// The `status` sent beside a mark's DfE `code`; see the table in the module docs.
///
/// ClassCharts is a UK product and sends the school's DfE code as is; `status` is its own
/// coarse label (`yes|present|ignore|no|absent|excused|late`, classcharts-api-js types). The
/// label is chosen so that mis-core's label rules (`mis_core::codes::label_category`) never
/// contradict the code: `late` only for
/// `L` (present + late), `excused` for authorised, `absent` for unauthorised (including `U`,
/// whose lateness the code itself says), `present` for present and approved educational
/// activity (both count as attendance; no label means "off-site activity"), `ignore` for
/// not-counted codes (the fixture's `#`), `no` for a register nobody filled in.
pub(super) fn status_for(mark: &AttendanceMark) -> &'static str {
    match mark.category {
        AttendanceCategory::Present if mark.late => "late",
        AttendanceCategory::Present | AttendanceCategory::ApprovedEducationalActivity => "present",
        AttendanceCategory::AuthorisedAbsence => "excused",
        AttendanceCategory::UnauthorisedAbsence => "absent",
        AttendanceCategory::NoMark => "no",
        _ => "ignore",
    }
}

// ---------------------------------------------------------------------------------------------
// Static catalogues: the school's reward shop, parent behaviours, badges.

/// One item of the reward shop: (id, name, description, price, once per pupil, stock when
/// stock-controlled).
type Reward = (u64, &'static str, &'static str, i64, bool, Option<u32>);

/// The school's reward shop.
const REWARDS: &[Reward] = &[
    (
        84561,
        "Homework pass",
        "Skip one homework task.",
        20,
        true,
        None,
    ),
    (
        84562,
        "Stationery pack",
        "Pen, pencil and ruler.",
        10,
        false,
        Some(25),
    ),
    (
        84563,
        "Lunch queue pass",
        "Jump the lunch queue for a day.",
        5,
        false,
        None,
    ),
    (
        84564,
        "Postcard home",
        "A postcard home from your tutor.",
        3,
        false,
        None,
    ),
];

/// Behaviours a parent may award at home (api-docs `parent_behaviour/point.yaml`).
pub(super) const PARENT_BEHAVIOURS: &[(u64, &str, &str)] = &[
    (436310, "Remarkable Reader", "reading2"),
    (436311, "Helpful at Home", "helping"),
    (436312, "Homework Hero", "homework"),
    (436313, "Kindness", "heart"),
];

/// (id, name, colour): a badge for a pupil's first positive point, one for every 3-point award.
const BADGES: &[(u64, &str, &str)] = &[
    (59001, "Off to a flying start", "#2e7d32"),
    (59002, "Star performer", "#f9a825"),
];

/// The reward with this id.
pub(super) fn reward(id: u64) -> Option<(u64, i64, bool, Option<u32>)> {
    REWARDS
        .iter()
        .find(|r| r.0 == id)
        .map(|r| (r.0, r.3, r.4, r.5))
}

/// A homework status id.
pub(super) fn status_id(homework_id: u64, pupil_id: u64) -> u64 {
    homework_id * STATUS_BASE + pupil_id
}

/// (homework id, pupil id) of a status id.
pub(super) fn split_status_id(status: u64) -> (u64, u64) {
    (status / STATUS_BASE, status % STATUS_BASE)
}

// ---------------------------------------------------------------------------------------------
// One point on a pupil's activity feed.

struct Point<'a> {
    id: u64,
    at: Civil,
    score: i64,
    polarity: Polarity,
    reason: String,
    teacher: String,
    lesson: Option<String>,
    room: Option<String>,
    note: Option<String>,
    by_parent: bool,
    record: Option<&'a BehaviourRecord>,
}

/// Renders the school for one emulator (or one fixture run).
pub(super) struct View<'a> {
    /// The school.
    pub school: &'a School,
    /// Who can log in.
    pub accounts: &'a Accounts,
    /// The writes applied so far.
    pub writes: &'a Writes,
    /// Activity points per page.
    pub page_size: usize,
    /// The record faults served (none for fixtures).
    pub records: RecordFaults,
    /// How the school is set up wrong (nothing for fixtures; module docs, "Onboarding
    /// faults").
    pub onboarding: OnboardingFaults,
}

impl View<'_> {
    /// Whether the school is served with the recorded variants ([`Profile::Variant`], module
    /// docs "Variant profile").
    pub(super) fn variant(&self) -> bool {
        self.school.options.profile == Profile::Variant
    }

    /// Whether pupil `p`'s record in the parent's `/pupils` list is served corrupt.
    fn malformed(&self, p: usize) -> bool {
        self.records.malformed_record && p == RecordFaults::MALFORMED_STUDENT
    }

    /// Whether pupil `p`'s school hides the timetable module (`display_timetable: false`):
    /// `/timetable` refuses that pupil and lesson registers come without the lesson's name.
    pub(super) fn timetable_hidden(&self, p: usize) -> bool {
        self.records.forbidden_auxiliary && p == RecordFaults::MISSING_STUDENT
    }

    /// Whether the school switched the homework module off (`disabled_module`): every
    /// pupil object says `display_homework: false` and `/homeworks` refuses.
    pub(super) fn homework_disabled(&self) -> bool {
        self.onboarding.disabled_module
    }

    /// Whether pupil `p`'s session registers carry the school's own code (`school_code`):
    /// the school's first pupil on roll, the one whose login the sandbox hands out.
    fn school_code_on(&self, p: usize) -> bool {
        self.onboarding.school_code && p == self.accounts.student
    }

    /// Whether pupil `p`'s activity feed answers "not found".
    pub(super) fn activity_missing(&self, p: usize) -> bool {
        self.records.missing_subresource && p == RecordFaults::MISSING_STUDENT
    }

    fn student(&self, p: usize) -> &Student {
        &self.school.students[p]
    }

    fn pupil_id(&self, p: usize) -> u64 {
        id_u64(&self.student(p).id)
    }

    fn staff(&self, id: &str) -> Option<&Staff> {
        self.school.staff_member(id)
    }

    fn teaching_groups(&self, p: usize) -> Vec<&mis_core::Group> {
        let id = &self.student(p).id;
        self.school
            .groups_of(GroupKind::Teaching)
            .filter(|g| g.student_ids.contains(id))
            .collect()
    }

    /// The pupil's timetable slots on `date`, in period order (none on a non-school day).
    fn slots_on(&self, p: usize, date: Date) -> Vec<&TimetableSlot> {
        let Some(day) = self.school.calendar.day(date) else {
            return Vec::new();
        };
        let weekday = date.weekday().to_monday_one_offset() as u8;
        let groups: BTreeSet<&str> = self
            .teaching_groups(p)
            .into_iter()
            .map(|g| g.id.as_str())
            .collect();
        self.school
            .timetable
            .iter()
            .filter(|s| {
                s.week == day.week && s.weekday == weekday && groups.contains(s.group_id.as_str())
            })
            .collect()
    }

    fn period(&self, id: &str) -> Option<&crate::school::Period> {
        self.school.periods.iter().find(|p| p.id == id)
    }

    // -----------------------------------------------------------------------------------------
    // Users.

    /// The student object of `/ping` → `data.user` (classcharts-api-js types, api-docs).
    pub(super) fn student_user(&self, p: usize) -> Value {
        let s = self.student(p);
        let today = today(self.school);
        let birthday = s
            .date_of_birth
            .is_some_and(|d| (d.month(), d.day()) == (today.month(), today.day()));
        let mut m = Map::new();
        let mut put = |k: &str, v: Value| {
            m.insert(k.to_string(), v);
        };
        put("id", num(&s.id));
        put("name", full_name(s).into());
        put("first_name", s.first_name.clone().into());
        put("last_name", s.last_name.clone().into());
        put(
            "avatar_url",
            "https://www.classcharts.com/img/avatars/default.png".into(),
        );
        // Every module the emulator serves is switched on; new display_* flags keep appearing
        // on the real API, so clients must default the ones they do not know.
        for flag in [
            "display_behaviour",
            "display_parent_behaviour",
            "display_homework",
            "display_rewards",
            "display_detentions",
            "display_report_cards",
            "display_classes",
            "display_announcements",
            "display_academic_reports",
            "display_attendance",
            "display_attendance_percentage",
            "display_activity",
            "display_timetable",
            "display_absences",
            "display_event_badges",
            "display_avatars",
            "display_custom_fields",
        ] {
            put(flag, true.into());
        }
        if self.timetable_hidden(p) {
            put("display_timetable", false.into());
        }
        if self.homework_disabled() {
            put("display_homework", false.into());
        }
        for flag in [
            "display_mental_health",
            "display_mental_health_no_tracker",
            "display_two_way_communications",
            "display_concern_submission",
            "is_disabled",
            "allow_pupils_add_timetable_notes",
            "has_new_survey",
        ] {
            put(flag, false.into());
        }
        // A string, not a bool (recorded answers say "instance"; the mock server got it wrong).
        put("display_attendance_type", "instance".into());
        // bool | null: null here, so clients meet the null.
        put("can_upload_attachments", Value::Null);
        put("pupil_concerns_help_text", "".into());
        put("announcements_count", self.announcement_list().len().into());
        put("messages_count", 0.into());
        put(
            "pusher_channel_name",
            format!("pupil_{:x}", hash(self.school.seed, &["pusher", &s.id])).into(),
        );
        put("has_birthday", birthday.into());
        put("survey_id", Value::Null);
        put("detention_alias_plural_uc", "Detentions".into());
        Value::Object(m)
    }

    /// A pupil of the parent's `/pupils`: the student object plus the school, its time zone
    /// and counters (classcharts-api-js types, "Pupil").
    pub(super) fn pupil(&self, p: usize) -> Value {
        let mut v = self.student_user(p);
        let detentions = self.detentions_of(p, None);
        let count_d = |s: &str| detentions.iter().filter(|d| d.1 == s).count();
        let states: Vec<Option<&str>> = self
            .homework_of(p)
            .map(|hw| self.homework_state(hw, self.pupil_id(p)))
            .collect();
        let count_h = |s: Option<&str>| states.iter().filter(|x| **x == s).count();
        let m = v.as_object_mut().expect("an object");
        let school = self.school;
        for (k, val) in [
            ("school_name", Value::from(school.name.clone())),
            (
                "school_logo",
                format!(
                    "https://www.classcharts.com/img/school-logos/{}.png",
                    school.urn
                )
                .into(),
            ),
            // The school's time zone: the one place ClassCharts says it. A school that never
            // set one (`missing_time_zone`) sends none: the key is left out below.
            ("timezone", school.time_zone.clone().into()),
            ("display_covid_tests", false.into()),
            ("can_record_covid_tests", false.into()),
            ("detention_yes_count", count_d("yes").into()),
            ("detention_no_count", count_d("no").into()),
            ("detention_pending_count", count_d("pending").into()),
            ("detention_upscaled_count", count_d("upscaled").into()),
            ("homework_todo_count", count_h(None).into()),
            ("homework_late_count", count_h(Some("late")).into()),
            (
                "homework_not_completed_count",
                count_h(Some("not_completed")).into(),
            ),
            ("homework_excused_count", 0.into()),
            (
                "homework_completed_count",
                count_h(Some("completed")).into(),
            ),
            ("homework_submitted_count", 0.into()),
        ] {
            m.insert(k.to_string(), val);
        }
        if self.onboarding.missing_time_zone {
            m.remove("timezone");
        }
        v
    }

    /// `data` of the parent login and of the parent `/ping` (api-docs issue #2).
    pub(super) fn parent_user(&self) -> Value {
        let parent = &self.accounts.parent;
        json!({
            "id": parent.id,
            "name": parent.name(),
            "email": parent.email,
            "language": null,
            "isEmailVerified": true,
        })
    }

    /// `POST /apiv2student/login` (api-docs): the user object, the session in `meta`.
    pub(super) fn student_login(&self, p: usize, session: &str) -> Value {
        ok(self.student_user(p), json!({ "session_id": session }))
    }

    /// `POST /apiv2parent/login`.
    pub(super) fn parent_login(&self, session: &str) -> Value {
        ok(self.parent_user(), json!({ "session_id": session }))
    }

    /// `POST /ping`: `data.user`, `meta.version`, and the new `meta.session_id` unless the
    /// client sent `include_data=false` (api-docs, the community mock server).
    pub(super) fn ping(&self, who: Who, session: Option<&str>) -> Value {
        let user = match who {
            Who::Student(p) => self.student_user(p),
            Who::Parent => self.parent_user(),
        };
        let mut meta = json!({ "version": VERSION });
        if let Some(s) = session {
            meta["session_id"] = s.into();
        }
        ok(json!({ "user": user }), meta)
    }

    /// `GET /apiv2parent/pupils`: `meta` is `[]`.
    pub(super) fn pupils(&self) -> Value {
        let list: Vec<Value> = self
            .accounts
            .parent
            .pupils
            .iter()
            .map(|&p| {
                let mut v = self.pupil(p);
                if self.malformed(p) {
                    // One corrupt pupil record (the `malformed_record` fault): a name field
                    // holding a list where every record has a string, the id intact — a
                    // PHP array serialised in place of its one value.
                    v["first_name"] = json!([self.student(p).first_name]);
                }
                v
            })
            .collect();
        ok(list.into(), none())
    }

    // -----------------------------------------------------------------------------------------
    // Behaviour points.

    fn room_of(&self, rec: &BehaviourRecord) -> Option<String> {
        let date = rec.event.date;
        let day = self.school.calendar.day(date)?;
        let weekday = date.weekday().to_monday_one_offset() as u8;
        self.school
            .timetable
            .iter()
            .find(|s| {
                s.week == day.week
                    && s.weekday == weekday
                    && Some(&s.period_id) == rec.period_id.as_ref()
                    && Some(&s.group_id) == rec.group_id.as_ref()
            })
            .map(|s| s.room.clone())
    }

    /// The pupil's points in `w`, newest (highest id) first.
    fn points(&self, p: usize, w: Window) -> Vec<Point<'_>> {
        let sid = &self.student(p).id;
        let mut out: Vec<Point<'_>> = self
            .school
            .behaviour
            .iter()
            .filter(|r| w.contains(r.event.date) && r.event.student_ids.contains(sid))
            .map(|r| {
                let e = &r.event;
                Point {
                    id: id_u64(&e.id),
                    at: e
                        .occurred_at
                        .as_ref()
                        .map_or(e.date.at(12, 0, 0, 0), |t| t.zoned().datetime()),
                    score: e.points.unwrap_or(0),
                    polarity: e.polarity,
                    reason: e.category.clone().unwrap_or_default(),
                    teacher: e.author.clone().unwrap_or_default(),
                    lesson: r
                        .group_id
                        .as_deref()
                        .and_then(|g| self.school.group(g))
                        .map(|g| g.name.clone()),
                    room: self.room_of(r),
                    note: e.notes.clone(),
                    by_parent: false,
                    record: Some(r),
                }
            })
            .collect();
        let pupil = self.pupil_id(p);
        for ((who, behaviour, date), point) in &self.writes.parent_points {
            if *who != pupil || !w.contains(*date) {
                continue;
            }
            let name = PARENT_BEHAVIOURS
                .iter()
                .find(|b| b.0 == *behaviour)
                .map_or("", |b| b.1);
            out.push(Point {
                id: point.id,
                at: point.at,
                score: 1,
                polarity: Polarity::Positive,
                reason: name.to_string(),
                teacher: self.accounts.parent.name(),
                lesson: None,
                room: None,
                note: None,
                by_parent: true,
                record: None,
            });
        }
        out.sort_by_key(|p| std::cmp::Reverse(p.id));
        out
    }

    fn activity_item(&self, p: usize, pt: &Point<'_>) -> Value {
        let polarity = match pt.polarity {
            Polarity::Positive => "positive",
            Polarity::Negative => "negative",
            _ => "blank",
        };
        json!({
            "id": pt.id,
            "type": "behaviour",
            "polarity": polarity,
            "reason": pt.reason,
            "score": pt.score,
            // Wall-clock time at the school, no zone (`"2023-04-21 10:00:00"` in the fixtures).
            "timestamp": pt.at.strftime("%Y-%m-%d %H:%M:%S").to_string(),
            "timestamp_custom_time": null,
            "style": { "border_color": null, "custom_class": null },
            "pupil_name": full_name(self.student(p)),
            "lesson_name": pt.lesson,
            "teacher_name": pt.teacher,
            "room_name": pt.room,
            "note": pt.note,
            "_can_delete": pt.by_parent,
            "badges": "",
            "detention_date": null,
            "detention_time": null,
            "detention_location": null,
            "detention_type": null,
        })
    }

    /// `GET /activity/{id}`: up to a page of points, newest first, strictly older than
    /// `last_id` when given; `meta.last_id` is the last id on the page, or `false` on the
    /// empty page that ends the walk (classcharts-api-js's `getFullActivity` stops there).
    ///
    /// `from` is ignored for the points ("`from` does not work as you would expect … only returns
    /// 50 points from the `to` field", legacy docs): pages run back to the pupil's first point
    /// whatever `from` says; `meta` still echoes the window.
    pub(super) fn activity(&self, p: usize, w: Window, last_id: Option<u64>) -> Value {
        let points = Window {
            from: Date::MIN,
            to: w.to,
        };
        let page: Vec<Value> = self
            .points(p, points)
            .iter()
            .filter(|pt| last_id.is_none_or(|l| pt.id < l))
            .take(self.page_size.max(1))
            .map(|pt| self.activity_item(p, pt))
            .collect();
        // The end of the feed: `false` (fixture); the variant profile sends `true`, which
        // some servers do (issue 14) and which names no id either.
        let end = Value::Bool(self.variant());
        let last = page.last().map_or(end, |v| v["id"].clone());
        ok(
            page.into(),
            json!({
                "start_date": in_utc(self.school, w.from.at(0, 0, 0, 0)),
                "end_date": in_utc(self.school, w.to.at(23, 59, 59, 0)),
                "last_id": last,
                "step_size": "week",
                "detention_alias_uc": "Detention",
            }),
        )
    }

    /// `GET /behaviour/{id}`: weekly totals and totals per reason (points, as magnitudes:
    /// the timeline's counts are positive in the recorded answers).
    pub(super) fn behaviour(&self, p: usize, w: Window) -> Value {
        let points = self.points(p, w);
        let mut timeline = Vec::new();
        let mut start = monday_of(w.from);
        while start <= w.to {
            let end = plus_days(start, 6);
            let week = Window {
                from: start,
                to: end,
            };
            let (mut pos, mut neg) = (0i64, 0i64);
            for pt in points.iter().filter(|pt| week.contains(pt.at.date())) {
                if pt.score > 0 {
                    pos += pt.score;
                } else {
                    neg += -pt.score;
                }
            }
            timeline.push(json!({
                "positive": pos,
                "negative": neg,
                // US order, as the fixture's "9/4/2023" for Monday 4 September.
                "name": format!("{}/{}/{}", start.month(), start.day(), start.year()),
                "start": start.to_string(),
                "end": end.to_string(),
            }));
            start = plus_days(start, 7);
        }
        let mut positive = BTreeMap::<String, i64>::new();
        let mut negative = BTreeMap::<String, i64>::new();
        for pt in &points {
            match pt.score {
                s if s > 0 => *positive.entry(pt.reason.clone()).or_default() += s,
                s if s < 0 => *negative.entry(pt.reason.clone()).or_default() -= s,
                _ => {}
            }
        }
        let map = |m: BTreeMap<String, i64>| {
            php_map(m.into_iter().map(|(k, v)| (k, Value::from(v))).collect())
        };
        ok(
            json!({
                "timeline": timeline,
                "positive_reasons": map(positive),
                "negative_reasons": map(negative),
                "other_positive": [],
                "other_negative": [],
                "other_positive_count": [],
                "other_negative_count": [],
            }),
            json!({
                "start_date": plain(w.from, "00:00:00"),
                "end_date": plain(w.to, "23:59:59"),
                "step_size": "week",
            }),
        )
    }

    /// The daily-limit list of `/parentbehaviours/{id}` for `date`.
    pub(super) fn parent_behaviours(&self, p: usize, date: Date) -> Value {
        ok(self.parent_behaviour_list(p, date), none())
    }

    /// The list itself (also the `data` of `/addparentbehaviour`).
    pub(super) fn parent_behaviour_list(&self, p: usize, date: Date) -> Value {
        let pupil = self.pupil_id(p);
        PARENT_BEHAVIOURS
            .iter()
            .map(|(id, name, icon)| {
                json!({
                    "id": id,
                    "name": name,
                    "icon_url": format!("https://www.classcharts.com/img/behaveicons/good/+{icon}.png"),
                    "is_daily_limit_reached":
                        self.writes.parent_points.contains_key(&(pupil, *id, date)),
                })
            })
            .collect::<Vec<_>>()
            .into()
    }

    /// `GET /eventbadges/{id}`: the badges the pupil earned, each with the points that did it.
    pub(super) fn eventbadges(&self, p: usize) -> Value {
        let points = self.points(p, Window::all());
        let mut positive: Vec<&Point<'_>> = points
            .iter()
            .filter(|pt| pt.score > 0 && pt.record.is_some())
            .collect();
        positive.sort_by_key(|pt| pt.id);
        let earned: [Vec<&Point<'_>>; 2] = [
            positive.first().copied().into_iter().collect(),
            positive
                .iter()
                .copied()
                .filter(|pt| pt.score >= 3)
                .collect(),
        ];
        let created = plain(self.school.academic_year.start_date, "00:00:00");
        let list: Vec<Value> = BADGES
            .iter()
            .zip(earned)
            .filter(|(_, pts)| !pts.is_empty())
            .map(|((id, name, colour), pts)| {
                let icon = format!("https://www.classcharts.com/img/badges/{id}.png");
                let awards: Vec<Value> = pts
                    .iter()
                    .map(|pt| {
                        let at = with_offset(self.school, pt.at);
                        let teacher = pt
                            .record
                            .and_then(|r| self.staff(&r.staff_id))
                            .map_or(json!(null), |s| {
                                json!({
                                    "title": s.title.clone().unwrap_or_default(),
                                    "first_name": s.first_name,
                                    "last_name": s.last_name,
                                })
                            });
                        let award = json!({
                            "timestamp": at,
                            "lesson_pupil_behaviour": {
                                "reason": pt.reason,
                                "score": pt.score,
                                "icon": "https://www.classcharts.com/img/behaveicons/good/+star.png",
                                "polarity": "positive",
                                "timestamp": at,
                                "teacher": teacher,
                            },
                            "event": { "label": pt.reason },
                        });
                        // `{pupil_event: {…}}` (api-docs' badge schema); the variant sends
                        // the same fields flat (issue 14).
                        if self.variant() {
                            award
                        } else {
                            json!({ "pupil_event": award })
                        }
                    })
                    .collect();
                json!({
                    "id": id,
                    "name": name,
                    "icon": icon,
                    "colour": colour,
                    "created_date": created,
                    "pupil_badges": awards,
                    "icon_url": icon,
                })
            })
            .collect();
        ok(list.into(), none())
    }

    // -----------------------------------------------------------------------------------------
    // Homework.

    fn homework_of(&self, p: usize) -> impl Iterator<Item = &HomeworkRecord> {
        let groups: BTreeSet<&str> = self
            .teaching_groups(p)
            .into_iter()
            .map(|g| g.id.as_str())
            .collect();
        self.school
            .homework
            .iter()
            .filter(move |hw| groups.contains(hw.group_id.as_str()))
    }

    /// The pupil's completion state, decided by the seed: tasks due by "today" are mostly
    /// completed, some late or not done; tasks not yet due are done by some, open for most.
    fn homework_state(&self, hw: &HomeworkRecord, pupil: u64) -> Option<&'static str> {
        let roll = hash(
            self.school.seed,
            &["homework", &hw.homework.id, &pupil.to_string()],
        ) % 100;
        let due = hw.homework.due_on.unwrap_or(Date::MAX);
        match (due <= today(self.school), roll) {
            (true, 0..80) => Some("completed"),
            (true, 80..90) => Some("late"),
            (true, _) => Some("not_completed"),
            (false, 0..30) => Some("completed"),
            (false, _) => None,
        }
    }

    fn homework_item(&self, p: usize, hw: &HomeworkRecord) -> Value {
        let h = &hw.homework;
        let pupil = self.pupil_id(p);
        let sid = status_id(id_u64(&h.id), pupil);
        let state = self.homework_state(hw, pupil);
        let seen = state
            .and(h.set_on)
            .map(|d| in_utc(self.school, d.at(17, 5, 0, 0)));
        let minutes =
            ["", "20", "30", "45"][(hash(self.school.seed, &["minutes", &h.id]) % 4) as usize];
        json!({
            "lesson": h.group,
            "subject": h.subject,
            "teacher": h.set_by,
            "homework_type": "Homework",
            "id": num(&h.id),
            "title": h.title,
            "meta_title": "",
            // HTML, as the vendor sends it.
            "description": h.description.as_ref().map(|d| format!("<p>{d}</p>")),
            "issue_date": h.set_on.map(|d| d.to_string()),
            "due_date": h.due_on.map(|d| d.to_string()),
            "completion_time_unit": "minutes",
            // A string, and sometimes "" (classcharts-api-js types).
            "completion_time_value": minutes,
            "publish_time": "00:00:00",
            "status": {
                "id": sid,
                "state": state,
                "mark": null,
                "mark_relative": 0,
                "ticked": yes_no(self.writes.ticked.get(&sid).copied().unwrap_or(false)),
                "allow_attachments": false,
                "allow_marking_completed": true,
                "first_seen_date": seen,
                "last_seen_date": seen,
                "attachments": [],
                "has_feedback": false,
            },
            "validated_links": [],
            "validated_attachments": [],
        })
    }

    /// `GET /homeworks/{id}`: the pupil's tasks whose issue (or due) date is in `w`.
    pub(super) fn homeworks(&self, p: usize, display: DisplayDate, w: Window) -> Value {
        let key = |hw: &HomeworkRecord| match display {
            DisplayDate::Issue => hw.homework.set_on,
            DisplayDate::Due => hw.homework.due_on,
        };
        let list: Vec<Value> = self
            .homework_of(p)
            .filter(|hw| key(hw).is_some_and(|d| w.contains(d)))
            .map(|hw| self.homework_item(p, hw))
            .collect();
        let monday = monday_of(today(self.school));
        let this_week = Window {
            from: monday,
            to: plus_days(monday, 6),
        };
        let pupil = self.pupil_id(p);
        let due: Vec<Option<&str>> = self
            .homework_of(p)
            .filter(|hw| hw.homework.due_on.is_some_and(|d| this_week.contains(d)))
            .map(|hw| self.homework_state(hw, pupil))
            .collect();
        let completed = due.iter().filter(|s| **s == Some("completed")).count();
        ok(
            list.into(),
            json!({
                "start_date": w.from.to_string(),
                "end_date": w.to.to_string(),
                "display_type": match display {
                    DisplayDate::Issue => "issue_date",
                    DisplayDate::Due => "due_date",
                },
                "max_files_allowed": 5,
                "allowed_file_types": ["doc", "docx", "pdf", "xls", "xlsx", "ppt", "pptx", "txt", "png", "jpeg", "jpg", "gif", "mp3", "mp4"],
                "this_week_due_count": due.len(),
                "this_week_outstanding_count": due.len() - completed,
                "this_week_completed_count": completed,
                "allow_attachments": true,
                "display_marks": false,
            }),
        )
    }

    /// Whether `status` is the status id of one of pupil `p`'s tasks.
    pub(super) fn owns_status(&self, p: usize, status: u64) -> bool {
        let (hw, pupil) = split_status_id(status);
        pupil == self.pupil_id(p) && self.homework_of(p).any(|h| id_u64(&h.homework.id) == hw)
    }

    // -----------------------------------------------------------------------------------------
    // Timetable and classes.

    /// `GET /timetable/{id}?date=`: the pupil's lessons that day.
    pub(super) fn timetable(&self, p: usize, date: Date) -> Value {
        let week = self.school.calendar.week_of(date);
        let lessons: Vec<Value> = self
            .slots_on(p, date)
            .into_iter()
            .filter_map(|slot| {
                let period = self.period(&slot.period_id)?;
                Some(json!({
                    "teacher_name": slot.teacher,
                    // A string, unlike every other id (classcharts-api-js types).
                    "teacher_id": slot.staff_id,
                    "lesson_id": num(&slot.group_id),
                    "lesson_name": slot.group,
                    "subject_name": slot.subject,
                    "is_alternative_lesson": false,
                    // `2Tue:P1`: timetable week, day, period.
                    "period_name": format!("{}{}:{}", week.unwrap_or(1), weekday_abbr(date), period.label),
                    "period_number": period.label,
                    "room_name": slot.room,
                    "date": date.to_string(),
                    "start_time": with_offset(self.school, date.to_datetime(period.start)),
                    "end_time": with_offset(self.school, date.to_datetime(period.end)),
                    // Not unique: the same class in the same period of another week shares it.
                    "key": hash(self.school.seed, &["key", &slot.group_id, &period.id]) % 1_000_000_000,
                    "note_abstract": "",
                    "note": "",
                    "pupil_note_abstract": "",
                    "pupil_note": "",
                    "pupil_note_raw": "",
                }))
            })
            .collect();
        let periods: Vec<Value> = self
            .school
            .periods
            .iter()
            .map(|p| json!({ "number": p.label, "start_time": hms(p.start), "end_time": hms(p.end) }))
            .collect();
        let timetable_dates: Vec<String> = week.map(|_| date.to_string()).into_iter().collect();
        ok(
            lessons.into(),
            json!({
                "dates": [date.to_string()],
                "timetable_dates": timetable_dates,
                "periods": periods,
                "start_time": plain(date, "00:00:00"),
                "end_time": plain(date, "23:59:59"),
            }),
        )
    }

    fn room_of_group(&self, group_id: &str) -> String {
        self.school
            .timetable
            .iter()
            .find(|s| s.group_id == group_id)
            .map_or_else(String::new, |s| s.room.clone())
    }

    /// `GET /classes/{id}`: `meta` is `[]`.
    pub(super) fn classes(&self, p: usize) -> Value {
        let list: Vec<Value> = self
            .teaching_groups(p)
            .into_iter()
            .map(|g| {
                let teachers: Vec<String> = g
                    .staff_ids
                    .iter()
                    .filter_map(|id| self.staff(id))
                    .map(School::display_name)
                    .collect();
                json!({
                    "id": num(&g.id),
                    "name": g.name,
                    "room": self.room_of_group(&g.id),
                    "subject": g.subject.clone().unwrap_or_default(),
                    "teacher": teachers.first().cloned().unwrap_or_default(),
                    "teachers": teachers,
                })
            })
            .collect();
        ok(list.into(), none())
    }

    // -----------------------------------------------------------------------------------------
    // Announcements, custom fields, rewards.

    /// (id, when, title, HTML body, asks for consent), newest last, those published by today.
    fn announcement_list(&self) -> Vec<(u64, Civil, String, String, bool)> {
        let school = self.school;
        let start = school.academic_year.start_date;
        let mut list = vec![
            (
                2_384_001,
                start.at(7, 30, 0, 0),
                format!("Welcome to {}", school.academic_year.name),
                format!(
                    "<p>Welcome back to {}. Timetables are on ClassCharts.</p>",
                    school.name
                ),
                false,
            ),
            (
                2_384_002,
                plus_days(start, 3).at(15, 30, 0, 0),
                "Photography consent".to_string(),
                "<p>Please record your consent for school photographs.</p>".to_string(),
                true,
            ),
        ];
        let closures = school
            .calendar
            .closures
            .iter()
            .filter(|c| matches!(c.kind, ClosureKind::Holiday | ClosureKind::HalfTerm))
            .filter(|c| c.start > start)
            .take(4);
        for (k, c) in closures.enumerate() {
            list.push((
                2_384_010 + k as u64,
                plus_days(c.start, -7).at(15, 30, 0, 0),
                format!("{}: school closed", c.name),
                format!("<p>School is closed from {} to {}.</p>", c.start, c.end),
                false,
            ));
        }
        let today = today(school);
        list.retain(|a| a.1.date() <= today);
        list
    }

    /// `GET /announcements/{id}`: the school's announcements; a parent also sees the consent
    /// asked of them per pupil (pupil ids there are strings, classcharts-api-js types).
    pub(super) fn announcements(&self, p: usize, api: Api) -> Value {
        let school = self.school;
        let head = school
            .staff
            .first()
            .map(School::display_name)
            .unwrap_or_default();
        let s = self.student(p);
        let list: Vec<Value> = self
            .announcement_list()
            .into_iter()
            .rev()
            .enumerate()
            .map(|(k, (id, at, title, body, consent))| {
                let parent = api == Api::Parent;
                let pupil_consents = if parent && consent {
                    json!([{
                        "pupil": { "id": s.id, "first_name": s.first_name, "last_name": s.last_name },
                        "can_change_consent": true,
                        "consent": null,
                    }])
                } else {
                    json!([])
                };
                json!({
                    "id": id,
                    "title": title,
                    "description": body,
                    "school_name": school.name,
                    "teacher_name": head,
                    "school_logo": format!("https://www.classcharts.com/img/school-logos/{}.png", school.urn),
                    "sticky": yes_no(id == 2_384_001),
                    "state": if k == 0 { Value::Null } else { "viewed".into() },
                    "timestamp": with_offset(school, at),
                    "attachments": [],
                    "for_pupils": if parent { json!([full_name(s)]) } else { json!([]) },
                    "comment_visibility": "none",
                    "allow_comments": "no",
                    "allow_reactions": "no",
                    "allow_consent": yes_no(consent),
                    "priority_pinned": "no",
                    "requires_consent": yes_no(consent),
                    "can_change_consent": parent && consent,
                    "consent": null,
                    "pupil_consents": pupil_consents,
                })
            })
            .collect();
        ok(list.into(), none())
    }

    /// `GET /customfields/{id}`: house, tutor group and year as the school's pupil fields.
    pub(super) fn customfields(&self, p: usize) -> Value {
        let s = self.student(p);
        let house = self
            .school
            .groups_of(GroupKind::House)
            .find(|g| g.student_ids.contains(&s.id))
            .map(|g| g.name.clone());
        let fields: Vec<Value> = [
            (1, "House", "#1565c0", house),
            (2, "Tutor group", "#6a1b9a", s.registration_group.clone()),
            (3, "Year group", "#00838f", s.year_group.clone()),
        ]
        .into_iter()
        .map(|(id, name, graphic, value)| {
            json!({ "id": id, "name": name, "graphic": graphic, "value": value.unwrap_or_default() })
        })
        .collect();
        ok(json!({ "note": "", "fields": fields }), none())
    }

    /// The pupil's reward balance: positive points earned, less what the shop took.
    pub(super) fn balance(&self, p: usize) -> i64 {
        let earned: i64 = self
            .points(p, Window::all())
            .iter()
            .map(|pt| pt.score.max(0))
            .sum();
        let pupil = self.pupil_id(p);
        let spent: i64 = self
            .writes
            .purchases
            .iter()
            .filter(|((who, _), _)| *who == pupil)
            .filter_map(|((_, item), n)| reward(*item).map(|r| r.1 * i64::from(*n)))
            .sum();
        earned - spent
    }

    /// Units of a stock-controlled reward still in stock.
    pub(super) fn stock_left(&self, item: u64) -> Option<u32> {
        let (_, _, _, stock) = reward(item)?;
        let sold: u32 = self
            .writes
            .purchases
            .iter()
            .filter(|((_, i), _)| *i == item)
            .map(|(_, n)| *n)
            .sum();
        stock.map(|s| s.saturating_sub(sold))
    }

    /// `GET /rewards/{id}` (student): the shop, with `meta.pupil_score_balance`.
    pub(super) fn rewards(&self, p: usize) -> Value {
        let balance = self.balance(p);
        let pupil = self.pupil_id(p);
        let list: Vec<Value> = REWARDS
            .iter()
            .map(|&(id, name, description, price, once, stock)| {
                let bought = self.writes.purchases.get(&(pupil, id)).copied().unwrap_or(0);
                let left = self.stock_left(id);
                let reason = if once && bought > 0 {
                    "You have already purchased this item"
                } else if left == Some(0) {
                    "Out of stock"
                } else if balance < price {
                    "You do not have enough points"
                } else {
                    ""
                };
                json!({
                    "id": id,
                    "name": name,
                    "description": description,
                    "photo": format!("https://www.classcharts.com/img/rewards/{id}.png"),
                    "price": price,
                    "stock_control": stock.is_some(),
                    "stock": left.unwrap_or(0),
                    "can_purchase": reason.is_empty(),
                    "unable_to_purchase_reason": reason,
                    "once_per_pupil": once,
                    "purchased": bought > 0,
                    // The number 0, or a string count (classcharts-api-js types).
                    "purchased_count": if bought == 0 { json!(0) } else { json!(bought.to_string()) },
                    "price_balance_difference": balance - price,
                })
            })
            .collect();
        ok(list.into(), json!({ "pupil_score_balance": balance }))
    }

    // -----------------------------------------------------------------------------------------
    // Detentions.

    /// The pupil's detentions (optionally in `w`) with their `attended` value. ClassCharts
    /// has no "cancelled" (`attended` is `yes|no|upscaled|pending`): cancelled detentions are
    /// deleted there, so they are not listed.
    fn detentions_of(
        &self,
        p: usize,
        w: Option<Window>,
    ) -> Vec<(&crate::school::DetentionRecord, &'static str)> {
        let sid = &self.student(p).id;
        self.school
            .detentions
            .iter()
            .filter(|d| &d.detention.student_id == sid)
            .filter(|d| w.is_none_or(|w| w.contains(d.detention.date)))
            .filter_map(|d| {
                let attended = match d.detention.status.as_ref()? {
                    DetentionStatus::Attended => "yes",
                    DetentionStatus::Missed => "no",
                    DetentionStatus::Scheduled => "pending",
                    _ => return None,
                };
                Some((d, attended))
            })
            .collect()
    }

    /// `GET /detentions/{id}`.
    pub(super) fn detentions(&self, p: usize, w: Option<Window>) -> Value {
        let s = self.student(p);
        let list: Vec<Value> = self
            .detentions_of(p, w)
            .into_iter()
            .map(|(rec, attended)| {
                let d = &rec.detention;
                let record = self
                    .school
                    .behaviour
                    .iter()
                    .find(|b| b.event.id == rec.behaviour_event_id);
                let lesson = record
                    .and_then(|r| r.group_id.as_deref())
                    .and_then(|g| self.school.group(g))
                    .map_or(json!(null), |g| {
                        let subject = g.subject.as_deref().map_or(json!(null), |name| {
                            let id = self
                                .school
                                .subjects
                                .iter()
                                .find(|s| s.name == name)
                                .map_or(json!(null), |s| num(&s.id));
                            json!({ "id": id, "name": name })
                        });
                        json!({ "id": num(&g.id), "name": g.name, "subject": subject })
                    });
                let teacher = self.staff(&rec.staff_id).map_or(json!(null), |t| {
                    json!({
                        "id": num(&t.id),
                        "first_name": t.first_name,
                        "last_name": t.last_name,
                        "title": t.title.clone().unwrap_or_default(),
                    })
                });
                let start = d.start.as_ref().map(|t| t.zoned().datetime());
                let length = d
                    .start
                    .as_ref()
                    .zip(d.end.as_ref())
                    .map(|(a, b)| (b.timestamp().as_second() - a.timestamp().as_second()) / 60);
                json!({
                    "id": num(&d.id),
                    "attended": attended,
                    // A plain date at `+00:00`; the variant writes the school's local
                    // midnight in UTC (`2023-08-24T23:00:00+00:00` for 25 August in BST), as
                    // activity meta dates are in the classcharts-rs fixtures (issue 14).
                    "date": if self.variant() {
                        in_utc(self.school, d.date.at(0, 0, 0, 0))
                    } else {
                        plain(d.date, "00:00:00")
                    },
                    "length": length,
                    "location": d.location,
                    "notes": null,
                    "time": start.map(|t| t.strftime("%H:%M").to_string()),
                    "pupil": {
                        "id": num(&s.id),
                        "first_name": s.first_name,
                        "last_name": s.last_name,
                        "school": {
                            "opt_notes_names": "yes",
                            "opt_notes_comments": "no",
                            "opt_notes_comments_pupils": "no",
                        },
                    },
                    "lesson": lesson,
                    "lesson_pupil_behaviour": { "reason": d.reason.clone().unwrap_or_default() },
                    "teacher": teacher,
                    "detention_type": { "name": "After school detention" },
                })
            })
            .collect();
        ok(
            list.into(),
            json!({ "detention_alias_plural": "detentions" }),
        )
    }

    // -----------------------------------------------------------------------------------------
    // Attendance.

    fn marks<'m>(
        marks: &'m [AttendanceMark],
        student: &'m str,
        w: Window,
    ) -> impl Iterator<Item = &'m AttendanceMark> {
        // Marks are ordered by date, then student.
        let start = marks.partition_point(|m| m.date < w.from);
        let end = marks.partition_point(|m| m.date <= w.to).max(start);
        marks[start..end]
            .iter()
            .filter(move |m| m.student_id == student)
    }

    fn attended(marks: &[&AttendanceMark]) -> (usize, usize) {
        let possible = marks
            .iter()
            .filter(|m| {
                !matches!(
                    m.category,
                    AttendanceCategory::NotCounted | AttendanceCategory::Unmapped
                )
            })
            .count();
        let attended = marks.iter().filter(|m| m.category.is_attendance()).count();
        (attended, possible)
    }

    /// `GET /attendance/{id}?from&to`: `{date: {"AM": …, "PM": …, "<period>": …}}` with the
    /// DfE `code` as the school recorded it and a `status` label (see [`status_for`]), and
    /// the percentage for the window and since August (`percentage_singe_august`, sic).
    pub(super) fn attendance(&self, p: usize, w: Window) -> Value {
        let s = self.student(p);
        let mut days: BTreeMap<Date, Map<String, Value>> = BTreeMap::new();
        let sessions: Vec<&AttendanceMark> =
            Self::marks(&self.school.session_marks, &s.id, w).collect();
        for m in &sessions {
            let key = match m.session {
                Some(Session::Pm) => "PM",
                _ => "AM",
            };
            let mark = if self.school_code_on(p) && key == "AM" {
                // The school's own code on its first pupil's morning registers
                // (`school_code`). ClassCharts' `status` words describe the DfE codes it
                // knows; a code the school invented gets none (inferred: no public source
                // shows such a mark), so the register carries the code alone.
                json!({
                    "code": OnboardingFaults::SCHOOL_CODE,
                    "late_minutes": 0,
                })
            } else {
                json!({
                    "code": m.code,
                    "status": status_for(m),
                    // An int for registers (a classcharts-rs fixture: 0).
                    "late_minutes": m.minutes_late.unwrap_or(0),
                })
            };
            days.entry(m.date)
                .or_default()
                .insert(key.to_string(), mark);
        }
        let hidden = self.timetable_hidden(p);
        let mut slots_cache: Option<(Date, Vec<&TimetableSlot>)> = None;
        for m in Self::marks(&self.school.lesson_marks, &s.id, w) {
            let Some(label) = m.period.as_deref() else {
                continue;
            };
            if slots_cache.as_ref().is_none_or(|(d, _)| *d != m.date) {
                slots_cache = Some((m.date, self.slots_on(p, m.date)));
            }
            let slot = slots_cache.as_ref().and_then(|(_, slots)| {
                slots.iter().find(|sl| {
                    self.period(&sl.period_id)
                        .is_some_and(|pp| pp.label == label)
                })
            });
            let variant = self.variant();
            let mut mark = json!({
                // The variant school hides codes on lesson registers: `status` only, `code`
                // empty (`code` may be `""` in recorded answers; issue 14).
                "code": if variant { "" } else { m.code.as_str() },
                "status": status_for(m),
                // Lesson registers send "" when no minutes were recorded (fixture).
                "late_minutes": m.minutes_late.map_or(json!(""), Value::from),
                "lesson_name": slot.map(|sl| sl.group.clone()),
                "room_name": slot.map(|sl| sl.room.clone()),
            });
            if hidden {
                // `lesson_name` / `room_name` are optional (classcharts-api-js types); with
                // the timetable module hidden the register shows its period name only
                // (inferred: lesson names are the timetable's).
                if let Some(o) = mark.as_object_mut() {
                    o.remove("lesson_name");
                    o.remove("room_name");
                }
            }
            days.entry(m.date)
                .or_default()
                .insert(register_key(label, variant), mark);
        }
        let (a, possible) = Self::attended(&sessions);
        let august = jiff::civil::date(self.school.academic_year.start_date.year(), 8, 1);
        let since = Window {
            from: august,
            to: w.to,
        };
        let year: Vec<&AttendanceMark> =
            Self::marks(&self.school.session_marks, &s.id, since).collect();
        let (ya, ypossible) = Self::attended(&year);
        let mut session_names = vec!["AM".to_string(), "PM".to_string()];
        session_names.extend(
            self.school
                .periods
                .iter()
                .map(|p| register_key(&p.label, self.variant())),
        );
        let dates: Vec<String> = days.keys().map(|d| d.to_string()).collect();
        let data = php_map(
            days.into_iter()
                .map(|(d, m)| (d.to_string(), Value::Object(m)))
                .collect(),
        );
        ok(
            data,
            json!({
                "dates": dates,
                "sessions": session_names,
                "start_date": plain(w.from, "00:00:00"),
                "end_date": plain(w.to, "23:59:59"),
                "percentage": percent(a, possible),
                "percentage_singe_august": percent(ya, ypossible),
            }),
        )
    }

    // -----------------------------------------------------------------------------------------
    // Academic reports.

    /// One report per term begun by today: (id, term).
    fn reports(&self) -> Vec<(u64, &mis_core::Term)> {
        let today = today(self.school);
        self.school
            .terms
            .iter()
            .enumerate()
            .filter(|(_, t)| t.start_date <= today)
            .map(|(i, t)| (7001 + i as u64, t))
            .collect()
    }

    /// `GET /getacademicreports`: `[{id, name, start_date, end_date}]`, `meta` `[]`.
    pub(super) fn academic_reports(&self) -> Value {
        let list: Vec<Value> = self
            .reports()
            .into_iter()
            .map(|(id, t)| {
                json!({
                    "id": id,
                    "name": format!("{} report", t.name),
                    "start_date": t.start_date.to_string(),
                    "end_date": t.end_date.to_string(),
                })
            })
            .collect();
        ok(list.into(), none())
    }

    /// `GET /getacademicreport/{id}`: `data` is an array of one report (api-docs), with a
    /// lesson per class: attendance there, the teacher's comment and two grades.
    pub(super) fn academic_report(&self, p: usize, id: u64) -> Option<Value> {
        let (_, term) = self.reports().into_iter().find(|(rid, _)| *rid == id)?;
        let s = self.student(p);
        let w = Window {
            from: term.start_date,
            to: term.end_date.min(today(self.school)),
        };
        let sessions: Vec<&AttendanceMark> =
            Self::marks(&self.school.session_marks, &s.id, w).collect();
        let overall = (!sessions.is_empty()).then(|| {
            let (a, possible) = Self::attended(&sessions);
            percent(a, possible)
        });
        let lesson_marks: Vec<&AttendanceMark> =
            Self::marks(&self.school.lesson_marks, &s.id, w).collect();
        let lessons: Vec<Value> = self
            .teaching_groups(p)
            .into_iter()
            .map(|g| {
                let mine: Vec<&AttendanceMark> = lesson_marks
                    .iter()
                    .copied()
                    .filter(|m| {
                        m.lesson_id.as_deref()
                            == Some(&School::lesson_id(
                                &g.name,
                                m.date,
                                m.period.as_deref().unwrap_or(""),
                            ))
                    })
                    .collect();
                let pct = (!mine.is_empty()).then(|| {
                    let (a, possible) = Self::attended(&mine);
                    percent(a, possible)
                });
                let grade = |what: &str| {
                    (1 + hash(self.school.seed, &["grade", what, &g.id, &s.id, &term.id]) % 4)
                        .to_string()
                };
                let teachers: Vec<Value> = g
                    .staff_ids
                    .iter()
                    .filter_map(|id| self.staff(id))
                    .map(|t| {
                        json!({
                            "teacher_name": School::display_name(t),
                            "id": num(&t.id),
                            "text": format!("{} is making steady progress in {}.", s.first_name, g.subject.as_deref().unwrap_or("class")),
                        })
                    })
                    .collect();
                json!({
                    "attendance_percentage": pct,
                    "lesson_name": g.name,
                    "teachers": teachers,
                    "grades": [
                        { "field_name": "Effort", "grade": grade("effort") },
                        { "field_name": "Attainment", "grade": grade("attainment") },
                    ],
                })
            })
            .collect();
        Some(ok(
            json!([{
                "id": id,
                "name": format!("{} report", term.name),
                "start_date": term.start_date.to_string(),
                "end_date": term.end_date.to_string(),
                "overall_attendance_percentage": overall,
                "attendance_percentage": overall,
                "lessons": lessons,
            }]),
            none(),
        ))
    }
}
