//! [`ManageBacProvider`], the [`MisProvider`]: the normalised model over ManageBac's
//! endpoints, read through the typed [`Client`].
//!
//! What each operation reads (all lazily, as the stream is polled). Reference data — academic
//! years, calendars, categories, year groups, teachers, the class lists, each class's
//! timetable, the student lists, a student's memberships — is read once per run and shared by
//! the reads of the run ([`Config::reuse_for`](crate::Config::reuse_for)), so a
//! school-week costs about its floor (issue 16: the current classes' timetables, one register
//! per class per day it meets, one per year group per school day, the lists' pages).
//!
//! Classes: the current ones; the archived ones only when the range starts before the current
//! term (the earliest term marked `active`); then only those whose terms overlap the range.
//! For one student, their classes come from `GET /memberships?user_ids[]=…` (one listing),
//! falling back to `GET /classes/{id}/students?student_ids=…` per class when memberships are
//! not readable. Class timetables are read concurrently (the rate gate paces them).
//!
//! - **students**: `GET /year-groups` (to name year groups), then `GET /students` with
//!   `archived=false`, and again with `archived=true` when leavers are asked for, page by page
//!   as the stream is polled (a list read to its end is kept for the run). A year-group
//!   filter is resolved to its id by name (`name`, `short_name` or `grade`).
//! - **attendance**: the academic years of every program, their calendars (to skip days a
//!   calendar leaves out) and attendance categories (to resolve statuses), then
//!   - `day` marks: `GET /year-groups/{id}/homeroom/attendance/date/{date}` per year group
//!     per school day;
//!   - `lesson` marks: `GET /classes/{id}/attendance/date/{date}` per class on the days its
//!     timetable meets (`GET /classes/{id}/timetable` over the calendar's rotation days); a
//!     class whose timetable has no slots meets on no day and costs no register read;
//!   - `GET /students/excusals/{date}` once per date that has an absence: a parent's excusal
//!     makes it an authorised absence. Excusals that cannot be read (403/404: one warning
//!     per read; another degradable error: one per date, "absences … not checked against
//!     parent excusals") leave the absences as the register has them.
//! - **timetable** and **behaviour** first settle the school's zone: the configured one, else
//!   `GET /school`'s `timezone`, else `Europe/London` with one warning (entity `school`,
//!   "times and dates placed in Europe/London …").
//! - **timetable**: teachers (for names), classes, each class's timetable, expanded over the
//!   program calendar's rotation days with the configured bell times.
//! - **behaviour**: the current students (to turn the school's `student_id` on notes into
//!   ManageBac ids; the archived ones only once a note names a student the current list does
//!   not know), then `GET /behavior/notes?modified_since=<start of the range>` — a note cannot have been
//!   last changed before the incident it records \[I\] — keeping the notes dated in the range.
//!   A note whose student is not among the school's students is skipped with a warning
//!   (`NotFound`, "behaviour note skipped: its student is not known").
//!   For one student, when the run does not hold the list, their record
//!   (`GET /students/{id}`) places their notes instead (the lists when it cannot be read).
//! - **record_attendance**: `PUT /students/{id}/set_homeroom_attendance` with the status
//!   checked against the categories of the academic year holding the date.
//! - **school_profile**: `GET /school`, one request: the school's name and its `timezone`
//!   (none when the school set none); the record has no roll count (the roll is given only
//!   when the run holds the students' list).
//!
//! Partial results (the query's [`Diagnostics`]; fatal errors — credentials, quota, outage —
//! still end the read):
//!
//! - a student or behaviour-note record that does not decode is skipped with a
//!   `… record skipped` warning naming its id (behaviour matches notes through the students'
//!   identifying fields only, so a student corrupt elsewhere is still matched);
//! - `GET /year-groups` failing (e.g. 403, a token without `year_groups/index`): students are
//!   listed without year group, one warning with no ids, reported after the listing; with a
//!   year-group filter the error stays the read's error. Day registers are then found through
//!   the students' `year_group_id`: a student whose record does not decode and whom no
//!   register listed is named;
//! - one class's timetable or register failing (404, 403, a body that does not decode) costs
//!   that class: one warning per member student naming the class (`record_id`) and the
//!   student; a class that is gone or closed is reported once, not once per date. In the
//!   timetable, one warning per class.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use async_trait::async_trait;
use futures::stream::{self, BoxStream, StreamExt, TryStreamExt};
use jiff::civil::Date;
use jiff::tz::TimeZone;
use mis_core::codes::CodeMapper;
use mis_core::{
    AcademicYear, AttendanceCategory, AttendanceCode, AttendanceMark, AttendanceQuery,
    AttendanceWrite, BehaviourEvent, BehaviourQuery, Capabilities, DateRange, Diagnostics, Error,
    ErrorKind, Group, Lesson, MisProvider, ProviderInfo, Result, SchoolProfile, Slot, Staff,
    Student, StudentQuery, Term, TimetableQuery, Warning, WriteReceipt,
};
use mis_http::Lenient;

use crate::VENDOR;
use crate::client::{BehaviorNoteFilter, Client, PersonFilter, StudentFilter};
use crate::config::{Config, ENV_TIME_ZONE, FALLBACK_TIME_ZONE, PeriodTimes, PolarityMap};
use crate::convert::attendance::{Categories, day_mark, excuse, lesson_marks};
use crate::convert::behaviour::{StudentIndex, event};
use crate::convert::codes::codes;
use crate::convert::timetable::{ClassInfo, RotationCalendar, lessons};
use crate::convert::{calendar, date, group, staff, student};
use crate::wire::{self, HomeroomAttendance, Id};

mod plan;

/// How many register requests are in flight at once (the rate gate still paces them).
const IN_FLIGHT: usize = 4;

/// ManageBac as a [`MisProvider`]: the normalised model over the typed [`Client`]. Cheap to
/// clone; clones share the client (token, connection pool, rate gate), the school's time
/// zone once read and what one run reads once (see the module docs).
///
/// ```no_run
/// # async fn demo() -> mis_core::Result<()> {
/// use futures::TryStreamExt;
/// use mis_core::{MisProvider, StudentQuery};
/// use mis_managebac::{Config, ManageBacProvider};
///
/// let provider = ManageBacProvider::new(Config::from_env()?)?;
/// let students: Vec<_> = provider.students(StudentQuery::new()).try_collect().await?;
/// // The vendor's own records, through the same client:
/// let school = provider.client().school().await?;
/// # let _ = (students, school); Ok(()) }
/// ```
#[derive(Clone)]
pub struct ManageBacProvider {
    client: Client,
    state: Arc<State>,
}

