//! Decode tests: every file of `fixtures/go4schools/` (what the emulator serves, written by
//! `cargo xtask fixtures`), and every example payload of the vendor's API
//! reference ("GO 4 Schools API, customer v1"), through the wire types and the conversions.
//!
//! The vendor's examples are not valid JSON as printed: they elide items with `...`, miss
//! commas (`"grade": "U"` / `"alias"`, `"score": 15`, `"points": 5`, `"author": …`, the
//! attribute `value`s), leave trailing commas, write `"date": nullable` and an unquoted
//! `start_date: 2021-09-01T00:00:00Z`. They are transcribed below with exactly those repairs
//! and nothing else.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;

use jiff::civil::date;
use mis_core::codes::CodeMapper;
use mis_core::{AttendanceCategory, ErrorKind, Polarity};
use mis_go4schools::convert::{self, CodeBook, TimetableIndex};
use mis_go4schools::error::classify_status;
use mis_go4schools::wire::{self, ListPage, WireItem};

fn list<T: WireItem>(json: &str) -> Vec<T> {
    serde_json::from_str::<ListPage<T>>(json)
        .unwrap_or_else(|e| panic!("{}: {e}", std::any::type_name::<T>()))
        .items
}

fn page<T: WireItem>(json: &str) -> ListPage<T> {
    serde_json::from_str::<ListPage<T>>(json)
        .unwrap_or_else(|e| panic!("{}: {e}", std::any::type_name::<T>()))
}

// ----- fixtures ---------------------------------------------------------------------------

fn fixtures() -> BTreeMap<String, String> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/go4schools");
    let mut out = BTreeMap::new();
    for entry in std::fs::read_dir(&dir).expect("fixtures/go4schools exists (cargo xtask fixtures)")
    {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "json") {
            let name = path.file_stem().unwrap().to_string_lossy().into_owned();
            out.insert(name, std::fs::read_to_string(&path).unwrap());
        }
    }
    out
}

/// Decodes one fixture by name; the number of records. An unknown name fails, so a new
/// fixture cannot go untested.
fn decode_fixture(name: &str, body: &str) -> usize {
    fn n<T: WireItem>(body: &str) -> usize {
        list::<T>(body).len()
    }
    let error = |status: u16, kind: ErrorKind, code: Option<&str>| {
        let e = classify_status(status, body.as_bytes());
        assert_eq!(e.kind(), kind, "{name}: {e}");
        assert_eq!(e.vendor_code(), code, "{name}: {e}");
        1
    };
    match name {
        "school" => {
            let s: wire::School = serde_json::from_str(body).unwrap();
            assert!(!s.academic_years.is_empty());
            s.academic_years.len()
        }
        "users_staff" => n::<wire::StaffAccount>(body),
        "students" => n::<wire::Student>(body),
        "students_attributes" => n::<wire::GeneralAttribute>(body),
        "students_education_details" => n::<wire::EducationDetails>(body),
        "teaching_departments" => n::<wire::Department>(body),
        "teaching_subjects" => n::<wire::Subject>(body),
        "teaching_teachers" => n::<wire::Teacher>(body),
        "teaching_groups" => n::<wire::TeachingGroup>(body),
        "teaching_groups_students" => n::<wire::GroupStudents>(body),
        "teaching_groups_teachers" => n::<wire::GroupTeachers>(body),
        "timetables" => n::<wire::Timetable>(body),
        "timetables_calendar" => n::<wire::CalendarDay>(body),
        "timetables_classes" => n::<wire::TimetabledClass>(body),
        "timetables_student_classes" => n::<wire::StudentClasses>(body),
        "attendance_codes" => n::<wire::AttendanceCode>(body),
        "attendance_session_marks" => n::<wire::SessionMark>(body),
        "attendance_lesson_marks" => n::<wire::LessonMark>(body),
        "attendance_session_summary" => n::<wire::SessionSummary>(body),
        "behaviour_classification" => n::<wire::Classification>(body),
        "behaviour_event_types" => n::<wire::EventType>(body),
        "behaviour_events" => n::<wire::BehaviourEvent>(body),
        "behaviour_actions_follow_up" => n::<wire::FollowUpAction>(body),
        // The school records no immediate actions: an empty list is the fixture.
        "behaviour_actions_immediate" => n::<wire::ImmediateAction>(body).max(1),
        "error_400_invalid_cursor" => error(400, ErrorKind::InvalidInput, Some("Invalid Cursor")),
        "error_400_invalid_model_state" => {
            error(400, ErrorKind::InvalidInput, Some("Invalid model state"))
        }
        "error_401" => error(401, ErrorKind::Unauthenticated, None),
        "error_403_module_disabled" => {
            error(403, ErrorKind::PermissionDenied, Some("Module Disabled"))
        }
        "error_403_embargo_enabled" => {
            error(403, ErrorKind::PermissionDenied, Some("Embargo Enabled"))
        }
        "error_404" => error(404, ErrorKind::NotFound, None),
        "error_429" => error(429, ErrorKind::RateLimited, None),
        other => panic!("fixture {other}.json has no decode test: add it to decode_fixture"),
    }
}

