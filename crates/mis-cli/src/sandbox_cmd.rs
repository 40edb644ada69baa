//! `mis sandbox`: one vendor emulator in the foreground, and the environment that points a
//! client at it (also what `mis demo` uses to open its providers).
//!
//! The flags ([`SandboxOptions`]) are part of every build, so `mis sandbox --help` reads the
//! same everywhere; running the emulator needs the `sandbox` feature (without it, `mis
//! sandbox` says so and exits with 3, unsupported).

#[cfg(feature = "sandbox")]
use std::collections::BTreeMap;
#[cfg(feature = "sandbox")]
use std::io::Write;
#[cfg(feature = "sandbox")]
use std::sync::Arc;

#[cfg(feature = "sandbox")]
use mis_core::{Error, ErrorKind, Result};
#[cfg(feature = "sandbox")]
use mis_sandbox::school::RecordRange;
#[cfg(feature = "sandbox")]
use mis_sandbox::{EmulatorOptions, FaultPlan, Sandbox, School, SchoolOptions};

#[cfg(feature = "sandbox")]
use crate::registry::Entry;

/// The seed of the school `mis sandbox` serves by default.
pub const SANDBOX_SEED: u64 = 7;
/// How many students it has by default.
pub const SANDBOX_SIZE: usize = 60;

/// Which synthetic school `mis sandbox` serves and how fast the emulator's clocks run.
///
/// The defaults are a 60-student school with six weeks of records; the flags make the same
/// emulator serve a school big enough to measure a client against from another process.
#[derive(Debug, Clone, Copy, PartialEq, clap::Args)]
pub struct SandboxOptions {
    /// How many students the synthetic school has.
    #[arg(long, value_name = "N", default_value_t = SANDBOX_SIZE)]
    pub students: usize,
    /// The generator's seed: the same seed and size give the same school.
    #[arg(long, value_name = "N", default_value_t = SANDBOX_SEED)]
    pub seed: u64,
    /// Weeks of session marks, behaviour and homework from the first day of the 2024/2025
    /// academic year (2024-09-02); lesson marks cover the first two of them. Default 6.
    #[arg(long, value_name = "N")]
    pub weeks: Option<u8>,
    /// Multiplies the vendor's time windows (quota windows, token lifetimes, session
    /// timeouts): 1 is the real vendor, 0.001 turns a per-minute quota into a per-60 ms one.
    #[arg(long, value_name = "F", default_value_t = 1.0)]
    pub time_scale: f64,
    /// Serve a school set up wrong for an integration, as `mis doctor` must find it: one
    /// module disabled for the credentials (403), a code the school invented (`QR`), no time
    /// zone in the school's settings (where the vendor's API has them).
    #[arg(long)]
    pub onboarding_faults: bool,
}

impl Default for SandboxOptions {
    fn default() -> Self {
        SandboxOptions {
            students: SANDBOX_SIZE,
            seed: SANDBOX_SEED,
            weeks: None,
            time_scale: 1.0,
            onboarding_faults: false,
        }
    }
}

#[cfg(feature = "sandbox")]
#[cfg_attr(docsrs, doc(cfg(feature = "sandbox")))]
impl SandboxOptions {
    /// The generator options these flags ask for.
    pub fn school_options(&self) -> SchoolOptions {
        let options = SchoolOptions::new();
        match self.weeks {
            Some(weeks) => options.attendance(RecordRange::FirstWeeks { weeks }),
            None => options,
        }
    }

    /// The emulator options these flags ask for.
    pub fn emulator_options(&self) -> EmulatorOptions {
        EmulatorOptions {
            time_scale: self.time_scale,
            ..EmulatorOptions::default()
        }
    }

    /// Generates the school, after rejecting one the generator cannot build and a clock
    /// that cannot run (the generator panics on those).
    pub fn school(&self) -> Result<School> {
        self.check()?;
        Ok(School::generate_with(
            self.seed,
            self.students,
            self.school_options(),
        ))
    }

    fn check(&self) -> Result<()> {
        if self.students == 0 {
            return Err(Error::invalid_input(
                "--students must be at least 1 (a school needs a student)",
            ));
        }
        if !(self.time_scale.is_finite() && self.time_scale >= 0.0) {
            return Err(Error::invalid_input(
                "--time-scale must be a finite number, 0 or more",
            ));
        }
        Ok(())
    }
}

/// The environment a client needs to use `sandbox`: `MIS_<VENDOR>_BASE_URL`, one
/// `MIS_<VENDOR>_<NAME>` per credential (`MIS_HUBMIS_CLIENT_ID`, `MIS_GO4SCHOOLS_API_KEY`…),
/// the same names `mis` reads for the real vendor, and the settings the emulated school
/// itself would configure (ManageBac's bell times, a quota scaled with the emulator's
/// clock): without them a client reads the school wrongly (`mis doctor` says so).
#[cfg(feature = "sandbox")]
#[cfg_attr(docsrs, doc(cfg(feature = "sandbox")))]
pub fn sandbox_env(sandbox: &Sandbox) -> BTreeMap<String, String> {
    sandbox.client_env()
}