/// What the provider adds to the client: how to read the school's records.
struct State {
    info: ProviderInfo,
    mapper: CodeMapper,
    /// The configured zone; `None`: the school record's (see `school_zone`).
    tz: Option<TimeZone>,
    /// The school record's zone once read (`None` inside: the record names none).
    school_tz: std::sync::Mutex<Option<Option<TimeZone>>>,
    period_times: PeriodTimes,
    polarity: PolarityMap,
    /// How long `cache` keeps an answer.
    reuse: std::time::Duration,
    /// What one run reads once (`plan`).
    cache: plan::RunCache,
}

impl ManageBacProvider {
    /// The provider for the school in `config`. Nothing is sent until the first read.
    ///
    /// Errors: `InvalidInput` for a base URL, token, time zone or page size that cannot be
    /// used.
    pub fn new(config: Config) -> Result<ManageBacProvider> {
        let client = Client::new(config.clone())?;
        ManageBacProvider::with_client(client, &config)
    }

    /// The provider over an existing `client` (sharing its connection pool and rate gate),
    /// reading the school's records as `config` says (time zone, bell times, category and
    /// behaviour mapping, reuse, tenant label). `config`'s connection settings are not used.
    pub fn with_client(client: Client, config: &Config) -> Result<ManageBacProvider> {
        let zone = config.options().time_zone();
        let tz = zone
            .map(|zone| {
                TimeZone::get(zone).map_err(|_| {
                    Error::invalid_input(format!("{zone:?} is not a known IANA time zone"))
                })
            })
            .transpose()?;
        let mut info = ProviderInfo::new(VENDOR).time_zone(zone.unwrap_or(FALLBACK_TIME_ZONE));
        if let Some(tenant) = config.tenant_name() {
            info = info.tenant(tenant);
        }
        Ok(ManageBacProvider {
            client,
            state: Arc::new(State {
                info,
                mapper: config.mapper().clone(),
                tz,
                school_tz: std::sync::Mutex::new(None),
                period_times: config.bell_times().clone(),
                polarity: config.polarity().clone(),
                reuse: config.reuse(),
                cache: plan::RunCache::default(),
            }),
        })
    }

    /// The typed client underneath: the vendor's own records and endpoints.
    pub fn client(&self) -> &Client {
        &self.client
    }
}

impl std::fmt::Debug for ManageBacProvider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ManageBacProvider")
            .field("client", &self.client)
            .field("info", &self.state.info)
            .finish_non_exhaustive()
    }
}

/// Every program's academic years, calendars and attendance categories.
struct SchoolYears {
    /// (program code, year), in the vendor's order.
    years: Vec<(String, wire::AcademicYear)>,
    /// Program code → its calendars (of the years overlapping the range asked for).
    calendars: BTreeMap<String, RotationCalendar>,
    /// Every calendar together, for records whose program is unknown.
    all_days: RotationCalendar,
    /// Academic year → its categories.
    categories: BTreeMap<Id, Categories>,
}

impl SchoolYears {
    /// The calendar of `program`, or all of them.
    fn calendar(&self, program: Option<&str>) -> &RotationCalendar {
        program
            .and_then(|p| self.calendars.get(p))
            .unwrap_or(&self.all_days)
    }

    /// The year of `program` (else of any program) holding `date`.
    fn year_of(&self, program: Option<&str>, date: Date) -> Option<Id> {
        let holds = |y: &wire::AcademicYear| {
            let start = crate::convert::date(y.starts_on.as_deref());
            let end = crate::convert::date(y.ends_on.as_deref());
            start.is_some_and(|s| s <= date) && end.is_some_and(|e| date <= e)
        };
        self.years
            .iter()
            .find(|(p, y)| Some(p.as_str()) == program && holds(y))
            .or_else(|| self.years.iter().find(|(_, y)| holds(y)))
            .map(|(_, y)| y.id)
    }

    /// The first day of the current term: the earliest start of a term marked `active`
    /// (several programs may each have one). `None` when no term says it is current.
    fn current_term_start(&self) -> Option<Date> {
        self.years
            .iter()
            .flat_map(|(_, y)| &y.academic_terms)
            .filter(|t| t.active == Some(true))
            .filter_map(|t| date(t.starts_on.as_deref()))
            .min()
    }

    /// Whether `class` may meet in `range`: false only when both its first and last terms
    /// are known and the days from the first's start to the last's end miss the range.
    fn class_may_meet(&self, class: &wire::Class, range: DateRange) -> bool {
        let term = |id: Option<Id>| {
            let id = id?;
            self.years
                .iter()
                .flat_map(|(_, y)| &y.academic_terms)
                .find(|t| t.id == id)
        };
        let start = term(class.start_term_id).and_then(|t| date(t.starts_on.as_deref()));
        let end = term(class.end_term_id).and_then(|t| date(t.ends_on.as_deref()));
        match (start, end) {
            (Some(start), Some(end)) => start <= range.to() && range.from() <= end,
            _ => true,
        }
    }

    /// The categories that apply to a record of `program` on `date` (built-ins only when
    /// no year holds the date).
    fn categories_for(&self, program: Option<&str>, date: Date) -> Categories {
        self.year_of(program, date)
            .and_then(|y| self.categories.get(&y).cloned())
            .unwrap_or_default()
    }
}

/// One date's excusals: read under the lock by the first register of the date that needs
/// them, then shared.
type DateSlot = Arc<futures::lock::Mutex<Option<Arc<Vec<wire::Excusal>>>>>;

/// Parent excusals by date for one attendance read: a date is read
/// (`GET /students/excusals/{date}`) only when one of its marks is an absence to check, and
/// once, however many registers that date has.
struct ExcusalBook {
    client: Client,
    /// The students the read is for (empty: everyone).
    only: Vec<Id>,
    diagnostics: Diagnostics,
    by_date: std::sync::Mutex<BTreeMap<Date, DateSlot>>,
    /// Set once the endpoint answered 404 or 403 (no such endpoint, or a token without
    /// `students/excusals/index`): reported once, not asked again in this read.
    unavailable: std::sync::atomic::AtomicBool,
}

impl ExcusalBook {
    /// Turns the absences among `marks` (all of `date`) that a parent's approved excusal
    /// covers into authorised absences (see [`excuse`]).
    async fn apply(&self, date: Date, marks: &mut [AttendanceMark]) -> Result<()> {
        if !marks
            .iter()
            .any(|m| m.category == AttendanceCategory::UnauthorisedAbsence)
        {
            return Ok(());
        }
        let excusals = self.on(date).await?;
        for m in marks.iter_mut() {
            excuse(m, &excusals);
        }
        Ok(())
    }

