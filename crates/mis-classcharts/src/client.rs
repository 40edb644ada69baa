//! The typed clients: [`StudentClient`] and [`ParentClient`] over one shared core,
//! [`Client`], which holds the HTTP stack and every endpoint both APIs have.
//!
//! The parent API "is identical to the student API, except that the data returned is based on
//! the student ID which is passed via each request" (api-docs), so the data
//! endpoints live once, on [`Client`], and take the pupil id. Both clients dereference to it.
//! The few endpoints only one API has are on that client: `rewards`, `purchase` and
//! `getcode` for students; `pupils`, `password` and parent behaviours for parents.
//!
//! Every method sends one request (the activity stream one per page) and returns the
//! vendor's `data` and `meta` as [`Reply`]. Dates go out as `YYYY-MM-DD`.

use std::fmt;
use std::ops::Deref;
use std::sync::Arc;

use futures::stream::BoxStream;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use mis_core::paging::{Page, paginate};
use mis_core::{DateRange, DecodeDetail, Error, ErrorKind, ProviderInfo, Result};
use mis_http::{
    ExposeSecret, HeaderValue, HttpClient, HttpClientBuilder, Lenient, PlainFirst, RateLimit,
    RequestBuilder, RetryConfig, SecretString, WaitHint, header,
};
use serde::de::DeserializeOwned;

mod cache;

pub(crate) use cache::DayReply;

use crate::VENDOR;
use crate::auth::{AuthStats, SessionAuth, User};
use crate::config::{Account, Api, Config, DEFAULT_TIME_ZONE, DEFAULT_TIMEOUT, default_rate_limit};
use crate::convert::MarkRules;
use crate::error::{ClassChartsClassifier, PURCHASE_OPERATION};
use crate::routes;
use crate::wire::de::Many;
use crate::wire::{
    AcademicReport, AcademicReportSummary, ActivityMeta, ActivityPoint, Announcement,
    AttendanceDays, AttendanceMeta, Badge, BehaviourMeta, BehaviourSummary, ClassInfo,
    CustomFields, Detention, DetentionsMeta, Envelope, Homework, HomeworksMeta, NoMeta,
    OnReportCard, ParentBehaviour, ParentUser, PingData, PingMeta, Pupil, Purchase, Reply,
    ReportCardComment, ReportCardTarget, Reward, RewardsMeta, Student, StudentCode,
    TimetableLesson, TimetableMeta,
};

/// `from` / `to` of the activity feed (both optional).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ActivityFilter {
    /// From this date.
    pub from: Option<Date>,
    /// To this date. api-docs: the page holds the 50 points *before* `to`.
    pub to: Option<Date>,
}

impl ActivityFilter {
    /// Points from `from` to `to`.
    pub fn between(from: Date, to: Date) -> Self {
        ActivityFilter {
            from: Some(from),
            to: Some(to),
        }
    }
}

/// How `/homeworks` picks tasks by date.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum DisplayDate {
    /// By the date set (`issue_date`, the vendor's default).
    #[default]
    IssueDate,
    /// By the due date (`due_date`).
    DueDate,
}

impl DisplayDate {
    /// The query value.
    pub fn as_str(self) -> &'static str {
        match self {
            DisplayDate::IssueDate => "issue_date",
            DisplayDate::DueDate => "due_date",
        }
    }
}

/// `display_date`, `from`, `to` of `/homeworks`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HomeworkFilter {
    /// By issue or due date (`display_date`; the vendor's default when `None`).
    pub display_date: Option<DisplayDate>,
    /// From this date.
    pub from: Option<Date>,
    /// To this date.
    pub to: Option<Date>,
}

/// Whether an activity point is dated before `from` (its `timestamp`'s date as written: the
/// school's wall-clock date). A point without a readable date is not.
fn before(p: &ActivityPoint, from: Option<Date>) -> bool {
    let Some(from) = from else {
        return false;
    };
    p.timestamp
        .as_deref()
        .and_then(|t| t.trim().get(..10))
        .and_then(|d| d.parse::<Date>().ok())
        .is_some_and(|d| d < from)
}

/// The shared core of both clients: the HTTP stack (with the session authenticator), the API
/// prefix, and every endpoint the student and parent APIs share. Cheap to clone.
#[derive(Clone)]
pub struct Client {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) http: HttpClient,
    pub(crate) auth: Arc<SessionAuth>,
    pub(crate) api: Api,
    pub(crate) info: ProviderInfo,
    pub(crate) rules: MarkRules,
    pub(crate) school_days: Vec<jiff::civil::Weekday>,
    pub(crate) zone_override: Option<TimeZone>,
    pub(crate) date_of_birth: Option<Date>,
    pub(crate) chosen_pupil: Option<String>,
    /// Whether a list body that came cut short is sent for again ([`Client::fetch_list`]):
    /// not when the options allow one attempt only.
    resend_cut_short: bool,
    /// Timetable days read lately, shared by the provider's reads.
    pub(crate) timetables: cache::TimetableCache,
    /// The parent's pupil list as read lately, shared by the provider's reads.
    pub(crate) pupils: cache::KeptPupils,
}

