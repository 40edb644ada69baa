//! The conformance suite against the ClassCharts emulator (mis-sandbox), for both the student
//! and the parent provider, plus the session behaviours the suite cannot express: the web-form
//! login, sessions dying under the client, and a long busy-then-idle run.
//!
//! The emulator renders the synthetic School as ClassCharts would (written from the vendor
//! documentation, independently of this crate). `Expected` is the School converted to what
//! ClassCharts can represent:
//! - students: only the logged-in pupil (student API) or the parent's pupils, with names and
//!   — for the student, who logs in with it — the date of birth; ClassCharts sends no UPN,
//!   year group or registration group, so those are `null` and UPNs are not compared;
//! - attendance: the School's session and lesson marks of those pupils, as they are
//!   (ClassCharts sends the DfE code, which decides the category);
//! - lessons: the pupil's own timetable (the API is per pupil; for the parent, the first
//!   pupil's, which the suite asks for by id);
//! - behaviour: the School's events of those pupils, with `student_ids` cut to them and
//!   points as the API awards them (an event without points shows 0).

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use jiff::ToSpan;
use mis_classcharts::{Config, LoginStyle, ParentClient, StudentClient};
use mis_core::memory::MemoryData;
use mis_core::{AttendanceCategory, AttendanceMark, Slot};
use mis_core::{
    AttendanceQuery, BehaviourQuery, DateRange, MisProvider, MisProviderExt, Student, StudentQuery,
    TimetableQuery,
};
use mis_sandbox::{
    EmulatorOptions, FaultPlan, Profile, RecordFaults, Sandbox, School, SchoolOptions,
};
use mis_testkit::Expected;

const SEED: u64 = 180;
const SIZE: usize = 30;
/// Session windows (5 idle minutes) shrunk twentyfold: plenty for a suite that runs in
/// seconds, short enough for the expiry tests to wait them out.
const TIME_SCALE: f64 = 0.05;

fn school() -> Arc<School> {
    Arc::new(School::generate(SEED, SIZE))
}

/// The same school served with ClassCharts' recorded variants (the emulator's docs list them:
/// `"Period N"` register keys, lesson registers with `status` only, UTC-midnight detention
/// dates, flat badges, `last_id: true`).
fn variant_school() -> Arc<School> {
    Arc::new(School::generate_with(
        SEED,
        SIZE,
        SchoolOptions::default().profile(Profile::Variant),
    ))
}

/// What a lesson mark says when the school hides its code: the emulator's `status` for the
/// mark's DfE category (its module docs' table), read by the crate's status rules. An
/// approved activity is `present`, a late-after-registers `U` is `absent` (lateness lost), an
/// empty register is `no` (an uncoded absence, unauthorised by default).
fn status_only(mut m: AttendanceMark) -> AttendanceMark {
    use AttendanceCategory::*;
    let (category, late) = match m.category {
        Present if m.late => (Present, true),
        Present | ApprovedEducationalActivity => (Present, false),
        AuthorisedAbsence => (AuthorisedAbsence, false),
        UnauthorisedAbsence | NoMark => (UnauthorisedAbsence, false),
        _ => (NotCounted, false),
    };
    m.category = category;
    m.late = late;
    m
}

/// The first two school weeks with attendance: short, so the suite runs in seconds.
fn range(school: &School) -> DateRange {
    let first = school
        .lesson_mark_range
        .or(school.attendance_range)
        .expect("the School has attendance")
        .from();
    DateRange::new(first, first.checked_add(11.days()).unwrap()).unwrap()
}

async fn start(school: Arc<School>, faults: FaultPlan, time_scale: f64) -> Sandbox {
    Sandbox::start_with(
        &mis_sandbox::emulator::classcharts::EMULATOR,
        school,
        faults,
        EmulatorOptions {
            time_scale,
            ..EmulatorOptions::default()
        },
        0,
    )
    .await
    .expect("the ClassCharts emulator starts")
}

fn student_config(sandbox: &Sandbox) -> Config {
    let creds = sandbox.credentials();
    Config::student(creds.get("code").unwrap(), creds.get("dob").unwrap())
        .unwrap()
        .update_options(|o| {
            o.with_base_url(sandbox.base_url())
                .with_rate_limit(mis_http::RateLimit::unlimited())
        })
}

