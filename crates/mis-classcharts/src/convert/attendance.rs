//! `/attendance` → [`AttendanceMark`]s, and the join of lesson marks with the timetable.

use std::collections::BTreeMap;

use jiff::civil::Date;
use mis_core::codes::{CodeMapper, Mapped, label_category};
use mis_core::{AttendanceCategory, AttendanceMark, DateRange, Lesson, Session, Slot};

use crate::VENDOR;
use crate::wire::{AttendanceDays, AttendancePeriod, AttendanceStatus};

/// Which register keys are the statutory AM / PM sessions.
///
/// ClassCharts' register keys are school-defined (`"AM"`, `"PM"`, `"Period 1"`,
/// `"Period Tut"` in recorded answers); schools also name their session registers
/// `"AM Reg"`, `"am"`, `"Morning"`, `"PM Reg"`, `"Afternoon"`. Every other key is a lesson
/// register.
///
/// [`SessionKeys::default`] recognises, case- and spacing-insensitively, `AM` / `PM`,
/// `Morning` / `Afternoon`, each optionally followed by `Reg`, `Registration`, `Register` or
/// `Session` (`"AM Reg"`, `"Morning registration"`, `"pm session"`). A school whose keys
/// differ adds them with [`SessionKeys::with`]; [`SessionKeys::only`] replaces the word rules
/// by an exact list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionKeys {
    words: bool,
    keys: BTreeMap<String, Session>,
}

impl Default for SessionKeys {
    fn default() -> Self {
        SessionKeys {
            words: true,
            keys: BTreeMap::new(),
        }
    }
}

/// Lower-case, single spaces, no punctuation: `" AM-Reg "` → `"am reg"`.
fn words(key: &str) -> String {
    key.to_lowercase()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

impl SessionKeys {
    /// Exactly these keys (compared case- and spacing-insensitively) are sessions; the word
    /// rules of the default are off.
    pub fn only<'a>(keys: impl IntoIterator<Item = (&'a str, Session)>) -> Self {
        SessionKeys {
            words: false,
            keys: keys.into_iter().map(|(k, s)| (words(k), s)).collect(),
        }
    }

    /// Also treats `key` as `session`.
    pub fn with(mut self, key: &str, session: Session) -> Self {
        self.keys.insert(words(key), session);
        self
    }

    /// The session a register key names, or `None` for a lesson register.
    pub fn session_of(&self, key: &str) -> Option<Session> {
        let k = words(key);
        if let Some(s) = self.keys.get(&k) {
            return Some(*s);
        }
        if !self.words {
            return None;
        }
        let stem = ["registration", "register", "reg", "session"]
            .iter()
            .find_map(|suffix| k.strip_suffix(suffix).map(str::trim_end))
            .filter(|s| !s.is_empty())
            .unwrap_or(&k);
        match stem {
            "am" | "morning" => Some(Session::Am),
            "pm" | "afternoon" => Some(Session::Pm),
            _ => None,
        }
    }
}

/// The session of a register name under the default [`SessionKeys`].
pub fn session_of(name: &str) -> Option<Session> {
    SessionKeys::default().session_of(name)
}

/// How one school's registers are read: the code mapping, which keys are sessions, and the
/// absence kind of a mark that says "absent" without a code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MarkRules {
    /// DfE codes and per-school overrides (an override of a `status` label wins over the
    /// ClassCharts status rules below).
    pub mapper: CodeMapper,
    /// Which register keys are sessions.
    pub sessions: SessionKeys,
    /// The category of an uncoded absence (`status` `absent` or `no` with an empty `code`):
    /// [`AttendanceCategory::UnauthorisedAbsence`] by default — in DfE terms an absence with
    /// no reason recorded is unauthorised (`N`, "reason not yet provided") until the school
    /// says otherwise.
    pub uncoded_absence: AttendanceCategory,
}

impl Default for MarkRules {
    fn default() -> Self {
        MarkRules {
            mapper: CodeMapper::new(),
            sessions: SessionKeys::default(),
            uncoded_absence: AttendanceCategory::UnauthorisedAbsence,
        }
    }
}

