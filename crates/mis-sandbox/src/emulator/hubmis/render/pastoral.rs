//! Behaviour events as pastoral wellbeing events.

use jiff::tz::TimeZone;
use mis_core::{GroupKind, Polarity};
use serde_json::{Value, json};

use super::super::int_id;
use super::super::query::{Bound, Page};
use super::{Index, staff_ref};
use crate::school::{BehaviourRecord, School};

/// `filter[...]` of `GET /pastoral/events`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EventFilter {
    /// `filter[type]`: `wellbeing_event` or `wellbeing_plan`.
    pub kind: Option<String>,
    /// `filter[dateTime][from]`.
    pub from: Option<Bound>,
    /// `filter[dateTime][to]`.
    pub to: Option<Bound>,
    /// `filter[category]`: a category id.
    pub category: Option<u64>,
    /// `filter[severity]`: a severity id.
    pub severity: Option<u64>,
    /// `filter[status]`: `active` or `inactive`.
    pub status: Option<String>,
    /// `filter[assignedTo]`: a staff id (the author).
    pub assigned_to: Option<u64>,
    /// `filter[yearGroup]`: events involving a student of this year group.
    pub year_group: Option<u64>,
    /// `filter[form]`: events involving a student of this form.
    pub form: Option<u64>,
    /// `filter[includePastStudents]`: also the events of students who have left ("false if
    /// not passed"). Without it, an event involving a past student is left out (inferred): the
    /// document does not say whether such an event is dropped or only loses that student.
    pub include_past_students: bool,
}

/// The wellbeing category of a polarity: `(id, name)`.
fn category(polarity: Polarity) -> (u64, &'static str) {
    match polarity {
        Polarity::Positive => (1, "Praise"),
        Polarity::Negative => (2, "Concern"),
        // Neutral, and any polarity a later model adds.
        _ => (3, "Note"),
    }
}

/// The severity of a concern, by its points: `(id, name)`.
fn severity(record: &BehaviourRecord) -> Option<(u64, &'static str)> {
    let points = record.event.points?;
    if record.event.polarity != Polarity::Negative {
        return None;
    }
    Some(match points.unsigned_abs() {
        0 | 1 => (1, "Low"),
        2 => (2, "Medium"),
        _ => (3, "High"),
    })
}

/// One behaviour event as a pastoral wellbeing event (an inferred shape; see the module docs
/// of [`super`] for the mapping).
pub fn pastoral_event(school: &School, index: &Index, record: &BehaviourRecord) -> Value {
    let e = &record.event;
    let (category_id, category_name) = category(e.polarity);
    let label = e.category.clone().unwrap_or_default();
    let description = match &e.notes {
        Some(note) => format!("{label}: {note}"),
        None => label,
    };
    let date_time = e.occurred_at.as_ref().map_or_else(
        || format!("{}T00:00:00Z", e.date),
        |t| t.timestamp().to_string(),
    );
    json!({
        "id": int_id(&e.id),
        "type": "wellbeing_event",
        "date_time": date_time,
        "category": { "id": category_id, "name": category_name },
        "severity": severity(record).map(|(id, name)| json!({ "id": id, "name": name })),
        "students": e.student_ids.iter().map(|s| json!({ "id": int_id(s) })).collect::<Vec<_>>(),
        "description": description,
        "status": "active",
        "created_by": index.staff(school, &record.staff_id).map(staff_ref),
    })
}

/// The events matching `filter`, in time order.
pub fn matching_events<'s>(
    school: &'s School,
    index: &Index,
    filter: &EventFilter,
    tz: &TimeZone,
) -> Vec<&'s BehaviourRecord> {
    let has_student = |e: &BehaviourRecord, group: u64, kind: GroupKind| {
        e.event
            .student_ids
            .iter()
            .any(|s| index.in_group(s, group, kind.clone()))
    };
    school
        .behaviour
        .iter()
        .filter(|r| {
            let at = r.event.occurred_at.as_ref().map(|t| t.timestamp());
            let date = r.event.date;
            filter
                .kind
                .as_deref()
                .is_none_or(|k| k == "wellbeing_event")
                && filter.status.as_deref().is_none_or(|s| s == "active")
                && filter.from.is_none_or(|b| b.admits_from(date, at, tz))
                && filter.to.is_none_or(|b| b.admits_to(date, at, tz))
                && filter
                    .category
                    .is_none_or(|c| category(r.event.polarity).0 == c)
                && filter
                    .severity
                    .is_none_or(|s| severity(r).map(|x| x.0) == Some(s))
                && filter
                    .assigned_to
                    .is_none_or(|s| r.staff_id == s.to_string())
                && filter
                    .year_group
                    .is_none_or(|g| has_student(r, g, GroupKind::Year))
                && filter
                    .form
                    .is_none_or(|g| has_student(r, g, GroupKind::Registration))
                && (filter.include_past_students
                    || !r.event.student_ids.iter().any(|s| index.is_past(s)))
        })
        .collect()
}

/// One page of `GET /students/{id}/wellbeing-events`: the wellbeing events involving the
/// student (left or on roll) that match `filter`, as a bare array.
pub fn student_wellbeing_events(
    school: &School,
    index: &Index,
    student_id: &str,
    filter: &EventFilter,
    page: Page,
) -> Value {
    let all: Vec<&BehaviourRecord> = matching_events(school, index, filter, &school.tz())
        .into_iter()
        .filter(|r| r.event.student_ids.iter().any(|s| s == student_id))
        .collect();
    Value::Array(
        page.slice(&all)
            .iter()
            .map(|r| pastoral_event(school, index, r))
            .collect(),
    )
}

/// One page of `GET /pastoral/events`: a bare array.
pub fn pastoral_events(school: &School, index: &Index, filter: &EventFilter, page: Page) -> Value {
    let all = matching_events(school, index, filter, &school.tz());
    Value::Array(
        page.slice(&all)
            .iter()
            .map(|r| pastoral_event(school, index, r))
            .collect(),
    )
}
