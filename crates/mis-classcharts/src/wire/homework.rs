//! `GET /homeworks/{id}`.

use serde::Deserialize;

use super::{de, wire_enum};

wire_enum! {
    /// The pupil's completion state (`null` while open).
    pub enum HomeworkState {
        /// Not completed.
        NotCompleted => "not_completed",
        /// Handed in late.
        Late => "late",
        /// Completed.
        Completed => "completed",
    }
}

/// A file the teacher attached (`TeacherValidatedHomeworkAttachment` in the JS types).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct ValidatedAttachment {
    /// Attachment id.
    #[serde(default, deserialize_with = "de::opt_id")]
    pub id: Option<String>,
    /// File name. The JS types and apps say `file_name`; api-docs was corrected to
    /// `filename` in Nov 2025: both are read.
    #[serde(default, alias = "filename", deserialize_with = "de::text")]
    pub file_name: Option<String>,
    /// File URL.
    #[serde(default, deserialize_with = "de::text")]
    pub file: Option<String>,
    /// Checked URL.
    #[serde(default, deserialize_with = "de::text")]
    pub validated_file: Option<String>,
}

/// A file the pupil attached (`StudentHomeworkAttachment` in the JS types): a teacher's
/// file plus the teacher's note on it, the teacher's files sent back, and whether the pupil
/// may still delete it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct StudentAttachment {
    /// Attachment id.
    #[serde(default, deserialize_with = "de::opt_id")]
    pub id: Option<String>,
    /// File name (`file_name` or `filename`, as above).
    #[serde(default, alias = "filename", deserialize_with = "de::text")]
    pub file_name: Option<String>,
    /// File URL.
    #[serde(default, deserialize_with = "de::text")]
    pub file: Option<String>,
    /// Checked URL.
    #[serde(default, deserialize_with = "de::text")]
    pub validated_file: Option<String>,
    /// The teacher's note on the pupil's file (`string` in the JS types; `null` and numbers
    /// tolerated).
    #[serde(default, deserialize_with = "de::text")]
    pub teacher_note: Option<String>,
    /// Files the teacher attached in reply (`[]` or `null` when none).
    #[serde(default, deserialize_with = "de::list")]
    pub teacher_homework_attachments: Vec<ValidatedAttachment>,
    /// Whether the pupil may still delete it (a bool, `0`/`1` or `"yes"`/`"no"`).
    #[serde(default, deserialize_with = "de::yes_no")]
    pub can_delete: bool,
}

/// A link the teacher attached.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct HomeworkLink {
    /// The link as written.
    #[serde(default)]
    pub link: Option<String>,
    /// The checked link.
    #[serde(default)]
    pub validated_link: Option<String>,
}

/// The pupil's status on a task.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct HomeworkStatus {
    /// The status id: what `/homeworkticked/{id}` takes.
    #[serde(default, deserialize_with = "de::opt_id")]
    pub id: Option<String>,
    /// Completion state.
    #[serde(default, deserialize_with = "de::opt_enum")]
    pub state: Option<HomeworkState>,
    /// The mark (`string | null`; numbers tolerated).
    #[serde(default, deserialize_with = "de::text")]
    pub mark: Option<String>,
    /// Relative mark.
    #[serde(default, deserialize_with = "de::int")]
    pub mark_relative: Option<i64>,
    /// Ticked by the pupil: `"yes"` / `"no"`.
    #[serde(default, deserialize_with = "de::yes_no")]
    pub ticked: bool,
    /// Attachments allowed.
    #[serde(default, deserialize_with = "de::yes_no")]
    pub allow_attachments: bool,
    /// The pupil may mark it completed.
    #[serde(default, deserialize_with = "de::yes_no")]
    pub allow_marking_completed: bool,
    /// First seen (ISO, or `null`).
    #[serde(default)]
    pub first_seen_date: Option<String>,
    /// Last seen.
    #[serde(default)]
    pub last_seen_date: Option<String>,
    /// The pupil's attachments.
    #[serde(default, deserialize_with = "de::list")]
    pub attachments: Vec<StudentAttachment>,
    /// Feedback is available.
    #[serde(default, deserialize_with = "de::yes_no")]
    pub has_feedback: bool,
}

/// A homework task.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Homework {
    /// Task id.
    #[serde(deserialize_with = "de::id")]
    pub id: String,
    /// The class.
    #[serde(default)]
    pub lesson: Option<String>,
    /// The subject (may be `null`).
    #[serde(default)]
    pub subject: Option<String>,
    /// The teacher.
    #[serde(default)]
    pub teacher: Option<String>,
    /// The kind of task.
    #[serde(default)]
    pub homework_type: Option<String>,
    /// Title.
    #[serde(default)]
    pub title: Option<String>,
    /// Page title.
    #[serde(default)]
    pub meta_title: Option<String>,
    /// Description (HTML).
    #[serde(default)]
    pub description: Option<String>,
    /// Set on (`YYYY-MM-DD`).
    #[serde(default)]
    pub issue_date: Option<String>,
    /// Due on (`YYYY-MM-DD`).
    #[serde(default)]
    pub due_date: Option<String>,
    /// Unit of the expected time (`minutes`).
    #[serde(default)]
    pub completion_time_unit: Option<String>,
    /// Expected time: a **string**, possibly `""` (numbers tolerated).
    #[serde(default, deserialize_with = "de::text")]
    pub completion_time_value: Option<String>,
    /// Publication time, `HH:MM:SS`.
    #[serde(default)]
    pub publish_time: Option<String>,
    /// The pupil's status.
    #[serde(default)]
    pub status: Option<HomeworkStatus>,
    /// Links.
    #[serde(default, deserialize_with = "de::list")]
    pub validated_links: Vec<HomeworkLink>,
    /// Teacher attachments.
    #[serde(default, deserialize_with = "de::list")]
    pub validated_attachments: Vec<ValidatedAttachment>,
}

/// `meta` of `/homeworks`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct HomeworksMeta {
    /// Window start.
    #[serde(default)]
    pub start_date: Option<String>,
    /// Window end.
    #[serde(default)]
    pub end_date: Option<String>,
    /// `issue_date` or `due_date`.
    #[serde(default)]
    pub display_type: Option<String>,
    /// Attachments allowed per submission.
    #[serde(default, deserialize_with = "de::int")]
    pub max_files_allowed: Option<i64>,
    /// File types allowed.
    #[serde(default, deserialize_with = "de::list")]
    pub allowed_file_types: Vec<String>,
    /// Due this week.
    #[serde(default, deserialize_with = "de::int")]
    pub this_week_due_count: Option<i64>,
    /// Outstanding this week.
    #[serde(default, deserialize_with = "de::int")]
    pub this_week_outstanding_count: Option<i64>,
    /// Completed this week.
    #[serde(default, deserialize_with = "de::int")]
    pub this_week_completed_count: Option<i64>,
    /// Attachments allowed.
    #[serde(default, deserialize_with = "de::yes_no")]
    pub allow_attachments: bool,
    /// Marks shown.
    #[serde(default, deserialize_with = "de::yes_no")]
    pub display_marks: bool,
}