impl From<CodeMapper> for MarkRules {
    fn from(mapper: CodeMapper) -> Self {
        MarkRules {
            mapper,
            ..MarkRules::default()
        }
    }
}

impl MarkRules {
    /// What ClassCharts' `status` label says, or `None` for a label it does not define
    /// (then mis-core's label rules decide, and an unknown label stays `unmapped`).
    ///
    /// | `status` | category |
    /// |---|---|
    /// | `present`, `yes` | present |
    /// | `late` | present + late |
    /// | `excused` | authorised absence |
    /// | `absent`, `no` | [`MarkRules::uncoded_absence`] |
    /// | `ignore` | not counted (the crate's wire docs: the register does not count) |
    ///
    /// A label override in the code mapper wins over this table.
    fn status(&self, status: &AttendanceStatus) -> Mapped {
        let label = status.as_str();
        let by_mapper = self.mapper.map_label(label);
        if Some(by_mapper) != label_category(label) && by_mapper != Mapped::UNMAPPED {
            // A school override for this label.
            return by_mapper;
        }
        let m = |category, late| Mapped { category, late };
        match status {
            AttendanceStatus::Present | AttendanceStatus::Yes => {
                m(AttendanceCategory::Present, false)
            }
            AttendanceStatus::Late => m(AttendanceCategory::Present, true),
            AttendanceStatus::Excused => m(AttendanceCategory::AuthorisedAbsence, false),
            AttendanceStatus::Absent | AttendanceStatus::No => m(self.uncoded_absence, false),
            AttendanceStatus::Ignore => m(AttendanceCategory::NotCounted, false),
            _ => by_mapper,
        }
    }

    /// One mark's category: a recognised DfE `code` decides and the `status` only adds
    /// lateness (the DfE code is the statutory record; `late` is ClassCharts' own flag); an empty or unknown code falls back to the status; neither
    /// is `no_mark` (an empty register slot).
    pub fn category(&self, code: &str, status: Option<&AttendanceStatus>, date: Date) -> Mapped {
        let by_code = Some(code.trim())
            .filter(|c| !c.is_empty())
            .map(|c| self.mapper.map_code(c, date))
            .filter(|m| m.category != AttendanceCategory::Unmapped);
        let by_status = status.map(|s| self.status(s));
        match (by_code, by_status) {
            (Some(c), Some(l)) => Mapped {
                category: c.category,
                late: c.late || (l.late && c.category == l.category),
            },
            (Some(c), None) => c,
            (None, Some(l)) => l,
            (None, None) if code.trim().is_empty() => Mapped {
                category: AttendanceCategory::NoMark,
                late: false,
            },
            (None, None) => Mapped::UNMAPPED,
        }
    }
}

/// A lesson mark's class as the register names it (`lesson_name`), for the join with the
/// timetable; `None` for session marks and unnamed registers.
pub type ClassName = Option<String>;

/// Every mark of one pupil's `/attendance` answer, in date then register order, keeping only
/// dates inside `range` when one is given.
///
/// * slot: a session key ([`SessionKeys`]) → `session`; anything else → `lesson` with the
///   register key as `period` and no `lesson_id` yet — [`join_lessons`] gives both the
///   timetable's values;
/// * `code`: the vendor's `code` exactly as sent; when it is empty (a school that hides
///   codes), the `status` label (so the mark still says what it was);
/// * `category` / `late`: [`MarkRules::category`] — never `unmapped` for a status ClassCharts
///   defines;
/// * `minutes_late`: `late_minutes` when above zero (`0`, `""` and text all mean none).
///
/// A date key that is not `YYYY-MM-DD` cannot be placed: it is skipped with a warning rather
/// than failing the other days.
pub fn marks(
    student_id: &str,
    days: &AttendanceDays,
    rules: &MarkRules,
    range: Option<DateRange>,
) -> Vec<AttendanceMark> {
    marks_with_classes(student_id, days, rules, range)
        .into_iter()
        .map(|(m, _)| m)
        .collect()
}

