//! The ClassCharts route table: every host, prefix and path this crate calls, in one place.
//!
//! Both APIs live on one host ([`BASE_URL`]) under their own prefix ([`STUDENT_PREFIX`],
//! [`PARENT_PREFIX`]); the parent API has the student API's data endpoints, each taking the
//! pupil's id, plus a few of its own. The data routes below are the first path segment under
//! the prefix; the ones marked `/{id}` take one more segment (a pupil, report card, reward
//! item or homework status id), which mis-http percent-encodes as one segment, so an id can
//! never change which endpoint is called. The paths are those of the community API
//! documentation ("ClassCharts API docs", api-docs) and of the open-source clients that
//! mirror ClassCharts' own apps.

/// The production host of both APIs.
pub const BASE_URL: &str = "https://www.classcharts.com";
/// The TES sign-on host parents' logins are redirected to since April 2026.
pub const SSO_BASE_URL: &str = "https://session.tes.com";

/// The student API's prefix.
pub const STUDENT_PREFIX: &str = "/apiv2student";
/// The parent API's prefix.
pub const PARENT_PREFIX: &str = "/apiv2parent";
/// The website's pupil login form (answers with a 302 and the session cookies).
pub const STUDENT_FORM: &str = "/student/login";
/// The website's parent login form.
pub const PARENT_FORM: &str = "/parent/login";
/// The cookie holding the session after a pupil's web-form login.
pub const STUDENT_CREDENTIALS_COOKIE: &str = "student_session_credentials";
/// The cookie holding the session after a parent's web-form login.
pub const PARENT_CREDENTIALS_COOKIE: &str = "parent_session_credentials";
/// On the sign-on host: `GET /v1/verify?returnUrl=`, step 2 of the TES handshake.
pub const SSO_VERIFY: &str = "/v1/verify";

// ---- both APIs ----------------------------------------------------------------------------

/// `POST /login`: the JSON login.
pub const LOGIN: &str = "login";
/// `POST /ping`: who is logged in, and (with `include_data=true`) a rotated session id.
pub const PING: &str = "ping";
/// `POST /logout`.
pub const LOGOUT: &str = "logout";
/// `GET /activity/{id}?from&to&last_id`: the activity feed, paged by `last_id`.
pub const ACTIVITY: &str = "activity";
/// `GET /behaviour/{id}?from&to`: the behaviour summary.
pub const BEHAVIOUR: &str = "behaviour";
/// `GET /homeworks/{id}?display_date&from&to`.
pub const HOMEWORKS: &str = "homeworks";
/// `GET /homeworkticked/{status id}?studentId=`: ticks a task done (or not).
pub const HOMEWORK_TICKED: &str = "homeworkticked";
/// `GET /timetable/{id}?date=`: one day.
pub const TIMETABLE: &str = "timetable";
/// `GET /classes/{id}`.
pub const CLASSES: &str = "classes";
/// `GET /eventbadges/{id}`.
pub const EVENT_BADGES: &str = "eventbadges";
/// `GET /announcements/{id}`.
pub const ANNOUNCEMENTS: &str = "announcements";
/// `GET /detentions/{id}?from&to`.
pub const DETENTIONS: &str = "detentions";
/// `GET /attendance/{id}?from&to`.
pub const ATTENDANCE: &str = "attendance";
/// `GET /customfields/{id}`.
pub const CUSTOM_FIELDS: &str = "customfields";
/// `GET /getacademicreports?studentId=`.
pub const ACADEMIC_REPORTS: &str = "getacademicreports";
/// `GET /getacademicreport/{report id}?studentId=`.
pub const ACADEMIC_REPORT: &str = "getacademicreport";
/// `POST /getpupilreportcards`.
pub const REPORT_CARDS: &str = "getpupilreportcards";
/// `GET /getpupilreportcard/{card id}?pupil_id=`.
pub const REPORT_CARD: &str = "getpupilreportcard";
/// `GET /getpupilreportcardsummarycomment/{card id}?pupil_id&date`.
pub const REPORT_CARD_SUMMARY_COMMENT: &str = "getpupilreportcardsummarycomment";
/// `GET /getpupilreportcardtarget/{card id}?pupil_id&date`.
pub const REPORT_CARD_TARGET: &str = "getpupilreportcardtarget";

// ---- student API only ---------------------------------------------------------------------

/// `GET /rewards/{id}`: the rewards shop.
pub const REWARDS: &str = "rewards";
/// `POST /purchase/{item id}`.
pub const PURCHASE: &str = "purchase";
/// `POST /getcode`: the pupil's login code.
pub const GET_CODE: &str = "getcode";

// ---- parent API only ----------------------------------------------------------------------

/// `GET /pupils`: the parent's pupils.
pub const PUPILS: &str = "pupils";
/// `POST /password`: changes the parent's password.
pub const PASSWORD: &str = "password";
/// `GET /parentbehaviours/{id}`: the behaviours a parent may award.
pub const PARENT_BEHAVIOURS: &str = "parentbehaviours";
/// `POST /addparentbehaviour/{id}`.
pub const ADD_PARENT_BEHAVIOUR: &str = "addparentbehaviour";
/// `POST /deleteparentbehaviour/{id}`.
pub const DELETE_PARENT_BEHAVIOUR: &str = "deleteparentbehaviour";
