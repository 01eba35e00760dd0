//! The table of layers: each layer's spellings, arguments, forward expression and Jacobian.
//!
//! Adding an activation is adding a row to `ACTIVATIONS` and its arms below (and, if it needs a
//! new function, a variant of `Func`); the grammar, the differentiator and the renderers need
//! no change.

use crate::math::expr::{Arena, ExprId};
use crate::math::func::{Func, Param};
use crate::math::prose::{Math, Prose};
use crate::math::shape::ShapeError;
use crate::network::affine::Affine;
use crate::network::combine::Combine;
use crate::network::dropout::{self, Dropout};
use crate::network::normalization::{DEFAULT_EPSILON, NORMALIZATIONS, Normalization};

#[derive(Clone, Copy, PartialEq, Debug)]
pub enum LayerKind {
    Linear,
    Activation(Activation),
    /// Not a row of the activation table: besides its argument p it takes an input of its
    /// own, the mask, which the network creates as a leaf and numbers among dropout layers.
    Dropout(Dropout),
    /// layernorm or batchnorm, with the parameters γ⁽ᵏ⁾ and β⁽ᵏ⁾.
    Normalization(Normalization),
    /// Not a layer of the chain syntax: a model's node that combines two values (a residual
    /// connection's sum, a gate's product).
    Combine(Combine),
    /// A model's `W*h + b` with weights of its own.
    Affine(Affine),
    /// A model's constant on one value: `0.5*h`, `1 - g`.
    Scalar(crate::network::scalar::Scalar),
}

#[derive(Clone, Copy, PartialEq, Debug)]
pub enum Activation {
    Identity,
    Relu,
    LeakyRelu { alpha: f64 },
    Elu { alpha: f64 },
    Sigmoid,
    Tanh,
    Softplus,
    Silu,
    Softmax,
    LogSoftmax,
}

/// One row of the table: the name used in specs, other accepted spellings (PyTorch's, compared
/// case-insensitively), and the argument it takes with its default.
struct Row {
    name: &'static str,
    aliases: &'static [&'static str],
    argument: Option<(&'static str, f64)>,
    make: fn(f64) -> Activation,
}

const ACTIVATIONS: &[Row] = &[
    Row {
        name: "relu",
        aliases: &[],
        argument: None,
        make: |_| Activation::Relu,
    },
    Row {
        name: "leaky_relu",
        aliases: &["leakyrelu"],
        argument: Some(("α", 0.01)),
        make: |alpha| Activation::LeakyRelu { alpha },
    },
    Row {
        name: "elu",
        aliases: &[],
        argument: Some(("α", 1.0)),
        make: |alpha| Activation::Elu { alpha },
    },
    Row {
        name: "sigmoid",
        aliases: &[],
        argument: None,
        make: |_| Activation::Sigmoid,
    },
    Row {
        name: "tanh",
        aliases: &[],
        argument: None,
        make: |_| Activation::Tanh,
    },
    Row {
        name: "softplus",
        aliases: &[],
        argument: None,
        make: |_| Activation::Softplus,
    },
    Row {
        name: "silu",
        aliases: &[],
        argument: None,
        make: |_| Activation::Silu,
    },
    Row {
        name: "softmax",
        aliases: &[],
        argument: None,
        make: |_| Activation::Softmax,
    },
    Row {
        name: "log_softmax",
        aliases: &["logsoftmax"],
        argument: None,
        make: |_| Activation::LogSoftmax,
    },
    Row {
        name: "identity",
        aliases: &[],
        argument: None,
        make: |_| Activation::Identity,
    },
];

/// Why a layer's name or arguments were refused, and which argument (by index) is at fault.
#[derive(Debug, PartialEq)]
pub enum LayerError {
    UnknownName,
    /// Arguments given to a layer that takes none.
    TakesNoArguments,
    /// `leaky_relu()`.
    EmptyArguments,
    /// More arguments than the layer takes; the index of the first extra one.
    TooManyArguments(usize),
    /// An argument that is not a finite number; its index.
    NotFinite(usize),
    /// An argument outside what the layer accepts (dropout's p = 1): its index, the problem
    /// and what was expected.
    OutOfRange(usize, String, String),
    /// An argument that must be positive and is not (a normalization's ε); its index.
    NotPositive(usize),
}

