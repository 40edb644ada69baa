//! The scenarios. Each compares a provider's answer with [`Expected`] and describes the
//! difference when there is one.

use std::collections::BTreeMap;
use std::fmt;

use futures::TryStreamExt;
use mis_core::{
    AttendanceCategory, AttendanceMark, AttendanceQuery, AttendanceWrite, BehaviourQuery,
    Capabilities, ErrorKind, MisProvider, Session, Slot, StudentQuery, TimetableQuery,
};

use crate::Expected;

/// Why a scenario failed: a readable description of the difference.
pub struct Failure(pub String);

impl fmt::Debug for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // `unwrap()` prints Debug: make it the plain message so failures read well.
        f.write_str(&self.0)
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<mis_core::Error> for Failure {
    fn from(e: mis_core::Error) -> Self {
        Failure(format!("provider error: {e}"))
    }
}

/// The result of a scenario.
pub type Outcome = Result<(), Failure>;

macro_rules! fail {
    ($($arg:tt)*) => { return Err(Failure(format!($($arg)*))) };
}

/// The entities the suite covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(non_camel_case_types)] // lower-case so the macro can use the names as test names
pub enum Entity {
    /// `students()`.
    students,
    /// `attendance()`.
    attendance,
    /// `timetable()`.
    timetable,
    /// `behaviour()`.
    behaviour,
    /// `record_attendance()`.
    write_attendance,
}

impl Entity {
    /// Whether `caps` declares the entity supported.
    pub fn declared(self, caps: &Capabilities) -> bool {
        match self {
            Entity::students => caps.students,
            Entity::attendance => caps.attendance(),
            Entity::timetable => caps.timetable,
            Entity::behaviour => caps.behaviour,
            Entity::write_attendance => caps.write_attendance,
        }
    }

    /// Runs the comparison scenario for this entity.
    pub async fn check(self, p: &dyn MisProvider, e: &Expected) -> Outcome {
        match self {
            Entity::students => students_match(p, e).await,
            Entity::attendance => attendance_matches(p, e).await,
            Entity::timetable => timetable_matches(p, e).await,
            Entity::behaviour => behaviour_matches(p, e).await,
            Entity::write_attendance => write_reads_back(p, e).await,
        }
    }

    /// Checks the entity is declared unsupported and fails with a typed `Unsupported`.
    pub async fn check_unsupported(self, p: &dyn MisProvider, e: &Expected) -> Outcome {
        if self.declared(&p.capabilities()) {
            fail!("{self:?} is listed unsupported but capabilities() declares it");
        }
        let first = match self {
            Entity::students => p.students(StudentQuery::new()).try_next().await.map(|_| ()),
            Entity::attendance => p
                .attendance(AttendanceQuery::new(e.range))
                .try_next()
                .await
                .map(|_| ()),
            Entity::timetable => p
                .timetable(TimetableQuery::new(e.range))
                .try_next()
                .await
                .map(|_| ()),
            Entity::behaviour => p
                .behaviour(BehaviourQuery::new(e.range))
                .try_next()
                .await
                .map(|_| ()),
            Entity::write_attendance => p
                .record_attendance(AttendanceWrite::session(
                    "1",
                    e.range.from(),
                    Session::Am,
                    "/",
                ))
                .await
                .map(|_| ()),
        };
        match first {
            Err(err) if err.kind() == ErrorKind::Unsupported => Ok(()),
            Err(err) => fail!(
                "{self:?}: expected an Unsupported error, got {:?}: {err}",
                err.kind()
            ),
            Ok(()) => {
                fail!("{self:?}: expected an Unsupported error, got a result (silently empty?)")
            }
        }
    }
}

/// The declared lists agree with `capabilities()`.
pub fn declared_capabilities(p: &dyn MisProvider, yes: &[Entity], no: &[Entity]) -> Outcome {
    let caps = p.capabilities();
    for e in yes {
        if !e.declared(&caps) {
            fail!("{e:?} is tested as supported but capabilities() says it is not");
        }
    }
    for e in no {
        if e.declared(&caps) {
            fail!("{e:?} is tested as unsupported but capabilities() declares it");
        }
    }
    Ok(())
}

