//! Starting an emulator over one school: [`Sandbox::start`].
//!
//! Each emulator module exports its vendor id (`emulator::hubmis::ID`, the id the vendor
//! crate declares) and an [`EmulatorDescriptor`] (`emulator::hubmis::EMULATOR`); a sandbox
//! is started from a descriptor. This crate keeps no list of its emulators: a program's
//! vendor registry pairs each vendor with its emulator descriptor, which need not come from
//! this crate, and is the one place that enumerates them.

use std::collections::BTreeMap;
use std::fmt;
use std::io;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use mis_core::VendorId;

use crate::emulator::{
    Core, FaultPlan, Faults, Running, Stats, ThrottleResponse, serve, with_faults,
};
use crate::school::School;

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

/// One emulator, as a table of emulators lists it: its vendor id, how to build it, its
/// fixtures.
///
/// The credentials it accepts are made for the school it serves (they are derived from the
/// school), so they come with each started [`Sandbox`]; [`Sandbox::env`] names them the
/// way clients read them, `MIS_<VENDOR>_<NAME>` (`api_key` of `go4schools` is
/// `MIS_GO4SCHOOLS_API_KEY`).
#[derive(Clone, Copy)]
pub struct EmulatorDescriptor {
    /// The vendor it emulates.
    pub id: VendorId,
    /// The vendor's product name (`WCBS HUBmis`).
    pub name: &'static str,
    /// Builds its router, credentials and 429 response over a school.
    pub build: fn(&EmulatorContext) -> Emulator,
    /// The wire-format fixtures it renders for a school, in a fixed order (may be empty
    /// for an emulator with no fixture files).
    pub fixtures: fn(&School) -> Vec<Fixture>,
    /// What a client configures, beyond the base URL and the credentials, to read the
    /// school the way the school itself would configure it at the emulator's time scale:
    /// `MIS_<VENDOR>_*` settings such as a quota scaled with the emulator's window, bell
    /// times or behaviour polarity the vendor's API does not carry. Empty for most vendors.
    pub settings: fn(&School, &EmulatorOptions) -> Vec<(String, String)>,
    /// The time scale a demonstration runs this emulator at: short enough that a 40-student
    /// school reads in seconds under the vendor's quota, long enough not to be throttled.
    pub demo_time_scale: f64,
}

/// [`EmulatorDescriptor::settings`] for an emulator whose school needs no settings.
pub fn no_settings(_: &School, _: &EmulatorOptions) -> Vec<(String, String)> {
    Vec::new()
}

impl fmt::Debug for EmulatorDescriptor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EmulatorDescriptor")
            .field("id", &self.id)
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

/// One running emulator. Dropping it stops the server.
#[derive(Debug)]
pub struct Sandbox {
    id: VendorId,
    running: Running,
    credentials: Credentials,
    settings: Vec<(String, String)>,
    stats: Arc<Stats>,
}

impl Sandbox {
    /// Starts `emulator` over `school` on a free loopback port with `faults` and default
    /// options.
    pub async fn start(
        emulator: &EmulatorDescriptor,
        school: Arc<School>,
        faults: FaultPlan,
    ) -> io::Result<Sandbox> {
        Sandbox::start_with(emulator, school, faults, EmulatorOptions::default(), 0).await
    }

    /// Starts `emulator` over `school` with explicit options and port (`0`: any free port).
    pub async fn start_with(
        emulator: &EmulatorDescriptor,
        school: Arc<School>,
        faults: FaultPlan,
        options: EmulatorOptions,
        port: u16,
    ) -> io::Result<Sandbox> {
        let faults = Arc::new(Faults::new(faults));
        let stats = Arc::new(Stats::default());
        let settings = (emulator.settings)(&school, &options);
        let ctx = EmulatorContext {
            school,
            options,
            faults: faults.clone(),
            stats: stats.clone(),
        };
        let built = (emulator.build)(&ctx);
        let core = Core {
            faults,
            stats: stats.clone(),
            throttle: built.throttle,
        };
        let running = serve(with_faults(built.router, core), port).await?;
        Ok(Sandbox {
            id: emulator.id,
            running,
            credentials: built.credentials,
            settings,
            stats,
        })
    }

