//! Query parameters as HUBmis takes them: `filter[name]`, `filter[dateTime][from]`,
//! `page[number]`, `page[size]` (vendor document, every list operation).

use axum::response::Response;
use jiff::Timestamp;
use jiff::civil::{Date, DateTime};
use jiff::tz::TimeZone;

use super::errors;
use super::{DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE};

/// The decoded query string, in order (a repeated key: the last one wins, as in PHP).
#[derive(Debug, Clone, Default)]
pub struct Params(pub Vec<(String, String)>);

/// One page of a list: `page[number]` (from 1) and `page[size]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    /// 1-based page number.
    pub number: usize,
    /// Records per page.
    pub size: usize,
}

impl Page {
    /// The records of `items` on this page.
    pub fn slice<'a, T>(&self, items: &'a [T]) -> &'a [T] {
        let start = (self.number - 1).saturating_mul(self.size).min(items.len());
        let end = start.saturating_add(self.size).min(items.len());
        &items[start..end]
    }
}

/// One end of a `filter[dateTime]` range: a civil date (the whole day) or an instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bound {
    /// `YYYY-MM-DD`: the whole day counts.
    Date(Date),
    /// A date-time: with an offset / `Z`, or a wall-clock time at the school.
    At(Timestamp),
}

impl Bound {
    /// The civil date of the bound at the school.
    pub fn date(self, tz: &TimeZone) -> Date {
        match self {
            Bound::Date(d) => d,
            Bound::At(t) => t.to_zoned_datetime(tz.clone()).date(),
        }
    }

    /// Whether a record on `date` (at `at`, when it has a time) is on or after this bound.
    pub fn admits_from(self, date: Date, at: Option<Timestamp>, tz: &TimeZone) -> bool {
        match (self, at) {
            (Bound::At(t), Some(at)) => at >= t,
            _ => date >= self.date(tz),
        }
    }

    /// Whether a record on `date` (at `at`) is on or before this bound.
    pub fn admits_to(self, date: Date, at: Option<Timestamp>, tz: &TimeZone) -> bool {
        match (self, at) {
            (Bound::At(t), Some(at)) => at <= t,
            _ => date <= self.date(tz),
        }
    }
}

/// Laravel writes `filter[dateTime][from]` as `filter.dateTime.from` in validation errors.
fn field_name(key: &str) -> String {
    key.replace("][", ".").replace('[', ".").replace(']', "")
}

impl Params {
    /// The value of `key`, if sent.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// Refuses any `filter[name]` whose name is not in `allowed` (400, spatie's wording).
    pub fn allow_filters(&self, allowed: &[&str]) -> Result<(), Response> {
        let mut unknown: Vec<String> = Vec::new();
        for (key, _) in &self.0 {
            let Some(rest) = key.strip_prefix("filter[") else {
                continue;
            };
            let name = rest.split(']').next().unwrap_or_default();
            if !allowed.contains(&name) && !unknown.iter().any(|u| u == name) {
                unknown.push(name.to_string());
            }
        }
        if unknown.is_empty() {
            Ok(())
        } else {
            Err(errors::filter_not_allowed(&unknown, allowed))
        }
    }

    /// `page[number]` and `page[size]`: defaults 1 and `default_size`; both positive integers,
    /// the size at most [`MAX_PAGE_SIZE`].
    pub fn page(&self, default_size: Option<usize>) -> Result<Page, Response> {
        let number = self.positive("page[number]")?.unwrap_or(1);
        let size = self
            .positive("page[size]")?
            .unwrap_or(default_size.unwrap_or(DEFAULT_PAGE_SIZE).min(MAX_PAGE_SIZE));
        if size > MAX_PAGE_SIZE {
            return Err(errors::validation(
                "page.size",
                &format!("The page.size field must not be greater than {MAX_PAGE_SIZE}."),
            ));
        }
        Ok(Page { number, size })
    }

    /// `page[number]` and `page[size]` as a server that clamps the size does: any positive
    /// size is accepted and silently cut to `cap` (the spatie JSON:API paginator's
    /// `max_results`), so a full page may hold fewer records than were asked for.
    pub fn page_capped(&self, default_size: Option<usize>, cap: usize) -> Result<Page, Response> {
        let number = self.positive("page[number]")?.unwrap_or(1);
        let size = self
            .positive("page[size]")?
            .unwrap_or(default_size.unwrap_or(DEFAULT_PAGE_SIZE));
        Ok(Page {
            number,
            size: size.min(cap),
        })
    }

