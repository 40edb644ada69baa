//! The synthetic school: one deterministic school in the normalised model.
//!
//! [`School::generate`] builds everything the vendor emulators render and the round-trip
//! tests compare against: students with UPNs, staff, year / registration / house / teaching
//! groups, a calendar with holidays and an INSET day, a valid two-week timetable, session and
//! lesson attendance with realistic DfE code frequencies, behaviour events, homework and
//! detentions.
//!
//! Everything is plain data (`Vec`s in a fixed order, no hash maps), so the same seed and
//! size give the same school and the same `serde_json` bytes on every machine.
//!
//! ```
//! use mis_sandbox::school::{Phase, School};
//!
//! let school = School::generate(7, 60);
//! assert_eq!(school.summary().students_on_roll, 60);
//! let primary = School::generate_with(7, 60, Phase::Primary);
//! assert_eq!(primary.students[0].year_group.as_deref(), Some("6"));
//! ```

mod attendance;
mod behaviour;
mod calendar;
mod homework;
mod names;
mod rng;
mod students;
mod timetable;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use jiff::civil::Date;
use jiff::tz::TimeZone;
use mis_core::{
    AcademicYear, AttendanceCode, AttendanceMark, BehaviourEvent, DateRange, DateTime, Group,
    GroupKind, Lesson, Polarity, Session, Slot, Staff, Student, Term,
};
use serde::{Deserialize, Serialize};

pub use behaviour::{BehaviourRecord, DetentionRecord};
pub use calendar::{Calendar, Closure, ClosureKind, SchoolDay};
pub use homework::HomeworkRecord;
pub use students::{Enrolment, is_valid_upn};
pub use timetable::{Period, RegisterWindow, Room, Subject, TimetableSlot};

use rng::Dice;
use timetable::{SLOTS, slot_index, slot_parts};

/// The vendor id written on every record of the synthetic school.
pub const PROVIDER: &str = "sandbox";

/// The school's IANA time zone.
pub const TIME_ZONE: &str = "Europe/London";

/// Primary (Reception–Year 6) or secondary (Years 7–11).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// Reception and Years 1–6; one class teacher teaches each class everything.
    Primary,
    /// Years 7–11; subject teachers, half-year blocks and sets.
    #[default]
    Secondary,
}

/// Which dates get generated records (attendance, behaviour, homework, detentions).
///
/// A full year of lesson marks for 5,000 students is millions of records, so the defaults
/// cover the start of the autumn term; ask for more when a test needs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum RecordRange {
    /// No records.
    None,
    /// The first `weeks` calendar weeks from the first day of the academic year.
    FirstWeeks {
        /// Number of weeks.
        weeks: u8,
    },
    /// The dates from `from` to `to` (inclusive); only school days get records.
    Dates {
        /// First date.
        from: Date,
        /// Last date.
        to: Date,
    },
    /// The whole academic year.
    WholeYear,
}

impl RecordRange {
    /// The concrete date range inside `year`, if any.
    pub fn resolve(self, year: &AcademicYear) -> Option<DateRange> {
        let (start, end) = (year.start_date, year.end_date);
        let (from, to) = match self {
            RecordRange::None => return None,
            RecordRange::FirstWeeks { weeks: 0 } => return None,
            RecordRange::FirstWeeks { weeks } => (
                start,
                calendar::add_days(start, i64::from(weeks) * 7 - 1).min(end),
            ),
            RecordRange::Dates { from, to } => (from, to),
            RecordRange::WholeYear => (start, end),
        };
        DateRange::new(from, to).ok()
    }
}

