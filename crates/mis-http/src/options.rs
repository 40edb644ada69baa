//! [`ClientOptions`]: the settings every vendor client has, under one name.
//!
//! Every vendor's `Config` holds what is its own (credentials, region, bell times, category
//! mapping) plus one `ClientOptions`. A setting left unset means "the vendor's default" (its
//! documented host, its documented quota, its page size), so the vendor crate stays the one
//! place that knows those defaults; [`HttpClientBuilder::options`] applies what is set.
//!
//! [`ClientOptions::from_lookup`] reads the same variables for every vendor, under the
//! vendor's prefix (`MIS_HUBMIS_BASE_URL`, `MIS_GO4SCHOOLS_TIMEOUT`, …). The TLS and proxy
//! settings also have a vendor-neutral form (`MIS_CA_CERT`), since a school network's
//! TLS-inspecting proxy sits in front of every vendor alike.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use mis_core::{Error, Result, VendorId};
use secrecy::SecretString;

use crate::builder::HttpClientBuilder;
use crate::clock::Clock;
use crate::gate::RateLimit;
use crate::retry::RetryConfig;
use crate::{HttpService, url::BaseUrl};

/// Settings every vendor client shares. Unset means the vendor's default; see the module
/// docs.
///
/// `Debug` never shows the proxy's credentials.
///
/// ```
/// use std::time::Duration;
/// use mis_http::{ClientOptions, RateLimit};
///
/// let options = ClientOptions::new()
///     .with_base_url("http://127.0.0.1:8080")
///     .with_time_zone("Europe/London")
///     .with_rate_limit(RateLimit::at_most(12, Duration::from_secs(60)))
///     .with_timeout(Duration::from_secs(20));
/// assert_eq!(options.time_zone(), Some("Europe/London"));
/// ```
#[derive(Clone, Default)]
pub struct ClientOptions {
    base_url: Option<String>,
    time_zone: Option<String>,
    rate_limit: Option<RateLimit>,
    retry: Option<RetryConfig>,
    timeout: Option<Duration>,
    connect_timeout: Option<Duration>,
    page_size: Option<u32>,
    user_agent: Option<String>,
    max_body_size: Option<usize>,
    transport: Option<HttpService>,
    clock: Option<Arc<dyn Clock>>,
    tls: TlsOptions,
    proxy: Option<SecretString>,
    layers: Vec<crate::builder::UserLayer>,
}

/// Which certificate authorities the client trusts.
///
/// By default: the Mozilla root set compiled into the binary (the same on every machine).
/// A school whose network inspects TLS re-signs every connection with its own authority:
/// add that authority's certificate ([`ClientOptions::with_root_certificate_pem`]) or trust
/// the operating system's store, where the school's IT has usually installed it
/// ([`ClientOptions::with_os_trust_store`]).
#[derive(Clone, Default)]
pub struct TlsOptions {
    /// Extra trusted authorities, each one PEM document (one or more certificates).
    pub extra_roots_pem: Vec<Vec<u8>>,
    /// Also trust the operating system's certificate store.
    pub os_trust_store: bool,
    /// Do not trust the compiled-in Mozilla set (only the extra and OS roots).
    pub no_builtin_roots: bool,
}

impl fmt::Debug for TlsOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TlsOptions")
            .field("extra_roots", &self.extra_roots_pem.len())
            .field("os_trust_store", &self.os_trust_store)
            .field("no_builtin_roots", &self.no_builtin_roots)
            .finish()
    }
}

impl fmt::Debug for ClientOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientOptions")
            .field("base_url", &self.base_url)
            .field("time_zone", &self.time_zone)
            .field("rate_limit", &self.rate_limit)
            .field("retry", &self.retry)
            .field("timeout", &self.timeout)
            .field("connect_timeout", &self.connect_timeout)
            .field("page_size", &self.page_size)
            .field("user_agent", &self.user_agent)
            .field("max_body_size", &self.max_body_size)
            .field("transport", &self.transport.as_ref().map(|_| "custom"))
            .field("clock", &self.clock)
            .field("tls", &self.tls)
            // A proxy URL may carry `user:password@`.
            .field("proxy", &self.proxy.as_ref().map(|_| "set"))
            .field("layers", &self.layers.len())
            .finish()
    }
}

