//! `GET /detentions/{id}`.

use jiff::civil::Date;
use serde::Deserialize;

use super::{de, wire_enum};

wire_enum! {
    /// Whether the pupil attended.
    pub enum DetentionAttended {
        /// Attended.
        Yes => "yes",
        /// Did not attend.
        No => "no",
        /// Escalated to a bigger sanction.
        Upscaled => "upscaled",
        /// Not yet happened.
        Pending => "pending",
    }
}

/// Something with just a name (`detention_type`, `lesson_pupil_behaviour` has `reason`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct Named {
    /// The name.
    #[serde(default, alias = "reason", deserialize_with = "de::text")]
    pub name: Option<String>,
}

/// The school's note settings on the detention's pupil.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct DetentionSchool {
    /// Show note names.
    #[serde(default, deserialize_with = "de::yes_no")]
    pub opt_notes_names: bool,
    /// Show note comments.
    #[serde(default, deserialize_with = "de::yes_no")]
    pub opt_notes_comments: bool,
    /// Show note comments to pupils.
    #[serde(default, deserialize_with = "de::yes_no")]
    pub opt_notes_comments_pupils: bool,
}

/// The pupil of a detention.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct DetentionPupil {
    /// Pupil id.
    #[serde(default, deserialize_with = "de::opt_id")]
    pub id: Option<String>,
    /// First name.
    #[serde(default)]
    pub first_name: Option<String>,
    /// Last name.
    #[serde(default)]
    pub last_name: Option<String>,
    /// Note settings.
    #[serde(default)]
    pub school: Option<DetentionSchool>,
}

/// The lesson a detention came from.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct DetentionLesson {
    /// Class id.
    #[serde(default, deserialize_with = "de::opt_id")]
    pub id: Option<String>,
    /// Class name.
    #[serde(default)]
    pub name: Option<String>,
    /// Subject (`{id, name} | null`).
    #[serde(default)]
    pub subject: Option<DetentionSubject>,
}

/// A subject.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct DetentionSubject {
    /// Subject id.
    #[serde(default, deserialize_with = "de::opt_id")]
    pub id: Option<String>,
    /// Subject name.
    #[serde(default)]
    pub name: Option<String>,
}

/// The teacher who set a detention.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct DetentionTeacher {
    /// Staff id.
    #[serde(default, deserialize_with = "de::opt_id")]
    pub id: Option<String>,
    /// First name.
    #[serde(default)]
    pub first_name: Option<String>,
    /// Last name.
    #[serde(default)]
    pub last_name: Option<String>,
    /// Title (`Mr`, `Dr`).
    #[serde(default)]
    pub title: Option<String>,
}

impl DetentionTeacher {
    /// `Mr J Smith`-style display name from whatever parts are present.
    pub fn display_name(&self) -> Option<String> {
        let parts: Vec<&str> = [&self.title, &self.first_name, &self.last_name]
            .into_iter()
            .flatten()
            .map(|s| s.trim())
            .filter(|s| !s.is_empty())
            .collect();
        (!parts.is_empty()).then(|| parts.join(" "))
    }
}

/// One detention.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Detention {
    /// Detention id.
    #[serde(deserialize_with = "de::id")]
    pub id: String,
    /// `yes`, `no`, `upscaled`, `pending`, or a value kept as sent.
    #[serde(default)]
    pub attended: Option<DetentionAttended>,
    /// The date **exactly as sent**. Usually `YYYY-MM-DD…`, but a fixture has the malformed
    /// `"2023-08-24:00:00+00:00"`: kept raw so one bad date never fails the list; read it
    /// with [`Detention::date`].
    #[serde(default)]
    pub date: Option<String>,
    /// Length in minutes.
    #[serde(default, deserialize_with = "de::int")]
    pub length: Option<i64>,
    /// Where.
    #[serde(default)]
    pub location: Option<String>,
    /// Notes.
    #[serde(default)]
    pub notes: Option<String>,
    /// Start time, `HH:MM`.
    #[serde(default)]
    pub time: Option<String>,
    /// The pupil.
    #[serde(default)]
    pub pupil: Option<DetentionPupil>,
    /// The lesson it came from.
    #[serde(default)]
    pub lesson: Option<DetentionLesson>,
    /// The behaviour that caused it (`{reason}`).
    #[serde(default)]
    pub lesson_pupil_behaviour: Option<Named>,
    /// Who set it.
    #[serde(default)]
    pub teacher: Option<DetentionTeacher>,
    /// Its type (`{name} | null`).
    #[serde(default)]
    pub detention_type: Option<Named>,
}

impl Detention {
    /// The date, read leniently from the first ten characters (`YYYY-MM-DD`), so the
    /// malformed `2023-08-24:00:00+00:00` still gives 2023-08-24. `None` when there is no
    /// date at all or it does not start with one.
    pub fn date(&self) -> Option<Date> {
        let raw = self.date.as_deref()?.trim();
        raw.get(..10)?.parse::<Date>().ok()
    }
}

/// `meta` of `/detentions`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct DetentionsMeta {
    /// The school's word for detentions, plural.
    #[serde(default)]
    pub detention_alias_plural: Option<String>,
}
