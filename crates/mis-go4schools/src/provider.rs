//! [`Go4SchoolsProvider`]: the vendor's per-date, id-based API joined into the normalised
//! model, over the typed [`Client`].
//!
//! How each entity is built:
//!
//! * **students** — `students` joined with `students/education-details` of the school's
//!   current academic year (UPN, year and registration group, enrolment). GO lists students
//!   per academic year, so with `include_leavers` the earlier years are read too (every year
//!   the school has up to the current one, or those [`Config::leavers_between`] touches): a
//!   student found only in an earlier year is a leaver, with that year's details.
//!
//! [`Config::leavers_between`]: crate::Config::leavers_between
//! * **attendance** — for each date of the range (split by academic year, since each of GO's
//!   paths names one academic year; dates the calendar marks `Closed` skipped), the session
//!   marks and lesson marks of that date; mark and alias ids resolved through that year's
//!   attendance codes into the raw code, categorised by `mis_core::codes`; lesson marks
//!   placed in their period through the timetabled classes.
//! * **timetable** — the cyclic timetable (periods in week 1/2 on a weekday) expanded over
//!   the calendar's open days (which timetable and week each date is); a student filter uses
//!   that student's classes and membership dates.
//! * **behaviour** — the events of each date joined to their event types (significance →
//!   polarity, name → category). Every date is asked for, closed ones included: trips and
//!   residentials record behaviour on days the calendar marks `Closed`.
//! * **record_attendance** — `POST` session attendance after checking the session, the code
//!   (in that year's code book) and the student's UPN.
//! * **school_profile** — not offered (`Unsupported`, the trait's default): GO's
//!   `GET /school` gives the school's code, name and academic years, but no time zone and
//!   no roll count, and a profile without a zone would read as a school that has none set.
//!
//! Reference data — the school's academic years, and per year the codes, calendar,
//! timetable, event types and education details — is fetched once per provider and cached
//! ([`Go4SchoolsProvider::clear_cache`] forgets it). Marks and events are never cached.
//!
//! # Partial results
//!
//! A fault costs what it touches, reported through the query's
//! [`Diagnostics`] (fatal errors still end the read):
//!
//! * a student, education-details, mark or event record that does not decode (or convert)
//!   costs that record (`Lenient` list items);
//! * one date's marks or events that the server will not give (404, an unreadable page)
//!   cost that date, with a warning naming it. A 403 is not one date's: GO refuses an
//!   endpoint to a key or school (module disabled, embargo, a permission the key lacks), so
//!   a refused behaviour date fails the read with `PermissionDenied`, and registers follow
//!   the next point;
//! * attendance needs only attendance. A part switched off for the key or the school — 403
//!   (module disabled, embargo) or 400 "Attendance Invalid Mode" (the school's attendance
//!   mode has no such register) — costs only that part: an unreadable timetable or classes
//!   cost the lesson marks ("lesson marks left out: timetable not readable"); a lesson
//!   register switched off costs the lesson marks of the whole read, with one warning ("lesson
//!   marks left out: the register is not available to this key or school"), and likewise a
//!   session register. A read left with no register (both switched off, or the only one it
//!   asked for, or a lesson-only read without the timetable) fails with the refusal
//!   (`PermissionDenied` when one of them was a 403) instead of coming back empty;
//!   an unreadable calendar costs nothing (every date is asked for);
//! * enrichment the key may not read — teachers, subjects (lessons), staff accounts
//!   (behaviour authors) — leaves those names out. The cached reference data remembers what
//!   it was built without, so every read that would have shown the names is told, not just
//!   the first.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use async_trait::async_trait;
use futures::stream::{self, BoxStream, StreamExt, TryStreamExt};
use jiff::civil::Date;
use jiff::tz::TimeZone;
use mis_core::codes::CodeMapper;
use mis_core::{
    AcademicYear, AttendanceCode, AttendanceMark, AttendanceQuery, AttendanceWrite, BehaviourEvent,
    BehaviourQuery, Capabilities, DateRange, DecodeDetail, Diagnostics, EnrolmentStatus, Error,
    ErrorKind, Group, Lesson, MisProvider, ProviderInfo, Result, Session, Slot, Staff, Student,
    StudentQuery, Term, TimetableQuery, Warning, WriteReceipt,
};
use mis_http::{Lenient, Rejected, keep_good};
use tokio::sync::OnceCell;

use crate::client::Client;
use crate::config::Config;
use crate::convert::{
    self, CodeBook, TimetableIndex, VENDOR, academic_year_name, academic_year_of,
    split_by_academic_year, year_group_segment,
};
use crate::routes;
use crate::wire::{self, DayType};

/// How many dates' marks or events are fetched at once. Small: it bounds memory and keeps
/// the provider well inside any rate limit, while hiding most of the per-request latency.
const DAYS_IN_FLIGHT: usize = 4;

/// The calendar of one academic year, by date.
type CalendarMap = BTreeMap<Date, wire::CalendarDay>;

/// A year's code book, raw and indexed.
struct Codes {
    raw: Vec<wire::AttendanceCode>,
    book: CodeBook,
}

/// A year's timetable, and the enrichment it was built without.
struct Timetable {
    index: TimetableIndex,
    /// Teachers or subjects the key may not read: the timetable read reports these each
    /// time (lesson marks do not carry those names, so the attendance read does not).
    without: Vec<Warning>,
}

/// A year's education details, and the records that did not decode.
struct Education {
    rows: Vec<wire::EducationDetails>,
    /// Reported by every students read: the students they belong to come back without UPN,
    /// year group and enrolment.
    rejected: Vec<Rejected>,
}

