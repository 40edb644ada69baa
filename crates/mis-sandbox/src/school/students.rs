//! Students: names, dates of birth, UPNs, registration groups, houses, enrolment.

use std::collections::BTreeSet;

use jiff::civil::Date;
use mis_core::{EnrolmentStatus, Gender, Identifier, IdentifierKind, Student};
use serde::{Deserialize, Serialize};

use super::calendar::add_days;
use super::names;
use super::rng::Dice;
use super::{Phase, YearSpec};

/// A student's time on the school's roll.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Enrolment {
    /// The student's id.
    pub student_id: String,
    /// First day on roll.
    pub admission_date: Date,
    /// Last day on roll, for leavers.
    pub leaving_date: Option<Date>,
}

/// Internal facts about an on-roll student that the rest of the generator needs.
#[derive(Debug, Clone)]
pub(crate) struct Pupil {
    /// Index into the year list.
    pub year: usize,
    /// Index into [`Roster::forms`].
    pub form: usize,
    /// Index into [`names::HOUSES`].
    pub house: usize,
    /// 0..1000: orders students into sets for setted subjects.
    pub ability: u32,
}

/// A registration group while the school is being built.
#[derive(Debug, Clone)]
pub(crate) struct Form {
    /// Index into the year list.
    pub year: usize,
    /// Label, e.g. `7A`.
    pub name: String,
    /// Pupil indices, in id order.
    pub members: Vec<usize>,
}

/// Everything [`generate`] decides about students.
pub(crate) struct Roster {
    /// On-roll students first (`students[i]` is `pupils[i]`), then leavers.
    pub students: Vec<Student>,
    /// One per on-roll student.
    pub pupils: Vec<Pupil>,
    /// One per student, same order as `students`.
    pub enrolments: Vec<Enrolment>,
    /// Registration groups, year by year.
    pub forms: Vec<Form>,
}

/// What the student generator needs to know about the school.
pub(crate) struct StudentContext<'a> {
    pub seed: u64,
    pub provider: &'a str,
    pub phase: Phase,
    pub start_year: i16,
    pub year_start: Date,
    pub previous_year_end: Date,
    pub domain: &'a str,
    pub la_code: u16,
    pub establishment: u16,
    pub feeders: &'a [(u16, u16)],
}

