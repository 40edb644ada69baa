//! The academic structure the tenant holds and lets a client change: classes, departments
//! and academic sessions, each with a list, a get-one and a create-or-update `POST` (vendor
//! doc: "students, classes, sessions, departments, and more"; `POST` creates without `id`
//! and updates with one). Paths are inferred like the rest of the route table (see the
//! module docs); the v1 API documentation's upserts name the writable fields (`name`,
//! `code`, `department_id`).

use std::collections::HashMap;
use std::sync::Mutex;

use axum::http::StatusCode;
use serde_json::{Map, Value, json};

use super::render::{self, Directory, FieldError, Reply};
use crate::school::School;
use mis_core::GroupKind;

/// Which academic resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// `/classes`.
    Classes,
    /// `/departments`.
    Departments,
    /// `/sessions`.
    Sessions,
}

impl Kind {
    fn noun(self) -> &'static str {
        match self {
            Kind::Classes => "class",
            Kind::Departments => "department",
            Kind::Sessions => "session",
        }
    }

    fn title(self) -> &'static str {
        match self {
            Kind::Classes => "Class",
            Kind::Departments => "Department",
            Kind::Sessions => "Session",
        }
    }
}

/// One resource's records in list order, with an id index.
#[derive(Debug, Default)]
struct Table {
    records: Vec<Value>,
    index: HashMap<String, usize>,
    next_id: u64,
}

impl Table {
    fn new(records: Vec<Value>) -> Table {
        let index = records
            .iter()
            .enumerate()
            .filter_map(|(i, r)| key(&r["id"]).map(|k| (k, i)))
            .collect();
        let next_id = records
            .iter()
            .filter_map(|r| r["id"].as_u64())
            .max()
            .unwrap_or(0)
            + 1;
        Table {
            records,
            index,
            next_id,
        }
    }

    fn get(&self, id: &str) -> Option<&Value> {
        self.index.get(id).map(|&i| &self.records[i])
    }
}

/// An id as text, from a JSON number or a numeric string.
fn key(v: &Value) -> Option<String> {
    match v {
        Value::Number(n) => n.as_u64().map(|n| n.to_string()),
        Value::String(s) if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) => {
            s.parse::<u64>().ok().map(|n| n.to_string())
        }
        _ => None,
    }
}

fn is_date(v: &Value) -> bool {
    v.as_str()
        .filter(|s| s.len() == 10)
        .and_then(|s| s.parse::<jiff::civil::Date>().ok())
        .is_some()
}

#[derive(Debug)]
struct Tables {
    classes: Table,
    departments: Table,
    sessions: Table,
}

impl Tables {
    fn table(&mut self, kind: Kind) -> &mut Table {
        match kind {
            Kind::Classes => &mut self.classes,
            Kind::Departments => &mut self.departments,
            Kind::Sessions => &mut self.sessions,
        }
    }
}

/// Classes, departments and sessions: rendered once from the School, then changed by
/// `POST`s.
#[derive(Debug)]
pub(crate) struct Academic {
    tables: Mutex<Tables>,
}

