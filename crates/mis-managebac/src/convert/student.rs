//! Students (`GET /students`).

use std::collections::BTreeMap;

use mis_core::{EnrolmentStatus, Gender, Identifier, IdentifierKind, Student};

use super::{date, text};
use crate::VENDOR;
use crate::wire::{self, Id};

/// The identifier kind given to the school's `identifier` when it differs from its
/// `student_id` (both are the school's own id, not ManageBac's).
pub const SCHOOL_IDENTIFIER: &str = "school_identifier";

/// A wire student as the model has it.
///
/// - `id` is the ManageBac id (`Student.id`, mis-core's identifier table); it is **not** filed
///   as `mis_id`, which is reserved for the id in a school's upstream MIS and which ManageBac
///   does not document. The school's own `student_id` is an `external_id` (and `identifier`,
///   when different, a `school_identifier`).
/// - `year_group` is the year group's **name**, looked up in `year_groups` by
///   `year_group_id` (the listing's `class_grade` when the id is unknown).
/// - `preferred_first_name` is `nickname` or `preferred_name`; ManageBac has no preferred last
///   name and no registration group (only a homeroom advisor).
/// - Enrolment: `archived: true` → leaver, `archived: false` → on roll; when `archived` is
///   absent, a `withdrawn_on` or `graduated_on` date → leaver; a tombstone (`deleted_at`) →
///   `deleted`.
pub fn student(s: &wire::Student, year_groups: &BTreeMap<Id, String>) -> Student {
    let mut out = Student::new(
        VENDOR,
        s.id.text(),
        s.first_name.clone().unwrap_or_default(),
        s.last_name.clone().unwrap_or_default(),
    );
    out.preferred_first_name =
        text(s.nickname.as_deref()).or_else(|| text(s.preferred_name.as_deref()));
    out.middle_names = text(s.middle_name.as_deref());
    out.date_of_birth = date(s.birthday.as_deref());
    out.gender = text(s.gender.as_deref()).map(|g| Gender::parse(&g));
    out.year_group = s
        .year_group_id
        .and_then(|g| year_groups.get(&g).cloned())
        .or_else(|| text(s.class_grade.as_deref()));
    out.email = text(s.email.as_deref());
    out.enrolment_status = Some(enrolment(s));
    let school_id = text(s.student_id.as_deref());
    if let Some(id) = &school_id {
        out.identifiers
            .push(Identifier::new(IdentifierKind::ExternalId, id.clone()));
    }
    if let Some(other) = text(s.identifier.as_deref()).filter(|i| Some(i) != school_id.as_ref()) {
        out.identifiers.push(Identifier::new(
            IdentifierKind::Other(SCHOOL_IDENTIFIER.into()),
            other,
        ));
    }
    out
}

fn enrolment(s: &wire::Student) -> EnrolmentStatus {
    if s.deleted_at
        .as_deref()
        .is_some_and(|d| !d.trim().is_empty())
    {
        return EnrolmentStatus::Other("deleted".into());
    }
    match s.archived {
        Some(true) => EnrolmentStatus::Leaver,
        Some(false) => EnrolmentStatus::OnRoll,
        None if text(s.withdrawn_on.as_deref()).is_some()
            || text(s.graduated_on.as_deref()).is_some() =>
        {
            EnrolmentStatus::Leaver
        }
        None => EnrolmentStatus::OnRoll,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wire(json: &str) -> wire::Student {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn the_spec_example_shape() {
        let s = wire(
            r#"{"id": 14607428, "email": "chloe@example.com", "first_name": "Chloe",
                "last_name": "Ng", "nickname": "Clo", "archived": false,
                "student_id": "chloe-42", "identifier": "C42", "gender": "Female",
                "birthday": "2008-03-01", "year_group_id": 11076103, "parent_ids": [1, 2],
                "role": "Student"}"#,
        );
        let years = BTreeMap::from([(Id(11076103), "Year 11".to_string())]);
        let m = student(&s, &years);
        assert_eq!(m.provider, "managebac");
        assert_eq!(m.id, "14607428");
        assert_eq!(
            (m.first_name.as_str(), m.last_name.as_str()),
            ("Chloe", "Ng")
        );
        assert_eq!(m.preferred_first_name.as_deref(), Some("Clo"));
        assert_eq!(m.date_of_birth, Some(jiff::civil::date(2008, 3, 1)));
        assert_eq!(m.gender, Some(Gender::Female));
        assert_eq!(m.year_group.as_deref(), Some("Year 11"));
        assert_eq!(m.registration_group, None);
        assert_eq!(m.enrolment_status, Some(EnrolmentStatus::OnRoll));
        // Item 5: ManageBac's own id is `Student.id`, never filed as `mis_id`.
        assert_eq!(m.identifier(&IdentifierKind::MisId), None);
        assert!(m.identifiers.iter().all(|i| i.value != "14607428"));
        assert_eq!(m.identifier(&IdentifierKind::ExternalId), Some("chloe-42"));
        assert_eq!(
            m.identifier(&IdentifierKind::Other(SCHOOL_IDENTIFIER.into())),
            Some("C42")
        );
        assert_eq!(m.upn(), None);
    }

    #[test]
    fn leavers_and_missing_values() {
        let m = student(&wire(r#"{"id": 1, "archived": true}"#), &BTreeMap::new());
        assert_eq!(m.enrolment_status, Some(EnrolmentStatus::Leaver));
        assert_eq!((m.first_name.as_str(), m.date_of_birth), ("", None));
        let m = student(
            &wire(r#"{"id": 1, "withdrawn_on": "2024-10-01"}"#),
            &BTreeMap::new(),
        );
        assert_eq!(m.enrolment_status, Some(EnrolmentStatus::Leaver));
        let m = student(
            &wire(r#"{"id": 1, "deleted_at": "2024-10-01T00:00:00Z"}"#),
            &BTreeMap::new(),
        );
        assert_eq!(
            m.enrolment_status,
            Some(EnrolmentStatus::Other("deleted".into()))
        );
        // A bad birthday is a missing one, not a failed page; the same id twice is kept once.
        let m = student(
            &wire(
                r#"{"id": 1, "birthday": "01/03/2008", "student_id": "X", "identifier": "X",
                      "year_group_id": 9, "class_grade": "Grade 9"}"#,
            ),
            &BTreeMap::new(),
        );
        assert_eq!(m.date_of_birth, None);
        assert_eq!(m.identifiers.len(), 1);
        assert_eq!(m.year_group.as_deref(), Some("Grade 9"));
    }
}