fn parent_config(sandbox: &Sandbox) -> Config {
    let creds = sandbox.credentials();
    Config::parent(creds.get("email").unwrap(), creds.get("password").unwrap())
        .unwrap()
        .update_options(|o| {
            o.with_base_url(sandbox.base_url())
                .with_rate_limit(mis_http::RateLimit::unlimited())
        })
}

/// The School as ClassCharts shows it to an account that sees `pupils`.
fn expected(school: &School, pupils: &[String], with_dob: bool, lessons_of: &str) -> MemoryData {
    let mine = |id: &str| pupils.iter().any(|p| p == id);
    let students: Vec<Student> = school
        .students
        .iter()
        .filter(|s| mine(&s.id))
        .map(|s| {
            let mut c = Student::new("classcharts", &s.id, &s.first_name, &s.last_name);
            if with_dob {
                c.date_of_birth = s.date_of_birth;
            }
            c
        })
        .collect();
    let r = range(school);
    let marks = school
        .session_marks
        .iter()
        .chain(&school.lesson_marks)
        .filter(|m| mine(&m.student_id) && r.contains(m.date))
        .cloned()
        .map(|mut m| {
            m.provider = "classcharts".into();
            m
        })
        .collect();
    let lessons = school
        .lessons_for_student(lessons_of, r.from(), r.to())
        .into_iter()
        .map(|mut l| {
            l.provider = "classcharts".into();
            l
        })
        .collect();
    let behaviour = school
        .behaviour_events()
        .filter(|e| e.student_ids.iter().any(|s| mine(s)))
        .cloned()
        .map(|mut e| {
            e.provider = "classcharts".into();
            e.student_ids.retain(|s| mine(s));
            e.points = Some(e.points.unwrap_or(0));
            e
        })
        .collect();
    MemoryData {
        students,
        marks,
        lessons,
        behaviour,
        ..MemoryData::default()
    }
}

fn secrets(sandbox: &Sandbox, e: Expected) -> Expected {
    let creds = sandbox.credentials();
    ["code", "dob", "password"]
        .iter()
        .filter_map(|k| creds.get(k))
        .fold(e, |e, s| e.secret(s))
}

async fn student_setup() -> (Arc<dyn MisProvider>, Expected) {
    let school = school();
    let sandbox = start(school.clone(), FaultPlan::none(), TIME_SCALE).await;
    let client = StudentClient::new(student_config(&sandbox)).unwrap();
    let me = client.student_id().await.expect("the pupil logs in");
    let mut e = Expected::new(
        expected(&school, std::slice::from_ref(&me), true, &me),
        range(&school),
    );
    e.compare_upn = false;
    let e = secrets(&sandbox, e);
    // The emulator stops when its handle is dropped; each test has its own runtime and
    // sandbox, so keeping it for the rest of the test is what we want.
    std::mem::forget(sandbox);
    (Arc::new(client), e)
}

/// The student of the variant school. `Expected` is the School as ClassCharts shows it
/// there: lesson marks by their `status` ([`status_only`]), under the timetable's period
/// labels (the crate joins the `"Period N"` registers to the `"PN"` lessons).
async fn variant_student_setup() -> (Arc<dyn MisProvider>, Expected) {
    let school = variant_school();
    let sandbox = start(school.clone(), FaultPlan::none(), TIME_SCALE).await;
    let client = StudentClient::new(student_config(&sandbox)).unwrap();
    let me = client.student_id().await.expect("the pupil logs in");
    let mut data = expected(&school, std::slice::from_ref(&me), true, &me);
    data.marks = data
        .marks
        .into_iter()
        .map(|m| {
            if m.slot == Slot::Lesson {
                status_only(m)
            } else {
                m
            }
        })
        .collect();
    let mut e = Expected::new(data, range(&school));
    e.compare_upn = false;
    let e = secrets(&sandbox, e);
    std::mem::forget(sandbox);
    (Arc::new(client), e)
}