impl Client {
    fn new(config: &Config) -> Result<Client> {
        let api = config.api();
        let options = config.options();
        let base = config.endpoint()?;
        let sso_base = config.sso_endpoint()?;
        let classifier = ClassChartsClassifier::new(api, Some(&crate::auth::sso_url(&sso_base)));
        // ClassCharts' defaults first; `options` then overrides what it sets.
        let defaults = |builder: HttpClientBuilder| {
            builder
                .base(base.clone())
                .rate_limit(default_rate_limit())
                .timeout(DEFAULT_TIMEOUT)
                // No rate-limit headers are known; Retry-After is standard.
                .wait_hints(&[WaitHint::RetryAfter])
                .classifier(classifier.clone())
                // A JS-library commit re-added its User-Agent after requests without one had
                // problems: always send one.
                .user_agent(concat!("mis-classcharts/", env!("CARGO_PKG_VERSION")))
        };
        // The TES host: no authenticator (the handshake sets its cookies by hand), no rate
        // limit of ClassCharts' and one attempt (it is part of a login, which the outer
        // request's retry repeats). The options' base URL is ClassCharts' host, not this one.
        let sso = defaults(HttpClient::builder(VENDOR))
            .options(options)?
            .base(sso_base)
            .rate_limit(RateLimit::unlimited())
            .retry(RetryConfig::none())
            .build()?;
        let auth = Arc::new(SessionAuth::new(config, sso, classifier.clone()));
        let http = defaults(HttpClient::builder(VENDOR))
            .prefix(api.prefix())
            .authenticator_arc(auth.clone())
            .options(options)?
            .build()?;
        // The login `SessionAuth::sign_in` sends before the first request: same API, same
        // rate gate (it counts against the same allowance), no authenticator (it is the
        // login), the same retries (a login is safe to repeat).
        let direct = defaults(HttpClient::builder(VENDOR))
            .prefix(api.prefix())
            .options(options)?
            .rate_gate(http.rate_gate().clone())
            .build()?;
        auth.set_direct(direct);
        let zone_name = options.time_zone();
        let zone_override = match zone_name {
            Some(z) => Some(TimeZone::get(z).map_err(|_| {
                Error::invalid_input(format!("{z:?} is not a known IANA time zone"))
            })?),
            None => None,
        };
        let (date_of_birth, chosen_pupil) = match config.account() {
            Account::Student { date_of_birth, .. } => (Some(*date_of_birth), None),
            Account::Parent { .. } => (None, config.chosen_pupil().map(str::to_owned)),
        };
        let info = ProviderInfo::new(VENDOR).time_zone(zone_name.unwrap_or(DEFAULT_TIME_ZONE));
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                auth,
                api,
                info,
                rules: MarkRules {
                    mapper: config.mapper().clone(),
                    sessions: config.sessions().clone(),
                    uncoded_absence: config.uncoded_absence_kind(),
                },
                school_days: config.teaching_days().to_vec(),
                zone_override,
                date_of_birth,
                chosen_pupil,
                resend_cut_short: options.retry().is_none_or(|r| r.attempts() > 1),
                timetables: Default::default(),
                pupils: Default::default(),
            }),
        })
    }

    /// Which API this client talks to.
    pub fn api(&self) -> Api {
        self.inner.api
    }

    /// The underlying HTTP client (for endpoints this crate does not cover yet): requests
    /// through it are authenticated, rotated and classified like every other.
    pub fn http(&self) -> &HttpClient {
        &self.inner.http
    }

    /// Logins, rotations and TES handshakes so far.
    pub fn auth_stats(&self) -> AuthStats {
        self.inner.auth.stats()
    }

    /// The names of the cookies the client holds for ClassCharts (values are secrets).
    pub fn cookie_names(&self) -> Vec<String> {
        self.inner.auth.cookie_names()
    }

    /// The school's zone for a pupil: the configured override, else the pupil's `timezone`,
    /// else `Europe/London` (ClassCharts serves UK schools).
    pub fn zone_for(&self, pupil_zone: Option<&str>) -> TimeZone {
        if let Some(z) = &self.inner.zone_override {
            return z.clone();
        }
        if let Some(name) = pupil_zone.map(str::trim).filter(|z| !z.is_empty()) {
            match TimeZone::get(name) {
                Ok(z) => return z,
                Err(_) => {
                    tracing::warn!(zone = name, "unknown pupil time zone; using Europe/London");
                }
            }
        }
        TimeZone::get(DEFAULT_TIME_ZONE).unwrap_or(TimeZone::UTC)
    }

    // ---- sending ------------------------------------------------------------------------

    /// Sends and decodes the envelope. Errors (`success: 0`) were already turned into
    /// `mis_core::Error` by the classifier.
    async fn envelope<D, M>(&self, request: RequestBuilder) -> Result<Envelope<D, M>>
    where
        D: DeserializeOwned,
        M: DeserializeOwned + Default,
    {
        request.send_json::<Envelope<D, M>>().await
    }

    /// `data` must be there.
    async fn fetch<D, M>(
        &self,
        operation: &'static str,
        request: RequestBuilder,
    ) -> Result<Reply<D, M>>
    where
        D: DeserializeOwned,
        M: DeserializeOwned + Default,
    {
        let envelope = self.envelope::<D, M>(request.operation(operation)).await?;
        let data = envelope.data.ok_or_else(|| {
            Error::decode(
                VENDOR,
                operation,
                "ClassCharts answered success but sent no data",
                DecodeDetail::new("data", b""),
            )
        })?;
        Ok(Reply {
            data,
            meta: envelope.meta,
        })
    }

    /// `data` may be absent or `null` (read as empty).
    async fn fetch_or_default<D, M>(
        &self,
        operation: &'static str,
        request: RequestBuilder,
    ) -> Result<Reply<D, M>>
    where
        D: DeserializeOwned + Default,
        M: DeserializeOwned + Default,
    {
        let envelope = self.envelope::<D, M>(request.operation(operation)).await?;
        Ok(Reply {
            data: envelope.data.unwrap_or_default(),
            meta: envelope.meta,
        })
    }

    /// A list endpoint whose elements are read as `T` (`Lenient<X>`: one unreadable record
    /// costs that record). The page is decoded plainly first, every element as `X`, which
    /// costs what a typed decode costs; only a page that fails is decoded again record by
    /// record ([`Envelope::decode_list`]). `data` may be absent or `null` (read as empty).
    async fn fetch_list<T, M>(
        &self,
        operation: &'static str,
        request: impl Fn() -> RequestBuilder,
    ) -> Result<Reply<Vec<T>, M>>
    where
        T: PlainFirst,
        M: DeserializeOwned + Default,
    {
        self.fetch_plain_first(operation, request, T::from_plain_list)
            .await
    }

    /// An endpoint whose records are read leniently (`D` holds `Lenient<X>`), decoded as its
    /// plain form `P` first and turned into `D` with `from_plain`; decoded again record by
    /// record only if that fails ([`Envelope::decode_plain_first`]). `data` may be absent or
    /// `null` (read as empty).
    ///
    /// `request` builds the request; it is called again only if the body came cut short or
    /// not as JSON and the retry policy allows more than one attempt: the request then goes
    /// again through [`RequestBuilder::send_json`], whose retry loop deals with exactly that
    /// (attempts, back-off and budget), so such a body costs at most one attempt more than
    /// the policy's. Every endpoint read so is a GET, safe to repeat.
    async fn fetch_plain_first<P, D, M>(
        &self,
        operation: &'static str,
        request: impl Fn() -> RequestBuilder,
        from_plain: impl FnOnce(P) -> D,
    ) -> Result<Reply<D, M>>
    where
        P: DeserializeOwned,
        D: DeserializeOwned + Default,
        M: DeserializeOwned + Default,
    {
        let response = request()
            .operation(operation)
            .header_value(header::ACCEPT, HeaderValue::from_static("application/json"))
            .send()
            .await?;
        let body = response.body();
        let envelope = match Envelope::<D, M>::decode_plain_first(operation, body, from_plain) {
            Ok(envelope) => envelope,
            Err(e) if e.is_retryable() && self.inner.resend_cut_short => {
                self.envelope::<D, M>(request().operation(operation))
                    .await?
            }
            Err(e) => return Err(e),
        };
        Ok(Reply {
            data: envelope.data.unwrap_or_default(),
            meta: envelope.meta,
        })
    }

    /// An action whose `data` is `[]` on success.
    async fn act(&self, operation: &'static str, request: RequestBuilder) -> Result<()> {
        self.envelope::<serde::de::IgnoredAny, NoMeta>(request.operation(operation))
            .await
            .map(|_| ())
    }

    fn check_id(what: &str, id: &str) -> Result<()> {
        if id.trim().is_empty() {
            return Err(Error::invalid_input(format!("the {what} id is empty")));
        }
        Ok(())
    }

    fn dated(request: RequestBuilder, from: Option<Date>, to: Option<Date>) -> RequestBuilder {
        request
            .query_opt("from", from.map(|d| d.to_string()))
            .query_opt("to", to.map(|d| d.to_string()))
    }

    // ---- session ------------------------------------------------------------------------

    /// `POST /ping` with `include_data=false`: who is logged in and the API version, **without**
    /// rotating the session (the client rotates it itself, see [`crate::auth`]).
    async fn ping_as<U: DeserializeOwned>(&self) -> Result<Reply<PingData<U>, PingMeta>> {
        let request = self
            .inner
            .http
            .post(&[routes::PING])
            .form(&[("include_data", "false")])
            // Reading who is logged in changes nothing: safe to repeat.
            .idempotent(true);
        self.fetch("ping.info", request).await
    }

    /// `POST /logout`: ends the session at ClassCharts. A later call logs in again.
    pub async fn logout(&self) -> Result<()> {
        self.act("logout", self.inner.http.post(&[routes::LOGOUT]))
            .await
    }

    // ---- shared data endpoints ----------------------------------------------------------

    /// `GET /activity/{id}?from&to&last_id`: one page (up to 50 points, newest first).
    /// `last_id` asks for the points after that one; `meta.last_id` is `None` when nothing
    /// remains.
    pub async fn get_activity(
        &self,
        pupil_id: &str,
        filter: &ActivityFilter,
        last_id: Option<&str>,
    ) -> Result<Reply<Vec<ActivityPoint>, ActivityMeta>> {
        Self::check_id("pupil", pupil_id)?;
        let request = self.activity_request(pupil_id, filter, last_id);
        self.fetch_or_default("activity", request).await
    }

    /// [`Client::get_activity`] with the points decoded as `T`: the provider reads
    /// `Lenient<ActivityPoint>`, so one unreadable point costs that point, not the page.
    pub(crate) async fn activity_as<T: PlainFirst>(
        &self,
        pupil_id: &str,
        filter: &ActivityFilter,
        last_id: Option<&str>,
    ) -> Result<Reply<Vec<T>, ActivityMeta>> {
        Self::check_id("pupil", pupil_id)?;
        self.fetch_list("activity", || {
            self.activity_request(pupil_id, filter, last_id)
        })
        .await
    }

    fn activity_request(
        &self,
        pupil_id: &str,
        filter: &ActivityFilter,
        last_id: Option<&str>,
    ) -> RequestBuilder {
        Self::dated(
            self.inner.http.get(&[routes::ACTIVITY, pupil_id.trim()]),
            filter.from,
            filter.to,
        )
        .query_opt("last_id", last_id)
    }

    /// Every activity point, page by page as the stream is read: each page asks for the
    /// points after the last id of the page before, and **an empty page ends the stream**
    /// (the `getFullActivity` loop of the JS client library).
    ///
    /// The API ignores `from` ("`from` does not work as you would expect … only returns 50
    /// points from the `to` field", legacy docs): pages run newest first back to the
    /// pupil's first point. So the walk also ends after a page whose last point is dated
    /// before `filter.from` — every later page is older still. Points of that page before
    /// `from` are still yielded; the caller filters by date.
    pub fn activity_stream(
        &self,
        pupil_id: &str,
        filter: ActivityFilter,
    ) -> BoxStream<'static, Result<ActivityPoint>> {
        let client = self.clone();
        let pupil = pupil_id.to_owned();
        paginate(VENDOR, "activity", None::<String>, move |last_id| {
            let client = client.clone();
            let pupil = pupil.clone();
            async move {
                let page = client
                    .get_activity(&pupil, &filter, last_id.as_deref())
                    .await?;
                let points = page.data;
                if points.last().is_some_and(|p| before(p, filter.from)) {
                    return Ok(Page::last(points));
                }
                Ok(match points.last().map(|p| p.id.clone()) {
                    Some(last) => Page::more(points, Some(last)),
                    None => Page::last(points),
                })
            }
        })
    }

    /// [`Client::activity_stream`] with each point decoded on its own: a point that does not
    /// decode is a [`Lenient::Rejected`] item and the walk goes on. The cursor is the last
    /// point's id whether or not that point decoded; a page none of whose points has an id
    /// cannot be paged past and ends the walk with a `Decode` error.
    pub(crate) fn lenient_activity_stream(
        &self,
        pupil_id: &str,
        filter: ActivityFilter,
    ) -> BoxStream<'static, Result<Lenient<ActivityPoint>>> {
        let client = self.clone();
        let pupil = pupil_id.to_owned();
        paginate(VENDOR, "activity", None::<String>, move |last_id| {
            let client = client.clone();
            let pupil = pupil.clone();
            async move {
                let points = client
                    .activity_as::<Lenient<ActivityPoint>>(&pupil, &filter, last_id.as_deref())
                    .await?
                    .data;
                if points.is_empty() {
                    return Ok(Page::last(points));
                }
                let oldest_read = points.iter().rev().find_map(|p| match p {
                    Lenient::Ok(p) => Some(p),
                    Lenient::Rejected(_) => None,
                });
                if oldest_read.is_some_and(|p| before(p, filter.from)) {
                    return Ok(Page::last(points));
                }
                let last = points.iter().rev().find_map(|p| match p {
                    Lenient::Ok(p) => Some(p.id.clone()),
                    Lenient::Rejected(r) => r.id.clone(),
                });
                match last {
                    Some(last) => Ok(Page::more(points, Some(last))),
                    None => Err(Error::decode(
                        VENDOR,
                        "activity",
                        "no point of an activity page has an id: the feed cannot be paged on",
                        DecodeDetail::new("data[].id", b""),
                    )),
                }
            }
        })
    }

    /// `GET /behaviour/{id}?from&to`: totals per week and per reason.
    pub async fn get_behaviour(
        &self,
        pupil_id: &str,
        from: Option<Date>,
        to: Option<Date>,
    ) -> Result<Reply<BehaviourSummary, BehaviourMeta>> {
        Self::check_id("pupil", pupil_id)?;
        let request = Self::dated(
            self.inner.http.get(&[routes::BEHAVIOUR, pupil_id.trim()]),
            from,
            to,
        );
        self.fetch_or_default("behaviour", request).await
    }

    /// `GET /homeworks/{id}?display_date&from&to`.
    pub async fn get_homeworks(
        &self,
        pupil_id: &str,
        filter: &HomeworkFilter,
    ) -> Result<Reply<Vec<Homework>, HomeworksMeta>> {
        Self::check_id("pupil", pupil_id)?;
        let request = self.homeworks_request(pupil_id, filter);
        self.fetch_or_default("homeworks", request).await
    }

    /// [`Client::get_homeworks`] with the tasks decoded as `T` (`Lenient<Homework>` for the
    /// provider).
    pub(crate) async fn homeworks_as<T: PlainFirst>(
        &self,
        pupil_id: &str,
        filter: &HomeworkFilter,
    ) -> Result<Reply<Vec<T>, HomeworksMeta>> {
        Self::check_id("pupil", pupil_id)?;
        self.fetch_list("homeworks", || self.homeworks_request(pupil_id, filter))
            .await
    }

    fn homeworks_request(&self, pupil_id: &str, filter: &HomeworkFilter) -> RequestBuilder {
        Self::dated(
            self.inner.http.get(&[routes::HOMEWORKS, pupil_id.trim()]),
            filter.from,
            filter.to,
        )
        .query_opt("display_date", filter.display_date.map(DisplayDate::as_str))
    }

    /// `GET /homeworkticked/{statusId}?studentId=`: ticks (or unticks) a task. The status id
    /// is `status.id` of a [`Homework`], not the task's id.
    pub async fn tick_homework(&self, pupil_id: &str, status_id: &str) -> Result<()> {
        Self::check_id("pupil", pupil_id)?;
        Self::check_id("homework status", status_id)?;
        let request = self
            .inner
            .http
            .get(&[routes::HOMEWORK_TICKED, status_id.trim()])
            .query(&[("studentId", pupil_id.trim())])
            // A toggle: repeating it would undo it.
            .idempotent(false);
        self.act("homework.tick", request).await
    }

    /// `GET /timetable/{id}?date=`: the pupil's lessons on one day.
    pub async fn get_timetable(
        &self,
        pupil_id: &str,
        date: Date,
    ) -> Result<Reply<Vec<TimetableLesson>, TimetableMeta>> {
        Self::check_id("pupil", pupil_id)?;
        let request = self.timetable_request(pupil_id, date);
        self.fetch_or_default("timetable", request).await
    }

    /// [`Client::get_timetable`] with the lessons decoded as `T` (`Lenient<TimetableLesson>`
    /// for the provider).
    pub(crate) async fn timetable_as<T: PlainFirst>(
        &self,
        pupil_id: &str,
        date: Date,
    ) -> Result<Reply<Vec<T>, TimetableMeta>> {
        Self::check_id("pupil", pupil_id)?;
        self.fetch_list("timetable", || self.timetable_request(pupil_id, date))
            .await
    }

    fn timetable_request(&self, pupil_id: &str, date: Date) -> RequestBuilder {
        self.inner
            .http
            .get(&[routes::TIMETABLE, pupil_id.trim()])
            .query(&[("date", date.to_string())])
    }

    /// `GET /classes/{id}`.
    pub async fn get_classes(&self, pupil_id: &str) -> Result<Reply<Vec<ClassInfo>>> {
        Self::check_id("pupil", pupil_id)?;
        let request = self.inner.http.get(&[routes::CLASSES, pupil_id.trim()]);
        self.fetch_or_default("classes", request).await
    }

    /// `GET /eventbadges/{id}`.
    pub async fn get_event_badges(&self, pupil_id: &str) -> Result<Reply<Vec<Badge>>> {
        Self::check_id("pupil", pupil_id)?;
        let request = self
            .inner
            .http
            .get(&[routes::EVENT_BADGES, pupil_id.trim()]);
        self.fetch_or_default("eventbadges", request).await
    }

    /// `GET /announcements/{id}`.
    pub async fn get_announcements(&self, pupil_id: &str) -> Result<Reply<Vec<Announcement>>> {
        Self::check_id("pupil", pupil_id)?;
        let request = self
            .inner
            .http
            .get(&[routes::ANNOUNCEMENTS, pupil_id.trim()]);
        self.fetch_or_default("announcements", request).await
    }

    /// `GET /detentions/{id}`, optionally `from`/`to` (NCPlayz passes them; the JS library
    /// passes nothing and gets every detention).
    pub async fn get_detentions(
        &self,
        pupil_id: &str,
        range: Option<DateRange>,
    ) -> Result<Reply<Vec<Detention>, DetentionsMeta>> {
        Self::check_id("pupil", pupil_id)?;
        let request = self.detentions_request(pupil_id, range);
        self.fetch_or_default("detentions", request).await
    }

    /// [`Client::get_detentions`] with the detentions decoded as `T` (`Lenient<Detention>`
    /// for the provider).
    pub(crate) async fn detentions_as<T: PlainFirst>(
        &self,
        pupil_id: &str,
        range: Option<DateRange>,
    ) -> Result<Reply<Vec<T>, DetentionsMeta>> {
        Self::check_id("pupil", pupil_id)?;
        self.fetch_list("detentions", || self.detentions_request(pupil_id, range))
            .await
    }

    fn detentions_request(&self, pupil_id: &str, range: Option<DateRange>) -> RequestBuilder {
        Self::dated(
            self.inner.http.get(&[routes::DETENTIONS, pupil_id.trim()]),
            range.map(|r| r.from()),
            range.map(|r| r.to()),
        )
    }

    /// `GET /attendance/{id}?from&to` (not `after`/`before`, which NCPlayz wrongly used).
    pub async fn get_attendance(
        &self,
        pupil_id: &str,
        range: DateRange,
    ) -> Result<Reply<AttendanceDays, AttendanceMeta>> {
        Self::check_id("pupil", pupil_id)?;
        let request = self.attendance_request(pupil_id, range);
        self.fetch_or_default("attendance", request).await
    }

    /// [`Client::get_attendance`] with each mark decoded as `P`
    /// (`Lenient<AttendancePeriod>` for the provider: one unreadable mark costs that mark).
    /// The answer is decoded plainly first, every mark as `AttendancePeriod`.
    pub(crate) async fn attendance_as<P: PlainFirst>(
        &self,
        pupil_id: &str,
        range: DateRange,
    ) -> Result<Reply<AttendanceDays<P>, AttendanceMeta>> {
        Self::check_id("pupil", pupil_id)?;
        self.fetch_plain_first(
            "attendance",
            || self.attendance_request(pupil_id, range),
            |plain: AttendanceDays<P::Plain>| plain.map(P::from_plain),
        )
        .await
    }

    fn attendance_request(&self, pupil_id: &str, range: DateRange) -> RequestBuilder {
        Self::dated(
            self.inner.http.get(&[routes::ATTENDANCE, pupil_id.trim()]),
            Some(range.from()),
            Some(range.to()),
        )
    }

    /// `GET /customfields/{id}`: the school's pupil fields (house, tutor group…).
    pub async fn get_custom_fields(&self, pupil_id: &str) -> Result<Reply<CustomFields>> {
        Self::check_id("pupil", pupil_id)?;
        let request = self
            .inner
            .http
            .get(&[routes::CUSTOM_FIELDS, pupil_id.trim()]);
        self.fetch_or_default("customfields", request).await
    }

    /// `GET /getacademicreports?studentId=`.
    pub async fn get_academic_reports(
        &self,
        pupil_id: &str,
    ) -> Result<Reply<Vec<AcademicReportSummary>>> {
        Self::check_id("pupil", pupil_id)?;
        let request = self
            .inner
            .http
            .get(&[routes::ACADEMIC_REPORTS])
            .query(&[("studentId", pupil_id.trim())]);
        self.fetch_or_default("academic_reports", request).await
    }

    /// `GET /getacademicreport/{id}?studentId=` (`data` is one report or a list of one).
    pub async fn get_academic_report(
        &self,
        pupil_id: &str,
        report_id: &str,
    ) -> Result<Reply<Vec<AcademicReport>>> {
        Self::check_id("pupil", pupil_id)?;
        Self::check_id("academic report", report_id)?;
        let request = self
            .inner
            .http
            .get(&[routes::ACADEMIC_REPORT, report_id.trim()])
            .query(&[("studentId", pupil_id.trim())]);
        let reply: Reply<Many<AcademicReport>> =
            self.fetch_or_default("academic_report", request).await?;
        Ok(Reply {
            data: reply.data.0,
            meta: reply.meta,
        })
    }

    /// `POST /getpupilreportcards`: the pupil's on-report cards. `pupil_id` goes in the query
    /// (api-docs) and the form (the kgstorm port): both documented places.
    pub async fn get_report_cards(&self, pupil_id: &str) -> Result<Reply<Vec<OnReportCard>>> {
        Self::check_id("pupil", pupil_id)?;
        let id = pupil_id.trim();
        let request = self
            .inner
            .http
            .post(&[routes::REPORT_CARDS])
            .query(&[("pupil_id", id)])
            .form(&[("pupil_id", id)])
            // A read sent as POST: safe to repeat.
            .idempotent(true);
        let reply: Reply<Many<OnReportCard>> =
            self.fetch_or_default("report_cards", request).await?;
        Ok(Reply {
            data: reply.data.0,
            meta: reply.meta,
        })
    }

    /// `GET /getpupilreportcard/{id}?pupil_id=`.
    pub async fn get_report_card(
        &self,
        pupil_id: &str,
        card_id: &str,
    ) -> Result<Reply<Vec<OnReportCard>>> {
        self.report_card_part(routes::REPORT_CARD, "report_card", pupil_id, card_id, None)
            .await
    }

    /// `GET /getpupilreportcardsummarycomment/{id}?pupil_id&date`.
    pub async fn get_report_card_summary_comment(
        &self,
        pupil_id: &str,
        card_id: &str,
        date: Date,
    ) -> Result<Reply<Vec<ReportCardComment>>> {
        self.report_card_part(
            routes::REPORT_CARD_SUMMARY_COMMENT,
            "report_card.comment",
            pupil_id,
            card_id,
            Some(date),
        )
        .await
    }

    /// `GET /getpupilreportcardtarget/{id}?pupil_id&date`.
    pub async fn get_report_card_target(
        &self,
        pupil_id: &str,
        card_id: &str,
        date: Date,
    ) -> Result<Reply<Vec<ReportCardTarget>>> {
        self.report_card_part(
            routes::REPORT_CARD_TARGET,
            "report_card.target",
            pupil_id,
            card_id,
            Some(date),
        )
        .await
    }

    async fn report_card_part<T>(
        &self,
        path: &str,
        operation: &'static str,
        pupil_id: &str,
        card_id: &str,
        date: Option<Date>,
    ) -> Result<Reply<Vec<T>>>
    where
        T: DeserializeOwned,
    {
        Self::check_id("pupil", pupil_id)?;
        Self::check_id("report card", card_id)?;
        let request = self
            .inner
            .http
            .get(&[path, card_id.trim()])
            .query(&[("pupil_id", pupil_id.trim())])
            .query_opt("date", date.map(|d| d.to_string()));
        let reply: Reply<Many<T>> = self.fetch_or_default(operation, request).await?;
        Ok(Reply {
            data: reply.data.0,
            meta: reply.meta,
        })
    }
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("api", &self.inner.api)
            .field("http", &self.inner.http)
            .field("auth", &self.inner.auth)
            .field("info", &self.inner.info)
            .finish_non_exhaustive()
    }
}

