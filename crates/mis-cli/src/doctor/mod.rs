//! `mis doctor`: what *this school's* credentials can do and what our mapping makes of *this
//! school's* data, before the first sync, in a budget of requests that fits the vendor's quota.
//!
//! One run opens the provider with a [`budget::BudgetLayer`] under its client stack (every
//! attempt, token requests and retries included, is counted; none is sent past the vendor's
//! declared [`DoctorFacts::budget`]) and checks, in order:
//!
//! 1. **credentials / tenant / connection**: the first page of students is the first
//!    contact; a refusal ends the run there, since nothing else can be checked;
//! 2. **`permission:<operation>`**: each operation the vendor gates by a permission or module
//!    ([`DoctorFacts::probes`]) is read for one student and one day; a 403 names the
//!    vendor's permission to ask the school for;
//! 3. **codes**: every code of the school's code book (and of the sample marks) that our
//!    table leaves unmapped, with the setting line that maps it;
//! 4. **time_zone**: the school's own zone, where the API says, against the configured one;
//! 5. **quota**: the quota headers seen, and how long a first and a nightly sync of this roll
//!    take under the quota (the vendor's request plan, [`DoctorFacts::sync_requests`]);
//! 6. **sample**: what the sample read decoded, and the records it had to skip.
//!
//! The output holds counts, setting names and codes, never a pupil's data.

pub mod budget;
mod checks;

use std::io::Write;
use std::time::Duration;

use jiff::civil::Date;
use mis_core::{Check, Error, Result, Verdict};
use mis_http::{ClientOptions, DoctorFacts, Lookup, OpenRequest, VendorDescriptor};
use serde::{Deserialize, Serialize};

use crate::output::{Format, write_records};
use crate::registry::Registry;

pub use checks::diagnose_provider;

/// School days a first sync reads in the estimate: a whole school year.
pub const FIRST_SYNC_DAYS: u32 = 190;
/// School days a nightly sync reads in the estimate: the new day and a week looked back
/// (registers corrected late), as `mis sync` does by default.
pub const NIGHTLY_SYNC_DAYS: u32 = 6;

/// Everything one doctor run found about one school.
#[derive(Debug, Clone, Serialize)]
pub struct DoctorReport {
    /// The school, as the sync config or `--school` names it (`None`: the credentials'
    /// only school).
    pub school: Option<String>,
    /// The vendor id.
    pub vendor: String,
    /// The declared request budget.
    pub budget: u32,
    /// Requests sent (never more than the budget).
    pub requests: u32,
    /// The worst verdict.
    pub verdict: Verdict,
    /// The findings, in the order checked.
    pub checks: Vec<Check>,
}

impl DoctorReport {
    fn new(school: Option<&str>, vendor: &VendorDescriptor, checks: Vec<Check>, sent: u32) -> Self {
        let verdict = checks
            .iter()
            .map(|c| c.verdict)
            .max()
            .unwrap_or(Verdict::Ok);
        DoctorReport {
            school: school.map(str::to_owned),
            vendor: vendor.id.to_string(),
            budget: vendor.doctor.budget,
            requests: sent,
            verdict,
            checks,
        }
    }

    /// The check named `name`, if the run made it.
    pub fn check(&self, name: &str) -> Option<&Check> {
        self.checks.iter().find(|c| c.name == name)
    }
}

/// One line of the doctor's table or CSV.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DoctorRow {
    /// The school (empty for a single-school run without `--school`).
    pub school: String,
    /// The check's name.
    pub check: String,
    /// `ok`, `warning` or `problem`.
    pub verdict: String,
    /// What was seen.
    pub finding: String,
    /// What to do (empty when ok).
    pub fix: String,
}

