//! Students: "Students: Get Student" (+ the enrolment record) → [`mis_core::Student`].

use mis_core::{EnrolmentStatus, Gender, Identifier, IdentifierKind, Result, Student};

use super::{bad_record, nonempty, parse_date};
use crate::config::VENDOR;
use crate::wire::{self, GroupRef, Item, StudentEnrolment};

/// The model's enrolment status: `current` → on roll, `past` → leaver, `applicant` →
/// applicant, anything else kept (lower-cased) as the model's `Other`.
pub fn enrolment_status(status: &wire::EnrolmentStatus) -> EnrolmentStatus {
    match status {
        wire::EnrolmentStatus::Current => EnrolmentStatus::OnRoll,
        wire::EnrolmentStatus::Past => EnrolmentStatus::Leaver,
        wire::EnrolmentStatus::Applicant => EnrolmentStatus::Applicant,
        other => EnrolmentStatus::parse(other.as_str()),
    }
}

/// The year a year-group label names, for comparing labels that schools and users write
/// differently: `"Year 9"`, `"Y9"`, `"Yr 09"`, `"year-9"` and `"9"` are all `"9"`;
/// `"Reception"`, `"YR"` and `"R"` are `"R"`. Any other label (`"Lower Sixth"`) is itself,
/// trimmed and lower-cased, so it still equals itself however it is capitalised.
pub fn year_key(label: &str) -> String {
    let text = label.trim().to_ascii_lowercase();
    let named = |rest: &str| -> Option<String> {
        let rest = rest.trim_start_matches([' ', '-', '_', '.']);
        if !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_digit()) {
            let n = rest.trim_start_matches('0');
            Some(if n.is_empty() { "0" } else { n }.to_owned())
        } else if rest == "r" || rest == "reception" {
            Some("R".to_owned())
        } else {
            None
        }
    };
    ["year", "yr", "y", ""]
        .iter()
        .find_map(|prefix| text.strip_prefix(prefix).and_then(named))
        .unwrap_or(text)
}

/// `label` as the model writes a year: the bare year (`"9"`, `"R"`) when it names one
/// ([`year_key`]), else the label as sent.
fn year_label(label: &str) -> String {
    let key = year_key(label);
    if key == "R" || key.bytes().all(|b| b.is_ascii_digit()) {
        key
    } else {
        label.trim().to_owned()
    }
}

/// A year group's label, e.g. `"9"`: its `dfe_year` (the national curriculum year, in the
/// "Year Groups: Get one" sample), else its name, else its code — each written as the bare
/// year when it names one (`"Year 9"`, `"Y9"` → `"9"`).
pub fn year_group_label(year: &Item) -> Option<String> {
    year_group_text(year).map(|l| year_label(&l))
}

fn year_group_text(year: &Item) -> Option<String> {
    let dfe_year = match year.extra.get("dfe_year") {
        Some(serde_json::Value::String(s)) => nonempty(Some(s)),
        Some(serde_json::Value::Number(n)) => Some(n.to_string()),
        _ => None,
    };
    dfe_year
        .or_else(|| {
            year.name
                .as_deref()
                .map(|n| {
                    n.trim()
                        .strip_prefix("Year ")
                        .unwrap_or(n.trim())
                        .to_owned()
                })
                .filter(|n| !n.is_empty())
        })
        .or_else(|| nonempty(year.code.as_deref()))
}

/// A form or tutor group's label: its code (`9A`), else its name (`Form 9A`).
pub fn group_label(group: &GroupRef) -> Option<String> {
    nonempty(group.label())
}

