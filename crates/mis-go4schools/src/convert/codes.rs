//! A school's attendance codes: the code book marks' ids are resolved through, and the
//! model's code list.
//!
//! GO 4 Schools' codes are per school *and academic year* (vendor doc, Attendance Codes:
//! "unique for a school and academic year"): `GET …/attendance/codes` lists each code with
//! its id and its aliases (a school's sub-labels of a code, e.g. `IR` Isolation Room under
//! `/`). The code behind an id is a DfE code, categorised by `mis_core::codes::CodeMapper`.

use std::collections::HashMap;

use jiff::civil::Date;
use mis_core::codes::{CodeMapper, Mapped};

use super::VENDOR;
use crate::wire;

/// One code of the code book.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Entry {
    code: String,
    label: Option<String>,
}

/// One alias: its parent code's id and its own code.
#[derive(Debug, Clone, PartialEq, Eq)]
struct AliasEntry {
    parent: i64,
    code: Option<String>,
}

/// A school's attendance codes for one academic year, by id.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CodeBook {
    codes: HashMap<i64, Entry>,
    aliases: HashMap<i64, AliasEntry>,
    order: Vec<i64>,
}

/// What a mark's ids resolve to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedMark {
    /// The code, as the code book spells it; `id:<id>` when the id is unknown (so it can
    /// never pass for a DfE code), and empty when the mark has no id.
    pub code: String,
    /// The alias code, when an alias was used and is known.
    pub alias: Option<String>,
    /// Whether the mark id was found in the code book.
    pub known: bool,
}

impl CodeBook {
    /// Indexes `codes` (from `GET …/attendance/codes`).
    pub fn new(codes: &[wire::AttendanceCode]) -> Self {
        let mut book = CodeBook::default();
        for c in codes {
            book.order.push(c.id);
            book.codes.insert(
                c.id,
                Entry {
                    code: c.code.clone().unwrap_or_default().trim().to_owned(),
                    label: c.label.clone(),
                },
            );
            for a in &c.aliases {
                book.aliases.insert(
                    a.id,
                    AliasEntry {
                        parent: c.id,
                        code: a.alias_code.clone(),
                    },
                );
            }
        }
        book
    }

    /// Whether the book has no codes.
    pub fn is_empty(&self) -> bool {
        self.codes.is_empty()
    }

    /// The code with id `id`.
    pub fn code(&self, id: i64) -> Option<&str> {
        self.codes.get(&id).map(|e| e.code.as_str())
    }

    /// Resolves a mark's code id and alias id.
    ///
    /// A mark with no code id but a known alias takes the alias's parent code.
    pub fn resolve(&self, mark_id: Option<i64>, alias_id: Option<i64>) -> ResolvedMark {
        let alias = alias_id.and_then(|a| self.aliases.get(&a));
        let code_id = mark_id.or(alias.map(|a| a.parent));
        let alias_code = alias.and_then(|a| a.code.clone());
        match code_id {
            Some(id) => match self.codes.get(&id) {
                Some(e) => ResolvedMark {
                    code: e.code.clone(),
                    alias: alias_code,
                    known: true,
                },
                None => ResolvedMark {
                    code: format!("id:{id}"),
                    alias: alias_code,
                    known: false,
                },
            },
            None => ResolvedMark {
                code: String::new(),
                alias: alias_code,
                known: true,
            },
        }
    }

    /// The ids to write for `code`: a code (`/`, exact, then ignoring case) or an alias code
    /// (`IR`), as `(mark id, alias id)`.
    pub fn ids_for(&self, code: &str) -> Option<(i64, Option<i64>)> {
        let want = code.trim();
        let by_code = |exact: bool| {
            self.order.iter().copied().find(|id| {
                let c = &self.codes[id].code;
                if exact {
                    c == want
                } else {
                    c.eq_ignore_ascii_case(want)
                }
            })
        };
        if let Some(id) = by_code(true).or_else(|| by_code(false)) {
            return Some((id, None));
        }
        let mut aliases: Vec<(&i64, &AliasEntry)> = self.aliases.iter().collect();
        aliases.sort_by_key(|(id, _)| **id);
        aliases
            .into_iter()
            .find(|(_, a)| {
                a.code
                    .as_deref()
                    .is_some_and(|c| c.trim().eq_ignore_ascii_case(want))
            })
            .map(|(id, a)| (a.parent, Some(*id)))
    }

