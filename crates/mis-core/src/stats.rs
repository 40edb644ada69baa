//! DfE-style attendance statistics, computed the same way for every vendor.
//!
//! - **Possible sessions** are every mark except `not_counted` and `unmapped`. A `no_mark`
//!   slot is possible (DfE counts it) and is reported on its own so gaps are visible; an
//!   `unmapped` mark is left out of every rate and reported, because counting it as either
//!   attendance or absence would be a guess.
//! - **Attendance %** = (present + approved educational activity) / possible.
//! - **Absence %** = (authorised + unauthorised) / possible.
//! - **Persistent absence**: absence ≥ 10 % of possible sessions; **severe**: ≥ 50 %.
//!
//! Each student's statistics are computed over one kind of register, chosen **per student**:
//! that student's session marks when there are any (the statutory measure), else whole-day
//! marks, else lesson marks. Mixing kinds would count a morning twice; choosing per student
//! keeps every student of a mixed input (a trust whose schools run different MIS, one with
//! AM/PM registers and one with day marks) in the figures. The school total adds the
//! students up; its `slot` is `null` when their registers differ.
//!
//! **Duplicates**: two marks for the same slot (student, date, register kind, session, and
//! period or lesson) count once: the first in the order given (marks carry no recording
//! time, so "first seen" is the rule). The others are counted in `duplicates`.
//!
//! **Unmapped is loud**: `unmapped` counts marks whose code the mapping did not recognise,
//! and `unmapped_codes` says which codes, how often. They are left out of every rate.

use std::collections::{BTreeMap, BTreeSet};

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::model::{AttendanceCategory, AttendanceMark, Slot};

/// Persistent absence threshold, in percent of possible sessions.
pub const PERSISTENT_ABSENCE_PERCENT: f64 = 10.0;
/// Severe absence threshold, in percent of possible sessions.
pub const SEVERE_ABSENCE_PERCENT: f64 = 50.0;

/// Attendance statistics for one student, or for a whole school (`student_id` null).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttendanceSummary {
    /// The student, or `null` for a school total.
    pub student_id: Option<String>,
    /// How many students the row covers (1 for a student row).
    pub students: u64,
    /// Earliest mark date counted, if any.
    pub from: Option<Date>,
    /// Latest mark date counted, if any.
    pub to: Option<Date>,
    /// Which register the counts are from.
    pub slot: Option<Slot>,
    /// Possible sessions (every mark but not-counted and unmapped ones).
    pub possible: u64,
    /// Present (incl. late before the register closed).
    pub present: u64,
    /// Approved educational activity.
    pub approved_educational_activity: u64,
    /// Authorised absence.
    pub authorised_absence: u64,
    /// Unauthorised absence (incl. late after the register closed).
    pub unauthorised_absence: u64,
    /// Marks that do not count (not required, dual registered, closures…).
    pub not_counted: u64,
    /// Slots with no mark (counted as possible).
    pub no_mark: u64,
    /// Marks whose code is not known (left out of every rate).
    pub unmapped: u64,
    /// Marks flagged late (`L` and `U`, or a late status).
    pub late: u64,
    /// (present + AEA) / possible × 100, or `null` with no possible sessions.
    pub attendance_percent: Option<f64>,
    /// (authorised + unauthorised) / possible × 100, or `null`.
    pub absence_percent: Option<f64>,
    /// Absence ≥ 10 % (for a total row: the number of such students is in
    /// `persistent_absentees`).
    pub persistent_absence: bool,
    /// Absence ≥ 50 %.
    pub severe_absence: bool,
    /// Students in the row who are persistently absent.
    pub persistent_absentees: u64,
    /// Students in the row who are severely absent.
    pub severe_absentees: u64,
    /// Marks for a slot already counted (same student, date, register, session, period),
    /// left out of every count.
    #[serde(default)]
    pub duplicates: u64,
    /// Which unmapped codes occurred, and how often (sorted by code).
    #[serde(default)]
    pub unmapped_codes: Vec<CodeCount>,
}

/// How often one raw code occurred.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CodeCount {
    /// The vendor's raw code or label.
    pub code: String,
    /// How many marks carried it.
    pub count: u64,
}

fn add_code(codes: &mut Vec<CodeCount>, code: &str, n: u64) {
    match codes.binary_search_by(|c| c.code.as_str().cmp(code)) {
        Ok(i) => codes[i].count += n,
        Err(i) => codes.insert(
            i,
            CodeCount {
                code: code.to_owned(),
                count: n,
            },
        ),
    }
}

