//! TLS for `--out postgres://…`: the URL's `sslmode` and `sslrootcert`, with libpq's meaning
//! (<https://www.postgresql.org/docs/current/libpq-ssl.html>), over rustls with the ring
//! provider.
//!
//! | `sslmode` | TLS | what is checked |
//! |---|---|---|
//! | `disable` | never | nothing |
//! | `prefer` (the default) | when the server offers it, plain otherwise | nothing |
//! | `require` | always | nothing: encrypted, but anyone on the path can pose as the server |
//! | `verify-ca` | always | the certificate chains to a trusted root |
//! | `verify-full` | always | the chain, and that the certificate names the host in the URL |
//!
//! `verify-full` is the only mode that stops a machine in the middle: `prefer` and `require`
//! encrypt against a passive listener only, as in libpq. As in libpq, `require` behaves as
//! `verify-ca` when a root certificate file is given.
//!
//! Trusted roots: the PEM file named by `sslrootcert=PATH` in the URL (or the `PGSSLROOTCERT`
//! environment variable), and nothing else, as in libpq. Without one, or with
//! `sslrootcert=system`, the roots are the Mozilla set (webpki-roots) plus the operating
//! system's store: libpq would instead read `~/.postgresql/root.crt`, which is not read here.
//! `PGSSLMODE` sets the mode when the URL has no `sslmode`. Client certificates (`sslcert`,
//! `sslkey`) are not supported and are refused rather than ignored.

use std::path::PathBuf;
use std::sync::Arc;

use mis_core::{Error, ErrorKind, Result};
use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, DigitallySignedStruct, RootCertStore, SignatureScheme};
use tokio_postgres::config::{Host, SslMode as PgSslMode};
use tokio_postgres_rustls::MakeRustlsConnect;

/// libpq's `sslmode` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SslMode {
    /// Plain TCP only.
    Disable,
    /// TLS when the server offers it, no certificate check (libpq's default).
    Prefer,
    /// TLS, no certificate check.
    Require,
    /// TLS, the certificate chains to a trusted root (any host name).
    VerifyCa,
    /// TLS, the certificate chains to a trusted root and names the host.
    VerifyFull,
}

impl SslMode {
    fn parse(s: &str) -> Result<SslMode> {
        Ok(match s {
            "disable" => SslMode::Disable,
            "prefer" => SslMode::Prefer,
            "require" => SslMode::Require,
            "verify-ca" => SslMode::VerifyCa,
            "verify-full" => SslMode::VerifyFull,
            // libpq's `allow` (plain first, TLS only if refused) has no equivalent in
            // tokio-postgres: say so rather than quietly picking another mode.
            other => {
                return Err(Error::invalid_input(format!(
                    "--out: sslmode={other} is not supported; use disable, prefer, require, \
                     verify-ca or verify-full"
                )));
            }
        })
    }

    /// The name libpq uses.
    pub fn as_str(self) -> &'static str {
        match self {
            SslMode::Disable => "disable",
            SslMode::Prefer => "prefer",
            SslMode::Require => "require",
            SslMode::VerifyCa => "verify-ca",
            SslMode::VerifyFull => "verify-full",
        }
    }
}

/// Where the trusted roots come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Roots {
    /// webpki-roots and the operating system's store.
    System,
    /// Only the certificates in this PEM file.
    File(PathBuf),
}

/// A parsed `postgres://…` URL: the connection settings tokio-postgres understands, and the
/// TLS settings it does not.
pub struct Target {
    /// Everything but the TLS settings.
    pub config: tokio_postgres::Config,
    /// The mode in force (a `require` with a root file is already `VerifyCa` here).
    pub mode: SslMode,
    /// The trusted roots (used by `verify-ca` and `verify-full` only).
    pub roots: Roots,
}

impl std::fmt::Debug for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // `config` holds the password: only the parts that are not secret.
        f.debug_struct("Target")
            .field("server", &server(&self.config))
            .field("mode", &self.mode)
            .field("roots", &self.roots)
            .finish_non_exhaustive()
    }
}

