//! The fuzz target's pipeline on its seed corpus and on every input the fuzzer once crashed
//! on (tests/fuzz_regressions/), so that a fixed crash stays fixed without the fuzzer.

#[path = "../fuzz/pipeline.rs"]
mod pipeline;

use std::path::Path;

fn run_all_in(dir: &Path) -> usize {
    let mut count = 0;
    for entry in std::fs::read_dir(dir).expect("the directory exists") {
        let path = entry.expect("a directory entry").path();
        let bytes = std::fs::read(&path).expect("the input reads");
        if let Ok(text) = std::str::from_utf8(&bytes) {
            pipeline::run(text);
        }
        count += 1;
    }
    count
}

#[test]
fn the_seed_corpus_runs_through_the_pipeline() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    assert!(run_all_in(&root.join("fuzz/corpus/pipeline")) > 0);
}

#[test]
fn former_crashes_stay_fixed() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    run_all_in(&root.join("tests/fuzz_regressions"));
}
