//! The ManageBac route table: every path this crate calls, in one place.
//!
//! Paths are those of Faria's "ManageBac API" reference (v2p1; the Attendance group for
//! registers, the Excusals group for parent excusals). Each one lives below the version
//! prefix ([`ApiVersion::prefix`](crate::ApiVersion::prefix), `/v2p1` by default) and carries
//! the operation name used in traces and errors (`classes.timetable`). Values put in a path
//! (ids, program codes, dates) are percent-encoded as one path segment each by mis-http, so a
//! value can never change which endpoint is called.
//!
//! ```text
//! GET    /ping                                                  ping
//! GET    /auth/permissions                                      auth.permissions
//! GET    /school                                                school.get
//! GET    /school/academic-years                                 academic_years.list
//! GET    /school/programs/{program}/academic-years/{id}         academic_years.get
//! GET    /school/programs/{program}/academic-years/{id}/calendar academic_years.calendar
//! GET    /school/academic-years/{id}/attendance_categories      attendance.categories
//! GET    /school/grades | subjects | term-grade-scales | term-rubrics
//! GET    /school/programs/{program}/subjects                    school.program_subjects
//! GET    /subject-groups                                        school.subject_groups
//! GET    /students, /students/{id}                              students.list, students.get
//! GET    /parents, /parents/{id}, /parents/{id}/children        parents.*
//! GET    /teachers, /teachers/{id}, …/classes, …/groups         teachers.*
//! GET    /classes, /classes/{id}, …/terms, …/students, …/teachers, …/timetable
//! GET    /year-groups, /year-groups/{id}, …/students, …/advisors
//! GET    /classes/{id}/attendance/term/{term} | date/{date}     attendance.class_*
//! PUT    /classes/{id}/attendance                               attendance.class_set
//! GET    /year-groups/{id}/homeroom/attendance/term/{term}[/adjustments] | date/{date}
//! PUT    /students/{id}/set_homeroom_attendance                 attendance.homeroom_set
//! GET    /students/{id}/excusals, /students/excusals/{date}     excusals.student, excusals.date
//! POST   /students/{id}/excusals                                excusals.create
//! PATCH  /students/{id}/excusals/{excusal}                      excusals.update
//! DELETE /students/{id}/excusals/{excusal}                      excusals.delete
//! GET    /behavior/notes                                        behavior.notes
//! GET    /memberships                                           memberships.list
//! ```

use jiff::civil::Date;

use crate::wire::Id;

/// One endpoint: its path below the version prefix, as segments, and the operation name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    segments: Vec<String>,
    operation: &'static str,
}

impl Route {
    fn new(operation: &'static str, segments: &[&str]) -> Route {
        Route {
            segments: segments.iter().map(|s| (*s).to_owned()).collect(),
            operation,
        }
    }

    /// The path segments, values filled in (`["classes", "17", "timetable"]`).
    pub fn segments(&self) -> Vec<&str> {
        self.segments.iter().map(String::as_str).collect()
    }

    /// The operation name (`classes.timetable`).
    pub fn operation(&self) -> &'static str {
        self.operation
    }

    /// The path as text below the prefix (`/classes/17/timetable`), for messages and tests.
    pub fn path(&self) -> String {
        self.segments.iter().fold(String::new(), |mut p, s| {
            p.push('/');
            p.push_str(s);
            p
        })
    }
}

/// `GET /ping`.
pub fn ping() -> Route {
    Route::new("ping", &["ping"])
}

/// `GET /auth/permissions`.
pub fn permissions() -> Route {
    Route::new("auth.permissions", &["auth", "permissions"])
}

/// `GET /school`.
pub fn school() -> Route {
    Route::new("school.get", &["school"])
}

/// `GET /school/academic-years`.
pub fn academic_years() -> Route {
    Route::new("academic_years.list", &["school", "academic-years"])
}

/// `GET /school/programs/{program_code}/academic-years/{id}`.
pub fn program_academic_year(program_code: &str, id: Id) -> Route {
    let id = id.to_string();
    Route::new(
        "academic_years.get",
        &["school", "programs", program_code, "academic-years", &id],
    )
}

/// `GET /school/programs/{program_code}/academic-years/{id}/calendar`.
pub fn calendar(program_code: &str, academic_year_id: Id) -> Route {
    let id = academic_year_id.to_string();
    Route::new(
        "academic_years.calendar",
        &[
            "school",
            "programs",
            program_code,
            "academic-years",
            &id,
            "calendar",
        ],
    )
}

