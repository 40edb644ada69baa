//! Subjects, periods, rooms, staff and the two-week timetable.
//!
//! The timetable is built so that it is *valid*, not just plausible: every student has exactly
//! one lesson in every period of the fortnight, and no teacher or room is in two places at
//! once. Secondary years are split into two half-year blocks (`X`, `Y`) whose teaching groups
//! of one subject are taught at the same time (so setting by ability is possible), and teachers
//! are given groups greedily, with a bitmask of the 50 slots to rule out clashes.

use std::collections::BTreeSet;

use jiff::civil::Time;
use mis_core::{Identifier, IdentifierKind, Session, Staff};
use serde::{Deserialize, Serialize};

use super::names;
use super::rng::Dice;
use super::students::Roster;
use super::{Phase, YearSpec};

/// Periods per day.
pub(crate) const PERIODS_PER_DAY: usize = 5;
/// Slots in the two-week cycle (2 weeks × 5 days × periods).
pub(crate) const SLOTS: usize = 2 * 5 * PERIODS_PER_DAY;
// Slot sets are `u64` bitmasks.
const _: () = assert!(SLOTS <= 64);
/// Most lessons a teacher teaches in a fortnight (the rest is planning time).
const MAX_LOAD: u32 = 40;

/// A subject taught at the school.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Subject {
    /// Id.
    pub id: String,
    /// Short code used in group names, e.g. `Ma`.
    pub code: String,
    /// Name, e.g. `Maths`.
    pub name: String,
}

/// A timetabled period of the school day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Period {
    /// Id (`1`…).
    pub id: String,
    /// Label written on lessons and lesson marks (`P1`…).
    pub label: String,
    /// Wall-clock start (school time zone).
    pub start: Time,
    /// Wall-clock end.
    pub end: Time,
    /// Which statutory session the period falls in.
    pub session: Session,
}

/// When a statutory session register is taken: a student arriving after `opens` but before
/// `closes` is late (`L`); after `closes`, late after registers closed (`U`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegisterWindow {
    /// AM or PM.
    pub session: Session,
    /// Register opens (minutes late are counted from here).
    pub opens: Time,
    /// Register closes.
    pub closes: Time,
}

/// A teaching room.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Room {
    /// Id.
    pub id: String,
    /// Short code, e.g. `MA3`.
    pub code: String,
    /// Name, e.g. `Maths 3`.
    pub name: String,
}

/// One entry of the two-week timetable: a teaching group in a period of a cycle day.
///
/// Names are repeated next to ids so that an emulator can render a slot without lookups.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimetableSlot {
    /// Timetable week: `1` or `2`.
    pub week: u8,
    /// Day of the week: `1` = Monday … `5` = Friday.
    pub weekday: u8,
    /// The period's id.
    pub period_id: String,
    /// The teaching group's id.
    pub group_id: String,
    /// The teaching group's label, e.g. `9X/Ma1`.
    pub group: String,
    /// The subject's id.
    pub subject_id: String,
    /// The subject's name.
    pub subject: String,
    /// The teacher's staff id.
    pub staff_id: String,
    /// The teacher's display name, e.g. `Mr J Smith`.
    pub teacher: String,
    /// The room's id.
    pub room_id: String,
    /// The room's code.
    pub room: String,
}

/// A subject with how often it is taught and where.
struct SubjectSpec {
    code: &'static str,
    name: &'static str,
    /// Lessons per fortnight: secondary, primary (each column sums to [`SLOTS`]).
    lessons: [usize; 2],
    room_prefix: &'static str,
    room_name: &'static str,
    /// Setted by ability (secondary) rather than taught in form order.
    setted: bool,
}

