//! The vendors `mis` knows: [`Registry`], one [`Entry`] per vendor.
//!
//! An entry pairs a vendor crate's [`VendorDescriptor`] (id, name, credential variables,
//! capabilities, how to open a provider) with the emulator that stands in for the vendor
//! (`mis_sandbox::EmulatorDescriptor`, with the `sandbox` feature only: a slim build has the
//! client half alone). Everything that lists vendors reads the registry: the `--provider`
//! values and their help, the environment section of `--help`, `mis capabilities`, `mis
//! sandbox`, `mis demo`, `mis sync` and the workspace's cross-vendor tests. Adding a vendor is
//! one line in [`BUILTIN`].

use std::ffi::OsString;
use std::fmt::Write as _;

use clap::builder::{PossibleValue, PossibleValuesParser};
use clap::{CommandFactory, FromArgMatches};
use mis_core::{Error, Result, VendorId};
use mis_http::VendorDescriptor;
#[cfg(feature = "sandbox")]
use mis_sandbox::EmulatorDescriptor;

use crate::cli::Cli;

/// One vendor: its client crate's descriptor and (with the `sandbox` feature) its emulator.
#[derive(Debug, Clone, Copy)]
pub struct Entry {
    /// The vendor crate's descriptor.
    pub vendor: &'static VendorDescriptor,
    /// The emulator that serves a synthetic school in the vendor's wire format.
    #[cfg(feature = "sandbox")]
    #[cfg_attr(docsrs, doc(cfg(feature = "sandbox")))]
    pub emulator: &'static EmulatorDescriptor,
}

impl Entry {
    /// An entry. The two descriptors name the same vendor id (checked by
    /// [`Registry::with`]).
    #[cfg(feature = "sandbox")]
    pub const fn new(
        vendor: &'static VendorDescriptor,
        emulator: &'static EmulatorDescriptor,
    ) -> Entry {
        Entry { vendor, emulator }
    }

    /// An entry: a build without the `sandbox` feature has no emulator to pair the vendor
    /// with (with the feature, `new` takes the emulator as well).
    #[cfg(not(feature = "sandbox"))]
    pub const fn new(vendor: &'static VendorDescriptor) -> Entry {
        Entry { vendor }
    }

    /// The vendor id (`hubmis`).
    pub fn id(&self) -> VendorId {
        self.vendor.id
    }
}

/// A built-in entry: the vendor crate's `DESCRIPTOR` and, with the `sandbox` feature, the
/// emulator module of the same name in `mis_sandbox::emulator`. One macro, so the list of
/// vendors below is written once for both builds.
macro_rules! builtin {
    ($vendor:ident, $emulator:ident) => {
        Entry {
            vendor: &$vendor::DESCRIPTOR,
            // Removed with the field in a build without the feature, before its path is
            // resolved: a slim build never names `mis_sandbox`.
            #[cfg(feature = "sandbox")]
            emulator: &mis_sandbox::emulator::$emulator::EMULATOR,
        }
    };
}

/// The vendors built into `mis`, in the order `--help` lists them: one line per vendor.
pub const BUILTIN: [Entry; 5] = [
    builtin!(mis_classcharts, classcharts),
    builtin!(mis_go4schools, go4schools),
    builtin!(mis_hubmis, hubmis),
    builtin!(mis_classe365, classe365),
    builtin!(mis_managebac, managebac),
];

/// A list of vendors, each once.
#[derive(Debug, Clone)]
pub struct Registry {
    entries: Vec<Entry>,
}

impl Registry {
    /// The vendors built into `mis` ([`BUILTIN`]).
    pub fn builtin() -> Registry {
        BUILTIN
            .into_iter()
            .fold(Registry::empty(), |registry, entry| registry.with(entry))
    }

    /// No vendor at all.
    pub fn empty() -> Registry {
        Registry {
            entries: Vec::new(),
        }
    }

