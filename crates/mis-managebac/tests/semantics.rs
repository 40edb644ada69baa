//! Real-data semantics (issue 15) through the provider, against httpmock tenants built from
//! the vendor document's shapes: the document's attendance categories and the statistics
//! `mis attendance-summary` prints from them, parent excusals, `attendance: []`, behaviour
//! notes about unknown students, and the school's time zone.

use std::time::Duration;

use futures::TryStreamExt;
use httpmock::Method::GET;
use httpmock::MockServer;
use jiff::civil::{Date, date};
use mis_core::stats::{AttendanceSummary, summarise_by_student};
use mis_core::{
    AttendanceCategory, AttendanceMark, AttendanceQuery, BehaviourQuery, DateRange, Diagnostics,
    ErrorKind, MisProvider, Slot,
};
use mis_http::RetryConfig;
use mis_managebac::{Config, ManageBacProvider};
use serde_json::{Value, json};

const TOKEN: &str = "mb-tok-5e1d0c9a2b77";

fn config(server: &MockServer) -> Config {
    Config::new(TOKEN).unwrap().update_options(|o| {
        o.with_base_url(server.base_url())
            .with_rate_limit(mis_http::RateLimit::unlimited())
            .with_retry(
                RetryConfig::default()
                    .max_attempts(2)
                    .base_delay(Duration::from_millis(1))
                    .max_delay(Duration::from_millis(2)),
            )
    })
}

fn meta(total: u32) -> Value {
    json!({"current_page": 1, "total_pages": u32::from(total > 0), "total_count": total, "per_page": 50})
}

/// The 21 school days of September 2024 (weekdays, the 2nd to the 30th).
fn school_days() -> Vec<Date> {
    DateRange::new(date(2024, 9, 2), date(2024, 9, 30))
        .unwrap()
        .days()
        .filter(|d| d.weekday().to_monday_one_offset() <= 5)
        .collect()
}

/// The category list of the vendor document (`set_homeroom_attendance`'s "Available
/// statuses"), as `GET /school/academic-years/{id}/attendance_categories` carries it.
fn documented_categories() -> Value {
    json!({"categories": [
        {"status": 0, "label": "Absent", "abbreviation": "A", "enabled": true},
        {"status": 1, "label": "Present", "abbreviation": "P", "enabled": true},
        {"status": 2, "label": "Late", "abbreviation": "L", "enabled": true},
        {"status": -1, "label": "Present", "abbreviation": "P", "enabled": true},
        {"id": 3, "status": 3, "label": "Dress Code", "abbreviation": "DC", "enabled": true},
        {"id": 4, "status": 4, "label": "Late & Dress Code", "abbreviation": "LDC", "enabled": true},
        {"id": 5, "status": 5, "label": "Dismissed", "abbreviation": "D", "enabled": true},
        {"id": 10, "status": 10, "label": "Health", "abbreviation": "H", "enabled": true},
        {"id": 13, "status": 13, "label": "Excused", "abbreviation": "E", "enabled": true},
        {"id": 14, "status": 14, "label": "Other", "abbreviation": "O", "enabled": true}
    ]})
}

fn label(status: i64) -> &'static str {
    match status {
        0 => "Absent",
        1 | -1 => "Present",
        3 => "Dress Code",
        4 => "Late & Dress Code",
        5 => "Dismissed",
        13 => "Excused",
        14 => "Other",
        _ => "?",
    }
}

/// The homeroom register of day `i` (0-based) for the four students of the tenant:
///
/// - 42: present (`1` on even days, the default `-1` on odd ones) but `3` Dress Code on days
///   4 and 12 and `0` Absent on days 7 and 15;
/// - 43: `-1`, but `4` Late & Dress Code on days 1 and 9, `5` Dismissed on day 5, `13`
///   Excused on day 13, `14` Other on days 17 and 19;
/// - 44: `-1`, but `0` Absent on days 6, 7 (10–11 September, which a parent excused) and 16;
/// - 45: never taken: `"attendance": []` every day.
fn register(i: usize) -> Value {
    let a = match i {
        4 | 12 => 3,
        7 | 15 => 0,
        _ if i % 2 == 0 => 1,
        _ => -1,
    };
    let b = match i {
        1 | 9 => 4,
        5 => 5,
        13 => 13,
        17 | 19 => 14,
        _ => -1,
    };
    let c = match i {
        6 | 7 | 16 => 0,
        _ => -1,
    };
    let rec =
        |status: i64| json!({"status": label(status), "note": "", "category": {"status": status}});
    json!({"students": [
        {"id": 42, "attendance": rec(a)},
        {"id": 43, "attendance": rec(b)},
        {"id": 44, "attendance": rec(c)},
        {"id": 45, "attendance": []}
    ]})
}

