//! Every capability flag, checked against what the provider does.
//!
//! A flag claimed `true` must have a scenario that passes; a flag `false` must make the
//! matching call fail with `Unsupported` (an entity) or refuse the filter (a query filter),
//! never return a silently empty or silently unfiltered answer. [`every_capability_flag`]
//! walks [`Capabilities::flags`], so a flag added to `mis-core` without a check here fails
//! the suite for every provider.

use futures::{Stream, TryStreamExt};
use mis_core::{
    AttendanceMark, AttendanceQuery, BehaviourQuery, Capabilities, DetentionQuery, EnrolmentStatus,
    ErrorKind, HomeworkQuery, MisProvider, Result, Slot, StudentQuery,
};

use crate::scenarios::{Failure, Outcome};
use crate::{Entity, Expected};

macro_rules! fail {
    ($($arg:tt)*) => { return Err(Failure(format!($($arg)*))) };
}

/// Checks every flag of `p.capabilities()` (see the module docs). Reads are small: one list
/// per reference entity, one filtered read per filter flag, and the entity scenarios the
/// flags name.
pub async fn every_capability_flag(p: &dyn MisProvider, e: &Expected) -> Outcome {
    let caps = p.capabilities();
    let mut marks = None;
    for (flag, on) in caps.flags() {
        check_flag(p, e, &caps, flag, on, &mut marks)
            .await
            .map_err(|f| Failure(format!("capability `{flag}` = {on}: {f}")))?;
    }
    Ok(())
}

async fn check_flag(
    p: &dyn MisProvider,
    e: &Expected,
    caps: &Capabilities,
    flag: &str,
    on: bool,
    marks: &mut Option<Vec<AttendanceMark>>,
) -> Outcome {
    let entity = |entity: Entity| async move {
        if on {
            entity.check(p, e).await
        } else {
            entity.check_unsupported(p, e).await
        }
    };
    match flag {
        "students" => entity(Entity::students).await,
        "timetable" => entity(Entity::timetable).await,
        "behaviour" => entity(Entity::behaviour).await,
        // A school (or variant) with nothing in range to copy has nothing to write back; the
        // main suite's school does.
        "write_attendance"
            if on
                && !e.data.marks.iter().any(|m| {
                    matches!(m.slot, Slot::Session | Slot::Day) && e.range.contains(m.date)
                }) =>
        {
            Ok(())
        }
        "write_attendance" => entity(Entity::write_attendance).await,
        "attendance_sessions" => mark_kind(p, e, caps, Slot::Session, on, marks).await,
        "attendance_lessons" => mark_kind(p, e, caps, Slot::Lesson, on, marks).await,
        "attendance_days" => mark_kind(p, e, caps, Slot::Day, on, marks).await,
        "staff" => listed(p.staff(), e.data.staff.len(), on).await,
        "groups" => listed(p.groups(), e.data.groups.len(), on).await,
        "academic_years" => {
            listed(p.academic_years(), e.data.academic_years.len(), on).await?;
            listed(p.terms(), e.data.terms.len(), on).await
        }
        "attendance_codes" => listed(p.attendance_codes(), e.data.attendance_codes.len(), on).await,
        "homework" => {
            let q = HomeworkQuery::new(e.range);
            let expected = e.data.homework.len();
            listed(p.homework(q), expected, on).await
        }
        "detentions" => {
            let q = DetentionQuery::new(e.range);
            let expected = e.data.detentions.len();
            listed(p.detentions(q), expected, on).await
        }
        "filter_student" => filter_student(p, e, caps, on).await,
        "filter_year_group" => filter_year_group(p, e, caps, on).await,
        "filter_leavers" => filter_leavers(p, e, caps, on).await,
        other => fail!("mis-testkit has no check for the flag `{other}`: add one to flags.rs"),
    }
}

/// Reads a whole stream.
async fn all<T>(s: impl Stream<Item = Result<T>>) -> Result<Vec<T>> {
    s.try_collect().await
}

