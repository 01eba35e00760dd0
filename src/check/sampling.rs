//! The random point of the check: seeded, reproducible, and away from the kinks of ReLU-like
//! activations.

use rand_chacha::ChaCha8Rng;
use rand_core::{Rng, SeedableRng};

use crate::check::CheckOptions;
use crate::derivation::Derivation;
use rustc_hash::FxHashMap;

use crate::math::expr::ExprId;
use crate::math::symbol::Symbol;
use crate::network::Network;
use crate::network::layer::LayerKind;
use crate::network::loss::TargetDomain;
use crate::numeric::evaluator::{Evaluator, Inputs};
use crate::numeric::matrix::Matrix;
use crate::numeric::sizes::Sizes;

/// Uniform in [lo, hi) from 53 random bits.
pub fn uniform(rng: &mut ChaCha8Rng, lo: f64, hi: f64) -> f64 {
    let unit = (rng.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64);
    lo + (hi - lo) * unit
}

/// The interval x, the biases, and y (but under bce) are drawn from, uniformly: [lo, hi).
pub const UNIFORM: (f64, f64) = (-1.0, 1.0);
/// The interval y is drawn from under bce, whose targets are probabilities.
pub const PROBABILITY: (f64, f64) = (0.0, 1.0);
/// The weights are uniform in [−a, a) with a = min(`WEIGHT_CAP`, √(`WEIGHT_GAIN`/fan-in)):
/// LeCun's uniform initialisation, so that activations keep their size through a wide or deep
/// network.
pub const WEIGHT_GAIN: f64 = 3.0;
pub const WEIGHT_CAP: f64 = 1.0;
/// The interval a normalization's scales γ⁽ᵏ⁾ are drawn from: around PyTorch's initial 1, away
/// from 0, where the layer would discard its input.
pub const GAMMA: (f64, f64) = (0.5, 1.5);

/// Draws of a random point at most, clear of the kinks.
const ATTEMPTS: usize = 1000;
/// Beyond this many kinked layers, a point with inputs on both sides of every kink is rare...
const MANY_KINKED_LAYERS: usize = 8;
/// ...and after this many draws the first point clear of the kinks will do.
const FEW_DRAWS: usize = 20;

/// How many draws `random_point` takes to put the inputs of every kinked layer on both sides of
/// its kink; after them, it takes the first draw clear of the kinks. A long chain of kinked
/// layers almost never has every layer on both sides at once.
pub fn both_sides_draws(network: &Network) -> usize {
    if network.kinked_inputs().count() > MANY_KINKED_LAYERS {
        FEW_DRAWS
    } else {
        ATTEMPTS
    }
}

