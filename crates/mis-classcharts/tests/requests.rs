//! The request plan (issue 16), counted by the emulator: a regression that adds requests to a
//! school-week fails here.
//!
//! # The floor
//!
//! ClassCharts has no school-wide route: the student and parent APIs show one pupil (or one
//! parent's pupils) per login, so a whole school is read one pupil login at a time. For one
//! pupil and one school-week (students, attendance, timetable, behaviour) the documented
//! routes cost at least:
//!
//! | what | route | requests |
//! |---|---|---|
//! | sign in, and the pupil record (`students`) | `POST /login` — its `data` is the pupil | 1 |
//! | attendance, session and lesson marks | `GET /attendance/{id}?from&to` — any window | 1 |
//! | timetable | `GET /timetable/{id}?date=` — `date` is required, one day per request | 1 per teaching date (5) |
//! | behaviour | `GET /activity/{id}?from&to&last_id` — ≤ 50 points before `to` per page | ≥ 1 |
//!
//! so **8 per pupil, 8,000 for a 1,000-pupil school**. The attendance join (lesson marks to
//! their timetabled lessons) reads the same timetable days, so it adds nothing when shared;
//! `POST /ping` is needed only every 170 s of a session (a pupil's week takes well under
//! that); a parent login adds `GET /pupils` (the pupil records) once per parent (the plan
//! sends it twice: once as the login's TES sign-on check, once for the reads).
//!
//! The plan reaches it except for the activity walk: the API ignores `from` and a page says
//! nothing of whether more follow, so a pupil whose first page does not reach back before
//! `from` costs one more (empty) page — 0.2 per pupil in the benchmark week
//! (`examples/week_requests.rs`: 8,199 requests, 1.025× the floor).

use std::sync::Arc;

use futures::TryStreamExt;
use jiff::ToSpan;
use jiff::civil::{Date, Weekday};
use mis_classcharts::{Config, ParentClient, StudentClient};
use mis_core::{
    AttendanceQuery, BehaviourQuery, DateRange, MisProvider, StudentQuery, TimetableQuery,
};
use mis_sandbox::emulator::classcharts::{PupilLogin, pupil_logins};
use mis_sandbox::{EmulatorOptions, FaultPlan, Sandbox, School};
use mis_testkit::{RequestCount, count_requests};

const SEED: u64 = 1616;
const SIZE: usize = 24;

/// The first Monday of the lesson-mark range whose five weekdays are school days.
fn school_week(school: &School) -> DateRange {
    let range = school.lesson_mark_range.expect("lesson marks");
    let mut day = range.from();
    while day.checked_add(4.days()).unwrap() <= range.to() {
        let days: Vec<Date> = (0..5).map(|i| day.checked_add(i.days()).unwrap()).collect();
        if day.weekday() == Weekday::Monday
            && days.iter().all(|d| school.calendar.is_school_day(*d))
        {
            return DateRange::new(days[0], days[4]).unwrap();
        }
        day = day.checked_add(1.day()).unwrap();
    }
    panic!("no full school-week with lesson marks");
}

async fn start(school: Arc<School>, options: EmulatorOptions) -> Sandbox {
    Sandbox::start_with(
        &mis_sandbox::emulator::classcharts::EMULATOR,
        school,
        FaultPlan::none(),
        options,
        0,
    )
    .await
    .expect("the ClassCharts emulator starts")
}

fn student(sandbox: &Sandbox, login: &PupilLogin) -> StudentClient {
    StudentClient::new(
        Config::student(&login.code, &login.dob)
            .unwrap()
            .update_options(|o| {
                o.with_base_url(sandbox.base_url())
                    .with_rate_limit(mis_http::RateLimit::unlimited())
            }),
    )
    .unwrap()
}

/// Students, attendance, timetable and behaviour over `range`; what was read, in all.
async fn read_week(p: &dyn MisProvider, range: DateRange) -> (usize, usize, usize, usize) {
    let students = p.students(StudentQuery::default()).try_collect::<Vec<_>>();
    let students = students.await.unwrap().len();
    let marks = p
        .attendance(AttendanceQuery::new(range))
        .try_collect::<Vec<_>>();
    let marks = marks.await.unwrap().len();
    let lessons = p
        .timetable(TimetableQuery::new(range))
        .try_collect::<Vec<_>>();
    let lessons = lessons.await.unwrap().len();
    let events = p
        .behaviour(BehaviourQuery::new(range))
        .try_collect::<Vec<_>>();
    let events = events.await.unwrap().len();
    (students, marks, lessons, events)
}

