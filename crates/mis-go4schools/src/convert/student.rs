//! Students: personal details joined with education details.
//!
//! `GET …/students` has names, date of birth and sex; the UPN, year group, registration group
//! and enrolment dates are in `GET …/students/education-details` (vendor doc, "GET Education Details"), so a
//! model student is the join of the two on the student id.

use jiff::civil::Date;
use mis_core::{EnrolmentStatus, Gender, Identifier, IdentifierKind, Student};

use super::VENDOR;
use crate::wire;

fn text(value: &Option<String>) -> Option<String> {
    value
        .as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
}

/// Whether the student is on roll on `today`, has left, or is yet to start.
///
/// `deleted_from_source` is documented as "the leaver status"; a leaving date before today
/// also makes a leaver (the leaving date is the last day on roll).
pub fn enrolment_status(ed: &wire::EducationDetails, today: Date) -> EnrolmentStatus {
    if ed.deleted_from_source || ed.leaving_date.is_some_and(|d| d < today) {
        EnrolmentStatus::Leaver
    } else if ed.admission_date.is_some_and(|d| d > today) {
        EnrolmentStatus::Applicant
    } else {
        EnrolmentStatus::OnRoll
    }
}

/// The model student for `s`, with what `ed` adds when the student has education details.
///
/// Legal names are the names; preferred names are kept separately. `sex` becomes `gender`
/// (`M` → `male`, `F` → `female`, anything else lower-cased). Identifiers: `upn`, the former
/// UPN (kind `former_upn`) and `student_mis_id` (kind `mis_id`).
pub fn student(s: &wire::Student, ed: Option<&wire::EducationDetails>, today: Date) -> Student {
    let first = text(&s.legal_first_name)
        .or_else(|| text(&s.preferred_first_name))
        .unwrap_or_default();
    let last = text(&s.legal_last_name)
        .or_else(|| text(&s.preferred_last_name))
        .unwrap_or_default();
    let mut out = Student::new(VENDOR, s.id.to_string(), first, last);
    out.preferred_first_name = text(&s.preferred_first_name);
    out.preferred_last_name = text(&s.preferred_last_name);
    out.middle_names = text(&s.middle_names);
    out.date_of_birth = s.date_of_birth;
    out.gender = text(&s.sex).map(|g| Gender::parse(&g));
    if let Some(ed) = ed {
        out.year_group = text(&ed.national_curriculum_year);
        out.registration_group = text(&ed.registration_group);
        out.enrolment_status = Some(enrolment_status(ed, today));
        if let Some(upn) = text(&ed.upn) {
            out.identifiers
                .push(Identifier::new(IdentifierKind::Upn, upn));
        }
        if let Some(former) = text(&ed.former_upn) {
            out.identifiers.push(Identifier::new(
                IdentifierKind::Other("former_upn".into()),
                former,
            ));
        }
    }
    if let Some(mis) = text(&s.student_mis_id) {
        out.identifiers
            .push(Identifier::new(IdentifierKind::MisId, mis));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn wire_student() -> wire::Student {
        serde_json::from_str(
            r#"{"id": 987654, "date_of_birth": "2005-01-31T00:00:00Z", "sex": "M",
                "legal_first_name": "Robert", "legal_last_name": "Smith",
                "preferred_first_name": "Bob", "preferred_last_name": "Smith",
                "middle_names": "Jon", "student_mis_id": "12345"}"#,
        )
        .unwrap()
    }

    fn details(extra: &str) -> wire::EducationDetails {
        serde_json::from_str(&format!(
            r#"{{"student_id": 987654, "upn": "Z0123456789012", "former_upn": "",
                "national_curriculum_year": "11", "registration_group": "11East",
                "house": "Newton", "admission_date": "2017-01-31T00:00:00Z"{extra}}}"#
        ))
        .unwrap()
    }

    #[test]
    fn joins_personal_and_education_details() {
        let ed = details("");
        let s = student(&wire_student(), Some(&ed), date(2024, 9, 9));
        assert_eq!(s.provider, "go4schools");
        assert_eq!(s.id, "987654");
        assert_eq!(
            (s.first_name.as_str(), s.last_name.as_str()),
            ("Robert", "Smith")
        );
        assert_eq!(s.preferred_first_name.as_deref(), Some("Bob"));
        assert_eq!(s.middle_names.as_deref(), Some("Jon"));
        assert_eq!(s.date_of_birth, Some(date(2005, 1, 31)));
        assert_eq!(s.gender, Some(Gender::Male));
        assert_eq!(s.year_group.as_deref(), Some("11"));
        assert_eq!(s.registration_group.as_deref(), Some("11East"));
        assert_eq!(s.upn(), Some("Z0123456789012"));
        assert_eq!(s.identifier(&IdentifierKind::MisId), Some("12345"));
        assert_eq!(
            s.identifiers.len(),
            2,
            "an empty former UPN is no identifier"
        );
        assert_eq!(s.enrolment_status, Some(EnrolmentStatus::OnRoll));
    }

    #[test]
    fn without_education_details_the_school_fields_are_null() {
        let s = student(&wire_student(), None, date(2024, 9, 9));
        assert_eq!(s.year_group, None);
        assert_eq!(s.upn(), None);
        assert_eq!(s.enrolment_status, None);
    }

    #[test]
    fn leavers_and_applicants() {
        let today = date(2024, 9, 9);
        let left = details(r#", "leaving_date": "2024-07-19T00:00:00Z""#);
        assert_eq!(enrolment_status(&left, today), EnrolmentStatus::Leaver);
        let leaving_today = details(r#", "leaving_date": "2024-09-09T00:00:00Z""#);
        assert_eq!(
            enrolment_status(&leaving_today, today),
            EnrolmentStatus::OnRoll
        );
        let deleted = details(r#", "deleted_from_source": true"#);
        assert_eq!(enrolment_status(&deleted, today), EnrolmentStatus::Leaver);
        let mut future = details("");
        future.admission_date = Some(date(2025, 1, 6));
        assert_eq!(enrolment_status(&future, today), EnrolmentStatus::Applicant);
    }
}
