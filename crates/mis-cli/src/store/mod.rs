//! Writing the normalised model to a database: SQLite (default) or PostgreSQL, through one
//! code path.
//!
//! # Schema
//!
//! The schema is versioned: the SQL files under `crates/mis-cli/migrations/` are applied by
//! [refinery](https://docs.rs/refinery) (history in `refinery_schema_history`), one runner for
//! both back ends. Versions 1 and 2 are one SQL text for both; version 3 differs (PostgreSQL
//! gets `date`, `timestamptz`, `boolean` and `integer` columns, SQLite keeps its dynamic
//! types). Opening a database made by an older `mis` migrates it; opening one made by a newer
//! `mis` fails and says so (see [`migrate`]).
//!
//! # Parameters
//!
//! Both back ends read `$1`, `$2` … as parameters, but SQLite numbers them in the order they
//! first **appear** in the statement, not by their digits: every statement here uses them in
//! ascending order.
//!
//! # Writes
//!
//! Upserts (`INSERT … ON CONFLICT (key) DO UPDATE SET col = excluded.col`), so writing the
//! same rows twice changes nothing and duplicates nothing.
//!
//! Inside a transaction the rows of [`Store::student`], [`Store::mark`], [`Store::lesson`]
//! and [`Store::event`] are queued and written up to 500 at a time in multi-row upserts on
//! PostgreSQL, which saves a round trip per row. SQLite runs in the process, so there is no
//! round trip to save: it keeps one cached single-row statement, which measured faster than
//! compiling statements of hundreds of rows.
//! the queue is written before any other statement, at [`Store::commit`] and whenever the
//! rows change table, so reads inside the transaction see every row, and an error in a
//! queued row surfaces at that point, not at the call that queued it. Outside a transaction
//! every row is written at once. Key columns never hold NULL (NULLs
//! are all distinct in a unique key, which would let duplicates in): absent parts of a key are
//! written as `''`. Every data row carries the `sync_gen` that last wrote it, which is how a
//! re-read scope drops the rows removed upstream (see `crate::sync`).
//!
//! # Transactions
//!
//! [`Store::begin`] first rolls back a transaction left open by a write that was abandoned
//! half-way (a dropped future): without that, the next school would fail with "cannot start
//! a transaction within a transaction". [`Store::rollback`] is called on every error path of
//! the sync.

mod batch;
pub mod migrate;
#[cfg(feature = "postgres")]
mod postgres;
mod sqlite;
#[cfg(feature = "postgres")]
#[cfg_attr(docsrs, doc(cfg(feature = "postgres")))]
pub mod tls;

use async_trait::async_trait;
use jiff::civil::Date;
use mis_core::{AttendanceMark, BehaviourEvent, Error, Lesson, Result, Student};

pub use migrate::SCHEMA_VERSION;

/// Every table that holds rows of a school, children first: what [`Store::purge_school`]
/// empties for one school.
pub const PURGED_TABLES: [&str; 10] = [
    "attendance_marks",
    "lessons",
    "behaviour_events",
    "students",
    "sync_progress",
    "sync_cache",
    "sync_run_entities",
    "sync_runs",
    "sync_state",
    "schools",
];

/// The data tables, then the sync's report table (the tables `mis demo` writes).
pub const TABLES: [&str; 6] = [
    "schools",
    "students",
    "attendance_marks",
    "lessons",
    "behaviour_events",
    "sync_runs",
];

/// The sync's own bookkeeping tables (besides `sync_runs`).
pub const SYNC_TABLES: [&str; 4] = [
    "sync_run_entities",
    "sync_state",
    "sync_progress",
    "sync_cache",
];

/// An instant: its text for SQLite (RFC 3339 with the school's offset) and the instant for
/// PostgreSQL's `timestamptz`.
#[derive(Debug, Clone, PartialEq)]
pub struct Instant {
    /// The instant.
    pub at: jiff::Timestamp,
    /// How SQLite stores it.
    pub text: String,
}

impl Instant {
    /// From a timestamp (written in UTC).
    pub fn utc(at: jiff::Timestamp) -> Instant {
        Instant {
            at,
            text: at.to_string(),
        }
    }

    fn of(dt: &mis_core::DateTime) -> Instant {
        Instant {
            at: dt.zoned().timestamp(),
            text: dt.to_string(),
        }
    }
}

