//! The envelope every ClassCharts answer comes in.
//!
//! ```json
//! { "success": 1, "data": <object|array>, "meta": <object|[]> }
//! { "success": 0, "error": "You are not logged in. [1]", "expired": 0, "meta": [] }
//! ```
//!
//! Errors are recognised in ONE place, the classifier ([`crate::error`]), before any typed
//! decode: by the time an [`Envelope`] is decoded, `success` was `1`.

use std::fmt;

use mis_http::SecretString;
use serde::de::{DeserializeOwned, IgnoredAny};
use serde::{Deserialize, Deserializer};

use super::de;

/// A successful answer: `data` and `meta`, with `meta` read as `M::default()` when the
/// vendor sent `[]` (PHP's empty array) or nothing.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(bound(deserialize = "D: Deserialize<'de>, M: Deserialize<'de> + Default"))]
pub struct Envelope<D, M = NoMeta> {
    /// `1` on success (an integer, not a boolean). Kept for completeness: errors never get
    /// this far.
    #[serde(default, deserialize_with = "de::int")]
    pub success: Option<i64>,
    /// The payload; `None` when the vendor sent none.
    #[serde(default = "none")]
    pub data: Option<D>,
    /// The metadata.
    #[serde(default, deserialize_with = "de::php_object")]
    pub meta: M,
}

fn none<T>() -> Option<T> {
    None
}

impl<D, M> Envelope<D, M>
where
    D: DeserializeOwned,
    M: DeserializeOwned + Default,
{
    /// Decodes an answer whose records are read leniently (`mis_http::Lenient`: one
    /// unreadable record costs that record), trying its plain form first: `P` is `D` with
    /// each `Lenient<X>` read as `X`, and `from_plain` turns it into `D`. A clean answer
    /// costs what a typed decode costs; only one that fails is decoded again record by
    /// record ([`mis_http::decode_lenient`]).
    ///
    /// Errors: `Decode` when the answer is neither (its JSON path named); retryable when the
    /// body was cut short or is not JSON.
    pub fn decode_plain_first<P: DeserializeOwned>(
        operation: &str,
        body: &[u8],
        from_plain: impl FnOnce(P) -> D,
    ) -> mis_core::Result<Self> {
        mis_http::decode_lenient(crate::VENDOR, operation, body, |plain: Envelope<P, M>| {
            Envelope {
                success: plain.success,
                data: plain.data.map(from_plain),
                meta: plain.meta,
            }
        })
    }
}

impl<T, M> Envelope<Vec<T>, M>
where
    T: mis_http::PlainFirst,
    M: DeserializeOwned + Default,
{
    /// [`Envelope::decode_plain_first`] for a list answer whose records are read as `T`
    /// (`mis_http::Lenient<X>`): the page plainly first, every record as `X`.
    pub fn decode_list(operation: &str, body: &[u8]) -> mis_core::Result<Self> {
        Self::decode_plain_first(operation, body, T::from_plain_list)
    }
}

/// What a typed endpoint method returns: the payload and its metadata.
#[derive(Debug, Clone, PartialEq)]
pub struct Reply<D, M = NoMeta> {
    /// The payload (`data`).
    pub data: D,
    /// The metadata (`meta`; its default when the vendor sent `[]`).
    pub meta: M,
}

/// `meta` of endpoints that send `[]` (announcements, badges, classes, pupils…): nothing.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NoMeta;

impl<'de> Deserialize<'de> for NoMeta {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        IgnoredAny::deserialize(d).map(|_| NoMeta)
    }
}

/// The error body: `success: 0`, the vendor's message and whether the session expired.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct ErrorBody {
    /// `0` on errors, `1` on success.
    #[serde(default, deserialize_with = "de::int")]
    pub success: Option<i64>,
    /// The vendor's message, e.g. `You are not logged in. [1]`.
    #[serde(default, deserialize_with = "de::text")]
    pub error: Option<String>,
    /// `1` when the session is unknown, idle too long or expired.
    #[serde(default, deserialize_with = "de::yes_no")]
    pub expired: bool,
}

/// A session id from `meta.session_id`: a secret, never printed.
#[derive(Clone)]
pub struct SessionId(pub SecretString);

impl fmt::Debug for SessionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SessionId([REDACTED])")
    }
}

impl PartialEq for SessionId {
    fn eq(&self, other: &Self) -> bool {
        use mis_http::ExposeSecret;
        self.0.expose_secret() == other.0.expose_secret()
    }
}

fn session_id<'de, D: Deserializer<'de>>(d: D) -> Result<Option<SessionId>, D::Error> {
    Ok(de::text(d)?
        .filter(|s| !s.trim().is_empty())
        .map(|s| SessionId(SecretString::from(s))))
}

/// `meta` of `POST /login` (the JSON login): the session id.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct LoginMeta {
    /// The new session id.
    #[serde(default, deserialize_with = "session_id")]
    pub session_id: Option<SessionId>,
}

/// `meta` of `POST /ping`: the API version and, when `include_data` was not `false`, the
/// rotated session id.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct PingMeta {
    /// The API version, e.g. `27.16.2`.
    #[serde(default, deserialize_with = "de::text")]
    pub version: Option<String>,
    /// The new session id.
    #[serde(default, deserialize_with = "session_id")]
    pub session_id: Option<SessionId>,
}

/// `data` of `POST /ping`: `{"user": …}` (a student, or the parent's account).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct PingData<U> {
    /// The logged-in user.
    pub user: Option<U>,
}

#[cfg(test)]
mod tests {
    use mis_http::Lenient;

    use super::*;
    use crate::wire::{AttendanceDays, AttendanceMeta, AttendancePeriod};

    type Marks = Envelope<AttendanceDays<Lenient<AttendancePeriod>>, AttendanceMeta>;

    fn marks(body: &str) -> Vec<(String, String, bool)> {
        let e = Marks::decode_plain_first("attendance", body.as_bytes(), |plain| {
            AttendanceDays::map(plain, Lenient::Ok)
        })
        .unwrap();
        let days = e.data.unwrap_or_default().0;
        days.into_iter()
            .flat_map(|(date, sessions)| {
                sessions
                    .into_iter()
                    .map(move |(s, m)| (date.clone(), s, matches!(m, Lenient::Ok(_))))
            })
            .collect()
    }

    #[test]
    fn a_map_of_marks_is_read_plainly_first_and_mark_by_mark_when_that_fails() {
        let clean = r#"{"success": 1, "data": {"2024-09-09": {
            "AM": {"code": "/", "status": "present"}, "PM": {"code": "\\", "status": "present"}}},
            "meta": []}"#;
        assert_eq!(
            marks(clean),
            [
                ("2024-09-09".into(), "AM".into(), true),
                ("2024-09-09".into(), "PM".into(), true)
            ]
        );
        // One mark of the wrong shape costs that mark.
        let bad = r#"{"success": 1, "data": {"2024-09-09": {
            "AM": {"code": "/", "status": "present"}, "PM": {"code": "L", "late_minutes": [5]}}},
            "meta": []}"#;
        assert_eq!(
            marks(bad),
            [
                ("2024-09-09".into(), "AM".into(), true),
                ("2024-09-09".into(), "PM".into(), false)
            ]
        );
    }
}
