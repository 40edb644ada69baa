use jiff::civil::date;
use mis_core::{AttendanceCategory, Polarity, Session, Slot};

use super::*;

fn temp_db(name: &str) -> String {
    let p = std::env::temp_dir().join(format!("mis-store-{name}-{}.sqlite", std::process::id()));
    let _ = std::fs::remove_file(&p);
    format!("sqlite:{}", p.display())
}

fn mark(session: Option<Session>, period: Option<&str>, code: &str) -> AttendanceMark {
    let slot = if session.is_some() {
        Slot::Session
    } else {
        Slot::Lesson
    };
    let mut m = AttendanceMark::new(
        "memory",
        "1",
        date(2024, 9, 9),
        slot,
        code,
        AttendanceCategory::Present,
    );
    m.session = session;
    m.period = period.map(str::to_string);
    m
}

#[tokio::test]
async fn upserts_never_duplicate() {
    let url = temp_db("upsert");
    let mut store = open(&url).await.unwrap();
    let student = Student::new("memory", "1", "Ada", "Lovelace");
    let mut event = BehaviourEvent::new("memory", "e1", date(2024, 9, 9), Polarity::Positive)
        .with_student_ids(["1"]);
    event.points = Some(2);
    for _ in 0..2 {
        store.begin().await.unwrap();
        store
            .school("A", "memory", None, "Europe/London")
            .await
            .unwrap();
        store.student("A", &student, 1).await.unwrap();
        // AM, PM and a lesson mark on one day are three different slots.
        store
            .mark("A", &mark(Some(Session::Am), None, "/"), 1)
            .await
            .unwrap();
        store
            .mark("A", &mark(Some(Session::Pm), None, "\\"), 1)
            .await
            .unwrap();
        store
            .mark("A", &mark(None, Some("P1"), "/"), 1)
            .await
            .unwrap();
        store.event("A", &event, 1).await.unwrap();
        store.commit().await.unwrap();
    }
    assert_eq!(store.count("schools").await.unwrap(), 1);
    assert_eq!(store.count("students").await.unwrap(), 1);
    assert_eq!(store.count("attendance_marks").await.unwrap(), 3);
    assert_eq!(store.count("behaviour_events").await.unwrap(), 1);
    // The same slot written again with another code updates it.
    store
        .mark("A", &mark(Some(Session::Am), None, "L"), 1)
        .await
        .unwrap();
    assert_eq!(store.count("attendance_marks").await.unwrap(), 3);
    assert!(store.count("no_such_table; DROP TABLE x").await.is_err());
}

#[tokio::test]
async fn bad_paths_are_clear_errors() {
    let e = open("sqlite:").await.unwrap_err();
    assert!(e.to_string().contains("needs a path"), "{e}");
    let e = open("sqlite:/nonexistent-dir/x/y.sqlite")
        .await
        .unwrap_err();
    assert!(e.to_string().contains("cannot open SQLite database"), "{e}");
}

#[tokio::test]
async fn a_new_database_is_private_and_at_the_newest_version() {
    let url = temp_db("private");
    let path = url.strip_prefix("sqlite:").unwrap().to_string();
    let mut store = open(&url).await.unwrap();
    store.count("sync_state").await.unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        for p in [path.clone(), format!("{path}-wal"), format!("{path}-shm")] {
            let mode = std::fs::metadata(&p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600, "{p}");
        }
    }
    let v = store
        .query(
            "SELECT CAST(MAX(version) AS TEXT) FROM refinery_schema_history",
            &[],
        )
        .await
        .unwrap();
    assert_eq!(
        v[0][0].as_deref(),
        Some(SCHEMA_VERSION.to_string().as_str())
    );
    // WAL, so readers never block the sync.
    let mode = store.query("PRAGMA journal_mode", &[]).await.unwrap();
    assert_eq!(mode[0][0].as_deref(), Some("wal"));
    drop(store);
    // Opened again: nothing to do, still fine.
    open(&url).await.unwrap();
}

#[tokio::test]
async fn a_database_from_a_newer_mis_is_refused_clearly() {
    let url = temp_db("newer");
    drop(open(&url).await.unwrap());
    let path = url.strip_prefix("sqlite:").unwrap();
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.execute(
        "INSERT INTO refinery_schema_history (version, name, applied_on, checksum) \
         VALUES (9, 'from_the_future', '2030-01-01T00:00:00Z', '1')",
        [],
    )
    .unwrap();
    drop(conn);
    let e = open(&url).await.unwrap_err().to_string();
    assert!(
        e.contains("schema version 9") && e.contains("newer mis"),
        "{e}"
    );
}

