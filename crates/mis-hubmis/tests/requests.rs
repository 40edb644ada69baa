//! The request plan of one school-week (issue 16), measured by the emulator's per-route
//! counters: a regression that makes a read cost more requests fails here. Not timed.
//!
//! The plan for a week (students, attendance, timetable, behaviour) of a school with `n`
//! students on roll, `p` past students and `s` members of staff, pages of 100:
//!
//! | route | requests |
//! |---|---|
//! | `GET /students` | the on-roll list once (`n / 100 + 1` pages, one more to check a short page is not a cap) and the past list once (the range starts before today), shared by every entity |
//! | `GET /students/{id}/enrolment` | one per student on roll on a first run; none when the caller kept them |
//! | `GET /students/{id}/attendance` | one per student on roll or past (the only attendance route) |
//! | `GET /staff` | the staff list once (one page, one more to check it is not a cap) |
//! | `GET /staff/{id}/timetable/calendar` | one per member of staff |
//! | `GET /students/{id}/timetable/calendar` | none (only with `with_lessons_without_teacher`) |
//! | `GET /school/regional-settings`, `GET /attendance/codes` | at most once |
//! | `GET /pastoral/events` | one per page of the week's events |

use std::collections::BTreeSet;
use std::sync::Arc;

use futures::TryStreamExt;
use jiff::ToSpan;
use jiff::civil::Weekday;
use mis_core::{
    AttendanceQuery, BehaviourQuery, DateRange, Diagnostics, Lesson, MisProvider, StudentQuery,
    TimetableQuery,
};
use mis_hubmis::{Config, EnrolmentCache, HubmisProvider, MemoryEnrolments, Quota, SecretString};
use mis_sandbox::{EmulatorOptions, FaultPlan, Sandbox, School};
use mis_testkit::{RequestCount, count_requests};

const SEED: u64 = 16;
const SIZE: usize = 60;
const SCALE: f64 = 0.001;
const PAGE: u64 = 100;

struct Setup {
    school: Arc<School>,
    sandbox: Sandbox,
    config: Config,
    range: DateRange,
}

async fn setup() -> Setup {
    let school = Arc::new(School::generate(SEED, SIZE));
    let records = school.attendance_range.expect("the school has records");
    let mut monday = records.from();
    while monday.weekday() != Weekday::Monday {
        monday = monday.checked_add(1.day()).unwrap();
    }
    let range = DateRange::new(monday, monday.checked_add(4.days()).unwrap()).unwrap();
    let sandbox = Sandbox::start_with(
        &mis_sandbox::emulator::hubmis::EMULATOR,
        school.clone(),
        FaultPlan::none(),
        EmulatorOptions {
            time_scale: SCALE,
            ..EmulatorOptions::default()
        },
        0,
    )
    .await
    .expect("emulator");
    let creds = sandbox.credentials();
    let config = Config::new(
        creds.get("client_id").unwrap(),
        SecretString::from(creds.get("client_secret").unwrap().to_owned()),
        creds.get("realm").unwrap(),
    )
    .update_options(|o| o.with_base_url(sandbox.base_url()))
    .with_quota(Quota::HUBMIS.scaled(SCALE))
    .with_token_lifetime_cap(Config::TOKEN_LIFETIME.mul_f64(SCALE));
    Setup {
        school,
        sandbox,
        config,
        range,
    }
}

/// Students, attendance, the whole-school timetable and behaviour of `range`.
async fn week(p: &HubmisProvider, s: &Setup) -> (Vec<Lesson>, RequestCount) {
    let (lessons, count) = count_requests(s.sandbox.stats(), async {
        p.students(StudentQuery::new())
            .try_collect::<Vec<_>>()
            .await
            .unwrap();
        p.attendance(AttendanceQuery::new(s.range))
            .try_collect::<Vec<_>>()
            .await
            .unwrap();
        let d = Diagnostics::new();
        let lessons = p
            .timetable(TimetableQuery::new(s.range).with_diagnostics(d.clone()))
            .try_collect::<Vec<_>>()
            .await
            .unwrap();
        assert!(d.is_empty(), "{:?}", d.warnings());
        p.behaviour(BehaviourQuery::new(s.range))
            .try_collect::<Vec<_>>()
            .await
            .unwrap();
        lessons
    })
    .await;
    (lessons, count)
}