// ---- the student client -------------------------------------------------------------------

/// A pupil's own ClassCharts (`/apiv2student`), logged in with the pupil code and date of
/// birth. Dereferences to [`Client`] for the shared endpoints; the pupil id they take is
/// [`StudentClient::student_id`].
///
/// ```no_run
/// # async fn demo() -> mis_core::Result<()> {
/// use mis_classcharts::{Config, StudentClient};
/// let client = StudentClient::new(Config::student("ABC123XYZ", "2010-01-20")?)?;
/// let me = client.student_id().await?;
/// let today = jiff::ZonedDateTime::now().date();
/// let lessons = client.get_timetable(&me, today).await?.data;
/// # let _ = lessons; Ok(()) }
/// ```
#[derive(Clone)]
pub struct StudentClient {
    core: Client,
}

impl StudentClient {
    /// A client for the pupil in `config`. Nothing is sent until the first call.
    ///
    /// Errors: `InvalidInput` for a parent config, or a base URL that cannot be used.
    pub fn new(config: Config) -> Result<StudentClient> {
        if config.api() != Api::Student {
            return Err(Error::invalid_input(
                "StudentClient needs a student config (pupil code and date of birth); use \
                 ParentClient for an e-mail and password",
            ));
        }
        Ok(StudentClient {
            core: Client::new(&config)?,
        })
    }