/// [`marks`], each with the class its register names (for [`join_lessons`]).
pub fn marks_with_classes(
    student_id: &str,
    days: &AttendanceDays,
    rules: &MarkRules,
    range: Option<DateRange>,
) -> Vec<(AttendanceMark, ClassName)> {
    let mut out = Vec::new();
    for (key, registers) in &days.0 {
        let Ok(date) = key.trim().parse::<Date>() else {
            tracing::warn!("skipping attendance marks under a key that is not a date");
            continue;
        };
        if range.is_some_and(|r| !r.contains(date)) {
            continue;
        }
        for (name, mark) in registers {
            out.push(one(student_id, date, name, mark, rules));
        }
    }
    out
}

fn one(
    student_id: &str,
    date: Date,
    name: &str,
    mark: &AttendancePeriod,
    rules: &MarkRules,
) -> (AttendanceMark, ClassName) {
    let raw = mark.code.clone().unwrap_or_default();
    let mapped = rules.category(&raw, mark.status.as_ref(), date);
    let code = if raw.trim().is_empty() {
        mark.status.as_ref().map_or(raw, |s| s.as_str().to_owned())
    } else {
        raw
    };
    let session = rules.sessions.session_of(name);
    let (slot, period, class) = match session {
        Some(_) => (Slot::Session, None, None),
        None => (
            Slot::Lesson,
            Some(name.trim().to_owned()),
            mark.lesson_name
                .as_deref()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(str::to_owned),
        ),
    };
    let minutes_late = mark
        .late_minutes
        .value
        .filter(|m| *m > 0)
        .and_then(|m| u32::try_from(m).ok());
    let mut mark = AttendanceMark::new(VENDOR, student_id, date, slot, code, mapped.category)
        .with_late(mapped.late);
    mark.session = session;
    mark.period = period;
    mark.minutes_late = minutes_late;
    (mark, class)
}

/// A period label reduced to what registers and the timetable agree on: `"P1"`,
/// `"Period 1"`, `"period 01"` and `"1"` are all `"1"`; `"Tut"` and `"Period Tut"` are
/// `"tut"` (one school's answers have register keys `"Period 1"` / `"Period Tut"` beside
/// timetable `period_number` `"P1"` / `"Tut"`).
pub fn period_key(label: &str) -> String {
    let w = words(label).replace(' ', "");
    let rest = ["period", "lesson", "per"]
        .iter()
        .find_map(|p| w.strip_prefix(p))
        .filter(|r| !r.is_empty())
        .unwrap_or(&w);
    let rest = match rest.strip_prefix('p') {
        Some(n) if !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) => n,
        _ => rest,
    };
    if rest.bytes().all(|b| b.is_ascii_digit()) {
        let t = rest.trim_start_matches('0');
        return if t.is_empty() { "0".into() } else { t.into() };
    }
    rest.to_owned()
}

/// Gives each lesson mark of one pupil the `period` and `id` of its lesson among `lessons`
/// (that pupil's timetable), so each mark names the lesson it was taken in.
///
/// A mark's lesson is the one on its date whose period has the same [`period_key`]; when two
/// classes share that period (the timetable then has two entries), the one whose `group` is
/// the class the register names. A register whose key is not a period but names its class
/// finds the day's only lesson of that class. A mark whose lesson cannot be told apart (two
/// classes in the period and no class name) keeps its own label and no `lesson_id`; so does a
/// mark with no lesson in the timetable.
pub fn join_lessons(marks: &mut [(AttendanceMark, ClassName)], lessons: &[Lesson]) {
    let same_class = |l: &Lesson, class: &str| {
        l.group
            .as_deref()
            .is_some_and(|g| g.trim().eq_ignore_ascii_case(class))
    };
    for (m, class) in marks.iter_mut() {
        if m.slot != Slot::Lesson {
            continue;
        }
        let Some(key) = m.period.as_deref().map(period_key) else {
            continue;
        };
        let in_period: Vec<&Lesson> = lessons
            .iter()
            .filter(|l| {
                l.date == m.date && l.period.as_deref().map(period_key) == Some(key.clone())
            })
            .collect();
        let found = match (in_period.as_slice(), class.as_deref()) {
            ([one], _) => Some(*one),
            ([], Some(c)) => {
                let of_class: Vec<&Lesson> = lessons
                    .iter()
                    .filter(|l| l.date == m.date && same_class(l, c))
                    .collect();
                match of_class.as_slice() {
                    [one] => Some(*one),
                    _ => None,
                }
            }
            (many, Some(c)) => {
                let named: Vec<&&Lesson> = many.iter().filter(|l| same_class(l, c)).collect();
                match named.as_slice() {
                    [one] => Some(**one),
                    _ => None,
                }
            }
            (_, None) => None,
        };
        if let Some(l) = found {
            m.period = l.period.clone().or(m.period.take());
            m.lesson_id = Some(l.id.clone());
        } else if let Some(first) = in_period.first() {
            // Ambiguous, but the period is certain: say it as the timetable does.
            m.period = first.period.clone().or(m.period.take());
        }
    }
}

