//! What a scenario costs in requests: the currency of vendor quotas.
//!
//! Every emulator counts the requests it receives, in all and per route template
//! ([`mis_sandbox::Stats`]). [`count_requests`] runs a scenario and returns what it cost, so
//! request plans are measured, not estimated, and a test can assert a plan's ceiling.

use std::collections::BTreeMap;
use std::future::Future;

use futures::TryStreamExt;
use jiff::ToSpan;
use jiff::civil::Weekday;
use mis_core::{
    AttendanceQuery, BehaviourQuery, DateRange, ErrorKind, MisProvider, Result, StudentQuery,
    TimetableQuery,
};
use mis_sandbox::{School, Stats};

/// Requests a scenario made: in all, and per route (`"GET /api/v1/students/{id}"`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequestCount {
    /// Every request the emulator received during the scenario.
    pub total: u64,
    /// The same, per route template.
    pub by_route: BTreeMap<String, u64>,
}

impl RequestCount {
    /// Requests to routes whose template contains `part` (e.g. `"/attendance"`).
    pub fn to(&self, part: &str) -> u64 {
        self.by_route
            .iter()
            .filter(|(route, _)| route.contains(part))
            .map(|(_, n)| n)
            .sum()
    }
}

/// The first Monday–Friday inside `range` whose five days are all the school's open days:
/// the school-week the request-plan measurements read. `None` when there is none.
pub fn school_week_in(school: &School, range: DateRange) -> Option<DateRange> {
    let mut day = range.from();
    while day.checked_add(4.days()).ok()? <= range.to() {
        let days: Vec<_> = (0..5)
            .filter_map(|i| day.checked_add(i.days()).ok())
            .collect();
        if day.weekday() == Weekday::Monday
            && days.len() == 5
            && days.iter().all(|d| school.calendar.is_school_day(*d))
        {
            return DateRange::new(day, days[4]).ok();
        }
        day = day.tomorrow().ok()?;
    }
    None
}

/// [`school_week_in`] the school's attendance range.
pub fn school_week(school: &School) -> Option<DateRange> {
    school_week_in(school, school.attendance_range?)
}

/// One school-week read through `p`, every entity once in the order a sync reads them:
/// the rows of students, attendance, timetable and behaviour (an `Unsupported` entity is
/// 0). What the request-plan measurements count.
pub async fn read_week(p: &dyn MisProvider, range: DateRange) -> Result<[usize; 4]> {
    fn rows<T>(r: Result<Vec<T>>) -> Result<usize> {
        match r {
            Ok(v) => Ok(v.len()),
            Err(e) if e.kind() == ErrorKind::Unsupported => Ok(0),
            Err(e) => Err(e),
        }
    }
    Ok([
        rows(p.students(StudentQuery::new()).try_collect().await)?,
        rows(
            p.attendance(AttendanceQuery::new(range))
                .try_collect()
                .await,
        )?,
        rows(p.timetable(TimetableQuery::new(range)).try_collect().await)?,
        rows(p.behaviour(BehaviourQuery::new(range)).try_collect().await)?,
    ])
}

/// Runs `scenario` and returns its output with the requests `stats`' emulator received
/// meanwhile. Run one scenario at a time per emulator for an exact count.
pub async fn count_requests<F: Future>(stats: &Stats, scenario: F) -> (F::Output, RequestCount) {
    let before_total = stats.requests();
    let before = stats.routes();
    let out = scenario.await;
    let after = stats.routes();
    let by_route = after
        .into_iter()
        .filter_map(|(route, n)| {
            let d = n - before.get(&route).copied().unwrap_or(0);
            (d > 0).then_some((route, d))
        })
        .collect();
    let count = RequestCount {
        total: stats.requests() - before_total,
        by_route,
    };
    (out, count)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_school_week_is_five_open_weekdays() {
        let school = School::generate(3, 10);
        let week = school_week(&school).expect("a week");
        assert_eq!(week.from().weekday(), Weekday::Monday);
        assert_eq!(week.days().count(), 5);
        assert!(week.days().all(|d| school.calendar.is_school_day(d)));
    }

    #[tokio::test]
    async fn counts_only_what_the_scenario_sent() {
        let stats = Stats::default();
        stats.count_route("GET /before".into());
        stats
            .requests
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let (v, n) = count_requests(&stats, async {
            for route in ["GET /a/{id}", "GET /a/{id}", "GET /b"] {
                stats.count_route(route.into());
                stats
                    .requests
                    .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            }
            7
        })
        .await;
        assert_eq!(v, 7);
        assert_eq!(n.total, 3);
        assert_eq!(n.to("/a/"), 2);
        assert_eq!(
            n.by_route.len(),
            2,
            "the route counted before is not in: {n:?}"
        );
    }
}
