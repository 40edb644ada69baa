//! The vendor emulators and what they share: fault injection, quota windows, serving.
//!
//! Each emulator renders the synthetic school in one vendor's wire format, written from the
//! vendor's documentation and NOT from the vendor crates' types (this crate must not depend
//! on any vendor crate), so that a wrong field name cannot pass on both sides.

pub mod classcharts;
pub mod classe365;
pub mod faults;
pub mod go4schools;
pub mod hubmis;
pub mod managebac;
pub mod server;
pub mod window;

pub use faults::{Fault, FaultPlan, Faults, OnboardingFaults, RecordFaults, Stats};
pub use server::{Core, Running, ThrottleResponse, serve, with_faults};
pub use window::{Admission, SlidingWindow};
