//! Decode tests: payloads carrying every quirk of ClassCharts' JSON seen in recorded answers
//! and the community API docs (each asserting the decoded values, not just "no error"), and
//! every fixture the emulator renders, through the wire types and the converters.

use std::collections::BTreeSet;

use jiff::civil::date;
use jiff::tz::TimeZone;
use mis_classcharts::error::{ClassChartsClassifier, envelope_error};
use mis_classcharts::wire::{
    AcademicReport, AcademicReportSummary, ActivityMeta, ActivityPoint, ActivityType, Announcement,
    AttendanceDays, AttendanceMeta, AttendanceStatus, Badge, BehaviourMeta, BehaviourSummary,
    ClassInfo, CustomFields, Detention, DetentionAttended, DetentionsMeta, Envelope, ErrorBody,
    Homework, HomeworkState, HomeworksMeta, LoginMeta, NoMeta, ParentBehaviour, ParentUser,
    PingData, PingMeta, Pupil, Purchase, Reward, RewardsMeta, Student, TimetableLesson,
    TimetableMeta, WirePolarity, de::Many,
};
use mis_classcharts::{Api, Config, StudentClient, convert};
use mis_core::codes::CodeMapper;
use mis_core::{AttendanceCategory, ErrorKind, Polarity, Slot};
use mis_http::ExposeSecret;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

fn decode<T: DeserializeOwned>(what: &str, v: &Value) -> T {
    let text = v.to_string();
    let mut de = serde_json::Deserializer::from_str(&text);
    serde_path_to_error::deserialize(&mut de)
        .unwrap_or_else(|e| panic!("{what} at {}: {e}", e.path()))
}

fn london() -> TimeZone {
    TimeZone::get("Europe/London").unwrap()
}

// ---- the quirks, one by one ---------------------------------------------------------------

#[test]
fn meta_and_reason_maps_as_empty_arrays() {
    let env: Envelope<BehaviourSummary, BehaviourMeta> = decode(
        "behaviour",
        &json!({
            "success": 1,
            "data": {
                "timeline": [{"positive": 3, "negative": 1, "name": "9/4/2023", "start": "2023-09-04", "end": "2023-09-10"}],
                "positive_reasons": {"Good work": 2, "Helping others": 1},
                "negative_reasons": [],
                "other_positive": [], "other_negative": [],
                "other_positive_count": [{"Extra": 1}], "other_negative_count": []
            },
            "meta": []
        }),
    );
    let data = env.data.unwrap();
    assert_eq!(
        env.meta,
        BehaviourMeta::default(),
        "meta: [] is an empty meta"
    );
    assert_eq!(data.positive_reasons["Good work"], 2);
    assert_eq!(data.positive_reasons["Helping others"], 1);
    assert!(
        data.negative_reasons.is_empty(),
        "negative_reasons: [] is an empty map"
    );
    assert_eq!(data.timeline[0].positive, Some(3));
    assert_eq!(data.other_positive_count[0]["Extra"], 1);
    // And as objects when not empty.
    let env: Envelope<Vec<ClassInfo>, NoMeta> = decode(
        "classes",
        &json!({"success": 1, "data": [{"id": 1, "name": "9X/Ma1", "teachers": ["Mr J Smith"]}], "meta": []}),
    );
    assert_eq!(env.data.unwrap()[0].teachers, ["Mr J Smith"]);
    let env: Envelope<Vec<Value>, ActivityMeta> = decode(
        "activity",
        &json!({"success": 1, "data": [], "meta": {"step_size": "week", "last_id": false}}),
    );
    assert_eq!(env.meta.step_size.as_deref(), Some("week"));
}

