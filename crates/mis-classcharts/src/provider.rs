//! `impl MisProvider` for [`StudentClient`] and [`ParentClient`]: the wire, converted to the
//! mis-core model.
//!
//! | trait method | ClassCharts source | notes |
//! |---|---|---|
//! | `students` | the pupil itself (`/ping` `data.user`), or the parent's `/pupils` | no UPN, year group or form on this API; the student login's date of birth is the pupil's |
//! | `attendance` | `GET /attendance/{id}?from&to`, one request per pupil | `AM`/`PM` → session marks, other names → lesson marks; DfE code first, `status` label rules second ([`convert::marks`]) |
//! | `timetable` | `GET /timetable/{id}?date=`, **one request per date** in the range | ISO times in the school's zone; breaks skipped |
//! | `behaviour` | `GET /activity/{id}` paged by `last_id` until an empty page | points of type `behaviour` only |
//! | `homework` | `GET /homeworks/{id}?display_date=due_date&from&to` | by due date, as [`HomeworkQuery`] asks |
//! | `detentions` | `GET /detentions/{id}?from&to` | malformed dates read leniently; unreadable ones skipped |
//! | `record_attendance`, staff, groups, years, codes | — | `Unsupported`: pupils and parents cannot write registers, and the API has no such lists |
//!
//! A query's `student_id` must be the logged-in pupil (student) or one of the parent's
//! pupils; anything else is `InvalidInput` naming the pupils there are. The school's zone is
//! the configured one, else the pupil's `timezone`, else `Europe/London` (DESIGN §2.2).

use std::collections::BTreeMap;
use std::sync::Arc;

use async_trait::async_trait;
use futures::future::BoxFuture;
use futures::stream::{self, BoxStream, StreamExt, TryStreamExt};
use jiff::ToSpan;
use jiff::tz::TimeZone;
use mis_core::{
    AttendanceMark, AttendanceQuery, BehaviourEvent, BehaviourQuery, Capabilities, Detention,
    DetentionQuery, Error, Homework, HomeworkQuery, Lesson, MisProvider, ProviderInfo, Result,
    Slot, Student, StudentQuery, TimetableQuery, unsupported_stream,
};

use crate::VENDOR;
use crate::client::{
    ActivityFilter, Client, DisplayDate, HomeworkFilter, ParentClient, StudentClient,
};
use crate::convert;

/// One pupil the provider reads for.
#[derive(Debug, Clone)]
struct Target {
    id: String,
    zone: TimeZone,
    student: Student,
}

use mis_core::error_stream;

/// The pupils a query asks for, out of `all` (the student, or the parent's pupils).
fn pick(all: Vec<Target>, wanted: Option<String>, who: &str) -> Result<Vec<Target>> {
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
        return Err(Error::invalid_input(format!(
            "student {wanted} is not {who} (pupil ids here: {})",
            known.join(", ")
        ))
        .with_vendor(VENDOR));
    }
    Ok(picked)
}

impl StudentClient {
    fn targets(&self, wanted: Option<String>) -> BoxFuture<'static, Result<Vec<Target>>> {
        let this = self.clone();
        Box::pin(async move {
            let me = this.me().await?;
            let target = Target {
                id: me.id.clone(),
                zone: this.zone_for(me.timezone.as_deref()),
                student: convert::student(&me, this.date_of_birth())?,
            };
            pick(vec![target], wanted, "the logged-in pupil")
        })
    }
}

impl ParentClient {
    fn targets(&self, wanted: Option<String>) -> BoxFuture<'static, Result<Vec<Target>>> {
        let this = self.clone();
        Box::pin(async move {
            let pupils = this.pupils().await?;
            let mut all = Vec::with_capacity(pupils.len());
            for p in &pupils {
                all.push(Target {
                    id: p.student.id.clone(),
                    zone: this.zone_for(p.student.timezone.as_deref()),
                    student: convert::student(&p.student, None)?,
                });
            }
            pick(all, wanted, "one of this parent's pupils")
        })
    }
}

/// Runs `per` for each target, one after the other, as one stream.
fn per_target<T: Send + 'static>(
    targets: BoxFuture<'static, Result<Vec<Target>>>,
    per: impl Fn(Target) -> BoxStream<'static, Result<T>> + Send + Sync + 'static,
) -> BoxStream<'static, Result<T>> {
    let per = Arc::new(per);
    stream::once(targets)
        .map_ok(move |ts| {
            let per = per.clone();
            stream::iter(ts).flat_map(move |t| per(t))
        })
        .try_flatten()
        .boxed()
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

fn capabilities() -> Capabilities {
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

fn students(
    targets: BoxFuture<'static, Result<Vec<Target>>>,
    q: &StudentQuery,
) -> BoxStream<'static, Result<Student>> {
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

fn attendance(
    core: &Client,
    targets: BoxFuture<'static, Result<Vec<Target>>>,
    q: AttendanceQuery,
) -> BoxStream<'static, Result<AttendanceMark>> {
    if q.slot == Some(Slot::Day) {
        return unsupported_stream(
            VENDOR,
            "attendance (whole-day marks; ClassCharts has session and lesson registers)",
        );
    }
    let core = core.clone();
    let (range, slot) = (q.range, q.slot);
    per_target(targets, move |t| {
        let core = core.clone();
        flatten_vec(async move {
            let reply = core.get_attendance(&t.id, range).await?;
            let mut marks = convert::marks(&t.id, &reply.data, &core.inner.mapper, Some(range));
            if let Some(slot) = slot {
                marks.retain(|m| m.slot == slot);
            }
            Ok(marks)
        })
    })
}

