//! The losses: their names, the reductions, and what every loss provides (`LossDefinition`).
//! Each loss is a file of its own; adding one is a file, a variant of `LossKind` and its arm
//! in `LossKind::definition` (plus simplifier rules, if it has a fused form).

mod bce;
mod bce_logits;
mod ce;
mod ce_logits;
mod hinge;
mod huber;
mod l1;
mod mse;
mod nll;
mod smooth_l1;

use crate::math::coef::Coef;
use crate::math::expr::{Arena, ExprId, Node};
use crate::math::func::Func;
use crate::math::prose::Prose;
use crate::math::shape::ShapeError;
use crate::network::layer::{Activation, LayerKind, argument_text};
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
    /// Binary cross-entropy on logits, Σ(softplus(ŷ) − y ⊙ ŷ): PyTorch's BCEWithLogitsLoss.
    BceLogits,
    /// The multiclass hinge loss Σ_{j ≠ c} max(0, ŷⱼ − ŷ_c + margin), y one-hot at c.
    Hinge,
    /// Absolute error Σ|ŷ − y|: PyTorch's L1Loss.
    L1,
    /// Huber's loss with threshold δ: PyTorch's HuberLoss.
    Huber,
    /// PyTorch's SmoothL1Loss with threshold β, Huber's loss with δ = β divided by β.
    SmoothL1,
}

/// How the per-element terms are combined.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Reduction {
    /// The sum over the K outputs (the homework's ‖ŷ − y‖²).
    Sum,
    /// The mean over the K outputs (PyTorch's default).
    Mean,
}

#[derive(Clone, Copy, PartialEq, Debug)]
pub struct Loss {
    pub kind: LossKind,
    pub reduction: Reduction,
    /// The loss's argument (hinge's margin, huber's δ), its default if not given; 0 for a loss
    /// that takes none.
    pub argument: f64,
    /// A factor the objective a model writes puts in front of the loss, as a ratio num/den
    /// (½ of `loss = 0.5*mse(yhat, y)`); 1/1 for the loss itself.
    pub scale: (i64, i64),
}

/// What ŷ must satisfy for ℓ to be defined.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum OutputDomain {
    /// Any real entries.
    Real,
    /// Positive entries: the loss takes log ŷ (ce).
    Positive,
    /// Entries in (0, 1): the loss takes log ŷ and log(1 − ŷ) (bce).
    Probability,
}

/// What y must satisfy for ℓ to mean what it says.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum TargetDomain {
    /// Any real entries.
    Real,
    /// Entries in [0, 1] (bce, bce_logits).
    Probability,
    /// Each column a distribution: entries in [0, 1] summing to 1 (ce, nll, ce_logits).
    Distribution,
    /// Each column one-hot: a single 1, the class c, and 0 elsewhere (hinge).
    OneHot,
}

/// The one real argument a loss may take, which must be positive.
pub struct LossArgument {
    /// Its name in messages and help: `margin`, `δ`.
    pub name: &'static str,
    pub default: f64,
}

/// Where ℓ's derivative (or its second derivative) jumps: each expression in ŷ and y with the
/// value at which it does, which the check's points keep away from as from a ReLU's input.
pub type Kinks = Vec<(ExprId, f64)>;

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
    /// ℓ as an expression in ŷ and y, given the reduction's factor and the argument.
    pub definition: fn(&mut Arena, ExprId, ExprId, Coef, f64) -> Result<ExprId, ShapeError>,
    /// ∂ℓ/∂ŷ as a column shaped like ŷ, a factor and the column it scales.
    pub gradient: fn(&mut Arena, ExprId, ExprId, Coef, f64) -> Result<Scaled, ShapeError>,
    /// What ŷ must satisfy.
    pub output: OutputDomain,
    /// What y must satisfy.
    pub target: TargetDomain,
    /// The argument the loss takes, if any: `hinge(2)`.
    pub argument: Option<LossArgument>,
    /// Where the loss's derivatives jump, in ŷ and y (none for a smooth loss).
    pub kinks: fn(&mut Arena, ExprId, ExprId, f64) -> Result<Kinks, ShapeError>,
    /// What the check keeps away from its kinks, in words: `ŷ − y`, with the value it keeps
    /// away from.
    pub kinks_in_words: fn(f64) -> Option<(Prose, f64)>,
    /// The functions the loss writes that the legend does not define elsewhere (Huber's), with
    /// the argument.
    /// Its arguments: the loss's argument, and whether samples are rows (a matrix's sample is a
    /// row rather than a column).
    pub legend: fn(f64, bool) -> Option<Prose>,
    /// What ∂ℓ/∂ŷ does where the derivative does not exist, said beside it.
    pub kink_note: fn(f64) -> Option<Prose>,
    /// A warning when the network's last layer (`None` for an empty chain, written `empty`)
    /// does not produce what the loss takes.
    pub misfit: fn(Option<LayerKind>) -> Option<String>,
    /// The activations the loss applies to ŷ, which the legend defines as it does the chain's.
    pub applies: &'static [Activation],
}