/// How to build the school beyond seed and size.
///
/// ```
/// use mis_sandbox::school::{Phase, RecordRange, School, SchoolOptions};
///
/// let options = SchoolOptions::new()
///     .phase(Phase::Primary)
///     .academic_year(2023)
///     .attendance(RecordRange::FirstWeeks { weeks: 2 });
/// let school = School::generate_with(1, 40, options);
/// assert_eq!(school.academic_year.name, "2023/2024");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SchoolOptions {
    /// Primary or secondary (default secondary).
    pub phase: Phase,
    /// The calendar year the academic year starts in (default 2024, i.e. 2024/2025). Years
    /// before 2024 use the DfE code set in force before 2024-08-19.
    pub academic_year: i16,
    /// Dates with session marks, behaviour, homework and detentions (default: the first six
    /// weeks).
    pub attendance: RecordRange,
    /// Dates with lesson marks (default: the first two weeks, one timetable cycle). Lesson
    /// marks follow the session marks, so only dates inside `attendance` get them.
    pub lesson_marks: RecordRange,
    /// How the emulators render this school: the vendor's common shape, or the documented
    /// variants real schools also send (see [`Profile`]).
    #[serde(default)]
    pub profile: Profile,
}

/// Which of a vendor's documented shapes an emulator serves.
///
/// Real schools differ in ways the vendor documents or that other clients have recorded
/// (school-defined register keys, hidden codes, tenant attendance categories, capped pages…).
/// Each emulator serves its vendor's common shape for [`Profile::Standard`] and those recorded
/// variants for [`Profile::Variant`]; each emulator module's docs list its variants. The
/// conformance suite runs against both, so a client that only handles one shape fails.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Profile {
    /// The vendor's common shape.
    #[default]
    Standard,
    /// The documented variants real schools also send.
    Variant,
}

impl Default for SchoolOptions {
    fn default() -> Self {
        SchoolOptions {
            phase: Phase::Secondary,
            academic_year: 2024,
            attendance: RecordRange::FirstWeeks { weeks: 6 },
            lesson_marks: RecordRange::FirstWeeks { weeks: 2 },
            profile: Profile::Standard,
        }
    }
}

impl SchoolOptions {
    /// The defaults: secondary, 2024/2025, six weeks of records, two weeks of lesson marks.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the rendering profile.
    pub fn profile(mut self, profile: Profile) -> Self {
        self.profile = profile;
        self
    }

    /// Sets the phase.
    pub fn phase(mut self, phase: Phase) -> Self {
        self.phase = phase;
        self
    }

    /// Sets the year the academic year starts in (2000–2090).
    pub fn academic_year(mut self, start_year: i16) -> Self {
        self.academic_year = start_year;
        self
    }

    /// Sets the dates with session marks, behaviour, homework and detentions.
    pub fn attendance(mut self, range: RecordRange) -> Self {
        self.attendance = range;
        self
    }

    /// Sets the dates with lesson marks.
    pub fn lesson_marks(mut self, range: RecordRange) -> Self {
        self.lesson_marks = range;
        self
    }
}

impl From<Phase> for SchoolOptions {
    fn from(phase: Phase) -> Self {
        SchoolOptions::new().phase(phase)
    }
}

/// A year group as the generator sees it.
#[derive(Debug, Clone)]
pub(crate) struct YearSpec {
    /// The MIS label: `R`, `1` … `11`.
    pub label: String,
    /// National curriculum year number (Reception = 0).
    pub number: u8,
}