/// `GET /school/academic-years/{id}/attendance_categories`.
pub fn attendance_categories(academic_year_id: Id) -> Route {
    let id = academic_year_id.to_string();
    Route::new(
        "attendance.categories",
        &["school", "academic-years", &id, "attendance_categories"],
    )
}

/// `GET /school/grades`.
pub fn grades() -> Route {
    Route::new("school.grades", &["school", "grades"])
}

/// `GET /school/subjects`.
pub fn subjects() -> Route {
    Route::new("school.subjects", &["school", "subjects"])
}

/// `GET /school/programs/{program_code}/subjects`.
pub fn program_subjects(program_code: &str) -> Route {
    Route::new(
        "school.program_subjects",
        &["school", "programs", program_code, "subjects"],
    )
}

/// `GET /subject-groups`.
pub fn subject_groups() -> Route {
    Route::new("school.subject_groups", &["subject-groups"])
}

/// `GET /school/term-grade-scales`.
pub fn term_grade_scales() -> Route {
    Route::new("school.term_grade_scales", &["school", "term-grade-scales"])
}

/// `GET /school/term-rubrics`.
pub fn term_rubrics() -> Route {
    Route::new("school.term_rubrics", &["school", "term-rubrics"])
}

/// `GET /students`.
pub fn students() -> Route {
    Route::new("students.list", &["students"])
}

/// `GET /students/{id}`.
pub fn student(id: Id) -> Route {
    Route::new("students.get", &["students", &id.to_string()])
}

/// `GET /parents`.
pub fn parents() -> Route {
    Route::new("parents.list", &["parents"])
}

/// `GET /parents/{id}`.
pub fn parent(id: Id) -> Route {
    Route::new("parents.get", &["parents", &id.to_string()])
}

/// `GET /parents/{id}/children`.
pub fn parent_children(parent_id: Id) -> Route {
    Route::new(
        "parents.children",
        &["parents", &parent_id.to_string(), "children"],
    )
}

/// `GET /teachers`.
pub fn teachers() -> Route {
    Route::new("teachers.list", &["teachers"])
}

/// `GET /teachers/{id}`.
pub fn teacher(id: Id) -> Route {
    Route::new("teachers.get", &["teachers", &id.to_string()])
}

/// `GET /teachers/{id}/classes`.
pub fn teacher_classes(teacher_id: Id) -> Route {
    Route::new(
        "teachers.classes",
        &["teachers", &teacher_id.to_string(), "classes"],
    )
}

/// `GET /teachers/{id}/groups`.
pub fn teacher_groups(teacher_id: Id) -> Route {
    Route::new(
        "teachers.groups",
        &["teachers", &teacher_id.to_string(), "groups"],
    )
}

/// `GET /classes`.
pub fn classes() -> Route {
    Route::new("classes.list", &["classes"])
}

/// `GET /classes/{id}`.
pub fn class(id: Id) -> Route {
    Route::new("classes.get", &["classes", &id.to_string()])
}

/// `GET /classes/{id}/terms`.
pub fn class_terms(class_id: Id) -> Route {
    Route::new(
        "classes.terms",
        &["classes", &class_id.to_string(), "terms"],
    )
}

/// `GET /classes/{id}/students`.
pub fn class_students(class_id: Id) -> Route {
    Route::new(
        "classes.students",
        &["classes", &class_id.to_string(), "students"],
    )
}

/// `GET /classes/{id}/teachers`.
pub fn class_teachers(class_id: Id) -> Route {
    Route::new(
        "classes.teachers",
        &["classes", &class_id.to_string(), "teachers"],
    )
}

/// `GET /classes/{id}/timetable`.
pub fn class_timetable(class_id: Id) -> Route {
    Route::new(
        "classes.timetable",
        &["classes", &class_id.to_string(), "timetable"],
    )
}

/// `GET /year-groups`.
pub fn year_groups() -> Route {
    Route::new("year_groups.list", &["year-groups"])
}

/// `GET /year-groups/{id}`.
pub fn year_group(id: Id) -> Route {
    Route::new("year_groups.get", &["year-groups", &id.to_string()])
}

/// `GET /year-groups/{id}/students`.
pub fn year_group_students(year_group_id: Id) -> Route {
    Route::new(
        "year_groups.students",
        &["year-groups", &year_group_id.to_string(), "students"],
    )
}

/// `GET /year-groups/{id}/advisors`.
pub fn year_group_advisors(year_group_id: Id) -> Route {
    Route::new(
        "year_groups.advisors",
        &["year-groups", &year_group_id.to_string(), "advisors"],
    )
}

