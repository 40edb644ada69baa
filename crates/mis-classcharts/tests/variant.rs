//! Issue 14 ("real-data semantics") end to end: the ClassCharts emulator's variant profile
//! (`"Period N"` register keys, status-only lesson registers, UTC-midnight detention dates,
//! flat badges, `last_id: true`) and local httpmock servers for the real shapes it does not
//! serve (two classes in one period, `meta.timetable_dates` naming a Saturday). Every test
//! asserts normalised values or request counts.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::sync::atomic::Ordering;

use futures::TryStreamExt;
use httpmock::Method::{GET, POST};
use httpmock::MockServer;
use jiff::ToSpan;
use jiff::civil::{Date, date};
use mis_classcharts::{Config, StudentClient};
use mis_core::{
    AttendanceQuery, BehaviourQuery, DateRange, DetentionQuery, MisProvider, MisProviderExt, Slot,
    TimetableQuery,
};
use mis_http::{RateLimit, RetryConfig};
use mis_sandbox::{EmulatorOptions, FaultPlan, Profile, Sandbox, School, SchoolOptions};
use serde_json::{Value, json};

const SEED: u64 = 180;

fn school(profile: Profile) -> Arc<School> {
    Arc::new(School::generate_with(
        SEED,
        30,
        SchoolOptions::default().profile(profile),
    ))
}

async fn start(school: Arc<School>, page_size: Option<usize>) -> Sandbox {
    Sandbox::start_with(
        &mis_sandbox::emulator::classcharts::EMULATOR,
        school,
        FaultPlan::none(),
        EmulatorOptions {
            default_page_size: page_size,
            ..EmulatorOptions::default()
        },
        0,
    )
    .await
    .expect("the emulator starts")
}

fn student(sandbox: &Sandbox) -> StudentClient {
    let creds = sandbox.credentials();
    StudentClient::new(
        Config::student(creds.get("code").unwrap(), creds.get("dob").unwrap())
            .unwrap()
            .update_options(|o| {
                o.with_base_url(sandbox.base_url())
                    .with_rate_limit(RateLimit::unlimited())
            }),
    )
    .unwrap()
}

/// The first Monday-to-Sunday week with lesson marks.
fn first_week(school: &School) -> DateRange {
    let first = school.lesson_mark_range.unwrap().from();
    let monday = first
        .checked_sub(i64::from(first.weekday().to_monday_zero_offset()).days())
        .unwrap();
    DateRange::new(monday, monday.checked_add(6.days()).unwrap()).unwrap()
}

fn requests(sandbox: &Sandbox) -> u64 {
    sandbox.stats().requests.load(Ordering::SeqCst)
}

/// Items 1 and 2 (acceptance): in the variant school the registers say `"Period 1"`, the
/// timetable `"P1"`; for one pupil-week every lesson mark whose lesson is timetabled joins it
/// on (date, lesson_id) with the same period, and lesson ids are unique per date.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pupil_week_of_period_n_registers_joins_the_timetable() {
    let school = school(Profile::Variant);
    let sandbox = start(school.clone(), None).await;
    let client = student(&sandbox);
    let me = client.student_id().await.unwrap();
    let week = first_week(&school);

    // The wire really is the variant: "Period N" keys and hidden lesson codes.
    let raw = client.get_attendance(&me, week).await.unwrap().data;
    let keys: BTreeSet<&str> = raw
        .0
        .values()
        .flat_map(|d| d.keys())
        .map(String::as_str)
        .collect();
    assert!(
        keys.contains("Period 1") && !keys.contains("P1"),
        "{keys:?}"
    );
    assert!(
        raw.0
            .values()
            .flat_map(|d| d.iter())
            .any(|(k, m)| k.starts_with("Period") && m.code.as_deref() == Some(""))
    );

    let lessons = client.all_lessons(TimetableQuery::new(week)).await.unwrap();
    let marks = client
        .all_attendance(AttendanceQuery::new(week))
        .await
        .unwrap();
    let mut by_key = BTreeMap::new();
    for l in &lessons {
        assert!(
            by_key.insert((l.date, l.id.clone()), l).is_none(),
            "lesson id {} twice on {}",
            l.id,
            l.date
        );
    }
    let lesson_marks: Vec<_> = marks.iter().filter(|m| m.slot == Slot::Lesson).collect();
    assert!(lesson_marks.len() >= 10, "{}", lesson_marks.len());
    for m in lesson_marks {
        let timetabled = lessons
            .iter()
            .any(|l| l.date == m.date && l.period == m.period);
        assert!(timetabled, "a lesson mark without its lesson: {m:?}");
        let id = m.lesson_id.clone().expect("a joined lesson id");
        let l = by_key
            .get(&(m.date, id))
            .expect("the mark's lesson is timetabled");
        assert_eq!(l.period, m.period);
        assert!(m.category != mis_core::AttendanceCategory::Unmapped);
    }
}

