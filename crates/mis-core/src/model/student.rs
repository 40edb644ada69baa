//! Students and their identifiers.

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use super::open_enum;

open_enum! {
    /// A student's gender as the vendor records it.
    pub enum Gender {
        /// Male.
        Male => "male" | "m",
        /// Female.
        Female => "female" | "f",
    }
}

open_enum! {
    /// Whether the student is on the school's roll.
    pub enum EnrolmentStatus {
        /// Currently on roll.
        OnRoll => "on_roll" | "on roll" | "onroll" | "current" | "active" | "enrolled",
        /// Has left the school.
        Leaver => "leaver" | "left" | "withdrawn" | "archived" | "graduated",
        /// Applied or admitted but not yet started.
        Applicant => "applicant" | "pre_admission" | "pre-admission" | "future",
    }
}

open_enum! {
    /// What an [`Identifier`] value is. The same kind means the same thing for every vendor:
    ///
    /// | field / kind | what it holds | example |
    /// |---|---|---|
    /// | [`Student::id`] | the vendor's **own** record id, the one its API takes in paths and filters | `14034563` |
    /// | `mis_id` | the id of the pupil in the school's **upstream** MIS, when this vendor is fed by one and sends it (GO 4 Schools' `mis_id`) | `12345` |
    /// | `external_id` | an id **assigned by the school** (an admission or student number typed in) | `S-2031` |
    /// | `upn` | the DfE Unique Pupil Number (13 characters) | `A123456789012` |
    /// | `candidate_number` | the exam candidate number | `4012` |
    ///
    /// A vendor never files its own id as `mis_id`, and never puts anything but a
    /// [`Student::id`] into a mark's `student_id` or an event's `student_ids`: a record whose
    /// student cannot be resolved to one is skipped with a warning.
    pub enum IdentifierKind {
        /// Unique Pupil Number (England and Wales).
        Upn => "upn",
        /// The pupil's id in the school's upstream MIS (never this vendor's own record id,
        /// which is `Student::id`).
        MisId => "mis_id",
        /// An id assigned by the school (admission / student number).
        ExternalId => "external_id",
        /// Exam candidate number.
        CandidateNumber => "candidate_number",
        /// Admission number.
        AdmissionNumber => "admission_number",
        /// Unique Learner Number.
        Uln => "uln",
    }
}

/// One identifier of a student: `{kind, value}`.
///
/// Built with [`Identifier::new`]; it is `#[non_exhaustive]` so that fields can be added
/// without breaking other crates.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Identifier {
    /// What the value is.
    pub kind: IdentifierKind,
    /// The value as the vendor sent it.
    pub value: String,
}

impl Identifier {
    /// A new identifier.
    pub fn new(kind: IdentifierKind, value: impl Into<String>) -> Self {
        Identifier {
            kind,
            value: value.into(),
        }
    }
}

/// A student (pupil).
///
/// `#[non_exhaustive]`: other crates build one with [`Student::new`] (the fields every record
/// has) and then set the optional fields, so adding a field later breaks no caller.
///
/// ```
/// use mis_core::model::{Identifier, IdentifierKind, Student};
///
/// let mut s = Student::new("go4schools", "42", "Ada", "Lovelace");
/// s.year_group = Some("11".into());
/// s.identifiers.push(Identifier::new(IdentifierKind::Upn, "A123456789012"));
/// assert_eq!(s.upn(), Some("A123456789012"));
/// assert_eq!(s.email, None);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Student {
    /// Vendor id (`classcharts`, `go4schools`, …).
    pub provider: String,
    /// The vendor's own id for this student.
    pub id: String,
    /// Legal first name.
    pub first_name: String,
    /// Legal last name.
    pub last_name: String,
    /// Preferred first name, when recorded.
    pub preferred_first_name: Option<String>,
    /// Preferred last name, when recorded.
    pub preferred_last_name: Option<String>,
    /// Middle names, when recorded.
    pub middle_names: Option<String>,
    /// Date of birth (`YYYY-MM-DD`).
    pub date_of_birth: Option<Date>,
    /// Gender.
    pub gender: Option<Gender>,
    /// The vendor's year group label, e.g. `"11"`.
    pub year_group: Option<String>,
    /// Registration group (form / tutor group) label.
    pub registration_group: Option<String>,
    /// E-mail address.
    pub email: Option<String>,
    /// Enrolment status.
    pub enrolment_status: Option<EnrolmentStatus>,
    /// UPN, MIS id and other identifiers.
    pub identifiers: Vec<Identifier>,
}

impl Student {
    /// A student with the required fields set and everything else empty.
    pub fn new(
        provider: impl Into<String>,
        id: impl Into<String>,
        first_name: impl Into<String>,
        last_name: impl Into<String>,
    ) -> Self {
        Student {
            provider: provider.into(),
            id: id.into(),
            first_name: first_name.into(),
            last_name: last_name.into(),
            preferred_first_name: None,
            preferred_last_name: None,
            middle_names: None,
            date_of_birth: None,
            gender: None,
            year_group: None,
            registration_group: None,
            email: None,
            enrolment_status: None,
            identifiers: Vec::new(),
        }
    }

    /// The first identifier of `kind`, if any.
    pub fn identifier(&self, kind: &IdentifierKind) -> Option<&str> {
        self.identifiers
            .iter()
            .find(|i| &i.kind == kind)
            .map(|i| i.value.as_str())
    }

    /// The student's UPN, if the vendor sent one.
    pub fn upn(&self) -> Option<&str> {
        self.identifier(&IdentifierKind::Upn)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serialises_with_contract_field_names() {
        let mut s = Student::new("go4schools", "42", "Ada", "Lovelace");
        s.date_of_birth = Some(jiff::civil::date(2010, 12, 10));
        s.gender = Some(Gender::parse("F"));
        s.enrolment_status = Some(EnrolmentStatus::OnRoll);
        s.identifiers
            .push(Identifier::new(IdentifierKind::Upn, "A123"));
        let v = serde_json::to_value(&s).unwrap();
        let keys: std::collections::BTreeSet<&str> =
            v.as_object().unwrap().keys().map(|k| k.as_str()).collect();
        assert_eq!(
            keys,
            std::collections::BTreeSet::from([
                "provider",
                "id",
                "first_name",
                "last_name",
                "preferred_first_name",
                "preferred_last_name",
                "middle_names",
                "date_of_birth",
                "gender",
                "year_group",
                "registration_group",
                "email",
                "enrolment_status",
                "identifiers"
            ])
        );
        assert_eq!(v["date_of_birth"], "2010-12-10");
        assert_eq!(v["gender"], "female");
        assert_eq!(v["enrolment_status"], "on_roll");
        assert_eq!(v["identifiers"][0]["kind"], "upn");
        let back: Student = serde_json::from_value(v).unwrap();
        assert_eq!(back, s);
        assert_eq!(back.upn(), Some("A123"));
    }

    #[test]
    fn unknown_enum_values_are_kept_lower_cased() {
        assert_eq!(
            Gender::parse("Non-Binary"),
            Gender::Other("non-binary".into())
        );
        let g: Gender = serde_json::from_str("\"X\"").unwrap();
        assert_eq!(serde_json::to_string(&g).unwrap(), "\"x\"");
    }
}
