//! `/homeworks` and `/detentions` → [`Homework`] and [`Detention`].

use jiff::civil::{Date, Time};
use jiff::tz::TimeZone;
use mis_core::{DateTime, Detention, DetentionStatus, Homework};

use crate::VENDOR;
use crate::wire::{self, DetentionAttended};

fn clean(s: &Option<String>) -> Option<String> {
    s.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

fn date(s: &Option<String>) -> Option<Date> {
    s.as_deref()?.trim().get(..10)?.parse().ok()
}

/// A homework task for one pupil. `status` is the pupil's completion state as ClassCharts
/// labels it (`completed`, `late`, `not_completed`), `null` while open.
pub fn homework(w: &wire::Homework, student_id: &str) -> Homework {
    Homework {
        provider: VENDOR.into(),
        id: w.id.clone(),
        student_id: Some(student_id.to_owned()),
        title: clean(&w.title).unwrap_or_default(),
        description: clean(&w.description),
        subject: clean(&w.subject),
        group: clean(&w.lesson),
        set_by: clean(&w.teacher),
        set_on: date(&w.issue_date),
        due_on: date(&w.due_date),
        status: w
            .status
            .as_ref()
            .and_then(|s| s.state.as_ref())
            .map(|s| s.as_str().to_owned()),
    }
}

/// A detention, or `None` when its date cannot be read at all (the model needs one; the
/// list goes on without it, with a warning).
///
/// The date is read leniently from its first ten characters, so the malformed
/// `"2023-08-24:00:00+00:00"` of a fixture still gives 2023-08-24 (vendors.md §1.6).
/// `start` is `date` + `time` (`HH:MM`) in the school's zone, `end` adds `length` minutes;
/// `attended`: `yes` → attended, `no` → missed, `pending` → scheduled, `upscaled` and
/// unknown values kept as they are.
pub fn detention(w: &wire::Detention, student_id: &str, tz: &TimeZone) -> Option<Detention> {
    let Some(day) = w.date() else {
        tracing::warn!(id = %w.id, "skipping a detention whose date cannot be read");
        return None;
    };
    let start = clean(&w.time)
        .and_then(|t| t.parse::<Time>().ok())
        .and_then(|t| DateTime::from_local(day.to_datetime(t), tz).ok());
    let end = start
        .as_ref()
        .zip(w.length.filter(|l| *l > 0))
        .and_then(|(s, len)| {
            s.zoned()
                .checked_add(jiff::Span::new().minutes(len))
                .ok()
                .map(DateTime::new)
        });
    let status = w.attended.as_ref().map(|a| match a {
        DetentionAttended::Yes => DetentionStatus::Attended,
        DetentionAttended::No => DetentionStatus::Missed,
        DetentionAttended::Pending => DetentionStatus::Scheduled,
        other => DetentionStatus::parse(other.as_str()),
    });
    Some(Detention {
        provider: VENDOR.into(),
        id: w.id.clone(),
        student_id: student_id.to_owned(),
        date: day,
        start,
        end,
        location: clean(&w.location),
        reason: w
            .lesson_pupil_behaviour
            .as_ref()
            .and_then(|b| clean(&b.name)),
        status,
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn detentions_with_malformed_dates_still_convert() {
        let tz = TimeZone::get("Europe/London").unwrap();
        let w: wire::Detention = serde_json::from_value(json!({
            "id": 77, "attended": "pending", "date": "2023-08-24:00:00+00:00", "length": 30,
            "location": "Room 5", "notes": null, "time": "16:00",
            "lesson_pupil_behaviour": {"reason": "Disruption"},
            "detention_type": null, "teacher": null
        }))
        .unwrap();
        let d = detention(&w, "42", &tz).unwrap();
        assert_eq!(d.date, jiff::civil::date(2023, 8, 24));
        assert_eq!(d.start.unwrap().to_string(), "2023-08-24T16:00:00+01:00");
        assert_eq!(d.end.unwrap().to_string(), "2023-08-24T16:30:00+01:00");
        assert_eq!(d.status, Some(DetentionStatus::Scheduled));
        assert_eq!(d.reason.as_deref(), Some("Disruption"));
        let upscaled: wire::Detention =
            serde_json::from_value(json!({"id": 78, "attended": "upscaled", "date": "2023-08-25"}))
                .unwrap();
        assert_eq!(
            detention(&upscaled, "42", &tz).unwrap().status,
            Some(DetentionStatus::Other("upscaled".into()))
        );
        let undated: wire::Detention =
            serde_json::from_value(json!({"id": 79, "date": "soon"})).unwrap();
        assert!(detention(&undated, "42", &tz).is_none());
    }

    #[test]
    fn homework_fields() {
        let w: wire::Homework = serde_json::from_value(json!({
            "id": 9, "lesson": "9X/En2", "subject": null, "teacher": "Ms K Jones",
            "title": "Essay", "description": "<p>Write</p>", "issue_date": "2024-09-09",
            "due_date": "2024-09-16", "completion_time_value": "", "status": {"id": 900009, "state": "late", "ticked": "no"}
        }))
        .unwrap();
        let h = homework(&w, "42");
        assert_eq!(h.title, "Essay");
        assert_eq!(h.subject, None);
        assert_eq!(h.group.as_deref(), Some("9X/En2"));
        assert_eq!(h.due_on, Some(jiff::civil::date(2024, 9, 16)));
        assert_eq!(h.status.as_deref(), Some("late"));
    }
}
