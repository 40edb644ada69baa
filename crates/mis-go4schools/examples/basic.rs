//! The GO 4 Schools typed client: the customer API's own endpoints, one school-week.
//!
//! What the `MisProvider` trait hides, shown through [`Client`]: the school's academic years
//! (a year in a path is the calendar year the school year ends in: `2025` is 2024/25), the
//! calendar's day types and two-week timetable cycle, the attendance code book with the
//! school's aliases, the register as GO sends it (one request per date, marks carrying code
//! and alias ids, resolved here through the code book), lesson marks, behaviour events
//! (paged, one date at a time) resolved through the event types' significance, and the
//! teaching groups.
//!
//! It prints counts, codes and the school's own labels only: no student record is printed
//! (the student list is counted and dropped), and errors are printed with `{e}`, which names
//! the operation and never the API key.
//!
//! Against the credential-free emulator of `mis sandbox` (a synthetic school whose records
//! start on Monday 2024-09-02):
//!
//! ```text
//! # shell 1: the emulator; it prints the `export MIS_GO4SCHOOLS_…` lines that reach it
//! cargo run -p mis-cli -- --provider go4schools sandbox
//! # shell 2: paste those lines, then
//! cargo run -p mis-go4schools --example go4schools_basic -- 2024-09-02
//! ```
//!
//! Against a real school, set `MIS_GO4SCHOOLS_API_KEY` (the school's key) and give the Monday
//! of the week to read (default: this week); `MIS_GO4SCHOOLS_BASE_URL` only to override the
//! vendor's address. The walkthrough of the normalised API, the same for every vendor, is
//! `cargo run -p mis-cli --example any_vendor -- go4schools`.

use std::collections::{BTreeMap, HashMap};
use std::process::ExitCode;

use futures::TryStreamExt;
use jiff::ToSpan;
use jiff::civil::Date;
use mis_core::DateRange;
use mis_go4schools::Client;
use mis_go4schools::convert::calendar::academic_year_of;
use mis_go4schools::wire::DayType;

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
    // `MIS_GO4SCHOOLS_API_KEY` (and the shared settings) from the environment; nothing is
    // sent until the first call.
    let client = Client::from_env()?;
    let monday = match std::env::args().nth(1) {
        Some(date) => mis_core::query::parse_date("the week's Monday", &date)?,
        None => this_monday(),
    };
    let week = DateRange::new(monday, monday + 4.days())?;
    // Every per-year path takes the year the school year *ends* in.
    let year = academic_year_of(monday);

    let school = client.school().await?;
    println!(
        "GO 4 Schools: academic years {:?}, current {}; reading {year} ({}/{})",
        school.academic_years,
        school
            .current_academic_year
            .map_or("-".to_owned(), |y| y.to_string()),
        year - 1,
        year % 100
    );

    let students = client.student_details(year).await?;
    // The year's student records, leavers of the year included.
    println!("student records in {year}: {}", students.len());
    drop(students);

    // The calendar: which of the week's dates are open, and which week of the cycle.
    let calendar = client.calendar(year).await?;
    let mut open = Vec::new();
    for day in calendar.iter().filter(|d| week.contains(d.date)) {
        println!(
            "  {} {:<8} timetable week {}",
            day.date,
            day.day_type_code.as_str(),
            day.week.map_or("-".to_owned(), |w| w.to_string())
        );
        if day.day_type_code == DayType::Open {
            open.push(day.date);
        }
    }

    // The code book: marks carry a code id and maybe an alias id, never the code itself.
    let book = client.attendance_code_book(year).await?;
    let aliases: usize = book.iter().map(|c| c.aliases.len()).sum();
    println!(
        "attendance codes: {} ({aliases} school aliases)",
        book.len()
    );
    let mut code_of: HashMap<i64, String> = HashMap::new();
    for code in &book {
        let text = code.code.clone().unwrap_or_else(|| format!("#{}", code.id));
        for alias in &code.aliases {
            code_of.insert(alias.id, alias.alias_code.clone().unwrap_or(text.clone()));
        }
        code_of.insert(code.id, text);
    }
    let code_text = |id: Option<i64>| match id {
        Some(id) => code_of
            .get(&id)
            .cloned()
            .unwrap_or_else(|| format!("unknown id {id}")),
        None => "(no mark)".to_owned(),
    };

    // The register, one request per open date (GO has no range query for marks).
    let mut session_codes: BTreeMap<String, usize> = BTreeMap::new();
    let mut lesson_marks = 0;
    for &date in &open {
        for mark in client.session_marks(year, date).await? {
            // An alias is the school's finer code under a DfE one: show the finer one.
            let id = mark.session_alias_id.or(mark.session_mark_id);
            *session_codes.entry(code_text(id)).or_insert(0) += 1;
        }
        lesson_marks += client.lesson_marks(year, date).await?.len();
    }
    let sessions: usize = session_codes.values().sum();
    println!("session marks on {} open days: {sessions}", open.len());
    for (code, n) in &session_codes {
        println!("  {code:<12} {n:>6}");
    }
    println!("lesson marks: {lesson_marks}");

    // Behaviour: events carry a type id; the type says whether it is good or bad news.
    let types = client.event_types(year).await?;
    let significance: HashMap<i64, String> = types
        .iter()
        .map(|t| {
            let s = t.significance.as_ref().map_or("(none)", |s| s.as_str());
            (t.id, s.to_owned())
        })
        .collect();
    let mut events: BTreeMap<String, usize> = BTreeMap::new();
    for &date in &open {
        // Paged by cursor, fetched as the stream is read.
        let mut day = client.behaviour_events(year, date);
        while let Some(event) = day.try_next().await? {
            if event.cancelled {
                continue;
            }
            let kind = event
                .event_type_id
                .and_then(|id| significance.get(&id).cloned())
                .unwrap_or_else(|| "(unknown type)".to_owned());
            *events.entry(kind).or_insert(0) += 1;
        }
    }
    println!(
        "behaviour events ({} event types): {}",
        types.len(),
        events.values().sum::<usize>()
    );
    for (kind, n) in &events {
        println!("  {kind:<12} {n:>6}");
    }

    let groups = client.teaching_groups(year).await?;
    let timetables = client.timetables(year).await?;
    let periods: usize = timetables.iter().map(|t| t.periods.len()).sum();
    println!(
        "teaching groups: {}; timetables: {} with {periods} periods over the cycle",
        groups.len(),
        timetables.len()
    );
    Ok(())
}

/// The Monday of the current week, in the system's time zone.
fn this_monday() -> Date {
    let today = jiff::ZonedDateTime::now().date();
    today - i64::from(today.weekday().to_monday_zero_offset()).days()
}
