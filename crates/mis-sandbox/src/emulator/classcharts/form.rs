//! Request bodies and query strings as ClassCharts receives them: URL-encoded forms (every
//! documented client) and multipart forms (classcharts-rs logs in with one), and the
//! URL-encoding of the session cookie.

use std::collections::BTreeMap;

use axum::http::{HeaderMap, header};

/// Fields of a form or query string; a repeated name keeps its last value, as PHP does.
pub(super) type Fields = BTreeMap<String, String>;

/// Decodes `%XX` escapes and `+` (a space in forms).
pub(super) fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(b) => {
                        out.push(b);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Encodes everything but RFC 3986 unreserved characters, as PHP's `rawurlencode` does for
/// the `*_session_credentials` cookie value.
pub(super) fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 3);
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Parses `a=1&b=two`.
pub(super) fn parse_urlencoded(s: &str) -> Fields {
    s.split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| match pair.split_once('=') {
            Some((k, v)) => (percent_decode(k), percent_decode(v)),
            None => (percent_decode(pair), String::new()),
        })
        .collect()
}

/// The text fields of a `multipart/form-data` body.
fn parse_multipart(body: &str, boundary: &str) -> Fields {
    let delimiter = format!("--{boundary}");
    let mut fields = Fields::new();
    for part in body.split(delimiter.as_str()).skip(1) {
        if part.starts_with("--") {
            break;
        }
        let part = part.strip_prefix("\r\n").unwrap_or(part);
        let Some((head, value)) = part.split_once("\r\n\r\n") else {
            continue;
        };
        let name = head
            .split("\r\n")
            .filter(|line| {
                line.to_ascii_lowercase()
                    .starts_with("content-disposition:")
            })
            .flat_map(|line| line.split(';'))
            .find_map(|p| p.trim().strip_prefix("name="))
            .map(|n| n.trim_matches('"').to_string());
        if let Some(name) = name {
            let value = value.strip_suffix("\r\n").unwrap_or(value);
            fields.insert(name, value.to_string());
        }
    }
    fields
}

/// The fields of a request body, by its `Content-Type` (URL-encoded when none is given).
pub(super) fn body_fields(headers: &HeaderMap, body: &[u8]) -> Fields {
    let body = String::from_utf8_lossy(body);
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if content_type
        .to_ascii_lowercase()
        .starts_with("multipart/form-data")
    {
        let boundary = content_type
            .split(';')
            .find_map(|p| p.trim().strip_prefix("boundary="))
            .map(|b| b.trim_matches('"'));
        return boundary.map_or_else(Fields::new, |b| parse_multipart(&body, b));
    }
    parse_urlencoded(&body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_multipart() {
        let json = r#"{"remember_me":false,"session_id":"abc"}"#;
        let enc = percent_encode(json);
        assert!(!enc.contains([',', '"', '{', ':']));
        assert_eq!(percent_decode(&enc), json);
        let f = parse_urlencoded("code=ab%2Fc&dob=20%2F01%2F2010&x=a+b&flag&bad=%zz");
        assert_eq!(f["code"], "ab/c");
        assert_eq!(f["dob"], "20/01/2010");
        assert_eq!(f["x"], "a b");
        assert_eq!(f["flag"], "");
        assert_eq!(f["bad"], "%zz");
        let body = "--XyZ\r\nContent-Disposition: form-data; name=\"code\"\r\n\r\nABC\r\n\
                    --XyZ\r\nContent-Disposition: form-data; name=\"dob\"\r\n\r\n01/02/2010\r\n--XyZ--\r\n";
        let mut h = HeaderMap::new();
        h.insert(
            header::CONTENT_TYPE,
            "multipart/form-data; boundary=XyZ".parse().unwrap(),
        );
        let f = body_fields(&h, body.as_bytes());
        assert_eq!(
            (f["code"].as_str(), f["dob"].as_str()),
            ("ABC", "01/02/2010")
        );
    }
}