    async fn on(&self, date: Date) -> Result<Arc<Vec<wire::Excusal>>> {
        use std::sync::atomic::Ordering;
        if self.unavailable.load(Ordering::SeqCst) {
            return Ok(Arc::default());
        }
        let slot = lock(&self.by_date).entry(date).or_default().clone();
        let mut held = slot.lock().await;
        if let Some(list) = held.as_ref() {
            return Ok(list.clone());
        }
        let list = match self
            .client
            .excusals_on(date, &self.only)
            .try_collect::<Vec<_>>()
            .await
        {
            Ok(list) => Arc::new(list),
            // Without excusals the marks stay as the register has them: absences are
            // reported unexcused, and the warning says they were not checked.
            Err(e) => {
                let whole = matches!(e.kind(), ErrorKind::NotFound | ErrorKind::PermissionDenied);
                if whole && self.unavailable.swap(true, Ordering::SeqCst) {
                    return Ok(Arc::default());
                }
                let consequence = if whole {
                    "absences not checked against parent excusals: excusals not readable".to_owned()
                } else {
                    format!("absences on {date} not checked against parent excusals")
                };
                self.diagnostics.degrade(e, |e| {
                    Warning::from_error(e, "attendance", consequence).vendor(VENDOR)
                })?;
                Arc::default()
            }
        };
        *held = Some(list.clone());
        Ok(list)
    }
}

impl ManageBacProvider {
    /// The school's time zone: the configured one; else the school record's `timezone`
    /// (`GET /school`, read once per client); else [`FALLBACK_TIME_ZONE`] with a warning on
    /// `diagnostics` saying the times and dates of this read assume it. A school record that
    /// cannot be read (a degradable error) is the same fallback, with that error's warning.
    pub(crate) async fn school_zone(&self, diagnostics: &Diagnostics) -> Result<TimeZone> {
        if let Some(tz) = &self.state.tz {
            return Ok(tz.clone());
        }
        let cached = lock(&self.state.school_tz).clone();
        let found = match cached {
            Some(found) => found,
            None => {
                let found = match self.client.school().await {
                    Ok(school) => school
                        .timezone
                        .as_deref()
                        .map(str::trim)
                        .filter(|z| !z.is_empty())
                        .and_then(|z| match TimeZone::get(z) {
                            Ok(tz) => Some(tz),
                            Err(_) => {
                                tracing::debug!(
                                    "the school record's time zone is not an IANA name"
                                );
                                None
                            }
                        }),
                    Err(e) => {
                        diagnostics.degrade(e, |e| {
                            Warning::from_error(e, "school", fallback_consequence()).vendor(VENDOR)
                        })?;
                        // Not cached: the next read asks again.
                        return fallback_zone();
                    }
                };
                *lock(&self.state.school_tz) = Some(found.clone());
                found
            }
        };
        match found {
            Some(tz) => Ok(tz),
            None => {
                let e = Error::new(
                    ErrorKind::NotFound,
                    "the school record names no time zone (no `timezone` field)",
                )
                .with_vendor(VENDOR)
                .with_operation("school.show");
                diagnostics.report(
                    Warning::from_error(&e, "school", fallback_consequence()).vendor(VENDOR),
                )?;
                fallback_zone()
            }
        }
    }

    /// Year group id → name, over every year group.
    async fn year_group_names(&self) -> Result<(Vec<wire::YearGroup>, BTreeMap<Id, String>)> {
        let groups: Vec<wire::YearGroup> = self.run_year_groups().await?.to_vec();
        let names = groups
            .iter()
            .map(|g| {
                let name = crate::convert::text(g.name.as_deref()).unwrap_or_else(|| g.id.text());
                (g.id, name)
            })
            .collect();
        Ok((groups, names))
    }

    /// Every class, current and archived.
    async fn all_classes(&self) -> Result<Vec<wire::Class>> {
        let mut classes: Vec<wire::Class> = self.run_classes(false).await?.to_vec();
        let known: BTreeSet<Id> = classes.iter().map(|c| c.id).collect();
        let archived = self.run_classes(true).await?;
        classes.extend(archived.iter().filter(|c| !known.contains(&c.id)).cloned());
        Ok(classes)
    }

    /// The classes that may meet in `range`: the current ones, and the archived ones only
    /// when the range reaches back before the current term (a class is archived when its
    /// last term is over, so no archived class meets from the current term on); then only
    /// those whose terms (`start_term_id`..`end_term_id`) overlap the range, when the terms
    /// are known. For `student`, only their classes ([`Client::classes_of`]).
    async fn classes_in(
        &self,
        range: DateRange,
        years: &SchoolYears,
        student: Option<Id>,
        diagnostics: &Diagnostics,
        what: &str,
    ) -> Result<Vec<wire::Class>> {
        let mut classes: Vec<wire::Class> = self.run_classes(false).await?.to_vec();
        if years
            .current_term_start()
            .is_none_or(|start| range.from() < start)
        {
            let known: BTreeSet<Id> = classes.iter().map(|c| c.id).collect();
            let archived = self.run_classes(true).await?;
            classes.extend(archived.iter().filter(|c| !known.contains(&c.id)).cloned());
        }
        classes.retain(|c| years.class_may_meet(c, range));
        match student {
            Some(s) => self.classes_of(classes, s, diagnostics, what).await,
            None => Ok(classes),
        }
    }

    /// Each class's timetable, read concurrently ([`IN_FLIGHT`] at a time, the rate gate
    /// pacing them) and once per run: attendance and timetable share them.
    async fn timetables_of(
        &self,
        classes: Vec<wire::Class>,
    ) -> Vec<(wire::Class, Result<Arc<wire::ClassTimetable>>)> {
        stream::iter(classes)
            .map(|class| async move {
                let t = self.run_timetable(class.id).await;
                (class, t)
            })
            .buffered(IN_FLIGHT)
            .collect()
            .await
    }

    /// The classes `student` is a member of, out of `classes`: from the student's
    /// memberships (`GET /memberships?user_ids[]=…`, one listing). When those cannot be read
    /// (a token without `memberships/index`, an older tenant), each class is asked
    /// (`GET /classes/{id}/students?student_ids=…`); a class whose membership cannot be read
    /// then (a degradable error) is left out with a warning naming the class and the student;
    /// `what` says what the read loses with it.
    async fn classes_of(
        &self,
        mut classes: Vec<wire::Class>,
        student: Id,
        diagnostics: &Diagnostics,
        what: &str,
    ) -> Result<Vec<wire::Class>> {
        match self.run_memberships(student).await {
            Ok(member_of) => {
                classes.retain(|c| member_of.binary_search(&c.id).is_ok());
                return Ok(classes);
            }
            Err(e) if e.is_degradable() => {
                tracing::debug!(error = %e, "memberships not readable; asking each class");
            }
            Err(e) => return Err(e),
        }
        let mut out = Vec::new();
        for class in classes {
            match self
                .client
                .class_students_page(class.id, Some(true), &[student], 1)
                .await
            {
                Ok(page) if page.items.contains(&student) => out.push(class),
                Ok(_) => {}
                Err(e) => diagnostics.degrade(e, |e| {
                    Warning::from_error(
                        e,
                        "class",
                        format!("{what} of this class left out: its students are not readable"),
                    )
                    .vendor(VENDOR)
                    .record(class.id.text())
                    .student(student.text())
                })?,
            }
        }
        Ok(out)
    }