    /// The codes, in the vendor's order, with their labels.
    pub fn entries(&self) -> impl Iterator<Item = (i64, &str, Option<&str>)> {
        self.order.iter().filter_map(|id| {
            self.codes
                .get(id)
                .map(|e| (*id, e.code.as_str(), e.label.as_deref()))
        })
    }
}

impl ResolvedMark {
    /// The code a mark carries and its category on `date`.
    ///
    /// With a known alias, the code is the alias code (`IR`) and the category the parent
    /// code's (`/` → present): an alias refines its code, it does not change what it counts
    /// as. A mapper override of the alias code itself wins, as overrides always do.
    pub fn categorise(&self, date: Date, mapper: &CodeMapper) -> (String, Mapped) {
        let parent = mapper.map_code(&self.code, date);
        match self
            .alias
            .as_deref()
            .map(str::trim)
            .filter(|a| !a.is_empty())
        {
            Some(alias) => {
                let own = mapper.map_code(alias, date);
                let overridden = own != CodeMapper::new().map_code(alias, date);
                (alias.to_owned(), if overridden { own } else { parent })
            }
            None => (self.code.clone(), parent),
        }
    }
}

/// The model's code-book entry for one GO code, categorised on `date` (codes changed meaning
/// on 2024-08-19, so the year matters).
pub fn attendance_code(
    code: &wire::AttendanceCode,
    date: Date,
    mapper: &CodeMapper,
) -> mis_core::AttendanceCode {
    let raw = code.code.clone().unwrap_or_default().trim().to_owned();
    let mapped = mapper.map_code(&raw, date);
    let mut entry = mis_core::AttendanceCode::new(VENDOR, raw, mapped.category);
    entry.label = code.label.clone();
    entry.late = mapped.late;
    entry
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use jiff::civil::date;
    use mis_core::AttendanceCategory;

    /// A code book with an alias (`IR` under `/`), shared by the mark conversion tests.
    pub(crate) fn book() -> CodeBook {
        let codes: Vec<wire::AttendanceCode> = serde_json::from_str(
            r#"[
              {"id": 12, "code": "/", "label": "Present (AM)",
               "aliases": [{"id": 1522, "alias_code": "IR", "alias_label": "Isolation Room"}]},
              {"id": 13, "code": "L", "label": "Late"},
              {"id": 14, "code": "I", "label": "Illness"},
              {"id": 15, "code": "J1", "label": "Interview"},
              {"id": 16, "code": "J", "label": "Interview (old)"}
            ]"#,
        )
        .unwrap();
        CodeBook::new(&codes)
    }

    #[test]
    fn codes_for_writing() {
        let b = book();
        assert_eq!(b.ids_for("/"), Some((12, None)));
        assert_eq!(b.ids_for("l"), Some((13, None)));
        assert_eq!(b.ids_for("IR"), Some((12, Some(1522))));
        assert_eq!(b.ids_for("Q"), None);
        assert_eq!(b.entries().count(), 5);
    }

    #[test]
    fn an_alias_is_its_own_code_in_its_parents_category() {
        let r = book().resolve(Some(12), Some(1522));
        let (code, mapped) = r.categorise(date(2024, 9, 9), &CodeMapper::new());
        assert_eq!(code, "IR");
        assert_eq!(mapped.category, AttendanceCategory::Present);
        let unknown = book().resolve(Some(99), None);
        assert!(!unknown.known);
        assert_eq!(unknown.code, "id:99");
    }
}
