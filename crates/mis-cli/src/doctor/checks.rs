//! The checks of one doctor run, in the order the module docs give.

use std::collections::BTreeMap;

use futures::StreamExt;
use jiff::civil::Date;
use mis_core::{
    AttendanceCategory, AttendanceQuery, BehaviourQuery, BoxStream, Check, DateRange,
    DetentionQuery, Diagnostics, Error, ErrorKind, HomeworkQuery, MisProvider, StudentQuery,
    TimetableQuery,
};
use mis_http::{ClientOptions, VendorDescriptor};

use super::budget::Budget;
use super::{FIRST_SYNC_DAYS, NIGHTLY_SYNC_DAYS, human, time_at_quota};

/// The categories a code can be mapped to, as a mapping line spells them.
const CATEGORIES: &str =
    "present, approved_educational_activity, authorised_absence, unauthorised_absence, not_counted";

/// What one probe read.
#[derive(Default)]
struct Probe {
    read: usize,
    error: Option<Error>,
}

/// Reads at most `max` items of `stream`, handing each to `each`; stops at the first error.
async fn drain<T>(
    mut stream: BoxStream<'static, mis_core::Result<T>>,
    max: usize,
    mut each: impl FnMut(&T),
) -> Probe {
    let mut probe = Probe::default();
    while probe.read < max {
        match stream.next().await {
            None => break,
            Some(Ok(item)) => {
                each(&item);
                probe.read += 1;
            }
            Some(Err(e)) => {
                probe.error = Some(e);
                break;
            }
        }
    }
    probe
}

/// The error's line with its causes (host and cause of a connection error), redacted.
fn describe(e: &Error) -> String {
    crate::exit::with_causes(e)
}

/// The check for a provider that could not even be built (a missing or malformed setting).
pub(super) fn open_failure(vendor: &VendorDescriptor, e: &Error) -> Check {
    match e.kind() {
        ErrorKind::Unauthenticated => Check::problem(
            "credentials",
            format!("not configured: {}", describe(e)),
            format!("set {}", credential_sets(vendor)),
        ),
        _ => Check::problem(
            "settings",
            describe(e),
            "correct the setting the message names",
        ),
    }
}

/// The vendor's ways to log in, each its variables joined: `A + B, or C + D`.
fn credential_sets(vendor: &VendorDescriptor) -> String {
    let sets: Vec<String> = vendor
        .credentials
        .iter()
        .map(|set| set.join(" + "))
        .collect();
    sets.join(", or ")
}

/// What the first contact's error means: a wrong tenant, refused credentials, an
/// unreachable host, a missing permission on the student list, or something else.
fn first_contact_failure(vendor: &VendorDescriptor, e: &Error) -> Vec<Check> {
    let prefix = vendor.id.env_prefix();
    match e.kind() {
        _ if vendor.doctor.tenant.is_some() && (vendor.doctor.unknown_tenant)(e) => {
            let tenant = format!("{prefix}_{}", vendor.doctor.tenant.unwrap_or_default());
            vec![Check::problem(
                "tenant",
                format!(
                    "the MIS knows no school by the configured name: {}",
                    describe(e)
                ),
                format!(
                    "check {tenant}: it must be the school's own name in {}",
                    vendor.name
                ),
            )]
        }
        ErrorKind::Unauthenticated => vec![Check::problem(
            "credentials",
            format!("the MIS refused the credentials: {}", describe(e)),
            format!(
                "check {} (a key revoked, mistyped or for another school)",
                credential_sets(vendor)
            ),
        )],
        ErrorKind::PermissionDenied => vec![
            Check::ok("credentials", "accepted"),
            permission_problem(vendor, "students", e),
        ],
        ErrorKind::Unavailable | ErrorKind::Timeout => vec![Check::problem(
            "connection",
            format!("could not reach the vendor: {}", describe(e)),
            format!(
                "check {prefix}_BASE_URL (unset: the vendor's own host) and the network; behind \
                 a TLS-inspecting proxy set MIS_CA_CERT or MIS_TLS_OS_ROOTS=true, and MIS_PROXY"
            ),
        )],
        _ => vec![Check::problem(
            "credentials",
            format!("the first request failed: {}", describe(e)),
            "run `mis -vv students` with the same settings and report the error",
        )],
    }
}

