//! Project automation, run as `cargo xtask <command>`.
//!
//! - `cargo xtask fixtures` writes `fixtures/<vendor>/<endpoint>.json`: what each vendor
//!   emulator serves for a small seed school, so decode tests read real wire shapes.
//! - `cargo xtask fixtures --check` fails, naming the files, when the committed fixtures are
//!   stale (different, missing, or no longer produced). CI runs it.
//! - `cargo xtask man [DIR]` writes the `mis` man pages (default `target/man`).
//! - `cargo xtask msrv` checks `rust-version` without the old toolchain (see `msrv.rs`).
//! - `cargo xtask fuzz --seconds N` runs every cargo-fuzz target in `fuzz/fuzz_targets/` for
//!   N seconds each (needs `cargo install cargo-fuzz`; see `fuzz/README.md`).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use mis_sandbox::School;

mod fuzz;
mod man;
mod msrv;

/// The seed and size of the fixture school: small, so fixtures stay readable.
const FIXTURE_SEED: u64 = 2024;
const FIXTURE_SIZE: usize = 12;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let result = match args.as_slice() {
        ["fixtures"] => write_fixtures(&root()),
        ["fixtures", "--check"] => check_fixtures(&root()),
        ["fuzz", "--seconds", seconds] => fuzz::run(&root(), seconds),
        ["man"] => man::run(&root().join("target").join("man")),
        ["man", dir] => man::run(Path::new(dir)),
        ["msrv"] => msrv::run(&root()),
        _ => Err(
            "usage: cargo xtask fixtures [--check] | man [DIR] | msrv | fuzz --seconds N"
                .to_string(),
        ),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The workspace root (xtask lives one level below it).
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

/// Every fixture file that should exist, with its exact content, and the vendor folders
/// they cover (every file in those folders must be one of them).
type Expected = (Vec<(PathBuf, String)>, Vec<PathBuf>);

fn expected(root: &Path) -> Result<Expected, String> {
    let school = School::generate(FIXTURE_SEED, FIXTURE_SIZE);
    let mut out = Vec::new();
    let mut dirs = Vec::new();
    // One folder per registered vendor: the registry is the one list of vendors and their
    // emulators.
    for entry in mis_cli::Registry::builtin().entries() {
        let emulator = entry.emulator;
        let vendor = emulator.id;
        let list = (emulator.fixtures)(&school);
        if list.is_empty() {
            return Err(format!("{vendor}: the emulator renders no fixtures"));
        }
        dirs.push(root.join("fixtures").join(vendor.as_str()));
        let mut names = BTreeSet::new();
        for f in list {
            if !names.insert(f.name.clone()) {
                return Err(format!("{vendor}: two fixtures named {}", f.name));
            }
            // Keys sorted, whatever serde_json's `preserve_order` feature: it is switched on by
            // feature unification when xtask shares a build with crates that enable it, and a
            // fixture must not change with the build.
            let mut body = f.body.clone();
            body.sort_all_objects();
            let text = serde_json::to_string_pretty(&body).map_err(|e| e.to_string())? + "\n";
            out.push((
                root.join("fixtures")
                    .join(vendor.as_str())
                    .join(format!("{}.json", f.name)),
                text,
            ));
        }
    }
    Ok((out, dirs))
}

fn write_fixtures(root: &Path) -> Result<(), String> {
    let (files, dirs) = expected(root)?;
    for stale in unexpected_files(&files, &dirs) {
        std::fs::remove_file(&stale).map_err(|e| format!("{}: {e}", stale.display()))?;
    }
    for (path, text) in &files {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        }
        std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    println!("wrote {} fixture files under fixtures/", files.len());
    Ok(())
}

fn check_fixtures(root: &Path) -> Result<(), String> {
    let (files, dirs) = expected(root)?;
    let mut problems = Vec::new();
    for (path, text) in &files {
        match std::fs::read_to_string(path) {
            Ok(on_disk) if on_disk == *text => {}
            Ok(_) => problems.push(format!("stale: {}", rel(root, path))),
            Err(_) => problems.push(format!("missing: {}", rel(root, path))),
        }
    }
    for extra in unexpected_files(&files, &dirs) {
        problems.push(format!("no longer produced: {}", rel(root, &extra)));
    }
    if problems.is_empty() {
        println!("fixtures are fresh ({} files)", files.len());
        Ok(())
    } else {
        Err(format!(
            "fixtures are stale; run `cargo xtask fixtures`:\n  {}",
            problems.join("\n  ")
        ))
    }
}

/// JSON files in the covered vendor folders that no fixture produces.
fn unexpected_files(files: &[(PathBuf, String)], dirs: &[PathBuf]) -> Vec<PathBuf> {
    let wanted: BTreeSet<&PathBuf> = files.iter().map(|(p, _)| p).collect();
    let mut extra = Vec::new();
    for dir in dirs {
        let Ok(entries) = std::fs::read_dir(dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let p = entry.path();
            if p.extension().is_some_and(|e| e == "json") && !wanted.contains(&p) {
                extra.push(p);
            }
        }
    }
    extra.sort();
    extra
}

fn rel(root: &Path, p: &Path) -> String {
    p.strip_prefix(root).unwrap_or(p).display().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_root(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("mis-xtask-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn snapshot(root: &Path) -> Vec<(PathBuf, Vec<u8>)> {
        let mut out = Vec::new();
        let mut stack = vec![root.join("fixtures")];
        while let Some(dir) = stack.pop() {
            for e in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
                let p = e.path();
                if p.is_dir() {
                    stack.push(p);
                } else {
                    out.push((p.clone(), std::fs::read(&p).unwrap()));
                }
            }
        }
        out.sort();
        out
    }

    #[test]
    fn two_runs_are_identical_and_check_catches_edits() {
        let root = temp_root("fixtures");
        write_fixtures(&root).unwrap();
        let first = snapshot(&root);
        write_fixtures(&root).unwrap();
        assert_eq!(first, snapshot(&root), "two runs wrote different files");
        check_fixtures(&root).unwrap();
        if let Some((path, _)) = first.first() {
            std::fs::write(path, "{}\n").unwrap();
            let e = check_fixtures(&root).unwrap_err();
            assert!(e.contains("stale"), "{e}");
            write_fixtures(&root).unwrap();
            // A file no fixture produces is reported too.
            let extra = path.with_file_name("left_over.json");
            std::fs::write(&extra, "{}").unwrap();
            let e = check_fixtures(&root).unwrap_err();
            assert!(e.contains("left_over.json"), "{e}");
        }
        let _ = std::fs::remove_dir_all(&root);
    }
}
