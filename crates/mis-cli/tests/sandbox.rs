//! `mis sandbox` starts an emulator in the foreground and prints what a client needs.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

/// Reads the printed `export NAME=value` lines until `want` are all there.
fn read_env(
    child: &mut std::process::Child,
    want: &[&str],
) -> std::collections::BTreeMap<String, String> {
    let stdout = child.stdout.take().expect("piped stdout");
    let mut env = std::collections::BTreeMap::new();
    for line in BufReader::new(stdout).lines() {
        let line = line.expect("stdout line");
        if let Some((name, value)) = line.strip_prefix("export ").and_then(|l| l.split_once('=')) {
            env.insert(name.to_string(), value.to_string());
        }
        if want.iter().all(|w| env.contains_key(*w)) {
            break;
        }
    }
    env
}

#[test]
fn hubmis_sandbox_serves_students_to_the_printed_credentials() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_mis"))
        .args(["--provider", "hubmis", "sandbox", "--port", "0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("mis starts");
    let env = read_env(
        &mut child,
        &[
            "MIS_HUBMIS_BASE_URL",
            "MIS_HUBMIS_CLIENT_ID",
            "MIS_HUBMIS_CLIENT_SECRET",
            "MIS_HUBMIS_REALM",
        ],
    );
    let base = &env["MIS_HUBMIS_BASE_URL"];
    assert!(base.starts_with("http://127.0.0.1:"), "{base}");

    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let students: serde_json::Value = rt.block_on(async {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(20))
            .build()
            .unwrap();
        let token: serde_json::Value = http
            .post(format!("{base}/api/v1/token"))
            .form(&[
                ("grant_type", "client_credentials"),
                ("client_id", env["MIS_HUBMIS_CLIENT_ID"].as_str()),
                ("client_secret", env["MIS_HUBMIS_CLIENT_SECRET"].as_str()),
            ])
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let access = token["access_token"]
            .as_str()
            .expect("access_token")
            .to_string();
        http.get(format!("{base}/api/v1/students"))
            .bearer_auth(access)
            .header("Realm", env["MIS_HUBMIS_REALM"].as_str())
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    });
    let _ = child.kill();
    let _ = child.wait();
    let list = students.as_array().expect("a bare array of students");
    assert!(!list.is_empty(), "{students}");
}

#[test]
fn sandbox_needs_a_provider() {
    let out = Command::new(env!("CARGO_BIN_EXE_mis"))
        .args(["sandbox", "--port", "0"])
        .env_remove("MIS_PROVIDER")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("--provider"), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
}
