//! The command line grammar, declared with clap's derive API.
//!
//! The doc comments below ARE the `--help` text, so they are written for users.
//!
//! Dates are taken as plain strings here and checked afterwards with
//! [`mis_core::query::parse_date`]: clap would report a bad value in its own multi-line
//! format, whereas `mis` promises one `mis: …` line and the invalid-input exit code, and the
//! model crate is the one place that decides what a date looks like.
//!
//! The provider flags (`--provider`, `--base-url`, `--school`, [`ProviderArgs`]) belong to
//! the commands that open a provider: the queries, `doctor` and `sandbox`. Each of those
//! takes them after its name, and `mis` takes them before the command too (`mis --provider
//! hubmis students`), so both habits work; the commands that open no provider (`sync`,
//! `demo`, `completions`) neither accept nor list them. [`Cli::provider_args`] merges the two
//! places: a flag after the command wins.

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
// `MIS_PROVIDER` fills the `--provider` given before the command (see `ProviderArgs`).
#[command(name = "mis", version, mut_arg("provider", |arg| arg.env("MIS_PROVIDER")))]
pub struct Cli {
    /// Which vendor, where and which school, given before the command (`mis --provider
    /// hubmis students`). Read them through [`Cli::provider_args`], which adds those given
    /// after the command.
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

impl Cli {
    /// The provider flags in effect: each one given after the command, else before it (else
    /// `MIS_PROVIDER` for `--provider`, which clap reads into the flag before the command).
    pub fn provider_args(&self) -> ProviderArgs {
        match self.command.provider_args() {
            Some(after) => after.or(&self.provider),
            None => self.provider.clone(),
        }
    }
}

/// The flags that choose and configure a provider; [`crate::providers::open_provider`] reads
/// them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Args)]
pub struct ProviderArgs {
    /// The vendor to query (or `MIS_PROVIDER`). Each reads its credentials from environment
    /// variables, listed at the end of `mis --help`.
    // `MIS_PROVIDER` is read by the copy before the command only (see `Registry::command`):
    // were every copy to read it, the variable would override a `--provider` given before
    // the command, since the copy after it wins.
    #[arg(long, value_name = "VENDOR")]
    pub provider: Option<String>,

    /// Use this host instead of the vendor's: `scheme://host[:port]`, a trailing slash is
    /// ignored; the vendor's own path prefix is still added. Overrides `MIS_<VENDOR>_BASE_URL`.
    #[arg(long, value_name = "URL")]
    pub base_url: Option<String>,

    /// The school (tenant) to query, where the vendor or credential gives access to several.
    #[arg(long, value_name = "NAME")]
    pub school: Option<String>,
}

impl ProviderArgs {
    /// Each flag of `self`, else that of `fallback`.
    pub fn or(&self, fallback: &ProviderArgs) -> ProviderArgs {
        ProviderArgs {
            provider: self.provider.clone().or_else(|| fallback.provider.clone()),
            base_url: self.base_url.clone().or_else(|| fallback.base_url.clone()),
            school: self.school.clone().or_else(|| fallback.school.clone()),
        }
    }
}

/// The subcommands.
#[derive(Debug, Clone, Subcommand)]
pub enum Command {
    /// Run every command against an embedded sandbox of every vendor; no credentials.
    Demo,

    /// List students (on roll).
    Students {
        /// Which vendor, where and which school.
        #[command(flatten)]
        provider: ProviderArgs,
    },

    /// List attendance marks (session, lesson or day registers) in a date range.
    Attendance {
        /// The dates to list.
        #[command(flatten)]
        range: RangeArgs,
        /// Only this student (the vendor's id, as in `mis students`).
        #[arg(long, value_name = "ID")]
        student: Option<String>,
        /// Which vendor, where and which school.
        #[command(flatten)]
        provider: ProviderArgs,
    },

