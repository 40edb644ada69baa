//! Base URLs, the HTTPS rule and path building.
//!
//! Every URL a client sends to is built here, so the security rules live in one place:
//! HTTPS only (plain HTTP only to loopback, for tests and the sandbox), no credentials or
//! query in the base, and caller-supplied path segments are percent-encoded so that an id like
//! `../x` or `a/b` can never change which endpoint is called.

use std::fmt;
use std::net::IpAddr;

use ::url::{Host, Url};
use mis_core::{Error, Result};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

/// Characters left as they are in a path segment: RFC 3986 "unreserved". Everything else,
/// notably `/`, `?`, `#`, `%` and `;`, is percent-encoded.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// A vendor's base URL, checked against the HTTPS rule.
///
/// `https://` is accepted for any host; `http://` only for loopback hosts (`127.0.0.0/8`,
/// `::1`, `localhost`). A trailing slash is ignored. A base URL may have a path (Classe365's
/// `https://<school>.classe365.com/restv2`) but no credentials, query or fragment.
#[derive(Clone, PartialEq, Eq)]
pub struct BaseUrl {
    url: Url,
}

impl BaseUrl {
    /// Parses and checks a base URL.
    ///
    /// Errors are [`ErrorKind::InvalidInput`](mis_core::ErrorKind::InvalidInput) and name the
    /// problem. They never echo the whole input, which might hold a `user:password@`.
    pub fn parse(input: &str) -> Result<Self> {
        let mut url = Url::parse(input.trim())
            .map_err(|e| Error::invalid_input(format!("base URL is not a valid URL: {e}")))?;
        if !url.username().is_empty() || url.password().is_some() {
            return Err(Error::invalid_input(
                "base URL must not contain credentials (user:password@); pass them in the config",
            ));
        }
        let host = match url.host() {
            Some(host) => host.to_owned(),
            None => return Err(Error::invalid_input("base URL has no host")),
        };
        match url.scheme() {
            "https" => {}
            "http" if is_loopback(&host) => {}
            "http" => {
                return Err(Error::invalid_input(format!(
                    "base URL must use https:// (plain http:// is only allowed for loopback \
                     hosts 127.0.0.1, ::1 and localhost, not {host})"
                )));
            }
            other => {
                return Err(Error::invalid_input(format!(
                    "base URL scheme must be https, not {other}"
                )));
            }
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err(Error::invalid_input(
                "base URL must not contain a query string or fragment",
            ));
        }
        let path = url.path().trim_end_matches('/').to_owned();
        url.set_path(&path);
        Ok(BaseUrl { url })
    }

    /// The URL, without a trailing slash.
    pub fn as_url(&self) -> &Url {
        &self.url
    }

    /// The URL as text, without a trailing slash.
    pub fn as_str(&self) -> &str {
        self.url.as_str().trim_end_matches('/')
    }

    /// Builds `base + prefix + segments`, percent-encoding every segment.
    ///
    /// `prefix` is the vendor's documented path prefix (`/api/v1`, `/v2p1`); it is split on
    /// `/` and each part encoded like a segment. `segments` are encoded whole: `a/b` becomes
    /// `a%2Fb`. Empty, `.` and `..` segments are refused with `InvalidInput`, because URL
    /// parsers collapse them (even percent-encoded) and they would change the endpoint.
    pub fn join(&self, prefix: &str, segments: &[&str]) -> Result<Url> {
        let base_path = self.url.path().trim_end_matches('/');
        let mut path = String::with_capacity(base_path.len() + prefix.len() + 64);
        path.push_str(base_path);
        for part in prefix.split('/').filter(|p| !p.is_empty()) {
            push_segment(&mut path, part)?;
        }
        for segment in segments {
            push_segment(&mut path, segment)?;
        }
        let mut url = self.url.clone();
        url.set_path(&path);
        Ok(url)
    }

    /// Resolves `target` for a request outside the usual prefix.
    ///
    /// `target` is either a path starting with `/` (taken from the host's root, not the base
    /// path) or an absolute URL on the same origin (scheme, host and port) as the base.
    /// Another origin is refused with `InvalidInput`: credentials are applied to every request,
    /// and must never be sent to a host the caller did not configure.
    pub fn resolve(&self, target: &str) -> Result<Url> {
        let url = if target.starts_with('/') && !target.starts_with("//") {
            self.url
                .join(target)
                .map_err(|e| Error::invalid_input(format!("invalid request path: {e}")))?
        } else {
            Url::parse(target)
                .map_err(|e| Error::invalid_input(format!("invalid request URL: {e}")))?
        };
        if !self.same_origin(&url) {
            let host = url.host_str().unwrap_or("");
            return Err(Error::invalid_input(format!(
                "refusing to send a request to {}://{host}: it is not the configured origin",
                url.scheme()
            )));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(Error::invalid_input(
                "request URL must not contain credentials (user:password@)",
            ));
        }
        Ok(url)
    }

