//! The school in GO 4 Schools' wire format: one pure function per endpoint.
//!
//! Every body is written with `serde_json::json!` from the vendor's customer API v1 reference
//! and the fields the public clients (g4sr, G4SApiSync) read — never from a client crate's
//! types. The handlers and [`super::fixtures`] call these same functions.
//!
//! Wire conventions reproduced here:
//! - dates and date-times are `yyyy-mm-ddTHH:MM:SSZ` (`"2018-12-31T00:00:00Z"` in every
//!   sample, and the exact format G4SApiSync parses);
//! - period `start` / `end` are date-times on a dummy date (`2020-01-01`) holding the
//!   school's **wall-clock** time with a `Z` suffix (not a UTC instant), whereas behaviour
//!   `event_date` is a true UTC instant ("UTC date of the event" in the doc);
//! - paginated endpoints answer `{<key>: [...], "has_more", "cursor"}`,
//!   where `cursor` is the last id of the page (g4sr labels it "Cursor at student ID") and is
//!   `null` on the last page; every other endpoint answers a bare array (or, for the school,
//!   an object).

use std::collections::{BTreeMap, BTreeSet};

use jiff::civil::{Date, Time};
use mis_core::codes::map_dfe;
use mis_core::{AttendanceCategory, GroupKind, IdentifierKind, Polarity, Session};
use serde_json::{Value, json};

use super::index::{Index, num, wire_year};
use crate::school::{ClosureKind, School};

/// The page size GO 4 Schools uses is not published; 100 matches the doc's sample cursors
/// (`"cursor": 100`) well enough and keeps pages small.
pub(crate) const DEFAULT_PAGE_SIZE: usize = 100;

/// A session mark written through `POST …/attendance/student-session-marks`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Written {
    pub mark_id: u64,
    pub alias_id: Option<u64>,
    pub minutes_late: Option<u32>,
    pub notes: Option<String>,
}

/// Written marks keyed by the vendor's natural key (student, date, session), so repeating a
/// write replaces the mark instead of adding another.
pub(crate) type Overlay = BTreeMap<(u64, Date, Session), Written>;

/// `2024-09-03T00:00:00Z`.
pub(crate) fn midnight(d: Date) -> String {
    format!("{d}T00:00:00Z")
}

/// A wall-clock time on GO's dummy date: `2020-01-01T09:00:00Z` means 09:00 at the school.
fn clock(t: Time) -> String {
    format!("2020-01-01T{}Z", t.strftime("%H:%M:%S"))
}

fn session_wire(s: Session) -> &'static str {
    match s {
        Session::Am => "AM",
        Session::Pm => "PM",
    }
}

/// One page of `items` (sorted by `id`) after `cursor`: the slice and the next cursor
/// (`None` on the last page).
fn paged<T>(
    items: &[T],
    id: impl Fn(&T) -> u64,
    cursor: Option<u64>,
    size: usize,
) -> (&[T], Option<u64>) {
    let start = cursor.map_or(0, |c| items.partition_point(|x| id(x) <= c));
    let end = (start + size.max(1)).min(items.len());
    let page = &items[start..end];
    let next = (end < items.len()).then(|| page.last().map(&id)).flatten();
    (page, next)
}

fn envelope(key: &str, items: Vec<Value>, next: Option<u64>) -> Value {
    json!({ key: items, "has_more": next.is_some(), "cursor": next })
}

/// `GET /customer/v1/school`: code, name and the academic years (integers, as the doc's
/// sample; G4SApiSync's DTO reads them as strings).
pub(crate) fn school(school: &School, ix: &Index) -> Value {
    let code: String = school
        .name
        .split_whitespace()
        .filter_map(|w| w.chars().next())
        .collect::<String>()
        .to_ascii_uppercase();
    json!({
        "code": format!("{code}{}", &school.urn[school.urn.len().saturating_sub(3)..]),
        "name": school.name,
        "academic_years": [ix.year],
        "current_academic_year": ix.year,
    })
}