#[tokio::test]
async fn an_abandoned_transaction_is_rolled_back_by_the_next_begin() {
    let url = temp_db("abandoned");
    let mut store = open(&url).await.unwrap();
    store.begin().await.unwrap();
    store
        .school("A", "memory", None, "Europe/London")
        .await
        .unwrap();
    // The writer went away without commit or rollback (a dropped future).
    store.begin().await.unwrap();
    store.commit().await.unwrap();
    assert_eq!(store.count("schools").await.unwrap(), 0);
}

fn marks_on(days: usize) -> Vec<AttendanceMark> {
    (0..days)
        .flat_map(|d| {
            let day = date(2024, 1, 1)
                .checked_add(jiff::Span::new().days(d as i64))
                .unwrap();
            [Session::Am, Session::Pm].map(|s| {
                let mut m = mark(Some(s), None, "/");
                m.date = day;
                m
            })
        })
        .collect()
}

#[tokio::test]
async fn queued_rows_are_written_in_batches_and_seen_by_reads_in_the_transaction() {
    let url = temp_db("batched");
    let path = url.strip_prefix("sqlite:").unwrap();
    // Multi-row statements, as PostgreSQL gets them.
    let backend = sqlite::Sqlite::open(path)
        .unwrap()
        .with_batch_rows(batch::MAX_ROWS);
    let mut store = Store::with_backend(Box::new(backend)).await.unwrap();
    // 1,204 marks: two full batches of 500 and a last one of 204.
    let marks = marks_on(602);
    store.begin().await.unwrap();
    for m in &marks {
        store.mark("A", m, 1).await.unwrap();
    }
    // A read inside the transaction writes the queue first.
    assert_eq!(store.count("attendance_marks").await.unwrap(), 1204);
    // The same key twice in one batch: the later row wins, as two upserts would leave it.
    store.mark("A", &marks[0], 1).await.unwrap();
    let mut late = marks[0].clone();
    late.code = "L".into();
    store.mark("A", &late, 2).await.unwrap();
    store.commit().await.unwrap();
    assert_eq!(store.count("attendance_marks").await.unwrap(), 1204);
    let code = store
        .query(
            "SELECT code, CAST(sync_gen AS TEXT) FROM attendance_marks WHERE date = $1 AND session = $2",
            &[Value::date(marks[0].date), Value::text("am")],
        )
        .await
        .unwrap();
    assert_eq!(code, [[Some("L".to_string()), Some("2".to_string())]]);
}

#[tokio::test]
async fn queued_rows_go_with_a_rollback_or_an_abandoned_transaction() {
    let url = temp_db("batched-rollback");
    let path = url.strip_prefix("sqlite:").unwrap();
    let backend = sqlite::Sqlite::open(path).unwrap().with_batch_rows(10);
    let mut store = Store::with_backend(Box::new(backend)).await.unwrap();
    let marks = marks_on(3);
    store.begin().await.unwrap();
    for m in &marks {
        store.mark("A", m, 1).await.unwrap();
    }
    store.rollback().await;
    assert_eq!(store.count("attendance_marks").await.unwrap(), 0);
    store.begin().await.unwrap();
    store.mark("A", &marks[0], 1).await.unwrap();
    // Abandoned: the next begin drops the queue with the transaction.
    store.begin().await.unwrap();
    store.commit().await.unwrap();
    assert_eq!(store.count("attendance_marks").await.unwrap(), 0);
    // Outside a transaction a row is written at once.
    store.mark("A", &marks[0], 1).await.unwrap();
    drop(store);
    let mut store = open(&url).await.unwrap();
    assert_eq!(store.count("attendance_marks").await.unwrap(), 1);
}

#[tokio::test]
async fn a_failing_queued_row_fails_the_commit_and_rolls_back() {
    let url = temp_db("batched-error");
    let path = url.strip_prefix("sqlite:").unwrap();
    let backend = sqlite::Sqlite::open(path).unwrap().with_batch_rows(10);
    let mut store = Store::with_backend(Box::new(backend)).await.unwrap();
    store
        .execute(
            "CREATE TRIGGER no_x BEFORE INSERT ON students WHEN NEW.id = 'x' \
             BEGIN SELECT RAISE(ABORT, 'refused'); END",
            &[],
        )
        .await
        .unwrap();
    store.begin().await.unwrap();
    store
        .student("A", &Student::new("memory", "1", "Ada", "Lovelace"), 1)
        .await
        .unwrap();
    store
        .student("A", &Student::new("memory", "x", "Bad", "Row"), 1)
        .await
        .unwrap();
    let e = store.commit().await.unwrap_err();
    assert!(e.to_string().contains("refused"), "{e}");
    assert_eq!(store.count("students").await.unwrap(), 0);
}
