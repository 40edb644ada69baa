//! The conformance suite against the ManageBac emulator (mis-sandbox), plus the round trips
//! the suite's scenarios cannot express.
//!
//! The emulator renders the synthetic School as a ManageBac tenant would, written from the
//! vendor documentation independently of this crate. `Expected` is the School converted to
//! what ManageBac can represent:
//! - students as they are, except: the year group is its ManageBac **name** (`Year 9`), there
//!   is no registration group (ManageBac has only a homeroom advisor) and no UPN (the school's
//!   id is not known to be a UPN);
//! - attendance: one **day** mark per student per school day — the homeroom register — and
//!   the lesson marks, with periods counted from 1 (`P3` → `3`). ManageBac has no AM/PM, so
//!   the day register is the AM mark; statuses express present, late, field trip, excused /
//!   health and absent, so marks that are not counted or not taken have no record and `U`
//!   (unauthorised + late) reads back as absent without the lateness;
//! - lessons as the School's timetable, the school's bell times configured;
//! - behaviour: one note per student of each event (ManageBac notes are about one student),
//!   the polarity from the school's mapping of its behaviour types, no points.

use std::collections::BTreeMap;
use std::sync::Arc;

use futures::TryStreamExt;
use jiff::ToSpan;
use mis_core::memory::MemoryData;
use mis_core::{
    AttendanceCategory, AttendanceMark, AttendanceQuery, BehaviourEvent, BehaviourQuery, DateRange,
    Diagnostics, ErrorKind, GroupKind, Lesson, MisProvider, MisProviderExt, Polarity, Session,
    Slot, StudentQuery, TimetableQuery,
};
use mis_http::RateLimit;
use mis_managebac::{Config, ManageBacProvider, PeriodTimes, PolarityMap};
use mis_sandbox::emulator::{Core, Faults, Stats, managebac, serve, with_faults};
use mis_sandbox::{EmulatorContext, EmulatorOptions, FaultPlan, RecordFaults, Sandbox, School};
use mis_testkit::Expected;

const SEED: u64 = 2101;
const SIZE: usize = 40;

/// ManageBac's quota window (1 s) scaled to 1 ms: the suite's reads are a thousand requests
/// and more, and the pace is not what they test.
const QUOTA_WINDOW: std::time::Duration = std::time::Duration::from_millis(1);

fn options() -> EmulatorOptions {
    EmulatorOptions {
        time_scale: 0.001,
        default_page_size: None,
    }
}

/// The label ManageBac keeps for a School mark (and whether it reads back late), or `None`
/// when ManageBac has no record for it. `variant`: the labels of the document's category
/// list, which the variant emulator's tenant has.
fn status(mark: &AttendanceMark, variant: bool) -> Option<(&'static str, bool)> {
    use AttendanceCategory::*;
    Some(match mark.category {
        Present if mark.late => ("Late", true),
        Present => ("Present", false),
        ApprovedEducationalActivity if variant && mark.code == "P" => ("Sports", false),
        ApprovedEducationalActivity if variant => ("Fieldtrip", false),
        ApprovedEducationalActivity => ("Field Trip", false),
        AuthorisedAbsence => ("Excused", false),
        // No ManageBac status says "absent and late": `U` loses its lateness.
        UnauthorisedAbsence => ("Absent", false),
        _ => return None,
    })
}

fn as_managebac(
    m: &AttendanceMark,
    slot: Slot,
    period: Option<String>,
    variant: bool,
) -> Option<AttendanceMark> {
    let (code, late) = status(m, variant)?;
    let mut mark = AttendanceMark::new(
        "managebac",
        m.student_id.as_str(),
        m.date,
        slot,
        code,
        m.category,
    )
    .with_late(late);
    mark.period = period;
    mark.note = m.note.clone();
    Some(mark)
}

/// The behaviour types' polarity, as the school would configure it.
fn polarity_map(school: &School) -> PolarityMap {
    let mut seen: BTreeMap<String, Polarity> = BTreeMap::new();
    let mut map = PolarityMap::new();
    for e in school.behaviour_events() {
        let Some(kind) = &e.category else { continue };
        if let Some(before) = seen.insert(kind.clone(), e.polarity) {
            assert_eq!(before, e.polarity, "the school gives {kind} one polarity");
        }
        map = map.set(kind, e.polarity);
    }
    map
}

