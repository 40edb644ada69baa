//! The typed client: one method per operation of the vendor document.
//!
//! Lists the document pages with `page[number]` / `page[size]` are [`BoxStream`]s that fetch
//! the next page only when the consumer gets there, and stop on a short page (the lists are
//! bare arrays with no total in the API reference's samples) once it is certain the server
//! did not cap the page below `page[size]` (the crate docs' "Pagination";
//! [`Client::page_cap`]). Lists the document does not page are plain `Vec`s. Ids are the
//! integers the document promises.
//!
//! Every request — token requests included — passes one rate gate shared by every clone of
//! the client and by every client for the same host, since HUBmis counts requests per IP
//! ("12 requests per minute per IP address", the API reference's "Usage Limits"). At 12 a
//! minute each call costs five seconds of quota: prefer the list operations and filters to
//! per-record calls where both exist.

mod filters;

use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use futures::stream::BoxStream;
use jiff::civil::Date;
use mis_core::paging::{Page, paginate};
use mis_core::{Result, Sensitive};
use mis_http::{
    HeaderName, HeaderValue, HttpClient, Lenient, RateLimit, RetryConfig, SystemClock, WaitHint,
};
use serde::de::DeserializeOwned;

pub(crate) use filters::Params;
pub use filters::{
    AttendanceFilter, ContactFilter, DateTimeRange, GroupFilter, HouseFilter, HouseStudentFilter,
    LearningSupportListFilter, LearningSupportRecordFilter, LearningSupportReviewFilter,
    PastStudentFilter, PastoralEventFilter, RoomFilter, Sort, StaffFilter, StudentFilter,
    TimetableFilter, WellbeingFilter,
};

use crate::auth::TokenAuth;
use crate::config::{Config, VENDOR, check_base_url};
use crate::error::HubmisClassifier;
use crate::routes::{self, Route};
use crate::wire::{
    AcademicYear, AddressMapping, AttendanceCode, AttendanceRecord, Contact, ContactConsent,
    DateSpan, Department, ExtraCurricularActivity, FormGroup, House, Item, LearningSupportFields,
    LearningSupportRecord, LearningSupportReview, List, OneOrFirst, PastoralCategory,
    PastoralEvent, PastoralType, PersonTimetable, RegionalSettings, Room,
    SchoolCommunicationDetails, Section, StaffContactDetails, StaffEmployment, StaffFurtherDetails,
    StaffMember, StaffPersonalDetails, StaffSchoolDetails, Student, StudentConsent,
    StudentDestination, StudentDoctor, StudentEnrolment, Subject, SubjectSet, Term, Timetable,
    TimetableCalendar, TutorGroup, YearGroup,
};

/// The `Realm` header: the school every call is for (the API reference: "requests are made
/// for a selected 'Realm' ID, which corresponds to the school").
const REALM: &str = "realm";
/// The optional header that overrides the active academic year.
const ACADEMIC_YEAR_ID: &str = "academic-year-id";

/// Whose custom fields ("Custom Fields Group: Get List" `userType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserType {
    /// Students.
    Student,
    /// Staff.
    Staff,
    /// Contacts.
    Contact,
}

impl UserType {
    fn as_str(self) -> &'static str {
        match self {
            UserType::Student => "student",
            UserType::Staff => "staff",
            UserType::Contact => "contact",
        }
    }
}

/// A HUBmis client for one realm (school). Cheap to clone: clones share the connection
/// pool, the token and the rate gate.
///
/// [`HubmisProvider`](crate::HubmisProvider) turns it into a
/// [`MisProvider`](mis_core::MisProvider).
#[derive(Clone)]
pub struct Client {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) http: HttpClient,
    pub(crate) realm: String,
    pub(crate) academic_year_id: Option<u64>,
    pub(crate) page_size: u32,
    pub(crate) tokens: Arc<AtomicU64>,
    /// What each list's pages have taught about the server's page cap.
    pub(crate) caps: PageCaps,
}

/// Builds a [`Client`]. The transport and the clock are [`Config::options`]' settings
/// ([`mis_http::ClientOptions::with_transport`], [`mis_http::ClientOptions::with_clock`]).
pub struct ClientBuilder {
    config: Config,
    shared_gate: bool,
}

impl ClientBuilder {
    /// Gives this client a rate gate of its own instead of the one shared by every client
    /// of the same host (for tests that must not wait for each other).
    pub fn private_rate_gate(mut self) -> Self {
        self.shared_gate = false;
        self
    }

    /// Builds the client. A bad base URL or time zone is `InvalidInput`.
    pub fn build(self) -> Result<Client> {
        let config = self.config;
        let options = config.options();
        let base = check_base_url(options.base_url_or(routes::BASE_URL))?;
        let clock = options
            .clock()
            .cloned()
            .unwrap_or_else(|| Arc::new(SystemClock));
        let tokens = Arc::new(AtomicU64::new(0));
        let realm = HeaderValue::from_str(config.realm.trim())
            .ok()
            .filter(|_| !config.realm.trim().is_empty())
            .ok_or_else(|| {
                mis_core::Error::invalid_input(
                    "the realm must be a non-empty id without control characters (e.g. S999)",
                )
            })?;
        let limit: RateLimit = config.rate_limit();
        let spacing = config.spacing();
        let mut builder = HttpClient::builder(VENDOR)
            .base_url(&base)?
            .prefix(routes::PREFIX)
            .authenticator(TokenAuth::new(
                config.client_id.clone(),
                config.client_secret.clone(),
                config.token_lifetime_cap,
                tokens.clone(),
            ))
            .default_header(HeaderName::from_static(REALM), realm)
            .retry(RetryConfig::default())
            .timeout(Config::DEFAULT_TIMEOUT)
            .wait_hints(&[WaitHint::XRateLimitRetryAfter, WaitHint::RetryAfter])
            .classifier(HubmisClassifier {
                min_wait: spacing,
                clock: clock.clone(),
            })
            .clock(clock)
            .options(options)?;
        // A 429 without a usable hint closes the gate for the documented spacing (one request
        // every 5 s), not mis-http's 1 s default: sooner would only earn another 429.
        if let Some(spacing) = spacing {
            builder = builder.rate_limited_wait(spacing);
        }
        // Set after the options, which would give the client a gate of its own: the quota is
        // per IP (the vendor's "12 requests per minute per IP address"), so every client of
        // this process talking to the same host shares one gate, whatever its credentials.
        // The key holds no secret.
        builder = if self.shared_gate {
            builder.shared_rate_limit(&format!("{VENDOR}:{base}"), limit)
        } else {
            builder.rate_limit(limit)
        };
        Ok(Client {
            inner: Arc::new(Inner {
                http: builder.build()?,
                realm: config.realm.trim().to_owned(),
                academic_year_id: config.academic_year_id,
                page_size: config.page_size(),
                tokens,
                caps: PageCaps::default(),
            }),
        })
    }
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

/// The query of both "Fetch Timetable Calendar" operations. The document marks all three of
/// `filter[dateFrom]`, `filter[dateTo]` and `filter[date]` *required*, so all three are
/// sent: a server that enforces the document answers 422 without `filter[date]`. The
/// document does not say what `filter[date]` selects beside the range; it is sent as the
/// range's first day, which every reading of it (the day the calendar starts, or one day
/// inside the range) accepts.
fn calendar_params(from: Date, to: Date) -> Params {
    Params::new()
        .set("filter[dateFrom]", from)
        .set("filter[dateTo]", to)
        .set("filter[date]", from)
}

fn id(n: u64) -> String {
    n.to_string()
}

impl Client {
    /// A client for `config` over reqwest.
    pub fn new(config: Config) -> Result<Client> {
        Client::builder(config).build()
    }

