//! Attendance records → marks: status resolution through the tenant's categories and
//! mis-core's label rules, and the v2p1 period offset.
//!
//! **Statuses** (vendors.md §5.8 "Attendance statuses"). A record carries its category id
//! (`category.status`) and the category's label (`status`). The id is the mark's `code` — the
//! raw value that stays stable when a school renames a category. Its category is decided by:
//!
//! 1. a per-school override of the id ([`CodeMapper::override_code`], e.g. `"3"`);
//! 2. else the category's **label** — from the tenant's `attendance_categories`, else the
//!    record's own `status` text, else the built-in names every school has (`0` Absent,
//!    `1` Present, `-1` Present, `2` Late) — through mis-core's non-DfE label rules
//!    (DESIGN.md §2.2), with per-school label overrides. Labels the rules do not know
//!    (`Dress Code`, `Dismissed`…) are `unmapped`, never guessed.
//!
//! **Periods** (vendors.md §5.8 "Timetable periods (v2p1 caveat)"): per-date keys and
//! timetable slots are 0- or 1-based by a school setting; the response says which with
//! `timetable: {period_starts_count_from, period_offset}`, key = period + `period_offset`.
//! Marks carry the period normalised to count from 1 (`"1"` is always the first period), so
//! the same school reads the same whichever way it counts.

use std::collections::BTreeMap;

use jiff::civil::Date;
use mis_core::codes::{CodeMapper, Mapped};
use mis_core::{AttendanceCode, AttendanceMark, Error, Result, Slot, stable_lesson_id};

use super::text;
use crate::VENDOR;
use crate::wire::{self, AttendanceRecord, ClassDateAttendance, Id, PeriodNumbering};

/// The names every school's built-in statuses have (vendors.md §5.8): `0` Absent and `1`
/// Present "for all schools", `2` Late and `-1` Present in every example.
pub fn builtin_label(status: i64) -> Option<&'static str> {
    match status {
        0 => Some("Absent"),
        1 | -1 => Some("Present"),
        2 => Some("Late"),
        _ => None,
    }
}

/// One academic year's attendance categories, by status id.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Categories {
    by_status: BTreeMap<i64, wire::AttendanceCategory>,
}

impl Categories {
    /// The tenant's list (later duplicates of an id are ignored).
    pub fn new(list: &[wire::AttendanceCategory]) -> Self {
        let mut by_status = BTreeMap::new();
        for c in list {
            if let Some(status) = c.status {
                by_status.entry(status).or_insert_with(|| c.clone());
            }
        }
        Categories { by_status }
    }

    /// The label of `status`: the tenant's, else the built-in name.
    pub fn label(&self, status: i64) -> Option<String> {
        self.by_status
            .get(&status)
            .and_then(|c| text(c.label.as_deref()))
            .or_else(|| builtin_label(status).map(str::to_owned))
    }

    /// Every category, by id.
    pub fn iter(&self) -> impl Iterator<Item = &wire::AttendanceCategory> {
        self.by_status.values()
    }

    /// The status id to write for `code`: a category id (`"2"`), or a label (`"Late"`,
    /// case-insensitive). `-1` (the unmarked default) and disabled categories cannot be set.
    /// Errors name the code and list what the school accepts.
    pub fn status_for_write(&self, code: &str) -> Result<i64> {
        let code = code.trim();
        let settable = |c: &&wire::AttendanceCategory| {
            c.status.is_some_and(|s| s >= 0) && c.enabled != Some(false)
        };
        let known: Vec<&wire::AttendanceCategory> = if self.by_status.is_empty() {
            Vec::new()
        } else {
            self.by_status.values().filter(settable).collect()
        };
        let found = if let Ok(n) = code.parse::<i64>() {
            if known.is_empty() {
                builtin_label(n).filter(|_| n >= 0).map(|_| n)
            } else {
                known
                    .iter()
                    .find(|c| c.status == Some(n))
                    .and_then(|c| c.status)
            }
        } else if known.is_empty() {
            [0, 1, 2]
                .into_iter()
                .find(|s| builtin_label(*s).is_some_and(|l| l.eq_ignore_ascii_case(code)))
        } else {
            known
                .iter()
                .find(|c| {
                    c.label
                        .as_deref()
                        .is_some_and(|l| l.trim().eq_ignore_ascii_case(code))
                })
                .and_then(|c| c.status)
        };
        found.ok_or_else(|| {
            let list: Vec<String> = if known.is_empty() {
                vec!["0 Absent".into(), "1 Present".into(), "2 Late".into()]
            } else {
                known
                    .iter()
                    .map(|c| {
                        format!(
                            "{} {}",
                            c.status.unwrap_or_default(),
                            c.label.as_deref().unwrap_or("?")
                        )
                    })
                    .collect()
            };
            Error::invalid_input(format!(
                "{code:?} is not an attendance status this school accepts; use a category id or \
                 label: {}",
                list.join(", ")
            ))
        })
    }
}