    /// Reports that a read loses `what` of `class` because of `error` (degradable, checked
    /// by the caller): one warning per student of the class (restricted to `only` when the
    /// read is for some students), naming the class and the student, so a caller knows whose
    /// marks are missing. The class's students are read only on this path. When they cannot
    /// be read either, one warning without ids names the class in its consequence.
    async fn report_class_loss(
        &self,
        class: Id,
        only: &[Id],
        error: &Error,
        diagnostics: &Diagnostics,
        what: &str,
    ) -> Result<()> {
        let consequence = format!("{what} of this class left out");
        let members: Result<Vec<Id>> = self
            .client
            .class_students(class, Some(true))
            .try_collect()
            .await;
        match members {
            Ok(mut members) => {
                if !only.is_empty() {
                    members.retain(|m| only.contains(m));
                }
                if members.is_empty() {
                    return diagnostics.report(
                        Warning::from_error(error, "class", consequence)
                            .vendor(VENDOR)
                            .record(class.text()),
                    );
                }
                for m in members {
                    diagnostics.report(
                        Warning::from_error(error, "class", consequence.clone())
                            .vendor(VENDOR)
                            .record(class.text())
                            .student(m.text()),
                    )?;
                }
                Ok(())
            }
            Err(e) if e.is_degradable() => diagnostics.report(
                Warning::from_error(
                    error,
                    "class",
                    format!("{what} of class {class} left out (its students are not readable)"),
                )
                .vendor(VENDOR),
            ),
            Err(e) => Err(e),
        }
    }

    /// The year groups with a homeroom register, found through the students' `year_group_id`
    /// when `GET /year-groups` itself failed (e.g. a token without `year_groups/index`).
    /// Also returns the students whose record did not decode: their year group is unknown.
    async fn year_groups_of_students(
        &self,
    ) -> Result<(Vec<wire::YearGroup>, Vec<mis_http::Rejected>)> {
        let mut ids = BTreeSet::new();
        let mut rejected = Vec::new();
        for archived in [false, true] {
            for row in self.run_students(archived).await?.iter() {
                match &row.record {
                    Lenient::Ok(s) => ids.extend(s.year_group_id),
                    Lenient::Rejected(r) => rejected.push(r.clone()),
                }
            }
        }
        let groups = ids
            .into_iter()
            .map(|id| wire::YearGroup {
                id,
                ..wire::YearGroup::default()
            })
            .collect();
        Ok((groups, rejected))
    }

    /// Academic years of every program; calendars of those overlapping `range`; categories
    /// of those when `with_categories`.
    async fn school_years(&self, range: DateRange, with_categories: bool) -> Result<SchoolYears> {
        let grouped = self.run_years().await?;
        let mut years = Vec::new();
        for (program, list) in grouped.iter() {
            for y in list {
                years.push((program.clone(), y.clone()));
            }
        }
        let overlaps = |y: &wire::AcademicYear| {
            let start = date(y.starts_on.as_deref());
            let end = date(y.ends_on.as_deref());
            start.is_none_or(|s| s <= range.to()) && end.is_none_or(|e| range.from() <= e)
        };
        let mut calendars: BTreeMap<String, RotationCalendar> = BTreeMap::new();
        let mut all_days = RotationCalendar::new();
        let mut categories = BTreeMap::new();
        for (program, y) in years.iter().filter(|(_, y)| overlaps(y)) {
            match self.run_calendar(program, y.id).await?.as_ref() {
                Some(c) => {
                    let mut one = RotationCalendar::new();
                    one.add(c);
                    all_days.merge(&one);
                    calendars.entry(program.clone()).or_default().merge(&one);
                }
                // A program without a calendar still has registers: its days are unknown,
                // so every date is asked for.
                None => {
                    tracing::debug!(program, year = %y.id, "no calendar");
                }
            }
            if with_categories && !categories.contains_key(&y.id) {
                if let Some(list) = self.run_categories(y.id).await?.as_ref() {
                    categories.insert(y.id, Categories::new(list));
                }
            }
        }
        Ok(SchoolYears {
            years,
            calendars,
            all_days,
            categories,
        })
    }