    /// A client from the `MIS_HUBMIS_*` environment variables ([`Config::from_env`]).
    pub fn from_env() -> Result<Client> {
        Client::new(Config::from_env()?)
    }

    /// A builder, for a client with a rate gate of its own.
    pub fn builder(config: Config) -> ClientBuilder {
        ClientBuilder {
            config,
            shared_gate: true,
        }
    }

    /// The realm (school) id.
    pub fn realm(&self) -> &str {
        &self.inner.realm
    }

    /// How many access tokens this client (and its clones) has obtained: the first one plus
    /// every refresh.
    pub fn tokens_issued(&self) -> u64 {
        self.inner.tokens.load(Ordering::SeqCst)
    }

    /// The page length the server was found to cap `route`'s pages at, when a short page
    /// turned out not to be the last (the crate docs' "Pagination").
    pub fn page_cap(&self, route: Route) -> Option<usize> {
        self.inner.caps.cap(route.operation)
    }

    /// The rate gate every request of this client passes.
    pub fn rate_gate(&self) -> &Arc<mis_http::RateGate> {
        self.inner.http.rate_gate()
    }

    // ----- plumbing ---------------------------------------------------------------------

    /// GET `route` with `ids` in its placeholders and `params`, decoded as `T`.
    pub(crate) async fn fetch<T: DeserializeOwned>(
        &self,
        route: Route,
        ids: &[&str],
        params: Params,
    ) -> Result<T> {
        let segments = route.segments(ids)?;
        let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
        let mut request = self
            .inner
            .http
            .get(&segments)
            .operation(route.operation)
            .query(&params.pairs);
        if let Some(year) = params.academic_year {
            request = request.header(HeaderName::from_static(ACADEMIC_YEAR_ID), &year.to_string());
        }
        request.send_json().await
    }

    /// A list the document does not page: one request.
    pub(crate) async fn list<T: DeserializeOwned>(
        &self,
        route: Route,
        ids: &[&str],
        params: Params,
    ) -> Result<Vec<T>> {
        Ok(self.fetch::<List<T>>(route, ids, params).await?.into_vec())
    }

