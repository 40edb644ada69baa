//! `/detentions` → [`Detention`].

use std::str::FromStr;

use jiff::civil::{Date, Time};
use jiff::tz::TimeZone;
use mis_core::{DateTime, Detention, DetentionStatus};

use super::clean;
use crate::VENDOR;
use crate::wire::{self, DetentionAttended};

/// The school date of a detention's (or any) `date` field.
///
/// * a date-time with a UTC offset is an instant: its date **in the school's zone** `tz`
///   (ClassCharts writes local midnight in UTC — `"2023-08-24T23:00:00+00:00"` for 25 August
///   in BST, as activity `meta` dates are), except that midnight UTC
///   exactly (`"2024-09-10T00:00:00+00:00"`) is a plain date written with a zero offset, as
///   the timetable and attendance `meta` dates are, and stays that date even west of UTC;
/// * anything else: the first ten characters as `YYYY-MM-DD` (the fixture's malformed
///   `"2023-08-24:00:00+00:00"`), else `None`.
pub fn detention_date(raw: Option<&str>, tz: &TimeZone) -> Option<Date> {
    let v = raw?.trim();
    let written: Option<Date> = v.get(..10).and_then(|d| d.parse().ok());
    if v.len() > 10 {
        if let Ok(at) = jiff::Timestamp::from_str(v) {
            let utc = at.to_zoned_datetime(TimeZone::UTC);
            let local = at.to_zoned_datetime(tz.clone());
            if utc.time() == Time::midnight() && local.time() != Time::midnight() {
                return written.or(Some(utc.date()));
            }
            return Some(local.date());
        }
    }
    written
}

/// A detention, or `None` when its date cannot be read at all (the model needs one; the
/// list goes on without it, with a warning).
///
/// The date is [`detention_date`]: a date-time with an offset is placed in the school's zone
/// (`"2023-08-24T23:00:00+00:00"` is 25 August in BST), anything else is read leniently from
/// its first ten characters, so the malformed `"2023-08-24:00:00+00:00"` of a fixture still
/// gives 2023-08-24.
/// `start` is `date` + `time` (`HH:MM`) in the school's zone, `end` adds `length` minutes;
/// `attended`: `yes` → attended, `no` → missed, `pending` → scheduled, `upscaled` and
/// unknown values kept as they are.
pub fn detention(w: &wire::Detention, student_id: &str, tz: &TimeZone) -> Option<Detention> {
    let Some(day) = detention_date(w.date.as_deref(), tz) else {
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
    let mut d = Detention::new(VENDOR, w.id.as_str(), student_id, day);
    d.start = start;
    d.end = end;
    d.location = clean(&w.location);
    d.reason = w
        .lesson_pupil_behaviour
        .as_ref()
        .and_then(|b| clean(&b.name));
    d.status = status;
    Some(d)
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

    /// A detention dated local midnight in UTC belongs to the school's date.
    #[test]
    fn detention_dates_are_school_dates() {
        let london = TimeZone::get("Europe/London").unwrap();
        let ny = TimeZone::get("America/New_York").unwrap();
        let d = |s: &str, tz: &TimeZone| detention_date(Some(s), tz);
        let day = jiff::civil::date;
        assert_eq!(
            d("2023-08-24T23:00:00+00:00", &london),
            Some(day(2023, 8, 25))
        );
        assert_eq!(
            d("2024-01-09T00:00:00+00:00", &london),
            Some(day(2024, 1, 9))
        );
        assert_eq!(
            d("2024-09-10T00:00:00+00:00", &london),
            Some(day(2024, 9, 10))
        );
        assert_eq!(d("2024-09-10T00:00:00+00:00", &ny), Some(day(2024, 9, 10)));
        assert_eq!(d("2024-09-10T04:00:00Z", &ny), Some(day(2024, 9, 10)));
        assert_eq!(d("2023-08-24:00:00+00:00", &london), Some(day(2023, 8, 24)));
        assert_eq!(d("2023-08-24", &london), Some(day(2023, 8, 24)));
        assert_eq!(d("soon", &london), None);

        let w: wire::Detention = serde_json::from_value(json!({
            "id": 80, "attended": "pending", "date": "2023-08-24T23:00:00+00:00",
            "time": "15:30", "length": 45
        }))
        .unwrap();
        let det = detention(&w, "42", &london).unwrap();
        assert_eq!(det.date, day(2023, 8, 25));
        assert_eq!(det.start.unwrap().to_string(), "2023-08-25T15:30:00+01:00");
    }
}
