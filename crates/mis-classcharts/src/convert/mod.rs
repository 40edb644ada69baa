//! Pure functions from the wire types to the mis-core model. No I/O: every function takes
//! what it needs (the pupil id, the school's zone, the code mapper) as arguments, so each is
//! unit-tested on its own.
//!
//! | model | from | notes |
//! |---|---|---|
//! | [`Student`](mis_core::Student) | the pupil object (`/ping` `data.user`, `/pupils`) | names; no UPN, year or form on this API |
//! | [`AttendanceMark`](mis_core::AttendanceMark) | `/attendance` `{date: {session: mark}}` | session keys (`AM`, `AM Reg`, `Morning`…, [`SessionKeys`]) → session slot, anything else → lesson slot, joined to its timetable lesson ([`join_lessons`]); category by [`MarkRules`] (DfE code, then ClassCharts' `status`) |
//! | [`Lesson`](mis_core::Lesson) | `/timetable` lessons | ISO times re-zoned to the school's zone; breaks skipped; id = class id + date + period |
//! | [`BehaviourEvent`](mis_core::BehaviourEvent) | `/activity` points of type `behaviour` | zone-less timestamps are school wall-clock time |
//! | [`Homework`](mis_core::Homework), [`Detention`](mis_core::Detention) | `/homeworks`, `/detentions` | malformed detention dates read leniently |

mod attendance;
mod behaviour;
mod detention;
mod homework;
mod student;
mod time;
mod timetable;

pub use attendance::{
    ClassName, MarkRules, SessionKeys, join_lessons, marks, marks_with_classes, period_key,
    session_of,
};
pub use behaviour::event;
pub use detention::{detention, detention_date};
pub use homework::homework;
pub use student::student;
pub use time::{local_date_time, zoned_date_time};
pub use timetable::lesson;

/// A text field trimmed, `None` when absent or blank (ClassCharts sends `""` and `null`
/// alike for "none").
fn clean(s: &Option<String>) -> Option<String> {
    s.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}
