//! The behaviour scheme (actions, classifications, event types) and behaviour events.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::de;
use super::{WireItem, wire_enum};

wire_enum! {
    /// Whether an event type is good news, bad news or neither.
    pub enum Significance {
        /// An achievement.
        Positive => "Positive",
        /// An incident.
        Negative => "Negative",
        /// Neither.
        Neutral => "Neutral",
    }
}

/// `GET …/behaviour/actions/follow-up` and `…/actions/immediate`: an action definition.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BehaviourAction {
    /// Action id.
    #[serde(deserialize_with = "de::num")]
    pub id: i64,
    /// Name.
    #[serde(default)]
    pub name: Option<String>,
    /// The name parents and students see.
    #[serde(default)]
    pub alias: Option<String>,
    /// `Standard` or `Detention`.
    #[serde(default, rename = "type")]
    pub action_type: Option<String>,
}

/// A follow-up action definition.
pub type FollowUpAction = BehaviourAction;
/// An immediate action definition.
pub type ImmediateAction = BehaviourAction;

impl WireItem for BehaviourAction {
    const KEY: &'static str = "actions";
}

/// An action attached to a classification, and whether it must be completed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActionRule {
    /// Action id.
    #[serde(deserialize_with = "de::num")]
    pub id: i64,
    /// `Mandatory`, `Recommended` or `Optional`.
    #[serde(default)]
    pub completion_type: Option<String>,
}

/// `GET …/behaviour/classification`: a classification group of event types.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Classification {
    /// Id.
    #[serde(deserialize_with = "de::num")]
    pub id: i64,
    /// Name, e.g. `Disruptive behaviour`.
    #[serde(default)]
    pub name: Option<String>,
    /// Severity score of the group (not points awarded to a student).
    #[serde(default, deserialize_with = "de::opt_num")]
    pub score: Option<i64>,
    /// Immediate actions for this group.
    #[serde(default, deserialize_with = "de::list")]
    pub immediate_actions: Vec<ActionRule>,
    /// Follow-up actions for this group.
    #[serde(default, deserialize_with = "de::list")]
    pub follow_up_actions: Vec<ActionRule>,
}

impl WireItem for Classification {
    const KEY: &'static str = "classification";
}

/// `GET …/behaviour/event-types`: the definition of one kind of event.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventType {
    /// Id (what events carry as `event_type_id`).
    #[serde(deserialize_with = "de::num")]
    pub id: i64,
    /// Classification group (`event_classification_id` in G4SApiSync).
    #[serde(
        default,
        alias = "event_classification_id",
        deserialize_with = "de::opt_num"
    )]
    pub classification_id: Option<i64>,
    /// Code, e.g. `DB1`.
    #[serde(default)]
    pub code: Option<String>,
    /// Name, e.g. `First Verbal Warning`.
    #[serde(default)]
    pub name: Option<String>,
    /// The name parents and students see.
    #[serde(default)]
    pub alias: Option<String>,
    /// Positive, Negative or Neutral.
    #[serde(default)]
    pub significance: Option<Significance>,
    /// Prioritised for group behaviour.
    #[serde(default, deserialize_with = "de::opt_bool")]
    pub prioritise: Option<bool>,
}

impl WireItem for EventType {
    const KEY: &'static str = "event_types";
}

/// `GET …/behaviour/events/date/{date}`: one behaviour event.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BehaviourEvent {
    /// Event id.
    #[serde(deserialize_with = "de::num")]
    pub id: i64,
    /// The event type.
    #[serde(default, deserialize_with = "de::opt_num")]
    pub event_type_id: Option<i64>,
    /// When it happened, UTC (vendor doc: "UTC date of the event").
    #[serde(default, deserialize_with = "de::opt_utc")]
    pub event_date: Option<Timestamp>,
    /// Closed.
    #[serde(default, deserialize_with = "de::flag")]
    pub closed: bool,
    /// Cancelled.
    #[serde(default, deserialize_with = "de::flag")]
    pub cancelled: bool,
    /// Room.
    #[serde(default)]
    pub room_name: Option<String>,
    /// Group, e.g. `11/CP1`.
    #[serde(default)]
    pub group_name: Option<String>,
    /// Subject code.
    #[serde(default, deserialize_with = "de::opt_text")]
    pub subject_code: Option<String>,
    /// Year group.
    #[serde(default, deserialize_with = "de::opt_text")]
    pub year_group: Option<String>,
    /// Notes for home.
    #[serde(default)]
    pub home_notes: Option<String>,
    /// Notes for school.
    #[serde(default)]
    pub school_notes: Option<String>,
    /// Created (UTC).
    #[serde(default, deserialize_with = "de::opt_utc")]
    pub created_timestamp: Option<Timestamp>,
    /// Staff id of the author.
    #[serde(default, deserialize_with = "de::opt_num")]
    pub created_by: Option<i64>,
    /// Last modified (UTC).
    #[serde(default, deserialize_with = "de::opt_utc")]
    pub modified_timestamp: Option<Timestamp>,
    /// Staff id of the last modifier.
    #[serde(default, deserialize_with = "de::opt_num")]
    pub modified_by: Option<i64>,
    /// The students involved (may be `null`).
    #[serde(default, deserialize_with = "de::nums")]
    pub student_ids: Vec<i64>,
    /// Immediate actions attached.
    #[serde(default, deserialize_with = "de::nums")]
    pub event_action_ids: Vec<i64>,
    /// Follow-up actions attached.
    #[serde(default, deserialize_with = "de::nums")]
    pub event_followup_type_ids: Vec<i64>,
}

impl WireItem for BehaviourEvent {
    const KEY: &'static str = "behaviour_events";
}
