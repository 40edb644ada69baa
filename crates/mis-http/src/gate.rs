//! The rate gate: client-side request limiting shared by everyone using one vendor quota.
//!
//! Vendors limit per credential or per IP, not per client object, so a gate is shared by every
//! clone of a client, by the authenticator's token requests (they count against the quota
//! too), and optionally by separately built clients (same `Arc<RateGate>`, or the same key in
//! the process-wide registry). The gate waits; it fails a request only when its turn cannot come
//! within the time the request has left, because a server wait hint keeps the gate closed or
//! because too many requests are queued ahead of it for the quota's spacing
//! ([`RateGate::wait_within`]).
//!
//! An adaptive gate ([`RateLimit::adaptive`]) also follows the server's own count: while the
//! responses' `X-RateLimit-Remaining` says there is allowance to spare it lets requests through
//! without the spacing, and falls back to the spacing as the allowance drains.

use std::collections::HashMap;
use std::fmt;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError, Weak};
use std::task::{Context, Poll, ready};
use std::time::Duration;

use std::future::Future;
use std::pin::Pin;

use futures::future::{BoxFuture, Either};
use governor::clock::Clock as _;
use governor::middleware::NoOpMiddleware;
use governor::state::{InMemoryState, NotKeyed};
use governor::{Quota, RateLimiter};
use mis_core::{Error, ErrorKind, Result};
use tokio::time::Instant;
use tower::{Layer, Service, ServiceExt};

use crate::clock::{TokioClock, TokioInstant};
use crate::meta::Progress;
use crate::{Request, Response};

type Limiter = RateLimiter<NotKeyed, InMemoryState, TokioClock, NoOpMiddleware<TokioInstant>>;

/// How fast requests may be sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    quota: Option<Quota>,
    /// Adaptive: requests beyond this many left in the server's `X-RateLimit-Remaining` skip
    /// the spacing.
    adaptive_reserve: Option<u32>,
}

impl RateLimit {
    /// No client-side limit (429 wait hints still close the gate).
    pub fn unlimited() -> Self {
        RateLimit {
            quota: None,
            adaptive_reserve: None,
        }
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
        RateLimit {
            quota,
            adaptive_reserve: None,
        }
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
        RateLimit {
            quota: Some(quota),
            adaptive_reserve: None,
        }
    }

    /// Makes the limit adaptive: while the server's `X-RateLimit-Remaining` (read from every
    /// response) says more than `reserve` requests are left, requests go without waiting for
    /// the spacing; at `reserve` or below, the spacing applies again. Requests sent after the
    /// response that reported the count are subtracted from it, so concurrent senders cannot
    /// overdraw it together. Before the first count arrives, the spacing applies.
    ///
    /// For a server whose allowance is a token bucket (HUBmis's 500 per client, refilled at
    /// one request every 5 s): bursts while tokens remain, then one request per refill.
    pub fn adaptive(mut self, reserve: u32) -> Self {
        self.adaptive_reserve = Some(reserve);
        self
    }

    /// The reserve of an adaptive limit, `None` when the limit is strict.
    pub fn adaptive_reserve(&self) -> Option<u32> {
        self.adaptive_reserve
    }

    /// The governor quota, `None` when unlimited.
    pub fn quota(&self) -> Option<Quota> {
        self.quota
    }
}

