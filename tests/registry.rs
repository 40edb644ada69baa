//! The vendor registry is complete: every registered vendor has an emulator, a conformance
//! suite that runs against it, and opens through the registry against it. A vendor
//! registered without a conformance suite fails here.

#[path = "support/registry_check.rs"]
mod registry_check;

use std::path::PathBuf;
use std::sync::Arc;

use mis_cli::{Entry, Registry};
use mis_sandbox::School;
use registry_check::{opens_against_its_emulator, without_conformance};

#[test]
fn every_registered_vendor_runs_the_conformance_suite_against_its_emulator() {
    let missing = without_conformance(&Registry::builtin(), &[]);
    assert!(missing.is_empty(), "{missing:#?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_registered_vendor_opens_against_its_emulator() {
    let school = Arc::new(School::generate(5, 10));
    for entry in Registry::builtin().entries() {
        let n = opens_against_its_emulator(entry, school.clone()).await;
        eprintln!("{}: {n} students", entry.id());
    }
}

#[test]
fn the_sandbox_has_no_emulator_the_registry_does_not_list() {
    let registry = Registry::builtin();
    for emulator in mis_sandbox::EMULATORS {
        assert!(
            registry.get(emulator.id.as_str()).is_some(),
            "the sandbox emulates {}, which no registry entry names",
            emulator.id
        );
    }
}

/// The check can fail: a vendor whose conformance file is missing, and one whose file does
/// not run the suite, are both reported.
#[test]
fn a_vendor_without_a_suite_is_reported() {
    const GHOST: mis_core::VendorId = mis_core::VendorId::new("ghost");
    const DESCRIPTOR: mis_http::VendorDescriptor = mis_http::VendorDescriptor {
        id: GHOST,
        ..mis_go4schools::DESCRIPTOR
    };
    const EMULATOR: mis_sandbox::EmulatorDescriptor = mis_sandbox::EmulatorDescriptor {
        id: GHOST,
        ..mis_sandbox::emulator::go4schools::EMULATOR
    };
    let registry = Registry::builtin().with(Entry::new(&DESCRIPTOR, &EMULATOR));
    let missing = without_conformance(&registry, &[]);
    assert_eq!(missing.len(), 1, "{missing:#?}");
    assert!(
        missing[0].starts_with("ghost: no conformance suite"),
        "{missing:#?}"
    );

    // A file that does not invoke the suite does not count.
    let this_file = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("decoders.rs");
    let missing = without_conformance(&registry, &[("ghost", this_file)]);
    assert_eq!(missing.len(), 1, "{missing:#?}");
    assert!(missing[0].contains("does not invoke"), "{missing:#?}");
}
