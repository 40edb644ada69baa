//! `mis sandbox`: one vendor emulator in the foreground, and the environment that points a
//! client at it (also what `mis demo` uses to open its providers).

use std::collections::BTreeMap;
use std::io::Write;
use std::sync::Arc;

use mis_core::{Error, ErrorKind, Result};
use mis_sandbox::{EmulatorOptions, FaultPlan, Sandbox, School};

use crate::cli::Vendor;

/// The seed of the school `mis sandbox` serves.
pub const SANDBOX_SEED: u64 = 7;
/// How many students it has.
pub const SANDBOX_SIZE: usize = 60;

/// The emulator id of a CLI vendor.
pub fn sandbox_vendor(vendor: Vendor) -> mis_sandbox::Vendor {
    match vendor {
        Vendor::Classcharts => mis_sandbox::Vendor::ClassCharts,
        Vendor::Go4schools => mis_sandbox::Vendor::Go4Schools,
        Vendor::Hubmis => mis_sandbox::Vendor::Hubmis,
        Vendor::Classe365 => mis_sandbox::Vendor::Classe365,
        Vendor::Managebac => mis_sandbox::Vendor::ManageBac,
    }
}

/// The environment a client needs to use `sandbox`: `MIS_<VENDOR>_BASE_URL` and one
/// `MIS_<VENDOR>_<NAME>` per credential (`MIS_HUBMIS_CLIENT_ID`, `MIS_GO4SCHOOLS_API_KEY`…),
/// the same names `mis` reads for the real vendor.
pub fn sandbox_env(vendor: Vendor, sandbox: &Sandbox) -> BTreeMap<String, String> {
    let prefix = vendor.env_prefix();
    let mut env = BTreeMap::new();
    env.insert(vendor.base_url_env(), sandbox.base_url());
    for (name, value) in &sandbox.credentials().0 {
        env.insert(
            format!("{prefix}_{}", name.to_ascii_uppercase()),
            value.clone(),
        );
    }
    env
}

/// Starts `vendor`'s emulator over the standard sandbox school on `port` (0: any).
pub async fn start(vendor: Vendor, port: u16, options: EmulatorOptions) -> Result<Sandbox> {
    let school = Arc::new(School::generate(SANDBOX_SEED, SANDBOX_SIZE));
    Sandbox::start_with(
        sandbox_vendor(vendor),
        school,
        FaultPlan::none(),
        options,
        port,
    )
    .await
    .map_err(|e| {
        let kind = if e.kind() == std::io::ErrorKind::Unsupported {
            ErrorKind::Unsupported
        } else {
            ErrorKind::Unavailable
        };
        Error::new(kind, format!("cannot start the {vendor} emulator: {e}"))
    })
}

/// Runs the emulator until Ctrl-C, after printing how to reach it.
///
/// These are sandbox credentials, made up for the synthetic school, so printing them is the
/// point (a real credential is never printed anywhere in `mis`).
pub async fn run(vendor: Vendor, port: u16, out: &mut dyn Write) -> Result<()> {
    let sandbox = start(vendor, port, EmulatorOptions::default()).await?;
    let env = sandbox_env(vendor, &sandbox);
    let w = |e: std::io::Error| Error::new(ErrorKind::Unavailable, format!("stdout: {e}"));
    writeln!(
        out,
        "# {vendor} emulator on {} ({SANDBOX_SIZE} synthetic students; Ctrl-C stops it)",
        sandbox.base_url()
    )
    .map_err(w)?;
    for (name, value) in &env {
        writeln!(out, "export {name}={value}").map_err(w)?;
    }
    out.flush().map_err(w)?;
    tokio::signal::ctrl_c()
        .await
        .map_err(|e| Error::new(ErrorKind::Unavailable, format!("waiting for Ctrl-C: {e}")))?;
    drop(sandbox);
    Ok(())
}
