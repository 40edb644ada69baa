//! The typed ManageBac client: one method per documented endpoint (the ManageBac+
//! Public API spec, and the attendance group of the v2p1 reference).
//!
//! Lists come one page at a time (`*_page`, with the vendor's [`Meta`]) or as a lazy stream
//! over every page (mis-core's [`paginate`]). Paging sends `page` and `per_page` and is driven
//! by `meta.total_pages` — never by the size asked for, because "the API may return a number
//! of records less than passed in the request" (Faria's pagination notes). Without `total_pages` a
//! short page ends the walk.
//!
//! Query encoding ([`Query`] and the filters): `ids[]`, `year_group_ids[]`,
//! `homeroom_advisor_ids[]`, `class_ids[]` and `user_ids[]` repeat with brackets; `student_ids` is
//! sent as one comma-separated value (`student_ids=1,2,3`), which the vendor "accepts" alongside
//! repeated params and which keeps URLs short. Times (`modified_since`, `deleted_since`) are
//! ISO 8601 UTC.
//!
//! Writes: `PUT` (set attendance) is idempotent and retried like a read; `POST` and `PATCH`
//! (excusals) are never replayed once they may have reached the server (mis-http's
//! idempotency gate) — a replayed excusal would meet the vendor's overlap rule.

use std::fmt;
use std::sync::Arc;

use futures::stream::BoxStream;
use jiff::civil::Date;
use mis_core::paging::{Page, next_page_number, paginate};
use mis_core::{Error, Result};
use mis_http::{HttpClient, Lenient, WaitHint};
use serde::de::DeserializeOwned;

mod filters;

pub use filters::{
    BehaviorNoteFilter, ClassFilter, MembershipFilter, PersonFilter, Query, StudentFilter,
    StudentStatus, YearGroupFilter,
};

use crate::VENDOR;
use crate::auth::TokenAuth;
use crate::config::{ApiVersion, Config, DEFAULT_TIMEOUT, default_rate_limit};
use crate::error::ManageBacClassifier;
use crate::routes::{self, Route};
use crate::wire::{
    AcademicYear, AcademicYearsResponse, AdjustmentsResponse, AdvisorsResponse, AttendanceCategory,
    BehaviorNote, BulkItemResult, Calendar, CategoriesResponse, Child, Class, ClassAttendanceEntry,
    ClassDateAttendance, ClassStudents, ClassTeacher, ClassTerm, ClassTimetable, Excusal,
    ExcusalUpdate, HomeroomAttendance, HomeroomDateAttendance, Id, List, Listed, Membership, Meta,
    NewExcusal, One, Parent, Permissions, Pong, School, Student, StudentAdjustments, StudentKey,
    StudentRow, Teacher, TeacherGroup, TermAttendance, YearGroup, YearGroupStudents, bulk_results,
};

/// One page of a list.
#[derive(Debug, Clone, PartialEq)]
pub struct ListPage<T> {
    /// The records on this page.
    pub items: Vec<T>,
    /// The vendor's paging details, if sent.
    pub meta: Option<Meta>,
    /// The page asked for (1-based).
    pub page: u32,
    /// The next page to ask for, or `None` when this was the last.
    pub next: Option<u32>,
}

/// A ManageBac client for one school: cheap to clone (an `Arc` inside); clones share the
/// connection pool, the token and the rate gate.
///
/// The school's [`MisProvider`](mis_core::MisProvider) is
/// [`ManageBacProvider`](crate::ManageBacProvider), which reads through this client.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    http: HttpClient,
    version: ApiVersion,
    page_size: u32,
}

