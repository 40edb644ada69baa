//! Chaos: every provider against an emulator that fails on purpose.
//!
//! 1. Reads: each provider reads the whole small synthetic school (12 students, one school
//!    week) through an emulator with [`FaultPlan::chaos`] (20 % 5xx, 10 % 429, 5 % dropped
//!    connections, 2 % truncated bodies) and through a fault-free emulator of the same school.
//!    Students, attendance marks, lessons and behaviour must be the same multisets (nothing
//!    lost, nothing duplicated), and no error may reach the caller.
//! 2. Writes under the same faults: the non-idempotent POSTs (GO 4 Schools, Classe365) are
//!    never applied twice, a write reported `Ok` was applied, a write reported as a plain
//!    error was not, and a write applied but not reported `Ok` is an error with
//!    `is_outcome_unknown()`. The idempotent PUT (ManageBac) may be retried and ends in the
//!    intended state. Reading back shows every mark reported `Ok`.
//! 3. Credentials expiring mid-stream (HUBmis tokens every 7 requests, ClassCharts sessions
//!    every 5): the week's reads come back whole, with no error.
//!
//! An HTTP 500 is retried for idempotent requests (GET, PUT, and the ClassCharts login and
//! ping, which only issue sessions) and never for a write once sent, so every vendor runs the
//! full mix; `*_without_5xx` also runs the rest of the mix (429, drops, truncation) alone. A further
//! plan with only after-the-handler faults (25 % drops, 25 % truncated bodies) drives the
//! POSTs into the outcome-unknown path on purpose.
//!
//! Writes are issued one at a time per emulator, so the emulator's `applied_writes` delta
//! across one call is exactly what that call did to the school.
//!
//! Wall time: every injected 429 costs about a second of real time, whatever the time scale
//! (the vendors' wait hints have whole-second resolution). So the independent parts of a
//! scenario run at once, each against an emulator of its own: the entities of a read (and
//! the fault-free read beside them), and the writes in [`LANES`] lanes.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use jiff::ToSpan;
use mis_core::VendorId;
use mis_core::{
    AttendanceCategory, AttendanceMark, AttendanceQuery, AttendanceWrite, BehaviourQuery,
    DateRange, MisProvider, MisProviderExt, Polarity, Session, Slot, StudentQuery, TimetableQuery,
};
use mis_http::{ClientOptions, OpenRequest, RetryConfig};
use mis_sandbox::emulator::{classcharts, classe365, go4schools, hubmis, managebac};
use mis_sandbox::{EmulatorDescriptor, EmulatorOptions, FaultPlan, Sandbox, School};

const SEED: u64 = 2026;
/// A small school: enough students for several pages, few enough requests for a fast run.
const SIZE: usize = 12;
/// Fault RNG seed (the chaos run can be replayed).
const CHAOS_SEED: u64 = 17;

/// Retries sized for the chaos mix, not for production.
///
/// Each attempt fails with probability at most 0.37 (0.20 + 0.10 + 0.05 + 0.02), so 16
/// attempts all fail with probability 0.37^16 ≈ 1.2e-7 per request: over the few hundred
/// requests of a run, practically never. Backoff is 1–20 ms so the run stays fast (429s still
/// wait for the server's hint, which is a minimum). There is **no retry budget**: the
/// budget's job is to stop a client from hammering a vendor that is failing a large share of
/// requests — which is exactly what this emulator does on purpose. The default budget (20 %
/// extra over 10 s plus 10 retries a second) would be spent within the first second of a
/// 37 %-failure burst and turn retryable faults into errors; `max_attempts` and the default
/// `max_elapsed` (120 s) still bound every request.
fn retry() -> RetryConfig {
    RetryConfig::default()
        .max_attempts(16)
        .base_delay(Duration::from_millis(1))
        .max_delay(Duration::from_millis(20))
        .no_budget()
}

/// The chaos mix, with 429 hints of 10 ms (vendors whose hint has whole-second resolution —
/// HUBmis, ManageBac — round that up to the next second).
fn chaos() -> FaultPlan {
    FaultPlan {
        retry_after: Duration::from_millis(10),
        ..FaultPlan::chaos(CHAOS_SEED)
    }
}