    /// The shared core.
    pub fn core(&self) -> &Client {
        &self.core
    }

    /// The date of birth the pupil logs in with.
    pub fn date_of_birth(&self) -> Option<Date> {
        self.core.inner.date_of_birth
    }

    /// `POST /ping` (`include_data=false`): the logged-in pupil and the API version, without
    /// rotating the session.
    pub async fn ping(&self) -> Result<Reply<PingData<Student>, PingMeta>> {
        self.core.ping_as().await
    }

    /// The logged-in pupil, as the login or the last rotation described them: before the
    /// first request, the login (which the next request then uses); a ping only if the login
    /// did not describe the pupil.
    pub async fn me(&self) -> Result<Student> {
        if let Some(User::Student(s)) = self.core.inner.auth.user() {
            return Ok(s);
        }
        // The login describes the pupil: logging in now (a request the read needs anyway)
        // saves asking for the pupil with a ping after it.
        self.core.inner.auth.sign_in().await?;
        if let Some(User::Student(s)) = self.core.inner.auth.user() {
            return Ok(s);
        }
        let reply = self.ping().await?;
        if let Some(User::Student(s)) = self.core.inner.auth.user() {
            return Ok(s);
        }
        reply.data.user.ok_or_else(|| {
            Error::decode(
                VENDOR,
                "ping.info",
                "ClassCharts sent no data.user for the logged-in pupil",
                DecodeDetail::new("data.user", b""),
            )
        })
    }

