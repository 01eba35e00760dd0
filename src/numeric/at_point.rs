//! The loss and every gradient at a given point, evaluated from the printed trees: ℓ from its
//! definition and each gradient from its closed form, so that the numbers shown are the numbers
//! of the formulas shown.

use crate::derivation::Derivation;
use crate::numeric::evaluator::{Evaluator, Inputs};
use crate::numeric::matrix::Matrix;
use crate::numeric::sizes::Sizes;

#[derive(Clone, Debug)]
pub struct Evaluation {
    pub sizes: Sizes,
    pub loss: f64,
    /// In the order of `Derivation::gradients`.
    pub gradients: Vec<Matrix<f64>>,
}

pub fn evaluate_at(derivation: &Derivation, sizes: &Sizes, inputs: &Inputs<f64>) -> Evaluation {
    let arena = &derivation.network.arena;
    let mut evaluator = Evaluator::new(arena, sizes, inputs);
    // −0.0 (a product with a dead unit) is printed as 0: adding 0 turns −0 into +0.
    let mut value = |id| evaluator.value(id).map(|v| v + 0.0);
    Evaluation {
        sizes: sizes.clone(),
        loss: value(derivation.network.loss_value).data[0],
        gradients: derivation
            .gradients
            .iter()
            .map(|g| value(g.closed_form))
            .collect(),
    }
}