/// The chaos mix without any 5xx: for the vendors that, by design (see their `error.rs`
/// tables), do not retry a 500 even on a GET — HUBmis, ManageBac, ClassCharts.
/// `FaultPlan` draws 500/502/503 from one rate, so 502/503 cannot be kept without 500.
fn chaos_without_5xx() -> FaultPlan {
    FaultPlan {
        rate_5xx: 0.0,
        ..chaos()
    }
}

fn school() -> Arc<School> {
    Arc::new(School::generate(SEED, SIZE))
}

/// The vendor's windows (quota, token, session) at this scale.
fn time_scale(vendor: VendorId) -> f64 {
    match vendor {
        // 12 requests per 0.6 s; 15-minute token → 9 s.
        hubmis::ID => 0.01,
        // 1 s quota window → 10 ms.
        managebac::ID => 0.01,
        // Session idle limit 5 min → 15 s: long enough for the whole run.
        classcharts::ID => 0.05,
        go4schools::ID | classe365::ID => 0.05,
        other => panic!("no chaos settings for {other}"),
    }
}

/// The registered emulator of `vendor` (the registry is the one list of vendors).
fn emulator(vendor: VendorId) -> &'static EmulatorDescriptor {
    mis_cli::Registry::builtin()
        .get(vendor.as_str())
        .unwrap_or_else(|| panic!("{vendor} is registered"))
        .emulator
}

async fn start(vendor: VendorId, school: Arc<School>, faults: FaultPlan) -> Sandbox {
    start_scaled(vendor, school, faults, time_scale(vendor)).await
}

/// [`start`] at another time scale.
async fn start_scaled(
    vendor: VendorId,
    school: Arc<School>,
    faults: FaultPlan,
    time_scale: f64,
) -> Sandbox {
    Sandbox::start_with(
        emulator(vendor),
        school,
        faults,
        EmulatorOptions {
            time_scale,
            ..EmulatorOptions::default()
        },
        0,
    )
    .await
    .expect("the emulator starts")
}

/// One school week: the first five days with attendance (ClassCharts: with lesson marks;
/// ManageBac: three days, see below).
fn week(vendor: VendorId, school: &School) -> DateRange {
    let r = if vendor == classcharts::ID {
        school.lesson_mark_range.or(school.attendance_range)
    } else {
        school.attendance_range
    };
    let first = r.expect("the School has attendance").from();
    // ManageBac: two days. Its 429 hint (`X-RateLimit-Reset`) has whole-second resolution,
    // so each injected 429 closes the client's gate for up to a second; a whole week is ~320
    // requests, ~30 429s, ~30 s — over the CI budget for this crate. Its attendance is read
    // per class and date after every class's timetable (~60 requests whatever the range), so
    // each day more is another ~25 requests under the mix.
    // ClassCharts: two weeks. One pupil's week is now about nine requests (one login, one
    // attendance, five timetable days, the activity walk), too few for the fault plan to be
    // sure to draw a fault.
    let days = match vendor {
        managebac::ID => 1,
        classcharts::ID => 11,
        _ => 4,
    };
    DateRange::new(first, first.checked_add(days.days()).unwrap()).unwrap()
}

/// What the chaos run sets beyond the emulator's own client settings.
fn tuning(vendor: VendorId) -> &'static [(&'static str, &'static str)] {
    match vendor {
        // The pupil login (the emulator also accepts a parent's), and no client-side limit:
        // the emulator's is per session and generous.
        classcharts::ID => &[
            ("MIS_CLASSCHARTS_EMAIL", ""),
            ("MIS_CLASSCHARTS_PASSWORD", ""),
            ("MIS_CLASSCHARTS_QUOTA", "unlimited"),
        ],
        // Small pages: more requests for the faults to spoil.
        classe365::ID => &[("MIS_CLASSE365_PAGE_SIZE", "5")],
        // The emulator's quota is 10 per (scaled) 10 ms: stay under it.
        managebac::ID => &[("MIS_MANAGEBAC_QUOTA", "8/0.01")],
        // The subject here is faults, not the client's pace: at most 250 of the emulator's
        // 300 requests in its window (a minute, 3 s at this time scale), instead of GO's
        // default gate of 10 requests a second, which paced every request in real time.
        // GO 4 Schools' `tests/doctor_plan.rs` keeps the default gate against this emulator.
        go4schools::ID => &[("MIS_GO4SCHOOLS_QUOTA", "250/3")],
        _ => &[],
    }
}

