//! Groups: teaching groups with their members, and the registration groups, year groups
//! and houses implied by students' education details.

use std::collections::{BTreeMap, HashMap};

use mis_core::{Group, GroupKind};

use super::VENDOR;
use super::staff::text;
use crate::wire;

/// Teaching groups with their subject, teachers and students.
pub fn teaching_groups(
    groups: &[wire::TeachingGroup],
    students: &[wire::GroupStudents],
    teachers: &[wire::GroupTeachers],
    subjects: &[wire::Subject],
) -> Vec<Group> {
    let subject_names: HashMap<i64, String> = subjects
        .iter()
        .filter_map(|s| text(&s.name).map(|n| (s.id, n)))
        .collect();
    let members: HashMap<i64, &Vec<i64>> = students
        .iter()
        .map(|g| (g.group_id, &g.student_ids))
        .collect();
    let staff: HashMap<i64, &Vec<i64>> = teachers
        .iter()
        .map(|g| (g.group_id, &g.teacher_ids))
        .collect();
    let ids = |list: Option<&&Vec<i64>>| -> Vec<String> {
        list.map(|l| l.iter().map(i64::to_string).collect())
            .unwrap_or_default()
    };
    groups
        .iter()
        .map(|g| {
            let code = text(&g.code);
            let name = text(&g.name)
                .or_else(|| code.clone())
                .unwrap_or_else(|| g.id.to_string());
            let mut group = Group::new(VENDOR, g.id.to_string(), name, GroupKind::Teaching);
            group.code = code;
            group.subject = g.subject_id.and_then(|id| subject_names.get(&id).cloned());
            group.staff_ids = ids(staff.get(&g.id));
            group.student_ids = ids(members.get(&g.id));
            group
        })
        .collect()
}

/// Reads one kind of group's name from a student's education details.
type GroupKey = fn(&wire::EducationDetails) -> Option<String>;

/// Year groups, registration groups and houses, from students' education details (GO has
/// no endpoint for them). Ids are `year:<label>`, `registration:<name>` and `house:<name>`;
/// leavers (`deleted_from_source`) are in none.
pub fn derived_groups(details: &[wire::EducationDetails]) -> Vec<Group> {
    let mut out = Vec::new();
    let kinds: [(GroupKind, &str, GroupKey); 3] = [
        (GroupKind::Year, "year", |e| {
            text(&e.national_curriculum_year)
        }),
        (GroupKind::Registration, "registration", |e| {
            text(&e.registration_group)
        }),
        (GroupKind::House, "house", |e| text(&e.house)),
    ];
    for (kind, prefix, key) in kinds {
        let mut by_name: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for e in details.iter().filter(|e| !e.deleted_from_source) {
            if let Some(name) = key(e) {
                by_name
                    .entry(name)
                    .or_default()
                    .push(e.student_id.to_string());
            }
        }
        for (name, student_ids) in by_name {
            let mut group = Group::new(VENDOR, format!("{prefix}:{name}"), name, kind.clone());
            group.student_ids = student_ids;
            out.push(group);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_with_members() {
        let groups: Vec<wire::TeachingGroup> = serde_json::from_str(
            r#"[{"id": 5, "name": "7/As1", "code": "7/As1", "subject_id": 2}]"#,
        )
        .unwrap();
        let students: Vec<wire::GroupStudents> =
            serde_json::from_str(r#"[{"group_id": 5, "student_ids": [1, 2]}]"#).unwrap();
        let teachers: Vec<wire::GroupTeachers> =
            serde_json::from_str(r#"[{"group_id": 5, "teacher_ids": [9]}]"#).unwrap();
        let subjects: Vec<wire::Subject> =
            serde_json::from_str(r#"[{"id": 2, "name": "Art", "code": "As"}]"#).unwrap();
        let g = &teaching_groups(&groups, &students, &teachers, &subjects)[0];
        assert_eq!(g.kind, GroupKind::Teaching);
        assert_eq!(g.subject.as_deref(), Some("Art"));
        assert_eq!(g.student_ids, ["1", "2"]);
        assert_eq!(g.staff_ids, ["9"]);

        let details: Vec<wire::EducationDetails> = serde_json::from_str(
            r#"[{"student_id": 1, "national_curriculum_year": "7", "registration_group": "7A", "house": "Newton"},
                {"student_id": 2, "national_curriculum_year": "7", "registration_group": "7B"},
                {"student_id": 3, "national_curriculum_year": "7", "deleted_from_source": true}]"#,
        )
        .unwrap();
        let derived = derived_groups(&details);
        let ids: Vec<&str> = derived.iter().map(|g| g.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "year:7",
                "registration:7A",
                "registration:7B",
                "house:Newton"
            ]
        );
        assert_eq!(derived[0].student_ids, ["1", "2"]);
    }
}