    async fn student_stream(&self, q: StudentQuery) -> Result<BoxStream<'static, Result<Student>>> {
        let diagnostics = q.diagnostics.clone();
        // The year groups only name each student's year group: without them the students are
        // listed without it, and one warning says so. It is reported once the listing is
        // done, as it qualifies the whole listing; a record skipped on the way is reported
        // where it is met (so a strict read ends on the first rejected record, as the
        // partial-results scenario expects). A year-group filter needs the list: there its
        // error stays the read's error.
        let mut unnamed: Option<Warning> = None;
        let (groups, names) = match self.year_group_names().await {
            Ok(found) => found,
            Err(e) if q.year_group.is_none() && e.is_degradable() => {
                unnamed = Some(
                    Warning::from_error(&e, "student", "students listed without year group")
                        .vendor(VENDOR),
                );
                (Vec::new(), BTreeMap::new())
            }
            Err(e) => return Err(e),
        };
        let mut filter = StudentFilter::new();
        if let Some(wanted) = q.year_group.as_deref() {
            let w = wanted.trim();
            let hits: Vec<Id> = groups
                .iter()
                .filter(|g| {
                    [&g.name, &g.short_name, &g.grade]
                        .into_iter()
                        .flatten()
                        .any(|n| n.trim().eq_ignore_ascii_case(w))
                })
                .map(|g| g.id)
                .collect();
            if hits.is_empty() {
                let known: Vec<&str> = names.values().map(String::as_str).collect();
                return Err(Error::invalid_input(format!(
                    "no ManageBac year group is named {wanted:?}; the school has: {}",
                    known.join(", ")
                ))
                .with_vendor(VENDOR)
                .with_operation("students.list"));
            }
            filter = filter.year_groups(hits);
        }
        let names = Arc::new(names);
        // The whole school's lists are read once per run (behaviour matches its notes
        // through them); a year group's are read as asked.
        let whole = q.year_group.is_none();
        let mut passes = vec![(filter.clone().archived(false), false)];
        if q.include_leavers {
            passes.push((filter.archived(true), true));
        }
        let provider = self.clone();
        let seen = Arc::new(std::sync::Mutex::new(BTreeSet::new()));
        let d1 = diagnostics.clone();
        let after = stream::once(async move {
            match unnamed {
                Some(w) => d1.report(w),
                None => Ok(()),
            }
        })
        .filter_map(|r| futures::future::ready(r.err().map(Err)));
        Ok(stream::iter(passes)
            .flat_map(move |(f, archived)| {
                if !whole {
                    return provider.client.student_records_lenient(&f);
                }
                // Page by page as the pages arrive, so a reader that stops early (a doctor
                // run counting its budget) has not paid for the whole list.
                provider
                    .run_students_stream(archived)
                    .map_ok(|row| row.record)
                    .boxed()
            })
            .try_filter_map(move |item| {
                let names = names.clone();
                let seen = seen.clone();
                let kept = keep(item, &diagnostics, "students.list", "student");
                async move {
                    let Some(s) = kept? else { return Ok(None) };
                    let first = seen
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner)
                        .insert(s.id);
                    Ok(first.then(|| student::student(&s, &names)))
                }
            })
            .chain(after)
            .boxed())
    }

    async fn attendance_stream(
        &self,
        q: AttendanceQuery,
    ) -> Result<BoxStream<'static, Result<AttendanceMark>>> {
        let student = match q.student_id.as_deref() {
            None => None,
            Some(s) => Some(Id::parse(s).ok_or_else(|| {
                Error::invalid_input(format!(
                    "{s:?} is not a ManageBac student id (they are whole numbers)"
                ))
                .with_vendor(VENDOR)
                .with_operation("attendance")
            })?),
        };
        let (want_days, want_lessons) = match q.slot {
            None => (true, true),
            Some(Slot::Day) => (true, false),
            Some(Slot::Lesson) => (false, true),
            Some(_) => {
                return Err(Error::unsupported(VENDOR, "attendance sessions (AM/PM)"));
            }
        };
        let diagnostics = q.diagnostics.clone();
        let range = q.range;
        let years = Arc::new(self.school_years(range, true).await?);
        let only: Vec<Id> = student.into_iter().collect();

        // Day registers: one request per year group per school day.
        let mut day_tasks: Vec<(Id, Option<String>, Date)> = Vec::new();
        // Students whose record did not decode while the year groups were found through the
        // students: reported at the end unless a register listed them after all.
        let mut unplaced: Vec<mis_http::Rejected> = Vec::new();
        if want_days {
            let groups: Vec<wire::YearGroup> = match student {
                Some(s) => self
                    .year_group_of(s, &diagnostics)
                    .await?
                    .into_iter()
                    .collect(),
                None => match self.run_year_groups().await {
                    Ok(groups) => groups.to_vec(),
                    // The list only enumerates the registers, which hang on year group ids
                    // that every student record carries: nothing is lost but the year
                    // groups' programs (their days are then taken from every calendar).
                    Err(e) if e.is_degradable() => {
                        tracing::debug!(error = %e, "year groups not listable; found through students");
                        let (groups, rejected) = self.year_groups_of_students().await?;
                        unplaced = rejected;
                        groups
                    }
                    Err(e) => return Err(e),
                },
            };
            for g in &groups {
                let calendar = years.calendar(g.program_code.as_deref());
                for d in range.days().filter(|d| calendar.may_be_school_day(*d)) {
                    day_tasks.push((g.id, g.program_code.clone(), d));
                }
            }
        }

        // Lesson registers: one request per class per day its timetable meets. A class whose
        // timetable has no slots meets on no day: it has no lesson registers to read.
        let mut lesson_tasks: Vec<(Id, Option<String>, Date)> = Vec::new();
        if want_lessons {
            let classes = self
                .classes_in(range, &years, student, &diagnostics, "lesson marks")
                .await?;
            for (class, timetable) in self.timetables_of(classes).await {
                let calendar = years.calendar(class.program_code.as_deref());
                let timetable = match timetable {
                    Ok(t) => t,
                    // Without its timetable the class's meeting days are unknown; a class
                    // that is gone (404) or closed to the token (403) has no register to
                    // read either: the class costs its own marks, named per student.
                    Err(e) if e.is_degradable() => {
                        self.report_class_loss(
                            class.id,
                            &only,
                            &e,
                            &diagnostics,
                            "lesson marks (timetable not readable)",
                        )
                        .await?;
                        continue;
                    }
                    Err(e) => return Err(e),
                };
                for d in meeting_days(&timetable, calendar, range) {
                    lesson_tasks.push((class.id, class.program_code.clone(), d));
                }
            }
        }

        let excusals = Arc::new(ExcusalBook {
            client: self.client.clone(),
            only: only.clone(),
            diagnostics: diagnostics.clone(),
            by_date: std::sync::Mutex::default(),
            unavailable: std::sync::atomic::AtomicBool::new(false),
        });
        let ex1 = excusals.clone();
        let provider = self.clone();
        let mapper = Arc::new(self.state.mapper.clone());
        // Every student a day register listed: a student whose record did not decode is lost
        // only if no register listed them.
        let listed: Arc<std::sync::Mutex<BTreeSet<Id>>> = Arc::default();
        let (y1, m1, o1, l1) = (years.clone(), mapper.clone(), only.clone(), listed.clone());
        let day_marks = stream::iter(day_tasks)
            .map(move |(group, program, d)| {
                let (provider, years, mapper, only, listed, excusals) = (
                    provider.clone(),
                    y1.clone(),
                    m1.clone(),
                    o1.clone(),
                    l1.clone(),
                    ex1.clone(),
                );
                async move {
                    let r = provider
                        .client
                        .homeroom_attendance_date(group, d, &only)
                        .await?;
                    lock(&listed).extend(r.students.iter().map(|s| s.id));
                    let cats = years.categories_for(program.as_deref(), d);
                    let mut marks: Vec<AttendanceMark> = r
                        .students
                        .iter()
                        .filter(|s| only.is_empty() || only.contains(&s.id))
                        .filter_map(|s| day_mark(s.id, d, s.attendance.as_ref()?, &cats, &mapper))
                        .collect();
                    excusals.apply(d, &mut marks).await?;
                    Ok::<_, Error>(marks)
                }
            })
            .buffered(IN_FLIGHT);
        let d1 = diagnostics.clone();
        let unplaced_report = stream::once(async move {
            let listed = lock(&listed).clone();
            for r in unplaced {
                if r.id
                    .as_deref()
                    .and_then(Id::parse)
                    .is_some_and(|id| listed.contains(&id))
                {
                    continue;
                }
                let mut w = Warning::skipped_record(
                    VENDOR,
                    "students.list",
                    "student",
                    r.id.clone(),
                    r.describe(),
                );
                w.consequence =
                    "day marks left out: the student's record and the year group list are not \
                     readable"
                        .into();
                if let Some(id) = &r.id {
                    w = w.student(id.clone());
                }
                d1.report(w)?;
            }
            Ok::<_, Error>(Vec::new())
        });
        let provider = self.clone();
        // Classes already reported as gone: their other dates cost nothing more.
        let gone: Arc<std::sync::Mutex<BTreeSet<Id>>> = Arc::default();
        let lesson_marks_stream = stream::iter(lesson_tasks)
            .map(move |(class, program, d)| {
                let (provider, years, mapper, only, diagnostics, gone, excusals) = (
                    provider.clone(),
                    years.clone(),
                    mapper.clone(),
                    only.clone(),
                    diagnostics.clone(),
                    gone.clone(),
                    excusals.clone(),
                );
                async move {
                    let r = match provider.client.class_attendance_date(class, d, &only).await {
                        Ok(r) => r,
                        // "The specified date must be between the class's start and end
                        // dates": outside them there is nothing to read.
                        Err(e) if e.status() == Some(422) => return Ok(Vec::new()),
                        Err(e) if e.is_degradable() => {
                            // A class that is gone or closed is so on every date: report it
                            // once. Any other fault (a body that does not decode) costs
                            // that date only.
                            let whole = matches!(
                                e.kind(),
                                ErrorKind::NotFound | ErrorKind::PermissionDenied
                            );
                            let what = if whole {
                                if !lock(&gone).insert(class) {
                                    return Ok(Vec::new());
                                }
                                "lesson marks".to_owned()
                            } else {
                                format!("lesson marks on {d}")
                            };
                            provider
                                .report_class_loss(class, &only, &e, &diagnostics, &what)
                                .await?;
                            return Ok(Vec::new());
                        }
                        Err(e) => return Err(e),
                    };
                    let cats = years.categories_for(program.as_deref(), d);
                    let mut marks = lesson_marks(class, d, &r, &cats, &mapper);
                    if !only.is_empty() {
                        marks.retain(|m| only.iter().any(|s| s.text() == m.student_id));
                    }
                    excusals.apply(d, &mut marks).await?;
                    Ok::<_, Error>(marks)
                }
            })
            .buffered(IN_FLIGHT);
        Ok(day_marks
            .chain(unplaced_report)
            .chain(lesson_marks_stream)
            .map_ok(|marks| stream::iter(marks.into_iter().map(Ok)))
            .try_flatten()
            .boxed())
    }

    /// The year group of student `s`, for its day register. A record or year group that
    /// cannot be read (a degradable error other than "no such student") costs the student's
    /// day marks, with a warning naming them.
    async fn year_group_of(
        &self,
        s: Id,
        diagnostics: &Diagnostics,
    ) -> Result<Option<wire::YearGroup>> {
        let lost = |e: &Error| {
            Warning::from_error(
                e,
                "attendance",
                "day marks left out: year group not readable",
            )
            .vendor(VENDOR)
            .student(s.text())
        };
        let record = match self.client.student(s).await {
            Ok(r) => r,
            // The student asked for does not exist: the query's own error.
            Err(e) if e.kind() == ErrorKind::NotFound => return Err(e),
            Err(e) => {
                diagnostics.degrade(e, lost)?;
                return Ok(None);
            }
        };
        let Some(g) = record.year_group_id else {
            return Ok(None);
        };
        match self.client.year_group(g).await {
            Ok(group) => Ok(Some(group)),
            Err(e) => {
                diagnostics.degrade(e, lost)?;
                Ok(None)
            }
        }
    }

    async fn timetable_stream(
        &self,
        q: TimetableQuery,
    ) -> Result<BoxStream<'static, Result<Lesson>>> {
        if self.state.period_times.is_empty() {
            return Err(Error::invalid_input(format!(
                "ManageBac timetables give rotation days and periods but no clock times: set the \
                 school's bell times with Config::period_times or {} (e.g. \
                 1=08:30-09:20,2=09:25-10:15)",
                crate::config::ENV_PERIOD_TIMES
            ))
            .with_vendor(VENDOR)
            .with_operation("timetable"));
        }
        let student = match q.student_id.as_deref() {
            None => None,
            Some(s) => Some(Id::parse(s).ok_or_else(|| {
                Error::invalid_input(format!(
                    "{s:?} is not a ManageBac student id (they are whole numbers)"
                ))
                .with_vendor(VENDOR)
                .with_operation("timetable")
            })?),
        };
        let range = q.range;
        let tz = self.school_zone(&q.diagnostics).await?;
        let years = Arc::new(self.school_years(range, false).await?);
        let teachers = self.run_teachers().await?;
        let names: BTreeMap<Id, String> = teachers
            .iter()
            .map(|t| (t.id, staff::teacher_name(t)))
            .collect();
        let diagnostics = q.diagnostics.clone();
        let classes = self
            .classes_in(range, &years, student, &diagnostics, "lessons")
            .await?;
        let provider = self.clone();
        let names = Arc::new(names);
        let student_text = student.map(Id::text);
        Ok(stream::iter(classes)
            .map(move |class| {
                let (provider, years, names, student_text, diagnostics, tz) = (
                    provider.clone(),
                    years.clone(),
                    names.clone(),
                    student_text.clone(),
                    diagnostics.clone(),
                    tz.clone(),
                );
                async move {
                    let timetable = match provider.run_timetable(class.id).await {
                        Ok(t) => t,
                        // One class's timetable that is gone (404), closed (403) or does not
                        // decode costs that class's lessons.
                        Err(e) => {
                            diagnostics.degrade(e, |e| {
                                let w = Warning::from_error(
                                    e,
                                    "class",
                                    "lessons of this class left out",
                                )
                                .vendor(VENDOR)
                                .record(class.id.text());
                                match &student_text {
                                    Some(s) => w.student(s.clone()),
                                    None => w,
                                }
                            })?;
                            return Ok(Vec::new());
                        }
                    };
                    let info = ClassInfo::from_class(&class, &names);
                    lessons(
                        &info,
                        &timetable,
                        years.calendar(class.program_code.as_deref()),
                        range,
                        &provider.state.period_times,
                        &tz,
                        student_text.as_deref(),
                    )
                }
            })
            .buffered(IN_FLIGHT)
            .map_ok(|l| stream::iter(l.into_iter().map(Ok)))
            .try_flatten()
            .boxed())
    }

    async fn behaviour_stream(
        &self,
        q: BehaviourQuery,
    ) -> Result<BoxStream<'static, Result<BehaviourEvent>>> {
        let student = match q.student_id.as_deref() {
            None => None,
            Some(s) => Some(Id::parse(s).ok_or_else(|| {
                Error::invalid_input(format!(
                    "{s:?} is not a ManageBac student id (they are whole numbers)"
                ))
                .with_vendor(VENDOR)
                .with_operation("behaviour")
            })?),
        };
        let diagnostics = q.diagnostics.clone();
        // Notes name students by the school's id: the current students (read once per run,
        // shared with the students read) place them; the archived ones are listed only when a
        // note names a student the current list does not know. For one student, whose notes
        // are all the filter returns, their own record is enough (one request, not the whole
        // list), unless the run already holds the list; a record that cannot be read falls
        // back to the lists, so the read degrades as a whole-school one does.
        let mut index = StudentIndex::new();
        let mut complete = false;
        if let Some(s) = student.filter(|_| !self.holds_students()) {
            if let Ok(record) = self.client.student(s).await {
                index.add(&record);
                complete = true;
            }
        }
        if !complete {
            add_rows(&mut index, &self.run_students(false).await?, &diagnostics)?;
        }
        let students = Arc::new(futures::lock::Mutex::new((index, complete)));
        let range = q.range;
        let tz = self.school_zone(&diagnostics).await?;
        let since = range
            .from()
            .to_zoned_datetime(tz.clone())
            .map(|z| z.timestamp())
            .map_err(|e| {
                Error::invalid_input(format!("cannot place {} in the zone: {e}", range.from()))
            })?;
        let mut filter = BehaviorNoteFilter::new().modified_since(since);
        if let Some(s) = student {
            filter = filter.students([s]);
        }
        let polarity = self.state.polarity.clone();
        let wanted = student.map(Id::text);
        let provider = self.clone();
        Ok(self
            .client
            .behavior_notes_lenient(&filter)
            .try_filter_map(move |item| {
                let (provider, students, diagnostics, polarity, tz, wanted) = (
                    provider.clone(),
                    students.clone(),
                    diagnostics.clone(),
                    polarity.clone(),
                    tz.clone(),
                    wanted.clone(),
                );
                async move {
                    let Some(note) = keep(item, &diagnostics, "behavior.notes", "behaviour")?
                    else {
                        return Ok(None);
                    };
                    let mut book = students.lock().await;
                    let mut found = event(&note, &book.0, &polarity, &tz);
                    if found.as_ref().is_some_and(|e| e.student_ids.is_empty()) && !book.1 {
                        book.1 = true;
                        let rows = provider.run_students(true).await?;
                        add_rows(&mut book.0, &rows, &diagnostics)?;
                        found = event(&note, &book.0, &polarity, &tz);
                    }
                    drop(book);
                    let Some(e) = found else {
                        // Neither `incident_time` nor `created_at` gives it a date: it
                        // cannot be placed in any range.
                        diagnostics.report(Warning::skipped_record(
                            VENDOR,
                            "behavior.notes",
                            "behaviour",
                            Some(note.id.text()),
                            "the note has no readable incident_time or created_at",
                        ))?;
                        return Ok(None);
                    };
                    if e.student_ids.is_empty() {
                        // Never another kind of id in `student_ids` (mis-core's identifier
                        // table): a note whose student is not known is skipped.
                        let mut w = Warning::skipped_record(
                            VENDOR,
                            "behavior.notes",
                            "behaviour",
                            Some(note.id.text()),
                            "the note's student is not among the school's students (matched \
                             by the school's student id and e-mail)",
                        );
                        w.kind = ErrorKind::NotFound;
                        w.consequence = "behaviour note skipped: its student is not known".into();
                        diagnostics.report(w)?;
                        return Ok(None);
                    }
                    Ok((range.contains(e.date)
                        && wanted.as_ref().is_none_or(|w| e.student_ids.contains(w)))
                    .then_some(e))
                }
            })
            .boxed())
    }

    async fn groups_stream(&self) -> Result<BoxStream<'static, Result<Group>>> {
        let (year_groups, _) = self.year_group_names().await?;
        let classes = self.all_classes().await?;
        let provider = self.clone();
        let years = stream::iter(year_groups.into_iter().map(|g| Ok(group::year_group(&g))));
        let classes = stream::iter(classes).then(move |c| {
            let provider = provider.clone();
            async move {
                let members: Vec<Id> = provider
                    .client
                    .class_students(c.id, None)
                    .try_collect()
                    .await?;
                Ok(group::class_group(&c, &members))
            }
        });
        Ok(years.chain(classes).boxed())
    }

    async fn record(&self, w: AttendanceWrite) -> Result<WriteReceipt> {
        let op = "attendance.homeroom_set";
        let fail = |m: String| {
            Err(Error::invalid_input(m)
                .with_vendor(VENDOR)
                .with_operation(op))
        };
        if w.lesson_id.is_some() {
            return fail(
                "record_attendance writes ManageBac's homeroom (day) register; for a class \
                 register use Client::set_class_attendance with the class id and period"
                    .into(),
            );
        }
        if let Some(session) = w.session {
            return fail(format!(
                "ManageBac homeroom registers are per day, not AM/PM: send a day mark \
                 (AttendanceWrite::day) instead of a {} session mark",
                session.as_str()
            ));
        }
        if w.minutes_late.is_some() {
            tracing::debug!("ManageBac has no minutes-late field; minutes_late is not sent");
        }
        let Some(student) = Id::parse(&w.student_id) else {
            return fail(format!(
                "{:?} is not a ManageBac student id (they are whole numbers)",
                w.student_id
            ));
        };
        let years = self.school_years(DateRange::day(w.date), true).await?;
        let status = years
            .categories_for(None, w.date)
            .status_for_write(&w.code)
            .map_err(|e| e.with_vendor(VENDOR).with_operation(op))?;
        self.client
            .set_homeroom_attendance(&HomeroomAttendance {
                id: student,
                date: w.date.to_string(),
                status,
                notes: w.note.clone(),
            })
            .await?;
        Ok(WriteReceipt::Applied { id: None })
    }
}

