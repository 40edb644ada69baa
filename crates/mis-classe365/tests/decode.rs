//! Decode tests over `fixtures/classe365/` — what the emulator serves, written by
//! `cargo xtask fixtures` — through the wire types and the conversions. Every fixture file
//! must be covered here, so a new endpoint's fixture cannot go undecoded.

use std::collections::BTreeSet;
use std::path::PathBuf;

use mis_classe365::error::error_for;
use mis_classe365::wire::{
    AttendanceRecord, Class, Department, Envelope, Session, Student, Teacher,
};
use mis_classe365::{convert, vendor_error};
use mis_core::codes::CodeMapper;
use mis_core::{AttendanceCategory, EnrolmentStatus, ErrorKind, GroupKind, Slot};
use serde::de::DeserializeOwned;

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/classe365")
}

fn read(name: &str) -> Vec<u8> {
    let path = dir().join(format!("{name}.json"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn envelope<T: DeserializeOwned>(name: &str) -> Envelope<T> {
    let body = read(name);
    let mut de = serde_json::Deserializer::from_slice(&body);
    serde_path_to_error::deserialize(&mut de)
        .unwrap_or_else(|e| panic!("{name}.json at {}: {e}", e.path()))
}

fn list<T: DeserializeOwned>(name: &str) -> Vec<T> {
    let env = envelope::<T>(name);
    let meta = env.meta.expect("a list carries meta");
    let records = env.records.expect("a list carries records");
    assert!(!records.is_empty(), "{name}: no records");
    assert_eq!(meta.current_page, Some(1), "{name}");
    assert!(
        meta.total_records.unwrap() >= records.len() as u64,
        "{name}"
    );
    records
}

const COVERED: &[&str] = &[
    "students",
    "student",
    "students_upsert",
    "classes",
    "departments",
    "teachers",
    "sessions",
    "attendance",
    "attendance_upsert",
    "error_unauthorized",
    "error_validation",
    "rate_limited",
];

#[test]
fn every_fixture_file_is_decoded_here() {
    let present: BTreeSet<String> = std::fs::read_dir(dir())
        .expect("fixtures/classe365 exists (cargo xtask fixtures)")
        .map(|e| {
            let name = e.unwrap().file_name().to_string_lossy().into_owned();
            name.trim_end_matches(".json").to_owned()
        })
        .collect();
    let covered: BTreeSet<String> = COVERED.iter().map(|s| s.to_string()).collect();
    assert_eq!(present, covered, "fixture files vs decode tests");
}

#[test]
fn students() {
    let records: Vec<Student> = list("students");
    let students: Vec<_> = records
        .iter()
        .map(|w| convert::student(w).unwrap())
        .collect();
    assert!(
        students
            .iter()
            .all(|s| !s.first_name.is_empty() && !s.last_name.is_empty())
    );
    assert!(
        students
            .iter()
            .all(|s| s.upn().is_some() && s.date_of_birth.is_some())
    );
    assert!(students.iter().all(|s| s.year_group.is_some()));
    let on_roll = students
        .iter()
        .filter(|s| s.enrolment_status == Some(EnrolmentStatus::OnRoll))
        .count();
    let leavers = students
        .iter()
        .filter(|s| s.enrolment_status == Some(EnrolmentStatus::Leaver))
        .count();
    assert_eq!(on_roll + leavers, students.len(), "active or alumni only");
    assert!(leavers > 0, "the fixture school has leavers");
    // On-roll students are placed in a class (their registration group); leavers are not.
    for s in students
        .iter()
        .filter(|s| s.enrolment_status == Some(EnrolmentStatus::OnRoll))
    {
        assert!(s.registration_group.is_some(), "{}", s.id);
    }

    let one = envelope::<Student>("student").record.expect("a record");
    assert_eq!(convert::student(&one).unwrap(), students[0]);
    let saved = envelope::<Student>("students_upsert")
        .record
        .expect("the saved record");
    assert_eq!(saved.id, records[0].id);
}

#[test]
fn classes_departments_teachers_sessions() {
    let classes: Vec<Class> = list("classes");
    let groups: Vec<_> = classes.iter().map(|c| convert::group(c).unwrap()).collect();
    for kind in [
        GroupKind::Registration,
        GroupKind::Teaching,
        GroupKind::House,
    ] {
        assert!(groups.iter().any(|g| g.kind == kind), "{kind:?}");
    }
    assert!(
        groups
            .iter()
            .filter(|g| g.kind == GroupKind::Teaching)
            .all(|g| g.subject.is_some() && !g.staff_ids.is_empty())
    );

    let departments: Vec<Department> = list("departments");
    assert!(
        departments
            .iter()
            .all(|d| d.id.is_some() && d.name.is_some())
    );

    let teachers: Vec<Teacher> = list("teachers");
    for t in &teachers {
        let s = convert::staff(t).unwrap();
        assert!(!s.last_name.is_empty());
        assert!(!s.roles.is_empty());
    }

    let sessions: Vec<Session> = list("sessions");
    let years: Vec<_> = sessions.iter().filter(|s| !convert::is_term(s)).collect();
    let terms: Vec<_> = sessions.iter().filter(|s| convert::is_term(s)).collect();
    assert_eq!(years.len(), 1);
    let year = convert::academic_year(years[0]).unwrap();
    for t in terms {
        let term = convert::term(t).unwrap();
        assert_eq!(term.academic_year_id.as_deref(), Some(year.id.as_str()));
        assert!(year.start_date <= term.start_date && term.end_date <= year.end_date);
    }
}

#[test]
fn attendance() {
    let records: Vec<AttendanceRecord> = list("attendance");
    let mapper = CodeMapper::new();
    let marks: Vec<_> = records
        .iter()
        .map(|r| convert::mark(r, &mapper).unwrap())
        .collect();
    assert!(marks.iter().all(|m| m.slot == Slot::Day));
    assert!(
        marks
            .iter()
            .all(|m| m.category != AttendanceCategory::Unmapped),
        "every status the tenant records is a known label"
    );
    let day = marks[0].date;
    assert!(
        marks.iter().all(|m| m.date == day),
        "the fixture is one day"
    );

    let saved = envelope::<AttendanceRecord>("attendance_upsert")
        .record
        .expect("the saved record");
    let mark = convert::mark(&saved, &mapper).unwrap();
    assert_eq!(mark.code, "late");
    assert!(mark.late);
    assert_eq!(mark.note.as_deref(), Some("Arrived after the register"));
}

#[test]
fn error_bodies() {
    let e = error_for(401, &read("error_unauthorized"), "students.list");
    assert_eq!(e.kind(), ErrorKind::Unauthenticated);
    assert!(e.vendor_code().is_some());

    let e = error_for(400, &read("error_validation"), "attendance.list");
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
    assert!(e.vendor_code().is_some());
    let details = vendor_error(&e).unwrap();
    assert_eq!(details.errors.len(), 3);
    assert!(
        details
            .errors
            .iter()
            .all(|f| f.field.is_some() && f.message.is_some())
    );
    assert!(
        !details.message.contains("error_code"),
        "{}",
        details.message
    );

    let e = error_for(429, &read("rate_limited"), "students.list");
    assert_eq!(e.kind(), ErrorKind::RateLimited);
    assert!(e.is_retryable());
    assert!(e.vendor_code().is_some());
}
