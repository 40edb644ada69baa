//! [`Classe365Provider`]: the [`Client`]'s records, converted to the mis-core model.
//!
//! | trait method          | Classe365 source                    | notes |
//! |-----------------------|-------------------------------------|-------|
//! | `students`            | `GET /students` (all pages)         | on roll = `active` (or no status); leavers, applicants, enquiries, inactive and unknown statuses only with `include_leavers` (unknown ones reported); year groups filtered here: the vendor's filters are not documented |
//! | `attendance`          | `GET /attendance?from&to&student_id` | daily registers → day marks, subject/period registers → lesson marks; labels → categories by the non-DfE rules; range and student re-checked here |
//! | `record_attendance`   | `GET /attendance` + `POST /attendance` | updates the student's own daily record when there is one (by `id`), else creates |
//! | `staff`               | `GET /teachers`                     | |
//! | `groups`              | `GET /classes`                      | kind from `class_type` |
//! | `academic_years` / `terms` | `GET /sessions`                | years and their terms |
//! | `timetable`, `behaviour` | —                                | `Unsupported`: Classe365 has neither endpoint (none appears in the v2 getting-started article or the v1 API documentation) |
//! | `school_profile`      | —                                   | `Unsupported` (the default): the v2 article documents no school or settings record, so the school's name, time zone and roll are not read (the configured time zone is used) |
//!
//! # Partial results
//!
//! `students` and `attendance` decode each list record on its own: a record that does not
//! decode or convert is skipped with a warning naming its id (and student), and a student
//! whose `student_dob` is not a date is listed without it, with a warning. Both reads are
//! whole lists (no per-student call, no enrichment read), so there is no sub-resource whose
//! loss could cost one student; a failed page is the list failing, and ends the read.

use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use futures::stream::{BoxStream, StreamExt, TryStreamExt};
use mis_core::codes::{CodeMapper, CodeOverride};
use mis_core::{
    AcademicYear, AttendanceMark, AttendanceQuery, AttendanceWrite, BehaviourEvent, BehaviourQuery,
    Capabilities, DateRange, Diagnostics, Error, ErrorKind, Group, Lesson, MisProvider,
    ProviderInfo, Result, Slot, Staff, Student, StudentQuery, Term, TimetableQuery, Warning,
    WriteReceipt, unsupported_stream,
};
use mis_http::Lenient;

use crate::VENDOR;
use crate::client::{AttendanceFilter, Client};
use crate::config::Config;
use crate::convert;

use mis_core::error_stream;

/// One student list record as a student: `None` (reported) when it does not decode or
/// convert; listed without a date of birth (reported) when `student_dob` is not a date.
fn student_or_warn(
    item: Lenient<crate::wire::Student>,
    d: &Diagnostics,
) -> Result<Option<(Student, Option<String>)>> {
    const OPERATION: &str = "students.list";
    let w = match item.into_result() {
        Ok(w) => w,
        Err(r) => {
            d.report(Warning::skipped_record(
                VENDOR,
                OPERATION,
                "student",
                r.id.clone(),
                r.describe(),
            ))?;
            return Ok(None);
        }
    };
    let s = match convert::student(&w) {
        Ok(s) => s,
        Err(e) => {
            d.report(Warning::skipped_record(
                VENDOR,
                OPERATION,
                "student",
                w.id.clone(),
                e.message(),
            ))?;
            return Ok(None);
        }
    };
    let sent_dob = w
        .date_of_birth
        .as_deref()
        .is_some_and(|v| !v.trim().is_empty());
    if sent_dob && s.date_of_birth.is_none() {
        // The field is lost, not the student: the consequence says which.
        let e = Error::new(ErrorKind::Decode, "student_dob is not a YYYY-MM-DD date")
            .with_vendor(VENDOR)
            .with_operation(OPERATION);
        d.report(
            Warning::from_error(&e, "student", "student listed without date of birth")
                .record(s.id.clone())
                .student(s.id.clone()),
        )?;
    }
    Ok(Some((s, w.status)))
}

