//! The sync queue in PostgreSQL: batches, one job per school, leases claimed with
//! `FOR UPDATE SKIP LOCKED`, fenced writes, retries with back-off. The SQL lives here; the
//! worker loop and the design note are in [`super::worker`].
//!
//! Every time (lease expiry, back-off) is the **database's** `now()`, never a worker's
//! clock: workers on many hosts agree on when a lease has run out even if their clocks do
//! not.

use std::sync::atomic::{AtomicBool, Ordering};

use jiff::civil::Date;
use mis_core::{DateRange, Error, ErrorKind, Result};

use super::config::SyncConfig;
use crate::store::{Store, Value};

/// The queue needs PostgreSQL: refuses anything else with a message saying why.
pub fn require_postgres(url: &str, command: &str) -> Result<()> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(())
    } else {
        Err(Error::invalid_input(format!(
            "mis sync {command} needs --out postgres://…: the queue coordinates workers on many \
             hosts through one PostgreSQL server (a SQLite file lives on one host; use `mis sync \
             --config FILE --out sqlite:PATH` there)"
        )))
    }
}

/// The per-address quota group of a vendor, and how many of its schools one egress address
/// may run at once. A vendor that counts its quota per IP address (HUBmis: "12 requests per
/// minute per IP address"; ManageBac: "per IP … regardless of endpoint") would see two of its
/// schools on one address each take a client gate of the full quota and together exceed it,
/// so one school per address runs at a time, at its full gate. Vendors that limit per client
/// (per school's credentials) run side by side.
pub fn quota_group(school: &super::SchoolConfig) -> Option<(&'static str, i64)> {
    school
        .descriptor()
        .filter(|vendor| vendor.sync.quota_per_address)
        .map(|vendor| (vendor.id.as_str(), 1))
}

/// The window of a school's per-address quota, in seconds: its configured `quota` (`12/60` →
/// 60) or the vendor's documented one (HUBmis 12 per 60 s, ManageBac 10 per 1 s); 0 when
/// neither says.
pub fn quota_window(school: &super::SchoolConfig) -> f64 {
    let configured = school
        .quota
        .as_ref()
        .and_then(|q| mis_http::parse_quota(q.get_ref()).ok().flatten());
    configured
        .or_else(|| school.descriptor().and_then(|vendor| vendor.doctor.quota))
        .map_or(0.0, |(_, window)| window.as_secs_f64())
}

/// Retry settings of a batch.
#[derive(Debug, Clone, Copy)]
pub struct Retry {
    /// Attempts per school (claims) before it is marked failed.
    pub max_attempts: u32,
    /// The first back-off, doubled after every failed attempt.
    pub seconds: f64,
}

/// Loads `config` (its text, as read) as the queue's batch: replaces every job with one
/// `queued` job per school. Refused while any school is running under a live lease (a worker
/// is still writing it). Returns the batch id.
pub async fn enqueue(
    store: &mut Store,
    text: &str,
    config: &SyncConfig,
    today: Date,
    retry: Retry,
) -> Result<i64> {
    let range = config.range_on(today)?;
    let run_id = jiff::Timestamp::now().to_string();
    store.begin().await?;
    let result = async {
        // Serialises enqueues with claims of every egress (see `claim`): no worker takes a
        // job of the batch being replaced while it is replaced.
        store
            .execute("LOCK TABLE sync_jobs IN EXCLUSIVE MODE", &[])
            .await?;
        let live = count(
            store,
            "SELECT CAST(COUNT(*) AS TEXT) FROM sync_jobs WHERE status = 'running' \
             AND lease_until >= now()",
        )
        .await?;
        if live > 0 {
            return Err(Error::new(
                ErrorKind::Vendor,
                format!(
                    "mis sync enqueue: {live} schools are still running under a live lease; wait \
                     for the workers (mis sync status) before loading a new batch"
                ),
            )
            .with_retryable(false));
        }
        let rows = store
            .query(
                "INSERT INTO sync_batches (run_id, config, window_from, window_to, today, \
                 max_attempts, retry_seconds) VALUES ($1, $2, $3, $4, $5, $6, $7) \
                 RETURNING CAST(batch_id AS TEXT)",
                &[
                    Value::text(&run_id),
                    Value::text(text),
                    Value::date(range.from()),
                    Value::date(range.to()),
                    Value::date(today),
                    Value::Int4(Some(i32::try_from(retry.max_attempts).unwrap_or(i32::MAX))),
                    Value::Real(Some(retry.seconds)),
                ],
            )
            .await?;
        let batch = first_int(&rows).ok_or_else(|| Error::invalid_input("no batch id"))?;
        store.execute("DELETE FROM sync_jobs", &[]).await?;
        for school in &config.schools {
            let group = quota_group(school);
            store
                .execute(
                    "INSERT INTO sync_jobs (school, batch_id, provider, quota_group, quota_slots, \
                     quota_window, status) VALUES ($1, $2, $3, $4, $5, $6, 'queued')",
                    &[
                        Value::text(&school.name),
                        Value::Int(Some(batch)),
                        Value::text(school.provider.get_ref()),
                        Value::opt(group.map(|g| g.0)),
                        Value::Int4(Some(group.map_or(1, |g| g.1 as i32))),
                        Value::Real(Some(quota_window(school))),
                    ],
                )
                .await?;
        }
        Ok(batch)
    }
    .await;
    match result {
        Ok(batch) => {
            store.commit().await?;
            Ok(batch)
        }
        Err(e) => {
            store.rollback().await;
            Err(e)
        }
    }
}

