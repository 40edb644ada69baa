//! The typed client: one method per documented endpoint, wire types out.
//!
//! Paths are `https://api.go4schools.com/customer/v1/…`, each from the route table
//! ([`crate::routes`]); `year` is the academic year as GO names it, the calendar year the
//! school year ends in (`2025` = 2024/25). Endpoints the vendor's reference documents with a
//! `cursor` parameter return lazy streams that follow `has_more`/`cursor`; the others return
//! a `Vec`, and still follow a cursor if the server pages them anyway, because the
//! reference's examples and the known clients disagree on which endpoints page. Every list
//! accepts a bare array or the paging envelope.
//!
//! These methods never cache. [`Go4SchoolsProvider`](crate::Go4SchoolsProvider), the
//! [`MisProvider`](mis_core::MisProvider), caches per-year reference data (codes, calendar,
//! timetable) on top of them.

use std::fmt;
use std::sync::Arc;

use futures::stream::{BoxStream, TryStreamExt};
use jiff::civil::Date;
use mis_core::paging::{Page, paginate};
use mis_core::{DecodeDetail, Error, Result};
use mis_http::{HttpClient, WaitHint};

use crate::auth;
use crate::config::{Config, DEFAULT_TIMEOUT, PATH_PREFIX};
use crate::convert::{VENDOR, calendar::YEARS, year_group_segment};
use crate::error::Go4SchoolsClassifier;
use crate::routes::{self, Route};
use crate::wire::{self, ListPage, WireItem};

/// A GO 4 Schools client for one school: one method per documented endpoint, the vendor's
/// own shapes. Cheap to clone: clones share the connection pool, the rate gate and the retry
/// budget. [`Go4SchoolsProvider`](crate::Go4SchoolsProvider) builds the normalised model on
/// top of it.
#[derive(Clone)]
pub struct Client {
    http: HttpClient,
}

/// The path segment of an academic year, checked.
fn year_segment(year: i32) -> Result<String> {
    if YEARS.contains(&year) {
        Ok(year.to_string())
    } else {
        Err(Error::invalid_input(format!(
            "academic year {year} is out of range: GO 4 Schools names a year by the calendar \
             year it ends in (2025 for 2024/25)"
        ))
        .with_vendor(VENDOR))
    }
}

use mis_core::error_stream as failed;

/// Turns a decoded list page into a paging step.
fn step<T>(page: ListPage<T>, operation: &str) -> Result<Page<T, Option<i64>>> {
    match (page.has_more, page.cursor) {
        (false, _) => Ok(Page::last(page.items)),
        (true, Some(cursor)) => Ok(Page::more(page.items, Some(cursor))),
        (true, None) => Err(Error::decode(
            VENDOR,
            operation,
            "the page says has_more but gives no cursor",
            DecodeDetail::new("cursor", b""),
        )),
    }
}

impl Client {
    /// A client for `config`. Sends nothing. Errors: `InvalidInput` for a bad base URL
    /// override or API key (never echoing the key).
    ///
    /// The shared settings ([`Config::options`]) are applied over GO 4 Schools' defaults; a
    /// test or an in-process emulator injects its transport with
    /// [`ClientOptions::with_transport`](mis_http::ClientOptions::with_transport).
    pub fn new(config: Config) -> Result<Client> {
        Client::build(&config)
    }

    /// [`Client::new`] without taking the config (the provider keeps it).
    pub(crate) fn build(config: &Config) -> Result<Client> {
        let http = HttpClient::builder(VENDOR)
            .base(config.host()?)
            .prefix(PATH_PREFIX)
            .authenticator(auth::authenticator(config.api_key())?)
            .rate_limit(config.rate_limit())
            .timeout(DEFAULT_TIMEOUT)
            // The vendor documents a 429 answer; honour its `Retry-After` when sent.
            .wait_hints(&[WaitHint::RetryAfter])
            .classifier(Go4SchoolsClassifier)
            .retry_on_500(true)
            .options(config.options())?
            .build()?;
        Ok(Client { http })
    }

