//! Time sources.
//!
//! Two clocks, for two jobs:
//! - a wall clock ([`Clock`]) turns absolute wait hints (`X-RateLimit-Reset: 2021-10-28
//!   01:29:40 UTC`, HUBmis Unix times, HTTP-dates) into durations. Tests fake it.
//! - everything that waits or measures (backoff, the rate gate, timeouts, credential renewal)
//!   uses `tokio::time`, so tests can run with `#[tokio::test(start_paused = true)]` and never
//!   sleep for real. [`TokioClock`] makes governor use the same time.

use std::fmt::Debug;
use std::ops::Add;
use std::time::Duration;

use governor::nanos::Nanos;
use jiff::Timestamp;

/// A wall clock: "now" as an absolute instant.
pub trait Clock: Send + Sync + Debug + 'static {
    /// The current time.
    fn now(&self) -> Timestamp;
}

/// The system's wall clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        Timestamp::now()
    }
}

/// A governor clock that reads `tokio::time::Instant`.
///
/// governor's own clocks read real time, and its `until_ready` sleeps with `futures-timer`,
/// which tokio's paused test time cannot advance. The rate gate therefore asks governor with
/// this clock and sleeps with `tokio::time::sleep` itself.
#[derive(Debug, Clone, Copy, Default)]
pub struct TokioClock;

/// A `tokio::time::Instant` that governor can do arithmetic on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct TokioInstant(pub tokio::time::Instant);

impl Add<Nanos> for TokioInstant {
    type Output = TokioInstant;

    fn add(self, other: Nanos) -> TokioInstant {
        TokioInstant(self.0 + Duration::from(other))
    }
}

impl governor::clock::Reference for TokioInstant {
    fn duration_since(&self, earlier: Self) -> Nanos {
        self.0.saturating_duration_since(earlier.0).into()
    }

    fn saturating_sub(&self, duration: Nanos) -> Self {
        self.0
            .checked_sub(duration.into())
            .map_or(*self, TokioInstant)
    }
}

impl governor::clock::Clock for TokioClock {
    type Instant = TokioInstant;

    fn now(&self) -> TokioInstant {
        TokioInstant(tokio::time::Instant::now())
    }
}

/// The time from `now` until `then`; zero when `then` is in the past.
pub(crate) fn until(now: Timestamp, then: Timestamp) -> Duration {
    let d = then.duration_since(now);
    if d.is_negative() {
        Duration::ZERO
    } else {
        Duration::try_from(d).unwrap_or(Duration::ZERO)
    }
}

#[cfg(feature = "test-util")]
#[cfg_attr(docsrs, doc(cfg(feature = "test-util")))]
pub use fake::FakeClock;

#[cfg(feature = "test-util")]
mod fake {
    use std::sync::{Arc, Mutex, PoisonError};
    use std::time::Duration;

    use jiff::{SignedDuration, Timestamp};

    use super::Clock;

    /// A wall clock for tests that moves with tokio time.
    ///
    /// It starts at a fixed instant and advances by however much `tokio::time` advances, so
    /// an absolute wait hint computed from it matches a `tokio::time::Instant` measurement in
    /// a paused-time test. [`FakeClock::set`] and [`FakeClock::advance`] move it by hand.
    #[derive(Debug, Clone)]
    pub struct FakeClock {
        state: Arc<Mutex<(Timestamp, tokio::time::Instant)>>,
    }

    impl FakeClock {
        /// A clock that reads `start` now.
        pub fn new(start: Timestamp) -> Self {
            FakeClock {
                state: Arc::new(Mutex::new((start, tokio::time::Instant::now()))),
            }
        }

        /// Makes the clock read `now` from this moment on.
        pub fn set(&self, now: Timestamp) {
            let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
            *state = (now, tokio::time::Instant::now());
        }

        /// Moves the clock forward without moving tokio time.
        pub fn advance(&self, by: Duration) {
            let now = self.now();
            let by = SignedDuration::try_from(by).unwrap_or(SignedDuration::MAX);
            self.set(now.checked_add(by).unwrap_or(Timestamp::MAX));
        }
    }

    impl Clock for FakeClock {
        fn now(&self) -> Timestamp {
            let (start, at) = *self.state.lock().unwrap_or_else(PoisonError::into_inner);
            let elapsed = SignedDuration::try_from(at.elapsed()).unwrap_or(SignedDuration::MAX);
            start.checked_add(elapsed).unwrap_or(Timestamp::MAX)
        }
    }
}
