//! Configuration: the tenant subdomain, the API key, where to send requests and how.
//!
//! The subdomain is validated when the config is made, before any request can exist: it is
//! both the host name (`https://<subdomain>.classe365.com`) and the Basic-auth user name, so a
//! crafted value such as `evil.com/x` or `a@b` must never reach a URL or a header
//! (DESIGN.md §3, "tenant names … are validated").

use std::fmt;
use std::time::Duration;

use mis_core::codes::CodeMapper;
use mis_core::{Error, ErrorKind, Result};
use mis_http::{BaseUrl, RateLimit, RetryConfig, SecretString};

use crate::routes;

/// Environment variable holding the tenant subdomain (`evaluate3x`).
pub const ENV_SUBDOMAIN: &str = "MIS_CLASSE365_SUBDOMAIN";
/// Environment variable holding the API key.
pub const ENV_API_KEY: &str = "MIS_CLASSE365_API_KEY";
/// Environment variable overriding the host (`scheme://host[:port]`), e.g. a sandbox.
pub const ENV_BASE_URL: &str = "MIS_CLASSE365_BASE_URL";

/// The default number of records asked for per page.
pub const DEFAULT_PAGE_SIZE: u32 = 100;
/// The largest page size this crate will ask for. The vendor publishes no limit
/// (vendors.md §4.2 "\[U\]"); this keeps one response to a sane size.
pub const MAX_PAGE_SIZE: u32 = 1000;

/// A DNS label is at most 63 bytes (RFC 1035 §2.3.4).
const MAX_SUBDOMAIN_LEN: usize = 63;

/// A validated tenant subdomain: 1–63 of `a-z`, `0-9` and `-`, not starting or ending with `-`.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Subdomain(String);

impl Subdomain {
    /// Checks `value` and wraps it. Anything else than a bare tenant label is `InvalidInput`.
    ///
    /// The error names the rule and the offending character's position, not the whole value:
    /// someone who pasted the API key into the wrong variable should not see it echoed.
    pub fn parse(value: &str) -> Result<Subdomain> {
        const HINT: &str = "give the tenant name only, e.g. `evaluate3x` for \
                            https://evaluate3x.classe365.com";
        if value.is_empty() {
            return Err(Error::invalid_input(format!(
                "the Classe365 subdomain is empty; {HINT}"
            )));
        }
        if value.len() > MAX_SUBDOMAIN_LEN {
            return Err(Error::invalid_input(format!(
                "the Classe365 subdomain is {} characters long; at most {MAX_SUBDOMAIN_LEN} \
                 are allowed in a host name label",
                value.len()
            )));
        }
        if let Some((at, ch)) = value
            .chars()
            .enumerate()
            .find(|(_, c)| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-'))
        {
            let what = if ch.is_ascii_uppercase() {
                format!("an upper-case letter at position {}", at + 1)
            } else if ch.is_ascii_graphic() || ch == ' ' {
                format!("{ch:?} at position {}", at + 1)
            } else {
                format!("a non-ASCII or control character at position {}", at + 1)
            };
            return Err(Error::invalid_input(format!(
                "the Classe365 subdomain may contain only lower-case letters, digits and \
                 hyphens, but it has {what}; {HINT}"
            )));
        }
        if value.starts_with('-') || value.ends_with('-') {
            return Err(Error::invalid_input(
                "the Classe365 subdomain must not start or end with a hyphen",
            ));
        }
        Ok(Subdomain(value.to_owned()))
    }

    /// The subdomain.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Subdomain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Subdomain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The tenant name is not a secret: it is in every URL.
        f.debug_tuple("Subdomain").field(&self.0).finish()
    }
}

/// Everything needed to talk to one Classe365 tenant.
///
/// ```
/// use mis_classe365::Config;
///
/// let config = Config::new("evaluate3x", "kysjd4f58sadf894cfa")?
///     .page_size(50)?;
/// assert_eq!(config.base_url_string(), "https://evaluate3x.classe365.com");
/// assert!(!format!("{config:?}").contains("kysjd4f58sadf894cfa"));
/// assert!(Config::new("evil.com/x", "key").is_err());
/// # Ok::<(), mis_core::Error>(())
/// ```
#[derive(Clone)]
pub struct Config {
    subdomain: Subdomain,
    api_key: SecretString,
    base_url: Option<BaseUrl>,
    time_zone: String,
    rate_limit: RateLimit,
    retry: RetryConfig,
    timeout: Duration,
    page_size: u32,
    mapper: CodeMapper,
}