/// One SQL parameter. Typed even when NULL, because PostgreSQL checks parameter types.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// Text (or NULL text).
    Text(Option<String>),
    /// A 64-bit integer, `BIGINT` (or NULL).
    Int(Option<i64>),
    /// A 32-bit integer, `integer` on PostgreSQL (or NULL).
    Int4(Option<i32>),
    /// A boolean (`boolean` on PostgreSQL, 0/1 on SQLite).
    Bool(Option<bool>),
    /// A calendar date (`date` on PostgreSQL, ISO 8601 text on SQLite).
    Date(Option<Date>),
    /// An instant (`timestamptz` on PostgreSQL, RFC 3339 text on SQLite).
    Time(Option<Instant>),
    /// A float (or NULL).
    Real(Option<f64>),
}

impl Value {
    /// Text.
    pub fn text(s: impl Into<String>) -> Value {
        Value::Text(Some(s.into()))
    }

    /// Optional text from anything displayable.
    pub fn opt<T: ToString>(v: Option<T>) -> Value {
        Value::Text(v.map(|v| v.to_string()))
    }

    /// A count.
    pub fn count(n: u64) -> Value {
        Value::Int(Some(i64::try_from(n).unwrap_or(i64::MAX)))
    }

    /// A date.
    pub fn date(d: Date) -> Value {
        Value::Date(Some(d))
    }
}

/// The little a backend must do.
#[async_trait]
pub trait Backend: Send {
    /// Runs statements without parameters.
    async fn batch(&mut self, sql: &str) -> Result<()>;
    /// Runs one statement with parameters; returns the rows it changed.
    async fn execute(&mut self, sql: &str, params: &[Value]) -> Result<u64>;
    /// How many rows one upsert statement writes at most (see [the module docs](self)).
    fn batch_rows(&self) -> usize {
        batch::MAX_ROWS
    }
    /// [`Backend::execute`] for a statement run many times with the same text (the batched
    /// upserts): a backend may keep it prepared.
    async fn execute_prepared(&mut self, sql: &str, params: &[Value]) -> Result<u64> {
        self.execute(sql, params).await
    }
    /// Runs a query whose columns are all text (cast them with `CAST(x AS TEXT)`).
    async fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Vec<Option<String>>>>;
    /// Every row of a table as text, in a stable order (for tests and audits).
    async fn dump(&mut self, table: &str) -> Result<Vec<Vec<Option<String>>>>;
    /// Brings the schema up to [`SCHEMA_VERSION`].
    async fn migrate(&mut self) -> Result<()>;
    /// Whether a transaction is open on the connection.
    fn in_transaction(&self) -> bool;
    /// Starts a transaction.
    async fn begin(&mut self) -> Result<()> {
        self.batch("BEGIN").await
    }
    /// Commits it.
    async fn commit(&mut self) -> Result<()> {
        self.batch("COMMIT").await
    }
    /// Rolls it back.
    async fn rollback(&mut self) -> Result<()> {
        self.batch("ROLLBACK").await
    }
}

/// Opens `sqlite:PATH` (or a bare path) or `postgres://…` and migrates the schema.
///
/// `postgres://…` needs the `postgres` feature: without it the URL is refused as
/// `Unsupported`, naming the feature.
///
/// A new SQLite file is created readable by its owner only (0600): it holds pupils' personal
/// data. SQLite runs in WAL mode with a busy timeout, so a reader holding the file open does
/// not fail the sync.
pub async fn open(url: &str) -> Result<Store> {
    let backend: Box<dyn Backend> =
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            postgres_backend(url).await?
        } else if let Some((scheme, _)) = url.split_once("://") {
            // `mysql://…` is not a file name: say what is supported instead of creating a
            // SQLite file called `mysql:`.
            return Err(Error::invalid_input(format!(
                "--out: {scheme}:// is not supported; use sqlite:PATH or postgres://…"
            )));
        } else {
            let path = url.strip_prefix("sqlite:").unwrap_or(url);
            if path.is_empty() {
                return Err(Error::invalid_input("--out: sqlite:PATH needs a path"));
            }
            Box::new(sqlite::Sqlite::open(path)?)
        };
    Store::with_backend(backend).await
}

