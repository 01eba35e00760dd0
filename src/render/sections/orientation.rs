//! The legend's words for the convention a derivation is written in: where samples go, how a
//! weight is stored, how a Jacobian is laid out and what Δ holds.

use crate::convention::{Convention, Layout, Style};
use crate::math::prose::{Math, Prose};
use crate::math::shape::{Dim, Shape};
use crate::math::symbol::Symbol;

/// Linearₖ as the convention writes it, for one sample (h) or a mini-batch (H).
pub fn linear_rule(convention: Convention, batch: bool) -> Prose {
    let (text, latex) = match (convention.style, batch) {
        (Style::Columns, _) => (
            "Linearₖ(h) = W⁽ᵏ⁾h + b⁽ᵏ⁾",
            "\\mathrm{Linear}_{k}(h) = W^{(k)}h + b^{(k)}",
        ),
        (Style::Pytorch, false) => (
            "Linearₖ(h) = hW⁽ᵏ⁾ᵀ + b⁽ᵏ⁾ᵀ",
            "\\mathrm{Linear}_{k}(h) = hW^{(k)\\top} + b^{(k)\\top}",
        ),
        (Style::Pytorch, true) => (
            "Linearₖ(H) = HW⁽ᵏ⁾ᵀ + 𝟏b⁽ᵏ⁾ᵀ",
            "\\mathrm{Linear}_{k}(H) = HW^{(k)\\top} + \\mathbf{1}b^{(k)\\top}",
        ),
        (Style::Cs231n, false) => (
            "Linearₖ(h) = hW⁽ᵏ⁾ + b⁽ᵏ⁾ᵀ",
            "\\mathrm{Linear}_{k}(h) = hW^{(k)} + b^{(k)\\top}",
        ),
        (Style::Cs231n, true) => (
            "Linearₖ(H) = HW⁽ᵏ⁾ + 𝟏b⁽ᵏ⁾ᵀ",
            "\\mathrm{Linear}_{k}(H) = HW^{(k)} + \\mathbf{1}b^{(k)\\top}",
        ),
    };
    Prose::new().fixed(text, latex)
}

/// How the samples and weights are laid out, where the convention is not the default: the
/// sentence that opens the legend.
fn storage(convention: Convention, batch: bool, inputs: &[Symbol]) -> Prose {
    let vectors = if batch {
        Prose::new()
            .words("Samples are rows, one sample per row of ")
            .then(names(inputs))
            .words(", as PyTorch lays out a batch; ")
    } else {
        Prose::new()
            .words(match convention.style {
                Style::Cs231n => "Samples are rows, as CS231n lays them out: ",
                _ => "Samples are rows, as PyTorch lays them out: ",
            })
            .then(names(inputs))
            .words(", y, ")
            .fixed("zᵢ", "z_{i}")
            .words(" and ")
            .symbol(&Symbol::Output)
            .words(" are rows; ")
    };
    let weights = match convention.style {
        Style::Cs231n => Prose::new()
            .fixed("W⁽ᵏ⁾", "W^{(k)}")
            .words(" is ")
            .fixed("in×out", "\\mathrm{in} \\times \\mathrm{out}")
            .words(", as CS231n stores it; "),
        _ => Prose::new()
            .fixed("W⁽ᵏ⁾", "W^{(k)}")
            .words(" is ")
            .fixed("out×in", "\\mathrm{out} \\times \\mathrm{in}")
            .words(", as nn.Linear stores it; "),
    };
    vectors
        .then(weights)
        .words("the biases are columns, added to each sample's row as ")
        .fixed("b⁽ᵏ⁾ᵀ", "b^{(k)\\top}")
        .words(". ")
}

/// How a Jacobian is laid out, for one sample whose output has `k` entries (K, or a model's
/// output width when it is another's).
fn jacobian_layout(convention: Convention, k: Dim) -> Prose {
    let prose = Prose::new().words(match convention.layout {
        Layout::Numerator => "Jacobians are in numerator layout: ",
        Layout::Denominator => "Jacobians are in denominator layout: ",
    });
    let prose = prose
        .fixed("∂u/∂v", "\\partial u / \\partial v")
        .words(" has ");
    let (rows, cols) = match convention.layout {
        Layout::Numerator => (("dim(u)", "\\dim(u)"), ("dim(v)", "\\dim(v)")),
        Layout::Denominator => (("dim(v)", "\\dim(v)"), ("dim(u)", "\\dim(u)")),
    };
    let prose = prose
        .fixed(rows.0, rows.1)
        .words(" rows and ")
        .fixed(cols.0, cols.1)
        .words(" columns, so ")
        .symbol(&Symbol::partial(Symbol::Loss, Symbol::Output))
        .words(" is a ");
    match convention.layout {
        Layout::Numerator => prose.math(Math::Shape(Shape::row(k))).words(" row. "),
        Layout::Denominator => prose
            .math(Math::Shape(Shape::column(k)))
            .words(" column, and the chain rule's factors come in reverse order, the one next to the loss last (")
            .fixed(
                "∂ℓ/∂z = ∂ŷ/∂z · ∂ℓ/∂ŷ",
                "\\partial \\ell / \\partial z = \\partial \\hat{y} / \\partial z \\cdot \\partial \\ell / \\partial \\hat{y}",
            )
            .words("). "),
    }
}