fn bell_times(school: &School) -> PeriodTimes {
    let mut times = PeriodTimes::new();
    for p in &school.periods {
        times = times.period(p.id.parse().unwrap(), p.start, p.end).unwrap();
    }
    times
}

/// The School as ManageBac represents it.
fn expected_data(school: &School) -> MemoryData {
    let variant = school.options.profile == mis_sandbox::Profile::Variant;
    let year_of: BTreeMap<&str, &str> = school
        .groups_of(GroupKind::Year)
        .flat_map(|g| {
            g.student_ids
                .iter()
                .map(move |s| (s.as_str(), g.name.as_str()))
        })
        .collect();
    let students = school
        .students
        .iter()
        .map(|s| {
            let mut s = s.clone();
            s.provider = "managebac".into();
            s.year_group = year_of.get(s.id.as_str()).map(|n| n.to_string());
            s.registration_group = None;
            s
        })
        .collect();
    let period_of: BTreeMap<&str, &str> = school
        .periods
        .iter()
        .map(|p| (p.label.as_str(), p.id.as_str()))
        .collect();
    let mut marks: Vec<AttendanceMark> = school
        .session_marks
        .iter()
        .filter(|m| m.session == Some(Session::Am))
        .filter_map(|m| as_managebac(m, Slot::Day, None, variant))
        .collect();
    marks.extend(school.lesson_marks.iter().filter_map(|m| {
        let label = m.period.as_deref()?;
        let number = period_of.get(label)?.to_string();
        as_managebac(m, Slot::Lesson, Some(number), variant)
    }));
    let r = school.attendance_range.expect("attendance");
    let lessons: Vec<Lesson> = school
        .lessons_between(r.from(), r.to())
        .into_iter()
        .map(|mut l| {
            l.provider = "managebac".into();
            l
        })
        .collect();
    let mut behaviour = Vec::new();
    let mut note = 0u64;
    for b in &school.behaviour {
        for s in &b.event.student_ids {
            note += 1;
            let mut event = BehaviourEvent::new(
                "managebac",
                note.to_string(),
                b.event.date,
                b.event.polarity,
            )
            .with_student_ids([s.as_str()]);
            event.occurred_at = b.event.occurred_at.clone();
            event.category = b.event.category.clone();
            event.notes = b.event.notes.clone();
            behaviour.push(event);
        }
    }
    MemoryData {
        students,
        marks,
        lessons,
        behaviour,
        ..MemoryData::default()
    }
}

/// The first two weeks of the School's records: short, so the suite runs in seconds.
fn range(school: &School) -> DateRange {
    let first = school.attendance_range.expect("attendance").from();
    DateRange::new(first, first.checked_add(11.days()).unwrap()).unwrap()
}

/// The client's gate: the emulator's quota is 10 per (scaled) window; at most 5 keeps
/// requests that a loaded machine delivers bunched together under it (a 429 would cost a
/// whole second: ManageBac's wait hint has whole-second resolution).
fn gate() -> RateLimit {
    RateLimit::at_most(5, QUOTA_WINDOW)
}

fn config(school: &School, base_url: &str, token: &str) -> Config {
    Config::new(token)
        .unwrap()
        .update_options(|o| {
            o.with_base_url(base_url)
                .with_time_zone(&school.time_zone)
                .with_rate_limit(gate())
        })
        .period_times(bell_times(school))
        .behaviour_polarity(polarity_map(school))
}

