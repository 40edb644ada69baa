//! The rate gate: client-side request limiting shared by everyone using one vendor quota.
//!
//! Vendors limit per credential or per IP, not per client object, so a gate is shared by every
//! clone of a client, by the authenticator's token requests (they count against the quota
//! too), and optionally by separately built clients (same `Arc<RateGate>`, or the same key in
//! the process-wide registry). The gate waits; it never fails a request.

use std::collections::HashMap;
use std::fmt;
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex, OnceLock, PoisonError, Weak};
use std::task::{Context, Poll};
use std::time::Duration;

use futures::future::BoxFuture;
use governor::clock::Clock as _;
use governor::middleware::NoOpMiddleware;
use governor::state::{InMemoryState, NotKeyed};
use governor::{Quota, RateLimiter};
use mis_core::{Error, ErrorKind, Result};
use tokio::time::Instant;
use tower::{Service, ServiceExt};

use crate::clock::{TokioClock, TokioInstant};
use crate::{HttpService, Request, Response};

type Limiter = RateLimiter<NotKeyed, InMemoryState, TokioClock, NoOpMiddleware<TokioInstant>>;

/// How fast requests may be sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    quota: Option<Quota>,
}

impl RateLimit {
    /// No client-side limit (429 wait hints still close the gate).
    pub fn unlimited() -> Self {
        RateLimit { quota: None }
    }

    /// One request every `period`, with bursts of at most `burst` (0 is read as 1, a zero
    /// period as one nanosecond).
    ///
    /// In any window of length `w` at most `burst + w / period` requests are sent; for a hard
    /// "at most N per window" use [`RateLimit::at_most`].
    pub fn per_period(period: Duration, burst: u32) -> Self {
        let period = period.max(Duration::from_nanos(1));
        let burst = NonZeroU32::new(burst).unwrap_or(NonZeroU32::MIN);
        let quota = Quota::with_period(period).map(|q| q.allow_burst(burst));
        RateLimit { quota }
    }

    /// At most `n` requests in ANY window of length `window`: one every `window / n`, no burst.
    ///
    /// HUBmis's "12 requests per minute" is `at_most(12, 60 s)`, i.e. one every 5 s. (governor's
    /// `Quota::per_minute(12)` would allow a burst of 12 and then one every 5 s: 23 in the
    /// first minute.)
    pub fn at_most(n: u32, window: Duration) -> Self {
        RateLimit::per_period(window / n.max(1), 1)
    }

    /// Uses a governor quota as it is.
    pub fn from_quota(quota: Quota) -> Self {
        RateLimit { quota: Some(quota) }
    }

    /// The governor quota, `None` when unlimited.
    pub fn quota(&self) -> Option<Quota> {
        self.quota
    }
}

/// Parses a quota written as `REQUESTS/SECONDS` (`12/60`, `10/1s`, `12/0.6`) or `unlimited`,
/// as vendor crates read it from their `MIS_<VENDOR>_QUOTA` settings.
///
/// Returns `None` for `unlimited`, else the request count and the window. A zero count, a
/// window that is not a positive number of seconds, or one longer than a day is
/// `InvalidInput` naming the text.
pub fn parse_quota(text: &str) -> Result<Option<(u32, Duration)>> {
    let v = text.trim();
    if v.eq_ignore_ascii_case("unlimited") {
        return Ok(None);
    }
    let bad = || {
        Error::invalid_input(format!(
            "quota {text:?} is not REQUESTS/SECONDS (e.g. 12/60) or `unlimited`"
        ))
    };
    let (n, secs) = v.split_once('/').ok_or_else(bad)?;
    let n: u32 = n.trim().parse().map_err(|_| bad())?;
    let secs: f64 = secs
        .trim()
        .trim_end_matches('s')
        .parse()
        .map_err(|_| bad())?;
    if n == 0 || !secs.is_finite() || secs <= 0.0 || secs > 86_400.0 {
        return Err(bad());
    }
    Ok(Some((n, Duration::from_secs_f64(secs))))
}