#[test]
fn every_fixture_decodes() {
    let all = fixtures();
    assert!(all.len() >= 20, "{} fixtures", all.len());
    for (name, body) in &all {
        assert!(
            decode_fixture(name, body) > 0,
            "{name}.json decoded to nothing"
        );
    }
}

/// The fixtures join up: every mark resolves to a DfE code, every lesson mark to a period,
/// every event to a typed polarity, every student to education details with a UPN.
#[test]
fn fixtures_join_through_the_conversions() {
    let f = fixtures();
    let codes: Vec<wire::AttendanceCode> = list(&f["attendance_codes"]);
    let book = CodeBook::new(&codes);
    let mapper = CodeMapper::new();
    let marks: Vec<wire::SessionMark> = list(&f["attendance_session_marks"]);
    assert!(!marks.is_empty());
    for m in &marks {
        let d = m.date.unwrap();
        let mark = convert::session_mark(m, d, &book, &mapper).unwrap();
        assert_ne!(mark.category, AttendanceCategory::Unmapped, "{m:?}");
    }
    let timetables: Vec<wire::Timetable> = list(&f["timetables"]);
    let classes: Vec<wire::TimetabledClass> = list(&f["timetables_classes"]);
    let teachers: Vec<wire::Teacher> = list(&f["teaching_teachers"]);
    let subjects: Vec<wire::Subject> = list(&f["teaching_subjects"]);
    let index = TimetableIndex::new(&timetables, &classes, &teachers, &subjects);
    let lesson_marks: Vec<wire::LessonMark> = list(&f["attendance_lesson_marks"]);
    for m in lesson_marks.iter().filter(|m| {
        // The classes fixture is the first page only.
        m.class_id.is_some_and(|c| index.class(c).is_some())
    }) {
        let mark = convert::lesson_mark(m, m.date.unwrap(), &book, &mapper, Some(&index));
        assert!(mark.period.is_some());
        assert_ne!(mark.category, AttendanceCategory::Unmapped);
    }
    let calendar: Vec<wire::CalendarDay> = list(&f["timetables_calendar"]);
    let tz = jiff::tz::TimeZone::get("Europe/London").unwrap();
    let lessons = index.lessons(&calendar[..20], &tz, None).unwrap();
    assert!(!lessons.is_empty());
    assert!(
        lessons
            .iter()
            .all(|l| l.subject.is_some() && !l.teachers.is_empty())
    );

    let types: HashMap<i64, wire::EventType> = list::<wire::EventType>(&f["behaviour_event_types"])
        .into_iter()
        .map(|t| (t.id, t))
        .collect();
    let events: Vec<wire::BehaviourEvent> = list(&f["behaviour_events"]);
    let staff: HashMap<i64, String> = list::<wire::StaffAccount>(&f["users_staff"])
        .into_iter()
        .filter_map(|s| Some((s.id, s.display_name?)))
        .collect();
    for e in &events {
        let d = e.event_date.unwrap().to_zoned_datetime(tz.clone()).date();
        let ev = convert::behaviour_event(e, d, &types, &tz, &staff).unwrap();
        assert!(ev.category.is_some());
        assert!(
            ev.author.is_some(),
            "created_by resolves to a staff account"
        );
    }

    let details: Vec<wire::EducationDetails> = list(&f["students_education_details"]);
    let students: Vec<wire::Student> = list(&f["students"]);
    for s in &students {
        let ed = details.iter().find(|d| d.student_id == s.id).unwrap();
        let st = convert::student(s, Some(ed), date(2024, 9, 9));
        assert!(st.upn().is_some(), "{}", st.id);
        assert!(st.year_group.is_some());
    }
}