    /// Starts each of `emulators` over the same `school`, each on its own free port and
    /// without faults, in the order given.
    pub async fn start_each<'a>(
        emulators: impl IntoIterator<Item = &'a EmulatorDescriptor>,
        school: Arc<School>,
        options: EmulatorOptions,
    ) -> io::Result<Vec<Sandbox>> {
        let mut running = Vec::new();
        for emulator in emulators {
            running.push(
                Sandbox::start_with(
                    emulator,
                    school.clone(),
                    FaultPlan::none(),
                    options.clone(),
                    0,
                )
                .await?,
            );
        }
        Ok(running)
    }

    /// The vendor it emulates.
    pub fn id(&self) -> VendorId {
        self.id
    }

    /// `http://127.0.0.1:<port>`: pass it as the vendor crate's base URL override.
    pub fn base_url(&self) -> String {
        self.running.base_url()
    }

    /// The credentials the emulator accepts.
    pub fn credentials(&self) -> &Credentials {
        &self.credentials
    }

    /// What a client reads to reach this emulator, by the names it reads for the real
    /// vendor: `MIS_<VENDOR>_BASE_URL` and one `MIS_<VENDOR>_<NAME>` per credential
    /// (`MIS_HUBMIS_CLIENT_ID`, `MIS_GO4SCHOOLS_API_KEY`, …). These are made-up credentials
    /// for a synthetic school.
    pub fn env(&self) -> BTreeMap<String, String> {
        let mut env = BTreeMap::new();
        env.insert(self.id.env("BASE_URL"), self.base_url());
        for (name, value) in &self.credentials.0 {
            env.insert(self.id.env(&name.to_ascii_uppercase()), value.clone());
        }
        env
    }

    /// The settings a client needs to read this emulator's school as the school would
    /// configure it ([`EmulatorDescriptor::settings`]), as `MIS_<VENDOR>_*` pairs.
    pub fn settings(&self) -> &[(String, String)] {
        &self.settings
    }

    /// [`Sandbox::env`] and [`Sandbox::settings`] together: everything a client reads.
    pub fn client_env(&self) -> BTreeMap<String, String> {
        let mut env = self.env();
        env.extend(self.settings.iter().cloned());
        env
    }

    /// Counters: requests, applied writes, faults, throttles, logins.
    pub fn stats(&self) -> &Arc<Stats> {
        &self.stats
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::emulator::{go4schools, hubmis};

    #[tokio::test]
    async fn a_sandbox_names_its_variables_under_its_vendor_prefix() {
        let school = Arc::new(School::generate(3, 8));
        // HUBmis has client settings (its quota) as well as credentials.
        let sandbox = Sandbox::start(&hubmis::EMULATOR, school, FaultPlan::none())
            .await
            .unwrap();
        assert_eq!(sandbox.id(), hubmis::ID);
        let env = sandbox.env();
        let prefix = format!("{}_", sandbox.id().env_prefix());
        assert_eq!(env[&sandbox.id().env("BASE_URL")], sandbox.base_url());
        assert!(env.len() >= 2, "no credentials: {:?}", env.keys());
        assert!(env.keys().all(|k| k.starts_with(&prefix)), "{env:?}");
        assert!(!sandbox.settings().is_empty());
        let all = sandbox.client_env();
        assert!(all.keys().all(|k| k.starts_with(&prefix)), "{all:?}");
        assert_eq!(all.len(), env.len() + sandbox.settings().len());
    }

    #[tokio::test]
    async fn start_each_starts_the_emulators_given_in_order_on_their_own_ports() {
        let school = Arc::new(School::generate(3, 8));
        let given = [&go4schools::EMULATOR, &hubmis::EMULATOR];
        let all = Sandbox::start_each(given, school, EmulatorOptions::default())
            .await
            .unwrap();
        let ids: Vec<_> = all.iter().map(Sandbox::id).collect();
        assert_eq!(ids, [go4schools::ID, hubmis::ID]);
        assert_ne!(all[0].base_url(), all[1].base_url());
    }
}
