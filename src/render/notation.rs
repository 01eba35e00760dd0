//! How each notation spells the pieces of an expression. The expression printer is shared;
//! only these spellings differ between Unicode text and other notations.

use std::borrow::Cow;

use crate::math::coef::Coef;
use crate::math::func::Func;
use crate::math::shape::{Dim, Shape};
use crate::math::symbol::{Symbol, dim_text, subscript};
use crate::render::layout::{Layout, display_width};

/// The fixed pieces of a notation: one table per notation instead of a method each.
pub struct Tokens {
    /// `∈`
    pub member: &'static str,
    /// `→` between the steps of a chain.
    pub arrow: &'static str,
    pub transpose: &'static str,
    pub plus: &'static str,
    pub minus: &'static str,
    pub hadamard: &'static str,
    pub divide: &'static str,
    /// Between factors that would run together, such as ∂ℓ/∂ŷ · ∂ŷ/∂z₃.
    pub dot: &'static str,
    pub open: &'static str,
    pub close: &'static str,
    /// Parentheses around something as tall as a fraction: `\biggl(` in LaTeX. Sized by hand,
    /// not by `\left…\right`, so that a line may still break between them.
    pub open_tall: &'static str,
    pub close_tall: &'static str,
}

pub trait Notation {
    fn tokens(&self) -> &'static Tokens;
    fn member(&self) -> &'static str {
        self.tokens().member
    }
    fn arrow(&self) -> &'static str {
        self.tokens().arrow
    }
    fn transpose(&self) -> &'static str {
        self.tokens().transpose
    }
    fn plus(&self) -> &'static str {
        self.tokens().plus
    }
    fn minus(&self) -> &'static str {
        self.tokens().minus
    }
    fn hadamard(&self) -> &'static str {
        self.tokens().hadamard
    }
    fn divide(&self) -> &'static str {
        self.tokens().divide
    }
    fn dot(&self) -> &'static str {
        self.tokens().dot
    }
    fn open(&self) -> &'static str {
        self.tokens().open
    }
    fn close(&self) -> &'static str {
        self.tokens().close
    }
    /// The parentheses that fit around their content: taller ones around a fraction.
    fn parentheses(&self, tall: bool) -> (&'static str, &'static str) {
        let tokens = self.tokens();
        if tall {
            (tokens.open_tall, tokens.close_tall)
        } else {
            (tokens.open, tokens.close)
        }
    }
    /// One indivisible piece of a formula as a document; a notation whose source is longer than
    /// what it shows (LaTeX) gives it the width it shows, so that lines break where they would
    /// overflow on the page.
    fn atom<L: Layout>(&self, piece: impl Into<Cow<'static, str>>) -> L {
        L::text(piece)
    }
    /// `d×n`: both sides always, so that a column and a row never look alike.
    fn shape(&self, shape: &Shape) -> String;
    /// A layer's name: `Linear₁`, `ReLU`.
    fn layer(&self, title: &str, index: Option<usize>) -> String;
    /// A fixed formula written once in each notation, in one place.
    fn pick<'s>(&self, text: &'s str, latex: &'s str) -> &'s str;
    /// A whole name in parentheses, never broken across lines: `(∂ℓ/∂ŷ)`.
    fn enclose(&self, name: String) -> String {
        // Room for the indices that most often follow.
        let mut enclosed = String::with_capacity(name.len() + 16);
        enclosed.push_str(self.open());
        enclosed.push_str(&name);
        enclosed.push_str(self.close());
        enclosed
    }
    /// A number that reads back to the same f64.
    fn number(&self, value: f64) -> String;
    /// A layer's argument (the α of LeakyReLU) in its shortest form, `1e-300` rather than
    /// three hundred digits, with the notation's minus sign.
    fn argument(&self, value: f64) -> String;
    fn symbol(&self, symbol: &Symbol) -> String;
    /// A symbol as one piece of a formula.
    fn symbol_atom<L: Layout>(&self, symbol: &Symbol) -> L {
        self.atom(self.symbol(symbol))
    }
    fn dim(&self, dim: &Dim) -> String;
    /// A coefficient in front of an expression: `2`, `(1/K)`, `−(1/K)`, `−`.
    fn coef(&self, coef: &Coef) -> String;
    fn identity(&self, dim: &Dim) -> String;
    fn ones(&self, dim: &Dim) -> String;
    /// The functions wrap an argument that is most often kept by a printer: they copy it in.
    fn apply<L: Layout>(&self, func: Func, argument: &L) -> L;
    fn diag<L: Layout>(&self, argument: &L) -> L;
    /// A base that already ends in a superscript, made one atom before another is put on it
    /// (LaTeX's `{(v + ε)^{1/2}}^{\top}`; text needs nothing).
    fn superscripted<L: Layout>(&self, base: L) -> L {
        base
    }
    fn squared_norm<L: Layout>(&self, argument: &L) -> L;
    /// A number squared: (z₆)ᵢ².
    fn squared<L: Layout>(&self, base: L) -> L;
    fn sum<L: Layout>(&self, argument: &L) -> L;
    /// An element of a matrix-valued thing: `xᵢ`, `W⁽²⁾ᵢⱼ`; `base` is already parenthesised if
    /// it needs to be.
    fn indexed(&self, base: String, indices: &[char]) -> String;
    /// The Kronecker delta δᵢⱼ.
    fn delta(&self, i: char, j: char) -> String;
    /// Σₖ in front of a sum over an index.
    fn sum_over(&self, index: char) -> String;
    /// ℝⁿ, ℝ^{d×n}
    fn space(&self, rows: &Dim, cols: &Dim) -> String;
}