fn ok(data: Value, meta: Value) -> Value {
    json!({"success": 1, "data": data, "meta": meta})
}

async fn mock_student(server: &MockServer) -> StudentClient {
    server
        .mock_async(|when, then| {
            when.method(POST).path("/apiv2student/login");
            then.status(200).json_body(ok(
                json!({"id": 42, "first_name": "Ada", "last_name": "Lovelace"}),
                json!({"session_id": "s1"}),
            ));
        })
        .await;
    server
        .mock_async(|when, then| {
            when.method(POST).path("/apiv2student/ping");
            then.status(200).json_body(ok(
                json!({"user": {"id": 42, "first_name": "Ada", "last_name": "Lovelace"}}),
                json!({"version": "28.7.1", "session_id": "s2"}),
            ));
        })
        .await;
    StudentClient::new(
        Config::student("ABC123", "2010-01-20")
            .unwrap()
            .update_options(|o| {
                o.with_base_url(server.base_url())
                    .with_rate_limit(RateLimit::unlimited())
                    .with_retry(RetryConfig::none())
            }),
    )
    .unwrap()
}

/// One timetable entry in the classcharts-rs fixture's shape.
fn entry(day: Date, lesson_id: u64, name: &str, period: &str, start: &str, end: &str) -> Value {
    json!({
        "teacher_name": "Teacher Name", "teacher_id": "12", "lesson_id": lesson_id,
        "lesson_name": name, "subject_name": "Subject Name", "is_alternative_lesson": false,
        "period_name": format!("1Mon:{period}"), "period_number": period,
        "room_name": "Room Name", "date": day.to_string(),
        "start_time": format!("{day}T{start}:00+01:00"), "end_time": format!("{day}T{end}:00+01:00"),
        // Repeated on purpose: ClassCharts' lesson `key` is not unique.
        "key": 348583458,
        "note_abstract": "", "note": "", "pupil_note_abstract": "", "pupil_note": "",
        "pupil_note_raw": ""
    })
}

/// Items 1, 2 and 7 (acceptance): two classes in one period (same key), `"Period N"`
/// registers naming their class, one pupil-week. Lessons are unique per (date, id); every
/// lesson mark joins its lesson; the timetable is asked for the five school days only.
#[tokio::test]
async fn two_classes_in_one_period_join_and_weekends_cost_nothing() {
    let server = MockServer::start_async().await;
    let client = mock_student(&server).await;
    let monday = date(2024, 9, 9);
    let week = DateRange::new(monday, monday.checked_add(6.days()).unwrap()).unwrap();
    let mut timetables = Vec::new();
    for n in 0..5 {
        let day = monday.checked_add(n.days()).unwrap();
        let lessons = json!([
            entry(day, 501, "Set A", "P1", "09:00", "10:00"),
            entry(day, 777, "Drama", "P2", "10:00", "11:00"),
            entry(day, 778, "Art", "P2", "10:00", "11:00"),
            entry(day, 501, "Set A", "Tut", "11:20", "11:40"),
        ]);
        let m = server
            .mock_async(|when, then| {
                when.method(GET)
                    .path("/apiv2student/timetable/42")
                    .query_param("date", day.to_string());
                then.status(200).json_body(ok(
                    lessons,
                    json!({"dates": [day.to_string()], "timetable_dates": [day.to_string()]}),
                ));
            })
            .await;
        timetables.push(m);
    }
    let mut days = serde_json::Map::new();
    for n in 0..5 {
        let day = monday.checked_add(n.days()).unwrap();
        days.insert(
            day.to_string(),
            json!({
                "AM": {"code": "/", "status": "present", "late_minutes": 0},
                "Period 1": {"code": "", "status": "present", "late_minutes": "", "lesson_name": "Set A"},
                "Period 2": {"code": "", "status": "late", "late_minutes": 4, "lesson_name": "Art"},
                "Period Tut": {"code": "", "status": "ignore", "late_minutes": ""}
            }),
        );
    }
    server
        .mock_async(|when, then| {
            when.method(GET).path("/apiv2student/attendance/42");
            then.status(200).json_body(ok(
                Value::Object(days),
                json!({"sessions": ["AM", "Period 1"]}),
            ));
        })
        .await;

    let lessons = client.all_lessons(TimetableQuery::new(week)).await.unwrap();
    assert_eq!(lessons.len(), 20);
    let ids: BTreeSet<(Date, &str)> = lessons.iter().map(|l| (l.date, l.id.as_str())).collect();
    assert_eq!(ids.len(), lessons.len(), "unique per (date, id)");
    // Saturday and Sunday were never asked for: one request per school day.
    for m in &timetables {
        assert_eq!(m.calls_async().await, 1);
    }

    let marks = client
        .all_attendance(AttendanceQuery::new(week))
        .await
        .unwrap();
    let lesson_marks: Vec<_> = marks.iter().filter(|m| m.slot == Slot::Lesson).collect();
    assert_eq!(lesson_marks.len(), 15);
    for m in &lesson_marks {
        let id = m.lesson_id.as_deref().expect("joined");
        let l = lessons
            .iter()
            .find(|l| l.date == m.date && l.id == id)
            .expect("the mark's lesson");
        assert_eq!(l.period, m.period);
    }
    let p2 = lesson_marks
        .iter()
        .find(|m| m.period.as_deref() == Some("P2"))
        .unwrap();
    assert_eq!(
        p2.lesson_id.as_deref(),
        Some("778:2024-09-09:P2"),
        "Art, not Drama"
    );
    assert_eq!(
        (p2.category, p2.late, p2.minutes_late),
        (mis_core::AttendanceCategory::Present, true, Some(4))
    );
    let tut = lesson_marks
        .iter()
        .find(|m| m.period.as_deref() == Some("Tut"))
        .unwrap();
    assert_eq!(tut.category, mis_core::AttendanceCategory::NotCounted);
}

