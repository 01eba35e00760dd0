//! Layer normalization and batch normalization (training mode): their spellings, the named
//! statistics μ⁽ᵏ⁾, var⁽ᵏ⁾ and ẑ⁽ᵏ⁾, the forward expression, the Jacobian, and backpropagation
//! in the compact forms courses ask for.
//!
//! LayerNorm normalizes each sample over its features (down a column), BatchNorm1d each feature
//! over the N samples of a mini-batch (along a row), so only batchnorm couples the samples. Both
//! use the biased variance (divided by the count, not the count − 1), as PyTorch normalizes.

use crate::error::SpecError;
use crate::math::coef::Coef;
use crate::math::expr::{Arena, ExprId, Role};
use crate::math::func::{Func, Param};
use crate::math::prose::{Math, Prose};
use crate::math::shape::{Dim, Shape, ShapeError};
use crate::math::symbol::Symbol;
use crate::network::Network;
use crate::network::layer::LayerKind;
use crate::numeric::sizes::Sizes;
use crate::spec::Spec;

#[derive(Clone, Copy, PartialEq, Debug)]
pub enum Normalization {
    /// Each sample over its features: PyTorch's LayerNorm with elementwise_affine.
    Layer { epsilon: f64 },
    /// Each feature over the samples of a mini-batch: BatchNorm1d in training mode.
    Batch { epsilon: f64 },
}

/// PyTorch's default ε for both layers.
pub const DEFAULT_EPSILON: f64 = 1e-5;

/// One row of the table: the name used in specs, other spellings taken (compared
/// case-insensitively), and PyTorch's class, as `--help` writes it.
pub struct Row {
    pub name: &'static str,
    pub aliases: &'static [&'static str],
    pub pytorch: &'static str,
    pub make: fn(f64) -> Normalization,
}

pub const NORMALIZATIONS: &[Row] = &[
    Row {
        name: "layernorm",
        aliases: &[],
        pytorch: "LayerNorm",
        make: |epsilon| Normalization::Layer { epsilon },
    },
    Row {
        name: "batchnorm",
        aliases: &["batchnorm1d"],
        pytorch: "BatchNorm1d",
        make: |epsilon| Normalization::Batch { epsilon },
    },
];

/// The values a normalization layer names on the way to its output.
#[derive(Clone, Copy, Debug)]
pub struct Statistics {
    pub mean: ExprId,
    pub variance: ExprId,
    /// ẑ⁽ᵏ⁾ (Ẑ⁽ᵏ⁾ in a mini-batch).
    pub normalized: ExprId,
    /// 𝟏√(var⁽ᵏ⁾ + ε) (layernorm) or √(var⁽ᵏ⁾ + ε)𝟏ᵀ (batchnorm): shaped like the input, each
    /// entry the standard deviation its entry of ẑ was divided by.
    pub spread_deviation: ExprId,
}

impl Normalization {
    pub fn epsilon(self) -> f64 {
        match self {
            Normalization::Layer { epsilon } | Normalization::Batch { epsilon } => epsilon,
        }
    }

