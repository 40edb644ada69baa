//! Students: wire → model.

use mis_core::{EnrolmentStatus, Gender, Identifier, IdentifierKind, Result, Student};

use super::{missing, text, wire_date};
use crate::VENDOR;
use crate::wire;

/// A Classe365 student in the model.
///
/// - `year_group` is the `year_level` label (`7`, `R`), `registration_group` the name of
///   the class the student is placed in;
/// - `gender` and `enrolment_status` keep unknown values (`Other`); `alumni` is a leaver;
/// - identifiers: the vendor id as `mis_id`, the admission number, and — Classe365 being
///   no UK product — a UPN or an earlier system's id only where the tenant keeps them in a
///   custom field named `upn` / `mis_id` (v1 "student attributes");
/// - a date of birth that is not a date is dropped (logged with the student id only).
///
/// Errors: `Decode` when the record has no id.
pub fn student(w: &wire::Student) -> Result<Student> {
    let Some(id) = text(w.id.as_deref()) else {
        return Err(missing(
            "students.list",
            "id",
            "a student record has no id",
            None,
        ));
    };
    let mut s = Student::new(
        VENDOR,
        id.clone(),
        text(w.first_name.as_deref()).unwrap_or_default(),
        text(w.last_name.as_deref()).unwrap_or_default(),
    );
    s.middle_names = text(w.middle_name.as_deref());
    s.preferred_first_name = text(w.preferred_first_name.as_deref());
    s.preferred_last_name = text(w.preferred_last_name.as_deref());
    s.date_of_birth = text(w.date_of_birth.as_deref()).and_then(|d| {
        let date = wire_date(&d);
        if date.is_none() {
            tracing::warn!(student = %id, "date_of_birth is not a YYYY-MM-DD date; dropped");
        }
        date
    });
    s.gender = text(w.gender.as_deref()).map(|g| Gender::parse(&g));
    s.year_group = text(w.year_level.as_deref());
    s.registration_group = text(w.class_name.as_deref());
    s.email = text(w.email.as_deref());
    s.enrolment_status = text(w.status.as_deref()).map(|st| enrolment_status(&st));
    // Classe365's own record id is `Student.id`; it is not filed again as an identifier
    // (`mis_id` means the school's upstream MIS id: the identifier table in mis-core).
    if let Some(adm) = text(w.admission_number.as_deref()) {
        s.identifiers
            .push(Identifier::new(IdentifierKind::AdmissionNumber, adm));
    }
    if let Some(upn) = w.custom_text("upn") {
        s.identifiers
            .push(Identifier::new(IdentifierKind::Upn, upn));
    }
    if let Some(upstream) = w.custom_text("mis_id") {
        // A custom field the school fills with the pupil's id in its upstream MIS.
        s.identifiers
            .push(Identifier::new(IdentifierKind::MisId, upstream));
    }
    Ok(s)
}

/// Student statuses that mean "on roll": v1's status API names `active` (v1 API
/// documentation, "change student status"); `in progress` is the class enrolment status of a student in
/// the active session (Classe365 help, "Updating Student Enrollment Status").
const ON_ROLL: &[&str] = &["active", "current", "enrolled", "on roll", "in progress"];
/// Statuses of students who have left: v1's `alumni` (the Alumni module), and the
/// enrolment statuses `withdrawn` and `complete(d)`.
const LEFT: &[&str] = &[
    "alumni",
    "alumnus",
    "passed out",
    "graduated",
    "graduate",
    "withdrawn",
    "left",
    "complete",
    "completed",
    "transferred",
    "archived",
];
/// Statuses of people who are not yet students: the Admissions / CRM module's enquiries
/// and applicants.
const NOT_YET: &[&str] = &[
    "applicant",
    "application",
    "applied",
    "admission",
    "enquiry",
    "enquiries",
    "inquiry",
    "prospect",
    "lead",
    "pre admission",
    "waitlisted",
    "waiting list",
];
/// Statuses of students who are neither on roll nor gone: Classe365's `inactive` (a student
/// "goes inactive" before being moved to the Alumni module), and its kin.
const INACTIVE: &[&str] = &[
    "inactive",
    "suspended",
    "deactivated",
    "disabled",
    "incomplete",
];

