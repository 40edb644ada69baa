//! [`wire_enum!`](crate::wire_enum): string enums for vendor wire types that keep unknown
//! values, shared by every vendor crate (one definition instead of one per vendor).

/// Declares a string enumeration for a vendor's wire format that keeps unknown values
/// exactly as sent (`Other(String)`), so one new value never fails a whole response.
///
/// Known values match case-insensitively after trimming; serialising writes the documented
/// spelling, or the unknown value as it came.
///
/// ```
/// mis_core::wire_enum! {
///     /// A day's type.
///     pub enum DayType {
///         /// Open.
///         Open => "Open",
///         /// Closed.
///         Closed => "Closed",
///     }
/// }
/// assert_eq!(DayType::parse("open"), DayType::Open);
/// assert_eq!(DayType::parse("Training").as_str(), "Training");
/// ```
#[macro_export]
macro_rules! wire_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident => $text:literal ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )+
            /// A value this version does not know, kept exactly as sent.
            Other(String),
        }

        impl $name {
            /// The documented spelling, or the unknown value as sent.
            pub fn as_str(&self) -> &str {
                match self {
                    $( $name::$variant => $text, )+
                    $name::Other(s) => s.as_str(),
                }
            }

            /// Parses leniently: known values trimmed and case-insensitively, anything else
            /// kept as sent.
            pub fn parse(value: &str) -> Self {
                let v = value.trim();
                $( if v.eq_ignore_ascii_case($text) { return $name::$variant; } )+
                $name::Other(value.to_owned())
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl $crate::__private::serde::Serialize for $name {
            fn serialize<S: $crate::__private::serde::Serializer>(
                &self,
                s: S,
            ) -> ::std::result::Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> $crate::__private::serde::Deserialize<'de> for $name {
            fn deserialize<D: $crate::__private::serde::Deserializer<'de>>(
                d: D,
            ) -> ::std::result::Result<Self, D::Error> {
                let s = <::std::borrow::Cow<'de, str> as $crate::__private::serde::Deserialize>::deserialize(d)?;
                Ok($name::parse(&s))
            }
        }
    };
}
