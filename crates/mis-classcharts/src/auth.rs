//! Logging in, keeping the session alive, and the cookie jar.
//!
//! [`SessionAuth`] is the mis-http [`Authenticator`] for both APIs. The stack calls it:
//!
//! * **acquire** (lazily before the first request, and once after a request was refused
//!   with `expired: 1` / "not logged in"): log in — the JSON login by default, the web form
//!   if configured — then, for parents, check that the API answers and run the TES handshake
//!   if it redirects to `session.tes.com`; after a **web-form** login, rotate the fresh
//!   session once through `POST /ping` (the JS student flow's mandatory first ping: the
//!   cookie's id is short-lived). The JSON login's `meta.session_id` is an API
//!   session like a ping's, so it is first rotated when the interval is up — one
//!   request less per login, which is one request less per pupil when a school is read pupil
//!   by pupil (issue 16);
//! * **renew** (before the next request once [`Config::ping_interval`] has passed since the
//!   last rotation, i.e. before 180 s): `POST /ping` with `include_data=true`; the response's
//!   `meta.session_id` replaces the old id. If the old session is
//!   already dead (idle more than ~5 minutes, classcharts-api-js issue #17) the ping is refused and the stack
//!   logs in again instead;
//! * **apply**: `Authorization: Basic <session_id>` — the raw id, not base64 — and the login
//!   cookies, both marked sensitive.
//!
//! mis-http runs one acquire or renew at a time for all clones of a client, so concurrent
//! requests share one login and one rotation.
//!
//! # Signing in before the first request
//!
//! A pupil's every data path needs its id, which only the login tells. Asking the stack for
//! it (`POST /ping`) would cost a login **and** the ping. Instead `SessionAuth::sign_in`
//! logs in directly (through the same rate gate, outside the stack's authenticator) the
//! first time the user is wanted, keeps the user the login describes, and leaves the fresh
//! session for the stack's first `acquire` to take — so the login is the read's only
//! sign-in request ("one login per pupil per run", issue 16).
//!
//! # The two login styles
//!
//! | | JSON ([`LoginStyle::Json`]) | web form ([`LoginStyle::WebForm`]) |
//! |---|---|---|
//! | request | `POST /apiv2student/login` (`code`, `dob=YYYY-MM-DD`, `remember_me=1`) or `/apiv2parent/login` (`email`, `password`, `remember=true`) | `POST /student/login` (`_method=POST`, `code`, `dob=DD/MM/YYYY`, `remember_me=1`) or `/parent/login` (`_method=POST`, `email`, `logintype=existing`, `password`) |
//! | success | the envelope, session in `meta.session_id` | **302** with `Set-Cookie` (`cc-session` and `*_session_credentials`, whose URL-encoded JSON holds `session_id`) |
//! | failure | `success: 0` with the vendor's message | anything but a 302 (the form page again) |
//!
//! Both send `recaptcha-token=no-token-available`. Pupil codes are upper-cased.
//! Redirects are never followed, and every `Set-Cookie` header is read — not just
//! the first (classcharts-api-js issue #47), and not by splitting one header on `,`, which breaks on `Expires=`
//! dates.
//!
//! # The TES sign-on handshake (parents, since 2026)
//!
//! Since April 2026 a parent's `GET /pupils` right after logging in may be redirected to
//! `https://session.tes.com/v1/verify?returnUrl=…`, looping forever for clients that follow
//! redirects. The documented workaround, done here in `acquire`:
//! 1. log in as before (cookies `cc-session` + `parent_session_credentials`);
//! 2. `GET https://session.tes.com/v1/verify?returnUrl=<…/apiv2parent/pupils>` with those
//!    cookies, not following the redirect;
//! 3. `GET` its `Location` once, with the same cookies, not following redirects;
//! 4. use the API normally.
//!
//! On the student API such a redirect is reported as the typed "sign-on changed" error
//! ([`crate::error::SIGN_ON_CHANGED`]): no workaround is known there.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, OnceLock, PoisonError};
use std::time::Duration;

use async_trait::async_trait;
use mis_core::{DecodeDetail, Error, ErrorKind, Result, redact};
use mis_http::{
    Authenticator, BaseUrl, Credential, ExposeSecret, HeaderMap, HttpClient, Method, Request,
    Response, SecretString, Url, header, sensitive_header_value,
};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use tokio::time::Instant;

