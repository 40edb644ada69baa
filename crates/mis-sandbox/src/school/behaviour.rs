//! Behaviour events (achievements and incidents) and the detentions some incidents lead to.
//!
//! Events happen in lessons the student actually attended (their session mark says they were
//! in school), at a time inside the lesson, recorded by the lesson's teacher.

use jiff::civil::Date;
use jiff::tz::TimeZone;
use mis_core::{BehaviourEvent, DateTime, Detention, DetentionStatus, Polarity};
use serde::{Deserialize, Serialize};

use super::attendance::Outcome;
use super::calendar::{Calendar, SchoolDay};
use super::rng::Dice;
use super::timetable::{Period, Room, StaffMember, TeachingGroup, slot_index};

/// A behaviour event with the context an emulator needs to render it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BehaviourRecord {
    /// The event in the normalised model.
    pub event: BehaviourEvent,
    /// The staff id of the author.
    pub staff_id: String,
    /// The teaching group id of the lesson it happened in.
    pub group_id: Option<String>,
    /// The lesson id (same scheme as `School::lessons_between`).
    pub lesson_id: Option<String>,
    /// The period id of the lesson.
    pub period_id: Option<String>,
}

/// A detention with the incident that caused it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DetentionRecord {
    /// The detention in the normalised model.
    pub detention: Detention,
    /// The id of the negative behaviour event it was given for.
    pub behaviour_event_id: String,
    /// The staff id of who set it.
    pub staff_id: String,
}

/// (label, points, may involve a second student).
const POSITIVE: &[(&str, i64, bool)] = &[
    ("Excellent work", 1, false),
    ("Excellent work", 2, false),
    ("Excellent work", 3, false),
    ("Effort", 1, false),
    ("Homework", 1, false),
    ("Teamwork", 1, true),
    ("Helping others", 2, false),
    ("Outstanding contribution", 3, false),
];
const NEGATIVE: &[(&str, i64, bool)] = &[
    ("Disruption", -1, true),
    ("Disruption", -2, true),
    ("Late to lesson", -1, false),
    ("No homework", -1, false),
    ("Lack of equipment", -1, false),
    ("Defiance", -2, false),
    ("Unkind behaviour", -2, true),
    ("Fighting", -3, true),
];
const NEUTRAL: &[(&str, i64, bool)] = &[
    ("Parent contacted", 0, false),
    ("Wellbeing check-in", 0, false),
    ("Uniform note", 0, false),
];

/// What the behaviour generator reads.
pub(crate) struct BehaviourContext<'a> {
    pub seed: u64,
    pub provider: &'a str,
    pub tz: &'a TimeZone,
    pub calendar: &'a Calendar,
    /// The days with session marks (events happen only on these).
    pub days: &'a [SchoolDay],
    /// `sessions[day * students + student]`.
    pub sessions: &'a [[Outcome; 2]],
    pub student_ids: &'a [String],
    /// Per student, the teaching group (index) in each slot, if any.
    pub timetables: &'a [[u32; super::timetable::SLOTS]],
    pub teaching: &'a [TeachingGroup],
    pub group_ids: &'a [String],
    pub periods: &'a [Period],
    pub staff: &'a [StaffMember],
    pub rooms: &'a [Room],
    /// The last day with data: detentions after it are still `scheduled`.
    pub as_of: Option<Date>,
}

/// No group in this slot.
pub(crate) const FREE: u32 = u32::MAX;

