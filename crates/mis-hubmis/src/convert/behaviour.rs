//! Pastoral wellbeing events → [`BehaviourEvent`].
//!
//! HUBmis has no behaviour points: its pastoral module records wellbeing events with a
//! category and a severity, and nothing on the wire says whether an event is good or bad.
//! Polarity is therefore `neutral` unless the school's configuration names the event's
//! category as positive or negative ([`PolarityRules`]); points are always `null`.

use jiff::Timestamp;
use jiff::tz::TimeZone;
use mis_core::{BehaviourEvent, DateTime, Polarity, Result};

use super::{bad_record, nonempty, parse_date};
use crate::config::VENDOR;
use crate::wire::{Item, PastoralEvent, PersonRef};

const OPERATION: &str = "pastoral.events";

/// Which pastoral categories are positive or negative, by name (case-insensitive) or id.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PolarityRules {
    positive: Vec<String>,
    negative: Vec<String>,
}

impl PolarityRules {
    /// Rules from the configured category lists.
    pub fn new(positive: &[String], negative: &[String]) -> Self {
        let fold = |v: &[String]| v.iter().map(|c| c.trim().to_lowercase()).collect();
        PolarityRules {
            positive: fold(positive),
            negative: fold(negative),
        }
    }

    /// The polarity of an event in `category` (`neutral` when it is in neither list, or in
    /// both).
    pub fn polarity(&self, category: Option<&Item>) -> Polarity {
        let Some(c) = category else {
            return Polarity::Neutral;
        };
        let keys: Vec<String> = [c.name.as_deref(), c.id.as_ref().map(|i| i.as_str())]
            .into_iter()
            .flatten()
            .map(|k| k.trim().to_lowercase())
            .collect();
        let hit = |list: &[String]| keys.iter().any(|k| list.contains(k));
        match (hit(&self.positive), hit(&self.negative)) {
            (true, false) => Polarity::Positive,
            (false, true) => Polarity::Negative,
            _ => Polarity::Neutral,
        }
    }
}

/// When an event happened, read in the school's zone: an RFC 3339 instant (`…Z`,
/// `…+01:00`), a wall-clock date-time (`2024-09-02 10:15:00`, local to the school), or a date
/// alone (no time). Returns the time, if any, and the school date.
pub fn occurred(value: &str, tz: &TimeZone) -> Option<(Option<DateTime>, jiff::civil::Date)> {
    let v = value.trim();
    if v.len() == 10 {
        return parse_date(v).map(|d| (None, d));
    }
    if let Ok(ts) = v.parse::<Timestamp>() {
        let zoned = ts.to_zoned_datetime(tz.clone());
        let date = zoned.date();
        return Some((Some(DateTime::new(zoned)), date));
    }
    let civil: jiff::civil::DateTime = v.replacen(' ', "T", 1).parse().ok()?;
    let at = DateTime::from_local(civil, tz).ok()?;
    let date = at.date();
    Some((Some(at), date))
}

