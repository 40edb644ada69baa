//! Properties of the synthetic school that emulators and round-trip tests rely on.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

use jiff::civil::{Date, Weekday, date};
use mis_core::{
    AttendanceCategory, DetentionStatus, EnrolmentStatus, GroupKind, Polarity, Session, Slot,
};
use mis_sandbox::school::{ClosureKind, Phase, RecordRange, School, SchoolOptions, is_valid_upn};

/// One mid-sized school shared by the read-only tests (generation is the slow part in debug).
fn school() -> &'static School {
    static SCHOOL: OnceLock<School> = OnceLock::new();
    SCHOOL.get_or_init(|| School::generate(7, 600))
}

fn on_roll(school: &School) -> impl Iterator<Item = &mis_core::Student> {
    school
        .students
        .iter()
        .filter(|s| s.enrolment_status == Some(EnrolmentStatus::OnRoll))
}

#[test]
fn same_seed_same_school_and_bytes() {
    let a = School::generate(42, 120);
    let b = School::generate(42, 120);
    assert_eq!(a, b);
    assert_eq!(
        serde_json::to_vec(&a).unwrap(),
        serde_json::to_vec(&b).unwrap()
    );
}

#[test]
fn different_seeds_differ() {
    let a = School::generate(1, 120);
    let b = School::generate(2, 120);
    assert_ne!(a.students, b.students);
    assert_ne!(a.session_marks, b.session_marks);
}

#[test]
fn serde_round_trip_is_lossless() {
    let a = School::generate(5, 40);
    let json = serde_json::to_string(&a).unwrap();
    let back: School = serde_json::from_str(&json).unwrap();
    assert_eq!(serde_json::to_string(&back).unwrap(), json);
    assert_eq!(back, a);
}

#[test]
fn tiny_school_works() {
    let s = School::generate(7, 10);
    let summary = s.summary();
    assert_eq!(summary.students_on_roll, 10);
    assert!(summary.leavers >= 2);
    assert_eq!(summary.year_groups, 5);
    assert!(summary.session_marks > 0 && summary.lesson_marks > 0);
    assert!(
        !s.lessons_between(s.academic_year.start_date, s.academic_year.end_date)
            .is_empty()
    );
}

#[test]
fn five_thousand_students() {
    // Fast enough in debug (well under a second in release; see benches/generate.rs).
    let s = School::generate(7, 5000);
    let summary = s.summary();
    assert_eq!(summary.students_on_roll, 5000);
    assert!(summary.staff < 5000 / 10, "staff {}", summary.staff);
    assert_registration_groups_sensible(&s, 28);
}

#[test]
fn every_student_has_a_unique_valid_upn_and_identifiers() {
    let s = school();
    let mut upns = BTreeSet::new();
    let mut emails = BTreeSet::new();
    for st in &s.students {
        let upn = st.upn().expect("every student has a UPN");
        assert_eq!(upn.len(), 13);
        assert!(is_valid_upn(upn), "{upn}");
        assert!(upns.insert(upn.to_string()), "duplicate UPN {upn}");
        assert!(st.identifier(&mis_core::IdentifierKind::MisId).is_some());
        assert!(emails.insert(st.email.clone().unwrap()), "duplicate e-mail");
        assert_eq!(st.provider, "sandbox");
    }
    let ids: BTreeSet<_> = s.students.iter().map(|s| &s.id).collect();
    assert_eq!(ids.len(), s.students.len());
}

#[test]
fn students_look_like_a_school_roll() {
    let s = school();
    let start = s.academic_year.start_date;
    let mut preferred = 0;
    let mut genders = BTreeMap::new();
    for st in on_roll(s) {
        let year: i16 = st.year_group.as_deref().unwrap().parse().unwrap();
        // In Year N on 1 September at age N + 4 (turning N + 5 during the year).
        let dob = st.date_of_birth.unwrap();
        let years = dob
            .until((jiff::Unit::Year, date(start.year(), 8, 31)))
            .unwrap()
            .get_years();
        assert_eq!(years, year + 4, "{dob} in year {year}");
        assert!(
            st.registration_group
                .as_deref()
                .unwrap()
                .starts_with(&year.to_string())
        );
        preferred += usize::from(st.preferred_first_name.is_some());
        *genders
            .entry(st.gender.clone().unwrap().to_string())
            .or_insert(0) += 1;
    }
    assert!(preferred > 0);
    assert!(
        genders["male"] > 200 && genders["female"] > 200,
        "{genders:?}"
    );
    let leavers: Vec<_> = s
        .students
        .iter()
        .filter(|st| st.enrolment_status == Some(EnrolmentStatus::Leaver))
        .collect();
    assert!(leavers.len() >= 2);
    for leaver in leavers {
        let year = (s.academic_year.start_date, s.academic_year.end_date);
        assert!(s.lessons_for_student(&leaver.id, year.0, year.1).is_empty());
        assert!(s.groups.iter().all(|g| !g.student_ids.contains(&leaver.id)));
        assert!(s.session_marks.iter().all(|m| m.student_id != leaver.id));
    }
}

