//! Counting one school's vendor requests, for the report and the progress line.
//!
//! Every HTTP response a vendor client receives (sign-in, retries and throttled attempts
//! included, as the vendor counts them) is one `received` event of mis-http's transport.
//! Each school's read runs under its own `tracing` dispatcher whose layer counts those
//! events, so concurrent schools never mix their counts. The same layer notes when a
//! vendor's quota holds the school's requests back: a throttled request retried after the
//! vendor's wait (the retry layer's `retrying` event, `kind = "rate_limited"`, `delay_ms`),
//! the client's rate gate closed by such a hint for the requests behind it, or the gate
//! spacing requests out by a second or more (HUBmis: one every 5 s) — the gate's `wait_ms`
//! events — so the progress line can say until when the school waits. The dispatcher also writes logs as
//! `mis` does (stderr, `RUST_LOG`, off by default), so logging is unchanged.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};

use tracing::field::{Field, Visit};
use tracing::{Dispatch, Event, Subscriber};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::Layer;
use tracing_subscriber::layer::{Context, SubscriberExt};

/// A shared request counter: every response, and those that were not a success (429s,
/// expired tokens, 404s, 5xx); and when a vendor's wait hint last said to pause until.
#[derive(Debug, Clone, Default)]
pub struct Requests(Arc<Counts>);

#[derive(Debug, Default)]
struct Counts {
    sent: AtomicU64,
    failed: AtomicU64,
    /// The end of the latest wait hint, in milliseconds since the Unix epoch (0: none yet).
    paused_until_ms: AtomicI64,
}

impl Requests {
    /// Requests so far.
    pub fn get(&self) -> u64 {
        self.0.sent.load(Ordering::Relaxed)
    }

    /// Requests so far that were not answered with a success.
    pub fn failed(&self) -> u64 {
        self.0.failed.load(Ordering::Relaxed)
    }

    /// Until when a vendor's wait hint holds this school's requests back, if it still does
    /// at `now`.
    pub fn paused_until(&self, now: jiff::Timestamp) -> Option<jiff::Timestamp> {
        let until = self.0.paused_until_ms.load(Ordering::Relaxed);
        let until = jiff::Timestamp::from_millisecond(until).ok()?;
        (until > now).then_some(until)
    }

    /// Records a wait of `wait_ms` from now (a later end wins: the gate stays closed for the
    /// longest hint).
    fn pause(&self, wait_ms: u64) {
        let now = jiff::Timestamp::now().as_millisecond();
        let until = now.saturating_add(i64::try_from(wait_ms).unwrap_or(i64::MAX));
        self.0.paused_until_ms.fetch_max(until, Ordering::Relaxed);
    }

    /// A dispatcher that counts into this counter and logs like `mis`.
    pub fn dispatch(&self) -> Dispatch {
        let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("off"));
        let logs = tracing_subscriber::fmt::layer()
            .with_writer(std::io::stderr)
            .with_ansi(false)
            .with_filter(filter);
        Dispatch::new(
            tracing_subscriber::registry()
                .with(CountLayer(self.clone()))
                .with(logs),
        )
    }
}

struct CountLayer(Requests);

impl<S: Subscriber> Layer<S> for CountLayer {
    fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
        let target = event.metadata().target();
        if target == "mis_http::gate" || target == "mis_http::retry" {
            // The gate: "rate gate closed by a server wait hint", the pause in `wait_ms`.
            // Retry: "retrying" after a throttled attempt, the pause in `delay_ms` (a back-off
            // after any other failure is not a quota wait).
            let mut fields = Received::default();
            event.record(&mut fields);
            let wait = match target {
                "mis_http::gate" => fields.wait_ms,
                _ if fields.rate_limited => fields.delay_ms,
                _ => None,
            };
            if let Some(wait) = wait {
                self.0.pause(wait);
            }
            return;
        }
        if target != "mis_http::transport" {
            return;
        }
        let mut received = Received::default();
        event.record(&mut received);
        if received.received {
            self.0.0.sent.fetch_add(1, Ordering::Relaxed);
            if !(200..300).contains(&received.status) {
                self.0.0.failed.fetch_add(1, Ordering::Relaxed);
            }
        }
    }
}

