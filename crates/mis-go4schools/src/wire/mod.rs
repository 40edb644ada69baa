//! Serde mirrors of the GO 4 Schools JSON, field for field.
//!
//! Written from the vendor documentation (`vendor-docs/go4schools.txt`) and the field lists in
//! vendors.md §2.4, and deliberately lenient, because the two disagree and the live API is
//! known only through third-party clients:
//!
//! * every field is optional or defaulted unless the record is useless without it (ids);
//! * numbers may arrive as strings and vice versa ([`de`]);
//! * dates may be dates or midnight date-times ([`de::parse_date`]);
//! * enumerations keep values this version does not know ([`DayType::Other`], …);
//! * lists come bare or in the paging envelope ([`ListPage`]);
//! * unknown fields are ignored.
//!
//! Special-category data (SEND and sensitive attributes, medical conditions) and photos are
//! held in [`mis_core::Sensitive`], whose `Debug` prints `[sensitive]`.

pub mod de;
mod list;

mod assessment;
mod attainment;
mod attendance;
mod behaviour;
mod school;
mod students;
mod teaching;
mod timetable;

pub use assessment::{
    Markbook, Marksheet, MarksheetGrade, MarksheetGrades, Markslot, MarkslotMarks, StudentMark,
};
pub use attainment::{
    ExamResult, Grade, GradeType, PriorAttainment, Report, ReportAttributeChoices,
    ReportAttributeDefinition, ReportChoice, ReportChoiceDefinition, ReportComment, ReportGrade,
    ReportGradeType, ReportGrades,
};
pub use attendance::{
    AttendanceAlias, AttendanceCode, LessonMark, SessionAttendance, SessionMark, SessionSummary,
};
pub use behaviour::{
    ActionRule, BehaviourAction, BehaviourEvent, Classification, EventType, FollowUpAction,
    ImmediateAction, Significance,
};
pub use list::{ListPage, WireItem};
pub use school::{ParentAccount, ParentalContact, School, StaffAccount};
pub use students::{
    Attribute, AttributeValue, DemographicAttribute, EducationAttribute, EducationAttributeValue,
    EducationDetails, GeneralAttribute, MedicalConditions, Photo, SendAttribute,
    SensitiveAttribute, Student,
};
pub use teaching::{Department, GroupStudents, GroupTeachers, Subject, Teacher, TeachingGroup};
pub use timetable::{
    CalendarDay, DayType, Period, StudentClass, StudentClasses, Timetable, TimetabledClass,
};

/// Declares a string enumeration that keeps unknown values as sent.
///
/// Matching is case-insensitive; serialising writes the documented spelling (or the unknown
/// value as it came).
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
            /// A value this version does not know, kept as sent.
            Other(String),
        }

        impl $name {
            /// The documented spelling, or the unknown value as sent.
            pub fn as_str(&self) -> &str {
                match self {
                    $( $name::$variant => $text, )+
                    $name::Other(s) => s.as_str(),
                }
            }

            /// Parses case-insensitively; unknown values become `Other`.
            pub fn parse(value: &str) -> Self {
                let v = value.trim();
                $( if v.eq_ignore_ascii_case($text) { return $name::$variant; } )+
                $name::Other(v.to_owned())
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = <std::borrow::Cow<'de, str> as serde::Deserialize>::deserialize(d)?;
                Ok($name::parse(&s))
            }
        }
    };
}
pub(crate) use wire_enum;