    /// A paged list: `page[number]` from 1 and `page[size]`, until the last page.
    ///
    /// A page shorter than `page[size]` ends the list, unless the server may be capping
    /// its pages below what was asked (see [`PageCaps`]): then the next page is asked for
    /// once. If it has records, the short page's length is the server's cap for this route,
    /// learned for the rest of the client's life, and paging goes on with it; if it is
    /// empty, the list was complete.
    pub(crate) fn paged<T: DeserializeOwned + Send + 'static>(
        &self,
        route: Route,
        ids: Vec<String>,
        params: Params,
    ) -> BoxStream<'static, Result<T>> {
        let client = self.clone();
        let size = self.inner.page_size as usize;
        paginate(VENDOR, route.operation, 1u32, move |page| {
            let client = client.clone();
            let ids = ids.clone();
            let params = params.clone();
            async move {
                let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
                let fetch = |n: u32| {
                    client.list::<T>(
                        route,
                        &ids,
                        params
                            .clone()
                            .set("page[number]", n)
                            .set("page[size]", size),
                    )
                };
                let mut items: Vec<T> = fetch(page).await?;
                let caps = &client.inner.caps;
                let next = match caps.judge(route.operation, items.len(), size) {
                    PageEnd::More => Some(page + 1),
                    PageEnd::Last => None,
                    PageEnd::Ask => {
                        let short = items.len();
                        let probe: Vec<T> = fetch(page + 1).await?;
                        caps.learn(route.operation, short, !probe.is_empty());
                        let more = probe.len() >= short;
                        items.extend(probe);
                        more.then_some(page + 2)
                    }
                };
                Ok(Page { items, next })
            }
        })
    }

    /// The `academic-year-id` to send: the caller's, else the config's.
    fn year(&self, explicit: Option<u64>) -> Option<u64> {
        explicit.or(self.inner.academic_year_id)
    }

    // ----- students ---------------------------------------------------------------------

    /// "Students: Get List" (paged). Needs the `students.*` read scopes the document lists
    /// for the statuses asked for.
    pub fn students(&self, filter: &StudentFilter) -> BoxStream<'static, Result<Student>> {
        let params = filter.params();
        let year = self.year(params.academic_year);
        self.paged(routes::STUDENTS, vec![], params.year(year))
    }

    /// "Students: Get List" (paged), each record decoded on its own: a record of the wrong
    /// shape arrives as [`Lenient::Rejected`] (with its id and the failing field) and the rest
    /// of its page still arrives. What the provider reads, so that one corrupt pupil costs
    /// that pupil, not the school.
    pub fn students_lenient(
        &self,
        filter: &StudentFilter,
    ) -> BoxStream<'static, Result<Lenient<Student>>> {
        let params = filter.params();
        let year = self.year(params.academic_year);
        self.paged(routes::STUDENTS, vec![], params.year(year))
    }

    /// "Students: Get Students Past List" (paged).
    pub fn students_past(&self, filter: &PastStudentFilter) -> BoxStream<'static, Result<Student>> {
        self.paged(routes::STUDENTS_PAST, vec![], filter.params())
    }

    /// "Students: Get Student".
    pub async fn student(&self, student_id: u64, academic_year_id: Option<u64>) -> Result<Student> {
        let params = Params::new().year(self.year(academic_year_id));
        self.fetch(routes::STUDENT, &[&id(student_id)], params)
            .await
    }

    /// A student's address mappings.
    pub async fn student_addresses(&self, student_id: u64) -> Result<Vec<AddressMapping>> {
        self.list(routes::STUDENT_ADDRESSES, &[&id(student_id)], Params::new())
            .await
    }

    /// A student's related records and addresses.
    pub async fn student_related_addresses(&self, student_id: u64) -> Result<Vec<Item>> {
        self.list(
            routes::STUDENT_RELATED_ADDRESSES,
            &[&id(student_id)],
            Params::new(),
        )
        .await
    }

    /// "Students: Get consent data by student Id".
    pub async fn student_consent(&self, student_id: u64) -> Result<StudentConsent> {
        self.fetch(routes::STUDENT_CONSENT, &[&id(student_id)], Params::new())
            .await
    }

    /// "Students: Get destination data by student Id".
    pub async fn student_destination(&self, student_id: u64) -> Result<StudentDestination> {
        self.fetch(
            routes::STUDENT_DESTINATION,
            &[&id(student_id)],
            Params::new(),
        )
        .await
    }

    /// "Students: Get enrolment data by student Id": UPN and candidate number.
    pub async fn student_enrolment(&self, student_id: u64) -> Result<StudentEnrolment> {
        self.fetch(routes::STUDENT_ENROLMENT, &[&id(student_id)], Params::new())
            .await
    }

    /// "Students: Get Learning Support fields by student Id" (special-category data).
    pub async fn student_learning_support(
        &self,
        student_id: u64,
    ) -> Result<Sensitive<LearningSupportFields>> {
        self.fetch(
            routes::STUDENT_LEARNING_SUPPORT,
            &[&id(student_id)],
            Params::new(),
        )
        .await
    }

    /// "Learning Support: Get List of Learning Support Reviews by student Id" (paged).
    pub fn student_learning_support_reviews(
        &self,
        student_id: u64,
        filter: &LearningSupportReviewFilter,
    ) -> BoxStream<'static, Result<Sensitive<LearningSupportReview>>> {
        self.paged(
            routes::STUDENT_LEARNING_SUPPORT_REVIEWS,
            vec![id(student_id)],
            filter.params(),
        )
    }

    /// "Learning Support: Get List of Learning Support Records by student Id" (paged).
    pub fn student_learning_support_records(
        &self,
        student_id: u64,
        filter: &LearningSupportRecordFilter,
    ) -> BoxStream<'static, Result<Sensitive<LearningSupportRecord>>> {
        self.paged(
            routes::STUDENT_LEARNING_SUPPORT_RECORDS,
            vec![id(student_id)],
            filter.params(),
        )
    }

    /// "Students: Get doctor information by student Id" (medical data).
    pub async fn student_doctor(&self, student_id: u64) -> Result<Sensitive<StudentDoctor>> {
        self.fetch(routes::STUDENT_DOCTOR, &[&id(student_id)], Params::new())
            .await
    }

    /// "Students to Students Relations: Get list by student id".
    pub async fn student_student_relations(&self, student_id: u64) -> Result<Vec<Item>> {
        self.list(
            routes::STUDENT_STUDENT_RELATIONS,
            &[&id(student_id)],
            Params::new(),
        )
        .await
    }

    /// "Student Contacts Relations: Get List".
    pub async fn student_contact_relations(&self, student_id: u64) -> Result<Vec<Item>> {
        self.list(
            routes::STUDENT_CONTACT_RELATIONS,
            &[&id(student_id)],
            Params::new(),
        )
        .await
    }

    /// "Email Addresses: Get List of Email Addresses by student Id".
    pub async fn student_emails(&self, student_id: u64) -> Result<Vec<Item>> {
        self.list(routes::STUDENT_EMAILS, &[&id(student_id)], Params::new())
            .await
    }

    /// "Get List of Progress Reports by student Id".
    pub async fn student_progress_reports(&self, student_id: u64) -> Result<Vec<Item>> {
        self.list(
            routes::STUDENT_PROGRESS_REPORTS,
            &[&id(student_id)],
            Params::new(),
        )
        .await
    }

    /// "Student: Get list of Wellbeing Plans for a specific Student" (paged).
    pub fn student_wellbeing_plans(
        &self,
        student_id: u64,
        filter: &WellbeingFilter,
    ) -> BoxStream<'static, Result<PastoralEvent>> {
        self.paged(
            routes::STUDENT_WELLBEING_PLANS,
            vec![id(student_id)],
            filter.params(),
        )
    }

    /// "Student: Get list of Wellbeing Events for a specific Student" (paged).
    pub fn student_wellbeing_events(
        &self,
        student_id: u64,
        filter: &WellbeingFilter,
    ) -> BoxStream<'static, Result<PastoralEvent>> {
        self.paged(
            routes::STUDENT_WELLBEING_EVENTS,
            vec![id(student_id)],
            filter.params(),
        )
    }

    /// [`Client::student_wellbeing_events`], each event decoded on its own (see
    /// [`Client::students_lenient`]).
    pub fn student_wellbeing_events_lenient(
        &self,
        student_id: u64,
        filter: &WellbeingFilter,
    ) -> BoxStream<'static, Result<Lenient<PastoralEvent>>> {
        self.paged(
            routes::STUDENT_WELLBEING_EVENTS,
            vec![id(student_id)],
            filter.params(),
        )
    }

    /// "Student: Fetch Academic Structure Data For Students".
    pub async fn student_academic_structure(&self, student_id: u64) -> Result<Vec<Item>> {
        self.list(
            routes::STUDENT_ACADEMIC_STRUCTURE,
            &[&id(student_id)],
            Params::new(),
        )
        .await
    }

    /// "Student: Get Timetable": the periods the student is allocated against.
    pub async fn student_timetable(&self, student_id: u64) -> Result<PersonTimetable> {
        self.fetch(routes::STUDENT_TIMETABLE, &[&id(student_id)], Params::new())
            .await
    }

    /// "Students: Fetch Timetable Calendar" from `from` to `to` (`filter[dateFrom]`,
    /// `filter[dateTo]`, and `filter[date]` = `from`: see `calendar_params`).
    pub async fn student_timetable_calendar(
        &self,
        student_id: u64,
        from: Date,
        to: Date,
    ) -> Result<TimetableCalendar> {
        let params = calendar_params(from, to);
        self.fetch(
            routes::STUDENT_TIMETABLE_CALENDAR,
            &[&id(student_id)],
            params,
        )
        .await
    }

    /// "Student attendance records: Get by student id": session (AM/PM) marks. Not paged in
    /// the document: one request returns the whole range.
    pub async fn student_attendance(
        &self,
        student_id: u64,
        filter: &AttendanceFilter,
    ) -> Result<Vec<AttendanceRecord>> {
        self.list(
            routes::STUDENT_ATTENDANCE,
            &[&id(student_id)],
            filter.params(),
        )
        .await
    }

    /// [`Client::student_attendance`], each record decoded on its own (see
    /// [`Client::students_lenient`]).
    pub async fn student_attendance_lenient(
        &self,
        student_id: u64,
        filter: &AttendanceFilter,
    ) -> Result<Vec<Lenient<AttendanceRecord>>> {
        self.list(
            routes::STUDENT_ATTENDANCE,
            &[&id(student_id)],
            filter.params(),
        )
        .await
    }

    // ----- contacts ---------------------------------------------------------------------

    /// "Contacts: Get List" (paged).
    pub fn contacts(&self, filter: &ContactFilter) -> BoxStream<'static, Result<Contact>> {
        self.paged(routes::CONTACTS, vec![], filter.params())
    }

    /// "Contacts: Get Contact".
    pub async fn contact(&self, contact_id: u64) -> Result<Contact> {
        self.fetch(routes::CONTACT, &[&id(contact_id)], Params::new())
            .await
    }

    /// "Contacts: Get contact consent".
    pub async fn contact_consent(&self, contact_id: u64) -> Result<ContactConsent> {
        self.fetch(routes::CONTACT_CONSENT, &[&id(contact_id)], Params::new())
            .await
    }

    /// "Contact Students Relations: Get List".
    pub async fn contact_student_relations(&self, contact_id: u64) -> Result<Vec<Item>> {
        self.list(
            routes::CONTACT_STUDENT_RELATIONS,
            &[&id(contact_id)],
            Params::new(),
        )
        .await
    }

    /// "Email Addresses: Get List of Email Addresses by contact Id".
    pub async fn contact_emails(&self, contact_id: u64) -> Result<Vec<Item>> {
        self.list(routes::CONTACT_EMAILS, &[&id(contact_id)], Params::new())
            .await
    }

    /// "Phones: Get List of Phones by contact Id".
    pub async fn contact_phones(&self, contact_id: u64) -> Result<Vec<Item>> {
        self.list(routes::CONTACT_PHONES, &[&id(contact_id)], Params::new())
            .await
    }

    /// "Communication Preferences: Get List of Communication Preferences by contact Id".
    pub async fn contact_communication_preferences(&self, contact_id: u64) -> Result<Vec<Item>> {
        self.list(
            routes::CONTACT_COMMUNICATION_PREFERENCES,
            &[&id(contact_id)],
            Params::new(),
        )
        .await
    }

    /// A contact's related records and addresses.
    pub async fn contact_related_addresses(&self, contact_id: u64) -> Result<Vec<Item>> {
        self.list(
            routes::CONTACT_RELATED_ADDRESSES,
            &[&id(contact_id)],
            Params::new(),
        )
        .await
    }

    // ----- houses -----------------------------------------------------------------------

    /// "Houses: Get Houses".
    pub async fn houses(&self, filter: &HouseFilter) -> Result<Vec<House>> {
        let params = Params::new()
            .opt("filter[houseType]", filter.house_type.as_ref())
            .opt("filter[isActive]", filter.is_active);
        self.list(routes::HOUSES, &[], params).await
    }

    /// "Houses: Get House".
    pub async fn house(&self, house_id: u64, academic_year_id: Option<u64>) -> Result<House> {
        let params = Params::new().year(self.year(academic_year_id));
        self.fetch(routes::HOUSE, &[&id(house_id)], params).await
    }

    /// "House: Get Students": its currently enrolled students.
    pub async fn house_students(
        &self,
        house_id: u64,
        filter: &HouseStudentFilter,
    ) -> Result<Vec<Student>> {
        let params = filter.params();
        let year = self.year(params.academic_year);
        self.list(routes::HOUSE_STUDENTS, &[&id(house_id)], params.year(year))
            .await
    }

    /// "Houses: Get Houses Summary".
    pub async fn houses_summary(&self, filter: &HouseFilter) -> Result<Vec<Item>> {
        let params = Params::new()
            .opt("filter[houseType]", filter.house_type.as_ref())
            .opt("academicYearId", filter.academic_year_id);
        self.list(routes::HOUSES_SUMMARY, &[], params).await
    }

    // ----- reference lists --------------------------------------------------------------

    /// "Boarding Types: List".
    pub async fn boarding_types(&self) -> Result<Vec<Item>> {
        self.list(routes::BOARDING_TYPES, &[], Params::new()).await
    }

    /// "Education Types: List" (paged).
    pub fn education_types(&self) -> BoxStream<'static, Result<Item>> {
        self.paged(routes::EDUCATION_TYPES, vec![], Params::new())
    }

    /// "School & College Categories: List" (paged).
    pub fn school_categories(&self) -> BoxStream<'static, Result<Item>> {
        self.paged(routes::SCHOOL_CATEGORIES, vec![], Params::new())
    }

    /// "Schools & Colleges: List" (paged).
    pub fn schools(&self) -> BoxStream<'static, Result<Item>> {
        self.paged(routes::SCHOOLS, vec![], Params::new())
    }

    /// "Relationship Groups: List" (paged).
    pub fn relationship_groups(&self) -> BoxStream<'static, Result<Item>> {
        self.paged(routes::RELATIONSHIP_GROUPS, vec![], Params::new())
    }

    /// "Relationship Types: List".
    pub async fn relationship_types(&self) -> Result<Vec<Item>> {
        self.list(routes::RELATIONSHIP_TYPES, &[], Params::new())
            .await
    }

    /// "Countries: Get List".
    pub async fn countries(&self) -> Result<Vec<Item>> {
        self.list(routes::COUNTRIES, &[], Params::new()).await
    }

    /// "Ethnicities: Get List" (the code list, not anyone's ethnicity).
    pub async fn ethnicities(&self) -> Result<Vec<Item>> {
        self.list(routes::ETHNICITIES, &[], Params::new()).await
    }

    /// "Faiths: Get List".
    pub async fn faiths(&self) -> Result<Vec<Item>> {
        self.list(routes::FAITHS, &[], Params::new()).await
    }

    /// "Gender: Get List".
    pub async fn genders(&self) -> Result<Vec<Item>> {
        self.list(routes::GENDERS, &[], Params::new()).await
    }

    /// "Languages: Get List" (paged).
    pub fn languages(&self) -> BoxStream<'static, Result<Item>> {
        self.paged(routes::LANGUAGES, vec![], Params::new())
    }

    /// "Marital Statuses: Get List".
    pub async fn marital_statuses(&self) -> Result<Vec<Item>> {
        self.list(routes::MARITAL_STATUSES, &[], Params::new())
            .await
    }

    /// "Nationalities: Get List" (paged).
    pub fn nationalities(&self) -> BoxStream<'static, Result<Item>> {
        self.paged(routes::NATIONALITIES, vec![], Params::new())
    }

    /// "Qualifications: Get List".
    pub async fn qualifications(&self) -> Result<Vec<Item>> {
        self.list(routes::QUALIFICATIONS, &[], Params::new()).await
    }

    /// "Titles: List" (paged).
    pub fn titles(&self) -> BoxStream<'static, Result<Item>> {
        self.paged(routes::TITLES, vec![], Params::new())
    }

    /// "Authorities: Get List".
    pub async fn authorities(&self) -> Result<Vec<Item>> {
        self.list(routes::AUTHORITIES, &[], Params::new()).await
    }

    /// "Authority Type: Get List".
    pub async fn authority_types(&self) -> Result<Vec<Item>> {
        self.list(routes::AUTHORITY_TYPES, &[], Params::new()).await
    }

    /// "Custom Fields Group: Get List" for one kind of person.
    pub async fn custom_field_groups(&self, user_type: UserType) -> Result<Vec<Item>> {
        self.list(
            routes::CUSTOM_FIELD_GROUPS,
            &[user_type.as_str()],
            Params::new(),
        )
        .await
    }

    /// "Custom Fields Field: Get List" of a group (`groupId`).
    pub async fn custom_fields(&self, group_id: u64) -> Result<Vec<Item>> {
        self.list(
            routes::CUSTOM_FIELDS,
            &[],
            Params::new().set("groupId", group_id),
        )
        .await
    }

    /// "Custom Fields Option: Get List" of a field.
    pub async fn custom_field_options(&self, field_id: u64) -> Result<Vec<Item>> {
        self.list(
            routes::CUSTOM_FIELD_OPTIONS,
            &[&id(field_id)],
            Params::new(),
        )
        .await
    }

    // ----- academic structure -----------------------------------------------------------

    /// "Departments: Get list" of an academic year.
    pub async fn departments(&self, year: u64, search: Option<&str>) -> Result<Vec<Department>> {
        self.list(
            routes::DEPARTMENTS,
            &[&id(year)],
            Params::new().opt("search", search),
        )
        .await
    }

    /// "Departments: Get one".
    pub async fn department(&self, year: u64, department_id: u64) -> Result<Department> {
        self.fetch(
            routes::DEPARTMENT,
            &[&id(year), &id(department_id)],
            Params::new(),
        )
        .await
    }

    /// "Extra Curricular Activity: Get list for an Academic Year" (`year_group`, `search`).
    pub async fn activities(
        &self,
        year: u64,
        filter: &GroupFilter,
    ) -> Result<Vec<ExtraCurricularActivity>> {
        self.list(routes::ACTIVITIES, &[&id(year)], filter.params())
            .await
    }

    /// "Extra Curricular Activity: Get one in an Academic Year".
    pub async fn activity(&self, year: u64, activity_id: u64) -> Result<ExtraCurricularActivity> {
        self.fetch(
            routes::ACTIVITY,
            &[&id(year), &id(activity_id)],
            Params::new(),
        )
        .await
    }

    /// "Form Group: Get list for Academic Year" (`year_group`, `section`, `sort`, `search`).
    pub async fn form_groups(&self, year: u64, filter: &GroupFilter) -> Result<Vec<FormGroup>> {
        self.list(routes::FORM_GROUPS, &[&id(year)], filter.params())
            .await
    }

    /// "Form Group: Get one in an Academic Year".
    pub async fn form_group(&self, year: u64, form_id: u64) -> Result<FormGroup> {
        self.fetch(
            routes::FORM_GROUP,
            &[&id(year), &id(form_id)],
            Params::new(),
        )
        .await
    }

    /// "Form Group: Get list of Students".
    pub async fn form_group_students(&self, year: u64, form_id: u64) -> Result<Vec<Student>> {
        self.list(
            routes::FORM_GROUP_STUDENTS,
            &[&id(year), &id(form_id)],
            Params::new(),
        )
        .await
    }

    /// "Sections: Get list" (`sort`, `group_type`, `assessment_creation`).
    pub async fn sections(&self, filter: &GroupFilter) -> Result<Vec<Section>> {
        self.list(routes::SECTIONS, &[], filter.params()).await
    }

    /// "Sections: Get one".
    pub async fn section(&self, section_id: u64) -> Result<Section> {
        self.fetch(routes::SECTION, &[&id(section_id)], Params::new())
            .await
    }

    /// "Subjects: Get list" (`department`, `section`).
    pub async fn subjects(&self, year: u64, filter: &GroupFilter) -> Result<Vec<Subject>> {
        self.list(routes::SUBJECTS, &[&id(year)], filter.params())
            .await
    }

    /// "Subjects: Get one".
    pub async fn subject(&self, year: u64, subject_id: u64) -> Result<Subject> {
        self.fetch(
            routes::SUBJECT,
            &[&id(year), &id(subject_id)],
            Params::new(),
        )
        .await
    }

    /// "Get list of Subject Sets in an Academic Year" (paged; `assessment_creation`,
    /// `section`, `subject`, `year_group`, `search`, `sort`).
    pub fn subject_sets(
        &self,
        year: u64,
        filter: &GroupFilter,
    ) -> BoxStream<'static, Result<SubjectSet>> {
        self.paged(routes::SUBJECT_SETS, vec![id(year)], filter.params())
    }

    /// "Subject Sets: Get one in an Academic Year".
    pub async fn subject_set(&self, year: u64, set_id: u64) -> Result<SubjectSet> {
        self.fetch(
            routes::SUBJECT_SET,
            &[&id(year), &id(set_id)],
            Params::new(),
        )
        .await
    }

    /// "Subject Sets: Get list of Students for a Subject Set".
    pub async fn subject_set_students(&self, year: u64, set_id: u64) -> Result<Vec<Student>> {
        self.list(
            routes::SUBJECT_SET_STUDENTS,
            &[&id(year), &id(set_id)],
            Params::new(),
        )
        .await
    }

    /// "Tutor Groups: Get list for an Academic Year" (`section`, `sort`, `search`).
    pub async fn tutor_groups(&self, year: u64, filter: &GroupFilter) -> Result<Vec<TutorGroup>> {
        self.list(routes::TUTOR_GROUPS, &[&id(year)], filter.params())
            .await
    }

    /// "Tutor Groups: Get one in an Academic Year".
    pub async fn tutor_group(&self, year: u64, group_id: u64) -> Result<TutorGroup> {
        self.fetch(
            routes::TUTOR_GROUP,
            &[&id(year), &id(group_id)],
            Params::new(),
        )
        .await
    }

    /// "Tutor Groups: Get list of Students in a Tutor Group".
    pub async fn tutor_group_students(&self, year: u64, group_id: u64) -> Result<Vec<Student>> {
        self.list(
            routes::TUTOR_GROUP_STUDENTS,
            &[&id(year), &id(group_id)],
            Params::new(),
        )
        .await
    }

    /// "Year Groups: Get list for an Academic Year" (`sort`, `section`,
    /// `assessment_creation`).
    pub async fn year_groups(&self, year: u64, filter: &GroupFilter) -> Result<Vec<YearGroup>> {
        self.list(routes::YEAR_GROUPS, &[&id(year)], filter.params())
            .await
    }

    /// "Year Groups: Get one in an Academic Year".
    pub async fn year_group(&self, year: u64, group_id: u64) -> Result<YearGroup> {
        self.fetch(
            routes::YEAR_GROUP,
            &[&id(year), &id(group_id)],
            Params::new(),
        )
        .await
    }

    // ----- staff ------------------------------------------------------------------------

    /// "Staff: Get List" (paged).
    pub fn staff(&self, filter: &StaffFilter) -> BoxStream<'static, Result<StaffMember>> {
        self.paged(routes::STAFF, vec![], filter.params())
    }

    /// "Staff: Get List" (paged), each record decoded on its own (see
    /// [`Client::students_lenient`]).
    pub fn staff_lenient(
        &self,
        filter: &StaffFilter,
    ) -> BoxStream<'static, Result<Lenient<StaffMember>>> {
        self.paged(routes::STAFF, vec![], filter.params())
    }

    /// "Staff: Get One Staff".
    pub async fn staff_member(&self, staff_id: u64) -> Result<StaffMember> {
        self.fetch(routes::STAFF_MEMBER, &[&id(staff_id)], Params::new())
            .await
    }

    /// A staff member's address mappings.
    pub async fn staff_addresses(&self, staff_id: u64) -> Result<Vec<AddressMapping>> {
        self.list(routes::STAFF_ADDRESSES, &[&id(staff_id)], Params::new())
            .await
    }

    /// One address mapping of a staff member.
    pub async fn staff_address(&self, staff_id: u64, mapping_id: u64) -> Result<AddressMapping> {
        self.fetch(
            routes::STAFF_ADDRESS,
            &[&id(staff_id), &id(mapping_id)],
            Params::new(),
        )
        .await
    }

    /// "Staff Contact Details: Get for Staff Member".
    pub async fn staff_contact_details(&self, staff_id: u64) -> Result<StaffContactDetails> {
        self.fetch(
            routes::STAFF_CONTACT_DETAILS,
            &[&id(staff_id)],
            Params::new(),
        )
        .await
    }

    /// "Emails: Get List of Email Addresses by staff Id".
    pub async fn staff_emails(&self, staff_id: u64) -> Result<Vec<Item>> {
        self.list(routes::STAFF_EMAILS, &[&id(staff_id)], Params::new())
            .await
    }

    /// "Staff: Get Staff Employment Details".
    pub async fn staff_employment(&self, staff_id: u64) -> Result<StaffEmployment> {
        self.fetch(routes::STAFF_EMPLOYMENT, &[&id(staff_id)], Params::new())
            .await
    }

    /// "Staff: Get Staff Further Details".
    pub async fn staff_further_details(&self, staff_id: u64) -> Result<StaffFurtherDetails> {
        self.fetch(
            routes::STAFF_FURTHER_DETAILS,
            &[&id(staff_id)],
            Params::new(),
        )
        .await
    }

    /// "Staff: Get Staff Personal Details".
    pub async fn staff_personal_details(&self, staff_id: u64) -> Result<StaffPersonalDetails> {
        self.fetch(
            routes::STAFF_PERSONAL_DETAILS,
            &[&id(staff_id)],
            Params::new(),
        )
        .await
    }

    /// "Phones: Get List of Phones by Staff Id".
    pub async fn staff_phones(&self, staff_id: u64) -> Result<Vec<Item>> {
        self.list(routes::STAFF_PHONES, &[&id(staff_id)], Params::new())
            .await
    }

    /// "Staff: Get a list of days and working times for a staff member".
    pub async fn staff_working_days(&self, staff_id: u64) -> Result<Vec<Item>> {
        self.list(routes::STAFF_WORKING_DAYS, &[&id(staff_id)], Params::new())
            .await
    }

    /// "Staff: Get Staff School Details".
    pub async fn staff_school_details(&self, staff_id: u64) -> Result<StaffSchoolDetails> {
        self.fetch(
            routes::STAFF_SCHOOL_DETAILS,
            &[&id(staff_id)],
            Params::new(),
        )
        .await
    }

    /// "Fetch Academic Structure Data For Staff".
    pub async fn staff_academic_structure(&self, staff_id: u64) -> Result<Vec<Item>> {
        self.list(
            routes::STAFF_ACADEMIC_STRUCTURE,
            &[&id(staff_id)],
            Params::new(),
        )
        .await
    }

    /// "Fetch Academic Leadership Data For Staff".
    pub async fn staff_academic_leadership(&self, staff_id: u64) -> Result<Vec<Item>> {
        self.list(
            routes::STAFF_ACADEMIC_LEADERSHIP,
            &[&id(staff_id)],
            Params::new(),
        )
        .await
    }

    /// "Fetch classes for which the staff member is a leader of".
    pub async fn staff_led_classes(&self, staff_id: u64) -> Result<Vec<Item>> {
        self.list(routes::STAFF_LED_CLASSES, &[&id(staff_id)], Params::new())
            .await
    }

    /// "Staff: Get Timetable".
    pub async fn staff_timetable(&self, staff_id: u64) -> Result<PersonTimetable> {
        self.fetch(routes::STAFF_TIMETABLE, &[&id(staff_id)], Params::new())
            .await
    }

    /// "Staff: Fetch Timetable Calendar" from `from` to `to` (parameters as
    /// [`Client::student_timetable_calendar`]).
    pub async fn staff_timetable_calendar(
        &self,
        staff_id: u64,
        from: Date,
        to: Date,
    ) -> Result<TimetableCalendar> {
        let params = calendar_params(from, to);
        self.fetch(routes::STAFF_TIMETABLE_CALENDAR, &[&id(staff_id)], params)
            .await
    }

    /// "Staff Contract Types: List".
    pub async fn staff_contract_types(&self) -> Result<Vec<Item>> {
        self.list(routes::STAFF_CONTRACT_TYPES, &[], Params::new())
            .await
    }

    /// "Staff Positions: List".
    pub async fn staff_positions(&self) -> Result<Vec<Item>> {
        self.list(routes::STAFF_POSITIONS, &[], Params::new()).await
    }

    /// "Staff Default Working Hours: List".
    pub async fn staff_default_working_hours(&self) -> Result<Vec<Item>> {
        self.list(routes::STAFF_DEFAULT_WORKING_HOURS, &[], Params::new())
            .await
    }

    // ----- calendar and school settings -------------------------------------------------

    /// "Academic Years: Get list".
    pub async fn academic_years(&self) -> Result<Vec<AcademicYear>> {
        self.list(routes::ACADEMIC_YEARS, &[], Params::new()).await
    }

    /// "Holidays: List all in an Academic Year".
    pub async fn holidays(&self, year: u64) -> Result<Vec<DateSpan>> {
        self.list(routes::HOLIDAYS, &[&id(year)], Params::new())
            .await
    }

    /// "Inset Days: Get list for an Academic Year".
    pub async fn inset_days(&self, year: u64) -> Result<Vec<DateSpan>> {
        self.list(routes::INSET_DAYS, &[&id(year)], Params::new())
            .await
    }

    /// "Terms: Get list for an Academic Year".
    pub async fn terms(&self, year: u64) -> Result<Vec<Term>> {
        self.list(routes::TERMS, &[&id(year)], Params::new()).await
    }

    /// "Closure Dates: List all in an Academic Year".
    pub async fn closure_dates(&self, year: u64) -> Result<Vec<DateSpan>> {
        self.list(routes::CLOSURE_DATES, &[&id(year)], Params::new())
            .await
    }

    /// "Locations: Get All" (paged).
    pub fn locations(&self) -> BoxStream<'static, Result<Item>> {
        self.paged(routes::LOCATIONS, vec![], Params::new())
    }

    /// "Rooms: Get All" (paged).
    pub fn rooms(&self, filter: &RoomFilter) -> BoxStream<'static, Result<Room>> {
        let params = Params::new()
            .opt("search", filter.search.as_ref())
            .opt("filter[location]", filter.location);
        self.paged(routes::ROOMS, vec![], params)
    }

    /// "Rooms: Get one".
    pub async fn room(&self, room_id: u64) -> Result<Room> {
        self.fetch(routes::ROOM, &[&id(room_id)], Params::new())
            .await
    }

    /// "Group Types: Get All".
    pub async fn group_types(&self) -> Result<Vec<Item>> {
        self.list(routes::GROUP_TYPES, &[], Params::new()).await
    }

    /// "School regional default settings": country, first weekday, time zone.
    pub async fn regional_settings(&self) -> Result<RegionalSettings> {
        self.fetch(routes::REGIONAL_SETTINGS, &[], Params::new())
            .await
    }

    /// "School Communication Details".
    pub async fn school_communication_details(&self) -> Result<SchoolCommunicationDetails> {
        self.fetch(routes::SCHOOL_COMMUNICATION_DETAILS, &[], Params::new())
            .await
    }

    // ----- attendance and timetables ----------------------------------------------------

    /// "Attendance: get all attendance codes" (`filter[display]`).
    pub async fn attendance_codes(&self, display: Option<bool>) -> Result<Vec<AttendanceCode>> {
        self.list(
            routes::ATTENDANCE_CODES,
            &[],
            Params::new().opt("filter[display]", display),
        )
        .await
    }

    /// "Timetables: Get List" (paged).
    pub fn timetables(&self, filter: &TimetableFilter) -> BoxStream<'static, Result<Timetable>> {
        let params = Params::new()
            .opt("search", filter.search.as_ref())
            .opt("filter[academicYear]", filter.academic_year.as_ref());
        self.paged(routes::TIMETABLES, vec![], params)
    }

    /// "Timetables: Get single Timetable".
    pub async fn timetable(&self, timetable_id: u64) -> Result<Timetable> {
        self.fetch(routes::TIMETABLE, &[&id(timetable_id)], Params::new())
            .await
    }

    // ----- learning support -------------------------------------------------------------

    /// "Learning Support Records: List" (paged; special-category data).
    pub fn learning_support_records(
        &self,
        filter: &LearningSupportListFilter,
    ) -> BoxStream<'static, Result<Sensitive<LearningSupportRecord>>> {
        self.paged(routes::LEARNING_SUPPORT_RECORDS, vec![], filter.params())
    }

    /// "LearningSupport Record: Get".
    pub async fn learning_support_record(
        &self,
        record_id: u64,
    ) -> Result<Sensitive<LearningSupportRecord>> {
        self.fetch(
            routes::LEARNING_SUPPORT_RECORD,
            &[&id(record_id)],
            Params::new(),
        )
        .await
    }

    /// "Learning Support Records: Get a list of Record statuses".
    pub async fn learning_support_record_statuses(&self) -> Result<Vec<Item>> {
        self.list(routes::LEARNING_SUPPORT_RECORD_STATUSES, &[], Params::new())
            .await
    }

    /// "Learning Support Severities: List" (paged).
    pub fn learning_support_severities(&self) -> BoxStream<'static, Result<Item>> {
        self.paged(routes::LEARNING_SUPPORT_SEVERITIES, vec![], Params::new())
    }

    /// "Learning Support Types: List" (paged).
    pub fn learning_support_types(&self) -> BoxStream<'static, Result<Item>> {
        self.paged(routes::LEARNING_SUPPORT_TYPES, vec![], Params::new())
    }

    /// "Learning Support Review Types: List" (paged).
    pub fn learning_support_review_types(&self) -> BoxStream<'static, Result<Item>> {
        self.paged(routes::LEARNING_SUPPORT_REVIEW_TYPES, vec![], Params::new())
    }

    /// "Learning Support: Get Learning Support Review by Id".
    pub async fn learning_support_review(
        &self,
        review_id: u64,
    ) -> Result<Sensitive<LearningSupportReview>> {
        self.fetch(
            routes::LEARNING_SUPPORT_REVIEW,
            &[&id(review_id)],
            Params::new(),
        )
        .await
    }

    /// "Learning Support terminology".
    pub async fn learning_support_terminology(&self) -> Result<Vec<Item>> {
        self.list(routes::LEARNING_SUPPORT_TERMINOLOGY, &[], Params::new())
            .await
    }

    // ----- pastoral ---------------------------------------------------------------------

    /// "Pastoral Category: List" of one type.
    pub async fn pastoral_categories(&self, kind: &PastoralType) -> Result<Vec<PastoralCategory>> {
        self.list(routes::PASTORAL_CATEGORIES, &[kind.as_str()], Params::new())
            .await
    }

    /// "Pastoral Category: Get one".
    pub async fn pastoral_category(
        &self,
        kind: &PastoralType,
        category_id: u64,
    ) -> Result<PastoralCategory> {
        self.fetch(
            routes::PASTORAL_CATEGORY,
            &[kind.as_str(), &id(category_id)],
            Params::new(),
        )
        .await
    }

    /// "Pastoral Severity Levels: List" (the document's only module is `wellbeing`).
    pub async fn pastoral_severities(&self) -> Result<Vec<Item>> {
        self.list(routes::PASTORAL_SEVERITIES, &["wellbeing"], Params::new())
            .await
    }

    /// "Pastoral: Get list of Events" (paged).
    pub fn pastoral_events(
        &self,
        filter: &PastoralEventFilter,
    ) -> BoxStream<'static, Result<PastoralEvent>> {
        self.paged(routes::PASTORAL_EVENTS, vec![], filter.params())
    }

    /// [`Client::pastoral_events`], each event decoded on its own (see
    /// [`Client::students_lenient`]).
    pub fn pastoral_events_lenient(
        &self,
        filter: &PastoralEventFilter,
    ) -> BoxStream<'static, Result<Lenient<PastoralEvent>>> {
        self.paged(routes::PASTORAL_EVENTS, vec![], filter.params())
    }

    /// "Pastoral: Get summary of Events".
    pub async fn pastoral_events_summary(&self, filter: &PastoralEventFilter) -> Result<Vec<Item>> {
        let mut params = filter.params();
        params.pairs.retain(|(k, _)| !k.starts_with("sort["));
        self.list(routes::PASTORAL_EVENTS_SUMMARY, &[], params)
            .await
    }

    /// "Pastoral: Get single Event". The document's sample is an array; an object or a
    /// one-element array are both read.
    pub async fn pastoral_event(&self, event_id: u64) -> Result<PastoralEvent> {
        let one: OneOrFirst<PastoralEvent> = self
            .fetch(routes::PASTORAL_EVENT, &[&id(event_id)], Params::new())
            .await?;
        Ok(one.0)
    }

    /// "GIRFEC SHANARRI Items: Get List of SHANARRI Items by Pastoral Event Id".
    pub async fn pastoral_event_shanarri_items(&self, event_id: u64) -> Result<Vec<Item>> {
        self.list(
            routes::PASTORAL_EVENT_SHANARRI,
            &[&id(event_id)],
            Params::new(),
        )
        .await
    }

    /// "Linked Items: Get List of linked items by Pastoral Event Id".
    pub async fn pastoral_event_linked_items(&self, event_id: u64) -> Result<Vec<Item>> {
        self.list(
            routes::PASTORAL_EVENT_LINKED_ITEMS,
            &[&id(event_id)],
            Params::new(),
        )
        .await
    }

    /// "GIRFEC Data: get year groups named persons".
    pub async fn girfec_named_persons(&self) -> Result<Vec<Item>> {
        self.list(routes::GIRFEC_NAMED_PERSONS, &[], Params::new())
            .await
    }
}

