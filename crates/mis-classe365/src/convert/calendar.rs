//! Academic sessions → academic years and terms.

use mis_core::{AcademicYear, Result, Term};

use super::{missing, text, wire_date};
use crate::VENDOR;
use crate::wire;

/// Whether a session is a term (it has a parent, or says `term`) rather than a year.
pub fn is_term(w: &wire::Session) -> bool {
    match text(w.session_type.as_deref()) {
        Some(t) => t.eq_ignore_ascii_case("term"),
        None => text(w.parent_id.as_deref()).is_some(),
    }
}

fn dated(w: &wire::Session) -> Result<(String, String, jiff::civil::Date, jiff::civil::Date)> {
    const OP: &str = "sessions.list";
    let Some(id) = text(w.id.as_deref()) else {
        return Err(missing(OP, "id", "a session record has no id", None));
    };
    let date = |field: &str, value: Option<&str>| {
        value.and_then(wire_date).ok_or_else(|| {
            missing(
                OP,
                field,
                &format!("a session has no valid {field} (YYYY-MM-DD)"),
                Some(&id),
            )
        })
    };
    let start = date("start_date", w.start_date.as_deref())?;
    let end = date("end_date", w.end_date.as_deref())?;
    let name = text(w.name.as_deref()).unwrap_or_else(|| id.clone());
    Ok((id, name, start, end))
}

/// An academic session as an academic year.
///
/// Errors: `Decode` when the record has no id, or no valid `start_date` / `end_date` (the
/// model requires both).
pub fn academic_year(w: &wire::Session) -> Result<AcademicYear> {
    let (id, name, start_date, end_date) = dated(w)?;
    Ok(AcademicYear::new(VENDOR, id, name, start_date, end_date))
}

/// A term session as a term of its parent year.
///
/// Errors: as [`academic_year`].
pub fn term(w: &wire::Session) -> Result<Term> {
    let (id, name, start_date, end_date) = dated(w)?;
    let mut term = Term::new(VENDOR, id, name, start_date, end_date);
    term.academic_year_id = text(w.parent_id.as_deref());
    Ok(term)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session(v: serde_json::Value) -> wire::Session {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn years_and_terms() {
        let y = session(serde_json::json!(
            {"id": 1, "name": "2024/2025", "session_type": "academic_year", "parent_id": null,
             "start_date": "2024-09-02", "end_date": "2025-07-22"}
        ));
        assert!(!is_term(&y));
        let year = academic_year(&y).unwrap();
        assert_eq!(year.name, "2024/2025");
        assert_eq!(year.end_date, jiff::civil::date(2025, 7, 22));
        let t = session(serde_json::json!(
            {"id": 2, "name": "Autumn", "parent_id": 1,
             "start_date": "2024-09-02", "end_date": "2024-12-20"}
        ));
        assert!(
            is_term(&t),
            "a parent makes it a term even without session_type"
        );
        assert_eq!(term(&t).unwrap().academic_year_id.as_deref(), Some("1"));
        let bad = session(serde_json::json!({"id": 1, "start_date": "soon"}));
        let e = academic_year(&bad).unwrap_err();
        assert!(e.to_string().contains("start_date"), "{e}");
    }
}
