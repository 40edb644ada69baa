//! `impl MisProvider` for [`StudentClient`] and [`ParentClient`]: the wire, converted to the
//! mis-core model.
//!
//! | trait method | ClassCharts source | notes |
//! |---|---|---|
//! | `students` | the pupil itself (`/ping` `data.user`), or the parent's `/pupils` | no UPN, year group or form on this API; the student login's date of birth is the pupil's |
//! | `attendance` | `GET /attendance/{id}?from&to`, one request per pupil, + `GET /timetable/{id}?date=` for each date with lesson marks (read once per run for attendance and timetable together) | session keys (`AM`, `AM Reg`, `Morning`…) → session marks, other keys → lesson marks joined to their timetabled lesson (its `period` and `id`); DfE code first, ClassCharts `status` second, uncoded absences as configured ([`convert::marks`], [`convert::join_lessons`]) |
//! | `timetable` | `GET /timetable/{id}?date=`, **one request per teaching date** in the range (school weekdays and `meta.timetable_dates`; never weekends by default) | ISO times in the school's zone; breaks skipped; id = class id + date + period |
//! | `behaviour` | `GET /activity/{id}` paged by `last_id` until an empty page or a page reaching before `from` (the API ignores `from`) | points of type `behaviour` only |
//! | `homework` | `GET /homeworks/{id}?display_date=due_date&from&to` | by due date, as [`HomeworkQuery`] asks |
//! | `detentions` | `GET /detentions/{id}?from&to` | dates are school dates (local midnight written in UTC is the next day in BST); malformed dates read leniently; unreadable ones skipped |
//! | `record_attendance`, staff, groups, years, codes | — | `Unsupported`: pupils and parents cannot write registers, and the API has no such lists |
//! | `school_profile` | a parent's `/pupils` record of the (chosen, else first) pupil: `school_name`, `timezone` (the list every read starts from) | `Unsupported` on a pupil login: the student object names no school or zone; no roll (a parent sees their own pupils) |
//!
//! **Partial results** (the query's `Diagnostics`): every list is decoded record by record
//! (`mis_http::Lenient`), so a pupil, activity point, lesson, mark, task or detention
//! that does not decode or convert is skipped and reported with its id and pupil. A per-pupil
//! call that fails degradably (`NotFound`, `PermissionDenied`, `Vendor`, `Decode`: an error
//! envelope about that pupil) costs that pupil's part of the read, named by `student_id`;
//! the day's timetable, read only to join lesson marks to their lessons, costs only those
//! marks' timetable `period` and `lesson_id`. A module the school switched off (a permission
//! refusal of the module's own route: attendance, timetable, activity, homework, detentions)
//! costs the pupil's part only while another pupil of the read was not refused; a read of one
//! pupil, or of pupils all refused, gets the `PermissionDenied` error itself, never an empty
//! list. Fatal errors (login refused, a session that a new
//! login cannot revive, a 429 beyond the retry policy) still end the read. The student API's
//! one pupil record is the id every call needs, so it is never skipped.
//!
//! A query's `student_id` must be the logged-in pupil (student) or one of the parent's
//! pupils; anything else is `InvalidInput` naming the pupils there are. The school's zone is
//! the configured one, else the pupil's `timezone`, else `Europe/London` (ClassCharts serves
//! UK schools).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use async_trait::async_trait;
use futures::future::BoxFuture;
use futures::stream::{self, BoxStream, StreamExt, TryStreamExt};
use jiff::ToSpan;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use mis_core::{
    AttendanceMark, AttendanceQuery, BehaviourEvent, BehaviourQuery, Capabilities, DateRange,
    Detention, DetentionQuery, Diagnostics, Error, ErrorKind, Homework, HomeworkQuery, Lesson,
    MisProvider, ProviderInfo, Result, SchoolProfile, Slot, Student, StudentQuery, TimetableQuery,
    Warning, error_stream, unsupported_stream,
};
use mis_http::Lenient;

use crate::VENDOR;
use crate::client::{
    ActivityFilter, Client, DayReply, DisplayDate, HomeworkFilter, ParentClient, StudentClient,
};
use crate::convert;
use crate::wire::{AttendanceDays, AttendancePeriod, Detention as WireDetention};
use crate::wire::{Homework as WireHomework, TimetableMeta};