/// The PostgreSQL back end for `url`.
#[cfg(feature = "postgres")]
async fn postgres_backend(url: &str) -> Result<Box<dyn Backend>> {
    Ok(Box::new(postgres::Postgres::connect(url).await?))
}

/// Without the `postgres` feature there is no PostgreSQL driver: say which feature is
/// missing rather than taking the URL for a file name.
#[cfg(not(feature = "postgres"))]
async fn postgres_backend(_url: &str) -> Result<Box<dyn Backend>> {
    Err(Error::new(
        mis_core::ErrorKind::Unsupported,
        "--out postgres://…: this mis was built without the \"postgres\" feature",
    ))
}

/// A database holding schools' normalised data.
pub struct Store {
    backend: Box<dyn Backend>,
    /// Rows queued by the open transaction (see the module docs).
    pending: batch::Pending,
}

static STUDENTS: batch::Upsert = batch::Upsert {
    table: "students",
    columns: &[
        "school",
        "provider",
        "id",
        "first_name",
        "last_name",
        "preferred_first_name",
        "date_of_birth",
        "gender",
        "year_group",
        "registration_group",
        "email",
        "enrolment_status",
        "upn",
        "identifiers",
        "sync_gen",
    ],
    key: 3,
};

static MARKS: batch::Upsert = batch::Upsert {
    table: "attendance_marks",
    columns: &[
        "school",
        "provider",
        "student_id",
        "date",
        "slot_key",
        "slot",
        "session",
        "period",
        "lesson_id",
        "code",
        "category",
        "late",
        "minutes_late",
        "note",
        "sync_gen",
    ],
    key: 5,
};

static LESSONS: batch::Upsert = batch::Upsert {
    table: "lessons",
    columns: &[
        "school",
        "provider",
        "id",
        "student_key",
        "date",
        "start_at",
        "end_at",
        "period",
        "subject",
        "group_name",
        "teachers",
        "rooms",
        "cancelled",
        "sync_gen",
    ],
    key: 4,
};

static EVENTS: batch::Upsert = batch::Upsert {
    table: "behaviour_events",
    columns: &[
        "school",
        "provider",
        "id",
        "date",
        "occurred_at",
        "polarity",
        "category",
        "points",
        "notes",
        "author",
        "student_ids",
        "sync_gen",
    ],
    key: 3,
};

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The connection URL may hold a password: never printed.
        f.debug_struct("Store").finish_non_exhaustive()
    }
}

/// How many rows of each kind one school wrote.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Written {
    /// Students.
    pub students: u64,
    /// Attendance marks.
    pub marks: u64,
    /// Lessons.
    pub lessons: u64,
    /// Behaviour events.
    pub events: u64,
}

fn slot_key(m: &AttendanceMark) -> String {
    format!(
        "{}:{}:{}:{}",
        serde_plain(&m.slot),
        m.session.map(|s| s.as_str()).unwrap_or(""),
        m.period.as_deref().unwrap_or(""),
        m.lesson_id.as_deref().unwrap_or("")
    )
}

/// The string a unit-like enum serialises to (`"session"`, `"positive"` …).
fn serde_plain<T: serde::Serialize>(v: &T) -> String {
    match serde_json::to_value(v) {
        Ok(serde_json::Value::String(s)) => s,
        Ok(other) => other.to_string(),
        Err(_) => String::new(),
    }
}

fn known_table(table: &str) -> Result<()> {
    if TABLES.contains(&table) || SYNC_TABLES.contains(&table) {
        Ok(())
    } else {
        Err(Error::invalid_input(format!("no table named {table}")))
    }
}

impl Store {
    /// Wraps a backend and migrates its schema.
    pub async fn with_backend(mut backend: Box<dyn Backend>) -> Result<Store> {
        backend.migrate().await?;
        Ok(Store {
            backend,
            pending: batch::Pending::default(),
        })
    }

    /// Writes the rows queued by [`Store::student`], [`Store::mark`], [`Store::lesson`] and
    /// [`Store::event`] now (every other statement and [`Store::commit`] do it first).
    pub async fn flush(&mut self) -> Result<()> {
        self.pending.flush(self.backend.as_mut()).await
    }