    /// Whether `url` has the same scheme, host and port as this base.
    pub fn same_origin(&self, url: &Url) -> bool {
        url.scheme() == self.url.scheme()
            && url.host() == self.url.host()
            && url.port_or_known_default() == self.url.port_or_known_default()
    }

    /// [`BaseUrl::same_origin`] for an `http::Uri`, without parsing it into a URL.
    pub(crate) fn same_origin_uri(&self, uri: &http::Uri) -> bool {
        let default_port = |scheme: &str| match scheme {
            "https" => Some(443),
            "http" => Some(80),
            _ => None,
        };
        let (Some(scheme), Some(host)) = (uri.scheme_str(), uri.host()) else {
            return false;
        };
        scheme.eq_ignore_ascii_case(self.url.scheme())
            && self
                .url
                .host_str()
                .is_some_and(|own| own.eq_ignore_ascii_case(host))
            && uri.port_u16().or_else(|| default_port(scheme)) == self.url.port_or_known_default()
            && uri.authority().is_some_and(|a| !a.as_str().contains('@'))
    }
}

/// A client's base URL and path prefix, with what every request needs prepared once: the
/// base and prefix as a URL to join segments under, and the scheme and authority of the
/// `http::Uri` a request carries.
///
/// Both are shortcuts that give the same result as the plain way, which is still taken when
/// a shortcut does not apply: [`Endpoint::join`] equals [`BaseUrl::join`], and
/// [`Endpoint::uri`] equals parsing the URL's text as a URI.
#[derive(Clone)]
pub(crate) struct Endpoint {
    base: BaseUrl,
    prefix: String,
    /// `base + prefix`: segments made of unreserved characters only are appended to its path
    /// as they are, so the URL parser reads only them, not the whole path again.
    under: Url,
    scheme: http::uri::Scheme,
    /// The base URL's authority; `None` when it cannot be one (the plain parse then decides).
    authority: Option<http::uri::Authority>,
}

impl Endpoint {
    /// Prepares `base` and `prefix`; fails as [`BaseUrl::join`] would for a bad prefix.
    pub(crate) fn new(base: BaseUrl, prefix: &str) -> Result<Self> {
        let under = base.join(prefix, &[])?;
        let scheme = if base.url.scheme() == "https" {
            http::uri::Scheme::HTTPS
        } else {
            http::uri::Scheme::HTTP
        };
        let authority = http::uri::Authority::try_from(base.url.authority()).ok();
        Ok(Endpoint {
            base,
            prefix: prefix.to_owned(),
            under,
            scheme,
            authority,
        })
    }

    /// The base URL.
    pub(crate) fn base(&self) -> &BaseUrl {
        &self.base
    }

    /// The path prefix.
    pub(crate) fn prefix(&self) -> &str {
        &self.prefix
    }

    /// `base + prefix + segments`, as [`BaseUrl::join`].
    ///
    /// When every segment is made of unreserved characters only (`students`, `42`) and is not
    /// `.` or `..`, encoding leaves it as it is, both here and in the URL's own segment
    /// encoding: it is appended to the prepared `base + prefix` as a path segment, which
    /// parses only the segments. Any other segment takes the plain way.
    pub(crate) fn join(&self, segments: &[&str]) -> Result<Url> {
        let plain = |s: &&str| {
            !matches!(*s, "" | "." | "..")
                && s.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
        };
        if segments.is_empty() || !segments.iter().all(plain) {
            return self.base.join(&self.prefix, segments);
        }
        let mut url = self.under.clone();
        match url.path_segments_mut() {
            Ok(mut path) => {
                path.extend(segments);
            }
            // Not reached: an http(s) URL always has a path to append to.
            Err(()) => return self.base.join(&self.prefix, segments),
        }
        Ok(url)
    }

