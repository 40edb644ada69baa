//! Behaviour events joined to their event types.
//!
//! An event carries only `event_type_id`; whether it is an achievement or an incident is the
//! type's `significance` (Positive / Negative / Neutral), and its label is the type's name
//! (vendor doc, Behaviour). GO awards no signed points per event (a classification's `score`
//! is the severity of a group of types), so `points` is `null`.

use std::collections::HashMap;

use jiff::civil::Date;
use jiff::tz::TimeZone;
use mis_core::{BehaviourEvent, DateTime, Polarity};

use super::VENDOR;
use crate::wire::{self, Significance};

/// The polarity of a significance; an unknown or missing one is `neutral` (the event is
/// neither known good nor known bad).
pub fn polarity(significance: Option<&Significance>) -> Polarity {
    match significance {
        Some(Significance::Positive) => Polarity::Positive,
        Some(Significance::Negative) => Polarity::Negative,
        _ => Polarity::Neutral,
    }
}

fn text(value: &Option<String>) -> Option<String> {
    value
        .as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
}

/// The model event for `e`, fetched for school date `date`; `None` for a cancelled event.
///
/// `occurred_at` is `event_date` (UTC, per the vendor doc) in the school's zone; `date` is the
/// date it was filed under. `category` is the type's name (else its alias, else its code);
/// `notes` the school notes (else the home notes); `author` the name of the staff account
/// that created it, when `authors` knows it.
pub fn behaviour_event(
    e: &wire::BehaviourEvent,
    date: Date,
    types: &HashMap<i64, wire::EventType>,
    tz: &TimeZone,
    authors: &HashMap<i64, String>,
) -> Option<BehaviourEvent> {
    if e.cancelled {
        return None;
    }
    let kind = e.event_type_id.and_then(|id| types.get(&id));
    let polarity = polarity(kind.and_then(|k| k.significance.as_ref()));
    let mut event = BehaviourEvent::new(VENDOR, e.id.to_string(), date, polarity)
        .with_student_ids(e.student_ids.iter().map(i64::to_string));
    event.occurred_at = e
        .event_date
        .map(|ts| DateTime::new(ts.to_zoned_datetime(tz.clone())));
    event.category = kind.and_then(|k| {
        text(&k.name)
            .or_else(|| text(&k.alias))
            .or_else(|| text(&k.code))
    });
    event.notes = text(&e.school_notes).or_else(|| text(&e.home_notes));
    event.author = e.created_by.and_then(|id| authors.get(&id).cloned());
    Some(event)
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn types() -> HashMap<i64, wire::EventType> {
        let list: Vec<wire::EventType> = serde_json::from_str(
            r#"[{"id": 1, "classification_id": 9, "code": "DB1", "name": "First Verbal Warning",
                 "alias": "FVW", "significance": "Negative", "prioritise": false},
                {"id": 2, "code": "M1", "name": "", "alias": "Merit", "significance": "positive"},
                {"id": 3, "code": "N", "significance": "Informational"}]"#,
        )
        .unwrap();
        list.into_iter().map(|t| (t.id, t)).collect()
    }

    fn event(json: &str) -> wire::BehaviourEvent {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn joins_the_type_and_places_the_time_in_the_school_zone() {
        let tz = TimeZone::get("Europe/London").unwrap();
        let authors = HashMap::from([(7, "Mrs S Jones".to_owned())]);
        let e = event(
            r#"{"id": 55, "event_type_id": 1, "event_date": "2024-09-10T12:45:13Z",
                "closed": false, "cancelled": false, "school_notes": "Talking",
                "home_notes": "Please discuss", "created_by": 7, "student_ids": [1, 2]}"#,
        );
        let got = behaviour_event(&e, date(2024, 9, 10), &types(), &tz, &authors).unwrap();
        assert_eq!(got.id, "55");
        assert_eq!(got.polarity, Polarity::Negative);
        assert_eq!(got.category.as_deref(), Some("First Verbal Warning"));
        assert_eq!(got.student_ids, ["1", "2"]);
        assert_eq!(got.notes.as_deref(), Some("Talking"));
        assert_eq!(got.author.as_deref(), Some("Mrs S Jones"));
        assert_eq!(got.points, None);
        assert_eq!(
            got.occurred_at.unwrap().to_string(),
            "2024-09-10T13:45:13+01:00"
        );
    }

    #[test]
    fn polarity_category_fallbacks_and_cancellations() {
        let tz = TimeZone::get("Europe/London").unwrap();
        let none = HashMap::new();
        let merit = event(
            r#"{"id": 1, "event_type_id": 2, "student_ids": null, "home_notes": "Well done"}"#,
        );
        let got = behaviour_event(&merit, date(2024, 9, 10), &types(), &tz, &none).unwrap();
        assert_eq!(got.polarity, Polarity::Positive);
        assert_eq!(got.category.as_deref(), Some("Merit"));
        assert!(got.student_ids.is_empty());
        assert_eq!(got.notes.as_deref(), Some("Well done"));
        assert_eq!(got.occurred_at, None);
        let odd = event(r#"{"id": 2, "event_type_id": 3}"#);
        let got = behaviour_event(&odd, date(2024, 9, 10), &types(), &tz, &none).unwrap();
        assert_eq!(got.polarity, Polarity::Neutral);
        assert_eq!(got.category.as_deref(), Some("N"));
        let unknown = event(r#"{"id": 3, "event_type_id": 99}"#);
        let got = behaviour_event(&unknown, date(2024, 9, 10), &types(), &tz, &none).unwrap();
        assert_eq!((got.polarity, got.category), (Polarity::Neutral, None));
        let cancelled = event(r#"{"id": 4, "event_type_id": 1, "cancelled": true}"#);
        assert!(behaviour_event(&cancelled, date(2024, 9, 10), &types(), &tz, &none).is_none());
    }
}