use crate::VENDOR;
use crate::config::{Account, Api, Config, LoginStyle};
use crate::error::{ClassChartsClassifier, LOGIN_OPERATION, SIGN_ON_CHANGED, sign_on_changed};
use crate::routes;
use crate::wire::{self, Envelope, LoginMeta, PingData, PingMeta};

/// What ClassCharts' login forms want for the captcha today (accepted now; the community
/// clients' notes say a real token "will most likely be required in the future").
const NO_CAPTCHA: &str = "no-token-available";

/// The logged-in user, as the login or the last rotation described it.
#[derive(Debug, Clone, PartialEq)]
pub enum User {
    /// A pupil (student API).
    Student(wire::Student),
    /// A parent account (parent API).
    Parent(wire::ParentUser),
}

/// Counters for observability and tests.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AuthStats {
    /// Logins performed.
    pub logins: u64,
    /// Session rotations (`POST /ping` with `include_data=true`), the one after each web-form
    /// login included.
    pub rotations: u64,
    /// TES sign-on handshakes performed.
    pub handshakes: u64,
}

// ---- the cookie jar -------------------------------------------------------------------------

/// A small cookie jar for one site: `name → value`, fed from every `Set-Cookie` header.
///
/// ClassCharts' login sets two cookies on one response, each with an `Expires=` date whose
/// comma breaks parsers that split a combined header on `,`. Each header is
/// read on its own here. Attributes other than `Max-Age` / `Expires` (used to delete a
/// cookie) are ignored: the jar serves one host. `Debug` shows names only.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct CookieJar {
    cookies: BTreeMap<String, String>,
}

impl CookieJar {
    /// An empty jar.
    pub fn new() -> Self {
        CookieJar::default()
    }

    /// Stores one `Set-Cookie` header value (`name=value; attr; attr=…`). A `Max-Age` of 0
    /// or less, or an `Expires` in the past, deletes the cookie. Malformed headers (no `=`,
    /// no name) are ignored.
    pub fn store(&mut self, set_cookie: &str) {
        let mut parts = set_cookie.split(';');
        let Some((name, value)) = parts.next().and_then(|p| p.split_once('=')) else {
            return;
        };
        let name = name.trim();
        if name.is_empty() || name.contains(char::is_whitespace) {
            return;
        }
        let value = value.trim().trim_matches('"');
        let mut deleted = false;
        for attr in parts {
            let Some((key, val)) = attr.split_once('=') else {
                continue;
            };
            match key.trim().to_ascii_lowercase().as_str() {
                "max-age" => {
                    deleted |= val.trim().parse::<i64>().is_ok_and(|secs| secs <= 0);
                }
                "expires" => {
                    deleted |= jiff::fmt::rfc2822::DateTimeParser::new()
                        .parse_timestamp(val.trim())
                        .is_ok_and(|t| t < jiff::Timestamp::now());
                }
                _ => {}
            }
        }
        if deleted {
            self.cookies.remove(name);
        } else {
            self.cookies.insert(name.to_owned(), value.to_owned());
        }
    }

    /// Stores every `Set-Cookie` header of a response.
    pub fn store_all(&mut self, headers: &HeaderMap) {
        for value in headers.get_all(header::SET_COOKIE) {
            if let Ok(text) = value.to_str() {
                self.store(text);
            }
        }
    }

    /// A cookie's value.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.cookies.get(name).map(String::as_str)
    }

    /// The cookie names.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.cookies.keys().map(String::as_str)
    }

    /// Whether the jar is empty.
    pub fn is_empty(&self) -> bool {
        self.cookies.is_empty()
    }

    /// The `Cookie` request header value: `a=1; b=2`, or `None` when empty.
    pub fn header(&self) -> Option<String> {
        (!self.cookies.is_empty()).then(|| {
            self.cookies
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join("; ")
        })
    }

    /// Empties the jar.
    pub fn clear(&mut self) {
        self.cookies.clear();
    }
}

impl fmt::Debug for CookieJar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Cookie values are session credentials.
        f.debug_struct("CookieJar")
            .field("names", &self.cookies.keys().collect::<Vec<_>>())
            .finish()
    }
}

