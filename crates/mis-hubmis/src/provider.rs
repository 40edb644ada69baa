//! [`MisProvider`] for HUBmis: the typed client's wire records turned into the model.
//!
//! What each entity costs, since every request is five seconds of quota (the API reference's
//! "Usage Limits": 12 requests a minute).
//! The rosters (students on roll, past students, staff) are walked once per
//! [`Config::with_roster_ttl`] (default 2 h) and shared by every read of the provider and its
//! clones; reference data (regional settings, attendance codes, academic years) is read once
//! per provider; enrolment identifiers once per student ([`EnrolmentCache`]):
//!
//! | entity | requests |
//! |---|---|
//! | `students` | the on-roll roster (plus the past roster with `include_leavers`), plus one enrolment record per student whose UPN the [`EnrolmentCache`] does not hold ([`Config::with_enrolment_details`] turns them off) |
//! | `attendance` | the on-roll roster, plus one per student (or one for a `student_id`: HUBmis has no whole-school attendance route); for a range starting before today also the past roster and one per past student; the code book once, only if a record names its code by id |
//! | `timetable` | the regional settings once (unless a time zone is configured); for the whole school the staff roster and one calendar per member of staff (with [`Config::with_lessons_without_teacher`] also the student rosters and one calendar per student); for one student, one calendar |
//! | `behaviour` | the regional settings once, one per page of pastoral events (for a `student_id`: one per page of that student's wellbeing events) |
//!
//! A list whose first short page is long enough to be a server's page cap costs one page
//! more, once per list route and provider (see [`Client`]'s paging).
//!
//! Streams yield as they go once the roster is read: attendance for a school of 40 students
//! is 40 requests, and the marks of each student arrive as soon as that student's request
//! returns, so a caller can show progress.
//!
//! # Leavers
//!
//! Attendance and timetables cover the students on roll and, for a range that starts before
//! today, the students who have left (`filter[enrolmentStatus]=past`), so last term's figures
//! do not change when a pupil leaves; pastoral events are asked for with
//! `filter[includePastStudents]=true`. A leaver's request answers only what was recorded
//! while they were on roll. Students are never read with the unfiltered list: it also returns
//! applicants and needs the admissions scope. HUBmis records session (AM/PM) marks only:
//! lesson and whole-day registers are `Unsupported`.
//!
//! # Partial results
//!
//! A fault costs what it touches and is reported on the query's
//! [`Diagnostics`] (see `mis_core::diagnostics`); only a fatal error
//! (credentials, quota, outage, a bad base URL) ends a read:
//!
//! | fault | operation | what is lost | consequence |
//! |---|---|---|---|
//! | a student record that does not decode (or convert) | `students.list` | that student (and, in attendance and timetables, that student's marks or lessons) | `student record skipped`, `student's marks left out: student record unreadable`, `student's lessons left out: student record unreadable` |
//! | a date of birth that is not `YYYY-MM-DD` | `students.list` | the date of birth | `student listed without date of birth` |
//! | the enrolment record answers 404 / 403 / does not decode | `students.enrolment` | UPN, candidate number | `student listed without UPN` |
//! | a student's attendance answers 404 / 403 / does not decode | `students.attendance` | that student's marks (a 403 on a read of one student is that read's `PermissionDenied`: a scope the client lacks, not a gap) | `student's marks left out` |
//! | one attendance record, lesson or pastoral event that does not decode | its list | that record | `attendance record skipped`, `lesson record skipped`, `behaviour record skipped` |
//! | a student's timetable calendar fails | `students.timetable_calendar` | that student's lessons (a 403 on a read of one student is that read's `PermissionDenied`) | `student's lessons left out` |
//! | a member of staff's timetable calendar fails (whole-school timetable) | `staff.timetable_calendar` | that teacher's lessons (record id: the staff id) | `teacher's lessons left out` |
//! | a staff record that does not decode | `staff.list` | that teacher's lessons | `teacher's lessons left out: staff record unreadable` |
//! | the staff list answers 403 / 404 | `staff.list` | nothing: the whole-school timetable is read from the students' calendars | (no warning; debug log) |
//! | the past students list answers 403 (no `students.past.read` scope) / 404 | `students.list` | the leavers: their marks, lessons, or (with `include_leavers`) their records | `leavers' marks left out: …`, `leavers' lessons left out: …`, `leavers left out: …` |
//! | an attendance record naming a code id the code book lacks | — | nothing: the mark is `unmapped` with the id as its code | (no warning) |
//! | the regional settings answer 403 / 404 / name an unknown zone | `school.regional_settings` | the school's own zone: times are read in `Europe/London` | `lesson times read in Europe/London: …` (one warning per read, no ids) |

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::future::Future;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use async_trait::async_trait;
use futures::future::ready;
use futures::stream::{self, BoxStream, StreamExt, TryStreamExt};
use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};
use mis_core::{
    AcademicYear, AttendanceCode, AttendanceMark, AttendanceQuery, BehaviourEvent, BehaviourQuery,
    Capabilities, DateRange, Diagnostics, Error, ErrorKind, Lesson, MisProvider, ProviderInfo,
    Result, SchoolProfile, Slot, Staff, Student, StudentQuery, Term, TimetableQuery, Warning,
    unsupported_stream,
};
use mis_http::Lenient;
use tokio::sync::OnceCell;
use tokio::time::Instant;

use crate::client::{
    AttendanceFilter, Client, DateTimeRange, PastoralEventFilter, StaffFilter, StudentFilter,
    WellbeingFilter,
};
use crate::config::{Config, VENDOR, check_time_zone};
use crate::convert::attendance::needs_code_book;
use crate::convert::behaviour::PolarityRules;
use crate::convert::codes::{Categoriser, CodeBook};
use crate::convert::{self, bad_record};
use crate::routes;
use crate::wire::{self, EnrolmentStatus, Id, PastoralType};
use crate::wire::{StaffMember, StudentEnrolment};

/// The zone used when neither the configuration nor the vendor names one: HUBmis is a UK
/// MIS, so its schools are in England and Wales unless they say otherwise.
const DEFAULT_ZONE: &str = "Europe/London";

/// HUBmis as a [`MisProvider`]. Cheap to clone; clones share the client (token, quota) and
/// the caches (the school's time zone, the code book, the academic years, the rosters, the
/// enrolment details).
#[derive(Clone)]
pub struct HubmisProvider {
    client: Client,
    state: Arc<State>,
    enrolments: Arc<dyn EnrolmentCache>,
}

