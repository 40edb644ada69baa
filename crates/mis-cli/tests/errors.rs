//! Each error case of the command line: one clear line on stderr, nothing on stdout, and the
//! exit code of its kind (bad dates and missing credentials are in tests/cli.rs).

use std::process::{Command, Output};
use std::sync::Arc;

use mis_sandbox::{EmulatorDescriptor, EmulatorOptions, FaultPlan, Sandbox, School};

async fn mis(args: Vec<String>, env: Vec<(&'static str, String)>) -> Output {
    tokio::task::spawn_blocking(move || {
        let mut c = Command::new(env!("CARGO_BIN_EXE_mis"));
        c.args(&args)
            .env_remove("RUST_LOG")
            .env_remove("MIS_PROVIDER");
        for (k, v) in env {
            c.env(k, v);
        }
        c.output().unwrap()
    })
    .await
    .unwrap()
}

fn one_line(out: &Output) -> String {
    assert!(out.stdout.is_empty(), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    assert_eq!(err.lines().count(), 1, "{err}");
    err
}

async fn start(emulator: &EmulatorDescriptor) -> Sandbox {
    let school = Arc::new(School::generate(3, 12));
    Sandbox::start_with(
        emulator,
        school,
        FaultPlan::none(),
        EmulatorOptions::default(),
        0,
    )
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unsupported_operation_is_exit_3() {
    let s = start(&mis_sandbox::emulator::classe365::EMULATOR).await;
    let c = s.credentials();
    let args = [
        "--provider",
        "classe365",
        "--base-url",
        &s.base_url(),
        "timetable",
        "--from",
        "2024-09-02",
        "--to",
        "2024-09-06",
    ];
    let out = mis(
        args.iter().map(|a| a.to_string()).collect(),
        vec![
            (
                "MIS_CLASSE365_SUBDOMAIN",
                c.get("subdomain").unwrap().to_string(),
            ),
            (
                "MIS_CLASSE365_API_KEY",
                c.get("api_key").unwrap().to_string(),
            ),
        ],
    )
    .await;
    assert_eq!(out.status.code(), Some(3), "{out:?}");
    let err = one_line(&out);
    assert!(
        err.starts_with("mis: classe365 timetable: classe365 does not support timetable"),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_authentication_failure_is_exit_4_without_the_secret() {
    let s = start(&mis_sandbox::emulator::go4schools::EMULATOR).await;
    let args = [
        "--provider",
        "go4schools",
        "--base-url",
        &s.base_url(),
        "students",
    ];
    let wrong = "WRONG-key-0123456789abcdef";
    let out = mis(
        args.iter().map(|a| a.to_string()).collect(),
        vec![("MIS_GO4SCHOOLS_API_KEY", wrong.to_string())],
    )
    .await;
    assert_eq!(out.status.code(), Some(4), "{out:?}");
    let err = one_line(&out);
    assert!(err.starts_with("mis: go4schools"), "{err}");
    assert!(!err.contains(wrong), "{err}");
}

/// A body that cannot be decoded is described by its shape, never its values; with
/// `MIS_DEBUG_BODIES=1` the raw excerpt is shown, after a warning that personal data follows.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn decode_errors_show_the_body_shape_unless_debug_bodies_is_on() {
    let school = Arc::new(School::generate(3, 12));
    let s = Sandbox::start_with(
        &mis_sandbox::emulator::go4schools::EMULATOR,
        school,
        FaultPlan {
            rate_malformed: 1.0,
            ..FaultPlan::none()
        },
        EmulatorOptions::default(),
        0,
    )
    .await
    .unwrap();
    let key = s.credentials().get("api_key").unwrap().to_string();
    let args: Vec<String> = [
        "--provider",
        "go4schools",
        "--base-url",
        &s.base_url(),
        "students",
    ]
    .iter()
    .map(|a| a.to_string())
    .collect();

    let out = mis(args.clone(), vec![("MIS_GO4SCHOOLS_API_KEY", key.clone())]).await;
    assert_eq!(out.status.code(), Some(9), "{out:?}");
    let err = one_line(&out);
    assert!(
        err.contains(r#"body shape: {"data": [{"id": <int>"#),
        "{err}"
    );
    assert!(!err.contains("body starts"), "{err}");

    let out = mis(
        args,
        vec![
            ("MIS_GO4SCHOOLS_API_KEY", key),
            ("MIS_DEBUG_BODIES", "1".to_string()),
        ],
    )
    .await;
    assert_eq!(out.status.code(), Some(9), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 2, "{err}");
    assert!(lines[0].contains("MIS_DEBUG_BODIES is on"), "{err}");
    assert!(lines[0].contains("personal data"), "{err}");
    assert!(
        lines[1].contains(r#"body starts: {"data": [{"id": 1,, }"#),
        "{err}"
    );
}
