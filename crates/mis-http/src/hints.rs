//! Server wait hints: how long a server asks us to wait before the next request.
//!
//! Each vendor sends a different header, so each vendor crate declares which it sends
//! ([`WaitHint`]). The parsers are total: garbage gives `None`, never a panic, and a time in
//! the past gives zero. A hint is a *minimum* wait; the retry layer and the rate gate decide
//! what to do with it.

use std::time::Duration;

use http::HeaderMap;
use jiff::Timestamp;
use jiff::civil::DateTime;
use jiff::tz::TimeZone;

use crate::clock::until;

/// Unix times below this are read as a number of seconds to wait rather than an absolute time
/// (2001-09-09). Vendors document one or the other; this keeps a misread from turning "wait
/// 30 s" into "wait 55 years" or "don't wait at all".
const UNIX_TIME_FLOOR: u64 = 1_000_000_000;

/// A wait-hint header a vendor may send.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum WaitHint {
    /// `Retry-After`: delta seconds or an HTTP-date (RFC 9110 §10.2.3).
    RetryAfter,
    /// `X-RateLimit-Retry-After`: an absolute Unix time in seconds (WCBS HUBmis).
    XRateLimitRetryAfter,
    /// `X-RateLimit-Reset`: `2021-10-28 01:29:40 UTC` (ManageBac).
    XRateLimitReset,
}

impl WaitHint {
    /// The header's name, lower case.
    pub fn header_name(self) -> &'static str {
        match self {
            WaitHint::RetryAfter => "retry-after",
            WaitHint::XRateLimitRetryAfter => "x-ratelimit-retry-after",
            WaitHint::XRateLimitReset => "x-ratelimit-reset",
        }
    }

    /// Parses one header value of this kind into a wait from `now`.
    pub fn parse(self, value: &str, now: Timestamp) -> Option<Duration> {
        match self {
            WaitHint::RetryAfter => parse_retry_after(value, now),
            WaitHint::XRateLimitRetryAfter => parse_unix_time(value, now),
            WaitHint::XRateLimitReset => parse_utc_datetime(value, now),
        }
    }
}

/// The longest wait asked for by any of `hints` present in `headers`, from `now`.
///
/// Headers that are absent, not text, or unparseable are ignored.
pub fn wait_hint(headers: &HeaderMap, hints: &[WaitHint], now: Timestamp) -> Option<Duration> {
    hints
        .iter()
        .filter_map(|hint| {
            let value = headers.get(hint.header_name())?.to_str().ok()?;
            hint.parse(value, now)
        })
        .max()
}

/// Parses `Retry-After`: delta seconds (`120`) or an HTTP-date.
///
/// All three HTTP-date forms are accepted, as RFC 9110 asks of recipients: IMF-fixdate
/// (`Wed, 21 Oct 2015 07:28:00 GMT`), RFC 850 (`Wednesday, 21-Oct-15 07:28:00 GMT`) and asctime
/// (`Wed Oct 21 07:28:00 2015`). A date in the past gives zero.
pub fn parse_retry_after(value: &str, now: Timestamp) -> Option<Duration> {
    let value = value.trim();
    if let Some(seconds) = parse_seconds(value) {
        return Some(Duration::from_secs(seconds));
    }
    parse_http_date(value).map(|then| until(now, then))
}

/// Parses an absolute Unix time in seconds (HUBmis `X-RateLimit-Retry-After`) into the wait
/// from `now`; a time in the past gives zero.
///
/// Values below 1 000 000 000 (2001) cannot be a current Unix time and are read as seconds to
/// wait, so a vendor that sends a delta by mistake is still honoured.
pub fn parse_unix_time(value: &str, now: Timestamp) -> Option<Duration> {
    let value = value.trim();
    let seconds = parse_seconds(value).or_else(|| {
        // Some servers send fractional Unix times. Rounded up, never down: waiting until the
        // whole second before the hint would come back too early and be refused again.
        let (whole, frac) = value.split_once('.')?;
        if frac.is_empty() || frac.len() > 18 || !frac.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let up = u64::from(frac.bytes().any(|b| b != b'0'));
        parse_seconds(whole).map(|s| s + up)
    })?;
    if seconds < UNIX_TIME_FLOOR {
        return Some(Duration::from_secs(seconds));
    }
    let then = Timestamp::from_second(i64::try_from(seconds).ok()?).ok()?;
    Some(until(now, then))
}

/// Parses ManageBac's `X-RateLimit-Reset` (`2021-10-28 01:29:40 UTC`) into the wait from
/// `now`; a time in the past gives zero.
///
/// Also accepted, in case the format drifts: RFC 3339 (`2021-10-28T01:29:40Z`), an HTTP-date,
/// and a Unix time (read as in [`parse_unix_time`]).
pub fn parse_utc_datetime(value: &str, now: Timestamp) -> Option<Duration> {
    let value = value.trim();
    if let Some(civil) = value
        .strip_suffix("UTC")
        .and_then(|rest| DateTime::strptime("%Y-%m-%d %H:%M:%S", rest.trim_end()).ok())
    {
        let then = civil.to_zoned_datetime(TimeZone::UTC).ok()?.timestamp();
        return Some(until(now, then));
    }
    if let Ok(then) = value.parse::<Timestamp>() {
        return Some(until(now, then));
    }
    if let Some(then) = parse_http_date(value) {
        return Some(until(now, then));
    }
    parse_unix_time(value, now)
}

