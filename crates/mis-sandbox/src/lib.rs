//! mis-sandbox (work in progress).
