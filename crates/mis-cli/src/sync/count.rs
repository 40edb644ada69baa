//! Counting one school's vendor requests, for the report.
//!
//! Every HTTP response a vendor client receives (sign-in, retries and throttled attempts
//! included, as the vendor counts them) is one `received` event of mis-http's transport.
//! Each school's read runs under its own `tracing` dispatcher whose layer counts those
//! events, so concurrent schools never mix their counts. The dispatcher also
//! writes logs as `mis` does (stderr, `RUST_LOG`, off by default), so logging is unchanged.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use tracing::field::{Field, Visit};
use tracing::{Dispatch, Event, Subscriber};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::Layer;
use tracing_subscriber::layer::{Context, SubscriberExt};

/// A shared request counter: every response, and those that were not a success (429s,
/// expired tokens, 404s, 5xx).
#[derive(Debug, Clone, Default)]
pub struct Requests(Arc<[AtomicU64; 2]>);

impl Requests {
    /// Requests so far.
    pub fn get(&self) -> u64 {
        self.0[0].load(Ordering::Relaxed)
    }

    /// Requests so far that were not answered with a success.
    pub fn failed(&self) -> u64 {
        self.0[1].load(Ordering::Relaxed)
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
        if event.metadata().target() != "mis_http::transport" {
            return;
        }
        let mut received = Received::default();
        event.record(&mut received);
        if received.received {
            self.0.0[0].fetch_add(1, Ordering::Relaxed);
            if !(200..300).contains(&received.status) {
                self.0.0[1].fetch_add(1, Ordering::Relaxed);
            }
        }
    }
}

/// Whether an event's message is `received`, and its status.
#[derive(Default)]
struct Received {
    received: bool,
    status: u64,
}

impl Visit for Received {
    fn record_u64(&mut self, field: &Field, value: u64) {
        if field.name() == "status" {
            self.status = value;
        }
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        if field.name() == "status" {
            self.status = u64::try_from(value).unwrap_or(0);
        }
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" && value == "received" {
            self.received = true;
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" && format!("{value:?}") == "received" {
            self.received = true;
        }
    }
}