/// Starts `entry`'s emulator over the school `options` describe on `port` (0: any).
#[cfg(feature = "sandbox")]
#[cfg_attr(docsrs, doc(cfg(feature = "sandbox")))]
pub async fn start(entry: &Entry, port: u16, options: &SandboxOptions) -> Result<Sandbox> {
    let school = Arc::new(options.school()?);
    Sandbox::start_with(
        entry.emulator,
        school,
        FaultPlan {
            onboarding: if options.onboarding_faults {
                mis_sandbox::OnboardingFaults::all()
            } else {
                mis_sandbox::OnboardingFaults::default()
            },
            ..FaultPlan::none()
        },
        options.emulator_options(),
        port,
    )
    .await
    .map_err(|e| {
        let kind = if e.kind() == std::io::ErrorKind::Unsupported {
            ErrorKind::Unsupported
        } else {
            ErrorKind::Unavailable
        };
        Error::new(
            kind,
            format!("cannot start the {} emulator: {e}", entry.id()),
        )
    })
}

/// Runs the emulator until Ctrl-C, after printing how to reach it.
///
/// These are sandbox credentials, made up for the synthetic school, so printing them is the
/// point (a real credential is never printed anywhere in `mis`).
#[cfg(feature = "sandbox")]
#[cfg_attr(docsrs, doc(cfg(feature = "sandbox")))]
pub async fn run(
    entry: &Entry,
    port: u16,
    options: &SandboxOptions,
    out: &mut dyn Write,
) -> Result<()> {
    let sandbox = start(entry, port, options).await?;
    let env = sandbox_env(&sandbox);
    let vendor = entry.id();
    let w = |e: std::io::Error| Error::new(ErrorKind::Unavailable, format!("stdout: {e}"));
    writeln!(
        out,
        "# {vendor} emulator on {} ({} synthetic students; Ctrl-C stops it)",
        sandbox.base_url(),
        options.students
    )
    .map_err(w)?;
    for (name, value) in &env {
        writeln!(out, "export {name}={}", shell_quoted(value)).map_err(w)?;
    }
    out.flush().map_err(w)?;
    tokio::signal::ctrl_c()
        .await
        .map_err(|e| Error::new(ErrorKind::Unavailable, format!("waiting for Ctrl-C: {e}")))?;
    drop(sandbox);
    Ok(())
}

/// `value` as one shell word: as it is when it holds only characters no shell treats
/// specially, else in single quotes (a `'` inside closed, escaped and reopened), so pasting
/// an `export` line sets exactly the value (a behaviour category "Excellent work" has a space).
#[cfg(feature = "sandbox")]
fn shell_quoted(value: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "-_=.,:/@%+".contains(c);
    if !value.is_empty() && value.chars().all(plain) {
        value.to_owned()
    } else {
        format!("'{}'", value.replace('\'', "'\\''"))
    }
}

#[cfg(all(test, feature = "sandbox"))]
mod tests {
    use clap::Parser;

    use super::*;
    use crate::cli::{Cli, Command};

    #[test]
    fn exported_values_are_one_shell_word() {
        assert_eq!(shell_quoted("http://127.0.0.1:80"), "http://127.0.0.1:80");
        assert_eq!(
            shell_quoted("Excellent work=positive"),
            "'Excellent work=positive'"
        );
        assert_eq!(shell_quoted("it's"), "'it'\\''s'");
        assert_eq!(shell_quoted(""), "''");
    }

    fn sandbox_options(args: &[&str]) -> SandboxOptions {
        let cli = Cli::try_parse_from(args).expect("the flags parse");
        match cli.command {
            Command::Sandbox { options, .. } => options,
            other => panic!("not the sandbox command: {other:?}"),
        }
    }

    #[test]
    fn without_flags_the_sandbox_school_is_the_small_default() {
        let options = sandbox_options(&["mis", "sandbox"]);
        assert_eq!(options, SandboxOptions::default());
        assert_eq!(options.school_options(), SchoolOptions::new());
        assert_eq!(options.emulator_options().time_scale, 1.0);
        let school = options.school().expect("builds");
        assert_eq!(school, School::generate(SANDBOX_SEED, SANDBOX_SIZE));
    }

    #[test]
    fn the_flags_choose_size_seed_weeks_and_clock() {
        let options = sandbox_options(&[
            "mis",
            "sandbox",
            "--students",
            "40",
            "--seed",
            "9",
            "--weeks",
            "14",
            "--time-scale",
            "0.001",
        ]);
        assert_eq!((options.students, options.seed), (40, 9));
        assert_eq!(options.emulator_options().time_scale, 0.001);
        let school = options.school().expect("builds");
        assert_eq!(school.summary().students_on_roll, 40);
        // Fourteen weeks from the first day of 2024/2025 is the autumn term; lesson marks
        // keep the generator's default (the first two weeks).
        let range = school.attendance_range.expect("session marks");
        assert_eq!(
            (range.from().to_string(), range.to().to_string()),
            ("2024-09-02".to_owned(), "2024-12-08".to_owned())
        );
        assert_eq!(
            options.school_options().lesson_marks,
            SchoolOptions::new().lesson_marks
        );
        assert_ne!(school, School::generate(SANDBOX_SEED, 40));
    }

    #[tokio::test]
    async fn a_school_that_cannot_be_built_is_invalid_input_not_a_panic() {
        for options in [
            SandboxOptions {
                students: 0,
                ..SandboxOptions::default()
            },
            SandboxOptions {
                time_scale: f64::NAN,
                ..SandboxOptions::default()
            },
            SandboxOptions {
                time_scale: -1.0,
                ..SandboxOptions::default()
            },
        ] {
            let registry = crate::Registry::builtin();
            let go4schools = registry.lookup("go4schools").unwrap();
            let e = start(go4schools, 0, &options).await.expect_err("rejected");
            assert_eq!(e.kind(), ErrorKind::InvalidInput, "{options:?}: {e}");
        }
    }
}