/// One student list record as a listed student, or `None` (skipped, off roll or another
/// year group).
fn listed(
    item: Lenient<crate::wire::Student>,
    year: Option<&str>,
    include_leavers: bool,
    d: &Diagnostics,
) -> Result<Option<Student>> {
    let Some((s, raw_status)) = student_or_warn(item, d)? else {
        return Ok(None);
    };
    if !on_roll_or_warn(&s, raw_status.as_deref(), include_leavers, d)? {
        return Ok(None);
    }
    let in_year = year.is_none_or(|y| s.year_group.as_deref() == Some(y));
    Ok(in_year.then_some(s))
}

/// Whether a student is listed: on roll always; leavers, applicants, enquiries and inactive
/// students only with `include_leavers`. A status this crate does not know is never taken
/// for on roll: listed only with `include_leavers`, and reported either way (the warning
/// names the student, not the status, which is a field of their record).
fn on_roll_or_warn(
    s: &Student,
    raw_status: Option<&str>,
    include_leavers: bool,
    d: &Diagnostics,
) -> Result<bool> {
    let unknown = raw_status
        .map(str::trim)
        .filter(|st| !st.is_empty())
        .is_some_and(|st| !convert::is_known_status(st));
    if unknown {
        let e = Error::new(
            ErrorKind::Decode,
            "the student's status is not one this crate knows (active, alumni, withdrawn, \
             applicant, enquiry, inactive…)",
        )
        .with_vendor(VENDOR)
        .with_operation("students.list");
        let consequence = if include_leavers {
            "student listed as not on roll: status not recognised"
        } else {
            "student left out of the on-roll list: status not recognised"
        };
        d.report(
            Warning::from_error(&e, "student", consequence)
                .record(s.id.clone())
                .student(s.id.clone()),
        )?;
        return Ok(include_leavers);
    }
    Ok(include_leavers || convert::is_on_roll(s))
}

/// One attendance record as a mark: `None` (reported) when it does not decode or convert.
fn mark_or_warn(
    item: Lenient<crate::wire::AttendanceRecord>,
    school: &[CodeOverride],
    mapper: &mis_core::codes::CodeMapper,
    d: &Diagnostics,
) -> Result<Option<AttendanceMark>> {
    const OPERATION: &str = "attendance.list";
    let w = match item.into_result() {
        Ok(w) => w,
        Err(r) => {
            d.report(Warning::skipped_record(
                VENDOR,
                OPERATION,
                "attendance",
                r.id.clone(),
                r.describe(),
            ))?;
            return Ok(None);
        }
    };
    match convert::mark_mapped(&w, school, mapper) {
        Ok(m) => Ok(Some(m)),
        Err(e) => {
            let mut warning =
                Warning::skipped_record(VENDOR, OPERATION, "attendance", w.id.clone(), e.message());
            if let Some(student) = w
                .student_id
                .as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
            {
                warning = warning.student(student);
            }
            d.report(warning)?;
            Ok(None)
        }
    }
}

/// The [`MisProvider`] for one Classe365 tenant: reads and writes through a [`Client`] and
/// converts to the model every vendor shares. Cheap to clone: clones share the client
/// (connection pool, credential, rate gate).
///
/// ```
/// use mis_classe365::{Classe365Provider, Config};
/// use mis_core::MisProvider;
///
/// let provider = Classe365Provider::new(Config::new("evaluate3x", "kysjd4f58sadf894cfa")?)?;
/// assert_eq!(provider.info().tenant.as_deref(), Some("evaluate3x"));
/// # Ok::<(), mis_core::Error>(())
/// ```
#[derive(Clone)]
pub struct Classe365Provider {
    client: Client,
    state: Arc<State>,
}

/// What the provider adds to the client.
struct State {
    info: ProviderInfo,
    /// Status label → category, with the school's overrides.
    mapper: CodeMapper,
    /// The school's own statuses (`MIS_CLASSE365_CODE_MAP`), looked up before `mapper`.
    code_map: Arc<[CodeOverride]>,
}

