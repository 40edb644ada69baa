//! GO 4 Schools ids for the synthetic school's records, computed once per emulator.
//!
//! GO 4 Schools identifies everything with integers (vendor doc, every "Object" table), and
//! several of its entities have no counterpart with an id in the school model: attendance
//! codes and their aliases, per-year subjects, the periods of a two-week timetable, the
//! timetabled classes, behaviour classifications and event types. This module gives each a
//! fixed, deterministic integer so that the handlers and the fixtures agree.
//!
//! | entity | id scheme |
//! |---|---|
//! | student, staff (= teacher), teaching group | the school's own numeric id |
//! | attendance code | position in the code book + 1 |
//! | attendance alias | 1501… (the doc's sample alias id is 1522) |
//! | period | `week * 1000 + weekday * 100 + period number` (e.g. 1101 = week 1, Monday, P1) |
//! | timetabled class | 100 001… one per entry of the two-week timetable |
//! | subject | `year number * 100 + subject id` (Reception = 0), one per subject and year |
//! | department | 1… |
//! | behaviour classification | 1…; event type 101… |
//! | follow-up action "Detention" | 1 |

use std::collections::{BTreeMap, BTreeSet};

use jiff::civil::Date;
use mis_core::{GroupKind, Polarity};

use crate::school::School;

/// One attendance code of the year's code book, as GO numbers it.
#[derive(Debug, Clone)]
pub(crate) struct CodeEntry {
    pub id: u64,
    /// The DfE code, sent as is (a UK vendor).
    pub code: String,
    pub label: String,
    pub aliases: Vec<AliasEntry>,
}

/// A school-defined alias of a code ("IR — Isolation Room" in the vendor doc's sample).
#[derive(Debug, Clone)]
pub(crate) struct AliasEntry {
    pub id: u64,
    pub code: &'static str,
    pub label: &'static str,
}

/// Aliases the emulated school has defined, by the DfE code they refine. The `M` aliases
/// match the notes the generator writes on medical appointments, so marks carry them.
const ALIASES: &[(&str, &str, &str)] = &[
    ("/", "IR", "Isolation Room"),
    ("M", "DEN", "Dental appointment"),
    ("M", "GP", "GP appointment"),
    ("M", "HOS", "Hospital appointment"),
    ("M", "ORT", "Orthodontist"),
];

/// One period of the two-week timetable (GO lists week 1 and week 2 periods separately).
#[derive(Debug, Clone)]
pub(crate) struct PeriodEntry {
    pub id: u64,
    pub week: u8,
    /// 1 = Monday … 5 = Friday.
    pub weekday: u8,
    /// Index into `School::periods`.
    pub period: usize,
}

/// One timetabled class: a teaching group in one period of the cycle.
#[derive(Debug, Clone)]
pub(crate) struct ClassEntry {
    pub id: u64,
    /// Index into `School::timetable`.
    pub slot: usize,
    pub period_id: u64,
}

/// A subject as GO lists it: one per subject and year group.
#[derive(Debug, Clone)]
pub(crate) struct SubjectEntry {
    pub id: u64,
    /// Index into `School::subjects`.
    pub subject: usize,
    /// The school's year label (`R`, `7`…).
    pub year: String,
}

/// A behaviour classification group: one per polarity and size of award.
#[derive(Debug, Clone)]
pub(crate) struct Classification {
    pub id: u64,
    pub name: String,
    /// The severity score: the size of the school's award, unsigned as in the doc's sample
    /// (`"Disruptive behaviour"`, score 15); the sign comes from the event type's
    /// significance.
    pub score: i64,
    pub polarity: Polarity,
}

/// A behaviour event type.
#[derive(Debug, Clone)]
pub(crate) struct EventType {
    pub id: u64,
    /// Index into `Index::classifications`.
    pub classification: usize,
    pub code: String,
    pub name: String,
    pub polarity: Polarity,
}