#[test]
fn yes_no_strings_are_booleans() {
    let a: Announcement = decode(
        "announcement",
        &json!({"id": 1, "title": "Trip", "sticky": "yes", "allow_comments": "no",
                "allow_reactions": "yes", "allow_consent": "yes", "priority_pinned": "no",
                "requires_consent": "yes", "can_change_consent": true,
                "consent": {"consent_given": "no", "comment": null, "parent_name": "C Lovelace"},
                "pupil_consents": [{"pupil": {"id": "42", "first_name": "Ada", "last_name": "Lovelace"},
                                    "can_change_consent": false, "consent": null}]}),
    );
    assert!(a.sticky && !a.allow_comments && a.allow_reactions && a.requires_consent);
    assert!(!a.priority_pinned && a.can_change_consent);
    assert!(!a.consent.unwrap().consent_given);
    // The consent pupil id is a string there.
    assert_eq!(
        a.pupil_consents[0].pupil.as_ref().unwrap().id.as_deref(),
        Some("42")
    );
    let h: Homework = decode(
        "homework",
        &json!({"id": 9, "status": {"id": 900042, "ticked": "no", "allow_attachments": "yes",
                                     "allow_marking_completed": 1, "state": "not_completed",
                                     "has_feedback": false, "mark": null, "mark_relative": 0}}),
    );
    let s = h.status.unwrap();
    assert!(!s.ticked && s.allow_attachments && s.allow_marking_completed && !s.has_feedback);
    assert_eq!(s.state, Some(HomeworkState::NotCompleted));
    let p: Purchase = decode(
        "purchase",
        &json!({"single_purchase": "yes", "order_id": 3458001, "balance": 12}),
    );
    assert!(p.single_purchase);
    assert_eq!(p.order_id.as_deref(), Some("3458001"));
    let d: Detention = decode(
        "detention",
        &json!({"id": 1, "pupil": {"id": 42, "school": {"opt_notes_names": "yes", "opt_notes_comments": "no", "opt_notes_comments_pupils": "no"}}}),
    );
    let school = d.pupil.unwrap().school.unwrap();
    assert!(school.opt_notes_names && !school.opt_notes_comments);
}

#[test]
fn late_minutes_and_purchased_count_are_numbers_or_strings() {
    let days: AttendanceDays = decode(
        "attendance",
        &json!({"2023-09-04": {
            "AM": {"code": "/", "status": "present", "late_minutes": 0},
            "Period 1": {"code": "L", "status": "late", "late_minutes": "7", "lesson_name": "9X/Ma1", "room_name": "M1"},
            "Period 2": {"code": "/", "status": "present", "late_minutes": ""}
        }}),
    );
    let day = &days.0["2023-09-04"];
    assert_eq!(day["AM"].late_minutes.value, Some(0));
    assert_eq!(day["Period 1"].late_minutes.value, Some(7));
    assert_eq!(day["Period 2"].late_minutes.value, None);
    let rewards: Vec<Reward> = decode(
        "rewards",
        &json!([
            {"id": 1, "name": "Pen", "price": 10, "purchased": true, "purchased_count": "3", "stock_control": false},
            {"id": 2, "name": "Cake", "price": "25", "purchased": false, "purchased_count": 0, "once_per_pupil": "yes"}
        ]),
    );
    assert_eq!(rewards[0].purchased_count.value, Some(3));
    assert_eq!(rewards[1].purchased_count.value, Some(0));
    assert_eq!(rewards[1].price, Some(25));
    assert!(rewards[1].once_per_pupil && rewards[0].purchased);
}

#[test]
fn last_id_is_a_number_or_false() {
    let m: ActivityMeta = decode(
        "meta",
        &json!({"start_date": "2023-08-24T23:00:00+00:00", "last_id": 24541, "step_size": "week", "detention_alias_uc": "Detention"}),
    );
    assert_eq!(m.last_id, Some(24541));
    assert_eq!(m.detention_alias_uc.as_deref(), Some("Detention"));
    let m: ActivityMeta = decode("meta", &json!({"last_id": false}));
    assert_eq!(m.last_id, None);
}

