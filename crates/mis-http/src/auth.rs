//! Authentication: the [`Authenticator`] trait vendor crates implement, the [`Credential`] it
//! hands out, a ready-made [`StaticAuth`], and the stack layer that drives them.
//!
//! The layer sits inside retry and OUTSIDE the rate gate. That way the original request, any
//! token or login request the authenticator sends, and the replay after a refresh all pass
//! through the gate one by one, so every request counts against the vendor's quota (HUBmis
//! counts token requests) and a token request can never overtake the limit.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};
use std::time::Duration;

use async_trait::async_trait;
use futures::future::{BoxFuture, Either};
use http::header::AUTHORIZATION;
use http::{HeaderName, HeaderValue};
use mis_core::{Error, ErrorKind, Result};
use tokio::time::Instant;
use tower::{Layer, Service, ServiceExt};

use crate::client::HttpClient;
use crate::meta::{Dispatch, Progress, clone_request};
use crate::secret::{ExposeSecret, SecretString, basic_header, sensitive_header_value};
use crate::{Request, Response};

/// A vendor's authentication flow.
///
/// The stack calls [`acquire`](Authenticator::acquire) lazily before the first request,
/// [`renew`](Authenticator::renew) once the credential's `renew_after` has passed, and
/// `acquire` again (once) when a request comes back `Unauthenticated`, then replays that
/// request once. Concurrent requests share one acquire or renew.
#[async_trait]
pub trait Authenticator: Send + Sync + fmt::Debug + 'static {
    /// Obtains a fresh credential (a login or token request).
    ///
    /// `http` is the client's inner stack: same base URL and default headers, through the rate
    /// gate, the timeout and the classifier, but with no authentication and no retry (the
    /// outer retry layer retries the request that needed the credential).
    async fn acquire(&self, http: &HttpClient) -> Result<Credential>;

    /// Renews a credential whose `renew_after` has passed (ClassCharts rotates its session id
    /// with `POST /ping`). The default acquires a new one. If renewing fails with
    /// `Unauthenticated`, the stack falls back to `acquire`.
    async fn renew(&self, http: &HttpClient, current: &Credential) -> Result<Credential> {
        let _ = current;
        self.acquire(http).await
    }

    /// Puts the credential on a request, usually as a header made with
    /// [`sensitive_header_value`](crate::sensitive_header_value) so it is never logged.
    fn apply(&self, credential: &Credential, request: &mut Request) -> Result<()>;

    /// Whether acquiring again can fix a rejected credential. `false` for fixed keys: a 401
    /// is then returned at once instead of being replayed with the same key.
    fn can_refresh(&self) -> bool {
        true
    }
}

/// A credential: a secret, when to renew it, and any extra data the vendor needs (a pupil
/// id, a realm). `Debug` shows neither the secret nor the extra values.
#[derive(Clone)]
pub struct Credential {
    secret: SecretString,
    renew_after: Option<Instant>,
    expires_at: Option<Instant>,
    extra: BTreeMap<String, String>,
}

impl Credential {
    /// A credential that never needs renewing.
    pub fn new(secret: SecretString) -> Self {
        Credential {
            secret,
            renew_after: None,
            expires_at: None,
            extra: BTreeMap::new(),
        }
    }

    /// Renew once `at` has passed (e.g. HUBmis: a little before `min(expires_in, 15 min)`).
    pub fn renew_after(mut self, at: Instant) -> Self {
        self.renew_after = Some(at);
        self
    }

    /// The credential stops working at `at` (e.g. HUBmis: `expires_in` after issue). Until
    /// then, a renewal that fails keeps the current credential in use instead of failing
    /// requests. Without it, a credential whose renewal failed is kept until a request is
    /// refused with it.
    pub fn expires_at(mut self, at: Instant) -> Self {
        self.expires_at = Some(at);
        self
    }

    /// When the credential stops working, if known.
    pub fn expiry(&self) -> Option<Instant> {
        self.expires_at
    }

    /// Attaches extra data (e.g. `pupil_id`). Values are hidden in `Debug`, but keep secrets in
    /// the secret, not here.
    pub fn with_extra(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.extra.insert(key.into(), value.into());
        self
    }

    /// The secret.
    pub fn secret(&self) -> &SecretString {
        &self.secret
    }

    /// When the credential should be renewed, if ever.
    pub fn renew_at(&self) -> Option<Instant> {
        self.renew_after
    }

    /// Extra data by key.
    pub fn extra(&self, key: &str) -> Option<&str> {
        self.extra.get(key).map(String::as_str)
    }

