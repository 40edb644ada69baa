//! Dated lessons from GO 4 Schools' cyclic timetable.
//!
//! GO publishes no dated lessons (the vendor's reference has no lessons-by-date endpoint): it
//! publishes timetables whose periods sit
//! in week 1 or 2 on a weekday with a start and end time, timetabled classes (a group in a
//! period, with rooms and teacher ids), a calendar saying which timetable and week each date
//! uses and whether the school is open, and each student's classes with membership dates.
//! [`TimetableIndex`] joins the first three once per academic year; [`TimetableIndex::lessons`]
//! lays them over the calendar with `mis_core::timetable::Cycle`.
//!
//! Student-class `start`/`end` are typed "the start time of the class" and the doc's example
//! is the same dummy date as period times (`2020-01-01T00:00:00Z` for both). They bound a
//! student's lessons only when they are real membership dates: see [`member_on`].
//!
//! Period times come as date-times on a dummy date with `Z` (`2020-01-01T09:00:00Z`). Only the
//! time of day means anything, and it is the school's wall-clock time in the provider's time
//! zone (`Europe/London` unless configured), whatever the `Z` says: a 09:00 lesson in June is
//! 09:00 BST, not 10:00.

use std::collections::HashMap;

use jiff::civil::{Date, Time, Weekday};
use jiff::tz::TimeZone;
use mis_core::timetable::{Cycle, parse_weekday, time_of_day};
use mis_core::{DateTime, Lesson, Result, stable_lesson_id};

use super::VENDOR;
use super::calendar::{academic_year_of, academic_year_range};
use super::staff::teacher_name;
use crate::wire::{self, DayType};

/// A timetabled class placed in its period: everything a lesson needs except the date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClassSlot {
    /// The class id.
    pub class_id: i64,
    /// The timetable the period belongs to.
    pub timetable_id: i64,
    /// Cycle week (1 or 2), `None` when the period has none.
    pub week: Option<u8>,
    /// The weekday, when the period names a known one.
    pub weekday: Option<Weekday>,
    /// Period label: the period's `display_name`, else its `name`, else its id.
    pub period: String,
    /// Start (school wall-clock time).
    pub start: Option<Time>,
    /// End (school wall-clock time).
    pub end: Option<Time>,
    /// Group code, e.g. `7/As1`.
    pub group: Option<String>,
    /// Subject name, resolved from the subject code (the code itself when unknown).
    pub subject: Option<String>,
    /// Teachers' names (`Mrs A Burgess`), in the class's order; unknown ids are skipped.
    pub teachers: Vec<String>,
    /// Rooms.
    pub rooms: Vec<String>,
}

impl ClassSlot {
    /// The id of this class's lesson on `date`: a stable hash of group, date and period
    /// (GO has no lesson ids), the same for the lesson and its lesson marks.
    pub fn lesson_id(&self, date: Date) -> String {
        let group = self
            .group
            .clone()
            .unwrap_or_else(|| format!("class:{}", self.class_id));
        stable_lesson_id(&group, date, &self.period)
    }
}

/// Whether the student of membership `c` is in the class on `date`.
///
/// `start`/`end` count as membership dates only when they are dates of the academic year
/// `date` is in (student classes are listed per year), and `end` is after `start`. Anything
/// else — the doc's dummy `2020-01-01T00:00:00Z` for both, a time on a dummy date, a
/// zero-length or reversed span — says nothing about membership, and the student is in the
/// class all year: a timetable must not come back empty because of a placeholder.
pub fn member_on(c: &wire::StudentClass, date: Date) -> bool {
    let Ok(year) = academic_year_range(academic_year_of(date)) else {
        return true;
    };
    let inside = |d: Option<Date>| d.filter(|d| year.contains(*d));
    let (start, end) = match (inside(c.start), inside(c.end)) {
        (Some(s), Some(e)) if e <= s => (None, None),
        bounds => bounds,
    };
    start.is_none_or(|s| s <= date) && end.is_none_or(|e| date <= e)
}

/// One academic year's timetable, joined and indexed.
#[derive(Debug, Clone, Default)]
pub struct TimetableIndex {
    classes: HashMap<i64, ClassSlot>,
    cycles: HashMap<i64, Cycle<i64>>,
    only_timetable: Option<i64>,
}