fn fold(status: &str) -> String {
    status
        .trim()
        .to_lowercase()
        .replace(['_', '-'], " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// A Classe365 student status as an enrolment status: `active` (and its kin) on roll;
/// `alumni`, `withdrawn`, `completed`… leavers; `applicant`, `enquiry`… applicants;
/// anything else (`inactive`, or a status this crate does not know) is kept as `Other`.
pub fn enrolment_status(status: &str) -> EnrolmentStatus {
    let folded = fold(status);
    if ON_ROLL.contains(&folded.as_str()) {
        EnrolmentStatus::OnRoll
    } else if LEFT.contains(&folded.as_str()) {
        EnrolmentStatus::Leaver
    } else if NOT_YET.contains(&folded.as_str()) {
        EnrolmentStatus::Applicant
    } else {
        EnrolmentStatus::parse(status)
    }
}

/// Whether this crate knows what `status` means (one of the documented statuses above).
/// An unknown status is never read as on roll: the student is listed only with
/// `include_leavers`, and reported.
pub fn is_known_status(status: &str) -> bool {
    let folded = fold(status);
    [ON_ROLL, LEFT, NOT_YET, INACTIVE]
        .iter()
        .any(|list| list.contains(&folded.as_str()))
}

/// Whether a student is on roll: their status says so, or they have none (a record without
/// a status says nothing against it; the list is the student list).
pub fn is_on_roll(s: &Student) -> bool {
    matches!(s.enrolment_status, None | Some(EnrolmentStatus::OnRoll))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_every_field() {
        let w: wire::Student = serde_json::from_value(serde_json::json!({
            "id": 12, "first_name": " Ada ", "middle_name": "", "last_name": "Lovelace",
            "preferred_first_name": "Addie", "student_dob": "2010-12-10", "gender": "Female",
            "student_email": "ada@x.example", "admission_number": "A1001", "class_id": 9,
            "class_name": "7B", "department_name": "Year 7", "year_level": "7",
            "status": "Active", "custom_fields": {"upn": "A123456789012", "mis_id": "S-9"}
        }))
        .unwrap();
        let s = student(&w).unwrap();
        assert_eq!(s.provider, "classe365");
        assert_eq!(s.id, "12");
        assert_eq!(
            (s.first_name.as_str(), s.last_name.as_str()),
            ("Ada", "Lovelace")
        );
        assert_eq!(s.middle_names, None);
        assert_eq!(s.preferred_first_name.as_deref(), Some("Addie"));
        assert_eq!(s.date_of_birth, Some(jiff::civil::date(2010, 12, 10)));
        assert_eq!(s.gender, Some(Gender::Female));
        assert_eq!(s.year_group.as_deref(), Some("7"));
        assert_eq!(s.registration_group.as_deref(), Some("7B"));
        assert_eq!(s.enrolment_status, Some(EnrolmentStatus::OnRoll));
        assert_eq!(
            s.identifier(&IdentifierKind::AdmissionNumber),
            Some("A1001")
        );
        assert_eq!(s.upn(), Some("A123456789012"));
        // The school's upstream MIS id (a custom field) is `mis_id`; Classe365's own id is
        // `Student.id` only.
        assert_eq!(s.identifier(&IdentifierKind::MisId), Some("S-9"));
        assert_eq!(s.identifier(&IdentifierKind::ExternalId), None);
    }

    #[test]
    fn lenient_on_everything_but_the_id() {
        let w: wire::Student =
            serde_json::from_value(serde_json::json!({"id": "9", "date_of_birth": "10/12/2010"}))
                .unwrap();
        let s = student(&w).unwrap();
        assert_eq!(s.date_of_birth, None);
        assert_eq!(s.first_name, "");
        assert_eq!(s.upn(), None);
        let e = student(&wire::Student::default()).unwrap_err();
        assert_eq!(e.kind(), mis_core::ErrorKind::Decode);
        assert!(e.to_string().contains("no id"), "{e}");
    }

    #[test]
    fn documented_statuses() {
        use EnrolmentStatus::*;
        for (status, want, known) in [
            ("Active", OnRoll, true),
            ("in_progress", OnRoll, true),
            ("alumni", Leaver, true),
            ("Withdrawn", Leaver, true),
            ("Applicant", Applicant, true),
            ("Enquiry", Applicant, true),
            ("inactive", Other("inactive".into()), true),
            ("On Hold", Other("on hold".into()), false),
        ] {
            assert_eq!(enrolment_status(status), want, "{status}");
            assert_eq!(is_known_status(status), known, "{status}");
        }
    }

    #[test]
    fn statuses() {
        assert_eq!(enrolment_status("Graduated"), EnrolmentStatus::Leaver);
        assert_eq!(enrolment_status("alumni"), EnrolmentStatus::Leaver);
        assert_eq!(enrolment_status("withdrawn"), EnrolmentStatus::Leaver);
        assert_eq!(enrolment_status("active"), EnrolmentStatus::OnRoll);
        assert_eq!(
            enrolment_status("On Hold"),
            EnrolmentStatus::Other("on hold".into())
        );
    }
}
