//! The PostgreSQL backend (tokio-postgres, no TLS: for a server on the same host or network).

use async_trait::async_trait;
use mis_core::{Error, ErrorKind, Result};
use tokio_postgres::types::ToSql;

use super::{Backend, Value};

/// A PostgreSQL connection.
pub struct Postgres {
    client: tokio_postgres::Client,
}

fn db_error(e: tokio_postgres::Error) -> Error {
    // The error text never holds the connection URL, so it cannot leak the password.
    Error::new(ErrorKind::Unavailable, format!("postgres: {e}")).with_retryable(false)
}

impl Postgres {
    /// Connects to `url` (`postgres://user[:password]@host[:port]/db`).
    pub async fn connect(url: &str) -> Result<Postgres> {
        let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
            .await
            .map_err(|e| {
                Error::new(
                    ErrorKind::Unavailable,
                    format!("--out: cannot connect to PostgreSQL: {e}"),
                )
            })?;
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::warn!("postgres connection closed: {e}");
            }
        });
        Ok(Postgres { client })
    }
}

#[async_trait]
impl Backend for Postgres {
    async fn batch(&mut self, sql: &str) -> Result<()> {
        self.client.batch_execute(sql).await.map_err(db_error)
    }

    async fn execute(&mut self, sql: &str, params: &[Value]) -> Result<()> {
        let refs: Vec<&(dyn ToSql + Sync)> = params
            .iter()
            .map(|v| match v {
                Value::Text(t) => t as &(dyn ToSql + Sync),
                Value::Int(i) => i as &(dyn ToSql + Sync),
                Value::Real(f) => f as &(dyn ToSql + Sync),
            })
            .collect();
        self.client.execute(sql, &refs).await.map_err(db_error)?;
        Ok(())
    }

    async fn count(&mut self, table: &str) -> Result<i64> {
        let row = self
            .client
            .query_one(&format!("SELECT COUNT(*) FROM {table}"), &[])
            .await
            .map_err(db_error)?;
        Ok(row.get(0))
    }
}
