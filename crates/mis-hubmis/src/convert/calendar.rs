//! Academic years and terms → [`AcademicYear`] / [`Term`].

use mis_core::{AcademicYear, Result, Term};

use super::{bad_record, nonempty, parse_date};
use crate::config::VENDOR;
use crate::wire::DateSpan;

fn dates(
    span: &DateSpan,
    operation: &str,
    what: &str,
) -> Result<(String, jiff::civil::Date, jiff::civil::Date)> {
    let id = span
        .id
        .as_ref()
        .map(|i| i.as_str().to_owned())
        .ok_or_else(|| bad_record(operation, "id", format!("{what} has no id")))?;
    let start = span.start().and_then(parse_date).ok_or_else(|| {
        bad_record(
            operation,
            "date_start",
            format!("{what} {id} has no start date"),
        )
    })?;
    let end = span.end().and_then(parse_date).ok_or_else(|| {
        bad_record(
            operation,
            "date_end",
            format!("{what} {id} has no end date"),
        )
    })?;
    Ok((id, start, end))
}

/// An academic year. Missing id or dates are a `Decode` error.
pub fn academic_year(span: &DateSpan) -> Result<AcademicYear> {
    let (id, start_date, end_date) = dates(span, "calendar.academic_years", "an academic year")?;
    let name = nonempty(span.name.as_deref()).unwrap_or_else(|| id.clone());
    Ok(AcademicYear::new(VENDOR, id, name, start_date, end_date))
}

/// A term of the academic year `year_id`.
pub fn term(span: &DateSpan, year_id: &str) -> Result<Term> {
    let (id, start_date, end_date) = dates(span, "calendar.terms", "a term")?;
    let name = nonempty(span.name.as_deref()).unwrap_or_else(|| id.clone());
    let mut term = Term::new(VENDOR, id, name, start_date, end_date);
    term.academic_year_id = Some(year_id.to_owned());
    Ok(term)
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;

    use super::*;

    #[test]
    fn every_spelling_of_the_dates() {
        for json in [
            r#"{"id": 1, "name": "2024/2025", "date_start": "2024-09-02", "date_end": "2025-07-22"}"#,
            r#"{"id": 1, "name": "2024/2025", "start_date": "2024-09-02", "end_date": "2025-07-22"}"#,
            r#"{"id": 1, "name": "2024/2025", "date_from": "2024-09-02", "date_to": "2025-07-22"}"#,
        ] {
            let span: DateSpan = serde_json::from_str(json).unwrap();
            let y = academic_year(&span).unwrap();
            assert_eq!(
                (y.start_date, y.end_date),
                (date(2024, 9, 2), date(2025, 7, 22))
            );
            assert_eq!(y.name, "2024/2025");
            let t = term(&span, "1").unwrap();
            assert_eq!(t.academic_year_id.as_deref(), Some("1"));
        }
        let span: DateSpan = serde_json::from_str(r#"{"id": 1, "name": "x"}"#).unwrap();
        assert!(
            academic_year(&span)
                .unwrap_err()
                .to_string()
                .contains("start date")
        );
    }
}
