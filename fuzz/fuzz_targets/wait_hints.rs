//! The wait-hint header parsers (`Retry-After`, HUBmis `X-RateLimit-Retry-After`, ManageBac
//! `X-RateLimit-Reset`) on arbitrary header values: never a panic, and never a wait longer
//! than the input could mean.
#![no_main]

use std::time::Duration;

use jiff::Timestamp;
use libfuzzer_sys::fuzz_target;
use mis_http::hints::{
    parse_http_date, parse_retry_after, parse_unix_time, parse_utc_datetime, wait_hint,
};
use mis_http::{HeaderMap, HeaderValue, WaitHint};

/// Longer than any wait the parsers can produce: 12 digits of seconds, or a date before the
/// year 10000.
const LONGEST: Duration = Duration::from_secs(1_000_000_000_000);

fuzz_target!(|data: &[u8]| {
    // The first 8 bytes choose "now" (any representable second), the rest is the value.
    let (now, value) = match data.split_first_chunk::<8>() {
        Some((head, rest)) => {
            let span = Timestamp::MAX.as_second() - Timestamp::MIN.as_second();
            let second = Timestamp::MIN.as_second() + (i64::from_le_bytes(*head).rem_euclid(span));
            (
                Timestamp::from_second(second).unwrap_or(Timestamp::UNIX_EPOCH),
                rest,
            )
        }
        None => (Timestamp::UNIX_EPOCH, data),
    };

    if let Ok(text) = std::str::from_utf8(value) {
        for wait in [
            parse_retry_after(text, now),
            parse_unix_time(text, now),
            parse_utc_datetime(text, now),
        ]
        .into_iter()
        .flatten()
        {
            assert!(wait < LONGEST, "{text:?} gave {wait:?}");
        }
        let _ = parse_http_date(text);
    }

    // The same bytes as a header value, through the lookup the classifier uses.
    if let Ok(header) = HeaderValue::from_bytes(value) {
        let mut headers = HeaderMap::new();
        for hint in [
            WaitHint::RetryAfter,
            WaitHint::XRateLimitRetryAfter,
            WaitHint::XRateLimitReset,
        ] {
            headers.insert(hint.header_name(), header.clone());
        }
        let all = [
            WaitHint::RetryAfter,
            WaitHint::XRateLimitRetryAfter,
            WaitHint::XRateLimitReset,
        ];
        let _ = wait_hint(&headers, &all, now);
    }
});
