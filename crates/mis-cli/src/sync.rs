//! `mis sync --config trust.toml --out sqlite:PATH|postgres://…`: many schools, on any mix of
//! vendors, pulled concurrently into one normalised database.
//!
//! The config names the environment variables that hold each school's credentials; it never
//! holds a secret itself, and a value that is not a plausible variable name is rejected (it is
//! most likely a pasted secret). Each school's own rate limit still applies (every provider
//! has its own client stack). One school failing does not stop the others; the run reports
//! per school and fails overall if any school failed.
//!
//! ```toml
//! from = "2024-09-02"        # or: last_days = 14
//! to = "2024-09-13"
//!
//! [[school]]
//! name = "Oak Academy"
//! provider = "go4schools"
//! base_url = "http://127.0.0.1:8080"        # optional
//! credentials = { api_key = "OAK_G4S_KEY" } # credential -> env var NAME
//! ```

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

use futures::future::join_all;
use mis_core::{DateRange, Error, ErrorKind, Result};
use serde::{Deserialize, Serialize};

use crate::cli::Vendor;
use crate::collect::read_school;
use crate::output::{Format, write_records};
use crate::providers::open_provider_with;
use crate::store::{self, Written};

/// The sync configuration file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SyncConfig {
    /// First date (with `to`).
    pub from: Option<String>,
    /// Last date (with `from`).
    pub to: Option<String>,
    /// Or: the last N days up to today.
    pub last_days: Option<u32>,
    /// The schools.
    #[serde(rename = "school")]
    pub schools: Vec<SchoolConfig>,
}

/// One school in the config.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SchoolConfig {
    /// A unique name for the school (the key in every table).
    pub name: String,
    /// `classcharts`, `go4schools`, `hubmis`, `classe365` or `managebac`.
    pub provider: String,
    /// Host override (`scheme://host[:port]`).
    pub base_url: Option<String>,
    /// Credential name (`api_key`, `client_id`, …) → the environment variable holding it.
    #[serde(default)]
    pub credentials: BTreeMap<String, String>,
}

/// Whether `name` looks like an environment variable name (and not like a pasted secret).
fn is_env_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_uppercase() || c == '_')
        && chars.all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
        && name.len() <= 64
}

impl SyncConfig {
    /// Reads and checks a config file.
    pub fn load(path: &Path) -> Result<SyncConfig> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            Error::invalid_input(format!("--config: cannot read {}: {e}", path.display()))
        })?;
        SyncConfig::parse(&text)
    }

    /// Parses and checks config text.
    pub fn parse(text: &str) -> Result<SyncConfig> {
        // toml's error text quotes the offending line, which could be a pasted secret: only
        // its position is reported.
        let config: SyncConfig = toml::from_str(text).map_err(|e| {
            let at = e
                .span()
                .map(|s| format!(" at byte {}", s.start))
                .unwrap_or_default();
            Error::invalid_input(format!(
                "--config: not a valid sync config{at} (expected from/to or last_days and \
                 [[school]] tables with name, provider, optional base_url and credentials)"
            ))
        })?;
        if config.schools.is_empty() {
            return Err(Error::invalid_input("--config: no [[school]] listed"));
        }
        let mut names = std::collections::BTreeSet::new();
        for s in &config.schools {
            if !names.insert(s.name.as_str()) {
                return Err(Error::invalid_input(format!(
                    "--config: school {:?} is listed twice",
                    s.name
                )));
            }
            parse_vendor(&s.provider).ok_or_else(|| {
                Error::invalid_input(format!(
                    "--config: school {:?}: unknown provider {:?}",
                    s.name, s.provider
                ))
            })?;
            for (credential, var) in &s.credentials {
                if !is_env_name(var) {
                    return Err(Error::invalid_input(format!(
                        "--config: school {:?}: credentials.{credential} must name an environment \
                         variable (A-Z, 0-9, _), not hold the secret itself",
                        s.name
                    )));
                }
            }
        }
        config.range()?;
        Ok(config)
    }

    /// The dates to sync.
    pub fn range(&self) -> Result<DateRange> {
        match (&self.from, &self.to, self.last_days) {
            (Some(from), Some(to), None) => DateRange::parse(from, to),
            (None, None, Some(days)) if days > 0 => {
                let today = jiff::Zoned::now().date();
                let from = today
                    .checked_sub(jiff::Span::new().days(i64::from(days) - 1))
                    .map_err(|e| Error::invalid_input(format!("--config: last_days: {e}")))?;
                DateRange::new(from, today)
            }
            _ => Err(Error::invalid_input(
                "--config: give either from and to (YYYY-MM-DD) or last_days (> 0)",
            )),
        }
    }
}

