//! HUBmis's usage limit: "rate-limited to 12 requests per minute per IP address"
//! (the vendor's API reference, "Usage Limits").
//!
//! Enforced in its strictest reading: at most 12 requests in **any** 60 s window (a
//! sliding window, not a fixed minute — a fixed minute would admit 23 across a boundary),
//! per client IP, token requests included, the window scaled by `time_scale`. A refused
//! request is not counted (the document: "you will need to wait … to make a new request").
//!
//! Every admitted response carries `X-RateLimit-Limit` and `X-RateLimit-Remaining`; a 429
//! carries both plus `X-RateLimit-Retry-After`, "the date-time (as a Unix timestamp) after
//! which the request can be retried". That is whole seconds, rounded **up** so that a client
//! that waits until then is admitted. With a scaled window (0.6 s at `time_scale` 0.01) the
//! value is often the current second or the next one: it is a minimum, never a precise
//! schedule, and a client must not assume a whole-second granularity of the real wait.
//!
//! The document's sample headers (`X-RateLimit-Limit: 500`, `Remaining: 495`) describe the
//! per-client allowance: "500 requests per client, with a rate of one new request every 5
//! seconds … if you make one request from the 500 available and after 5 seconds make no other
//! requests, the available number will increase back to 500" — a token bucket of 500 refilled
//! at one token per 5 s. The document states both limits without saying how they combine, so
//! the emulator serves one reading at a time ([`QuotaMode`]):
//!
//! - [`QuotaMode::PerIp`] (the default): the 12-per-minute sliding window per IP, the stricter
//!   reading; headers report that window (`X-RateLimit-Limit: 12`).
//! - [`QuotaMode::Bucket`]: the 500-token bucket refilled at one token per 5 s (scaled), and
//!   no per-IP window; headers report the bucket (`X-RateLimit-Limit: 500`, `Remaining` the
//!   whole tokens left) and a 429's `X-RateLimit-Retry-After` is when the next token arrives.
//!   The emulator cannot tell OAuth clients apart in front of its routes, so it keeps one
//!   bucket per client IP: the same thing for one client per host, as in every test.
//!
//! The mode is read when the emulator starts, from the environment variable
//! [`QUOTA_MODE_ENV`] (`per-ip` or `bucket`; unset means `per-ip`). It is an environment
//! variable rather than an `EmulatorOptions` field only because the options live in a module
//! this one does not own; a process that needs both readings starts one per process.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::Json;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::errors;
use super::routes::Hubmis;
use crate::emulator::{Admission, SlidingWindow};

/// Requests admitted per window per IP.
pub const LIMIT: usize = 12;

/// The vendor's window, before scaling.
pub const WINDOW: Duration = Duration::from_secs(60);

/// `X-RateLimit-Limit`.
pub const LIMIT_HEADER: &str = "x-ratelimit-limit";
/// `X-RateLimit-Remaining`.
pub const REMAINING_HEADER: &str = "x-ratelimit-remaining";
/// `X-RateLimit-Retry-After` (Unix seconds).
pub const RETRY_AFTER_HEADER: &str = "x-ratelimit-retry-after";

/// The per-client allowance of the bucket reading: 500 requests.
pub const BUCKET_SIZE: usize = 500;

/// Environment variable choosing the quota reading: `per-ip` (default) or `bucket`.
pub const QUOTA_MODE_ENV: &str = "MIS_SANDBOX_HUBMIS_QUOTA";

/// Which reading of the document's usage limits the emulator enforces (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum QuotaMode {
    /// 12 requests in any 60 s window per IP.
    #[default]
    PerIp,
    /// 500 tokens per client, one token back every 5 s.
    Bucket,
}

impl QuotaMode {
    /// The mode named by [`QUOTA_MODE_ENV`]; unset or unknown text is [`QuotaMode::PerIp`].
    pub fn from_env() -> Self {
        match std::env::var(QUOTA_MODE_ENV).as_deref().map(str::trim) {
            Ok("bucket") => QuotaMode::Bucket,
            _ => QuotaMode::PerIp,
        }
    }
}

/// A token bucket: `size` tokens, one more every `refill` up to `size`.
#[derive(Debug)]
struct Bucket {
    size: usize,
    refill: Duration,
    state: Mutex<(f64, Instant)>,
}

impl Bucket {
    fn new(size: usize, refill: Duration, now: Instant) -> Self {
        Bucket {
            size,
            refill,
            state: Mutex::new((size as f64, now)),
        }
    }

    fn admit(&self, now: Instant) -> Admission {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let (tokens, last) = *state;
        let refill = self.refill.as_secs_f64().max(1e-9);
        let earned = now.saturating_duration_since(last).as_secs_f64() / refill;
        let tokens = (tokens + earned).min(self.size as f64);
        if tokens >= 1.0 {
            *state = (tokens - 1.0, now);
            Admission::Allowed {
                remaining: (tokens - 1.0).floor() as usize,
            }
        } else {
            *state = (tokens, now);
            Admission::Refused {
                retry_after: Duration::from_secs_f64((1.0 - tokens) * refill),
            }
        }
    }
}

/// The quota in front of every route: a sliding window or a bucket per client IP.
#[derive(Debug)]
pub struct PerIp {
    window: Duration,
    mode: QuotaMode,
    windows: Mutex<HashMap<IpAddr, Arc<SlidingWindow>>>,
    buckets: Mutex<HashMap<IpAddr, Arc<Bucket>>>,
}

