//! `mis sync --config trust.toml --out sqlite:PATH|postgres://…`: many schools, on any mix of
//! vendors, pulled into one normalised database: resumable, incremental, written as it reads.
//!
//! # Plan
//!
//! Each school is read by one task; at most `concurrency` schools at once. A school's read is
//! cut into **units of work**, each written in one transaction together with its checkpoint
//! row (`sync_progress`):
//!
//! | entity | unit |
//! |---|---|
//! | students | the whole list (its rows replace the school's list) |
//! | attendance, timetable | one student, for vendors that read them per student anyway (HUBmis); else a chunk of `chunk_days` dates |
//! | behaviour | a chunk of `chunk_days` dates |
//!
//! A unit's transaction upserts the rows read (stamped with the run's generation) and deletes
//! the rows of the unit's scope (its dates, or that student's dates) still stamped with an
//! older generation: the rows the vendor no longer has. So the database equals a fresh full
//! sync at every commit, and nothing else ever needs deleting.
//!
//! # Resume and incremental runs
//!
//! `sync_state` holds, per school, the generation being written (`running`) or last finished
//! (`complete`) and its windows. A run finding `running` for the same window **resumes**: it
//! skips every unit with a checkpoint (a killed run loses at most the units in flight). A run
//! after a `complete` one is **incremental**: the dates read are those after the last run's
//! window plus the `look_back_days` before the day it completed (registers corrected late);
//! the student list is always re-read. Anything else is a **full** run.
//!
//! # Safety
//!
//! Units are written as they arrive (no school is held in memory), every error path rolls
//! back, and a failed school's `sync_runs` row is written after that rollback, outside the
//! failed transaction. Warnings never fail a school: they are counted in the report.

pub mod config;
mod count;
pub mod queue;
pub mod report;
pub mod worker;

use std::collections::BTreeSet;
use std::io::Write;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant as Clock;

use futures::stream::{self, BoxStream, StreamExt, TryStreamExt};
use jiff::ToSpan;
use jiff::civil::Date;
use mis_core::{
    AttendanceQuery, BehaviourQuery, DateRange, Diagnostics, Error, ErrorKind, MisProvider, Result,
    StudentQuery, TimetableQuery, Warning,
};
use tokio::sync::Mutex;
use tracing::instrument::WithSubscriber;

pub use config::{SchoolConfig, SyncConfig};
pub use report::{EntityReport, SchoolReport, SyncReport, SyncRow};

use crate::output::{Format, write_records};
use crate::providers::open_with;
use mis_core::{Identifier, IdentifierKind, KeptIdentifiers, MemoryIdentifiers, VendorId};

use crate::store::{self, Instant, Store, Value};

/// Knobs a test (or a scheduler) sets; `mis sync` uses the defaults.
#[derive(Debug, Clone, Default)]
pub struct SyncOptions {
    /// The day the run happens (default: today in the local zone). Decides `last_days`
    /// windows and the incremental look-back.
    pub today: Option<Date>,
}

type Env<'a> = &'a (dyn Fn(&str) -> Option<String> + Sync);

/// What a school of a sync config reads as its `MIS_<VENDOR>_*` settings: the config's own
/// settings (time zone, bell times, quota, category map) and, for a credential, the
/// environment variable the config names for it (through `env`).
pub fn school_lookup<'a>(
    school: &'a SchoolConfig,
    vendor: VendorId,
    env: Env<'a>,
) -> impl Fn(&str) -> Option<String> + Sync + 'a {
    let prefix = format!("{}_", vendor.env_prefix());
    move |name: &str| {
        let setting = name.strip_prefix(&prefix)?;
        let configured = match setting {
            "TIME_ZONE" => school.time_zone.as_ref(),
            "PERIOD_TIMES" => school.bell_times.as_ref(),
            "QUOTA" => school.quota.as_ref(),
            "CATEGORY_MAP" | "CODE_MAP" => school.category_map.as_ref(),
            _ => None,
        };
        if let Some(value) = configured.or_else(|| school.settings.get(setting)) {
            return Some(value.get_ref().clone());
        }
        let credential = setting.to_ascii_lowercase();
        school
            .credentials
            .get(&credential)
            .and_then(|var| env(var.get_ref()))
    }
}

/// Syncs every school in `config` into `out`, with credentials read through `env` (the
/// process environment in `mis`, a map in tests).
pub async fn sync(config: &SyncConfig, out: &str, env: Env<'_>) -> Result<SyncReport> {
    sync_with(config, out, env, &SyncOptions::default()).await
}

