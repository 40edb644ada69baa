//! What `mis doctor` needs to know about this vendor to check one school's onboarding:
//! [`FACTS`].
//!
//! The vendor document cited below is Classe365's public article "Getting started with the
//! Classe365 REST API v2"
//! (<https://docs.classe365.com/en/articles/15550996-getting-started-with-the-classe365-rest-api-v2>).

use mis_core::{Error, ErrorKind};
use mis_http::DoctorFacts;

/// This vendor's onboarding facts (see [`DoctorFacts`]).
pub const FACTS: DoctorFacts = DoctorFacts {
    // The vendor document states no rate limit, so the budget is sized to the run rather
    // than to a quota: the student list while it costs at most a third (4 pages of 100, the
    // client's page size), one request per probe (4), and 4 spare for retries of a 5xx,
    // which the document calls "safe to retry". A clean run against the emulator (30 on
    // roll) sends 5: one page of students and the 4 probes (`school_profile` sends none).
    budget: 12,
    // The vendor document has no rate-limit section and documents no rate-limit header (its
    // status table has no 429): no quota to plan with.
    quota: None,
    // The base URL is "https://<your_subdomain>.classe365.com/restv2" and the subdomain is
    // also the Basic user name (vendor document, "Base URL", "Authentication").
    tenant: Some("SUBDOMAIN"),
    unknown_tenant,
    // The vendor document: an API key "applies to all modules or to specific modules", and
    // a 403 means "you lack permission or the feature is disabled for your tenant instance".
    // Every read this provider declares is such a module's; most important first. `terms`
    // is the same `/sessions` read as `academic_years`, so it is not probed twice.
    probes: &["attendance", "groups", "academic_years", "staff"],
    // The document names no module list (it is in the tenant portal, behind a login), so
    // each permission names the resource the v2 article names ("students, classes,
    // sessions, departments, and more") and the place a super-admin scopes the key:
    // "Modules > Administration > APIs … select the modules that the API key will have
    // access to".
    permissions: &[
        (
            "students",
            "access to students (Modules > Administration > APIs: an API key for all \
             modules, or one whose modules include students)",
        ),
        (
            "attendance",
            "access to attendance (Modules > Administration > APIs: an API key for all \
             modules, or one whose modules include attendance)",
        ),
        (
            "groups",
            "access to classes (Modules > Administration > APIs: an API key for all \
             modules, or one whose modules include classes)",
        ),
        (
            "academic_years",
            "access to sessions (Modules > Administration > APIs: an API key for all \
             modules, or one whose modules include sessions)",
        ),
        (
            "staff",
            "access to teachers (Modules > Administration > APIs: an API key for all \
             modules, or one whose modules include teachers)",
        ),
    ],
    // Classe365 attendance is a status label per register, not a fixed code set: v1's
    // attendance records are keyed by the school's own class, section, subject and session
    // set-up, and it has an `attendanceSettings` read (Classe365 API documentation,
    // speca.io/classe365/academics), so a school's statuses are its own. A label the
    // fixed rules do not know is mapped by `MIS_CLASSE365_CODE_MAP`
    // (`Quarantine room=authorised_absence`).
    code_map: Some("CODE_MAP"),
    sync_requests,
};

/// Records per page the provider asks for (the client's default page size).
const PAGE: u64 = crate::config::DEFAULT_PAGE_SIZE as u64;

/// School days in one attendance read of `mis sync`: it reads date-ranged entities in
/// chunks of 7 dates, which hold 5 school days.
const CHUNK_SCHOOL_DAYS: u32 = 5;

/// Whether the first request's error is what an unknown subdomain answers.
///
/// The vendor document does not say, and the answer comes from in front of the API (no
/// tenant, so no tenant's API): either no DNS record for `<subdomain>.classe365.com`
/// (the resolver's "name not known", as opposed to a resolver that cannot be reached), or
/// a web server's 404 page outside the API's JSON envelope. The API's own 404 (an unknown
/// route) carries the envelope's `(error_code: …)`, so it is not taken for a tenant.
fn unknown_tenant(e: &Error) -> bool {
    match e.kind() {
        ErrorKind::NotFound => e.vendor_code().is_none(),
        ErrorKind::Unavailable => no_such_host(e),
        _ => false,
    }
}

