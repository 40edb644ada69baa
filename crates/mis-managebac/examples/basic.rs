//! Basic use of the ManageBac client: open it from the environment, stream the students,
//! count one week's attendance marks by category, and ask for the week's homework, which
//! not every vendor offers (`ErrorKind::Unsupported`).
//!
//! It prints counts only: names, dates of birth and other pupil data never leave the
//! stream, so the output is safe to paste anywhere.
//!
//! Against the credential-free emulator of `mis sandbox` (a synthetic school whose records
//! start on Monday 2024-09-02):
//!
//! ```text
//! # shell 1: the emulator; it prints the `export MIS_MANAGEBAC_…` lines that reach it
//! cargo run -p mis-cli -- --provider managebac sandbox
//! # shell 2: paste those lines, then
//! cargo run -p mis-managebac --example managebac_basic -- 2024-09-02
//! ```
//!
//! The emulator keeps ManageBac's 10 requests a second and so does the client: the week takes
//! about 20 s. `sandbox --time-scale 0.1` with `export MIS_MANAGEBAC_QUOTA=100/1` runs it ten
//! times faster.
//!
//! Against a real school, set the vendor's variables by hand and give the Monday of the week
//! to read (default: this week); `MIS_MANAGEBAC_BASE_URL` only to override the vendor's address:
//!
//! - `MIS_MANAGEBAC_TOKEN`

use std::collections::BTreeMap;
use std::process::ExitCode;

use futures::{Stream, TryStreamExt};
use jiff::ToSpan;
use jiff::civil::Date;
use mis_core::{
    AttendanceCategory, AttendanceQuery, DateRange, ErrorKind, HomeworkQuery, MisProvider,
    StudentQuery,
};
use mis_managebac::DESCRIPTOR;

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
    // `MIS_MANAGEBAC_*` from the environment; nothing is sent until the first read.
    let provider = DESCRIPTOR.open_from(&|name| std::env::var(name).ok())?;
    let monday = match std::env::args().nth(1) {
        Some(date) => mis_core::query::parse_date("the week's Monday", &date)?,
        None => this_monday(),
    };
    let week = DateRange::new(monday, monday + 4.days())?;

    // Pages are fetched as the stream is read: memory stays flat however big the school.
    let students = count(provider.students(StudentQuery::new())).await?;
    println!("{} students: {students}", DESCRIPTOR.name);

    let marks = by_category(provider.attendance(AttendanceQuery::new(week))).await;
    if let Some(marks) = unless_unsupported("attendance", marks)? {
        let total: usize = marks.values().sum();
        println!("attendance {} to {}: {total} marks", week.from(), week.to());
        for (category, n) in &marks {
            println!("  {:<30} {n:>7}", category.as_str());
        }
    }

    // A vendor without homework answers with one `Unsupported` error (and
    // `provider.capabilities().homework` says so before asking).
    let homework = count(provider.homework(HomeworkQuery::new(week))).await;
    if let Some(n) = unless_unsupported("homework", homework)? {
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

/// The result, or `None` after saying that the vendor does not offer `what`; any other
/// error ends the run.
fn unless_unsupported<T>(what: &str, outcome: mis_core::Result<T>) -> mis_core::Result<Option<T>> {
    match outcome {
        Ok(value) => Ok(Some(value)),
        Err(e) if e.kind() == ErrorKind::Unsupported => {
            println!("{what}: not available from {} ({e})", DESCRIPTOR.name);
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
