//! The variant profile ([`crate::Profile::Variant`]): shapes real GO 4 Schools schools send
//! besides the common one. Each is listed, with its source, in the module docs of
//! [`super`] ("Variant profile").

use jiff::civil::Weekday;
use mis_core::{BehaviourEvent, DateTime, Polarity};
use serde_json::Value;

use super::index::num;
use crate::school::School;

/// The dummy date-time the vendor doc writes for times (`start`/`end` of periods and of
/// student classes): `2020-01-01T00:00:00Z`.
pub(crate) const DUMMY_TIME: &str = "2020-01-01T00:00:00Z";

/// One trip: the school's behaviour record it copies (author, lesson context, event type)
/// and the event as the normalised model has it.
pub(crate) struct Trip {
    pub record: usize,
    pub event: BehaviourEvent,
}

/// The trip the variant school records on a closed day: a copy of the first positive event,
/// for the same students, on the first Saturday after it (weekends are `Closed` in the
/// calendar), 10:00 school time, with the next free event id.
pub(crate) fn trip(school: &School) -> Option<Trip> {
    let record = school
        .behaviour
        .iter()
        .position(|r| r.event.polarity == Polarity::Positive)?;
    let source = &school.behaviour[record].event;
    let mut date = source.date.tomorrow().ok()?;
    while date.weekday() != Weekday::Saturday {
        date = date.tomorrow().ok()?;
    }
    let next_id = school
        .behaviour
        .iter()
        .map(|r| num(&r.event.id))
        .max()
        .unwrap_or(0)
        + 1;
    let mut event = source.clone();
    event.id = next_id.to_string();
    event.date = date;
    event.occurred_at = DateTime::from_local(date.at(10, 0, 0, 0), &school.tz()).ok();
    event.notes = Some("Geography field trip".to_owned());
    Some(Trip { record, event })
}

/// The behaviour events the variant profile serves on closed days, in the normalised model:
/// what a client reading the variant school should find besides `School::behaviour_events`.
pub fn trip_events(school: &School) -> Vec<BehaviourEvent> {
    trip(school).map(|t| t.event).into_iter().collect()
}

/// Whether the student left before the school's academic year began: the variant school
/// lists them only in the year before (students and education details of `{year - 1}`).
pub(crate) fn past_leaver(school: &School, student_id: &str) -> bool {
    school.enrolments.iter().any(|e| {
        e.student_id == student_id
            && e.leaving_date
                .is_some_and(|l| l < school.academic_year.start_date)
    })
}

/// A paging envelope without `has_more`: only the `cursor` says whether a page follows
/// (null on the last page).
pub(crate) fn drop_has_more(v: &mut Value) {
    if let Some(map) = v.as_object_mut() {
        map.remove("has_more");
    }
}

/// Student classes with the doc example's dummy `start`/`end` instead of membership dates.
pub(crate) fn dummy_class_times(v: &mut Value) {
    for student in v["student_classes"].as_array_mut().into_iter().flatten() {
        for class in student["classes"].as_array_mut().into_iter().flatten() {
            class["start"] = Value::from(DUMMY_TIME);
            class["end"] = Value::from(DUMMY_TIME);
        }
    }
}

/// Keeps the items of a list (bare array, or the envelope's array under `key`) whose
/// `student_id` field satisfies `keep`.
pub(crate) fn retain_students(v: &mut Value, key: &str, field: &str, keep: impl Fn(u64) -> bool) {
    let list = if v.is_array() {
        v.as_array_mut()
    } else {
        v[key].as_array_mut()
    };
    if let Some(items) = list {
        items.retain(|item| item[field].as_u64().is_some_and(&keep));
    }
}
