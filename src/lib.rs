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

/// The derivation code is emitted from (`render::code`): the mini-batch derivation in compact
/// form, each Δ written through the next by name, in `convention`. The last layer's Δ is taken
/// in the expanded derivation's form where that is the shorter, which is where the loss and the
/// last layer fuse (σ with bce: (1/K)(Ŷ − Y), never (Ŷ − Y) ⊘ (Ŷ ⊙ (1 − Ŷ)) times Ŷ ⊙ (1 − Ŷ)).
/// One sample is emitted as a batch of one; without `batch`, what needs a batch (batchnorm) is
/// refused as `derive_spec` refuses it.
pub fn derive_for_code(
    spec: &Spec,
    loss: Loss,
    convention: convention::Convention,
    batch: bool,
) -> Result<Derivation, Error> {
    if !batch {
        network::normalization::refuse_without_batch(spec)?;
    }
    refuse_graphs_for_code(spec)?;
    let mut derivation = derive_spec(spec, loss, derivation::Expansion::Compact, true)?;
    if let Some(fused) = derivation::expanded_last_signal(&mut derivation)? {
        let arena = &derivation.network.arena;
        let named = arena.tree_size(derivation.signals[0].closed_form)
            + arena.tree_size(derivation.signals[1].closed_form);
        if arena.tree_size(fused) < named {
            derivation.signals[1].closed_form = fused;
        }
    }
    Ok(convention::view(derivation, convention)?)
}

/// Code is written for chains: a model that is a graph is refused at its first node that a
/// chain would not have (one combining two values, a weight of the model's own, one that takes
/// a value other than the one before it).
fn refuse_graphs_for_code(spec: &Spec) -> Result<(), Error> {
    if spec.model.is_none() {
        return Ok(());
    }
    let first = spec
        .layers
        .iter()
        .enumerate()
        .find(|(i, layer)| {
            let previous = if *i == 0 {
                spec::Operand::Input
            } else {
                spec::Operand::Layer(i - 1)
            };
            matches!(
                layer.kind,
                network::layer::LayerKind::Combine(_)
                    | network::layer::LayerKind::Affine(_)
                    | network::layer::LayerKind::Scalar(_)
            ) || layer.operands.as_deref() != Some(&[previous][..])
        })
        .map(|(_, layer)| layer.span);
    let Some(first) = first else {
        // A chain but for the objective it writes.
        let span = spec
            .objective
            .as_ref()
            .map_or((0, spec.text.len()), |o| o.span);
        return Err(Error::Spec(error::SpecError {
            spec: spec.text.clone(),
            span,
            message:
                "--emit writes code for a loss given by --loss; this model writes its objective"
                    .into(),
            expected: "the chain with --loss and --weight-decay, or the derivation without --emit"
                .into(),
            help: None,
        }));
    };
    Err(Error::Spec(error::SpecError {
        spec: spec.text.clone(),
        span: first,
        message: "--emit writes code for chains; this model is a graph".into(),
        expected: "a chain of layers, or the derivation without --emit".into(),
        help: Some(
            "a graph's derivation, its check and every format work; its code is not written yet"
                .into(),
        ),
    }))
}

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