/// A tenant with one program, one year, September's calendar, the document's categories,
/// one year group of four students and their registers; the excusal of student 44 for
/// 10–11 September. Returns the excusal mock, to count its calls.
async fn tenant(server: &MockServer) -> httpmock::Mock<'_> {
    server
        .mock_async(|when, then| {
            when.method(GET).path("/v2p1/school/academic-years");
            then.status(200).json_body(json!({"academic_years": {"myp": {"academic_years": [
                {"id": 11, "name": "2024 - 2025", "starts_on": "2024-08-19", "ends_on": "2025-06-20",
                 "academic_terms": [{"id": 111, "name": "Term 1", "starts_on": "2024-08-19", "ends_on": "2024-12-20"}]}
            ]}}}));
        })
        .await;
    let dates: Vec<Value> = school_days()
        .iter()
        .enumerate()
        .map(|(i, d)| json!({"date": d.to_string(), "rotation_day": i % 6 + 1}))
        .collect();
    server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/v2p1/school/programs/myp/academic-years/11/calendar");
            then.status(200).json_body(json!({"calendar": {
                "start_date": "2024-08-19", "end_date": "2025-06-20", "rotation_cycle": 6,
                "dates": dates
            }}));
        })
        .await;
    server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/v2p1/school/academic-years/11/attendance_categories");
            then.status(200).json_body(documented_categories());
        })
        .await;
    server
        .mock_async(|when, then| {
            when.method(GET).path("/v2p1/year-groups");
            then.status(200).json_body(json!({"year_groups": [
                {"id": 5, "name": "MYP 3", "program_code": "myp", "student_ids": [42, 43, 44, 45]}
            ], "meta": meta(1)}));
        })
        .await;
    for (i, d) in school_days().into_iter().enumerate() {
        server
            .mock_async(|when, then| {
                when.method(GET)
                    .path(format!("/v2p1/year-groups/5/homeroom/attendance/date/{d}"));
                then.status(200).json_body(register(i));
            })
            .await;
    }
    server
        .mock_async(|when, then| {
            when.method(GET).path_includes("/v2p1/students/excusals/");
            then.status(200).json_body(json!({"excusals": [
                {"id": 7, "student_id": 44, "parent_id": 500044, "start_date": "2024-09-10",
                 "end_date": "2024-09-11", "duration": 2, "comment": "Flu",
                 "created_at": "2024-09-10T06:45:00.000Z", "updated_at": "2024-09-10T06:45:00.000Z"}
            ], "meta": meta(1)}));
        })
        .await
}

async fn day_marks(client: &ManageBacProvider, d: &Diagnostics) -> Vec<AttendanceMark> {
    let range = DateRange::new(date(2024, 9, 2), date(2024, 9, 30)).unwrap();
    client
        .attendance(
            AttendanceQuery::new(range)
                .slot(Slot::Day)
                .with_diagnostics(d.clone()),
        )
        .try_collect()
        .await
        .unwrap()
}

/// (possible, present, late, authorised, unauthorised, not counted, unmapped, absence % to
/// two places, persistent absentee).
type Row = (u64, u64, u64, u64, u64, u64, u64, f64, bool);

fn row(s: &AttendanceSummary) -> Row {
    (
        s.possible,
        s.present,
        s.late,
        s.authorised_absence,
        s.unauthorised_absence,
        s.not_counted,
        s.unmapped,
        (s.absence_percent.unwrap_or(0.0) * 100.0).round() / 100.0,
        s.persistent_absence,
    )
}

fn summary_of<'a>(rows: &'a [AttendanceSummary], student: &str) -> &'a AttendanceSummary {
    rows.iter()
        .find(|r| r.student_id.as_deref() == Some(student))
        .unwrap_or_else(|| panic!("a row for {student}"))
}