    /// The pupil's id (`data.user.id`), the `{id}` of every data path.
    pub async fn student_id(&self) -> Result<String> {
        Ok(self.me().await?.id)
    }

    /// `GET /rewards/{id}`: the rewards shop, with the points balance in `meta`.
    pub async fn get_rewards(&self) -> Result<Reply<Vec<Reward>, RewardsMeta>> {
        let me = self.student_id().await?;
        let request = self.core.inner.http.get(&[routes::REWARDS, &me]);
        self.core.fetch_or_default("rewards", request).await
    }

    /// `POST /purchase/{itemId}` (`pupil_id` in the body). Never retried once sent; an
    /// unknown item is `NotFound` (the vendor answers with a 500 page).
    pub async fn purchase(&self, item_id: &str) -> Result<Reply<Purchase>> {
        Client::check_id("reward item", item_id)?;
        let me = self.student_id().await?;
        let request = self
            .core
            .inner
            .http
            .post(&[routes::PURCHASE, item_id.trim()])
            .form(&[("pupil_id", me.as_str())]);
        self.core
            .fetch_or_default(PURCHASE_OPERATION, request)
            .await
    }

    /// `POST /getcode` with the date of birth (`date=YYYY-MM-DD`): the pupil's login code.
    pub async fn get_code(&self) -> Result<StudentCode> {
        let dob = self
            .date_of_birth()
            .ok_or_else(|| Error::invalid_input("the student config has no date of birth"))?;
        let request = self
            .core
            .inner
            .http
            .post(&[routes::GET_CODE])
            .form(&[("date", dob.to_string())])
            .idempotent(true);
        let reply: Reply<StudentCode> = self.core.fetch("getcode", request).await?;
        Ok(reply.data)
    }
}

