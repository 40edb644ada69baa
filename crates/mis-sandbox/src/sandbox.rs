//! Starting an emulator for one vendor over one school: [`Sandbox::start`].

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;

use crate::emulator::{
    Core, FaultPlan, Faults, Running, Stats, ThrottleResponse, serve, with_faults,
};
use crate::school::School;

/// The five vendors the sandbox emulates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Vendor {
    /// ClassCharts student / parent API.
    ClassCharts,
    /// GO 4 Schools customer API v1.
    Go4Schools,
    /// WCBS HUBmis (inferred routes).
    Hubmis,
    /// Classe365 REST v2.
    Classe365,
    /// ManageBac API v2p1.
    ManageBac,
}

impl Vendor {
    /// Every vendor.
    pub const ALL: [Vendor; 5] = [
        Vendor::ClassCharts,
        Vendor::Go4Schools,
        Vendor::Hubmis,
        Vendor::Classe365,
        Vendor::ManageBac,
    ];

    /// The vendor id used everywhere (`classcharts`, `go4schools`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Vendor::ClassCharts => "classcharts",
            Vendor::Go4Schools => "go4schools",
            Vendor::Hubmis => "hubmis",
            Vendor::Classe365 => "classe365",
            Vendor::ManageBac => "managebac",
        }
    }

    /// Parses a vendor id.
    pub fn parse(id: &str) -> Option<Vendor> {
        Vendor::ALL
            .into_iter()
            .find(|v| v.as_str() == id.trim().to_ascii_lowercase())
    }
}

impl fmt::Display for Vendor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Knobs that change how an emulator behaves (not what it serves).
#[derive(Debug, Clone, PartialEq)]
pub struct EmulatorOptions {
    /// Multiplies every vendor time window (quota windows, token lifetimes, session idle
    /// timeouts). `1.0` is the real vendor; `0.01` makes HUBmis's 60 s window 0.6 s, for fast
    /// tests and the demo.
    pub time_scale: f64,
    /// Page size used when the client does not ask for one (vendor default otherwise).
    pub default_page_size: Option<usize>,
}

impl Default for EmulatorOptions {
    fn default() -> Self {
        EmulatorOptions {
            time_scale: 1.0,
            default_page_size: None,
        }
    }
}

impl EmulatorOptions {
    /// A vendor duration scaled by [`EmulatorOptions::time_scale`].
    pub fn scaled(&self, real: Duration) -> Duration {
        real.mul_f64(self.time_scale.max(0.0))
    }
}

/// What an emulator module is given to build its router.
#[derive(Debug, Clone)]
pub struct EmulatorContext {
    /// The school it serves.
    pub school: Arc<School>,
    /// Behaviour knobs.
    pub options: EmulatorOptions,
    /// The fault plan (for expiry every N requests).
    pub faults: Arc<Faults>,
    /// Counters to bump (applied writes, logins, throttles).
    pub stats: Arc<Stats>,
}

/// Credentials an emulator accepts, by name (`api_key`, `client_id`, `client_secret`,
/// `realm`, `code`, `dob`, `email`, `password`, `subdomain`, `token`).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Credentials(pub BTreeMap<&'static str, String>);

impl Credentials {
    /// One credential, or `None`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Sandbox credentials are not real secrets, but printing them would teach callers
        // that credentials may be printed.
        f.debug_set().entries(self.0.keys()).finish()
    }
}

/// What an emulator module builds.
pub struct Emulator {
    /// The vendor's routes, paths including the vendor's documented prefix.
    pub router: Router,
    /// The credentials that work.
    pub credentials: Credentials,
    /// The vendor's own 429 response, used by injected throttles.
    pub throttle: ThrottleResponse,
}

/// A JSON file the fixtures xtask writes: `fixtures/<vendor>/<name>.json`.
#[derive(Debug, Clone, PartialEq)]
pub struct Fixture {
    /// File stem, named for the endpoint (`students`, `attendance_session_marks`…).
    pub name: String,
    /// The body the emulator serves for that endpoint.
    pub body: serde_json::Value,
}

/// One running emulator. Dropping it stops the server.
#[derive(Debug)]
pub struct Sandbox {
    vendor: Vendor,
    running: Running,
    credentials: Credentials,
    stats: Arc<Stats>,
}

impl Sandbox {
    /// Starts `vendor`'s emulator over `school` on a free loopback port with `faults`.
    pub async fn start(
        vendor: Vendor,
        school: Arc<School>,
        faults: FaultPlan,
    ) -> std::io::Result<Sandbox> {
        Sandbox::start_with(vendor, school, faults, EmulatorOptions::default(), 0).await
    }

    /// Starts with explicit options and port (`0`: any free port).
    pub async fn start_with(
        vendor: Vendor,
        school: Arc<School>,
        faults: FaultPlan,
        options: EmulatorOptions,
        port: u16,
    ) -> std::io::Result<Sandbox> {
        let faults = Arc::new(Faults::new(faults));
        let stats = Arc::new(Stats::default());
        let ctx = EmulatorContext {
            school,
            options,
            faults: faults.clone(),
            stats: stats.clone(),
        };
        let emulator = build(vendor, &ctx);
        let core = Core {
            faults,
            stats: stats.clone(),
            throttle: emulator.throttle,
        };
        let running = serve(with_faults(emulator.router, core), port).await?;
        Ok(Sandbox {
            vendor,
            running,
            credentials: emulator.credentials,
            stats,
        })
    }

    /// The vendor.
    pub fn vendor(&self) -> Vendor {
        self.vendor
    }

    /// `http://127.0.0.1:<port>`: pass it as the vendor crate's base URL override.
    pub fn base_url(&self) -> String {
        self.running.base_url()
    }

    /// The credentials the emulator accepts.
    pub fn credentials(&self) -> &Credentials {
        &self.credentials
    }

    /// Counters: requests, applied writes, faults, throttles, logins.
    pub fn stats(&self) -> &Arc<Stats> {
        &self.stats
    }
}

/// Builds one vendor's emulator. Each arm calls that vendor's module.
fn build(vendor: Vendor, ctx: &EmulatorContext) -> Emulator {
    match vendor {
        Vendor::ClassCharts => crate::emulator::classcharts::build(ctx),
        Vendor::Go4Schools => crate::emulator::go4schools::build(ctx),
        Vendor::Hubmis => crate::emulator::hubmis::build(ctx),
        Vendor::Classe365 => crate::emulator::classe365::build(ctx),
        Vendor::ManageBac => crate::emulator::managebac::build(ctx),
    }
}

/// The fixtures of one vendor for `school`, in a fixed order.
pub fn fixtures(vendor: Vendor, school: &School) -> Vec<Fixture> {
    match vendor {
        Vendor::ClassCharts => crate::emulator::classcharts::fixtures(school),
        Vendor::Go4Schools => crate::emulator::go4schools::fixtures(school),
        Vendor::Hubmis => crate::emulator::hubmis::fixtures(school),
        Vendor::Classe365 => crate::emulator::classe365::fixtures(school),
        Vendor::ManageBac => crate::emulator::managebac::fixtures(school),
    }
}
