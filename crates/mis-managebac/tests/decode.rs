//! Decode tests over `fixtures/managebac/` (written by the emulator from the vendor
//! documentation, independently of this crate): every file decodes into this crate's wire
//! types, and the values the provider relies on come through.

use std::collections::BTreeMap;
use std::path::PathBuf;

use mis_core::codes::CodeMapper;
use mis_managebac::convert;
use mis_managebac::wire::{
    self, AcademicYear, AcademicYearsResponse, AdjustmentsResponse, BehaviorNote, Calendar,
    CategoriesResponse, Class, ClassDateAttendance, ClassStudents, ClassTeacher, ClassTimetable,
    Excusal, HomeroomDateAttendance, List, Membership, One, Permissions, Pong, School, Student,
    Teacher, TermAttendance, YearGroup, YearGroupStudents,
};
use serde::de::DeserializeOwned;

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/managebac")
}

fn load<T: DeserializeOwned>(name: &str) -> T {
    let path = dir().join(format!("{name}.json"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// Each fixture and the check that decodes it.
fn checks() -> BTreeMap<&'static str, fn()> {
    let mut m: BTreeMap<&'static str, fn()> = BTreeMap::new();
    m.insert("ping", || {
        assert_eq!(load::<Pong>("ping").pong.as_deref(), Some("ok"));
    });
    m.insert("auth_permissions", || {
        assert!(
            !load::<Permissions>("auth_permissions")
                .permissions
                .is_empty()
        );
    });
    m.insert("school", || {
        let One(s) = load::<One<School>>("school");
        assert!(s.name.is_some());
        assert!(s.enabled_programs.iter().all(|p| p.code.is_some()));
    });
    m.insert("academic_years", || {
        let r = load::<AcademicYearsResponse>("academic_years");
        let (_, years) = r.academic_years.iter().next().expect("a program");
        let y = &years.academic_years[0];
        assert!(convert::calendar::academic_year(y, None).is_some());
        assert!(!convert::calendar::terms(y).is_empty());
    });
    m.insert("academic_year", || {
        let One(y) = load::<One<AcademicYear>>("academic_year");
        assert!(
            y.academic_terms
                .iter()
                .all(|t| t.academic_year_id == Some(y.id))
        );
    });
    m.insert("academic_year_calendar", || {
        let One(c) = load::<One<Calendar>>("academic_year_calendar");
        let mut r = convert::timetable::RotationCalendar::new();
        r.add(&c);
        assert!(!r.is_empty());
    });
    m.insert("attendance_categories", || {
        let c = load::<CategoriesResponse>("attendance_categories");
        let cats = convert::attendance::Categories::new(&c.categories);
        assert_eq!(cats.label(0).as_deref(), Some("Absent"));
        assert_eq!(cats.status_for_write("Late").unwrap(), 2);
    });
    m.insert("students", || {
        let l = load::<List<Student>>("students");
        assert!(!l.items.is_empty() && l.meta.unwrap().total_pages.is_some());
        let s = convert::student::student(&l.items[0], &BTreeMap::new());
        assert!(!s.first_name.is_empty());
        assert!(s.date_of_birth.is_some());
    });
    m.insert("student", || {
        let One(s) = load::<One<Student>>("student");
        assert!(s.student_id.is_some() && !s.parent_ids.is_empty());
    });
    m.insert("set_homeroom_attendance", || {
        load::<serde_json::Value>("set_homeroom_attendance");
    });
    m.insert("student_excusals", || {
        load::<List<Excusal>>("student_excusals");
    });
    m.insert("excusals_by_date", || {
        load::<List<Excusal>>("excusals_by_date");
    });
    m.insert("excusal_create", || {
        let One(e) = load::<One<Excusal>>("excusal_create");
        assert!(e.parent_id.is_some() && e.duration.is_some());
    });
    m.insert("teachers", || {
        let l = load::<List<Teacher>>("teachers");
        assert!(!convert::staff::teacher_name(&l.items[0]).is_empty());
    });
    m.insert("teacher", || {
        load::<One<Teacher>>("teacher");
    });
    m.insert("year_groups", || {
        let l = load::<List<YearGroup>>("year_groups");
        assert!(l.items.iter().all(|g| g.name.is_some()));
    });
    m.insert("year_group", || {
        load::<One<YearGroup>>("year_group");
    });
    m.insert("year_group_students", || {
        let r = load::<YearGroupStudents>("year_group_students");
        assert_eq!(r.students.len(), r.student_ids.len());
        assert!(r.students[0].class_grade.is_some());
    });
    m.insert("homeroom_attendance_date", || {
        let r = load::<HomeroomDateAttendance>("homeroom_attendance_date");
        let cats = convert::attendance::Categories::default();
        let s = &r.students[0];
        let mark = convert::attendance::day_mark(
            s.id,
            jiff::civil::date(2024, 9, 3),
            s.attendance.as_ref().unwrap(),
            &cats,
            &CodeMapper::new(),
        )
        .unwrap();
        assert_ne!(mark.category, mis_core::AttendanceCategory::Unmapped);
    });
    m.insert("homeroom_attendance_term", || {
        load::<TermAttendance>("homeroom_attendance_term");
    });
    m.insert("homeroom_attendance_adjustments", || {
        load::<AdjustmentsResponse>("homeroom_attendance_adjustments");
    });
    m.insert("classes", || {
        let l = load::<List<Class>>("classes");
        assert!(
            l.items
                .iter()
                .all(|c| c.name.is_some() && c.program_code.is_some())
        );
    });
    m.insert("class", || {
        let One(c) = load::<One<Class>>("class");
        assert!(!c.teachers.is_empty());
    });
    m.insert("class_students", || {
        assert!(
            !load::<ClassStudents>("class_students")
                .student_ids
                .is_empty()
        );
    });
    m.insert("memberships", || {
        let l = load::<List<Membership>>("memberships");
        assert!(!l.items.is_empty());
        assert!(
            l.items
                .iter()
                .all(|m| m.user_id.is_some() && m.class_id.is_some() && m.role.is_some()),
            "every membership names its user, class and role"
        );
    });
    m.insert("class_teachers", || {
        load::<List<ClassTeacher>>("class_teachers");
    });
    m.insert("class_timetable", || {
        let One(t) = load::<One<ClassTimetable>>("class_timetable");
        assert!(t.period_starts_count_from.is_some());
        assert!(
            t.academic_years[0]
                .slots
                .iter()
                .all(|s| s.day.is_some() && s.period.is_some())
        );
    });
    m.insert("class_attendance_date", || {
        let r = load::<ClassDateAttendance>("class_attendance_date");
        assert!(r.timetable.is_some());
        let marks = convert::attendance::lesson_marks(
            wire::Id(1),
            jiff::civil::date(2024, 9, 3),
            &r,
            &convert::attendance::Categories::default(),
            &CodeMapper::new(),
        );
        assert!(!marks.is_empty());
        assert!(marks.iter().all(|m| {
            m.period
                .as_deref()
                .is_some_and(|p| p.parse::<u32>().is_ok())
        }));
    });
    m.insert("class_attendance_term", || {
        load::<TermAttendance>("class_attendance_term");
    });
    m.insert("class_attendance_update", || {
        let v = load::<serde_json::Value>("class_attendance_update");
        let r = wire::bulk_results(&v).unwrap();
        assert!(r.iter().any(|i| i.is_ok()) && r.iter().any(|i| !i.is_ok()));
    });
    m.insert("behavior_notes", || {
        let l = load::<List<BehaviorNote>>("behavior_notes");
        let tz = jiff::tz::TimeZone::get("Europe/London").unwrap();
        let e = convert::behaviour::event(
            &l.items[0],
            &convert::behaviour::StudentIndex::new(),
            &mis_managebac::PolarityMap::new(),
            &tz,
        )
        .unwrap();
        assert!(e.occurred_at.is_some() && e.category.is_some());
        assert!(e.notes.as_deref().is_some_and(|n| !n.contains('<')));
    });
    m.insert("error_access_denied", || {
        let e = mis_managebac::error::error_for(
            401,
            &mis_http::HeaderMap::new(),
            std::fs::read(dir().join("error_access_denied.json"))
                .unwrap()
                .as_slice(),
        );
        assert!(e.to_string().contains("Access Denied"), "{e}");
    });
    m.insert("error_not_found", || {
        let e = mis_managebac::error::error_for(
            404,
            &mis_http::HeaderMap::new(),
            std::fs::read(dir().join("error_not_found.json"))
                .unwrap()
                .as_slice(),
        );
        assert!(e.to_string().contains("Couldn't find"), "{e}");
    });
    m
}

#[test]
fn every_fixture_decodes() {
    let checks = checks();
    let mut files: Vec<String> = std::fs::read_dir(dir())
        .expect("fixtures/managebac exists")
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            e.file_name()
                .to_str()?
                .strip_suffix(".json")
                .map(str::to_owned)
        })
        .collect();
    files.sort();
    let unchecked: Vec<&String> = files
        .iter()
        .filter(|f| !checks.contains_key(f.as_str()))
        .collect();
    assert!(
        unchecked.is_empty(),
        "fixtures without a decode check: {unchecked:?}"
    );
    let missing: Vec<&&str> = checks
        .keys()
        .filter(|k| !files.iter().any(|f| f == *k))
        .collect();
    assert!(missing.is_empty(), "checks without a fixture: {missing:?}");
    for (name, check) in &checks {
        eprintln!("decoding {name}");
        check();
    }
}