#[test]
fn polarity_may_be_null_and_timestamps_have_no_zone() {
    let points: Vec<ActivityPoint> = decode(
        "activity",
        &json!([
            {"id": 1, "type": "behaviour", "polarity": null, "reason": "Late to lesson", "score": -1,
             "timestamp": "2023-04-21 10:00:00", "timestamp_custom_time": null,
             "style": {"border_color": null, "custom_class": null}, "pupil_name": "Ada Lovelace",
             "lesson_name": null, "teacher_name": null, "room_name": null, "note": null,
             "_can_delete": false, "badges": "", "detention_date": null, "detention_time": null,
             "detention_location": null, "detention_type": null},
            {"id": 2, "type": "notice", "polarity": "blank", "score": 0, "timestamp": "2023-04-21 11:00:00"},
            {"id": 3, "type": "wellbeing_check", "polarity": "mixed", "timestamp": "2023-04-21 12:00:00"}
        ]),
    );
    assert_eq!(points[0].polarity, None);
    assert_eq!(points[0].kind, Some(ActivityType::Behaviour));
    assert_eq!(points[1].polarity, Some(WirePolarity::Blank));
    assert_eq!(
        points[2].kind,
        Some(ActivityType::Other("wellbeing_check".into()))
    );
    assert_eq!(
        points[2].polarity,
        Some(WirePolarity::Other("mixed".into()))
    );
    // Null polarity: the score's sign; the zone-less time is London wall-clock (BST, +01:00).
    let e = convert::event(&points[0], 0, "42", &london())
        .unwrap()
        .unwrap();
    assert_eq!(e.polarity, Polarity::Negative);
    assert_eq!(
        e.occurred_at.unwrap().to_string(),
        "2023-04-21T10:00:00+01:00"
    );
    assert!(
        convert::event(&points[1], 1, "42", &london())
            .unwrap()
            .is_none()
    );

    // The zone comes from the pupil's `timezone`, defaulting to Europe/London; a configured
    // zone overrides both.
    let client = StudentClient::new(Config::student("abc", "2010-01-20").unwrap()).unwrap();
    let dubai = client.zone_for(Some("Asia/Dubai"));
    let e = convert::event(&points[0], 0, "42", &dubai)
        .unwrap()
        .unwrap();
    assert_eq!(
        e.occurred_at.unwrap().to_string(),
        "2023-04-21T10:00:00+04:00"
    );
    assert_eq!(client.zone_for(None).iana_name(), Some("Europe/London"));
    assert_eq!(
        client.zone_for(Some("Not/AZone")).iana_name(),
        Some("Europe/London")
    );
    let fixed = StudentClient::new(
        Config::student("abc", "2010-01-20")
            .unwrap()
            .update_options(|o| o.with_time_zone("America/New_York")),
    )
    .unwrap();
    assert_eq!(
        fixed.zone_for(Some("Asia/Dubai")).iana_name(),
        Some("America/New_York")
    );
}

#[test]
fn file_name_or_filename() {
    let h: Homework = decode(
        "homework",
        &json!({"id": 1,
                "validated_attachments": [{"id": 1, "file_name": "old.pdf", "file": "https://x/old.pdf"},
                                          {"id": 2, "filename": "new.pdf", "validated_file": "https://x/new.pdf"}],
                "status": {"id": 7, "attachments": [{"id": 3, "filename": "mine.docx"}]}}),
    );
    assert_eq!(
        h.validated_attachments[0].file_name.as_deref(),
        Some("old.pdf")
    );
    assert_eq!(
        h.validated_attachments[1].file_name.as_deref(),
        Some("new.pdf")
    );
    assert_eq!(
        h.status.unwrap().attachments[0].file_name.as_deref(),
        Some("mine.docx")
    );
}

#[test]
fn percentage_singe_august_is_read() {
    let m: AttendanceMeta = decode(
        "meta",
        &json!({"dates": ["2023-09-04"], "sessions": ["AM", "PM", "Period 6"],
                "start_date": "2023-09-04T00:00:00+00:00", "end_date": "2023-09-08T23:59:59+00:00",
                "percentage": "100", "percentage_singe_august": "96.7"}),
    );
    assert_eq!(m.percentage.as_deref(), Some("100"));
    assert_eq!(m.percentage_since_august.as_deref(), Some("96.7"));
    assert_eq!(m.sessions, ["AM", "PM", "Period 6"]);
    // A number where a string is usual is kept as text.
    let m: AttendanceMeta = decode("meta", &json!({"percentage": 98.5}));
    assert_eq!(m.percentage.as_deref(), Some("98.5"));
}

