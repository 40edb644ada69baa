//! # mis-cli
//!
//! The `mis` command line as a library, so the binary stays a few lines and every piece is
//! unit-tested:
//!
//! - [`registry`]: the vendors `mis` knows ([`Registry`]), one line per vendor.
//! - [`cli`]: the grammar (clap derive); its doc comments are the `--help` text.
//! - [`providers`]: [`providers::open_provider`], the one place a provider is built.
//! - [`run`]: checks the input, opens the provider, drives each query through the output.
//! - [`output`]: `table`, `json`, `jsonl` and `csv`, implemented once for any record type.
//! - [`exit`]: the error type and the exit code of each error kind.
//! - [`store`]: the normalised tables in SQLite or PostgreSQL (demo and sync).
//!
//! # Features
//!
//! Both on by default; without them (`--no-default-features`) `mis` is slim: queries,
//! `mis sync` to SQLite, `mis doctor`, completions. A command whose feature is off fails
//! with a message naming the feature and exit code 3 (unsupported).
//!
//! - `sandbox`: the vendor emulators, for `mis demo` and `mis sandbox`.
//! - `postgres`: `--out postgres://…` (TLS by rustls, `sslmode` honoured) and the sync
//!   queue (`mis sync enqueue`, `work`, `status`).
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod cli;
pub mod collect;
#[cfg(feature = "sandbox")]
#[cfg_attr(docsrs, doc(cfg(feature = "sandbox")))]
pub mod demo;
pub mod doctor;
pub mod exit;
pub mod output;
pub mod progress;
pub mod providers;
pub mod registry;
pub mod run;
pub mod sandbox_cmd;
pub mod store;
pub mod sync;

use std::ffi::OsString;
use std::io::Write;

pub use cli::{Cli, Command, ProviderArgs};
pub use exit::CliError;
pub use output::{Format, write_records, write_stream};
pub use providers::open_provider;
pub use registry::{Entry, Registry};

/// Runs a command line (the program name first) against the vendors of `registry`, writing
/// records to `out`: what the `mis` binary does with [`Registry::builtin`], for a program or
/// test with vendors of its own. `--help` and `--version` write their text to `out`; a usage
/// error is `InvalidInput` with clap's message. Warnings about skipped records are returned
/// by the error only under `--strict`.
pub async fn run_with<I, T, W>(registry: &Registry, args: I, out: &mut W) -> Result<(), CliError>
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
    W: Write,
{
    let cli = match registry.try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) if !e.use_stderr() => {
            // `--help` / `--version`: not an error.
            write!(out, "{}", e.render()).map_err(CliError::Output)?;
            return Ok(());
        }
        Err(e) => {
            return Err(CliError::Mis(mis_core::Error::invalid_input(
                e.render().to_string().trim_end(),
            )));
        }
    };
    let diagnostics = run::diagnostics_for(&cli);
    run::run_in(registry, &cli, out, &diagnostics).await
}
