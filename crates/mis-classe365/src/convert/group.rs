//! Classes → groups.

use mis_core::{Group, GroupKind, Result};

use super::{missing, text};
use crate::VENDOR;
use crate::wire;

/// A class as a group. `class_type` gives the kind (`registration`, `teaching`, `house`;
/// unknown values are kept); a class without one is a teaching group, which is what a
/// Classe365 class is unless the tenant says otherwise.
///
/// Errors: `Decode` when the record has no id.
pub fn group(w: &wire::Class) -> Result<Group> {
    let Some(id) = text(w.id.as_deref()) else {
        return Err(missing(
            "classes.list",
            "id",
            "a class record has no id",
            None,
        ));
    };
    let kind = text(w.class_type.as_deref())
        .map(|k| GroupKind::parse(&k))
        .unwrap_or(GroupKind::Teaching);
    let name = text(w.name.as_deref()).unwrap_or_else(|| id.clone());
    let mut group = Group::new(VENDOR, id, name, kind);
    group.code = text(w.code.as_deref());
    group.subject = text(w.subject_name.as_deref());
    group.staff_ids = w.teacher_ids.clone();
    group.student_ids = w.student_ids.clone();
    Ok(group)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes() {
        let c: wire::Class = serde_json::from_value(serde_json::json!({
            "id": 12, "name": "7B/Ma1", "class_type": "teaching", "subject_name": "Maths",
            "teacher_ids": [3], "student_ids": [1001, 1002]
        }))
        .unwrap();
        let g = group(&c).unwrap();
        assert_eq!(g.kind, GroupKind::Teaching);
        assert_eq!(g.subject.as_deref(), Some("Maths"));
        assert_eq!(g.staff_ids, ["3"]);
        assert_eq!(g.student_ids, ["1001", "1002"]);
        let reg: wire::Class = serde_json::from_value(
            serde_json::json!({"id": 1, "name": "7B", "class_type": "registration"}),
        )
        .unwrap();
        assert_eq!(group(&reg).unwrap().kind, GroupKind::Registration);
        let odd: wire::Class =
            serde_json::from_value(serde_json::json!({"id": 2, "class_type": "club"})).unwrap();
        assert_eq!(group(&odd).unwrap().kind, GroupKind::Other("club".into()));
        let plain: wire::Class = serde_json::from_value(serde_json::json!({"id": 3})).unwrap();
        assert_eq!(group(&plain).unwrap().kind, GroupKind::Teaching);
    }
}
