//! The trait every vendor implements, and what it says about itself.

use std::sync::Arc;

use async_trait::async_trait;
use futures::stream::{self, BoxStream, StreamExt, TryStreamExt};
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::model::{
    AcademicYear, AttendanceCode, AttendanceMark, BehaviourEvent, Detention, Group, Homework,
    Lesson, Session, Staff, Student, Term,
};
use crate::query::{
    AttendanceQuery, BehaviourQuery, DetentionQuery, HomeworkQuery, StudentQuery, TimetableQuery,
};

/// Who a provider is: vendor, school, time zone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProviderInfo {
    /// Vendor id: `classcharts`, `go4schools`, `hubmis`, `classe365`, `managebac`, `memory`.
    pub vendor: String,
    /// The school (tenant) as the vendor or the config names it, when known.
    pub tenant: Option<String>,
    /// The school's IANA time zone, e.g. `Europe/London`.
    pub time_zone: String,
}

impl ProviderInfo {
    /// Info for `vendor` with the default time zone `Europe/London`.
    pub fn new(vendor: impl Into<String>) -> Self {
        ProviderInfo {
            vendor: vendor.into(),
            tenant: None,
            time_zone: "Europe/London".into(),
        }
    }

    /// Sets the tenant.
    pub fn tenant(mut self, tenant: impl Into<String>) -> Self {
        self.tenant = Some(tenant.into());
        self
    }

    /// Sets the time zone.
    pub fn time_zone(mut self, tz: impl Into<String>) -> Self {
        self.time_zone = tz.into();
        self
    }
}

/// What a provider can do, known before calling. One flag per entity, per write, per filter.
///
/// A `false` entity flag means the matching method returns `ErrorKind::Unsupported`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Capabilities {
    /// `students()`.
    pub students: bool,
    /// `attendance()` returns session (AM/PM) marks.
    pub attendance_sessions: bool,
    /// `attendance()` returns lesson marks.
    pub attendance_lessons: bool,
    /// `attendance()` returns whole-day marks.
    pub attendance_days: bool,
    /// `timetable()`.
    pub timetable: bool,
    /// `behaviour()`.
    pub behaviour: bool,
    /// `staff()`.
    pub staff: bool,
    /// `groups()`.
    pub groups: bool,
    /// `academic_years()` and `terms()`.
    pub academic_years: bool,
    /// `attendance_codes()`.
    pub attendance_codes: bool,
    /// `homework()`.
    pub homework: bool,
    /// `detentions()`.
    pub detentions: bool,
    /// `record_attendance()`.
    pub write_attendance: bool,
    /// Queries honour `student_id` (else it is `InvalidInput`).
    pub filter_student: bool,
    /// `StudentQuery::year_group` is honoured.
    pub filter_year_group: bool,
    /// `StudentQuery::include_leavers` is honoured.
    pub filter_leavers: bool,
}

impl Capabilities {
    /// Whether `attendance()` is supported at all.
    pub fn attendance(&self) -> bool {
        self.attendance_sessions || self.attendance_lessons || self.attendance_days
    }

    /// `(name, flag)` pairs in a fixed order, for tables and test names.
    pub fn flags(&self) -> [(&'static str, bool); 16] {
        [
            ("students", self.students),
            ("attendance_sessions", self.attendance_sessions),
            ("attendance_lessons", self.attendance_lessons),
            ("attendance_days", self.attendance_days),
            ("timetable", self.timetable),
            ("behaviour", self.behaviour),
            ("staff", self.staff),
            ("groups", self.groups),
            ("academic_years", self.academic_years),
            ("attendance_codes", self.attendance_codes),
            ("homework", self.homework),
            ("detentions", self.detentions),
            ("write_attendance", self.write_attendance),
            ("filter_student", self.filter_student),
            ("filter_year_group", self.filter_year_group),
            ("filter_leavers", self.filter_leavers),
        ]
    }
}

/// One attendance mark to record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AttendanceWrite {
    /// The student's vendor id.
    pub student_id: String,
    /// The date.
    pub date: Date,
    /// AM/PM for a session mark.
    pub session: Option<Session>,
    /// The vendor's lesson / class id for a lesson mark.
    pub lesson_id: Option<String>,
    /// The vendor's code or status to record (`/`, `L`, `present`…).
    pub code: String,
    /// Minutes late.
    pub minutes_late: Option<u32>,
    /// A note.
    pub note: Option<String>,
}