impl TimetableIndex {
    /// Joins timetables (periods), classes, teachers and subjects.
    ///
    /// A class whose period is not in any timetable is left out (it cannot be placed), as is
    /// a period without a weekday or times from the dated lessons (a warning is logged); its
    /// classes still resolve for lesson marks.
    pub fn new(
        timetables: &[wire::Timetable],
        classes: &[wire::TimetabledClass],
        teachers: &[wire::Teacher],
        subjects: &[wire::Subject],
    ) -> Self {
        struct PeriodInfo {
            timetable_id: i64,
            week: Option<u8>,
            weekday: Option<Weekday>,
            label: String,
            start: Option<Time>,
            end: Option<Time>,
        }
        let mut periods: HashMap<i64, PeriodInfo> = HashMap::new();
        for t in timetables {
            for p in &t.periods {
                let time = |v: &Option<String>| {
                    v.as_deref().and_then(|s| match time_of_day(s) {
                        Ok(t) => Some(t),
                        Err(e) => {
                            tracing::warn!(period = p.id, error = %e, "period time unreadable");
                            None
                        }
                    })
                };
                let label = p
                    .display_name
                    .clone()
                    .or_else(|| p.name.clone())
                    .filter(|l| !l.trim().is_empty())
                    .unwrap_or_else(|| p.id.to_string());
                periods.insert(
                    p.id,
                    PeriodInfo {
                        timetable_id: t.id,
                        week: p.week.and_then(|w| u8::try_from(w).ok()),
                        weekday: p.day_of_week.as_deref().and_then(parse_weekday),
                        label,
                        start: time(&p.start),
                        end: time(&p.end),
                    },
                );
            }
        }
        let teacher_names: HashMap<i64, String> =
            teachers.iter().map(|t| (t.id, teacher_name(t))).collect();
        let mut by_year_code: HashMap<(String, String), String> = HashMap::new();
        let mut by_code: HashMap<String, String> = HashMap::new();
        for s in subjects {
            let (Some(code), Some(name)) = (&s.code, &s.name) else {
                continue;
            };
            let year = s
                .year_group
                .clone()
                .unwrap_or_default()
                .to_ascii_lowercase();
            by_year_code
                .entry((year, code.clone()))
                .or_insert_with(|| name.clone());
            by_code.entry(code.clone()).or_insert_with(|| name.clone());
        }

        let mut index = TimetableIndex {
            only_timetable: match timetables {
                [one] => Some(one.id),
                _ => None,
            },
            ..TimetableIndex::default()
        };
        for c in classes {
            let Some(period) = c.period_id.and_then(|id| periods.get(&id)) else {
                tracing::warn!(class = c.id, "timetabled class without a known period");
                continue;
            };
            let subject = c.subject_code.as_ref().map(|code| {
                let year = c
                    .year_group
                    .clone()
                    .unwrap_or_default()
                    .to_ascii_lowercase();
                by_year_code
                    .get(&(year, code.clone()))
                    .or_else(|| by_code.get(code))
                    .cloned()
                    .unwrap_or_else(|| code.clone())
            });
            let slot = ClassSlot {
                class_id: c.id,
                timetable_id: period.timetable_id,
                week: period.week,
                weekday: period.weekday,
                period: period.label.clone(),
                start: period.start,
                end: period.end,
                group: c.group_code.clone(),
                subject,
                teachers: c
                    .teacher_ids
                    .iter()
                    .filter_map(|id| teacher_names.get(id).cloned())
                    .collect(),
                rooms: c.rooms.clone(),
            };
            match (slot.weekday, slot.start, slot.end) {
                (Some(day), Some(_), Some(_)) => index
                    .cycles
                    .entry(slot.timetable_id)
                    .or_default()
                    .insert(slot.week, day, c.id),
                _ => tracing::warn!(
                    class = c.id,
                    "the class's period has no weekday or times; it is left out of dated lessons"
                ),
            }
            index.classes.insert(c.id, slot);
        }
        index
    }

    /// The class with id `id`, placed in its period.
    pub fn class(&self, id: i64) -> Option<&ClassSlot> {
        self.classes.get(&id)
    }

    /// How many classes were placed.
    pub fn len(&self) -> usize {
        self.classes.len()
    }

    /// Whether no class was placed.
    pub fn is_empty(&self) -> bool {
        self.classes.is_empty()
    }

