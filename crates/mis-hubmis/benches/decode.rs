//! Decode + normalise throughput: the emulator's student list body, cycled to 5,000
//! records, read (a) as plain JSON (`serde_json::Value`, and `IgnoredAny`, the parse floor)
//! and (b) through this crate's wire types into the `mis_core` model.
//!
//! ```text
//! cargo bench -p mis-hubmis --bench decode
//! ```
//!
//! HUBmis pages its lists (the fixture is page 1, 30 records, of a 5,000-student school);
//! the page's records are repeated to make one 5,000-record body of the same shape. HUBmis
//! attendance is per student, so there is no large attendance body to measure.

use std::hint::black_box;

use criterion::Criterion;
use mis_hubmis::convert;
use mis_hubmis::wire::Student;
use mis_testkit::bench::{body, group};

fn bench(c: &mut Criterion) {
    let students = body(
        &mis_sandbox::emulator::hubmis::EMULATOR,
        "students",
        "",
        5000,
    );
    let mut g = group(c, "hubmis/students", &students);
    g.bench_function("wire_convert", |b| {
        b.iter(|| {
            let list: Vec<Student> =
                mis_http::decode_json("hubmis", "students.list", black_box(&students)).unwrap();
            list.iter()
                .map(|s| convert::student::student(s, None).unwrap())
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