impl AttendanceWrite {
    /// A session mark.
    pub fn session(
        student_id: impl Into<String>,
        date: Date,
        session: Session,
        code: impl Into<String>,
    ) -> Self {
        AttendanceWrite {
            student_id: student_id.into(),
            date,
            session: Some(session),
            lesson_id: None,
            code: code.into(),
            minutes_late: None,
            note: None,
        }
    }

    /// A whole-day mark (vendors without AM/PM sessions: Classe365, ManageBac homeroom).
    pub fn day(student_id: impl Into<String>, date: Date, code: impl Into<String>) -> Self {
        AttendanceWrite {
            student_id: student_id.into(),
            date,
            session: None,
            lesson_id: None,
            code: code.into(),
            minutes_late: None,
            note: None,
        }
    }

    /// Whether this is a whole-day mark (neither a session nor a lesson).
    pub fn is_day(&self) -> bool {
        self.session.is_none() && self.lesson_id.is_none()
    }

    /// A lesson / class mark.
    pub fn lesson(
        student_id: impl Into<String>,
        date: Date,
        lesson_id: impl Into<String>,
        code: impl Into<String>,
    ) -> Self {
        AttendanceWrite {
            student_id: student_id.into(),
            date,
            session: None,
            lesson_id: Some(lesson_id.into()),
            code: code.into(),
            minutes_late: None,
            note: None,
        }
    }

    /// Adds minutes late.
    pub fn minutes_late(mut self, minutes: u32) -> Self {
        self.minutes_late = Some(minutes);
        self
    }

    /// Adds a note.
    pub fn note(mut self, note: impl Into<String>) -> Self {
        self.note = Some(note.into());
        self
    }
}

/// What the vendor did with a write.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
#[non_exhaustive]
pub enum WriteReceipt {
    /// The vendor applied it.
    Applied {
        /// The vendor's id of the written record, if it returned one.
        id: Option<String>,
    },
    /// The vendor accepted it for later processing.
    Pending {
        /// A handle to poll, if the vendor gave one.
        handle: Option<String>,
    },
}

/// A stream that yields one error and ends: how a list method reports a failure found before
/// its first page (bad input, a missing setting).
pub fn error_stream<T: Send + 'static>(error: Error) -> BoxStream<'static, Result<T>> {
    stream::once(futures::future::ready(Err(error))).boxed()
}

/// A stream that yields one `Unsupported` error.
pub fn unsupported_stream<T: Send + 'static>(
    vendor: &str,
    operation: &str,
) -> BoxStream<'static, Result<T>> {
    error_stream(Error::unsupported(vendor, operation))
}

/// One school's MIS, whatever the vendor. Object-safe: hold it as `Arc<dyn MisProvider>`.
///
/// Lists are lazy streams: pages are fetched as the consumer reads, so memory stays bounded.
/// Methods for entities a vendor lacks return a stream with one `ErrorKind::Unsupported`
/// error, and [`MisProvider::capabilities`] says so in advance.
#[async_trait]
pub trait MisProvider: Send + Sync + std::fmt::Debug {
    /// Vendor, school and time zone.
    fn info(&self) -> &ProviderInfo;

    /// What this provider can do.
    fn capabilities(&self) -> Capabilities;

    /// Students.
    fn students(&self, q: StudentQuery) -> BoxStream<'static, Result<Student>>;

    /// Attendance marks in a date range.
    fn attendance(&self, q: AttendanceQuery) -> BoxStream<'static, Result<AttendanceMark>>;

    /// Dated lessons in a date range.
    fn timetable(&self, q: TimetableQuery) -> BoxStream<'static, Result<Lesson>>;

    /// Behaviour events in a date range.
    fn behaviour(&self, q: BehaviourQuery) -> BoxStream<'static, Result<BehaviourEvent>>;

    /// Staff.
    fn staff(&self) -> BoxStream<'static, Result<Staff>> {
        unsupported_stream(&self.info().vendor, "staff")
    }

    /// Groups (classes, registration groups, year groups, houses).
    fn groups(&self) -> BoxStream<'static, Result<Group>> {
        unsupported_stream(&self.info().vendor, "groups")
    }

    /// Academic years.
    fn academic_years(&self) -> BoxStream<'static, Result<AcademicYear>> {
        unsupported_stream(&self.info().vendor, "academic_years")
    }

    /// Terms of every academic year.
    fn terms(&self) -> BoxStream<'static, Result<Term>> {
        unsupported_stream(&self.info().vendor, "terms")
    }

    /// The attendance code book.
    fn attendance_codes(&self) -> BoxStream<'static, Result<AttendanceCode>> {
        unsupported_stream(&self.info().vendor, "attendance_codes")
    }

    /// Homework due in a date range.
    fn homework(&self, _q: HomeworkQuery) -> BoxStream<'static, Result<Homework>> {
        unsupported_stream(&self.info().vendor, "homework")
    }

    /// Detentions in a date range.
    fn detentions(&self, _q: DetentionQuery) -> BoxStream<'static, Result<Detention>> {
        unsupported_stream(&self.info().vendor, "detentions")
    }

    /// What the MIS says about the school itself (name, its own time zone, roll count),
    /// in at most one request; `Unsupported` where the API says nothing about the school.
    /// `mis doctor` compares the time zone with the configured one.
    async fn school_profile(&self) -> Result<crate::SchoolProfile> {
        Err(Error::unsupported(&self.info().vendor, "school_profile"))
    }

    /// Records one attendance mark.
    async fn record_attendance(&self, _w: AttendanceWrite) -> Result<WriteReceipt> {
        Err(Error::unsupported(&self.info().vendor, "record_attendance"))
    }
}