/// What the provider keeps of a student's enrolment record ("Students: Get enrolment data by
/// student Id"): the identifiers it adds to the student, which do not change from one run
/// to the next. Reading them costs one request — five seconds of quota — per student, so a
/// caller that keeps them (a sync store) hands them back through an [`EnrolmentCache`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KnownEnrolment {
    /// The UPN.
    pub upn: Option<String>,
    /// The exam candidate number.
    pub candidate_number: Option<String>,
}

impl KnownEnrolment {
    /// The identifiers of an enrolment record, or `None` for one not worth keeping: a
    /// temporary UPN is replaced by the permanent one, so it is read again next time.
    fn of(enrolment: &StudentEnrolment) -> Option<KnownEnrolment> {
        let temporary = enrolment
            .unique_pupil_number_status
            .as_deref()
            .is_some_and(|s| s.trim().eq_ignore_ascii_case("temporary"));
        (!temporary).then(|| KnownEnrolment {
            upn: enrolment.unique_pupil_number.clone(),
            candidate_number: enrolment.candidate_number.clone(),
        })
    }

    /// As the wire record the conversion reads. No enrolment status: the list the student
    /// came from says that, and a kept status could be stale.
    fn as_wire(&self) -> StudentEnrolment {
        StudentEnrolment {
            unique_pupil_number: self.upn.clone(),
            candidate_number: self.candidate_number.clone(),
            ..StudentEnrolment::default()
        }
    }
}

/// Where `students()` looks for a student's enrolment identifiers before asking HUBmis,
/// and keeps what it read ([`HubmisProvider::with_enrolment_cache`]). Keys are HUBmis
/// student ids ([`Student::id`]). By default the provider keeps them in memory for its own
/// lifetime ([`MemoryEnrolments`]); a sync store that implements this trait makes them last
/// across runs, so only new students cost a request. What it holds is pupil data: keep it
/// where the students are kept.
pub trait EnrolmentCache: Send + Sync + 'static {
    /// The kept identifiers of `student_id`, if any.
    fn get(&self, student_id: &str) -> Option<KnownEnrolment>;
    /// Keeps the identifiers just read for `student_id`.
    fn put(&self, student_id: &str, enrolment: &KnownEnrolment);
}

/// The default [`EnrolmentCache`]: a map in memory, for the provider's lifetime.
#[derive(Debug, Default)]
pub struct MemoryEnrolments(Mutex<HashMap<String, KnownEnrolment>>);

impl EnrolmentCache for MemoryEnrolments {
    fn get(&self, student_id: &str) -> Option<KnownEnrolment> {
        let map = self.0.lock().unwrap_or_else(|p| p.into_inner());
        map.get(student_id).cloned()
    }

    fn put(&self, student_id: &str, enrolment: &KnownEnrolment) {
        let mut map = self.0.lock().unwrap_or_else(|p| p.into_inner());
        map.insert(student_id.to_owned(), enrolment.clone());
    }
}

struct State {
    info: ProviderInfo,
    resolved_info: OnceLock<ProviderInfo>,
    configured_zone: Option<TimeZone>,
    zone: OnceCell<Zone>,
    /// The code book as read, once: both the code book by id and `attendance_codes()`.
    codes: OnceCell<Vec<wire::AttendanceCode>>,
    code_book: OnceCell<CodeBook>,
    years: OnceCell<Vec<wire::AcademicYear>>,
    categoriser: Categoriser,
    rules: PolarityRules,
    enrolment_details: bool,
    lessons_without_teacher: bool,
    roster_ttl: Duration,
    on_roll: Cached<Walked<wire::Student>>,
    past: Cached<Walked<wire::Student>>,
    staff: Cached<Walked<StaffMember>>,
}

/// A list read once and kept for the provider's roster TTL: concurrent reads wait for the
/// one walking it instead of walking it again.
struct Cached<T>(tokio::sync::Mutex<Option<(Instant, Arc<T>)>>);

impl<T> Default for Cached<T> {
    fn default() -> Self {
        Cached(tokio::sync::Mutex::new(None))
    }
}

impl<T> Cached<T> {
    /// The kept value if younger than `ttl`, else what `read` returns (kept when `Ok`).
    async fn get_or_read<F, Fut>(&self, ttl: Duration, read: F) -> Result<Arc<T>>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T>>,
    {
        let mut slot = self.0.lock().await;
        if let Some((at, value)) = slot.as_ref()
            && at.elapsed() < ttl
        {
            return Ok(value.clone());
        }
        let value = Arc::new(read().await?);
        *slot = Some((Instant::now(), value.clone()));
        Ok(value)
    }

    async fn clear(&self) {
        *self.0.lock().await = None;
    }

    /// Keeps `value`, read now.
    async fn put(&self, value: Arc<T>) {
        *self.0.lock().await = Some((Instant::now(), value));
    }

    /// The kept value if younger than `ttl`, without reading.
    async fn peek(&self, ttl: Duration) -> Option<Arc<T>> {
        let slot = self.0.lock().await;
        slot.as_ref()
            .filter(|(at, _)| at.elapsed() < ttl)
            .map(|(_, value)| value.clone())
    }
}

/// The lesson ids a whole-school timetable read has yielded, shared by its parts (the staff
/// calendars, then the students').
#[derive(Clone, Default)]
struct Seen(Arc<Mutex<HashSet<String>>>);

impl Seen {
    /// Whether `id` is new (and now seen).
    fn first(&self, id: &str) -> bool {
        let mut ids = self.0.lock().unwrap_or_else(|p| p.into_inner());
        ids.insert(id.to_owned())
    }
}

/// A list walked to its end, each record as it decoded (the rejected ones too: each read
/// reports them on its own diagnostics).
struct Walked<T> {
    records: Vec<Lenient<T>>,
    /// Why the walk stopped early, for a list whose loss costs only its own part (the past
    /// students, the staff): the degradable error as a warning without a consequence, which
    /// each read that uses the list fills in and reports.
    lost: Option<Warning>,
}

/// The school's zone as read from the regional settings, once per provider.
struct Zone {
    tz: TimeZone,
    /// Why the settings could not be used, when they could not: the default zone is used
    /// and each read that places times reports this again (the settings are read once).
    degraded: Option<Warning>,
}

impl HubmisProvider {
    /// A provider for `config` (which also carries the provider's settings: time zone,
    /// category polarity, code overrides, enrolment details).
    pub fn new(config: Config) -> Result<Self> {
        let client = Client::new(config.clone())?;
        HubmisProvider::with_client(client, &config)
    }

    /// A provider from the `MIS_HUBMIS_*` environment variables.
    pub fn from_env() -> Result<Self> {
        HubmisProvider::new(Config::from_env()?)
    }