fn route(count: &RequestCount, method_and_path: &str) -> u64 {
    count.by_route.get(method_and_path).copied().unwrap_or(0)
}

/// Every pupil of a small school reads its week through its own login: per pupil one login,
/// no ping, one attendance window, one timetable request per teaching date (shared by the
/// attendance join), one or two activity pages — the floor plus at most one page.
#[tokio::test]
async fn a_school_week_pupil_by_pupil_costs_the_plan() {
    let school = Arc::new(School::generate(SEED, SIZE));
    let sandbox = start(school.clone(), EmulatorOptions::default()).await;
    let range = school_week(&school);
    let teaching = school.calendar.days_between(range.from(), range.to()).len() as u64;
    assert_eq!(teaching, 5);
    let logins = pupil_logins(&school);
    let pupils = logins.len() as u64;
    let ((students, marks, lessons), count) = count_requests(sandbox.stats(), async {
        let mut read = (0, 0, 0);
        for login in &logins {
            let client = student(&sandbox, login);
            let (s, m, l, _) = read_week(&client, range).await;
            assert_eq!(client.auth_stats().logins, 1, "one login per pupil");
            read = (read.0 + s, read.1 + m, read.2 + l);
        }
        read
    })
    .await;
    assert_eq!(students as u64, pupils);
    assert!(
        marks > 0 && lessons > 0,
        "the week was read: {marks} {lessons}"
    );

    let s = "/apiv2student";
    assert_eq!(
        route(&count, &format!("POST {s}/login")),
        pupils,
        "{count:?}"
    );
    assert_eq!(route(&count, &format!("POST {s}/ping")), 0, "{count:?}");
    assert_eq!(
        route(&count, &format!("GET {s}/attendance/{{id}}")),
        pupils,
        "{count:?}"
    );
    assert_eq!(
        route(&count, &format!("GET {s}/timetable/{{id}}")),
        pupils * teaching,
        "one request per pupil and teaching date, shared by attendance: {count:?}"
    );
    let activity = route(&count, &format!("GET {s}/activity/{{id}}"));
    assert!(
        (pupils..=2 * pupils).contains(&activity),
        "{activity} activity pages for {pupils} pupils"
    );
    let floor = pupils * (1 + 1 + teaching + 1);
    assert_eq!(count.total, floor - pupils + activity, "{count:?}");
    assert!(
        count.total * 100 <= floor * 110,
        "{} requests, floor {floor}",
        count.total
    );
}

/// A Monday-to-Sunday range asks the timetable for its five teaching dates only, and the
/// timetable read after the attendance read (and the other way round) asks for no day twice.
#[tokio::test]
async fn timetable_days_are_teaching_dates_read_once_for_attendance_and_timetable() {
    let school = Arc::new(School::generate(SEED, SIZE));
    let sandbox = start(school.clone(), EmulatorOptions::default()).await;
    let week = school_week(&school);
    let range = DateRange::new(week.from(), week.from().checked_add(6.days()).unwrap()).unwrap();
    let login = &pupil_logins(&school)[0];
    let tt = "GET /apiv2student/timetable/{id}";

    let client = student(&sandbox, login);
    let (marks, count) = count_requests(sandbox.stats(), async {
        let q = AttendanceQuery::new(range);
        client.attendance(q).try_collect::<Vec<_>>().await.unwrap()
    })
    .await;
    assert!(marks.iter().any(|m| m.lesson_id.is_some()), "joined");
    assert_eq!(route(&count, tt), 5, "the join reads each lesson day once");
    let (lessons, count) = count_requests(sandbox.stats(), async {
        let q = TimetableQuery::new(range);
        client.timetable(q).try_collect::<Vec<_>>().await.unwrap()
    })
    .await;
    assert!(!lessons.is_empty());
    assert_eq!(
        route(&count, tt),
        0,
        "the attendance read's days are reused: {count:?}"
    );

    // The other order, on a fresh client: the timetable read pays, attendance reuses.
    let client = student(&sandbox, login);
    let (_, count) = count_requests(sandbox.stats(), async {
        let q = TimetableQuery::new(range);
        let lessons = client.timetable(q).try_collect::<Vec<_>>().await.unwrap();
        let q = AttendanceQuery::new(range);
        let marks = client.attendance(q).try_collect::<Vec<_>>().await.unwrap();
        (lessons, marks)
    })
    .await;
    assert_eq!(route(&count, tt), 5, "weekends cost nothing: {count:?}");

    // Both at once: still one request per day.
    let client = student(&sandbox, login);
    let (_, count) = count_requests(sandbox.stats(), async {
        let lessons = client
            .timetable(TimetableQuery::new(range))
            .try_collect::<Vec<_>>();
        let marks = client
            .attendance(AttendanceQuery::new(range))
            .try_collect::<Vec<_>>();
        let (l, m) = futures::join!(lessons, marks);
        (l.unwrap(), m.unwrap())
    })
    .await;
    assert_eq!(route(&count, tt), 5, "concurrent reads share: {count:?}");
}