/// [`sync`] with explicit options.
pub async fn sync_with(
    config: &SyncConfig,
    out: &str,
    env: Env<'_>,
    options: &SyncOptions,
) -> Result<SyncReport> {
    let today = options
        .today
        .unwrap_or_else(|| jiff::ZonedDateTime::now().date());
    let range = config.range_on(today)?;
    let store = Arc::new(Mutex::new(store::open(out).await?));
    let run_id = jiff::Timestamp::now().to_string();
    let progress = crate::progress::Progress::for_stderr();
    let ctx = Ctx {
        store,
        run_id: run_id.clone(),
        today,
        range,
        config,
        env,
        lease: None,
    };
    // The futures are built up front (not in a `map` closure): a closure inside the stream
    // type would make the sync future non-`Send` for `tokio::spawn` (a rustc limitation with
    // higher-ranked closures).
    let mut reads = Vec::new();
    for (i, school) in config.schools.iter().enumerate() {
        let bar = progress.school(&school.name);
        let read = ctx.school_with_progress(school, bar);
        reads.push(async move { (i, read.await) });
    }
    // Unordered: a school that finishes frees its slot at once (in order, a finished school
    // kept its slot until every school before it had finished). The report keeps the
    // config's order.
    let mut schools: Vec<(usize, SchoolReport)> = stream::iter(reads)
        .buffer_unordered(config.concurrency())
        .collect()
        .await;
    schools.sort_by_key(|(i, _)| *i);
    let schools = schools.into_iter().map(|(_, report)| report).collect();
    Ok(SyncReport { run_id, schools })
}

/// `mis sync`: runs [`sync`] with the process environment and prints the report.
pub async fn run<W: Write>(
    config: &Path,
    out_url: &str,
    format: Format,
    out: &mut W,
) -> Result<()> {
    let config = SyncConfig::load(config)?;
    let env = |name: &str| std::env::var(name).ok();
    let report = sync(&config, out_url, &env).await?;
    write_records(report.rows(), format, out)
        .map_err(|e| Error::new(ErrorKind::Unavailable, format!("stdout: {e}")))?;
    let failed = report.failed();
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

/// `mis sync purge --school NAME --out URL`: deletes everything stored about one school and
/// prints the rows deleted per table. A school name that matches nothing is `NotFound`, so a
/// typo does not look like a successful erasure.
pub async fn purge<W: Write>(out_url: &str, school: &str, out: &mut W) -> Result<()> {
    let mut store = crate::store::open(out_url).await?;
    let deleted = store.purge_school(school).await?;
    let total: u64 = deleted.iter().map(|(_, n)| n).sum();
    if total == 0 {
        return Err(Error::new(
            ErrorKind::NotFound,
            "mis sync purge: no rows for that school name (names are exact, as in the sync config)",
        ));
    }
    #[derive(serde::Serialize, serde::Deserialize)]
    struct Purged {
        table: String,
        rows_deleted: u64,
    }
    write_records(
        deleted.into_iter().map(|(table, rows_deleted)| Purged {
            table: table.to_owned(),
            rows_deleted,
        }),
        Format::Table,
        out,
    )
    .map_err(|e| Error::new(ErrorKind::Unavailable, format!("stdout: {e}")))
}

/// What every school's task shares.
struct Ctx<'a> {
    store: Arc<Mutex<Store>>,
    run_id: String,
    today: Date,
    range: DateRange,
    config: &'a SyncConfig,
    env: Env<'a>,
    /// The school's lease when a queue worker runs it (`mis sync work`): every write checks
    /// it in its own transaction, so a worker whose lease was taken over writes nothing.
    lease: Option<&'a queue::Lease>,
}

/// Where a school's run stands: its generation and the dates it reads.
#[derive(Debug, Clone)]
struct Plan {
    generation: i64,
    mode: &'static str,
    /// The dates to (re-)read; `None` when an incremental run has no date to re-read.
    read: Option<DateRange>,
}

/// A unit of work.
#[derive(Debug, Clone)]
enum Unit {
    /// A chunk of dates.
    Dates(DateRange),
    /// One student over the read window.
    Student(String, DateRange),
}

impl Unit {
    fn key(&self) -> String {
        match self {
            Unit::Dates(r) => format!("dates:{}..{}", r.from(), r.to()),
            Unit::Student(id, _) => format!("student:{id}"),
        }
    }

    fn range(&self) -> DateRange {
        match self {
            Unit::Dates(r) | Unit::Student(_, r) => *r,
        }
    }

    fn student(&self) -> Option<&str> {
        match self {
            Unit::Dates(_) => None,
            Unit::Student(id, _) => Some(id),
        }
    }
}

/// `range` cut into chunks of `days` dates.
fn chunks(range: DateRange, days: u32) -> Vec<DateRange> {
    let mut out = Vec::new();
    let mut from = range.from();
    while from <= range.to() {
        let to = from
            .checked_add(i64::from(days.max(1) - 1).days())
            .unwrap_or(range.to())
            .min(range.to());
        if let Ok(r) = DateRange::new(from, to) {
            out.push(r);
        }
        match to.checked_add(1.day()) {
            Ok(next) => from = next,
            Err(_) => break,
        }
    }
    out
}

fn one_line(e: &Error) -> String {
    e.to_string().lines().next().unwrap_or_default().to_string()
}

fn text(rows: &[Vec<Option<String>>], row: usize, col: usize) -> Option<String> {
    rows.get(row)?.get(col)?.clone()
}

fn date(s: Option<String>) -> Option<Date> {
    s?.get(..10)?.parse().ok()
}

/// Entity rows as the store writes them.
enum Rows {
    Students(Vec<mis_core::Student>),
    Marks(Vec<mis_core::AttendanceMark>),
    Lessons(Vec<mis_core::Lesson>),
    Events(Vec<mis_core::BehaviourEvent>),
}

