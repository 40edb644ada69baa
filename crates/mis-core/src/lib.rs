//! # mis-core
//!
//! One trait ([`MisProvider`]) and one normalised model over school MIS vendors, plus the
//! parts every vendor shares and none may do differently: the [`Error`] type, date-range
//! [`query`] types, the date-aware DfE attendance [`codes`] table, the attendance
//! [`stats`] engine and the lazy [`paging`] helper. This crate knows nothing about HTTP.
//!
//! ```
//! use std::sync::Arc;
//! use mis_core::MisProvider;
//! fn takes_any(_p: Arc<dyn MisProvider>) {}
//! ```
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod codes;
pub mod diagnostics;
pub mod doctor;
pub mod error;
pub mod kept;
#[cfg(feature = "test-util")]
#[cfg_attr(docsrs, doc(cfg(feature = "test-util")))]
pub mod memory;
pub mod model;
pub mod paging;
pub mod privacy;
pub mod provider;
pub mod query;
pub mod stats;
pub mod timetable;
pub mod vendor;
mod wire_enum;

pub use diagnostics::{Diagnostics, Warning};
pub use doctor::{Check, SchoolProfile, Verdict};
pub use error::{DecodeDetail, Error, ErrorKind, Result, redact};
pub use kept::{KeptIdentifiers, MemoryIdentifiers};
pub use model::*;
pub use provider::{
    AttendanceWrite, Capabilities, MisProvider, MisProviderExt, ProviderInfo, WriteReceipt,
    error_stream, unsupported_stream,
};
pub use query::{
    AttendanceQuery, BehaviourQuery, DateRange, DetentionQuery, HomeworkQuery, StudentQuery,
    TimetableQuery,
};
pub use stats::AttendanceSummary;
pub use vendor::VendorId;

/// Re-exported so providers and callers agree on one stream type.
pub use futures::stream::BoxStream;

#[doc(hidden)]
pub mod __private {
    //! Paths the exported macros use, so vendor crates need no extra dependency for them.
    pub use serde;
}
