//! `mis demo`, `mis sync` (SQLite and a real PostgreSQL) and `mis attendance-summary`
//! against the emulators.

use std::collections::BTreeMap;
use std::process::Command;
use std::sync::Arc;

use mis_cli::store;
use mis_cli::sync::{SyncConfig, sync};
use mis_sandbox::{EmulatorOptions, FaultPlan, Sandbox, School};

mod sync_support;
use sync_support::{Postgres, temp_path};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_reads_all_five_vendors_and_writes_sqlite() {
    let db = temp_path("demo.sqlite");
    let mut out = Vec::new();
    let rows = mis_cli::demo::run(
        &mis_cli::Registry::builtin(),
        &mut out,
        db.to_str().unwrap(),
        20,
    )
    .await
    .expect("the demo runs");
    let providers: Vec<&str> = rows.iter().map(|r| r.provider.as_str()).collect();
    assert_eq!(
        providers,
        [
            "classcharts",
            "go4schools",
            "hubmis",
            "classe365",
            "managebac"
        ]
    );
    for r in &rows {
        assert!(r.students > 0 && r.marks > 0, "{r:?}");
        assert_eq!(r.unmapped, 0, "{r:?}");
        // The marks column is the sum of the category columns (it once counted lesson marks
        // the categories left out: 2,520 against 720).
        assert_eq!(
            r.marks,
            r.present
                + r.aea
                + r.authorised
                + r.unauthorised
                + r.not_counted
                + r.no_mark
                + r.unmapped,
            "{r:?}"
        );
        assert!(r.present > 0, "{r:?}");
    }
    // Classe365 has no timetable or behaviour: blank, not zero.
    assert_eq!(rows[3].lessons, None);
    assert!(
        rows.iter()
            .filter(|r| r.provider != "classe365")
            .all(|r| r.lessons > Some(0))
    );
    let text = String::from_utf8(out).unwrap();
    assert!(text.contains("attendance_pct"), "{text}");
    let mut db_store = store::open(&format!("sqlite:{}", db.display()))
        .await
        .unwrap();
    assert_eq!(db_store.count("schools").await.unwrap(), 5);
    let marks: usize = rows
        .iter()
        .map(|r| (r.marks + r.other_marks) as usize)
        .sum();
    assert_eq!(
        db_store.count("attendance_marks").await.unwrap() as usize,
        marks
    );
    let _ = std::fs::remove_file(&db);
}

/// Three emulated schools on three vendors, and the environment naming their credentials.
struct Trust {
    sandboxes: Vec<Sandbox>,
    env: BTreeMap<String, String>,
}

async fn trust() -> Trust {
    let mut sandboxes = Vec::new();
    let mut env = BTreeMap::new();
    for (i, emulator) in [
        &mis_sandbox::emulator::go4schools::EMULATOR,
        &mis_sandbox::emulator::hubmis::EMULATOR,
        &mis_sandbox::emulator::classe365::EMULATOR,
    ]
    .into_iter()
    .enumerate()
    {
        let school = Arc::new(School::generate(50 + i as u64, 15));
        let options = EmulatorOptions {
            time_scale: 0.002,
            ..EmulatorOptions::default()
        };
        let s = Sandbox::start_with(emulator, school, FaultPlan::none(), options, 0)
            .await
            .unwrap();
        for (name, value) in &s.credentials().0 {
            env.insert(
                format!("SCHOOL{i}_{}", name.to_ascii_uppercase()),
                value.clone(),
            );
        }
        sandboxes.push(s);
    }
    Trust { sandboxes, env }
}

