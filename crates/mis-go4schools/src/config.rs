//! What a [`Client`](crate::Client) needs: the API key, an optional host override, the
//! school's time zone, and the client-side limits.

use std::fmt;
use std::time::Duration;

use mis_core::codes::CodeMapper;
use mis_core::{DateRange, Error, ErrorKind, Result};
use mis_http::{BaseUrl, RateLimit, RetryConfig, SecretString};

/// The vendor's host.
pub const DEFAULT_BASE_URL: &str = "https://api.go4schools.com";
/// The documented path prefix, added to the host (and to any override).
pub const PATH_PREFIX: &str = "/customer/v1";
/// The school's API key.
pub const ENV_API_KEY: &str = "MIS_GO4SCHOOLS_API_KEY";
/// A host override, `scheme://host[:port]` (the sandbox, a proxy).
pub const ENV_BASE_URL: &str = "MIS_GO4SCHOOLS_BASE_URL";
/// The school's IANA time zone, if not `Europe/London`.
pub const ENV_TIME_ZONE: &str = "MIS_GO4SCHOOLS_TIME_ZONE";
/// The school's time zone unless configured: GO 4 Schools serves English schools and sends
/// no zone of its own (DESIGN.md §2.2).
pub const DEFAULT_TIME_ZONE: &str = "Europe/London";

/// The client's configuration. `Debug` never shows the API key.
#[derive(Clone)]
pub struct Config {
    api_key: SecretString,
    base_url: Option<String>,
    time_zone: String,
    tenant: Option<String>,
    rate_limit: RateLimit,
    retry: RetryConfig,
    timeout: Duration,
    code_mapper: CodeMapper,
    leavers: Option<DateRange>,
}

impl Config {
    /// A configuration for the school whose API key is `api_key`, with the defaults: the
    /// vendor's host, `Europe/London`, at most 10 requests a second (bursts of 10), the
    /// default retry policy and a 120 s per-attempt timeout.
    ///
    /// The vendor publishes no rate-limit figures (vendors.md §2.5); 10 a second keeps a
    /// full sync well clear of the 429s users report, and a 429 closes the gate for the
    /// server's `Retry-After` anyway. The timeout is long because unpaged lists of a large
    /// school are big (the .NET sync tool uses 600 s, vendors.md §2.3).
    pub fn new(api_key: impl Into<String>) -> Self {
        Config {
            api_key: SecretString::from(api_key.into()),
            base_url: None,
            time_zone: DEFAULT_TIME_ZONE.to_owned(),
            tenant: None,
            rate_limit: RateLimit::per_period(Duration::from_millis(100), 10),
            retry: RetryConfig::default(),
            timeout: Duration::from_secs(120),
            code_mapper: CodeMapper::new(),
            leavers: None,
        }
    }

    /// Reads [`ENV_API_KEY`] (required), [`ENV_BASE_URL`] and [`ENV_TIME_ZONE`] (optional)
    /// from the process environment.
    ///
    /// A missing or empty key is `Unauthenticated`, naming the variable.
    pub fn from_env() -> Result<Self> {
        Config::from_lookup(|name| std::env::var(name).ok())
    }