/// `GET /customer/v1/users/staff`, in the doc's "Non-MIS Schools" shape (`first_name`,
/// `last_name`; the fields G4SApiSync reads). `teacher_id` equals the staff
/// id for teachers, as in the doc's sample (`"id": 1 … "teacher_id": 1`).
pub(crate) fn staff(school: &School, ix: &Index) -> Value {
    Value::Array(
        school
            .staff
            .iter()
            .map(|s| {
                json!({
                    "id": num(&s.id),
                    "email_address": s.email,
                    "first_name": s.first_name,
                    "last_name": s.last_name,
                    "display_name": School::display_name(s),
                    "title": s.title,
                    "is_current": true,
                    "teacher_id": ix.teachers.contains(&s.id).then(|| num(&s.id)),
                    "start_date": null,
                    "end_date": null,
                })
            })
            .collect(),
    )
}

fn sex(student: &mis_core::Student) -> &'static str {
    match student.gender.as_ref().map(|g| g.as_str()) {
        Some("male") => "M",
        Some("female") => "F",
        // MIS feeds send single letters; "U" (unknown) is what a third value looks like.
        _ => "U",
    }
}

/// `GET …/students`: a bare array of every student, leavers included (their leaving shows
/// in education details). Preferred names are always filled — with the legal name when the
/// school recorded none — as the doc's sample does (`preferred_last_name` = legal).
pub(crate) fn students(school: &School) -> Value {
    Value::Array(
        school
            .students
            .iter()
            .map(|s| {
                json!({
                    "id": num(&s.id),
                    "date_of_birth": s.date_of_birth.map(midnight),
                    "sex": sex(s),
                    "legal_first_name": s.first_name,
                    "legal_last_name": s.last_name,
                    "preferred_first_name": s.preferred_first_name.as_deref().unwrap_or(&s.first_name),
                    "preferred_last_name": s.preferred_last_name.as_deref().unwrap_or(&s.last_name),
                    "middle_names": s.middle_names,
                    "student_mis_id": s.identifier(&IdentifierKind::MisId),
                })
            })
            .collect(),
    )
}

/// Students in id order (the order every student page walks).
fn students_by_id(school: &School) -> Vec<&mis_core::Student> {
    let mut v: Vec<&mis_core::Student> = school.students.iter().collect();
    v.sort_by_key(|s| num(&s.id));
    v
}