impl Rows {
    fn len(&self) -> u64 {
        (match self {
            Rows::Students(v) => v.len(),
            Rows::Marks(v) => v.len(),
            Rows::Lessons(v) => v.len(),
            Rows::Events(v) => v.len(),
        }) as u64
    }
}

/// Collects a unit's records, counting each into `read` as it arrives (the progress line).
async fn collect<T>(s: BoxStream<'static, Result<T>>, read: &AtomicU64) -> Result<Vec<T>> {
    s.inspect_ok(|_| {
        read.fetch_add(1, Ordering::Relaxed);
    })
    .try_collect()
    .await
}

/// One school's counts as they change, for its progress line: the entity being read, its
/// rows read and written so far, and the requests (and wait hints) of the school's client.
#[derive(Debug, Default)]
struct Live {
    requests: count::Requests,
    entity: std::sync::Mutex<Option<&'static str>>,
    read: AtomicU64,
    written: AtomicU64,
}

impl Live {
    /// Starts counting `entity`'s rows from zero.
    fn start(&self, entity: &'static str) {
        *self
            .entity
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(entity);
        self.read.store(0, Ordering::Relaxed);
        self.written.store(0, Ordering::Relaxed);
    }

    /// What the progress line shows now (a wait's end in the local time zone).
    fn status(&self) -> crate::progress::SchoolStatus {
        let now = jiff::Timestamp::now();
        crate::progress::SchoolStatus {
            entity: *self
                .entity
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
            read: self.read.load(Ordering::Relaxed),
            written: self.written.load(Ordering::Relaxed),
            requests: self.requests.get(),
            waiting_until: self
                .requests
                .paused_until(now)
                .map(|until| until.to_zoned_datetime(jiff::tz::TimeZone::system()).time()),
        }
    }
}

/// How often a visible progress line is redrawn with the latest counts.
const PROGRESS_EVERY: std::time::Duration = std::time::Duration::from_millis(250);

