//! The attendance code book: the school's attendance categories, each with how it counts.

use jiff::civil::Date;
use mis_core::AttendanceCode;
use mis_core::codes::CodeMapper;

use super::attendance::{Categories, map_category, mark_code};
use crate::VENDOR;

/// The code book: one entry per category, code = the category id.
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
            entry.label = label;
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
}
