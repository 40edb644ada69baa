//! Query parameters of the typed client, named and encoded as the vendor document lists them
//! (`filter[yearGroup]`, `filter[dateTime][from]`, `sort[field]=asc`, …).
//!
//! Every filter is a plain struct with public `Option` fields and a `Default`, so a call
//! names only what it uses: `StudentFilter { year_group: Some(3), ..Default::default() }`.

use std::fmt::Display;

use jiff::Timestamp;

use crate::wire::{AttendanceSession, EnrolmentStatus, EventStatus, HouseType, PastoralType};

/// Query pairs plus the optional `academic-year-id` header.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Params {
    pub(crate) pairs: Vec<(String, String)>,
    pub(crate) academic_year: Option<u64>,
}

impl Params {
    pub(crate) fn new() -> Self {
        Params::default()
    }

    /// Adds `key=value`.
    pub(crate) fn set(mut self, key: &str, value: impl Display) -> Self {
        self.pairs.push((key.to_owned(), value.to_string()));
        self
    }

    /// Adds `key=value` when there is a value.
    pub(crate) fn opt(self, key: &str, value: Option<impl Display>) -> Self {
        match value {
            Some(v) => self.set(key, v),
            None => self,
        }
    }

    /// Adds `sort[field]=asc|desc`.
    pub(crate) fn sort(self, sort: Option<&Sort>) -> Self {
        match sort {
            Some(s) => self.set(&format!("sort[{}]", s.field), s.direction()),
            None => self,
        }
    }

    /// Adds `filter[dateTime][from]` / `[to]`.
    pub(crate) fn date_time(self, range: &DateTimeRange) -> Self {
        self.opt("filter[dateTime][from]", range.from)
            .opt("filter[dateTime][to]", range.to)
    }

    /// Sets the `academic-year-id` header.
    pub(crate) fn year(mut self, id: Option<u64>) -> Self {
        self.academic_year = id;
        self
    }
}

/// `sort[<field>]=asc|desc`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sort {
    /// The field, e.g. `name`, `date`.
    pub field: String,
    /// `desc` instead of `asc`.
    pub descending: bool,
}

impl Sort {
    /// Ascending by `field`.
    pub fn asc(field: impl Into<String>) -> Self {
        Sort {
            field: field.into(),
            descending: false,
        }
    }

    /// Descending by `field`.
    pub fn desc(field: impl Into<String>) -> Self {
        Sort {
            field: field.into(),
            descending: true,
        }
    }

    fn direction(&self) -> &'static str {
        if self.descending { "desc" } else { "asc" }
    }
}

/// `filter[dateTime][from]` and `filter[dateTime][to]`, sent as RFC 3339 UTC instants
/// (`2024-09-02T00:00:00Z`): the document types them `string <date-time>`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DateTimeRange {
    /// From (inclusive).
    pub from: Option<Timestamp>,
    /// To (inclusive).
    pub to: Option<Timestamp>,
}

impl DateTimeRange {
    /// Both ends.
    pub fn between(from: Timestamp, to: Timestamp) -> Self {
        DateTimeRange {
            from: Some(from),
            to: Some(to),
        }
    }
}

/// "Students: Get List".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StudentFilter {
    /// `search`.
    pub search: Option<String>,
    /// `filter[gender]`: gender id.
    pub gender: Option<u64>,
    /// `filter[academicYear]`: academic year id.
    pub academic_year: Option<String>,
    /// `filter[boardingType]`: boarding type id.
    pub boarding_type: Option<u64>,
    /// `filter[form]`: form id.
    pub form: Option<u64>,
    /// `filter[yearGroup]`: year group id.
    pub year_group: Option<u64>,
    /// `filter[enrolmentStatus]`: `current`, `past`, `applicant`.
    pub enrolment_status: Option<EnrolmentStatus>,
    /// `filter[house]`: academic or boarding house id.
    pub house: Option<String>,
    /// `filter[tutorGroup]`: tutor group id.
    pub tutor_group: Option<u64>,
    /// `sort[field]`.
    pub sort: Option<Sort>,
    /// The `academic-year-id` header (else the config's, else the active year).
    pub academic_year_id: Option<u64>,
}

