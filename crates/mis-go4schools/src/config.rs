//! What a [`Client`](crate::Client) needs: the API key, what is GO 4 Schools' own (a tenant
//! label, code mapping corrections, the leavers' years), and the settings every vendor client
//! shares ([`ClientOptions`]: host override, time zone, rate limit, retry, timeout, transport…).

use std::fmt;
use std::time::Duration;

use mis_core::codes::{CodeMapper, parse_code_map};
use mis_core::{DateRange, Error, ErrorKind, Result};
use mis_http::{BaseUrl, ClientOptions, RateLimit, SecretString};

use crate::descriptor::VENDOR_ID;

/// The vendor's host.
pub const DEFAULT_BASE_URL: &str = "https://api.go4schools.com";
/// The documented path prefix, added to the host (and to any override).
pub const PATH_PREFIX: &str = "/customer/v1";
/// The school's API key.
pub const ENV_API_KEY: &str = "MIS_GO4SCHOOLS_API_KEY";
/// A host override, `scheme://host[:port]` (the sandbox, a proxy); read into
/// [`ClientOptions::base_url`].
pub const ENV_BASE_URL: &str = "MIS_GO4SCHOOLS_BASE_URL";
/// The school's IANA time zone, if not `Europe/London`; read into
/// [`ClientOptions::time_zone`].
pub const ENV_TIME_ZONE: &str = "MIS_GO4SCHOOLS_TIME_ZONE";
/// The school's own attendance codes and what they count as, `CODE=category,…`
/// (`Q=authorised_absence, IR=present`; the form of [`mis_core::codes::parse_code_map`]).
///
/// A school's code book comes from its MIS, and a school can hold codes (or alias codes)
/// of its own, or use a DfE letter for something else; the DfE table does not know what
/// those mean. A code named here takes the category given, before the DfE table, on any
/// date; an alias code named here takes it instead of its parent code's.
pub const ENV_CODE_MAP: &str = "MIS_GO4SCHOOLS_CODE_MAP";
/// The school's time zone unless configured: GO 4 Schools serves schools in England and its
/// API sends times without a zone (periods are wall-clock times on a dummy date), so they are
/// read as English school time.
pub const DEFAULT_TIME_ZONE: &str = "Europe/London";
/// The per-attempt timeout unless [`ClientOptions::timeout`] is set. Long, because the
/// unpaged lists of a large school are big (the vendor's own .NET sync tool waits 600 s).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(120);

/// The client's configuration. `Debug` never shows the API key.
///
/// ```
/// use std::time::Duration;
/// use mis_go4schools::{Config, RateLimit};
///
/// let config = Config::new("school-api-key")
///     .update_options(|o| {
///         o.with_base_url("http://127.0.0.1:8080")
///             .with_timeout(Duration::from_secs(30))
///     })
///     .tenant("Hillside");
/// assert_eq!(config.options().base_url(), Some("http://127.0.0.1:8080"));
/// // Unset: GO 4 Schools' default (10 a second).
/// assert_eq!(config.options().rate_limit(), None);
/// let config = config.update_options(|o| o.with_rate_limit(RateLimit::unlimited()));
/// assert_eq!(config.options().rate_limit(), Some(RateLimit::unlimited()));
/// ```
#[derive(Clone)]
pub struct Config {
    api_key: SecretString,
    tenant: Option<String>,
    code_mapper: CodeMapper,
    leavers: Option<DateRange>,
    options: ClientOptions,
}

impl Config {
    /// A configuration for the school whose API key is `api_key`, every shared setting at
    /// GO 4 Schools' default: the vendor's host, [`DEFAULT_TIME_ZONE`], at most 10 requests
    /// a second in bursts of up to 10 (the vendor documents a 429 but publishes no figures;
    /// this keeps a full sync clear of the 429s users report), the default retry policy and
    /// [`DEFAULT_TIMEOUT`].
    pub fn new(api_key: impl Into<String>) -> Self {
        Config {
            api_key: SecretString::from(api_key.into()),
            tenant: None,
            code_mapper: CodeMapper::new(),
            leavers: None,
            options: ClientOptions::new(),
        }
    }

    /// Reads [`ENV_API_KEY`] (required) and the shared `MIS_GO4SCHOOLS_*` settings
    /// ([`ClientOptions::from_lookup`]: [`ENV_BASE_URL`], [`ENV_TIME_ZONE`],
    /// `MIS_GO4SCHOOLS_QUOTA`, `_TIMEOUT`, `_MAX_ATTEMPTS`, …) from the process environment.
    ///
    /// A missing or empty key is `Unauthenticated`, naming the variable; a malformed setting
    /// is `InvalidInput`, naming its variable.
    pub fn from_env() -> Result<Self> {
        Config::from_lookup(|name| std::env::var(name).ok())
    }

