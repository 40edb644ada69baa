//! Attendance code mapping.
