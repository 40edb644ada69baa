//! The GO 4 Schools route table: every path this crate calls, in one place.
//!
//! Paths are those of the vendor's "GO 4 Schools API (customer v1)" reference, below the
//! documented prefix [`PATH_PREFIX`](crate::config::PATH_PREFIX) (`/customer/v1`). Almost
//! every path names the academic year as GO does, by the calendar year the school year ends
//! in (`2025` = 2024/25). `{placeholders}` are filled in order by [`Route::segments`], and
//! each value is percent-encoded as one path segment by mis-http, so a value can never
//! change which endpoint is called. Each route carries the operation name used in traces and
//! errors.
//!
//! ```text
//! GET   school                                                                   school.get
//! GET   academic-years/{year}/students                                           students.list
//! GET   academic-years/{year}/students/education-details                         students.education_details
//! GET   academic-years/{year}/students/attributes                                students.attributes
//! GET   academic-years/{year}/students/attributes/demographic                    students.attributes.demographic
//! GET   academic-years/{year}/students/attributes/send                           students.attributes.send
//! GET   academic-years/{year}/students/attributes/sensitive                      students.attributes.sensitive
//! GET   academic-years/{year}/students/photos                                    students.photos
//! GET   academic-years/{year}/students/medical-conditions                        students.medical_conditions
//! GET   academic-years/{year}/teaching/departments                               teaching.departments
//! GET   academic-years/{year}/teaching/subjects                                  teaching.subjects
//! GET   academic-years/{year}/teaching/teachers                                  teaching.teachers
//! GET   academic-years/{year}/teaching/groups                                    teaching.groups
//! GET   academic-years/{year}/teaching/groups/students                           teaching.groups.students
//! GET   academic-years/{year}/teaching/groups/teachers                           teaching.groups.teachers
//! GET   academic-years/{year}/timetables                                         timetables.list
//! GET   academic-years/{year}/timetables/calendar                                timetables.calendar
//! GET   academic-years/{year}/timetables/classes                                 timetables.classes
//! GET   academic-years/{year}/timetables/student-classes                         timetables.student_classes
//! GET   academic-years/{year}/attendance/codes                                   attendance.codes
//! GET   academic-years/{year}/attendance/student-session-marks/date/{date}       attendance.session_marks
//! GET   academic-years/{year}/attendance/student-lesson-marks/date/{date}        attendance.lesson_marks
//! GET   academic-years/{year}/attendance/student-session-summary                 attendance.session_summary
//! GET   academic-years/{year}/behaviour/actions/follow-up                        behaviour.actions.follow_up
//! GET   academic-years/{year}/behaviour/actions/immediate                        behaviour.actions.immediate
//! GET   academic-years/{year}/behaviour/classification                           behaviour.classification
//! GET   academic-years/{year}/behaviour/event-types                              behaviour.event_types
//! GET   academic-years/{year}/behaviour/events/date/{date}                       behaviour.events
//! GET   academic-years/{year}/attainment/grade-types/year-group/{year_group}     attainment.grade_types
//! GET   academic-years/{year}/attainment/grades/year-group/{year_group}          attainment.grades
//! GET   academic-years/{year}/attainment/exam-results/year-group/{year_group}    attainment.exam_results
//! GET   academic-years/{year}/attainment/prior-attainment                        attainment.prior_attainment
//! GET   academic-years/{year}/attainment/reports                                 attainment.reports
//! GET   academic-years/{year}/attainment/reports/{report_id}/attributes          attainment.report_attributes
//! GET   academic-years/{year}/attainment/reports/{report_id}/comments            attainment.report_comments
//! GET   academic-years/{year}/assessment/markbooks                               assessment.markbooks
//! GET   academic-years/{year}/assessment/marksheet-grades                        assessment.marksheet_grades
//! GET   academic-years/{year}/assessment/marks                                   assessment.marks
//! GET   contacts/parental                                                        contacts.parental
//! GET   users/parents                                                            users.parents
//! GET   users/staff                                                              users.staff
//! POST  academic-years/{year}/attendance/student-session-marks                   attendance.record_session
//! GET   academic-years/{year}/attainment/reports/{report_id}/grades              attainment.report_grades
//! ```

/// One endpoint: its method, its path template below the prefix, and its operation name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Route {
    /// `GET` or `POST`.
    pub method: &'static str,
    /// The path below the prefix, with `{placeholders}`
    /// (`academic-years/{year}/behaviour/events/date/{date}`).
    pub template: &'static str,
    /// The operation name (`behaviour.events`).
    pub operation: &'static str,
}

impl Route {
    const fn get(template: &'static str, operation: &'static str) -> Route {
        Route {
            method: "GET",
            template,
            operation,
        }
    }

