//! Students, their enrolment records, staff and contacts.

use mis_core::{EnrolmentStatus, Gender, GroupKind, IdentifierKind, Staff, Student};
use serde_json::{Value, json};

use super::super::int_id;
use super::super::query::Page;
use super::{Index, fnv, gender_id, gender_ref, group_ref, title_ref, year_ref};
use crate::school::School;

/// `filter[...]` of `GET /students`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StudentFilter {
    /// `filter[enrolmentStatus]`: `current`, `past` or `applicant`.
    pub enrolment_status: Option<String>,
    /// `filter[yearGroup]`: a year group id.
    pub year_group: Option<u64>,
    /// `filter[form]`: a form (registration) group id.
    pub form: Option<u64>,
    /// `filter[house]`: a house id.
    pub house: Option<u64>,
    /// `filter[gender]`: a gender id.
    pub gender: Option<u64>,
}

/// HUBmis's enrolment statuses (the document's `filter[enrolmentStatus]` text: 'current',
/// 'past', 'applicant').
fn enrolment_status(student: &Student) -> &'static str {
    match student.enrolment_status {
        Some(EnrolmentStatus::Leaver) => "past",
        Some(EnrolmentStatus::Applicant) => "applicant",
        _ => "current",
    }
}

fn identifier(student: &Student, kind: IdentifierKind) -> Option<&str> {
    student
        .identifiers
        .iter()
        .find(|i| i.kind == kind)
        .map(|i| i.value.as_str())
}

/// One student, as the "Students: Get Student" sample. Sensitive fields (ethnicity, faith,
/// nationality, medical) and boarding are `null` / empty: the synthetic school has none.
/// `external_id` carries the admission number; the UPN lives on the enrolment record
/// ([`enrolment`]), as in the document. `preferred_name` is the preferred first name (HUBmis
/// has no preferred surname).
pub fn student(school: &School, index: &Index, s: &Student) -> Value {
    let form = index
        .group_of(school, &s.id, GroupKind::Registration)
        .map(|f| {
            let mut v = group_ref(f);
            let year = index.group_of(school, &s.id, GroupKind::Year);
            v["year_group"] = year.map_or(Value::Null, year_ref);
            v
        });
    let house = index
        .group_of(school, &s.id, GroupKind::House)
        .map(group_ref);
    json!({
        "id": int_id(&s.id),
        "access_status": "no_access",
        "multi_realm": false,
        "academic_house": house,
        "boarding_type": null,
        "boarding_house": null,
        "country_of_birth": null,
        "date_of_birth": s.date_of_birth.map(|d| d.to_string()),
        "deleted_at": null,
        "ethnicity": null,
        "enrolment_status": enrolment_status(s),
        "external_id": identifier(s, IdentifierKind::AdmissionNumber),
        "faith": null,
        "first_name": s.first_name,
        "gender": gender_ref(s.gender.as_ref()),
        "has_global_note": false,
        "form": form,
        "language_first": null,
        "language_second": null,
        "last_login": null,
        "last_name": s.last_name,
        "learning_support_record_summary": [],
        "middle_name": s.middle_names,
        "name_in_local_language": null,
        "national_identity": null,
        "nationalities": [],
        // The document's sample says "stduent", a typo: the vendor's own value is unknown,
        // and a client should not depend on this field.
        "person_type": "student",
        "preferred_name": s.preferred_first_name,
        "primary_email": s.email,
        "profile_image": null,
        "tags": [],
        "medical_condition_severity": [],
    })
}

/// The students matching `filter`, in id order.
pub fn matching_students<'s>(
    school: &'s School,
    index: &Index,
    filter: &StudentFilter,
) -> Vec<&'s Student> {
    school
        .students
        .iter()
        .filter(|s| {
            filter
                .enrolment_status
                .as_deref()
                .is_none_or(|e| e == enrolment_status(s))
                && filter
                    .year_group
                    .is_none_or(|g| index.in_group(&s.id, g, GroupKind::Year))
                && filter
                    .form
                    .is_none_or(|g| index.in_group(&s.id, g, GroupKind::Registration))
                && filter
                    .house
                    .is_none_or(|g| index.in_group(&s.id, g, GroupKind::House))
                && filter
                    .gender
                    .is_none_or(|g| gender_id(s.gender.as_ref()) == Some(g))
        })
        .collect()
}

/// One page of `GET /students`: a bare array.
pub fn students(school: &School, index: &Index, filter: &StudentFilter, page: Page) -> Value {
    let all = matching_students(school, index, filter);
    Value::Array(
        page.slice(&all)
            .iter()
            .map(|s| student(school, index, s))
            .collect(),
    )
}

/// The enrolment record ("Students: Get enrolment data by student Id" sample): the UPN.
pub fn enrolment(school: &School, s: &Student) -> Value {
    let start = school
        .enrolments
        .iter()
        .find(|e| e.student_id == s.id)
        .map(|e| e.admission_date.to_string());
    json!({
        "enrolment_status": enrolment_status(s),
        "start_date": start,
        "account_reference": null,
        "candidate_number": identifier(s, IdentifierKind::CandidateNumber),
        "unique_pupil_number": identifier(s, IdentifierKind::Upn),
        "unique_pupil_number_status": identifier(s, IdentifierKind::Upn).map(|_| "permanent"),
    })
}