/// A random point: x and b⁽ᵏ⁾ uniform in `UNIFORM`; W⁽ᵏ⁾ uniform as `WEIGHT_GAIN` says (times
/// the keep probabilities of the dropout layers just before it, `keep_probabilities`); y
/// uniform in `UNIFORM`, in `PROBABILITY` for bce, a distribution per column for ce and nll,
/// one-hot at a random class per column for hinge; each dropout mask as `draw_mask` says.
/// Redrawn until no input to a kinked activation is within `margin` of its kink, and inputs lie
/// on both sides of it and every dropout layer's output is not 0 in any column
/// (`both_sides_draws`).
pub fn random_point(
    derivation: &Derivation,
    options: &CheckOptions,
    margin: f64,
) -> Result<Inputs<f64>, String> {
    let network = &derivation.network;
    let arena = &network.arena;
    let mut rng = ChaCha8Rng::seed_from_u64(options.seed);
    let leaves = network.inputs();
    let keep = keep_probabilities(network);
    let both_sides_draws = both_sides_draws(network);
    let mut fallback = None;
    for attempt in 0..ATTEMPTS {
        if attempt >= both_sides_draws && fallback.is_some() {
            break;
        }
        let mut inputs = Inputs::new();
        for (symbol, leaf) in &leaves {
            // Drawn as the columns convention lays it out, so that every convention's point is
            // the same point; a leaf the convention transposes is transposed after.
            let flips = network.convention.flips_leaf(symbol);
            let shape = if flips {
                arena.shape(*leaf).transposed()
            } else {
                arena.shape(*leaf).clone()
            };
            let (rows, cols) = (options.sizes.of(&shape.rows), options.sizes.of(&shape.cols));
            let mut insert = |matrix: Matrix<f64>| {
                let matrix = if flips { matrix.transpose() } else { matrix };
                inputs.insert(symbol.clone(), matrix);
            };
            if symbol.is_mask() {
                let data = draw_mask(&mut rng, rows, cols, keep[leaf]);
                insert(Matrix::from_vec(rows, cols, data));
                continue;
            }
            let target = symbol.is_target().then(|| network.loss.target_domain());
            let (lo, hi) = if target == Some(TargetDomain::Probability) {
                PROBABILITY
            } else if symbol.is_weight() {
                let gain = WEIGHT_GAIN * keep.get(leaf).copied().unwrap_or(1.0);
                let bound = (gain / cols as f64).sqrt().min(WEIGHT_CAP);
                (-bound, bound)
            } else if matches!(symbol, Symbol::Gamma(_)) {
                GAMMA
            } else {
                UNIFORM
            };
            let mut data: Vec<f64> = (0..rows * cols)
                .map(|_| uniform(&mut rng, lo, hi))
                .collect();
            if target == Some(TargetDomain::OneHot) {
                // A random class in every column.
                data = vec![0.0; rows * cols];
                for c in 0..cols {
                    let class =
                        ((uniform(&mut rng, 0.0, 1.0) * rows as f64) as usize).min(rows - 1);
                    data[class * cols + c] = 1.0;
                }
            }
            if target == Some(TargetDomain::Distribution) {
                // A random distribution in every column: positive entries summing to 1.
                data = (0..rows * cols)
                    .map(|_| uniform(&mut rng, 0.05, 1.0))
                    .collect();
                for c in 0..cols {
                    let total: f64 = (0..rows).map(|r| data[r * cols + c]).sum();
                    (0..rows).for_each(|r| data[r * cols + c] /= total);
                }
            }
            insert(Matrix::from_vec(rows, cols, data));
        }
        match kink_placement(derivation, &options.sizes, &inputs, margin) {
            Placement::BothSides => return Ok(inputs),
            Placement::Clear if fallback.is_none() => fallback = Some(inputs),
            _ => {}
        }
    }
    // Some chains cannot put a kinked input on both sides (softplus > relu is never negative
    // before the relu); a point clear of the kinks is then the best there is.
    fallback.ok_or_else(|| format!(
        "no point found in {ATTEMPTS} draws with every ReLU input at least {} from 0; try another --seed, or --no-check",
        margin
    ))
}

/// Each dropout mask's keep probability 1 − p, and for each weight the product of those of the
/// dropout layers between it and the linear layer before: the check draws that weight with its
/// gain times this product, which undoes on average the growth of the values by 1/(1 − p) at
/// each dropout layer (without it, 500 layers of linear > dropout overflow the check's steps).
fn keep_probabilities(network: &Network) -> FxHashMap<ExprId, f64> {
    let mut keep = FxHashMap::default();
    let mut since_linear = 1.0;
    for (index, layer) in network.layers.iter().enumerate() {
        match (layer.kind, layer.mask) {
            (LayerKind::Dropout(dropout), Some(mask)) => {
                keep.insert(mask, dropout.keep_probability());
                since_linear *= dropout.keep_probability();
            }
            (LayerKind::Linear, _) => {
                if since_linear != 1.0 {
                    let weight = network.parameters.iter().find(|p| p.layer == index);
                    keep.extend(weight.map(|w| (w.leaf, since_linear)));
                }
                since_linear = 1.0;
            }
            _ => {}
        }
    }
    keep
}

