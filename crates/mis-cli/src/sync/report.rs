//! The sync report: per school and entity, rows written and deleted, warnings by kind,
//! requests made and wall time; stored in `sync_runs` / `sync_run_entities` and printed.

use std::collections::BTreeMap;
use std::time::Duration;

use mis_core::Warning;
use serde::{Deserialize, Serialize};

/// How one entity of one school went.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EntityReport {
    /// `students`, `attendance`, `timetable` or `behaviour`.
    pub entity: &'static str,
    /// `ok`, `skipped`, `unsupported`, `failed` or `not reached`.
    pub status: String,
    /// Rows upserted.
    pub rows_written: u64,
    /// Rows deleted because the vendor no longer has them.
    pub rows_deleted: u64,
    /// Vendor requests made.
    pub requests: u64,
    /// Of which not answered with a success (429s, expired tokens, 404s, 5xx: retried or
    /// reported as warnings).
    pub requests_failed: u64,
    /// Units of work (checkpoints) done in this run, and skipped as already done.
    pub units_done: u64,
    /// Units found done by an earlier, interrupted run.
    pub units_resumed: u64,
    /// What was skipped or degraded, and why.
    pub warnings: Vec<Warning>,
    /// Wall time.
    pub wall: Duration,
    /// Why it was skipped, or the error.
    pub note: Option<String>,
}

impl EntityReport {
    /// An entity not started yet.
    pub fn new(entity: &'static str) -> EntityReport {
        EntityReport {
            entity,
            status: "not reached".into(),
            ..EntityReport::default()
        }
    }

    /// Warnings counted by error kind: `decode=2,not_found=1`.
    pub fn warnings_by_kind(&self) -> String {
        by_kind(&self.warnings)
    }
}

/// Warnings counted by error kind, sorted: `decode=2,not_found=1`.
pub fn by_kind(warnings: &[Warning]) -> String {
    let mut counts: BTreeMap<&str, u64> = BTreeMap::new();
    for w in warnings {
        *counts.entry(w.kind.as_str()).or_default() += 1;
    }
    counts
        .iter()
        .map(|(k, n)| format!("{k}={n}"))
        .collect::<Vec<_>>()
        .join(",")
}

/// How one school went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchoolReport {
    /// The school.
    pub school: String,
    /// The vendor.
    pub provider: String,
    /// `ok` or `failed`.
    pub status: String,
    /// `full`, `incremental` or `resumed`.
    pub mode: String,
    /// The sync generation written.
    pub generation: i64,
    /// The dates read this run (`None` when no date needed reading).
    pub read: Option<(jiff::civil::Date, jiff::civil::Date)>,
    /// Per entity, in sync order.
    pub entities: Vec<EntityReport>,
    /// Vendor requests made (all entities plus sign-in and reference reads).
    pub requests: u64,
    /// Of which not answered with a success.
    pub requests_failed: u64,
    /// Wall time.
    pub wall: Duration,
    /// Why it failed (one line, no secret).
    pub error: Option<String>,
}

impl SchoolReport {
    /// Rows written over all entities.
    pub fn rows_written(&self) -> u64 {
        self.entities.iter().map(|e| e.rows_written).sum()
    }

    /// Rows deleted over all entities.
    pub fn rows_deleted(&self) -> u64 {
        self.entities.iter().map(|e| e.rows_deleted).sum()
    }

    /// Every warning.
    pub fn warnings(&self) -> Vec<Warning> {
        self.entities
            .iter()
            .flat_map(|e| e.warnings.iter().cloned())
            .collect()
    }

    /// One entity's report.
    pub fn entity(&self, entity: &str) -> Option<&EntityReport> {
        self.entities.iter().find(|e| e.entity == entity)
    }

    /// The printed rows: one per entity, then the school's total.
    pub fn rows(&self) -> Vec<SyncRow> {
        let secs = |d: Duration| (d.as_secs_f64() * 10.0).round() / 10.0;
        let mut rows: Vec<SyncRow> = self
            .entities
            .iter()
            .map(|e| SyncRow {
                school: self.school.clone(),
                provider: self.provider.clone(),
                entity: e.entity.to_string(),
                status: e.status.clone(),
                mode: self.mode.clone(),
                rows_written: e.rows_written,
                rows_deleted: e.rows_deleted,
                warnings: e.warnings.len() as u64,
                warnings_by_kind: e.warnings_by_kind(),
                requests: e.requests,
                requests_failed: e.requests_failed,
                seconds: secs(e.wall),
                note: e.note.clone(),
            })
            .collect();
        rows.push(SyncRow {
            school: self.school.clone(),
            provider: self.provider.clone(),
            entity: "total".into(),
            status: self.status.clone(),
            mode: self.mode.clone(),
            rows_written: self.rows_written(),
            rows_deleted: self.rows_deleted(),
            warnings: self.warnings().len() as u64,
            warnings_by_kind: by_kind(&self.warnings()),
            requests: self.requests,
            requests_failed: self.requests_failed,
            seconds: secs(self.wall),
            note: self.error.clone(),
        });
        rows
    }
}

/// One printed line of the report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SyncRow {
    /// The school.
    pub school: String,
    /// The vendor.
    pub provider: String,
    /// The entity, or `total`.
    pub entity: String,
    /// `ok`, `failed`, `skipped`, `unsupported`, `not reached`.
    pub status: String,
    /// `full`, `incremental` or `resumed`.
    pub mode: String,
    /// Rows upserted.
    pub rows_written: u64,
    /// Rows deleted (gone upstream).
    pub rows_deleted: u64,
    /// Warnings.
    pub warnings: u64,
    /// Warnings by kind.
    pub warnings_by_kind: String,
    /// Vendor requests.
    pub requests: u64,
    /// Of which not answered with a success (retried, or reported as warnings).
    pub requests_failed: u64,
    /// Wall time in seconds.
    pub seconds: f64,
    /// Why skipped, or the error (one line, no secret).
    pub note: Option<String>,
}

/// The whole run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncReport {
    /// The run's id (its start time).
    pub run_id: String,
    /// Per school, in config order.
    pub schools: Vec<SchoolReport>,
}

impl SyncReport {
    /// One school's report.
    pub fn school(&self, name: &str) -> Option<&SchoolReport> {
        self.schools.iter().find(|s| s.school == name)
    }

    /// How many schools failed.
    pub fn failed(&self) -> usize {
        self.schools.iter().filter(|s| s.status != "ok").count()
    }

    /// The printed rows.
    pub fn rows(&self) -> Vec<SyncRow> {
        self.schools.iter().flat_map(SchoolReport::rows).collect()
    }
}
