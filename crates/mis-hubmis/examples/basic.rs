//! The WCBS HUBmis typed client: realm, quota, and the vendor's own records.
//!
//! What the `MisProvider` trait hides, shown through [`Client`]: every request carries the
//! school's **realm** beside the OAuth2 token; every request, token requests included, waits
//! at one client-side gate that keeps HUBmis's **quota** (12 requests in any 60 s, one every
//! 5 s, [`Quota::HUBMIS`]), so the example times each step and counts what it sends; the
//! school's regional settings give the time zone that turns the week's dates into the
//! `filter[dateTime]` instants; attendance is read per student (session marks with the code
//! book's DfE codes); pastoral events carry a category and no polarity (a school says which
//! categories are positive or negative: `MIS_HUBMIS_POSITIVE_CATEGORIES`,
//! `MIS_HUBMIS_NEGATIVE_CATEGORIES`).
//!
//! It prints counts, codes and the school's own labels only: no student record is printed,
//! and errors are printed with `{e}`, which names the operation and never the client secret
//! or token.
//!
//! Against the credential-free emulator of `mis sandbox` (a synthetic school whose records
//! start on Monday 2024-09-02):
//!
//! ```text
//! # shell 1: the emulator, its clock (and so its quota) 500 times faster than the vendor's;
//! # it prints the `export MIS_HUBMIS_…` lines that reach it, MIS_HUBMIS_QUOTA=12/0.12 (the
//! # same quota scaled for the client) among them
//! cargo run -p mis-cli -- --provider hubmis sandbox --time-scale 0.002
//! # shell 2: paste those lines, then
//! cargo run -p mis-hubmis --example hubmis_basic -- 2024-09-02
//! ```
//!
//! The example sends about 15 requests (the attendance of the first `N` students, second
//! argument, default 5, costs one request each): over a minute at the real pace, a fraction
//! of a second at the scaled one.
//!
//! Against a real school, set `MIS_HUBMIS_CLIENT_ID`, `MIS_HUBMIS_CLIENT_SECRET` and
//! `MIS_HUBMIS_REALM`, leave `MIS_HUBMIS_QUOTA` unset (the documented quota applies), and
//! give the Monday of the week to read (default: this week); `MIS_HUBMIS_BASE_URL` only to
//! override the vendor's address. The walkthrough of the normalised API, the same for every
//! vendor, is `cargo run -p mis-cli --example any_vendor -- hubmis`.

use std::collections::BTreeMap;
use std::process::ExitCode;
use std::time::Instant;

