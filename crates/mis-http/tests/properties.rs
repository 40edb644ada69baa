//! Property tests (proptest), run with the normal tests: the wait-hint parsers, the base-URL
//! rule and redaction are total (never panic on any string) and do the right thing on
//! generated valid inputs. 256 cases per property keeps the run short.

use std::net::IpAddr;
use std::time::Duration;

use jiff::Timestamp;
use jiff::tz::TimeZone;
use mis_http::hints::{parse_http_date, parse_retry_after, parse_unix_time, parse_utc_datetime};
use mis_http::{BaseUrl, redact};
use proptest::prelude::*;
use url::Host;

/// 256 cases, or `PROPTEST_CASES` for a longer local run.
fn config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(256);
    ProptestConfig {
        cases,
        // No persistence files in the source tree; a failure prints its minimal input.
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// "Now": any second in 2001-09-09 ..= 2060-01-01, with a sub-second part so the ± 1 s
/// tolerance is exercised. Two-digit RFC 850 years stay unambiguous below 2069.
fn now() -> impl Strategy<Value = Timestamp> {
    (1_000_000_000i64..2_840_000_000, 0i32..1_000_000_000)
        .prop_map(|(s, ns)| Timestamp::new(s, ns).expect("in range"))
}

/// A wait ahead of "now": up to about 100 days.
fn ahead() -> impl Strategy<Value = u64> {
    prop_oneof![0u64..120, 0u64..8_640_000]
}

/// Strings close to the real formats (digits, dates, zone names, separators), which reach
/// deeper into the parsers than uniformly random text.
fn near_miss() -> impl Strategy<Value = String> {
    prop_oneof![
        "[0-9 .+-]{0,30}",
        "[A-Za-z]{0,9},? [0-9]{0,3}[ -][A-Za-z]{0,4}[ -][0-9]{0,5} [0-9:]{0,9} (GMT|UTC|Z|)",
        "[0-9]{0,5}-[0-9]{0,3}-[0-9]{0,3}[T ][0-9]{0,3}:[0-9]{0,3}:[0-9]{0,3}(\\.[0-9]{0,12})?(Z|UTC| UTC|[+-][0-9:]{0,6})?",
        "\\PC{0,40}",
    ]
}

/// The wait, in whole seconds, that a parser gave; fails the case on `None`.
fn secs(parsed: Option<Duration>, input: &str) -> Result<f64, TestCaseError> {
    match parsed {
        Some(d) => Ok(d.as_secs_f64()),
        None => Err(TestCaseError::fail(format!("{input:?} did not parse"))),
    }
}

fn close(got: f64, want: u64, input: &str) -> Result<(), TestCaseError> {
    prop_assert!(
        (got - want as f64).abs() <= 1.0,
        "{input:?}: got {got} s, want {want} s ± 1"
    );
    Ok(())
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn wait_hint_parsers_never_panic(value in any::<String>(), near in near_miss(), now in now()) {
        for input in [value.as_str(), near.as_str()] {
            let _ = parse_retry_after(input, now);
            let _ = parse_unix_time(input, now);
            let _ = parse_utc_datetime(input, now);
            let _ = parse_http_date(input);
        }
    }

    #[test]
    fn wait_hints_round_trip(now in now(), wait in ahead()) {
        let then = now + Duration::from_secs(wait);
        let zoned = then.to_zoned_datetime(TimeZone::UTC);

        // Retry-After: delta seconds and all three HTTP-date forms.
        let delta = wait.to_string();
        prop_assert_eq!(parse_retry_after(&delta, now), Some(Duration::from_secs(wait)));
        for form in [
            "%a, %d %b %Y %H:%M:%S GMT",
            "%A, %d-%b-%y %H:%M:%S GMT",
            "%a %b %e %H:%M:%S %Y",
        ] {
            let date = zoned.strftime(form).to_string();
            close(secs(parse_retry_after(&date, now), &date)?, wait, &date)?;
            let parsed = parse_http_date(&date);
            prop_assert_eq!(parsed, Some(Timestamp::from_second(then.as_second()).unwrap()), "{}", date);
        }

        // HUBmis: absolute Unix time, whole or fractional.
        let unix = then.as_second().to_string();
        close(secs(parse_unix_time(&unix, now), &unix)?, wait, &unix)?;
        let fractional = format!("{unix}.{:03}", then.subsec_millisecond());
        close(secs(parse_unix_time(&fractional, now), &fractional)?, wait, &fractional)?;

        // ManageBac: `2021-10-28 01:29:40 UTC`, and RFC 3339 as a fallback.
        let reset = zoned.strftime("%Y-%m-%d %H:%M:%S UTC").to_string();
        close(secs(parse_utc_datetime(&reset, now), &reset)?, wait, &reset)?;
        let rfc3339 = Timestamp::from_second(then.as_second()).unwrap().to_string();
        close(secs(parse_utc_datetime(&rfc3339, now), &rfc3339)?, wait, &rfc3339)?;
    }

    #[test]
    fn a_time_in_the_past_waits_zero(now in now(), ago in 2u64..8_640_000) {
        let then = now - Duration::from_secs(ago);
        let zoned = then.to_zoned_datetime(TimeZone::UTC);
        let date = zoned.strftime("%a, %d %b %Y %H:%M:%S GMT").to_string();
        prop_assert_eq!(parse_retry_after(&date, now), Some(Duration::ZERO));
        let reset = zoned.strftime("%Y-%m-%d %H:%M:%S UTC").to_string();
        prop_assert_eq!(parse_utc_datetime(&reset, now), Some(Duration::ZERO));
        // Unix times at or after 2001 are absolute.
        if then.as_second() >= 1_000_000_000 {
            let unix = then.as_second().to_string();
            prop_assert_eq!(parse_unix_time(&unix, now), Some(Duration::ZERO));
        }
    }
}

/// A host that is not loopback: a domain name (never `localhost`), an IPv4 address outside
/// 127.0.0.0/8, or an IPv6 address other than `::1`.
fn remote_host() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z][a-z0-9-]{0,15}(\\.[a-z][a-z0-9-]{0,15}){0,3}\\.[a-z]{2,6}"
            .prop_filter("not an IDNA label", |h| !h.contains("xn--")),
        "[a-z][a-z0-9]{0,15}"
            .prop_filter("not localhost", |h| !h.eq_ignore_ascii_case("localhost")),
        (any::<[u8; 4]>())
            .prop_filter("not 127/8", |o| o[0] != 127)
            .prop_map(|o| format!("{}.{}.{}.{}", o[0], o[1], o[2], o[3])),
        any::<u128>()
            .prop_filter("not ::1", |v| *v != 1)
            .prop_map(|v| format!("[{}]", std::net::Ipv6Addr::from(v))),
    ]
}

