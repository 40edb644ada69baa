//! What `mis doctor` needs to know about this vendor to check one school's onboarding:
//! [`FACTS`].
//!
//! Every endpoint of the GO 4 Schools customer API v1 needs a named permission of the
//! school's API key ("You need the Attendance-Session marks
//! (students.attendance.session.read) permission to view this endpoint.", in the API
//! reference under each endpoint), and a module the school does not have, or data it has
//! embargoed, answers 403 `Module Disabled` / `Embargo Enabled` (the reference's Errors
//! table). A key belongs to one school, so there is no tenant to get wrong: a wrong key is a
//! 401 "The API key is invalid.".
//!
//! # What a doctor run costs
//!
//! The provider reads whole-school lists and caches them, so a run of a school of `s` students
//! on roll costs (pages of 100, the page size the emulator serves; the API reference does not
//! give GO's own):
//!
//! | check | requests |
//! |---|---|
//! | students | `/school`, `…/students`, the `⌈s/100⌉` pages of `…/students/education-details` |
//! | attendance (one student, one day) | codes, calendar, timetables, the pages of `…/timetables/classes`, teachers, subjects, that day's session and lesson registers |
//! | attendance_codes | none (the code book the attendance read cached) |
//! | timetable (one student) | the pages of `…/timetables/student-classes` (`⌈s/100⌉`) |
//! | behaviour (one student, one day) | `/users/staff` (authors), event types, that day's event pages |
//! | staff | `…/teaching/teachers` |
//! | groups | teaching groups, their students and teachers, subjects |
//! | academic_years | `/school` |
//!
//! A school of 30 students: 3 + 10 + 0 + 1 + 3 + 1 + 4 + 1 = 23 requests; one of 1,000
//! students about 62 (its 2,000 timetabled classes are 20 pages). [`FACTS`]'s budget of 64
//! covers that; a larger school finds the last probes "not checked" within the budget.

use mis_http::DoctorFacts;

/// GO 4 Schools' onboarding facts (see [`DoctorFacts`]).
pub const FACTS: DoctorFacts = DoctorFacts {
    // GO publishes no request quota (the API reference's Errors table lists a 429 "Too many
    // requests sent in a given amount of time." and no figure), and this client paces itself
    // at 10 requests a second: 64 requests take about 6.4 s, a fifth of the 300 a minute
    // the public clients' pace (a 200 ms pause after each request) stays under. 64 covers a
    // 1,000-student school's whole run (module docs).
    budget: 64,
    // No documented figure (the Errors table's 429 only).
    quota: None,
    // One API key per school ("The schools data you wish to access will be responsible for
    // handling your authentication and will grant you access using a key", the reference's
    // Authentication section): the key names the school.
    tenant: None,
    unknown_tenant: |_| false,
    // What `mis sync` reads first (students are the first contact), then the cheap
    // reference reads. `terms` is not probed: it is the calendar the attendance probe
    // already read, so a refusal shows there.
    probes: &[
        "attendance",
        "attendance_codes",
        "timetable",
        "behaviour",
        "staff",
        "groups",
        "academic_years",
    ],
    // The permissions each read needs, in the API reference's words (its line "You need the
    // … permission to view this endpoint." under each endpoint the provider calls).
    permissions: &[
        (
            "students",
            "the General-School (school.read), Student-Students (students.read) and \
             Students-Education Details (students.education.read) permissions",
        ),
        (
            "attendance",
            "the Attendance-Session marks (students.attendance.session.read) and \
             Attendance-Lesson marks (students.attendance.lesson.read) permissions and the \
             Attendance module",
        ),
        (
            "attendance_codes",
            "the Attendance-Session Summary (school.attendance.read) permission",
        ),
        (
            "timetable",
            "the Timetable-School Timetable (school.timetable.read) and Timetable-Student \
             Timetables (students.timetable.read) permissions",
        ),
        (
            "behaviour",
            "the Behaviour-Behaviour Scheme (school.behaviour.read) and Behaviour-Student \
             Behaviour (students.behaviour.read) permissions and the Behaviour module",
        ),
        (
            "staff",
            "the Teaching-Teachers (school.teachers.read) permission",
        ),
        (
            "groups",
            "the Teaching-Curriculum (school.curriculum.read) permission",
        ),
        (
            "academic_years",
            "the General-School (school.read) permission",
        ),
    ],
    // A school's code book comes from its MIS and may hold codes of its own (or a DfE letter
    // used for something else): `MIS_GO4SCHOOLS_CODE_MAP`.
    code_map: Some("CODE_MAP"),
    sync_requests,
};

/// Page size of GO's paged lists, as the emulator serves them (the API reference pages with
/// `has_more` / `cursor` and gives no size).
const PAGE: u64 = 100;

/// Lists the provider reads once per run, whatever the range: `/school`, `…/students`, the
/// attendance codes, the calendar, the timetables, teachers, subjects, behaviour event types
/// and `/users/staff` (behaviour authors).
const ONCE: u64 = 9;

fn pages(items: u64) -> u64 {
    items.div_ceil(PAGE).max(1)
}

/// Requests a read of students (with leavers), attendance, the timetable and behaviour, as
/// `mis sync` reads them, costs for `students` on roll over `school_days` school days:
///
/// * [`ONCE`] lists, cached for the run;
/// * the pages of the education details (one row per student) and of the timetabled classes
///   (one per class and period of the timetable cycle: about two per student on roll, and at
///   least 250 however small the school, since every year group has its classes);
/// * per school day, that day's session register and lesson register;
/// * per calendar day, the pages of that day's behaviour events: the provider asks every
///   date, closed ones included (trips record behaviour on them). The calendar days are the
///   school days and the weekends between them; holidays inside the range cost one request
///   each too, which the estimate leaves out. A day's events are estimated at one per ten
///   students (so one page up to 1,000 students).
///
/// Leavers of earlier academic years cost each such year's students and education details
/// pages; the estimate counts the current year only (the school's year list decides).
fn sync_requests(students: u64, school_days: u32) -> u64 {
    let days = u64::from(school_days);
    let calendar_days = days + 2 * (days.saturating_sub(1) / 5);
    let classes = (2 * students).max(250);
    let events_per_day = students / 10;
    ONCE + pages(students) + pages(classes) + 2 * days + calendar_days * pages(events_per_day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_plan_grows_with_days_and_roll() {
        // 30 students over a Monday-to-Friday week: 9 + 1 + 3 + 10 + 5.
        assert_eq!(sync_requests(30, 5), 28);
        // The next Monday adds its registers, its events and the weekend's events.
        assert_eq!(sync_requests(30, 6), 28 + 2 + 1 + 2);
        // 1,000 students: 10 education-detail pages, 20 class pages.
        assert_eq!(sync_requests(1_000, 5), 9 + 10 + 20 + 10 + 5);
        // 2,000 students: two pages of events a day.
        assert_eq!(sync_requests(2_000, 1), 9 + 20 + 40 + 2 + 2);
    }

    #[test]
    fn every_probe_names_its_permission() {
        for probe in FACTS.probes {
            let p = FACTS.permission(probe).unwrap_or_else(|| panic!("{probe}"));
            assert!(p.contains(".read)"), "{probe}: {p}");
        }
        assert!(FACTS.permission("students").is_some());
    }
}
