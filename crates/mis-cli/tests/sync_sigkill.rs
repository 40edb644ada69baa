//! `mis sync` survives SIGKILL: the `mis` process is killed half-way through an 80-student
//! HUBmis school, and the next `mis sync` run re-reads only what was not yet committed, then
//! leaves the same database as a run that was never interrupted.

mod sync_support;

use std::collections::BTreeMap;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use mis_sandbox::{Sandbox, School};
use sync_support::{sqlite_data, start, temp_path};

fn write_config(sandbox: &Sandbox, name: &str) -> std::path::PathBuf {
    let path = temp_path(name);
    std::fs::write(
        &path,
        format!(
            r#"
from = "2024-09-02"
to = "2024-09-13"

[[school]]
name = "Ash"
provider = "hubmis"
base_url = "{}"
quota = "12/0.06"
credentials = {{ client_id = "ASH_CLIENT_ID", client_secret = "ASH_CLIENT_SECRET", realm = "ASH_REALM" }}
"#,
            sandbox.base_url()
        ),
    )
    .unwrap();
    path
}

fn mis(config: &std::path::Path, db: &std::path::Path, env: &BTreeMap<String, String>) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_mis"));
    c.arg("sync")
        .arg("--config")
        .arg(config)
        .arg("--out")
        .arg(format!("sqlite:{}", db.display()))
        .env_remove("MIS_PROVIDER")
        .env_remove("RUST_LOG")
        .envs(env)
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    c
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sync_killed_with_sigkill_resumes_where_it_stopped() {
    // 80 students: ample units on either side of the kill (200 took 14 s, debug-build CPU).
    let school = Arc::new(School::generate(81, 80));
    let mut env = BTreeMap::new();
    let sandbox = start(
        &mis_sandbox::emulator::hubmis::EMULATOR,
        school,
        "ASH",
        &mut env,
    )
    .await;
    let config = write_config(&sandbox, "sigkill.toml");

    // An uninterrupted run: the full cost, and the database to compare with.
    let full_db = temp_path("sigkill-full.sqlite");
    let before = sandbox.stats().requests();
    let (c, d, e) = (config.clone(), full_db.clone(), env.clone());
    let out = tokio::task::spawn_blocking(move || mis(&c, &d, &e).output().unwrap())
        .await
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let full = sandbox.stats().requests() - before;

    // The same sync, SIGKILLed once about half its requests have been answered.
    let db = temp_path("sigkill.sqlite");
    let before = sandbox.stats().requests();
    let mut child = mis(&config, &db, &env).spawn().unwrap();
    while sandbox.stats().requests() - before < full / 2 {
        assert!(
            child.try_wait().unwrap().is_none(),
            "the sync ended before it was killed"
        );
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    child.kill().unwrap(); // SIGKILL: no destructor, no rollback, no goodbye.
    let status = child.wait().unwrap();
    assert!(!status.success());
    let first_part = sandbox.stats().requests() - before;

    // The rerun resumes: only the unfinished part (plus sign-in and reference reads).
    let before = sandbox.stats().requests();
    let (c, d, e) = (config.clone(), db.clone(), env.clone());
    let out = tokio::task::spawn_blocking(move || mis(&c, &d, &e).output().unwrap())
        .await
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let resumed = sandbox.stats().requests() - before;
    println!(
        "HUBmis, 80 students: full run {full} requests; killed after {first_part}; the rerun \
         made {resumed}"
    );
    // Slack: sign-in (tokens expire within seconds at this time scale), the reference reads,
    // and the one unit in flight when the process died.
    assert!(
        resumed <= full - first_part + 30,
        "the rerun re-fetched finished work: full {full}, killed after {first_part}, rerun \
         {resumed}"
    );
    assert_eq!(
        sqlite_data(&db),
        sqlite_data(&full_db),
        "same data as an uninterrupted run"
    );
    for p in [&db, &full_db, &config] {
        let _ = std::fs::remove_file(p);
    }
}
