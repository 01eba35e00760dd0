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

/// Spec text → `Spec`, with positioned errors.
pub mod spec;

/// `Spec` → a network: symbols with shapes, the forward pass, the loss.
pub mod network;

/// The chain rule, for one sample and for a mini-batch.
pub mod derivation;

/// Closed forms: named rewrite rules applied until none fires.
pub mod simplify;

/// A derivation written in another course's convention: samples as rows, denominator layout.
pub mod convention;

/// Matrices, sizes, the evaluator, points and values at a point.
pub mod numeric;

/// The numeric check against finite differences.
pub mod check;

/// The formats a derivation is printed in.
pub mod render;

pub use derivation::Derivation;
pub use error::Error;
pub use network::loss::{Loss, LossKind, Reduction};
pub use numeric::sizes::{default_sizes, parse_dims};
pub use spec::{Spec, parse_spec};

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
    if !batch {
        network::normalization::refuse_without_batch(spec)?;
    }
    let network = network::Network::build(spec, loss, batch)?;
    Ok(derivation::derive(network, expansion)?)
}