/// How long `requests` take at the quota: the configured one, else the vendor's documented
/// one; `None` when neither limits the rate.
pub fn time_at_quota(
    facts: &DoctorFacts,
    options: &ClientOptions,
    requests: u64,
) -> Option<Duration> {
    let interval = match options.rate_limit() {
        Some(limit) => limit.quota().map(|q| q.replenish_interval())?,
        None => {
            let (n, window) = facts.quota?;
            window / n.max(1)
        }
    };
    Some(interval.saturating_mul(u32::try_from(requests).unwrap_or(u32::MAX)))
}

/// `3 h 20 min`, `45 s`, `2 d 4 h`: a duration as a person plans with it.
pub fn human(d: Duration) -> String {
    let s = d.as_secs();
    match s {
        0..60 => format!("{s} s"),
        60..3600 => format!("{} min", s.div_ceil(60)),
        3600..86400 => format!("{} h {} min", s / 3600, (s % 3600) / 60),
        _ => format!("{} d {} h", s / 86400, (s % 86400) / 3600),
    }
}

/// The line printed before a run starts: the vendor, its budget and what the budget costs
/// in time at its quota.
pub fn plan_line(
    school: Option<&str>,
    vendor: &VendorDescriptor,
    options: &ClientOptions,
) -> String {
    let budget = vendor.doctor.budget;
    let who = match school {
        Some(s) => format!("{s} ({})", vendor.name),
        None => vendor.name.to_owned(),
    };
    match time_at_quota(&vendor.doctor, options, u64::from(budget)) {
        Some(t) => format!(
            "doctor: {who}: at most {budget} requests (up to {} at the quota)",
            human(t)
        ),
        None => format!("doctor: {who}: at most {budget} requests"),
    }
}

/// Runs every check for one school of `vendor`: opens the provider from `options` and
/// `lookup` with the budget layer, then [`diagnose_provider`]. `date` is the day the sample
/// reads (a school day with registers).
pub async fn diagnose(
    vendor: &VendorDescriptor,
    options: ClientOptions,
    school: Option<&str>,
    lookup: Lookup<'_>,
    date: Date,
) -> DoctorReport {
    let budget = budget::Budget::new(vendor.doctor.budget);
    let counted = options
        .clone()
        .with_layer(budget::BudgetLayer(budget.clone()));
    let opened = (vendor.open)(OpenRequest::new(counted, lookup).school(school));
    let checks = match opened {
        Ok(provider) => diagnose_provider(vendor, &options, &*provider, &budget, date).await,
        Err(e) => vec![checks::open_failure(vendor, &e)],
    };
    DoctorReport::new(school, vendor, checks, budget.sent())
}

/// The last weekday before `today`: the default sample day (today's registers may not be
/// taken yet).
pub fn default_sample_day(today: Date) -> Date {
    let mut day = today;
    loop {
        day = day.yesterday().unwrap_or(day);
        if day.weekday().to_monday_one_offset() <= 5 {
            return day;
        }
    }
}

/// Writes `reports` in `format`: JSON keeps each report whole, a table and CSV one row per
/// check.
pub fn write_reports<W: Write>(
    reports: &[DoctorReport],
    format: Format,
    out: &mut W,
) -> std::io::Result<()> {
    match format {
        Format::Json => {
            serde_json::to_writer_pretty(&mut *out, reports)?;
            writeln!(out)
        }
        Format::Jsonl => {
            for report in reports {
                serde_json::to_writer(&mut *out, report)?;
                writeln!(out)?;
            }
            Ok(())
        }
        Format::Table => {
            let width = crate::output::table_width().unwrap_or(100).max(40);
            for report in reports {
                write_block(report, width, out)?;
            }
            Ok(())
        }
        Format::Csv => {
            let rows = reports.iter().flat_map(|r| {
                r.checks.iter().map(|c| DoctorRow {
                    school: r.school.clone().unwrap_or_default(),
                    check: c.name.clone(),
                    verdict: c.verdict.to_string(),
                    finding: c.finding.clone(),
                    fix: c.fix.clone().unwrap_or_default(),
                })
            });
            write_records(rows, format, out)
        }
    }
}