impl Ctx<'_> {
    async fn school_with_progress(
        &self,
        school: &SchoolConfig,
        bar: indicatif::ProgressBar,
    ) -> SchoolReport {
        let live = Live::default();
        let work = self.school_live(school, &live);
        let report = if bar.is_hidden() {
            // No terminal: no line to keep up to date.
            work.await
        } else {
            let mut work = std::pin::pin!(work);
            let mut redraw = tokio::time::interval(PROGRESS_EVERY);
            loop {
                tokio::select! {
                    report = &mut work => break report,
                    _ = redraw.tick() => {
                        bar.set_message(crate::progress::Progress::message(
                            &school.name,
                            &live.status(),
                        ));
                    }
                }
            }
        };
        bar.finish_with_message(format!(
            "{}: {}",
            school.name,
            match &report.error {
                None => format!(
                    "{} rows written, {} deleted, {} requests",
                    report.rows_written(),
                    report.rows_deleted(),
                    report.requests
                ),
                Some(_) => "failed".to_string(),
            }
        ));
        report
    }

    /// Runs one school and records its report; never fails (the report says how it went).
    async fn school(&self, school: &SchoolConfig) -> SchoolReport {
        self.school_live(school, &Live::default()).await
    }

    /// [`Ctx::school`], counting into `live` as it goes.
    async fn school_live(&self, school: &SchoolConfig, live: &Live) -> SchoolReport {
        let requests = &live.requests;
        let started = jiff::Timestamp::now();
        let clock = Clock::now();
        let mut report = SchoolReport {
            school: school.name.clone(),
            provider: school.provider.get_ref().clone(),
            status: "ok".into(),
            mode: String::new(),
            generation: 0,
            read: None,
            entities: config::ENTITIES
                .iter()
                .map(|e| EntityReport::new(e))
                .collect(),
            requests: 0,
            requests_failed: 0,
            wall: Default::default(),
            error: None,
        };
        let outcome = self
            .school_inner(school, &mut report, live)
            .with_subscriber(requests.dispatch())
            .await;
        report.requests = requests.get();
        report.requests_failed = requests.failed();
        report.wall = clock.elapsed();
        if let Err(e) = outcome {
            report.status = "failed".into();
            report.error = Some(one_line(&e));
            for entity in &mut report.entities {
                if entity.status == "running" {
                    entity.status = "failed".into();
                    entity.note = report.error.clone();
                }
            }
        }
        // Recorded after the failed unit's rollback, in its own transaction.
        let mut store = self.store.lock().await;
        store.rollback().await;
        if let Err(e) = self.record_run(&mut store, &report, started).await {
            tracing::warn!("cannot record the sync run of {}: {e}", school.name);
            if report.error.is_none() {
                report.status = "failed".into();
                report.error = Some(format!("cannot record the run: {}", one_line(&e)));
            }
        }
        report
    }

    async fn school_inner(
        &self,
        school: &SchoolConfig,
        report: &mut SchoolReport,
        live: &Live,
    ) -> Result<()> {
        let requests = &live.requests;
        let vendor = school.vendor().ok_or_else(|| {
            Error::invalid_input(format!("unknown provider {:?}", school.provider.get_ref()))
        })?;
        // A vendor that reads lasting identifiers at one request each (HUBmis: a UPN costs 5 s
        // of quota): within the reference TTL the stored ones are handed back; after it,
        // every one is read again (a correction upstream is picked up) and the refresh time
        // recorded.
        let facts = school.sync_facts();
        let (kept, refresh_kept) = match facts.kept_identifiers {
            Some(item) => {
                let (known, fresh) = self.stored_identifiers(&school.name, item).await?;
                (Some(known), !fresh)
            }
            None => (None, false),
        };
        let provider = self.open(school, vendor, kept)?;
        let plan = self.plan(school, vendor, &*provider).await?;
        report.generation = plan.generation;
        report.mode = plan.mode.into();
        report.read = plan.read.map(|r| (r.from(), r.to()));
        let caps = provider.capabilities();
        for i in 0..report.entities.len() {
            let entity = report.entities[i].entity;
            let (before, failed_before) = (requests.get(), requests.failed());
            let clock = Clock::now();
            let skip = if school.skips(entity) {
                Some(("skipped", "skip in the sync config".to_string()))
            } else if entity == "timetable" && !caps.timetable {
                Some(("unsupported", format!("{vendor} has no timetable")))
            } else if entity == "behaviour" && !caps.behaviour {
                Some(("unsupported", format!("{vendor} has no behaviour")))
            } else if entity == "timetable"
                && facts.timetable_needs_bell_times
                && school_lookup(school, vendor, self.env)(&format!(
                    "{}_PERIOD_TIMES",
                    vendor.env_prefix()
                ))
                .is_none()
            {
                Some((
                    "skipped",
                    "no bell times: add bell_times = \"1=08:30-09:20,2=09:25-10:15,…\" to this \
                     school in the sync config"
                        .to_string(),
                ))
            } else {
                None
            };
            if let Some((status, note)) = skip {
                report.entities[i].status = status.into();
                report.entities[i].note = Some(note);
                continue;
            }
            report.entities[i].status = "running".into();
            live.start(entity);
            let result = self
                .entity(school, &provider, &plan, &mut report.entities[i], live)
                .await;
            report.entities[i].requests = requests.get() - before;
            report.entities[i].requests_failed = requests.failed() - failed_before;
            report.entities[i].wall = clock.elapsed();
            result?;
            if report.entities[i].status == "running" {
                report.entities[i].status = "ok".into();
            }
        }
        // Every entity done: the generation is complete.
        let students_read = report
            .entities
            .iter()
            .any(|e| e.entity == "students" && e.status == "ok" && e.warnings.is_empty());
        let mut store = self.store.lock().await;
        store.begin().await?;
        let result = async {
            self.fence(&mut store).await?;
            if let Some(item) = facts.kept_identifiers.filter(|_| refresh_kept && students_read) {
                store
                    .execute(
                        "DELETE FROM sync_cache WHERE school = $1 AND item = $2",
                        &[Value::text(&school.name), Value::text(item)],
                    )
                    .await?;
                store
                    .execute(
                        "INSERT INTO sync_cache (school, item, refreshed_at) VALUES ($1, $2, $3)",
                        &[
                            Value::text(&school.name),
                            Value::text(item),
                            Value::Time(Some(Instant::utc(jiff::Timestamp::now()))),
                        ],
                    )
                    .await?;
            }
            store
                .execute(
                    "UPDATE sync_state SET status = 'complete', completed_on = $1 WHERE school = $2",
                    &[Value::date(self.today), Value::text(&school.name)],
                )
                .await
        }
        .await;
        match result {
            Ok(_) => store.commit().await,
            Err(e) => {
                store.rollback().await;
                Err(e)
            }
        }
    }

    /// The identifiers stored for `school`'s students, and whether they are fresh (`item`
    /// refreshed within the reference TTL). Stale ones are not handed back: the provider
    /// reads every one again.
    async fn stored_identifiers(
        &self,
        school: &str,
        item: &str,
    ) -> Result<(Arc<MemoryIdentifiers>, bool)> {
        let known = Arc::new(MemoryIdentifiers::default());
        let since = jiff::Timestamp::now()
            .checked_sub(self.config.reference_ttl())
            .unwrap_or(jiff::Timestamp::UNIX_EPOCH);
        let mut store = self.store.lock().await;
        let fresh = store
            .query(
                // As text: the query interface reads every column as text on both back ends.
                "SELECT CAST(COUNT(*) AS TEXT) FROM sync_cache WHERE school = $1 AND item = $2 \
                 AND refreshed_at >= $3",
                &[
                    Value::text(school),
                    Value::text(item),
                    Value::Time(Some(Instant::utc(since))),
                ],
            )
            .await?
            .first()
            .and_then(|r| r.first().cloned().flatten())
            .is_some_and(|n| n != "0");
        if !fresh {
            return Ok((known, false));
        }
        let rows = store
            .query(
                "SELECT id, identifiers FROM students WHERE school = $1",
                &[Value::text(school)],
            )
            .await?;
        for row in rows {
            let (Some(Some(id)), Some(Some(identifiers))) = (row.first(), row.get(1)) else {
                continue;
            };
            // As the students table stores them: `kind:value;kind:value`.
            let ids: Vec<Identifier> = identifiers
                .split(';')
                .filter_map(|pair| pair.split_once(':'))
                .map(|(kind, value)| Identifier::new(IdentifierKind::parse(kind), value))
                .collect();
            if !ids.is_empty() {
                known.put(id, &ids);
            }
        }
        Ok((known, true))
    }

    /// Inside a transaction: checks (and extends) the school's lease when a queue worker runs
    /// it. The row lock this takes on the school's job serialises two workers racing on one
    /// school; the one whose lease was taken over fails here and its transaction rolls back.
    async fn fence(&self, store: &mut Store) -> Result<()> {
        match self.lease {
            Some(lease) => lease.fence(store).await,
            None => Ok(()),
        }
    }

    /// Opens the school's provider. Credentials come from the variables the config names,
    /// settings from the config; a named variable that is unset is reported by its name.
    fn open(
        &self,
        school: &SchoolConfig,
        vendor: VendorId,
        kept: Option<Arc<MemoryIdentifiers>>,
    ) -> Result<Arc<dyn MisProvider>> {
        for (credential, var) in &school.credentials {
            if (self.env)(var.get_ref()).is_none() {
                return Err(Error::new(
                    ErrorKind::Unauthenticated,
                    format!(
                        "credentials.{credential} names {}, which is not set",
                        var.get_ref()
                    ),
                ));
            }
        }
        let prefix = format!("{}_", vendor.env_prefix());
        let lookup = school_lookup(school, vendor, self.env);
        let mut extensions = http::Extensions::new();
        if let Some(known) = kept {
            extensions.insert(known as Arc<dyn KeptIdentifiers>);
        }
        let entry = crate::Registry::builtin().lookup(vendor.as_str())?.vendor;
        open_with(
            entry,
            school.base_url.as_deref(),
            None,
            &lookup,
            &extensions,
        )
        .map_err(|e| {
            // The provider names its own variable (`MIS_GO4SCHOOLS_API_KEY is not set`); in
            // a sync the user wrote a config, so name the config's key instead.
            let message = e.to_string();
            match message.find(&prefix) {
                Some(at) => {
                    let var: String = message[at..]
                        .chars()
                        .take_while(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || *c == '_')
                        .collect();
                    let key = var[prefix.len()..].to_ascii_lowercase();
                    Error::new(
                        e.kind(),
                        format!(
                            "credentials.{key} is missing from this school's config ({})",
                            message.replace(&var, &format!("credentials.{key}"))
                        ),
                    )
                }
                None => e,
            }
        })
    }

    /// Decides full, incremental or resumed, and records the generation as running.
    async fn plan(
        &self,
        school: &SchoolConfig,
        vendor: VendorId,
        provider: &dyn MisProvider,
    ) -> Result<Plan> {
        let mut store = self.store.lock().await;
        let rows = store
            .query(
                "SELECT CAST(generation AS TEXT), status, CAST(window_from AS TEXT), \
                 CAST(window_to AS TEXT), CAST(read_from AS TEXT), CAST(read_to AS TEXT), \
                 CAST(completed_on AS TEXT), provider FROM sync_state WHERE school = $1",
                &[Value::text(&school.name)],
            )
            .await?;
        let previous = (!rows.is_empty()).then(|| {
            (
                text(&rows, 0, 0)
                    .and_then(|g| g.parse::<i64>().ok())
                    .unwrap_or(0),
                text(&rows, 0, 1).unwrap_or_default(),
                date(text(&rows, 0, 2)),
                date(text(&rows, 0, 3)),
                date(text(&rows, 0, 4)),
                date(text(&rows, 0, 5)),
                date(text(&rows, 0, 6)),
                text(&rows, 0, 7).unwrap_or_default(),
            )
        });
        let (from, to) = (self.range.from(), self.range.to());
        let same_vendor = |p: &str| p == vendor.as_str();
        let plan = match previous {
            // Interrupted with the same window: resume that generation.
            Some((generation, status, Some(wf), Some(wt), rf, rt, _, p))
                if status == "running" && wf == from && wt == to && same_vendor(&p) =>
            {
                let read = match (rf, rt) {
                    (Some(a), Some(b)) if a <= b => DateRange::new(a, b).ok(),
                    _ => None,
                };
                return Ok(Plan {
                    generation,
                    mode: "resumed",
                    read,
                });
            }
            // After a complete run covering our start: only what can have changed.
            Some((generation, status, Some(wf), Some(wt), _, _, Some(done), p))
                if status == "complete" && wf <= from && same_vendor(&p) =>
            {
                let look_back = i64::from(self.config.look_back_days(school));
                let after_window = wt.checked_add(1.day()).unwrap_or(wt);
                let corrected = done.checked_sub(look_back.days()).unwrap_or(from);
                let read_from = after_window.min(corrected).max(from);
                Plan {
                    generation: generation + 1,
                    mode: "incremental",
                    read: DateRange::new(read_from, to).ok(),
                }
            }
            Some((generation, ..)) => Plan {
                generation: generation + 1,
                mode: "full",
                read: Some(self.range),
            },
            None => Plan {
                generation: 1,
                mode: "full",
                read: Some(self.range),
            },
        };
        // An empty read window is stored as read_from = to + 1 (the columns are NOT NULL).
        let (rf, rt) = match plan.read {
            Some(r) => (r.from(), r.to()),
            None => (to.checked_add(1.day()).unwrap_or(to), to),
        };
        store.begin().await?;
        let written = async {
            self.fence(&mut store).await?;
            store
                .execute(
                    "INSERT INTO sync_state (school, provider, generation, status, window_from, \
                     window_to, read_from, read_to, started_at, completed_on) \
                     VALUES ($1, $2, $3, 'running', $4, $5, $6, $7, $8, NULL) \
                     ON CONFLICT (school) DO UPDATE SET provider = excluded.provider, \
                     generation = excluded.generation, status = excluded.status, \
                     window_from = excluded.window_from, window_to = excluded.window_to, \
                     read_from = excluded.read_from, read_to = excluded.read_to, \
                     started_at = excluded.started_at, completed_on = NULL",
                    &[
                        Value::text(&school.name),
                        Value::text(vendor.as_str()),
                        Value::Int(Some(plan.generation)),
                        Value::date(from),
                        Value::date(to),
                        Value::date(rf),
                        Value::date(rt),
                        Value::Time(Some(Instant::utc(jiff::Timestamp::now()))),
                    ],
                )
                .await?;
            // Checkpoints of older generations are finished business.
            store
                .execute(
                    "DELETE FROM sync_progress WHERE school = $1 AND generation < $2",
                    &[Value::text(&school.name), Value::Int(Some(plan.generation))],
                )
                .await?;
            let info = provider.info();
            store
                .school(
                    &school.name,
                    &info.vendor,
                    info.tenant.as_deref(),
                    &info.time_zone,
                )
                .await
        }
        .await;
        match written {
            Ok(()) => store.commit().await?,
            Err(e) => {
                store.rollback().await;
                return Err(e);
            }
        }
        Ok(plan)
    }

    /// Reads and writes one entity, unit by unit, skipping units already checkpointed.
    async fn entity(
        &self,
        school: &SchoolConfig,
        provider: &Arc<dyn MisProvider>,
        plan: &Plan,
        report: &mut EntityReport,
        live: &Live,
    ) -> Result<()> {
        let entity = report.entity;
        let done = self
            .done_units(&school.name, plan.generation, entity)
            .await?;
        let units: Vec<Option<Unit>> = if entity == "students" {
            vec![None]
        } else if let Some(read) = plan.read {
            // A vendor that reads `entity` one student at a time anyway (a request per
            // student): a per-student unit costs nothing extra and a resume loses at most
            // one student.
            if school.sync_facts().reads_per_student(entity) {
                self.on_roll(&school.name)
                    .await?
                    .into_iter()
                    .map(|id| Some(Unit::Student(id, read)))
                    .collect()
            } else {
                chunks(read, self.config.chunk_days())
                    .into_iter()
                    .map(|r| Some(Unit::Dates(r)))
                    .collect()
            }
        } else {
            Vec::new()
        };
        for unit in units {
            let key = unit.as_ref().map_or_else(|| "all".to_string(), Unit::key);
            if done.contains(&key) {
                report.units_resumed += 1;
                continue;
            }
            // A worker that lost its lease stops reading: the vendor's quota is not spent on
            // a unit whose write would be refused.
            if let Some(lease) = self.lease {
                lease.check()?;
            }
            let diagnostics = Diagnostics::new();
            let read = read_unit(provider, entity, unit.as_ref(), &diagnostics, &live.read).await;
            let rows = match read {
                Ok(rows) => Some(rows),
                Err(e) if e.kind() == ErrorKind::Unsupported => {
                    report.status = "unsupported".into();
                    report.note = Some(one_line(&e));
                    return Ok(());
                }
                // One student's (or one chunk's) record the vendor refuses or lacks costs that
                // unit, not the school: reported, checkpointed, and its old rows kept.
                Err(e) => {
                    let student = unit.as_ref().and_then(Unit::student).map(str::to_owned);
                    diagnostics.degrade(e, |e| {
                        let w = Warning::from_error(
                            e,
                            entity,
                            format!("{entity} of this unit left as last synced"),
                        );
                        match student {
                            Some(id) => w.student(id),
                            None => w,
                        }
                    })?;
                    None
                }
            };
            // A unit read with warnings may lack records that still exist upstream (a record
            // skipped as unreadable, a student's part left out): its rows from earlier runs are
            // kept rather than deleted as "removed upstream". Nothing is lost to a warning;
            // the next clean read of the unit removes what really went.
            let keep_stale = !diagnostics.is_empty();
            report.warnings.extend(diagnostics.take());
            let (written, deleted) = self
                .write_unit(
                    &school.name,
                    plan.generation,
                    entity,
                    &key,
                    unit.as_ref(),
                    rows,
                    keep_stale,
                )
                .await?;
            report.rows_written += written;
            live.written.fetch_add(written, Ordering::Relaxed);
            report.rows_deleted += deleted;
            report.units_done += 1;
        }
        Ok(())
    }

    async fn done_units(
        &self,
        school: &str,
        generation: i64,
        entity: &str,
    ) -> Result<BTreeSet<String>> {
        let mut store = self.store.lock().await;
        let rows = store
            .query(
                "SELECT unit FROM sync_progress WHERE school = $1 AND generation = $2 AND entity = $3",
                &[
                    Value::text(school),
                    Value::Int(Some(generation)),
                    Value::text(entity),
                ],
            )
            .await?;
        Ok(rows
            .into_iter()
            .filter_map(|r| r.into_iter().next().flatten())
            .collect())
    }

    /// The school's students on roll (not leavers nor applicants), from the database: the
    /// list the students unit wrote, in this run or the interrupted one being resumed.
    async fn on_roll(&self, school: &str) -> Result<Vec<String>> {
        let mut store = self.store.lock().await;
        let rows = store
            .query(
                "SELECT id, enrolment_status FROM students WHERE school = $1 ORDER BY id",
                &[Value::text(school)],
            )
            .await?;
        Ok(rows
            .into_iter()
            .filter(|r| {
                !matches!(
                    r.get(1).cloned().flatten().as_deref(),
                    Some("leaver" | "applicant")
                )
            })
            .filter_map(|r| r.into_iter().next().flatten())
            .collect())
    }

    /// Writes one unit's rows and its checkpoint in one transaction: upserts with this
    /// generation, then deletes the scope's rows left from older generations (`rows` is
    /// `None` when the unit could not be read, and `keep_stale` is set when it was read with
    /// warnings: in both cases its old rows are kept). Returns (written, deleted).
    #[allow(clippy::too_many_arguments)]
    async fn write_unit(
        &self,
        school: &str,
        generation: i64,
        entity: &str,
        key: &str,
        unit: Option<&Unit>,
        rows: Option<Rows>,
        keep_stale: bool,
    ) -> Result<(u64, u64)> {
        let mut store = self.store.lock().await;
        store.begin().await?;
        let result = async {
            self.fence(&mut store).await?;
            let mut deleted = 0;
            let written = rows.as_ref().map_or(0, Rows::len);
            if let Some(rows) = &rows {
                match rows {
                    Rows::Students(v) => {
                        for s in v {
                            store.student(school, s, generation).await?;
                        }
                    }
                    Rows::Marks(v) => {
                        for m in v {
                            store.mark(school, m, generation).await?;
                        }
                    }
                    Rows::Lessons(v) => {
                        for l in v {
                            store.lesson(school, l, generation).await?;
                        }
                    }
                    Rows::Events(v) => {
                        for e in v {
                            store.event(school, e, generation).await?;
                        }
                    }
                }
                if !keep_stale {
                    deleted = delete_stale(&mut store, school, generation, entity, unit).await?;
                }
            }
            store
                .execute(
                    "INSERT INTO sync_progress (school, generation, entity, unit, rows_written) \
                     VALUES ($1, $2, $3, $4, $5)",
                    &[
                        Value::text(school),
                        Value::Int(Some(generation)),
                        Value::text(entity),
                        Value::text(key),
                        Value::count(written),
                    ],
                )
                .await?;
            Ok::<_, Error>((written, deleted))
        }
        .await;
        match result {
            Ok(counts) => {
                store.commit().await?;
                Ok(counts)
            }
            Err(e) => {
                store.rollback().await;
                Err(e)
            }
        }
    }

    /// Writes the school's `sync_runs` row and its per-entity rows, in one transaction.
    async fn record_run(
        &self,
        store: &mut Store,
        report: &SchoolReport,
        started: jiff::Timestamp,
    ) -> Result<()> {
        store.begin().await?;
        let result = async {
            self.fence(store).await?;
            let count = |entity: &str| {
                Value::count(report.entity(entity).map_or(0, |e| e.rows_written))
            };
            let warnings = report.warnings();
            store
                .execute(
                    "INSERT INTO sync_runs (run_id, school, started_at, finished_at, status, error, \
                     students, marks, lessons, events, provider, mode, generation, read_from, read_to, \
                     rows_written, rows_deleted, requests, requests_failed, warnings, warnings_by_kind, wall_ms) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, \
                     $17, $18, $19, $20, $21, $22) \
                     ON CONFLICT (run_id, school) DO UPDATE SET started_at = excluded.started_at, \
                     finished_at = excluded.finished_at, status = excluded.status, error = excluded.error, \
                     students = excluded.students, marks = excluded.marks, lessons = excluded.lessons, \
                     events = excluded.events, provider = excluded.provider, mode = excluded.mode, \
                     generation = excluded.generation, read_from = excluded.read_from, \
                     read_to = excluded.read_to, rows_written = excluded.rows_written, \
                     rows_deleted = excluded.rows_deleted, requests = excluded.requests, \
                     requests_failed = excluded.requests_failed, warnings = excluded.warnings, \
                     warnings_by_kind = excluded.warnings_by_kind, wall_ms = excluded.wall_ms",
                    &[
                        Value::text(&self.run_id),
                        Value::text(&report.school),
                        Value::Time(Some(Instant::utc(started))),
                        Value::Time(Some(Instant::utc(jiff::Timestamp::now()))),
                        Value::text(&report.status),
                        Value::Text(report.error.clone()),
                        count("students"),
                        count("attendance"),
                        count("timetable"),
                        count("behaviour"),
                        Value::text(&report.provider),
                        Value::text(&report.mode),
                        Value::Int(Some(report.generation)),
                        Value::Date(report.read.map(|r| r.0)),
                        Value::Date(report.read.map(|r| r.1)),
                        Value::count(report.rows_written()),
                        Value::count(report.rows_deleted()),
                        Value::count(report.requests),
                        Value::count(report.requests_failed),
                        Value::count(warnings.len() as u64),
                        Value::text(report::by_kind(&warnings)),
                        Value::count(report.wall.as_millis() as u64),
                    ],
                )
                .await?;
            for e in &report.entities {
                store
                    .execute(
                        "INSERT INTO sync_run_entities (run_id, school, entity, status, rows_written, \
                         rows_deleted, requests, requests_failed, warnings, warnings_by_kind, wall_ms, note) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) \
                         ON CONFLICT (run_id, school, entity) DO UPDATE SET status = excluded.status, \
                         rows_written = excluded.rows_written, rows_deleted = excluded.rows_deleted, \
                         requests = excluded.requests, requests_failed = excluded.requests_failed, \
                         warnings = excluded.warnings, warnings_by_kind = excluded.warnings_by_kind, \
                         wall_ms = excluded.wall_ms, note = excluded.note",
                        &[
                            Value::text(&self.run_id),
                            Value::text(&report.school),
                            Value::text(e.entity),
                            Value::text(&e.status),
                            Value::count(e.rows_written),
                            Value::count(e.rows_deleted),
                            Value::count(e.requests),
                            Value::count(e.requests_failed),
                            Value::count(e.warnings.len() as u64),
                            Value::text(e.warnings_by_kind()),
                            Value::count(e.wall.as_millis() as u64),
                            Value::Text(e.note.clone()),
                        ],
                    )
                    .await?;
            }
            Ok::<_, Error>(())
        }
        .await;
        match result {
            Ok(()) => store.commit().await,
            Err(e) => {
                store.rollback().await;
                Err(e)
            }
        }
    }
}

