//! The names that appear in a derivation: inputs, parameters, intermediates, partials.
//!
//! A symbol is structured, not a string, so that each notation (Unicode text, LaTeX, ASCII keys)
//! spells it its own way.

use std::cell::RefCell;
use std::fmt;
use std::sync::Arc;

/// The symbols inside a partial or a mini-batch symbol are shared, not copied: rows and
/// equations of a deep chain hold hundreds of thousands of symbols. (`Arc` rather than `Rc`, so
/// that a derivation can be handed to other threads, as the benchmarks do.)
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub enum Symbol {
    /// The input x.
    Input,
    /// xₖ, the k-th input (k from 1) of a model that takes several.
    NumberedInput(usize),
    /// The target y.
    Target,
    /// W⁽ᵏ⁾, the weight of the k-th linear layer (k from 1).
    Weight(usize),
    /// b⁽ᵏ⁾, the bias of the k-th linear layer.
    Bias(usize),
    /// zᵢ, the output of the i-th layer (i from 1), for every layer but the last.
    Hidden(usize),
    /// ŷ, the output of the last layer.
    Output,
    /// ℓ, the loss.
    Loss,
    /// θ, all the parameters together (for a check that moves them at once).
    Parameters,
    /// ∂a/∂b: a Jacobian between vectors, or the gradient of ℓ with respect to a parameter.
    Partial(Arc<Symbol>, Arc<Symbol>),
    /// The matrix of a mini-batch whose columns are the samples' x, y, zᵢ or ŷ: X, Y, Zᵢ, Ŷ.
    Samples(Arc<Symbol>),
    /// Δ of a mini-batch value: the matrix whose s-th column is (∂ℓₛ/∂v)ᵀ for sample s's loss
    /// ℓₛ, so that ∂ℓ/∂Zᵢ = (1/N) Δᵢ.
    Delta(Arc<Symbol>),
    /// m⁽ᵏ⁾, the mask of the k-th dropout layer (k from 1): an input of the model, like x, of
    /// 0s and 1s; a mini-batch's M⁽ᵏ⁾ has one mask column per sample.
    Mask(usize),
    /// γ⁽ᵏ⁾, the scale of the k-th normalization layer (layernorm or batchnorm).
    Gamma(usize),
    /// β⁽ᵏ⁾, the shift of the k-th normalization layer.
    Shift(usize),
    /// μ⁽ᵏ⁾, the mean the k-th normalization layer subtracts.
    Mean(usize),
    /// var⁽ᵏ⁾, the biased variance the k-th normalization layer divides by (written so that
    /// it cannot be read as the sigmoid σ).
    Variance(usize),
    /// ẑ⁽ᵏ⁾, the normalized input of the k-th normalization layer (Ẑ⁽ᵏ⁾ in a mini-batch).
    Normalized(usize),
    /// A layer's output named by a model's binding (`h` of `h = relu(linear(x))`), in place of
    /// its zᵢ; trailing digits are written as a subscript (h1 is h₁), and a mini-batch's is
    /// capitalised (H).
    Bound(Arc<str>),
    /// A parameter of a model's own, by the name it is written with (`W`, `c`, `W_enc`): a
    /// weight (a matrix, `weight`) or a bias (a column).
    Own { name: Arc<str>, weight: bool },
}

impl Symbol {
    pub fn partial(of: Symbol, with_respect_to: Symbol) -> Symbol {
        Symbol::Partial(Arc::new(of), Arc::new(with_respect_to))
    }

    /// The ASCII key used in JSON and point files: `x`, `y`, `W1`, `b1`, `z1`, `yhat`, `loss`.
    pub fn key(&self) -> String {
        match self {
            Symbol::Input => "x".into(),
            Symbol::NumberedInput(k) => format!("x{k}"),
            Symbol::Target => "y".into(),
            Symbol::Weight(k) => format!("W{k}"),
            Symbol::Bias(k) => format!("b{k}"),
            Symbol::Hidden(i) => format!("z{i}"),
            Symbol::Output => "yhat".into(),
            Symbol::Loss => "loss".into(),
            Symbol::Parameters => "theta".into(),
            Symbol::Partial(of, wrt) => format!("d{}/d{}", of.key(), wrt.key()),
            Symbol::Samples(inner) => inner.key(),
            Symbol::Delta(inner) => format!("Delta_{}", inner.key()),
            Symbol::Mask(k) => format!("m{k}"),
            Symbol::Gamma(k) => format!("gamma{k}"),
            Symbol::Shift(k) => format!("beta{k}"),
            Symbol::Mean(k) => format!("mu{k}"),
            Symbol::Variance(k) => format!("var{k}"),
            Symbol::Normalized(k) => format!("zhat{k}"),
            Symbol::Bound(name) | Symbol::Own { name, .. } => name.to_string(),
        }
    }

