//! The smaller endpoints: behaviour summary, classes, badges, announcements, custom fields,
//! rewards, purchase, pupil code and parent behaviours.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::activity::WirePolarity;
use super::de;

// ---- /behaviour --------------------------------------------------------------------------

/// One week of the behaviour timeline.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct TimelinePoint {
    /// Positive points that week.
    #[serde(default, deserialize_with = "de::int")]
    pub positive: Option<i64>,
    /// Negative points that week (positive numbers in real data; the mock sends negatives).
    #[serde(default, deserialize_with = "de::int")]
    pub negative: Option<i64>,
    /// Label, e.g. `9/4/2023`.
    #[serde(default)]
    pub name: Option<String>,
    /// Week start, `YYYY-MM-DD`.
    #[serde(default)]
    pub start: Option<String>,
    /// Week end.
    #[serde(default)]
    pub end: Option<String>,
}

/// `GET /behaviour/{id}`: totals per week and per reason.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct BehaviourSummary {
    /// Weekly totals.
    #[serde(default, deserialize_with = "de::list")]
    pub timeline: Vec<TimelinePoint>,
    /// Positive points per reason — **`[]` when empty** (classcharts-rs needed a custom
    /// deserializer for this).
    #[serde(default, deserialize_with = "de::php_object")]
    pub positive_reasons: BTreeMap<String, i64>,
    /// Negative points per reason — `[]` when empty.
    #[serde(default, deserialize_with = "de::php_object")]
    pub negative_reasons: BTreeMap<String, i64>,
    /// Other positive reasons.
    #[serde(default, deserialize_with = "de::list")]
    pub other_positive: Vec<String>,
    /// Other negative reasons.
    #[serde(default, deserialize_with = "de::list")]
    pub other_negative: Vec<String>,
    /// Counts of other positive reasons: `[{reason: count}]`.
    #[serde(default, deserialize_with = "de::list")]
    pub other_positive_count: Vec<BTreeMap<String, i64>>,
    /// Counts of other negative reasons.
    #[serde(default, deserialize_with = "de::list")]
    pub other_negative_count: Vec<BTreeMap<String, i64>>,
}

/// `meta` of `/behaviour`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct BehaviourMeta {
    /// Window start (ISO date-time).
    #[serde(default)]
    pub start_date: Option<String>,
    /// Window end.
    #[serde(default)]
    pub end_date: Option<String>,
    /// `week`.
    #[serde(default)]
    pub step_size: Option<String>,
}

// ---- /classes ----------------------------------------------------------------------------

/// A class the pupil is in (`GET /classes/{id}`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct ClassInfo {
    /// Class id.
    #[serde(default, deserialize_with = "de::opt_id")]
    pub id: Option<String>,
    /// Class name.
    #[serde(default)]
    pub name: Option<String>,
    /// Room.
    #[serde(default)]
    pub room: Option<String>,
    /// Subject.
    #[serde(default)]
    pub subject: Option<String>,
    /// Main teacher.
    #[serde(default)]
    pub teacher: Option<String>,
    /// Every teacher.
    #[serde(default, deserialize_with = "de::list")]
    pub teachers: Vec<String>,
}

// ---- /eventbadges ------------------------------------------------------------------------

/// The teacher behind a badge's point.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct BadgeTeacher {
    /// Title.
    #[serde(default)]
    pub title: Option<String>,
    /// First name.
    #[serde(default)]
    pub first_name: Option<String>,
    /// Last name.
    #[serde(default)]
    pub last_name: Option<String>,
}

/// The behaviour point that earned a badge.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct BadgeBehaviour {
    /// Reason.
    #[serde(default)]
    pub reason: Option<String>,
    /// Score.
    #[serde(default, deserialize_with = "de::int")]
    pub score: Option<i64>,
    /// Icon URL.
    #[serde(default)]
    pub icon: Option<String>,
    /// Polarity (may be `null`).
    #[serde(default)]
    pub polarity: Option<WirePolarity>,
    /// When.
    #[serde(default)]
    pub timestamp: Option<String>,
    /// Who (may be `null`).
    #[serde(default)]
    pub teacher: Option<BadgeTeacher>,
}

/// The event label of a badge award.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct BadgeEvent {
    /// Label.
    #[serde(default)]
    pub label: Option<String>,
}

/// The award behind a pupil's badge.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct PupilEvent {
    /// When.
    #[serde(default)]
    pub timestamp: Option<String>,
    /// The behaviour point.
    #[serde(default)]
    pub lesson_pupil_behaviour: Option<BadgeBehaviour>,
    /// The event.
    #[serde(default)]
    pub event: Option<BadgeEvent>,
}

