//! The `mis` binary's help per command, and what a build without a feature says: built with
//! any feature set (no emulator, no PostgreSQL needed).

use std::process::{Command, Output};

/// Runs `mis` with `args`, no provider chosen from the environment.
fn mis(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mis"))
        .args(args)
        .env_remove("MIS_PROVIDER")
        .env_remove("RUST_LOG")
        .output()
        .expect("mis runs")
}

fn stdout(out: &Output) -> String {
    assert!(out.status.success(), "{out:?}");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn sync_help_has_no_provider_flags_and_students_help_has_them() {
    let sync = stdout(&mis(&["sync", "--help"]));
    assert!(sync.contains("--config"), "{sync}");
    for flag in ["--provider", "--base-url", "--school"] {
        assert!(
            !sync.contains(flag),
            "mis sync --help lists {flag}:\n{sync}"
        );
    }
    let students = stdout(&mis(&["students", "--help"]));
    for flag in ["--provider", "--base-url", "--school"] {
        assert!(
            students.contains(flag),
            "mis students --help lacks {flag}:\n{students}"
        );
    }
}

#[test]
fn the_provider_flags_parse_before_and_after_the_command() {
    // No credential in the environment: both reach the provider and fail on the same
    // missing variable (exit 4), which shows both were parsed as `--provider go4schools`.
    for args in [
        &["--provider", "go4schools", "students"][..],
        &["students", "--provider", "go4schools"],
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_mis"))
            .args(args)
            .env_remove("MIS_PROVIDER")
            .env_remove("MIS_GO4SCHOOLS_API_KEY")
            .output()
            .expect("mis runs");
        assert_eq!(out.status.code(), Some(4), "{args:?}: {out:?}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("MIS_GO4SCHOOLS_API_KEY"),
            "{out:?}"
        );
    }
    // Where they do nothing, they are refused as a usage error.
    let out = mis(&[
        "sync",
        "--provider",
        "hubmis",
        "--config",
        "a",
        "--out",
        "b",
    ]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
}

/// A slim build's `mis demo`: one line naming the feature, exit code 3.
#[cfg(not(feature = "sandbox"))]
#[test]
fn a_slim_mis_demo_names_the_sandbox_feature() {
    let out = mis(&["demo"]);
    assert_eq!(out.status.code(), Some(3), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with("mis: mis demo: this mis was built without the \"sandbox\" feature"),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
}
