//! The random point of the check: seeded, reproducible, and away from the kinks of ReLU-like
//! activations.

use rand_chacha::ChaCha8Rng;
use rand_core::{Rng, SeedableRng};

use crate::check::CheckOptions;
use crate::derivation::Derivation;
use crate::math::symbol::Symbol;
use crate::numeric::evaluator::{Evaluator, Inputs};
use crate::numeric::matrix::Matrix;
use crate::numeric::sizes::Sizes;

/// Uniform in [lo, hi) from 53 random bits.
pub fn uniform(rng: &mut ChaCha8Rng, lo: f64, hi: f64) -> f64 {
    let unit = (rng.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64);
    lo + (hi - lo) * unit
}

/// A random point: x and b⁽ᵏ⁾ uniform in [−1, 1); W⁽ᵏ⁾ uniform in ±√(3/fan-in) (at most 1);
/// y uniform in [−1, 1), in [0, 1) for bce, a distribution per column for ce and nll. Redrawn
/// until no input to a kinked activation is within `margin` of its kink, and inputs lie on both
/// sides of it.
pub fn random_point(
    derivation: &Derivation,
    options: &CheckOptions,
    margin: f64,
) -> Result<Inputs<f64>, String> {
    let network = &derivation.network;
    let arena = &network.arena;
    let mut rng = ChaCha8Rng::seed_from_u64(options.seed);
    let leaves = network.inputs();
    const ATTEMPTS: usize = 1000;
    // A long chain of kinked layers almost never has every layer on both sides at once: after
    // a few draws, the first point clear of the kinks will do.
    let kinked_layers = network.kinked_inputs().count();
    let both_sides_draws = if kinked_layers > 8 { 20 } else { ATTEMPTS };
    let mut fallback = None;
    for attempt in 0..ATTEMPTS {
        if attempt >= both_sides_draws && fallback.is_some() {
            break;
        }
        let mut inputs = Inputs::new();
        for (symbol, leaf) in &leaves {
            let shape = arena.shape(*leaf);
            let (rows, cols) = (options.sizes.of(&shape.rows), options.sizes.of(&shape.cols));
            // Weights scaled as LeCun's uniform initialisation, ±√(3/fan-in), so that
            // activations keep their size through a wide or deep network.
            let (lo, hi) = if symbol.is_target() && network.loss.needs_probabilities() {
                (0.0, 1.0)
            } else if matches!(symbol, Symbol::Weight(_)) {
                let bound = (3.0 / cols as f64).sqrt().min(1.0);
                (-bound, bound)
            } else {
                (-1.0, 1.0)
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
