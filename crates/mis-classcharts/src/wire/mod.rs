//! Serde mirrors of ClassCharts' JSON, one module per endpoint family.
//!
//! Lenient on purpose: ClassCharts has no official API and its PHP backend bends types
//! (see [`de`]). Fields are `Option` or defaulted wherever a source marks them nullable or a
//! fixture shows them missing; enums keep values they do not know in `Other(String)`, exactly
//! as sent, instead of failing the whole response; unknown fields are ignored (the student
//! object keeps them in `extra`, because new `display_*` flags keep appearing).

pub mod activity;
pub mod attendance;
pub mod de;
pub mod detention;
pub mod envelope;
pub mod homework;
pub mod misc;
pub mod reports;
pub mod timetable;
pub mod user;

pub use activity::{ActivityMeta, ActivityPoint, ActivityStyle, ActivityType, WirePolarity};
pub use attendance::{AttendanceDays, AttendanceMeta, AttendancePeriod, AttendanceStatus};
pub use detention::{
    Detention, DetentionAttended, DetentionLesson, DetentionPupil, DetentionSchool,
    DetentionSubject, DetentionTeacher, DetentionsMeta, Named,
};
pub use envelope::{Envelope, ErrorBody, LoginMeta, NoMeta, PingData, PingMeta, Reply, SessionId};
pub use homework::{
    Homework, HomeworkLink, HomeworkState, HomeworkStatus, HomeworksMeta, StudentAttachment,
    ValidatedAttachment,
};
pub use misc::{
    Announcement, AnnouncementAttachment, AnnouncementConsent, Badge, BadgeBehaviour, BadgeEvent,
    BadgeTeacher, BehaviourMeta, BehaviourSummary, ClassInfo, CustomField, CustomFields,
    ParentBehaviour, PupilBadge, PupilConsent, PupilEvent, PupilRef, Purchase, Reward, RewardsMeta,
    StudentCode, TimelinePoint,
};
pub use reports::{
    AcademicReport, AcademicReportSummary, OnReportCard, ReportCardComment, ReportCardTarget,
    ReportGrade, ReportLesson, ReportTeacher,
};
pub use timetable::{PeriodTime, TimetableLesson, TimetableMeta};
pub use user::{ParentUser, Pupil, Student};

/// The shared lenient string enum (`mis_core::wire_enum!`: unknown values kept as sent),
/// plus [`de::WireEnum`], so a field can read it with [`de::opt_enum`] without an owned
/// copy of the text.
macro_rules! wire_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident => $text:literal ),+ $(,)?
        }
    ) => {
        mis_core::wire_enum! {
            $(#[$meta])*
            pub enum $name {
                $( $(#[$vmeta])* $variant => $text ),+
            }
        }

        impl $crate::wire::de::WireEnum for $name {
            fn from_text(text: &str) -> Self {
                match text {
                    $( $text => $name::$variant, )+
                    _ => $name::parse(text),
                }
            }
        }
    };
}
pub(crate) use wire_enum;
