//! Sync workers on many hosts, coordinated by PostgreSQL: `mis sync enqueue`, `mis sync
//! work`, `mis sync status`.
//!
//! # Why
//!
//! Vendor quotas are per client and per IP address (HUBmis: 12 requests a minute per IP).
//! Ten HUBmis schools of 1,000 pupils need about 10,000 attendance requests, about 14 hours
//! at one address's rate: one host cannot sync them overnight. More hosts (more egress
//! addresses) can, all writing to one PostgreSQL database.
//!
//! # How it works
//!
//! 1. `mis sync enqueue --config trust.toml --out postgres://…` loads the config (schools,
//!    the **names** of the environment variables holding credentials, windows) into the
//!    database once: one `sync_batches` row (the config text and the date window, fixed at
//!    enqueue time) and one `queued` row per school in `sync_jobs`.
//! 2. Any number of `mis sync work --out postgres://…` processes on any hosts claim one
//!    school at a time per slot (`--slots`, default 4) with a lease: a transaction that
//!    picks a claimable row `FOR UPDATE SKIP LOCKED` and stamps it `running` with the
//!    worker's name, its egress label, a fresh lease token and `lease_until = now() + lease`.
//!    The worker syncs the school through the **same code path as a single-process `mis
//!    sync`** (checkpoints per unit in `sync_progress`), heartbeats every third of the lease,
//!    and releases the school as `done` (with counts) or re-queued after a failure.
//! 3. A worker that dies (SIGKILL, host lost) stops heartbeating; once `lease_until` has
//!    passed (the database's clock decides) another worker claims the school and **resumes
//!    it from its checkpoints**: the units already committed are not fetched again.
//! 4. A worker exits when no school is queued or running (a drained queue); `--keep-running`
//!    makes it poll for the next batch instead (a long-running Deployment).
//!
//! # Idempotence: a lost lease writes nothing
//!
//! Every data row is an upsert on its natural key, every checkpoint is a primary-key row
//! (`school, generation, entity, unit`), and every write transaction (a unit and its
//! checkpoint, the generation's state, the run report) **starts by updating its school's
//! job row where the lease token is its own**. That row lock orders two workers racing on
//! one school after a lease expiry: either the old holder's unit commits first and its lease
//! was extended (so there was no takeover), or the takeover committed first and the old
//! holder's update matches no row; its transaction rolls back, its school ends with "lease
//! lost", it releases nothing and claims the next school. A checkpoint written twice would
//! fail on its primary key; no row can be duplicated.
//!
//! # Quota-aware placement
//!
//! A worker's egress identity is `--egress` (env `MIS_SYNC_EGRESS`, default the host name):
//! the address vendors see. Schools whose vendor limits requests **per IP** (HUBmis,
//! ManageBac) carry a quota group; a claim never takes a school of a group that already has
//! its allowance (one school) running under a live lease on the same egress, across every
//! worker with that label, and the next school of the group on that egress starts one quota
//! window (the school's `quota`, default the vendor's: 60 s for HUBmis) after the previous
//! one finished, since a new client's gate does not know the requests still counted in the
//! vendor's window. That school runs at its full configured `quota`, alone on that address,
//! so the address never exceeds the vendor's limit; schools of other vendors (per client
//! quotas) run beside it. Claims of one egress are serialised by a transaction-scoped
//! advisory lock, so two workers behind one NAT cannot both start a HUBmis school. Workers
//! behind one NAT must share one `--egress` label.
//!
//! # Retries
//!
//! A failed school is queued again after `--retry-seconds` (default 300), doubled after each
//! attempt, up to `--max-attempts` claims (default 3; a worker dying counts as an attempt),
//! then marked `failed` with its error. `mis sync status` shows each school: `queued`,
//! `running` (worker, egress, since), `lease expired`, `retrying` (next attempt), `done`
//! (counts) or `failed` (the error).
//!
//! # Why no job-queue crate
//!
//! Evaluated with `cargo info` (2025): `apalis-sql` (1.0 release candidate; sqlx),
//! `sqlxmq` 0.6 (sqlx), `fang` 0.11 (diesel or sqlx), `pgmq` 0.34 alpha (needs the pgmq
//! server extension; its tokio-postgres support is experimental). Each brings a second
//! PostgreSQL driver (sqlx or diesel) beside our tokio-postgres, or a server extension, and
//! none places jobs by egress address. The queue is instead ~300 lines of SQL on PostgreSQL's
//! row locks (`FOR UPDATE SKIP LOCKED`), in [`super::queue`].
//!
//! # Running N workers
//!
//! Enqueue nightly (cron, a systemd timer, a Kubernetes CronJob), then run the workers; every
//! host needs the credentials' environment variables the config names, and the PostgreSQL
//! URL. systemd, one unit per host (`/etc/systemd/system/mis-sync-worker.service`):
//!
//! ```ini
//! [Unit]
//! Description=mis sync worker
//! After=network-online.target
//!
//! [Service]
//! Environment=MIS_SYNC_EGRESS=host-a-egress
//! EnvironmentFile=/etc/mis/credentials.env   # OAK_MB_TOKEN=…, ASH_CLIENT_ID=…, MIS_SYNC_DB=postgres://…
//! ExecStart=/usr/local/bin/mis sync work --out ${MIS_SYNC_DB} --keep-running
//! Restart=always
//! DynamicUser=yes
//! ```
//!
//! Kubernetes: a Deployment with N replicas. Pods share the node's (or the NAT gateway's)
//! address unless each has its own egress; give each distinct egress its own label (here:
//! one Deployment per egress pool, label from the pool).
//!
//! ```yaml
//! apiVersion: apps/v1
//! kind: Deployment
//! metadata: { name: mis-sync-worker-pool-a }
//! spec:
//!   replicas: 3
//!   selector: { matchLabels: { app: mis-sync-worker } }
//!   template:
//!     metadata: { labels: { app: mis-sync-worker } }
//!     spec:
//!       containers:
//!         - name: worker
//!           image: registry.example/mis:latest
//!           args: ["sync", "work", "--out", "$(MIS_SYNC_DB)", "--keep-running"]
//!           env:
//!             - { name: MIS_SYNC_EGRESS, value: "pool-a" }     # one label per egress address
//!             - { name: MIS_SYNC_WORKER, valueFrom: { fieldRef: { fieldPath: metadata.name } } }
//!           envFrom:
//!             - secretRef: { name: mis-sync-credentials }      # MIS_SYNC_DB and every variable the config names
//! ```
//!
//! With replicas sharing one egress, per-IP vendors (HUBmis, ManageBac) still run one school
//! at a time per label; more replicas speed up the other vendors. For HUBmis throughput, add
//! egress addresses (pools), not replicas.
//!
//! # Sizing
//!
//! `workers (egress addresses) = ceil(requests per night / (quota per IP × night length))`.
//! Ten HUBmis schools of 1,000 pupils: about 10,000 requests; at 12 a minute, 720 an hour, an
//! 8-hour night allows 5,760 per address: ceil(10,000 / 5,760) = 2 addresses (3 with
//! headroom for retries). A school's request count is in `sync_runs.requests` after one run.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use clap::Args;
use mis_core::{Error, ErrorKind, Result};
use tokio::sync::Mutex;