    fn row(self) -> &'static Row {
        NORMALIZATIONS
            .iter()
            .find(|r| (r.make)(self.epsilon()) == self)
            .expect("every normalization has a row")
    }

    /// `layernorm`, `batchnorm(0.001)`; ε is shown only when it is not the default.
    pub fn spec_name(self) -> String {
        let name = self.row().name;
        if self.epsilon() == DEFAULT_EPSILON {
            name.to_string()
        } else {
            format!(
                "{name}({})",
                crate::network::layer::argument_text(self.epsilon())
            )
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            Normalization::Layer { .. } => "LayerNorm",
            Normalization::Batch { .. } => "BatchNorm",
        }
    }

    /// Whether it normalizes over the samples, and so needs a mini-batch of two or more.
    pub fn couples_samples(self) -> bool {
        matches!(self, Normalization::Batch { .. })
    }

    /// The named statistics of the k-th normalization layer on input `z` (d×1, or d×N with
    /// `samples`), and its output γ ⊙ ẑ + β (diag(γ)Ẑ + β𝟏ᵀ in a mini-batch).
    pub fn forward(
        self,
        arena: &mut Arena,
        k: usize,
        z: ExprId,
        gamma: ExprId,
        beta: ExprId,
        samples: Option<&Dim>,
    ) -> Result<(Statistics, ExprId), ShapeError> {
        let features = arena.shape(z).rows.clone();
        let epsilon = Param::new(self.epsilon());
        let (mean, variance, spread_deviation, centered) = match self {
            Normalization::Layer { .. } => {
                // Down each column: μ = (1/d)𝟏ᵀz, var = (1/d)‖z − 𝟏μ‖².
                let ones = arena.ones(features.clone());
                let ones_row = arena.transpose(ones);
                let sums = arena.matmul(ones_row, z)?;
                let mean_definition = arena.scale(Coef::per(features.clone()), sums);
                let mean = arena.name(Symbol::Mean(k), mean_definition, Role::Statistic);
                let spread_mean = arena.matmul(ones, mean)?;
                let centered = arena.sub(z, spread_mean)?;
                let squares = match samples {
                    None => arena.squared_norm(centered),
                    Some(_) => {
                        let squared = arena.hadamard(centered, centered)?;
                        arena.matmul(ones_row, squared)?
                    }
                };
                let variance_definition = arena.scale(Coef::per(features.clone()), squares);
                let variance =
                    arena.name(Symbol::Variance(k), variance_definition, Role::Statistic);
                let deviation = arena.map(Func::SqrtPlus(epsilon), variance);
                let spread = arena.matmul(ones, deviation)?;
                (mean, variance, spread, centered)
            }
            Normalization::Batch { .. } => {
                // Along each row: μ = (1/N)Z𝟏, var = (1/N)((Z − μ𝟏ᵀ) ⊙ (Z − μ𝟏ᵀ))𝟏.
                let samples = samples.ok_or_else(|| ShapeError {
                    operation: "batch normalization, which needs a mini-batch",
                    left: arena.shape(z).clone(),
                    right: arena.shape(z).clone(),
                })?;
                let ones = arena.ones(samples.clone());
                let ones_row = arena.transpose(ones);
                let sums = arena.matmul(z, ones)?;
                let mean_definition = arena.scale(Coef::per(samples.clone()), sums);
                let mean = arena.name(Symbol::Mean(k), mean_definition, Role::Statistic);
                let spread_mean = arena.matmul(mean, ones_row)?;
                let centered = arena.sub(z, spread_mean)?;
                let squared = arena.hadamard(centered, centered)?;
                let squares = arena.matmul(squared, ones)?;
                let variance_definition = arena.scale(Coef::per(samples.clone()), squares);
                let variance =
                    arena.name(Symbol::Variance(k), variance_definition, Role::Statistic);
                let deviation = arena.map(Func::SqrtPlus(epsilon), variance);
                let spread = arena.matmul(deviation, ones_row)?;
                (mean, variance, spread, centered)
            }
        };
        let normalized_definition = arena.divide(centered, spread_deviation)?;
        let symbol = match samples {
            None => Symbol::Normalized(k),
            Some(_) => Symbol::Samples(std::sync::Arc::new(Symbol::Normalized(k))),
        };
        let normalized = arena.name(symbol, normalized_definition, Role::Statistic);
        let output = match samples {
            None => {
                let scaled = arena.hadamard(gamma, normalized)?;
                arena.add(scaled, beta)?
            }
            Some(samples) => {
                let scale = arena.diag(gamma)?;
                let scaled = arena.matmul(scale, normalized)?;
                let ones = arena.ones(samples.clone());
                let ones_row = arena.transpose(ones);
                let shift = arena.matmul(beta, ones_row)?;
                arena.add(scaled, shift)?
            }
        };
        let statistics = Statistics {
            mean,
            variance,
            normalized,
            spread_deviation,
        };
        Ok((statistics, output))
    }

    /// ∂y/∂z of layernorm for one sample, in numerator layout:
    /// diag(γ ⊘ 𝟏√(var + ε))(I − (1/d)𝟏𝟏ᵀ − (1/d)ẑẑᵀ), which is
    /// (1/√(var + ε)) diag(γ)(I − (1/d)𝟏𝟏ᵀ − (1/d)ẑẑᵀ) with the scalar written as a vector.
    pub fn jacobian(
        arena: &mut Arena,
        z: ExprId,
        gamma: ExprId,
        statistics: &Statistics,
    ) -> Result<ExprId, ShapeError> {
        let features = arena.shape(z).rows.clone();
        let scale = arena.divide(gamma, statistics.spread_deviation)?;
        let scale = arena.diag(scale)?;
        let identity = arena.identity(features.clone());
        let all_ones = arena.ones_shaped(Shape::square(features.clone()));
        let mean_part = arena.scale(Coef::per(features.clone()), all_ones);
        let normalized_row = arena.transpose(statistics.normalized);
        let outer = arena.matmul(statistics.normalized, normalized_row)?;
        let variance_part = arena.scale(Coef::per(features), outer);
        let centering = arena.sub(identity, mean_part)?;
        let projection = arena.sub(centering, variance_part)?;
        arena.matmul(scale, projection)
    }

    /// The row ∂ℓ/∂z of layernorm for one sample, from the row ∂ℓ/∂y: with g = γ ⊙ (∂ℓ/∂y)ᵀ,
    /// ((g − (1/d)𝟏𝟏ᵀg − (1/d)ẑẑᵀg) ⊘ 𝟏√(var + ε))ᵀ, the Jacobian's product written out.
    pub fn backward_row(
        arena: &mut Arena,
        gamma: ExprId,
        statistics: &Statistics,
        row: ExprId,
    ) -> Result<ExprId, ShapeError> {
        let column = arena.transpose(row);
        let column = Normalization::Layer {
            epsilon: DEFAULT_EPSILON,
        }
        .backward_columns(arena, gamma, statistics, column, None)?;
        Ok(arena.transpose(column))
    }

    /// Backpropagation in gradient layout: Δ of the input from Δ of the output, d×1 for one
    /// sample or d×N for a mini-batch (Δ := N·∂ℓ/∂(·), the samples' columns where nothing
    /// couples them). Layernorm, per column: (G − (1/d)𝟏𝟏ᵀG − (1/d)Ẑ ⊙ 𝟏𝟏ᵀ(Ẑ ⊙ G)) ⊘
    /// 𝟏√(var + ε) with G = diag(γ)Δ_Y. Batchnorm, per row:
    /// diag(γ ⊘ √(var + ε))(Δ_Y − (1/N)Δ_Y𝟏𝟏ᵀ − (1/N)Ẑ ⊙ ((Δ_Y ⊙ Ẑ)𝟏𝟏ᵀ)).
    pub fn backward_columns(
        self,
        arena: &mut Arena,
        gamma: ExprId,
        statistics: &Statistics,
        delta: ExprId,
        samples: Option<&Dim>,
    ) -> Result<ExprId, ShapeError> {
        let normalized = statistics.normalized;
        match self {
            Normalization::Layer { .. } => {
                let features = arena.shape(delta).rows.clone();
                let scaled = match samples {
                    None => arena.hadamard(gamma, delta)?,
                    Some(_) => {
                        let scale = arena.diag(gamma)?;
                        arena.matmul(scale, delta)?
                    }
                };
                let all_ones = arena.ones_shaped(Shape::square(features.clone()));
                let spread_sums = arena.matmul(all_ones, scaled)?;
                let mean_part = arena.scale(Coef::per(features.clone()), spread_sums);
                let projected = match samples {
                    None => {
                        let normalized_row = arena.transpose(normalized);
                        let along = arena.matmul(normalized_row, scaled)?;
                        arena.matmul(normalized, along)?
                    }
                    Some(_) => {
                        let products = arena.hadamard(normalized, scaled)?;
                        let spread = arena.matmul(all_ones, products)?;
                        arena.hadamard(normalized, spread)?
                    }
                };
                let variance_part = arena.scale(Coef::per(features), projected);
                let centered = arena.sub(scaled, mean_part)?;
                let difference = arena.sub(centered, variance_part)?;
                arena.divide(difference, statistics.spread_deviation)
            }
            Normalization::Batch { epsilon } => {
                let samples = samples.expect("batchnorm is derived for a mini-batch");
                let deviation = arena.map(Func::SqrtPlus(Param::new(epsilon)), statistics.variance);
                let scale = arena.divide(gamma, deviation)?;
                let scale = arena.diag(scale)?;
                let all_ones = arena.ones_shaped(Shape::square(samples.clone()));
                let spread_sums = arena.matmul(delta, all_ones)?;
                let mean_part = arena.scale(Coef::per(samples.clone()), spread_sums);
                let products = arena.hadamard(delta, normalized)?;
                let spread = arena.matmul(products, all_ones)?;
                let projected = arena.hadamard(normalized, spread)?;
                let variance_part = arena.scale(Coef::per(samples.clone()), projected);
                let centered = arena.sub(delta, mean_part)?;
                let difference = arena.sub(centered, variance_part)?;
                arena.matmul(scale, difference)
            }
        }
    }

    /// The definition in words, printed with the conventions; `rows` where samples are rows.
    pub fn definition(self, batch: bool, rows: bool) -> Prose {
        let prose = match (self, batch) {
            _ if rows => self.definition_in_rows(batch),
            (Normalization::Layer { .. }, false) => Prose::new()
                .fixed("LayerNorm", "\\mathrm{LayerNorm}")
                .words(" normalizes its input z over its entries: for the k-th normalization layer, ")
                .fixed("μ⁽ᵏ⁾ = (1/d)𝟏ᵀz", "\\mu^{(k)} = \\tfrac{1}{d}\\mathbf{1}^{\\top}z")
                .words(" is their mean and ")
                .fixed(
                    "var⁽ᵏ⁾ = (1/d)‖z − 𝟏μ⁽ᵏ⁾‖²",
                    "\\operatorname{var}^{(k)} = \\tfrac{1}{d}\\lVert z - \\mathbf{1}\\mu^{(k)} \\rVert^{2}",
                )
                .words(" their biased variance (d the number of entries of z), ")
                .fixed(
                    "ẑ⁽ᵏ⁾ = (z − 𝟏μ⁽ᵏ⁾) ⊘ 𝟏√(var⁽ᵏ⁾ + ε)",
                    "\\hat{z}^{(k)} = (z - \\mathbf{1}\\mu^{(k)}) \\oslash \\mathbf{1}(\\operatorname{var}^{(k)} + \\epsilon)^{1/2}",
                )
                .words(" the normalized input, and the output is ")
                .fixed(
                    "γ⁽ᵏ⁾ ⊙ ẑ⁽ᵏ⁾ + β⁽ᵏ⁾",
                    "\\gamma^{(k)} \\odot \\hat{z}^{(k)} + \\beta^{(k)}",
                )
                .words(", with the parameters ")
                .fixed("γ⁽ᵏ⁾", "\\gamma^{(k)}")
                .words(" (scale) and ")
                .fixed("β⁽ᵏ⁾", "\\beta^{(k)}")
                .words(" (shift) as long as z (PyTorch's LayerNorm: weight and bias); "),
            (Normalization::Layer { .. }, true) => Prose::new()
                .fixed("LayerNorm", "\\mathrm{LayerNorm}")
                .words(" normalizes each sample (column of its input Z) over its d entries: for the k-th normalization layer, ")
                .fixed("μ⁽ᵏ⁾ = (1/d)𝟏ᵀZ", "\\mu^{(k)} = \\tfrac{1}{d}\\mathbf{1}^{\\top}Z")
                .words(" holds the columns' means and ")
                .fixed(
                    "var⁽ᵏ⁾ = (1/d)𝟏ᵀ((Z − 𝟏μ⁽ᵏ⁾) ⊙ (Z − 𝟏μ⁽ᵏ⁾))",
                    "\\operatorname{var}^{(k)} = \\tfrac{1}{d}\\mathbf{1}^{\\top}((Z - \\mathbf{1}\\mu^{(k)}) \\odot (Z - \\mathbf{1}\\mu^{(k)}))",
                )
                .words(" their biased variances (rows of N entries), ")
                .fixed(
                    "Ẑ⁽ᵏ⁾ = (Z − 𝟏μ⁽ᵏ⁾) ⊘ 𝟏√(var⁽ᵏ⁾ + ε)",
                    "\\hat{Z}^{(k)} = (Z - \\mathbf{1}\\mu^{(k)}) \\oslash \\mathbf{1}(\\operatorname{var}^{(k)} + \\epsilon)^{1/2}",
                )
                .words(" the normalized input, and the output is ")
                .fixed(
                    "diag(γ⁽ᵏ⁾)Ẑ⁽ᵏ⁾ + β⁽ᵏ⁾𝟏ᵀ",
                    "\\operatorname{diag}(\\gamma^{(k)})\\hat{Z}^{(k)} + \\beta^{(k)}\\mathbf{1}^{\\top}",
                )
                .words(", with the parameters ")
                .fixed("γ⁽ᵏ⁾", "\\gamma^{(k)}")
                .words(" (scale) and ")
                .fixed("β⁽ᵏ⁾", "\\beta^{(k)}")
                .words(" (shift) of d entries (PyTorch's LayerNorm: weight and bias); it does not couple the samples; "),
            (Normalization::Batch { .. }, _) => Prose::new()
                .fixed("BatchNorm1d", "\\mathrm{BatchNorm1d}")
                .words(" (training mode) normalizes each feature (row of its input Z) over the N samples: for the k-th normalization layer, ")
                .fixed("μ⁽ᵏ⁾ = (1/N)Z𝟏", "\\mu^{(k)} = \\tfrac{1}{N}Z\\mathbf{1}")
                .words(" holds the rows' means and ")
                .fixed(
                    "var⁽ᵏ⁾ = (1/N)((Z − μ⁽ᵏ⁾𝟏ᵀ) ⊙ (Z − μ⁽ᵏ⁾𝟏ᵀ))𝟏",
                    "\\operatorname{var}^{(k)} = \\tfrac{1}{N}((Z - \\mu^{(k)}\\mathbf{1}^{\\top}) \\odot (Z - \\mu^{(k)}\\mathbf{1}^{\\top}))\\mathbf{1}",
                )
                .words(" their biased variances (divided by N, as BatchNorm1d normalizes in training), ")
                .fixed(
                    "Ẑ⁽ᵏ⁾ = (Z − μ⁽ᵏ⁾𝟏ᵀ) ⊘ √(var⁽ᵏ⁾ + ε)𝟏ᵀ",
                    "\\hat{Z}^{(k)} = (Z - \\mu^{(k)}\\mathbf{1}^{\\top}) \\oslash (\\operatorname{var}^{(k)} + \\epsilon)^{1/2}\\mathbf{1}^{\\top}",
                )
                .words(" the normalized input, and the output is ")
                .fixed(
                    "diag(γ⁽ᵏ⁾)Ẑ⁽ᵏ⁾ + β⁽ᵏ⁾𝟏ᵀ",
                    "\\operatorname{diag}(\\gamma^{(k)})\\hat{Z}^{(k)} + \\beta^{(k)}\\mathbf{1}^{\\top}",
                )
                .words(", with the parameters ")
                .fixed("γ⁽ᵏ⁾", "\\gamma^{(k)}")
                .words(" (scale) and ")
                .fixed("β⁽ᵏ⁾", "\\beta^{(k)}")
                .words(" (shift) of one entry per feature (BatchNorm1d's weight and bias); every sample's output depends on every sample of the batch; "),
        };
        prose
            .fixed("√(v + ε)", "(v + \\epsilon)^{1/2}")
            .words(" is taken entry by entry; here ")
            .fixed("ε", "\\epsilon")
            .words(" = ")
            .math(Math::Number(self.epsilon()))
            .words(".")
    }
}

