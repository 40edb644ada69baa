//! The bottom of the stack: reqwest, behind an adapter from `http::Request<Bytes>`.
//!
//! reqwest only implements `Service<reqwest::Request>`, so this adapter converts (reusing the
//! URL the request builder parsed, so it is parsed once), sends with redirects disabled,
//! buffers the body up to a cap and maps reqwest's errors to `mis_core::Error` with the URL
//! stripped (`without_url`), so a URL can never carry a token into an error or a log.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use bytes::BytesMut;
use futures::future::BoxFuture;
use mis_core::{Error, ErrorKind, Result};
use tower::{Layer, Service};

use crate::meta::{Dispatch, Progress, RequestMeta};
use crate::options::TlsOptions;
use crate::secret::{ExposeSecret, SecretString};
use crate::{Request, Response};

/// The default cap on a response body: 64 MiB, far above any MIS page.
pub(crate) const DEFAULT_MAX_BODY: usize = 64 * 1024 * 1024;

/// Marks each attempt as sent just before it reaches the transport, and enforces the body
/// cap on transports that do not (a custom transport buffers the body itself).
///
/// From here on any failure may have happened after the server got the request, which is
/// what the retry layer's idempotency gate needs to know. The transport downgrades this with
/// [`Dispatch::mark_not_sent`] when it knows better (a connect error).
#[derive(Clone, Copy)]
pub(crate) struct DispatchLayer {
    pub(crate) max_body: usize,
}

impl<S> Layer<S> for DispatchLayer {
    type Service = DispatchService<S>;

    fn layer(&self, inner: S) -> DispatchService<S> {
        DispatchService {
            inner,
            max_body: self.max_body,
        }
    }
}

/// See [`DispatchLayer`].
#[derive(Clone)]
pub(crate) struct DispatchService<S> {
    inner: S,
    max_body: usize,
}

impl<S> Service<Request> for DispatchService<S>
where
    S: Service<Request, Response = Response, Error = Error>,
{
    type Response = Response;
    type Error = Error;
    type Future = DispatchFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<()>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        Progress::mark_sent(&request);
        if tracing::enabled!(tracing::Level::TRACE) {
            if let Some(progress) = Progress::of(&request) {
                tracing::trace!(attempt = progress.attempts(), "sending");
            }
        }
        DispatchFuture {
            sent: self.inner.call(request),
            max_body: self.max_body,
        }
    }
}

pin_project_lite::pin_project! {
    /// The future of [`DispatchService`].
    pub(crate) struct DispatchFuture<F> {
        #[pin]
        sent: F,
        max_body: usize,
    }
}

impl<F: Future<Output = Result<Response>>> Future for DispatchFuture<F> {
    type Output = Result<Response>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let response = ready!(this.sent.poll(cx))?;
        if response.body().len() > *this.max_body {
            return Poll::Ready(Err(too_large(*this.max_body)));
        }
        Poll::Ready(Ok(response))
    }
}

/// The error for a body over the cap.
fn too_large(max_body: usize) -> Error {
    Error::new(
        ErrorKind::Vendor,
        format!(
            "the response body is larger than the {} limit (HttpClientBuilder::max_body_size)",
            size(max_body)
        ),
    )
    .with_retryable(false)
}

fn size(bytes: usize) -> String {
    if bytes >= 1024 * 1024 && bytes % (1024 * 1024) == 0 {
        format!("{} MiB", bytes / (1024 * 1024))
    } else {
        format!("{bytes}-byte")
    }
}

/// The reqwest transport's trust roots and proxy.
#[derive(Clone, Default)]
pub(crate) struct Network {
    pub(crate) tls: TlsOptions,
    pub(crate) proxy: Option<SecretString>,
}

/// The reqwest transport.
#[derive(Clone)]
pub(crate) struct ReqwestTransport {
    client: reqwest::Client,
    max_body: usize,
}

impl ReqwestTransport {
    pub(crate) fn new(
        user_agent: &str,
        connect_timeout: Duration,
        max_body: usize,
        network: &Network,
    ) -> Result<Self> {
        let mut builder = reqwest::Client::builder()
            // Never follow redirects: a redirect could carry credentials to another host, and
            // the classifier must see ClassCharts' 302s.
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(connect_timeout)
            .user_agent(user_agent)
            .tls_built_in_webpki_certs(!network.tls.no_builtin_roots)
            .tls_built_in_native_certs(network.tls.os_trust_store);
        for pem in &network.tls.extra_roots_pem {
            let certs = reqwest::Certificate::from_pem_bundle(pem)
                .map_err(|_| Error::invalid_input("a trusted certificate authority is not PEM"))?;
            for cert in certs {
                builder = builder.add_root_certificate(cert);
            }
        }
        // A proxy is an explicit setting: `HTTPS_PROXY` left in an environment must not
        // silently route pupils' data through a machine nobody chose.
        builder = match &network.proxy {
            Some(url) => builder.proxy(
                reqwest::Proxy::all(url.expose_secret())
                    .map_err(|_| Error::invalid_input("the proxy is not a URL"))?,
            ),
            None => builder.no_proxy(),
        };
        let client = builder.build().map_err(|e| {
            Error::new(ErrorKind::InvalidInput, "could not build the HTTP client")
                .with_retryable(false)
                .with_source(e.without_url())
        })?;
        Ok(ReqwestTransport { client, max_body })
    }
}