impl Deref for StudentClient {
    type Target = Client;

    fn deref(&self) -> &Client {
        &self.core
    }
}

impl fmt::Debug for StudentClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("StudentClient").field(&self.core).finish()
    }
}

// ---- the parent client --------------------------------------------------------------------

/// A parent's ClassCharts (`/apiv2parent`), logged in with e-mail and password, for all of
/// the parent's pupils or the one chosen with [`Config::pupil`]. Dereferences to [`Client`]
/// for the shared endpoints, which take a pupil id from [`ParentClient::pupils`].
#[derive(Clone)]
pub struct ParentClient {
    core: Client,
}

impl ParentClient {
    /// A client for the parent in `config`. Nothing is sent until the first call.
    ///
    /// Errors: `InvalidInput` for a student config, or a base URL that cannot be used.
    pub fn new(config: Config) -> Result<ParentClient> {
        if config.api() != Api::Parent {
            return Err(Error::invalid_input(
                "ParentClient needs a parent config (e-mail and password); use StudentClient \
                 for a pupil code and date of birth",
            ));
        }
        Ok(ParentClient {
            core: Client::new(&config)?,
        })
    }

    /// The shared core.
    pub fn core(&self) -> &Client {
        &self.core
    }

    /// The pupil chosen in the config, if any.
    pub fn chosen_pupil(&self) -> Option<&str> {
        self.core.inner.chosen_pupil.as_deref()
    }