/// Describes up to five differences and how many there were in all.
fn describe<K: fmt::Debug>(what: &str, keys: &[K]) -> String {
    let shown: Vec<String> = keys.iter().take(5).map(|k| format!("{k:?}")).collect();
    format!("{} {what} (first: {})", keys.len(), shown.join(", "))
}

/// Same students (on roll and leavers), with the same names, year and registration groups,
/// and — where the vendor has them — UPNs and dates of birth.
pub async fn students_match(p: &dyn MisProvider, e: &Expected) -> Outcome {
    let got: Vec<_> = p
        .students(StudentQuery::new().include_leavers(true))
        .try_collect()
        .await?;
    let mut by_id = BTreeMap::new();
    for s in &got {
        if by_id.insert(s.id.clone(), s).is_some() {
            fail!("student {} was returned twice", s.id);
        }
    }
    let missing: Vec<&str> = e
        .data
        .students
        .iter()
        .filter(|s| !by_id.contains_key(&s.id))
        .map(|s| s.id.as_str())
        .collect();
    if !missing.is_empty() {
        fail!("{}", describe("students missing", &missing));
    }
    if got.len() != e.data.students.len() {
        fail!(
            "{} students returned, {} expected",
            got.len(),
            e.data.students.len()
        );
    }
    for want in &e.data.students {
        let have = by_id[&want.id];
        let mut diffs = Vec::new();
        if (&have.first_name, &have.last_name) != (&want.first_name, &want.last_name) {
            diffs.push(format!(
                "name {} {} != {} {}",
                have.first_name, have.last_name, want.first_name, want.last_name
            ));
        }
        if have.year_group != want.year_group {
            diffs.push(format!(
                "year_group {:?} != {:?}",
                have.year_group, want.year_group
            ));
        }
        if have.registration_group != want.registration_group {
            diffs.push(format!(
                "registration_group {:?} != {:?}",
                have.registration_group, want.registration_group
            ));
        }
        if e.compare_upn && have.upn() != want.upn() {
            diffs.push(format!("upn {:?} != {:?}", have.upn(), want.upn()));
        }
        if e.compare_date_of_birth && have.date_of_birth != want.date_of_birth {
            diffs.push(format!(
                "date_of_birth {:?} != {:?}",
                have.date_of_birth, want.date_of_birth
            ));
        }
        if have.provider != p.info().vendor {
            diffs.push(format!(
                "provider {:?} != {:?}",
                have.provider,
                p.info().vendor
            ));
        }
        if !diffs.is_empty() {
            fail!("student {}: {}", want.id, diffs.join("; "));
        }
    }
    Ok(())
}

type MarkKey = (
    String,
    jiff::civil::Date,
    Slot,
    Option<Session>,
    Option<String>,
);

fn mark_key(m: &AttendanceMark) -> MarkKey {
    let period = if m.slot == Slot::Lesson {
        m.period.clone()
    } else {
        None
    };
    (m.student_id.clone(), m.date, m.slot, m.session, period)
}

fn slot_supported(caps: &Capabilities, slot: Slot) -> bool {
    match slot {
        Slot::Session => caps.attendance_sessions,
        Slot::Lesson => caps.attendance_lessons,
        Slot::Day => caps.attendance_days,
        _ => false,
    }
}

