//! The `mis` binary: parse the command line, run it, report the outcome in the exit code.

use std::io::{self, IsTerminal};
use std::process::ExitCode;

use mis_cli::{CliError, Registry};
use tracing_subscriber::EnvFilter;

fn main() -> ExitCode {
    // clap prints its own usage errors and `--help`, and exits 2 / 0 itself.
    let registry = Registry::builtin();
    let cli = registry.parse();
    init_tracing(cli.verbose);
    mis_cli::progress::set_quiet(cli.quiet);
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
    let sink: Box<dyn io::Write> = match &cli.output {
        Some(path) => match mis_cli::output::create_private(path) {
            Ok(file) => Box::new(file),
            Err(e) => return CliError::Output(e).report(),
        },
        None => Box::new(io::stdout().lock()),
    };
    let mut out = io::BufWriter::new(sink);
    let diagnostics = mis_cli::run::diagnostics_for(&cli);
    let outcome = runtime.block_on(mis_cli::run::run_in(
        &registry,
        &cli,
        &mut out,
        &diagnostics,
    ));
    // Records first (stdout), then what was skipped (stderr), then the error if there was
    // one: the warning summary is printed even when a fatal error ends the read later.
    let flushed = io::Write::flush(&mut out);
    let warnings = diagnostics.warnings();
    if !cli.quiet {
        let _ = mis_cli::run::report_warnings(&warnings, &mut io::stderr().lock());
    }
    match (outcome, flushed) {
        (Err(e), _) => e.report(),
        (Ok(()), Err(e)) => CliError::Output(e).report(),
        (Ok(()), Ok(())) if !warnings.is_empty() => ExitCode::from(mis_cli::exit::WARNINGS),
        (Ok(()), Ok(())) => ExitCode::SUCCESS,
    }
}

/// Logs go to stderr (stdout is for records), at the level `RUST_LOG` or `-v`/`-vv`/`-vvv`
/// asks for, and are off by default: a failing command prints exactly one line (`mis: …`)
/// on stderr, and the retries and refreshes behind it are there for whoever asks. `-v`
/// covers this project's crates only (targets starting `mis`): their logs are built to hold
/// no body and no secret, which a dependency's trace output does not promise.
fn init_tracing(verbose: u8) {
    let level = match verbose {
        0 => "off",
        1 => "mis=info",
        2 => "mis=debug",
        _ => "mis=trace",
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(level));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(io::stderr)
        .with_ansi(io::stderr().is_terminal())
        .init();
}
