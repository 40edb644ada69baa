//! Learning support (SEN) records. All of it is special-category data: the client returns
//! these types wrapped in [`mis_core::Sensitive`], whose `Debug` prints `[sensitive]`.

use serde::{Deserialize, Serialize};

use super::{Extra, Id, Item, PersonRef};

/// "Students: Get Learning Support fields by student Id".
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct LearningSupportFields {
    /// Authority.
    pub authority: Option<Item>,
    /// Authority type.
    pub authority_type: Option<Item>,
    /// Disability.
    pub disability: Option<bool>,
    /// Its description.
    pub disability_description: Option<String>,
    /// Placement date.
    pub placement_date: Option<String>,
}

/// "LearningSupport Record: Get".
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct LearningSupportRecord {
    /// Id.
    pub id: Option<Id>,
    /// e.g. `Mild ADHD`.
    pub description: Option<String>,
    /// Has an EHC plan.
    pub ehcp: Option<bool>,
    /// EHC plan date.
    pub ehcp_date: Option<String>,
    /// Files.
    pub files: Vec<serde_json::Value>,
    /// Date recorded.
    pub learning_support_date: Option<String>,
    /// Type.
    pub learning_support_type: Option<Item>,
    /// Severity.
    pub severity: Option<Item>,
    /// Status.
    pub status: Option<Item>,
    /// The student.
    pub student: Option<Item>,
    /// Date made inactive.
    pub inactive_date: Option<String>,
}

/// "Learning Support: Get Learning Support Review by Id".
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct LearningSupportReview {
    /// Id.
    pub id: Option<Id>,
    /// Agreed actions.
    pub agreed_actions: Option<String>,
    /// Contacts attending.
    pub attending_contacts: Vec<PersonRef>,
    /// Others attending.
    pub attending_contact_text: Option<String>,
    /// Staff attending.
    pub attending_staff: Vec<PersonRef>,
    /// Whether the student attends.
    pub is_student_attending: Option<bool>,
    /// Description.
    pub description: Option<String>,
    /// EHCP notes.
    pub ehcp_notes: Option<String>,
    /// Files.
    pub files: Vec<serde_json::Value>,
    /// Meeting aims.
    pub meeting_aims: Option<String>,
    /// Next review (date-time).
    pub next_review: Option<String>,
    /// Review type.
    pub review_type: Option<Item>,
    /// When (date-time).
    pub review_date_time: Option<String>,
    /// SENCOs.
    pub special_needs_coordinators: Vec<PersonRef>,
    /// Status.
    pub review_status: Option<Item>,
    /// Anything else.
    #[serde(flatten)]
    pub extra: Extra,
}
