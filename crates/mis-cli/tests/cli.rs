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
    for vendor in mis_cli::Registry::builtin().ids() {
        assert!(stdout.contains(vendor), "{stdout}");
    }
    assert!(stdout.contains("wrote mis-demo.sqlite"), "{stdout}");
    assert!(dir.join("mis-demo.sqlite").exists());
    let _ = std::fs::remove_dir_all(&dir);
}

/// `mis … | head -1` exits 0 with nothing on stderr, in csv, jsonl and table (csv once lost
/// the BrokenPipe kind and failed with exit 1 and `cannot write the output: Broken pipe`).
/// The output (a 600-student school) is larger than a pipe's buffer, so the writes after
/// the reader left really fail.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_closed_pipe_exits_zero_silently() {
    use std::io::{BufRead, BufReader};
    use std::process::Stdio;
    let school = std::sync::Arc::new(mis_sandbox::School::generate(5, 600));
    let sandbox = mis_sandbox::Sandbox::start_with(
        &mis_sandbox::emulator::go4schools::EMULATOR,
        school,
        mis_sandbox::FaultPlan::none(),
        mis_sandbox::EmulatorOptions::default(),
        0,
    )
    .await
    .unwrap();
    let key = sandbox.credentials().get("api_key").unwrap().to_owned();
    for format in ["csv", "jsonl", "table"] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_mis"))
            .args([
                "--provider",
                "go4schools",
                "--base-url",
                &sandbox.base_url(),
            ])
            .args(["--format", format, "students"])
            .env_remove("MIS_PROVIDER")
            .env_remove("RUST_LOG")
            .env("MIS_GO4SCHOOLS_API_KEY", &key)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let out = tokio::task::spawn_blocking(move || {
            let mut first = String::new();
            BufReader::new(child.stdout.take().unwrap())
                .read_line(&mut first)
                .unwrap();
            // The reader (`head -1`) is gone: its end of the pipe is closed here.
            child.wait_with_output().unwrap()
        })
        .await
        .unwrap();
        assert_eq!(out.status.code(), Some(0), "{format}: {out:?}");
        assert!(
            out.stderr.is_empty(),
            "{format}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// A table fits `COLUMNS`: no line of `mis capabilities` is wider than 40 columns.
#[test]
fn tables_fit_the_terminal_width() {
    let out = Command::new(env!("CARGO_BIN_EXE_mis"))
        .args(["capabilities"])
        .env_remove("MIS_PROVIDER")
        .env("COLUMNS", "40")
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.lines().count() > 10);
    for line in text.lines() {
        assert!(line.chars().count() <= 40, "{line:?}");
    }
}

#[test]
fn completions_are_generated_for_each_shell() {
    for (shell, marker) in [
        ("bash", "complete"),
        ("zsh", "#compdef mis"),
        ("fish", "complete -c mis"),
    ] {
        let out = mis(&["completions", shell]);
        assert!(out.status.success(), "{shell}: {out:?}");
        let script = String::from_utf8_lossy(&out.stdout);
        assert!(script.contains(marker), "{shell}: {script}");
        assert!(script.contains("attendance-summary"), "{shell}");
    }
}

/// `--output FILE` writes the records there, readable by its owner only.
#[test]
fn output_files_are_private() {
    let path = std::env::temp_dir().join(format!("mis-output-{}.csv", std::process::id()));
    let out = mis(&[
        "--format",
        "csv",
        "--output",
        path.to_str().unwrap(),
        "capabilities",
    ]);
    assert!(out.status.success(), "{out:?}");
    assert!(out.stdout.is_empty());
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.starts_with("capability,"), "{text}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
    let _ = std::fs::remove_file(&path);
}

/// An unknown `--out` scheme is rejected, not taken as a SQLite file name.
#[test]
fn an_unknown_database_scheme_is_rejected() {
    let config = std::env::temp_dir().join(format!("mis-empty-{}.toml", std::process::id()));
    std::fs::write(
        &config,
        "from = \"2024-09-02\"\nto = \"2024-09-06\"\n\n[[school]]\nname = \"Oak\"\n\
         provider = \"go4schools\"\nbase_url = \"http://127.0.0.1:9\"\n\
         credentials = { api_key = \"OAK_KEY\" }\n",
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_mis"))
        .args(["sync", "--config", config.to_str().unwrap(), "--out"])
        .arg("mysql://db.example/trust")
        .env_remove("MIS_PROVIDER")
        .env("OAK_KEY", "not-a-real-key-0123456789")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("mysql:// is not supported"), "{err}");
    assert!(!std::path::Path::new("mysql:").exists());
    let _ = std::fs::remove_file(&config);
}