async fn start(faults: FaultPlan) -> (Sandbox, Arc<School>, ManageBacProvider, Expected) {
    let school = Arc::new(School::generate(SEED, SIZE));
    let sandbox = Sandbox::start_with(
        &mis_sandbox::emulator::managebac::EMULATOR,
        school.clone(),
        faults,
        options(),
        0,
    )
    .await
    .expect("the ManageBac emulator starts");
    let token = sandbox
        .credentials()
        .get("token")
        .expect("a token")
        .to_owned();
    let client = ManageBacProvider::new(config(&school, &sandbox.base_url(), &token)).unwrap();
    let mut expected = Expected::new(expected_data(&school), range(&school)).secret(token);
    expected.compare_upn = false;
    expected.compare_points = false;
    (sandbox, school, client, expected)
}

async fn setup() -> (Arc<dyn MisProvider>, Expected) {
    let (sandbox, _school, client, expected) = start(FaultPlan::none()).await;
    // The emulator stops when its handle is dropped; each test has its own runtime and
    // sandbox, so keeping it for the rest of the test is what we want.
    std::mem::forget(sandbox);
    (Arc::new(client), expected)
}

/// The emulator injecting 429s (short wait hints): the conformance suite's
/// `reads_through_429s_and_expiry`. No expiry: a ManageBac token is long-lived, so a 401 is final and the client rightly does not
/// replay it (the static-key 401 is tested on its own in this file).
async fn faulted_setup() -> (Arc<dyn MisProvider>, Expected) {
    // ManageBac's wait hint (`X-RateLimit-Reset`) has whole-second resolution, so every 429
    // costs up to a second: a lower rate keeps this test to seconds.
    let faults = FaultPlan {
        rate_429: 0.02,
        retry_after: std::time::Duration::from_millis(20),
        seed: 11,
        ..FaultPlan::none()
    };
    let (sandbox, _school, client, expected) = start(faults).await;
    std::mem::forget(sandbox);
    (Arc::new(client), expected)
}

/// The emulator with every record fault on (`FaultPlan::degraded`, see the emulator's docs):
/// one malformed student record, one class of another student whose timetable and registers
/// answer 404, `GET /year-groups` answering 403.
async fn degraded_setup() -> (Arc<dyn MisProvider>, Expected) {
    let (sandbox, _school, client, expected) = start(FaultPlan::degraded()).await;
    std::mem::forget(sandbox);
    (Arc::new(client), expected)
}

mis_testkit::degradation_suite! {
    setup = degraded_setup(),
}

mis_testkit::conformance_suite! {
    managebac_emulator,
    setup = setup(),
    faulted = faulted_setup(),
    supported = [students, attendance, timetable, behaviour, write_attendance],
    unsupported = [],
}

/// The same school served with the emulator's documented variants (`Profile::Variant`, see
/// the emulator's module docs): the document's tenant categories (Dress Code, Late & Dress
/// Code, Sports, Fieldtrip, Health, Excused…), present pupils left on the register's default
/// `-1`, illness marked `Absent` and authorised by the parent's excusal, homeroom days not
/// taken as `attendance: []`, periods counted from 0, and the zone on the school record —
/// which this client is not configured with, so it reads it from there.
async fn variant_setup() -> (Arc<dyn MisProvider>, Expected) {
    let variant = mis_sandbox::SchoolOptions::new().profile(mis_sandbox::Profile::Variant);
    let school = Arc::new(School::generate_with(SEED, SIZE, variant));
    let sandbox = Sandbox::start_with(
        &mis_sandbox::emulator::managebac::EMULATOR,
        school.clone(),
        FaultPlan::none(),
        options(),
        0,
    )
    .await
    .expect("the ManageBac emulator starts");
    let token = sandbox
        .credentials()
        .get("token")
        .expect("a token")
        .to_owned();
    let config = Config::new(token.as_str())
        .unwrap()
        .update_options(|o| o.with_base_url(sandbox.base_url()).with_rate_limit(gate()))
        .period_times(bell_times(&school))
        .behaviour_polarity(polarity_map(&school));
    let client = ManageBacProvider::new(config).unwrap();
    let mut expected = Expected::new(expected_data(&school), range(&school)).secret(token);
    expected.compare_upn = false;
    expected.compare_points = false;
    std::mem::forget(sandbox);
    (Arc::new(client), expected)
}

mis_testkit::conformance_suite! {
    managebac_variant,
    setup = variant_setup(),
    supported = [students, attendance, timetable, behaviour, write_attendance],
    unsupported = [],
}