/// The shortest spacing wait the gate reports as a `wait_ms` event.
const SPACING_WORTH_SAYING: Duration = Duration::from_secs(1);

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
    /// What the server last said of its allowance (adaptive limits only).
    allowance: Mutex<Allowance>,
    /// Waiters take turns: tokio's mutex is fair (FIFO), so a request cannot be overtaken
    /// forever, and only one waiter at a time sleeps on the limiter (no thundering herd).
    turn: tokio::sync::Mutex<()>,
    /// Callers queued for the spacing (waiting for their turn or holding it), so a newcomer
    /// can tell at once when its place in the queue is further off than it may wait.
    queued: AtomicUsize,
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
            allowance: Mutex::new(Allowance::default()),
            turn: tokio::sync::Mutex::new(()),
            queued: AtomicUsize::new(0),
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
        // Without a limit on the wait, it cannot fail.
        let _ = self.wait_within(None).await;
    }

    /// Waits until a request may be sent and takes its slot, for at most `budget`. Returns how
    /// long it waited.
    ///
    /// When the wait would outlast `budget` the call fails with `RateLimited` carrying the
    /// expected wait ([`Error::retry_after`]) instead of sleeping in vain, and it fails as
    /// soon as that is known: at once for a server wait hint that keeps the gate closed
    /// longer, or for a place in the spacing queue that cannot come round in time (with the
    /// quota's spacing of 5 s and 30 callers queued ahead, the next one waits at least
    /// 150 s); otherwise when the budget runs out while still queued, or when the quota's
    /// next slot is further off than what is left of it.
    ///
    /// A wait hint is waited out by every caller at the same time, not in turn: only the
    /// quota's own spacing is served one caller after another (FIFO, so none is overtaken
    /// forever). `None` waits as long as it takes.
    pub async fn wait_within(&self, budget: Option<Duration>) -> Result<Duration> {
        // The common case, an open gate with no limit, reads no clock.
        if self.limiter.is_none() && self.closed_until().is_none() {
            return Ok(Duration::ZERO);
        }
        let began = Instant::now();
        // `None` (no budget, or one too long to add to a clock reading): no deadline.
        let deadline = budget.and_then(|b| began.checked_add(b));
        loop {
            self.wait_out_closure(budget, began).await?;
            let Some(limiter) = &self.limiter else {
                return Ok(began.elapsed());
            };
            let ahead = self.queued.fetch_add(1, Ordering::SeqCst);
            let _queued = Queued(&self.queued);
            if let Some(deadline) = deadline {
                let soonest = self.spacing_for(ahead);
                if Instant::now() + soonest > deadline {
                    // The callers ahead take at least this long: fail now, not at the deadline.
                    return Err(spacing_error(soonest));
                }
            }
            let _turn = match deadline {
                Some(deadline) => tokio::time::timeout_at(deadline, self.turn.lock())
                    .await
                    .map_err(|_| {
                        // Still queued at the deadline (the queue moved slower than the
                        // spacing alone: more closures, or a fuller bucket than assumed).
                        let others = self.queued.load(Ordering::SeqCst).saturating_sub(1);
                        spacing_error(self.spacing_for(others).max(self.interval()))
                    })?,
                None => self.turn.lock().await,
            };
            loop {
                if self
                    .closed_until()
                    .is_some_and(|until| until > Instant::now())
                {
                    // Closed while we queued: wait it out with everyone else, then queue again.
                    break;
                }
                if self.take_allowance() {
                    return Ok(began.elapsed());
                }
                match limiter.check() {
                    Ok(()) => {
                        self.count_sent();
                        return Ok(began.elapsed());
                    }
                    Err(not_until) => {
                        // Never spin: a zero wait means "now", but rounding could repeat it.
                        let wait = not_until
                            .wait_time_from(TokioClock.now())
                            .max(Duration::from_millis(1));
                        if deadline.is_some_and(|deadline| Instant::now() + wait > deadline) {
                            return Err(spacing_error(wait));
                        }
                        // A wait a person notices (HUBmis: 5 s between requests) is said, so a
                        // progress line can show it; the short ones are not (one event per
                        // request would cost more than it tells).
                        if wait >= SPACING_WORTH_SAYING {
                            tracing::debug!(
                                wait_ms = wait.as_millis() as u64,
                                "rate gate spacing: waiting for the next slot"
                            );
                        }
                        tokio::time::sleep(wait).await;
                    }
                }
            }
        }
    }

    /// The quota's spacing between two requests (zero when unlimited).
    fn interval(&self) -> Duration {
        self.limit
            .quota
            .map_or(Duration::ZERO, |q| q.replenish_interval())
    }

    /// The least time the quota's spacing needs before a caller with `ahead` callers queued
    /// in front of it gets its slot: each of them takes one, and a full burst lets as many
    /// through at once. Zero for an adaptive limit, whose reported allowance may let the whole
    /// queue through without spacing.
    fn spacing_for(&self, ahead: usize) -> Duration {
        let Some(quota) = self.limit.quota else {
            return Duration::ZERO;
        };
        if self.limit.adaptive_reserve.is_some() {
            return Duration::ZERO;
        }
        let burst = usize::try_from(quota.burst_size().get()).unwrap_or(usize::MAX);
        let spaced = u32::try_from((ahead + 1).saturating_sub(burst)).unwrap_or(u32::MAX);
        quota.replenish_interval().saturating_mul(spaced)
    }

    /// Adaptive: takes one request of the server's reported allowance when more than the
    /// reserve is left.
    fn take_allowance(&self) -> bool {
        let Some(reserve) = self.limit.adaptive_reserve else {
            return false;
        };
        let mut a = self
            .allowance
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let Some((remaining, seen_seq)) = a.reported else {
            return false;
        };
        // Requests sent after the one whose response reported the count may not be in it.
        let since = a.sent.saturating_sub(seen_seq);
        if remaining.saturating_sub(since) > u64::from(reserve) {
            a.sent += 1;
            true
        } else {
            false
        }
    }

    /// Counts a request let through by the spacing (adaptive limits keep the count).
    fn count_sent(&self) {
        if self.limit.adaptive_reserve.is_some() {
            self.allowance
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .sent += 1;
        }
    }

    /// The send sequence number of the request about to go out (adaptive limits).
    fn sent(&self) -> u64 {
        self.allowance
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .sent
    }

    /// Reads `X-RateLimit-Remaining` from a response to a request that was the `seq`-th sent.
    pub(crate) fn observe(&self, response: &Response, seq: u64) {
        if self.limit.adaptive_reserve.is_none() {
            return;
        }
        let Some(remaining) = response
            .headers()
            .get(&crate::classify::X_RATELIMIT_REMAINING)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
        else {
            return;
        };
        let mut a = self
            .allowance
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        // The latest-sent request's count is the most recent view of the server.
        if a.reported.is_none_or(|(_, seen)| seq >= seen) {
            a.reported = Some((remaining, seq));
        }
    }

    /// Sleeps while a wait hint keeps the gate closed, or fails when the closure outlasts
    /// what is left of `budget` (measured from `began`).
    async fn wait_out_closure(&self, budget: Option<Duration>, began: Instant) -> Result<()> {
        while let Some(until) = self.closed_until() {
            let now = Instant::now();
            if until <= now {
                // Reopened: forget the closure, so the next caller takes the fast path.
                let mut closed = self
                    .closed_until
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner);
                if *closed == Some(until) {
                    *closed = None;
                }
                return Ok(());
            }
            let wait = until - now;
            if let Some(budget) = budget {
                if wait > budget.saturating_sub(began.elapsed()) {
                    return Err(Error::new(
                        ErrorKind::RateLimited,
                        format!(
                            "the vendor asked for a pause of {} s before the next request, \
                             longer than this request may still wait",
                            wait.as_secs_f64().ceil()
                        ),
                    )
                    .with_retry_after(wait));
                }
            }
            tracing::debug!(
                wait_ms = wait.as_millis() as u64,
                "rate gate closed by a server wait hint"
            );
            tokio::time::sleep_until(until).await;
        }
        Ok(())
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

