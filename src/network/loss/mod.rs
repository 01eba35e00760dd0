//! The losses: their names, the reductions, and what every loss provides (`LossDefinition`).
//! Each loss is a file of its own; adding one is a file, a variant of `LossKind` and its arm
//! in `LossKind::definition` (plus simplifier rules, if it has a fused form).

mod bce;
mod ce;
mod ce_logits;
mod mse;
mod nll;

use crate::math::coef::Coef;
use crate::math::expr::{Arena, ExprId, Node};
use crate::math::prose::Prose;
use crate::math::shape::ShapeError;
use crate::network::layer::{Activation, LayerKind};
use crate::spec::suggest::{did_you_mean, shorten};

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum LossKind {
    /// Squared error ‖ŷ − y‖² (the sum of squares; `--reduction mean` divides by K).
    Mse,
    /// Binary cross-entropy −(1/K) Σ [yᵢ log ŷᵢ + (1 − yᵢ) log(1 − ŷᵢ)].
    Bce,
    /// Cross-entropy −Σ yᵢ log ŷᵢ on probabilities ŷ (after softmax), y a distribution.
    Ce,
    /// Negative log-likelihood −Σ yᵢ ŷᵢ on log-probabilities ŷ (after log_softmax).
    Nll,
    /// Cross-entropy −yᵀ log softmax(ŷ) on logits ŷ: PyTorch's CrossEntropyLoss.
    CeLogits,
}

/// How the per-element terms are combined.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Reduction {
    /// The sum over the K outputs (the homework's ‖ŷ − y‖²).
    Sum,
    /// The mean over the K outputs (PyTorch's default).
    Mean,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Loss {
    pub kind: LossKind,
    pub reduction: Reduction,
}

/// A factor and the column it scales.
pub type Scaled = (Coef, ExprId);

/// What one loss is. `coef` is the reduction's factor in front of the sum over the outputs: 1,
/// or 1/K for a mean.
pub struct LossDefinition {
    /// The name `--loss` takes.
    pub name: &'static str,
    /// PyTorch's class names for the loss, each with PyTorch's default reduction. PyTorch's
    /// mean averages over every entry, which is our mean over the K outputs and, with
    /// `--batch`, the mean over the N samples that ℓ always takes.
    pub pytorch_names: &'static [(&'static str, Reduction)],
    pub default_reduction: Reduction,
    /// What the definition means in words, printed beside the formula.
    pub description: fn(Reduction) -> Prose,
    /// ℓ as an expression in ŷ and y.
    pub definition: fn(&mut Arena, ExprId, ExprId, Coef) -> Result<ExprId, ShapeError>,
    /// ∂ℓ/∂ŷ as a column shaped like ŷ, a factor and the column it scales.
    pub gradient: fn(&mut Arena, ExprId, ExprId, Coef) -> Result<Scaled, ShapeError>,
    /// ŷ must lie in (0, 1) and y in [0, 1].
    pub needs_probabilities: bool,
    /// The loss takes the logarithm of ŷ, which must then stay positive.
    pub takes_log_of_output: bool,
    /// y is a probability distribution (entries in [0, 1] summing to 1).
    pub target_is_distribution: bool,
    /// A warning when the network's last layer (`None` for an empty chain, written `empty`)
    /// does not produce what the loss takes.
    pub misfit: fn(Option<LayerKind>) -> Option<String>,
    /// The activations the loss applies to ŷ, which the legend defines as it does the chain's.
    pub applies: &'static [Activation],
}

impl LossKind {
    /// Every loss, in the order help and messages list them.
    pub const ALL: [LossKind; 5] = [
        LossKind::Mse,
        LossKind::Bce,
        LossKind::Ce,
        LossKind::Nll,
        LossKind::CeLogits,
    ];

    /// The one place a loss's kind meets its file.
    pub fn definition(self) -> &'static LossDefinition {
        match self {
            LossKind::Mse => &mse::MSE,
            LossKind::Bce => &bce::BCE,
            LossKind::Ce => &ce::CE,
            LossKind::Nll => &nll::NLL,
            LossKind::CeLogits => &ce_logits::CE_LOGITS,
        }
    }

    /// Our names of the losses, for help and messages.
    pub fn names() -> Vec<&'static str> {
        LossKind::ALL.iter().map(|k| k.definition().name).collect()
    }

    /// The PyTorch spellings taken, with what each stands for: `MSELoss` → (mse, mean).
    pub fn pytorch_names() -> Vec<(&'static str, Loss)> {
        LossKind::ALL
            .iter()
            .flat_map(|&kind| {
                kind.definition()
                    .pytorch_names
                    .iter()
                    .map(move |&(name, reduction)| (name, Loss { kind, reduction }))
            })
            .collect()
    }
}