impl LossKind {
    /// Every loss, in the order help and messages list them.
    pub const ALL: [LossKind; 10] = [
        LossKind::Mse,
        LossKind::Bce,
        LossKind::Ce,
        LossKind::Nll,
        LossKind::CeLogits,
        LossKind::BceLogits,
        LossKind::Hinge,
        LossKind::L1,
        LossKind::Huber,
        LossKind::SmoothL1,
    ];

    /// The one place a loss's kind meets its file.
    pub fn definition(self) -> &'static LossDefinition {
        match self {
            LossKind::Mse => &mse::MSE,
            LossKind::Bce => &bce::BCE,
            LossKind::Ce => &ce::CE,
            LossKind::Nll => &nll::NLL,
            LossKind::CeLogits => &ce_logits::CE_LOGITS,
            LossKind::BceLogits => &bce_logits::BCE_LOGITS,
            LossKind::Hinge => &hinge::HINGE,
            LossKind::L1 => &l1::L1,
            LossKind::Huber => &huber::HUBER,
            LossKind::SmoothL1 => &smooth_l1::SMOOTH_L1,
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
                    .map(move |&(name, reduction)| {
                        (
                            name,
                            Loss {
                                reduction,
                                ..Loss::new(kind)
                            },
                        )
                    })
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
const NOT_HERE: &[(&str, Option<&str>)] = &[("KLDivLoss", None)];

impl Loss {
    /// The loss a name stands for (any case), with the reduction the name implies: the loss's
    /// own default for our names, PyTorch's default for PyTorch's; an argument in parentheses
    /// (`hinge(2)`, `HuberLoss(0.5)`) for a loss that takes one. The error says what was meant
    /// where it can.
    pub fn from_name(text: &str) -> Result<Loss, String> {
        let (name, argument) = split_argument(text)?;
        let Some(mut loss) = Loss::named(name) else {
            return Err(unknown(name));
        };
        let definition = loss.kind.definition();
        match (&definition.argument, argument) {
            (_, None) => {}
            (None, Some(_)) => {
                return Err(format!(
                    "`{}`: {} takes no argument; write --loss {name}",
                    shorten(text),
                    definition.name
                ));
            }
            (Some(wanted), Some(given)) => loss.argument = parse_argument(text, wanted, given)?,
        }
        Ok(loss)
    }

    /// The loss a bare name stands for, with its default argument.
    fn named(name: &str) -> Option<Loss> {
        LossKind::ALL.into_iter().find_map(|kind| {
            let definition = kind.definition();
            if definition.name.eq_ignore_ascii_case(name) {
                return Some(Loss::new(kind));
            }
            let (_, reduction) = definition
                .pytorch_names
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(name))?;
            Some(Loss {
                reduction: *reduction,
                ..Loss::new(kind)
            })
        })
    }

    pub fn new(kind: LossKind) -> Loss {
        let definition = kind.definition();
        Loss {
            kind,
            reduction: definition.default_reduction,
            argument: definition.argument.as_ref().map_or(0.0, |a| a.default),
            scale: (1, 1),
        }
    }

    /// The name as `--loss` takes it: `hinge`, `hinge(2)`; the argument is shown only when
    /// it is not the default, as a layer's is.
    pub fn name(self) -> String {
        let definition = self.kind.definition();
        match &definition.argument {
            Some(argument) if self.argument != argument.default => {
                format!("{}({})", definition.name, argument_text(self.argument))
            }
            _ => definition.name.to_string(),
        }
    }

    /// What the definition means in words, printed beside the formula.
    pub fn description(self) -> Prose {
        (self.kind.definition().description)(self.reduction)
    }

    /// The factor in front of the per-element sum: 1, or 1/K for a mean, times the scale.
    fn reduction_coef(self, arena: &Arena, yhat: ExprId) -> Coef {
        let reduction = match self.reduction {
            Reduction::Sum => Coef::one(),
            Reduction::Mean => Coef::per(arena.shape(yhat).rows.clone()),
        };
        reduction.times(&Coef::ratio(self.scale.0, self.scale.1))
    }

    /// ℓ as an expression in ŷ and y.
    pub fn definition(
        self,
        arena: &mut Arena,
        yhat: ExprId,
        y: ExprId,
    ) -> Result<ExprId, ShapeError> {
        let coef = self.reduction_coef(arena, yhat);
        (self.kind.definition().definition)(arena, yhat, y, coef, self.argument)
    }

    /// Where the loss's derivatives jump, as expressions in ŷ and y with the value at which
    /// they do.
    pub fn kinks(self, arena: &mut Arena, yhat: ExprId, y: ExprId) -> Result<Kinks, ShapeError> {
        (self.kind.definition().kinks)(arena, yhat, y, self.argument)
    }

    /// What the check keeps away from the loss's kinks, in words, and from which value.
    pub fn kinks_in_words(self) -> Option<(Prose, f64)> {
        (self.kind.definition().kinks_in_words)(self.argument)
    }

    /// The legend's definition of the functions the loss writes, if it needs one.
    pub fn legend(self, samples_as_rows: bool) -> Option<Prose> {
        (self.kind.definition().legend)(self.argument, samples_as_rows)
    }

    /// What ∂ℓ/∂ŷ takes where the derivative does not exist.
    pub fn kink_note(self) -> Option<Prose> {
        (self.kind.definition().kink_note)(self.argument)
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
        let (factor, column) =
            (self.kind.definition().gradient)(arena, yhat, y, coef, self.argument)?;
        Ok(arena.scale(factor, column))
    }

    /// What ŷ must satisfy for the loss to be defined.
    pub fn output_domain(self) -> OutputDomain {
        self.kind.definition().output
    }

    /// What y must satisfy.
    pub fn target_domain(self) -> TargetDomain {
        self.kind.definition().target
    }

    /// Whether every column of y sums to 1 (a distribution, or one-hot); the simplifier may
    /// then use Σ y = 1.
    pub fn target_is_distribution(self) -> bool {
        matches!(
            self.target_domain(),
            TargetDomain::Distribution | TargetDomain::OneHot
        )
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

/// A smooth loss: no kinks.
fn no_kinks(_: &mut Arena, _: ExprId, _: ExprId, _: f64) -> Result<Kinks, ShapeError> {
    Ok(Vec::new())
}

/// Nothing to say (no kinks, no function of the loss's own, no argument).
fn nothing(_: f64) -> Option<Prose> {
    None
}

/// The legend of a loss that needs none.
fn no_legend(_: f64, _: bool) -> Option<Prose> {
    None
}

/// No kinks to keep away from.
fn no_kinks_in_words(_: f64) -> Option<(Prose, f64)> {
    None
}

/// ŷ − y, the residual the regression losses (l1, huber, smooth_l1) apply their function to.
fn residual(arena: &mut Arena, yhat: ExprId, y: ExprId) -> Result<ExprId, ShapeError> {
    arena.sub(yhat, y)
}

/// c Σ f(ŷ − y): a regression loss summing a function of the residual.
fn sum_of_residual(
    arena: &mut Arena,
    yhat: ExprId,
    y: ExprId,
    coef: Coef,
    func: Func,
) -> Result<ExprId, ShapeError> {
    let r = residual(arena, yhat, y)?;
    let terms = arena.map(func, r);
    let total = arena.sum(terms);
    Ok(arena.scale(coef, total))
}

/// `name(argument)` split into the name and the argument's text; a bare name has none.
fn split_argument(text: &str) -> Result<(&str, Option<&str>), String> {
    let Some(open) = text.find('(') else {
        return Ok((text.trim(), None));
    };
    let name = text[..open].trim();
    let rest = &text[open + 1..];
    match rest.trim_end().strip_suffix(')') {
        Some(inner) if !inner.contains(['(', ')']) => Ok((name, Some(inner))),
        _ => Err(format!(
            "`{}`: expected one argument in parentheses after the loss's name, as in hinge(2)",
            shorten(text)
        )),
    }
}

/// A loss's argument: one finite, positive number.
fn parse_argument(text: &str, wanted: &LossArgument, given: &str) -> Result<f64, String> {
    let text = shorten(text);
    let given = given.trim();
    let name = wanted.name;
    let example = |what: &str| {
        format!(
            "`{text}`: {what}; the {name} is one positive number, {} if omitted",
            argument_text(wanted.default)
        )
    };
    if given.is_empty() {
        return Err(example("no argument between the parentheses"));
    }
    if given.contains(',') {
        return Err(example("more than one argument"));
    }
    let value: f64 = given
        .parse()
        .map_err(|_| example(&format!("`{}` is not a number", shorten(given))))?;
    if !value.is_finite() {
        return Err(example(&format!("{given} is not a finite number")));
    }
    if crate::spec::underflows_to_zero(given, value) {
        return Err(example(&format!(
            "{given} is not 0 but is too small for a double-precision number: it would be read as 0"
        )));
    }
    if value <= 0.0 {
        return Err(example(&format!(
            "the {name} must be positive, and {} is not",
            argument_text(value)
        )));
    }
    Ok(value)
}

/// The error for a name that is no loss: what was meant, where that can be said.
fn unknown(name: &str) -> String {
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
    if let Some((pytorch, instead)) = NOT_HERE.iter().find(|(n, _)| n.eq_ignore_ascii_case(&name)) {
        return match instead {
            Some(instead) => format!("`{name}` is not a loss here: {instead}"),
            None => format!(
                "`{name}` is not a loss here: PyTorch's {pytorch} has no counterpart; {losses}"
            ),
        };
    }
    let mut spellings = LossKind::names();
    spellings.extend(LossKind::pytorch_names().iter().map(|(n, _)| *n));
    let hint = did_you_mean(&name, &spellings)
        .map(|n| format!(" (did you mean `{n}`?)"))
        .unwrap_or_default();
    format!("unknown loss `{name}`{hint}; {losses}")
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
    fn losses_that_are_not_here_say_so() {
        assert_eq!(
            Loss::from_name("CrossEntropyLoss").map(|l| (l.kind, l.reduction)),
            Ok((LossKind::CeLogits, Reduction::Sum))
        );
        let error = Loss::from_name("KLDivLoss").unwrap_err();
        assert!(error.contains("has no counterpart"), "{error}");
        assert!(!error.contains("did you mean"), "{error}");
        let error = Loss::from_name("mes").unwrap_err();
        assert!(error.contains("did you mean `mse`?"), "{error}");
        let error = Loss::from_name("hnige").unwrap_err();
        assert!(error.contains("did you mean `hinge`?"), "{error}");
        assert!(error.contains("mse, bce, ce, nll"), "{error}");
    }

    #[test]
    fn pytorch_spellings_of_the_new_losses_take_pytorch_reductions() {
        let loss = |name: &str| Loss::from_name(name).map(|l| (l.kind, l.reduction, l.argument));
        assert_eq!(
            loss("BCEWithLogitsLoss"),
            Ok((LossKind::BceLogits, Reduction::Mean, 0.0))
        );
        assert_eq!(
            loss("MultiMarginLoss"),
            Ok((LossKind::Hinge, Reduction::Mean, 1.0))
        );
        assert_eq!(loss("hinge"), Ok((LossKind::Hinge, Reduction::Sum, 1.0)));
        assert_eq!(loss("L1Loss"), Ok((LossKind::L1, Reduction::Mean, 0.0)));
        assert_eq!(loss("l1"), Ok((LossKind::L1, Reduction::Mean, 0.0)));
        assert_eq!(
            loss("HuberLoss"),
            Ok((LossKind::Huber, Reduction::Mean, 1.0))
        );
        assert_eq!(
            loss("SmoothL1Loss(0.5)"),
            Ok((LossKind::SmoothL1, Reduction::Mean, 0.5))
        );
    }

    #[test]
    fn arguments_are_read_and_shown_only_when_not_the_default() {
        let hinge = Loss::from_name("hinge(2)").unwrap();
        assert_eq!((hinge.kind, hinge.argument), (LossKind::Hinge, 2.0));
        assert_eq!(hinge.name(), "hinge(2)");
        assert_eq!(Loss::from_name("hinge(1)").unwrap().name(), "hinge");
        assert_eq!(
            Loss::from_name("Huber( 0.5 )").unwrap().name(),
            "huber(0.5)"
        );
        assert_eq!(
            Loss::from_name("smooth_l1(1e-300)").unwrap().name(),
            "smooth_l1(1e-300)"
        );
        assert_eq!(Loss::from_name("huber").unwrap().name(), "huber");
    }

    #[test]
    fn bad_arguments_are_refused_with_what_was_expected() {
        let error = |name: &str| Loss::from_name(name).unwrap_err();
        for (name, said) in [
            ("hinge(0)", "the margin must be positive, and 0 is not"),
            ("hinge(-1)", "the margin must be positive, and -1 is not"),
            ("huber(-0.5)", "the δ must be positive, and -0.5 is not"),
            ("smooth_l1(0)", "the β must be positive"),
            ("huber(inf)", "inf is not a finite number"),
            ("huber(NaN)", "NaN is not a finite number"),
            ("hinge(1e999)", "1e999 is not a finite number"),
            ("hinge(1e-400)", "too small for a double-precision number"),
            ("hinge(x)", "`x` is not a number"),
            ("hinge()", "no argument between the parentheses"),
            ("hinge(1,2)", "more than one argument"),
            ("hinge(2", "expected one argument in parentheses"),
            ("hinge((2))", "expected one argument in parentheses"),
            ("mse(2)", "mse takes no argument; write --loss mse"),
            ("BCEWithLogitsLoss(1)", "bce_logits takes no argument"),
        ] {
            let e = error(name);
            assert!(e.contains(said), "{name}: {e}");
        }
        assert!(
            error("hinge(0)").contains("1 if omitted"),
            "{}",
            error("hinge(0)")
        );
        assert!(error("hnige(2)").contains("did you mean `hinge`?"));
    }
}
