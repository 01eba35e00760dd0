//! The weight decay's share of a gradient: the objective's (λ/2) Σₖ ‖W⁽ᵏ⁾‖² adds λW⁽ᵏ⁾ to the
//! gradient of each weight, and nothing to the biases or to any backpropagated row (the term
//! does not depend on the layers' outputs). A penalty c‖P‖² of an objective a model writes adds
//! 2cP to P's gradient, alike.

use crate::math::coef::{Coef, Constant};
use crate::math::expr::{Arena, ExprId};
use crate::math::shape::ShapeError;
use crate::network::Parameter;

/// `gradient` + 2cP where the objective adds a penalty c‖P‖² for the parameter
/// (`Network::penalties`), + λW when the parameter is a weight and the objective decays weights
/// by λ (`Network::weight_decay`).
pub fn plus_weight_decay(
    arena: &mut Arena,
    weight_decay: Option<Constant>,
    penalties: &[(ExprId, Coef)],
    parameter: &Parameter,
    gradient: ExprId,
) -> Result<ExprId, ShapeError> {
    let gradient = plus_penalty(arena, penalties, parameter, gradient)?;
    match (weight_decay, &parameter.symbol) {
        (Some(lambda), symbol) if symbol.is_weight() => {
            let decay = arena.scale(Coef::constant(lambda), parameter.leaf);
            arena.add(gradient, decay)
        }
        _ => Ok(gradient),
    }
}

/// `gradient` + 2cP where the objective adds c‖P‖² for the parameter P (`Network::penalties`).
fn plus_penalty(
    arena: &mut Arena,
    penalties: &[(ExprId, Coef)],
    parameter: &Parameter,
    gradient: ExprId,
) -> Result<ExprId, ShapeError> {
    match penalties.iter().find(|(leaf, _)| *leaf == parameter.leaf) {
        Some((_, c)) => {
            let term = arena.scale(c.times(&Coef::integer(2)), parameter.leaf);
            arena.add(gradient, term)
        }
        None => Ok(gradient),
    }
}