/// Behaviour authors by staff account id, and why there are none.
struct Authors {
    names: HashMap<i64, String>,
    /// Set when the staff accounts could not be read (events come without authors).
    without: Option<Warning>,
}

/// Reference data of one academic year.
#[derive(Default)]
struct YearCache {
    codes: OnceCell<Arc<Codes>>,
    calendar: OnceCell<Arc<CalendarMap>>,
    timetable: OnceCell<Arc<Timetable>>,
    event_types: OnceCell<Arc<HashMap<i64, wire::EventType>>>,
    /// Not a `OnceCell`: a write for a student added since it was filled refreshes it.
    education: Mutex<Option<Arc<Education>>>,
}

#[derive(Default)]
struct CacheData {
    /// `None` inside: the school endpoint is not allowed for this key, so the year list is
    /// unknown and every year a range touches is queried.
    school: OnceCell<Option<wire::School>>,
    years: Mutex<BTreeMap<i32, Arc<YearCache>>>,
    authors: OnceCell<Arc<Authors>>,
}

impl CacheData {
    fn year(&self, year: i32) -> Arc<YearCache> {
        self.years
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .entry(year)
            .or_default()
            .clone()
    }
}

/// The provider's cache, shared by every clone of a provider.
#[derive(Default)]
pub(crate) struct Cache {
    data: Mutex<Arc<CacheData>>,
}

impl Cache {
    fn get(&self) -> Arc<CacheData> {
        self.data
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    fn clear(&self) {
        *self.data.lock().unwrap_or_else(PoisonError::into_inner) = Arc::default();
    }
}

/// GO's 400 for an endpoint the school's attendance mode does not have (vendor doc, Errors).
const INVALID_MODE: &str = "Attendance Invalid Mode";

/// Whether `e` says a whole part is switched off for this key or school — 403 (module
/// disabled, embargo) or 400 "Attendance Invalid Mode" — rather than that one request failed.
fn part_off(e: &Error) -> bool {
    e.kind() == ErrorKind::PermissionDenied
        || (e.kind() == ErrorKind::InvalidInput && e.vendor_code() == Some(INVALID_MODE))
}

/// Like [`Diagnostics::degrade`], also degrading a part that is switched off ([`part_off`]):
/// a 400 "Attendance Invalid Mode" is a fact about the school, not a bad request of ours.
fn degrade_part(d: &Diagnostics, e: Error, w: impl FnOnce(&Error) -> Warning) -> Result<()> {
    if part_off(&e) {
        d.report(w(&e))
    } else {
        d.degrade(e, w)
    }
}

/// Registers found switched off during one attendance read, so the rest of its dates do not
/// ask again and the read warns once; and the answer that switched one off, so a read left
/// with no register at all fails with it instead of coming back empty.
#[derive(Default)]
struct RegistersOff {
    sessions: AtomicBool,
    lessons: AtomicBool,
    refusal: Mutex<Option<Error>>,
}

impl RegistersOff {
    /// The error of a read with no register left, `e` being the last one found off: a
    /// refusal (403) before another reason (400 "Attendance Invalid Mode"), since a refusal
    /// names what the key must be granted.
    fn nothing_left(&self, e: Error) -> Error {
        if e.kind() == ErrorKind::PermissionDenied {
            return e;
        }
        let earlier = self
            .refusal
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        match earlier {
            Some(r) if r.kind() == ErrorKind::PermissionDenied => r,
            _ => e,
        }
    }
}

/// Errors that mean "this key may not read that", after which optional enrichment (teacher
/// names, subject names, authors) is skipped instead of failing the whole query.
fn not_allowed(e: &Error) -> bool {
    matches!(e.kind(), ErrorKind::PermissionDenied | ErrorKind::NotFound)
}

/// A warning for `error`, naming this vendor (and `operation`) when the error does not.
fn warning(error: &Error, entity: &str, consequence: impl Into<String>) -> Warning {
    let mut w = Warning::from_error(error, entity, consequence);
    if w.vendor.is_empty() {
        w = w.vendor(VENDOR);
    }
    w
}

/// Optional enrichment: an empty list and the warning to give when it cannot be read (a
/// degradable error); a fatal error is returned.
fn optional<T>(
    r: Result<Vec<T>>,
    entity: &str,
    consequence: &str,
) -> Result<(Vec<T>, Option<Warning>)> {
    match r {
        Ok(v) => Ok((v, None)),
        Err(e) if e.is_degradable() => Ok((Vec::new(), Some(warning(&e, entity, consequence)))),
        Err(e) => Err(e),
    }
}

/// One date's register, its good marks kept. The whole register lost (a degradable error)
/// is one warning with no id to name (it is every student's): the consequence names the date.
/// A register switched off ([`part_off`]) is the same for every date: `flag` (one of `off`'s)
/// is set, and only the first date to find it warns, for the whole read — unless
/// `nothing_else`: no other register of the read is left, and the read fails with the
/// refusal rather than come back empty.
#[allow(clippy::too_many_arguments)] // one register of one date: each is a different input
fn register<T>(
    r: Result<Vec<Lenient<T>>>,
    d: &Diagnostics,
    operation: &str,
    what: &str,
    date: Date,
    off: &RegistersOff,
    flag: &AtomicBool,
    nothing_else: bool,
) -> Result<Vec<T>> {
    match r {
        Ok(items) => keep_good(items, d, VENDOR, operation, "attendance"),
        Err(e) if part_off(&e) => {
            if nothing_else {
                return Err(off.nothing_left(e));
            }
            if !flag.swap(true, Ordering::SeqCst) {
                d.report(warning(
                    &e,
                    "attendance",
                    format!("{what} left out: the register is not available to this key or school"),
                ))?;
                off.refusal
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .get_or_insert(e);
            }
            Ok(Vec::new())
        }
        Err(e) => {
            d.degrade(e, |e| {
                warning(e, "attendance", format!("{what} of {date} left out"))
            })?;
            Ok(Vec::new())
        }
    }
}

/// Reports each education-details record that did not decode: its student (unknown, as the
/// record is unreadable) is listed without what the record holds.
fn report_rejected_details(rejected: &[Rejected], d: &Diagnostics) -> Result<()> {
    for r in rejected {
        let mut w = Warning::skipped_record(
            VENDOR,
            routes::STUDENTS_EDUCATION_DETAILS.operation,
            "student",
            r.id.clone(),
            r.describe(),
        );
        w.consequence = "education details record skipped: its student is listed without UPN, \
                         year group or enrolment"
            .to_owned();
        d.report(w)?;
    }
    Ok(())
}

/// A student filter as GO's numeric id.
fn student_filter(id: Option<&String>) -> Result<Option<i64>> {
    id.map(|s| {
        s.trim().parse::<i64>().map_err(|_| {
            Error::invalid_input(format!(
                "student id {s:?} is not a GO 4 Schools student id (a number)"
            ))
            .with_vendor(VENDOR)
        })
    })
    .transpose()
}

fn flatten<I>(
    s: impl futures::Stream<Item = Result<I>> + Send + 'static,
) -> BoxStream<'static, Result<I::Item>>
where
    I: IntoIterator,
    I::IntoIter: Send + 'static,
    I::Item: Send + 'static,
{
    s.map_ok(|items| stream::iter(items.into_iter().map(Ok)))
        .try_flatten()
        .boxed()
}

/// One date's marks as they came off the wire, checked (undecodable records and bad
/// sessions already reported) but not yet converted: each becomes an [`AttendanceMark`] only
/// when the stream reaches it.
///
/// The attendance stream fetches [`DAYS_IN_FLIGHT`] dates ahead, and on a lesson-mark day a
/// large school sends tens of thousands of marks. Held in wire form a mark is a flat record
/// of ids (about 100 bytes); converted it is a model record with five owned strings (about
/// 350 bytes with its allocations), so converting as the caller reads keeps the days
/// fetched ahead about three times smaller.
struct DayMarks {
    date: Date,
    codes: Arc<Codes>,
    timetable: Option<Arc<Timetable>>,
    mapper: CodeMapper,
    sessions: std::vec::IntoIter<(Session, wire::SessionMark)>,
    lessons: std::vec::IntoIter<wire::LessonMark>,
}

impl Iterator for DayMarks {
    type Item = AttendanceMark;