// ----- the vendor document's examples -----------------------------------------------------

#[test]
fn doc_assessment() {
    let books: Vec<wire::Markbook> = list(
        r#"[{"id": 111111, "marksheets": [{"id": 111222, "name": "R1 Art Concepts",
             "markslots": [{"id": 111333, "name": "Assessment 1: Materials", "max": 2}]}]}]"#,
    );
    assert_eq!(books[0].marksheets[0].markslots[0].max, Some(2.0));
    let sheets = page::<wire::MarksheetGrades>(
        r#"{"marksheets": [{"id": 111222, "grades": [{"student_id": 987654, "grade": "U",
             "alias": "W/T Pass"}]}], "has_more": true, "cursor": 123}"#,
    );
    assert!(sheets.has_more);
    assert_eq!(sheets.cursor, Some(123));
    assert_eq!(sheets.items[0].grades[0].alias.as_deref(), Some("W/T Pass"));
    let marks = page::<wire::MarkslotMarks>(
        r#"{"markslots": [{"id": 111333, "marks": [{"student_id": 987654, "grade": "5",
             "alias": "Significantly Above Average", "mark": "5.00000"}]}],
            "has_more": true, "cursor": 123}"#,
    );
    assert_eq!(marks.items[0].marks[0].mark, Some(5.0));
}

#[test]
fn doc_attainment() {
    let types: Vec<wire::GradeType> = list(
        r#"[{"id": 1, "name": "External target", "short_name": "External target",
             "description": "External target", "is_preferred_progress_grade": false,
             "is_preferred_target_grade": true}]"#,
    );
    assert_eq!(types[0].is_preferred_target_grade, Some(true));
    let grades: Vec<wire::Grade> = list(
        r#"{"grades": [{"grade_type_id": 1, "subject_id": 222222, "student_id": 987654,
             "name": "5", "alias": "alias"}]}"#,
    );
    assert_eq!(grades[0].grade_type_id, Some(1));
    // The table calls it `grade_type`.
    let grades: Vec<wire::Grade> =
        list(r#"[{"grade_type": 2, "subject_id": 1, "student_id": 2, "name": "6"}]"#);
    assert_eq!(grades[0].grade_type_id, Some(2));
    let exams: Vec<wire::ExamResult> = list(
        r#"[{"student_id": 987654, "exam_academic_year": 2019, "qan": "601/4700/3",
             "qualification_title": "Pearson Edexcel Level 1/Level 2 GCSE (9-1) in Mathematics",
             "exam_date": "2019-01-31T00:00:00Z", "grade": "3", "ks123literal": "3+",
             "subject_id": 222222}]"#,
    );
    assert_eq!(exams[0].exam_date, Some(date(2019, 1, 31)));
    let prior = page::<wire::PriorAttainment>(
        r#"{"prior_attainment": [{"code": "priorAttainmentKS2", "name": "Prior Attainment (KS2)",
             "values": [{"student_id": 987654, "value": "MPA", "academic_year": 2019,
             "date": "2019-01-31T00:00:00Z"}]}], "has_more": true, "cursor": 123}"#,
    );
    assert_eq!(prior.items[0].values[0].value.as_deref(), Some("MPA"));
}

