//! Configuration: where, who, and how fast.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use mis_core::codes::{CodeMapper, CodeOverride, parse_code_map};
use mis_core::{Error, ErrorKind, Result, VendorId};
use mis_http::{BaseUrl, ClientOptions, RateLimit, SecretString};

use crate::routes;

/// The vendor id: `--provider hubmis`, the `MIS_HUBMIS_*` variables, records' `provider`.
pub const VENDOR_ID: VendorId = VendorId::new("hubmis");

/// The vendor id, as a string ([`VENDOR_ID`]).
pub const VENDOR: &str = VENDOR_ID.as_str();

/// Environment variable: the OAuth2 client id.
pub const ENV_CLIENT_ID: &str = "MIS_HUBMIS_CLIENT_ID";
/// Environment variable: the OAuth2 client secret.
pub const ENV_CLIENT_SECRET: &str = "MIS_HUBMIS_CLIENT_SECRET";
/// Environment variable: the realm (school) id sent in the `Realm` header.
pub const ENV_REALM: &str = "MIS_HUBMIS_REALM";
/// Environment variable: the `academic-year-id` header (else the vendor's active year).
pub const ENV_ACADEMIC_YEAR_ID: &str = "MIS_HUBMIS_ACADEMIC_YEAR_ID";
/// Environment variable: the quota mode, `strict` (default: the spacing, whatever the server
/// reports) or `adaptive` (burst while `X-RateLimit-Remaining` reports allowance to spare,
/// the spacing as it drains; [`Quota::adaptive`]).
pub const ENV_QUOTA_MODE: &str = "MIS_HUBMIS_QUOTA_MODE";
/// Environment variable: comma-separated pastoral categories (names or ids) that are positive.
pub const ENV_POSITIVE_CATEGORIES: &str = "MIS_HUBMIS_POSITIVE_CATEGORIES";
/// Environment variable: comma-separated pastoral categories (names or ids) that are negative.
pub const ENV_NEGATIVE_CATEGORIES: &str = "MIS_HUBMIS_NEGATIVE_CATEGORIES";
/// Environment variable: the school's own attendance codes, `CODE=category` pairs separated
/// by `,` or `;` (`Q=authorised_absence`; the categories of
/// [`mis_core::codes::parse_code_map`]). A code named here takes that category whatever the
/// DfE table says; a code the school defined itself (its code book entry says
/// `"is_statutory": false`) is `unmapped` unless named here.
pub const ENV_CODE_MAP: &str = "MIS_HUBMIS_CODE_MAP";
/// Environment variable: `false` stops `students()` reading each student's enrolment record
/// (UPN, candidate number), which costs one request — five seconds of quota — per student.
pub const ENV_ENROLMENT_DETAILS: &str = "MIS_HUBMIS_ENROLMENT_DETAILS";
/// Environment variable: how long, in seconds, the provider keeps the student roster it has
/// read before reading it again ([`Config::with_roster_ttl`]).
pub const ENV_ROSTER_TTL: &str = "MIS_HUBMIS_ROSTER_TTL";
/// Environment variable: `true` makes the whole-school timetable also read every student's
/// calendar for lessons no teacher's calendar holds ([`Config::with_lessons_without_teacher`]).
pub const ENV_LESSONS_WITHOUT_TEACHER: &str = "MIS_HUBMIS_LESSONS_WITHOUT_TEACHER";

/// How many requests may be sent in any window of time.
///
/// HUBmis allows "12 requests per minute per IP address … with a rate of one new request every
/// 5 seconds" (the API reference's "Usage Limits"), so the default is **at most 12 in any
/// 60 s window**: one every 5 s with no burst. (governor's `Quota::per_minute(12)` would let 12 go at once and then one
/// every 5 s: 23 in the first minute, and a 429.)
///
/// The requests are spaced a little wider than `window / requests` (2 % by default, see
/// [`Quota::with_margin`]): the server counts arrivals, and network jitter can bring two
/// requests sent exactly one window apart closer than that on its clock.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Quota {
    /// `(requests, window)`; `None` is no client-side limit.
    limit: Option<(u32, Duration)>,
    /// Extra spacing, as a fraction of `window / requests`.
    margin: f64,
    /// Adaptive mode: burst while the server reports allowance ([`Quota::adaptive`]).
    adaptive: bool,
}

