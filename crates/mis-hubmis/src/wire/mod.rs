//! Serde mirrors of the HUBmis JSON, lenient by design.
//!
//! Sources: the response samples of the vendor's API reference ("WCBS HUBmis (1.2.0)") where
//! it kept them, and inferred shapes (the usual REST records) where it did not (attendance
//! records and codes, the timetable calendar, pastoral events; each such type says so). Many samples lost
//! their fields in extraction (`[{ }]`); those endpoints return [`Item`], which keeps the
//! common `id` / `name` / `code` and everything else as JSON.
//!
//! Leniency rules, because the shapes are partly inferred:
//! * every field is optional or defaulted, and unknown fields are ignored (or kept in
//!   `extra` where a caller may want them);
//! * ids are integers in the document but are accepted as numbers or strings ([`Id`]);
//! * enums keep values they do not know in `Other(String)`;
//! * a list is a bare JSON array (the document's samples) or an object with a `data` array
//!   ([`List`]), since the envelope is not confirmed;
//! * sensitive data (learning support, medical, ethnicity) is wrapped in
//!   [`mis_core::Sensitive`], whose `Debug` prints `[sensitive]`.

use std::collections::BTreeMap;
use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, DeserializeOwned, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

pub mod attendance;
pub mod auth;
pub mod contact;
pub mod group;
pub mod learning_support;
pub mod pastoral;
pub mod school;
pub mod staff;
pub mod student;
pub mod timetable;

pub use attendance::{AttendanceCode, AttendanceRecord, AttendanceSession, CodeRef};
pub use auth::TokenResponse;
pub use contact::{Contact, ContactConsent};
pub use group::{
    Department, ExtraCurricularActivity, FormGroup, GroupRef, Section, Subject, SubjectSet,
    TutorGroup, YearGroup,
};
pub use learning_support::{LearningSupportFields, LearningSupportRecord, LearningSupportReview};
pub use pastoral::{EventStatus, PastoralCategory, PastoralEvent, PastoralType};
pub use school::{
    AcademicYear, AddressMapping, DateSpan, House, HouseType, RegionalSettings, Room,
    SchoolCommunicationDetails, Term,
};
pub use staff::{
    StaffContactDetails, StaffEmployment, StaffFurtherDetails, StaffMember, StaffPersonalDetails,
    StaffSchoolDetails,
};
pub use student::{
    EnrolmentStatus, Student, StudentConsent, StudentDestination, StudentDoctor, StudentEnrolment,
};
pub use timetable::{
    CalendarDay, CalendarPeriod, PersonTimetable, RoomRef, StaffRef, SubjectSetRef, Timetable,
    TimetableCalendar,
};

/// Any other JSON the vendor sends alongside the known fields.
pub type Extra = BTreeMap<String, serde_json::Value>;

/// A record id. The document says integer; a string is accepted too and kept as sent.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Id(String);

impl Id {
    /// The id as text (what the normalised model stores).
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The id as the integer the document promises, if it is one.
    pub fn as_u64(&self) -> Option<u64> {
        self.0.parse().ok()
    }
}

impl From<u64> for Id {
    fn from(id: u64) -> Self {
        Id(id.to_string())
    }
}

impl From<&str> for Id {
    fn from(id: &str) -> Self {
        Id(id.to_owned())
    }
}

impl fmt::Display for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for Id {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.as_u64() {
            Some(n) => s.serialize_u64(n),
            None => s.serialize_str(&self.0),
        }
    }
}

impl<'de> Deserialize<'de> for Id {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct IdVisitor;
        impl Visitor<'_> for IdVisitor {
            type Value = Id;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an integer or string id")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Id, E> {
                Ok(Id(v.to_string()))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Id, E> {
                Ok(Id(v.to_string()))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Id, E> {
                if v.fract() == 0.0 && v.is_finite() {
                    Ok(Id(format!("{v:.0}")))
                } else {
                    Err(E::custom("an id must be a whole number"))
                }
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Id, E> {
                Ok(Id(v.trim().to_owned()))
            }
        }
        d.deserialize_any(IdVisitor)
    }
}

/// A record whose fields the vendor document does not show (its samples lost them), or a
/// reference to another record (`"gender": {…}`, `"form": {…}`): the usual `id`, `name`,
/// `code`, and everything else in `extra`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Item {
    /// The record's id.
    #[serde(default)]
    pub id: Option<Id>,
    /// Its name, when it has one.
    #[serde(default)]
    pub name: Option<String>,
    /// Its code, when it has one.
    #[serde(default)]
    pub code: Option<String>,
    /// Every other field, as sent.
    #[serde(flatten)]
    pub extra: Extra,
}

