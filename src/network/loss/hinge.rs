//! The multiclass hinge loss of CS231n's SVM, y one-hot at the true class c:
//! ℓ = c Σ_{j ≠ c} max(0, ŷⱼ − ŷ_c + margin), summed over the classes by default; with the mean
//! over the K classes, PyTorch's MultiMarginLoss. Written with yᵀŷ = ŷ_c and the factor (1 − y),
//! which drops the class c. Its gradient counts the classes whose margin is violated:
//! g − y(𝟏ᵀg) with g = (1 − y) ⊙ [ŷ − 𝟏yᵀŷ + margin > 0], 0 where a margin is exactly 0 (as
//! ReLU′(0) and PyTorch).

use super::{Kinks, LossArgument, LossDefinition, OutputDomain, Reduction, Scaled, TargetDomain};
use crate::math::coef::Coef;
use crate::math::expr::{Arena, ExprId};
use crate::math::func::{Func, Param};
use crate::math::prose::{Math, Prose};
use crate::math::shape::ShapeError;
use crate::network::layer::{Activation, LayerKind};

pub const HINGE: LossDefinition = LossDefinition {
    name: "hinge",
    // PyTorch divides by the number of classes.
    pytorch_names: &[("MultiMarginLoss", Reduction::Mean)],
    default_reduction: Reduction::Sum,
    description,
    definition,
    gradient,
    output: OutputDomain::Real,
    target: TargetDomain::OneHot,
    argument: Some(LossArgument {
        name: "margin",
        default: 1.0,
    }),
    kinks,
    kinks_in_words,
    legend,
    kink_note,
    misfit,
    applies: &[],
};

fn description(reduction: Reduction) -> Prose {
    Prose::new().words(match reduction {
        Reduction::Sum => {
            "multiclass hinge loss (the SVM loss of CS231n), summed over the classes j other \
             than the true class c"
        }
        Reduction::Mean => {
            "multiclass hinge loss (the SVM loss of CS231n), summed over the classes j other \
             than the true class c and divided by K, as PyTorch's MultiMarginLoss"
        }
    })
}

/// Each class's score less the true class's, ŷ − 𝟏yᵀŷ (ŷⱼ − ŷ_c in entry j); for a mini-batch
/// Ŷ − 𝟏𝟏ᵀ(Y ⊙ Ŷ), each column less its own true score.
fn score_differences(arena: &mut Arena, yhat: ExprId, y: ExprId) -> Result<ExprId, ShapeError> {
    let shape = arena.shape(yhat).clone();
    let ones = arena.ones(shape.rows.clone());
    let true_scores = if shape.is_column() {
        let y_row = arena.transpose(y);
        arena.product(&[ones, y_row, yhat])?
    } else {
        let ones_row = arena.transpose(ones);
        let picked = arena.hadamard(y, yhat)?;
        arena.product(&[ones, ones_row, picked])?
    };
    arena.sub(yhat, true_scores)
}

/// c Σ((1 − y) ⊙ max(0, ŷ − 𝟏yᵀŷ + margin))
fn definition(
    arena: &mut Arena,
    yhat: ExprId,
    y: ExprId,
    coef: Coef,
    margin: f64,
) -> Result<ExprId, ShapeError> {
    let differences = score_differences(arena, yhat, y)?;
    let hinges = arena.map(Func::Margin(Param::new(margin)), differences);
    let others = arena.one_minus(y)?;
    let terms = arena.hadamard(others, hinges)?;
    let total = arena.sum(terms);
    Ok(arena.scale(coef, total))
}

/// With g = (1 − y) ⊙ [ŷ − 𝟏yᵀŷ + margin > 0], the classes j ≠ c whose margin is violated:
/// ∂ℓ/∂ŷⱼ = gⱼ for j ≠ c and −Σⱼ gⱼ for c, that is g − y(𝟏ᵀg); for a mini-batch
/// G − Y ⊙ 𝟏𝟏ᵀG, column by column the same.
fn gradient(
    arena: &mut Arena,
    yhat: ExprId,
    y: ExprId,
    coef: Coef,
    margin: f64,
) -> Result<Scaled, ShapeError> {
    let shape = arena.shape(yhat).clone();
    let differences = score_differences(arena, yhat, y)?;
    let violated = arena.map(Func::MarginStep(Param::new(margin)), differences);
    let others = arena.one_minus(y)?;
    let counted = arena.hadamard(others, violated)?;
    let ones = arena.ones(shape.rows.clone());
    let ones_row = arena.transpose(ones);
    let to_true_class = if shape.is_column() {
        arena.product(&[y, ones_row, counted])?
    } else {
        let spread = arena.product(&[ones, ones_row, counted])?;
        arena.hadamard(y, spread)?
    };
    Ok((coef, arena.sub(counted, to_true_class)?))
}

