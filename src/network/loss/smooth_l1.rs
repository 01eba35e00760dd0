//! PyTorch's SmoothL1Loss c Σ SmoothL1(ŷ − y) with threshold β (1 if not given), the mean over
//! the K outputs by default: Huber's loss with δ = β divided by β (not Huber's loss itself),
//! quadratic within β of the target and |ŷᵢ − yᵢ| − β/2 beyond.

use super::huber::{kinks, kinks_in_words};
use super::{
    LossArgument, LossDefinition, OutputDomain, Reduction, Scaled, TargetDomain, fits_any, nothing,
    residual, sum_of_residual,
};
use crate::math::coef::Coef;
use crate::math::expr::{Arena, ExprId};
use crate::math::func::{Func, Param};
use crate::math::prose::{Math, Prose};
use crate::math::shape::ShapeError;

pub const SMOOTH_L1: LossDefinition = LossDefinition {
    name: "smooth_l1",
    pytorch_names: &[("SmoothL1Loss", Reduction::Mean)],
    default_reduction: Reduction::Mean,
    description,
    definition,
    gradient,
    output: OutputDomain::Real,
    target: TargetDomain::Real,
    argument: Some(LossArgument {
        name: "β",
        default: 1.0,
    }),
    // Where Huber's with δ = β has them: |ŷᵢ − yᵢ| = β.
    kinks,
    kinks_in_words,
    legend,
    kink_note: nothing,
    misfit: fits_any,
    applies: &[],
};

fn description(reduction: Reduction) -> Prose {
    Prose::new().words(match reduction {
        Reduction::Mean => "smooth L1 loss, the mean over the K outputs (PyTorch's SmoothL1Loss)",
        Reduction::Sum => "smooth L1 loss, the sum over the K outputs",
    })
}

/// c Σ SmoothL1(ŷ − y)
fn definition(
    arena: &mut Arena,
    yhat: ExprId,
    y: ExprId,
    coef: Coef,
    beta: f64,
) -> Result<ExprId, ShapeError> {
    sum_of_residual(arena, yhat, y, coef, Func::SmoothL1(Param::new(beta)))
}

/// d/dŷᵢ SmoothL1(ŷᵢ − yᵢ) = SmoothL1′(ŷᵢ − yᵢ): (ŷᵢ − yᵢ)/β within β, its sign beyond.
fn gradient(
    arena: &mut Arena,
    yhat: ExprId,
    y: ExprId,
    coef: Coef,
    beta: f64,
) -> Result<Scaled, ShapeError> {
    let r = residual(arena, yhat, y)?;
    Ok((coef, arena.map(Func::SmoothL1Prime(Param::new(beta)), r)))
}

fn legend(beta: f64, _: bool) -> Option<Prose> {
    Some(
        Prose::new()
            .fixed("SmoothL1(r)", "\\mathrm{SmoothL1}(r)")
            .words(" is ")
            .fixed("r²/(2β)", "r^{2}/(2\\beta)")
            .words(" for ")
            .fixed("|r| < β", "\\lvert r \\rvert < \\beta")
            .words(" and ")
            .fixed("|r| − β/2", "\\lvert r \\rvert - \\beta/2")
            .words(" otherwise, Huber's function with ")
            .fixed("δ = β", "\\delta = \\beta")
            .words(" divided by ")
            .fixed("β", "\\beta")
            .words("; ")
            .fixed("SmoothL1′(r)", "\\mathrm{SmoothL1}'(r)")
            .words(" is ")
            .fixed("r/β", "r/\\beta")
            .words(" for ")
            .fixed("|r| < β", "\\lvert r \\rvert < \\beta")
            .words(" and ")
            .fixed("sign(r)", "\\operatorname{sign}(r)")
            .words(" otherwise (1 or ")
            .fixed("−1", "-1")
            .words(" as r is positive or negative), both entry by entry; here ")
            .fixed("β", "\\beta")
            .words(" = ")
            .math(Math::Number(beta))
            .words(". ")
            .fixed("SmoothL1′", "\\mathrm{SmoothL1}'")
            .words(" is continuous, so ")
            .fixed("∂ℓ/∂ŷ", "\\partial \\ell / \\partial \\hat{y}")
            .words(" exists everywhere."),
    )
}
