//! The request plan `mis doctor` estimates sync times with (`FACTS.sync_requests`) against
//! what reading a small school the way `mis sync` does really costs, counted by the
//! emulator: students with leavers, then attendance and the timetable one student on roll at
//! a time over the whole window, then behaviour in chunks of 7 dates.

use std::collections::BTreeMap;
use std::sync::Arc;

use futures::TryStreamExt;
use jiff::ToSpan;
use jiff::civil::Date;
use mis_core::{
    AttendanceQuery, BehaviourQuery, DateRange, EnrolmentStatus, MisProvider, StudentQuery,
    TimetableQuery,
};
use mis_hubmis::DESCRIPTOR;
use mis_sandbox::{EmulatorOptions, FaultPlan, Sandbox, School, Stats};

/// 12 requests per 0.3 s, tokens living 4.5 s: the read takes about two seconds.
const SCALE: f64 = 0.005;

/// `range` in chunks of 7 dates, as `mis sync` cuts date-ranged reads.
fn chunks(range: DateRange) -> Vec<DateRange> {
    let mut out = Vec::new();
    let mut from = range.from();
    while from <= range.to() {
        let to = from.checked_add(6.days()).unwrap().min(range.to());
        out.push(DateRange::new(from, to).unwrap());
        from = to.checked_add(1.day()).unwrap();
    }
    out
}

/// Reads the school as `mis sync` does; returns the students on roll and the school days read.
async fn read_like_sync(hubmis: &dyn MisProvider, school: &School) -> (u64, u32) {
    let days: Vec<Date> = {
        let mut d: Vec<Date> = school.session_marks.iter().map(|m| m.date).collect();
        d.sort();
        d.dedup();
        d.into_iter().take(8).collect()
    };
    let range = DateRange::new(days[0], *days.last().unwrap()).unwrap();
    let students: Vec<_> = hubmis
        .students(StudentQuery::new().include_leavers(true))
        .try_collect()
        .await
        .unwrap();
    let on_roll: Vec<String> = students
        .iter()
        .filter(|s| s.enrolment_status != Some(EnrolmentStatus::Leaver))
        .map(|s| s.id.clone())
        .collect();
    for id in &on_roll {
        let marks: Vec<_> = hubmis
            .attendance(AttendanceQuery::new(range).student(id.clone()))
            .try_collect()
            .await
            .unwrap();
        assert!(!marks.is_empty(), "student {id} has marks in the window");
    }
    for id in &on_roll {
        let _: Vec<_> = hubmis
            .timetable(TimetableQuery::new(range).student(id.clone()))
            .try_collect()
            .await
            .unwrap();
    }
    for chunk in chunks(range) {
        let _: Vec<_> = hubmis
            .behaviour(BehaviourQuery::new(chunk))
            .try_collect()
            .await
            .unwrap();
    }
    (on_roll.len() as u64, days.len() as u32)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sync_of_a_small_school_costs_the_plan() {
    let school = Arc::new(School::generate(11, 24));
    let options = EmulatorOptions {
        time_scale: SCALE,
        ..EmulatorOptions::default()
    };
    let sandbox = Sandbox::start_with(
        &mis_sandbox::emulator::hubmis::EMULATOR,
        school.clone(),
        FaultPlan::none(),
        options,
        0,
    )
    .await
    .expect("the HUBmis emulator starts");
    let env: BTreeMap<String, String> = sandbox.client_env();
    let hubmis = DESCRIPTOR
        .open_from(&|name: &str| env.get(name).cloned())
        .unwrap();
    let (students, days) = read_like_sync(&*hubmis, &school).await;
    let sent = Stats::get(&sandbox.stats().requests);
    let planned = (DESCRIPTOR.doctor.sync_requests)(students, days);
    let leavers = school.summary().leavers as u64;
    eprintln!(
        "{students} students on roll, {leavers} leavers, {days} school days: {sent} requests sent, \
         {planned} planned"
    );
    assert_eq!(
        Stats::get(&sandbox.stats().throttled),
        0,
        "no 429: the plan counts none"
    );
    // The plan leaves out the leavers' enrolment records (one each); nothing else.
    assert_eq!(sent, planned + leavers, "{sent} sent, {planned} planned");
    let off = sent.abs_diff(planned) as f64 / sent as f64;
    assert!(off <= 0.10, "{sent} sent, {planned} planned: {off:.3}");
}
