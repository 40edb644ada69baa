//! Session and lesson attendance with realistic DfE code frequencies.
//!
//! Marks are first decided as compact [`Outcome`]s per student and day (so lesson marks and
//! behaviour can consult them cheaply), then written out as `mis_core::AttendanceMark`s.
//! The mix aims at English national figures: roughly 92 % `/` and `\`, `L` the most common
//! other code, illness the most common absence, and a tail of every other code.

use jiff::civil::Date;
use mis_core::{AttendanceCategory, AttendanceCode, AttendanceMark, Session, Slot};

use super::calendar::SchoolDay;
use super::rng::Dice;
use super::timetable::{Period, RegisterWindow};

/// The date the DfE code set changed (J1, C2, K, Q, Y1–Y7 in; J, H, Y out).
pub(crate) const CODE_CHANGE: Date = jiff::civil::date(2024, 8, 19);

/// One register outcome before it becomes an `AttendanceMark`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Outcome {
    pub code: &'static str,
    pub minutes: Option<u32>,
    pub note: Option<&'static str>,
}

impl Outcome {
    const fn code(code: &'static str) -> Outcome {
        Outcome {
            code,
            minutes: None,
            note: None,
        }
    }

    /// Whether the student was in school for (at least the end of) the register's session.
    pub(crate) fn is_in_school(self) -> bool {
        matches!(self.code, "/" | "\\" | "L" | "-")
    }
}

use AttendanceCategory::{
    ApprovedEducationalActivity as Aea, AuthorisedAbsence as Auth, NoMark, NotCounted, Present,
    UnauthorisedAbsence as Unauth,
};

/// (code, label, category, late) valid from 2024-08-19.
const CODES_2024: &[(&str, &str, AttendanceCategory, bool)] = &[
    ("/", "Present (AM)", Present, false),
    ("\\", "Present (PM)", Present, false),
    ("L", "Late (before registers closed)", Present, true),
    (
        "K",
        "Attending education provision arranged by the local authority",
        Aea,
        false,
    ),
    ("V", "Attending an educational visit or trip", Aea, false),
    ("P", "Participating in a sporting activity", Aea, false),
    ("W", "Attending work experience", Aea, false),
    (
        "B",
        "Attending any other approved educational activity",
        Aea,
        false,
    ),
    (
        "D",
        "Dual registered: at another setting",
        NotCounted,
        false,
    ),
    (
        "C1",
        "Leave of absence: regulated performance or employment abroad",
        Auth,
        false,
    ),
    ("C2", "Leave of absence: part-time timetable", Auth, false),
    (
        "C",
        "Leave of absence: exceptional circumstances",
        Auth,
        false,
    ),
    ("M", "Medical or dental appointment", Auth, false),
    ("J1", "Interview", Auth, false),
    ("S", "Study leave", Auth, false),
    (
        "T",
        "Parent travelling for occupational purposes",
        Auth,
        false,
    ),
    ("R", "Religious observance", Auth, false),
    (
        "I",
        "Illness (not medical or dental appointment)",
        Auth,
        false,
    ),
    (
        "E",
        "Suspended or excluded, no alternative provision",
        Auth,
        false,
    ),
    ("G", "Holiday not granted by the school", Unauth, false),
    (
        "U",
        "Arrived in school after registration closed",
        Unauth,
        true,
    ),
    (
        "O",
        "Absent in other or unknown circumstances",
        Unauth,
        false,
    ),
    ("N", "Reason for absence not yet established", Unauth, false),
    (
        "X",
        "Non-compulsory school age, not required to attend",
        NotCounted,
        false,
    ),
    (
        "Q",
        "Unable to attend: lack of access arrangements",
        NotCounted,
        false,
    ),
    (
        "Y1",
        "Unable to attend: transport not available",
        NotCounted,
        false,
    ),
    (
        "Y2",
        "Unable to attend: widespread disruption to travel",
        NotCounted,
        false,
    ),
    (
        "Y3",
        "Unable to attend: part of school premises closed",
        NotCounted,
        false,
    ),
    (
        "Y4",
        "Unable to attend: whole school site unexpectedly closed",
        NotCounted,
        false,
    ),
    (
        "Y5",
        "Unable to attend: criminal justice detention",
        NotCounted,
        false,
    ),
    (
        "Y6",
        "Unable to attend: public health guidance or law",
        NotCounted,
        false,
    ),
    (
        "Y7",
        "Unable to attend: any other exceptional circumstance",
        NotCounted,
        false,
    ),
    (
        "Z",
        "Prospective pupil not on admission register",
        NotCounted,
        false,
    ),
    ("#", "Planned whole-school closure", NotCounted, false),
    ("-", "No mark recorded", NoMark, false),
];

