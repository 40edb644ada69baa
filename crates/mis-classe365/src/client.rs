//! The typed Classe365 REST v2 client.
//!
//! One method per documented resource and verb (paths: [`routes`], inferred). Lists come
//! either one page at a time (`*_page`) or as a lazy stream over every page (mis-core's
//! [`paginate`]); single records are fetched by id; writes are `POST`s that create without an
//! `id` and update with one (vendor doc, "Standard HTTP Verbs").
//!
//! Quirks handled here, all from the vendor's v2 getting-started article:
//! - **204 No Content** means "nothing matched": an empty page for a list, `NotFound` for a
//!   single record or an update of a record that does not exist. The body (if any) is not
//!   read: HTTP says a 204 has none, whatever the vendor document suggests.
//! - **Paging**: `page` / `per_page`; `meta` (`current_page`, `per_page`, `total_records`,
//!   `total_pages`) says whether there is more. `meta` is "occasionally" sent, so without it
//!   a short page ends the list.
//! - **POST is never retried**: an upsert that may have reached the server could be applied
//!   twice (a create would duplicate). Writes go through a second stack with one attempt,
//!   sharing the read stack's rate gate. A failed write whose outcome is unknown says so
//!   ([`mis_core::Error::is_outcome_unknown`]).

use std::fmt;
use std::sync::Arc;

use futures::stream::BoxStream;
use mis_core::paging::{Page, next_page_number, paginate};
use mis_core::{DateRange, DecodeDetail, Error, ErrorKind, Result};
use mis_http::{HttpClient, RateLimit, RetryConfig, StatusCode, WaitHint, header};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::VENDOR;
use crate::auth;
use crate::config::{Config, DEFAULT_TIMEOUT};
use crate::error::Classe365Classifier;
use crate::routes::{self, Resource};
use crate::wire::{
    AttendanceRecord, Class, ClassInput, Department, DepartmentInput, Envelope, Meta, Session,
    SessionInput, Student, StudentInput, Teacher,
};

/// One page of a list.
#[derive(Debug, Clone, PartialEq)]
pub struct ListPage<T> {
    /// The records on this page, in the vendor's order.
    pub items: Vec<T>,
    /// The paging details the vendor sent, if any.
    pub meta: Option<Meta>,
    /// The page number asked for (1-based).
    pub page: u32,
    /// The next page to ask for, or `None` when this was the last.
    pub next: Option<u32>,
}

/// Which attendance records to list: a date range and optionally one student.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttendanceFilter {
    /// The dates (inclusive), sent as `from` and `to`.
    pub range: DateRange,
    /// Only this student, sent as `student_id`.
    pub student_id: Option<String>,
}

impl AttendanceFilter {
    /// Every record in `range`.
    pub fn new(range: DateRange) -> Self {
        AttendanceFilter {
            range,
            student_id: None,
        }
    }

    /// Only one student's records.
    pub fn student(mut self, student_id: impl Into<String>) -> Self {
        self.student_id = Some(student_id.into());
        self
    }

    fn params(&self) -> Vec<(&'static str, String)> {
        let mut params = vec![
            (routes::FROM, self.range.from().to_string()),
            (routes::TO, self.range.to().to_string()),
        ];
        if let Some(student) = &self.student_id {
            params.push((routes::STUDENT_ID, student.clone()));
        }
        params
    }
}

/// A Classe365 client for one tenant: the vendor's own records, one method per resource and
/// verb. Cheap to clone (an `Arc` inside); clones share the connection pool, the credential
/// and the rate gate.
///
/// The same data in the model every vendor shares is
/// [`Classe365Provider`](crate::Classe365Provider), which reads through a `Client`.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    /// GETs: retried per the config.
    reads: HttpClient,
    /// POSTs: one attempt, same rate gate.
    writes: HttpClient,
    /// The tenant subdomain, for `Debug`.
    tenant: String,
    page_size: u32,
}

