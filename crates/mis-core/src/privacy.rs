//! Keeping pupils' personal data out of errors and logs.
//!
//! Schools are data controllers: an error line that quotes a response body copies a child's
//! name or date of birth into cron mail, CI logs and issue trackers. So errors describe the
//! *shape* of what was wrong, never its value:
//!
//! - [`body_shape`] renders a JSON body with every value masked but the keys kept
//!   (`{"id": <int>, "first_name": <str 5>, …}`), and works on truncated bodies too;
//! - [`describe_serde_message`] turns serde's ``invalid type: integer `20110101`, expected a
//!   string`` into `expected a string, found an integer`.
//!
//! For local debugging, [`debug_bodies`] lets raw (secret-redacted) body excerpts through:
//! set `MIS_DEBUG_BODIES=1` in the environment, or call [`set_debug_bodies`]. It is off by
//! default, and turning it on says on stderr that personal data will be printed.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicU8, Ordering};

/// 0 = not decided yet (read the environment), 1 = off, 2 = on.
static DEBUG_BODIES: AtomicU8 = AtomicU8::new(0);
static ENV_CHECKED: OnceLock<bool> = OnceLock::new();

const WARNING: &str = "mis: MIS_DEBUG_BODIES is on: error messages will include raw response \
                       bodies, which hold pupils' personal data. Do not share this output.";

/// Whether raw body excerpts may appear in errors (off unless `MIS_DEBUG_BODIES=1` or
/// [`set_debug_bodies`]`(true)`).
pub fn debug_bodies() -> bool {
    match DEBUG_BODIES.load(Ordering::Relaxed) {
        1 => false,
        2 => true,
        _ => *ENV_CHECKED.get_or_init(|| {
            let on = std::env::var("MIS_DEBUG_BODIES")
                .is_ok_and(|v| matches!(v.trim(), "1" | "true" | "yes" | "on"));
            if on {
                eprintln!("{WARNING}");
            }
            on
        }),
    }
}

/// Turns raw body excerpts in errors on or off for this process, whatever the environment
/// says. Turning it on prints a warning on stderr: personal data will be printed.
pub fn set_debug_bodies(on: bool) {
    let was = DEBUG_BODIES.swap(if on { 2 } else { 1 }, Ordering::Relaxed);
    if on && was != 2 {
        eprintln!("{WARNING}");
    }
}

/// The body's JSON shape with every value masked, at most `max` characters (then `…`).
///
/// Keys are kept (they are the vendor's schema), strings become `<str N>` (N characters),
/// numbers `<int>` or `<num>`, booleans `<bool>`; `null` stays. A body that is not JSON is
/// described by its size only. Works on truncated JSON: it scans, it does not parse.
pub fn body_shape(body: &[u8], max: usize) -> String {
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    if text.is_empty() {
        return "<empty>".into();
    }
    if !text.starts_with(['{', '[']) {
        return format!("<{} bytes, not JSON>", body.len());
    }
    let mut out = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if out.chars().count() >= max {
            out.push('…');
            return out;
        }
        match c {
            '"' => {
                let mut s = String::new();
                let mut escaped = false;
                for ch in chars.by_ref() {
                    if escaped {
                        escaped = false;
                        s.push(ch);
                    } else if ch == '\\' {
                        escaped = true;
                    } else if ch == '"' {
                        break;
                    } else {
                        s.push(ch);
                    }
                }
                while chars.peek().is_some_and(|c| c.is_whitespace()) {
                    chars.next();
                }
                if chars.peek() == Some(&':') {
                    // A key: the vendor's field name, not a value. Cut absurd ones.
                    let key: String = s.chars().take(40).collect();
                    out.push('"');
                    out.push_str(&key);
                    out.push('"');
                } else {
                    out.push_str(&format!("<str {}>", s.chars().count()));
                }
            }
            '-' | '0'..='9' => {
                let mut integer = c != '.';
                while let Some(&n) = chars.peek() {
                    if n.is_ascii_digit() || matches!(n, '.' | 'e' | 'E' | '+' | '-') {
                        integer &= n.is_ascii_digit();
                        chars.next();
                    } else {
                        break;
                    }
                }
                out.push_str(if integer { "<int>" } else { "<num>" });
            }
            't' | 'f' | 'n' => {
                let mut word = String::from(c);
                while chars.peek().is_some_and(|c| c.is_ascii_alphabetic()) {
                    word.push(chars.next().unwrap_or_default());
                }
                out.push_str(if word == "null" { "null" } else { "<bool>" });
            }
            ':' => out.push_str(": "),
            ',' => out.push_str(", "),
            '{' | '}' | '[' | ']' => out.push(c),
            c if c.is_whitespace() => {}
            // Anything else is not JSON: say so rather than copy it.
            _ => out.push('?'),
        }
    }
    out
}

/// serde's message with the offending value replaced by its kind.
///
/// ``invalid type: integer `20110101`, expected a string`` → `expected a string, found an
/// integer`; ``invalid type: string "Smith", expected u32`` → `expected u32, found a string of 5
/// characters`; ``unknown variant `x`, expected one of …`` keeps the list (it is ours) and
/// drops the value. Field names (``missing field `dob` ``) are kept: they are schema. Any
/// other double-quoted text is masked.
pub fn describe_serde_message(message: &str) -> String {
    // serde_json appends the position; it holds no value, keep it at the end.
    let (message, position) = match message.rfind(" at line ") {
        Some(i) if message[i..].contains(" column ") => message.split_at(i),
        _ => (message, ""),
    };
    format!("{}{position}", describe_without_position(message))
}

