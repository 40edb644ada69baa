//! The ManageBac typed client: hosts, programs, rotation days, bell times and registers.
//!
//! What the `MisProvider` trait hides, shown through [`Client`]: the **regional hosts** and
//! the API version prefix; the token checked with `GET /ping` and its permissions; academic
//! years **per program**, and the program calendar mapping school dates to **rotation days**;
//! the tenant's own attendance categories; the homeroom (day) register of each year group,
//! one request per date, and the parent excusals of each date; a class timetable, whose
//! slots name a rotation day and a period but **no clock times** — the school's bell times
//! (`MIS_MANAGEBAC_PERIOD_TIMES`) place them; behaviour notes, which carry a type and no
//! polarity (`MIS_MANAGEBAC_BEHAVIOUR_POLARITY` gives it).
//!
//! It prints counts and the school's own labels only: no student record, note or excusal
//! text is printed, and errors are printed with `{e}`, which names the operation and never
//! the token.
//!
//! Against the credential-free emulator of `mis sandbox` (a synthetic school whose records
//! start on Monday 2024-09-02):
//!
//! ```text
//! # shell 1: the emulator; it prints the `export MIS_MANAGEBAC_…` lines that reach it (the
//! # bell times, behaviour polarity and a quota the emulator allows among them)
//! cargo run -p mis-cli -- --provider managebac sandbox
//! # shell 2: paste those lines, then
//! cargo run -p mis-managebac --example managebac_basic -- 2024-09-02
//! ```
//!
//! Against a real school, set `MIS_MANAGEBAC_TOKEN` (and `MIS_MANAGEBAC_REGION` when the
//! school's host is not the global one: `cn`, `us1`, `us2`, `uat`), the school's bell times
//! in `MIS_MANAGEBAC_PERIOD_TIMES` (`1=08:00-08:50,2=08:55-09:45,…`), and give the Monday of
//! the week to read (default: this week). The client keeps to 10 requests a second unless
//! `MIS_MANAGEBAC_QUOTA` says otherwise. The walkthrough of the normalised API, the same for
//! every vendor, is `cargo run -p mis-cli --example any_vendor -- managebac`.

use std::collections::BTreeMap;
use std::process::ExitCode;