/// Counts a caller out of the spacing queue however it leaves (served, failed or dropped).
struct Queued<'a>(&'a AtomicUsize);

impl Drop for Queued<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// The error of a caller whose turn at the quota's spacing would come after its deadline.
fn spacing_error(wait: Duration) -> Error {
    Error::new(
        ErrorKind::RateLimited,
        format!(
            "the client-side rate limit would hold this request for at least {} s, longer \
             than it may still wait",
            wait.as_secs_f64().ceil()
        ),
    )
    .with_retry_after(wait)
}

/// An adaptive gate's view of the server's allowance.
#[derive(Debug, Default)]
struct Allowance {
    /// Requests let through so far.
    sent: u64,
    /// The last `X-RateLimit-Remaining` and the send count when its request went out.
    reported: Option<(u64, u64)>,
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

/// The gate layer: wait at the gate, send, and close the gate on a 429 with a wait hint.
#[derive(Clone)]
pub(crate) struct GateLayer {
    pub(crate) gate: Arc<RateGate>,
}

impl<S> Layer<S> for GateLayer {
    type Service = GateService<S>;

    fn layer(&self, inner: S) -> GateService<S> {
        GateService {
            inner,
            gate: self.gate.clone(),
        }
    }
}

/// See [`GateLayer`].
#[derive(Clone)]
pub(crate) struct GateService<S> {
    inner: S,
    gate: Arc<RateGate>,
}

impl<S> Service<Request> for GateService<S>
where
    S: Service<Request, Response = Response, Error = Error> + Clone + Send + 'static,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = Error;
    type Future = Either<GateFuture<S::Future>, BoxFuture<'static, Result<Response>>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<()>> {
        // The fast path calls this very service; the slow path a ready clone (`oneshot`).
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        if self.gate.limiter.is_none() && self.gate.closed_until().is_none() {
            // Nothing to wait for (no limit, never closed): send at once, unboxed.
            return Either::Left(GateFuture {
                sent: self.inner.call(request),
                gate: self.gate.clone(),
            });
        }
        let inner = self.inner.clone();
        let gate = self.gate.clone();
        Either::Right(Box::pin(async move {
            let progress = Progress::of(&request).cloned();
            // The wait (a hint's closure, the queue for the spacing) may last only as long as
            // this request has retry time left (or, for a token request, the request that
            // needs the token). Queueing does not use that time up; it is only the bound.
            let budget = progress
                .as_ref()
                .and_then(|p| p.remaining())
                .or_else(crate::auth::inherited_budget);
            let began = Instant::now();
            let waited = gate.wait_within(budget).await;
            if let Some(progress) = &progress {
                // Queueing is not retry time, also when the wait ended in `RateLimited`: the
                // retry layer then judges the hint against the retry time actually used.
                progress.add_queued(began.elapsed());
            }
            waited?;
            let seq = gate.sent();
            let result = inner.oneshot(request).await;
            match &result {
                Err(e) if e.kind() == ErrorKind::RateLimited => {
                    if let Some(wait) = e.retry_after() {
                        gate.close_for(wait);
                    }
                }
                Ok(response) => gate.observe(response, seq),
                Err(_) => {}
            }
            result
        }))
    }
}

pin_project_lite::pin_project! {
    /// The gate's future when it had nothing to wait for: closes the gate on a hinted 429.
    pub(crate) struct GateFuture<F> {
        #[pin]
        sent: F,
        gate: Arc<RateGate>,
    }
}

impl<F: Future<Output = Result<Response>>> Future for GateFuture<F> {
    type Output = Result<Response>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let result = ready!(this.sent.poll(cx));
        if let Err(e) = &result {
            if e.kind() == ErrorKind::RateLimited {
                if let Some(wait) = e.retry_after() {
                    this.gate.close_for(wait);
                }
            }
        }
        Poll::Ready(result)
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
