//! Query parameters and the filters of the list endpoints, encoded as the API reference asks:
//! `ids[]`, `year_group_ids[]`, `homeroom_advisor_ids[]`, `class_ids[]` and `user_ids[]`
//! repeat with brackets; `student_ids` is one comma-separated value (`student_ids=1,2,3`),
//! which the vendor accepts alongside repeated parameters and which keeps URLs short. Times
//! (`modified_since`, `deleted_since`) are ISO 8601 UTC.

use jiff::Timestamp;
use jiff::civil::Date;

use crate::wire::Id;

/// Query parameters as sent, in order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Query(Vec<(String, String)>);

impl Query {
    /// No parameters.
    pub fn new() -> Self {
        Query::default()
    }

    /// `key=value`.
    pub fn push(mut self, key: &str, value: impl Into<String>) -> Self {
        self.0.push((key.to_owned(), value.into()));
        self
    }

    /// `key=value` when `value` is set.
    pub fn opt(self, key: &str, value: Option<impl Into<String>>) -> Self {
        match value {
            Some(v) => self.push(key, v),
            None => self,
        }
    }

    /// `key=true|false` when set.
    pub fn flag(self, key: &str, value: Option<bool>) -> Self {
        self.opt(key, value.map(|b| b.to_string()))
    }

    /// `key[]=1&key[]=2` (bracket repetition), nothing when empty.
    pub fn ids_repeated(mut self, key: &str, ids: &[Id]) -> Self {
        let name = format!("{key}[]");
        for id in ids {
            self.0.push((name.clone(), id.to_string()));
        }
        self
    }

    /// `key=1,2,3` (one comma-separated value), nothing when empty.
    pub fn ids_joined(self, key: &str, ids: &[Id]) -> Self {
        if ids.is_empty() {
            return self;
        }
        let joined = ids.iter().map(Id::to_string).collect::<Vec<_>>().join(",");
        self.push(key, joined)
    }

    /// `key=2024-09-01T00:00:00Z` when set.
    pub fn time(self, key: &str, at: Option<Timestamp>) -> Self {
        self.opt(
            key,
            at.map(|t| t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()),
        )
    }

    /// The pairs.
    pub fn pairs(&self) -> &[(String, String)] {
        &self.0
    }
}

/// `status` of `GET /students`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum StudentStatus {
    /// On roll.
    Enrolled,
    /// Withdrawn.
    Withdrawn,
    /// Graduated.
    Graduated,
}

impl StudentStatus {
    fn as_str(self) -> &'static str {
        match self {
            StudentStatus::Enrolled => "enrolled",
            StudentStatus::Withdrawn => "withdrawn",
            StudentStatus::Graduated => "graduated",
        }
    }
}

/// Filters of `GET /students`: `ids[]`, `archived`, `status`, `modified_since`,
/// `deleted_since`, `year_group_ids[]`, `homeroom_advisor_ids[]`, `q`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct StudentFilter {
    /// Only these students.
    pub ids: Vec<Id>,
    /// Archived (`true`) or current (`false`) only.
    pub archived: Option<bool>,
    /// Enrolment status.
    pub status: Option<StudentStatus>,
    /// Changed since (incremental sync).
    pub modified_since: Option<Timestamp>,
    /// Deleted since: the answer is tombstones with `deleted_at`.
    pub deleted_since: Option<Timestamp>,
    /// Only these year groups.
    pub year_group_ids: Vec<Id>,
    /// Only these homeroom advisors' students.
    pub homeroom_advisor_ids: Vec<Id>,
    /// Free-text search.
    pub q: Option<String>,
}

impl StudentFilter {
    /// Everyone the endpoint returns by default.
    pub fn new() -> Self {
        StudentFilter::default()
    }

    /// Only these students.
    pub fn ids(mut self, ids: impl IntoIterator<Item = Id>) -> Self {
        self.ids = ids.into_iter().collect();
        self
    }

    /// Archived or current only.
    pub fn archived(mut self, archived: bool) -> Self {
        self.archived = Some(archived);
        self
    }

    /// Enrolment status.
    pub fn status(mut self, status: StudentStatus) -> Self {
        self.status = Some(status);
        self
    }

    /// Changed since.
    pub fn modified_since(mut self, at: Timestamp) -> Self {
        self.modified_since = Some(at);
        self
    }