impl Quota {
    /// The default safety margin: 2 % of the spacing (100 ms of HUBmis's 5 s).
    pub const DEFAULT_MARGIN: f64 = 0.02;

    /// The documented HUBmis limit: 12 requests in any 60 s.
    pub const HUBMIS: Quota = Quota {
        limit: Some((12, Duration::from_secs(60))),
        margin: Self::DEFAULT_MARGIN,
        adaptive: false,
    };

    /// At most `requests` in any `window` (evenly spaced, no burst).
    ///
    /// Zero requests or a zero window is `InvalidInput`.
    pub fn new(requests: u32, window: Duration) -> Result<Self> {
        if requests == 0 || window.is_zero() {
            return Err(Error::invalid_input(format!(
                "a quota needs at least one request in a non-empty window, not {requests} in {window:?}"
            )));
        }
        Ok(Quota {
            limit: Some((requests, window)),
            margin: Self::DEFAULT_MARGIN,
            adaptive: false,
        })
    }

    /// No client-side limit (a 429 still closes the gate until the server's hint passes).
    pub fn unlimited() -> Self {
        Quota {
            limit: None,
            margin: 0.0,
            adaptive: false,
        }
    }

    /// Spaces requests `margin` (a fraction, clamped to 0–1) wider than `window / requests`.
    pub fn with_margin(mut self, margin: f64) -> Self {
        self.margin = if margin.is_nan() {
            0.0
        } else {
            margin.clamp(0.0, 1.0)
        };
        self
    }

    /// The same number of requests in a window scaled by `factor` (e.g. `0.01` for an
    /// emulator that runs the vendor's windows 100 times faster).
    pub fn scaled(self, factor: f64) -> Self {
        Quota {
            limit: self
                .limit
                .map(|(n, w)| (n, w.mul_f64(factor.max(0.0)).max(Duration::from_micros(1)))),
            margin: self.margin,
            adaptive: self.adaptive,
        }
    }

    /// `(requests, window)`, or `None` when unlimited.
    pub fn limit(&self) -> Option<(u32, Duration)> {
        self.limit
    }

    /// The spacing between two requests (`window / requests`): 5 s for HUBmis. It is also the
    /// least a 429 closes the gate for ("wait at least 5 seconds", vendor document).
    pub fn spacing(&self) -> Option<Duration> {
        self.limit.map(|(n, w)| w / n)
    }

    /// The spacing actually kept between two requests: [`Quota::spacing`] plus the margin.
    pub fn spacing_with_margin(&self) -> Option<Duration> {
        self.spacing().map(|s| s.mul_f64(1.0 + self.margin))
    }

    /// Adaptive mode (opt-in; default strict). The vendor document describes two limits: 12
    /// requests a minute per IP, and 500 requests per client refilled at one every 5 s. The
    /// strict default keeps the spacing whatever the server says, which is safe under either
    /// reading. Adaptive follows the server's own `X-RateLimit-Remaining`: while it reports
    /// more than [`Quota::ADAPTIVE_RESERVE`] requests left (minus those sent since), requests
    /// go at once; at the reserve the spacing applies again, which a 500-token bucket refills
    /// as fast as it is spent. Use it only where the server's count is the per-client bucket:
    /// against a per-IP window a burst can meet a 429 (its `X-RateLimit-Retry-After` then
    /// closes the gate).
    pub fn adaptive(mut self, adaptive: bool) -> Self {
        self.adaptive = adaptive;
        self
    }

    /// Whether adaptive mode is on.
    pub fn is_adaptive(&self) -> bool {
        self.adaptive
    }

    /// How many requests of the server's reported allowance adaptive mode leaves unspent.
    pub const ADAPTIVE_RESERVE: u32 = 10;