impl std::str::FromStr for RateLimit {
    type Err = Error;

    /// `REQUESTS/SECONDS` as a hard "at most N in any window" limit, or `unlimited`
    /// (see [`parse_quota`]).
    fn from_str(text: &str) -> Result<RateLimit> {
        Ok(match parse_quota(text)? {
            Some((n, window)) => RateLimit::at_most(n, window),
            None => RateLimit::unlimited(),
        })
    }
}

impl Default for RateLimit {
    fn default() -> Self {
        RateLimit::unlimited()
    }
}

/// A shared limiter plus a cooldown closed by server wait hints.
pub struct RateGate {
    limit: RateLimit,
    limiter: Option<Limiter>,
    closed_until: Mutex<Option<Instant>>,
    /// Waiters take turns: tokio's mutex is fair (FIFO), so a request cannot be overtaken
    /// forever, and only one waiter at a time sleeps on the limiter (no thundering herd).
    turn: tokio::sync::Mutex<()>,
}

impl RateGate {
    /// The longest a single wait hint may close the gate. A server (or a misparsed date) asking
    /// for hours would otherwise park every caller that long; after this, one request goes out,
    /// and if the server still refuses, its new hint closes the gate again.
    pub const MAX_CLOSE: Duration = Duration::from_secs(15 * 60);

    /// A new gate, not shared with anyone until the `Arc` is handed on.
    pub fn new(limit: RateLimit) -> Arc<RateGate> {
        Arc::new(RateGate {
            limit,
            limiter: limit
                .quota
                .map(|q| RateLimiter::direct_with_clock(q, TokioClock)),
            closed_until: Mutex::new(None),
            turn: tokio::sync::Mutex::new(()),
        })
    }

    /// The gate registered under `key` in this process, created with `limit` if there is none.
    ///
    /// Use a key naming the vendor and the credential's public part, e.g.
    /// `hubmis:<client_id>`, never a secret. When the gate already exists its limit wins over
    /// `limit`. Gates are dropped once no client holds them.
    pub fn shared(key: &str, limit: RateLimit) -> Arc<RateGate> {
        static REGISTRY: OnceLock<Mutex<HashMap<String, Weak<RateGate>>>> = OnceLock::new();
        let mut map = REGISTRY
            .get_or_init(Default::default)
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(gate) = map.get(key).and_then(Weak::upgrade) {
            if gate.limit != limit {
                tracing::debug!(
                    "rate gate already registered with another limit; keeping the first"
                );
            }
            return gate;
        }
        map.retain(|_, gate| gate.strong_count() > 0);
        let gate = RateGate::new(limit);
        map.insert(key.to_owned(), Arc::downgrade(&gate));
        gate
    }

    /// The configured limit.
    pub fn limit(&self) -> RateLimit {
        self.limit
    }

    /// Waits until a request may be sent, and takes its slot.
    pub async fn wait(&self) {
        let _turn = self.turn.lock().await;
        loop {
            if let Some(until) = self.closed_until() {
                if until > Instant::now() {
                    tracing::debug!(
                        wait_ms = (until - Instant::now()).as_millis() as u64,
                        "rate gate closed by a server wait hint"
                    );
                    tokio::time::sleep_until(until).await;
                    continue;
                }
            }
            let Some(limiter) = &self.limiter else {
                return;
            };
            match limiter.check() {
                Ok(()) => return,
                Err(not_until) => {
                    let wait = not_until.wait_time_from(TokioClock.now());
                    // Never spin: a zero wait means "now", but rounding could repeat it.
                    tokio::time::sleep(wait.max(Duration::from_millis(1))).await;
                }
            }
        }
    }

    /// Closes the gate for everyone sharing it for `wait` (at most [`RateGate::MAX_CLOSE`]) from now.
    /// A gate already closed for longer stays closed for longer.
    pub fn close_for(&self, wait: Duration) {
        let until = Instant::now() + wait.min(Self::MAX_CLOSE);
        let mut closed = self
            .closed_until
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if closed.is_none_or(|c| c < until) {
            *closed = Some(until);
        }
    }