fn assert_registration_groups_sensible(s: &School, max: usize) {
    let mut seen = BTreeSet::new();
    for g in s.groups_of(GroupKind::Registration) {
        assert!(!g.student_ids.is_empty());
        assert!(
            g.student_ids.len() <= max,
            "{} has {}",
            g.name,
            g.student_ids.len()
        );
        assert_eq!(g.staff_ids.len(), 1, "one tutor");
        for id in &g.student_ids {
            assert!(seen.insert(id.clone()), "{id} in two registration groups");
            assert_eq!(
                s.student(id).unwrap().registration_group.as_deref(),
                Some(g.name.as_str())
            );
        }
    }
    assert_eq!(seen.len(), on_roll(s).count());
}

#[test]
fn registration_groups_are_sensible() {
    let s = school();
    assert_registration_groups_sensible(s, 28);
    // 600 students: 120 per year, 5 forms of 24.
    assert!(
        s.groups_of(GroupKind::Registration)
            .all(|g| g.student_ids.len() >= 20)
    );
    let tutors: BTreeSet<_> = s
        .groups_of(GroupKind::Registration)
        .map(|g| &g.staff_ids[0])
        .collect();
    assert_eq!(
        tutors.len(),
        s.groups_of(GroupKind::Registration).count(),
        "one form per tutor"
    );
}

#[test]
fn calendar_has_terms_closures_and_alternating_weeks() {
    let s = school();
    assert_eq!(s.time_zone, "Europe/London");
    assert_eq!(s.terms.len(), 3);
    assert_eq!(s.academic_year.start_date, date(2024, 9, 2));
    assert_eq!(s.academic_year.end_date, date(2025, 7, 18));
    let kinds: BTreeSet<_> = s
        .calendar
        .closures
        .iter()
        .map(|c| format!("{:?}", c.kind))
        .collect();
    for kind in ["Inset", "HalfTerm", "Holiday"] {
        assert!(kinds.contains(kind), "{kinds:?}");
    }
    for day in &s.calendar.days {
        assert!(!matches!(
            day.date.weekday(),
            Weekday::Saturday | Weekday::Sunday
        ));
        assert!(s.calendar.closure_on(day.date).is_none());
        assert!(matches!(day.week, 1 | 2));
    }
}

#[test]
fn no_marks_on_weekends_closures_or_inset_days() {
    let s = school();
    let inset = s
        .calendar
        .closures
        .iter()
        .find(|c| c.kind == ClosureKind::Inset)
        .unwrap();
    let range = s.attendance_range.unwrap();
    assert!(
        range.contains(inset.start),
        "the default range covers the INSET day"
    );
    for m in s.session_marks.iter().chain(&s.lesson_marks) {
        assert!(s.calendar.is_school_day(m.date), "mark on {}", m.date);
        assert!(range.contains(m.date));
    }
}

#[test]
fn every_student_has_both_session_marks_every_school_day() {
    let s = school();
    let range = s.attendance_range.unwrap();
    let days = s.calendar.days_between(range.from(), range.to()).len();
    assert_eq!(s.session_marks.len(), days * 2 * on_roll(s).count());
    let mut per_student_day: BTreeMap<(&str, Date), Vec<Session>> = BTreeMap::new();
    for m in &s.session_marks {
        assert_eq!(m.slot, Slot::Session);
        per_student_day
            .entry((&m.student_id, m.date))
            .or_default()
            .push(m.session.unwrap());
    }
    assert!(
        per_student_day
            .values()
            .all(|v| v == &[Session::Am, Session::Pm])
    );
}

