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
