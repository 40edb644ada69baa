//! Partial results: what a read skipped or degraded, and why.
//!
//! # The design
//!
//! A fault costs exactly what it touches. One record the decoder rejects costs that record;
//! one student whose sub-resource (an enrolment row, a per-student attendance call) answers
//! 404 or 403 costs that student's part; an auxiliary read that only enriches (a calendar
//! used to place lesson marks) costs the enrichment. The read goes on and the caller learns
//! what was lost through a [`Diagnostics`] handle carried by the query:
//!
//! ```
//! # async fn demo(p: std::sync::Arc<dyn mis_core::MisProvider>) -> mis_core::Result<()> {
//! use futures::TryStreamExt;
//! use mis_core::{Diagnostics, StudentQuery};
//!
//! let diagnostics = Diagnostics::new();
//! let students: Vec<_> = p
//!     .students(StudentQuery::new().with_diagnostics(diagnostics.clone()))
//!     .try_collect()
//!     .await?;                        // every good record; fatal errors still end the read
//! for w in diagnostics.warnings() {   // what was skipped, and the consequence
//!     eprintln!("{w}");
//! }
//! # Ok(()) }
//! ```
//!
//! Why a handle on the query and not a third kind of stream item: the streams keep their
//! `Result<T>` item type, so `try_collect` and every existing consumer stay correct (a caller
//! who ignores warnings still gets every good record, and never mistakes a skipped record for
//! the end of the read), and the handle passes through `Arc<dyn MisProvider>` unchanged. A
//! query built without [`with_diagnostics`](crate::StudentQuery::with_diagnostics) carries its
//! own handle, so a warning is never lost for want of a listener: each is also emitted as a
//! `tracing` event at WARN level (target `mis::warnings`).
//!
//! **Fatal stays fatal.** Wrong credentials, a rate limit that outlasts the retry policy, an
//! unreachable or unusable base URL and a vendor outage end the read with an `Err`: skipping
//! would only hide them. [`Error::is_degradable`] draws that line in one place.
//!
//! **Strict mode.** [`Diagnostics::strict`] turns the first warning back into the error it
//! was: the provider's [`Diagnostics::report`] returns it and the stream ends with it.
//!
//! The reference lists without a query (`staff()`, `groups()`, `academic_years()`, `terms()`,
//! `attendance_codes()`) are strict: a record they cannot decode ends the read.

use std::fmt;
use std::sync::{Arc, Mutex};

use serde::Serialize;

use crate::error::{Error, ErrorKind, Result};

/// What a warning is about: the kind of record that was skipped or degraded.
pub type WarningEntity = &'static str;

/// One record skipped, or one part of a read degraded, while the read went on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Warning {
    /// Vendor id (`hubmis`, …).
    pub vendor: String,
    /// The vendor operation that failed (`students.enrolment`, `calendar.list`).
    pub operation: String,
    /// The kind of record affected: `student`, `attendance`, `lesson`, `behaviour`, …
    pub entity: String,
    /// The vendor id of the record skipped or degraded, when known.
    pub record_id: Option<String>,
    /// The student affected (`Student.id`), when the fault is about one student.
    pub student_id: Option<String>,
    /// The kind of the error that caused it.
    pub kind: ErrorKind,
    /// What the caller gets instead: "student skipped", "student listed without UPN",
    /// "lesson marks left out: timetable not readable".
    pub consequence: String,
    /// The error's message (no secret, no personal data: it is an error message).
    pub message: String,
    /// The HTTP status, when the fault came from one.
    pub status: Option<u16>,
}

impl Warning {
    /// A warning from the error that caused it.
    pub fn from_error(
        error: &Error,
        entity: impl Into<String>,
        consequence: impl Into<String>,
    ) -> Self {
        Warning {
            vendor: error.vendor().unwrap_or_default().to_owned(),
            operation: error.operation().unwrap_or_default().to_owned(),
            entity: entity.into(),
            record_id: None,
            student_id: None,
            kind: error.kind(),
            consequence: consequence.into(),
            message: error.message().to_owned(),
            status: error.status(),
        }
    }

    /// A record the decoder or the converter rejected, which is left out.
    pub fn skipped_record(
        vendor: impl Into<String>,
        operation: impl Into<String>,
        entity: impl Into<String>,
        record_id: Option<String>,
        message: impl Into<String>,
    ) -> Self {
        let entity = entity.into();
        Warning {
            vendor: vendor.into(),
            operation: operation.into(),
            consequence: format!("{entity} record skipped"),
            entity,
            record_id,
            student_id: None,
            kind: ErrorKind::Decode,
            message: message.into(),
            status: None,
        }
    }