/// Starts the emulator for `school` with periods counted from `from` (0 or 1).
async fn start_counting_from(
    school: Arc<School>,
    from: u8,
) -> (mis_sandbox::emulator::Running, String) {
    let faults = Arc::new(Faults::new(FaultPlan::none()));
    let stats = Arc::new(Stats::default());
    let ctx = EmulatorContext {
        school,
        options: options(),
        faults: faults.clone(),
        stats: stats.clone(),
    };
    let emulator = managebac::build_with(
        &ctx,
        managebac::Config {
            period_starts_count_from: from,
        },
    );
    let token = emulator.credentials.get("token").unwrap().to_owned();
    let core = Core {
        faults,
        stats,
        throttle: emulator.throttle,
    };
    (
        serve(with_faults(emulator.router, core), 0).await.unwrap(),
        token,
    )
}

/// The same school with `period_starts_count_from` 0 and 1 yields identical lesson marks and
/// lessons (the v2p1 period offset).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn period_offset_does_not_change_lesson_marks() {
    let school = Arc::new(School::generate(SEED, SIZE));
    let range = range(&school);
    let mut marks = Vec::new();
    let mut lessons = Vec::new();
    for from in [0, 1] {
        let (running, token) = start_counting_from(school.clone(), from).await;
        let client = ManageBacProvider::new(config(&school, &running.base_url(), &token)).unwrap();
        let mut m = client
            .all_attendance(AttendanceQuery::new(range).slot(Slot::Lesson))
            .await
            .unwrap();
        m.sort_by(|a, b| {
            (&a.student_id, a.date, &a.period).cmp(&(&b.student_id, b.date, &b.period))
        });
        marks.push(m);
        lessons.push(
            client
                .all_lessons(TimetableQuery::new(range))
                .await
                .unwrap(),
        );
    }
    assert!(!marks[0].is_empty(), "the school has lesson marks in range");
    assert_eq!(marks[0], marks[1]);
    assert!(!lessons[0].is_empty());
    assert_eq!(lessons[0], lessons[1]);
    // And the periods are the School's, counted from 1.
    let labels: std::collections::BTreeSet<&str> = marks[0]
        .iter()
        .filter_map(|m| m.period.as_deref())
        .collect();
    let want: std::collections::BTreeSet<&str> =
        school.periods.iter().map(|p| p.id.as_str()).collect();
    assert!(labels.is_subset(&want), "{labels:?} within {want:?}");
}

/// A student filter reads one student's marks only, both registers.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_students_attendance() {
    let (_sandbox, _school, client, expected) = start(FaultPlan::none()).await;
    let day = expected
        .data
        .marks
        .iter()
        .find(|m| m.slot == Slot::Lesson && expected.range.contains(m.date))
        .expect("a lesson mark in range");
    let got = client
        .all_attendance(AttendanceQuery::new(DateRange::day(day.date)).student(&day.student_id))
        .await
        .unwrap();
    assert!(
        got.iter().all(|m| m.student_id == day.student_id),
        "{got:?}"
    );
    let want: Vec<&AttendanceMark> = expected
        .data
        .marks
        .iter()
        .filter(|m| m.student_id == day.student_id && m.date == day.date)
        .collect();
    assert_eq!(got.len(), want.len(), "{got:#?}\n{want:#?}");
    let e = client
        .all_attendance(AttendanceQuery::new(expected.range).slot(Slot::Session))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unsupported);
}

