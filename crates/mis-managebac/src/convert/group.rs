//! Groups: year groups (`year`) and classes (`teaching`).

use mis_core::{Group, GroupKind};

use super::text;
use crate::VENDOR;
use crate::wire::{self, Id};

/// A year group as a `year` group with its members.
pub fn year_group(g: &wire::YearGroup) -> Group {
    Group {
        provider: VENDOR.into(),
        id: g.id.text(),
        name: text(g.name.as_deref()).unwrap_or_else(|| g.id.text()),
        code: text(g.short_name.as_deref()),
        kind: GroupKind::Year,
        subject: None,
        staff_ids: Vec::new(),
        student_ids: g.student_ids.iter().map(|s| s.text()).collect(),
    }
}

/// A class as a `teaching` group; members come from `GET /classes/{id}/students`.
pub fn class_group(c: &wire::Class, members: &[Id]) -> Group {
    Group {
        provider: VENDOR.into(),
        id: c.id.text(),
        name: text(c.name.as_deref()).unwrap_or_else(|| c.id.text()),
        code: text(c.uniq_id.as_deref()),
        kind: GroupKind::Teaching,
        subject: text(c.subject_name.as_deref())
            .or_else(|| c.subjects.iter().find_map(|s| text(s.name.as_deref()))),
        staff_ids: c
            .teachers
            .iter()
            .filter_map(|t| t.teacher_id.map(|id| id.text()))
            .collect(),
        student_ids: members.iter().map(|s| s.text()).collect(),
    }
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