impl Config {
    /// A config for the tenant `subdomain` with `api_key`, the vendor's real host, the
    /// `Europe/London` time zone, no client-side rate limit (the vendor publishes none,
    /// vendors.md §4.2), default retries, a 30 s timeout and 100 records per page.
    ///
    /// Errors: `InvalidInput` for a subdomain that is not a bare tenant label, or an empty key.
    pub fn new(subdomain: &str, api_key: impl Into<SecretString>) -> Result<Config> {
        let subdomain = Subdomain::parse(subdomain)?;
        let api_key: SecretString = api_key.into();
        if mis_http::ExposeSecret::expose_secret(&api_key).is_empty() {
            return Err(Error::invalid_input("the Classe365 API key is empty"));
        }
        Ok(Config {
            subdomain,
            api_key,
            base_url: None,
            time_zone: "Europe/London".into(),
            rate_limit: RateLimit::unlimited(),
            retry: RetryConfig::default(),
            timeout: Duration::from_secs(30),
            page_size: DEFAULT_PAGE_SIZE,
            mapper: CodeMapper::new(),
        })
    }

    /// Reads [`ENV_SUBDOMAIN`], [`ENV_API_KEY`] and, when set and not empty, [`ENV_BASE_URL`].
    ///
    /// A missing or empty credential variable is `Unauthenticated`, naming the variable.
    pub fn from_env() -> Result<Config> {
        Config::from_lookup(|name| std::env::var(name).ok())
    }