/// The trust's config: one week (what these tests check does not need more, and each sync's
/// GO 4 Schools reads are paced by its client's gate, 10 requests a second, which a sync
/// config cannot change).
fn config(t: &Trust, g4s_key_var: &str) -> SyncConfig {
    let text = format!(
        r#"
from = "2024-09-02"
to = "2024-09-06"

[[school]]
name = "Oak"
provider = "go4schools"
base_url = "{}"
credentials = {{ api_key = "{g4s_key_var}" }}

[[school]]
name = "Ash"
provider = "hubmis"
base_url = "{}"
credentials = {{ client_id = "SCHOOL1_CLIENT_ID", client_secret = "SCHOOL1_CLIENT_SECRET", realm = "SCHOOL1_REALM", quota = "HUBMIS_QUOTA" }}

[[school]]
name = "Elm"
provider = "classe365"
base_url = "{}"
credentials = {{ subdomain = "SCHOOL2_SUBDOMAIN", api_key = "SCHOOL2_API_KEY" }}
"#,
        t.sandboxes[0].base_url(),
        t.sandboxes[1].base_url(),
        t.sandboxes[2].base_url()
    );
    SyncConfig::parse(&text).unwrap()
}

async fn counts(url: &str) -> Vec<i64> {
    let mut s = store::open(url).await.unwrap();
    let mut out = Vec::new();
    for t in store::TABLES {
        if t != "sync_runs" {
            out.push(s.count(t).await.unwrap());
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_twice_gives_the_same_rows_and_one_bad_school_does_not_stop_the_others() {
    let t = trust().await;
    let mut env = t.env.clone();
    // HUBmis's quota is scaled with its emulator's window.
    env.insert("HUBMIS_QUOTA".into(), "12/0.12".into());
    let lookup = |name: &str| env.get(name).cloned();
    let db = temp_path("sync.sqlite");
    let url = format!("sqlite:{}", db.display());

    let cfg = config(&t, "SCHOOL0_API_KEY");
    let report = sync(&cfg, &url, &lookup).await.unwrap();
    assert_eq!(report.failed(), 0, "{:?}", report.rows());
    assert!(
        report.schools.iter().all(|s| {
            s.entity("students").unwrap().rows_written > 0
                && s.entity("attendance").unwrap().rows_written > 0
        }),
        "{:?}",
        report.rows()
    );
    let first = counts(&url).await;
    sync(&cfg, &url, &lookup).await.unwrap();
    assert_eq!(
        counts(&url).await,
        first,
        "a re-run must not duplicate rows"
    );

    // Oak's key now names a variable holding a wrong key: the emulator answers 401.
    env.insert("WRONG_KEY".into(), "not-the-key".into());
    let lookup = |name: &str| env.get(name).cloned();
    let db2 = temp_path("sync-401.sqlite");
    let url2 = format!("sqlite:{}", db2.display());
    let report = sync(&config(&t, "WRONG_KEY"), &url2, &lookup)
        .await
        .unwrap();
    let status: Vec<(&str, &str)> = report
        .schools
        .iter()
        .map(|r| (r.school.as_str(), r.status.as_str()))
        .collect();
    assert_eq!(status, [("Oak", "failed"), ("Ash", "ok"), ("Elm", "ok")]);
    let err = report.schools[0].error.as_deref().unwrap();
    assert!(
        !err.contains("not-the-key"),
        "no secret in the report: {err}"
    );
    let mut s = store::open(&url2).await.unwrap();
    assert!(s.count("students").await.unwrap() > 0);
    let _ = std::fs::remove_file(&db);
    let _ = std::fs::remove_file(&db2);
}

#[test]
fn a_config_holding_a_secret_is_rejected() {
    let e = SyncConfig::parse(
        r#"
from = "2024-09-02"
to = "2024-09-13"
[[school]]
name = "Oak"
provider = "go4schools"
credentials = { api_key = "sk_live_9f8e7d6c5b4a" }
"#,
    )
    .unwrap_err();
    assert!(e.to_string().contains("environment variable"), "{e}");
    assert!(!e.to_string().contains("sk_live"), "{e}");
    let e = SyncConfig::parse("[[school]]\nname = 1\npassword = \"hunter2\"").unwrap_err();
    assert!(!e.to_string().contains("hunter2"), "{e}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_into_a_real_postgresql() {
    // The server starts (initdb takes a second) while the emulators start and the SQLite
    // sync the PostgreSQL one is compared with runs.
    let pg = tokio::task::spawn_blocking(Postgres::start);
    let t = trust().await;
    let mut env = t.env.clone();
    env.insert("HUBMIS_QUOTA".into(), "12/0.12".into());
    let lookup = |name: &str| env.get(name).cloned();
    let cfg = config(&t, "SCHOOL0_API_KEY");
    let db = temp_path("pg-compare.sqlite");
    let sqlite = format!("sqlite:{}", db.display());
    sync(&cfg, &sqlite, &lookup).await.unwrap();
    let Some(pg) = pg.await.unwrap() else {
        println!(
            "SKIPPED: no PostgreSQL initdb/pg_ctl found (or they would not start); the PostgreSQL path was not tested"
        );
        let _ = std::fs::remove_file(&db);
        return;
    };
    let url = format!("postgres://mis@127.0.0.1:{}/postgres", pg.port);
    let report = sync(&cfg, &url, &lookup).await.unwrap();
    assert_eq!(report.failed(), 0, "{:?}", report.rows());
    let first = counts(&url).await;
    assert!(first.iter().all(|c| *c > 0), "{first:?}");
    sync(&cfg, &url, &lookup).await.unwrap();
    assert_eq!(
        counts(&url).await,
        first,
        "a re-run must not duplicate rows"
    );
    // The same rows as SQLite got from the same schools.
    assert_eq!(counts(&sqlite).await, first);
    let _ = std::fs::remove_file(&db);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn attendance_summary_totals_equal_the_schools_own_statistics() {
    let school = Arc::new(School::generate(9, 25));
    // The emulator's clock at a thousandth of real time, and the client given the
    // emulator's quota scaled the same way instead of its default 10 requests a second: the
    // totals are the subject, not the gate.
    let time_scale = 0.001;
    let options = EmulatorOptions {
        time_scale,
        ..EmulatorOptions::default()
    };
    let quota = {
        use mis_sandbox::emulator::go4schools::{QUOTA_LIMIT, QUOTA_WINDOW};
        format!("{QUOTA_LIMIT}/{}", QUOTA_WINDOW.as_secs_f64() * time_scale)
    };
    let sandbox = Sandbox::start_with(
        &mis_sandbox::emulator::go4schools::EMULATOR,
        school.clone(),
        FaultPlan::none(),
        options,
        0,
    )
    .await
    .unwrap();
    let key = sandbox.credentials().get("api_key").unwrap().to_owned();
    let base = sandbox.base_url();
    let out = tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_mis"))
            .args([
                "--provider",
                "go4schools",
                "--base-url",
                &base,
                "--format",
                "json",
                "attendance-summary",
                "--from",
                "2024-09-02",
                "--to",
                "2024-09-13",
            ])
            .env_remove("RUST_LOG")
            .env("MIS_GO4SCHOOLS_API_KEY", key)
            .env("MIS_GO4SCHOOLS_QUOTA", quota)
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    let total = rows.last().unwrap();
    assert!(
        total["student_id"].is_null(),
        "the last row is the school total"
    );

    let range = mis_core::DateRange::parse("2024-09-02", "2024-09-13").unwrap();
    let marks: Vec<_> = school
        .session_marks
        .iter()
        .filter(|m| range.contains(m.date))
        .cloned()
        .collect();
    let (_, want) = mis_core::stats::summarise_by_student(&marks);
    for field in [
        "possible",
        "present",
        "approved_educational_activity",
        "authorised_absence",
        "unauthorised_absence",
        "not_counted",
        "no_mark",
        "late",
        "persistent_absentees",
        "severe_absentees",
    ] {
        let want = serde_json::to_value(&want).unwrap()[field].clone();
        assert_eq!(total[field], want, "{field}");
    }
    assert_eq!(rows.len(), want.students as usize + 1);
}