fn loopback_host() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("localhost".to_string()),
        Just("LocalHost".to_string()),
        Just("[::1]".to_string()),
        any::<[u8; 3]>().prop_map(|o| format!("127.{}.{}.{}", o[0], o[1], o[2])),
    ]
}

/// An optional port and path, as a base URL may have.
fn port_and_path() -> impl Strategy<Value = String> {
    ("(:[0-9]{1,5})?", "(/[a-z0-9._~-]{1,10}){0,3}/?").prop_map(|(port, path)| {
        let port = match port.strip_prefix(':').map(str::parse::<u32>) {
            Some(Ok(p)) if p <= 65535 => format!(":{p}"),
            _ => String::new(),
        };
        format!("{port}{path}")
    })
}

/// Whether an accepted base URL may use plain HTTP: only to a loopback host.
fn is_loopback(url: &url::Url) -> bool {
    match url.host() {
        Some(Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        Some(Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => false,
    }
}

proptest! {
    #![proptest_config(config())]

    /// Any string, or any string after a scheme: never a panic, and whatever is accepted is
    /// HTTPS, or HTTP to a loopback host.
    #[test]
    fn base_url_is_total_and_https_or_loopback(
        scheme in prop_oneof![
            Just(""), Just("http://"), Just("HTTP://"), Just("https://"), Just(" http://"),
            Just("http:"), Just("http:/"), Just("ftp://"), Just("http://127.0.0.1"),
            Just("http://localhost"),
        ],
        rest in prop_oneof!["\\PC{0,40}", "[a-zA-Z0-9:/@.%#?\\[\\]-]{0,40}", any::<String>()],
    ) {
        let input = format!("{scheme}{rest}");
        if let Ok(base) = BaseUrl::parse(&input) {
            let url = base.as_url();
            match url.scheme() {
                "https" => {}
                "http" => prop_assert!(is_loopback(url), "{input:?} accepted as {url}"),
                other => prop_assert!(false, "{input:?} accepted with scheme {other}"),
            }
            prop_assert!(url.username().is_empty() && url.password().is_none(), "{input:?}");
            prop_assert!(url.query().is_none() && url.fragment().is_none(), "{input:?}");
        }
    }

    #[test]
    fn plain_http_to_a_remote_host_is_refused(host in remote_host(), tail in port_and_path()) {
        let input = format!("http://{host}{tail}");
        prop_assert!(BaseUrl::parse(&input).is_err(), "accepted {input:?}");
        // The same URL over HTTPS is fine (a valid host; IPv6 zones aside).
        let https = format!("https://{host}{tail}");
        prop_assert!(BaseUrl::parse(&https).is_ok(), "refused {https:?}");
    }

    #[test]
    fn plain_http_to_loopback_is_accepted(host in loopback_host(), tail in port_and_path()) {
        let input = format!("http://{host}{tail}");
        prop_assert!(BaseUrl::parse(&input).is_ok(), "refused {input:?}");
    }
}

/// Secret-looking keys [`redact`] knows (a sample in several spellings).
const KEYS: &[&str] = &[
    "token",
    "TOKEN",
    "access_token",
    "refresh_token",
    "auth-token",
    "auth_token",
    "session_id",
    "sessionId",
    "client_secret",
    "password",
    "Password",
    "api_key",
    "apikey",
    "secret",
    "Authorization",
];

/// How a secret appears after its key.
const SHAPES: &[&str] = &[
    "{k}={s}",
    "{k}={s}&page=2",
    "?{k}={s}",
    "\"{k}\":\"{s}\"",
    "\"{k}\": \"{s}\", \"user\": \"x\"",
    "{{\"{k}\":\"{s}\"}}",
    "'{k}': '{s}'",
    "{k}: {s}",
    "{k}: Bearer {s}",
    "{k}: Basic {s}",
    "{k}={s};",
    "{k}={s}\nnext line",
];

proptest! {
    #![proptest_config(config())]

    #[test]
    fn redact_never_panics(text in any::<String>(), near in "[a-z_\"':= &,;{}\\n-]{0,60}") {
        let _ = redact(&text);
        let _ = redact(&near);
    }

    /// A generated secret after any known key, in any of the usual shapes, with arbitrary
    /// text around it, never survives redaction.
    #[test]
    fn redact_removes_generated_secrets(
        key in proptest::sample::select(KEYS),
        shape in proptest::sample::select(SHAPES),
        secret in "[A-Za-z0-9._~+/-]{8,40}",
        before in "\\PC{0,30}",
        sep in proptest::sample::select(&[" ", "\n", "{", "&", "?", ",", "(", "\t"][..]),
        after in "([ ,;&}\n]\\PC{0,30})?",
    ) {
        let shaped = shape.replace("{k}", key).replace("{s}", &secret).replace("{{", "{").replace("}}", "}");
        let text = format!("{before}{sep}{shaped}{after}");
        let out = redact(&text);
        prop_assert!(!out.contains(&secret), "secret survived: {text:?} -> {out:?}");
        prop_assert!(out.contains("[REDACTED]"), "nothing redacted: {text:?} -> {out:?}");
    }
}
