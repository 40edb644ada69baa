//! The sync configuration file: the trust's schools, their vendors, the environment variables
//! holding their credentials, and per-school settings.
//!
//! ```toml
//! from = "2024-09-02"        # or: last_days = 14
//! to = "2024-09-13"
//! concurrency = 4            # schools read at once (default 4)
//! look_back_days = 7         # re-read this many days before the last complete run (default 7)
//! chunk_days = 7             # dates per checkpoint for date-ranged reads (default 7)
//! reference_ttl_hours = 24   # cached reference data (HUBmis enrolment details) (default 24)
//!
//! [[school]]
//! name = "Oak Academy"
//! provider = "managebac"
//! base_url = "http://127.0.0.1:8080"          # optional
//! credentials = { token = "OAK_MB_TOKEN" }    # credential -> env var NAME
//! time_zone = "Europe/London"                 # optional, where the vendor takes one
//! bell_times = "1=08:30-09:20,2=09:25-10:15"  # ManageBac: needed for its timetable
//! quota = "60/60"                             # the client's pace: requests/seconds
//! category_map = "Dismissed=authorised_absence" # ManageBac: the school's own categories
//! settings = { POSITIVE_CATEGORIES = "Merit" } # any other MIS_<VENDOR>_* setting, by suffix
//! skip = ["behaviour"]                        # entities not to sync
//! look_back_days = 14                         # overrides the top-level one
//! ```
//!
//! Every error names the line, column and key it is about. Errors never quote the file's
//! text: a line may hold a pasted secret.

use std::collections::BTreeMap;
use std::path::Path;

use mis_core::{DateRange, Error, Result};
use serde::Deserialize;
use toml::Spanned;

use mis_core::VendorId;

/// The entities a sync writes, in the order it writes them.
pub const ENTITIES: [&str; 4] = ["students", "attendance", "timetable", "behaviour"];

/// The sync configuration file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SyncConfig {
    /// First date (with `to`).
    pub from: Option<String>,
    /// Last date (with `from`).
    pub to: Option<String>,
    /// Or: the last N days up to today.
    pub last_days: Option<u32>,
    /// Schools read at once (default 4).
    pub concurrency: Option<usize>,
    /// Days before the last complete run that are re-read (default 7).
    pub look_back_days: Option<u32>,
    /// Dates per checkpoint for date-ranged reads (default 7).
    pub chunk_days: Option<u32>,
    /// How long cached reference data stays fresh, in hours (default 24).
    pub reference_ttl_hours: Option<u64>,
    /// The schools.
    #[serde(rename = "school")]
    pub schools: Vec<SchoolConfig>,
}

/// One school in the config.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SchoolConfig {
    /// A unique name for the school (the key in every table).
    pub name: String,
    /// The vendor id: one of the registry's (`classcharts`, `go4schools`, `hubmis`, …).
    pub provider: Spanned<String>,
    /// Host override (`scheme://host[:port]`).
    pub base_url: Option<String>,
    /// Credential name (`api_key`, `client_id`, …) → the environment variable holding it.
    #[serde(default)]
    pub credentials: BTreeMap<String, Spanned<String>>,
    /// The school's IANA time zone, for vendors that take one.
    pub time_zone: Option<Spanned<String>>,
    /// ManageBac bell times, `1=08:30-09:20,2=09:25-10:15,…`.
    pub bell_times: Option<Spanned<String>>,
    /// The client's pace, `REQUESTS/SECONDS` (`MIS_<VENDOR>_QUOTA`): the vendor's quota,
    /// or less where the school shares it with another program.
    pub quota: Option<Spanned<String>>,
    /// The school's own attendance categories mapped to DfE categories (ManageBac),
    /// `Dismissed=authorised_absence,Other=not_counted,-1=present`: the same form as
    /// `MIS_MANAGEBAC_CATEGORY_MAP`, checked by the vendor crate when the school is opened.
    pub category_map: Option<Spanned<String>>,
    /// Any other `MIS_<VENDOR>_*` setting the vendor reads, by its suffix, for settings
    /// without a key of their own (`settings = { POSITIVE_CATEGORIES = "Merit,Award" }` for
    /// HUBmis's behaviour polarity). Never a credential: those go in `credentials`, by the
    /// name of the variable holding them.
    #[serde(default)]
    pub settings: BTreeMap<String, Spanned<String>>,
    /// Entities not to sync.
    #[serde(default)]
    pub skip: Vec<Spanned<String>>,
    /// Overrides the top-level `look_back_days`.
    pub look_back_days: Option<u32>,
}

