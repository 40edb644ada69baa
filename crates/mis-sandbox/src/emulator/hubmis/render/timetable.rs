//! The cyclic timetable and the dated timetable calendar.

use jiff::civil::Date;
use serde_json::{Value, json};

use super::super::int_id;
use super::{Index, academic_year_ref, group_code, staff_ref};
use crate::school::{Period, School, TimetableSlot};

fn period<'s>(school: &'s School, id: &str) -> Option<&'s Period> {
    school.periods.iter().find(|p| p.id == id)
}

/// One timetabled lesson: period, subject set (the teaching group, with its subject), room
/// and staff. `name` is the period label, so `subject_set.name` + date + `name` give the
/// lesson id the school uses ([`School::lesson_id`]).
fn lesson(school: &School, index: &Index, slot: &TimetableSlot) -> Value {
    let p = period(school, &slot.period_id);
    let subject = school.subjects.iter().find(|s| s.id == slot.subject_id);
    let group = index.groups.get(&slot.group_id).map(|g| &school.groups[*g]);
    let room = school.rooms.iter().find(|r| r.id == slot.room_id);
    json!({
        "id": int_id(&slot.period_id),
        "name": p.map(|p| p.label.clone()),
        "start_time": p.map(|p| p.start.to_string()),
        "end_time": p.map(|p| p.end.to_string()),
        "subject_set": {
            "id": int_id(&slot.group_id),
            "name": slot.group,
            "code": group.map_or_else(|| slot.group.clone(), group_code),
            "subject": subject.map(|s| json!({
                "id": int_id(&s.id),
                "name": s.name,
                "code": s.code,
            })),
        },
        "room": room.map(|r| json!({ "id": int_id(&r.id), "room_code": r.code })),
        "staff": index.staff(school, &slot.staff_id).map(staff_ref).into_iter().collect::<Vec<_>>(),
    })
}

fn weekday_name(weekday: u8) -> &'static str {
    ["monday", "tuesday", "wednesday", "thursday", "friday"]
        .get(usize::from(weekday.saturating_sub(1)))
        .copied()
        .unwrap_or("unknown")
}

/// `GET /students/{id}/timetable`: the student's cyclic two-week timetable ("Fetch
/// collection of Timetable Periods that the Student is allocated against"); its shape is
/// collapsed in the document and inferred from the "Timetables: Get single Timetable" sample
/// (`rotating`, `duration_days`, `date_from`, `date_to`). `day` runs 1–10 over the cycle.
pub fn timetable(school: &School, index: &Index, student_id: &str) -> Value {
    let groups = index.teaching_groups(school, student_id);
    let periods: Vec<Value> = school
        .timetable
        .iter()
        .filter(|slot| groups.contains(&slot.group_id))
        .map(|slot| {
            let mut v = lesson(school, index, slot);
            v["day"] = json!((slot.week - 1) * 5 + slot.weekday);
            v["week"] = json!(slot.week);
            v["day_of_week"] = json!(weekday_name(slot.weekday));
            v
        })
        .collect();
    json!({
        "timetables": [{
            "id": 1,
            "academic_year": academic_year_ref(school),
            "name": format!("{} two-week timetable", school.academic_year.name),
            "rotating": true,
            "duration_days": 10,
            "date_from": school.academic_year.start_date.to_string(),
            "date_to": school.academic_year.end_date.to_string(),
            "periods": periods,
        }]
    })
}

/// `GET /students/{id}/timetable/calendar`: the two-week timetable expanded over the school
/// days from `from` to `to` (an inferred shape). Days on which the student has no lesson
/// (weekends, holidays, INSET days; every day for a leaver) are left out.
pub fn calendar(school: &School, index: &Index, student_id: &str, from: Date, to: Date) -> Value {
    let groups = index.teaching_groups(school, student_id);
    dated(school, index, from, to, |s| groups.contains(&s.group_id))
}

/// `GET /staff/{id}/timetable/calendar` ("Staff: Fetch Timetable Calendar"): the lessons the
/// member of staff teaches, expanded over the school days from `from` to `to`, in the same
/// shape as a student's calendar (the document gives both the same `{"calendar": [ ]}`
/// sample). A member of staff who teaches nothing gets `{"calendar": []}`.
pub fn staff_calendar(
    school: &School,
    index: &Index,
    staff_id: &str,
    from: Date,
    to: Date,
) -> Value {
    dated(school, index, from, to, |s| s.staff_id == staff_id)
}

/// The timetable slots `pick` keeps, laid over the school days from `from` to `to`; days
/// without one are left out.
fn dated(
    school: &School,
    index: &Index,
    from: Date,
    to: Date,
    pick: impl Fn(&TimetableSlot) -> bool,
) -> Value {
    let mut days = Vec::new();
    for day in school.calendar.days_between(from, to) {
        let weekday = day.date.weekday().to_monday_one_offset() as u8;
        // `school.timetable` is ordered by week, weekday, period and group: so is the day.
        let periods: Vec<Value> = school
            .timetable
            .iter()
            .filter(|s| s.week == day.week && s.weekday == weekday && pick(s))
            .map(|s| lesson(school, index, s))
            .collect();
        if periods.is_empty() {
            continue;
        }
        days.push(json!({ "date": day.date.to_string(), "periods": periods }));
    }
    json!({ "calendar": days })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_calendar_is_the_schools_own_expansion() {
        let school = School::generate(11, 40);
        let index = Index::new(&school);
        let s = &school.students[0];
        let from = school.academic_year.start_date;
        let to = jiff::ToSpan::days(20);
        let to = from.checked_add(to).unwrap();
        let ours: Vec<(String, String, String)> =
            calendar(&school, &index, &s.id, from, to)["calendar"]
                .as_array()
                .unwrap()
                .iter()
                .flat_map(|d| {
                    let date = d["date"].as_str().unwrap().to_string();
                    d["periods"].as_array().unwrap().iter().map(move |p| {
                        (
                            date.clone(),
                            p["name"].as_str().unwrap().to_string(),
                            p["subject_set"]["name"].as_str().unwrap().to_string(),
                        )
                    })
                })
                .collect();
        let theirs: Vec<(String, String, String)> = school
            .lessons_for_student(&s.id, from, to)
            .into_iter()
            .map(|l| (l.date.to_string(), l.period.unwrap(), l.group.unwrap()))
            .collect();
        assert!(!ours.is_empty());
        assert_eq!(ours, theirs);
    }

    #[test]
    fn the_staff_calendars_together_hold_every_lesson_once() {
        let school = School::generate(11, 40);
        let index = Index::new(&school);
        let from = school.academic_year.start_date;
        let to = from.checked_add(jiff::ToSpan::days(13)).unwrap();
        let mut ours: Vec<(String, String, String)> = school
            .staff
            .iter()
            .flat_map(|m| {
                staff_calendar(&school, &index, &m.id, from, to)["calendar"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .flat_map(|d| {
                        let date = d["date"].as_str().unwrap().to_string();
                        d["periods"].as_array().unwrap().iter().map(move |p| {
                            (
                                date.clone(),
                                p["name"].as_str().unwrap().to_string(),
                                p["subject_set"]["name"].as_str().unwrap().to_string(),
                            )
                        })
                    })
                    .collect::<Vec<_>>()
            })
            .collect();
        let mut theirs: Vec<(String, String, String)> = school
            .lessons_between(from, to)
            .into_iter()
            .map(|l| (l.date.to_string(), l.period.unwrap(), l.group.unwrap()))
            .collect();
        ours.sort();
        theirs.sort();
        assert!(!ours.is_empty());
        assert_eq!(ours, theirs);
    }
}
