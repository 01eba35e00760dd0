//! The check entry by entry: the derivative in every entry of every parameter and of every
//! Jacobian's input, by central differences. Exact and thorough; its cost is one stencil of
//! forward passes per entry, so it runs when that fits the budget.

use crate::check::CheckOptions;
use crate::check::items::{Items, Printed};
use crate::check::nearby::Nearby;
use crate::check::report::{CheckedForm, Comparison};
use crate::check::stencil::{Room, Took, differentiate, step_for};
use crate::convention::Layout;
use crate::derivation::Derivation;
use crate::math::expr::ExprId;
use crate::numeric::evaluator::Evaluator;
use crate::numeric::matrix::{Matrix, MatrixRef};
use crate::numeric::sizes::Sizes;

/// Every printed form against differences in every entry: each gradient (chain rule and
/// closed form) against those of ℓ in its parameter, each Jacobian (as defined and as
/// simplified) against those of its layer's output in its input, each row ∂ℓ/∂zᵢ against
/// those of ℓ in zᵢ.
pub fn compare_every_entry<'b, 'a>(
    derivation: &'a Derivation,
    options: &CheckOptions,
    analytic: &'b Evaluator<'a, f64>,
    mut nearby: Nearby<'b, 'a, f64>,
    items: &mut Items<'b, 'a>,
) {
    let mut checker = Checker::new(derivation, &mut nearby, options.step, options.tolerance);
    checker.gradients(analytic, items);
    checker.jacobians(analytic, items);
    checker.signals(analytic, &options.sizes, items);
}

pub struct Checker<'c, 'b, 'a> {
    derivation: &'a Derivation,
    /// Points near the check's point, which is the base evaluation's.
    nearby: &'c mut Nearby<'b, 'a, f64>,
    step: f64,
    tolerance: f64,
    /// The inputs of kinked activations, whose sign must not change under a step (`step_for`).
    keep_sign: Vec<ExprId>,
    /// ŷ and the interval its entries must stay in, when the loss takes its logarithm.
    domain: Option<(ExprId, f64, f64)>,
    /// Values held at their base while a Jacobian's input moves (`Jacobian::held`).
    held: Vec<(ExprId, Matrix<f64>)>,
}

impl<'c, 'b, 'a> Checker<'c, 'b, 'a> {
    pub fn new(
        derivation: &'a Derivation,
        nearby: &'c mut Nearby<'b, 'a, f64>,
        step: f64,
        tolerance: f64,
    ) -> Self {
        let network = &derivation.network;
        let keep_sign = network.kinked_inputs().map(|(input, _)| input).collect();
        Checker {
            derivation,
            nearby,
            step,
            tolerance,
            keep_sign,
            domain: super::output_domain(derivation),
            held: Vec::new(),
        }
    }

    /// The numerator-layout Jacobian ∂of/∂by by central differences, moving one entry of `by`
    /// at a time, and how they were taken. `by` is a parameter, x, or a named value; its value
    /// `base` is moved, so only what depends on it is evaluated again. An entry of ŷ stays
    /// inside the loss's domain (`differentiate`); an entry that cannot be differenced there is
    /// NaN, and said in the `Took`.
    pub fn jacobian(
        &mut self,
        of: ExprId,
        by: ExprId,
        base: MatrixRef<f64>,
    ) -> (Matrix<f64>, Took) {
        let mut jac: Option<Matrix<f64>> = None;
        let mut took = Took::default();
        let keep_sign = self.keep_sign.contains(&by);
        let domain = self
            .domain
            .filter(|(yhat, _, _)| *yhat == by)
            .map(|(_, lo, hi)| (lo, hi));
        let mut rows = None;
        for e in 0..base.data.len() {
            let at = |delta: f64| {
                let mut moved = base.to_matrix();
                moved.data[e] += delta;
                let held = self.held.iter().cloned();
                self.nearby
                    .move_to(std::iter::once((by, moved)).chain(held));
                self.nearby.value(of).to_matrix()
            };
            let (step, room) = match domain {
                Some((lo, hi)) => (self.step, Room::inside(base.data[e], lo, hi)),
                None if keep_sign => (step_for(base.data[e], self.step), Room::UNBOUNDED),
                None => (self.step, Room::UNBOUNDED),
            };
            let derivative = differentiate(step, room, self.tolerance, at);
            took.add(&derivative, step, &room);
            let column = match derivative {
                Some(d) => d.value,
                None => {
                    let rows = *rows.get_or_insert_with(|| {
                        self.nearby.move_to([(by, base.to_matrix())]);
                        self.nearby.value(of).data.len()
                    });
                    Matrix::filled(rows, 1, f64::NAN)
                }
            };
            let jac =
                jac.get_or_insert_with(|| Matrix::filled(column.data.len(), base.data.len(), 0.0));
            for (r, v) in column.data.iter().enumerate() {
                jac.data[r * jac.cols + e] = *v;
            }
        }
        (jac.unwrap_or_else(|| Matrix::filled(0, 0, 0.0)), took)
    }

