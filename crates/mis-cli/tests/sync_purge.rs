//! `mis sync purge --school NAME --out URL` deletes everything stored about one school, and
//! nothing about the others.

mod sync_support;

use std::collections::BTreeMap;
use std::process::Command;
use std::sync::Arc;

use mis_cli::sync::{SyncConfig, sync};
use mis_sandbox::School;
use sync_support::{start, temp_path};

fn rows_of(db: &std::path::Path, school: &str) -> i64 {
    let conn = rusqlite::Connection::open(db).unwrap();
    mis_cli::store::PURGED_TABLES
        .iter()
        .map(|t| -> i64 {
            conn.query_row(
                &format!("SELECT COUNT(*) FROM {t} WHERE school = ?1"),
                [school],
                |r| r.get(0),
            )
            .unwrap()
        })
        .sum()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn purge_removes_one_school_only() {
    let mut env = BTreeMap::new();
    let oak = start(
        &mis_sandbox::emulator::go4schools::EMULATOR,
        Arc::new(School::generate(71, 10)),
        "OAK",
        &mut env,
    )
    .await;
    let ash = start(
        &mis_sandbox::emulator::classe365::EMULATOR,
        Arc::new(School::generate(72, 10)),
        "ASH",
        &mut env,
    )
    .await;
    let config = SyncConfig::parse(&format!(
        r#"
from = "2024-09-02"
to = "2024-09-06"

[[school]]
name = "Oak Academy"
provider = "go4schools"
base_url = "{}"
credentials = {{ api_key = "OAK_API_KEY" }}

[[school]]
name = "Ash School"
provider = "classe365"
base_url = "{}"
credentials = {{ subdomain = "ASH_SUBDOMAIN", api_key = "ASH_API_KEY" }}
"#,
        oak.base_url(),
        ash.base_url()
    ))
    .unwrap();
    let db = temp_path("purge.sqlite");
    let lookup = |name: &str| env.get(name).cloned();
    let report = sync(&config, &format!("sqlite:{}", db.display()), &lookup)
        .await
        .unwrap();
    assert_eq!(report.failed(), 0);
    assert!(rows_of(&db, "Oak Academy") > 10 && rows_of(&db, "Ash School") > 10);

    let mis = |school: &str| {
        Command::new(env!("CARGO_BIN_EXE_mis"))
            .args(["sync", "purge", "--school", school, "--out"])
            .arg(format!("sqlite:{}", db.display()))
            .env_remove("MIS_PROVIDER")
            .output()
            .unwrap()
    };
    let out = mis("Oak Academy");
    assert!(out.status.success(), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("attendance_marks"));
    assert_eq!(
        rows_of(&db, "Oak Academy"),
        0,
        "every row of the school is gone"
    );
    assert!(
        rows_of(&db, "Ash School") > 10,
        "the other school is untouched"
    );

    // A name that matches nothing is not a silent success.
    let out = mis("Oak Acadmey");
    assert_eq!(out.status.code(), Some(6), "{out:?}");
    let _ = std::fs::remove_file(&db);
}