/// The session id inside a `*_session_credentials` cookie value: URL-encoded JSON such as
/// `{"remember_me":false,"session_id":"a77dshds3jsd8sdfh2k3"}`.
///
/// Errors are `Decode` and never quote the value.
pub fn session_from_cookie(cookie: &str, value: &str) -> Result<SecretString> {
    #[derive(Deserialize)]
    struct Credentials {
        #[serde(default, deserialize_with = "wire::de::text")]
        session_id: Option<String>,
    }
    let bad = |why: &str| {
        Error::decode(
            VENDOR,
            LOGIN_OPERATION,
            format!("the {cookie} cookie {why}"),
            DecodeDetail::new(cookie, b""),
        )
    };
    let decoded = percent_encoding::percent_decode_str(value)
        .decode_utf8()
        .map_err(|_| bad("is not URL-encoded UTF-8"))?;
    let parsed: Credentials =
        serde_json::from_str(&decoded).map_err(|_| bad("does not hold JSON"))?;
    parsed
        .session_id
        .filter(|s| !s.trim().is_empty())
        .map(SecretString::from)
        .ok_or_else(|| bad("has no session_id"))
}

// ---- the authenticator ----------------------------------------------------------------------

#[derive(Default)]
struct State {
    /// Cookies of the ClassCharts host.
    site: CookieJar,
    /// Cookies the TES sign-on service set.
    sso: CookieJar,
    user: Option<User>,
}

/// The ClassCharts session flow for one account; see the module docs.
pub struct SessionAuth {
    api: Api,
    /// Behind a lock so a password change is used by the next login.
    account: Mutex<Account>,
    style: LoginStyle,
    interval: Duration,
    sso: HttpClient,
    classifier: ClassChartsClassifier,
    state: Mutex<State>,
    logins: AtomicU64,
    rotations: AtomicU64,
    handshakes: AtomicU64,
    /// The client that sends [`SessionAuth::sign_in`]'s login: the API's base, prefix and
    /// rate gate, without this authenticator (set once the authenticated client is built).
    direct: OnceLock<HttpClient>,
    /// A session [`SessionAuth::sign_in`] obtained, waiting for the stack's first acquire.
    pending: Mutex<Option<(SecretString, Instant)>>,
    /// One `sign_in` at a time, so concurrent first reads share one login.
    signing_in: tokio::sync::Mutex<()>,
}

impl SessionAuth {
    /// The flow for `config`'s account. `sso` is the client for the TES sign-on host (no
    /// authenticator: the handshake adds the cookies itself).
    pub(crate) fn new(config: &Config, sso: HttpClient, classifier: ClassChartsClassifier) -> Self {
        SessionAuth {
            api: config.api(),
            account: Mutex::new(config.account().clone()),
            style: config.style(),
            interval: config.rotation_interval(),
            sso,
            classifier,
            state: Mutex::new(State::default()),
            logins: AtomicU64::new(0),
            rotations: AtomicU64::new(0),
            handshakes: AtomicU64::new(0),
            direct: OnceLock::new(),
            pending: Mutex::new(None),
            signing_in: tokio::sync::Mutex::new(()),
        }
    }

    /// The client [`SessionAuth::sign_in`] logs in through (see the field). Set once.
    pub(crate) fn set_direct(&self, http: HttpClient) {
        let _ = self.direct.set(http);
    }

    /// The login client's rate gate, once set.
    #[cfg(test)]
    pub(crate) fn direct_gate(&self) -> Option<&std::sync::Arc<mis_http::RateGate>> {
        self.direct.get().map(HttpClient::rate_gate)
    }

    /// Logs in now, unless a login already happened: keeps the user the login (or, after a
    /// web-form login, the first rotation) describes, and the fresh session for the stack's
    /// first acquire, which then sends nothing. Concurrent callers share one login. See the
    /// module docs ("Signing in before the first request").
    pub(crate) async fn sign_in(&self) -> Result<()> {
        let Some(http) = self.direct.get() else {
            return Ok(());
        };
        let _one = self.signing_in.lock().await;
        if self.logins.load(Ordering::SeqCst) > 0 {
            // Logged in already (here or by the stack): the session is the stack's now.
            return Ok(());
        }
        let session = self.fresh_session(http).await?;
        *self.pending.lock().unwrap_or_else(PoisonError::into_inner) =
            Some((session, Instant::now()));
        Ok(())
    }

    /// The session [`SessionAuth::sign_in`] left, if it is still fresh (younger than the
    /// rotation interval, long before ClassCharts idles it out), with when it was issued.
    fn take_pending(&self) -> Option<(SecretString, Instant)> {
        let pending = self
            .pending
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()?;
        (pending.1.elapsed() < self.interval).then_some(pending)
    }