#[test]
fn session_code_frequencies_are_realistic() {
    let s = School::generate(11, 1000);
    let total = s.session_marks.len() as f64;
    let count = |code: &str| s.session_marks.iter().filter(|m| m.code == code).count() as f64;
    let present = count("/") + count("\\");
    assert!(present / total > 0.85, "present {:.3}", present / total);
    assert!(present / total < 0.97, "present {:.3}", present / total);
    for code in ["L", "I", "M", "C", "O", "G", "U", "N", "B", "V", "X", "-"] {
        assert!(count(code) > 0.0, "no {code}");
    }
    // L is the most common code after present; illness the most common absence.
    assert!(count("L") > count("M") && count("I") > count("M") && count("I") > count("O"));
    for m in &s.session_marks {
        let slash = match m.session.unwrap() {
            Session::Am => "/",
            Session::Pm => "\\",
        };
        assert!(
            m.code != "/" && m.code != "\\" || m.code == slash,
            "{} in {:?}",
            m.code,
            m.session
        );
        match m.code.as_str() {
            "L" => {
                assert!(m.late && m.category == AttendanceCategory::Present);
                assert!(m.minutes_late.is_some_and(|n| (1..=30).contains(&n)));
            }
            "U" => {
                assert!(m.late && m.category == AttendanceCategory::UnauthorisedAbsence);
                assert!(m.minutes_late.is_some_and(|n| n > 30));
            }
            "-" => assert_eq!(m.category, AttendanceCategory::NoMark),
            "I" | "M" | "C" => assert_eq!(m.category, AttendanceCategory::AuthorisedAbsence),
            "O" | "G" | "N" => assert_eq!(m.category, AttendanceCategory::UnauthorisedAbsence),
            "B" | "V" => assert_eq!(m.category, AttendanceCategory::ApprovedEducationalActivity),
            "X" => assert_eq!(m.category, AttendanceCategory::NotCounted),
            "/" | "\\" => assert_eq!(m.category, AttendanceCategory::Present),
            other => panic!("unexpected code {other}"),
        }
    }
}

#[test]
fn lesson_marks_agree_with_session_marks() {
    let s = school();
    let session: BTreeMap<(&str, Date, Session), &mis_core::AttendanceMark> = s
        .session_marks
        .iter()
        .map(|m| ((m.student_id.as_str(), m.date, m.session.unwrap()), m))
        .collect();
    let periods: BTreeMap<&str, Session> = s
        .periods
        .iter()
        .map(|p| (p.label.as_str(), p.session))
        .collect();
    let range = s.lesson_mark_range.unwrap();
    let lessons: BTreeMap<String, mis_core::Lesson> = s
        .lessons_between(range.from(), range.to())
        .into_iter()
        .map(|l| (l.id.clone(), l))
        .collect();
    assert!(!s.lesson_marks.is_empty());
    for m in &s.lesson_marks {
        assert_eq!(m.slot, Slot::Lesson);
        assert!(m.session.is_none());
        let lesson = &lessons[m.lesson_id.as_deref().unwrap()];
        assert_eq!(lesson.date, m.date);
        assert_eq!(lesson.period, m.period);
        let p = periods[m.period.as_deref().unwrap()];
        let sm = session[&(m.student_id.as_str(), m.date, p)];
        if sm.category.is_absence() && !sm.late || matches!(sm.code.as_str(), "B" | "V" | "X") {
            assert_eq!(
                m.code, sm.code,
                "absent from the session, so from its lessons"
            );
        }
        if sm.category == AttendanceCategory::Present && !sm.late {
            assert!(
                m.code == "/" || m.code == "L",
                "present in session: {}",
                m.code
            );
        }
    }
    // Every member of every lesson has a mark.
    let members: usize = lessons
        .values()
        .map(|l| {
            s.groups
                .iter()
                .find(|g| Some(&g.name) == l.group.as_ref())
                .unwrap()
                .student_ids
                .len()
        })
        .sum();
    assert_eq!(members, s.lesson_marks.len());
}

#[test]
fn lessons_fall_on_school_days_in_the_right_week() {
    let s = school();
    let slots: BTreeSet<(u8, u8, &str, &str)> = s
        .timetable
        .iter()
        .map(|t| {
            let label = &s
                .periods
                .iter()
                .find(|p| p.id == t.period_id)
                .unwrap()
                .label;
            (t.week, t.weekday, label.as_str(), t.group.as_str())
        })
        .collect();
    let from = s.academic_year.start_date;
    let to = date(2024, 11, 30);
    let lessons = s.lessons_between(from, to);
    assert!(!lessons.is_empty());
    let mut ids = BTreeSet::new();
    for l in &lessons {
        let week = s
            .calendar
            .week_of(l.date)
            .expect("lessons only on school days");
        let weekday = l.date.weekday().to_monday_one_offset() as u8;
        assert!(slots.contains(&(
            week,
            weekday,
            l.period.as_deref().unwrap(),
            l.group.as_deref().unwrap()
        )));
        assert_eq!(l.start.date(), l.date);
        assert!(l.start.timestamp() < l.end.timestamp());
        assert!(ids.insert(l.id.clone()), "duplicate lesson id");
    }
    // Clocks go back on 27 October 2024: the offset changes, the wall clock does not.
    let before = lessons
        .iter()
        .find(|l| l.date == date(2024, 10, 25))
        .unwrap();
    let after = lessons
        .iter()
        .find(|l| l.date == date(2024, 11, 4))
        .unwrap();
    assert!(before.start.to_string().ends_with("+01:00"));
    assert!(after.start.to_string().ends_with("+00:00"));
    assert!(
        s.lessons_between(date(2024, 10, 28), date(2024, 11, 1))
            .is_empty(),
        "half term"
    );
    assert!(
        s.lessons_between(date(2024, 9, 2), date(2024, 9, 2))
            .is_empty(),
        "INSET"
    );
}

