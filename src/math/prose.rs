//! Sentences with bits of mathematics in them, kept as data so that each notation spells the
//! mathematics its own way: `z₁ ∈ ℝᵈ` in text, `$z_{1} \in \mathbb{R}^{d}$` in LaTeX.
//!
//! Words are plain ASCII (a renderer may escape them); everything that needs a symbol is a
//! `Math` piece.

use crate::math::func::Func;
use crate::math::shape::{Dim, Shape};
use crate::math::symbol::Symbol;

#[derive(Clone, Debug, PartialEq)]
pub enum Math {
    Symbol(Symbol),
    /// `x ∈ ℝⁿ`
    Member(Symbol, Shape),
    /// `d×n`
    Shape(Shape),
    /// `n = 3`
    Size(Dim, usize),
    /// `Linear₁`, `ReLU`
    Layer(&'static str, Option<usize>),
    /// `σ`, `log`
    FuncName(Func),
    /// The function applied to a placeholder: `max(0, ·)`.
    Apply(Func),
    /// `diag(v)`
    Diag(&'static str),
    /// `δᵢⱼ`
    Delta,
    Hadamard,
    Divide,
    /// The vector of ones.
    Ones,
    Arrow,
    /// A layer's argument, `0.1`.
    Number(f64),
    /// A fixed formula in both notations, written side by side.
    Fixed(&'static str, &'static str),
    /// An exact fraction, numerator and denominator: `10/9`, `2`.
    Ratio(i64, i64),
}

#[derive(Clone, Debug, PartialEq)]
pub enum Piece {
    Words(String),
    Math(Math),
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Prose(pub Vec<Piece>);

impl Prose {
    pub fn new() -> Prose {
        Prose(Vec::new())
    }

    pub fn words(mut self, words: impl Into<String>) -> Prose {
        self.0.push(Piece::Words(words.into()));
        self
    }

    pub fn math(mut self, math: Math) -> Prose {
        self.0.push(Piece::Math(math));
        self
    }

    pub fn symbol(self, symbol: &Symbol) -> Prose {
        self.math(Math::Symbol(symbol.clone()))
    }

    pub fn fixed(self, text: &'static str, latex: &'static str) -> Prose {
        self.math(Math::Fixed(text, latex))
    }

    /// This sentence followed by another.
    pub fn then(mut self, other: Prose) -> Prose {
        self.0.extend(other.0);
        self
    }

    /// The items with `separator` words between them.
    pub fn join(mut self, items: Vec<Prose>, separator: &str) -> Prose {
        for (i, item) in items.into_iter().enumerate() {
            if i > 0 {
                self = self.words(separator);
            }
            self.0.extend(item.0);
        }
        self
    }
}
