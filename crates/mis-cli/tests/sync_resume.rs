//! `mis sync` resumes: a sync of an 80-student HUBmis school killed half-way continues where
//! it stopped, re-fetching only the unfinished part (plus sign-in and reference reads), and
//! ends with the same database a sync that was never interrupted writes. SQLite and a real
//! PostgreSQL.

mod sync_support;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use mis_cli::store;
use mis_cli::sync::{SyncConfig, SyncOptions, sync_with};
use mis_sandbox::{Sandbox, School, Stats};
use sync_support::{DATA_TABLES, Postgres, sqlite_data, start, temp_path};

/// Enough students for many checkpointed units on either side of the kill (each is a unit of
/// attendance and one of timetable); the run's length is debug-build CPU, about 9 ms a
/// request, so 200 students took 12 s a test.
const STUDENTS: usize = 80;

fn config(sandbox: &Sandbox) -> SyncConfig {
    SyncConfig::parse(&format!(
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
    ))
    .unwrap()
}

fn options() -> SyncOptions {
    SyncOptions {
        today: Some(jiff::civil::date(2024, 9, 13)),
    }
}

/// Requests the emulator answered.
fn requests(s: &Sandbox) -> u64 {
    Stats::get(&s.stats().requests)
}

/// Tokens it issued (one lasts 0.9 s at this time scale, so their number is timing).
fn logins(s: &Sandbox) -> u64 {
    Stats::get(&s.stats().logins)
}

