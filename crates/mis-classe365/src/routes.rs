//! The Classe365 REST v2 route table — **INFERRED**.
//!
//! The vendor's public v2 article ("Getting started with the Classe365 REST API v2") publishes
//! only the base URL (`https://<subdomain>.classe365.com/restv2`), Basic auth, the response
//! envelope and the status codes; it names the resources ("students, classes, sessions,
//! departments, and more") but says the paths are in the documentation in the tenant portal,
//! behind a login \[U\]. Every path and query parameter name below is therefore inferred
//! (the resource names as plural path segments, `/{id}` for one record, the v1 API's
//! attendance filters) \[I\], and lives here and nowhere else, so that correcting it against
//! a real tenant is a one-file change.
//!
//! ```text
//! GET  /restv2/students               ?page&per_page
//! GET  /restv2/students/{id}
//! POST /restv2/students               body without `id` creates, with `id` updates
//! GET  /restv2/classes                ?page&per_page
//! GET  /restv2/sessions               ?page&per_page
//! GET  /restv2/departments            ?page&per_page
//! GET  /restv2/teachers               ?page&per_page
//! GET  /restv2/attendance             ?from&to&student_id&page&per_page
//! POST /restv2/attendance             body without `id` creates, with `id` updates
//! ```

/// The documented path prefix after the host (vendor doc, "Base URL") \[C\].
pub const PREFIX: &str = "/restv2";

/// The documented host pattern: `https://<subdomain>.classe365.com` \[C\].
pub const HOST_SUFFIX: &str = "classe365.com";

/// Query parameter: the 1-based page number \[I\].
pub const PAGE: &str = "page";
/// Query parameter: records per page \[I\].
pub const PER_PAGE: &str = "per_page";
/// Query parameter: first date of an attendance range, `YYYY-MM-DD` \[I\].
pub const FROM: &str = "from";
/// Query parameter: last date of an attendance range (inclusive), `YYYY-MM-DD` \[I\].
pub const TO: &str = "to";
/// Query parameter: only this student's attendance \[I\].
pub const STUDENT_ID: &str = "student_id";

/// A v2 resource collection. Its path is `/restv2/<segment>`, a record's `/restv2/<segment>/{id}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Resource {
    /// `/students` \[I\].
    Students,
    /// `/classes` \[I\].
    Classes,
    /// `/sessions` (academic sessions) \[I\].
    Sessions,
    /// `/departments` \[I\].
    Departments,
    /// `/teachers` \[I\].
    Teachers,
    /// `/attendance` \[I\].
    Attendance,
}

impl Resource {
    /// The path segment after the prefix.
    pub fn segment(self) -> &'static str {
        match self {
            Resource::Students => "students",
            Resource::Classes => "classes",
            Resource::Sessions => "sessions",
            Resource::Departments => "departments",
            Resource::Teachers => "teachers",
            Resource::Attendance => "attendance",
        }
    }

    /// What one record is called in messages (`student`, `class`…).
    pub fn noun(self) -> &'static str {
        match self {
            Resource::Students => "student",
            Resource::Classes => "class",
            Resource::Sessions => "session",
            Resource::Departments => "department",
            Resource::Teachers => "teacher",
            Resource::Attendance => "attendance record",
        }
    }

    /// The operation name of a list request, for traces and errors.
    pub fn list_operation(self) -> &'static str {
        match self {
            Resource::Students => "students.list",
            Resource::Classes => "classes.list",
            Resource::Sessions => "sessions.list",
            Resource::Departments => "departments.list",
            Resource::Teachers => "teachers.list",
            Resource::Attendance => "attendance.list",
        }
    }

    /// The operation name of a single-record request.
    pub fn get_operation(self) -> &'static str {
        match self {
            Resource::Students => "students.get",
            Resource::Classes => "classes.get",
            Resource::Sessions => "sessions.get",
            Resource::Departments => "departments.get",
            Resource::Teachers => "teachers.get",
            Resource::Attendance => "attendance.get",
        }
    }

    /// The operation name of a create-or-update POST.
    pub fn save_operation(self) -> &'static str {
        match self {
            Resource::Students => "students.save",
            Resource::Classes => "classes.save",
            Resource::Sessions => "sessions.save",
            Resource::Departments => "departments.save",
            Resource::Teachers => "teachers.save",
            Resource::Attendance => "attendance.save",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operations_are_distinct() {
        let all = [
            Resource::Students,
            Resource::Classes,
            Resource::Sessions,
            Resource::Departments,
            Resource::Teachers,
            Resource::Attendance,
        ];
        let mut names = std::collections::BTreeSet::new();
        for r in all {
            for op in [r.list_operation(), r.get_operation(), r.save_operation()] {
                assert!(names.insert(op), "{op} used twice");
                assert!(op.starts_with(r.segment()), "{op} for {r:?}");
            }
        }
    }
}