/// Convenience helpers on every provider (and on `Arc<dyn MisProvider>`).
#[async_trait]
pub trait MisProviderExt: MisProvider {
    /// Every student, collected.
    async fn all_students(&self, q: StudentQuery) -> Result<Vec<Student>> {
        self.students(q).try_collect().await
    }

    /// Every mark in the range, collected.
    async fn all_attendance(&self, q: AttendanceQuery) -> Result<Vec<AttendanceMark>> {
        self.attendance(q).try_collect().await
    }

    /// Every lesson in the range, collected.
    async fn all_lessons(&self, q: TimetableQuery) -> Result<Vec<Lesson>> {
        self.timetable(q).try_collect().await
    }

    /// Every behaviour event in the range, collected.
    async fn all_behaviour(&self, q: BehaviourQuery) -> Result<Vec<BehaviourEvent>> {
        self.behaviour(q).try_collect().await
    }

    /// The student with this UPN (on roll or not), or `NotFound`.
    async fn find_by_upn(&self, upn: &str) -> Result<Student> {
        let wanted = upn.trim().to_ascii_uppercase();
        let mut s = self.students(StudentQuery::new().include_leavers(true));
        while let Some(student) = s.try_next().await? {
            if student
                .upn()
                .is_some_and(|u| u.trim().eq_ignore_ascii_case(&wanted))
            {
                return Ok(student);
            }
        }
        Err(
            Error::new(crate::ErrorKind::NotFound, "no student with that UPN")
                .with_vendor(self.info().vendor.clone()),
        )
    }
}

impl<P: MisProvider + ?Sized> MisProviderExt for P {}

/// A shared provider is a provider: lets `Arc<dyn MisProvider>` go where `impl MisProvider`
/// is expected.
#[async_trait]
impl<P: MisProvider + ?Sized> MisProvider for Arc<P> {
    fn info(&self) -> &ProviderInfo {
        (**self).info()
    }
    fn capabilities(&self) -> Capabilities {
        (**self).capabilities()
    }
    fn students(&self, q: StudentQuery) -> BoxStream<'static, Result<Student>> {
        (**self).students(q)
    }
    fn attendance(&self, q: AttendanceQuery) -> BoxStream<'static, Result<AttendanceMark>> {
        (**self).attendance(q)
    }
    fn timetable(&self, q: TimetableQuery) -> BoxStream<'static, Result<Lesson>> {
        (**self).timetable(q)
    }
    fn behaviour(&self, q: BehaviourQuery) -> BoxStream<'static, Result<BehaviourEvent>> {
        (**self).behaviour(q)
    }
    fn staff(&self) -> BoxStream<'static, Result<Staff>> {
        (**self).staff()
    }
    fn groups(&self) -> BoxStream<'static, Result<Group>> {
        (**self).groups()
    }
    fn academic_years(&self) -> BoxStream<'static, Result<AcademicYear>> {
        (**self).academic_years()
    }
    fn terms(&self) -> BoxStream<'static, Result<Term>> {
        (**self).terms()
    }
    fn attendance_codes(&self) -> BoxStream<'static, Result<AttendanceCode>> {
        (**self).attendance_codes()
    }
    fn homework(&self, q: HomeworkQuery) -> BoxStream<'static, Result<Homework>> {
        (**self).homework(q)
    }
    fn detentions(&self, q: DetentionQuery) -> BoxStream<'static, Result<Detention>> {
        (**self).detentions(q)
    }
    async fn school_profile(&self) -> Result<crate::SchoolProfile> {
        (**self).school_profile().await
    }
    async fn record_attendance(&self, w: AttendanceWrite) -> Result<WriteReceipt> {
        (**self).record_attendance(w).await
    }
}