use futures::{StreamExt, TryStreamExt};
use jiff::ToSpan;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use mis_core::DateRange;
use mis_hubmis::wire::PastoralType;
use mis_hubmis::{
    AttendanceFilter, Client, Config, DateTimeRange, PastoralEventFilter, Quota, StudentFilter,
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
    let mut args = std::env::args().skip(1);
    let monday = match args.next() {
        Some(date) => mis_core::query::parse_date("the week's Monday", &date)?,
        None => this_monday(),
    };
    let sampled: usize = match args.next() {
        Some(n) => n
            .parse()
            .map_err(|_| mis_core::Error::invalid_input("N (students to read) is a count"))?,
        None => 5,
    };
    let week = DateRange::new(monday, monday + 4.days())?;

    // `MIS_HUBMIS_CLIENT_ID`, `_CLIENT_SECRET`, `_REALM` and the shared settings.
    let config = Config::from_env()?;
    // `MIS_HUBMIS_QUOTA` (a tenant's own limit, or the emulator's scaled one) takes the
    // documented quota's place; without it the client keeps 12 in any 60 s.
    match config.options().rate_limit() {
        Some(_) => println!(
            "quota: MIS_HUBMIS_QUOTA={} (in place of HUBmis's 12 a minute)",
            std::env::var("MIS_HUBMIS_QUOTA").unwrap_or_default()
        ),
        None => {
            let quota = config.quota();
            if let (Some((n, window)), Some(spacing)) = (quota.limit(), quota.spacing_with_margin())
            {
                println!("quota: {n} requests in any {window:?}: one every {spacing:?}");
            }
        }
    }
    println!(
        "documented: {:?} between requests",
        Quota::HUBMIS.spacing().unwrap_or_default()
    );
    let client = Client::new(config)?;
    // The realm is the school: sent as the `Realm` header on every call.
    println!("realm {}", client.realm());
    let started = Instant::now();

    // The first call also asks for the token: two requests through the gate.
    let years = client.academic_years().await?;
    let year = years
        .iter()
        .find(|y| {
            let day = |d: Option<&str>| d.and_then(|d| d.get(..10)?.parse::<Date>().ok());
            matches!((day(y.start()), day(y.end())), (Some(s), Some(e)) if s <= monday && monday <= e)
        })
        .or_else(|| years.iter().find(|y| y.is_current == Some(true)));
    let Some(year_id) = year.and_then(|y| y.id.as_ref()).and_then(|id| id.as_u64()) else {
        return Err(mis_core::Error::invalid_input(format!(
            "no academic year of the school's {} holds {monday}",
            years.len()
        )));
    };
    let terms = client.terms(year_id).await?;
    println!(
        "academic years: {}; {} holds the week, {} terms",
        years.len(),
        year.and_then(|y| y.name.as_deref()).unwrap_or("(unnamed)"),
        terms.len()
    );

    // The school's time zone: the week's dates become instants in it.
    let settings = client.regional_settings().await?;
    let zone_name = settings.timezone.as_deref().unwrap_or("UTC");
    let zone = TimeZone::get(zone_name)
        .map_err(|e| mis_core::Error::invalid_input(format!("time zone {zone_name}: {e}")))?;
    let instant = |d: Date, end: bool| {
        let t = if end {
            d.at(23, 59, 59, 0)
        } else {
            d.at(0, 0, 0, 0)
        };
        t.to_zoned_datetime(zone.clone()).map(|z| z.timestamp())
    };
    let range = DateTimeRange::between(
        instant(week.from(), false).map_err(time_error)?,
        instant(week.to(), true).map_err(time_error)?,
    );
    println!("time zone: {zone_name}");

    let codes = client.attendance_codes(None).await?;
    println!("attendance codes: {}", codes.len());

    // Students, paged (`page[number]`, `page[size]`); only their ids are kept.
    let ids: Vec<u64> = client
        .students(&StudentFilter::default())
        .try_filter_map(|s| async move { Ok(s.id.and_then(|id| id.as_u64())) })
        .try_collect()
        .await?;
    println!("students: {}", ids.len());

    // Attendance is one request per student: at the real quota, 5 s each.
    let filter = AttendanceFilter {
        date_time: range,
        ..AttendanceFilter::default()
    };
    let mut by_code: BTreeMap<String, usize> = BTreeMap::new();
    for &id in ids.iter().take(sampled) {
        for mark in client.student_attendance(id, &filter).await? {
            let session = mark.session.as_ref().map_or("-", |s| s.as_str());
            let code = mark
                .attendance_code
                .as_ref()
                .and_then(|c| c.code.as_deref())
                .unwrap_or("(none)");
            *by_code.entry(format!("{session} {code}")).or_insert(0) += 1;
        }
    }
    println!(
        "session marks of the first {} students: {}",
        sampled.min(ids.len()),
        by_code.values().sum::<usize>()
    );
    for (key, n) in &by_code {
        println!("  {key:<10} {n:>5}");
    }

    // Pastoral (wellbeing) events: a category, no polarity.
    let events = client.pastoral_events(&PastoralEventFilter {
        event_type: Some(PastoralType::WellbeingEvent),
        date_time: range,
        include_past_students: Some(true),
        ..PastoralEventFilter::default()
    });
    let by_category: BTreeMap<String, usize> = events
        .map(|e| {
            e.map(|e| {
                e.category
                    .as_ref()
                    .and_then(|c| c.label())
                    .unwrap_or("(none)")
                    .to_owned()
            })
        })
        .try_fold(BTreeMap::new(), |mut counts, category| async move {
            *counts.entry(category).or_insert(0) += 1;
            Ok(counts)
        })
        .await?;
    println!("wellbeing events: {}", by_category.values().sum::<usize>());
    for (category, n) in &by_category {
        println!("  {category:<10} {n:>5}");
    }

    println!(
        "tokens issued: {}; {:.2} s in all",
        client.tokens_issued(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

fn time_error(e: jiff::Error) -> mis_core::Error {
    mis_core::Error::invalid_input(format!("the week in the school's time zone: {e}"))
}

/// The Monday of the current week, in the system's time zone.
fn this_monday() -> Date {
    let today = jiff::ZonedDateTime::now().date();
    today - i64::from(today.weekday().to_monday_zero_offset()).days()
}