/// (code, label, category, late) used before 2024-08-19.
const CODES_2006: &[(&str, &str, AttendanceCategory, bool)] = &[
    ("/", "Present (AM)", Present, false),
    ("\\", "Present (PM)", Present, false),
    ("L", "Late (before registers closed)", Present, true),
    ("B", "Educated off site", Aea, false),
    ("D", "Dual registered", NotCounted, false),
    (
        "J",
        "At interview with prospective employer or educational establishment",
        Aea,
        false,
    ),
    (
        "P",
        "Participating in a supervised sporting activity",
        Aea,
        false,
    ),
    ("V", "Educational visit or trip", Aea, false),
    ("W", "Work experience", Aea, false),
    ("C", "Other authorised circumstances", Auth, false),
    ("E", "Excluded, no alternative provision made", Auth, false),
    ("H", "Authorised family holiday", Auth, false),
    ("I", "Illness", Auth, false),
    ("M", "Medical or dental appointment", Auth, false),
    ("R", "Religious observance", Auth, false),
    ("S", "Study leave", Auth, false),
    ("T", "Gypsy, Roma and Traveller absence", Auth, false),
    (
        "G",
        "Family holiday not agreed or days in excess",
        Unauth,
        false,
    ),
    ("N", "No reason yet provided for absence", Unauth, false),
    (
        "O",
        "Unauthorised absence not covered by any other code",
        Unauth,
        false,
    ),
    (
        "U",
        "Arrived in school after registration closed",
        Unauth,
        true,
    ),
    ("X", "Not required to be in school", NotCounted, false),
    (
        "Y",
        "Unable to attend due to exceptional circumstances",
        NotCounted,
        false,
    ),
    ("Z", "Pupil not on roll", NotCounted, false),
    ("#", "Planned whole-school closure", NotCounted, false),
    ("-", "No mark recorded", NoMark, false),
];

fn table(date: Date) -> &'static [(&'static str, &'static str, AttendanceCategory, bool)] {
    if date < CODE_CHANGE {
        CODES_2006
    } else {
        CODES_2024
    }
}

/// The statistical category and late flag of a DfE `code` on `date`.
///
/// A local table because `mis_core::codes` (the shared, date-aware mapper) was still empty
/// when this was written; the sandbox only needs the codes it generates plus the code book.
pub(crate) fn category(code: &str, date: Date) -> Option<(AttendanceCategory, bool)> {
    table(date)
        .iter()
        .find(|(c, ..)| *c == code)
        .map(|(_, _, cat, late)| (*cat, *late))
}

/// The code book in force on `date`.
pub(crate) fn code_book(provider: &str, date: Date) -> Vec<AttendanceCode> {
    table(date)
        .iter()
        .map(|(code, label, category, late)| AttendanceCode {
            provider: provider.to_string(),
            code: code.to_string(),
            label: Some(label.to_string()),
            category: *category,
            late: *late,
        })
        .collect()
}

/// How often a student is absent or late.
struct Profile {
    /// Chance per day of falling ill (illness then lasts 1–3 days).
    ill: f64,
    /// Weights per 100 000 sessions: L (AM), U, M, C, O, N, B, X, missing.
    late_am: u32,
    late_pm: u32,
    unauthorised: u32,
}

