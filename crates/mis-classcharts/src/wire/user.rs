//! The logged-in user: a student (`/ping` → `data.user`, the student login's `data`), a
//! parent's pupil (`GET /pupils`), and the parent account (the JSON login's `data`).

use std::collections::BTreeMap;

use serde::Deserialize;

use super::de;

/// A student as ClassCharts describes it.
///
/// The `display_*` flags say which modules the school switched on. New ones keep appearing,
/// so the known ones are defaulted and every field this type does not name is kept in
/// [`Student::extra`].
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct Student {
    /// The pupil id: `{id}` in every data path.
    #[serde(deserialize_with = "de::id")]
    pub id: String,
    /// Full name.
    #[serde(default, deserialize_with = "de::text")]
    pub name: Option<String>,
    /// First name.
    #[serde(default, deserialize_with = "de::text")]
    pub first_name: Option<String>,
    /// Last name.
    #[serde(default, deserialize_with = "de::text")]
    pub last_name: Option<String>,
    /// Avatar image URL.
    #[serde(default)]
    pub avatar_url: Option<String>,
    /// The school's IANA zone. Sent on a parent's pupils (`Europe/London`); absent on the
    /// student object, where the school's zone defaults to `Europe/London` (ClassCharts serves UK schools).
    #[serde(default)]
    pub timezone: Option<String>,
    /// Behaviour module on.
    #[serde(default, deserialize_with = "de::yes_no")]
    pub display_behaviour: bool,
    /// Parent behaviour module on.
    #[serde(default, deserialize_with = "de::yes_no")]
    pub display_parent_behaviour: bool,
    /// Homework module on.
    #[serde(default, deserialize_with = "de::yes_no")]
    pub display_homework: bool,
    /// Rewards shop on.
    #[serde(default, deserialize_with = "de::yes_no")]
    pub display_rewards: bool,
    /// Detentions shown.
    #[serde(default, deserialize_with = "de::yes_no")]
    pub display_detentions: bool,
    /// On-report cards shown.
    #[serde(default, deserialize_with = "de::yes_no")]
    pub display_report_cards: bool,
    /// Classes shown.
    #[serde(default, deserialize_with = "de::yes_no")]
    pub display_classes: bool,
    /// Announcements shown.
    #[serde(default, deserialize_with = "de::yes_no")]
    pub display_announcements: bool,
    /// Academic reports shown.
    #[serde(default, deserialize_with = "de::yes_no")]
    pub display_academic_reports: bool,
    /// Attendance shown.
    #[serde(default, deserialize_with = "de::yes_no")]
    pub display_attendance: bool,
    /// Attendance percentage shown.
    #[serde(default, deserialize_with = "de::yes_no")]
    pub display_attendance_percentage: bool,
    /// How attendance is shown: a **string** (`instance`, `detailed`), not a bool.
    #[serde(default, deserialize_with = "de::text")]
    pub display_attendance_type: Option<String>,
    /// Activity feed shown.
    #[serde(default, deserialize_with = "de::yes_no")]
    pub display_activity: bool,
    /// Timetable shown.
    #[serde(default, deserialize_with = "de::yes_no")]
    pub display_timetable: bool,
    /// Event badges shown.
    #[serde(default, deserialize_with = "de::yes_no")]
    pub display_event_badges: bool,
    /// Custom (pupil) fields shown.
    #[serde(default, deserialize_with = "de::yes_no")]
    pub display_custom_fields: bool,
    /// The account is disabled.
    #[serde(default, deserialize_with = "de::yes_no")]
    pub is_disabled: bool,
    /// `bool | null` in the JS types.
    #[serde(default, deserialize_with = "de::opt_yes_no")]
    pub can_upload_attachments: Option<bool>,
    /// Unread announcements.
    #[serde(default, deserialize_with = "de::int")]
    pub announcements_count: Option<i64>,
    /// Unread messages.
    #[serde(default, deserialize_with = "de::int")]
    pub messages_count: Option<i64>,
    /// Today is the pupil's birthday.
    #[serde(default, deserialize_with = "de::yes_no")]
    pub has_birthday: bool,
    /// A survey to answer, if any (`int | null`).
    #[serde(default, deserialize_with = "de::opt_id")]
    pub survey_id: Option<String>,
    /// The school's word for detentions, plural, capitalised.
    #[serde(default)]
    pub detention_alias_plural_uc: Option<String>,
    /// Every other field, as sent (new `display_*` flags, counters…).
    #[serde(flatten)]
    pub extra: BTreeMap<String, serde_json::Value>,
}

impl Student {
    /// A flag this type does not name (a `display_*` added after this version), read from
    /// [`Student::extra`] the lenient way; `None` when absent or not a flag.
    pub fn flag(&self, name: &str) -> Option<bool> {
        match self.extra.get(name)? {
            serde_json::Value::Bool(b) => Some(*b),
            serde_json::Value::Number(n) => n.as_i64().map(|n| n != 0),
            serde_json::Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
                "yes" | "true" | "1" => Some(true),
                "no" | "false" | "0" | "" => Some(false),
                _ => None,
            },
            _ => None,
        }
    }
}

/// One of a parent's pupils (`GET /apiv2parent/pupils`): the
/// student object plus the school and counters.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct Pupil {
    /// The school's name.
    #[serde(default)]
    pub school_name: Option<String>,
    /// The school's logo URL.
    #[serde(default)]
    pub school_logo: Option<String>,
    /// Detentions attended.
    #[serde(default, deserialize_with = "de::int")]
    pub detention_yes_count: Option<i64>,
    /// Detentions missed.
    #[serde(default, deserialize_with = "de::int")]
    pub detention_no_count: Option<i64>,
    /// Detentions pending.
    #[serde(default, deserialize_with = "de::int")]
    pub detention_pending_count: Option<i64>,
    /// Detentions upscaled.
    #[serde(default, deserialize_with = "de::int")]
    pub detention_upscaled_count: Option<i64>,
    /// Homework to do.
    #[serde(default, deserialize_with = "de::int")]
    pub homework_todo_count: Option<i64>,
    /// Homework late.
    #[serde(default, deserialize_with = "de::int")]
    pub homework_late_count: Option<i64>,
    /// Homework not completed.
    #[serde(default, deserialize_with = "de::int")]
    pub homework_not_completed_count: Option<i64>,
    /// Homework excused.
    #[serde(default, deserialize_with = "de::int")]
    pub homework_excused_count: Option<i64>,
    /// Homework completed.
    #[serde(default, deserialize_with = "de::int")]
    pub homework_completed_count: Option<i64>,
    /// Homework submitted.
    #[serde(default, deserialize_with = "de::int")]
    pub homework_submitted_count: Option<i64>,
    /// Everything the student object has (id, names, `timezone`, `display_*`…).
    #[serde(flatten)]
    pub student: Student,
}

/// The parent account (`POST /apiv2parent/login` → `data`, parent `/ping` → `data.user`;
/// a real response, redacted, is in api-docs issue #2).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct ParentUser {
    /// The parent's id (not a pupil id).
    #[serde(deserialize_with = "de::id")]
    pub id: String,
    /// Name.
    #[serde(default, deserialize_with = "de::text")]
    pub name: Option<String>,
    /// E-mail.
    #[serde(default)]
    pub email: Option<String>,
    /// Language (`null` in the capture).
    #[serde(default)]
    pub language: Option<String>,
    /// Whether the e-mail is verified.
    #[serde(default, rename = "isEmailVerified", deserialize_with = "de::yes_no")]
    pub is_email_verified: bool,
}