/// One school's findings as a block a person reads: a heading with the worst verdict and the
/// requests spent, then one line per check, its finding and fix wrapped to `width` (a
/// doctor's fix is the point of the run: it is never cut off as a table cell would be).
pub fn write_block<W: Write>(
    report: &DoctorReport,
    width: usize,
    out: &mut W,
) -> std::io::Result<()> {
    let school = report.school.as_deref().unwrap_or("the school");
    writeln!(
        out,
        "{school} ({}): {}, {} of {} requests",
        report.vendor, report.verdict, report.requests, report.budget
    )?;
    let name_width = report
        .checks
        .iter()
        .map(|c| c.name.len())
        .max()
        .unwrap_or(0);
    // `  problem  permission:timetable  `: verdict (7) and name columns, then the text.
    let indent = 2 + 7 + 2 + name_width + 2;
    for check in &report.checks {
        let head = format!(
            "  {:<7}  {:<name_width$}  ",
            check.verdict.as_str(),
            check.name
        );
        write_wrapped(out, &head, indent, &check.finding, width)?;
        if let Some(fix) = &check.fix {
            write_wrapped(
                out,
                &format!("{:indent$}", ""),
                indent,
                &format!("fix: {fix}"),
                width,
            )?;
        }
    }
    writeln!(out)
}