/// The variable suffixes [`ClientOptions::from_lookup`] reads, after `MIS_<VENDOR>_`.
pub mod env {
    /// The vendor's host (`https://…`, or `http://` to loopback), instead of its real one.
    pub const BASE_URL: &str = "BASE_URL";
    /// The school's IANA time zone (`Europe/London`).
    pub const TIME_ZONE: &str = "TIME_ZONE";
    /// The client-side rate limit, `REQUESTS/SECONDS` (`12/60`) or `unlimited`.
    pub const QUOTA: &str = "QUOTA";
    /// The per-attempt timeout, in seconds.
    pub const TIMEOUT: &str = "TIMEOUT";
    /// Attempts per request, retries included (1 = no retry).
    pub const MAX_ATTEMPTS: &str = "MAX_ATTEMPTS";
    /// The page size of list requests.
    pub const PAGE_SIZE: &str = "PAGE_SIZE";
    /// The `User-Agent` sent.
    pub const USER_AGENT: &str = "USER_AGENT";
    /// A PEM file of extra trusted certificate authorities. Also read as `MIS_CA_CERT`.
    pub const CA_CERT: &str = "CA_CERT";
    /// `true`: also trust the operating system's certificate store. Also `MIS_TLS_OS_ROOTS`.
    pub const TLS_OS_ROOTS: &str = "TLS_OS_ROOTS";
    /// An HTTP(S) proxy URL for every request. Also read as `MIS_PROXY`.
    pub const PROXY: &str = "PROXY";
}

impl ClientOptions {
    /// Nothing set: every setting is the vendor's default.
    pub fn new() -> ClientOptions {
        ClientOptions::default()
    }

    /// Reads the settings of `vendor` through `lookup`: `MIS_<VENDOR>_<SUFFIX>` for each
    /// suffix in [`env`](mod@env), and for the TLS and proxy settings the vendor-neutral `MIS_<SUFFIX>`
    /// when the vendor's own is not set. An empty value counts as unset (a variable left
    /// empty in a shell profile). A malformed value is `InvalidInput` naming the variable.
    pub fn from_lookup(vendor: VendorId, lookup: impl Fn(&str) -> Option<String>) -> Result<Self> {
        let get = |suffix: &str| -> Option<(String, String)> {
            let name = vendor.env(suffix);
            let value = lookup(&name)?.trim().to_owned();
            (!value.is_empty()).then_some((name, value))
        };
        let get_shared = |suffix: &str| -> Option<(String, String)> {
            get(suffix).or_else(|| {
                let name = format!("MIS_{suffix}");
                let value = lookup(&name)?.trim().to_owned();
                (!value.is_empty()).then_some((name, value))
            })
        };
        let named = |name: &str, e: Error| Error::invalid_input(format!("{name}: {e}"));
        let mut options = ClientOptions::new();
        if let Some((name, url)) = get(env::BASE_URL) {
            BaseUrl::parse(url.trim_end_matches('/')).map_err(|e| named(&name, e))?;
            options.base_url = Some(url.trim_end_matches('/').to_owned());
        }
        if let Some((name, zone)) = get(env::TIME_ZONE) {
            check_time_zone(&zone).map_err(|e| named(&name, e))?;
            options.time_zone = Some(zone);
        }
        if let Some((name, quota)) = get(env::QUOTA) {
            options.rate_limit = Some(quota.parse().map_err(|e| named(&name, e))?);
        }
        if let Some((name, secs)) = get(env::TIMEOUT) {
            options.timeout = Some(seconds(&secs).ok_or_else(|| {
                Error::invalid_input(format!(
                    "{name}: {secs:?} is not a positive number of seconds"
                ))
            })?);
        }
        if let Some((name, n)) = get(env::MAX_ATTEMPTS) {
            let n = n.parse::<u32>().ok().filter(|n| (1..=20).contains(n));
            let n = n.ok_or_else(|| {
                Error::invalid_input(format!("{name}: not a number of attempts from 1 to 20"))
            })?;
            options.retry = Some(RetryConfig::default().max_attempts(n));
        }
        if let Some((name, size)) = get(env::PAGE_SIZE) {
            let size = size.parse::<u32>().ok().filter(|n| *n > 0);
            options.page_size = Some(size.ok_or_else(|| {
                Error::invalid_input(format!("{name}: not a positive page size"))
            })?);
        }
        if let Some((_, agent)) = get(env::USER_AGENT) {
            options.user_agent = Some(agent);
        }
        if let Some((name, path)) = get_shared(env::CA_CERT) {
            let pem = std::fs::read(&path)
                .map_err(|e| Error::invalid_input(format!("{name}: cannot read {path:?}: {e}")))?;
            options = options
                .with_root_certificate_pem(pem)
                .map_err(|e| named(&name, e))?;
        }
        if let Some((name, yes)) = get_shared(env::TLS_OS_ROOTS) {
            options.tls.os_trust_store = parse_bool(&yes).ok_or_else(|| {
                Error::invalid_input(format!("{name}: {yes:?} is not true or false"))
            })?;
        }
        if let Some((name, proxy)) = get_shared(env::PROXY) {
            options = options.with_proxy(&proxy).map_err(|e| named(&name, e))?;
        }
        Ok(options)
    }