impl Classe365Provider {
    /// The provider for the tenant in `config`. Nothing is sent until the first read.
    ///
    /// Errors: `InvalidInput` for a base URL, time zone, page size or credential that cannot
    /// be used.
    pub fn new(config: Config) -> Result<Classe365Provider> {
        let client = Client::new(config.clone())?;
        Classe365Provider::with_client(client, &config)
    }

    /// The provider over an existing `client` (sharing its connection pool and rate gate),
    /// converting as `config` says: its time zone and status mapping. `config` should be the
    /// one the client was built from; its connection settings are not read again.
    ///
    /// Errors: `InvalidInput` for a time zone the time zone database does not know.
    pub fn with_client(client: Client, config: &Config) -> Result<Classe365Provider> {
        let info = ProviderInfo::new(VENDOR)
            .tenant(config.subdomain().as_str())
            .time_zone(config.time_zone()?);
        Ok(Classe365Provider {
            client,
            state: Arc::new(State {
                info,
                mapper: config.mapper().clone(),
                code_map: config.code_map().into(),
            }),
        })
    }

    /// The provider configured from the environment ([`Config::from_env`]).
    pub fn from_env() -> Result<Classe365Provider> {
        Classe365Provider::new(Config::from_env()?)
    }

    /// The typed client underneath, for the vendor's own records.
    pub fn client(&self) -> &Client {
        &self.client
    }
}

impl fmt::Debug for Classe365Provider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Classe365Provider")
            .field("info", &self.state.info)
            .field("client", &self.client)
            .finish_non_exhaustive()
    }
}

/// What a Classe365 client supports, known before any request (the same for every tenant).
pub fn capabilities() -> Capabilities {
    let mut c = Capabilities::default();
    c.students = true;
    // Daily registers are day marks; subject- or period-wise registers lesson marks. No
    // AM/PM sessions.
    c.attendance_days = true;
    c.attendance_lessons = true;
    c.staff = true;
    c.groups = true;
    c.academic_years = true;
    c.write_attendance = true;
    c.filter_student = true;
    c.filter_year_group = true;
    c.filter_leavers = true;
    c
}

#[async_trait]
impl MisProvider for Classe365Provider {
    fn info(&self) -> &ProviderInfo {
        &self.state.info
    }

    fn capabilities(&self) -> Capabilities {
        capabilities()
    }