    /// A provider over an existing client (e.g. one built with a test transport), with the
    /// provider settings of `config`.
    pub fn with_client(client: Client, config: &Config) -> Result<Self> {
        let configured_zone = config
            .options()
            .time_zone()
            .map(check_time_zone)
            .transpose()?;
        let info = ProviderInfo::new(VENDOR)
            .tenant(client.realm())
            .time_zone(config.options().time_zone().map_or(DEFAULT_ZONE, str::trim));
        Ok(HubmisProvider {
            client,
            state: Arc::new(State {
                info,
                resolved_info: OnceLock::new(),
                configured_zone,
                zone: OnceCell::new(),
                codes: OnceCell::new(),
                code_book: OnceCell::new(),
                years: OnceCell::new(),
                categoriser: Categoriser::new(config.code_map.clone(), config.code_mapper.clone()),
                rules: PolarityRules::new(&config.positive_categories, &config.negative_categories),
                enrolment_details: config.enrolment_details,
                lessons_without_teacher: config.lessons_without_teacher,
                roster_ttl: config.roster_ttl,
                on_roll: Cached::default(),
                past: Cached::default(),
                staff: Cached::default(),
            }),
            enrolments: Arc::new(MemoryEnrolments::default()),
        })
    }

    /// Looks up and keeps enrolment identifiers (UPN, candidate number) in `cache` instead
    /// of in this provider's memory: a student whose identifiers `cache` holds costs no
    /// enrolment request. Clones made after this call share `cache`.
    pub fn with_enrolment_cache(mut self, cache: Arc<dyn EnrolmentCache>) -> Self {
        self.enrolments = cache;
        self
    }

    /// Drops the kept rosters (students on roll, past students, staff): the next read
    /// walks them again, e.g. after the school admitted a pupil. They are also dropped by
    /// age ([`Config::with_roster_ttl`]).
    pub async fn forget_rosters(&self) {
        self.state.on_roll.clear().await;
        self.state.past.clear().await;
        self.state.staff.clear().await;
    }

    /// The typed client underneath.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// The school's time zone: the configured one, else the vendor's regional settings
    /// (read once), else `Europe/London`, also when the settings cannot be read for a
    /// degradable reason (a 403 for a missing scope, an unknown zone name). Only a fatal
    /// error is returned.
    pub async fn time_zone(&self) -> Result<TimeZone> {
        if let Some(tz) = &self.state.configured_zone {
            return Ok(tz.clone());
        }
        Ok(self.zone().await?.tz.clone())
    }

    /// [`HubmisProvider::time_zone`] for a read whose `entity` times it places: when the
    /// regional settings could not be used, one warning (no ids: it costs the whole read's
    /// zone, not a record) says so.
    async fn time_zone_for(&self, d: &Diagnostics, entity: &str, what: &str) -> Result<TimeZone> {
        if let Some(tz) = &self.state.configured_zone {
            return Ok(tz.clone());
        }
        let zone = self.zone().await?;
        if let Some(w) = &zone.degraded {
            let mut w = w.clone();
            w.entity = entity.to_owned();
            w.consequence = format!(
                "{what} read in {DEFAULT_ZONE}: the school's regional settings are not usable"
            );
            d.report(w)?;
        }
        Ok(zone.tz.clone())
    }

    async fn zone(&self) -> Result<&Zone> {
        self.state
            .zone
            .get_or_try_init(|| async {
                let settings = self.client.regional_settings().await;
                self.zone_from(settings)
            })
            .await
    }

    /// The zone the regional settings (as read, or the error reading them) give: theirs,
    /// else `Europe/London` (with a warning to repeat when they could not be used for a
    /// degradable reason). Only a fatal error is returned.
    fn zone_from(&self, settings: Result<wire::RegionalSettings>) -> Result<Zone> {
        let operation = routes::REGIONAL_SETTINGS.operation;
        let named = settings.and_then(|settings| {
            let name = settings
                .timezone
                .as_deref()
                .map(str::trim)
                .filter(|n| !n.is_empty())
                .map(str::to_owned);
            match &name {
                Some(n) => TimeZone::get(n)
                    .map(|tz| Some((n.clone(), tz)))
                    .map_err(|_| {
                        bad_record(
                            operation,
                            "timezone",
                            format!(
                                "the school's regional settings name an unknown time zone {n:?}"
                            ),
                        )
                    }),
                None => Ok(None),
            }
        });
        let default = || {
            TimeZone::get(DEFAULT_ZONE).map_err(|e| {
                Error::invalid_input(format!(
                    "the bundled time zone database lacks {DEFAULT_ZONE}: {e}"
                ))
            })
        };
        let zone = match named {
            Ok(Some((name, tz))) => {
                let _ = self
                    .state
                    .resolved_info
                    .set(self.state.info.clone().time_zone(name));
                Zone { tz, degraded: None }
            }
            Ok(None) => {
                tracing::debug!("HUBmis regional settings name no time zone; using {DEFAULT_ZONE}");
                Zone {
                    tz: default()?,
                    degraded: None,
                }
            }
            // A 403 (the client lacks the settings scope), a 404 or an unknown zone
            // name: the settings only place times, so the read goes on in the
            // default zone (`DEFAULT_ZONE`) and says so.
            Err(e) if e.is_degradable() => {
                tracing::warn!(
                    error = %e,
                    "HUBmis regional settings not usable; using {DEFAULT_ZONE}"
                );
                Zone {
                    tz: default()?,
                    degraded: Some(warning(&e, operation, "school", "")),
                }
            }
            Err(e) => return Err(e),
        };
        Ok(zone)
    }

    /// The attendance codes as HUBmis lists them, read once per provider.
    async fn codes(&self) -> Result<&[wire::AttendanceCode]> {
        let codes = self
            .state
            .codes
            .get_or_try_init(|| self.client.attendance_codes(None))
            .await?;
        Ok(codes)
    }

    /// The code book by id, read once.
    async fn code_book(&self) -> Result<&CodeBook> {
        self.state
            .code_book
            .get_or_try_init(|| async { Ok(CodeBook::new(self.codes().await?)) })
            .await
    }

    /// The academic years, read once per provider.
    async fn years(&self) -> Result<Vec<wire::AcademicYear>> {
        let years = self
            .state
            .years
            .get_or_try_init(|| self.client.academic_years())
            .await?;
        Ok(years.clone())
    }