/// Writes `first` then `text` word-wrapped to `width`, continuation lines indented by
/// `indent` (a word longer than a line is left whole).
fn write_wrapped<W: Write>(
    out: &mut W,
    first: &str,
    indent: usize,
    text: &str,
    width: usize,
) -> std::io::Result<()> {
    let room = width.saturating_sub(indent).max(20);
    let mut line = String::new();
    let mut lead = first.to_owned();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > room {
            writeln!(out, "{lead}{line}")?;
            line.clear();
            lead = " ".repeat(indent);
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    writeln!(out, "{lead}{line}")
}

/// The worst verdict of `reports`, as the command's outcome: `Ok(())` when all is ok, else
/// [`crate::CliError::Doctor`] (exit code 10 for a warning, 11 for a problem).
pub fn outcome(reports: &[DoctorReport]) -> std::result::Result<(), crate::CliError> {
    match reports.iter().map(|r| r.verdict).max() {
        None | Some(Verdict::Ok) => Ok(()),
        Some(worst) => Err(crate::CliError::Doctor(worst)),
    }
}

/// The shared client settings of one school: read through `lookup`, with the host
/// override (`--base-url`, a sync config's `base_url`; empty is none); prints the plan line
/// on stderr unless `quiet`.
fn prepare(
    vendor: &VendorDescriptor,
    lookup: Lookup<'_>,
    base_url: Option<&str>,
    label: Option<&str>,
    quiet: bool,
) -> Result<ClientOptions> {
    let mut options = ClientOptions::from_lookup(vendor.id, lookup)?;
    if let Some(url) = base_url.map(str::trim).filter(|u| !u.is_empty()) {
        options = options.with_base_url(url);
    }
    if !quiet {
        eprintln!("mis: {}", plan_line(label, vendor, &options));
    }
    Ok(options)
}

/// The day whose records are sampled: the one asked for, else the last weekday before today.
fn sample_day(date: Option<Date>) -> Date {
    date.unwrap_or_else(|| default_sample_day(jiff::ZonedDateTime::now().date()))
}

/// `mis doctor`: one school, from `--provider`, `--base-url`, `--school` and the environment.
pub async fn run_one<W: Write>(
    registry: &Registry,
    args: &crate::cli::ProviderArgs,
    date: Option<Date>,
    format: Format,
    quiet: bool,
    out: &mut W,
) -> std::result::Result<(), crate::CliError> {
    let Some(id) = args.provider.as_deref() else {
        return Err(Error::invalid_input(format!(
            "mis doctor needs --provider ({}) or MIS_PROVIDER",
            registry.ids().join(", ")
        ))
        .into());
    };
    let vendor = registry.lookup(id)?.vendor;
    let env = |name: &str| std::env::var(name).ok();
    let school = args.school.as_deref();
    let options = prepare(vendor, &env, args.base_url.as_deref(), school, quiet)?;
    let report = diagnose(vendor, options, school, &env, sample_day(date)).await;
    let reports = [report];
    write_reports(&reports, format, out)?;
    outcome(&reports)
}

/// `mis sync doctor --config FILE`: every school of a sync config, one after another (each
/// within its own budget), one block per school.
pub async fn run_config<W: Write>(
    registry: &Registry,
    config: &std::path::Path,
    date: Option<Date>,
    format: Format,
    quiet: bool,
    out: &mut W,
) -> std::result::Result<(), crate::CliError> {
    let config = crate::sync::config::SyncConfig::load(config)?;
    let env = |name: &str| std::env::var(name).ok();
    let reports = run_schools(registry, &config, &env, date, quiet).await?;
    write_reports(&reports, format, out)?;
    outcome(&reports)
}

/// Diagnoses every school of `config`, reading credentials through `env`.
pub async fn run_schools(
    registry: &Registry,
    config: &crate::sync::config::SyncConfig,
    env: &(dyn Fn(&str) -> Option<String> + Sync),
    date: Option<Date>,
    quiet: bool,
) -> Result<Vec<DoctorReport>> {
    let date = sample_day(date);
    let mut reports = Vec::new();
    for school in &config.schools {
        let vendor = registry.lookup(school.provider.get_ref())?.vendor;
        let lookup = crate::sync::school_lookup(school, vendor.id, env);
        let base_url = school.base_url.as_deref();
        let options = prepare(vendor, &lookup, base_url, Some(&school.name), quiet)?;
        // The config's name labels the report; the school itself is what the credentials
        // and the config's settings name (as `mis sync` opens it), not `--school`.
        let mut report = diagnose(vendor, options, None, &lookup, date).await;
        report.school = Some(school.name.clone());
        reports.push(report);
    }
    Ok(reports)
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn the_sample_day_is_the_last_weekday_before_today() {
        // 2026-12-07 is a Monday: the Friday before.
        assert_eq!(default_sample_day(date(2026, 12, 7)), date(2026, 12, 4));
        assert_eq!(default_sample_day(date(2026, 12, 9)), date(2026, 12, 8));
    }

    #[test]
    fn a_block_fits_its_width_and_keeps_the_whole_fix() {
        let report = DoctorReport {
            school: Some("Oak".into()),
            vendor: "hubmis".into(),
            budget: 12,
            requests: 9,
            verdict: Verdict::Problem,
            checks: vec![
                Check::ok("credentials", "accepted"),
                Check::problem(
                    "permission:behaviour",
                    "the MIS refused behaviour: hubmis events.list: Invalid scope(s) provided. (HTTP 403)",
                    "ask the school to grant these credentials the scopes of the Pastoral module in WCBS HUBmis",
                ),
            ],
        };
        let mut out = Vec::new();
        write_block(&report, 60, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(
            text.starts_with("Oak (hubmis): problem, 9 of 12 requests\n"),
            "{text}"
        );
        for line in text.lines() {
            assert!(line.chars().count() <= 60, "{line:?} in\n{text}");
        }
        let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(flat.contains("Pastoral module in WCBS HUBmis"), "{text}");
    }

    #[test]
    fn durations_read_as_people_plan() {
        assert_eq!(human(Duration::from_secs(45)), "45 s");
        assert_eq!(human(Duration::from_secs(61)), "2 min");
        assert_eq!(human(Duration::from_secs(3 * 3600 + 20 * 60)), "3 h 20 min");
        assert_eq!(human(Duration::from_secs(2 * 86400 + 4 * 3600)), "2 d 4 h");
    }
}
