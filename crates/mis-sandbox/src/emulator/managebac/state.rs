//! What the ManageBac emulator knows besides the school: lookups computed once from the
//! [`School`], and the records clients wrote.
//!
//! ManageBac ids are integers (in every example of the spec); the synthetic school's ids are
//! numeric strings (`1001`, `9001`, `42`), so they are used as they are.

use std::collections::{BTreeMap, BTreeSet};

use jiff::Timestamp;
use jiff::civil::Date;
use mis_core::{GroupKind, Session, Slot};

use crate::school::School;

/// A school id as a ManageBac integer id. Every id the synthetic school writes is a decimal
/// number; anything else (never generated) maps to 0 rather than panicking.
pub(super) fn num(id: &str) -> u64 {
    id.parse().unwrap_or(0)
}

/// The parent/guardian id linked to a student. The synthetic school has no parents, but an
/// excusal needs one (the spec: `POST /students/{id}/excusals` takes `parent_id` and refuses
/// a parent who is not linked), so each student gets exactly one.
pub(super) fn parent_of(student: u64) -> u64 {
    500_000 + student
}

/// A parent-submitted attendance excusal (the v2p1 reference's Excusals group).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Excusal {
    /// Excusal id.
    pub id: u64,
    /// ManageBac student id.
    pub student_id: u64,
    /// The parent who submitted it.
    pub parent_id: u64,
    /// First day.
    pub start: Date,
    /// Last day (inclusive).
    pub end: Date,
    /// The parent's comment.
    pub comment: String,
    /// When it was submitted.
    pub created_at: Timestamp,
    /// When it was last changed.
    pub updated_at: Timestamp,
}

impl Excusal {
    /// Calendar days covered, both ends included (the spec's `duration`: 27–29 Nov is 3).
    pub fn duration(&self) -> i64 {
        duration(self.start, self.end)
    }

    /// Whether the excusal covers `date`.
    pub fn applies_on(&self, date: Date) -> bool {
        self.start <= date && date <= self.end
    }
}

/// Calendar days from `start` to `end`, both included (0 or less when `end` is earlier).
pub(super) fn duration(start: Date, end: Date) -> i64 {
    start
        .until(end)
        .map(|span| i64::from(span.get_days()) + 1)
        .unwrap_or(0)
}

/// One lesson mark of a class on a date: (student, period numbered from 1, position in
/// `school.lesson_marks`).
pub(super) type LessonRef = (u64, u32, usize);

/// An illness or medical AM mark: (date, code, note).
type SickDay<'a> = (Date, &'a str, Option<&'a str>);

/// A status written by a client: `set_homeroom_attendance` or `PUT /classes/{id}/attendance`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Written {
    /// The category status id.
    pub status: i64,
    /// The notes sent with it (`""` when none).
    pub notes: String,
}

/// Everything clients wrote, keyed by the vendor's natural key so that repeating a write
/// replaces the record instead of adding a second one.
#[derive(Debug, Clone, Default)]
pub(super) struct Writes {
    /// Homeroom (day) attendance by (student, date).
    pub homeroom: BTreeMap<(u64, Date), Written>,
    /// Class attendance by (class, date, student, period numbered from 1).
    pub lessons: BTreeMap<(u64, Date, u64, u32), Written>,
    /// All excusals: the generated ones, then the ones clients created.
    pub excusals: Vec<Excusal>,
    /// The id the next created excusal gets.
    pub next_excusal: u64,
}

/// Lookups over one [`School`], computed once so that each request is a few map reads.
#[derive(Debug, Clone)]
pub(super) struct Index {
    /// Position in `school.students` by student id.
    pub student_pos: BTreeMap<u64, usize>,
    /// Position in `school.staff` by staff id.
    pub staff_pos: BTreeMap<u64, usize>,
    /// Position in `school.groups` by group id (year groups and classes share the id space).
    pub group_pos: BTreeMap<u64, usize>,
    /// Year groups (positions in `school.groups`), in order.
    pub year_groups: Vec<usize>,
    /// Classes = teaching groups (positions in `school.groups`), in order.
    pub classes: Vec<usize>,
    /// The year group (position in `school.groups`) of each on-roll student.
    pub year_of: BTreeMap<u64, usize>,
    /// The homeroom advisor (tutor's staff id) of each on-roll student.
    pub tutor_of: BTreeMap<u64, u64>,
    /// The year group (position in `school.groups`) a class is taught to.
    pub class_year: BTreeMap<u64, usize>,
    /// The AM session mark (position in `school.session_marks`) by (date, student): the
    /// homeroom register of the day.
    pub am_mark: BTreeMap<(Date, u64), usize>,
    /// Lesson marks by (class, date): (student, period numbered from 1, position in
    /// `school.lesson_marks`).
    pub class_marks: BTreeMap<(u64, Date), Vec<LessonRef>>,
    /// Behaviour notes, one per student of each event, in id order: (event position, student).
    pub notes: Vec<(usize, u64)>,
    /// The detention (position in `school.detentions`) given for (event id, student).
    pub detention: BTreeMap<(String, u64), usize>,
    /// Excusals derived from the school's illness and medical marks.
    pub excusals: Vec<Excusal>,
    /// (student, date) with an unauthorised session or lesson mark: a parent's excusal of
    /// that date would wrongly cover it, so the variant keeps illness marks as `Health`.
    pub unauthorised_days: BTreeSet<(u64, Date)>,
    /// The highest year number (`11` in a secondary school), for graduation years.
    pub last_year_number: u8,
}