fn profile(d: &mut Dice) -> Profile {
    match d.weighted(&[78, 16, 6]) {
        0 => Profile {
            ill: 0.012,
            late_am: 3_000,
            late_pm: 600,
            unauthorised: 100,
        },
        1 => Profile {
            ill: 0.030,
            late_am: 7_000,
            late_pm: 1_500,
            unauthorised: 500,
        },
        _ => Profile {
            ill: 0.060,
            late_am: 14_000,
            late_pm: 3_500,
            unauthorised: 2_500,
        },
    }
}

const M_NOTES: &[&str] = &[
    "Dental appointment",
    "GP appointment",
    "Hospital appointment",
    "Orthodontist",
];

/// Decides every student's AM and PM outcome for every day of `days`.
///
/// Returns a table indexed `[day * students + student]`.
pub(crate) fn sessions(
    seed: u64,
    students: usize,
    reception: &[bool],
    days: &[SchoolDay],
) -> Vec<[Outcome; 2]> {
    let n_days = days.len();
    let present = [Outcome::code("/"), Outcome::code("\\")];
    let mut table = vec![present; n_days * students];
    for i in 0..students {
        let mut d = Dice::new(seed, "attendance", i as u64);
        let p = profile(&mut d);
        // About 3 % of students take a term-time holiday of 3–5 school days.
        let holiday = if n_days > 0 && d.chance(0.03) {
            let len = d.between(3, 5) as usize;
            let start = d.below(n_days);
            Some(start..(start + len).min(n_days))
        } else {
            None
        };
        let mut ill_left = 0usize;
        for j in 0..n_days {
            let cell = &mut table[j * students + i];
            if holiday.as_ref().is_some_and(|h| h.contains(&j)) {
                let g = Outcome {
                    code: "G",
                    minutes: None,
                    note: Some("Term-time holiday not authorised"),
                };
                *cell = [g, g];
            } else if ill_left > 0 {
                ill_left -= 1;
                *cell = [Outcome::code("I"), Outcome::code("I")];
            } else if d.chance(p.ill) {
                ill_left = [0, 0, 0, 0, 0, 1, 1, 1, 2, 2][d.below(10)];
                let note = d.chance(0.4).then_some("Parent phoned: unwell");
                let ill = Outcome {
                    code: "I",
                    minutes: None,
                    note,
                };
                // Some go home ill at lunchtime: present in the morning.
                *cell = if d.chance(0.15) {
                    [present[0], ill]
                } else {
                    [ill, ill]
                };
            } else if d.chance(0.0015) {
                let v = Outcome {
                    code: "V",
                    minutes: None,
                    note: Some("Educational visit"),
                };
                *cell = [v, v];
            } else {
                *cell = [
                    session(&mut d, &p, Session::Am, false),
                    session(&mut d, &p, Session::Pm, reception[i]),
                ];
            }
        }
    }
    table
}

/// One session's outcome on an ordinary day.
fn session(d: &mut Dice, p: &Profile, session: Session, reception: bool) -> Outcome {
    let (late, present) = match session {
        Session::Am => (p.late_am, "/"),
        Session::Pm => (p.late_pm, "\\"),
    };
    // Reception children below compulsory school age sometimes go home at lunchtime.
    let x = if reception { 2_000 } else { 20 };
    let weights = [
        late,           // L
        late / 10,      // U
        400,            // M
        150,            // C
        p.unauthorised, // O
        250,            // N
        100,            // B
        x,              // X
        150,            // missing mark
    ];
    let rare: u32 = weights.iter().sum();
    if d.below(100_000) >= rare as usize {
        return Outcome::code(present);
    }
    match d.weighted(&weights) {
        0 => Outcome {
            // Mostly a few minutes: the smaller of two draws skews towards 1.
            code: "L",
            minutes: Some(d.between(1, 30).min(d.between(1, 30)) as u32),
            note: d.chance(0.15).then_some("Bus late"),
        },
        1 => Outcome {
            code: "U",
            minutes: Some(d.between(31, 90) as u32),
            note: None,
        },
        2 => Outcome {
            code: "M",
            minutes: None,
            note: Some(*d.pick(M_NOTES)),
        },
        3 => Outcome {
            code: "C",
            minutes: None,
            note: Some("Leave agreed by the headteacher"),
        },
        4 => Outcome {
            code: "O",
            minutes: None,
            note: d.chance(0.3).then_some("Reason not accepted"),
        },
        5 => Outcome::code("N"),
        6 => Outcome {
            code: "B",
            minutes: None,
            note: Some("Off-site course"),
        },
        7 => Outcome {
            code: "X",
            minutes: None,
            note: Some("Not required in school"),
        },
        _ => Outcome::code("-"),
    }
}

