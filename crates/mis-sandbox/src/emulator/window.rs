//! A sliding-window request counter: how vendors enforce "N requests in any T".

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Admits at most `limit` requests in any window of `window`, like the HUBmis quota
/// (12 in any 60 s, per IP). Time is passed in so tests can use a scaled-down window.
#[derive(Debug)]
pub struct SlidingWindow {
    limit: usize,
    window: Duration,
    seen: Mutex<VecDeque<Instant>>,
}

/// The answer for one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    /// Allowed; this many remain in the current window.
    Allowed {
        /// Requests left in the window after this one.
        remaining: usize,
    },
    /// Refused; the oldest request in the window leaves it after this long.
    Refused {
        /// When a request will next be admitted.
        retry_after: Duration,
    },
}

impl SlidingWindow {
    /// At most `limit` requests in any `window`.
    pub fn new(limit: usize, window: Duration) -> Self {
        SlidingWindow {
            limit,
            window,
            seen: Mutex::new(VecDeque::new()),
        }
    }

    /// The limit.
    pub fn limit(&self) -> usize {
        self.limit
    }

    /// Counts a request arriving at `now`, or refuses it. Refused requests are not counted,
    /// as a real server's quota counts what it serves.
    pub fn admit(&self, now: Instant) -> Admission {
        let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        while seen
            .front()
            .is_some_and(|t| now.duration_since(*t) >= self.window)
        {
            seen.pop_front();
        }
        if seen.len() >= self.limit {
            // With a limit of 0 nothing is ever admitted: wait a whole window.
            let waited = seen
                .front()
                .map_or(Duration::ZERO, |t| now.duration_since(*t));
            return Admission::Refused {
                retry_after: self.window.saturating_sub(waited),
            };
        }
        seen.push_back(now);
        Admission::Allowed {
            remaining: self.limit - seen.len(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_thirteenth_in_a_minute_is_refused() {
        let w = SlidingWindow::new(12, Duration::from_secs(60));
        let t0 = Instant::now();
        for i in 0..12 {
            assert!(matches!(
                w.admit(t0 + Duration::from_secs(i)),
                Admission::Allowed { .. }
            ));
        }
        match w.admit(t0 + Duration::from_secs(30)) {
            Admission::Refused { retry_after } => assert_eq!(retry_after, Duration::from_secs(30)),
            other => panic!("{other:?}"),
        }
        // Once the first request is 60 s old, one more fits.
        assert_eq!(
            w.admit(t0 + Duration::from_secs(60)),
            Admission::Allowed { remaining: 0 }
        );
    }
}
