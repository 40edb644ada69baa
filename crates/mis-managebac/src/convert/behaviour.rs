//! Behaviour notes (`GET /behavior/notes`) → behaviour events.

use std::collections::BTreeMap;

use jiff::tz::TimeZone;
use mis_core::{BehaviourEvent, DateTime};

use super::{date, html_to_text, instant, text};
use crate::VENDOR;
use crate::config::PolarityMap;
use crate::wire::{BehaviorNote, Id};

/// How notes name students → ManageBac ids. Notes carry the school's own `student_id` (a
/// string such as `"chloe-42"`) and the student's e-mail, never the ManageBac id.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StudentIndex {
    by_school_id: BTreeMap<String, Id>,
    by_email: BTreeMap<String, Id>,
}

impl StudentIndex {
    /// An empty index.
    pub fn new() -> Self {
        StudentIndex::default()
    }

    /// Adds a student's school ids (`student_id`, `identifier`) and e-mail.
    pub fn add(&mut self, student: &crate::wire::Student) {
        self.add_key(&crate::wire::StudentKey::from(student));
    }

    /// Adds the ids of a [`StudentKey`](crate::wire::StudentKey).
    pub fn add_key(&mut self, student: &crate::wire::StudentKey) {
        for school_id in [&student.student_id, &student.identifier]
            .into_iter()
            .flatten()
        {
            let key = school_id.trim();
            if !key.is_empty() {
                self.by_school_id
                    .entry(key.to_owned())
                    .or_insert(student.id);
            }
        }
        if let Some(email) = text(student.email.as_deref()) {
            self.by_email
                .entry(email.to_lowercase())
                .or_insert(student.id);
        }
    }

    /// The ManageBac id of the student a note is about.
    pub fn resolve(&self, note: &BehaviorNote) -> Option<Id> {
        text(note.student_id.as_deref())
            .and_then(|s| self.by_school_id.get(&s).copied())
            .or_else(|| {
                text(note.email.as_deref())
                    .and_then(|e| self.by_email.get(&e.to_lowercase()).copied())
            })
    }
}

/// A note as an event.
///
/// - `student_ids`: the ManageBac id resolved through `students` — `Student.id`, never the
///   school's id; **empty** when the index does not know the student (the provider skips
///   such a note with a warning).
/// - `occurred_at` / `date`: `incident_time` in the school's zone; without it, the date the
///   note was created (`occurred_at` then stays empty). A note with neither is `None`.
/// - `polarity`: the school's mapping of `behavior_type` (ManageBac notes have none),
///   `neutral` by default; `points`: none (ManageBac notes carry no points).
/// - `notes`: the HTML as plain text; `author`: `reported_by`.
pub fn event(
    note: &BehaviorNote,
    students: &StudentIndex,
    polarity: &PolarityMap,
    tz: &TimeZone,
) -> Option<BehaviourEvent> {
    let occurred = instant(note.incident_time.as_deref())
        .map(|t| DateTime::new(t.to_zoned_datetime(tz.clone())));
    let day = match &occurred {
        Some(at) => at.date(),
        None => instant(note.created_at.as_deref())
            .map(|t| t.to_zoned_datetime(tz.clone()).date())
            .or_else(|| date(note.incident_time.as_deref()))
            .or_else(|| date(note.created_at.as_deref()))?,
    };
    let student = students.resolve(note).map(Id::text);
    let category = text(note.behavior_type.as_deref());
    let mut event = BehaviourEvent::new(
        VENDOR,
        note.id.text(),
        day,
        polarity.get(category.as_deref()),
    )
    .with_student_ids(student);
    event.occurred_at = occurred;
    event.category = category;
    event.notes = html_to_text(note.notes.as_deref());
    event.author = text(note.reported_by.as_deref());
    Some(event)
}

#[cfg(test)]
mod tests {
    use super::*;
    use mis_core::Polarity;

    fn note(json: &str) -> BehaviorNote {
        serde_json::from_str(json).unwrap()
    }

    fn index() -> StudentIndex {
        let mut i = StudentIndex::new();
        i.add(
            &serde_json::from_str(r#"{"id": 42, "student_id": "chloe-42", "email": "C@x.org"}"#)
                .unwrap(),
        );
        i
    }

    #[test]
    fn the_spec_example() {
        let n = note(
            r#"{"id": 7, "student_id": "chloe-42", "incident_time": "2024-09-03T10:24:00.000+01:00",
                "behavior_type": "Disruption", "notes": "<p>Talked &amp; talked.</p>",
                "reported_by": "Ada Byron", "created_at": "2024-09-03T09:29:00.000Z"}"#,
        );
        let tz = TimeZone::get("Europe/London").unwrap();
        let map = PolarityMap::new().set("disruption", Polarity::Negative);
        let e = event(&n, &index(), &map, &tz).unwrap();
        assert_eq!(e.id, "7");
        assert_eq!(e.student_ids, ["42"]);
        assert_eq!(
            e.occurred_at.unwrap().to_string(),
            "2024-09-03T10:24:00+01:00"
        );
        assert_eq!(e.date, jiff::civil::date(2024, 9, 3));
        assert_eq!(e.polarity, Polarity::Negative);
        assert_eq!(e.category.as_deref(), Some("Disruption"));
        assert_eq!(e.points, None);
        assert_eq!(e.notes.as_deref(), Some("Talked & talked."));
        assert_eq!(e.author.as_deref(), Some("Ada Byron"));
        // Unmapped types are neutral.
        let e = event(&n, &index(), &PolarityMap::new(), &tz).unwrap();
        assert_eq!(e.polarity, Polarity::Neutral);
    }

    #[test]
    fn dates_in_the_school_zone_and_fallbacks() {
        let tz = TimeZone::get("Asia/Tokyo").unwrap();
        // 23:30 UTC on the 3rd is the 4th in Tokyo.
        let e = event(
            &note(
                r#"{"id": 1, "student_id": "chloe-42", "incident_time": "2024-09-03T23:30:00Z"}"#,
            ),
            &index(),
            &PolarityMap::new(),
            &tz,
        )
        .unwrap();
        assert_eq!(e.date, jiff::civil::date(2024, 9, 4));
        let e = event(
            &note(r#"{"id": 2, "email": "c@X.org", "created_at": "2024-09-05T01:00:00Z"}"#),
            &index(),
            &PolarityMap::new(),
            &tz,
        )
        .unwrap();
        assert_eq!(
            (e.date, e.occurred_at),
            (jiff::civil::date(2024, 9, 5), None)
        );
        assert_eq!(e.student_ids, ["42"], "resolved by e-mail");
        let e = event(
            &note(r#"{"id": 3, "student_id": "unknown-1", "created_at": "2024-09-05"}"#),
            &index(),
            &PolarityMap::new(),
            &tz,
        )
        .unwrap();
        // Item 5: never the school's id in `student_ids`: unknown students give none.
        assert!(e.student_ids.is_empty(), "{:?}", e.student_ids);
        assert!(event(&note(r#"{"id": 4}"#), &index(), &PolarityMap::new(), &tz).is_none());
    }
}
