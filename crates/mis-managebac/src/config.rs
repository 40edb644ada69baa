//! Configuration: the token, which host and API version, the school's time zone and bell
//! times, how fast to go, and how to read statuses and behaviour types.

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

use jiff::civil::Time;
use mis_core::codes::CodeMapper;
use mis_core::{AttendanceCategory, Error, ErrorKind, Polarity, Result};
use mis_http::{BaseUrl, ClientOptions, ExposeSecret, RateLimit, SecretString};

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

/// Environment variable setting the records asked for per page, 1 to [`MAX_PAGE_SIZE`].
pub const ENV_PAGE_SIZE: &str = "MIS_MANAGEBAC_PAGE_SIZE";

/// Environment variable overriding the client-side rate: `REQUESTS/SECONDS` (e.g. `10/1`,
/// at most that many in any window of that length) or `unlimited`.
pub const ENV_QUOTA: &str = "MIS_MANAGEBAC_QUOTA";

/// Records asked for per page by default: Faria asks integrations to "use `per_page=50`"
/// (its "Rate limitations and throttling" article).
pub const DEFAULT_PAGE_SIZE: u32 = 50;

/// How long a client reuses the reference data one run reads ([`Config::reuse_for`]): long
/// enough for one school's sync (students, attendance, timetable, behaviour), short enough
/// that a long-lived client sees a new class or timetable within minutes.
pub const DEFAULT_REUSE: Duration = Duration::from_secs(15 * 60);

/// The per-attempt timeout unless the options set one.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// The largest page the vendor serves on the classic endpoints: "max 200" (the API spec's `Meta`).
pub const MAX_PAGE_SIZE: u32 = 200;

/// The default client-side rate: at most 10 requests in any second. The vendor's limit is
/// per IP across all endpoints and "may be adjusted at any time without warning" (example:
/// 50/s, Faria's "Rate limitations and throttling" article); a fifth of it leaves room for other
/// tools on the same IP.
pub fn default_rate_limit() -> RateLimit {
    RateLimit::at_most(10, Duration::from_secs(1))
}

/// Parses a client-side rate: `REQUESTS/SECONDS` (`10/1`, `10/1s`, `8/0.01`) — at most that
/// many requests in any window of that length — or `unlimited`.
pub fn parse_quota(text: &str) -> Result<RateLimit> {
    text.parse()
}

/// ManageBac's hosts (the API spec's server list). A token works only on its school's home host
/// \[I\].
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

/// The API version: a path prefix (Faria's "About versions" page).
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
/// (`GET /classes/{id}/timetable`), so dated lessons need the school's bell
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

/// Behaviour type → polarity. ManageBac notes carry neither points nor polarity (`GET
/// /behavior/notes`), so a type is `neutral` unless the school's mapping says otherwise. Types are
/// matched case-insensitively, trimmed.
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
/// counts as. The same type as every vendor's code map ([`mis_core::codes::CodeOverride`]).
pub type CategoryOverride = mis_core::codes::CodeOverride;

/// Parses a category map: `KEY=CATEGORY` pairs separated by `,` or `;`, where KEY is a
/// category id (`5`, `-1`) or label (`Dismissed`, `Late & Dress Code`; matched
/// case-insensitively); see [`mis_core::codes::parse_code_map`] for the categories. A label
/// holding `,`, `;` or `=` cannot be written here: map it by id, or with
/// [`Config::category_override`].
pub fn parse_category_map(text: &str) -> Result<Vec<CategoryOverride>> {
    mis_core::codes::parse_code_map(text)
}

/// Prefixes an error's message with the variable it came from.
fn named(var: &'static str) -> impl Fn(Error) -> Error {
    move |e: Error| Error::new(e.kind(), format!("{var}: {}", e.message()))
}

fn key(behaviour_type: &str) -> String {
    behaviour_type.trim().to_lowercase()
}

/// Everything needed to talk to one ManageBac school: what is ManageBac's own (the token,
/// region, API version, bell times, category and behaviour mapping) plus the settings every
/// vendor client shares ([`ClientOptions`]: host override, time zone, rate limit, retries,
/// timeout, page size, transport, clock, TLS, proxy).
///
/// An unset shared setting means ManageBac's default: the region's host,
/// [`default_rate_limit`], a 30 s timeout, [`DEFAULT_PAGE_SIZE`] records a page, the school
/// record's time zone.
///
/// ```
/// use mis_managebac::{ApiVersion, Config, Region};
///
/// let config = Config::new("9f1c0d2b6e")?
///     .region(Region::Us1)
///     .version(ApiVersion::V2p1)
///     .update_options(|o| o.with_time_zone("Asia/Hong_Kong"));
/// assert_eq!(config.options().time_zone(), Some("Asia/Hong_Kong"));
/// assert!(!format!("{config:?}").contains("9f1c0d2b6e"));
/// # Ok::<(), mis_core::Error>(())
/// ```
#[derive(Clone)]
pub struct Config {
    token: SecretString,
    region: Region,
    version: ApiVersion,
    tenant: Option<String>,
    reuse: Duration,
    mapper: CodeMapper,
    period_times: PeriodTimes,
    polarity: PolarityMap,
    options: ClientOptions,
}