use super::queue::{self, Batch, Claimant, Lease, Outcome, Retry};
use super::report::SchoolReport;
use super::{Ctx, SyncConfig};
use crate::output::{Format, write_records};
use crate::store::{self, Store};

/// `mis sync enqueue`.
#[derive(Debug, Clone, PartialEq, Args)]
pub struct EnqueueArgs {
    /// The sync configuration (schools, vendors, which env vars hold their credentials).
    #[arg(long, value_name = "FILE")]
    pub config: PathBuf,
    /// The queue's database: `postgres://…`.
    #[arg(long, value_name = "URL")]
    pub out: String,
    /// Attempts per school before it is marked failed.
    #[arg(long, value_name = "N", default_value_t = 3)]
    pub max_attempts: u32,
    /// Back-off before a failed school's next attempt, doubled after each attempt.
    #[arg(long, value_name = "SECONDS", default_value_t = 300.0)]
    pub retry_seconds: f64,
}

impl Eq for EnqueueArgs {}

/// `mis sync work`.
#[derive(Debug, Clone, PartialEq, Args)]
pub struct WorkArgs {
    /// The queue's database: `postgres://…`.
    #[arg(long, value_name = "URL")]
    pub out: String,
    /// This worker's name in `mis sync status` (default: host name and process id).
    #[arg(long, value_name = "NAME", env = "MIS_SYNC_WORKER")]
    pub worker: Option<String>,
    /// The address vendors see this worker as (default: the host name). Workers behind one
    /// NAT address must share a label: per-IP quotas are placed by it.
    #[arg(long, value_name = "LABEL", env = "MIS_SYNC_EGRESS")]
    pub egress: Option<String>,
    /// Schools this worker runs at once.
    #[arg(long, value_name = "N", default_value_t = 4)]
    pub slots: usize,
    /// Lease length: a worker silent this long loses its school to another.
    #[arg(long, value_name = "SECONDS", default_value_t = 60.0)]
    pub lease_seconds: f64,
    /// How often an idle worker looks for a claimable school.
    #[arg(long, value_name = "SECONDS", default_value_t = 2.0)]
    pub poll_seconds: f64,
    /// Keep polling when the queue is drained (a long-running service) instead of exiting.
    #[arg(long)]
    pub keep_running: bool,
}

