//! The losses: their definitions and their Jacobians ∂ℓ/∂ŷ (1×K rows, numerator layout).

use crate::math::coef::Coef;
use crate::math::expr::{Arena, ExprId, Node};
use crate::math::func::Func;
use crate::math::prose::Prose;
use crate::math::shape::ShapeError;
use crate::math::symbol::Symbol;

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

/// The names `--loss` takes, compared case-insensitively: ours, and PyTorch's class names for
/// the same loss with PyTorch's default reduction. PyTorch's mean averages over every entry,
/// which is our mean over the K outputs and, with `--batch`, the mean over the N samples that
/// ℓ always takes; NLLLoss averages over the samples only, so it is nll with the sum over K.
const NAMES: &[(&str, LossKind, Option<Reduction>)] = &[
    ("mse", LossKind::Mse, None),
    ("bce", LossKind::Bce, None),
    ("ce", LossKind::Ce, None),
    ("nll", LossKind::Nll, None),
    ("MSELoss", LossKind::Mse, Some(Reduction::Mean)),
    ("BCELoss", LossKind::Bce, Some(Reduction::Mean)),
    ("NLLLoss", LossKind::Nll, Some(Reduction::Sum)),
];

/// PyTorch losses that have no counterpart here, and what to write instead, if anything.
const NOT_HERE: &[(&str, Option<&str>)] = &[
    (
        "CrossEntropyLoss",
        Some(
            "PyTorch's CrossEntropyLoss takes logits and applies log_softmax itself, and no loss \
             here takes logits: end the chain with log_softmax and give --loss nll (or with \
             softmax and give --loss ce)",
        ),
    ),
    (
        "BCEWithLogitsLoss",
        Some(
            "PyTorch's BCEWithLogitsLoss takes logits and applies the sigmoid itself, and no loss \
             here takes logits: end the chain with sigmoid and give --loss bce",
        ),
    ),
    ("L1Loss", None),
    ("SmoothL1Loss", None),
    ("HuberLoss", None),
    ("KLDivLoss", None),
];

impl Reduction {
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

impl LossKind {
    /// Our names of the losses, for help and messages.
    pub fn names() -> Vec<&'static str> {
        NAMES
            .iter()
            .filter(|(_, _, pytorch)| pytorch.is_none())
            .map(|(name, _, _)| *name)
            .collect()
    }

    /// The PyTorch spellings taken, with what each stands for: `MSELoss` → (mse, mean).
    pub fn pytorch_names() -> Vec<(&'static str, Loss)> {
        NAMES
            .iter()
            .filter_map(|(name, kind, reduction)| {
                reduction.map(|reduction| {
                    (
                        *name,
                        Loss {
                            kind: *kind,
                            reduction,
                        },
                    )
                })
            })
            .collect()
    }
}

impl Loss {
    /// The loss a name stands for (any case), with the reduction the name implies: the loss's
    /// own default for our names, PyTorch's default for PyTorch's. The error says what was
    /// meant where it can.
    pub fn from_name(name: &str) -> Result<Loss, String> {
        if let Some((_, kind, reduction)) =
            NAMES.iter().find(|(n, _, _)| n.eq_ignore_ascii_case(name))
        {
            let mut loss = Loss::new(*kind);
            if let Some(reduction) = reduction {
                loss.reduction = *reduction;
            }
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
        let name = crate::spec::suggest::shorten(name);
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
        let spellings: Vec<&str> = NAMES.iter().map(|(n, _, _)| *n).collect();
        let hint = crate::spec::suggest::did_you_mean(&name, &spellings)
            .map(|n| format!(" (did you mean `{n}`?)"))
            .unwrap_or_default();
        Err(format!("unknown loss `{name}`{hint}; {losses}"))
    }

    pub fn new(kind: LossKind) -> Loss {
        let reduction = match kind {
            LossKind::Mse | LossKind::Ce | LossKind::Nll => Reduction::Sum,
            LossKind::Bce => Reduction::Mean,
        };
        Loss { kind, reduction }
    }

    pub fn name(self) -> &'static str {
        match self.kind {
            LossKind::Mse => "mse",
            LossKind::Bce => "bce",
            LossKind::Ce => "ce",
            LossKind::Nll => "nll",
        }
    }