use futures::{StreamExt, TryStreamExt};
use jiff::ToSpan;
use jiff::civil::Date;
use mis_core::DateRange;
use mis_managebac::wire::Id;
use mis_managebac::{BehaviorNoteFilter, ClassFilter, Client, Config, Region, YearGroupFilter};

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

    // `MIS_MANAGEBAC_TOKEN`, `_REGION`, `_API_VERSION`, `_PERIOD_TIMES`, `_BEHAVIOUR_POLARITY`
    // and the shared settings.
    let config = Config::from_env()?;
    // A token works on its school's home host only.
    let hosts: Vec<String> = ["global", "cn", "us1", "us2", "uat"]
        .iter()
        .filter_map(|r| {
            Region::parse(r)
                .ok()
                .map(|h| format!("{r} {}", h.base_url()))
        })
        .collect();
    println!("ManageBac hosts: {}", hosts.join(", "));
    if let Some(url) = config.options().base_url() {
        println!("host overridden: {url}");
    }
    let bells = config.bell_times().clone();
    let polarity = config.polarity().clone();
    let client = Client::new(config)?;
    println!("API version prefix: {}", client.api_version().prefix());

    // The token and the host, checked before anything else; then what the token may do.
    let pong = client.ping().await?;
    let permissions = client.permissions().await?;
    println!(
        "ping: {}; the token holds {} permissions",
        pong.pong.as_deref().unwrap_or("-"),
        permissions.len()
    );
    let school = client.school().await?;
    println!(
        "school time zone: {}; programs enabled: {}",
        school.timezone.as_deref().unwrap_or("(none set)"),
        school
            .enabled_programs
            .iter()
            .filter_map(|p| p.code.as_deref())
            .collect::<Vec<_>>()
            .join(", ")
    );

    // Academic years are grouped by program; find the one holding the week.
    let programs = client.academic_years_by_program(None, None).await?;
    let mut found = None;
    for (program, years) in &programs {
        for year in years {
            let day = |d: &Option<String>| d.as_deref()?.get(..10)?.parse::<Date>().ok();
            if let (Some(from), Some(to)) = (day(&year.starts_on), day(&year.ends_on)) {
                if from <= monday && monday <= to && found.is_none() {
                    found = Some((program.clone(), year.id, year.academic_terms.len()));
                }
            }
        }
    }
    let Some((program, year_id, terms)) = found else {
        return Err(mis_core::Error::invalid_input(format!(
            "no academic year of the school's {} programs holds {monday}",
            programs.len()
        )));
    };
    println!(
        "programs with years: {}; {program} holds the week ({terms} terms)",
        programs.len()
    );

    // The program calendar: which rotation day each school date is.
    let calendar = client.calendar(&program, year_id).await?;
    let mut school_days = Vec::new();
    for d in &calendar.dates {
        let Some(date) = d
            .date
            .as_deref()
            .and_then(|t| t.get(..10)?.parse::<Date>().ok())
        else {
            continue;
        };
        if week.contains(date) {
            println!(
                "  {date} rotation day {}",
                d.rotation_day.map_or("-".to_owned(), |r| r.to_string())
            );
            school_days.push(date);
        }
    }
    println!(
        "calendar: {}, a {}-day rotation",
        calendar.calendar_type.as_deref().unwrap_or("-"),
        calendar
            .rotation_cycle
            .map_or("-".to_owned(), |n| n.to_string())
    );

    // The tenant's statuses: ids beyond the built-in ones are the school's own.
    let categories = client.attendance_categories(year_id).await?;
    let labels: Vec<&str> = categories
        .iter()
        .filter_map(|c| c.label.as_deref())
        .collect();
    println!("attendance categories: {}", labels.join(", "));

    // Homeroom registers: one request per year group and school day.
    let year_groups: Vec<Id> = client
        .year_groups(&YearGroupFilter::default())
        .map_ok(|g| g.id)
        .try_collect()
        .await?;
    let mut by_label: BTreeMap<String, usize> = BTreeMap::new();
    for &group in &year_groups {
        for &date in &school_days {
            let register = client.homeroom_attendance_date(group, date, &[]).await?;
            for student in register.students {
                let label = student
                    .attendance
                    .as_ref()
                    .and_then(|a| a.status.as_deref())
                    .unwrap_or("(not taken)");
                *by_label.entry(label.to_owned()).or_insert(0) += 1;
            }
        }
    }
    println!(
        "homeroom marks, {} year groups over {} school days: {}",
        year_groups.len(),
        school_days.len(),
        by_label.values().sum::<usize>()
    );
    for (label, n) in &by_label {
        println!("  {label:<24} {n:>6}");
    }
    let mut excusals = 0;
    for &date in &school_days {
        excusals += client
            .excusals_on(date, &[])
            .try_fold(0, |n, _| async move { Ok(n + 1) })
            .await?;
    }
    println!("parent excusals covering those days: {excusals}");

    // A class timetable: rotation day and period, no clock time; the bell times give it.
    let first_class = client
        .classes(&ClassFilter::default())
        .map_ok(|c| c.id)
        .boxed()
        .try_next()
        .await?;
    if let Some(class) = first_class {
        let timetable = client.class_timetable(class, None).await?;
        let slots: Vec<_> = timetable
            .academic_years
            .iter()
            .flat_map(|y| y.slots.iter())
            .collect();
        let placed = slots
            .iter()
            .filter(|s| {
                s.period
                    .and_then(|p| u32::try_from(p).ok())
                    .and_then(|p| bells.get(p))
                    .is_some()
            })
            .count();
        println!(
            "one class's timetable: {} slots, {placed} placed by the bell times; periods count from {}",
            slots.len(),
            timetable
                .period_offset
                .or(timetable.period_starts_count_from)
                .map_or("-".to_owned(), |n| n.to_string())
        );
    }
    for (period, start, end) in bells.iter() {
        println!(
            "  period {period}: {}-{}",
            start.strftime("%H:%M"),
            end.strftime("%H:%M")
        );
    }

    // Behaviour notes: a type each, polarity from the school's map.
    let mut by_polarity: BTreeMap<&'static str, usize> = BTreeMap::new();
    let mut notes = client.behavior_notes(&BehaviorNoteFilter::new());
    while let Some(note) = notes.try_next().await? {
        let in_week = note
            .incident_time
            .as_deref()
            .and_then(|t| t.get(..10)?.parse::<Date>().ok())
            .is_some_and(|d| week.contains(d));
        if in_week {
            let p = polarity.get(note.behavior_type.as_deref()).as_str();
            *by_polarity.entry(p).or_insert(0) += 1;
        }
    }
    println!(
        "behaviour notes that week: {} ({})",
        by_polarity.values().sum::<usize>(),
        by_polarity
            .iter()
            .map(|(p, n)| format!("{p} {n}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    Ok(())
}

/// The Monday of the current week, in the system's time zone.
fn this_monday() -> Date {
    let today = jiff::ZonedDateTime::now().date();
    today - i64::from(today.weekday().to_monday_zero_offset()).days()
}