    /// A new session: log in, check the parent sign-on, and rotate once after a web-form
    /// login (module docs, "acquire").
    async fn fresh_session(&self, http: &HttpClient) -> Result<SecretString> {
        let session = self.login(http).await?;
        if self.api == Api::Parent {
            self.check_sign_on(http, &session).await?;
        }
        match self.style {
            LoginStyle::WebForm => self.rotate(http, session).await,
            LoginStyle::Json => Ok(session),
        }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn account(&self) -> Account {
        self.account
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Uses `password` for later logins (after `POST /password` succeeded).
    pub(crate) fn set_password(&self, password: SecretString) {
        let mut account = self.account.lock().unwrap_or_else(PoisonError::into_inner);
        if let Account::Parent { password: old, .. } = &mut *account {
            *old = password;
        }
    }

    /// The logged-in user as last described by ClassCharts (`None` before the first login).
    pub fn user(&self) -> Option<User> {
        self.state().user.clone()
    }

    /// Logins, rotations and handshakes so far.
    pub fn stats(&self) -> AuthStats {
        AuthStats {
            logins: self.logins.load(Ordering::SeqCst),
            rotations: self.rotations.load(Ordering::SeqCst),
            handshakes: self.handshakes.load(Ordering::SeqCst),
        }
    }

    /// The names of the cookies held for the ClassCharts host.
    pub fn cookie_names(&self) -> Vec<String> {
        self.state().site.names().map(str::to_owned).collect()
    }

    /// Puts the session and the site's cookies on a request.
    fn authorize(&self, request: &mut Request, session: &SecretString) -> Result<()> {
        // The raw id, not base64 of anything: what ClassCharts' apps send.
        let value = sensitive_header_value(&format!("Basic {}", session.expose_secret()))?;
        request.headers_mut().insert(header::AUTHORIZATION, value);
        if let Some(cookies) = self.state().site.header() {
            request
                .headers_mut()
                .insert(header::COOKIE, sensitive_header_value(&cookies)?);
        }
        Ok(())
    }

    fn credential(&self, session: SecretString) -> Credential {
        Credential::new(session).renew_after(Instant::now() + self.interval)
    }

    fn remember(&self, user: Option<User>) {
        if let Some(user) = user {
            self.state().user = Some(user);
        }
    }

    /// The user object in a login or ping `data`, read leniently: it is informational, so a
    /// shape this version does not know never fails a login.
    fn user_from(&self, value: Option<serde_json::Value>) -> Option<User> {
        let value = value?;
        match self.api {
            Api::Student => serde_json::from_value(value).ok().map(User::Student),
            Api::Parent => serde_json::from_value(value).ok().map(User::Parent),
        }
    }

    // ---- login --------------------------------------------------------------------------

    async fn login(&self, http: &HttpClient) -> Result<SecretString> {
        self.logins.fetch_add(1, Ordering::SeqCst);
        {
            // A new login starts from nothing: stale cookies could carry the old session.
            let mut state = self.state();
            state.site.clear();
            state.sso.clear();
        }
        match self.style {
            LoginStyle::Json => self.json_login(http).await,
            LoginStyle::WebForm => self.web_login(http).await,
        }
    }

    /// `POST /apiv2student/login` or `/apiv2parent/login` (the JSON login).
    async fn json_login(&self, http: &HttpClient) -> Result<SecretString> {
        let form: Vec<(&str, String)> = match &self.account() {
            Account::Student {
                code,
                date_of_birth,
            } => vec![
                ("code", code.expose_secret().to_owned()),
                // YYYY-MM-DD here (api-docs, the mock); the web form wants DD/MM/YYYY.
                ("dob", date_of_birth.to_string()),
                ("remember_me", "1".into()),
                ("recaptcha-token", NO_CAPTCHA.into()),
            ],
            Account::Parent { email, password } => vec![
                ("email", email.clone()),
                ("password", password.expose_secret().to_owned()),
                ("remember", "true".into()),
                ("recaptcha-token", NO_CAPTCHA.into()),
            ],
        };
        let response = http
            .post(&[routes::LOGIN])
            .form(&form)
            .operation(LOGIN_OPERATION)
            // Replaying a login only issues another session; no school data changes.
            .idempotent(true)
            .send()
            .await?;
        self.state().site.store_all(response.headers());
        let envelope: Envelope<serde_json::Value, LoginMeta> =
            decode(LOGIN_OPERATION, response.body())?;
        let user = self.user_from(envelope.data);
        self.remember(user);
        envelope.meta.session_id.map(|s| s.0).ok_or_else(|| {
            Error::decode(
                VENDOR,
                LOGIN_OPERATION,
                "ClassCharts accepted the login but sent no meta.session_id",
                DecodeDetail::new("meta.session_id", response.body()),
            )
        })
    }

    /// `POST /student/login` or `/parent/login`: a 302 with cookies (the web form).
    async fn web_login(&self, http: &HttpClient) -> Result<SecretString> {
        let (form, what): (Vec<(&str, String)>, &str) = match &self.account() {
            Account::Student {
                code,
                date_of_birth,
            } => (
                vec![
                    ("_method", "POST".into()),
                    ("code", code.expose_secret().to_owned()),
                    // DD/MM/YYYY: the JS README says the form "MUST" have it so.
                    (
                        "dob",
                        format!(
                            "{:02}/{:02}/{:04}",
                            date_of_birth.day(),
                            date_of_birth.month(),
                            date_of_birth.year()
                        ),
                    ),
                    ("remember_me", "1".into()),
                    ("recaptcha-token", NO_CAPTCHA.into()),
                ],
                "pupil code and date of birth",
            ),
            Account::Parent { email, password } => (
                vec![
                    ("_method", "POST".into()),
                    ("email", email.clone()),
                    ("logintype", "existing".into()),
                    ("password", password.expose_secret().to_owned()),
                    ("recaptcha-token", NO_CAPTCHA.into()),
                ],
                "e-mail and password",
            ),
        };
        let response = http
            .request_url(Method::POST, self.api.form_path())
            .form(&form)
            .accept_redirect()
            .operation(LOGIN_OPERATION)
            // Replaying a login only issues another session; no school data changes.
            .idempotent(true)
            .send()
            .await?;
        self.state().site.store_all(response.headers());
        let status = response.status().as_u16();
        if status != 302 {
            // The form page again: bad credentials (every client reads it so).
            let said = form_alert(response.body())
                .map(|m| format!(": {m}"))
                .unwrap_or_default();
            return Err(Error::new(
                ErrorKind::Unauthenticated,
                format!(
                    "ClassCharts did not accept the {what}: the login form answered {status} \
                     instead of a 302 redirect{said}"
                ),
            )
            .with_status(status));
        }
        let cookie_name = self.api.credentials_cookie();
        let cookie = self.state().site.get(cookie_name).map(str::to_owned);
        match cookie {
            Some(value) => session_from_cookie(cookie_name, &value),
            None if location(&response).is_some_and(|l| self.classifier.is_tes_location(l)) => {
                Err(sign_on_changed(self.api))
            }
            None => Err(Error::new(
                ErrorKind::Unauthenticated,
                format!(
                    "ClassCharts answered the login with a redirect but without the \
                     {cookie_name} cookie"
                ),
            )
            .with_status(status)),
        }
    }

    // ---- the TES handshake --------------------------------------------------------------

    /// Asks for the pupil list with `session` and runs the TES handshake if ClassCharts
    /// redirects there (parents only, since April 2026).
    async fn check_sign_on(&self, http: &HttpClient, session: &SecretString) -> Result<()> {
        let probe = self.probe_pupils(http, session).await?;
        let Some(target) = redirect_target(&probe) else {
            return Ok(());
        };
        if !self.classifier.is_tes_location(&target) {
            return Err(Error::new(
                ErrorKind::Vendor,
                format!(
                    "ClassCharts redirected the pupil list to {} right after logging in",
                    path_only(&target)
                ),
            )
            .with_retryable(false));
        }
        self.handshake(http, session).await?;
        let again = self.probe_pupils(http, session).await?;
        if redirect_target(&again).is_some() {
            return Err(Error::new(
                ErrorKind::Unauthenticated,
                "ClassCharts sign-on changed: after the TES sign-on handshake the pupil list \
                 still redirects to the sign-on service",
            )
            .with_vendor_code(SIGN_ON_CHANGED));
        }
        Ok(())
    }

    async fn probe_pupils(&self, http: &HttpClient, session: &SecretString) -> Result<Response> {
        let mut request = http
            .get(&[routes::PUPILS])
            .accept_redirect()
            .operation("pupils")
            .build()?;
        self.authorize(&mut request, session)?;
        let response = http.send_request(request).await?;
        self.state().site.store_all(response.headers());
        Ok(response)
    }

    /// Steps 2 and 3 of the workaround (module docs).
    async fn handshake(&self, http: &HttpClient, session: &SecretString) -> Result<()> {
        self.handshakes.fetch_add(1, Ordering::SeqCst);
        let return_url = http.url(&[routes::PUPILS])?;
        // Step 2: the verify call carries the ClassCharts login cookies (and any of TES's).
        let cookies = {
            let state = self.state();
            let mut both = state.site.clone();
            for name in state.sso.names() {
                if let Some(v) = state.sso.get(name) {
                    both.store(&format!("{name}={v}"));
                }
            }
            both.header()
        };
        let mut verify = self
            .sso
            .request_url(Method::GET, routes::SSO_VERIFY)
            .query(&[("returnUrl", return_url.as_str())])
            .accept_redirect()
            .operation("sso.verify")
            .build()?;
        if let Some(cookies) = cookies {
            verify
                .headers_mut()
                .insert(header::COOKIE, sensitive_header_value(&cookies)?);
        }
        let response = self.sso.send_request(verify).await?;
        self.state().sso.store_all(response.headers());
        let Some(target) = redirect_target(&response) else {
            return Err(handshake_failed(format!(
                "the TES sign-on service answered {} instead of redirecting back",
                response.status().as_u16()
            )));
        };
        // A relative Location is relative to the sign-on host.
        let back = self.sso.base_url().as_url().join(&target).map_err(|_| {
            handshake_failed("the TES sign-on service redirected to an invalid URL")
        })?;
        // Step 3: follow that one redirect by hand, back on ClassCharts, with the cookies.
        let mut request = http
            .request_url(Method::GET, back.as_str())
            .accept_redirect()
            .operation("sso.return")
            .build()
            .map_err(|_| {
                handshake_failed(format!(
                    "the TES sign-on service redirected to another host ({}) instead of \
                     back to ClassCharts",
                    back.host_str().unwrap_or("?")
                ))
            })?;
        self.authorize(&mut request, session)?;
        let response = http.send_request(request).await?;
        self.state().site.store_all(response.headers());
        Ok(())
    }

    // ---- rotation -----------------------------------------------------------------------

    /// `POST /ping` with `include_data=true`: the answer's `meta.session_id` is the new id
    /// (the old one is kept if none came back: the session was still used, so it lives on).
    async fn rotate(&self, http: &HttpClient, session: SecretString) -> Result<SecretString> {
        let mut request = http
            .post(&[routes::PING])
            .form(&[("include_data", "true")])
            .operation("ping")
            // A replayed ping at worst rotates the session twice; if the first rotation's
            // answer was lost, the next call sees `expired` and logs in again.
            .idempotent(true)
            .build()?;
        self.authorize(&mut request, &session)?;
        let response = http.send_request(request).await?;
        self.state().site.store_all(response.headers());
        let envelope: Envelope<PingData<serde_json::Value>, PingMeta> =
            decode("ping", response.body())?;
        self.rotations.fetch_add(1, Ordering::SeqCst);
        let user = self.user_from(envelope.data.and_then(|d| d.user));
        self.remember(user);
        Ok(envelope.meta.session_id.map_or(session, |s| s.0))
    }
}

impl fmt::Debug for SessionAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionAuth")
            .field("api", &self.api)
            .field("account", &self.account())
            .field("style", &self.style)
            .field("ping_interval", &self.interval)
            .field("stats", &self.stats())
            .finish_non_exhaustive()
    }
}

