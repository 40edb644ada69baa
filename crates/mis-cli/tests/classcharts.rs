//! `mis --provider classcharts` end to end against the ClassCharts emulator: the built binary,
//! a real loopback server, a student login and a parent login from the environment, the
//! model's field names on stdout.

use std::collections::BTreeMap;
use std::process::{Command, Output};
use std::sync::Arc;

use mis_sandbox::{EmulatorOptions, FaultPlan, Sandbox, School};

async fn emulator() -> (Sandbox, Arc<School>) {
    let school = Arc::new(School::generate(11, 30));
    let sandbox = Sandbox::start_with(
        &mis_sandbox::emulator::classcharts::EMULATOR,
        school.clone(),
        FaultPlan::none(),
        EmulatorOptions::default(),
        0,
    )
    .await
    .expect("the ClassCharts emulator starts");
    (sandbox, school)
}

/// Runs `mis` off the async runtime, so the emulator keeps serving meanwhile.
async fn mis(args: &[&str], env: &[(&str, &str)]) -> Output {
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    let env: Vec<(String, String)> = env
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    tokio::task::spawn_blocking(move || {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_mis"));
        cmd.args(&args)
            .env_remove("MIS_PROVIDER")
            .env_remove("RUST_LOG");
        for var in [
            "CODE",
            "DOB",
            "EMAIL",
            "PASSWORD",
            "PUPIL",
            "LOGIN_STYLE",
            "BASE_URL",
        ] {
            cmd.env_remove(format!("MIS_CLASSCHARTS_{var}"));
        }
        cmd.envs(env).output().expect("the mis binary runs")
    })
    .await
    .unwrap()
}

/// The first two school weeks with lesson marks, as `--from` / `--to`.
fn window(school: &School) -> (String, String) {
    let first = school
        .lesson_mark_range
        .or(school.attendance_range)
        .unwrap()
        .from();
    let last = first.checked_add(jiff::Span::new().days(11)).unwrap();
    (first.to_string(), last.to_string())
}

fn records(out: &Output) -> Vec<serde_json::Value> {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("one JSON array");
    v.as_array().expect("an array").clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn attendance_as_json_with_categories_for_a_student_login() {
    let (sandbox, school) = emulator().await;
    let base = sandbox.base_url();
    let creds = sandbox.credentials();
    let (from, to) = window(&school);
    let out = mis(
        &[
            "--provider",
            "classcharts",
            "attendance",
            "--from",
            &from,
            "--to",
            &to,
            "--format",
            "json",
        ],
        &[
            ("MIS_CLASSCHARTS_BASE_URL", &base),
            ("MIS_CLASSCHARTS_CODE", creds.get("code").unwrap()),
            // The web form's date order works too.
            ("MIS_CLASSCHARTS_DOB", creds.get("dob").unwrap()),
        ],
    )
    .await;
    let marks = records(&out);
    assert!(!marks.is_empty());
    let student = marks[0]["student_id"].as_str().unwrap().to_owned();
    // Every mark is the pupil's, with the model's names and a category the School agrees with.
    let want: BTreeMap<(String, String, String), &mis_core::AttendanceMark> = school
        .session_marks
        .iter()
        .chain(&school.lesson_marks)
        .filter(|m| m.student_id == student)
        .map(|m| {
            let slot = match m.session {
                Some(s) => s.as_str().to_owned(),
                None => m.period.clone().unwrap_or_default(),
            };
            ((m.date.to_string(), slot, m.code.clone()), m)
        })
        .collect();
    let mut sessions = 0;
    for m in &marks {
        for field in [
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
        ] {
            assert!(m.get(field).is_some(), "{field} missing in {m}");
        }
        assert_eq!(m["provider"], "classcharts");
        assert_eq!(m["student_id"], student.as_str());
        let slot = m["session"]
            .as_str()
            .or(m["period"].as_str())
            .unwrap()
            .to_owned();
        let key = (
            m["date"].as_str().unwrap().to_owned(),
            slot,
            m["code"].as_str().unwrap().to_owned(),
        );
        let school_mark = want
            .get(&key)
            .unwrap_or_else(|| panic!("{m} not in the school"));
        assert_eq!(m["category"], school_mark.category.as_str(), "{m}");
        sessions += usize::from(m["slot"] == "session");
    }
    assert!(sessions > 0, "session marks are there");
    assert!(
        marks.iter().any(|m| m["slot"] == "lesson"),
        "lesson marks are there"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_parent_login_lists_both_pupils_and_student_picks_one() {
    let (sandbox, school) = emulator().await;
    let base = sandbox.base_url();
    let creds = sandbox.credentials();
    let env = [
        ("MIS_CLASSCHARTS_BASE_URL", base.as_str()),
        ("MIS_CLASSCHARTS_EMAIL", creds.get("email").unwrap()),
        ("MIS_CLASSCHARTS_PASSWORD", creds.get("password").unwrap()),
        ("MIS_CLASSCHARTS_LOGIN_STYLE", "web"),
    ];
    let out = mis(
        &["--provider", "classcharts", "students", "--format", "json"],
        &env,
    )
    .await;
    let pupils = records(&out);
    let ids: Vec<&str> = pupils.iter().map(|p| p["id"].as_str().unwrap()).collect();
    let want: Vec<&str> = creds.get("parent_pupil_ids").unwrap().split(',').collect();
    assert_eq!(ids, want);

    let (from, to) = window(&school);
    let out = mis(
        &[
            "--provider",
            "classcharts",
            "attendance",
            "--from",
            &from,
            "--to",
            &to,
            "--student",
            want[1],
            "--format",
            "json",
        ],
        &env,
    )
    .await;
    let marks = records(&out);
    assert!(!marks.is_empty());
    assert!(marks.iter().all(|m| m["student_id"] == want[1]));

    // A pupil that is not the parent's is a clear error on stderr, not an empty list.
    let out = mis(
        &[
            "--provider",
            "classcharts",
            "attendance",
            "--from",
            &from,
            "--to",
            &to,
            "--student",
            "999999",
        ],
        &env,
    )
    .await;
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("999999") && err.contains(want[0]), "{err}");
    assert!(!err.contains(creds.get("password").unwrap()), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_credentials_name_the_variables() {
    let out = mis(&["--provider", "classcharts", "students"], &[]).await;
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    for var in ["MIS_CLASSCHARTS_CODE", "MIS_CLASSCHARTS_EMAIL"] {
        assert!(err.contains(var), "{err}");
    }
    let out = mis(
        &["--provider", "classcharts", "students"],
        &[("MIS_CLASSCHARTS_EMAIL", "parent@example.com")],
    )
    .await;
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("MIS_CLASSCHARTS_PASSWORD"), "{err}");
}
