//! Groups: year groups (`year`) and classes (`teaching`).

use mis_core::{Group, GroupKind};

use super::text;
use crate::VENDOR;
use crate::wire::{self, Id};

/// A year group as a `year` group with its members.
pub fn year_group(g: &wire::YearGroup) -> Group {
    let name = text(g.name.as_deref()).unwrap_or_else(|| g.id.text());
    let mut group = Group::new(VENDOR, g.id.text(), name, GroupKind::Year);
    group.code = text(g.short_name.as_deref());
    group.student_ids = g.student_ids.iter().map(|s| s.text()).collect();
    group
}

/// A class as a `teaching` group; members come from `GET /classes/{id}/students`.
pub fn class_group(c: &wire::Class, members: &[Id]) -> Group {
    let name = text(c.name.as_deref()).unwrap_or_else(|| c.id.text());
    let mut group = Group::new(VENDOR, c.id.text(), name, GroupKind::Teaching);
    group.code = text(c.uniq_id.as_deref());
    group.subject = text(c.subject_name.as_deref())
        .or_else(|| c.subjects.iter().find_map(|s| text(s.name.as_deref())));
    group.staff_ids = c
        .teachers
        .iter()
        .filter_map(|t| t.teacher_id.map(|id| id.text()))
        .collect();
    group.student_ids = members.iter().map(|s| s.text()).collect();
    group
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn year_groups_and_classes() {
        let g: wire::YearGroup =
            serde_json::from_str(r#"{"id": 5, "name": "Year 7", "student_ids": [1, "2"]}"#)
                .unwrap();
        let g = year_group(&g);
        assert_eq!(
            (g.kind, g.student_ids),
            (GroupKind::Year, vec!["1".into(), "2".into()])
        );
        let c: wire::Class = serde_json::from_str(
            r#"{"id": 9, "name": "7A/Ma", "subjects": [{"id": 1, "name": "Maths"}],
                "teachers": [{"teacher_id": 3}]}"#,
        )
        .unwrap();
        let g = class_group(&c, &[Id(1)]);
        assert_eq!(g.subject.as_deref(), Some("Maths"));
        assert_eq!(g.staff_ids, ["3"]);
    }
}