impl Client {
    /// A client for the tenant in `config`. Nothing is sent until the first call.
    ///
    /// The shared settings ([`Config::options`]) are applied over Classe365's defaults
    /// (see [`crate::config`]); a transport set there replaces the network for reads and
    /// writes alike.
    ///
    /// Errors: `InvalidInput` for a base URL, page size or credential that cannot
    /// be used.
    pub fn new(config: Config) -> Result<Client> {
        let base = config.base()?;
        let page_size = config.page_size()?;
        let options = config.options();
        let stack = || -> Result<_> {
            HttpClient::builder(VENDOR)
                .base(base.clone())
                .prefix(routes::PREFIX)
                .authenticator(auth::authenticator(&config)?)
                .retry(RetryConfig::default())
                .timeout(DEFAULT_TIMEOUT)
                // The vendor publishes no quota: no client-side limit unless one is set; a
                // 429 still closes the gate for its Retry-After.
                .rate_limit(RateLimit::unlimited())
                // No rate-limit headers are documented; Retry-After is the standard one.
                .wait_hints(&[WaitHint::RetryAfter])
                .classifier(Classe365Classifier)
                // "5xx … These are safe to retry after a short backoff period." (vendor doc)
                .retry_on_500(true)
                .user_agent(concat!("mis-classe365/", env!("CARGO_PKG_VERSION")))
                .options(options)
        };
        let reads = stack()?.build()?;
        // Set after the options, which must not undo them: a POST is an upsert that may
        // have reached the server, so it is sent once; and it queues at the reads' gate.
        let writes = stack()?
            .retry(RetryConfig::none())
            .rate_gate(reads.rate_gate().clone())
            .build()?;
        Ok(Client {
            inner: Arc::new(Inner {
                reads,
                writes,
                tenant: config.subdomain().as_str().to_owned(),
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

    // ---- students -------------------------------------------------------------------------

    /// One page of students (`GET /students?page&per_page`).
    pub async fn students_page(&self, page: u32) -> Result<ListPage<Student>> {
        self.list_page(Resource::Students, &[], page).await
    }

    /// Every student, page by page as the stream is read. (Named apart from
    /// [`MisProvider::students`](mis_core::MisProvider::students), which returns the model.)
    pub fn student_records(&self) -> BoxStream<'static, Result<Student>> {
        self.list_stream(Resource::Students, Vec::new())
    }

    /// Every student, each decoded on its own (one bad record costs only itself).
    pub(crate) fn student_records_lenient(
        &self,
    ) -> BoxStream<'static, Result<mis_http::Lenient<Student>>> {
        self.list_stream(Resource::Students, Vec::new())
    }

    /// One student (`GET /students/{id}`); `NotFound` when the vendor answers 204.
    pub async fn student(&self, id: &str) -> Result<Student> {
        self.get_one(Resource::Students, id).await
    }

    /// Creates or updates a student (`POST /students`): without `id` the vendor creates one,
    /// with `id` it updates that student (only the fields that are set). Returns the record
    /// the vendor sent back. Never retried.
    ///
    /// Prefer [`Client::create_student`] / [`Client::update_student`], which check that the
    /// `id` says what you mean. To change a student you have read, start from
    /// `StudentInput::from(&student)`.
    pub async fn save_student(&self, student: &StudentInput) -> Result<Student> {
        self.save(Resource::Students, student, student.id.as_deref())
            .await
    }

    /// Creates a student; `InvalidInput` if `student.id` is set (that would be an update).
    pub async fn create_student(&self, student: &StudentInput) -> Result<Student> {
        if student.id.is_some() {
            return Err(Error::invalid_input(
                "create_student: the student has an id, which would update that student; \
                 clear it to create a new one, or call update_student",
            ));
        }
        self.save_student(student).await
    }

    /// Updates the student `student.id`; `InvalidInput` if it has no id (that would create
    /// one), `NotFound` if the vendor has no such student (204).
    pub async fn update_student(&self, student: &StudentInput) -> Result<Student> {
        match student.id.as_deref() {
            Some(id) if !id.trim().is_empty() => self.save_student(student).await,
            _ => Err(Error::invalid_input(
                "update_student: the student has no id, which would create a new student; \
                 set the id of the student to update, or call create_student",
            )),
        }
    }

    // ---- academic structure and staff -----------------------------------------------------

    /// One page of classes (`GET /classes`).
    pub async fn classes_page(&self, page: u32) -> Result<ListPage<Class>> {
        self.list_page(Resource::Classes, &[], page).await
    }

    /// Every class.
    pub fn classes(&self) -> BoxStream<'static, Result<Class>> {
        self.list_stream(Resource::Classes, Vec::new())
    }

    /// One page of academic sessions (`GET /sessions`).
    pub async fn sessions_page(&self, page: u32) -> Result<ListPage<Session>> {
        self.list_page(Resource::Sessions, &[], page).await
    }

    /// Every academic session.
    pub fn sessions(&self) -> BoxStream<'static, Result<Session>> {
        self.list_stream(Resource::Sessions, Vec::new())
    }

    /// One page of departments (`GET /departments`).
    pub async fn departments_page(&self, page: u32) -> Result<ListPage<Department>> {
        self.list_page(Resource::Departments, &[], page).await
    }

    /// Every department.
    pub fn departments(&self) -> BoxStream<'static, Result<Department>> {
        self.list_stream(Resource::Departments, Vec::new())
    }

