//! Session and lesson attendance with realistic DfE code frequencies.
//!
//! Marks are first decided as compact [`Outcome`]s per student and day (so lesson marks and
//! behaviour can consult them cheaply), then written out as `mis_core::AttendanceMark`s.
//! The mix aims at English national figures: roughly 92 % `/` and `\`, then illness (`I`)
//! and lateness (`L`) at 2–3 % each, and a tail of every other generated code.

use jiff::civil::Date;
use mis_core::codes::{DFE_2024_CHANGE, map_dfe};
use mis_core::{AttendanceCode, AttendanceMark, Session, Slot};

use super::calendar::SchoolDay;
use super::rng::Dice;
use super::timetable::{Period, RegisterWindow};

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

/// (code, label) of the code book from 2024-08-19. Categories come from `mis_core::codes`,
/// the one shared table, so the sandbox and the providers cannot disagree.
const CODES_2024: &[(&str, &str)] = &[
    ("/", "Present (AM)"),
    ("\\", "Present (PM)"),
    ("L", "Late (before registers closed)"),
    (
        "K",
        "Attending education provision arranged by the local authority",
    ),
    ("V", "Attending an educational visit or trip"),
    ("P", "Participating in a sporting activity"),
    ("W", "Attending work experience"),
    ("B", "Attending any other approved educational activity"),
    ("D", "Dual registered: at another setting"),
    (
        "C1",
        "Leave of absence: regulated performance or employment abroad",
    ),
    ("C2", "Leave of absence: part-time timetable"),
    ("C", "Leave of absence: exceptional circumstances"),
    ("M", "Medical or dental appointment"),
    ("J1", "Interview"),
    ("S", "Study leave"),
    ("T", "Parent travelling for occupational purposes"),
    ("R", "Religious observance"),
    ("I", "Illness (not medical or dental appointment)"),
    ("E", "Suspended or excluded, no alternative provision"),
    ("G", "Holiday not granted by the school"),
    ("U", "Arrived in school after registration closed"),
    ("O", "Absent in other or unknown circumstances"),
    ("N", "Reason for absence not yet established"),
    ("X", "Non-compulsory school age, not required to attend"),
    ("Q", "Unable to attend: lack of access arrangements"),
    ("Y1", "Unable to attend: transport not available"),
    ("Y2", "Unable to attend: widespread disruption to travel"),
    ("Y3", "Unable to attend: part of school premises closed"),
    (
        "Y4",
        "Unable to attend: whole school site unexpectedly closed",
    ),
    ("Y5", "Unable to attend: criminal justice detention"),
    ("Y6", "Unable to attend: public health guidance or law"),
    ("Y7", "Unable to attend: any other exceptional circumstance"),
    ("Z", "Prospective pupil not on admission register"),
    ("#", "Planned whole-school closure"),
    ("-", "No mark recorded"),
];

/// (code, label) of the code book before 2024-08-19.
const CODES_2006: &[(&str, &str)] = &[
    ("/", "Present (AM)"),
    ("\\", "Present (PM)"),
    ("L", "Late (before registers closed)"),
    ("B", "Educated off site"),
    ("D", "Dual registered"),
    (
        "J",
        "At interview with prospective employer or educational establishment",
    ),
    ("P", "Participating in a supervised sporting activity"),
    ("V", "Educational visit or trip"),
    ("W", "Work experience"),
    ("C", "Other authorised circumstances"),
    ("E", "Excluded, no alternative provision made"),
    ("H", "Authorised family holiday"),
    ("I", "Illness"),
    ("M", "Medical or dental appointment"),
    ("R", "Religious observance"),
    ("S", "Study leave"),
    ("T", "Gypsy, Roma and Traveller absence"),
    ("G", "Family holiday not agreed or days in excess"),
    ("N", "No reason yet provided for absence"),
    ("O", "Unauthorised absence not covered by any other code"),
    ("U", "Arrived in school after registration closed"),
    ("X", "Not required to be in school"),
    ("Y", "Unable to attend due to exceptional circumstances"),
    ("Z", "Pupil not on roll"),
    ("#", "Planned whole-school closure"),
    ("-", "No mark recorded"),
];

fn table(date: Date) -> &'static [(&'static str, &'static str)] {
    if date < DFE_2024_CHANGE {
        CODES_2006
    } else {
        CODES_2024
    }
}

/// The code book in force on `date`, categorised by `mis_core::codes`.
pub(crate) fn code_book(provider: &str, date: Date) -> Vec<AttendanceCode> {
    table(date)
        .iter()
        .map(|(code, label)| {
            let mapped = map_dfe(code, date);
            let mut entry = AttendanceCode::new(provider, *code, mapped.category);
            entry.label = Some(label.to_string());
            entry.late = mapped.late;
            entry
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
    let mapped = map_dfe(outcome.code, date);
    let mut mark = AttendanceMark::new(
        provider,
        student_id,
        date,
        slot,
        outcome.code,
        mapped.category,
    )
    .with_late(mapped.late);
    mark.session = session;
    mark.period = period.map(str::to_string);
    mark.lesson_id = lesson_id.map(str::to_string);
    mark.minutes_late = outcome.minutes;
    mark.note = outcome.note.map(str::to_string);
    mark
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;
    use mis_core::AttendanceCategory;

    #[test]
    fn every_code_in_both_books_is_known_to_mis_core() {
        for day in [date(2023, 9, 5), date(2024, 9, 3)] {
            let book = code_book("sandbox", day);
            assert!(book.len() > 20);
            for c in &book {
                assert_ne!(
                    c.category,
                    AttendanceCategory::Unmapped,
                    "{} on {day}",
                    c.code
                );
            }
        }
        let old: Vec<_> = CODES_2006.iter().map(|c| c.0).collect();
        let new: Vec<_> = CODES_2024.iter().map(|c| c.0).collect();
        assert!(old.contains(&"J") && !old.contains(&"J1"));
        assert!(new.contains(&"J1") && new.contains(&"K") && !new.contains(&"H"));
    }

    #[test]
    fn every_generated_code_is_mapped_in_both_eras() {
        let codes = [
            "/", "\\", "L", "U", "M", "C", "O", "N", "B", "X", "-", "I", "G", "V",
        ];
        for code in codes {
            for day in [date(2023, 9, 5), date(2024, 9, 3)] {
                assert_ne!(
                    map_dfe(code, day).category,
                    AttendanceCategory::Unmapped,
                    "{code}"
                );
            }
        }
        assert!(map_dfe("L", date(2024, 9, 3)).late && map_dfe("U", date(2024, 9, 3)).late);
    }
}
