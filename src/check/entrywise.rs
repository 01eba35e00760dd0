//! The check entry by entry: the derivative in every entry of every parameter and of every
//! Jacobian's input, by central differences. Exact and thorough; its cost is one stencil of
//! forward passes per entry, so it runs when that fits the budget.

use crate::check::nearby::Nearby;
use crate::check::stencil::{Room, Took, differentiate, step_for};
use crate::derivation::Derivation;
use crate::math::expr::ExprId;
use crate::numeric::matrix::{Matrix, MatrixRef};

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
                self.nearby.move_to([(by, moved)]);
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
}