/// Every mark in range, once, in the right slot, with the right DfE category and late flag.
pub async fn attendance_matches(p: &dyn MisProvider, e: &Expected) -> Outcome {
    let caps = p.capabilities();
    let got: Vec<AttendanceMark> = p
        .attendance(AttendanceQuery::new(e.range))
        .try_collect()
        .await?;
    let mut have: BTreeMap<MarkKey, &AttendanceMark> = BTreeMap::new();
    for m in &got {
        if !e.range.contains(m.date) {
            fail!("mark outside the requested range: {:?}", mark_key(m));
        }
        if have.insert(mark_key(m), m).is_some() {
            fail!("mark returned twice: {:?}", mark_key(m));
        }
    }
    let want: BTreeMap<MarkKey, &AttendanceMark> = e
        .data
        .marks
        .iter()
        .filter(|m| e.range.contains(m.date) && slot_supported(&caps, m.slot))
        .map(|m| (mark_key(m), m))
        .collect();
    let missing: Vec<&MarkKey> = want.keys().filter(|k| !have.contains_key(*k)).collect();
    if !missing.is_empty() {
        fail!("{}", describe("marks missing", &missing));
    }
    let extra: Vec<&MarkKey> = have.keys().filter(|k| !want.contains_key(*k)).collect();
    if !extra.is_empty() {
        fail!("{}", describe("unexpected marks", &extra));
    }
    let wrong: Vec<String> = want
        .iter()
        .filter_map(|(k, w)| {
            let h = have[k];
            (h.category != w.category || h.late != w.late).then(|| {
                format!(
                    "{k:?}: code {:?} -> {}{} but the school has {:?} = {}{}",
                    h.code,
                    h.category,
                    if h.late { "+late" } else { "" },
                    w.code,
                    w.category,
                    if w.late { "+late" } else { "" }
                )
            })
        })
        .collect();
    if !wrong.is_empty() {
        fail!("{}", describe("marks with the wrong category", &wrong));
    }
    if want.is_empty() {
        fail!("the expected school has no marks in range: the scenario would prove nothing");
    }
    if got
        .iter()
        .any(|m| m.category == AttendanceCategory::Unmapped)
        && !want
            .values()
            .any(|m| m.category == AttendanceCategory::Unmapped)
    {
        fail!("the provider returned unmapped marks the school does not have");
    }
    Ok(())
}

/// Every lesson in range on the right date and time, with the right group and subject.
pub async fn timetable_matches(p: &dyn MisProvider, e: &Expected) -> Outcome {
    let want: Vec<_> = e
        .data
        .lessons
        .iter()
        .filter(|l| e.range.contains(l.date))
        .collect();
    // A per-student timetable (ClassCharts pupil) is asked for that student.
    let mut q = TimetableQuery::new(e.range);
    if let Some(Some(student)) = want.first().map(|l| l.student_id.clone()) {
        q = q.student(student);
    }
    let got: Vec<_> = p.timetable(q).try_collect().await?;
    type Key = (jiff::civil::Date, jiff::Timestamp, Option<String>);
    let key = |l: &mis_core::Lesson| -> Key { (l.date, l.start.timestamp(), l.group.clone()) };
    let mut have = BTreeMap::new();
    for l in &got {
        if have.insert(key(l), l).is_some() {
            fail!("lesson returned twice: {:?}", key(l));
        }
        if l.end.timestamp() <= l.start.timestamp() {
            fail!("lesson {} ends before it starts", l.id);
        }
    }
    let missing: Vec<Key> = want
        .iter()
        .map(|l| key(l))
        .filter(|k| !have.contains_key(k))
        .collect();
    if !missing.is_empty() {
        fail!("{}", describe("lessons missing", &missing));
    }
    if got.len() != want.len() {
        fail!("{} lessons returned, {} expected", got.len(), want.len());
    }
    for w in want {
        let h = have[&key(w)];
        if h.subject != w.subject || h.end.timestamp() != w.end.timestamp() {
            fail!(
                "lesson {:?}: subject {:?} ends {} but expected {:?} ends {}",
                key(w),
                h.subject,
                h.end,
                w.subject,
                w.end
            );
        }
        if h.start.to_string() != w.start.to_string() {
            fail!("lesson start offset differs: {} vs {}", h.start, w.start);
        }
    }
    Ok(())
}