    /// The mis-http rate limit: one request per [`Quota::spacing_with_margin`], no burst
    /// (adaptive: bursts while the server reports allowance).
    pub fn rate_limit(&self) -> RateLimit {
        let limit = match self.spacing_with_margin() {
            Some(period) => RateLimit::per_period(period, 1),
            None => RateLimit::unlimited(),
        };
        if self.adaptive && self.limit.is_some() {
            limit.adaptive(Self::ADAPTIVE_RESERVE)
        } else {
            limit
        }
    }
}

impl Default for Quota {
    fn default() -> Self {
        Quota::HUBMIS
    }
}

impl FromStr for Quota {
    type Err = Error;

    /// `12/60` or `12/60s` (requests / seconds), or `unlimited`.
    fn from_str(s: &str) -> Result<Self> {
        match mis_http::parse_quota(s)? {
            Some((n, window)) => Quota::new(n, window),
            None => Ok(Quota::unlimited()),
        }
    }
}

/// Everything a [`Client`](crate::Client) needs: the HUBmis settings (credentials, realm,
/// academic year, quota, category polarity, …) plus the settings every vendor client shares
/// ([`ClientOptions`]: host, time zone, retry, timeout, page size, transport, clock, TLS,
/// proxy). Build with [`Config::new`] or [`Config::from_env`], adjust with the `with_*`
/// methods and [`Config::update_options`].
///
/// `Debug` never shows the client id or secret.
#[derive(Clone)]
pub struct Config {
    pub(crate) client_id: SecretString,
    pub(crate) client_secret: SecretString,
    pub(crate) realm: String,
    pub(crate) academic_year_id: Option<u64>,
    pub(crate) quota: Quota,
    pub(crate) token_lifetime_cap: Duration,
    pub(crate) positive_categories: Vec<String>,
    pub(crate) negative_categories: Vec<String>,
    pub(crate) code_mapper: CodeMapper,
    pub(crate) code_map: Vec<CodeOverride>,
    pub(crate) enrolment_details: bool,
    pub(crate) roster_ttl: Duration,
    pub(crate) lessons_without_teacher: bool,
    pub(crate) options: ClientOptions,
}

impl Config {
    /// The documented token lifetime: "Access tokens expire after 15 minutes" (the vendor's
    /// Authentication section), whatever `expires_in` says.
    pub const TOKEN_LIFETIME: Duration = Duration::from_secs(15 * 60);

    /// The default `page[size]`. The vendor's maximum is not documented; a page shorter than
    /// this ends a list, so a server that caps pages lower would end lists early — lower it
    /// with [`ClientOptions::with_page_size`] if a tenant does.
    pub const DEFAULT_PAGE_SIZE: u32 = 100;

    /// The per-attempt timeout unless [`ClientOptions::with_timeout`] says otherwise (waiting
    /// for the quota is not counted).
    pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

    /// How long the provider keeps a student roster by default: two hours, longer than one
    /// strict-quota read of a 1,000-student school's students and week (about 1,100
    /// requests, 95 minutes), so one run reads the roster once, and short enough that a
    /// long-lived provider sees a pupil admitted this morning by the afternoon.
    pub const DEFAULT_ROSTER_TTL: Duration = Duration::from_secs(2 * 60 * 60);

    /// A config for the production host with the documented defaults.
    pub fn new(
        client_id: impl Into<String>,
        client_secret: SecretString,
        realm: impl Into<String>,
    ) -> Self {
        Config {
            client_id: SecretString::from(client_id.into()),
            client_secret,
            realm: realm.into(),
            academic_year_id: None,
            quota: Quota::HUBMIS,
            token_lifetime_cap: Self::TOKEN_LIFETIME,
            positive_categories: Vec::new(),
            negative_categories: Vec::new(),
            code_mapper: CodeMapper::new(),
            code_map: Vec::new(),
            enrolment_details: true,
            roster_ttl: Self::DEFAULT_ROSTER_TTL,
            lessons_without_teacher: false,
            options: ClientOptions::new(),
        }
    }