/// Every GO id the emulator needs, derived from the school.
#[derive(Debug, Clone)]
pub(crate) struct Index {
    /// The academic year as GO writes it in paths: the calendar year the school year ends
    /// (2024/2025 → `2025`, as G4SApiSync's README says).
    pub year: i64,
    pub codes: Vec<CodeEntry>,
    pub periods: Vec<PeriodEntry>,
    pub classes: Vec<ClassEntry>,
    pub subjects: Vec<SubjectEntry>,
    pub departments: Vec<String>,
    /// Per school subject, its department index.
    pub subject_department: Vec<usize>,
    /// Teaching group id → the school's year label of its students.
    pub group_year: BTreeMap<String, String>,
    /// Student id → house name.
    pub house_of: BTreeMap<String, String>,
    /// Student id → indices into `classes`, ascending.
    pub student_classes: BTreeMap<String, Vec<usize>>,
    /// Staff ids of everyone who teaches (GET Teachers).
    pub teachers: BTreeSet<String>,
    pub classifications: Vec<Classification>,
    pub event_types: Vec<EventType>,
    /// Per `School::behaviour` record, its index into `event_types`.
    pub event_type_of: Vec<usize>,
    /// Behaviour event ids that led to a detention (follow-up action 1).
    pub detention_events: BTreeSet<String>,
}

/// The numeric form of a school id. School ids are numeric strings; anything else would be
/// a generator change, and gets a stable hash instead of a panic.
pub(crate) fn num(id: &str) -> u64 {
    id.parse().unwrap_or_else(|_| {
        id.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
        }) >> 12
    })
}

/// GO's year group label: `Reception` for the school's `R`, else the number (the API
/// reference: "eg. 'Reception', '11'").
pub(crate) fn wire_year(label: &str) -> String {
    if label == "R" {
        "Reception".to_string()
    } else {
        label.to_string()
    }
}

/// The national curriculum year number of a school year label (Reception = 0).
fn year_number(label: &str) -> u64 {
    label.parse().unwrap_or(0)
}

/// The department a subject belongs to, by its code.
fn department_name(code: &str, name: &str) -> String {
    match code {
        "Ma" => "Mathematics",
        "En" => "English",
        "Sc" => "Science",
        "Hi" | "Gg" | "RE" | "PS" => "Humanities",
        "Fr" => "Modern Foreign Languages",
        "Ar" | "Mu" => "Creative Arts",
        "PE" => "Physical Education",
        "Co" => "Computing",
        _ => name,
    }
    .to_string()
}

fn polarity_rank(p: Polarity) -> u8 {
    match p {
        Polarity::Positive => 0,
        Polarity::Negative => 1,
        _ => 2,
    }
}

fn polarity_of_rank(rank: u8) -> Polarity {
    match rank {
        0 => Polarity::Positive,
        1 => Polarity::Negative,
        _ => Polarity::Neutral,
    }
}

