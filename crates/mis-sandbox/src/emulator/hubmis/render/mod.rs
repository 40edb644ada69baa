//! The school in HUBmis's wire format: pure functions from the [`School`] to `serde_json`
//! values, shared by the handlers and [`super::fixtures`].
//!
//! Shapes: students follow the vendor document's "Students: Get Student" sample, staff "Staff:
//! Get One Staff", contacts "Contacts: Get Contact", houses "Houses: Get House", year groups
//! and form groups their "Get one" samples, regional settings "School regional default
//! settings"; attendance records, attendance codes, the timetable calendar and pastoral events
//! follow inferred shapes (their samples lost their fields). The document collapses nested
//! objects (`"form": {…}`), so their inner fields are inferred from the sibling samples: a
//! reference to a record is `{"id", "name"}` plus `code` where that record has one.
//!
//! Date-times are UTC with a `Z` (`"2019-08-24T14:15:22Z"`, as every sample writes them);
//! period times are the school's wall clock (`"09:00:00"`), to be read in the regional
//! settings' time zone.

mod attendance;
mod pastoral;
mod people;
mod school;
mod timetable;

use std::collections::{BTreeSet, HashMap};

use mis_core::{Gender, GroupKind, Staff};
use serde_json::{Value, json};

use super::{Positions, int_id};
use crate::school::School;

pub use attendance::{MarkFilter, attendance, attendance_codes};
pub use pastoral::{EventFilter, pastoral_event, pastoral_events, student_wellbeing_events};
pub use people::{
    StudentFilter, contact, contacts, enrolment, staff, staff_list, student, students,
};
pub use school::{
    HouseFilter, academic_years, form_groups, house, houses, regional_settings, terms, year_groups,
};
pub use timetable::{calendar, staff_calendar, timetable};

/// Lookups built once per school, so that handlers do not scan the whole school per record.
#[derive(Debug, Default)]
pub struct Index {
    /// Group id → position in `school.groups`.
    groups: HashMap<String, usize>,
    /// Student id → positions of the groups they belong to (every kind).
    member_of: Positions,
    /// Student id → positions of their session marks in `school.session_marks`.
    marks: Positions,
    /// Staff id → position in `school.staff`.
    staff: HashMap<String, usize>,
    /// Staff id → positions of the registration groups they tutor.
    tutor_of: Positions,
    /// Registration group position → its year group's position.
    form_year: HashMap<usize, usize>,
    /// The kind of each group, by position.
    kinds: Vec<GroupKind>,
    /// Students who have left (`enrolment_status: "past"`).
    past: std::collections::HashSet<String>,
}

impl Index {
    /// Builds the lookups of `school`.
    pub fn new(school: &School) -> Index {
        let mut index = Index::default();
        for (g, group) in school.groups.iter().enumerate() {
            index.groups.insert(group.id.clone(), g);
            index.kinds.push(group.kind.clone());
            for s in &group.student_ids {
                index.member_of.entry(s.clone()).or_default().push(g);
            }
            if group.kind == GroupKind::Registration {
                for staff in &group.staff_ids {
                    index.tutor_of.entry(staff.clone()).or_default().push(g);
                }
            }
        }
        for (m, mark) in school.session_marks.iter().enumerate() {
            index
                .marks
                .entry(mark.student_id.clone())
                .or_default()
                .push(m);
        }
        for (i, s) in school.staff.iter().enumerate() {
            index.staff.insert(s.id.clone(), i);
        }
        index.past = school
            .students
            .iter()
            .filter(|s| s.enrolment_status == Some(mis_core::EnrolmentStatus::Leaver))
            .map(|s| s.id.clone())
            .collect();
        // A form belongs to the year group of its members (a form is one year's).
        for (g, group) in school.groups.iter().enumerate() {
            if group.kind != GroupKind::Registration {
                continue;
            }
            let year = group.student_ids.first().and_then(|s| {
                index.member_of.get(s).and_then(|gs| {
                    gs.iter()
                        .copied()
                        .find(|y| school.groups[*y].kind == GroupKind::Year)
                })
            });
            if let Some(y) = year {
                index.form_year.insert(g, y);
            }
        }
        index
    }

    /// Whether the student has left.
    pub fn is_past(&self, student_id: &str) -> bool {
        self.past.contains(student_id)
    }