impl LayerKind {
    /// The layers as `--help` lists them: `relu`, `leaky_relu(α)` with the default of α, and
    /// the other spellings taken.
    pub fn usage() -> String {
        let mut names = vec!["linear".to_string()];
        let mut aliases = Vec::new();
        for row in ACTIVATIONS {
            names.push(match row.argument {
                Some((argument, default)) => format!(
                    "{}({argument}) ({argument} = {} if omitted)",
                    row.name,
                    argument_text(default)
                ),
                None => row.name.to_string(),
            });
            let title = (row.make)(row.argument.map_or(0.0, |(_, default)| default)).title();
            aliases.extend(row.aliases.iter().map(|alias| pytorch_case(alias, title)));
        }
        names.push(format!(
            "dropout(p) (p = {} if omitted)",
            argument_text(dropout::DEFAULT_P)
        ));
        for row in NORMALIZATIONS {
            let kind = (row.make)(DEFAULT_EPSILON);
            let needs = if kind.couples_samples() {
                ", with --batch"
            } else {
                ""
            };
            names.push(format!(
                "{}(ε) (ε = {} if omitted{needs})",
                row.name,
                argument_text(DEFAULT_EPSILON)
            ));
            aliases.extend(row.aliases.iter().map(|a| pytorch_case(a, row.pytorch)));
        }
        let aliases = match aliases.split_last() {
            Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
            _ => aliases.join(" and "),
        };
        format!(
            "{}; any case, and PyTorch's spellings such as {aliases}",
            names.join(", "),
        )
    }

