//! The one place the stack is assembled.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use http::{HeaderMap, HeaderName, HeaderValue};
use mis_core::{Error, ErrorKind, Result};
use tower::util::BoxCloneSyncService;
use tower::{Layer, Service, ServiceBuilder};

use crate::auth::{AuthLayer, AuthState, Authenticator};
use crate::classify::{Classifier, ClassifyConfig, ClassifyLayer};
use crate::client::{HttpClient, Shared, StackFn};
use crate::clock::{Clock, SystemClock};
use crate::gate::{GateLayer, RateGate, RateLimit};
use crate::hints::WaitHint;
use crate::options::TlsOptions;
use crate::retry::{RetryConfig, RetryLayer, RetryPolicy};
use crate::secret::SecretString;
use crate::timeout::TimeoutLayer;
use crate::trace::TraceLayer;
use crate::transport::{DEFAULT_MAX_BODY, DispatchLayer, Network, ReqwestTransport};
use crate::url::{BaseUrl, Endpoint};
use crate::{HttpService, Request, Response};

/// A user layer, boxed: wraps the per-attempt service.
pub(crate) type UserLayer = Arc<dyn Fn(HttpService) -> HttpService + Send + Sync>;

impl HttpClient {
    /// Starts building a client for `vendor` (`hubmis`, `classcharts`, …).
    pub fn builder(vendor: &'static str) -> HttpClientBuilder {
        HttpClientBuilder::new(vendor)
    }
}

/// Where the client's rate gate comes from.
enum GateChoice {
    Own(RateLimit),
    Shared(Arc<RateGate>),
}

/// Builds an [`HttpClient`]; see [`HttpClient::builder`].
///
/// Defaults: no authentication, no client-side rate limit, [`RetryConfig::default`], a 30 s
/// per-attempt timeout, a 10 s connect timeout, `Retry-After` as the only wait hint, a 1 s
/// pause after a 429 without one, 500 not retried, a 64 MiB body cap, no user layers, and the
/// reqwest transport.
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
    max_body: usize,
    rate_limited_wait: Duration,
    layers: Vec<UserLayer>,
    network: Network,
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
            max_body: DEFAULT_MAX_BODY,
            rate_limited_wait: Duration::from_secs(1),
            layers: Vec::new(),
            network: Network::default(),
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

    /// The largest response body accepted (default 64 MiB); a larger one fails the request
    /// with a `Vendor` error naming the limit, before it is buffered in full.
    pub fn max_body_size(mut self, bytes: usize) -> Self {
        self.max_body = bytes;
        self
    }

    /// How long a 429 that carries no usable wait hint closes the rate gate, and the least a
    /// retry after it waits (default 1 s; HUBmis documents one request per 5 s).
    pub fn rate_limited_wait(mut self, wait: Duration) -> Self {
        self.rate_limited_wait = wait;
        self
    }

    /// Adds a user-supplied `tower` layer around every attempt: inside retry, auth, the rate
    /// gate and the timeout, outside classification. It sees each attempt a request makes
    /// (retries, the replay after a credential refresh and the authenticator's own token
    /// requests included) and gets classified results: `Ok` for a success, a typed
    /// [`Error`] otherwise. Use it for metrics, a cache, or a header every attempt needs (a
    /// proxy's). Layers added first are outermost.
    ///
    /// ```
    /// # fn demo() -> mis_http::Result<()> {
    /// use std::sync::Arc;
    /// use std::sync::atomic::{AtomicUsize, Ordering};
    /// use mis_http::{HttpClient, Request};
    ///
    /// let attempts = Arc::new(AtomicUsize::new(0));
    /// let seen = attempts.clone();
    /// let http = HttpClient::builder("demo")
    ///     .base_url("https://api.example.com")?
    ///     .layer(tower::layer::layer_fn(move |inner| {
    ///         let seen = seen.clone();
    ///         tower::util::MapRequest::new(inner, move |request: Request| {
    ///             seen.fetch_add(1, Ordering::Relaxed);
    ///             request
    ///         })
    ///     }))
    ///     .build()?;
    /// # let _ = http; Ok(()) }
    /// ```
    pub fn layer<L>(mut self, layer: L) -> Self
    where
        L: Layer<HttpService> + Send + Sync + 'static,
        L::Service:
            Service<Request, Response = Response, Error = Error> + Clone + Send + Sync + 'static,
        <L::Service as Service<Request>>::Future: Send + 'static,
    {
        self.layers.push(Arc::new(move |inner| {
            BoxCloneSyncService::new(layer.layer(inner))
        }));
        self
    }

    /// Adds an already boxed user layer (from [`ClientOptions`](crate::ClientOptions)).
    pub(crate) fn layer_fn(mut self, layer: UserLayer) -> Self {
        self.layers.push(layer);
        self
    }

    /// The reqwest transport's trust roots and proxy (see [`ClientOptions`](crate::ClientOptions)).
    pub(crate) fn network(mut self, tls: TlsOptions, proxy: Option<SecretString>) -> Self {
        self.network = Network { tls, proxy };
        self
    }

    /// Assembles the stack.
    pub fn build(self) -> Result<HttpClient> {
        let base = self.base.ok_or_else(|| {
            Error::invalid_input(format!("{}: a base URL is required", self.vendor))
        })?;
        // A bad prefix would fail every request; say so now.
        let endpoint = Endpoint::new(base, &self.prefix)?;
        let gate = match self.gate {
            GateChoice::Own(limit) => RateGate::new(limit),
            GateChoice::Shared(gate) => gate,
        };
        let classify = ClassifyLayer {
            config: Arc::new(ClassifyConfig {
                vendor: self.vendor,
                retry_500: self.retry_500,
                wait_hints: self.wait_hints,
                classifier: self.classifier,
                clock: self.clock,
                rate_limited_wait: self.rate_limited_wait,
            }),
        };
        let dispatch = DispatchLayer {
            max_body: self.max_body,
        };
        let parts = Parts {
            vendor: self.vendor,
            endpoint,
            default_headers: self.default_headers,
            gate,
            timeout: self.timeout,
            retry: Arc::new(RetryPolicy::new(self.retry)),
            authenticator: self.authenticator,
        };
        // Below the timeout: classify over dispatch over the transport. Concrete types all the
        // way down unless a custom transport or a user layer needs the boxed `HttpService`.
        match (self.transport, self.layers.is_empty()) {
            (None, true) => {
                let transport = ReqwestTransport::new(
                    &self.user_agent,
                    self.connect_timeout,
                    self.max_body,
                    &self.network,
                )?;
                Ok(parts.assemble(
                    ServiceBuilder::new()
                        .layer(classify)
                        .layer(dispatch)
                        .service(transport),
                ))
            }
            (transport, _) => {
                let transport = match transport {
                    Some(t) => t,
                    None => BoxCloneSyncService::new(ReqwestTransport::new(
                        &self.user_agent,
                        self.connect_timeout,
                        self.max_body,
                        &self.network,
                    )?),
                };
                let mut attempt: HttpService = BoxCloneSyncService::new(
                    ServiceBuilder::new()
                        .layer(classify)
                        .layer(dispatch)
                        .service(transport),
                );
                // The first layer added ends up outermost.
                for layer in self.layers.iter().rev() {
                    attempt = layer(attempt);
                }
                Ok(parts.assemble(attempt))
            }
        }
    }
}