/// Staff, groups, years, terms and the code book come back from the School.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_groups_years_and_codes() {
    let (_sandbox, school, client, _) = start(FaultPlan::none()).await;
    let staff: Vec<_> = client.staff().try_collect().await.unwrap();
    assert_eq!(staff.len(), school.staff.len());
    let groups: Vec<_> = client.groups().try_collect().await.unwrap();
    for want in school
        .groups
        .iter()
        .filter(|g| matches!(g.kind, GroupKind::Year | GroupKind::Teaching))
    {
        let have = groups
            .iter()
            .find(|g| g.id == want.id)
            .expect("every group");
        assert_eq!((&have.name, &have.kind), (&want.name, &want.kind));
        let mut a = have.student_ids.clone();
        let mut b = want.student_ids.clone();
        a.sort();
        b.sort();
        assert_eq!(a, b, "members of {}", want.name);
    }
    let years: Vec<_> = client.academic_years().try_collect().await.unwrap();
    assert_eq!(years.len(), 1);
    assert_eq!(
        (years[0].start_date, years[0].end_date),
        (
            school.academic_year.start_date,
            school.academic_year.end_date
        )
    );
    let terms: Vec<_> = client.terms().try_collect().await.unwrap();
    assert_eq!(terms.len(), school.terms.len());
    let codes: Vec<_> = client.attendance_codes().try_collect().await.unwrap();
    let late = codes.iter().find(|c| c.code == "2").expect("Late");
    assert!(late.late && late.category == AttendanceCategory::Present);
}

/// Leavers only when asked for; a year-group filter by name; an unknown one named.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn student_filters() {
    let (_sandbox, school, client, _) = start(FaultPlan::none()).await;
    let on_roll = client.all_students(StudentQuery::new()).await.unwrap();
    let everyone = client
        .all_students(StudentQuery::new().include_leavers(true))
        .await
        .unwrap();
    assert!(on_roll.len() < everyone.len());
    assert_eq!(everyone.len(), school.students.len());
    let name = school
        .groups_of(GroupKind::Year)
        .next()
        .unwrap()
        .name
        .clone();
    let some = client
        .all_students(StudentQuery::new().year_group(&name))
        .await
        .unwrap();
    assert!(!some.is_empty() && some.iter().all(|s| s.year_group.as_deref() == Some(&name)));
    let e = client
        .all_students(StudentQuery::new().year_group("Year 99"))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
    assert!(e.to_string().contains(&name), "{e}");
}

/// Reads survive injected 429s (waiting for `X-RateLimit-Reset`), 5xx and a token refused
/// once; the answer is the same school.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reads_survive_faults() {
    let plan = FaultPlan {
        rate_429: 0.1,
        rate_5xx: 0.2,
        retry_after: std::time::Duration::from_millis(10),
        expire_every: Some(7),
        seed: 11,
        ..FaultPlan::none()
    };
    let (sandbox, school, _, expected) = start(plan).await;
    // Small pages: more requests for the plan to spoil.
    let client = ManageBacProvider::new(
        config(&school, &sandbox.base_url(), &expected.secrets[0])
            .update_options(|o| o.with_page_size(5)),
    )
    .unwrap();
    let everyone = client
        .all_students(StudentQuery::new().include_leavers(true))
        .await
        .unwrap();
    assert_eq!(everyone.len(), school.students.len());
    assert!(
        sandbox
            .stats()
            .faults
            .load(std::sync::atomic::Ordering::SeqCst)
            > 0,
        "the plan injected something"
    );
}

/// The typed client reads the emulator's excusals and writes one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn excusals_round_trip() {
    let (_sandbox, school, provider, _) = start(FaultPlan::none()).await;
    let client = provider.client();
    let student = mis_managebac::Id::parse(&school.students[0].id).unwrap();
    let record = client.student(student).await.unwrap();
    let parent = *record.parent_ids.first().expect("a linked parent");
    let last = school.attendance_range.unwrap().to();
    let day = last.checked_add(3.days()).unwrap().to_string();
    let created = client
        .create_excusal(
            student,
            &mis_managebac::wire::NewExcusal {
                parent_id: parent,
                start_date: day.clone(),
                end_date: None,
                comment: Some("Dentist".into()),
            },
        )
        .await
        .unwrap();
    assert_eq!(created.start_date.as_deref(), Some(day.as_str()));
    let mine: Vec<_> = client
        .student_excusals(student, None)
        .try_collect()
        .await
        .unwrap();
    assert!(mine.iter().any(|e| e.id == created.id));
    // The vendor refuses an overlapping excusal with a field error.
    let e = client
        .create_excusal(
            student,
            &mis_managebac::wire::NewExcusal {
                parent_id: parent,
                start_date: day,
                end_date: None,
                comment: None,
            },
        )
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
    assert!(e.to_string().contains("duration"), "{e}");
    let gone = client.delete_excusal(student, created.id).await.unwrap();
    assert_eq!(gone.id, created.id);
}