impl Item {
    /// A string field of `extra` (e.g. `description`, `first_name`).
    pub fn text(&self, key: &str) -> Option<&str> {
        self.extra.get(key).and_then(serde_json::Value::as_str)
    }

    /// The name, else the code, else a `description` or `title` field.
    pub fn label(&self) -> Option<&str> {
        self.name
            .as_deref()
            .or(self.code.as_deref())
            .or_else(|| self.text("description"))
            .or_else(|| self.text("title"))
            .filter(|s| !s.trim().is_empty())
    }
}

/// A person as a nested reference (`staff`, `created_by`, `students`): id and names.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PersonRef {
    /// The person's id.
    #[serde(default)]
    pub id: Option<Id>,
    /// Title, e.g. `{"name": "Mr"}` or `"Mr"`.
    #[serde(default)]
    pub title: Option<TextOrItem>,
    /// First name.
    #[serde(default)]
    pub first_name: Option<String>,
    /// Preferred name.
    #[serde(default)]
    pub preferred_name: Option<String>,
    /// Last name.
    #[serde(default)]
    pub last_name: Option<String>,
    /// A ready-made display name, when the vendor sends one.
    #[serde(default)]
    pub name: Option<String>,
}

impl PersonRef {
    /// `Title First Last`, or whatever part of it is known; `None` when nothing is.
    pub fn display_name(&self) -> Option<String> {
        if let Some(name) = self.name.as_deref().filter(|n| !n.trim().is_empty()) {
            return Some(name.trim().to_owned());
        }
        let parts: Vec<&str> = [
            self.title.as_ref().and_then(TextOrItem::text),
            self.first_name.as_deref(),
            self.last_name.as_deref(),
        ]
        .into_iter()
        .flatten()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
        (!parts.is_empty()).then(|| parts.join(" "))
    }
}

/// A value sent either as plain text or as a reference object (`"Mr"` or `{"name": "Mr"}`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum TextOrItem {
    /// Plain text.
    Text(String),
    /// A reference object.
    Item(Item),
}

impl TextOrItem {
    /// The text, or the object's label.
    pub fn text(&self) -> Option<&str> {
        match self {
            TextOrItem::Text(t) => Some(t.as_str()),
            TextOrItem::Item(i) => i.label(),
        }
    }
}

/// A list response: a bare JSON array (what the vendor document's samples show) or an object
/// holding the array under `data` (the JSON:API envelope that `page[number]` hints at). The
/// envelope is not confirmed by the API reference, so both are read.
#[derive(Debug, Clone, PartialEq)]
pub struct List<T>(pub Vec<T>);

impl<T> List<T> {
    /// The items.
    pub fn into_vec(self) -> Vec<T> {
        self.0
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for List<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct ListVisitor<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for ListVisitor<T> {
            type Value = List<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON array, or an object with a `data` array")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<List<T>, A::Error> {
                let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1024));
                while let Some(item) = seq.next_element()? {
                    items.push(item);
                }
                Ok(List(items))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<List<T>, A::Error> {
                let mut data = None;
                while let Some(key) = map.next_key::<String>()? {
                    if key == "data" && data.is_none() {
                        data = Some(map.next_value::<Vec<T>>()?);
                    } else {
                        map.next_value::<IgnoredAny>()?;
                    }
                }
                data.map(List)
                    .ok_or_else(|| de::Error::custom("an object list must hold a `data` array"))
            }
            fn visit_unit<E: de::Error>(self) -> Result<List<T>, E> {
                // `null` for "nothing": an empty list, not a failure.
                Ok(List(Vec::new()))
            }
        }
        d.deserialize_any(ListVisitor(PhantomData))
    }
}

/// One record sent either as an object or as a one-element array.
///
/// "Pastoral: Get single Event" shows its sample as an array where every other "get one"
/// operation shows an object; both are read, and an empty array is an error.
#[derive(Debug, Clone, PartialEq)]
pub struct OneOrFirst<T>(pub T);

impl<'de, T: DeserializeOwned> Deserialize<'de> for OneOrFirst<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct OneVisitor<T>(PhantomData<T>);
        impl<'de, T: DeserializeOwned> Visitor<'de> for OneVisitor<T> {
            type Value = OneOrFirst<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object, or an array holding one")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<OneOrFirst<T>, A::Error> {
                T::deserialize(de::value::MapAccessDeserializer::new(map)).map(OneOrFirst)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<OneOrFirst<T>, A::Error> {
                let first = seq
                    .next_element::<T>()?
                    .ok_or_else(|| de::Error::custom("expected one record, got an empty array"))?;
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(OneOrFirst(first))
            }
        }
        d.deserialize_any(OneVisitor(PhantomData))
    }
}

