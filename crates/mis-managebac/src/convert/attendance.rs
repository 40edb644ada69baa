//! Attendance records → marks: status resolution through the tenant's categories and
//! mis-core's label rules, parent excusals, and the v2p1 period offset.
//!
//! **Statuses** (the API reference's "Attendance statuses"). A record carries its category id
//! (`category.status`) and the category's label (`status`). Category ids beyond `0`/`1`/`2`/
//! `-1` are school-defined, so the school's own list
//! (`GET /school/academic-years/{id}/attendance_categories`) names them; nothing is
//! hard-coded but the built-ins every school has (`0` Absent, `1` Present, `-1` Present, `2`
//! Late). A record's category is decided by, in order ([`map_category`]):
//!
//! 1. a per-school override of the id (`"5"`, `"-1"`) — [`Config::category_override`], or
//!    [`CodeMapper::override_code`];
//! 2. a per-school override of the label (`"Dismissed"`) — the same setters by label;
//! 3. the label — from the tenant's list, else the record's own `status` text, else the
//!    built-in name — through mis-core's [`school_label_category`] word rules: a label
//!    containing "late" is present + late (`Late & Dress Code`), "dress code"/"uniform"
//!    present, "excused"/"authorised"/"medical"/"health" an authorised absence, "field
//!    trip"/"school trip"/"activity"/"sport" an approved educational activity;
//! 4. anything else (`Dismissed`, `Other`) is `unmapped`, never guessed.
//!
//! **Codes.** A mark's `code` is the category id (`"0"`, `"3"`, `"-1"`): the raw value that
//! stays stable when a school renames a category, and that tells the register's default
//! `-1` "Present" (teachers mark only the exceptions) from an explicit `1`. An **unmapped**
//! mark carries its label as the code instead (`"Other"`), so statistics name what needs a
//! mapping ([`mark_code`]).
//!
//! **Excusals** ([`excuse`]): an absence (a mark that maps to unauthorised absence) on a day a
//! parent's excusal covers is an authorised absence, with the excusal's comment as its note.
//!
//! **Periods** (a v2p1 caveat: v2p3 counts periods from 1 always): per-date keys and
//! timetable slots are 0- or 1-based by a school setting. Attendance and timetable both
//! normalise through the one rule of [`period_offset`], so a mark's period and its lesson's
//! period never differ. Marks carry the period counted from 1.
//!
//! [`Config::category_override`]: crate::Config::category_override

use std::collections::BTreeMap;

use jiff::civil::Date;
use mis_core::codes::{CodeMapper, Mapped, school_label_category};
use mis_core::{AttendanceCategory, AttendanceMark, Error, Result, Slot, stable_lesson_id};

use super::text;
use crate::VENDOR;
use crate::wire::{self, AttendanceRecord, ClassDateAttendance, Excusal, Id, PeriodNumbering};

/// The names every school's built-in statuses have (the API reference's examples): `0`
/// Absent and `1`
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
            let mapped = map_category(mapper, Some(&code), label.as_deref(), date);
            (mark_code(&code, label.as_deref(), mapped), mapped)
        }
        // No category id: the label is all there is (and is not passed as a code, where a
        // label such as `L` would be read as a DfE code).
        None => {
            let label = sent.unwrap_or_default();
            let mapped = map_category(mapper, None, Some(&label), date);
            (label, mapped)
        }
    })
}

/// The category of a tenant category (`id` and/or `label`), by the order in the module docs:
/// an override of the id, an override of the label, the school-label word rules, else
/// `unmapped`. An id with no label anywhere is `unmapped` (not `no_mark`: a record was taken,
/// its meaning unknown).
pub fn map_category(
    mapper: &CodeMapper,
    id: Option<&str>,
    label: Option<&str>,
    date: Date,
) -> Mapped {
    // Category ids are integers, never DfE codes: `map_code` only answers for an override.
    let by_id = id
        .map(|c| mapper.map_code(c, date))
        .filter(|m| m.category != AttendanceCategory::Unmapped);
    // `map_label` is the label override, else mis-core's whole-label rules.
    let by_label = || {
        let label = label?;
        Some(mapper.map_label(label))
            .filter(|m| m.category != AttendanceCategory::Unmapped)
            .or_else(|| school_label_category(label))
    };
    by_id.or_else(by_label).unwrap_or(Mapped::UNMAPPED)
}