fn permission_problem(vendor: &VendorDescriptor, operation: &str, e: &Error) -> Check {
    let ask = match vendor.doctor.permission(operation) {
        Some(p) => format!(
            "ask the school to grant these credentials {p} in {}",
            vendor.name
        ),
        None => format!(
            "ask the school to enable {operation} for these credentials in {}",
            vendor.name
        ),
    };
    Check::problem(
        format!("permission:{operation}"),
        format!("the MIS refused {operation}: {}", describe(e)),
        ask,
    )
}

/// Everything after the provider is open.
pub async fn diagnose_provider(
    vendor: &VendorDescriptor,
    options: &ClientOptions,
    provider: &dyn MisProvider,
    budget: &Budget,
    date: Date,
) -> Vec<Check> {
    let facts = &vendor.doctor;
    let capabilities = provider.capabilities();
    let diagnostics = Diagnostics::new();
    let mut checks = Vec::new();

    // 1. First contact: the student list, read while it costs at most a third of the budget.
    let share = (facts.budget / 3).max(2);
    let mut stream = provider.students(StudentQuery::new().with_diagnostics(diagnostics.clone()));
    let mut students = 0u64;
    let mut first_student: Option<String> = None;
    let mut complete = true;
    loop {
        match stream.next().await {
            None => break,
            Some(Ok(student)) => {
                students += 1;
                first_student.get_or_insert_with(|| student.id.clone());
                if budget.sent() >= share {
                    complete = false;
                    break;
                }
            }
            Some(Err(e)) if students == 0 => {
                checks.extend(first_contact_failure(vendor, &e));
                return checks;
            }
            Some(Err(e)) => {
                complete = false;
                checks.push(Check::warning(
                    "sample",
                    format!(
                        "the student list stopped after {students}: {}",
                        describe(&e)
                    ),
                    "run `mis students` for the whole error",
                ));
                break;
            }
        }
    }
    drop(stream);
    checks.push(Check::ok("credentials", "accepted"));
    if let Some(tenant) = facts.tenant {
        checks.push(Check::ok(
            "tenant",
            format!(
                "{}_{tenant} names a school the MIS knows",
                vendor.id.env_prefix()
            ),
        ));
    }
    checks.push(Check::ok(
        "permission:students",
        format!("allowed ({students} read)"),
    ));

    // 2. The school's own profile (one request at most).
    budget.clear_exhausted();
    let profile = provider.school_profile().await;

    // 3. One probe per gated operation, for one student and one day.
    let day = DateRange::day(date);
    let one = |q_student: &Option<String>| -> Option<String> {
        capabilities
            .filter_student
            .then(|| q_student.clone())
            .flatten()
    };
    let mut unmapped: BTreeMap<String, (Option<String>, usize)> = BTreeMap::new();
    let mut code_book: Option<usize> = None;
    let mut marks = 0usize;
    let mut not_probed = Vec::new();
    for &operation in facts.probes {
        if operation == "students" || !declares(&capabilities, operation) {
            continue;
        }
        if budget.left() == 0 {
            not_probed.push(operation);
            continue;
        }
        budget.clear_exhausted();
        let student = one(&first_student);
        // The sample day, for the first student where the provider filters by student.
        macro_rules! one_day {
            ($query:ident) => {{
                let q = $query::new(day).with_diagnostics(diagnostics.clone());
                match student.clone() {
                    Some(s) => q.student(s),
                    None => q,
                }
            }};
        }
        let probe = match operation {
            "attendance" => {
                drain(provider.attendance(one_day!(AttendanceQuery)), 500, |m| {
                    marks += 1;
                    if m.category == AttendanceCategory::Unmapped {
                        unmapped.entry(m.code.clone()).or_default().1 += 1;
                    }
                })
                .await
            }
            "timetable" => drain(provider.timetable(one_day!(TimetableQuery)), 1, |_| ()).await,
            "behaviour" => drain(provider.behaviour(one_day!(BehaviourQuery)), 1, |_| ()).await,
            "homework" => drain(provider.homework(one_day!(HomeworkQuery)), 1, |_| ()).await,
            "detentions" => drain(provider.detentions(one_day!(DetentionQuery)), 1, |_| ()).await,
            "staff" => drain(provider.staff(), 1, |_| ()).await,
            "groups" => drain(provider.groups(), 1, |_| ()).await,
            "academic_years" => drain(provider.academic_years(), 1, |_| ()).await,
            "terms" => drain(provider.terms(), 1, |_| ()).await,
            "attendance_codes" => {
                let mut n = 0;
                let probe = drain(provider.attendance_codes(), 10_000, |c| {
                    n += 1;
                    if c.category == AttendanceCategory::Unmapped {
                        let entry = unmapped.entry(c.code.clone()).or_default();
                        entry.0 = c.label.clone();
                    }
                })
                .await;
                code_book = Some(n);
                probe
            }
            other => {
                not_probed.push(other);
                continue;
            }
        };
        checks.push(probe_check(vendor, operation, &probe, budget));
    }
    // What the provider declares but the vendor's probes leave out (to stay within its
    // quota): said, so a reader knows the permissions not checked.
    let unprobed: Vec<&str> = OPERATIONS
        .iter()
        .copied()
        .filter(|op| *op != "students" && declares(&capabilities, op) && !facts.probes.contains(op))
        .collect();
    if !unprobed.is_empty() {
        checks.push(Check::ok(
            "unprobed",
            format!(
                "declared but not probed, to stay within {} requests: {}",
                facts.budget,
                unprobed.join(", ")
            ),
        ));
    }
    if !not_probed.is_empty() {
        checks.push(Check::warning(
            "budget",
            format!(
                "not probed within the budget of {} requests: {}",
                facts.budget,
                not_probed.join(", ")
            ),
            "run `mis doctor` again in a minute; if it recurs, report it (the budget is too small)",
        ));
    }

    // 4. Codes.
    checks.push(codes_check(vendor, code_book, marks, &unmapped));

    // 5. Time zone. The profile's roll count, where the API gives one, is better than a
    // student list cut short by the budget.
    let known_roll = profile.as_ref().ok().and_then(|p| p.roll);
    checks.push(time_zone_check(vendor, provider, profile));

    // 6. Quota.
    let (roll, complete) = match known_roll {
        Some(roll) if !complete => (roll, true),
        _ => (students, complete),
    };
    checks.push(quota_check(vendor, options, budget, roll, complete));

    // 7. Sample.
    let warnings = diagnostics.warnings();
    if warnings.is_empty() {
        checks.push(Check::ok(
            "sample",
            format!("{students} students and {marks} marks of {date} decoded without a warning"),
        ));
    } else {
        let kinds = mis_core::diagnostics::summarise(&warnings, 3).join("; ");
        checks.push(Check::warning(
            "sample",
            format!("{} records skipped or degraded: {kinds}", warnings.len()),
            "the skipped records are the school's data the MIS sent malformed or incomplete: \
             ask the school's MIS administrator to correct them (ids above)",
        ));
    }
    checks
}

