//! HUBmis's usage limit: "rate-limited to 12 requests per minute per IP address"
//! (vendors.md §3.2, the vendor document's "Usage Limits").
//!
//! Enforced exactly as DESIGN §3 reads it: at most 12 requests in **any** 60 s window (a
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
//! per-client bucket, which the emulator does not model (see the module docs); the emulator
//! reports the per-IP window, the limit that actually binds.

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

/// One sliding window per client IP.
#[derive(Debug)]
pub struct PerIp {
    window: Duration,
    windows: Mutex<HashMap<IpAddr, Arc<SlidingWindow>>>,
}

impl PerIp {
    /// A quota of [`LIMIT`] per `window` for every IP.
    pub fn new(window: Duration) -> Self {
        PerIp {
            window,
            windows: Mutex::new(HashMap::new()),
        }
    }

    /// Counts a request from `ip` at `now`, or refuses it.
    pub fn admit(&self, ip: IpAddr, now: Instant) -> Admission {
        let window = {
            let mut all = self.windows.lock().unwrap_or_else(|p| p.into_inner());
            all.entry(ip)
                .or_insert_with(|| Arc::new(SlidingWindow::new(LIMIT, self.window)))
                .clone()
        };
        window.admit(now)
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

fn set_headers(h: &mut HeaderMap, remaining: usize) {
    h.insert(LIMIT_HEADER, HeaderValue::from(LIMIT));
    h.insert(REMAINING_HEADER, HeaderValue::from(remaining));
}

/// Middleware: the per-IP window in front of every route, the token included.
pub async fn enforce(State(state): State<Arc<Hubmis>>, req: Request, next: Next) -> Response {
    match state.quota.admit(client_ip(&req), Instant::now()) {
        Admission::Allowed { remaining } => {
            let mut r = next.run(req).await;
            set_headers(r.headers_mut(), remaining);
            r
        }
        Admission::Refused { retry_after } => {
            state.stats.throttled.fetch_add(1, Ordering::SeqCst);
            too_many_requests(retry_after)
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
}
