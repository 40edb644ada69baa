//! Behaviour notes (`GET /behavior/notes`, US spelling).

use serde::{Deserialize, Serialize};

use super::{Extra, Id, Listed, de};

/// A behaviour note: one student, one incident.
///
/// `student_id` here is **the school's own student id** (e.g. `"chloe-42"`), not the
/// ManageBac id — the provider resolves it through the students list. Notes carry no points
/// and no polarity; `notes` is HTML.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct BehaviorNote {
    /// Id.
    pub id: Id,
    /// The school's own student id (a string).
    #[serde(default, deserialize_with = "de::opt_text")]
    pub student_id: Option<String>,
    /// Student's first name.
    #[serde(default)]
    pub first_name: Option<String>,
    /// Student's preferred name.
    #[serde(default)]
    pub preferred_name: Option<String>,
    /// Student's last name.
    #[serde(default)]
    pub last_name: Option<String>,
    /// Student's e-mail.
    #[serde(default)]
    pub email: Option<String>,
    /// Student's grade.
    #[serde(default)]
    pub grade: Option<String>,
    /// When it happened (ISO 8601 with offset).
    #[serde(default)]
    pub incident_time: Option<String>,
    /// The school's behaviour type (`Disruption`, `Helping others`…).
    #[serde(default)]
    pub behavior_type: Option<String>,
    /// Notes, HTML.
    #[serde(default)]
    pub notes: Option<String>,
    /// Follow-up.
    #[serde(default)]
    pub next_step: Option<String>,
    /// Follow-up date, `yyyy-mm-dd`.
    #[serde(default)]
    pub next_step_date: Option<String>,
    /// Who wrote it (a teacher id).
    #[serde(default, deserialize_with = "de::opt_id")]
    pub author_id: Option<Id>,
    /// Who reported it, by name.
    #[serde(default)]
    pub reported_by: Option<String>,
    /// The student's homeroom advisor, by name.
    #[serde(default)]
    pub homeroom_advisor: Option<String>,
    /// Visible to parents.
    #[serde(default, deserialize_with = "de::opt_bool")]
    pub visible_to_parents: Option<bool>,
    /// Visible to students.
    #[serde(default, deserialize_with = "de::opt_bool")]
    pub visible_to_students: Option<bool>,
    /// Created.
    #[serde(default)]
    pub created_at: Option<String>,
    /// Last change.
    #[serde(default)]
    pub updated_at: Option<String>,
    /// Everything else.
    #[serde(flatten)]
    pub extra: Extra,
}

impl Listed for BehaviorNote {
    const LIST_KEY: &'static str = "behavior_notes";
}
