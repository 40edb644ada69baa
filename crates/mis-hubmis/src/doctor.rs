//! What `mis doctor` needs to know about this vendor to check one school's onboarding:
//! [`FACTS`].

use std::time::Duration;

use mis_http::DoctorFacts;

/// This vendor's onboarding facts (see [`DoctorFacts`]).
pub const FACTS: DoctorFacts = DoctorFacts {
    budget: 12,
    quota: Some((12, Duration::from_secs(60))),
    tenant: Some("REALM"),
    unknown_tenant: |e| e.kind() == mis_core::ErrorKind::NotFound,
    probes: &["attendance", "timetable", "behaviour"],
    permissions: &[],
    code_map: None,
    sync_requests,
};

/// Requests a read of every entity costs for `students` over `school_days`: one list
/// request per entity per day (a first estimate; see the request-plan tests).
fn sync_requests(students: u64, school_days: u32) -> u64 {
    let _ = students;
    1 + 3 * u64::from(school_days)
}
