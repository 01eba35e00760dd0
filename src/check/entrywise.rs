//! The check entry by entry: the derivative in every entry of every parameter and of every
//! Jacobian's input, by central differences. Exact and thorough; its cost is one stencil of
//! forward passes per entry, so it runs when that fits the budget.

use std::collections::HashMap;

use crate::calculus::Derivation;
use crate::check::stencil::{stencil, step_for};
use crate::eval::{Evaluator, Inputs, Sizes};
use crate::expr::ExprId;
use crate::matrix::Matrix;

pub struct Checker<'a> {
    pub derivation: &'a Derivation,
    pub sizes: &'a Sizes,
    pub inputs: &'a Inputs<f64>,
    pub step: f64,
}

impl Checker<'_> {
    /// The numerator-layout Jacobian ∂of/∂by by central differences, moving one entry of `by`
    /// at a time. `by` is a parameter, x, or a named value; its value `base` is overridden, so
    /// only what depends on it is evaluated again.
    pub fn jacobian(&self, of: ExprId, by: ExprId, base: &Matrix<f64>) -> Matrix<f64> {
        let arena = &self.derivation.network.arena;
        let mut jac: Option<Matrix<f64>> = None;
        for e in 0..base.data.len() {
            let at = |delta: f64| {
                let mut moved = base.clone();
                moved.data[e] += delta;
                let mut evaluator = Evaluator::new(arena, self.sizes, self.inputs);
                evaluator.overrides = HashMap::from([(by, moved)]);
                evaluator.value(of).clone()
            };
            let column = stencil(step_for(base.data[e], self.step), at);
            let jac =
                jac.get_or_insert_with(|| Matrix::filled(column.data.len(), base.data.len(), 0.0));
            for (r, v) in column.data.iter().enumerate() {
                jac.data[r * jac.cols + e] = *v;
            }
        }
        jac.unwrap_or_else(|| Matrix::filled(0, 0, 0.0))
    }

    /// Central differences of ℓ in every entry of a parameter, shaped like the parameter.
    pub fn parameter_gradient(&self, leaf: ExprId, base: &Matrix<f64>) -> Matrix<f64> {
        let row = self.jacobian(self.derivation.network.loss_value, leaf, base);
        Matrix::from_vec(base.rows, base.cols, row.data)
    }
}
