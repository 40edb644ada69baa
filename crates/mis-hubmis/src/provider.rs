//! [`MisProvider`] for HUBmis: the typed client's wire records turned into the model.
//!
//! What each entity costs, since every request is five seconds of quota (vendors.md §3.2):
//!
//! | entity | requests |
//! |---|---|
//! | `students` | one per page of students on roll (plus one per page of past students with `include_leavers`), plus one enrolment record per student (for the UPN and candidate number; [`Config::with_enrolment_details`] turns it off) |
//! | `attendance` | one per page of students on roll, plus one per student (or one for a `student_id`); for a range starting before today also one per page of past students and one per past student; the code book once, only if a record names its code by id |
//! | `timetable` | the regional settings once (unless a time zone is configured), one page per student list page, one calendar per student (or one for a `student_id`); past students as for attendance |
//! | `behaviour` | the regional settings once, one per page of pastoral events |
//!
//! A list whose first short page is long enough to be a server's page cap costs one page
//! more, once per list route and provider (see [`Client`]'s paging).
//!
//! Streams yield as they go: attendance for a school of 40 students is 40 requests, and the
//! marks of each student arrive as soon as that student's request returns, so a caller can
//! show progress.
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
//! [`Diagnostics`](mis_core::Diagnostics) (see `mis_core::diagnostics`); only a fatal error
//! (credentials, quota, outage, a bad base URL) ends a read:
//!
//! | fault | operation | what is lost | consequence |
//! |---|---|---|---|
//! | a student record that does not decode (or convert) | `students.list` | that student (and, in attendance and timetables, that student's marks or lessons) | `student record skipped`, `student's marks left out: student record unreadable`, `student's lessons left out: student record unreadable` |
//! | a date of birth that is not `YYYY-MM-DD` | `students.list` | the date of birth | `student listed without date of birth` |
//! | the enrolment record answers 404 / 403 / does not decode | `students.enrolment` | UPN, candidate number | `student listed without UPN` |
//! | a student's attendance answers 404 / 403 / does not decode | `students.attendance` | that student's marks | `student's marks left out` |
//! | one attendance record, lesson or pastoral event that does not decode | its list | that record | `attendance record skipped`, `lesson record skipped`, `behaviour record skipped` |
//! | a student's timetable calendar fails | `students.timetable_calendar` | that student's lessons | `student's lessons left out` |
//! | the past students list answers 403 (no `students.past.read` scope) / 404 | `students.list` | the leavers: their marks, lessons, or (with `include_leavers`) their records | `leavers' marks left out: …`, `leavers' lessons left out: …`, `leavers left out: …` |
//! | an attendance record naming a code id the code book lacks | — | nothing: the mark is `unmapped` with the id as its code | (no warning) |
//! | the regional settings answer 403 / 404 / name an unknown zone | `school.regional_settings` | the school's own zone: times are read in `Europe/London` | `lesson times read in Europe/London: …` (one warning per read, no ids) |

use std::collections::HashSet;
use std::fmt;
use std::sync::{Arc, OnceLock};

use async_trait::async_trait;
use futures::future::ready;
use futures::stream::{self, BoxStream, StreamExt, TryStreamExt};
use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};
use mis_core::codes::CodeMapper;
use mis_core::{
    AcademicYear, AttendanceCode, AttendanceMark, AttendanceQuery, BehaviourEvent, BehaviourQuery,
    Capabilities, DateRange, Diagnostics, Error, Lesson, MisProvider, ProviderInfo, Result, Slot,
    Staff, Student, StudentQuery, Term, TimetableQuery, Warning, unsupported_stream,
};
use mis_http::Lenient;
use tokio::sync::OnceCell;

use crate::client::{
    AttendanceFilter, Client, DateTimeRange, PastoralEventFilter, StaffFilter, StudentFilter,
};
use crate::config::{Config, VENDOR, check_time_zone};
use crate::convert::attendance::{CodeBook, needs_code_book};
use crate::convert::behaviour::PolarityRules;
use crate::convert::{self, bad_record};
use crate::routes;
use crate::wire::{self, EnrolmentStatus, Id, PastoralType};

/// The zone used when neither the configuration nor the vendor names one (DESIGN.md §2.2).
const DEFAULT_ZONE: &str = "Europe/London";

/// HUBmis as a [`MisProvider`]. Cheap to clone; clones share the client (token, quota) and
/// the caches (the school's time zone, the code book).
#[derive(Clone)]
pub struct HubmisProvider {
    client: Client,
    state: Arc<State>,
}