    /// Every activation of the table: its name and, if it takes one, its argument's name and
    /// default. Tests enumerate the layers from here.
    pub fn activations() -> Vec<(&'static str, Option<(&'static str, f64)>)> {
        ACTIVATIONS.iter().map(|r| (r.name, r.argument)).collect()
    }

    /// Every spelling accepted in specs, for help and for suggestions.
    pub fn names() -> Vec<&'static str> {
        let mut names = vec!["linear"];
        names.extend(ACTIVATIONS.iter().map(|r| r.name));
        names.push("dropout");
        names.extend(NORMALIZATIONS.iter().map(|r| r.name));
        names
    }

    /// Looks a layer up by name (case-insensitively) and applies its arguments, if any.
    pub fn from_name(name: &str, arguments: Option<&[f64]>) -> Result<LayerKind, LayerError> {
        if name.eq_ignore_ascii_case("linear") {
            return match arguments {
                None => Ok(LayerKind::Linear),
                Some(_) => Err(LayerError::TakesNoArguments),
            };
        }
        if name.eq_ignore_ascii_case("dropout") {
            let p = match arguments {
                None => dropout::DEFAULT_P,
                Some([]) => return Err(LayerError::EmptyArguments),
                Some([p]) if !p.is_finite() => return Err(LayerError::NotFinite(0)),
                Some([p]) => *p,
                Some(_) => return Err(LayerError::TooManyArguments(1)),
            };
            return Dropout::new(p)
                .map(LayerKind::Dropout)
                .map_err(|(problem, expected)| LayerError::OutOfRange(0, problem, expected));
        }
        let spelled = |row_name: &str, aliases: &[&str]| {
            row_name.eq_ignore_ascii_case(name)
                || aliases.iter().any(|a| a.eq_ignore_ascii_case(name))
        };
        if let Some(row) = NORMALIZATIONS.iter().find(|r| spelled(r.name, r.aliases)) {
            let epsilon = match arguments {
                None => DEFAULT_EPSILON,
                Some([]) => return Err(LayerError::EmptyArguments),
                Some([value]) => *value,
                Some(_) => return Err(LayerError::TooManyArguments(1)),
            };
            if !epsilon.is_finite() {
                return Err(LayerError::NotFinite(0));
            }
            // √(var + ε) must not vanish: a constant input has var = 0.
            if epsilon <= 0.0 {
                return Err(LayerError::NotPositive(0));
            }
            return Ok(LayerKind::Normalization((row.make)(epsilon)));
        }
        let row = ACTIVATIONS
            .iter()
            .find(|r| spelled(r.name, r.aliases))
            .ok_or(LayerError::UnknownName)?;
        let value = match (row.argument, arguments) {
            (None, None) => 0.0,
            (None, Some(_)) => return Err(LayerError::TakesNoArguments),
            (Some((_, default)), None) => default,
            (Some(_), Some([])) => return Err(LayerError::EmptyArguments),
            (Some(_), Some([value])) => *value,
            (Some(_), Some(_)) => return Err(LayerError::TooManyArguments(1)),
        };
        if !value.is_finite() {
            return Err(LayerError::NotFinite(0));
        }
        Ok(LayerKind::Activation((row.make)(value)))
    }

    /// The spelling used in specs and in messages.
    pub fn name(self) -> String {
        match self {
            LayerKind::Linear => "linear".into(),
            LayerKind::Activation(a) => a.spec_name(),
            LayerKind::Dropout(d) if d.p == dropout::DEFAULT_P => "dropout".into(),
            LayerKind::Dropout(d) => format!("dropout({})", argument_text(d.p)),
            LayerKind::Normalization(n) => n.spec_name(),
            LayerKind::Combine(c) => c.operator().into(),
            LayerKind::Affine(_) => "affine".into(),
            LayerKind::Scalar(s) => s.operator().into(),
        }
    }

    /// The title of a chain's last layer in a message: `empty` for a chain without one.
    pub fn title_of_last(last: Option<LayerKind>) -> &'static str {
        last.map_or("empty", LayerKind::title)
    }

    /// Whether every entry of the layer's output lies in (0, 1), where bce is defined.
    pub fn outputs_probabilities(self) -> bool {
        matches!(
            self,
            LayerKind::Activation(Activation::Sigmoid | Activation::Softmax)
        )
    }

    /// The name as written in prose and tables (PyTorch's capitalisation).
    pub fn title(self) -> &'static str {
        match self {
            LayerKind::Linear => "Linear",
            LayerKind::Activation(a) => a.title(),
            LayerKind::Dropout(_) => "Dropout",
            LayerKind::Normalization(n) => n.title(),
            LayerKind::Combine(c) => c.title(),
            LayerKind::Affine(_) => "Affine",
            LayerKind::Scalar(s) => s.title(),
        }
    }
}

impl Activation {
    /// `relu`, `leaky_relu(0.1)`; the argument is shown only when it is not the default.
    pub fn spec_name(self) -> String {
        let row = ACTIVATIONS
            .iter()
            .find(|r| (r.make)(self.argument().unwrap_or(0.0)) == self)
            .expect("every activation has a row");
        match (row.argument, self.argument()) {
            (Some((_, default)), Some(value)) if value != default => {
                format!("{}({})", row.name, argument_text(value))
            }
            _ => row.name.to_string(),
        }
    }

    fn argument(self) -> Option<f64> {
        match self {
            Activation::LeakyRelu { alpha } | Activation::Elu { alpha } => Some(alpha),
            _ => None,
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            Activation::Identity => "Identity",
            Activation::Relu => "ReLU",
            Activation::LeakyRelu { .. } => "LeakyReLU",
            Activation::Elu { .. } => "ELU",
            Activation::Sigmoid => "Sigmoid",
            Activation::Tanh => "Tanh",
            Activation::Softplus => "Softplus",
            Activation::Silu => "SiLU",
            Activation::Softmax => "Softmax",
            Activation::LogSoftmax => "LogSoftmax",
        }
    }