    /// A client from [`Config::from_env`].
    pub fn from_env() -> Result<Client> {
        Client::new(Config::from_env()?)
    }

    /// The HTTP client underneath.
    pub fn http(&self) -> &HttpClient {
        &self.http
    }

    // ----- plumbing ------------------------------------------------------------------------

    /// Every item of the list endpoint `route` (its placeholders filled with `values`),
    /// following cursors.
    fn pages<T: WireItem + Send + 'static>(
        &self,
        route: Route,
        values: &[&str],
        query: Vec<(&'static str, String)>,
    ) -> BoxStream<'static, Result<T>> {
        let http = self.http.clone();
        let segments = Arc::new(route.segments(values));
        let operation = route.operation;
        paginate(VENDOR, operation, None::<i64>, move |cursor| {
            let http = http.clone();
            let segments = segments.clone();
            let query = query.clone();
            async move {
                let segs: Vec<&str> = segments.iter().map(String::as_str).collect();
                let mut request = http.get(&segs).operation(operation);
                if !query.is_empty() {
                    request = request.query(&query);
                }
                if let Some(cursor) = cursor {
                    request = request.query(&[("cursor", cursor.to_string())]);
                }
                let page: ListPage<T> = request.send_json().await?;
                step(page, operation)
            }
        })
    }

    /// A per-year list endpoint as a stream: `route` with the checked `year` first, then
    /// `values`.
    fn year_stream<T: WireItem + Send + 'static>(
        &self,
        route: Route,
        year: i32,
        values: &[&str],
    ) -> BoxStream<'static, Result<T>> {
        match year_segment(year) {
            Ok(y) => {
                let mut all = vec![y.as_str()];
                all.extend_from_slice(values);
                self.pages(route, &all, Vec::new())
            }
            Err(e) => failed(e.with_operation(route.operation)),
        }
    }

    /// A per-year list endpoint, collected.
    async fn year_list<T: WireItem + Send + 'static>(
        &self,
        route: Route,
        year: i32,
        values: &[&str],
    ) -> Result<Vec<T>> {
        self.year_stream(route, year, values).try_collect().await
    }

    // ----- school, contacts, users ---------------------------------------------------------

    /// `GET /school`: the school and its academic years (also accepts the body wrapped in
    /// `{"school": …}`, as the G4SApiSync client expects).
    pub async fn school(&self) -> Result<wire::School> {
        let route = routes::SCHOOL;
        let operation = route.operation;
        let body: serde_json::Value = self
            .http
            .get(
                &route
                    .segments(&[])
                    .iter()
                    .map(String::as_str)
                    .collect::<Vec<_>>(),
            )
            .operation(operation)
            .send_json()
            .await?;
        let inner = match body.get("school") {
            Some(s) if s.is_object() => s.clone(),
            _ => body,
        };
        serde_json::from_value(inner.clone()).map_err(|e| {
            Error::decode(
                VENDOR,
                operation,
                e.to_string(),
                DecodeDetail::new(".", inner.to_string().as_bytes()),
            )
        })
    }

    /// `GET /contacts/parental`: parental contacts of every student.
    pub async fn parental_contacts(&self) -> Result<Vec<wire::ParentalContact>> {
        self.pages(routes::CONTACTS_PARENTAL, &[], Vec::new())
            .try_collect()
            .await
    }

    /// `GET /users/parents`: parent user accounts.
    pub async fn parent_accounts(&self) -> Result<Vec<wire::ParentAccount>> {
        self.pages(routes::USERS_PARENTS, &[], Vec::new())
            .try_collect()
            .await
    }

    /// `GET /users/staff`: staff user accounts.
    pub async fn staff_accounts(&self) -> Result<Vec<wire::StaffAccount>> {
        self.pages(routes::USERS_STAFF, &[], Vec::new())
            .try_collect()
            .await
    }

    // ----- students ------------------------------------------------------------------------

    /// `GET /academic-years/{year}/students` ("GET Students"): personal details of the year's
    /// students. (Named so it does not shadow [`MisProvider::students`](mis_core::MisProvider).)
    pub async fn student_details(&self, year: i32) -> Result<Vec<wire::Student>> {
        self.students_as(year).await
    }

    /// `GET …/students` with items decoded as `T` (the provider reads `Lenient<Student>`,
    /// so one bad record costs only itself).
    pub(crate) async fn students_as<T: WireItem + Send + 'static>(
        &self,
        year: i32,
    ) -> Result<Vec<T>> {
        self.year_list(routes::STUDENTS_LIST, year, &[]).await
    }

    /// `GET …/students/education-details` (paged): UPN, year and registration group,
    /// admission and leaving dates, educational attributes.
    pub fn education_details(
        &self,
        year: i32,
    ) -> BoxStream<'static, Result<wire::EducationDetails>> {
        self.education_details_as(year)
    }

    /// `GET …/students/education-details` with items decoded as `T`.
    pub(crate) fn education_details_as<T: WireItem + Send + 'static>(
        &self,
        year: i32,
    ) -> BoxStream<'static, Result<T>> {
        self.year_stream(routes::STUDENTS_EDUCATION_DETAILS, year, &[])
    }

    /// `GET …/students/attributes` (paged): custom and system attributes.
    pub fn general_attributes(
        &self,
        year: i32,
    ) -> BoxStream<'static, Result<wire::GeneralAttribute>> {
        self.year_stream(routes::STUDENTS_ATTRIBUTES, year, &[])
    }

    /// `GET …/students/attributes/demographic` (paged): country of birth, languages,
    /// nationality.
    pub fn demographic_attributes(
        &self,
        year: i32,
    ) -> BoxStream<'static, Result<wire::DemographicAttribute>> {
        self.year_stream(routes::STUDENTS_ATTRIBUTES_DEMOGRAPHIC, year, &[])
    }

    /// `GET …/students/attributes/send` (paged): SEN code and status, needs, gifted and
    /// talented. Values are redacted in `Debug`.
    pub fn send_attributes(&self, year: i32) -> BoxStream<'static, Result<wire::SendAttribute>> {
        self.year_stream(routes::STUDENTS_ATTRIBUTES_SEND, year, &[])
    }

    /// `GET …/students/attributes/sensitive` (paged): FSM, ethnicity, in care, pupil
    /// premium… Values are redacted in `Debug`.
    pub fn sensitive_attributes(
        &self,
        year: i32,
    ) -> BoxStream<'static, Result<wire::SensitiveAttribute>> {
        self.year_stream(routes::STUDENTS_ATTRIBUTES_SENSITIVE, year, &[])
    }

    /// `GET …/students/photos` (paged). Photos are redacted in `Debug`.
    pub fn photos(&self, year: i32) -> BoxStream<'static, Result<wire::Photo>> {
        self.year_stream(routes::STUDENTS_PHOTOS, year, &[])
    }

    /// `GET …/students/medical-conditions` (paged). Redacted in `Debug`.
    pub fn medical_conditions(
        &self,
        year: i32,
    ) -> BoxStream<'static, Result<wire::MedicalConditions>> {
        self.year_stream(routes::STUDENTS_MEDICAL_CONDITIONS, year, &[])
    }

    // ----- teaching ------------------------------------------------------------------------

    /// `GET …/teaching/departments`.
    pub async fn departments(&self, year: i32) -> Result<Vec<wire::Department>> {
        self.year_list(routes::TEACHING_DEPARTMENTS, year, &[])
            .await
    }

    /// `GET …/teaching/subjects`.
    pub async fn subjects(&self, year: i32) -> Result<Vec<wire::Subject>> {
        self.year_list(routes::TEACHING_SUBJECTS, year, &[]).await
    }

    /// `GET …/teaching/teachers`.
    pub async fn teachers(&self, year: i32) -> Result<Vec<wire::Teacher>> {
        self.year_list(routes::TEACHING_TEACHERS, year, &[]).await
    }

    /// `GET …/teaching/groups`.
    pub async fn teaching_groups(&self, year: i32) -> Result<Vec<wire::TeachingGroup>> {
        self.year_list(routes::TEACHING_GROUPS, year, &[]).await
    }

    /// `GET …/teaching/groups/students`: each group's students.
    pub async fn group_students(&self, year: i32) -> Result<Vec<wire::GroupStudents>> {
        self.year_list(routes::TEACHING_GROUPS_STUDENTS, year, &[])
            .await
    }

    /// `GET …/teaching/groups/teachers`: each group's teachers.
    pub async fn group_teachers(&self, year: i32) -> Result<Vec<wire::GroupTeachers>> {
        self.year_list(routes::TEACHING_GROUPS_TEACHERS, year, &[])
            .await
    }

    // ----- timetables ----------------------------------------------------------------------

    /// `GET …/timetables`: timetables with their periods.
    pub async fn timetables(&self, year: i32) -> Result<Vec<wire::Timetable>> {
        self.year_list(routes::TIMETABLES_LIST, year, &[]).await
    }

    /// `GET …/timetables/calendar`: every date's day type, timetable and week.
    pub async fn calendar(&self, year: i32) -> Result<Vec<wire::CalendarDay>> {
        self.year_list(routes::TIMETABLES_CALENDAR, year, &[]).await
    }

    /// `GET …/timetables/classes` (paged): timetabled classes.
    pub fn timetabled_classes(
        &self,
        year: i32,
    ) -> BoxStream<'static, Result<wire::TimetabledClass>> {
        self.year_stream(routes::TIMETABLES_CLASSES, year, &[])
    }

    /// `GET …/timetables/student-classes` (paged): each student's classes.
    pub fn student_classes(&self, year: i32) -> BoxStream<'static, Result<wire::StudentClasses>> {
        self.year_stream(routes::TIMETABLES_STUDENT_CLASSES, year, &[])
    }

    // ----- attendance ----------------------------------------------------------------------

    /// `GET …/attendance/codes`: the year's attendance codes and aliases. (Named so it does not
    /// shadow [`MisProvider::attendance_codes`](mis_core::MisProvider).)
    pub async fn attendance_code_book(&self, year: i32) -> Result<Vec<wire::AttendanceCode>> {
        self.year_list(routes::ATTENDANCE_CODES, year, &[]).await
    }

    /// `GET …/attendance/student-session-marks/date/{date}`: every AM/PM mark on `date`.
    pub async fn session_marks(&self, year: i32, date: Date) -> Result<Vec<wire::SessionMark>> {
        self.session_marks_as(year, date).await
    }

    /// `GET …/attendance/student-session-marks/date/{date}` with items decoded as `T`.
    pub(crate) async fn session_marks_as<T: WireItem + Send + 'static>(
        &self,
        year: i32,
        date: Date,
    ) -> Result<Vec<T>> {
        let d = date.to_string();
        self.year_list(routes::ATTENDANCE_SESSION_MARKS, year, &[&d])
            .await
    }

    /// `GET …/attendance/student-lesson-marks/date/{date}`: every lesson mark on `date`.
    pub async fn lesson_marks(&self, year: i32, date: Date) -> Result<Vec<wire::LessonMark>> {
        self.lesson_marks_as(year, date).await
    }

    /// `GET …/attendance/student-lesson-marks/date/{date}` with items decoded as `T`.
    pub(crate) async fn lesson_marks_as<T: WireItem + Send + 'static>(
        &self,
        year: i32,
        date: Date,
    ) -> Result<Vec<T>> {
        let d = date.to_string();
        self.year_list(routes::ATTENDANCE_LESSON_MARKS, year, &[&d])
            .await
    }

    /// `GET …/attendance/student-session-summary`: session totals per student, for the year
    /// up to (not including) today.
    pub async fn session_summary(&self, year: i32) -> Result<Vec<wire::SessionSummary>> {
        self.year_list(routes::ATTENDANCE_SESSION_SUMMARY, year, &[])
            .await
    }

    /// `POST …/attendance/student-session-marks`: saves one session for one student.
    ///
    /// Never retried once it may have reached the server (a POST is not idempotent): a
    /// timeout or dropped connection comes back with `is_outcome_unknown()`. The documented
    /// 400 answers (`Unknown Attendance Mark`, `Date school not open.`, …) are `InvalidInput`
    /// carrying the vendor's message.
    pub async fn record_session_attendance(
        &self,
        year: i32,
        attendance: &wire::SessionAttendance,
    ) -> Result<()> {
        let route = routes::ATTENDANCE_RECORD_SESSION;
        let operation = route.operation;
        let y = year_segment(year).map_err(|e| e.with_operation(operation))?;
        let segments = route.segments(&[&y]);
        self.http
            .post(&segments.iter().map(String::as_str).collect::<Vec<_>>())
            .operation(operation)
            .idempotent(false)
            .json(attendance)?
            .send()
            .await?;
        Ok(())
    }

    // ----- behaviour -----------------------------------------------------------------------

    /// `GET …/behaviour/actions/follow-up`: follow-up action definitions.
    pub async fn follow_up_actions(&self, year: i32) -> Result<Vec<wire::FollowUpAction>> {
        self.year_list(routes::BEHAVIOUR_ACTIONS_FOLLOW_UP, year, &[])
            .await
    }

    /// `GET …/behaviour/actions/immediate`: immediate action definitions.
    pub async fn immediate_actions(&self, year: i32) -> Result<Vec<wire::ImmediateAction>> {
        self.year_list(routes::BEHAVIOUR_ACTIONS_IMMEDIATE, year, &[])
            .await
    }

    /// `GET …/behaviour/classification`: classification groups.
    pub async fn classifications(&self, year: i32) -> Result<Vec<wire::Classification>> {
        self.year_list(routes::BEHAVIOUR_CLASSIFICATION, year, &[])
            .await
    }

    /// `GET …/behaviour/event-types`: event type definitions.
    pub async fn event_types(&self, year: i32) -> Result<Vec<wire::EventType>> {
        self.year_list(routes::BEHAVIOUR_EVENT_TYPES, year, &[])
            .await
    }

    /// `GET …/behaviour/events/date/{date}` (paged): the events of `date`.
    pub fn behaviour_events(
        &self,
        year: i32,
        date: Date,
    ) -> BoxStream<'static, Result<wire::BehaviourEvent>> {
        self.behaviour_events_as(year, date)
    }

    /// `GET …/behaviour/events/date/{date}` with items decoded as `T`.
    pub(crate) fn behaviour_events_as<T: WireItem + Send + 'static>(
        &self,
        year: i32,
        date: Date,
    ) -> BoxStream<'static, Result<T>> {
        let d = date.to_string();
        self.year_stream(routes::BEHAVIOUR_EVENTS, year, &[&d])
    }

    // ----- attainment ----------------------------------------------------------------------

    /// `GET …/attainment/grade-types/year-group/{year_group}`; `year_group` is `Reception`
    /// (or `R`) or `1`–`14`.
    pub async fn grade_types(&self, year: i32, year_group: &str) -> Result<Vec<wire::GradeType>> {
        let yg = year_group_segment(year_group)?;
        self.year_list(routes::ATTAINMENT_GRADE_TYPES, year, &[&yg])
            .await
    }

    /// `GET …/attainment/grades/year-group/{year_group}` (paged): headline grades.
    pub fn grades(&self, year: i32, year_group: &str) -> BoxStream<'static, Result<wire::Grade>> {
        match year_group_segment(year_group) {
            Ok(yg) => self.year_stream(routes::ATTAINMENT_GRADES, year, &[&yg]),
            Err(e) => failed(
                e.with_vendor(VENDOR)
                    .with_operation(routes::ATTAINMENT_GRADES.operation),
            ),
        }
    }

    /// `GET …/attainment/exam-results/year-group/{year_group}`.
    pub async fn exam_results(&self, year: i32, year_group: &str) -> Result<Vec<wire::ExamResult>> {
        let yg = year_group_segment(year_group)?;
        self.year_list(routes::ATTAINMENT_EXAM_RESULTS, year, &[&yg])
            .await
    }

    /// `GET …/attainment/prior-attainment` (paged).
    pub fn prior_attainment(&self, year: i32) -> BoxStream<'static, Result<wire::PriorAttainment>> {
        self.year_stream(routes::ATTAINMENT_PRIOR_ATTAINMENT, year, &[])
    }

    /// `GET …/attainment/reports`: the year's progress reports and their structure.
    pub async fn reports(&self, year: i32) -> Result<Vec<wire::Report>> {
        self.year_list(routes::ATTAINMENT_REPORTS, year, &[]).await
    }

    /// `GET …/attainment/reports/{report_id}/attributes`: chosen attribute values.
    pub async fn report_attributes(
        &self,
        year: i32,
        report_id: i64,
    ) -> Result<Vec<wire::ReportAttributeChoices>> {
        let id = report_id.to_string();
        self.year_list(routes::ATTAINMENT_REPORT_ATTRIBUTES, year, &[&id])
            .await
    }

    /// `GET …/attainment/reports/{report_id}/grades`. `apply_exclusions` sets
    /// `applyTakeHomeReportExclusions` (the vendor's default is `true`: students and subjects
    /// excluded from the report are left out).
    pub async fn report_grades(
        &self,
        year: i32,
        report_id: i64,
        apply_exclusions: Option<bool>,
    ) -> Result<Vec<wire::ReportGrades>> {
        let route = routes::ATTAINMENT_REPORT_GRADES;
        let y = year_segment(year).map_err(|e| e.with_operation(route.operation))?;
        let query = apply_exclusions
            .map(|b| vec![("applyTakeHomeReportExclusions", b.to_string())])
            .unwrap_or_default();
        self.pages(route, &[&y, &report_id.to_string()], query)
            .try_collect()
            .await
    }

    /// `GET …/attainment/reports/{report_id}/comments` (paged): teachers' comments.
    pub fn report_comments(
        &self,
        year: i32,
        report_id: i64,
    ) -> BoxStream<'static, Result<wire::ReportComment>> {
        let id = report_id.to_string();
        self.year_stream(routes::ATTAINMENT_REPORT_COMMENTS, year, &[&id])
    }

    // ----- assessment ----------------------------------------------------------------------

    /// `GET …/assessment/markbooks`: markbooks, marksheets and markslots.
    pub async fn markbooks(&self, year: i32) -> Result<Vec<wire::Markbook>> {
        self.year_list(routes::ASSESSMENT_MARKBOOKS, year, &[])
            .await
    }

    /// `GET …/assessment/marksheet-grades` (paged).
    pub fn marksheet_grades(&self, year: i32) -> BoxStream<'static, Result<wire::MarksheetGrades>> {
        self.year_stream(routes::ASSESSMENT_MARKSHEET_GRADES, year, &[])
    }

    /// `GET …/assessment/marks` (paged).
    pub fn marks(&self, year: i32) -> BoxStream<'static, Result<wire::MarkslotMarks>> {
        self.year_stream(routes::ASSESSMENT_MARKS, year, &[])
    }
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The HTTP client's Debug shows no header values and no authenticator internals.
        f.debug_struct("Client").field("http", &self.http).finish()
    }
}
