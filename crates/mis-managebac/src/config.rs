//! Configuration: the token, which host and API version, the school's time zone and bell
//! times, how fast to go, and how to read statuses and behaviour types.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use jiff::civil::Time;
use mis_core::codes::CodeMapper;
use mis_core::{AttendanceCategory, Error, ErrorKind, Polarity, Result};
use mis_http::{BaseUrl, Clock, ExposeSecret, HttpService, RateLimit, RetryConfig, SecretString};

/// Environment variable holding the API token (Settings → Develop → API Manager).
pub const ENV_TOKEN: &str = "MIS_MANAGEBAC_TOKEN";
/// Environment variable overriding the host (`scheme://host[:port]`), e.g. a sandbox.
pub const ENV_BASE_URL: &str = "MIS_MANAGEBAC_BASE_URL";
/// Environment variable choosing a regional host: `ca` (default), `cn`, `us1`, `us2`, `uat`.
pub const ENV_REGION: &str = "MIS_MANAGEBAC_REGION";
/// Environment variable choosing the API version prefix: `v2p1` (default), `v2`, `v2p0`,
/// `v2p2`, `v2p3`.
pub const ENV_API_VERSION: &str = "MIS_MANAGEBAC_API_VERSION";
/// Environment variable holding the school's IANA time zone. Unset: the zone on the school
/// record (`GET /school`), else `Europe/London` with a warning.
pub const ENV_TIME_ZONE: &str = "MIS_MANAGEBAC_TIME_ZONE";
/// Environment variable overriding how the school's attendance categories count, by
/// category id or label: `Dismissed=authorised_absence,Other=not_counted,-1=present`
/// (see [`parse_category_map`]).
pub const ENV_CATEGORY_MAP: &str = "MIS_MANAGEBAC_CATEGORY_MAP";
/// The zone used when neither the configuration nor the school record names one.
pub const FALLBACK_TIME_ZONE: &str = "Europe/London";
/// Environment variable holding the bell times, `1=08:30-09:20,2=09:25-10:15,…` (periods
/// numbered from 1). ManageBac's API does not publish them; timetables need them.
pub const ENV_PERIOD_TIMES: &str = "MIS_MANAGEBAC_PERIOD_TIMES";
/// Environment variable mapping behaviour types to polarity,
/// `Merit=positive,Disruption=negative` (unlisted types are `neutral`).
pub const ENV_BEHAVIOUR_POLARITY: &str = "MIS_MANAGEBAC_BEHAVIOUR_POLARITY";

/// Environment variable overriding the client-side rate: `REQUESTS/SECONDS` (e.g. `10/1`,
/// at most that many in any window of that length) or `unlimited`.
pub const ENV_QUOTA: &str = "MIS_MANAGEBAC_QUOTA";

/// Records asked for per page by default: Faria asks integrations to "use `per_page=50`"
/// (vendors.md §5.5).
pub const DEFAULT_PAGE_SIZE: u32 = 50;

/// How long a client reuses the reference data one run reads ([`Config::reuse_for`]): long
/// enough for one school's sync (students, attendance, timetable, behaviour), short enough
/// that a long-lived client sees a new class or timetable within minutes.
pub const DEFAULT_REUSE: Duration = Duration::from_secs(15 * 60);

/// The largest page the vendor serves on the classic endpoints: "max 200" (vendors.md §5.4).
pub const MAX_PAGE_SIZE: u32 = 200;

/// The default client-side rate: at most 10 requests in any second. The vendor's limit is
/// per IP across all endpoints and "may be adjusted at any time without warning" (example:
/// 50/s, vendors.md §5.5); a fifth of it leaves room for other tools on the same IP.
pub fn default_rate_limit() -> RateLimit {
    RateLimit::at_most(10, Duration::from_secs(1))
}

/// Parses a client-side rate: `REQUESTS/SECONDS` (`10/1`, `10/1s`, `8/0.01`) — at most that
/// many requests in any window of that length — or `unlimited`.
pub fn parse_quota(text: &str) -> Result<RateLimit> {
    text.parse()
}

/// ManageBac's hosts (vendors.md §5.2). A token works only on its school's home host \[I\].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Region {
    /// `https://api.managebac.com`, the default/global host ("CA" in the spec).
    #[default]
    Global,
    /// `https://api.managebac.cn`.
    China,
    /// `https://api.us.managebac.com` ("US1").
    Us1,
    /// `https://api.managebac.us` ("US2").
    Us2,
    /// `https://api.managebactest.com`, the vendor's UAT host.
    Uat,
}

