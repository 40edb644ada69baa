//! # mis-cli
//!
//! The `mis` command line (DESIGN.md §6) as a library, so the binary stays a few lines and
//! every piece is unit-tested:
//!
//! - [`cli`]: the grammar (clap derive); its doc comments are the `--help` text.
//! - [`providers`]: [`providers::open_provider`], the one place a provider is built.
//! - [`run`]: checks the input, opens the provider, drives each query through the output.
//! - [`output`]: `table`, `json`, `jsonl` and `csv`, implemented once for any record type.
//! - [`exit`]: the error type and the exit code of each error kind.
//! - [`store`]: the normalised tables in SQLite or PostgreSQL (demo and sync).

pub mod cli;
pub mod collect;
pub mod demo;
pub mod exit;
pub mod output;
pub mod progress;
pub mod providers;
pub mod run;
pub mod sandbox_cmd;
pub mod store;
pub mod sync;

pub use cli::{Cli, Command, ProviderArgs, Vendor};
pub use exit::CliError;
pub use output::{Format, write_records, write_stream};
pub use providers::open_provider;
