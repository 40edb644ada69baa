//! [`VendorDescriptor`]: what a program needs to know about a vendor crate to offer it.
//!
//! Each vendor crate exports one (`mis_hubmis::DESCRIPTOR`); a program's registry is a list
//! of them, so the command line's `--provider` values, its help, its capability matrix and
//! every cross-vendor test come from one place, and adding a vendor is one line there.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use mis_core::{Capabilities, MisProvider, Result, VendorId};

use crate::options::ClientOptions;

/// Reads one setting by its `MIS_*` name: the process environment, a sync config's named
/// variables, an emulator's credentials.
pub type Lookup<'a> = &'a (dyn Fn(&str) -> Option<String> + Sync);

/// Everything a vendor's [`VendorDescriptor::open`] is given.
#[non_exhaustive]
pub struct OpenRequest<'a> {
    /// The shared client settings, already read from [`ClientOptions::from_lookup`] and any
    /// command-line overrides.
    pub options: ClientOptions,
    /// The vendor's own settings (credentials, region, …), by variable name.
    pub lookup: Lookup<'a>,
    /// The school the caller names (`--school`), where the vendor needs one (a HUBmis realm)
    /// or can check one (a Classe365 subdomain); `None` when not given.
    pub school: Option<&'a str>,
    /// Vendor-specific extras a long-running caller hands over by type (e.g. a store of
    /// identifiers already read, so they are not read again at one request each).
    pub extensions: &'a http::Extensions,
}

