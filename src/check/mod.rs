//! The numeric check: evaluate the printed trees at a seeded random point and compare them with
//! central finite differences of the forward pass (the five-point stencil, error of order h⁴).
//!
//! Entry by entry when the network is small enough (`budget::MAX_MULTIPLY_ADDS`): every
//! gradient (chain-rule and closed form) against differences of ℓ in each parameter entry;
//! every Jacobian (as defined and as simplified) against differences of the layer's output in
//! each input entry; every backpropagated row ∂ℓ/∂zᵢ against differences of ℓ in each entry of
//! zᵢ (`entrywise`). Beyond the budget, along a few random directions instead (`directional`),
//! and each closed form against the value of its chain-rule form. The error of one item is
//!     max |analytic − numeric| / max(‖analytic‖∞, ‖numeric‖∞, 10⁻³),
//! relative for entries of ordinary size and absolute below 10⁻³ (`stencil::ERROR_FLOOR`), so
//! that a gradient that is truly zero does not fail on rounding noise. NaN or infinity is a
//! failure, except where the point is saturated in float64 (`saturation`), or the differences
//! cannot be taken there (`stencil::differentiate`): the item is then not checked, which is
//! neither a pass nor a fail.
//!
//! A run, step by step (`check_with_coverage`): evaluate every printed form at the point; note
//! whether the point lies near a kink; compare each form, entry by entry or along directions;
//! report the items with the numbers the run used.

pub mod budget;
mod directional;
mod entrywise;
pub mod facts;
mod items;
mod nearby;
mod report;
mod sampling;
mod saturation;
mod stencil;

pub use budget::choose_coverage;
pub use report::{CheckItem, CheckReport, CheckedForm, Comparison, Coverage, Unchecked, Verdict};
pub use sampling::random_point;
pub use saturation::{Saturated, Saturation};
pub use stencil::{Edge, Took};

use std::borrow::Cow;

use crate::check::budget::check_budget;
use crate::derivation::Derivation;
use crate::error::Error;
use crate::math::expr::ExprId;
use crate::network::loss::OutputDomain;
use crate::numeric::evaluator::{Evaluator, Inputs};
use crate::numeric::matrix::MatrixRef;
use crate::numeric::sizes::Sizes;

use items::Items;
use nearby::Nearby;
use sampling::{Placement, kink_placement_in};

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
    /// Random directions per quantity when checking along directions.
    pub const DIRECTIONS: usize = 3;
    /// The kink margin of a random point checked along directions: smaller than the
    /// entrywise one (wide layers rarely keep every input 1e-3 from 0), since the step then
    /// shrinks wherever a kink is near.
    pub const DIRECTION_KINK_MARGIN: f64 = 1e-5;
}

/// The interval the entries of ŷ must stay in when the loss takes its logarithm: (0, 1) under
/// bce (log ŷ and log(1 − ŷ)), (0, ∞) under ce (log ŷ).
fn output_domain(derivation: &Derivation) -> Option<(ExprId, f64, f64)> {
    let network = &derivation.network;
    match network.loss.output_domain() {
        OutputDomain::Probability => Some((network.yhat, 0.0, 1.0)),
        OutputDomain::Positive => Some((network.yhat, 0.0, f64::INFINITY)),
        OutputDomain::Real => None,
    }
}

/// Runs the whole check at a random point drawn from `options.seed`, after making sure that its
/// sizes fit in memory.
pub fn check(derivation: &Derivation, options: &CheckOptions) -> Result<CheckReport, Error> {
    Ok(PreparedCheck::at_random_point(derivation, options)?.run())
}

/// A check ready to run: its sizes are known to fit in memory and its point is chosen, so every
/// refusal of its input has been given. Running it cannot fail, and the derivation can be
/// written out while it runs.
pub struct PreparedCheck<'a> {
    derivation: &'a Derivation,
    options: &'a CheckOptions,
    /// Drawn here for a random point, borrowed for a given one.
    inputs: Cow<'a, Inputs<f64>>,
    coverage: Coverage,
    /// The seed of a random point; `None` for a given one.
    seed: Option<u64>,
}

impl<'a> PreparedCheck<'a> {
    /// The check at a random point drawn from `options.seed`.
    pub fn at_random_point(
        derivation: &'a Derivation,
        options: &'a CheckOptions,
    ) -> Result<Self, Error> {
        check_budget(derivation, &options.sizes)?;
        let coverage = choose_coverage(derivation, &options.sizes);
        let inputs =
            random_point(derivation, options, coverage.kink_margin()).map_err(Error::Check)?;
        Ok(PreparedCheck {
            derivation,
            options,
            inputs: Cow::Owned(inputs),
            coverage,
            seed: Some(options.seed),
        })
    }

    /// The check at the given point.
    pub fn at(
        derivation: &'a Derivation,
        options: &'a CheckOptions,
        inputs: &'a Inputs<f64>,
    ) -> Self {
        PreparedCheck {
            derivation,
            options,
            inputs: Cow::Borrowed(inputs),
            coverage: choose_coverage(derivation, &options.sizes),
            seed: None,
        }
    }

    /// The same check as if its budget had chosen `coverage`, to try one coverage on a small
    /// network.
    #[cfg(test)]
    pub(crate) fn covering(self, coverage: Coverage) -> Self {
        PreparedCheck { coverage, ..self }
    }

    /// Evaluates every printed form at the point and compares it with finite differences.
    pub fn run(&self) -> CheckReport {
        let mut report =
            check_with_coverage(self.derivation, self.options, &self.inputs, self.coverage);
        report.seed = self.seed;
        report
    }
}

