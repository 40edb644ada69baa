//! # mis-sandbox
//!
//! The vendors offer no public test tenants, so this crate builds its own: one deterministic
//! synthetic school, served by a faithful emulator of each vendor's API with fault injection.
//! It powers `mis demo`, the round-trip and conformance tests, the chaos tests and the
//! benchmarks.
//!
//! Each vendor's emulator is a module of [`emulator`] exporting an [`EmulatorDescriptor`]
//! (`emulator::hubmis::EMULATOR`), which [`Sandbox::start`] starts over a [`School`]. This
//! crate keeps no list of its emulators: a program's vendor registry pairs each vendor with
//! its emulator and is the one list of vendors.
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod emulator;
pub mod school;

pub use school::{Phase, Profile, School, SchoolOptions};
pub mod sandbox;

pub use emulator::{FaultPlan, OnboardingFaults, RecordFaults, Stats};
pub use sandbox::{
    Credentials, Emulator, EmulatorContext, EmulatorDescriptor, EmulatorOptions, Fixture, Sandbox,
    no_settings,
};
