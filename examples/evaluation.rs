//! Evaluates every closed-form gradient of `linear>relu>linear>relu>linear>relu>linear>identity`
//! on a mini-batch, every dimension WIDTH (default 256), with one shared evaluator, and prints
//! the median time of REPEATS runs (default 15). With a directory argument it also writes the
//! point and the gradients there (raw little-endian f64, shapes in manifest.json), for
//! bench/numpy_gradients.py to compare against and time.
//!
//!     cargo run --release --example evaluation -- [DIR] [WIDTH] [REPEATS]

#[path = "../benches/common/mod.rs"]
mod common;

use std::io::Write;
use std::time::Instant;

use derive::numeric::evaluator::Evaluator;
use derive::numeric::matrix::Matrix;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let dir = args
        .first()
        .filter(|a| !a.is_empty())
        .map(std::path::PathBuf::from);
    let width: usize = args.get(1).map_or(256, |a| a.parse().expect("a width"));
    let repeats: usize = args.get(2).map_or(15, |a| a.parse().expect("a count"));

    let derivation = common::derive_mse(&common::relu_net(4), true);
    let sizes = common::all_dims(&derivation, width);
    let inputs = common::point(&derivation, &sizes, 1);
    let arena = &derivation.network.arena;

    let evaluate_all = || {
        let mut evaluator = Evaluator::new(arena, &sizes, &inputs);
        for g in &derivation.gradients {
            evaluator.value(g.closed_form);
        }
        evaluator
    };
    // Each run builds, fills and drops its own evaluator, and nothing outlives it: freeing
    // the evaluator's values is part of the cost, as it is for the check's many evaluations.
    let mut times = Vec::with_capacity(repeats);
    for _ in 0..repeats {
        let start = Instant::now();
        drop(std::hint::black_box(evaluate_all()));
        times.push(start.elapsed().as_secs_f64());
    }
    let mut evaluator = evaluate_all();
    let gradients: Vec<Matrix<f64>> = derivation
        .gradients
        .iter()
        .map(|g| evaluator.value(g.closed_form).to_matrix())
        .collect();
    times.sort_by(f64::total_cmp);
    println!("derive_median_seconds {:.6}", times[times.len() / 2]);
    println!("derive_min_seconds {:.6}", times[0]);

    if let Some(dir) = dir {
        std::fs::create_dir_all(&dir).expect("the output directory");
        let mut manifest = serde_json::Map::new();
        let mut write = |key: String, m: &Matrix<f64>| {
            let mut file = std::fs::File::create(dir.join(format!("{key}.bin"))).unwrap();
            let bytes: Vec<u8> = m.data.iter().flat_map(|v| v.to_le_bytes()).collect();
            file.write_all(&bytes).unwrap();
            manifest.insert(key, serde_json::json!([m.rows, m.cols]));
        };
        for (symbol, value) in &inputs {
            write(symbol.key(), value);
        }
        for (g, value) in derivation.gradients.iter().zip(&gradients) {
            write(format!("d{}", g.parameter.key()), value);
        }
        let manifest = serde_json::Value::Object(manifest).to_string();
        std::fs::write(dir.join("manifest.json"), manifest).unwrap();
    }
}
