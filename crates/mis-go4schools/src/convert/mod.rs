//! Pure functions from the wire types to the mis-core model. No I/O: everything a
//! conversion needs (code book, timetable, calendar) is passed in, so each is unit-tested.

pub mod attendance;
pub mod behaviour;
pub mod calendar;
pub mod codes;
pub mod group;
pub mod staff;
pub mod student;
pub mod timetable;

pub use attendance::{lesson_mark, session_mark, session_mark_in, session_of};
pub use behaviour::{behaviour_event, polarity};
pub use calendar::{
    academic_year, academic_year_name, academic_year_of, academic_year_range,
    split_by_academic_year, year_group_segment,
};
pub use codes::{CodeBook, ResolvedMark, attendance_code};
pub use group::{derived_groups, teaching_groups};
pub use staff::{staff, teacher_name};
pub use student::{enrolment_status, student};
pub use timetable::{ClassSlot, TimetableIndex};

/// The vendor id on every record ([`crate::VENDOR_ID`] as text).
pub const VENDOR: &str = crate::descriptor::VENDOR_ID.as_str();