impl Reduction {
    pub const ALL: [Reduction; 2] = [Reduction::Sum, Reduction::Mean];

    /// The name `--reduction` takes.
    pub fn name(self) -> &'static str {
        match self {
            Reduction::Sum => "sum",
            Reduction::Mean => "mean",
        }
    }

    /// What it means, for help.
    pub fn meaning(self) -> &'static str {
        match self {
            Reduction::Sum => "The sum over the K outputs (the homework's ‖ŷ − y‖²)",
            Reduction::Mean => "The mean over the K outputs (PyTorch's default)",
        }
    }
}

/// PyTorch losses that have no counterpart here, and what to write instead, if anything.
const NOT_HERE: &[(&str, Option<&str>)] = &[
    (
        "BCEWithLogitsLoss",
        Some(
            "PyTorch's BCEWithLogitsLoss takes logits and applies the sigmoid itself, and bce \
             here takes probabilities: end the chain with sigmoid and give --loss bce",
        ),
    ),
    ("L1Loss", None),
    ("SmoothL1Loss", None),
    ("HuberLoss", None),
    ("KLDivLoss", None),
];

impl Loss {
    /// The loss a name stands for (any case), with the reduction the name implies: the loss's
    /// own default for our names, PyTorch's default for PyTorch's. The error says what was
    /// meant where it can.
    pub fn from_name(name: &str) -> Result<Loss, String> {
        if let Some(loss) = LossKind::ALL.into_iter().find_map(|kind| {
            let definition = kind.definition();
            if definition.name.eq_ignore_ascii_case(name) {
                return Some(Loss::new(kind));
            }
            let (_, reduction) = definition
                .pytorch_names
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(name))?;
            Some(Loss {
                kind,
                reduction: *reduction,
            })
        }) {
            return Ok(loss);
        }
        let losses = format!(
            "the losses are {}, or PyTorch's {}",
            LossKind::names().join(", "),
            LossKind::pytorch_names()
                .iter()
                .map(|(n, _)| *n)
                .collect::<Vec<_>>()
                .join(", ")
        );
        let name = shorten(name);
        if let Some((pytorch, instead)) =
            NOT_HERE.iter().find(|(n, _)| n.eq_ignore_ascii_case(&name))
        {
            return Err(match instead {
                Some(instead) => format!("`{name}` is not a loss here: {instead}"),
                None => format!(
                    "`{name}` is not a loss here: PyTorch's {pytorch} has no counterpart; {losses}"
                ),
            });
        }
        let mut spellings = LossKind::names();
        spellings.extend(LossKind::pytorch_names().iter().map(|(n, _)| *n));
        let hint = did_you_mean(&name, &spellings)
            .map(|n| format!(" (did you mean `{n}`?)"))
            .unwrap_or_default();
        Err(format!("unknown loss `{name}`{hint}; {losses}"))
    }

    pub fn new(kind: LossKind) -> Loss {
        Loss {
            kind,
            reduction: kind.definition().default_reduction,
        }
    }

    pub fn name(self) -> &'static str {
        self.kind.definition().name
    }

    /// What the definition means in words, printed beside the formula.
    pub fn description(self) -> Prose {
        (self.kind.definition().description)(self.reduction)
    }

    /// The factor in front of the per-element sum: 1, or 1/K for a mean.
    fn reduction_coef(self, arena: &Arena, yhat: ExprId) -> Coef {
        match self.reduction {
            Reduction::Sum => Coef::one(),
            Reduction::Mean => Coef::per(arena.shape(yhat).rows.clone()),
        }
    }

    /// ℓ as an expression in ŷ and y.
    pub fn definition(
        self,
        arena: &mut Arena,
        yhat: ExprId,
        y: ExprId,
    ) -> Result<ExprId, ShapeError> {
        let coef = self.reduction_coef(arena, yhat);
        (self.kind.definition().definition)(arena, yhat, y, coef)
    }

    /// ∂ℓ/∂ŷ, a 1×K row.
    pub fn jacobian(
        self,
        arena: &mut Arena,
        yhat: ExprId,
        y: ExprId,
    ) -> Result<ExprId, ShapeError> {
        let gradient = self.gradient(arena, yhat, y)?;
        let Node::Scale(factor, column) = arena.node(gradient).clone() else {
            return Ok(arena.transpose(gradient));
        };
        let row = arena.transpose(column);
        Ok(arena.scale(factor, row))
    }

    /// The gradient of one sample's loss with respect to its ŷ, a column shaped like ŷ; for a
    /// mini-batch (ŷ and y matrices of samples) the matrix of every sample's gradient.
    pub fn gradient(
        self,
        arena: &mut Arena,
        yhat: ExprId,
        y: ExprId,
    ) -> Result<ExprId, ShapeError> {
        let coef = self.reduction_coef(arena, yhat);
        let (factor, column) = (self.kind.definition().gradient)(arena, yhat, y, coef)?;
        Ok(arena.scale(factor, column))
    }

    /// Whether ŷ must lie in (0, 1) and y in [0, 1] for the loss to be defined.
    pub fn needs_probabilities(self) -> bool {
        self.kind.definition().needs_probabilities
    }

    /// Whether the loss takes the logarithm of ŷ, which must then stay positive.
    pub fn takes_log_of_output(self) -> bool {
        self.kind.definition().takes_log_of_output
    }

    /// Whether y is a probability distribution (entries in [0, 1] summing to 1); the simplifier
    /// may then use Σ y = 1.
    pub fn target_is_distribution(self) -> bool {
        self.kind.definition().target_is_distribution
    }

    /// A warning when the network's last layer does not produce what the loss takes.
    pub fn misfit(self, last: Option<LayerKind>) -> Option<String> {
        (self.kind.definition().misfit)(last)
    }
}

