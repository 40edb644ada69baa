//! The per-attempt timeout.
//!
//! It sits inside the rate gate, so time spent waiting for a slot (up to a minute at HUBmis's
//! 12 requests per minute) is not counted against the request; and inside retry, so a timeout
//! ends one attempt, not the whole retry loop.
//!
//! Not `tower::timeout::Timeout`: a request may override the client's timeout
//! ([`RequestMeta::timeout`]), which tower's fixed-duration layer cannot express, and its
//! error would be a `BoxError` to convert back. It behaves like `tokio::time::timeout` (the
//! future tower uses): the deadline is taken when the attempt is called, the timer is only
//! armed once the attempt is pending, and it fires at that deadline.
//!
//! Unlike `tokio::time::timeout`, the timer is reused. Each client keeps the timers of
//! finished attempts ([`Timers`]), still registered with the runtime's timer wheel, and the
//! next attempt moves one of them to its own deadline. A later deadline on a registered timer
//! is a single atomic update in tokio, where a fresh timer takes the timer driver's lock, a
//! wheel insertion and, when it is earlier than the time the driver last planned to wake at
//! (no earlier timer on the runtime), a wake-up of the driver: a write to the runtime's event
//! fd and another turn of its loop. In the stack-overhead example (a 30 s timeout, a bare
//! reqwest request between two of the client's, no other early timer) that was about half of
//! the client's requests.
//!
//! A kept timer that passes its old deadline while idle wakes the task that last used it
//! once, spuriously; a timer moved to an earlier deadline (a request with a shorter timeout)
//! is registered again, as a fresh one would be. A kept timer holds a handle to its
//! runtime's driver: a timer of a runtime that has ended is dropped by the next attempt that
//! finds it, or with the client.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};
use std::time::Duration;

use mis_core::{Error, ErrorKind, Result};
use tokio::runtime::{Handle, Id};
use tokio::time::{Instant, Sleep};
use tower::{Layer, Service};

use crate::meta::RequestMeta;
use crate::{Request, Response};

/// The timeout layer.
#[derive(Clone)]
pub(crate) struct TimeoutLayer {
    timeout: Duration,
    timers: Arc<Timers>,
}

impl TimeoutLayer {
    /// A layer timing out attempts after `timeout` (unless a request sets its own), with a
    /// new set of kept timers.
    pub(crate) fn new(timeout: Duration) -> Self {
        TimeoutLayer {
            timeout,
            timers: Arc::new(Timers::default()),
        }
    }
}

impl<S> Layer<S> for TimeoutLayer {
    type Service = TimeoutService<S>;

    fn layer(&self, inner: S) -> TimeoutService<S> {
        TimeoutService {
            inner,
            timeout: self.timeout,
            timers: self.timers.clone(),
        }
    }
}

/// See [`TimeoutLayer`].
#[derive(Clone)]
pub(crate) struct TimeoutService<S> {
    inner: S,
    timeout: Duration,
    timers: Arc<Timers>,
}

impl<S> Service<Request> for TimeoutService<S>
where
    S: Service<Request, Response = Response, Error = Error>,
{
    type Response = Response;
    type Error = Error;
    type Future = TimeoutFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<()>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        let timeout = RequestMeta::of(&request).timeout().unwrap_or(self.timeout);
        TimeoutFuture {
            // As `tokio::time::timeout`: a deadline past the end of time means no timer.
            deadline: Instant::now().checked_add(timeout),
            inner: self.inner.call(request),
            timeout,
            timer: None,
            timers: self.timers.clone(),
        }
    }
}

/// At most this many idle timers are kept per client: as many attempts as were in flight at
/// once, up to this, then reuse a timer; any more are dropped when their attempt ends.
const KEEP: usize = 16;

/// A client's idle timers (see the module docs).
#[derive(Default)]
pub(crate) struct Timers {
    idle: Mutex<Vec<Timer>>,
}

/// A timer and the runtime whose wheel it is registered with.
struct Timer {
    runtime: Id,
    sleep: Pin<Box<Sleep>>,
}

