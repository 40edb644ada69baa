//! What `mis doctor` needs to know about this vendor to check one school's onboarding:
//! [`FACTS`].
//!
//! A ClassCharts login is one pupil (code and date of birth) or one parent (e-mail and
//! password), at one school: there is no tenant to name, and "the school" a doctor run sees
//! is that login's pupils. The school decides which modules pupils and parents see; each
//! pupil object carries them as `display_*` flags (`display_attendance`, `display_timetable`,
//! `display_behaviour`, `display_homework`, `display_detentions`: the student type of
//! classcharts-api-js, `src/types.ts`, and the student schema of the community's API
//! description, `classchartsapi/api-docs`), and a module that is off answers the API's
//! error envelope, `{"success": 0, "error": …}` (HTTP 200, the legacy docs' "Errors"),
//! which the client reads as `PermissionDenied`.

use mis_http::DoctorFacts;

/// This vendor's onboarding facts (see [`DoctorFacts`]).
pub const FACTS: DoctorFacts = DoctorFacts {
    // A clean run sends 6 requests with a pupil login (measured against the emulator: login
    // 1 — its `data` is the pupil, the student list —, attendance 1, the sample day's
    // timetable 1 — shared by the attendance join and the timetable probe —, activity 1,
    // homework 1, detentions 1); a parent login adds `/pupils` twice (the login's sign-on
    // check, then the list; the school profile reuses it), and a walk whose first activity
    // page does not reach the sample day one page: 9 at most. The rest is room for one
    // session rotation (`POST /ping`) and one re-login after an expired session, a request
    // each. ClassCharts publishes no quota; at the client's default of 10 requests a second
    // the whole budget is 1.2 s.
    budget: 12,
    // ClassCharts documents no limit (the community's API docs and clients name none).
    quota: None,
    // A login names its pupil or parent, never a school.
    tenant: None,
    unknown_tenant: |_| false,
    // Every module a school can switch off that a sync reads, most important first; all
    // five fit the budget.
    probes: &[
        "attendance",
        "timetable",
        "behaviour",
        "homework",
        "detentions",
    ],
    // ClassCharts' own names: the module, and the pupil object's `display_*` flag that says
    // whether the school shows it (classcharts-api-js `src/types.ts`, api-docs).
    permissions: &[
        (
            "attendance",
            "the Attendance module for pupils and parents (display_attendance)",
        ),
        (
            "timetable",
            "the Timetable module for pupils and parents (display_timetable)",
        ),
        (
            "behaviour",
            "the Behaviour and Activity modules for pupils and parents (display_behaviour, \
             display_activity)",
        ),
        (
            "homework",
            "the Homework module for pupils and parents (display_homework)",
        ),
        (
            "detentions",
            "the Detentions module for pupils and parents (display_detentions)",
        ),
    ],
    // ClassCharts sends each register's code as the school recorded it, and a school's own
    // code is in no DfE table: `MIS_CLASSCHARTS_CODE_MAP` maps it.
    code_map: Some("CODE_MAP"),
    sync_requests,
};

/// Activity points per page: api-docs, "Lists up to 50 activity points".
pub const ACTIVITY_PAGE: u64 = 50;

/// Activity points a pupil collects in a school day, for the activity walk's page count.
/// An assumption, not a published figure (schools that use ClassCharts for every lesson award
/// several a day); it moves a year's estimate by a few requests a pupil, against one
/// timetable request per school day.
pub const POINTS_PER_DAY: u64 = 2;

/// Requests between session rotations: the client rotates the session every 170 s, which at
/// its default 10 requests a second is one `POST /ping` per 1,700 requests.
pub const REQUESTS_PER_ROTATION: u64 = 1_700;

/// Requests a read of students, attendance, timetable and behaviour (what `mis sync` reads)
/// costs for `students` pupils over `school_days` school days, as the provider sends them:
///
/// * signing in: a pupil login is one request (its `data` is the pupil, so `students` costs
///   nothing more); a parent login (more than one pupil) is the login plus `GET /pupils`
///   twice (the login's TES sign-on check, then the list every read starts from);
/// * attendance: one `GET /attendance/{id}?from&to` per pupil, whatever the range;
/// * timetable: one `GET /timetable/{id}?date=` per pupil and school day — read once for the
///   timetable and the attendance join together;
/// * behaviour: the activity walk, 50 points a page, until a page reaches before `from` —
///   one page, plus one per 50 points in the range ([`POINTS_PER_DAY`]);
/// * one session rotation per [`REQUESTS_PER_ROTATION`].
pub fn sync_requests(students: u64, school_days: u32) -> u64 {
    let days = u64::from(school_days);
    let pupils = students.max(1);
    let sign_in = if pupils > 1 { 3 } else { 1 };
    let activity = 1 + days * POINTS_PER_DAY / ACTIVITY_PAGE;
    let per_pupil = 1 + days + activity;
    let reads = sign_in + pupils * per_pupil;
    reads + reads / REQUESTS_PER_ROTATION
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_plan_is_a_login_then_per_pupil_attendance_timetable_days_and_activity_pages() {
        // A pupil's school week: login, attendance, 5 timetable days, one activity page.
        assert_eq!(sync_requests(1, 5), 1 + 1 + 5 + 1);
        // A parent of two: the login, `/pupils` twice, then the same per pupil.
        assert_eq!(sync_requests(2, 5), 3 + 2 * 7);
        // A school year: the timetable dominates; 380 points is 7 more pages.
        assert_eq!(sync_requests(1, 190), 1 + 1 + 190 + 8);
        // A large parent account rotates its session: 5,973 reads, 3 rotations.
        let reads = 3 + 30 * (1 + 190 + 8);
        assert_eq!(sync_requests(30, 190), reads + 3);
    }

    #[test]
    fn every_probe_names_its_module() {
        for op in FACTS.probes {
            let p = FACTS.permission(op).unwrap_or_else(|| panic!("{op}"));
            assert!(p.contains("display_"), "{op}: {p}");
        }
        assert!(FACTS.tenant.is_none());
        let e = mis_core::Error::new(mis_core::ErrorKind::NotFound, "x");
        assert!(!(FACTS.unknown_tenant)(&e));
    }
}