fn describe_without_position(message: &str) -> String {
    for (prefix, lead) in [
        ("invalid type: ", ""),
        ("invalid value: ", "invalid value: "),
        ("invalid length ", "invalid length: "),
    ] {
        if let Some(rest) = message.strip_prefix(prefix) {
            if let Some((found, expected)) = rest.split_once(", expected ") {
                return format!("{lead}expected {expected}, found {}", found_kind(found));
            }
        }
    }
    if let Some(rest) = message.strip_prefix("unknown variant ") {
        if let Some((value, expected)) = rest.split_once(", expected ") {
            return format!(
                "unknown variant ({}), expected {expected}",
                found_kind(value)
            );
        }
        if let Some((value, tail)) = rest.split_once(", there are no variants") {
            return format!(
                "unknown variant ({}), there are no variants{tail}",
                found_kind(value)
            );
        }
    }
    mask_double_quoted(message)
}

/// What serde's "found" part is, without its value.
fn found_kind(found: &str) -> String {
    let found = found.trim();
    let quoted_len = |open: char, close: char| {
        let start = found.find(open)?;
        let end = found.rfind(close)?;
        (end > start).then(|| found[start + 1..end].chars().count())
    };
    if let Some(n) = found
        .starts_with("string")
        .then(|| quoted_len('"', '"'))
        .flatten()
    {
        return format!("a string of {n} characters");
    }
    if found.starts_with('`') || found.starts_with('"') {
        // A bare value (unknown variant `x`): only its length.
        let n = quoted_len(
            found.chars().next().unwrap_or('`'),
            found.chars().last().unwrap_or('`'),
        )
        .unwrap_or(0);
        return format!("a string of {n} characters");
    }
    for (word, kind) in [
        ("integer", "an integer"),
        ("floating point", "a number"),
        ("boolean", "a boolean"),
        ("string", "a string"),
        ("char", "a character"),
        ("map", "a map"),
        ("sequence", "a sequence"),
        ("unit value", "null"),
        ("null", "null"),
        ("byte array", "bytes"),
        ("Option value", "a value"),
        ("newtype struct", "a value"),
        ("enum", "an enum"),
    ] {
        if found.starts_with(word) {
            return kind.into();
        }
    }
    // serde_json's own wording for lengths and anything new: keep only leading words.
    found
        .split(['`', '"'])
        .next()
        .unwrap_or_default()
        .trim()
        .to_string()
}

/// Replaces text inside double quotes with `…`.
fn mask_double_quoted(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut inside = false;
    for ch in message.chars() {
        if ch == '"' {
            if inside {
                out.push('…');
            }
            inside = !inside;
            out.push('"');
        } else if !inside {
            out.push(ch);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_keep_keys_and_mask_values() {
        let body = br#"[{"id": 100, "access_status": "invited", "multi_realm": false,
            "date_of_birth": "2010-08-24", "score": 1.5, "x": null}]"#;
        assert_eq!(
            body_shape(body, 500),
            "[{\"id\": <int>, \"access_status\": <str 7>, \"multi_realm\": <bool>, \
             \"date_of_birth\": <str 10>, \"score\": <num>, \"x\": null}]"
        );
        let shape = body_shape(br#"{"first_name": "Ada", "last_name": "Lovel"#, 500);
        assert_eq!(shape, "{\"first_name\": <str 3>, \"last_name\": <str 5>");
        assert_eq!(
            body_shape(b"<html>Bad Gateway</html>", 50),
            "<24 bytes, not JSON>"
        );
        assert_eq!(body_shape(b"", 50), "<empty>");
        assert!(body_shape(br#"{"a": "\"quoted\" Smith"}"#, 50).contains("<str 14>"));
        let long = format!("[{}]", vec![r#"{"n": "Smith"}"#; 50].join(","));
        let cut = body_shape(long.as_bytes(), 40);
        assert!(cut.ends_with('…') && !cut.contains("Smith"), "{cut}");
    }

    #[test]
    fn serde_messages_name_kinds_not_values() {
        assert_eq!(
            describe_serde_message(
                "invalid type: integer `20110101`, expected a string at line 1 column 554"
            ),
            "expected a string, found an integer at line 1 column 554"
        );
        assert_eq!(
            describe_serde_message(r#"invalid type: string "Smith", expected u32"#),
            "expected u32, found a string of 5 characters"
        );
        assert_eq!(
            describe_serde_message("invalid value: integer `-3`, expected u8"),
            "invalid value: expected u8, found an integer"
        );
        assert_eq!(
            describe_serde_message("unknown variant `Lovelace`, expected `am` or `pm`"),
            "unknown variant (a string of 8 characters), expected `am` or `pm`"
        );
        assert_eq!(
            describe_serde_message("missing field `date_of_birth`"),
            "missing field `date_of_birth`"
        );
        assert_eq!(
            describe_serde_message(r#"not a date: "2011-13-45""#),
            r#"not a date: "…""#
        );
        assert_eq!(
            describe_serde_message("invalid type: map, expected a string"),
            "expected a string, found a map"
        );
    }
}