    /// Like [`Config::from_env`], reading variables through `lookup` (tests, config files).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self> {
        let key = api_key_from(&lookup)?;
        let options = ClientOptions::from_lookup(VENDOR_ID, &lookup)?;
        // The override is the host only; saying so now names the variable.
        host(options.base_url()).map_err(|e| {
            Error::invalid_input(format!("{ENV_BASE_URL}: {}", e.message()))
                .with_vendor(VENDOR_ID.as_str())
        })?;
        let mut config = Config::new(key).with_options(options);
        if let Some(text) = lookup(ENV_CODE_MAP).filter(|t| !t.trim().is_empty()) {
            config = config.code_map(&text)?;
        }
        Ok(config)
    }

    /// Adds the overrides of a code map (the text of [`ENV_CODE_MAP`]: `CODE=category,…`,
    /// parsed by [`mis_core::codes::parse_code_map`]) to the code mapper. A malformed pair is
    /// `InvalidInput` naming [`ENV_CODE_MAP`].
    pub fn code_map(mut self, text: &str) -> Result<Self> {
        let map = parse_code_map(text).map_err(|e| {
            Error::invalid_input(format!("{ENV_CODE_MAP}: {}", e.message()))
                .with_vendor(VENDOR_ID.as_str())
        })?;
        // Keys are the school's codes as GO sends them (a code or an alias code); the mapper
        // consults its overrides before the DfE table, on any date.
        for o in &map {
            self.code_mapper = self.code_mapper.override_code(&o.key, o.category, o.late);
        }
        Ok(self)
    }

    /// The shared settings (unset ones are GO 4 Schools' defaults).
    pub fn options(&self) -> &ClientOptions {
        &self.options
    }

    /// Replaces the shared settings.
    pub fn with_options(mut self, options: ClientOptions) -> Self {
        self.options = options;
        self
    }

    /// Changes the shared settings: `config.update_options(|o| o.with_base_url(url))`. A
    /// base URL override is `scheme://host[:port]` only (the crate adds [`PATH_PREFIX`]),
    /// checked when the client is built.
    pub fn update_options(mut self, change: impl FnOnce(ClientOptions) -> ClientOptions) -> Self {
        self.options = change(std::mem::take(&mut self.options));
        self
    }

    /// A name for the school in [`ProviderInfo::tenant`](mis_core::ProviderInfo).
    pub fn tenant(mut self, tenant: impl Into<String>) -> Self {
        self.tenant = Some(tenant.into());
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

    /// The tenant label, if set.
    pub fn tenant_name(&self) -> Option<&str> {
        self.tenant.as_deref()
    }

    /// The code mapper.
    pub fn mapper(&self) -> &CodeMapper {
        &self.code_mapper
    }

    /// The time zone in effect: [`ClientOptions::time_zone`], else [`DEFAULT_TIME_ZONE`].
    pub(crate) fn time_zone(&self) -> &str {
        self.options.time_zone().unwrap_or(DEFAULT_TIME_ZONE)
    }

    /// The rate limit in effect: [`ClientOptions::rate_limit`], else GO 4 Schools' default
    /// of at most 10 requests a second, in bursts of up to 10.
    ///
    /// The vendor documents a 429 answer but publishes no figures; 10 a second keeps a full
    /// sync well clear of the 429s users report, and a 429 closes the gate for the server's
    /// `Retry-After` anyway.
    pub(crate) fn rate_limit(&self) -> RateLimit {
        self.options
            .rate_limit()
            .unwrap_or_else(|| RateLimit::per_period(Duration::from_millis(100), 10))
    }

    /// The host to send to: the override, checked to be `scheme://host[:port]`, or the
    /// vendor's host.
    pub(crate) fn host(&self) -> Result<BaseUrl> {
        host(self.options.base_url())
    }
}

/// [`ENV_API_KEY`] read through `lookup`, trimmed; missing or empty is `Unauthenticated`,
/// naming the variable.
pub(crate) fn api_key_from(lookup: impl Fn(&str) -> Option<String>) -> Result<String> {
    let key = lookup(ENV_API_KEY)
        .filter(|k| !k.trim().is_empty())
        .ok_or_else(|| {
            Error::new(
                ErrorKind::Unauthenticated,
                format!("{ENV_API_KEY} is not set: it must hold the school's GO 4 Schools API key"),
            )
            .with_vendor(VENDOR_ID.as_str())
        })?;
    Ok(key.trim().to_owned())
}

