//! Configuration: the tenant subdomain and API key (Classe365's own), the attendance status
//! mapping, and the settings every vendor client shares ([`ClientOptions`]).
//!
//! The subdomain is validated when the config is made, before any request can exist: it is
//! both the host name (`https://<subdomain>.classe365.com`) and the Basic-auth user name, so a
//! crafted value such as `evil.com/x` or `a@b` must never reach a URL or a header.
//!
//! Classe365's defaults for the shared settings, used where [`ClientOptions`] leaves one
//! unset: the tenant's own host, the `Europe/London` time zone ([`DEFAULT_TIME_ZONE`]), no
//! client-side rate limit (the vendor publishes none), mis-http's default retries for reads,
//! a 30 s timeout ([`DEFAULT_TIMEOUT`]) and 100 records per page ([`DEFAULT_PAGE_SIZE`]).

use std::fmt;
use std::time::Duration;

use mis_core::codes::{CodeMapper, CodeOverride};
use mis_core::{Error, ErrorKind, Result};
use mis_http::{BaseUrl, ClientOptions, SecretString};

use crate::VENDOR_ID;
use crate::routes;

/// Environment variable holding the tenant subdomain (`evaluate3x`).
pub const ENV_SUBDOMAIN: &str = "MIS_CLASSE365_SUBDOMAIN";
/// Environment variable holding the API key.
pub const ENV_API_KEY: &str = "MIS_CLASSE365_API_KEY";
/// Environment variable overriding the host (`scheme://host[:port]`), e.g. a sandbox. Read
/// with the other shared settings (`MIS_CLASSE365_TIME_ZONE`, `_QUOTA`, `_TIMEOUT`,
/// `_MAX_ATTEMPTS`, `_PAGE_SIZE`, `_USER_AGENT`, …) by [`ClientOptions::from_lookup`].
pub const ENV_BASE_URL: &str = "MIS_CLASSE365_BASE_URL";
/// Environment variable setting the page size (1 to [`MAX_PAGE_SIZE`]).
pub const ENV_PAGE_SIZE: &str = "MIS_CLASSE365_PAGE_SIZE";
/// Environment variable mapping the school's own attendance statuses to categories:
/// `STATUS=category` pairs separated by `,` or `;` (`Quarantine room=authorised_absence`),
/// the form of `mis_core::codes::parse_code_map`. A Classe365 school can add statuses of
/// its own, which the fixed label rules cannot know.
pub const ENV_CODE_MAP: &str = "MIS_CLASSE365_CODE_MAP";

/// The default number of records asked for per page.
pub const DEFAULT_PAGE_SIZE: u32 = 100;
/// The largest page size this crate will ask for. The vendor's public API document states
/// no limit; this keeps one response to a sane size.
pub const MAX_PAGE_SIZE: u32 = 1000;
/// The time zone used when none is configured. The vendor's API document says nothing about
/// zones (Classe365 serves schools worldwide), so a school elsewhere sets its own.
pub const DEFAULT_TIME_ZONE: &str = "Europe/London";
/// The per-attempt timeout used when none is configured.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

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
/// use std::time::Duration;
/// use mis_classe365::Config;
/// use mis_http::{ClientOptions, RateLimit};
///
/// let config = Config::new("evaluate3x", "kysjd4f58sadf894cfa")?
///     .with_options(ClientOptions::new().with_time_zone("Australia/Sydney"))
///     .update_options(|o| o.with_rate_limit(RateLimit::at_most(60, Duration::from_secs(60))));
/// assert_eq!(config.options().time_zone(), Some("Australia/Sydney"));
/// assert!(config.options().rate_limit().is_some());
/// assert!(!format!("{config:?}").contains("kysjd4f58sadf894cfa"));
/// assert!(Config::new("evil.com/x", "key").is_err());
/// # Ok::<(), mis_core::Error>(())
/// ```
#[derive(Clone)]
pub struct Config {
    subdomain: Subdomain,
    api_key: SecretString,
    mapper: CodeMapper,
    code_map: Vec<CodeOverride>,
    options: ClientOptions,
}

