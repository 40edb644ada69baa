//! The ClassCharts typed client: both logins and the vendor's own records.
//!
//! ClassCharts' APIs are a pupil's or a parent's view of the school. This example logs in as
//! whichever the environment allows — a pupil ([`StudentClient`], pupil code and date of
//! birth) and a parent ([`ParentClient`], e-mail and password) — and, for each pupil it can
//! see, reads one week through the typed endpoints the `MisProvider` trait does not show:
//! the register by date and session with ClassCharts' own status labels, homework by due
//! date with its completion state, the behaviour summary (points per reason), the activity
//! feed paged by `last_id`, and detentions. Then what only one login has: the pupil's
//! rewards shop balance, the behaviours a parent may award.
//!
//! It prints counts and ClassCharts' labels only: names, dates of birth, notes and other
//! pupil data stay in the records, and errors are printed with `{e}`, which names the
//! operation and never a credential.
//!
//! Against the credential-free emulator of `mis sandbox` (a synthetic school whose records
//! start on Monday 2024-09-02; its second week has homework due and behaviour points), which
//! prints both logins:
//!
//! ```text
//! # shell 1: the emulator; it prints the `export MIS_CLASSCHARTS_…` lines that reach it
//! cargo run -p mis-cli -- --provider classcharts sandbox
//! # shell 2: paste those lines, then
//! cargo run -p mis-classcharts --example classcharts_basic -- 2024-09-09
//! ```
//!
//! Against a real account, set `MIS_CLASSCHARTS_CODE` and `MIS_CLASSCHARTS_DOB` (a pupil's
//! login), `MIS_CLASSCHARTS_EMAIL` and `MIS_CLASSCHARTS_PASSWORD` (a parent's), or both, and
//! give the Monday of the week to read (default: this week). `MIS_CLASSCHARTS_BASE_URL` only
//! overrides the vendor's address. The walkthrough of the normalised API, the same for every
//! vendor, is `cargo run -p mis-cli --example any_vendor -- classcharts`.

use std::collections::BTreeMap;
use std::process::ExitCode;

use futures::TryStreamExt;
use jiff::ToSpan;
use jiff::civil::Date;
use mis_classcharts::config::{ENV_CODE, ENV_DOB, ENV_EMAIL};
use mis_classcharts::{
    ActivityFilter, Client, Config, DisplayDate, HomeworkFilter, ParentClient, StudentClient,
};
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
    let env = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());

    if env(ENV_CODE).is_none() && env(ENV_EMAIL).is_none() {
        // `Config::from_lookup` words the error: which variables make a login.
        Config::from_env()?;
    }

    if env(ENV_CODE).is_some() {
        // `Config::from_env` picks the pupil login when the code is set.
        let pupil = StudentClient::new(Config::from_env()?)?;
        println!("pupil login (student API)");
        // The login describes the pupil: `me` costs no request beyond the login itself.
        let me = pupil.me().await?;
        println!(
            "  the school shows this pupil: behaviour {}, homework {}",
            yes_no(me.display_behaviour),
            yes_no(me.display_homework)
        );
        week_of(pupil.core(), &me.id, week).await?;
        // The rewards shop is the student API's own: items priced in behaviour points.
        let rewards = pupil.get_rewards().await?;
        println!(
            "  rewards shop: {} items; points balance {}",
            rewards.data.len(),
            shown(rewards.meta.pupil_score_balance)
        );
    }

    if env(ENV_EMAIL).is_some() {
        // Hide the pupil's variables so that `from_lookup` builds the parent login
        // (`MIS_CLASSCHARTS_PUPIL` would narrow it to one of the parent's pupils).
        let parent_only = |name: &str| match name {
            ENV_CODE | ENV_DOB => None,
            _ => std::env::var(name).ok(),
        };
        let parent = ParentClient::new(Config::from_lookup(parent_only)?)?;
        println!("parent login (parent API)");
        // `GET /pupils`: the parent's pupils, each with the school's counters.
        let pupils = parent.pupils().await?;
        println!("  pupils: {}", pupils.len());
        for (n, child) in pupils.iter().enumerate() {
            // Numbered, not named: the pupil's id is what every data path takes.
            println!(
                "  pupil {}: homework to do {}, late {}; detentions pending {}",
                n + 1,
                shown(child.homework_todo_count),
                shown(child.homework_late_count),
                shown(child.detention_pending_count)
            );
            week_of(parent.core(), &child.student.id, week).await?;
            // What a parent may award from the app, and whether today's limit is reached.
            let awardable = parent
                .get_parent_behaviours(&child.student.id, None)
                .await?;
            let limited = awardable
                .data
                .iter()
                .filter(|b| b.is_daily_limit_reached)
                .count();
            println!(
                "    parent behaviours: {} awardable, {limited} at today's limit",
                awardable.data.len()
            );
        }
    }
    Ok(())
}