/// Parses an HTTP-date in any of its three forms.
pub fn parse_http_date(value: &str) -> Option<Timestamp> {
    let value = value.trim();
    if let Ok(ts) = jiff::fmt::rfc2822::DateTimeParser::new().parse_timestamp(value) {
        return Some(ts);
    }
    let civil = DateTime::strptime("%A, %d-%b-%y %H:%M:%S GMT", value)
        .or_else(|_| DateTime::strptime("%a %b %e %H:%M:%S %Y", value))
        .ok()?;
    Some(civil.to_zoned_datetime(TimeZone::UTC).ok()?.timestamp())
}

/// A non-negative integer of at most 12 digits (over 30 000 years of seconds), so that
/// arithmetic on it cannot overflow.
fn parse_seconds(value: &str) -> Option<u64> {
    if value.is_empty() || value.len() > 12 || !value.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    value.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> Timestamp {
        "2021-10-28T01:29:00Z".parse().unwrap()
    }

    #[test]
    fn retry_after_seconds_and_dates() {
        assert_eq!(
            parse_retry_after("120", now()),
            Some(Duration::from_secs(120))
        );
        assert_eq!(parse_retry_after(" 0 ", now()), Some(Duration::ZERO));
        assert_eq!(
            parse_retry_after("Thu, 28 Oct 2021 01:29:40 GMT", now()),
            Some(Duration::from_secs(40))
        );
        assert_eq!(
            parse_retry_after("Thursday, 28-Oct-21 01:30:00 GMT", now()),
            Some(Duration::from_secs(60))
        );
        assert_eq!(
            parse_retry_after("Thu Oct 28 01:29:10 2021", now()),
            Some(Duration::from_secs(10))
        );
        // A date in the past means "now".
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now()),
            Some(Duration::ZERO)
        );
    }

    #[test]
    fn hubmis_unix_time() {
        let now_s = now().as_second();
        assert_eq!(
            parse_unix_time(&(now_s + 7).to_string(), now()),
            Some(Duration::from_secs(7))
        );
        // Fractions round up (issue 17 item 6): 3.5 s is 4 s, never 3.
        assert_eq!(
            parse_unix_time(&format!("{}.5", now_s + 3), now()),
            Some(Duration::from_secs(4))
        );
        assert_eq!(
            parse_unix_time(&format!("{}.000", now_s + 3), now()),
            Some(Duration::from_secs(3))
        );
        assert_eq!(parse_unix_time("2.25", now()), Some(Duration::from_secs(3)));
        assert_eq!(
            parse_unix_time(&(now_s - 100).to_string(), now()),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_unix_time("30", now()), Some(Duration::from_secs(30)));
    }

    #[test]
    fn managebac_reset() {
        assert_eq!(
            parse_utc_datetime("2021-10-28 01:29:40 UTC", now()),
            Some(Duration::from_secs(40))
        );
        assert_eq!(
            parse_utc_datetime("2021-10-28T01:31:00Z", now()),
            Some(Duration::from_secs(120))
        );
        assert_eq!(
            parse_utc_datetime("2020-01-01 00:00:00 UTC", now()),
            Some(Duration::ZERO)
        );
    }

    #[test]
    fn garbage_never_panics() {
        let long = "9".repeat(400);
        let inputs = [
            "",
            " ",
            "-5",
            "1e9",
            "abc",
            "Wed, 99 Foo 2015 07:28:00 GMT",
            "2021-13-45 99:99:99 UTC",
            "UTC",
            "99999999999999999999999",
            long.as_str(),
            "\u{0}\u{fffd}",
            "1.2.3",
            "18446744073709551615",
            "999999999999",
        ];
        for input in inputs {
            for hint in [
                WaitHint::RetryAfter,
                WaitHint::XRateLimitRetryAfter,
                WaitHint::XRateLimitReset,
            ] {
                let _ = hint.parse(input, now());
            }
        }
        assert_eq!(parse_retry_after("-5", now()), None);
        assert_eq!(parse_retry_after("abc", now()), None);
        assert_eq!(parse_utc_datetime("2021-13-45 99:99:99 UTC", now()), None);
    }

    #[test]
    fn the_longest_present_hint_wins() {
        let mut headers = HeaderMap::new();
        headers.insert("retry-after", "5".parse().unwrap());
        headers.insert(
            "x-ratelimit-reset",
            "2021-10-28 01:29:20 UTC".parse().unwrap(),
        );
        let all = [WaitHint::RetryAfter, WaitHint::XRateLimitReset];
        assert_eq!(
            wait_hint(&headers, &all, now()),
            Some(Duration::from_secs(20))
        );
        assert_eq!(
            wait_hint(&headers, &[WaitHint::RetryAfter], now()),
            Some(Duration::from_secs(5))
        );
        assert_eq!(
            wait_hint(&headers, &[WaitHint::XRateLimitRetryAfter], now()),
            None
        );
    }
}