#[async_trait]
impl Authenticator for SessionAuth {
    async fn acquire(&self, http: &HttpClient) -> Result<Credential> {
        if let Some((session, issued)) = self.take_pending() {
            // Signed in moments ago for this very read: use that session.
            return Ok(Credential::new(session).renew_after(issued + self.interval));
        }
        let session = self.fresh_session(http).await?;
        Ok(self.credential(session))
    }

    async fn renew(&self, http: &HttpClient, current: &Credential) -> Result<Credential> {
        let session = self.rotate(http, current.secret().clone()).await?;
        Ok(self.credential(session))
    }

    fn apply(&self, credential: &Credential, request: &mut Request) -> Result<()> {
        self.authorize(request, credential.secret())
    }
}

// ---- helpers --------------------------------------------------------------------------------

fn location(response: &Response) -> Option<&str> {
    response
        .headers()
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
}

/// The `Location` of a 3xx answer.
fn redirect_target(response: &Response) -> Option<String> {
    if !response.status().is_redirection() {
        return None;
    }
    Some(location(response).unwrap_or("").to_owned())
}

/// A URL or path without query and fragment (they may carry tokens).
fn path_only(target: &str) -> String {
    let end = target.find(['?', '#']).unwrap_or(target.len());
    redact(&target[..end])
}

