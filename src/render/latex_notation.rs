//! LaTeX math notation: W^{(1)}, z_{1}, \hat{y}, \frac{\partial \ell}{\partial \hat{y}}, ^{\top},
//! \odot, \operatorname{diag}. Used by the LaTeX and Markdown renderers and in JSON.
//!
//! Every piece of a formula is a document whose width is what it shows on the page (roughly, in
//! half-ems), not the length of its source, so that `pretty` breaks lines where the typeset
//! formula would run off. Parentheses are never \left…\right, so that a line may break
//! between them; around a fraction they are sized by hand (\biggl( … \biggr)).

use std::borrow::Cow;
use std::sync::Arc;

use crate::math::coef::Coef;
use crate::math::func::Func;
use crate::math::shape::{Dim, Shape};
use crate::math::symbol::Symbol;
use crate::render::layout::Layout;
use crate::render::notation::{Notation, Tokens, shortest};

pub struct Latex;

/// A piece of LaTeX source, as wide as it shows.
pub fn piece<L: Layout>(source: impl Into<Cow<'static, str>>) -> L {
    let source = source.into();
    let width = shown_width(&source);
    L::measured(source, width)
}

/// An estimate of the typeset width in half-ems: letters and digits 1 (capitals 2 in upright
/// names such as \mathrm{LeakyReLU}, where they are wide), binary operators and relations 2
/// (with their spacing), braces, scripts markers and spaces 0, a control word by what it
/// draws. Fractions count numerator and denominator both, which errs on the wide side.
pub fn shown_width(source: &str) -> usize {
    let mut width = 0;
    let mut chars = source.chars().peekable();
    // Brace depth, and the depth inside which letters are upright.
    let mut depth = 0usize;
    let mut upright: Option<usize> = None;
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                let mut word = String::new();
                while let Some(&next) = chars.peek() {
                    if next.is_ascii_alphabetic() {
                        word.push(next);
                        chars.next();
                    } else {
                        break;
                    }
                }
                if word.is_empty() {
                    // \\, \, \! and the like.
                    chars.next();
                    continue;
                }
                if matches!(word.as_str(), "mathrm" | "operatorname" | "text")
                    && chars.peek() == Some(&'{')
                    && upright.is_none()
                {
                    upright = Some(depth + 1);
                }
                width += match word.as_str() {
                    "frac" | "operatorname" | "mathbb" | "mathbf" | "mathrm" | "hat"
                    | "textstyle" | "left" | "right" | "top" | "biggl" | "biggr" => 0,
                    "odot" | "oslash" | "cdot" | "in" | "times" | "to" => 2,
                    "quad" => 2,
                    "qquad" => 4,
                    "partial" | "ell" | "sigma" | "delta" => 1,
                    "lVert" | "rVert" | "lvert" | "rvert" => 2,
                    "sum" => 2,
                    other => other.len().min(4),
                };
            }
            '{' => depth += 1,
            '}' => {
                if upright == Some(depth) {
                    upright = None;
                }
                depth = depth.saturating_sub(1);
            }
            '^' | '_' | ' ' => {}
            '+' | '-' | '=' | '<' | '>' | ',' => width += 2,
            c if c.is_ascii_uppercase() && upright.is_some() => width += 2,
            _ => width += 1,
        }
    }
    width
}

/// The widest inputs of a forward-table row, in the half-ems of `shown_width`, written as one
/// formula: LaTeX's Input column is 3.5em.
const INPUTS_WIDTH: usize = 6;

/// A forward-table row's inputs, each formula written by `math`: one formula (`ŷ, y`) where
/// they fit the column, else one formula each, so that the line may break after a comma (a
/// dropout layer's Z and its mask M). Markdown writes them the same way, formula for formula.
pub fn inputs_cell(inputs: &[String], math: impl Fn(&str) -> String) -> String {
    let joined = inputs.join(", ");
    if shown_width(&joined) <= INPUTS_WIDTH {
        return math(&joined);
    }
    inputs
        .iter()
        .map(|f| math(f))
        .collect::<Vec<_>>()
        .join(", ")
}