    /// The elementwise function and its derivative; `None` for the identity and the vector
    /// functions.
    fn elementwise(self) -> Option<(Func, Func)> {
        match self {
            Activation::Identity | Activation::Softmax | Activation::LogSoftmax => None,
            Activation::Relu => Some((Func::Relu, Func::Step)),
            Activation::LeakyRelu { alpha } => Some((
                Func::LeakyRelu(Param::new(alpha)),
                Func::LeakyReluPrime(Param::new(alpha)),
            )),
            Activation::Elu { alpha } => Some((
                Func::Elu(Param::new(alpha)),
                Func::EluPrime(Param::new(alpha)),
            )),
            Activation::Sigmoid => Some((Func::Sigmoid, Func::SigmoidPrime)),
            Activation::Tanh => Some((Func::Tanh, Func::TanhPrime)),
            Activation::Softplus => Some((Func::Softplus, Func::Sigmoid)),
            Activation::Silu => Some((Func::Silu, Func::SiluPrime)),
        }
    }

    /// The output for input `z`.
    pub fn forward(self, arena: &mut Arena, z: ExprId) -> ExprId {
        match self {
            Activation::Identity => z,
            Activation::Softmax => arena.map(Func::Softmax, z),
            Activation::LogSoftmax => arena.map(Func::LogSoftmax, z),
            _ => {
                let (f, _) = self.elementwise().expect("an elementwise activation");
                arena.map(f, z)
            }
        }
    }

    /// ∂output/∂z in numerator layout: diag(f′(z)) for an elementwise function, I for the
    /// identity, diag(s) − s sᵀ for s = softmax(z), I − 𝟏 softmax(z)ᵀ for log-softmax.
    pub fn jacobian(self, arena: &mut Arena, z: ExprId) -> Result<ExprId, ShapeError> {
        let dim = arena.shape(z).rows.clone();
        match self {
            Activation::Identity => Ok(arena.identity(dim)),
            Activation::Softmax => {
                let s = arena.map(Func::Softmax, z);
                let diag = arena.diag(s)?;
                let st = arena.transpose(s);
                let outer = arena.matmul(s, st)?;
                arena.sub(diag, outer)
            }
            Activation::LogSoftmax => {
                let s = arena.map(Func::Softmax, z);
                let st = arena.transpose(s);
                let ones = arena.ones(dim.clone());
                let outer = arena.matmul(ones, st)?;
                let identity = arena.identity(dim);
                arena.sub(identity, outer)
            }
            _ => {
                let (_, derivative) = self.elementwise().expect("an elementwise activation");
                let d = arena.map(derivative, z);
                arena.diag(d)
            }
        }
    }

    /// Backpropagation through the layer for a mini-batch, in gradient layout: given Δ for
    /// the `output` (one column per sample), Δ for the input `z` (shaped like z). Column by
    /// column this is the transpose of (row) · Jacobian.
    pub fn backward_batch(
        self,
        arena: &mut Arena,
        z: ExprId,
        output: ExprId,
        delta: ExprId,
    ) -> Result<ExprId, ShapeError> {
        let dim = arena.shape(z).rows.clone();
        match self {
            Activation::Identity => Ok(delta),
            // Each column: (diag(s) − s sᵀ) δ = s ⊙ δ − s (sᵀδ), with s the layer's output.
            Activation::Softmax => {
                let s = output;
                let s_delta = arena.hadamard(s, delta)?;
                let spread = spread_column_sums(arena, dim, s_delta)?;
                let correction = arena.hadamard(s, spread)?;
                arena.sub(s_delta, correction)
            }
            // Each column: (I − 𝟏 sᵀ)ᵀ δ = δ − s (𝟏ᵀδ).
            Activation::LogSoftmax => {
                let s = arena.map(Func::Softmax, z);
                let spread = spread_column_sums(arena, dim, delta)?;
                let correction = arena.hadamard(s, spread)?;
                arena.sub(delta, correction)
            }
            _ => {
                let (_, derivative) = self.elementwise().expect("an elementwise activation");
                let d = arena.map(derivative, z);
                arena.hadamard(delta, d)
            }
        }
    }

