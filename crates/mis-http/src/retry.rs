//! The retry layer.
//!
//! It decides on typed errors (`Error::is_retryable`, `Error::retry_after`) and on how far the
//! failed attempt got ([`Dispatch`]). Rules, in order:
//!
//! 1. only errors that say they are retryable are retried;
//! 2. the idempotency gate: a request that is not idempotent (POST, PATCH, or marked so) is
//!    replayed only if the failed attempt never reached the server (a connect error, a failed
//!    token request) or the server refused it without processing it (429, 408). When such a
//!    request fails after it may have been applied — a timeout, a dropped connection, a 500,
//!    502 or 504 — the error is marked `outcome_unknown`;
//! 3. at most `max_attempts` attempts;
//! 4. the next attempt must start within `max_elapsed` of retry time, counting only time spent
//!    on attempts and back-off (not time queued at a shared rate gate); a server wait hint
//!    longer than the time left means giving up at once rather than sleeping in vain;
//! 5. a retry must be paid for from a `TpsBudget` shared by every clone of the client, so a
//!    failing vendor sees a bounded fraction of extra traffic instead of a retry storm.
//!
//! The delay is exponential backoff with full jitter — uniform in
//! `[0, min(max_delay, base_delay * 2^(retry - 1))]` — and never less than the server's hint.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use futures::future::BoxFuture;
use mis_core::{Error, ErrorKind, Result};
use rand::RngExt;
use tower::retry::budget::{Budget, TpsBudget};
use tower::{Layer, Service, ServiceExt};

use crate::meta::{Dispatch, Progress, RequestMeta, Resend, clone_request, prepared};
use crate::{Request, Response};

/// Retry settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RetryConfig {
    max_attempts: u32,
    base_delay: Duration,
    max_delay: Duration,
    max_elapsed: Duration,
    budget: Option<BudgetSettings>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
struct BudgetSettings {
    ttl: Duration,
    min_per_sec: u32,
    retry_percent: f32,
}

impl Default for RetryConfig {
    /// 4 attempts, backoff from 500 ms capped at 30 s, 2 minutes in all, and a budget of 20 %
    /// extra requests over 10 s (plus 10 retries a second for quiet clients).
    fn default() -> Self {
        RetryConfig {
            max_attempts: 4,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(30),
            max_elapsed: Duration::from_secs(120),
            budget: Some(BudgetSettings {
                ttl: Duration::from_secs(10),
                min_per_sec: 10,
                retry_percent: 0.2,
            }),
        }
    }
}

impl RetryConfig {
    /// No retries at all (one attempt).
    pub fn none() -> Self {
        RetryConfig::default().max_attempts(1)
    }

    /// Total attempts, the first included (at least 1).
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// The backoff before the first retry (before jitter); it doubles per retry.
    pub fn base_delay(mut self, delay: Duration) -> Self {
        self.base_delay = delay;
        self
    }

    /// The largest backoff (before jitter). Server hints may ask for longer.
    pub fn max_delay(mut self, delay: Duration) -> Self {
        self.max_delay = delay;
        self
    }

    /// The most retry time a request may use: the next attempt must start within it. Only
    /// time spent on attempts and back-off counts; time queued at the rate gate (behind other
    /// requests sharing it) or waiting for another request's credential refresh does not.
    /// Each such wait is bounded by the retry time left, though: a request whose turn at the
    /// gate, or whose credential, cannot come within it fails (`RateLimited` at the gate,
    /// carrying the expected wait) instead of waiting on.
    pub fn max_elapsed(mut self, elapsed: Duration) -> Self {
        self.max_elapsed = elapsed;
        self
    }

    /// The retry budget (`tower::retry::budget::TpsBudget`): over a window of `ttl` (clamped
    /// to 1–60 s), retries may add `retry_percent` (clamped to 0–1000; 0.2 = one retry per five
    /// requests) on top of `min_per_sec` retries a second.
    pub fn budget(mut self, ttl: Duration, min_per_sec: u32, retry_percent: f32) -> Self {
        // TpsBudget asserts these ranges; clamp so a bad config cannot panic at build time.
        let percent = if retry_percent.is_nan() {
            0.0
        } else {
            retry_percent.clamp(0.0, 1000.0)
        };
        self.budget = Some(BudgetSettings {
            ttl: ttl.clamp(Duration::from_secs(1), Duration::from_secs(60)),
            min_per_sec: min_per_sec.min(i32::MAX as u32 - 1),
            retry_percent: percent,
        });
        self
    }

    /// No retry budget: only attempts and elapsed time limit retries.
    pub fn no_budget(mut self) -> Self {
        self.budget = None;
        self
    }

    /// Total attempts allowed.
    pub fn attempts(&self) -> u32 {
        self.max_attempts
    }
}

/// The retry decisions, shared by every clone of a client (and its budget with them).
#[derive(Debug)]
pub(crate) struct RetryPolicy {
    config: RetryConfig,
    budget: Option<TpsBudget>,
}