    fn next(&mut self) -> Option<AttendanceMark> {
        if let Some((session, m)) = self.sessions.next() {
            return Some(convert::session_mark_in(
                &m,
                session,
                self.date,
                &self.codes.book,
                &self.mapper,
            ));
        }
        let m = self.lessons.next()?;
        let index = self.timetable.as_deref().map(|t| &t.index);
        Some(convert::lesson_mark(
            &m,
            self.date,
            &self.codes.book,
            &self.mapper,
            index,
        ))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.sessions.len() + self.lessons.len();
        (n, Some(n))
    }
}

fn is_closed(calendar: &CalendarMap, date: Date) -> bool {
    calendar
        .get(&date)
        .is_some_and(|d| d.day_type_code == DayType::Closed)
}

/// Year-group labels compared the way GO's paths name them (`R` = `Reception`).
fn same_year_group(a: &str, b: &str) -> bool {
    match (year_group_segment(a), year_group_segment(b)) {
        (Ok(x), Ok(y)) => x == y,
        _ => a.trim().eq_ignore_ascii_case(b.trim()),
    }
}

/// GO 4 Schools as a [`MisProvider`]: the typed [`Client`] underneath, plus the school's time
/// zone, the code mapping and the cached per-year reference data. Cheap to clone: clones
/// share the client (connection pool, rate gate, retry budget) and the cache.
#[derive(Clone)]
pub struct Go4SchoolsProvider {
    client: Client,
    inner: Arc<State>,
}

/// What every clone of a provider shares.
struct State {
    info: ProviderInfo,
    tz: TimeZone,
    mapper: CodeMapper,
    cache: Cache,
    /// See [`Config::leavers_between`].
    leavers: Option<DateRange>,
}

impl Go4SchoolsProvider {
    /// A provider for `config`. Sends nothing. Errors: `InvalidInput` for a bad base URL
    /// override, time zone or API key (never echoing the key).
    pub fn new(config: Config) -> Result<Go4SchoolsProvider> {
        let client = Client::build(&config)?;
        let tz_name = config.time_zone();
        let tz = TimeZone::get(tz_name).map_err(|_| {
            Error::invalid_input(format!(
                "unknown time zone {tz_name:?}: use an IANA name such as Europe/London"
            ))
            .with_vendor(VENDOR)
        })?;
        let mut info = ProviderInfo::new(VENDOR).time_zone(tz_name);
        if let Some(tenant) = config.tenant_name() {
            info = info.tenant(tenant);
        }
        Ok(Go4SchoolsProvider {
            client,
            inner: Arc::new(State {
                info,
                tz,
                mapper: config.mapper().clone(),
                cache: Cache::default(),
                leavers: config.leavers_range(),
            }),
        })
    }

    /// A provider from [`Config::from_env`].
    pub fn from_env() -> Result<Go4SchoolsProvider> {
        Go4SchoolsProvider::new(Config::from_env()?)
    }

    /// The typed client underneath: every documented endpoint, the vendor's own shapes.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// The school's time zone.
    pub fn time_zone(&self) -> &TimeZone {
        &self.inner.tz
    }