/// The dates in `range` on which a class's enabled slots meet, by the calendar's rotation.
fn meeting_days(
    timetable: &wire::ClassTimetable,
    calendar: &RotationCalendar,
    range: DateRange,
) -> Vec<Date> {
    let mut out = BTreeSet::new();
    for year in &timetable.academic_years {
        let days: BTreeSet<i64> = year
            .slots
            .iter()
            .filter(|s| s.enabled != Some(false))
            .filter_map(|s| s.day)
            .collect();
        let from = date(year.start_date.as_deref()).map_or(range.from(), |d| d.max(range.from()));
        let to = date(year.end_date.as_deref()).map_or(range.to(), |d| d.min(range.to()));
        if from > to {
            continue;
        }
        for (d, rotation) in calendar.between(from, to) {
            if days.contains(&rotation) {
                out.insert(d);
            }
        }
    }
    out.into_iter().collect()
}

/// Keeps a list element that decoded, or reports the rejected one as a skipped `entity`
/// record of `operation` (its id named) and keeps nothing. Errs only in strict mode.
fn keep<T>(
    item: Lenient<T>,
    diagnostics: &Diagnostics,
    operation: &str,
    entity: &str,
) -> Result<Option<T>> {
    match item {
        Lenient::Ok(t) => Ok(Some(t)),
        Lenient::Rejected(r) => {
            diagnostics.report(Warning::skipped_record(
                VENDOR,
                operation,
                entity,
                r.id.clone(),
                r.describe(),
            ))?;
            Ok(None)
        }
    }
}

