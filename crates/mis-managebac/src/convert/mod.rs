//! Pure functions from ManageBac's wire records to the mis-core model. No I/O: the
//! provider fetches, these translate, and each is unit-tested on its own.

pub mod attendance;
pub mod behaviour;
pub mod calendar;
pub mod codes;
pub mod group;
pub mod staff;
pub mod student;
pub mod timetable;

use jiff::Timestamp;
use jiff::civil::Date;

/// A `yyyy-mm-dd` date, also read from the front of a date-time (`2024-09-02T06:00:00Z`).
/// `None` for anything else: one odd value must not fail a whole page.
pub fn date(text: Option<&str>) -> Option<Date> {
    let t = text?.trim();
    let head = t.get(..10)?;
    let shaped = head.as_bytes().get(4) == Some(&b'-') && head.as_bytes().get(7) == Some(&b'-');
    if !shaped {
        return None;
    }
    head.parse().ok()
}

/// An instant from ISO 8601 with an offset or `Z` (`2024-09-03T10:24:00.000+01:00`).
/// Text without an offset is not an instant and gives `None`.
pub fn instant(text: Option<&str>) -> Option<Timestamp> {
    text?.trim().parse().ok()
}

/// Plain text from the vendor's HTML notes (`<p>Helped a classmate.</p>`): tags dropped,
/// block ends as line breaks, the common entities decoded, whitespace tidied. Empty text is
/// `None`.
pub fn html_to_text(html: Option<&str>) -> Option<String> {
    let html = html?;
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(open) = rest.find('<') {
        out.push_str(&rest[..open]);
        let Some(close) = rest[open..].find('>') else {
            // A lone `<` is text.
            out.push_str(&rest[open..]);
            rest = "";
            break;
        };
        let tag = rest[open + 1..open + close]
            .trim_start_matches('/')
            .split(|c: char| c.is_whitespace() || c == '/')
            .next()
            .unwrap_or("")
            .to_ascii_lowercase();
        if matches!(tag.as_str(), "br" | "p" | "div" | "li" | "tr") {
            out.push('\n');
        }
        rest = &rest[open + close + 1..];
    }
    out.push_str(rest);
    let decoded = out
        .replace("&nbsp;", " ")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&amp;", "&");
    let lines: Vec<String> = decoded
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|l| !l.is_empty())
        .collect();
    (!lines.is_empty()).then(|| lines.join("\n"))
}

/// Trimmed text, `None` when empty.
pub fn text(value: Option<&str>) -> Option<String> {
    value
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_instants() {
        assert_eq!(
            date(Some("2024-09-02")),
            Some(jiff::civil::date(2024, 9, 2))
        );
        assert_eq!(
            date(Some("2024-09-02T06:00:00.000Z")),
            Some(jiff::civil::date(2024, 9, 2))
        );
        for bad in ["", "02/09/2024", "2024-13-01", "soon", "20240902"] {
            assert_eq!(date(Some(bad)), None, "{bad}");
        }
        assert_eq!(date(None), None);
        let t = instant(Some("2024-09-03T10:24:00.000+01:00")).unwrap();
        assert_eq!(t.to_string(), "2024-09-03T09:24:00Z");
        assert!(instant(Some("2024-09-03T10:24:00")).is_none());
    }

    #[test]
    fn html_becomes_text() {
        assert_eq!(
            html_to_text(Some("<p>Helped a classmate &amp; tidied up.</p>")).as_deref(),
            Some("Helped a classmate & tidied up.")
        );
        assert_eq!(
            html_to_text(Some("<p>One</p><p>Two<br/>Three</p>")).as_deref(),
            Some("One\nTwo\nThree")
        );
        assert_eq!(html_to_text(Some("a < b")).as_deref(), Some("a < b"));
        assert_eq!(html_to_text(Some("<p> </p>")), None);
        assert_eq!(html_to_text(None), None);
        assert_eq!(
            html_to_text(Some("<b>x</b> &lt;script&gt;")).as_deref(),
            Some("x <script>")
        );
    }
}
