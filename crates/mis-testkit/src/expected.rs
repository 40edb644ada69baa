//! What a provider under test should return.

use mis_core::DateRange;
use mis_core::memory::MemoryData;

/// The truth a provider is compared with: the school data behind it, the date range the
/// scenarios query, and the secrets that must never appear in any output.
#[derive(Debug, Clone)]
pub struct Expected {
    /// The school as the emulator (or memory) holds it, in the normalised model.
    pub data: MemoryData,
    /// The dates the scenarios query.
    pub range: DateRange,
    /// Credentials the provider was given; no error text may contain them.
    pub secrets: Vec<String>,
    /// Compare students' UPNs (vendors without UPNs set this to `false`).
    pub compare_upn: bool,
    /// Compare date of birth.
    pub compare_date_of_birth: bool,
    /// Compare behaviour points (vendors that do not send points set this to `false`).
    pub compare_points: bool,
}

impl Expected {
    /// Expect everything in `data` over `range`, comparing every field.
    pub fn new(data: MemoryData, range: DateRange) -> Self {
        Expected {
            data,
            range,
            secrets: Vec::new(),
            compare_upn: true,
            compare_date_of_birth: true,
            compare_points: true,
        }
    }

    /// Adds a secret that must never be printed.
    pub fn secret(mut self, secret: impl Into<String>) -> Self {
        self.secrets.push(secret.into());
        self
    }
}