    /// The students of one enrolment status, as wire records, each decoded on its own.
    fn walk(&self, status: EnrolmentStatus) -> BoxStream<'static, Result<Lenient<wire::Student>>> {
        self.client.students_lenient(&StudentFilter {
            enrolment_status: Some(status),
            ..StudentFilter::default()
        })
    }

    /// The students of `statuses`, one list after the other (`filter[enrolmentStatus]` takes
    /// one status). Never an unfiltered list: that one also returns applicants and needs the
    /// admissions scope (the document's "Students: Get List"), which a client reading
    /// attendance has no reason to hold.
    ///
    /// Each list is walked once per roster TTL and shared by every read of the provider
    /// ([`HubmisProvider::roster`]): students, attendance and a timetable read of one run
    /// cost one walk, not one each.
    ///
    /// The `past` list is an extra: a client without `students.past.read` gets a 403 there,
    /// which costs the leavers (one warning naming `consequence`), not the read.
    fn walk_all(
        &self,
        statuses: &[EnrolmentStatus],
        d: &Diagnostics,
        consequence: &'static str,
    ) -> BoxStream<'static, Result<Lenient<wire::Student>>> {
        let this = self.clone();
        let d = d.clone();
        stream::iter(statuses.to_vec())
            .then(move |status| {
                let this = this.clone();
                let d = d.clone();
                async move {
                    let roster = this.roster(status).await?;
                    if let Some(lost) = &roster.lost {
                        let mut w = lost.clone();
                        w.consequence = consequence.to_owned();
                        d.report(w)?;
                    }
                    Ok::<_, Error>(roster)
                }
            })
            .map_ok(|roster| {
                stream::iter((0..roster.records.len()).map(move |i| Ok(roster.records[i].clone())))
            })
            .try_flatten()
            .boxed()
    }

    /// The students on roll as `students()` reads them: the kept roster while fresh, else the
    /// list page by page as the caller takes students (and kept once read to its end), so a
    /// reader that stops after a few students (`mis doctor`'s first contact) pays for the
    /// pages it read, not for the whole roll. A failing page ends the stream with its error
    /// and nothing is kept.
    fn on_roll_as_read(&self) -> BoxStream<'static, Result<Lenient<wire::Student>>> {
        let this = self.clone();
        stream::once(async move {
            if let Some(roster) = this.state.on_roll.peek(this.state.roster_ttl).await {
                return stream::iter(
                    (0..roster.records.len()).map(move |i| Ok(roster.records[i].clone())),
                )
                .boxed();
            }
            let read = Arc::new(Mutex::new(Some(Vec::new())));
            let kept = read.clone();
            let keeper = this.clone();
            this.walk(EnrolmentStatus::Current)
                .inspect(move |item| {
                    let mut read = read.lock().unwrap_or_else(|p| p.into_inner());
                    match item {
                        Ok(record) => {
                            if let Some(records) = read.as_mut() {
                                records.push(record.clone());
                            }
                        }
                        Err(_) => *read = None,
                    }
                })
                .chain(
                    stream::once(async move {
                        let whole = kept.lock().unwrap_or_else(|p| p.into_inner()).take();
                        if let Some(records) = whole {
                            let walked = Walked {
                                records,
                                lost: None,
                            };
                            keeper.state.on_roll.put(Arc::new(walked)).await;
                        }
                        None
                    })
                    .filter_map(ready),
                )
                .boxed()
        })
        .flatten()
        .boxed()
    }

    /// The students of one enrolment status, walked once per [`Config::with_roster_ttl`].
    /// A fatal error is not kept: the next read walks again.
    async fn roster(&self, status: EnrolmentStatus) -> Result<Arc<Walked<wire::Student>>> {
        let slot = if status == EnrolmentStatus::Current {
            &self.state.on_roll
        } else {
            &self.state.past
        };
        let tolerant = status != EnrolmentStatus::Current;
        slot.get_or_read(self.state.roster_ttl, || {
            walk_to_end(
                self.walk(status),
                tolerant,
                routes::STUDENTS.operation,
                "student",
            )
        })
        .await
    }

    /// The staff list, walked once per [`Config::with_roster_ttl`]. A degradable error is
    /// kept as [`Walked::lost`]: the timetable then reads the students' calendars instead.
    async fn staff_roster(&self) -> Result<Arc<Walked<StaffMember>>> {
        self.state
            .staff
            .get_or_read(self.state.roster_ttl, || {
                walk_to_end(
                    self.client.staff_lenient(&StaffFilter::default()),
                    true,
                    routes::STAFF.operation,
                    "lesson",
                )
            })
            .await
    }

    /// Whether a ranged read must also walk the students who have left: when the range
    /// starts before today, a student who left since may have marks, lessons or events in
    /// it (a range from today on has none of a leaver's). Today is taken in the configured
    /// zone, else `Europe/London`, without asking the vendor: a day's doubt either way only
    /// moves the extra walk by a day.
    fn leavers_matter(&self, range: DateRange) -> bool {
        let tz = self
            .state
            .configured_zone
            .clone()
            .or_else(|| TimeZone::get(DEFAULT_ZONE).ok())
            .unwrap_or(TimeZone::UTC);
        range.from() < Timestamp::now().to_zoned_datetime(tz).date()
    }

    /// The student ids a ranged query covers: the one asked for, else everyone on roll and,
    /// for a range that starts before today, everyone who has left since (so last term's
    /// figures do not change when a pupil leaves). A student record that cannot be read
    /// costs that student's `what` ("marks", "lessons"), reported with its id.
    fn student_ids(
        &self,
        student: Option<&str>,
        range: DateRange,
        d: &Diagnostics,
        what: &'static str,
    ) -> BoxStream<'static, Result<u64>> {
        match student {
            Some(id) => stream::once(ready(parse_student_id(id))).boxed(),
            None => {
                let d = d.clone();
                let consequence = format!("student's {what} left out: student record unreadable");
                let statuses: &[EnrolmentStatus] = if self.leavers_matter(range) {
                    &[EnrolmentStatus::Current, EnrolmentStatus::Past]
                } else {
                    &[EnrolmentStatus::Current]
                };
                let leavers_lost = if what == "marks" {
                    "leavers' marks left out: the past students list is not readable"
                } else {
                    "leavers' lessons left out: the past students list is not readable"
                };
                let mut seen = HashSet::new();
                self.walk_all(statuses, &d, leavers_lost)
                    .try_filter_map(move |item| {
                        let id = match item {
                            Lenient::Ok(s) => wire_student_id(s.id.as_ref())
                                .map_err(|e| (e, s.id.as_ref().map(|i| i.as_str().to_owned()))),
                            Lenient::Rejected(r) => Err((
                                mis_core::Error::decode(
                                    VENDOR,
                                    routes::STUDENTS.operation,
                                    r.describe(),
                                    mis_core::DecodeDetail::new(&r.path, b""),
                                ),
                                r.id,
                            )),
                        };
                        ready(match id {
                            // A student who left between the two walks is listed by both.
                            Ok(n) => Ok(seen.insert(n).then_some(n)),
                            Err((e, record)) => d
                                .degrade(e, |e| {
                                    let w = warning(
                                        e,
                                        routes::STUDENTS.operation,
                                        "student",
                                        consequence.clone(),
                                    );
                                    match record {
                                        Some(r) => w.record(r.clone()).student(r),
                                        None => w,
                                    }
                                })
                                .map(|()| None),
                        })
                    })
                    .boxed()
            }
        }
    }

    /// One student's session marks in `range`. A failing request (404, 403, a body that
    /// does not decode) costs this student's marks; one unreadable record costs that record.
    /// For a read of `one` student, a 403 (a scope the client lacks) is the read's answer,
    /// not a gap: it is returned, never an empty result.
    async fn marks_of(
        &self,
        student: u64,
        range: DateRange,
        one: bool,
        d: &Diagnostics,
    ) -> Result<Vec<AttendanceMark>> {
        let operation = routes::STUDENT_ATTENDANCE.operation;
        let id = student.to_string();
        let left_out = |e: Error, why: &str| {
            d.degrade(e, |e| {
                warning(
                    e,
                    operation,
                    "attendance",
                    format!("student's marks left out{why}"),
                )
                .student(id.clone())
            })
            .map(|()| Vec::new())
        };
        let filter = AttendanceFilter {
            date_time: widened(range),
            ..AttendanceFilter::default()
        };
        let records = match self
            .client
            .student_attendance_lenient(student, &filter)
            .await
        {
            Ok(records) => records,
            Err(e) if one && e.kind() == ErrorKind::PermissionDenied => return Err(e),
            Err(e) => return left_out(e, ""),
        };
        let mut good = Vec::with_capacity(records.len());
        for r in records {
            match r {
                Lenient::Ok(r) => good.push(r),
                Lenient::Rejected(r) => d.report(
                    Warning::skipped_record(
                        VENDOR,
                        operation,
                        "attendance",
                        r.id.clone(),
                        r.describe(),
                    )
                    .student(id.clone()),
                )?,
            }
        }
        let empty = CodeBook::default();
        let book = if good.iter().any(needs_code_book) {
            match self.code_book().await {
                Ok(book) => book,
                Err(e) => return left_out(e, ": the attendance code book is not readable"),
            }
        } else {
            &empty
        };
        let mut marks = Vec::with_capacity(good.len());
        for r in &good {
            match convert::attendance::mark(r, &id, book, &self.state.categoriser) {
                Ok(m) if range.contains(m.date) => marks.push(m),
                Ok(_) => {}
                Err(e) => {
                    let record = r.id.as_ref().map(|i| i.as_str().to_owned());
                    d.degrade(e, |e| {
                        let w = warning(e, operation, "attendance", "attendance record skipped")
                            .student(id.clone());
                        match record {
                            Some(r) => w.record(r),
                            None => w,
                        }
                    })?;
                }
            }
        }
        Ok(marks)
    }

    /// Lessons from students' calendars: one student's (tagged with its id), or every
    /// student's of the range (see [`HubmisProvider::student_ids`]), each lesson once and
    /// only if `seen` does not hold it yet.
    fn students_lessons(
        &self,
        student: Option<&str>,
        range: DateRange,
        d: &Diagnostics,
        seen: Seen,
    ) -> BoxStream<'static, Result<Lesson>> {
        let this = self.clone();
        let one = student.is_some();
        let d2 = d.clone();
        self.student_ids(student, range, d, "lessons")
            .and_then(move |id| {
                let this = this.clone();
                let d = d2.clone();
                async move { this.lessons_of(id, range, one, &d).await }
            })
            .map_ok(|lessons| stream::iter(lessons.into_iter().map(Ok)))
            .try_flatten()
            .try_filter(move |l| ready(one || seen.first(&l.id)))
            .boxed()
    }

    /// Every lesson on the staff calendars of `staff`, each once (`seen`). A staff record
    /// that does not decode costs that member of staff's lessons, one failing calendar the
    /// same; both reported.
    fn taught_lessons(
        &self,
        staff: Arc<Walked<StaffMember>>,
        range: DateRange,
        d: &Diagnostics,
        seen: Seen,
    ) -> BoxStream<'static, Result<Lesson>> {
        let this = self.clone();
        let d = d.clone();
        stream::once(async move {
            let tz = this.time_zone_for(&d, "lesson", "lesson times").await?;
            let list = routes::STAFF.operation;
            let mut ids = Vec::with_capacity(staff.records.len());
            for record in &staff.records {
                let unreadable = |id: Option<String>, why: String| {
                    let mut w = Warning::skipped_record(VENDOR, list, "lesson", id, why);
                    w.consequence =
                        "teacher's lessons left out: staff record unreadable".to_owned();
                    w
                };
                match record {
                    Lenient::Ok(m) => match m.id.as_ref().and_then(Id::as_u64) {
                        Some(n) => ids.push(n),
                        None => d.report(unreadable(
                            m.id.as_ref().map(|i| i.as_str().to_owned()),
                            "the staff id is not an integer".to_owned(),
                        ))?,
                    },
                    Lenient::Rejected(r) => d.report(unreadable(r.id.clone(), r.describe()))?,
                }
            }
            let each = stream::iter(ids)
                .then(move |id| {
                    let this = this.clone();
                    let tz = tz.clone();
                    let d = d.clone();
                    async move { this.teacher_lessons(id, range, &tz, &d).await }
                })
                .map_ok(|lessons| stream::iter(lessons.into_iter().map(Ok)))
                .try_flatten();
            Ok::<_, Error>(each)
        })
        .try_flatten()
        .try_filter(move |l| ready(seen.first(&l.id)))
        .boxed()
    }

    /// One member of staff's lessons in `range`, without a student. A failing calendar
    /// costs this teacher's lessons; one unreadable period costs that lesson.
    async fn teacher_lessons(
        &self,
        staff: u64,
        range: DateRange,
        tz: &TimeZone,
        d: &Diagnostics,
    ) -> Result<Vec<Lesson>> {
        let operation = routes::STAFF_TIMETABLE_CALENDAR.operation;
        let id = staff.to_string();
        let calendar = match self
            .client
            .staff_timetable_calendar(staff, range.from(), range.to())
            .await
        {
            Ok(c) => c,
            Err(e) => {
                d.degrade(e, |e| {
                    warning(e, operation, "lesson", "teacher's lessons left out").record(id.clone())
                })?;
                return Ok(Vec::new());
            }
        };
        let mut out = Vec::new();
        for lesson in convert::timetable::lessons_each(&calendar, None, tz, &range) {
            match lesson {
                Ok(l) => out.push(l),
                Err(e) => d.degrade(e, |e| {
                    warning(e, operation, "lesson", "lesson record skipped")
                })?,
            }
        }
        Ok(out)
    }

    /// One student's lessons in `range`. A failing calendar costs this student's lessons;
    /// one unreadable period costs that lesson. For a read of one student (`tag`), a 403 (a
    /// scope the client lacks) is the read's answer: it is returned, never an empty result.
    async fn lessons_of(
        &self,
        student: u64,
        range: DateRange,
        tag: bool,
        d: &Diagnostics,
    ) -> Result<Vec<Lesson>> {
        let operation = routes::STUDENT_TIMETABLE_CALENDAR.operation;
        let tz = self.time_zone_for(d, "lesson", "lesson times").await?;
        let id = student.to_string();
        let calendar = match self
            .client
            .student_timetable_calendar(student, range.from(), range.to())
            .await
        {
            Ok(c) => c,
            Err(e) if tag && e.kind() == ErrorKind::PermissionDenied => return Err(e),
            Err(e) => {
                d.degrade(e, |e| {
                    warning(e, operation, "lesson", "student's lessons left out")
                        .student(id.clone())
                })?;
                return Ok(Vec::new());
            }
        };
        let mut out = Vec::new();
        for lesson in
            convert::timetable::lessons_each(&calendar, tag.then_some(id.as_str()), &tz, &range)
        {
            match lesson {
                Ok(l) => out.push(l),
                Err(e) => d.degrade(e, |e| {
                    warning(e, operation, "lesson", "lesson record skipped").student(id.clone())
                })?,
            }
        }
        Ok(out)
    }
}