    /// Unicode text: `x`, `W⁽¹⁾`, `z₂`, `ŷ`, `ℓ`, `∂ℓ/∂ŷ`.
    pub fn text(&self) -> String {
        // Room for a partial such as ∂ℓ/∂W⁽¹²³⁴⁾ at once, instead of growing it piece by piece.
        let mut out = String::with_capacity(32);
        self.write_text(&mut out);
        out
    }

    /// Appends the Unicode text to `out` and gives its number of characters, each one column
    /// wide: a derivation prints hundreds of thousands of names.
    pub fn write_text(&self, out: &mut String) -> usize {
        match self {
            Symbol::Input => push(out, 'x'),
            Symbol::NumberedInput(k) => push(out, 'x') + push_digits(out, *k, Script::Subscript),
            Symbol::Target => push(out, 'y'),
            Symbol::Weight(k) => {
                out.push_str("W⁽");
                let digits = push_digits(out, *k, Script::Superscript);
                out.push('⁾');
                digits + 3
            }
            Symbol::Bias(k) => {
                out.push_str("b⁽");
                let digits = push_digits(out, *k, Script::Superscript);
                out.push('⁾');
                digits + 3
            }
            Symbol::Hidden(i) => push(out, 'z') + push_digits(out, *i, Script::Subscript),
            Symbol::Output => push(out, 'ŷ'),
            Symbol::Loss => push(out, 'ℓ'),
            Symbol::Parameters => push(out, 'θ'),
            Symbol::Partial(of, wrt) => {
                let of = push(out, '∂') + of.write_text(out);
                out.push_str("/∂");
                of + 2 + wrt.write_text(out)
            }
            Symbol::Samples(inner) => match inner.as_ref() {
                Symbol::Input => push(out, 'X'),
                Symbol::NumberedInput(k) => {
                    push(out, 'X') + push_digits(out, *k, Script::Subscript)
                }
                Symbol::Target => push(out, 'Y'),
                Symbol::Hidden(i) => push(out, 'Z') + push_digits(out, *i, Script::Subscript),
                Symbol::Output => push(out, 'Ŷ'),
                Symbol::Mask(k) => {
                    out.push_str("M⁽");
                    let digits = push_digits(out, *k, Script::Superscript);
                    out.push('⁾');
                    digits + 3
                }
                Symbol::Normalized(k) => push_layer_indexed(out, "Ẑ", 1, *k),
                Symbol::Bound(name) => push_bound(out, name, true),
                other => other.write_text(out),
            },
            Symbol::Delta(inner) => match inner.as_ref() {
                Symbol::Samples(value) if matches!(value.as_ref(), Symbol::Hidden(_)) => {
                    let Symbol::Hidden(i) = value.as_ref() else {
                        unreachable!()
                    };
                    push(out, 'Δ') + push_digits(out, *i, Script::Subscript)
                }
                other => {
                    out.push_str("Δ_");
                    2 + other.write_text(out)
                }
            },
            Symbol::Mask(k) => {
                out.push_str("m⁽");
                let digits = push_digits(out, *k, Script::Superscript);
                out.push('⁾');
                digits + 3
            }
            Symbol::Gamma(k) => push_layer_indexed(out, "γ", 1, *k),
            Symbol::Shift(k) => push_layer_indexed(out, "β", 1, *k),
            Symbol::Mean(k) => push_layer_indexed(out, "μ", 1, *k),
            Symbol::Variance(k) => push_layer_indexed(out, "var", 3, *k),
            Symbol::Normalized(k) => push_layer_indexed(out, "ẑ", 1, *k),
            Symbol::Bound(name) | Symbol::Own { name, .. } => push_bound(out, name, false),
        }
    }

    /// A symbol that is written with a subscript of its own (z₁) needs parentheses before an
    /// element index is attached: (z₁)ᵢ, but xᵢ.
    pub fn has_subscript(&self) -> bool {
        match self {
            Symbol::Hidden(_)
            | Symbol::NumberedInput(_)
            | Symbol::Partial(..)
            | Symbol::Delta(_) => true,
            Symbol::Bound(name) | Symbol::Own { name, .. } => {
                name.ends_with(|c: char| c.is_ascii_digit())
            }
            Symbol::Samples(inner) => inner.has_subscript(),
            _ => false,
        }
    }