#[test]
fn doc_reports() {
    let reports: Vec<wire::Report> = list(
        r#"[{"id": 123456, "name": "Year 9 End of Year Report", "year_group": "9",
             "enable_comments": false, "prepared_at": "2020-01-01T00:00:00Z",
             "preferred_target_grade_type": 1, "preferred_progress_grade_type": 2,
             "presentation_name": "Year 9 Report", "presentation_date": "2019-01-31T00:00:00Z",
             "grades": [{"type": 3, "name": "External Target Grade",
                         "description": "Excellent progress grade."}],
             "attributes_and_choices": [{"id": 4, "name": "Attitude to learning",
                "description": "Students attitude to their learning in this subject",
                "display_name": "Attitude to Learning",
                "choices": [{"id": 123456, "name": "Excellent", "points": 5,
                             "details": "Consistently engaged and committed."}]}]}]"#,
    );
    let r = &reports[0];
    assert_eq!(r.grades[0].grade_type, Some(3));
    assert_eq!(r.attributes_and_choices[0].choices[0].points, Some(5));
    assert_eq!(r.presentation_date, Some(date(2019, 1, 31)));
    let grades: Vec<wire::ReportGrades> = list(
        r#"[{"subject_id": 222222, "qan": "601/8575/2",
             "qualification_title": "AQA Level 1/Level 2 GCSE (9-1) in Drama",
             "grades": [{"type": 1, "name": "1", "student_id": 987654}]}]"#,
    );
    assert_eq!(grades[0].grades[0].name.as_deref(), Some("1"));
    let comments = page::<wire::ReportComment>(
        r#"{"report_comments": [{"subject_id": 222222, "student_id": 987654,
             "author": "Ms M Jones",
             "details": "You produce accurate writing which is clear and relevant."}],
            "has_more": true, "cursor": 123}"#,
    );
    assert_eq!(comments.items[0].author.as_deref(), Some("Ms M Jones"));
    // Report attributes have no example; the table's fields.
    let attrs: Vec<wire::ReportAttributeChoices> = list(
        r#"[{"subject_id": 222222, "choices": [{"choice_id": 123456, "student_id": 987654}]}]"#,
    );
    assert_eq!(attrs[0].choices[0].choice_id, 123456);
}

#[test]
fn doc_attendance() {
    let codes: Vec<wire::AttendanceCode> = list(
        r#"[{"id": 12, "code": "/", "label": "Present (AM)", "attendance_officer_only": true,
             "protect_if_entered_by_attendance_officer": false,
             "protect_if_entered_by_school_manager": false,
             "protect_if_entered_by_behaviour_manager": false,
             "aliases": [{"id": 1522, "alias_code": "IR", "alias_label": "Isolation Room"}]}]"#,
    );
    assert_eq!(codes[0].aliases[0].alias_code.as_deref(), Some("IR"));
    let book = CodeBook::new(&codes);
    let sessions: Vec<wire::SessionMark> = list(
        r#"[{"date": "2018-12-31T00:00:00Z", "session": "AM", "student_id": 987654,
             "session_mark_id": 12, "session_alias_id": 1522, "session_minutes_late": 10,
             "session_notes": "Bus was late"}]"#,
    );
    let m =
        convert::session_mark(&sessions[0], date(2018, 12, 31), &book, &CodeMapper::new()).unwrap();
    // The alias is the mark's code; its category is the parent code's (issue 14).
    assert_eq!(
        (m.code.as_str(), m.category),
        ("IR", AttendanceCategory::Present)
    );
    assert_eq!(m.minutes_late, Some(10));
    let lessons: Vec<wire::LessonMark> = list(
        r#"[{"date": "2019-06-25T00:00:00Z", "student_id": 987654, "class_id": 123456,
             "lesson_mark_id": 4, "lesson_alias_id": 563, "lesson_minutes_late": 5,
             "lesson_notes": "Parent teacher meeting"}]"#,
    );
    assert_eq!(lessons[0].lesson_minutes_late, Some(5));
    let summary: Vec<wire::SessionSummary> = list(
        r#"[{"student_id": 987654, "possible_sessions": 338, "present": 149,
             "approved_educational_activity": 124, "authorised_absence": 65,
             "unauthorised_absence": 0, "attendance_not_required": 0, "missing_mark": 0,
             "late": 4}]"#,
    );
    assert_eq!(summary[0].possible_sessions, 338);
    // The POST packet as the doc's curl example writes it.
    let post: wire::SessionAttendance = serde_json::from_str(
        r#"{"student_upn": "UPN123456789", "date": "2019-01-05", "session": "AM",
            "session_mark_id": 1, "session_mark_alias_id": null, "session_minutes_late": null,
            "session_notes": null, "student_mis_id": null}"#,
    )
    .unwrap();
    assert_eq!(post.session_mark_id, 1);
}