struct Draft {
    day: usize,
    minute: i64,
    students: Vec<usize>,
    kind: (&'static str, i64, Polarity),
    note: Option<String>,
    group: usize,
    period: usize,
}

/// Generates events and detentions.
pub(crate) fn generate(ctx: &BehaviourContext<'_>) -> (Vec<BehaviourRecord>, Vec<DetentionRecord>) {
    let n = ctx.student_ids.len();
    let mut drafts = Vec::new();
    for i in 0..n {
        let mut d = Dice::new(ctx.seed, "behaviour", i as u64);
        // Rates per lesson attended: most students earn praise now and then; a few are
        // often in trouble.
        let positive = [0.03, 0.06, 0.10][d.weighted(&[30, 50, 20])];
        let negative = [0.002, 0.01, 0.04][d.weighted(&[70, 22, 8])];
        let neutral = 0.002;
        for (j, day) in ctx.days.iter().enumerate() {
            let weekday = day.date.weekday().to_monday_one_offset() as u8;
            for (p, period) in ctx.periods.iter().enumerate() {
                let group = ctx.timetables[i][slot_index(day.week, weekday, p)];
                if group == FREE || !present(ctx, j, i, period) {
                    continue;
                }
                let roll = d.unit();
                let (list, polarity) = if roll < positive {
                    (POSITIVE, Polarity::Positive)
                } else if roll < positive + negative {
                    (NEGATIVE, Polarity::Negative)
                } else if roll < positive + negative + neutral {
                    (NEUTRAL, Polarity::Neutral)
                } else {
                    continue;
                };
                let &(label, points, pair) = d.pick(list);
                let mut students = vec![i];
                if pair && d.chance(0.4) {
                    let members = &ctx.teaching[group as usize].members;
                    let other = *d.pick(members);
                    if other != i && present(ctx, j, other, period) {
                        students.push(other);
                        students.sort_unstable();
                    }
                }
                let length = minutes(period.end) - minutes(period.start);
                let note = d.chance(0.3).then(|| note_for(label).to_string());
                drafts.push(Draft {
                    day: j,
                    minute: minutes(period.start) + d.between(2, length - 2),
                    students,
                    kind: (label, points, polarity),
                    note,
                    group: group as usize,
                    period: p,
                });
            }
        }
    }
    // Ids ascend with time, as vendors' ids do (ClassCharts pages on them).
    drafts.sort_by(|a, b| (a.day, a.minute, &a.students).cmp(&(b.day, b.minute, &b.students)));

    let mut events = Vec::with_capacity(drafts.len());
    for (k, draft) in drafts.iter().enumerate() {
        let day = &ctx.days[draft.day];
        let group = &ctx.teaching[draft.group];
        let teacher = &ctx.staff[group.teacher];
        let period = &ctx.periods[draft.period];
        let at = day
            .date
            .at((draft.minute / 60) as i8, (draft.minute % 60) as i8, 0, 0);
        let mut event =
            BehaviourEvent::new(ctx.provider, (k + 1).to_string(), day.date, draft.kind.2)
                .with_student_ids(draft.students.iter().map(|s| ctx.student_ids[*s].as_str()));
        event.occurred_at =
            Some(DateTime::from_local(at, ctx.tz).expect("school hours are never in a DST gap"));
        event.category = Some(draft.kind.0.to_string());
        event.points = Some(draft.kind.1);
        event.notes = draft.note.clone();
        event.author = Some(teacher.display.clone());
        events.push(BehaviourRecord {
            event,
            staff_id: teacher.staff.id.clone(),
            group_id: Some(ctx.group_ids[draft.group].clone()),
            lesson_id: Some(mis_core::stable_lesson_id(
                &group.name,
                day.date,
                &period.label,
            )),
            period_id: Some(period.id.clone()),
        });
    }

    let detentions = detentions(ctx, &drafts, &events);
    (events, detentions)
}

fn present(ctx: &BehaviourContext<'_>, day: usize, student: usize, period: &Period) -> bool {
    let n = ctx.student_ids.len();
    let s = match period.session {
        mis_core::Session::Am => 0,
        mis_core::Session::Pm => 1,
    };
    ctx.sessions[day * n + student][s].is_in_school()
}

fn minutes(t: jiff::civil::Time) -> i64 {
    i64::from(t.hour()) * 60 + i64::from(t.minute())
}

fn note_for(label: &str) -> &'static str {
    match label {
        "Excellent work" => "Superb piece of work in class today.",
        "Effort" => "Worked hard throughout the lesson.",
        "Homework" => "Homework completed to a high standard.",
        "Teamwork" => "Worked really well with others.",
        "Helping others" => "Helped a classmate who was stuck.",
        "Outstanding contribution" => "Answers showed real insight.",
        "Disruption" => "Talking over the teacher after a warning.",
        "Late to lesson" => "Arrived without a note.",
        "No homework" => "Homework not handed in.",
        "Lack of equipment" => "No pen or book.",
        "Defiance" => "Refused to follow an instruction.",
        "Unkind behaviour" => "Unkind comments to another student.",
        "Fighting" => "Physical altercation; both students spoken to.",
        _ => "Logged for information.",
    }
}

/// Some incidents lead to a detention after school on the next school day.
fn detentions(
    ctx: &BehaviourContext<'_>,
    drafts: &[Draft],
    events: &[BehaviourRecord],
) -> Vec<DetentionRecord> {
    let mut d = Dice::new(ctx.seed, "detentions", 0);
    let mut out = Vec::new();
    for (draft, record) in drafts.iter().zip(events) {
        let (label, points, polarity) = draft.kind;
        let serious = points <= -2 || label == "No homework";
        if polarity != Polarity::Negative || !serious || !d.chance(0.4) {
            continue;
        }
        let Some(next) = ctx.calendar.next_school_day(record.event.date) else {
            continue;
        };
        let group = &ctx.teaching[draft.group];
        let (end_h, end_m, location) = if points <= -3 {
            (16, 15, "Main hall".to_string())
        } else {
            (15, 50, ctx.rooms[group.room].code.clone())
        };
        let status = match ctx.as_of {
            Some(as_of) if next.date <= as_of => [
                DetentionStatus::Attended,
                DetentionStatus::Missed,
                DetentionStatus::Cancelled,
            ][d.weighted(&[80, 15, 5])]
            .clone(),
            _ => DetentionStatus::Scheduled,
        };
        let at = |h: i8, m: i8| {
            DateTime::from_local(next.date.at(h, m, 0, 0), ctx.tz)
                .expect("school hours are never in a DST gap")
        };
        // Everyone involved in the incident is kept behind.
        for student in &draft.students {
            let mut detention = Detention::new(
                ctx.provider,
                (out.len() + 1).to_string(),
                ctx.student_ids[*student].as_str(),
                next.date,
            );
            detention.start = Some(at(15, 20));
            detention.end = Some(at(end_h, end_m));
            detention.location = Some(location.clone());
            detention.reason = Some(label.to_string());
            detention.status = Some(status.clone());
            out.push(DetentionRecord {
                detention,
                behaviour_event_id: record.event.id.clone(),
                staff_id: record.staff_id.clone(),
            });
        }
    }
    out
}
