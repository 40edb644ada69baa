//! The command line grammar, declared with clap's derive API.
//!
//! The doc comments below ARE the `--help` text, so they are written for users.
//!
//! Dates are taken as plain strings here and checked afterwards with
//! [`mis_core::query::parse_date`]: clap would report a bad value in its own multi-line
//! format, whereas `mis` promises one `mis: …` line and the invalid-input exit code, and the
//! model crate is the one place that decides what a date looks like.

use std::path::PathBuf;

use clap::{ArgAction, Args, Parser, Subcommand};

use crate::output::Format;

/// Query school MIS vendors through one model: students, attendance, timetables, behaviour.
///
/// Records go to stdout in the chosen --format; errors go to stderr as one `mis: …` line with
/// a non-zero exit code.
#[derive(Debug, Clone, Parser)]
// The `--provider` values and the environment section of `--help` come from the vendor
// registry: parse with `Registry::try_parse_from` (or `Registry::command`).
#[command(name = "mis", version)]
pub struct Cli {
    /// Which vendor, where and which school.
    #[command(flatten)]
    pub provider: ProviderArgs,

    /// Output format: an aligned table, one JSON array, one JSON object per line, or CSV.
    #[arg(long, value_enum, global = true, default_value_t = Format::Table)]
    pub format: Format,

    /// Fail on the first skipped record or degraded read, with that error's exit code,
    /// instead of printing the good records and a warning summary (exit code 10).
    #[arg(long, global = true)]
    pub strict: bool,

    /// More log output on stderr: -v info, -vv debug, -vvv trace (`RUST_LOG` wins when set).
    /// Logs never carry bodies or secrets.
    #[arg(short, long, action = ArgAction::Count, global = true)]
    pub verbose: u8,

    /// Nothing on stderr but the error, if there is one: no warning lines, no progress (the
    /// exit code still says "completed with warnings").
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,

    /// Write the records to FILE (created readable by its owner only: it holds pupils'
    /// data) instead of stdout.
    #[arg(long, value_name = "FILE", global = true)]
    pub output: Option<PathBuf>,

    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The flags that choose and configure a provider; [`crate::providers::open_provider`] reads
/// them.
#[derive(Debug, Clone, Default, Args)]
pub struct ProviderArgs {
    /// The vendor to query. Each reads its credentials from environment variables, listed
    /// at the end of `mis --help`.
    #[arg(long, value_name = "VENDOR", global = true, env = "MIS_PROVIDER")]
    pub provider: Option<String>,

    /// Use this host instead of the vendor's: `scheme://host[:port]`, a trailing slash is
    /// ignored; the vendor's own path prefix is still added. Overrides `MIS_<VENDOR>_BASE_URL`.
    #[arg(long, value_name = "URL", global = true)]
    pub base_url: Option<String>,

    /// The school (tenant) to query, where the vendor or credential gives access to several.
    #[arg(long, value_name = "NAME", global = true)]
    pub school: Option<String>,
}

/// The subcommands.
#[derive(Debug, Clone, Subcommand)]
pub enum Command {
    /// Run every command against an embedded sandbox of every vendor; no credentials.
    Demo,

    /// List students (on roll).
    Students,

    /// List attendance marks (session, lesson or day registers) in a date range.
    Attendance {
        /// The dates to list.
        #[command(flatten)]
        range: RangeArgs,
        /// Only this student (the vendor's id, as in `mis students`).
        #[arg(long, value_name = "ID")]
        student: Option<String>,
    },

    /// DfE attendance statistics per student, then the school total, for a date range.
    AttendanceSummary {
        /// The dates to summarise.
        #[command(flatten)]
        range: RangeArgs,
    },

    /// List dated lessons (cyclic timetables are expanded over the range).
    Timetable {
        /// The dates to list.
        #[command(flatten)]
        range: RangeArgs,
        /// Only this student's lessons (the vendor's id).
        #[arg(long, value_name = "ID")]
        student: Option<String>,
    },

    /// List behaviour events (positive, negative, neutral) in a date range.
    Behaviour {
        /// The dates to list.
        #[command(flatten)]
        range: RangeArgs,
    },

    /// Show what the provider can do, before asking it.
    Capabilities,

    /// Check one school's onboarding before the first sync: credentials, tenant, each
    /// permission, unmapped codes, time zone, quota and a sample read, within a declared
    /// request budget (printed first). Exit code: 0 all ok, 10 a warning, 11 a problem.
    Doctor {
        /// The school day the sample reads (YYYY-MM-DD; default: the last weekday before
        /// today).
        #[arg(long, value_name = "DATE")]
        date: Option<String>,
    },

    /// Print a shell completion script: `mis completions bash > /etc/bash_completion.d/mis`.
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },

    /// Run the chosen vendor's emulator in the foreground (for trying clients locally).
    Sandbox {
        /// Port to listen on (default: a free one).
        #[arg(long, value_name = "N")]
        port: Option<u16>,
        /// The school it serves and its clock.
        #[command(flatten)]
        options: crate::sandbox_cmd::SandboxOptions,
    },

