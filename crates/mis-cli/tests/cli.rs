//! End-to-end tests of the built `mis` binary: what a script sees (stdout, stderr, exit code).

use std::process::{Command, Output};

/// Runs `mis` with `args` in a clean environment: no provider chosen and no log level from
/// the developer's shell, so the assertions do not depend on who runs them.
fn mis(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mis"))
        .args(args)
        .env_remove("MIS_PROVIDER")
        .env_remove("RUST_LOG")
        .output()
        .expect("the mis binary runs")
}

fn stderr_lines(out: &Output) -> Vec<String> {
    String::from_utf8_lossy(&out.stderr)
        .lines()
        .map(str::to_owned)
        .collect()
}

#[test]
fn help_lists_every_command_flag_and_credential_variable() {
    let out = mis(&["--help"]);
    assert!(out.status.success());
    let help = String::from_utf8_lossy(&out.stdout);
    for word in [
        "demo",
        "students",
        "attendance",
        "attendance-summary",
        "timetable",
        "behaviour",
        "capabilities",
        "sandbox",
        "sync",
        "--provider",
        "--base-url",
        "--school",
        "--format",
        "MIS_PROVIDER",
        "MIS_CLASSCHARTS_CODE",
        "MIS_CLASSCHARTS_DOB",
        "MIS_CLASSCHARTS_EMAIL",
        "MIS_CLASSCHARTS_PASSWORD",
        "MIS_GO4SCHOOLS_API_KEY",
        "MIS_HUBMIS_CLIENT_ID",
        "MIS_HUBMIS_CLIENT_SECRET",
        "MIS_HUBMIS_REALM",
        "MIS_CLASSE365_SUBDOMAIN",
        "MIS_CLASSE365_API_KEY",
        "MIS_MANAGEBAC_TOKEN",
        "MIS_<VENDOR>_BASE_URL",
    ] {
        assert!(
            help.contains(word),
            "--help does not mention {word}:\n{help}"
        );
    }
}

#[test]
fn every_subcommand_has_help() {
    for (command, flags) in [
        ("attendance", &["--from", "--to", "--student"][..]),
        ("attendance-summary", &["--from", "--to"]),
        ("timetable", &["--from", "--to", "--student"]),
        ("behaviour", &["--from", "--to"]),
        ("sandbox", &["--port"]),
        ("sync", &["--config", "--out"]),
    ] {
        let out = mis(&[command, "--help"]);
        assert!(out.status.success(), "{command} --help");
        let help = String::from_utf8_lossy(&out.stdout);
        for flag in flags {
            assert!(
                help.contains(flag),
                "{command} --help lacks {flag}:\n{help}"
            );
        }
    }
}

#[test]
fn a_missing_credential_is_one_stderr_line_naming_the_variable() {
    let out = Command::new(env!("CARGO_BIN_EXE_mis"))
        .args(["--provider", "go4schools", "students"])
        .env_remove("MIS_PROVIDER")
        .env_remove("RUST_LOG")
        .env_remove("MIS_GO4SCHOOLS_API_KEY")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(4), "{out:?}");
    assert!(out.stdout.is_empty(), "{out:?}");
    let lines = stderr_lines(&out);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(lines[0].contains("MIS_GO4SCHOOLS_API_KEY"), "{lines:?}");
}

#[test]
fn the_provider_can_come_from_the_environment() {
    let out = Command::new(env!("CARGO_BIN_EXE_mis"))
        .args(["capabilities"])
        .env("MIS_PROVIDER", "managebac")
        .env_remove("RUST_LOG")
        .env_remove("MIS_MANAGEBAC_TOKEN")
        .output()
        .unwrap();
    // The provider came from MIS_PROVIDER: it is ManageBac's credential that is missing.
    assert_eq!(out.status.code(), Some(4), "{out:?}");
    let lines = stderr_lines(&out);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(lines[0].contains("MIS_MANAGEBAC_TOKEN"), "{lines:?}");
}

#[test]
fn a_bad_date_is_invalid_input_naming_the_flag() {
    let out = mis(&[
        "--provider",
        "hubmis",
        "attendance",
        "--from",
        "2024-13-01",
        "--to",
        "2024-12-01",
    ]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(out.stdout.is_empty());
    let lines = stderr_lines(&out);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(lines[0].starts_with("mis: --from: "), "{lines:?}");
    assert!(lines[0].contains("2024-13-01"), "{lines:?}");
}

#[test]
fn a_reversed_range_is_invalid_input() {
    let out = mis(&[
        "--provider",
        "classe365",
        "timetable",
        "--from",
        "2024-12-02",
        "--to",
        "2024-12-01",
    ]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert_eq!(stderr_lines(&out).len(), 1);
}

#[test]
fn no_provider_is_invalid_input() {
    let out = mis(&["students"]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let lines = stderr_lines(&out);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(lines[0].contains("--provider"), "{lines:?}");
}

#[test]
fn an_unknown_provider_is_rejected_by_clap() {
    let out = mis(&["--provider", "sims", "students"]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(out.stdout.is_empty());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("sims"), "{err}");
    assert!(
        err.contains("go4schools"),
        "the error lists the choices: {err}"
    );
}

#[test]
fn an_unknown_format_is_rejected_by_clap() {
    let out = mis(&["--format", "xml", "--provider", "hubmis", "students"]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
}

#[test]
fn sync_with_a_missing_config_fails_in_one_line() {
    let out = mis(&[
        "sync",
        "--config",
        "/no/such/schools.toml",
        "--out",
        "sqlite:mis.db",
    ]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(out.stdout.is_empty());
    let lines = stderr_lines(&out);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(
        lines[0].starts_with("mis: --config: cannot read"),
        "{lines:?}"
    );
}

#[test]
fn the_demo_binary_prints_five_schools_and_writes_its_database() {
    let dir = std::env::temp_dir().join(format!("mis-demo-bin-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_mis"))
        .arg("demo")
        .current_dir(&dir)
        .env_remove("RUST_LOG")
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    for vendor in [
        "classcharts",
        "go4schools",
        "hubmis",
        "classe365",
        "managebac",
    ] {
        assert!(stdout.contains(vendor), "{stdout}");
    }
    assert!(stdout.contains("wrote mis-demo.sqlite"), "{stdout}");
    assert!(dir.join("mis-demo.sqlite").exists());
    let _ = std::fs::remove_dir_all(&dir);
}