    fn needs_renewal(&self) -> bool {
        self.renew_after.is_some_and(|at| Instant::now() >= at)
    }

    fn still_valid(&self) -> bool {
        self.expires_at.is_none_or(|at| Instant::now() < at)
    }
}

impl fmt::Debug for Credential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credential")
            .field("secret", &"[REDACTED]")
            .field("renew_after", &self.renew_after)
            .field("expires_at", &self.expires_at)
            .field("extra_keys", &self.extra.keys().collect::<Vec<_>>())
            .finish()
    }
}

/// A fixed header on every request: `Authorization: Bearer <key>` (GO 4 Schools), a custom
/// header (ManageBac's `auth-token`), or HTTP Basic (Classe365).
#[derive(Clone)]
pub struct StaticAuth {
    header: HeaderName,
    value: SecretString,
    /// `value` as a sensitive header, made once: applied to every request as it is.
    ready: HeaderValue,
}

impl StaticAuth {
    /// `Authorization: Bearer <token>`.
    pub fn bearer(token: &SecretString) -> Result<Self> {
        StaticAuth::header(
            AUTHORIZATION,
            &SecretString::from(format!("Bearer {}", token.expose_secret())),
        )
    }

    /// `<name>: <value>`, e.g. `auth-token: <token>`.
    pub fn header(name: HeaderName, value: &SecretString) -> Result<Self> {
        // Fail at build time, not on the first request.
        let ready = sensitive_header_value(value.expose_secret())?;
        Ok(StaticAuth {
            header: name,
            value: value.clone(),
            ready,
        })
    }

    /// `Authorization: Basic base64(user:password)`.
    pub fn basic(user: &str, password: &SecretString) -> Result<Self> {
        let value = basic_header(user, password)?;
        let text = value.to_str().map_err(|_| {
            Error::invalid_input("a credential contains characters not allowed in an HTTP header")
        })?;
        Ok(StaticAuth {
            header: AUTHORIZATION,
            value: SecretString::from(text.to_owned()),
            ready: value,
        })
    }
}

impl fmt::Debug for StaticAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StaticAuth")
            .field("header", &self.header)
            .field("value", &"[REDACTED]")
            .finish()
    }
}

#[async_trait]
impl Authenticator for StaticAuth {
    async fn acquire(&self, _http: &HttpClient) -> Result<Credential> {
        Ok(Credential::new(self.value.clone()))
    }

    fn apply(&self, credential: &Credential, request: &mut Request) -> Result<()> {
        // The credential is always our own value (acquire hands it out): reuse the header
        // made at build time instead of validating the secret again on every request.
        let value = if credential.secret().expose_secret() == self.value.expose_secret() {
            self.ready.clone()
        } else {
            sensitive_header_value(credential.secret().expose_secret())?
        };
        request.headers_mut().insert(self.header.clone(), value);
        Ok(())
    }

    fn can_refresh(&self) -> bool {
        false
    }
}

/// The credential in use and its generation. The generation tells a request that saw a 401
/// whether someone else has already replaced the credential it used.
#[derive(Clone)]
struct Slot {
    generation: u64,
    credential: Arc<Credential>,
}

/// How long a failed acquire or renewal is remembered: requests queued behind it get its
/// error (acquire) or keep the current credential (renewal) instead of each running it again
/// (a HUBmis token request costs 5 s of quota).
pub(crate) const FAILURE_MEMORY: Duration = Duration::from_secs(2);

/// A failed acquire, remembered for [`FAILURE_MEMORY`].
struct Failure {
    at: Instant,
    kind: ErrorKind,
    message: String,
    vendor: Option<String>,
    operation: Option<String>,
    status: Option<u16>,
    retry_after: Option<Duration>,
    retryable: bool,
}

impl Failure {
    fn of(error: &Error) -> Self {
        Failure {
            at: Instant::now(),
            kind: error.kind(),
            message: error.message().to_owned(),
            vendor: error.vendor().map(str::to_owned),
            operation: error.operation().map(str::to_owned),
            status: error.status(),
            retry_after: error.retry_after(),
            retryable: error.is_retryable(),
        }
    }

    fn fresh(&self) -> bool {
        self.at.elapsed() < FAILURE_MEMORY
    }

    /// The remembered error again. Its wait hint is at least the rest of the memory, so a
    /// retry does not come back before another acquire may run.
    fn error(&self) -> Error {
        let mut e = Error::new(self.kind, self.message.clone()).with_retryable(self.retryable);
        if let Some(v) = &self.vendor {
            e = e.with_vendor(v.clone());
        }
        if let Some(o) = &self.operation {
            e = e.with_operation(o.clone());
        }
        if let Some(s) = self.status {
            e = e.with_status(s);
        }
        let rest = FAILURE_MEMORY.saturating_sub(self.at.elapsed());
        e.with_retry_after(self.retry_after.unwrap_or_default().max(rest))
    }
}