/// Every read operation a probe can name, in [`declares`]'s order.
const OPERATIONS: [&str; 11] = [
    "students",
    "attendance",
    "timetable",
    "behaviour",
    "staff",
    "groups",
    "academic_years",
    "terms",
    "attendance_codes",
    "homework",
    "detentions",
];

fn declares(c: &mis_core::Capabilities, operation: &str) -> bool {
    match operation {
        "students" => c.students,
        "attendance" => c.attendance_sessions || c.attendance_lessons || c.attendance_days,
        "timetable" => c.timetable,
        "behaviour" => c.behaviour,
        "staff" => c.staff,
        "groups" => c.groups,
        "academic_years" | "terms" => c.academic_years,
        "attendance_codes" => c.attendance_codes,
        "homework" => c.homework,
        "detentions" => c.detentions,
        _ => false,
    }
}

fn probe_check(
    vendor: &VendorDescriptor,
    operation: &str,
    probe: &Probe,
    budget: &Budget,
) -> Check {
    let name = format!("permission:{operation}");
    match &probe.error {
        None => Check::ok(name, format!("allowed ({} read)", probe.read)),
        Some(_) if budget.exhausted() => Check::warning(
            name,
            format!(
                "not checked: the budget of {} requests was spent",
                budget.limit()
            ),
            "run `mis doctor` again later; if it recurs, report it (the budget is too small)",
        ),
        Some(e) if e.kind() == ErrorKind::PermissionDenied => {
            permission_problem(vendor, operation, e)
        }
        // A setting the read needs and the school's config lacks (ManageBac's bell times).
        Some(e) if e.kind() == ErrorKind::InvalidInput => Check::problem(
            name,
            format!("{operation} cannot be read as configured: {}", describe(e)),
            "set the setting the message names (in a sync config: the school's key of the same \
             name)",
        ),
        Some(e) => Check::problem(
            name,
            format!("{operation} failed: {}", describe(e)),
            format!("run `mis -vv` on {operation} with the same settings and report the error"),
        ),
    }
}

