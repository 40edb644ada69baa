//! Reading one school through `Arc<dyn MisProvider>` and writing it to a [`Store`]: the
//! shared core of `mis demo` and `mis sync`.
//!
//! Everything goes through the trait object, exactly as an aggregation app would use it, so
//! the demo proves the trait, not a vendor crate's own client.

use std::sync::Arc;

use futures::TryStreamExt;
use mis_core::stats::{AttendanceSummary, summarise_by_student};
use mis_core::{
    AttendanceMark, AttendanceQuery, BehaviourEvent, BehaviourQuery, DateRange, ErrorKind, Lesson,
    MisProvider, Polarity, Result, Student, StudentQuery, TimetableQuery,
};

use crate::store::{Store, Written};

/// What was read from one school.
#[derive(Debug, Clone)]
pub struct SchoolData {
    /// The school's name (from the config or the demo).
    pub school: String,
    /// The vendor id.
    pub provider: String,
    /// Students (leavers included).
    pub students: Vec<Student>,
    /// Attendance marks in range.
    pub marks: Vec<AttendanceMark>,
    /// Lessons in range (empty when the vendor has no timetable).
    pub lessons: Vec<Lesson>,
    /// Behaviour events in range (empty when the vendor has no behaviour).
    pub events: Vec<BehaviourEvent>,
    /// Entities the vendor does not support, by name.
    pub unsupported: Vec<&'static str>,
}

/// Collects a stream, turning a typed `Unsupported` into "nothing, and say so".
async fn gather<T>(
    what: &'static str,
    stream: futures::stream::BoxStream<'static, Result<T>>,
    unsupported: &mut Vec<&'static str>,
) -> Result<Vec<T>> {
    match stream.try_collect().await {
        Ok(items) => Ok(items),
        Err(e) if e.kind() == ErrorKind::Unsupported => {
            unsupported.push(what);
            Ok(Vec::new())
        }
        Err(e) => Err(e),
    }
}

/// Reads students, attendance, timetable and behaviour for `range`.
pub async fn read_school(
    school: &str,
    provider: Arc<dyn MisProvider>,
    range: DateRange,
) -> Result<SchoolData> {
    let mut unsupported = Vec::new();
    let students = gather(
        "students",
        provider.students(StudentQuery::new().include_leavers(true)),
        &mut unsupported,
    )
    .await?;
    let marks = gather(
        "attendance",
        provider.attendance(AttendanceQuery::new(range)),
        &mut unsupported,
    )
    .await?;
    let lessons = if provider.capabilities().timetable {
        gather(
            "timetable",
            provider.timetable(TimetableQuery::new(range)),
            &mut unsupported,
        )
        .await?
    } else {
        unsupported.push("timetable");
        Vec::new()
    };
    let events = if provider.capabilities().behaviour {
        gather(
            "behaviour",
            provider.behaviour(BehaviourQuery::new(range)),
            &mut unsupported,
        )
        .await?
    } else {
        unsupported.push("behaviour");
        Vec::new()
    };
    Ok(SchoolData {
        school: school.to_string(),
        provider: provider.info().vendor.clone(),
        students,
        marks,
        lessons,
        events,
        unsupported,
    })
}

impl SchoolData {
    /// DfE statistics over the school's marks.
    pub fn summary(&self) -> AttendanceSummary {
        summarise_by_student(&self.marks).1
    }

    /// Positive and negative behaviour events.
    pub fn polarity_counts(&self) -> (usize, usize) {
        let pos = self
            .events
            .iter()
            .filter(|e| e.polarity == Polarity::Positive)
            .count();
        let neg = self
            .events
            .iter()
            .filter(|e| e.polarity == Polarity::Negative)
            .count();
        (pos, neg)
    }

    /// Writes everything in one transaction (upserts: a re-run never duplicates), rolled
    /// back if any write fails. Rows carry sync generation 0 (`mis demo`'s database is not a
    /// sync's).
    pub async fn write(&self, store: &mut Store, time_zone: &str) -> Result<Written> {
        store.begin().await?;
        let written = self.write_rows(store, time_zone).await;
        match written {
            Ok(()) => store.commit().await?,
            Err(e) => {
                store.rollback().await;
                return Err(e);
            }
        }
        let n = |v: usize| v as u64;
        Ok(Written {
            students: n(self.students.len()),
            marks: n(self.marks.len()),
            lessons: n(self.lessons.len()),
            events: n(self.events.len()),
        })
    }

    async fn write_rows(&self, store: &mut Store, time_zone: &str) -> Result<()> {
        store
            .school(&self.school, &self.provider, None, time_zone)
            .await?;
        for s in &self.students {
            store.student(&self.school, s, 0).await?;
        }
        for m in &self.marks {
            store.mark(&self.school, m, 0).await?;
        }
        for l in &self.lessons {
            store.lesson(&self.school, l, 0).await?;
        }
        for e in &self.events {
            store.event(&self.school, e, 0).await?;
        }
        Ok(())
    }
}
