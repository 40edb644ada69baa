//! The `mis` binary: parse the command line, run it, report the outcome in the exit code.

use std::io::{self, IsTerminal};
use std::process::ExitCode;

use clap::Parser;
use mis_cli::{Cli, CliError};
use tracing_subscriber::EnvFilter;

fn main() -> ExitCode {
    // clap prints its own usage errors and `--help`, and exits 2 / 0 itself.
    let cli = Cli::parse();
    init_tracing();
    // Raw response bodies in errors only with MIS_DEBUG_BODIES=1, and then said up front on
    // stderr (reading the setting prints the warning): they hold pupils' personal data.
    let _ = mis_core::privacy::debug_bodies();

    // One thread is enough: a command is one stream of pages, and the writes to stdout are
    // its consumer. It also keeps `mis` light when a script runs many of them at once.
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => return CliError::Output(e).report(),
    };
    // Buffered, because the stream writer flushes whenever the provider has to wait; without
    // the buffer every record would be its own write to the terminal or pipe.
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    let diagnostics = mis_cli::run::diagnostics_for(&cli);
    let outcome = runtime.block_on(mis_cli::run::run(&cli, &mut out, &diagnostics));
    // Records first (stdout), then what was skipped (stderr), then the error if there was
    // one: the warning summary is printed even when a fatal error ends the read later.
    let flushed = io::Write::flush(&mut out);
    let warnings = diagnostics.warnings();
    let _ = mis_cli::run::report_warnings(&warnings, &mut io::stderr().lock());
    match (outcome, flushed) {
        (Err(e), _) => e.report(),
        (Ok(()), Err(e)) => CliError::Output(e).report(),
        (Ok(()), Ok(())) if !warnings.is_empty() => ExitCode::from(mis_cli::exit::WARNINGS),
        (Ok(()), Ok(())) => ExitCode::SUCCESS,
    }
}

/// Logs go to stderr (stdout is for records), at the level `RUST_LOG` asks for, and are off
/// by default: a failing command prints exactly one line (`mis: …`) on stderr, and the
/// retries and refreshes behind it are there for whoever sets `RUST_LOG=mis_http=debug`.
fn init_tracing() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("off"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(io::stderr)
        .with_ansi(io::stderr().is_terminal())
        .init();
}