const SUBJECTS: &[SubjectSpec] = &[
    spec("Ma", "Maths", [7, 10], "MA", "Maths", true),
    spec("En", "English", [7, 10], "EN", "English", true),
    spec("Sc", "Science", [7, 5], "SC", "Science lab", true),
    spec("Hi", "History", [4, 3], "HU", "Humanities", false),
    spec("Gg", "Geography", [4, 3], "HU", "Humanities", false),
    spec("Fr", "French", [4, 0], "LA", "Languages", false),
    spec("Ar", "Art", [3, 3], "AR", "Art studio", false),
    spec("Mu", "Music", [3, 3], "MU", "Music", false),
    spec("PE", "PE", [4, 4], "PE", "Sports hall", false),
    spec("Co", "Computing", [3, 3], "IT", "Computer suite", false),
    spec(
        "RE",
        "Religious Education",
        [2, 3],
        "HU",
        "Humanities",
        false,
    ),
    spec("PS", "PSHE", [2, 3], "HU", "Humanities", false),
];

const fn spec(
    code: &'static str,
    name: &'static str,
    lessons: [usize; 2],
    room_prefix: &'static str,
    room_name: &'static str,
    setted: bool,
) -> SubjectSpec {
    SubjectSpec {
        code,
        name,
        lessons,
        room_prefix,
        room_name,
        setted,
    }
}

/// A teaching group while the school is being built.
#[derive(Debug, Clone)]
pub(crate) struct TeachingGroup {
    pub name: String,
    pub subject: usize,
    /// Pupil indices, in id order.
    pub members: Vec<usize>,
    /// Bit `s` set = the group is taught in slot `s` (see [`slot_index`]).
    pub slots: u64,
    pub teacher: usize,
    pub room: usize,
}

/// A member of staff while the school is being built.
#[derive(Debug, Clone)]
pub(crate) struct StaffMember {
    pub staff: Staff,
    /// `Mr J Smith`: how timetables and behaviour logs name them.
    pub display: String,
}

/// Everything [`build`] decides.
pub(crate) struct Plan {
    pub subjects: Vec<Subject>,
    pub periods: Vec<Period>,
    pub registers: Vec<RegisterWindow>,
    pub rooms: Vec<Room>,
    pub staff: Vec<StaffMember>,
    pub teaching: Vec<TeachingGroup>,
    /// Tutor (staff index) and room (room index) of each form, same order as `Roster::forms`.
    pub tutors: Vec<(usize, usize)>,
}

/// The slot number of (`week` 1–2, `weekday` 1–5, period index 0–4).
pub(crate) fn slot_index(week: u8, weekday: u8, period: usize) -> usize {
    (usize::from(week) - 1) * 5 * PERIODS_PER_DAY
        + (usize::from(weekday) - 1) * PERIODS_PER_DAY
        + period
}

/// (`week`, `weekday`, period index) of a slot number.
pub(crate) fn slot_parts(slot: usize) -> (u8, u8, usize) {
    let week = slot / (5 * PERIODS_PER_DAY);
    let rest = slot % (5 * PERIODS_PER_DAY);
    (
        week as u8 + 1,
        (rest / PERIODS_PER_DAY) as u8 + 1,
        rest % PERIODS_PER_DAY,
    )
}

fn t(h: i8, m: i8) -> Time {
    jiff::civil::time(h, m, 0, 0)
}

/// The school day: five one-hour periods, break after P2, lunch after P3.
pub(crate) fn periods() -> Vec<Period> {
    let spans = [
        ((9, 0), (10, 0), Session::Am),
        ((10, 0), (11, 0), Session::Am),
        ((11, 20), (12, 20), Session::Am),
        ((13, 10), (14, 10), Session::Pm),
        ((14, 10), (15, 10), Session::Pm),
    ];
    spans
        .iter()
        .enumerate()
        .map(|(i, (s, e, session))| Period {
            id: (i + 1).to_string(),
            label: format!("P{}", i + 1),
            start: t(s.0, s.1),
            end: t(e.0, e.1),
            session: *session,
        })
        .collect()
}

