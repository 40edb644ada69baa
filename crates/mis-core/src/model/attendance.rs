//! Attendance marks, their statistical category and the code book.

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

/// The DfE statistical category of a mark. Every mark lands in exactly one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum AttendanceCategory {
    /// Present (`/`, `\`, `L`).
    Present,
    /// Off site at an approved educational activity: counts as attendance.
    ApprovedEducationalActivity,
    /// Authorised absence.
    AuthorisedAbsence,
    /// Unauthorised absence.
    UnauthorisedAbsence,
    /// Not counted: not a possible session (not required, dual registered, closure…).
    NotCounted,
    /// No mark was recorded: counts as a possible session, and is a data gap.
    NoMark,
    /// The vendor's code or label is not known: never guessed.
    Unmapped,
}

impl AttendanceCategory {
    /// Every category, in report order.
    pub const ALL: [AttendanceCategory; 7] = [
        AttendanceCategory::Present,
        AttendanceCategory::ApprovedEducationalActivity,
        AttendanceCategory::AuthorisedAbsence,
        AttendanceCategory::UnauthorisedAbsence,
        AttendanceCategory::NotCounted,
        AttendanceCategory::NoMark,
        AttendanceCategory::Unmapped,
    ];

    /// The `snake_case` name it serialises to.
    pub fn as_str(self) -> &'static str {
        match self {
            AttendanceCategory::Present => "present",
            AttendanceCategory::ApprovedEducationalActivity => "approved_educational_activity",
            AttendanceCategory::AuthorisedAbsence => "authorised_absence",
            AttendanceCategory::UnauthorisedAbsence => "unauthorised_absence",
            AttendanceCategory::NotCounted => "not_counted",
            AttendanceCategory::NoMark => "no_mark",
            AttendanceCategory::Unmapped => "unmapped",
        }
    }

    /// Whether the category counts as attendance (present or AEA).
    pub fn is_attendance(self) -> bool {
        matches!(
            self,
            AttendanceCategory::Present | AttendanceCategory::ApprovedEducationalActivity
        )
    }

    /// Whether the category counts as absence (authorised or unauthorised).
    pub fn is_absence(self) -> bool {
        matches!(
            self,
            AttendanceCategory::AuthorisedAbsence | AttendanceCategory::UnauthorisedAbsence
        )
    }
}

impl std::fmt::Display for AttendanceCategory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which register a mark belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Slot {
    /// A statutory AM / PM session register.
    Session,
    /// A lesson register.
    Lesson,
    /// A whole-day register (vendors without sessions).
    Day,
}

/// Morning or afternoon session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Session {
    /// Morning.
    Am,
    /// Afternoon.
    Pm,
}

impl Session {
    /// `am` or `pm`.
    pub fn as_str(self) -> &'static str {
        match self {
            Session::Am => "am",
            Session::Pm => "pm",
        }
    }
}

/// One student's mark in one register slot.
///
/// `#[non_exhaustive]`: other crates build one with [`AttendanceMark::new`] (who, when, which
/// register, the raw code and its category) and then set the rest, so adding a field later
/// breaks no caller.
///
/// ```
/// use mis_core::model::{AttendanceCategory, AttendanceMark, Session, Slot};
///
/// let date = jiff::civil::date(2024, 9, 2);
/// let present = AttendanceCategory::Present;
/// let mut m = AttendanceMark::new("hubmis", "7", date, Slot::Session, "L", present)
///     .with_session(Session::Am)
///     .with_late(true);
/// m.minutes_late = Some(12);
/// assert_eq!(m.session, Some(Session::Am));
/// assert_eq!(m.period, None);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AttendanceMark {
    /// Vendor id.
    pub provider: String,
    /// The vendor's id of the student.
    pub student_id: String,
    /// The school date of the register.
    pub date: Date,
    /// Session, lesson or day register.
    pub slot: Slot,
    /// AM / PM for session marks, else `null`.
    pub session: Option<Session>,
    /// Period label for lesson marks, else `null`.
    pub period: Option<String>,
    /// The vendor's lesson id for lesson marks, else `null`.
    pub lesson_id: Option<String>,
    /// The vendor's raw mark exactly as sent (`/`, `L`, `Present`, `2`…).
    pub code: String,
    /// The DfE statistical category.
    pub category: AttendanceCategory,
    /// Whether the student was late.
    pub late: bool,
    /// Minutes late, when recorded.
    pub minutes_late: Option<u32>,
    /// A note or comment on the mark.
    pub note: Option<String>,
}

/// One entry of a school's attendance code book.
///
/// `#[non_exhaustive]`: other crates build one with [`AttendanceCode::new`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AttendanceCode {
    /// Vendor id.
    pub provider: String,
    /// The raw code as the vendor sends it on marks.
    pub code: String,
    /// The vendor's description of the code.
    pub label: Option<String>,
    /// The statistical category the code maps to (today's table).
    pub category: AttendanceCategory,
    /// Whether a mark with this code means the student was late.
    pub late: bool,
}

impl AttendanceMark {
    /// A mark with the fields every mark has; `session`, `period`, `lesson_id`,
    /// `minutes_late` and `note` are `None` and `late` is `false`.
    pub fn new(
        provider: impl Into<String>,
        student_id: impl Into<String>,
        date: Date,
        slot: Slot,
        code: impl Into<String>,
        category: AttendanceCategory,
    ) -> Self {
        AttendanceMark {
            provider: provider.into(),
            student_id: student_id.into(),
            date,
            slot,
            session: None,
            period: None,
            lesson_id: None,
            code: code.into(),
            category,
            late: false,
            minutes_late: None,
            note: None,
        }
    }

    /// Sets the AM / PM session (for [`Slot::Session`] marks).
    #[must_use]
    pub fn with_session(mut self, session: Session) -> Self {
        self.session = Some(session);
        self
    }

    /// Sets whether the student was late (the code book's answer for the code).
    #[must_use]
    pub fn with_late(mut self, late: bool) -> Self {
        self.late = late;
        self
    }
}

impl AttendanceCode {
    /// A code book entry with no label that does not mean late.
    pub fn new(
        provider: impl Into<String>,
        code: impl Into<String>,
        category: AttendanceCategory,
    ) -> Self {
        AttendanceCode {
            provider: provider.into(),
            code: code.into(),
            label: None,
            category,
            late: false,
        }
    }
}
