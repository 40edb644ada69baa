//! Logging in (both documented styles), the session check every data call goes through, and
//! the shared state the handlers read.
//!
//! (A) The web form (the legacy docs, classcharts-api-js, classcharts-rs) — `POST /student/login`
//! or `/parent/login`, answered with a 302 and two `Set-Cookie` headers, the session id inside the
//! URL-encoded `*_session_credentials` cookie; (B) the JSON API (api-docs, the community mock
//! server) — `POST /apiv2student/login` or `/apiv2parent/login`, answered with `meta.session_id`.
//! Either way every later call sends `Authorization: Basic <session_id>` (the raw id, not base64).

use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use axum::Json;
use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use jiff::civil::Date;

use super::form::{Fields, body_fields, percent_encode};
use super::render::{View, error};
use super::state::{Accounts, Api, Refusal, Sessions, Who, Writes, is_on_roll, pupil_code};
use crate::emulator::{Faults, Stats};
use crate::sandbox::EmulatorContext;
use crate::school::School;

/// How long a session lives without requests: "as little as 5 minutes" (classcharts-api-js
/// issue #17), scaled by `time_scale`.
pub(super) const IDLE: Duration = Duration::from_secs(5 * 60);

/// The error of every refused session (legacy docs / api-docs `error_response`).
pub(super) const NOT_LOGGED_IN: &str = "You are not logged in. [1]";

/// The community mock server's wording for a wrong pupil code (the real wording is
/// inferred).
pub(super) const BAD_CODE: &str = "The pupil code you have provided is incorrect. If you do not have your pupil code, or have forgotten it, please contact your school. Your school contact details can usually be found on your school's website.";

/// The mock server's wording for a wrong date of birth.
pub(super) const BAD_DOB: &str = "The date of birth you have provided is incorrect";

/// A wrong parent e-mail or password (inferred wording: no public capture).
pub(super) const BAD_PARENT: &str = "The email address or password you have entered is incorrect";

/// Everything the handlers share.
pub(super) struct Shared {
    /// The school served.
    pub school: Arc<School>,
    /// Who can log in.
    pub accounts: Accounts,
    /// Pupil code (upper case) → pupil index, for every on-roll pupil.
    pub codes: HashMap<String, usize>,
    /// Live sessions.
    pub sessions: Mutex<Sessions>,
    /// Writes applied.
    pub writes: Mutex<Writes>,
    /// The fault plan (credential expiry every N requests).
    pub faults: Arc<Faults>,
    /// Counters.
    pub stats: Arc<Stats>,
    /// Session idle lifetime, scaled.
    pub idle: Duration,
    /// Activity page size.
    pub page_size: usize,
}

impl Shared {
    /// The state of one emulator.
    pub(super) fn new(ctx: &EmulatorContext, accounts: Accounts, page_size: usize) -> Shared {
        let school = ctx.school.clone();
        let codes = (0..school.students.len())
            .filter(|&i| is_on_roll(&school, i))
            .map(|i| (pupil_code(school.seed, &school.students[i].id), i))
            .collect();
        Shared {
            sessions: Mutex::new(Sessions::new(school.seed)),
            school,
            accounts,
            codes,
            writes: Mutex::new(Writes::default()),
            faults: ctx.faults.clone(),
            stats: ctx.stats.clone(),
            idle: ctx.options.scaled(IDLE),
            page_size,
        }
    }

    pub(super) fn sessions(&self) -> MutexGuard<'_, Sessions> {
        self.sessions.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(super) fn writes(&self) -> MutexGuard<'_, Writes> {
        self.writes.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A renderer over the current writes.
    pub(super) fn view<'a>(&'a self, writes: &'a Writes) -> View<'a> {
        View {
            school: &self.school,
            accounts: &self.accounts,
            writes,
            page_size: self.page_size,
            records: self.faults.plan().records,
            onboarding: self.faults.plan().onboarding,
        }
    }

    fn issue(&self, who: Who) -> String {
        self.stats.logins.fetch_add(1, Ordering::SeqCst);
        self.sessions().issue(who, Instant::now(), self.idle)
    }

    /// Rotates a session on `/ping`: a new id for the same user (not a login).
    pub(super) fn rotate(&self, who: Who) -> String {
        self.sessions().issue(who, Instant::now(), self.idle)
    }

    /// The pupil a code + date of birth log in as. Codes are case-insensitive (the clients
    /// upper-case them); the date may be `YYYY-MM-DD` (JSON login) or `DD/MM/YYYY` (web
    /// form), both accepted on both routes (inferred: NCPlayz sends the second to the JSON
    /// login).
    fn student_for(&self, fields: &Fields) -> Result<usize, &'static str> {
        let code = fields.get("code").map_or("", String::as_str);
        let p = *self
            .codes
            .get(&code.trim().to_ascii_uppercase())
            .ok_or(BAD_CODE)?;
        let dob = fields
            .get("dob")
            .and_then(|d| parse_dob(d))
            .ok_or(BAD_DOB)?;
        if self.school.students[p].date_of_birth == Some(dob) {
            Ok(p)
        } else {
            Err(BAD_DOB)
        }
    }

    /// Whether `fields` hold the parent's e-mail (case-insensitive) and current password.
    fn parent_ok(&self, fields: &Fields) -> bool {
        let email = fields.get("email").map_or("", |e| e.trim());
        let password = fields.get("password").map_or("", String::as_str);
        email.eq_ignore_ascii_case(&self.accounts.parent.email) && password == self.password()
    }

    /// The parent's current password.
    pub(super) fn password(&self) -> String {
        self.writes()
            .password
            .clone()
            .unwrap_or_else(|| self.accounts.parent.password.clone())
    }
}