/// Reads one unit through the trait, with the unit's diagnostics handle.
async fn read_unit(
    provider: &Arc<dyn MisProvider>,
    entity: &str,
    unit: Option<&Unit>,
    diagnostics: &Diagnostics,
    read: &AtomicU64,
) -> Result<Rows> {
    let d = diagnostics.clone();
    let range = unit.map(Unit::range);
    let student = unit.and_then(Unit::student).map(str::to_owned);
    let need = || range.ok_or_else(|| Error::invalid_input(format!("{entity} needs dates")));
    Ok(match entity {
        "students" => Rows::Students(
            collect(
                provider.students(
                    StudentQuery::new()
                        .include_leavers(true)
                        .with_diagnostics(d),
                ),
                read,
            )
            .await?,
        ),
        "attendance" => {
            let mut q = AttendanceQuery::new(need()?).with_diagnostics(d);
            if let Some(id) = student {
                q = q.student(id);
            }
            Rows::Marks(collect(provider.attendance(q), read).await?)
        }
        "timetable" => {
            let mut q = TimetableQuery::new(need()?).with_diagnostics(d);
            if let Some(id) = student {
                q = q.student(id);
            }
            Rows::Lessons(collect(provider.timetable(q), read).await?)
        }
        _ => {
            let q = BehaviourQuery::new(need()?).with_diagnostics(d);
            Rows::Events(collect(provider.behaviour(q), read).await?)
        }
    })
}