    /// The `http::Uri` for `url`, as parsing `url`'s text would give it.
    ///
    /// A URL on the base URL's scheme and authority (every URL [`Endpoint::join`] and
    /// [`BaseUrl::resolve`] make) reuses the scheme and authority parsed once; only its path
    /// and query are parsed. Any other URL is parsed whole.
    pub(crate) fn uri(&self, url: &Url) -> Result<http::Uri> {
        let text = url.as_str();
        let unparsable =
            || Error::invalid_input("the request URL cannot be expressed as an HTTP URI");
        // The longest URI `http` parses; beyond it the plain parse gives the error.
        const MAX_URI: usize = u16::MAX as usize - 1;
        match &self.authority {
            Some(authority)
                if text.len() <= MAX_URI
                    && url.scheme() == self.scheme.as_str()
                    && url.authority() == authority.as_str() =>
            {
                // A fragment is not part of an HTTP URI: the parse of the text drops it too.
                let path = &url[::url::Position::BeforePath..::url::Position::AfterQuery];
                let path = http::uri::PathAndQuery::from_maybe_shared(
                    bytes::Bytes::copy_from_slice(path.as_bytes()),
                )
                .map_err(|_| unparsable())?;
                let mut parts = http::uri::Parts::default();
                parts.scheme = Some(self.scheme.clone());
                parts.authority = Some(authority.clone());
                parts.path_and_query = Some(path);
                http::Uri::from_parts(parts).map_err(|_| unparsable())
            }
            _ => http::Uri::try_from(text).map_err(|_| unparsable()),
        }
    }
}

impl fmt::Debug for BaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Parsing refused credentials and queries, so the URL holds nothing secret.
        f.debug_tuple("BaseUrl").field(&self.as_str()).finish()
    }
}

impl fmt::Display for BaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for BaseUrl {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        BaseUrl::parse(s)
    }
}

/// Percent-encodes one path segment (everything but RFC 3986 unreserved characters).
///
/// Refuses `""`, `"."` and `".."` with `InvalidInput`: they cannot be expressed as a single
/// segment, because URL parsers collapse them, even percent-encoded.
pub fn encode_segment(segment: &str) -> Result<String> {
    match segment {
        "" => Err(Error::invalid_input("a URL path segment must not be empty")),
        "." | ".." => Err(Error::invalid_input(
            "a URL path segment must not be `.` or `..`",
        )),
        _ => Ok(utf8_percent_encode(segment, SEGMENT).to_string()),
    }
}

/// Appends `/` and `segment` percent-encoded to `path`, with the checks of
/// [`encode_segment`] and no allocation of its own.
fn push_segment(path: &mut String, segment: &str) -> Result<()> {
    if matches!(segment, "" | "." | "..") {
        return encode_segment(segment).map(drop);
    }
    path.push('/');
    path.extend(utf8_percent_encode(segment, SEGMENT));
    Ok(())
}