    /// Like [`Config::from_env`], reading variables through `lookup` (tests, config files).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self> {
        let key = lookup(ENV_API_KEY)
            .filter(|k| !k.trim().is_empty())
            .ok_or_else(|| {
                Error::new(
                    ErrorKind::Unauthenticated,
                    format!(
                        "{ENV_API_KEY} is not set: it must hold the school's GO 4 Schools API key"
                    ),
                )
                .with_vendor("go4schools")
            })?;
        let mut config = Config::new(key.trim());
        if let Some(url) = lookup(ENV_BASE_URL).filter(|u| !u.trim().is_empty()) {
            config = config.base_url(url.trim());
        }
        if let Some(tz) = lookup(ENV_TIME_ZONE).filter(|t| !t.trim().is_empty()) {
            config = config.time_zone(tz.trim());
        }
        Ok(config)
    }

    /// Overrides the host: `scheme://host[:port]` only, the crate adds [`PATH_PREFIX`]. A
    /// trailing slash is ignored. Checked when the client is built.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// The school's IANA time zone (default `Europe/London`). Checked when the client is
    /// built.
    pub fn time_zone(mut self, tz: impl Into<String>) -> Self {
        self.time_zone = tz.into();
        self
    }

    /// A name for the school in [`ProviderInfo::tenant`](mis_core::ProviderInfo).
    pub fn tenant(mut self, tenant: impl Into<String>) -> Self {
        self.tenant = Some(tenant.into());
        self
    }

    /// The client-side rate limit, shared by every clone of the client.
    pub fn rate_limit(mut self, limit: RateLimit) -> Self {
        self.rate_limit = limit;
        self
    }

    /// The retry policy.
    pub fn retry(mut self, retry: RetryConfig) -> Self {
        self.retry = retry;
        self
    }

    /// The per-attempt timeout.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Per-school corrections of the DfE code mapping.
    pub fn code_mapper(mut self, mapper: CodeMapper) -> Self {
        self.code_mapper = mapper;
        self
    }

    /// The dates whose academic years a students read with `include_leavers` covers (with
    /// the current year). GO lists students per academic year, so a student who left before
    /// this year is only in the years they were on roll. Default: every academic year the
    /// school has data for, up to the current one.
    pub fn leavers_between(mut self, range: DateRange) -> Self {
        self.leavers = Some(range);
        self
    }

    /// The range set by [`Config::leavers_between`].
    pub fn leavers_range(&self) -> Option<DateRange> {
        self.leavers
    }

    /// The API key.
    pub fn api_key(&self) -> &SecretString {
        &self.api_key
    }

    /// The configured time zone name.
    pub fn time_zone_name(&self) -> &str {
        &self.time_zone
    }

    /// The tenant label, if set.
    pub fn tenant_name(&self) -> Option<&str> {
        self.tenant.as_deref()
    }

    /// The rate limit.
    pub fn rate_limit_setting(&self) -> RateLimit {
        self.rate_limit
    }

    /// The retry policy.
    pub fn retry_setting(&self) -> RetryConfig {
        self.retry
    }

    /// The per-attempt timeout.
    pub fn timeout_setting(&self) -> Duration {
        self.timeout
    }

    /// The code mapper.
    pub fn mapper(&self) -> &CodeMapper {
        &self.code_mapper
    }

    /// The host to send to: the override, checked to be `scheme://host[:port]`, or the
    /// vendor's host.
    pub fn host(&self) -> Result<BaseUrl> {
        let Some(raw) = &self.base_url else {
            return BaseUrl::parse(DEFAULT_BASE_URL);
        };
        let base = BaseUrl::parse(raw.trim())?;
        if !base.as_url().path().trim_matches('/').is_empty() {
            return Err(Error::invalid_input(format!(
                "the GO 4 Schools base URL override must be scheme://host[:port] without a path \
                 (the crate adds {PATH_PREFIX} itself), not one ending in {:?}",
                base.as_url().path()
            )));
        }
        Ok(base)
    }
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("api_key", &"[REDACTED]")
            .field("base_url", &self.base_url)
            .field("time_zone", &self.time_zone)
            .field("tenant", &self.tenant)
            .field("rate_limit", &self.rate_limit)
            .field("retry", &self.retry)
            .field("timeout", &self.timeout)
            .field("code_overrides", &self.code_mapper.has_overrides())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> + use<> {
        let map: BTreeMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |name| map.get(name).cloned()
    }

    #[test]
    fn from_env_reads_key_host_and_zone() {
        let c = Config::from_lookup(env(&[
            (ENV_API_KEY, "s3cr3t-key"),
            (ENV_BASE_URL, "http://127.0.0.1:9000/"),
            (ENV_TIME_ZONE, "Europe/Dublin"),
        ]))
        .unwrap();
        assert_eq!(c.host().unwrap().as_str(), "http://127.0.0.1:9000");
        assert_eq!(c.time_zone_name(), "Europe/Dublin");
        let shown = format!("{c:?}");
        assert!(!shown.contains("s3cr3t-key"), "{shown}");
        assert!(shown.contains("[REDACTED]"));
    }

    #[test]
    fn a_missing_key_names_the_variable() {
        for lookup in [env(&[]), env(&[(ENV_API_KEY, "  ")])] {
            let e = Config::from_lookup(lookup).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::Unauthenticated);
            assert!(e.to_string().contains("MIS_GO4SCHOOLS_API_KEY"), "{e}");
            assert!(!e.to_string().contains('\n'));
        }
    }

    #[test]
    fn host_override_is_host_only() {
        assert_eq!(
            Config::new("k").host().unwrap().as_str(),
            "https://api.go4schools.com"
        );
        let e = Config::new("k")
            .base_url("http://127.0.0.1:1/customer/v1")
            .host()
            .unwrap_err();
        assert!(e.to_string().contains("/customer/v1"), "{e}");
        let e = Config::new("k")
            .base_url("http://example.com")
            .host()
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput);
        assert!(
            Config::new("k")
                .base_url("https://g4s.example:8443")
                .host()
                .is_ok()
        );
    }
}
