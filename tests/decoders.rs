//! Property tests: every vendor's response decoders, fed arbitrary bytes and arbitrary JSON,
//! never panic, and a failure is a `Decode` error whose `Display` names the vendor and the
//! operation. The fuzz targets in `fuzz/fuzz_targets/decode_*.rs` run the same decoders for
//! longer.

use mis_core::ErrorKind;
use proptest::prelude::*;
use serde::de::DeserializeOwned;
use serde_json::{Map, Number, Value};

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 128,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// Decodes `body` into `T` as the vendor crate would; checks the error when it fails.
fn check<T: DeserializeOwned>(vendor: &str, operation: &str, body: &[u8]) {
    match mis_http::decode_json::<T>(vendor, operation, body) {
        Ok(_) => {}
        Err(e) => {
            assert_eq!(e.kind(), ErrorKind::Decode, "{e}");
            let shown = e.to_string();
            assert!(
                shown.starts_with(&format!("{vendor} {operation}: ")),
                "{shown}"
            );
            let _ = format!("{e:?} {:?}", e.decode_detail());
        }
    }
}

/// Field names the vendors' wire types use, so arbitrary objects get past the outer layer.
const KEYS: &[&str] = &[
    "data",
    "meta",
    "success",
    "error",
    "expired",
    "records",
    "items",
    "students",
    "student",
    "id",
    "student_id",
    "pupil_id",
    "first_name",
    "last_name",
    "surname",
    "forename",
    "name",
    "date",
    "date_of_birth",
    "dob",
    "upn",
    "year_group",
    "session",
    "session_id",
    "code",
    "mark",
    "status",
    "attendance",
    "attendance_code",
    "am",
    "pm",
    "lesson",
    "period",
    "note",
    "total_count",
    "total_pages",
    "current_page",
    "per_page",
    "page",
    "has_more",
    "next_page",
    "access_token",
    "token_type",
    "expires_in",
    "homeroom_advisor",
    "class_id",
    "classes",
    "session_marks",
    "lesson_marks",
    "school_id",
    "academic_year_id",
    "enrolment",
    "forms",
    "minutes_late",
    "polarity",
    "points",
    "reason",
    "timestamp",
    "start_date",
    "end_date",
];

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| Number::from_f64(f).map_or(Value::Null, Value::Number)),
        ".{0,12}".prop_map(Value::String),
        prop::sample::select(vec![
            "2024-09-02",
            "02/09/2024",
            "2024-09-02T08:45:00Z",
            "2024-09-02 08:45:00",
            "08:45",
            "/",
            "L",
            "Present",
            "true",
            "1",
            "",
        ])
        .prop_map(|s| Value::String(s.into())),
    ]
}