/// Unicode text, as printed to a terminal.
pub struct Text;

const TEXT_TOKENS: Tokens = Tokens {
    member: "∈",
    arrow: "→",
    transpose: "ᵀ",
    plus: "+",
    minus: "−",
    hadamard: "⊙",
    divide: "⊘",
    dot: "·",
    open: "(",
    close: ")",
    open_tall: "(",
    close_tall: ")",
};

impl Text {
    /// A piece of text whose characters are each one column wide, as every name, operator,
    /// shape and layer title the engine writes is: its width is its number of characters,
    /// counted far more cheaply than a display width (debug builds check that they agree).
    fn one_column<L: Layout>(piece: Cow<'static, str>, characters: usize) -> L {
        debug_assert_eq!(
            characters,
            display_width(&piece),
            "{piece:?} is one column a character"
        );
        L::measured(piece, characters)
    }
}

impl Notation for Text {
    fn tokens(&self) -> &'static Tokens {
        &TEXT_TOKENS
    }
    fn atom<L: Layout>(&self, piece: impl Into<Cow<'static, str>>) -> L {
        let piece = piece.into();
        let characters = piece.chars().count();
        Text::one_column(piece, characters)
    }
    fn symbol_atom<L: Layout>(&self, symbol: &Symbol) -> L {
        // Room for a partial such as ∂ℓ/∂W⁽¹²³⁴⁾ at once, and for the rest of an equation it
        // begins; its characters are counted as written.
        let mut text = String::with_capacity(64);
        let characters = symbol.write_text(&mut text);
        Text::one_column(Cow::Owned(text), characters)
    }
    fn shape(&self, shape: &Shape) -> String {
        shape.text()
    }
    fn layer(&self, title: &str, index: Option<usize>) -> String {
        match index {
            Some(k) => title.to_string() + &subscript(k),
            None => title.to_string(),
        }
    }
    fn pick<'s>(&self, text: &'s str, _latex: &'s str) -> &'s str {
        text
    }
    fn number(&self, value: f64) -> String {
        shortest(value)
    }
    /// `0.1`, `−0.5`, `1e-300`.
    fn argument(&self, value: f64) -> String {
        let text = crate::network::layer::argument_text(value);
        match text.strip_prefix('-') {
            Some(magnitude) => format!("−{magnitude}"),
            None => text,
        }
    }
    fn symbol(&self, symbol: &Symbol) -> String {
        symbol.text()
    }
    fn dim(&self, dim: &Dim) -> String {
        match dim {
            Dim::One => "1".into(),
            Dim::Named(name) => dim_text(name),
        }
    }
    fn coef(&self, coef: &Coef) -> String {
        let sign = if coef.is_negative() { "−" } else { "" };
        let num = coef.num.unsigned_abs();
        // 2, λ, 2λ: the number is left out where it is 1 and a constant follows.
        let mut numerator = if num == 1 && !coef.by.is_empty() {
            String::new()
        } else {
            num.to_string()
        };
        for c in &coef.by {
            numerator.push_str(c.text());
        }
        if coef.den == 1 && coef.over.is_empty() {
            return if numerator == "1" {
                sign.to_string()
            } else {
                format!("{sign}{numerator}")
            };
        }
        let mut den: String = if coef.den == 1 {
            String::new()
        } else {
            coef.den.to_string()
        };
        for d in &coef.over {
            den.push_str(&self.dim(d));
        }
        let den = if coef.over.len() + usize::from(coef.den != 1) > 1 {
            format!("({den})")
        } else {
            den
        };
        format!("{sign}({numerator}/{den})")
    }
    fn identity(&self, _dim: &Dim) -> String {
        "I".into()
    }
    fn ones(&self, _dim: &Dim) -> String {
        "𝟏".into()
    }
    fn apply<L: Layout>(&self, func: Func, argument: &L) -> L {
        match func {
            Func::Relu => L::text("max(0, ")
                .append_nested(argument, 0)
                .append(L::text(")")),
            // An Iverson bracket: no glyph that could be read as I or as the ones vector.
            Func::Step => L::text("[")
                .append_nested(argument, 0)
                .append(L::text(" > 0]")),
            Func::Abs => L::text("|").append_nested(argument, 0).append(L::text("|")),
            // The margin printed as its value, added to every entry.
            Func::Margin(margin) => L::text("max(0, ")
                .append_nested(argument, 0)
                .append(L::text(format!(" + {})", self.argument(margin.get())))),
            Func::MarginStep(margin) => L::text("[")
                .append_nested(argument, 0)
                .append(L::text(format!(" + {} > 0]", self.argument(margin.get())))),
            // A normalization's ε is named, and its value given in the legend.
            Func::SqrtPlus(_) => L::text("√(")
                .append_nested(argument, 0)
                .append(L::text(" + ε)")),
            other => L::text(other.text_name())
                .append(L::text("("))
                .append_nested(argument, 0)
                .append(L::text(")")),
        }
    }
    fn diag<L: Layout>(&self, argument: &L) -> L {
        L::text("diag(")
            .append_nested(argument, 0)
            .append(L::text(")"))
    }
    fn squared<L: Layout>(&self, base: L) -> L {
        base.append(self.atom("²"))
    }
    fn squared_norm<L: Layout>(&self, argument: &L) -> L {
        L::text("‖")
            .append_nested(argument, 0)
            .append(L::text("‖²"))
    }
    fn sum<L: Layout>(&self, argument: &L) -> L {
        L::text("Σ(")
            .append_nested(argument, 0)
            .append(L::text(")"))
    }
    fn indexed(&self, base: String, indices: &[char]) -> String {
        let mut s = base;
        s.extend(indices.iter().map(|c| subscript_letter(*c)));
        s
    }
    fn delta(&self, i: char, j: char) -> String {
        // Room for the space that follows in an element form.
        let mut delta = String::with_capacity(12);
        delta.push('δ');
        self.indexed(delta, &[i, j])
    }
    fn sum_over(&self, index: char) -> String {
        self.indexed("Σ".into(), &[index])
    }
    fn space(&self, rows: &Dim, cols: &Dim) -> String {
        let exponent = if cols.is_one() {
            self.dim(rows)
        } else {
            format!("{}×{}", self.dim(rows), self.dim(cols))
        };
        match superscript_word(&exponent) {
            Some(sup) => format!("ℝ{sup}"),
            None => format!("ℝ^({exponent})"),
        }
    }
}

