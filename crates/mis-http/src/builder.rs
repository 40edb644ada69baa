//! The one place the stack is assembled.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use http::{HeaderMap, HeaderName, HeaderValue};
use mis_core::{Error, Result};
use tower::retry::Retry;
use tower::util::BoxCloneSyncService;

use crate::HttpService;
use crate::auth::{AuthService, AuthState, Authenticator};
use crate::classify::{Classifier, ClassifyConfig, ClassifyService};
use crate::client::{HttpClient, Shared};
use crate::clock::{Clock, SystemClock};
use crate::gate::{GateService, RateGate, RateLimit};
use crate::hints::WaitHint;
use crate::retry::{RetryConfig, RetryPolicy};
use crate::timeout::TimeoutService;
use crate::trace::TraceService;
use crate::transport::{DispatchService, ReqwestTransport};
use crate::url::BaseUrl;

/// Where the client's rate gate comes from.
enum GateChoice {
    Own(RateLimit),
    Shared(Arc<RateGate>),
}

/// Builds an [`HttpClient`]; see [`HttpClient::builder`].
///
/// Defaults: no authentication, no client-side rate limit, [`RetryConfig::default`], a 30 s
/// per-attempt timeout, a 10 s connect timeout, `Retry-After` as the only wait hint, 500 not
/// retried, and the reqwest transport.
pub struct HttpClientBuilder {
    vendor: &'static str,
    base: Option<BaseUrl>,
    prefix: String,
    authenticator: Option<Arc<dyn Authenticator>>,
    gate: GateChoice,
    retry: RetryConfig,
    timeout: Duration,
    connect_timeout: Duration,
    wait_hints: Vec<WaitHint>,
    classifier: Option<Arc<dyn Classifier>>,
    retry_500: bool,
    user_agent: String,
    default_headers: HeaderMap,
    clock: Arc<dyn Clock>,
    transport: Option<HttpService>,
}

impl HttpClientBuilder {
    pub(crate) fn new(vendor: &'static str) -> Self {
        HttpClientBuilder {
            vendor,
            base: None,
            prefix: String::new(),
            authenticator: None,
            gate: GateChoice::Own(RateLimit::unlimited()),
            retry: RetryConfig::default(),
            timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
            wait_hints: vec![WaitHint::RetryAfter],
            classifier: None,
            retry_500: false,
            user_agent: format!("mis-clients/{} ({vendor})", env!("CARGO_PKG_VERSION")),
            default_headers: HeaderMap::new(),
            clock: Arc::new(SystemClock),
            transport: None,
        }
    }

    /// Parses and sets the base URL (HTTPS, or HTTP to loopback only).
    pub fn base_url(self, base: &str) -> Result<Self> {
        Ok(self.base(BaseUrl::parse(base)?))
    }

    /// Sets an already parsed base URL.
    pub fn base(mut self, base: BaseUrl) -> Self {
        self.base = Some(base);
        self
    }

    /// The vendor's documented path prefix (`/api/v1`), put between the base and the segments.
    pub fn prefix(mut self, prefix: &str) -> Self {
        self.prefix = prefix.to_owned();
        self
    }

    /// Authenticates every request with `authenticator`.
    pub fn authenticator(self, authenticator: impl Authenticator) -> Self {
        self.authenticator_arc(Arc::new(authenticator))
    }

    /// Authenticates every request with a shared authenticator.
    pub fn authenticator_arc(mut self, authenticator: Arc<dyn Authenticator>) -> Self {
        self.authenticator = Some(authenticator);
        self
    }

    /// Limits this client (and its clones) to `limit`, with a gate of its own.
    pub fn rate_limit(mut self, limit: RateLimit) -> Self {
        self.gate = GateChoice::Own(limit);
        self
    }

    /// Sends through `gate`, shared with whoever else holds it (e.g. another client built for
    /// the same credential).
    pub fn rate_gate(mut self, gate: Arc<RateGate>) -> Self {
        self.gate = GateChoice::Shared(gate);
        self
    }

    /// Sends through the process-wide gate registered under `key` (created with `limit` when
    /// new). Use a key such as `hubmis:<client_id>`, never a secret.
    pub fn shared_rate_limit(self, key: &str, limit: RateLimit) -> Self {
        self.rate_gate(RateGate::shared(key, limit))
    }

    /// Retry settings.
    pub fn retry(mut self, retry: RetryConfig) -> Self {
        self.retry = retry;
        self
    }

    /// The per-attempt timeout (time waiting at the rate gate not included).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The TCP/TLS connect timeout of the reqwest transport.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// The wait-hint headers the vendor sends (replaces the default `Retry-After`).
    pub fn wait_hints(mut self, hints: &[WaitHint]) -> Self {
        self.wait_hints = hints.to_vec();
        self
    }

    /// The vendor's response classifier, run before the default status table.
    pub fn classifier(self, classifier: impl Classifier) -> Self {
        self.classifier_arc(Arc::new(classifier))
    }

