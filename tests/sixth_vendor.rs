//! A sixth vendor, added the way a real one is: one crate-local type (here [`Slate`], a
//! trivial in-memory provider, with its descriptor and its emulator) and one registry line
//! ([`registry`]). Nothing else in the workspace changes, and the vendor shows up in
//! `mis capabilities`, `mis --help`, `mis demo` (the sandbox iteration) and the registry's
//! completeness checks, and passes the conformance suite against its emulator.
//!
//! Files touched to add it: this one (the type, its descriptor, its emulator and the
//! registry line). A vendor crate adds its own files, its emulator module and one line in
//! `mis_cli::registry::BUILTIN`.

#[path = "support/registry_check.rs"]
mod registry_check;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use axum::Router;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use futures::stream::{self, BoxStream, StreamExt};
use mis_cli::{Entry, Registry};
use mis_core::{
    AttendanceMark, AttendanceQuery, BehaviourEvent, BehaviourQuery, Capabilities, DateRange,
    Error, ErrorKind, Lesson, MisProvider, ProviderInfo, Result, Student, StudentQuery,
    TimetableQuery, VendorId, unsupported_stream,
};
use mis_http::{OpenRequest, VendorDescriptor};
use mis_sandbox::{
    Credentials, Emulator, EmulatorContext, EmulatorDescriptor, EmulatorOptions, FaultPlan,
    Sandbox, School, no_settings,
};
use mis_testkit::Expected;

// ---- the crate-local type: provider, descriptor, emulator ------------------------------

/// The vendor id.
const SLATE_ID: VendorId = VendorId::new("slate");
/// Its one credential variable.
const ENV_TOKEN: &str = "MIS_SLATE_TOKEN";

/// Slate: a register of students held in memory. It lists students and nothing else.
#[derive(Debug)]
struct Slate {
    info: ProviderInfo,
    students: Vec<Student>,
}

impl Slate {
    /// The students every Slate school has.
    fn roll() -> Vec<Student> {
        [("1", "Ada", "Lovelace"), ("2", "Alan", "Turing")]
            .into_iter()
            .map(|(id, first, last)| Student::new(SLATE_ID.as_str(), id, first, last))
            .collect()
    }

    fn capabilities() -> Capabilities {
        let mut capabilities = Capabilities::default();
        capabilities.students = true;
        capabilities
    }

    /// The descriptor's `open`: the token is required (its value is not checked: nothing is
    /// sent anywhere), the school labels the tenant.
    fn open(request: OpenRequest<'_>) -> Result<Arc<dyn MisProvider>> {
        if request.var(ENV_TOKEN).is_none() {
            return Err(Error::new(
                ErrorKind::Unauthenticated,
                format!("{ENV_TOKEN} is not set"),
            ));
        }
        let mut info = ProviderInfo::new(SLATE_ID.as_str());
        if let Some(school) = request.school {
            info = info.tenant(school);
        }
        Ok(Arc::new(Slate {
            info,
            students: Slate::roll(),
        }))
    }

    /// The emulator's routes: Slate has no wire format worth emulating, so one route that
    /// answers, and the token it accepts.
    fn emulator(_: &EmulatorContext) -> Emulator {
        Emulator {
            router: Router::new().route("/ping", get(|| async { "pong" })),
            credentials: Credentials(BTreeMap::from([("token", "slate-token".to_owned())])),
            throttle: Arc::new(|_| StatusCode::TOO_MANY_REQUESTS.into_response()),
        }
    }
}

impl MisProvider for Slate {
    fn info(&self) -> &ProviderInfo {
        &self.info
    }

    fn capabilities(&self) -> Capabilities {
        Slate::capabilities()
    }

    fn students(&self, q: StudentQuery) -> BoxStream<'static, Result<Student>> {
        if q.year_group.is_some() {
            return unsupported_stream(SLATE_ID.as_str(), "students by year group");
        }
        stream::iter(self.students.clone().into_iter().map(Ok)).boxed()
    }

    fn attendance(&self, _: AttendanceQuery) -> BoxStream<'static, Result<AttendanceMark>> {
        unsupported_stream(SLATE_ID.as_str(), "attendance")
    }

    fn timetable(&self, _: TimetableQuery) -> BoxStream<'static, Result<Lesson>> {
        unsupported_stream(SLATE_ID.as_str(), "timetable")
    }

    fn behaviour(&self, _: BehaviourQuery) -> BoxStream<'static, Result<BehaviourEvent>> {
        unsupported_stream(SLATE_ID.as_str(), "behaviour")
    }
}

const SLATE: VendorDescriptor = VendorDescriptor {
    id: SLATE_ID,
    name: "Slate",
    summary: "Slate (a test vendor held in memory)",
    credentials: &[&[ENV_TOKEN]],
    capabilities: || vec![(SLATE_ID.as_str(), Slate::capabilities())],
    open: Slate::open,
    doctor: mis_http::DoctorFacts {
        budget: 10,
        quota: None,
        tenant: None,
        unknown_tenant: |_| false,
        probes: &["attendance"],
        permissions: &[],
        code_map: None,
        sync_requests: |_, days| u64::from(days),
    },
    sync: mis_http::SyncFacts::NONE,
};

