//! Specs and points shared by the benchmarks and the evaluation example.

#![allow(dead_code)]

use derive::derivation::{Derivation, Expansion};
use derive::numeric::evaluator::Inputs;
use derive::numeric::matrix::Matrix;
use derive::numeric::sizes::Sizes;
use derive::{Loss, LossKind, derive_spec, parse_dims, parse_spec};

/// A tanh chain of exactly `layers` layers (even, at least 2): `linear>tanh>` repeated, ending
/// in `linear>identity`.
pub fn tanh_chain(layers: usize) -> String {
    assert!(layers >= 2 && layers.is_multiple_of(2));
    format!("{}linear>identity", "linear>tanh>".repeat(layers / 2 - 1))
}

/// `linear>relu>` repeated `linears - 1` times, ending in `linear>identity`.
pub fn relu_net(linears: usize) -> String {
    format!("{}linear>identity", "linear>relu>".repeat(linears - 1))
}

/// Every dimension of the network set to `width` (n, the hidden widths, K and, for a batch, N).
pub fn all_dims(derivation: &Derivation, width: usize) -> Sizes {
    let names: Vec<String> = derive::default_sizes(&derivation.network)
        .entries()
        .iter()
        .map(|(name, _)| format!("{name}={width}"))
        .collect();
    parse_dims(&names.join(","), &derivation.network).expect("the network's own dimensions")
}

/// Parses and derives with mse, in the form the command line would choose.
pub fn derive_mse(spec_text: &str, batch: bool) -> Derivation {
    let spec = parse_spec(spec_text).expect("a valid spec");
    let expansion = Expansion::default_for(spec.layers.len());
    derive_spec(&spec, Loss::new(LossKind::Mse), expansion, batch).expect("a derivation")
}

/// A reproducible point with every entry uniform in [−1, 1) and weights scaled by √(3/fan-in),
/// drawn with splitmix64 so that the NumPy side can be given the very same numbers.
pub fn point(derivation: &Derivation, sizes: &Sizes, seed: u64) -> Inputs<f64> {
    let mut state = seed;
    let mut next = move || {
        state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^= z >> 31;
        (z >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0
    };
    let network = &derivation.network;
    let mut inputs = Inputs::new();
    for (symbol, leaf) in network.inputs() {
        let shape = network.arena.shape(leaf);
        let (rows, cols) = (sizes.of(&shape.rows), sizes.of(&shape.cols));
        let scale = if matches!(symbol, derive::math::symbol::Symbol::Weight(_)) {
            (3.0 / cols as f64).sqrt().min(1.0)
        } else {
            1.0
        };
        let data = (0..rows * cols).map(|_| scale * next()).collect();
        inputs.insert(symbol, Matrix::from_vec(rows, cols, data));
    }
    inputs
}
