//! Exit codes, and the one error type the command line reports.
//!
//! Scripts branch on the exit code, so each [`mis_core::ErrorKind`] has its own, and the
//! numbers are a public contract:
//!
//! | code | meaning                                                                   |
//! |-----:|---------------------------------------------------------------------------|
//! |    0 | success (also: the reader of stdout went away, e.g. `mis … \| head`)      |
//! |    1 | anything else: writing the output failed, an internal error               |
//! |    2 | usage or invalid input: bad flag (from clap), bad date, reversed range     |
//! |    3 | unsupported: the provider cannot do this, or it is not built in yet        |
//! |    4 | unauthenticated: credentials missing, wrong or expired                     |
//! |    5 | permission denied (incl. a disabled module or an embargo)                  |
//! |    6 | not found                                                                  |
//! |    7 | rate limited, even after retries                                           |
//! |    8 | timeout or unavailable: the vendor could not be reached in time            |
//! |    9 | decode or vendor: the vendor answered with something unusable or an error |
//! |   10 | completed with warnings: every good record was printed, some were skipped  |
//! |   11 | `mis doctor` found a problem (its worst verdict; a warning exits with 10)  |
//!
//! Code 10 means the command finished, but a record was skipped or a part of the read was
//! degraded (one student's enrolment record missing, a module disabled): stderr has one
//! `mis: warning: …` line per kind with the count and the first ids. `--strict` turns the
//! first such warning into the error it was, with that error's code instead.
//!
//! Code 2 is shared with clap on purpose: a bad date is a usage error just like a bad flag,
//! and a script should not have to tell the two apart.

use std::fmt;
use std::io;
use std::process::ExitCode;

use mis_core::ErrorKind;

/// Success.
pub const OK: u8 = 0;
/// Anything not covered by a more specific code.
pub const OTHER: u8 = 1;
/// Usage error or invalid input (clap uses 2 for usage errors too).
pub const INVALID_INPUT: u8 = 2;
/// The provider cannot do this (or is not built into this `mis`).
pub const UNSUPPORTED: u8 = 3;
/// Credentials missing, wrong or expired.
pub const UNAUTHENTICATED: u8 = 4;
/// Credentials valid but not allowed.
pub const PERMISSION_DENIED: u8 = 5;
/// The record or endpoint does not exist.
pub const NOT_FOUND: u8 = 6;
/// The vendor throttled us.
pub const RATE_LIMITED: u8 = 7;
/// The vendor timed out or could not be reached.
pub const UNAVAILABLE: u8 = 8;
/// The vendor's answer could not be decoded, or was an error of its own.
pub const VENDOR: u8 = 9;

/// The command completed, but some records were skipped or degraded (see stderr).
pub const WARNINGS: u8 = 10;
/// `mis doctor`: at least one check's verdict is `problem`.
pub const DOCTOR_PROBLEM: u8 = 11;

/// The exit code for an error of `kind`.
pub fn code_for(kind: ErrorKind) -> u8 {
    match kind {
        ErrorKind::InvalidInput => INVALID_INPUT,
        ErrorKind::Unsupported => UNSUPPORTED,
        ErrorKind::Unauthenticated => UNAUTHENTICATED,
        ErrorKind::PermissionDenied => PERMISSION_DENIED,
        ErrorKind::NotFound => NOT_FOUND,
        ErrorKind::RateLimited => RATE_LIMITED,
        ErrorKind::Timeout | ErrorKind::Unavailable => UNAVAILABLE,
        ErrorKind::Decode | ErrorKind::Vendor => VENDOR,
        // `ErrorKind` is non-exhaustive: a kind added later gets the generic code until this
        // table learns about it, rather than failing to build.
        _ => OTHER,
    }
}

/// Why a command failed.
#[derive(Debug)]
pub enum CliError {
    /// The provider, or the input checked against the model, failed.
    Mis(mis_core::Error),
    /// Writing the output failed.
    Output(io::Error),
    /// `mis doctor` finished and its worst verdict is not `ok` (the findings are in the
    /// output already).
    Doctor(mis_core::Verdict),
}