/// Acceptance (items 1, 2, 4, 7): with the document's category list, the figures
/// `mis attendance-summary` prints (`summarise_by_student`) match this hand-computed table.
///
/// | student | marks | possible | present (late) | auth. | unauth. | unmapped | absence |
/// |---|---|---|---|---|---|---|---|
/// | 42 | 17 present + 2 Dress Code + 2 Absent | 21 | 19 (0) | 0 | 2 | 0 | 2/21 = 9.52 % |
/// | 43 | 15 present + 2 Late & Dress Code + Dismissed + Excused + 2 Other | 18 | 17 (2) | 1 | 0 | 3 | 1/18 = 5.56 % |
/// | 44 | 18 present + 3 Absent, 2 of them excused by a parent | 21 | 18 (0) | 2 | 1 | 0 | 3/21 = 14.29 % (persistent) |
/// | 45 | `attendance: []` every day: no marks | – | | | | | |
///
/// Before issue 15, Dress Code was unmapped: 42 read 2/19 = 10.53 %, a persistent absentee.
#[tokio::test]
async fn attendance_summary_over_the_documented_categories() {
    let server = MockServer::start_async().await;
    let excusals = tenant(&server).await;
    let client = ManageBacProvider::new(
        config(&server).update_options(|o| o.with_time_zone("Europe/London")),
    )
    .unwrap();
    let d = Diagnostics::new();
    let marks = day_marks(&client, &d).await;
    assert!(d.is_empty(), "{:#?}", d.warnings());
    assert_eq!(
        marks.len(),
        3 * 21,
        "no marks for 45, whose days were not taken"
    );
    // The excusals of a date are read only for a date with an absence: days 6, 7, 15, 16
    // (and day 7 once, though two students are absent on it).
    excusals.assert_calls_async(4).await;

    let (rows, total) = summarise_by_student(&marks);
    assert_eq!(rows.len(), 3);
    assert_eq!(
        row(summary_of(&rows, "42")),
        (21, 19, 0, 0, 2, 0, 0, 9.52, false)
    );
    assert_eq!(
        row(summary_of(&rows, "43")),
        (18, 17, 2, 1, 0, 0, 3, 5.56, false)
    );
    assert_eq!(
        row(summary_of(&rows, "44")),
        (21, 18, 0, 2, 1, 0, 0, 14.29, true)
    );
    let codes: Vec<(&str, u64)> = summary_of(&rows, "43")
        .unmapped_codes
        .iter()
        .map(|c| (c.code.as_str(), c.count))
        .collect();
    assert_eq!(codes, [("Dismissed", 1), ("Other", 2)], "unmapped by label");
    assert_eq!((total.students, total.persistent_absentees), (3, 1));

    // Item 2: the default `-1` keeps its raw code beside the explicit `1`.
    let of_42: Vec<&AttendanceMark> = marks.iter().filter(|m| m.student_id == "42").collect();
    // Odd days but 7 and 15 are `-1`, even days but 4 and 12 are `1`.
    assert_eq!(of_42.iter().filter(|m| m.code == "-1").count(), 8);
    assert_eq!(of_42.iter().filter(|m| m.code == "1").count(), 9);
    // Item 4: the excused absences, with the excusal's comment; the third one is not.
    let mut excused: Vec<(Date, AttendanceCategory, Option<&str>)> = marks
        .iter()
        .filter(|m| m.student_id == "44" && m.code == "0")
        .map(|m| (m.date, m.category, m.note.as_deref()))
        .collect();
    excused.sort_by_key(|e| e.0);
    assert_eq!(
        excused,
        [
            (
                date(2024, 9, 10),
                AttendanceCategory::AuthorisedAbsence,
                Some("Flu")
            ),
            (
                date(2024, 9, 11),
                AttendanceCategory::AuthorisedAbsence,
                Some("Flu")
            ),
            (
                date(2024, 9, 24),
                AttendanceCategory::UnauthorisedAbsence,
                None
            ),
        ]
    );
}

