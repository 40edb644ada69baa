//! The PostgreSQL backend (tokio-postgres, TLS by rustls as the URL's `sslmode` says).

use std::collections::HashMap;

use async_trait::async_trait;
use bytes::BytesMut;
use mis_core::{Error, ErrorKind, Result};
use tokio_postgres::types::{IsNull, ToSql, Type, to_sql_checked};

use super::migrate::{self, Dialect};
use super::{Backend, Value, tls};

/// A PostgreSQL connection.
pub struct Postgres {
    client: tokio_postgres::Client,
    /// Whether a transaction is open: PostgreSQL does not tell without a round trip.
    in_transaction: bool,
    /// The batched upserts, prepared once per text (one per table and batch size): a
    /// statement of hundreds of rows is parsed and planned once, not once per batch.
    statements: HashMap<String, tokio_postgres::Statement>,
}

/// How many prepared statements are kept; past it the cache starts again (a sync uses a
/// handful: four tables, a full batch and the last, shorter one of each unit).
const MAX_STATEMENTS: usize = 64;

/// tokio-postgres's error with its cause: its own text is only the kind ("db error", "error
/// performing TLS handshake"), the server's message or the TLS failure is the cause.
///
/// A server error keeps its severity, message and hint but not its DETAIL, which can quote
/// the row that failed ("Failing row contains (…)"): pupils' data stays out of errors. None
/// of it holds the connection URL, so it cannot leak the password.
pub(super) fn describe(e: &tokio_postgres::Error) -> String {
    if let Some(db) = e.as_db_error() {
        let mut text = format!("{e}: {}: {}", db.severity(), db.message());
        if let Some(hint) = db.hint() {
            text.push_str(&format!(" (hint: {hint})"));
        }
        return text;
    }
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        let next = s.to_string();
        // An io::Error wrapping another error shows the inner one's text: once is enough.
        if !text.ends_with(&next) {
            text.push_str(": ");
            text.push_str(&next);
        }
        source = s.source();
    }
    text
}

fn db_error(e: tokio_postgres::Error) -> Error {
    Error::new(
        ErrorKind::Unavailable,
        format!("postgres: {}", describe(&e)),
    )
    .with_retryable(false)
}

impl Postgres {
    /// Connects to `url` (`postgres://user[:password]@host[:port]/db[?sslmode=…]`), with
    /// TLS as its `sslmode` says (see [`super::tls`]); `PGSSLMODE` and `PGSSLROOTCERT` fill
    /// in what the URL leaves out.
    pub async fn connect(url: &str) -> Result<Postgres> {
        let env = |name: &str| std::env::var(name).ok();
        let target = tls::parse(url, &env)?;
        let connector = tls::connector(&target)?;
        let mut config = target.config.clone();
        config.ssl_mode(tls::pg_mode(target.mode));
        let (client, connection) = config.connect(connector).await.map_err(|e| {
            // Host, port and mode, and tokio-postgres's error with its cause (the TLS or
            // server message): never the URL, which may hold the password.
            let hint = tls::hint(target.mode, &e)
                .map(|h| format!(" ({h})"))
                .unwrap_or_default();
            Error::new(
                ErrorKind::Unavailable,
                format!(
                    "--out: cannot connect to PostgreSQL at {} (sslmode={}): {}{hint}",
                    tls::server(&target.config),
                    target.mode.as_str(),
                    describe(&e)
                ),
            )
        })?;
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::warn!("postgres connection closed: {e}");
            }
        });
        Ok(Postgres {
            client,
            in_transaction: false,
            statements: HashMap::new(),
        })
    }
}

/// PostgreSQL's epoch for `date` and `timestamptz` on the wire.
const PG_EPOCH_UNIX_MICROS: i64 = 946_684_800_000_000;

