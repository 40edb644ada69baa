//! # mis-testkit
//!
//! The conformance suite: scenarios that every [`MisProvider`](mis_core::MisProvider) must pass, each comparing
//! what the provider returns with what the school behind it really holds ([`Expected`]).
//! [`conformance_suite!`] instantiates them as `#[tokio::test]`s for one provider, with the
//! capabilities the provider lacks turned into `unsupported_*` tests whose names show the
//! skip, and a test that the declared list matches `capabilities()`.
//!
//! Scenarios return `Result<(), Failure>` with a message that says what differed, so a
//! failing test reads like a diff, not like `assertion failed: left == right` on 5,000 rows.

pub mod bench;
mod degraded;
mod expected;
mod flags;
pub mod requests;
mod scenarios;

pub use degraded::{
    ALL_FAULT_KINDS, degrades_per_fault, degrades_per_fault_of, strict_fails_on_first_warning,
};
pub use expected::Expected;
pub use flags::every_capability_flag;
pub use requests::{RequestCount, count_requests, read_week, school_week, school_week_in};
pub use scenarios::*;

#[doc(hidden)]
pub use mis_core as __mis_core;
#[doc(hidden)]
pub use tokio as __tokio;

/// Runs the conformance scenarios against one provider.
///
/// ```ignore
/// mis_testkit::conformance_suite! {
///     memory,                                   // module name for the generated tests
///     setup = async { (provider, expected) },   // -> (Arc<dyn MisProvider>, Expected)
///     faulted = async { .. },                   // optional: the same over 429s + expiry
///     supported = [students, attendance, timetable, behaviour],
///     unsupported = [],                         // e.g. [timetable, behaviour] for Classe365
/// }
/// ```
/// Every entity named in `supported` runs its comparison scenario; every entity in
/// `unsupported` becomes `unsupported_<entity>`, which checks that the provider both declares
/// it unsupported and returns a typed `Unsupported` error for it.
#[macro_export]
macro_rules! conformance_suite {
    (
        $name:ident,
        setup = $setup:expr,
        faulted = $faulted:expr,
        supported = [$($yes:ident),* $(,)?],
        unsupported = [$($no:ident),* $(,)?] $(,)?
    ) => {
        $crate::conformance_suite! {
            $name,
            setup = $setup,
            supported = [$($yes),*],
            unsupported = [$($no),*],
        }

        mod faults {
            #[allow(unused_imports)]
            use super::*;

            /// The same reads through an emulator injecting 429s (with wait hints) and
            /// expiring the credential every few requests: the stack retries the 429s and
            /// refreshes once per expiry, and the school still comes back whole.
            #[$crate::__tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn reads_through_429s_and_expiry() {
                let (provider, expected) = $faulted.await;
                $crate::students_match(&*provider, &expected).await.unwrap();
                $crate::attendance_matches(&*provider, &expected).await.unwrap();
            }
        }
    };
    (
        $name:ident,
        setup = $setup:expr,
        supported = [$($yes:ident),* $(,)?],
        unsupported = [$($no:ident),* $(,)?] $(,)?
    ) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            $(
                #[$crate::__tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $yes() {
                    let (provider, expected) = $setup.await;
                    $crate::Entity::$yes.check(&*provider, &expected).await.unwrap();
                }
            )*

            $(
                $crate::__paste_unsupported!($no, $setup);
            )*

            #[$crate::__tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn capabilities_match_declaration() {
                let (provider, _) = $setup.await;
                $crate::declared_capabilities(
                    &*provider,
                    &[$($crate::Entity::$yes),*],
                    &[$($crate::Entity::$no),*],
                )
                .unwrap();
            }

            /// Every capability flag: declared ones have a passing scenario, the others
            /// are refused with a typed error.
            #[$crate::__tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn every_capability_flag() {
                let (provider, expected) = $setup.await;
                $crate::every_capability_flag(&*provider, &expected).await.unwrap();
            }

            #[$crate::__tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn errors_carry_no_secret() {
                let (provider, expected) = $setup.await;
                $crate::no_secret_in_errors(&*provider, &expected).await.unwrap();
            }
        }
    };
}

/// The partial-failure scenario against one provider whose emulator runs
/// `FaultPlan::degraded()` (one malformed student record, one sub-resource answering 404,
/// one auxiliary endpoint answering 403).
///
/// ```ignore
/// mis_testkit::degradation_suite! { setup = async { (provider, expected) } }
/// // A vendor whose reads are single list requests (no sub-resource, no enrichment read):
/// mis_testkit::degradation_suite! { setup = async { .. }, faults = [Decode] }
/// ```
#[macro_export]
macro_rules! degradation_suite {
    (setup = $setup:expr $(,)?) => {
        $crate::degradation_suite! {
            setup = $setup,
            faults = [Decode, NotFound, PermissionDenied],
        }
    };
    (setup = $setup:expr, faults = [$($kind:ident),+ $(,)?] $(,)?) => {
        mod degraded {
            #[allow(unused_imports)]
            use super::*;

            /// Every read completes; what is missing is named by a warning of that read.
            #[$crate::__tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn a_fault_costs_only_what_it_touches() {
                let (provider, expected) = $setup.await;
                $crate::degrades_per_fault_of(
                    &*provider,
                    &expected,
                    &[$($crate::__mis_core::ErrorKind::$kind),+],
                )
                .await
                .unwrap();
            }

            /// `Diagnostics::strict()` turns the first warning into the error it was.
            #[$crate::__tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn strict_turns_the_first_warning_into_an_error() {
                let (provider, _) = $setup.await;
                $crate::strict_fails_on_first_warning(&*provider)
                    .await
                    .unwrap();
            }
        }
    };
}

/// Internal: one `unsupported_<entity>` test (a separate macro so the name can be built).
#[doc(hidden)]
#[macro_export]
macro_rules! __paste_unsupported {
    (students, $setup:expr) => {
        $crate::__unsupported_test!(unsupported_students, students, $setup);
    };
    (attendance, $setup:expr) => {
        $crate::__unsupported_test!(unsupported_attendance, attendance, $setup);
    };
    (timetable, $setup:expr) => {
        $crate::__unsupported_test!(unsupported_timetable, timetable, $setup);
    };
    (behaviour, $setup:expr) => {
        $crate::__unsupported_test!(unsupported_behaviour, behaviour, $setup);
    };
    (write_attendance, $setup:expr) => {
        $crate::__unsupported_test!(unsupported_write_attendance, write_attendance, $setup);
    };
}

/// Internal: the body of an `unsupported_<entity>` test.
#[doc(hidden)]
#[macro_export]
macro_rules! __unsupported_test {
    ($test:ident, $entity:ident, $setup:expr) => {
        #[$crate::__tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $test() {
            let (provider, expected) = $setup.await;
            $crate::Entity::$entity
                .check_unsupported(&*provider, &expected)
                .await
                .unwrap();
        }
    };
}