/// max(0, ·) bends where ŷⱼ − ŷ_c + margin is 0 for a class j ≠ c. The true class's own entry
/// of ŷ − 𝟏yᵀŷ, always 0 and multiplied by 0 in ℓ, is moved below the kink (by a whole number
/// more than the margin), so that a point with entries on both sides of it has some margin
/// violated and some met, and a tiny margin does not put every point near a kink.
fn kinks(arena: &mut Arena, yhat: ExprId, y: ExprId, margin: f64) -> Result<Kinks, ShapeError> {
    let differences = score_differences(arena, yhat, y)?;
    let below = (margin.ceil() + 1.0).min(i64::MAX as f64) as i64;
    let true_class = arena.scale(Coef::integer(below), y);
    Ok(vec![(arena.sub(differences, true_class)?, -margin)])
}

fn kinks_in_words(_: f64) -> Option<(Prose, f64)> {
    Some((
        Prose::new().words("the margins ").fixed(
            "ŷⱼ − ŷ_c + margin",
            "\\hat{y}_{j} - \\hat{y}_{c} + \\mathrm{margin}",
        ),
        0.0,
    ))
}

fn legend(margin: f64, samples_as_rows: bool) -> Option<Prose> {
    Some(
        Prose::new()
            .symbol(&crate::math::symbol::Symbol::Target)
            .words(" is one-hot, its 1 at the true class c, so ")
            .fixed("yᵀŷ = ŷ_c", "y^{\\top}\\hat{y} = \\hat{y}_{c}")
            .words(" is that class's score and the factor ")
            .fixed("1 − y", "1 - y")
            .words(" drops the class c from the sum; on a matrix, ")
            .then(if samples_as_rows {
                Prose::new()
                    .fixed("(Y ⊙ Ŷ)𝟏", "(Y \\odot \\hat{Y})\\mathbf{1}")
                    .words(" holds each row's true score. The margin ")
            } else {
                Prose::new()
                    .fixed("𝟏ᵀ(Y ⊙ Ŷ)", "\\mathbf{1}^{\\top}(Y \\odot \\hat{Y})")
                    .words(" holds each column's true score. The margin ")
            })
            .math(Math::Number(margin))
            .words(" is added to every entry inside ")
            .fixed("max(0, ·)", "\\max(0, \\cdot)")
            .words(" and the Iverson bracket."),
    )
}

fn kink_note(_: f64) -> Option<Prose> {
    Some(
        Prose::new()
            .fixed("max(0, ·)", "\\max(0, \\cdot)")
            .words(" has no derivative where ")
            .fixed(
                "ŷⱼ − ŷ_c + margin",
                "\\hat{y}_{j} - \\hat{y}_{c} + \\mathrm{margin}",
            )
            .words(" is 0 for a class j other than c; 0 is used there, as ")
            .fixed("ReLU′(0) = 0", "\\mathrm{ReLU}'(0) = 0")
            .words(" and as in PyTorch's MultiMarginLoss."),
    )
}

/// The hinge compares raw class scores: probabilities differ by less than 1, so a margin of 1
/// or more can never be met.
fn misfit(last: Option<LayerKind>) -> Option<String> {
    match last {
        Some(LayerKind::Activation(
            Activation::Softmax | Activation::Sigmoid | Activation::LogSoftmax,
        )) => Some(format!(
            "hinge on the output of {}: the multiclass hinge loss takes raw class scores (CS231n's \
             SVM); squeezed into (0, 1) or below 0 they may never clear the margin; end the \
             chain with its last linear layer",
            LayerKind::title_of_last(last)
        )),
        _ => None,
    }
}