/// The shared lenient string enum (keeps unknown values as sent).
pub(crate) use mis_core::wire_enum;

/// Deserialises an optional number sent as a number or a numeric string (`"900"`).
pub(crate) fn lenient_u64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    struct V;
    impl Visitor<'_> for V {
        type Value = Option<u64>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a non-negative number")
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
            Ok(Some(v))
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
            Ok(u64::try_from(v).ok())
        }
        fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
            Ok((v.is_finite() && v >= 0.0).then_some(v as u64))
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            v.trim()
                .parse()
                .map(Some)
                .map_err(|_| E::custom("expected a number"))
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
    }
    d.deserialize_any(V)
}

/// Deserialises optional text sent as a string or a number (`"dfe_year": "1"` or `1`).
pub(crate) fn lenient_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match Option::<serde_json::Value>::deserialize(d)? {
        Some(serde_json::Value::String(s)) => Some(s),
        Some(serde_json::Value::Number(n)) => Some(n.to_string()),
        Some(serde_json::Value::Bool(b)) => Some(b.to_string()),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_numbers_or_strings() {
        let ids: Vec<Id> = serde_json::from_str(r#"[56, "57", 58.0, -1]"#).unwrap();
        assert_eq!(
            ids.iter().map(Id::as_str).collect::<Vec<_>>(),
            ["56", "57", "58", "-1"]
        );
        assert_eq!(ids[0].as_u64(), Some(56));
        assert!(serde_json::from_str::<Id>("1.5").is_err());
        assert_eq!(serde_json::to_string(&Id::from(7)).unwrap(), "7");
    }

    #[test]
    fn lists_are_bare_or_enveloped() {
        let bare: List<Item> = serde_json::from_str(r#"[{"id": 1, "name": "A"}]"#).unwrap();
        let wrapped: List<Item> =
            serde_json::from_str(r#"{"meta": {"x": 1}, "data": [{"id": 1, "name": "A"}]}"#)
                .unwrap();
        assert_eq!(bare, wrapped);
        let null: List<Item> = serde_json::from_str("null").unwrap();
        assert!(null.0.is_empty());
        assert!(serde_json::from_str::<List<Item>>(r#"{"items": []}"#).is_err());
    }

    #[test]
    fn one_record_as_object_or_array() {
        let a: OneOrFirst<Item> = serde_json::from_str(r#"{"id": 3}"#).unwrap();
        let b: OneOrFirst<Item> = serde_json::from_str(r#"[{"id": 3}, {"id": 4}]"#).unwrap();
        assert_eq!(a, b);
        assert!(serde_json::from_str::<OneOrFirst<Item>>("[]").is_err());
    }

    #[test]
    fn items_keep_what_they_do_not_know() {
        let i: Item =
            serde_json::from_str(r#"{"id": 2, "description": "Mild", "position": 1}"#).unwrap();
        assert_eq!(i.label(), Some("Mild"));
        assert_eq!(i.extra["position"], 1);
        let p: PersonRef = serde_json::from_str(
            r#"{"id": 1, "title": {"name": "Mr"}, "first_name": "Ben", "last_name": "K"}"#,
        )
        .unwrap();
        assert_eq!(p.display_name().as_deref(), Some("Mr Ben K"));
        let p: PersonRef = serde_json::from_str(r#"{"title": "Dr", "last_name": "K"}"#).unwrap();
        assert_eq!(p.display_name().as_deref(), Some("Dr K"));
        assert_eq!(PersonRef::default().display_name(), None);
    }

    #[test]
    fn lenient_numbers() {
        #[derive(Deserialize)]
        struct T {
            #[serde(default, deserialize_with = "lenient_u64")]
            n: Option<u64>,
        }
        for (json, want) in [
            (r#"{"n": 900}"#, Some(900)),
            (r#"{"n": "900"}"#, Some(900)),
            (r#"{"n": null}"#, None),
            (r#"{}"#, None),
        ] {
            assert_eq!(serde_json::from_str::<T>(json).unwrap().n, want, "{json}");
        }
        assert!(serde_json::from_str::<T>(r#"{"n": "soon"}"#).is_err());
    }
}