impl Region {
    /// The host's base URL.
    pub fn base_url(self) -> &'static str {
        match self {
            Region::Global => "https://api.managebac.com",
            Region::China => "https://api.managebac.cn",
            Region::Us1 => "https://api.us.managebac.com",
            Region::Us2 => "https://api.managebac.us",
            Region::Uat => "https://api.managebactest.com",
        }
    }

    /// Parses `ca`/`global`/`com`, `cn`, `us1`, `us2`, `uat` (case-insensitive).
    pub fn parse(value: &str) -> Result<Region> {
        Ok(match value.trim().to_ascii_lowercase().as_str() {
            "ca" | "global" | "com" | "default" => Region::Global,
            "cn" | "china" => Region::China,
            "us1" | "us" => Region::Us1,
            "us2" => Region::Us2,
            "uat" | "test" => Region::Uat,
            other => {
                return Err(Error::invalid_input(format!(
                    "{other:?} is not a ManageBac region: use ca, cn, us1, us2 or uat"
                )));
            }
        })
    }
}

/// The API version: a path prefix (vendors.md §5.2).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ApiVersion {
    /// `/v2`, the moving "latest".
    V2,
    /// `/v2p0`, the behaviour before April 2025 (deprecated once v2p3 ships).
    V2p0,
    /// `/v2p1`, what the vendor document describes (the default).
    #[default]
    V2p1,
    /// `/v2p2`: the new task model.
    V2p2,
    /// `/v2p3`: periods always 1-indexed, OAuth added.
    V2p3,
}

impl ApiVersion {
    /// The path prefix, e.g. `/v2p1`.
    pub fn prefix(self) -> &'static str {
        match self {
            ApiVersion::V2 => "/v2",
            ApiVersion::V2p0 => "/v2p0",
            ApiVersion::V2p1 => "/v2p1",
            ApiVersion::V2p2 => "/v2p2",
            ApiVersion::V2p3 => "/v2p3",
        }
    }

    /// Parses `v2`, `v2p0` … `v2p3` (a leading `/` is allowed).
    pub fn parse(value: &str) -> Result<ApiVersion> {
        Ok(
            match value
                .trim()
                .trim_start_matches('/')
                .to_ascii_lowercase()
                .as_str()
            {
                "v2" => ApiVersion::V2,
                "v2p0" => ApiVersion::V2p0,
                "v2p1" => ApiVersion::V2p1,
                "v2p2" => ApiVersion::V2p2,
                "v2p3" => ApiVersion::V2p3,
                other => {
                    return Err(Error::invalid_input(format!(
                        "{other:?} is not a ManageBac API version: use v2, v2p0, v2p1, v2p2 or v2p3"
                    )));
                }
            },
        )
    }
}

/// The school's bell times by period number (from 1).
///
/// ManageBac's class timetable names a rotation day and a period, never a clock time
/// (vendors.md §5.7 `GET /classes/{id}/timetable`), so dated lessons need the school's bell
/// schedule from configuration.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PeriodTimes(BTreeMap<u32, (Time, Time)>);

impl PeriodTimes {
    /// No times.
    pub fn new() -> Self {
        PeriodTimes::default()
    }

    /// Adds period `period` (from 1) from `start` to `end`; `InvalidInput` when it does not
    /// end after it starts or the period is 0.
    pub fn period(mut self, period: u32, start: Time, end: Time) -> Result<Self> {
        if period == 0 {
            return Err(Error::invalid_input(
                "bell times: periods are numbered from 1, not 0",
            ));
        }
        if end <= start {
            return Err(Error::invalid_input(format!(
                "bell times: period {period} ends at {end} before it starts at {start}"
            )));
        }
        self.0.insert(period, (start, end));
        Ok(self)
    }

    /// Parses `1=08:30-09:20,2=09:25-10:15` (spaces allowed; `;` also separates).
    pub fn parse(text: &str) -> Result<Self> {
        let mut out = PeriodTimes::new();
        for part in text
            .split([',', ';'])
            .map(str::trim)
            .filter(|p| !p.is_empty())
        {
            let bad = || {
                Error::invalid_input(format!(
                    "bell times: {part:?} is not PERIOD=HH:MM-HH:MM (e.g. 1=08:30-09:20)"
                ))
            };
            let (period, span) = part.split_once('=').ok_or_else(bad)?;
            let period: u32 = period.trim().parse().map_err(|_| bad())?;
            let (start, end) = span.split_once('-').ok_or_else(bad)?;
            let start = mis_core::timetable::time_of_day(start).map_err(|_| bad())?;
            let end = mis_core::timetable::time_of_day(end).map_err(|_| bad())?;
            out = out.period(period, start, end)?;
        }
        Ok(out)
    }

    /// The times of period `period` (from 1).
    pub fn get(&self, period: u32) -> Option<(Time, Time)> {
        self.0.get(&period).copied()
    }

    /// Whether no period has times.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Every period with its times, in order.
    pub fn iter(&self) -> impl Iterator<Item = (u32, Time, Time)> + '_ {
        self.0.iter().map(|(p, (s, e))| (*p, *s, *e))
    }
}

