//! Batched upserts: the rows of one table queued and written as multi-row
//! `INSERT … VALUES (…), (…) ON CONFLICT … DO UPDATE`, one statement per [`MAX_ROWS`] rows
//! instead of one per row (one round trip, one parse and one plan for hundreds of rows).
//!
//! Multi-row `VALUES` rather than `COPY`: `COPY` cannot upsert, and the same statement works
//! on SQLite and PostgreSQL.

use std::collections::HashMap;

use super::{Backend, Value};
use mis_core::Result;

/// Rows per statement at most: 500 rows of the widest table (15 columns) are 7,500
/// parameters, under both PostgreSQL's limit (65,535) and SQLite's (32,766).
pub const MAX_ROWS: usize = 500;

/// One table's upsert.
#[derive(Debug)]
pub struct Upsert {
    /// The table.
    pub table: &'static str,
    /// Its columns, the primary key's first.
    pub columns: &'static [&'static str],
    /// How many of `columns` make the primary key.
    pub key: usize,
}

impl Upsert {
    /// The statement for `rows` rows: parameters numbered row by row, in ascending order
    /// (SQLite numbers them by first appearance).
    fn sql(&self, rows: usize) -> String {
        let width = self.columns.len();
        let mut sql = format!(
            "INSERT INTO {} ({}) VALUES ",
            self.table,
            self.columns.join(", ")
        );
        for r in 0..rows {
            if r > 0 {
                sql.push_str(", ");
            }
            sql.push('(');
            for c in 0..width {
                if c > 0 {
                    sql.push_str(", ");
                }
                sql.push_str(&format!("${}", r * width + c + 1));
            }
            sql.push(')');
        }
        let (key, rest) = self.columns.split_at(self.key);
        sql.push_str(&format!(
            " ON CONFLICT ({}) DO UPDATE SET {}",
            key.join(", "),
            rest.iter()
                .map(|c| format!("{c} = excluded.{c}"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
        sql
    }
}

/// The rows waiting to be written, all of one table.
#[derive(Debug, Default)]
pub struct Pending {
    upsert: Option<&'static Upsert>,
    rows: Vec<Vec<Value>>,
    /// Row index by primary key: PostgreSQL refuses a statement that upserts one key twice
    /// ("ON CONFLICT DO UPDATE command cannot affect row a second time"), so a later row with
    /// the same key replaces the queued one, which is what two upserts in a row would leave.
    index: HashMap<String, usize>,
}

impl Pending {
    /// Whether a row for `upsert` can join the queue (it is empty or holds that table).
    pub fn takes(&self, upsert: &'static Upsert) -> bool {
        self.upsert.is_none_or(|u| std::ptr::eq(u, upsert))
    }

    /// Queues a row; returns whether the queue holds `limit` rows (or [`MAX_ROWS`]).
    pub fn push(&mut self, upsert: &'static Upsert, row: Vec<Value>, limit: usize) -> bool {
        debug_assert!(self.takes(upsert) && row.len() == upsert.columns.len());
        self.upsert = Some(upsert);
        let key = format!("{:?}", &row[..upsert.key]);
        match self.index.get(&key) {
            Some(&i) => self.rows[i] = row,
            None => {
                self.index.insert(key, self.rows.len());
                self.rows.push(row);
            }
        }
        self.rows.len() >= limit.clamp(1, MAX_ROWS)
    }

    /// Forgets the queue (the transaction it belonged to is rolled back).
    pub fn clear(&mut self) {
        *self = Pending::default();
    }

    /// Writes the queue in one statement and empties it (also when the write fails: those
    /// rows belong to a transaction the caller now rolls back).
    pub async fn flush(&mut self, backend: &mut dyn Backend) -> Result<()> {
        let Pending { upsert, rows, .. } = std::mem::take(self);
        let Some(upsert) = upsert.filter(|_| !rows.is_empty()) else {
            return Ok(());
        };
        let sql = upsert.sql(rows.len());
        let params: Vec<Value> = rows.into_iter().flatten().collect();
        backend.execute_prepared(&sql, &params).await.map(drop)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    static T: Upsert = Upsert {
        table: "t",
        columns: &["a", "b", "c"],
        key: 2,
    };

    #[test]
    fn the_statement_numbers_parameters_row_by_row() {
        assert_eq!(
            T.sql(2),
            "INSERT INTO t (a, b, c) VALUES ($1, $2, $3), ($4, $5, $6) \
             ON CONFLICT (a, b) DO UPDATE SET c = excluded.c"
        );
    }

    #[test]
    fn a_repeated_key_replaces_the_queued_row_in_place() {
        let mut p = Pending::default();
        let row = |a: &str, c: &str| vec![Value::text(a), Value::text("x"), Value::text(c)];
        assert!(!p.push(&T, row("1", "first"), 3));
        p.push(&T, row("2", "other"), 3);
        assert!(!p.push(&T, row("1", "second"), 3));
        assert_eq!(p.rows, [row("1", "second"), row("2", "other")]);
        assert!(p.push(&T, row("3", ""), 3));
        // One row per statement.
        p.clear();
        assert!(p.push(&T, row("1", ""), 1));
    }
}
