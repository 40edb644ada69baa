//! Per-school progress on stderr, shown only when stderr is a terminal: scripts and CI logs
//! get the report alone, people at a terminal see each school move.

use std::io::IsTerminal;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

/// A set of per-school spinners (invisible when stderr is not a terminal).
#[derive(Debug, Clone)]
pub struct Progress {
    multi: MultiProgress,
}

impl Progress {
    /// Visible only on a terminal.
    pub fn for_stderr() -> Progress {
        let target = if std::io::stderr().is_terminal() {
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
