//! What `mis doctor` needs to know about this vendor to check one school's onboarding:
//! [`FACTS`], and the request plan of a sync ([`sync_requests`]).
//!
//! Sources: Faria's "Rate limitations and throttling" article (the quota), the ManageBac+
//! Public API spec (Faria's OpenAPI file; the endpoint names, "Get all Permissions" and its
//! `AccessDeniedError`), and this crate's provider (the request plan).

use std::time::Duration;

use mis_http::DoctorFacts;

use crate::config::DEFAULT_PAGE_SIZE;

/// This vendor's onboarding facts (see [`DoctorFacts`]).
pub const FACTS: DoctorFacts = DoctorFacts {
    // A clean run of the doctor sends the student list's pages while they cost at most a
    // third of the budget (the year groups, then 50 pupils a page), `GET /school`, then one
    // pupil's day of attendance (academic years, calendar, categories, the pupil's record
    // and year group, the day register, the class list's pages, the pupil's memberships,
    // one timetable per class of the pupil, one register per class meeting that day, the
    // day's excusals), the timetable's teachers, the pupil's record and one page of
    // behaviour notes, and the category list. Measured against the emulator: 33 requests
    // for 30 pupils, 61 for 1,000 (the whole list read), 80 for 2,000 (the list read to
    // 1,401, twenty pages of classes). 90 requests is 9 s at the client's own pace of 10 a
    // second (the provider's default rate limit), and sent at that pace never near the
    // per-IP limit Faria's "Rate limitations and throttling" article gives as its example
    // (50 requests a second).
    budget: 90,
    // The pace the client keeps when the school configures none (10 a second,
    // `config::default_rate_limit`): the vendor documents no fixed quota, only that the
    // limit is per IP across all endpoints, "may be adjusted at any time", and an example of
    // 50 requests a second (Faria's "Rate limitations and throttling" article). A sync
    // goes at the client's pace, so the estimates use it.
    quota: Some((10, Duration::from_secs(1))),
    // The token alone names the school (Settings → Develop → API Manager issues it per
    // school; the spec's security schemes carry no school): a wrong token is refused with
    // 401 `{"error": "Access Denied"}`, the credentials check.
    tenant: None,
    unknown_tenant: |_| false,
    // Every endpoint is a permission of the token ("Get all Permissions": "all resources
    // that the passed authentication token is currently authorized to access"), so each
    // read is gated; these are the reads a sync makes, most important first. A refused
    // one answers 403 (the provider's `PermissionDenied`).
    probes: &["attendance", "timetable", "behaviour", "attendance_codes"],
    // In the vendor's words: "Get all Permissions" says its nomenclature "matches the API
    // reference page in settings", whose names are the endpoint titles of the ManageBac+
    // Public API spec, grouped by its tags (Attendance, Behavior Notes, Memberships, …).
    permissions: &[
        (
            "attendance",
            "the Attendance endpoints \"Get Homeroom Attendance for a Year Group by Date\", \
             \"Get Class Attendance for a Date\", \"Get Class timetable\" and \"Get all \
             Attendance Excusals for a date\", with \"Get all Memberships\"",
        ),
        (
            "timetable",
            "\"Get Class timetable\" (Attendance) and \"Get all Teachers\" (Teachers)",
        ),
        ("behaviour", "\"Get all behavior notes\" (Behavior Notes)"),
        (
            "attendance_codes",
            "\"Get Attendance Categories\" (Attendance)",
        ),
    ],
    // Attendance categories beyond 0 Absent, 1 Present, 2 Late and -1 Present are the
    // school's own (the spec's `attendance_categories` examples; the v2p1 reference's list
    // of statuses includes "Custom 1" to "Custom 4"): `MIS_MANAGEBAC_CATEGORY_MAP` maps one
    // by id or label.
    code_map: Some("CATEGORY_MAP"),
    sync_requests,
};

/// Year groups the estimate assumes: a secondary school's five (Years 7 to 11).
const YEAR_GROUPS: u64 = 5;
/// Subjects a pupil is taught, each in a class of their year group.
const SUBJECTS: u64 = 12;
/// Pupils in a class at most: a year group is taught in `ceil(pupils / 25)` sets.
const SET_SIZE: u64 = 25;
/// Lessons a day: a class meets on `5 / SUBJECTS` of the school days (one lesson a day).
const LESSONS_A_DAY: u64 = 5;
/// School days in a term: a range longer than this starts before the current term, so the
/// archived classes are listed too.
const TERM_DAYS: u32 = 65;

/// Pages of `n` records at the client's page size.
fn pages(n: u64) -> u64 {
    n.div_ceil(u64::from(DEFAULT_PAGE_SIZE)).max(1)
}

/// Requests `mis sync` makes for `students` on roll over `school_days`: students (leavers
/// included), attendance, timetable and behaviour, one after the other, with what one run
/// reads once shared (the provider's module docs). From the provider's plan:
///
/// - students: `GET /year-groups` (one page), the current students' pages, the archived
///   students' pages (a year's leavers, a fifth of a five-year school);
/// - attendance: academic years, the year's calendar and its categories (3); one homeroom
///   register per year group per school day; the class list's pages (and one page of
///   archived classes when the range is longer than a term); one timetable per class; one
///   class register per class per day it meets; the excusals of each date with an absence
///   (every date, in a school of any size);
/// - timetable: the teachers' pages (everything else is shared with attendance);
/// - behaviour: the pages of notes changed since the range's start (the students are
///   shared).
///
/// The school's shape is assumed (the constants above): five year groups taught in sets of
/// up to 25 in twelve subjects, five lessons a day, a teacher per 15 pupils plus ten, and
/// one behaviour note a day per three pupils. The zone is assumed configured (else one
/// `GET /school` more).
pub fn sync_requests(students: u64, school_days: u32) -> u64 {
    let days = u64::from(school_days);
    let classes = YEAR_GROUPS * SUBJECTS * students.div_ceil(YEAR_GROUPS * SET_SIZE).max(1);
    let staff = 10 + students / 15;
    let student_list = 1 + pages(students) + pages(students / 5);
    let archived_classes = u64::from(school_days > TERM_DAYS);
    let registers = (classes * LESSONS_A_DAY * days).div_ceil(SUBJECTS);
    let attendance =
        3 + YEAR_GROUPS * days + pages(classes) + archived_classes + classes + registers + days;
    let timetable = pages(staff);
    let behaviour = pages(students * days / 3);
    student_list + attendance + timetable + behaviour
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_plan_grows_with_the_roll_and_the_days() {
        // 60 pupils, 4 school days: 4 + (3 + 20 + 2 + 60 + 100 + 4) + 1 + 2.
        assert_eq!(sync_requests(60, 4), 196);
        assert!(sync_requests(1000, 190) > sync_requests(1000, 6));
        assert!(sync_requests(1000, 6) > sync_requests(100, 6));
        // A day more past a term: 5 homeroom and 25 class registers, the day's excusals, a
        // page of notes, and the archived classes listed once.
        assert_eq!(
            sync_requests(60, 66) - sync_requests(60, 65),
            5 + 25 + 1 + 1 + 1
        );
    }

    #[test]
    fn the_disabled_module_names_its_permission() {
        assert!(
            FACTS
                .permission("behaviour")
                .is_some_and(|p| p.contains("Get all behavior notes"))
        );
        for op in FACTS.probes {
            assert!(FACTS.permission(op).is_some(), "{op}");
        }
        assert_eq!(FACTS.code_map, Some("CATEGORY_MAP"));
        assert!(FACTS.tenant.is_none());
    }
}
