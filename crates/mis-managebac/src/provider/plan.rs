//! The request plan's memory: what one run reads once and every read of the run shares
//! (issue 16). A sync reads students, attendance, timetable and behaviour one after the
//! other; without this each would list the classes, fetch every class's timetable and list
//! the students again. Entries are kept for [`Config::reuse_for`](crate::Config::reuse_for)
//! and only successful answers are kept, so a fault is asked about again next time.
//!
//! Kept: academic years, calendars and categories (per year), year groups, teachers, the
//! class lists (current and archived apart), each class's timetable, the student lists
//! (current and archived apart) and one student's class memberships. Never kept: registers,
//! excusals, behaviour notes — what a run is for.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures::stream::{self, BoxStream};
use futures::{StreamExt, TryStreamExt};
use mis_core::{ErrorKind, Result};

use super::ManageBacProvider;
use crate::client::{ClassFilter, MembershipFilter, PersonFilter, StudentFilter, YearGroupFilter};
use crate::wire::{
    AcademicYear, AttendanceCategory, Calendar, Class, ClassTimetable, Id, StudentRow, Teacher,
    YearGroup,
};

/// Answers by key, each with when it was read.
struct Kept<K, V>(Mutex<BTreeMap<K, (Instant, Arc<V>)>>);

impl<K: Ord, V> Default for Kept<K, V> {
    fn default() -> Self {
        Kept(Mutex::new(BTreeMap::new()))
    }
}

impl<K: Ord + Clone, V> Kept<K, V> {
    fn get(&self, key: &K, reuse: Duration) -> Option<Arc<V>> {
        let map = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        map.get(key)
            .filter(|(at, _)| at.elapsed() < reuse)
            .map(|(_, v)| v.clone())
    }

    fn put(&self, key: K, value: V, reuse: Duration) -> Arc<V> {
        let value = Arc::new(value);
        if !reuse.is_zero() {
            let mut map = self
                .0
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            map.insert(key, (Instant::now(), value.clone()));
        }
        value
    }
}

/// What a provider keeps between the reads of one run.
#[derive(Default)]
pub(crate) struct RunCache {
    years: Kept<(), Vec<(String, Vec<AcademicYear>)>>,
    /// `None` inside: the program's year has no calendar (404).
    calendars: Kept<(String, Id), Option<Calendar>>,
    /// `None` inside: the year has no categories (404).
    categories: Kept<Id, Option<Vec<AttendanceCategory>>>,
    year_groups: Kept<(), Vec<YearGroup>>,
    teachers: Kept<(), Vec<Teacher>>,
    /// By `archived`.
    classes: Kept<bool, Vec<Class>>,
    timetables: Kept<Id, ClassTimetable>,
    /// By `archived`.
    students: Kept<bool, Vec<StudentRow>>,
    /// Student → the classes they are a member of (`GET /memberships`).
    memberships: Kept<Id, Vec<Id>>,
}

impl ManageBacProvider {
    fn reuse(&self) -> Duration {
        self.state.reuse
    }

    fn kept(&self) -> &RunCache {
        &self.state.cache
    }

    /// `GET /school/academic-years`, once per run.
    pub(crate) async fn run_years(&self) -> Result<Arc<Vec<(String, Vec<AcademicYear>)>>> {
        if let Some(v) = self.kept().years.get(&(), self.reuse()) {
            return Ok(v);
        }
        let v = self.client.academic_years_by_program(None, None).await?;
        Ok(self.kept().years.put((), v, self.reuse()))
    }

    /// A program year's calendar (`None`: it has none), once per run.
    pub(crate) async fn run_calendar(
        &self,
        program: &str,
        year: Id,
    ) -> Result<Arc<Option<Calendar>>> {
        let key = (program.to_owned(), year);
        if let Some(v) = self.kept().calendars.get(&key, self.reuse()) {
            return Ok(v);
        }
        let v = match self.client.calendar(program, year).await {
            Ok(c) => Some(c),
            Err(e) if e.kind() == ErrorKind::NotFound => None,
            Err(e) => return Err(e),
        };
        Ok(self.kept().calendars.put(key, v, self.reuse()))
    }

    /// A year's attendance categories (`None`: it has none), once per run.
    pub(crate) async fn run_categories(
        &self,
        year: Id,
    ) -> Result<Arc<Option<Vec<AttendanceCategory>>>> {
        if let Some(v) = self.kept().categories.get(&year, self.reuse()) {
            return Ok(v);
        }
        let v = match self.client.attendance_categories(year).await {
            Ok(c) => Some(c),
            Err(e) if e.kind() == ErrorKind::NotFound => None,
            Err(e) => return Err(e),
        };
        Ok(self.kept().categories.put(year, v, self.reuse()))
    }