/// The raw code and the category of one record on `date`, or `None` for an empty record
/// (`{}`: not taken).
pub fn resolve(
    record: &AttendanceRecord,
    categories: &Categories,
    mapper: &CodeMapper,
    date: Date,
) -> Option<(String, Mapped)> {
    if record.is_empty() {
        return None;
    }
    let id = record.category.as_ref().and_then(|c| c.status);
    let sent = text(record.status.as_deref());
    Some(match id {
        Some(id) => {
            let label = categories.label(id).or(sent);
            let code = id.to_string();
            let mapped = by_id(mapper, &code, label.as_deref(), date);
            (code, mapped)
        }
        // No category id: the label is all there is (and is not passed as a code, where a
        // label such as `L` would be read as a DfE code).
        None => {
            let label = sent.unwrap_or_default();
            let mapped = mapper.map_label(&label);
            (label, mapped)
        }
    })
}

/// A category id's mapping: an override of the id wins, else its label's rule; an id with
/// no label anywhere is `unmapped` (not `no_mark`: a record was taken, its meaning unknown).
fn by_id(mapper: &CodeMapper, code: &str, label: Option<&str>, date: Date) -> Mapped {
    match label {
        Some(label) => mapper.map_code_and_label(Some(code), Some(label), date),
        None => mapper.map_code(code, date),
    }
}

/// The homeroom (day) mark of one student, or `None` when the record is empty.
pub fn day_mark(
    student: Id,
    date: Date,
    record: &AttendanceRecord,
    categories: &Categories,
    mapper: &CodeMapper,
) -> Option<AttendanceMark> {
    let (code, mapped) = resolve(record, categories, mapper, date)?;
    Some(AttendanceMark {
        provider: VENDOR.into(),
        student_id: student.text(),
        date,
        slot: Slot::Day,
        session: None,
        period: None,
        lesson_id: None,
        code,
        category: mapped.category,
        late: mapped.late,
        minutes_late: None,
        note: text(record.note.as_deref()),
    })
}

/// How a response counts periods: the offset to subtract from a key to count from 1.
///
/// `period_offset` when sent; else `period_starts_count_from - 1`; else 0 (v2p3: "Periods
/// are now always 1-indexed").
pub fn offset(numbering: Option<&PeriodNumbering>) -> i64 {
    numbering
        .and_then(|n| {
            n.period_offset
                .or_else(|| n.period_starts_count_from.map(|s| s - 1))
        })
        .unwrap_or(0)
}

/// A period key or slot number as the school counts it → the period counted from 1.
/// `None` for a key that is not a number or lands before the first period.
pub fn period_number(key: &str, offset: i64) -> Option<u32> {
    let n: i64 = key.trim().parse().ok()?;
    u32::try_from(n - offset).ok().filter(|p| *p >= 1)
}

/// The id lessons and lesson marks share: a stable hash of class id, date and period
/// (ManageBac lessons have no id of their own).
pub fn lesson_id(class: Id, date: Date, period: &str) -> String {
    stable_lesson_id(&class.text(), date, period)
}

/// One class's marks on `date`, periods normalised to count from 1. A key that is not a
/// period number keeps its text as the period label.
pub fn lesson_marks(
    class: Id,
    date: Date,
    response: &ClassDateAttendance,
    categories: &Categories,
    mapper: &CodeMapper,
) -> Vec<AttendanceMark> {
    let offset = offset(response.timetable.as_ref());
    let mut out = Vec::new();
    for student in &response.students {
        for (key, record) in &student.attendance {
            let Some((code, mapped)) = resolve(record, categories, mapper, date) else {
                continue;
            };
            let period = match period_number(key, offset) {
                Some(p) => p.to_string(),
                None => {
                    tracing::debug!(class = %class, %date, key, "period key is not a period number");
                    key.clone()
                }
            };
            out.push(AttendanceMark {
                provider: VENDOR.into(),
                student_id: student.id.text(),
                date,
                slot: Slot::Lesson,
                session: None,
                lesson_id: Some(lesson_id(class, date, &period)),
                period: Some(period),
                code,
                category: mapped.category,
                late: mapped.late,
                minutes_late: None,
                note: text(record.note.as_deref()),
            });
        }
    }
    out
}