    /// This registry with `entry` added last (a test's own vendor, a private build's).
    ///
    /// Panics if the entry's two descriptors name different vendors or the id is already
    /// registered: entries are constants written by a programmer, so either is a bug in the
    /// program, not an input to report.
    pub fn with(mut self, entry: Entry) -> Registry {
        #[cfg(feature = "sandbox")]
        assert_eq!(
            entry.vendor.id, entry.emulator.id,
            "a registry entry pairs a vendor with its own emulator"
        );
        assert!(
            self.get(entry.id().as_str()).is_none(),
            "vendor {} is registered twice",
            entry.id()
        );
        self.entries.push(entry);
        self
    }

    /// Every entry, in registration order.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// The ids, in registration order.
    pub fn ids(&self) -> Vec<&'static str> {
        self.entries.iter().map(|e| e.id().as_str()).collect()
    }

    /// The entry for `id`, if registered.
    pub fn get(&self, id: &str) -> Option<&Entry> {
        self.entries.iter().find(|e| e.id().as_str() == id)
    }

    /// The entry for `id`; `InvalidInput` listing the registered ids when there is none.
    pub fn lookup(&self, id: &str) -> Result<&Entry> {
        VendorId::check(id)?;
        self.get(id).ok_or_else(|| {
            Error::invalid_input(format!(
                "unknown provider {id:?} ({})",
                self.ids().join(", ")
            ))
        })
    }

    /// The environment section of `mis --help`: each vendor's credential variables.
    pub fn environment_help(&self) -> String {
        let width = self.ids().iter().map(|id| id.len()).max().unwrap_or(0);
        let mut text = String::from("Credentials come from the environment, never from flags:\n");
        for entry in &self.entries {
            for (i, set) in entry.vendor.credentials.iter().enumerate() {
                let id = if i == 0 { entry.id().as_str() } else { "" };
                let _ = writeln!(text, "  {id:width$}  {}", set.join(" + "));
            }
        }
        text.push_str(
            "MIS_<VENDOR>_BASE_URL (e.g. MIS_HUBMIS_BASE_URL) overrides the host like --base-url.\n\
             MIS_PROVIDER chooses the provider like --provider. RUST_LOG sets the log level \
             (stderr).\n\n\
             Exit codes: 0 ok, 1 other error, 2 usage or invalid input, 3 unsupported,\n\
             4 unauthenticated, 5 permission denied, 6 not found, 7 rate limited,\n\
             8 timeout or unavailable, 9 the vendor's answer was unusable or an error,\n\
             10 completed with warnings.",
        );
        text
    }

    /// The `mis` command line with this registry's vendors: `--provider` accepts their ids
    /// (each shown with its summary), before the command and after each command that takes
    /// it, and `--help` lists their credential variables.
    pub fn command(&self) -> clap::Command {
        let values: Vec<PossibleValue> = self
            .entries
            .iter()
            .map(|e| PossibleValue::new(e.id().as_str()).help(e.vendor.summary))
            .collect();
        let parser = PossibleValuesParser::new(values);
        Cli::command()
            .mut_arg("provider", |arg| arg.value_parser(parser.clone()))
            .mut_subcommands(|sub| {
                // Only the commands that open a provider have the flag (`sync` has not).
                if sub.get_arguments().any(|a| a.get_id() == "provider") {
                    sub.mut_arg("provider", |arg| arg.value_parser(parser.clone()))
                } else {
                    sub
                }
            })
            .after_help(self.environment_help())
    }

    /// Parses a command line (the program name first) against this registry. A clap error
    /// covers usage errors and `--help`/`--version` (print it with `error.print()`).
    /// [`Cli::provider`] holds the provider flags in effect ([`Cli::provider_args`]), given
    /// before or after the command.
    pub fn try_parse_from<I, T>(&self, args: I) -> std::result::Result<Cli, clap::Error>
    where
        I: IntoIterator<Item = T>,
        T: Into<OsString> + Clone,
    {
        let mut command = self.command();
        let matches = command.try_get_matches_from_mut(args)?;
        let mut cli = Cli::from_arg_matches(&matches).map_err(|e| e.format(&mut command))?;
        // `cli.provider` then holds the flags in effect wherever they were given.
        cli.provider = cli.provider_args();
        Ok(cli)
    }

    /// Parses the process's command line, exiting with clap's message and code on a usage
    /// error or `--help`.
    pub fn parse(&self) -> Cli {
        self.try_parse_from(std::env::args_os())
            .unwrap_or_else(|e| e.exit())
    }

    /// The capability matrix of `mis capabilities` without `--provider`: one row per
    /// capability, one column per login kind of each vendor (known without credentials).
    pub fn capability_matrix(&self) -> Vec<CapabilityMatrixRow> {
        let columns: Vec<(&'static str, mis_core::Capabilities)> = self
            .entries
            .iter()
            .flat_map(|e| (e.vendor.capabilities)())
            .collect();
        mis_core::Capabilities::default()
            .flags()
            .iter()
            .enumerate()
            .map(|(i, (name, _))| {
                let mut row = CapabilityMatrixRow::new();
                row.insert("capability".into(), (*name).into());
                for (column, capabilities) in &columns {
                    row.insert((*column).into(), capabilities.flags()[i].1.into());
                }
                row
            })
            .collect()
    }
}