    /// The vendor's response classifier, shared.
    pub fn classifier_arc(mut self, classifier: Arc<dyn Classifier>) -> Self {
        self.classifier = Some(classifier);
        self
    }

    /// Whether a 500 is transient for this vendor and worth retrying (default: no).
    pub fn retry_on_500(mut self, retry: bool) -> Self {
        self.retry_500 = retry;
        self
    }

    /// The `User-Agent` of the reqwest transport.
    pub fn user_agent(mut self, user_agent: &str) -> Self {
        self.user_agent = user_agent.to_owned();
        self
    }

    /// A header added to every request, token requests included (e.g. HUBmis `Realm`). Not for
    /// secrets: use an [`Authenticator`].
    pub fn default_header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.default_headers.insert(name, value);
        self
    }

    /// The wall clock used to read absolute wait hints (tests pass a fake one).
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Replaces the reqwest transport (tests pass a scripted service; the sandbox may pass an
    /// in-process one). A transport that knows a request failed before being sent should call
    /// [`Dispatch::mark_not_sent`](crate::Dispatch::mark_not_sent).
    pub fn transport(mut self, transport: HttpService) -> Self {
        self.transport = Some(transport);
        self
    }

    /// Assembles the stack.
    pub fn build(self) -> Result<HttpClient> {
        let base = self.base.ok_or_else(|| {
            Error::invalid_input(format!("{}: a base URL is required", self.vendor))
        })?;
        // A bad prefix would fail every request; say so now.
        base.join(&self.prefix, &[])?;
        let transport = match self.transport {
            Some(t) => t,
            None => BoxCloneSyncService::new(ReqwestTransport::new(
                &self.user_agent,
                self.connect_timeout,
            )?),
        };
        let gate = match self.gate {
            GateChoice::Own(limit) => RateGate::new(limit),
            GateChoice::Shared(gate) => gate,
        };

        // Built inside out; the list in the crate docs reads outermost first.
        let sent = BoxCloneSyncService::new(DispatchService { inner: transport });
        let classified = BoxCloneSyncService::new(ClassifyService {
            inner: sent,
            config: Arc::new(ClassifyConfig {
                vendor: self.vendor,
                retry_500: self.retry_500,
                wait_hints: self.wait_hints,
                classifier: self.classifier,
                clock: self.clock,
            }),
        });
        // The timeout is inside the gate: waiting for a slot is not a slow server.
        let timed = BoxCloneSyncService::new(TimeoutService {
            inner: classified,
            timeout: self.timeout,
        });
        let gated: HttpService = BoxCloneSyncService::new(GateService {
            inner: timed,
            gate: gate.clone(),
        });

        let shared = |service: HttpService, authenticated: bool| Shared {
            vendor: self.vendor,
            base: base.clone(),
            prefix: self.prefix.clone(),
            default_headers: self.default_headers.clone(),
            service,
            gate: gate.clone(),
            authenticated,
        };

        // Auth is outside the gate, so its token requests, the original request and any
        // replay each pass the gate and count against the vendor's quota.
        let authenticated = self.authenticator.is_some();
        let authed = match self.authenticator {
            Some(authenticator) => {
                // What the authenticator sends through: the gated stack, traced, with no auth
                // (no recursion) and no retry (the outer retry retries the whole request).
                let inner_client = HttpClient::from_shared(shared(
                    BoxCloneSyncService::new(TraceService {
                        inner: gated.clone(),
                        vendor: self.vendor,
                    }),
                    false,
                ));
                BoxCloneSyncService::new(AuthService {
                    inner: gated,
                    state: AuthState::new(authenticator, inner_client),
                })
            }
            None => gated,
        };
        let retried = BoxCloneSyncService::new(Retry::new(RetryPolicy::new(self.retry), authed));
        let traced = BoxCloneSyncService::new(TraceService {
            inner: retried,
            vendor: self.vendor,
        });
        Ok(HttpClient::from_shared(shared(traced, authenticated)))
    }
}

impl fmt::Debug for HttpClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Presence only for the authenticator and classifier; header names only.
        f.debug_struct("HttpClientBuilder")
            .field("vendor", &self.vendor)
            .field("base_url", &self.base)
            .field("prefix", &self.prefix)
            .field("authenticator", &self.authenticator.is_some())
            .field(
                "rate_gate",
                &match &self.gate {
                    GateChoice::Own(limit) => format!("own {limit:?}"),
                    GateChoice::Shared(gate) => format!("shared {gate:?}"),
                },
            )
            .field("retry", &self.retry)
            .field("timeout", &self.timeout)
            .field("connect_timeout", &self.connect_timeout)
            .field("wait_hints", &self.wait_hints)
            .field("classifier", &self.classifier.is_some())
            .field("retry_on_500", &self.retry_500)
            .field(
                "default_headers",
                &self.default_headers.keys().collect::<Vec<_>>(),
            )
            .field("custom_transport", &self.transport.is_some())
            .finish_non_exhaustive()
    }
}
