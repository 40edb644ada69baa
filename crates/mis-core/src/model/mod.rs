//! The normalised model: one shape per entity whatever the vendor.
//!
//! Field names are a public contract (they are also the JSON the `mis` CLI prints), so every
//! type derives `Serialize`/`Deserialize` with the field names shown here; renaming one is a
//! breaking change.
//! Enums that carry vendor values are `#[non_exhaustive]` and keep what they do not know in
//! `Other(String)` rather than failing a whole response.

mod academic;
mod attendance;
mod behaviour;
mod datetime;
mod group;
mod homework;
mod lesson;
mod sensitive;
mod staff;
mod student;

pub use academic::{AcademicYear, Term};
pub use attendance::{AttendanceCategory, AttendanceCode, AttendanceMark, Session, Slot};
pub use behaviour::{BehaviourEvent, Polarity};
pub use datetime::DateTime;
pub use group::{Group, GroupKind};
pub use homework::{Detention, DetentionStatus, Homework};
pub use lesson::{Lesson, stable_lesson_id};
pub use sensitive::Sensitive;
pub use staff::Staff;
pub use student::{EnrolmentStatus, Gender, Identifier, IdentifierKind, Student};

/// Declares a string-valued enum whose unknown values are kept in `Other(String)`.
///
/// Serialises as the plain string; parsing is case-insensitive and trims whitespace, so
/// `"Female "` and `"female"` are the same value, and anything else lands in `Other` with the
/// vendor's value lower-cased.
macro_rules! open_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident => $text:literal $(| $alias:literal)* ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )+
            /// A value this version does not know, kept as sent (lower-cased).
            Other(String),
        }

        impl $name {
            /// The value as a string (what it serialises to).
            pub fn as_str(&self) -> &str {
                match self {
                    $( $name::$variant => $text, )+
                    $name::Other(s) => s.as_str(),
                }
            }

            /// Parses leniently: case-insensitive, trimmed; unknown values become `Other`.
            pub fn parse(value: &str) -> Self {
                let v = value.trim().to_lowercase();
                match v.as_str() {
                    $( $text $(| $alias)* => $name::$variant, )+
                    _ => $name::Other(v),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = <std::borrow::Cow<'de, str> as serde::Deserialize>::deserialize(d)?;
                Ok($name::parse(&s))
            }
        }
    };
}
pub(crate) use open_enum;