impl Config {
    /// A config for the tenant `subdomain` with `api_key` and no shared option set (every
    /// one is Classe365's default, see the module docs).
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
            mapper: CodeMapper::new(),
            code_map: Vec::new(),
            options: ClientOptions::new(),
        })
    }

    /// Reads [`ENV_SUBDOMAIN`], [`ENV_API_KEY`] and the shared `MIS_CLASSE365_*` settings
    /// ([`ClientOptions::from_lookup`]) from the process environment.
    ///
    /// A missing or empty credential variable is `Unauthenticated`, naming the variable.
    pub fn from_env() -> Result<Config> {
        Config::from_lookup(|name| std::env::var(name).ok())
    }

    /// [`Config::from_env`] over any variable source (tests, a sync config file's table).
    ///
    /// A malformed setting is `InvalidInput` naming its variable, including a base URL with
    /// a path ([`ENV_BASE_URL`]), a page size above [`MAX_PAGE_SIZE`] ([`ENV_PAGE_SIZE`]) and
    /// a pair of [`ENV_CODE_MAP`] that is not `STATUS=category`.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Config> {
        let subdomain = required(&lookup, ENV_SUBDOMAIN)?;
        let api_key = required(&lookup, ENV_API_KEY)?;
        let config = Config::new(subdomain.trim(), api_key).map_err(|e| {
            Error::new(
                e.kind(),
                format!("{ENV_SUBDOMAIN} / {ENV_API_KEY}: {}", e.message()),
            )
        })?;
        let config = config.with_options(ClientOptions::from_lookup(VENDOR_ID, &lookup)?);
        let named = |name: &str, e: Error| Error::new(e.kind(), format!("{name}: {}", e.message()));
        config.base().map_err(|e| named(ENV_BASE_URL, e))?;
        config.page_size().map_err(|e| named(ENV_PAGE_SIZE, e))?;
        let code_map = match lookup(ENV_CODE_MAP) {
            Some(text) => {
                mis_core::codes::parse_code_map(&text).map_err(|e| named(ENV_CODE_MAP, e))?
            }
            None => Vec::new(),
        };
        Ok(config.with_code_map(code_map))
    }

    /// The school's own statuses and what each counts as ([`ENV_CODE_MAP`]). They are
    /// looked up (case-insensitively, the whole status) before the fixed label rules and
    /// before [`Config::code_mapper`]'s overrides.
    pub fn with_code_map(mut self, map: Vec<CodeOverride>) -> Config {
        self.code_map = map;
        self
    }

    /// The school's status map ([`Config::with_code_map`]).
    pub fn code_map(&self) -> &[CodeOverride] {
        &self.code_map
    }

    /// Per-school corrections of the attendance status rules (e.g. a custom `"vacation"`
    /// status). Without overrides the fixed label rules of `mis_core::codes` apply.
    pub fn code_mapper(mut self, mapper: CodeMapper) -> Config {
        self.mapper = mapper;
        self
    }

    /// Replaces the shared settings (host, time zone, rate limit, retries, timeout, page
    /// size, transport, clock, TLS, proxy). They are checked when the client is built.
    ///
    /// Classe365 specifics: a base URL override is `scheme://host[:port]` without a path
    /// (the client adds `/restv2`); the page size is 1 to [`MAX_PAGE_SIZE`]; the retry
    /// settings apply to reads only, since a write (POST) is never retried.
    pub fn with_options(mut self, options: ClientOptions) -> Config {
        self.options = options;
        self
    }

    /// Changes the shared settings: `config.update_options(|o| o.with_page_size(50))`.
    pub fn update_options(self, update: impl FnOnce(ClientOptions) -> ClientOptions) -> Config {
        let options = update(self.options.clone());
        self.with_options(options)
    }

    /// The shared settings (unset ones are Classe365's defaults).
    pub fn options(&self) -> &ClientOptions {
        &self.options
    }

    /// The tenant subdomain.
    pub fn subdomain(&self) -> &Subdomain {
        &self.subdomain
    }

    /// The attendance status mapper.
    pub fn mapper(&self) -> &CodeMapper {
        &self.mapper
    }

    /// The API key (crate-internal: only the authenticator reads it).
    pub(crate) fn api_key(&self) -> &SecretString {
        &self.api_key
    }

    /// Where requests go: the override, else `https://<subdomain>.classe365.com`.
    ///
    /// `InvalidInput` for an override that is not a URL, plain `http://` to a non-loopback
    /// host, carries credentials or a query, or has a path (which would double the prefix).
    pub(crate) fn base(&self) -> Result<BaseUrl> {
        let Some(url) = self.options.base_url() else {
            return BaseUrl::parse(&format!(
                "https://{}.{}",
                self.subdomain,
                routes::HOST_SUFFIX
            ));
        };
        let base = BaseUrl::parse(url)?;
        if !base.as_url().path().trim_matches('/').is_empty() {
            return Err(Error::invalid_input(format!(
                "a Classe365 base URL override must be scheme://host[:port] without a path; \
                 the client adds {} itself",
                routes::PREFIX
            )));
        }
        Ok(base)
    }

    /// Records per page: the option, else [`DEFAULT_PAGE_SIZE`]; `InvalidInput` outside 1 to
    /// [`MAX_PAGE_SIZE`].
    pub(crate) fn page_size(&self) -> Result<u32> {
        let size = self.options.page_size().unwrap_or(DEFAULT_PAGE_SIZE);
        if !(1..=MAX_PAGE_SIZE).contains(&size) {
            return Err(Error::invalid_input(format!(
                "page size {size} is out of range: use 1 to {MAX_PAGE_SIZE}"
            )));
        }
        Ok(size)
    }

    /// The school's IANA time zone: the option, else [`DEFAULT_TIME_ZONE`]; `InvalidInput`
    /// for a name the time zone database does not know.
    pub(crate) fn time_zone(&self) -> Result<&str> {
        let zone = self.options.time_zone().unwrap_or(DEFAULT_TIME_ZONE);
        mis_http::check_time_zone(zone)?;
        Ok(zone)
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
            .field("mapper_overrides", &self.mapper.has_overrides())
            .field("code_map", &self.code_map.len())
            .field("options", &self.options)
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
        assert_eq!(
            c.base().unwrap().as_str(),
            "https://evaluate3x.classe365.com"
        );
        let c = c.update_options(|o| o.with_base_url("http://127.0.0.1:8080/"));
        assert_eq!(c.base().unwrap().as_str(), "http://127.0.0.1:8080");
        for bad in [
            "http://example.com",
            "https://x.classe365.com/restv2",
            "https://u:p@x.com",
            "nope",
        ] {
            let c = Config::new("x", "k")
                .unwrap()
                .update_options(|o| o.with_base_url(bad));
            let e = c.base().unwrap_err();
            assert_eq!(e.kind(), ErrorKind::InvalidInput, "{bad}");
        }
    }

    #[test]
    fn shared_settings_default_to_classe365s_and_validate() {
        let c = Config::new("x", "k").unwrap();
        assert_eq!(c.page_size().unwrap(), DEFAULT_PAGE_SIZE);
        assert_eq!(c.time_zone().unwrap(), DEFAULT_TIME_ZONE);
        let with = |o: ClientOptions| c.clone().with_options(o);
        assert!(
            with(ClientOptions::new().with_page_size(0))
                .page_size()
                .is_err()
        );
        let too_big = ClientOptions::new().with_page_size(MAX_PAGE_SIZE + 1);
        assert!(with(too_big).page_size().is_err());
        assert_eq!(
            with(ClientOptions::new().with_page_size(7))
                .page_size()
                .unwrap(),
            7
        );
        let mars = ClientOptions::new().with_time_zone("Mars/Olympus");
        assert!(with(mars).time_zone().is_err());
        let sydney = with(ClientOptions::new().with_time_zone("Australia/Sydney"));
        assert_eq!(sydney.time_zone().unwrap(), "Australia/Sydney");
        assert_eq!(
            Config::new("x", "").unwrap_err().kind(),
            ErrorKind::InvalidInput
        );
    }

    #[test]
    fn update_options_keeps_what_it_does_not_change() {
        let c = Config::new("x", "k")
            .unwrap()
            .with_options(ClientOptions::new().with_page_size(7))
            .update_options(|o| o.with_time_zone("Europe/Dublin"));
        assert_eq!(c.options().page_size(), Some(7));
        assert_eq!(c.options().time_zone(), Some("Europe/Dublin"));
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
            ("MIS_CLASSE365_TIME_ZONE", "Asia/Dubai"),
            ("MIS_CLASSE365_QUOTA", "10/60"),
        ]))
        .unwrap();
        assert_eq!(c.base().unwrap().as_str(), "http://localhost:9");
        assert_eq!(c.time_zone().unwrap(), "Asia/Dubai");
        assert!(c.options().rate_limit().is_some());
        for (name, value) in [
            (ENV_BASE_URL, "http://example.com"),
            (ENV_BASE_URL, "http://localhost:9/restv2"),
            (ENV_PAGE_SIZE, "5000"),
            ("MIS_CLASSE365_TIME_ZONE", "Mars/Olympus"),
        ] {
            let e = Config::from_lookup(|n: &str| match n {
                ENV_SUBDOMAIN => Some("x".to_owned()),
                ENV_API_KEY => Some("k".to_owned()),
                n if n == name => Some(value.to_owned()),
                _ => None,
            })
            .unwrap_err();
            assert_eq!(e.kind(), ErrorKind::InvalidInput, "{name}={value}: {e}");
            assert!(e.to_string().contains(name), "{name}={value}: {e}");
        }
    }

    #[test]
    fn the_code_map_is_read_and_a_bad_pair_names_the_variable() {
        let with = |map: &'static str| {
            Config::from_lookup(move |n: &str| match n {
                ENV_SUBDOMAIN => Some("x".to_owned()),
                ENV_API_KEY => Some("k".to_owned()),
                ENV_CODE_MAP => Some(map.to_owned()),
                _ => None,
            })
        };
        let c = with("Quarantine room=authorised_absence; Dismissed=late").unwrap();
        assert_eq!(c.code_map().len(), 2);
        assert_eq!(c.code_map()[0].key, "Quarantine room");
        assert_eq!(
            c.code_map()[0].category,
            mis_core::AttendanceCategory::AuthorisedAbsence
        );
        assert!(c.code_map()[1].late);
        let e = with("Quarantine room").unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput);
        assert!(e.to_string().contains(ENV_CODE_MAP), "{e}");
        assert!(with("Q=sometimes").is_err());
        assert!(Config::new("x", "k").unwrap().code_map().is_empty());
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