/// One synthetic school. See the [module docs](self).
///
/// Records are ordered so that they can be compared and paged directly: students by id
/// (oldest year first), marks by date then student, events by time (ids ascend with time).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct School {
    /// Vendor id on every record: [`PROVIDER`].
    pub provider: String,
    /// The seed it was generated from.
    pub seed: u64,
    /// The options it was generated with.
    pub options: SchoolOptions,
    /// School name, e.g. `Brookfield Academy`.
    pub name: String,
    /// A URN-like six-digit id.
    pub urn: String,
    /// LA code + establishment number (`8864123`), as MIS and DfE returns write it.
    pub dfe_number: String,
    /// IANA time zone: [`TIME_ZONE`].
    pub time_zone: String,
    /// Domain of every e-mail address (reserved `.example` TLD).
    pub email_domain: String,
    /// The academic year.
    pub academic_year: AcademicYear,
    /// Autumn, spring and summer terms.
    pub terms: Vec<Term>,
    /// School days (with timetable week) and closures.
    pub calendar: Calendar,
    /// The periods of every day.
    pub periods: Vec<Period>,
    /// When the AM and PM registers are taken.
    pub registers: Vec<RegisterWindow>,
    /// Subjects.
    pub subjects: Vec<Subject>,
    /// Rooms.
    pub rooms: Vec<Room>,
    /// Staff: leadership first, then teachers.
    pub staff: Vec<Staff>,
    /// Students: on roll (by id), then a few leavers.
    pub students: Vec<Student>,
    /// Admission and leaving dates, one per student, same order.
    pub enrolments: Vec<Enrolment>,
    /// Year groups, registration groups, houses, teaching groups (in that order), with
    /// members. Leavers are in none.
    pub groups: Vec<Group>,
    /// The two-week timetable, ordered by week, weekday, period, group.
    pub timetable: Vec<TimetableSlot>,
    /// The attendance code book in force in this academic year.
    pub attendance_codes: Vec<AttendanceCode>,
    /// Dates with session marks, behaviour, homework and detentions.
    pub attendance_range: Option<DateRange>,
    /// Dates with lesson marks.
    pub lesson_mark_range: Option<DateRange>,
    /// AM/PM session marks: every on-roll student, every school day of `attendance_range`.
    pub session_marks: Vec<AttendanceMark>,
    /// Lesson marks: every student in every lesson of `lesson_mark_range`, consistent with
    /// the session marks.
    pub lesson_marks: Vec<AttendanceMark>,
    /// Behaviour events in time order.
    pub behaviour: Vec<BehaviourRecord>,
    /// Homework set to teaching groups, by date set.
    pub homework: Vec<HomeworkRecord>,
    /// Detentions following incidents, by date.
    pub detentions: Vec<DetentionRecord>,
}

impl School {
    /// A secondary school (Years 7–11) of `size` on-roll students, with the default
    /// [`SchoolOptions`].
    ///
    /// # Panics
    ///
    /// If `size` is 0.
    pub fn generate(seed: u64, size: usize) -> School {
        School::generate_with(seed, size, SchoolOptions::default())
    }

    /// A school of `size` on-roll students built with `options` (a [`Phase`] converts into
    /// options).
    ///
    /// # Panics
    ///
    /// If `size` is 0 or the academic year is outside 2000–2090.
    pub fn generate_with(seed: u64, size: usize, options: impl Into<SchoolOptions>) -> School {
        let options = options.into();
        assert!(size > 0, "a school needs at least one student");
        assert!(
            (2000..=2090).contains(&options.academic_year),
            "academic year {} is outside 2000–2090",
            options.academic_year
        );
        build(seed, size, options)
    }

    /// The school's time zone.
    pub fn tz(&self) -> TimeZone {
        TimeZone::get(&self.time_zone).expect("the school's time zone is in the bundled tzdb")
    }

    /// Counts of everything, for logs and quick checks.
    pub fn summary(&self) -> Summary {
        let kind = |k: GroupKind| self.groups.iter().filter(|g| g.kind == k).count();
        let polarity = |p: Polarity| {
            self.behaviour
                .iter()
                .filter(|b| b.event.polarity == p)
                .count()
        };
        let mut session_codes = BTreeMap::new();
        for m in &self.session_marks {
            *session_codes.entry(m.code.clone()).or_insert(0) += 1;
        }
        let leavers = self
            .enrolments
            .iter()
            .filter(|e| e.leaving_date.is_some())
            .count();
        Summary {
            name: self.name.clone(),
            phase: self.options.phase,
            academic_year: self.academic_year.name.clone(),
            students_on_roll: self.students.len() - leavers,
            leavers,
            staff: self.staff.len(),
            year_groups: kind(GroupKind::Year),
            registration_groups: kind(GroupKind::Registration),
            houses: kind(GroupKind::House),
            teaching_groups: kind(GroupKind::Teaching),
            subjects: self.subjects.len(),
            rooms: self.rooms.len(),
            school_days: self.calendar.days.len(),
            timetable_slots: self.timetable.len(),
            session_marks: self.session_marks.len(),
            lesson_marks: self.lesson_marks.len(),
            positive_events: polarity(Polarity::Positive),
            negative_events: polarity(Polarity::Negative),
            neutral_events: polarity(Polarity::Neutral),
            homework: self.homework.len(),
            detentions: self.detentions.len(),
            session_codes,
        }
    }