/// Adds the students of `rows` to `index`; a record whose identifying fields do not decode
/// cannot be matched to its notes: those notes are skipped (each with its own warning), as for
/// any student the index does not know, and the record is reported here. `student_ids` only
/// ever hold ManageBac ids.
fn add_rows(
    index: &mut StudentIndex,
    rows: &[wire::StudentRow],
    diagnostics: &Diagnostics,
) -> Result<()> {
    for row in rows {
        match (&row.key, &row.record) {
            (Some(k), _) => index.add_key(k),
            (None, Lenient::Rejected(r)) => {
                let mut w = Warning::skipped_record(
                    VENDOR,
                    "students.list",
                    "student",
                    r.id.clone(),
                    r.describe(),
                );
                w.consequence = "behaviour notes about this student skipped: the student's \
                                 record is not readable"
                    .into();
                if let Some(id) = &r.id {
                    w = w.student(id.clone());
                }
                diagnostics.report(w)?;
            }
            (None, Lenient::Ok(s)) => index.add(s),
        }
    }
    Ok(())
}

/// What a read assumes when the school's zone is unknown.
/// What a ManageBac provider supports, known before any request: no AM/PM sessions (the
/// vendor has none), no homework or detentions; day and lesson registers, written day marks.
pub fn capabilities() -> Capabilities {
    let mut c = Capabilities::default();
    c.students = true;
    c.attendance_sessions = false;
    c.attendance_lessons = true;
    c.attendance_days = true;
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

fn fallback_consequence() -> String {
    format!(
        "times and dates placed in {FALLBACK_TIME_ZONE}: the school's time zone is not known \
         (set {ENV_TIME_ZONE})"
    )
}

fn fallback_zone() -> Result<TimeZone> {
    TimeZone::get(FALLBACK_TIME_ZONE).map_err(|_| {
        Error::invalid_input(format!("{FALLBACK_TIME_ZONE} is not in the zone database"))
    })
}

/// Locks a set shared by concurrent requests (a panic elsewhere leaves a valid set).
fn lock<T>(m: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// A stream that first runs `setup` (which may fail) and then yields its stream.
fn deferred<T, F>(setup: F) -> BoxStream<'static, Result<T>>
where
    T: Send + 'static,
    F: std::future::Future<Output = Result<BoxStream<'static, Result<T>>>> + Send + 'static,
{
    stream::once(setup).try_flatten().boxed()
}

#[async_trait]
impl MisProvider for ManageBacProvider {
    fn info(&self) -> &ProviderInfo {
        &self.state.info
    }

    fn capabilities(&self) -> Capabilities {
        capabilities()
    }

    fn students(&self, q: StudentQuery) -> BoxStream<'static, Result<Student>> {
        let provider = self.clone();
        deferred(async move { provider.student_stream(q).await })
    }

    fn attendance(&self, q: AttendanceQuery) -> BoxStream<'static, Result<AttendanceMark>> {
        let provider = self.clone();
        deferred(async move { provider.attendance_stream(q).await })
    }

    fn timetable(&self, q: TimetableQuery) -> BoxStream<'static, Result<Lesson>> {
        let provider = self.clone();
        deferred(async move { provider.timetable_stream(q).await })
    }

    fn behaviour(&self, q: BehaviourQuery) -> BoxStream<'static, Result<BehaviourEvent>> {
        let provider = self.clone();
        deferred(async move { provider.behaviour_stream(q).await })
    }

    fn staff(&self) -> BoxStream<'static, Result<Staff>> {
        self.client
            .teachers(&PersonFilter::new())
            .map_ok(|t| staff::staff(&t))
            .boxed()
    }

    fn groups(&self) -> BoxStream<'static, Result<Group>> {
        let provider = self.clone();
        deferred(async move { provider.groups_stream().await })
    }

    fn academic_years(&self) -> BoxStream<'static, Result<AcademicYear>> {
        let provider = self.clone();
        deferred(async move {
            let grouped = provider
                .client
                .academic_years_by_program(None, None)
                .await?;
            let several = grouped.len() > 1;
            let years: Vec<AcademicYear> = grouped
                .iter()
                .flat_map(|(program, list)| {
                    list.iter().filter_map(move |y| {
                        calendar::academic_year(y, several.then_some(program.as_str()))
                    })
                })
                .collect();
            Ok(stream::iter(years.into_iter().map(Ok)).boxed())
        })
    }

    fn terms(&self) -> BoxStream<'static, Result<Term>> {
        let provider = self.clone();
        deferred(async move {
            let grouped = provider
                .client
                .academic_years_by_program(None, None)
                .await?;
            let terms: Vec<Term> = grouped
                .iter()
                .flat_map(|(_, list)| list.iter().flat_map(calendar::terms))
                .collect();
            Ok(stream::iter(terms.into_iter().map(Ok)).boxed())
        })
    }

    fn attendance_codes(&self) -> BoxStream<'static, Result<AttendanceCode>> {
        let provider = self.clone();
        deferred(async move {
            let grouped = provider
                .client
                .academic_years_by_program(None, None)
                .await?;
            let all: Vec<&wire::AcademicYear> = grouped.iter().flat_map(|(_, l)| l).collect();
            let active: Vec<&wire::AcademicYear> = all
                .iter()
                .copied()
                .filter(|y| y.active == Some(true))
                .collect();
            let chosen = if active.is_empty() { all } else { active };
            let mut seen = BTreeSet::new();
            let mut out = Vec::new();
            for y in chosen {
                if !seen.insert(y.id) {
                    continue;
                }
                let list = provider.client.attendance_categories(y.id).await?;
                let on = date(y.starts_on.as_deref()).unwrap_or(jiff::civil::date(2024, 9, 1));
                for code in codes(&Categories::new(&list), &provider.state.mapper, on) {
                    if !out.iter().any(|c: &AttendanceCode| c.code == code.code) {
                        out.push(code);
                    }
                }
            }
            Ok(stream::iter(out.into_iter().map(Ok)).boxed())
        })
    }

    /// `GET /school`: the school's name and its `timezone` as the record has it (trimmed;
    /// `None` when absent or empty, i.e. the school set none). One request. The record has
    /// no roll count: `roll` is the current students' count only when the run already holds
    /// their list. A zone that is an IANA name is also kept as the school's zone for later
    /// reads that have none configured.
    async fn school_profile(&self) -> Result<SchoolProfile> {
        let school = self.client.school().await?;
        let mut profile = SchoolProfile::new();
        if let Some(name) = crate::convert::text(school.name.as_deref()) {
            profile = profile.with_name(name);
        }
        let zone = crate::convert::text(school.timezone.as_deref());
        if self.state.tz.is_none() {
            let known = zone.as_deref().and_then(|z| TimeZone::get(z).ok());
            // Only an answer the reads would also take: a name that is not IANA is not kept,
            // so `school_zone` still warns about it.
            if zone.is_none() || known.is_some() {
                *lock(&self.state.school_tz) = Some(known);
            }
        }
        if let Some(zone) = zone {
            profile = profile.with_time_zone(zone);
        }
        if let Some(roll) = self.held_roll() {
            profile = profile.with_roll(roll);
        }
        Ok(profile)
    }

    async fn record_attendance(&self, w: AttendanceWrite) -> Result<WriteReceipt> {
        self.record(w).await
    }
}
