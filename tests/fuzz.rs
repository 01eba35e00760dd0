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
        pipeline::run_bytes(&bytes);
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

/// Inputs of the size of a spec on standard input, at the limit and just past it: each ends
/// at the read, the count of layers or the parse.
#[test]
fn stdin_sized_inputs_run_through_the_pipeline() {
    use derive::spec::input::MAX_SPEC_BYTES;
    let limit = MAX_SPEC_BYTES as usize;
    for unit in [
        "relu>",
        "linear>tanh>",
        "(",
        ")",
        " ",
        "x",
        "elu(1,",
        "1,",
        "\u{FF52}",
        ">",
    ] {
        for len in [limit, limit + 1] {
            // Cut at the length in bytes, even inside a character: then it is not UTF-8.
            let bytes = unit.as_bytes().repeat(len / unit.len() + 1);
            pipeline::run_bytes(&bytes[..len]);
        }
    }
    // A long list of arguments is not a layer count: it goes to the parser whole.
    let arguments = format!("elu({}1)", "1,".repeat((limit - 6) / 2));
    pipeline::run_bytes(arguments.as_bytes());
}