impl AttendanceSummary {
    fn empty(student_id: Option<String>, slot: Option<Slot>) -> Self {
        AttendanceSummary {
            student_id,
            students: 0,
            from: None,
            to: None,
            slot,
            possible: 0,
            present: 0,
            approved_educational_activity: 0,
            authorised_absence: 0,
            unauthorised_absence: 0,
            not_counted: 0,
            no_mark: 0,
            unmapped: 0,
            late: 0,
            attendance_percent: None,
            absence_percent: None,
            persistent_absence: false,
            severe_absence: false,
            persistent_absentees: 0,
            severe_absentees: 0,
            duplicates: 0,
            unmapped_codes: Vec::new(),
        }
    }

    fn add(&mut self, mark: &AttendanceMark) {
        self.from = Some(self.from.map_or(mark.date, |d| d.min(mark.date)));
        self.to = Some(self.to.map_or(mark.date, |d| d.max(mark.date)));
        match mark.category {
            AttendanceCategory::Present => self.present += 1,
            AttendanceCategory::ApprovedEducationalActivity => {
                self.approved_educational_activity += 1
            }
            AttendanceCategory::AuthorisedAbsence => self.authorised_absence += 1,
            AttendanceCategory::UnauthorisedAbsence => self.unauthorised_absence += 1,
            AttendanceCategory::NotCounted => self.not_counted += 1,
            AttendanceCategory::NoMark => self.no_mark += 1,
            AttendanceCategory::Unmapped => {
                self.unmapped += 1;
                add_code(&mut self.unmapped_codes, &mark.code, 1);
            }
        }
        if mark.late {
            self.late += 1;
        }
    }

    /// Derives possible sessions, rates and flags from the counts.
    fn finish(&mut self) {
        self.possible = self.present
            + self.approved_educational_activity
            + self.authorised_absence
            + self.unauthorised_absence
            + self.no_mark;
        let pct = |n: u64| (self.possible > 0).then(|| n as f64 * 100.0 / self.possible as f64);
        self.attendance_percent = pct(self.present + self.approved_educational_activity);
        self.absence_percent = pct(self.authorised_absence + self.unauthorised_absence);
        let absence = self.absence_percent.unwrap_or(0.0);
        self.persistent_absence = absence >= PERSISTENT_ABSENCE_PERCENT;
        self.severe_absence = absence >= SEVERE_ABSENCE_PERCENT;
    }

    fn absorb(&mut self, other: &AttendanceSummary) {
        self.students += other.students;
        self.from = match (self.from, other.from) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        self.to = match (self.to, other.to) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
        self.present += other.present;
        self.approved_educational_activity += other.approved_educational_activity;
        self.authorised_absence += other.authorised_absence;
        self.unauthorised_absence += other.unauthorised_absence;
        self.not_counted += other.not_counted;
        self.no_mark += other.no_mark;
        self.unmapped += other.unmapped;
        self.late += other.late;
        self.persistent_absentees += u64::from(other.persistent_absence);
        self.severe_absentees += u64::from(other.severe_absence);
        self.duplicates += other.duplicates;
        for c in &other.unmapped_codes {
            add_code(&mut self.unmapped_codes, &c.code, c.count);
        }
        if self.slot != other.slot {
            // Students on different registers: the total has no single kind.
            self.slot = None;
        }
    }
}

/// The register kind statistics are computed over: sessions if any, else days, else lessons.
pub fn statistical_slot(marks: &[AttendanceMark]) -> Option<Slot> {
    [Slot::Session, Slot::Day, Slot::Lesson]
        .into_iter()
        .find(|s| marks.iter().any(|m| m.slot == *s))
}

/// One student's statistics from their marks (marks of other students are ignored).
pub fn summarise_student(student_id: &str, marks: &[AttendanceMark]) -> AttendanceSummary {
    let own: Vec<AttendanceMark> = marks
        .iter()
        .filter(|m| m.student_id == student_id)
        .cloned()
        .collect();
    let (mut rows, _) = summarise_by_student(&own);
    rows.pop()
        .unwrap_or_else(|| AttendanceSummary::empty(Some(student_id.to_string()), None))
}

