//! The request plan of one school-week (issue 16), asserted per route so a regression fails
//! CI. Classe365's reads are whole lists with paging, so the floor of its routes is:
//!
//! | read | plan |
//! |---|---|
//! | students | `GET /students`: ⌈every student record ÷ page size⌉ (no documented status filter: leavers are listed and dropped here) |
//! | attendance | `GET /attendance?from&to`: ⌈the range's records ÷ page size⌉, one range query |
//! | timetable, behaviour | nothing: no endpoint (`Unsupported`) |
//!
//! The page size is the client's 100, the largest the emulator serves (the vendor publishes
//! none); `meta` ends the walk, so no empty page is asked for.

use std::sync::Arc;

use futures::TryStreamExt;
use jiff::ToSpan;
use jiff::civil::Weekday;
use mis_classe365::{AttendanceFilter, Classe365Provider, Config};
use mis_core::{
    AttendanceQuery, BehaviourQuery, DateRange, ErrorKind, MisProvider, StudentQuery,
    TimetableQuery,
};
use mis_sandbox::{EmulatorOptions, FaultPlan, Profile, Sandbox, School, SchoolOptions};
use mis_testkit::{RequestCount, count_requests};

/// `⌈n ÷ per_page⌉`, at least one request (an empty list is one 204).
fn pages(n: usize, per_page: u32) -> u64 {
    (n.div_ceil(per_page as usize)).max(1) as u64
}

/// The first Monday of the attendance range whose Monday to Friday are open, to Friday.
fn school_week(school: &School) -> DateRange {
    let mut d = school.attendance_range.unwrap().from();
    while !(d.weekday() == Weekday::Monday
        && (0..5).all(|i| {
            school
                .calendar
                .is_school_day(d.checked_add(i.days()).unwrap())
        }))
    {
        d = d.tomorrow().unwrap();
    }
    DateRange::new(d, d.checked_add(4.days()).unwrap()).unwrap()
}

async fn week_costs_at_most_the_plan(profile: Profile) {
    let school = Arc::new(School::generate_with(
        365,
        40,
        SchoolOptions::new().profile(profile),
    ));
    let sandbox = Sandbox::start_with(
        &mis_sandbox::emulator::classe365::EMULATOR,
        school.clone(),
        FaultPlan::none(),
        EmulatorOptions::default(),
        0,
    )
    .await
    .unwrap();
    let creds = sandbox.credentials();
    let client = Classe365Provider::new(
        Config::new(
            creds.get("subdomain").unwrap(),
            creds.get("api_key").unwrap(),
        )
        .unwrap()
        .update_options(|o| o.with_base_url(sandbox.base_url())),
    )
    .unwrap();
    let range = school_week(&school);

    let (read, n): (_, RequestCount) = count_requests(sandbox.stats(), async {
        let students: Vec<_> = client.students(StudentQuery::new()).try_collect().await?;
        let marks: Vec<_> = client
            .attendance(AttendanceQuery::new(range))
            .try_collect()
            .await?;
        for unsupported in [
            client
                .timetable(TimetableQuery::new(range))
                .try_collect::<Vec<_>>()
                .await
                .map(|_| ()),
            client
                .behaviour(BehaviourQuery::new(range))
                .try_collect::<Vec<_>>()
                .await
                .map(|_| ()),
        ] {
            assert_eq!(unsupported.unwrap_err().kind(), ErrorKind::Unsupported);
        }
        Ok::<_, mis_core::Error>((students, marks))
    })
    .await;
    let (students, marks) = read.unwrap();
    assert!(!students.is_empty() && !marks.is_empty());

    // The plan, from what the tenant holds: every student record, the week's records.
    let per_page = client.client().page_size();
    assert_eq!(per_page, 100, "the largest page the emulator serves");
    let all_students = client
        .client()
        .student_records()
        .try_collect::<Vec<_>>()
        .await
        .unwrap();
    let records = client
        .client()
        .attendance_records(&AttendanceFilter::new(range))
        .try_collect::<Vec<_>>()
        .await
        .unwrap();
    let plan_students = pages(all_students.len(), per_page);
    let plan_attendance = pages(records.len(), per_page);
    let got = |route: &str| n.by_route.get(route).copied().unwrap_or(0);
    assert!(
        got("GET /restv2/students") <= plan_students,
        "{profile:?}: students {n:?}, plan {plan_students}"
    );
    assert!(
        got("GET /restv2/attendance") <= plan_attendance,
        "{profile:?}: attendance {n:?}, plan {plan_attendance}"
    );
    assert!(
        n.total <= plan_students + plan_attendance,
        "{profile:?}: nothing else is read: {n:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_school_week_costs_at_most_the_plan() {
    week_costs_at_most_the_plan(Profile::Standard).await;
}

/// Subject-wise registers: many records per student-day, still one range query in pages.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_subject_wise_school_week_costs_at_most_the_plan() {
    week_costs_at_most_the_plan(Profile::Variant).await;
}