    const fn post(template: &'static str, operation: &'static str) -> Route {
        Route {
            method: "POST",
            template,
            operation,
        }
    }

    /// How many `{placeholders}` the template has.
    pub fn arity(&self) -> usize {
        self.template
            .split('/')
            .filter(|s| s.starts_with('{'))
            .count()
    }

    /// The path segments, `values` put in the placeholders in order
    /// (`["academic-years", "2025", "behaviour", "events", "date", "2024-09-09"]`).
    ///
    /// The client passes as many values as the template has placeholders (the table's tests
    /// check every route); a missing value would leave an empty segment, which mis-http
    /// refuses, rather than call another endpoint.
    pub fn segments(&self, values: &[&str]) -> Vec<String> {
        debug_assert_eq!(values.len(), self.arity(), "{}", self.template);
        let mut values = values.iter();
        self.template
            .split('/')
            .map(|s| {
                if s.starts_with('{') {
                    values.next().map(|v| (*v).to_owned()).unwrap_or_default()
                } else {
                    s.to_owned()
                }
            })
            .collect()
    }
}

/// `GET /school`.
pub const SCHOOL: Route = Route::get("school", "school.get");
/// `GET /academic-years/{year}/students`.
pub const STUDENTS_LIST: Route = Route::get("academic-years/{year}/students", "students.list");
/// `GET /academic-years/{year}/students/education-details`.
pub const STUDENTS_EDUCATION_DETAILS: Route = Route::get(
    "academic-years/{year}/students/education-details",
    "students.education_details",
);
/// `GET /academic-years/{year}/students/attributes`.
pub const STUDENTS_ATTRIBUTES: Route = Route::get(
    "academic-years/{year}/students/attributes",
    "students.attributes",
);
/// `GET /academic-years/{year}/students/attributes/demographic`.
pub const STUDENTS_ATTRIBUTES_DEMOGRAPHIC: Route = Route::get(
    "academic-years/{year}/students/attributes/demographic",
    "students.attributes.demographic",
);
/// `GET /academic-years/{year}/students/attributes/send`.
pub const STUDENTS_ATTRIBUTES_SEND: Route = Route::get(
    "academic-years/{year}/students/attributes/send",
    "students.attributes.send",
);
/// `GET /academic-years/{year}/students/attributes/sensitive`.
pub const STUDENTS_ATTRIBUTES_SENSITIVE: Route = Route::get(
    "academic-years/{year}/students/attributes/sensitive",
    "students.attributes.sensitive",
);
/// `GET /academic-years/{year}/students/photos`.
pub const STUDENTS_PHOTOS: Route =
    Route::get("academic-years/{year}/students/photos", "students.photos");
/// `GET /academic-years/{year}/students/medical-conditions`.
pub const STUDENTS_MEDICAL_CONDITIONS: Route = Route::get(
    "academic-years/{year}/students/medical-conditions",
    "students.medical_conditions",
);
/// `GET /academic-years/{year}/teaching/departments`.
pub const TEACHING_DEPARTMENTS: Route = Route::get(
    "academic-years/{year}/teaching/departments",
    "teaching.departments",
);
/// `GET /academic-years/{year}/teaching/subjects`.
pub const TEACHING_SUBJECTS: Route = Route::get(
    "academic-years/{year}/teaching/subjects",
    "teaching.subjects",
);
/// `GET /academic-years/{year}/teaching/teachers`.
pub const TEACHING_TEACHERS: Route = Route::get(
    "academic-years/{year}/teaching/teachers",
    "teaching.teachers",
);
/// `GET /academic-years/{year}/teaching/groups`.
pub const TEACHING_GROUPS: Route =
    Route::get("academic-years/{year}/teaching/groups", "teaching.groups");
/// `GET /academic-years/{year}/teaching/groups/students`.
pub const TEACHING_GROUPS_STUDENTS: Route = Route::get(
    "academic-years/{year}/teaching/groups/students",
    "teaching.groups.students",
);
/// `GET /academic-years/{year}/teaching/groups/teachers`.
pub const TEACHING_GROUPS_TEACHERS: Route = Route::get(
    "academic-years/{year}/teaching/groups/teachers",
    "teaching.groups.teachers",
);
/// `GET /academic-years/{year}/timetables`.
pub const TIMETABLES_LIST: Route =
    Route::get("academic-years/{year}/timetables", "timetables.list");
/// `GET /academic-years/{year}/timetables/calendar`.
pub const TIMETABLES_CALENDAR: Route = Route::get(
    "academic-years/{year}/timetables/calendar",
    "timetables.calendar",
);
/// `GET /academic-years/{year}/timetables/classes`.
pub const TIMETABLES_CLASSES: Route = Route::get(
    "academic-years/{year}/timetables/classes",
    "timetables.classes",
);
/// `GET /academic-years/{year}/timetables/student-classes`.
pub const TIMETABLES_STUDENT_CLASSES: Route = Route::get(
    "academic-years/{year}/timetables/student-classes",
    "timetables.student_classes",
);
/// `GET /academic-years/{year}/attendance/codes`.
pub const ATTENDANCE_CODES: Route =
    Route::get("academic-years/{year}/attendance/codes", "attendance.codes");
