//! What `mis doctor` needs to know about this vendor to check one school's onboarding:
//! [`FACTS`].
//!
//! A clean run costs 9 requests whatever the roll (counted by the emulator for 30 and 1,200
//! students): the token, the first page of students on roll (for a short page of 10 or
//! more, also the page after it, checked once for a server's page cap) and an enrolment
//! record per student read (the student list is read while it costs at most a third of the
//! budget), the regional settings ([`MisProvider::school_profile`], kept for the times of the
//! later reads), then one request per probe: the first student's session marks, timetable
//! calendar and wellbeing events for one day, and the attendance code book. The other three
//! of the budget absorb a token refresh or one retried 429. A refused realm costs 4 (the
//! token, the refused list, and the same again after the client's one token refresh);
//! refused client credentials cost 1.
//!
//! [`MisProvider::school_profile`]: mis_core::MisProvider::school_profile

use std::time::Duration;

use mis_http::DoctorFacts;

/// This vendor's onboarding facts (see [`DoctorFacts`]).
pub const FACTS: DoctorFacts = DoctorFacts {
    // "The HUBmis API is rate-limited to 12 requests per minute per IP address" (the API
    // reference "WCBS HUBmis (1.2.0)", "Usage Limits"): 12 requests, the token's included,
    // are one minute of the school's quota and never a 429. A clean run sends 9 (module
    // docs above).
    budget: 12,
    // The same "Usage Limits" section: 12 requests per minute per IP. (Its "500 requests per
    // client" bucket refills at one request every 5 s, the same rate, so the per-minute
    // window is the one that binds.)
    quota: Some((12, Duration::from_secs(60))),
    // "requests are made for a selected 'Realm' ID, which corresponds to the school you wish
    // to access the API on behalf of" (the reference's introduction): `MIS_HUBMIS_REALM`.
    tenant: Some("REALM"),
    // A realm the client may not use (or that names no school) is refused with a 403 whose
    // message names the realm, on the first call after the token; the token request itself
    // takes no realm, so wrong client credentials fail there instead.
    unknown_tenant: crate::error::is_refused_realm,
    // Every operation of the reference lists the OAuth scopes it requires, grouped by
    // module; most important first: registers, the timetable module, the pastoral module,
    // then the code book (what the codes check reads). Students are read by every run.
    probes: &["attendance", "timetable", "behaviour", "attendance_codes"],
    // The public copy of the reference names the scope strings only for the student and
    // staff lists ("Requires students.current.overview.name-details.read, …"); for these
    // operations it says "Either of the listed scopes is required" with the list lost, so
    // each is named by its section and operation title, as the school's HUBmis
    // administrator finds it in the reference.
    permissions: &[
        (
            "students",
            "the students.current.overview.name-details.read and \
             students.current.overview.personal.read scopes (Students: Get List)",
        ),
        (
            "attendance",
            "the scope of Attendance \"Get a list of student session attendance records\"",
        ),
        (
            "timetable",
            "the scopes of the Timetable module (Timetable Views, \"Students: Fetch \
             Timetable Calendar\")",
        ),
        (
            "behaviour",
            "the scopes of the Pastoral module (\"Pastoral: Get list of Events\", \
             \"Student: Get list of Wellbeing Events for a specific Student\")",
        ),
        (
            "attendance_codes",
            "the scope of Attendance \"Get all attendance codes\"",
        ),
    ],
    // HUBmis's attendance code book is the school's (codes with ids, a `display` flag), so
    // a school can hold codes of its own: `MIS_HUBMIS_CODE_MAP` maps them
    // (`crate::config::ENV_CODE_MAP`).
    code_map: Some("CODE_MAP"),
    sync_requests,
};

/// Records in a page of the client's lists (`page[size]`).
const PAGE: u64 = crate::Config::DEFAULT_PAGE_SIZE as u64;

/// Requests one access token serves: it lives 15 minutes ("Access tokens expire after 15
/// minutes", the reference's "Authentication"), 180 requests at 12 a minute.
const PER_TOKEN: u64 = 15 * 12;

/// Requests `mis sync` costs for `students` on roll over `school_days` days (students,
/// attendance, timetable, behaviour), as the provider reads them:
///
/// * students, leavers included: the pages of students on roll (a page of 100; a short
///   first page of 10 or more costs one page more, in case the server caps pages), one page
///   of past students, and one enrolment record per student (UPN; the sync store keeps
///   them a day, so a nightly run usually reads them again);
/// * attendance and the timetable, read one student at a time: one request per student each
///   (a student's marks and calendar come whole for any range), and the regional settings
///   once (the zone of lesson times);
/// * behaviour, in chunks of 7 dates: one page of pastoral events per chunk (a school week
///   is 5 school days), and once the page after the first short one (a week of 10 to 99
///   events could be a server's page cap); a school recording 100 events or more in a week
///   costs a page more per hundred, which the roll alone does not tell;
/// * one token per 180 requests (15 minutes at the quota).
///
/// Leavers' enrolment records are not counted (a few per school), nor a retried 429.
fn sync_requests(students: u64, school_days: u32) -> u64 {
    let on_roll_pages = students / PAGE + 1 + u64::from((10..PAGE).contains(&students));
    let student_list = on_roll_pages + 1 + students;
    let attendance = students;
    let timetable = 1 + students;
    let behaviour = u64::from(school_days).div_ceil(5).max(1) + 1;
    let data = student_list + attendance + timetable + behaviour;
    data + data.div_ceil(PER_TOKEN - 1).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_plan_grows_with_the_roll_and_the_weeks() {
        // 30 students, 5 days: 2 pages (a short first page is checked once), 1 past page,
        // 30 enrolments; 30 registers; 1 + 30 calendars; 1 page of events and the check of
        // its end; 1 token.
        assert_eq!(sync_requests(30, 5), 2 + 1 + 30 + 30 + 31 + 2 + 1);
        // 1,000 students over a school year: about 3,000 requests, 4 h 10 min at 12 a
        // minute, 17 tokens.
        let year = sync_requests(1_000, 190);
        assert!((3_000..3_150).contains(&year), "{year}");
        assert!(sync_requests(1_000, 6) < year);
    }

    #[test]
    fn the_budget_is_one_minute_of_the_quota() {
        let (n, window) = FACTS.quota.unwrap();
        assert!(FACTS.budget <= n, "{} > {n}", FACTS.budget);
        assert_eq!(window, Duration::from_secs(60));
        for probe in FACTS.probes {
            assert!(FACTS.permission(probe).is_some(), "{probe}");
        }
    }
}
