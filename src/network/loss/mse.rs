//! Squared error ‖ŷ − y‖², the sum of squares (the homework's definition); with the mean,
//! PyTorch's MSELoss.

use super::{
    LossDefinition, OutputDomain, Reduction, Scaled, TargetDomain, fits_any, no_kinks,
    no_kinks_in_words, no_legend, nothing,
};
use crate::math::coef::Coef;
use crate::math::expr::{Arena, ExprId};
use crate::math::prose::Prose;
use crate::math::shape::ShapeError;

pub const MSE: LossDefinition = LossDefinition {
    name: "mse",
    pytorch_names: &[("MSELoss", Reduction::Mean)],
    default_reduction: Reduction::Sum,
    description,
    definition,
    gradient,
    output: OutputDomain::Real,
    target: TargetDomain::Real,
    argument: None,
    kinks: no_kinks,
    kinks_in_words: no_kinks_in_words,
    legend: no_legend,
    kink_note: nothing,
    misfit: fits_any,
    applies: &[],
};

fn description(reduction: Reduction) -> Prose {
    Prose::new().words(match reduction {
        Reduction::Sum => {
            "squared error, the sum of squares; PyTorch's MSELoss takes the mean, given by \
             --reduction mean"
        }
        Reduction::Mean => "mean squared error, the mean over the K outputs (PyTorch's MSELoss)",
    })
}

fn definition(
    arena: &mut Arena,
    yhat: ExprId,
    y: ExprId,
    coef: Coef,
    _: f64,
) -> Result<ExprId, ShapeError> {
    let diff = arena.sub(yhat, y)?;
    let norm = arena.squared_norm(diff);
    Ok(arena.scale(coef, norm))
}

/// d/dŷ ‖ŷ − y‖² = 2(ŷ − y)
fn gradient(
    arena: &mut Arena,
    yhat: ExprId,
    y: ExprId,
    coef: Coef,
    _: f64,
) -> Result<Scaled, ShapeError> {
    let diff = arena.sub(yhat, y)?;
    Ok((Coef::integer(2).times(&coef), diff))
}