    /// Talks to `url` (`https://host[:port]`, or `http://` to loopback) instead of the
    /// vendor's real host; the vendor crate still adds its path prefix. Checked when the
    /// client is built.
    pub fn with_base_url(mut self, url: impl Into<String>) -> Self {
        let url = url.into();
        self.base_url = Some(url.trim().trim_end_matches('/').to_owned());
        self
    }

    /// The school's IANA time zone, for vendors that send local times.
    pub fn with_time_zone(mut self, zone: impl Into<String>) -> Self {
        self.time_zone = Some(zone.into().trim().to_owned());
        self
    }

    /// The client-side rate limit, instead of the vendor's documented one.
    pub fn with_rate_limit(mut self, limit: RateLimit) -> Self {
        self.rate_limit = Some(limit);
        self
    }

    /// Retry settings.
    pub fn with_retry(mut self, retry: RetryConfig) -> Self {
        self.retry = Some(retry);
        self
    }

    /// The per-attempt timeout (time queued at the rate gate not included).
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// The TCP/TLS connect timeout.
    pub fn with_connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = Some(timeout);
        self
    }

    /// The page size of list requests, where the vendor lets the client choose.
    pub fn with_page_size(mut self, size: u32) -> Self {
        self.page_size = Some(size);
        self
    }

    /// The `User-Agent` header.
    pub fn with_user_agent(mut self, agent: impl Into<String>) -> Self {
        self.user_agent = Some(agent.into());
        self
    }

    /// The largest response body accepted (default 64 MiB).
    pub fn with_max_body_size(mut self, bytes: usize) -> Self {
        self.max_body_size = Some(bytes);
        self
    }

    /// Sends through `transport` instead of the network: a test's scripted service, an
    /// in-process emulator. The one way to inject a transport, for every vendor.
    pub fn with_transport(mut self, transport: HttpService) -> Self {
        self.transport = Some(transport);
        self
    }

    /// The wall clock used to read absolute wait hints and token expiries (tests pass a fake).
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = Some(clock);
        self
    }

    /// Also trusts the certificate authorities in `pem` (one or more PEM certificates). The
    /// PEM is checked now: `InvalidInput` if it holds no certificate.
    pub fn with_root_certificate_pem(mut self, pem: impl Into<Vec<u8>>) -> Result<Self> {
        let pem = pem.into();
        let certs = reqwest::Certificate::from_pem_bundle(&pem)
            .map_err(|_| Error::invalid_input("the certificate authority file is not PEM"))?;
        if certs.is_empty() {
            return Err(Error::invalid_input(
                "the certificate authority file holds no PEM certificate",
            ));
        }
        self.tls.extra_roots_pem.push(pem);
        Ok(self)
    }

    /// Also trusts the operating system's certificate store.
    pub fn with_os_trust_store(mut self, yes: bool) -> Self {
        self.tls.os_trust_store = yes;
        self
    }

    /// Replaces the TLS settings.
    pub fn with_tls(mut self, tls: TlsOptions) -> Self {
        self.tls = tls;
        self
    }

    /// Sends every request through the proxy at `url` (`http://proxy:3128`, with
    /// `user:password@` if it needs them; the URL is kept secret). Without this, no proxy is
    /// used, whatever `HTTPS_PROXY` says: a proxy is an explicit choice.
    pub fn with_proxy(mut self, url: &str) -> Result<Self> {
        reqwest::Proxy::all(url)
            .map_err(|_| Error::invalid_input("the proxy is not a URL (http://host:port)"))?;
        self.proxy = Some(SecretString::from(url.to_owned()));
        Ok(self)
    }

    /// Adds a user-supplied `tower` layer around every attempt, as
    /// [`HttpClientBuilder::layer`] does: for a caller that opens a vendor through its
    /// `Config` or descriptor and still wants to see each attempt (a request counter, a
    /// budget, a proxy header). Layers added first are outermost.
    pub fn with_layer<L>(mut self, layer: L) -> Self
    where
        L: tower::Layer<HttpService> + Send + Sync + 'static,
        L::Service: tower::Service<crate::Request, Response = crate::Response, Error = Error>
            + Clone
            + Send
            + Sync
            + 'static,
        <L::Service as tower::Service<crate::Request>>::Future: Send + 'static,
    {
        self.layers.push(Arc::new(move |inner| {
            tower::util::BoxCloneSyncService::new(layer.layer(inner))
        }));
        self
    }

    /// The host override, if set.
    pub fn base_url(&self) -> Option<&str> {
        self.base_url.as_deref()
    }

    /// The time zone, if set.
    pub fn time_zone(&self) -> Option<&str> {
        self.time_zone.as_deref()
    }

    /// The rate limit, if set.
    pub fn rate_limit(&self) -> Option<RateLimit> {
        self.rate_limit
    }

    /// The retry settings, if set.
    pub fn retry(&self) -> Option<RetryConfig> {
        self.retry
    }

    /// The per-attempt timeout, if set.
    pub fn timeout(&self) -> Option<Duration> {
        self.timeout
    }

    /// The page size, if set.
    pub fn page_size(&self) -> Option<u32> {
        self.page_size
    }

    /// The clock, if set.
    pub fn clock(&self) -> Option<&Arc<dyn Clock>> {
        self.clock.as_ref()
    }

    /// The custom transport, if set.
    pub fn transport(&self) -> Option<&HttpService> {
        self.transport.as_ref()
    }

    /// The TLS settings.
    pub fn tls(&self) -> &TlsOptions {
        &self.tls
    }

    /// The base URL to use: the override if set, else `default` (the vendor's real host).
    pub fn base_url_or<'a>(&'a self, default: &'a str) -> &'a str {
        self.base_url.as_deref().unwrap_or(default)
    }

    #[cfg(test)]
    pub(crate) fn proxy_url(&self) -> Option<&str> {
        self.proxy
            .as_ref()
            .map(secrecy::ExposeSecret::expose_secret)
    }
}

