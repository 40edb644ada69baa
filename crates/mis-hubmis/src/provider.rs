//! [`MisProvider`] for HUBmis: the typed client's wire records turned into the model.
//!
//! What each entity costs, since every request is five seconds of quota (vendors.md §3.2):
//!
//! | entity | requests |
//! |---|---|
//! | `students` | one per page of students, plus one enrolment record per student (for the UPN and candidate number; [`Config::with_enrolment_details`] turns it off) |
//! | `attendance` | one per page of students on roll, plus one per student (or one for a `student_id`); the code book once, only if a record names its code by id |
//! | `timetable` | the regional settings once (unless a time zone is configured), one page per student list page, one calendar per student (or one for a `student_id`) |
//! | `behaviour` | the regional settings once, one per page of pastoral events |
//!
//! Streams yield as they go: attendance for a school of 40 students is 40 requests, and the
//! marks of each student arrive as soon as that student's request returns, so a caller can
//! show progress.
//!
//! Attendance and timetables cover the students **on roll**; a leaver's marks or lessons
//! are read by asking for that `student_id`. HUBmis records session (AM/PM) marks only:
//! lesson and whole-day registers are `Unsupported`.

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
    Capabilities, DateRange, Error, Lesson, MisProvider, ProviderInfo, Result, Slot, Staff,
    Student, StudentQuery, Term, TimetableQuery, unsupported_stream,
};
use tokio::sync::OnceCell;

use crate::client::{
    AttendanceFilter, Client, DateTimeRange, PastoralEventFilter, StaffFilter, StudentFilter,
};
use crate::config::{Config, VENDOR, check_time_zone};
use crate::convert::attendance::{CodeBook, needs_code_book};
use crate::convert::behaviour::PolarityRules;
use crate::convert::{self, bad_record};
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
    zone: OnceCell<TimeZone>,
    code_book: OnceCell<CodeBook>,
    mapper: CodeMapper,
    rules: PolarityRules,
    enrolment_details: bool,
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
    /// (read once), else `Europe/London`.
    pub async fn time_zone(&self) -> Result<TimeZone> {
        if let Some(tz) = &self.state.configured_zone {
            return Ok(tz.clone());
        }
        self.state
            .zone
            .get_or_try_init(|| async {
                let settings = self.client.regional_settings().await?;
                let name = settings
                    .timezone
                    .as_deref()
                    .map(str::trim)
                    .filter(|n| !n.is_empty());
                let tz = match name {
                    Some(name) => TimeZone::get(name).map_err(|_| {
                        bad_record(
                            "school.regional_settings",
                            "timezone",
                            format!(
                                "the school's regional settings name an unknown time zone {name:?}"
                            ),
                        )
                    })?,
                    None => {
                        tracing::debug!(
                            "HUBmis regional settings name no time zone; using {DEFAULT_ZONE}"
                        );
                        TimeZone::get(DEFAULT_ZONE).map_err(|e| {
                            Error::invalid_input(format!(
                                "the bundled time zone database lacks {DEFAULT_ZONE}: {e}"
                            ))
                        })?
                    }
                };
                let _ = self.state.resolved_info.set(
                    self.state
                        .info
                        .clone()
                        .time_zone(name.unwrap_or(DEFAULT_ZONE)),
                );
                Ok(tz)
            })
            .await
            .cloned()
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

    /// The students on roll, as wire records (the lists attendance and timetables walk).
    fn on_roll(&self) -> BoxStream<'static, Result<wire::Student>> {
        self.client.students(&StudentFilter {
            enrolment_status: Some(EnrolmentStatus::Current),
            ..StudentFilter::default()
        })
    }

    /// The student ids a ranged query covers: the one asked for, else everyone on roll.
    fn student_ids(&self, student: Option<&str>) -> BoxStream<'static, Result<u64>> {
        match student {
            Some(id) => stream::once(ready(parse_student_id(id))).boxed(),
            None => self
                .on_roll()
                .and_then(|s| ready(wire_student_id(s.id.as_ref())))
                .boxed(),
        }
    }

    /// One student's session marks in `range`.
    async fn marks_of(&self, student: u64, range: DateRange) -> Result<Vec<AttendanceMark>> {
        let filter = AttendanceFilter {
            date_time: widened(range),
            ..AttendanceFilter::default()
        };
        let records = self.client.student_attendance(student, &filter).await?;
        let empty = CodeBook::default();
        let book = if records.iter().any(needs_code_book) {
            self.code_book().await?
        } else {
            &empty
        };
        let id = student.to_string();
        let mut marks = Vec::with_capacity(records.len());
        for r in &records {
            let m = convert::attendance::mark(r, &id, book, &self.state.mapper)?;
            if range.contains(m.date) {
                marks.push(m);
            }
        }
        Ok(marks)
    }

    /// One student's lessons in `range`.
    async fn lessons_of(&self, student: u64, range: DateRange, tag: bool) -> Result<Vec<Lesson>> {
        let tz = self.time_zone().await?;
        let calendar = self
            .client
            .student_timetable_calendar(student, range.from(), range.to())
            .await?;
        let id = student.to_string();
        convert::timetable::lessons(&calendar, tag.then_some(id.as_str()), &tz, &range)
    }
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

    /// Students: on roll only unless leavers are asked for (`filter[enrolmentStatus]`); the
    /// year group is matched on this side, against the label (HUBmis filters by id).
    fn students(&self, q: StudentQuery) -> BoxStream<'static, Result<Student>> {
        let filter = StudentFilter {
            enrolment_status: (!q.include_leavers).then_some(EnrolmentStatus::Current),
            ..StudentFilter::default()
        };
        let this = self.clone();
        let year = q.year_group.map(|y| y.trim().to_owned());
        self.client
            .students(&filter)
            .try_filter_map(move |wire| {
                let this = this.clone();
                let year = year.clone();
                async move {
                    let plain = convert::student::student(&wire, None)?;
                    if year.is_some() && plain.year_group != year {
                        return Ok(None);
                    }
                    if !this.state.enrolment_details {
                        return Ok(Some(plain));
                    }
                    let id = wire_student_id(wire.id.as_ref())?;
                    let enrolment = this.client.student_enrolment(id).await?;
                    convert::student::student(&wire, Some(&enrolment)).map(Some)
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
        self.student_ids(q.student_id.as_deref())
            .and_then(move |id| {
                let this = this.clone();
                async move { this.marks_of(id, range).await }
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
        self.student_ids(q.student_id.as_deref())
            .and_then(move |id| {
                let this = this.clone();
                async move { this.lessons_of(id, range, one).await }
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
        stream::once(async move {
            let tz = this.time_zone().await?;
            let rules = this.state.rules.clone();
            let events = this
                .client
                .pastoral_events(&PastoralEventFilter {
                    event_type: Some(PastoralType::WellbeingEvent),
                    date_time: widened(range),
                    ..PastoralEventFilter::default()
                })
                .and_then(move |e| ready(convert::behaviour::event(&e, &tz, &rules)))
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
