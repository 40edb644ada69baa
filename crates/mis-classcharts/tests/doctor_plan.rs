//! The doctor's request plan ([`mis_classcharts::doctor::FACTS`]`.sync_requests`) against
//! what the provider really sends: students, attendance, timetable and behaviour (what
//! `mis sync` reads) over two school weeks, counted by the emulator.
//!
//! The plan is exact except for the activity walk: a page says nothing of whether more
//! follow, so a pupil whose first page does not reach back before `from` costs one more
//! (empty) page that the plan cannot foresee. Hence "within 10 %" rather than "equal".

use std::sync::Arc;

use futures::TryStreamExt;
use jiff::ToSpan;
use jiff::civil::{Date, Weekday};
use mis_classcharts::doctor::FACTS;
use mis_classcharts::{Config, ParentClient, StudentClient};
use mis_core::{
    AttendanceQuery, BehaviourQuery, DateRange, MisProvider, StudentQuery, TimetableQuery,
};
use mis_sandbox::emulator::classcharts::pupil_logins;
use mis_sandbox::{EmulatorOptions, FaultPlan, Sandbox, School, Stats};

const SEED: u64 = 2202;
const SIZE: usize = 12;

/// Two weeks from the first Monday of the register range whose ten weekdays are all school
/// days, and those ten days.
fn two_school_weeks(school: &School) -> (DateRange, u32) {
    let range = school.attendance_range.expect("registers");
    let mut day = range.from();
    while day.checked_add(11.days()).unwrap() <= range.to() {
        let weekdays: Vec<Date> = (0..12)
            .map(|i| day.checked_add(i.days()).unwrap())
            .filter(|d| !matches!(d.weekday(), Weekday::Saturday | Weekday::Sunday))
            .collect();
        if day.weekday() == Weekday::Monday
            && weekdays.iter().all(|d| school.calendar.is_school_day(*d))
        {
            let to = day.checked_add(11.days()).unwrap();
            return (DateRange::new(day, to).unwrap(), weekdays.len() as u32);
        }
        day = day.checked_add(1.day()).unwrap();
    }
    panic!("no two full school weeks with registers");
}

async fn start(school: Arc<School>) -> Sandbox {
    Sandbox::start_with(
        &mis_sandbox::emulator::classcharts::EMULATOR,
        school,
        FaultPlan::none(),
        EmulatorOptions::default(),
        0,
    )
    .await
    .expect("the ClassCharts emulator starts")
}

fn unlimited(config: Config, sandbox: &Sandbox) -> Config {
    config.update_options(|o| {
        o.with_base_url(sandbox.base_url())
            .with_rate_limit(mis_http::RateLimit::unlimited())
    })
}

/// What `mis sync` reads: the four entities over `range`. Returns the students read.
async fn sync_read(p: &dyn MisProvider, range: DateRange) -> u64 {
    let students: Vec<_> = p
        .students(StudentQuery::default())
        .try_collect()
        .await
        .unwrap();
    let marks: Vec<_> = p
        .attendance(AttendanceQuery::new(range))
        .try_collect()
        .await
        .unwrap();
    let lessons: Vec<_> = p
        .timetable(TimetableQuery::new(range))
        .try_collect()
        .await
        .unwrap();
    let _events: Vec<_> = p
        .behaviour(BehaviourQuery::new(range))
        .try_collect()
        .await
        .unwrap();
    assert!(
        !marks.is_empty() && !lessons.is_empty(),
        "the weeks were read"
    );
    students.len() as u64
}

fn within_ten_percent(what: &str, sent: u64, planned: u64) {
    eprintln!("{what}: {sent} requests sent, {planned} planned");
    assert!(
        sent * 10 <= planned * 11 && planned * 10 <= sent * 11,
        "{what}: the emulator counted {sent} requests, the plan says {planned}"
    );
}

/// Every pupil of a small school through its own login (ClassCharts shows one pupil a
/// login): the plan of one pupil, times the pupils.
#[tokio::test]
async fn a_small_school_pupil_by_pupil_costs_the_plan() {
    let school = Arc::new(School::generate(SEED, SIZE));
    let sandbox = start(school.clone()).await;
    let (range, days) = two_school_weeks(&school);
    let logins = pupil_logins(&school);
    let mut planned = 0;
    for login in &logins {
        let client = StudentClient::new(unlimited(
            Config::student(&login.code, &login.dob).unwrap(),
            &sandbox,
        ))
        .unwrap();
        let students = sync_read(&client, range).await;
        assert_eq!(students, 1);
        planned += (FACTS.sync_requests)(students, days);
    }
    let sent = Stats::get(&sandbox.stats().requests);
    within_ten_percent("pupil logins", sent, planned);
    // The plan is a floor: only the activity walk's unforeseeable last page is extra.
    assert!(
        sent >= planned && sent <= planned + logins.len() as u64,
        "{sent} sent, {planned} planned"
    );
}

/// A parent of two pupils: the login, `/pupils` twice, then each pupil's plan.
#[tokio::test]
async fn a_parent_login_costs_the_plan() {
    let school = Arc::new(School::generate(SEED, SIZE));
    let sandbox = start(school.clone()).await;
    let (range, days) = two_school_weeks(&school);
    let creds = sandbox.credentials();
    let parent = ParentClient::new(unlimited(
        Config::parent(creds.get("email").unwrap(), creds.get("password").unwrap()).unwrap(),
        &sandbox,
    ))
    .unwrap();
    let students = sync_read(&parent, range).await;
    assert_eq!(students, 2);
    let planned = (FACTS.sync_requests)(students, days);
    let sent = Stats::get(&sandbox.stats().requests);
    within_ten_percent("a parent login", sent, planned);
    assert!(
        sent >= planned && sent <= planned + students,
        "{sent} sent, {planned} planned"
    );
}
