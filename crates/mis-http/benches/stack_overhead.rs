//! Stack overhead: `mis_http::HttpClient` (trace, retry, auth, rate gate with an unlimited
//! quota, timeout, classify) against a bare `reqwest::Client`, same loopback server, same
//! request, body read in full.
//!
//! Run with `cargo bench -p mis-http --bench stack_overhead` (add `-- --quick` for a short
//! run). Besides criterion's own estimates (mean time per request), it records every
//! request's latency and prints the p50 and p90 of each client and the p50 ratio
//! (stack / bare; target ≤ 1.10). `cargo run --release -p mis-http --example overhead` gives
//! the same figure without criterion.

use std::cell::RefCell;
use std::time::{Duration, Instant};

use criterion::Criterion;

#[path = "support/overhead.rs"]
mod support;

use support::{Bare, Stack, micros, percentile};

fn stack_overhead(c: &mut Criterion) {
    let rt = support::runtime();
    let base = support::start_server(&rt);
    let bare = Bare::new(&base);
    let stack = Stack::new(&base);
    // Open the connections before measuring.
    for _ in 0..50 {
        rt.block_on(bare.get());
        rt.block_on(stack.get());
    }

    let bare_latencies = RefCell::new(Vec::<Duration>::new());
    let stack_latencies = RefCell::new(Vec::<Duration>::new());
    let mut group = c.benchmark_group("stack_overhead");
    group.bench_function("bare_reqwest", |b| {
        b.iter_custom(|iters| {
            let (total, latencies) = rt.block_on(async {
                let mut latencies = Vec::with_capacity(iters as usize);
                let start = Instant::now();
                for _ in 0..iters {
                    let t = Instant::now();
                    std::hint::black_box(bare.get().await);
                    latencies.push(t.elapsed());
                }
                (start.elapsed(), latencies)
            });
            bare_latencies.borrow_mut().extend(latencies);
            total
        });
    });
    group.bench_function("mis_http", |b| {
        b.iter_custom(|iters| {
            let (total, latencies) = rt.block_on(async {
                let mut latencies = Vec::with_capacity(iters as usize);
                let start = Instant::now();
                for _ in 0..iters {
                    let t = Instant::now();
                    std::hint::black_box(stack.get().await);
                    latencies.push(t.elapsed());
                }
                (start.elapsed(), latencies)
            });
            stack_latencies.borrow_mut().extend(latencies);
            total
        });
    });
    group.finish();

    let mut bare_latencies = bare_latencies.into_inner();
    let mut stack_latencies = stack_latencies.into_inner();
    let (bare_p50, stack_p50) = (
        percentile(&mut bare_latencies, 0.5),
        percentile(&mut stack_latencies, 0.5),
    );
    let (bare_p90, stack_p90) = (
        percentile(&mut bare_latencies, 0.9),
        percentile(&mut stack_latencies, 0.9),
    );
    println!(
        "stack_overhead: bare reqwest p50 {:.1} µs p90 {:.1} µs ({} requests); \
         mis-http p50 {:.1} µs p90 {:.1} µs ({} requests)",
        micros(bare_p50),
        micros(bare_p90),
        bare_latencies.len(),
        micros(stack_p50),
        micros(stack_p90),
        stack_latencies.len(),
    );
    if !bare_p50.is_zero() {
        println!(
            "stack_overhead: p50 ratio mis-http / bare = {:.3} (target <= 1.10)",
            stack_p50.as_secs_f64() / bare_p50.as_secs_f64()
        );
    }
}

fn main() {
    let mut criterion = Criterion::default().configure_from_args();
    stack_overhead(&mut criterion);
    criterion.final_summary();
}