#[test]
fn doc_behaviour() {
    let actions: Vec<wire::FollowUpAction> = list(
        r#"[{"id": 123456, "name": "Remove student from classroom", "alias": "Remove",
             "type": "Standard"}]"#,
    );
    assert_eq!(actions[0].action_type.as_deref(), Some("Standard"));
    let classes: Vec<wire::Classification> = list(
        r#"[{"id": 123456, "name": "Disruptive behaviour", "score": 15,
             "immediate_actions": [{"id": 123456, "completion_type": "Optional"}],
             "follow_up_actions": [{"id": 123456, "completion_type": "Mandatory"}]}]"#,
    );
    assert_eq!(classes[0].score, Some(15));
    let types: Vec<wire::EventType> = list(
        r#"[{"id": 123456, "classification_id": 1234567, "code": "DB1",
             "name": "First Verbal Warning", "alias": "FVW", "significance": "Negative",
             "prioritise": false}]"#,
    );
    let events = page::<wire::BehaviourEvent>(
        r#"{"behaviour_events": [{"id": 123456, "event_type_id": 123456,
             "event_date": "2019-01-31T12:45:13Z", "closed": false, "cancelled": false,
             "room_name": "CP1", "group_name": "11/CP1", "subject_code": "Comp",
             "year_group": "11",
             "home_notes": "Made no effort at all to complete the work despite help being given.",
             "school_notes": "Made no effort at all to complete the work despite help being given.",
             "created_timestamp": "2020-01-01T00:00:00Z", "created_by": 123456,
             "modified_timestamp": "2020-01-01T00:00:00Z", "modified_by": 123456,
             "student_ids": [987654], "event_action_ids": [4502],
             "event_followup_type_ids": [2054]}], "has_more": true, "cursor": 123}"#,
    );
    let by_id: HashMap<i64, wire::EventType> = types.into_iter().map(|t| (t.id, t)).collect();
    let tz = jiff::tz::TimeZone::get("Europe/London").unwrap();
    let e = convert::behaviour_event(
        &events.items[0],
        date(2019, 1, 31),
        &by_id,
        &tz,
        &HashMap::new(),
    )
    .unwrap();
    assert_eq!(e.polarity, Polarity::Negative);
    assert_eq!(e.category.as_deref(), Some("First Verbal Warning"));
    assert_eq!(e.student_ids, ["987654"]);
    assert_eq!(
        e.occurred_at.unwrap().to_string(),
        "2019-01-31T12:45:13+00:00"
    );
}

#[test]
fn doc_contacts_users_and_school() {
    let contacts: Vec<wire::ParentalContact> = list(
        r#"[{"student_id": 987654, "parent_display_name": "Mrs Jane West", "priority": 1,
             "email_address": "jane.west@example.com", "home_telephone": "0123456789",
             "main_telephone": "0123456789", "mobile": "0123456789",
             "is_main_email_address_for_contact": false, "student_contact_mis_id": 12345}]"#,
    );
    assert_eq!(contacts[0].student_contact_mis_id.as_deref(), Some("12345"));
    let parents: Vec<wire::ParentAccount> = list(
        r#"[{"email_address": "steve.thomas@example.com", "display_name": "Mr Stephen Thomas",
             "student_id": 987654}]"#,
    );
    assert_eq!(parents[0].student_id, Some(987654));
    let non_mis: Vec<wire::StaffAccount> = list(
        r#"[{"id": 1, "email_address": "sandra.jones@example.com", "first_name": "Sandra",
             "last_name": "Jones", "display_name": "Mrs S Jones", "title": "Mrs",
             "is_current": true, "teacher_id": 1, "start_date": null, "end_date": null}]"#,
    );
    let mis: Vec<wire::StaffAccount> = list(
        r#"[{"id": 1, "email_address": "sandra.jones@example.com", "legal_first_name": "Sandra",
             "legal_last_name": "Jones", "preferred_first_name": "Sandra",
             "preferred_last_name": "Jones", "display_name": "Mrs S Jones", "title": "Mrs",
             "is_current": true, "teacher_id": 1, "start_date": "2021-09-01T00:00:00Z",
             "end_date": "2022-08-31T00:00:00Z"}]"#,
    );
    assert_eq!(non_mis[0].first(), mis[0].first());
    assert_eq!(mis[0].end_date, Some(date(2022, 8, 31)));
    let school: wire::School = serde_json::from_str(
        r#"{"code": "DEMO", "name": "Demo School", "academic_years": [2019],
            "current_academic_year": 2019}"#,
    )
    .unwrap();
    assert_eq!(school.current_academic_year, Some(2019));
}