/// Every record of `walk`. The first error ends it: when `tolerant` and the error is
/// [degradable](Error::is_degradable) (a list whose loss costs only its own part, such as
/// the leavers'), what was read is kept with the error as [`Walked::lost`]; otherwise the
/// error is returned.
async fn walk_to_end<T>(
    mut walk: BoxStream<'static, Result<Lenient<T>>>,
    tolerant: bool,
    operation: &str,
    entity: &str,
) -> Result<Walked<T>> {
    let mut records = Vec::new();
    while let Some(item) = walk.next().await {
        match item {
            Ok(record) => records.push(record),
            Err(e) if tolerant && e.is_degradable() => {
                return Ok(Walked {
                    records,
                    lost: Some(warning(&e, operation, entity, "")),
                });
            }
            Err(e) => return Err(e),
        }
    }
    Ok(Walked {
        records,
        lost: None,
    })
}

/// A warning for `error`, naming the vendor and `operation` when the error does not.
fn warning(
    error: &Error,
    operation: &str,
    entity: &str,
    consequence: impl Into<String>,
) -> Warning {
    let mut w = Warning::from_error(error, entity, consequence);
    if w.vendor.is_empty() {
        w = w.vendor(VENDOR);
    }
    if w.operation.is_empty() {
        w = w.operation(operation);
    }
    w
}

