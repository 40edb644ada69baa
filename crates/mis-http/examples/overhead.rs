//! Stack overhead without criterion: N requests each way (default 2000, or the first
//! argument), alternating bare `reqwest` and `mis_http::HttpClient` so drift hits both alike,
//! against the same loopback server; prints p50, p90 and the p50 ratio (target ≤ 1.10).
//!
//! `cargo run --release -p mis-http --example overhead [-- N]`; `-- N stack` or `-- N bare`
//! (or `-- N bare-ua`) sends N requests with one client only (for a profiler).
//!
//! `-- N same-request` is the same interleaved run against a bare client that also sends the
//! stack's `User-Agent` ([`support::Bare::with_user_agent`]), so both requests are the same
//! bytes: what is left is the cost of the stack's layers. The figure against the target is
//! the plain run's (a user's plain reqwest client sends no `User-Agent`).

use std::time::{Duration, Instant};

#[path = "../benches/support/overhead.rs"]
mod support;

use support::{Bare, Stack, micros, percentile};

/// Requests each way before measuring (connections opened, caches warm).
const WARMUP: usize = 200;

fn main() {
    let n: usize = match std::env::args().nth(1) {
        Some(arg) => arg.parse().unwrap_or_else(|_| {
            eprintln!("usage: overhead [N]  (N = requests each way, default 2000)");
            std::process::exit(2)
        }),
        None => 2000,
    };
    let mode = std::env::args().nth(2);
    let same_request = mode.as_deref() == Some("same-request");
    // `overhead N stack` / `overhead N bare` / `overhead N bare-ua`: one client only, for a
    // profiler.
    if let Some(only) = mode.filter(|_| !same_request) {
        let rt = support::runtime();
        let base = support::start_server(&rt);
        let bare = match only.as_str() {
            "bare-ua" => Bare::with_user_agent(&base),
            _ => Bare::new(&base),
        };
        let stack = Stack::new(&base);
        for _ in 0..n {
            match only.as_str() {
                "bare" | "bare-ua" => std::hint::black_box(rt.block_on(bare.get())),
                _ => std::hint::black_box(rt.block_on(stack.get())),
            };
        }
        return;
    }
    let rt = support::runtime();
    let base = support::start_server(&rt);
    let bare = if same_request {
        Bare::with_user_agent(&base)
    } else {
        Bare::new(&base)
    };
    let stack = Stack::new(&base);
    for _ in 0..WARMUP {
        rt.block_on(bare.get());
        rt.block_on(stack.get());
    }

    let mut bare_latencies = Vec::with_capacity(n);
    let mut stack_latencies = Vec::with_capacity(n);
    for i in 0..n {
        // Alternate which goes first, so neither always follows the other.
        if i % 2 == 0 {
            bare_latencies.push(time(&rt, || bare.get()));
            stack_latencies.push(time(&rt, || stack.get()));
        } else {
            stack_latencies.push(time(&rt, || stack.get()));
            bare_latencies.push(time(&rt, || bare.get()));
        }
    }

    let bare_p50 = percentile(&mut bare_latencies, 0.5);
    let bare_p90 = percentile(&mut bare_latencies, 0.9);
    let stack_p50 = percentile(&mut stack_latencies, 0.5);
    let stack_p90 = percentile(&mut stack_latencies, 0.9);
    println!("requests each way: {n} (after {WARMUP} warm-up requests each)");
    if same_request {
        println!("same request: the bare client sends the stack's User-Agent too");
    }
    println!(
        "bare reqwest: p50 {:8.1} µs   p90 {:8.1} µs",
        micros(bare_p50),
        micros(bare_p90)
    );
    println!(
        "mis-http:     p50 {:8.1} µs   p90 {:8.1} µs",
        micros(stack_p50),
        micros(stack_p90)
    );
    println!(
        "ratio:        p50 {:8.3}      p90 {:8.3}   (mis-http / bare; target p50 <= 1.10)",
        stack_p50.as_secs_f64() / bare_p50.as_secs_f64(),
        stack_p90.as_secs_f64() / bare_p90.as_secs_f64()
    );
}

/// The wall time of one request.
fn time<F: Future<Output = usize>>(
    rt: &tokio::runtime::Runtime,
    f: impl FnOnce() -> F,
) -> Duration {
    let start = Instant::now();
    std::hint::black_box(rt.block_on(f()));
    start.elapsed()
}