/// Item 7: a school that teaches on Saturday says so in `meta.timetable_dates`, and then
/// Saturday is asked for; a weekday the meta lists in `dates` but not `timetable_dates` is not.
#[tokio::test]
async fn timetable_dates_decide_which_days_are_asked_for() {
    let server = MockServer::start_async().await;
    let client = mock_student(&server).await;
    let friday = date(2024, 9, 13);
    let range = DateRange::new(friday, friday.checked_add(3.days()).unwrap()).unwrap();
    let fri = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/apiv2student/timetable/42")
                .query_param("date", "2024-09-13");
            then.status(200).json_body(ok(
                json!([entry(friday, 1, "Set A", "P1", "09:00", "10:00")]),
                json!({"dates": ["2024-09-13", "2024-09-14", "2024-09-16"],
                       "timetable_dates": ["2024-09-13", "2024-09-14"]}),
            ));
        })
        .await;
    let saturday = date(2024, 9, 14);
    let sat = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/apiv2student/timetable/42")
                .query_param("date", "2024-09-14");
            then.status(200).json_body(ok(
                json!([entry(saturday, 2, "Games", "P1", "09:00", "10:00")]),
                json!({"dates": ["2024-09-14"], "timetable_dates": ["2024-09-14"]}),
            ));
        })
        .await;
    let others = server
        .mock_async(|when, then| {
            when.method(GET).path("/apiv2student/timetable/42");
            then.status(200).json_body(ok(json!([]), json!({})));
        })
        .await;
    let lessons = client
        .all_lessons(TimetableQuery::new(range))
        .await
        .unwrap();
    let dates: Vec<Date> = lessons.iter().map(|l| l.date).collect();
    assert_eq!(dates, [friday, saturday]);
    assert_eq!((fri.calls_async().await, sat.calls_async().await), (1, 1));
    // Sunday is no school day; Monday the 16th was listed without a timetable.
    assert_eq!(others.calls_async().await, 0);
}

