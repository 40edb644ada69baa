//! What a caller asks a provider for.

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::diagnostics::Diagnostics;
use crate::error::{Error, Result};
use crate::model::Slot;

/// An inclusive range of school dates. `from <= to` is guaranteed by construction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct DateRange {
    from: Date,
    to: Date,
}

impl DateRange {
    /// A range from `from` to `to`, both inclusive. Errors with `InvalidInput` when reversed.
    pub fn new(from: Date, to: Date) -> Result<Self> {
        if from > to {
            return Err(Error::invalid_input(format!(
                "date range is reversed: from {from} is after to {to}"
            )));
        }
        Ok(DateRange { from, to })
    }

    /// A single day.
    pub fn day(date: Date) -> Self {
        DateRange {
            from: date,
            to: date,
        }
    }

    /// Parses two `YYYY-MM-DD` strings, naming the bad one in the error.
    pub fn parse(from: &str, to: &str) -> Result<Self> {
        DateRange::new(parse_date("from", from)?, parse_date("to", to)?)
    }

    /// First day (inclusive).
    pub fn from(&self) -> Date {
        self.from
    }

    /// Last day (inclusive).
    pub fn to(&self) -> Date {
        self.to
    }

    /// Whether `date` is inside the range.
    pub fn contains(&self, date: Date) -> bool {
        self.from <= date && date <= self.to
    }

    /// Every date of the range, in order.
    pub fn days(&self) -> impl Iterator<Item = Date> + use<> {
        let to = self.to;
        self.from
            .series(jiff::Span::new().days(1))
            .take_while(move |d| *d <= to)
    }
}

/// Parses a `YYYY-MM-DD` date, naming `what` in the error.
pub fn parse_date(what: &str, value: &str) -> Result<Date> {
    let v = value.trim();
    // jiff accepts more than YYYY-MM-DD (e.g. `20240101`); the contract is the dashed form.
    let shaped = v.len() == 10 && v.as_bytes()[4] == b'-' && v.as_bytes()[7] == b'-';
    match v.parse::<Date>() {
        Ok(d) if shaped => Ok(d),
        Ok(_) | Err(_) => Err(Error::invalid_input(format!(
            "{what}: {value:?} is not a date in YYYY-MM-DD form"
        ))),
    }
}

/// Which students to list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct StudentQuery {
    /// Include students who have left (default: on-roll only, where the vendor can tell).
    pub include_leavers: bool,
    /// Only this year group (the vendor's label), where the vendor can filter.
    pub year_group: Option<String>,
    /// Where the read reports what it skipped (see [`Diagnostics`]).
    pub diagnostics: Diagnostics,
}

impl StudentQuery {
    /// Everyone on roll.
    pub fn new() -> Self {
        StudentQuery::default()
    }

    /// Also list leavers.
    pub fn include_leavers(mut self, yes: bool) -> Self {
        self.include_leavers = yes;
        self
    }

    /// Only one year group.
    pub fn year_group(mut self, year_group: impl Into<String>) -> Self {
        self.year_group = Some(year_group.into());
        self
    }

    /// Reports skipped records and degraded parts to `diagnostics`.
    pub fn with_diagnostics(mut self, diagnostics: Diagnostics) -> Self {
        self.diagnostics = diagnostics;
        self
    }
}

macro_rules! ranged_query {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq)]
        #[non_exhaustive]
        pub struct $name {
            /// The dates asked for (inclusive).
            pub range: DateRange,
            /// Only this student (vendor id), else every student the credential can see.
            pub student_id: Option<String>,
            /// Where the read reports what it skipped (see [`Diagnostics`]).
            pub diagnostics: Diagnostics,
        }

        impl $name {
            /// Everything in `range`.
            pub fn new(range: DateRange) -> Self {
                $name { range, student_id: None, diagnostics: Diagnostics::default() }
            }

            /// Reports skipped records and degraded parts to `diagnostics`.
            pub fn with_diagnostics(mut self, diagnostics: Diagnostics) -> Self {
                self.diagnostics = diagnostics;
                self
            }

            /// Only one student.
            pub fn student(mut self, student_id: impl Into<String>) -> Self {
                self.student_id = Some(student_id.into());
                self
            }
        }
    };
}

/// Which attendance marks to list.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct AttendanceQuery {
    /// The dates asked for (inclusive).
    pub range: DateRange,
    /// Only this student (vendor id), else every student the credential can see.
    pub student_id: Option<String>,
    /// Only this kind of register (`None`: every kind the vendor has).
    pub slot: Option<Slot>,
    /// Where the read reports what it skipped (see [`Diagnostics`]).
    pub diagnostics: Diagnostics,
}

impl AttendanceQuery {
    /// Every mark in `range`.
    pub fn new(range: DateRange) -> Self {
        AttendanceQuery {
            range,
            student_id: None,
            slot: None,
            diagnostics: Diagnostics::default(),
        }
    }

    /// Reports skipped records and degraded parts to `diagnostics`.
    pub fn with_diagnostics(mut self, diagnostics: Diagnostics) -> Self {
        self.diagnostics = diagnostics;
        self
    }

    /// Only one student.
    pub fn student(mut self, student_id: impl Into<String>) -> Self {
        self.student_id = Some(student_id.into());
        self
    }

    /// Only one kind of register.
    pub fn slot(mut self, slot: Slot) -> Self {
        self.slot = Some(slot);
        self
    }
}

ranged_query! {
    /// Which lessons to list.
    TimetableQuery
}

ranged_query! {
    /// Which behaviour events to list.
    BehaviourQuery
}

ranged_query! {
    /// Which homework to list (by due date).
    HomeworkQuery
}

ranged_query! {
    /// Which detentions to list.
    DetentionQuery
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_validate_and_iterate() {
        let r = DateRange::parse("2024-08-30", "2024-09-02").unwrap();
        assert_eq!(r.days().count(), 4);
        assert!(r.contains(jiff::civil::date(2024, 9, 1)));
        let e = DateRange::parse("2024-09-02", "2024-08-30").unwrap_err();
        assert_eq!(e.kind(), crate::ErrorKind::InvalidInput);
        let e = DateRange::parse("2024-13-01", "2024-12-01").unwrap_err();
        assert!(e.to_string().contains("from"), "{e}");
        assert!(DateRange::parse("20240101", "2024-01-02").is_err());
        assert!(
            DateRange::parse("2024-01-01", "soon")
                .unwrap_err()
                .to_string()
                .contains("to")
        );
    }
}
