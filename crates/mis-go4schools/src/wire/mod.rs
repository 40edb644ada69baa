//! Serde mirrors of the GO 4 Schools JSON, field for field.
//!
//! Written from the vendor's API reference ("GO 4 Schools API, customer v1") and the fields
//! open-source clients such as G4SApiSync read, and deliberately lenient, because the two
//! disagree and the live API is known only through such clients:
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

/// The shared lenient string enum (keeps unknown values as sent).
pub(crate) use mis_core::wire_enum;