impl RetryPolicy {
    pub(crate) fn new(config: RetryConfig) -> Self {
        let budget = config
            .budget
            .map(|b| TpsBudget::new(b.ttl, b.min_per_sec, b.retry_percent));
        RetryPolicy { config, budget }
    }

    /// Full jitter: uniform in `[0, min(max_delay, base * 2^(retry - 1))]`.
    fn backoff(&self, retry: u32) -> Duration {
        let factor = 1u32 << retry.saturating_sub(1).min(30);
        let cap = self
            .config
            .base_delay
            .saturating_mul(factor)
            .min(self.config.max_delay);
        let nanos = u64::try_from(cap.as_nanos()).unwrap_or(u64::MAX);
        Duration::from_nanos(rand::rng().random_range(0..=nanos))
    }

    /// Starts the request's retry clock and pays into the budget (first sight only).
    pub(crate) fn begin(&self, progress: &Progress) {
        if progress.start(self.config.max_elapsed) {
            if let Some(budget) = &self.budget {
                budget.deposit();
            }
        }
    }

    /// The delay before the next attempt, or why there is none.
    ///
    /// `progress` says how much retry time was used: attempts and back-off only, not time
    /// queued at the rate gate.
    pub(crate) fn decide(
        &self,
        meta: &RequestMeta,
        dispatch: &Dispatch,
        progress: &Progress,
        error: &Error,
    ) -> std::result::Result<Duration, &'static str> {
        if !error.is_retryable() {
            return Err("the error is not retryable");
        }
        if !meta.is_idempotent()
            && dispatch.may_have_reached_server()
            && !refused_unprocessed(error)
        {
            return Err("the request is not idempotent and may have reached the server");
        }
        let attempt = progress.attempts();
        if attempt >= self.config.max_attempts {
            return Err("no attempts left");
        }
        let hint = error.retry_after().unwrap_or(Duration::ZERO);
        let delay = self.backoff(attempt).max(hint);
        if progress.used() + delay > self.config.max_elapsed {
            return Err("the next attempt would start after the total time allowed");
        }
        if let Some(budget) = &self.budget {
            if !budget.withdraw() {
                return Err("the retry budget is spent");
            }
        }
        Ok(delay)
    }

    /// Decides after a failed attempt, logs, and marks an unknown outcome on a final error.
    /// `Ok(delay)`: sleep, then send the next attempt (already counted).
    pub(crate) fn after_failure(
        &self,
        meta: &RequestMeta,
        dispatch: &Dispatch,
        progress: &Progress,
        error: Error,
    ) -> std::result::Result<Duration, Error> {
        let attempt = progress.attempts();
        match self.decide(meta, dispatch, progress, &error) {
            Ok(delay) => {
                tracing::debug!(
                    attempt,
                    kind = error.kind().as_str(),
                    delay_ms = delay.as_millis() as u64,
                    "retrying"
                );
                progress.next_attempt();
                Ok(delay)
            }
            Err(reason) => {
                tracing::debug!(
                    attempt,
                    kind = error.kind().as_str(),
                    reason,
                    "not retrying"
                );
                if outcome_unknown(meta, dispatch, &error) {
                    Err(error.with_outcome_unknown())
                } else {
                    Err(error)
                }
            }
        }
    }
}

/// The server answered that it did not process the request.
fn refused_unprocessed(error: &Error) -> bool {
    error.kind() == ErrorKind::RateLimited || error.status() == Some(408)
}

/// Whether a final error for `meta` leaves the vendor's state unknown: the request was not
/// idempotent, reached the server, and then timed out, lost its connection, or got a 500, 502
/// or 504 (the server, or a gateway in front of it, may have applied it before failing). A
/// 503 means the server refused the work, so the outcome is known: not applied.
fn outcome_unknown(meta: &RequestMeta, dispatch: &Dispatch, error: &Error) -> bool {
    if meta.is_idempotent() || !dispatch.may_have_reached_server() || error.is_outcome_unknown() {
        return false;
    }
    match error.status() {
        Some(status) => matches!(status, 500 | 502 | 504),
        None => matches!(error.kind(), ErrorKind::Timeout | ErrorKind::Unavailable),
    }
}

/// The retry layer (see the module docs).
#[derive(Clone)]
pub(crate) struct RetryLayer {
    pub(crate) policy: Arc<RetryPolicy>,
}

impl<S> Layer<S> for RetryLayer {
    type Service = RetryService<S>;

    fn layer(&self, inner: S) -> RetryService<S> {
        RetryService {
            inner,
            policy: self.policy.clone(),
        }
    }
}

/// The retry service: sends attempts through `inner` until one succeeds or the policy says
/// stop.
#[derive(Clone)]
pub(crate) struct RetryService<S> {
    inner: S,
    policy: Arc<RetryPolicy>,
}