/// Decodes `%XX` escapes (and leaves a malformed escape as it is, as libpq's URI parser
/// would reject it anyway when tokio-postgres reads the rest).
fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (bytes[i], bytes.get(i + 1), bytes.get(i + 2)) {
            (b'%', Some(&h), Some(&l)) if hex(h).is_some() && hex(l).is_some() => {
                out.push(((hex(h).unwrap_or(0) << 4) | hex(l).unwrap_or(0)) as u8);
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Splits `url` into the URL tokio-postgres reads and the TLS settings it does not know;
/// `env` reads `PGSSLMODE` and `PGSSLROOTCERT` (the URL wins over both).
pub fn parse(url: &str, env: &dyn Fn(&str) -> Option<String>) -> Result<Target> {
    // The query starts at the first `?` after the credentials: tokio-postgres ends the
    // credentials at the first `@`, so a `?` inside a password stays part of it.
    let after_scheme = url.find("://").map_or(0, |i| i + 3);
    let after_credentials = url[after_scheme..]
        .find('@')
        .map_or(after_scheme, |i| after_scheme + i + 1);
    let (base, query) = match url[after_credentials..].find('?') {
        Some(i) => url.split_at(after_credentials + i),
        None => (url, ""),
    };
    let mut kept = Vec::new();
    let mut mode = None;
    let mut root_file = None;
    for pair in query
        .trim_start_matches('?')
        .split('&')
        .filter(|p| !p.is_empty())
    {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        match percent_decode(key).as_str() {
            "sslmode" => mode = Some(SslMode::parse(&percent_decode(value))?),
            "sslrootcert" => root_file = Some(percent_decode(value)),
            k @ ("sslcert" | "sslkey" | "sslpassword" | "sslcrl" | "sslcrldir") => {
                return Err(Error::invalid_input(format!(
                    "--out: {k} is not supported (no client certificates or CRLs); \
                     authenticate with a password, or through pg_hba.conf"
                )));
            }
            _ => kept.push(pair),
        }
    }
    let rebuilt = if kept.is_empty() {
        base.to_string()
    } else {
        format!("{base}?{}", kept.join("&"))
    };
    let config: tokio_postgres::Config = rebuilt.parse().map_err(|e| {
        // tokio-postgres's parse errors name the option, never the URL or its password.
        Error::invalid_input(format!("--out: not a PostgreSQL URL: {e}"))
    })?;
    let mode = match mode {
        Some(m) => m,
        None => match env("PGSSLMODE").filter(|v| !v.is_empty()) {
            Some(v) => SslMode::parse(&v)?,
            None => SslMode::Prefer,
        },
    };
    let root_file = root_file.or_else(|| env("PGSSLROOTCERT").filter(|v| !v.is_empty()));
    let roots = match root_file.as_deref() {
        None | Some("system") => Roots::System,
        Some(path) => Roots::File(PathBuf::from(path)),
    };
    let mode = match (mode, &roots) {
        (SslMode::Require, Roots::File(_)) => SslMode::VerifyCa,
        (m, _) => m,
    };
    Ok(Target {
        config,
        mode,
        roots,
    })
}

/// `host:port` of every host in `config` (no user, database or password), for messages.
pub fn server(config: &tokio_postgres::Config) -> String {
    let ports = config.get_ports();
    let hosts = config.get_hosts();
    if hosts.is_empty() {
        return "localhost".to_string();
    }
    hosts
        .iter()
        .enumerate()
        .map(|(i, h)| {
            let host = match h {
                Host::Tcp(name) => name.clone(),
                #[cfg(unix)]
                Host::Unix(path) => path.display().to_string(),
            };
            // One port for all hosts, or one per host (libpq's rule).
            let port = ports.get(i).or(ports.first()).copied().unwrap_or(5432);
            format!("{host}:{port}")
        })
        .collect::<Vec<_>>()
        .join(",")
}

fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

fn tls_error(what: String) -> Error {
    Error::new(ErrorKind::InvalidInput, format!("--out: {what}")).with_retryable(false)
}

fn root_store(roots: &Roots) -> Result<RootCertStore> {
    let mut store = RootCertStore::empty();
    match roots {
        Roots::System => {
            store.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
            let native = rustls_native_certs::load_native_certs();
            for e in &native.errors {
                tracing::debug!("skipping part of the OS certificate store: {e}");
            }
            let (added, ignored) = store.add_parsable_certificates(native.certs);
            tracing::debug!(added, ignored, "OS root certificates");
        }
        Roots::File(path) => {
            let cannot = |e: &dyn std::fmt::Display| {
                tls_error(format!("sslrootcert {}: {e}", path.display()))
            };
            let certs = CertificateDer::pem_file_iter(path)
                .map_err(|e| cannot(&e))?
                .collect::<std::result::Result<Vec<_>, _>>()
                .map_err(|e| cannot(&e))?;
            if certs.is_empty() {
                return Err(cannot(&"no PEM certificate in the file"));
            }
            for cert in certs {
                store.add(cert).map_err(|e| cannot(&e))?;
            }
        }
    }
    Ok(store)
}

/// The TLS connector for `target` (also built for `disable`, where tokio-postgres never uses
/// it: one connection type for every mode).
pub fn connector(target: &Target) -> Result<MakeRustlsConnect> {
    let provider = provider();
    let verifier: Arc<dyn ServerCertVerifier> = match target.mode {
        SslMode::Disable | SslMode::Prefer | SslMode::Require => Arc::new(NoCertificateCheck {
            provider: provider.clone(),
        }),
        SslMode::VerifyCa | SslMode::VerifyFull => {
            let webpki = WebPkiServerVerifier::builder_with_provider(
                Arc::new(root_store(&target.roots)?),
                provider.clone(),
            )
            .build()
            .map_err(|e| tls_error(format!("cannot build the certificate verifier: {e}")))?;
            if target.mode == SslMode::VerifyCa {
                Arc::new(AnyHostName { webpki })
            } else {
                webpki
            }
        }
    };
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| tls_error(format!("TLS settings: {e}")))?
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth();
    Ok(MakeRustlsConnect::new(config))
}

/// What tokio-postgres is told: it knows only disable / prefer / require; the verify modes
/// are `require` plus the verifier of [`connector`].
pub fn pg_mode(mode: SslMode) -> PgSslMode {
    match mode {
        SslMode::Disable => PgSslMode::Disable,
        SslMode::Prefer => PgSslMode::Prefer,
        SslMode::Require | SslMode::VerifyCa | SslMode::VerifyFull => PgSslMode::Require,
    }
}

/// The hint added to a connection error, when there is one the user can act on.
pub fn hint(mode: SslMode, e: &tokio_postgres::Error) -> Option<&'static str> {
    // The TLS cause sits under tokio-postgres's error as an io::Error wrapping rustls's.
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        let rustls_error = s
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
            .and_then(|inner| inner.downcast_ref::<rustls::Error>())
            .or_else(|| s.downcast_ref::<rustls::Error>());
        if let Some(rustls::Error::InvalidCertificate(c)) = rustls_error {
            return Some(match c {
                CertificateError::UnknownIssuer | CertificateError::BadSignature => {
                    "the server's certificate is not signed by a trusted root: set \
                     sslrootcert=PATH (or PGSSLROOTCERT) to the CA that signed it"
                }
                CertificateError::NotValidForName
                | CertificateError::NotValidForNameContext { .. } => {
                    "the server's certificate does not name the host in the URL: connect by \
                     a name the certificate holds"
                }
                CertificateError::Expired | CertificateError::ExpiredContext { .. } => {
                    "the server's certificate has expired"
                }
                _ => "the server's certificate was rejected",
            });
        }
        source = s.source();
    }
    // PostgreSQL's pg_hba.conf refusal of a plain connection ends with "no encryption".
    let text = super::postgres::describe(e);
    if mode == SslMode::Disable && text.contains("no encryption") {
        return Some("the server accepts only TLS connections: use sslmode=verify-full");
    }
    if mode != SslMode::Disable
        && mode != SslMode::Prefer
        && text.contains("server does not support TLS")
    {
        return Some("the server does not offer TLS: turn on ssl in postgresql.conf");
    }
    None
}