/// `override_url` checked to be `scheme://host[:port]`, or the vendor's host.
fn host(override_url: Option<&str>) -> Result<BaseUrl> {
    let Some(raw) = override_url else {
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

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("api_key", &"[REDACTED]")
            .field("tenant", &self.tenant)
            .field("code_overrides", &self.code_mapper.has_overrides())
            .field("leavers", &self.leavers)
            .field("options", &self.options)
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
    fn from_env_reads_the_key_and_the_shared_settings() {
        let c = Config::from_lookup(env(&[
            (ENV_API_KEY, "s3cr3t-key"),
            (ENV_BASE_URL, "http://127.0.0.1:9000/"),
            (ENV_TIME_ZONE, "Europe/Dublin"),
            ("MIS_GO4SCHOOLS_QUOTA", "12/60"),
            ("MIS_GO4SCHOOLS_TIMEOUT", "30"),
        ]))
        .unwrap();
        assert_eq!(c.host().unwrap().as_str(), "http://127.0.0.1:9000");
        assert_eq!(c.time_zone(), "Europe/Dublin");
        assert_eq!(
            c.rate_limit(),
            RateLimit::at_most(12, Duration::from_secs(60))
        );
        assert_eq!(c.options().timeout(), Some(Duration::from_secs(30)));
        let shown = format!("{c:?}");
        assert!(!shown.contains("s3cr3t-key"), "{shown}");
        assert!(shown.contains("[REDACTED]"));
    }

    #[test]
    fn unset_settings_are_the_vendors_defaults() {
        let c = Config::from_lookup(env(&[(ENV_API_KEY, "k")])).unwrap();
        assert_eq!(c.host().unwrap().as_str(), DEFAULT_BASE_URL);
        assert_eq!(c.time_zone(), DEFAULT_TIME_ZONE);
        assert_eq!(
            c.rate_limit(),
            RateLimit::per_period(Duration::from_millis(100), 10)
        );
        // An explicit limit replaces the vendor's.
        let c = c.update_options(|o| o.with_rate_limit(RateLimit::unlimited()));
        assert_eq!(c.rate_limit(), RateLimit::unlimited());
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
    fn a_bad_setting_names_its_variable() {
        for (name, value) in [
            (ENV_BASE_URL, "http://127.0.0.1:9000/customer/v1"),
            (ENV_TIME_ZONE, "Mars/Olympus"),
            ("MIS_GO4SCHOOLS_MAX_ATTEMPTS", "0"),
        ] {
            let e = Config::from_lookup(env(&[(ENV_API_KEY, "k"), (name, value)])).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::InvalidInput);
            assert!(e.to_string().contains(name), "{e}");
        }
    }

    #[test]
    fn the_code_map_maps_a_schools_own_code_before_the_dfe_table() {
        use mis_core::AttendanceCategory;
        let day = jiff::civil::date(2024, 9, 9);
        let c = Config::from_lookup(env(&[
            (ENV_API_KEY, "k"),
            (ENV_CODE_MAP, "Q=authorised_absence; qr = late"),
        ]))
        .unwrap();
        // `Q` is a DfE code since 2024 (not counted): the school's own meaning wins.
        let q = c.mapper().map_code("q", day);
        assert_eq!(q.category, AttendanceCategory::AuthorisedAbsence);
        let qr = c.mapper().map_code("QR", day);
        assert_eq!((qr.category, qr.late), (AttendanceCategory::Present, true));
        // Codes the map does not name keep the DfE table's category.
        let o = c.mapper().map_code("O", day);
        assert_eq!(o.category, AttendanceCategory::UnauthorisedAbsence);
        // Unset or empty: no overrides.
        for lookup in [
            env(&[(ENV_API_KEY, "k")]),
            env(&[(ENV_API_KEY, "k"), (ENV_CODE_MAP, " ")]),
        ] {
            assert!(
                !Config::from_lookup(lookup)
                    .unwrap()
                    .mapper()
                    .has_overrides()
            );
        }
    }

    #[test]
    fn a_malformed_code_map_names_its_variable() {
        let e = Config::from_lookup(env(&[(ENV_API_KEY, "k"), (ENV_CODE_MAP, "Q=sometimes")]))
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput);
        assert!(e.to_string().contains(ENV_CODE_MAP), "{e}");
    }

    #[test]
    fn host_override_is_host_only() {
        assert_eq!(
            Config::new("k").host().unwrap().as_str(),
            "https://api.go4schools.com"
        );
        let with = |url: &str| Config::new("k").update_options(|o| o.with_base_url(url));
        let e = with("http://127.0.0.1:1/customer/v1").host().unwrap_err();
        assert!(e.to_string().contains("/customer/v1"), "{e}");
        let e = with("http://example.com").host().unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput);
        assert!(with("https://g4s.example:8443").host().is_ok());
    }
}