impl<'a> OpenRequest<'a> {
    /// A request with `options` and `lookup`, no school and no extensions.
    pub fn new(options: ClientOptions, lookup: Lookup<'a>) -> OpenRequest<'a> {
        static NONE: std::sync::OnceLock<http::Extensions> = std::sync::OnceLock::new();
        OpenRequest {
            options,
            lookup,
            school: None,
            extensions: NONE.get_or_init(http::Extensions::new),
        }
    }

    /// Names the school.
    pub fn school(mut self, school: Option<&'a str>) -> Self {
        self.school = school;
        self
    }

    /// Hands over vendor-specific extras.
    pub fn extensions(mut self, extensions: &'a http::Extensions) -> Self {
        self.extensions = extensions;
        self
    }

    /// Reads the vendor's own variable `name`; empty counts as unset.
    pub fn var(&self, name: &str) -> Option<String> {
        (self.lookup)(name).filter(|v| !v.trim().is_empty())
    }
}

/// One vendor, as a registry lists it.
#[derive(Clone, Copy)]
pub struct VendorDescriptor {
    /// The id (`hubmis`): `--provider` value, `MIS_HUBMIS_*` prefix, records' `provider`.
    pub id: VendorId,
    /// The vendor's product name, for help and reports (`WCBS HUBmis`).
    pub name: &'static str,
    /// One line for `--help`: which API this client speaks.
    pub summary: &'static str,
    /// The credential variables: each inner list is one complete way to log in (ClassCharts
    /// takes a pupil's code and date of birth, or a parent's e-mail and password).
    pub credentials: &'static [&'static [&'static str]],
    /// What the provider supports, known before any request: one entry per login kind
    /// whose capabilities differ (`("classcharts_parent", …)`), else one entry named by
    /// the id.
    pub capabilities: fn() -> Vec<(&'static str, Capabilities)>,
    /// Builds the provider. Sends nothing: credentials are checked on the first request.
    /// A missing credential variable is `Unauthenticated` naming it; a malformed setting is
    /// `InvalidInput` naming it.
    pub open: fn(OpenRequest<'_>) -> Result<Arc<dyn MisProvider>>,
    /// What `mis doctor` needs to know to check one school's onboarding within the vendor's
    /// quota.
    pub doctor: DoctorFacts,
    /// What a scheduled sync needs to know: which per-school settings the vendor takes, how
    /// its quota is shared, and what it can be handed back between runs.
    pub sync: SyncFacts,
}

/// A vendor's facts for a scheduled sync of many schools (`mis sync`), so the sync itself
/// names no vendor.
#[derive(Clone, Copy)]
pub struct SyncFacts {
    /// Whether the school's time zone is configured (`MIS_<VENDOR>_TIME_ZONE`, a sync
    /// config's `time_zone`): `false` where the vendor's API says it and a configured one
    /// would be ignored.
    pub time_zone: bool,
    /// Checks a school's bell times (`MIS_<VENDOR>_PERIOD_TIMES`, a sync config's
    /// `bell_times`) as the vendor's config will read them; `None` when the vendor's
    /// timetable carries its own times and takes none.
    pub bell_times: Option<fn(&str) -> Result<()>>,
    /// Whether the timetable cannot be read without bell times (ManageBac's classes carry
    /// period numbers only): a sync skips it, with a note, for a school that has none.
    pub timetable_needs_bell_times: bool,
    /// Checks a configured quota (`MIS_<VENDOR>_QUOTA`, a sync config's `quota`, `12/60`) as
    /// the vendor's config reads it; `None` when it reads the shared form
    /// ([`parse_quota`](crate::parse_quota)), as every client's options do.
    pub quota: Option<fn(&str) -> Result<()>>,
    /// Whether the vendor counts its quota per egress IP address rather than per school's
    /// credentials: two schools from one address would share it, so a sync runs one such
    /// school per address at a time.
    pub quota_per_address: bool,
    /// The entities the vendor reads one student at a time anyway (at least one request
    /// per student), so a sync that resumes by student loses at most one student's work
    /// and costs nothing extra.
    pub per_student: &'static [&'static str],
    /// When the vendor reads lasting student identifiers at one request each: the name a
    /// caller's store keeps their refresh time under. The caller hands the identifiers it
    /// stored back as an `Arc<dyn mis_core::KeptIdentifiers>` in
    /// [`OpenRequest::extensions`]. `None` when the student list carries them.
    pub kept_identifiers: Option<&'static str>,
}

impl SyncFacts {
    /// A vendor that takes no per-school setting, has no per-address quota and reads
    /// nothing per student.
    pub const NONE: SyncFacts = SyncFacts {
        time_zone: false,
        bell_times: None,
        timetable_needs_bell_times: false,
        quota: None,
        quota_per_address: false,
        per_student: &[],
        kept_identifiers: None,
    };

    /// Whether `entity` is read one student at a time.
    pub fn reads_per_student(&self, entity: &str) -> bool {
        self.per_student.contains(&entity)
    }
}

impl fmt::Debug for SyncFacts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SyncFacts")
            .field("time_zone", &self.time_zone)
            .field("bell_times", &self.bell_times.is_some())
            .field("quota", &self.quota.is_some())
            .field("quota_per_address", &self.quota_per_address)
            .field("per_student", &self.per_student)
            .field("kept_identifiers", &self.kept_identifiers)
            .finish_non_exhaustive()
    }
}

/// A vendor's facts for onboarding checks (`mis doctor`): its request budget, the
/// permissions to ask a school for, the settings that fix a wrong tenant or an unmapped code,
/// and what a sync costs in requests.
#[derive(Clone, Copy)]
pub struct DoctorFacts {
    /// The most requests a doctor run may send for one school, token requests included,
    /// chosen to fit the vendor's quota (HUBmis: 12, one minute). Enforced: a request past
    /// it is refused before it is sent.
    pub budget: u32,
    /// The vendor's documented quota when the school configures none: `(requests, window)`;
    /// `None` when the vendor documents no limit.
    pub quota: Option<(u32, Duration)>,
    /// The variable suffix naming the school's tenant (`REALM` for `MIS_HUBMIS_REALM`), for
    /// vendors whose credentials are scoped to one; `None` when the credentials alone say.
    pub tenant: Option<&'static str>,
    /// Whether an error of the first request is the vendor's answer for a tenant it does not
    /// know (an unknown realm or subdomain), as opposed to refused credentials. Unused when
    /// [`DoctorFacts::tenant`] is `None`.
    pub unknown_tenant: fn(&mis_core::Error) -> bool,
    /// The read operations doctor probes, in this order (names as in
    /// [`mis_core::Error::operation`]: `students`, `attendance`, `timetable`, `behaviour`,
    /// `staff`, `groups`, `academic_years`, `terms`, `attendance_codes`, `homework`,
    /// `detentions`): the ones the vendor gates by a permission or module, within the budget.
    pub probes: &'static [&'static str],
    /// Per operation, what the school must grant when it answers 403: the vendor's
    /// permission, scope or module name in the vendor's own words.
    pub permissions: &'static [(&'static str, &'static str)],
    /// The variable suffix that maps a school-defined attendance code or category
    /// (`CODE_MAP` for `MIS_GO4SCHOOLS_CODE_MAP`, form `CODE=category,…`); `None` when
    /// the vendor's codes are fixed.
    pub code_map: Option<&'static str>,
    /// Requests a read of every entity the provider declares costs, for `students` on roll
    /// over `school_days` days: the vendor's request plan, for the sync-time estimate.
    pub sync_requests: fn(students: u64, school_days: u32) -> u64,
}

impl DoctorFacts {
    /// The permission to ask for when `operation` is refused, if the vendor names one.
    pub fn permission(&self, operation: &str) -> Option<&'static str> {
        self.permissions
            .iter()
            .find(|(op, _)| *op == operation)
            .map(|(_, p)| *p)
    }
}

impl fmt::Debug for DoctorFacts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DoctorFacts")
            .field("budget", &self.budget)
            .field("quota", &self.quota)
            .field("tenant", &self.tenant)
            .field("probes", &self.probes)
            .finish_non_exhaustive()
    }
}

impl fmt::Debug for VendorDescriptor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VendorDescriptor")
            .field("id", &self.id)
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

impl VendorDescriptor {
    /// Opens the provider from `lookup` alone: the shared options read under the vendor's
    /// prefix, then [`VendorDescriptor::open`].
    pub fn open_from(&self, lookup: Lookup<'_>) -> Result<Arc<dyn MisProvider>> {
        let options = ClientOptions::from_lookup(self.id, lookup)?;
        (self.open)(OpenRequest::new(options, lookup))
    }
}