/// One event. A record without an id or a readable `date_time` is a `Decode` error.
pub fn event(e: &PastoralEvent, tz: &TimeZone, rules: &PolarityRules) -> Result<BehaviourEvent> {
    let id =
        e.id.as_ref()
            .map(|i| i.as_str().to_owned())
            .filter(|i| !i.is_empty())
            .ok_or_else(|| bad_record(OPERATION, "id", "a pastoral event has no id"))?;
    let when = e
        .date_time
        .as_deref()
        .or_else(|| e.extra.get("date").and_then(|v| v.as_str()))
        .ok_or_else(|| {
            bad_record(
                OPERATION,
                "date_time",
                format!("pastoral event {id} has no date_time"),
            )
        })?;
    let (occurred_at, date) = occurred(when, tz).ok_or_else(|| {
        bad_record(
            OPERATION,
            "date_time",
            format!("pastoral event {id}: the date_time is not a date or date-time"),
        )
    })?;
    let author = e
        .created_by
        .as_ref()
        .and_then(PersonRef::display_name)
        .or_else(|| {
            e.extra
                .get("author")
                .and_then(|v| serde_json::from_value::<PersonRef>(v.clone()).ok())
                .and_then(|p| p.display_name())
        });
    let polarity = rules.polarity(e.category.as_ref());
    let mut event = BehaviourEvent::new(VENDOR, id, date, polarity).with_student_ids(
        e.students
            .iter()
            .filter_map(|s| s.id.as_ref().map(|i| i.as_str())),
    );
    event.occurred_at = occurred_at;
    event.category = e.category.as_ref().and_then(|c| nonempty(c.label()));
    event.notes = nonempty(e.description.as_deref());
    event.author = author;
    Ok(event)
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;

    use super::*;

    fn london() -> TimeZone {
        TimeZone::get("Europe/London").unwrap()
    }

    const EVENT: &str = r#"{"id": 301, "type": "wellbeing_event",
        "date_time": "2024-09-03T09:30:00Z",
        "category": {"id": 2, "name": "Concern"}, "severity": {"id": 1, "name": "Low"},
        "students": [{"id": 56}, {"id": "57"}], "description": "Disruption: talking",
        "status": "active",
        "created_by": {"id": 12, "first_name": "Ben", "last_name": "Kakistos",
                       "title": {"id": 1, "name": "Mr"}}}"#;

    #[test]
    fn an_event_in_school_time_with_configured_polarity() {
        let e: PastoralEvent = serde_json::from_str(EVENT).unwrap();
        let rules = PolarityRules::new(&["Praise".into()], &["concern".into()]);
        let b = event(&e, &london(), &rules).unwrap();
        assert_eq!(b.id, "301");
        assert_eq!(b.student_ids, ["56", "57"]);
        assert_eq!(
            b.occurred_at.unwrap().to_string(),
            "2024-09-03T10:30:00+01:00"
        );
        assert_eq!(b.date, date(2024, 9, 3));
        assert_eq!(b.polarity, Polarity::Negative);
        assert_eq!(b.category.as_deref(), Some("Concern"));
        assert_eq!(b.points, None);
        assert_eq!(b.notes.as_deref(), Some("Disruption: talking"));
        assert_eq!(b.author.as_deref(), Some("Mr Ben Kakistos"));
    }

    #[test]
    fn polarity_is_neutral_unless_configured() {
        let e: PastoralEvent = serde_json::from_str(EVENT).unwrap();
        let b = event(&e, &london(), &PolarityRules::default()).unwrap();
        assert_eq!(b.polarity, Polarity::Neutral);
        // By id, and in both lists (ambiguous: neutral).
        let by_id = PolarityRules::new(&["2".into()], &[]);
        assert_eq!(by_id.polarity(e.category.as_ref()), Polarity::Positive);
        let both = PolarityRules::new(&["2".into()], &["Concern".into()]);
        assert_eq!(both.polarity(e.category.as_ref()), Polarity::Neutral);
        assert_eq!(by_id.polarity(None), Polarity::Neutral);
    }

    #[test]
    fn date_times_in_three_forms() {
        let tz = london();
        let (at, d) = occurred("2024-01-08 09:00:00", &tz).unwrap();
        assert_eq!(at.unwrap().to_string(), "2024-01-08T09:00:00+00:00");
        assert_eq!(d, date(2024, 1, 8));
        // Late evening UTC is already the next day in summer.
        let (_, d) = occurred("2024-06-03T23:30:00Z", &tz).unwrap();
        assert_eq!(d, date(2024, 6, 4));
        let (at, d) = occurred("2024-06-03", &tz).unwrap();
        assert!(at.is_none());
        assert_eq!(d, date(2024, 6, 3));
        assert!(occurred("yesterday", &tz).is_none());
    }

    #[test]
    fn an_event_without_a_time_is_an_error() {
        let e: PastoralEvent = serde_json::from_str(r#"{"id": 1}"#).unwrap();
        let err = event(&e, &london(), &PolarityRules::default()).unwrap_err();
        assert!(err.to_string().contains("date_time"), "{err}");
        let e: PastoralEvent = serde_json::from_str(r#"{"id": 1, "date": "2024-09-02"}"#).unwrap();
        assert_eq!(
            event(&e, &london(), &PolarityRules::default())
                .unwrap()
                .date,
            date(2024, 9, 2)
        );
    }
}