    /// Forgets the cached reference data (academic years, codes, calendars, timetables,
    /// event types, UPNs), so the next query fetches them again.
    pub fn clear_cache(&self) {
        self.inner.cache.clear();
    }
}

impl fmt::Debug for Go4SchoolsProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Go4SchoolsProvider")
            .field("client", &self.client)
            .field("info", &self.inner.info)
            .field("code_overrides", &self.inner.mapper.has_overrides())
            .finish_non_exhaustive()
    }
}

impl Go4SchoolsProvider {
    fn today(&self) -> Date {
        jiff::Timestamp::now()
            .to_zoned_datetime(self.inner.tz.clone())
            .date()
    }

    /// The school, cached; `None` when the key may not read it.
    async fn school_cached(&self) -> Result<Option<wire::School>> {
        let cache = self.inner.cache.get();
        cache
            .school
            .get_or_try_init(|| async {
                match self.client.school().await {
                    Ok(s) => Ok(Some(s)),
                    Err(e) if not_allowed(&e) => {
                        tracing::debug!(error = %e, "school details not readable; academic years unknown");
                        Ok(None)
                    }
                    Err(e) => Err(e),
                }
            })
            .await
            .cloned()
    }

    /// The school's current academic year (else the one today falls in).
    async fn current_year(&self) -> Result<i32> {
        let school = self.school_cached().await?;
        Ok(school
            .and_then(|s| s.current_academic_year)
            .and_then(|y| i32::try_from(y).ok())
            .unwrap_or_else(|| academic_year_of(self.today())))
    }

    /// The students of academic year `year`, joined with that year's education details;
    /// records that do not decode are reported to `d` and skipped.
    async fn year_students(&self, year: i32, today: Date, d: &Diagnostics) -> Result<Vec<Student>> {
        let (students, details) = futures::try_join!(
            self.client.students_as::<Lenient<wire::Student>>(year),
            self.education_of(year, false)
        )?;
        let students = keep_good(
            students,
            d,
            VENDOR,
            routes::STUDENTS_LIST.operation,
            "student",
        )?;
        report_rejected_details(&details.rejected, d)?;
        let by_id: HashMap<i64, &wire::EducationDetails> =
            details.rows.iter().map(|d| (d.student_id, d)).collect();
        Ok(students
            .iter()
            .map(|s| convert::student(s, by_id.get(&s.id).copied(), today))
            .collect())
    }

    /// The academic years before `current` whose students a read with `include_leavers`
    /// covers, oldest first: those [`crate::Config::leavers_between`] touches, else every
    /// year the school lists. Only years the school has, when it says which it has.
    async fn leaver_years(&self, current: i32) -> Result<Vec<i32>> {
        let school = self.school_cached().await?;
        let known: Option<HashSet<i32>> = school.map(|s| {
            s.academic_years
                .iter()
                .filter_map(|y| i32::try_from(*y).ok())
                .collect()
        });
        let mut years: Vec<i32> = match (self.inner.leavers, &known) {
            (Some(range), _) => split_by_academic_year(range)
                .into_iter()
                .map(|(y, _)| y)
                .filter(|y| known.as_ref().is_none_or(|k| k.is_empty() || k.contains(y)))
                .collect(),
            (None, Some(k)) => k.iter().copied().collect(),
            (None, None) => {
                tracing::debug!("school details not readable: leavers of earlier years unknown");
                Vec::new()
            }
        };
        years.retain(|y| *y < current);
        years.sort_unstable();
        years.dedup();
        Ok(years)
    }

    /// The parts of `range` in academic years the school has data for.
    async fn plan(&self, range: DateRange) -> Result<Vec<(i32, DateRange)>> {
        let parts = split_by_academic_year(range);
        let Some(school) = self.school_cached().await? else {
            return Ok(parts);
        };
        if school.academic_years.is_empty() {
            return Ok(parts);
        }
        let known: HashSet<i64> = school.academic_years.iter().copied().collect();
        let kept: Vec<(i32, DateRange)> = parts
            .iter()
            .filter(|(y, _)| known.contains(&i64::from(*y)))
            .cloned()
            .collect();
        for (y, _) in parts.iter().filter(|p| !kept.contains(p)) {
            tracing::debug!(
                year = y,
                "the school has no data for this academic year; skipped"
            );
        }
        if kept.is_empty() {
            let mut has: Vec<i64> = school.academic_years.clone();
            has.sort_unstable();
            let names: Vec<String> = has
                .iter()
                .filter_map(|y| i32::try_from(*y).ok())
                .map(academic_year_name)
                .collect();
            return Err(Error::invalid_input(format!(
                "GO 4 Schools has no academic year covering {} to {} (the school has: {})",
                range.from(),
                range.to(),
                names.join(", ")
            ))
            .with_vendor(VENDOR));
        }
        Ok(kept)
    }

    async fn codes_of(&self, year: i32) -> Result<Arc<Codes>> {
        let y = self.inner.cache.get().year(year);
        y.codes
            .get_or_try_init(|| async {
                let raw = self.client.attendance_code_book(year).await?;
                let book = CodeBook::new(&raw);
                Ok(Arc::new(Codes { raw, book }))
            })
            .await
            .cloned()
    }

    async fn calendar_of(&self, year: i32) -> Result<Arc<CalendarMap>> {
        let y = self.inner.cache.get().year(year);
        y.calendar
            .get_or_try_init(|| async {
                let days = self.client.calendar(year).await?;
                Ok(Arc::new(days.into_iter().map(|d| (d.date, d)).collect()))
            })
            .await
            .cloned()
    }