/// `GET /classes/{id}/attendance/term/{term_id}`.
pub fn class_attendance_term(class_id: Id, term_id: Id) -> Route {
    Route::new(
        "attendance.class_term",
        &[
            "classes",
            &class_id.to_string(),
            "attendance",
            "term",
            &term_id.to_string(),
        ],
    )
}

/// `GET /classes/{id}/attendance/date/{date}`.
pub fn class_attendance_date(class_id: Id, date: Date) -> Route {
    Route::new(
        "attendance.class_date",
        &[
            "classes",
            &class_id.to_string(),
            "attendance",
            "date",
            &date.to_string(),
        ],
    )
}

/// `PUT /classes/{id}/attendance`.
pub fn set_class_attendance(class_id: Id) -> Route {
    Route::new(
        "attendance.class_set",
        &["classes", &class_id.to_string(), "attendance"],
    )
}

/// `GET /year-groups/{id}/homeroom/attendance/term/{term_id}`.
pub fn homeroom_attendance_term(year_group_id: Id, term_id: Id) -> Route {
    Route::new(
        "attendance.homeroom_term",
        &[
            "year-groups",
            &year_group_id.to_string(),
            "homeroom",
            "attendance",
            "term",
            &term_id.to_string(),
        ],
    )
}

/// `GET /year-groups/{id}/homeroom/attendance/date/{date}`.
pub fn homeroom_attendance_date(year_group_id: Id, date: Date) -> Route {
    Route::new(
        "attendance.homeroom_date",
        &[
            "year-groups",
            &year_group_id.to_string(),
            "homeroom",
            "attendance",
            "date",
            &date.to_string(),
        ],
    )
}

/// `GET /year-groups/{id}/homeroom/attendance/term/{term_id}/adjustments`.
pub fn homeroom_adjustments(year_group_id: Id, term_id: Id) -> Route {
    Route::new(
        "attendance.homeroom_adjustments",
        &[
            "year-groups",
            &year_group_id.to_string(),
            "homeroom",
            "attendance",
            "term",
            &term_id.to_string(),
            "adjustments",
        ],
    )
}

/// `PUT /students/{id}/set_homeroom_attendance`.
pub fn set_homeroom_attendance(student_id: Id) -> Route {
    Route::new(
        "attendance.homeroom_set",
        &[
            "students",
            &student_id.to_string(),
            "set_homeroom_attendance",
        ],
    )
}

/// `GET /students/{id}/excusals`.
pub fn student_excusals(student_id: Id) -> Route {
    Route::new(
        "excusals.student",
        &["students", &student_id.to_string(), "excusals"],
    )
}

/// `GET /students/excusals/{date}`.
pub fn excusals_on(date: Date) -> Route {
    Route::new(
        "excusals.date",
        &["students", "excusals", &date.to_string()],
    )
}

/// `POST /students/{id}/excusals`.
pub fn create_excusal(student_id: Id) -> Route {
    Route::new(
        "excusals.create",
        &["students", &student_id.to_string(), "excusals"],
    )
}

/// `PATCH /students/{student_id}/excusals/{id}`.
pub fn update_excusal(student_id: Id, excusal_id: Id) -> Route {
    Route::new(
        "excusals.update",
        &[
            "students",
            &student_id.to_string(),
            "excusals",
            &excusal_id.to_string(),
        ],
    )
}

/// `DELETE /students/{student_id}/excusals/{id}`.
pub fn delete_excusal(student_id: Id, excusal_id: Id) -> Route {
    Route::new(
        "excusals.delete",
        &[
            "students",
            &student_id.to_string(),
            "excusals",
            &excusal_id.to_string(),
        ],
    )
}

/// `GET /behavior/notes` (US spelling).
pub fn behavior_notes() -> Route {
    Route::new("behavior.notes", &["behavior", "notes"])
}

/// `GET /memberships`.
pub fn memberships() -> Route {
    Route::new("memberships.list", &["memberships"])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_fill_their_values_in_order() {
        let d = jiff::civil::date(2024, 9, 9);
        assert_eq!(
            homeroom_attendance_date(Id(7), d).path(),
            "/year-groups/7/homeroom/attendance/date/2024-09-09"
        );
        assert_eq!(
            calendar("myp", Id(3)).path(),
            "/school/programs/myp/academic-years/3/calendar"
        );
        assert_eq!(
            update_excusal(Id(1), Id(2)).path(),
            "/students/1/excusals/2"
        );
        assert_eq!(excusals_on(d).operation(), "excusals.date");
        assert_eq!(behavior_notes().segments(), ["behavior", "notes"]);
    }
}
