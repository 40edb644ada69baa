//! The schema's versions, applied by refinery (history table `refinery_schema_history`).
//!
//! | version | what | SQL |
//! |---|---|---|
//! | 1 | the tables every `mis` before versioning created (adopts such a database as is) | shared |
//! | 2 | sync generations, checkpoints, state, report columns, indexes | shared |
//! | 3 | proper column types on PostgreSQL (`date`, `timestamptz`, `boolean`, `integer`) | per back end (a no-op on SQLite) |
//! | 4 | the sync queue of `mis sync enqueue` / `mis sync work` (`sync_batches`, `sync_jobs`) | per back end (a no-op on SQLite) |
//!
//! Each version runs in its own transaction together with its history row (refinery's
//! default), so a migration interrupted half-way leaves the previous version intact.

use mis_core::{Error, ErrorKind, Result};
use refinery::{Migration, Runner};

/// The newest schema version this `mis` knows.
pub const SCHEMA_VERSION: i64 = 4;

/// Which SQL dialect a back end speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// SQLite.
    Sqlite,
    /// PostgreSQL.
    Postgres,
}

/// The migrations for `dialect`, oldest first.
pub fn migrations(dialect: Dialect) -> Result<Vec<Migration>> {
    let v3 = match dialect {
        Dialect::Sqlite => include_str!("../../migrations/sqlite/V3__typed_columns.sql"),
        Dialect::Postgres => include_str!("../../migrations/postgres/V3__typed_columns.sql"),
    };
    let v4 = match dialect {
        Dialect::Sqlite => include_str!("../../migrations/sqlite/V4__sync_queue.sql"),
        Dialect::Postgres => include_str!("../../migrations/postgres/V4__sync_queue.sql"),
    };
    [
        (
            "V1__initial",
            include_str!("../../migrations/V1__initial.sql"),
        ),
        (
            "V2__sync_state",
            include_str!("../../migrations/V2__sync_state.sql"),
        ),
        ("V3__typed_columns", v3),
        ("V4__sync_queue", v4),
    ]
    .into_iter()
    .map(|(name, sql)| Migration::unapplied(name, sql).map_err(migration_error))
    .collect()
}

/// The runner: refuses a database whose history names a version this `mis` does not have
/// (`abort_missing`) or whose applied SQL differs from ours (`abort_divergent`).
pub fn runner(dialect: Dialect) -> Result<Runner> {
    Ok(Runner::new(&migrations(dialect)?)
        .set_abort_missing(true)
        .set_abort_divergent(true))
}

/// Refuses a database migrated by a newer `mis`, with the message a user can act on.
pub fn check_not_newer(applied: Option<i64>) -> Result<()> {
    match applied {
        Some(v) if v > SCHEMA_VERSION => Err(Error::invalid_input(format!(
            "--out: the database has schema version {v}, written by a newer mis; this mis knows \
             versions up to {SCHEMA_VERSION}: upgrade mis, or write to another database"
        ))),
        _ => Ok(()),
    }
}

/// A refinery error as ours (no URL or secret in it: refinery reports versions and SQL errors).
pub fn migration_error(e: refinery::Error) -> Error {
    Error::new(
        ErrorKind::Unavailable,
        format!("--out: cannot migrate the database schema: {e}"),
    )
    .with_retryable(false)
}