#[test]
fn malformed_detention_dates_are_kept_raw_and_do_not_fail_the_list() {
    let list: Vec<Detention> = decode(
        "detentions",
        &json!([
            {"id": 1, "attended": "no", "date": "2023-08-24:00:00+00:00", "length": 60, "location": "Hall",
             "notes": null, "time": "15:20", "detention_type": {"name": "After school"},
             "lesson": {"id": 8, "name": "9X/Ma1", "subject": null}, "lesson_pupil_behaviour": {"reason": "Homework missing"},
             "teacher": {"id": 3, "first_name": "John", "last_name": "Smith", "title": "Mr"}},
            {"id": 2, "attended": "upscaled", "date": "2023-09-01", "length": null, "time": null, "detention_type": null, "teacher": null},
            {"id": 3, "attended": "excused", "date": "sometime"}
        ]),
    );
    assert_eq!(list.len(), 3);
    assert_eq!(
        list[0].date.as_deref(),
        Some("2023-08-24:00:00+00:00"),
        "kept raw"
    );
    assert_eq!(list[0].date(), Some(date(2023, 8, 24)));
    assert_eq!(list[0].attended, Some(DetentionAttended::No));
    assert_eq!(
        list[0].teacher.as_ref().unwrap().display_name().as_deref(),
        Some("Mr John Smith")
    );
    assert_eq!(list[1].attended, Some(DetentionAttended::Upscaled));
    assert_eq!(list[1].detention_type, None);
    assert_eq!(
        list[2].attended,
        Some(DetentionAttended::Other("excused".into()))
    );
    assert_eq!(list[2].date(), None);
    let converted: Vec<_> = list
        .iter()
        .filter_map(|d| convert::detention(d, "42", &london()))
        .collect();
    assert_eq!(converted.len(), 2, "only the unreadable date is left out");
    assert_eq!(
        converted[0].start.as_ref().unwrap().to_string(),
        "2023-08-24T15:20:00+01:00"
    );
    assert_eq!(converted[0].reason.as_deref(), Some("Homework missing"));
}

#[test]
fn unknown_attendance_statuses_are_kept() {
    let days: AttendanceDays = decode(
        "attendance",
        &json!({
            "2024-09-09": {
                "AM": {"code": "B", "status": "offsite_trip", "late_minutes": 0},
                "PM": {"code": "", "status": "quarantine", "late_minutes": ""},
                "Period 3": {"code": "#", "status": "ignore"}
            },
            "2024-09-10": []
        }),
    );
    let day = &days.0["2024-09-09"];
    assert_eq!(
        day["AM"].status,
        Some(AttendanceStatus::Other("offsite_trip".into()))
    );
    assert_eq!(day["PM"].status.as_ref().unwrap().as_str(), "quarantine");
    assert_eq!(day["Period 3"].status, Some(AttendanceStatus::Ignore));
    assert!(
        days.0["2024-09-10"].is_empty(),
        "a day of [] is a day without marks"
    );
    let marks = convert::marks("42", &days, &CodeMapper::new().into(), None);
    let by = |name: &str| {
        marks
            .iter()
            .find(|m| {
                m.session
                    .map(|s| s.as_str().to_ascii_uppercase())
                    .as_deref()
                    == Some(name)
                    || m.period.as_deref() == Some(name)
            })
            .unwrap()
    };
    // A DfE code decides whatever the status says.
    assert_eq!(
        by("AM").category,
        AttendanceCategory::ApprovedEducationalActivity
    );
    assert_eq!(by("AM").code, "B");
    // No code and an unknown status: kept as the code, unmapped — never guessed.
    assert_eq!(by("PM").code, "quarantine");
    assert_eq!(by("PM").category, AttendanceCategory::Unmapped);
    assert_eq!(by("Period 3").slot, Slot::Lesson);
    assert_eq!(by("Period 3").category, AttendanceCategory::NotCounted);
}

#[test]
fn the_error_envelope_and_login_meta() {
    let e: ErrorBody = decode(
        "error",
        &json!({"success": 0, "expired": 1, "error": "You are not logged in. [1]", "meta": []}),
    );
    assert_eq!((e.success, e.expired), (Some(0), true));
    let err = envelope_error(&e, "attendance", 200);
    assert_eq!(err.kind(), ErrorKind::Unauthenticated);
    let login: Envelope<ParentUser, LoginMeta> = decode(
        "login",
        // A real answer posted in api-docs issue #2, redacted.
        &json!({"success": 1, "data": {"id": 1234567, "name": "Jane Doe", "email": "jane@example.com", "language": null, "isEmailVerified": true},
                "meta": {"session_id": "sess123abc"}}),
    );
    let parent = login.data.unwrap();
    assert!(parent.is_email_verified);
    assert_eq!(parent.language, None);
    let session = login.meta.session_id.unwrap();
    assert_eq!(session.0.expose_secret(), "sess123abc");
    assert!(!format!("{session:?}").contains("sess123abc"));
    let _ = ClassChartsClassifier::new(Api::Parent, None);
}