/// Arbitrary JSON, at most four levels deep.
fn json() -> impl Strategy<Value = Value> {
    let key = prop_oneof![
        3 => prop::sample::select(KEYS).prop_map(str::to_owned),
        1 => ".{0,8}",
    ];
    leaf().prop_recursive(4, 48, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(key.clone(), inner, 0..8)
                .prop_map(|m| Value::Object(m.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

/// Arbitrary bytes, biased towards JSON-ish ones.
fn bytes() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..256),
        "[\\[\\]{}\",:0-9a-z .\\-]{0,64}".prop_map(String::into_bytes),
    ]
}

fn go4schools(body: &[u8]) {
    use mis_go4schools::wire::*;
    let v = mis_go4schools::VENDOR;
    check::<ListPage<Student>>(v, "students.list", body);
    check::<ListPage<SessionMark>>(v, "attendance.sessions", body);
    check::<ListPage<LessonMark>>(v, "attendance.lessons", body);
    check::<ListPage<AttendanceCode>>(v, "attendance.codes", body);
    check::<ListPage<BehaviourEvent>>(v, "behaviour.events", body);
}

fn hubmis(body: &[u8]) {
    use mis_hubmis::wire::*;
    let v = mis_hubmis::VENDOR;
    check::<TokenResponse>(v, "auth.token", body);
    check::<List<Student>>(v, "students.list", body);
    check::<List<AttendanceRecord>>(v, "attendance.list", body);
    check::<List<AttendanceCode>>(v, "attendance.codes", body);
    check::<List<PastoralEvent>>(v, "pastoral.events", body);
}

fn classcharts(body: &[u8]) {
    use mis_classcharts::wire::de::Many;
    use mis_classcharts::wire::*;
    let v = mis_classcharts::VENDOR;
    check::<Envelope<Student, LoginMeta>>(v, "auth.login", body);
    check::<Envelope<PingData<Student>, PingMeta>>(v, "auth.ping", body);
    check::<Envelope<Many<Pupil>>>(v, "pupils", body);
    check::<Envelope<AttendanceDays, AttendanceMeta>>(v, "attendance", body);
    check::<Envelope<Many<TimetableLesson>, TimetableMeta>>(v, "timetable", body);
    check::<Envelope<Many<ActivityPoint>, ActivityMeta>>(v, "activity", body);
    check::<ErrorBody>(v, "error", body);
}

fn classe365(body: &[u8]) {
    use mis_classe365::wire::*;
    let v = mis_classe365::VENDOR;
    check::<Envelope<Vec<Student>>>(v, "students.list", body);
    check::<Envelope<Vec<AttendanceRecord>>>(v, "attendance.list", body);
    check::<Envelope<Vec<Class>>>(v, "classes.list", body);
    check::<Envelope<Vec<Session>>>(v, "sessions.list", body);
}

fn managebac(body: &[u8]) {
    use mis_managebac::wire::*;
    let v = mis_managebac::VENDOR;
    check::<List<Student>>(v, "students.list", body);
    check::<One<Student>>(v, "students.get", body);
    check::<HomeroomDateAttendance>(v, "attendance.homeroom", body);
    check::<ClassDateAttendance>(v, "attendance.class", body);
    check::<List<Class>>(v, "classes.list", body);
    check::<List<BehaviorNote>>(v, "behaviour.notes", body);
}

/// One vendor's decoders over one body.
type Decoders = fn(&[u8]);

const VENDORS: [(&str, Decoders); 5] = [
    ("go4schools", go4schools),
    ("hubmis", hubmis),
    ("classcharts", classcharts),
    ("classe365", classe365),
    ("managebac", managebac),
];

proptest! {
    #![proptest_config(config())]

    #[test]
    fn go4schools_bytes(body in bytes()) { go4schools(&body) }

    #[test]
    fn go4schools_json(value in json()) { go4schools(value.to_string().as_bytes()) }

    #[test]
    fn hubmis_bytes(body in bytes()) { hubmis(&body) }

    #[test]
    fn hubmis_json(value in json()) { hubmis(value.to_string().as_bytes()) }

    #[test]
    fn classcharts_bytes(body in bytes()) { classcharts(&body) }

    #[test]
    fn classcharts_json(value in json()) { classcharts(value.to_string().as_bytes()) }

    #[test]
    fn classe365_bytes(body in bytes()) { classe365(&body) }

    #[test]
    fn classe365_json(value in json()) { classe365(value.to_string().as_bytes()) }

    #[test]
    fn managebac_bytes(body in bytes()) { managebac(&body) }

    #[test]
    fn managebac_json(value in json()) { managebac(value.to_string().as_bytes()) }
}

/// The vendor crates' names agree with the operations' prefixes checked above, and an
/// obviously wrong body fails as a decode error for each.
#[test]
fn every_vendor_rejects_a_non_json_body() {
    for (name, decode) in VENDORS {
        decode(b"<html>not json</html>");
        let e = mis_http::decode_json::<Vec<u8>>(name, "x", b"{").unwrap_err();
        assert!(e.to_string().starts_with(&format!("{name} x: ")), "{e}");
    }
}
