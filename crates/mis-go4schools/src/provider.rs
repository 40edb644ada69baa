//! `impl MisProvider for Client`: the vendor's per-date, id-based API joined into the
//! normalised model.
//!
//! How each entity is built:
//!
//! * **students** — `students` joined with `students/education-details` of the school's
//!   current academic year (UPN, year and registration group, enrolment).
//! * **attendance** — for each date of the range (split by academic year, vendors.md §2.2;
//!   dates the calendar marks `Closed` skipped), the session marks and lesson marks of that
//!   date; mark and alias ids resolved through that year's attendance codes into the raw code,
//!   categorised by `mis_core::codes`; lesson marks placed in their period through the
//!   timetabled classes.
//! * **timetable** — the cyclic timetable (periods in week 1/2 on a weekday) expanded over
//!   the calendar's open days (which timetable and week each date is); a student filter uses
//!   that student's classes and membership dates.
//! * **behaviour** — the events of each date joined to their event types (significance →
//!   polarity, name → category).
//! * **record_attendance** — `POST` session attendance after checking the session, the code
//!   (in that year's code book) and the student's UPN.
//!
//! Reference data — the school's academic years, and per year the codes, calendar,
//! timetable, event types and education details — is fetched once per client and cached
//! ([`Client::clear_cache`] forgets it). Marks and events are never cached.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, Mutex, PoisonError};

use async_trait::async_trait;
use futures::stream::{self, BoxStream, StreamExt, TryStreamExt};
use jiff::civil::Date;
use mis_core::{
    AcademicYear, AttendanceCode, AttendanceMark, AttendanceQuery, AttendanceWrite, BehaviourEvent,
    BehaviourQuery, Capabilities, DateRange, EnrolmentStatus, Error, ErrorKind, Group, Lesson,
    MisProvider, ProviderInfo, Result, Session, Slot, Staff, Student, StudentQuery, TimetableQuery,
    WriteReceipt,
};
use tokio::sync::OnceCell;

use crate::client::Client;
use crate::convert::{
    self, CodeBook, TimetableIndex, VENDOR, academic_year_name, academic_year_of,
    split_by_academic_year, year_group_segment,
};
use crate::wire::{self, DayType};

/// How many dates' marks or events are fetched at once. Small: it bounds memory and keeps
/// the client well inside any rate limit, while hiding most of the per-request latency.
const DAYS_IN_FLIGHT: usize = 4;

/// The calendar of one academic year, by date.
type CalendarMap = BTreeMap<Date, wire::CalendarDay>;

/// A year's code book, raw and indexed.
pub(crate) struct Codes {
    raw: Vec<wire::AttendanceCode>,
    book: CodeBook,
}

/// Reference data of one academic year.
#[derive(Default)]
struct YearCache {
    codes: OnceCell<Arc<Codes>>,
    calendar: OnceCell<Arc<CalendarMap>>,
    timetable: OnceCell<Arc<TimetableIndex>>,
    event_types: OnceCell<Arc<HashMap<i64, wire::EventType>>>,
    /// Not a `OnceCell`: a write for a student added since it was filled refreshes it.
    education: Mutex<Option<Arc<Vec<wire::EducationDetails>>>>,
}

#[derive(Default)]
struct CacheData {
    /// `None` inside: the school endpoint is not allowed for this key, so the year list is
    /// unknown and every year a range touches is queried.
    school: OnceCell<Option<wire::School>>,
    years: Mutex<BTreeMap<i32, Arc<YearCache>>>,
    authors: OnceCell<Arc<HashMap<i64, String>>>,
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

/// The provider's cache, shared by every clone of a client.
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

    pub(crate) fn clear(&self) {
        *self.data.lock().unwrap_or_else(PoisonError::into_inner) = Arc::default();
    }
}

/// Errors that mean "this key may not read that", after which optional enrichment (teacher
/// names, subject names, authors) is skipped instead of failing the whole query.
fn not_allowed(e: &Error) -> bool {
    matches!(e.kind(), ErrorKind::PermissionDenied | ErrorKind::NotFound)
}

/// Optional enrichment: an empty list when the key may not read it.
fn optional<T>(r: Result<Vec<T>>, what: &str) -> Result<Vec<T>> {
    match r {
        Err(e) if not_allowed(&e) => {
            tracing::debug!(error = %e, "{what} not readable; lessons will lack them");
            Ok(Vec::new())
        }
        other => other,
    }
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

fn flatten<T: Send + 'static>(
    s: impl futures::Stream<Item = Result<Vec<T>>> + Send + 'static,
) -> BoxStream<'static, Result<T>> {
    s.map_ok(|items| stream::iter(items.into_iter().map(Ok)))
        .try_flatten()
        .boxed()
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

impl Client {
    fn today(&self) -> Date {
        jiff::Timestamp::now()
            .to_zoned(self.inner.tz.clone())
            .date()
    }