/// A batch as the workers read it.
#[derive(Debug, Clone)]
pub struct Batch {
    /// Its id.
    pub id: i64,
    /// The `run_id` every school of the batch reports under (in `sync_runs`).
    pub run_id: String,
    /// The config.
    pub config: SyncConfig,
    /// The dates read.
    pub range: DateRange,
    /// The day the batch was enqueued (the `today` of a single-process run).
    pub today: Date,
}

/// Reads batch `id`.
pub async fn batch(store: &mut Store, id: i64) -> Result<Batch> {
    let rows = store
        .query(
            "SELECT run_id, config, CAST(window_from AS TEXT), CAST(window_to AS TEXT), \
             CAST(today AS TEXT) FROM sync_batches WHERE batch_id = $1",
            &[Value::Int(Some(id))],
        )
        .await?;
    let row = rows
        .into_iter()
        .next()
        .ok_or_else(|| Error::new(ErrorKind::NotFound, format!("sync batch {id} is gone")))?;
    let get = |i: usize| row.get(i).cloned().flatten().unwrap_or_default();
    let date = |i: usize| {
        get(i)
            .parse::<Date>()
            .map_err(|_| Error::invalid_input(format!("sync batch {id}: a bad date")))
    };
    Ok(Batch {
        id,
        run_id: get(0),
        config: SyncConfig::parse(&get(1))?,
        range: DateRange::new(date(2)?, date(3)?)?,
        today: date(4)?,
    })
}

/// A claimed school: the lease a worker holds while it writes the school.
#[derive(Debug)]
pub struct Lease {
    /// The school.
    pub school: String,
    /// Its batch.
    pub batch: i64,
    /// The token (unique for ever): writes match it.
    pub token: i64,
    /// Which attempt this is (1 = first).
    pub attempt: i64,
    /// How long the lease lasts after each heartbeat.
    pub seconds: f64,
    lost: AtomicBool,
}

impl Lease {
    /// Whether the lease was found taken over (or the job gone).
    pub fn lost(&self) -> bool {
        self.lost.load(Ordering::SeqCst)
    }

    /// Fails when the lease is known lost.
    pub fn check(&self) -> Result<()> {
        if self.lost() {
            Err(lease_lost())
        } else {
            Ok(())
        }
    }

    /// Extends the lease if it is still ours; fails (and remembers) when it is not. Inside a
    /// unit's transaction this row lock orders the unit against a takeover: either the unit
    /// commits first and the lease was extended (no takeover), or the takeover committed
    /// first and this matches no row.
    pub async fn fence(&self, store: &mut Store) -> Result<()> {
        self.check()?;
        let n = store
            .execute(
                "UPDATE sync_jobs SET lease_until = now() + make_interval(secs => $1), \
                 heartbeat_at = now() WHERE school = $2 AND lease_token = $3 AND status = 'running'",
                &[
                    Value::Real(Some(self.seconds)),
                    Value::text(&self.school),
                    Value::Int(Some(self.token)),
                ],
            )
            .await?;
        if n == 0 {
            self.lost.store(true, Ordering::SeqCst);
            return Err(lease_lost());
        }
        Ok(())
    }
}

fn lease_lost() -> Error {
    Error::new(
        ErrorKind::Vendor,
        "lease lost: another worker took this school over (its writes win; nothing duplicated)",
    )
    .with_retryable(false)
}

/// Who is claiming.
#[derive(Debug, Clone)]
pub struct Claimant<'a> {
    /// The worker's name (shown in `mis sync status`).
    pub worker: &'a str,
    /// Its egress identity (the address vendors see).
    pub egress: &'a str,
    /// Lease length.
    pub lease_seconds: f64,
}