/// A date of birth that was sent but is not `YYYY-MM-DD` is left out of the student; the
/// caller is told, not only the log.
fn report_unreadable_birth_date(
    wire: &wire::Student,
    student: &Student,
    d: &Diagnostics,
) -> Result<()> {
    let sent = wire
        .date_of_birth
        .as_deref()
        .is_some_and(|v| !v.trim().is_empty());
    if sent && student.date_of_birth.is_none() {
        let mut w = Warning::skipped_record(
            VENDOR,
            routes::STUDENTS.operation,
            "student",
            Some(student.id.clone()),
            "date_of_birth is not a YYYY-MM-DD date",
        )
        .student(student.id.clone());
        w.consequence = "student listed without date of birth".to_owned();
        d.report(w)?;
    }
    Ok(())
}

/// A caller's student id: HUBmis ids are integers.
fn parse_student_id(id: &str) -> Result<u64> {
    id.trim().parse::<u64>().map_err(|_| {
        Error::invalid_input(format!(
            "student id {id:?} is not a HUBmis student id (an integer)"
        ))
        .with_vendor(VENDOR)
    })
}

/// A student id from the wire, as the integer the path needs.
fn wire_student_id(id: Option<&Id>) -> Result<u64> {
    let id = id.ok_or_else(|| bad_record("students.list", "id", "a student record has no id"))?;
    id.as_u64().ok_or_else(|| {
        bad_record(
            "students.list",
            "id",
            format!("student id {:?} is not an integer", id.as_str()),
        )
    })
}

/// `filter[dateTime]` for a range of school dates, one day wider on each side.
///
/// The document types the bounds as date-times without saying in which zone it compares
/// them, and records carry a school date: widening by a day and keeping the dates in range
/// on this side gives the right records whatever the server does with the instant.
fn widened(range: DateRange) -> DateTimeRange {
    let instant = |d: Date, h: i8, m: i8, s: i8| -> Option<Timestamp> {
        d.at(h, m, s, 0)
            .to_zoned_datetime(TimeZone::UTC)
            .ok()
            .map(|z| z.timestamp())
    };
    let from = range.from().checked_sub(1.day()).unwrap_or(range.from());
    let to = range.to().checked_add(1.day()).unwrap_or(range.to());
    DateTimeRange {
        from: instant(from, 0, 0, 0),
        to: instant(to, 23, 59, 59),
    }
}

/// What HUBmis supports, known before any request (the same for every school).
pub(crate) fn capabilities() -> Capabilities {
    let mut c = Capabilities::default();
    c.students = true;
    c.attendance_sessions = true;
    c.timetable = true;
    c.behaviour = true;
    c.staff = true;
    c.academic_years = true;
    c.attendance_codes = true;
    c.filter_student = true;
    c.filter_year_group = true;
    c.filter_leavers = true;
    c
}

impl fmt::Debug for HubmisProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HubmisProvider")
            .field("info", self.info())
            .field("client", &self.client)
            .finish_non_exhaustive()
    }
}

#[async_trait]
impl MisProvider for HubmisProvider {
    fn info(&self) -> &ProviderInfo {
        self.state.resolved_info.get().unwrap_or(&self.state.info)
    }

    fn capabilities(&self) -> Capabilities {
        capabilities()
    }

