//! `cargo xtask fuzz --seconds N`: every cargo-fuzz target in `fuzz/fuzz_targets/`, N seconds
//! each, one after the other.
//!
//! Each target runs as `RUSTC_BOOTSTRAP=1 cargo fuzz run <target> -- -max_total_time=N`
//! (only the stable toolchain is installed; `RUSTC_BOOTSTRAP=1` lets it take cargo-fuzz's
//! `-Z` flags). Every target runs even if an earlier one fails; the failures are listed at
//! the end.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Parses `--seconds N` and runs every target.
pub fn run(root: &Path, seconds: &str) -> Result<(), String> {
    let seconds: u64 = match seconds.parse() {
        Ok(s) if s > 0 => s,
        _ => {
            return Err(format!(
                "--seconds wants a whole number of seconds above 0, not {seconds:?}"
            ));
        }
    };
    check_cargo_fuzz()?;
    let fuzz_dir = root.join("fuzz");
    let targets = targets(&fuzz_dir.join("fuzz_targets"))?;
    if targets.is_empty() {
        return Err("no fuzz targets in fuzz/fuzz_targets/".to_string());
    }
    println!(
        "fuzzing {} target(s) for {seconds} s each: {}",
        targets.len(),
        targets.join(", ")
    );
    let mut failed = Vec::new();
    for target in &targets {
        println!("== cargo fuzz run {target} -- -max_total_time={seconds}");
        let status = Command::new(cargo())
            .args(["fuzz", "run", target, "--"])
            .arg(format!("-max_total_time={seconds}"))
            .env("RUSTC_BOOTSTRAP", "1")
            .current_dir(root)
            .status()
            .map_err(|e| format!("could not run cargo fuzz: {e}"))?;
        if status.success() {
            println!("== {target}: no crash in {seconds} s");
        } else {
            failed.push(format!("{target} ({status})"));
        }
    }
    if failed.is_empty() {
        println!(
            "all {} fuzz target(s) ran {seconds} s without a crash",
            targets.len()
        );
        Ok(())
    } else {
        Err(format!(
            "fuzz target(s) failed: {}; crashing inputs are in fuzz/artifacts/<target>/",
            failed.join(", ")
        ))
    }
}

/// Fails with install instructions when `cargo fuzz` is not available.
fn check_cargo_fuzz() -> Result<(), String> {
    let found = Command::new(cargo())
        .args(["fuzz", "--version"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if found {
        Ok(())
    } else {
        Err(
            "cargo-fuzz is not installed (`cargo fuzz --version` failed).\n  \
             Install it with `cargo install cargo-fuzz` (it builds on the stable toolchain), \
             then run `cargo xtask fuzz --seconds N` again."
                .to_string(),
        )
    }
}

/// The target names: the `.rs` files in `dir`, sorted.
fn targets(dir: &Path) -> Result<Vec<String>, String> {
    let entries = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let mut names: Vec<String> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "rs"))
        .filter_map(|p| p.file_stem()?.to_str().map(str::to_owned))
        .collect();
    names.sort();
    Ok(names)
}

/// The cargo that runs xtask (so `cargo +toolchain xtask` stays on that toolchain).
fn cargo() -> PathBuf {
    std::env::var_os("CARGO").map_or_else(|| PathBuf::from("cargo"), PathBuf::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_repository_targets_are_found() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let found = targets(&root.join("fuzz").join("fuzz_targets")).unwrap();
        assert!(found.contains(&"wait_hints".to_string()), "{found:?}");
        assert!(found.contains(&"base_url".to_string()), "{found:?}");
    }

    #[test]
    fn seconds_must_be_a_positive_number() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        for bad in ["0", "-1", "ten", ""] {
            let err = run(&root, bad).unwrap_err();
            assert!(err.contains("--seconds"), "{bad}: {err}");
        }
    }
}