/// AM registration in tutor time before P1; PM registration at the start of P4.
pub(crate) fn registers() -> Vec<RegisterWindow> {
    vec![
        RegisterWindow {
            session: Session::Am,
            opens: t(8, 40),
            closes: t(9, 10),
        },
        RegisterWindow {
            session: Session::Pm,
            opens: t(13, 10),
            closes: t(13, 40),
        },
    ]
}

/// Hires staff with unique codes and e-mails.
struct Hiring<'a> {
    dice: Dice,
    provider: &'a str,
    domain: &'a str,
    codes: BTreeSet<String>,
    emails: BTreeSet<String>,
    staff: Vec<StaffMember>,
}

impl Hiring<'_> {
    fn hire(&mut self, roles: &[&str]) -> usize {
        let d = &mut self.dice;
        let female = d.chance(0.62);
        let (first, title) = if female {
            let title = ["Mrs", "Ms", "Miss", "Dr"][d.weighted(&[45, 30, 20, 5])];
            (*d.pick(names::FEMALE_FIRST), title)
        } else {
            (
                *d.pick(names::MALE_FIRST),
                ["Mr", "Dr"][d.weighted(&[95, 5])],
            )
        };
        let last = *d.pick(names::LAST);
        let index = self.staff.len();

        // Staff code: initial + first two letters of the surname (`JSm` → `JSM`), numbered on
        // a clash, as MIS staff codes usually are.
        let surname = names::email_part(last).to_ascii_uppercase();
        let base = format!("{}{}", &first[..1], &surname[..2.min(surname.len())]);
        let mut code = base.clone();
        let mut n = 2;
        while !self.codes.insert(code.clone()) {
            code = format!("{base}{n}");
            n += 1;
        }
        let local_base = format!(
            "{}.{}",
            names::email_part(&first[..1]),
            names::email_part(last)
        );
        let mut local = local_base.clone();
        let mut n = 2;
        while !self.emails.insert(local.clone()) {
            local = format!("{local_base}{n}");
            n += 1;
        }

        let id = (9001 + index).to_string();
        let mut staff = Staff::new(self.provider, id, first, last);
        staff.title = Some(title.to_string());
        staff.email = Some(format!("{local}@{}", self.domain));
        staff.code = Some(code);
        staff.roles = roles.iter().map(|r| r.to_string()).collect();
        staff.identifiers = vec![Identifier::new(
            IdentifierKind::MisId,
            format!("{}", 700_000 + index),
        )];
        let display = format!("{title} {} {last}", &first[..1]);
        self.staff.push(StaffMember { staff, display });
        index
    }
}