const ROLES: &[&str] = &[
    "headteacher",
    "deputy headteacher",
    "attendance officer",
    "SENCo",
    "teacher",
    "tutor",
];

fn job_title(staff: &Staff) -> Option<String> {
    let role = staff.roles.first()?;
    let mut out: String = role.chars().take(1).flat_map(char::to_uppercase).collect();
    out.push_str(role.get(1..).unwrap_or_default());
    Some(out)
}

/// One member of staff, as the "Staff: Get One Staff" sample, plus the staff code as
/// `timetable_code` (from the "Staff: Get Staff School Details" sample) since the list
/// sample has no other home for it. `external_id` is the staff member's MIS id.
pub fn staff(school: &School, index: &Index, s: &Staff) -> Value {
    let forms: Vec<Value> = index
        .tutor_of
        .get(&s.id)
        .into_iter()
        .flatten()
        .map(|g| group_ref(&school.groups[*g]))
        .collect();
    let roles: Vec<Value> = s
        .roles
        .iter()
        .map(|r| {
            let id = ROLES.iter().position(|x| x == r).map_or(99, |p| p + 1);
            json!({ "id": id, "name": r })
        })
        .collect();
    let mis_id = s
        .identifiers
        .iter()
        .find(|i| i.kind == IdentifierKind::MisId)
        .map(|i| i.value.clone());
    json!({
        "access_status": "no_access",
        "multi_realm": false,
        "academic_houses": [],
        "boarding_houses": [],
        "departments": [],
        "email": s.email,
        "external_id": mis_id,
        "first_name": s.first_name,
        "forms": forms,
        "gender": null,
        "id": int_id(&s.id),
        "images": [],
        "job_title": job_title(s),
        "last_name": s.last_name,
        "middle_name": null,
        "person_type": "staff",
        "preferred_name": null,
        "profile_image": null,
        "roles": roles,
        "rooms": [],
        "sections": [],
        "status": "current",
        "timetable_code": s.code,
        "title": title_ref(s.title.as_deref()),
    })
}

/// One page of `GET /staff`: a bare array.
pub fn staff_list(school: &School, index: &Index, page: Page) -> Value {
    Value::Array(
        page.slice(&school.staff)
            .iter()
            .map(|s| staff(school, index, s))
            .collect(),
    )
}

const MOTHERS: &[&str] = &[
    "Sarah", "Emma", "Claire", "Rachel", "Laura", "Helen", "Nicola", "Joanne", "Amy", "Priya",
    "Fatima", "Aisha",
];
const FATHERS: &[&str] = &[
    "David", "Mark", "Paul", "James", "Daniel", "Richard", "Andrew", "Imran", "Tom", "Lee",
    "Mohammed", "Sanjay",
];

/// The contact (parent / carer) of the student at `position`: the synthetic school has no
/// contacts, so each student gets one, derived from the student (same surname, a first name
/// and title chosen by a hash of the school seed and the student id). Contact ids start at
/// 20001 (their own id space).
pub fn contact(school: &School, position: usize) -> Option<Value> {
    let s = school.students.get(position)?;
    let h = fnv(&[&school.seed.to_le_bytes(), s.id.as_bytes()]);
    let mother = h % 2 == 0;
    let (first, title, gender) = if mother {
        (
            MOTHERS[(h / 2 % MOTHERS.len() as u64) as usize],
            if h / 64 % 3 == 0 { "Ms" } else { "Mrs" },
            Gender::Female,
        )
    } else {
        (
            FATHERS[(h / 2 % FATHERS.len() as u64) as usize],
            "Mr",
            Gender::Male,
        )
    };
    let email = format!(
        "{}.{}{}@home.example",
        first.to_ascii_lowercase(),
        s.last_name.to_ascii_lowercase().replace([' ', '\''], ""),
        position + 1
    );
    let status = match s.enrolment_status {
        Some(EnrolmentStatus::Leaver) => "inactive",
        _ => "active",
    };
    Some(json!({
        "access_status": "no_access",
        "multi_realm": false,
        "students_access": [],
        "deleted_at": null,
        "external_id": null,
        "first_name": first,
        "gender": gender_ref(Some(&gender)),
        "id": 20_001 + position,
        "last_name": s.last_name,
        "middle_name": null,
        "primary_email": email,
        "profile_image": null,
        "status": status,
        "students": [{ "id": int_id(&s.id), "first_name": s.first_name, "last_name": s.last_name }],
        "title": title_ref(Some(title)),
    }))
}

/// One page of `GET /contacts`: a bare array.
pub fn contacts(school: &School, _index: &Index, page: Page) -> Value {
    let positions: Vec<usize> = (0..school.students.len()).collect();
    Value::Array(
        page.slice(&positions)
            .iter()
            .filter_map(|p| contact(school, *p))
            .collect(),
    )
}
