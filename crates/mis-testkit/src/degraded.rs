//! The partial-failure scenario: a fault costs exactly what it touches.
//!
//! Run against an emulator with [`FaultPlan::degraded`](../mis_sandbox/struct.FaultPlan.html):
//! one malformed record in the students list, one student's (or class's) sub-resource
//! answering 404, one auxiliary endpoint answering 403. Every read must complete; every
//! record it returns must be one the school has (nothing invented, nothing wrong); every
//! record it leaves out or returns incomplete must be explained by a warning of the same
//! read that names its student or record, or by a warning about a whole part of the read
//! (no id: "lesson marks left out"); and all three faults must show up as warnings of their
//! kind (`decode`, `not_found`, `permission_denied`), so a provider that ignored one fails.

use std::collections::{BTreeMap, BTreeSet};

use futures::TryStreamExt;
use mis_core::{
    AttendanceMark, AttendanceQuery, BehaviourQuery, Diagnostics, ErrorKind, MisProvider,
    StudentQuery, TimetableQuery, Warning,
};

use crate::Expected;
use crate::scenarios::{Failure, Outcome};

macro_rules! fail {
    ($($arg:tt)*) => { return Err(Failure(format!($($arg)*))) };
}

/// Whether a warning names `id` as its record or its student.
fn names(ws: &[Warning], id: &str) -> bool {
    ws.iter()
        .any(|w| w.record_id.as_deref() == Some(id) || w.student_id.as_deref() == Some(id))
}

/// Whether a warning degrades a whole part of the read (it names no record or student).
fn whole_part(ws: &[Warning]) -> bool {
    ws.iter()
        .any(|w| w.record_id.is_none() && w.student_id.is_none() && !w.consequence.is_empty())
}

fn listing(ws: &[Warning]) -> String {
    ws.iter()
        .map(|w| w.to_string())
        .collect::<Vec<_>>()
        .join(" | ")
}

/// At least half of what the school has must come back: degrading everything is not a pass.
fn enough(what: &str, got: usize, want: usize) -> Outcome {
    if want > 0 && got * 2 < want {
        fail!("only {got} of {want} {what} came back: a fault must cost only what it touches");
    }
    Ok(())
}

/// Every fault kind [`degrades_per_fault`] expects to see: a malformed record (`Decode`), a
/// sub-resource answering 404 (`NotFound`), an auxiliary read answering 403
/// (`PermissionDenied`).
pub const ALL_FAULT_KINDS: [ErrorKind; 3] = [
    ErrorKind::Decode,
    ErrorKind::NotFound,
    ErrorKind::PermissionDenied,
];

/// Reads every supported entity through the degraded emulator; see the module docs.
pub async fn degrades_per_fault(p: &dyn MisProvider, e: &Expected) -> Outcome {
    degrades_per_fault_of(p, e, &ALL_FAULT_KINDS).await
}

