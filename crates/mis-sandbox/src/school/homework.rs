//! Homework set to teaching groups.
//!
//! Core subjects set homework every week, the others every fortnight (PE and PSHE none; in
//! primary schools only English and Maths). A task is set in the group's first lesson of the
//! week and is due in its first lesson at least six days later.

use mis_core::Homework;
use serde::{Deserialize, Serialize};

use super::calendar::{Calendar, SchoolDay, add_days};
use super::rng::Dice;
use super::timetable::{PERIODS_PER_DAY, StaffMember, Subject, TeachingGroup, slot_index};

/// A homework task with the ids an emulator needs to render it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HomeworkRecord {
    /// The task in the normalised model (group-level: `student_id` is `null`).
    pub homework: Homework,
    /// The teaching group's id.
    pub group_id: String,
    /// The setting teacher's staff id.
    pub staff_id: String,
}

/// (subject code, every week?, topics).
const TOPICS: &[(&str, bool, &[&str])] = &[
    (
        "Ma",
        true,
        &[
            "Fractions",
            "Negative numbers",
            "Expanding brackets",
            "Angles in polygons",
            "Ratio",
            "Times tables",
        ],
    ),
    (
        "En",
        true,
        &[
            "Persuasive writing",
            "Poetry analysis",
            "Reading log",
            "Spellings",
            "Character study",
            "Descriptive writing",
        ],
    ),
    (
        "Sc",
        true,
        &[
            "Cells",
            "Forces",
            "Particles",
            "Energy transfers",
            "Acids and alkalis",
        ],
    ),
    (
        "Hi",
        false,
        &[
            "The Norman Conquest",
            "The Tudors",
            "The Industrial Revolution",
            "Source analysis",
        ],
    ),
    (
        "Gg",
        false,
        &[
            "Rivers",
            "Map skills",
            "Weather and climate",
            "Urbanisation",
        ],
    ),
    (
        "Fr",
        true,
        &[
            "Vocabulary: family",
            "Vocabulary: school",
            "Present tense verbs",
            "Describing your town",
        ],
    ),
    (
        "Ar",
        false,
        &["Observational drawing", "Colour theory", "Artist research"],
    ),
    (
        "Mu",
        false,
        &["Rhythm notation", "Composer research", "Listening diary"],
    ),
    (
        "Co",
        false,
        &[
            "Algorithms",
            "Online safety",
            "Binary numbers",
            "Spreadsheets",
        ],
    ),
    (
        "RE",
        false,
        &[
            "Festivals of light",
            "Ethics: fairness",
            "Places of worship",
        ],
    ),
];

/// What the homework generator reads.
pub(crate) struct HomeworkContext<'a> {
    pub seed: u64,
    pub provider: &'a str,
    pub primary: bool,
    pub calendar: &'a Calendar,
    /// Days on which homework may be set.
    pub days: &'a [SchoolDay],
    pub teaching: &'a [TeachingGroup],
    pub group_ids: &'a [String],
    pub subjects: &'a [Subject],
    pub staff: &'a [StaffMember],
}

/// Generates the homework of every teaching group, sorted by date set.
pub(crate) fn generate(ctx: &HomeworkContext<'_>) -> Vec<HomeworkRecord> {
    let mut drafts = Vec::new();
    for (g, group) in ctx.teaching.iter().enumerate() {
        let subject = &ctx.subjects[group.subject];
        let Some(&(_, weekly, topics)) = TOPICS.iter().find(|(code, ..)| *code == subject.code)
        else {
            continue;
        };
        if ctx.primary && !matches!(subject.code.as_str(), "Ma" | "En") {
            continue;
        }
        let mut d = Dice::new(ctx.seed, "homework", g as u64);
        let mut last_monday = None;
        let mut week_number = 0usize;
        for day in ctx.days {
            let Some(_) = first_period(group, day) else {
                continue;
            };
            let monday = add_days(
                day.date,
                -i64::from(day.date.weekday().to_monday_zero_offset()),
            );
            if last_monday == Some(monday) {
                continue;
            }
            last_monday = Some(monday);
            week_number += 1;
            if !weekly && week_number % 2 == 0 {
                continue;
            }
            // Due at the group's first lesson six or more days later (or a week later if the
            // year ends first).
            let due = ctx
                .calendar
                .days_between(add_days(day.date, 6), add_days(day.date, 28))
                .iter()
                .find(|later| first_period(group, later).is_some())
                .map_or(add_days(day.date, 7), |later| later.date);
            let topic = *d.pick(topics);
            drafts.push((day.date, g, due, topic));
        }
    }
    drafts.sort_by_key(|(set, g, ..)| (*set, *g));

    drafts
        .into_iter()
        .enumerate()
        .map(|(k, (set_on, g, due_on, topic))| {
            let group = &ctx.teaching[g];
            let teacher = &ctx.staff[group.teacher];
            let subject = &ctx.subjects[group.subject];
            let mut homework = Homework::new(
                ctx.provider,
                (k + 1).to_string(),
                format!("{}: {topic}", subject.name),
            );
            homework.description = Some(format!(
                "Complete the {} task on {} set in class. Bring it to your next lesson.",
                subject.name.to_lowercase(),
                topic.to_lowercase()
            ));
            homework.subject = Some(subject.name.clone());
            homework.group = Some(group.name.clone());
            homework.set_by = Some(teacher.display.clone());
            homework.set_on = Some(set_on);
            homework.due_on = Some(due_on);
            HomeworkRecord {
                homework,
                group_id: ctx.group_ids[g].clone(),
                staff_id: teacher.staff.id.clone(),
            }
        })
        .collect()
}

/// The group's first period on `day`, if it is taught that day.
fn first_period(group: &TeachingGroup, day: &SchoolDay) -> Option<usize> {
    let weekday = day.date.weekday().to_monday_one_offset() as u8;
    let base = slot_index(day.week, weekday, 0);
    let bits = (group.slots >> base) & ((1u64 << PERIODS_PER_DAY) - 1);
    (bits != 0).then(|| bits.trailing_zeros() as usize)
}
