//! Academic years and terms.

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

/// A school year.
///
/// `#[non_exhaustive]`: other crates build one with [`AcademicYear::new`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
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
///
/// `#[non_exhaustive]`: other crates build one with [`Term::new`] and then set
/// `academic_year_id` when known.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
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

impl AcademicYear {
    /// A year with its id, name and first and last days.
    pub fn new(
        provider: impl Into<String>,
        id: impl Into<String>,
        name: impl Into<String>,
        start_date: Date,
        end_date: Date,
    ) -> Self {
        AcademicYear {
            provider: provider.into(),
            id: id.into(),
            name: name.into(),
            start_date,
            end_date,
        }
    }
}

impl Term {
    /// A term with its id, name and first and last days; `academic_year_id` is `None`.
    pub fn new(
        provider: impl Into<String>,
        id: impl Into<String>,
        name: impl Into<String>,
        start_date: Date,
        end_date: Date,
    ) -> Self {
        Term {
            provider: provider.into(),
            id: id.into(),
            academic_year_id: None,
            name: name.into(),
            start_date,
            end_date,
        }
    }
}