    /// The student with vendor id `id`.
    pub fn student(&self, id: &str) -> Option<&Student> {
        self.students.iter().find(|s| s.id == id)
    }

    /// The staff member with id `id`.
    pub fn staff_member(&self, id: &str) -> Option<&Staff> {
        self.staff.iter().find(|s| s.id == id)
    }

    /// The group with id `id`.
    pub fn group(&self, id: &str) -> Option<&Group> {
        self.groups.iter().find(|g| g.id == id)
    }

    /// The groups of one kind, in order.
    pub fn groups_of(&self, kind: GroupKind) -> impl Iterator<Item = &Group> {
        self.groups.iter().filter(move |g| g.kind == kind)
    }

    /// The behaviour events without their sandbox context.
    pub fn behaviour_events(&self) -> impl Iterator<Item = &BehaviourEvent> {
        self.behaviour.iter().map(|b| &b.event)
    }

    /// How timetables, behaviour logs and homework name a member of staff: `Mr J Smith`.
    pub fn display_name(staff: &Staff) -> String {
        let initial: String = staff.first_name.chars().take(1).collect();
        match &staff.title {
            Some(title) => format!("{title} {initial} {}", staff.last_name),
            None => format!("{initial} {}", staff.last_name),
        }
    }

    /// The lesson id used for a group's lesson on a date in a period (by label): the same on
    /// lessons, lesson marks and behaviour events.
    pub fn lesson_id(group: &str, date: Date, period_label: &str) -> String {
        mis_core::stable_lesson_id(group, date, period_label)
    }

    /// Every lesson from `from` to `to` (inclusive): the two-week timetable expanded over the
    /// school days of the calendar (weekends, holidays and INSET days have none), ordered by
    /// date, period and group.
    pub fn lessons_between(&self, from: Date, to: Date) -> Vec<Lesson> {
        self.expand(from, to, None)
    }

    /// The lessons of one student from `from` to `to`, with `student_id` set. Empty for an
    /// unknown student or a leaver.
    pub fn lessons_for_student(&self, student_id: &str, from: Date, to: Date) -> Vec<Lesson> {
        let groups: BTreeSet<&str> = self
            .groups_of(GroupKind::Teaching)
            .filter(|g| g.student_ids.iter().any(|s| s == student_id))
            .map(|g| g.id.as_str())
            .collect();
        self.expand(from, to, Some((student_id, &groups)))
    }

    fn expand(
        &self,
        from: Date,
        to: Date,
        student: Option<(&str, &BTreeSet<&str>)>,
    ) -> Vec<Lesson> {
        let tz = self.tz();
        let mut by_day: Vec<Vec<&TimetableSlot>> = vec![Vec::new(); 10];
        for slot in &self.timetable {
            if student.is_none_or(|(_, groups)| groups.contains(slot.group_id.as_str())) {
                by_day[usize::from(slot.week - 1) * 5 + usize::from(slot.weekday - 1)].push(slot);
            }
        }
        let mut out = Vec::new();
        for day in self.calendar.days_between(from, to) {
            let weekday = day.date.weekday().to_monday_one_offset() as usize;
            for slot in &by_day[usize::from(day.week - 1) * 5 + weekday - 1] {
                let period = self
                    .periods
                    .iter()
                    .find(|p| p.id == slot.period_id)
                    .expect("timetable periods exist");
                let at = |t| {
                    DateTime::from_local(day.date.to_datetime(t), &tz)
                        .expect("school hours are never in a DST gap")
                };
                let mut lesson = Lesson::new(
                    self.provider.as_str(),
                    School::lesson_id(&slot.group, day.date, &period.label),
                    day.date,
                    at(period.start),
                    at(period.end),
                );
                lesson.student_id = student.map(|(id, _)| id.to_string());
                lesson.period = Some(period.label.clone());
                lesson.subject = Some(slot.subject.clone());
                lesson.group = Some(slot.group.clone());
                lesson.teachers = vec![slot.teacher.clone()];
                lesson.rooms = vec![slot.room.clone()];
                out.push(lesson);
            }
        }
        out
    }
}