/// A page length below which a short page is taken as the last one without asking again:
/// no server caps its pages that low, and asking after every small list (a handful of
/// leavers, a week of events) would spend the 12-a-minute quota for nothing.
const LEAST_PLAUSIBLE_CAP: usize = 10;

/// What a short page means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PageEnd {
    /// A full page (as asked, or as the route's learned cap): there may be more.
    More,
    /// The last page.
    Last,
    /// Short, but possibly capped by the server: ask for the next page once.
    Ask,
}

/// What the server's pages have taught, per route (operation name).
///
/// HUBmis's lists are bare arrays with no total (the API reference's samples), so the only end signal
/// is a page shorter than `page[size]`. A server that silently caps `page[size]` (a JSON:API
/// paginator's `max_results`) hands back full pages that look short, and a client that
/// trusts them reads the first page as the whole list. Per route, because caps are
/// per endpoint:
///
/// * `cap`: the server's page length, once a short page turned out not to be the last;
/// * `seen`: the longest page the route has returned — the server's cap is at least that,
///   so a page shorter than it is certainly the last one.
///
/// A short page of at least [`LEAST_PLAUSIBLE_CAP`] records and no shorter than `seen`, on
/// a route whose cap is not known, is the one case that costs a request more.
#[derive(Debug, Default)]
pub(crate) struct PageCaps {
    routes: Mutex<HashMap<&'static str, RouteCap>>,
}