impl PerIp {
    /// A quota of [`LIMIT`] per `window` for every IP, or, when [`QUOTA_MODE_ENV`] says
    /// `bucket`, a bucket of [`BUCKET_SIZE`] refilled at one token per `window / LIMIT`.
    pub fn new(window: Duration) -> Self {
        PerIp::with_mode(window, QuotaMode::from_env())
    }

    /// [`PerIp::new`] with an explicit mode.
    pub fn with_mode(window: Duration, mode: QuotaMode) -> Self {
        PerIp {
            window,
            mode,
            windows: Mutex::new(HashMap::new()),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// `X-RateLimit-Limit` for this mode.
    pub fn limit(&self) -> usize {
        match self.mode {
            QuotaMode::PerIp => LIMIT,
            QuotaMode::Bucket => BUCKET_SIZE,
        }
    }

    /// Counts a request from `ip` at `now`, or refuses it.
    pub fn admit(&self, ip: IpAddr, now: Instant) -> Admission {
        match self.mode {
            QuotaMode::PerIp => {
                let window = {
                    let mut all = self.windows.lock().unwrap_or_else(|p| p.into_inner());
                    all.entry(ip)
                        .or_insert_with(|| Arc::new(SlidingWindow::new(LIMIT, self.window)))
                        .clone()
                };
                window.admit(now)
            }
            QuotaMode::Bucket => {
                let bucket = {
                    let mut all = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
                    all.entry(ip)
                        .or_insert_with(|| {
                            Arc::new(Bucket::new(BUCKET_SIZE, self.window / LIMIT as u32, now))
                        })
                        .clone()
                };
                bucket.admit(now)
            }
        }
    }
}

/// The Unix second from which a request waiting `wait` from now is admitted (rounded up).
pub fn retry_at(wait: Duration) -> u64 {
    let at = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        + wait;
    at.as_secs() + u64::from(at.subsec_nanos() > 0)
}

/// HUBmis's 429: the three `X-RateLimit-*` headers and Laravel's body. Also the response of
/// an injected throttle, with the plan's wait.
pub fn too_many_requests(wait: Duration) -> Response {
    let mut r = (
        StatusCode::TOO_MANY_REQUESTS,
        Json(errors::too_many_attempts_body()),
    )
        .into_response();
    let h = r.headers_mut();
    h.insert(LIMIT_HEADER, HeaderValue::from(LIMIT));
    h.insert(REMAINING_HEADER, HeaderValue::from(0u32));
    h.insert(RETRY_AFTER_HEADER, HeaderValue::from(retry_at(wait)));
    r
}

fn client_ip(req: &Request) -> IpAddr {
    req.extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map_or(IpAddr::V4(Ipv4Addr::LOCALHOST), |c| c.0.ip())
}

fn set_headers(h: &mut HeaderMap, limit: usize, remaining: usize) {
    h.insert(LIMIT_HEADER, HeaderValue::from(limit));
    h.insert(REMAINING_HEADER, HeaderValue::from(remaining));
}

/// Middleware: the per-IP window in front of every route, the token included.
pub async fn enforce(State(state): State<Arc<Hubmis>>, req: Request, next: Next) -> Response {
    match state.quota.admit(client_ip(&req), Instant::now()) {
        Admission::Allowed { remaining } => {
            let mut r = next.run(req).await;
            set_headers(r.headers_mut(), state.quota.limit(), remaining);
            r
        }
        Admission::Refused { retry_after } => {
            state.stats.throttled.fetch_add(1, Ordering::SeqCst);
            let mut r = too_many_requests(retry_after);
            r.headers_mut()
                .insert(LIMIT_HEADER, HeaderValue::from(state.quota.limit()));
            r
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_at_rounds_up() {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs();
        let at = retry_at(Duration::from_millis(1));
        assert!(at == now + 1 || at == now + 2, "{at} vs {now}");
        assert!(retry_at(Duration::from_secs(60)) >= now + 60);
    }

    #[test]
    fn each_ip_has_its_own_window() {
        let q = PerIp::new(Duration::from_secs(60));
        let t = Instant::now();
        let a = IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1));
        let b = IpAddr::V4(Ipv4Addr::new(10, 0, 0, 2));
        for _ in 0..LIMIT {
            assert!(matches!(q.admit(a, t), Admission::Allowed { .. }));
        }
        assert!(matches!(q.admit(a, t), Admission::Refused { .. }));
        assert_eq!(q.admit(b, t), Admission::Allowed { remaining: 11 });
    }

    #[test]
    fn the_bucket_allows_500_then_one_per_refill() {
        let q = PerIp::with_mode(Duration::from_secs(60), QuotaMode::Bucket);
        assert_eq!(q.limit(), 500);
        let t = Instant::now();
        let a = IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1));
        for i in 0..BUCKET_SIZE {
            assert_eq!(
                q.admit(a, t),
                Admission::Allowed {
                    remaining: BUCKET_SIZE - 1 - i
                }
            );
        }
        let Admission::Refused { retry_after } = q.admit(a, t) else {
            panic!("the 501st request is refused");
        };
        assert!(retry_after <= Duration::from_secs(5), "{retry_after:?}");
        // One token back every 5 s (60 s / 12).
        assert!(matches!(
            q.admit(a, t + Duration::from_secs(5)),
            Admission::Allowed { remaining: 0 }
        ));
        assert!(matches!(
            q.admit(a, t + Duration::from_secs(6)),
            Admission::Refused { .. }
        ));
        // Idle for 500 refills: full again, never more.
        let later = t + Duration::from_secs(5 * 600);
        assert_eq!(
            q.admit(a, later),
            Admission::Allowed {
                remaining: BUCKET_SIZE - 1
            }
        );
    }
}
