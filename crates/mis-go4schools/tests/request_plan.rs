//! The request plan of one school-week (issue 16), asserted per route so a regression fails
//! CI: students, attendance, timetable and behaviour of a small emulated school, read by a
//! fresh client, cost at most the plan, which is the floor of GO's documented routes:
//!
//! | route | plan |
//! |---|---|
//! | `/school`, `…/students`, codes, calendar, timetables, teachers, subjects, event types, `/users/staff` | once per run (cached per client) |
//! | `…/students/education-details`, `…/timetables/classes` | the pages of one full read, once per run |
//! | `…/student-session-marks/date/{date}`, `…/student-lesson-marks/date/{date}` | once per open date (the calendar says which) |
//! | `…/behaviour/events/date/{date}` | the pages of every calendar date, closed ones included (trips) |
//!
//! Nothing else: attendance and timetable share one timetable read, and the calendar is
//! read once.

use std::collections::BTreeMap;
use std::sync::Arc;

use futures::TryStreamExt;
use jiff::ToSpan;
use jiff::civil::Weekday;
use mis_core::{
    AttendanceQuery, BehaviourQuery, DateRange, MisProvider, StudentQuery, TimetableQuery,
};
use mis_go4schools::{Config, Go4SchoolsProvider, RateLimit};
use mis_sandbox::emulator::go4schools;
use mis_sandbox::{EmulatorOptions, FaultPlan, Profile, Sandbox, School, SchoolOptions};
use mis_testkit::{RequestCount, count_requests};

const YEAR: &str = "/academic-years/{year}";

/// The emulator's time scale: its quota window (60 s) becomes 0.6 s.
const TIME_SCALE: f64 = 0.01;

/// Requests to one route template (after `/customer/v1`).
fn on(n: &RequestCount, template: &str) -> u64 {
    n.by_route
        .get(&format!("GET /customer/v1{template}"))
        .copied()
        .unwrap_or(0)
}

struct Week {
    sandbox: Sandbox,
    school: Arc<School>,
    key: String,
}

impl Week {
    async fn start(profile: Profile, page_size: Option<usize>) -> Week {
        let school = Arc::new(School::generate_with(
            4,
            40,
            SchoolOptions::new().profile(profile),
        ));
        let sandbox = Sandbox::start_with(
            &mis_sandbox::emulator::go4schools::EMULATOR,
            school.clone(),
            FaultPlan::none(),
            EmulatorOptions {
                time_scale: TIME_SCALE,
                default_page_size: page_size,
            },
            0,
        )
        .await
        .expect("the emulator starts");
        let key = sandbox.credentials().get("api_key").unwrap().to_owned();
        Week {
            sandbox,
            school,
            key,
        }
    }

    /// A fresh client. These tests count requests, not their pace, so the rate gate is
    /// scaled with the emulator's quota window instead of GO's default 10 requests a second
    /// (which paces every request in real time): at most 250 of the emulator's 300 requests
    /// in any scaled window, so the quota never answers 429 either. The default gate against
    /// this emulator is kept by `tests/doctor_plan.rs`.
    fn client(&self) -> Go4SchoolsProvider {
        let gate = RateLimit::at_most(
            (go4schools::QUOTA_LIMIT * 5 / 6) as u32,
            go4schools::QUOTA_WINDOW.mul_f64(TIME_SCALE),
        );
        Go4SchoolsProvider::new(Config::new(self.key.as_str()).update_options(|o| {
            o.with_base_url(self.sandbox.base_url())
                .with_rate_limit(gate)
        }))
        .unwrap()
    }

    /// The first Monday of the attendance range whose Monday to Friday are open.
    fn monday(&self) -> jiff::civil::Date {
        let range = self.school.attendance_range.unwrap();
        let mut d = range.from();
        while !(d.weekday() == Weekday::Monday
            && (0..5).all(|i| {
                self.school
                    .calendar
                    .is_school_day(d.checked_add(i.days()).unwrap())
            }))
        {
            d = d.tomorrow().unwrap();
        }
        d
    }