/// The activity walk stops at `from`: a week late in the year costs the pages that reach
/// back to it, not the pupil's whole feed (the API ignores `from`).
#[tokio::test]
async fn the_activity_walk_stops_at_from() {
    let school = Arc::new(School::generate(SEED, SIZE));
    // Small pages, so a pupil's feed is many pages long.
    let options = EmulatorOptions {
        default_page_size: Some(2),
        ..EmulatorOptions::default()
    };
    let sandbox = start(school.clone(), options).await;
    let all = school.attendance_range.expect("records");
    let late = DateRange::new(all.to().checked_sub(6.days()).unwrap(), all.to()).unwrap();
    let activity = "GET /apiv2student/activity/{id}";
    let mut checked = 0;
    for login in pupil_logins(&school).iter().take(8) {
        let client = student(&sandbox, login);
        let (whole, full) = count_requests(sandbox.stats(), async {
            let q = BehaviourQuery::new(all);
            client.behaviour(q).try_collect::<Vec<_>>().await.unwrap()
        })
        .await;
        let (week, count) = count_requests(sandbox.stats(), async {
            let q = BehaviourQuery::new(late);
            client.behaviour(q).try_collect::<Vec<_>>().await.unwrap()
        })
        .await;
        let pages = route(&count, activity);
        // The points of the week, two a page, plus the page that reaches before `from`
        // (or the empty one that ends the feed).
        assert!(
            pages <= week.len() as u64 / 2 + 2,
            "{pages} pages for {} points",
            week.len()
        );
        if whole.len() > week.len() + 4 {
            assert!(
                pages < route(&full, activity),
                "{pages} pages for the week, {} for the year",
                route(&full, activity)
            );
            checked += 1;
        }
    }
    assert!(checked > 0, "some pupil has a feed longer than the week");
}

/// A parent's week: one login, the pupil list (the sign-on check and the list itself), then
/// per pupil the same plan as a pupil's own login.
#[tokio::test]
async fn a_parent_week_costs_the_plan() {
    let school = Arc::new(School::generate(SEED, SIZE));
    let sandbox = start(school.clone(), EmulatorOptions::default()).await;
    let range = school_week(&school);
    let creds = sandbox.credentials();
    let parent = ParentClient::new(
        Config::parent(creds.get("email").unwrap(), creds.get("password").unwrap())
            .unwrap()
            .update_options(|o| {
                o.with_base_url(sandbox.base_url())
                    .with_rate_limit(mis_http::RateLimit::unlimited())
            }),
    )
    .unwrap();
    let pupils = creds.get("parent_pupil_ids").unwrap().split(',').count() as u64;
    let ((students, ..), count) = count_requests(sandbox.stats(), read_week(&parent, range)).await;
    assert_eq!(students as u64, pupils);
    let p = "/apiv2parent";
    assert_eq!(route(&count, &format!("POST {p}/login")), 1, "{count:?}");
    assert_eq!(route(&count, &format!("POST {p}/ping")), 0, "{count:?}");
    // The login's sign-on check, then one list for all four reads.
    assert_eq!(route(&count, &format!("GET {p}/pupils")), 2, "{count:?}");
    assert_eq!(
        route(&count, &format!("GET {p}/attendance/{{id}}")),
        pupils,
        "{count:?}"
    );
    assert_eq!(
        route(&count, &format!("GET {p}/timetable/{{id}}")),
        pupils * 5,
        "{count:?}"
    );
    assert!(route(&count, &format!("GET {p}/activity/{{id}}")) <= 2 * pupils);
}
