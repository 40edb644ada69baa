//! The SQLite backend (rusqlite, SQLite compiled in: nothing to install).

use async_trait::async_trait;
use mis_core::{Error, ErrorKind, Result};
use rusqlite::types::{ToSqlOutput, Value as SqlValue};

use super::{Backend, Value};

/// A SQLite database file.
pub struct Sqlite {
    conn: rusqlite::Connection,
}

fn db_error(e: rusqlite::Error) -> Error {
    Error::new(ErrorKind::Unavailable, format!("sqlite: {e}")).with_retryable(false)
}

impl Sqlite {
    /// Opens (or creates) the database at `path`.
    pub fn open(path: &str) -> Result<Sqlite> {
        let conn = rusqlite::Connection::open(path).map_err(|e| {
            Error::invalid_input(format!("--out: cannot open SQLite database {path}: {e}"))
        })?;
        Ok(Sqlite { conn })
    }
}

impl rusqlite::ToSql for Value {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::Owned(match self {
            Value::Text(Some(s)) => SqlValue::Text(s.clone()),
            Value::Int(Some(i)) => SqlValue::Integer(*i),
            Value::Real(Some(f)) => SqlValue::Real(*f),
            Value::Text(None) | Value::Int(None) | Value::Real(None) => SqlValue::Null,
        }))
    }
}

// rusqlite's connection is not `Sync`, but the store is used by one task at a time; the
// async methods only ever run the blocking call inline (SQLite on a local file is fast, and
// the demo and sync write from one task).
#[async_trait]
impl Backend for Sqlite {
    async fn batch(&mut self, sql: &str) -> Result<()> {
        self.conn.execute_batch(sql).map_err(db_error)
    }

    async fn execute(&mut self, sql: &str, params: &[Value]) -> Result<()> {
        let mut stmt = self.conn.prepare_cached(sql).map_err(db_error)?;
        stmt.execute(rusqlite::params_from_iter(params.iter()))
            .map_err(db_error)?;
        Ok(())
    }

    async fn count(&mut self, table: &str) -> Result<i64> {
        self.conn
            .query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| r.get(0))
            .map_err(db_error)
    }
}
