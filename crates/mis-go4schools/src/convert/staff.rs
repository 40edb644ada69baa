//! Staff: GO 4 Schools' teachers (`GET …/teaching/teachers`) as members of staff, and the
//! name timetables and behaviour events show for them.

use mis_core::Staff;

use super::VENDOR;
use crate::wire;

/// Trimmed text, `None` when empty.
pub(crate) fn text(value: &Option<String>) -> Option<String> {
    value
        .as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
}

/// How timetables name a teacher: title, first initial, last name (`Mrs A Burgess`), the
/// form GO itself uses for display names (`Mrs S Jones`, vendor doc GET Staff). Preferred
/// names win over legal ones. Falls back to the initials, the code, then the id.
pub fn teacher_name(t: &wire::Teacher) -> String {
    let first = text(&t.preferred_first_name).or_else(|| text(&t.first_name));
    let last = text(&t.preferred_last_name).or_else(|| text(&t.last_name));
    let Some(last) = last else {
        return text(&t.initials)
            .or_else(|| text(&t.code))
            .unwrap_or_else(|| t.id.to_string());
    };
    let mut parts: Vec<String> = Vec::new();
    if let Some(title) = text(&t.title) {
        parts.push(title);
    }
    if let Some(initial) = first.and_then(|f| f.chars().next()) {
        parts.push(initial.to_string());
    }
    parts.push(last);
    parts.join(" ")
}

/// A teacher as a member of staff (role `teacher`).
pub fn staff(t: &wire::Teacher) -> Staff {
    let first_name = text(&t.preferred_first_name)
        .or_else(|| text(&t.first_name))
        .unwrap_or_default();
    let last_name = text(&t.preferred_last_name)
        .or_else(|| text(&t.last_name))
        .unwrap_or_default();
    let mut staff = Staff::new(VENDOR, t.id.to_string(), first_name, last_name);
    staff.title = text(&t.title);
    staff.code = text(&t.code).or_else(|| text(&t.initials));
    staff.roles = vec!["teacher".to_owned()];
    staff
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn teacher_names() {
        let t: wire::Teacher = serde_json::from_str(
            r#"{"id": 1, "title": "Mrs", "first_name": "Anne", "last_name": "Burgess",
                "preferred_first_name": "Annie", "preferred_last_name": "Burgess",
                "initials": "AXB", "code": "AXB"}"#,
        )
        .unwrap();
        assert_eq!(teacher_name(&t), "Mrs A Burgess");
        let bare: wire::Teacher = serde_json::from_str(r#"{"id": 2, "code": "XY"}"#).unwrap();
        assert_eq!(teacher_name(&bare), "XY");
        let s = staff(&t);
        assert_eq!(
            (s.first_name.as_str(), s.last_name.as_str()),
            ("Annie", "Burgess")
        );
        assert_eq!(s.code.as_deref(), Some("AXB"));
    }
}