/// The parent of the variant school (see [`variant_student_setup`]).
async fn variant_parent_setup() -> (Arc<dyn MisProvider>, Expected) {
    let school = variant_school();
    let sandbox = start(school.clone(), FaultPlan::none(), TIME_SCALE).await;
    let pupils: Vec<String> = sandbox
        .credentials()
        .get("parent_pupil_ids")
        .unwrap()
        .split(',')
        .map(str::to_owned)
        .collect();
    let client = ParentClient::new(parent_config(&sandbox)).unwrap();
    let mut data = expected(&school, &pupils, false, &pupils[0]);
    data.marks = data
        .marks
        .into_iter()
        .map(|m| {
            if m.slot == Slot::Lesson {
                status_only(m)
            } else {
                m
            }
        })
        .collect();
    let mut e = Expected::new(data, range(&school));
    e.compare_upn = false;
    e.compare_date_of_birth = false;
    let e = secrets(&sandbox, e);
    std::mem::forget(sandbox);
    (Arc::new(client), e)
}

async fn parent_setup() -> (Arc<dyn MisProvider>, Expected) {
    let school = school();
    let sandbox = start(school.clone(), FaultPlan::none(), TIME_SCALE).await;
    let pupils: Vec<String> = sandbox
        .credentials()
        .get("parent_pupil_ids")
        .unwrap()
        .split(',')
        .map(str::to_owned)
        .collect();
    assert!(pupils.len() >= 2, "the sandbox parent has two pupils");
    let client = ParentClient::new(parent_config(&sandbox)).unwrap();
    let mut e = Expected::new(
        expected(&school, &pupils, false, &pupils[0]),
        range(&school),
    );
    e.compare_upn = false;
    e.compare_date_of_birth = false;
    let e = secrets(&sandbox, e);
    std::mem::forget(sandbox);
    (Arc::new(client), e)
}

/// The parent through `FaultPlan::degraded()`: the emulator's parent then also sees the two
/// pupils the record faults touch (a malformed `/pupils` record; a pupil whose activity feed
/// answers "not found" and whose timetable module is hidden). `Expected` is the clean
/// School for every pupil of the account; the lessons are those of the first pupil, which no
/// fault touches.
async fn degraded_parent_setup() -> (Arc<dyn MisProvider>, Expected) {
    let school = school();
    let sandbox = start(school.clone(), FaultPlan::degraded(), TIME_SCALE).await;
    let pupils: Vec<String> = sandbox
        .credentials()
        .get("parent_pupil_ids")
        .unwrap()
        .split(',')
        .map(str::to_owned)
        .collect();
    let touched = [
        &school.students[RecordFaults::MALFORMED_STUDENT].id,
        &school.students[RecordFaults::MISSING_STUDENT].id,
    ];
    assert!(touched.iter().all(|id| pupils.contains(id)), "{pupils:?}");
    assert!(!touched.contains(&&pupils[0]));
    let client = ParentClient::new(parent_config(&sandbox)).unwrap();
    let mut e = Expected::new(
        expected(&school, &pupils, false, &pupils[0]),
        range(&school),
    );
    e.compare_upn = false;
    e.compare_date_of_birth = false;
    let e = secrets(&sandbox, e);
    std::mem::forget(sandbox);
    (Arc::new(client), e)
}

mis_testkit::degradation_suite! {
    setup = degraded_parent_setup(),
}

mis_testkit::conformance_suite! {
    student,
    setup = student_setup(),
    supported = [students, attendance, timetable, behaviour],
    unsupported = [write_attendance],
}

mis_testkit::conformance_suite! {
    parent,
    setup = parent_setup(),
    supported = [students, attendance, timetable, behaviour],
    unsupported = [write_attendance],
}

mis_testkit::conformance_suite! {
    variant_student,
    setup = variant_student_setup(),
    supported = [students, attendance, timetable, behaviour],
    unsupported = [write_attendance],
}

mis_testkit::conformance_suite! {
    variant_parent,
    setup = variant_parent_setup(),
    supported = [students, attendance, timetable, behaviour],
    unsupported = [write_attendance],
}