/// Syncs into `url`, killed (the task aborted: only committed checkpoints survive, as after
/// SIGKILL) once the emulator has answered `kill_at` requests.
async fn killed_sync(
    cfg: SyncConfig,
    url: String,
    env: BTreeMap<String, String>,
    sandbox: &Sandbox,
    kill_at: u64,
) {
    let task = tokio::spawn(async move {
        let lookup = |name: &str| env.get(name).cloned();
        let lookup: &(dyn Fn(&str) -> Option<String> + Sync) = &lookup;
        sync_with(&cfg, &url, lookup, &options()).await
    });
    while requests(sandbox) < kill_at {
        assert!(!task.is_finished(), "the sync ended before it was killed");
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    task.abort();
    assert!(task.await.unwrap_err().is_cancelled());
}

async fn progress_units(url: &str) -> BTreeMap<String, i64> {
    let mut s = store::open(url).await.unwrap();
    let rows = s
        .query(
            "SELECT entity, CAST(COUNT(*) AS TEXT) FROM sync_progress GROUP BY entity",
            &[],
        )
        .await
        .unwrap();
    rows.into_iter()
        .map(|r| {
            (
                r[0].clone().unwrap(),
                r[1].clone().unwrap().parse().unwrap(),
            )
        })
        .collect()
}

async fn counts(url: &str) -> Vec<i64> {
    let mut s = store::open(url).await.unwrap();
    let mut out = Vec::new();
    for t in DATA_TABLES {
        out.push(s.count(t).await.unwrap());
    }
    out
}

/// One killed run and its resumption into `url`; returns (requests of the full run,
/// requests of the killed run, requests of the resumed run).
async fn kill_and_resume(
    label: &str,
    url: &str,
    baseline: Option<&std::path::Path>,
) -> (u64, u64, u64) {
    let school = Arc::new(School::generate(77, STUDENTS));
    let mut env = BTreeMap::new();
    let sandbox = start(
        &mis_sandbox::emulator::hubmis::EMULATOR,
        school,
        "ASH",
        &mut env,
    )
    .await;
    let cfg = config(&sandbox);
    let lookup = |name: &str| env.get(name).cloned();

    // The uninterrupted run, for the request count and the rows.
    let full_db = temp_path(&format!("resume-full-{label}.sqlite"));
    let full_url = format!("sqlite:{}", full_db.display());
    let before = requests(&sandbox);
    let logins_before = logins(&sandbox);
    let full = sync_with(&cfg, &full_url, &lookup, &options())
        .await
        .unwrap();
    assert_eq!(full.failed(), 0, "{:?}", full.rows());
    let full_requests = requests(&sandbox) - before;
    let full_logins = logins(&sandbox) - logins_before;
    assert_eq!(
        full.schools[0].requests, full_requests,
        "the report counts every request"
    );

    // Killed half-way.
    let before = requests(&sandbox);
    killed_sync(
        cfg.clone(),
        url.to_string(),
        env.clone(),
        &sandbox,
        before + full_requests / 2,
    )
    .await;
    let killed_requests = requests(&sandbox) - before;
    let done = progress_units(url).await;
    assert!(
        done.get("attendance").copied().unwrap_or(0) > 0,
        "killed after some attendance was checkpointed: {done:?}"
    );

    // Resumed.
    let before = requests(&sandbox);
    let logins_before = logins(&sandbox);
    let resumed = sync_with(&cfg, url, &lookup, &options()).await.unwrap();
    let resumed_requests = requests(&sandbox) - before;
    let resumed_logins = logins(&sandbox) - logins_before;
    let school = &resumed.schools[0];
    assert_eq!(school.status, "ok", "{:?}", resumed.rows());
    assert_eq!(school.mode, "resumed");
    println!(
        "HUBmis {STUDENTS} students: full run {full_requests} requests; killed after \
         {killed_requests}; checkpoints then {done:?}; resumed run {resumed_requests} requests"
    );
    for row in resumed.rows() {
        println!("{row:?}");
    }
    // Nothing finished is fetched again. Per entity: the checkpointed units are skipped
    // and the others done.
    let students = school.entity("students").unwrap();
    assert_eq!(students.units_resumed, 1, "the student list is not re-read");
    assert_eq!(students.units_done, 0);
    for entity in ["attendance", "timetable"] {
        let e = school.entity(entity).unwrap();
        let done = done.get(entity).copied().unwrap_or(0) as u64;
        assert_eq!(e.units_resumed, done, "{entity}");
        assert_eq!(e.units_done + done, STUDENTS as u64, "{entity}");
    }
    // In requests: the plan's requests (every request less the retried ones, 429s and
    // expired tokens, and less the sign-ins, whose number depends on timing) of the resumed
    // run are the full run's less what was checkpointed: the student list (its pages and one
    // enrolment request per student) and one attendance request per checkpointed student.
    // The list's pages (a handful) are saved too; the reference reads made again (regional
    // settings, code book: at most 2) are the only cost.
    let plan =
        |r: &mis_cli::sync::SchoolReport, logins: u64| r.requests - r.requests_failed - logins;
    let full_plan = plan(&full.schools[0], full_logins);
    let resumed_plan = plan(school, resumed_logins);
    let saved = full_plan - resumed_plan;
    let checkpointed = STUDENTS as u64 + done.get("attendance").copied().unwrap_or(0) as u64;
    println!(
        "plan requests: full {full_plan}, resumed {resumed_plan}, saved {saved}, checkpointed \
         requests {checkpointed} (+ list pages)"
    );
    assert!(
        saved + 2 >= checkpointed && saved <= checkpointed + 8,
        "full {full_plan}, resumed {resumed_plan}, checkpointed {checkpointed}"
    );
    // The same database as the uninterrupted run.
    assert_eq!(counts(url).await, counts(&full_url).await);
    if let Some(path) = baseline {
        assert_eq!(sqlite_data(path), sqlite_data(&full_db));
    }
    let _ = std::fs::remove_file(&full_db);
    (full_requests, killed_requests, resumed_requests)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_sync_resumes_where_it_stopped_sqlite() {
    let db = temp_path("resume.sqlite");
    let url = format!("sqlite:{}", db.display());
    kill_and_resume("sqlite", &url, Some(&db)).await;
    let _ = std::fs::remove_file(&db);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_sync_resumes_where_it_stopped_postgresql() {
    let Some(pg) = Postgres::start() else {
        println!(
            "SKIPPED: no PostgreSQL initdb/pg_ctl found (or they would not start); the PostgreSQL path was not tested"
        );
        return;
    };
    let url = format!("postgres://mis@127.0.0.1:{}/postgres", pg.port);
    kill_and_resume("pg", &url, None).await;
}