    /// A weight matrix: a linear layer's W⁽ᵏ⁾, or a weight of a model's own.
    pub fn is_weight(&self) -> bool {
        matches!(self, Symbol::Weight(_) | Symbol::Own { weight: true, .. })
    }

    /// y, or a mini-batch's Y.
    pub fn is_target(&self) -> bool {
        match self {
            Symbol::Target => true,
            Symbol::Samples(inner) => **inner == Symbol::Target,
            _ => false,
        }
    }

    /// A dropout mask m⁽ᵏ⁾, or a mini-batch's M⁽ᵏ⁾.
    pub fn is_mask(&self) -> bool {
        match self {
            Symbol::Mask(_) => true,
            Symbol::Samples(inner) => matches!(**inner, Symbol::Mask(_)),
            _ => false,
        }
    }

    pub fn is_partial(&self) -> bool {
        matches!(self, Symbol::Partial(..))
    }
}

impl fmt::Display for Symbol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text())
    }
}

const SUBSCRIPT_DIGITS: [&str; 10] = ["₀", "₁", "₂", "₃", "₄", "₅", "₆", "₇", "₈", "₉"];
const SUPERSCRIPT_DIGITS: [&str; 10] = ["⁰", "¹", "²", "³", "⁴", "⁵", "⁶", "⁷", "⁸", "⁹"];
const ASCII_DIGITS: [&str; 10] = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"];

pub fn subscript(number: usize) -> String {
    let mut out = String::new();
    push_digits(&mut out, number, Script::Subscript);
    out
}

pub fn superscript(number: usize) -> String {
    let mut out = String::new();
    push_digits(&mut out, number, Script::Superscript);
    out
}

/// Appends `number` in plain decimal digits, as `format!` would, without its machinery: a deep
/// chain names a width for each of thousands of layers (once each, so nothing is kept).
pub fn push_decimal(out: &mut String, number: usize) {
    spell_digits(out, number, &ASCII_DIGITS);
}

/// A dimension name in Unicode: `d1` becomes `d₁`.
pub fn dim_text(name: &str) -> String {
    let mut out = String::with_capacity(name.len() * 3);
    push_dim_text(&mut out, name);
    out
}

/// Appends a dimension name in Unicode to `out`.
pub fn push_dim_text(out: &mut String, name: &str) {
    for c in name.chars() {
        match c.to_digit(10) {
            Some(d) => out.push_str(SUBSCRIPT_DIGITS[d as usize]),
            None => out.push(c),
        }
    }
}

/// Appends `base⁽ᵏ⁾`, as the parameters of a layer are written, and gives its width; `width`
/// is that of `base`.
fn push_layer_indexed(out: &mut String, base: &str, width: usize, k: usize) -> usize {
    out.push_str(base);
    out.push('⁽');
    let digits = push_digits(out, k, Script::Superscript);
    out.push('⁾');
    width + digits + 2
}

/// Appends one character; it is one character long.
/// A bound name: its letters (the first capitalised for a mini-batch), then its trailing digits
/// as a subscript.
fn push_bound(out: &mut String, name: &str, capital: bool) -> usize {
    let stem = name.trim_end_matches(|c: char| c.is_ascii_digit());
    let mut width = 0;
    for (i, c) in stem.chars().enumerate() {
        if i == 0 && capital {
            out.extend(c.to_uppercase());
        } else {
            out.push(c);
        }
        width += 1;
    }
    for digit in name[stem.len()..].chars() {
        out.push(char::from_u32('₀' as u32 + digit.to_digit(10).unwrap_or(0)).unwrap_or(digit));
        width += 1;
    }
    width
}

fn push(out: &mut String, c: char) -> usize {
    out.push(c);
    1
}

/// The numbers whose spelling is kept, once spelled (`push_digits`): below this bound, which
/// every number a chain of the most layers accepted names stays under (asserted in `spec`).
pub const SPELLED_BELOW: usize = 1 << 16;

/// Appends the decimal digits of `number` in the given script, and gives how many there are.
fn push_digits(out: &mut String, number: usize, script: Script) -> usize {
    // A derivation writes names hundreds of thousands of times, most numbers many times over:
    // each number's digits are spelled once per script and then copied whole. This took a
    // 20,002-layer chain from 987M to 942M instructions (BENCHMARKS.md, "Names spell each
    // number's digits once"; `CALLGRIND=1 bench/whole_process.sh`).
    thread_local! {
        static SPELLED: RefCell<[Vec<Option<Box<str>>>; Script::COUNT]> = RefCell::default();
    }
    if number >= SPELLED_BELOW {
        spell_digits(out, number, script.digits());
        return decimal_length(number);
    }
    SPELLED.with_borrow_mut(|spelled| {
        let spelled = &mut spelled[script as usize];
        if spelled.len() <= number {
            spelled.resize(number + 1, None);
        }
        let digits = spelled[number].get_or_insert_with(|| {
            let mut digits = String::new();
            spell_digits(&mut digits, number, script.digits());
            digits.into_boxed_str()
        });
        out.push_str(digits);
    });
    decimal_length(number)
}