/// Both login styles work against the emulator, for both account kinds, and the web form
/// leaves both documented cookies in the jar.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn web_form_logins_work_for_students_and_parents() {
    let school = school();
    let sandbox = start(school.clone(), FaultPlan::none(), TIME_SCALE).await;
    let r = range(&school);

    let student =
        StudentClient::new(student_config(&sandbox).login_style(LoginStyle::WebForm)).unwrap();
    let me = student.student_id().await.unwrap();
    let mut cookies = student.cookie_names();
    cookies.sort();
    assert_eq!(cookies, ["cc-session", "student_session_credentials"]);
    let marks = student
        .all_attendance(AttendanceQuery::new(r))
        .await
        .unwrap();
    assert!(!marks.is_empty());
    assert!(marks.iter().all(|m| m.student_id == me));

    let parent =
        ParentClient::new(parent_config(&sandbox).login_style(LoginStyle::WebForm)).unwrap();
    let pupils = parent.all_students(StudentQuery::new()).await.unwrap();
    assert_eq!(pupils.len(), 2);
    let mut cookies = parent.cookie_names();
    cookies.sort();
    assert_eq!(cookies, ["cc-session", "parent_session_credentials"]);
    assert_eq!(parent.auth_stats().logins, 1);
    assert_eq!(
        parent.auth_stats().handshakes,
        0,
        "the emulator has no TES redirect"
    );
}

/// Sessions the emulator kills every few requests are replaced without an error reaching
/// the caller, and what comes back is still the whole school.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_dying_under_the_client_are_replaced() {
    let school = school();
    let plan = FaultPlan {
        expire_every: Some(7),
        ..FaultPlan::none()
    };
    let sandbox = start(school.clone(), plan, TIME_SCALE).await;
    let client = StudentClient::new(student_config(&sandbox)).unwrap();
    let r = range(&school);
    let lessons = client.all_lessons(TimetableQuery::new(r)).await.unwrap();
    let me = client.student_id().await.unwrap();
    assert_eq!(
        lessons.len(),
        school.lessons_for_student(&me, r.from(), r.to()).len()
    );
    let events = client.all_behaviour(BehaviourQuery::new(r)).await.unwrap();
    let ids: BTreeSet<_> = events.iter().map(|e| e.id.clone()).collect();
    assert_eq!(ids.len(), events.len());
    assert!(
        client.auth_stats().logins >= 2,
        "the expired sessions were replaced by new logins: {:?}",
        client.auth_stats()
    );
}

/// A session kept busy for 20 (scaled) minutes, then idle for 10, keeps working: rotations
/// keep it alive while busy, and after the idle spell — longer than the emulator's 5-minute
/// idle limit — the refused rotation is followed by one new login, never by an error.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn busy_for_twenty_minutes_then_idle_for_ten() {
    // 1 simulated minute = 120 ms: idle limit 0.6 s, rotation every 0.34 s.
    const SCALE: f64 = 0.002;
    let minute = Duration::from_secs(60).mul_f64(SCALE);
    let school = school();
    let sandbox = start(school.clone(), FaultPlan::none(), SCALE).await;
    let client = StudentClient::new(
        student_config(&sandbox)
            .ping_interval(Duration::from_secs(170).mul_f64(SCALE))
            .unwrap(),
    )
    .unwrap();
    let me = client.student_id().await.unwrap();
    let r = range(&school);
    let day = school
        .lessons_for_student(&me, r.from(), r.to())
        .first()
        .expect("the pupil has lessons")
        .date;
    let busy_until = tokio::time::Instant::now() + minute * 20;
    let mut calls = 0;
    // A call every quarter of a minute, on a fixed schedule (an interval, not a sleep after
    // each answer): slow answers on a loaded machine do not thin out the calls.
    let mut every = tokio::time::interval(minute / 4);
    while tokio::time::Instant::now() < busy_until {
        every.tick().await;
        client
            .get_timetable(&me, day)
            .await
            .expect("busy calls succeed");
        calls += 1;
    }
    let busy = client.auth_stats();
    assert_eq!(busy.logins, 1, "no re-login while busy: {busy:?}");
    // One rotation per 170 s from the login (a JSON login's session is not rotated at
    // once): 1200 / 170 > 7, less the last one the loop may end before.
    assert!(
        busy.rotations >= 6,
        "rotated every 170 s for 20 minutes: {busy:?}"
    );
    assert!(calls >= 60);

    tokio::time::sleep(minute * 10).await;
    let lessons = client
        .get_timetable(&me, day)
        .await
        .expect("works after idling");
    assert!(!lessons.data.is_empty());
    let after = client.auth_stats();
    assert_eq!(
        after.logins, 2,
        "one new login after the idle spell: {after:?}"
    );
}