impl SchoolConfig {
    /// The vendor (checked when the config was parsed).
    pub fn vendor(&self) -> Option<VendorId> {
        parse_vendor(self.provider.get_ref())
    }

    /// The registry's descriptor of the school's vendor (`None` for an unknown provider,
    /// which [`SyncConfig::parse`] refuses).
    pub fn descriptor(&self) -> Option<&'static mis_http::VendorDescriptor> {
        let vendor = self.vendor()?;
        crate::Registry::builtin()
            .get(vendor.as_str())
            .map(|entry| entry.vendor)
    }

    /// What the school's vendor says a sync must know ([`mis_http::SyncFacts::NONE`] for
    /// an unknown provider).
    pub fn sync_facts(&self) -> mis_http::SyncFacts {
        self.descriptor()
            .map_or(mis_http::SyncFacts::NONE, |vendor| vendor.sync)
    }

    /// Whether `entity` is listed in `skip`.
    pub fn skips(&self, entity: &str) -> bool {
        self.skip.iter().any(|s| s.get_ref() == entity)
    }
}

/// Whether `name` looks like an environment variable name (and not like a pasted secret).
fn is_env_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_uppercase() || c == '_')
        && chars.all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
        && name.len() <= 64
}

/// `line L, column C` of a byte offset (both from 1).
fn position(text: &str, offset: usize) -> String {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    format!("line {line}, column {column}")
}

pub(crate) fn parse_vendor(id: &str) -> Option<VendorId> {
    crate::Registry::builtin().get(id).map(|entry| entry.id())
}