    /// [`Config::from_env`] over any variable source (tests, a sync config file's table).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Config> {
        let subdomain = required(&lookup, ENV_SUBDOMAIN)?;
        let api_key = required(&lookup, ENV_API_KEY)?;
        let config = Config::new(subdomain.trim(), api_key).map_err(|e| {
            Error::new(
                e.kind(),
                format!("{ENV_SUBDOMAIN} / {ENV_API_KEY}: {}", e.message()),
            )
        })?;
        match lookup(ENV_BASE_URL) {
            Some(url) if !url.trim().is_empty() => config
                .base_url(&url)
                .map_err(|e| Error::new(e.kind(), format!("{ENV_BASE_URL}: {}", e.message()))),
            _ => Ok(config),
        }
    }

    /// Sends to `scheme://host[:port]` instead of `https://<subdomain>.classe365.com`; the
    /// `/restv2` prefix is still added (DESIGN.md §6). A trailing slash is ignored.
    ///
    /// Errors (`InvalidInput`): not a URL, plain `http://` to a non-loopback host, credentials,
    /// a query, or a path (which would double the prefix).
    pub fn base_url(mut self, url: &str) -> Result<Config> {
        let base = BaseUrl::parse(url)?;
        if !base.as_url().path().trim_matches('/').is_empty() {
            return Err(Error::invalid_input(format!(
                "a Classe365 base URL override must be scheme://host[:port] without a path; \
                 the client adds {} itself",
                routes::PREFIX
            )));
        }
        self.base_url = Some(base);
        Ok(self)
    }

    /// The school's IANA time zone (default `Europe/London`). Classe365 serves schools
    /// worldwide and its documented API says nothing about zones, so it is configured here.
    pub fn time_zone(mut self, zone: &str) -> Result<Config> {
        jiff::tz::TimeZone::get(zone)
            .map_err(|_| Error::invalid_input(format!("{zone:?} is not a known IANA time zone")))?;
        self.time_zone = zone.to_owned();
        Ok(self)
    }

    /// A client-side rate limit. Default: none, because Classe365 publishes no quota
    /// (vendors.md §4.2 "Rate limits: \[U\]"); a 429 still closes the gate for its wait hint.
    pub fn rate_limit(mut self, limit: RateLimit) -> Config {
        self.rate_limit = limit;
        self
    }

    /// Retry settings for reads. Writes (POST) are never retried, whatever this says.
    pub fn retry(mut self, retry: RetryConfig) -> Config {
        self.retry = retry;
        self
    }

    /// The per-attempt timeout (default 30 s).
    pub fn timeout(mut self, timeout: Duration) -> Config {
        self.timeout = timeout;
        self
    }

    /// Records per page, 1 to [`MAX_PAGE_SIZE`] (default [`DEFAULT_PAGE_SIZE`]).
    pub fn page_size(mut self, size: u32) -> Result<Config> {
        if !(1..=MAX_PAGE_SIZE).contains(&size) {
            return Err(Error::invalid_input(format!(
                "page size {size} is out of range: use 1 to {MAX_PAGE_SIZE}"
            )));
        }
        self.page_size = size;
        Ok(self)
    }

    /// Per-school corrections of the attendance status rules (e.g. a custom `"vacation"`
    /// status). Without overrides the fixed label rules of `mis_core::codes` apply.
    pub fn code_mapper(mut self, mapper: CodeMapper) -> Config {
        self.mapper = mapper;
        self
    }

    /// The tenant subdomain.
    pub fn subdomain(&self) -> &Subdomain {
        &self.subdomain
    }

    /// Where requests go: the override, else `https://<subdomain>.classe365.com`.
    pub fn endpoint(&self) -> Result<BaseUrl> {
        match &self.base_url {
            Some(base) => Ok(base.clone()),
            None => BaseUrl::parse(&format!(
                "https://{}.{}",
                self.subdomain,
                routes::HOST_SUFFIX
            )),
        }
    }

    /// The time zone.
    pub fn zone(&self) -> &str {
        &self.time_zone
    }

    /// The rate limit.
    pub fn limit(&self) -> RateLimit {
        self.rate_limit
    }

    /// The retry settings for reads.
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

    /// The attendance status mapper.
    pub fn mapper(&self) -> &CodeMapper {
        &self.mapper
    }

    /// The API key (crate-internal: only the authenticator reads it).
    pub(crate) fn api_key(&self) -> &SecretString {
        &self.api_key
    }
}

impl Config {
    /// The base URL the client will use, as text (`https://<subdomain>.classe365.com`).
    ///
    /// A config whose override failed to parse cannot exist, so this cannot fail for an
    /// override; the default is built from a validated subdomain.
    pub fn base_url_string(&self) -> String {
        self.endpoint()
            .map(|b| b.as_str().to_owned())
            .unwrap_or_default()
    }
}