#[test]
fn a_real_looking_student_object_with_unknown_flags() {
    let s: Student = decode(
        "student",
        &json!({
            "id": 1234567, "name": "Ada Lovelace", "first_name": "Ada", "last_name": "Lovelace",
            "avatar_url": "https://www.classcharts.com/img/avatars/default.png",
            "display_behaviour": true, "display_parent_behaviour": false, "display_homework": true,
            "display_rewards": true, "display_detentions": true, "display_report_cards": false,
            "display_classes": true, "display_announcements": true, "display_academic_reports": true,
            "display_attendance": true, "display_attendance_type": "instance",
            "display_attendance_percentage": true, "display_activity": true,
            "display_mental_health": false, "display_mental_health_no_tracker": false,
            "display_timetable": true, "is_disabled": false, "display_two_way_communications": true,
            "display_absences": true, "can_upload_attachments": null, "display_event_badges": true,
            "display_avatars": true, "display_concern_submission": false,
            "display_custom_fields": true, "pupil_concerns_help_text": "",
            "allow_pupils_add_timetable_notes": true, "detention_alias_plural_uc": "Detentions",
            "announcements_count": 2, "messages_count": 0, "pusher_channel_name": "abc",
            "has_birthday": false, "has_new_survey": false, "survey_id": null,
            "display_brand_new_module": "yes"
        }),
    );
    assert_eq!(s.id, "1234567");
    assert!(s.display_behaviour && !s.display_report_cards && s.display_timetable);
    assert_eq!(s.display_attendance_type.as_deref(), Some("instance"));
    assert_eq!(s.can_upload_attachments, None);
    assert_eq!(s.announcements_count, Some(2));
    assert_eq!(s.flag("display_brand_new_module"), Some(true));
    assert_eq!(s.flag("display_two_way_communications"), Some(true));
    let model = convert::student(&s, Some(date(2010, 1, 20))).unwrap();
    assert_eq!(
        (model.first_name.as_str(), model.last_name.as_str()),
        ("Ada", "Lovelace")
    );
}

// ---- every fixture the emulator renders ---------------------------------------------------