/// One student. The UPN and candidate number come from the enrolment record when given;
/// the enrolment's status, when given, wins over the student record's.
///
/// A record without an id is a `Decode` error; names default to empty text rather than
/// failing a whole list; a malformed date of birth is left out (and logged).
pub fn student(s: &wire::Student, enrolment: Option<&StudentEnrolment>) -> Result<Student> {
    let id =
        s.id.as_ref()
            .map(|i| i.as_str().to_owned())
            .filter(|i| !i.is_empty())
            .ok_or_else(|| bad_record("students.list", "id", "a student record has no id"))?;
    let mut out = Student::new(
        VENDOR,
        id.clone(),
        nonempty(s.first_name.as_deref()).unwrap_or_default(),
        nonempty(s.last_name.as_deref()).unwrap_or_default(),
    );
    out.preferred_first_name = nonempty(s.preferred_name.as_deref());
    out.middle_names = nonempty(s.middle_name.as_deref());
    out.date_of_birth = s.date_of_birth.as_deref().and_then(|d| {
        let parsed = parse_date(d);
        if parsed.is_none() {
            tracing::warn!(student = %id, "HUBmis sent a date of birth that is not YYYY-MM-DD");
        }
        parsed
    });
    out.gender = s
        .gender
        .as_ref()
        .and_then(|g| g.text())
        .map(str::trim)
        .filter(|g| !g.is_empty())
        .map(Gender::parse);
    // The year group is on the student (lists may send it) or nested in the form.
    let year = s
        .year_group
        .as_ref()
        .map(|y| Item {
            id: y.id.clone(),
            name: y.name.clone(),
            code: y.code.clone(),
            extra: y.extra.clone(),
        })
        .or_else(|| s.form.as_ref().and_then(|f| f.year_group.clone()));
    out.year_group = year.as_ref().and_then(year_group_label);
    out.registration_group = s
        .form
        .as_ref()
        .or(s.tutor_group.as_ref())
        .and_then(group_label);
    out.email = nonempty(s.primary_email.as_deref());
    out.enrolment_status = enrolment
        .and_then(|e| e.enrolment_status.as_ref())
        .or(s.enrolment_status.as_ref())
        .map(enrolment_status);
    // HUBmis's own id is `Student.id` only: `mis_id` means an upstream MIS's id (the
    // identifier table in mis-core), which HUBmis, being the MIS, does not have.
    let mut ids = Vec::new();
    let mut push = |kind: IdentifierKind, value: Option<&str>| {
        if let Some(v) = nonempty(value) {
            ids.push(Identifier::new(kind, v));
        }
    };
    push(
        IdentifierKind::Upn,
        enrolment.and_then(|e| e.unique_pupil_number.as_deref()),
    );
    push(
        IdentifierKind::CandidateNumber,
        enrolment.and_then(|e| e.candidate_number.as_deref()),
    );
    push(IdentifierKind::ExternalId, s.external_id.as_deref());
    out.identifiers = ids;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn year_labels_written_three_ways_are_one_year() {
        for label in ["Year 9", "Y9", "9", " year 09 ", "Yr9", "YEAR-9"] {
            assert_eq!(year_key(label), "9", "{label}");
        }
        for label in ["Reception", "R", "YR", "yr"] {
            assert_eq!(year_key(label), "R", "{label}");
        }
        assert_ne!(year_key("Year 9"), year_key("Year 10"));
        assert_ne!(year_key("Y1"), year_key("Y11"));
        assert_eq!(year_key("Lower Sixth"), "lower sixth");
        assert_eq!(
            year_key("Yellow"),
            "yellow",
            "a word starting with y is no year"
        );
        // The model's label: the bare year, whichever field it came from.
        let year = |v: serde_json::Value| -> Item { serde_json::from_value(v).unwrap() };
        assert_eq!(
            year_group_label(&year(serde_json::json!({"code": "Y9"}))).as_deref(),
            Some("9")
        );
        assert_eq!(
            year_group_label(&year(
                serde_json::json!({"name": "Year 10", "dfe_year": null})
            ))
            .as_deref(),
            Some("10")
        );
        assert_eq!(
            year_group_label(&year(serde_json::json!({"name": "Lower Sixth"}))).as_deref(),
            Some("Lower Sixth")
        );
    }

    /// The vendor document's "Students: Get Student" sample, with the collapsed objects
    /// filled in the way the sibling samples suggest.
    const SAMPLE: &str = r#"{
        "id": 56, "access_status": "invited", "multi_realm": false,
        "academic_house": {"id": 9, "name": "Green House"},
        "date_of_birth": "2010-08-24", "deleted_at": null,
        "enrolment_status": "current", "external_id": "MX99328",
        "first_name": "Miles", "gender": {"id": 1, "name": "Male"}, "has_global_note": false,
        "form": {"id": 93, "name": "Form 9A", "code": "9A",
                 "year_group": {"id": 8, "name": "Year 9", "code": "Y9", "dfe_year": "9"}},
        "last_login": "2019-08-24T14:15:22Z", "last_name": "Whyde",
        "learning_support_record_summary": [], "middle_name": null,
        "nationalities": [], "person_type": "stduent", "preferred_name": null,
        "primary_email": "user@example.com", "tags": [], "medical_condition_severity": []
    }"#;

    #[test]
    fn the_sample_student_with_enrolment() {
        let wire: wire::Student = serde_json::from_str(SAMPLE).unwrap();
        let enrolment: StudentEnrolment = serde_json::from_str(
            r#"{"enrolment_status": "current", "start_date": "2017-08-24",
                "account_reference": "OU812", "candidate_number": "AA23",
                "unique_pupil_number": "90210", "unique_pupil_number_status": "temporary"}"#,
        )
        .unwrap();
        let s = student(&wire, Some(&enrolment)).unwrap();
        assert_eq!(s.provider, "hubmis");
        assert_eq!(s.id, "56");
        assert_eq!(
            (s.first_name.as_str(), s.last_name.as_str()),
            ("Miles", "Whyde")
        );
        assert_eq!(s.date_of_birth, Some(jiff::civil::date(2010, 8, 24)));
        assert_eq!(s.gender, Some(Gender::Male));
        assert_eq!(s.year_group.as_deref(), Some("9"));
        assert_eq!(s.registration_group.as_deref(), Some("9A"));
        assert_eq!(s.email.as_deref(), Some("user@example.com"));
        assert_eq!(s.enrolment_status, Some(EnrolmentStatus::OnRoll));
        assert_eq!(s.upn(), Some("90210"));
        assert_eq!(s.identifier(&IdentifierKind::CandidateNumber), Some("AA23"));
        assert_eq!(s.identifier(&IdentifierKind::ExternalId), Some("MX99328"));
        assert_eq!(
            s.identifier(&IdentifierKind::MisId),
            None,
            "its own id is Student.id"
        );
    }

    #[test]
    fn without_enrolment_there_is_no_upn_and_gaps_stay_null() {
        let wire: wire::Student = serde_json::from_str(
            r#"{"id": "7", "first_name": " Ada ", "enrolment_status": "past",
                "date_of_birth": "24/08/2010", "gender": "F"}"#,
        )
        .unwrap();
        let s = student(&wire, None).unwrap();
        assert_eq!(s.first_name, "Ada");
        assert_eq!(s.last_name, "");
        assert_eq!(s.upn(), None);
        assert_eq!(s.date_of_birth, None);
        assert_eq!(s.gender, Some(Gender::Female));
        assert_eq!(s.enrolment_status, Some(EnrolmentStatus::Leaver));
        assert_eq!(s.year_group, None);
        assert_eq!(s.registration_group, None);
    }

    #[test]
    fn a_student_without_an_id_is_a_decode_error() {
        let wire: wire::Student = serde_json::from_str(r#"{"first_name": "X"}"#).unwrap();
        let e = student(&wire, None).unwrap_err();
        assert_eq!(e.kind(), mis_core::ErrorKind::Decode);
    }

    #[test]
    fn year_labels() {
        let item = |json: &str| serde_json::from_str::<Item>(json).unwrap();
        assert_eq!(
            year_group_label(&item(r#"{"dfe_year": 11}"#)).as_deref(),
            Some("11")
        );
        assert_eq!(
            year_group_label(&item(r#"{"name": "Year 7"}"#)).as_deref(),
            Some("7")
        );
        assert_eq!(
            year_group_label(&item(r#"{"name": "Reception", "code": "R"}"#)).as_deref(),
            Some("R"),
            "a year is written as the bare year, as `dfe_year` writes it"
        );
        assert_eq!(
            year_group_label(&item(r#"{"code": "Y9"}"#)).as_deref(),
            Some("9")
        );
        assert_eq!(year_group_label(&item("{}")), None);
        assert_eq!(
            enrolment_status(&wire::EnrolmentStatus::Other("Pending".into())),
            EnrolmentStatus::Other("pending".into())
        );
    }
}