    /// One class (`GET /classes/{id}`); `NotFound` when the vendor answers 204.
    pub async fn class(&self, id: &str) -> Result<Class> {
        self.get_one(Resource::Classes, id).await
    }

    /// Creates or updates a class (`POST /classes`): without `id` the vendor creates one,
    /// with `id` it updates that class. Returns the record the vendor sent back. Never
    /// retried (a create that reached the server would be duplicated).
    pub async fn save_class(&self, class: &ClassInput) -> Result<Class> {
        self.save(Resource::Classes, class, class.id.as_deref())
            .await
    }

    /// Creates a class; `InvalidInput` if `class.id` is set (that would be an update).
    pub async fn create_class(&self, class: &ClassInput) -> Result<Class> {
        creating(Resource::Classes, class.id.as_deref())?;
        self.save_class(class).await
    }

    /// Updates the class `class.id`; `InvalidInput` without an id (that would create one),
    /// `NotFound` if the vendor has no such class (204).
    pub async fn update_class(&self, class: &ClassInput) -> Result<Class> {
        updating(Resource::Classes, class.id.as_deref())?;
        self.save_class(class).await
    }

    /// One academic session (`GET /sessions/{id}`); `NotFound` when the vendor answers 204.
    pub async fn session(&self, id: &str) -> Result<Session> {
        self.get_one(Resource::Sessions, id).await
    }

    /// Creates or updates an academic session (`POST /sessions`), as [`Client::save_class`].
    pub async fn save_session(&self, session: &SessionInput) -> Result<Session> {
        self.save(Resource::Sessions, session, session.id.as_deref())
            .await
    }

    /// Creates an academic session; `InvalidInput` if `session.id` is set.
    pub async fn create_session(&self, session: &SessionInput) -> Result<Session> {
        creating(Resource::Sessions, session.id.as_deref())?;
        self.save_session(session).await
    }

    /// Updates the session `session.id`; `InvalidInput` without an id, `NotFound` (204) if
    /// there is no such session.
    pub async fn update_session(&self, session: &SessionInput) -> Result<Session> {
        updating(Resource::Sessions, session.id.as_deref())?;
        self.save_session(session).await
    }

    /// One department (`GET /departments/{id}`); `NotFound` when the vendor answers 204.
    pub async fn department(&self, id: &str) -> Result<Department> {
        self.get_one(Resource::Departments, id).await
    }

    /// Creates or updates a department (`POST /departments`), as [`Client::save_class`].
    pub async fn save_department(&self, department: &DepartmentInput) -> Result<Department> {
        self.save(Resource::Departments, department, department.id.as_deref())
            .await
    }

