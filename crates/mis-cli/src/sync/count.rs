//! Counting one school's vendor requests, for the report.
//!
//! Every logical request a vendor client makes is one `mis_http.request` span (mis-http's
//! outermost layer). Each school's read runs under its own `tracing` dispatcher whose layer
//! counts those spans, so concurrent schools never mix their counts. The dispatcher also
//! writes logs as `mis` does (stderr, `RUST_LOG`, off by default), so logging is unchanged.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use tracing::span::{Attributes, Id};
use tracing::{Dispatch, Subscriber};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::Layer;
use tracing_subscriber::layer::{Context, SubscriberExt};

/// A shared request counter.
#[derive(Debug, Clone, Default)]
pub struct Requests(Arc<AtomicU64>);

impl Requests {
    /// Requests so far.
    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
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
    fn on_new_span(&self, attrs: &Attributes<'_>, _id: &Id, _ctx: Context<'_, S>) {
        if attrs.metadata().name() == "mis_http.request" {
            self.0.0.fetch_add(1, Ordering::Relaxed);
        }
    }
}