    /// The point where the derivative (or the second derivative) does not exist, if there is
    /// one; the numeric check keeps away from it.
    pub fn kink(self) -> Option<f64> {
        match self {
            // ELU with α = 1 has a first derivative at 0 but not a second, which is enough to
            // upset a central difference there.
            Activation::Relu | Activation::LeakyRelu { .. } | Activation::Elu { .. } => Some(0.0),
            _ => None,
        }
    }

    /// The definition in words, printed with the conventions.
    /// `side` is where a matrix holds a sample's vector: "column" or "row".
    pub fn definition(self, side: &str) -> Option<Prose> {
        let fixed = |text, latex| Prose::new().fixed(text, latex);
        match self {
            Activation::LeakyRelu { alpha } => Some(
                fixed("LeakyReLU(z)", "\\mathrm{LeakyReLU}(z)")
                    .words(" is z for z > 0 and ")
                    .fixed("αz", "\\alpha z")
                    .words(" otherwise; ")
                    .fixed("LeakyReLU′(z)", "\\mathrm{LeakyReLU}'(z)")
                    .words(" is 1 for z > 0 and ")
                    .fixed("α", "\\alpha")
                    .words(" otherwise; here ")
                    .fixed("α", "\\alpha")
                    .words(" = ")
                    .math(Math::Number(alpha))
                    .words("."),
            ),
            Activation::Elu { alpha } => Some(
                fixed("ELU(z)", "\\mathrm{ELU}(z)")
                    .words(" is z for z > 0 and ")
                    .fixed("α(eᶻ − 1)", "\\alpha(e^{z} - 1)")
                    .words(" otherwise; ")
                    .fixed("ELU′(z)", "\\mathrm{ELU}'(z)")
                    .words(" is 1 for z > 0 and ")
                    .fixed("αeᶻ", "\\alpha e^{z}")
                    .words(" otherwise; here ")
                    .fixed("α", "\\alpha")
                    .words(" = ")
                    .math(Math::Number(alpha))
                    .words("."),
            ),
            Activation::Softplus => Some(
                fixed("softplus(z) = log(1 + eᶻ)", "\\mathrm{softplus}(z) = \\log(1 + e^{z})")
                    .words(", whose derivative is ")
                    .fixed("σ(z)", "\\sigma(z)")
                    .words("."),
            ),
            Activation::Silu => Some(
                fixed("SiLU(z) = z σ(z)", "\\mathrm{SiLU}(z) = z\\,\\sigma(z)")
                    .words(" and ")
                    .fixed(
                        "SiLU′(z) = σ(z)(1 + z(1 − σ(z)))",
                        "\\mathrm{SiLU}'(z) = \\sigma(z)(1 + z(1 - \\sigma(z)))",
                    )
                    .words("."),
            ),
            Activation::Softmax => Some(
                fixed(
                    "softmax(z)ᵢ = e^(zᵢ) / Σₖ e^(zₖ)",
                    "\\mathrm{softmax}(z)_{i} = e^{z_{i}} / \\textstyle\\sum_{k} e^{z_{k}}",
                )
                .words(", evaluated with the largest entry subtracted first; on a matrix it acts on each ")
                .words(side)
                .words("."),
            ),
            Activation::LogSoftmax => Some(
                fixed(
                    "log_softmax(z)ᵢ = zᵢ − log Σₖ e^(zₖ)",
                    "\\log\\mathrm{softmax}(z)_{i} = z_{i} - \\log \\textstyle\\sum_{k} e^{z_{k}}",
                )
                .words(", evaluated by log-sum-exp; on a matrix it acts on each ")
                .words(side)
                .words("."),
            ),
            Activation::Tanh => Some(
                fixed("tanh′(z) = 1 − tanh(z)²", "\\tanh'(z) = 1 - \\tanh(z)^{2}").words("."),
            ),
            Activation::Sigmoid => Some(
                fixed("σ(z) = 1 / (1 + e^(−z))", "\\sigma(z) = 1 / (1 + e^{-z})")
                    .words(" and ")
                    .fixed("σ′(z) = σ(z)(1 − σ(z))", "\\sigma'(z) = \\sigma(z)(1 - \\sigma(z))")
                    .words("."),
            ),
            Activation::Relu | Activation::Identity => None,
        }
    }