/// Every behaviour event in range with the right polarity, students and points.
pub async fn behaviour_matches(p: &dyn MisProvider, e: &Expected) -> Outcome {
    let got: Vec<_> = p
        .behaviour(BehaviourQuery::new(e.range))
        .try_collect()
        .await?;
    let mut have = BTreeMap::new();
    for ev in &got {
        if have.insert(ev.id.clone(), ev).is_some() {
            fail!("event {} returned twice", ev.id);
        }
    }
    let want: Vec<_> = e
        .data
        .behaviour
        .iter()
        .filter(|ev| e.range.contains(ev.date))
        .collect();
    let missing: Vec<&str> = want
        .iter()
        .filter(|w| !have.contains_key(&w.id))
        .map(|w| w.id.as_str())
        .collect();
    if !missing.is_empty() {
        fail!("{}", describe("events missing", &missing));
    }
    if got.len() != want.len() {
        fail!("{} events returned, {} expected", got.len(), want.len());
    }
    for w in want {
        let h = have[&w.id];
        let (mut hs, mut ws) = (h.student_ids.clone(), w.student_ids.clone());
        hs.sort();
        ws.sort();
        if h.polarity != w.polarity || h.date != w.date || hs != ws {
            fail!(
                "event {}: {:?} on {} for {:?}, expected {:?} on {} for {:?}",
                w.id,
                h.polarity,
                h.date,
                hs,
                w.polarity,
                w.date,
                ws
            );
        }
        if e.compare_points && h.points != w.points {
            fail!(
                "event {}: points {:?}, expected {:?}",
                w.id,
                h.points,
                w.points
            );
        }
    }
    Ok(())
}

/// A mark written with a code the school uses reads back with the same category.
///
/// Uses a session mark where the provider has sessions, else a whole-day mark (Classe365,
/// ManageBac homeroom): an `AttendanceWrite` with neither session nor lesson is a day mark.
pub async fn write_reads_back(p: &dyn MisProvider, e: &Expected) -> Outcome {
    let caps = p.capabilities();
    let slot = if caps.attendance_sessions {
        Slot::Session
    } else if caps.attendance_days {
        Slot::Day
    } else {
        fail!("write_attendance is declared but neither session nor day marks are readable");
    };
    let Some(template) = e
        .data
        .marks
        .iter()
        .find(|m| m.slot == slot && e.range.contains(m.date))
    else {
        fail!("the expected school has no {slot:?} mark in range to copy");
    };
    // Write the code of a *different* category so the read-back proves the write landed.
    let other = e
        .data
        .marks
        .iter()
        .find(|m| m.slot == slot && m.category != template.category)
        .unwrap_or(template);
    let w = match template.session {
        Some(session) => {
            AttendanceWrite::session(&template.student_id, template.date, session, &other.code)
        }
        None => AttendanceWrite::day(&template.student_id, template.date, &other.code),
    };
    p.record_attendance(w).await?;
    let day = mis_core::DateRange::day(template.date);
    let back: Vec<_> = p
        .attendance(AttendanceQuery::new(day).student(&template.student_id))
        .try_collect()
        .await?;
    let found = back
        .iter()
        .find(|m| m.slot == slot && m.session == template.session);
    match found {
        Some(m) if m.category == other.category => Ok(()),
        Some(m) => fail!(
            "wrote {:?} ({}) but read back {:?} ({})",
            other.code,
            other.category,
            m.code,
            m.category
        ),
        None => fail!("wrote a mark but none read back for that slot"),
    }
}

/// No error text, and no `Debug` of the provider, contains a credential.
pub async fn no_secret_in_errors(p: &dyn MisProvider, e: &Expected) -> Outcome {
    let mut texts = vec![format!("{p:?}"), format!("{:?}", p.info())];
    let bogus = AttendanceQuery::new(e.range).student("no-such-student-\u{1f50e}");
    for r in [
        p.attendance(bogus).try_collect::<Vec<_>>().await.err(),
        p.students(StudentQuery::new().year_group("no-such-year"))
            .try_collect::<Vec<_>>()
            .await
            .err(),
    ]
    .into_iter()
    .flatten()
    {
        texts.push(format!("{r} {r:?}"));
    }
    for secret in &e.secrets {
        for t in &texts {
            if !secret.is_empty() && t.contains(secret.as_str()) {
                fail!(
                    "a secret was printed in: {}",
                    t.replace(secret.as_str(), "<SECRET>")
                );
            }
        }
    }
    Ok(())
}