/// `sslmode=prefer` / `require`: encrypted, but no check of who is at the other end
/// (libpq's meaning). The handshake signatures are still checked, so the server holds the
/// key of the certificate it sent, whatever that certificate is.
#[derive(Debug)]
struct NoCertificateCheck {
    provider: Arc<CryptoProvider>,
}

impl ServerCertVerifier for NoCertificateCheck {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> std::result::Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

/// `sslmode=verify-ca`: the chain is checked against the roots, the host name is not.
/// webpki checks the chain before the name, so a name mismatch means the chain was good.
#[derive(Debug)]
struct AnyHostName {
    webpki: Arc<WebPkiServerVerifier>,
}

impl ServerCertVerifier for AnyHostName {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> std::result::Result<ServerCertVerified, rustls::Error> {
        match self.webpki.verify_server_cert(
            end_entity,
            intermediates,
            server_name,
            ocsp_response,
            now,
        ) {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        self.webpki.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        self.webpki.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.webpki.supported_verify_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_env(_: &str) -> Option<String> {
        None
    }

    #[test]
    fn sslmode_and_sslrootcert_are_taken_out_of_the_url() {
        let t = parse(
            "postgres://mis:p%3Fw@db.example:6432/trust?sslmode=verify-full&application_name=mis&sslrootcert=%2Ftmp%2Fca.pem",
            &no_env,
        )
        .unwrap();
        assert_eq!(t.mode, SslMode::VerifyFull);
        assert_eq!(t.roots, Roots::File("/tmp/ca.pem".into()));
        assert_eq!(t.config.get_application_name(), Some("mis"));
        assert_eq!(t.config.get_dbname(), Some("trust"));
        assert_eq!(t.config.get_password(), Some(&b"p?w"[..]));
        assert_eq!(server(&t.config), "db.example:6432");
        assert_eq!(pg_mode(t.mode), PgSslMode::Require);
        // Debug never shows the password.
        assert!(!format!("{t:?}").contains("p?w"));
    }

    #[test]
    fn the_default_is_prefer_and_the_environment_fills_in() {
        let t = parse("postgres://mis@localhost/db", &no_env).unwrap();
        assert_eq!((t.mode, t.roots), (SslMode::Prefer, Roots::System));
        let env = |k: &str| match k {
            "PGSSLMODE" => Some("verify-ca".to_string()),
            "PGSSLROOTCERT" => Some("/etc/ca.pem".to_string()),
            _ => None,
        };
        let t = parse("postgres://mis@localhost/db", &env).unwrap();
        assert_eq!(t.mode, SslMode::VerifyCa);
        assert_eq!(t.roots, Roots::File("/etc/ca.pem".into()));
        // The URL wins over the environment.
        let t = parse(
            "postgres://mis@localhost/db?sslmode=disable&sslrootcert=system",
            &env,
        )
        .unwrap();
        assert_eq!((t.mode, t.roots), (SslMode::Disable, Roots::System));
    }

    #[test]
    fn require_with_a_root_file_verifies_the_chain_as_libpq_does() {
        let t = parse(
            "postgres://h/db?sslmode=require&sslrootcert=ca.pem",
            &no_env,
        )
        .unwrap();
        assert_eq!(t.mode, SslMode::VerifyCa);
        let t = parse("postgres://h/db?sslmode=require", &no_env).unwrap();
        assert_eq!(t.mode, SslMode::Require);
    }

    #[test]
    fn unsupported_settings_are_refused_without_echoing_the_url() {
        let e = parse("postgres://u:hunter2@h/db?sslmode=allow", &no_env).unwrap_err();
        assert!(e.to_string().contains("sslmode=allow"), "{e}");
        let e = parse("postgres://u:hunter2@h/db?sslcert=c.pem", &no_env).unwrap_err();
        assert!(e.to_string().contains("sslcert"), "{e}");
        let e = parse("postgres://u:hunter2@h/db?nonsense=1", &no_env).unwrap_err();
        assert!(!e.to_string().contains("hunter2"), "{e}");
    }

    #[test]
    fn a_missing_root_file_is_named() {
        let t = parse(
            "postgres://h/db?sslmode=verify-full&sslrootcert=/nonexistent/ca.pem",
            &no_env,
        )
        .unwrap();
        let e = connector(&t).err().unwrap().to_string();
        assert!(e.contains("sslrootcert /nonexistent/ca.pem"), "{e}");
        // The system roots load (webpki-roots at least).
        let t = parse("postgres://h/db?sslmode=verify-full", &no_env).unwrap();
        assert!(connector(&t).is_ok());
    }
}