/// The vendor's provider against `sandbox`, opened through the vendor registry from the
/// emulator's variables (base URL, credentials, its school's settings at its time scale),
/// with the chaos retry settings.
fn provider(vendor: VendorId, sandbox: &Sandbox) -> Arc<dyn MisProvider> {
    let registry = mis_cli::Registry::builtin();
    let entry = registry.lookup(vendor.as_str()).expect("registered");
    let mut env = sandbox.client_env();
    for (name, value) in tuning(vendor) {
        env.insert((*name).to_owned(), (*value).to_owned());
    }
    let lookup = |name: &str| env.get(name).cloned();
    let options = ClientOptions::from_lookup(vendor, lookup)
        .expect("the settings are good")
        .with_retry(retry());
    (entry.vendor.open)(OpenRequest::new(options, &lookup))
        .unwrap_or_else(|e| panic!("{vendor}: opens: {e}"))
}

/// Everything a provider reads of the week, each entity as a sorted multiset of records
/// (their JSON), so equality means: same records, none lost, none duplicated.
#[derive(Debug, PartialEq)]
struct Snapshot {
    students: Vec<String>,
    marks: Vec<String>,
    lessons: Vec<String>,
    behaviour: Vec<String>,
}

fn canon<T: serde::Serialize>(items: &[T]) -> Vec<String> {
    let mut v: Vec<String> = items
        .iter()
        .map(|i| serde_json::to_string(i).unwrap())
        .collect();
    v.sort();
    v
}

/// One entity a provider reads.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Entity {
    Students,
    Attendance,
    Lessons,
    Behaviour,
}

impl Entity {
    const ALL: [Entity; 4] = [
        Entity::Students,
        Entity::Attendance,
        Entity::Lessons,
        Entity::Behaviour,
    ];

    /// Whether a provider with `caps` reads this entity (students and attendance: always).
    fn supported(self, caps: &mis_core::Capabilities) -> bool {
        match self {
            Entity::Students | Entity::Attendance => true,
            Entity::Lessons => caps.timetable,
            Entity::Behaviour => caps.behaviour,
        }
    }
}

impl Snapshot {
    fn entity_mut(&mut self, entity: Entity) -> &mut Vec<String> {
        match entity {
            Entity::Students => &mut self.students,
            Entity::Attendance => &mut self.marks,
            Entity::Lessons => &mut self.lessons,
            Entity::Behaviour => &mut self.behaviour,
        }
    }
}

/// Reads one entity of `range` whole (as a sorted multiset); any error fails the test,
/// naming the entity.
async fn read_one(p: &dyn MisProvider, range: DateRange, entity: Entity) -> Vec<String> {
    let vendor = p.info().vendor.clone();
    match entity {
        Entity::Students => canon(
            &p.all_students(StudentQuery::new().include_leavers(true))
                .await
                .unwrap_or_else(|e| panic!("{vendor}: students: {e}")),
        ),
        Entity::Attendance => canon(
            &p.all_attendance(AttendanceQuery::new(range))
                .await
                .unwrap_or_else(|e| panic!("{vendor}: attendance: {e}")),
        ),
        Entity::Lessons => canon(
            &p.all_lessons(TimetableQuery::new(range))
                .await
                .unwrap_or_else(|e| panic!("{vendor}: timetable: {e}")),
        ),
        Entity::Behaviour => canon(
            &p.all_behaviour(BehaviourQuery::new(range))
                .await
                .unwrap_or_else(|e| panic!("{vendor}: behaviour: {e}")),
        ),
    }
}

/// Reads everything the provider supports, one entity after another, with one provider.
async fn read_all(p: &dyn MisProvider, range: DateRange) -> Snapshot {
    let caps = p.capabilities();
    let mut snapshot = Snapshot {
        students: Vec::new(),
        marks: Vec::new(),
        lessons: Vec::new(),
        behaviour: Vec::new(),
    };
    for entity in Entity::ALL {
        if entity.supported(&caps) {
            *snapshot.entity_mut(entity) = read_one(p, range, entity).await;
        }
    }
    snapshot
}

