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

use async_trait::async_trait;
use futures::future::BoxFuture;
use http::HeaderName;
use http::header::AUTHORIZATION;
use mis_core::{Error, ErrorKind, Result};
use tokio::time::Instant;
use tower::{Service, ServiceExt};

use crate::client::HttpClient;
use crate::request::{Dispatch, clone_request};
use crate::secret::{ExposeSecret, SecretString, basic_header, sensitive_header_value};
use crate::{HttpService, Request, Response};

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
    extra: BTreeMap<String, String>,
}

impl Credential {
    /// A credential that never needs renewing.
    pub fn new(secret: SecretString) -> Self {
        Credential {
            secret,
            renew_after: None,
            extra: BTreeMap::new(),
        }
    }

    /// Renew once `at` has passed (e.g. HUBmis: a little before `min(expires_in, 15 min)`).
    pub fn renew_after(mut self, at: Instant) -> Self {
        self.renew_after = Some(at);
        self
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
}

impl fmt::Debug for Credential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credential")
            .field("secret", &"[REDACTED]")
            .field("renew_after", &self.renew_after)
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
        sensitive_header_value(value.expose_secret())?;
        Ok(StaticAuth {
            header: name,
            value: value.clone(),
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
        let value = sensitive_header_value(credential.secret().expose_secret())?;
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

pub(crate) struct AuthState {
    authenticator: Arc<dyn Authenticator>,
    http: HttpClient,
    slot: Mutex<Option<Slot>>,
    /// Held while acquiring or renewing, so concurrent requests share one refresh.
    refresh: tokio::sync::Mutex<()>,
}

impl AuthState {
    pub(crate) fn new(authenticator: Arc<dyn Authenticator>, http: HttpClient) -> Arc<Self> {
        Arc::new(AuthState {
            authenticator,
            http,
            slot: Mutex::new(None),
            refresh: tokio::sync::Mutex::new(()),
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
        slot
    }

    /// The credential to use now: acquired lazily, renewed once due.
    async fn current(&self) -> Result<Slot> {
        if let Some(slot) = self.slot() {
            if !slot.credential.needs_renewal() {
                return Ok(slot);
            }
        }
        let _refreshing = self.refresh.lock().await;
        // Someone may have acquired or renewed while we waited for the lock.
        match self.slot() {
            Some(slot) if !slot.credential.needs_renewal() => Ok(slot),
            Some(slot) => {
                tracing::debug!("renewing credential");
                match self.authenticator.renew(&self.http, &slot.credential).await {
                    Ok(credential) => Ok(self.store(credential)),
                    Err(e) if e.kind() == ErrorKind::Unauthenticated => {
                        tracing::debug!("renewal refused; acquiring a new credential");
                        Ok(self.store(self.authenticator.acquire(&self.http).await?))
                    }
                    Err(e) => Err(e),
                }
            }
            None => {
                tracing::debug!("acquiring credential");
                Ok(self.store(self.authenticator.acquire(&self.http).await?))
            }
        }
    }

    /// A new credential after `rejected` was refused. Only the first request to report a
    /// generation refreshes; the others get its result.
    async fn refresh_after_rejection(&self, rejected: u64) -> Result<Slot> {
        let _refreshing = self.refresh.lock().await;
        if let Some(slot) = self.slot() {
            if slot.generation != rejected {
                return Ok(slot);
            }
        }
        tracing::debug!("credential rejected; acquiring a new one");
        Ok(self.store(self.authenticator.acquire(&self.http).await?))
    }
}

/// The auth layer.
#[derive(Clone)]
pub(crate) struct AuthService {
    pub(crate) inner: HttpService,
    pub(crate) state: Arc<AuthState>,
}

impl Service<Request> for AuthService {
    type Response = Response;
    type Error = Error;
    type Future = BoxFuture<'static, Result<Response>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request) -> Self::Future {
        let inner = self.inner.clone();
        let state = self.state.clone();
        Box::pin(async move {
            let slot = state.current().await?;
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
                    let slot = state.refresh_after_rejection(slot.generation).await?;
                    state.authenticator.apply(&slot.credential, &mut replay)?;
                    // Once only: a second `Unauthenticated` is returned as it is.
                    inner.oneshot(replay).await
                }
                (result, _) => result,
            }
        })
    }
}