/// One pupil the provider reads for.
#[derive(Debug, Clone)]
struct Target {
    id: String,
    zone: TimeZone,
    student: Student,
}

/// The pupils a read covers, found before any of it is read.
type Targets = BoxFuture<'static, Result<Vec<Target>>>;

/// What a read loses when a pupil's record cannot be read: the students read the pupil, the
/// others that pupil's part (`consequence` of the warning).
#[derive(Debug, Clone, Copy)]
struct Loss(&'static str);

/// A warning about one pupil's part of a read, from the error that cost it.
fn pupil_warning(e: &Error, entity: &str, consequence: &str, pupil: &str) -> Warning {
    let mut w = Warning::from_error(e, entity, consequence).student(pupil);
    if w.vendor.is_empty() {
        w = w.vendor(VENDOR);
    }
    w
}

/// A record of `pupil`'s answer that did not decode or convert: skipped, and named.
fn skipped(
    operation: &str,
    entity: &str,
    record: Option<String>,
    message: impl Into<String>,
    pupil: &str,
) -> Warning {
    Warning::skipped_record(VENDOR, operation, entity, record, message).student(pupil)
}

/// The decoded items of one pupil's list, each rejected one reported as a skipped record.
fn good<T>(
    items: Vec<Lenient<T>>,
    d: &Diagnostics,
    operation: &str,
    entity: &str,
    pupil: &str,
) -> Result<Vec<T>> {
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        match item {
            Lenient::Ok(t) => out.push(t),
            Lenient::Rejected(r) => {
                d.report(skipped(
                    operation,
                    entity,
                    r.id.clone(),
                    r.describe(),
                    pupil,
                ))?;
            }
        }
    }
    Ok(out)
}

/// The pupils a query asks for, out of `all` (the student, or the parent's pupils).
/// `unreadable` are the ids of pupil records that could not be read (already reported): a
/// query for one of them gets nothing rather than an error.
fn pick(
    all: Vec<Target>,
    unreadable: &[Option<String>],
    wanted: Option<String>,
    who: &str,
) -> Result<Vec<Target>> {
    let Some(wanted) = wanted else {
        return Ok(all);
    };
    let wanted = wanted.trim().to_owned();
    if wanted.is_empty() {
        return Err(Error::invalid_input("the student id filter is empty"));
    }
    let known: Vec<String> = all.iter().map(|t| t.id.clone()).collect();
    let picked: Vec<Target> = all.into_iter().filter(|t| t.id == wanted).collect();
    if picked.is_empty() {
        if unreadable
            .iter()
            .any(|id| id.as_deref().is_none_or(|id| id.trim() == wanted))
        {
            // The pupil may be there, but its record could not be read: the warning says so.
            return Ok(picked);
        }
        return Err(Error::invalid_input(format!(
            "student {wanted} is not {who} (pupil ids here: {})",
            known.join(", ")
        ))
        .with_vendor(VENDOR));
    }
    Ok(picked)
}

impl StudentClient {
    fn targets(&self, wanted: Option<String>, _d: Diagnostics, _loss: Loss) -> Targets {
        let this = self.clone();
        Box::pin(async move {
            // One record, and the pupil id every other call needs: if it cannot be read there
            // is nothing to degrade to, so an error here ends the read.
            let me = this.me().await?;
            let target = Target {
                id: me.id.clone(),
                zone: this.zone_for(me.timezone.as_deref()),
                student: convert::student(&me, this.date_of_birth())?,
            };
            pick(vec![target], &[], wanted, "the logged-in pupil")
        })
    }
}

