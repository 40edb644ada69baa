//! How long `School::generate` takes. The target is under 2 s for (7, 5000) in release.
//!
//! Run: `cargo bench -p mis-sandbox --bench generate`

// `criterion_group!` generates an undocumented public function.
#![allow(missing_docs)]

use criterion::{Criterion, criterion_group, criterion_main};
use mis_sandbox::School;

fn generate(c: &mut Criterion) {
    let mut group = c.benchmark_group("school_generate");
    // Few samples: one 5,000-student school takes a good fraction of a second.
    group.sample_size(10);
    for size in [500usize, 5000] {
        group.bench_function(format!("seed7_size{size}"), |b| {
            b.iter(|| School::generate(std::hint::black_box(7), std::hint::black_box(size)))
        });
    }
    group.finish();
}

criterion_group!(benches, generate);
criterion_main!(benches);