/// Counts of what a [`School`] holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    /// School name.
    pub name: String,
    /// Phase.
    pub phase: Phase,
    /// Academic year name.
    pub academic_year: String,
    /// Students on roll.
    pub students_on_roll: usize,
    /// Leavers.
    pub leavers: usize,
    /// Staff.
    pub staff: usize,
    /// Year groups.
    pub year_groups: usize,
    /// Registration groups.
    pub registration_groups: usize,
    /// Houses.
    pub houses: usize,
    /// Teaching groups.
    pub teaching_groups: usize,
    /// Subjects.
    pub subjects: usize,
    /// Rooms.
    pub rooms: usize,
    /// School days in the year.
    pub school_days: usize,
    /// Entries of the two-week timetable.
    pub timetable_slots: usize,
    /// Session marks.
    pub session_marks: usize,
    /// Lesson marks.
    pub lesson_marks: usize,
    /// Positive behaviour events.
    pub positive_events: usize,
    /// Negative behaviour events.
    pub negative_events: usize,
    /// Neutral behaviour events.
    pub neutral_events: usize,
    /// Homework tasks.
    pub homework: usize,
    /// Detentions.
    pub detentions: usize,
    /// Session marks per code.
    pub session_codes: BTreeMap<String, usize>,
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{} ({:?}, {})",
            self.name, self.phase, self.academic_year
        )?;
        writeln!(
            f,
            "  students {} on roll + {} leavers; staff {}",
            self.students_on_roll, self.leavers, self.staff
        )?;
        writeln!(
            f,
            "  groups: {} year, {} registration, {} house, {} teaching; {} subjects, {} rooms",
            self.year_groups,
            self.registration_groups,
            self.houses,
            self.teaching_groups,
            self.subjects,
            self.rooms
        )?;
        writeln!(
            f,
            "  {} school days, {} timetable slots",
            self.school_days, self.timetable_slots
        )?;
        writeln!(
            f,
            "  marks: {} session, {} lesson; behaviour +{} -{} ={}; {} homework, {} detentions",
            self.session_marks,
            self.lesson_marks,
            self.positive_events,
            self.negative_events,
            self.neutral_events,
            self.homework,
            self.detentions
        )?;
        let codes: Vec<String> = self
            .session_codes
            .iter()
            .map(|(c, n)| format!("{c}:{n}"))
            .collect();
        write!(f, "  session codes: {}", codes.join(" "))
    }
}

