//! Attendance code mapping: raw vendor marks → DfE statistical category.
//!
//! There is ONE date-aware DfE table here, used by every UK vendor, because the codes changed
//! meaning on 19 August 2024 (`J` approved educational activity → `J1` authorised absence;
//! `H` and `Y` retired; `C2`, `K`, `Q`, `Y1`–`Y7` new). A mark is mapped with the table in
//! force on the mark's date, so a 2023 `J` and a 2025 `J1` both come out right.
//!
//! Non-DfE vendors (ManageBac, Classe365, ClassCharts' `status`) send labels instead; those
//! follow the fixed label rules of [`label_category`]. Anything not recognised is
//! [`AttendanceCategory::Unmapped`]: we never guess, because an "authorised absence" reported
//! as "present" is worse than a visible gap. A per-provider [`CodeMapper`] can override any
//! code or label.
//!
//! Source: DfE, "Working together to improve school attendance" (statutory guidance,
//! August 2024), the annex of attendance and absence codes.

use std::collections::BTreeMap;

use jiff::civil::{Date, date};
use serde::{Deserialize, Serialize};

use crate::model::AttendanceCategory;
use AttendanceCategory::*;

/// The first school day on which the 2024 code set applies.
pub const DFE_2024_CHANGE: Date = date(2024, 8, 19);

/// A mark's category and whether it also means "late".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Mapped {
    /// The statistical category.
    pub category: AttendanceCategory,
    /// Whether the mark records lateness (`L`, `U`, or a "late" label).
    pub late: bool,
}

impl Mapped {
    const fn on_time(category: AttendanceCategory) -> Self {
        Mapped {
            category,
            late: false,
        }
    }

    const fn late(category: AttendanceCategory) -> Self {
        Mapped {
            category,
            late: true,
        }
    }

    /// The result for anything not recognised.
    pub const UNMAPPED: Mapped = Mapped::on_time(Unmapped);
}

/// Codes with the same meaning before and after 19 August 2024.
fn dfe_common(code: &str) -> Option<Mapped> {
    Some(match code {
        "/" | "\\" => Mapped::on_time(Present),
        "L" => Mapped::late(Present),
        "B" | "P" | "V" | "W" => Mapped::on_time(ApprovedEducationalActivity),
        "C" | "E" | "I" | "M" | "R" | "S" | "T" => Mapped::on_time(AuthorisedAbsence),
        "G" | "N" | "O" => Mapped::on_time(UnauthorisedAbsence),
        "U" => Mapped::late(UnauthorisedAbsence),
        "D" | "X" | "Z" | "#" => Mapped::on_time(NotCounted),
        // A dash or an empty mark is a register slot nobody filled in: DfE counts it as a
        // possible session, and it is a data-quality gap to report.
        "-" | "" => Mapped::on_time(NoMark),
        _ => return None,
    })
}

/// Codes used only before 19 August 2024.
fn dfe_before_2024(code: &str) -> Option<Mapped> {
    Some(match code {
        // Interview: an approved educational activity under the old rules.
        "J" => Mapped::on_time(ApprovedEducationalActivity),
        // Agreed family holiday.
        "H" => Mapped::on_time(AuthorisedAbsence),
        // Unable to attend due to exceptional circumstances.
        "Y" => Mapped::on_time(NotCounted),
        _ => return None,
    })
}

/// Codes introduced on 19 August 2024.
fn dfe_from_2024(code: &str) -> Option<Mapped> {
    Some(match code {
        "K" => Mapped::on_time(ApprovedEducationalActivity),
        "C1" | "C2" | "J1" => Mapped::on_time(AuthorisedAbsence),
        "Q" | "Y1" | "Y2" | "Y3" | "Y4" | "Y5" | "Y6" | "Y7" => Mapped::on_time(NotCounted),
        _ => return None,
    })
}

/// The DfE category of `code` on `date`, or `None` when the code is not a DfE code in force
/// on that date (e.g. `J1` in 2023, `H` in 2025, or a school's own letter).
///
/// Codes are matched after trimming and upper-casing, since some MIS lower-case them.
pub fn dfe_category(code: &str, date: Date) -> Option<Mapped> {
    let code = code.trim().to_ascii_uppercase();
    dfe_common(&code).or_else(|| {
        if date < DFE_2024_CHANGE {
            dfe_before_2024(&code)
        } else {
            dfe_from_2024(&code)
        }
    })
}

