//! Teachers → staff.

use mis_core::{Identifier, IdentifierKind, Result, Staff};

use super::{missing, text};
use crate::VENDOR;
use crate::wire;

/// A teacher as a member of staff. Roles as sent, else `teacher`; the employee number is
/// kept as an identifier of kind `employee_number`.
///
/// Errors: `Decode` when the record has no id.
pub fn staff(w: &wire::Teacher) -> Result<Staff> {
    let Some(id) = text(w.id.as_deref()) else {
        return Err(missing(
            "teachers.list",
            "id",
            "a teacher record has no id",
            None,
        ));
    };
    let mut roles: Vec<String> = w.roles.iter().filter_map(|r| text(Some(r))).collect();
    if roles.is_empty() {
        roles.push("teacher".into());
    }
    let identifiers = text(w.employee_number.as_deref())
        .map(|n| Identifier::new(IdentifierKind::parse("employee_number"), n))
        .into_iter()
        .collect();
    let mut staff = Staff::new(
        VENDOR,
        id,
        text(w.first_name.as_deref()).unwrap_or_default(),
        text(w.last_name.as_deref()).unwrap_or_default(),
    );
    staff.title = text(w.title.as_deref());
    staff.email = text(w.email.as_deref());
    staff.code = text(w.staff_code.as_deref());
    staff.roles = roles;
    staff.identifiers = identifiers;
    Ok(staff)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn teachers() {
        let t: wire::Teacher = serde_json::from_value(serde_json::json!({
            "id": 4, "title": "Ms", "first_name": "Jo", "last_name": "Bloggs",
            "staff_code": "JBL", "employee_number": "E7", "roles": ["teacher", "tutor"]
        }))
        .unwrap();
        let s = staff(&t).unwrap();
        assert_eq!((s.id.as_str(), s.title.as_deref()), ("4", Some("Ms")));
        assert_eq!(s.code.as_deref(), Some("JBL"));
        assert_eq!(s.roles, ["teacher", "tutor"]);
        assert_eq!(s.identifiers[0].value, "E7");
        assert_eq!(s.identifiers[0].kind.as_str(), "employee_number");
        let bare = staff(&wire::Teacher {
            id: Some("5".into()),
            ..wire::Teacher::default()
        })
        .unwrap();
        assert_eq!(bare.roles, ["teacher"]);
        assert!(staff(&wire::Teacher::default()).is_err());
    }
}