/// Item 1: the school's overrides (here from `MIS_MANAGEBAC_CATEGORY_MAP`) change the table:
/// Dismissed is an authorised absence, Other not counted — 43 becomes 2/19 = 10.53 %.
#[tokio::test]
async fn attendance_summary_with_the_schools_category_map() {
    let server = MockServer::start_async().await;
    tenant(&server).await;
    let base = server.base_url();
    let lookup = move |name: &str| match name {
        "MIS_MANAGEBAC_TOKEN" => Some(TOKEN.to_owned()),
        "MIS_MANAGEBAC_BASE_URL" => Some(base.clone()),
        "MIS_MANAGEBAC_TIME_ZONE" => Some("Europe/London".to_owned()),
        "MIS_MANAGEBAC_QUOTA" => Some("unlimited".to_owned()),
        "MIS_MANAGEBAC_CATEGORY_MAP" => {
            Some("Dismissed=authorised_absence, Other=not_counted".to_owned())
        }
        _ => None,
    };
    let client = ManageBacProvider::new(Config::from_lookup(lookup).unwrap()).unwrap();
    let marks = day_marks(&client, &Diagnostics::new()).await;
    let (rows, total) = summarise_by_student(&marks);
    assert_eq!(
        row(summary_of(&rows, "43")),
        (19, 17, 2, 2, 0, 2, 0, 10.53, true)
    );
    assert_eq!(
        row(summary_of(&rows, "42")),
        (21, 19, 0, 0, 2, 0, 0, 9.52, false)
    );
    assert_eq!(total.persistent_absentees, 2);
    // An overridden category keeps its id as the code.
    assert!(
        marks
            .iter()
            .any(|m| m.code == "5" && m.category == AttendanceCategory::AuthorisedAbsence)
    );
}

/// Item 4: when the excusals cannot be read (a token without `students/excusals/index`:
/// 403), absences stay as the register has them and one warning says they were not checked;
/// a strict read ends on it.
#[tokio::test]
async fn unreadable_excusals_leave_absences_unexcused_with_one_warning() {
    let server = MockServer::start_async().await;
    let excusals = tenant(&server).await;
    excusals.delete_async().await;
    server
        .mock_async(|when, then| {
            when.method(GET).path_includes("/v2p1/students/excusals/");
            then.status(403)
                .json_body(json!({"error": "Access Denied"}));
        })
        .await;
    let client = ManageBacProvider::new(
        config(&server).update_options(|o| o.with_time_zone("Europe/London")),
    )
    .unwrap();
    let d = Diagnostics::new();
    let marks = day_marks(&client, &d).await;
    assert_eq!(marks.len(), 63);
    assert!(
        marks
            .iter()
            .filter(|m| m.student_id == "44" && m.code == "0")
            .all(|m| m.category == AttendanceCategory::UnauthorisedAbsence)
    );
    let ws = d.warnings();
    assert_eq!(ws.len(), 1, "{ws:#?}");
    assert_eq!(ws[0].kind, ErrorKind::PermissionDenied);
    assert_eq!(ws[0].operation, "excusals.date");
    assert!(
        ws[0]
            .consequence
            .contains("not checked against parent excusals")
    );
    let range = DateRange::new(date(2024, 9, 2), date(2024, 9, 30)).unwrap();
    let e = client
        .attendance(
            AttendanceQuery::new(range)
                .slot(Slot::Day)
                .with_diagnostics(Diagnostics::strict()),
        )
        .try_collect::<Vec<_>>()
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::PermissionDenied);
}

/// Students (current and archived) and notes for the behaviour tests.
async fn behaviour_tenant(server: &MockServer, school: Value) {
    server
        .mock_async(|when, then| {
            when.method(GET).path("/v2p1/school");
            then.status(200).json_body(school);
        })
        .await;
    server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/v2p1/students")
                .query_param("archived", "false");
            then.status(200).json_body(json!({"students": [
                {"id": 14607428, "first_name": "Chloe", "last_name": "Ng", "archived": false,
                 "student_id": "chloe-42", "email": "chloe@example.org"}
            ], "meta": meta(1)}));
        })
        .await;
    server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/v2p1/students")
                .query_param("archived", "true");
            then.status(200)
                .json_body(json!({"students": [], "meta": meta(0)}));
        })
        .await;
    server
        .mock_async(|when, then| {
            when.method(GET).path("/v2p1/behavior/notes");
            then.status(200).json_body(json!({"behavior_notes": [
                {"id": 1, "student_id": "chloe-42", "incident_time": "2024-09-10T06:30:00+08:00",
                 "behavior_type": "Merit", "notes": "<p>Helped set up the lab.</p>",
                 "created_at": "2024-09-10T06:40:00.000Z"},
                {"id": 2, "student_id": "left-in-2019", "incident_time": "2024-09-10T09:00:00+08:00",
                 "behavior_type": "Merit", "created_at": "2024-09-10T06:40:00.000Z"}
            ], "meta": meta(2)}));
        })
        .await;
}

