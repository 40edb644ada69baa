//! Two HUBmis schools read together from one host against an emulator enforcing the per-IP
//! limit (12 requests in any window, scaled): their providers share one rate gate (keyed by
//! host), so together they get no 429 (issue 16 item 4), and the gate serves them in turn.

use std::sync::Arc;

use futures::TryStreamExt;
use jiff::ToSpan;
use mis_core::{AttendanceQuery, DateRange, MisProvider};
use mis_hubmis::{Config, HubmisProvider, Quota, SecretString};
use mis_sandbox::{EmulatorOptions, FaultPlan, Sandbox, School, Stats};

const SCALE: f64 = 0.02;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_schools_on_one_host_get_no_429() {
    let school = Arc::new(School::generate(11, 12));
    let sandbox = Sandbox::start_with(
        &mis_sandbox::emulator::hubmis::EMULATOR,
        school.clone(),
        FaultPlan::none(),
        EmulatorOptions {
            time_scale: SCALE,
            ..EmulatorOptions::default()
        },
        0,
    )
    .await
    .expect("the HUBmis emulator starts");
    let creds = sandbox.credentials();
    // Two schools: two providers, each with its own client and token, one host.
    let provider = || {
        let config = Config::new(
            creds.get("client_id").unwrap(),
            SecretString::from(creds.get("client_secret").unwrap().to_owned()),
            creds.get("realm").unwrap(),
        )
        .update_options(|o| o.with_base_url(sandbox.base_url()))
        .with_quota(Quota::HUBMIS.scaled(SCALE));
        HubmisProvider::new(config).unwrap()
    };
    let (a, b) = (provider(), provider());
    let first = school.attendance_range.unwrap().from();
    let range = DateRange::new(first, first.checked_add(2.days()).unwrap()).unwrap();
    let read = |p: HubmisProvider| async move {
        p.attendance(AttendanceQuery::new(range))
            .try_collect::<Vec<_>>()
            .await
    };
    let (ra, rb) = tokio::join!(read(a), read(b));
    let (ra, rb) = (ra.unwrap(), rb.unwrap());
    assert_eq!(ra.len(), rb.len());
    let stats = sandbox.stats();
    assert_eq!(
        Stats::get(&stats.throttled),
        0,
        "no 429 in {} requests",
        Stats::get(&stats.requests)
    );
}
