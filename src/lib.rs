//! derive: symbolic gradients of small neural networks, derived, simplified, printed and
//! checked numerically.
//!
//! The modules are the stages of the pipeline, in order; each builds on those above it (`math`
//! and `error` serve them all, and no stage but `render` uses `render`). One exception: `spec`
//! checks layer names and loss names against the tables of `network`, which builds on `Spec`.
//!
//! ```text
//! spec text ──spec──▶ Spec (a chain of layers)
//!           ──network──▶ symbols with shapes, forward expressions, the loss ℓ
//!           ──derivation──▶ Jacobians, the chain rule, every parameter's gradient
//!                           (closed forms by `simplify`)
//!           ──numeric / check──▶ values at a point, finite differences, the verdict
//!           ──render──▶ text | latex | markdown | json
//! ```
//!
//! One `Derivation` is built once; every renderer and the check read that same value.

/// The one error type, and spec errors drawn with the spec underlined.
pub mod error;
/// Shapes, symbols, coefficients, functions, the expression arena: shared by every stage.
pub mod math;

/// The numeric check against finite differences.
pub mod check;
/// The chain rule, for one sample and for a mini-batch.
pub mod derivation;
/// `Spec` → a network: symbols with shapes, the forward pass, the loss.
pub mod network;
/// Matrices, sizes, the evaluator, points and values at a point.
pub mod numeric;
/// The formats a derivation is printed in.
pub mod render;
/// Closed forms: named rewrite rules applied until none fires.
pub mod simplify;
/// Spec text → `Spec`, with positioned errors.
pub mod spec;

pub use derivation::Derivation;
pub use error::Error;
pub use network::loss::{Loss, LossKind, Reduction};
pub use spec::{Spec, parse_spec};

use network::Network;
use numeric::sizes::Sizes;

/// Parses a spec and derives every Jacobian and gradient for the given loss, expanded for
/// short chains and compact for long ones.
pub fn derive_text(spec_text: &str, loss: Loss) -> Result<Derivation, Error> {
    let spec = parse_spec(spec_text)?;
    let expansion = derivation::Expansion::default_for(spec.layers.len());
    derive_spec(&spec, loss, expansion, false)
}

/// Derives a parsed spec, written out as asked, for one sample or (`batch`) a mini-batch.
pub fn derive_spec(
    spec: &Spec,
    loss: Loss,
    expansion: derivation::Expansion,
    batch: bool,
) -> Result<Derivation, Error> {
    let network = Network::build(spec, loss, batch)?;
    Ok(derivation::derive(network, expansion)?)
}

/// The default sizes of the check: all different (n = 3, hidden widths from 4 up, K = 2), so
/// that a formula with a transposed shape cannot pass by accident.
pub fn default_sizes(network: &Network) -> Sizes {
    // Hidden widths cycle through 4, 5, 6 (and N takes the next), so that neighbouring
    // dimensions always differ and a deep chain stays small.
    let mut next_hidden = 0;
    Sizes::new(
        network
            .dims
            .iter()
            .map(|dim| {
                let size = match dim.name() {
                    "n" => 3,
                    "K" => 2,
                    _ => {
                        next_hidden += 1;
                        4 + (next_hidden - 1) % 3
                    }
                };
                (dim.name().to_string(), size)
            })
            .collect(),
    )
}

/// Applies `--dims n=3,d=4,K=2` on top of the defaults.
pub fn parse_dims(text: &str, network: &Network) -> Result<Sizes, Error> {
    let mut sizes = default_sizes(network);
    let known: Vec<String> = sizes.entries().iter().map(|(n, _)| n.clone()).collect();
    let mut given: Vec<(&str, &str)> = Vec::new();
    for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let Some((name, value)) = part.split_once('=') else {
            return Err(Error::Usage(format!(
                "--dims: `{part}` is not of the form name=size (for example n=3,d=4,K=2)"
            )));
        };
        let (name, value) = (name.trim(), value.trim());
        if let Some((_, first)) = given.iter().find(|(n, _)| *n == name) {
            return Err(Error::Usage(format!(
                "--dims: `{name}` is given twice ({name}={first} and {name}={value}); give each \
                 size once"
            )));
        }
        given.push((name, value));
        if !known.iter().any(|k| k == name) {
            let names: Vec<&str> = known.iter().map(String::as_str).collect();
            let hidden: Vec<&str> = names
                .iter()
                .copied()
                .filter(|n| !["n", "K", "N"].contains(n))
                .collect();
            let names_a_hidden_width = name
                .strip_prefix('d')
                .is_some_and(|index| index.bytes().all(|b| b.is_ascii_digit()));
            let hint = if name == "N" && network.samples.is_none() {
                " (N is the number of samples of a mini-batch: add --batch)".to_string()
            } else if names_a_hidden_width {
                match hidden.as_slice() {
                    [] => " (it has no hidden layer)".to_string(),
                    [only] => format!(" (its hidden width is {only})"),
                    [first, second, third, ..] if hidden.len() > 4 => format!(
                        " (its hidden widths are {first}, {second}, {third}, …, {})",
                        hidden[hidden.len() - 1]
                    ),
                    many => format!(" (its hidden widths are {})", many.join(", ")),
                }
            } else {
                spec::suggest::did_you_mean(name, &names)
                    .map(|n| format!(" (did you mean `{n}`?)"))
                    .unwrap_or_default()
            };
            return Err(Error::Usage(format!(
                "--dims: this network has no dimension `{name}`{hint}; its dimensions are {}",
                known.join(", ")
            )));
        }
        let size: usize = value.parse().map_err(|_| {
            let digits = !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit());
            Error::Usage(if digits {
                format!("--dims: the size of {name}, {value}, is too large")
            } else {
                format!("--dims: the size of {name} must be a whole number, not `{value}`")
            })
        })?;
        if size == 0 {
            return Err(Error::Usage(format!(
                "--dims: the size of {name} must be at least 1"
            )));
        }
        sizes.set(name, size);
    }
    Ok(sizes)
}