    /// The dated lessons of `days` (calendar entries; only `Open` days have lessons), in the
    /// school's zone `tz`, ordered by date, start and group.
    ///
    /// With `student`, only that student's classes on the dates their membership covers (see
    /// [`member_on`]), and `student_id` set on each lesson. A calendar day without a timetable id uses the only
    /// timetable when there is one; without a week, week 1.
    pub fn lessons(
        &self,
        days: &[wire::CalendarDay],
        tz: &TimeZone,
        student: Option<(&str, &[wire::StudentClass])>,
    ) -> Result<Vec<Lesson>> {
        let mut out = Vec::new();
        for day in days.iter().filter(|d| d.day_type_code == DayType::Open) {
            let Some(cycle) = day
                .timetable_id
                .or(self.only_timetable)
                .and_then(|t| self.cycles.get(&t))
            else {
                continue;
            };
            let week = day.week.and_then(|w| u8::try_from(w).ok()).unwrap_or(1);
            let mut today: Vec<&ClassSlot> = cycle
                .on(week, day.date.weekday())
                .filter_map(|id| self.classes.get(id))
                .filter(|slot| {
                    student.is_none_or(|(_, classes)| {
                        classes
                            .iter()
                            .any(|c| c.id == slot.class_id && member_on(c, day.date))
                    })
                })
                .collect();
            today.sort_by(|a, b| (a.start, &a.group).cmp(&(b.start, &b.group)));
            for slot in today {
                let (Some(start), Some(end)) = (slot.start, slot.end) else {
                    continue;
                };
                let mut lesson = Lesson::new(
                    VENDOR,
                    slot.lesson_id(day.date),
                    day.date,
                    DateTime::from_local(day.date.to_datetime(start), tz)?,
                    DateTime::from_local(day.date.to_datetime(end), tz)?,
                );
                lesson.student_id = student.map(|(id, _)| id.to_owned());
                lesson.period = Some(slot.period.clone());
                lesson.subject = slot.subject.clone();
                lesson.group = slot.group.clone();
                lesson.teachers = slot.teachers.clone();
                lesson.rooms = slot.rooms.clone();
                out.push(lesson);
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn index() -> TimetableIndex {
        let timetables: Vec<wire::Timetable> = serde_json::from_str(
            r#"[{"id": 1, "periods": [
                {"id": 10, "name": "Monday 1", "display_name": "1", "week": 1,
                 "day_of_week": "Monday", "start": "2020-01-01T09:00:00Z", "end": "2020-01-01T10:00:00Z"},
                {"id": 20, "name": "Monday 1", "display_name": "1", "week": 2,
                 "day_of_week": "Monday", "start": "2020-01-01T09:00:00Z", "end": "2020-01-01T10:00:00Z"},
                {"id": 30, "name": "Odd", "week": 1, "day_of_week": "Someday"}
            ]}]"#,
        )
        .unwrap();
        let classes: Vec<wire::TimetabledClass> = serde_json::from_str(
            r#"[
              {"id": 100, "year_group": "7", "subject_code": "Ma", "group_code": "7/Ma1",
               "period_id": 10, "rooms": ["M1"], "teacher_ids": [5, 6]},
              {"id": 200, "year_group": "7", "subject_code": "As", "group_code": "7/As1",
               "period_id": 20, "rooms": ["H4"], "teacher_ids": [6]},
              {"id": 300, "year_group": "7", "subject_code": "Zz", "group_code": "7/Zz",
               "period_id": 30, "rooms": [], "teacher_ids": []},
              {"id": 400, "period_id": 999}
            ]"#,
        )
        .unwrap();
        let teachers: Vec<wire::Teacher> = serde_json::from_str(
            r#"[{"id": 6, "title": "Mrs", "first_name": "Anne", "last_name": "Burgess",
                 "preferred_first_name": "Anne", "preferred_last_name": "Burgess"}]"#,
        )
        .unwrap();
        let subjects: Vec<wire::Subject> = serde_json::from_str(
            r#"[{"id": 1, "name": "Mathematics", "code": "Ma", "year_group": "7"},
                {"id": 2, "name": "Art (Y10)", "code": "As", "year_group": "10"},
                {"id": 3, "name": "Art", "code": "As", "year_group": "7"}]"#,
        )
        .unwrap();
        TimetableIndex::new(&timetables, &classes, &teachers, &subjects)
    }

    fn day(d: Date, week: i64, kind: &str) -> wire::CalendarDay {
        wire::CalendarDay {
            timetable_id: Some(1),
            week: Some(week),
            date: d,
            day_type_code: DayType::parse(kind),
        }
    }

    #[test]
    fn weeks_one_and_two_land_on_their_dates() {
        let tz = TimeZone::get("Europe/London").unwrap();
        let days = [
            day(date(2024, 9, 2), 1, "Training"),
            day(date(2024, 9, 9), 2, "Open"),
            day(date(2024, 9, 16), 1, "Open"),
            day(date(2024, 9, 23), 2, "Closed"),
        ];
        let lessons = index().lessons(&days, &tz, None).unwrap();
        let got: Vec<(Date, &str, &str)> = lessons
            .iter()
            .map(|l| {
                (
                    l.date,
                    l.group.as_deref().unwrap(),
                    l.subject.as_deref().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                (date(2024, 9, 9), "7/As1", "Art"),
                (date(2024, 9, 16), "7/Ma1", "Mathematics"),
            ]
        );
        let maths = &lessons[1];
        assert_eq!(
            maths.start.to_string(),
            "2024-09-16T09:00:00+01:00",
            "wall clock, BST"
        );
        assert_eq!(maths.end.to_string(), "2024-09-16T10:00:00+01:00");
        assert_eq!(
            maths.teachers,
            ["Mrs A Burgess"],
            "unknown teacher 5 skipped"
        );
        assert_eq!(maths.rooms, ["M1"]);
        assert_eq!(maths.period.as_deref(), Some("1"));
        assert_eq!(maths.id, stable_lesson_id("7/Ma1", date(2024, 9, 16), "1"));
        assert_eq!(maths.student_id, None);
    }

    #[test]
    fn a_student_sees_only_their_classes_while_a_member() {
        let tz = TimeZone::get("Europe/London").unwrap();
        let classes: Vec<wire::StudentClass> = serde_json::from_str(
            r#"[{"id": 100, "start": "2024-09-10T00:00:00Z", "end": null},
                {"id": 200, "start": "2024-09-01T00:00:00Z", "end": "2024-09-08T00:00:00Z"}]"#,
        )
        .unwrap();
        let days = [
            day(date(2024, 9, 2), 1, "Open"),
            day(date(2024, 9, 9), 2, "Open"),
            day(date(2024, 9, 16), 1, "Open"),
        ];
        let lessons = index().lessons(&days, &tz, Some(("42", &classes))).unwrap();
        assert_eq!(lessons.len(), 1, "{lessons:?}");
        assert_eq!(lessons[0].date, date(2024, 9, 16));
        assert_eq!(lessons[0].student_id.as_deref(), Some("42"));
    }

    /// The vendor doc's student-classes example: `start` and `end` both the dummy
    /// `2020-01-01T00:00:00Z`. They are not membership dates, so the student has every lesson
    /// of their classes.
    #[test]
    fn dummy_dated_student_classes_do_not_empty_the_timetable() {
        let tz = TimeZone::get("Europe/London").unwrap();
        let classes: Vec<wire::StudentClass> = serde_json::from_str(
            r#"[{"id": 100, "start": "2020-01-01T00:00:00Z", "end": "2020-01-01T00:00:00Z"},
                {"id": 200, "start": "2024-09-01T00:00:00Z", "end": "2024-09-01T00:00:00Z"}]"#,
        )
        .unwrap();
        let days = [
            day(date(2024, 9, 9), 2, "Open"),
            day(date(2024, 9, 16), 1, "Open"),
        ];
        let lessons = index().lessons(&days, &tz, Some(("42", &classes))).unwrap();
        let got: Vec<(Date, &str)> = lessons
            .iter()
            .map(|l| (l.date, l.group.as_deref().unwrap()))
            .collect();
        assert_eq!(
            got,
            [(date(2024, 9, 9), "7/As1"), (date(2024, 9, 16), "7/Ma1")],
            "out-of-year and zero-length spans are placeholders, not memberships"
        );
        // Real dates of the year still bound membership; a placeholder end leaves it open.
        let real: wire::StudentClass = serde_json::from_str(
            r#"{"id": 100, "start": "2024-09-10T00:00:00Z", "end": "2020-01-01T00:00:00Z"}"#,
        )
        .unwrap();
        assert!(!member_on(&real, date(2024, 9, 9)));
        assert!(member_on(&real, date(2025, 7, 1)));
    }

    #[test]
    fn classes_resolve_for_lesson_marks_even_when_not_placeable() {
        let idx = index();
        assert_eq!(idx.class(300).unwrap().period, "Odd");
        assert!(idx.class(400).is_none(), "unknown period");
        assert_eq!(idx.len(), 3);
        assert_eq!(
            idx.class(100).unwrap().lesson_id(date(2024, 9, 16)),
            stable_lesson_id("7/Ma1", date(2024, 9, 16), "1")
        );
    }
}