    /// Names the record affected.
    pub fn record(mut self, id: impl Into<String>) -> Self {
        self.record_id = Some(id.into());
        self
    }

    /// Names the student affected.
    pub fn student(mut self, id: impl Into<String>) -> Self {
        self.student_id = Some(id.into());
        self
    }

    /// Sets the vendor, when the error did not carry one.
    pub fn vendor(mut self, vendor: impl Into<String>) -> Self {
        self.vendor = vendor.into();
        self
    }

    /// Sets the operation, when the error did not carry one.
    pub fn operation(mut self, operation: impl Into<String>) -> Self {
        self.operation = operation.into();
        self
    }

    /// A short key that groups warnings for a summary: `entity`, operation and error kind.
    pub fn group_key(&self) -> (String, String, ErrorKind) {
        (self.entity.clone(), self.operation.clone(), self.kind)
    }

    /// The error this warning stands for (what `--strict` returns).
    pub fn to_error(&self) -> Error {
        let mut message = format!("{} ({})", self.message, self.consequence);
        if let Some(id) = &self.record_id {
            message.push_str(&format!("; record {id}"));
        } else if let Some(id) = &self.student_id {
            message.push_str(&format!("; student {id}"));
        }
        let mut e = Error::new(self.kind, message)
            .with_vendor(self.vendor.clone())
            .with_operation(self.operation.clone());
        if let Some(s) = self.status {
            e = e.with_status(s);
        }
        e
    }
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {}: {}",
            self.vendor, self.operation, self.consequence
        )?;
        match (&self.record_id, &self.student_id) {
            (Some(r), _) => write!(f, " [{} {r}]", self.entity)?,
            (None, Some(s)) => write!(f, " [student {s}]")?,
            (None, None) => {}
        }
        write!(f, ": {} ({})", self.message, self.kind.as_str())
    }
}

#[derive(Debug, Default)]
struct State {
    warnings: Vec<Warning>,
}

/// Where a read reports what it skipped. Cheap to clone; clones share one list.
///
/// Attach one to a query with `with_diagnostics`, read the query, then look at
/// [`Diagnostics::warnings`]. See the [module docs](self) for the design.
#[derive(Clone, Default)]
pub struct Diagnostics {
    state: Arc<Mutex<State>>,
    strict: bool,
}

impl Diagnostics {
    /// An empty, lenient handle: warnings are collected and the read goes on.
    pub fn new() -> Self {
        Diagnostics::default()
    }

    /// A strict handle: the first warning is returned as the error it was, ending the read.
    pub fn strict() -> Self {
        Diagnostics {
            state: Arc::default(),
            strict: true,
        }
    }

    /// Whether this handle is strict.
    pub fn is_strict(&self) -> bool {
        self.strict
    }

    /// Reports a warning. Lenient: records it and returns `Ok`. Strict: returns the warning
    /// as an error, which the provider yields to end the read.
    pub fn report(&self, warning: Warning) -> Result<()> {
        tracing_warn(&warning);
        if self.strict {
            return Err(warning.to_error());
        }
        self.lock().warnings.push(warning);
        Ok(())
    }

    /// Reports `error` as a warning if it is [degradable](Error::is_degradable), else hands
    /// it back: the one decision every provider makes for a sub-resource that failed.
    pub fn degrade(&self, error: Error, warning: impl FnOnce(&Error) -> Warning) -> Result<()> {
        if error.is_degradable() {
            self.report(warning(&error))
        } else {
            Err(error)
        }
    }

    /// Every warning so far, in the order reported.
    pub fn warnings(&self) -> Vec<Warning> {
        self.lock().warnings.clone()
    }

    /// Takes the warnings so far, leaving the handle empty.
    pub fn take(&self) -> Vec<Warning> {
        std::mem::take(&mut self.lock().warnings)
    }

    /// How many warnings so far.
    pub fn len(&self) -> usize {
        self.lock().warnings.len()
    }

    /// Whether nothing was reported.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // A panic while holding the lock leaves a valid Vec: keep going.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Warnings also go to `tracing`, so a caller without a listener is still told.
fn tracing_warn(w: &Warning) {
    tracing::warn!(
        target: "mis::warnings",
        vendor = %w.vendor,
        operation = %w.operation,
        entity = %w.entity,
        record_id = w.record_id.as_deref().unwrap_or(""),
        student_id = w.student_id.as_deref().unwrap_or(""),
        kind = w.kind.as_str(),
        "{}",
        w.consequence
    );
}

impl fmt::Debug for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Diagnostics")
            .field("warnings", &self.len())
            .field("strict", &self.strict)
            .finish()
    }
}