impl Index {
    /// Numbers everything in `school`.
    pub(crate) fn new(school: &School) -> Index {
        let year = i64::from(school.academic_year.end_date.year());

        // Attendance codes: the year's book, plus (defensively) any code a mark uses that the
        // book lacks, so every mark resolves.
        let mut codes: Vec<CodeEntry> = school
            .attendance_codes
            .iter()
            .map(|c| CodeEntry {
                id: 0,
                code: c.code.clone(),
                label: c.label.clone().unwrap_or_else(|| c.code.clone()),
                aliases: Vec::new(),
            })
            .collect();
        let known: BTreeSet<String> = codes.iter().map(|c| c.code.clone()).collect();
        let extra: BTreeSet<&str> = school
            .session_marks
            .iter()
            .chain(&school.lesson_marks)
            .map(|m| m.code.as_str())
            .filter(|c| !known.contains(*c))
            .collect();
        codes.extend(extra.into_iter().map(|c| CodeEntry {
            id: 0,
            code: c.to_string(),
            label: c.to_string(),
            aliases: Vec::new(),
        }));
        let mut alias_id = 1500;
        for (i, c) in codes.iter_mut().enumerate() {
            c.id = i as u64 + 1;
            for &(of, code, label) in ALIASES {
                if of == c.code {
                    alias_id += 1;
                    c.aliases.push(AliasEntry {
                        id: alias_id,
                        code,
                        label,
                    });
                }
            }
        }

        let mut periods = Vec::with_capacity(10 * school.periods.len());
        for week in 1..=2u8 {
            for weekday in 1..=5u8 {
                for p in 0..school.periods.len() {
                    periods.push(PeriodEntry {
                        id: period_id(week, weekday, p),
                        week,
                        weekday,
                        period: p,
                    });
                }
            }
        }

        let period_index: BTreeMap<&str, usize> = school
            .periods
            .iter()
            .enumerate()
            .map(|(i, p)| (p.id.as_str(), i))
            .collect();
        let classes: Vec<ClassEntry> = school
            .timetable
            .iter()
            .enumerate()
            .map(|(i, slot)| ClassEntry {
                id: 100_001 + i as u64,
                slot: i,
                period_id: period_id(
                    slot.week,
                    slot.weekday,
                    period_index
                        .get(slot.period_id.as_str())
                        .copied()
                        .unwrap_or(0),
                ),
            })
            .collect();

        // Year of each teaching group, from its members (names like `9X/Ma1` are only a
        // convention of the generator).
        let mut group_year = BTreeMap::new();
        for g in school.groups_of(GroupKind::Teaching) {
            let from_members = g
                .student_ids
                .first()
                .and_then(|s| school.student(s))
                .and_then(|s| s.year_group.clone());
            let from_name = || {
                let prefix: String = g.name.chars().take_while(char::is_ascii_digit).collect();
                (!prefix.is_empty())
                    .then_some(prefix)
                    .or_else(|| g.name.starts_with('R').then(|| "R".to_string()))
            };
            if let Some(y) = from_members.or_else(from_name) {
                group_year.insert(g.id.clone(), y);
            }
        }

        let mut departments: Vec<String> = Vec::new();
        let subject_department = school
            .subjects
            .iter()
            .map(|s| {
                let name = department_name(&s.code, &s.name);
                match departments.iter().position(|d| *d == name) {
                    Some(i) => i,
                    None => {
                        departments.push(name);
                        departments.len() - 1
                    }
                }
            })
            .collect();

        let mut pairs = BTreeSet::new();
        for g in school.groups_of(GroupKind::Teaching) {
            let subject = g
                .subject
                .as_deref()
                .and_then(|name| school.subjects.iter().position(|s| s.name == name));
            if let (Some(subject), Some(year)) = (subject, group_year.get(&g.id)) {
                pairs.insert((year_number(year), subject, year.clone()));
            }
        }
        let subjects = pairs
            .into_iter()
            .map(|(n, subject, year)| SubjectEntry {
                id: n * 100 + num(&school.subjects[subject].id),
                subject,
                year,
            })
            .collect();

        let mut house_of = BTreeMap::new();
        for g in school.groups_of(GroupKind::House) {
            for s in &g.student_ids {
                house_of.insert(s.clone(), g.name.clone());
            }
        }

        let mut classes_of_group: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
        for (i, slot) in school.timetable.iter().enumerate() {
            classes_of_group
                .entry(slot.group_id.as_str())
                .or_default()
                .push(i);
        }
        let mut student_classes: BTreeMap<String, Vec<usize>> = BTreeMap::new();
        for g in school.groups_of(GroupKind::Teaching) {
            let Some(cs) = classes_of_group.get(g.id.as_str()) else {
                continue;
            };
            for s in &g.student_ids {
                student_classes.entry(s.clone()).or_default().extend(cs);
            }
        }
        for cs in student_classes.values_mut() {
            cs.sort_unstable();
            cs.dedup();
        }

        let teachers = school
            .timetable
            .iter()
            .map(|s| s.staff_id.clone())
            .chain(
                school
                    .staff
                    .iter()
                    .filter(|s| s.roles.iter().any(|r| r == "teacher"))
                    .map(|s| s.id.clone()),
            )
            .collect();

        // Behaviour: one classification per polarity and award size, one event type per
        // label within it.
        let key = |r: &crate::school::BehaviourRecord| {
            (
                polarity_rank(r.event.polarity),
                r.event.points.unwrap_or(0).abs(),
                r.event.category.clone().unwrap_or_default(),
            )
        };
        let type_keys: BTreeSet<(u8, i64, String)> = school.behaviour.iter().map(key).collect();
        let class_keys: BTreeSet<(u8, i64)> = type_keys.iter().map(|k| (k.0, k.1)).collect();
        let classifications: Vec<Classification> = class_keys
            .iter()
            .enumerate()
            .map(|(i, &(rank, score))| {
                let polarity = polarity_of_rank(rank);
                let name = match polarity {
                    Polarity::Positive => format!("Achievement level {score}"),
                    Polarity::Negative => format!("Behaviour level {score}"),
                    _ if score == 0 => "Information".to_string(),
                    _ => format!("Information level {score}"),
                };
                Classification {
                    id: i as u64 + 1,
                    name,
                    score,
                    polarity,
                }
            })
            .collect();
        let class_keys: Vec<(u8, i64)> = class_keys.into_iter().collect();
        let mut used_codes = BTreeSet::new();
        let event_types: Vec<EventType> = type_keys
            .iter()
            .enumerate()
            .map(|(i, (rank, score, label))| {
                let letters: String = label
                    .chars()
                    .filter(char::is_ascii_alphanumeric)
                    .take(3)
                    .collect::<String>()
                    .to_ascii_uppercase();
                let base = format!("{letters}{score}");
                let mut code = base.clone();
                let mut n = 2;
                while !used_codes.insert(code.clone()) {
                    code = format!("{base}-{n}");
                    n += 1;
                }
                EventType {
                    id: 101 + i as u64,
                    classification: class_keys
                        .iter()
                        .position(|k| *k == (*rank, *score))
                        .unwrap_or(0),
                    code,
                    name: label.clone(),
                    polarity: polarity_of_rank(*rank),
                }
            })
            .collect();
        let type_keys: Vec<(u8, i64, String)> = type_keys.into_iter().collect();
        let event_type_of = school
            .behaviour
            .iter()
            .map(|r| type_keys.binary_search(&key(r)).unwrap_or(0))
            .collect();
        let detention_events = school
            .detentions
            .iter()
            .map(|d| d.behaviour_event_id.clone())
            .collect();

        Index {
            year,
            codes,
            periods,
            classes,
            subjects,
            departments,
            subject_department,
            group_year,
            house_of,
            student_classes,
            teachers,
            classifications,
            event_types,
            event_type_of,
            detention_events,
        }
    }

