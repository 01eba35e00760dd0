//! Binary cross-entropy on logits, PyTorch's BCEWithLogitsLoss:
//! −c Σ [yᵢ log σ(ŷᵢ) + (1 − yᵢ) log(1 − σ(ŷᵢ))], written as c Σ(softplus(ŷ) − y ⊙ ŷ), which is
//! finite for every ŷ; its gradient is the fused c(σ(ŷ) − y).

use super::{
    LossDefinition, OutputDomain, Reduction, Scaled, TargetDomain, no_kinks, no_kinks_in_words,
    no_legend, nothing,
};
use crate::math::coef::Coef;
use crate::math::expr::{Arena, ExprId};
use crate::math::func::Func;
use crate::math::prose::Prose;
use crate::math::shape::ShapeError;
use crate::math::symbol::Symbol;
use crate::network::layer::{Activation, LayerKind};

pub const BCE_LOGITS: LossDefinition = LossDefinition {
    name: "bce_logits",
    pytorch_names: &[("BCEWithLogitsLoss", Reduction::Mean)],
    default_reduction: Reduction::Mean,
    description,
    definition,
    gradient,
    // softplus(ŷ) is finite for every ŷ: the logits have no domain to keep.
    output: OutputDomain::Real,
    target: TargetDomain::Probability,
    argument: None,
    kinks: no_kinks,
    kinks_in_words: no_kinks_in_words,
    legend: no_legend,
    kink_note: nothing,
    misfit,
    applies: &[Activation::Softplus, Activation::Sigmoid],
};

fn description(reduction: Reduction) -> Prose {
    let prose = Prose::new()
        .words("binary cross-entropy of the probabilities ")
        .fixed("σ(", "\\sigma(")
        .symbol(&Symbol::Output)
        .fixed(")", ")")
        .words(" of the logits ")
        .symbol(&Symbol::Output)
        .words(" against targets ")
        .symbol(&Symbol::Target)
        .words(" in [0, 1], ")
        .fixed(
            "−[yᵢ log σ(ŷᵢ) + (1 − yᵢ) log(1 − σ(ŷᵢ))] = softplus(ŷᵢ) − yᵢŷᵢ",
            "-[y_{i} \\log \\sigma(\\hat{y}_{i}) + (1 - y_{i}) \\log(1 - \\sigma(\\hat{y}_{i}))] \
             = \\mathrm{softplus}(\\hat{y}_{i}) - y_{i}\\hat{y}_{i}",
        )
        .words(" for each output, ");
    prose.words(match reduction {
        Reduction::Mean => "the mean over the K outputs, as PyTorch's BCEWithLogitsLoss",
        Reduction::Sum => "the sum over the K outputs",
    })
}

/// c Σ(softplus(ŷ) − y ⊙ ŷ)
fn definition(
    arena: &mut Arena,
    yhat: ExprId,
    y: ExprId,
    coef: Coef,
    _: f64,
) -> Result<ExprId, ShapeError> {
    let softplus = arena.map(Func::Softplus, yhat);
    let target_part = arena.hadamard(y, yhat)?;
    let terms = arena.sub(softplus, target_part)?;
    let total = arena.sum(terms);
    Ok(arena.scale(coef, total))
}

/// d/dŷᵢ (softplus(ŷᵢ) − yᵢŷᵢ) = σ(ŷᵢ) − yᵢ
fn gradient(
    arena: &mut Arena,
    yhat: ExprId,
    y: ExprId,
    coef: Coef,
    _: f64,
) -> Result<Scaled, ShapeError> {
    let probabilities = arena.map(Func::Sigmoid, yhat);
    Ok((coef, arena.sub(probabilities, y)?))
}

/// Logits are what the last linear layer gives: a sigmoid before this loss applies it twice.
fn misfit(last: Option<LayerKind>) -> Option<String> {
    match last {
        Some(LayerKind::Activation(Activation::Sigmoid)) => Some(format!(
            "bce_logits on the output of {}: sigmoid applied twice: BCEWithLogitsLoss takes \
             logits; end the chain with its last linear layer (or use sigmoid with bce)",
            LayerKind::title_of_last(last)
        )),
        _ => None,
    }
}