#[test]
fn every_emulator_fixture_decodes() {
    let school = mis_sandbox::School::generate(7, 30);
    let fixtures = (mis_sandbox::emulator::classcharts::EMULATOR.fixtures)(&school);
    let tz = london();
    let mut covered = BTreeSet::new();
    for f in &fixtures {
        let v = &f.body;
        let name = f.name.as_str();
        match name {
            "student_login" => {
                let e: Envelope<Student, LoginMeta> = decode(name, v);
                assert!(e.meta.session_id.is_some());
                convert::student(&e.data.unwrap(), None).unwrap();
            }
            "parent_login" => {
                let e: Envelope<ParentUser, LoginMeta> = decode(name, v);
                assert!(e.meta.session_id.is_some() && e.data.is_some());
            }
            "student_ping" => {
                let e: Envelope<PingData<Student>, PingMeta> = decode(name, v);
                assert!(e.data.unwrap().user.is_some());
                assert!(e.meta.version.is_some() && e.meta.session_id.is_some());
            }
            "parent_ping" => {
                let e: Envelope<PingData<ParentUser>, PingMeta> = decode(name, v);
                assert!(e.data.unwrap().user.is_some());
            }
            "pupils" => {
                let e: Envelope<Vec<Pupil>, NoMeta> = decode(name, v);
                let pupils = e.data.unwrap();
                assert!(!pupils.is_empty());
                assert!(pupils.iter().all(|p| p.student.timezone.is_some()));
            }
            "activity" | "activity_end" => {
                let e: Envelope<Vec<ActivityPoint>, ActivityMeta> = decode(name, v);
                let points = e.data.unwrap();
                assert_eq!(points.is_empty(), e.meta.last_id.is_none(), "{name}");
                for (i, p) in points.iter().enumerate() {
                    convert::event(p, i, "1", &tz).unwrap();
                }
            }
            "behaviour" => {
                let e: Envelope<BehaviourSummary, BehaviourMeta> = decode(name, v);
                assert!(!e.data.unwrap().timeline.is_empty());
            }
            "homeworks" => {
                let e: Envelope<Vec<Homework>, HomeworksMeta> = decode(name, v);
                for h in e.data.unwrap() {
                    convert::homework(&h, "1");
                }
            }
            "timetable" => {
                let e: Envelope<Vec<TimetableLesson>, TimetableMeta> = decode(name, v);
                for (i, l) in e.data.unwrap().iter().enumerate() {
                    convert::lesson(l, i, None, &tz).unwrap();
                }
                assert!(!e.meta.periods.is_empty());
            }
            "classes" => {
                let _: Envelope<Vec<ClassInfo>, NoMeta> = decode(name, v);
            }
            "eventbadges" => {
                let _: Envelope<Vec<Badge>, NoMeta> = decode(name, v);
            }
            "announcements" | "announcements_parent" => {
                let _: Envelope<Vec<Announcement>, NoMeta> = decode(name, v);
            }
            "detentions" => {
                let e: Envelope<Vec<Detention>, DetentionsMeta> = decode(name, v);
                for d in e.data.unwrap() {
                    assert!(convert::detention(&d, "1", &tz).is_some());
                }
            }
            "attendance" => {
                let e: Envelope<AttendanceDays, AttendanceMeta> = decode(name, v);
                let marks = convert::marks("1", &e.data.unwrap(), &CodeMapper::new().into(), None);
                assert!(!marks.is_empty());
                assert!(
                    marks
                        .iter()
                        .all(|m| m.category != AttendanceCategory::Unmapped)
                );
                assert!(e.meta.percentage_since_august.is_some());
            }
            "customfields" => {
                let e: Envelope<CustomFields, NoMeta> = decode(name, v);
                assert!(!e.data.unwrap().fields.is_empty());
            }
            "rewards" => {
                let e: Envelope<Vec<Reward>, RewardsMeta> = decode(name, v);
                assert!(e.meta.pupil_score_balance.is_some());
            }
            "parentbehaviours" => {
                let _: Envelope<Vec<ParentBehaviour>, NoMeta> = decode(name, v);
            }
            "academic_reports" => {
                let _: Envelope<Vec<AcademicReportSummary>, NoMeta> = decode(name, v);
            }
            "academic_report" => {
                let _: Envelope<Many<AcademicReport>, NoMeta> = decode(name, v);
            }
            "error_not_logged_in" | "error_bad_code" => {
                let e: ErrorBody = decode(name, v);
                assert_eq!(e.success, Some(0));
                let kind = envelope_error(&e, "login", 200).kind();
                assert_eq!(kind, ErrorKind::Unauthenticated);
            }
            other => panic!("fixture {other} is not covered by this test"),
        }
        covered.insert(name.to_owned());
    }
    assert!(covered.len() >= 20, "{covered:?}");
}

// ---- issue 14 item 5: lenient fields that used to fail a whole reply ----------------------

#[test]
fn last_id_true_ends_the_feed() {
    let env: Envelope<Vec<ActivityPoint>, ActivityMeta> = decode(
        "activity",
        &json!({"success": 1, "data": [], "meta": {"last_id": true, "step_size": "week"}}),
    );
    assert_eq!(env.meta.last_id, None);
    assert!(env.data.unwrap().is_empty());
}

#[test]
fn counts_written_as_text_keep_the_text_and_no_value() {
    let days: AttendanceDays = decode(
        "attendance",
        &json!({"2024-09-09": {
            "AM": {"code": "L", "status": "late", "late_minutes": "5 mins"},
            "PM": {"code": "L", "status": "late", "late_minutes": " 12 "}
        }}),
    );
    let day = &days.0["2024-09-09"];
    assert_eq!(
        (
            day["AM"].late_minutes.value,
            day["AM"].late_minutes.raw.as_deref()
        ),
        (None, Some("5 mins"))
    );
    assert_eq!(day["PM"].late_minutes.value, Some(12));
    let marks = convert::marks("1", &days, &CodeMapper::new().into(), None);
    let am = marks
        .iter()
        .find(|m| m.session == Some(mis_core::Session::Am))
        .unwrap();
    assert_eq!(
        (am.category, am.late, am.minutes_late),
        (AttendanceCategory::Present, true, None)
    );
    let rewards: Vec<Reward> = decode(
        "rewards",
        &json!([{"id": 1, "purchased_count": "lots"}, {"id": 2, "purchased_count": "3"}]),
    );
    assert_eq!(
        (
            rewards[0].purchased_count.value,
            rewards[0].purchased_count.raw.as_deref()
        ),
        (None, Some("lots"))
    );
    assert_eq!(rewards[1].purchased_count.value, Some(3));
    // Still a shape change, still an error: a list is not a count.
    assert!(serde_json::from_value::<Reward>(json!({"purchased_count": [3]})).is_err());
}