    /// The code entry of a DfE code.
    pub(crate) fn code(&self, code: &str) -> Option<&CodeEntry> {
        self.codes.iter().find(|c| c.code == code)
    }

    /// The code entry with GO id `id`.
    pub(crate) fn code_by_id(&self, id: u64) -> Option<&CodeEntry> {
        self.codes.iter().find(|c| c.id == id)
    }

    /// The id of the subject `subject` (index into `School::subjects`) in year `year`.
    pub(crate) fn subject_id(&self, subject: usize, year: &str) -> Option<u64> {
        self.subjects
            .iter()
            .find(|s| s.subject == subject && s.year == year)
            .map(|s| s.id)
    }

    /// The class id of every lesson on `date`, keyed by the school's lesson id (the same
    /// id lesson marks carry).
    pub(crate) fn classes_on(&self, school: &School, date: Date) -> BTreeMap<String, u64> {
        let Some(day) = school.calendar.day(date) else {
            return BTreeMap::new();
        };
        let weekday = date.weekday().to_monday_one_offset() as u8;
        self.classes
            .iter()
            .filter_map(|c| {
                let slot = &school.timetable[c.slot];
                if slot.week != day.week || slot.weekday != weekday {
                    return None;
                }
                let period = school.periods.iter().find(|p| p.id == slot.period_id)?;
                Some((School::lesson_id(&slot.group, date, &period.label), c.id))
            })
            .collect()
    }
}

/// The GO period id of (`week`, `weekday`, period index).
fn period_id(week: u8, weekday: u8, period: usize) -> u64 {
    u64::from(week) * 1000 + u64::from(weekday) * 100 + period as u64 + 1
}