struct State {
    info: ProviderInfo,
    resolved_info: OnceLock<ProviderInfo>,
    configured_zone: Option<TimeZone>,
    zone: OnceCell<Zone>,
    code_book: OnceCell<CodeBook>,
    mapper: CodeMapper,
    rules: PolarityRules,
    enrolment_details: bool,
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
            .time_zone
            .as_deref()
            .map(check_time_zone)
            .transpose()?;
        let info = ProviderInfo::new(VENDOR)
            .tenant(client.realm())
            .time_zone(config.time_zone.as_deref().map_or(DEFAULT_ZONE, str::trim));
        Ok(HubmisProvider {
            client,
            state: Arc::new(State {
                info,
                resolved_info: OnceLock::new(),
                configured_zone,
                zone: OnceCell::new(),
                code_book: OnceCell::new(),
                mapper: config.code_mapper.clone(),
                rules: PolarityRules::new(&config.positive_categories, &config.negative_categories),
                enrolment_details: config.enrolment_details,
            }),
        })
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
                let operation = routes::REGIONAL_SETTINGS.operation;
                let named = self.client.regional_settings().await.and_then(|settings| {
                    let name = settings
                        .timezone
                        .as_deref()
                        .map(str::trim)
                        .filter(|n| !n.is_empty())
                        .map(str::to_owned);
                    match &name {
                        Some(n) => TimeZone::get(n).map(|tz| Some((n.clone(), tz))).map_err(|_| {
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
                        tracing::debug!(
                            "HUBmis regional settings name no time zone; using {DEFAULT_ZONE}"
                        );
                        Zone {
                            tz: default()?,
                            degraded: None,
                        }
                    }
                    // A 403 (the client lacks the settings scope), a 404 or an unknown zone
                    // name: the settings only place times, so the read goes on in the
                    // default zone (DESIGN.md §2.2) and says so.
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
            })
            .await
    }

    /// The code book by id, read once.
    async fn code_book(&self) -> Result<&CodeBook> {
        self.state
            .code_book
            .get_or_try_init(|| async {
                Ok(CodeBook::new(&self.client.attendance_codes(None).await?))
            })
            .await
    }

    /// The students of one enrolment status, as wire records, each decoded on its own.
    fn walk(&self, status: EnrolmentStatus) -> BoxStream<'static, Result<Lenient<wire::Student>>> {
        self.client.students_lenient(&StudentFilter {
            enrolment_status: Some(status),
            ..StudentFilter::default()
        })
    }

    /// The students of `statuses`, one walk after the other (`filter[enrolmentStatus]` takes
    /// one status). Never an unfiltered list: that one also returns applicants and needs the
    /// admissions scope (the document's "Students: Get List"), which a client reading
    /// attendance has no reason to hold.
    ///
    /// The `past` walk is an extra: a client without `students.past.read` gets a 403 there,
    /// which costs the leavers (one warning naming `consequence`), not the read.
    fn walk_all(
        &self,
        statuses: &[EnrolmentStatus],
        d: &Diagnostics,
        consequence: &'static str,
    ) -> BoxStream<'static, Result<Lenient<wire::Student>>> {
        let walks: Vec<_> = statuses
            .iter()
            .map(|status| {
                let walk = self.walk(status.clone());
                if *status == EnrolmentStatus::Current {
                    walk
                } else {
                    tolerate(walk, d.clone(), move |e| {
                        warning(e, routes::STUDENTS.operation, "student", consequence)
                    })
                }
            })
            .collect();
        stream::iter(walks).flatten().boxed()
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
        range.from() < Timestamp::now().to_zoned(tz).date()
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
    async fn marks_of(
        &self,
        student: u64,
        range: DateRange,
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
            match convert::attendance::mark(r, &id, book, &self.state.mapper) {
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

    /// One student's lessons in `range`. A failing calendar costs this student's lessons;
    /// one unreadable period costs that lesson.
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

/// `walk` until its first error; a [degradable](Error::is_degradable) one is reported as
/// the warning `make` builds and ends the walk quietly, any other is yielded (and ends the
/// read). For an extra part of a read, such as the leavers' walk, whose loss costs that
/// part only.
fn tolerate<T: Send + 'static>(
    walk: BoxStream<'static, Result<T>>,
    d: Diagnostics,
    make: impl Fn(&Error) -> Warning + Send + 'static,
) -> BoxStream<'static, Result<T>> {
    walk.scan(false, move |ended, item| {
        if *ended {
            return ready(None);
        }
        ready(match item {
            Ok(v) => Some(Ok(v)),
            Err(e) => {
                *ended = true;
                match d.degrade(e, &make) {
                    Ok(()) => None,
                    Err(e) => Some(Err(e)),
                }
            }
        })
    })
    .boxed()
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
            .to_zoned(TimeZone::UTC)
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

    /// Students on roll (`filter[enrolmentStatus]=current`), then, when leavers are asked
    /// for, the past students (`=past`): two walks, never the unfiltered list, which also
    /// holds applicants and needs the admissions scope. The year group is matched on this
    /// side (HUBmis filters by id), comparing years, not labels: `"Year 9"`, `"Y9"` and
    /// `"9"` are one year ([`convert::student::year_key`]).
    fn students(&self, q: StudentQuery) -> BoxStream<'static, Result<Student>> {
        let this = self.clone();
        let year = q.year_group.as_deref().map(convert::student::year_key);
        let d = q.diagnostics;
        let statuses: &[EnrolmentStatus] = if q.include_leavers {
            &[EnrolmentStatus::Current, EnrolmentStatus::Past]
        } else {
            &[EnrolmentStatus::Current]
        };
        let seen = Arc::new(std::sync::Mutex::new(HashSet::new()));
        self.walk_all(
            statuses,
            &d,
            "leavers left out: the past students list is not readable",
        )
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
                        d.degrade(e, |e| warning(e, list, "student", "student record skipped"))?;
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
                match this.client.student_enrolment(id).await {
                    Ok(enrolment) => convert::student::student(&wire, Some(&enrolment)).map(Some),
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
        self.student_ids(q.student_id.as_deref(), range, &d, "marks")
            .and_then(move |id| {
                let this = this.clone();
                let d = d.clone();
                async move { this.marks_of(id, range, &d).await }
            })
            .map_ok(|marks| stream::iter(marks.into_iter().map(Ok)))
            .try_flatten()
            .boxed()
    }

    /// Dated lessons from each student's timetable calendar. For one student the lessons
    /// carry its id; for the whole school each lesson is yielded once, without a student.
    fn timetable(&self, q: TimetableQuery) -> BoxStream<'static, Result<Lesson>> {
        let this = self.clone();
        let range = q.range;
        let one = q.student_id.is_some();
        let mut seen: HashSet<String> = HashSet::new();
        let d = q.diagnostics;
        self.student_ids(q.student_id.as_deref(), range, &d, "lessons")
            .and_then(move |id| {
                let this = this.clone();
                let d = d.clone();
                async move { this.lessons_of(id, range, one, &d).await }
            })
            .map_ok(|lessons| stream::iter(lessons.into_iter().map(Ok)))
            .try_flatten()
            .try_filter(move |l| ready(one || seen.insert(l.id.clone())))
            .boxed()
    }