impl ParentClient {
    /// The parent's pupils (or the configured one), each decoded on its own: a pupil record
    /// that does not decode or convert is reported (`loss` says what the read loses) and left
    /// out, and the others are read.
    fn targets(&self, wanted: Option<String>, d: Diagnostics, loss: Loss) -> Targets {
        let this = self.clone();
        Box::pin(async move {
            let pupils = this.pupils_once().await?;
            let pupils = Vec::clone(&pupils);
            let mut all = Vec::with_capacity(pupils.len());
            let mut rejected: Vec<(Option<String>, String)> = Vec::new();
            for item in pupils {
                match item {
                    Lenient::Ok(p) => match convert::student(&p.student, None) {
                        Ok(student) => all.push(Target {
                            id: p.student.id.clone(),
                            zone: this.zone_for(p.student.timezone.as_deref()),
                            student,
                        }),
                        Err(e) => {
                            let id = Some(p.student.id.trim().to_owned()).filter(|i| !i.is_empty());
                            rejected.push((id, e.message().to_owned()));
                        }
                    },
                    Lenient::Rejected(r) => rejected.push((r.id.clone(), r.describe())),
                }
            }
            // The configured pupil, as `ParentClient::pupils` picks it.
            if let Some(chosen) = this.chosen_pupil().map(str::to_owned) {
                let here = all.iter().any(|t| t.id == chosen);
                all.retain(|t| t.id == chosen);
                rejected.retain(|(id, _)| id.as_deref().is_none_or(|id| id == chosen));
                if !here && rejected.is_empty() {
                    return Err(Error::new(
                        ErrorKind::NotFound,
                        format!("pupil {chosen} is not one of this parent's pupils"),
                    )
                    .with_vendor(VENDOR));
                }
            }
            // Only the unreadable records this read would have covered are its loss.
            let wanted_id = wanted.as_deref().map(str::trim);
            let found = wanted_id.is_some_and(|w| all.iter().any(|t| t.id == w));
            for (id, message) in &rejected {
                let concerns = match wanted_id {
                    None => true,
                    Some(w) => !found && id.as_deref().is_none_or(|id| id == w),
                };
                if concerns {
                    let mut w =
                        Warning::skipped_record(VENDOR, "pupils", "student", id.clone(), message);
                    w.consequence = loss.0.to_owned();
                    d.report(w)?;
                }
            }
            let unreadable: Vec<Option<String>> = rejected.into_iter().map(|(id, _)| id).collect();
            pick(all, &unreadable, wanted, "one of this parent's pupils")
        })
    }
}

/// Runs `per` for each target, one after the other, as one stream; `per` is handed the
/// read's [`Refusals`].
fn per_target<T: Send + 'static>(
    targets: Targets,
    per: impl Fn(Target, Refusals) -> BoxStream<'static, Result<T>> + Send + Sync + 'static,
) -> BoxStream<'static, Result<T>> {
    let per = Arc::new(per);
    stream::once(targets)
        .map_ok(move |ts| {
            let per = per.clone();
            let refusals = Refusals::of(ts.len());
            stream::iter(ts).flat_map(move |t| per(t, refusals.clone()))
        })
        .try_flatten()
        .boxed()
}

/// The pupils of one read whose module refused them so far (see [`or_refuse`]). Pupils are
/// read one after the other, so the refusal that makes the count reach the read's pupils is
/// the last pupil's, every other one having been refused too.
#[derive(Debug, Clone)]
struct Refusals {
    pupils: usize,
    refused: Arc<AtomicUsize>,
}

impl Refusals {
    fn of(pupils: usize) -> Refusals {
        Refusals {
            pupils,
            refused: Arc::default(),
        }
    }

    /// Counts a refusal of one pupil (once per pupil and read); whether it leaves the read
    /// with no pupil whose module answered.
    fn leaves_none(&self) -> bool {
        self.refused.fetch_add(1, Ordering::SeqCst) + 1 >= self.pupils
    }

    /// Whether `e` is a module's refusal that is the read's answer (counting it if it is a
    /// refusal at all).
    fn is_final(&self, e: &Error) -> bool {
        e.kind() == ErrorKind::PermissionDenied && self.leaves_none()
    }
}

/// A future of a list, as a stream of its items.
fn flatten_vec<T: Send + 'static>(
    f: impl std::future::Future<Output = Result<Vec<T>>> + Send + 'static,
) -> BoxStream<'static, Result<T>> {
    stream::once(f)
        .map_ok(|v| stream::iter(v.into_iter().map(Ok)))
        .try_flatten()
        .boxed()
}

