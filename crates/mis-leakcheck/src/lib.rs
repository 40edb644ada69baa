//! Test-only crate: the tests in `tests/` check, for every vendor crate, that no secret
//! reaches a log line, an error or a `Debug` output (`tests/leaks.rs`), and that the
//! vendors' response decoders never panic on arbitrary input (`tests/decoders.rs`).