/// Claims one school, or `None` when none is claimable now: a `queued` job whose back-off
/// has passed, or a `running` one whose lease ran out (its worker died), and never a school
/// of a per-IP quota group this egress already runs its allowance of, nor one of a group
/// whose last school on this egress finished less than its quota window ago (a fresh client
/// gate knows nothing of the requests the previous school made in the vendor's window).
pub async fn claim(store: &mut Store, who: &Claimant<'_>) -> Result<Option<Lease>> {
    store.begin().await?;
    let result = async {
        // Claims of one egress are serialised (a transaction-scoped advisory lock), so two
        // workers behind one address cannot both see "no HUBmis school running here" and
        // both start one. Claims of different egresses run in parallel; SKIP LOCKED gives
        // them different rows.
        store
            .execute(
                "SELECT pg_advisory_xact_lock(hashtext('mis sync egress ' || $1))",
                &[Value::text(who.egress)],
            )
            .await?;
        // A dead worker's school on its last attempt is not taken again: it failed.
        store
            .execute(
                "UPDATE sync_jobs SET status = 'failed', finished_at = now(), \
                 error = 'the worker running its last attempt stopped heartbeating (lease expired)' \
                 WHERE status = 'running' AND lease_until < now() \
                 AND attempts >= (SELECT max_attempts FROM sync_batches b WHERE b.batch_id = sync_jobs.batch_id)",
                &[],
            )
            .await?;
        let rows = store
            .query(
                "UPDATE sync_jobs SET status = 'running', worker = $1, egress = $2, \
                 lease_token = nextval('sync_lease_tokens'), attempts = attempts + 1, \
                 lease_until = now() + make_interval(secs => $3), heartbeat_at = now(), \
                 started_at = now(), finished_at = NULL \
                 WHERE school = (SELECT j.school FROM sync_jobs j \
                   WHERE ((j.status = 'queued' AND j.not_before <= now()) \
                       OR (j.status = 'running' AND j.lease_until < now())) \
                     AND (j.quota_group IS NULL OR (SELECT COUNT(*) FROM sync_jobs r \
                       WHERE r.status = 'running' AND r.lease_until >= now() \
                       AND r.egress = $2 AND r.quota_group = j.quota_group) < j.quota_slots \
                       AND NOT EXISTS (SELECT 1 FROM sync_jobs c WHERE c.status <> 'running' \
                         AND c.egress = $2 AND c.quota_group = j.quota_group \
                         AND c.finished_at > now() - make_interval(secs => c.quota_window))) \
                   ORDER BY j.not_before, j.school LIMIT 1 FOR UPDATE SKIP LOCKED) \
                 RETURNING school, CAST(batch_id AS TEXT), CAST(lease_token AS TEXT), \
                 CAST(attempts AS TEXT)",
                &[
                    Value::text(who.worker),
                    Value::text(who.egress),
                    Value::Real(Some(who.lease_seconds)),
                ],
            )
            .await?;
        Ok::<_, Error>(rows.into_iter().next().map(|row| {
            let get = |i: usize| row.get(i).cloned().flatten().unwrap_or_default();
            let int = |i: usize| get(i).parse::<i64>().unwrap_or(0);
            Lease {
                school: get(0),
                batch: int(1),
                token: int(2),
                attempt: int(3),
                seconds: who.lease_seconds,
                lost: AtomicBool::new(false),
            }
        }))
    }
    .await;
    match result {
        Ok(lease) => {
            store.commit().await?;
            Ok(lease)
        }
        Err(e) => {
            store.rollback().await;
            Err(e)
        }
    }
}

/// What a finished attempt reports.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    /// `full`, `incremental` or `resumed`.
    pub mode: String,
    /// Rows written by this attempt.
    pub rows_written: u64,
    /// Rows deleted by this attempt.
    pub rows_deleted: u64,
    /// Vendor requests of this attempt.
    pub requests: u64,
    /// Warnings of this attempt.
    pub warnings: u64,
    /// The error (one line, no secret) when the attempt failed.
    pub error: Option<String>,
}