#[cfg(test)]
mod tests {
    use mis_core::AttendanceCategory::*;
    use serde_json::json;

    use super::*;

    fn days(v: serde_json::Value) -> AttendanceDays {
        serde_json::from_value(v).unwrap()
    }

    fn rules() -> MarkRules {
        MarkRules::default()
    }

    #[test]
    fn sessions_lessons_codes_and_labels() {
        let d = days(json!({
            "2024-09-09": {
                "AM": {"code": "/", "status": "present", "late_minutes": 0},
                "PM": {"code": "L", "status": "late", "late_minutes": 12},
                "P3": {"code": "", "status": "absent", "late_minutes": "", "lesson_name": "9X/Ma1", "room_name": "M1"},
                "Period Tut": {"code": "#", "status": "ignore", "late_minutes": ""}
            },
            "2024-09-10": {
                "am": {"code": "I", "status": "present"},
                "pm": {"code": "ZZ", "status": "held-in-isolation"}
            },
            "not-a-date": {"AM": {"code": "/"}}
        }));
        let m = marks("42", &d, &rules(), None);
        assert_eq!(m.len(), 6, "the bad key is skipped");
        let find = |date: &str, slot: Slot, s: Option<Session>, p: Option<&str>| {
            m.iter()
                .find(|x| {
                    x.date.to_string() == date
                        && x.slot == slot
                        && x.session == s
                        && x.period.as_deref() == p
                })
                .unwrap()
        };
        let am = find("2024-09-09", Slot::Session, Some(Session::Am), None);
        assert_eq!(
            (am.code.as_str(), am.category, am.late, am.minutes_late),
            ("/", Present, false, None)
        );
        let pm = find("2024-09-09", Slot::Session, Some(Session::Pm), None);
        assert_eq!(
            (pm.category, pm.late, pm.minutes_late),
            (Present, true, Some(12))
        );
        let p3 = find("2024-09-09", Slot::Lesson, None, Some("P3"));
        // No code: the status decides, and the status is what `code` shows.
        assert_eq!(
            (p3.code.as_str(), p3.category),
            ("absent", UnauthorisedAbsence)
        );
        assert_eq!(p3.lesson_id, None, "the timetable join names the lesson");
        let tut = find("2024-09-09", Slot::Lesson, None, Some("Period Tut"));
        assert_eq!((tut.code.as_str(), tut.category), ("#", NotCounted));
        // A DfE code beats a contradicting label.
        let i = find("2024-09-10", Slot::Session, Some(Session::Am), None);
        assert_eq!(i.category, AuthorisedAbsence);
        // Unknown code, unknown status: kept and unmapped, never guessed.
        let zz = find("2024-09-10", Slot::Session, Some(Session::Pm), None);
        assert_eq!((zz.code.as_str(), zz.category), ("ZZ", Unmapped));
        assert!(
            m.iter()
                .all(|x| x.provider == "classcharts" && x.student_id == "42")
        );
    }

