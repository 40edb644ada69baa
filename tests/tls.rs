//! A client trusting a custom root certificate authority talks to an HTTPS server whose
//! certificate that authority signed; without it, the same client fails with an error that
//! says the certificate is not trusted.
//!
//! This is the school network that inspects TLS: a proxy re-signs every connection with the
//! school's own authority, which no public root set contains. The server here is the GO 4
//! Schools emulator served over TLS with `fixtures/tls/server.pem` (for `127.0.0.1` and
//! `localhost`), signed by `fixtures/tls/ca.pem`. Both were made once with `openssl` (an
//! EC P-256 root valid for 100 years, whose private key was thrown away, and a leaf signed
//! by it); see `fixtures/tls/README.md`.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use axum::serve::Listener;
use futures::TryStreamExt;
use mis_core::{ErrorKind, MisProvider, StudentQuery};
use mis_http::{ClientOptions, OpenRequest, RetryConfig};
use mis_sandbox::emulator::{Core, FaultPlan, Faults, Stats, with_faults};
use mis_sandbox::{EmulatorContext, EmulatorOptions, School};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::ServerConfig;
use tokio_rustls::rustls::crypto::ring;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::server::TlsStream;

const CA_PEM: &[u8] = include_bytes!("fixtures/tls/ca.pem");
const SERVER_PEM: &[u8] = include_bytes!("fixtures/tls/server.pem");
const SERVER_KEY: &[u8] = include_bytes!("fixtures/tls/server.key");

/// A TCP listener that hands axum only connections whose TLS handshake succeeded. A
/// handshake that fails (the client does not trust the certificate) is dropped and the next
/// connection accepted, as a real server would.
struct TlsListener {
    tcp: TcpListener,
    acceptor: TlsAcceptor,
}

impl Listener for TlsListener {
    type Io = TlsStream<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            let Ok((tcp, addr)) = self.tcp.accept().await else {
                continue;
            };
            if let Ok(tls) = self.acceptor.accept(tcp).await {
                return (tls, addr);
            }
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        self.tcp.local_addr()
    }
}

fn acceptor() -> TlsAcceptor {
    let chain = CertificateDer::pem_slice_iter(SERVER_PEM)
        .collect::<Result<Vec<_>, _>>()
        .expect("the server certificate is PEM");
    let key = PrivateKeyDer::from_pem_slice(SERVER_KEY).expect("the server key is PEM");
    // The provider is named rather than taken from the process default, which depends on
    // which of rustls's crypto features the build happens to enable.
    let config = ServerConfig::builder_with_provider(Arc::new(ring::default_provider()))
        .with_safe_default_protocol_versions()
        .expect("TLS 1.2 and 1.3")
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .expect("the key matches the certificate");
    TlsAcceptor::from(Arc::new(config))
}

/// The GO 4 Schools emulator over `school`, served over TLS on a free loopback port;
/// returns its `https://127.0.0.1:<port>` and the API key it accepts.
async fn serve_https(school: Arc<School>) -> (String, String) {
    let emulator = mis_sandbox::emulator::go4schools::EMULATOR;
    let faults = Arc::new(Faults::new(FaultPlan::none()));
    let stats = Arc::new(Stats::default());
    let ctx = EmulatorContext {
        school,
        options: EmulatorOptions::default(),
        faults: faults.clone(),
        stats: stats.clone(),
    };
    let built = (emulator.build)(&ctx);
    let api_key = built.credentials.get("api_key").expect("a key").to_owned();
    let core = Core {
        faults,
        stats,
        throttle: built.throttle,
    };
    // GO 4 Schools' emulator does not read the peer address (only the per-IP quotas of
    // HUBmis and ManageBac do), so no connect info is attached.
    let app = with_faults(built.router, core);
    let tcp = TcpListener::bind(("127.0.0.1", 0)).await.expect("a port");
    let addr = tcp.local_addr().expect("bound");
    let listener = TlsListener {
        tcp,
        acceptor: acceptor(),
    };
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (format!("https://{addr}"), api_key)
}

fn school() -> Arc<School> {
    Arc::new(School::generate(11, 6))
}

/// One attempt only: a certificate the client does not trust is not going to become
/// trusted on a retry, and the test must not wait out a backoff.
fn one_attempt(options: ClientOptions) -> ClientOptions {
    options.with_retry(RetryConfig::default().max_attempts(1))
}

async fn students(options: ClientOptions, api_key: &str) -> mis_core::Result<usize> {
    let vars = BTreeMap::from([(mis_go4schools::ENV_API_KEY.to_owned(), api_key.to_owned())]);
    let lookup = |name: &str| vars.get(name).cloned();
    let provider: Arc<dyn MisProvider> =
        (mis_go4schools::DESCRIPTOR.open)(OpenRequest::new(options, &lookup))?;
    let list: Vec<_> = provider.students(StudentQuery::new()).try_collect().await?;
    Ok(list.len())
}

#[tokio::test]
async fn a_client_trusting_the_schools_root_ca_reads_over_https() {
    let school = school();
    let on_roll = school.summary().students_on_roll;
    let (base, api_key) = serve_https(school).await;
    let options = ClientOptions::new()
        .with_base_url(&base)
        .with_root_certificate_pem(CA_PEM)
        .expect("the CA is PEM");
    let n = students(one_attempt(options), &api_key)
        .await
        .expect("reads over HTTPS");
    assert_eq!(n, on_roll);
}

#[tokio::test]
async fn the_root_ca_can_come_from_mis_ca_cert() {
    let school = school();
    let on_roll = school.summary().students_on_roll;
    let (base, api_key) = serve_https(school).await;
    let ca = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/tls/ca.pem");
    let vars = BTreeMap::from([
        ("MIS_GO4SCHOOLS_BASE_URL", base),
        ("MIS_CA_CERT", ca.display().to_string()),
    ]);
    let options = ClientOptions::from_lookup(mis_go4schools::VENDOR_ID, |name: &str| {
        vars.get(name).cloned()
    })
    .expect("the variables are good");
    let n = students(one_attempt(options), &api_key)
        .await
        .expect("reads over HTTPS");
    assert_eq!(n, on_roll);
}

#[tokio::test]
async fn without_the_root_ca_the_error_names_the_certificate() {
    let (base, api_key) = serve_https(school()).await;
    let options = ClientOptions::new().with_base_url(&base);
    let e = students(one_attempt(options), &api_key)
        .await
        .expect_err("the certificate is not trusted");
    let text = format!("{e}").to_ascii_lowercase();
    assert!(
        text.contains("certificate") || text.contains("tls"),
        "the error should say why: {e}"
    );
    assert_ne!(e.kind(), ErrorKind::Unauthenticated, "{e}");
    eprintln!("without the CA: {:?}: {e}", e.kind());
}
