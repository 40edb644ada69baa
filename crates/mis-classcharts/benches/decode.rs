//! Decode + normalise throughput: the emulator's `/pupils` body (a parent's pupils), cycled
//! to 5,000 records, read (a) as plain JSON (`serde_json::Value`, and `IgnoredAny`, the
//! parse floor) and (b) through this crate's wire types into the `mis_core` model.
//!
//! ```text
//! cargo bench -p mis-classcharts --bench decode
//! ```
//!
//! ClassCharts is a student / parent API: no endpoint lists a school's students, and
//! attendance is one pupil's, so no real body is large. The parent's pupil records are
//! repeated to a 5,000-record body of the same shape to measure the per-record cost.

use std::hint::black_box;

use criterion::Criterion;
use mis_classcharts::convert;
use mis_classcharts::wire::{Envelope, Pupil};
use mis_testkit::bench::{body, group};

fn bench(c: &mut Criterion) {
    let pupils = body(
        mis_sandbox::emulator::classcharts::ID,
        "pupils",
        "/data",
        5000,
    );
    let mut g = group(c, "classcharts/students", &pupils);
    g.bench_function("wire_convert", |b| {
        b.iter(|| {
            let e: Envelope<Vec<Pupil>> =
                mis_http::decode_json("classcharts", "pupils", black_box(&pupils)).unwrap();
            e.data
                .unwrap_or_default()
                .iter()
                .map(|p| convert::student(&p.student, None).unwrap())
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