    /// Creates a department; `InvalidInput` if `department.id` is set.
    pub async fn create_department(&self, department: &DepartmentInput) -> Result<Department> {
        creating(Resource::Departments, department.id.as_deref())?;
        self.save_department(department).await
    }

    /// Updates the department `department.id`; `InvalidInput` without an id, `NotFound`
    /// (204) if there is no such department.
    pub async fn update_department(&self, department: &DepartmentInput) -> Result<Department> {
        updating(Resource::Departments, department.id.as_deref())?;
        self.save_department(department).await
    }

    /// One page of teachers (`GET /teachers`).
    pub async fn teachers_page(&self, page: u32) -> Result<ListPage<Teacher>> {
        self.list_page(Resource::Teachers, &[], page).await
    }

    /// Every teacher.
    pub fn teachers(&self) -> BoxStream<'static, Result<Teacher>> {
        self.list_stream(Resource::Teachers, Vec::new())
    }

    // ---- attendance -----------------------------------------------------------------------

    /// One page of attendance records (`GET /attendance?from&to[&student_id]`).
    pub async fn attendance_page(
        &self,
        filter: &AttendanceFilter,
        page: u32,
    ) -> Result<ListPage<AttendanceRecord>> {
        self.list_page(Resource::Attendance, &filter.params(), page)
            .await
    }

    /// Every attendance record the filter matches. (Named apart from
    /// [`MisProvider::attendance`](mis_core::MisProvider::attendance), which returns marks.)
    pub fn attendance_records(
        &self,
        filter: &AttendanceFilter,
    ) -> BoxStream<'static, Result<AttendanceRecord>> {
        self.list_stream(Resource::Attendance, filter.params())
    }

    /// Every attendance record the filter matches, each decoded on its own.
    pub(crate) fn attendance_records_lenient(
        &self,
        filter: &AttendanceFilter,
    ) -> BoxStream<'static, Result<mis_http::Lenient<AttendanceRecord>>> {
        self.list_stream(Resource::Attendance, filter.params())
    }

    /// Creates or updates an attendance record (`POST /attendance`): without `id` the
    /// vendor creates one, with `id` it updates that record. Never retried.
    pub async fn save_attendance(&self, record: &AttendanceRecord) -> Result<AttendanceRecord> {
        self.save(Resource::Attendance, record, record.id.as_deref())
            .await
    }

    // ---- the generic parts ----------------------------------------------------------------

    async fn list_page<T: DeserializeOwned>(
        &self,
        resource: Resource,
        params: &[(&'static str, String)],
        page: u32,
    ) -> Result<ListPage<T>> {
        let operation = resource.list_operation();
        if page == 0 {
            return Err(Error::invalid_input("page numbers start at 1")
                .with_vendor(VENDOR)
                .with_operation(operation));
        }
        let per_page = self.inner.page_size;
        let response = self
            .inner
            .reads
            .get(&[resource.segment()])
            .query(params)
            .query(&[
                (routes::PAGE, page.to_string()),
                (routes::PER_PAGE, per_page.to_string()),
            ])
            .header(header::ACCEPT, "application/json")
            .operation(operation)
            .send()
            .await?;
        if response.status() == StatusCode::NO_CONTENT {
            // "a list endpoint matched zero rows" (vendor doc, 204).
            return Ok(ListPage {
                items: Vec::new(),
                meta: None,
                page,
                next: None,
            });
        }
        let envelope: Envelope<T> = decode(operation, response.body())?;
        let items = match (envelope.records, envelope.record, envelope.message) {
            (Some(items), _, _) => items,
            // An empty list said in words rather than with a 204: lenient, it means the same.
            (None, None, Some(_)) => Vec::new(),
            (None, Some(_), _) => {
                return Err(Error::decode(
                    VENDOR,
                    operation,
                    "expected a list under `records`, got a single `record`",
                    DecodeDetail::new("records", response.body()),
                ));
            }
            (None, None, None) => {
                return Err(Error::decode(
                    VENDOR,
                    operation,
                    "the response has no `records` (nor a `message`)",
                    DecodeDetail::new("records", response.body()),
                ));
            }
        };
        let next = next_page(page, envelope.meta.as_ref(), items.len(), per_page);
        Ok(ListPage {
            items,
            meta: envelope.meta,
            page,
            next,
        })
    }

    fn list_stream<T>(
        &self,
        resource: Resource,
        params: Vec<(&'static str, String)>,
    ) -> BoxStream<'static, Result<T>>
    where
        T: DeserializeOwned + Send + 'static,
    {
        let client = self.clone();
        paginate(VENDOR, resource.list_operation(), 1u32, move |page| {
            let client = client.clone();
            let params = params.clone();
            async move {
                let p = client.list_page::<T>(resource, &params, page).await?;
                Ok(Page {
                    items: p.items,
                    next: p.next,
                })
            }
        })
    }

    async fn get_one<T: DeserializeOwned>(&self, resource: Resource, id: &str) -> Result<T> {
        let operation = resource.get_operation();
        if id.trim().is_empty() {
            return Err(
                Error::invalid_input(format!("the {} id is empty", resource.noun()))
                    .with_vendor(VENDOR)
                    .with_operation(operation),
            );
        }
        let response = self
            .inner
            .reads
            .get(&[resource.segment(), id])
            .header(header::ACCEPT, "application/json")
            .operation(operation)
            .send()
            .await?;
        if response.status() == StatusCode::NO_CONTENT {
            // "the requested record does not exist" (vendor doc, 204).
            return Err(not_found(resource, id, operation));
        }
        let envelope: Envelope<T> = decode(operation, response.body())?;
        envelope.record.ok_or_else(|| {
            Error::decode(
                VENDOR,
                operation,
                "expected the resource under `record`",
                DecodeDetail::new("record", response.body()),
            )
        })
    }

    async fn save<B: Serialize, T: DeserializeOwned>(
        &self,
        resource: Resource,
        body: &B,
        id: Option<&str>,
    ) -> Result<T> {
        let operation = resource.save_operation();
        let response = self
            .inner
            .writes
            .post(&[resource.segment()])
            .json(body)
            .map_err(|e| e.with_vendor(VENDOR).with_operation(operation))?
            .header(header::ACCEPT, "application/json")
            .operation(operation)
            .idempotent(false)
            .send()
            .await?;
        if response.status() == StatusCode::NO_CONTENT {
            return Err(match id {
                Some(id) => not_found(resource, id, operation),
                None => Error::new(
                    ErrorKind::Vendor,
                    format!(
                        "Classe365 answered 204 No Content to creating a {}: nothing was \
                         returned, so it is unknown whether it was created",
                        resource.noun()
                    ),
                )
                .with_vendor(VENDOR)
                .with_operation(operation)
                .with_status(204)
                .with_outcome_unknown(),
            });
        }
        let envelope: Envelope<T> = decode(operation, response.body())?;
        envelope.record.ok_or_else(|| {
            Error::decode(
                VENDOR,
                operation,
                "expected the saved resource under `record`",
                DecodeDetail::new("record", response.body()),
            )
        })
    }
}

/// `InvalidInput` when a create carries an id: the vendor would update that record instead.
fn creating(resource: Resource, id: Option<&str>) -> Result<()> {
    match id {
        None => Ok(()),
        Some(_) => Err(Error::invalid_input(format!(
            "create_{noun}: the {noun} has an id, which would update that {noun}; clear it \
             to create a new one, or call update_{noun}",
            noun = resource.noun()
        ))
        .with_vendor(VENDOR)
        .with_operation(resource.save_operation())),
    }
}

/// `InvalidInput` when an update has no id: the vendor would create a new record instead.
fn updating(resource: Resource, id: Option<&str>) -> Result<()> {
    match id {
        Some(id) if !id.trim().is_empty() => Ok(()),
        _ => Err(Error::invalid_input(format!(
            "update_{noun}: the {noun} has no id, which would create a new {noun}; set the \
             id of the {noun} to update, or call create_{noun}",
            noun = resource.noun()
        ))
        .with_vendor(VENDOR)
        .with_operation(resource.save_operation())),
    }
}

/// `NotFound` for a 204 on a single record.
fn not_found(resource: Resource, id: &str, operation: &'static str) -> Error {
    Error::new(
        ErrorKind::NotFound,
        format!(
            "no {} with id {id:?} (the vendor answered 204 No Content)",
            resource.noun()
        ),
    )
    .with_vendor(VENDOR)
    .with_operation(operation)
    .with_status(204)
}

/// Where the next page starts, from what the vendor said about this one.
///
/// - An empty page is the last, whatever `meta` claims (a `meta` that always says "more"
///   must not make the stream loop).
/// - With `meta.total_pages`: more while the page asked for is below it. The page *asked
///   for* is used, not `meta.current_page`, so a vendor that ignores `page` cannot loop us.
/// - With only `meta.total_records`: more while `page * per_page` is below it.
/// - Without `meta` ("occasionally accompanied by a meta object"): a full page means maybe
///   more, a short page is the last.
pub fn next_page(page: u32, meta: Option<&Meta>, got: usize, per_page: u32) -> Option<u32> {
    if got == 0 {
        return None;
    }
    let per_page = meta
        .and_then(|m| m.per_page)
        .filter(|n| *n > 0)
        .unwrap_or(u64::from(per_page));
    match meta {
        Some(Meta {
            total_pages: Some(total),
            ..
        }) => (u64::from(page) < *total).then_some(page + 1),
        Some(Meta {
            total_records: Some(total),
            ..
        }) => (u64::from(page) * per_page < *total).then_some(page + 1),
        _ => next_page_number(page, got, usize::try_from(per_page).unwrap_or(usize::MAX)),
    }
}

/// Decodes a JSON body, naming the failing path (`records[3].date`) on error.
pub(crate) fn decode<T: DeserializeOwned>(operation: &str, body: &[u8]) -> Result<T> {
    mis_http::decode_json(VENDOR, operation, body)
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // mis-http's Debug shows no header values; the API key lives only in its authenticator.
        f.debug_struct("Client")
            .field("vendor", &VENDOR)
            .field("tenant", &self.inner.tenant)
            .field("page_size", &self.inner.page_size)
            .field("http", &self.inner.reads)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta(pages: Option<u64>, records: Option<u64>) -> Meta {
        Meta {
            current_page: Some(1),
            per_page: Some(2),
            total_records: records,
            total_pages: pages,
        }
    }

    #[test]
    fn next_page_rules() {
        assert_eq!(next_page(1, Some(&meta(Some(3), None)), 2, 2), Some(2));
        assert_eq!(next_page(3, Some(&meta(Some(3), None)), 2, 2), None);
        // An empty page ends the list even if meta says otherwise.
        assert_eq!(next_page(1, Some(&meta(Some(9), None)), 0, 2), None);
        assert_eq!(next_page(1, Some(&meta(None, Some(5))), 2, 2), Some(2));
        assert_eq!(next_page(3, Some(&meta(None, Some(5))), 1, 2), None);
        assert_eq!(next_page(2, Some(&meta(None, Some(4))), 2, 2), None);
        // No meta: short page ends.
        assert_eq!(next_page(1, None, 100, 100), Some(2));
        assert_eq!(next_page(1, None, 99, 100), None);
        // A meta without totals behaves like none.
        assert_eq!(next_page(1, Some(&Meta::default()), 100, 100), Some(2));
    }

    #[test]
    fn decode_errors_name_the_path_and_hide_values() {
        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)]
        struct R {
            records: Vec<u32>,
        }
        let e = decode::<R>("x.list", br#"{"records":[1,"s3cr3t"]}"#).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Decode);
        assert_eq!(e.decode_detail().unwrap().path, "records[1]");
        assert!(!e.message().contains("s3cr3t"), "{e}");
    }
}
