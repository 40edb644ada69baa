//! School configuration: calendar spans (academic years, terms, holidays, INSET days,
//! closures), houses, rooms, regional settings, communication details, address mappings.

use serde::{Deserialize, Serialize};

use super::{Extra, Id, Item, PersonRef, lenient_u64, wire_enum};

/// A named span of dates: an academic year, a term, a holiday, an INSET day or a closure.
///
/// **Inferred shape**: the document's samples for these lists lost their fields, and its
/// other records name date pairs three ways (`date_start`/`date_end` on activities,
/// `date_from`/`date_to` on timetables, `start_date` on enrolments), so all three are read.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct DateSpan {
    /// Id.
    pub id: Option<Id>,
    /// e.g. `2024/2025`, `Autumn`.
    pub name: Option<String>,
    /// First day, `start_date` spelling.
    pub start_date: Option<String>,
    /// Last day, `end_date` spelling.
    pub end_date: Option<String>,
    /// First day, `date_start` spelling.
    pub date_start: Option<String>,
    /// Last day, `date_end` spelling.
    pub date_end: Option<String>,
    /// First day, `date_from` spelling.
    pub date_from: Option<String>,
    /// Last day, `date_to` spelling.
    pub date_to: Option<String>,
    /// Whether this is the active year, when the vendor says.
    pub is_current: Option<bool>,
    /// Anything else.
    #[serde(flatten)]
    pub extra: Extra,
}

impl DateSpan {
    /// The first day, whichever spelling the vendor used.
    pub fn start(&self) -> Option<&str> {
        [&self.start_date, &self.date_start, &self.date_from]
            .into_iter()
            .find_map(|d| d.as_deref())
    }

    /// The last day, whichever spelling the vendor used.
    pub fn end(&self) -> Option<&str> {
        [&self.end_date, &self.date_end, &self.date_to]
            .into_iter()
            .find_map(|d| d.as_deref())
    }
}

/// An academic year ("Academic Years: Get list").
pub type AcademicYear = DateSpan;

/// A term ("Terms: Get list for an Academic Year").
pub type Term = DateSpan;

wire_enum! {
    /// `house_type` and `filter[houseType]`.
    pub enum HouseType {
        /// An academic house.
        Academic => "academic",
        /// A boarding house.
        Boarding => "boarding",
    }
}

/// "Houses: Get House".
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct House {
    /// Id.
    pub id: Option<Id>,
    /// Address.
    pub address: Option<serde_json::Value>,
    /// e.g. `GH`.
    pub code: Option<String>,
    /// Genders it takes.
    pub genders: Vec<Item>,
    /// House parents.
    pub house_parents: Vec<PersonRef>,
    /// `academic` or `boarding`.
    pub house_type: Option<HouseType>,
    /// Capacity.
    #[serde(deserialize_with = "lenient_u64")]
    pub max_students: Option<u64>,
    /// e.g. `Green House`.
    pub name: Option<String>,
    /// Note.
    pub note: Option<String>,
    /// Phone.
    pub phone: Option<String>,
    /// Staff.
    pub staff: Vec<PersonRef>,
    /// Whether active.
    pub is_active: Option<bool>,
    /// Anything else (images).
    #[serde(flatten)]
    pub extra: Extra,
}

/// "Rooms: Get one".
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct Room {
    /// Id.
    pub id: Option<Id>,
    /// Description.
    pub description: Option<String>,
    /// Location.
    pub location: Option<Item>,
    /// Capacity.
    #[serde(deserialize_with = "lenient_u64")]
    pub room_capacity: Option<u64>,
    /// e.g. `Maths room`.
    pub room_code: Option<String>,
    /// Extension.
    pub telephone_extension: Option<String>,
    /// Timetable code.
    pub timetable_code: Option<String>,
}

/// "School regional default settings": where the school's time zone comes from.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct RegionalSettings {
    /// Country id.
    #[serde(deserialize_with = "lenient_u64")]
    pub regional_country_id: Option<u64>,
    /// e.g. `monday`.
    pub start_day_week: Option<String>,
    /// IANA zone, e.g. `Europe/London`.
    pub timezone: Option<String>,
}

/// "School Communication Details".
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct SchoolCommunicationDetails {
    /// e.g. `St Hubbins Boys Grammar`.
    pub school_name: Option<String>,
    /// SMS sender name.
    pub school_sms_name: Option<String>,
    /// Address.
    pub address: Option<String>,
    /// Country.
    pub country: Option<Item>,
    /// Phone.
    pub phone: Option<String>,
    /// E-mail.
    pub email: Option<String>,
    /// Logo.
    pub logo: Option<serde_json::Value>,
}

/// An address mapping ("Get one Address Mapping for a staff member").
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct AddressMapping {
    /// Id.
    pub id: Option<Id>,
    /// Address types (home, postal…).
    pub address_types: Vec<Item>,
    /// Sort position.
    #[serde(deserialize_with = "lenient_u64")]
    pub position: Option<u64>,
    /// The address record.
    pub address: Option<serde_json::Value>,
    /// One-line address.
    pub formatted_address: Option<String>,
}
