//! # mis-sandbox
//!
//! The vendors offer no public test tenants, so this crate builds its own: one deterministic
//! synthetic school, served by a faithful emulator of each vendor's API with fault injection.
//! It powers `mis demo`, the round-trip and conformance tests, the chaos tests and the
//! benchmarks.
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod emulator;
pub mod school;

pub use school::{Phase, Profile, School, SchoolOptions};
pub mod sandbox;

pub use emulator::{FaultPlan, OnboardingFaults, RecordFaults, Stats};
pub use sandbox::{
    Credentials, EMULATORS, Emulator, EmulatorContext, EmulatorDescriptor, EmulatorOptions,
    Fixture, Sandbox, emulator, fixtures, no_settings,
};