/// Builds `size` on-roll students spread evenly over `years` (oldest first, so older students
/// have lower ids, as in a real admissions register) plus a couple of leavers.
pub(crate) fn generate(ctx: &StudentContext<'_>, size: usize, years: &[YearSpec]) -> Roster {
    let form_size = match ctx.phase {
        Phase::Primary => 30,
        Phase::Secondary => 28,
    };
    let mut used_upns = BTreeSet::new();
    let mut used_emails = BTreeSet::new();
    let mut students = Vec::with_capacity(size + 8);
    let mut pupils = Vec::with_capacity(size);
    let mut enrolments = Vec::with_capacity(size + 8);
    let mut forms = Vec::new();

    // Oldest year first: older students were admitted first.
    for (y, spec) in years.iter().enumerate().rev() {
        let count = size / years.len() + usize::from(years.len() - 1 - y < size % years.len());
        if count == 0 {
            continue;
        }
        let first = students.len();
        for _ in 0..count {
            let index = students.len();
            let mut dice = Dice::new(ctx.seed, "student", index as u64);
            let (student, enrolment) = person(
                ctx,
                &mut dice,
                index,
                spec,
                EnrolmentStatus::OnRoll,
                &mut used_upns,
                &mut used_emails,
            );
            students.push(student);
            enrolments.push(enrolment);
            pupils.push(Pupil {
                year: y,
                form: 0,
                house: dice.below(names::HOUSES.len()),
                ability: dice.below(1000) as u32,
            });
        }

        // Registration groups: shuffle the year, then deal it into forms of ~form_size.
        let mut order: Vec<usize> = (first..first + count).collect();
        Dice::new(ctx.seed, "forms", y as u64).shuffle(&mut order);
        let n_forms = count.div_ceil(form_size);
        for f in 0..n_forms {
            let mut members: Vec<usize> =
                order[f * count / n_forms..(f + 1) * count / n_forms].to_vec();
            members.sort_unstable();
            let form = forms.len();
            let name = format!("{}{}", spec.label, names::form_suffix(f));
            for &m in &members {
                pupils[m].form = form;
                students[m].registration_group = Some(name.clone());
            }
            forms.push(Form {
                year: y,
                name,
                members,
            });
        }
    }
    // Forms are listed youngest year first, like the year groups.
    forms.sort_by_key(|f| (f.year, f.name.len(), f.name.clone()));
    for (i, form) in forms.iter().enumerate() {
        for &m in &form.members {
            pupils[m].form = i;
        }
    }

    // A couple of leavers who left at the end of last year: no marks, no groups.
    let leavers = 2 + size / 1000;
    for l in 0..leavers {
        let index = students.len();
        let mut dice = Dice::new(ctx.seed, "leaver", l as u64);
        let spec = dice.pick(years).clone();
        let (student, mut enrolment) = person(
            ctx,
            &mut dice,
            index,
            &spec,
            EnrolmentStatus::Leaver,
            &mut used_upns,
            &mut used_emails,
        );
        enrolment.leaving_date = Some(ctx.previous_year_end);
        if enrolment.admission_date > ctx.previous_year_end {
            enrolment.admission_date = add_days(ctx.previous_year_end, -300);
        }
        students.push(student);
        enrolments.push(enrolment);
    }

    Roster {
        students,
        pupils,
        enrolments,
        forms,
    }
}

