//! Fault injection: what an emulator does wrong, on purpose, and how often.
//!
//! A [`FaultPlan`] holds rates; [`Faults`] draws from them with a seeded RNG so a failing
//! chaos run can be replayed. Faults that stop a request before the handler (429, 5xx) leave
//! the school untouched; faults that spoil the response after the handler (dropped
//! connection, truncated body) happen *after* a write was applied — exactly the case where a
//! client cannot know whether its write landed.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use serde::{Deserialize, Serialize};

/// Rates (0.0–1.0) of each fault, and the knobs that shape them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FaultPlan {
    /// Answer 429 with the vendor's rate-limit headers.
    pub rate_429: f64,
    /// Answer 500, 502 or 503.
    pub rate_5xx: f64,
    /// Delay the response by [`FaultPlan::slow_delay`].
    pub rate_slow: f64,
    /// Drop the connection after the handler ran (no complete response).
    pub rate_drop: f64,
    /// Send a body shorter than its `Content-Length`, then close.
    pub rate_truncate: f64,
    /// Send a complete 200 response whose JSON is malformed.
    pub rate_malformed: f64,
    /// How long a slow response waits.
    pub slow_delay: Duration,
    /// The wait hint sent with an injected 429.
    pub retry_after: Duration,
    /// Expire the token / session after every N authenticated requests (`None`: only the
    /// vendor's own expiry rules apply).
    pub expire_every: Option<u64>,
    /// Seed of the fault RNG.
    pub seed: u64,
    /// Deterministic faults that touch one record, one student or one auxiliary read.
    #[serde(default)]
    pub records: RecordFaults,
    /// How the school itself is set up wrong for an integration: what `mis doctor` must find.
    #[serde(default)]
    pub onboarding: OnboardingFaults,
}

/// A school's set-up, as onboarding finds it wrong: a module switched off for the
/// integration's credentials, a code the school invented, no time zone set. Deterministic.
///
/// A wrong tenant (realm, subdomain) is not a fault of the school: a client that names a
/// school the emulator does not serve gets the vendor's own answer for an unknown tenant.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OnboardingFaults {
    /// One module is disabled for these credentials: its routes answer 403 with the
    /// vendor's body for a missing permission or module. Each emulator documents which
    /// module (one `mis doctor` probes).
    #[serde(default)]
    pub disabled_module: bool,
    /// The school has a code (or attendance category) of its own, which the DfE table does
    /// not know: it is in the code book where the API has one, and on the marks of the
    /// school's first student on roll.
    #[serde(default)]
    pub school_code: bool,
    /// The school has no time zone set in the MIS: the school record's zone is empty or
    /// absent, where the API serves one.
    #[serde(default)]
    pub missing_time_zone: bool,
}

impl OnboardingFaults {
    /// Every onboarding fault.
    pub fn all() -> OnboardingFaults {
        OnboardingFaults {
            disabled_module: true,
            school_code: true,
            missing_time_zone: true,
        }
    }

    /// The code a school invents when [`OnboardingFaults::school_code`] is on: `QR`, with the
    /// label `Quarantine room`. Two letters, so no DfE table knows it (a single letter would
    /// not do: `Q` itself became a DfE code on 19 August 2024, "unable to attend because of a
    /// lack of access arrangements").
    pub const SCHOOL_CODE: &'static str = "QR";
    /// The label of [`OnboardingFaults::SCHOOL_CODE`].
    pub const SCHOOL_CODE_LABEL: &'static str = "Quarantine room";
}