/// The DfE category of `code` on `date`, [`Mapped::UNMAPPED`] when unknown.
pub fn map_dfe(code: &str, date: Date) -> Mapped {
    dfe_category(code, date).unwrap_or(Mapped::UNMAPPED)
}

/// Lower-cases and folds separators so `"Field_Trip"`, `"field-trip"` and `"Field trip"`
/// are the same label.
fn normalise_label(label: &str) -> String {
    label
        .trim()
        .to_lowercase()
        .replace(['_', '-'], " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// The category of a non-DfE status label, by these fixed rules:
/// present → present; late → present + late; excused / authorised / health / sick →
/// authorised; absent / unexcused → unauthorised; field trip / sports / school activity →
/// approved educational activity. Whole labels only: `"not present"` is not `present`, and
/// anything else is `None` (unmapped), never guessed.
pub fn label_category(label: &str) -> Option<Mapped> {
    let l = normalise_label(label);
    Some(match l.as_str() {
        "present" | "attended" | "in attendance" => Mapped::on_time(Present),
        "late" | "tardy" | "present late" | "late present" => Mapped::late(Present),
        "excused" | "excused absence" | "absent excused" | "authorised" | "authorized"
        | "authorised absence" | "authorized absence" | "absent authorised"
        | "absent authorized" | "health" | "sick" | "illness" | "ill" | "medical" => {
            Mapped::on_time(AuthorisedAbsence)
        }
        "absent"
        | "unexcused"
        | "unexcused absence"
        | "absent unexcused"
        | "unauthorised"
        | "unauthorized"
        | "unauthorised absence"
        | "unauthorized absence" => Mapped::on_time(UnauthorisedAbsence),
        "field trip" | "fieldtrip" | "sports" | "sport" | "sporting activity"
        | "school activity" | "school trip" | "educational visit" => {
            Mapped::on_time(ApprovedEducationalActivity)
        }
        _ => return None,
    })
}

/// The category of a *school-defined* attendance category name (ManageBac tenant categories,
/// Classe365 custom statuses): [`label_category`] for a whole known label, else these word
/// rules, in this order:
///
/// | the label contains | category |
/// |---|---|
/// | `late`, `tardy` | present + late (`Late & Dress Code`) |
/// | `dress code`, `uniform` | present (a note about the pupil, who is in school) |
/// | `unexcused`, `unauthorised`, `unauthorized` | unauthorised absence |
/// | `excused`, `authorised`, `authorized`, `medical`, `health`, `sick`, `illness` | authorised absence |
/// | `field trip`, `fieldtrip`, `school trip`, `activity`, `educational visit`, `sport` | approved educational activity |
///
/// Anything else (`Dismissed`, `Other`) is `None`: unmapped, reported, never guessed; a
/// school maps it with an override.
pub fn school_label_category(label: &str) -> Option<Mapped> {
    if let Some(m) = label_category(label) {
        return Some(m);
    }
    let l = normalise_label(label);
    let has = |words: &[&str]| words.iter().any(|w| l.contains(w));
    Some(if has(&["late", "tardy"]) {
        Mapped::late(Present)
    } else if has(&["dress code", "uniform"]) {
        Mapped::on_time(Present)
    } else if has(&["unexcused", "unauthorised", "unauthorized"]) {
        Mapped::on_time(UnauthorisedAbsence)
    } else if has(&[
        "excused",
        "authorised",
        "authorized",
        "medical",
        "health",
        "sick",
        "illness",
    ]) {
        Mapped::on_time(AuthorisedAbsence)
    } else if has(&[
        "field trip",
        "fieldtrip",
        "school trip",
        "activity",
        "educational visit",
        "sport",
    ]) {
        Mapped::on_time(ApprovedEducationalActivity)
    } else {
        return None;
    })
}

/// Maps one provider's marks: the DfE table and label rules, plus that provider's overrides.
///
/// Overrides are keyed by the raw code or label (trimmed; codes upper-cased, labels
/// normalised as in [`label_category`]) and always win, on any date.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CodeMapper {
    codes: BTreeMap<String, Mapped>,
    labels: BTreeMap<String, Mapped>,
}

impl CodeMapper {
    /// A mapper with no overrides.
    pub fn new() -> Self {
        CodeMapper::default()
    }

    /// Overrides a mark code (`"H"`, `"3"`, `"AT"`…).
    pub fn override_code(mut self, code: &str, category: AttendanceCategory, late: bool) -> Self {
        self.codes
            .insert(code.trim().to_ascii_uppercase(), Mapped { category, late });
        self
    }

    /// Overrides a status label (`"vacation"`, `"ignore"`…).
    pub fn override_label(mut self, label: &str, category: AttendanceCategory, late: bool) -> Self {
        self.labels
            .insert(normalise_label(label), Mapped { category, late });
        self
    }

    /// Whether any override is set.
    pub fn has_overrides(&self) -> bool {
        !self.codes.is_empty() || !self.labels.is_empty()
    }

    /// A DfE mark code on `date`.
    pub fn map_code(&self, code: &str, date: Date) -> Mapped {
        self.codes
            .get(&code.trim().to_ascii_uppercase())
            .copied()
            .unwrap_or_else(|| map_dfe(code, date))
    }

    /// A non-DfE status label.
    pub fn map_label(&self, label: &str) -> Mapped {
        self.labels
            .get(&normalise_label(label))
            .copied()
            .or_else(|| label_category(label))
            .unwrap_or(Mapped::UNMAPPED)
    }

    /// A mark that carries both a code and a status label (ClassCharts).
    ///
    /// A recognised code decides the category; the label only adds lateness the code cannot
    /// express. An unrecognised code (or none) falls back to the label rules.
    pub fn map_code_and_label(
        &self,
        code: Option<&str>,
        label: Option<&str>,
        date: Date,
    ) -> Mapped {
        let by_label = label.map(|l| self.map_label(l));
        let by_code = code
            .filter(|c| !c.trim().is_empty())
            .map(|c| self.map_code(c, date))
            .filter(|m| m.category != Unmapped);
        match (by_code, by_label) {
            (Some(c), Some(l)) => Mapped {
                category: c.category,
                late: c.late || (l.late && c.category == l.category),
            },
            (Some(c), None) => c,
            (None, Some(l)) => l,
            // Neither a code nor a label: an empty register slot.
            (None, None) if code.is_some() => Mapped::on_time(NoMark),
            (None, None) => Mapped::UNMAPPED,
        }
    }
}

/// One school-defined code (or category) mapped by the school's own setting
/// (`MIS_<VENDOR>_CODE_MAP`, ManageBac's `MIS_MANAGEBAC_CATEGORY_MAP`): the code, id or label
/// as the school has it, and what it counts as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeOverride {
    /// The code, id or label, as the school has it (matched case-insensitively).
    pub key: String,
    /// The statistical category.
    pub category: AttendanceCategory,
    /// Whether it also records lateness.
    pub late: bool,
}