impl StudentFilter {
    pub(crate) fn params(&self) -> Params {
        Params::new()
            .opt("search", self.search.as_ref())
            .opt("filter[gender]", self.gender)
            .opt("filter[academicYear]", self.academic_year.as_ref())
            .opt("filter[boardingType]", self.boarding_type)
            .opt("filter[form]", self.form)
            .opt("filter[yearGroup]", self.year_group)
            .opt("filter[enrolmentStatus]", self.enrolment_status.as_ref())
            .opt("filter[house]", self.house.as_ref())
            .opt("filter[tutorGroup]", self.tutor_group)
            .sort(self.sort.as_ref())
            .year(self.academic_year_id)
    }
}

/// "Students: Get Students Past List".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PastStudentFilter {
    /// `search`.
    pub search: Option<String>,
    /// `filter[gender]`.
    pub gender: Option<u64>,
    /// `filter[destinationSchool]`.
    pub destination_school: Option<u64>,
}

impl PastStudentFilter {
    pub(crate) fn params(&self) -> Params {
        Params::new()
            .opt("search", self.search.as_ref())
            .opt("filter[gender]", self.gender)
            .opt("filter[destinationSchool]", self.destination_school)
    }
}

/// "Houses: Get Houses" and "Houses: Get Houses Summary".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HouseFilter {
    /// `filter[houseType]`.
    pub house_type: Option<HouseType>,
    /// `filter[isActive]` (list only).
    pub is_active: Option<bool>,
    /// `academicYearId` (summary only).
    pub academic_year_id: Option<u64>,
}

/// "House: Get Students".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HouseStudentFilter {
    /// `search`.
    pub search: Option<String>,
    /// `filter[gender]`.
    pub gender: Option<u64>,
    /// `filter[boardingType]`.
    pub boarding_type: Option<u64>,
    /// `filter[form]`.
    pub form: Option<u64>,
    /// `filter[yearGroup]`.
    pub year_group: Option<u64>,
    /// `sort[field]`.
    pub sort: Option<Sort>,
    /// The `academic-year-id` header.
    pub academic_year_id: Option<u64>,
}

impl HouseStudentFilter {
    pub(crate) fn params(&self) -> Params {
        Params::new()
            .opt("search", self.search.as_ref())
            .opt("filter[gender]", self.gender)
            .opt("filter[boardingType]", self.boarding_type)
            .opt("filter[form]", self.form)
            .opt("filter[yearGroup]", self.year_group)
            .sort(self.sort.as_ref())
            .year(self.academic_year_id)
    }
}

/// A student's wellbeing plans or events.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WellbeingFilter {
    /// `filter[assignedTo]`: staff id.
    pub assigned_to: Option<u64>,
    /// `filter[category]`.
    pub category: Option<u64>,
    /// `filter[status]`.
    pub status: Option<EventStatus>,
    /// `filter[severity]`.
    pub severity: Option<u64>,
    /// `filter[dateTime][from|to]`.
    pub date_time: DateTimeRange,
    /// `search`.
    pub search: Option<String>,
}

impl WellbeingFilter {
    pub(crate) fn params(&self) -> Params {
        Params::new()
            .opt("filter[assignedTo]", self.assigned_to)
            .opt("filter[category]", self.category)
            .opt("filter[status]", self.status.as_ref())
            .opt("filter[severity]", self.severity)
            .date_time(&self.date_time)
            .opt("search", self.search.as_ref())
    }
}

/// "Contacts: Get List".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContactFilter {
    /// `search`.
    pub search: Option<String>,
    /// `filter[status]`: status id.
    pub status: Option<u64>,
}

impl ContactFilter {
    pub(crate) fn params(&self) -> Params {
        Params::new()
            .opt("search", self.search.as_ref())
            .opt("filter[status]", self.status)
    }
}

/// A student's learning support reviews.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LearningSupportReviewFilter {
    /// `search`.
    pub search: Option<String>,
    /// `filter[status]`.
    pub status: Option<u64>,
    /// `filter[reviewType]`.
    pub review_type: Option<u64>,
    /// `filter[isStudentAttending]`.
    pub is_student_attending: Option<bool>,
    /// `sort[field]`.
    pub sort: Option<Sort>,
}

