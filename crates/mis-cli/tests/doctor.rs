//! `mis doctor` against every registered vendor's emulator: a clean school gives all ok, a
//! school set up wrong (a disabled module, a code of its own, no time zone, a wrong tenant
//! or wrong credentials) gives each finding with its fix, and no run sends more requests than
//! the vendor's declared budget (counted by the emulator, not by the client).

use std::collections::BTreeMap;
use std::sync::Arc;

use jiff::civil::Date;
use mis_cli::Registry;
use mis_cli::doctor::{DoctorReport, diagnose};
use mis_cli::registry::Entry;
use mis_core::Verdict;
use mis_http::ClientOptions;
use mis_sandbox::{EmulatorOptions, FaultPlan, OnboardingFaults, Sandbox, School, Stats};

/// The first day with registers in the synthetic school.
fn sample_day(school: &School) -> Date {
    school
        .session_marks
        .iter()
        .map(|m| m.date)
        .min()
        .expect("the school has session marks")
}

/// The registry's entries, or only `MIS_DOCTOR_ONLY`'s (a vendor id) while one vendor is
/// being worked on.
fn entries() -> Vec<Entry> {
    let only = std::env::var("MIS_DOCTOR_ONLY").ok();
    Registry::builtin()
        .entries()
        .iter()
        .filter(|e| only.as_deref().is_none_or(|o| e.id().as_str() == o))
        .cloned()
        .collect()
}

struct Run {
    report: DoctorReport,
    sent: u64,
}

async fn doctor(entry: &Entry, plan: FaultPlan, change: &[(&str, &str)]) -> Run {
    let school = Arc::new(School::generate(7, 30));
    let options = EmulatorOptions {
        time_scale: entry.emulator.demo_time_scale,
        ..EmulatorOptions::default()
    };
    let sandbox = Sandbox::start_emulator(entry.emulator, school.clone(), plan, options, 0)
        .await
        .unwrap();
    let mut env: BTreeMap<String, String> = sandbox.client_env();
    for (suffix, value) in change {
        env.insert(entry.vendor.id.env(suffix), (*value).to_owned());
    }
    let lookup = |name: &str| env.get(name).cloned();
    let options = ClientOptions::from_lookup(entry.vendor.id, &lookup).unwrap();
    let report = diagnose(entry.vendor, options, None, &lookup, sample_day(&school)).await;
    let sent = Stats::get(&sandbox.stats().requests);
    Run { report, sent }
}

fn shown(report: &DoctorReport) -> String {
    serde_json::to_string_pretty(report).unwrap()
}

fn within_budget(entry: &Entry, run: &Run) {
    let budget = u64::from(entry.vendor.doctor.budget);
    assert!(
        run.sent <= budget && u64::from(run.report.requests) <= budget,
        "{}: {} requests reached the emulator ({} counted by the client), budget {budget}",
        entry.id(),
        run.sent,
        run.report.requests
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_clean_school_is_all_ok_within_the_budget() {
    for entry in &entries() {
        let run = doctor(entry, FaultPlan::none(), &[]).await;
        within_budget(entry, &run);
        assert_eq!(run.report.verdict, Verdict::Ok, "{}", shown(&run.report));
        for name in ["credentials", "codes", "time_zone", "quota", "sample"] {
            assert!(
                run.report.check(name).is_some(),
                "{}: no {name} check: {}",
                entry.id(),
                shown(&run.report)
            );
        }
        // Every gated operation the vendor declares was probed.
        let declared = entry.vendor.doctor.probes.len();
        let probed = run
            .report
            .checks
            .iter()
            .filter(|c| c.name.starts_with("permission:"))
            .count();
        assert!(probed >= declared.min(1), "{}", shown(&run.report));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_school_set_up_wrong_gets_each_finding_with_its_fix() {
    for entry in &entries() {
        let clean = doctor(entry, FaultPlan::none(), &[]).await;
        let api_has_zone = !clean
            .report
            .check("time_zone")
            .unwrap()
            .finding
            .contains("does not say");
        let plan = FaultPlan {
            onboarding: OnboardingFaults::all(),
            ..FaultPlan::none()
        };
        let run = doctor(entry, plan, &[]).await;
        let report = &run.report;
        within_budget(entry, &run);
        let id = entry.id();

        // The disabled module: a permission problem naming what to ask for.
        let denied: Vec<_> = report
            .checks
            .iter()
            .filter(|c| c.name.starts_with("permission:") && c.verdict == Verdict::Problem)
            .collect();
        assert_eq!(denied.len(), 1, "{id}: {}", shown(report));
        let operation = denied[0].name.trim_start_matches("permission:");
        let permission = entry
            .vendor
            .doctor
            .permission(operation)
            .unwrap_or_else(|| panic!("{id}: no permission named for {operation}"));
        assert!(
            denied[0].fix.as_deref().unwrap().contains(permission),
            "{id}: {}",
            shown(report)
        );

        // The school's own code: unmapped, listed, with the line that maps it.
        let codes = report.check("codes").unwrap();
        assert_eq!(codes.verdict, Verdict::Warning, "{id}: {}", shown(report));
        assert!(
            codes.finding.contains(OnboardingFaults::SCHOOL_CODE),
            "{id}: {}",
            shown(report)
        );
        if let Some(suffix) = entry.vendor.doctor.code_map {
            assert!(
                codes
                    .fix
                    .as_deref()
                    .unwrap()
                    .contains(&entry.vendor.id.env(suffix)),
                "{id}: {}",
                shown(report)
            );
        }

        // No time zone in the MIS, where the API has one.
        if api_has_zone {
            let zone = report.check("time_zone").unwrap();
            assert_eq!(zone.verdict, Verdict::Warning, "{id}: {}", shown(report));
        }
        assert_eq!(report.verdict, Verdict::Problem, "{id}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_tenant_or_wrong_credentials_stop_the_run_with_their_fix() {
    for entry in &entries() {
        let id = entry.id();
        let (change, check) = match entry.vendor.doctor.tenant {
            Some(tenant) => ((tenant, "no-such-school"), "tenant"),
            None => ((entry.vendor.credentials[0][0], "wrong"), "credentials"),
        };
        let suffix = change
            .0
            .trim_start_matches(&format!("{}_", id.env_prefix()));
        let run = doctor(entry, FaultPlan::none(), &[(suffix, change.1)]).await;
        within_budget(entry, &run);
        let found = run
            .report
            .check(check)
            .unwrap_or_else(|| panic!("{id}: no {check} check: {}", shown(&run.report)));
        assert_eq!(
            found.verdict,
            Verdict::Problem,
            "{id}: {}",
            shown(&run.report)
        );
        assert!(found.fix.is_some(), "{id}");
        // Nothing else is claimed about a school the run could not reach.
        assert!(
            run.report.check("quota").is_none(),
            "{id}: {}",
            shown(&run.report)
        );
    }
}