impl Config {
    /// A config for the school whose API token is `token`: the global host, `/v2p1`, and
    /// every shared setting unset (ManageBac's defaults; see [`Config`]).
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
            version: ApiVersion::V2p1,
            tenant: None,
            reuse: DEFAULT_REUSE,
            mapper: CodeMapper::new(),
            period_times: PeriodTimes::new(),
            polarity: PolarityMap::new(),
            options: ClientOptions::new(),
        })
    }

    /// Reads [`ENV_TOKEN`] (required); when set and not empty, ManageBac's own
    /// [`ENV_REGION`], [`ENV_API_VERSION`], [`ENV_PERIOD_TIMES`], [`ENV_BEHAVIOUR_POLARITY`]
    /// and [`ENV_CATEGORY_MAP`]; and the shared settings through
    /// [`ClientOptions::from_lookup`] ([`ENV_BASE_URL`], [`ENV_TIME_ZONE`], [`ENV_QUOTA`],
    /// `MIS_MANAGEBAC_TIMEOUT`, `_MAX_ATTEMPTS`, `_PAGE_SIZE`, `_USER_AGENT`, `_CA_CERT`,
    /// `_TLS_OS_ROOTS`, `_PROXY`).
    ///
    /// A missing or empty token variable is `Unauthenticated`, naming it; a bad optional
    /// value is `InvalidInput`, naming its variable.
    pub fn from_env() -> Result<Config> {
        Config::from_lookup(|name| std::env::var(name).ok())
    }

    /// [`Config::from_env`] over any variable source (tests, a sync config file's table).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Config> {
        // The token first: a missing credential is the error to report, before any setting.
        read_token(&lookup)?;
        let options = ClientOptions::from_lookup(crate::VENDOR_ID, &lookup)?;
        Config::from_parts(lookup, options)
    }

    /// ManageBac's own variables from `lookup` (as [`Config::from_lookup`] reads them), with
    /// the shared settings already read into `options` (e.g. by a vendor registry, with
    /// command-line overrides applied).
    pub(crate) fn from_parts(
        lookup: impl Fn(&str) -> Option<String>,
        options: ClientOptions,
    ) -> Result<Config> {
        let token = read_token(&lookup)?;
        let mut config = Config::new(token).map_err(named(ENV_TOKEN))?;
        let set = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
        if let Some(v) = set(ENV_REGION) {
            config = config.region(Region::parse(&v).map_err(named(ENV_REGION))?);
        }
        if let Some(v) = set(ENV_API_VERSION) {
            config = config.version(ApiVersion::parse(&v).map_err(named(ENV_API_VERSION))?);
        }
        if let Some(v) = set(ENV_PERIOD_TIMES) {
            config = config.period_times(PeriodTimes::parse(&v).map_err(named(ENV_PERIOD_TIMES))?);
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
        // The shared settings ManageBac narrows (a host without a path, at most 200 records
        // a page) are checked now, naming the variable they are read from.
        check_base_url(options.base_url(), config.version).map_err(named(ENV_BASE_URL))?;
        check_page_size(options.page_size()).map_err(named(ENV_PAGE_SIZE))?;
        Ok(config.with_options(options))
    }

    /// Uses a regional host. An explicit base URL ([`ClientOptions::with_base_url`]) wins
    /// over it.
    pub fn region(mut self, region: Region) -> Config {
        self.region = region;
        self
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

    /// The shared client settings ([`ClientOptions`]). ManageBac reads them so:
    ///
    /// - **base URL**: `scheme://host[:port]` without a path (the client adds the version
    ///   prefix itself); unset, the [region](Config::region)'s host;
    /// - **time zone**: places lesson times and dates behaviour incidents; unset, the zone
    ///   comes from the school record (`GET /school`, `timezone`), and only when that has
    ///   none is [`FALLBACK_TIME_ZONE`] used, with a warning on the read;
    /// - **rate limit**: unset, [`default_rate_limit`]; either way shared by every client of
    ///   the same host in this process, because the vendor counts per IP;
    /// - **retry**: POST and PATCH are never replayed once they may have reached the
    ///   server, whatever this says;
    /// - **page size**: 1 to [`MAX_PAGE_SIZE`]; unset, [`DEFAULT_PAGE_SIZE`].
    ///
    /// A base URL with a path, an unknown time zone or a page size out of range is an
    /// `InvalidInput` error from [`Client::new`](crate::Client::new).
    pub fn options(&self) -> &ClientOptions {
        &self.options
    }

    /// Replaces the shared client settings.
    pub fn with_options(mut self, options: ClientOptions) -> Config {
        self.options = options;
        self
    }

    /// Changes the shared client settings:
    /// `config.update_options(|o| o.with_transport(service))`.
    pub fn update_options(mut self, change: impl FnOnce(ClientOptions) -> ClientOptions) -> Config {
        self.options = change(std::mem::take(&mut self.options));
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

    /// Where requests go: the base URL in [`Config::options`] if set, else the region's
    /// host. Errors (`InvalidInput`) as [`Config::options`] describes for the base URL.
    pub(crate) fn endpoint(&self) -> Result<BaseUrl> {
        match check_base_url(self.options.base_url(), self.version)? {
            Some(base) => Ok(base),
            None => BaseUrl::parse(self.region.base_url()),
        }
    }

    /// The API version.
    pub fn api_version(&self) -> ApiVersion {
        self.version
    }

    /// The tenant label, if set.
    pub fn tenant_name(&self) -> Option<&str> {
        self.tenant.as_deref()
    }

    /// Records per page: the one in [`Config::options`], else [`DEFAULT_PAGE_SIZE`].
    /// Errors (`InvalidInput`) when the one set is out of range.
    pub(crate) fn page_size(&self) -> Result<u32> {
        Ok(check_page_size(self.options.page_size())?.unwrap_or(DEFAULT_PAGE_SIZE))
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
}

/// The token from [`ENV_TOKEN`]; missing or empty is `Unauthenticated`, naming it.
fn read_token(lookup: &impl Fn(&str) -> Option<String>) -> Result<String> {
    match lookup(ENV_TOKEN) {
        Some(v) if !v.trim().is_empty() => Ok(v.trim().to_owned()),
        Some(_) => Err(Error::new(
            ErrorKind::Unauthenticated,
            format!("{ENV_TOKEN} is set but empty; it must hold the ManageBac API token"),
        )),
        // "token," and not "token (…": error redaction takes the word after "token " for a
        // secret and would hide where the token is made.
        None => Err(Error::new(
            ErrorKind::Unauthenticated,
            format!(
                "{ENV_TOKEN} is not set; ManageBac needs an API token, made in Settings → \
                 Develop → API Manager"
            ),
        )),
    }
}

/// A base URL override is `scheme://host[:port]`: a path would double the version prefix the
/// client adds.
fn check_base_url(url: Option<&str>, version: ApiVersion) -> Result<Option<BaseUrl>> {
    let Some(url) = url else { return Ok(None) };
    let base = BaseUrl::parse(url)?;
    if !base.as_url().path().trim_matches('/').is_empty() {
        return Err(Error::invalid_input(format!(
            "a ManageBac base URL override must be scheme://host[:port] without a path; \
             the client adds {} itself",
            version.prefix()
        )));
    }
    Ok(Some(base))
}

/// ManageBac serves 1 to [`MAX_PAGE_SIZE`] records a page.
fn check_page_size(size: Option<u32>) -> Result<Option<u32>> {
    match size {
        Some(size) if !(1..=MAX_PAGE_SIZE).contains(&size) => Err(Error::invalid_input(format!(
            "page size {size} is out of range: ManageBac serves 1 to {MAX_PAGE_SIZE}"
        ))),
        size => Ok(size),
    }
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Hand-written so the token can never be printed, whatever secrecy's Debug does.
        f.debug_struct("Config")
            .field("token", &"[REDACTED]")
            .field("region", &self.region)
            .field("version", &self.version)
            .field("tenant", &self.tenant)
            .field("reuse", &self.reuse)
            .field("mapper_overrides", &self.mapper.has_overrides())
            .field("period_times", &self.period_times)
            .field("behaviour_polarity", &self.polarity)
            .field("options", &self.options)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_token_says_where_it_is_made_even_redacted() {
        let e = read_token(&|_: &str| None).unwrap_err();
        let shown = mis_core::error::redact(&e.to_string());
        assert!(
            shown.contains("Settings → Develop → API Manager"),
            "{shown}"
        );
        assert!(!shown.contains("[REDACTED]"), "{shown}");
    }

    use jiff::civil::time;

    fn vars(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |name: &str| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
        }
    }

    fn host(c: &Config) -> String {
        c.endpoint().unwrap().as_str().to_owned()
    }

    #[test]
    fn hosts_versions_and_overrides() {
        let c = Config::new("tok").unwrap();
        assert_eq!(host(&c), "https://api.managebac.com");
        assert_eq!(c.api_version().prefix(), "/v2p1");
        for (r, host) in [
            ("cn", "https://api.managebac.cn"),
            ("US1", "https://api.us.managebac.com"),
            ("us2", "https://api.managebac.us"),
            ("uat", "https://api.managebactest.com"),
            ("ca", "https://api.managebac.com"),
        ] {
            let c = Config::new("t").unwrap().region(Region::parse(r).unwrap());
            assert_eq!(self::host(&c), host, "{r}");
        }
        assert!(Region::parse("eu").is_err());
        for (v, prefix) in [("v2", "/v2"), ("/v2p3", "/v2p3"), ("V2P0", "/v2p0")] {
            assert_eq!(ApiVersion::parse(v).unwrap().prefix(), prefix);
        }
        assert!(ApiVersion::parse("v3").is_err());
        // The override wins over the region.
        let c = Config::new("t")
            .unwrap()
            .region(Region::China)
            .update_options(|o| o.with_base_url("http://127.0.0.1:9/"));
        assert_eq!(host(&c), "http://127.0.0.1:9");
        for bad in ["http://example.com", "https://api.managebac.com/v2p1", "x"] {
            let c = Config::new("t")
                .unwrap()
                .update_options(|o| o.with_base_url(bad));
            let e = c.endpoint().unwrap_err();
            assert_eq!(e.kind(), ErrorKind::InvalidInput, "{bad}");
            let e = crate::Client::new(c).err().unwrap();
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
        assert_eq!(c.page_size().unwrap(), DEFAULT_PAGE_SIZE);
        for bad in [0, 201] {
            let c = c.clone().update_options(|o| o.with_page_size(bad));
            assert!(c.page_size().is_err(), "{bad}");
            assert!(crate::Client::new(c).is_err(), "{bad}");
        }
        let c200 = c.clone().update_options(|o| o.with_page_size(200));
        assert_eq!(c200.page_size().unwrap(), 200);
        let mars = c.clone().update_options(|o| o.with_time_zone("Mars/Base"));
        let e = crate::ManageBacProvider::new(mars).err().unwrap();
        assert_eq!(e.kind(), ErrorKind::InvalidInput);
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
        assert_eq!(host(&c), "http://localhost:7");
        assert_eq!(c.api_version(), ApiVersion::V2p3);
        assert_eq!(c.options().time_zone(), Some("Asia/Tokyo"));
        assert!(!c.bell_times().is_empty());
        for (var, value) in [
            (ENV_BASE_URL, "http://example.com"),
            (ENV_BASE_URL, "https://api.managebac.com/v2p1"),
            (ENV_PAGE_SIZE, "201"),
            (ENV_PAGE_SIZE, "0"),
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
            // The shared parser's wording (`mis_core::codes::parse_code_map`).
            let e = parse_category_map(bad).unwrap_err();
            assert!(e.to_string().contains("code map"), "{bad}: {e}");
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
        assert_eq!(c.options().time_zone(), None);
        use mis_core::MisProvider;
        let provider = crate::ManageBacProvider::new(c.clone()).unwrap();
        assert_eq!(provider.info().time_zone, FALLBACK_TIME_ZONE);
        let c = c.update_options(|o| o.with_time_zone("Asia/Hong_Kong"));
        let provider = crate::ManageBacProvider::new(c).unwrap();
        assert_eq!(provider.info().time_zone, "Asia/Hong_Kong");
    }

    /// The shared settings come from the same variables as before, under ManageBac's prefix.
    #[test]
    fn shared_settings_come_through_client_options() {
        let c = Config::from_lookup(vars(&[
            (ENV_TOKEN, "tok"),
            (ENV_QUOTA, "20/1"),
            (ENV_PAGE_SIZE, "120"),
            ("MIS_MANAGEBAC_TIMEOUT", "5"),
            ("MIS_MANAGEBAC_MAX_ATTEMPTS", "2"),
        ]))
        .unwrap();
        let o = c.options();
        assert_eq!(o.rate_limit(), Some(parse_quota("20/1").unwrap()));
        assert_eq!(o.timeout(), Some(Duration::from_secs(5)));
        assert_eq!(o.retry().map(|r| r.attempts()), Some(2));
        assert_eq!(c.page_size().unwrap(), 120);
        // Unset: ManageBac's defaults, applied when the client is built.
        let c = Config::from_lookup(vars(&[(ENV_TOKEN, "tok")])).unwrap();
        assert!(c.options().rate_limit().is_none() && c.options().base_url().is_none());
        assert_eq!(c.page_size().unwrap(), DEFAULT_PAGE_SIZE);
    }

    #[test]
    fn debug_never_shows_the_token() {
        let c = Config::new("9f1c0d2b6e-secret-token").unwrap();
        let shown = format!("{c:?} {c:#?}");
        assert!(!shown.contains("9f1c0d2b6e-secret-token"), "{shown}");
        assert!(shown.contains("[REDACTED]"));
    }
}
