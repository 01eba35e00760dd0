//! A course's convention, as data every stage can read: where samples go, how a weight is
//! stored, how a Jacobian is laid out, and so which values a convention writes transposed.
//! Rewriting a derivation into one is `crate::convention`.

use crate::math::expr::Role;
use crate::math::shape::{Dim, Shape};
use crate::math::symbol::Symbol;

/// Where samples go and how a weight is stored.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub enum Style {
    /// Vectors are columns, W⁽ᵏ⁾ ∈ ℝ^(out×in), Linear(h) = W⁽ᵏ⁾h + b⁽ᵏ⁾.
    #[default]
    Columns,
    /// Samples are rows, W⁽ᵏ⁾ ∈ ℝ^(out×in) as nn.Linear stores it, Linear(H) = HW⁽ᵏ⁾ᵀ + 𝟏b⁽ᵏ⁾ᵀ.
    Pytorch,
    /// Samples are rows, W⁽ᵏ⁾ ∈ ℝ^(in×out), Linear(H) = HW⁽ᵏ⁾ + 𝟏b⁽ᵏ⁾ᵀ.
    Cs231n,
}

/// How a Jacobian ∂u/∂v is laid out.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub enum Layout {
    /// dim(u) × dim(v): ∂ℓ/∂ŷ is a row, and the chain rule multiplies left to right.
    #[default]
    Numerator,
    /// dim(v) × dim(u): ∂ℓ/∂ŷ is a column, and the chain rule's factors come in reverse order.
    Denominator,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct Convention {
    pub style: Style,
    pub layout: Layout,
}

impl Style {
    pub const NAMES: [(&'static str, Style); 3] = [
        ("columns", Style::Columns),
        ("pytorch", Style::Pytorch),
        ("cs231n", Style::Cs231n),
    ];

    pub fn name(self) -> &'static str {
        Style::NAMES
            .iter()
            .find(|(_, s)| *s == self)
            .map(|(name, _)| *name)
            .expect("every style has a name")
    }
}

impl Layout {
    pub fn name(self) -> &'static str {
        match self {
            Layout::Numerator => "numerator",
            Layout::Denominator => "denominator",
        }
    }
}

impl Convention {
    /// Whether samples (and one sample's vectors x, zᵢ, ŷ, y) are rows.
    pub fn samples_as_rows(self) -> bool {
        self.style != Style::Columns
    }

    /// Whether the weights are stored in×out, the transpose of the columns convention's.
    pub fn weights_in_by_out(self) -> bool {
        self.style == Style::Cs231n
    }

    pub fn is_default(self) -> bool {
        self == Convention::default()
    }

    /// Whether an input or parameter's value is the transpose of its columns value: x, y and
    /// the dropout masks where samples are rows, the weights under cs231n. Biases and the
    /// normalization's γ and β are columns in every convention, as PyTorch's 1-D tensors.
    pub fn flips_leaf(self, symbol: &Symbol) -> bool {
        match symbol {
            Symbol::Weight(_) | Symbol::Own { weight: true, .. } => self.weights_in_by_out(),
            Symbol::Input
            | Symbol::NumberedInput(_)
            | Symbol::Target
            | Symbol::Mask(_)
            | Symbol::Samples(_) => self.samples_as_rows(),
            _ => false,
        }
    }

    /// Whether a named node is written as the transpose of its columns form: a value that
    /// holds samples (every vector of one sample, and in a mini-batch every matrix with a
    /// side of N) where samples are rows; a Jacobian in denominator layout; a backpropagated
    /// row ∂ℓ/∂zᵢ in denominator layout, and a mini-batch's Δ, shaped like its value, where
    /// samples are rows.
    pub fn flips_named(self, role: Role, shape: &Shape, samples: Option<&Dim>) -> bool {
        if shape.rows.is_one() && shape.cols.is_one() {
            return false;
        }
        let holds_samples = match samples {
            None => true,
            Some(n) => shape.rows == *n || shape.cols == *n,
        };
        match role {
            Role::Value | Role::Statistic => self.samples_as_rows() && holds_samples,
            Role::Derivative => self.layout == Layout::Denominator,
            Role::Signal => match samples {
                None => self.layout == Layout::Denominator,
                Some(_) => self.samples_as_rows(),
            },
        }
    }
}