fn route(c: &RequestCount, template: &str) -> u64 {
    c.by_route.get(template).copied().unwrap_or(0)
}

/// The lessons as (date, start, group), the keys the conformance suite compares.
fn keys(lessons: &[Lesson]) -> BTreeSet<(jiff::civil::Date, jiff::Timestamp, Option<String>)> {
    lessons
        .iter()
        .map(|l| (l.date, l.start.timestamp(), l.group.clone()))
        .collect()
}

#[tokio::test]
async fn a_school_week_costs_at_most_the_plan() {
    let s = setup().await;
    let on_roll = s.school.summary().students_on_roll as u64;
    let all = s.school.students.len() as u64;
    let staff = s.school.staff.len() as u64;
    let kept: Arc<dyn EnrolmentCache> = Arc::new(MemoryEnrolments::default());
    let p = HubmisProvider::new(s.config.clone())
        .unwrap()
        .with_enrolment_cache(kept.clone());
    let (lessons, c) = week(&p, &s).await;

    // The roster is walked once for all four reads: the on-roll list, plus the past list.
    assert!(
        route(&c, "GET /api/v1/students") <= on_roll / PAGE + 2 + 1,
        "{c:?}"
    );
    assert_eq!(route(&c, "GET /api/v1/students/{id}/enrolment"), on_roll);
    assert_eq!(route(&c, "GET /api/v1/students/{id}/attendance"), all);
    assert!(route(&c, "GET /api/v1/staff") <= 2, "{c:?}");
    assert!(route(&c, "GET /api/v1/staff/{id}/timetable/calendar") <= staff);
    assert_eq!(
        route(&c, "GET /api/v1/students/{id}/timetable/calendar"),
        0,
        "the whole-school timetable reads the staff calendars: {c:?}"
    );
    assert!(route(&c, "GET /api/v1/school/regional-settings") <= 1);
    assert!(route(&c, "GET /api/v1/attendance/codes") <= 1);
    let events = s
        .school
        .behaviour_events()
        .filter(|e| {
            let wider = DateRange::new(
                s.range.from().checked_sub(1.day()).unwrap(),
                s.range.to().checked_add(1.day()).unwrap(),
            )
            .unwrap();
            wider.contains(e.date)
        })
        .count() as u64;
    assert!(route(&c, "GET /api/v1/pastoral/events") <= events / PAGE + 2);

    // The staff calendars hold the school's lessons, each once.
    let want: Vec<Lesson> = s.school.lessons_between(s.range.from(), s.range.to());
    assert_eq!(keys(&lessons), keys(&want));
    assert_eq!(lessons.len(), want.len(), "no lesson twice");

    // A second run given the kept enrolment identifiers reads none of them.
    let again = HubmisProvider::new(s.config.clone())
        .unwrap()
        .with_enrolment_cache(kept);
    let (students, c) = count_requests(s.sandbox.stats(), async {
        again
            .students(StudentQuery::new())
            .try_collect::<Vec<_>>()
            .await
            .unwrap()
    })
    .await;
    assert_eq!(route(&c, "GET /api/v1/students/{id}/enrolment"), 0, "{c:?}");
    assert!(
        students.iter().filter(|st| st.upn().is_some()).count() as u64 >= on_roll / 2,
        "the kept UPNs are on the students"
    );
}

#[tokio::test]
async fn lessons_without_a_teacher_cost_one_calendar_per_student_when_asked_for() {
    let s = setup().await;
    let all = s.school.students.len() as u64;
    let p = HubmisProvider::new(s.config.clone().with_lessons_without_teacher(true)).unwrap();
    let (lessons, c) = count_requests(s.sandbox.stats(), async {
        p.timetable(TimetableQuery::new(s.range))
            .try_collect::<Vec<_>>()
            .await
            .unwrap()
    })
    .await;
    assert_eq!(
        route(&c, "GET /api/v1/students/{id}/timetable/calendar"),
        all
    );
    let want = s.school.lessons_between(s.range.from(), s.range.to());
    assert_eq!(keys(&lessons), keys(&want));
    assert_eq!(
        lessons.len(),
        want.len(),
        "a lesson both calendars hold, once"
    );
}
