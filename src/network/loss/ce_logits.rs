//! Cross-entropy on logits, PyTorch's CrossEntropyLoss: ℓ = −yᵀ log softmax(ŷ), ŷ the logits
//! and y a distribution (or one-hot). Its gradient is the fused (softmax(ŷ) − y), using Σ y = 1.

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

pub const CE_LOGITS: LossDefinition = LossDefinition {
    name: "ce_logits",
    // PyTorch's mean averages over the samples only: for one sample, the sum over K.
    pytorch_names: &[
        ("CrossEntropyLoss", Reduction::Sum),
        ("cross_entropy", Reduction::Sum),
    ],
    default_reduction: Reduction::Sum,
    description,
    definition,
    gradient,
    // log softmax(ŷ) is finite for every ŷ: the logits have no domain to keep.
    output: OutputDomain::Real,
    target: TargetDomain::Distribution,
    argument: None,
    kinks: no_kinks,
    kinks_in_words: no_kinks_in_words,
    legend: no_legend,
    kink_note: nothing,
    misfit,
    applies: &[Activation::LogSoftmax, Activation::Softmax],
};

fn description(reduction: Reduction) -> Prose {
    let prose = Prose::new()
        .words("cross-entropy of the probabilities ")
        .fixed("softmax(", "\\mathrm{softmax}(")
        .symbol(&Symbol::Output)
        .fixed(")", ")")
        .words(" of the logits ")
        .symbol(&Symbol::Output)
        .words(" against the target distribution ")
        .symbol(&Symbol::Target);
    match reduction {
        Reduction::Sum => prose.words(
            " (each entry in [0, 1], summing to 1), as PyTorch's CrossEntropyLoss for one sample",
        ),
        Reduction::Mean => prose.words(
            ", divided by K (PyTorch's CrossEntropyLoss does not divide by the number of \
             classes)",
        ),
    }
}

/// −Σ yᵢ (log softmax(ŷ))ᵢ
fn definition(
    arena: &mut Arena,
    yhat: ExprId,
    y: ExprId,
    coef: Coef,
    _: f64,
) -> Result<ExprId, ShapeError> {
    let log_probabilities = arena.map(Func::LogSoftmax, yhat);
    cross_entropy_against(arena, y, log_probabilities, coef)
}

/// d/dŷ −Σ yᵢ (ŷᵢ − log Σⱼ exp ŷⱼ) = softmax(ŷ) Σ y − y = softmax(ŷ) − y, as Σ y = 1.
fn gradient(
    arena: &mut Arena,
    yhat: ExprId,
    y: ExprId,
    coef: Coef,
    _: f64,
) -> Result<Scaled, ShapeError> {
    let probabilities = arena.map(Func::Softmax, yhat);
    Ok((coef, arena.sub(probabilities, y)?))
}

/// Logits are what the last linear layer gives: a softmax or log_softmax before this loss
/// applies it twice, the mistake PyTorch users make most.
fn misfit(last: Option<LayerKind>) -> Option<String> {
    match last {
        Some(LayerKind::Activation(Activation::Softmax | Activation::LogSoftmax)) => Some(format!(
            "ce_logits on the output of {}: softmax applied twice: CrossEntropyLoss takes \
                 logits; end the chain with its last linear layer (or use softmax with ce)",
            LayerKind::title_of_last(last)
        )),
        _ => None,
    }
}