/// Faults that cost one record, one student's sub-resource or one auxiliary read: what a
/// provider must survive with a warning (the partial-failure scenario of `mis-testkit`).
///
/// They are deterministic (no RNG), so a test knows which student is touched: the school's
/// student at [`RecordFaults::MALFORMED_STUDENT`] and [`RecordFaults::MISSING_STUDENT`] (indexes
/// into `School::students`, both on roll in every generated school).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordFaults {
    /// The students list renders one record malformed: a field of the wrong JSON type, its
    /// `id` intact (what a real MIS sends when one pupil's data is corrupt).
    pub malformed_record: bool,
    /// One student's sub-resource answers 404 (HUBmis enrolment, a per-pupil call, one
    /// ManageBac class of that student): each emulator documents which.
    pub missing_subresource: bool,
    /// One auxiliary endpoint, used only to enrich a read, answers 403 (a disabled module):
    /// each emulator documents which.
    pub forbidden_auxiliary: bool,
    /// Every GET answers 422 with an error body that echoes the records it would have
    /// served (`{"message": "The given data was invalid.", "errors": …, "data": <records>}`),
    /// as validation errors of some frameworks do: pupil data inside an error body, which no
    /// client error message may repeat. Not part of [`RecordFaults::all`].
    #[serde(default)]
    pub echo_error: bool,
    /// Every GET answering more than 1 KiB (a list page) answers 200 with the last tenth of
    /// its JSON cut off (a complete response whose JSON ends mid-record, as a misbehaving
    /// proxy or a vendor's own crash mid-write sends): the
    /// decode error that follows must describe the body without its pupil data. Not part of
    /// [`RecordFaults::all`].
    #[serde(default)]
    pub cut_body: bool,
}

impl RecordFaults {
    /// Index in `School::students` of the student whose list record is malformed.
    pub const MALFORMED_STUDENT: usize = 1;
    /// Index in `School::students` of the student whose sub-resource answers 404.
    pub const MISSING_STUDENT: usize = 2;

    /// All three faults.
    pub fn all() -> Self {
        RecordFaults {
            malformed_record: true,
            missing_subresource: true,
            forbidden_auxiliary: true,
            echo_error: false,
            cut_body: false,
        }
    }

    /// Whether none is on.
    pub fn is_clean(&self) -> bool {
        *self == RecordFaults::default()
    }
}

impl Default for FaultPlan {
    fn default() -> Self {
        FaultPlan::none()
    }
}

impl FaultPlan {
    /// No faults at all.
    pub fn none() -> Self {
        FaultPlan {
            rate_429: 0.0,
            rate_5xx: 0.0,
            rate_slow: 0.0,
            rate_drop: 0.0,
            rate_truncate: 0.0,
            rate_malformed: 0.0,
            slow_delay: Duration::from_millis(200),
            retry_after: Duration::from_secs(1),
            expire_every: None,
            seed: 0,
            records: RecordFaults::default(),
            onboarding: OnboardingFaults::default(),
        }
    }

    /// The partial-failure plan: no random faults, and every [`RecordFaults`] fault on.
    pub fn degraded() -> Self {
        FaultPlan {
            records: RecordFaults::all(),
            ..FaultPlan::none()
        }
    }

    /// The chaos mix of the evidence issue: 20 % 5xx, 10 % 429, 5 % dropped connections,
    /// 2 % truncated bodies.
    pub fn chaos(seed: u64) -> Self {
        FaultPlan {
            rate_429: 0.10,
            rate_5xx: 0.20,
            rate_drop: 0.05,
            rate_truncate: 0.02,
            seed,
            ..FaultPlan::none()
        }
    }

    /// Whether the plan injects nothing at all (no random fault, no record fault).
    pub fn is_clean(&self) -> bool {
        self.is_random_clean()
            && self.records.is_clean()
            && self.onboarding == OnboardingFaults::default()
    }

    /// Whether the plan draws no random fault and expires no credential.
    pub fn is_random_clean(&self) -> bool {
        self.rate_429
            + self.rate_5xx
            + self.rate_slow
            + self.rate_drop
            + self.rate_truncate
            + self.rate_malformed
            == 0.0
            && self.expire_every.is_none()
    }
}

/// One drawn fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Serve normally.
    None,
    /// Answer 429.
    TooManyRequests,
    /// Answer with this 5xx status.
    ServerError(u16),
    /// Serve normally, late.
    Slow,
    /// Run the handler, then drop the connection.
    Drop,
    /// Run the handler, then send half the body.
    Truncate,
    /// Run the handler, then send broken JSON with a 200.
    Malformed,
}

/// What an emulator did: the numbers tests compare.
#[derive(Debug, Default)]
pub struct Stats {
    /// Requests received (including faulted ones).
    pub requests: AtomicU64,
    /// Writes the emulator applied to its school.
    pub applied_writes: AtomicU64,
    /// Faults injected (any kind).
    pub faults: AtomicU64,
    /// 429s sent (injected or by the vendor's real quota).
    pub throttled: AtomicU64,
    /// Tokens / sessions issued.
    pub logins: AtomicU64,
    /// Requests per route: `"GET /api/v1/students/{id}/attendance"` → count (the route's
    /// template, so a per-student call is one key however many students).
    pub routes: Mutex<std::collections::BTreeMap<String, u64>>,
}

