//! The vendor registry is complete: every registered vendor has an emulator, a conformance
//! suite that runs against it, and opens through the registry against it. A vendor
//! registered without a conformance suite fails here.

#[path = "support/registry_check.rs"]
mod registry_check;

use std::path::PathBuf;
use std::sync::Arc;

use mis_cli::{Entry, Registry};
use mis_sandbox::{EmulatorOptions, Sandbox, School};
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

/// The sandbox keeps no list of its emulators, so an emulator module written but never
/// registered would go unused: every module in `mis_sandbox::emulator` (one directory per
/// vendor) names a registered vendor whose entry uses that module's emulator.
#[test]
fn the_sandbox_has_no_emulator_the_registry_does_not_list() {
    let registry = Registry::builtin();
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../crates/mis-sandbox/src/emulator");
    let mut modules: Vec<String> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|d| d.unwrap())
        .filter(|d| d.file_type().unwrap().is_dir())
        .map(|d| d.file_name().into_string().unwrap())
        .collect();
    modules.sort();
    assert!(
        !modules.is_empty(),
        "no emulator modules in {}",
        dir.display()
    );
    for module in &modules {
        let entry = registry.get(module).unwrap_or_else(|| {
            panic!("the sandbox emulates {module}, which no registry entry names")
        });
        assert_eq!(
            entry.emulator.id.as_str(),
            module,
            "{module}: another vendor's emulator"
        );
    }
    let mut registered = registry.ids();
    registered.sort_unstable();
    assert_eq!(
        registered, modules,
        "every registered vendor has an emulator module"
    );
}

/// The command line knows vendors only through its registry: outside `registry.rs` no
/// source file of `mis-cli` (tests modules aside) names a vendor crate, so what a vendor
/// needs from `mis sync` (settings it takes, a per-address quota, identifiers kept between
/// runs) is data in its descriptor, and a sixth vendor needs no edit there.
#[test]
fn the_command_line_names_no_vendor_crate_outside_its_registry() {
    let src = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../crates/mis-cli/src");
    let crates: Vec<String> = Registry::builtin()
        .ids()
        .iter()
        .map(|id| format!("mis_{id}::"))
        .collect();
    let mut files = vec![src.clone()];
    let mut found = Vec::new();
    let mut checked = 0;
    while let Some(path) = files.pop() {
        if path.is_dir() {
            for entry in std::fs::read_dir(&path).unwrap() {
                files.push(entry.unwrap().path());
            }
            continue;
        }
        if path.extension().is_none_or(|e| e != "rs") || path.ends_with("registry.rs") {
            continue;
        }
        checked += 1;
        let text = std::fs::read_to_string(&path).unwrap();
        // A file's unit tests (its trailing `#[cfg(test)] mod tests`) may name a vendor as data.
        let code = text
            .split("#[cfg(test)]\nmod tests")
            .next()
            .unwrap_or_default();
        for (n, line) in code.lines().enumerate() {
            if crates.iter().any(|c| line.contains(c.as_str())) {
                found.push(format!("{}:{}: {}", path.display(), n + 1, line.trim()));
            }
        }
    }
    assert!(
        checked > 10,
        "read only {checked} files under {}",
        src.display()
    );
    assert!(
        found.is_empty(),
        "vendor crates named outside the registry:\n{}",
        found.join("\n")
    );
}

/// Every registered emulator starts and names what a client reads under its vendor's
/// prefix (`MIS_<VENDOR>_BASE_URL`, one variable per credential, then its settings).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_registered_emulator_names_its_variables() {
    let registry = Registry::builtin();
    let school = Arc::new(School::generate(3, 8));
    let emulators = registry.entries().iter().map(|e| e.emulator);
    let all = Sandbox::start_each(emulators, school, EmulatorOptions::default())
        .await
        .unwrap();
    assert_eq!(all.len(), registry.entries().len());
    for (sandbox, entry) in all.iter().zip(registry.entries()) {
        assert_eq!(sandbox.id(), entry.id());
        let env = sandbox.env();
        let prefix = format!("{}_", sandbox.id().env_prefix());
        assert_eq!(env[&sandbox.id().env("BASE_URL")], sandbox.base_url());
        assert!(env.len() >= 2, "{}: no credentials", sandbox.id());
        assert!(env.keys().all(|k| k.starts_with(&prefix)), "{env:?}");
        let all = sandbox.client_env();
        assert!(all.keys().all(|k| k.starts_with(&prefix)), "{all:?}");
        assert_eq!(all.len(), env.len() + sandbox.settings().len());
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
