//! Requests and wall time of a first and a second (incremental) `mis sync` per vendor, for
//! one emulated school of N students (default 1,000) and a two-week window.
//!
//! ```sh
//! cargo run --release -p mis-cli --example sync_requests -- 1000
//! ```
//!
//! The emulators run their vendor windows scaled down (HUBmis: 12 requests per 60 ms instead
//! of per 60 s) and the client's quota is scaled the same way, so the wall times here are
//! not the vendor's; the HUBmis column "at the real quota" is the request count × 5 s (its
//! documented 12 requests a minute, one every 5 s).

use std::collections::BTreeMap;
use std::sync::Arc;

use mis_cli::sync::{SyncConfig, SyncOptions, sync_with};
use mis_sandbox::{EmulatorOptions, FaultPlan, Sandbox, School};

const SCALE: f64 = 0.001;

#[tokio::main]
async fn main() {
    let size: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1000);
    println!(
        "| vendor | students | first sync: requests | first: wall | second (incremental): requests | second: wall | HUBmis at the real quota (first / second) |"
    );
    println!("|---|---:|---:|---:|---:|---:|---|");
    for (i, entry) in mis_cli::Registry::builtin().entries().iter().enumerate() {
        let vendor = entry.id();
        let school = Arc::new(School::generate(900 + i as u64, size));
        let sandbox = Sandbox::start_with(
            entry.emulator,
            school.clone(),
            FaultPlan::none(),
            EmulatorOptions {
                time_scale: SCALE,
                ..EmulatorOptions::default()
            },
            0,
        )
        .await
        .expect("emulator");
        let mut env = BTreeMap::new();
        let mut creds = Vec::new();
        for (name, value) in &sandbox.credentials().0 {
            if vendor == mis_sandbox::emulator::classcharts::ID
                && !["email", "password"].contains(name)
            {
                continue;
            }
            let var = format!("BENCH_{}", name.to_ascii_uppercase());
            env.insert(var.clone(), value.clone());
            creds.push(format!("{name} = \"{var}\""));
        }
        let from = school.attendance_range.expect("records").from();
        let to = from.checked_add(jiff::Span::new().days(11)).unwrap();
        let mut extra = String::new();
        match vendor {
            mis_sandbox::emulator::hubmis::ID => {
                extra.push_str(&format!("quota = \"12/{}\"\n", 60.0 * SCALE))
            }
            mis_sandbox::emulator::managebac::ID => {
                extra.push_str(&format!(
                    "quota = \"1000/1\"\nbell_times = \"{}\"\n",
                    mis_cli::demo::bell_times(&school)
                ));
            }
            _ => {}
        }
        let config = SyncConfig::parse(&format!(
            "from = \"{from}\"\nto = \"{to}\"\n\n[[school]]\nname = \"Bench\"\nprovider = \"{}\"\nbase_url = \"{}\"\ncredentials = {{ {} }}\n{extra}",
            vendor.as_str(),
            sandbox.base_url(),
            creds.join(", ")
        ))
        .expect("config");
        let db = std::env::temp_dir().join(format!("mis-sync-bench-{}.sqlite", vendor.as_str()));
        let _ = std::fs::remove_file(&db);
        let url = format!("sqlite:{}", db.display());
        let lookup = |name: &str| env.get(name).cloned();
        let options = SyncOptions { today: Some(to) };
        let mut cells = Vec::new();
        let mut counts = Vec::new();
        for _ in 0..2 {
            let before = sandbox.stats().requests();
            let report = sync_with(&config, &url, &lookup, &options)
                .await
                .expect("sync");
            let school_report = &report.schools[0];
            assert!(
                school_report.error.is_none(),
                "{vendor}: {:?}",
                school_report.error
            );
            let requests = sandbox.stats().requests() - before;
            counts.push(requests);
            cells.push(format!(
                "{requests} | {:.1} s",
                school_report.wall.as_secs_f64()
            ));
        }
        let real = if vendor == mis_sandbox::emulator::hubmis::ID {
            let h = |n: u64| format!("{:.1} h", n as f64 * 5.0 / 3600.0);
            format!("{} / {}", h(counts[0]), h(counts[1]))
        } else {
            "—".into()
        };
        println!(
            "| {} | {} | {} | {} | {real} |",
            vendor.as_str(),
            school.students.len(),
            cells[0],
            cells[1]
        );
        let _ = std::fs::remove_file(&db);
    }
}