impl Stats {
    /// Reads a counter.
    pub fn get(counter: &AtomicU64) -> u64 {
        counter.load(Ordering::SeqCst)
    }

    /// Counts one request to `route`.
    pub fn count_route(&self, route: String) {
        let mut routes = self.routes.lock().unwrap_or_else(|p| p.into_inner());
        *routes.entry(route).or_default() += 1;
    }

    /// Requests so far, per route.
    pub fn routes(&self) -> std::collections::BTreeMap<String, u64> {
        self.routes
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Requests so far, in all.
    pub fn requests(&self) -> u64 {
        Stats::get(&self.requests)
    }
}

/// A plan plus its RNG and counters, shared by one emulator's handlers.
#[derive(Debug)]
pub struct Faults {
    plan: FaultPlan,
    rng: Mutex<StdRng>,
    authed: AtomicU64,
}

impl Faults {
    /// Faults drawn from `plan`.
    pub fn new(plan: FaultPlan) -> Self {
        let rng = Mutex::new(StdRng::seed_from_u64(plan.seed));
        Faults {
            plan,
            rng,
            authed: AtomicU64::new(0),
        }
    }

    /// The plan.
    pub fn plan(&self) -> &FaultPlan {
        &self.plan
    }

    /// Draws the fault for one request.
    pub fn draw(&self) -> Fault {
        if self.plan.is_random_clean() {
            return Fault::None;
        }
        let mut rng = self.rng.lock().unwrap_or_else(|p| p.into_inner());
        let x: f64 = rng.random();
        let p = &self.plan;
        let mut edge = 0.0;
        let mut hit = |rate: f64| {
            edge += rate;
            x < edge
        };
        if hit(p.rate_429) {
            Fault::TooManyRequests
        } else if hit(p.rate_5xx) {
            Fault::ServerError([500, 502, 503][rng.random_range(0..3)])
        } else if hit(p.rate_drop) {
            Fault::Drop
        } else if hit(p.rate_truncate) {
            Fault::Truncate
        } else if hit(p.rate_malformed) {
            Fault::Malformed
        } else if hit(p.rate_slow) {
            Fault::Slow
        } else {
            Fault::None
        }
    }

    /// Counts one authenticated request and says whether the credential it used should now
    /// be treated as expired (every `expire_every` requests).
    pub fn credential_expires_now(&self) -> bool {
        match self.plan.expire_every {
            Some(n) if n > 0 => (self.authed.fetch_add(1, Ordering::SeqCst) + 1) % n == 0,
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_clean_plan_never_faults() {
        let f = Faults::new(FaultPlan::none());
        assert!((0..1000).all(|_| f.draw() == Fault::None));
        assert!(!(0..1000).any(|_| f.credential_expires_now()));
    }

    #[test]
    fn rates_are_roughly_honoured_and_replayable() {
        let draw = |seed| {
            let f = Faults::new(FaultPlan::chaos(seed));
            (0..10_000).map(|_| f.draw()).collect::<Vec<_>>()
        };
        let a = draw(1);
        assert_eq!(a, draw(1), "same seed, same faults");
        let share = |pred: fn(&Fault) -> bool| a.iter().filter(|f| pred(f)).count() as f64 / 1e4;
        let s429 = share(|f| *f == Fault::TooManyRequests);
        let s5xx = share(|f| matches!(f, Fault::ServerError(_)));
        let sdrop = share(|f| *f == Fault::Drop);
        assert!((0.08..0.12).contains(&s429), "{s429}");
        assert!((0.17..0.23).contains(&s5xx), "{s5xx}");
        assert!((0.035..0.065).contains(&sdrop), "{sdrop}");
    }

    #[test]
    fn expiry_every_n() {
        let f = Faults::new(FaultPlan {
            expire_every: Some(3),
            ..FaultPlan::none()
        });
        let got: Vec<bool> = (0..7).map(|_| f.credential_expires_now()).collect();
        assert_eq!(got, [false, false, true, false, false, true, false]);
    }
}
