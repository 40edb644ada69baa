//! The attendance code book ("Attendance Codes: Get List") → [`AttendanceCode`], and the
//! book by id for records that name their code only by id.
//!
//! HUBmis is a UK MIS: its codes are DfE codes, so each one is categorised by mis-core's
//! date-aware table ([`CodeMapper::map_code`]), after the school's own code map
//! (`MIS_HUBMIS_CODE_MAP`, [`Categoriser`]). A code the school defined itself (its entry
//! says `"is_statutory": false`) is not read with the DfE table, since its letter may be a
//! DfE code's with another meaning: unless the code map names it, it is `unmapped`.

use std::collections::{HashMap, HashSet};

use jiff::civil::Date;
use mis_core::AttendanceCode;
use mis_core::codes::{CodeMapper, CodeOverride, Mapped, find_override};

use super::nonempty;
use crate::config::VENDOR;
use crate::wire::{self, CodeRef};

/// How the provider categorises a code: the school's code map first, then, for a DfE code,
/// the DfE table in force on the mark's date with the programmatic overrides
/// ([`CodeMapper`]).
#[derive(Debug, Clone, Default)]
pub struct Categoriser {
    map: Vec<CodeOverride>,
    mapper: CodeMapper,
}

impl Categoriser {
    /// The school's `map` (`MIS_HUBMIS_CODE_MAP`) over `mapper`.
    pub fn new(map: Vec<CodeOverride>, mapper: CodeMapper) -> Self {
        Categoriser { map, mapper }
    }
}

/// What categorises a code for the conversions: a [`Categoriser`] (the school's code map,
/// then the DfE table), or a bare [`CodeMapper`] (the DfE table with its overrides).
pub trait Categorise {
    /// The category of `code` on `date`. `school_defined`: the code book says the school
    /// defined the code itself, so only the school's code map can say what it means.
    fn categorise(&self, code: &str, school_defined: bool, date: Date) -> Mapped;
}

impl Categorise for Categoriser {
    fn categorise(&self, code: &str, school_defined: bool, date: Date) -> Mapped {
        if let Some(o) = find_override(&self.map, code) {
            return Mapped {
                category: o.category,
                late: o.late,
            };
        }
        self.mapper.categorise(code, school_defined, date)
    }
}

impl Categorise for CodeMapper {
    fn categorise(&self, code: &str, school_defined: bool, date: Date) -> Mapped {
        if school_defined {
            return Mapped::UNMAPPED;
        }
        self.map_code(code, date)
    }
}

impl From<CodeMapper> for Categoriser {
    fn from(mapper: CodeMapper) -> Self {
        Categoriser::new(Vec::new(), mapper)
    }
}

/// The code book by id, for records that name their code only by id.
#[derive(Debug, Clone, Default)]
pub struct CodeBook {
    by_id: HashMap<String, String>,
    /// Ids of the codes the school defined itself.
    school_defined: HashSet<String>,
}

impl CodeBook {
    /// Indexes `codes` by id.
    pub fn new(codes: &[wire::AttendanceCode]) -> Self {
        let by_id = codes
            .iter()
            .filter_map(|c| Some((c.id.as_ref()?.as_str().to_owned(), c.code.clone()?)))
            .collect();
        let school_defined = codes
            .iter()
            .filter(|c| c.is_statutory == Some(false))
            .filter_map(|c| Some(c.id.as_ref()?.as_str().to_owned()))
            .collect();
        CodeBook {
            by_id,
            school_defined,
        }
    }

    /// Whether the code a record carries is one the school defined itself: the record says
    /// so, or the book does for its id.
    pub fn is_school_defined(&self, r: &CodeRef) -> bool {
        r.is_statutory == Some(false)
            || (r.is_statutory.is_none()
                && r.id
                    .as_ref()
                    .is_some_and(|id| self.school_defined.contains(id.as_str())))
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
pub fn code<C: Categorise + ?Sized>(
    entry: &wire::AttendanceCode,
    codes: &C,
    on: Date,
) -> Option<AttendanceCode> {
    let raw = entry.code.as_deref()?.to_owned();
    let mapped = codes.categorise(&raw, entry.is_statutory == Some(false), on);
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
            .filter_map(|e| code(e, &Categoriser::default(), on))
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

    /// A code the school defined itself is `unmapped` (even when its letter is a DfE code),
    /// until the school's code map names it; the map also wins over the DfE table.
    #[test]
    fn a_school_defined_code_is_unmapped_until_the_code_map_names_it() {
        let entries: Vec<wire::AttendanceCode> = serde_json::from_str(
            r#"[{"id": 30, "code": "Q", "description": "Quarantine room", "is_statutory": false},
                {"id": 31, "code": "I", "description": "Illness"}]"#,
        )
        .unwrap();
        let on = jiff::civil::date(2025, 1, 6);
        let plain = Categoriser::default();
        let got: Vec<_> = entries
            .iter()
            .filter_map(|e| code(e, &plain, on))
            .map(|c| (c.code, c.category))
            .collect();
        assert_eq!(
            got,
            [
                ("Q".to_owned(), AttendanceCategory::Unmapped),
                ("I".to_owned(), AttendanceCategory::AuthorisedAbsence),
            ]
        );
        let map = mis_core::codes::parse_code_map("q=authorised_absence, I=present_late").unwrap();
        let mapped = Categoriser::new(map, CodeMapper::new());
        let got: Vec<_> = entries
            .iter()
            .filter_map(|e| code(e, &mapped, on))
            .map(|c| (c.category, c.late))
            .collect();
        assert_eq!(
            got,
            [
                (AttendanceCategory::AuthorisedAbsence, false),
                (AttendanceCategory::Present, true),
            ]
        );
        // A record naming the school's code by id alone is school-defined through the book.
        let book = CodeBook::new(&entries);
        let by_id: CodeRef = serde_json::from_str(r#"{"id": 30}"#).unwrap();
        assert!(book.is_school_defined(&by_id));
        let dfe: CodeRef = serde_json::from_str(r#"{"id": 31, "code": "I"}"#).unwrap();
        assert!(!book.is_school_defined(&dfe));
    }
}