impl SyncConfig {
    /// Reads and checks a config file.
    pub fn load(path: &Path) -> Result<SyncConfig> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            Error::invalid_input(format!("--config: cannot read {}: {e}", path.display()))
        })?;
        SyncConfig::parse(&text)
    }

    /// Parses and checks config text.
    pub fn parse(text: &str) -> Result<SyncConfig> {
        // toml's error text quotes the offending line, which could be a pasted secret: only
        // its position is reported.
        let config: SyncConfig = toml::from_str(text).map_err(|e| {
            let at = e
                .span()
                .map(|s| format!(" at {}", position(text, s.start)))
                .unwrap_or_default();
            Error::invalid_input(format!(
                "--config: not a valid sync config{at} (expected from/to or last_days, optional \
                 concurrency, look_back_days, chunk_days, reference_ttl_hours, and [[school]] \
                 tables with name, provider, optional base_url, credentials, time_zone, \
                 bell_times, quota, category_map, settings, skip, look_back_days)"
            ))
        })?;
        let bad = |span: std::ops::Range<usize>, school: &str, key: &str, why: String| {
            Error::invalid_input(format!(
                "--config {}: school {school:?}: {key}: {why}",
                position(text, span.start)
            ))
        };
        if config.schools.is_empty() {
            return Err(Error::invalid_input("--config: no [[school]] listed"));
        }
        if config.concurrency == Some(0) {
            return Err(Error::invalid_input(
                "--config: concurrency must be at least 1",
            ));
        }
        if config.chunk_days == Some(0) {
            return Err(Error::invalid_input(
                "--config: chunk_days must be at least 1",
            ));
        }
        let mut names = std::collections::BTreeSet::new();
        for s in &config.schools {
            if !names.insert(s.name.as_str()) {
                return Err(Error::invalid_input(format!(
                    "--config: school {:?} is listed twice",
                    s.name
                )));
            }
            let Some(vendor) = s.vendor() else {
                return Err(bad(
                    s.provider.span(),
                    &s.name,
                    "provider",
                    format!(
                        "unknown provider {:?} ({})",
                        s.provider.get_ref(),
                        crate::Registry::builtin().ids().join(", ")
                    ),
                ));
            };
            for (credential, var) in &s.credentials {
                if !is_env_name(var.get_ref()) {
                    return Err(bad(
                        var.span(),
                        &s.name,
                        &format!("credentials.{credential}"),
                        "must name an environment variable (A-Z, 0-9, _), not hold the secret \
                         itself"
                            .into(),
                    ));
                }
            }
            let registry = crate::Registry::builtin();
            let entry = registry.lookup(vendor.as_str())?;
            let facts = entry.vendor.sync;
            let prefix = format!("{}_", vendor.env_prefix());
            for (key, value) in &s.settings {
                let is_credential = entry
                    .vendor
                    .credentials
                    .iter()
                    .flat_map(|set| set.iter())
                    .any(|var| var.strip_prefix(&prefix) == Some(key.as_str()));
                let why = if !is_env_name(key) {
                    Some("a setting's name is its MIS_<VENDOR>_ suffix (A-Z, 0-9, _)".to_owned())
                } else if is_credential {
                    Some(format!(
                        "{prefix}{key} is a credential: name its variable in `credentials`"
                    ))
                } else {
                    match key.as_str() {
                        "TIME_ZONE" => Some("use the school's time_zone key".to_owned()),
                        "PERIOD_TIMES" => Some("use the school's bell_times key".to_owned()),
                        "QUOTA" => Some("use the school's quota key".to_owned()),
                        "CATEGORY_MAP" | "CODE_MAP" => {
                            Some("use the school's category_map key".to_owned())
                        }
                        _ => None,
                    }
                };
                if let Some(why) = why {
                    return Err(bad(value.span(), &s.name, &format!("settings.{key}"), why));
                }
            }
            if let Some(tz) = &s.time_zone {
                if !facts.time_zone {
                    return Err(bad(
                        tz.span(),
                        &s.name,
                        "time_zone",
                        format!("{vendor} takes its time zone from the vendor, not the config"),
                    ));
                }
                jiff::tz::TimeZone::get(tz.get_ref()).map_err(|_| {
                    bad(
                        tz.span(),
                        &s.name,
                        "time_zone",
                        format!("{:?} is not an IANA time zone", tz.get_ref()),
                    )
                })?;
            }
            if let Some(bells) = &s.bell_times {
                let Some(check) = facts.bell_times else {
                    return Err(bad(
                        bells.span(),
                        &s.name,
                        "bell_times",
                        format!("{vendor} takes no bell times (its timetable carries its own)"),
                    ));
                };
                check(bells.get_ref())
                    .map_err(|e| bad(bells.span(), &s.name, "bell_times", e.to_string()))?;
            }
            if let Some(quota) = &s.quota {
                // Every client reads a quota (`MIS_<VENDOR>_QUOTA`); some vendors read it
                // their own way (HUBmis adds a safety margin).
                let check = facts
                    .quota
                    .unwrap_or(|text| mis_http::parse_quota(text).map(drop));
                check(quota.get_ref())
                    .map_err(|e| bad(quota.span(), &s.name, "quota", e.to_string()))?;
            }
            for entity in &s.skip {
                if !ENTITIES.contains(&entity.get_ref().as_str()) {
                    return Err(bad(
                        entity.span(),
                        &s.name,
                        "skip",
                        format!(
                            "{:?} is not an entity ({})",
                            entity.get_ref(),
                            ENTITIES.join(", ")
                        ),
                    ));
                }
            }
        }
        config.range()?;
        Ok(config)
    }

    /// The dates to sync.
    pub fn range(&self) -> Result<DateRange> {
        self.range_on(jiff::ZonedDateTime::now().date())
    }

    /// The dates to sync when today is `today`.
    pub fn range_on(&self, today: jiff::civil::Date) -> Result<DateRange> {
        match (&self.from, &self.to, self.last_days) {
            (Some(from), Some(to), None) => DateRange::parse(from, to),
            (None, None, Some(days)) if days > 0 => {
                let from = today
                    .checked_sub(jiff::Span::new().days(i64::from(days) - 1))
                    .map_err(|e| Error::invalid_input(format!("--config: last_days: {e}")))?;
                DateRange::new(from, today)
            }
            _ => Err(Error::invalid_input(
                "--config: give either from and to (YYYY-MM-DD) or last_days (> 0)",
            )),
        }
    }

    /// Schools read at once.
    pub fn concurrency(&self) -> usize {
        self.concurrency.unwrap_or(4)
    }

    /// Dates per checkpoint.
    pub fn chunk_days(&self) -> u32 {
        self.chunk_days.unwrap_or(7)
    }

    /// The look-back for `school`.
    pub fn look_back_days(&self, school: &SchoolConfig) -> u32 {
        school.look_back_days.or(self.look_back_days).unwrap_or(7)
    }

    /// How long cached reference data stays fresh.
    pub fn reference_ttl(&self) -> jiff::SignedDuration {
        let hours = self.reference_ttl_hours.unwrap_or(24);
        jiff::SignedDuration::from_hours(i64::try_from(hours).unwrap_or(i64::MAX / 3600))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEAD: &str = "from = \"2024-09-02\"\nto = \"2024-09-13\"\n";

    #[test]
    fn other_settings_are_read_by_suffix_and_never_hold_a_credential() {
        let text = format!(
            "{HEAD}[[school]]\nname = \"Ash\"\nprovider = \"hubmis\"\n\
             settings = {{ POSITIVE_CATEGORIES = \"Merit,Award\" }}\n"
        );
        let config = SyncConfig::parse(&text).unwrap();
        let env = |_: &str| None;
        let lookup = crate::sync::school_lookup(&config.schools[0], mis_hubmis::VENDOR_ID, &env);
        assert_eq!(
            lookup("MIS_HUBMIS_POSITIVE_CATEGORIES").as_deref(),
            Some("Merit,Award")
        );
        for (key, names) in [
            ("CLIENT_SECRET", "credential"),
            ("QUOTA", "quota key"),
            ("bad-name", "suffix"),
        ] {
            let text = format!(
                "{HEAD}[[school]]\nname = \"Ash\"\nprovider = \"hubmis\"\n\
                 settings = {{ \"{key}\" = \"hunter2\" }}\n"
            );
            let e = SyncConfig::parse(&text).unwrap_err().to_string();
            assert!(e.contains(names), "{key}: {e}");
            assert!(!e.contains("hunter2"), "{e}");
        }
    }

    #[test]
    fn settings_errors_name_line_column_and_key() {
        let text = format!(
            "{HEAD}[[school]]\nname = \"Oak\"\nprovider = \"managebac\"\n\
             credentials = {{ token = \"OAK_TOKEN\" }}\nbell_times = \"1=09:00-08:00\"\n"
        );
        let e = SyncConfig::parse(&text).unwrap_err().to_string();
        assert!(e.contains("line 7, column 14"), "{e}");
        assert!(e.contains("school \"Oak\": bell_times"), "{e}");

        let text = format!(
            "{HEAD}[[school]]\nname = \"Ash\"\nprovider = \"hubmis\"\ntime_zone = \"Mars/Base\"\n"
        );
        let e = SyncConfig::parse(&text).unwrap_err().to_string();
        assert!(
            e.contains("line 6, column 13") && e.contains("time_zone"),
            "{e}"
        );

        let text = format!(
            "{HEAD}[[school]]\nname = \"Elm\"\nprovider = \"classe365\"\nskip = [\"homework\"]\n"
        );
        let e = SyncConfig::parse(&text).unwrap_err().to_string();
        assert!(e.contains("line 6, column 9") && e.contains("skip"), "{e}");

        // Every client reads a quota: a malformed one is refused where it is, a good one kept.
        let text = format!(
            "{HEAD}[[school]]\nname = \"Elm\"\nprovider = \"classe365\"\nquota = \"lots\"\n"
        );
        let e = SyncConfig::parse(&text).unwrap_err().to_string();
        assert!(e.contains("quota") && e.contains("line 6"), "{e}");
        let text = format!(
            "{HEAD}[[school]]\nname = \"Elm\"\nprovider = \"go4schools\"\nquota = \"300/60\"\n"
        );
        let config = SyncConfig::parse(&text).unwrap();
        let env = |_: &str| None;
        let lookup = crate::sync::school_lookup(
            &config.schools[0],
            mis_core::VendorId::new("go4schools"),
            &env,
        );
        assert_eq!(lookup("MIS_GO4SCHOOLS_QUOTA").as_deref(), Some("300/60"));

        let text = format!("{HEAD}[[school]]\nname = \"Elm\"\nprovider = \"nope\"\n");
        let e = SyncConfig::parse(&text).unwrap_err().to_string();
        assert!(
            e.contains("line 5, column 12") && e.contains("provider"),
            "{e}"
        );

        let text =
            format!("{HEAD}bogus = 1\n[[school]]\nname = \"Elm\"\nprovider = \"classe365\"\n");
        let e = SyncConfig::parse(&text).unwrap_err().to_string();
        assert!(e.contains("line 3"), "{e}");
    }

    #[test]
    fn good_settings_parse() {
        let text = format!(
            "{HEAD}concurrency = 2\nlook_back_days = 3\n[[school]]\nname = \"Oak\"\n\
             provider = \"managebac\"\ncredentials = {{ token = \"OAK_TOKEN\" }}\n\
             bell_times = \"1=08:30-09:20,2=09:25-10:15\"\ntime_zone = \"Europe/London\"\n\
             quota = \"60/60\"\nskip = [\"behaviour\"]\nlook_back_days = 14\n"
        );
        let c = SyncConfig::parse(&text).unwrap();
        assert_eq!(c.concurrency(), 2);
        assert_eq!(c.look_back_days(&c.schools[0]), 14);
        assert!(c.schools[0].skips("behaviour"));
    }
}