fn digits_subscript(name: &str) -> String {
    // d1 → d_{1}
    match name.find(|c: char| c.is_ascii_digit()) {
        Some(at) if at > 0 => format!("{}_{{{}}}", &name[..at], &name[at..]),
        _ => name.to_string(),
    }
}

impl Latex {
    /// A symbol for running text and table cells: partials on one line (∂ℓ / ∂W), since a
    /// stacked fraction in a table row runs into its neighbours.
    pub fn inline_symbol(&self, symbol: &Symbol) -> String {
        match symbol {
            Symbol::Partial(of, by) => format!(
                "\\partial {} / \\partial {}",
                self.symbol(of),
                self.symbol(by)
            ),
            other => self.symbol(other),
        }
    }
}

const LATEX_TOKENS: Tokens = Tokens {
    member: "\\in",
    arrow: "\\to",
    transpose: "^{\\top}",
    plus: "+",
    minus: "-",
    hadamard: "\\odot",
    divide: "\\oslash",
    dot: "\\cdot",
    open: "(",
    close: ")",
    open_tall: "\\biggl(",
    close_tall: "\\biggr)",
};

impl Notation for Latex {
    fn tokens(&self) -> &'static Tokens {
        &LATEX_TOKENS
    }
    fn atom<L: Layout>(&self, source: impl Into<Cow<'static, str>>) -> L {
        piece(source)
    }
    fn symbol(&self, symbol: &Symbol) -> String {
        match symbol {
            Symbol::Input => "x".into(),
            Symbol::NumberedInput(k) => format!("x_{{{k}}}"),
            Symbol::Target => "y".into(),
            // Braced, so that a transpose or an index after it is not a double superscript.
            Symbol::Weight(k) => format!("{{W^{{({k})}}}}"),
            Symbol::Bias(k) => format!("{{b^{{({k})}}}}"),
            Symbol::Hidden(i) => format!("z_{{{i}}}"),
            Symbol::Output => "\\hat{y}".into(),
            Symbol::Loss => "\\ell".into(),
            Symbol::Parameters => "\\theta".into(),
            Symbol::Partial(of, by) => format!(
                "\\frac{{\\partial {}}}{{\\partial {}}}",
                self.symbol(of),
                self.symbol(by)
            ),
            Symbol::Samples(inner) => match inner.as_ref() {
                Symbol::Input => "X".into(),
                Symbol::NumberedInput(k) => format!("X_{{{k}}}"),
                Symbol::Target => "Y".into(),
                Symbol::Hidden(i) => format!("Z_{{{i}}}"),
                Symbol::Output => "\\hat{Y}".into(),
                Symbol::Mask(k) => format!("{{M^{{({k})}}}}"),
                Symbol::Normalized(k) => format!("{{\\hat{{Z}}^{{({k})}}{{}}}}"),
                Symbol::Bound(name) => bound_latex(name, true),
                other => self.symbol(other),
            },
            Symbol::Delta(inner) => match inner.as_ref() {
                Symbol::Samples(value) => match value.as_ref() {
                    Symbol::Hidden(i) => format!("\\Delta_{{{i}}}"),
                    other => format!(
                        "\\Delta_{{{}}}",
                        self.symbol(&Symbol::Samples(Arc::new(other.clone())))
                    ),
                },
                other => format!("\\Delta_{{{}}}", self.symbol(other)),
            },
            Symbol::Mask(k) => format!("{{m^{{({k})}}}}"),
            Symbol::Gamma(k) => format!("{{\\gamma^{{({k})}}}}"),
            Symbol::Shift(k) => format!("{{\\beta^{{({k})}}}}"),
            Symbol::Mean(k) => format!("{{\\mu^{{({k})}}}}"),
            Symbol::Variance(k) => format!("{{\\operatorname{{var}}^{{({k})}}}}"),
            // The empty group keeps TeX from taking the braces for the accent alone, which would
            // make a following transpose a double superscript.
            Symbol::Normalized(k) => format!("{{\\hat{{z}}^{{({k})}}{{}}}}"),
            Symbol::Bound(name) | Symbol::Own { name, .. } => bound_latex(name, false),
        }
    }
    fn dim(&self, dim: &Dim) -> String {
        digits_subscript(dim.name())
    }
    fn coef(&self, coef: &Coef) -> String {
        let sign = if coef.is_negative() { "-" } else { "" };
        let num = coef.num.unsigned_abs();
        // 2, λ, 2λ: the number is left out where it is 1 and a constant follows. A constant is
        // a command, so a space ends it before the letter it scales (\lambda W).
        let mut numerator = if num == 1 && !coef.by.is_empty() {
            String::new()
        } else {
            num.to_string()
        };
        for c in &coef.by {
            numerator.push_str(c.latex());
            numerator.push(' ');
        }
        if coef.den == 1 && coef.over.is_empty() {
            return if numerator == "1" {
                sign.to_string()
            } else {
                format!("{sign}{numerator}")
            };
        }
        let numerator = numerator.trim_end();
        let mut den: String = if coef.den == 1 {
            String::new()
        } else {
            coef.den.to_string()
        };
        for d in &coef.over {
            den.push_str(&self.dim(d));
        }
        format!("{sign}\\frac{{{numerator}}}{{{den}}}")
    }
    fn enclose(&self, name: String) -> String {
        format!("\\left({name}\\right)")
    }
    fn identity(&self, _dim: &Dim) -> String {
        "I".into()
    }
    fn ones(&self, _dim: &Dim) -> String {
        "\\mathbf{1}".into()
    }
    fn apply<L: Layout>(&self, func: Func, argument: &L) -> L {
        match func {
            Func::Relu => piece::<L>("\\max(0, ")
                .append_nested(argument, 0)
                .append(piece(")")),
            // An Iverson bracket: no glyph that could be read as I or as the ones vector.
            Func::Step => piece::<L>("[")
                .append_nested(argument, 0)
                .append(piece(" > 0]")),
            Func::Abs => piece::<L>("\\lvert ")
                .append_nested(argument, 0)
                .append(piece(" \\rvert")),
            Func::Margin(margin) => piece::<L>("\\max(0, ")
                .append_nested(argument, 0)
                .append(piece(format!(" + {})", self.argument(margin.get())))),
            Func::MarginStep(margin) => piece::<L>("[")
                .append_nested(argument, 0)
                .append(piece(format!(" + {} > 0]", self.argument(margin.get())))),
            // A power, not \sqrt{…}: a long argument breaks across lines, which a brace
            // group cannot.
            Func::SqrtPlus(_) => piece::<L>("(")
                .append_nested(argument, 0)
                .append(piece(" + \\epsilon)^{1/2}")),
            other => piece::<L>(format!("{}(", other.latex_name()))
                .append_nested(argument, 0)
                .append(piece(")")),
        }
    }
    fn superscripted<L: Layout>(&self, base: L) -> L {
        piece::<L>("{").append(base).append(piece("}"))
    }
    fn diag<L: Layout>(&self, argument: &L) -> L {
        piece::<L>("\\operatorname{diag}(")
            .append_nested(argument, 0)
            .append(piece(")"))
    }
    fn squared<L: Layout>(&self, base: L) -> L {
        base.append(piece("^{2}"))
    }
    fn squared_norm<L: Layout>(&self, argument: &L) -> L {
        piece::<L>("\\lVert ")
            .append_nested(argument, 0)
            .append(piece(" \\rVert^{2}"))
    }
    fn sum<L: Layout>(&self, argument: &L) -> L {
        // Braced so that \textstyle ends with the sign.
        piece::<L>("{\\textstyle\\sum}(")
            .append_nested(argument, 0)
            .append(piece(")"))
    }
    fn indexed(&self, base: String, indices: &[char]) -> String {
        if indices.is_empty() {
            return base;
        }
        let indices: String = indices.iter().collect();
        // {W^{(2)}}_{ij} would set the index after the whole group; W^{(2)}_{ij} sets it
        // under the superscript, as W⁽²⁾ᵢⱼ.
        let base = match base.strip_prefix('{').and_then(|b| b.strip_suffix('}')) {
            Some(inner) if inner.contains("^{(") => inner.to_string(),
            _ => base,
        };
        format!("{base}_{{{indices}}}")
    }
    fn delta(&self, i: char, j: char) -> String {
        self.indexed("\\delta".into(), &[i, j])
    }
    fn sum_over(&self, index: char) -> String {
        self.indexed("\\sum".into(), &[index])
    }
    fn space(&self, rows: &Dim, cols: &Dim) -> String {
        if cols.is_one() {
            format!("\\mathbb{{R}}^{{{}}}", self.dim(rows))
        } else {
            format!(
                "\\mathbb{{R}}^{{{} \\times {}}}",
                self.dim(rows),
                self.dim(cols)
            )
        }
    }
    fn shape(&self, shape: &Shape) -> String {
        format!(
            "{} \\times {}",
            self.dim(&shape.rows),
            self.dim(&shape.cols)
        )
    }
    fn layer(&self, title: &str, index: Option<usize>) -> String {
        match index {
            Some(k) => format!("\\mathrm{{{title}}}_{{{k}}}"),
            None => format!("\\mathrm{{{title}}}"),
        }
    }
    fn pick<'s>(&self, _text: &'s str, latex: &'s str) -> &'s str {
        latex
    }
    /// `0.1`, `-0.5`, `1 \times 10^{-300}`.
    fn argument(&self, value: f64) -> String {
        let text = crate::network::layer::argument_text(value);
        match text.split_once('e') {
            Some((mantissa, exponent)) => format!("{mantissa} \\times 10^{{{exponent}}}"),
            None => text,
        }
    }
    /// `0.25`, `-3.0`, `1.5 \times 10^{-20}`.
    fn number(&self, value: f64) -> String {
        let s = shortest(value);
        match s.split_once('e') {
            Some((mantissa, exponent)) => format!("{mantissa} \\times 10^{{{exponent}}}"),
            None if value.is_nan() => "\\mathrm{NaN}".into(),
            None if value.is_infinite() => if value > 0.0 { "\\infty" } else { "-\\infty" }.into(),
            None => s,
        }
    }
}