/// Rooms, numbered per prefix (`MA1`, `MA2`, …).
#[derive(Default)]
struct Rooms {
    rooms: Vec<Room>,
    counters: Vec<(&'static str, usize)>,
}

impl Rooms {
    fn add(&mut self, prefix: &'static str, name: &str) -> usize {
        let n = match self.counters.iter_mut().find(|(p, _)| *p == prefix) {
            Some((_, n)) => {
                *n += 1;
                *n
            }
            None => {
                self.counters.push((prefix, 1));
                1
            }
        };
        let index = self.rooms.len();
        self.rooms.push(Room {
            id: (101 + index).to_string(),
            code: format!("{prefix}{n}"),
            name: format!("{name} {n}"),
        });
        index
    }
}

/// Builds subjects, staff, rooms, teaching groups and their slots for `roster`.
pub(crate) fn build(
    seed: u64,
    phase: Phase,
    provider: &str,
    domain: &str,
    years: &[YearSpec],
    roster: &Roster,
) -> Plan {
    let column = match phase {
        Phase::Secondary => 0,
        Phase::Primary => 1,
    };
    let specs: Vec<(usize, &SubjectSpec)> = SUBJECTS
        .iter()
        .filter(|s| s.lessons[column] > 0)
        .enumerate()
        .collect();
    let subjects: Vec<Subject> = specs
        .iter()
        .map(|(i, s)| Subject {
            id: (i + 1).to_string(),
            code: s.code.to_string(),
            name: s.name.to_string(),
        })
        .collect();
    debug_assert_eq!(
        specs.iter().map(|(_, s)| s.lessons[column]).sum::<usize>(),
        SLOTS
    );

    let mut hiring = Hiring {
        dice: Dice::new(seed, "staff", 0),
        provider,
        domain,
        codes: BTreeSet::new(),
        emails: BTreeSet::new(),
        staff: Vec::new(),
    };
    let mut rooms = Rooms::default();
    hiring.hire(&["headteacher"]);
    hiring.hire(&["deputy headteacher"]);
    hiring.hire(&["attendance officer"]);
    hiring.hire(&["SENCo"]);

    // Subjects are laid out in runs on a circle of 50 positions (`Ma Ma … En En … Sc …`),
    // and position `p` is taught in slot `7p mod 50`. Because 7 and 50 are coprime this is a
    // permutation, and it spreads each run across the fortnight: a day's five slots are
    // positions 7 apart, so no subject (with at most 7 lessons) comes twice in a day. Each
    // block (or primary class) turns the circle by its own offset; blocks whose offsets
    // differ by at least a run's length have that subject at disjoint times, so one teacher
    // can take a group in each of them — which keeps the staff count realistic.
    let mut layout_dice = Dice::new(seed, "timetable", 0);
    let mut layout: Vec<usize> = (0..specs.len()).collect();
    layout_dice.shuffle(&mut layout);
    let circle: Vec<usize> = layout
        .iter()
        .flat_map(|i| std::iter::repeat_n(*i, specs[*i].1.lessons[column]))
        .collect();
    let turn = layout_dice.below(SLOTS);
    let pattern = |offset: usize| -> Vec<usize> {
        let mut by_slot = vec![0; SLOTS];
        for (p, subject) in circle.iter().enumerate() {
            by_slot[(7 * ((p + offset + turn) % SLOTS)) % SLOTS] = *subject;
        }
        by_slot
    };
    let mask_of = |p: &[usize], subject: usize| -> u64 {
        p.iter()
            .enumerate()
            .filter(|(_, s)| **s == subject)
            .fold(0u64, |m, (slot, _)| m | (1 << slot))
    };

    let mut teaching = Vec::new();
    let mut tutors = Vec::with_capacity(roster.forms.len());
    match phase {
        Phase::Primary => {
            // One class teacher per class, who teaches it everything in its own classroom.
            let mut offsets = Dice::new(seed, "offsets", 0);
            for form in &roster.forms {
                let teacher = hiring.hire(&["teacher", "tutor"]);
                let room = rooms.add("CR", "Classroom");
                tutors.push((teacher, room));
                let p = pattern(offsets.below(SLOTS));
                for (subject, spec) in &specs {
                    teaching.push(TeachingGroup {
                        name: format!("{}/{}", form.name, spec.code),
                        subject: *subject,
                        members: form.members.clone(),
                        slots: mask_of(&p, *subject),
                        teacher,
                        room,
                    });
                }
            }
        }
        Phase::Secondary => {
            // Half-year blocks: X takes the first half of the year's forms, Y the rest.
            let mut blocks: Vec<(usize, char, Vec<usize>)> = Vec::new();
            for y in 0..years.len() {
                let forms: Vec<usize> = (0..roster.forms.len())
                    .filter(|f| roster.forms[*f].year == y)
                    .collect();
                if forms.is_empty() {
                    continue;
                }
                let half = forms.len().div_ceil(2);
                blocks.push((y, 'X', forms[..half].to_vec()));
                if forms.len() > half {
                    blocks.push((y, 'Y', forms[half..].to_vec()));
                }
            }
            // Offsets evenly spaced round the circle, dealt to the blocks in a random order.
            let mut offsets: Vec<usize> = (0..blocks.len())
                .map(|b| b * SLOTS / blocks.len())
                .collect();
            Dice::new(seed, "offsets", 0).shuffle(&mut offsets);
            let mut drafts = Vec::new();
            for ((y, letter, forms), offset) in blocks.iter().zip(offsets) {
                let p = pattern(offset);
                // Form order (mixed ability) vs ability order (sets).
                let by_form: Vec<usize> = forms
                    .iter()
                    .flat_map(|f| roster.forms[*f].members.iter().copied())
                    .collect();
                let mut by_ability = by_form.clone();
                by_ability.sort_by_key(|m| (std::cmp::Reverse(roster.pupils[*m].ability), *m));
                let k = forms.len();
                for (subject, spec) in &specs {
                    let order = if spec.setted { &by_ability } else { &by_form };
                    let n = order.len();
                    for j in 0..k {
                        let mut members = order[j * n / k..(j + 1) * n / k].to_vec();
                        members.sort_unstable();
                        drafts.push(TeachingGroup {
                            name: format!("{}{letter}/{}{}", years[*y].label, spec.code, j + 1),
                            subject: *subject,
                            members,
                            slots: mask_of(&p, *subject),
                            teacher: usize::MAX,
                            room: usize::MAX,
                        });
                    }
                }
            }

            // Greedy, clash-free staffing: each group goes to the first teacher of its subject
            // who is free in all of its slots and under the load limit; else a new teacher.
            // Each teacher has one room, so rooms never clash either.
            let mut by_subject: Vec<Vec<(usize, usize, u64)>> = vec![Vec::new(); specs.len()];
            let mut order: Vec<usize> = (0..drafts.len()).collect();
            order.sort_by_key(|g| drafts[*g].subject);
            for g in order {
                let group = &mut drafts[g];
                let pool = &mut by_subject[group.subject];
                let lessons = group.slots.count_ones();
                let found = pool.iter_mut().find(|(_, _, busy)| {
                    *busy & group.slots == 0 && busy.count_ones() + lessons <= MAX_LOAD
                });
                let (teacher, room) = match found {
                    Some((teacher, room, busy)) => {
                        *busy |= group.slots;
                        (*teacher, *room)
                    }
                    None => {
                        let spec = specs[group.subject].1;
                        let teacher = hiring.hire(&["teacher"]);
                        let room = rooms.add(spec.room_prefix, spec.room_name);
                        pool.push((teacher, room, group.slots));
                        (teacher, room)
                    }
                };
                group.teacher = teacher;
                group.room = room;
            }
            teaching = drafts;

            // Form tutors: teachers in a shuffled order, then pastoral tutors if forms
            // outnumber teachers (only in very small schools).
            let mut teachers: Vec<(usize, usize)> = by_subject
                .iter()
                .flat_map(|pool| pool.iter().map(|(t, r, _)| (*t, *r)))
                .collect();
            teachers.sort_unstable();
            Dice::new(seed, "tutors", 0).shuffle(&mut teachers);
            for f in 0..roster.forms.len() {
                let tutor = match teachers.get(f) {
                    Some(&(teacher, room)) => {
                        hiring.staff[teacher].staff.roles.push("tutor".into());
                        (teacher, room)
                    }
                    None => (hiring.hire(&["tutor"]), rooms.add("TU", "Tutor room")),
                };
                tutors.push(tutor);
            }
        }
    }

    Plan {
        subjects,
        periods: periods(),
        registers: registers(),
        rooms: rooms.rooms,
        staff: hiring.staff,
        teaching,
        tutors,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subject_lessons_fill_the_fortnight() {
        for column in 0..2 {
            let total: usize = SUBJECTS.iter().map(|s| s.lessons[column]).sum();
            assert_eq!(total, SLOTS);
        }
    }

    #[test]
    fn slot_numbers_round_trip() {
        for s in 0..SLOTS {
            let (w, d, p) = slot_parts(s);
            assert_eq!(slot_index(w, d, p), s);
        }
    }
}