/// `GET …/students/attributes` (paginated by student): system attributes not returned
/// elsewhere. The codes are inferred; `admissionDate` and its `dd/MM/yyyy HH:mm:ss` value are
/// the doc's sample.
pub(crate) fn attributes(school: &School, ix: &Index, cursor: Option<u64>, size: usize) -> Value {
    let all = students_by_id(school);
    let (page, next) = paged(&all, |s| num(&s.id), cursor, size);
    let admission: BTreeMap<&str, Date> = school
        .enrolments
        .iter()
        .map(|e| (e.student_id.as_str(), e.admission_date))
        .collect();
    type Getter<'a> = Box<dyn Fn(&mis_core::Student) -> Option<String> + 'a>;
    let defs: [(u64, &str, &str, Getter<'_>); 3] = [
        (
            1,
            "admissionNumber",
            "Admission number",
            Box::new(|s| {
                s.identifier(&IdentifierKind::AdmissionNumber)
                    .map(str::to_string)
            }),
        ),
        (
            2,
            "admissionDate",
            "Admission date",
            Box::new(|s| {
                admission
                    .get(s.id.as_str())
                    .map(|d| format!("{} 00:00:00", d.strftime("%d/%m/%Y")))
            }),
        ),
        (
            3,
            "emailAddress",
            "Email address",
            Box::new(|s| s.email.clone()),
        ),
    ];
    let items = if page.is_empty() {
        Vec::new()
    } else {
        defs.iter()
            .map(|(id, code, name, get)| {
                let values: Vec<Value> = page
                    .iter()
                    .filter_map(|s| {
                        get(s).map(|v| {
                            json!({
                                "student_id": num(&s.id),
                                "value": v,
                                "academic_year": ix.year,
                                "date": null,
                            })
                        })
                    })
                    .collect();
                json!({
                    "id": id,
                    "code": code,
                    "name": name,
                    "is_system": true,
                    "students_and_attribute_values": values,
                })
            })
            .collect()
    };
    envelope("students_and_attributes", items, next)
}

/// `GET …/students/education-details` (paginated by student): UPN, year group (GO's label:
/// `Reception`, `7`…), registration group, house, admission and leaving.
pub(crate) fn education_details(
    school: &School,
    ix: &Index,
    cursor: Option<u64>,
    size: usize,
) -> Value {
    let all = students_by_id(school);
    let (page, next) = paged(&all, |s| num(&s.id), cursor, size);
    let items = page
        .iter()
        .map(|s| {
            let e = school.enrolments.iter().find(|e| e.student_id == s.id);
            json!({
                "student_id": num(&s.id),
                "upn": s.upn(),
                "former_upn": null,
                "national_curriculum_year": s.year_group.as_deref().map(wire_year),
                "registration_group": s.registration_group,
                "house": ix.house_of.get(&s.id),
                "admission_date": e.map(|e| midnight(e.admission_date)),
                "deleted_from_source": e.is_some_and(|e| e.leaving_date.is_some()),
                "leaving_date": e.and_then(|e| e.leaving_date).map(midnight),
                "student_education_attributes": [],
            })
        })
        .collect();
    envelope("students_and_education_details", items, next)
}

/// `GET …/teaching/departments`.
pub(crate) fn departments(ix: &Index) -> Value {
    Value::Array(
        ix.departments
            .iter()
            .enumerate()
            .map(|(i, name)| json!({ "id": i + 1, "name": name }))
            .collect(),
    )
}

/// `GET …/teaching/subjects`: one subject per subject and year group, as GO models them.
/// No qualification is recorded: `qan` and `qualification_title` are empty strings (the doc
/// types them as non-nullable strings), `qualification_scheme_name` is null.
pub(crate) fn subjects(school: &School, ix: &Index) -> Value {
    Value::Array(
        ix.subjects
            .iter()
            .map(|e| {
                let s = &school.subjects[e.subject];
                json!({
                    "id": e.id,
                    "name": s.name,
                    "code": s.code,
                    "year_group": wire_year(&e.year),
                    "department_id": ix.subject_department[e.subject] + 1,
                    "qan": "",
                    "qualification_title": "",
                    "qualification_scheme_name": null,
                    "include_in_stats": true,
                })
            })
            .collect(),
    )
}

fn initials(s: &mis_core::Staff) -> String {
    s.first_name
        .chars()
        .take(1)
        .chain(s.last_name.chars().take(1))
        .collect::<String>()
        .to_ascii_uppercase()
}

/// `GET …/teaching/teachers`: staff who teach. Ids are the staff ids (see [`staff`]).
pub(crate) fn teachers(school: &School, ix: &Index) -> Value {
    Value::Array(
        school
            .staff
            .iter()
            .filter(|s| ix.teachers.contains(&s.id))
            .map(|s| {
                json!({
                    "id": num(&s.id),
                    "title": s.title,
                    "first_name": s.first_name,
                    "last_name": s.last_name,
                    "preferred_first_name": s.first_name,
                    "preferred_last_name": s.last_name,
                    "initials": initials(s),
                    "code": s.code,
                })
            })
            .collect(),
    )
}

/// `GET …/teaching/groups`: teaching groups only (registration groups travel in education
/// details).
pub(crate) fn groups(school: &School, ix: &Index) -> Value {
    Value::Array(
        school
            .groups_of(GroupKind::Teaching)
            .map(|g| {
                let subject = g
                    .subject
                    .as_deref()
                    .and_then(|n| school.subjects.iter().position(|s| s.name == n));
                let subject_id = subject
                    .zip(ix.group_year.get(&g.id))
                    .and_then(|(s, y)| ix.subject_id(s, y));
                json!({
                    "id": num(&g.id),
                    "name": g.name,
                    "code": g.code.as_deref().unwrap_or(&g.name),
                    "subject_id": subject_id,
                })
            })
            .collect(),
    )
}

/// `GET …/teaching/groups/students`.
pub(crate) fn group_students(school: &School) -> Value {
    Value::Array(
        school
            .groups_of(GroupKind::Teaching)
            .map(|g| {
                let ids: Vec<u64> = g.student_ids.iter().map(|s| num(s)).collect();
                json!({ "group_id": num(&g.id), "student_ids": ids })
            })
            .collect(),
    )
}

/// `GET …/teaching/groups/teachers`.
pub(crate) fn group_teachers(school: &School) -> Value {
    Value::Array(
        school
            .groups_of(GroupKind::Teaching)
            .map(|g| {
                let ids: Vec<u64> = g.staff_ids.iter().map(|s| num(s)).collect();
                json!({ "group_id": num(&g.id), "teacher_ids": ids })
            })
            .collect(),
    )
}

const WEEKDAYS: [&str; 5] = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"];

/// `GET …/timetables`: one timetable (id 1) with every period of the two-week cycle.
/// `display_name` is the school's period label (`P1`), the one lessons carry.
pub(crate) fn timetables(school: &School, ix: &Index) -> Value {
    let periods: Vec<Value> = ix
        .periods
        .iter()
        .map(|p| {
            let period = &school.periods[p.period];
            let day = WEEKDAYS[usize::from(p.weekday - 1)];
            json!({
                "id": p.id,
                "name": format!("Week {} {day} {}", p.week, period.label),
                "display_name": period.label,
                "week": p.week,
                "day_of_week": day,
                "start": clock(period.start),
                "end": clock(period.end),
            })
        })
        .collect();
    json!([{ "id": 1, "periods": periods }])
}

/// `GET …/timetables/calendar`: every date of the academic year. School days are `Open`
/// with their timetable week; the INSET day is `Training`; weekends and holidays are
/// `Closed` with a null week (the doc's `day_type_code` values).
pub(crate) fn calendar(school: &School) -> Value {
    let year = &school.academic_year;
    let mut out = Vec::new();
    for date in year.start_date.series(jiff::Span::new().days(1)) {
        if date > year.end_date {
            break;
        }
        let row = match school.calendar.day(date) {
            Some(day) => json!({
                "timetable_id": 1,
                "week": day.week,
                "date": midnight(date),
                "day_type_code": "Open",
            }),
            None => {
                let training = school
                    .calendar
                    .closure_on(date)
                    .is_some_and(|c| c.kind == ClosureKind::Inset);
                json!({
                    "timetable_id": training.then_some(1),
                    "week": null,
                    "date": midnight(date),
                    "day_type_code": if training { "Training" } else { "Closed" },
                })
            }
        };
        out.push(row);
    }
    Value::Array(out)
}

/// `GET …/timetables/classes` (paginated by class id): a class is one teaching group in one
/// period of the cycle.
pub(crate) fn classes(school: &School, ix: &Index, cursor: Option<u64>, size: usize) -> Value {
    let (page, next) = paged(&ix.classes, |c| c.id, cursor, size);
    let items = page
        .iter()
        .map(|c| {
            let slot = &school.timetable[c.slot];
            let year = ix.group_year.get(&slot.group_id);
            let subject_code = school
                .subjects
                .iter()
                .find(|s| s.id == slot.subject_id)
                .map(|s| s.code.as_str());
            json!({
                "id": c.id,
                "year_group": year.map(|y| wire_year(y)),
                "subject_code": subject_code,
                "group_code": slot.group,
                "period_id": c.period_id,
                "rooms": [slot.room],
                "teacher_ids": [num(&slot.staff_id)],
            })
        })
        .collect();
    envelope("classes", items, next)
}

/// `GET …/timetables/student-classes` (paginated by student): each student's classes, from
/// the later of admission and the first day of the year, open-ended.
pub(crate) fn student_classes(
    school: &School,
    ix: &Index,
    cursor: Option<u64>,
    size: usize,
) -> Value {
    let all: Vec<&mis_core::Student> = students_by_id(school)
        .into_iter()
        .filter(|s| ix.student_classes.contains_key(&s.id))
        .collect();
    let (page, next) = paged(&all, |s| num(&s.id), cursor, size);
    let items = page
        .iter()
        .map(|s| {
            let start = school
                .enrolments
                .iter()
                .find(|e| e.student_id == s.id)
                .map_or(school.academic_year.start_date, |e| {
                    e.admission_date.max(school.academic_year.start_date)
                });
            let classes: Vec<Value> = ix.student_classes[&s.id]
                .iter()
                .map(|&c| json!({ "id": ix.classes[c].id, "start": midnight(start), "end": null }))
                .collect();
            json!({ "student_id": num(&s.id), "classes": classes })
        })
        .collect();
    envelope("student_classes", items, next)
}

/// `GET …/attendance/codes`: the year's DfE code book with GO ids and the school's aliases.
pub(crate) fn attendance_codes(ix: &Index) -> Value {
    Value::Array(
        ix.codes
            .iter()
            .map(|c| {
                let aliases: Vec<Value> = c
                    .aliases
                    .iter()
                    .map(|a| json!({ "id": a.id, "alias_code": a.code, "alias_label": a.label }))
                    .collect();
                json!({
                    "id": c.id,
                    "code": c.code,
                    "label": c.label,
                    "attendance_officer_only": false,
                    "protect_if_entered_by_attendance_officer": true,
                    "protect_if_entered_by_school_manager": false,
                    "protect_if_entered_by_behaviour_manager": false,
                    "aliases": aliases,
                })
            })
            .collect(),
    )
}

/// The alias a generated mark carries: the `M` aliases match the appointment notes.
fn alias_for(ix: &Index, code: &str, note: Option<&str>) -> Option<u64> {
    let entry = ix.code(code)?;
    let note = note?;
    entry.aliases.iter().find(|a| a.label == note).map(|a| a.id)
}

/// The slice of `marks` (sorted by date) on `date`.
fn on_date(marks: &[mis_core::AttendanceMark], date: Date) -> &[mis_core::AttendanceMark] {
    let start = marks.partition_point(|m| m.date < date);
    let end = marks.partition_point(|m| m.date <= date);
    &marks[start..end.max(start)]
}

/// `GET …/attendance/student-session-marks/date/{date}`: a bare array (the doc's sample)
/// of the AM and PM marks of every student that day, written marks replacing generated ones.
pub(crate) fn session_marks(school: &School, ix: &Index, overlay: &Overlay, date: Date) -> Value {
    let mut rows: BTreeMap<(u64, Session), Written> = BTreeMap::new();
    for m in on_date(&school.session_marks, date) {
        let (Some(session), Some(code)) = (m.session, ix.code(&m.code)) else {
            continue;
        };
        rows.insert(
            (num(&m.student_id), session),
            Written {
                mark_id: code.id,
                alias_id: alias_for(ix, &m.code, m.note.as_deref()),
                minutes_late: m.minutes_late,
                notes: m.note.clone(),
            },
        );
    }
    for ((student, d, session), w) in overlay {
        if *d == date {
            rows.insert((*student, *session), w.clone());
        }
    }
    Value::Array(
        rows.into_iter()
            .map(|((student, session), w)| {
                json!({
                    "date": midnight(date),
                    "session": session_wire(session),
                    "student_id": student,
                    "session_mark_id": w.mark_id,
                    "session_alias_id": w.alias_id,
                    "session_minutes_late": w.minutes_late,
                    "session_notes": w.notes,
                })
            })
            .collect(),
    )
}

/// `GET …/attendance/student-lesson-marks/date/{date}`: a bare array; `class_id` is the
/// timetabled class of the lesson (see [`classes`]).
pub(crate) fn lesson_marks(school: &School, ix: &Index, date: Date) -> Value {
    let marks = on_date(&school.lesson_marks, date);
    if marks.is_empty() {
        return json!([]);
    }
    let classes = ix.classes_on(school, date);
    Value::Array(
        marks
            .iter()
            .filter_map(|m| {
                let code = ix.code(&m.code)?;
                let class_id = m.lesson_id.as_ref().and_then(|l| classes.get(l));
                Some(json!({
                    "date": midnight(date),
                    "student_id": num(&m.student_id),
                    "class_id": class_id,
                    "lesson_mark_id": code.id,
                    "lesson_alias_id": alias_for(ix, &m.code, m.note.as_deref()),
                    "lesson_minutes_late": m.minutes_late,
                    "lesson_notes": m.note,
                }))
            })
            .collect(),
    )
}

#[derive(Default)]
struct Tally {
    present: u64,
    aea: u64,
    authorised: u64,
    unauthorised: u64,
    not_required: u64,
    missing: u64,
    late: u64,
}

impl Tally {
    fn add(&mut self, code: &str, date: Date) {
        let mapped = map_dfe(code, date);
        match mapped.category {
            AttendanceCategory::Present => self.present += 1,
            AttendanceCategory::ApprovedEducationalActivity => self.aea += 1,
            AttendanceCategory::AuthorisedAbsence => self.authorised += 1,
            AttendanceCategory::UnauthorisedAbsence => self.unauthorised += 1,
            AttendanceCategory::NoMark => self.missing += 1,
            _ => self.not_required += 1,
        }
        // The doc: "late session marks (before registration closed)" — `L`, not `U`.
        if mapped.late && mapped.category == AttendanceCategory::Present {
            self.late += 1;
        }
    }
}

/// `GET …/attendance/student-session-summary`: DfE session counts per on-roll student over
/// every session mark the emulator holds (written marks included). The doc counts "up to
/// (but not including) today"; the synthetic marks are all in the past of the school's
/// story, and using the real clock would make the body change from day to day.
pub(crate) fn session_summary(school: &School, ix: &Index, overlay: &Overlay) -> Value {
    let mut tallies: BTreeMap<u64, Tally> = BTreeMap::new();
    for e in &school.enrolments {
        if e.leaving_date
            .is_none_or(|l| l >= school.academic_year.start_date)
        {
            tallies.insert(num(&e.student_id), Tally::default());
        }
    }
    let mut seen = BTreeSet::new();
    for m in &school.session_marks {
        let Some(session) = m.session else { continue };
        let key = (num(&m.student_id), m.date, session);
        let code = match overlay.get(&key) {
            Some(w) => {
                seen.insert(key);
                ix.code_by_id(w.mark_id)
                    .map_or(m.code.as_str(), |c| &c.code)
            }
            None => m.code.as_str(),
        };
        tallies.entry(key.0).or_default().add(code, m.date);
    }
    for (key, w) in overlay {
        if seen.contains(key) {
            continue;
        }
        if let Some(c) = ix.code_by_id(w.mark_id) {
            tallies.entry(key.0).or_default().add(&c.code, key.1);
        }
    }
    Value::Array(
        tallies
            .into_iter()
            .map(|(student, t)| {
                json!({
                    "student_id": student,
                    "possible_sessions": t.present + t.aea + t.authorised + t.unauthorised + t.missing,
                    "present": t.present,
                    "approved_educational_activity": t.aea,
                    "authorised_absence": t.authorised,
                    "unauthorised_absence": t.unauthorised,
                    "attendance_not_required": t.not_required,
                    "missing_mark": t.missing,
                    "late": t.late,
                })
            })
            .collect(),
    )
}

/// Follow-up action 1, the only one the school uses: detentions follow some incidents.
const DETENTION_ACTION: u64 = 1;

/// `GET …/behaviour/classification`.
pub(crate) fn classifications(ix: &Index) -> Value {
    Value::Array(
        ix.classifications
            .iter()
            .map(|c| {
                let follow_up = if c.polarity == Polarity::Negative {
                    json!([{ "id": DETENTION_ACTION, "completion_type": "Optional" }])
                } else {
                    json!([])
                };
                json!({
                    "id": c.id,
                    "name": c.name,
                    "score": c.score,
                    "immediate_actions": [],
                    "follow_up_actions": follow_up,
                })
            })
            .collect(),
    )
}

fn significance(p: Polarity) -> &'static str {
    match p {
        Polarity::Positive => "Positive",
        Polarity::Negative => "Negative",
        _ => "Neutral",
    }
}