fn person(
    ctx: &StudentContext<'_>,
    dice: &mut Dice,
    index: usize,
    spec: &YearSpec,
    status: EnrolmentStatus,
    used_upns: &mut BTreeSet<String>,
    used_emails: &mut BTreeSet<String>,
) -> (Student, Enrolment) {
    let id = (1001 + index).to_string();
    // About 1 in 170 students is recorded with a gender other than male/female.
    let gender = match dice.weighted(&[497, 497, 6]) {
        0 => Gender::Male,
        1 => Gender::Female,
        _ => Gender::Other("other".into()),
    };
    let first_list = match gender {
        Gender::Male => names::MALE_FIRST,
        Gender::Female => names::FEMALE_FIRST,
        _ if dice.chance(0.5) => names::MALE_FIRST,
        _ => names::FEMALE_FIRST,
    };
    let first = *dice.pick(first_list);
    let last = *dice.pick(names::LAST);
    let mut student = Student::new(ctx.provider, id.clone(), first, last);
    if dice.chance(0.35) {
        let middle = if dice.chance(0.8) {
            *dice.pick(first_list)
        } else {
            *dice.pick(names::MIDDLE_EXTRA)
        };
        if middle != first {
            student.middle_names = Some(middle.to_string());
        }
    }
    if let Some((_, short)) = names::NICKNAMES.iter().find(|(long, _)| *long == first) {
        if dice.chance(0.4) {
            student.preferred_first_name = Some(short.to_string());
        }
    } else if let (Some(middle), true) = (&student.middle_names, dice.chance(0.05)) {
        // Goes by the middle name.
        student.preferred_first_name = Some(middle.clone());
    }
    if dice.chance(0.02) {
        let other = *dice.pick(names::LAST);
        if other != last {
            student.preferred_last_name = Some(other.to_string());
        }
    }

    // Born 1 Sep .. 31 Aug so that the student is in `spec` this academic year
    // (Year N starts the September after turning N + 4).
    let born_from = jiff::civil::date(ctx.start_year - i16::from(spec.number) - 5, 9, 1);
    student.date_of_birth = Some(add_days(born_from, dice.below(365) as i64));
    student.gender = Some(gender);
    student.year_group = Some(spec.label.clone());
    student.enrolment_status = Some(status);

    // Admitted in the September they entered this school (Reception or Year 7); a few later.
    let entry_number = match ctx.phase {
        Phase::Primary => 0,
        Phase::Secondary => 7,
    };
    let entry_year = ctx.start_year - (i16::from(spec.number) - entry_number);
    let mut admission_date = super::calendar::autumn_start(entry_year);
    if dice.chance(0.04) && admission_date < ctx.year_start {
        let span = (ctx
            .year_start
            .since(admission_date)
            .expect("dates in range")
            .get_days())
        .max(2);
        admission_date = add_days(admission_date, dice.below(span as usize - 1) as i64);
    }

    // UPN: allocated when the child started school (Reception), by that school.
    let upn_year = (ctx.start_year - i16::from(spec.number)).rem_euclid(100) as u16;
    let upn = loop {
        let (la, estab) = match ctx.phase {
            Phase::Primary if dice.chance(0.8) => (ctx.la_code, ctx.establishment),
            _ => *dice.pick(ctx.feeders),
        };
        let candidate = upn(la, estab, upn_year, dice.below(1000) as u16);
        if used_upns.insert(candidate.clone()) {
            break candidate;
        }
    };

    // E-mail in the common UK style: entry year, surname, initial (`21smithj@…`).
    let base = format!(
        "{:02}{}{}",
        entry_year.rem_euclid(100),
        names::email_part(last),
        names::email_part(first).chars().next().unwrap_or('x')
    );
    let mut local = base.clone();
    let mut n = 2;
    while !used_emails.insert(local.clone()) {
        local = format!("{base}{n}");
        n += 1;
    }
    student.email = Some(format!("{local}@{}", ctx.domain));

    student.identifiers = vec![
        Identifier::new(IdentifierKind::Upn, upn),
        Identifier::new(IdentifierKind::MisId, format!("{}", 300_000 + index)),
        Identifier::new(IdentifierKind::AdmissionNumber, format!("{:06}", index + 1)),
    ];
    let enrolment = Enrolment {
        student_id: id,
        admission_date,
        leaving_date: None,
    };
    (student, enrolment)
}

/// The check letters of the UPN scheme: `I`, `O` and `S` are never used.
const UPN_LETTERS: &[u8; 23] = b"ABCDEFGHJKLMNPQRTUVWXYZ";

/// A UPN: check letter, LA code (3), establishment number (4), year of allocation (2),
/// serial (3). The check letter is the DfE one: characters 2–13 weighted 2–13, sum mod 23.
pub(crate) fn upn(la: u16, establishment: u16, year: u16, serial: u16) -> String {
    let digits = format!("{la:03}{establishment:04}{year:02}{serial:03}");
    format!("{}{digits}", upn_check_letter(&digits) as char)
}

/// The check letter for the twelve digits after it.
pub(crate) fn upn_check_letter(digits: &str) -> u8 {
    let sum: u32 = digits
        .bytes()
        .zip(2u32..)
        .map(|(b, w)| u32::from(b - b'0') * w)
        .sum();
    UPN_LETTERS[(sum % 23) as usize]
}

/// Whether `value` is a well-formed permanent UPN with the right check letter.
pub fn is_valid_upn(value: &str) -> bool {
    let b = value.as_bytes();
    b.len() == 13 && b[1..].iter().all(u8::is_ascii_digit) && upn_check_letter(&value[1..]) == b[0]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upn_check_letter_matches_the_dfe_scheme() {
        // Worked example used by UPN validators.
        assert!(is_valid_upn("B801200005001"));
        assert!(!is_valid_upn("A801200005001"));
        assert!(!is_valid_upn("B80120000500"));
        let u = upn(886, 2001, 13, 42);
        assert_eq!(&u[1..], "886200113042");
        assert!(is_valid_upn(&u));
    }
}