impl Timers {
    /// A timer set to fire at `deadline` on the current runtime: a kept one moved to it, or a
    /// new one.
    fn arm(&self, deadline: Instant) -> Timer {
        let runtime = Handle::current().id();
        let kept = self.lock().pop();
        match kept {
            // A timer belongs to the runtime it was first polled on: one of another runtime
            // (a client used from several, or after its first runtime ended) is dropped.
            Some(mut timer) if timer.runtime == runtime => {
                timer.sleep.as_mut().reset(deadline);
                timer
            }
            _ => Timer {
                runtime,
                sleep: Box::pin(tokio::time::sleep_until(deadline)),
            },
        }
    }

    /// Keeps `timer` for a later attempt, unless enough are kept already.
    fn keep(&self, timer: Timer) {
        let mut idle = self.lock();
        if idle.len() < KEEP {
            idle.push(timer);
        } else {
            // Dropped after the lock is released: dropping deregisters it from the wheel.
            drop(idle);
            drop(timer);
        }
    }

    /// The idle list; nothing panics while it is held, so a poisoned lock is still sound.
    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Timer>> {
        self.idle.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// How many idle timers are kept (tests).
    #[cfg(test)]
    fn idle(&self) -> usize {
        self.lock().len()
    }
}

pin_project_lite::pin_project! {
    /// The future of [`TimeoutService`].
    pub(crate) struct TimeoutFuture<F> {
        #[pin]
        inner: F,
        deadline: Option<Instant>,
        timeout: Duration,
        // Armed on the first poll that finds the attempt pending; kept when this ends.
        timer: Option<Timer>,
        timers: Arc<Timers>,
    }

    impl<F> PinnedDrop for TimeoutFuture<F> {
        fn drop(this: Pin<&mut Self>) {
            let this = this.project();
            if let Some(timer) = this.timer.take() {
                this.timers.keep(timer);
            }
        }
    }
}

impl<F: Future<Output = Result<Response>>> Future for TimeoutFuture<F> {
    type Output = Result<Response>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let had_budget_before = tokio::task::coop::has_budget_remaining();
        if let Poll::Ready(result) = this.inner.poll(cx) {
            return Poll::Ready(result);
        }
        let Some(deadline) = *this.deadline else {
            return Poll::Pending;
        };
        let timer = match this.timer {
            Some(timer) => timer,
            None => this.timer.insert(this.timers.arm(deadline)),
        };
        // As `tokio::time::timeout`: when the attempt itself used up the task's budget, the
        // timer is still checked, or an attempt that always did would never time out.
        let fired = if had_budget_before && !tokio::task::coop::has_budget_remaining() {
            Pin::new(&mut tokio::task::coop::unconstrained(timer.sleep.as_mut())).poll(cx)
        } else {
            timer.sleep.as_mut().poll(cx)
        };
        match fired {
            Poll::Pending => Poll::Pending,
            Poll::Ready(()) => Poll::Ready(Err(Error::new(
                ErrorKind::Timeout,
                format!("no response within {} ms", this.timeout.as_millis()),
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;
    use tower::ServiceExt;

    /// `/hang` never answers; any other path answers after 10 ms (pending first, as a real
    /// transport is, so the timer is armed).
    fn service(
        timeout: Duration,
        timers: &Arc<Timers>,
    ) -> impl Service<
        Request,
        Response = Response,
        Error = Error,
        Future = TimeoutFuture<impl Future<Output = Result<Response>>>,
    > + Clone {
        let layer = TimeoutLayer {
            timeout,
            timers: timers.clone(),
        };
        layer.layer(tower::service_fn(|request: Request| async move {
            if request.uri().path() == "/hang" {
                std::future::pending::<()>().await;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
            Ok(Response::new(Bytes::new()))
        }))
    }

    fn request(path: &str, timeout: Option<Duration>) -> Request {
        let mut request = Request::new(Bytes::new());
        *request.uri_mut() = path.parse().unwrap();
        if let Some(timeout) = timeout {
            let meta = RequestMeta::new("test", request.method()).with_timeout(timeout);
            request.extensions_mut().insert(meta);
        }
        request
    }

    /// Sends `path` and returns whether it timed out and how long it took.
    async fn send(
        service: impl Service<Request, Response = Response, Error = Error>,
        path: &str,
        timeout: Option<Duration>,
    ) -> (bool, Duration) {
        let began = Instant::now();
        let result = service.oneshot(request(path, timeout)).await;
        let timed_out = match result {
            Ok(_) => false,
            Err(e) => {
                assert_eq!(e.kind(), ErrorKind::Timeout);
                true
            }
        };
        (timed_out, began.elapsed())
    }

    /// Whether `took` is `expected`, give or take the timer wheel's millisecond.
    fn about(took: Duration, expected: Duration) -> bool {
        took >= expected && took <= expected + Duration::from_millis(1)
    }

    #[tokio::test(start_paused = true)]
    async fn a_kept_timer_fires_at_each_attempts_own_deadline() {
        let timers = Arc::new(Timers::default());
        let svc = service(Duration::from_secs(5), &timers);
        // A fast attempt leaves its timer (armed, registered) for the next.
        assert!(!send(svc.clone(), "/fast", None).await.0);
        assert_eq!(timers.idle(), 1);
        // A hung attempt on the kept timer times out 5 s after it was called, not at the
        // timer's old deadline.
        let (timed_out, took) = send(svc.clone(), "/hang", None).await;
        assert!(timed_out);
        assert!(about(took, Duration::from_secs(5)), "took {took:?}");
        assert_eq!(timers.idle(), 1);
        // The fired timer is armed again for the next: fast, then hung again.
        assert!(!send(svc.clone(), "/fast", None).await.0);
        let (timed_out, took) = send(svc.clone(), "/hang", None).await;
        assert!(timed_out);
        assert!(about(took, Duration::from_secs(5)), "took {took:?}");
        // Still one timer: reused, not one per attempt.
        assert_eq!(timers.idle(), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn a_shorter_timeout_after_a_longer_one_fires_on_time() {
        let timers = Arc::new(Timers::default());
        let svc = service(Duration::from_secs(300), &timers);
        // The kept timer's deadline is 300 s away; this request's own timeout is 2 s.
        assert!(!send(svc.clone(), "/fast", None).await.0);
        let (timed_out, took) = send(svc.clone(), "/hang", Some(Duration::from_secs(2))).await;
        assert!(timed_out);
        assert!(about(took, Duration::from_secs(2)), "took {took:?}");
        // And the client's own 300 s again after that.
        let (timed_out, took) = send(svc.clone(), "/hang", None).await;
        assert!(timed_out);
        assert!(about(took, Duration::from_secs(300)), "took {took:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn concurrent_attempts_each_have_a_timer_and_few_are_kept() {
        let timers = Arc::new(Timers::default());
        let svc = service(Duration::from_secs(5), &timers);
        let attempts: Vec<_> = (0..KEEP + 4)
            .map(|i| {
                send(
                    svc.clone(),
                    if i % 2 == 0 { "/hang" } else { "/fast" },
                    None,
                )
            })
            .collect();
        let outcomes = futures::future::join_all(attempts).await;
        for (i, (timed_out, took)) in outcomes.into_iter().enumerate() {
            if i % 2 == 0 {
                assert!(timed_out, "attempt {i}");
                assert!(about(took, Duration::from_secs(5)), "attempt {i}: {took:?}");
            } else {
                assert!(!timed_out, "attempt {i}");
            }
        }
        assert_eq!(timers.idle(), KEEP);
    }

    /// A client used on one runtime, then (that runtime gone) on another: the first
    /// runtime's timer is not reused (tokio would panic polling a timer of a runtime that
    /// has shut down), and the timeout still fires on time.
    #[test]
    fn a_timer_of_another_runtime_is_not_reused() {
        let runtime = || {
            tokio::runtime::Builder::new_current_thread()
                .enable_time()
                .start_paused(true)
                .build()
                .unwrap()
        };
        let timers = Arc::new(Timers::default());
        let first = runtime();
        let fast = first.block_on(send(
            service(Duration::from_secs(5), &timers),
            "/fast",
            None,
        ));
        assert!(!fast.0);
        assert_eq!(timers.idle(), 1);
        drop(first);
        let second = runtime();
        let (timed_out, took) = second.block_on(send(
            service(Duration::from_secs(5), &timers),
            "/hang",
            None,
        ));
        assert!(timed_out);
        assert!(about(took, Duration::from_secs(5)), "took {took:?}");
        // Kept again, now the second runtime's.
        assert_eq!(timers.idle(), 1);
    }
}
