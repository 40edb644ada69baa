//! `/homeworks` → [`Homework`].

use jiff::civil::Date;
use mis_core::Homework;

use super::clean;
use crate::VENDOR;
use crate::wire;

fn date(s: &Option<String>) -> Option<Date> {
    s.as_deref()?.trim().get(..10)?.parse().ok()
}

/// A homework task for one pupil. `status` is the pupil's completion state as ClassCharts
/// labels it (`completed`, `late`, `not_completed`), `null` while open.
pub fn homework(w: &wire::Homework, student_id: &str) -> Homework {
    let mut h = Homework::new(VENDOR, w.id.as_str(), clean(&w.title).unwrap_or_default());
    h.student_id = Some(student_id.to_owned());
    h.description = clean(&w.description);
    h.subject = clean(&w.subject);
    h.group = clean(&w.lesson);
    h.set_by = clean(&w.teacher);
    h.set_on = date(&w.issue_date);
    h.due_on = date(&w.due_date);
    h.status = w
        .status
        .as_ref()
        .and_then(|s| s.state.as_ref())
        .map(|s| s.as_str().to_owned());
    h
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

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
