//! Writing the normalised model to a database: SQLite (default) or PostgreSQL, through one
//! code path.
//!
//! Both backends run the same SQL: plain `TEXT` / `BIGINT` / `DOUBLE PRECISION` columns,
//! `$n` placeholders (SQLite reads `$1` as a parameter too), and upserts with
//! `INSERT … ON CONFLICT (key) DO UPDATE SET col = excluded.col`, so a second sync of the same
//! data changes nothing and duplicates nothing. Key columns never hold NULL (NULLs are all
//! distinct in a unique key, which would let duplicates in): absent parts of a key are
//! written as `''`.

mod postgres;
mod schema;
mod sqlite;

use async_trait::async_trait;
use mis_core::{AttendanceMark, BehaviourEvent, Error, Lesson, Result, Student};

pub use schema::{SCHEMA, TABLES};

/// One SQL parameter. Typed even when NULL, because PostgreSQL checks parameter types.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// Text (or NULL text).
    Text(Option<String>),
    /// A 64-bit integer (or NULL).
    Int(Option<i64>),
    /// A float (or NULL).
    Real(Option<f64>),
}

impl Value {
    fn text(s: impl Into<String>) -> Value {
        Value::Text(Some(s.into()))
    }

    fn opt<T: ToString>(v: Option<T>) -> Value {
        Value::Text(v.map(|v| v.to_string()))
    }
}

/// The little a backend must do.
#[async_trait]
pub trait Backend: Send {
    /// Runs statements without parameters (the schema).
    async fn batch(&mut self, sql: &str) -> Result<()>;
    /// Runs one statement with parameters.
    async fn execute(&mut self, sql: &str, params: &[Value]) -> Result<()>;
    /// Counts the rows of a table (for reports and tests).
    async fn count(&mut self, table: &str) -> Result<i64>;
    /// Starts a transaction.
    async fn begin(&mut self) -> Result<()> {
        self.batch("BEGIN").await
    }
    /// Commits it.
    async fn commit(&mut self) -> Result<()> {
        self.batch("COMMIT").await
    }
}

/// Opens `sqlite:PATH` (or a bare path) or `postgres://…` and creates the tables.
pub async fn open(url: &str) -> Result<Store> {
    let mut backend: Box<dyn Backend> =
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Box::new(postgres::Postgres::connect(url).await?)
        } else {
            let path = url.strip_prefix("sqlite:").unwrap_or(url);
            if path.is_empty() {
                return Err(Error::invalid_input("--out: sqlite:PATH needs a path"));
            }
            Box::new(sqlite::Sqlite::open(path)?)
        };
    backend.batch(SCHEMA).await?;
    Ok(Store { backend })
}

/// A database holding schools' normalised data.
pub struct Store {
    backend: Box<dyn Backend>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The connection URL may hold a password: never printed.
        f.debug_struct("Store").finish_non_exhaustive()
    }
}

/// How many rows of each kind one school wrote.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Written {
    /// Students.
    pub students: u64,
    /// Attendance marks.
    pub marks: u64,
    /// Lessons.
    pub lessons: u64,
    /// Behaviour events.
    pub events: u64,
}

fn slot_key(m: &AttendanceMark) -> String {
    format!(
        "{}:{}:{}:{}",
        serde_plain(&m.slot),
        m.session.map(|s| s.as_str()).unwrap_or(""),
        m.period.as_deref().unwrap_or(""),
        m.lesson_id.as_deref().unwrap_or("")
    )
}

/// The string a unit-like enum serialises to (`"session"`, `"positive"` …).
fn serde_plain<T: serde::Serialize>(v: &T) -> String {
    match serde_json::to_value(v) {
        Ok(serde_json::Value::String(s)) => s,
        Ok(other) => other.to_string(),
        Err(_) => String::new(),
    }
}

impl Store {
    /// Wraps a backend (and creates the tables).
    pub async fn with_backend(mut backend: Box<dyn Backend>) -> Result<Store> {
        backend.batch(SCHEMA).await?;
        Ok(Store { backend })
    }

