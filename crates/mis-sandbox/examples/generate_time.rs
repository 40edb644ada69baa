//! Prints how long the synthetic school takes to generate, and what it holds.
//!
//! `cargo run --release -p mis-sandbox --example generate_time [SEED] [SIZE]`
//! (defaults: 7 and 5000). Not a timed assertion: numbers depend on the machine.

use std::time::Instant;

use mis_sandbox::School;

fn main() {
    let mut args = std::env::args().skip(1);
    let seed: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(7);
    let size: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(5000);

    let started = Instant::now();
    let school = School::generate(seed, size);
    let elapsed = started.elapsed();
    println!("School::generate({seed}, {size}) took {elapsed:.2?}");
    println!("{}", school.summary());
}
