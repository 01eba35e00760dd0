//! The numeric check: evaluate the printed trees at a seeded random point and compare them with
//! central finite differences of the forward pass (the five-point stencil, error of order h⁴).
//!
//! What is checked: every gradient (chain-rule and closed form) against differences of ℓ in each
//! parameter entry; every Jacobian (as defined and as simplified) against differences of the
//! layer's output in each input entry; every backpropagated row ∂ℓ/∂zᵢ against differences of ℓ
//! in each entry of zᵢ. The error of one item is
//!     max |analytic − numeric| / max(‖analytic‖∞, ‖numeric‖∞, 10⁻³),
//! relative for entries of ordinary size and absolute below 10⁻³, so that a gradient that is
//! truly zero does not fail on rounding noise. NaN or infinity is a failure.

use std::collections::HashMap;

use rand_chacha::ChaCha8Rng;
use rand_core::{Rng, SeedableRng};

use crate::calculus::Derivation;
use crate::eval::{Inputs, Sizes, evaluate};
use crate::expr::{ExprId, Node};
use crate::layer::LayerKind;
use crate::matrix::Matrix;
use crate::symbol::Symbol;

#[derive(Clone, Debug)]
pub struct CheckOptions {
    pub seed: u64,
    pub sizes: Sizes,
    /// Finite-difference step.
    pub step: f64,
    pub tolerance: f64,
}

impl CheckOptions {
    pub const DEFAULT_SEED: u64 = 0;
    /// The step h of the five-point stencil; it reaches 2h from the point, well inside
    /// `KINK_MARGIN`.
    pub const DEFAULT_STEP: f64 = 1e-4;
    pub const DEFAULT_TOLERANCE: f64 = 1e-6;
    /// No pre-activation of a kinked function (ReLU) lies closer than this to its kink.
    pub const KINK_MARGIN: f64 = 1e-3;
}

/// Which printed form of a quantity an item checks.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Form {
    ChainRule,
    ClosedForm,
    /// A Jacobian as its derivative rule gives it.
    Definition,
    /// A Jacobian after simplification.
    Simplified,
}

impl Form {
    pub fn label(self) -> &'static str {
        match self {
            Form::ChainRule => "chain rule",
            Form::ClosedForm => "closed form",
            Form::Definition => "as defined",
            Form::Simplified => "simplified",
        }
    }
}

#[derive(Clone, Debug)]
pub struct CheckItem {
    pub symbol: Symbol,
    pub form: Form,
    pub error: f64,
    pub passed: bool,
}

#[derive(Clone, Debug)]
pub struct CheckReport {
    /// The seed of the random point; `None` when the point was given.
    pub seed: Option<u64>,
    pub sizes: Sizes,
    pub step: f64,
    pub tolerance: f64,
    pub items: Vec<CheckItem>,
    /// Some input of a kinked activation (ReLU) lies within `KINK_MARGIN` of the kink, where
    /// the derivative does not exist and finite differences straddle it (only a given point
    /// can; a random one is drawn away from kinks).
    pub near_kink: bool,
}

impl CheckReport {
    pub fn passed(&self) -> bool {
        self.items.iter().all(|i| i.passed)
    }
}

/// The largest error over all entries, scaled as the module documentation says.
pub fn error_between(analytic: &Matrix<f64>, numeric: &Matrix<f64>) -> f64 {
    if (analytic.rows, analytic.cols) != (numeric.rows, numeric.cols) {
        return f64::INFINITY;
    }
    let worst = analytic.zip(numeric, |a, b| (a - b).abs()).max_abs();
    let scale = analytic.max_abs().max(numeric.max_abs()).max(1e-3);
    if analytic
        .data
        .iter()
        .chain(&numeric.data)
        .any(|v| !v.is_finite())
    {
        return f64::NAN;
    }
    worst / scale
}

/// Runs the whole check at a random point drawn from `options.seed`.
pub fn check(derivation: &Derivation, options: &CheckOptions) -> Result<CheckReport, String> {
    let inputs = random_point(derivation, options)?;
    let mut report = check_at(derivation, options, &inputs);
    report.seed = Some(options.seed);
    Ok(report)
}