impl LearningSupportReviewFilter {
    pub(crate) fn params(&self) -> Params {
        Params::new()
            .sort(self.sort.as_ref())
            .opt("search", self.search.as_ref())
            .opt("filter[status]", self.status)
            .opt("filter[reviewType]", self.review_type)
            .opt("filter[isStudentAttending]", self.is_student_attending)
    }
}

/// A student's learning support records.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LearningSupportRecordFilter {
    /// `search`.
    pub search: Option<String>,
    /// `filter[status]`.
    pub status: Option<u64>,
    /// `filter[ehcp]`.
    pub ehcp: Option<bool>,
    /// `filter[severity]`.
    pub severity: Option<u64>,
    /// `filter[learningSupportType]`.
    pub learning_support_type: Option<u64>,
    /// `sort[field]`.
    pub sort: Option<Sort>,
}

impl LearningSupportRecordFilter {
    pub(crate) fn params(&self) -> Params {
        Params::new()
            .sort(self.sort.as_ref())
            .opt("search", self.search.as_ref())
            .opt("filter[status]", self.status)
            .opt("filter[ehcp]", self.ehcp)
            .opt("filter[severity]", self.severity)
            .opt("filter[learningSupportType]", self.learning_support_type)
    }
}

/// "Learning Support Records: List" (the whole school).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LearningSupportListFilter {
    /// `filter[yearGroup]`.
    pub year_group: Option<u64>,
    /// `search`.
    pub search: Option<String>,
    /// `sort[field]`.
    pub sort: Option<Sort>,
}

impl LearningSupportListFilter {
    pub(crate) fn params(&self) -> Params {
        Params::new()
            .opt("filter[yearGroup]", self.year_group)
            .opt("search", self.search.as_ref())
            .sort(self.sort.as_ref())
    }
}

/// "Staff: Get List".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StaffFilter {
    /// `search`.
    pub search: Option<String>,
    /// `filter[department]`.
    pub department: Option<u64>,
    /// `filter[section]`.
    pub section: Option<u64>,
    /// `filter[status]`.
    pub status: Option<u64>,
    /// `filter[subject]`.
    pub subject: Option<u64>,
    /// `filter[form]`.
    pub form: Option<u64>,
    /// `filter[subjectSet]`.
    pub subject_set: Option<u64>,
    /// `filter[tutorGroup]`.
    pub tutor_group: Option<u64>,
    /// `filter[yearGroup]`.
    pub year_group: Option<u64>,
    /// `filter[gender]`.
    pub gender: Option<u64>,
    /// `sort[field]`.
    pub sort: Option<Sort>,
    /// `assessmentCreation`.
    pub assessment_creation: Option<bool>,
}

impl StaffFilter {
    pub(crate) fn params(&self) -> Params {
        Params::new()
            .opt("search", self.search.as_ref())
            .opt("filter[department]", self.department)
            .opt("filter[section]", self.section)
            .opt("filter[status]", self.status)
            .opt("filter[subject]", self.subject)
            .opt("filter[form]", self.form)
            .opt("filter[subjectSet]", self.subject_set)
            .opt("filter[tutorGroup]", self.tutor_group)
            .opt("filter[yearGroup]", self.year_group)
            .opt("filter[gender]", self.gender)
            .sort(self.sort.as_ref())
            .opt("assessmentCreation", self.assessment_creation)
    }
}

/// Lists of academic-structure groups (activities, forms, tutor groups, year groups, sets,
/// subjects, sections): each uses the subset the document lists for it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GroupFilter {
    /// `filter[yearGroup]` (activities, forms, subject sets).
    pub year_group: Option<u64>,
    /// `filter[section]` (forms, subjects, subject sets, tutor groups, year groups).
    pub section: Option<u64>,
    /// `filter[subject]` (subject sets).
    pub subject: Option<u64>,
    /// `filter[department]` (subjects).
    pub department: Option<u64>,
    /// `filter[groupType]`: `form`, `subject_set`, `tutor_group`, `year_group` (sections).
    pub group_type: Option<String>,
    /// `search`.
    pub search: Option<String>,
    /// `sort[field]`.
    pub sort: Option<Sort>,
    /// `assessmentCreation`.
    pub assessment_creation: Option<bool>,
}