impl Eq for WorkArgs {}

/// The host's name, the default egress label.
fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok().filter(|s| !s.is_empty()))
        .unwrap_or_else(|| "localhost".into())
}

/// `mis sync enqueue`: loads the config as the queue's batch and prints its schools.
pub async fn enqueue<W: Write>(args: &EnqueueArgs, format: Format, out: &mut W) -> Result<()> {
    queue::require_postgres(&args.out, "enqueue")?;
    if args.max_attempts == 0 {
        return Err(Error::invalid_input("--max-attempts must be at least 1"));
    }
    if !(args.retry_seconds.is_finite() && args.retry_seconds >= 0.0) {
        return Err(Error::invalid_input("--retry-seconds must be 0 or more"));
    }
    let text = std::fs::read_to_string(&args.config).map_err(|e| {
        Error::invalid_input(format!(
            "--config: cannot read {}: {e}",
            args.config.display()
        ))
    })?;
    let config = SyncConfig::parse(&text)?;
    let mut store = store::open(&args.out).await?;
    let today = jiff::ZonedDateTime::now().date();
    let retry = Retry {
        max_attempts: args.max_attempts,
        seconds: args.retry_seconds,
    };
    queue::enqueue(&mut store, &text, &config, today, retry).await?;
    print_status(&mut store, format, out).await
}

/// `mis sync status`: one line per school of the queue.
pub async fn status<W: Write>(url: &str, format: Format, out: &mut W) -> Result<()> {
    queue::require_postgres(url, "status")?;
    let mut store = store::open(url).await?;
    print_status(&mut store, format, out).await
}

async fn print_status<W: Write>(store: &mut Store, format: Format, out: &mut W) -> Result<()> {
    let rows = queue::status(store).await?;
    write_records(rows, format, out)
        .map_err(|e| Error::new(ErrorKind::Unavailable, format!("stdout: {e}")))
}

/// What the slots of one worker share.
struct Worker<'a> {
    store: Arc<Mutex<Store>>,
    who: Claimant<'a>,
    args: &'a WorkArgs,
    env: super::Env<'a>,
    /// Batches read so far, by id (a batch never changes).
    batches: Mutex<BTreeMap<i64, Arc<Batch>>>,
}

/// `mis sync work`: runs slots until the queue is drained and prints the report of every
/// school this worker finished. Fails (exit code of a vendor error) when any school of the
/// queue ended `failed`.
pub async fn work<W: Write>(args: &WorkArgs, format: Format, out: &mut W) -> Result<()> {
    let env = |name: &str| std::env::var(name).ok();
    let reports = work_with(args, &env).await?;
    let rows: Vec<_> = reports.iter().flat_map(SchoolReport::rows).collect();
    write_records(rows, format, out)
        .map_err(|e| Error::new(ErrorKind::Unavailable, format!("stdout: {e}")))?;
    let mut store = store::open(&args.out).await?;
    let (_, failed) = queue::pending_and_failed(&mut store).await?;
    if failed > 0 {
        return Err(Error::new(
            ErrorKind::Vendor,
            format!("{failed} schools of the queue failed (see mis sync status)"),
        ));
    }
    Ok(())
}

