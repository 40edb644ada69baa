//! A provider that serves a model held in memory (feature `test-util`).
//!
//! Used by the conformance suite as the reference implementation, by examples, and by apps
//! that want to test their own code against `Arc<dyn MisProvider>` without a network.

use std::sync::{Arc, RwLock};

use async_trait::async_trait;
use futures::stream::{self, BoxStream, StreamExt};

use crate::codes::CodeMapper;
use crate::error::{Error, ErrorKind, Result};
use crate::model::{
    AcademicYear, AttendanceCode, AttendanceMark, BehaviourEvent, Detention, EnrolmentStatus,
    Group, Homework, Lesson, Slot, Staff, Student, Term,
};
use crate::provider::{AttendanceWrite, Capabilities, MisProvider, ProviderInfo, WriteReceipt};
use crate::query::{
    AttendanceQuery, BehaviourQuery, DetentionQuery, HomeworkQuery, StudentQuery, TimetableQuery,
};

/// Everything a [`MemoryProvider`] serves.
#[derive(Debug, Clone, Default)]
pub struct MemoryData {
    /// Students.
    pub students: Vec<Student>,
    /// Attendance marks.
    pub marks: Vec<AttendanceMark>,
    /// Dated lessons.
    pub lessons: Vec<Lesson>,
    /// Behaviour events.
    pub behaviour: Vec<BehaviourEvent>,
    /// Staff.
    pub staff: Vec<Staff>,
    /// Groups.
    pub groups: Vec<Group>,
    /// Academic years.
    pub academic_years: Vec<AcademicYear>,
    /// Terms.
    pub terms: Vec<Term>,
    /// The attendance code book.
    pub attendance_codes: Vec<AttendanceCode>,
    /// Homework.
    pub homework: Vec<Homework>,
    /// Detentions.
    pub detentions: Vec<Detention>,
}

/// Serves [`MemoryData`] through [`MisProvider`], honouring every query filter.
#[derive(Debug, Clone)]
pub struct MemoryProvider {
    info: ProviderInfo,
    data: Arc<RwLock<MemoryData>>,
    mapper: CodeMapper,
}

impl MemoryProvider {
    /// A provider with vendor id `memory` serving `data`.
    pub fn new(data: MemoryData) -> Self {
        MemoryProvider {
            info: ProviderInfo::new("memory"),
            data: Arc::new(RwLock::new(data)),
            mapper: CodeMapper::new(),
        }
    }

    /// Replaces the provider info (vendor id, tenant, time zone).
    pub fn with_info(mut self, info: ProviderInfo) -> Self {
        self.info = info;
        self
    }

    /// A snapshot of the data (including written marks).
    pub fn data(&self) -> MemoryData {
        self.read().clone()
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, MemoryData> {
        // A poisoned lock only means a writer panicked mid-push; the data is still usable.
        self.data.read().unwrap_or_else(|p| p.into_inner())
    }

    fn serve<T, F>(&self, pick: F) -> BoxStream<'static, Result<T>>
    where
        T: Clone + Send + 'static,
        F: FnOnce(&MemoryData) -> Vec<T>,
    {
        let items = pick(&self.read());
        stream::iter(items.into_iter().map(Ok)).boxed()
    }
}

#[async_trait]
impl MisProvider for MemoryProvider {
    fn info(&self) -> &ProviderInfo {
        &self.info
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            students: true,
            attendance_sessions: true,
            attendance_lessons: true,
            attendance_days: true,
            timetable: true,
            behaviour: true,
            staff: true,
            groups: true,
            academic_years: true,
            attendance_codes: true,
            homework: true,
            detentions: true,
            write_attendance: true,
            filter_student: true,
            filter_year_group: true,
            filter_leavers: true,
        }
    }

