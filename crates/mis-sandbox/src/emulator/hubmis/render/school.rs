//! Houses, year groups, form groups, academic years, terms and regional settings.

use mis_core::GroupKind;
use serde_json::{Value, json};

use super::super::int_id;
use super::{Index, academic_year_ref, fnv, group_code, staff_ref, year_label, year_ref};
use crate::school::School;

/// `filter[...]` of `GET /houses`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HouseFilter {
    /// `filter[houseType]`: `academic` or `boarding`.
    pub house_type: Option<String>,
    /// `filter[isActive]`.
    pub is_active: Option<bool>,
}

/// One house, as the "Houses: Get House" sample. The school's houses are academic houses.
pub fn house(group: &mis_core::Group) -> Value {
    json!({
        "id": int_id(&group.id),
        "address": null,
        "code": group_code(group),
        "genders": [],
        "house_parents": [],
        "house_type": "academic",
        "images": [],
        "max_students": null,
        "name": group.name,
        "note": null,
        "phone": null,
        "profile_image": null,
        "staff": [],
        "system_profile_image": null,
        "is_active": true,
    })
}

/// `GET /houses`: every house matching `filter` (not paged in the document).
pub fn houses(school: &School, _index: &Index, filter: &HouseFilter) -> Value {
    let admitted = filter.house_type.as_deref().is_none_or(|t| t == "academic")
        && filter.is_active.is_none_or(|a| a);
    Value::Array(
        school
            .groups_of(GroupKind::House)
            .filter(|_| admitted)
            .map(house)
            .collect(),
    )
}

fn key_stage(label: &str) -> &'static str {
    match label {
        "R" => "EYFS",
        "1" | "2" => "KS1",
        "3" | "4" | "5" | "6" => "KS2",
        "7" | "8" | "9" => "KS3",
        "10" | "11" => "KS4",
        _ => "KS5",
    }
}

fn uuid(seed: u64, id: &str) -> String {
    let a = fnv(&[&seed.to_le_bytes(), id.as_bytes(), b"a"]);
    let b = fnv(&[&seed.to_le_bytes(), id.as_bytes(), b"b"]);
    format!(
        "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0xfff,
        0x8000 | (b >> 48) & 0x3fff,
        b & 0xffff_ffff_ffff
    )
}

/// `GET /year-groups`: the year groups of the active year, as the "Year Groups: Get one"
/// sample (`code` `Y7`, `dfe_year` the national curriculum year: `R`, `1`…`11`).
pub fn year_groups(school: &School, index: &Index) -> Value {
    let years: Vec<&mis_core::Group> = school.groups_of(GroupKind::Year).collect();
    let last = years.len();
    Value::Array(
        years
            .iter()
            .enumerate()
            .map(|(i, g)| {
                let position = index.groups[&g.id];
                let forms = index.form_year.values().filter(|y| **y == position).count();
                let label = year_label(g);
                json!({
                    "id": int_id(&g.id),
                    "academic_year": academic_year_ref(school),
                    "code": format!("Y{label}"),
                    "dfe_year": label,
                    "final_year": i + 1 == last,
                    "form_count": forms,
                    "key_stage": key_stage(&label),
                    "max_students": null,
                    "name": g.name,
                    "position": i + 1,
                    "section": null,
                    "status": "active",
                    "total_student_count": g.student_ids.len(),
                    "uuid": uuid(school.seed, &g.id),
                    "year_group_heads": [],
                })
            })
            .collect(),
    )
}

/// `GET /form-groups`: the registration groups of the active year, as the "Form Group: Get
/// one" sample; `staff` are the tutors. `filter[yearGroup]` keeps one year's forms.
pub fn form_groups(school: &School, index: &Index, year_group: Option<u64>) -> Value {
    Value::Array(
        school
            .groups
            .iter()
            .enumerate()
            .filter(|(_, g)| g.kind == GroupKind::Registration)
            .map(|(p, g)| (g, index.form_year.get(&p).map(|y| &school.groups[*y])))
            .filter(|(_, year)| {
                year_group.is_none_or(|id| year.is_some_and(|y| y.id == id.to_string()))
            })
            .map(|(g, year)| {
                let staff: Vec<Value> = g
                    .staff_ids
                    .iter()
                    .filter_map(|id| index.staff(school, id))
                    .map(staff_ref)
                    .collect();
                json!({
                    "academic_year": academic_year_ref(school),
                    "code": group_code(g),
                    "max_students": null,
                    "name": g.name,
                    "rooms": [],
                    "short_description": null,
                    "staff": staff,
                    "staff_report_writers": [],
                    "student_count": g.student_ids.len(),
                    "timetable_code": group_code(g),
                    "id": int_id(&g.id),
                    "section": null,
                    "year_group": year.map(year_ref),
                    "student_representatives": [],
                })
            })
            .collect(),
    )
}

/// `GET /academic-years`: the school's one academic year (the active one).
pub fn academic_years(school: &School) -> Value {
    let y = &school.academic_year;
    json!([{
        "id": int_id(&y.id),
        "name": y.name,
        "date_start": y.start_date.to_string(),
        "date_end": y.end_date.to_string(),
        "is_current": true,
    }])
}

/// The integer id of a term: the year's id × 10 + its position (the school's term ids are
/// `2024-autumn`…, and HUBmis ids are integers).
pub fn term_id(school: &School, position: usize) -> u64 {
    school.academic_year.id.parse::<u64>().unwrap_or(0) * 10 + position as u64 + 1
}

/// `GET /academic-years/{id}/terms`.
pub fn terms(school: &School) -> Value {
    Value::Array(
        school
            .terms
            .iter()
            .enumerate()
            .map(|(i, t)| {
                json!({
                    "id": term_id(school, i),
                    "academic_year": academic_year_ref(school),
                    "name": t.name,
                    "date_start": t.start_date.to_string(),
                    "date_end": t.end_date.to_string(),
                })
            })
            .collect(),
    )
}

/// The "School regional default settings" sample: the school's time zone, which the client
/// needs to read period times. 34 is the sample's country id.
pub fn regional_settings(school: &School) -> Value {
    json!({
        "regional_country_id": 34,
        "start_day_week": "monday",
        "timezone": school.time_zone,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuids_look_like_uuids_and_are_stable() {
        let u = uuid(7, "3");
        assert_eq!(u.len(), 36);
        assert_eq!(u, uuid(7, "3"));
        assert_ne!(u, uuid(7, "4"));
        assert_eq!(
            u.split('-').map(str::len).collect::<Vec<_>>(),
            [8, 4, 4, 4, 12]
        );
    }
}