/// The `code` a mark of category id `id` carries: the id, unless the category is unmapped and
/// has a label, which is then the code (statistics name unmapped codes; `"Other"` says what
/// to map where `"14"` does not).
pub fn mark_code(id: &str, label: Option<&str>, mapped: Mapped) -> String {
    match label {
        Some(l) if mapped.category == AttendanceCategory::Unmapped && !l.trim().is_empty() => {
            l.trim().to_owned()
        }
        _ => id.to_owned(),
    }
}

/// Whether an excusal counts: the API documents no approval state (the Excusals endpoints list
/// `{id, student_id, parent_id, start_date, end_date, duration, comment, …}`), so a listed
/// excusal is the school's record of an approved absence; one that says otherwise where a
/// tenant adds such a field (`approved: false`, `status: "pending" | "rejected" | …`) does not.
pub fn excusal_approved(e: &Excusal) -> bool {
    if e.extra.get("approved").and_then(serde_json::Value::as_bool) == Some(false) {
        return false;
    }
    let status = e
        .extra
        .get("status")
        .and_then(serde_json::Value::as_str)
        .map(|s| s.trim().to_ascii_lowercase());
    !matches!(
        status.as_deref(),
        Some("pending" | "rejected" | "declined" | "denied" | "cancelled" | "canceled")
    )
}

/// Whether `e` covers `date` (`start_date..=end_date`; one day when `end_date` is missing).
pub fn excusal_covers(e: &Excusal, date: Date) -> bool {
    let Some(start) = super::date(e.start_date.as_deref()) else {
        return false;
    };
    let end = super::date(e.end_date.as_deref()).unwrap_or(start);
    start <= date && date <= end
}

/// Applies the approved excusals of `mark`'s student covering its date: an absence (a mark
/// that maps to unauthorised absence) becomes an authorised absence, with the excusal's
/// comment as the note (after the teacher's own note, when there is one). The raw `code`
/// stays what the register holds. Returns whether the mark changed.
pub fn excuse(mark: &mut AttendanceMark, excusals: &[Excusal]) -> bool {
    if mark.category != AttendanceCategory::UnauthorisedAbsence {
        return false;
    }
    let Some(e) = excusals.iter().find(|e| {
        e.student_id.is_some_and(|s| s.text() == mark.student_id)
            && excusal_covers(e, mark.date)
            && excusal_approved(e)
    }) else {
        return false;
    };
    mark.category = AttendanceCategory::AuthorisedAbsence;
    mark.late = false;
    let reason = text(e.comment.as_deref());
    mark.note = match (mark.note.take(), reason) {
        (Some(teacher), Some(reason)) if teacher != reason => {
            Some(format!("{teacher}; parent excusal: {reason}"))
        }
        (Some(teacher), _) => Some(teacher),
        (None, reason) => reason,
    };
    true
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
    let mut mark = AttendanceMark::new(
        VENDOR,
        student.text(),
        date,
        Slot::Day,
        code,
        mapped.category,
    )
    .with_late(mapped.late);
    mark.note = text(record.note.as_deref());
    Some(mark)
}

/// How a response counts periods: the offset to subtract from a key to count from 1, by
/// [`period_offset`].
pub fn offset(numbering: Option<&PeriodNumbering>) -> i64 {
    numbering.map_or(0, |n| {
        period_offset(n.period_starts_count_from, n.period_offset)
    })
}

