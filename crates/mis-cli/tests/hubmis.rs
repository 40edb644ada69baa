//! `mis --provider hubmis` end to end against the HUBmis emulator: the built binary, a real
//! loopback server with the vendor's quota (windows scaled down, and the client's quota
//! scaled to match through `MIS_HUBMIS_QUOTA`), the model's field names on stdout.

use std::collections::BTreeSet;
use std::process::{Command, Output};
use std::sync::Arc;

use mis_core::EnrolmentStatus;
use mis_sandbox::{EmulatorOptions, FaultPlan, RecordFaults, Sandbox, School, Stats};

/// The emulator's 60 s window at 1/100, and the client told the same: 12 per 0.6 s.
const SCALE: f64 = 0.01;
const QUOTA: &str = "12/0.6";

async fn emulator() -> (Sandbox, Arc<School>) {
    emulator_with(FaultPlan::none()).await
}

async fn emulator_with(faults: FaultPlan) -> (Sandbox, Arc<School>) {
    let school = Arc::new(School::generate(6, 20));
    let sandbox = Sandbox::start_with(
        &mis_sandbox::emulator::hubmis::EMULATOR,
        school.clone(),
        faults,
        EmulatorOptions {
            time_scale: SCALE,
            ..EmulatorOptions::default()
        },
        0,
    )
    .await
    .expect("the HUBmis emulator starts");
    (sandbox, school)
}

/// Runs `mis` off the async runtime (so the emulator keeps serving) with the sandbox's
/// credentials, the client secret replaced by `secret`.
///
/// `RUST_LOG=error`: at the binary's default level (`warn`) mis-http's trace layer also logs
/// each failed request (the token request and the call that needed it) as a `WARN` line on
/// stderr, before the one `mis: …` line; that is a mis-http / mis-cli logging choice, not
/// this provider's, and is left to them.
async fn mis(args: &[&str], sandbox: &Sandbox, secret: &str) -> Output {
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    let creds = sandbox.credentials();
    let env = [
        ("MIS_HUBMIS_BASE_URL", sandbox.base_url()),
        (
            "MIS_HUBMIS_CLIENT_ID",
            creds.get("client_id").unwrap().to_owned(),
        ),
        ("MIS_HUBMIS_CLIENT_SECRET", secret.to_owned()),
        ("MIS_HUBMIS_REALM", creds.get("realm").unwrap().to_owned()),
        ("MIS_HUBMIS_QUOTA", QUOTA.to_owned()),
    ];
    tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_mis"))
            .args(&args)
            .env_remove("MIS_PROVIDER")
            .env("RUST_LOG", "error")
            .envs(env)
            .output()
            .expect("the mis binary runs")
    })
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn students_as_json_are_the_schools_students() {
    let (sandbox, school) = emulator().await;
    let secret = sandbox
        .credentials()
        .get("client_secret")
        .unwrap()
        .to_owned();
    let out = mis(
        &["--provider", "hubmis", "students", "--format", "json"],
        &sandbox,
        &secret,
    )
    .await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    let records: Vec<serde_json::Value> = serde_json::from_str(&stdout).unwrap();
    let got: BTreeSet<String> = records
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect();
    // `mis students` lists the students on roll.
    let want: BTreeSet<String> = school
        .students
        .iter()
        .filter(|s| s.enrolment_status != Some(EnrolmentStatus::Leaver))
        .map(|s| s.id.clone())
        .collect();
    assert_eq!(got, want);
    for r in &records {
        assert_eq!(r["provider"], "hubmis");
        let student = school.student(r["id"].as_str().unwrap()).unwrap();
        assert_eq!(r["last_name"], student.last_name.as_str());
        assert_eq!(
            r["identifiers"]
                .as_array()
                .unwrap()
                .iter()
                .find(|i| i["kind"] == "upn")
                .map(|i| i["value"].clone()),
            student.upn().map(serde_json::Value::from),
            "the UPN comes from the enrolment record"
        );
    }
    assert!(!stdout.contains(&secret));
    assert_eq!(
        Stats::get(&sandbox.stats().throttled),
        0,
        "the client kept to the quota"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_secret_is_one_line_saying_authentication_failed() {
    let (sandbox, _school) = emulator().await;
    let real = sandbox
        .credentials()
        .get("client_secret")
        .unwrap()
        .to_owned();
    let wrong = "wrong-s3cr3t-4b1d";
    let out = mis(&["--provider", "hubmis", "students"], &sandbox, wrong).await;
    assert_eq!(out.status.code(), Some(4), "{out:?}");
    assert!(out.stdout.is_empty(), "{out:?}");
    let stderr = String::from_utf8(out.stderr).unwrap();
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 1, "{stderr}");
    assert!(lines[0].starts_with("mis: "), "{stderr}");
    assert!(lines[0].contains("authentication failed"), "{stderr}");
    assert!(
        !stderr.contains(wrong) && !stderr.contains(&real),
        "{stderr}"
    );
}

/// One student's enrolment record answers 404: every student is still listed (that one
/// without a UPN), stderr says so in one warning line, and the exit code says "completed with
/// warnings" (10); `--strict` makes the same fault the not-found error it is (6).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_enrolment_record_costs_that_students_upn_not_the_list() {
    let plan = FaultPlan {
        records: RecordFaults {
            missing_subresource: true,
            ..RecordFaults::default()
        },
        ..FaultPlan::none()
    };
    let (sandbox, school) = emulator_with(plan).await;
    let secret = sandbox
        .credentials()
        .get("client_secret")
        .unwrap()
        .to_owned();
    let target = &school.students[RecordFaults::MISSING_STUDENT];
    let out = mis(
        &["--provider", "hubmis", "students", "--format", "json"],
        &sandbox,
        &secret,
    )
    .await;
    let stderr = String::from_utf8(out.stderr.clone()).unwrap();
    assert_eq!(out.status.code(), Some(10), "{stderr}");
    let records: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    let on_roll = school
        .students
        .iter()
        .filter(|s| s.enrolment_status != Some(EnrolmentStatus::Leaver))
        .count();
    assert_eq!(records.len(), on_roll, "every student is listed");
    let listed = records
        .iter()
        .find(|r| r["id"] == target.id.as_str())
        .expect("the student whose enrolment is missing is still listed");
    assert!(
        !listed["identifiers"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["kind"] == "upn"),
        "listed without a UPN: {listed}"
    );
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 1, "{stderr}");
    assert!(lines[0].starts_with("mis: warning: hubmis "), "{stderr}");
    assert!(lines[0].contains("without UPN"), "{stderr}");
    assert!(lines[0].contains(&target.id), "names the student: {stderr}");
    assert!(
        !stderr.contains(&target.last_name),
        "no pupil data: {stderr}"
    );

    let out = mis(
        &["--provider", "hubmis", "--strict", "students"],
        &sandbox,
        &secret,
    )
    .await;
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(6), "not found: {stderr}");
    assert!(
        stderr.lines().last().unwrap().starts_with("mis: "),
        "{stderr}"
    );
}
