//! `mis sync` is incremental: after a complete run, the next run of the same window reads
//! only the dates that can have changed (the look-back before the last run) plus the student
//! list, and the database then equals a fresh full sync of the changed school: a changed
//! mark updated, an added mark inserted, a deleted mark deleted.

mod sync_support;

use std::collections::BTreeMap;
use std::sync::Arc;

use jiff::civil::date;
use mis_cli::sync::{SyncConfig, SyncOptions, SyncReport, sync_with};
use mis_sandbox::{Sandbox, School};
use sync_support::{sqlite_data, start, start_with, temp_path};

fn config(sandbox: &Sandbox, from: &str) -> SyncConfig {
    SyncConfig::parse(&format!(
        r#"
from = "{from}"
to = "2024-09-27"

[[school]]
name = "Oak"
provider = "go4schools"
base_url = "{}"
credentials = {{ api_key = "OAK_API_KEY" }}
"#,
        sandbox.base_url()
    ))
    .unwrap()
}

async fn run(
    cfg: &SyncConfig,
    path: &std::path::Path,
    env: &BTreeMap<String, String>,
) -> SyncReport {
    let lookup = |name: &str| env.get(name).cloned();
    let options = SyncOptions {
        today: Some(date(2024, 9, 27)),
    };
    let url = format!("sqlite:{}", path.display());
    let report = sync_with(cfg, &url, &lookup, &options).await.unwrap();
    assert_eq!(report.failed(), 0, "{:?}", report.rows());
    report
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_run_reads_only_what_can_have_changed_and_equals_a_fresh_sync() {
    let base = School::generate(31, 30);
    let in_look_back = |m: &mis_core::AttendanceMark| m.date >= date(2024, 9, 23);
    let marks: Vec<usize> = base
        .session_marks
        .iter()
        .enumerate()
        .filter(|(_, m)| in_look_back(m))
        .map(|(i, _)| i)
        .collect();
    let (added, deleted, changed) = (marks[0], marks[10], marks[20]);

    // Before: the school without the mark that will be added.
    let mut before = base.clone();
    before.session_marks.remove(added);
    // After: that mark added, another deleted, a third corrected.
    let mut after = base.clone();
    let code = if after.session_marks[changed].code == "N" {
        "/"
    } else {
        "N"
    };
    after.session_marks[changed].code = code.into();
    after.session_marks.remove(deleted);

    let mut env = BTreeMap::new();
    let sandbox = start(
        &mis_sandbox::emulator::go4schools::EMULATOR,
        Arc::new(before),
        "OAK",
        &mut env,
    )
    .await;
    // The vendor after the change: an emulator over the changed school (same school name),
    // started up front so that the two reference syncs, which read only it, run beside the
    // first run (each sync's reads are paced by the GO 4 Schools client's gate, 10 requests
    // a second, which a sync config cannot change: one after another they took 18 s).
    let mut changed_env = BTreeMap::new();
    let changed = start(
        &mis_sandbox::emulator::go4schools::EMULATOR,
        Arc::new(after),
        "OAK",
        &mut changed_env,
    )
    .await;
    let db = temp_path("incremental.sqlite");
    let window_db = temp_path("incremental-window.sqlite");
    let fresh_db = temp_path("incremental-fresh.sqlite");
    // The first run; beside it, into databases of their own: a sync of only the dates the
    // incremental run must re-read (its cost is the bound), and a fresh full sync of the
    // changed school (its database is what the incremental run must leave).
    let (full, window, fresh) = (
        config(&sandbox, "2024-09-09"),
        config(&changed, "2024-09-20"),
        config(&changed, "2024-09-09"),
    );
    let (first, window_only, _) = tokio::join!(
        run(&full, &db, &env),
        run(&window, &window_db, &changed_env),
        run(&fresh, &fresh_db, &changed_env),
    );
    assert_eq!(first.schools[0].mode, "full");
    let conn = rusqlite::Connection::open(&db).unwrap();
    let state: String = conn
        .query_row(
            "SELECT status || ' ' || COALESCE(completed_on, '-') FROM sync_state",
            [],
            |r| r.get(0),
        )
        .unwrap();
    eprintln!("STATE {state}");

    // The vendor changes.
    drop(sandbox);
    let second = run(&config(&changed, "2024-09-09"), &db, &changed_env).await;
    let s = &second.schools[0];
    assert_eq!(s.mode, "incremental");
    // Look-back 7 days before the last run (2024-09-27): 2024-09-20 onwards.
    assert_eq!(s.read, Some((date(2024, 9, 20), date(2024, 9, 27))));
    let attendance = s.entity("attendance").unwrap();
    assert_eq!(attendance.rows_deleted, 1, "{attendance:?}");

    // The incremental plan: students plus the re-read dates, no more than a sync of just
    // those dates costs (which, run beside the others, was not inflated by retries).
    assert_eq!(window_only.schools[0].requests_failed, 0);
    println!(
        "GO 4 Schools, 30 students, 2024-09-09..27: first run {} requests, incremental run {}, \
         a fresh sync of 2024-09-20..27 {}",
        first.schools[0].requests, s.requests, window_only.schools[0].requests
    );
    for row in second.rows() {
        println!("{row:?}");
    }
    assert!(s.requests <= window_only.schools[0].requests);
    assert!(s.requests < first.schools[0].requests);

    // The database equals a fresh full sync of the changed school.
    assert_eq!(sqlite_data(&db), sqlite_data(&fresh_db));
    for p in [&db, &window_db, &fresh_db] {
        let _ = std::fs::remove_file(p);
    }
}

/// A record skipped with a warning in a later run is not "removed upstream": its row from
/// the earlier run is kept (nothing is lost to a warning), and the warning is reported.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_record_skipped_with_a_warning_keeps_its_row() {
    let school = Arc::new(School::generate(32, 20));
    let target = school.students[mis_sandbox::RecordFaults::MALFORMED_STUDENT]
        .id
        .clone();
    let mut env = BTreeMap::new();
    let sandbox = start(
        &mis_sandbox::emulator::go4schools::EMULATOR,
        school.clone(),
        "OAK",
        &mut env,
    )
    .await;
    let db = temp_path("warning-keeps.sqlite");
    // One week: the subject is the student list (read in full by every run).
    run(&config(&sandbox, "2024-09-23"), &db, &env).await;
    let count = |id: &str| -> i64 {
        rusqlite::Connection::open(&db)
            .unwrap()
            .query_row("SELECT COUNT(*) FROM students WHERE id = ?1", [id], |r| {
                r.get(0)
            })
            .unwrap()
    };
    assert_eq!(count(&target), 1);

    drop(sandbox);
    let mut env = BTreeMap::new();
    let faults = mis_sandbox::FaultPlan {
        records: mis_sandbox::RecordFaults {
            malformed_record: true,
            ..Default::default()
        },
        ..mis_sandbox::FaultPlan::none()
    };
    let sandbox = start_with(
        &mis_sandbox::emulator::go4schools::EMULATOR,
        school,
        faults,
        "OAK",
        &mut env,
    )
    .await;
    let second = run(&config(&sandbox, "2024-09-23"), &db, &env).await;
    let students = second.schools[0].entity("students").unwrap();
    assert!(
        !students.warnings.is_empty(),
        "the skipped record is reported"
    );
    assert_eq!(students.rows_deleted, 0, "{students:?}");
    assert_eq!(count(&target), 1, "the skipped student's row is kept");
    let _ = std::fs::remove_file(&db);
}