/// One award of a badge.
///
/// Two shapes are sent: `{"pupil_event": {timestamp, lesson_pupil_behaviour, event}}`
/// (api-docs, the JS types) and the same fields flat, `{timestamp, lesson_pupil_behaviour,
/// event}` (seen from some schools). Both decode to `pupil_event`; an award with neither is `None`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(from = "RawPupilBadge")]
pub struct PupilBadge {
    /// The award.
    pub pupil_event: Option<PupilEvent>,
}

/// Either shape of [`PupilBadge`], as sent.
#[derive(Deserialize)]
struct RawPupilBadge {
    #[serde(default)]
    pupil_event: Option<PupilEvent>,
    #[serde(flatten)]
    flat: PupilEvent,
}

impl From<RawPupilBadge> for PupilBadge {
    fn from(raw: RawPupilBadge) -> Self {
        let flat = (raw.flat != PupilEvent::default()).then_some(raw.flat);
        PupilBadge {
            pupil_event: raw.pupil_event.or(flat),
        }
    }
}

/// A badge (`GET /eventbadges/{id}`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct Badge {
    /// Badge id.
    #[serde(default, deserialize_with = "de::opt_id")]
    pub id: Option<String>,
    /// Name.
    #[serde(default)]
    pub name: Option<String>,
    /// Icon.
    #[serde(default)]
    pub icon: Option<String>,
    /// Colour.
    #[serde(default)]
    pub colour: Option<String>,
    /// Created.
    #[serde(default)]
    pub created_date: Option<String>,
    /// Icon URL.
    #[serde(default)]
    pub icon_url: Option<String>,
    /// The awards.
    #[serde(default, deserialize_with = "de::list")]
    pub pupil_badges: Vec<PupilBadge>,
}

// ---- /announcements ----------------------------------------------------------------------

/// An attachment of an announcement.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct AnnouncementAttachment {
    /// File name (`filename`; `file_name` accepted too).
    #[serde(default, alias = "file_name")]
    pub filename: Option<String>,
    /// URL.
    #[serde(default)]
    pub url: Option<String>,
}

/// A parent's consent answer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct AnnouncementConsent {
    /// Consent given: `"yes"` / `"no"`.
    #[serde(default, deserialize_with = "de::yes_no")]
    pub consent_given: bool,
    /// Comment.
    #[serde(default)]
    pub comment: Option<String>,
    /// Who answered.
    #[serde(default)]
    pub parent_name: Option<String>,
}

/// A pupil named in a consent entry (the id is a **string** here).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct PupilRef {
    /// Pupil id.
    #[serde(default, deserialize_with = "de::opt_id")]
    pub id: Option<String>,
    /// First name.
    #[serde(default)]
    pub first_name: Option<String>,
    /// Last name.
    #[serde(default)]
    pub last_name: Option<String>,
}

/// Consent asked of a parent for one pupil.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct PupilConsent {
    /// The pupil.
    #[serde(default)]
    pub pupil: Option<PupilRef>,
    /// The parent may change the answer.
    #[serde(default, deserialize_with = "de::yes_no")]
    pub can_change_consent: bool,
    /// The answer, if given.
    #[serde(default)]
    pub consent: Option<AnnouncementConsent>,
}

/// An announcement (`GET /announcements/{id}`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct Announcement {
    /// Announcement id.
    #[serde(default, deserialize_with = "de::opt_id")]
    pub id: Option<String>,
    /// Title.
    #[serde(default)]
    pub title: Option<String>,
    /// Body (HTML, may be `null`).
    #[serde(default)]
    pub description: Option<String>,
    /// School.
    #[serde(default)]
    pub school_name: Option<String>,
    /// Author.
    #[serde(default)]
    pub teacher_name: Option<String>,
    /// School logo (may be `null`).
    #[serde(default)]
    pub school_logo: Option<String>,
    /// Pinned: `"yes"` / `"no"`.
    #[serde(default, deserialize_with = "de::yes_no")]
    pub sticky: bool,
    /// `viewed`, or `null`.
    #[serde(default)]
    pub state: Option<String>,
    /// When.
    #[serde(default)]
    pub timestamp: Option<String>,
    /// Attachments.
    #[serde(default, deserialize_with = "de::list")]
    pub attachments: Vec<AnnouncementAttachment>,
    /// The pupils it is for: names (strings) in the JS types, but servers also send ids and
    /// objects, so each item is kept as the JSON value it was (issue 14: any JSON type).
    #[serde(default, deserialize_with = "de::list")]
    pub for_pupils: Vec<serde_json::Value>,
    /// Comment visibility.
    #[serde(default)]
    pub comment_visibility: Option<String>,
    /// Comments allowed: `"yes"` / `"no"`.
    #[serde(default, deserialize_with = "de::yes_no")]
    pub allow_comments: bool,
    /// Reactions allowed.
    #[serde(default, deserialize_with = "de::yes_no")]
    pub allow_reactions: bool,
    /// Consent allowed.
    #[serde(default, deserialize_with = "de::yes_no")]
    pub allow_consent: bool,
    /// Pinned by priority.
    #[serde(default, deserialize_with = "de::yes_no")]
    pub priority_pinned: bool,
    /// Consent required.
    #[serde(default, deserialize_with = "de::yes_no")]
    pub requires_consent: bool,
    /// The viewer may change consent (a bool).
    #[serde(default, deserialize_with = "de::yes_no")]
    pub can_change_consent: bool,
    /// The viewer's consent (`null` if none).
    #[serde(default)]
    pub consent: Option<AnnouncementConsent>,
    /// Consent per pupil (parent API).
    #[serde(default, deserialize_with = "de::list")]
    pub pupil_consents: Vec<PupilConsent>,
}