    /// Item 3: a school that hides codes sends `status` with an empty `code`. Every status
    /// ClassCharts defines has a category; none is `unmapped`.
    #[test]
    fn status_only_registers_are_counted() {
        let d = days(json!({"2024-09-09": {
            "AM": {"code": "", "status": "yes", "late_minutes": 0},
            "PM": {"code": "", "status": "present", "late_minutes": 0},
            "Period 1": {"code": "", "status": "late", "late_minutes": 6},
            "Period 2": {"code": "", "status": "no", "late_minutes": ""},
            "Period 3": {"code": "", "status": "absent", "late_minutes": ""},
            "Period 4": {"code": "", "status": "excused", "late_minutes": ""},
            "Period 5": {"code": "", "status": "ignore", "late_minutes": ""},
            "Period 6": {"code": ""}
        }}));
        let got = |r: &MarkRules| -> BTreeMap<String, (AttendanceCategory, bool, String)> {
            marks("7", &d, r, None)
                .into_iter()
                .map(|m| {
                    let key = m
                        .period
                        .clone()
                        .unwrap_or_else(|| m.session.unwrap().as_str().to_owned());
                    (key, (m.category, m.late, m.code))
                })
                .collect()
        };
        let m = got(&rules());
        assert_eq!(m["am"], (Present, false, "yes".into()));
        assert_eq!(m["pm"], (Present, false, "present".into()));
        assert_eq!(m["Period 1"], (Present, true, "late".into()));
        assert_eq!(m["Period 2"], (UnauthorisedAbsence, false, "no".into()));
        assert_eq!(m["Period 3"], (UnauthorisedAbsence, false, "absent".into()));
        assert_eq!(m["Period 4"], (AuthorisedAbsence, false, "excused".into()));
        assert_eq!(m["Period 5"], (NotCounted, false, "ignore".into()));
        assert_eq!(m["Period 6"], (NoMark, false, String::new()));
        assert!(m.values().all(|v| v.0 != Unmapped));

        // The uncoded absence kind is the school's to choose.
        let authorised = MarkRules {
            uncoded_absence: AuthorisedAbsence,
            ..rules()
        };
        let m = got(&authorised);
        assert_eq!(m["Period 2"].0, AuthorisedAbsence);
        assert_eq!(m["Period 3"].0, AuthorisedAbsence);
        // A label override still wins.
        let overridden = MarkRules::from(CodeMapper::new().override_label("ignore", NoMark, false));
        assert_eq!(got(&overridden)["Period 5"].0, NoMark);
        // A real DfE code still decides over its status.
        let coded = days(
            json!({"2024-09-09": {"AM": {"code": "#", "status": "ignore"},
                                               "PM": {"code": "B", "status": "yes"}}}),
        );
        let m = marks("7", &coded, &rules(), None);
        assert_eq!(m[0].category, NotCounted);
        assert_eq!(m[1].category, ApprovedEducationalActivity);
    }

    /// Item 4: session registers under other names.
    #[test]
    fn session_keys_are_recognised_and_configurable() {
        let k = SessionKeys::default();
        for (key, want) in [
            ("AM", Some(Session::Am)),
            ("am", Some(Session::Am)),
            ("AM Reg", Some(Session::Am)),
            ("Morning", Some(Session::Am)),
            ("morning registration", Some(Session::Am)),
            ("PM", Some(Session::Pm)),
            ("PM Reg", Some(Session::Pm)),
            ("Afternoon", Some(Session::Pm)),
            ("pm-session", Some(Session::Pm)),
            ("Period 1", None),
            ("P3", None),
            ("Period Tut", None),
            ("Reg", None),
            ("AMPM", None),
        ] {
            assert_eq!(k.session_of(key), want, "{key}");
        }
        let d = days(json!({"2024-09-09": {
            "AM Reg": {"code": "/", "status": "present"},
            "Afternoon": {"code": "/", "status": "present"},
            "Reg 1": {"code": "/", "status": "present"}
        }}));
        let m = marks("7", &d, &rules(), None);
        assert_eq!(
            m.iter().filter(|m| m.slot == Slot::Session).count(),
            2,
            "{m:?}"
        );
        // A school whose morning register is "Reg 1": configured, and only its keys count.
        let custom = MarkRules {
            sessions: SessionKeys::only([("Reg 1", Session::Am), ("Afternoon", Session::Pm)]),
            ..rules()
        };
        let m = marks("7", &d, &custom, None);
        let sessions: Vec<_> = m.iter().filter_map(|m| m.session).collect();
        assert_eq!(sessions.len(), 2);
        assert!(m.iter().any(|x| x.period.as_deref() == Some("AM Reg")));
        let more = SessionKeys::default().with("Reg 1", Session::Am);
        assert_eq!(more.session_of("reg  1"), Some(Session::Am));
        assert_eq!(more.session_of("AM"), Some(Session::Am));
    }