/// A sink is not part of a query's identity: two queries asking for the same data are equal
/// whatever handle they report to.
impl PartialEq for Diagnostics {
    fn eq(&self, _other: &Self) -> bool {
        true
    }
}

impl Eq for Diagnostics {}

/// One line per group of warnings (entity, operation, kind): the count and the first few
/// record or student ids. What the CLI prints on stderr.
pub fn summarise(warnings: &[Warning], ids_shown: usize) -> Vec<String> {
    type Key = (String, String, ErrorKind);
    let mut groups: Vec<(Key, Vec<&Warning>)> = Vec::new();
    for w in warnings {
        let key = w.group_key();
        match groups.iter_mut().find(|(k, _)| *k == key) {
            Some((_, list)) => list.push(w),
            None => groups.push((key, vec![w])),
        }
    }
    groups
        .into_iter()
        .map(|((entity, operation, kind), list)| {
            let first = list[0];
            let ids: Vec<&str> = list
                .iter()
                .filter_map(|w| w.record_id.as_deref().or(w.student_id.as_deref()))
                .take(ids_shown)
                .collect();
            let mut line = format!(
                "warning: {} {operation}: {} × {} ({}, {entity})",
                first.vendor,
                list.len(),
                first.consequence,
                kind.as_str(),
            );
            if !ids.is_empty() {
                let more = list.len().saturating_sub(ids.len());
                line.push_str(&format!("; ids {}", ids.join(", ")));
                if more > 0 {
                    line.push_str(&format!(" and {more} more"));
                }
            }
            line
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn not_found() -> Error {
        Error::new(ErrorKind::NotFound, "no such record")
            .with_vendor("hubmis")
            .with_operation("students.enrolment")
            .with_status(404)
    }

    #[test]
    fn lenient_collects_and_strict_returns_the_error() {
        let d = Diagnostics::new();
        let w =
            Warning::from_error(&not_found(), "student", "student listed without UPN").student("7");
        d.report(w.clone()).unwrap();
        assert_eq!(d.warnings(), vec![w.clone()]);
        assert_eq!(d.clone().len(), 1, "clones share one list");

        let strict = Diagnostics::strict();
        let e = strict.report(w).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::NotFound);
        assert_eq!(e.vendor(), Some("hubmis"));
        assert_eq!(e.operation(), Some("students.enrolment"));
        assert!(e.to_string().contains("without UPN"), "{e}");
        assert!(strict.is_empty());
    }

    #[test]
    fn fatal_errors_are_not_degraded() {
        let d = Diagnostics::new();
        let fatal = Error::new(ErrorKind::Unauthenticated, "bad key");
        let back = d
            .degrade(fatal, |e| Warning::from_error(e, "student", "x"))
            .unwrap_err();
        assert_eq!(back.kind(), ErrorKind::Unauthenticated);
        assert!(d.is_empty());
        d.degrade(not_found(), |e| Warning::from_error(e, "student", "x"))
            .unwrap();
        assert_eq!(d.len(), 1);
        for kind in [
            ErrorKind::RateLimited,
            ErrorKind::Unavailable,
            ErrorKind::Timeout,
            ErrorKind::InvalidInput,
            ErrorKind::Unsupported,
        ] {
            assert!(!Error::new(kind, "x").is_degradable(), "{kind:?}");
        }
    }

    #[test]
    fn summary_groups_by_kind_and_names_the_first_ids() {
        let ws: Vec<Warning> = (0..5)
            .map(|i| {
                Warning::from_error(&not_found(), "student", "student listed without UPN")
                    .student(i.to_string())
            })
            .chain([Warning::skipped_record(
                "hubmis",
                "students.list",
                "student",
                Some("99".into()),
                "invalid type",
            )])
            .collect();
        let lines = summarise(&ws, 3);
        assert_eq!(lines.len(), 2, "{lines:?}");
        assert!(
            lines[0].contains("5 × student listed without UPN"),
            "{}",
            lines[0]
        );
        assert!(lines[0].contains("ids 0, 1, 2 and 2 more"), "{}", lines[0]);
        assert!(
            lines[1].contains("1 × student record skipped"),
            "{}",
            lines[1]
        );
        assert!(lines[1].contains("ids 99"), "{}", lines[1]);
    }

    #[test]
    fn display_names_the_record() {
        let w = Warning::skipped_record(
            "go4schools",
            "students.list",
            "student",
            Some("3".into()),
            "bad",
        );
        assert_eq!(
            w.to_string(),
            "go4schools students.list: student record skipped [student 3]: bad (decode)"
        );
    }
}