    /// Deleted since (tombstones).
    pub fn deleted_since(mut self, at: Timestamp) -> Self {
        self.deleted_since = Some(at);
        self
    }

    /// Only these year groups.
    pub fn year_groups(mut self, ids: impl IntoIterator<Item = Id>) -> Self {
        self.year_group_ids = ids.into_iter().collect();
        self
    }

    /// Only these homeroom advisors' students.
    pub fn homeroom_advisors(mut self, ids: impl IntoIterator<Item = Id>) -> Self {
        self.homeroom_advisor_ids = ids.into_iter().collect();
        self
    }

    /// Free-text search.
    pub fn search(mut self, q: impl Into<String>) -> Self {
        self.q = Some(q.into());
        self
    }

    /// The query string.
    pub fn query(&self) -> Query {
        Query::new()
            .ids_repeated("ids", &self.ids)
            .flag("archived", self.archived)
            .opt("status", self.status.map(StudentStatus::as_str))
            .time("modified_since", self.modified_since)
            .time("deleted_since", self.deleted_since)
            .ids_repeated("year_group_ids", &self.year_group_ids)
            .ids_repeated("homeroom_advisor_ids", &self.homeroom_advisor_ids)
            .opt("q", self.q.clone())
    }
}

/// Filters of `GET /teachers` and `GET /parents`: `ids[]`, `archived`, `modified_since`,
/// `deleted_since`, `q`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct PersonFilter {
    /// Only these people.
    pub ids: Vec<Id>,
    /// Archived or current only.
    pub archived: Option<bool>,
    /// Changed since.
    pub modified_since: Option<Timestamp>,
    /// Deleted since (tombstones).
    pub deleted_since: Option<Timestamp>,
    /// Free-text search.
    pub q: Option<String>,
}

impl PersonFilter {
    /// Everyone.
    pub fn new() -> Self {
        PersonFilter::default()
    }

    /// Only these people.
    pub fn ids(mut self, ids: impl IntoIterator<Item = Id>) -> Self {
        self.ids = ids.into_iter().collect();
        self
    }

    /// Archived or current only.
    pub fn archived(mut self, archived: bool) -> Self {
        self.archived = Some(archived);
        self
    }

    /// Changed since.
    pub fn modified_since(mut self, at: Timestamp) -> Self {
        self.modified_since = Some(at);
        self
    }

    /// Deleted since.
    pub fn deleted_since(mut self, at: Timestamp) -> Self {
        self.deleted_since = Some(at);
        self
    }

    /// Free-text search.
    pub fn search(mut self, q: impl Into<String>) -> Self {
        self.q = Some(q.into());
        self
    }

    /// The query string.
    pub fn query(&self) -> Query {
        Query::new()
            .ids_repeated("ids", &self.ids)
            .flag("archived", self.archived)
            .time("modified_since", self.modified_since)
            .time("deleted_since", self.deleted_since)
            .opt("q", self.q.clone())
    }
}

/// Filters of `GET /classes`: `modified_since`, `deleted_since`, `archived`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ClassFilter {
    /// Changed since.
    pub modified_since: Option<Timestamp>,
    /// Deleted since.
    pub deleted_since: Option<Timestamp>,
    /// Archived or current only.
    pub archived: Option<bool>,
}

impl ClassFilter {
    /// Every class.
    pub fn new() -> Self {
        ClassFilter::default()
    }

    /// Archived or current only.
    pub fn archived(mut self, archived: bool) -> Self {
        self.archived = Some(archived);
        self
    }

    /// Changed since.
    pub fn modified_since(mut self, at: Timestamp) -> Self {
        self.modified_since = Some(at);
        self
    }

    /// Deleted since.
    pub fn deleted_since(mut self, at: Timestamp) -> Self {
        self.deleted_since = Some(at);
        self
    }

    /// The query string.
    pub fn query(&self) -> Query {
        Query::new()
            .time("modified_since", self.modified_since)
            .time("deleted_since", self.deleted_since)
            .flag("archived", self.archived)
    }
}

/// Filters of `GET /year-groups`: `modified_since`, `archived`, `student_ids`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct YearGroupFilter {
    /// Changed since.
    pub modified_since: Option<Timestamp>,
    /// Archived or current only.
    pub archived: Option<bool>,
    /// Only year groups holding these students.
    pub student_ids: Vec<Id>,
}