    async fn timetable_of(&self, year: i32) -> Result<Arc<Timetable>> {
        let y = self.inner.cache.get().year(year);
        y.timetable
            .get_or_try_init(|| async {
                let (timetables, classes, teachers, subjects) = futures::join!(
                    self.client.timetables(year),
                    self.client.timetabled_classes(year).try_collect::<Vec<_>>(),
                    self.client.teachers(year),
                    self.client.subjects(year),
                );
                let (timetables, classes) = (timetables?, classes?);
                let (teachers, no_teachers) = optional(
                    teachers,
                    "lesson",
                    "lessons listed without teachers: teachers not readable",
                )?;
                let (subjects, no_subjects) = optional(
                    subjects,
                    "lesson",
                    "lessons listed with subject codes, not names: subjects not readable",
                )?;
                Ok(Arc::new(Timetable {
                    index: TimetableIndex::new(&timetables, &classes, &teachers, &subjects),
                    without: no_teachers.into_iter().chain(no_subjects).collect(),
                }))
            })
            .await
            .cloned()
    }

    async fn event_types_of(&self, year: i32) -> Result<Arc<HashMap<i64, wire::EventType>>> {
        let y = self.inner.cache.get().year(year);
        y.event_types
            .get_or_try_init(|| async {
                let types = self.client.event_types(year).await?;
                Ok(Arc::new(types.into_iter().map(|t| (t.id, t)).collect()))
            })
            .await
            .cloned()
    }

    async fn education_of(&self, year: i32, refresh: bool) -> Result<Arc<Education>> {
        let y = self.inner.cache.get().year(year);
        if !refresh {
            let cached = y
                .education
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .clone();
            if let Some(details) = cached {
                return Ok(details);
            }
        }
        let items: Vec<Lenient<wire::EducationDetails>> =
            self.client.education_details_as(year).try_collect().await?;
        let mut fresh = Education {
            rows: Vec::with_capacity(items.len()),
            rejected: Vec::new(),
        };
        for item in items {
            match item.into_result() {
                Ok(row) => fresh.rows.push(row),
                Err(r) => fresh.rejected.push(r),
            }
        }
        let fresh = Arc::new(fresh);
        *y.education.lock().unwrap_or_else(PoisonError::into_inner) = Some(fresh.clone());
        Ok(fresh)
    }

    /// Staff account id → display name, for behaviour authors; empty (with the warning to
    /// give) when not readable.
    async fn authors(&self) -> Result<Arc<Authors>> {
        let cache = self.inner.cache.get();
        cache
            .authors
            .get_or_try_init(|| async {
                let (list, without) = optional(
                    self.client.staff_accounts().await,
                    "behaviour",
                    "behaviour events listed without authors: staff accounts not readable",
                )?;
                let names = list
                    .into_iter()
                    .filter_map(|s| {
                        let name = s
                            .display_name
                            .clone()
                            .or_else(|| Some(format!("{} {}", s.first()?, s.last()?)))?;
                        Some((s.id, name))
                    })
                    .collect();
                Ok(Arc::new(Authors { names, without }))
            })
            .await
            .cloned()
    }

    /// One date's marks (`sessions`/`lessons` say which registers), of one student or all.
    ///
    /// Lesson marks are read only with a `timetable` to place them. A register the server
    /// will not give for this date (a degradable error) costs that date's marks of that
    /// register, and a register switched off (`off`) the rest of the read's; a mark that does
    /// not decode or convert costs that mark.
    #[allow(clippy::too_many_arguments)] // one date's job: each argument is a different input
    async fn day_marks(
        &self,
        year: i32,
        date: Date,
        codes: Arc<Codes>,
        timetable: Option<Arc<Timetable>>,
        sessions: bool,
        student: Option<i64>,
        d: Diagnostics,
        off: Arc<RegistersOff>,
    ) -> Result<DayMarks> {
        const SESSIONS: &str = routes::ATTENDANCE_SESSION_MARKS.operation;
        const LESSONS: &str = routes::ATTENDANCE_LESSON_MARKS.operation;
        let keep = |id: i64| student.is_none_or(|s| s == id);
        let mapper = &self.inner.mapper;
        let (session_marks, lesson_marks) = futures::join!(
            async {
                if sessions && !off.sessions.load(Ordering::SeqCst) {
                    Some(
                        self.client
                            .session_marks_as::<Lenient<wire::SessionMark>>(year, date)
                            .await,
                    )
                } else {
                    None
                }
            },
            async {
                if timetable.is_some() && !off.lessons.load(Ordering::SeqCst) {
                    Some(
                        self.client
                            .lesson_marks_as::<Lenient<wire::LessonMark>>(year, date)
                            .await,
                    )
                } else {
                    None
                }
            }
        );
        // Whether each register is still part of the read once this date's answers are in:
        // a register switched off when the other is gone too leaves the read nothing.
        let lessons_wanted = timetable.is_some();
        let mut checked = Vec::new();
        if let Some(r) = session_marks {
            let nothing_else = !lessons_wanted || off.lessons.load(Ordering::SeqCst);
            let mut marks = register(
                r,
                &d,
                SESSIONS,
                "session marks",
                date,
                &off,
                &off.sessions,
                nothing_else,
            )?;
            marks.retain(|m| keep(m.student_id));
            checked.reserve_exact(marks.len());
            for m in marks {
                // The one check conversion can fail, done now: a bad mark is reported (or,
                // in strict mode, fails the read) before any of the date's marks are given
                // out, not half-way through them.
                match convert::session_of(&m) {
                    Ok(session) => checked.push((session, m)),
                    Err(e) => d.report(
                        Warning::skipped_record(VENDOR, SESSIONS, "attendance", None, e.message())
                            .student(m.student_id.to_string()),
                    )?,
                }
            }
        }
        let mut lessons = Vec::new();
        if let Some(r) = lesson_marks {
            let nothing_else = !sessions || off.sessions.load(Ordering::SeqCst);
            lessons = register(
                r,
                &d,
                LESSONS,
                "lesson marks",
                date,
                &off,
                &off.lessons,
                nothing_else,
            )?;
            lessons.retain(|m| keep(m.student_id));
        }
        Ok(DayMarks {
            date,
            codes,
            timetable,
            mapper: mapper.clone(),
            sessions: checked.into_iter(),
            lessons: lessons.into_iter(),
        })
    }