impl HttpClientBuilder {
    /// Applies every setting `options` has (an unset one leaves the builder's value, which
    /// the vendor crate has set to its default). Call it after the vendor's defaults.
    ///
    /// The base URL is applied here too when set, so the vendor's own `base_url(..)` call
    /// must come first; the page size and time zone are the vendor crate's to read.
    pub fn options(mut self, options: &ClientOptions) -> Result<Self> {
        if let Some(url) = &options.base_url {
            self = self.base_url(url)?;
        }
        if let Some(limit) = options.rate_limit {
            self = self.rate_limit(limit);
        }
        if let Some(retry) = options.retry {
            self = self.retry(retry);
        }
        if let Some(timeout) = options.timeout {
            self = self.timeout(timeout);
        }
        if let Some(timeout) = options.connect_timeout {
            self = self.connect_timeout(timeout);
        }
        if let Some(agent) = &options.user_agent {
            self = self.user_agent(agent);
        }
        if let Some(bytes) = options.max_body_size {
            self = self.max_body_size(bytes);
        }
        if let Some(transport) = &options.transport {
            self = self.transport(transport.clone());
        }
        if let Some(clock) = &options.clock {
            self = self.clock(clock.clone());
        }
        for layer in &options.layers {
            self = self.layer_fn(layer.clone());
        }
        Ok(self.network(options.tls.clone(), options.proxy.clone()))
    }
}

/// Checks an IANA time zone name against the bundled database.
pub fn check_time_zone(zone: &str) -> Result<()> {
    jiff::tz::TimeZone::get(zone).map(|_| ()).map_err(|_| {
        Error::invalid_input(format!(
            "{zone:?} is not an IANA time zone (e.g. Europe/London)"
        ))
    })
}