/// −c Σ(y ⊙ v): the cross-entropy of a target y against log-probabilities v (log ŷ for ce,
/// log softmax(ŷ) for ce_logits, ŷ itself for nll), c the reduction's factor.
fn cross_entropy_against(
    arena: &mut Arena,
    y: ExprId,
    log_probabilities: ExprId,
    coef: Coef,
) -> Result<ExprId, ShapeError> {
    let terms = arena.hadamard(y, log_probabilities)?;
    let total = arena.sum(terms);
    Ok(arena.scale(coef.negated(), total))
}

/// No warning: the loss takes any output.
fn fits_any(_: Option<LayerKind>) -> Option<String> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_case_insensitive_and_pytorch_spellings_take_pytorch_reductions() {
        let loss = |name: &str| Loss::from_name(name).map(|l| (l.kind, l.reduction));
        assert_eq!(loss("mse"), Ok((LossKind::Mse, Reduction::Sum)));
        assert_eq!(loss("CE"), Ok((LossKind::Ce, Reduction::Sum)));
        assert_eq!(loss("Bce"), Ok((LossKind::Bce, Reduction::Mean)));
        assert_eq!(loss("MSELoss"), Ok((LossKind::Mse, Reduction::Mean)));
        assert_eq!(loss("mseloss"), Ok((LossKind::Mse, Reduction::Mean)));
        assert_eq!(loss("BCELoss"), Ok((LossKind::Bce, Reduction::Mean)));
        assert_eq!(loss("NLLLoss"), Ok((LossKind::Nll, Reduction::Sum)));
    }

    #[test]
    fn losses_that_are_not_here_say_what_to_write_instead() {
        assert_eq!(
            Loss::from_name("CrossEntropyLoss"),
            Ok(Loss {
                kind: LossKind::CeLogits,
                reduction: Reduction::Sum
            })
        );
        let error = Loss::from_name("BCEWithLogitsLoss").unwrap_err();
        assert!(
            error.contains("sigmoid") && error.contains("--loss bce"),
            "{error}"
        );
        let error = Loss::from_name("L1Loss").unwrap_err();
        assert!(error.contains("has no counterpart"), "{error}");
        assert!(!error.contains("did you mean"), "{error}");
        let error = Loss::from_name("mes").unwrap_err();
        assert!(error.contains("did you mean `mse`?"), "{error}");
        let error = Loss::from_name("hinge").unwrap_err();
        assert!(error.contains("mse, bce, ce, nll"), "{error}");
    }
}