/// Behaviour type → polarity. ManageBac notes carry neither points nor polarity (vendors.md
/// §5.8), so a type is `neutral` unless the school's mapping says otherwise. Types are matched
/// case-insensitively, trimmed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PolarityMap(BTreeMap<String, Polarity>);

impl PolarityMap {
    /// An empty map (every type neutral).
    pub fn new() -> Self {
        PolarityMap::default()
    }

    /// Sets the polarity of `behaviour_type`.
    pub fn set(mut self, behaviour_type: &str, polarity: Polarity) -> Self {
        self.0.insert(key(behaviour_type), polarity);
        self
    }

    /// Parses `Merit=positive,Disruption=negative` (`;` also separates).
    pub fn parse(text: &str) -> Result<Self> {
        let mut out = PolarityMap::new();
        for part in text
            .split([',', ';'])
            .map(str::trim)
            .filter(|p| !p.is_empty())
        {
            let bad = || {
                Error::invalid_input(format!(
                    "behaviour polarity: {part:?} is not TYPE=positive|negative|neutral"
                ))
            };
            let (kind, polarity) = part.rsplit_once('=').ok_or_else(bad)?;
            let polarity = match polarity.trim().to_ascii_lowercase().as_str() {
                "positive" | "+" => Polarity::Positive,
                "negative" | "-" => Polarity::Negative,
                "neutral" | "0" => Polarity::Neutral,
                _ => return Err(bad()),
            };
            if kind.trim().is_empty() {
                return Err(bad());
            }
            out = out.set(kind, polarity);
        }
        Ok(out)
    }

    /// The polarity of `behaviour_type`: the mapping's, else `neutral`.
    pub fn get(&self, behaviour_type: Option<&str>) -> Polarity {
        behaviour_type
            .and_then(|t| self.0.get(&key(t)).copied())
            .unwrap_or(Polarity::Neutral)
    }

    /// Whether any type is mapped.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// One category override: a category id (`"5"`, `"-1"`) or label (`"Dismissed"`) and what it
/// counts as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CategoryOverride {
    /// The category id or the label, as the school has it.
    pub key: String,
    /// The statistical category.
    pub category: AttendanceCategory,
    /// Whether it also records lateness.
    pub late: bool,
}

/// Parses a category map: `KEY=CATEGORY` pairs separated by `,` or `;`, where KEY is a
/// category id (`5`, `-1`) or label (`Dismissed`, `Late & Dress Code`; matched
/// case-insensitively) and CATEGORY one of `present`, `present_late` (or `late`),
/// `approved_educational_activity`, `authorised_absence`, `unauthorised_absence`,
/// `not_counted`, `no_mark`, `unmapped`. A label holding `,`, `;` or `=` cannot be written
/// here: map it by id, or with [`Config::category_override`].
pub fn parse_category_map(text: &str) -> Result<Vec<CategoryOverride>> {
    let mut out = Vec::new();
    for part in text
        .split([',', ';'])
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        let bad = || {
            Error::invalid_input(format!(
                "category map: {part:?} is not ID_OR_LABEL=CATEGORY (e.g. Dismissed=authorised_absence; \
                 categories: present, present_late, approved_educational_activity, \
                 authorised_absence, unauthorised_absence, not_counted, no_mark, unmapped)"
            ))
        };
        let (key, value) = part.rsplit_once('=').ok_or_else(bad)?;
        let key = key.trim();
        if key.is_empty() {
            return Err(bad());
        }
        let value = value
            .trim()
            .to_ascii_lowercase()
            .replace(['-', ' ', '+'], "_");
        let (category, late) = match value.as_str() {
            "present_late" | "late" => (AttendanceCategory::Present, true),
            other => (
                AttendanceCategory::ALL
                    .into_iter()
                    .find(|c| c.as_str() == other)
                    .ok_or_else(bad)?,
                false,
            ),
        };
        out.push(CategoryOverride {
            key: key.to_owned(),
            category,
            late,
        });
    }
    Ok(out)
}

/// Prefixes an error's message with the variable it came from.
fn named(var: &'static str) -> impl Fn(Error) -> Error {
    move |e: Error| Error::new(e.kind(), format!("{var}: {}", e.message()))
}

fn key(behaviour_type: &str) -> String {
    behaviour_type.trim().to_lowercase()
}