    /// DfE attendance statistics per student, then the school total, for a date range.
    AttendanceSummary {
        /// The dates to summarise.
        #[command(flatten)]
        range: RangeArgs,
        /// Which vendor, where and which school.
        #[command(flatten)]
        provider: ProviderArgs,
    },

    /// List dated lessons (cyclic timetables are expanded over the range).
    Timetable {
        /// The dates to list.
        #[command(flatten)]
        range: RangeArgs,
        /// Only this student's lessons (the vendor's id).
        #[arg(long, value_name = "ID")]
        student: Option<String>,
        /// Which vendor, where and which school.
        #[command(flatten)]
        provider: ProviderArgs,
    },

    /// List behaviour events (positive, negative, neutral) in a date range.
    Behaviour {
        /// The dates to list.
        #[command(flatten)]
        range: RangeArgs,
        /// Which vendor, where and which school.
        #[command(flatten)]
        provider: ProviderArgs,
    },

    /// Show what the provider can do, before asking it (without a provider: every vendor's).
    Capabilities {
        /// Which vendor, where and which school.
        #[command(flatten)]
        provider: ProviderArgs,
    },

    /// Check one school's onboarding before the first sync: credentials, tenant, each
    /// permission, unmapped codes, time zone, quota and a sample read, within a declared
    /// request budget (printed first). Exit code: 0 all ok, 10 a warning, 11 a problem.
    Doctor {
        /// The school day the sample reads (YYYY-MM-DD; default: the last weekday before
        /// today).
        #[arg(long, value_name = "DATE")]
        date: Option<String>,
        /// Which vendor, where and which school.
        #[command(flatten)]
        provider: ProviderArgs,
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
        /// Which vendor (`--provider`) to emulate.
        #[command(flatten)]
        provider: ProviderArgs,
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

impl Command {
    /// The provider flags given after the command's name, for a command that takes them.
    pub fn provider_args(&self) -> Option<&ProviderArgs> {
        match self {
            Command::Students { provider }
            | Command::Attendance { provider, .. }
            | Command::AttendanceSummary { provider, .. }
            | Command::Timetable { provider, .. }
            | Command::Behaviour { provider, .. }
            | Command::Capabilities { provider }
            | Command::Doctor { provider, .. }
            | Command::Sandbox { provider, .. } => Some(provider),
            Command::Demo | Command::Completions { .. } | Command::Sync { .. } => None,
        }
    }
}

/// `mis sync <action>`: work on a sync database rather than run a sync.
#[derive(Debug, Clone, PartialEq, Eq, Subcommand)]
pub enum SyncAction {
    /// Delete everything stored about one school: its pupils' records, marks, lessons,
    /// behaviour, reports and sync progress, in one transaction.
    Purge {
        /// The school's name, exactly as in the sync config.
        #[arg(long, value_name = "NAME")]
        school: String,
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
        let Command::Attendance { range, student, .. } = cli.command else {
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

    /// The help `mis` prints for `args` (`--help` last).
    fn help(args: &[&str]) -> String {
        match crate::Registry::builtin().try_parse_from(args) {
            Err(e) if !e.use_stderr() => e.render().to_string(),
            other => panic!("{args:?} is not help: {other:?}"),
        }
    }

    #[test]
    fn commands_that_open_no_provider_do_not_list_the_provider_flags() {
        for args in [
            &["mis", "sync", "--help"][..],
            &["mis", "sync", "purge", "--help"],
            &["mis", "sync", "enqueue", "--help"],
            &["mis", "sync", "work", "--help"],
            &["mis", "sync", "status", "--help"],
            &["mis", "sync", "doctor", "--help"],
            &["mis", "demo", "--help"],
            &["mis", "completions", "--help"],
        ] {
            let text = help(args);
            assert!(text.contains("Usage: mis "), "{args:?}: {text}");
            for flag in ["--provider", "--base-url"] {
                assert!(!text.contains(flag), "{args:?} lists {flag}: {text}");
            }
            // `sync purge` has a `--school` of its own: the school's name in the config.
            if args[2] == "purge" {
                assert!(text.contains("exactly as in the sync config"), "{text}");
            } else {
                assert!(
                    !text.contains("--school"),
                    "{args:?} lists --school: {text}"
                );
            }
        }
        // Nor does clap accept them there.
        let e = crate::Registry::builtin()
            .try_parse_from([
                "mis",
                "sync",
                "--provider",
                "hubmis",
                "--config",
                "a",
                "--out",
                "b",
            ])
            .unwrap_err();
        assert_eq!(e.exit_code(), 2);
    }

    #[test]
    fn commands_that_open_a_provider_list_the_provider_flags() {
        for command in [
            "students",
            "attendance",
            "attendance-summary",
            "timetable",
            "behaviour",
            "capabilities",
            "doctor",
            "sandbox",
        ] {
            let text = help(&["mis", command, "--help"]);
            for flag in ["--provider <VENDOR>", "--base-url <URL>", "--school <NAME>"] {
                assert!(
                    text.contains(flag),
                    "mis {command} --help lacks {flag}: {text}"
                );
            }
        }
        // Before the command, too (`mis --provider hubmis students`).
        let text = help(&["mis", "--help"]);
        assert!(text.contains("--provider <VENDOR>"), "{text}");
    }

    #[test]
    fn provider_flags_work_before_and_after_the_command_and_after_wins() {
        let registry = crate::Registry::builtin();
        let parse = |args: &[&str]| registry.try_parse_from(args).unwrap();
        let before = parse(&["mis", "--provider", "hubmis", "--school", "a", "students"]);
        let after = parse(&["mis", "students", "--provider", "hubmis", "--school", "a"]);
        assert_eq!(before.provider_args(), after.provider_args());
        assert_eq!(before.provider.provider.as_deref(), Some("hubmis"));
        assert_eq!(after.provider.school.as_deref(), Some("a"));
        let both = parse(&[
            "mis",
            "--provider",
            "hubmis",
            "--base-url",
            "http://127.0.0.1:1",
            "doctor",
            "--provider",
            "go4schools",
        ]);
        let args = both.provider_args();
        assert_eq!(args.provider.as_deref(), Some("go4schools"), "after wins");
        assert_eq!(args.base_url.as_deref(), Some("http://127.0.0.1:1"));
        // A value after the command is checked against the registry as well.
        let e = registry
            .try_parse_from(["mis", "students", "--provider", "sims"])
            .unwrap_err();
        assert_eq!(e.exit_code(), 2);
        // Without the registry (plain clap), the flags are merged at dispatch.
        let cli = Cli::try_parse_from(["mis", "sandbox", "--provider", "hubmis"]).unwrap();
        assert_eq!(cli.provider.provider, None);
        assert_eq!(cli.provider_args().provider.as_deref(), Some("hubmis"));
    }

    #[test]
    fn purge_takes_its_own_school() {
        let cli = crate::Registry::builtin()
            .try_parse_from([
                "mis", "sync", "purge", "--school", "Oak", "--out", "sqlite:x",
            ])
            .unwrap();
        let Command::Sync {
            action: Some(SyncAction::Purge { school, out }),
            ..
        } = cli.command
        else {
            panic!("not purge: {:?}", cli.command);
        };
        assert_eq!((school.as_str(), out.as_str()), ("Oak", "sqlite:x"));
        let e = crate::Registry::builtin()
            .try_parse_from(["mis", "sync", "purge", "--out", "sqlite:x"])
            .unwrap_err();
        assert_eq!(e.exit_code(), 2, "--school is required");
    }

    #[test]
    fn unknown_provider_is_a_usage_error() {
        let e = crate::Registry::builtin()
            .try_parse_from(["mis", "--provider", "sims", "students"])
            .unwrap_err();
        assert_eq!(e.exit_code(), 2);
    }
}