    /// Reads the `MIS_HUBMIS_*` variables: the shared ones through
    /// [`ClientOptions::from_lookup`] (`MIS_HUBMIS_BASE_URL`, `_TIME_ZONE`, `_QUOTA`,
    /// `_TIMEOUT`, `_MAX_ATTEMPTS`, `_PAGE_SIZE`, `_USER_AGENT`, `_CA_CERT`, `_TLS_OS_ROOTS`,
    /// `_PROXY`) and the HUBmis ones (the `ENV_*` constants).
    ///
    /// A missing client id, secret or realm is `Unauthenticated`, naming the variable; a
    /// malformed optional value is `InvalidInput`, naming the variable.
    pub fn from_env() -> Result<Self> {
        Config::from_lookup(|name| std::env::var(name).ok())
    }

    /// [`Config::from_env`] over any lookup (tests pass a map instead of mutating the process
    /// environment).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self> {
        Config::read(lookup, None)
    }

    /// [`Config::from_lookup`] with the shared settings already read (a registry's
    /// [`mis_http::OpenRequest::options`], command-line overrides included): only the HUBmis
    /// variables are read from `lookup`.
    pub(crate) fn from_lookup_with(
        lookup: impl Fn(&str) -> Option<String>,
        options: ClientOptions,
    ) -> Result<Self> {
        Config::read(lookup, Some(options))
    }

    fn read(
        lookup: impl Fn(&str) -> Option<String>,
        options: Option<ClientOptions>,
    ) -> Result<Self> {
        let get = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
        let required = |name: &str| {
            get(name).ok_or_else(|| {
                Error::new(
                    ErrorKind::Unauthenticated,
                    format!(
                        "{name} is not set: HUBmis needs {ENV_CLIENT_ID}, {ENV_CLIENT_SECRET} and {ENV_REALM}"
                    ),
                )
                .with_vendor(VENDOR)
            })
        };
        let client_id = required(ENV_CLIENT_ID)?;
        let client_secret = SecretString::from(required(ENV_CLIENT_SECRET)?);
        let realm = required(ENV_REALM)?;
        // The shared check accepts a path; HUBmis adds its own, so a path is refused, naming
        // the variable when the URL came from it.
        let options = match options {
            Some(options) => {
                options.base_url().map(check_base_url).transpose()?;
                options
            }
            None => {
                let options = ClientOptions::from_lookup(VENDOR_ID, &lookup)?;
                if let Some(url) = options.base_url() {
                    check_base_url(url).map_err(|e| {
                        Error::invalid_input(format!(
                            "{}: {}",
                            VENDOR_ID.env(mis_http::options::env::BASE_URL),
                            e.message()
                        ))
                    })?;
                }
                options
            }
        };
        let mut config =
            Config::new(client_id.trim(), client_secret, realm.trim()).with_options(options);
        if let Some(id) = get(ENV_ACADEMIC_YEAR_ID) {
            let id = id.trim().parse::<u64>().map_err(|_| {
                Error::invalid_input(format!(
                    "{ENV_ACADEMIC_YEAR_ID}: {id:?} is not an academic year id (an integer)"
                ))
            })?;
            config.academic_year_id = Some(id);
        }
        if let Some(mode) = get(ENV_QUOTA_MODE) {
            let adaptive = match mode.trim().to_ascii_lowercase().as_str() {
                "strict" => false,
                "adaptive" => true,
                _ => {
                    return Err(Error::invalid_input(format!(
                        "{ENV_QUOTA_MODE}: {:?} is not `strict` or `adaptive`",
                        mode.trim()
                    )));
                }
            };
            config.quota = config.quota.adaptive(adaptive);
        }
        let list = |v: String| -> Vec<String> {
            v.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect()
        };
        if let Some(v) = get(ENV_POSITIVE_CATEGORIES) {
            config.positive_categories = list(v);
        }
        if let Some(v) = get(ENV_NEGATIVE_CATEGORIES) {
            config.negative_categories = list(v);
        }
        if let Some(v) = get(ENV_CODE_MAP) {
            config.code_map = parse_code_map(&v)
                .map_err(|e| Error::invalid_input(format!("{ENV_CODE_MAP}: {}", e.message())))?;
        }
        if let Some(v) = get(ENV_ENROLMENT_DETAILS) {
            config.enrolment_details = match v.trim().to_ascii_lowercase().as_str() {
                "true" | "1" | "yes" => true,
                "false" | "0" | "no" => false,
                _ => {
                    return Err(Error::invalid_input(format!(
                        "{ENV_ENROLMENT_DETAILS}: {v:?} is not true or false"
                    )));
                }
            };
        }
        if let Some(v) = get(ENV_ROSTER_TTL) {
            let secs = v.trim().parse::<u64>().map_err(|_| {
                Error::invalid_input(format!(
                    "{ENV_ROSTER_TTL}: {v:?} is not a number of seconds"
                ))
            })?;
            config.roster_ttl = Duration::from_secs(secs);
        }
        if let Some(v) = get(ENV_LESSONS_WITHOUT_TEACHER) {
            config.lessons_without_teacher = match v.trim().to_ascii_lowercase().as_str() {
                "true" | "1" | "yes" => true,
                "false" | "0" | "no" => false,
                _ => {
                    return Err(Error::invalid_input(format!(
                        "{ENV_LESSONS_WITHOUT_TEACHER}: {v:?} is not true or false"
                    )));
                }
            };
        }
        Ok(config)
    }

    /// The settings every vendor client shares.
    pub fn options(&self) -> &ClientOptions {
        &self.options
    }

    /// Replaces the shared settings. An explicit [`ClientOptions::with_rate_limit`] replaces
    /// the HUBmis [`Quota`] (its margin included); [`Quota::adaptive`] still applies to it.
    pub fn with_options(mut self, options: ClientOptions) -> Self {
        self.options = options;
        self
    }

    /// Changes the shared settings: `config.update_options(|o| o.with_base_url(url))`.
    pub fn update_options(mut self, change: impl FnOnce(ClientOptions) -> ClientOptions) -> Self {
        self.options = change(std::mem::take(&mut self.options));
        self
    }

    /// Sends `academic-year-id` on the operations that document it (default: the vendor's
    /// active year).
    pub fn with_academic_year_id(mut self, id: u64) -> Self {
        self.academic_year_id = Some(id);
        self
    }

    /// The client-side quota (default [`Quota::HUBMIS`]).
    pub fn with_quota(mut self, quota: Quota) -> Self {
        self.quota = quota;
        self
    }

    /// The longest a token is used before it is renewed (default 15 minutes, the documented
    /// lifetime; the server's `expires_in` is used when shorter).
    pub fn with_token_lifetime_cap(mut self, cap: Duration) -> Self {
        self.token_lifetime_cap = cap.max(Duration::from_millis(1));
        self
    }

    /// Pastoral categories (by name, case-insensitive, or id) whose events are positive.
    /// HUBmis events carry no polarity, so without this every event is `neutral`.
    pub fn with_positive_categories<I, S>(mut self, categories: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.positive_categories = categories.into_iter().map(Into::into).collect();
        self
    }

    /// Pastoral categories (by name, case-insensitive, or id) whose events are negative.
    pub fn with_negative_categories<I, S>(mut self, categories: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.negative_categories = categories.into_iter().map(Into::into).collect();
        self
    }

    /// Per-school corrections to the DfE code table.
    pub fn with_code_mapper(mut self, mapper: CodeMapper) -> Self {
        self.code_mapper = mapper;
        self
    }

    /// The school's own code map ([`ENV_CODE_MAP`]): each code named takes its category
    /// before the DfE table (and before [`Config::with_code_mapper`]) is asked.
    pub fn with_code_map(mut self, map: Vec<CodeOverride>) -> Self {
        self.code_map = map;
        self
    }

    /// Whether `students()` reads each student's enrolment record for the UPN and candidate
    /// number (default `true`). It costs one request per student — at 12 a minute, five
    /// seconds each — so callers that only need names can turn it off.
    pub fn with_enrolment_details(mut self, yes: bool) -> Self {
        self.enrolment_details = yes;
        self
    }

    /// How long the provider keeps the students lists (on roll, past) and the staff list it
    /// has read, shared by every read of the provider and its clones (default
    /// [`Config::DEFAULT_ROSTER_TTL`]). Attendance, the whole-school timetable and the
    /// student list of one run then read the roster once instead of once each. Zero reads
    /// it again for every read, as before the cache.
    pub fn with_roster_ttl(mut self, ttl: Duration) -> Self {
        self.roster_ttl = ttl;
        self
    }

    /// Whether the whole-school timetable also reads every student's calendar, one request
    /// per student, for lessons that no teacher's calendar holds (a class with no teacher
    /// assigned). Default `false`: the timetable is read from the staff calendars, about one
    /// request per member of staff.
    pub fn with_lessons_without_teacher(mut self, yes: bool) -> Self {
        self.lessons_without_teacher = yes;
        self
    }

    /// The realm (school) id.
    pub fn realm(&self) -> &str {
        &self.realm
    }

    /// The quota (the HUBmis default unless set; an explicit rate limit in
    /// [`Config::options`] takes its place when the client is built).
    pub fn quota(&self) -> Quota {
        self.quota
    }

    /// The rate limit the client keeps: an explicit [`ClientOptions::with_rate_limit`] (or
    /// `MIS_HUBMIS_QUOTA`), else the [`Quota`], spaced with the quota's margin either way; adaptive when the
    /// quota is ([`Quota::adaptive`], `MIS_HUBMIS_QUOTA_MODE`).
    pub(crate) fn rate_limit(&self) -> RateLimit {
        let Some(limit) = self.options.rate_limit() else {
            return self.quota.rate_limit();
        };
        // HUBmis counts requests per IP over a sliding window, so an explicit limit keeps
        // the default quota's margin: spaced requests leave a little later than the window
        // allows, and scheduling or network jitter cannot bunch two into one window.
        let reserve = limit.adaptive_reserve();
        let limit = match limit.quota() {
            Some(q) if q.burst_size().get() == 1 => RateLimit::per_period(
                q.replenish_interval().mul_f64(1.0 + Quota::DEFAULT_MARGIN),
                1,
            ),
            _ => limit,
        };
        match reserve {
            Some(reserve) => limit.adaptive(reserve),
            None if self.quota.is_adaptive() && limit.quota().is_some() => {
                limit.adaptive(Quota::ADAPTIVE_RESERVE)
            }
            None => limit,
        }
    }

    /// The spacing between two requests of [`Config::rate_limit`] (5 s by default), `None`
    /// when unlimited.
    pub(crate) fn spacing(&self) -> Option<Duration> {
        match self.options.rate_limit() {
            Some(limit) => limit.quota().map(|q| q.replenish_interval()),
            None => self.quota.spacing(),
        }
    }

    /// The `page[size]` asked for: the options' page size, else [`Config::DEFAULT_PAGE_SIZE`].
    pub(crate) fn page_size(&self) -> u32 {
        self.options
            .page_size()
            .unwrap_or(Self::DEFAULT_PAGE_SIZE)
            .max(1)
    }
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("client_id", &"[REDACTED]")
            .field("client_secret", &"[REDACTED]")
            .field("realm", &self.realm)
            .field("academic_year_id", &self.academic_year_id)
            .field("quota", &self.quota)
            .field("token_lifetime_cap", &self.token_lifetime_cap)
            .field("positive_categories", &self.positive_categories)
            .field("negative_categories", &self.negative_categories)
            .field("code_overrides", &self.code_mapper.has_overrides())
            .field("code_map", &self.code_map.len())
            .field("enrolment_details", &self.enrolment_details)
            .field("roster_ttl", &self.roster_ttl)
            .field("lessons_without_teacher", &self.lessons_without_teacher)
            .field("options", &self.options)
            .finish()
    }
}