/// Per-student statistics (sorted by student id) and the school total.
///
/// Each student is counted over their own register kind ([`statistical_slot`] of their
/// marks); duplicate marks for one slot count once (see the module docs).
pub fn summarise_by_student(
    marks: &[AttendanceMark],
) -> (Vec<AttendanceSummary>, AttendanceSummary) {
    let mut by_student: BTreeMap<&str, Vec<&AttendanceMark>> = BTreeMap::new();
    for mark in marks {
        by_student
            .entry(mark.student_id.as_str())
            .or_default()
            .push(mark);
    }
    let mut total: Option<AttendanceSummary> = None;
    let mut rows = Vec::with_capacity(by_student.len());
    for (student, own) in by_student {
        let slot = [Slot::Session, Slot::Day, Slot::Lesson]
            .into_iter()
            .find(|s| own.iter().any(|m| m.slot == *s));
        let mut row = AttendanceSummary::empty(Some(student.to_owned()), slot);
        row.students = 1;
        let mut seen = BTreeSet::new();
        for mark in own.into_iter().filter(|m| Some(m.slot) == slot) {
            let key = (
                mark.date,
                mark.session,
                mark.period.as_deref(),
                mark.lesson_id.as_deref(),
            );
            if seen.insert(key) {
                row.add(mark);
            } else {
                row.duplicates += 1;
            }
        }
        row.finish();
        row.persistent_absentees = u64::from(row.persistent_absence);
        row.severe_absentees = u64::from(row.severe_absence);
        match &mut total {
            Some(t) => t.absorb(&row),
            None => {
                let mut t = AttendanceSummary::empty(None, row.slot);
                t.absorb(&row);
                total = Some(t);
            }
        }
        rows.push(row);
    }
    let mut total = total.unwrap_or_else(|| AttendanceSummary::empty(None, None));
    total.finish();
    (rows, total)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Session;
    use jiff::civil::date;

    fn mark(
        student: &str,
        day: i8,
        session: Session,
        code: &str,
        cat: AttendanceCategory,
        late: bool,
    ) -> AttendanceMark {
        AttendanceMark {
            provider: "test".into(),
            student_id: student.into(),
            date: date(2024, 9, day),
            slot: Slot::Session,
            session: Some(session),
            period: None,
            lesson_id: None,
            code: code.into(),
            category: cat,
            late,
            minutes_late: None,
            note: None,
        }
    }

    use AttendanceCategory::*;
    use Session::*;

    /// Student A: 10 marks with every category.
    fn sample() -> Vec<AttendanceMark> {
        vec![
            mark("A", 9, Am, "/", Present, false),
            mark("A", 9, Pm, "\\", Present, false),
            mark("A", 10, Am, "L", Present, true),
            mark("A", 10, Pm, "V", ApprovedEducationalActivity, false),
            mark("A", 11, Am, "I", AuthorisedAbsence, false),
            mark("A", 11, Pm, "U", UnauthorisedAbsence, true),
            mark("A", 12, Am, "X", NotCounted, false),
            mark("A", 12, Pm, "#", NotCounted, false),
            mark("A", 13, Am, "-", NoMark, false),
            mark("A", 13, Pm, "??", Unmapped, false),
            // Student B: 4 possible, 2 absent = 50 %: severe and persistent.
            mark("B", 9, Am, "/", Present, false),
            mark("B", 9, Pm, "O", UnauthorisedAbsence, false),
            mark("B", 10, Am, "G", UnauthorisedAbsence, false),
            mark("B", 10, Pm, "\\", Present, false),
            // A lesson mark must not be counted beside session marks.
            AttendanceMark {
                slot: Slot::Lesson,
                session: None,
                ..mark("B", 11, Am, "N", UnauthorisedAbsence, false)
            },
        ]
    }

    #[test]
    fn matches_hand_computed_values() {
        let (rows, total) = summarise_by_student(&sample());
        assert_eq!(rows.len(), 2);
        let a = &rows[0];
        assert_eq!(a.student_id.as_deref(), Some("A"));
        // possible = 3 present + 1 AEA + 1 auth + 1 unauth + 1 no mark = 7
        // (2 not counted and 1 unmapped excluded).
        assert_eq!(a.possible, 7);
        assert_eq!(a.present, 3);
        assert_eq!(a.approved_educational_activity, 1);
        assert_eq!(a.authorised_absence, 1);
        assert_eq!(a.unauthorised_absence, 1);
        assert_eq!(a.not_counted, 2);
        assert_eq!(a.no_mark, 1);
        assert_eq!(a.unmapped, 1);
        assert_eq!(a.late, 2);
        let att = a.attendance_percent.unwrap();
        assert!((att - 400.0 / 7.0).abs() < 1e-9, "{att}");
        let abs = a.absence_percent.unwrap();
        assert!((abs - 200.0 / 7.0).abs() < 1e-9, "{abs}");
        assert!(a.persistent_absence);
        assert!(!a.severe_absence);
        assert_eq!(
            (a.from, a.to),
            (Some(date(2024, 9, 9)), Some(date(2024, 9, 13)))
        );

        let b = &rows[1];
        assert_eq!(b.possible, 4);
        assert_eq!(b.unauthorised_absence, 2, "the lesson mark is not counted");
        assert_eq!(b.absence_percent, Some(50.0));
        assert!(b.persistent_absence && b.severe_absence);

        assert_eq!(total.student_id, None);
        assert_eq!(total.students, 2);
        assert_eq!(total.possible, 11);
        assert_eq!(total.present, 5);
        assert_eq!(total.unauthorised_absence, 3);
        assert_eq!(total.persistent_absentees, 2);
        assert_eq!(total.severe_absentees, 1);
        assert_eq!(total.slot, Some(Slot::Session));
        let t = total.attendance_percent.unwrap();
        assert!((t - 600.0 / 11.0).abs() < 1e-9, "{t}");
    }

    /// A trust's mixed input: one student with session marks, one with day marks only. Both
    /// are reported, each over their own register (before: the day-mark student vanished).
    #[test]
    fn each_student_uses_their_own_register() {
        let day = |student: &str, d: i8, cat| AttendanceMark {
            slot: Slot::Day,
            session: None,
            ..mark(student, d, Am, "x", cat, false)
        };
        let marks = vec![
            mark("S", 9, Am, "/", Present, false),
            mark("S", 9, Pm, "O", UnauthorisedAbsence, false),
            day("D", 9, Present),
            day("D", 10, Present),
            day("D", 11, AuthorisedAbsence),
            day("D", 12, Present),
        ];
        let (rows, total) = summarise_by_student(&marks);
        assert_eq!(rows.len(), 2);
        let d = &rows[0];
        assert_eq!(
            (d.student_id.as_deref(), d.slot),
            (Some("D"), Some(Slot::Day))
        );
        assert_eq!((d.possible, d.authorised_absence), (4, 1));
        assert_eq!(d.absence_percent, Some(25.0));
        let s = &rows[1];
        assert_eq!((s.slot, s.possible), (Some(Slot::Session), 2));
        assert_eq!(total.students, 2);
        assert_eq!(total.possible, 6);
        assert_eq!(total.slot, None, "registers differ");
        assert_eq!(total.persistent_absentees, 2);
    }

    #[test]
    fn duplicates_count_once_and_are_reported() {
        let marks = vec![
            mark("A", 9, Am, "/", Present, false),
            mark("A", 9, Am, "O", UnauthorisedAbsence, false),
            mark("A", 9, Pm, "/", Present, false),
        ];
        let s = summarise_student("A", &marks);
        assert_eq!(s.possible, 2);
        assert_eq!(s.present, 2, "the first mark for the slot counts");
        assert_eq!(s.unauthorised_absence, 0);
        assert_eq!(s.duplicates, 1);
        // Two lessons in one period are two slots, not a duplicate.
        let lesson = |id: &str| AttendanceMark {
            slot: Slot::Lesson,
            session: None,
            period: Some("1".into()),
            lesson_id: Some(id.into()),
            ..mark("B", 9, Am, "/", Present, false)
        };
        let s = summarise_student("B", &[lesson("maths-7A"), lesson("art-7B")]);
        assert_eq!((s.possible, s.duplicates), (2, 0));
    }

    #[test]
    fn unmapped_codes_are_named_and_counted() {
        let marks = vec![
            mark("A", 9, Am, "Dismissed", Unmapped, false),
            mark("A", 9, Pm, "Other", Unmapped, false),
            mark("B", 9, Am, "Dismissed", Unmapped, false),
            mark("B", 9, Pm, "/", Present, false),
        ];
        let (rows, total) = summarise_by_student(&marks);
        assert_eq!(rows[0].unmapped, 2);
        assert_eq!(total.unmapped, 3);
        assert_eq!(
            total.unmapped_codes,
            vec![
                CodeCount {
                    code: "Dismissed".into(),
                    count: 2
                },
                CodeCount {
                    code: "Other".into(),
                    count: 1
                },
            ]
        );
        assert_eq!(
            total.possible, 1,
            "unmapped marks are left out of every rate"
        );
        assert_eq!(total.attendance_percent, Some(100.0));
    }

    #[test]
    fn thresholds_are_inclusive() {
        // 1 absence in 10 possible = exactly 10 %: persistent.
        let mut marks: Vec<_> = (0..9)
            .map(|i| {
                mark(
                    "C",
                    9 + (i / 2) as i8,
                    if i % 2 == 0 { Am } else { Pm },
                    "/",
                    Present,
                    false,
                )
            })
            .collect();
        marks.push(mark("C", 20, Am, "O", UnauthorisedAbsence, false));
        let s = summarise_student("C", &marks);
        assert_eq!(s.absence_percent, Some(10.0));
        assert!(s.persistent_absence);
        assert!(!s.severe_absence);
    }

    #[test]
    fn no_possible_sessions_gives_null_rates() {
        let marks = vec![mark("D", 9, Am, "X", NotCounted, false)];
        let s = summarise_student("D", &marks);
        assert_eq!(s.possible, 0);
        assert_eq!(s.attendance_percent, None);
        assert!(!s.persistent_absence);
        let (rows, total) = summarise_by_student(&[]);
        assert!(rows.is_empty());
        assert_eq!(total.possible, 0);
        assert_eq!(total.slot, None);
    }
}
