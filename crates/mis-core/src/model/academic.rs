//! Academic years and terms.

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

/// A school year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AcademicYear {
    /// Vendor id.
    pub provider: String,
    /// The vendor's id.
    pub id: String,
    /// Name, e.g. `2024/2025`.
    pub name: String,
    /// First day.
    pub start_date: Date,
    /// Last day.
    pub end_date: Date,
}

/// A term (or half term, or grading period) inside an academic year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Term {
    /// Vendor id.
    pub provider: String,
    /// The vendor's id.
    pub id: String,
    /// The academic year's id, when known.
    pub academic_year_id: Option<String>,
    /// Name, e.g. `Autumn 1`.
    pub name: String,
    /// First day.
    pub start_date: Date,
    /// Last day.
    pub end_date: Date,
}