/// Parses a code map: `KEY=CATEGORY` pairs separated by `,` or `;`, where KEY is the
/// school's code, id or label and CATEGORY one of `present`, `present_late` (or `late`),
/// `approved_educational_activity`, `authorised_absence`, `unauthorised_absence`,
/// `not_counted`, `no_mark`, `unmapped`. A malformed pair is `InvalidInput` naming it.
///
/// ```
/// use mis_core::AttendanceCategory;
/// let map = mis_core::codes::parse_code_map("Q=authorised_absence; Dismissed=late").unwrap();
/// assert_eq!(map[0].category, AttendanceCategory::AuthorisedAbsence);
/// assert!(map[1].late);
/// assert_eq!(mis_core::codes::find_override(&map, "q").map(|o| o.category),
///            Some(AttendanceCategory::AuthorisedAbsence));
/// ```
pub fn parse_code_map(text: &str) -> crate::Result<Vec<CodeOverride>> {
    let mut out = Vec::new();
    for part in text
        .split([',', ';'])
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        let bad = || {
            crate::Error::invalid_input(format!(
                "code map: {part:?} is not CODE=CATEGORY (e.g. Q=authorised_absence; \
                 categories: present, present_late, approved_educational_activity, \
                 authorised_absence, unauthorised_absence, not_counted, no_mark, unmapped)"
            ))
        };
        let (key, value) = part.rsplit_once('=').ok_or_else(bad)?;
        let key = key.trim();
        if key.is_empty() {
            return Err(bad());
        }
        let value = value
            .trim()
            .to_ascii_lowercase()
            .replace(['-', ' ', '+'], "_");
        let (category, late) = match value.as_str() {
            "present_late" | "late" => (AttendanceCategory::Present, true),
            other => (
                AttendanceCategory::ALL
                    .into_iter()
                    .find(|c| c.as_str() == other)
                    .ok_or_else(bad)?,
                false,
            ),
        };
        out.push(CodeOverride {
            key: key.to_owned(),
            category,
            late,
        });
    }
    Ok(out)
}

