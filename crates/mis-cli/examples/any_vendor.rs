//! The `MisProvider` trait, walked for any vendor `mis` knows: open the vendor named by the
//! first argument from the environment (through `mis_cli::Registry`, as `--provider` does),
//! stream the students, count one week's attendance marks by category, and ask for the week's
//! homework, which not every vendor offers (`ErrorKind::Unsupported`). The same code reads
//! every vendor; each vendor crate's own `<vendor>_basic` example shows its typed client
//! instead.
//!
//! It prints counts only: names, dates of birth and other pupil data never leave the
//! stream, so the output is safe to paste anywhere.
//!
//! Against the credential-free emulator of `mis sandbox` (a synthetic school whose records
//! start on Monday 2024-09-02), for any vendor id (`classcharts`, `go4schools`, `hubmis`,
//! `classe365`, `managebac`):
//!
//! ```text
//! # shell 1: the emulator, its clock (and so its quotas) 500 times faster than the vendor's;
//! # it prints the `export MIS_<VENDOR>_…` lines that reach it, the scaled quota included
//! cargo run -p mis-cli -- --provider hubmis sandbox --time-scale 0.002
//! # shell 2: paste those lines, then
//! cargo run -p mis-cli --example any_vendor -- hubmis 2024-09-02
//! ```
//!
//! `--time-scale` matters for the vendors with a quota: HUBmis allows 12 requests a minute
//! per school and the client keeps to it, so at the real pace this week of 60 students takes
//! over ten minutes (about 1.5 s scaled, with the `MIS_HUBMIS_QUOTA=12/0.12` line the sandbox
//! prints). Without `--time-scale` the other vendors still answer at their real pace.
//!
//! Against a real school, set the vendor's variables by hand (`cargo run -p mis-cli --
//! --help` lists them) and give the Monday of the week to read (default: this week).

use std::collections::BTreeMap;
use std::process::ExitCode;

use futures::{Stream, TryStreamExt};
use jiff::ToSpan;
use jiff::civil::Date;
use mis_cli::Registry;
use mis_core::{
    AttendanceCategory, AttendanceQuery, DateRange, ErrorKind, HomeworkQuery, MisProvider,
    StudentQuery,
};

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
    let registry = Registry::builtin();
    let mut args = std::env::args().skip(1);
    let Some(id) = args.next() else {
        return Err(mis_core::Error::invalid_input(format!(
            "usage: any_vendor <vendor> [monday]; vendors: {}",
            registry.ids().join(", ")
        )));
    };
    // An unknown id is `InvalidInput` listing the registered ones.
    let vendor = registry.lookup(&id)?.vendor;
    // `MIS_<VENDOR>_*` from the environment; nothing is sent until the first read.
    let provider = vendor.open_from(&|name| std::env::var(name).ok())?;
    let monday = match args.next() {
        Some(date) => mis_core::query::parse_date("the week's Monday", &date)?,
        None => this_monday(),
    };
    let week = DateRange::new(monday, monday + 4.days())?;

    // Pages are fetched as the stream is read: memory stays flat however big the school.
    let students = count(provider.students(StudentQuery::new())).await?;
    println!("{} students: {students}", vendor.name);

    let marks = by_category(provider.attendance(AttendanceQuery::new(week))).await;
    if let Some(marks) = unless_unsupported(vendor.name, "attendance", marks)? {
        let total: usize = marks.values().sum();
        println!("attendance {} to {}: {total} marks", week.from(), week.to());
        for (category, n) in &marks {
            println!("  {:<30} {n:>7}", category.as_str());
        }
    }

    // A vendor without homework answers with one `Unsupported` error (and
    // `provider.capabilities().homework` says so before asking).
    let homework = count(provider.homework(HomeworkQuery::new(week))).await;
    if let Some(n) = unless_unsupported(vendor.name, "homework", homework)? {
        println!("homework due {} to {}: {n}", week.from(), week.to());
    }
    Ok(())
}

/// Reads a stream to its end, counting the records (and dropping them unread).
async fn count<T>(stream: impl Stream<Item = mis_core::Result<T>>) -> mis_core::Result<usize> {
    stream.try_fold(0, |n, _| async move { Ok(n + 1) }).await
}

/// Reads attendance marks to the end, counting them by statistical category.
async fn by_category(
    stream: impl Stream<Item = mis_core::Result<mis_core::AttendanceMark>>,
) -> mis_core::Result<BTreeMap<AttendanceCategory, usize>> {
    stream
        .try_fold(BTreeMap::new(), |mut counts, mark| async move {
            *counts.entry(mark.category).or_insert(0) += 1;
            Ok(counts)
        })
        .await
}

/// The result, or `None` after saying that `vendor` does not offer `what`; any other error
/// ends the run.
fn unless_unsupported<T>(
    vendor: &str,
    what: &str,
    outcome: mis_core::Result<T>,
) -> mis_core::Result<Option<T>> {
    match outcome {
        Ok(value) => Ok(Some(value)),
        Err(e) if e.kind() == ErrorKind::Unsupported => {
            println!("{what}: not available from {vendor} ({e})");
            Ok(None)
        }
        Err(e) => Err(e),
    }
}

/// The Monday of the current week, in the system's time zone.
fn this_monday() -> Date {
    let today = jiff::ZonedDateTime::now().date();
    today - i64::from(today.weekday().to_monday_zero_offset()).days()
}