impl ToSql for Value {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut BytesMut,
    ) -> std::result::Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
        match self {
            Value::Text(v) => v.to_sql(ty, out),
            Value::Int(v) => v.to_sql(ty, out),
            Value::Int4(v) => v.to_sql(ty, out),
            Value::Bool(v) => v.to_sql(ty, out),
            Value::Real(v) => v.to_sql(ty, out),
            Value::Date(None) | Value::Time(None) => Ok(IsNull::Yes),
            // Binary `date`: days since 2000-01-01.
            Value::Date(Some(d)) => {
                let days = d.since(jiff::civil::date(2000, 1, 1))?.get_days();
                days.to_sql(&Type::INT4, out)
            }
            // Binary `timestamptz`: microseconds since 2000-01-01T00:00:00Z.
            Value::Time(Some(t)) => {
                (t.at.as_microsecond() - PG_EPOCH_UNIX_MICROS).to_sql(&Type::INT8, out)
            }
        }
    }

    fn accepts(ty: &Type) -> bool {
        // Each variant checks its own type in `to_sql_checked` below.
        [
            Type::TEXT,
            Type::VARCHAR,
            Type::INT8,
            Type::INT4,
            Type::BOOL,
            Type::FLOAT8,
            Type::DATE,
            Type::TIMESTAMPTZ,
        ]
        .contains(ty)
    }

    to_sql_checked!();
}

impl Postgres {
    fn params(params: &[Value]) -> Vec<&(dyn ToSql + Sync)> {
        params.iter().map(|v| v as &(dyn ToSql + Sync)).collect()
    }
}

#[async_trait]
impl Backend for Postgres {
    async fn batch(&mut self, sql: &str) -> Result<()> {
        self.client.batch_execute(sql).await.map_err(db_error)
    }

    async fn execute(&mut self, sql: &str, params: &[Value]) -> Result<u64> {
        self.client
            .execute(sql, &Self::params(params))
            .await
            .map_err(db_error)
    }

    async fn execute_prepared(&mut self, sql: &str, params: &[Value]) -> Result<u64> {
        let statement = match self.statements.get(sql) {
            Some(s) => s.clone(),
            None => {
                let s = self.client.prepare(sql).await.map_err(db_error)?;
                if self.statements.len() >= MAX_STATEMENTS {
                    self.statements.clear();
                }
                self.statements.insert(sql.to_string(), s.clone());
                s
            }
        };
        self.client
            .execute(&statement, &Self::params(params))
            .await
            .map_err(db_error)
    }

    async fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Vec<Option<String>>>> {
        let rows = self
            .client
            .query(sql, &Self::params(params))
            .await
            .map_err(db_error)?;
        rows.iter()
            .map(|row| {
                (0..row.len())
                    .map(|i| row.try_get::<_, Option<String>>(i).map_err(db_error))
                    .collect()
            })
            .collect()
    }

    async fn dump(&mut self, table: &str) -> Result<Vec<Vec<Option<String>>>> {
        // The simple protocol answers every column as text.
        let messages = self
            .client
            .simple_query(&format!("SELECT * FROM {table}"))
            .await
            .map_err(db_error)?;
        Ok(messages
            .iter()
            .filter_map(|m| match m {
                tokio_postgres::SimpleQueryMessage::Row(row) => Some(
                    (0..row.len())
                        .map(|i| row.get(i).map(str::to_owned))
                        .collect(),
                ),
                _ => None,
            })
            .collect())
    }

    async fn migrate(&mut self) -> Result<()> {
        // No history table yet (a new database, or one from before versioning): nothing newer.
        let applied = self
            .client
            .query_one("SELECT MAX(version) FROM refinery_schema_history", &[])
            .await
            .ok()
            .and_then(|r| r.try_get::<_, Option<i32>>(0).ok().flatten());
        migrate::check_not_newer(applied.map(i64::from))?;
        migrate::runner(Dialect::Postgres)?
            .run_async(&mut self.client)
            .await
            .map_err(migrate::migration_error)?;
        Ok(())
    }

    fn in_transaction(&self) -> bool {
        self.in_transaction
    }

    async fn begin(&mut self) -> Result<()> {
        self.batch("BEGIN").await?;
        self.in_transaction = true;
        Ok(())
    }

    async fn commit(&mut self) -> Result<()> {
        let r = self.batch("COMMIT").await;
        // After a failed COMMIT PostgreSQL has ended the transaction (rolled back) too.
        self.in_transaction = false;
        r
    }

    async fn rollback(&mut self) -> Result<()> {
        let r = self.batch("ROLLBACK").await;
        self.in_transaction = false;
        r
    }
}
