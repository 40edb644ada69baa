//! `mis demo`: one emulated school per registered vendor, read through `Arc<dyn MisProvider>`
//! exactly as an aggregation app would, summarised per school and written to SQLite.
//!
//! Nothing leaves the machine: every emulator listens on loopback and every credential is a
//! made-up sandbox one. HUBmis's real quota (12 requests a minute) would make the demo take
//! many minutes, so each emulator and its client run a scaled-down clock (the emulator's
//! demo time scale), and the demo says so.

use std::io::Write;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::future::join_all;
use mis_core::{DateRange, Error, ErrorKind, MisProvider, Result};
use mis_sandbox::{EmulatorOptions, FaultPlan, Sandbox, School};
use serde::{Deserialize, Serialize};

use crate::collect::{SchoolData, read_school};
use crate::output::{Format, write_records};
use crate::providers::open_with;
use crate::registry::Registry;
use crate::store;

/// Where the demo writes its database.
pub const DEMO_DB: &str = "mis-demo.sqlite";

/// Students per demo school.
pub const DEMO_SIZE: usize = 40;

/// One row of the demo's table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DemoRow {
    /// The school.
    pub school: String,
    /// The vendor.
    pub provider: String,
    /// Students read.
    pub students: usize,
    /// Marks counted in the statistics: the sum of the category columns that follow (each
    /// student's register kind, one mark per slot).
    pub marks: u64,
    /// Marks read but not counted: lesson marks beside a student's session marks, and
    /// duplicate marks for one slot. `marks + other_marks` = every mark read.
    pub other_marks: u64,
    /// Present marks.
    pub present: u64,
    /// Approved educational activity.
    pub aea: u64,
    /// Authorised absence.
    pub authorised: u64,
    /// Unauthorised absence.
    pub unauthorised: u64,
    /// Not counted.
    pub not_counted: u64,
    /// No mark.
    pub no_mark: u64,
    /// Unmapped (never guessed): the codes are in `unmapped_codes`.
    pub unmapped: u64,
    /// Which codes were unmapped, and how often (empty when none).
    pub unmapped_codes: String,
    /// Attendance % over possible sessions.
    pub attendance_pct: Option<f64>,
    /// Persistently absent students (≥ 10 %).
    pub persistent_absentees: u64,
    /// Lessons read (blank when unsupported).
    pub lessons: Option<usize>,
    /// Positive behaviour events (blank when unsupported).
    pub behaviour_positive: Option<usize>,
    /// Negative behaviour events (blank when unsupported).
    pub behaviour_negative: Option<usize>,
    /// How long reading the school took, in seconds.
    pub seconds: f64,
}

impl DemoRow {
    /// The row for one school's data.
    pub fn from_data(d: &SchoolData, took: Duration) -> DemoRow {
        let s = d.summary();
        let (pos, neg) = d.polarity_counts();
        let has = |what: &str| !d.unsupported.contains(&what);
        DemoRow {
            school: d.school.clone(),
            provider: d.provider.clone(),
            students: d.students.len(),
            marks: s.possible + s.not_counted + s.unmapped,
            other_marks: (d.marks.len() as u64)
                .saturating_sub(s.possible + s.not_counted + s.unmapped),
            present: s.present,
            aea: s.approved_educational_activity,
            authorised: s.authorised_absence,
            unauthorised: s.unauthorised_absence,
            not_counted: s.not_counted,
            no_mark: s.no_mark,
            unmapped: s.unmapped,
            unmapped_codes: s
                .unmapped_codes
                .iter()
                .map(|c| format!("{}×{}", c.code, c.count))
                .collect::<Vec<_>>()
                .join(" "),
            attendance_pct: s.attendance_percent.map(|p| (p * 10.0).round() / 10.0),
            persistent_absentees: s.persistent_absentees,
            lessons: has("timetable").then_some(d.lessons.len()),
            behaviour_positive: has("behaviour").then_some(pos),
            behaviour_negative: has("behaviour").then_some(neg),
            seconds: (took.as_secs_f64() * 10.0).round() / 10.0,
        }
    }
}

