//! The numeric check: evaluate the printed trees at a seeded random point and compare them with
//! central finite differences of the forward pass.
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

use crate::budget::check_budget;
use crate::calculus::Derivation;
use crate::error::Error;
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
    pub const DEFAULT_STEP: f64 = 1e-5;
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
    /// Where a NaN or an infinity appeared, if one did: "the formula gives NaN", "the finite
    /// differences give ∞". Such an item always fails.
    pub non_finite: Option<String>,
}

impl CheckItem {
    /// The error as printed: `3.1e-11`, or `NaN`/`∞` when a value was not finite.
    pub fn error_text(&self) -> String {
        if self.error.is_nan() {
            "NaN".into()
        } else if self.error.is_infinite() {
            "∞".into()
        } else {
            format!("{:.1e}", self.error)
        }
    }
}

/// Says which side was not finite, and how.
fn non_finite(analytic: &Matrix<f64>, numeric: &Matrix<f64>) -> Option<String> {
    let kind = |m: &Matrix<f64>| {
        if m.data.iter().any(|v| v.is_nan()) {
            Some("NaN")
        } else if m.data.iter().any(|v| v.is_infinite()) {
            Some("∞")
        } else {
            None
        }
    };
    match (kind(analytic), kind(numeric)) {
        (Some(a), Some(n)) => Some(format!(
            "the formula gives {a} and the finite differences {n}"
        )),
        (Some(a), None) => Some(format!("the formula gives {a}")),
        (None, Some(n)) => Some(format!("the finite differences give {n}")),
        (None, None) => None,
    }
}

#[derive(Clone, Debug)]
pub struct CheckReport {
    pub seed: u64,
    pub sizes: Sizes,
    pub step: f64,
    pub tolerance: f64,
    pub items: Vec<CheckItem>,
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

/// Runs the whole check at a random point drawn from `options.seed`, after making sure that its
/// sizes fit in memory and time.
pub fn check(derivation: &Derivation, options: &CheckOptions) -> Result<CheckReport, Error> {
    check_budget(derivation, &options.sizes)?;
    let inputs = random_point(derivation, options).map_err(Error::Check)?;
    Ok(check_at(derivation, options, &inputs))
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
        let value = checker.value(analytic);
        let error = error_between(&value, numeric);
        let non_finite = non_finite(&value, numeric);
        items.push(CheckItem {
            symbol: symbol.clone(),
            form,
            error,
            // NaN compares false, so it fails here too; said explicitly all the same.
            passed: non_finite.is_none() && error <= options.tolerance,
            non_finite,
        });
    };
    let network = &derivation.network;
    for gradient in &derivation.gradients {
        let numeric = checker.parameter_gradient(&gradient.parameter, gradient.leaf);
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
        let numeric = checker.jacobian(network.loss_value, signal.by);
        push(&signal.symbol, Form::ChainRule, signal.chain_rule, &numeric);
        push(
            &signal.symbol,
            Form::ClosedForm,
            signal.closed_form,
            &numeric,
        );
    }
    CheckReport {
        seed: options.seed,
        sizes: options.sizes.clone(),
        step: options.step,
        tolerance: options.tolerance,
        items,
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
    fn parameter_gradient(&self, parameter: &Symbol, _leaf: ExprId) -> Matrix<f64> {
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
            gradient.data[e] = (at(self.step) - at(-self.step)) / (2.0 * self.step);
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
            let (plus, minus) = (at(self.step), at(-self.step));
            for r in 0..outputs {
                jac.data[r * jac.cols + e] = (plus.data[r] - minus.data[r]) / (2.0 * self.step);
            }
        }
        jac
    }
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
    let mut leaves: Vec<(Symbol, ExprId)> =
        vec![(Symbol::Input, network.x), (Symbol::Target, network.y)];
    leaves.extend(
        network
            .parameters
            .iter()
            .map(|p| (p.symbol.clone(), p.leaf)),
    );
    const ATTEMPTS: usize = 1000;
    for _ in 0..ATTEMPTS {
        let mut inputs = Inputs::new();
        for (symbol, leaf) in &leaves {
            let shape = arena.shape(*leaf);
            let (rows, cols) = (options.sizes.of(&shape.rows), options.sizes.of(&shape.cols));
            let (lo, hi) = if *symbol == Symbol::Target && network.loss.needs_probabilities() {
                (0.0, 1.0)
            } else {
                (-1.0, 1.0)
            };
            let data = (0..rows * cols)
                .map(|_| uniform(&mut rng, lo, hi))
                .collect();
            inputs.insert(symbol.clone(), Matrix::from_vec(rows, cols, data));
        }
        if away_from_kinks(derivation, options, &inputs) {
            return Ok(inputs);
        }
    }
    Err(format!(
        "no point found in {ATTEMPTS} draws with every ReLU input at least {} from 0; try another --seed, or --no-check",
        CheckOptions::KINK_MARGIN
    ))
}

fn away_from_kinks(derivation: &Derivation, options: &CheckOptions, inputs: &Inputs<f64>) -> bool {
    let network = &derivation.network;
    network.layers.iter().all(|layer| {
        let LayerKind::Activation(activation) = layer.kind else {
            return true;
        };
        if activation.kinks().is_empty() {
            return true;
        }
        let z = evaluate(
            &network.arena,
            layer.input,
            &options.sizes,
            inputs,
            &HashMap::new(),
        );
        let clear = z.data.iter().all(|v| {
            activation
                .kinks()
                .iter()
                .all(|k| (v - k).abs() >= CheckOptions::KINK_MARGIN)
        });
        // With two or more units, both sides of the kink are exercised, so that a derivative
        // that is right on one side only (ReLU′ written as 1) cannot pass.
        let kink = activation.kinks()[0];
        let both_sides = z.data.len() < 2
            || (z.data.iter().any(|v| *v < kink) && z.data.iter().any(|v| *v > kink));
        clear && both_sides
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::loss::{Loss, LossKind};

    #[test]
    fn nan_is_a_failure_that_names_the_item() {
        // bce on an unbounded output at ŷ = −2, where log ŷ is NaN.
        let derivation = crate::derive_text("linear>identity", Loss::new(LossKind::Bce)).unwrap();
        let options = CheckOptions {
            seed: 0,
            sizes: Sizes(vec![("n".into(), 1), ("K".into(), 1)]),
            step: CheckOptions::DEFAULT_STEP,
            tolerance: CheckOptions::DEFAULT_TOLERANCE,
        };
        let one = |v: f64| Matrix::from_vec(1, 1, vec![v]);
        let inputs = Inputs::from([
            (Symbol::Input, one(1.0)),
            (Symbol::Target, one(0.5)),
            (Symbol::Weight(1), one(-2.0)),
            (Symbol::Bias(1), one(0.0)),
        ]);
        let report = check_at(&derivation, &options, &inputs);
        assert!(!report.passed());
        let item = report
            .items
            .iter()
            .find(|i| i.symbol.text() == "∂ℓ/∂W⁽¹⁾")
            .expect("the gradient of W⁽¹⁾ is checked");
        assert!(!item.passed);
        assert_eq!(
            item.non_finite.as_deref(),
            Some("the finite differences give NaN")
        );
        assert_eq!(item.error_text(), "NaN");
    }

    #[test]
    fn a_finite_error_is_printed_in_scientific_notation() {
        let item = CheckItem {
            symbol: Symbol::Loss,
            form: Form::ClosedForm,
            error: 3.14e-11,
            passed: true,
            non_finite: None,
        };
        assert_eq!(item.error_text(), "3.1e-11");
    }
}