/// A plan with only the given record faults.
fn only(records: RecordFaults) -> FaultPlan {
    FaultPlan {
        records,
        ..FaultPlan::none()
    }
}

fn sorted_marks(mut m: Vec<AttendanceMark>) -> Vec<AttendanceMark> {
    m.sort_by(|a, b| {
        (&a.student_id, a.date, a.slot, &a.period).cmp(&(&b.student_id, b.date, b.slot, &b.period))
    });
    m
}

/// One malformed student record costs that student: every other one comes back, one decode
/// warning names it (and the field, not its value); strict mode ends the read with it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_malformed_student_costs_that_student() {
    let plan = only(RecordFaults {
        malformed_record: true,
        ..RecordFaults::default()
    });
    let (_sandbox, school, client, _) = start(plan).await;
    let bad = &school.students[RecordFaults::MALFORMED_STUDENT];
    let d = Diagnostics::new();
    let got = client
        .all_students(
            StudentQuery::new()
                .include_leavers(true)
                .with_diagnostics(d.clone()),
        )
        .await
        .unwrap();
    assert_eq!(got.len(), school.students.len() - 1);
    assert!(got.iter().all(|s| s.id != bad.id));
    let ws = d.warnings();
    assert_eq!(ws.len(), 1, "{ws:#?}");
    let w = &ws[0];
    assert_eq!(
        (
            w.kind,
            w.record_id.as_deref(),
            w.vendor.as_str(),
            w.operation.as_str()
        ),
        (
            ErrorKind::Decode,
            Some(bad.id.as_str()),
            "managebac",
            "students.list"
        )
    );
    assert!(w.message.contains("birthday"), "{}", w.message);
    let dob = bad.date_of_birth.unwrap().to_string().replace('-', "");
    assert!(!w.message.contains(&dob), "no value in {}", w.message);

    let e = client
        .all_students(
            StudentQuery::new()
                .include_leavers(true)
                .with_diagnostics(Diagnostics::strict()),
        )
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Decode);

    // Behaviour notes name students by the school's id: the bad birthday does not stop
    // this student's notes from being matched.
    let range = range(&school);
    let (_clean_sandbox, _, clean, _) = start(FaultPlan::none()).await;
    let want = clean
        .all_behaviour(BehaviourQuery::new(range))
        .await
        .unwrap();
    let d = Diagnostics::new();
    let have = client
        .all_behaviour(BehaviourQuery::new(range).with_diagnostics(d.clone()))
        .await
        .unwrap();
    assert_eq!(have, want);
    assert!(d.is_empty(), "{:#?}", d.warnings());
}

/// The year-group list answering 403 costs the students' year group (one warning, no ids),
/// not the students; a year-group filter, which needs the list, fails with the 403; the day
/// registers are still found, through the students' year group ids, with nothing lost.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forbidden_year_groups_cost_the_year_group_label_only() {
    let plan = only(RecordFaults {
        forbidden_auxiliary: true,
        ..RecordFaults::default()
    });
    let (_sandbox, school, client, expected) = start(plan).await;
    let d = Diagnostics::new();
    let got = client
        .all_students(
            StudentQuery::new()
                .include_leavers(true)
                .with_diagnostics(d.clone()),
        )
        .await
        .unwrap();
    assert_eq!(got.len(), school.students.len());
    assert!(got.iter().all(|s| s.year_group.is_none()));
    let ws = d.warnings();
    assert_eq!(ws.len(), 1, "{ws:#?}");
    assert_eq!(ws[0].kind, ErrorKind::PermissionDenied);
    assert_eq!(ws[0].status, Some(403));
    assert_eq!(ws[0].operation, "year_groups.list");
    assert_eq!(ws[0].consequence, "students listed without year group");
    assert!(ws[0].record_id.is_none() && ws[0].student_id.is_none());

    let name = school
        .groups_of(GroupKind::Year)
        .next()
        .unwrap()
        .name
        .clone();
    let e = client
        .all_students(StudentQuery::new().year_group(&name))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::PermissionDenied);

    let (_clean_sandbox, _, clean, _) = start(FaultPlan::none()).await;
    let q = AttendanceQuery::new(expected.range).slot(Slot::Day);
    let want = sorted_marks(clean.all_attendance(q.clone()).await.unwrap());
    let d = Diagnostics::new();
    let have = sorted_marks(
        client
            .all_attendance(q.with_diagnostics(d.clone()))
            .await
            .unwrap(),
    );
    assert!(!want.is_empty());
    assert_eq!(have, want);
    assert!(d.is_empty(), "{:#?}", d.warnings());
}

