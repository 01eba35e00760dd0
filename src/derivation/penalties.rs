//! The penalties' share of a gradient: a penalty c‖P‖² of the objective adds 2cP to P's
//! gradient, and nothing to any backpropagated row (it does not depend on the layers' outputs).
//! The weight decay's (λ/2) Σₖ ‖W⁽ᵏ⁾‖² is one such penalty on each weight, adding λW⁽ᵏ⁾.

use crate::math::coef::Coef;
use crate::math::expr::{Arena, ExprId};
use crate::math::shape::ShapeError;
use crate::network::Parameter;

/// `gradient` + 2cP for each penalty c‖P‖² the objective adds for the parameter
/// (`Network::penalties`): λW for a decayed weight, (λ/2)‖W‖² being its penalty.
pub fn plus_penalties(
    arena: &mut Arena,
    penalties: &[(ExprId, Coef)],
    parameter: &Parameter,
    gradient: ExprId,
) -> Result<ExprId, ShapeError> {
    let mut total = gradient;
    for (_, c) in penalties.iter().filter(|(leaf, _)| *leaf == parameter.leaf) {
        let term = arena.scale(c.times(&Coef::integer(2)), parameter.leaf);
        total = arena.add(total, term)?;
    }
    Ok(total)
}