    /// Queues an upsert row, writing the queue when it is full, when the row is for another
    /// table than the queued ones, or at once outside a transaction.
    async fn upsert(&mut self, upsert: &'static batch::Upsert, row: Vec<Value>) -> Result<()> {
        if !self.pending.takes(upsert) {
            self.flush().await?;
        }
        let full = self.pending.push(upsert, row, self.backend.batch_rows());
        if full || !self.backend.in_transaction() {
            self.flush().await?;
        }
        Ok(())
    }

    /// Counts a table's rows.
    pub async fn count(&mut self, table: &str) -> Result<i64> {
        known_table(table)?;
        self.flush().await?;
        let rows = self
            .backend
            .query(&format!("SELECT CAST(COUNT(*) AS TEXT) FROM {table}"), &[])
            .await?;
        Ok(rows
            .first()
            .and_then(|r| r.first().cloned().flatten())
            .and_then(|n| n.parse().ok())
            .unwrap_or(0))
    }

    /// Every row of `table` as text, sorted (for comparing two databases).
    pub async fn dump(&mut self, table: &str) -> Result<Vec<Vec<Option<String>>>> {
        known_table(table)?;
        self.flush().await?;
        let mut rows = self.backend.dump(table).await?;
        rows.sort();
        Ok(rows)
    }

    /// Runs a statement; returns the rows it changed.
    pub async fn execute(&mut self, sql: &str, params: &[Value]) -> Result<u64> {
        self.flush().await?;
        self.backend.execute(sql, params).await
    }

    /// Runs a query whose columns are all text.
    pub async fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Vec<Option<String>>>> {
        self.flush().await?;
        self.backend.query(sql, params).await
    }

    /// Starts a transaction, first rolling back one an abandoned write left open.
    pub async fn begin(&mut self) -> Result<()> {
        if self.backend.in_transaction() {
            tracing::debug!("rolling back a transaction left open by an abandoned write");
            self.pending.clear();
            self.backend.rollback().await?;
        }
        self.backend.begin().await
    }

    /// Writes the queued rows and commits the transaction (rolling it back if either fails).
    pub async fn commit(&mut self) -> Result<()> {
        if let Err(e) = self.flush().await {
            self.rollback().await;
            return Err(e);
        }
        match self.backend.commit().await {
            Ok(()) => Ok(()),
            Err(e) => {
                self.rollback().await;
                Err(e)
            }
        }
    }

    /// Rolls back the open transaction, if any. Never fails: it runs on error paths, where
    /// the first error is the one to report.
    pub async fn rollback(&mut self) {
        self.pending.clear();
        if self.backend.in_transaction() {
            if let Err(e) = self.backend.rollback().await {
                tracing::warn!("rollback failed: {e}");
            }
        }
    }

    /// Deletes everything stored about `school` (its pupils' records, lessons, events,
    /// reports and sync progress) in one transaction; returns the rows deleted per table.
    /// What `mis sync purge` runs: a school that leaves the trust, or a subject access /
    /// erasure request handled by removing the school's copy.
    pub async fn purge_school(&mut self, school: &str) -> Result<Vec<(&'static str, u64)>> {
        // The worker queue (`mis sync enqueue`) exists on PostgreSQL only: probed before the
        // transaction, since a failed statement would abort a PostgreSQL transaction.
        let queue = self
            .query(
                "SELECT CAST(COUNT(*) AS TEXT) FROM sync_jobs WHERE school = $1",
                &[Value::text(school)],
            )
            .await
            .is_ok();
        let tables = PURGED_TABLES
            .iter()
            .copied()
            .chain(queue.then_some("sync_jobs"))
            .collect::<Vec<_>>();
        self.begin().await?;
        let mut deleted = Vec::new();
        let result = async {
            for table in tables {
                let n = self
                    .execute(
                        &format!("DELETE FROM {table} WHERE school = $1"),
                        &[Value::text(school)],
                    )
                    .await?;
                deleted.push((table, n));
            }
            Ok::<_, Error>(())
        }
        .await;
        match result {
            Ok(()) => {
                self.commit().await?;
                Ok(deleted)
            }
            Err(e) => {
                self.rollback().await;
                Err(e)
            }
        }
    }

