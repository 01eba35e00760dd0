//! The random point of the check: seeded, reproducible, and away from the kinks of ReLU-like
//! activations.

use rand_chacha::ChaCha8Rng;
use rand_core::{Rng, SeedableRng};

use crate::check::CheckOptions;
use crate::derivation::Derivation;
use crate::math::symbol::Symbol;
use crate::network::Network;
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

/// A random point: x and b⁽ᵏ⁾ uniform in `UNIFORM`; W⁽ᵏ⁾ uniform as `WEIGHT_GAIN` says; y
/// uniform in `UNIFORM`, in `PROBABILITY` for bce, a distribution per column for ce and nll.
/// Redrawn until no input to a kinked activation is within `margin` of its kink, and inputs lie
/// on both sides of it (`both_sides_draws`).
pub fn random_point(
    derivation: &Derivation,
    options: &CheckOptions,
    margin: f64,
) -> Result<Inputs<f64>, String> {
    let network = &derivation.network;
    let arena = &network.arena;
    let mut rng = ChaCha8Rng::seed_from_u64(options.seed);
    let leaves = network.inputs();
    let both_sides_draws = both_sides_draws(network);
    let mut fallback = None;
    for attempt in 0..ATTEMPTS {
        if attempt >= both_sides_draws && fallback.is_some() {
            break;
        }
        let mut inputs = Inputs::new();
        for (symbol, leaf) in &leaves {
            let shape = arena.shape(*leaf);
            let (rows, cols) = (options.sizes.of(&shape.rows), options.sizes.of(&shape.cols));
            let (lo, hi) = if symbol.is_target() && network.loss.needs_probabilities() {
                PROBABILITY
            } else if matches!(symbol, Symbol::Weight(_)) {
                let bound = (WEIGHT_GAIN / cols as f64).sqrt().min(WEIGHT_CAP);
                (-bound, bound)
            } else if matches!(symbol, Symbol::Gamma(_)) {
                GAMMA
            } else {
                UNIFORM
            };
            let mut data: Vec<f64> = (0..rows * cols)
                .map(|_| uniform(&mut rng, lo, hi))
                .collect();
            if symbol.is_target() && network.loss.target_is_distribution() {
                // A random distribution in every column: positive entries summing to 1.
                data = (0..rows * cols)
                    .map(|_| uniform(&mut rng, 0.05, 1.0))
                    .collect();
                for c in 0..cols {
                    let total: f64 = (0..rows).map(|r| data[r * cols + c]).sum();
                    (0..rows).for_each(|r| data[r * cols + c] /= total);
                }
            }
            inputs.insert(symbol.clone(), Matrix::from_vec(rows, cols, data));
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

/// How a point sits with respect to the kinks of the network's activations.
#[derive(PartialEq)]
pub enum Placement {
    /// Some kinked input is within the margin of its kink.
    TooClose,
    /// Clear of every kink.
    Clear,
    /// Clear, and every kinked layer of two or more units has inputs on both sides.
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
    placement
}