#[test]
fn timetable_is_valid_for_students_teachers_and_rooms() {
    for s in [school(), &School::generate_with(3, 200, Phase::Primary)] {
        let mut teacher_busy = BTreeSet::new();
        let mut room_busy = BTreeSet::new();
        for t in &s.timetable {
            assert!(
                teacher_busy.insert((t.week, t.weekday, &t.period_id, &t.staff_id)),
                "teacher clash"
            );
            assert!(
                room_busy.insert((t.week, t.weekday, &t.period_id, &t.room_id)),
                "room clash"
            );
        }
        // Every student: exactly one lesson in each of the 50 slots, only in own year's groups.
        let from = s.academic_year.start_date;
        let fortnight = jiff::civil::date(2024, 9, 16);
        let student = on_roll(s).nth(3).unwrap();
        let lessons = s.lessons_for_student(&student.id, from, fortnight);
        let per_day: BTreeMap<Date, usize> = lessons.iter().fold(BTreeMap::new(), |mut m, l| {
            *m.entry(l.date).or_insert(0) += 1;
            m
        });
        assert!(
            per_day.values().all(|n| *n == s.periods.len()),
            "{per_day:?}"
        );
        let year = student.year_group.as_deref().unwrap();
        for l in &lessons {
            assert_eq!(l.student_id.as_deref(), Some(student.id.as_str()));
            assert!(l.group.as_deref().unwrap().starts_with(year));
        }
        let mut per_slot = BTreeMap::new();
        for g in s.groups_of(GroupKind::Teaching) {
            for t in s.timetable.iter().filter(|t| t.group_id == g.id) {
                for id in &g.student_ids {
                    *per_slot
                        .entry((id, t.week, t.weekday, &t.period_id))
                        .or_insert(0) += 1;
                }
            }
        }
        assert_eq!(per_slot.len(), on_roll(s).count() * 50);
        assert!(per_slot.values().all(|n| *n == 1));
    }
}

#[test]
fn teaching_groups_have_teacher_subject_and_members_of_one_year() {
    let s = school();
    for g in s.groups_of(GroupKind::Teaching) {
        assert_eq!(g.staff_ids.len(), 1);
        assert!(s.staff_member(&g.staff_ids[0]).is_some());
        assert!(g.subject.is_some());
        let years: BTreeSet<_> = g
            .student_ids
            .iter()
            .map(|id| s.student(id).unwrap().year_group.clone())
            .collect();
        assert_eq!(years.len(), 1, "{}", g.name);
    }
    assert!(s.groups_of(GroupKind::Teaching).any(|g| g.name == "9X/Ma1"));
    for st in &s.staff {
        assert!(st.title.is_some() && st.code.is_some() && st.email.is_some());
    }
}

#[test]
fn behaviour_has_both_polarities_and_happens_in_attended_lessons() {
    let s = school();
    let summary = s.summary();
    assert!(
        summary.positive_events > 0 && summary.negative_events > 0 && summary.neutral_events > 0
    );
    assert!(s.behaviour_events().any(|e| e.student_ids.len() == 2));
    let absent: BTreeSet<(&str, Date, Session)> = s
        .session_marks
        .iter()
        .filter(|m| !matches!(m.code.as_str(), "/" | "\\" | "L" | "-"))
        .map(|m| (m.student_id.as_str(), m.date, m.session.unwrap()))
        .collect();
    let mut last_id = 0u64;
    for b in &s.behaviour {
        let e = &b.event;
        let id: u64 = e.id.parse().unwrap();
        assert!(id > last_id);
        last_id = id;
        assert_eq!(e.polarity, Polarity::from_points(e.points.unwrap()));
        assert!(s.calendar.is_school_day(e.date));
        let at = e.occurred_at.as_ref().unwrap();
        assert_eq!(at.date(), e.date);
        let session = if at.zoned().hour() < 13 {
            Session::Am
        } else {
            Session::Pm
        };
        for student in &e.student_ids {
            assert!(
                !absent.contains(&(student.as_str(), e.date, session)),
                "event while absent"
            );
        }
        assert!(e.author.is_some());
        assert!(s.staff_member(&b.staff_id).is_some());
    }
}