/// The check at `inputs`, covered as `coverage` says.
fn check_with_coverage(
    derivation: &Derivation,
    options: &CheckOptions,
    inputs: &Inputs<f64>,
    coverage: Coverage,
) -> CheckReport {
    let mut analytic = evaluate_every_form(derivation, &options.sizes, inputs);
    // Only a given point can lie this near a kink; a random one is drawn this far from it.
    let margin = coverage.kink_margin();
    let near_kink = kink_placement_in(derivation, &mut analytic, margin) == Placement::TooClose;
    // Evaluated once and for all: the differences borrow its values from here on.
    let analytic = analytic;
    let mut items = Items::new(derivation, &analytic, options.tolerance);
    let nearby = Nearby::new(&analytic);
    // Each printed form compared, in the order the report lists them.
    let kink_straddled = match coverage {
        Coverage::Entrywise => {
            entrywise::compare_every_entry(derivation, options, &analytic, nearby, &mut items);
            None
        }
        Coverage::PerParameter(_) | Coverage::Joint(_) => {
            Some(directional::compare_along_directions(
                derivation, options, &analytic, nearby, coverage, &mut items,
            ))
        }
    };
    CheckReport {
        seed: None,
        sizes: options.sizes.clone(),
        step: options.step,
        tolerance: options.tolerance,
        items: items.into_vec(),
        near_kink,
        kink_straddled,
        coverage,
        kink_margin: margin,
        both_sides_draws: sampling::both_sides_draws(&derivation.network),
        output_domain: output_domain(derivation).map(|(_, lo, hi)| (lo, hi)),
    }
}

/// Every analytic value the check compares, from one evaluation, sharing what the trees share,
/// done before anything moves: the differences then borrow its values, and every point near
/// it evaluates only what depends on what moved there.
fn evaluate_every_form<'a>(
    derivation: &'a Derivation,
    sizes: &'a Sizes,
    inputs: &'a Inputs<f64>,
) -> Evaluator<'a, f64> {
    let network = &derivation.network;
    let mut analytic = Evaluator::new(&network.arena, sizes, inputs);
    analytic.reserve_every_node();
    analytic.value(network.loss_value);
    for layer in &network.layers {
        analytic.value(layer.input);
    }
    for g in &derivation.gradients {
        for id in [g.leaf, g.chain_rule, g.closed_form] {
            analytic.value(id);
        }
    }
    for j in &derivation.jacobians {
        for id in [j.by, j.definition, j.simplified] {
            analytic.value(id);
        }
    }
    for signal in &derivation.signals {
        for id in [signal.by, signal.chain_rule, signal.closed_form] {
            analytic.value(id);
        }
    }
    analytic
}

/// A value of the evaluation at the check's point, which `evaluate_every_form` computed.
fn analytic_value<'e>(analytic: &'e Evaluator<f64>, id: ExprId) -> MatrixRef<'e, f64> {
    analytic
        .computed(id)
        .expect("every analytic value is evaluated above")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::math::symbol::Symbol;
    use crate::network::loss::{Loss, LossKind};
    use crate::numeric::matrix::Matrix;

    /// bce on an unbounded output at ŷ = −2 is outside the loss's domain: log ŷ is NaN there and
    /// nearby, so nothing can be differenced, which is not a wrong formula.
    #[test]
    fn a_point_outside_the_domain_of_the_loss_is_not_checked() {
        // bce on an unbounded output at ŷ = −2, where log ŷ is NaN.
        let derivation = crate::derive_text("linear>identity", Loss::new(LossKind::Bce)).unwrap();
        let options = CheckOptions {
            seed: 0,
            sizes: Sizes::new(vec![("n".into(), 1), ("K".into(), 1)]),
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
        let report = PreparedCheck::at(&derivation, &options, &inputs).run();
        assert_eq!(report.verdict(), Verdict::Unchecked);
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
        assert_eq!(item.unchecked, Some(Unchecked::NotDifferentiable(None)));
        assert_eq!(item.error_text(), "n/a");
    }

    /// A formula that is NaN where nothing is saturated is wrong: ∂ℓ/∂b⁽¹⁾ of `linear>sigmoid`
    /// under mse replaced by 0 ⊘ 0 fails, where the right one passes.
    #[test]
    fn nan_where_nothing_is_saturated_is_a_failure_that_names_the_item() {
        let mut derivation =
            crate::derive_text("linear>sigmoid", Loss::new(LossKind::Mse)).unwrap();
        let options = CheckOptions {
            seed: 0,
            sizes: Sizes::new(vec![("n".into(), 1), ("K".into(), 1)]),
            step: CheckOptions::DEFAULT_STEP,
            tolerance: CheckOptions::DEFAULT_TOLERANCE,
        };
        let b = derivation
            .gradients
            .iter()
            .position(|g| g.symbol.text() == "∂ℓ/∂b⁽¹⁾")
            .unwrap();
        let arena = &mut derivation.network.arena;
        let y = derivation.network.y;
        let zero = arena.sub(y, y).unwrap();
        derivation.gradients[b].closed_form = arena.divide(zero, zero).unwrap();
        let report = check(&derivation, &options).unwrap();
        assert_eq!(report.verdict(), Verdict::Fail);
        let item = &report.items[2 * b + 1];
        assert_eq!(
            (item.symbol.text().as_str(), item.form),
            ("∂ℓ/∂b⁽¹⁾", CheckedForm::ClosedForm)
        );
        assert_eq!(item.non_finite.as_deref(), Some("the formula gives NaN"));
        assert_eq!(item.unchecked, None);
        assert_eq!(item.error_text(), "NaN");
    }
}
