//! `GET /attendance/{id}?from&to`.
//!
//! `data` is `{ "YYYY-MM-DD": { "<session or period name>": AttendancePeriod } }`. The inner
//! keys are school-defined — `AM`, `PM`, `Period 1`, `P3`, `Tut` (PR #34 removed the
//! hard-coded AM/PM for that reason) — and both levels arrive as `[]` when empty.

use std::collections::BTreeMap;
use std::fmt;

use serde::de::{MapAccess, Visitor};
use serde::{Deserialize, Deserializer};

use super::de::{self, Php};
use super::wire_enum;

wire_enum! {
    /// ClassCharts' own label for a mark (JS type after PR #44). Open-ended: anything else
    /// is kept, never an error.
    pub enum AttendanceStatus {
        /// Present.
        Present => "present",
        /// Late.
        Late => "late",
        /// Absent.
        Absent => "absent",
        /// Excused (authorised) absence.
        Excused => "excused",
        /// Not counted (the fixture's `#`): the register does not count towards attendance.
        Ignore => "ignore",
        /// "yes": present (older label).
        Yes => "yes",
        /// "no": absent (older label).
        No => "no",
    }
}

/// One register mark.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct AttendancePeriod {
    /// The school's mark code (`/`, `L`, `#`, `""`): a DfE code in English schools.
    #[serde(default, deserialize_with = "de::text")]
    pub code: Option<String>,
    /// ClassCharts' label.
    #[serde(default)]
    pub status: Option<AttendanceStatus>,
    /// Minutes late: an **int or a string** (`0` and `""` in one fixture; free text such as
    /// `"5 mins"` on some servers, kept in `raw` with no value).
    #[serde(default)]
    pub late_minutes: de::IntText,
    /// The lesson (class), on lesson registers.
    #[serde(default)]
    pub lesson_name: Option<String>,
    /// The room, on lesson registers.
    #[serde(default)]
    pub room_name: Option<String>,
}

/// The marks by date (the key as sent) and by session or period name.
///
/// Dates stay text here: a malformed key is reported by the converter for that day only,
/// instead of failing every other day's marks.
///
/// `P` is the mark type: [`AttendancePeriod`], or `mis_http::Lenient<AttendancePeriod>` to
/// decode each mark on its own (one unreadable mark then costs that mark, not the answer).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttendanceDays<P = AttendancePeriod>(pub BTreeMap<String, BTreeMap<String, P>>);

impl<P> AttendanceDays<P> {
    /// The same days and sessions with every mark turned into `f(mark)`.
    pub fn map<Q>(self, mut f: impl FnMut(P) -> Q) -> AttendanceDays<Q> {
        AttendanceDays(
            self.0
                .into_iter()
                .map(|(date, sessions)| {
                    let sessions = sessions.into_iter().map(|(s, mark)| (s, f(mark)));
                    (date, sessions.collect())
                })
                .collect(),
        )
    }
}

impl<P> Default for AttendanceDays<P> {
    fn default() -> Self {
        AttendanceDays(BTreeMap::new())
    }
}

impl<'de, P: Deserialize<'de>> Deserialize<'de> for AttendanceDays<P> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        // `[]` (no marks at all) and `null` are an empty map.
        let Php(Wrapped(days)) = Php::<Wrapped<P>>::deserialize(d)?;
        Ok(days)
    }
}

/// Wraps the map visitor so [`Php`] can read `[]` as empty around it.
struct Wrapped<P>(AttendanceDays<P>);

impl<P> Default for Wrapped<P> {
    fn default() -> Self {
        Wrapped(AttendanceDays::default())
    }
}

impl<'de, P: Deserialize<'de>> Deserialize<'de> for Wrapped<P> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Days<P>(std::marker::PhantomData<P>);

        impl<'de, P: Deserialize<'de>> Visitor<'de> for Days<P> {
            type Value = AttendanceDays<P>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a map of dates to sessions")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut days = BTreeMap::new();
                while let Some((date, sessions)) =
                    map.next_entry::<String, Php<BTreeMap<String, P>>>()?
                {
                    days.insert(date, sessions.0);
                }
                Ok(AttendanceDays(days))
            }
        }

        d.deserialize_map(Days(std::marker::PhantomData))
            .map(Wrapped)
    }
}

/// `meta` of `/attendance`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct AttendanceMeta {
    /// The dates in the window.
    #[serde(default, deserialize_with = "de::list")]
    pub dates: Vec<String>,
    /// Session and period names, possibly more than appear in `data` (the fixture's
    /// "Period 6").
    #[serde(default, deserialize_with = "de::list")]
    pub sessions: Vec<String>,
    /// Window start (ISO date-time).
    #[serde(default)]
    pub start_date: Option<String>,
    /// Window end.
    #[serde(default)]
    pub end_date: Option<String>,
    /// Attendance % over the window: a **string** (`"100"`), a number tolerated.
    #[serde(default, deserialize_with = "de::text")]
    pub percentage: Option<String>,
    /// Attendance % since August. The API spells the field **`percentage_singe_august`**
    /// (sic); the corrected spelling is accepted too, should it ever be fixed.
    #[serde(
        default,
        rename = "percentage_singe_august",
        alias = "percentage_since_august",
        deserialize_with = "de::text"
    )]
    pub percentage_since_august: Option<String>,
}
