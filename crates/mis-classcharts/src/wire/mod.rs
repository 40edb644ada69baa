//! Serde mirrors of ClassCharts' JSON, one module per endpoint family (vendors.md §1.5, §1.6).
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

/// Declares a wire enum of known string values that keeps any other value in
/// `Other(String)`, exactly as sent. Matching is case-insensitive and trimmed; `as_str`
/// gives the canonical spelling (or the raw value for `Other`).
macro_rules! wire_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident => $text:literal ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )+
            /// A value this version does not know, kept exactly as sent.
            Other(String),
        }

        impl $name {
            /// The value as ClassCharts spells it (the raw value for `Other`).
            pub fn as_str(&self) -> &str {
                match self {
                    $( $name::$variant => $text, )+
                    $name::Other(s) => s.as_str(),
                }
            }

            /// Parses leniently: known values case-insensitively, anything else kept.
            pub fn parse(value: &str) -> Self {
                let v = value.trim();
                $( if v.eq_ignore_ascii_case($text) { return $name::$variant; } )+
                $name::Other(value.to_owned())
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = <std::borrow::Cow<'de, str> as serde::Deserialize>::deserialize(d)?;
                Ok($name::parse(&s))
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }
    };
}
pub(crate) use wire_enum;