impl Default for Registry {
    fn default() -> Self {
        Registry::builtin()
    }
}

/// One row of `mis capabilities` without `--provider`: `capability` (the name, as in
/// [`mis_core::Capabilities::flags`]), then one boolean column per vendor login kind, in
/// registry order (`classcharts_student`, `classcharts_parent`, `go4schools`, …).
pub type CapabilityMatrixRow = serde_json::Map<String, serde_json::Value>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_builtin_registry_lists_each_vendor_once_with_its_own_emulator() {
        let registry = Registry::builtin();
        assert_eq!(
            registry.ids(),
            [
                "classcharts",
                "go4schools",
                "hubmis",
                "classe365",
                "managebac"
            ]
        );
        // Each vendor is paired with its own emulator, not another vendor's.
        #[cfg(feature = "sandbox")]
        for entry in registry.entries() {
            assert_eq!(entry.vendor.id, entry.emulator.id);
        }
    }

    #[test]
    #[should_panic(expected = "registered twice")]
    fn a_vendor_cannot_be_registered_twice() {
        let _ = Registry::builtin().with(BUILTIN[0]);
    }

    #[test]
    fn an_unknown_id_names_the_registered_ones() {
        let e = Registry::builtin().lookup("sims").unwrap_err();
        assert_eq!(e.kind(), mis_core::ErrorKind::InvalidInput);
        assert!(e.to_string().contains("hubmis, classe365"), "{e}");
    }

    #[test]
    fn provider_values_and_help_come_from_the_registry() {
        let registry = Registry::builtin();
        let cli = registry
            .try_parse_from(["mis", "--provider", "go4schools", "students"])
            .unwrap();
        assert_eq!(cli.provider.provider.as_deref(), Some("go4schools"));
        let e = registry
            .try_parse_from(["mis", "--provider", "sims", "students"])
            .unwrap_err();
        assert_eq!(e.exit_code(), 2);
        assert!(e.to_string().contains("managebac"), "{e}");
        let help = registry.command().render_long_help().to_string();
        for entry in registry.entries() {
            assert!(help.contains(entry.vendor.summary), "{help}");
            for var in entry.vendor.credentials.iter().flat_map(|s| s.iter()) {
                assert!(help.contains(var), "{var} not in help");
            }
        }
    }

    #[test]
    fn the_matrix_has_a_column_per_login_kind() {
        let rows = Registry::builtin().capability_matrix();
        assert_eq!(rows.len(), mis_core::Capabilities::default().flags().len());
        let keys: Vec<_> = rows[0].keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            [
                "capability",
                "classcharts_student",
                "classcharts_parent",
                "go4schools",
                "hubmis",
                "classe365",
                "managebac"
            ]
        );
    }
}
