//! The Classe365 typed client: the tenant subdomain, the REST v2 envelope and its records.
//!
//! What the `MisProvider` trait hides, shown through [`Client`]: the tenant **subdomain** is
//! both the host (`https://<subdomain>.classe365.com`) and the HTTP Basic user, so it is
//! checked before any request exists ([`Subdomain::parse`]); lists come in `{"records": …,
//! "meta": …}` pages whose `meta` says how many records and pages there are; students carry
//! Classe365's enrolment status; attendance is one status label per register — a daily
//! register, or a subject- or period-wise one naming its subject — with no sessions and no
//! DfE codes; classes, academic sessions, departments and teachers are lists of their own.
//! The client also writes (`save_*` upserts, never retried); this example only reads.
//!
//! It prints counts and Classe365's own labels only: no student record is printed, and
//! errors are printed with `{e}`, which names the operation and never the API key.
//!
//! Against the credential-free emulator of `mis sandbox` (a synthetic school whose records
//! start on Monday 2024-09-02):
//!
//! ```text
//! # shell 1: the emulator; it prints the `export MIS_CLASSE365_…` lines that reach it
//! cargo run -p mis-cli -- --provider classe365 sandbox
//! # shell 2: paste those lines, then
//! cargo run -p mis-classe365 --example classe365_basic -- 2024-09-02
//! ```
//!
//! Against a real tenant, set `MIS_CLASSE365_SUBDOMAIN` (`evaluate3x` for
//! `https://evaluate3x.classe365.com`) and `MIS_CLASSE365_API_KEY` (Settings → API Keys),
//! and give the Monday of the week to read (default: this week); `MIS_CLASSE365_BASE_URL`
//! only to override the host. The walkthrough of the normalised API, the same for every
//! vendor, is `cargo run -p mis-cli --example any_vendor -- classe365`.

use std::collections::BTreeMap;
use std::process::ExitCode;

use futures::{Stream, TryStreamExt};
use jiff::ToSpan;
use jiff::civil::Date;
use mis_classe365::routes::HOST_SUFFIX;
use mis_classe365::{AttendanceFilter, Client, Config, Subdomain};
use mis_core::DateRange;

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // mis errors name the operation and the cause, never a credential or pupil data.
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> mis_core::Result<()> {
    let monday = match std::env::args().nth(1) {
        Some(date) => mis_core::query::parse_date("the week's Monday", &date)?,
        None => this_monday(),
    };
    let week = DateRange::new(monday, monday + 4.days())?;

    // The subdomain becomes a host name and a user name: anything but a bare tenant label is
    // refused before a request exists, so a mistyped variable cannot send the key elsewhere.
    for wrong in ["evil.example/x", "Evaluate3x", "a@b"] {
        if let Err(e) = Subdomain::parse(wrong) {
            println!("subdomain {wrong:?} refused: {e}");
        }
    }

    // `MIS_CLASSE365_SUBDOMAIN`, `_API_KEY` and the shared settings.
    let config = Config::from_env()?;
    match config.options().base_url() {
        Some(url) => println!(
            "tenant {} (host https://{}.{HOST_SUFFIX}, overridden by {url})",
            config.subdomain(),
            config.subdomain()
        ),
        None => println!(
            "tenant {}: https://{}.{HOST_SUFFIX}",
            config.subdomain(),
            config.subdomain()
        ),
    }
    let client = Client::new(config)?;

    // One page by hand: the envelope's `meta` tells how much there is.
    let first = client.students_page(1).await?;
    if let Some(meta) = &first.meta {
        println!(
            "students page 1: {} records of {} ({} per page, {} pages)",
            first.items.len(),
            shown(meta.total_records),
            shown(meta.per_page),
            shown(meta.total_pages)
        );
    }
    let some_student = first.items.iter().find_map(|s| s.id.clone());
    drop(first);

    // Every page, lazily: Classe365's status says who is on roll (`active`), who left.
    let by_status = tally(client.student_records(), |s| {
        s.status.clone().unwrap_or_else(|| "(none)".to_owned())
    })
    .await?;
    println!("students by status: {}", listed(&by_status));

    let classes = tally(client.classes(), |_| String::new()).await?;
    let sessions = tally(client.sessions(), |s| {
        s.session_type
            .clone()
            .unwrap_or_else(|| "(no type)".to_owned())
    })
    .await?;
    let departments = tally(client.departments(), |_| String::new()).await?;
    let teachers = tally(client.teachers(), |_| String::new()).await?;
    println!(
        "classes {}, sessions {} ({}), departments {}, teachers {}",
        total(&classes),
        total(&sessions),
        listed(&sessions),
        total(&departments),
        total(&teachers)
    );

    // Attendance: one record per register with the school's status label. A record naming a
    // subject is a subject-wise register, else it is the day's.
    let filter = AttendanceFilter::new(week);
    let by_label = tally(client.attendance_records(&filter), |r| {
        let register = match r.subject_id.as_deref() {
            Some(s) if !s.is_empty() && s != "0" => "subject",
            _ => "daily",
        };
        let label = r.status.as_deref().unwrap_or("(none)");
        format!("{register} {label}")
    })
    .await?;
    println!(
        "attendance records {} to {}: {}",
        week.from(),
        week.to(),
        total(&by_label)
    );
    for (label, n) in &by_label {
        println!("  {label:<20} {n:>6}");
    }

    // The same list for one student (`student_id`), as a student's page would ask.
    if let Some(id) = some_student {
        let one = tally(
            client.attendance_records(&AttendanceFilter::new(week).student(id)),
            |_| String::new(),
        )
        .await?;
        println!("one student's records that week: {}", total(&one));
    }
    Ok(())
}

/// Reads a stream to its end, counting the records under `key` (and dropping them).
async fn tally<T>(
    stream: impl Stream<Item = mis_core::Result<T>>,
    key: impl Fn(&T) -> String,
) -> mis_core::Result<BTreeMap<String, usize>> {
    stream
        .try_fold(BTreeMap::new(), |mut counts, record| {
            *counts.entry(key(&record)).or_insert(0) += 1;
            async move { Ok(counts) }
        })
        .await
}

fn total(counts: &BTreeMap<String, usize>) -> usize {
    counts.values().sum()
}

/// `a 3, b 1`.
fn listed(counts: &BTreeMap<String, usize>) -> String {
    let parts: Vec<String> = counts.iter().map(|(k, n)| format!("{k} {n}")).collect();
    parts.join(", ")
}

/// A `meta` figure the vendor may leave out.
fn shown(value: Option<u64>) -> String {
    value.map_or("-".to_owned(), |v| v.to_string())
}

/// The Monday of the current week, in the system's time zone.
fn this_monday() -> Date {
    let today = jiff::ZonedDateTime::now().date();
    today - i64::from(today.weekday().to_monday_zero_offset()).days()
}
