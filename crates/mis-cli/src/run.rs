//! Running a parsed command line: check the input, open the provider, stream the records
//! through the one formatter.
//!
//! The order matters: the input is checked before a provider is opened, so a bad date is
//! reported as the bad date it is (exit code 2), without credentials, a network round trip,
//! or a provider error masking it.

use std::io::Write;
use std::sync::Arc;

use futures::TryStreamExt;
use mis_core::{
    AttendanceQuery, BehaviourQuery, Capabilities, Diagnostics, Error, ErrorKind, MisProvider,
    StudentQuery, TimetableQuery, Warning,
};
use serde::{Deserialize, Serialize};

#[cfg(not(feature = "postgres"))]
use crate::cli::SyncAction;
use crate::cli::{Cli, Command};
use crate::exit::CliError;
use crate::output::{Format, write_records, write_stream};
use crate::providers::open_provider;
use crate::registry::Registry;

/// A command that asks a provider for records, with its input already checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Query {
    /// `mis students`.
    Students(StudentQuery),
    /// `mis attendance`.
    Attendance(AttendanceQuery),
    /// `mis attendance-summary`: the marks to summarise.
    AttendanceSummary(AttendanceQuery),
    /// `mis timetable`.
    Timetable(TimetableQuery),
    /// `mis behaviour`.
    Behaviour(BehaviourQuery),
    /// `mis capabilities`.
    Capabilities,
}

impl Query {
    /// The query `command` asks for, or `None` for a command that is not a provider query
    /// (`demo`, `sandbox`, `sync`). Bad dates and reversed ranges are `InvalidInput`, with
    /// the flag named.
    pub fn from_command(command: &Command) -> mis_core::Result<Option<Query>> {
        let query = match command {
            Command::Demo
            | Command::Doctor { .. }
            | Command::Sandbox { .. }
            | Command::Sync { .. }
            | Command::Completions { .. } => return Ok(None),
            Command::Students { .. } => Query::Students(StudentQuery::new()),
            Command::Attendance { range, student, .. } => {
                let mut q = AttendanceQuery::new(range.parse()?);
                if let Some(id) = student {
                    q = q.student(id.as_str());
                }
                Query::Attendance(q)
            }
            Command::AttendanceSummary { range, .. } => {
                Query::AttendanceSummary(AttendanceQuery::new(range.parse()?))
            }
            Command::Timetable { range, student, .. } => {
                let mut q = TimetableQuery::new(range.parse()?);
                if let Some(id) = student {
                    q = q.student(id.as_str());
                }
                Query::Timetable(q)
            }
            Command::Behaviour { range, .. } => {
                Query::Behaviour(BehaviourQuery::new(range.parse()?))
            }
            Command::Capabilities { .. } => Query::Capabilities,
        };
        Ok(Some(query))
    }

    /// The query reporting its skipped records and degraded parts to `diagnostics`.
    pub fn with_diagnostics(self, diagnostics: Diagnostics) -> Query {
        match self {
            Query::Students(q) => Query::Students(q.with_diagnostics(diagnostics)),
            Query::Attendance(q) => Query::Attendance(q.with_diagnostics(diagnostics)),
            Query::AttendanceSummary(q) => {
                Query::AttendanceSummary(q.with_diagnostics(diagnostics))
            }
            Query::Timetable(q) => Query::Timetable(q.with_diagnostics(diagnostics)),
            Query::Behaviour(q) => Query::Behaviour(q.with_diagnostics(diagnostics)),
            Query::Capabilities => Query::Capabilities,
        }
    }
}

/// The diagnostics handle a command line asks for: strict with `--strict`.
pub fn diagnostics_for(cli: &Cli) -> Diagnostics {
    if cli.strict {
        Diagnostics::strict()
    } else {
        Diagnostics::new()
    }
}

/// Prints one `mis: warning: …` line per kind of warning (count and first ids) on `err`.
/// Ids are the vendor's record ids: never a name, a secret or a message body.
pub fn report_warnings<E: Write>(warnings: &[Warning], err: &mut E) -> std::io::Result<()> {
    for line in mis_core::diagnostics::summarise(warnings, 5) {
        writeln!(err, "mis: {}", line.replace(['\r', '\n'], " "))?;
    }
    Ok(())
}