    /// `POST /ping` (`include_data=false`): the parent account and the API version, without
    /// rotating the session.
    pub async fn ping(&self) -> Result<Reply<PingData<ParentUser>, PingMeta>> {
        self.core.ping_as().await
    }

    /// `GET /pupils`: every pupil the parent can see (`meta` is `[]`).
    pub async fn get_pupils(&self) -> Result<Reply<Vec<Pupil>>> {
        let request = self.core.inner.http.get(&[routes::PUPILS]);
        self.core.fetch_or_default("pupils", request).await
    }

    /// [`ParentClient::get_pupils`] with each pupil decoded as `T` (`Lenient<Pupil>` for the
    /// provider: one unreadable pupil record costs that pupil).
    pub(crate) async fn pupils_as<T: PlainFirst>(&self) -> Result<Reply<Vec<T>>> {
        self.core
            .fetch_list("pupils", || self.core.inner.http.get(&[routes::PUPILS]))
            .await
    }

    /// The pupils this client works for: the chosen one, or all of them.
    ///
    /// Errors: `NotFound` when the chosen pupil is not one of the parent's.
    pub async fn pupils(&self) -> Result<Vec<Pupil>> {
        let all = self.get_pupils().await?.data;
        match self.chosen_pupil() {
            None => Ok(all),
            Some(id) => {
                let known: Vec<String> = all.iter().map(|p| p.student.id.clone()).collect();
                let chosen: Vec<Pupil> = all.into_iter().filter(|p| p.student.id == id).collect();
                if chosen.is_empty() {
                    return Err(Error::new(
                        ErrorKind::NotFound,
                        format!(
                            "pupil {id} is not one of this parent's pupils (they are: {})",
                            known.join(", ")
                        ),
                    )
                    .with_vendor(VENDOR));
                }
                Ok(chosen)
            }
        }
    }