/// The override for `key` (a code, id or label), matched case-insensitively; the last one
/// wins when a map names a key twice.
pub fn find_override<'a>(map: &'a [CodeOverride], key: &str) -> Option<&'a CodeOverride> {
    map.iter()
        .rev()
        .find(|o| o.key.eq_ignore_ascii_case(key.trim()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const BEFORE: Date = date(2024, 7, 1);
    const AFTER: Date = date(2024, 9, 9);

    fn cat(code: &str, d: Date) -> AttendanceCategory {
        map_dfe(code, d).category
    }

    #[test]
    fn every_dfe_code_on_both_sides_of_the_change() {
        let common: &[(&str, AttendanceCategory)] = &[
            ("/", Present),
            ("\\", Present),
            ("L", Present),
            ("B", ApprovedEducationalActivity),
            ("P", ApprovedEducationalActivity),
            ("V", ApprovedEducationalActivity),
            ("W", ApprovedEducationalActivity),
            ("C", AuthorisedAbsence),
            ("E", AuthorisedAbsence),
            ("I", AuthorisedAbsence),
            ("M", AuthorisedAbsence),
            ("R", AuthorisedAbsence),
            ("S", AuthorisedAbsence),
            ("T", AuthorisedAbsence),
            ("G", UnauthorisedAbsence),
            ("N", UnauthorisedAbsence),
            ("O", UnauthorisedAbsence),
            ("U", UnauthorisedAbsence),
            ("D", NotCounted),
            ("X", NotCounted),
            ("Z", NotCounted),
            ("#", NotCounted),
            ("-", NoMark),
        ];
        for (code, want) in common {
            assert_eq!(cat(code, BEFORE), *want, "{code} before");
            assert_eq!(cat(code, AFTER), *want, "{code} after");
        }
        let before_only: &[(&str, AttendanceCategory)] = &[
            ("J", ApprovedEducationalActivity),
            ("H", AuthorisedAbsence),
            ("Y", NotCounted),
        ];
        for (code, want) in before_only {
            assert_eq!(cat(code, BEFORE), *want, "{code} before");
            assert_eq!(cat(code, AFTER), Unmapped, "{code} retired after");
        }
        let mut after_only: Vec<(String, AttendanceCategory)> = vec![
            ("K".into(), ApprovedEducationalActivity),
            ("C1".into(), AuthorisedAbsence),
            ("C2".into(), AuthorisedAbsence),
            ("J1".into(), AuthorisedAbsence),
            ("Q".into(), NotCounted),
        ];
        after_only.extend((1..=7).map(|n| (format!("Y{n}"), NotCounted)));
        for (code, want) in &after_only {
            assert_eq!(cat(code, AFTER), *want, "{code} after");
            assert_eq!(
                cat(code, BEFORE),
                Unmapped,
                "{code} not yet in force before"
            );
        }
        // The change day itself uses the new table.
        assert_eq!(cat("J1", DFE_2024_CHANGE), AuthorisedAbsence);
        assert_eq!(
            cat("J", DFE_2024_CHANGE.yesterday().unwrap()),
            ApprovedEducationalActivity
        );
    }

    #[test]
    fn lateness() {
        assert_eq!(map_dfe("L", AFTER), Mapped::late(Present));
        assert_eq!(map_dfe("U", AFTER), Mapped::late(UnauthorisedAbsence));
        assert!(!map_dfe("/", AFTER).late);
        assert!(!map_dfe("O", AFTER).late);
    }

    #[test]
    fn unknown_codes_are_unmapped_not_guessed() {
        for code in ["A", "F", "AT", "?", "present", "1", "J2", "Y8"] {
            assert_eq!(cat(code, AFTER), Unmapped, "{code}");
        }
        // Lower-case and padded DfE codes are still DfE codes.
        assert_eq!(cat(" l ", AFTER), Present);
        assert_eq!(cat("j1", AFTER), AuthorisedAbsence);
    }

    #[test]
    fn school_defined_category_names() {
        for (label, category, late) in [
            ("Dress Code", Present, false),
            ("Late & Dress Code", Present, true),
            ("No uniform", Present, false),
            ("Excused", AuthorisedAbsence, false),
            ("Medical appointment", AuthorisedAbsence, false),
            (
                "Unexcused absence (parent informed)",
                UnauthorisedAbsence,
                false,
            ),
            ("Field Trip", ApprovedEducationalActivity, false),
            ("Sports fixture", ApprovedEducationalActivity, false),
            ("Absent", UnauthorisedAbsence, false),
        ] {
            let m = school_label_category(label).unwrap_or_else(|| panic!("{label}"));
            assert_eq!((m.category, m.late), (category, late), "{label}");
        }
        for label in ["Dismissed", "Other", ""] {
            assert_eq!(school_label_category(label), None, "{label}");
        }
    }

    #[test]
    fn label_rules() {
        let cases: &[(&str, AttendanceCategory, bool)] = &[
            ("Present", Present, false),
            ("late", Present, true),
            ("Excused", AuthorisedAbsence, false),
            ("authorised", AuthorisedAbsence, false),
            ("Health", AuthorisedAbsence, false),
            ("sick", AuthorisedAbsence, false),
            ("Absent", UnauthorisedAbsence, false),
            ("unexcused", UnauthorisedAbsence, false),
            ("Field Trip", ApprovedEducationalActivity, false),
            ("field_trip", ApprovedEducationalActivity, false),
            // ManageBac's default category list spells it as one word.
            ("Fieldtrip", ApprovedEducationalActivity, false),
            ("Sports", ApprovedEducationalActivity, false),
            ("school activity", ApprovedEducationalActivity, false),
        ];
        for (label, category, late) in cases {
            assert_eq!(
                CodeMapper::new().map_label(label),
                Mapped {
                    category: *category,
                    late: *late
                },
                "{label}"
            );
        }
        for label in ["not present", "vacation", "Dress Code", "ignore", "", "yes"] {
            assert_eq!(
                CodeMapper::new().map_label(label).category,
                Unmapped,
                "{label}"
            );
        }
    }

    #[test]
    fn overrides_win() {
        let m = CodeMapper::new()
            .override_code("H", NotCounted, false)
            .override_code("AT", Present, false)
            .override_label("vacation", UnauthorisedAbsence, false)
            .override_label("Absent", AuthorisedAbsence, false);
        assert!(m.has_overrides());
        assert_eq!(m.map_code("h", BEFORE).category, NotCounted);
        assert_eq!(m.map_code("AT", AFTER).category, Present);
        assert_eq!(
            m.map_code("I", AFTER).category,
            AuthorisedAbsence,
            "others untouched"
        );
        assert_eq!(m.map_label("Vacation").category, UnauthorisedAbsence);
        assert_eq!(m.map_label("absent").category, AuthorisedAbsence);
    }

    #[test]
    fn code_and_label_together() {
        let m = CodeMapper::new();
        // A recognised code decides; the label cannot turn an absence into presence.
        assert_eq!(
            m.map_code_and_label(Some("I"), Some("present"), AFTER),
            Mapped::on_time(AuthorisedAbsence)
        );
        // The label adds lateness when it agrees with the code's category.
        assert_eq!(
            m.map_code_and_label(Some("/"), Some("late"), AFTER),
            Mapped::late(Present)
        );
        // An unknown code falls back to the label.
        assert_eq!(
            m.map_code_and_label(Some("AT"), Some("excused"), AFTER),
            Mapped::on_time(AuthorisedAbsence)
        );
        assert_eq!(
            m.map_code_and_label(Some(""), Some("absent"), AFTER),
            Mapped::on_time(UnauthorisedAbsence)
        );
        assert_eq!(
            m.map_code_and_label(Some("AT"), Some("yes"), AFTER),
            Mapped::UNMAPPED
        );
        assert_eq!(
            m.map_code_and_label(Some(""), None, AFTER),
            Mapped::on_time(NoMark)
        );
        assert_eq!(m.map_code_and_label(None, None, AFTER), Mapped::UNMAPPED);
    }
}