fn required(lookup: &impl Fn(&str) -> Option<String>, name: &str) -> Result<String> {
    match lookup(name) {
        Some(v) if !v.trim().is_empty() => Ok(v),
        Some(_) => Err(Error::new(
            ErrorKind::Unauthenticated,
            format!("{name} is set but empty; it must hold the Classe365 credential"),
        )),
        None => Err(Error::new(
            ErrorKind::Unauthenticated,
            format!("{name} is not set; Classe365 needs {ENV_SUBDOMAIN} and {ENV_API_KEY}"),
        )),
    }
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Hand-written so the API key can never be printed, whatever secrecy's Debug does.
        f.debug_struct("Config")
            .field("subdomain", &self.subdomain.as_str())
            .field("api_key", &"[REDACTED]")
            .field("base_url", &self.base_url)
            .field("time_zone", &self.time_zone)
            .field("rate_limit", &self.rate_limit)
            .field("retry", &self.retry)
            .field("timeout", &self.timeout)
            .field("page_size", &self.page_size)
            .field("mapper_overrides", &self.mapper.has_overrides())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subdomains_are_bare_labels() {
        for ok in ["evaluate3x", "a", "my-school-2", "0"] {
            assert_eq!(Subdomain::parse(ok).unwrap().as_str(), ok);
        }
        for bad in [
            "",
            "evil.com/x",
            "a@b",
            "a.b",
            "a:b",
            "a b",
            "Evaluate3x",
            "-x",
            "x-",
            "x/../y",
            "école",
            "x\n",
            "x?y",
            "x#y",
            "x%2f",
        ] {
            let e = Subdomain::parse(bad).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::InvalidInput, "{bad:?}");
            assert!(e.to_string().contains("subdomain"), "{bad:?}: {e}");
        }
        assert!(Subdomain::parse(&"a".repeat(63)).is_ok());
        assert!(Subdomain::parse(&"a".repeat(64)).is_err());
    }

    #[test]
    fn errors_name_the_character_not_the_value() {
        let e = Subdomain::parse("s3cr3t/key").unwrap_err();
        assert!(e.to_string().contains("'/' at position 7"), "{e}");
        assert!(!e.to_string().contains("s3cr3t"), "{e}");
    }

    #[test]
    fn base_url_defaults_to_the_tenant_host_and_overrides_are_host_only() {
        let c = Config::new("evaluate3x", "k").unwrap();
        assert_eq!(c.base_url_string(), "https://evaluate3x.classe365.com");
        let c = c.base_url("http://127.0.0.1:8080/").unwrap();
        assert_eq!(c.base_url_string(), "http://127.0.0.1:8080");
        for bad in [
            "http://example.com",
            "https://x.classe365.com/restv2",
            "https://u:p@x.com",
            "nope",
        ] {
            let e = Config::new("x", "k").unwrap().base_url(bad).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::InvalidInput, "{bad}");
        }
    }

    #[test]
    fn other_settings_validate() {
        let c = Config::new("x", "k").unwrap();
        assert_eq!(c.records_per_page(), DEFAULT_PAGE_SIZE);
        assert!(c.clone().page_size(0).is_err());
        assert!(c.clone().page_size(MAX_PAGE_SIZE + 1).is_err());
        assert_eq!(c.clone().page_size(7).unwrap().records_per_page(), 7);
        assert!(c.clone().time_zone("Mars/Olympus").is_err());
        assert_eq!(
            c.clone().time_zone("Australia/Sydney").unwrap().zone(),
            "Australia/Sydney"
        );
        assert_eq!(
            Config::new("x", "").unwrap_err().kind(),
            ErrorKind::InvalidInput
        );
    }

    #[test]
    fn from_env_names_the_missing_variable() {
        let vars = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                pairs
                    .iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| v.to_string())
            }
        };
        let e = Config::from_lookup(vars(&[(ENV_API_KEY, "k")])).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Unauthenticated);
        assert!(e.to_string().contains(ENV_SUBDOMAIN), "{e}");
        let e = Config::from_lookup(vars(&[(ENV_SUBDOMAIN, "x"), (ENV_API_KEY, " ")])).unwrap_err();
        assert!(e.to_string().contains(ENV_API_KEY), "{e}");
        let e =
            Config::from_lookup(vars(&[(ENV_SUBDOMAIN, "a@b"), (ENV_API_KEY, "k")])).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput);
        assert!(e.to_string().contains(ENV_SUBDOMAIN), "{e}");
        let c = Config::from_lookup(vars(&[
            (ENV_SUBDOMAIN, "x"),
            (ENV_API_KEY, "k"),
            (ENV_BASE_URL, "http://localhost:9/"),
        ]))
        .unwrap();
        assert_eq!(c.base_url_string(), "http://localhost:9");
        let e = Config::from_lookup(vars(&[
            (ENV_SUBDOMAIN, "x"),
            (ENV_API_KEY, "k"),
            (ENV_BASE_URL, "http://example.com"),
        ]))
        .unwrap_err();
        assert!(e.to_string().contains(ENV_BASE_URL), "{e}");
    }

    #[test]
    fn debug_never_shows_the_key() {
        let c = Config::new("evaluate3x", "kysjd4f58sadf894cfa").unwrap();
        let shown = format!("{c:?} {c:#?}");
        assert!(!shown.contains("kysjd4f58sadf894cfa"), "{shown}");
        assert!(shown.contains("evaluate3x"));
        assert!(shown.contains("[REDACTED]"));
    }
}