/// What [`HttpClientBuilder::build`] assembles the upper stack from.
struct Parts {
    vendor: &'static str,
    endpoint: Endpoint,
    default_headers: HeaderMap,
    gate: Arc<RateGate>,
    timeout: Duration,
    retry: Arc<RetryPolicy>,
    authenticator: Option<Arc<dyn Authenticator>>,
}

impl Parts {
    /// Trace, retry, auth, gate and timeout over `attempt` (one attempt: classify, dispatch,
    /// transport and any user layers), outermost first.
    fn assemble<S>(self, attempt: S) -> HttpClient
    where
        S: Service<Request, Response = Response, Error = Error> + Clone + Send + Sync + 'static,
        S::Future: Send + 'static,
    {
        let trace = TraceLayer {
            vendor: self.vendor,
        };
        // The timeout is inside the gate: waiting for a slot is not a slow server.
        let gated = ServiceBuilder::new()
            .layer(GateLayer {
                gate: self.gate.clone(),
            })
            .layer(TimeoutLayer::new(self.timeout))
            .service(attempt);
        let shared = |stack: StackFn, retry: Arc<RetryPolicy>, authenticated: bool| Shared {
            vendor: self.vendor,
            endpoint: self.endpoint.clone(),
            default_headers: self.default_headers.clone(),
            stack,
            gate: self.gate.clone(),
            retry,
            authenticated,
        };
        let retry = RetryLayer {
            policy: self.retry.clone(),
        };
        let stack = match &self.authenticator {
            // Auth is outside the gate, so its token requests, the original request and any
            // replay each pass the gate and count against the vendor's quota.
            Some(authenticator) => {
                // What the authenticator sends through: the gated stack, traced, with no auth
                // (no recursion) and no retry (the outer retry retries the whole request).
                let inner = HttpClient::from_shared(shared(
                    erase(trace.layer(gated.clone())),
                    Arc::new(RetryPolicy::new(RetryConfig::none())),
                    false,
                ));
                erase(
                    ServiceBuilder::new()
                        .layer(trace)
                        .layer(retry)
                        .layer(AuthLayer {
                            state: AuthState::new(authenticator.clone(), inner),
                        })
                        .service(gated),
                )
            }
            None => erase(
                ServiceBuilder::new()
                    .layer(trace)
                    .layer(retry)
                    .service(gated),
            ),
        };
        HttpClient::from_shared(shared(
            stack,
            self.retry.clone(),
            self.authenticator.is_some(),
        ))
    }
}