/// A dropout mask of `rows` × `cols` (a column per sample), each entry 1 with probability
/// `keep` and 0 otherwise, as training draws it; then, so that the check is not vacuous, a
/// column with no 1 gets one, and a column of two entries or more with no 0 (for `keep` < 1)
/// gets one, each at an entry drawn from the same generator.
pub fn draw_mask(rng: &mut ChaCha8Rng, rows: usize, cols: usize, keep: f64) -> Vec<f64> {
    let mut data: Vec<f64> = (0..rows * cols)
        .map(|_| f64::from(u8::from(uniform(rng, 0.0, 1.0) < keep)))
        .collect();
    for c in 0..cols {
        let column = |data: &[f64], value: f64| (0..rows).any(|r| data[r * cols + c] == value);
        let entry = |rng: &mut ChaCha8Rng| (rng.next_u64() % rows as u64) as usize * cols + c;
        if !column(&data, 1.0) {
            data[entry(rng)] = 1.0;
        }
        if keep < 1.0 && rows >= 2 && !column(&data, 0.0) {
            data[entry(rng)] = 0.0;
        }
    }
    data
}

/// How a point sits with respect to the kinks of the network's activations.
#[derive(PartialEq)]
pub enum Placement {
    /// Some kinked input is within the margin of its kink.
    TooClose,
    /// Clear of every kink.
    Clear,
    /// Clear, every kinked layer of two or more units has inputs on both sides, and every
    /// dropout layer passes something on in every column.
    BothSides,
}

pub fn kink_placement(
    derivation: &Derivation,
    sizes: &Sizes,
    inputs: &Inputs<f64>,
    margin: f64,
) -> Placement {
    // One evaluation for every layer's input.
    let mut evaluator = Evaluator::new(&derivation.network.arena, sizes, inputs);
    kink_placement_in(derivation, &mut evaluator, margin)
}

/// `kink_placement` with the values of an evaluation at the point.
pub fn kink_placement_in(
    derivation: &Derivation,
    evaluator: &mut Evaluator<f64>,
    margin: f64,
) -> Placement {
    let network = &derivation.network;
    let mut placement = Placement::BothSides;
    for (input, kink) in network.kinked_inputs() {
        let z = evaluator.value(input);
        if z.data.iter().any(|v| (v - kink).abs() < margin) {
            return Placement::TooClose;
        }
        // Both sides exercised, so that a derivative right on one side only (ReLU′ written
        // as 1) cannot pass.
        let both_sides = z.data.len() < 2
            || (z.data.iter().any(|v| *v < kink) && z.data.iter().any(|v| *v > kink));
        if !both_sides {
            placement = Placement::Clear;
        }
    }
    // A dropout layer whose output is all 0 in some column (its mask dropped every unit that
    // was not 0) cuts every path through it, and the check would compare zeros before it.
    for output in network
        .layers
        .iter()
        .filter(|l| l.mask.is_some())
        .map(|l| l.output)
    {
        let value = evaluator.value(output);
        let cols = value.cols;
        let zero_column =
            (0..cols).any(|c| (0..value.rows).all(|r| value.data[r * cols + c] == 0.0));
        if zero_column {
            placement = Placement::Clear;
        }
    }
    placement
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_keep_and_drop_units_in_every_column_deterministically() {
        let draw = |seed, rows, cols, keep| {
            draw_mask(&mut ChaCha8Rng::seed_from_u64(seed), rows, cols, keep)
        };
        for seed in 0..200 {
            for (rows, cols, keep) in [(4, 1, 0.5), (2, 5, 0.9), (6, 3, 0.1), (3, 2, 0.999)] {
                let mask = draw(seed, rows, cols, keep);
                assert_eq!(mask, draw(seed, rows, cols, keep));
                assert!(mask.iter().all(|v| *v == 0.0 || *v == 1.0));
                for c in 0..cols {
                    let column: Vec<f64> = (0..rows).map(|r| mask[r * cols + c]).collect();
                    assert!(column.contains(&1.0), "seed {seed}: {column:?}");
                    assert!(column.contains(&0.0), "seed {seed}: {column:?}");
                }
            }
        }
        // One entry is always kept; with p = 0 every entry is.
        assert_eq!(draw(7, 1, 3, 0.01), vec![1.0; 3]);
        assert_eq!(draw(7, 5, 2, 1.0), vec![1.0; 10]);
        // About 1 − p of the entries are kept.
        let many = draw(1, 1000, 10, 0.8);
        let kept = many.iter().sum::<f64>() / many.len() as f64;
        assert!((kept - 0.8).abs() < 0.02, "{kept}");
    }
}