fn timetable(
    core: &Client,
    targets: BoxFuture<'static, Result<Vec<Target>>>,
    q: TimetableQuery,
) -> BoxStream<'static, Result<Lesson>> {
    let core = core.clone();
    let range = q.range;
    per_target(targets, move |t| {
        let core = core.clone();
        // The API answers one date at a time (vendors.md §1.5: `date` is required).
        stream::iter(range.days())
            .then(move |date| {
                let core = core.clone();
                let t = t.clone();
                async move {
                    let reply = core.get_timetable(&t.id, date).await?;
                    let mut lessons = Vec::with_capacity(reply.data.len());
                    for (i, w) in reply.data.iter().enumerate() {
                        if let Some(l) = convert::lesson(w, i, Some(&t.id), &t.zone)? {
                            if range.contains(l.date) {
                                lessons.push(l);
                            }
                        }
                    }
                    Ok::<_, Error>(lessons)
                }
            })
            .map_ok(|v| stream::iter(v.into_iter().map(Ok)))
            .try_flatten()
            .boxed()
    })
}

/// One pupil's behaviour events in the range, page by page.
fn behaviour_of(
    core: &Client,
    t: Target,
    q: &BehaviourQuery,
) -> BoxStream<'static, Result<BehaviourEvent>> {
    let range = q.range;
    // Whether `to` is inclusive is not documented ("the response will not include up to this
    // date", api-docs): ask one day further and keep the range here.
    let to = range.to().checked_add(1.day()).unwrap_or(range.to());
    let filter = ActivityFilter::between(range.from(), to);
    core.activity_stream(&t.id, filter)
        .enumerate()
        .filter_map(move |(i, point)| {
            let t = t.clone();
            futures::future::ready(match point {
                Err(e) => Some(Err(e)),
                Ok(p) => match convert::event(&p, i, &t.id, &t.zone) {
                    Err(e) => Some(Err(e)),
                    Ok(Some(ev)) if range.contains(ev.date) => Some(Ok(ev)),
                    Ok(_) => None,
                },
            })
        })
        .boxed()
}

fn behaviour(
    core: &Client,
    targets: BoxFuture<'static, Result<Vec<Target>>>,
    q: BehaviourQuery,
) -> BoxStream<'static, Result<BehaviourEvent>> {
    let core = core.clone();
    stream::once(async move {
        let targets = targets.await?;
        if targets.len() <= 1 {
            let streams: Vec<_> = targets
                .into_iter()
                .map(|t| behaviour_of(&core, t, &q))
                .collect();
            return Ok(stream::iter(streams).flatten().boxed());
        }
        // Several pupils: a point recorded for two of them (the same id on both feeds) is
        // one event involving both, so the feeds are merged by id before anything is yielded.
        let mut merged: Vec<BehaviourEvent> = Vec::new();
        let mut at: BTreeMap<String, usize> = BTreeMap::new();
        for t in targets {
            let events: Vec<BehaviourEvent> = behaviour_of(&core, t, &q).try_collect().await?;
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
    targets: BoxFuture<'static, Result<Vec<Target>>>,
    q: HomeworkQuery,
) -> BoxStream<'static, Result<Homework>> {
    let core = core.clone();
    let range = q.range;
    per_target(targets, move |t| {
        let core = core.clone();
        flatten_vec(async move {
            let filter = HomeworkFilter {
                display_date: Some(DisplayDate::DueDate),
                from: Some(range.from()),
                to: Some(range.to()),
            };
            let reply = core.get_homeworks(&t.id, &filter).await?;
            Ok(reply
                .data
                .iter()
                .map(|w| convert::homework(w, &t.id))
                .filter(|h| h.due_on.is_none_or(|d| range.contains(d)))
                .collect())
        })
    })
}

fn detentions(
    core: &Client,
    targets: BoxFuture<'static, Result<Vec<Target>>>,
    q: DetentionQuery,
) -> BoxStream<'static, Result<Detention>> {
    let core = core.clone();
    let range = q.range;
    per_target(targets, move |t| {
        let core = core.clone();
        flatten_vec(async move {
            let reply = core.get_detentions(&t.id, Some(range)).await?;
            Ok(reply
                .data
                .iter()
                .filter_map(|w| convert::detention(w, &t.id, &t.zone))
                .filter(|d| range.contains(d.date))
                .collect())
        })
    })
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

            fn students(&self, q: StudentQuery) -> BoxStream<'static, Result<Student>> {
                students(self.targets(None), &q)
            }

            fn attendance(&self, q: AttendanceQuery) -> BoxStream<'static, Result<AttendanceMark>> {
                let targets = self.targets(q.student_id.clone());
                attendance(self.core(), targets, q)
            }

            fn timetable(&self, q: TimetableQuery) -> BoxStream<'static, Result<Lesson>> {
                let targets = self.targets(q.student_id.clone());
                timetable(self.core(), targets, q)
            }

            fn behaviour(&self, q: BehaviourQuery) -> BoxStream<'static, Result<BehaviourEvent>> {
                let targets = self.targets(q.student_id.clone());
                behaviour(self.core(), targets, q)
            }

            fn homework(&self, q: HomeworkQuery) -> BoxStream<'static, Result<Homework>> {
                let targets = self.targets(q.student_id.clone());
                homework(self.core(), targets, q)
            }

            fn detentions(&self, q: DetentionQuery) -> BoxStream<'static, Result<Detention>> {
                let targets = self.targets(q.student_id.clone());
                detentions(self.core(), targets, q)
            }
        }
    };
}

provider_impl!(StudentClient);
provider_impl!(ParentClient);
