//! Per-school progress on stderr, shown only when stderr is a terminal: scripts and CI logs
//! get the report alone, people at a terminal see each school move.

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

    /// A spinner for one school.
    pub fn school(&self, name: &str) -> ProgressBar {
        let bar = self.multi.add(ProgressBar::new_spinner());
        if let Ok(style) = ProgressStyle::with_template("{spinner} {prefix}: {msg}") {
            bar.set_style(style);
        }
        bar.set_prefix(name.to_string());
        bar.set_message("reading");
        bar.enable_steady_tick(std::time::Duration::from_millis(120));
        bar
    }
}