#[test]
fn doc_students() {
    for json in [
        r#"[{"id": 987654, "date_of_birth": "2005-01-31T00:00:00Z", "sex": "M",
             "legal_first_name": "Robert", "legal_last_name": "Smith",
             "preferred_first_name": "Bob", "preferred_last_name": "Smith",
             "middle_names": "Jon", "student_mis_id": "12345"}]"#,
        r#"[{"id": 987654, "date_of_birth": "2005-01-31T00:00:00Z", "sex": "M",
             "legal_first_name": "Robert", "legal_last_name": "Smith",
             "preferred_first_name": "Bob", "preferred_last_name": "Smith",
             "middle_names": "Jon"}]"#,
    ] {
        let s: Vec<wire::Student> = list(json);
        assert_eq!(s[0].date_of_birth, Some(date(2005, 1, 31)));
    }
    let general = page::<wire::GeneralAttribute>(
        r#"{"students_and_attributes": [{"id": 123456, "code": "admissionDate",
             "name": "Admission date", "is_system": true,
             "students_and_attribute_values": [{"student_id": 987654,
                "value": "01/01/2020 00:00:00", "academic_year": 2019,
                "date": "2019-01-31T00:00:00Z"}]}], "has_more": true, "cursor": 123}"#,
    );
    assert_eq!(
        general.items[0].students_and_attribute_values[0]
            .value
            .as_deref(),
        Some("01/01/2020 00:00:00")
    );
    let demographic = page::<wire::DemographicAttribute>(
        r#"{"students_and_attributes": [{"id": 123456, "code": "countryOfBirth",
             "name": "Country of Birth", "is_system": true,
             "students_and_attribute_values": [{"student_id": 987654, "value": "United Kingdom",
                "academic_year": 2019, "date": "2019-01-31T00:00:00Z"}]}],
            "has_more": true, "cursor": 123}"#,
    );
    assert_eq!(demographic.items[0].code.as_deref(), Some("countryOfBirth"));
    let send = page::<wire::SendAttribute>(
        r#"{"students_and_attributes": [{"id": 1, "code": "senNeed",
             "name": "Educational needs", "is_system": false,
             "students_and_attribute_values": [{"student_id": 987654,
                "value": "Learning Difficulty Level 1", "academic_year": 2019, "date": null}]}],
            "has_more": true, "cursor": 100}"#,
    );
    let v = &send.items[0].students_and_attribute_values[0];
    assert_eq!(
        v.value.expose().as_deref(),
        Some("Learning Difficulty Level 1")
    );
    assert!(
        !format!("{send:?}").contains("Learning Difficulty"),
        "SEND is redacted"
    );
    let sensitive = page::<wire::SensitiveAttribute>(
        r#"{"students_and_attributes": [{"id": 1, "code": "ethnicity", "name": "Ethnicity",
             "is_system": false, "students_and_attribute_values": [{"student_id": 987654,
                "value": "Any other White background", "academic_year": 2019, "date": null}]}],
            "has_more": true, "cursor": 100}"#,
    );
    assert!(!format!("{sensitive:?}").contains("White background"));
    let details = page::<wire::EducationDetails>(
        r#"{"students_and_education_details": [{"student_id": 987654, "upn": "Z0123456789012",
             "former_upn": "Z0123456789011", "national_curriculum_year": "11",
             "registration_group": "11East", "house": "Newton",
             "admission_date": "2017-01-31T00:00:00Z", "deleted_from_source": true,
             "leaving_date": "2019-01-31T00:00:00Z",
             "student_education_attributes": [{"attribute_id": 123456,
                "code": "proficiencyInEnglish", "name": "Proficiency in English",
                "is_system": true, "attribute_values": [{"value": "D - Competent",
                "academic_year": 2019, "date": "2019-01-31T00:00:00Z"}]}]}],
            "has_more": true, "cursor": 123}"#,
    );
    let d = &details.items[0];
    assert!(d.deleted_from_source);
    assert_eq!(d.student_education_attributes[0].attribute_values.len(), 1);
    let photos = page::<wire::Photo>(
        r#"{"students_and_photos": [{"student_id": 987654,
             "photo": "data:image/jpeg;base64,AAAA"}], "has_more": true, "cursor": 123}"#,
    );
    assert!(!format!("{photos:?}").contains("base64"));
    let medical = page::<wire::MedicalConditions>(
        r#"{"students_and_medical_conditions": [{"student_id": 987654,
             "medical_conditions": "Other Allergies; Other Medical"}],
            "has_more": true, "cursor": 123}"#,
    );
    assert_eq!(
        medical.items[0].medical_conditions.expose().as_deref(),
        Some("Other Allergies; Other Medical")
    );
    assert!(!format!("{medical:?}").contains("Allergies"));
    // The table's spelling of the field.
    let medical: Vec<wire::MedicalConditions> =
        list(r#"[{"student_id": 1, "medical_details": "Asthma"}]"#);
    assert_eq!(
        medical[0].medical_conditions.expose().as_deref(),
        Some("Asthma")
    );
}

