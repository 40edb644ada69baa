//! No secret in any log line, error or `Debug` output, for every vendor.
//!
//! Each provider runs against its emulator (mis-sandbox) at TRACE level, with every log line
//! captured, twice: with the credentials the emulator accepts (reading the students and one
//! day of attendance) and with wrong ones (`WRONG-s3cr3t-<vendor>-<name>`). Neither the right
//! nor the wrong secrets may appear in the captured output, in any error's `Display` or
//! `Debug`, or in the `Debug` of the config or the provider. The session tokens the emulators
//! issue (HUBmis access tokens, ClassCharts session ids) are checked by their shape, learnt
//! by logging in directly.

use std::collections::BTreeMap;
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine as _;
use futures::StreamExt;
use mis_core::VendorId;
use mis_core::{AttendanceQuery, DateRange, Error, MisProvider, StudentQuery};
use mis_sandbox::emulator::{classcharts, classe365, go4schools, hubmis, managebac};
use mis_sandbox::{EmulatorDescriptor, EmulatorOptions, FaultPlan, Sandbox, School};
use tracing::instrument::WithSubscriber;

const SIZE: usize = 12;

/// A `MakeWriter` into a shared buffer.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

/// Everything one run showed: log lines, errors and `Debug` outputs, by what they are.
#[derive(Default)]
struct Shown(Vec<(String, String)>);

impl Shown {
    fn add(&mut self, what: impl Into<String>, text: impl Into<String>) {
        self.0.push((what.into(), text.into()));
    }

    fn error(&mut self, what: &str, e: &Error) {
        self.add(format!("{what} error"), format!("{e}\n{e:?}\n{e:#?}"));
    }

    /// Fails on any `secret` (or its base64) in anything shown.
    fn assert_clean(&self, secrets: &[String]) {
        for (what, text) in &self.0 {
            for secret in secrets {
                let b64 = base64::engine::general_purpose::STANDARD.encode(secret);
                assert!(
                    !text.contains(secret.as_str()),
                    "{what} shows {secret:?}:\n{text}"
                );
                assert!(
                    !text.contains(&b64),
                    "{what} shows base64 of {secret:?}:\n{text}"
                );
            }
        }
    }
}

/// The secret credential names (the others — realm, subdomain, e-mail — are identifiers).
const SECRET_NAMES: [&str; 6] = [
    "api_key",
    "client_id",
    "client_secret",
    "code",
    "dob",
    "password",
];

fn is_secret(name: &str) -> bool {
    SECRET_NAMES.contains(&name) || name == "token"
}

/// Both spellings of a date of birth (`YYYY-MM-DD`, `DD/MM/YYYY`).
fn dob_forms(dob: &str) -> Vec<String> {
    let mut forms = vec![dob.to_owned()];
    if let Ok(d) = dob.parse::<jiff::civil::Date>() {
        forms.push(d.strftime("%d/%m/%Y").to_string());
    }
    forms
}

fn school(seed: u64) -> Arc<School> {
    Arc::new(School::generate(seed, SIZE))
}

/// The registered emulator of `vendor` (the registry is the one list of vendors).
fn emulator(vendor: VendorId) -> &'static EmulatorDescriptor {
    mis_cli::Registry::builtin()
        .get(vendor.as_str())
        .unwrap_or_else(|| panic!("{vendor} is registered"))
        .emulator
}

async fn start(vendor: VendorId, school: Arc<School>) -> Sandbox {
    Sandbox::start_with(
        emulator(vendor),
        school,
        FaultPlan::none(),
        EmulatorOptions {
            time_scale: 0.01,
            ..EmulatorOptions::default()
        },
        0,
    )
    .await
    .expect("emulator starts")
}

/// The environment a provider reads: base URL, credentials (some replaced), and the
/// settings the emulator's school needs at its time scale (scaled quotas…).
fn env(sandbox: &Sandbox, creds: &BTreeMap<&'static str, String>) -> BTreeMap<String, String> {
    let id = sandbox.id();
    let mut env: BTreeMap<String, String> = sandbox.settings().iter().cloned().collect();
    env.insert(id.env("BASE_URL"), sandbox.base_url());
    for (name, value) in creds {
        env.insert(id.env(&name.to_ascii_uppercase()), value.clone());
    }
    // One request per student less: the leak check reads the roll, not UPNs.
    if id == hubmis::ID {
        env.insert("MIS_HUBMIS_ENROLMENT_DETAILS".into(), "false".into());
    }
    env
}