/// `GET …/behaviour/event-types`: `name` is the school's label; `significance` is the
/// polarity (`Positive`, `Negative`, `Neutral`).
pub(crate) fn event_types(ix: &Index) -> Value {
    Value::Array(
        ix.event_types
            .iter()
            .map(|t| {
                json!({
                    "id": t.id,
                    "classification_id": ix.classifications[t.classification].id,
                    "code": t.code,
                    "name": t.name,
                    "alias": null,
                    "significance": significance(t.polarity),
                    "prioritise": false,
                })
            })
            .collect(),
    )
}

/// `GET …/behaviour/actions/follow-up`.
pub(crate) fn follow_up_actions() -> Value {
    json!([{
        "id": DETENTION_ACTION,
        "name": "After-school detention",
        "alias": "Detention",
        "type": "Detention",
    }])
}

/// `GET …/behaviour/actions/immediate`: the school records none.
pub(crate) fn immediate_actions() -> Value {
    json!([])
}

/// `GET …/behaviour/events/date/{date}` (paginated by event id): `event_date` is the UTC
/// instant ("UTC date of the event"), not wall-clock time.
pub(crate) fn events(
    school: &School,
    ix: &Index,
    date: Date,
    cursor: Option<u64>,
    size: usize,
) -> Value {
    let start = school.behaviour.partition_point(|r| r.event.date < date);
    let end = school.behaviour.partition_point(|r| r.event.date <= date);
    let indices: Vec<usize> = (start..end.max(start)).collect();
    let (page, next) = paged(
        &indices,
        |i| num(&school.behaviour[*i].event.id),
        cursor,
        size,
    );
    let items = page
        .iter()
        .map(|&i| event_row(school, ix, i, &school.behaviour[i].event))
        .collect();
    envelope("behaviour_events", items, next)
}

