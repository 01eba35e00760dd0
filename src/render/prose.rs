//! Sentences with bits of mathematics in them, kept as data so that each notation spells the
//! mathematics its own way: `z₁ ∈ ℝᵈ` in text, `$z_{1} \in \mathbb{R}^{d}$` in LaTeX.
//!
//! Words are plain ASCII (a renderer may escape them); everything that needs a symbol is a
//! `Math` piece.

use crate::math::func::Func;
use crate::math::shape::{Dim, Shape};
use crate::math::symbol::Symbol;
use crate::render::expression::flat;
use crate::render::notation::Notation;

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

    /// The whole sentence in one notation, words as they are.
    pub fn plain<N: Notation>(&self, notation: &N) -> String {
        self.0
            .iter()
            .map(|piece| match piece {
                Piece::Words(w) => w.clone(),
                Piece::Math(m) => spell(notation, m),
            })
            .collect()
    }
}

/// One piece of mathematics in a notation.
pub fn spell<N: Notation>(n: &N, math: &Math) -> String {
    match math {
        Math::Symbol(s) => n.symbol(s),
        Math::Member(s, shape) => format!(
            "{} {} {}",
            n.symbol(s),
            n.member(),
            n.space(&shape.rows, &shape.cols)
        ),
        Math::Shape(shape) => n.shape(shape),
        Math::Size(dim, size) => format!("{} = {size}", n.dim(dim)),
        Math::Layer(title, index) => n.layer(title, *index),
        Math::FuncName(f) => n.pick(f.text_name(), f.latex_name()).to_string(),
        Math::Apply(f) => flat(&n.apply(*f, &n.atom(n.dot()))),
        Math::Diag(v) => flat(&n.diag(&n.atom(*v))),
        Math::Delta => n.delta('i', 'j'),
        Math::Hadamard => n.hadamard().to_string(),
        Math::Divide => n.divide().to_string(),
        Math::Ones => n.ones(&Dim::One),
        Math::Arrow => n.arrow().to_string(),
        Math::Number(v) => n.argument(*v),
        Math::Fixed(text, latex) => n.pick(text, latex).to_string(),
    }
}