/// `GET /academic-years/{year}/attendance/student-session-marks/date/{date}`.
pub const ATTENDANCE_SESSION_MARKS: Route = Route::get(
    "academic-years/{year}/attendance/student-session-marks/date/{date}",
    "attendance.session_marks",
);
/// `GET /academic-years/{year}/attendance/student-lesson-marks/date/{date}`.
pub const ATTENDANCE_LESSON_MARKS: Route = Route::get(
    "academic-years/{year}/attendance/student-lesson-marks/date/{date}",
    "attendance.lesson_marks",
);
/// `GET /academic-years/{year}/attendance/student-session-summary`.
pub const ATTENDANCE_SESSION_SUMMARY: Route = Route::get(
    "academic-years/{year}/attendance/student-session-summary",
    "attendance.session_summary",
);
/// `GET /academic-years/{year}/behaviour/actions/follow-up`.
pub const BEHAVIOUR_ACTIONS_FOLLOW_UP: Route = Route::get(
    "academic-years/{year}/behaviour/actions/follow-up",
    "behaviour.actions.follow_up",
);
/// `GET /academic-years/{year}/behaviour/actions/immediate`.
pub const BEHAVIOUR_ACTIONS_IMMEDIATE: Route = Route::get(
    "academic-years/{year}/behaviour/actions/immediate",
    "behaviour.actions.immediate",
);
/// `GET /academic-years/{year}/behaviour/classification`.
pub const BEHAVIOUR_CLASSIFICATION: Route = Route::get(
    "academic-years/{year}/behaviour/classification",
    "behaviour.classification",
);
/// `GET /academic-years/{year}/behaviour/event-types`.
pub const BEHAVIOUR_EVENT_TYPES: Route = Route::get(
    "academic-years/{year}/behaviour/event-types",
    "behaviour.event_types",
);
/// `GET /academic-years/{year}/behaviour/events/date/{date}`.
pub const BEHAVIOUR_EVENTS: Route = Route::get(
    "academic-years/{year}/behaviour/events/date/{date}",
    "behaviour.events",
);
/// `GET /academic-years/{year}/attainment/grade-types/year-group/{year_group}`.
pub const ATTAINMENT_GRADE_TYPES: Route = Route::get(
    "academic-years/{year}/attainment/grade-types/year-group/{year_group}",
    "attainment.grade_types",
);
/// `GET /academic-years/{year}/attainment/grades/year-group/{year_group}`.
pub const ATTAINMENT_GRADES: Route = Route::get(
    "academic-years/{year}/attainment/grades/year-group/{year_group}",
    "attainment.grades",
);
/// `GET /academic-years/{year}/attainment/exam-results/year-group/{year_group}`.
pub const ATTAINMENT_EXAM_RESULTS: Route = Route::get(
    "academic-years/{year}/attainment/exam-results/year-group/{year_group}",
    "attainment.exam_results",
);
/// `GET /academic-years/{year}/attainment/prior-attainment`.
pub const ATTAINMENT_PRIOR_ATTAINMENT: Route = Route::get(
    "academic-years/{year}/attainment/prior-attainment",
    "attainment.prior_attainment",
);
/// `GET /academic-years/{year}/attainment/reports`.
pub const ATTAINMENT_REPORTS: Route = Route::get(
    "academic-years/{year}/attainment/reports",
    "attainment.reports",
);
/// `GET /academic-years/{year}/attainment/reports/{report_id}/attributes`.
pub const ATTAINMENT_REPORT_ATTRIBUTES: Route = Route::get(
    "academic-years/{year}/attainment/reports/{report_id}/attributes",
    "attainment.report_attributes",
);
/// `GET /academic-years/{year}/attainment/reports/{report_id}/comments`.
pub const ATTAINMENT_REPORT_COMMENTS: Route = Route::get(
    "academic-years/{year}/attainment/reports/{report_id}/comments",
    "attainment.report_comments",
);
/// `GET /academic-years/{year}/assessment/markbooks`.
pub const ASSESSMENT_MARKBOOKS: Route = Route::get(
    "academic-years/{year}/assessment/markbooks",
    "assessment.markbooks",
);
/// `GET /academic-years/{year}/assessment/marksheet-grades`.
pub const ASSESSMENT_MARKSHEET_GRADES: Route = Route::get(
    "academic-years/{year}/assessment/marksheet-grades",
    "assessment.marksheet_grades",
);
/// `GET /academic-years/{year}/assessment/marks`.
pub const ASSESSMENT_MARKS: Route =
    Route::get("academic-years/{year}/assessment/marks", "assessment.marks");