/// The finished stack as a function: each call clones the concrete service (a few `Arc`s, no
/// allocation) instead of a boxed one.
fn erase<S>(service: S) -> StackFn
where
    S: Service<Request, Response = Response, Error = Error> + Clone + Send + Sync + 'static,
    S::Future: Send + 'static,
{
    Arc::new(move |request| {
        Box::pin(Call::Ready {
            service: service.clone(),
            request: Some(request),
        })
    })
}

pin_project_lite::pin_project! {
    /// One request through the erased stack: the service and the request until the service
    /// is ready (the layers are called on the first poll, as an `async` block would), then
    /// the service's future. An `async` block keeps room for the service, the request and
    /// the future at once: for the full stack about 1.7 KB against 0.7 KB for this, and the
    /// whole value is copied into a new box on every request.
    #[project = CallProj]
    enum Call<S, F> {
        Ready { service: S, request: Option<Request> },
        Sent { #[pin] sent: F },
    }
}

impl<S> Future for Call<S, S::Future>
where
    S: Service<Request, Response = Response, Error = Error>,
{
    type Output = Result<Response>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        loop {
            match self.as_mut().project() {
                CallProj::Sent { sent } => return sent.poll(cx),
                CallProj::Ready { service, request } => {
                    ready!(service.poll_ready(cx))?;
                    let Some(request) = request.take() else {
                        // Only when polled again after the readiness error was returned.
                        return Poll::Ready(Err(Error::new(
                            ErrorKind::Unavailable,
                            "the request was already sent",
                        )));
                    };
                    let sent = service.call(request);
                    self.set(Call::Sent { sent });
                }
            }
        }
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
            .field("max_body_size", &self.max_body)
            .field("rate_limited_wait", &self.rate_limited_wait)
            .field("user_layers", &self.layers.len())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Ready only from the second `poll_ready` on, or never (an error), counting calls.
    #[derive(Clone)]
    struct Slow {
        polls: Arc<std::sync::atomic::AtomicUsize>,
        calls: Arc<std::sync::atomic::AtomicUsize>,
        fail: bool,
    }

    impl Service<Request> for Slow {
        type Response = Response;
        type Error = Error;
        type Future = std::future::Ready<Result<Response>>;

        fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<()>> {
            use std::sync::atomic::Ordering;
            if self.fail {
                return Poll::Ready(Err(Error::new(ErrorKind::Unavailable, "not ready")));
            }
            if self.polls.fetch_add(1, Ordering::SeqCst) == 0 {
                cx.waker().wake_by_ref();
                return Poll::Pending;
            }
            Poll::Ready(Ok(()))
        }

        fn call(&mut self, _request: Request) -> Self::Future {
            self.calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            std::future::ready(Ok(Response::new(bytes::Bytes::from_static(b"ok"))))
        }
    }

    #[tokio::test]
    async fn the_erased_stack_waits_for_readiness_and_calls_on_first_poll() {
        use std::sync::atomic::Ordering;
        let slow = Slow {
            polls: Arc::default(),
            calls: Arc::default(),
            fail: false,
        };
        let stack = erase(slow.clone());
        let sent = stack(Request::new(bytes::Bytes::new()));
        // Nothing called until the future is polled.
        assert_eq!(slow.polls.load(Ordering::SeqCst), 0);
        assert_eq!(slow.calls.load(Ordering::SeqCst), 0);
        let response = sent.await.unwrap();
        assert_eq!(response.body().as_ref(), b"ok");
        assert_eq!(slow.polls.load(Ordering::SeqCst), 2);
        assert_eq!(slow.calls.load(Ordering::SeqCst), 1);

        let failing = Slow {
            fail: true,
            ..slow.clone()
        };
        let err = erase(failing)(Request::new(bytes::Bytes::new()))
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Unavailable);
        assert_eq!(slow.calls.load(Ordering::SeqCst), 1);
    }
}