impl<S> Service<Request> for RetryService<S>
where
    S: Service<Request, Response = Response, Error = Error> + Clone + Send + 'static,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = Error;
    type Future = RetryFuture<S, S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<()>> {
        // The first attempt goes through this very service; later ones through a clone.
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request) -> Self::Future {
        let (progress, meta) = prepared(&mut request);
        self.policy.begin(&progress);
        // Keep a copy for the next attempt; none when there can be no next attempt.
        let next = (self.policy.config.max_attempts > 1).then(|| Resend::of(&request));
        // The first attempt is sent from here, unboxed: the boxed retry loop is only built
        // once an attempt has failed.
        RetryFuture {
            first: self.inner.call(request),
            rest: None,
            ctx: Some(RetryCtx {
                inner: self.inner.clone(),
                policy: self.policy.clone(),
                next,
                meta,
                progress,
            }),
        }
    }
}

/// What the retry loop needs once the first attempt failed.
pub(crate) struct RetryCtx<S> {
    inner: S,
    policy: Arc<RetryPolicy>,
    next: Option<Resend>,
    meta: RequestMeta,
    progress: Arc<Progress>,
}

pin_project_lite::pin_project! {
    /// The future of [`RetryService`]: the first attempt, then (after a failure) the loop.
    pub(crate) struct RetryFuture<S, F> {
        #[pin]
        first: F,
        rest: Option<BoxFuture<'static, Result<Response>>>,
        ctx: Option<RetryCtx<S>>,
    }
}

impl<S, F> Future for RetryFuture<S, F>
where
    S: Service<Request, Response = Response, Error = Error> + Clone + Send + 'static,
    S::Future: Send + 'static,
    F: Future<Output = Result<Response>>,
{
    type Output = Result<Response>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        if let Some(rest) = this.rest {
            return rest.as_mut().poll(cx);
        }
        let error = match ready!(this.first.poll(cx)) {
            Ok(response) => return Poll::Ready(Ok(response)),
            Err(error) => error,
        };
        let Some(ctx) = this.ctx.take() else {
            return Poll::Ready(Err(error));
        };
        let dispatch = Dispatch(ctx.progress.clone());
        let outcome = ctx
            .policy
            .after_failure(&ctx.meta, &dispatch, &ctx.progress, error);
        let (delay, next) = match (outcome, ctx.next) {
            (Ok(delay), Some(next)) => (delay, next),
            (Ok(_), None) => return Poll::Ready(Err(placeholder())),
            (Err(error), _) => return Poll::Ready(Err(error)),
        };
        let rest = this.rest.insert(Box::pin(retry_loop(
            ctx.inner,
            ctx.policy,
            next.into_request(),
            ctx.meta,
            ctx.progress,
            delay,
        )));
        rest.as_mut().poll(cx)
    }
}

/// The attempts after the first: sleep `delay`, send, decide, until done.
async fn retry_loop<S>(
    inner: S,
    policy: Arc<RetryPolicy>,
    mut request: Request,
    meta: RequestMeta,
    progress: Arc<Progress>,
    mut delay: Duration,
) -> Result<Response>
where
    S: Service<Request, Response = Response, Error = Error> + Clone + Send + 'static,
    S::Future: Send + 'static,
{
    loop {
        tokio::time::sleep(delay).await;
        // The next attempt has not been sent yet.
        progress.reset_dispatch();
        let next = clone_request(&request);
        let dispatch = Dispatch(progress.clone());
        let error = match inner.clone().oneshot(request).await {
            Ok(response) => return Ok(response),
            Err(error) => error,
        };
        delay = policy.after_failure(&meta, &dispatch, &progress, error)?;
        request = next;
    }
}

/// Only for a logic error: `after_failure` with no attempts left never answers `Ok`.
fn placeholder() -> Error {
    Error::new(ErrorKind::Unavailable, "no attempts left")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_is_full_jitter_under_the_cap() {
        let policy = RetryPolicy::new(
            RetryConfig::default()
                .base_delay(Duration::from_millis(100))
                .max_delay(Duration::from_secs(1)),
        );
        for retry in 1..40 {
            let cap = Duration::from_millis(100)
                .saturating_mul(1 << (retry - 1).min(30))
                .min(Duration::from_secs(1));
            for _ in 0..50 {
                assert!(policy.backoff(retry) <= cap);
            }
        }
        // Jitter: not always the same value.
        let samples: std::collections::HashSet<_> = (0..20).map(|_| policy.backoff(5)).collect();
        assert!(samples.len() > 1);
    }

    #[test]
    fn budget_settings_are_clamped() {
        let c = RetryConfig::default().budget(Duration::ZERO, u32::MAX, f32::NAN);
        let _ = RetryPolicy::new(c); // would panic inside TpsBudget without clamping
        let c = RetryConfig::default().budget(Duration::from_secs(3600), 0, 5000.0);
        let _ = RetryPolicy::new(c);
    }
}
