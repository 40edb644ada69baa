//! The attendance code book ("Attendance Codes: Get List") → [`AttendanceCode`], and the
//! book by id for records that name their code only by id.
//!
//! HUBmis is a UK MIS: its codes are DfE codes, so each one is categorised by mis-core's
//! date-aware table ([`CodeMapper::map_code`]) with the school's overrides.

use std::collections::HashMap;

use jiff::civil::Date;
use mis_core::AttendanceCode;
use mis_core::codes::CodeMapper;

use super::nonempty;
use crate::config::VENDOR;
use crate::wire::{self, CodeRef};

/// The code book by id, for records that name their code only by id.
#[derive(Debug, Clone, Default)]
pub struct CodeBook {
    by_id: HashMap<String, String>,
}

impl CodeBook {
    /// Indexes `codes` by id.
    pub fn new(codes: &[wire::AttendanceCode]) -> Self {
        let by_id = codes
            .iter()
            .filter_map(|c| Some((c.id.as_ref()?.as_str().to_owned(), c.code.clone()?)))
            .collect();
        CodeBook { by_id }
    }

    /// Whether the book is empty.
    pub fn is_empty(&self) -> bool {
        self.by_id.is_empty()
    }

    /// The code a record carries: its own `code`, else the book's code for its `id`.
    pub fn code_of<'a>(&'a self, r: &'a CodeRef) -> Option<&'a str> {
        r.code
            .as_deref()
            .or_else(|| self.by_id.get(r.id.as_ref()?.as_str()).map(String::as_str))
    }
}

/// One code book entry, categorised with the table in force on `on` (today, for a code
/// book). Entries without a code are skipped.
pub fn code(entry: &wire::AttendanceCode, mapper: &CodeMapper, on: Date) -> Option<AttendanceCode> {
    let raw = entry.code.as_deref()?.to_owned();
    let mapped = mapper.map_code(&raw, on);
    let mut out = AttendanceCode::new(VENDOR, raw, mapped.category);
    out.label = nonempty(entry.description.as_deref());
    out.late = mapped.late;
    Some(out)
}

#[cfg(test)]
mod tests {
    use mis_core::AttendanceCategory;

    use super::*;

    #[test]
    fn entries_without_a_code_are_skipped_and_ids_resolve_through_the_book() {
        let entries: Vec<wire::AttendanceCode> = serde_json::from_str(
            r#"[{"id": 1, "code": "/", "description": "Present"}, {"id": 2}]"#,
        )
        .unwrap();
        let on = jiff::civil::date(2024, 9, 2);
        let got: Vec<_> = entries
            .iter()
            .filter_map(|e| code(e, &CodeMapper::new(), on))
            .collect();
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].code, "/");
        assert_eq!(got[0].label.as_deref(), Some("Present"));
        assert_eq!(got[0].category, AttendanceCategory::Present);
        let book = CodeBook::new(&entries);
        let by_id: CodeRef = serde_json::from_str(r#"{"id": 1}"#).unwrap();
        assert_eq!(book.code_of(&by_id), Some("/"));
        let unknown: CodeRef = serde_json::from_str(r#"{"id": 2}"#).unwrap();
        assert_eq!(book.code_of(&unknown), None);
    }
}
