//! The request budget of a doctor run, enforced where every attempt passes: a `tower` layer
//! inside the client's retry, auth and rate gate, so token requests and retries count too.
//!
//! A request past the budget is refused before it is sent, with an error that is not
//! retryable (the retry loop must not spin on it); the run learns from
//! [`Budget::exhausted`] that a check was cut short by the budget rather than by the vendor.
//! The layer also keeps the rate-limit headers of the last response that carried any, for
//! the quota check.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use mis_core::{Error, ErrorKind};
use mis_http::{HttpService, Request, Response};

/// The response headers that describe a quota, in the forms vendors send: the
/// `X-RateLimit-*` family, the IETF `RateLimit-*` draft, and `Retry-After`.
const QUOTA_HEADERS: &[&str] = &[
    "x-ratelimit-limit",
    "x-ratelimit-remaining",
    "x-ratelimit-reset",
    "ratelimit-limit",
    "ratelimit-remaining",
    "ratelimit-reset",
    "ratelimit-policy",
    "ratelimit",
    "retry-after",
];

/// Counts attempts against a limit, shared by the layer and the run that reads it.
#[derive(Debug)]
pub struct Budget {
    limit: u32,
    sent: AtomicU32,
    exhausted: AtomicBool,
    throttled: AtomicU32,
    headers: Mutex<Vec<(String, String)>>,
}

impl Budget {
    /// A budget of `limit` requests.
    pub fn new(limit: u32) -> Arc<Budget> {
        Arc::new(Budget {
            limit,
            sent: AtomicU32::new(0),
            exhausted: AtomicBool::new(false),
            throttled: AtomicU32::new(0),
            headers: Mutex::new(Vec::new()),
        })
    }

    /// The limit.
    pub fn limit(&self) -> u32 {
        self.limit
    }

    /// Requests sent so far.
    pub fn sent(&self) -> u32 {
        self.sent.load(Ordering::SeqCst)
    }

    /// Requests left.
    pub fn left(&self) -> u32 {
        self.limit.saturating_sub(self.sent())
    }

    /// Whether a request was refused because the budget was spent.
    pub fn exhausted(&self) -> bool {
        self.exhausted.load(Ordering::SeqCst)
    }

    /// Clears the "a request was refused" flag, so the next check starts clean.
    pub fn clear_exhausted(&self) {
        self.exhausted.store(false, Ordering::SeqCst);
    }

    /// How many attempts the vendor answered with 429.
    pub fn throttled(&self) -> u32 {
        self.throttled.load(Ordering::SeqCst)
    }

    /// The quota headers of the last response that carried any (lower-case names).
    pub fn quota_headers(&self) -> Vec<(String, String)> {
        self.headers
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Takes one request from the budget; `false` when none is left.
    fn take(&self) -> bool {
        let taken = self
            .sent
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| {
                (n < self.limit).then_some(n + 1)
            })
            .is_ok();
        if !taken {
            self.exhausted.store(true, Ordering::SeqCst);
        }
        taken
    }

    fn observe(&self, outcome: &Result<Response, Error>) {
        match outcome {
            Ok(response) => {
                let seen: Vec<(String, String)> = QUOTA_HEADERS
                    .iter()
                    .filter_map(|name| {
                        let value = response.headers().get(*name)?.to_str().ok()?;
                        Some(((*name).to_owned(), value.chars().take(80).collect()))
                    })
                    .collect();
                if !seen.is_empty() {
                    *self.headers.lock().unwrap_or_else(|p| p.into_inner()) = seen;
                }
            }
            Err(e) if e.kind() == ErrorKind::RateLimited => {
                self.throttled.fetch_add(1, Ordering::SeqCst);
            }
            Err(_) => {}
        }
    }
}

/// The layer: wraps the client's per-attempt service.
#[derive(Debug, Clone)]
pub struct BudgetLayer(pub Arc<Budget>);

impl tower::Layer<HttpService> for BudgetLayer {
    type Service = BudgetService;

    fn layer(&self, inner: HttpService) -> BudgetService {
        BudgetService {
            inner,
            budget: self.0.clone(),
        }
    }
}

/// The service [`BudgetLayer`] builds.
#[derive(Clone)]
pub struct BudgetService {
    inner: HttpService,
    budget: Arc<Budget>,
}

impl tower::Service<Request> for BudgetService {
    type Response = Response;
    type Error = Error;
    type Future = Pin<Box<dyn Future<Output = Result<Response, Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        if !self.budget.take() {
            let limit = self.budget.limit;
            // `Vendor` is not retryable: the retry loop must give up at once.
            return Box::pin(async move {
                Err(Error::new(
                    ErrorKind::Vendor,
                    format!("doctor's budget of {limit} requests is spent; request not sent"),
                ))
            });
        }
        let budget = self.budget.clone();
        let call = self.inner.call(request);
        Box::pin(async move {
            let outcome = call.await;
            budget.observe(&outcome);
            outcome
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tower::{Layer, Service, ServiceExt};

    fn ok_service() -> HttpService {
        tower::util::BoxCloneSyncService::new(tower::service_fn(|_req: Request| async {
            let mut response = Response::new(bytes::Bytes::new());
            response
                .headers_mut()
                .insert("x-ratelimit-remaining", "11".parse().unwrap());
            Ok::<_, Error>(response)
        }))
    }

    #[tokio::test]
    async fn refuses_past_the_limit_and_keeps_quota_headers() {
        let budget = Budget::new(2);
        let mut service = BudgetLayer(budget.clone()).layer(ok_service());
        for _ in 0..2 {
            let request = Request::new(bytes::Bytes::new());
            service.ready().await.unwrap().call(request).await.unwrap();
        }
        let e = service
            .ready()
            .await
            .unwrap()
            .call(Request::new(bytes::Bytes::new()))
            .await
            .unwrap_err();
        assert!(!e.is_retryable(), "{e}");
        assert!(e.to_string().contains("budget of 2"), "{e}");
        assert_eq!(budget.sent(), 2);
        assert!(budget.exhausted());
        assert_eq!(
            budget.quota_headers(),
            vec![("x-ratelimit-remaining".to_owned(), "11".to_owned())]
        );
    }
}