    fn positive(&self, key: &str) -> Result<Option<usize>, Response> {
        match self.get(key) {
            None => Ok(None),
            Some(v) => match v.trim().parse::<usize>() {
                Ok(n) if n >= 1 => Ok(Some(n)),
                _ => Err(errors::validation(
                    &field_name(key),
                    &format!("The {} field must be at least 1.", field_name(key)),
                )),
            },
        }
    }

    /// An integer filter (an id).
    pub fn int(&self, key: &str) -> Result<Option<u64>, Response> {
        match self.get(key) {
            None => Ok(None),
            Some(v) => v.trim().parse::<u64>().map(Some).map_err(|_| {
                errors::validation(
                    &field_name(key),
                    &format!("The {} field must be an integer.", field_name(key)),
                )
            }),
        }
    }

    /// A boolean filter: `true`/`false`/`1`/`0` (Laravel's `boolean` rule).
    pub fn bool(&self, key: &str) -> Result<Option<bool>, Response> {
        match self.get(key) {
            None => Ok(None),
            Some(v) => match v.trim().to_ascii_lowercase().as_str() {
                "true" | "1" => Ok(Some(true)),
                "false" | "0" => Ok(Some(false)),
                _ => Err(errors::validation(
                    &field_name(key),
                    &format!("The {} field must be true or false.", field_name(key)),
                )),
            },
        }
    }

    /// A value that must be one of `allowed`.
    pub fn one_of(&self, key: &str, allowed: &[&str]) -> Result<Option<String>, Response> {
        match self.get(key) {
            None => Ok(None),
            Some(v) if allowed.contains(&v) => Ok(Some(v.to_string())),
            Some(_) => Err(errors::validation(
                &field_name(key),
                &format!("The selected {} is invalid.", field_name(key)),
            )),
        }
    }

    /// A `YYYY-MM-DD` date.
    pub fn date(&self, key: &str) -> Result<Option<Date>, Response> {
        match self.get(key) {
            None => Ok(None),
            Some(v) => v.trim().parse::<Date>().map(Some).map_err(|_| {
                errors::validation(
                    &field_name(key),
                    &format!("The {} field must be a valid date.", field_name(key)),
                )
            }),
        }
    }

    /// A date or date-time bound: `YYYY-MM-DD`, RFC 3339 (`…Z`, `…+01:00`), or a wall-clock
    /// `YYYY-MM-DD[T ]HH:MM[:SS]` at the school (`tz`).
    pub fn bound(&self, key: &str, tz: &TimeZone) -> Result<Option<Bound>, Response> {
        let Some(v) = self.get(key).map(str::trim) else {
            return Ok(None);
        };
        // Only a bare `YYYY-MM-DD` is a whole day (jiff would also read the date out of a
        // date-time).
        if v.len() == 10 {
            if let Ok(d) = v.parse::<Date>() {
                return Ok(Some(Bound::Date(d)));
            }
        }
        if let Ok(t) = v.parse::<Timestamp>() {
            return Ok(Some(Bound::At(t)));
        }
        if let Ok(dt) = v.replacen(' ', "T", 1).parse::<DateTime>() {
            if let Ok(z) = tz.to_ambiguous_zoned_datetime(dt).compatible() {
                return Ok(Some(Bound::At(z.timestamp())));
            }
        }
        Err(errors::validation(
            &field_name(key),
            &format!("The {} field must be a valid date.", field_name(key)),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn laravel_field_names() {
        assert_eq!(field_name("filter[dateTime][from]"), "filter.dateTime.from");
        assert_eq!(field_name("page[size]"), "page.size");
    }

    #[test]
    fn pages_slice_and_end_short() {
        let items: Vec<u32> = (0..7).collect();
        let p = |number| Page { number, size: 3 };
        assert_eq!(p(1).slice(&items), &[0, 1, 2]);
        assert_eq!(p(3).slice(&items), &[6]);
        assert!(p(4).slice(&items).is_empty());
        assert!(p(usize::MAX).slice(&items).is_empty());
    }

    #[test]
    fn bounds_parse_every_documented_form() {
        let tz = TimeZone::get("Europe/London").unwrap();
        let params = |v: &str| Params(vec![("k".into(), v.into())]);
        assert_eq!(
            params("2024-09-02").bound("k", &tz).unwrap(),
            Some(Bound::Date(jiff::civil::date(2024, 9, 2)))
        );
        let utc = params("2024-09-02T08:00:00Z").bound("k", &tz).unwrap();
        let local = params("2024-09-02 09:00:00").bound("k", &tz).unwrap();
        assert_eq!(utc, local, "09:00 BST is 08:00 UTC");
        assert!(params("yesterday").bound("k", &tz).is_err());
    }
}
