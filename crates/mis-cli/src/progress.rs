//! Per-school progress on stderr, shown only when stderr is a terminal: scripts and CI logs
//! get the report alone, people at a terminal see each school move.
//!
//! A school's line says what it is doing and how far it got: the entity being read (by the
//! name of its rows), its rows read and written so far, the requests sent to the vendor, and,
//! while the vendor's quota holds the requests back (a wait the vendor asked for), until when
//! (`Oak Academy: waiting for quota until 10:41:07; 1,204 marks read, 1,000 written, 57
//! requests`). [`line()`] renders it, a pure function of a [`SchoolStatus`] and a width.

use std::io::IsTerminal;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

/// A set of per-school spinners (invisible when stderr is not a terminal).
#[derive(Debug, Clone)]
pub struct Progress {
    multi: MultiProgress,
}

/// Set by `mis -q`: no progress at all, even on a terminal.
static QUIET: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Turns progress off for this process (`mis -q`).
pub fn set_quiet(quiet: bool) {
    QUIET.store(quiet, std::sync::atomic::Ordering::Relaxed);
}

/// The columns the spinner and its space take before the message.
const SPINNER: usize = 2;

/// The width of a line when the terminal's is unknown.
const DEFAULT_WIDTH: usize = 80;

impl Progress {
    /// Visible only on a terminal.
    pub fn for_stderr() -> Progress {
        let quiet = QUIET.load(std::sync::atomic::Ordering::Relaxed);
        let target = if std::io::stderr().is_terminal() && !quiet {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        };
        Progress {
            multi: MultiProgress::with_draw_target(target),
        }
    }

    /// A spinner for one school, starting as "starting". Its message is the whole line
    /// after the spinner: set it with [`Progress::message`].
    pub fn school(&self, name: &str) -> ProgressBar {
        let bar = self.multi.add(ProgressBar::new_spinner());
        if let Ok(style) = ProgressStyle::with_template("{spinner} {msg}") {
            bar.set_style(style);
        }
        bar.set_prefix(name.to_string());
        bar.set_message(Progress::message(name, &SchoolStatus::default()));
        bar.enable_steady_tick(std::time::Duration::from_millis(120));
        bar
    }

    /// The message of `school`'s spinner for `status`, fitted to the terminal's width.
    pub fn message(school: &str, status: &SchoolStatus) -> String {
        let width = terminal_size::terminal_size_of(std::io::stderr())
            .map_or(DEFAULT_WIDTH, |(w, _)| usize::from(w.0));
        line(school, status, width.saturating_sub(SPINNER))
    }
}

/// Where one school's sync stands, as its progress line shows it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SchoolStatus {
    /// The entity being read (`students`, `attendance`, `timetable`, `behaviour`); `None`
    /// before the first.
    pub entity: Option<&'static str>,
    /// Rows of that entity read from the vendor so far.
    pub read: u64,
    /// Rows of that entity written to the database so far.
    pub written: u64,
    /// Requests sent to the vendor for this school so far (every entity, sign-in and retries
    /// included).
    pub requests: u64,
    /// The local time until which the vendor's wait hint holds this school's requests back,
    /// while it does.
    pub waiting_until: Option<jiff::civil::Time>,
}

/// What an entity's rows are called on the line.
fn rows_of(entity: &str) -> &str {
    match entity {
        "attendance" => "marks",
        "timetable" => "lessons",
        "behaviour" => "events",
        other => other,
    }
}

/// `1234567` as `1,234,567`.
fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `text` cut to `width` characters, the last one an ellipsis when anything was cut.
fn cut(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_string();
    }
    let mut out: String = text.chars().take(width.saturating_sub(1)).collect();
    if width > 0 {
        out.push('…');
    }
    out
}

/// The shortest a school name is cut to, so the line still says whose it is.
const MIN_NAME: usize = 12;

/// One school's progress line, at most `width` characters:
/// `NAME: [waiting for quota until HH:MM:SS; ]R ROWS read, W written, N requests`, where
/// ROWS names the entity's rows (`students`, `marks`, `lessons`, `events`).
/// A name too long for the line is cut first (to no less than 12 characters), then the
/// line's end.
pub fn line(school: &str, status: &SchoolStatus, width: usize) -> String {
    // The wait comes first: it is what explains a line that stops moving, and a cut takes
    // the end of the line.
    let mut rest = String::new();
    if let Some(until) = status.waiting_until {
        rest.push_str(&format!(
            "waiting for quota until {}; ",
            until.strftime("%H:%M:%S")
        ));
    }
    match status.entity {
        None => rest.push_str("starting"),
        // The rows' name says the entity: students, marks, lessons, events.
        Some(entity) => rest.push_str(&format!(
            "{} {} read, {} written",
            thousands(status.read),
            rows_of(entity),
            thousands(status.written)
        )),
    }
    rest.push_str(&format!(
        ", {} request{}",
        thousands(status.requests),
        if status.requests == 1 { "" } else { "s" }
    ));
    let room = width.saturating_sub(rest.chars().count() + 2).max(MIN_NAME);
    cut(&format!("{}: {rest}", cut(school, room)), width)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(entity: &'static str, read: u64, written: u64, requests: u64) -> SchoolStatus {
        SchoolStatus {
            entity: Some(entity),
            read,
            written,
            requests,
            waiting_until: None,
        }
    }

    #[test]
    fn a_line_names_the_entity_and_its_counts() {
        assert_eq!(
            line("Oak Academy", &SchoolStatus::default(), 80),
            "Oak Academy: starting, 0 requests"
        );
        assert_eq!(
            line("Oak Academy", &status("students", 1204, 0, 1), 80),
            "Oak Academy: 1,204 students read, 0 written, 1 request"
        );
        assert_eq!(
            line(
                "Oak Academy",
                &status("attendance", 1_234_567, 1_000, 57),
                80
            ),
            "Oak Academy: 1,234,567 marks read, 1,000 written, 57 requests"
        );
    }

    #[test]
    fn a_quota_wait_says_until_when() {
        let mut s = status("behaviour", 12, 12, 300);
        s.waiting_until = Some(jiff::civil::time(10, 41, 7, 0));
        let text = line("Ash", &s, 80);
        assert_eq!(
            text,
            "Ash: waiting for quota until 10:41:07; 12 events read, 12 written, 300 requests"
        );
        assert!(text.chars().count() <= 80);
    }

    #[test]
    fn a_long_line_fits_80_columns_name_first() {
        let mut s = status("timetable", 123_456, 123_000, 4_321);
        s.waiting_until = Some(jiff::civil::time(23, 59, 59, 0));
        let name = "The Very Long Name of a Multi-Academy Trust's Secondary School";
        let text = line(name, &s, 80);
        assert_eq!(text.chars().count(), 80, "{text}");
        // The name gave way (to 12 characters), then the end of the line; the wait and the
        // rows read are whole.
        assert!(
            text.starts_with(
                "The Very Lo…: waiting for quota until 23:59:59; 123,456 lessons read"
            ),
            "{text}"
        );
        assert!(text.ends_with("…"), "the rest is cut at the end: {text}");
        // A short name and a short status are not padded or cut.
        let text = line(name, &status("students", 5, 5, 2), 80);
        assert!(
            text.ends_with("…: 5 students read, 5 written, 2 requests"),
            "{text}"
        );
        assert!(text.chars().count() <= 80, "{text}");
        for width in [0, 1, 10, 40] {
            assert!(line(name, &s, width).chars().count() <= width, "{width}");
        }
    }

    #[test]
    fn thousands_are_grouped() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(12_345_678), "12,345,678");
    }
}