    /// Counts a table's rows.
    pub async fn count(&mut self, table: &str) -> Result<i64> {
        if !TABLES.contains(&table) {
            return Err(Error::invalid_input(format!("no table named {table}")));
        }
        self.backend.count(table).await
    }

    /// Starts a transaction (writes are much faster inside one).
    pub async fn begin(&mut self) -> Result<()> {
        self.backend.begin().await
    }

    /// Commits the transaction.
    pub async fn commit(&mut self) -> Result<()> {
        self.backend.commit().await
    }

    /// Records a school.
    pub async fn school(
        &mut self,
        school: &str,
        provider: &str,
        tenant: Option<&str>,
        time_zone: &str,
    ) -> Result<()> {
        self.backend
            .execute(
                "INSERT INTO schools (school, provider, tenant, time_zone) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (school) DO UPDATE SET provider = excluded.provider, \
                 tenant = excluded.tenant, time_zone = excluded.time_zone",
                &[
                    Value::text(school),
                    Value::text(provider),
                    Value::opt(tenant),
                    Value::text(time_zone),
                ],
            )
            .await
    }

    /// Upserts a student.
    pub async fn student(&mut self, school: &str, s: &Student) -> Result<()> {
        let identifiers = s
            .identifiers
            .iter()
            .map(|i| format!("{}:{}", i.kind, i.value))
            .collect::<Vec<_>>()
            .join(";");
        self.backend
            .execute(
                "INSERT INTO students (school, provider, id, first_name, last_name, preferred_first_name, \
                 date_of_birth, gender, year_group, registration_group, email, enrolment_status, upn, identifiers) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) \
                 ON CONFLICT (school, provider, id) DO UPDATE SET first_name = excluded.first_name, \
                 last_name = excluded.last_name, preferred_first_name = excluded.preferred_first_name, \
                 date_of_birth = excluded.date_of_birth, gender = excluded.gender, \
                 year_group = excluded.year_group, registration_group = excluded.registration_group, \
                 email = excluded.email, enrolment_status = excluded.enrolment_status, \
                 upn = excluded.upn, identifiers = excluded.identifiers",
                &[
                    Value::text(school),
                    Value::text(&s.provider),
                    Value::text(&s.id),
                    Value::text(&s.first_name),
                    Value::text(&s.last_name),
                    Value::opt(s.preferred_first_name.as_deref()),
                    Value::opt(s.date_of_birth),
                    Value::opt(s.gender.as_ref()),
                    Value::opt(s.year_group.as_deref()),
                    Value::opt(s.registration_group.as_deref()),
                    Value::opt(s.email.as_deref()),
                    Value::opt(s.enrolment_status.as_ref()),
                    Value::opt(s.upn()),
                    Value::text(identifiers),
                ],
            )
            .await
    }

    /// Upserts an attendance mark (one row per student, date and register slot).
    pub async fn mark(&mut self, school: &str, m: &AttendanceMark) -> Result<()> {
        self.backend
            .execute(
                "INSERT INTO attendance_marks (school, provider, student_id, date, slot_key, slot, session, \
                 period, lesson_id, code, category, late, minutes_late, note) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) \
                 ON CONFLICT (school, provider, student_id, date, slot_key) DO UPDATE SET \
                 code = excluded.code, category = excluded.category, late = excluded.late, \
                 minutes_late = excluded.minutes_late, note = excluded.note",
                &[
                    Value::text(school),
                    Value::text(&m.provider),
                    Value::text(&m.student_id),
                    Value::text(m.date.to_string()),
                    Value::text(slot_key(m)),
                    Value::text(serde_plain(&m.slot)),
                    Value::opt(m.session.map(|s| s.as_str())),
                    Value::opt(m.period.as_deref()),
                    Value::opt(m.lesson_id.as_deref()),
                    Value::text(&m.code),
                    Value::text(m.category.as_str()),
                    Value::Int(Some(i64::from(m.late))),
                    Value::Int(m.minutes_late.map(i64::from)),
                    Value::opt(m.note.as_deref()),
                ],
            )
            .await
    }

