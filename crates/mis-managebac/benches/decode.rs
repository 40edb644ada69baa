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
use std::time::Duration;

use criterion::{Criterion, Throughput};
use mis_managebac::convert;
use mis_managebac::wire::{List, Student};
use mis_sandbox::{School, Vendor, fixtures};
use serde::de::IgnoredAny;

/// The emulator's `name` body for a 5,000-student school, with the array at `pointer`
/// (`""`: the body is the array) cycled to `n` records when the body is a single page.
fn body(vendor: Vendor, name: &str, pointer: &str, n: usize) -> Vec<u8> {
    let school = School::generate(7, 5000);
    let mut body = fixtures(vendor, &school)
        .into_iter()
        .find(|f| f.name == name)
        .unwrap_or_else(|| panic!("no {name} fixture"))
        .body;
    let list = body
        .pointer_mut(pointer)
        .and_then(serde_json::Value::as_array_mut)
        .unwrap_or_else(|| panic!("{name}: no array at {pointer:?}"));
    let page = std::mem::take(list);
    assert!(!page.is_empty(), "{name}: empty page");
    eprintln!(
        "{vendor} {name}: {} records on the emulator's page, cycled to {n}",
        page.len()
    );
    *list = page.iter().cycle().take(n).cloned().collect();
    serde_json::to_vec(&body).expect("serialise")
}

fn group<'a>(
    c: &'a mut Criterion,
    name: &str,
    bytes: &[u8],
) -> criterion::BenchmarkGroup<'a, criterion::measurement::WallTime> {
    eprintln!("{name}: {} bytes", bytes.len());
    let mut g = c.benchmark_group(name);
    g.sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(2))
        .throughput(Throughput::Bytes(bytes.len() as u64));
    g.bench_function("plain_value", |b| {
        b.iter(|| serde_json::from_slice::<serde_json::Value>(black_box(bytes)).unwrap())
    });
    g.bench_function("plain_ignored", |b| {
        b.iter(|| serde_json::from_slice::<IgnoredAny>(black_box(bytes)).unwrap())
    });
    g
}

fn bench(c: &mut Criterion) {
    let students = body(Vendor::ManageBac, "students", "/students", 5000);
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