/// Runs a whole command line against the built-in vendors, writing records to `out` and
/// reporting skipped records to `diagnostics` (see [`diagnostics_for`]). The caller reports
/// the error and the warnings.
pub async fn run<W: Write>(
    cli: &Cli,
    out: &mut W,
    diagnostics: &Diagnostics,
) -> Result<(), CliError> {
    run_in(&Registry::builtin(), cli, out, diagnostics).await
}

/// [`run`] with the vendors of `registry`.
pub async fn run_in<W: Write>(
    registry: &Registry,
    cli: &Cli,
    out: &mut W,
    diagnostics: &Diagnostics,
) -> Result<(), CliError> {
    let Some(query) = Query::from_command(&cli.command)? else {
        return match &cli.command {
            Command::Doctor { date, .. } => {
                let date = parse_day(date.as_deref())?;
                let provider = cli.provider_args();
                crate::doctor::run_one(registry, &provider, date, cli.format, cli.quiet, out).await
            }
            Command::Sync {
                action: Some(crate::cli::SyncAction::Doctor { config, date }),
                ..
            } => {
                let date = parse_day(date.as_deref())?;
                crate::doctor::run_config(registry, config, date, cli.format, cli.quiet, out).await
            }
            _ => Ok(run_tool(registry, cli, out).await?),
        };
    };
    let provider_args = cli.provider_args();
    if query == Query::Capabilities && provider_args.provider.is_none() {
        // No provider chosen: the matrix of every vendor.
        write_records(registry.capability_matrix(), cli.format, out)?;
        return Ok(());
    }
    let provider = open_provider(registry, &provider_args)?;
    let query = query.with_diagnostics(diagnostics.clone());
    run_query(provider, query, cli.format, out).await
}

/// Runs one query against any provider and prints the records in `format`.
///
/// Lists are streamed: records are written as the provider's pages arrive. The summary is the
/// exception, since statistics need every mark first.
pub async fn run_query<W: Write>(
    provider: Arc<dyn MisProvider>,
    query: Query,
    format: Format,
    out: &mut W,
) -> Result<(), CliError> {
    match query {
        Query::Students(q) => write_stream(provider.students(q), format, out).await,
        Query::Attendance(q) => write_stream(provider.attendance(q), format, out).await,
        Query::Timetable(q) => write_stream(provider.timetable(q), format, out).await,
        Query::Behaviour(q) => write_stream(provider.behaviour(q), format, out).await,
        Query::AttendanceSummary(q) => {
            let marks: Vec<_> = provider.attendance(q).try_collect().await?;
            let (students, total) = mis_core::stats::summarise_by_student(&marks);
            // The school total comes last, as the one row whose `student_id` is null.
            write_records(students.into_iter().chain([total]), format, out)?;
            Ok(())
        }
        Query::Capabilities => {
            write_records(capability_rows(&provider.capabilities()), format, out)?;
            Ok(())
        }
    }
}

/// One row of `mis capabilities`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CapabilityRow {
    /// The capability's name, as in [`Capabilities::flags`].
    pub capability: String,
    /// Whether the provider has it.
    pub supported: bool,
}

/// The capabilities as printable rows, in [`Capabilities::flags`] order.
pub fn capability_rows(capabilities: &Capabilities) -> Vec<CapabilityRow> {
    capabilities
        .flags()
        .into_iter()
        .map(|(name, supported)| CapabilityRow {
            capability: name.to_string(),
            supported,
        })
        .collect()
}

/// The error of a command whose Cargo feature this `mis` was built without: `Unsupported`
/// (exit code 3), naming the command and the feature, so a slim build explains itself
/// instead of failing as if the command did not exist.
pub fn not_built(command: &str, feature: &str) -> Error {
    Error::new(
        ErrorKind::Unsupported,
        format!(
            "{command}: this mis was built without the \"{feature}\" feature (it is on by \
             default: build or install mis-cli without --no-default-features)"
        ),
    )
}