/// Everything needed to talk to one ManageBac school.
///
/// ```
/// use mis_managebac::{ApiVersion, Config, Region};
///
/// let config = Config::new("9f1c0d2b6e")?
///     .region(Region::Us1)
///     .version(ApiVersion::V2p1)
///     .time_zone("Asia/Hong_Kong")?;
/// assert_eq!(config.base_url_string(), "https://api.us.managebac.com");
/// assert!(!format!("{config:?}").contains("9f1c0d2b6e"));
/// # Ok::<(), mis_core::Error>(())
/// ```
#[derive(Clone)]
pub struct Config {
    token: SecretString,
    region: Region,
    base_url: Option<BaseUrl>,
    version: ApiVersion,
    tenant: Option<String>,
    time_zone: Option<String>,
    rate_limit: RateLimit,
    retry: RetryConfig,
    timeout: Duration,
    page_size: u32,
    reuse: Duration,
    mapper: CodeMapper,
    period_times: PeriodTimes,
    polarity: PolarityMap,
    clock: Option<Arc<dyn Clock>>,
    transport: Option<HttpService>,
}

impl Config {
    /// A config for the school whose API token is `token`: the global host, `/v2p1`, the
    /// school record's time zone, [`default_rate_limit`], default retries, a 30 s timeout,
    /// [`DEFAULT_PAGE_SIZE`] records a page.
    ///
    /// Errors: `InvalidInput` for an empty token or one that cannot go in an HTTP header.
    pub fn new(token: impl Into<SecretString>) -> Result<Config> {
        let token: SecretString = token.into();
        let raw = token.expose_secret();
        if raw.trim().is_empty() {
            return Err(Error::invalid_input("the ManageBac API token is empty"));
        }
        // Checked now (not on the first request); the message never echoes the value.
        mis_http::sensitive_header_value(raw)?;
        Ok(Config {
            token,
            region: Region::Global,
            base_url: None,
            version: ApiVersion::V2p1,
            tenant: None,
            time_zone: None,
            rate_limit: default_rate_limit(),
            retry: RetryConfig::default(),
            timeout: Duration::from_secs(30),
            page_size: DEFAULT_PAGE_SIZE,
            reuse: DEFAULT_REUSE,
            mapper: CodeMapper::new(),
            period_times: PeriodTimes::new(),
            polarity: PolarityMap::new(),
            clock: None,
            transport: None,
        })
    }

    /// Reads [`ENV_TOKEN`] (required) and, when set and not empty, [`ENV_BASE_URL`],
    /// [`ENV_REGION`], [`ENV_API_VERSION`], [`ENV_TIME_ZONE`], [`ENV_PERIOD_TIMES`],
    /// [`ENV_BEHAVIOUR_POLARITY`], [`ENV_CATEGORY_MAP`] and [`ENV_QUOTA`].
    ///
    /// A missing or empty token variable is `Unauthenticated`, naming it; a bad optional
    /// value is `InvalidInput`, naming its variable.
    pub fn from_env() -> Result<Config> {
        Config::from_lookup(|name| std::env::var(name).ok())
    }

