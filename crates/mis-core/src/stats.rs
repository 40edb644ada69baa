//! Attendance statistics.
