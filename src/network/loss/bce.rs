//! Binary cross-entropy −(1/K) Σ [yᵢ log ŷᵢ + (1 − yᵢ) log(1 − ŷᵢ)], PyTorch's BCELoss.

use super::{
    LossDefinition, OutputDomain, Reduction, Scaled, TargetDomain, fits_any, no_kinks,
    no_kinks_in_words, no_legend, nothing,
};
use crate::math::coef::Coef;
use crate::math::expr::{Arena, ExprId};
use crate::math::func::Func;
use crate::math::prose::Prose;
use crate::math::shape::ShapeError;

pub const BCE: LossDefinition = LossDefinition {
    name: "bce",
    pytorch_names: &[("BCELoss", Reduction::Mean)],
    default_reduction: Reduction::Mean,
    description,
    definition,
    gradient,
    output: OutputDomain::Probability,
    target: TargetDomain::Probability,
    argument: None,
    kinks: no_kinks,
    kinks_in_words: no_kinks_in_words,
    legend: no_legend,
    kink_note: nothing,
    // ŷ outside (0, 1) is warned of for every loss that needs probabilities (`fit`).
    misfit: fits_any,
    applies: &[],
};

fn description(reduction: Reduction) -> Prose {
    Prose::new().words(match reduction {
        Reduction::Mean => {
            "binary cross-entropy, the mean over the K outputs, as PyTorch's BCELoss"
        }
        Reduction::Sum => "binary cross-entropy, the sum over the K outputs",
    })
}

fn definition(
    arena: &mut Arena,
    yhat: ExprId,
    y: ExprId,
    coef: Coef,
    _: f64,
) -> Result<ExprId, ShapeError> {
    let log_yhat = arena.map(Func::Log, yhat);
    let one_minus_y = arena.one_minus(y)?;
    let one_minus_yhat = arena.one_minus(yhat)?;
    let log_one_minus_yhat = arena.map(Func::Log, one_minus_yhat);
    let positive = arena.hadamard(y, log_yhat)?;
    let negative = arena.hadamard(one_minus_y, log_one_minus_yhat)?;
    let terms = arena.add(positive, negative)?;
    let total = arena.sum(terms);
    Ok(arena.scale(coef.negated(), total))
}

/// d/dŷᵢ −[yᵢ log ŷᵢ + (1 − yᵢ) log(1 − ŷᵢ)] = (ŷᵢ − yᵢ) / (ŷᵢ(1 − ŷᵢ))
fn gradient(
    arena: &mut Arena,
    yhat: ExprId,
    y: ExprId,
    coef: Coef,
    _: f64,
) -> Result<Scaled, ShapeError> {
    let diff = arena.sub(yhat, y)?;
    let one_minus_yhat = arena.one_minus(yhat)?;
    let variance = arena.hadamard(yhat, one_minus_yhat)?;
    Ok((coef, arena.divide(diff, variance)?))
}