/// A synthetic school's bell times in ManageBac's setting form (`1=08:50-09:50,…`): the
/// clock times ManageBac's API lacks, which a school configures.
pub fn bell_times(school: &School) -> String {
    school
        .periods
        .iter()
        .enumerate()
        .map(|(i, p)| {
            format!(
                "{}={}-{}",
                i + 1,
                p.start.strftime("%H:%M"),
                p.end.strftime("%H:%M")
            )
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// One demo school: its emulator and the provider reading it.
pub struct DemoSchool {
    /// The school's name.
    pub name: String,
    /// The running emulator (kept alive while the provider is used).
    pub sandbox: Sandbox,
    /// The provider, as an aggregation app holds it.
    pub provider: Arc<dyn MisProvider>,
    /// The school's time zone.
    pub time_zone: String,
    /// The dates with attendance in the synthetic school (the demo reads two weeks).
    pub range: DateRange,
    /// How many students the generated school has (leavers included).
    pub students: usize,
    /// How fast the emulator's clock runs (its quota windows last this times the vendor's).
    pub time_scale: f64,
}

/// Starts one emulator per registered vendor and opens a provider on each, from the same
/// `MIS_<VENDOR>_*` names a real deployment uses: the emulator's base URL and credentials,
/// plus the settings its school needs ([`mis_sandbox::EmulatorDescriptor::settings`]: a
/// quota scaled with the emulator's clock, bell times or behaviour polarity the vendor's API
/// does not carry). Each emulator runs at its demo time scale.
pub async fn start_schools(registry: &Registry, size: usize) -> Result<Vec<DemoSchool>> {
    let mut schools = Vec::new();
    for (i, entry) in registry.entries().iter().enumerate() {
        let vendor = entry.id();
        let school = Arc::new(School::generate(100 + i as u64, size));
        let options = EmulatorOptions {
            time_scale: entry.emulator.demo_time_scale,
            ..EmulatorOptions::default()
        };
        let sandbox = Sandbox::start_with(
            entry.emulator,
            school.clone(),
            FaultPlan::none(),
            options,
            0,
        )
        .await
        .map_err(|e| Error::new(ErrorKind::Unavailable, format!("{vendor} emulator: {e}")))?;
        let env = sandbox.client_env();
        let lookup = |name: &str| env.get(name).cloned();
        let provider = open_with(entry.vendor, None, None, &lookup, &http::Extensions::new())?;
        let first = school
            .attendance_range
            .map(|r| r.from())
            .unwrap_or(school.academic_year.start_date);
        let last = first
            .checked_add(jiff::Span::new().days(11))
            .map_err(|e| Error::invalid_input(e.to_string()))?;
        schools.push(DemoSchool {
            name: school.name.clone(),
            sandbox,
            provider,
            time_zone: school.time_zone.clone(),
            range: DateRange::new(first, last)?,
            students: school.students.len(),
            time_scale: entry.emulator.demo_time_scale,
        });
    }
    Ok(schools)
}

/// Runs the demo: prints the per-school table to `out` and writes `db_path`.
pub async fn run<W: Write>(
    registry: &Registry,
    out: &mut W,
    db_path: &str,
    size: usize,
) -> Result<Vec<DemoRow>> {
    let started = Instant::now();
    let schools = start_schools(registry, size).await?;
    let on_roll: Vec<usize> = schools.iter().map(|s| s.students).collect();
    let clocks: Vec<String> = schools
        .iter()
        .map(|s| format!("{} {}×", s.provider.info().vendor, s.time_scale))
        .collect();
    eprintln!(
        "mis demo: {} emulated schools on loopback, {} students in all ({} per school, \
         leavers included); each emulator's clock is scaled down, and its quota with it \
         (a 60 s window at 0.002× lasts 120 ms): {}",
        schools.len(),
        on_roll.iter().sum::<usize>(),
        on_roll
            .iter()
            .map(|n| n.to_string())
            .collect::<Vec<_>>()
            .join(", "),
        clocks.join(", ")
    );
    let progress = crate::progress::Progress::for_stderr();
    let reads = join_all(schools.iter().map(|s| {
        let provider = s.provider.clone();
        let name = s.name.clone();
        let range = s.range;
        let bar = progress.school(&format!("{name} ({})", provider.info().vendor));
        async move {
            let t = Instant::now();
            let read = read_school(&name, provider, range).await;
            bar.finish_with_message(match &read {
                Ok(d) => format!("{} students, {} marks", d.students.len(), d.marks.len()),
                Err(e) => format!("failed: {}", e.kind()),
            });
            read.map(|d| (d, t.elapsed()))
        }
    }))
    .await;
    let mut store = store::open(&format!("sqlite:{db_path}")).await?;
    let mut rows = Vec::new();
    for (school, read) in schools.iter().zip(reads) {
        let (data, took) = read.map_err(|e| {
            Error::new(
                e.kind(),
                format!("{} ({}): {e}", school.name, school.provider.info().vendor),
            )
        })?;
        data.write(&mut store, &school.time_zone).await?;
        rows.push(DemoRow::from_data(&data, took));
    }
    write_records(rows.clone(), Format::Table, out)
        .map_err(|e| Error::new(ErrorKind::Unavailable, format!("stdout: {e}")))?;
    writeln!(
        out,
        "\nwrote {db_path} (tables: {}) in {:.1} s",
        store::TABLES.join(", "),
        started.elapsed().as_secs_f64()
    )
    .map_err(|e| Error::new(ErrorKind::Unavailable, format!("stdout: {e}")))?;
    Ok(rows)
}