    fn students(&self, q: StudentQuery) -> BoxStream<'static, Result<Student>> {
        let year = q.year_group.map(|y| y.trim().to_owned());
        let include_leavers = q.include_leavers;
        let d = q.diagnostics;
        self.client
            .student_records_lenient()
            .try_filter_map(move |item| {
                futures::future::ready(listed(item, year.as_deref(), include_leavers, &d))
            })
            .boxed()
    }

    fn attendance(&self, q: AttendanceQuery) -> BoxStream<'static, Result<AttendanceMark>> {
        if q.slot == Some(Slot::Session) {
            return unsupported_stream(
                VENDOR,
                "attendance (AM/PM session marks; Classe365 keeps day and subject registers)",
            );
        }
        let mut filter = AttendanceFilter::new(q.range);
        let mut student = None;
        if let Some(id) = q.student_id {
            let id = id.trim().to_owned();
            if id.is_empty() {
                return error_stream(Error::invalid_input(
                    "attendance: the student id filter is empty",
                ));
            }
            filter = filter.student(id.clone());
            student = Some(id);
        }
        let mapper = self.state.mapper.clone();
        let school = self.state.code_map.clone();
        let range = q.range;
        let slot = q.slot;
        let d = q.diagnostics;
        self.client
            .attendance_records_lenient(&filter)
            .try_filter_map(move |item| {
                futures::future::ready(mark_or_warn(item, &school, &mapper, &d))
            })
            .try_filter(move |m| {
                // The vendor was asked for this range and this student, but the names of
                // those filters are inferred (routes.rs): a server that ignores them must not
                // hand us other dates or other students' marks.
                let inside = range.contains(m.date);
                let theirs = student.as_ref().is_none_or(|s| *s == m.student_id);
                if !inside || !theirs {
                    tracing::debug!(
                        outside_range = !inside,
                        other_student = !theirs,
                        "dropping a mark the query did not ask for"
                    );
                }
                futures::future::ready(inside && theirs && slot.is_none_or(|s| s == m.slot))
            })
            .boxed()
    }

    fn timetable(&self, _q: TimetableQuery) -> BoxStream<'static, Result<Lesson>> {
        unsupported_stream(VENDOR, "timetable")
    }

    fn behaviour(&self, _q: BehaviourQuery) -> BoxStream<'static, Result<BehaviourEvent>> {
        unsupported_stream(VENDOR, "behaviour")
    }

    fn staff(&self) -> BoxStream<'static, Result<Staff>> {
        self.client
            .teachers()
            .and_then(|w| futures::future::ready(convert::staff(&w)))
            .boxed()
    }

    fn groups(&self) -> BoxStream<'static, Result<Group>> {
        self.client
            .classes()
            .and_then(|w| futures::future::ready(convert::group(&w)))
            .boxed()
    }

    fn academic_years(&self) -> BoxStream<'static, Result<AcademicYear>> {
        self.client
            .sessions()
            .try_filter(|w| futures::future::ready(!convert::is_term(w)))
            .and_then(|w| futures::future::ready(convert::academic_year(&w)))
            .boxed()
    }

    fn terms(&self) -> BoxStream<'static, Result<Term>> {
        self.client
            .sessions()
            .try_filter(|w| futures::future::ready(convert::is_term(w)))
            .and_then(|w| futures::future::ready(convert::term(&w)))
            .boxed()
    }

    /// Records one day mark (`w.session` must be empty; `w.lesson_id`, if set, is the class).
    ///
    /// The vendor's POST creates without `id` and updates with one, so the day's existing
    /// record is looked up first and updated by its id; otherwise a new one is created. The
    /// POST is sent once, never retried.
    async fn record_attendance(&self, w: AttendanceWrite) -> Result<WriteReceipt> {
        // Validate before sending anything.
        let mut record = convert::write_record(&w, None)?;
        let filter = AttendanceFilter::new(DateRange::day(w.date)).student(w.student_id.trim());
        let student = w.student_id.trim();
        let existing: Vec<_> = self
            .client
            .attendance_records(&filter)
            .try_filter(|r| {
                // Only this student's own daily register on that date: the `student_id`
                // filter's name is inferred, and a server that ignores it must never make us
                // overwrite another student's record (or a subject register) with this mark.
                let same_day = r.date.as_deref().and_then(convert::wire_date) == Some(w.date);
                let theirs = r.student_id.as_deref().map(str::trim) == Some(student);
                let daily = convert::register_slot(r) == Slot::Day;
                futures::future::ready(same_day && theirs && daily)
            })
            .try_collect()
            .await?;
        let candidates: Vec<_> = existing
            .iter()
            .filter(|r| {
                record
                    .class_id
                    .as_ref()
                    .is_none_or(|c| r.class_id.as_ref() == Some(c))
            })
            .collect();
        match candidates.as_slice() {
            [] => {}
            [one] => {
                record.id = one.id.clone();
                if record.class_id.is_none() {
                    record.class_id = one.class_id.clone();
                }
            }
            many => {
                let classes: Vec<&str> =
                    many.iter().filter_map(|r| r.class_id.as_deref()).collect();
                return Err(Error::invalid_input(format!(
                    "record_attendance: student {} has {} attendance records on {} (classes {}); \
                     name the class in lesson_id",
                    w.student_id.trim(),
                    many.len(),
                    w.date,
                    classes.join(", ")
                ))
                .with_vendor(VENDOR)
                .with_operation("attendance.save"));
            }
        }
        let saved = self.client.save_attendance(&record).await?;
        Ok(WriteReceipt::Applied {
            id: saved.id.or(record.id),
        })
    }
}