fn is_loopback(host: &Host<String>) -> bool {
    match host {
        Host::Domain(name) => name.eq_ignore_ascii_case("localhost"),
        Host::Ipv4(ip) => IpAddr::V4(*ip).is_loopback(),
        Host::Ipv6(ip) => IpAddr::V6(*ip).is_loopback(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mis_core::ErrorKind;

    #[test]
    fn https_anywhere_http_only_on_loopback() {
        assert!(BaseUrl::parse("https://api.hubmis.com").is_ok());
        for ok in [
            "http://127.0.0.1:8080",
            "http://127.1.2.3",
            "http://localhost:3000/api",
            "http://LOCALHOST",
            "http://[::1]:9000",
        ] {
            assert!(BaseUrl::parse(ok).is_ok(), "{ok}");
        }
        for bad in [
            "http://example.com",
            "http://10.0.0.1",
            "http://localhost.evil.com",
            "ftp://example.com",
            "https://user:s3cr3t@example.com",
            "https://example.com/?key=s3cr3t",
            "not a url",
        ] {
            let err = BaseUrl::parse(bad).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidInput, "{bad}");
            assert!(!err.to_string().contains("s3cr3t"), "{err}");
        }
        let err = BaseUrl::parse("http://example.com").unwrap_err();
        assert!(err.to_string().contains("https"), "{err}");
    }

    #[test]
    fn trailing_slash_is_ignored() {
        let a = BaseUrl::parse("https://x.classe365.com/restv2/").unwrap();
        let b = BaseUrl::parse("https://x.classe365.com/restv2").unwrap();
        assert_eq!(a, b);
        assert_eq!(a.as_str(), "https://x.classe365.com/restv2");
        assert_eq!(
            BaseUrl::parse("https://api.managebac.com/")
                .unwrap()
                .as_str(),
            "https://api.managebac.com"
        );
    }

    #[test]
    fn join_encodes_every_segment() {
        let base = BaseUrl::parse("https://api.hubmis.com/").unwrap();
        let url = base
            .join("/api/v1", &["students", "42", "attendance"])
            .unwrap();
        assert_eq!(
            url.as_str(),
            "https://api.hubmis.com/api/v1/students/42/attendance"
        );
        let url = base.join("/api/v1", &["students", "../x"]).unwrap();
        assert_eq!(url.path(), "/api/v1/students/..%2Fx");
        let url = base.join("api/v1/", &["a/b", "c?d#e", "ü %"]).unwrap();
        assert_eq!(url.path(), "/api/v1/a%2Fb/c%3Fd%23e/%C3%BC%20%25");
        for bad in ["", ".", ".."] {
            let err = base.join("/api/v1", &["students", bad]).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidInput);
        }
        let base = BaseUrl::parse("https://x.classe365.com/restv2").unwrap();
        let url = base.join("", &["students"]).unwrap();
        assert_eq!(url.as_str(), "https://x.classe365.com/restv2/students");
    }

    #[test]
    fn endpoint_shortcuts_match_the_plain_way() {
        let segments: &[&[&str]] = &[
            &["students"],
            &["students", "42", "attendance"],
            &["a/b", "c?d#e", "\u{fc} %"],
            &[
                "..x", "...", ".hidden", "x:y", "//evil", "\\x", "%2e%2E", "@host",
            ],
            &["\t\n", "a\u{0}b", "~_-."],
        ];
        for base in [
            "https://api.hubmis.com",
            "https://x.classe365.com/restv2/",
            "http://127.0.0.1:8080",
            "http://[::1]:9000/base",
            "https://API.Example.COM:443/",
        ] {
            let base = BaseUrl::parse(base).unwrap();
            for prefix in ["", "/api/v1", "api/v1/", "/v2p1"] {
                let endpoint = Endpoint::new(base.clone(), prefix).unwrap();
                for segs in segments.iter().copied().chain([&[][..]]) {
                    let plain = base.join(prefix, segs).unwrap();
                    let fast = endpoint.join(segs).unwrap();
                    assert_eq!(fast.as_str(), plain.as_str(), "{base} {prefix} {segs:?}");
                    let mut with_query = fast.clone();
                    with_query
                        .query_pairs_mut()
                        .append_pair("page[number]", "1 2")
                        .append_pair("x", "\u{e9}&");
                    for url in [fast, with_query] {
                        let uri = endpoint.uri(&url).unwrap();
                        let parsed = http::Uri::try_from(url.as_str()).unwrap();
                        assert_eq!(uri, parsed);
                        assert_eq!(uri.to_string(), parsed.to_string());
                    }
                }
                for bad in ["", ".", ".."] {
                    let err = endpoint.join(&["students", bad]).unwrap_err();
                    assert_eq!(err.kind(), ErrorKind::InvalidInput);
                }
            }
        }
        // Another origin and a fragment match the plain parse; a URL too long for a URI fails.
        let endpoint = Endpoint::new(BaseUrl::parse("https://a.example").unwrap(), "").unwrap();
        for text in [
            "https://b.example:8443/x?y=1",
            "https://a.example/x?y=1#frag",
            "http://a.example/x",
        ] {
            let url = Url::parse(text).unwrap();
            assert_eq!(
                endpoint.uri(&url).unwrap(),
                http::Uri::try_from(url.as_str()).unwrap(),
                "{text}"
            );
        }
        let long = Url::parse(&format!("https://a.example/{}", "x".repeat(70_000))).unwrap();
        assert!(http::Uri::try_from(long.as_str()).is_err());
        assert_eq!(
            endpoint.uri(&long).unwrap_err().kind(),
            ErrorKind::InvalidInput
        );
    }

    #[test]
    fn resolve_keeps_to_the_origin() {
        let base = BaseUrl::parse("https://www.classcharts.com/apiv2student").unwrap();
        let url = base.resolve("/student/login").unwrap();
        assert_eq!(url.as_str(), "https://www.classcharts.com/student/login");
        let url = base
            .resolve("https://www.classcharts.com/apiv2parent/pupils?x=1")
            .unwrap();
        assert_eq!(url.query(), Some("x=1"));
        for bad in [
            "https://evil.example/steal",
            "http://www.classcharts.com/x",
            "https://www.classcharts.com:8443/x",
            "//evil.example/x",
        ] {
            assert_eq!(
                base.resolve(bad).unwrap_err().kind(),
                ErrorKind::InvalidInput,
                "{bad}"
            );
        }
    }
}