/// Runs the whole check at the given point.
pub fn check_at(
    derivation: &Derivation,
    options: &CheckOptions,
    inputs: &Inputs<f64>,
) -> CheckReport {
    let checker = Checker {
        derivation,
        sizes: &options.sizes,
        inputs,
        step: options.step,
    };
    let mut items = Vec::new();
    let mut push = |symbol: &Symbol, form: Form, analytic: ExprId, numeric: &Matrix<f64>| {
        let error = error_between(&checker.value(analytic), numeric);
        items.push(CheckItem {
            symbol: symbol.clone(),
            form,
            error,
            passed: error <= options.tolerance,
        });
    };
    let network = &derivation.network;
    for gradient in &derivation.gradients {
        let numeric = checker.parameter_gradient(&gradient.parameter);
        push(
            &gradient.symbol,
            Form::ChainRule,
            gradient.chain_rule,
            &numeric,
        );
        push(
            &gradient.symbol,
            Form::ClosedForm,
            gradient.closed_form,
            &numeric,
        );
    }
    for jacobian in &derivation.jacobians {
        let numeric = checker.jacobian(jacobian.of, jacobian.by);
        push(
            &jacobian.symbol,
            Form::Definition,
            jacobian.definition,
            &numeric,
        );
        if jacobian.simplified != jacobian.definition {
            push(
                &jacobian.symbol,
                Form::Simplified,
                jacobian.simplified,
                &numeric,
            );
        }
    }
    for signal in &derivation.signals {
        let numeric = match &network.samples {
            None => checker.jacobian(network.loss_value, signal.by),
            // Δ = N ∂ℓ/∂Z, shaped like Z.
            Some(samples) => {
                let row = checker.jacobian(network.loss_value, signal.by);
                let shape = network.arena.shape(signal.by);
                let count = options.sizes.of(samples) as f64;
                let data = row.data.iter().map(|v| v * count).collect();
                Matrix::from_vec(
                    options.sizes.of(&shape.rows),
                    options.sizes.of(&shape.cols),
                    data,
                )
            }
        };
        push(&signal.symbol, Form::ChainRule, signal.chain_rule, &numeric);
        push(
            &signal.symbol,
            Form::ClosedForm,
            signal.closed_form,
            &numeric,
        );
    }
    CheckReport {
        seed: None,
        sizes: options.sizes.clone(),
        step: options.step,
        tolerance: options.tolerance,
        items,
        near_kink: kink_placement(derivation, options, inputs) == Placement::TooClose,
    }
}

struct Checker<'a> {
    derivation: &'a Derivation,
    sizes: &'a Sizes,
    inputs: &'a Inputs<f64>,
    step: f64,
}

impl Checker<'_> {
    fn value(&self, id: ExprId) -> Matrix<f64> {
        self.value_with(id, self.inputs, &HashMap::new())
    }

    fn value_with(
        &self,
        id: ExprId,
        inputs: &Inputs<f64>,
        overrides: &HashMap<ExprId, Matrix<f64>>,
    ) -> Matrix<f64> {
        evaluate(
            &self.derivation.network.arena,
            id,
            self.sizes,
            inputs,
            overrides,
        )
    }

    /// Central differences of ℓ in every entry of a parameter, shaped like the parameter.
    fn parameter_gradient(&self, parameter: &Symbol) -> Matrix<f64> {
        let loss = self.derivation.network.loss_value;
        let base = &self.inputs[parameter];
        let mut gradient = Matrix::filled(base.rows, base.cols, 0.0);
        let mut inputs = self.inputs.clone();
        for e in 0..base.data.len() {
            let mut at = |delta: f64| {
                let mut moved = base.clone();
                moved.data[e] += delta;
                inputs.insert(parameter.clone(), moved);
                self.value_with(loss, &inputs, &HashMap::new()).data[0]
            };
            let h = step_for(base.data[e], self.step);
            gradient.data[e] = stencil(h, |delta| Matrix::filled(1, 1, at(delta))).data[0];
        }
        gradient
    }

    /// The numerator-layout Jacobian ∂of/∂by by central differences, moving one entry of `by`
    /// at a time (`by` is x or a named value, whose value is then overridden).
    fn jacobian(&self, of: ExprId, by: ExprId) -> Matrix<f64> {
        let arena = &self.derivation.network.arena;
        let base = self.value(by);
        let outputs = self.value(of).data.len();
        let mut jac = Matrix::filled(outputs, base.data.len(), 0.0);
        let leaf_symbol = match arena.node(by) {
            Node::Leaf(symbol) => Some(symbol.clone()),
            _ => None,
        };
        for e in 0..base.data.len() {
            let at = |delta: f64| {
                let mut moved = base.clone();
                moved.data[e] += delta;
                match &leaf_symbol {
                    Some(symbol) => {
                        let mut inputs = self.inputs.clone();
                        inputs.insert(symbol.clone(), moved);
                        self.value_with(of, &inputs, &HashMap::new())
                    }
                    None => self.value_with(of, self.inputs, &HashMap::from([(by, moved)])),
                }
            };
            let column = stencil(step_for(base.data[e], self.step), at);
            for r in 0..outputs {
                jac.data[r * jac.cols + e] = column.data[r];
            }
        }
        jac
    }
}