fn codes_check(
    vendor: &VendorDescriptor,
    code_book: Option<usize>,
    marks: usize,
    unmapped: &BTreeMap<String, (Option<String>, usize)>,
) -> Check {
    let source = match code_book {
        Some(n) => format!("{n} codes in the school's code book and {marks} sample marks"),
        None => format!("{marks} sample marks, this API having no code book"),
    };
    if unmapped.is_empty() {
        return Check::ok(
            "codes",
            format!("every code maps to a DfE category; read from {source}"),
        );
    }
    let listed: Vec<String> = unmapped
        .iter()
        .map(|(code, (label, _))| match label {
            Some(l) => format!("{code} ({l})"),
            None => code.clone(),
        })
        .collect();
    let fix = match vendor.doctor.code_map {
        Some(suffix) => {
            let var = format!("{}_{suffix}", vendor.id.env_prefix());
            let line: Vec<String> = unmapped
                .keys()
                .map(|code| format!("{code}=<category>"))
                .collect();
            format!(
                "map them: {var}=\"{}\" (in a sync config: category_map = \"…\"), each \
                 <category> one of {CATEGORIES}, as the school uses the code",
                line.join(",")
            )
        }
        None => format!(
            "{} fixes its codes, so these are ours to learn: report them with their meaning",
            vendor.name
        ),
    };
    Check::warning(
        "codes",
        format!(
            "{} code(s) our table leaves unmapped, so marks with them count in no statistic: {}; read from {source}",
            unmapped.len(),
            listed.join(", ")
        ),
        fix,
    )
}

fn time_zone_check(
    vendor: &VendorDescriptor,
    provider: &dyn MisProvider,
    profile: mis_core::Result<mis_core::SchoolProfile>,
) -> Check {
    let configured = provider.info().time_zone.clone();
    let var = format!("{}_TIME_ZONE", vendor.id.env_prefix());
    match profile {
        Err(e) if e.kind() == ErrorKind::Unsupported => Check::ok(
            "time_zone",
            format!("the API does not say; reading times as {configured} ({var} or the default)"),
        ),
        Err(e) => Check::warning(
            "time_zone",
            format!("the school's settings could not be read: {}", describe(&e)),
            format!("check {configured} is the school's zone; set {var} to pin it"),
        ),
        Ok(p) => match p.time_zone {
            None => Check::warning(
                "time_zone",
                format!(
                    "the school has no time zone set in the MIS; reading times as {configured}"
                ),
                format!(
                    "ask the school to set its time zone in {}, and set {var} to the same",
                    vendor.name
                ),
            ),
            Some(zone) if zone == configured => {
                Check::ok("time_zone", format!("{zone}, as configured"))
            }
            Some(zone) => Check::problem(
                "time_zone",
                format!("the school's zone is {zone}, but times are read as {configured}"),
                format!("set {var}={zone}"),
            ),
        },
    }
}

