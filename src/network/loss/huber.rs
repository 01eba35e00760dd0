//! Huber's loss c Σ Huber(ŷ − y) with threshold δ (1 if not given), PyTorch's HuberLoss (the
//! mean over the K outputs by default): quadratic within δ of the target, linear beyond. Its
//! gradient c Huber′(ŷ − y) is continuous; only its derivative jumps, where |ŷᵢ − yᵢ| = δ.

use super::{
    LossArgument, LossDefinition, OutputDomain, Reduction, Scaled, TargetDomain, fits_any, nothing,
    residual, sum_of_residual,
};
use crate::math::coef::Coef;
use crate::math::expr::{Arena, ExprId};
use crate::math::func::{Func, Param};
use crate::math::prose::{Math, Prose};
use crate::math::shape::ShapeError;

pub const HUBER: LossDefinition = LossDefinition {
    name: "huber",
    pytorch_names: &[("HuberLoss", Reduction::Mean)],
    default_reduction: Reduction::Mean,
    description,
    definition,
    gradient,
    output: OutputDomain::Real,
    target: TargetDomain::Real,
    argument: Some(LossArgument {
        name: "δ",
        default: 1.0,
    }),
    kinks,
    kinks_in_words,
    legend,
    // Huber′ is continuous: ∂ℓ/∂ŷ exists everywhere.
    kink_note: nothing,
    misfit: fits_any,
    applies: &[],
};

fn description(reduction: Reduction) -> Prose {
    Prose::new().words(match reduction {
        Reduction::Mean => "Huber loss, the mean over the K outputs (PyTorch's HuberLoss)",
        Reduction::Sum => "Huber loss, the sum over the K outputs",
    })
}

/// c Σ Huber(ŷ − y)
fn definition(
    arena: &mut Arena,
    yhat: ExprId,
    y: ExprId,
    coef: Coef,
    delta: f64,
) -> Result<ExprId, ShapeError> {
    sum_of_residual(arena, yhat, y, coef, Func::Huber(Param::new(delta)))
}

/// d/dŷᵢ Huber(ŷᵢ − yᵢ) = Huber′(ŷᵢ − yᵢ), ŷᵢ − yᵢ clamped to [−δ, δ].
fn gradient(
    arena: &mut Arena,
    yhat: ExprId,
    y: ExprId,
    coef: Coef,
    delta: f64,
) -> Result<Scaled, ShapeError> {
    let r = residual(arena, yhat, y)?;
    Ok((coef, arena.map(Func::HuberPrime(Param::new(delta)), r)))
}

/// The second derivative jumps where |ŷᵢ − yᵢ| = δ, which upsets a central difference.
pub(super) fn kinks(
    arena: &mut Arena,
    yhat: ExprId,
    y: ExprId,
    threshold: f64,
) -> Result<super::Kinks, ShapeError> {
    let r = residual(arena, yhat, y)?;
    Ok(vec![(arena.map(Func::Abs, r), threshold)])
}

pub(super) fn kinks_in_words(threshold: f64) -> Option<(Prose, f64)> {
    Some((
        Prose::new().fixed("|ŷ − y|", "\\lvert \\hat{y} - y \\rvert"),
        threshold,
    ))
}

fn legend(delta: f64, _: bool) -> Option<Prose> {
    Some(
        Prose::new()
            .fixed("Huber(r)", "\\mathrm{Huber}(r)")
            .words(" is ")
            .fixed("r²/2", "r^{2}/2")
            .words(" for ")
            .fixed("|r| ≤ δ", "\\lvert r \\rvert \\leq \\delta")
            .words(" and ")
            .fixed("δ(|r| − δ/2)", "\\delta(\\lvert r \\rvert - \\delta/2)")
            .words(" otherwise; ")
            .fixed("Huber′(r)", "\\mathrm{Huber}'(r)")
            .words(" is r for ")
            .fixed("|r| ≤ δ", "\\lvert r \\rvert \\leq \\delta")
            .words(" and ")
            .fixed("δ sign(r)", "\\delta \\operatorname{sign}(r)")
            .words(" otherwise (r clamped to ")
            .fixed("[−δ, δ]", "[-\\delta, \\delta]")
            .words("), both entry by entry, with ")
            .fixed("sign(r)", "\\operatorname{sign}(r)")
            .words(" 1 or ")
            .fixed("−1", "-1")
            .words(" as r is positive or negative; here ")
            .fixed("δ", "\\delta")
            .words(" = ")
            .math(Math::Number(delta))
            .words(". ")
            .fixed("Huber′", "\\mathrm{Huber}'")
            .words(" is continuous, so ")
            .fixed("∂ℓ/∂ŷ", "\\partial \\ell / \\partial \\hat{y}")
            .words(" exists everywhere."),
    )
}