    /// [`Config::from_env`] over any variable source (tests, a sync config file's table).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Config> {
        Config::from_lookup_own(lookup)
    }

    /// The vendor's own variables from `lookup`, with the shared settings in `options`
    /// (already read, e.g. by a vendor registry).
    pub(crate) fn from_parts(
        lookup: impl Fn(&str) -> Option<String>,
        options: mis_http::ClientOptions,
    ) -> Result<Config> {
        let mut config = Config::from_lookup_own(lookup)?;
        if let Some(url) = options.base_url() {
            config = config.base_url(url)?;
        }
        if let Some(zone) = options.time_zone() {
            config = config.time_zone(zone)?;
        }
        if let Some(limit) = options.rate_limit() {
            config = config.rate_limit(limit);
        }
        if let Some(retry) = options.retry() {
            config = config.retry(retry);
        }
        if let Some(timeout) = options.timeout() {
            config = config.timeout(timeout);
        }
        if let Some(size) = options.page_size() {
            config = config.page_size(size)?;
        }
        if let Some(clock) = options.clock() {
            config = config.clock(clock.clone());
        }
        if let Some(transport) = options.transport() {
            config = config.transport(transport.clone());
        }
        Ok(config)
    }

    fn from_lookup_own(lookup: impl Fn(&str) -> Option<String>) -> Result<Config> {
        let token = match lookup(ENV_TOKEN) {
            Some(v) if !v.trim().is_empty() => v.trim().to_owned(),
            Some(_) => {
                return Err(Error::new(
                    ErrorKind::Unauthenticated,
                    format!("{ENV_TOKEN} is set but empty; it must hold the ManageBac API token"),
                ));
            }
            None => {
                return Err(Error::new(
                    ErrorKind::Unauthenticated,
                    format!(
                        "{ENV_TOKEN} is not set; ManageBac needs an API token (Settings → \
                         Develop → API Manager)"
                    ),
                ));
            }
        };
        let mut config = Config::new(token).map_err(named(ENV_TOKEN))?;
        let set = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
        if let Some(v) = set(ENV_REGION) {
            config = config.region(Region::parse(&v).map_err(named(ENV_REGION))?);
        }
        if let Some(v) = set(ENV_BASE_URL) {
            config = config.base_url(&v).map_err(named(ENV_BASE_URL))?;
        }
        if let Some(v) = set(ENV_API_VERSION) {
            config = config.version(ApiVersion::parse(&v).map_err(named(ENV_API_VERSION))?);
        }
        if let Some(v) = set(ENV_TIME_ZONE) {
            config = config.time_zone(v.trim()).map_err(named(ENV_TIME_ZONE))?;
        }
        if let Some(v) = set(ENV_PERIOD_TIMES) {
            config = config.period_times(PeriodTimes::parse(&v).map_err(named(ENV_PERIOD_TIMES))?);
        }
        if let Some(v) = set(ENV_QUOTA) {
            config = config.rate_limit(parse_quota(&v).map_err(named(ENV_QUOTA))?);
        }
        if let Some(v) = set(ENV_BEHAVIOUR_POLARITY) {
            config = config
                .behaviour_polarity(PolarityMap::parse(&v).map_err(named(ENV_BEHAVIOUR_POLARITY))?);
        }
        if let Some(v) = set(ENV_CATEGORY_MAP) {
            for o in parse_category_map(&v).map_err(named(ENV_CATEGORY_MAP))? {
                config = config.category_override(&o.key, o.category, o.late);
            }
        }
        Ok(config)
    }

    /// Uses a regional host (vendors.md §5.2). A base URL override wins over it.
    pub fn region(mut self, region: Region) -> Config {
        self.region = region;
        self
    }

    /// Sends to `scheme://host[:port]` instead of the region's host; the version prefix is
    /// still added (DESIGN.md §6). A trailing slash is ignored.
    ///
    /// Errors (`InvalidInput`): not a URL, plain `http://` to a non-loopback host, credentials,
    /// a query, or a path (which would double the prefix).
    pub fn base_url(mut self, url: &str) -> Result<Config> {
        let base = BaseUrl::parse(url)?;
        if !base.as_url().path().trim_matches('/').is_empty() {
            return Err(Error::invalid_input(format!(
                "a ManageBac base URL override must be scheme://host[:port] without a path; \
                 the client adds {} itself",
                self.version.prefix()
            )));
        }
        self.base_url = Some(base);
        Ok(self)
    }

    /// The API version prefix (default `/v2p1`).
    pub fn version(mut self, version: ApiVersion) -> Config {
        self.version = version;
        self
    }

    /// A label for the school in [`ProviderInfo`](mis_core::ProviderInfo) (the token already
    /// names one school; this is for humans and multi-school syncs).
    pub fn tenant(mut self, name: &str) -> Config {
        self.tenant = Some(name.trim().to_owned()).filter(|t| !t.is_empty());
        self
    }

    /// The school's IANA time zone: it places lesson times and dates behaviour incidents.
    /// Unset, the zone comes from the school record (`GET /school`, `timezone`), and only
    /// when that has none is [`FALLBACK_TIME_ZONE`] used, with a warning on the read.
    pub fn time_zone(mut self, zone: &str) -> Result<Config> {
        jiff::tz::TimeZone::get(zone)
            .map_err(|_| Error::invalid_input(format!("{zone:?} is not a known IANA time zone")))?;
        self.time_zone = Some(zone.to_owned());
        Ok(self)
    }

    /// The client-side rate limit (default [`default_rate_limit`]). It is shared by every
    /// client of the same host in this process, because the vendor counts per IP.
    pub fn rate_limit(mut self, limit: RateLimit) -> Config {
        self.rate_limit = limit;
        self
    }

    /// Retry settings. POST and PATCH are never replayed once they may have reached the
    /// server, whatever this says (mis-http's idempotency gate).
    pub fn retry(mut self, retry: RetryConfig) -> Config {
        self.retry = retry;
        self
    }

    /// The per-attempt timeout (default 30 s).
    pub fn timeout(mut self, timeout: Duration) -> Config {
        self.timeout = timeout;
        self
    }

    /// How long what a run reads once is reused (default [`DEFAULT_REUSE`]): the school's
    /// academic years, calendars and attendance categories, year groups, teachers, the class
    /// lists, each class's timetable, the student lists and one student's class memberships.
    /// Reads within this time of each other (the students, attendance, timetable and
    /// behaviour of one sync) share them instead of asking again; `Duration::ZERO` reads them
    /// afresh every time. Registers, excusals and behaviour notes are never reused.
    pub fn reuse_for(mut self, reuse: Duration) -> Config {
        self.reuse = reuse;
        self
    }

    /// How long reference data is reused ([`Config::reuse_for`]).
    pub fn reuse(&self) -> Duration {
        self.reuse
    }

    /// Records per page, 1 to [`MAX_PAGE_SIZE`] (default [`DEFAULT_PAGE_SIZE`]).
    pub fn page_size(mut self, size: u32) -> Result<Config> {
        if !(1..=MAX_PAGE_SIZE).contains(&size) {
            return Err(Error::invalid_input(format!(
                "page size {size} is out of range: ManageBac serves 1 to {MAX_PAGE_SIZE}"
            )));
        }
        self.page_size = size;
        Ok(self)
    }

    /// Per-school corrections: `override_code("3", …)` by category id, `override_label`
    /// by the tenant's label. Without overrides mis-core's school-label rules apply
    /// ([`convert::attendance`](crate::convert::attendance)). Replaces any
    /// [`category_override`](Config::category_override) set before.
    pub fn code_mapper(mut self, mapper: CodeMapper) -> Config {
        self.mapper = mapper;
        self
    }

    /// Says how one of the school's attendance categories counts, overriding the label
    /// rules: `key` is a category id (`"5"`, or `"-1"` for the register's default
    /// "Present") or a label (`"Dismissed"`, case-insensitive). An id override wins over a
    /// label override. [`ENV_CATEGORY_MAP`] sets the same from text.
    ///
    /// ```
    /// use mis_core::AttendanceCategory;
    /// use mis_managebac::Config;
    ///
    /// let config = Config::new("token")?
    ///     .category_override("Dismissed", AttendanceCategory::AuthorisedAbsence, false)
    ///     .category_override("-1", AttendanceCategory::NotCounted, false);
    /// assert!(config.mapper().has_overrides());
    /// # Ok::<(), mis_core::Error>(())
    /// ```
    pub fn category_override(
        mut self,
        key: &str,
        category: AttendanceCategory,
        late: bool,
    ) -> Config {
        let key = key.trim();
        let mapper = std::mem::take(&mut self.mapper);
        self.mapper = if key.parse::<i64>().is_ok() {
            mapper.override_code(key, category, late)
        } else {
            mapper.override_label(key, category, late)
        };
        self
    }

    /// The school's bell times (needed for timetables; see [`PeriodTimes`]).
    pub fn period_times(mut self, times: PeriodTimes) -> Config {
        self.period_times = times;
        self
    }

    /// Which behaviour types are positive or negative (default: all neutral).
    pub fn behaviour_polarity(mut self, map: PolarityMap) -> Config {
        self.polarity = map;
        self
    }

    /// The wall clock used to read `X-RateLimit-Reset` (tests pass a fake one).
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Config {
        self.clock = Some(clock);
        self
    }

    /// Replaces the HTTP transport (tests pass a scripted one; the sandbox may pass an
    /// in-process one). The rest of the stack — auth, retry, rate gate — stays.
    pub fn transport(mut self, transport: HttpService) -> Config {
        self.transport = Some(transport);
        self
    }

    /// Where requests go: the override, else the region's host.
    pub fn endpoint(&self) -> Result<BaseUrl> {
        match &self.base_url {
            Some(base) => Ok(base.clone()),
            None => BaseUrl::parse(self.region.base_url()),
        }
    }

    /// The base URL as text.
    pub fn base_url_string(&self) -> String {
        self.endpoint()
            .map(|b| b.as_str().to_owned())
            .unwrap_or_default()
    }

    /// The API version.
    pub fn api_version(&self) -> ApiVersion {
        self.version
    }

    /// The tenant label, if set.
    pub fn tenant_name(&self) -> Option<&str> {
        self.tenant.as_deref()
    }

    /// The configured time zone, else [`FALLBACK_TIME_ZONE`] (the client asks the school
    /// record first; see [`Config::time_zone`]).
    pub fn zone(&self) -> &str {
        self.time_zone.as_deref().unwrap_or(FALLBACK_TIME_ZONE)
    }

    /// The time zone set in the configuration, if any.
    pub fn configured_zone(&self) -> Option<&str> {
        self.time_zone.as_deref()
    }

    /// The rate limit.
    pub fn limit(&self) -> RateLimit {
        self.rate_limit
    }

    /// The retry settings.
    pub fn retry_config(&self) -> RetryConfig {
        self.retry
    }

    /// The per-attempt timeout.
    pub fn request_timeout(&self) -> Duration {
        self.timeout
    }

    /// Records per page.
    pub fn records_per_page(&self) -> u32 {
        self.page_size
    }

    /// The status mapper.
    pub fn mapper(&self) -> &CodeMapper {
        &self.mapper
    }

    /// The bell times.
    pub fn bell_times(&self) -> &PeriodTimes {
        &self.period_times
    }

    /// The behaviour polarity map.
    pub fn polarity(&self) -> &PolarityMap {
        &self.polarity
    }

    pub(crate) fn token(&self) -> &SecretString {
        &self.token
    }

    pub(crate) fn wall_clock(&self) -> Option<Arc<dyn Clock>> {
        self.clock.clone()
    }

    pub(crate) fn custom_transport(&self) -> Option<HttpService> {
        self.transport.clone()
    }
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Hand-written so the token can never be printed, whatever secrecy's Debug does.
        f.debug_struct("Config")
            .field("token", &"[REDACTED]")
            .field("base_url", &self.base_url_string())
            .field("version", &self.version)
            .field("tenant", &self.tenant)
            .field("time_zone", &self.time_zone)
            .field("rate_limit", &self.rate_limit)
            .field("retry", &self.retry)
            .field("timeout", &self.timeout)
            .field("page_size", &self.page_size)
            .field("reuse", &self.reuse)
            .field("mapper_overrides", &self.mapper.has_overrides())
            .field("period_times", &self.period_times)
            .field("behaviour_polarity", &self.polarity)
            .field("custom_clock", &self.clock.is_some())
            .field("custom_transport", &self.transport.is_some())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::time;

    fn vars(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |name: &str| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn hosts_versions_and_overrides() {
        let c = Config::new("tok").unwrap();
        assert_eq!(c.base_url_string(), "https://api.managebac.com");
        assert_eq!(c.api_version().prefix(), "/v2p1");
        for (r, host) in [
            ("cn", "https://api.managebac.cn"),
            ("US1", "https://api.us.managebac.com"),
            ("us2", "https://api.managebac.us"),
            ("uat", "https://api.managebactest.com"),
            ("ca", "https://api.managebac.com"),
        ] {
            let c = Config::new("t").unwrap().region(Region::parse(r).unwrap());
            assert_eq!(c.base_url_string(), host, "{r}");
        }
        assert!(Region::parse("eu").is_err());
        for (v, prefix) in [("v2", "/v2"), ("/v2p3", "/v2p3"), ("V2P0", "/v2p0")] {
            assert_eq!(ApiVersion::parse(v).unwrap().prefix(), prefix);
        }
        assert!(ApiVersion::parse("v3").is_err());
        let c = Config::new("t")
            .unwrap()
            .base_url("http://127.0.0.1:9/")
            .unwrap();
        assert_eq!(c.base_url_string(), "http://127.0.0.1:9");
        for bad in ["http://example.com", "https://api.managebac.com/v2p1", "x"] {
            let e = Config::new("t").unwrap().base_url(bad).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::InvalidInput, "{bad}");
        }
    }

    #[test]
    fn settings_validate() {
        assert_eq!(
            Config::new(" ").unwrap_err().kind(),
            ErrorKind::InvalidInput
        );
        let e = Config::new("s3cr3t\nx").unwrap_err();
        assert!(!e.to_string().contains("s3cr3t"), "{e}");
        let c = Config::new("t").unwrap();
        assert!(c.clone().page_size(0).is_err());
        assert!(c.clone().page_size(201).is_err());
        assert_eq!(c.clone().page_size(200).unwrap().records_per_page(), 200);
        assert!(c.clone().time_zone("Mars/Base").is_err());
    }

    #[test]
    fn bell_times_parse() {
        let p = PeriodTimes::parse(" 1=08:30-09:20, 2=09:25:00-10:15;3=10:30-11:20").unwrap();
        assert_eq!(p.get(2), Some((time(9, 25, 0, 0), time(10, 15, 0, 0))));
        assert_eq!(p.iter().count(), 3);
        for bad in [
            "1=08:30",
            "x=08:30-09:00",
            "1=9am-10am",
            "0=08:00-09:00",
            "1=09:00-08:00",
        ] {
            let e = PeriodTimes::parse(bad).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::InvalidInput, "{bad}");
            assert!(e.to_string().contains("bell times"), "{e}");
        }
        assert!(PeriodTimes::parse("").unwrap().is_empty());
    }

    #[test]
    fn quotas_parse() {
        assert_eq!(parse_quota("10/1").unwrap(), default_rate_limit());
        assert_eq!(parse_quota(" 10/1s ").unwrap(), default_rate_limit());
        assert_eq!(parse_quota("Unlimited").unwrap(), RateLimit::unlimited());
        assert!(parse_quota("8/0.01").is_ok());
        for bad in ["10", "x/1", "10/0", "0/1", "10/-1", "10/inf", "10/99999999"] {
            let e = parse_quota(bad).unwrap_err();
            assert!(e.to_string().contains("REQUESTS/SECONDS"), "{bad}: {e}");
        }
    }

    #[test]
    fn polarity_parse() {
        let m = PolarityMap::parse("Merit=positive, Disruption = negative;Note=neutral").unwrap();
        assert_eq!(m.get(Some(" merit ")), Polarity::Positive);
        assert_eq!(m.get(Some("DISRUPTION")), Polarity::Negative);
        assert_eq!(m.get(Some("Other")), Polarity::Neutral);
        assert_eq!(m.get(None), Polarity::Neutral);
        assert!(PolarityMap::parse("Merit").is_err());
        assert!(PolarityMap::parse("Merit=good").is_err());
    }

    #[test]
    fn from_env_names_the_variable() {
        let e = Config::from_lookup(vars(&[])).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Unauthenticated);
        assert!(e.to_string().contains(ENV_TOKEN), "{e}");
        let e = Config::from_lookup(vars(&[(ENV_TOKEN, "  ")])).unwrap_err();
        assert!(e.to_string().contains(ENV_TOKEN), "{e}");
        let c = Config::from_lookup(vars(&[
            (ENV_TOKEN, "tok"),
            (ENV_BASE_URL, "http://localhost:7/"),
            (ENV_API_VERSION, "v2p3"),
            (ENV_TIME_ZONE, "Asia/Tokyo"),
            (ENV_PERIOD_TIMES, "1=08:00-09:00"),
            (ENV_BEHAVIOUR_POLARITY, "Merit=positive"),
            (ENV_REGION, ""),
        ]))
        .unwrap();
        assert_eq!(c.base_url_string(), "http://localhost:7");
        assert_eq!(c.api_version(), ApiVersion::V2p3);
        assert_eq!(c.zone(), "Asia/Tokyo");
        assert!(!c.bell_times().is_empty());
        for (var, value) in [
            (ENV_BASE_URL, "http://example.com"),
            (ENV_REGION, "mars"),
            (ENV_API_VERSION, "v9"),
            (ENV_TIME_ZONE, "Nowhere/Town"),
            (ENV_PERIOD_TIMES, "1=late"),
            (ENV_BEHAVIOUR_POLARITY, "x=y"),
            (ENV_QUOTA, "lots"),
            (ENV_QUOTA, "0/1"),
        ] {
            let lookup = move |name: &str| match name {
                ENV_TOKEN => Some("tok".to_string()),
                n if n == var => Some(value.to_string()),
                _ => None,
            };
            let e = Config::from_lookup(lookup).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::InvalidInput, "{var}");
            assert!(e.to_string().contains(var), "{var}: {e}");
        }
    }

    /// Item 1: the category map from text, by label or id, as from the environment.
    #[test]
    fn category_map_parses_labels_and_ids() {
        let m = parse_category_map(
            "Dismissed=authorised_absence; Other = not_counted,-1=present, Late & Dress Code=present+late",
        )
        .unwrap();
        assert_eq!(m.len(), 4);
        assert_eq!(
            (m[0].key.as_str(), m[0].category, m[0].late),
            ("Dismissed", AttendanceCategory::AuthorisedAbsence, false)
        );
        assert_eq!(m[1].category, AttendanceCategory::NotCounted);
        assert_eq!(
            (m[2].key.as_str(), m[2].category),
            ("-1", AttendanceCategory::Present)
        );
        assert_eq!(
            (m[3].key.as_str(), m[3].category, m[3].late),
            ("Late & Dress Code", AttendanceCategory::Present, true)
        );
        for bad in ["Dismissed", "=present", "Other=holiday"] {
            let e = parse_category_map(bad).unwrap_err();
            assert!(e.to_string().contains("category map"), "{bad}: {e}");
        }
        let c = Config::from_lookup(vars(&[
            (ENV_TOKEN, "tok"),
            (
                ENV_CATEGORY_MAP,
                "Dismissed=authorised_absence,5=not_counted",
            ),
        ]))
        .unwrap();
        let d = jiff::civil::date(2024, 9, 9);
        assert_eq!(
            c.mapper().map_label("dismissed").category,
            AttendanceCategory::AuthorisedAbsence
        );
        assert_eq!(
            c.mapper().map_code("5", d).category,
            AttendanceCategory::NotCounted
        );
        let e =
            Config::from_lookup(vars(&[(ENV_TOKEN, "tok"), (ENV_CATEGORY_MAP, "x")])).unwrap_err();
        assert!(e.to_string().contains(ENV_CATEGORY_MAP), "{e}");
    }

    #[test]
    fn the_zone_is_optional() {
        let c = Config::new("t").unwrap();
        assert_eq!(c.configured_zone(), None);
        assert_eq!(c.zone(), FALLBACK_TIME_ZONE);
        let c = c.time_zone("Asia/Hong_Kong").unwrap();
        assert_eq!(c.configured_zone(), Some("Asia/Hong_Kong"));
    }

    #[test]
    fn debug_never_shows_the_token() {
        let c = Config::new("9f1c0d2b6e-secret-token").unwrap();
        let shown = format!("{c:?} {c:#?}");
        assert!(!shown.contains("9f1c0d2b6e-secret-token"), "{shown}");
        assert!(shown.contains("[REDACTED]"));
    }
}
