//! The HUBmis route table: every path this crate calls, in one place.
//!
//! **Every path here is inferred.** The vendor's API reference ("WCBS HUBmis (1.2.0)") lists
//! each operation with its parameters and samples, but the copy this crate was written from
//! lost the URLs; only `POST /api/v1/token` on `api.hubmis.com` is confirmed (its
//! "Authentication" walkthrough). The paths below are the operations' resource names in the
//! REST style of that one path (`/students`, `/students/{id}/attendance`, …), with the path
//! parameters the API reference names (`id`, `academicYearId`, `mappingId`,
//! `pastoralCategoryType`, `module`, `userType`). When the real OpenAPI file is in hand,
//! correcting a path is an edit to one line of this file and nothing else.
//!
//! The operations the document marks *Deprecated* (Departments, Sections, Subjects and Subject
//! Sets "Get list" / "Get one", and the first "Pastoral: Get list of Events") have no route of
//! their own: each has an undeprecated twin with the same parameters, which is the one here.
//!
//! Templates are relative to the documented prefix [`PREFIX`]; `{name}` placeholders are
//! filled in order by [`Route::segments`], and each filled value is percent-encoded as one
//! path segment by mis-http, so an id can never change which endpoint is called.

use mis_core::{Error, Result};

/// The production host (the API reference's token example: `Host: api.hubmis.com`; its list
/// of "Production Base URLs" is empty, so there may be regional hosts).
pub const BASE_URL: &str = "https://api.hubmis.com";

/// The path prefix every route lives under (from the token path `/api/v1/token`).
pub const PREFIX: &str = "/api/v1";

/// One endpoint: a path template and the operation name used in traces and errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Route {
    /// The path below [`PREFIX`], with `{placeholders}`, e.g. `students/{id}/attendance`.
    pub template: &'static str,
    /// The operation name, e.g. `students.attendance`.
    pub operation: &'static str,
}

impl Route {
    /// A route.
    pub const fn new(template: &'static str, operation: &'static str) -> Self {
        Route {
            template,
            operation,
        }
    }

    /// The path segments with the placeholders replaced, in order, by `params`.
    ///
    /// A wrong number of parameters is an `InvalidInput` error naming the route (a bug in the
    /// caller, reported rather than turned into a wrong URL).
    pub fn segments(&self, params: &[&str]) -> Result<Vec<String>> {
        let mut params = params.iter();
        let mut out = Vec::new();
        for part in self.template.split('/').filter(|p| !p.is_empty()) {
            if part.starts_with('{') && part.ends_with('}') {
                let Some(value) = params.next() else {
                    return Err(Error::invalid_input(format!(
                        "route {} needs a value for {part}",
                        self.template
                    )));
                };
                out.push((*value).to_owned());
            } else {
                out.push(part.to_owned());
            }
        }
        if params.next().is_some() {
            return Err(Error::invalid_input(format!(
                "route {} was given more values than it has placeholders",
                self.template
            )));
        }
        Ok(out)
    }

    /// How many placeholders the template has.
    pub fn arity(&self) -> usize {
        self.template
            .split('/')
            .filter(|p| p.starts_with('{'))
            .count()
    }
}

