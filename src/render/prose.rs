//! Spelling the sentences of `math::prose` in a notation: `z₁ ∈ ℝᵈ` in text,
//! `$z_{1} \in \mathbb{R}^{d}$` in LaTeX.

use crate::math::prose::{Math, Piece, Prose};
use crate::math::shape::Dim;
use crate::render::expression::flat;
use crate::render::notation::Notation;

/// A sentence spelled in a notation.
pub trait Spell {
    /// The whole sentence in one notation, words as they are.
    fn plain<N: Notation>(&self, notation: &N) -> String;
}

impl Spell for Prose {
    fn plain<N: Notation>(&self, notation: &N) -> String {
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
        Math::Ratio(num, 1) => num.to_string(),
        Math::Ratio(num, den) => n
            .pick(
                &format!("{num}/{den}"),
                &format!("\\tfrac{{{num}}}{{{den}}}"),
            )
            .to_string(),
    }
}