/// The provider, opened the way `mis` opens it (through the vendor registry), and the
/// `Debug` of the shared client settings it was given.
fn open(
    vendor: VendorId,
    env: &BTreeMap<String, String>,
) -> mis_core::Result<(Arc<dyn MisProvider>, String)> {
    let lookup = |name: &str| env.get(name).cloned();
    let registry = mis_cli::Registry::builtin();
    let entry = registry.lookup(vendor.as_str())?;
    let options = mis_http::ClientOptions::from_lookup(vendor, lookup)?;
    let shown = format!("{options:?} {options:#?}");
    let provider =
        mis_cli::providers::open_with(entry.vendor, None, None, &lookup, &http::Extensions::new())?;
    Ok((provider, shown))
}

/// Opens the provider and reads students and one day of attendance, with every log line
/// captured; returns what was shown and how many records were read.
async fn run(
    sandbox: &Sandbox,
    school: &School,
    creds: &BTreeMap<&'static str, String>,
) -> (Shown, usize) {
    let logs = Captured::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_span_events(tracing_subscriber::fmt::format::FmtSpan::FULL)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let vendor = sandbox.id();
    let mut shown = Shown::default();
    let mut read = 0;
    let env = env(sandbox, creds);
    tracing::info!(vendor = vendor.as_str(), "leakcheck run");
    match open(vendor, &env) {
        Err(e) => shown.error("open", &e),
        Ok((provider, config)) => {
            shown.add("options Debug", config);
            shown.add("provider Debug", format!("{provider:?} {provider:#?}"));
            let day = school
                .attendance_range
                .map(|r| r.from())
                .unwrap_or(school.academic_year.start_date);
            let streams = [
                provider
                    .students(StudentQuery::new())
                    .map(|r| r.map(|_| ()))
                    .boxed(),
                provider
                    .attendance(AttendanceQuery::new(DateRange::day(day)))
                    .map(|r| r.map(|_| ()))
                    .boxed(),
            ];
            for (what, mut stream) in ["students", "attendance"].into_iter().zip(streams) {
                let mut n = 0;
                while let Some(item) = tokio::time::timeout(Duration::from_secs(20), stream.next())
                    .await
                    .expect("the provider answers")
                {
                    match item {
                        Ok(()) => n += 1,
                        Err(e) => {
                            shown.error(what, &e);
                            break;
                        }
                    }
                }
                read += n;
            }
            shown.add("provider Debug after use", format!("{provider:?}"));
        }
    }
    drop(_guard);
    let text = logs.text();
    assert!(
        text.contains("leakcheck run"),
        "the TRACE capture works: {text}"
    );
    shown.add("logs", text);
    (shown, read)
}

