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
    let sandbox = Sandbox::start_with(entry.emulator, school.clone(), plan, options, 0)
        .await
        .unwrap();
    let mut env: BTreeMap<String, String> = sandbox.client_env();
    for (suffix, value) in change {
        env.insert(entry.vendor.id.env(suffix), (*value).to_owned());
    }
    let lookup = |name: &str| env.get(name).cloned();
    let options = ClientOptions::from_lookup(entry.vendor.id, lookup).unwrap();
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
        // A vendor whose statuses are labels (Classe365) names the code by its label.
        assert!(
            codes.finding.contains(OnboardingFaults::SCHOOL_CODE)
                || codes.finding.contains(OnboardingFaults::SCHOOL_CODE_LABEL),
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

/// `mis sync doctor --config`: five emulated schools (one per vendor), one block each; the
/// outcome is the worst verdict. One school's key is wrong, so the run's outcome is a
/// problem (exit code 11) while the other four stand on their own.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_doctor_reports_one_block_per_school_and_the_worst_verdict() {
    let registry = Registry::builtin();
    let mut sandboxes = Vec::new();
    let mut env = BTreeMap::new();
    // The dates are the sync's, not the doctor's (which reads its one sample day).
    let mut toml = String::from("from = \"2024-09-02\"\nto = \"2024-09-13\"\n");
    let mut day = None;
    for (i, entry) in registry.entries().iter().enumerate() {
        let school = Arc::new(School::generate(40 + i as u64, 20));
        day = day.or(Some(sample_day(&school)));
        let options = EmulatorOptions {
            time_scale: entry.emulator.demo_time_scale,
            ..EmulatorOptions::default()
        };
        let sandbox = Sandbox::start_with(entry.emulator, school, FaultPlan::none(), options, 0)
            .await
            .unwrap();
        toml.push_str(&format!(
            "[[school]]\nname = \"School {i}\"\nprovider = \"{}\"\nbase_url = \"{}\"\n",
            entry.id(),
            sandbox.base_url()
        ));
        let mut credentials = Vec::new();
        for (name, value) in &sandbox.credentials().0 {
            let var = format!("S{i}_{}", name.to_ascii_uppercase());
            // The first school's first credential is wrong.
            let value = if i == 0 && credentials.is_empty() {
                "wrong".to_owned()
            } else {
                value.clone()
            };
            env.insert(var.clone(), value);
            credentials.push(format!("{name} = \"{var}\""));
        }
        toml.push_str(&format!("credentials = {{ {} }}\n", credentials.join(", ")));
        let prefix = format!("{}_", entry.id().env_prefix());
        let mut settings = Vec::new();
        for (var, value) in sandbox.settings() {
            let key = match var.strip_prefix(&prefix) {
                Some("TIME_ZONE") => "time_zone",
                Some("PERIOD_TIMES") => "bell_times",
                Some("QUOTA") => "quota",
                Some("CATEGORY_MAP") | Some("CODE_MAP") => "category_map",
                // A setting without a key of its own (HUBmis's behaviour polarity).
                Some(other) => {
                    settings.push(format!("{other} = \"{value}\""));
                    continue;
                }
                None => panic!("{var} is not a {} setting", entry.id()),
            };
            toml.push_str(&format!("{key} = \"{value}\"\n"));
        }
        if !settings.is_empty() {
            toml.push_str(&format!("settings = {{ {} }}\n", settings.join(", ")));
        }
        sandboxes.push(sandbox);
    }
    let config = mis_cli::sync::config::SyncConfig::parse(&toml).unwrap();
    let lookup = |name: &str| env.get(name).cloned();
    let reports = mis_cli::doctor::run_schools(&registry, &config, &lookup, day, true)
        .await
        .unwrap();
    assert_eq!(reports.len(), registry.entries().len());
    for (i, report) in reports.iter().enumerate() {
        assert_eq!(
            report.school.as_deref(),
            Some(format!("School {i}").as_str())
        );
        let expected = if i == 0 {
            Verdict::Problem
        } else {
            Verdict::Ok
        };
        assert_eq!(report.verdict, expected, "{}", shown(report));
    }
    let outcome = mis_cli::doctor::outcome(&reports).unwrap_err();
    assert_eq!(outcome.exit_code(), mis_cli::exit::DOCTOR_PROBLEM);
    // The table has one block of rows per school, each row naming its school.
    let mut out = Vec::new();
    mis_cli::doctor::write_reports(&reports, mis_cli::Format::Csv, &mut out).unwrap();
    let text = String::from_utf8(out).unwrap();
    for i in 0..reports.len() {
        assert!(text.contains(&format!("School {i},")), "{text}");
    }
    drop(sandboxes);
}