/// One pupil's week through the endpoints both APIs share ([`Client`], the core both logins
/// deref to).
async fn week_of(client: &Client, pupil_id: &str, week: DateRange) -> mis_core::Result<()> {
    // The register: `{date: {session: mark}}`, the session keys school-defined (`AM`, `PM`,
    // `Period 1`…), each mark with ClassCharts' own label beside the school's code.
    let register = client.get_attendance(pupil_id, week).await?;
    let mut by_status: BTreeMap<String, usize> = BTreeMap::new();
    for marks in register.data.0.values() {
        for mark in marks.values() {
            let label = mark.status.as_ref().map_or("(none)", |s| s.as_str());
            *by_status.entry(label.to_owned()).or_insert(0) += 1;
        }
    }
    println!(
        "    register {} to {}: {} days, {} marks{}; {} since August",
        week.from(),
        week.to(),
        register.data.0.len(),
        by_status.values().sum::<usize>(),
        listed(&by_status),
        register
            .meta
            .percentage_since_august
            .as_deref()
            .map_or("-".to_owned(), |p| format!("{p}%"))
    );

    // Homework picked by due date (the vendor's default is the date set).
    let filter = HomeworkFilter {
        display_date: Some(DisplayDate::DueDate),
        from: Some(week.from()),
        to: Some(week.to()),
    };
    let homework = client.get_homeworks(pupil_id, &filter).await?;
    let mut by_state: BTreeMap<String, usize> = BTreeMap::new();
    for task in &homework.data {
        let state = task
            .status
            .as_ref()
            .and_then(|s| s.state.as_ref())
            .map_or("(none)", |s| s.as_str());
        *by_state.entry(state.to_owned()).or_insert(0) += 1;
    }
    println!(
        "    homework due: {}{}",
        homework.data.len(),
        listed(&by_state)
    );

    // The behaviour summary: points per reason, positive and negative.
    let behaviour = client
        .get_behaviour(pupil_id, Some(week.from()), Some(week.to()))
        .await?
        .data;
    println!(
        "    behaviour summary: {} positive points over {} reasons, {} negative over {}",
        behaviour.positive_reasons.values().sum::<i64>(),
        behaviour.positive_reasons.len(),
        behaviour.negative_reasons.values().sum::<i64>(),
        behaviour.negative_reasons.len()
    );

    // The activity feed, paged by `last_id` as the stream is read. The API ignores `from`,
    // so the stream stops after the first page reaching before it and the points older than
    // the week are dropped here.
    let mut by_kind: BTreeMap<String, usize> = BTreeMap::new();
    let mut feed =
        client.activity_stream(pupil_id, ActivityFilter::between(week.from(), week.to()));
    while let Some(point) = feed.try_next().await? {
        let in_week = point
            .timestamp
            .as_deref()
            .and_then(|t| t.get(..10))
            .and_then(|d| d.parse::<Date>().ok())
            .is_some_and(|d| week.from() <= d && d <= week.to());
        if in_week {
            let kind = point.kind.as_ref().map_or("(none)", |k| k.as_str());
            *by_kind.entry(kind.to_owned()).or_insert(0) += 1;
        }
    }
    println!(
        "    activity points: {}{}",
        by_kind.values().sum::<usize>(),
        listed(&by_kind)
    );

    let detentions = client.get_detentions(pupil_id, Some(week)).await?;
    println!("    detentions: {}", detentions.data.len());
    Ok(())
}

/// ` (a 3, b 1)`, or nothing when empty.
fn listed(counts: &BTreeMap<String, usize>) -> String {
    if counts.is_empty() {
        return String::new();
    }
    let parts: Vec<String> = counts.iter().map(|(k, n)| format!("{k} {n}")).collect();
    format!(" ({})", parts.join(", "))
}

fn yes_no(flag: bool) -> &'static str {
    if flag { "yes" } else { "no" }
}

/// A counter the vendor may leave out.
fn shown(value: Option<i64>) -> String {
    value.map_or("-".to_owned(), |v| v.to_string())
}

/// The Monday of the current week, in the system's time zone.
fn this_monday() -> Date {
    let today = jiff::ZonedDateTime::now().date();
    today - i64::from(today.weekday().to_monday_zero_offset()).days()
}
