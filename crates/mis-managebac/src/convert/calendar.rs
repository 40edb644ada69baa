//! Academic years and terms. ManageBac keeps academic years per program (MYP, DP, …), each
//! with its terms.

use mis_core::{AcademicYear, Term};

use super::{date, text};
use crate::VENDOR;
use crate::wire;

/// An academic year of `program`. ManageBac keeps one set of years per program (`GET
/// /school/academic-years` groups them by program code), so the name says which program when the
/// school runs several. `None` when the year lacks its dates.
pub fn academic_year(year: &wire::AcademicYear, program: Option<&str>) -> Option<AcademicYear> {
    let name = text(year.name.as_deref()).unwrap_or_else(|| year.id.text());
    let name = match program {
        Some(p) => format!("{name} ({p})"),
        None => name,
    };
    Some(AcademicYear::new(
        VENDOR,
        year.id.text(),
        name,
        date(year.starts_on.as_deref())?,
        date(year.ends_on.as_deref())?,
    ))
}

/// The terms of a year; terms without dates are skipped.
pub fn terms(year: &wire::AcademicYear) -> Vec<Term> {
    year.academic_terms
        .iter()
        .filter_map(|t| {
            let mut term = Term::new(
                VENDOR,
                t.id.text(),
                text(t.name.as_deref()).unwrap_or_else(|| t.id.text()),
                date(t.starts_on.as_deref())?,
                date(t.ends_on.as_deref())?,
            );
            term.academic_year_id = Some(t.academic_year_id.unwrap_or(year.id).text());
            Some(term)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn years_and_terms() {
        let y: wire::AcademicYear = serde_json::from_str(
            r#"{"id": 2024, "name": "2024/2025", "starts_on": "2024-09-02", "ends_on": "2025-07-18",
                "academic_terms": [{"id": 20241, "name": "Autumn", "starts_on": "2024-09-02",
                "ends_on": "2024-12-20"}, {"id": 20242, "name": "Broken"}]}"#,
        )
        .unwrap();
        let m = academic_year(&y, Some("hs")).unwrap();
        assert_eq!((m.id.as_str(), m.name.as_str()), ("2024", "2024/2025 (hs)"));
        let t = terms(&y);
        assert_eq!(t.len(), 1);
        assert_eq!(t[0].academic_year_id.as_deref(), Some("2024"));
    }
}
