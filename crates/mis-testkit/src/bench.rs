//! Shared pieces of the vendor crates' decode benchmarks (`benches/decode.rs`): the large
//! bodies they read, and the plain-JSON baselines every vendor is compared with.

use std::hint::black_box;
use std::time::Duration;

use criterion::{BenchmarkGroup, Criterion, Throughput, measurement::WallTime};
use mis_sandbox::{EmulatorDescriptor, School};
use serde::de::IgnoredAny;

/// `emulator`'s `name` body for a 5,000-student school, with the array at `pointer`
/// (`""`: the body is the array) cycled to `n` records when the body is a single page.
pub fn body(emulator: &EmulatorDescriptor, name: &str, pointer: &str, n: usize) -> Vec<u8> {
    let school = School::generate(7, 5000);
    let vendor = emulator.id;
    let mut body = (emulator.fixtures)(&school)
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

/// A benchmark group over `bytes` with the two baselines already in it: a plain
/// `serde_json::Value` decode and `IgnoredAny` (the parse floor). The vendor adds its own
/// `wire_convert` function to the group.
pub fn group<'a>(c: &'a mut Criterion, name: &str, bytes: &[u8]) -> BenchmarkGroup<'a, WallTime> {
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
