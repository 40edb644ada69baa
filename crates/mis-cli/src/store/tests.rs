use jiff::civil::date;
use mis_core::{AttendanceCategory, Polarity, Session, Slot};

use super::*;

fn temp_db(name: &str) -> String {
    let p = std::env::temp_dir().join(format!("mis-store-{name}-{}.sqlite", std::process::id()));
    let _ = std::fs::remove_file(&p);
    format!("sqlite:{}", p.display())
}

fn mark(session: Option<Session>, period: Option<&str>, code: &str) -> AttendanceMark {
    AttendanceMark {
        provider: "memory".into(),
        student_id: "1".into(),
        date: date(2024, 9, 9),
        slot: if session.is_some() {
            Slot::Session
        } else {
            Slot::Lesson
        },
        session,
        period: period.map(str::to_string),
        lesson_id: None,
        code: code.into(),
        category: AttendanceCategory::Present,
        late: false,
        minutes_late: None,
        note: None,
    }
}

#[tokio::test]
async fn upserts_never_duplicate() {
    let url = temp_db("upsert");
    let mut store = open(&url).await.unwrap();
    let student = Student::new("memory", "1", "Ada", "Lovelace");
    let event = BehaviourEvent {
        provider: "memory".into(),
        id: "e1".into(),
        student_ids: vec!["1".into()],
        occurred_at: None,
        date: date(2024, 9, 9),
        polarity: Polarity::Positive,
        category: None,
        points: Some(2),
        notes: None,
        author: None,
    };
    for _ in 0..2 {
        store.begin().await.unwrap();
        store
            .school("A", "memory", None, "Europe/London")
            .await
            .unwrap();
        store.student("A", &student).await.unwrap();
        // AM, PM and a lesson mark on one day are three different slots.
        store
            .mark("A", &mark(Some(Session::Am), None, "/"))
            .await
            .unwrap();
        store
            .mark("A", &mark(Some(Session::Pm), None, "\\"))
            .await
            .unwrap();
        store.mark("A", &mark(None, Some("P1"), "/")).await.unwrap();
        store.event("A", &event).await.unwrap();
        store.commit().await.unwrap();
    }
    assert_eq!(store.count("schools").await.unwrap(), 1);
    assert_eq!(store.count("students").await.unwrap(), 1);
    assert_eq!(store.count("attendance_marks").await.unwrap(), 3);
    assert_eq!(store.count("behaviour_events").await.unwrap(), 1);
    // The same slot written again with another code updates it.
    store
        .mark("A", &mark(Some(Session::Am), None, "L"))
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