    /// Pastoral wellbeing events in the range (all students, or one).
    fn behaviour(&self, q: BehaviourQuery) -> BoxStream<'static, Result<BehaviourEvent>> {
        let student = match q.student_id.as_deref().map(parse_student_id).transpose() {
            Ok(s) => s.map(|n| n.to_string()),
            Err(e) => return stream::once(ready(Err(e))).boxed(),
        };
        let this = self.clone();
        let range = q.range;
        let d = q.diagnostics;
        stream::once(async move {
            let tz = this.time_zone_for(&d, "behaviour", "event times").await?;
            let rules = this.state.rules.clone();
            let operation = routes::PASTORAL_EVENTS.operation;
            let events = this
                .client
                .pastoral_events_lenient(&PastoralEventFilter {
                    event_type: Some(PastoralType::WellbeingEvent),
                    date_time: widened(range),
                    // Events of students who have left since stay in the range's figures
                    // (the document: "false if not passed").
                    include_past_students: Some(true),
                    ..PastoralEventFilter::default()
                })
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
        let client = self.client.clone();
        stream::once(async move { client.academic_years().await })
            .map_ok(|years| {
                stream::iter(
                    years
                        .into_iter()
                        .map(|y| convert::academic::academic_year(&y)),
                )
            })
            .try_flatten()
            .boxed()
    }

    fn terms(&self) -> BoxStream<'static, Result<Term>> {
        let client = self.client.clone();
        let per_year = self.client.clone();
        stream::once(async move { client.academic_years().await })
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
                        .map(|t| convert::academic::term(t, id.as_str()))
                        .collect::<Result<Vec<Term>>>()
                }
            })
            .map_ok(|terms| stream::iter(terms.into_iter().map(Ok)))
            .try_flatten()
            .boxed()
    }

    /// The code book, each code categorised by today's DfE table.
    fn attendance_codes(&self) -> BoxStream<'static, Result<AttendanceCode>> {
        let this = self.clone();
        stream::once(async move {
            let codes = this.client.attendance_codes(None).await?;
            let today = match this.time_zone().await {
                Ok(tz) => Timestamp::now().to_zoned(tz).date(),
                Err(_) => Timestamp::now().to_zoned(TimeZone::UTC).date(),
            };
            Ok::<_, Error>(
                codes
                    .iter()
                    .filter_map(|c| convert::attendance::code(c, &this.state.mapper, today))
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