impl CliError {
    /// The process exit code for this error (see the table in the module docs).
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::Mis(e) => code_for(e.kind()),
            // A closed pipe means the reader has what it wanted (`mis students | head`): that
            // is how Unix tools are used, not a failure worth a message or a non-zero code.
            CliError::Output(e) if e.kind() == io::ErrorKind::BrokenPipe => OK,
            CliError::Output(_) => OTHER,
            CliError::Doctor(mis_core::Verdict::Problem) => DOCTOR_PROBLEM,
            CliError::Doctor(_) => WARNINGS,
        }
    }

    /// Whether the error should be reported on stderr at all (a broken pipe is not).
    pub fn is_silent(&self) -> bool {
        matches!(self, CliError::Output(e) if e.kind() == io::ErrorKind::BrokenPipe)
    }

    /// Prints the error as one `mis: …` line on stderr (unless silent) and returns the exit
    /// code to end the process with.
    pub fn report(&self) -> ExitCode {
        if !self.is_silent() {
            // One line, always: a script reading stderr can rely on it. Messages from vendors
            // may hold newlines, so they are flattened here rather than trusted.
            let line = self.with_causes().replace(['\r', '\n'], " ");
            eprintln!("mis: {line}");
        }
        ExitCode::from(self.exit_code())
    }
}

impl CliError {
    /// The error and its cause chain, as aws-sdk's `DisplayErrorContext` shows it:
    /// `could not connect to the vendor: … : connection refused`. A cause whose text the line
    /// already holds is not repeated; secrets a cause might quote (a URL's query) are
    /// redacted.
    pub fn with_causes(&self) -> String {
        let mut line = self.to_string();
        let mut source = std::error::Error::source(self);
        // The first source of `Mis` is the mis_core::Error itself, already the line.
        if matches!(self, CliError::Mis(_)) {
            source = source.and_then(std::error::Error::source);
        }
        while let Some(cause) = source {
            let text = cause.to_string();
            if !text.is_empty() && !line.contains(&text) {
                line.push_str(": ");
                line.push_str(&text);
            }
            source = cause.source();
        }
        mis_core::redact(&line)
    }
}

/// `e` and its cause chain in one line, as [`CliError::with_causes`] shows it.
pub fn with_causes(e: &mis_core::Error) -> String {
    let mut line = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        let text = cause.to_string();
        if !text.is_empty() && !line.contains(&text) {
            line.push_str(": ");
            line.push_str(&text);
        }
        source = cause.source();
    }
    mis_core::redact(&line)
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CliError::Mis(e) => fmt::Display::fmt(e, f),
            CliError::Output(e) => write!(f, "cannot write the output: {e}"),
            CliError::Doctor(v) => write!(f, "doctor: the worst finding is a {v}"),
        }
    }
}

impl std::error::Error for CliError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            CliError::Mis(e) => Some(e),
            CliError::Output(e) => Some(e),
            CliError::Doctor(_) => None,
        }
    }
}

impl From<mis_core::Error> for CliError {
    fn from(e: mis_core::Error) -> Self {
        CliError::Mis(e)
    }
}

impl From<io::Error> for CliError {
    fn from(e: io::Error) -> Self {
        CliError::Output(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cause_chain_is_shown_once_and_redacted() {
        #[derive(Debug)]
        struct Root;
        impl fmt::Display for Root {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("connection refused (os error 111) for http://h/x?token=s3cr3t-abc")
            }
        }
        impl std::error::Error for Root {}
        let e = mis_core::Error::new(ErrorKind::Unavailable, "could not connect to the vendor")
            .with_vendor("go4schools")
            .with_source(Root);
        let line = CliError::Mis(e).with_causes();
        assert!(
            line.starts_with("go4schools: could not connect to the vendor: connection refused"),
            "{line}"
        );
        assert!(!line.contains("s3cr3t"), "{line}");
        assert_eq!(line.matches("connection refused").count(), 1, "{line}");
    }

    #[test]
    fn every_kind_has_its_documented_code() {
        let table = [
            (ErrorKind::InvalidInput, 2),
            (ErrorKind::Unsupported, 3),
            (ErrorKind::Unauthenticated, 4),
            (ErrorKind::PermissionDenied, 5),
            (ErrorKind::NotFound, 6),
            (ErrorKind::RateLimited, 7),
            (ErrorKind::Timeout, 8),
            (ErrorKind::Unavailable, 8),
            (ErrorKind::Decode, 9),
            (ErrorKind::Vendor, 9),
        ];
        for (kind, code) in table {
            assert_eq!(code_for(kind), code, "{kind}");
        }
    }

    #[test]
    fn broken_pipe_is_silent_success_other_io_is_one() {
        let e = CliError::from(io::Error::from(io::ErrorKind::BrokenPipe));
        assert!(e.is_silent());
        assert_eq!(e.exit_code(), OK);
        let e = CliError::from(io::Error::other("disk full"));
        assert!(!e.is_silent());
        assert_eq!(e.exit_code(), OTHER);
        assert_eq!(e.to_string(), "cannot write the output: disk full");
    }
}
