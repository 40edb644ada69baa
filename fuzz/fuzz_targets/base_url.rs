//! `BaseUrl::parse` on arbitrary text: never a panic; whatever it accepts is HTTPS or plain
//! HTTP to a loopback host, with no credentials, query or fragment; and joining segments or
//! resolving a target never leaves the configured origin.
#![no_main]

use std::net::IpAddr;

use libfuzzer_sys::fuzz_target;
use mis_http::{BaseUrl, Url};

fn loopback(url: &Url) -> bool {
    match url.host_str() {
        Some(host) if host.eq_ignore_ascii_case("localhost") => true,
        Some(host) => host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<IpAddr>()
            .is_ok_and(|ip| ip.is_loopback()),
        None => false,
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // A newline splits the input: the base URL, then a path or URL to resolve against it.
    let (base, target) = text.split_once('\n').unwrap_or((text, "/"));
    let Ok(parsed) = BaseUrl::parse(base) else {
        return;
    };
    let url = parsed.as_url();
    match url.scheme() {
        "https" => {}
        "http" => assert!(loopback(url), "plain http accepted for {url}"),
        other => panic!("scheme {other} accepted"),
    }
    assert!(url.username().is_empty() && url.password().is_none());
    assert!(url.query().is_none() && url.fragment().is_none());

    // Segments cut from the target: encoded, they stay on the origin and under the base path.
    let segments: Vec<&str> = target.split('/').collect();
    if let Ok(joined) = parsed.join("/api/v1", &segments) {
        assert!(parsed.same_origin(&joined), "{joined} left {url}");
        assert!(joined.path().starts_with(url.path().trim_end_matches('/')));
    }
    if let Ok(resolved) = parsed.resolve(target) {
        assert!(parsed.same_origin(&resolved), "{resolved} left {url}");
        assert!(resolved.username().is_empty() && resolved.password().is_none());
    }
});
