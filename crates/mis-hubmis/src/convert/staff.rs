//! Staff → [`mis_core::Staff`].

use mis_core::{Identifier, IdentifierKind, Result, Staff};

use super::{bad_record, nonempty};
use crate::config::VENDOR;
use crate::wire::StaffMember;

/// One member of staff: the job title and then the roles as `roles`, the timetable code as
/// `code`, the external id as an identifier.
pub fn staff(m: &StaffMember) -> Result<Staff> {
    let id =
        m.id.as_ref()
            .map(|i| i.as_str().to_owned())
            .ok_or_else(|| bad_record("staff.list", "id", "a staff record has no id"))?;
    let mut roles: Vec<String> = nonempty(m.job_title.as_deref()).into_iter().collect();
    for role in m.roles.iter().filter_map(|r| nonempty(r.text())) {
        if !roles.iter().any(|r| r.eq_ignore_ascii_case(&role)) {
            roles.push(role);
        }
    }
    // The own id is `Staff.id` only (`mis_id` is an upstream MIS's id).
    let mut identifiers = Vec::new();
    if let Some(external) = nonempty(m.external_id.as_deref()) {
        identifiers.push(Identifier::new(IdentifierKind::ExternalId, external));
    }
    let mut staff = Staff::new(
        VENDOR,
        id,
        nonempty(m.first_name.as_deref()).unwrap_or_default(),
        nonempty(m.last_name.as_deref()).unwrap_or_default(),
    );
    staff.title = m.title.as_ref().and_then(|t| nonempty(t.text()));
    staff.email = nonempty(m.email.as_deref());
    staff.code = nonempty(m.timetable_code.as_deref());
    staff.roles = roles;
    staff.identifiers = identifiers;
    Ok(staff)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sample_staff_member() {
        let m: StaffMember = serde_json::from_str(
            r#"{"access_status": "invited", "email": "user@example.com", "external_id": "ST5466X",
                "first_name": "Benjamin", "gender": {"id": 1}, "id": 12, "images": [],
                "job_title": "Head of Drama", "last_name": "Kakistos", "person_type": "staff",
                "preferred_name": "Ben", "roles": [{"id": 5, "name": "teacher"}, "Head of Drama"],
                "status": "current", "title": {"id": 1, "name": "Mr"}}"#,
        )
        .unwrap();
        let s = staff(&m).unwrap();
        assert_eq!(s.id, "12");
        assert_eq!(s.title.as_deref(), Some("Mr"));
        assert_eq!(
            (s.first_name.as_str(), s.last_name.as_str()),
            ("Benjamin", "Kakistos")
        );
        assert_eq!(s.roles, ["Head of Drama", "teacher"]);
        assert_eq!(
            s.identifiers.len(),
            1,
            "external id only: the own id is Staff.id"
        );
    }
}
