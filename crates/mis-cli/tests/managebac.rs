//! `mis --provider managebac` end to end against the ManageBac emulator: the built binary, a
//! real loopback server, dated lessons on stdout as JSON lines.

use std::process::{Command, Output};
use std::sync::Arc;

use mis_sandbox::{EmulatorOptions, FaultPlan, Sandbox, School};

/// The emulator runs its clock at a thousandth of real time, so its quota (10 requests a
/// second per client) is 10 a millisecond: the client is given that quota
/// ([`quota`]) instead of its default 10 a second, which paced these tests' reads over 6 s.
async fn emulator() -> (Sandbox, Arc<School>, String) {
    let school = Arc::new(School::generate(5, 30));
    let options = EmulatorOptions {
        time_scale: 0.001,
        ..EmulatorOptions::default()
    };
    let sandbox = Sandbox::start_with(
        &mis_sandbox::emulator::managebac::EMULATOR,
        school.clone(),
        FaultPlan::none(),
        options,
        0,
    )
    .await
    .expect("the ManageBac emulator starts");
    let token = sandbox.credentials().get("token").unwrap().to_owned();
    (sandbox, school, token)
}

/// The emulator's quota, scaled with its clock, as `MIS_MANAGEBAC_QUOTA` (its settings).
fn quota(sandbox: &Sandbox) -> String {
    sandbox
        .settings()
        .iter()
        .find(|(name, _)| name == "MIS_MANAGEBAC_QUOTA")
        .map(|(_, value)| value.clone())
        .expect("the emulator names its quota")
}

/// The school's bell times as `MIS_MANAGEBAC_PERIOD_TIMES` (ManageBac's API has none).
fn bell_times(school: &School) -> String {
    school
        .periods
        .iter()
        .map(|p| {
            format!(
                "{}={}-{}",
                p.id,
                p.start.strftime("%H:%M"),
                p.end.strftime("%H:%M")
            )
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// Runs `mis` off the async runtime, so the emulator keeps serving meanwhile.
async fn mis(args: &[&str], env: &[(&str, String)]) -> Output {
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    let env: Vec<(String, String)> = env
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect();
    tokio::task::spawn_blocking(move || {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_mis"));
        cmd.args(&args)
            .env_remove("MIS_PROVIDER")
            .env_remove("RUST_LOG")
            .env_remove("MIS_MANAGEBAC_TOKEN")
            .env_remove("MIS_MANAGEBAC_BASE_URL")
            .env_remove("MIS_MANAGEBAC_PERIOD_TIMES")
            .env_remove("MIS_MANAGEBAC_QUOTA")
            .env_remove("MIS_MANAGEBAC_TIME_ZONE");
        for (k, v) in env {
            cmd.env(k, v);
        }
        cmd.output().expect("the mis binary runs")
    })
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn timetable_prints_dated_lessons_as_jsonl() {
    let (sandbox, school, token) = emulator().await;
    let args = [
        "--provider",
        "managebac",
        "timetable",
        "--from",
        "2024-09-09",
        "--to",
        "2024-09-13",
        "--format",
        "jsonl",
    ];
    let out = mis(
        &args,
        &[
            ("MIS_MANAGEBAC_TOKEN", token.clone()),
            ("MIS_MANAGEBAC_BASE_URL", sandbox.base_url()),
            ("MIS_MANAGEBAC_PERIOD_TIMES", bell_times(&school)),
            ("MIS_MANAGEBAC_QUOTA", quota(&sandbox)),
            // The emulator's standard school record carries no time zone: a school sets it,
            // else every read warns that times were placed in Europe/London (exit code 10).
            ("MIS_MANAGEBAC_TIME_ZONE", school.time_zone.clone()),
        ],
    )
    .await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    let lessons: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let want = school.lessons_between(
        jiff::civil::date(2024, 9, 9),
        jiff::civil::date(2024, 9, 13),
    );
    assert_eq!(lessons.len(), want.len());
    for l in &lessons {
        assert_eq!(l["provider"], "managebac");
        let date = l["date"].as_str().unwrap();
        assert!(("2024-09-09"..="2024-09-13").contains(&date), "{l}");
        assert!(l["start"].as_str().unwrap().starts_with(date), "{l}");
        assert!(l["group"].is_string() && l["subject"].is_string(), "{l}");
    }
    assert!(!stdout.contains(&token));

    // Without bell times: one clear line naming the variable, nothing on stdout.
    let out = mis(
        &args,
        &[
            ("MIS_MANAGEBAC_TOKEN", token.clone()),
            ("MIS_MANAGEBAC_BASE_URL", sandbox.base_url()),
        ],
    )
    .await;
    assert!(!out.status.success());
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(stderr.contains("MIS_MANAGEBAC_PERIOD_TIMES"), "{stderr}");
    assert!(!stderr.contains(&token));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_token_names_the_variable() {
    let out = mis(&["--provider", "managebac", "students"], &[]).await;
    assert!(!out.status.success());
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("MIS_MANAGEBAC_TOKEN"), "{stderr}");
}