/// Entity by entity, so a failure says which one differs and how.
fn assert_same(vendor: VendorId, got: &Snapshot, want: &Snapshot) {
    let entities = [
        ("students", &got.students, &want.students),
        ("attendance marks", &got.marks, &want.marks),
        ("lessons", &got.lessons, &want.lessons),
        ("behaviour", &got.behaviour, &want.behaviour),
    ];
    for (name, got, want) in entities {
        if got != want {
            fn count(v: &[String]) -> BTreeMap<&str, i64> {
                let mut m: BTreeMap<&str, i64> = BTreeMap::new();
                for s in v {
                    *m.entry(s.as_str()).or_default() += 1;
                }
                m
            }
            let (g, w) = (count(got), count(want));
            let missing: Vec<_> = w
                .iter()
                .filter(|(k, n)| g.get(*k).copied().unwrap_or(0) < **n)
                .take(3)
                .collect();
            let extra: Vec<_> = g
                .iter()
                .filter(|(k, n)| w.get(*k).copied().unwrap_or(0) < **n)
                .take(3)
                .collect();
            panic!(
                "{vendor}: {name} differ from the fault-free read ({} vs {}); \
                 missing {missing:#?}; extra or duplicated {extra:#?}",
                got.len(),
                want.len()
            );
        }
    }
}

fn stat(sandbox: &Sandbox, f: impl Fn(&mis_sandbox::emulator::Stats) -> u64) -> u64 {
    f(sandbox.stats())
}

/// What one chaotic read lane read, and what its emulator saw.
struct Lane {
    records: Vec<String>,
    requests: u64,
    faults: u64,
    throttled: u64,
}

/// Reads one entity of the week, whole, through its own emulator under `plan` and its own
/// provider; any error fails the test, naming the entity.
async fn chaotic_lane(
    vendor: VendorId,
    school: Arc<School>,
    plan: FaultPlan,
    entity: Entity,
    range: DateRange,
) -> Lane {
    let t = std::time::Instant::now();
    let sandbox = start(vendor, school, plan).await;
    let p = provider(vendor, &sandbox);
    let records = read_one(&*p, range, entity).await;
    eprintln!(
        "{vendor}: {entity:?} lane: {} requests, {} throttled, {:?}",
        stat(&sandbox, |s| s.requests.load(Ordering::SeqCst)),
        stat(&sandbox, |s| s.throttled.load(Ordering::SeqCst)),
        t.elapsed()
    );
    Lane {
        records,
        requests: stat(&sandbox, |s| s.requests.load(Ordering::SeqCst)),
        faults: stat(&sandbox, |s| s.faults.load(Ordering::SeqCst)),
        throttled: stat(&sandbox, |s| s.throttled.load(Ordering::SeqCst)),
    }
}