const SLATE_EMULATOR: EmulatorDescriptor = EmulatorDescriptor {
    id: SLATE_ID,
    name: "Slate",
    build: Slate::emulator,
    fixtures: |_| Vec::new(),
    settings: no_settings,
    demo_time_scale: 1.0,
};

// ---- the one registry line ---------------------------------------------------------------

fn registry() -> Registry {
    Registry::builtin().with(Entry::new(&SLATE, &SLATE_EMULATOR))
}

// ---- where it shows up -------------------------------------------------------------------

async fn mis(args: &[&str]) -> std::result::Result<String, mis_cli::CliError> {
    let mut out = Vec::new();
    mis_cli::run_with(
        &registry(),
        std::iter::once("mis").chain(args.iter().copied()),
        &mut out,
    )
    .await?;
    Ok(String::from_utf8(out).expect("utf-8"))
}

#[tokio::test]
async fn mis_capabilities_has_a_slate_column() {
    let csv = mis(&["--format", "csv", "capabilities"]).await.unwrap();
    let header = csv.lines().next().unwrap();
    assert!(header.ends_with(",managebac,slate"), "{header}");
    assert!(
        csv.contains("\nstudents,true,true,true,true,true,true,true\n"),
        "{csv}"
    );
    // Slate has no timetable: the last column of that row.
    assert!(
        csv.lines()
            .any(|l| l.starts_with("timetable,") && l.ends_with(",false")),
        "{csv}"
    );
    eprintln!("{csv}");
}

#[tokio::test]
async fn help_and_provider_values_list_slate() {
    let help = mis(&["--help"]).await.unwrap();
    assert!(help.contains("slate") && help.contains(ENV_TOKEN), "{help}");
    // `--provider slate` reaches Slate's open, which names its missing variable (the test
    // process does not set it).
    let e = mis(&["--provider", "slate", "students"]).await.unwrap_err();
    assert!(e.to_string().contains(ENV_TOKEN), "{e}");
    // Without the registry line, `slate` is not a provider.
    let mut out = Vec::new();
    let e = mis_cli::run_with(
        &Registry::builtin(),
        ["mis", "--provider", "slate", "students"],
        &mut out,
    )
    .await
    .unwrap_err();
    assert!(e.to_string().contains("slate"), "{e}");
}

/// `mis demo`'s iteration: one emulated school per registered vendor, each opened through
/// the registry from its emulator's variables; Slate is the sixth.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sandbox_iteration_starts_and_reads_slate() {
    let schools = mis_cli::demo::start_schools(&registry(), 8).await.unwrap();
    let vendors: Vec<String> = schools
        .iter()
        .map(|s| s.provider.info().vendor.clone())
        .collect();
    assert_eq!(
        vendors,
        [
            "classcharts",
            "go4schools",
            "hubmis",
            "classe365",
            "managebac",
            "slate"
        ]
    );
    let slate = &schools[5];
    let students: Vec<_> =
        futures::TryStreamExt::try_collect::<Vec<_>>(slate.provider.students(StudentQuery::new()))
            .await
            .unwrap();
    assert_eq!(students.len(), 2);
}

#[test]
fn the_registry_check_sees_slate_and_its_suite() {
    let registry = registry();
    assert_eq!(registry.entries().len(), 6);
    let here = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("sixth_vendor.rs");
    let missing = registry_check::without_conformance(&registry, &[("slate", here)]);
    assert!(missing.is_empty(), "{missing:#?}");
    // Registered without naming a suite, it is reported.
    let missing = registry_check::without_conformance(&registry, &[]);
    assert_eq!(missing.len(), 1, "{missing:#?}");
    assert!(missing[0].starts_with("slate:"), "{missing:#?}");
}

#[tokio::test]
async fn slate_opens_against_its_emulator() {
    let entry = *registry().get("slate").unwrap();
    let n =
        registry_check::opens_against_its_emulator(&entry, Arc::new(School::generate(1, 3))).await;
    assert_eq!(n, 2);
}

// ---- its conformance suite, against its emulator ----------------------------------------

async fn setup() -> (Arc<dyn MisProvider>, Expected) {
    let school = Arc::new(School::generate(1, 3));
    let sandbox = Sandbox::start_with(
        &SLATE_EMULATOR,
        school,
        FaultPlan::none(),
        EmulatorOptions::default(),
        0,
    )
    .await
    .unwrap();
    let env = sandbox.client_env();
    let lookup = |name: &str| env.get(name).cloned();
    let provider =
        mis_cli::providers::open_with(&SLATE, None, None, &lookup, &http::Extensions::new())
            .unwrap();
    let data = mis_core::memory::MemoryData {
        students: Slate::roll(),
        ..Default::default()
    };
    let range = DateRange::parse("2024-09-02", "2024-09-06").unwrap();
    (provider, Expected::new(data, range).secret("slate-token"))
}

mis_testkit::conformance_suite! {
    slate,
    setup = setup(),
    supported = [students],
    unsupported = [attendance, timetable, behaviour, write_attendance],
}