    /// The plan's count per route for `range`: one full read of each reference list (its
    /// pages measured by reading it through the typed client), one register request per open
    /// date, the event pages of every date.
    async fn plan(&self, range: DateRange) -> BTreeMap<String, u64> {
        let provider = self.client();
        let c = provider.client();
        let stats = self.sandbox.stats();
        let year = 2025;
        let (_, details) =
            count_requests(stats, c.education_details(year).try_collect::<Vec<_>>()).await;
        let (_, classes) =
            count_requests(stats, c.timetabled_classes(year).try_collect::<Vec<_>>()).await;
        let mut events = 0;
        for d in range.days() {
            let (_, n) =
                count_requests(stats, c.behaviour_events(year, d).try_collect::<Vec<_>>()).await;
            events += n.total;
        }
        let open = range
            .days()
            .filter(|d| self.school.calendar.is_school_day(*d))
            .count() as u64;
        let mut plan: BTreeMap<String, u64> = [
            "/school".to_owned(),
            format!("{YEAR}/students"),
            format!("{YEAR}/attendance/codes"),
            format!("{YEAR}/timetables/calendar"),
            format!("{YEAR}/timetables"),
            format!("{YEAR}/teaching/teachers"),
            format!("{YEAR}/teaching/subjects"),
            format!("{YEAR}/behaviour/event-types"),
            "/users/staff".to_owned(),
        ]
        .into_iter()
        .map(|t| (t, 1))
        .collect();
        plan.insert(format!("{YEAR}/students/education-details"), details.total);
        plan.insert(format!("{YEAR}/timetables/classes"), classes.total);
        plan.insert(
            format!("{YEAR}/attendance/student-session-marks/date/{{date}}"),
            open,
        );
        plan.insert(
            format!("{YEAR}/attendance/student-lesson-marks/date/{{date}}"),
            open,
        );
        plan.insert(format!("{YEAR}/behaviour/events/date/{{date}}"), events);
        plan
    }

    /// Students, attendance, timetable and behaviour of `range`, by a fresh client.
    async fn read(&self, range: DateRange) -> RequestCount {
        let c = self.client();
        let (out, n) = count_requests(self.sandbox.stats(), async {
            let students: Vec<_> = c.students(StudentQuery::new()).try_collect().await?;
            let marks: Vec<_> = c
                .attendance(AttendanceQuery::new(range))
                .try_collect()
                .await?;
            let lessons: Vec<_> = c
                .timetable(TimetableQuery::new(range))
                .try_collect()
                .await?;
            let events: Vec<_> = c
                .behaviour(BehaviourQuery::new(range))
                .try_collect()
                .await?;
            Ok::<_, mis_core::Error>((students, marks, lessons, events))
        })
        .await;
        let (students, marks, lessons, events) = out.unwrap();
        assert!(!students.is_empty() && !marks.is_empty() && !lessons.is_empty());
        assert!(!events.is_empty());
        n
    }
}

/// Asserts every route of `n` is in `plan` and within its count, and the total within the
/// plan's.
fn within(n: &RequestCount, plan: &BTreeMap<String, u64>, what: &str) {
    for route in n.by_route.keys() {
        let template = route.trim_start_matches("GET /customer/v1");
        assert!(
            plan.contains_key(template),
            "{what}: {route} is not in the plan {plan:?}"
        );
    }
    for (template, most) in plan {
        let got = on(n, template);
        assert!(
            got <= *most,
            "{what}: {template}: {got} requests, the plan is {most}"
        );
    }
    let total: u64 = plan.values().sum();
    assert!(n.total <= total, "{what}: {} > plan {total}", n.total);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_school_week_costs_at_most_the_plan() {
    let week = Week::start(Profile::Standard, None).await;
    let monday = week.monday();
    let school_week = DateRange::new(monday, monday.checked_add(4.days()).unwrap()).unwrap();
    let n = week.read(school_week).await;
    let plan = week.plan(school_week).await;
    within(&n, &plan, "Mon-Fri");
    // Five open dates: five of each register, one calendar for all of them.
    assert_eq!(
        on(
            &n,
            &format!("{YEAR}/attendance/student-session-marks/date/{{date}}")
        ),
        5
    );
    assert_eq!(on(&n, &format!("{YEAR}/timetables/calendar")), 1);
}

/// Over a weekend: no register is asked for a closed date, but its behaviour events are
/// (a trip is recorded on a closed day, and GO lists events only per date).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn closed_dates_cost_only_their_events() {
    let week = Week::start(Profile::Variant, Some(7)).await;
    let monday = week.monday();
    let calendar_week = DateRange::new(monday, monday.checked_add(6.days()).unwrap()).unwrap();
    let n = week.read(calendar_week).await;
    let plan = week.plan(calendar_week).await;
    within(&n, &plan, "Mon-Sun, pages of 7");
    for register in ["student-session-marks", "student-lesson-marks"] {
        assert_eq!(
            on(&n, &format!("{YEAR}/attendance/{register}/date/{{date}}")),
            5,
            "{register}"
        );
    }
    assert!(on(&n, &format!("{YEAR}/behaviour/events/date/{{date}}")) >= 7);
}