/// The lesson mark implied by the session mark, so that the two registers agree: an absent
/// student is absent with the same code from every lesson of the session; a late student is
/// late to the lesson running when they arrived (and missed the ones before); a present
/// student is present, occasionally a few minutes late to a lesson.
pub(crate) fn lesson(
    d: &mut Dice,
    session: Outcome,
    register: &RegisterWindow,
    period: &Period,
) -> Outcome {
    let minutes_of = |t: jiff::civil::Time| i64::from(t.hour()) * 60 + i64::from(t.minute());
    match session.code {
        "/" | "\\" | "-" => {
            if d.chance(0.004) {
                Outcome {
                    code: "L",
                    minutes: Some(d.between(1, 10) as u32),
                    note: None,
                }
            } else {
                Outcome::code("/")
            }
        }
        "L" | "U" => {
            let arrival = minutes_of(register.opens) + i64::from(session.minutes.unwrap_or(0));
            let (start, end) = (minutes_of(period.start), minutes_of(period.end));
            if arrival <= start {
                Outcome::code("/")
            } else if arrival < end {
                Outcome {
                    code: "L",
                    minutes: Some((arrival - start) as u32),
                    note: None,
                }
            } else {
                Outcome::code(session.code)
            }
        }
        _ => session,
    }
}

/// Writes an outcome as a mark.
#[allow(clippy::too_many_arguments)]
pub(crate) fn mark(
    provider: &str,
    student_id: &str,
    date: Date,
    slot: Slot,
    session: Option<Session>,
    period: Option<&str>,
    lesson_id: Option<&str>,
    outcome: Outcome,
) -> AttendanceMark {
    let (category, late) =
        category(outcome.code, date).unwrap_or((AttendanceCategory::Unmapped, false));
    AttendanceMark {
        provider: provider.to_string(),
        student_id: student_id.to_string(),
        date,
        slot,
        session,
        period: period.map(str::to_string),
        lesson_id: lesson_id.map(str::to_string),
        code: outcome.code.to_string(),
        category,
        late,
        minutes_late: outcome.minutes,
        note: outcome.note.map(str::to_string),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn categories_follow_the_dfe_table_and_its_date() {
        let after = date(2024, 9, 3);
        let before = date(2023, 9, 5);
        assert_eq!(category("/", after), Some((Present, false)));
        assert_eq!(category("L", after), Some((Present, true)));
        assert_eq!(category("U", after), Some((Unauth, true)));
        assert_eq!(category("B", after), Some((Aea, false)));
        assert_eq!(category("X", after), Some((NotCounted, false)));
        assert_eq!(category("-", after), Some((NoMark, false)));
        assert_eq!(category("J1", after), Some((Auth, false)));
        assert_eq!(category("J1", before), None);
        assert_eq!(category("J", before), Some((Aea, false)));
        assert_eq!(category("H", after), None);
    }

    #[test]
    fn every_generated_code_is_in_both_tables() {
        for code in [
            "/", "\\", "L", "U", "M", "C", "O", "N", "B", "X", "-", "I", "G", "V",
        ] {
            assert!(category(code, date(2024, 9, 3)).is_some(), "{code}");
            assert!(category(code, date(2023, 9, 5)).is_some(), "{code}");
        }
    }
}