tokio::task_local! {
    /// The retry time left to the request whose credential is being acquired: token requests
    /// sent by the authenticator wait at the gate no longer than that request may.
    static BUDGET: Option<Duration>;
}

/// The budget of the request an authenticator is acquiring for (see [`BUDGET`]).
pub(crate) fn inherited_budget() -> Option<Duration> {
    BUDGET.try_with(|b| *b).ok().flatten()
}

pub(crate) struct AuthState {
    authenticator: Arc<dyn Authenticator>,
    http: HttpClient,
    slot: Mutex<Option<Slot>>,
    /// Held while acquiring or renewing, so concurrent requests share one refresh.
    refresh: tokio::sync::Mutex<()>,
    /// The last failed acquire (remembered briefly).
    failed: Mutex<Option<Failure>>,
    /// When a renewal last failed while the credential was still valid.
    renewal_failed: Mutex<Option<Instant>>,
}

impl AuthState {
    pub(crate) fn new(authenticator: Arc<dyn Authenticator>, http: HttpClient) -> Arc<Self> {
        Arc::new(AuthState {
            authenticator,
            http,
            slot: Mutex::new(None),
            refresh: tokio::sync::Mutex::new(()),
            failed: Mutex::new(None),
            renewal_failed: Mutex::new(None),
        })
    }

    fn slot(&self) -> Option<Slot> {
        self.slot
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    fn store(&self, credential: Credential) -> Slot {
        let mut guard = self.slot.lock().unwrap_or_else(PoisonError::into_inner);
        let generation = guard.as_ref().map_or(1, |s| s.generation + 1);
        let slot = Slot {
            generation,
            credential: Arc::new(credential),
        };
        *guard = Some(slot.clone());
        *self.failed.lock().unwrap_or_else(PoisonError::into_inner) = None;
        *self
            .renewal_failed
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = None;
        slot
    }

    /// Whether `slot` can be used as it is: not due for renewal, or due but a renewal failed
    /// moments ago and it still works.
    fn usable(&self, slot: &Slot) -> bool {
        if !slot.credential.needs_renewal() {
            return true;
        }
        let failed = *self
            .renewal_failed
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        failed.is_some_and(|at| at.elapsed() < FAILURE_MEMORY) && slot.credential.still_valid()
    }

    /// A remembered acquire failure, when recent.
    fn recent_failure(&self) -> Option<Error> {
        let failed = self.failed.lock().unwrap_or_else(PoisonError::into_inner);
        failed.as_ref().filter(|f| f.fresh()).map(Failure::error)
    }

    /// Runs the authenticator's acquire, remembering a failure.
    async fn acquire(&self, budget: Option<Duration>) -> Result<Slot> {
        if let Some(error) = self.recent_failure() {
            return Err(error);
        }
        tracing::debug!("acquiring credential");
        match BUDGET
            .scope(budget, self.authenticator.acquire(&self.http))
            .await
        {
            Ok(credential) => Ok(self.store(credential)),
            Err(e) => {
                *self.failed.lock().unwrap_or_else(PoisonError::into_inner) = Some(Failure::of(&e));
                Err(e)
            }
        }
    }

    /// Takes the refresh lock, waiting no longer than `budget`.
    async fn lock_refresh(
        &self,
        budget: Option<Duration>,
    ) -> Result<tokio::sync::MutexGuard<'_, ()>> {
        let Some(budget) = budget else {
            return Ok(self.refresh.lock().await);
        };
        tokio::time::timeout(budget, self.refresh.lock())
            .await
            .map_err(|_| {
                Error::new(
                    ErrorKind::Timeout,
                    "gave up waiting for the credential another request is fetching",
                )
            })
    }

    /// The current credential when it can be used as it is (no clock read for one that never
    /// needs renewing).
    fn ready(&self) -> Option<Slot> {
        self.slot().filter(|slot| self.usable(slot))
    }