impl Normalization {
    /// The definition's formulas where samples are rows (PyTorch's layout): one sample z a row,
    /// a batch Z one sample per row, γ⁽ᵏ⁾ and β⁽ᵏ⁾ columns as PyTorch's 1-D weight and bias.
    fn definition_in_rows(self, batch: bool) -> Prose {
        let (what, mean, variance, normalized, output, parameters) = match (self, batch) {
            (Normalization::Layer { .. }, false) => (
                " normalizes its input z (a row) over its entries: for the k-th normalization layer, ",
                (
                    "μ⁽ᵏ⁾ = (1/d)z𝟏",
                    "\\mu^{(k)} = \\tfrac{1}{d}z\\mathbf{1}",
                    " is their mean",
                ),
                (
                    "var⁽ᵏ⁾ = (1/d)‖z − μ⁽ᵏ⁾𝟏ᵀ‖²",
                    "\\operatorname{var}^{(k)} = \\tfrac{1}{d}\\lVert z - \\mu^{(k)}\\mathbf{1}^{\\top} \\rVert^{2}",
                    " their biased variance (d the number of entries of z)",
                ),
                (
                    "ẑ⁽ᵏ⁾ = (z − μ⁽ᵏ⁾𝟏ᵀ) ⊘ √(var⁽ᵏ⁾ + ε)𝟏ᵀ",
                    "\\hat{z}^{(k)} = (z - \\mu^{(k)}\\mathbf{1}^{\\top}) \\oslash (\\operatorname{var}^{(k)} + \\epsilon)^{1/2}\\mathbf{1}^{\\top}",
                ),
                (
                    "γ⁽ᵏ⁾ᵀ ⊙ ẑ⁽ᵏ⁾ + β⁽ᵏ⁾ᵀ",
                    "\\gamma^{(k)\\top} \\odot \\hat{z}^{(k)} + \\beta^{(k)\\top}",
                ),
                " (shift), columns as long as z (PyTorch's LayerNorm: weight and bias); ",
            ),
            (Normalization::Layer { .. }, true) => (
                " normalizes each sample (row of its input Z) over its d entries: for the k-th normalization layer, ",
                (
                    "μ⁽ᵏ⁾ = (1/d)Z𝟏",
                    "\\mu^{(k)} = \\tfrac{1}{d}Z\\mathbf{1}",
                    " holds the rows' means",
                ),
                (
                    "var⁽ᵏ⁾ = (1/d)((Z − μ⁽ᵏ⁾𝟏ᵀ) ⊙ (Z − μ⁽ᵏ⁾𝟏ᵀ))𝟏",
                    "\\operatorname{var}^{(k)} = \\tfrac{1}{d}((Z - \\mu^{(k)}\\mathbf{1}^{\\top}) \\odot (Z - \\mu^{(k)}\\mathbf{1}^{\\top}))\\mathbf{1}",
                    " their biased variances (columns of N entries)",
                ),
                (
                    "Ẑ⁽ᵏ⁾ = (Z − μ⁽ᵏ⁾𝟏ᵀ) ⊘ √(var⁽ᵏ⁾ + ε)𝟏ᵀ",
                    "\\hat{Z}^{(k)} = (Z - \\mu^{(k)}\\mathbf{1}^{\\top}) \\oslash (\\operatorname{var}^{(k)} + \\epsilon)^{1/2}\\mathbf{1}^{\\top}",
                ),
                (
                    "Ẑ⁽ᵏ⁾diag(γ⁽ᵏ⁾) + 𝟏β⁽ᵏ⁾ᵀ",
                    "\\hat{Z}^{(k)}\\operatorname{diag}(\\gamma^{(k)}) + \\mathbf{1}\\beta^{(k)\\top}",
                ),
                " (shift) of d entries (PyTorch's LayerNorm: weight and bias); it does not couple the samples; ",
            ),
            (Normalization::Batch { .. }, _) => (
                " (training mode) normalizes each feature (column of its input Z) over the N samples: for the k-th normalization layer, ",
                (
                    "μ⁽ᵏ⁾ = (1/N)Zᵀ𝟏",
                    "\\mu^{(k)} = \\tfrac{1}{N}Z^{\\top}\\mathbf{1}",
                    " holds the columns' means",
                ),
                (
                    "var⁽ᵏ⁾ = (1/N)((Z − 𝟏μ⁽ᵏ⁾ᵀ) ⊙ (Z − 𝟏μ⁽ᵏ⁾ᵀ))ᵀ𝟏",
                    "\\operatorname{var}^{(k)} = \\tfrac{1}{N}((Z - \\mathbf{1}\\mu^{(k)\\top}) \\odot (Z - \\mathbf{1}\\mu^{(k)\\top}))^{\\top}\\mathbf{1}",
                    " their biased variances (divided by N, as BatchNorm1d normalizes in training)",
                ),
                (
                    "Ẑ⁽ᵏ⁾ = (Z − 𝟏μ⁽ᵏ⁾ᵀ) ⊘ 𝟏√(var⁽ᵏ⁾ + ε)ᵀ",
                    "\\hat{Z}^{(k)} = (Z - \\mathbf{1}\\mu^{(k)\\top}) \\oslash \\mathbf{1}((\\operatorname{var}^{(k)} + \\epsilon)^{1/2})^{\\top}",
                ),
                (
                    "Ẑ⁽ᵏ⁾diag(γ⁽ᵏ⁾) + 𝟏β⁽ᵏ⁾ᵀ",
                    "\\hat{Z}^{(k)}\\operatorname{diag}(\\gamma^{(k)}) + \\mathbf{1}\\beta^{(k)\\top}",
                ),
                " (shift) of one entry per feature (BatchNorm1d's weight and bias); every sample's output depends on every sample of the batch; ",
            ),
        };
        let title = match self {
            Normalization::Layer { .. } => ("LayerNorm", "\\mathrm{LayerNorm}"),
            Normalization::Batch { .. } => ("BatchNorm1d", "\\mathrm{BatchNorm1d}"),
        };
        Prose::new()
            .fixed(title.0, title.1)
            .words(what)
            .fixed(mean.0, mean.1)
            .words(mean.2)
            .words(" and ")
            .fixed(variance.0, variance.1)
            .words(variance.2)
            .words(", ")
            .fixed(normalized.0, normalized.1)
            .words(" the normalized input, and the output is ")
            .fixed(output.0, output.1)
            .words(", with the parameters ")
            .fixed("γ⁽ᵏ⁾", "\\gamma^{(k)}")
            .words(" (scale) and ")
            .fixed("β⁽ᵏ⁾", "\\beta^{(k)}")
            .words(parameters)
    }
}