#[derive(Debug, Default, Clone, Copy)]
struct RouteCap {
    cap: Option<usize>,
    seen: usize,
}

impl PageCaps {
    /// Judges a page of `got` records asked for with `page[size]` = `size`.
    pub(crate) fn judge(&self, route: &'static str, got: usize, size: usize) -> PageEnd {
        let mut routes = self.routes.lock().unwrap_or_else(|p| p.into_inner());
        let known = routes.entry(route).or_default();
        let verdict = if got == 0 {
            PageEnd::Last
        } else if got >= size {
            PageEnd::More
        } else if let Some(cap) = known.cap {
            if got >= cap {
                PageEnd::More
            } else {
                PageEnd::Last
            }
        } else if got < LEAST_PLAUSIBLE_CAP || got < known.seen {
            PageEnd::Last
        } else {
            PageEnd::Ask
        };
        known.seen = known.seen.max(got);
        verdict
    }

    /// Records what asking again showed: a short page of `short` records followed by more
    /// (`capped`) means the server's cap is `short`.
    pub(crate) fn learn(&self, route: &'static str, short: usize, capped: bool) {
        let mut routes = self.routes.lock().unwrap_or_else(|p| p.into_inner());
        let known = routes.entry(route).or_default();
        if capped {
            known.cap = Some(short);
            tracing::debug!(
                operation = route,
                cap = short,
                "HUBmis caps this list's pages below page[size]"
            );
        }
    }

    /// The learned cap of `route`, if any.
    pub(crate) fn cap(&self, route: &'static str) -> Option<usize> {
        let routes = self.routes.lock().unwrap_or_else(|p| p.into_inner());
        routes.get(route).and_then(|r| r.cap)
    }
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The http client's Debug shows no header value and no credential.
        f.debug_struct("Client")
            .field("realm", &self.inner.realm)
            .field("academic_year_id", &self.inner.academic_year_id)
            .field("page_size", &self.inner.page_size)
            .field("http", &self.inner.http)
            .finish_non_exhaustive()
    }
}