/// The shortest decimal that reads back to the same f64 (Rust's `Debug`): `6.0`, `0.25`,
/// `1e-20`; NaN and infinities as `NaN`, `inf`, `-inf`.
pub fn shortest(value: f64) -> String {
    format!("{value:?}")
}

fn subscript_letter(c: char) -> char {
    match c {
        'i' => 'ᵢ',
        'j' => 'ⱼ',
        'k' => 'ₖ',
        other => other,
    }
}

/// ℝⁿ, ℝᵈ, ℝᴷ: the dimension as a superscript when Unicode has one for every letter.
fn superscript_word(word: &str) -> Option<String> {
    word.chars()
        .map(|c| match c {
            'n' => Some('ⁿ'),
            'd' => Some('ᵈ'),
            'K' => Some('ᴷ'),
            'N' => Some('ᴺ'),
            'm' => Some('ᵐ'),
            '1' => Some('¹'),
            '×' => Some('ˣ'),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::math::coef::Constant;
    use crate::math::func::Param;

    #[test]
    fn coefficients_read_as_written() {
        let k = Dim::named("K");
        assert_eq!(Text.coef(&Coef::integer(2)), "2");
        assert_eq!(Text.coef(&Coef::integer(-1)), "−");
        assert_eq!(Text.coef(&Coef::per(k.clone())), "(1/K)");
        assert_eq!(Text.coef(&Coef::per(k.clone()).negated()), "−(1/K)");
        assert_eq!(
            Text.coef(&Coef::integer(2).times(&Coef::per(k.clone()))),
            "(2/K)"
        );
        let lambda = Coef::constant(Constant::WeightDecay(Param::new(0.01)));
        assert_eq!(Text.coef(&lambda), "λ");
        assert_eq!(Text.coef(&lambda.times(&Coef::integer(-2))), "−2λ");
        assert_eq!(Text.coef(&lambda.times(&Coef::per(k))), "(λ/K)");
    }

    #[test]
    fn spaces() {
        assert_eq!(Text.space(&Dim::named("n"), &Dim::One), "ℝⁿ");
        assert_eq!(Text.space(&Dim::named("d1"), &Dim::One), "ℝ^(d₁)");
        assert_eq!(Text.space(&Dim::named("d"), &Dim::named("n")), "ℝᵈˣⁿ");
        assert_eq!(Text.space(&Dim::One, &Dim::named("n")), "ℝ¹ˣⁿ");
        assert_eq!(
            Text.space(&Dim::named("d2"), &Dim::named("d1")),
            "ℝ^(d₂×d₁)"
        );
    }
}