    /// Upserts a lesson.
    pub async fn lesson(&mut self, school: &str, l: &Lesson) -> Result<()> {
        self.backend
            .execute(
                "INSERT INTO lessons (school, provider, id, student_key, date, start_at, end_at, period, \
                 subject, group_name, teachers, rooms, cancelled) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) \
                 ON CONFLICT (school, provider, id, student_key) DO UPDATE SET date = excluded.date, \
                 start_at = excluded.start_at, end_at = excluded.end_at, period = excluded.period, \
                 subject = excluded.subject, group_name = excluded.group_name, \
                 teachers = excluded.teachers, rooms = excluded.rooms, cancelled = excluded.cancelled",
                &[
                    Value::text(school),
                    Value::text(&l.provider),
                    Value::text(&l.id),
                    Value::text(l.student_id.as_deref().unwrap_or("")),
                    Value::text(l.date.to_string()),
                    Value::text(l.start.to_string()),
                    Value::text(l.end.to_string()),
                    Value::opt(l.period.as_deref()),
                    Value::opt(l.subject.as_deref()),
                    Value::opt(l.group.as_deref()),
                    Value::text(l.teachers.join(";")),
                    Value::text(l.rooms.join(";")),
                    Value::Int(Some(i64::from(l.cancelled))),
                ],
            )
            .await
    }

    /// Upserts a behaviour event.
    pub async fn event(&mut self, school: &str, e: &BehaviourEvent) -> Result<()> {
        self.backend
            .execute(
                "INSERT INTO behaviour_events (school, provider, id, date, occurred_at, polarity, category, \
                 points, notes, author, student_ids) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
                 ON CONFLICT (school, provider, id) DO UPDATE SET date = excluded.date, \
                 occurred_at = excluded.occurred_at, polarity = excluded.polarity, \
                 category = excluded.category, points = excluded.points, notes = excluded.notes, \
                 author = excluded.author, student_ids = excluded.student_ids",
                &[
                    Value::text(school),
                    Value::text(&e.provider),
                    Value::text(&e.id),
                    Value::text(e.date.to_string()),
                    Value::opt(e.occurred_at.as_ref()),
                    Value::text(e.polarity.as_str()),
                    Value::opt(e.category.as_deref()),
                    Value::Int(e.points),
                    Value::opt(e.notes.as_deref()),
                    Value::opt(e.author.as_deref()),
                    Value::text(e.student_ids.join(";")),
                ],
            )
            .await
    }

    /// Records one school's sync run.
    pub async fn run(
        &mut self,
        run_id: &str,
        school: &str,
        started_at: &str,
        finished_at: &str,
        outcome: std::result::Result<Written, &str>,
    ) -> Result<()> {
        let (status, error, w) = match outcome {
            Ok(w) => ("ok", None, w),
            Err(e) => ("failed", Some(e.to_string()), Written::default()),
        };
        let n = |v: u64| Value::Int(Some(i64::try_from(v).unwrap_or(i64::MAX)));
        self.backend
            .execute(
                "INSERT INTO sync_runs (run_id, school, started_at, finished_at, status, error, \
                 students, marks, lessons, events) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
                 ON CONFLICT (run_id, school) DO UPDATE SET finished_at = excluded.finished_at, \
                 status = excluded.status, error = excluded.error, students = excluded.students, \
                 marks = excluded.marks, lessons = excluded.lessons, events = excluded.events",
                &[
                    Value::text(run_id),
                    Value::text(school),
                    Value::text(started_at),
                    Value::text(finished_at),
                    Value::text(status),
                    Value::Text(error),
                    n(w.students),
                    n(w.marks),
                    n(w.lessons),
                    n(w.events),
                ],
            )
            .await
    }
}

#[cfg(test)]
mod tests;
