//! The conformance suite against `MemoryProvider`, the reference implementation.

use std::sync::Arc;

use jiff::civil::date;
use mis_core::memory::{MemoryData, MemoryProvider};
use mis_core::*;
use mis_testkit::Expected;

fn school() -> MemoryData {
    let london = jiff::tz::TimeZone::get("Europe/London").unwrap();
    let mut d = MemoryData::default();
    for (id, first, upn) in [("1", "Ada", "A123456789012"), ("2", "Ben", "B123456789012")] {
        let mut s = Student::new("memory", id, first, "Test");
        s.year_group = Some("9".into());
        s.registration_group = Some("9A".into());
        s.identifiers
            .push(Identifier::new(IdentifierKind::Upn, upn));
        d.students.push(s);
    }
    let codes = [("/", "\\"), ("L", "I"), ("N", "X")];
    for (i, day) in [9, 10, 11].into_iter().enumerate() {
        for (sid, (am, pm)) in [("1", codes[i]), ("2", ("/", "\\"))] {
            for (session, code) in [(Session::Am, am), (Session::Pm, pm)] {
                let dt = date(2024, 9, day);
                let m = mis_core::codes::map_dfe(code, dt);
                d.marks.push(
                    AttendanceMark::new("memory", sid, dt, Slot::Session, code, m.category)
                        .with_session(session)
                        .with_late(m.late),
                );
            }
        }
        let dt = date(2024, 9, day);
        let mut lesson = Lesson::new(
            "memory",
            stable_lesson_id("9A/Ma1", dt, "1"),
            dt,
            DateTime::from_local(dt.at(9, 0, 0, 0), &london).unwrap(),
            DateTime::from_local(dt.at(10, 0, 0, 0), &london).unwrap(),
        );
        lesson.period = Some("1".into());
        lesson.subject = Some("Maths".into());
        lesson.group = Some("9A/Ma1".into());
        lesson.teachers = vec!["Mr Smith".into()];
        lesson.rooms = vec!["M1".into()];
        d.lessons.push(lesson);
        let points = if day % 2 == 0 { 2 } else { -1 };
        let mut event = BehaviourEvent::new(
            "memory",
            format!("e{day}"),
            dt,
            Polarity::from_points(points),
        )
        .with_student_ids(["1"]);
        event.category = Some("Merit".into());
        event.points = Some(points);
        d.behaviour.push(event);
    }
    d
}

async fn setup() -> (Arc<dyn MisProvider>, Expected) {
    let data = school();
    let range = DateRange::parse("2024-09-09", "2024-09-13").unwrap();
    let p: Arc<dyn MisProvider> = Arc::new(MemoryProvider::new(data.clone()));
    (
        p,
        Expected::new(data, range).secret("memory-has-no-secret-but-checks-run"),
    )
}

mis_testkit::conformance_suite! {
    memory,
    setup = setup(),
    supported = [students, attendance, timetable, behaviour, write_attendance],
    unsupported = [],
}

/// The suite must be able to fail: a provider that loses a mark is caught.
#[tokio::test]
async fn a_lost_mark_is_detected() {
    let (_, expected) = setup().await;
    let mut data = expected.data.clone();
    data.marks.pop();
    let lossy = MemoryProvider::new(data);
    let err = mis_testkit::attendance_matches(&lossy, &expected)
        .await
        .unwrap_err();
    assert!(err.0.contains("marks missing"), "{err}");
}

/// A mark reported in the wrong category is caught.
#[tokio::test]
async fn a_wrong_category_is_detected() {
    let (_, expected) = setup().await;
    let mut data = expected.data.clone();
    let m = data.marks.iter_mut().find(|m| m.code == "I").unwrap();
    m.category = AttendanceCategory::Present;
    let wrong = MemoryProvider::new(data);
    let err = mis_testkit::attendance_matches(&wrong, &expected)
        .await
        .unwrap_err();
    assert!(err.0.contains("wrong category"), "{err}");
}