/// The answer of one pupil's call, or `None` when it failed in a way that costs only this
/// pupil's part (reported as a warning naming the pupil). Fatal errors are handed back.
fn or_degrade<T>(
    answer: Result<T>,
    d: &Diagnostics,
    entity: &str,
    consequence: &str,
    pupil: &str,
) -> Result<Option<T>> {
    match answer {
        Ok(t) => Ok(Some(t)),
        Err(e) => {
            d.degrade(e, |e| pupil_warning(e, entity, consequence, pupil))?;
            Ok(None)
        }
    }
}

/// [`or_degrade`] for a module's own read (attendance, timetable, behaviour, homework,
/// detentions), where a refusal means the school switched the module off for this pupil:
/// ClassCharts answers `success: 0` with a permission message (the pupil object's
/// `display_*` flag for the module is then off). When no pupil of the read is left whose
/// module answered — a pupil login, a query for one pupil, or a parent whose every pupil was
/// refused — the refusal is the read's answer (`PermissionDenied`), never an empty list;
/// otherwise (a parent's children at schools that differ) it costs this pupil's part,
/// reported, as any other per-pupil failure.
fn or_refuse<T>(
    answer: Result<T>,
    d: &Diagnostics,
    entity: &str,
    consequence: &str,
    pupil: &str,
    refusals: &Refusals,
) -> Result<Option<T>> {
    match answer {
        Err(e) if refusals.is_final(&e) => Err(e),
        answer => or_degrade(answer, d, entity, consequence, pupil),
    }
}

pub(crate) fn capabilities() -> Capabilities {
    let mut c = Capabilities::default();
    c.students = true;
    c.attendance_sessions = true;
    c.attendance_lessons = true;
    c.timetable = true;
    c.behaviour = true;
    c.homework = true;
    c.detentions = true;
    c.filter_student = true;
    c
}

const STUDENT_SKIPPED: Loss = Loss("student record skipped");
const NO_MARKS: Loss = Loss("the pupil's marks left out: its pupil record could not be read");
const NO_LESSONS: Loss = Loss("the pupil's lessons left out: its pupil record could not be read");
const NO_EVENTS: Loss = Loss("the pupil's behaviour left out: its pupil record could not be read");
const NO_HOMEWORK: Loss = Loss("the pupil's homework left out: its pupil record could not be read");
const NO_DETENTIONS: Loss =
    Loss("the pupil's detentions left out: its pupil record could not be read");

fn students(targets: Targets, q: &StudentQuery) -> BoxStream<'static, Result<Student>> {
    if q.year_group.is_some() {
        return error_stream(
            Error::invalid_input(
                "ClassCharts cannot filter students by year group: its pupil data has no year \
                 group (capabilities().filter_year_group is false)",
            )
            .with_vendor(VENDOR),
        );
    }
    // Everyone ClassCharts lets one see is on roll: `include_leavers` changes nothing.
    flatten_vec(async move { Ok(targets.await?.into_iter().map(|t| t.student).collect()) })
}

/// One pupil's marks, each unreadable mark (or date key) reported and left out.
fn readable_marks(
    days: AttendanceDays<Lenient<AttendancePeriod>>,
    d: &Diagnostics,
    pupil: &str,
) -> Result<AttendanceDays> {
    let mut out = AttendanceDays::default();
    for (key, registers) in days.0 {
        if key.trim().parse::<Date>().is_err() {
            let mut w = skipped(
                "attendance",
                "attendance",
                None,
                format!(
                    "a date key is not a date ({} marks under it)",
                    registers.len()
                ),
                pupil,
            );
            w.consequence = "attendance marks of one day skipped: its date cannot be read".into();
            d.report(w)?;
            continue;
        }
        let mut day = BTreeMap::new();
        for (name, mark) in registers {
            match mark {
                Lenient::Ok(m) => {
                    day.insert(name, m);
                }
                Lenient::Rejected(r) => d.report(skipped(
                    "attendance",
                    "attendance",
                    None,
                    format!("{key} {name}: {}", r.describe()),
                    pupil,
                ))?,
            }
        }
        out.0.insert(key, day);
    }
    Ok(out)
}