/// Deletes the rows of a unit's scope still stamped with an older generation: what the
/// vendor no longer has. Students: the school's whole list (the unit is the whole list).
async fn delete_stale(
    store: &mut Store,
    school: &str,
    generation: i64,
    entity: &str,
    unit: Option<&Unit>,
) -> Result<u64> {
    let g = Value::Int(Some(generation));
    let (table, student_column) = match entity {
        "students" => {
            return store
                .execute(
                    "DELETE FROM students WHERE school = $1 AND sync_gen <> $2",
                    &[Value::text(school), g],
                )
                .await;
        }
        "attendance" => ("attendance_marks", "student_id"),
        "timetable" => ("lessons", "student_key"),
        _ => ("behaviour_events", ""),
    };
    let Some(unit) = unit else { return Ok(0) };
    let range = unit.range();
    let mut params = vec![
        Value::text(school),
        g,
        Value::date(range.from()),
        Value::date(range.to()),
    ];
    let mut sql = format!(
        "DELETE FROM {table} WHERE school = $1 AND sync_gen <> $2 AND date >= $3 AND date <= $4"
    );
    if let Some(id) = unit.student() {
        sql.push_str(&format!(" AND {student_column} = $5"));
        params.push(Value::text(id));
    }
    store.execute(&sql, &params).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_cover_the_range_exactly() {
        let r = DateRange::parse("2024-09-02", "2024-09-17").unwrap();
        let c = chunks(r, 7);
        assert_eq!(c.len(), 3);
        assert_eq!(c[0].from(), r.from());
        assert_eq!(c[2].to(), r.to());
        assert_eq!(c[1].from(), jiff::civil::date(2024, 9, 9));
        assert_eq!(chunks(DateRange::day(r.from()), 7).len(), 1);
    }
}