/// Whether an event's message is `received`, and its status; a gate event's `wait_ms`; a
/// retry event's `delay_ms` and whether its `kind` is `rate_limited`.
#[derive(Default)]
struct Received {
    received: bool,
    status: u64,
    wait_ms: Option<u64>,
    delay_ms: Option<u64>,
    rate_limited: bool,
}

impl Visit for Received {
    fn record_u64(&mut self, field: &Field, value: u64) {
        match field.name() {
            "status" => self.status = value,
            "wait_ms" => self.wait_ms = Some(value),
            "delay_ms" => self.delay_ms = Some(value),
            _ => {}
        }
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        let value = u64::try_from(value).unwrap_or(0);
        match field.name() {
            "status" => self.status = value,
            "wait_ms" => self.wait_ms = Some(value),
            "delay_ms" => self.delay_ms = Some(value),
            _ => {}
        }
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        match field.name() {
            "message" if value == "received" => self.received = true,
            "kind" if value == "rate_limited" => self.rate_limited = true,
            _ => {}
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" && format!("{value:?}") == "received" {
            self.received = true;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn a_throttled_retry_is_a_quota_wait_and_other_back_offs_are_not() {
        let requests = Requests::default();
        tracing::dispatcher::with_default(&requests.dispatch(), || {
            tracing::debug!(target: "mis_http::retry", attempt = 1u32, kind = "unavailable", delay_ms = 60_000u64, "retrying");
        });
        let now = jiff::Timestamp::now();
        assert_eq!(requests.paused_until(now), None, "a 503's back-off");
        tracing::dispatcher::with_default(&requests.dispatch(), || {
            tracing::debug!(target: "mis_http::retry", attempt = 1u32, kind = "rate_limited", delay_ms = 5_000u64, "retrying");
        });
        let until = requests.paused_until(now).expect("a 429's wait");
        let ahead = until.duration_since(now).as_secs_f64();
        assert!((4.0..=5.5).contains(&ahead), "{ahead}");
    }

    #[test]
    fn responses_are_counted_and_a_gate_wait_hint_is_remembered() {
        let requests = Requests::default();
        tracing::dispatcher::with_default(&requests.dispatch(), || {
            tracing::trace!(target: "mis_http::transport", operation = "x", status = 200u16, "received");
            tracing::trace!(target: "mis_http::transport", operation = "x", status = 429u16, "received");
            tracing::trace!(target: "mis_http::transport", attempt = 1u32, "sending");
            tracing::debug!(target: "mis_http::gate", wait_ms = 30_000u64, "rate gate closed by a server wait hint");
        });
        assert_eq!((requests.get(), requests.failed()), (2, 1));
        let now = jiff::Timestamp::now();
        let until = requests.paused_until(now).expect("paused");
        let ahead = until.duration_since(now).as_secs_f64();
        assert!((29.0..=30.0).contains(&ahead), "{ahead}");
        // Once the pause is over, nothing is shown.
        let later = now
            .checked_add(jiff::SignedDuration::from_secs(31))
            .unwrap();
        assert_eq!(requests.paused_until(later), None);
        assert_eq!(Requests::default().paused_until(now), None);
    }

    /// The client's own gate spacing requests out (HUBmis: one every 5 s) is a quota wait
    /// too; a spacing too short to notice is not shown.
    #[tokio::test(start_paused = true)]
    async fn a_gate_spacing_wait_a_person_notices_is_a_quota_wait() {
        use tracing::instrument::WithSubscriber;
        let requests = Requests::default();
        let gate = mis_http::RateGate::new(mis_http::RateLimit::at_most(1, Duration::from_secs(5)));
        async {
            gate.wait().await;
            gate.wait().await;
        }
        .with_subscriber(requests.dispatch())
        .await;
        // The second request waited about 5 s (paused clock: no real time passes).
        assert!(
            requests.paused_until(jiff::Timestamp::now()).is_some(),
            "the 5 s spacing is shown"
        );
        let quick = Requests::default();
        let gate =
            mis_http::RateGate::new(mis_http::RateLimit::at_most(10, Duration::from_secs(1)));
        async {
            for _ in 0..12 {
                gate.wait().await;
            }
        }
        .with_subscriber(quick.dispatch())
        .await;
        assert_eq!(
            quick.paused_until(jiff::Timestamp::now()),
            None,
            "100 ms spacing"
        );
    }
}
