//! `/activity` points → [`BehaviourEvent`]s.

use jiff::tz::TimeZone;
use mis_core::{BehaviourEvent, DecodeDetail, Error, Polarity, Result};

use super::clean;
use super::time::local_date_time;
use crate::VENDOR;
use crate::wire::{ActivityPoint, WirePolarity};

/// One activity point as a [`BehaviourEvent`], or `None` when it is not a behaviour point
/// (`type` is `detention`, `notice`, `attendance_event`… — those are not behaviour events).
///
/// * `polarity`: `positive` / `negative`; `blank` → `neutral`; `null` (the JS types allow
///   it) or a value this version does not know → the sign of `score`;
/// * `category` = `reason`, `points` = `score` as awarded (signed, never rescaled),
///   `notes` = `note`, `author` = `teacher_name`;
/// * `occurred_at`: `timestamp` (`"2023-04-21 10:00:00"`, no zone) as wall-clock time in
///   the school's zone `tz`; `date` is its date at the school.
///
/// Errors: `Decode` naming `data[index].timestamp` when it is missing or malformed.
pub fn event(
    p: &ActivityPoint,
    index: usize,
    student_id: &str,
    tz: &TimeZone,
) -> Result<Option<BehaviourEvent>> {
    if !p.is_behaviour() {
        return Ok(None);
    }
    let bad = |why: String| {
        Error::decode(
            VENDOR,
            "activity",
            format!("activity point {}: {why}", p.id),
            DecodeDetail::new(format!("data[{index}].timestamp"), b""),
        )
    };
    let raw = clean(&p.timestamp).ok_or_else(|| bad("the timestamp is missing".into()))?;
    let at = local_date_time(&raw, tz).map_err(bad)?;
    let polarity = match &p.polarity {
        Some(WirePolarity::Positive) => Polarity::Positive,
        Some(WirePolarity::Negative) => Polarity::Negative,
        Some(WirePolarity::Blank) => Polarity::Neutral,
        Some(_) | None => Polarity::from_points(p.score.unwrap_or(0)),
    };
    let mut event = BehaviourEvent::new(VENDOR, p.id.as_str(), at.date(), polarity)
        .with_student_ids([student_id]);
    event.occurred_at = Some(at);
    event.category = clean(&p.reason);
    event.points = p.score;
    event.notes = clean(&p.note);
    event.author = clean(&p.teacher_name);
    Ok(Some(event))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn point(v: serde_json::Value) -> ActivityPoint {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn behaviour_points_become_events() {
        let tz = TimeZone::get("Europe/London").unwrap();
        let p = point(json!({
            "id": 5001, "type": "behaviour", "polarity": "positive", "reason": "Excellent work",
            "score": 2, "timestamp": "2023-04-21 10:00:00", "teacher_name": "Mr J Smith",
            "note": "Great answer", "_can_delete": false, "badges": ""
        }));
        let e = event(&p, 0, "42", &tz).unwrap().unwrap();
        assert_eq!(e.id, "5001");
        assert_eq!(e.student_ids, ["42"]);
        assert_eq!(e.polarity, Polarity::Positive);
        assert_eq!(e.category.as_deref(), Some("Excellent work"));
        assert_eq!(e.points, Some(2));
        assert_eq!(e.author.as_deref(), Some("Mr J Smith"));
        assert_eq!(e.notes.as_deref(), Some("Great answer"));
        assert_eq!(
            e.occurred_at.unwrap().to_string(),
            "2023-04-21T10:00:00+01:00"
        );
        assert_eq!(e.date, jiff::civil::date(2023, 4, 21));

        // Null polarity: the sign of the score decides.
        let p = point(
            json!({"id": 5002, "type": "behaviour", "polarity": null, "score": -1,
                             "timestamp": "2023-04-21 23:30:00", "teacher_name": null}),
        );
        let e = event(&p, 1, "42", &tz).unwrap().unwrap();
        assert_eq!(e.polarity, Polarity::Negative);
        assert_eq!(e.author, None);
        let p = point(
            json!({"id": 5003, "type": "behaviour", "polarity": "blank", "score": 0,
                             "timestamp": "2023-04-21 10:00:00"}),
        );
        assert_eq!(
            event(&p, 2, "42", &tz).unwrap().unwrap().polarity,
            Polarity::Neutral
        );

        // Not behaviour: skipped. A bad timestamp: an error naming it.
        let p = point(json!({"id": 6000, "type": "detention", "timestamp": "2023-04-21 10:00:00"}));
        assert!(event(&p, 3, "42", &tz).unwrap().is_none());
        let p = point(json!({"id": 6001, "type": "behaviour", "timestamp": "21/04/2023"}));
        let err = event(&p, 4, "42", &tz).unwrap_err();
        assert_eq!(err.decode_detail().unwrap().path, "data[4].timestamp");
    }
}