/// The code book: one entry per category, code = the category id.
pub fn codes(categories: &Categories, mapper: &CodeMapper, date: Date) -> Vec<AttendanceCode> {
    categories
        .iter()
        .filter_map(|c| {
            let status = c.status?;
            let code = status.to_string();
            let label = categories.label(status);
            let mapped = by_id(mapper, &code, label.as_deref(), date);
            Some(AttendanceCode {
                provider: VENDOR.into(),
                code,
                label,
                category: mapped.category,
                late: mapped.late,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use mis_core::AttendanceCategory::*;

    const D: Date = jiff::civil::date(2024, 9, 9);

    fn cats() -> Categories {
        let list: Vec<wire::AttendanceCategory> = serde_json::from_str(
            r#"[{"status":1,"label":"Present"},{"status":0,"label":"Absent"},
                {"status":2,"label":"Late"},{"status":-1,"label":"Present"},
                {"id":31,"status":3,"label":"Dress Code"},{"id":32,"status":10,"label":"Health"},
                {"id":33,"status":11,"label":"Sports"},{"id":34,"status":13,"label":"Excused"},
                {"id":35,"status":14,"label":"Other","enabled":false}]"#,
        )
        .unwrap();
        Categories::new(&list)
    }

    fn rec(json: &str) -> AttendanceRecord {
        serde_json::from_str(json).unwrap()
    }

    fn cat(json: &str) -> (String, Mapped) {
        resolve(&rec(json), &cats(), &CodeMapper::new(), D).unwrap()
    }

    #[test]
    fn statuses_through_categories_then_label_rules() {
        let (code, m) = cat(r#"{"status":"Absent","category":{"status":0}}"#);
        assert_eq!(
            (code.as_str(), m.category, m.late),
            ("0", UnauthorisedAbsence, false)
        );
        assert_eq!(cat(r#"{"category":{"status":1}}"#).1.category, Present);
        assert_eq!(cat(r#"{"category":{"status":-1}}"#).1.category, Present);
        let (_, m) = cat(r#"{"status":"Late","category":{"status":2}}"#);
        assert_eq!((m.category, m.late), (Present, true));
        assert_eq!(
            cat(r#"{"category":{"status":10}}"#).1.category,
            AuthorisedAbsence
        );
        assert_eq!(
            cat(r#"{"category":{"status":11}}"#).1.category,
            ApprovedEducationalActivity
        );
        assert_eq!(
            cat(r#"{"category":{"status":13}}"#).1.category,
            AuthorisedAbsence
        );
        // School-defined labels the rules do not know are unmapped, not guessed.
        assert_eq!(cat(r#"{"category":{"status":3}}"#).1.category, Unmapped);
        // An id the category list lacks falls back to the record's own label.
        assert_eq!(
            cat(r#"{"status":"Excused","category":{"status":77}}"#)
                .1
                .category,
            AuthorisedAbsence
        );
        assert_eq!(cat(r#"{"category":{"status":77}}"#).1.category, Unmapped);
        // No id: the label only (and a label `L` is not read as a DfE code).
        let (code, m) = cat(r#"{"status":"Present"}"#);
        assert_eq!((code.as_str(), m.category), ("Present", Present));
        assert_eq!(cat(r#"{"status":"L"}"#).1.category, Unmapped);
        assert!(resolve(&rec("{}"), &cats(), &CodeMapper::new(), D).is_none());
    }

    #[test]
    fn built_ins_without_a_category_list() {
        let none = Categories::default();
        let m = |id: i64| {
            resolve(
                &rec(&format!(r#"{{"category":{{"status":{id}}}}}"#)),
                &none,
                &CodeMapper::new(),
                D,
            )
            .unwrap()
            .1
        };
        assert_eq!(m(0).category, UnauthorisedAbsence);
        assert_eq!(m(1).category, Present);
        assert_eq!(m(-1).category, Present);
        assert!(m(2).late);
        assert_eq!(m(12).category, Unmapped);
    }

    #[test]
    fn overrides_by_id_and_by_label() {
        let mapper = CodeMapper::new()
            .override_code("3", NotCounted, false)
            .override_label("Other", AuthorisedAbsence, false);
        let r = |json: &str| resolve(&rec(json), &cats(), &mapper, D).unwrap().1;
        assert_eq!(r(r#"{"category":{"status":3}}"#).category, NotCounted);
        assert_eq!(
            r(r#"{"category":{"status":14}}"#).category,
            AuthorisedAbsence
        );
        assert_eq!(
            r(r#"{"category":{"status":0}}"#).category,
            UnauthorisedAbsence
        );
    }

    #[test]
    fn period_offsets() {
        let zero = PeriodNumbering {
            period_starts_count_from: Some(0),
            period_offset: Some(-1),
        };
        let one = PeriodNumbering {
            period_starts_count_from: Some(1),
            period_offset: Some(0),
        };
        assert_eq!(offset(Some(&zero)), -1);
        assert_eq!(offset(Some(&one)), 0);
        assert_eq!(
            offset(Some(&PeriodNumbering {
                period_starts_count_from: Some(0),
                period_offset: None
            })),
            -1
        );
        assert_eq!(offset(None), 0);
        assert_eq!(period_number("0", -1), Some(1));
        assert_eq!(period_number("1", 0), Some(1));
        assert_eq!(period_number("0", 0), None);
        assert_eq!(period_number("P1", 0), None);
    }

    #[test]
    fn the_same_marks_whichever_way_periods_count() {
        let zero: ClassDateAttendance = serde_json::from_str(
            r#"{"students":[{"id":5,"attendance":{"0":{"status":"Present","note":"","category":{"status":1}},
                 "2":{"status":"Late","note":"bus","category":{"status":2}}}}],
                "timetable":{"period_starts_count_from":0,"period_offset":-1}}"#,
        )
        .unwrap();
        let one: ClassDateAttendance = serde_json::from_str(
            r#"{"students":[{"id":5,"attendance":{"1":{"status":"Present","note":"","category":{"status":1}},
                 "3":{"status":"Late","note":"bus","category":{"status":2}}}}],
                "timetable":{"period_starts_count_from":1,"period_offset":0}}"#,
        )
        .unwrap();
        let a = lesson_marks(Id(9), D, &zero, &cats(), &CodeMapper::new());
        let b = lesson_marks(Id(9), D, &one, &cats(), &CodeMapper::new());
        assert_eq!(a, b);
        assert_eq!(a[0].period.as_deref(), Some("1"));
        assert_eq!(a[1].period.as_deref(), Some("3"));
        assert_eq!(a[1].note.as_deref(), Some("bus"));
        assert!(a[1].late);
        assert_eq!(
            a[0].lesson_id.as_deref(),
            Some(lesson_id(Id(9), D, "1").as_str())
        );
    }

    #[test]
    fn writes_resolve_ids_and_labels() {
        let c = cats();
        assert_eq!(c.status_for_write("2").unwrap(), 2);
        assert_eq!(c.status_for_write(" late ").unwrap(), 2);
        assert_eq!(c.status_for_write("Present").unwrap(), 1);
        assert_eq!(c.status_for_write("health").unwrap(), 10);
        for bad in ["-1", "14", "Other", "99", "Holiday", ""] {
            let e = c.status_for_write(bad).unwrap_err();
            assert_eq!(e.kind(), mis_core::ErrorKind::InvalidInput, "{bad}");
            assert!(e.to_string().contains("2 Late"), "{e}");
        }
        let none = Categories::default();
        assert_eq!(none.status_for_write("absent").unwrap(), 0);
        assert!(none.status_for_write("7").is_err());
    }

    #[test]
    fn code_book() {
        let book = codes(&cats(), &CodeMapper::new(), D);
        let late = book.iter().find(|c| c.code == "2").unwrap();
        assert_eq!((late.category, late.late), (Present, true));
        assert_eq!(
            book.iter().find(|c| c.code == "3").unwrap().category,
            Unmapped
        );
    }
}