macro_rules! routes {
    ($( $(#[$meta:meta])* $name:ident = $template:literal, $operation:literal; )+) => {
        $( $(#[$meta])* pub const $name: Route = Route::new($template, $operation); )+

        /// Every route, for tests and for tools that list the table.
        pub const ALL: &[Route] = &[$($name),+];
    };
}

routes! {
    // OAuth. Confirmed by the API reference's "Authentication" walkthrough.
    /// `POST` form `grant_type`, `client_id`, `client_secret`.
    TOKEN = "token", "auth.token";

    // Students.
    /// Students: Get List.
    STUDENTS = "students", "students.list";
    /// Students: Get Students Past List.
    STUDENTS_PAST = "students/past", "students.past";
    /// Students: Get Student.
    STUDENT = "students/{id}", "students.get";
    /// Address Mappings for a Student.
    STUDENT_ADDRESSES = "students/{id}/addresses", "students.addresses";
    /// Related records / addresses for a student.
    STUDENT_RELATED_ADDRESSES = "students/{id}/related-addresses", "students.related_addresses";
    /// Students: Get consent data.
    STUDENT_CONSENT = "students/{id}/consent", "students.consent";
    /// Students: Get destination data.
    STUDENT_DESTINATION = "students/{id}/destination", "students.destination";
    /// Students: Get enrolment data (UPN, candidate number).
    STUDENT_ENROLMENT = "students/{id}/enrolment", "students.enrolment";
    /// Students: Get Learning Support fields.
    STUDENT_LEARNING_SUPPORT = "students/{id}/learning-support", "students.learning_support";
    /// Learning Support Reviews by student.
    STUDENT_LEARNING_SUPPORT_REVIEWS = "students/{id}/learning-support/reviews", "students.learning_support_reviews";
    /// Learning Support Records by student.
    STUDENT_LEARNING_SUPPORT_RECORDS = "students/{id}/learning-support/records", "students.learning_support_records";
    /// Students: Get doctor information.
    STUDENT_DOCTOR = "students/{id}/doctor", "students.doctor";
    /// Students to Students Relations.
    STUDENT_STUDENT_RELATIONS = "students/{id}/student-relations", "students.student_relations";
    /// Student Contacts Relations.
    STUDENT_CONTACT_RELATIONS = "students/{id}/contact-relations", "students.contact_relations";
    /// Email Addresses by student.
    STUDENT_EMAILS = "students/{id}/emails", "students.emails";
    /// Progress Reports by student.
    STUDENT_PROGRESS_REPORTS = "students/{id}/progress-reports", "students.progress_reports";
    /// Wellbeing Plans of a student.
    STUDENT_WELLBEING_PLANS = "students/{id}/wellbeing-plans", "students.wellbeing_plans";
    /// Wellbeing Events of a student.
    STUDENT_WELLBEING_EVENTS = "students/{id}/wellbeing-events", "students.wellbeing_events";
    /// Academic structure data for a student.
    STUDENT_ACADEMIC_STRUCTURE = "students/{id}/academic-structure", "students.academic_structure";
    /// Timetable periods the student is allocated against.
    STUDENT_TIMETABLE = "students/{id}/timetable", "students.timetable";
    /// Students: Fetch Timetable Calendar.
    STUDENT_TIMETABLE_CALENDAR = "students/{id}/timetable/calendar", "students.timetable_calendar";
    /// Student attendance records.
    STUDENT_ATTENDANCE = "students/{id}/attendance", "students.attendance";

    // Contacts.
    /// Contacts: Get List.
    CONTACTS = "contacts", "contacts.list";
    /// Contacts: Get Contact.
    CONTACT = "contacts/{id}", "contacts.get";
    /// Contacts: Get contact consent.
    CONTACT_CONSENT = "contacts/{id}/consent", "contacts.consent";
    /// Contact Students Relations.
    CONTACT_STUDENT_RELATIONS = "contacts/{id}/student-relations", "contacts.student_relations";
    /// Email Addresses by contact.
    CONTACT_EMAILS = "contacts/{id}/emails", "contacts.emails";
    /// Phones by contact.
    CONTACT_PHONES = "contacts/{id}/phones", "contacts.phones";
    /// Communication Preferences by contact.
    CONTACT_COMMUNICATION_PREFERENCES = "contacts/{id}/communication-preferences", "contacts.communication_preferences";
    /// Related records / addresses for a contact.
    CONTACT_RELATED_ADDRESSES = "contacts/{id}/related-addresses", "contacts.related_addresses";

    // Houses.
    /// Houses: Get Houses.
    HOUSES = "houses", "houses.list";
    /// Houses: Get Houses Summary.
    HOUSES_SUMMARY = "houses/summary", "houses.summary";
    /// Houses: Get House.
    HOUSE = "houses/{id}", "houses.get";
    /// House: Get Students.
    HOUSE_STUDENTS = "houses/{id}/students", "houses.students";

    // Reference lists ("Data").
    /// Boarding Types.
    BOARDING_TYPES = "boarding-types", "reference.boarding_types";
    /// Education Types.
    EDUCATION_TYPES = "education-types", "reference.education_types";
    /// School & College Categories.
    SCHOOL_CATEGORIES = "school-categories", "reference.school_categories";
    /// Schools & Colleges.
    SCHOOLS = "schools", "reference.schools";
    /// Relationship Groups.
    RELATIONSHIP_GROUPS = "relationship-groups", "reference.relationship_groups";
    /// Relationship Types.
    RELATIONSHIP_TYPES = "relationship-types", "reference.relationship_types";
    /// Countries.
    COUNTRIES = "countries", "reference.countries";
    /// Ethnicities.
    ETHNICITIES = "ethnicities", "reference.ethnicities";
    /// Faiths.
    FAITHS = "faiths", "reference.faiths";
    /// Genders.
    GENDERS = "genders", "reference.genders";
    /// Languages.
    LANGUAGES = "languages", "reference.languages";
    /// Marital Statuses.
    MARITAL_STATUSES = "marital-statuses", "reference.marital_statuses";
    /// Nationalities.
    NATIONALITIES = "nationalities", "reference.nationalities";
    /// Qualifications.
    QUALIFICATIONS = "qualifications", "reference.qualifications";
    /// Titles.
    TITLES = "titles", "reference.titles";
    /// Authorities.
    AUTHORITIES = "authorities", "reference.authorities";
    /// Authority Types.
    AUTHORITY_TYPES = "authority-types", "reference.authority_types";
    /// Custom Fields Groups of a user type.
    CUSTOM_FIELD_GROUPS = "custom-fields/groups/{userType}", "reference.custom_field_groups";
    /// Custom Fields of a group (`?groupId=`).
    CUSTOM_FIELDS = "custom-fields/fields", "reference.custom_fields";
    /// Custom Field Options of a field.
    CUSTOM_FIELD_OPTIONS = "custom-fields/fields/{id}/options", "reference.custom_field_options";

    // Academic structure, per academic year (the API reference's `academicYearId` path
    // parameter).
    /// Departments of a year.
    DEPARTMENTS = "academic-years/{academicYearId}/departments", "academic.departments";
    /// One department.
    DEPARTMENT = "academic-years/{academicYearId}/departments/{id}", "academic.department";
    /// Extra-curricular activities of a year.
    ACTIVITIES = "academic-years/{academicYearId}/extra-curricular-activities", "academic.activities";
    /// One extra-curricular activity.
    ACTIVITY = "academic-years/{academicYearId}/extra-curricular-activities/{id}", "academic.activity";
    /// Form groups of a year.
    FORM_GROUPS = "academic-years/{academicYearId}/form-groups", "academic.form_groups";
    /// One form group.
    FORM_GROUP = "academic-years/{academicYearId}/form-groups/{id}", "academic.form_group";
    /// Students of a form group.
    FORM_GROUP_STUDENTS = "academic-years/{academicYearId}/form-groups/{id}/students", "academic.form_group_students";
    /// School sections.
    SECTIONS = "sections", "academic.sections";
    /// One section.
    SECTION = "sections/{id}", "academic.section";
    /// Subjects of a year.
    SUBJECTS = "academic-years/{academicYearId}/subjects", "academic.subjects";
    /// One subject.
    SUBJECT = "academic-years/{academicYearId}/subjects/{id}", "academic.subject";
    /// Subject sets (classes) of a year.
    SUBJECT_SETS = "academic-years/{academicYearId}/subject-sets", "academic.subject_sets";
    /// One subject set.
    SUBJECT_SET = "academic-years/{academicYearId}/subject-sets/{id}", "academic.subject_set";
    /// Students of a subject set.
    SUBJECT_SET_STUDENTS = "academic-years/{academicYearId}/subject-sets/{id}/students", "academic.subject_set_students";
    /// Tutor groups of a year.
    TUTOR_GROUPS = "academic-years/{academicYearId}/tutor-groups", "academic.tutor_groups";
    /// One tutor group.
    TUTOR_GROUP = "academic-years/{academicYearId}/tutor-groups/{id}", "academic.tutor_group";
    /// Students of a tutor group.
    TUTOR_GROUP_STUDENTS = "academic-years/{academicYearId}/tutor-groups/{id}/students", "academic.tutor_group_students";
    /// Year groups of a year.
    YEAR_GROUPS = "academic-years/{academicYearId}/year-groups", "academic.year_groups";
    /// One year group.
    YEAR_GROUP = "academic-years/{academicYearId}/year-groups/{id}", "academic.year_group";

    // Staff.
    /// Staff: Get List.
    STAFF = "staff", "staff.list";
    /// Staff: Get One Staff.
    STAFF_MEMBER = "staff/{id}", "staff.get";
    /// Address Mappings for a staff member.
    STAFF_ADDRESSES = "staff/{id}/addresses", "staff.addresses";
    /// One Address Mapping for a staff member.
    STAFF_ADDRESS = "staff/{id}/addresses/{mappingId}", "staff.address";
    /// Staff Contact Details.
    STAFF_CONTACT_DETAILS = "staff/{id}/contact-details", "staff.contact_details";
    /// Email Addresses by staff member.
    STAFF_EMAILS = "staff/{id}/emails", "staff.emails";
    /// Staff Employment Details.
    STAFF_EMPLOYMENT = "staff/{id}/employment", "staff.employment";
    /// Staff Further Details.
    STAFF_FURTHER_DETAILS = "staff/{id}/further-details", "staff.further_details";
    /// Staff Personal Details.
    STAFF_PERSONAL_DETAILS = "staff/{id}/personal-details", "staff.personal_details";
    /// Phones by staff member.
    STAFF_PHONES = "staff/{id}/phones", "staff.phones";
    /// Days and working times of a staff member.
    STAFF_WORKING_DAYS = "staff/{id}/working-days", "staff.working_days";
    /// Staff School Details.
    STAFF_SCHOOL_DETAILS = "staff/{id}/school-details", "staff.school_details";
    /// Academic structure data for a staff member.
    STAFF_ACADEMIC_STRUCTURE = "staff/{id}/academic-structure", "staff.academic_structure";
    /// Academic leadership data for a staff member.
    STAFF_ACADEMIC_LEADERSHIP = "staff/{id}/academic-leadership", "staff.academic_leadership";
    /// Classes the staff member leads.
    STAFF_LED_CLASSES = "staff/{id}/led-classes", "staff.led_classes";
    /// Timetable periods the staff member is allocated against.
    STAFF_TIMETABLE = "staff/{id}/timetable", "staff.timetable";
    /// Staff: Fetch Timetable Calendar.
    STAFF_TIMETABLE_CALENDAR = "staff/{id}/timetable/calendar", "staff.timetable_calendar";
    /// Staff Contract Types.
    STAFF_CONTRACT_TYPES = "staff-contract-types", "staff.contract_types";
    /// Staff Positions.
    STAFF_POSITIONS = "staff-positions", "staff.positions";
    /// Staff Default Working Hours.
    STAFF_DEFAULT_WORKING_HOURS = "staff-default-working-hours", "staff.default_working_hours";

    // School calendar and settings.
    /// Academic Years.
    ACADEMIC_YEARS = "academic-years", "calendar.academic_years";
    /// Holidays of a year.
    HOLIDAYS = "academic-years/{academicYearId}/holidays", "calendar.holidays";
    /// INSET days of a year.
    INSET_DAYS = "academic-years/{academicYearId}/inset-days", "calendar.inset_days";
    /// Terms of a year.
    TERMS = "academic-years/{academicYearId}/terms", "calendar.terms";
    /// Closure dates of a year.
    CLOSURE_DATES = "academic-years/{academicYearId}/closure-dates", "calendar.closure_dates";
    /// Locations.
    LOCATIONS = "locations", "school.locations";
    /// Rooms.
    ROOMS = "rooms", "school.rooms";
    /// One room.
    ROOM = "rooms/{id}", "school.room";
    /// Group Types.
    GROUP_TYPES = "group-types", "school.group_types";
    /// School regional default settings (time zone).
    REGIONAL_SETTINGS = "school/regional-settings", "school.regional_settings";
    /// School Communication Details.
    SCHOOL_COMMUNICATION_DETAILS = "school/communication-details", "school.communication_details";

    // Attendance.
    /// All attendance codes.
    ATTENDANCE_CODES = "attendance/codes", "attendance.codes";

    // Timetable maintenance.
    /// Timetables: Get List.
    TIMETABLES = "timetables", "timetables.list";
    /// Timetables: Get single Timetable.
    TIMETABLE = "timetables/{id}", "timetables.get";

    // Learning support.
    /// Learning Support Records: List.
    LEARNING_SUPPORT_RECORDS = "learning-support/records", "learning_support.records";
    /// Learning Support Record: Get.
    LEARNING_SUPPORT_RECORD = "learning-support/records/{id}", "learning_support.record";
    /// Learning Support Record statuses.
    LEARNING_SUPPORT_RECORD_STATUSES = "learning-support/record-statuses", "learning_support.record_statuses";
    /// Learning Support Severities.
    LEARNING_SUPPORT_SEVERITIES = "learning-support/severities", "learning_support.severities";
    /// Learning Support Types.
    LEARNING_SUPPORT_TYPES = "learning-support/types", "learning_support.types";
    /// Learning Support Review Types.
    LEARNING_SUPPORT_REVIEW_TYPES = "learning-support/review-types", "learning_support.review_types";
    /// Learning Support Review by id.
    LEARNING_SUPPORT_REVIEW = "learning-support/reviews/{id}", "learning_support.review";
    /// Learning Support terminology.
    LEARNING_SUPPORT_TERMINOLOGY = "learning-support/terminology", "learning_support.terminology";

    // Pastoral.
    /// Pastoral categories of a type (`wellbeing_event`, `wellbeing_plan`).
    PASTORAL_CATEGORIES = "pastoral/categories/{pastoralCategoryType}", "pastoral.categories";
    /// One pastoral category.
    PASTORAL_CATEGORY = "pastoral/categories/{pastoralCategoryType}/{id}", "pastoral.category";
    /// Pastoral severity levels of a module (`wellbeing`).
    PASTORAL_SEVERITIES = "pastoral/severities/{module}", "pastoral.severities";
    /// Pastoral: Get list of Events.
    PASTORAL_EVENTS = "pastoral/events", "pastoral.events";
    /// Pastoral: Get summary of Events.
    PASTORAL_EVENTS_SUMMARY = "pastoral/events/summary", "pastoral.events_summary";
    /// Pastoral: Get single Event.
    PASTORAL_EVENT = "pastoral/events/{id}", "pastoral.event";
    /// GIRFEC SHANARRI items of an event.
    PASTORAL_EVENT_SHANARRI = "pastoral/events/{id}/shanarri-items", "pastoral.event_shanarri";
    /// Linked items of an event.
    PASTORAL_EVENT_LINKED_ITEMS = "pastoral/events/{id}/linked-items", "pastoral.event_linked_items";
    /// GIRFEC: year groups' named persons.
    GIRFEC_NAMED_PERSONS = "girfec/named-persons", "girfec.named_persons";
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    #[test]
    fn placeholders_are_filled_in_order() {
        assert_eq!(
            STUDENT_ATTENDANCE.segments(&["56"]).unwrap(),
            ["students", "56", "attendance"]
        );
        assert_eq!(
            FORM_GROUP_STUDENTS.segments(&["3", "93"]).unwrap(),
            ["academic-years", "3", "form-groups", "93", "students"]
        );
        assert_eq!(STUDENTS.segments(&[]).unwrap(), ["students"]);
    }

    #[test]
    fn a_wrong_number_of_values_is_an_error_not_a_wrong_url() {
        let e = STUDENT.segments(&[]).unwrap_err();
        assert!(e.to_string().contains("{id}"), "{e}");
        assert!(STUDENTS.segments(&["1"]).is_err());
    }

    #[test]
    fn the_table_is_consistent() {
        let mut templates = BTreeSet::new();
        let mut operations = BTreeSet::new();
        for r in ALL {
            assert!(
                templates.insert(r.template),
                "duplicate path {}",
                r.template
            );
            assert!(
                operations.insert(r.operation),
                "duplicate op {}",
                r.operation
            );
            assert!(!r.template.starts_with('/') && !r.template.ends_with('/'));
            let filled: Vec<&str> = (0..r.arity()).map(|_| "1").collect();
            assert!(r.segments(&filled).is_ok(), "{}", r.template);
        }
    }
}