    /// What the derivative does where it does not exist, said beside its Jacobian.
    pub fn kink_note(self) -> Option<Prose> {
        match self {
            Activation::Relu => Some(
                Prose::new()
                    .fixed("ReLU′(0)", "\\mathrm{ReLU}'(0)")
                    .words(" does not exist; 0 is used there, as in PyTorch and JAX (")
                    .fixed("[z > 0]", "[z > 0]")
                    .words(" is 0 at ")
                    .fixed("z = 0", "z = 0")
                    .words(")."),
            ),
            Activation::LeakyRelu { alpha } => Some(
                Prose::new()
                    .fixed("LeakyReLU′(0)", "\\mathrm{LeakyReLU}'(0)")
                    .words(" does not exist; ")
                    .math(Math::Number(alpha))
                    .words(" is used there, as in PyTorch."),
            ),
            Activation::Elu { alpha } if alpha != 1.0 => Some(
                Prose::new()
                    .fixed("ELU′(0)", "\\mathrm{ELU}'(0)")
                    .words(" does not exist for ")
                    .fixed("α ≠ 1", "\\alpha \\neq 1")
                    .words("; ")
                    .math(Math::Number(alpha))
                    .words(" is used there, as in PyTorch."),
            ),
            _ => None,
        }
    }
}

/// A layer's argument as a spec writes it: the shortest text that reads back to the same
/// double, in decimals where that is short (`0.1`, `2`, `-0.5`) and with an exponent where it
/// is not (`1e-300`, `1e308`); −0 is written 0, since α = −0 and α = 0 are the same function.
pub fn argument_text(value: f64) -> String {
    let value = if value == 0.0 { 0.0 } else { value };
    let shortest = format!("{value:?}");
    if shortest.contains('e') {
        shortest
    } else {
        format!("{value}")
    }
}

/// An alias in the capitalisation of the layer's title where they are the same letters
/// (`leakyrelu` → `LeakyReLU`).
fn pytorch_case(alias: &str, title: &str) -> String {
    if alias.eq_ignore_ascii_case(title) {
        title.to_string()
    } else {
        alias.to_string()
    }
}

