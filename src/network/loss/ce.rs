//! Cross-entropy −Σ yᵢ log ŷᵢ of probabilities ŷ (after softmax) against a distribution y.

use super::{
    LossDefinition, OutputDomain, Reduction, Scaled, TargetDomain, cross_entropy_against, no_kinks,
    no_kinks_in_words, no_legend, nothing,
};
use crate::math::coef::Coef;
use crate::math::expr::{Arena, ExprId};
use crate::math::func::Func;
use crate::math::prose::Prose;
use crate::math::shape::ShapeError;
use crate::math::symbol::Symbol;
use crate::network::layer::{Activation, LayerKind};

pub const CE: LossDefinition = LossDefinition {
    name: "ce",
    pytorch_names: &[],
    default_reduction: Reduction::Sum,
    description,
    definition,
    gradient,
    output: OutputDomain::Positive,
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
    let prose = Prose::new()
        .words("cross-entropy of the probabilities ")
        .symbol(&Symbol::Output)
        .words(" against the target distribution ")
        .symbol(&Symbol::Target);
    match reduction {
        Reduction::Mean => prose.words(
            ", divided by K (PyTorch's CrossEntropyLoss does not divide by the number of \
             classes)",
        ),
        Reduction::Sum => prose.words(" (each entry in [0, 1], summing to 1)"),
    }
}

fn definition(
    arena: &mut Arena,
    yhat: ExprId,
    y: ExprId,
    coef: Coef,
    _: f64,
) -> Result<ExprId, ShapeError> {
    let log_yhat = arena.map(Func::Log, yhat);
    cross_entropy_against(arena, y, log_yhat, coef)
}

/// d/dŷᵢ −yᵢ log ŷᵢ = −yᵢ / ŷᵢ
fn gradient(
    arena: &mut Arena,
    yhat: ExprId,
    y: ExprId,
    coef: Coef,
    _: f64,
) -> Result<Scaled, ShapeError> {
    Ok((coef.negated(), arena.divide(y, yhat)?))
}

fn misfit(last: Option<LayerKind>) -> Option<String> {
    (last != Some(LayerKind::Activation(Activation::Softmax))).then(|| {
        format!(
            "ce on the output of {}: cross-entropy takes probabilities, and ŷ need not be a \
             distribution; end the chain with softmax (or use log_softmax with nll)",
            LayerKind::title_of_last(last)
        )
    })
}