impl YearGroupFilter {
    /// Every year group.
    pub fn new() -> Self {
        YearGroupFilter::default()
    }

    /// Archived or current only.
    pub fn archived(mut self, archived: bool) -> Self {
        self.archived = Some(archived);
        self
    }

    /// Only year groups holding these students.
    pub fn students(mut self, ids: impl IntoIterator<Item = Id>) -> Self {
        self.student_ids = ids.into_iter().collect();
        self
    }

    /// The query string.
    pub fn query(&self) -> Query {
        Query::new()
            .time("modified_since", self.modified_since)
            .flag("archived", self.archived)
            .ids_joined("student_ids", &self.student_ids)
    }
}

/// Filters of `GET /memberships`: `class_ids[]`, `user_ids[]`, `modified_since`,
/// `deleted_since`, `class_happens_on`, `student_ids`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct MembershipFilter {
    /// Only these classes.
    pub class_ids: Vec<Id>,
    /// Only these users.
    pub user_ids: Vec<Id>,
    /// Changed since.
    pub modified_since: Option<Timestamp>,
    /// Deleted since.
    pub deleted_since: Option<Timestamp>,
    /// Only classes that meet on this date.
    pub class_happens_on: Option<Date>,
    /// Only these students.
    pub student_ids: Vec<Id>,
}

impl MembershipFilter {
    /// Every membership.
    pub fn new() -> Self {
        MembershipFilter::default()
    }

    /// Only these classes.
    pub fn classes(mut self, ids: impl IntoIterator<Item = Id>) -> Self {
        self.class_ids = ids.into_iter().collect();
        self
    }

    /// Only these users.
    pub fn users(mut self, ids: impl IntoIterator<Item = Id>) -> Self {
        self.user_ids = ids.into_iter().collect();
        self
    }

    /// Only classes that meet on `date`.
    pub fn happening_on(mut self, date: Date) -> Self {
        self.class_happens_on = Some(date);
        self
    }

    /// The query string.
    pub fn query(&self) -> Query {
        Query::new()
            .ids_repeated("class_ids", &self.class_ids)
            .ids_repeated("user_ids", &self.user_ids)
            .time("modified_since", self.modified_since)
            .time("deleted_since", self.deleted_since)
            .opt(
                "class_happens_on",
                self.class_happens_on.map(|d| d.to_string()),
            )
            .ids_joined("student_ids", &self.student_ids)
    }
}

/// Filters of `GET /behavior/notes`: `modified_since`, `student_ids`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct BehaviorNoteFilter {
    /// Changed since.
    pub modified_since: Option<Timestamp>,
    /// Only these students (ManageBac ids).
    pub student_ids: Vec<Id>,
}

impl BehaviorNoteFilter {
    /// Every note.
    pub fn new() -> Self {
        BehaviorNoteFilter::default()
    }

    /// Changed since.
    pub fn modified_since(mut self, at: Timestamp) -> Self {
        self.modified_since = Some(at);
        self
    }

    /// Only these students.
    pub fn students(mut self, ids: impl IntoIterator<Item = Id>) -> Self {
        self.student_ids = ids.into_iter().collect();
        self
    }

    /// The query string.
    pub fn query(&self) -> Query {
        Query::new()
            .time("modified_since", self.modified_since)
            .ids_joined("student_ids", &self.student_ids)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_encode_ids_both_ways() {
        let q = StudentFilter::new()
            .ids([Id(1), Id(2)])
            .archived(false)
            .year_groups([Id(7)])
            .modified_since("2024-09-01T10:00:00Z".parse().unwrap())
            .query();
        assert_eq!(
            q.pairs(),
            [
                ("ids[]".to_string(), "1".to_string()),
                ("ids[]".into(), "2".into()),
                ("archived".into(), "false".into()),
                ("modified_since".into(), "2024-09-01T10:00:00Z".into()),
                ("year_group_ids[]".into(), "7".into()),
            ]
        );
        let q = BehaviorNoteFilter::new()
            .students([Id(3), Id(4), Id(5)])
            .query();
        assert_eq!(
            q.pairs(),
            [("student_ids".to_string(), "3,4,5".to_string())]
        );
        assert!(BehaviorNoteFilter::new().query().pairs().is_empty());
    }
}