/// The first layer that normalizes over the samples, with its position in the spec (from 1).
fn first_coupling(spec: &Spec) -> Option<(usize, &crate::spec::LayerSpec, Normalization)> {
    spec.layers
        .iter()
        .enumerate()
        .find_map(|(i, layer)| match layer.kind {
            LayerKind::Normalization(n) if n.couples_samples() => Some((i + 1, layer, n)),
            _ => None,
        })
}

/// The layer's text in the spec, without the spaces a `>` may have after it.
fn name_span(spec: &Spec, layer: &crate::spec::LayerSpec) -> (usize, usize) {
    let (start, end) = layer.span;
    (start, start + spec.text[start..end].trim_end().len())
}

/// Batchnorm without `--batch`: it normalizes over samples that one sample does not have.
pub fn refuse_without_batch(spec: &Spec) -> Result<(), SpecError> {
    match first_coupling(spec) {
        None => Ok(()),
        Some((position, layer, n)) => Err(SpecError {
            spec: spec.text.clone(),
            span: name_span(spec, layer),
            message: format!(
                "{} (layer {position}) normalizes each feature over the samples of a mini-batch",
                n.title()
            ),
            expected: "--batch, with N ≥ 2 samples".to_string(),
            help: Some(
                "add --batch, or use layernorm, which normalizes each sample on its own".into(),
            ),
        }),
    }
}