/// 𝟏(𝟏ᵀA): every entry replaced by the sum of its column.
fn spread_column_sums(
    arena: &mut Arena,
    dim: crate::math::shape::Dim,
    a: ExprId,
) -> Result<ExprId, ShapeError> {
    let ones = arena.ones(dim);
    let ones_row = arena.transpose(ones);
    let sums = arena.matmul(ones_row, a)?;
    arena.matmul(ones, sums)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_case_insensitive_and_take_pytorch_spellings() {
        assert_eq!(
            LayerKind::from_name("ReLU", None),
            Ok(LayerKind::Activation(Activation::Relu))
        );
        assert_eq!(LayerKind::from_name("Linear", None), Ok(LayerKind::Linear));
        assert_eq!(
            LayerKind::from_name("LeakyReLU", None),
            Ok(LayerKind::Activation(Activation::LeakyRelu { alpha: 0.01 }))
        );
        assert_eq!(
            LayerKind::from_name("LogSoftmax", None),
            Ok(LayerKind::Activation(Activation::LogSoftmax))
        );
        assert_eq!(
            LayerKind::from_name("rleu", None),
            Err(LayerError::UnknownName)
        );
    }

    #[test]
    fn arguments_are_checked() {
        assert_eq!(
            LayerKind::from_name("leaky_relu", Some(&[0.1])),
            Ok(LayerKind::Activation(Activation::LeakyRelu { alpha: 0.1 }))
        );
        assert_eq!(
            LayerKind::from_name("leaky_relu", Some(&[])),
            Err(LayerError::EmptyArguments)
        );
        assert_eq!(
            LayerKind::from_name("leaky_relu", Some(&[1.0, 2.0])),
            Err(LayerError::TooManyArguments(1))
        );
        assert_eq!(
            LayerKind::from_name("elu", Some(&[f64::INFINITY])),
            Err(LayerError::NotFinite(0))
        );
        assert_eq!(
            LayerKind::from_name("relu", Some(&[1.0])),
            Err(LayerError::TakesNoArguments)
        );
    }

    #[test]
    fn spec_names_show_only_non_default_arguments() {
        assert_eq!(
            Activation::LeakyRelu { alpha: 0.01 }.spec_name(),
            "leaky_relu"
        );
        assert_eq!(
            Activation::LeakyRelu { alpha: 0.1 }.spec_name(),
            "leaky_relu(0.1)"
        );
        assert_eq!(Activation::Elu { alpha: 0.5 }.spec_name(), "elu(0.5)");
        assert_eq!(Activation::Elu { alpha: 2.0 }.spec_name(), "elu(2)");
    }

    #[test]
    fn arguments_are_written_in_their_shortest_form() {
        assert_eq!(argument_text(1e-300), "1e-300");
        assert_eq!(argument_text(1e308), "1e308");
        assert_eq!(argument_text(0.1), "0.1");
        assert_eq!(argument_text(-0.5), "-0.5");
        assert_eq!(argument_text(-0.0), "0");
        assert_eq!(argument_text(5e-324), "5e-324");
        for value in [1e-300, 0.1, 1.0 / 3.0, 123456.789, -2.5e-7, f64::MAX] {
            assert_eq!(argument_text(value).parse::<f64>(), Ok(value));
        }
        assert_eq!(
            Activation::LeakyRelu { alpha: 1e-300 }.spec_name(),
            "leaky_relu(1e-300)"
        );
    }

    #[test]
    fn the_usage_names_every_layer_and_its_argument() {
        let usage = LayerKind::usage();
        for name in LayerKind::names() {
            assert!(usage.contains(name), "{usage}");
        }
        assert!(
            usage.contains("leaky_relu(α) (α = 0.01 if omitted)"),
            "{usage}"
        );
        assert!(usage.contains("elu(α) (α = 1 if omitted)"), "{usage}");
        assert!(
            usage.contains("LeakyReLU, LogSoftmax and BatchNorm1d"),
            "{usage}"
        );
        assert!(
            usage.contains("layernorm(ε) (ε = 1e-5 if omitted)"),
            "{usage}"
        );
        assert!(usage.contains("dropout(p) (p = 0.5 if omitted)"), "{usage}");
    }

    #[test]
    fn dropout_takes_p_in_the_unit_interval_with_pytorchs_default() {
        let p = |p| LayerKind::Dropout(Dropout { p });
        assert_eq!(LayerKind::from_name("Dropout", None), Ok(p(0.5)));
        assert_eq!(LayerKind::from_name("dropout", Some(&[0.1])), Ok(p(0.1)));
        assert_eq!(LayerKind::from_name("dropout", Some(&[0.0])), Ok(p(0.0)));
        assert!(matches!(
            LayerKind::from_name("dropout", Some(&[1.0])),
            Err(LayerError::OutOfRange(0, _, _))
        ));
        assert_eq!(
            LayerKind::from_name("dropout", Some(&[0.1, 0.2])),
            Err(LayerError::TooManyArguments(1))
        );
        assert_eq!(p(0.5).name(), "dropout");
        assert_eq!(p(0.1).name(), "dropout(0.1)");
    }
}
