//! The request plan's ceilings (issue 16), measured by the emulator's per-route counters: a
//! small school's week (students with leavers, attendance, timetable, behaviour) and one
//! pupil's week may cost at most what the plan says, route by route, so a regression (a
//! timetable fetched twice, the archived classes listed for a current week, one request per
//! class to find a pupil's classes) fails here. Not timed.

use std::sync::Arc;

use futures::TryStreamExt;
use jiff::ToSpan;
use jiff::civil::Weekday;
use mis_core::{
    AttendanceQuery, BehaviourQuery, DateRange, Diagnostics, MisProvider, StudentQuery,
    TimetableQuery,
};
use mis_http::RateLimit;
use mis_managebac::client::{ClassFilter, YearGroupFilter};
use mis_managebac::{Config, ManageBacProvider, PeriodTimes};
use mis_sandbox::{EmulatorOptions, FaultPlan, Sandbox, School};
use mis_testkit::count_requests;

/// Pages of `n` records at the client's default page size.
fn pages(n: usize) -> u64 {
    n.div_ceil(mis_managebac::config::DEFAULT_PAGE_SIZE as usize)
        .max(1) as u64
}

async fn start(size: usize) -> (Sandbox, Arc<School>, ManageBacProvider, DateRange) {
    let school = Arc::new(School::generate(16, size));
    let sandbox = Sandbox::start_with(
        &mis_sandbox::emulator::managebac::EMULATOR,
        school.clone(),
        FaultPlan::none(),
        EmulatorOptions {
            time_scale: 0.01,
            default_page_size: None,
        },
        0,
    )
    .await
    .expect("the ManageBac emulator starts");
    let token = sandbox
        .credentials()
        .get("token")
        .expect("a token")
        .to_owned();
    let mut bells = PeriodTimes::new();
    for p in &school.periods {
        bells = bells.period(p.id.parse().unwrap(), p.start, p.end).unwrap();
    }
    let config = Config::new(token.as_str())
        .unwrap()
        .update_options(|o| {
            o.with_base_url(sandbox.base_url())
                .with_time_zone(&school.time_zone)
                .with_rate_limit(RateLimit::at_most(8, std::time::Duration::from_millis(10)))
        })
        .period_times(bells);
    let client = ManageBacProvider::new(config).unwrap();
    let records = school.attendance_range.unwrap();
    let mut monday = records.from();
    while monday.weekday() != Weekday::Monday {
        monday = monday.checked_add(1.day()).unwrap();
    }
    let week = DateRange::new(monday, monday.checked_add(4.days()).unwrap()).unwrap();
    (sandbox, school, client, week)
}

#[tokio::test]
async fn a_school_week_costs_at_most_the_plan() {
    let (sandbox, school, client, week) = start(60).await;
    // What the plan is sized by, read through a separate client so nothing is reused.
    let probe = mis_managebac::Client::new(
        Config::new(sandbox.credentials().get("token").unwrap())
            .unwrap()
            .update_options(|o| o.with_base_url(sandbox.base_url())),
    )
    .unwrap();
    let classes: Vec<_> = probe
        .classes(&ClassFilter::new().archived(false))
        .try_collect()
        .await
        .unwrap();
    let year_groups: Vec<_> = probe
        .year_groups(&YearGroupFilter::new())
        .try_collect()
        .await
        .unwrap();
    let lessons = school.lessons_between(week.from(), week.to()).len() as u64;
    let school_days = school.calendar.days_between(week.from(), week.to()).len() as u64;
    let notes: usize = school
        .behaviour
        .iter()
        .map(|b| b.event.student_ids.len())
        .sum();

    let diagnostics = Diagnostics::new();
    let ((), n) = count_requests(sandbox.stats(), async {
        let d = || diagnostics.clone();
        let _: Vec<_> = client
            .students(
                StudentQuery::new()
                    .include_leavers(true)
                    .with_diagnostics(d()),
            )
            .try_collect()
            .await
            .unwrap();
        let _: Vec<_> = client
            .attendance(AttendanceQuery::new(week).with_diagnostics(d()))
            .try_collect()
            .await
            .unwrap();
        let _: Vec<_> = client
            .timetable(TimetableQuery::new(week).with_diagnostics(d()))
            .try_collect()
            .await
            .unwrap();
        let _: Vec<_> = client
            .behaviour(BehaviourQuery::new(week).with_diagnostics(d()))
            .try_collect()
            .await
            .unwrap();
    })
    .await;
    assert!(diagnostics.is_empty(), "{:?}", diagnostics.warnings());

    let classes_n = classes.len() as u64;
    // (route part, ceiling): reference data once per run; each class's timetable once,
    // shared by attendance and timetable; the current classes only (the week is in the
    // current term); a register only on the days a class meets.
    let ceilings: &[(&str, u64)] = &[
        ("/school/academic-years", 1),
        (
            "/school/programs/{program_code}/academic-years/{id}/calendar",
            1,
        ),
        (
            "/school/academic-years/{academic_year_id}/attendance_categories",
            1,
        ),
        ("/year-groups", 1),
        (
            "/year-groups/{year_group_id}/homeroom/attendance/date/{date}",
            year_groups.len() as u64 * school_days,
        ),
        ("/classes", pages(classes.len())),
        ("/classes/{id}/timetable", classes_n),
        ("/classes/{id}/attendance/date/{date}", lessons),
        ("/classes/{id}/students", 0),
        ("/students", pages(school.students.len()) + 1),
        ("/students/excusals/{date}", school_days),
        ("/teachers", pages(school.staff.len())),
        ("/behavior/notes", pages(notes)),
    ];
    for (route, most) in ceilings {
        let got = n
            .by_route
            .get(&format!("GET /v2p1{route}"))
            .copied()
            .unwrap_or(0);
        assert!(
            got <= *most,
            "{route}: {got} requests, the plan's ceiling is {most} ({n:?})"
        );
    }
    let plan = 3
        + 1
        + year_groups.len() as u64 * school_days
        + pages(classes.len())
        + classes_n
        + lessons
        + school_days
        + pages(school.staff.len())
        + pages(school.students.len())
        + 1
        + pages(notes);
    assert!(
        n.total <= plan,
        "{} requests, the plan is {plan}: {n:?}",
        n.total
    );
}

#[tokio::test]
async fn one_pupils_week_finds_their_classes_in_one_listing() {
    let (sandbox, school, client, week) = start(40).await;
    let pupil = school.students[0].id.clone();
    let ((), n) = count_requests(sandbox.stats(), async {
        client
            .attendance(AttendanceQuery::new(week).student(pupil.clone()))
            .try_collect::<Vec<_>>()
            .await
            .unwrap();
        client
            .timetable(TimetableQuery::new(week).student(pupil.clone()))
            .try_collect::<Vec<_>>()
            .await
            .unwrap();
    })
    .await;
    assert_eq!(n.to("/memberships"), 1, "{n:?}");
    assert_eq!(n.to("/classes/{id}/students"), 0, "{n:?}");
    let theirs = school
        .groups
        .iter()
        .filter(|g| g.student_ids.contains(&pupil))
        .count() as u64;
    assert!(
        n.to("/classes/{id}/timetable") <= theirs,
        "only the pupil's classes' timetables, once each: {n:?}"
    );
}
