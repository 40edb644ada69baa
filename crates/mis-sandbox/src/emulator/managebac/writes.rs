//! The write endpoints: pure functions from a request body to the response body and the
//! number of records applied, over the emulator's [`Writes`]. The handler counts
//! `applied_writes`; fixtures call the same functions on a scratch overlay.

use jiff::Timestamp;
use jiff::civil::Date;
use serde_json::{Value, json};

use super::render::{ApiError, View, check_excusal, excusal_json, parse_date};
use super::state::{Excusal, Writes, Written, num, parent_of};

/// A body answered, and how many records it applied.
pub(super) type Applied = Result<(Value, u64), ApiError>;

/// The request body as a JSON object, or the vendor's 400.
fn object(body: &[u8]) -> Result<serde_json::Map<String, Value>, ApiError> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(m)) => Ok(m),
        _ => Err(ApiError::bad_payload()),
    }
}

/// An integer sent as a number or a numeric string (Rails casts both).
fn int(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// A status a write may set: any enabled category of the tenant except `-1`, which is the
/// unmarked default and not in the spec's list of settable statuses.
fn settable(view: &View<'_>, field: &str, v: Option<&Value>) -> Result<i64, ApiError> {
    let v = v
        .filter(|v| !v.is_null())
        .ok_or_else(|| ApiError::unprocessable(field, "can't be blank"))?;
    int(v)
        .filter(|s| *s >= 0 && view.category(*s).is_some())
        .ok_or_else(|| ApiError::unprocessable(field, "is not included in the list"))
}

fn date_field(v: Option<&Value>) -> Result<Date, ApiError> {
    let raw = v
        .and_then(Value::as_str)
        .ok_or_else(|| ApiError::unprocessable("date", "can't be blank"))?;
    raw.trim()
        .parse::<Date>()
        .map_err(|_| ApiError::unprocessable("date", "is invalid"))
}

fn notes(v: Option<&Value>) -> String {
    v.and_then(Value::as_str).unwrap_or_default().to_string()
}

/// `PUT /students/{id}/set_homeroom_attendance`, body `{id?, date, status, notes?}`
/// (the v2p1 reference and Faria's July 2024 homeroom attendance article): creates or
/// replaces the student's record for the date, answering `{"status": "ok"}`.
pub(super) fn set_homeroom(view: &View<'_>, writes: &mut Writes, id: &str, body: &[u8]) -> Applied {
    let i = view.student_pos(id)?;
    let body = object(body)?;
    let date = date_field(body.get("date"))?;
    let status = settable(view, "status", body.get("status"))?;
    let student = num(&view.school.students[i].id);
    writes.homeroom.insert(
        (student, date),
        Written {
            status,
            notes: notes(body.get("notes")),
        },
    );
    Ok((json!({ "status": "ok" }), 1))
}

/// `PUT /classes/{id}/attendance`, body `{attendances: [{student_id, date, period, status,
/// notes}]}`: each entry is applied or refused on its own, with the spec's per-entry result
/// `{index, student_id, status: ok|unprocessable_entity|not_found, errors?}`. `period` is
/// numbered the school's way (`period_starts_count_from`).
pub(super) fn set_class_attendance(
    view: &View<'_>,
    writes: &mut Writes,
    id: &str,
    body: &[u8],
) -> Applied {
    let c = view.class_pos(id)?;
    let class = num(&view.school.groups[c].id);
    let members: Vec<u64> = view.school.groups[c]
        .student_ids
        .iter()
        .map(|s| num(s))
        .collect();
    let body = object(body)?;
    let entries = body
        .get("attendances")
        .and_then(Value::as_array)
        .ok_or_else(ApiError::bad_payload)?;
    let periods: Vec<i64> = view
        .school
        .periods
        .iter()
        .filter_map(|p| p.id.parse::<i64>().ok())
        .map(|p| p + view.offset())
        .collect();
    let year = &view.school.academic_year;
    let mut applied = 0;
    let mut results = Vec::new();
    for (index, entry) in entries.iter().enumerate() {
        let student = entry.get("student_id").and_then(int);
        let result = |status: &str, errors: Option<Value>| {
            let mut r = json!({ "index": index, "student_id": student, "status": status });
            if let (Some(e), Some(m)) = (errors, r.as_object_mut()) {
                m.insert("errors".into(), e);
            }
            r
        };
        let Some(student) = student
            .and_then(|s| u64::try_from(s).ok())
            .filter(|s| members.contains(s))
        else {
            results.push(result("not_found", None));
            continue;
        };
        let date = entry
            .get("date")
            .and_then(Value::as_str)
            .and_then(|d| d.trim().parse::<Date>().ok());
        let Some(date) = date.filter(|d| year.start_date <= *d && *d <= year.end_date) else {
            results.push(result(
                "unprocessable_entity",
                Some(json!({ "date": ["out of class term date range"] })),
            ));
            continue;
        };
        let Some(period) = entry
            .get("period")
            .and_then(int)
            .filter(|p| periods.contains(p))
        else {
            let list = periods
                .iter()
                .map(i64::to_string)
                .collect::<Vec<_>>()
                .join(", ");
            results.push(result(
                "unprocessable_entity",
                Some(json!({ "period": [format!("must be in [{list}]")] })),
            ));
            continue;
        };
        let Ok(status) = settable(view, "status", entry.get("status")) else {
            results.push(result(
                "unprocessable_entity",
                Some(json!({ "status": ["is not included in the list"] })),
            ));
            continue;
        };
        let canonical = u32::try_from(period - view.offset()).unwrap_or(0);
        writes.lessons.insert(
            (class, date, student, canonical),
            Written {
                status,
                notes: notes(entry.get("notes")),
            },
        );
        applied += 1;
        results.push(result("ok", None));
    }
    Ok((json!({ "attendance": results }), applied))
}

/// `POST /students/{id}/excusals`, body `{excusal: {parent_id, start_date, end_date,
/// comment}}`: 201 with the excusal, or 422 when the parent is not linked, the range is
/// outside 1–12 days, or it overlaps another excusal. Not idempotent, as in the spec: a
/// replayed POST meets the overlap rule.
pub(super) fn create_excusal(
    view: &View<'_>,
    writes: &mut Writes,
    id: &str,
    body: &[u8],
    now: Timestamp,
) -> Applied {
    let i = view.student_pos(id)?;
    let student = num(&view.school.students[i].id);
    let body = object(body)?;
    let e = body
        .get("excusal")
        .and_then(Value::as_object)
        .ok_or_else(ApiError::bad_payload)?;
    let parent = e.get("parent_id").and_then(int).unwrap_or(0);
    if u64::try_from(parent).ok() != Some(parent_of(student)) {
        return Err(ApiError::unprocessable(
            "parent_id",
            format!(
                "Parent with ID={parent} is not linked to the Student with ID={student} via a relationship"
            ),
        ));
    }
    let day = |key: &str| {
        e.get(key)
            .and_then(Value::as_str)
            .ok_or_else(|| ApiError::unprocessable(key, "can't be blank"))
            .and_then(parse_date)
    };
    let start = day("start_date")?;
    let end = match e.get("end_date") {
        Some(Value::Null) | None => start,
        Some(_) => day("end_date")?,
    };
    let excusal = Excusal {
        id: writes.next_excusal,
        student_id: student,
        parent_id: parent_of(student),
        start,
        end,
        comment: notes(e.get("comment")),
        created_at: now,
        updated_at: now,
    };
    check_excusal(writes, &excusal)?;
    writes.next_excusal += 1;
    let out = json!({ "excusal": excusal_json(&excusal) });
    writes.excusals.push(excusal);
    Ok((out, 1))
}

fn excusal_pos(
    view: &View<'_>,
    writes: &Writes,
    student: &str,
    id: &str,
) -> Result<usize, ApiError> {
    let i = view.student_pos(student)?;
    let student = num(&view.school.students[i].id);
    id.parse::<u64>()
        .ok()
        .and_then(|n| {
            writes
                .excusals
                .iter()
                .position(|e| e.id == n && e.student_id == student)
        })
        .ok_or_else(|| ApiError::not_found("AttendanceExcusal", id))
}

/// `PATCH /students/{student_id}/excusals/{id}`, body `{excusal: {end_date?, comment?}}`.
pub(super) fn update_excusal(
    view: &View<'_>,
    writes: &mut Writes,
    student: &str,
    id: &str,
    body: &[u8],
    now: Timestamp,
) -> Applied {
    let p = excusal_pos(view, writes, student, id)?;
    let body = object(body)?;
    let e = body
        .get("excusal")
        .and_then(Value::as_object)
        .ok_or_else(ApiError::bad_payload)?;
    let mut updated = writes.excusals[p].clone();
    if let Some(end) = e.get("end_date").and_then(Value::as_str) {
        updated.end = parse_date(end)?;
    }
    if let Some(comment) = e.get("comment").and_then(Value::as_str) {
        updated.comment = comment.to_string();
    }
    updated.updated_at = now;
    check_excusal(writes, &updated)?;
    let out = json!({ "excusal": excusal_json(&updated) });
    writes.excusals[p] = updated;
    Ok((out, 1))
}

/// `DELETE /students/{student_id}/excusals/{id}`: answers the deleted excusal.
pub(super) fn delete_excusal(
    view: &View<'_>,
    writes: &mut Writes,
    student: &str,
    id: &str,
) -> Applied {
    let p = excusal_pos(view, writes, student, id)?;
    let gone = writes.excusals.remove(p);
    Ok((json!({ "excusal": excusal_json(&gone) }), 1))
}
