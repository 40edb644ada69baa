//! The SQLite backend (rusqlite, SQLite compiled in: nothing to install).

use std::time::Duration;

use async_trait::async_trait;
use mis_core::{Error, ErrorKind, Result};
use rusqlite::types::{ToSqlOutput, Value as SqlValue, ValueRef};

use super::migrate::{self, Dialect};
use super::{Backend, Value};

/// How long a write waits for another connection's lock before failing. Long, because the
/// other connection is usually a person's query tool holding a read open for a moment.
const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

/// A SQLite database file.
pub struct Sqlite {
    conn: rusqlite::Connection,
    /// Rows per upsert statement: 1 (see `Backend::batch_rows`); more in tests, to run the
    /// multi-row statements on SQLite too.
    batch_rows: usize,
}

fn db_error(e: rusqlite::Error) -> Error {
    Error::new(ErrorKind::Unavailable, format!("sqlite: {e}")).with_retryable(false)
}

/// Creates `path` readable and writable by its owner only, if it does not exist yet: the
/// database holds pupils' personal data. SQLite gives its `-wal` and `-shm` files the
/// database file's permissions.
fn create_private(path: &str) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    match options.open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e),
    }
}

impl Sqlite {
    /// Opens (or creates, 0600) the database at `path`, in WAL mode with a busy timeout.
    pub fn open(path: &str) -> Result<Sqlite> {
        let cannot = |e: &dyn std::fmt::Display| {
            Error::invalid_input(format!("--out: cannot open SQLite database {path}: {e}"))
        };
        if path != ":memory:" {
            create_private(path).map_err(|e| cannot(&e))?;
        }
        let conn = rusqlite::Connection::open(path).map_err(|e| cannot(&e))?;
        conn.busy_timeout(BUSY_TIMEOUT).map_err(|e| cannot(&e))?;
        // WAL: readers never block the sync's writes and the sync never blocks readers.
        // synchronous=NORMAL is durable across a killed process (only power loss can lose
        // the last commits, which a resumed sync then re-reads).
        let mode: String = conn
            .pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get(0))
            .map_err(|e| cannot(&e))?;
        tracing::debug!(%mode, "sqlite journal mode");
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(|e| cannot(&e))?;
        Ok(Sqlite {
            conn,
            batch_rows: 1,
        })
    }

    /// The same database written `rows` rows per upsert statement.
    #[cfg(test)]
    pub fn with_batch_rows(self, rows: usize) -> Sqlite {
        Sqlite {
            batch_rows: rows,
            ..self
        }
    }
}

impl rusqlite::ToSql for Value {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::Owned(match self {
            Value::Text(Some(s)) => SqlValue::Text(s.clone()),
            Value::Int(Some(i)) => SqlValue::Integer(*i),
            Value::Int4(Some(i)) => SqlValue::Integer(i64::from(*i)),
            Value::Bool(Some(b)) => SqlValue::Integer(i64::from(*b)),
            Value::Date(Some(d)) => SqlValue::Text(d.to_string()),
            Value::Time(Some(t)) => SqlValue::Text(t.text.clone()),
            Value::Real(Some(f)) => SqlValue::Real(*f),
            Value::Text(None)
            | Value::Int(None)
            | Value::Int4(None)
            | Value::Bool(None)
            | Value::Date(None)
            | Value::Time(None)
            | Value::Real(None) => SqlValue::Null,
        }))
    }
}

fn text_of(v: ValueRef<'_>) -> Option<String> {
    match v {
        ValueRef::Null => None,
        ValueRef::Integer(i) => Some(i.to_string()),
        ValueRef::Real(f) => Some(f.to_string()),
        ValueRef::Text(t) | ValueRef::Blob(t) => Some(String::from_utf8_lossy(t).into_owned()),
    }
}

impl Sqlite {
    fn rows(&self, sql: &str, params: &[Value]) -> Result<Vec<Vec<Option<String>>>> {
        let mut stmt = self.conn.prepare_cached(sql).map_err(db_error)?;
        let n = stmt.column_count();
        let rows = stmt
            .query_map(rusqlite::params_from_iter(params.iter()), |row| {
                (0..n)
                    .map(|i| row.get_ref(i).map(text_of))
                    .collect::<rusqlite::Result<Vec<_>>>()
            })
            .map_err(db_error)?;
        rows.collect::<rusqlite::Result<Vec<_>>>().map_err(db_error)
    }
}

// rusqlite's connection is not `Sync`, but the store is used by one task at a time; the
// async methods run the blocking call inline (SQLite on a local file is fast, and a lock
// held by another connection is waited for by the busy timeout).
#[async_trait]
impl Backend for Sqlite {
    async fn batch(&mut self, sql: &str) -> Result<()> {
        self.conn.execute_batch(sql).map_err(db_error)
    }

    async fn execute(&mut self, sql: &str, params: &[Value]) -> Result<u64> {
        let mut stmt = self.conn.prepare_cached(sql).map_err(db_error)?;
        let n = stmt
            .execute(rusqlite::params_from_iter(params.iter()))
            .map_err(db_error)?;
        Ok(n as u64)
    }

    async fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Vec<Option<String>>>> {
        self.rows(sql, params)
    }

    async fn dump(&mut self, table: &str) -> Result<Vec<Vec<Option<String>>>> {
        self.rows(&format!("SELECT * FROM {table}"), &[])
    }

    async fn migrate(&mut self) -> Result<()> {
        // No history table yet (a new file, or one from before versioning): nothing newer.
        let applied = self
            .conn
            .query_row(
                "SELECT MAX(version) FROM refinery_schema_history",
                [],
                |r| r.get::<_, Option<i64>>(0),
            )
            .ok()
            .flatten();
        migrate::check_not_newer(applied)?;
        migrate::runner(Dialect::Sqlite)?
            .run(&mut self.conn)
            .map_err(migrate::migration_error)?;
        Ok(())
    }

    fn in_transaction(&self) -> bool {
        !self.conn.is_autocommit()
    }

    fn batch_rows(&self) -> usize {
        self.batch_rows
    }
}