#[test]
fn doc_teaching_and_timetables() {
    let subjects: Vec<wire::Subject> = list(
        r#"[{"id": 222222, "name": "Computing and ICT", "code": "Cp", "year_group": "10",
             "department_id": 123456, "qan": "601/8355/X",
             "qualification_title": "OCR Level 1/Level 2 GCSE (9-1) in Computer Science",
             "qualification_scheme_name": "Fine GCSE grades, e.g. 9+, 9, 9-, 8+, 8, 8- etc",
             "include_in_stats": true}]"#,
    );
    let teachers: Vec<wire::Teacher> = list(
        r#"[{"id": 123456, "title": "Mrs", "first_name": "Anne", "last_name": "Burgess",
             "preferred_first_name": "Anne", "preferred_last_name": "Burgess",
             "initials": "AXB", "code": "AXB"}]"#,
    );
    assert_eq!(convert::teacher_name(&teachers[0]), "Mrs A Burgess");
    let timetables: Vec<wire::Timetable> = list(
        r#"[{"id": 123456, "periods": [{"id": 123456, "name": "Monday Tutorial",
             "display_name": "Tutorial", "week": 1, "day_of_week": "Monday",
             "start": "2020-01-01T00:00:00Z", "end": "2020-01-01T00:00:00Z"}]}]"#,
    );
    assert_eq!(timetables[0].periods[0].week, Some(1));
    let calendar: Vec<wire::CalendarDay> = list(
        r#"[{"timetable_id": 123456, "week": 1, "date": "2020-01-31T00:00:00Z",
             "day_type_code": "TRAINING"}]"#,
    );
    assert_eq!(calendar[0].day_type_code, wire::DayType::Training);
    assert_eq!(calendar[0].date, date(2020, 1, 31));
    let classes = page::<wire::TimetabledClass>(
        r#"{"classes": [{"id": 123456, "year_group": "7", "subject_code": "As",
             "group_code": "7/As1", "period_id": 123456, "rooms": ["H4"],
             "teacher_ids": [123456]}], "has_more": true, "cursor": 123}"#,
    );
    let index = TimetableIndex::new(&timetables, &classes.items, &teachers, &subjects);
    let slot = index.class(123456).unwrap();
    assert_eq!(slot.period, "Tutorial");
    assert_eq!(slot.teachers, ["Mrs A Burgess"]);
    assert_eq!(
        slot.subject.as_deref(),
        Some("As"),
        "no subject As in the sample"
    );
    let student_classes = page::<wire::StudentClasses>(
        r#"{"student_classes": [{"student_id": 987654, "classes": [{"id": 123456,
             "start": "2020-01-01T00:00:00Z", "end": "2020-01-01T00:00:00Z"}]}],
            "has_more": true, "cursor": 123}"#,
    );
    assert!(student_classes.items[0].classes[0].covers(date(2020, 1, 1)));
    assert!(!student_classes.items[0].classes[0].covers(date(2020, 1, 2)));
}
