//! Runs a proptest property with the settings every property test here shares.

use proptest::strategy::Strategy;
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestError, TestRunner};

/// Checks `test` on `cases` values from `strategy`, and panics with the shrunk input if it fails.
/// Nothing is persisted (no regression files), and the generator is XorShift: ChaCha, the
/// default, was most of the run time in a debug build.
pub fn check<S: Strategy>(
    cases: u32,
    strategy: S,
    test: impl Fn(S::Value) -> Result<(), TestCaseError>,
) {
    let config = Config {
        cases,
        failure_persistence: None,
        rng_algorithm: RngAlgorithm::XorShift,
        ..Config::default()
    };
    match TestRunner::new(config).run(&strategy, test) {
        Ok(()) => {}
        Err(TestError::Fail(reason, input)) => {
            panic!("property failed: {reason}\nminimal input: {input:?}")
        }
        Err(e) => panic!("property test aborted: {e}"),
    }
}