/// A pupil's lessons of one day from one `/timetable` answer, each unreadable entry reported
/// and left out; `meta` says which dates the school teaches.
fn day_lessons(
    reply: &DayReply,
    t: &Target,
    d: &Diagnostics,
) -> Result<(Vec<Lesson>, TimetableMeta)> {
    let entries = good(reply.data.clone(), d, "timetable", "lesson", &t.id)?;
    let mut lessons = Vec::with_capacity(entries.len());
    for (i, w) in entries.iter().enumerate() {
        match convert::lesson(w, i, Some(&t.id), &t.zone) {
            Ok(Some(l)) => lessons.push(l),
            Ok(None) => {}
            Err(e) => d.report(skipped("timetable", "lesson", None, e.message(), &t.id))?,
        }
    }
    Ok((lessons, reply.meta.clone()))
}

/// Gives the pupil's lesson marks the `period` and `id` of their timetabled lessons, so a
/// mark names the lesson it was taken in: register keys are school-defined (`"Period 1"`, `"Period Tut"`)
/// while the timetable says `"P1"` / `"Tut"` (both seen in one school's answers), and a lesson's id needs the
/// class id only the timetable carries ([`convert::lesson`]). So each date with lesson marks
/// needs one `GET /timetable/{id}?date=` — dates with session marks only cost nothing — read
/// once for this and the timetable read of the same run (the client's timetable cache).
///
/// The timetable is enrichment here, nothing more: the marks are complete without it. If it
/// cannot be read degradably (the school hides the timetable module: a permission error), the
/// marks keep their register's own label and no `lesson_id`, and one warning per pupil says
/// so; no further days are asked for, since the module is off for them too.
async fn join_timetable(
    core: &Client,
    t: &Target,
    marks: &mut [(AttendanceMark, convert::ClassName)],
    d: &Diagnostics,
) -> Result<()> {
    let days: BTreeSet<Date> = marks
        .iter()
        .filter(|(m, _)| m.slot == Slot::Lesson)
        .map(|(m, _)| m.date)
        .collect();
    for date in days {
        // Shared with a timetable read of the same pupil and day (the client's timetable cache).
        let answer = core.timetable_day(&t.id, date).await;
        let Some(reply) = or_degrade(
            answer,
            d,
            "attendance",
            "lesson marks listed with the register's own period label and without lesson_id: \
             the timetable that names their lessons is not readable",
            &t.id,
        )?
        else {
            return Ok(());
        };
        let (lessons, _) = day_lessons(&reply, t, d)?;
        convert::join_lessons(marks, &lessons);
    }
    Ok(())
}

fn attendance(
    core: &Client,
    targets: Targets,
    q: AttendanceQuery,
) -> BoxStream<'static, Result<AttendanceMark>> {
    if q.slot == Some(Slot::Day) {
        return unsupported_stream(
            VENDOR,
            "attendance (whole-day marks; ClassCharts has session and lesson registers)",
        );
    }
    let core = core.clone();
    let (range, slot, d) = (q.range, q.slot, q.diagnostics);
    per_target(targets, move |t, refusals| {
        let core = core.clone();
        let d = d.clone();
        flatten_vec(async move {
            let answer = core
                .attendance_as::<Lenient<AttendancePeriod>>(&t.id, range)
                .await;
            let Some(reply) = or_refuse(
                answer,
                &d,
                "attendance",
                "the pupil's marks left out",
                &t.id,
                &refusals,
            )?
            else {
                return Ok(Vec::new());
            };
            let days = readable_marks(reply.data, &d, &t.id)?;
            let mut marks =
                convert::marks_with_classes(&t.id, &days, &core.inner.rules, Some(range));
            if let Some(slot) = slot {
                marks.retain(|(m, _)| m.slot == slot);
            }
            join_timetable(&core, &t, &mut marks, &d).await?;
            Ok(marks.into_iter().map(|(m, _)| m).collect())
        })
    })
}

/// One pupil's lessons on one day and what `meta` says about the school's dates; `None`
/// when that pupil's timetable failed degradably (reported).
async fn lessons_of(
    core: &Client,
    t: &Target,
    date: Date,
    range: DateRange,
    d: &Diagnostics,
    refusals: &Refusals,
) -> Result<Option<(Vec<Lesson>, TimetableMeta)>> {
    let answer = core.timetable_day(&t.id, date).await;
    let consequence = format!("the pupil's lessons from {date} on left out");
    let Some(reply) = or_refuse(answer, d, "lesson", &consequence, &t.id, refusals)? else {
        return Ok(None);
    };
    let (mut lessons, meta) = day_lessons(&reply, t, d)?;
    lessons.retain(|l| range.contains(l.date));
    Ok(Some((lessons, meta)))
}

