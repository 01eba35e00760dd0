//! The check entry by entry: the derivative in every entry of every parameter and of every
//! Jacobian's input, by central differences. Exact and thorough; its cost is one stencil of
//! forward passes per entry, so it runs when that fits the budget.

use crate::calculus::Derivation;
use crate::check::stencil::{stencil, step_for};
use crate::eval::Nearby;
use crate::expr::ExprId;
use crate::matrix::{Matrix, MatrixRef};

pub struct Checker<'c, 'b, 'a> {
    derivation: &'a Derivation,
    /// Points near the check's point, which is the base evaluation's.
    nearby: &'c mut Nearby<'b, 'a, f64>,
    step: f64,
    /// The values whose sign must not change under a step (`step_for`): inputs of a kinked
    /// activation, and ŷ when the loss takes its logarithm.
    keep_sign: Vec<ExprId>,
}

impl<'c, 'b, 'a> Checker<'c, 'b, 'a> {
    pub fn new(derivation: &'a Derivation, nearby: &'c mut Nearby<'b, 'a, f64>, step: f64) -> Self {
        let network = &derivation.network;
        let logged_output = network.loss.takes_log_of_output().then_some(network.yhat);
        let keep_sign = network
            .kinked_inputs()
            .map(|(input, _)| input)
            .chain(logged_output)
            .collect();
        Checker {
            derivation,
            nearby,
            step,
            keep_sign,
        }
    }

    /// The numerator-layout Jacobian ∂of/∂by by central differences, moving one entry of `by`
    /// at a time. `by` is a parameter, x, or a named value; its value `base` is moved, so only
    /// what depends on it is evaluated again.
    pub fn jacobian(&mut self, of: ExprId, by: ExprId, base: MatrixRef<f64>) -> Matrix<f64> {
        let mut jac: Option<Matrix<f64>> = None;
        let keep_sign = self.keep_sign.contains(&by);
        for e in 0..base.data.len() {
            let at = |delta: f64| {
                let mut moved = base.to_matrix();
                moved.data[e] += delta;
                self.nearby.move_to([(by, moved)]);
                self.nearby.value(of).to_matrix()
            };
            let step = if keep_sign {
                step_for(base.data[e], self.step)
            } else {
                self.step
            };
            let column = stencil(step, at);
            let jac =
                jac.get_or_insert_with(|| Matrix::filled(column.data.len(), base.data.len(), 0.0));
            for (r, v) in column.data.iter().enumerate() {
                jac.data[r * jac.cols + e] = *v;
            }
        }
        jac.unwrap_or_else(|| Matrix::filled(0, 0, 0.0))
    }

    /// Central differences of ℓ in every entry of a parameter, shaped like the parameter.
    pub fn parameter_gradient(&mut self, leaf: ExprId, base: MatrixRef<f64>) -> Matrix<f64> {
        let row = self.jacobian(self.derivation.network.loss_value, leaf, base);
        Matrix::from_vec(base.rows, base.cols, row.data)
    }
}