/// A DNS answer that the tenant's own host name does not exist (NXDOMAIN as each system's
/// resolver words it), not a resolver or network failure, and not a base URL override.
fn no_such_host(e: &Error) -> bool {
    const NO_SUCH_NAME: &[&str] = &[
        "name or service not known",
        "nodename nor servname provided",
        "no such host is known",
        "no record found",
        "nxdomain",
    ];
    if !e.message().contains(crate::routes::HOST_SUFFIX) {
        return false;
    }
    let mut source: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(e);
    while let Some(cause) = source {
        let text = cause.to_string().to_ascii_lowercase();
        if NO_SUCH_NAME.iter().any(|n| text.contains(n)) {
            return true;
        }
        source = cause.source();
    }
    false
}

/// `⌈records ÷ page⌉`, at least one request (an empty list is one 204).
fn pages(records: u64) -> u64 {
    records.div_ceil(PAGE).max(1)
}

/// Requests a read of students, attendance, timetable and behaviour costs for `students` on
/// roll over `school_days`, as the provider reads them:
///
/// - students: `GET /students`, every record page by page (`meta.total_pages` ends the
///   walk): `⌈students ÷ 100⌉`. Leavers are listed by the API and dropped by the provider,
///   so a school with many adds their pages (a floor, not a ceiling);
/// - attendance: `GET /attendance?from&to` per chunk of 5 school days, one daily record per
///   student per day: `⌈students × days ÷ 100⌉` per chunk. A school with subject-wise
///   registers sends one record per lesson, so more;
/// - timetable, behaviour: no request (Classe365 has neither: `Unsupported`).
fn sync_requests(students: u64, school_days: u32) -> u64 {
    let mut attendance = 0;
    let mut left = school_days;
    while left > 0 {
        let days = left.min(CHUNK_SCHOOL_DAYS);
        attendance += pages(students * u64::from(days));
        left -= days;
    }
    pages(students) + attendance
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_plan_counts_pages_per_chunk() {
        // 30 students: one page of students; 3 days = 90 records = one page.
        assert_eq!(sync_requests(30, 3), 2);
        // 40 students over 5 days: 200 records = two pages.
        assert_eq!(sync_requests(40, 5), 1 + 2);
        // A school year of 1,000 students: 10 pages, 38 chunks of 50 pages.
        assert_eq!(sync_requests(1000, 190), 10 + 38 * 50);
        // The nightly six days: a chunk of five and a chunk of one.
        assert_eq!(sync_requests(1000, 6), 10 + 50 + 10);
        assert_eq!(sync_requests(0, 0), 1);
    }

    #[test]
    fn an_unknown_subdomain_is_told_from_refused_credentials() {
        let front_404 = Error::new(ErrorKind::NotFound, "not found: a body that is not JSON");
        assert!(unknown_tenant(&front_404));
        let api_404 =
            Error::new(ErrorKind::NotFound, "not found: no such endpoint").with_vendor_code("301");
        assert!(!unknown_tenant(&api_404), "the API's own 404 is a route");
        let refused = Error::new(
            ErrorKind::Unauthenticated,
            "Classe365 rejected the credentials",
        );
        assert!(!unknown_tenant(&refused));

        let dns = |host: &str, cause: &str| {
            Error::new(
                ErrorKind::Unavailable,
                format!("could not connect to {host}: DNS lookup failed"),
            )
            .with_source(std::io::Error::other(format!(
                "dns error: failed to lookup address information: {cause}"
            )))
        };
        assert!(unknown_tenant(&dns(
            "no-such-school.classe365.com",
            "Name or service not known"
        )));
        // The network, not the name: a resolver that cannot answer.
        assert!(!unknown_tenant(&dns(
            "evaluate3x.classe365.com",
            "Temporary failure in name resolution"
        )));
        // A base URL override that does not resolve is that setting's problem.
        assert!(!unknown_tenant(&dns(
            "proxy.example.org",
            "Name or service not known"
        )));
    }

    #[test]
    fn every_probe_names_its_permission() {
        for probe in FACTS.probes {
            assert!(FACTS.permission(probe).is_some(), "{probe}");
        }
        assert!(FACTS.permission("students").is_some());
    }
}
