//! `mis sync` writes as it reads, safely: a reader holding the SQLite file open does not fail
//! any school; an older database is migrated; a failed school is recorded; per-school
//! settings (ManageBac without bell times; a named variable that is unset).

mod sync_support;

use std::collections::BTreeMap;
use std::sync::Arc;

use mis_cli::store;
use mis_cli::sync::{SyncConfig, sync};
use mis_sandbox::School;
use sync_support::{TIME_SCALE, start, temp_path};

fn school_toml(name: &str, provider: &str, url: &str, credentials: &str, extra: &str) -> String {
    format!(
        "\n[[school]]\nname = \"{name}\"\nprovider = \"{provider}\"\nbase_url = \"{url}\"\n\
         credentials = {{ {credentials} }}\n{extra}\n"
    )
}

const WINDOW: &str = "from = \"2024-09-02\"\nto = \"2024-09-13\"\nconcurrency = 2\n";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reader_holding_the_database_open_does_not_fail_any_school() {
    let mut env = BTreeMap::new();
    let g4s = start(
        &mis_sandbox::emulator::go4schools::EMULATOR,
        Arc::new(School::generate(5, 20)),
        "OAK",
        &mut env,
    )
    .await;
    let c365 = start(
        &mis_sandbox::emulator::classe365::EMULATOR,
        Arc::new(School::generate(6, 20)),
        "ELM",
        &mut env,
    )
    .await;
    let g4s2 = start(
        &mis_sandbox::emulator::go4schools::EMULATOR,
        Arc::new(School::generate(7, 20)),
        "ASH",
        &mut env,
    )
    .await;
    // The three schools written at once (their reads are paced by the GO 4 Schools client's
    // gate, 10 requests a second, which a sync config cannot change: with two at once the
    // second GO 4 Schools school waited for the first).
    let window = WINDOW.replace("concurrency = 2", "concurrency = 3");
    let cfg = SyncConfig::parse(&format!(
        "{window}{}{}{}",
        school_toml(
            "Oak",
            "go4schools",
            &g4s.base_url(),
            "api_key = \"OAK_API_KEY\"",
            ""
        ),
        school_toml(
            "Elm",
            "classe365",
            &c365.base_url(),
            "subdomain = \"ELM_SUBDOMAIN\", api_key = \"ELM_API_KEY\"",
            ""
        ),
        school_toml(
            "Ash",
            "go4schools",
            &g4s2.base_url(),
            "api_key = \"ASH_API_KEY\"",
            ""
        ),
    ))
    .unwrap();
    let db = temp_path("reader.sqlite");
    let url = format!("sqlite:{}", db.display());
    drop(store::open(&url).await.unwrap());

    // A person's query tool: a read transaction open for the whole run.
    let reader = rusqlite::Connection::open(&db).unwrap();
    reader.execute_batch("BEGIN").unwrap();
    let seen: i64 = reader
        .query_row("SELECT COUNT(*) FROM students", [], |r| r.get(0))
        .unwrap();
    assert_eq!(seen, 0);

    let lookup = |name: &str| env.get(name).cloned();
    let report = sync(&cfg, &url, &lookup).await.unwrap();
    assert_eq!(report.failed(), 0, "{:?}", report.rows());
    // The reader still sees its snapshot; after it ends, everything.
    let seen: i64 = reader
        .query_row("SELECT COUNT(*) FROM students", [], |r| r.get(0))
        .unwrap();
    assert_eq!(seen, 0);
    reader.execute_batch("COMMIT").unwrap();
    let seen: i64 = reader
        .query_row(
            "SELECT COUNT(*) FROM sync_runs WHERE status = 'ok'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(seen, 3);
    let _ = std::fs::remove_file(&db);
}

/// The tables today's `main` created (crates/mis-cli/src/store/schema.rs before versioning).
const V1_SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS schools (school TEXT PRIMARY KEY, provider TEXT NOT NULL, tenant TEXT, time_zone TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS students (school TEXT NOT NULL, provider TEXT NOT NULL, id TEXT NOT NULL, first_name TEXT NOT NULL,
    last_name TEXT NOT NULL, preferred_first_name TEXT, date_of_birth TEXT, gender TEXT, year_group TEXT,
    registration_group TEXT, email TEXT, enrolment_status TEXT, upn TEXT, identifiers TEXT NOT NULL,
    PRIMARY KEY (school, provider, id));
CREATE TABLE IF NOT EXISTS attendance_marks (school TEXT NOT NULL, provider TEXT NOT NULL, student_id TEXT NOT NULL,
    date TEXT NOT NULL, slot_key TEXT NOT NULL, slot TEXT NOT NULL, session TEXT, period TEXT, lesson_id TEXT,
    code TEXT NOT NULL, category TEXT NOT NULL, late BIGINT NOT NULL, minutes_late BIGINT, note TEXT,
    PRIMARY KEY (school, provider, student_id, date, slot_key));
CREATE TABLE IF NOT EXISTS lessons (school TEXT NOT NULL, provider TEXT NOT NULL, id TEXT NOT NULL, student_key TEXT NOT NULL,
    date TEXT NOT NULL, start_at TEXT NOT NULL, end_at TEXT NOT NULL, period TEXT, subject TEXT, group_name TEXT,
    teachers TEXT NOT NULL, rooms TEXT NOT NULL, cancelled BIGINT NOT NULL, PRIMARY KEY (school, provider, id, student_key));
CREATE TABLE IF NOT EXISTS behaviour_events (school TEXT NOT NULL, provider TEXT NOT NULL, id TEXT NOT NULL, date TEXT NOT NULL,
    occurred_at TEXT, polarity TEXT NOT NULL, category TEXT, points BIGINT, notes TEXT, author TEXT,
    student_ids TEXT NOT NULL, PRIMARY KEY (school, provider, id));
CREATE TABLE IF NOT EXISTS sync_runs (run_id TEXT NOT NULL, school TEXT NOT NULL, started_at TEXT NOT NULL,
    finished_at TEXT NOT NULL, status TEXT NOT NULL, error TEXT, students BIGINT NOT NULL, marks BIGINT NOT NULL,
    lessons BIGINT NOT NULL, events BIGINT NOT NULL, PRIMARY KEY (run_id, school));
INSERT INTO schools VALUES ('Old', 'go4schools', NULL, 'Europe/London');
INSERT INTO students VALUES ('Old', 'go4schools', '1', 'Ada', 'Lovelace', NULL, '2011-05-04', NULL, '7', NULL, NULL, 'on_roll', NULL, '');
INSERT INTO sync_runs VALUES ('2024-09-01T00:00:00Z', 'Old', '2024-09-01T00:00:00Z', '2024-09-01T00:01:00Z', 'ok', NULL, 1, 0, 0, 0);
";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_from_before_versioning_migrates_and_syncs() {
    let db = temp_path("v1.sqlite");
    rusqlite::Connection::open(&db)
        .unwrap()
        .execute_batch(V1_SCHEMA)
        .unwrap();
    let mut env = BTreeMap::new();
    let g4s = start(
        &mis_sandbox::emulator::go4schools::EMULATOR,
        Arc::new(School::generate(8, 15)),
        "OAK",
        &mut env,
    )
    .await;
    let cfg = SyncConfig::parse(&format!(
        "{WINDOW}{}",
        school_toml(
            "Oak",
            "go4schools",
            &g4s.base_url(),
            "api_key = \"OAK_API_KEY\"",
            ""
        )
    ))
    .unwrap();
    let url = format!("sqlite:{}", db.display());
    let lookup = |name: &str| env.get(name).cloned();
    let report = sync(&cfg, &url, &lookup).await.unwrap();
    assert_eq!(report.failed(), 0, "{:?}", report.rows());
    let conn = rusqlite::Connection::open(&db).unwrap();
    let version: i64 = conn
        .query_row(
            "SELECT MAX(version) FROM refinery_schema_history",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(version, store::SCHEMA_VERSION);
    // The old rows are kept, the new ones written next to them.
    let old: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM students WHERE school = 'Old'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(old, 1);
    let runs: i64 = conn
        .query_row("SELECT COUNT(*) FROM sync_runs", [], |r| r.get(0))
        .unwrap();
    assert_eq!(runs, 2);
    let _ = std::fs::remove_file(&db);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn managebac_without_bell_times_syncs_the_rest_and_unset_variables_are_named() {
    let mut env = BTreeMap::new();
    let mb = start(
        &mis_sandbox::emulator::managebac::EMULATOR,
        Arc::new(School::generate(9, 15)),
        "MB",
        &mut env,
    )
    .await;
    let g4s = start(
        &mis_sandbox::emulator::go4schools::EMULATOR,
        Arc::new(School::generate(10, 15)),
        "OAK",
        &mut env,
    )
    .await;
    let cfg = SyncConfig::parse(&format!(
        "{WINDOW}{}{}",
        school_toml(
            "Beech",
            "managebac",
            &mb.base_url(),
            "token = \"MB_TOKEN\"",
            // The client's default 10 requests a second, scaled with the emulator's clock: the
            // subject here is the missing bell times, not the gate (which paced this school's
            // 346 requests over 35 s). sync_workers.rs syncs ManageBac through a scaled gate
            // too.
            &format!("quota = \"10/{TIME_SCALE}\""),
        ),
        school_toml(
            "Oak",
            "go4schools",
            &g4s.base_url(),
            "api_key = \"OAK_KEY_NOT_SET\"",
            ""
        ),
    ))
    .unwrap();
    let db = temp_path("settings.sqlite");
    let url = format!("sqlite:{}", db.display());
    let lookup = |name: &str| env.get(name).cloned();
    let report = sync(&cfg, &url, &lookup).await.unwrap();
    for row in report.rows() {
        println!("{row:?}");
    }

    let beech = report.school("Beech").unwrap();
    assert_eq!(beech.status, "ok", "{:?}", report.rows());
    let timetable = beech.entity("timetable").unwrap();
    assert_eq!(timetable.status, "skipped");
    assert!(
        timetable.note.as_deref().unwrap().contains("bell_times"),
        "{timetable:?}"
    );
    for entity in ["students", "attendance"] {
        assert!(beech.entity(entity).unwrap().rows_written > 0, "{entity}");
    }

    let oak = report.school("Oak").unwrap();
    assert_eq!(oak.status, "failed");
    let error = oak.error.as_deref().unwrap();
    assert!(error.contains("OAK_KEY_NOT_SET"), "{error}");
    assert!(!error.contains("MIS_GO4SCHOOLS_API_KEY"), "{error}");

    // The failure is recorded, outside any failed transaction.
    let conn = rusqlite::Connection::open(&db).unwrap();
    let (status, recorded): (String, String) = conn
        .query_row(
            "SELECT status, error FROM sync_runs WHERE school = 'Oak'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(status, "failed");
    assert!(recorded.contains("OAK_KEY_NOT_SET"));
    let entities: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM sync_run_entities WHERE school = 'Beech' AND entity = 'timetable' AND status = 'skipped'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(entities, 1);
    let _ = std::fs::remove_file(&db);
}