    /// Copy many schools into one database.
    ///
    /// The config file lists the schools and names the environment variables that hold each
    /// one's credentials; it never holds a secret itself.
    #[command(args_conflicts_with_subcommands = true)]
    Sync {
        /// The sync configuration (schools, vendors, which env vars hold their credentials).
        #[arg(long, value_name = "FILE", required = true)]
        config: Option<PathBuf>,
        /// Where to write: `sqlite:PATH` or `postgres://…`.
        #[arg(long, value_name = "URL", required = true)]
        out: Option<String>,
        /// What else to do with a sync database.
        #[command(subcommand)]
        action: Option<SyncAction>,
    },
}

/// `mis sync <action>`: work on a sync database rather than run a sync.
#[derive(Debug, Clone, PartialEq, Eq, Subcommand)]
pub enum SyncAction {
    /// Delete everything stored about one school (`--school NAME`): its pupils' records,
    /// marks, lessons, behaviour, reports and sync progress, in one transaction.
    Purge {
        /// The database: `sqlite:PATH` or `postgres://…`.
        #[arg(long, value_name = "URL")]
        out: String,
    },
    /// Load the sync config into a PostgreSQL queue (one job per school) for `mis sync work`
    /// processes on any number of hosts.
    Enqueue(crate::sync::worker::EnqueueArgs),
    /// Claim queued schools one at a time per slot with a lease and sync them, until the
    /// queue is drained (PostgreSQL only; see `mis sync enqueue`).
    Work(crate::sync::worker::WorkArgs),
    /// Run `mis doctor` for every school of a sync config, one block per school; the exit
    /// code is the worst verdict (0 ok, 10 warning, 11 problem).
    Doctor {
        /// The sync configuration.
        #[arg(long, value_name = "FILE")]
        config: PathBuf,
        /// The school day the sample reads (YYYY-MM-DD; default: the last weekday before
        /// today).
        #[arg(long, value_name = "DATE")]
        date: Option<String>,
    },
    /// Show each queued school: queued, running (worker, since), done (counts), failed (error).
    Status {
        /// The queue's database: `postgres://…`.
        #[arg(long, value_name = "URL")]
        out: String,
    },
}

/// An inclusive date range given as `--from DATE --to DATE`.
#[derive(Debug, Clone, PartialEq, Eq, Args)]
pub struct RangeArgs {
    /// First date, inclusive (YYYY-MM-DD).
    #[arg(long, value_name = "DATE")]
    pub from: String,
    /// Last date, inclusive (YYYY-MM-DD).
    #[arg(long, value_name = "DATE")]
    pub to: String,
}

impl RangeArgs {
    /// Parses both dates, naming the flag (`--from` / `--to`) in the error, and checks the
    /// order. Every error is `InvalidInput`.
    pub fn parse(&self) -> mis_core::Result<mis_core::DateRange> {
        // `DateRange::parse` would name the dates `from`/`to`; the user typed `--from`/`--to`,
        // so those are the names the message should carry.
        let from = mis_core::query::parse_date("--from", &self.from)?;
        let to = mis_core::query::parse_date("--to", &self.to)?;
        mis_core::DateRange::new(from, to)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_grammar_is_consistent() {
        Cli::command().debug_assert();
        crate::Registry::builtin().command().debug_assert();
    }

    #[test]
    fn parses_global_flags_anywhere_and_ranges() {
        let cli = crate::Registry::builtin()
            .try_parse_from([
                "mis",
                "attendance",
                "--from",
                "2024-09-02",
                "--to",
                "2024-09-06",
                "--provider",
                "hubmis",
                "--format",
                "jsonl",
                "--student",
                "42",
            ])
            .unwrap();
        assert_eq!(cli.provider.provider.as_deref(), Some("hubmis"));
        assert_eq!(cli.format, Format::Jsonl);
        let Command::Attendance { range, student } = cli.command else {
            panic!("not attendance: {:?}", cli.command);
        };
        assert_eq!(student.as_deref(), Some("42"));
        let r = range.parse().unwrap();
        assert_eq!(r.days().count(), 5);
    }

    #[test]
    fn bad_and_reversed_dates_name_the_flag() {
        let bad = RangeArgs {
            from: "2024-13-01".into(),
            to: "2024-12-01".into(),
        };
        let e = bad.parse().unwrap_err();
        assert_eq!(e.kind(), mis_core::ErrorKind::InvalidInput);
        assert!(e.to_string().starts_with("--from: "), "{e}");
        let bad = RangeArgs {
            from: "2024-01-01".into(),
            to: "tomorrow".into(),
        };
        assert!(bad.parse().unwrap_err().to_string().starts_with("--to: "));
        let reversed = RangeArgs {
            from: "2024-02-01".into(),
            to: "2024-01-01".into(),
        };
        assert_eq!(
            reversed.parse().unwrap_err().kind(),
            mis_core::ErrorKind::InvalidInput
        );
    }

    #[test]
    fn unknown_provider_is_a_usage_error() {
        let e = crate::Registry::builtin()
            .try_parse_from(["mis", "--provider", "sims", "students"])
            .unwrap_err();
        assert_eq!(e.exit_code(), 2);
    }
}