/// The paragraph that says how vectors and Jacobians are laid out, for one sample.
pub fn one_sample(convention: Convention, inputs: &[Symbol], outputs: Dim) -> Prose {
    let opening = if convention.samples_as_rows() {
        storage(convention, false, inputs)
    } else {
        Prose::new().words("Vectors are columns. ")
    };
    opening
        .then(jacobian_layout(convention, outputs))
        .words("The gradient of ")
        .symbol(&Symbol::Loss)
        .words(" with respect to a parameter has that parameter's shape. ")
        .math(Math::Ones)
        .words(" is a vector of ones; ")
        .fixed("Σ(·)", "\\sum(\\cdot)")
        .words(" sums every entry. ")
}

/// The opening of the mini-batch paragraph, up to what Δ is: where each sample sits, in the
/// inputs X (or X₁, X₂, … of a model that takes several).
pub fn batch_opening(convention: Convention, inputs: &[Symbol]) -> Prose {
    let rows = convention.samples_as_rows();
    let opening = if rows {
        storage(convention, true, inputs).words("The s-th row of ")
    } else {
        Prose::new().words("Samples are columns: the s-th column of ")
    };
    let opening = if inputs.len() == 1 {
        let opening = opening
            .then(names(inputs))
            .words(" is the sample ")
            .fixed("x⁽ˢ⁾", "x^{(s)}");
        if rows {
            opening.words(" (a row)")
        } else {
            opening
        }
    } else {
        opening
            .words("each of ")
            .then(names(inputs))
            .words(" is sample s's input")
    };
    opening.words(", with loss ").fixed("ℓₛ", "\\ell_{s}")
}

/// The inputs by name, joined by commas: x, or x₁, x₂ (X, or X₁, X₂, in a mini-batch). The
/// single x is a word in the sentence, as the legend has always written it.
pub fn names(inputs: &[Symbol]) -> Prose {
    if let [x] = inputs
        && let Some(word) = match x {
            Symbol::Input => Some("x"),
            Symbol::Samples(inner) if **inner == Symbol::Input => Some("X"),
            _ => None,
        }
    {
        return Prose::new().words(word);
    }
    let items = inputs.iter().map(|x| Prose::new().symbol(x)).collect();
    Prose::new().join(items, ", ")
}

/// Sample s's part of Δ_V, in the convention's orientation: (∂ℓₛ/∂v⁽ˢ⁾)ᵀ as a column, or the row
/// ∂ℓₛ/∂v⁽ˢ⁾ itself where samples are rows; with the words that place it ("s-th column is").
pub fn delta_part(convention: Convention) -> (&'static str, Prose) {
    if convention.samples_as_rows() {
        (
            "s-th row",
            Prose::new().fixed("∂ℓₛ/∂v⁽ˢ⁾", "\\partial \\ell_{s} / \\partial v^{(s)}"),
        )
    } else {
        (
            "s-th column",
            Prose::new().fixed(
                "(∂ℓₛ/∂v⁽ˢ⁾)ᵀ",
                "(\\partial \\ell_{s} / \\partial v^{(s)})^{\\top}",
            ),
        )
    }
}

/// The vector of ones's length, with the product that shows it: b𝟏ᵀ has N columns, 𝟏bᵀ N rows.
pub fn ones_example(convention: Convention) -> Prose {
    if convention.samples_as_rows() {
        Prose::new()
            .fixed("𝟏bᵀ", "\\mathbf{1}b^{\\top}")
            .words(" has N rows")
    } else {
        Prose::new()
            .fixed("b𝟏ᵀ", "b\\mathbf{1}^{\\top}")
            .words(" has N columns")
    }
}

/// Where one sample sits in a mini-batch matrix: "column" or "row".
pub fn sample_side(convention: Convention) -> &'static str {
    if convention.samples_as_rows() {
        "row"
    } else {
        "column"
    }
}

/// What one sample's ∂ℓ/∂zᵢ is in the layout: "row" or "column".
pub fn signal_kind(convention: Convention) -> &'static str {
    match convention.layout {
        Layout::Numerator => "row",
        Layout::Denominator => "column",
    }
}

/// Sample s's part of Δᵢ: (∂ℓₛ/∂zᵢ)ᵀ as a column, or ∂ℓₛ/∂zᵢ where samples are rows.
pub fn sample_signal(convention: Convention) -> Prose {
    if convention.samples_as_rows() {
        Prose::new().fixed("∂ℓₛ/∂zᵢ", "\\partial \\ell_{s} / \\partial z_{i}")
    } else {
        Prose::new().fixed(
            "(∂ℓₛ/∂zᵢ)ᵀ",
            "(\\partial \\ell_{s} / \\partial z_{i})^{\\top}",
        )
    }
}

/// How a mini-batch's ∂ℓ/∂V (shaped like V) compares with one sample's ∂ℓ/∂v in the layout: the
/// same orientation where one sample's is shaped like v (a row beside rows, a column beside
/// columns), the transpose elsewhere.
pub fn batch_gradient_layout(convention: Convention) -> &'static str {
    match (convention.samples_as_rows(), convention.layout) {
        (false, Layout::Numerator) => {
            " sums every entry. Unlike the numerator layout of one sample, "
        }
        (true, Layout::Numerator) => {
            " sums every entry. As in the numerator layout of one sample (a row, shaped like v), "
        }
        (false, Layout::Denominator) => {
            " sums every entry. As in the denominator layout of one sample (a column, shaped like v), "
        }
        (true, Layout::Denominator) => {
            " sums every entry. Unlike the denominator layout of one sample (a column beside the row v), "
        }
    }
}