    /// The credential to use now: acquired lazily, renewed once due.
    async fn current(&self, budget: Option<Duration>) -> Result<Slot> {
        if let Some(slot) = self.slot() {
            if self.usable(&slot) {
                return Ok(slot);
            }
        }
        let _refreshing = self.lock_refresh(budget).await?;
        // Someone may have acquired or renewed while we waited for the lock.
        match self.slot() {
            Some(slot) if self.usable(&slot) => Ok(slot),
            Some(slot) => {
                tracing::debug!("renewing credential");
                let renewed = match BUDGET
                    .scope(
                        budget,
                        self.authenticator.renew(&self.http, &slot.credential),
                    )
                    .await
                {
                    Ok(credential) => return Ok(self.store(credential)),
                    Err(e) if e.kind() == ErrorKind::Unauthenticated => {
                        tracing::debug!("renewal refused; acquiring a new credential");
                        self.acquire(budget).await
                    }
                    Err(e) => Err(e),
                };
                match renewed {
                    Ok(slot) => Ok(slot),
                    Err(e) if slot.credential.still_valid() => {
                        // An early renewal failed: the current credential still works.
                        tracing::debug!(
                            kind = e.kind().as_str(),
                            "renewal failed; using the current credential while it is valid"
                        );
                        *self
                            .renewal_failed
                            .lock()
                            .unwrap_or_else(PoisonError::into_inner) = Some(Instant::now());
                        Ok(slot)
                    }
                    Err(e) => Err(e),
                }
            }
            None => self.acquire(budget).await,
        }
    }

    /// A new credential after `rejected` was refused. Only the first request to report a
    /// generation refreshes; the others get its result.
    async fn refresh_after_rejection(
        &self,
        rejected: u64,
        budget: Option<Duration>,
    ) -> Result<Slot> {
        let _refreshing = self.lock_refresh(budget).await?;
        if let Some(slot) = self.slot() {
            if slot.generation != rejected {
                return Ok(slot);
            }
        }
        tracing::debug!("credential rejected; acquiring a new one");
        self.acquire(budget).await
    }
}

/// The auth layer (see the module docs).
#[derive(Clone)]
pub(crate) struct AuthLayer {
    pub(crate) state: Arc<AuthState>,
}

impl<S> Layer<S> for AuthLayer {
    type Service = AuthService<S>;

    fn layer(&self, inner: S) -> AuthService<S> {
        AuthService {
            inner,
            state: self.state.clone(),
        }
    }
}

/// See [`AuthLayer`].
#[derive(Clone)]
pub(crate) struct AuthService<S> {
    inner: S,
    state: Arc<AuthState>,
}

impl<S> Service<Request> for AuthService<S>
where
    S: Service<Request, Response = Response, Error = Error> + Clone + Send + 'static,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = Error;
    type Future = Either<S::Future, BoxFuture<'static, Result<Response>>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<()>> {
        // The fast path calls this very service; the slow path a ready clone (`oneshot`).
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request) -> Self::Future {
        if !self.state.authenticator.can_refresh() {
            if let Some(slot) = self.state.ready() {
                // A fixed credential already in hand: nothing to wait for and nothing to
                // replay, so no future of our own.
                return match self
                    .state
                    .authenticator
                    .apply(&slot.credential, &mut request)
                {
                    Ok(()) => Either::Left(self.inner.call(request)),
                    Err(e) => Either::Right(Box::pin(std::future::ready(Err(e)))),
                };
            }
        }
        let inner = self.inner.clone();
        let state = self.state.clone();
        Either::Right(Box::pin(async move {
            let progress = Progress::of(&request).cloned();
            let slot = match state.ready() {
                Some(slot) => slot,
                None => {
                    let budget = progress.as_ref().and_then(|p| p.remaining());
                    let began = Instant::now();
                    let slot = state.current(budget).await;
                    if let Some(progress) = &progress {
                        // Waiting for a credential is queueing, not retry time.
                        progress.add_queued(began.elapsed());
                    }
                    slot?
                }
            };
            let replay = state
                .authenticator
                .can_refresh()
                .then(|| clone_request(&request));
            let mut request = request;
            state.authenticator.apply(&slot.credential, &mut request)?;
            let dispatch = Dispatch::of(&request);
            let result = inner.clone().oneshot(request).await;
            match (result, replay) {
                (Err(e), Some(mut replay)) if e.kind() == ErrorKind::Unauthenticated => {
                    // A 401 means the server did not act on the request; until the replay
                    // goes out, nothing has been sent.
                    dispatch.mark_not_sent();
                    let budget = progress.as_ref().and_then(|p| p.remaining());
                    let slot = state
                        .refresh_after_rejection(slot.generation, budget)
                        .await?;
                    state.authenticator.apply(&slot.credential, &mut replay)?;
                    // Once only: a second `Unauthenticated` is returned as it is.
                    inner.oneshot(replay).await
                }
                (result, _) => result,
            }
        }))
    }
}