    /// What the definition means in words, printed beside the formula.
    pub fn description(self) -> Prose {
        let words = |w: &str| Prose::new().words(w);
        match (self.kind, self.reduction) {
            (LossKind::Mse, Reduction::Sum) => words(
                "squared error, the sum of squares; PyTorch's MSELoss takes the mean, given by \
                 --reduction mean",
            ),
            (LossKind::Mse, Reduction::Mean) => {
                words("mean squared error, the mean over the K outputs (PyTorch's MSELoss)")
            }
            (LossKind::Bce, Reduction::Mean) => {
                words("binary cross-entropy, the mean over the K outputs, as PyTorch's BCELoss")
            }
            (LossKind::Bce, Reduction::Sum) => {
                words("binary cross-entropy, the sum over the K outputs")
            }
            (LossKind::Ce, Reduction::Mean) => words("cross-entropy of the probabilities ")
                .symbol(&Symbol::Output)
                .words(" against the target distribution ")
                .symbol(&Symbol::Target)
                .words(
                    ", divided by K (PyTorch's CrossEntropyLoss does not divide by the number \
                     of classes)",
                ),
            (LossKind::Nll, Reduction::Mean) => words("negative log-likelihood, divided by K"),
            (LossKind::Ce, Reduction::Sum) => words("cross-entropy of the probabilities ")
                .symbol(&Symbol::Output)
                .words(" against the target distribution ")
                .symbol(&Symbol::Target)
                .words(" (each entry in [0, 1], summing to 1)"),
            (LossKind::Nll, Reduction::Sum) => {
                words("negative log-likelihood of the log-probabilities ")
                    .symbol(&Symbol::Output)
                    .words(" against the target distribution ")
                    .symbol(&Symbol::Target)
                    .words(" (each entry in [0, 1], summing to 1)")
            }
        }
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
        match self.kind {
            LossKind::Mse => {
                let diff = arena.sub(yhat, y)?;
                let norm = arena.squared_norm(diff);
                Ok(arena.scale(coef, norm))
            }
            LossKind::Bce => {
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
            LossKind::Ce => {
                let log_yhat = arena.map(Func::Log, yhat);
                let terms = arena.hadamard(y, log_yhat)?;
                let total = arena.sum(terms);
                Ok(arena.scale(coef.negated(), total))
            }
            LossKind::Nll => {
                let terms = arena.hadamard(y, yhat)?;
                let total = arena.sum(terms);
                Ok(arena.scale(coef.negated(), total))
            }
        }
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
        let diff = arena.sub(yhat, y)?;
        let (factor, column) = match self.kind {
            // d/dŷ ‖ŷ − y‖² = 2(ŷ − y)
            LossKind::Mse => (Coef::integer(2).times(&coef), diff),
            // d/dŷᵢ −[yᵢ log ŷᵢ + (1 − yᵢ) log(1 − ŷᵢ)] = (ŷᵢ − yᵢ) / (ŷᵢ(1 − ŷᵢ))
            LossKind::Bce => {
                let one_minus_yhat = arena.one_minus(yhat)?;
                let variance = arena.hadamard(yhat, one_minus_yhat)?;
                (coef, arena.divide(diff, variance)?)
            }
            // d/dŷᵢ −yᵢ log ŷᵢ = −yᵢ / ŷᵢ
            LossKind::Ce => (coef.negated(), arena.divide(y, yhat)?),
            // d/dŷᵢ −yᵢ ŷᵢ = −yᵢ
            LossKind::Nll => (coef.negated(), y),
        };
        Ok(arena.scale(factor, column))
    }

    /// Whether ŷ must lie in (0, 1) and y in [0, 1] for the loss to be defined.
    pub fn needs_probabilities(self) -> bool {
        self.kind == LossKind::Bce
    }

    /// Whether the loss takes the logarithm of ŷ, which must then stay positive.
    pub fn takes_log_of_output(self) -> bool {
        matches!(self.kind, LossKind::Bce | LossKind::Ce)
    }

    /// Whether y is a probability distribution (entries in [0, 1] summing to 1); the simplifier
    /// may then use Σ y = 1.
    pub fn target_is_distribution(self) -> bool {
        matches!(self.kind, LossKind::Ce | LossKind::Nll)
    }
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
        let error = Loss::from_name("CrossEntropyLoss").unwrap_err();
        assert!(error.contains("takes logits"), "{error}");
        assert!(
            error.contains("log_softmax") && error.contains("--loss nll"),
            "{error}"
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
