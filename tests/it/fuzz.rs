//! Property-based fuzzing in CI: arbitrary bytes and structure-aware mutations of the example
//! tenants through the whole config pipeline, and arbitrary bytes through every API response
//! parser. A panic fails the test with the input that caused it. Regression inputs found by the
//! long runner (`cargo run --release --example fuzz`) go in `tests/fuzz-corpus/regressions/`.

use proptest::prelude::*;

fn corpus() -> Vec<Vec<u8>> {
    let dir = crate::common::root().join("tests/fuzz-corpus");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files.iter().map(|p| std::fs::read(p).unwrap()).collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn config_pipeline_survives_arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let dir = tempfile::tempdir().unwrap();
        loginflow::fuzz::config_pipeline(dir.path(), &bytes);
    }

    #[test]
    fn config_pipeline_survives_mutated_tenants(seed in 0usize..16, ops in proptest::collection::vec((any::<u16>(), any::<u8>()), 1..12)) {
        let corpus = corpus();
        let input = loginflow::fuzz::mutate(&corpus[seed % corpus.len()], &ops);
        let dir = tempfile::tempdir().unwrap();
        loginflow::fuzz::config_pipeline(dir.path(), &input);
    }

    #[test]
    fn response_parsers_survive_arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..1024)) {
        loginflow::fuzz::api_responses(&bytes);
    }
}

#[test]
fn regression_inputs_stay_fixed() {
    let dir = crate::common::root().join("tests/fuzz-corpus/regressions");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return;
    };
    for e in entries.flatten() {
        let bytes = std::fs::read(e.path()).unwrap();
        let tmp = tempfile::tempdir().unwrap();
        loginflow::fuzz::config_pipeline(tmp.path(), &bytes);
        loginflow::fuzz::api_responses(&bytes);
    }
}