    /// The session marks of one student, in date order.
    pub fn marks_of<'a>(&'a self, student_id: &str) -> impl Iterator<Item = usize> + 'a {
        self.marks.get(student_id).into_iter().flatten().copied()
    }

    fn group_of<'s>(
        &self,
        school: &'s School,
        student_id: &str,
        kind: GroupKind,
    ) -> Option<&'s mis_core::Group> {
        self.member_of
            .get(student_id)?
            .iter()
            .map(|g| &school.groups[*g])
            .find(|g| g.kind == kind)
    }

    /// Whether the student belongs to the group `group_id`, which must be of `kind` (a form
    /// id given as `filter[yearGroup]` matches nobody).
    fn in_group(&self, student_id: &str, group_id: u64, kind: GroupKind) -> bool {
        let Some(g) = self.groups.get(&group_id.to_string()) else {
            return false;
        };
        if self.kinds.get(*g) != Some(&kind) {
            return false;
        }
        self.member_of
            .get(student_id)
            .is_some_and(|gs| gs.contains(g))
    }

    fn staff<'s>(&self, school: &'s School, id: &str) -> Option<&'s Staff> {
        self.staff.get(id).map(|i| &school.staff[*i])
    }

    fn teaching_groups(&self, school: &School, student_id: &str) -> BTreeSet<String> {
        self.member_of
            .get(student_id)
            .into_iter()
            .flatten()
            .map(|g| &school.groups[*g])
            .filter(|g| g.kind == GroupKind::Teaching)
            .map(|g| g.id.clone())
            .collect()
    }
}

/// FNV-1a, for stable derived values (uuids, contact names).
fn fnv(parts: &[&[u8]]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for b in *part {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        h ^= 0xff;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// The token response ("Token" section sample).
pub fn token(access_token: &str) -> Value {
    json!({
        "token_type": "Bearer",
        "expires_in": super::auth::TOKEN_LIFETIME.as_secs(),
        "access_token": access_token,
    })
}

fn academic_year_ref(school: &School) -> Value {
    json!({ "id": int_id(&school.academic_year.id), "name": school.academic_year.name })
}

/// Gender records (the document's "Gender: Get List" resource): 1 Male, 2 Female, 3 other.
fn gender_ref(gender: Option<&Gender>) -> Value {
    match gender {
        None => Value::Null,
        Some(Gender::Male) => json!({ "id": 1, "name": "Male" }),
        Some(Gender::Female) => json!({ "id": 2, "name": "Female" }),
        Some(other) => {
            let raw = other.as_str();
            let mut name: String = raw.chars().take(1).flat_map(char::to_uppercase).collect();
            name.push_str(raw.get(1..).unwrap_or_default());
            json!({ "id": 3, "name": name })
        }
    }
}

/// The gender id `filter[gender]` matches.
fn gender_id(gender: Option<&Gender>) -> Option<u64> {
    match gender? {
        Gender::Male => Some(1),
        Gender::Female => Some(2),
        _ => Some(3),
    }
}

const TITLES: &[&str] = &["Mr", "Mrs", "Ms", "Miss", "Dr", "Mx"];

/// Title records (the document's "Titles: List"): `{"id", "name"}`.
fn title_ref(title: Option<&str>) -> Value {
    match title {
        None => Value::Null,
        Some(t) => {
            let id = TITLES.iter().position(|x| *x == t).map_or(99, |p| p + 1);
            json!({ "id": id, "name": t })
        }
    }
}

fn group_ref(group: &mis_core::Group) -> Value {
    json!({
        "id": int_id(&group.id),
        "name": group.name,
        "code": group_code(group),
    })
}

/// A group's code: its own, else for a house two capitals (the sample's `GH` for "Green
/// House"), else its name (forms are known by their label: `7A`).
fn group_code(group: &mis_core::Group) -> String {
    match (&group.code, &group.kind) {
        (Some(code), _) => code.clone(),
        (None, GroupKind::House) => group
            .name
            .chars()
            .take(2)
            .collect::<String>()
            .to_uppercase(),
        (None, _) => group.name.clone(),
    }
}

/// A year group's label (`"7"`, `"R"`): its name without `Year `.
fn year_label(group: &mis_core::Group) -> String {
    match group.name.strip_prefix("Year ") {
        Some(n) => n.to_string(),
        None if group.name == "Reception" => "R".to_string(),
        None => group.name.clone(),
    }
}

/// A year group reference: `code` as in the sample (`Y9`), `dfe_year` the school's label.
fn year_ref(group: &mis_core::Group) -> Value {
    let label = year_label(group);
    json!({
        "id": int_id(&group.id),
        "name": group.name,
        "code": format!("Y{label}"),
        "dfe_year": label,
    })
}

fn staff_ref(staff: &Staff) -> Value {
    json!({
        "id": int_id(&staff.id),
        "first_name": staff.first_name,
        "last_name": staff.last_name,
        "title": title_ref(staff.title.as_deref()),
    })
}