fn parse_vendor(id: &str) -> Option<Vendor> {
    Vendor::ALL.into_iter().find(|v| v.as_str() == id)
}

/// How one school's sync went.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncRow {
    /// The school.
    pub school: String,
    /// The vendor.
    pub provider: String,
    /// `ok` or `failed`.
    pub status: String,
    /// Students written.
    pub students: u64,
    /// Marks written.
    pub marks: u64,
    /// Lessons written.
    pub lessons: u64,
    /// Behaviour events written.
    pub events: u64,
    /// Why it failed (one line, no secret).
    pub error: Option<String>,
}

/// Syncs every school in `config` into `out`, with credentials read through `env` (the
/// process environment in `mis`, a map in tests). Returns the per-school rows; the run failed
/// if any row did.
pub async fn sync(
    config: &SyncConfig,
    out: &str,
    env: &(dyn Fn(&str) -> Option<String> + Sync),
) -> Result<Vec<SyncRow>> {
    let range = config.range()?;
    let mut store = store::open(out).await?;
    let run_id = jiff::Timestamp::now().to_string();
    let progress = crate::progress::Progress::for_stderr();
    let reads = join_all(config.schools.iter().map(|school| {
        let bar = progress.school(&school.name);
        async move {
            let started = jiff::Timestamp::now().to_string();
            let vendor = parse_vendor(&school.provider).ok_or_else(|| {
                Error::invalid_input(format!("unknown provider {:?}", school.provider))
            })?;
            // The provider reads `MIS_<VENDOR>_<CREDENTIAL>`; the config says which variable
            // really holds each credential for this school.
            let prefix = format!("{}_", vendor.env_prefix());
            let lookup = |name: &str| {
                let credential = name.strip_prefix(&prefix)?.to_ascii_lowercase();
                school.credentials.get(&credential).and_then(|var| env(var))
            };
            let read = async {
                let provider = open_provider_with(vendor, school.base_url.clone(), None, &lookup)?;
                let data = read_school(&school.name, provider.clone(), range).await?;
                Ok::<_, Error>((data, provider.info().time_zone.clone(), started))
            }
            .await;
            match &read {
                Ok((d, _, _)) => bar.finish_with_message(format!(
                    "{} students, {} marks, {} lessons, {} events",
                    d.students.len(),
                    d.marks.len(),
                    d.lessons.len(),
                    d.events.len()
                )),
                Err(e) => bar.finish_with_message(format!("failed: {}", e.kind())),
            }
            read
        }
    }))
    .await;

    let mut rows = Vec::new();
    for (school, read) in config.schools.iter().zip(reads) {
        let finished = || jiff::Timestamp::now().to_string();
        let outcome = match read {
            Ok((data, tz, started)) => match data.write(&mut store, &tz).await {
                Ok(w) => {
                    store
                        .run(&run_id, &school.name, &started, &finished(), Ok(w))
                        .await?;
                    Ok(w)
                }
                Err(e) => Err(e),
            },
            Err(e) => Err(e),
        };
        let row = match outcome {
            Ok(w) => row(school, "ok", w, None),
            Err(e) => {
                let msg = e.to_string();
                store
                    .run(&run_id, &school.name, &finished(), &finished(), Err(&msg))
                    .await?;
                row(school, "failed", Written::default(), Some(msg))
            }
        };
        rows.push(row);
    }
    Ok(rows)
}

fn row(school: &SchoolConfig, status: &str, w: Written, error: Option<String>) -> SyncRow {
    SyncRow {
        school: school.name.clone(),
        provider: school.provider.clone(),
        status: status.into(),
        students: w.students,
        marks: w.marks,
        lessons: w.lessons,
        events: w.events,
        error,
    }
}

/// `mis sync`: runs [`sync`] with the process environment and prints the per-school report.
pub async fn run<W: Write>(
    config: &Path,
    out_url: &str,
    format: Format,
    out: &mut W,
) -> Result<()> {
    let config = SyncConfig::load(config)?;
    let env = |name: &str| std::env::var(name).ok();
    let rows = sync(&config, out_url, &env).await?;
    let failed = rows.iter().filter(|r| r.status != "ok").count();
    write_records(rows, format, out)
        .map_err(|e| Error::new(ErrorKind::Unavailable, format!("stdout: {e}")))?;
    if failed > 0 {
        return Err(Error::new(
            ErrorKind::Vendor,
            format!(
                "{failed} of {} schools failed to sync (see the report)",
                config.schools.len()
            ),
        ));
    }
    Ok(())
}