    /// One date's behaviour events. Events the server will not give for this date (a
    /// degradable error) cost that date; an event that does not decode costs that event.
    async fn day_events(
        &self,
        year: i32,
        date: Date,
        types: Arc<HashMap<i64, wire::EventType>>,
        authors: Arc<Authors>,
        student: Option<i64>,
        d: Diagnostics,
    ) -> Result<Vec<BehaviourEvent>> {
        const OPERATION: &str = routes::BEHAVIOUR_EVENTS.operation;
        let read: Result<Vec<Lenient<wire::BehaviourEvent>>> = self
            .client
            .behaviour_events_as(year, date)
            .try_collect()
            .await;
        let events = match read {
            Ok(items) => keep_good(items, &d, VENDOR, OPERATION, "behaviour")?,
            // A refusal (403: module disabled, embargo, a permission the key lacks) is the
            // endpoint's answer for this key, not this date's: every date would answer the
            // same, so the read fails with it instead of coming back empty.
            Err(e) if e.kind() == ErrorKind::PermissionDenied => return Err(e),
            Err(e) => {
                d.degrade(e, |e| {
                    warning(
                        e,
                        "behaviour",
                        format!("behaviour events of {date} left out"),
                    )
                })?;
                return Ok(Vec::new());
            }
        };
        Ok(events
            .iter()
            .filter(|e| student.is_none_or(|s| e.student_ids.contains(&s)))
            .filter_map(|e| {
                convert::behaviour_event(e, date, &types, &self.inner.tz, &authors.names)
            })
            .collect())
    }

    async fn write(&self, w: AttendanceWrite) -> Result<WriteReceipt> {
        let invalid = |m: String| {
            Error::invalid_input(m)
                .with_vendor(VENDOR)
                .with_operation("record_attendance")
        };
        if let Some(lesson) = &w.lesson_id {
            return Err(invalid(format!(
                "GO 4 Schools records session (AM/PM) marks only, not lesson {lesson:?}"
            )));
        }
        let session = match w.session {
            Some(Session::Am) => "AM",
            Some(Session::Pm) => "PM",
            None => return Err(invalid("a session (AM or PM) is required".into())),
        };
        let student_id = student_filter(Some(&w.student_id))?.unwrap_or_default();
        let year = academic_year_of(w.date);
        self.plan(DateRange::day(w.date)).await?;
        let codes = self.codes_of(year).await?;
        let Some((mark_id, alias_id)) = codes.book.ids_for(&w.code) else {
            let known: Vec<&str> = codes.book.entries().map(|(_, c, _)| c).collect();
            return Err(invalid(format!(
                "code {:?} is not one of the school's attendance codes for {} ({})",
                w.code,
                academic_year_name(year),
                known.join(" ")
            )));
        };
        // GO identifies the student by UPN on writes; a student added since the cache was
        // filled is looked up once more.
        let upn_of = |details: &[wire::EducationDetails]| {
            details
                .iter()
                .find(|d| d.student_id == student_id)
                .map(|d| d.upn.clone().unwrap_or_default().trim().to_owned())
        };
        let mut upn = upn_of(&self.education_of(year, false).await?.rows);
        if upn.is_none() {
            upn = upn_of(&self.education_of(year, true).await?.rows);
        }
        let upn = match upn {
            Some(u) if !u.is_empty() => u,
            Some(_) => {
                return Err(invalid(format!(
                    "student {student_id} has no UPN, and GO 4 Schools identifies students by UPN \
                     when recording attendance"
                )));
            }
            None => {
                return Err(invalid(format!(
                    "student {student_id} is not in the school's education details for {}",
                    academic_year_name(year)
                )));
            }
        };
        let body = wire::SessionAttendance {
            student_upn: upn,
            date: w.date.to_string(),
            session: session.to_owned(),
            session_mark_id: mark_id,
            session_mark_alias_id: alias_id,
            session_minutes_late: w.minutes_late,
            session_notes: w.note.clone(),
            student_mis_id: None,
        };
        self.client.record_session_attendance(year, &body).await?;
        Ok(WriteReceipt::Applied { id: None })
    }
}

/// What the GO 4 Schools provider supports, known before any request (the same for every
/// key: a module the key may not read is found out per query, not here).
pub fn capabilities() -> Capabilities {
    let mut c = Capabilities::default();
    c.students = true;
    c.attendance_sessions = true;
    c.attendance_lessons = true;
    c.attendance_days = false;
    c.timetable = true;
    c.behaviour = true;
    c.staff = true;
    c.groups = true;
    c.academic_years = true;
    c.attendance_codes = true;
    c.homework = false;
    c.detentions = false;
    c.write_attendance = true;
    c.filter_student = true;
    c.filter_year_group = true;
    c.filter_leavers = true;
    c
}

#[async_trait]
impl MisProvider for Go4SchoolsProvider {
    fn info(&self) -> &ProviderInfo {
        &self.inner.info
    }

    fn capabilities(&self) -> Capabilities {
        capabilities()
    }

