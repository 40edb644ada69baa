//! Academic years, terms, groups (year groups and classes) and staff.

use mis_core::{AcademicYear, Group, GroupKind, Identifier, IdentifierKind, Staff, Term};

use super::{date, text};
use crate::VENDOR;
use crate::wire::{self, Id};

/// An academic year of `program`. ManageBac keeps one set of years per program (vendors.md
/// §5.8), so the name says which program when the school runs several. `None` when the
/// year lacks its dates.
pub fn academic_year(year: &wire::AcademicYear, program: Option<&str>) -> Option<AcademicYear> {
    let name = text(year.name.as_deref()).unwrap_or_else(|| year.id.text());
    Some(AcademicYear {
        provider: VENDOR.into(),
        id: year.id.text(),
        name: match program {
            Some(p) => format!("{name} ({p})"),
            None => name,
        },
        start_date: date(year.starts_on.as_deref())?,
        end_date: date(year.ends_on.as_deref())?,
    })
}

/// The terms of a year; terms without dates are skipped.
pub fn terms(year: &wire::AcademicYear) -> Vec<Term> {
    year.academic_terms
        .iter()
        .filter_map(|t| {
            Some(Term {
                provider: VENDOR.into(),
                id: t.id.text(),
                academic_year_id: Some(t.academic_year_id.unwrap_or(year.id).text()),
                name: text(t.name.as_deref()).unwrap_or_else(|| t.id.text()),
                start_date: date(t.starts_on.as_deref())?,
                end_date: date(t.ends_on.as_deref())?,
            })
        })
        .collect()
}

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

/// A teacher as staff.
pub fn staff(t: &wire::Teacher) -> Staff {
    Staff {
        provider: VENDOR.into(),
        id: t.id.text(),
        title: text(t.salutation.as_deref()),
        first_name: t.first_name.clone().unwrap_or_default(),
        last_name: t.last_name.clone().unwrap_or_default(),
        email: text(t.email.as_deref()),
        code: text(t.identifier.as_deref()),
        roles: text(t.role.as_deref()).into_iter().collect(),
        // The same identifier table as students: ManageBac's own id is `Staff.id`, not an
        // upstream `mis_id`; the school's `identifier` is a school-assigned id.
        identifiers: text(t.identifier.as_deref())
            .map(|i| Identifier::new(IdentifierKind::ExternalId, i))
            .into_iter()
            .collect(),
    }
}

/// `First Last`, the way lessons name teachers.
pub fn teacher_name(t: &wire::Teacher) -> String {
    [t.first_name.as_deref(), t.last_name.as_deref()]
        .into_iter()
        .flatten()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn years_terms_and_groups() {
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
        let t: wire::Teacher =
            serde_json::from_str(r#"{"id": 3, "first_name": "Ada", "last_name": "Byron"}"#)
                .unwrap();
        assert_eq!(teacher_name(&t), "Ada Byron");
        assert_eq!(staff(&t).id, "3");
    }
}
