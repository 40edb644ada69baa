//! What "registered" requires of a vendor, shared by `registry.rs` and `sixth_vendor.rs`.
//!
//! Every entry of a [`Registry`] must
//! 1. have a conformance suite that runs against its emulator: a test file that invokes
//!    `mis_testkit::conformance_suite!` and starts the emulator through
//!    `mis_sandbox::Sandbox` (`crates/mis-<id>/tests/conformance.rs` for a vendor crate of
//!    this workspace, or a file the caller names for a vendor defined elsewhere);
//! 2. open through the registry against its running emulator, from the emulator's
//!    `MIS_<VENDOR>_*` variables alone, read the school's students, and report the
//!    capabilities its descriptor declares.

use std::path::{Path, PathBuf};

use futures::TryStreamExt;
use mis_cli::{Entry, Registry};
use mis_core::StudentQuery;
use mis_sandbox::{EmulatorOptions, FaultPlan, Sandbox, School};

/// The workspace root.
pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ is in the workspace")
        .to_path_buf()
}

/// Where `id`'s conformance suite is: `elsewhere` if it names the vendor, else the vendor
/// crate's `tests/conformance.rs`.
fn conformance_file(id: &str, elsewhere: &[(&str, PathBuf)]) -> PathBuf {
    elsewhere
        .iter()
        .find(|(v, _)| *v == id)
        .map(|(_, path)| path.clone())
        .unwrap_or_else(|| {
            workspace()
                .join("crates")
                .join(format!("mis-{id}"))
                .join("tests/conformance.rs")
        })
}

/// Step 1 for every entry: the vendors without a conformance suite against their emulator,
/// each with the reason.
pub fn without_conformance(registry: &Registry, elsewhere: &[(&str, PathBuf)]) -> Vec<String> {
    let mut missing = Vec::new();
    for entry in registry.entries() {
        let id = entry.id().as_str();
        let path = conformance_file(id, elsewhere);
        let Ok(text) = std::fs::read_to_string(&path) else {
            missing.push(format!(
                "{id}: no conformance suite ({} not found)",
                path.display()
            ));
            continue;
        };
        // Code only: a suite that is commented out does not run.
        let code: String = text
            .lines()
            .filter(|l| !l.trim_start().starts_with("//"))
            .collect::<Vec<_>>()
            .join("\n");
        if !code.contains("conformance_suite!") {
            missing.push(format!(
                "{id}: {} does not invoke mis_testkit::conformance_suite!",
                path.display()
            ));
        } else if !code.contains("Sandbox::start") {
            missing.push(format!(
                "{id}: {} does not run its suite against the emulator (no Sandbox::start…)",
                path.display()
            ));
        }
    }
    missing
}

/// Step 2 for one entry: starts its emulator (at its demo time scale, so quotas are short),
/// opens the provider through the registry's path with nothing but the emulator's
/// variables, and reads the students. Returns how many came back.
pub async fn opens_against_its_emulator(entry: &Entry, school: std::sync::Arc<School>) -> usize {
    let id = entry.id();
    let sandbox = Sandbox::start_with(
        entry.emulator,
        school,
        FaultPlan::none(),
        EmulatorOptions {
            time_scale: entry.emulator.demo_time_scale,
            ..EmulatorOptions::default()
        },
        0,
    )
    .await
    .unwrap_or_else(|e| panic!("{id}: the emulator starts: {e}"));
    let env = sandbox.client_env();
    let lookup = |name: &str| env.get(name).cloned();
    let provider =
        mis_cli::providers::open_with(entry.vendor, None, None, &lookup, &http::Extensions::new())
            .unwrap_or_else(|e| panic!("{id}: opens from the emulator's variables: {e}"));
    assert_eq!(
        provider.info().vendor,
        id.as_str(),
        "{id}: records name the vendor"
    );
    let declared = (entry.vendor.capabilities)();
    assert!(
        declared.iter().any(|(_, c)| *c == provider.capabilities()),
        "{id}: the provider's capabilities are one of its descriptor's entries"
    );
    let students: Vec<_> = provider
        .students(StudentQuery::new())
        .try_collect()
        .await
        .unwrap_or_else(|e| panic!("{id}: reads students from its emulator: {e}"));
    assert!(
        !students.is_empty(),
        "{id}: the emulator's school has students"
    );
    students.len()
}