/// Converts to a reqwest request, reusing the builder's parsed URL when it still matches.
fn to_reqwest(request: Request) -> Result<reqwest::Request> {
    let Some(url) = Progress::take_target(&request) else {
        return reqwest::Request::try_from(request).map_err(|e| {
            Error::new(ErrorKind::InvalidInput, "could not build the request")
                .with_retryable(false)
                .with_source(e.without_url())
        });
    };
    let (parts, body) = request.into_parts();
    let mut out = reqwest::Request::new(parts.method, url);
    *out.headers_mut() = parts.headers;
    *out.version_mut() = parts.version;
    if !body.is_empty() {
        *out.body_mut() = Some(reqwest::Body::from(body));
    }
    Ok(out)
}

impl Service<Request> for ReqwestTransport {
    type Response = Response;
    type Error = Error;
    type Future = BoxFuture<'static, Result<Response>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request) -> Self::Future {
        let client = self.client.clone();
        let max_body = self.max_body;
        let dispatch = Dispatch::of(&request);
        let operation = RequestMeta::of(&request).operation();
        Box::pin(async move {
            let request = to_reqwest(request).inspect_err(|_| dispatch.mark_not_sent())?;
            let mut response = client
                .execute(request)
                .await
                .map_err(|e| send_error(e, &dispatch))?;
            let status = response.status();
            if response
                .content_length()
                .is_some_and(|n| n > max_body as u64)
            {
                return Err(too_large(max_body));
            }
            let version = response.version();
            let headers = std::mem::take(response.headers_mut());
            let body = if response.content_length().is_some() {
                // Announced and within the cap (hyper enforces the length): read it whole.
                response.bytes().await.map_err(body_error)?
            } else {
                let mut body = BytesMut::new();
                while let Some(chunk) = response.chunk().await.map_err(body_error)? {
                    if body.len() + chunk.len() > max_body {
                        return Err(too_large(max_body));
                    }
                    body.extend_from_slice(&chunk);
                }
                body.freeze()
            };
            let mut out = Response::new(body);
            *out.status_mut() = status;
            *out.version_mut() = version;
            *out.headers_mut() = headers;
            // `mis sync` counts requests from this event (target `mis_http::transport`).
            tracing::trace!(operation, status = status.as_u16(), "received");
            Ok(out)
        })
    }
}

/// The host (and port) a request went to, for a connection error: never the path, query or
/// any credential (base URLs hold none).
fn host_of(error: &reqwest::Error) -> String {
    match error.url() {
        Some(url) => match (url.host_str(), url.port()) {
            (Some(host), Some(port)) => format!("{host}:{port}"),
            (Some(host), None) => host.to_owned(),
            _ => "the vendor".to_owned(),
        },
        None => "the vendor".to_owned(),
    }
}

/// Why a connection could not be opened, from the error's source chain.
fn connect_cause(error: &(dyn std::error::Error + 'static)) -> &'static str {
    let mut cause = None;
    let mut current = Some(error);
    while let Some(e) = current {
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            match io.kind() {
                std::io::ErrorKind::ConnectionRefused => return "connection refused",
                std::io::ErrorKind::TimedOut => return "timed out",
                std::io::ErrorKind::ConnectionReset => cause = Some("connection reset"),
                std::io::ErrorKind::NetworkUnreachable | std::io::ErrorKind::HostUnreachable => {
                    return "host unreachable";
                }
                _ => {}
            }
        }
        let text = e.to_string().to_ascii_lowercase();
        if text.contains("dns error") || text.contains("failed to lookup address") {
            return "DNS lookup failed";
        }
        if text.contains("certificate")
            || text.contains("tls")
            || text.contains("handshake")
            || text.contains("invalid peer")
        {
            return "TLS handshake failed";
        }
        current = e.source();
    }
    cause.unwrap_or("connection failed")
}

fn send_error(error: reqwest::Error, dispatch: &Dispatch) -> Error {
    let host = host_of(&error);
    let error = error.without_url();
    if error.is_connect() {
        // Nothing reached the server: safe to retry even a POST.
        dispatch.mark_not_sent();
        let cause = if error.is_timeout() {
            "timed out"
        } else {
            connect_cause(&error)
        };
        let kind = if cause == "timed out" {
            ErrorKind::Timeout
        } else {
            ErrorKind::Unavailable
        };
        Error::new(kind, format!("could not connect to {host}: {cause}")).with_source(error)
    } else if error.is_timeout() {
        Error::new(
            ErrorKind::Timeout,
            format!("the request to {host} timed out"),
        )
        .with_source(error)
    } else {
        let cause = connect_cause(&error);
        let message = if cause == "TLS handshake failed" {
            format!("could not connect to {host}: {cause}")
        } else {
            format!("the connection to {host} failed while sending the request")
        };
        Error::new(ErrorKind::Unavailable, message).with_source(error)
    }
}

fn body_error(error: reqwest::Error) -> Error {
    let error = error.without_url();
    if error.is_timeout() {
        Error::new(ErrorKind::Timeout, "timed out reading the response").with_source(error)
    } else {
        Error::new(
            ErrorKind::Unavailable,
            "the response was cut short (connection reset or truncated body)",
        )
        .with_source(error)
    }
}