    /// Records a school.
    pub async fn school(
        &mut self,
        school: &str,
        provider: &str,
        tenant: Option<&str>,
        time_zone: &str,
    ) -> Result<()> {
        self.execute(
            "INSERT INTO schools (school, provider, tenant, time_zone) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (school) DO UPDATE SET provider = excluded.provider, \
                 tenant = excluded.tenant, time_zone = excluded.time_zone",
            &[
                Value::text(school),
                Value::text(provider),
                Value::opt(tenant),
                Value::text(time_zone),
            ],
        )
        .await
        .map(drop)
    }

    /// Upserts a student, stamped with sync generation `generation`.
    /// Queued inside a transaction (see [the module docs](self)).
    pub async fn student(&mut self, school: &str, s: &Student, generation: i64) -> Result<()> {
        let identifiers = s
            .identifiers
            .iter()
            .map(|i| format!("{}:{}", i.kind, i.value))
            .collect::<Vec<_>>()
            .join(";");
        self.upsert(
            &STUDENTS,
            vec![
                Value::text(school),
                Value::text(&s.provider),
                Value::text(&s.id),
                Value::text(&s.first_name),
                Value::text(&s.last_name),
                Value::opt(s.preferred_first_name.as_deref()),
                Value::Date(s.date_of_birth),
                Value::opt(s.gender.as_ref()),
                Value::opt(s.year_group.as_deref()),
                Value::opt(s.registration_group.as_deref()),
                Value::opt(s.email.as_deref()),
                Value::opt(s.enrolment_status.as_ref()),
                Value::opt(s.upn()),
                Value::text(identifiers),
                Value::Int(Some(generation)),
            ],
        )
        .await
    }

    /// Upserts an attendance mark (one row per student, date and register slot).
    /// Queued inside a transaction (see [the module docs](self)).
    pub async fn mark(&mut self, school: &str, m: &AttendanceMark, generation: i64) -> Result<()> {
        self.upsert(
            &MARKS,
            vec![
                Value::text(school),
                Value::text(&m.provider),
                Value::text(&m.student_id),
                Value::date(m.date),
                Value::text(slot_key(m)),
                Value::text(serde_plain(&m.slot)),
                Value::opt(m.session.map(|s| s.as_str())),
                Value::opt(m.period.as_deref()),
                Value::opt(m.lesson_id.as_deref()),
                Value::text(&m.code),
                Value::text(m.category.as_str()),
                Value::Bool(Some(m.late)),
                Value::Int4(m.minutes_late.map(|n| i32::try_from(n).unwrap_or(i32::MAX))),
                Value::opt(m.note.as_deref()),
                Value::Int(Some(generation)),
            ],
        )
        .await
    }

    /// Upserts a lesson.
    /// Queued inside a transaction (see [the module docs](self)).
    pub async fn lesson(&mut self, school: &str, l: &Lesson, generation: i64) -> Result<()> {
        self.upsert(
            &LESSONS,
            vec![
                Value::text(school),
                Value::text(&l.provider),
                Value::text(&l.id),
                Value::text(l.student_id.as_deref().unwrap_or("")),
                Value::date(l.date),
                Value::Time(Some(Instant::of(&l.start))),
                Value::Time(Some(Instant::of(&l.end))),
                Value::opt(l.period.as_deref()),
                Value::opt(l.subject.as_deref()),
                Value::opt(l.group.as_deref()),
                Value::text(l.teachers.join(";")),
                Value::text(l.rooms.join(";")),
                Value::Bool(Some(l.cancelled)),
                Value::Int(Some(generation)),
            ],
        )
        .await
    }

    /// Upserts a behaviour event.
    /// Queued inside a transaction (see [the module docs](self)).
    pub async fn event(&mut self, school: &str, e: &BehaviourEvent, generation: i64) -> Result<()> {
        self.upsert(
            &EVENTS,
            vec![
                Value::text(school),
                Value::text(&e.provider),
                Value::text(&e.id),
                Value::date(e.date),
                Value::Time(e.occurred_at.as_ref().map(Instant::of)),
                Value::text(e.polarity.as_str()),
                Value::opt(e.category.as_deref()),
                Value::Int(e.points),
                Value::opt(e.notes.as_deref()),
                Value::opt(e.author.as_deref()),
                Value::text(e.student_ids.join(";")),
                Value::Int(Some(generation)),
            ],
        )
        .await
    }
}

#[cfg(test)]
mod tests;