/// Which dates of a range the timetable is asked for: the school's teaching weekdays
/// ([`crate::Config::school_days`], Monday to Friday by default), plus any date a `meta`
/// already answered names in `timetable_dates`, minus any date a `meta` lists in `dates`
/// but not in `timetable_dates` (ClassCharts says it has no timetable then).
#[derive(Debug, Default)]
struct TeachingDates {
    taught: BTreeSet<Date>,
    not_taught: BTreeSet<Date>,
}

impl TeachingDates {
    fn learn(&mut self, meta: &TimetableMeta) {
        let parse = |v: &String| v.trim().get(..10).and_then(|d| d.parse::<Date>().ok());
        let taught: BTreeSet<Date> = meta.timetable_dates.iter().filter_map(parse).collect();
        for date in meta.dates.iter().filter_map(parse) {
            if !taught.contains(&date) {
                self.not_taught.insert(date);
            }
        }
        for date in &taught {
            self.not_taught.remove(date);
        }
        self.taught.extend(taught);
    }

    fn ask(&self, date: Date, school_days: &[jiff::civil::Weekday]) -> bool {
        if self.taught.contains(&date) {
            return true;
        }
        !self.not_taught.contains(&date) && school_days.contains(&date.weekday())
    }
}

fn timetable(
    core: &Client,
    targets: Targets,
    q: TimetableQuery,
) -> BoxStream<'static, Result<Lesson>> {
    let core = core.clone();
    let (range, d) = (q.range, q.diagnostics);
    per_target(targets, move |t, refusals| {
        let core = core.clone();
        let d = d.clone();
        // The API answers one date at a time (`date` is required, api-docs), and only
        // dates the school teaches are asked for (weekends cost no request). A day that fails
        // degradably costs the rest of this pupil's range (the same refusal would come for
        // every day), not the other pupils.
        let state = (range.days(), TeachingDates::default());
        stream::unfold(Some(state), move |state| {
            let (core, d, t, refusals) = (core.clone(), d.clone(), t.clone(), refusals.clone());
            async move {
                let (mut days, mut known) = state?;
                let date = loop {
                    let date = days.next()?;
                    if known.ask(date, &core.inner.school_days) {
                        break date;
                    }
                };
                match lessons_of(&core, &t, date, range, &d, &refusals).await {
                    Ok(Some((lessons, meta))) => {
                        known.learn(&meta);
                        Some((Ok(lessons), Some((days, known))))
                    }
                    Ok(None) => None,
                    Err(e) => Some((Err(e), None)),
                }
            }
        })
        .map_ok(|v| stream::iter(v.into_iter().map(Ok)))
        .try_flatten()
        .boxed()
    })
}

/// One pupil's behaviour events in the range, page by page. An unreadable point costs that
/// point; a page that fails degradably costs the rest of this pupil's feed.
fn behaviour_of(
    core: &Client,
    t: Target,
    range: DateRange,
    d: Diagnostics,
    refusals: Refusals,
) -> BoxStream<'static, Result<BehaviourEvent>> {
    // Whether `to` is inclusive is not documented ("the response will not include up to this
    // date", api-docs): ask one day further and keep the range here.
    let to = range.to().checked_add(1.day()).unwrap_or(range.to());
    let filter = ActivityFilter::between(range.from(), to);
    core.lenient_activity_stream(&t.id, filter)
        .enumerate()
        .filter_map(move |(i, point)| {
            let reported = |w: Warning| d.report(w).err().map(Err);
            futures::future::ready(match point {
                // The module is off and no pupil of the read is left (`or_refuse`).
                Err(e) if refusals.is_final(&e) => Some(Err(e)),
                Err(e) => match d.degrade(e, |e| {
                    pupil_warning(
                        e,
                        "behaviour",
                        "the pupil's behaviour (rest of feed) left out",
                        &t.id,
                    )
                }) {
                    Ok(()) => None,
                    Err(e) => Some(Err(e)),
                },
                Ok(Lenient::Rejected(r)) => reported(skipped(
                    "activity",
                    "behaviour",
                    r.id.clone(),
                    r.describe(),
                    &t.id,
                )),
                Ok(Lenient::Ok(p)) => match convert::event(&p, i, &t.id, &t.zone) {
                    Err(e) => reported(skipped(
                        "activity",
                        "behaviour",
                        Some(p.id.clone()),
                        e.message(),
                        &t.id,
                    )),
                    Ok(Some(ev)) if range.contains(ev.date) => Some(Ok(ev)),
                    Ok(_) => None,
                },
            })
        })
        .boxed()
}