    fn students(&self, q: StudentQuery) -> BoxStream<'static, Result<Student>> {
        let provider = self.clone();
        flatten(stream::once(async move {
            let year = provider.current_year().await?;
            let today = provider.today();
            let d = &q.diagnostics;
            let mut out = provider.year_students(year, today, d).await?;
            if q.include_leavers {
                // Students who left before this year are only in the years they were on
                // roll: the latest year a student appears in describes them.
                let mut seen: HashSet<String> = out.iter().map(|s| s.id.clone()).collect();
                for past in provider.leaver_years(year).await?.into_iter().rev() {
                    let students = match provider.year_students(past, today, d).await {
                        Ok(s) => s,
                        Err(e) if e.is_degradable() || e.vendor_code().is_some() => {
                            d.report(warning(
                                &e,
                                "student",
                                format!(
                                    "leavers of {} left out: that year's students not readable",
                                    academic_year_name(past)
                                ),
                            ))?;
                            continue;
                        }
                        Err(e) => return Err(e),
                    };
                    for mut s in students {
                        if seen.insert(s.id.clone()) {
                            // Not on this year's roll, whatever that year's record said.
                            s.enrolment_status = Some(EnrolmentStatus::Leaver);
                            out.push(s);
                        }
                    }
                }
            }
            Ok(out
                .into_iter()
                .filter(|s| {
                    q.include_leavers || s.enrolment_status != Some(EnrolmentStatus::Leaver)
                })
                .filter(|s| {
                    q.year_group.as_deref().is_none_or(|want| {
                        s.year_group
                            .as_deref()
                            .is_some_and(|have| same_year_group(have, want))
                    })
                })
                .collect::<Vec<_>>())
        }))
    }

    fn attendance(&self, q: AttendanceQuery) -> BoxStream<'static, Result<AttendanceMark>> {
        let (sessions, lessons) = match q.slot {
            None => (true, true),
            Some(Slot::Session) => (true, false),
            Some(Slot::Lesson) => (false, true),
            Some(_) => {
                return mis_core::unsupported_stream(VENDOR, "attendance (day registers)");
            }
        };
        let student = match student_filter(q.student_id.as_ref()) {
            Ok(s) => s,
            Err(e) => return stream::once(async { Err(e) }).boxed(),
        };
        let provider = self.clone();
        let range = q.range;
        let diagnostics = q.diagnostics;
        let off = Arc::new(RegistersOff::default());
        let planner = provider.clone();
        let jobs = stream::once(async move { planner.plan(range).await })
            .map_ok(|parts| stream::iter(parts.into_iter().map(Ok)))
            .try_flatten()
            .and_then({
                let provider = provider.clone();
                let d = diagnostics.clone();
                move |(year, part)| {
                    let provider = provider.clone();
                    let d = d.clone();
                    async move {
                        // Attendance needs only attendance: the code book is required; the
                        // calendar only spares requests for closed dates, and the timetable
                        // only places lesson marks.
                        let (codes, calendar) =
                            futures::join!(provider.codes_of(year), provider.calendar_of(year));
                        let codes = codes?;
                        let calendar = match calendar {
                            Ok(c) => c,
                            Err(e) if e.is_degradable() || part_off(&e) => {
                                tracing::debug!(error = %e, "calendar not readable; every date is asked for");
                                Arc::default()
                            }
                            Err(e) => return Err(e),
                        };
                        let timetable = if lessons {
                            match provider.timetable_of(year).await {
                                Ok(t) => Some(t),
                                // A lesson-only read has nothing left without the timetable.
                                Err(e) if !sessions => return Err(e),
                                Err(e) => {
                                    degrade_part(&d, e, |e| {
                                        warning(
                                            e,
                                            "attendance",
                                            "lesson marks left out: timetable not readable",
                                        )
                                    })?;
                                    None
                                }
                            }
                        } else {
                            None
                        };
                        let jobs: Vec<Result<_>> = part
                            .days()
                            .filter(|d| !is_closed(&calendar, *d))
                            .map(|d| Ok((year, d, codes.clone(), timetable.clone())))
                            .collect();
                        Ok(stream::iter(jobs))
                    }
                }
            })
            .try_flatten();
        flatten(
            jobs.map_ok(move |(year, date, codes, timetable)| {
                let provider = provider.clone();
                let d = diagnostics.clone();
                let off = off.clone();
                async move {
                    provider
                        .day_marks(year, date, codes, timetable, sessions, student, d, off)
                        .await
                }
            })
            .try_buffered(DAYS_IN_FLIGHT),
        )
    }

    fn timetable(&self, q: TimetableQuery) -> BoxStream<'static, Result<Lesson>> {
        let student = match student_filter(q.student_id.as_ref()) {
            Ok(s) => s,
            Err(e) => return stream::once(async { Err(e) }).boxed(),
        };
        let provider = self.clone();
        let range = q.range;
        let diagnostics = q.diagnostics;
        let planner = provider.clone();
        flatten(
            stream::once(async move { planner.plan(range).await })
                .map_ok(|parts| stream::iter(parts.into_iter().map(Ok)))
                .try_flatten()
                .and_then(move |(year, part)| {
                    let provider = provider.clone();
                    let d = diagnostics.clone();
                    async move {
                        let (timetable, calendar) = futures::try_join!(
                            provider.timetable_of(year),
                            provider.calendar_of(year)
                        )?;
                        for w in &timetable.without {
                            d.report(w.clone())?;
                        }
                        let index = &timetable.index;
                        let days: Vec<wire::CalendarDay> = calendar
                            .range(part.from()..=part.to())
                            .map(|(_, d)| d.clone())
                            .collect();
                        match student {
                            None => index.lessons(&days, &provider.inner.tz, None),
                            Some(id) => {
                                let mine: Vec<wire::StudentClass> = provider
                                    .client
                                    .student_classes(year)
                                    .try_filter(|s| futures::future::ready(s.student_id == id))
                                    .map_ok(|s| s.classes)
                                    .try_concat()
                                    .await?;
                                let sid = id.to_string();
                                index.lessons(&days, &provider.inner.tz, Some((&sid, &mine)))
                            }
                        }
                    }
                }),
        )
    }

    fn behaviour(&self, q: BehaviourQuery) -> BoxStream<'static, Result<BehaviourEvent>> {
        let student = match student_filter(q.student_id.as_ref()) {
            Ok(s) => s,
            Err(e) => return stream::once(async { Err(e) }).boxed(),
        };
        let provider = self.clone();
        let range = q.range;
        let diagnostics = q.diagnostics;
        let planner = provider.clone();
        let d = diagnostics.clone();
        let jobs = stream::once(async move {
            let (parts, authors) = futures::try_join!(planner.plan(range), planner.authors())?;
            // Once per read, whatever the number of academic years.
            if let Some(w) = &authors.without {
                d.report(w.clone())?;
            }
            Ok(parts.into_iter().map(move |p| Ok((p, authors.clone()))))
        })
        .map_ok(stream::iter)
        .try_flatten()
        .and_then({
            let provider = provider.clone();
            move |((year, part), authors)| {
                let provider = provider.clone();
                async move {
                    let types = provider.event_types_of(year).await?;
                    // Every date, closed ones included: a trip or residential records
                    // behaviour on a day the calendar marks closed (issue 14).
                    let jobs: Vec<Result<_>> = part
                        .days()
                        .map(|d| Ok((year, d, types.clone(), authors.clone())))
                        .collect();
                    Ok(stream::iter(jobs))
                }
            }
        })
        .try_flatten();
        flatten(
            jobs.map_ok(move |(year, date, types, authors)| {
                let provider = provider.clone();
                let d = diagnostics.clone();
                async move {
                    provider
                        .day_events(year, date, types, authors, student, d)
                        .await
                }
            })
            .try_buffered(DAYS_IN_FLIGHT),
        )
    }

    fn staff(&self) -> BoxStream<'static, Result<Staff>> {
        let provider = self.clone();
        flatten(stream::once(async move {
            let year = provider.current_year().await?;
            Ok(provider
                .client
                .teachers(year)
                .await?
                .iter()
                .map(convert::staff)
                .collect::<Vec<_>>())
        }))
    }

    fn groups(&self) -> BoxStream<'static, Result<Group>> {
        let provider = self.clone();
        flatten(stream::once(async move {
            let year = provider.current_year().await?;
            let (groups, students, teachers, subjects, details) = futures::try_join!(
                provider.client.teaching_groups(year),
                provider.client.group_students(year),
                provider.client.group_teachers(year),
                provider.client.subjects(year),
                provider.education_of(year, false),
            )?;
            // A reference list is strict: a record it cannot decode ends the read.
            if let Some(r) = details.rejected.first() {
                return Err(Error::decode(
                    VENDOR,
                    routes::STUDENTS_EDUCATION_DETAILS.operation,
                    format!(
                        "an education details record did not decode: {}",
                        r.describe()
                    ),
                    DecodeDetail::new(r.path.clone(), b""),
                ));
            }
            let mut out = convert::teaching_groups(&groups, &students, &teachers, &subjects);
            out.extend(convert::derived_groups(&details.rows));
            Ok(out)
        }))
    }

    /// Terms derived from each academic year's calendar ([`convert::calendar::terms`]): GO
    /// 4 Schools publishes no term dates. Every year the school lists (the current one when
    /// the school details are not readable), oldest first.
    fn terms(&self) -> BoxStream<'static, Result<Term>> {
        let provider = self.clone();
        flatten(stream::once(async move {
            let mut years: Vec<i32> = match provider.school_cached().await? {
                Some(school) if !school.academic_years.is_empty() => school
                    .academic_years
                    .iter()
                    .filter_map(|y| i32::try_from(*y).ok())
                    .collect(),
                _ => vec![provider.current_year().await?],
            };
            years.sort_unstable();
            years.dedup();
            let mut out = Vec::new();
            for year in years {
                let calendar = provider.calendar_of(year).await?;
                let days: Vec<wire::CalendarDay> = calendar.values().cloned().collect();
                out.extend(convert::calendar::terms(year, &days));
            }
            Ok(out)
        }))
    }

    fn academic_years(&self) -> BoxStream<'static, Result<AcademicYear>> {
        let provider = self.clone();
        flatten(stream::once(async move {
            let school = provider.client.school().await?;
            let mut years: Vec<i64> = school.academic_years;
            years.sort_unstable();
            years.dedup();
            years
                .into_iter()
                .map(|y| {
                    let y = i32::try_from(y).map_err(|_| {
                        Error::invalid_input(format!("academic year {y} is out of range"))
                    })?;
                    convert::academic_year(y)
                })
                .collect::<Result<Vec<_>>>()
        }))
    }

    fn attendance_codes(&self) -> BoxStream<'static, Result<AttendanceCode>> {
        let provider = self.clone();
        flatten(stream::once(async move {
            let year = provider.current_year().await?;
            let codes = provider.codes_of(year).await?;
            let first_day = convert::academic_year_range(year)?.from();
            Ok(codes
                .raw
                .iter()
                .map(|c| convert::attendance_code(c, first_day, &provider.inner.mapper))
                .collect::<Vec<_>>())
        }))
    }

    async fn record_attendance(&self, w: AttendanceWrite) -> Result<WriteReceipt> {
        self.write(w).await
    }
}
