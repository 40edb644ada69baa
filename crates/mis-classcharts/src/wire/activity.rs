//! `GET /activity/{id}`: the pupil's activity feed, paged by `last_id`.

use serde::Deserialize;

use super::{de, wire_enum};

wire_enum! {
    /// What an activity point is.
    pub enum ActivityType {
        /// A behaviour point (the only type the provider turns into behaviour events).
        Behaviour => "behaviour",
        /// A detention.
        Detention => "detention",
        /// A notice.
        Notice => "notice",
        /// An attendance event.
        AttendanceEvent => "attendance_event",
        /// A question.
        Question => "question",
        /// An event.
        Event => "event",
    }
}

wire_enum! {
    /// A point's polarity. The field can also be `null` (`Option<WirePolarity>`).
    pub enum WirePolarity {
        /// Positive.
        Positive => "positive",
        /// Negative.
        Negative => "negative",
        /// Neither.
        Blank => "blank",
    }
}

/// The display style of a point.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct ActivityStyle {
    /// Border colour.
    #[serde(default)]
    pub border_color: Option<String>,
    /// CSS class (`notice-color`, `colour-orange`…).
    #[serde(default)]
    pub custom_class: Option<String>,
}

/// One point of the activity feed.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ActivityPoint {
    /// The point's id; also the paging cursor (`last_id`).
    #[serde(deserialize_with = "de::id")]
    pub id: String,
    /// What it is.
    #[serde(rename = "type", default, deserialize_with = "de::opt_enum")]
    pub kind: Option<ActivityType>,
    /// Positive, negative, blank — or `null` (the JS types allow it).
    #[serde(default, deserialize_with = "de::opt_enum")]
    pub polarity: Option<WirePolarity>,
    /// The reason, e.g. `Excellent work`.
    #[serde(default, deserialize_with = "de::text")]
    pub reason: Option<String>,
    /// Points awarded (negative for sanctions).
    #[serde(default, deserialize_with = "de::int")]
    pub score: Option<i64>,
    /// `"YYYY-MM-DD HH:MM:SS"`, wall-clock time at the school, **no zone** (fixture
    /// `"2023-04-21 10:00:00"`): local to the pupil's time zone (the school's).
    #[serde(default)]
    pub timestamp: Option<String>,
    /// A custom time label, if any.
    #[serde(default)]
    pub timestamp_custom_time: Option<String>,
    /// Display style.
    #[serde(default)]
    pub style: Option<ActivityStyle>,
    /// The pupil's name.
    #[serde(default)]
    pub pupil_name: Option<String>,
    /// The lesson (class) name.
    #[serde(default)]
    pub lesson_name: Option<String>,
    /// Who awarded it (`string | null`).
    #[serde(default)]
    pub teacher_name: Option<String>,
    /// The room.
    #[serde(default)]
    pub room_name: Option<String>,
    /// A note.
    #[serde(default)]
    pub note: Option<String>,
    /// A parent's note (the mock emits it).
    #[serde(default)]
    pub parent_note: Option<String>,
    /// Whether the viewer may delete it (parent-awarded points).
    #[serde(rename = "_can_delete", default, deserialize_with = "de::yes_no")]
    pub can_delete: bool,
    /// Badges earned with it (often `""`).
    #[serde(default, deserialize_with = "de::text")]
    pub badges: Option<String>,
    /// Detention date, for detention points.
    #[serde(default)]
    pub detention_date: Option<String>,
    /// Detention time (`HH:MM`).
    #[serde(default)]
    pub detention_time: Option<String>,
    /// Detention location.
    #[serde(default)]
    pub detention_location: Option<String>,
    /// Detention type.
    #[serde(default, deserialize_with = "de::text")]
    pub detention_type: Option<String>,
}

impl ActivityPoint {
    /// Whether this is a behaviour point. A missing `type` is not assumed to be one.
    pub fn is_behaviour(&self) -> bool {
        self.kind == Some(ActivityType::Behaviour)
    }
}

/// `meta` of `/activity`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct ActivityMeta {
    /// Window start, an ISO date-time with offset (`2023-08-24T23:00:00+00:00`).
    #[serde(default)]
    pub start_date: Option<String>,
    /// Window end.
    #[serde(default)]
    pub end_date: Option<String>,
    /// The last id on the page — a number, or **`false`** when nothing remains.
    #[serde(default, deserialize_with = "de::int_or_false")]
    pub last_id: Option<u64>,
    /// `week`.
    #[serde(default)]
    pub step_size: Option<String>,
    /// The school's word for a detention, e.g. `Detention`.
    #[serde(default)]
    pub detention_alias_uc: Option<String>,
}
