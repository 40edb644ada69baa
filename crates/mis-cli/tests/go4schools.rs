//! `mis --provider go4schools` end to end against the GO 4 Schools emulator: the built
//! binary, a real loopback server, the model's field names on stdout.

use std::collections::BTreeSet;
use std::process::{Command, Output};
use std::sync::Arc;

use mis_sandbox::{EmulatorOptions, FaultPlan, Sandbox, School};

async fn emulator() -> (Sandbox, Arc<School>, String) {
    let school = Arc::new(School::generate(4, 30));
    let sandbox = Sandbox::start_with(
        &mis_sandbox::emulator::go4schools::EMULATOR,
        school.clone(),
        FaultPlan::none(),
        EmulatorOptions::default(),
        0,
    )
    .await
    .expect("the GO 4 Schools emulator starts");
    let key = sandbox.credentials().get("api_key").unwrap().to_owned();
    (sandbox, school, key)
}

/// Runs `mis` off the async runtime, so the emulator keeps serving meanwhile.
async fn mis(args: &[&str], key: &str) -> Output {
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    let key = key.to_owned();
    tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_mis"))
            .args(&args)
            .env_remove("MIS_PROVIDER")
            .env_remove("RUST_LOG")
            .env_remove("MIS_GO4SCHOOLS_BASE_URL")
            .env("MIS_GO4SCHOOLS_API_KEY", key)
            .output()
            .expect("the mis binary runs")
    })
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn attendance_as_jsonl_with_the_models_field_names() {
    let (sandbox, school, key) = emulator().await;
    let base = sandbox.base_url();
    let out = mis(
        &[
            "--provider",
            "go4schools",
            "--base-url",
            &base,
            "attendance",
            "--from",
            "2024-09-02",
            "--to",
            "2024-09-13",
            "--format",
            "jsonl",
        ],
        &key,
    )
    .await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    let records: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let in_range = |d: &jiff::civil::Date| {
        *d >= jiff::civil::date(2024, 9, 2) && *d <= jiff::civil::date(2024, 9, 13)
    };
    let want = school
        .session_marks
        .iter()
        .chain(&school.lesson_marks)
        .filter(|m| in_range(&m.date))
        .count();
    assert_eq!(records.len(), want);
    let fields: BTreeSet<&str> = records[0]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        fields,
        BTreeSet::from([
            "provider",
            "student_id",
            "date",
            "slot",
            "session",
            "period",
            "lesson_id",
            "code",
            "category",
            "late",
            "minutes_late",
            "note",
        ])
    );
    assert!(records.iter().all(|r| r["provider"] == "go4schools"));
    assert!(records.iter().any(|r| r["slot"] == "lesson"));
    assert!(records.iter().any(|r| r["session"] == "pm"));
    assert!(!stdout.contains(&key));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn capabilities_and_a_wrong_key() {
    let (sandbox, _school, key) = emulator().await;
    let base = sandbox.base_url();
    let out = mis(
        &[
            "--provider",
            "go4schools",
            "--base-url",
            &base,
            "--format",
            "json",
            "capabilities",
        ],
        &key,
    )
    .await;
    assert!(out.status.success(), "{out:?}");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("write_attendance"), "{text}");

    let out = mis(
        &["--provider", "go4schools", "--base-url", &base, "students"],
        "not-the-key",
    )
    .await;
    assert_eq!(out.status.code(), Some(4), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(!err.contains("not-the-key"), "{err}");
}