    /// Students on roll (`filter[enrolmentStatus]=current`), then, when leavers are asked
    /// for, the past students (`=past`): two walks, never the unfiltered list, which also
    /// holds applicants and needs the admissions scope. The year group is matched on this
    /// side (HUBmis filters by id), comparing years, not labels: `"Year 9"`, `"Y9"` and
    /// `"9"` are one year ([`convert::student::year_key`]).
    fn students(&self, q: StudentQuery) -> BoxStream<'static, Result<Student>> {
        let this = self.clone();
        let year = q.year_group.as_deref().map(convert::student::year_key);
        let d = q.diagnostics;
        let leavers = if q.include_leavers {
            self.walk_all(
                &[EnrolmentStatus::Past],
                &d,
                "leavers left out: the past students list is not readable",
            )
        } else {
            stream::empty().boxed()
        };
        let seen = Arc::new(std::sync::Mutex::new(HashSet::new()));
        self.on_roll_as_read()
            .chain(leavers)
            .try_filter_map(move |item| {
                let this = this.clone();
                let year = year.clone();
                let d = d.clone();
                let seen = seen.clone();
                async move {
                    let list = routes::STUDENTS.operation;
                    let Some(wire) =
                        mis_http::keep_good(vec![item], &d, VENDOR, list, "student")?.pop()
                    else {
                        return Ok(None);
                    };
                    let plain = match convert::student::student(&wire, None) {
                        Ok(s) => s,
                        Err(e) => {
                            d.degrade(e, |e| {
                                warning(e, list, "student", "student record skipped")
                            })?;
                            return Ok(None);
                        }
                    };
                    let in_year = |y: &String| {
                        plain
                            .year_group
                            .as_deref()
                            .map(convert::student::year_key)
                            .as_ref()
                            == Some(y)
                    };
                    if year.as_ref().is_some_and(|y| !in_year(y)) {
                        return Ok(None);
                    }
                    // A student who left between the two walks is listed by both.
                    let first = seen
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .insert(plain.id.clone());
                    if !first {
                        return Ok(None);
                    }
                    report_unreadable_birth_date(&wire, &plain, &d)?;
                    if !this.state.enrolment_details {
                        return Ok(Some(plain));
                    }
                    let without_upn = |e: Error| {
                        d.degrade(e, |e| {
                            warning(
                                e,
                                routes::STUDENT_ENROLMENT.operation,
                                "student",
                                "student listed without UPN",
                            )
                            .student(plain.id.clone())
                        })
                    };
                    let id = match wire_student_id(wire.id.as_ref()) {
                        Ok(id) => id,
                        Err(e) => {
                            without_upn(e)?;
                            return Ok(Some(plain));
                        }
                    };
                    if let Some(known) = this.enrolments.get(&plain.id) {
                        return convert::student::student(&wire, Some(&known.as_wire())).map(Some);
                    }
                    match this.client.student_enrolment(id).await {
                        Ok(enrolment) => {
                            let known = KnownEnrolment::of(&enrolment);
                            if let Some(k) = &known {
                                this.enrolments.put(&plain.id, k);
                            }
                            let read = known.unwrap_or_else(|| KnownEnrolment {
                                upn: enrolment.unique_pupil_number.clone(),
                                candidate_number: enrolment.candidate_number.clone(),
                            });
                            convert::student::student(&wire, Some(&read.as_wire())).map(Some)
                        }
                        Err(e) => {
                            without_upn(e)?;
                            Ok(Some(plain))
                        }
                    }
                }
            })
            .boxed()
    }

    /// Session marks, one request per student, yielded student by student.
    fn attendance(&self, q: AttendanceQuery) -> BoxStream<'static, Result<AttendanceMark>> {
        if matches!(q.slot, Some(slot) if slot != Slot::Session) {
            return unsupported_stream(VENDOR, "attendance other than AM/PM session marks");
        }
        let this = self.clone();
        let range = q.range;
        let d = q.diagnostics;
        let one = q.student_id.is_some();
        self.student_ids(q.student_id.as_deref(), range, &d, "marks")
            .and_then(move |id| {
                let this = this.clone();
                let d = d.clone();
                async move { this.marks_of(id, range, one, &d).await }
            })
            .map_ok(|marks| stream::iter(marks.into_iter().map(Ok)))
            .try_flatten()
            .boxed()
    }

    /// Dated lessons. For one student: that student's timetable calendar, the lessons
    /// carrying its id. For the whole school: every member of staff's calendar ("Staff:
    /// Fetch Timetable Calendar", one request per member of staff instead of one per
    /// student), each lesson yielded once, without a student; then, with
    /// [`Config::with_lessons_without_teacher`], every student's calendar for the lessons no
    /// teacher's calendar held. When the staff list cannot be read (a 403 for a missing
    /// scope, a 404), the whole school is read from the students' calendars, as that costs
    /// requests, not lessons.
    fn timetable(&self, q: TimetableQuery) -> BoxStream<'static, Result<Lesson>> {
        let range = q.range;
        let d = q.diagnostics;
        let seen = Seen::default();
        if let Some(id) = q.student_id.as_deref() {
            return self.students_lessons(Some(id), range, &d, seen);
        }
        let this = self.clone();
        stream::once(async move {
            let staff = this.staff_roster().await?;
            if let Some(lost) = &staff.lost {
                tracing::debug!(
                    kind = ?lost.kind,
                    "HUBmis staff list not readable; the timetable is read per student"
                );
                return Ok(this.students_lessons(None, range, &d, seen));
            }
            let taught = this.taught_lessons(staff, range, &d, seen.clone());
            if !this.state.lessons_without_teacher {
                return Ok(taught);
            }
            // Lazy: the students' calendars are asked for once the staff's are done, and
            // only their lessons no teacher holds are kept.
            Ok(taught
                .chain(this.students_lessons(None, range, &d, seen))
                .boxed())
        })
        .try_flatten()
        .boxed()
    }

    /// Pastoral wellbeing events in the range: the school's ("Pastoral: Get list of
    /// Events"), or one student's ("Student: Get list of Wellbeing Events for a specific
    /// Student").
    fn behaviour(&self, q: BehaviourQuery) -> BoxStream<'static, Result<BehaviourEvent>> {
        let asked = match q.student_id.as_deref().map(parse_student_id).transpose() {
            Ok(s) => s,
            Err(e) => return stream::once(ready(Err(e))).boxed(),
        };
        let student = asked.map(|n| n.to_string());
        let this = self.clone();
        let range = q.range;
        let d = q.diagnostics;
        stream::once(async move {
            let tz = this.time_zone_for(&d, "behaviour", "event times").await?;
            let rules = this.state.rules.clone();
            // One student's: that student's own wellbeing events, not the school's pages
            // sifted here (a day of a large school's events is several pages).
            let (operation, events) = match asked {
                Some(n) => (
                    routes::STUDENT_WELLBEING_EVENTS.operation,
                    this.client.student_wellbeing_events_lenient(
                        n,
                        &WellbeingFilter {
                            date_time: widened(range),
                            ..WellbeingFilter::default()
                        },
                    ),
                ),
                None => (
                    routes::PASTORAL_EVENTS.operation,
                    this.client.pastoral_events_lenient(&PastoralEventFilter {
                        event_type: Some(PastoralType::WellbeingEvent),
                        date_time: widened(range),
                        // Events of students who have left since stay in the range's
                        // figures (the document: "false if not passed").
                        include_past_students: Some(true),
                        ..PastoralEventFilter::default()
                    }),
                ),
            };
            let events = events
                .try_filter_map(move |item| {
                    let converted =
                        mis_http::keep_good(vec![item], &d, VENDOR, operation, "behaviour")
                            .and_then(|mut good| match good.pop() {
                                None => Ok(None),
                                Some(e) => match convert::behaviour::event(&e, &tz, &rules) {
                                    Ok(b) => Ok(Some(b)),
                                    Err(err) => {
                                        let record = e.id.as_ref().map(|i| i.as_str().to_owned());
                                        d.degrade(err, |err| {
                                            let w = warning(
                                                err,
                                                operation,
                                                "behaviour",
                                                "behaviour record skipped",
                                            );
                                            match record {
                                                Some(r) => w.record(r),
                                                None => w,
                                            }
                                        })
                                        .map(|()| None)
                                    }
                                },
                            });
                    ready(converted)
                })
                .try_filter(move |b| {
                    ready(
                        range.contains(b.date)
                            && student
                                .as_ref()
                                .is_none_or(|s| b.student_ids.iter().any(|x| x == s)),
                    )
                });
            Ok::<_, Error>(events)
        })
        .try_flatten()
        .boxed()
    }

    fn staff(&self) -> BoxStream<'static, Result<Staff>> {
        self.client
            .staff(&StaffFilter::default())
            .and_then(|m| ready(convert::staff::staff(&m)))
            .boxed()
    }

    fn academic_years(&self) -> BoxStream<'static, Result<AcademicYear>> {
        let this = self.clone();
        stream::once(async move { this.years().await })
            .map_ok(|years| {
                stream::iter(
                    years
                        .into_iter()
                        .map(|y| convert::calendar::academic_year(&y)),
                )
            })
            .try_flatten()
            .boxed()
    }

    fn terms(&self) -> BoxStream<'static, Result<Term>> {
        let this = self.clone();
        let per_year = self.client.clone();
        stream::once(async move { this.years().await })
            .map_ok(|years| stream::iter(years.into_iter().map(Ok)))
            .try_flatten()
            .and_then(move |year| {
                let client = per_year.clone();
                async move {
                    let id = year.id.clone().ok_or_else(|| {
                        bad_record(
                            "calendar.academic_years",
                            "id",
                            "an academic year has no id",
                        )
                    })?;
                    let n = id.as_u64().ok_or_else(|| {
                        bad_record(
                            "calendar.academic_years",
                            "id",
                            format!("academic year id {:?} is not an integer", id.as_str()),
                        )
                    })?;
                    let terms = client.terms(n).await?;
                    terms
                        .iter()
                        .map(|t| convert::calendar::term(t, id.as_str()))
                        .collect::<Result<Vec<Term>>>()
                }
            })
            .map_ok(|terms| stream::iter(terms.into_iter().map(Ok)))
            .try_flatten()
            .boxed()
    }

    /// The school's regional settings ("School regional default settings", one request):
    /// the time zone the school set, `None` when it set none. The regional settings hold no
    /// name (that is in "School Communication Details", a second request) and no roll count;
    /// the roll is given when this provider has already walked the list of students on roll
    /// (a `students()` read to its end, or a whole-school attendance read), at no request. A refusal (403
    /// without the settings' scope) is returned as the error it is. What was read also
    /// places the times of later reads (no second request), unless a zone is configured.
    async fn school_profile(&self) -> Result<SchoolProfile> {
        let settings = self.client.regional_settings().await?;
        let zone = settings
            .timezone
            .as_deref()
            .map(str::trim)
            .filter(|z| !z.is_empty())
            .map(str::to_owned);
        if self.state.configured_zone.is_none() && self.state.zone.get().is_none() {
            // Only a fatal error stops `zone_from`; none can come from settings read.
            if let Ok(read) = self.zone_from(Ok(settings)) {
                let _ = self.state.zone.set(read);
            }
        }
        let mut profile = SchoolProfile::new();
        if let Some(zone) = zone {
            profile = profile.with_time_zone(zone);
        }
        if let Some(roll) = self.state.on_roll.peek(self.state.roster_ttl).await {
            profile = profile.with_roll(roll.records.len() as u64);
        }
        Ok(profile)
    }

    /// The code book, each code categorised by today's DfE table.
    fn attendance_codes(&self) -> BoxStream<'static, Result<AttendanceCode>> {
        let this = self.clone();
        stream::once(async move {
            let codes = this.codes().await?;
            let today = match this.time_zone().await {
                Ok(tz) => Timestamp::now().to_zoned_datetime(tz).date(),
                Err(_) => Timestamp::now().to_zoned_datetime(TimeZone::UTC).date(),
            };
            Ok::<_, Error>(
                codes
                    .iter()
                    .filter_map(|c| convert::codes::code(c, &this.state.categoriser, today))
                    .collect::<Vec<_>>(),
            )
        })
        .map_ok(|codes| stream::iter(codes.into_iter().map(Ok)))
        .try_flatten()
        .boxed()
    }
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;

    use super::*;

    #[test]
    fn the_date_filter_is_a_day_wider_each_side() {
        let w = widened(DateRange::new(date(2024, 9, 2), date(2024, 9, 6)).unwrap());
        assert_eq!(w.from.unwrap().to_string(), "2024-09-01T00:00:00Z");
        assert_eq!(w.to.unwrap().to_string(), "2024-09-07T23:59:59Z");
    }

    #[test]
    fn student_ids_are_integers() {
        assert_eq!(parse_student_id(" 56 ").unwrap(), 56);
        let e = parse_student_id("abc").unwrap_err();
        assert_eq!(e.kind(), mis_core::ErrorKind::InvalidInput);
        assert!(e.to_string().contains("abc"));
        assert!(wire_student_id(Some(&Id::from("x"))).is_err());
        assert!(wire_student_id(None).is_err());
    }
}