    /// `POST /password` (`current`, `new`, `repeat`). On success the client logs in with the
    /// new password from then on.
    pub async fn change_password(&self, current: &SecretString, new: &SecretString) -> Result<()> {
        if new.expose_secret().is_empty() {
            return Err(Error::invalid_input("the new password is empty"));
        }
        let request = self.core.inner.http.post(&[routes::PASSWORD]).form(&[
            ("current", current.expose_secret()),
            ("new", new.expose_secret()),
            ("repeat", new.expose_secret()),
        ]);
        self.core.act("password", request).await?;
        self.core.inner.auth.set_password(new.clone());
        Ok(())
    }

    /// `GET /parentbehaviours/{id}` (optionally `from`/`to`, as the kgstorm port sends): the
    /// behaviours the parent may award, each saying whether today's limit is reached.
    pub async fn get_parent_behaviours(
        &self,
        pupil_id: &str,
        range: Option<DateRange>,
    ) -> Result<Reply<Vec<ParentBehaviour>>> {
        Client::check_id("pupil", pupil_id)?;
        let request = Client::dated(
            self.core
                .inner
                .http
                .get(&[routes::PARENT_BEHAVIOURS, pupil_id.trim()]),
            range.map(|r| r.from()),
            range.map(|r| r.to()),
        );
        self.core
            .fetch_or_default("parent_behaviours", request)
            .await
    }

    /// `POST /addparentbehaviour/{id}` with `behaviour_id` (api-docs; the kgstorm port's
    /// `reason_id` conflicts). Returns the updated list. A second award of
    /// the same behaviour on one day is the vendor's `daily_limit` error. Never retried.
    pub async fn add_parent_behaviour(
        &self,
        pupil_id: &str,
        behaviour_id: &str,
    ) -> Result<Reply<Vec<ParentBehaviour>>> {
        Client::check_id("pupil", pupil_id)?;
        Client::check_id("behaviour", behaviour_id)?;
        let request = self
            .core
            .inner
            .http
            .post(&[routes::ADD_PARENT_BEHAVIOUR, pupil_id.trim()])
            .form(&[("behaviour_id", behaviour_id.trim())]);
        self.core
            .fetch_or_default("parent_behaviour.add", request)
            .await
    }

    /// `POST /deleteparentbehaviour/{id}` with `behaviour_id`.
    pub async fn delete_parent_behaviour(&self, pupil_id: &str, behaviour_id: &str) -> Result<()> {
        Client::check_id("pupil", pupil_id)?;
        Client::check_id("behaviour", behaviour_id)?;
        let request = self
            .core
            .inner
            .http
            .post(&[routes::DELETE_PARENT_BEHAVIOUR, pupil_id.trim()])
            .form(&[("behaviour_id", behaviour_id.trim())]);
        self.core.act("parent_behaviour.delete", request).await
    }
}

impl Deref for ParentClient {
    type Target = Client;

    fn deref(&self) -> &Client {
        &self.core
    }
}

impl fmt::Debug for ParentClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("ParentClient").field(&self.core).finish()
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use mis_core::MisProvider;

    use super::*;

    #[test]
    fn unset_options_are_classcharts_defaults_and_set_ones_win() {
        let config = Config::student("ABC123", "2010-01-20").unwrap();
        let client = StudentClient::new(config.clone()).unwrap();
        assert_eq!(client.http().rate_gate().limit(), default_rate_limit());
        assert_eq!(
            client.http().base_url().as_str(),
            crate::routes::BASE_URL,
            "the real host by default"
        );
        assert_eq!(client.info().time_zone, DEFAULT_TIME_ZONE);

        let limit = RateLimit::at_most(3, Duration::from_secs(1));
        let config = config.update_options(|o| {
            o.with_rate_limit(limit)
                .with_base_url("http://127.0.0.1:9/")
                .with_time_zone("Europe/Dublin")
        });
        let client = StudentClient::new(config).unwrap();
        assert_eq!(client.http().rate_gate().limit(), limit);
        assert_eq!(client.http().base_url().as_str(), "http://127.0.0.1:9");
        assert_eq!(client.info().time_zone, "Europe/Dublin");
        // The login shares the data requests' gate: it counts against the same allowance.
        assert!(Arc::ptr_eq(
            client.http().rate_gate(),
            client.inner.auth.direct_gate().unwrap()
        ));
    }
}