#[test]
fn badges_in_both_award_shapes() {
    let behaviour = json!({"reason": "Kindness", "score": 1, "polarity": "positive",
                           "timestamp": "2023-04-21T10:00:00+01:00",
                           "teacher": {"title": "Mr", "first_name": "J", "last_name": "Smith"}});
    let badges: Vec<Badge> = decode(
        "eventbadges",
        &json!([
            {"id": 1, "name": "Wrapped", "pupil_badges": [
                {"pupil_event": {"timestamp": "2023-04-21T10:00:00+01:00",
                                 "lesson_pupil_behaviour": behaviour, "event": {"label": "Kindness"}}}
            ]},
            {"id": 2, "name": "Flat", "pupil_badges": [
                {"timestamp": "2023-04-22T10:00:00+01:00", "lesson_pupil_behaviour": behaviour,
                 "event": {"label": "Kindness"}},
                {}
            ]}
        ]),
    );
    for b in &badges {
        let e = b.pupil_badges[0].pupil_event.as_ref().expect("an award");
        assert_eq!(
            e.lesson_pupil_behaviour.as_ref().unwrap().reason.as_deref(),
            Some("Kindness")
        );
        assert_eq!(e.event.as_ref().unwrap().label.as_deref(), Some("Kindness"));
    }
    assert_eq!(
        badges[1].pupil_badges[0]
            .pupil_event
            .as_ref()
            .unwrap()
            .timestamp
            .as_deref(),
        Some("2023-04-22T10:00:00+01:00")
    );
    assert_eq!(badges[1].pupil_badges[1].pupil_event, None);
}

#[test]
fn homework_attachment_fields_and_announcement_pupils_of_any_type() {
    let hw: Homework = decode(
        "homework",
        &json!({"id": 9, "title": "Essay", "status": {"id": 1, "attachments": [{
            "id": 5, "file_name": "essay.pdf", "file": "https://x/f", "validated_file": "https://x/v",
            "teacher_note": "Well done", "can_delete": false,
            "teacher_homework_attachments": [
                {"id": 6, "file_name": "marked.pdf", "file": "https://x/m", "validated_file": "https://x/mv"}
            ]
        }, {
            "id": 7, "filename": "draft.docx", "teacher_note": null, "can_delete": "yes",
            "teacher_homework_attachments": null
        }]}}),
    );
    let a = &hw.status.unwrap().attachments;
    assert_eq!(a[0].teacher_note.as_deref(), Some("Well done"));
    assert!(!a[0].can_delete);
    assert_eq!(
        a[0].teacher_homework_attachments[0].file_name.as_deref(),
        Some("marked.pdf")
    );
    assert_eq!(
        (a[1].file_name.as_deref(), a[1].teacher_note.as_deref()),
        (Some("draft.docx"), None)
    );
    assert!(a[1].can_delete && a[1].teacher_homework_attachments.is_empty());

    let an: Announcement = decode(
        "announcement",
        &json!({"id": 3, "title": "Trip", "for_pupils": ["Ada Lovelace", 4242, {"id": 7, "name": "Bo"}, null]}),
    );
    assert_eq!(an.for_pupils.len(), 4);
    assert_eq!(an.for_pupils[0], json!("Ada Lovelace"));
    assert_eq!(an.for_pupils[1], json!(4242));
    assert_eq!(an.for_pupils[2]["id"], json!(7));
}

/// Item 6: a behaviour point timestamped local midnight in UTC is on the school's date.
#[test]
fn a_point_at_local_midnight_in_utc_is_on_the_school_date() {
    let p: ActivityPoint = decode(
        "point",
        &json!({"id": 1, "type": "behaviour", "polarity": "positive", "score": 1,
                "timestamp": "2023-08-24T23:00:00+00:00"}),
    );
    let e = convert::event(&p, 0, "42", &london()).unwrap().unwrap();
    assert_eq!(e.date, date(2023, 8, 25));
    assert_eq!(
        e.occurred_at.unwrap().to_string(),
        "2023-08-25T00:00:00+01:00"
    );
}
