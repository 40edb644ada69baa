//! Decode + normalise throughput: the emulator's student and attendance bodies, cycled to
//! 5,000 records, read (a) as plain JSON (`serde_json::Value`, and `IgnoredAny`, the parse
//! floor) and (b) through this crate's wire types into the `mis_core` model.
//!
//! ```text
//! cargo bench -p mis-classe365 --bench decode
//! ```
//!
//! Classe365 pages its lists (the fixture is page 1, 50 records, of a 5,000-student school);
//! the page's records are repeated to make one 5,000-record body of the same shape.

use std::hint::black_box;

use criterion::Criterion;
use mis_classe365::convert;
use mis_classe365::wire::{AttendanceRecord, Envelope, Student};
use mis_core::codes::CodeMapper;
use mis_testkit::bench::{body, group};

fn bench(c: &mut Criterion) {
    let students = body(
        &mis_sandbox::emulator::classe365::EMULATOR,
        "students",
        "/records",
        5000,
    );
    let mut g = group(c, "classe365/students", &students);
    g.bench_function("wire_convert", |b| {
        b.iter(|| {
            let e: Envelope<Student> =
                mis_http::decode_json("classe365", "students.list", black_box(&students)).unwrap();
            e.records
                .unwrap_or_default()
                .iter()
                .map(|s| convert::student(s).unwrap())
                .collect::<Vec<_>>()
        })
    });
    g.finish();

    let marks = body(
        &mis_sandbox::emulator::classe365::EMULATOR,
        "attendance",
        "/records",
        5000,
    );
    let mapper = CodeMapper::new();
    let mut g = group(c, "classe365/attendance", &marks);
    g.bench_function("wire_convert", |b| {
        b.iter(|| {
            let e: Envelope<AttendanceRecord> =
                mis_http::decode_json("classe365", "attendance.list", black_box(&marks)).unwrap();
            e.records
                .unwrap_or_default()
                .iter()
                .map(|m| convert::mark(m, &mapper).unwrap())
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