/// [`work`] with credentials read through `env`; returns the reports of the schools this
/// worker finished (or gave up as lost).
pub async fn work_with(args: &WorkArgs, env: super::Env<'_>) -> Result<Vec<SchoolReport>> {
    queue::require_postgres(&args.out, "work")?;
    if args.slots == 0 {
        return Err(Error::invalid_input("--slots must be at least 1"));
    }
    if !(args.lease_seconds.is_finite() && args.lease_seconds >= 1.0) {
        return Err(Error::invalid_input("--lease-seconds must be at least 1"));
    }
    if !(args.poll_seconds.is_finite() && args.poll_seconds > 0.0) {
        return Err(Error::invalid_input("--poll-seconds must be above 0"));
    }
    let host = hostname();
    let worker_name = args
        .worker
        .clone()
        .unwrap_or_else(|| format!("{host}:{}", std::process::id()));
    let egress = args.egress.clone().unwrap_or(host);
    let store = Arc::new(Mutex::new(store::open(&args.out).await?));
    let worker = Worker {
        store,
        who: Claimant {
            worker: &worker_name,
            egress: &egress,
            lease_seconds: args.lease_seconds,
        },
        args,
        env,
        batches: Mutex::new(BTreeMap::new()),
    };
    let slots: Vec<_> = (0..args.slots).map(|_| worker.slot()).collect();
    let mut reports = Vec::new();
    for result in futures::future::join_all(slots).await {
        reports.extend(result?);
    }
    Ok(reports)
}

impl Worker<'_> {
    /// One slot: claim, sync, release, until the queue is drained.
    async fn slot(&self) -> Result<Vec<SchoolReport>> {
        let mut reports = Vec::new();
        let poll = Duration::from_secs_f64(self.args.poll_seconds);
        loop {
            let lease = {
                let mut store = self.store.lock().await;
                queue::claim(&mut store, &self.who).await?
            };
            match lease {
                Some(lease) => reports.push(self.run(lease).await?),
                None => {
                    let (pending, _) = {
                        let mut store = self.store.lock().await;
                        queue::pending_and_failed(&mut store).await?
                    };
                    if pending == 0 && !self.args.keep_running {
                        return Ok(reports);
                    }
                    tokio::time::sleep(poll).await;
                }
            }
        }
    }

    async fn batch(&self, id: i64) -> Result<Arc<Batch>> {
        let mut batches = self.batches.lock().await;
        if let Some(b) = batches.get(&id) {
            return Ok(b.clone());
        }
        let b = {
            let mut store = self.store.lock().await;
            Arc::new(queue::batch(&mut store, id).await?)
        };
        batches.insert(id, b.clone());
        Ok(b)
    }

    /// Syncs the leased school through the single-process path, heartbeating, then releases
    /// it. Errors of the school are in its report (and the job); only a database error of
    /// the queue itself ends the slot.
    async fn run(&self, lease: Lease) -> Result<SchoolReport> {
        let batch = self.batch(lease.batch).await?;
        let Some(school) = batch.config.schools.iter().find(|s| s.name == lease.school) else {
            let outcome = Outcome {
                error: Some("the school is not in its batch's config".into()),
                ..Outcome::default()
            };
            let mut store = self.store.lock().await;
            queue::finish(&mut store, &lease, &outcome).await?;
            return Err(Error::invalid_input("a queued school is not in its batch"));
        };
        tracing::info!(
            school = %lease.school,
            attempt = lease.attempt,
            "claimed"
        );
        let ctx = Ctx {
            store: self.store.clone(),
            run_id: batch.run_id.clone(),
            today: batch.today,
            range: batch.range,
            config: &batch.config,
            env: self.env,
            lease: Some(&lease),
        };
        let report = {
            let sync = ctx.school(school);
            let beat = self.heartbeat(&lease);
            tokio::pin!(sync, beat);
            tokio::select! {
                biased;
                report = &mut sync => report,
                () = &mut beat => sync.await,
            }
        };
        if lease.lost() {
            tracing::warn!(school = %lease.school, "lease lost; another worker has the school");
            return Ok(report);
        }
        let outcome = Outcome {
            mode: report.mode.clone(),
            rows_written: report.rows_written(),
            rows_deleted: report.rows_deleted(),
            requests: report.requests,
            warnings: report.warnings().len() as u64,
            error: report.error.clone(),
        };
        let mut store = self.store.lock().await;
        if !queue::finish(&mut store, &lease, &outcome).await? {
            tracing::warn!(school = %lease.school, "lease lost before release");
        }
        Ok(report)
    }

    /// Extends the lease every third of its length; returns once it is found lost.
    async fn heartbeat(&self, lease: &Lease) {
        let every = Duration::from_secs_f64(lease.seconds / 3.0);
        loop {
            tokio::time::sleep(every).await;
            let mut store = self.store.lock().await;
            match lease.fence(&mut store).await {
                Ok(()) => {}
                Err(_) if lease.lost() => return,
                // The database was unreachable for a moment: the next beat tries again, and
                // the next write fails (and the lease runs out) if it stays so.
                Err(e) => tracing::warn!("heartbeat failed: {e}"),
            }
        }
    }
}
