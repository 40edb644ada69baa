//! mis-testkit (work in progress).