/// HUBmis enrolment identifiers (a UPN costs one request, 5 s of quota, per student) are
/// kept by the store and handed back within the reference TTL: a second sync reads none;
/// with a TTL of 0 every one is read again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hubmis_upns_are_read_once_per_reference_ttl() {
    let school = Arc::new(School::generate(33, 30));
    let mut env = BTreeMap::new();
    let sandbox = start(
        &mis_sandbox::emulator::hubmis::EMULATOR,
        school,
        "ASH",
        &mut env,
    )
    .await;
    let config = |ttl: u32| {
        SyncConfig::parse(&format!(
            "from = \"2024-09-02\"\nto = \"2024-09-06\"\nreference_ttl_hours = {ttl}\n\n\
             [[school]]\nname = \"Ash\"\nprovider = \"hubmis\"\nbase_url = \"{}\"\n\
             quota = \"12/0.06\"\ncredentials = {{ client_id = \"ASH_CLIENT_ID\", \
             client_secret = \"ASH_CLIENT_SECRET\", realm = \"ASH_REALM\" }}\n",
            sandbox.base_url()
        ))
        .unwrap()
    };
    let enrolments = || {
        sandbox
            .stats()
            .routes()
            .iter()
            .filter(|(route, _)| route.ends_with("/enrolment"))
            .map(|(_, n)| *n)
            .sum::<u64>()
    };
    let db = temp_path("hubmis-upns.sqlite");
    let before = enrolments();
    run(&config(24), &db, &env).await;
    let first = enrolments() - before;
    assert!(first >= 25, "the first sync reads every enrolment: {first}");

    let before = enrolments();
    let second = run(&config(24), &db, &env).await;
    assert_eq!(
        enrolments() - before,
        0,
        "within the TTL no UPN is read again"
    );
    let students = second.schools[0].entity("students").unwrap();
    assert!(students.rows_written >= 25, "{students:?}");
    let upns: i64 = rusqlite::Connection::open(&db)
        .unwrap()
        .query_row(
            "SELECT COUNT(*) FROM students WHERE upn IS NOT NULL",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(upns >= 25, "the UPNs are still written: {upns}");

    let before = enrolments();
    run(&config(0), &db, &env).await;
    assert_eq!(
        enrolments() - before,
        first,
        "a TTL of 0 reads every enrolment again"
    );
    let _ = std::fs::remove_file(&db);
}