    /// Central differences of ℓ in every entry of a parameter, shaped like the parameter.
    pub fn parameter_gradient(
        &mut self,
        leaf: ExprId,
        base: MatrixRef<f64>,
    ) -> (Matrix<f64>, Took) {
        let (row, took) = self.jacobian(self.derivation.network.loss_value, leaf, base);
        (Matrix::from_vec(base.rows, base.cols, row.data), took)
    }

    /// Each gradient, in chain-rule and closed form, against the differences of ℓ in every
    /// entry of its parameter.
    fn gradients(&mut self, analytic: &'b Evaluator<'a, f64>, items: &mut Items<'b, 'a>) {
        let value = |id| super::analytic_value(analytic, id);
        let derivation = self.derivation;
        for g in &derivation.gradients {
            let (numeric, took) = self.parameter_gradient(g.leaf, value(g.leaf));
            for (form, tree) in [
                (CheckedForm::ChainRule, &g.chain_rule),
                (CheckedForm::ClosedForm, &g.closed_form),
            ] {
                items.record(
                    Printed::new(&g.symbol, form, std::slice::from_ref(tree)),
                    Comparison::Entries,
                    value(*tree),
                    numeric.view(),
                    took,
                );
            }
        }
    }

    /// Each Jacobian, as defined and (where it differs) as simplified, against the differences
    /// of its layer's output in every entry of its input.
    fn jacobians(&mut self, analytic: &'b Evaluator<'a, f64>, items: &mut Items<'b, 'a>) {
        let value = |id| super::analytic_value(analytic, id);
        let derivation = self.derivation;
        let denominator = derivation.network.convention.layout == Layout::Denominator;
        for j in &derivation.jacobians {
            self.held = j
                .held(&derivation.network)
                .into_iter()
                .map(|v| (v, value(v).to_matrix()))
                .collect();
            let (numeric, took) = self.jacobian(j.of, j.by, value(j.by));
            self.held.clear();
            // Differences give ∂of/∂by in numerator layout; denominator layout is its transpose.
            let numeric = if denominator {
                numeric.transpose()
            } else {
                numeric
            };
            let mut forms = vec![(CheckedForm::Definition, &j.definition)];
            if j.simplified != j.definition {
                forms.push((CheckedForm::Simplified, &j.simplified));
            }
            for (form, tree) in forms {
                items.record(
                    Printed::new(&j.symbol, form, std::slice::from_ref(tree)),
                    Comparison::Entries,
                    value(*tree),
                    numeric.view(),
                    took,
                );
            }
        }
    }

    /// Each backpropagated row ∂ℓ/∂zᵢ (Δᵢ on a batch), in chain-rule and closed form, against
    /// the differences of ℓ in every entry of zᵢ.
    fn signals(
        &mut self,
        analytic: &'b Evaluator<'a, f64>,
        sizes: &Sizes,
        items: &mut Items<'b, 'a>,
    ) {
        let value = |id| super::analytic_value(analytic, id);
        let derivation = self.derivation;
        let network = &derivation.network;
        for signal in &derivation.signals {
            let (row, took) = self.jacobian(network.loss_value, signal.by, value(signal.by));
            let numeric = match &network.samples {
                // A column in denominator layout: the same entries.
                None if network.convention.layout == Layout::Denominator => row.transpose(),
                None => row,
                // Δ = N ∂ℓ/∂Z, shaped like Z.
                Some(samples) => {
                    let shape = network.arena.shape(signal.by);
                    let count = sizes.of(samples) as f64;
                    Matrix::from_vec(
                        sizes.of(&shape.rows),
                        sizes.of(&shape.cols),
                        row.data.iter().map(|v| v * count).collect(),
                    )
                }
            };
            for (form, tree) in [
                (CheckedForm::ChainRule, &signal.chain_rule),
                (CheckedForm::ClosedForm, &signal.closed_form),
            ] {
                items.record(
                    Printed::new(&signal.symbol, form, std::slice::from_ref(tree)),
                    Comparison::Entries,
                    value(*tree),
                    numeric.view(),
                    took,
                );
            }
        }
    }
}