/// A model's bound name in LaTeX: one letter in italics as any variable, a longer name in
/// \mathit so that it is not read as a product, trailing digits as a subscript; braced, as W⁽ᵏ⁾,
/// so that a transpose or an index after it is not a double superscript.
fn bound_latex(name: &str, capital: bool) -> String {
    let stem = name.trim_end_matches(|c: char| c.is_ascii_digit());
    let digits = &name[stem.len()..];
    let mut letters = String::new();
    for (i, c) in stem.chars().enumerate() {
        match c {
            '_' => letters.push_str("\\_"),
            c if i == 0 && capital => letters.extend(c.to_uppercase()),
            c => letters.push(c),
        }
    }
    let body = if stem.chars().count() == 1 {
        letters
    } else {
        format!("\\mathit{{{letters}}}")
    };
    if digits.is_empty() {
        format!("{{{body}}}")
    } else {
        format!("{{{body}_{{{digits}}}}}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn symbols() {
        let l = Latex;
        assert_eq!(l.symbol(&Symbol::Weight(1)), "{W^{(1)}}");
        assert_eq!(
            l.symbol(&Symbol::partial(Symbol::Loss, Symbol::Output)),
            "\\frac{\\partial \\ell}{\\partial \\hat{y}}"
        );
        assert_eq!(
            l.coef(&Coef::per(Dim::named("K")).negated()),
            "-\\frac{1}{K}"
        );
        assert_eq!(
            l.space(&Dim::named("d1"), &Dim::named("n")),
            "\\mathbb{R}^{d_{1} \\times n}"
        );
        assert_eq!(l.number(1e-20), "1 \\times 10^{-20}");
        assert_eq!(l.number(0.25), "0.25");
        assert_eq!(l.argument(1e-300), "1 \\times 10^{-300}");
        assert_eq!(l.argument(-0.0), "0");
        assert_eq!(l.argument(-0.5), "-0.5");
    }

    #[test]
    fn widths_count_what_shows() {
        assert_eq!(shown_width("{W^{(1)}}"), 4);
        assert_eq!(shown_width("\\hat{y} - y"), 4);
    }
}
