//! Decode + normalise throughput: the emulator's student list body, cycled to 5,000
//! records, read (a) as plain JSON (`serde_json::Value`, and `IgnoredAny`, the parse floor)
//! and (b) through this crate's wire types into the `mis_core` model.
//!
//! ```text
//! cargo bench -p mis-managebac --bench decode
//! ```
//!
//! ManageBac pages its lists (the fixture is page 1, 100 records, of a 5,000-student school);
//! the page's records are repeated to make one 5,000-record body of the same shape.
//! ManageBac attendance comes per class or homeroom (tens of students), so there is no large
//! attendance body to measure.

use std::collections::BTreeMap;
use std::hint::black_box;

use criterion::Criterion;
use mis_managebac::convert;
use mis_managebac::wire::{List, Student};
use mis_testkit::bench::{body, group};

fn bench(c: &mut Criterion) {
    let students = body(
        &mis_sandbox::emulator::managebac::EMULATOR,
        "students",
        "/students",
        5000,
    );
    let years = BTreeMap::new();
    let mut g = group(c, "managebac/students", &students);
    g.bench_function("wire_convert", |b| {
        b.iter(|| {
            let list: List<Student> =
                mis_http::decode_json("managebac", "students.list", black_box(&students)).unwrap();
            list.items
                .iter()
                .map(|s| convert::student::student(s, &years))
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