/// [`degrades_per_fault`] for a vendor whose reads can meet only some of the faults: a
/// vendor that reads each entity in one list request has no per-student sub-resource or
/// enrichment read for a 404 or 403 to land on, and must not invent requests to have one.
/// Every other rule of the scenario still applies.
pub async fn degrades_per_fault_of(
    p: &dyn MisProvider,
    e: &Expected,
    kinds: &[ErrorKind],
) -> Outcome {
    let caps = p.capabilities();
    let mut seen = Vec::new();

    // Students: the malformed record is skipped, a failing sub-resource leaves its student
    // incomplete; both named.
    let d = Diagnostics::new();
    let got: Vec<_> = p
        .students(
            StudentQuery::new()
                .include_leavers(true)
                .with_diagnostics(d.clone()),
        )
        .try_collect()
        .await?;
    let ws = d.take();
    let want: BTreeMap<&str, _> = e.data.students.iter().map(|s| (s.id.as_str(), s)).collect();
    let mut ids = BTreeSet::new();
    for s in &got {
        if !ids.insert(s.id.as_str()) {
            fail!("student {} returned twice", s.id);
        }
        let Some(w) = want.get(s.id.as_str()) else {
            fail!("student {} is not in the school", s.id);
        };
        let complete = s.first_name == w.first_name
            && s.last_name == w.last_name
            && (!e.compare_upn || s.upn() == w.upn())
            && (!e.compare_date_of_birth || s.date_of_birth == w.date_of_birth);
        if !complete && !names(&ws, &s.id) {
            fail!(
                "student {} came back incomplete without a warning naming it",
                s.id
            );
        }
    }
    for id in want.keys().filter(|id| !ids.contains(*id)) {
        if !names(&ws, id) {
            fail!(
                "student {id} is missing and no warning names it; warnings: {}",
                listing(&ws)
            );
        }
    }
    if !ws
        .iter()
        .any(|w| w.kind == ErrorKind::Decode && w.record_id.is_some())
    {
        fail!(
            "the malformed student record was not reported as a skipped record with its id; \
             warnings: {}",
            listing(&ws)
        );
    }
    enough("students", got.len(), want.len())?;
    seen.extend(ws);

    if caps.attendance() {
        let d = Diagnostics::new();
        let got: Vec<AttendanceMark> = p
            .attendance(AttendanceQuery::new(e.range).with_diagnostics(d.clone()))
            .try_collect()
            .await?;
        let ws = d.take();
        let key = |m: &AttendanceMark| {
            (
                m.student_id.clone(),
                m.date,
                m.slot,
                m.session,
                m.period.clone(),
            )
        };
        let want: BTreeMap<_, &AttendanceMark> = e
            .data
            .marks
            .iter()
            .filter(|m| e.range.contains(m.date))
            .map(|m| (key(m), m))
            .collect();
        let mut have = BTreeMap::new();
        for m in &got {
            let Some(w) = want.get(&key(m)) else {
                fail!("mark {:?} is not in the school", key(m));
            };
            if w.category != m.category {
                fail!(
                    "mark {:?} came back as {} (school: {})",
                    key(m),
                    m.category,
                    w.category
                );
            }
            have.insert(key(m), m);
        }
        let missing: Vec<_> = want.keys().filter(|k| !have.contains_key(*k)).collect();
        if !missing.is_empty() && !whole_part(&ws) {
            if let Some(k) = missing.iter().find(|k| !names(&ws, &k.0)) {
                fail!(
                    "mark {k:?} is missing and no warning explains it ({} missing); \
                     warnings: {}",
                    missing.len(),
                    listing(&ws)
                );
            }
        }
        enough("marks", got.len(), want.len())?;
        seen.extend(ws);
    }

    if caps.timetable {
        let want: Vec<_> = e
            .data
            .lessons
            .iter()
            .filter(|l| e.range.contains(l.date))
            .collect();
        let mut q = TimetableQuery::new(e.range);
        if let Some(Some(student)) = want.first().map(|l| l.student_id.clone()) {
            q = q.student(student);
        }
        let d = Diagnostics::new();
        let got: Vec<_> = p
            .timetable(q.with_diagnostics(d.clone()))
            .try_collect()
            .await?;
        let ws = d.take();
        let key = |l: &mis_core::Lesson| (l.date, l.start.timestamp(), l.group.clone());
        let want_keys: BTreeSet<_> = want.iter().map(|l| key(l)).collect();
        let have: BTreeSet<_> = got.iter().map(key).collect();
        if let Some(k) = have.difference(&want_keys).next() {
            fail!("lesson {k:?} is not in the school");
        }
        if have.len() < want_keys.len() && ws.is_empty() {
            fail!(
                "{} of {} lessons came back and no warning says why",
                have.len(),
                want_keys.len()
            );
        }
        enough("lessons", have.len(), want_keys.len())?;
        seen.extend(ws);
    }

    if caps.behaviour {
        let d = Diagnostics::new();
        let got: Vec<_> = p
            .behaviour(BehaviourQuery::new(e.range).with_diagnostics(d.clone()))
            .try_collect()
            .await?;
        let ws = d.take();
        let want: BTreeMap<&str, _> = e
            .data
            .behaviour
            .iter()
            .filter(|ev| e.range.contains(ev.date))
            .map(|ev| (ev.id.as_str(), ev))
            .collect();
        let have: BTreeSet<&str> = got.iter().map(|ev| ev.id.as_str()).collect();
        for ev in &got {
            if !want.contains_key(ev.id.as_str()) {
                fail!("event {} is not in the school", ev.id);
            }
        }
        for (id, ev) in want.iter().filter(|(id, _)| !have.contains(*id)) {
            let explained =
                whole_part(&ws) || names(&ws, id) || ev.student_ids.iter().any(|s| names(&ws, s));
            if !explained {
                fail!(
                    "event {id} is missing and no warning explains it; warnings: {}",
                    listing(&ws)
                );
            }
        }
        enough("events", have.len(), want.len())?;
        seen.extend(ws);
    }

    for (kind, fault) in [
        (ErrorKind::Decode, "one malformed record"),
        (ErrorKind::NotFound, "one sub-resource answering 404"),
        (
            ErrorKind::PermissionDenied,
            "one auxiliary endpoint answering 403",
        ),
    ]
    .into_iter()
    .filter(|(k, _)| kinds.contains(k))
    {
        if !seen.iter().any(|w| w.kind == kind) {
            fail!(
                "the emulator injected {fault} but no read reported a {} warning; warnings: {}",
                kind.as_str(),
                listing(&seen)
            );
        }
    }
    for w in &seen {
        if w.vendor != p.info().vendor || w.operation.is_empty() || w.consequence.is_empty() {
            fail!("a warning must name the vendor, the operation and the consequence: {w:?}");
        }
    }
    Ok(())
}

/// With a strict handle the first warning ends the read as the error it was.
pub async fn strict_fails_on_first_warning(p: &dyn MisProvider) -> Outcome {
    let r: Result<Vec<_>, _> = p
        .students(
            StudentQuery::new()
                .include_leavers(true)
                .with_diagnostics(Diagnostics::strict()),
        )
        .try_collect()
        .await;
    match r {
        Err(e) if e.kind() == ErrorKind::Decode => Ok(()),
        Err(e) => fail!(
            "strict read failed with {:?} instead of decode: {e}",
            e.kind()
        ),
        Ok(s) => fail!(
            "strict read returned {} students despite a malformed record",
            s.len()
        ),
    }
}