    #[test]
    fn period_keys() {
        for (a, b) in [
            ("P1", "Period 1"),
            ("Tut", "Period Tut"),
            ("p01", "1"),
            ("Period  3", "P3"),
        ] {
            assert_eq!(period_key(a), period_key(b), "{a} {b}");
        }
        assert_ne!(period_key("P1"), period_key("P11"));
        assert_ne!(period_key("Tut"), period_key("P1"));
    }

    fn lesson(id: &str, date: Date, period: &str, group: &str) -> Lesson {
        let at = mis_core::DateTime::from_local(
            date.at(9, 0, 0, 0),
            &jiff::tz::TimeZone::get("Europe/London").unwrap(),
        )
        .unwrap();
        let mut lesson = Lesson::new("classcharts", id, date, at.clone(), at);
        lesson.student_id = Some("7".into());
        lesson.period = Some(period.into());
        lesson.group = Some(group.into());
        lesson
    }

    /// Item 2: "Period N" registers join the timetable's "PN" lessons, and two classes in
    /// one period are told apart by the class the register names.
    #[test]
    fn lesson_marks_join_their_lessons() {
        let day = jiff::civil::date(2023, 9, 26);
        let d = days(json!({"2023-09-26": {
            "AM": {"code": "/", "status": "present"},
            "Period 1": {"code": "/", "status": "present", "lesson_name": "9X/Ma1"},
            "Period Tut": {"code": "/", "status": "present"},
            "Period 3": {"code": "/", "status": "present", "lesson_name": "9X/Dr1"},
            "Period 4": {"code": "/", "status": "present"},
            "Period 9": {"code": "/", "status": "present"}
        }}));
        let lessons = [
            lesson("a", day, "P1", "9X/Ma1"),
            lesson("b", day, "Tut", "9X/Tu"),
            lesson("c", day, "P3", "9X/Ar1"),
            lesson("d", day, "P3", "9X/Dr1"),
            lesson("e", day, "P4", "9X/Fr1"),
            lesson("f", day, "P4", "9X/Sp1"),
        ];
        let mut m = marks_with_classes("7", &d, &rules(), None);
        join_lessons(&mut m, &lessons);
        let by: BTreeMap<String, (Option<String>, Option<String>)> = m
            .iter()
            .filter(|(m, _)| m.slot == Slot::Lesson)
            .map(|(m, _)| {
                (
                    m.code.clone() + m.period.as_deref().unwrap(),
                    (m.period.clone(), m.lesson_id.clone()),
                )
            })
            .collect();
        let get = |p: &str| by[&format!("/{p}")].clone();
        assert_eq!(get("P1"), (Some("P1".into()), Some("a".into())));
        assert_eq!(get("Tut"), (Some("Tut".into()), Some("b".into())));
        assert_eq!(get("P3"), (Some("P3".into()), Some("d".into())));
        // Two classes in P4 and no class name: the period is certain, the lesson is not.
        assert_eq!(get("P4"), (Some("P4".into()), None));
        // No lesson in the timetable: the register's own label, no id.
        assert_eq!(get("Period 9"), (Some("Period 9".into()), None));
        let am = m.iter().find(|(m, _)| m.slot == Slot::Session).unwrap();
        assert_eq!(
            (am.0.period.as_deref(), am.0.lesson_id.as_deref()),
            (None, None)
        );
    }

    #[test]
    fn range_and_overrides() {
        let d = days(json!({
            "2024-09-09": {"AM": {"code": "/", "status": "present"}},
            "2024-09-12": {"AM": {"code": "", "status": "ignore"}}
        }));
        let range = DateRange::parse("2024-09-12", "2024-09-13").unwrap();
        let r = MarkRules::from(CodeMapper::new().override_label("ignore", Unmapped, false));
        let m = marks("1", &d, &rules(), Some(range));
        assert_eq!(m.len(), 1);
        assert_eq!((m[0].code.as_str(), m[0].category), ("ignore", NotCounted));
        assert!(marks("1", &days(json!([])), &r, None).is_empty());
    }
}