/// Reads the week through chaos emulators and a clean one; the answers are the same.
///
/// Each entity the provider supports is read by a provider of its own against an emulator of
/// its own (the same school and fault mix, the fault seed moved on per entity), all at once
/// and alongside the fault-free read. Every injected 429 costs about a second of real time
/// (the vendors' wait hints have whole-second resolution), so reading the entities one
/// after another added those seconds up; concurrently they overlap. Each entity is still
/// read whole, through the provider's own prerequisites, under the full mix.
async fn reads_survive(vendor: VendorId, plan: FaultPlan) {
    let school = school();
    let range = week(vendor, &school);
    let clean = start(vendor, school.clone(), FaultPlan::none()).await;
    let clean_provider = provider(vendor, &clean);
    let caps = clean_provider.capabilities();
    let t = std::time::Instant::now();
    let lanes = Entity::ALL
        .into_iter()
        .filter(|e| e.supported(&caps))
        .enumerate()
        .map(|(i, entity)| {
            let plan = FaultPlan {
                seed: plan.seed + i as u64,
                ..plan.clone()
            };
            let school = school.clone();
            async move {
                (
                    entity,
                    chaotic_lane(vendor, school, plan, entity, range).await,
                )
            }
        });
    let (want, lanes) = tokio::join!(
        read_all(&*clean_provider, range),
        futures::future::join_all(lanes)
    );
    assert!(
        !want.students.is_empty(),
        "{vendor}: the school has students"
    );
    assert!(!want.marks.is_empty(), "{vendor}: the week has marks");

    let mut got = Snapshot {
        students: Vec::new(),
        marks: Vec::new(),
        lessons: Vec::new(),
        behaviour: Vec::new(),
    };
    let (mut requests, mut faults, mut throttled) = (0, 0, 0);
    for (entity, lane) in lanes {
        *got.entity_mut(entity) = lane.records;
        requests += lane.requests;
        faults += lane.faults;
        throttled += lane.throttled;
    }
    assert_same(vendor, &got, &want);
    eprintln!(
        "{vendor}: {requests} requests, {faults} faults, {throttled} throttled, {:?}",
        t.elapsed()
    );
    assert!(faults > 0, "{vendor}: the plan injected faults");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn go4schools_reads_survive_chaos() {
    reads_survive(go4schools::ID, chaos()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn classe365_reads_survive_chaos() {
    reads_survive(classe365::ID, chaos()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hubmis_reads_survive_chaos() {
    reads_survive(hubmis::ID, chaos()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hubmis_reads_survive_chaos_without_5xx() {
    reads_survive(hubmis::ID, chaos_without_5xx()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn classcharts_student_reads_survive_chaos() {
    reads_survive(classcharts::ID, chaos()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn classcharts_student_reads_survive_chaos_without_5xx() {
    reads_survive(classcharts::ID, chaos_without_5xx()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn managebac_reads_survive_chaos() {
    reads_survive(managebac::ID, chaos()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn managebac_reads_survive_chaos_without_5xx() {
    reads_survive(managebac::ID, chaos_without_5xx()).await;
}

/// Writes per vendor.
const WRITES: usize = 20;

/// Where and what to write: `(the mark there now, the write)`.
fn targets(vendor: VendorId, marks: &[AttendanceMark]) -> Vec<(AttendanceMark, AttendanceWrite)> {
    let (slot, codes): (Slot, [&str; 2]) = match vendor {
        go4schools::ID => (Slot::Session, ["/", "L"]),
        classe365::ID => (Slot::Day, ["present", "excused"]),
        managebac::ID => (Slot::Day, ["Present", "Excused"]),
        _ => unreachable!("{vendor} has no attendance writes"),
    };
    let mut seen = std::collections::BTreeSet::new();
    marks
        .iter()
        .filter(|m| m.slot == slot)
        .filter(|m| seen.insert((m.student_id.clone(), m.date, m.session)))
        .take(WRITES)
        .map(|m| {
            // Always a change, so the read-back tells whether it landed.
            let code = if m.code.eq_ignore_ascii_case(codes[0]) {
                codes[1]
            } else {
                codes[0]
            };
            let w = match m.session {
                Some(s) => AttendanceWrite::session(&m.student_id, m.date, s, code),
                None => AttendanceWrite::day(&m.student_id, m.date, code),
            };
            (m.clone(), w)
        })
        .collect()
}

/// What a ManageBac status label means (category, late): ManageBac reads a record written
/// through the API back by its category id (`"1"`), not its label, so its marks are compared
/// by meaning.
fn meaning(vendor: VendorId, code: &str) -> Option<(AttendanceCategory, bool)> {
    match (vendor, code) {
        (managebac::ID, "Present") => Some((AttendanceCategory::Present, false)),
        (managebac::ID, "Excused") => Some((AttendanceCategory::AuthorisedAbsence, false)),
        _ => None,
    }
}

/// Whether `mark` holds `code`: the same code, or (ManageBac) the same meaning.
fn reads_as(
    vendor: VendorId,
    mark: &AttendanceMark,
    code: &str,
    meaning: Option<(AttendanceCategory, bool)>,
) -> bool {
    mark.code.eq_ignore_ascii_case(code)
        || (vendor == managebac::ID && meaning == Some((mark.category, mark.late)))
}

/// What one write call returned, and what it did to the emulator's school.
#[derive(Debug)]
enum Outcome {
    Ok,
    Unknown,
    Failed(String),
}

/// Lanes the writes are split across.
const LANES: usize = 4;

/// Issues the [`WRITES`] writes under `plan`, split across [`LANES`] lanes that run at once.
///
/// Each lane has an emulator of its own (the same school, the fault seed moved on per lane)
/// and issues its share of the writes (`WRITES / LANES` of the same targets, in order) one at
/// a time, so every check below holds per lane exactly as for one emulator. Every injected
/// 429 costs about a second of real time (whole-second wait hints): one lane after another,
/// those seconds added up.
async fn writes_under(vendor: VendorId, plan: FaultPlan, idempotent: bool) {
    let lanes = (0..LANES).map(|lane| {
        let plan = FaultPlan {
            seed: plan.seed + lane as u64,
            ..plan.clone()
        };
        write_lane(vendor, plan, idempotent, lane)
    });
    let mut outcomes = Vec::new();
    let mut applied = 0;
    for (lane_outcomes, lane_applied) in futures::future::join_all(lanes).await {
        outcomes.extend(lane_outcomes);
        applied += lane_applied;
    }
    assert_eq!(outcomes.len(), WRITES, "{vendor}: every write was issued");
    let tally = |f: fn(&Outcome) -> bool| outcomes.iter().filter(|o| f(o)).count();
    eprintln!(
        "{vendor}: {WRITES} writes: {} ok, {} outcome unknown, {} failed; {} applied",
        tally(|o| matches!(o, Outcome::Ok)),
        tally(|o| matches!(o, Outcome::Unknown)),
        tally(|o| matches!(o, Outcome::Failed(_))),
        applied
    );
}

/// One lane of [`writes_under`]: its writes' outcomes, and how many writes its emulator
/// applied.
async fn write_lane(
    vendor: VendorId,
    plan: FaultPlan,
    idempotent: bool,
    lane: usize,
) -> (Vec<Outcome>, u64) {
    let school = school();
    // Three school days of the written register only: enough marks for the writes, few
    // requests per read-back (a ManageBac 429 hint has whole-second resolution, so every
    // injected 429 costs up to a second).
    let first = week(vendor, &school).from();
    let range = DateRange::new(first, first.checked_add(2.days()).unwrap()).unwrap();
    let slot = if vendor == go4schools::ID {
        Slot::Session
    } else {
        Slot::Day
    };
    let sandbox = start(vendor, school.clone(), plan).await;
    let p = provider(vendor, &sandbox);
    let before = p
        .all_attendance(AttendanceQuery::new(range).slot(slot))
        .await
        .unwrap_or_else(|e| panic!("{vendor}: attendance before writing: {e}"));
    let targets = targets(vendor, &before);
    assert_eq!(targets.len(), WRITES, "{vendor}: enough marks to overwrite");
    let share = WRITES / LANES;
    let targets = &targets[lane * share..(lane + 1) * share];
    let applied = || sandbox.stats().applied_writes.load(Ordering::SeqCst);
    assert_eq!(applied(), 0);

    let mut outcomes = Vec::new();
    for (old, w) in targets {
        let at = applied();
        let result = p.record_attendance(w.clone()).await;
        let delta = applied() - at;
        let outcome = match &result {
            Ok(_) => Outcome::Ok,
            Err(e) if e.is_outcome_unknown() => Outcome::Unknown,
            Err(e) => Outcome::Failed(e.to_string()),
        };
        let what = format!("{vendor}: write {w:?} over {:?}", old.code);
        if idempotent {
            // A PUT may be replayed: the server may apply it several times, to the same end.
            assert!(
                result.is_ok(),
                "{what}: an idempotent write is retried to success: {result:?}"
            );
            assert!(delta >= 1, "{what}: reported Ok but not applied");
        } else {
            assert!(delta <= 1, "{what}: a POST was applied {delta} times");
            match &outcome {
                Outcome::Ok => assert_eq!(delta, 1, "{what}: reported Ok but not applied"),
                Outcome::Unknown => {}
                Outcome::Failed(e) => assert_eq!(
                    delta, 0,
                    "{what}: applied, but reported as a plain failure (not outcome-unknown): {e}"
                ),
            }
        }
        outcomes.push(outcome);
    }
    if !idempotent {
        assert!(
            applied() <= share as u64,
            "{vendor}: {} writes applied for {share} issued",
            applied()
        );
    }

    // Read back (through the same faults): every write reported Ok is there; every plain
    // failure left the old mark.
    let after = p
        .all_attendance(AttendanceQuery::new(range).slot(slot))
        .await
        .unwrap_or_else(|e| panic!("{vendor}: attendance after writing: {e}"));
    let find = |w: &AttendanceWrite| {
        let here: Vec<&AttendanceMark> = after
            .iter()
            .filter(|m| {
                m.student_id == w.student_id
                    && m.date == w.date
                    && m.session == w.session
                    && m.lesson_id.is_none()
                    && m.slot != Slot::Lesson
            })
            .collect();
        assert_eq!(
            here.len(),
            1,
            "{vendor}: one mark per slot after writing: {here:#?}"
        );
        here[0].clone()
    };
    let is_new = |now: &AttendanceMark, w: &AttendanceWrite| {
        reads_as(vendor, now, &w.code, meaning(vendor, &w.code))
    };
    let is_old = |now: &AttendanceMark, old: &AttendanceMark| {
        reads_as(vendor, now, &old.code, Some((old.category, old.late)))
    };
    for ((old, w), outcome) in targets.iter().zip(&outcomes) {
        let now = find(w);
        match outcome {
            Outcome::Ok => assert!(
                is_new(&now, w),
                "{vendor}: {w:?} was reported Ok but reads back {now:?}"
            ),
            Outcome::Failed(e) => assert!(
                is_old(&now, old),
                "{vendor}: {w:?} failed ({e}) but reads back {now:?}, not {old:?}"
            ),
            Outcome::Unknown => assert!(
                is_new(&now, w) || is_old(&now, old),
                "{vendor}: {w:?} (outcome unknown) reads back {now:?}"
            ),
        }
    }
    (outcomes, applied())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn go4schools_session_posts_are_never_applied_twice() {
    writes_under(go4schools::ID, chaos(), false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn classe365_attendance_posts_are_never_applied_twice() {
    writes_under(classe365::ID, chaos(), false).await;
}

/// Faults after the handler ran, often: a dropped connection or a truncated 200 body means
/// the POST was applied but the client cannot know — every one must be outcome-unknown.
fn after_the_handler() -> FaultPlan {
    FaultPlan {
        rate_drop: 0.25,
        rate_truncate: 0.25,
        seed: CHAOS_SEED,
        ..FaultPlan::none()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn go4schools_posts_lost_after_the_handler_are_outcome_unknown() {
    writes_under(go4schools::ID, after_the_handler(), false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn classe365_posts_lost_after_the_handler_are_outcome_unknown() {
    writes_under(classe365::ID, after_the_handler(), false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn managebac_homeroom_puts_end_in_the_intended_state() {
    writes_under(managebac::ID, chaos(), true).await;
}

/// The same PUTs under 429s, dropped connections and truncated bodies: replayed to the
/// intended state.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn managebac_homeroom_puts_end_in_the_intended_state_without_5xx() {
    writes_under(managebac::ID, chaos_without_5xx(), true).await;
}

/// Credentials expire every `every` authenticated requests during the week's reads.
async fn expiry_mid_stream(vendor: VendorId, every: u64) {
    let school = school();
    let range = week(vendor, &school);
    // Half the chaos runs' time scale: no 429 is injected here (nothing waits whole seconds),
    // and the time goes on the client pacing itself to the vendor's quota (HUBmis: 12
    // requests per 0.3 s instead of 0.6 s; its 15-minute token lasts 4.5 s, longer than the
    // run). The credentials still expire every `every` requests.
    let scale = time_scale(vendor) / 2.0;
    let clean = start_scaled(vendor, school.clone(), FaultPlan::none(), scale).await;
    let plan = FaultPlan {
        expire_every: Some(every),
        ..FaultPlan::none()
    };
    let expiring = start_scaled(vendor, school.clone(), plan, scale).await;
    let p = provider(vendor, &expiring);
    // The fault-free read runs alongside (its own emulator and provider): nothing the
    // expiring run does depends on it until the comparisons.
    let clean_provider = provider(vendor, &clean);
    let expiring_run = async {
        // The long stream first, on its own: the week's attendance.
        let marks = p
            .all_attendance(AttendanceQuery::new(range))
            .await
            .unwrap_or_else(|e| panic!("{vendor}: attendance with expiring credentials: {e}"));
        (marks, read_all(&*p, range).await)
    };
    let (want, (marks, got)) = tokio::join!(read_all(&*clean_provider, range), expiring_run);
    assert_eq!(canon(&marks), want.marks, "{vendor}: attendance");
    assert_same(vendor, &got, &want);
    let logins = stat(&expiring, |s| s.logins.load(Ordering::SeqCst));
    assert!(
        logins >= 2,
        "{vendor}: expired credentials were replaced ({logins} logins)"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hubmis_tokens_expiring_every_7_requests() {
    expiry_mid_stream(hubmis::ID, 7).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn classcharts_sessions_expiring_every_5_requests() {
    expiry_mid_stream(classcharts::ID, 5).await;
}

/// The school really has both polarities, so behaviour equality means something.
#[test]
fn the_school_has_behaviour_of_both_polarities() {
    let school = school();
    for p in [Polarity::Positive, Polarity::Negative] {
        assert!(school.behaviour_events().any(|e| e.polarity == p), "{p:?}");
    }
    assert!(
        school
            .session_marks
            .iter()
            .any(|m| m.session == Some(Session::Am))
    );
}
