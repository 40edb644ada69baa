//! [`KeptIdentifiers`]: student identifiers a long-running caller keeps between runs.
//!
//! Some vendors send a student's lasting identifiers (UPN, exam candidate number) only on a
//! per-student record, one request each: at HUBmis's 12 requests a minute a school of 1,200
//! pupils spends 100 minutes of quota on them. They do not change from one night to the
//! next, so a caller that stores students (a sync store) hands the ones it has back when it
//! opens the provider, and only new students cost a request.

use std::collections::HashMap;
use std::sync::Mutex;

use crate::model::Identifier;

/// Where a provider looks for a student's lasting identifiers before asking the vendor, and
/// keeps what it read. Keys are the vendor's student ids ([`Student::id`]).
///
/// What it holds is pupil data: keep it where the students are kept.
///
/// [`Student::id`]: crate::model::Student::id
pub trait KeptIdentifiers: Send + Sync + 'static {
    /// The identifiers kept for `student_id`, if any.
    fn get(&self, student_id: &str) -> Option<Vec<Identifier>>;
    /// Keeps the identifiers just read for `student_id`.
    fn put(&self, student_id: &str, identifiers: &[Identifier]);
}

/// A [`KeptIdentifiers`] in memory, for as long as it lives.
#[derive(Debug, Default)]
pub struct MemoryIdentifiers(Mutex<HashMap<String, Vec<Identifier>>>);

impl MemoryIdentifiers {
    /// How many students it holds identifiers for.
    pub fn len(&self) -> usize {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).len()
    }

    /// Whether it holds none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl KeptIdentifiers for MemoryIdentifiers {
    fn get(&self, student_id: &str) -> Option<Vec<Identifier>> {
        let map = self.0.lock().unwrap_or_else(|p| p.into_inner());
        map.get(student_id).cloned()
    }

    fn put(&self, student_id: &str, identifiers: &[Identifier]) {
        let mut map = self.0.lock().unwrap_or_else(|p| p.into_inner());
        map.insert(student_id.to_owned(), identifiers.to_vec());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::IdentifierKind;

    #[test]
    fn keeps_what_was_put_by_student() {
        let kept = MemoryIdentifiers::default();
        assert!(kept.is_empty());
        let upn = Identifier::new(IdentifierKind::Upn, "A123456789012");
        kept.put("7", std::slice::from_ref(&upn));
        assert_eq!(kept.get("7"), Some(vec![upn]));
        assert_eq!(kept.get("8"), None);
        assert_eq!(kept.len(), 1);
    }
}
