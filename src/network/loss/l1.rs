//! Absolute error c Σ|ŷ − y|, PyTorch's L1Loss (the mean over the K outputs by default). Its
//! gradient c sign(ŷ − y) takes PyTorch's 0 where ŷᵢ = yᵢ, where |·| has no derivative.

use super::{
    LossDefinition, OutputDomain, Reduction, Scaled, TargetDomain, fits_any, residual,
    sum_of_residual,
};
use crate::math::coef::Coef;
use crate::math::expr::{Arena, ExprId};
use crate::math::func::Func;
use crate::math::prose::Prose;
use crate::math::shape::ShapeError;

pub const L1: LossDefinition = LossDefinition {
    name: "l1",
    pytorch_names: &[("L1Loss", Reduction::Mean)],
    default_reduction: Reduction::Mean,
    description,
    definition,
    gradient,
    output: OutputDomain::Real,
    target: TargetDomain::Real,
    argument: None,
    kinks,
    kinks_in_words,
    legend,
    kink_note,
    misfit: fits_any,
    applies: &[],
};

fn description(reduction: Reduction) -> Prose {
    Prose::new().words(match reduction {
        Reduction::Mean => "mean absolute error, the mean over the K outputs (PyTorch's L1Loss)",
        Reduction::Sum => "absolute error, the sum over the K outputs",
    })
}

/// c Σ|ŷ − y|
fn definition(
    arena: &mut Arena,
    yhat: ExprId,
    y: ExprId,
    coef: Coef,
    _: f64,
) -> Result<ExprId, ShapeError> {
    sum_of_residual(arena, yhat, y, coef, Func::Abs)
}

/// d/dŷᵢ |ŷᵢ − yᵢ| = sign(ŷᵢ − yᵢ), 0 at ŷᵢ = yᵢ as in PyTorch.
fn gradient(
    arena: &mut Arena,
    yhat: ExprId,
    y: ExprId,
    coef: Coef,
    _: f64,
) -> Result<Scaled, ShapeError> {
    let r = residual(arena, yhat, y)?;
    Ok((coef, arena.map(Func::Sign, r)))
}

/// |·| bends where ŷᵢ = yᵢ.
fn kinks(arena: &mut Arena, yhat: ExprId, y: ExprId, _: f64) -> Result<super::Kinks, ShapeError> {
    Ok(vec![(residual(arena, yhat, y)?, 0.0)])
}

fn kinks_in_words(_: f64) -> Option<(Prose, f64)> {
    Some((Prose::new().fixed("ŷ − y", "\\hat{y} - y"), 0.0))
}

fn legend(_: f64, _: bool) -> Option<Prose> {
    Some(
        Prose::new()
            .fixed("|z|", "\\lvert z \\rvert")
            .words(" is the absolute value and ")
            .fixed("sign(z)", "\\operatorname{sign}(z)")
            .words(" is 1, 0 or ")
            .fixed("−1", "-1")
            .words(" as z is positive, zero or negative, both entry by entry."),
    )
}

fn kink_note(_: f64) -> Option<Prose> {
    Some(
        Prose::new()
            .fixed("|ŷⱼ − yⱼ|", "\\lvert \\hat{y}_{j} - y_{j} \\rvert")
            .words(" has no derivative at ")
            .fixed("ŷⱼ = yⱼ", "\\hat{y}_{j} = y_{j}")
            .words("; 0 is used there, as in PyTorch (")
            .fixed("sign(0) = 0", "\\operatorname{sign}(0) = 0")
            .words(")."),
    )
}
