//! The weight decay's share of a gradient: the objective's (λ/2) Σₖ ‖W⁽ᵏ⁾‖² adds λW⁽ᵏ⁾ to the
//! gradient of each weight, and nothing to the biases or to any backpropagated row (the term
//! does not depend on the layers' outputs).

use crate::math::coef::{Coef, Constant};
use crate::math::expr::{Arena, ExprId};
use crate::math::shape::ShapeError;
use crate::network::Parameter;

/// `gradient` + λW when the parameter is a weight and the objective decays weights by λ
/// (`Network::weight_decay`); else `gradient` itself.
pub fn plus_weight_decay(
    arena: &mut Arena,
    weight_decay: Option<Constant>,
    parameter: &Parameter,
    gradient: ExprId,
) -> Result<ExprId, ShapeError> {
    match (weight_decay, &parameter.symbol) {
        (Some(lambda), symbol) if symbol.is_weight() => {
            let decay = arena.scale(Coef::constant(lambda), parameter.leaf);
            arena.add(gradient, decay)
        }
        _ => Ok(gradient),
    }
}