    /// Every year group, once per run.
    pub(crate) async fn run_year_groups(&self) -> Result<Arc<Vec<YearGroup>>> {
        if let Some(v) = self.kept().year_groups.get(&(), self.reuse()) {
            return Ok(v);
        }
        let v = self
            .client
            .year_groups(&YearGroupFilter::new())
            .try_collect()
            .await?;
        Ok(self.kept().year_groups.put((), v, self.reuse()))
    }

    /// Every teacher, once per run.
    pub(crate) async fn run_teachers(&self) -> Result<Arc<Vec<Teacher>>> {
        if let Some(v) = self.kept().teachers.get(&(), self.reuse()) {
            return Ok(v);
        }
        let v = self
            .client
            .teachers(&PersonFilter::new())
            .try_collect()
            .await?;
        Ok(self.kept().teachers.put((), v, self.reuse()))
    }

    /// The current (`archived = false`) or archived classes, once per run.
    pub(crate) async fn run_classes(&self, archived: bool) -> Result<Arc<Vec<Class>>> {
        if let Some(v) = self.kept().classes.get(&archived, self.reuse()) {
            return Ok(v);
        }
        let v = self
            .client
            .classes(&ClassFilter::new().archived(archived))
            .try_collect()
            .await?;
        Ok(self.kept().classes.put(archived, v, self.reuse()))
    }

    /// A class's timetable, once per run (attendance and timetable share it).
    pub(crate) async fn run_timetable(&self, class: Id) -> Result<Arc<ClassTimetable>> {
        if let Some(v) = self.kept().timetables.get(&class, self.reuse()) {
            return Ok(v);
        }
        let v = self.client.class_timetable(class, None).await?;
        Ok(self.kept().timetables.put(class, v, self.reuse()))
    }

    /// The current or archived students, record by record, once per run (the students and
    /// behaviour reads share them).
    pub(crate) async fn run_students(&self, archived: bool) -> Result<Arc<Vec<StudentRow>>> {
        if let Some(v) = self.kept().students.get(&archived, self.reuse()) {
            return Ok(v);
        }
        let v = self
            .client
            .student_rows(&StudentFilter::new().archived(archived))
            .try_collect()
            .await?;
        Ok(self.kept().students.put(archived, v, self.reuse()))
    }

    /// The current or archived students, record by record as the pages arrive: the run's
    /// kept list when it has one, else `GET /students` read lazily and kept once read to its
    /// end without an error (a read dropped early, or failed, keeps nothing).
    pub(crate) fn run_students_stream(
        &self,
        archived: bool,
    ) -> BoxStream<'static, Result<StudentRow>> {
        if let Some(v) = self.kept().students.get(&archived, self.reuse()) {
            let rows: Vec<Result<StudentRow>> = v.iter().cloned().map(Ok).collect();
            return stream::iter(rows).boxed();
        }
        // `None` once an error went by: a partial list is never kept.
        let read: Arc<Mutex<Option<Vec<StudentRow>>>> = Arc::new(Mutex::new(Some(Vec::new())));
        let seen = read.clone();
        let rows = self
            .client
            .student_rows(&StudentFilter::new().archived(archived))
            .inspect(move |item| {
                let mut held = seen
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                match item {
                    Ok(row) => {
                        if let Some(list) = held.as_mut() {
                            list.push(row.clone());
                        }
                    }
                    Err(_) => *held = None,
                }
            });
        let provider = self.clone();
        let keep = stream::once(async move {
            let list = read
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .take();
            if let Some(list) = list {
                provider
                    .kept()
                    .students
                    .put(archived, list, provider.reuse());
            }
        })
        .filter_map(|()| futures::future::ready(None));
        rows.chain(keep).boxed()
    }

    /// Whether the run holds the current students' list (read within the reuse time).
    pub(crate) fn holds_students(&self) -> bool {
        self.kept().students.get(&false, self.reuse()).is_some()
    }

    /// The current students on roll, when the run holds their list (no request).
    pub(crate) fn held_roll(&self) -> Option<u64> {
        let list = self.kept().students.get(&false, self.reuse())?;
        Some(list.len() as u64)
    }

    /// The classes `student` is a member of, from `GET /memberships?user_ids[]=…` (one
    /// listing instead of one request per class), once per run.
    pub(crate) async fn run_memberships(&self, student: Id) -> Result<Arc<Vec<Id>>> {
        if let Some(v) = self.kept().memberships.get(&student, self.reuse()) {
            return Ok(v);
        }
        let list: Vec<crate::wire::Membership> = self
            .client
            .memberships(&MembershipFilter::new().users([student]))
            .try_collect()
            .await?;
        let mut classes: Vec<Id> = list
            .iter()
            .filter(|m| m.user_id == Some(student))
            .filter_map(|m| m.class_id)
            .collect();
        classes.sort();
        classes.dedup();
        Ok(self.kept().memberships.put(student, classes, self.reuse()))
    }
}