fn behaviour(
    core: &Client,
    targets: Targets,
    q: BehaviourQuery,
) -> BoxStream<'static, Result<BehaviourEvent>> {
    let core = core.clone();
    let (range, d) = (q.range, q.diagnostics);
    stream::once(async move {
        let targets = targets.await?;
        let refusals = Refusals::of(targets.len());
        if targets.len() <= 1 {
            let streams: Vec<_> = targets
                .into_iter()
                .map(|t| behaviour_of(&core, t, range, d.clone(), refusals.clone()))
                .collect();
            return Ok(stream::iter(streams).flatten().boxed());
        }
        // Several pupils: a point recorded for two of them (the same id on both feeds) is
        // one event involving both, so the feeds are merged by id before anything is yielded.
        let mut merged: Vec<BehaviourEvent> = Vec::new();
        let mut at: BTreeMap<String, usize> = BTreeMap::new();
        for t in targets {
            let events: Vec<BehaviourEvent> =
                behaviour_of(&core, t, range, d.clone(), refusals.clone())
                    .try_collect()
                    .await?;
            for ev in events {
                match at.get(&ev.id) {
                    Some(&i) => {
                        for s in ev.student_ids {
                            if !merged[i].student_ids.contains(&s) {
                                merged[i].student_ids.push(s);
                            }
                        }
                    }
                    None => {
                        at.insert(ev.id.clone(), merged.len());
                        merged.push(ev);
                    }
                }
            }
        }
        Ok(stream::iter(merged.into_iter().map(Ok)).boxed())
    })
    .try_flatten()
    .boxed()
}

fn homework(
    core: &Client,
    targets: Targets,
    q: HomeworkQuery,
) -> BoxStream<'static, Result<Homework>> {
    let core = core.clone();
    let (range, d) = (q.range, q.diagnostics);
    per_target(targets, move |t, refusals| {
        let core = core.clone();
        let d = d.clone();
        flatten_vec(async move {
            let filter = HomeworkFilter {
                display_date: Some(DisplayDate::DueDate),
                from: Some(range.from()),
                to: Some(range.to()),
            };
            let answer = core
                .homeworks_as::<Lenient<WireHomework>>(&t.id, &filter)
                .await;
            let Some(reply) = or_refuse(
                answer,
                &d,
                "homework",
                "the pupil's homework left out",
                &t.id,
                &refusals,
            )?
            else {
                return Ok(Vec::new());
            };
            Ok(good(reply.data, &d, "homeworks", "homework", &t.id)?
                .iter()
                .map(|w| convert::homework(w, &t.id))
                .filter(|h| h.due_on.is_none_or(|d| range.contains(d)))
                .collect())
        })
    })
}

fn detentions(
    core: &Client,
    targets: Targets,
    q: DetentionQuery,
) -> BoxStream<'static, Result<Detention>> {
    let core = core.clone();
    let (range, d) = (q.range, q.diagnostics);
    per_target(targets, move |t, refusals| {
        let core = core.clone();
        let d = d.clone();
        flatten_vec(async move {
            let answer = core
                .detentions_as::<Lenient<WireDetention>>(&t.id, Some(range))
                .await;
            let Some(reply) = or_refuse(
                answer,
                &d,
                "detention",
                "the pupil's detentions left out",
                &t.id,
                &refusals,
            )?
            else {
                return Ok(Vec::new());
            };
            let mut out = Vec::new();
            for w in good(reply.data, &d, "detentions", "detention", &t.id)? {
                match convert::detention(&w, &t.id, &t.zone) {
                    Some(det) if range.contains(det.date) => out.push(det),
                    Some(_) => {}
                    None => d.report(skipped(
                        "detentions",
                        "detention",
                        Some(w.id.clone()),
                        "the detention's date cannot be read",
                        &t.id,
                    ))?,
                }
            }
            Ok(out)
        })
    })
}