    fn students(&self, q: StudentQuery) -> BoxStream<'static, Result<Student>> {
        self.serve(|d| {
            d.students
                .iter()
                .filter(|s| {
                    q.include_leavers || s.enrolment_status != Some(EnrolmentStatus::Leaver)
                })
                .filter(|s| q.year_group.is_none() || s.year_group == q.year_group)
                .cloned()
                .collect()
        })
    }

    fn attendance(&self, q: AttendanceQuery) -> BoxStream<'static, Result<AttendanceMark>> {
        self.serve(|d| {
            d.marks
                .iter()
                .filter(|m| q.range.contains(m.date))
                .filter(|m| q.student_id.as_ref().is_none_or(|s| *s == m.student_id))
                .filter(|m| q.slot.is_none_or(|s| s == m.slot))
                .cloned()
                .collect()
        })
    }

    fn timetable(&self, q: TimetableQuery) -> BoxStream<'static, Result<Lesson>> {
        self.serve(|d| {
            d.lessons
                .iter()
                .filter(|l| q.range.contains(l.date))
                .filter(|l| q.student_id.is_none() || l.student_id == q.student_id)
                .cloned()
                .collect()
        })
    }

    fn behaviour(&self, q: BehaviourQuery) -> BoxStream<'static, Result<BehaviourEvent>> {
        self.serve(|d| {
            d.behaviour
                .iter()
                .filter(|e| q.range.contains(e.date))
                .filter(|e| {
                    q.student_id
                        .as_ref()
                        .is_none_or(|s| e.student_ids.contains(s))
                })
                .cloned()
                .collect()
        })
    }

    fn staff(&self) -> BoxStream<'static, Result<Staff>> {
        self.serve(|d| d.staff.clone())
    }

    fn groups(&self) -> BoxStream<'static, Result<Group>> {
        self.serve(|d| d.groups.clone())
    }

    fn academic_years(&self) -> BoxStream<'static, Result<AcademicYear>> {
        self.serve(|d| d.academic_years.clone())
    }

    fn terms(&self) -> BoxStream<'static, Result<Term>> {
        self.serve(|d| d.terms.clone())
    }

    fn attendance_codes(&self) -> BoxStream<'static, Result<AttendanceCode>> {
        self.serve(|d| d.attendance_codes.clone())
    }

    fn homework(&self, q: HomeworkQuery) -> BoxStream<'static, Result<Homework>> {
        self.serve(|d| {
            d.homework
                .iter()
                .filter(|h| h.due_on.is_some_and(|due| q.range.contains(due)))
                .filter(|h| q.student_id.is_none() || h.student_id == q.student_id)
                .cloned()
                .collect()
        })
    }

    fn detentions(&self, q: DetentionQuery) -> BoxStream<'static, Result<Detention>> {
        self.serve(|d| {
            d.detentions
                .iter()
                .filter(|x| q.range.contains(x.date))
                .filter(|x| q.student_id.as_ref().is_none_or(|s| *s == x.student_id))
                .cloned()
                .collect()
        })
    }

    async fn record_attendance(&self, w: AttendanceWrite) -> Result<WriteReceipt> {
        let mapped = self.mapper.map_code(&w.code, w.date);
        let mut data = self.data.write().unwrap_or_else(|p| p.into_inner());
        if !data.students.iter().any(|s| s.id == w.student_id) {
            return Err(Error::new(
                ErrorKind::NotFound,
                format!("no student with id {}", w.student_id),
            )
            .with_vendor(self.info.vendor.clone())
            .with_operation("record_attendance"));
        }
        let mark = AttendanceMark {
            provider: self.info.vendor.clone(),
            student_id: w.student_id,
            date: w.date,
            // Neither a session nor a lesson: a whole-day mark.
            slot: match (&w.session, &w.lesson_id) {
                (Some(_), _) => Slot::Session,
                (None, Some(_)) => Slot::Lesson,
                (None, None) => Slot::Day,
            },
            session: w.session,
            period: None,
            lesson_id: w.lesson_id,
            code: w.code,
            category: mapped.category,
            late: mapped.late || w.minutes_late.is_some_and(|m| m > 0),
            minutes_late: w.minutes_late,
            note: w.note,
        };
        // Replace a mark for the same slot rather than adding a second one: a register slot
        // holds one mark, and a repeated write must not double-count.
        data.marks.retain(|m| {
            !(m.student_id == mark.student_id
                && m.date == mark.date
                && m.session == mark.session
                && m.lesson_id == mark.lesson_id)
        });
        data.marks.push(mark);
        Ok(WriteReceipt::Applied { id: None })
    }
}

#[cfg(test)]
mod tests {
    use futures::TryStreamExt;
    use jiff::civil::date;

    use super::*;
    use crate::model::{Polarity, Session};
    use crate::provider::MisProviderExt;
    use crate::query::DateRange;

    fn data() -> MemoryData {
        let mut leaver = Student::new("memory", "2", "Bo", "Left");
        leaver.enrolment_status = Some(EnrolmentStatus::Leaver);
        let mut on_roll = Student::new("memory", "1", "Al", "Here");
        on_roll.enrolment_status = Some(EnrolmentStatus::OnRoll);
        on_roll.year_group = Some("9".into());
        MemoryData {
            students: vec![on_roll, leaver],
            behaviour: vec![BehaviourEvent {
                provider: "memory".into(),
                id: "e1".into(),
                student_ids: vec!["1".into()],
                occurred_at: None,
                date: date(2024, 9, 10),
                polarity: Polarity::Positive,
                category: Some("Merit".into()),
                points: Some(1),
                notes: None,
                author: None,
            }],
            ..MemoryData::default()
        }
    }

    #[tokio::test]
    async fn serves_through_a_trait_object_and_filters() {
        let p: Arc<dyn MisProvider> = Arc::new(MemoryProvider::new(data()));
        assert_eq!(p.all_students(StudentQuery::new()).await.unwrap().len(), 1);
        assert_eq!(
            p.all_students(StudentQuery::new().include_leavers(true))
                .await
                .unwrap()
                .len(),
            2
        );
        let range = DateRange::parse("2024-09-09", "2024-09-13").unwrap();
        let events: Vec<_> = p
            .behaviour(BehaviourQuery::new(range))
            .try_collect()
            .await
            .unwrap();
        assert_eq!(events.len(), 1);
        let none: Vec<_> = p
            .behaviour(BehaviourQuery::new(range).student("2"))
            .try_collect()
            .await
            .unwrap();
        assert!(none.is_empty());
    }

    #[tokio::test]
    async fn writes_replace_the_slot_and_unknown_students_are_not_found() {
        let p = MemoryProvider::new(data());
        let d = date(2024, 9, 10);
        p.record_attendance(AttendanceWrite::session("1", d, Session::Am, "N"))
            .await
            .unwrap();
        p.record_attendance(AttendanceWrite::session("1", d, Session::Am, "I"))
            .await
            .unwrap();
        let marks = p.data().marks;
        assert_eq!(marks.len(), 1);
        assert_eq!(
            marks[0].category,
            crate::AttendanceCategory::AuthorisedAbsence
        );
        let e = p
            .record_attendance(AttendanceWrite::session("404", d, Session::Am, "/"))
            .await
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::NotFound);
    }
}
