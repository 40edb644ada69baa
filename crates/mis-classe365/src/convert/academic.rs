//! Teachers → staff, classes → groups, academic sessions → academic years and terms.

use mis_core::{AcademicYear, Group, GroupKind, Identifier, IdentifierKind, Result, Staff, Term};

use super::{missing, text, wire_date};
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
    Ok(Staff {
        provider: VENDOR.into(),
        id,
        title: text(w.title.as_deref()),
        first_name: text(w.first_name.as_deref()).unwrap_or_default(),
        last_name: text(w.last_name.as_deref()).unwrap_or_default(),
        email: text(w.email.as_deref()),
        code: text(w.staff_code.as_deref()),
        roles,
        identifiers,
    })
}

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
    Ok(Group {
        provider: VENDOR.into(),
        name: text(w.name.as_deref()).unwrap_or_else(|| id.clone()),
        id,
        code: text(w.code.as_deref()),
        kind,
        subject: text(w.subject_name.as_deref()),
        staff_ids: w.teacher_ids.clone(),
        student_ids: w.student_ids.clone(),
    })
}

/// Whether a session is a term (it has a parent, or says `term`) rather than a year.
pub fn is_term(w: &wire::Session) -> bool {
    match text(w.session_type.as_deref()) {
        Some(t) => t.eq_ignore_ascii_case("term"),
        None => text(w.parent_id.as_deref()).is_some(),
    }
}

fn dated(w: &wire::Session) -> Result<(String, String, jiff::civil::Date, jiff::civil::Date)> {
    const OP: &str = "sessions.list";
    let Some(id) = text(w.id.as_deref()) else {
        return Err(missing(OP, "id", "a session record has no id", None));
    };
    let date = |field: &str, value: Option<&str>| {
        value.and_then(wire_date).ok_or_else(|| {
            missing(
                OP,
                field,
                &format!("a session has no valid {field} (YYYY-MM-DD)"),
                Some(&id),
            )
        })
    };
    let start = date("start_date", w.start_date.as_deref())?;
    let end = date("end_date", w.end_date.as_deref())?;
    let name = text(w.name.as_deref()).unwrap_or_else(|| id.clone());
    Ok((id, name, start, end))
}

/// An academic session as an academic year.
///
/// Errors: `Decode` when the record has no id, or no valid `start_date` / `end_date` (the
/// model requires both).
pub fn academic_year(w: &wire::Session) -> Result<AcademicYear> {
    let (id, name, start_date, end_date) = dated(w)?;
    Ok(AcademicYear {
        provider: VENDOR.into(),
        id,
        name,
        start_date,
        end_date,
    })
}

/// A term session as a term of its parent year.
///
/// Errors: as [`academic_year`].
pub fn term(w: &wire::Session) -> Result<Term> {
    let (id, name, start_date, end_date) = dated(w)?;
    Ok(Term {
        provider: VENDOR.into(),
        id,
        academic_year_id: text(w.parent_id.as_deref()),
        name,
        start_date,
        end_date,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session(v: serde_json::Value) -> wire::Session {
        serde_json::from_value(v).unwrap()
    }

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

    #[test]
    fn years_and_terms() {
        let y = session(serde_json::json!(
            {"id": 1, "name": "2024/2025", "session_type": "academic_year", "parent_id": null,
             "start_date": "2024-09-02", "end_date": "2025-07-22"}
        ));
        assert!(!is_term(&y));
        let year = academic_year(&y).unwrap();
        assert_eq!(year.name, "2024/2025");
        assert_eq!(year.end_date, jiff::civil::date(2025, 7, 22));
        let t = session(serde_json::json!(
            {"id": 2, "name": "Autumn", "parent_id": 1,
             "start_date": "2024-09-02", "end_date": "2024-12-20"}
        ));
        assert!(
            is_term(&t),
            "a parent makes it a term even without session_type"
        );
        assert_eq!(term(&t).unwrap().academic_year_id.as_deref(), Some("1"));
        let bad = session(serde_json::json!({"id": 1, "start_date": "soon"}));
        let e = academic_year(&bad).unwrap_err();
        assert!(e.to_string().contains("start_date"), "{e}");
    }
}