/// The first item or error of a stream, without reading the rest.
async fn first<T>(s: impl Stream<Item = Result<T>> + Unpin) -> Result<Option<T>> {
    let mut s = s;
    s.try_next().await
}

/// A refusal: the typed error a call must fail with when the flag is false.
fn refused(kind: ErrorKind) -> bool {
    matches!(kind, ErrorKind::Unsupported | ErrorKind::InvalidInput)
}

/// A reference list: on, it reads without error and is not empty when the school has some;
/// off, it is `Unsupported`.
async fn listed<T>(s: impl Stream<Item = Result<T>> + Unpin, expected: usize, on: bool) -> Outcome {
    if on {
        let got = all(s).await?;
        if got.is_empty() && expected > 0 {
            fail!("declared, but the list came back empty (the school has {expected})");
        }
        Ok(())
    } else {
        match first(s).await {
            Err(err) if err.kind() == ErrorKind::Unsupported => Ok(()),
            Err(err) => fail!(
                "not declared: expected Unsupported, got {:?}: {err}",
                err.kind()
            ),
            Ok(_) => fail!("not declared: expected Unsupported, got a result"),
        }
    }
}

/// An attendance register kind: on, the provider returns marks of that kind when the school
/// has some in the range; off, it never returns one.
///
/// The three register kinds are checked against one read of the range (`marks`, filled by
/// the first of them): the same query three times would only triple the requests.
async fn mark_kind(
    p: &dyn MisProvider,
    e: &Expected,
    caps: &Capabilities,
    slot: Slot,
    on: bool,
    marks: &mut Option<Vec<AttendanceMark>>,
) -> Outcome {
    if !caps.attendance() {
        // No attendance at all: the `attendance` entity is checked unsupported once.
        return Entity::attendance.check_unsupported(p, e).await;
    }
    let marks = match marks {
        Some(marks) => marks,
        None => marks.insert(all(p.attendance(AttendanceQuery::new(e.range))).await?),
    };
    let got = marks.iter().filter(|m| m.slot == slot).count();
    let expected = e
        .data
        .marks
        .iter()
        .filter(|m| m.slot == slot && e.range.contains(m.date))
        .count();
    match (on, got) {
        (true, 0) if expected > 0 => {
            fail!("declared, but no {slot:?} mark came back (the school has {expected})")
        }
        (false, n) if n > 0 => fail!("not declared, but {n} {slot:?} marks came back"),
        _ => Ok(()),
    }
}

/// `student_id` on attendance and behaviour: on, only that student's records come back;
/// off, the filtered call is refused.
async fn filter_student(
    p: &dyn MisProvider,
    e: &Expected,
    caps: &Capabilities,
    on: bool,
) -> Outcome {
    // The student with the most marks in range, so the filtered read has something to show.
    let mut counts = std::collections::BTreeMap::<&str, usize>::new();
    for m in e.data.marks.iter().filter(|m| e.range.contains(m.date)) {
        *counts.entry(m.student_id.as_str()).or_default() += 1;
    }
    let Some((student, _)) = counts
        .iter()
        .max_by_key(|(id, n)| (**n, std::cmp::Reverse(**id)))
    else {
        return Ok(()); // nothing in range to filter
    };
    let student = student.to_string();
    if caps.attendance() {
        let q = AttendanceQuery::new(e.range).student(student.clone());
        check_filtered(
            p.attendance(q),
            |m| m.student_id == student,
            on,
            "attendance",
        )
        .await?;
    }
    if caps.behaviour {
        let q = BehaviourQuery::new(e.range).student(student.clone());
        check_filtered(
            p.behaviour(q),
            |b| b.student_ids.contains(&student),
            on,
            "behaviour",
        )
        .await?;
    }
    Ok(())
}

