//! Requests one school-week costs through the Classe365 provider (issue 16): students,
//! attendance, timetable and behaviour of an emulated school of N students (default 1,000),
//! each entity read once by a fresh client, counted per route by the emulator.
//!
//! Classe365 has no timetable and no behaviour endpoint (neither v2 nor v1 lists one): those reads are
//! `Unsupported` and cost nothing. The week is Monday to Friday, five open days inside the
//! school's attendance range; the school is read in both emulator profiles (daily registers,
//! and the variant's subject-wise registers).
//!
//! ```sh
//! cargo run --release -p mis-classe365 --example classe365_week_requests [-- SIZE]
//! ```

use std::sync::Arc;
use std::time::Instant;

use mis_classe365::{Classe365Provider, Config};
use mis_sandbox::{EmulatorOptions, FaultPlan, Profile, Sandbox, School, SchoolOptions};
use mis_testkit::count_requests;

#[tokio::main]
async fn main() {
    let size: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1000);
    for profile in [Profile::Standard, Profile::Variant] {
        let school = Arc::new(School::generate_with(
            16,
            size,
            SchoolOptions::new().profile(profile),
        ));
        let sandbox = Sandbox::start_with(
            &mis_sandbox::emulator::classe365::EMULATOR,
            school.clone(),
            FaultPlan::none(),
            EmulatorOptions::default(),
            0,
        )
        .await
        .expect("the Classe365 emulator starts");
        let creds = sandbox.credentials();
        let subdomain = creds.get("subdomain").expect("a subdomain").to_owned();
        let key = creds.get("api_key").expect("an API key").to_owned();
        let client = Classe365Provider::new(
            Config::new(&subdomain, key.as_str())
                .map(|c| c.update_options(|o| o.with_base_url(sandbox.base_url())))
                .expect("config"),
        )
        .expect("client");
        let range = mis_testkit::school_week(&school).expect("a full school week");
        let began = Instant::now();
        let (r, n) = count_requests(sandbox.stats(), mis_testkit::read_week(&client, range)).await;
        let r = r.expect("the week reads");
        println!(
            "\n{profile:?} profile, {} to {} — {} students, {} marks, {} lessons, {} events \
             (page size {})",
            range.from(),
            range.to(),
            r[0],
            r[1],
            r[2],
            r[3],
            client.client().page_size()
        );
        println!("| route | requests |\n|---|---:|");
        for (route, count) in &n.by_route {
            println!("| `{route}` | {count} |");
        }
        println!("| **total** | **{}** |", n.total);
        println!("wall {:.2?}", began.elapsed());
    }
}
