//! The attendance code book: the school's attendance categories, each with how it counts.

use jiff::civil::Date;
use mis_core::AttendanceCode;
use mis_core::codes::CodeMapper;

use super::attendance::{Categories, map_category, mark_code};
use crate::VENDOR;

/// The code book: one entry per category, code = the category id, label = the category's
/// label. An unmapped category is listed as its marks carry it, under its label
/// ([`mark_code`]); its entry's label is then the category's abbreviation, when it has one
/// of its own (`QR` for "Quarantine room"): the short form the school's registers show,
/// which the label-as-code does not say.
pub fn codes(categories: &Categories, mapper: &CodeMapper, date: Date) -> Vec<AttendanceCode> {
    categories
        .iter()
        .filter_map(|c| {
            let status = c.status?;
            let code = status.to_string();
            let label = categories.label(status);
            let mapped = map_category(mapper, Some(&code), label.as_deref(), date);
            let mut entry = AttendanceCode::new(
                VENDOR,
                mark_code(&code, label.as_deref(), mapped),
                mapped.category,
            );
            let short = crate::convert::text(c.abbreviation.as_deref())
                .filter(|a| Some(a) != label.as_ref() && *a != entry.code);
            entry.label = match short {
                Some(short) if entry.code != code => Some(short),
                _ => label,
            };
            entry.late = mapped.late;
            Some(entry)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire;
    use mis_core::AttendanceCategory::*;

    const D: Date = jiff::civil::date(2024, 9, 9);

    fn cats() -> Categories {
        let list: Vec<wire::AttendanceCategory> = serde_json::from_str(
            r#"[{"status":1,"label":"Present"},{"status":0,"label":"Absent"},
                {"status":2,"label":"Late"},{"status":-1,"label":"Present"},
                {"id":31,"status":3,"label":"Dress Code"},{"id":32,"status":10,"label":"Health"},
                {"id":33,"status":11,"label":"Sports"},{"id":34,"status":13,"label":"Excused"},
                {"id":35,"status":14,"label":"Other","enabled":false}]"#,
        )
        .unwrap();
        Categories::new(&list)
    }

    #[test]
    fn code_book() {
        let book = codes(&cats(), &CodeMapper::new(), D);
        let late = book.iter().find(|c| c.code == "2").unwrap();
        assert_eq!((late.category, late.late), (Present, true));
        assert_eq!(
            book.iter().find(|c| c.code == "3").unwrap().category,
            Present
        );
        // An unmapped category is listed under its label, as its marks are.
        let other = book.iter().find(|c| c.code == "Other").unwrap();
        assert_eq!(
            (other.category, other.label.as_deref()),
            (Unmapped, Some("Other"))
        );
    }

    #[test]
    fn an_unmapped_category_is_labelled_with_its_abbreviation() {
        let list: Vec<wire::AttendanceCategory> = serde_json::from_str(
            r#"[{"status":0,"label":"Absent","abbreviation":"A"},
                {"id":60,"status":20,"label":"Quarantine room","abbreviation":"QR"},
                {"id":61,"status":21,"label":"Other","abbreviation":"Other"}]"#,
        )
        .unwrap();
        let book = codes(&Categories::new(&list), &CodeMapper::new(), D);
        let q = book.iter().find(|c| c.code == "Quarantine room").unwrap();
        assert_eq!((q.category, q.label.as_deref()), (Unmapped, Some("QR")));
        // An abbreviation that says nothing more keeps the label; a mapped category keeps
        // its id as the code and its label.
        let other = book.iter().find(|c| c.code == "Other").unwrap();
        assert_eq!(other.label.as_deref(), Some("Other"));
        let absent = book.iter().find(|c| c.code == "0").unwrap();
        assert_eq!(absent.label.as_deref(), Some("Absent"));
        let mapped = CodeMapper::new().override_label(
            "Quarantine room",
            mis_core::AttendanceCategory::AuthorisedAbsence,
            false,
        );
        let book = codes(&Categories::new(&list), &mapped, D);
        let q = book.iter().find(|c| c.code == "20").unwrap();
        assert_eq!(q.label.as_deref(), Some("Quarantine room"));
    }
}