/// One class whose timetable and registers answer 404 costs that class's lesson marks and
/// lessons: every mark missing belongs to a student a warning names with the class, and
/// nothing else is missing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_class_costs_its_marks_and_lessons() {
    let plan = only(RecordFaults {
        missing_subresource: true,
        ..RecordFaults::default()
    });
    let (_sandbox, school, client, expected) = start(plan).await;
    let (_clean_sandbox, _, clean, _) = start(FaultPlan::none()).await;
    let q = AttendanceQuery::new(expected.range);
    let want = sorted_marks(clean.all_attendance(q.clone()).await.unwrap());
    let d = Diagnostics::new();
    let have = sorted_marks(
        client
            .all_attendance(q.with_diagnostics(d.clone()))
            .await
            .unwrap(),
    );
    let ws = d.warnings();
    assert!(!ws.is_empty());
    let class = ws[0].record_id.clone().expect("the class is named");
    let members: Vec<&str> = school
        .groups
        .iter()
        .find(|g| g.id == class)
        .expect("a class of the school")
        .student_ids
        .iter()
        .map(String::as_str)
        .collect();
    assert!(members.contains(&school.students[RecordFaults::MISSING_STUDENT].id.as_str()));
    let named: std::collections::BTreeSet<&str> =
        ws.iter().filter_map(|w| w.student_id.as_deref()).collect();
    assert_eq!(
        named,
        members.iter().copied().collect(),
        "one warning per member"
    );
    for w in &ws {
        assert_eq!(w.kind, ErrorKind::NotFound);
        assert_eq!(w.status, Some(404));
        assert_eq!(w.record_id.as_deref(), Some(class.as_str()));
        assert_eq!(w.entity, "class");
        assert_eq!(w.operation, "classes.timetable");
        assert!(w.consequence.contains("lesson marks"), "{}", w.consequence);
    }
    let missing: Vec<&AttendanceMark> = want.iter().filter(|m| !have.contains(m)).collect();
    assert!(!missing.is_empty(), "the fault touches some marks");
    assert!(have.iter().all(|m| want.contains(m)), "nothing invented");
    for m in &missing {
        assert_eq!(m.slot, Slot::Lesson, "{m:?}");
        assert!(members.contains(&m.student_id.as_str()), "{m:?}");
    }

    let d = Diagnostics::new();
    let lessons = client
        .all_lessons(TimetableQuery::new(expected.range).with_diagnostics(d.clone()))
        .await
        .unwrap();
    let all = clean
        .all_lessons(TimetableQuery::new(expected.range))
        .await
        .unwrap();
    let ws = d.warnings();
    assert_eq!(ws.len(), 1, "{ws:#?}");
    assert_eq!(ws[0].record_id.as_deref(), Some(class.as_str()));
    assert_eq!(ws[0].kind, ErrorKind::NotFound);
    let class_name = &school.groups.iter().find(|g| g.id == class).unwrap().name;
    let gone: Vec<&Lesson> = all.iter().filter(|l| !lessons.contains(l)).collect();
    assert!(!gone.is_empty());
    assert!(
        gone.iter().all(|l| l.group.as_ref() == Some(class_name)),
        "{gone:#?}"
    );
}