impl GroupFilter {
    pub(crate) fn params(&self) -> Params {
        Params::new()
            .opt("filter[yearGroup]", self.year_group)
            .opt("filter[section]", self.section)
            .opt("filter[subject]", self.subject)
            .opt("filter[department]", self.department)
            .opt("filter[groupType]", self.group_type.as_ref())
            .opt("search", self.search.as_ref())
            .sort(self.sort.as_ref())
            .opt("assessmentCreation", self.assessment_creation)
    }
}

/// "Rooms: Get All".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RoomFilter {
    /// `search`.
    pub search: Option<String>,
    /// `filter[location]`.
    pub location: Option<u64>,
}

/// "Timetables: Get List".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TimetableFilter {
    /// `search`.
    pub search: Option<String>,
    /// `filter[academicYear]`.
    pub academic_year: Option<String>,
}

/// "Student attendance records: Get by student id".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AttendanceFilter {
    /// `filter[attendanceCode]`: code id.
    pub attendance_code: Option<u64>,
    /// `filter[attendanceSession]`: `am` or `pm`.
    pub session: Option<AttendanceSession>,
    /// `filter[dateTime][from|to]`.
    pub date_time: DateTimeRange,
    /// `sort[field]`.
    pub sort: Option<Sort>,
}

impl AttendanceFilter {
    pub(crate) fn params(&self) -> Params {
        Params::new()
            .opt("filter[attendanceCode]", self.attendance_code)
            .opt("filter[attendanceSession]", self.session.as_ref())
            .date_time(&self.date_time)
            .sort(self.sort.as_ref())
    }
}

/// "Pastoral: Get list of Events" and "Get summary of Events".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PastoralEventFilter {
    /// `filter[type]`.
    pub event_type: Option<PastoralType>,
    /// `filter[yearGroup]`.
    pub year_group: Option<u64>,
    /// `filter[form]`.
    pub form: Option<u64>,
    /// `filter[category]`.
    pub category: Option<u64>,
    /// `filter[status]`.
    pub status: Option<EventStatus>,
    /// `filter[severity]`.
    pub severity: Option<u64>,
    /// `filter[dateTime][from|to]`.
    pub date_time: DateTimeRange,
    /// `search`.
    pub search: Option<String>,
    /// `sort[field]` (list only).
    pub sort: Option<Sort>,
    /// `filter[assignedTo]`.
    pub assigned_to: Option<u64>,
    /// `filter[includePastStudents]`.
    pub include_past_students: Option<bool>,
}

impl PastoralEventFilter {
    pub(crate) fn params(&self) -> Params {
        Params::new()
            .opt("filter[type]", self.event_type.as_ref())
            .opt("filter[yearGroup]", self.year_group)
            .opt("filter[form]", self.form)
            .opt("filter[category]", self.category)
            .opt("filter[status]", self.status.as_ref())
            .opt("filter[severity]", self.severity)
            .date_time(&self.date_time)
            .opt("search", self.search.as_ref())
            .sort(self.sort.as_ref())
            .opt("filter[assignedTo]", self.assigned_to)
            .opt("filter[includePastStudents]", self.include_past_students)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_use_the_documented_names() {
        let f = StudentFilter {
            year_group: Some(3),
            enrolment_status: Some(EnrolmentStatus::Current),
            sort: Some(Sort::desc("last_name")),
            academic_year_id: Some(9),
            ..Default::default()
        };
        let p = f.params();
        assert_eq!(
            p.pairs,
            [
                ("filter[yearGroup]".to_string(), "3".to_string()),
                ("filter[enrolmentStatus]".into(), "current".into()),
                ("sort[last_name]".into(), "desc".into()),
            ]
        );
        assert_eq!(p.academic_year, Some(9));

        let from: Timestamp = "2024-09-02T00:00:00Z".parse().unwrap();
        let f = AttendanceFilter {
            session: Some(AttendanceSession::Am),
            date_time: DateTimeRange {
                from: Some(from),
                to: None,
            },
            ..Default::default()
        };
        assert_eq!(
            f.params().pairs,
            [
                ("filter[attendanceSession]".to_string(), "am".to_string()),
                (
                    "filter[dateTime][from]".into(),
                    "2024-09-02T00:00:00Z".into()
                ),
            ]
        );
    }
}