impl Index {
    /// Computes every lookup for `school`.
    pub fn new(school: &School) -> Index {
        let student_pos = school
            .students
            .iter()
            .enumerate()
            .map(|(i, s)| (num(&s.id), i))
            .collect();
        let staff_pos = school
            .staff
            .iter()
            .enumerate()
            .map(|(i, s)| (num(&s.id), i))
            .collect();
        let group_pos = school
            .groups
            .iter()
            .enumerate()
            .map(|(i, g)| (num(&g.id), i))
            .collect();
        let of_kind = |kind: GroupKind| -> Vec<usize> {
            (0..school.groups.len())
                .filter(|i| school.groups[*i].kind == kind)
                .collect()
        };
        let year_groups = of_kind(GroupKind::Year);
        let classes = of_kind(GroupKind::Teaching);

        let mut year_of = BTreeMap::new();
        for &g in &year_groups {
            for s in &school.groups[g].student_ids {
                year_of.insert(num(s), g);
            }
        }
        let mut tutor_of = BTreeMap::new();
        for g in school.groups_of(GroupKind::Registration) {
            if let Some(tutor) = g.staff_ids.first() {
                for s in &g.student_ids {
                    tutor_of.insert(num(s), num(tutor));
                }
            }
        }
        let class_year = classes
            .iter()
            .filter_map(|&c| {
                let group = &school.groups[c];
                let first = group.student_ids.first()?;
                Some((num(&group.id), *year_of.get(&num(first))?))
            })
            .collect();

        let am_mark = school
            .session_marks
            .iter()
            .enumerate()
            .filter(|(_, m)| m.slot == Slot::Session && m.session == Some(Session::Am))
            .map(|(i, m)| ((m.date, num(&m.student_id)), i))
            .collect();

        // Lesson marks carry the lesson id (group label + date + period label); the expanded
        // timetable says which class and period each lesson id is.
        let mut lesson_of: BTreeMap<String, (u64, u32)> = BTreeMap::new();
        if let Some(range) = school.lesson_mark_range {
            let class_id: BTreeMap<&str, u64> = classes
                .iter()
                .map(|&c| (school.groups[c].name.as_str(), num(&school.groups[c].id)))
                .collect();
            for lesson in school.lessons_between(range.from(), range.to()) {
                let (Some(group), Some(period)) = (&lesson.group, &lesson.period) else {
                    continue;
                };
                if let (Some(&class), Some(p)) =
                    (class_id.get(group.as_str()), period_number(school, period))
                {
                    lesson_of.insert(lesson.id.clone(), (class, p));
                }
            }
        }
        let mut class_marks: BTreeMap<(u64, Date), Vec<LessonRef>> = BTreeMap::new();
        for (i, m) in school.lesson_marks.iter().enumerate() {
            let Some(&(class, period)) = m.lesson_id.as_ref().and_then(|l| lesson_of.get(l)) else {
                continue;
            };
            class_marks
                .entry((class, m.date))
                .or_default()
                .push((num(&m.student_id), period, i));
        }

        let notes = school
            .behaviour
            .iter()
            .enumerate()
            .flat_map(|(e, b)| b.event.student_ids.iter().map(move |s| (e, num(s))))
            .collect();
        let detention = school
            .detentions
            .iter()
            .enumerate()
            .map(|(i, d)| {
                (
                    (d.behaviour_event_id.clone(), num(&d.detention.student_id)),
                    i,
                )
            })
            .collect();

        let last_year_number = year_groups
            .iter()
            .map(|&g| year_number(school, g))
            .max()
            .unwrap_or(0);

        let unauthorised_days = school
            .session_marks
            .iter()
            .chain(&school.lesson_marks)
            .filter(|m| m.category == mis_core::AttendanceCategory::UnauthorisedAbsence)
            .map(|m| (num(&m.student_id), m.date))
            .collect();

        Index {
            unauthorised_days,
            excusals: excusals(school),
            student_pos,
            staff_pos,
            group_pos,
            year_groups,
            classes,
            year_of,
            tutor_of,
            class_year,
            am_mark,
            class_marks,
            notes,
            detention,
            last_year_number,
        }
    }