impl Client {
    /// A client for the school in `config`. Nothing is sent until the first call.
    ///
    /// Errors: `InvalidInput` for a base URL, token or time zone that cannot be used.
    pub fn new(config: Config) -> Result<Client> {
        let options = config.options();
        let base = config.endpoint()?;
        let page_size = config.page_size()?;
        // The vendor's limit "is applied per IP and accumulated regardless of endpoint": every
        // client of one host in this process shares one gate, at the limit set in the options
        // or else ManageBac's default.
        let gate_key = format!("{VENDOR}:{}", base.as_str());
        let limit = options.rate_limit().unwrap_or_else(default_rate_limit);
        let http = HttpClient::builder(VENDOR)
            .base(base)
            .prefix(config.api_version().prefix())
            .authenticator(TokenAuth::new(config.token())?)
            .timeout(DEFAULT_TIMEOUT)
            // A 429 carries `X-RateLimit-Reset: 2021-10-28 01:29:40 UTC`, no `Retry-After`;
            // both are read in case a proxy adds the standard one.
            .wait_hints(&[WaitHint::XRateLimitReset, WaitHint::RetryAfter])
            .classifier(ManageBacClassifier)
            .user_agent(concat!("mis-managebac/", env!("CARGO_PKG_VERSION")))
            .options(options)?
            // After the options, whose rate limit would give this client a gate of its own.
            .shared_rate_limit(&gate_key, limit)
            .build()?;
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                version: config.api_version(),
                page_size,
            }),
        })
    }

    /// A client configured from the environment ([`Config::from_env`]).
    pub fn from_env() -> Result<Client> {
        Client::new(Config::from_env()?)
    }

    /// Records asked for per page.
    pub fn page_size(&self) -> u32 {
        self.inner.page_size
    }

    /// The API version in use.
    pub fn api_version(&self) -> ApiVersion {
        self.inner.version
    }

    // ---- utilities ------------------------------------------------------------------------

    /// `GET /ping` → `{"pong": "ok"}`: checks the token and the host.
    pub async fn ping(&self) -> Result<Pong> {
        self.get(routes::ping(), &Query::new()).await
    }

    /// `GET /auth/permissions`: what the token may do (`students/excusals/index`, …).
    pub async fn permissions(&self) -> Result<Vec<String>> {
        let p: Permissions = self.get(routes::permissions(), &Query::new()).await?;
        Ok(p.permissions)
    }

    // ---- school and academics --------------------------------------------------------------

    /// `GET /school`.
    pub async fn school(&self) -> Result<School> {
        let One(s) = self.get(routes::school(), &Query::new()).await?;
        Ok(s)
    }

    /// `GET /school/academic-years` (`program_code`, `active`): the years **grouped by
    /// program code**, in the vendor's order.
    pub async fn academic_years_by_program(
        &self,
        program_code: Option<&str>,
        active: Option<bool>,
    ) -> Result<Vec<(String, Vec<AcademicYear>)>> {
        let q = Query::new()
            .opt("program_code", program_code)
            .flag("active", active);
        let r: AcademicYearsResponse = self.get(routes::academic_years(), &q).await?;
        Ok(r.academic_years
            .into_iter()
            .map(|(code, years)| (code, years.academic_years))
            .collect())
    }

    /// `GET /school/programs/{program_code}/academic-years/{id}`: one program's year with its
    /// terms (each with `academic_year_id`).
    pub async fn program_academic_year(&self, program_code: &str, id: Id) -> Result<AcademicYear> {
        let One(y) = self
            .get(
                routes::program_academic_year(program_code, id),
                &Query::new(),
            )
            .await?;
        Ok(y)
    }

    /// `GET /school/programs/{program_code}/academic-years/{id}/calendar`: school days and
    /// their rotation day.
    pub async fn calendar(&self, program_code: &str, academic_year_id: Id) -> Result<Calendar> {
        let One(c) = self
            .get(
                routes::calendar(program_code, academic_year_id),
                &Query::new(),
            )
            .await?;
        Ok(c)
    }

    /// `GET /school/academic-years/{id}/attendance_categories`: the tenant's statuses.
    pub async fn attendance_categories(
        &self,
        academic_year_id: Id,
    ) -> Result<Vec<AttendanceCategory>> {
        let r: CategoriesResponse = self
            .get(
                routes::attendance_categories(academic_year_id),
                &Query::new(),
            )
            .await?;
        Ok(r.categories)
    }

    /// `GET /school/grades`: program-grouped reference data. The reference documents no
    /// field list for it, so it is returned as sent.
    pub async fn grades(&self) -> Result<serde_json::Value> {
        self.get(routes::grades(), &Query::new()).await
    }

    /// `GET /school/subjects`: program-grouped reference data, as sent.
    pub async fn subjects(&self) -> Result<serde_json::Value> {
        self.get(routes::subjects(), &Query::new()).await
    }

    /// `GET /school/programs/{program_code}/subjects`, as sent.
    pub async fn program_subjects(&self, program_code: &str) -> Result<serde_json::Value> {
        self.get(routes::program_subjects(program_code), &Query::new())
            .await
    }

    /// `GET /subject-groups`, as sent.
    pub async fn subject_groups(&self) -> Result<serde_json::Value> {
        self.get(routes::subject_groups(), &Query::new()).await
    }

    /// `GET /school/term-grade-scales`, as sent.
    pub async fn term_grade_scales(&self) -> Result<serde_json::Value> {
        self.get(routes::term_grade_scales(), &Query::new()).await
    }

    /// `GET /school/term-rubrics`, as sent.
    pub async fn term_rubrics(&self) -> Result<serde_json::Value> {
        self.get(routes::term_rubrics(), &Query::new()).await
    }

    // ---- students ---------------------------------------------------------------------------

    /// One page of `GET /students`.
    pub async fn students_page(
        &self,
        filter: &StudentFilter,
        page: u32,
    ) -> Result<ListPage<Student>> {
        self.list_page(routes::students(), filter.query(), page)
            .await
    }

    /// Every student the filter matches, page by page as the stream is read. (Named apart from
    /// [`MisProvider::students`](mis_core::MisProvider::students), which returns the model.)
    pub fn student_records(&self, filter: &StudentFilter) -> BoxStream<'static, Result<Student>> {
        self.list_stream(routes::students(), filter.query())
    }

    /// Every student the filter matches, each record decoded on its own: a record that does
    /// not decode is a [`Lenient::Rejected`] carrying its `id`, and the walk goes on (the
    /// page's JSON itself must still be well-formed). What the provider reads.
    pub fn student_records_lenient(
        &self,
        filter: &StudentFilter,
    ) -> BoxStream<'static, Result<Lenient<Student>>> {
        self.list_stream(routes::students(), filter.query())
    }

    /// `GET /students` read for the fields that identify each student only
    /// ([`StudentKey`]), record by record.
    pub fn student_keys(
        &self,
        filter: &StudentFilter,
    ) -> BoxStream<'static, Result<Lenient<StudentKey>>> {
        self.list_stream(routes::students(), filter.query())
    }

    /// `GET /students` read record by record as [`StudentRow`]s: each student's whole record
    /// (or why it was rejected) and its identifying fields.
    pub fn student_rows(&self, filter: &StudentFilter) -> BoxStream<'static, Result<StudentRow>> {
        self.list_stream(routes::students(), filter.query())
    }

    /// `GET /students/{id}`.
    pub async fn student(&self, id: Id) -> Result<Student> {
        let One(s) = self.get(routes::student(id), &Query::new()).await?;
        Ok(s)
    }

    // ---- parents ----------------------------------------------------------------------------

    /// One page of `GET /parents`.
    pub async fn parents_page(&self, filter: &PersonFilter, page: u32) -> Result<ListPage<Parent>> {
        self.list_page(routes::parents(), filter.query(), page)
            .await
    }

    /// Every parent the filter matches.
    pub fn parents(&self, filter: &PersonFilter) -> BoxStream<'static, Result<Parent>> {
        self.list_stream(routes::parents(), filter.query())
    }

    /// `GET /parents/{id}`.
    pub async fn parent(&self, id: Id) -> Result<Parent> {
        let One(p) = self.get(routes::parent(id), &Query::new()).await?;
        Ok(p)
    }

    /// `GET /parents/{parent_id}/children`: `{id, relationship}` per child.
    pub fn parent_children(&self, parent_id: Id) -> BoxStream<'static, Result<Child>> {
        self.list_stream(routes::parent_children(parent_id), Query::new())
    }

    // ---- teachers ---------------------------------------------------------------------------

    /// One page of `GET /teachers`.
    pub async fn teachers_page(
        &self,
        filter: &PersonFilter,
        page: u32,
    ) -> Result<ListPage<Teacher>> {
        self.list_page(routes::teachers(), filter.query(), page)
            .await
    }

    /// Every teacher the filter matches.
    pub fn teachers(&self, filter: &PersonFilter) -> BoxStream<'static, Result<Teacher>> {
        self.list_stream(routes::teachers(), filter.query())
    }

    /// `GET /teachers/{id}`.
    pub async fn teacher(&self, id: Id) -> Result<Teacher> {
        let One(t) = self.get(routes::teacher(id), &Query::new()).await?;
        Ok(t)
    }

    /// `GET /teachers/{id}/classes`: the classes a teacher teaches (listed under `classes`
    /// \[I\]).
    pub fn teacher_classes(&self, teacher_id: Id) -> BoxStream<'static, Result<Class>> {
        self.list_stream(routes::teacher_classes(teacher_id), Query::new())
    }

    /// `GET /teachers/{id}/groups`: the groups a teacher belongs to (listed under `groups`
    /// \[I\]).
    pub fn teacher_groups(&self, teacher_id: Id) -> BoxStream<'static, Result<TeacherGroup>> {
        self.list_stream(routes::teacher_groups(teacher_id), Query::new())
    }

    // ---- classes ----------------------------------------------------------------------------

    /// One page of `GET /classes`.
    pub async fn classes_page(&self, filter: &ClassFilter, page: u32) -> Result<ListPage<Class>> {
        self.list_page(routes::classes(), filter.query(), page)
            .await
    }

    /// Every class the filter matches.
    pub fn classes(&self, filter: &ClassFilter) -> BoxStream<'static, Result<Class>> {
        self.list_stream(routes::classes(), filter.query())
    }

    /// `GET /classes/{id}`.
    pub async fn class(&self, id: Id) -> Result<Class> {
        let One(c) = self.get(routes::class(id), &Query::new()).await?;
        Ok(c)
    }

    /// `GET /classes/{id}/terms` (`academic_year_id`, `active_only`).
    pub async fn class_terms(
        &self,
        class_id: Id,
        academic_year_id: Option<Id>,
        active_only: Option<bool>,
    ) -> Result<Vec<ClassTerm>> {
        let q = Query::new()
            .opt("academic_year_id", academic_year_id.map(|i| i.to_string()))
            .flag("active_only", active_only);
        let l: List<ClassTerm> = self.get(routes::class_terms(class_id), &q).await?;
        Ok(l.items)
    }

    /// One page of `GET /classes/{id}/students` (`include_archived_students`, `student_ids`).
    pub async fn class_students_page(
        &self,
        class_id: Id,
        include_archived: Option<bool>,
        student_ids: &[Id],
        page: u32,
    ) -> Result<ListPage<Id>> {
        let q = Query::new()
            .flag("include_archived_students", include_archived)
            .ids_joined("student_ids", student_ids);
        let per_page = self.inner.page_size;
        let route = routes::class_students(class_id);
        check_page(page, route.operation())?;
        let r: ClassStudents = self.get(route, &paged(q, page, per_page)).await?;
        let next = next_page(page, r.meta.as_ref(), r.student_ids.len(), per_page);
        Ok(ListPage {
            items: r.student_ids,
            meta: r.meta,
            page,
            next,
        })
    }

    /// Every member of a class (ids).
    pub fn class_students(
        &self,
        class_id: Id,
        include_archived: Option<bool>,
    ) -> BoxStream<'static, Result<Id>> {
        let client = self.clone();
        paginate(
            VENDOR,
            routes::class_students(class_id).operation(),
            1u32,
            move |page| {
                let client = client.clone();
                async move {
                    let p = client
                        .class_students_page(class_id, include_archived, &[], page)
                        .await?;
                    Ok(Page {
                        items: p.items,
                        next: p.next,
                    })
                }
            },
        )
    }

    /// `GET /classes/{id}/teachers`.
    pub fn class_teachers(&self, class_id: Id) -> BoxStream<'static, Result<ClassTeacher>> {
        self.list_stream(routes::class_teachers(class_id), Query::new())
    }

    /// `GET /classes/{id}/timetable` (`include_disabled`): slots by rotation day and period.
    pub async fn class_timetable(
        &self,
        class_id: Id,
        include_disabled: Option<bool>,
    ) -> Result<ClassTimetable> {
        let q = Query::new().flag("include_disabled", include_disabled);
        let One(t) = self.get(routes::class_timetable(class_id), &q).await?;
        Ok(t)
    }

    // ---- year groups ------------------------------------------------------------------------

    /// One page of `GET /year-groups`.
    pub async fn year_groups_page(
        &self,
        filter: &YearGroupFilter,
        page: u32,
    ) -> Result<ListPage<YearGroup>> {
        self.list_page(routes::year_groups(), filter.query(), page)
            .await
    }

    /// Every year group the filter matches.
    pub fn year_groups(&self, filter: &YearGroupFilter) -> BoxStream<'static, Result<YearGroup>> {
        self.list_stream(routes::year_groups(), filter.query())
    }

    /// `GET /year-groups/{id}`.
    pub async fn year_group(&self, id: Id) -> Result<YearGroup> {
        let One(g) = self.get(routes::year_group(id), &Query::new()).await?;
        Ok(g)
    }

    /// One page of `GET /year-groups/{id}/students` (`student_ids`): the students with the
    /// year-group fields.
    pub async fn year_group_students_page(
        &self,
        year_group_id: Id,
        student_ids: &[Id],
        page: u32,
    ) -> Result<ListPage<Student>> {
        let route = routes::year_group_students(year_group_id);
        check_page(page, route.operation())?;
        let per_page = self.inner.page_size;
        let q = Query::new().ids_joined("student_ids", student_ids);
        let r: YearGroupStudents = self.get(route, &paged(q, page, per_page)).await?;
        let got = r.students.len().max(r.student_ids.len());
        let next = next_page(page, r.meta.as_ref(), got, per_page);
        Ok(ListPage {
            items: r.students,
            meta: r.meta,
            page,
            next,
        })
    }

    /// Every student of a year group.
    pub fn year_group_students(&self, year_group_id: Id) -> BoxStream<'static, Result<Student>> {
        let client = self.clone();
        paginate(
            VENDOR,
            routes::year_group_students(year_group_id).operation(),
            1u32,
            move |page| {
                let client = client.clone();
                async move {
                    let p = client
                        .year_group_students_page(year_group_id, &[], page)
                        .await?;
                    Ok(Page {
                        items: p.items,
                        next: p.next,
                    })
                }
            },
        )
    }

    /// `GET /year-groups/{id}/advisors`: `{id, roles}` per advisor.
    pub async fn year_group_advisors(
        &self,
        year_group_id: Id,
    ) -> Result<Vec<crate::wire::Advisor>> {
        let r: AdvisorsResponse = self
            .get(routes::year_group_advisors(year_group_id), &Query::new())
            .await?;
        Ok(r.advisors)
    }

    // ---- attendance -------------------------------------------------------------------------

    /// `GET /classes/{id}/attendance/term/{term_id}` (`archived_students`, `student_ids`):
    /// counts per label and per category.
    pub async fn class_attendance_term(
        &self,
        class_id: Id,
        term_id: Id,
        archived_students: Option<bool>,
        student_ids: &[Id],
    ) -> Result<TermAttendance> {
        let q = Query::new()
            .flag("archived_students", archived_students)
            .ids_joined("student_ids", student_ids);
        self.get(routes::class_attendance_term(class_id, term_id), &q)
            .await
    }

    /// `GET /classes/{id}/attendance/date/{date}` (`student_ids`): each student's periods,
    /// keyed by period number as the school counts it (see
    /// [`PeriodNumbering`](crate::wire::PeriodNumbering)). The date must be inside the class's
    /// terms (else 422).
    pub async fn class_attendance_date(
        &self,
        class_id: Id,
        date: Date,
        student_ids: &[Id],
    ) -> Result<ClassDateAttendance> {
        let q = Query::new().ids_joined("student_ids", student_ids);
        self.get(routes::class_attendance_date(class_id, date), &q)
            .await
    }

    /// `PUT /classes/{id}/attendance`: creates or updates each entry's record (student, date,
    /// period). Idempotent, so it is retried like a read. The answer is per entry; entries the
    /// vendor refused come back with their `errors`, not as an `Err`.
    pub async fn set_class_attendance(
        &self,
        class_id: Id,
        entries: &[ClassAttendanceEntry],
    ) -> Result<Vec<BulkItemResult>> {
        let route = routes::set_class_attendance(class_id);
        let body = serde_json::json!({ "attendances": entries });
        let v: serde_json::Value = self
            .inner
            .http
            .put(&route.segments())
            .operation(route.operation())
            .json(&body)?
            .send_json()
            .await?;
        bulk_results(&v).map_err(|e| {
            Error::decode(
                VENDOR,
                route.operation(),
                format!("the per-entry results have an unexpected shape: {e}"),
                mis_core::DecodeDetail::new(".", v.to_string().as_bytes()),
            )
        })
    }

    /// `GET /year-groups/{id}/homeroom/attendance/term/{term_id}` (`archived_students`,
    /// `student_ids`).
    pub async fn homeroom_attendance_term(
        &self,
        year_group_id: Id,
        term_id: Id,
        archived_students: Option<bool>,
        student_ids: &[Id],
    ) -> Result<TermAttendance> {
        let q = Query::new()
            .flag("archived_students", archived_students)
            .ids_joined("student_ids", student_ids);
        self.get(routes::homeroom_attendance_term(year_group_id, term_id), &q)
            .await
    }

    /// `GET /year-groups/{id}/homeroom/attendance/date/{date}` (`student_ids`): one record per
    /// student (the day register).
    pub async fn homeroom_attendance_date(
        &self,
        year_group_id: Id,
        date: Date,
        student_ids: &[Id],
    ) -> Result<HomeroomDateAttendance> {
        let q = Query::new().ids_joined("student_ids", student_ids);
        self.get(routes::homeroom_attendance_date(year_group_id, date), &q)
            .await
    }

    /// `GET /year-groups/{id}/homeroom/attendance/term/{term_id}/adjustments`.
    pub async fn homeroom_adjustments(
        &self,
        year_group_id: Id,
        term_id: Id,
    ) -> Result<Vec<StudentAdjustments>> {
        let r: AdjustmentsResponse = self
            .get(
                routes::homeroom_adjustments(year_group_id, term_id),
                &Query::new(),
            )
            .await?;
        Ok(r.students)
    }

    /// `PUT /students/{id}/set_homeroom_attendance`: sets (creates or replaces) the student's
    /// homeroom record for the date. Idempotent, so retried like a read. The vendor documents
    /// no answer body; it is returned as sent.
    pub async fn set_homeroom_attendance(
        &self,
        body: &HomeroomAttendance,
    ) -> Result<serde_json::Value> {
        let route = routes::set_homeroom_attendance(body.id);
        let response = self
            .inner
            .http
            .put(&route.segments())
            .operation(route.operation())
            .json(body)?
            .send()
            .await?;
        Ok(serde_json::from_slice(response.body()).unwrap_or(serde_json::Value::Null))
    }

    // ---- excusals ---------------------------------------------------------------------------

    /// One page of `GET /students/{id}/excusals` (`applies_on`).
    pub async fn student_excusals_page(
        &self,
        student_id: Id,
        applies_on: Option<Date>,
        page: u32,
    ) -> Result<ListPage<Excusal>> {
        let q = Query::new().opt("applies_on", applies_on.map(|d| d.to_string()));
        self.list_page(routes::student_excusals(student_id), q, page)
            .await
    }

    /// Every excusal of a student (that applies on `applies_on`, when given).
    pub fn student_excusals(
        &self,
        student_id: Id,
        applies_on: Option<Date>,
    ) -> BoxStream<'static, Result<Excusal>> {
        let q = Query::new().opt("applies_on", applies_on.map(|d| d.to_string()));
        self.list_stream(routes::student_excusals(student_id), q)
    }

    /// One page of `GET /students/excusals/{date}` (`student_ids`).
    pub async fn excusals_on_page(
        &self,
        date: Date,
        student_ids: &[Id],
        page: u32,
    ) -> Result<ListPage<Excusal>> {
        let q = Query::new().ids_joined("student_ids", student_ids);
        self.list_page(routes::excusals_on(date), q, page).await
    }

    /// Every excusal that applies on `date`.
    pub fn excusals_on(
        &self,
        date: Date,
        student_ids: &[Id],
    ) -> BoxStream<'static, Result<Excusal>> {
        let q = Query::new().ids_joined("student_ids", student_ids);
        self.list_stream(routes::excusals_on(date), q)
    }

    /// `POST /students/{id}/excusals`: 201 with the excusal. Never replayed once sent (a
    /// replay would meet the overlap rule); 422 when the parent is not linked, the range
    /// overlaps another excusal, or lasts outside 1–12 days.
    pub async fn create_excusal(&self, student_id: Id, excusal: &NewExcusal) -> Result<Excusal> {
        let route = routes::create_excusal(student_id);
        let One(e) = self
            .inner
            .http
            .post(&route.segments())
            .operation(route.operation())
            .json(&serde_json::json!({ "excusal": excusal }))?
            .send_json()
            .await?;
        Ok(e)
    }

    /// `PATCH /students/{student_id}/excusals/{id}`: changes the fields that are set.
    pub async fn update_excusal(
        &self,
        student_id: Id,
        excusal_id: Id,
        update: &ExcusalUpdate,
    ) -> Result<Excusal> {
        let route = routes::update_excusal(student_id, excusal_id);
        let One(x) = self
            .inner
            .http
            .patch(&route.segments())
            .operation(route.operation())
            .json(&serde_json::json!({ "excusal": update }))?
            .send_json()
            .await?;
        Ok(x)
    }

    /// `DELETE /students/{student_id}/excusals/{id}`: answers the deleted excusal.
    pub async fn delete_excusal(&self, student_id: Id, excusal_id: Id) -> Result<Excusal> {
        let route = routes::delete_excusal(student_id, excusal_id);
        let One(x) = self
            .inner
            .http
            .delete(&route.segments())
            .operation(route.operation())
            .send_json()
            .await?;
        Ok(x)
    }

    // ---- behaviour and memberships ----------------------------------------------------------

    /// One page of `GET /behavior/notes` (US spelling).
    pub async fn behavior_notes_page(
        &self,
        filter: &BehaviorNoteFilter,
        page: u32,
    ) -> Result<ListPage<BehaviorNote>> {
        self.list_page(routes::behavior_notes(), filter.query(), page)
            .await
    }

    /// Every behaviour note the filter matches.
    pub fn behavior_notes(
        &self,
        filter: &BehaviorNoteFilter,
    ) -> BoxStream<'static, Result<BehaviorNote>> {
        self.list_stream(routes::behavior_notes(), filter.query())
    }

    /// Every behaviour note the filter matches, each decoded on its own (see
    /// [`Client::student_records_lenient`]).
    pub fn behavior_notes_lenient(
        &self,
        filter: &BehaviorNoteFilter,
    ) -> BoxStream<'static, Result<Lenient<BehaviorNote>>> {
        self.list_stream(routes::behavior_notes(), filter.query())
    }

    /// One page of `GET /memberships`.
    pub async fn memberships_page(
        &self,
        filter: &MembershipFilter,
        page: u32,
    ) -> Result<ListPage<Membership>> {
        self.list_page(routes::memberships(), filter.query(), page)
            .await
    }

    /// Every membership the filter matches.
    pub fn memberships(&self, filter: &MembershipFilter) -> BoxStream<'static, Result<Membership>> {
        self.list_stream(routes::memberships(), filter.query())
    }

    // ---- the generic parts ------------------------------------------------------------------

    async fn get<T: DeserializeOwned>(&self, route: Route, query: &Query) -> Result<T> {
        self.inner
            .http
            .get(&route.segments())
            .query(query.pairs())
            .operation(route.operation())
            .send_json()
            .await
    }

    async fn list_page<T: Listed>(
        &self,
        route: Route,
        query: Query,
        page: u32,
    ) -> Result<ListPage<T>> {
        check_page(page, route.operation())?;
        let per_page = self.inner.page_size;
        let list: List<T> = self.get(route, &paged(query, page, per_page)).await?;
        let next = next_page(page, list.meta.as_ref(), list.items.len(), per_page);
        Ok(ListPage {
            items: list.items,
            meta: list.meta,
            page,
            next,
        })
    }

    fn list_stream<T: Listed + Send + 'static>(
        &self,
        route: Route,
        query: Query,
    ) -> BoxStream<'static, Result<T>> {
        let client = self.clone();
        paginate(VENDOR, route.operation(), 1u32, move |page| {
            let client = client.clone();
            let route = route.clone();
            let query = query.clone();
            async move {
                let p = client.list_page::<T>(route, query, page).await?;
                Ok(Page {
                    items: p.items,
                    next: p.next,
                })
            }
        })
    }
}