/// The step for an entry of value v: the base step, but never more than |v|/100, so that v ± 2h
/// keeps v's sign and stays close: a probability stays positive under log (whose derivatives
/// grow like 1/v⁵), and an input on one side of a kink stays there.
fn step_for(value: f64, step: f64) -> f64 {
    if value == 0.0 {
        step
    } else {
        step.min(value.abs() / 100.0)
    }
}

/// The derivative at 0 of a function of one step, by the five-point central difference
/// (f(−2h) − 8f(−h) + 8f(h) − f(2h)) / 12h, whose error is of order h⁴.
fn stencil(h: f64, mut f: impl FnMut(f64) -> Matrix<f64>) -> Matrix<f64> {
    let (minus2, minus1, plus1, plus2) = (f(-2.0 * h), f(-h), f(h), f(2.0 * h));
    let data = (0..plus1.data.len())
        .map(|i| {
            (minus2.data[i] - 8.0 * minus1.data[i] + 8.0 * plus1.data[i] - plus2.data[i])
                / (12.0 * h)
        })
        .collect();
    Matrix::from_vec(plus1.rows, plus1.cols, data)
}

/// Uniform in [lo, hi) from 53 random bits.
fn uniform(rng: &mut ChaCha8Rng, lo: f64, hi: f64) -> f64 {
    let unit = (rng.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64);
    lo + (hi - lo) * unit
}

/// A random point: x, W⁽ᵏ⁾, b⁽ᵏ⁾ uniform in [−1, 1); y uniform in [−1, 1), or in (0, 1) for a
/// loss on probabilities. Redrawn until no input to a kinked activation is within
/// `KINK_MARGIN` of its kink, and inputs lie on both sides of it.
pub fn random_point(
    derivation: &Derivation,
    options: &CheckOptions,
) -> Result<Inputs<f64>, String> {
    let network = &derivation.network;
    let arena = &network.arena;
    let mut rng = ChaCha8Rng::seed_from_u64(options.seed);
    let leaves = network.inputs();
    const ATTEMPTS: usize = 1000;
    let mut fallback = None;
    for _ in 0..ATTEMPTS {
        let mut inputs = Inputs::new();
        for (symbol, leaf) in &leaves {
            let shape = arena.shape(*leaf);
            let (rows, cols) = (options.sizes.of(&shape.rows), options.sizes.of(&shape.cols));
            let (lo, hi) = if is_target(symbol) && network.loss.needs_probabilities() {
                (0.0, 1.0)
            } else {
                (-1.0, 1.0)
            };
            let mut data: Vec<f64> = (0..rows * cols)
                .map(|_| uniform(&mut rng, lo, hi))
                .collect();
            if is_target(symbol) && network.loss.target_is_distribution() {
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
        match kink_placement(derivation, options, &inputs) {
            Placement::BothSides => return Ok(inputs),
            Placement::Clear if fallback.is_none() => fallback = Some(inputs),
            _ => {}
        }
    }
    // Some chains cannot put a kinked input on both sides (softplus > relu is never negative
    // before the relu); a point clear of the kinks is then the best there is.
    fallback.ok_or_else(|| format!(
        "no point found in {ATTEMPTS} draws with every ReLU input at least {} from 0; try another --seed",
        CheckOptions::KINK_MARGIN
    ))
}

/// y, or the mini-batch's Y.
fn is_target(symbol: &Symbol) -> bool {
    match symbol {
        Symbol::Target => true,
        Symbol::Samples(inner) => **inner == Symbol::Target,
        _ => false,
    }
}

/// How a point sits with respect to the kinks of the network's activations.
#[derive(PartialEq)]
enum Placement {
    /// Some kinked input is within `KINK_MARGIN` of its kink.
    TooClose,
    /// Clear of every kink.
    Clear,
    /// Clear, and every kinked layer of two or more units has inputs on both sides.
    BothSides,
}

fn kink_placement(
    derivation: &Derivation,
    options: &CheckOptions,
    inputs: &Inputs<f64>,
) -> Placement {
    let network = &derivation.network;
    let mut placement = Placement::BothSides;
    for layer in &network.layers {
        let LayerKind::Activation(activation) = layer.kind else {
            continue;
        };
        let Some(&kink) = activation.kinks().first() else {
            continue;
        };
        let z = evaluate(
            &network.arena,
            layer.input,
            &options.sizes,
            inputs,
            &HashMap::new(),
        );
        if z.data
            .iter()
            .any(|v| (v - kink).abs() < CheckOptions::KINK_MARGIN)
        {
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
