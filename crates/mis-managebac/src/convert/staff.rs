//! Teachers as staff.

use mis_core::{Identifier, IdentifierKind, Staff};

use super::text;
use crate::VENDOR;
use crate::wire;

/// A teacher as staff.
pub fn staff(t: &wire::Teacher) -> Staff {
    let mut staff = Staff::new(
        VENDOR,
        t.id.text(),
        t.first_name.clone().unwrap_or_default(),
        t.last_name.clone().unwrap_or_default(),
    );
    staff.title = text(t.salutation.as_deref());
    staff.email = text(t.email.as_deref());
    staff.code = text(t.identifier.as_deref());
    staff.roles = text(t.role.as_deref()).into_iter().collect();
    // The same identifier table as students: ManageBac's own id is `Staff.id`, not an
    // upstream `mis_id`; the school's `identifier` is a school-assigned id.
    staff.identifiers = text(t.identifier.as_deref())
        .map(|i| Identifier::new(IdentifierKind::ExternalId, i))
        .into_iter()
        .collect();
    staff
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
    fn teachers() {
        let t: wire::Teacher =
            serde_json::from_str(r#"{"id": 3, "first_name": "Ada", "last_name": "Byron"}"#)
                .unwrap();
        assert_eq!(teacher_name(&t), "Ada Byron");
        let s = staff(&t);
        assert_eq!(s.id, "3");
        assert_eq!(
            (s.first_name.as_str(), s.last_name.as_str()),
            ("Ada", "Byron")
        );
    }
}