fn paged(query: Query, page: u32, per_page: u32) -> Query {
    query
        .push("page", page.to_string())
        .push("per_page", per_page.to_string())
}

fn check_page(page: u32, operation: &'static str) -> Result<()> {
    if page == 0 {
        return Err(Error::invalid_input("ManageBac page numbers start at 1")
            .with_vendor(VENDOR)
            .with_operation(operation));
    }
    Ok(())
}

/// The page after `page`: from `meta.total_pages` when sent (Faria: drive paging
/// from `meta`, as pages may be shorter than asked), else a short page is the last.
pub(crate) fn next_page(page: u32, meta: Option<&Meta>, got: usize, per_page: u32) -> Option<u32> {
    match meta {
        Some(m) if m.total_pages.is_some() => m.has_more(page).then_some(page + 1),
        _ => next_page_number(page, got, per_page as usize),
    }
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The HTTP client prints no header values; the token lives only in the authenticator.
        f.debug_struct("Client")
            .field("http", &self.inner.http)
            .field("version", &self.inner.version)
            .field("page_size", &self.inner.page_size)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paging_follows_meta_then_short_pages() {
        let meta = |current, total| Meta {
            current_page: Some(current),
            total_pages: Some(total),
            ..Meta::default()
        };
        // A short page (the vendor served fewer than asked) is not the end when meta says so.
        assert_eq!(next_page(1, Some(&meta(1, 3)), 10, 50), Some(2));
        assert_eq!(next_page(3, Some(&meta(3, 3)), 50, 50), None);
        // A server stuck on `current_page: 1` cannot loop forever.
        assert_eq!(next_page(3, Some(&meta(1, 3)), 50, 50), None);
        assert_eq!(next_page(1, None, 50, 50), Some(2));
        assert_eq!(next_page(1, None, 49, 50), None);
    }
}