    /// When the gate opens again, if a wait hint closed it.
    pub fn closed_until(&self) -> Option<Instant> {
        *self
            .closed_until
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

impl fmt::Debug for RateGate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The registry key is left out: a careless caller might have used a secret in it.
        f.debug_struct("RateGate")
            .field("limit", &self.limit)
            .field("closed_until", &self.closed_until())
            .finish()
    }
}

/// The stack layer: wait at the gate, send, and close the gate on a 429 with a wait hint.
#[derive(Clone)]
pub(crate) struct GateService {
    pub(crate) inner: HttpService,
    pub(crate) gate: Arc<RateGate>,
}

impl Service<Request> for GateService {
    type Response = Response;
    type Error = Error;
    type Future = BoxFuture<'static, Result<Response>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request) -> Self::Future {
        let inner = self.inner.clone();
        let gate = self.gate.clone();
        Box::pin(async move {
            gate.wait().await;
            let result = inner.oneshot(request).await;
            if let Err(e) = &result {
                if e.kind() == ErrorKind::RateLimited {
                    if let Some(wait) = e.retry_after() {
                        gate.close_for(wait);
                    }
                }
            }
            result
        })
    }
}

#[cfg(test)]
mod quota_text_tests {
    use super::*;

    #[test]
    fn quotas_parse_and_bad_ones_are_named() {
        assert_eq!(
            parse_quota("12/60").unwrap(),
            Some((12, Duration::from_secs(60)))
        );
        assert_eq!(
            parse_quota(" 10/1s ").unwrap(),
            Some((10, Duration::from_secs(1)))
        );
        assert_eq!(
            parse_quota("12/0.12").unwrap(),
            Some((12, Duration::from_millis(120)))
        );
        assert_eq!(parse_quota("Unlimited").unwrap(), None);
        for bad in [
            "",
            "12",
            "0/60",
            "12/0",
            "12/-1",
            "x/60",
            "12/NaN",
            "12/100000",
        ] {
            let e = parse_quota(bad).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::InvalidInput, "{bad}");
        }
        assert_eq!(
            "12/60".parse::<RateLimit>().unwrap(),
            RateLimit::at_most(12, Duration::from_secs(60))
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn at_most_12_per_minute_spaces_requests_5s_apart() {
        let gate = RateGate::new(RateLimit::at_most(12, Duration::from_secs(60)));
        let start = Instant::now();
        let mut at = Vec::new();
        for _ in 0..13 {
            gate.wait().await;
            at.push(start.elapsed());
        }
        assert_eq!(at[0], Duration::ZERO);
        assert!(at[12] >= Duration::from_secs(60), "{at:?}");
        for pair in at.windows(2) {
            assert!(pair[1] - pair[0] >= Duration::from_secs(5), "{at:?}");
        }
    }

    #[tokio::test(start_paused = true)]
    async fn closing_delays_everyone() {
        let gate = RateGate::new(RateLimit::unlimited());
        gate.close_for(Duration::from_secs(10));
        gate.close_for(Duration::from_secs(3)); // shorter: no effect
        let start = Instant::now();
        gate.wait().await;
        assert!(start.elapsed() >= Duration::from_secs(10));
        gate.close_for(Duration::from_secs(24 * 3600));
        let start = Instant::now();
        gate.wait().await;
        assert_eq!(start.elapsed(), RateGate::MAX_CLOSE);
    }

    #[test]
    fn registry_shares_by_key() {
        let a = RateGate::shared(
            "test:registry",
            RateLimit::at_most(1, Duration::from_secs(1)),
        );
        let b = RateGate::shared("test:registry", RateLimit::unlimited());
        assert!(Arc::ptr_eq(&a, &b));
        let c = RateGate::shared("test:other", RateLimit::unlimited());
        assert!(!Arc::ptr_eq(&a, &c));
    }
}