/// The generator proper; `generate_with` has checked the inputs.
fn build(seed: u64, size: usize, options: SchoolOptions) -> School {
    let provider = PROVIDER;
    let phase = options.phase;
    let tz = TimeZone::get(TIME_ZONE).expect("Europe/London is in the bundled tzdb");

    // Identity: name, URN, DfE number, feeder schools (for UPNs), e-mail domain.
    let mut dice = Dice::new(seed, "identity", 0);
    let place = *dice.pick(names::PLACES);
    let kinds = match phase {
        Phase::Primary => names::PRIMARY_KINDS,
        Phase::Secondary => names::SECONDARY_KINDS,
    };
    let name = format!("{place} {}", dice.pick(kinds));
    let urn = (100_000 + dice.below(50_000)).to_string();
    let la_code = *dice.pick(names::LA_CODES);
    let establishment = match phase {
        Phase::Primary => 2000 + dice.below(1000) as u16,
        Phase::Secondary => 4000 + dice.below(1000) as u16,
    };
    let feeders: Vec<(u16, u16)> = (0..12)
        .map(|_| {
            let la = if dice.chance(0.7) {
                la_code
            } else {
                *dice.pick(names::LA_CODES)
            };
            (la, 2000 + dice.below(2000) as u16)
        })
        .collect();
    let email_domain = format!(
        "{}.example",
        name.split_whitespace()
            .map(names::email_part)
            .collect::<Vec<_>>()
            .join("-")
    );

    let (academic_year, terms, calendar) = calendar::build(provider, options.academic_year);
    let years: Vec<YearSpec> = match phase {
        Phase::Primary => (0..=6)
            .map(|n| YearSpec {
                label: if n == 0 { "R".into() } else { n.to_string() },
                number: n,
            })
            .collect(),
        Phase::Secondary => (7..=11)
            .map(|n| YearSpec {
                label: n.to_string(),
                number: n,
            })
            .collect(),
    };

    let previous_year_end = calendar::build(provider, options.academic_year - 1)
        .0
        .end_date;
    let roster = students::generate(
        &students::StudentContext {
            seed,
            provider,
            phase,
            start_year: options.academic_year,
            year_start: academic_year.start_date,
            previous_year_end,
            domain: &email_domain,
            la_code,
            establishment,
            feeders: &feeders,
        },
        size,
        &years,
    );
    let plan = timetable::build(seed, phase, provider, &email_domain, &years, &roster);
    let n = roster.pupils.len();
    let student_ids: Vec<String> = roster.students[..n].iter().map(|s| s.id.clone()).collect();
    let staff_id = |i: usize| plan.staff[i].staff.id.clone();
    let ids_of = |members: &[usize]| -> Vec<String> {
        members.iter().map(|m| student_ids[*m].clone()).collect()
    };

    // Groups: year, registration, house, teaching — ids numbered in that order.
    let mut groups = Vec::new();
    let mut group = |name: String,
                     kind: GroupKind,
                     subject: Option<String>,
                     staff: Vec<String>,
                     members: Vec<String>| {
        let id = (groups.len() + 1).to_string();
        let mut g = Group::new(provider, id.clone(), name, kind);
        g.subject = subject;
        g.staff_ids = staff;
        g.student_ids = members;
        groups.push(g);
        id
    };
    for (y, spec) in years.iter().enumerate() {
        let members: Vec<usize> = (0..n).filter(|i| roster.pupils[*i].year == y).collect();
        let name = if spec.number == 0 {
            "Reception".to_string()
        } else {
            format!("Year {}", spec.label)
        };
        group(name, GroupKind::Year, None, Vec::new(), ids_of(&members));
    }
    for (f, form) in roster.forms.iter().enumerate() {
        let tutor = staff_id(plan.tutors[f].0);
        group(
            form.name.clone(),
            GroupKind::Registration,
            None,
            vec![tutor],
            ids_of(&form.members),
        );
    }
    for (h, house) in names::HOUSES.iter().enumerate() {
        let members: Vec<usize> = (0..n).filter(|i| roster.pupils[*i].house == h).collect();
        group(
            house.to_string(),
            GroupKind::House,
            None,
            Vec::new(),
            ids_of(&members),
        );
    }
    let group_ids: Vec<String> = plan
        .teaching
        .iter()
        .map(|t| {
            group(
                t.name.clone(),
                GroupKind::Teaching,
                Some(plan.subjects[t.subject].name.clone()),
                vec![staff_id(t.teacher)],
                ids_of(&t.members),
            )
        })
        .collect();

    // The timetable, and each student's group in each slot.
    let mut entries: Vec<(usize, usize)> = plan
        .teaching
        .iter()
        .enumerate()
        .flat_map(|(g, t)| {
            (0..SLOTS)
                .filter(move |s| t.slots & (1 << s) != 0)
                .map(move |s| (s, g))
        })
        .collect();
    entries.sort_unstable();
    let timetable: Vec<TimetableSlot> = entries
        .iter()
        .map(|&(s, g)| {
            let (week, weekday, p) = slot_parts(s);
            let t = &plan.teaching[g];
            let teacher = &plan.staff[t.teacher];
            let room = &plan.rooms[t.room];
            let subject = &plan.subjects[t.subject];
            TimetableSlot {
                week,
                weekday,
                period_id: plan.periods[p].id.clone(),
                group_id: group_ids[g].clone(),
                group: t.name.clone(),
                subject_id: subject.id.clone(),
                subject: subject.name.clone(),
                staff_id: teacher.staff.id.clone(),
                teacher: teacher.display.clone(),
                room_id: room.id.clone(),
                room: room.code.clone(),
            }
        })
        .collect();
    let mut timetables = vec![[behaviour::FREE; SLOTS]; n];
    for &(s, g) in &entries {
        for &m in &plan.teaching[g].members {
            timetables[m][s] = g as u32;
        }
    }

    // Attendance.
    let attendance_range = options.attendance.resolve(&academic_year);
    let lesson_mark_range = options
        .lesson_marks
        .resolve(&academic_year)
        .zip(attendance_range)
        .and_then(|(l, a)| DateRange::new(l.from().max(a.from()), l.to().min(a.to())).ok());
    let att_days = attendance_range.map_or(&[][..], |r| calendar.days_between(r.from(), r.to()));
    let reception: Vec<bool> = roster
        .pupils
        .iter()
        .map(|p| years[p.year].number == 0)
        .collect();
    let sessions = attendance::sessions(seed, n, &reception, att_days);

    let mut session_marks = Vec::with_capacity(att_days.len() * n * 2);
    for (j, day) in att_days.iter().enumerate() {
        for (i, id) in student_ids.iter().enumerate() {
            for (s, session) in [Session::Am, Session::Pm].into_iter().enumerate() {
                session_marks.push(attendance::mark(
                    provider,
                    id,
                    day.date,
                    Slot::Session,
                    Some(session),
                    None,
                    None,
                    sessions[j * n + i][s],
                ));
            }
        }
    }

    let mut lesson_marks = Vec::new();
    if let Some(range) = lesson_mark_range {
        let mut by_slot: Vec<Vec<usize>> = vec![Vec::new(); SLOTS];
        for &(s, g) in &entries {
            by_slot[s].push(g);
        }
        for (j, day) in att_days.iter().enumerate() {
            if !range.contains(day.date) {
                continue;
            }
            // One stream per date, so a date's lesson marks do not depend on the range.
            let key = (day.date.year() as u64) * 10_000
                + (day.date.month() as u64) * 100
                + day.date.day() as u64;
            let mut d = Dice::new(seed, "lesson-marks", key);
            let weekday = day.date.weekday().to_monday_one_offset() as u8;
            for (p, period) in plan.periods.iter().enumerate() {
                let s_idx = usize::from(period.session == Session::Pm);
                let register = &plan.registers[s_idx];
                for &g in &by_slot[slot_index(day.week, weekday, p)] {
                    let t = &plan.teaching[g];
                    let lesson_id = School::lesson_id(&t.name, day.date, &period.label);
                    for &m in &t.members {
                        let outcome = attendance::lesson(
                            &mut d,
                            sessions[j * n + m][s_idx],
                            register,
                            period,
                        );
                        lesson_marks.push(attendance::mark(
                            provider,
                            &student_ids[m],
                            day.date,
                            Slot::Lesson,
                            None,
                            Some(&period.label),
                            Some(&lesson_id),
                            outcome,
                        ));
                    }
                }
            }
        }
    }

    let (behaviour, detentions) = behaviour::generate(&behaviour::BehaviourContext {
        seed,
        provider,
        tz: &tz,
        calendar: &calendar,
        days: att_days,
        sessions: &sessions,
        student_ids: &student_ids,
        timetables: &timetables,
        teaching: &plan.teaching,
        group_ids: &group_ids,
        periods: &plan.periods,
        staff: &plan.staff,
        rooms: &plan.rooms,
        as_of: attendance_range.map(|r| r.to()),
    });
    let homework = homework::generate(&homework::HomeworkContext {
        seed,
        provider,
        primary: phase == Phase::Primary,
        calendar: &calendar,
        days: att_days,
        teaching: &plan.teaching,
        group_ids: &group_ids,
        subjects: &plan.subjects,
        staff: &plan.staff,
    });

    School {
        provider: provider.to_string(),
        seed,
        options,
        name,
        urn,
        dfe_number: format!("{la_code:03}{establishment:04}"),
        time_zone: TIME_ZONE.to_string(),
        email_domain,
        attendance_codes: attendance::code_book(provider, academic_year.start_date),
        academic_year,
        terms,
        calendar,
        periods: plan.periods,
        registers: plan.registers,
        subjects: plan.subjects,
        rooms: plan.rooms,
        staff: plan.staff.into_iter().map(|s| s.staff).collect(),
        students: roster.students,
        enrolments: roster.enrolments,
        groups,
        timetable,
        attendance_range,
        lesson_mark_range,
        session_marks,
        lesson_marks,
        behaviour,
        homework,
        detentions,
    }
}