// ---- /customfields -----------------------------------------------------------------------

/// One of the school's pupil fields (house, tutor group…).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct CustomField {
    /// Field id.
    #[serde(default, deserialize_with = "de::opt_id")]
    pub id: Option<String>,
    /// Field name, school-defined.
    #[serde(default)]
    pub name: Option<String>,
    /// Colour or icon.
    #[serde(default)]
    pub graphic: Option<String>,
    /// Value (text; numbers tolerated).
    #[serde(default, deserialize_with = "de::text")]
    pub value: Option<String>,
}

/// `GET /customfields/{id}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct CustomFields {
    /// A note.
    #[serde(default)]
    pub note: Option<String>,
    /// The fields.
    #[serde(default, deserialize_with = "de::list")]
    pub fields: Vec<CustomField>,
}

// ---- /rewards, /purchase, /getcode -------------------------------------------------------

/// An item of the rewards shop (`GET /rewards/{id}`, student).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct Reward {
    /// Item id: what `/purchase/{itemId}` takes.
    #[serde(default, deserialize_with = "de::opt_id")]
    pub id: Option<String>,
    /// Name.
    #[serde(default)]
    pub name: Option<String>,
    /// Description.
    #[serde(default)]
    pub description: Option<String>,
    /// Photo URL.
    #[serde(default)]
    pub photo: Option<String>,
    /// Price in points.
    #[serde(default, deserialize_with = "de::int")]
    pub price: Option<i64>,
    /// Stock is counted.
    #[serde(default, deserialize_with = "de::yes_no")]
    pub stock_control: bool,
    /// Units in stock.
    #[serde(default, deserialize_with = "de::int")]
    pub stock: Option<i64>,
    /// The pupil can buy it.
    #[serde(default, deserialize_with = "de::yes_no")]
    pub can_purchase: bool,
    /// Why not.
    #[serde(default)]
    pub unable_to_purchase_reason: Option<String>,
    /// One per pupil.
    #[serde(default, deserialize_with = "de::yes_no")]
    pub once_per_pupil: bool,
    /// Already bought.
    #[serde(default, deserialize_with = "de::yes_no")]
    pub purchased: bool,
    /// Times bought — a **string or the number `0`** (text that is not a number is kept in
    /// `raw` with no value).
    #[serde(default)]
    pub purchased_count: de::IntText,
    /// Price minus balance (signed).
    #[serde(default, deserialize_with = "de::int")]
    pub price_balance_difference: Option<i64>,
}

/// `meta` of `/rewards`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct RewardsMeta {
    /// The pupil's points balance.
    #[serde(default, deserialize_with = "de::int")]
    pub pupil_score_balance: Option<i64>,
}

/// `POST /purchase/{itemId}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct Purchase {
    /// `"yes"` / `"no"`.
    #[serde(default, deserialize_with = "de::yes_no")]
    pub single_purchase: bool,
    /// The order.
    #[serde(default, deserialize_with = "de::opt_id")]
    pub order_id: Option<String>,
    /// The balance after it.
    #[serde(default, deserialize_with = "de::int")]
    pub balance: Option<i64>,
}

/// `POST /getcode`: the pupil's login code. It is half a credential, so `Debug` hides it.
#[derive(Clone, PartialEq, Eq, Deserialize)]
pub struct StudentCode {
    /// The code.
    #[serde(deserialize_with = "de::id")]
    pub code: String,
}

impl std::fmt::Debug for StudentCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("StudentCode([REDACTED])")
    }
}

// ---- /parentbehaviours -------------------------------------------------------------------

/// A behaviour a parent may award at home (api-docs `parent_behaviour/point.yaml`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct ParentBehaviour {
    /// Behaviour id: what add / delete take.
    #[serde(default, deserialize_with = "de::opt_id")]
    pub id: Option<String>,
    /// Name, e.g. `Remarkable Reader`.
    #[serde(default)]
    pub name: Option<String>,
    /// Icon URL.
    #[serde(default)]
    pub icon_url: Option<String>,
    /// Already awarded today (the vendor's daily limit).
    #[serde(default, deserialize_with = "de::yes_no")]
    pub is_daily_limit_reached: bool,
}