fn seconds(text: &str) -> Option<Duration> {
    let secs: f64 = text.trim_end_matches('s').trim().parse().ok()?;
    (secs.is_finite() && secs > 0.0 && secs <= 86_400.0).then(|| Duration::from_secs_f64(secs))
}

fn parse_bool(text: &str) -> Option<bool> {
    match text.to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Some(true),
        "0" | "false" | "no" | "off" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    const V: VendorId = VendorId::new("demo");

    fn lookup(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: BTreeMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |name| map.get(name).cloned()
    }

    #[test]
    fn every_vendor_reads_the_same_variables_under_its_prefix() {
        let o = ClientOptions::from_lookup(
            V,
            lookup(&[
                ("MIS_DEMO_BASE_URL", "http://127.0.0.1:9/"),
                ("MIS_DEMO_TIME_ZONE", "Europe/Dublin"),
                ("MIS_DEMO_QUOTA", "12/60"),
                ("MIS_DEMO_TIMEOUT", "2.5"),
                ("MIS_DEMO_MAX_ATTEMPTS", "2"),
                ("MIS_DEMO_PAGE_SIZE", "50"),
                ("MIS_DEMO_USER_AGENT", "trust-sync/1"),
                ("MIS_TLS_OS_ROOTS", "yes"),
            ]),
        )
        .unwrap();
        assert_eq!(o.base_url(), Some("http://127.0.0.1:9"));
        assert_eq!(o.time_zone(), Some("Europe/Dublin"));
        assert_eq!(
            o.rate_limit(),
            Some(RateLimit::at_most(12, Duration::from_secs(60)))
        );
        assert_eq!(o.timeout(), Some(Duration::from_millis(2500)));
        assert_eq!(o.retry().unwrap().attempts(), 2);
        assert_eq!(o.page_size(), Some(50));
        assert!(o.tls().os_trust_store);
    }

    #[test]
    fn unset_and_empty_mean_the_vendors_default() {
        let o = ClientOptions::from_lookup(V, lookup(&[("MIS_DEMO_TIME_ZONE", "  ")])).unwrap();
        assert!(o.base_url().is_none() && o.time_zone().is_none() && o.rate_limit().is_none());
        assert_eq!(
            o.base_url_or("https://api.example.com"),
            "https://api.example.com"
        );
    }

    #[test]
    fn a_bad_value_names_its_variable_and_not_its_secret() {
        for (name, value) in [
            ("MIS_DEMO_TIME_ZONE", "Mars/Olympus"),
            ("MIS_DEMO_QUOTA", "lots"),
            ("MIS_DEMO_TIMEOUT", "-1"),
            ("MIS_DEMO_MAX_ATTEMPTS", "0"),
            ("MIS_DEMO_PAGE_SIZE", "x"),
            ("MIS_DEMO_BASE_URL", "ftp://example.com"),
            ("MIS_TLS_OS_ROOTS", "maybe"),
            ("MIS_CA_CERT", "/nonexistent/ca.pem"),
        ] {
            let e = ClientOptions::from_lookup(V, lookup(&[(name, value)])).unwrap_err();
            assert!(e.to_string().contains(name), "{name}: {e}");
        }
        let e =
            ClientOptions::from_lookup(V, lookup(&[("MIS_DEMO_PROXY", "not a url with s3cret")]))
                .unwrap_err();
        assert!(e.to_string().contains("MIS_DEMO_PROXY"), "{e}");
        assert!(!e.to_string().contains("s3cret"), "{e}");
    }

    #[test]
    fn debug_hides_the_proxy_credentials() {
        let o = ClientOptions::new()
            .with_proxy("http://user:s3cret@proxy.example:3128")
            .unwrap();
        assert!(!format!("{o:?}").contains("s3cret"));
        assert_eq!(o.proxy_url(), Some("http://user:s3cret@proxy.example:3128"));
    }

    #[test]
    fn a_file_without_a_certificate_is_refused() {
        let e = ClientOptions::new()
            .with_root_certificate_pem(b"hello".to_vec())
            .err()
            .unwrap();
        assert!(e.to_string().contains("PEM"), "{e}");
    }
}