/// **The one period rule** attendance keys and timetable slots share (per-date keys and
/// slots count from 0 or 1 by a school setting, which v2p1 sends as `period_offset`): the offset to
/// subtract from a school-numbered period to count from 1 is `period_offset` when sent; else
/// `period_starts_count_from - 1`; else 0
/// (v2p3: "Periods are now always 1-indexed"). When both are sent and disagree,
/// `period_offset` wins in both places, so a mark and its lesson can never be one period
/// apart.
pub fn period_offset(period_starts_count_from: Option<i64>, period_offset: Option<i64>) -> i64 {
    period_offset
        .or_else(|| period_starts_count_from.map(|s| s - 1))
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
            let mut mark = AttendanceMark::new(
                VENDOR,
                student.id.text(),
                date,
                Slot::Lesson,
                code,
                mapped.category,
            )
            .with_late(mapped.late);
            mark.lesson_id = Some(lesson_id(class, date, &period));
            mark.period = Some(period);
            mark.note = text(record.note.as_deref());
            out.push(mark);
        }
    }
    out
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
        // Dress code: the pupil is in school (school-label word rules).
        assert_eq!(cat(r#"{"category":{"status":3}}"#).1.category, Present);
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

    /// The category list of the vendor document (`PUT set_homeroom_attendance` "Available
    /// statuses"), as a tenant's `attendance_categories` would carry it.
    fn documented() -> Categories {
        let list: Vec<wire::AttendanceCategory> = serde_json::from_str(
            r#"[{"status":0,"label":"Absent"},{"status":1,"label":"Present"},
                {"status":2,"label":"Late"},{"status":-1,"label":"Present"},
                {"id":3,"status":3,"label":"Dress Code"},{"id":4,"status":4,"label":"Late & Dress Code"},
                {"id":5,"status":5,"label":"Dismissed"},{"id":10,"status":10,"label":"Health"},
                {"id":11,"status":11,"label":"Sports"},{"id":12,"status":12,"label":"Fieldtrip"},
                {"id":13,"status":13,"label":"Excused"},{"id":14,"status":14,"label":"Other"},
                {"id":15,"status":15,"label":"Custom 1","enabled":false}]"#,
        )
        .unwrap();
        Categories::new(&list)
    }

    /// Item 1: every category of the document's list, by the documented label defaults;
    /// `Dismissed` and `Other` stay unmapped with their label as the code.
    #[test]
    fn the_documented_categories_by_label_defaults() {
        let c = documented();
        let m = |status: i64| {
            resolve(
                &rec(&format!(r#"{{"category":{{"status":{status}}}}}"#)),
                &c,
                &CodeMapper::new(),
                D,
            )
            .unwrap()
        };
        let want: [(i64, &str, AttendanceCategory, bool); 13] = [
            (0, "0", UnauthorisedAbsence, false),
            (1, "1", Present, false),
            (2, "2", Present, true),
            (-1, "-1", Present, false),
            (3, "3", Present, false),
            (4, "4", Present, true),
            (5, "Dismissed", Unmapped, false),
            (10, "10", AuthorisedAbsence, false),
            (11, "11", ApprovedEducationalActivity, false),
            (12, "12", ApprovedEducationalActivity, false),
            (13, "13", AuthorisedAbsence, false),
            (14, "Other", Unmapped, false),
            (15, "Custom 1", Unmapped, false),
        ];
        for (status, code, category, late) in want {
            let (got_code, got) = m(status);
            assert_eq!(
                (got_code.as_str(), got.category, got.late),
                (code, category, late),
                "status {status}"
            );
        }
    }

    /// Item 1: the school's overrides, by label or id, win over the defaults (and an id
    /// override over a label one); an overridden category keeps its id as the code.
    #[test]
    fn school_overrides_of_categories() {
        let c = documented();
        let config = crate::Config::new("t")
            .unwrap()
            .category_override("dismissed", AuthorisedAbsence, false)
            .category_override("Other", NotCounted, false)
            .category_override("3", UnauthorisedAbsence, false)
            .category_override("Dress Code", NotCounted, false);
        let mapper = config.mapper();
        let m = |status: i64| {
            resolve(
                &rec(&format!(r#"{{"category":{{"status":{status}}}}}"#)),
                &c,
                mapper,
                D,
            )
            .unwrap()
        };
        assert_eq!((m(5).0.as_str(), m(5).1.category), ("5", AuthorisedAbsence));
        assert_eq!((m(14).0.as_str(), m(14).1.category), ("14", NotCounted));
        assert_eq!(m(3).1.category, UnauthorisedAbsence);
        assert_eq!(m(0).1.category, UnauthorisedAbsence);
    }

    /// Item 2: `-1` (the register's default "Present") is present and keeps its raw code, so
    /// a school can tell it from an explicit `1`; its mapping is overridable like any other.
    #[test]
    fn the_default_present_keeps_its_code_and_is_overridable() {
        let c = documented();
        let r = rec(r#"{"status":"Present","note":"","category":{"status":-1}}"#);
        let mark = day_mark(Id(42), D, &r, &c, &CodeMapper::new()).unwrap();
        assert_eq!(
            (mark.code.as_str(), mark.category, mark.late),
            ("-1", Present, false)
        );
        let explicit = day_mark(
            Id(42),
            D,
            &rec(r#"{"status":"Present","category":{"status":1}}"#),
            &c,
            &CodeMapper::new(),
        )
        .unwrap();
        assert_eq!((explicit.code.as_str(), explicit.category), ("1", Present));
        let config = crate::Config::new("t")
            .unwrap()
            .category_override("-1", NotCounted, false);
        let mark = day_mark(Id(42), D, &r, &c, config.mapper()).unwrap();
        assert_eq!((mark.code.as_str(), mark.category), ("-1", NotCounted));
        // The explicit `1` is untouched by the `-1` override.
        let explicit = day_mark(
            Id(42),
            D,
            &rec(r#"{"category":{"status":1}}"#),
            &c,
            config.mapper(),
        )
        .unwrap();
        assert_eq!(explicit.category, Present);
    }

    fn excusals(json: &str) -> Vec<Excusal> {
        serde_json::from_str(json).unwrap()
    }

    /// Item 4: an absence on a day a parent's excusal covers is an authorised absence with
    /// the excusal's comment as its note; other days, other students, other statuses and an
    /// excusal marked not approved change nothing.
    #[test]
    fn approved_excusals_authorise_absences() {
        let c = documented();
        let list = excusals(
            r#"[{"id":1,"student_id":42,"parent_id":500042,"start_date":"2024-09-09",
                 "end_date":"2024-09-10","duration":2,"comment":"Flu"},
                {"id":2,"student_id":43,"parent_id":500043,"start_date":"2024-09-09",
                 "end_date":"2024-09-09","comment":"Pending","approved":false}]"#,
        );
        let absent = |student: u64, date: Date, note: &str| {
            day_mark(
                Id(student),
                date,
                &rec(&format!(
                    r#"{{"status":"Absent","note":"{note}","category":{{"status":0}}}}"#
                )),
                &c,
                &CodeMapper::new(),
            )
            .unwrap()
        };
        let mut m = absent(42, D, "");
        assert!(excuse(&mut m, &list));
        assert_eq!(
            (m.code.as_str(), m.category, m.note.as_deref()),
            ("0", AuthorisedAbsence, Some("Flu"))
        );
        // The teacher's note stays, the excusal's reason follows it.
        let mut m = absent(42, jiff::civil::date(2024, 9, 10), "phoned in");
        assert!(excuse(&mut m, &list));
        assert_eq!(m.note.as_deref(), Some("phoned in; parent excusal: Flu"));
        // After the excusal's last day.
        let mut m = absent(42, jiff::civil::date(2024, 9, 11), "");
        assert!(!excuse(&mut m, &list));
        assert_eq!(m.category, UnauthorisedAbsence);
        // Not approved.
        let mut m = absent(43, D, "");
        assert!(!excuse(&mut m, &list));
        assert_eq!(m.category, UnauthorisedAbsence);
        // A present mark is not an absence to excuse.
        let mut p = day_mark(
            Id(42),
            D,
            &rec(r#"{"category":{"status":-1}}"#),
            &c,
            &CodeMapper::new(),
        )
        .unwrap();
        assert!(!excuse(&mut p, &list));
        assert_eq!(p.category, Present);
        // Missing end date: the start day only; rejected by status.
        let one = excusals(
            r#"[{"id":3,"student_id":42,"start_date":"2024-09-09","comment":"x"},
                {"id":4,"student_id":44,"start_date":"2024-09-09","status":"Rejected"}]"#,
        );
        assert!(excusal_covers(&one[0], D));
        assert!(!excusal_covers(&one[0], jiff::civil::date(2024, 9, 10)));
        assert!(!excusal_approved(&one[1]));
    }
}
