//! `cargo xtask msrv`: the minimum supported Rust version, checked without that toolchain.
//!
//! When a `1.85` toolchain is installed (`rustup toolchain install 1.85`), CI builds the
//! libraries with it (`cargo +1.85 check`, see `.ci/run`). Where it is not (the CI machine
//! cannot download toolchains), this check covers what can be checked from metadata:
//!
//! - every workspace crate declares the workspace's `rust-version`;
//! - every crate a library crate depends on (normal dependencies, transitively, as locked)
//!   declares a `rust-version` no newer than ours, or none;
//!
//! and our own code's use of newer standard-library APIs is caught by clippy's
//! `incompatible_msrv` lint, which reads the same `rust-version` (clippy runs with
//! `-D warnings` in CI). What neither covers: a language feature stabilised after 1.85 in
//! our own code (edition 2024 itself needs 1.85), which only the real toolchain would see.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Command;

use serde_json::Value;

/// Runs the check from the workspace at `root`.
pub fn run(root: &Path) -> Result<(), String> {
    let output = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args(["metadata", "--format-version", "1", "--locked"])
        .current_dir(root)
        .output()
        .map_err(|e| format!("cannot run cargo metadata: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "cargo metadata failed: {}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    let meta: Value = serde_json::from_slice(&output.stdout)
        .map_err(|e| format!("cargo metadata printed something that is not JSON: {e}"))?;
    let problems = check(&meta)?;
    if problems.is_empty() {
        println!("msrv: every workspace crate and library dependency fits rust-version");
        Ok(())
    } else {
        Err(format!(
            "rust-version problems:\n  {}",
            problems.join("\n  ")
        ))
    }
}

/// The problems found in `cargo metadata` output.
fn check(meta: &Value) -> Result<Vec<String>, String> {
    let packages = meta["packages"]
        .as_array()
        .ok_or("no packages in metadata")?;
    let by_id: BTreeMap<&str, &Value> = packages
        .iter()
        .filter_map(|p| Some((p["id"].as_str()?, p)))
        .collect();
    let members: BTreeSet<&str> = meta["workspace_members"]
        .as_array()
        .ok_or("no workspace_members in metadata")?
        .iter()
        .filter_map(Value::as_str)
        .collect();
    let mut problems = Vec::new();
    let mut ours: Option<Version> = None;
    for id in &members {
        let p = by_id
            .get(id)
            .ok_or("a workspace member is not in packages")?;
        let name = p["name"].as_str().unwrap_or("?");
        match p["rust_version"].as_str().map(Version::parse) {
            Some(Some(v)) => match ours {
                None => ours = Some(v),
                Some(o) if o != v => problems.push(format!("{name} declares {v}, others {o}")),
                Some(_) => {}
            },
            _ => problems.push(format!("{name} declares no rust-version")),
        }
    }
    let ours = ours.ok_or("no workspace crate declares rust-version")?;

    // Library crates: members with a `lib` target, and not test-only (publish = false).
    let libraries: Vec<&str> = members
        .iter()
        .copied()
        .filter(|id| {
            let p = by_id[id];
            let publishable = !matches!(p["publish"].as_array(), Some(a) if a.is_empty());
            let lib = p["targets"].as_array().is_some_and(|t| {
                t.iter().any(|t| {
                    t["kind"]
                        .as_array()
                        .is_some_and(|k| k.iter().any(|k| k == "lib"))
                })
            });
            publishable && lib
        })
        .collect();
    let nodes: BTreeMap<&str, &Value> = meta["resolve"]["nodes"]
        .as_array()
        .ok_or("no resolve graph in metadata")?
        .iter()
        .filter_map(|n| Some((n["id"].as_str()?, n)))
        .collect();
    let mut seen = BTreeSet::new();
    let mut stack: Vec<&str> = libraries.clone();
    while let Some(id) = stack.pop() {
        if !seen.insert(id) {
            continue;
        }
        let Some(node) = nodes.get(id) else { continue };
        for dep in node["deps"].as_array().into_iter().flatten() {
            // Normal dependencies only (kind null); build-dependencies run on the host with
            // the same toolchain, so they count too.
            let normal = dep["dep_kinds"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|k| k["kind"].is_null() || k["kind"].as_str() == Some("build"));
            if normal {
                if let Some(pkg) = dep["pkg"].as_str() {
                    stack.push(pkg);
                }
            }
        }
    }
    for id in seen.iter().filter(|id| !members.contains(*id)) {
        let p = by_id[id];
        if let Some(v) = p["rust_version"].as_str().and_then(Version::parse) {
            if v > ours {
                problems.push(format!(
                    "{} {} needs Rust {v}, newer than our {ours}",
                    p["name"].as_str().unwrap_or("?"),
                    p["version"].as_str().unwrap_or("?")
                ));
            }
        }
    }
    println!(
        "msrv: rust-version {ours}; {} library crates, {} dependencies checked",
        libraries.len(),
        seen.len() - libraries.len()
    );
    Ok(problems)
}

/// `major.minor[.patch]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Version(u32, u32, u32);

impl Version {
    fn parse(text: &str) -> Option<Version> {
        let mut parts = text.split('.').map(|p| p.parse::<u32>().ok());
        let major = parts.next()??;
        let minor = parts.next().flatten().unwrap_or(0);
        let patch = parts.next().flatten().unwrap_or(0);
        Some(Version(major, minor, patch))
    }
}

impl std::fmt::Display for Version {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}", self.0, self.1)?;
        if self.2 != 0 {
            write!(f, ".{}", self.2)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn meta(dep_rust_version: &str) -> Value {
        json!({
            "workspace_members": ["lib-id"],
            "packages": [
                {"id": "lib-id", "name": "mis-x", "version": "0.1.0", "rust_version": "1.85",
                 "publish": null, "targets": [{"kind": ["lib"]}]},
                {"id": "dep-id", "name": "dep", "version": "2.0.0",
                 "rust_version": dep_rust_version, "publish": null, "targets": []},
            ],
            "resolve": {"nodes": [
                {"id": "lib-id", "deps": [{"pkg": "dep-id", "dep_kinds": [{"kind": null}]}]},
                {"id": "dep-id", "deps": []},
            ]}
        })
    }

    #[test]
    fn a_dependency_needing_a_newer_rust_is_named() {
        assert!(check(&meta("1.85.0")).unwrap().is_empty());
        assert!(check(&meta("1.71")).unwrap().is_empty());
        let problems = check(&meta("1.86")).unwrap();
        assert_eq!(problems, ["dep 2.0.0 needs Rust 1.86, newer than our 1.85"]);
    }

    #[test]
    fn versions_compare_numerically() {
        assert!(Version::parse("1.100").unwrap() > Version::parse("1.85.3").unwrap());
        assert_eq!(
            Version::parse("1.85").unwrap(),
            Version::parse("1.85.0").unwrap()
        );
    }
}