/// One `behaviour_events` item: `e` as recorded in the context (author, lesson, event type)
/// of the school's behaviour record `i`.
pub(crate) fn event_row(
    school: &School,
    ix: &Index,
    i: usize,
    e: &mis_core::BehaviourEvent,
) -> Value {
    let r = &school.behaviour[i];
    let at = e
        .occurred_at
        .as_ref()
        .map(|t| t.timestamp().strftime("%Y-%m-%dT%H:%M:%SZ").to_string())
        .unwrap_or_else(|| midnight(e.date));
    let slot = r
        .group_id
        .as_ref()
        .and_then(|g| school.timetable.iter().find(|s| &s.group_id == g));
    let subject_code = slot.and_then(|s| {
        school
            .subjects
            .iter()
            .find(|x| x.id == s.subject_id)
            .map(|x| x.code.clone())
    });
    let year = r.group_id.as_ref().and_then(|g| ix.group_year.get(g));
    let ids: Vec<u64> = e.student_ids.iter().map(|s| num(s)).collect();
    let follow_ups: Vec<u64> = if ix.detention_events.contains(&e.id) {
        vec![DETENTION_ACTION]
    } else {
        Vec::new()
    };
    json!({
        "id": num(&e.id),
        "event_type_id": ix.event_types[ix.event_type_of[i]].id,
        "event_date": at,
        "closed": true,
        "cancelled": false,
        "room_name": slot.map(|s| s.room.clone()),
        "group_name": slot.map(|s| s.group.clone()),
        "subject_code": subject_code,
        "year_group": year.map(|y| wire_year(y)),
        "home_notes": e.notes,
        "school_notes": e.notes,
        "created_timestamp": at,
        "created_by": num(&r.staff_id),
        "modified_timestamp": null,
        "modified_by": null,
        "student_ids": ids,
        "event_action_ids": [],
        "event_followup_type_ids": follow_ups,
    })
}

/// A `behaviour_events` page holding all of `items` (one page: `has_more` false).
pub(crate) fn events_page(items: Vec<Value>) -> Value {
    envelope("behaviour_events", items, None)
}