/// Item 7: the API ignores `from` (the emulator too), so the activity walk stops by itself
/// once a page reaches before `from`, instead of paging to the pupil's first point.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn activity_paging_stops_before_from() {
    let school = school(Profile::Standard);
    let sandbox = start(school.clone(), Some(2)).await;
    let client = student(&sandbox);
    // Log in first, so the counts below are the activity walk's alone.
    client.student_id().await.unwrap();
    let records = school.attendance_range.unwrap();
    let all = DateRange::new(records.from(), records.to()).unwrap();
    // The whole feed, page by page: how many requests a walk to the end costs.
    let before = requests(&sandbox);
    let everything = client
        .all_behaviour(BehaviourQuery::new(all))
        .await
        .unwrap();
    let full_walk = requests(&sandbox) - before;
    assert!(full_walk >= 6, "{full_walk} pages");

    let last_week =
        DateRange::new(records.to().checked_sub(6.days()).unwrap(), records.to()).unwrap();
    let before = requests(&sandbox);
    let recent = client
        .all_behaviour(BehaviourQuery::new(last_week))
        .await
        .unwrap();
    let walked = requests(&sandbox) - before;
    let want: Vec<_> = everything
        .iter()
        .filter(|e| last_week.contains(e.date))
        .map(|e| e.id.clone())
        .collect();
    let got: Vec<_> = recent.iter().map(|e| e.id.clone()).collect();
    assert_eq!(got, want);
    assert!(
        walked < full_walk / 2,
        "a week's behaviour walked {walked} pages of {full_walk}"
    );
}

/// Items 5 and 6 through the variant emulator: detention dates written as local midnight in
/// UTC are the school's dates; flat badges decode; the end page's `last_id: true` decodes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn variant_dates_badges_and_the_end_of_the_feed() {
    let school = school(Profile::Variant);
    let sandbox = start(school.clone(), None).await;
    let creds = sandbox.credentials();
    let parent = mis_classcharts::ParentClient::new(
        Config::parent(creds.get("email").unwrap(), creds.get("password").unwrap())
            .unwrap()
            .update_options(|o| {
                o.with_base_url(sandbox.base_url())
                    .with_rate_limit(RateLimit::unlimited())
            }),
    )
    .unwrap();
    let pupils: Vec<String> = creds
        .get("parent_pupil_ids")
        .unwrap()
        .split(',')
        .map(str::to_owned)
        .collect();
    let records = school.attendance_range.unwrap();
    let range = DateRange::new(records.from(), records.to()).unwrap();

    // Detentions: the school's dates, although the wire says the day before at 23:00 UTC.
    let mut want: Vec<(String, Date)> = school
        .detentions
        .iter()
        .map(|d| &d.detention)
        .filter(|d| pupils.contains(&d.student_id) && range.contains(d.date))
        .filter(|d| {
            matches!(
                d.status,
                Some(
                    mis_core::DetentionStatus::Attended
                        | mis_core::DetentionStatus::Missed
                        | mis_core::DetentionStatus::Scheduled
                )
            )
        })
        .map(|d| (d.id.clone(), d.date))
        .collect();
    want.sort();
    let mut got: Vec<(String, Date)> = parent
        .detentions(DetentionQuery::new(range))
        .try_collect::<Vec<_>>()
        .await
        .unwrap()
        .into_iter()
        .map(|d| (d.id, d.date))
        .collect();
    got.sort();
    assert!(!want.is_empty());
    assert_eq!(got, want);
    let raw = parent
        .get_detentions(&want_pupil(&school, &pupils), None)
        .await
        .unwrap();
    assert!(
        raw.data.iter().all(|d| d
            .date
            .as_deref()
            .is_some_and(|s| s.ends_with("T23:00:00+00:00"))),
        "the variant writes local midnight in UTC (BST)"
    );

    // Flat badges decode to their awards.
    let mut awards = 0;
    for p in &pupils {
        for b in parent.get_event_badges(p).await.unwrap().data {
            for a in &b.pupil_badges {
                let e = a.pupil_event.as_ref().expect("a flat award decodes");
                assert!(e.lesson_pupil_behaviour.is_some() && e.timestamp.is_some());
                awards += 1;
            }
        }
    }
    assert!(awards > 0);

    // The end of the feed: `last_id: true` reads as "no further id".
    let p = &pupils[0];
    let filter = mis_classcharts::ActivityFilter::default();
    let mut last = None;
    loop {
        let page = parent
            .get_activity(p, &filter, last.as_deref())
            .await
            .unwrap();
        match page.data.last() {
            Some(point) => last = Some(point.id.clone()),
            None => {
                assert_eq!(page.meta.last_id, None);
                break;
            }
        }
    }
}

/// The parent's first pupil who has a detention.
fn want_pupil(school: &School, pupils: &[String]) -> String {
    pupils
        .iter()
        .find(|p| {
            school
                .detentions
                .iter()
                .any(|d| &d.detention.student_id == *p)
        })
        .cloned()
        .unwrap_or_else(|| pupils[0].clone())
}