/// Batchnorm on a mini-batch of one sample, whose variance is 0 in every feature: refused with
/// the layer's position in the spec.
pub fn refuse_single_sample(network: &Network, sizes: &Sizes) -> Result<(), String> {
    let (Some(samples), Some((position, layer, n))) =
        (&network.samples, first_coupling(&network.spec))
    else {
        return Ok(());
    };
    let count = sizes.of(samples);
    if count >= 2 {
        return Ok(());
    }
    let (line, column) = crate::error::SpecError {
        spec: network.spec.text.clone(),
        span: name_span(&network.spec, layer),
        message: String::new(),
        expected: String::new(),
        help: None,
    }
    .line_column();
    let at = if line == 1 {
        format!("column {column}")
    } else {
        format!("line {line}, column {column}")
    };
    Err(format!(
        "N = {count}: {} (layer {position} of the spec, {at}) normalizes each feature over the \
         samples of a mini-batch and needs --batch with N ≥ 2 samples",
        n.title()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_names_show_only_a_non_default_epsilon() {
        assert_eq!(
            Normalization::Layer { epsilon: 1e-5 }.spec_name(),
            "layernorm"
        );
        assert_eq!(
            Normalization::Batch { epsilon: 1e-3 }.spec_name(),
            "batchnorm(0.001)"
        );
        assert!(Normalization::Batch { epsilon: 1e-5 }.couples_samples());
        assert!(!Normalization::Layer { epsilon: 1e-5 }.couples_samples());
    }
}