/// `--date` of `mis doctor`, named in the error.
fn parse_day(date: Option<&str>) -> mis_core::Result<Option<jiff::civil::Date>> {
    date.map(|d| mis_core::query::parse_date("--date", d))
        .transpose()
}

/// The commands that are not a provider query: `demo`, `sandbox`, `sync`.
async fn run_tool<W: Write>(registry: &Registry, cli: &Cli, out: &mut W) -> mis_core::Result<()> {
    match &cli.command {
        #[cfg(feature = "sandbox")]
        Command::Demo => {
            crate::demo::run(registry, out, crate::demo::DEMO_DB, crate::demo::DEMO_SIZE).await?;
            Ok(())
        }
        #[cfg(not(feature = "sandbox"))]
        Command::Demo => Err(not_built("mis demo", "sandbox")),
        Command::Completions { shell } => {
            clap_complete::generate(*shell, &mut registry.command(), "mis", out);
            Ok(())
        }
        #[cfg(not(feature = "sandbox"))]
        Command::Sandbox { .. } => Err(not_built("mis sandbox", "sandbox")),
        #[cfg(feature = "sandbox")]
        Command::Sandbox { port, options, .. } => {
            let Some(id) = cli.provider_args().provider else {
                return Err(Error::invalid_input(format!(
                    "mis sandbox needs --provider ({})",
                    registry.ids().join(", ")
                )));
            };
            let entry = registry.lookup(&id)?;
            crate::sandbox_cmd::run(entry, port.unwrap_or(0), options, out).await
        }
        Command::Sync {
            action: Some(crate::cli::SyncAction::Purge { out: url, school }),
            ..
        } => crate::sync::purge(url, school, out).await,
        #[cfg(feature = "postgres")]
        Command::Sync {
            action: Some(crate::cli::SyncAction::Enqueue(args)),
            ..
        } => crate::sync::worker::enqueue(args, cli.format, out).await,
        #[cfg(feature = "postgres")]
        Command::Sync {
            action: Some(crate::cli::SyncAction::Work(args)),
            ..
        } => crate::sync::worker::work(args, cli.format, out).await,
        #[cfg(feature = "postgres")]
        Command::Sync {
            action: Some(crate::cli::SyncAction::Status { out: url }),
            ..
        } => crate::sync::worker::status(url, cli.format, out).await,
        // The queue lives in PostgreSQL: without its driver these commands cannot run.
        #[cfg(not(feature = "postgres"))]
        Command::Sync {
            action:
                Some(
                    action @ (SyncAction::Enqueue(_)
                    | SyncAction::Work(_)
                    | SyncAction::Status { .. }),
                ),
            ..
        } => Err(not_built(
            match action {
                SyncAction::Enqueue(_) => "mis sync enqueue",
                SyncAction::Work(_) => "mis sync work",
                _ => "mis sync status",
            },
            "postgres",
        )),
        Command::Sync {
            config: Some(config),
            out: Some(url),
            ..
        } => crate::sync::run(config, url, cli.format, out).await,
        Command::Sync { .. } => Err(Error::invalid_input(
            "mis sync needs --config FILE and --out URL",
        )),
        // Every other command is a query, handled by the caller.
        _ => Err(Error::new(ErrorKind::InvalidInput, "not a tool command")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;
    use jiff::civil::date;
    use mis_core::memory::{MemoryData, MemoryProvider};
    use mis_core::{AttendanceCategory, AttendanceMark, Session, Slot, Student};

    fn parse(args: &[&str]) -> Cli {
        Cli::try_parse_from(std::iter::once("mis").chain(args.iter().copied())).unwrap()
    }

    fn mark(
        student: &str,
        day: i8,
        session: Session,
        category: AttendanceCategory,
    ) -> AttendanceMark {
        AttendanceMark::new(
            "memory",
            student,
            date(2024, 9, day),
            Slot::Session,
            "?",
            category,
        )
        .with_session(session)
    }

    fn provider() -> Arc<dyn MisProvider> {
        let data = MemoryData {
            students: vec![
                Student::new("memory", "1", "Ada", "Lovelace"),
                Student::new("memory", "2", "Alan", "Turing"),
            ],
            marks: vec![
                mark("1", 2, Session::Am, AttendanceCategory::Present),
                mark("1", 2, Session::Pm, AttendanceCategory::UnauthorisedAbsence),
                mark("2", 2, Session::Am, AttendanceCategory::Present),
                mark("2", 2, Session::Pm, AttendanceCategory::Present),
                mark("2", 9, Session::Am, AttendanceCategory::Present),
            ],
            ..MemoryData::default()
        };
        Arc::new(MemoryProvider::new(data))
    }

    async fn run_text(cli: &Cli) -> String {
        let query = Query::from_command(&cli.command).unwrap().unwrap();
        let mut out = Vec::new();
        run_query(provider(), query, cli.format, &mut out)
            .await
            .unwrap();
        String::from_utf8(out).unwrap()
    }

    /// A provider that skips student 2 as a malformed record, the way a vendor crate does.
    #[derive(Debug)]
    struct SkipsOne(Arc<dyn MisProvider>);

    #[async_trait::async_trait]
    impl MisProvider for SkipsOne {
        fn info(&self) -> &mis_core::ProviderInfo {
            self.0.info()
        }
        fn capabilities(&self) -> Capabilities {
            self.0.capabilities()
        }
        fn students(
            &self,
            q: StudentQuery,
        ) -> futures::stream::BoxStream<'static, mis_core::Result<Student>> {
            use futures::StreamExt;
            let d = q.diagnostics.clone();
            self.0
                .students(q)
                .filter_map(move |r| {
                    let out = match r {
                        Ok(s) if s.id == "2" => d
                            .report(mis_core::Warning::skipped_record(
                                "memory",
                                "students.list",
                                "student",
                                Some("2".into()),
                                "invalid type at date_of_birth",
                            ))
                            .err()
                            .map(Err),
                        other => Some(other),
                    };
                    futures::future::ready(out)
                })
                .boxed()
        }
        fn attendance(
            &self,
            q: AttendanceQuery,
        ) -> futures::stream::BoxStream<'static, mis_core::Result<AttendanceMark>> {
            self.0.attendance(q)
        }
        fn timetable(
            &self,
            q: TimetableQuery,
        ) -> futures::stream::BoxStream<'static, mis_core::Result<mis_core::Lesson>> {
            self.0.timetable(q)
        }
        fn behaviour(
            &self,
            q: BehaviourQuery,
        ) -> futures::stream::BoxStream<'static, mis_core::Result<mis_core::BehaviourEvent>>
        {
            self.0.behaviour(q)
        }
    }

    #[tokio::test]
    async fn warnings_reach_the_diagnostics_and_strict_fails() {
        let p: Arc<dyn MisProvider> = Arc::new(SkipsOne(provider()));
        let d = Diagnostics::new();
        let q = Query::Students(StudentQuery::new()).with_diagnostics(d.clone());
        let mut out = Vec::new();
        run_query(p.clone(), q, Format::Jsonl, &mut out)
            .await
            .unwrap();
        assert_eq!(String::from_utf8(out).unwrap().lines().count(), 1);
        let mut err = Vec::new();
        report_warnings(&d.warnings(), &mut err).unwrap();
        assert_eq!(
            String::from_utf8(err).unwrap(),
            "mis: warning: memory students.list: 1 × student record skipped (decode, student); \
             ids 2\n"
        );

        let strict = diagnostics_for(&parse(&["--strict", "students"]));
        let q = Query::Students(StudentQuery::new()).with_diagnostics(strict);
        let e = run_query(p, q, Format::Jsonl, &mut Vec::new())
            .await
            .unwrap_err();
        assert_eq!(e.exit_code(), crate::exit::VENDOR, "decode: {e}");
    }

    #[tokio::test]
    async fn students_stream_through_the_formatter() {
        let text = run_text(&parse(&["--format", "jsonl", "students"])).await;
        assert_eq!(text.lines().count(), 2);
        assert!(text.starts_with(r#"{"provider":"memory","id":"1","first_name":"Ada""#));
    }

    #[tokio::test]
    async fn attendance_honours_range_and_student() {
        let cli = parse(&[
            "--format",
            "csv",
            "attendance",
            "--from",
            "2024-09-01",
            "--to",
            "2024-09-05",
            "--student",
            "2",
        ]);
        let text = run_text(&cli).await;
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3, "{text}");
        assert!(lines[1].starts_with("memory,2,2024-09-02,session,am,"));
    }

    #[tokio::test]
    async fn summary_has_one_row_per_student_then_the_total() {
        let cli = parse(&[
            "--format",
            "json",
            "attendance-summary",
            "--from",
            "2024-09-01",
            "--to",
            "2024-09-30",
        ]);
        let v: serde_json::Value = serde_json::from_str(&run_text(&cli).await).unwrap();
        let rows = v.as_array().unwrap();
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[0]["student_id"], "1");
        assert_eq!(rows[0]["attendance_percent"], 50.0);
        assert_eq!(rows[1]["student_id"], "2");
        assert_eq!(rows[2]["student_id"], serde_json::Value::Null);
        assert_eq!(rows[2]["students"], 2);
        assert_eq!(rows[2]["possible"], 5);
    }

    /// A trust's mixed input (one student with AM/PM marks, one with day marks only, one
    /// unmapped code): every student is reported, and the unmapped code is named.
    #[tokio::test]
    async fn the_summary_reports_every_student_of_a_mixed_register_input() {
        let day = |student: &str, d: i8, code: &str, category| {
            let on = date(2024, 9, d);
            AttendanceMark::new("memory", student, on, Slot::Day, code, category)
        };
        let data = MemoryData {
            marks: vec![
                mark("1", 2, Session::Am, AttendanceCategory::Present),
                mark("1", 2, Session::Pm, AttendanceCategory::UnauthorisedAbsence),
                day("2", 2, "Present", AttendanceCategory::Present),
                day("2", 3, "Dismissed", AttendanceCategory::Unmapped),
            ],
            ..MemoryData::default()
        };
        let p: Arc<dyn MisProvider> = Arc::new(MemoryProvider::new(data));
        let cli = parse(&[
            "--format",
            "json",
            "attendance-summary",
            "--from",
            "2024-09-01",
            "--to",
            "2024-09-30",
        ]);
        let query = Query::from_command(&cli.command).unwrap().unwrap();
        let mut out = Vec::new();
        run_query(p, query, cli.format, &mut out).await.unwrap();
        let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
        let rows = v.as_array().unwrap();
        assert_eq!(rows.len(), 3, "{v}");
        assert_eq!(
            (rows[0]["student_id"].as_str(), rows[0]["slot"].as_str()),
            (Some("1"), Some("session"))
        );
        assert_eq!(
            (rows[1]["student_id"].as_str(), rows[1]["slot"].as_str()),
            (Some("2"), Some("day"))
        );
        assert_eq!(rows[1]["attendance_percent"], 100.0);
        assert_eq!(rows[2]["students"], 2);
        assert_eq!(rows[2]["unmapped"], 1);
        assert_eq!(rows[2]["unmapped_codes"][0]["code"], "Dismissed");
    }

    #[tokio::test]
    async fn capabilities_are_rows_of_name_and_flag() {
        let text = run_text(&parse(&["capabilities"])).await;
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "capability           supported");
        assert_eq!(lines[1], "students             true");
        assert_eq!(lines.len(), 1 + Capabilities::default().flags().len());

        let rows = capability_rows(&Capabilities::default());
        assert!(rows.iter().all(|r| !r.supported));
        let mut csv = Vec::new();
        write_records(rows, Format::Csv, &mut csv).unwrap();
        assert!(
            String::from_utf8(csv)
                .unwrap()
                .starts_with("capability,supported\nstudents,false\n")
        );
    }

    #[test]
    fn the_capability_matrix_covers_every_vendor_without_credentials() {
        let rows = Registry::builtin().capability_matrix();
        assert_eq!(rows.len(), Capabilities::default().flags().len());
        let get = |name: &str| {
            rows.iter()
                .find(|r| r["capability"] == name)
                .unwrap()
                .clone()
        };
        let students = get("students");
        for vendor in ["go4schools", "hubmis", "classe365", "managebac"] {
            assert_eq!(students[vendor], true, "{vendor}");
        }
        let timetable = get("timetable");
        assert_eq!(timetable["classe365"], false, "Classe365 has no timetable");
        assert_eq!(timetable["go4schools"], true);
    }

    #[tokio::test]
    async fn tool_commands_check_their_input_in_one_line() {
        #[cfg(feature = "sandbox")]
        {
            let e = run(
                &parse(&["sandbox", "--port", "0"]),
                &mut Vec::new(),
                &Diagnostics::new(),
            )
            .await
            .unwrap_err();
            assert_eq!(e.exit_code(), crate::exit::INVALID_INPUT);
            assert!(e.to_string().contains("--provider"), "{e}");
        }
        let e = run(
            &parse(&[
                "sync",
                "--config",
                "/no/such/schools.toml",
                "--out",
                "sqlite:x.db",
            ]),
            &mut Vec::new(),
            &Diagnostics::new(),
        )
        .await
        .unwrap_err();
        assert_eq!(e.exit_code(), crate::exit::INVALID_INPUT);
        assert!(e.to_string().contains("--config"), "{e}");
    }

    /// The one-line error of `args`, and its exit code.
    #[cfg(not(all(feature = "sandbox", feature = "postgres")))]
    async fn failure(args: &[&str]) -> (String, u8) {
        let e = run(&parse(args), &mut Vec::new(), &Diagnostics::new())
            .await
            .unwrap_err();
        (e.with_causes(), e.exit_code())
    }

    /// A slim build (`--no-default-features`) names the feature a command needs, with the
    /// unsupported exit code: the flags still parse, so it is not a usage error.
    #[cfg(not(feature = "sandbox"))]
    #[tokio::test]
    async fn without_the_sandbox_feature_demo_and_sandbox_name_it() {
        for (args, command) in [
            (&["demo"][..], "mis demo"),
            (
                &["sandbox", "--provider", "hubmis", "--port", "0"],
                "mis sandbox",
            ),
        ] {
            let (line, code) = failure(args).await;
            assert_eq!(code, crate::exit::UNSUPPORTED, "{line}");
            assert!(
                line.starts_with(&format!(
                    "{command}: this mis was built without the \"sandbox\" feature"
                )),
                "{line}"
            );
        }
    }

    /// As above, for the PostgreSQL driver and the queue that lives in it.
    #[cfg(not(feature = "postgres"))]
    #[tokio::test]
    async fn without_the_postgres_feature_the_queue_and_postgres_out_name_it() {
        let url = "postgres://mis@127.0.0.1:1/mis";
        for (args, command) in [
            (
                &["sync", "enqueue", "--config", "trust.toml", "--out", url][..],
                "mis sync enqueue",
            ),
            (&["sync", "work", "--out", url], "mis sync work"),
            (&["sync", "status", "--out", url], "mis sync status"),
        ] {
            let (line, code) = failure(args).await;
            assert_eq!(code, crate::exit::UNSUPPORTED, "{line}");
            assert!(
                line.starts_with(&format!(
                    "{command}: this mis was built without the \"postgres\" feature"
                )),
                "{line}"
            );
        }
        let Err(e) = crate::store::open(url).await else {
            panic!("postgres:// is refused without the feature");
        };
        assert_eq!(e.kind(), ErrorKind::Unsupported);
        assert!(
            e.to_string().contains("without the \"postgres\" feature"),
            "{e}"
        );
        // SQLite is part of every build.
        let dir = std::env::temp_dir().join(format!("mis-slim-{}.sqlite", std::process::id()));
        let path = dir.to_string_lossy().into_owned();
        assert!(crate::store::open(&format!("sqlite:{path}")).await.is_ok());
        let _ = std::fs::remove_file(&dir);
    }

    #[tokio::test]
    async fn dates_are_checked_before_the_provider_is_opened() {
        let cli = parse(&[
            "--provider",
            "hubmis",
            "behaviour",
            "--from",
            "2024-09-01",
            "--to",
            "2024-02-30",
        ]);
        let e = run(&cli, &mut Vec::new(), &Diagnostics::new())
            .await
            .unwrap_err();
        assert_eq!(e.exit_code(), crate::exit::INVALID_INPUT);
        assert!(e.to_string().starts_with("--to: "), "{e}");
    }
}