/// `GET /contacts/parental`.
pub const CONTACTS_PARENTAL: Route = Route::get("contacts/parental", "contacts.parental");
/// `GET /users/parents`.
pub const USERS_PARENTS: Route = Route::get("users/parents", "users.parents");
/// `GET /users/staff`.
pub const USERS_STAFF: Route = Route::get("users/staff", "users.staff");
/// `POST /academic-years/{year}/attendance/student-session-marks`.
pub const ATTENDANCE_RECORD_SESSION: Route = Route::post(
    "academic-years/{year}/attendance/student-session-marks",
    "attendance.record_session",
);
/// `GET /academic-years/{year}/attainment/reports/{report_id}/grades`.
pub const ATTAINMENT_REPORT_GRADES: Route = Route::get(
    "academic-years/{year}/attainment/reports/{report_id}/grades",
    "attainment.report_grades",
);

/// Every route, in the order of the table above.
pub const ALL: &[Route] = &[
    SCHOOL,
    STUDENTS_LIST,
    STUDENTS_EDUCATION_DETAILS,
    STUDENTS_ATTRIBUTES,
    STUDENTS_ATTRIBUTES_DEMOGRAPHIC,
    STUDENTS_ATTRIBUTES_SEND,
    STUDENTS_ATTRIBUTES_SENSITIVE,
    STUDENTS_PHOTOS,
    STUDENTS_MEDICAL_CONDITIONS,
    TEACHING_DEPARTMENTS,
    TEACHING_SUBJECTS,
    TEACHING_TEACHERS,
    TEACHING_GROUPS,
    TEACHING_GROUPS_STUDENTS,
    TEACHING_GROUPS_TEACHERS,
    TIMETABLES_LIST,
    TIMETABLES_CALENDAR,
    TIMETABLES_CLASSES,
    TIMETABLES_STUDENT_CLASSES,
    ATTENDANCE_CODES,
    ATTENDANCE_SESSION_MARKS,
    ATTENDANCE_LESSON_MARKS,
    ATTENDANCE_SESSION_SUMMARY,
    BEHAVIOUR_ACTIONS_FOLLOW_UP,
    BEHAVIOUR_ACTIONS_IMMEDIATE,
    BEHAVIOUR_CLASSIFICATION,
    BEHAVIOUR_EVENT_TYPES,
    BEHAVIOUR_EVENTS,
    ATTAINMENT_GRADE_TYPES,
    ATTAINMENT_GRADES,
    ATTAINMENT_EXAM_RESULTS,
    ATTAINMENT_PRIOR_ATTAINMENT,
    ATTAINMENT_REPORTS,
    ATTAINMENT_REPORT_ATTRIBUTES,
    ATTAINMENT_REPORT_COMMENTS,
    ASSESSMENT_MARKBOOKS,
    ASSESSMENT_MARKSHEET_GRADES,
    ASSESSMENT_MARKS,
    CONTACTS_PARENTAL,
    USERS_PARENTS,
    USERS_STAFF,
    ATTENDANCE_RECORD_SESSION,
    ATTAINMENT_REPORT_GRADES,
];

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn every_route_is_well_formed_and_unique() {
        let mut operations = HashSet::new();
        let mut paths = HashSet::new();
        for r in ALL {
            assert!(operations.insert(r.operation), "{} twice", r.operation);
            assert!(paths.insert((r.method, r.template)), "{} twice", r.template);
            assert!(!r.template.starts_with('/') && !r.template.ends_with('/'));
            for s in r.template.split('/') {
                let placeholder = s.starts_with('{') && s.ends_with('}');
                assert!(
                    placeholder || s.bytes().all(|b| b.is_ascii_lowercase() || b == b'-'),
                    "{}: {s}",
                    r.template
                );
            }
            // Every per-year path starts with the year, as GO's reference lays them out.
            if r.template.contains("{year}") {
                assert!(
                    r.template.starts_with("academic-years/{year}/"),
                    "{}",
                    r.template
                );
            }
        }
    }

    #[test]
    fn values_fill_the_placeholders_in_order() {
        assert_eq!(SCHOOL.segments(&[]), ["school"]);
        assert_eq!(
            BEHAVIOUR_EVENTS.segments(&["2025", "2024-09-09"]),
            [
                "academic-years",
                "2025",
                "behaviour",
                "events",
                "date",
                "2024-09-09"
            ]
        );
        assert_eq!(ATTAINMENT_REPORT_GRADES.arity(), 2);
        assert_eq!(ATTENDANCE_RECORD_SESSION.method, "POST");
    }
}