#[test]
fn detentions_follow_negative_events() {
    let s = school();
    assert!(!s.detentions.is_empty());
    // Detentions after the last day with data are still to come; earlier ones have an outcome.
    let as_of = s.attendance_range.unwrap().to();
    for d in &s.detentions {
        let status = d.detention.status.clone().unwrap();
        assert_eq!(
            status == DetentionStatus::Scheduled,
            d.detention.date > as_of,
            "{status}"
        );
    }
    let statuses: BTreeSet<String> = s
        .detentions
        .iter()
        .map(|d| d.detention.status.clone().unwrap().to_string())
        .collect();
    assert!(
        statuses.contains("scheduled") && statuses.contains("attended"),
        "{statuses:?}"
    );
    for d in &s.detentions {
        let event = s
            .behaviour
            .iter()
            .find(|b| b.event.id == d.behaviour_event_id)
            .unwrap();
        assert_eq!(event.event.polarity, Polarity::Negative);
        assert!(event.event.student_ids.contains(&d.detention.student_id));
        assert!(d.detention.date > event.event.date);
        assert!(s.calendar.is_school_day(d.detention.date));
    }
}

#[test]
fn homework_is_set_and_due_in_lessons_of_its_group() {
    let s = school();
    assert!(!s.homework.is_empty());
    for h in &s.homework {
        let hw = &h.homework;
        let (set, due) = (hw.set_on.unwrap(), hw.due_on.unwrap());
        assert!(set < due);
        let group = s.group(&h.group_id).unwrap();
        assert_eq!(hw.group.as_ref(), Some(&group.name));
        let set_lessons = s.lessons_between(set, set);
        assert!(
            set_lessons
                .iter()
                .any(|l| l.group.as_ref() == Some(&group.name))
        );
    }
}

#[test]
fn primary_school() {
    let s = School::generate_with(9, 210, Phase::Primary);
    let years: BTreeSet<_> = s
        .students
        .iter()
        .filter_map(|st| st.year_group.clone())
        .collect();
    assert_eq!(
        years,
        ["1", "2", "3", "4", "5", "6", "R"].map(String::from).into()
    );
    assert_registration_groups_sensible(&s, 30);
    assert!(s.name.contains("Primary") || s.name.contains("Junior"));
    // Reception children can be marked X (not of compulsory age).
    assert!(s.session_marks.iter().any(|m| m.code != "/"));
}

#[test]
fn attendance_range_is_a_parameter() {
    let none = School::generate_with(1, 30, SchoolOptions::new().attendance(RecordRange::None));
    assert!(
        none.session_marks.is_empty() && none.lesson_marks.is_empty() && none.behaviour.is_empty()
    );
    let week = School::generate_with(
        1,
        30,
        SchoolOptions::new()
            .attendance(RecordRange::Dates {
                from: date(2024, 11, 4),
                to: date(2024, 11, 8),
            })
            .lesson_marks(RecordRange::WholeYear),
    );
    assert_eq!(week.session_marks.len(), 5 * 2 * 30);
    assert!(
        week.lesson_marks
            .iter()
            .all(|m| m.date >= date(2024, 11, 4))
    );
    assert_eq!(week.lesson_marks.len(), 5 * 5 * 30);
}

#[test]
fn an_academic_year_before_the_2024_code_change() {
    let s = School::generate_with(3, 50, SchoolOptions::new().academic_year(2023));
    assert_eq!(s.academic_year.name, "2023/2024");
    assert!(s.academic_year.end_date < date(2024, 8, 19));
    let codes: BTreeSet<_> = s.attendance_codes.iter().map(|c| c.code.as_str()).collect();
    assert!(codes.contains("J") && !codes.contains("J1"));
    assert!(
        s.session_marks
            .iter()
            .all(|m| m.category != AttendanceCategory::Unmapped)
    );
    let now = school();
    let codes: BTreeSet<_> = now
        .attendance_codes
        .iter()
        .map(|c| c.code.as_str())
        .collect();
    assert!(codes.contains("J1") && codes.contains("K") && !codes.contains("J"));
}