/// Items 5 and 6: the zone comes from the school record (`Asia/Hong_Kong`), so an
/// `incident_time` of 06:30+08:00 on the 10th is the 10th (in London it would be 23:30 on
/// the 9th); `student_ids` hold ManageBac ids, and a note about a student the school does not
/// list is skipped with a warning, never given the school's id.
#[tokio::test]
async fn behaviour_in_the_schools_zone_with_manage_bac_ids_only() {
    let server = MockServer::start_async().await;
    behaviour_tenant(
        &server,
        json!({"school": {"subdomain": "hkis", "name": "HK School", "country": "HK",
            "language": "en", "session_in_may": true, "timezone": "Asia/Hong_Kong"}}),
    )
    .await;
    let client = ManageBacProvider::new(config(&server)).unwrap();
    let d = Diagnostics::new();
    let range = DateRange::new(date(2024, 9, 10), date(2024, 9, 10)).unwrap();
    let events: Vec<_> = client
        .behaviour(BehaviourQuery::new(range).with_diagnostics(d.clone()))
        .try_collect()
        .await
        .unwrap();
    assert_eq!(events.len(), 1, "{events:#?}");
    assert_eq!(events[0].id, "1");
    assert_eq!(events[0].date, date(2024, 9, 10));
    assert_eq!(events[0].student_ids, ["14607428"]);
    assert_eq!(
        events[0].occurred_at.as_ref().unwrap().to_string(),
        "2024-09-10T06:30:00+08:00"
    );
    let ws = d.warnings();
    assert_eq!(ws.len(), 1, "{ws:#?}");
    assert_eq!(
        (
            ws[0].record_id.as_deref(),
            ws[0].kind,
            ws[0].operation.as_str()
        ),
        (Some("2"), ErrorKind::NotFound, "behavior.notes")
    );
    assert_eq!(
        ws[0].consequence,
        "behaviour note skipped: its student is not known"
    );
    assert!(!ws[0].message.contains("left-in-2019"), "no record value");
}

/// Item 6: a school record without a zone falls back to Europe/London, with a warning; the
/// 06:30+08:00 incident is then on the 9th in London, out of a range of the 10th.
#[tokio::test]
async fn no_zone_anywhere_falls_back_to_london_with_a_warning() {
    let server = MockServer::start_async().await;
    behaviour_tenant(
        &server,
        json!({"school": {"subdomain": "x", "name": "X", "country": "GB"}}),
    )
    .await;
    let client = ManageBacProvider::new(config(&server)).unwrap();
    let d = Diagnostics::new();
    let range = DateRange::new(date(2024, 9, 9), date(2024, 9, 10)).unwrap();
    let events: Vec<_> = client
        .behaviour(BehaviourQuery::new(range).with_diagnostics(d.clone()))
        .try_collect()
        .await
        .unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].date, date(2024, 9, 9));
    let zone: Vec<_> = d
        .warnings()
        .into_iter()
        .filter(|w| w.entity == "school")
        .collect();
    assert_eq!(zone.len(), 1, "{zone:#?}");
    assert!(
        zone[0].consequence.contains("Europe/London"),
        "{}",
        zone[0].consequence
    );
    assert!(zone[0].consequence.contains("MIS_MANAGEBAC_TIME_ZONE"));
    // A configured zone wins and asks nothing.
    let client = ManageBacProvider::new(
        config(&server).update_options(|o| o.with_time_zone("Asia/Hong_Kong")),
    )
    .unwrap();
    let d = Diagnostics::new();
    let events: Vec<_> = client
        .behaviour(BehaviourQuery::new(range).with_diagnostics(d.clone()))
        .try_collect()
        .await
        .unwrap();
    assert_eq!(events[0].date, date(2024, 9, 10));
    assert!(d.warnings().iter().all(|w| w.entity != "school"));
}
