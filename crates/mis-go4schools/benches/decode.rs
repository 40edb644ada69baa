//! Decode + normalise throughput: the emulator's bodies for a 5,000-student school, read (a)
//! as plain JSON (`Vec<serde_json::Value>`, and `Vec<IgnoredAny>`, the parse floor) and (b)
//! through this crate's wire types into the `mis_core` model, as the provider does.
//!
//! ```text
//! cargo bench -p mis-go4schools --bench decode
//! ```
//!
//! GO 4 Schools serves the whole student list in one body and every AM/PM mark of the school
//! for a date in one body, so both bodies are the emulator's own, unrepeated.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput};
use mis_core::codes::CodeMapper;
use mis_go4schools::VENDOR;
use mis_go4schools::convert::{self, CodeBook};
use mis_go4schools::wire::{AttendanceCode, ListPage, SessionMark, Student};
use mis_sandbox::School;
use serde::de::IgnoredAny;

fn bodies() -> (Vec<u8>, Vec<u8>, Vec<u8>) {
    let school = School::generate(7, 5000);
    let all = (mis_sandbox::emulator::go4schools::EMULATOR.fixtures)(&school);
    let get = |name: &str| {
        let f = all
            .iter()
            .find(|f| f.name == name)
            .unwrap_or_else(|| panic!("no {name} fixture"));
        serde_json::to_vec(&f.body).expect("serialise")
    };
    (
        get("students"),
        get("attendance_session_marks"),
        get("attendance_codes"),
    )
}

fn bench(c: &mut Criterion) {
    let (students, marks, codes) = bodies();
    let today = jiff::civil::date(2024, 9, 1);
    let date = jiff::civil::date(2024, 9, 3);
    let mapper = CodeMapper::new();
    let codes: ListPage<AttendanceCode> =
        mis_http::decode_json(VENDOR, "attendance.codes", &codes).expect("codes");
    let book = CodeBook::new(&codes.items);

    let n: usize = serde_json::from_slice::<Vec<IgnoredAny>>(&students)
        .expect("students")
        .len();
    eprintln!("go4schools students: {n} records, {} bytes", students.len());
    let mut g = c.benchmark_group("go4schools/students");
    g.sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(2))
        .throughput(Throughput::Bytes(students.len() as u64));
    g.bench_function("plain_value", |b| {
        b.iter(|| serde_json::from_slice::<Vec<serde_json::Value>>(black_box(&students)).unwrap())
    });
    g.bench_function("plain_ignored", |b| {
        b.iter(|| serde_json::from_slice::<Vec<IgnoredAny>>(black_box(&students)).unwrap())
    });
    g.bench_function("wire_convert", |b| {
        b.iter(|| {
            let page: ListPage<Student> =
                mis_http::decode_json(VENDOR, "students.list", black_box(&students)).unwrap();
            page.items
                .iter()
                .map(|s| convert::student(s, None, today))
                .collect::<Vec<_>>()
        })
    });
    g.finish();

    let n: usize = serde_json::from_slice::<Vec<IgnoredAny>>(&marks)
        .expect("marks")
        .len();
    eprintln!(
        "go4schools session marks: {n} records, {} bytes",
        marks.len()
    );
    let mut g = c.benchmark_group("go4schools/attendance");
    g.sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(2))
        .throughput(Throughput::Bytes(marks.len() as u64));
    g.bench_function("plain_value", |b| {
        b.iter(|| serde_json::from_slice::<Vec<serde_json::Value>>(black_box(&marks)).unwrap())
    });
    g.bench_function("plain_ignored", |b| {
        b.iter(|| serde_json::from_slice::<Vec<IgnoredAny>>(black_box(&marks)).unwrap())
    });
    g.bench_function("wire_convert", |b| {
        b.iter(|| {
            let page: ListPage<SessionMark> =
                mis_http::decode_json(VENDOR, "attendance.session_marks", black_box(&marks))
                    .unwrap();
            page.items
                .iter()
                .map(|m| convert::session_mark(m, date, &book, &mapper).unwrap())
                .collect::<Vec<_>>()
        })
    });
    g.finish();
}

fn main() {
    let mut c = Criterion::default().configure_from_args();
    bench(&mut c);
    c.final_summary();
}
