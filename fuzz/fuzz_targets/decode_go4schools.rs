//! GO 4 Schools: arbitrary bytes as a response body, decoded through `mis_http::decode_json` into the
//! crate's main wire types, as the client does. Never a panic; a failure is a `Decode` error
//! naming the vendor and the operation.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mis_core::ErrorKind;
use serde::de::DeserializeOwned;

fn check<T: DeserializeOwned>(operation: &str, body: &[u8]) {
    let vendor = mis_go4schools::VENDOR;
    if let Err(e) = mis_http::decode_json::<T>(vendor, operation, body) {
        assert_eq!(e.kind(), ErrorKind::Decode, "{e}");
        assert!(
            e.to_string()
                .starts_with(&format!("{vendor} {operation}: ")),
            "{e}"
        );
    }
}

fuzz_target!(|data: &[u8]| {
    use mis_go4schools::wire::*;
    check::<ListPage<Student>>("students.list", data);
    check::<ListPage<SessionMark>>("attendance.sessions", data);
    check::<ListPage<LessonMark>>("attendance.lessons", data);
    check::<ListPage<AttendanceCode>>("attendance.codes", data);
    check::<ListPage<BehaviourEvent>>("behaviour.events", data);
});
