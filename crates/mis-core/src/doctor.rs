//! What an onboarding check finds: [`Verdict`], [`Check`] and the school's own
//! [`SchoolProfile`].
//!
//! `mis doctor` asks a school's MIS, in a dozen requests, whether *these* credentials can do
//! what the provider declares and what the mapping will make of *this* school's data. The
//! types live here so a vendor crate can say what its API knows about the school
//! ([`crate::MisProvider::school_profile`]) and a program other than `mis` can run the same
//! checks.

use serde::Serialize;

/// How bad a finding is. Ordered: the worst verdict of a report is its maximum.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Nothing to do.
    Ok,
    /// A sync will work, but some data will be incomplete, unmapped or slow; read the fix.
    Warning,
    /// A sync will fail or produce wrong data until the fix is applied.
    Problem,
}

impl Verdict {
    /// `ok`, `warning` or `problem`.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Ok => "ok",
            Verdict::Warning => "warning",
            Verdict::Problem => "problem",
        }
    }
}

impl std::fmt::Display for Verdict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One finding: what was checked, the verdict, what was seen and, unless the verdict is
/// [`Verdict::Ok`], what to do about it. Holds counts and names of settings, never a pupil's
/// data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Check {
    /// A stable name: `credentials`, `tenant`, `permission:timetable`, `codes`,
    /// `time_zone`, `quota`, `sample`.
    pub name: String,
    /// The verdict.
    pub verdict: Verdict,
    /// What was seen, in one or two sentences.
    pub finding: String,
    /// The fix, in words (a setting to change, a permission to ask the school for).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
}

impl Check {
    /// An `ok` finding.
    pub fn ok(name: impl Into<String>, finding: impl Into<String>) -> Check {
        Check {
            name: name.into(),
            verdict: Verdict::Ok,
            finding: finding.into(),
            fix: None,
        }
    }

    /// A `warning` with its fix.
    pub fn warning(
        name: impl Into<String>,
        finding: impl Into<String>,
        fix: impl Into<String>,
    ) -> Check {
        Check {
            name: name.into(),
            verdict: Verdict::Warning,
            finding: finding.into(),
            fix: Some(fix.into()),
        }
    }

    /// A `problem` with its fix.
    pub fn problem(
        name: impl Into<String>,
        finding: impl Into<String>,
        fix: impl Into<String>,
    ) -> Check {
        Check {
            name: name.into(),
            verdict: Verdict::Problem,
            finding: finding.into(),
            fix: Some(fix.into()),
        }
    }
}

/// What the vendor's API says about the school itself, where it says anything.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct SchoolProfile {
    /// The school's name as the MIS holds it.
    pub name: Option<String>,
    /// The school's own IANA time zone, as set in the MIS (`None`: the MIS has none set, or
    /// its API does not say).
    pub time_zone: Option<String>,
    /// Students on roll, when the API gives a count without reading every record.
    pub roll: Option<u64>,
}

impl SchoolProfile {
    /// A profile with nothing known.
    pub fn new() -> SchoolProfile {
        SchoolProfile::default()
    }

    /// Sets the name.
    pub fn with_name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Sets the time zone.
    pub fn with_time_zone(mut self, zone: impl Into<String>) -> Self {
        self.time_zone = Some(zone.into());
        self
    }

    /// Sets the roll count.
    pub fn with_roll(mut self, roll: u64) -> Self {
        self.roll = Some(roll);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_worst_verdict_is_the_maximum() {
        let worst = [Verdict::Ok, Verdict::Problem, Verdict::Warning]
            .into_iter()
            .max();
        assert_eq!(worst, Some(Verdict::Problem));
        assert!(Verdict::Ok < Verdict::Warning);
    }

    #[test]
    fn checks_serialise_without_an_empty_fix() {
        let json = serde_json::to_string(&Check::ok("quota", "12 per minute")).unwrap();
        assert_eq!(
            json,
            r#"{"name":"quota","verdict":"ok","finding":"12 per minute"}"#
        );
        let json =
            serde_json::to_string(&Check::problem("tenant", "unknown realm", "fix it")).unwrap();
        assert!(json.contains(r#""verdict":"problem""#), "{json}");
        assert!(json.contains(r#""fix":"fix it""#), "{json}");
    }
}