/// Checks a host override: HTTPS (or HTTP to loopback), and no path, since the crate adds
/// `/api/v1` itself (a path would be doubled). Returns it without a trailing slash.
pub(crate) fn check_base_url(url: &str) -> Result<String> {
    let parsed = BaseUrl::parse(url)?;
    if !parsed.as_url().path().trim_matches('/').is_empty() {
        return Err(Error::invalid_input(format!(
            "the base URL must be scheme://host[:port] without a path (the client adds {} itself)",
            routes::PREFIX
        )));
    }
    Ok(parsed.as_str().to_owned())
}

/// Checks an IANA time zone name.
pub(crate) fn check_time_zone(name: &str) -> Result<jiff::tz::TimeZone> {
    jiff::tz::TimeZone::get(name.trim()).map_err(|_| {
        Error::invalid_input(format!(
            "{:?} is not an IANA time zone name (e.g. Europe/London)",
            name.trim()
        ))
    })
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    const ENV_BASE_URL: &str = "MIS_HUBMIS_BASE_URL";
    const ENV_TIME_ZONE: &str = "MIS_HUBMIS_TIME_ZONE";
    const ENV_QUOTA: &str = "MIS_HUBMIS_QUOTA";
    const ENV_PAGE_SIZE: &str = "MIS_HUBMIS_PAGE_SIZE";

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        move |k| map.get(k).cloned()
    }

    const BASE: &[(&str, &str)] = &[
        (ENV_CLIENT_ID, "client123"),
        (ENV_CLIENT_SECRET, "s3cr3t-client-secret"),
        (ENV_REALM, "S999"),
    ];

    #[test]
    fn from_env_reads_everything_and_debug_hides_credentials() {
        let mut pairs = BASE.to_vec();
        pairs.extend([
            (ENV_BASE_URL, "http://127.0.0.1:8080/"),
            (ENV_TIME_ZONE, "Europe/Dublin"),
            (ENV_ACADEMIC_YEAR_ID, "7"),
            (ENV_QUOTA, "6/30s"),
            (ENV_PAGE_SIZE, "25"),
            (ENV_POSITIVE_CATEGORIES, "Praise, 12"),
            (ENV_ENROLMENT_DETAILS, "false"),
            (ENV_ROSTER_TTL, "600"),
            (ENV_LESSONS_WITHOUT_TEACHER, "yes"),
            (ENV_CODE_MAP, "Q=authorised_absence; QL=late"),
        ]);
        let c = Config::from_lookup(env(&pairs)).unwrap();
        assert_eq!(c.options().base_url(), Some("http://127.0.0.1:8080"));
        assert_eq!(c.options().time_zone(), Some("Europe/Dublin"));
        assert_eq!(c.academic_year_id, Some(7));
        assert_eq!(c.spacing(), Some(Duration::from_secs(5)));
        assert_eq!(c.page_size(), 25);
        assert_eq!(c.positive_categories, ["Praise", "12"]);
        assert!(!c.enrolment_details);
        assert_eq!(c.roster_ttl, Duration::from_secs(600));
        assert!(c.lessons_without_teacher);
        assert_eq!(c.code_map.len(), 2);
        assert_eq!(
            mis_core::codes::find_override(&c.code_map, "ql").map(|o| (o.category, o.late)),
            Some((mis_core::AttendanceCategory::Present, true))
        );
        let shown = format!("{c:?}");
        assert!(!shown.contains("s3cr3t-client-secret"), "{shown}");
        assert!(!shown.contains("client123"), "{shown}");
        assert!(shown.contains("S999"));
    }

    #[test]
    fn a_missing_credential_names_its_variable() {
        for missing in [ENV_CLIENT_ID, ENV_CLIENT_SECRET, ENV_REALM] {
            let pairs: Vec<_> = BASE
                .iter()
                .copied()
                .filter(|(k, _)| *k != missing)
                .collect();
            let e = Config::from_lookup(env(&pairs)).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::Unauthenticated);
            assert!(
                e.to_string().contains(&format!("{missing} is not set")),
                "{e}"
            );
        }
        // Empty counts as missing.
        let mut pairs = BASE.to_vec();
        pairs[1] = (ENV_CLIENT_SECRET, "  ");
        assert!(Config::from_lookup(env(&pairs)).is_err());
    }

    #[test]
    fn bad_optional_values_name_their_variable() {
        for (name, value) in [
            (ENV_BASE_URL, "http://example.com"),
            (ENV_BASE_URL, "https://example.com/api/v1"),
            (ENV_TIME_ZONE, "Mars/Olympus"),
            (ENV_ACADEMIC_YEAR_ID, "2024/25"),
            (ENV_QUOTA, "lots"),
            (ENV_QUOTA, "0/60"),
            (ENV_PAGE_SIZE, "0"),
            (ENV_ENROLMENT_DETAILS, "sometimes"),
            (ENV_ROSTER_TTL, "2h"),
            (ENV_LESSONS_WITHOUT_TEACHER, "often"),
            (ENV_CODE_MAP, "Q=quarantined"),
        ] {
            let mut pairs = BASE.to_vec();
            pairs.push((name, value));
            let e = Config::from_lookup(env(&pairs)).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::InvalidInput, "{name}={value}");
            assert!(e.to_string().contains(name), "{e}");
        }
    }

    #[test]
    fn an_explicit_rate_limit_replaces_the_quota_and_keeps_its_mode() {
        let c = Config::new("id", SecretString::from("secret"), "S1");
        // The default: the documented quota, spaced 2 % wider.
        assert_eq!(c.rate_limit(), Quota::HUBMIS.rate_limit());
        assert_eq!(c.spacing(), Some(Duration::from_secs(5)));
        assert_eq!(c.page_size(), Config::DEFAULT_PAGE_SIZE);
        let six = RateLimit::at_most(6, Duration::from_secs(60));
        let c = c.update_options(|o| o.with_rate_limit(six));
        // Spaced 2 % wider, like the default quota.
        let six = RateLimit::per_period(Duration::from_millis(10_200), 1);
        assert_eq!(c.rate_limit(), six);
        assert_eq!(c.spacing(), Some(Duration::from_secs(10)));
        let c = c.with_quota(Quota::HUBMIS.adaptive(true));
        assert_eq!(c.rate_limit(), six.adaptive(Quota::ADAPTIVE_RESERVE));
        let c = c.update_options(|o| o.with_rate_limit(RateLimit::unlimited()));
        assert_eq!(c.rate_limit(), RateLimit::unlimited());
        assert_eq!(c.spacing(), None);
    }

    #[test]
    fn the_quota_mode_variable_applies_to_the_quota_variable() {
        let mut pairs = BASE.to_vec();
        pairs.extend([(ENV_QUOTA, "6/60"), (ENV_QUOTA_MODE, "adaptive")]);
        let c = Config::from_lookup(env(&pairs)).unwrap();
        assert_eq!(
            c.rate_limit(),
            RateLimit::per_period(Duration::from_millis(10_200), 1)
                .adaptive(Quota::ADAPTIVE_RESERVE)
        );
    }

    #[test]
    fn quotas() {
        assert_eq!(Quota::default().spacing(), Some(Duration::from_secs(5)));
        assert_eq!(
            Quota::HUBMIS.scaled(0.01).spacing(),
            Some(Duration::from_millis(50))
        );
        assert_eq!("unlimited".parse::<Quota>().unwrap(), Quota::unlimited());
        assert_eq!(Quota::unlimited().spacing(), None);
        assert_eq!(
            "12/60".parse::<Quota>().unwrap(),
            Quota::new(12, Duration::from_secs(60)).unwrap()
        );
        assert!("12/-1".parse::<Quota>().is_err());
        assert!(Quota::new(12, Duration::ZERO).is_err());
    }
}
