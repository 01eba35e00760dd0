//! Negative log-likelihood −Σ yᵢ ŷᵢ of log-probabilities ŷ (after log_softmax) against a
//! distribution y; PyTorch's NLLLoss averages over the samples only, so it is nll with the sum
//! over K.

use super::{
    LossDefinition, OutputDomain, Reduction, Scaled, TargetDomain, cross_entropy_against, no_kinks,
    no_kinks_in_words, no_legend, nothing,
};
use crate::math::coef::Coef;
use crate::math::expr::{Arena, ExprId};
use crate::math::prose::Prose;
use crate::math::shape::ShapeError;
use crate::math::symbol::Symbol;
use crate::network::layer::{Activation, LayerKind};

pub const NLL: LossDefinition = LossDefinition {
    name: "nll",
    pytorch_names: &[("NLLLoss", Reduction::Sum)],
    default_reduction: Reduction::Sum,
    description,
    definition,
    gradient,
    output: OutputDomain::Real,
    target: TargetDomain::Distribution,
    argument: None,
    kinks: no_kinks,
    kinks_in_words: no_kinks_in_words,
    legend: no_legend,
    kink_note: nothing,
    misfit,
    applies: &[],
};

fn description(reduction: Reduction) -> Prose {
    match reduction {
        Reduction::Mean => Prose::new().words("negative log-likelihood, divided by K"),
        Reduction::Sum => Prose::new()
            .words("negative log-likelihood of the log-probabilities ")
            .symbol(&Symbol::Output)
            .words(" against the target distribution ")
            .symbol(&Symbol::Target)
            .words(" (each entry in [0, 1], summing to 1)"),
    }
}

fn definition(
    arena: &mut Arena,
    yhat: ExprId,
    y: ExprId,
    coef: Coef,
    _: f64,
) -> Result<ExprId, ShapeError> {
    cross_entropy_against(arena, y, yhat, coef)
}

/// d/dŷᵢ −yᵢ ŷᵢ = −yᵢ
fn gradient(
    _arena: &mut Arena,
    _yhat: ExprId,
    y: ExprId,
    coef: Coef,
    _: f64,
) -> Result<Scaled, ShapeError> {
    Ok((coef.negated(), y))
}

fn misfit(last: Option<LayerKind>) -> Option<String> {
    (last != Some(LayerKind::Activation(Activation::LogSoftmax))).then(|| {
        format!(
            "nll on the output of {}: the negative log-likelihood takes log-probabilities; end \
             the chain with log_softmax",
            LayerKind::title_of_last(last)
        )
    })
}
