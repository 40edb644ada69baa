//! Test-only crate: the chaos tests live in `tests/chaos.rs`. Every provider reads the same
//! synthetic school through an emulator injecting `FaultPlan::chaos` faults and through a
//! fault-free one, and the two answers must be the same sets of records; writes under the
//! same faults are never applied twice and never reported as plain failures when their
//! outcome is unknown.