/// Releases a lease: the school is `done`, or re-queued after a back-off (`retry_seconds ×
/// 2^(attempt-1)`), or `failed` after its last attempt. Matches the lease token, so a worker
/// whose lease was taken over changes nothing; returns whether it did.
pub async fn finish(store: &mut Store, lease: &Lease, outcome: &Outcome) -> Result<bool> {
    let counts = [
        Value::text(&outcome.mode),
        Value::count(outcome.rows_written),
        Value::count(outcome.rows_deleted),
        Value::count(outcome.requests),
        Value::count(outcome.warnings),
    ];
    let n = match &outcome.error {
        None => {
            let mut params = counts.to_vec();
            params.extend([Value::text(&lease.school), Value::Int(Some(lease.token))]);
            store
                .execute(
                    "UPDATE sync_jobs SET mode = $1, rows_written = $2, rows_deleted = $3, \
                     requests = $4, warnings = $5, status = 'done', error = NULL, \
                     finished_at = now(), lease_until = NULL \
                     WHERE school = $6 AND lease_token = $7 AND status = 'running'",
                    &params,
                )
                .await?
        }
        Some(error) => {
            let mut params = counts.to_vec();
            params.extend([
                Value::text(error),
                Value::text(&lease.school),
                Value::Int(Some(lease.token)),
            ]);
            store
                .execute(
                    "UPDATE sync_jobs SET mode = $1, rows_written = $2, rows_deleted = $3, \
                     requests = $4, warnings = $5, error = $6, finished_at = now(), \
                     lease_until = NULL, \
                     status = CASE WHEN attempts >= b.max_attempts THEN 'failed' ELSE 'queued' END, \
                     not_before = now() + make_interval(secs => b.retry_seconds * \
                       power(2, GREATEST(attempts - 1, 0))) \
                     FROM sync_batches b WHERE b.batch_id = sync_jobs.batch_id \
                     AND school = $7 AND lease_token = $8 AND status = 'running'",
                    &params,
                )
                .await?
        }
    };
    Ok(n > 0)
}

/// How many jobs are not finished (`queued` or `running`), and how many `failed`.
pub async fn pending_and_failed(store: &mut Store) -> Result<(i64, i64)> {
    let pending = count(
        store,
        "SELECT CAST(COUNT(*) AS TEXT) FROM sync_jobs WHERE status IN ('queued', 'running')",
    )
    .await?;
    let failed = count(
        store,
        "SELECT CAST(COUNT(*) AS TEXT) FROM sync_jobs WHERE status = 'failed'",
    )
    .await?;
    Ok((pending, failed))
}

/// One line of `mis sync status`.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct JobStatus {
    /// The school.
    pub school: String,
    /// The vendor.
    pub provider: String,
    /// `queued`, `running`, `lease expired` (its worker stopped heartbeating; another takes
    /// it over), `retrying` (failed, queued again after a back-off), `done` or `failed`.
    pub state: String,
    /// The worker running it (or that ran it last).
    pub worker: Option<String>,
    /// That worker's egress identity.
    pub egress: Option<String>,
    /// When the current (or last) attempt started (UTC).
    pub since: Option<String>,
    /// When it finished (UTC).
    pub finished: Option<String>,
    /// Attempts so far.
    pub attempts: i64,
    /// The next attempt, for a school waiting out its back-off (UTC).
    pub next_attempt: Option<String>,
    /// `full`, `incremental` or `resumed` (of the last finished attempt).
    pub mode: Option<String>,
    /// Rows written by the last finished attempt.
    pub rows_written: Option<i64>,
    /// Rows deleted by it.
    pub rows_deleted: Option<i64>,
    /// Its vendor requests.
    pub requests: Option<i64>,
    /// Its warnings.
    pub warnings: Option<i64>,
    /// The last error (one line, no secret, no pupil data).
    pub error: Option<String>,
}

/// Every school of the queue, in name order.
pub async fn status(store: &mut Store) -> Result<Vec<JobStatus>> {
    let rows = store
        .query(
            "SELECT school, provider, \
             CASE WHEN status = 'running' AND lease_until < now() THEN 'lease expired' \
                  WHEN status = 'queued' AND attempts > 0 THEN 'retrying' ELSE status END, \
             worker, egress, \
             to_char(started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), \
             to_char(finished_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), \
             CAST(attempts AS TEXT), \
             CASE WHEN status = 'queued' AND attempts > 0 THEN \
               to_char(not_before AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') END, \
             mode, CAST(rows_written AS TEXT), CAST(rows_deleted AS TEXT), \
             CAST(requests AS TEXT), CAST(warnings AS TEXT), error \
             FROM sync_jobs ORDER BY school",
            &[],
        )
        .await?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let get = |i: usize| row.get(i).cloned().flatten();
            let int = |i: usize| get(i).and_then(|v| v.parse::<i64>().ok());
            JobStatus {
                school: get(0).unwrap_or_default(),
                provider: get(1).unwrap_or_default(),
                state: get(2).unwrap_or_default(),
                worker: get(3),
                egress: get(4),
                since: get(5),
                finished: get(6),
                attempts: int(7).unwrap_or(0),
                next_attempt: get(8),
                mode: get(9),
                rows_written: int(10),
                rows_deleted: int(11),
                requests: int(12),
                warnings: int(13),
                error: get(14),
            }
        })
        .collect())
}

async fn count(store: &mut Store, sql: &str) -> Result<i64> {
    Ok(first_int(&store.query(sql, &[]).await?).unwrap_or(0))
}

fn first_int(rows: &[Vec<Option<String>>]) -> Option<i64> {
    rows.first()?.first()?.as_deref()?.parse().ok()
}
