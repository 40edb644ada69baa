//! Pure functions from the wire types to the mis-core model. No I/O: everything a
//! conversion needs (code book, timetable, calendar) is passed in, so each is unit-tested.

pub mod attendance;
pub mod behaviour;
pub mod groups;
pub mod students;
pub mod timetable;
pub mod years;

pub use attendance::{CodeBook, ResolvedMark, attendance_code, lesson_mark, session_mark};
pub use behaviour::{behaviour_event, polarity};
pub use groups::{derived_groups, staff, teacher_name, teaching_groups};
pub use students::{enrolment_status, student};
pub use timetable::{ClassSlot, TimetableIndex};
pub use years::{
    academic_year, academic_year_name, academic_year_of, academic_year_range,
    split_by_academic_year, year_group_segment,
};

/// The vendor id on every record.
pub const VENDOR: &str = "go4schools";