impl Academic {
    pub(crate) fn new(school: &School, dir: &Directory) -> Academic {
        let classes = school
            .groups
            .iter()
            .filter(|g| render::is_class(g))
            .map(|g| render::class(school, dir, g))
            .collect();
        let departments = school
            .groups_of(GroupKind::Year)
            .map(|g| render::department(school, dir, g))
            .collect();
        Academic {
            tables: Mutex::new(Tables {
                classes: Table::new(classes),
                departments: Table::new(departments),
                sessions: Table::new(render::sessions(school)),
            }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Tables> {
        self.tables.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Every record of `kind`, in list order.
    pub(crate) fn list(&self, kind: Kind) -> Vec<Value> {
        self.lock().table(kind).records.clone()
    }

    /// `GET /<kind>/{id}`: the record, or 204 when there is none (vendor doc, 204).
    pub(crate) fn get(&self, kind: Kind, raw: &str) -> Reply {
        let Some(id) = key(&Value::String(raw.trim().to_string())) else {
            return render::error_with(
                render::VALIDATION,
                &[FieldError::new("id", "must be a positive integer")],
            );
        };
        match self.lock().table(kind).get(&id) {
            Some(r) => render::record(StatusCode::OK, r.clone(), None),
            None => render::no_content(&format!("{} not found", kind.title())),
        }
    }

    /// `POST /<kind>`: without `id` creates (201), with `id` updates (200). An unknown `id`
    /// or field, a missing required field or a wrong type is the vendor's 400 with `errors`.
    pub(crate) fn upsert(&self, kind: Kind, body: &Value) -> Reply {
        let Some(fields) = body.as_object() else {
            return render::error_with(
                render::VALIDATION,
                &[FieldError::new("body", "must be a JSON object")],
            );
        };
        let mut tables = self.lock();
        let mut errors = Vec::new();
        let target = match fields.get("id") {
            None => None,
            Some(v) => match key(v).filter(|id| tables.table(kind).index.contains_key(id)) {
                Some(id) => Some(id),
                None => {
                    errors.push(FieldError::new(
                        "id",
                        format!("no {} has this id", kind.noun()),
                    ));
                    None
                }
            },
        };
        check(
            kind,
            fields,
            &tables,
            target.is_none() && errors.is_empty(),
            &mut errors,
        );
        if !errors.is_empty() {
            return render::error_with(render::VALIDATION, &errors);
        }
        let created = target.is_none();
        let id = target.unwrap_or_else(|| {
            let t = tables.table(kind);
            t.next_id += 1;
            (t.next_id - 1).to_string()
        });
        if created {
            let blank = blank(kind, &id);
            let t = tables.table(kind);
            t.records.push(blank);
            let at = t.records.len() - 1;
            t.index.insert(id.clone(), at);
        }
        let before = tables.table(kind).get(&id).cloned().unwrap_or(Value::Null);
        let mut record = before.clone();
        for (k, v) in fields {
            if k != "id" {
                record[k.as_str()] = v.clone();
            }
        }
        if kind == Kind::Classes {
            link_department(&mut tables, &id, &before, &mut record);
        }
        if kind == Kind::Departments {
            // A renamed department renames itself on its classes.
            let name = record["name"].clone();
            for c in tables.classes.records.iter_mut() {
                if key(&c["department_id"]).as_deref() == Some(id.as_str()) {
                    c["department_name"] = name.clone();
                }
            }
        }
        let t = tables.table(kind);
        let at = t.index[&id];
        t.records[at] = record.clone();
        let (status, verb) = if created {
            (StatusCode::CREATED, "created")
        } else {
            (StatusCode::OK, "updated")
        };
        render::record(status, record, Some(&format!("{} {verb}", kind.title())))
    }
}

/// A new record's fields before the body is applied.
fn blank(kind: Kind, id: &str) -> Value {
    let id = render::id(id);
    match kind {
        Kind::Classes => json!({
            "id": id, "name": null, "code": null, "class_type": "teaching",
            "department_id": null, "department_name": null, "subject_id": null,
            "subject_name": null, "subject_code": null, "teacher_ids": [], "student_ids": [],
        }),
        Kind::Departments => json!({
            "id": id, "name": null, "code": null, "year_level": null, "class_ids": [],
        }),
        Kind::Sessions => json!({
            "id": id, "name": null, "session_type": "academic_year", "parent_id": null,
            "start_date": null, "end_date": null,
        }),
    }
}

/// A class's department fields follow its `department_id`, and departments list their
/// classes.
fn link_department(tables: &mut Tables, id: &str, before: &Value, record: &mut Value) {
    let old = key(&before["department_id"]);
    let new = key(&record["department_id"]);
    record["department_name"] = new
        .as_deref()
        .and_then(|d| tables.departments.get(d))
        .map_or(Value::Null, |d| d["name"].clone());
    if let Some(d) = &new {
        record["department_id"] = render::id(d);
    }
    if old == new {
        return;
    }
    let class_id = render::id(id);
    for (dept, add) in [(old, false), (new, true)] {
        let Some(at) = dept.and_then(|d| tables.departments.index.get(&d).copied()) else {
            continue;
        };
        let list = tables.departments.records[at]["class_ids"]
            .as_array_mut()
            .expect("class_ids is an array");
        list.retain(|c| *c != class_id);
        if add {
            list.push(class_id.clone());
        }
    }
}

/// The field rules of one resource.
fn check(
    kind: Kind,
    fields: &Map<String, Value>,
    tables: &Tables,
    creating: bool,
    errors: &mut Vec<FieldError>,
) {
    let (required, text, read_only): (&[&str], &[&str], &[&str]) = match kind {
        Kind::Classes => (
            &["name"],
            &["code", "class_type"],
            &[
                "department_name",
                "subject_id",
                "subject_name",
                "subject_code",
                "teacher_ids",
                "student_ids",
            ],
        ),
        Kind::Departments => (&["name"], &["code", "year_level"], &["class_ids"]),
        Kind::Sessions => (&["name", "start_date", "end_date"], &[], &[]),
    };
    for (k, v) in fields {
        let k = k.as_str();
        let problem = match k {
            "id" => None,
            _ if k == "name" => v
                .as_str()
                .is_none_or(|s| s.trim().is_empty())
                .then_some("must be a non-empty string"),
            _ if text.contains(&k) => {
                (!(v.is_null() || v.is_string())).then_some("must be a string or null")
            }
            "start_date" | "end_date" if kind == Kind::Sessions => {
                (!is_date(v)).then_some("must be a date (YYYY-MM-DD)")
            }
            "session_type" if kind == Kind::Sessions => {
                (!matches!(v.as_str(), Some("academic_year" | "term")))
                    .then_some("must be academic_year or term")
            }
            "parent_id" if kind == Kind::Sessions => (!(v.is_null()
                || key(v).is_some_and(|p| tables.sessions.index.contains_key(&p))))
            .then_some("no session has this id"),
            "department_id" if kind == Kind::Classes => (!(v.is_null()
                || key(v).is_some_and(|d| tables.departments.index.contains_key(&d))))
            .then_some("no department has this id"),
            _ if read_only.contains(&k) => Some("is read-only"),
            _ => {
                errors.push(FieldError::new(
                    k,
                    format!("is not a {} field", kind.noun()),
                ));
                continue;
            }
        };
        if let Some(p) = problem {
            errors.push(FieldError::new(k, p));
        }
    }
    if creating {
        for k in required {
            if !fields.contains_key(*k) {
                errors.push(FieldError::new(*k, "is required"));
            }
        }
    }
    if let (Some(from), Some(to)) = (
        fields.get("start_date").and_then(Value::as_str),
        fields.get("end_date").and_then(Value::as_str),
    ) {
        if kind == Kind::Sessions && is_date(&json!(from)) && is_date(&json!(to)) && to < from {
            errors.push(FieldError::new("end_date", "must not be before start_date"));
        }
    }
}