impl StudentClient {
    /// The student API says nothing about the school: the pupil object has no school name
    /// and no time zone (only a parent's `/pupils` records carry `school_name` and
    /// `timezone`), so a pupil login cannot see the school's settings.
    async fn profile(&self) -> Result<SchoolProfile> {
        Err(Error::unsupported(
            VENDOR,
            "school_profile (the student API's pupil record names no school or time zone; a \
             parent login's does)",
        ))
    }
}

impl ParentClient {
    /// The school of the parent's (chosen, else first readable) pupil, from its `/pupils`
    /// record: `school_name` and `timezone`, the one place ClassCharts states the school's
    /// zone. The list is the one every read starts from (one request, or none when a read of
    /// this run already fetched it). ClassCharts shows a parent their own pupils only, so the
    /// roll is unknown.
    async fn profile(&self) -> Result<SchoolProfile> {
        let pupils = self.pupils_once().await?;
        let chosen = self.chosen_pupil().map(str::trim);
        let pupil = pupils
            .iter()
            .filter_map(|p| match p {
                Lenient::Ok(p) => Some(p),
                Lenient::Rejected(_) => None,
            })
            .find(|p| chosen.is_none_or(|c| p.student.id.trim() == c))
            .ok_or_else(|| {
                Error::new(
                    ErrorKind::NotFound,
                    "no readable pupil record of this parent names the school",
                )
                .with_vendor(VENDOR)
            })?;
        let text = |v: Option<&str>| {
            v.map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
        };
        let mut profile = SchoolProfile::new();
        if let Some(name) = text(pupil.school_name.as_deref()) {
            profile = profile.with_name(name);
        }
        if let Some(zone) = text(pupil.student.timezone.as_deref()) {
            profile = profile.with_time_zone(zone);
        }
        Ok(profile)
    }
}

macro_rules! provider_impl {
    ($client:ty) => {
        #[async_trait]
        impl MisProvider for $client {
            fn info(&self) -> &ProviderInfo {
                &self.core().inner.info
            }

            fn capabilities(&self) -> Capabilities {
                capabilities()
            }

            async fn school_profile(&self) -> Result<SchoolProfile> {
                self.profile().await
            }

            fn students(&self, q: StudentQuery) -> BoxStream<'static, Result<Student>> {
                students(
                    self.targets(None, q.diagnostics.clone(), STUDENT_SKIPPED),
                    &q,
                )
            }

            fn attendance(&self, q: AttendanceQuery) -> BoxStream<'static, Result<AttendanceMark>> {
                let targets = self.targets(q.student_id.clone(), q.diagnostics.clone(), NO_MARKS);
                attendance(self.core(), targets, q)
            }

            fn timetable(&self, q: TimetableQuery) -> BoxStream<'static, Result<Lesson>> {
                let targets = self.targets(q.student_id.clone(), q.diagnostics.clone(), NO_LESSONS);
                timetable(self.core(), targets, q)
            }

            fn behaviour(&self, q: BehaviourQuery) -> BoxStream<'static, Result<BehaviourEvent>> {
                let targets = self.targets(q.student_id.clone(), q.diagnostics.clone(), NO_EVENTS);
                behaviour(self.core(), targets, q)
            }

            fn homework(&self, q: HomeworkQuery) -> BoxStream<'static, Result<Homework>> {
                let targets =
                    self.targets(q.student_id.clone(), q.diagnostics.clone(), NO_HOMEWORK);
                homework(self.core(), targets, q)
            }

            fn detentions(&self, q: DetentionQuery) -> BoxStream<'static, Result<Detention>> {
                let targets =
                    self.targets(q.student_id.clone(), q.diagnostics.clone(), NO_DETENTIONS);
                detentions(self.core(), targets, q)
            }
        }
    };
}

provider_impl!(StudentClient);
provider_impl!(ParentClient);