/// Runs `vendor` right and wrong; `wrong` replaces credentials for the second run.
async fn check(
    vendor: VendorId,
    seed: u64,
    keep: &[&str],
    wrong: &[(&'static str, &str)],
) -> (Shown, Shown) {
    let school = school(seed);
    let sandbox = start(vendor, school.clone()).await;
    let right: BTreeMap<&'static str, String> = sandbox
        .credentials()
        .0
        .iter()
        .filter(|(k, _)| keep.is_empty() || keep.contains(k))
        .map(|(k, v)| (*k, v.clone()))
        .collect();
    let mut bad = right.clone();
    for (name, value) in wrong {
        bad.insert(name, (*value).to_owned());
    }
    let mut secrets: Vec<String> = Vec::new();
    for creds in [&right, &bad] {
        for (name, value) in creds {
            if is_secret(name) {
                if *name == "dob" {
                    secrets.extend(dob_forms(value));
                } else {
                    secrets.push(value.clone());
                }
            }
        }
    }
    if let (Some(sub), Some(key)) = (right.get("subdomain"), right.get("api_key")) {
        secrets.push(format!("{sub}:{key}"));
    }
    for s in &secrets {
        assert!(s.len() >= 8, "{vendor}: a secret too short to check: {s:?}");
    }

    let (good, n) = run(&sandbox, &school, &right).await;
    assert!(n > 0, "{vendor}: nothing read with the right credentials");
    for (what, text) in &good.0 {
        assert!(!what.ends_with("error"), "{vendor}: {what}: {text}");
    }
    good.assert_clean(&secrets);

    let (failed, n) = run(&sandbox, &school, &bad).await;
    assert_eq!(n, 0, "{vendor}: records read with wrong credentials");
    assert!(
        failed.0.iter().any(|(what, _)| what.ends_with("error")),
        "{vendor}: wrong credentials gave no error"
    );
    failed.assert_clean(&secrets);
    (good, failed)
}

#[tokio::test]
async fn go4schools_shows_no_secret() {
    check(
        go4schools::ID,
        41,
        &[],
        &[("api_key", "WRONG-s3cr3t-go4schools-api_key")],
    )
    .await;
}

#[tokio::test]
async fn classe365_shows_no_secret() {
    check(
        classe365::ID,
        42,
        &[],
        &[("api_key", "WRONG-s3cr3t-classe365-api_key")],
    )
    .await;
}

#[tokio::test]
async fn managebac_shows_no_secret() {
    check(
        managebac::ID,
        43,
        &[],
        &[("token", "WRONG-s3cr3t-managebac-token")],
    )
    .await;
}

/// A HUBmis access token (`<n>.<8 hex>.<16 hex>`): the middle part is the same for every
/// token the emulator issues for a school.
async fn hubmis_token(sandbox: &Sandbox) -> String {
    let c = sandbox.credentials();
    let body = format!(
        "grant_type=client_credentials&client_id={}&client_secret={}",
        c.get("client_id").unwrap(),
        c.get("client_secret").unwrap()
    );
    let reply = reqwest::Client::new()
        .post(format!("{}/api/v1/token", sandbox.base_url()))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .unwrap();
    assert!(reply.status().is_success(), "{}", reply.status());
    let json: serde_json::Value = serde_json::from_slice(&reply.bytes().await.unwrap()).unwrap();
    json["access_token"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn hubmis_shows_no_secret_nor_token() {
    let (good, failed) = check(
        hubmis::ID,
        44,
        &[],
        &[
            ("client_id", "WRONG-s3cr3t-hubmis-client_id"),
            ("client_secret", "WRONG-s3cr3t-hubmis-client_secret"),
        ],
    )
    .await;
    // Any token of this school: the emulator for the same seed issues the same middle part.
    let sandbox = start(hubmis::ID, school(44)).await;
    let token = hubmis_token(&sandbox).await;
    let parts: Vec<&str> = token.split('.').collect();
    assert_eq!(parts.len(), 3, "{token}");
    let middle = format!(".{}.", parts[1]);
    for shown in [good, failed] {
        for (what, text) in &shown.0 {
            assert!(
                !text.contains(&middle),
                "{what} shows an access token:\n{text}"
            );
            assert!(
                !text.contains(parts[2]),
                "{what} shows an access token:\n{text}"
            );
        }
    }
}

/// Fails on any run of exactly 32 lowercase letters and digits (a ClassCharts session id).
fn assert_no_session_id(shown: &Shown) {
    for (what, text) in &shown.0 {
        let runs = text.split(|c: char| !(c.is_ascii_lowercase() || c.is_ascii_digit()));
        for run in runs {
            let looks = run.len() == 32
                && run.bytes().any(|b| b.is_ascii_digit())
                && run.bytes().any(|b| b.is_ascii_lowercase());
            assert!(!looks, "{what} shows a session id {run:?}:\n{text}");
        }
    }
}

/// A session id, by a student login made directly.
async fn classcharts_session_id(sandbox: &Sandbox) -> String {
    let c = sandbox.credentials();
    let reply = reqwest::Client::new()
        .post(format!("{}/apiv2student/login", sandbox.base_url()))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!(
            "code={}&dob={}&remember_me=1&recaptcha-token=no-token-request",
            c.get("code").unwrap(),
            c.get("dob").unwrap()
        ))
        .send()
        .await
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&reply.bytes().await.unwrap()).unwrap();
    json["meta"]["session_id"]
        .as_str()
        .unwrap_or_else(|| panic!("no session id: {json}"))
        .to_owned()
}

#[tokio::test]
async fn classcharts_student_shows_no_secret_nor_session() {
    let (good, failed) = check(
        classcharts::ID,
        45,
        &["code", "dob"],
        &[("code", "WRONGs3cr3tCODE"), ("dob", "1901-02-03")],
    )
    .await;
    let sandbox = start(classcharts::ID, school(45)).await;
    let id = classcharts_session_id(&sandbox).await;
    assert!(
        id.len() == 32
            && id
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()),
        "the session id shape changed: {id:?}"
    );
    assert_no_session_id(&good);
    assert_no_session_id(&failed);
}

#[tokio::test]
async fn classcharts_unparseable_dob_is_not_echoed() {
    check(
        classcharts::ID,
        46,
        &["code", "dob"],
        &[("dob", "WRONG-s3cr3t-classcharts-dob")],
    )
    .await;
}

#[tokio::test]
async fn classcharts_parent_shows_no_secret_nor_session() {
    let (good, failed) = check(
        classcharts::ID,
        47,
        &["email", "password"],
        &[("password", "WRONG-s3cr3t-classcharts-password")],
    )
    .await;
    assert_no_session_id(&good);
    assert_no_session_id(&failed);
}

#[test]
#[should_panic(expected = "logs shows")]
fn the_check_catches_a_secret_in_the_logs() {
    let mut shown = Shown::default();
    shown.add("logs", "auth-token=WRONG-s3cr3t-x");
    shown.assert_clean(&["WRONG-s3cr3t-x".into()]);
}

#[test]
#[should_panic(expected = "shows base64")]
fn the_check_catches_a_base64_secret() {
    let mut shown = Shown::default();
    let b64 = base64::engine::general_purpose::STANDARD.encode("sub:WRONG-s3cr3t-x");
    shown.add("error", format!("Authorization: Basic {b64}"));
    shown.assert_clean(&["sub:WRONG-s3cr3t-x".into()]);
}

#[test]
#[should_panic(expected = "session id")]
fn the_check_catches_a_session_id() {
    let mut shown = Shown::default();
    shown.add("logs", "Basic 0a1b2c3d4e5f6g7h8i9j0k1l2m3n4o5p end");
    assert_no_session_id(&shown);
}

// ---------------------------------------------------------------------------------------
// Personal data: no pupil's field value in errors, warnings or TRACE logs.
// ---------------------------------------------------------------------------------------

/// Every personal value of the school's pupils that must never be shown: names, dates of
/// birth (both spellings), UPNs, e-mail addresses, and the notes of behaviour events.
fn personal_values(school: &School) -> Vec<String> {
    let mut values = Vec::new();
    for s in &school.students {
        values.extend([s.first_name.clone(), s.last_name.clone()]);
        values.extend(s.preferred_first_name.clone());
        values.extend(s.preferred_last_name.clone());
        values.extend(s.middle_names.clone());
        values.extend(s.email.clone());
        if let Some(dob) = s.date_of_birth {
            values.extend(dob_forms(&dob.to_string()));
            values.push(dob.strftime("%Y%m%d").to_string());
        }
        values.extend(s.upn().map(str::to_owned));
    }
    for e in school.behaviour_events() {
        values.extend(e.notes.clone().filter(|n| n.len() >= 12));
    }
    values.retain(|v| v.len() >= 3);
    values.sort();
    values.dedup();
    values
}

/// Whether `value` appears in `text`: names as whole words (so `Ada` does not match
/// `Adams` or `metadata`), anything with digits or spaces as a substring.
fn shows(text: &str, value: &str) -> bool {
    if value.chars().all(char::is_alphabetic) {
        text.split(|c: char| !c.is_alphanumeric())
            .any(|w| w == value)
    } else {
        text.contains(value)
    }
}

impl Shown {
    /// Fails on any pupil value in anything shown.
    fn assert_no_personal_data(&self, vendor: VendorId, values: &[String]) {
        for (what, text) in &self.0 {
            for v in values {
                assert!(
                    !shows(text, v),
                    "{vendor}: {what} shows the pupil value {v:?}:\n{text}"
                );
            }
        }
    }
}

/// Retries as the vendors' defaults make them (the same attempts), with back-off of 1–20 ms
/// instead of 0.5–30 s: the personal-data runs read cut bodies that fail every attempt, and
/// what is checked is what the final error and the logs show, not how long the client waited.
fn quick_retry() -> mis_http::RetryConfig {
    mis_http::RetryConfig::default()
        .base_delay(Duration::from_millis(1))
        .max_delay(Duration::from_millis(20))
}

/// `env` for the personal-data runs: GO 4 Schools gated at the emulator's quota (250 of its
/// 300 requests a minute, 0.6 s at time scale 0.01) instead of its default 10 requests a
/// second, which paced every request in real time; the subject here is what is shown, not
/// the client's pace (GO 4 Schools' `tests/doctor_plan.rs` keeps the default gate).
fn quick(mut env: BTreeMap<String, String>) -> BTreeMap<String, String> {
    env.insert("MIS_GO4SCHOOLS_QUOTA".into(), "250/0.6".into());
    env
}

/// Reads students and attendance through `plan`, leniently and strictly, at TRACE, and
/// returns every error, warning (Display and Debug) and log line.
async fn run_personal(vendor: VendorId, school: Arc<School>, plan: FaultPlan) -> Shown {
    let sandbox = Sandbox::start_with(
        emulator(vendor),
        school.clone(),
        plan,
        EmulatorOptions {
            time_scale: 0.01,
            ..EmulatorOptions::default()
        },
        0,
    )
    .await
    .expect("emulator starts");
    let creds: BTreeMap<&'static str, String> = sandbox
        .credentials()
        .0
        .iter()
        .filter(|(k, _)| vendor != classcharts::ID || ["email", "password"].contains(k))
        .map(|(k, v)| (*k, v.clone()))
        .collect();
    let logs = Captured::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_span_events(tracing_subscriber::fmt::format::FmtSpan::FULL)
        .with_writer(move || writer.clone())
        .finish();
    // The subscriber goes with this run's future (not the thread), so runs can go at once
    // without their log lines mixing.
    let mut shown = read_personal(vendor, &sandbox, &school, &creds)
        .with_subscriber(subscriber)
        .await;
    shown.add("logs", logs.text());
    shown
}

/// The reads of [`run_personal`], logging to the caller's subscriber.
async fn read_personal(
    vendor: VendorId,
    sandbox: &Sandbox,
    school: &School,
    creds: &BTreeMap<&'static str, String>,
) -> Shown {
    let mut shown = Shown::default();
    let env = quick(env(sandbox, creds));
    // Opened as `open` does (from the settings, through the registry), with quick retries.
    let lookup = |name: &str| env.get(name).cloned();
    let registry = mis_cli::Registry::builtin();
    let entry = registry.lookup(vendor.as_str()).expect("registered");
    let options = mis_http::ClientOptions::from_lookup(vendor, lookup)
        .expect("the settings are good")
        .with_retry(quick_retry());
    let provider = (entry.vendor.open)(mis_http::OpenRequest::new(options, &lookup))
        .expect("the provider opens");
    let day = school
        .attendance_range
        .map(|r| r.from())
        .unwrap_or(school.academic_year.start_date);
    for strict in [false, true] {
        let diagnostics = if strict {
            mis_core::Diagnostics::strict()
        } else {
            mis_core::Diagnostics::new()
        };
        let streams = [
            provider
                .students(StudentQuery::new().with_diagnostics(diagnostics.clone()))
                .map(|r| r.map(|_| ()))
                .boxed(),
            provider
                .attendance(
                    AttendanceQuery::new(DateRange::day(day)).with_diagnostics(diagnostics.clone()),
                )
                .map(|r| r.map(|_| ()))
                .boxed(),
        ];
        for (what, mut stream) in ["students", "attendance"].into_iter().zip(streams) {
            while let Some(item) = tokio::time::timeout(Duration::from_secs(20), stream.next())
                .await
                .expect("the provider answers")
            {
                if let Err(e) = item {
                    shown.error(what, &e);
                    break;
                }
            }
        }
        for w in diagnostics.warnings() {
            shown.add("warning", format!("{w}\n{w:?}"));
        }
    }
    shown
}

/// For one vendor: a malformed record (read leniently, then strictly), an error body that
/// echoes the records, and a list page whose JSON is cut off; none shows a pupil's data
/// anywhere.
///
/// Sensitivity: with `MIS_DEBUG_BODIES=1` (raw excerpts, as every error had before the
/// personal-data work) the GO 4 Schools run fails, a date of birth in the cut page's
/// excerpt; for the other vendors the emulators' key order puts no personal field in the
/// first 120 characters, so there the test checks the masking but not that old excerpt.
async fn check_personal(vendor: VendorId, seed: u64) {
    let school = school(seed);
    let values = personal_values(&school);
    assert!(values.len() > 3 * SIZE, "{vendor}: values to look for");
    let malformed = FaultPlan {
        records: mis_sandbox::RecordFaults {
            malformed_record: true,
            ..Default::default()
        },
        ..FaultPlan::none()
    };
    let echo = FaultPlan {
        records: mis_sandbox::RecordFaults {
            echo_error: true,
            ..Default::default()
        },
        ..FaultPlan::none()
    };
    let cut = FaultPlan {
        records: mis_sandbox::RecordFaults {
            cut_body: true,
            ..Default::default()
        },
        ..FaultPlan::none()
    };
    // `mis doctor` reports findings, not data: under each of the same faults, and for a
    // school set up wrong, its report (JSON and the block a terminal shows) holds no pupil
    // value either.
    let onboarding = FaultPlan {
        onboarding: mis_sandbox::OnboardingFaults::all(),
        ..FaultPlan::none()
    };
    // Every run has an emulator and a log capture of its own: all seven go at once.
    let reads = futures::future::join3(
        run_personal(vendor, school.clone(), malformed.clone()),
        run_personal(vendor, school.clone(), echo.clone()),
        run_personal(vendor, school.clone(), cut.clone()),
    );
    let doctors = futures::future::join_all(
        [malformed, echo, cut, onboarding].map(|plan| doctor_shown(vendor, school.clone(), plan)),
    );
    let ((malformed, echo, cut), doctors) = futures::future::join(reads, doctors).await;

    assert!(
        malformed
            .0
            .iter()
            .any(|(what, _)| what == "warning" || what.ends_with("error")),
        "{vendor}: the malformed record was reported"
    );
    malformed.assert_no_personal_data(vendor, &values);

    assert!(
        echo.0.iter().any(|(what, _)| what.ends_with("error")),
        "{vendor}: the echoing error body was an error"
    );
    echo.assert_no_personal_data(vendor, &values);

    assert!(
        cut.0.iter().any(|(what, _)| what.ends_with("error")),
        "{vendor}: the cut body was an error"
    );
    cut.assert_no_personal_data(vendor, &values);

    for shown in doctors {
        shown.assert_no_personal_data(vendor, &values);
    }
}

/// One `mis doctor` run against `vendor`'s emulator under `plan`: its report as JSON and as
/// the terminal block.
async fn doctor_shown(vendor: VendorId, school: Arc<School>, plan: FaultPlan) -> Shown {
    let day = school
        .attendance_range
        .map(|r| r.from())
        .unwrap_or(school.academic_year.start_date);
    let sandbox = Sandbox::start_with(
        emulator(vendor),
        school,
        plan,
        EmulatorOptions {
            time_scale: 0.01,
            ..EmulatorOptions::default()
        },
        0,
    )
    .await
    .expect("emulator starts");
    let env = quick(sandbox.client_env());
    let lookup = |name: &str| env.get(name).cloned();
    let registry = mis_cli::Registry::builtin();
    let entry = registry.lookup(vendor.as_str()).expect("registered");
    let options = mis_http::ClientOptions::from_lookup(vendor, lookup)
        .expect("options")
        .with_retry(quick_retry());
    let report = mis_cli::doctor::diagnose(entry.vendor, options, None, &lookup, day).await;
    let mut block = Vec::new();
    mis_cli::doctor::write_block(&report, 100, &mut block).expect("in memory");
    let mut shown = Shown::default();
    shown.add(
        "doctor json",
        serde_json::to_string(&report).expect("serialises"),
    );
    shown.add("doctor block", String::from_utf8_lossy(&block).into_owned());
    shown
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn go4schools_shows_no_personal_data() {
    check_personal(go4schools::ID, 51).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hubmis_shows_no_personal_data() {
    check_personal(hubmis::ID, 52).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn classcharts_shows_no_personal_data() {
    check_personal(classcharts::ID, 53).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn classe365_shows_no_personal_data() {
    check_personal(classe365::ID, 54).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn managebac_shows_no_personal_data() {
    check_personal(managebac::ID, 55).await;
}

#[test]
fn names_match_as_words_and_dates_as_text() {
    assert!(shows("student Ada Lovelace", "Ada"));
    assert!(!shows("metadata for Adams", "Ada"));
    assert!(shows("dob 2010-08-24 here", "2010-08-24"));
}