/// The scripts of the numbers in names; each indexes its own table of spellings.
#[derive(Clone, Copy)]
enum Script {
    Subscript = 0,
    Superscript = 1,
}

impl Script {
    const COUNT: usize = 2;

    fn digits(self) -> &'static [&'static str; 10] {
        match self {
            Script::Subscript => &SUBSCRIPT_DIGITS,
            Script::Superscript => &SUPERSCRIPT_DIGITS,
        }
    }
}

fn decimal_length(number: usize) -> usize {
    number.checked_ilog10().map_or(1, |log| log as usize + 1)
}

/// Appends the decimal digits of `number`, one at a time.
fn spell_digits(out: &mut String, number: usize, digits: &[&str; 10]) {
    let mut buffer = [0u8; 20];
    let mut rest = number;
    let mut count = 0;
    loop {
        buffer[count] = (rest % 10) as u8;
        count += 1;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    // At most three bytes a digit (subscripts and superscripts), reserved at once.
    out.reserve(3 * count);
    for &digit in buffer[..count].iter().rev() {
        out.push_str(digits[digit as usize]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings() {
        assert_eq!(Symbol::Weight(12).text(), "W⁽¹²⁾");
        assert_eq!(Symbol::Hidden(3).text(), "z₃");
        assert_eq!(
            Symbol::partial(Symbol::Loss, Symbol::Output).text(),
            "∂ℓ/∂ŷ"
        );
        assert_eq!(Symbol::Weight(2).key(), "W2");
        assert_eq!(Symbol::Mask(1).text(), "m⁽¹⁾");
        assert_eq!(Symbol::Samples(Arc::new(Symbol::Mask(2))).text(), "M⁽²⁾");
        assert_eq!(Symbol::Samples(Arc::new(Symbol::Mask(2))).key(), "m2");
        assert_eq!(dim_text("d12"), "d₁₂");
        assert_eq!(subscript(0), "₀");
        assert_eq!(superscript(1090), "¹⁰⁹⁰");
        let mut decimal = String::from("d");
        push_decimal(&mut decimal, 1090);
        assert_eq!(decimal, "d1090");
        // Spelled once and then copied, or, beyond the numbers kept, spelled each time.
        for _ in 0..2 {
            assert_eq!(Symbol::Hidden(20_001).text(), "z₂₀₀₀₁");
            assert_eq!(Symbol::Bias(0).text(), "b⁽⁰⁾");
            assert_eq!(subscript(65_535), "₆₅₅₃₅");
            assert_eq!(superscript(65_536), "⁶⁵⁵³⁶");
            assert_eq!(subscript(1_234_567), "₁₂₃₄₅₆₇");
            let mut decimal = String::new();
            push_decimal(&mut decimal, usize::MAX);
            assert_eq!(decimal, usize::MAX.to_string());
        }
        let mut name = String::new();
        assert_eq!(Symbol::Weight(70_000).write_text(&mut name), 8);
        assert_eq!(name, "W⁽⁷⁰⁰⁰⁰⁾");
    }

    #[test]
    fn the_width_written_is_the_number_of_characters() {
        let hidden = Symbol::Samples(Arc::new(Symbol::Hidden(12)));
        for symbol in [
            Symbol::Weight(1234),
            Symbol::Bias(7),
            Symbol::partial(Symbol::Loss, Symbol::Weight(30)),
            Symbol::partial(Symbol::Hidden(2), Symbol::Hidden(1)),
            Symbol::Samples(Arc::new(Symbol::Output)),
            Symbol::Delta(Arc::new(hidden.clone())),
            Symbol::Delta(Arc::new(Symbol::Samples(Arc::new(Symbol::Output)))),
            Symbol::partial(Symbol::Loss, hidden),
            Symbol::Mask(3),
            Symbol::Samples(Arc::new(Symbol::Mask(12))),
        ] {
            let mut text = String::new();
            let width = symbol.write_text(&mut text);
            assert_eq!(width, text.chars().count(), "{text}");
        }
    }
}