/// Parses `2010-01-20`, `20/01/2010` or `20/1/2010`.
pub(super) fn parse_dob(s: &str) -> Option<Date> {
    let s = s.trim();
    if let Ok(d) = s.parse::<Date>() {
        return Some(d);
    }
    let mut it = s.split('/').map(|x| x.trim().parse::<i16>().ok());
    let (d, m, y) = (it.next()??, it.next()??, it.next()??);
    if it.next().is_some() {
        return None;
    }
    Date::new(y, i8::try_from(m).ok()?, i8::try_from(d).ok()?).ok()
}

/// A JSON body with HTTP 200, as ClassCharts answers everything (the legacy docs' "Errors").
pub(super) fn json(v: serde_json::Value) -> Response {
    Json(v).into_response()
}

/// The session id of `Authorization: Basic <id>`.
fn session_id(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?.trim();
    let (scheme, id) = value.split_once(' ')?;
    let id = id.trim();
    (scheme.eq_ignore_ascii_case("basic") && !id.is_empty()).then_some(id)
}

/// Checks the request's session for `api`: `(who, session id)`, or the vendor's error — HTTP 200
/// with `success: 0` and `expired: 1` when a session was given but is unknown, idle too long or
/// expired by the fault plan (as the community mock server's auth middleware answers), and
/// `expired: 0` when none was given at all (nothing expired).
pub(super) fn authenticate(
    shared: &Shared,
    api: Api,
    headers: &HeaderMap,
) -> Result<(Who, String), serde_json::Value> {
    let token = session_id(headers);
    let mut sessions = shared.sessions();
    match sessions.check(token, api, Instant::now(), shared.idle) {
        Err(Refusal::Missing) => Err(error(NOT_LOGGED_IN, false)),
        Err(Refusal::Expired) => Err(error(NOT_LOGGED_IN, true)),
        Ok(who) => {
            let token = token.unwrap_or_default().to_string();
            if shared.faults.credential_expires_now() {
                sessions.end(&token);
                return Err(error(NOT_LOGGED_IN, true));
            }
            Ok((who, token))
        }
    }
}

/// `POST /apiv2student/login` or `/apiv2parent/login` (the JSON login of api-docs). Wrong
/// credentials are HTTP 200 with `success: 0`.
pub(super) fn json_login(shared: &Shared, api: Api, headers: &HeaderMap, body: &[u8]) -> Response {
    let fields = body_fields(headers, body);
    let writes = shared.writes().clone();
    let view = shared.view(&writes);
    match api {
        Api::Student => match shared.student_for(&fields) {
            Ok(p) => {
                let token = shared.issue(Who::Student(p));
                json(view.student_login(p, &token))
            }
            Err(message) => json(error(message, false)),
        },
        Api::Parent => {
            if shared.parent_ok(&fields) {
                let token = shared.issue(Who::Parent);
                json(view.parent_login(&token))
            } else {
                json(error(BAD_PARENT, false))
            }
        }
    }
}

/// `POST /student/login` or `/parent/login`, the web form (the legacy docs' login).
///
/// Success is a 302 with two `Set-Cookie` headers — `cc-session` and
/// `student_session_credentials` / `parent_session_credentials`, the latter URL-encoded JSON
/// `{"remember_me":…,"session_id":…}` — each with an `expires=` date whose comma breaks
/// clients that split `Set-Cookie` on `,` (classcharts-api-js issue #47). Anything else means
/// bad credentials: the form page again, HTTP 200, no cookies.
pub(super) fn web_login(shared: &Shared, api: Api, headers: &HeaderMap, body: &[u8]) -> Response {
    let fields = body_fields(headers, body);
    let (who, kind, home) = match api {
        Api::Student => match shared.student_for(&fields) {
            Ok(p) => (Who::Student(p), "student", "/student/"),
            Err(message) => return login_page(message),
        },
        Api::Parent if shared.parent_ok(&fields) => (Who::Parent, "parent", "/parent/"),
        Api::Parent => return login_page(BAD_PARENT),
    };
    let token = shared.issue(who);
    let remember = fields
        .get("remember_me")
        .is_some_and(|v| v == "1" || v == "true");
    let credentials = serde_json::json!({ "remember_me": remember, "session_id": token });
    let expires = jiff::Timestamp::now()
        .checked_add(jiff::SignedDuration::from_hours(24 * 30))
        .ok()
        .and_then(|t| {
            jiff::fmt::rfc2822::DateTimePrinter::new()
                .timestamp_to_rfc9110_string(&t)
                .ok()
        })
        .unwrap_or_else(|| "Thu, 01 Jan 2037 00:00:00 GMT".to_string());
    let cc = shared.sessions().next_cc_session();
    let cookies = [
        format!("cc-session={cc}; expires={expires}; Max-Age=2592000; path=/; HttpOnly"),
        format!(
            "{kind}_session_credentials={}; expires={expires}; Max-Age=2592000; path=/",
            percent_encode(&credentials.to_string())
        ),
    ];
    let mut r = Response::new(Body::empty());
    *r.status_mut() = StatusCode::FOUND;
    r.headers_mut()
        .insert(header::LOCATION, HeaderValue::from_static(home));
    for c in cookies {
        if let Ok(v) = HeaderValue::from_str(&c) {
            r.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    r
}

/// The login form shown again with the error: what a browser gets for bad credentials.
fn login_page(message: &str) -> Response {
    let html = format!(
        "<!DOCTYPE html><html><head><title>Log in | ClassCharts</title></head>\
         <body><form method=\"post\"><div class=\"alert alert-danger\">{message}</div></form></body></html>"
    );
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "text/html; charset=UTF-8")],
        html,
    )
        .into_response()
}