fn handshake_failed(why: impl fmt::Display) -> Error {
    Error::new(
        ErrorKind::Unauthenticated,
        format!("ClassCharts sign-on changed: the TES sign-on handshake failed: {why}"),
    )
    .with_vendor_code(SIGN_ON_CHANGED)
}

/// The message in the login page's `alert-danger` box, if any (the form shown again after a
/// failed login). Tags are dropped, the text is redacted and cut.
fn form_alert(body: &[u8]) -> Option<String> {
    let html = String::from_utf8_lossy(body);
    let at = html.find("alert-danger")?;
    let rest = &html[at..];
    let start = rest.find('>')? + 1;
    let end = rest[start..]
        .find("</div>")
        .map_or(rest.len(), |e| start + e);
    let mut text = String::new();
    let mut in_tag = false;
    for ch in rest[start..end].chars() {
        match ch {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    let text: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let text: String = text.chars().take(200).collect();
    (!text.is_empty()).then(|| redact(&text))
}

/// Decodes `body` as JSON into `T`, naming the failing path (values are not quoted: they may
/// be secrets).
pub(crate) fn decode<T: DeserializeOwned>(operation: &str, body: &[u8]) -> Result<T> {
    mis_http::decode_json(VENDOR, operation, body)
}

/// The base URL's origin as a [`Url`] (for the classifier's TES check).
pub(crate) fn sso_url(base: &BaseUrl) -> Url {
    base.as_url().clone()
}

#[cfg(test)]
mod tests {
    use mis_http::HeaderValue;

    use super::*;

    #[test]
    fn the_jar_reads_every_set_cookie_with_commas_in_dates() {
        let mut headers = HeaderMap::new();
        for v in [
            "cc-session=abc123; expires=Thu, 01 Jan 2037 00:00:00 GMT; Max-Age=2592000; path=/; HttpOnly",
            "student_session_credentials=%7B%22remember_me%22%3Atrue%2C%22session_id%22%3A%22s3ss10n%22%7D; expires=Thu, 01 Jan 2037 00:00:00 GMT; path=/",
        ] {
            headers.append(header::SET_COOKIE, HeaderValue::from_str(v).unwrap());
        }
        let mut jar = CookieJar::new();
        jar.store_all(&headers);
        assert_eq!(jar.get("cc-session"), Some("abc123"));
        let raw = jar.get("student_session_credentials").unwrap();
        let session = session_from_cookie("student_session_credentials", raw).unwrap();
        assert_eq!(session.expose_secret(), "s3ss10n");
        let header = jar.header().unwrap();
        assert!(header.starts_with("cc-session=abc123; student_session_credentials=%7B"));
        assert!(!format!("{jar:?}").contains("abc123"), "{jar:?}");
        // Deletion by Max-Age and by a past Expires.
        jar.store("cc-session=; Max-Age=0");
        jar.store("student_session_credentials=x; expires=Thu, 01 Jan 1970 00:00:00 GMT");
        assert!(jar.is_empty());
        jar.store("garbage");
        jar.store("=nameless");
        assert!(jar.is_empty());
    }

    #[test]
    fn bad_session_cookies_are_decode_errors_without_the_value() {
        for value in ["%7Bnot-json", "%7B%22remember_me%22%3Afalse%7D", "%FF%FE"] {
            let e = session_from_cookie("parent_session_credentials", value).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::Decode);
            assert!(!e.to_string().contains(value), "{e}");
        }
    }

    #[test]
    fn the_form_alert_is_read_from_the_login_page() {
        let page = br#"<html><body><form method="post"><div class="alert alert-danger">The date of birth you have <b>provided</b> is incorrect</div></form></body></html>"#;
        assert_eq!(
            form_alert(page).as_deref(),
            Some("The date of birth you have provided is incorrect")
        );
        assert_eq!(form_alert(b"<html></html>"), None);
    }
}
