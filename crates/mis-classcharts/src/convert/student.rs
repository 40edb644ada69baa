//! The pupil object → [`Student`].

use jiff::civil::Date;
use mis_core::{DecodeDetail, EnrolmentStatus, Error, Result, Student};

use crate::VENDOR;
use crate::wire;

/// A pupil as a [`Student`].
///
/// ClassCharts' pupil object has an id and names only: no UPN, year group,
/// registration group or gender, so those stay `null`. Anyone ClassCharts lets one log in as,
/// or lists for a parent, is on roll. `date_of_birth` is passed in because the student login
/// proves it (the pupil logged in with it); a parent's pupils have none.
///
/// When `first_name` / `last_name` are missing, `name` is split at its last space.
/// Errors: `Decode` for an empty id.
pub fn student(w: &wire::Student, date_of_birth: Option<Date>) -> Result<Student> {
    let id = w.id.trim();
    if id.is_empty() {
        return Err(Error::decode(
            VENDOR,
            "students",
            "a pupil has an empty id",
            DecodeDetail::new("id", b""),
        ));
    }
    let clean = |s: &Option<String>| {
        s.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    let (mut first, mut last) = (clean(&w.first_name), clean(&w.last_name));
    if first.is_none() || last.is_none() {
        if let Some(full) = clean(&w.name) {
            let (f, l) = full.rsplit_once(' ').unwrap_or((full.as_str(), ""));
            first = first.or_else(|| Some(f.trim().to_owned()));
            last = last.or_else(|| Some(l.trim().to_owned()));
        }
    }
    let mut s = Student::new(
        VENDOR,
        id,
        first.unwrap_or_default(),
        last.unwrap_or_default(),
    );
    s.date_of_birth = date_of_birth;
    s.enrolment_status = Some(EnrolmentStatus::OnRoll);
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pupil(v: serde_json::Value) -> wire::Student {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn names_and_ids() {
        let s = student(
            &pupil(serde_json::json!({"id": 1234, "name": "Ada Lovelace", "first_name": "Ada", "last_name": "Lovelace"})),
            Some(jiff::civil::date(2010, 12, 10)),
        )
        .unwrap();
        assert_eq!(
            (s.id.as_str(), s.first_name.as_str(), s.last_name.as_str()),
            ("1234", "Ada", "Lovelace")
        );
        assert_eq!(s.provider, "classcharts");
        assert_eq!(s.date_of_birth, Some(jiff::civil::date(2010, 12, 10)));
        assert_eq!(s.enrolment_status, Some(EnrolmentStatus::OnRoll));
        assert!(s.upn().is_none() && s.year_group.is_none());

        let s = student(
            &pupil(serde_json::json!({"id": "77", "name": "Mary Ann Evans"})),
            None,
        )
        .unwrap();
        assert_eq!(
            (s.first_name.as_str(), s.last_name.as_str()),
            ("Mary Ann", "Evans")
        );
        assert!(student(&pupil(serde_json::json!({"id": " "})), None).is_err());
    }
}