    /// Whether a generated excusal of `student` covers `date`.
    pub fn excused(&self, student: u64, date: Date) -> bool {
        self.excusals
            .iter()
            .any(|e| e.student_id == student && e.applies_on(date))
    }

    /// The write overlay a fresh emulator starts with: nothing written, the generated
    /// excusals in place.
    pub fn writes(&self) -> Writes {
        Writes {
            homeroom: BTreeMap::new(),
            lessons: BTreeMap::new(),
            next_excusal: self.excusals.iter().map(|e| e.id).max().unwrap_or(0) + 1,
            excusals: self.excusals.clone(),
        }
    }
}

/// The period number (1-based) of a period label (`P3` → 3).
pub(super) fn period_number(school: &School, label: &str) -> Option<u32> {
    school
        .periods
        .iter()
        .find(|p| p.label == label)
        .and_then(|p| p.id.parse().ok())
}

/// The national-curriculum year number of a year group (`Reception` = 0, `Year 9` = 9).
pub(super) fn year_number(school: &School, group: usize) -> u8 {
    let group = &school.groups[group];
    let label = group
        .student_ids
        .first()
        .and_then(|s| school.student(s))
        .and_then(|s| s.year_group.clone())
        .unwrap_or_else(|| group.name.trim_start_matches("Year ").to_string());
    if label == "R" || label == "Reception" {
        0
    } else {
        label.parse().unwrap_or(0)
    }
}

/// Excusals a parent would have sent: one per run of consecutive school days on which a
/// student's AM mark is illness (`I`) or a medical appointment (`M`), at most 12 days long
/// (the spec's limit). Ids follow (start date, student).
fn excusals(school: &School) -> Vec<Excusal> {
    let mut days: BTreeMap<u64, Vec<SickDay<'_>>> = BTreeMap::new();
    for m in &school.session_marks {
        if m.session == Some(Session::Am) && (m.code == "I" || m.code == "M") {
            days.entry(num(&m.student_id)).or_default().push((
                m.date,
                m.code.as_str(),
                m.note.as_deref(),
            ));
        }
    }
    let mut out = Vec::new();
    for (student, marks) in days {
        let mut run: Vec<SickDay<'_>> = Vec::new();
        let mut flush = |run: &mut Vec<SickDay<'_>>| {
            if let (Some(first), Some(last)) = (run.first(), run.last()) {
                let comment = first.2.map(str::to_string).unwrap_or_else(|| {
                    if first.1 == "M" {
                        "Medical appointment.".to_string()
                    } else {
                        "Unwell and staying at home.".to_string()
                    }
                });
                let created = at_utc(first.0, 7, 45);
                out.push(Excusal {
                    id: 0,
                    student_id: student,
                    parent_id: parent_of(student),
                    start: first.0,
                    end: last.0,
                    comment,
                    created_at: created,
                    updated_at: created,
                });
            }
            run.clear();
        };
        for mark in marks {
            let continues = run.last().is_some_and(|prev| {
                prev.1 == mark.1
                    && school
                        .calendar
                        .next_school_day(prev.0)
                        .is_some_and(|d| d.date == mark.0)
                    && duration(run[0].0, mark.0) <= 12
            });
            if !continues {
                flush(&mut run);
            }
            run.push(mark);
        }
        flush(&mut run);
    }
    out.sort_by_key(|e| (e.start, e.student_id));
    for (i, e) in out.iter_mut().enumerate() {
        e.id = i as u64 + 1;
    }
    out
}

/// `date` at `h:m` UTC.
pub(super) fn at_utc(date: Date, h: i8, m: i8) -> Timestamp {
    date.at(h, m, 0, 0)
        .to_zoned_datetime(jiff::tz::TimeZone::UTC)
        .map(|z| z.timestamp())
        .unwrap_or(Timestamp::UNIX_EPOCH)
}