fn quota_check(
    vendor: &VendorDescriptor,
    options: &ClientOptions,
    budget: &Budget,
    roll: u64,
    complete: bool,
) -> Check {
    let facts = &vendor.doctor;
    let headers = budget.quota_headers();
    let seen = if headers.is_empty() {
        "no quota headers seen".to_owned()
    } else {
        let h: Vec<String> = headers.iter().map(|(k, v)| format!("{k}: {v}")).collect();
        format!("headers {}", h.join(", "))
    };
    let roll_text = if complete {
        format!("{roll} students")
    } else {
        format!("at least {roll} students (the list was not read to its end)")
    };
    let first = (facts.sync_requests)(roll, FIRST_SYNC_DAYS);
    let nightly = (facts.sync_requests)(roll, NIGHTLY_SYNC_DAYS);
    let (first_t, nightly_t) = (
        time_at_quota(facts, options, first),
        time_at_quota(facts, options, nightly),
    );
    let estimate = match (first_t, nightly_t) {
        (Some(f), Some(n)) => format!(
            "for {roll_text}: a first sync of a school year ~{first} requests, {}; a nightly \
             sync ~{nightly} requests, {}",
            human(f),
            human(n)
        ),
        _ => format!(
            "for {roll_text}: a first sync ~{first} requests, a nightly sync ~{nightly} (no quota \
             limits the rate)"
        ),
    };
    let finding = format!("{seen}; {estimate}");
    let throttled = budget.throttled();
    if throttled > 0 {
        return Check::warning(
            "quota",
            format!("the vendor throttled {throttled} of doctor's requests; {finding}"),
            "another client is spending this school's quota: find it, or set the quota lower \
             (MIS_<VENDOR>_QUOTA / quota in a sync config)",
        );
    }
    match nightly_t {
        Some(n) if n > std::time::Duration::from_secs(8 * 3600) => Check::problem(
            "quota",
            finding,
            "a nightly sync does not fit a night: sync fewer entities (`skip` in the sync \
             config) or ask the vendor for a larger quota",
        ),
        _ => match first_t {
            Some(f) if f > std::time::Duration::from_secs(48 * 3600) => Check::warning(
                "quota",
                finding,
                "start the first sync before a weekend, or sync a shorter range first (`from` \
                 or `last_days` in the sync config)",
            ),
            _ => Check::ok("quota", finding),
        },
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use mis_core::Verdict;

    use super::*;

    fn vendor(id: &str) -> &'static VendorDescriptor {
        crate::Registry::builtin().lookup(id).unwrap().vendor
    }

    #[test]
    fn an_unmapped_code_is_a_warning_with_the_line_that_maps_it() {
        let managebac = vendor("managebac");
        let mut unmapped = BTreeMap::new();
        unmapped.insert("Q".to_owned(), (Some("Quarantine room".to_owned()), 3));
        let check = codes_check(managebac, Some(12), 40, &unmapped);
        assert_eq!(check.verdict, Verdict::Warning);
        assert!(check.finding.contains("Q (Quarantine room)"), "{check:?}");
        let fix = check.fix.unwrap();
        assert!(
            fix.contains("MIS_MANAGEBAC_CATEGORY_MAP=\"Q=<category>\""),
            "{fix}"
        );
        assert_eq!(
            codes_check(managebac, Some(12), 40, &BTreeMap::new()).verdict,
            Verdict::Ok
        );
    }

    #[test]
    fn a_nightly_sync_longer_than_a_night_is_a_problem() {
        let hubmis = vendor("hubmis");
        let options = ClientOptions::new();
        // 12 a minute: a roll big enough that the nightly plan passes 8 hours.
        let budget = Budget::new(12);
        // HUBmis reads attendance and timetable one student at a time: a few hundred
        // students already fill a night at one request every 5 s.
        let roll = (1u64..1000)
            .map(|n| n * 100)
            .find(|&n| {
                let nightly = (hubmis.doctor.sync_requests)(n, NIGHTLY_SYNC_DAYS);
                time_at_quota(&hubmis.doctor, &options, nightly)
                    .is_some_and(|t| t > Duration::from_secs(8 * 3600))
            })
            .expect("some roll under 100,000 takes a HUBmis night");
        let check = quota_check(hubmis, &options, &budget, roll, true);
        assert_eq!(check.verdict, Verdict::Problem, "{check:?}");
        assert!(check.fix.unwrap().contains("nightly"));
        let small = quota_check(hubmis, &options, &budget, 1, true);
        assert_ne!(small.verdict, Verdict::Problem, "{small:?}");
        assert!(small.finding.contains("no quota headers seen"), "{small:?}");
    }

    #[test]
    fn a_refused_module_names_the_permission_to_ask_for() {
        let e = Error::new(ErrorKind::PermissionDenied, "module disabled");
        for entry in crate::Registry::builtin().entries() {
            let vendor = entry.vendor;
            for &(operation, permission) in vendor.doctor.permissions {
                let check = permission_problem(vendor, operation, &e);
                assert_eq!(check.verdict, Verdict::Problem);
                assert!(check.fix.unwrap().contains(permission), "{}", vendor.id);
            }
        }
    }
}