async fn check_filtered<T>(
    s: impl Stream<Item = Result<T>> + Unpin,
    keep: impl Fn(&T) -> bool,
    on: bool,
    what: &str,
) -> Outcome {
    if on {
        let got = all(s).await?;
        let strays = got.iter().filter(|r| !keep(r)).count();
        if strays > 0 {
            fail!("{what} for one student returned {strays} records of other students");
        }
        Ok(())
    } else {
        match first(s).await {
            Err(err) if refused(err.kind()) => Ok(()),
            Err(err) => fail!(
                "not declared: expected a refusal, got {:?}: {err}",
                err.kind()
            ),
            Ok(_) => fail!("not declared: {what} for one student was not refused"),
        }
    }
}

/// `StudentQuery::year_group`: on, only that year group comes back, all of it; off, refused.
async fn filter_year_group(
    p: &dyn MisProvider,
    e: &Expected,
    caps: &Capabilities,
    on: bool,
) -> Outcome {
    if !caps.students {
        return Ok(());
    }
    let on_roll = |s: &&mis_core::Student| s.enrolment_status != Some(EnrolmentStatus::Leaver);
    let Some(year) = e
        .data
        .students
        .iter()
        .filter(on_roll)
        .find_map(|s| s.year_group.clone())
    else {
        return Ok(());
    };
    let q = StudentQuery::new().year_group(year.clone());
    if on {
        let got = all(p.students(q)).await?;
        let strays = got
            .iter()
            .filter(|s| s.year_group.as_deref() != Some(&year))
            .count();
        let expected = e
            .data
            .students
            .iter()
            .filter(on_roll)
            .filter(|s| s.year_group.as_deref() == Some(&year))
            .count();
        if strays > 0 {
            fail!("year group {year:?} returned {strays} students of other years");
        }
        if got.len() < expected {
            fail!(
                "year group {year:?}: {} students, the school has {expected}",
                got.len()
            );
        }
        Ok(())
    } else {
        match first(p.students(q)).await {
            Err(err) if refused(err.kind()) => Ok(()),
            Err(err) => fail!(
                "not declared: expected a refusal, got {:?}: {err}",
                err.kind()
            ),
            Ok(_) => fail!("not declared: a year-group filter was not refused"),
        }
    }
}

/// `StudentQuery::include_leavers`: on, the school's leavers come back; off, the vendor
/// cannot list leavers, so asking for them is either refused or answered with exactly the
/// on-roll list (no student claimed as a leaver, none added): `mis sync` asks every vendor
/// for leavers, so a vendor without them must not fail the read.
async fn filter_leavers(
    p: &dyn MisProvider,
    e: &Expected,
    caps: &Capabilities,
    on: bool,
) -> Outcome {
    if !caps.students {
        return Ok(());
    }
    let leavers: Vec<&str> = e
        .data
        .students
        .iter()
        .filter(|s| s.enrolment_status == Some(EnrolmentStatus::Leaver))
        .map(|s| s.id.as_str())
        .collect();
    let q = StudentQuery::new().include_leavers(true);
    if on {
        let got = all(p.students(q)).await?;
        let missing = leavers
            .iter()
            .filter(|id| !got.iter().any(|s| s.id == **id))
            .count();
        if missing > 0 {
            fail!(
                "{missing} of the school's {} leavers did not come back",
                leavers.len()
            );
        }
        Ok(())
    } else {
        let with = match all(p.students(q)).await {
            Err(err) if refused(err.kind()) => return Ok(()),
            other => other?,
        };
        let without = all(p.students(StudentQuery::new())).await?;
        if with
            .iter()
            .any(|s| s.enrolment_status == Some(EnrolmentStatus::Leaver))
        {
            fail!("not declared, but a student came back as a leaver");
        }
        if with.len() != without.len() {
            fail!(
                "not declared, but asking for leavers changed the list ({} students, {} without)",
                with.len(),
                without.len()
            );
        }
        Ok(())
    }
}