    /// The school, cached; `None` when the key may not read it.
    async fn school_cached(&self) -> Result<Option<wire::School>> {
        let cache = self.inner.cache.get();
        cache
            .school
            .get_or_try_init(|| async {
                match self.school().await {
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
                let raw = self.attendance_code_book(year).await?;
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
                let days = self.calendar(year).await?;
                Ok(Arc::new(days.into_iter().map(|d| (d.date, d)).collect()))
            })
            .await
            .cloned()
    }

    async fn timetable_of(&self, year: i32) -> Result<Arc<TimetableIndex>> {
        let y = self.inner.cache.get().year(year);
        y.timetable
            .get_or_try_init(|| async {
                let (timetables, classes, teachers, subjects) = futures::join!(
                    self.timetables(year),
                    self.timetabled_classes(year).try_collect::<Vec<_>>(),
                    self.teachers(year),
                    self.subjects(year),
                );
                let teachers = optional(teachers, "teachers")?;
                let subjects = optional(subjects, "subjects")?;
                Ok(Arc::new(TimetableIndex::new(
                    &timetables?,
                    &classes?,
                    &teachers,
                    &subjects,
                )))
            })
            .await
            .cloned()
    }

    async fn event_types_of(&self, year: i32) -> Result<Arc<HashMap<i64, wire::EventType>>> {
        let y = self.inner.cache.get().year(year);
        y.event_types
            .get_or_try_init(|| async {
                let types = self.event_types(year).await?;
                Ok(Arc::new(types.into_iter().map(|t| (t.id, t)).collect()))
            })
            .await
            .cloned()
    }

    async fn education_of(
        &self,
        year: i32,
        refresh: bool,
    ) -> Result<Arc<Vec<wire::EducationDetails>>> {
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
        let fresh = Arc::new(self.education_details(year).try_collect::<Vec<_>>().await?);
        *y.education.lock().unwrap_or_else(PoisonError::into_inner) = Some(fresh.clone());
        Ok(fresh)
    }

    /// Staff account id → display name, for behaviour authors; empty when not readable.
    async fn authors(&self) -> Result<Arc<HashMap<i64, String>>> {
        let cache = self.inner.cache.get();
        cache
            .authors
            .get_or_try_init(|| async {
                match self.staff_accounts().await {
                    Ok(list) => Ok(Arc::new(
                        list.into_iter()
                            .filter_map(|s| {
                                let name = s.display_name.clone().or_else(|| {
                                    Some(format!("{} {}", s.first()?, s.last()?))
                                })?;
                                Some((s.id, name))
                            })
                            .collect(),
                    )),
                    Err(e) if not_allowed(&e) => {
                        tracing::debug!(error = %e, "staff accounts not readable; events without authors");
                        Ok(Arc::new(HashMap::new()))
                    }
                    Err(e) => Err(e),
                }
            })
            .await
            .cloned()
    }

    /// One date's marks (`sessions`/`lessons` say which registers), of one student or all.
    async fn day_marks(
        &self,
        year: i32,
        date: Date,
        codes: Arc<Codes>,
        timetable: Option<Arc<TimetableIndex>>,
        sessions: bool,
        student: Option<i64>,
    ) -> Result<Vec<AttendanceMark>> {
        let keep = |id: i64| student.is_none_or(|s| s == id);
        let mapper = &self.inner.mapper;
        let (session_marks, lesson_marks) = futures::join!(
            async {
                if sessions {
                    self.session_marks(year, date).await
                } else {
                    Ok(Vec::new())
                }
            },
            async {
                if timetable.is_some() {
                    self.lesson_marks(year, date).await
                } else {
                    Ok(Vec::new())
                }
            }
        );
        let mut out = Vec::new();
        for m in session_marks?.iter().filter(|m| keep(m.student_id)) {
            out.push(convert::session_mark(m, date, &codes.book, mapper)?);
        }
        for m in lesson_marks?.iter().filter(|m| keep(m.student_id)) {
            out.push(convert::lesson_mark(
                m,
                date,
                &codes.book,
                mapper,
                timetable.as_deref(),
            ));
        }
        Ok(out)
    }

    /// One date's behaviour events.
    async fn day_events(
        &self,
        year: i32,
        date: Date,
        types: Arc<HashMap<i64, wire::EventType>>,
        authors: Arc<HashMap<i64, String>>,
        student: Option<i64>,
    ) -> Result<Vec<BehaviourEvent>> {
        let events: Vec<wire::BehaviourEvent> =
            self.behaviour_events(year, date).try_collect().await?;
        Ok(events
            .iter()
            .filter(|e| student.is_none_or(|s| e.student_ids.contains(&s)))
            .filter_map(|e| convert::behaviour_event(e, date, &types, &self.inner.tz, &authors))
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
        let mut upn = upn_of(&self.education_of(year, false).await?);
        if upn.is_none() {
            upn = upn_of(&self.education_of(year, true).await?);
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
        self.record_session_attendance(year, &body).await?;
        Ok(WriteReceipt::Applied { id: None })
    }
}

#[async_trait]
impl MisProvider for Client {
    fn info(&self) -> &ProviderInfo {
        &self.inner.info
    }

    fn capabilities(&self) -> Capabilities {
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

    fn students(&self, q: StudentQuery) -> BoxStream<'static, Result<Student>> {
        let client = self.clone();
        flatten(stream::once(async move {
            let year = client.current_year().await?;
            let today = client.today();
            let (students, details) = futures::try_join!(
                client.student_details(year),
                client.education_of(year, false)
            )?;
            let by_id: HashMap<i64, &wire::EducationDetails> =
                details.iter().map(|d| (d.student_id, d)).collect();
            Ok(students
                .iter()
                .map(|s| convert::student(s, by_id.get(&s.id).copied(), today))
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
        let client = self.clone();
        let range = q.range;
        let planner = client.clone();
        let jobs = stream::once(async move { planner.plan(range).await })
            .map_ok(|parts| stream::iter(parts.into_iter().map(Ok)))
            .try_flatten()
            .and_then({
                let client = client.clone();
                move |(year, part)| {
                    let client = client.clone();
                    async move {
                        let (codes, calendar) =
                            futures::try_join!(client.codes_of(year), client.calendar_of(year))?;
                        let timetable = if lessons {
                            Some(client.timetable_of(year).await?)
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
                let client = client.clone();
                async move {
                    client
                        .day_marks(year, date, codes, timetable, sessions, student)
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
        let client = self.clone();
        let range = q.range;
        let planner = client.clone();
        flatten(
            stream::once(async move { planner.plan(range).await })
                .map_ok(|parts| stream::iter(parts.into_iter().map(Ok)))
                .try_flatten()
                .and_then(move |(year, part)| {
                    let client = client.clone();
                    async move {
                        let (index, calendar) = futures::try_join!(
                            client.timetable_of(year),
                            client.calendar_of(year)
                        )?;
                        let days: Vec<wire::CalendarDay> = calendar
                            .range(part.from()..=part.to())
                            .map(|(_, d)| d.clone())
                            .collect();
                        match student {
                            None => index.lessons(&days, &client.inner.tz, None),
                            Some(id) => {
                                let mine: Vec<wire::StudentClass> = client
                                    .student_classes(year)
                                    .try_filter(|s| futures::future::ready(s.student_id == id))
                                    .map_ok(|s| s.classes)
                                    .try_concat()
                                    .await?;
                                let sid = id.to_string();
                                index.lessons(&days, &client.inner.tz, Some((&sid, &mine)))
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
        let client = self.clone();
        let range = q.range;
        let planner = client.clone();
        let jobs = stream::once(async move { planner.plan(range).await })
            .map_ok(|parts| stream::iter(parts.into_iter().map(Ok)))
            .try_flatten()
            .and_then({
                let client = client.clone();
                move |(year, part)| {
                    let client = client.clone();
                    async move {
                        let (types, authors, calendar) = futures::try_join!(
                            client.event_types_of(year),
                            client.authors(),
                            client.calendar_of(year)
                        )?;
                        let jobs: Vec<Result<_>> = part
                            .days()
                            .filter(|d| !is_closed(&calendar, *d))
                            .map(|d| Ok((year, d, types.clone(), authors.clone())))
                            .collect();
                        Ok(stream::iter(jobs))
                    }
                }
            })
            .try_flatten();
        flatten(
            jobs.map_ok(move |(year, date, types, authors)| {
                let client = client.clone();
                async move { client.day_events(year, date, types, authors, student).await }
            })
            .try_buffered(DAYS_IN_FLIGHT),
        )
    }

    fn staff(&self) -> BoxStream<'static, Result<Staff>> {
        let client = self.clone();
        flatten(stream::once(async move {
            let year = client.current_year().await?;
            Ok(client
                .teachers(year)
                .await?
                .iter()
                .map(convert::staff)
                .collect::<Vec<_>>())
        }))
    }

    fn groups(&self) -> BoxStream<'static, Result<Group>> {
        let client = self.clone();
        flatten(stream::once(async move {
            let year = client.current_year().await?;
            let (groups, students, teachers, subjects, details) = futures::try_join!(
                client.teaching_groups(year),
                client.group_students(year),
                client.group_teachers(year),
                client.subjects(year),
                client.education_of(year, false),
            )?;
            let mut out = convert::teaching_groups(&groups, &students, &teachers, &subjects);
            out.extend(convert::derived_groups(&details));
            Ok(out)
        }))
    }

    fn academic_years(&self) -> BoxStream<'static, Result<AcademicYear>> {
        let client = self.clone();
        flatten(stream::once(async move {
            let school = client.school().await?;
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
        let client = self.clone();
        flatten(stream::once(async move {
            let year = client.current_year().await?;
            let codes = client.codes_of(year).await?;
            let first_day = convert::academic_year_range(year)?.from();
            Ok(codes
                .raw
                .iter()
                .map(|c| convert::attendance_code(c, first_day, &client.inner.mapper))
                .collect::<Vec<_>>())
        }))
    }

    async fn record_attendance(&self, w: AttendanceWrite) -> Result<WriteReceipt> {
        self.write(w).await
    }
}
