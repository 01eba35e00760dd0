//! The derivation for a mini-batch, in gradient layout.
//!
//! X ∈ ℝ^(n×N) holds N samples as columns and ℓ = (1/N) Σₛ ℓₛ. Per-sample Jacobians would be
//! four-index objects, so backpropagation is written with the matrices Δ: the s-th column of Δᵢ
//! is (∂ℓₛ/∂zᵢ⁽ˢ⁾)ᵀ, hence ∂ℓ/∂Zᵢ = (1/N) Δᵢ. Through a linear layer Δᵢ₋₁ = W⁽ᵏ⁾ᵀΔᵢ, through an
//! elementwise activation Δᵢ₋₁ = Δᵢ ⊙ f′(Zᵢ₋₁), and the gradients are the batch sums
//! ∂ℓ/∂W⁽ᵏ⁾ = (1/N) Δᵢ Zᵢ₋₁ᵀ and ∂ℓ/∂b⁽ᵏ⁾ = (1/N) Δᵢ 𝟏.

use std::sync::Arc;

use super::penalties::plus_penalties;
use super::types::{Derivation, Expansion, Gradient, Signal, shaped_like_parameter};
use crate::math::coef::Coef;
use crate::math::expr::{Arena, ExprId, Role};
use crate::math::shape::{Dim, ShapeError};
use crate::math::symbol::Symbol;
use crate::network::layer::LayerKind;
use crate::network::{Layer, Network};
use crate::simplify::Simplifier;

pub fn derive_batch(mut network: Network, expansion: Expansion) -> Result<Derivation, ShapeError> {
    let samples = network.samples.clone().expect("a mini-batch network");
    let mut simplifier = simplifier_for(&mut network, &samples)?;
    let arena = &mut network.arena;

    let delta_symbol = |arena: &Arena, value: ExprId| {
        Symbol::Delta(Arc::new(
            arena.named(value).expect("a named value").symbol.clone(),
        ))
    };
    let definition = network.loss.gradient(arena, network.yhat, network.y)?;
    let symbol = delta_symbol(arena, network.yhat);
    let mut delta = arena.name(symbol.clone(), definition, Role::Signal);
    let mut closed = simplifier.simplify(arena, definition)?;
    let mut signals = vec![Signal {
        symbol,
        by: network.yhat,
        chain_rule: definition,
        closed_form: closed,
    }];

    let mut delta_of_output = vec![(delta, closed); network.layers.len()];
    for index in (0..network.layers.len()).rev() {
        let layer = network.layers[index].clone();
        delta_of_output[index] = (delta, closed);
        if arena.named(layer.input).is_none() {
            break;
        }
        let definition = backward(arena, &layer, delta, Some(&samples))?;
        let symbol = delta_symbol(arena, layer.input);
        let named = arena.name(symbol.clone(), definition, Role::Signal);
        let previous = match expansion {
            Expansion::Expanded => closed,
            Expansion::Compact => delta,
        };
        let step = backward(arena, &layer, previous, Some(&samples))?;
        closed = simplifier.simplify(arena, step)?;
        signals.push(Signal {
            symbol,
            by: layer.input,
            chain_rule: definition,
            closed_form: closed,
        });
        delta = named;
    }

    let mut gradients = Vec::new();
    for parameter in &network.parameters {
        let layer = &network.layers[parameter.layer];
        let (delta, closed) = delta_of_output[parameter.layer];
        let batch_sum = |arena: &mut Arena, delta: ExprId| -> Result<ExprId, ShapeError> {
            let sum = match parameter.symbol {
                Symbol::Weight(_) => {
                    let input_rows = arena.transpose(layer.input);
                    arena.matmul(delta, input_rows)?
                }
                // ∂ℓ/∂γ⁽ᵏ⁾ = (1/N)(Δ ⊙ Ẑ⁽ᵏ⁾)𝟏: each feature's scale, summed over the samples.
                Symbol::Gamma(_) => {
                    let normalization = layer.normalization.expect("a normalization layer");
                    let products = arena.hadamard(delta, normalization.statistics.normalized)?;
                    let ones = arena.ones(samples.clone());
                    arena.matmul(products, ones)?
                }
                _ => {
                    let ones = arena.ones(samples.clone());
                    arena.matmul(delta, ones)?
                }
            };
            Ok(arena.scale(Coef::per(samples.clone()), sum))
        };
        let chain_rule = batch_sum(arena, delta)?;
        let chain_rule = plus_penalties(arena, &network.penalties, parameter, chain_rule)?;
        shaped_like_parameter(arena, chain_rule, parameter.leaf)?;
        let closed_step = match expansion {
            Expansion::Expanded => {
                let closed = batch_sum(arena, closed)?;
                plus_penalties(arena, &network.penalties, parameter, closed)?
            }
            Expansion::Compact => chain_rule,
        };
        gradients.push(Gradient {
            parameter: parameter.symbol.clone(),
            leaf: parameter.leaf,
            symbol: Symbol::partial(Symbol::Loss, parameter.symbol.clone()),
            chain_rule,
            closed_form: simplifier.simplify(arena, closed_step)?,
        });
    }

    let rules_used = simplifier.trace;
    Ok(Derivation {
        network,
        jacobians: Vec::new(),
        signals,
        gradients,
        rules_used,
        expansion,
    })
}

/// A simplifier that knows what the loss assumes of Y.
fn simplifier_for(network: &mut Network, samples: &Dim) -> Result<Simplifier, ShapeError> {
    let mut simplifier = Simplifier::with_capacity(network.arena.capacity());
    let arena = &mut network.arena;
    if network.loss.target_is_distribution() {
        // Every column of Y sums to 1: 𝟏ᵀY = 𝟏ᵀ.
        let outputs = arena.shape(network.y).rows.clone();
        let ones_k = arena.ones(outputs);
        let ones_k_row = arena.transpose(ones_k);
        let sums = arena.matmul(ones_k_row, network.y)?;
        let ones_n = arena.ones(samples.clone());
        let ones_n_row = arena.transpose(ones_n);
        simplifier.assume(sums, ones_n_row);
    }
    Ok(simplifier)
}

/// The Δ of the last layer's input as the expanded derivation writes it, from Δ_Ŷ's closed form
/// rather than its name: where the loss and the last layer fuse (σ with bce, softmax with ce),
/// the fused form, (1/K)(Ŷ − Y) for Δ_Ŷ ⊙ Ŷ ⊙ (1 − Ŷ) with Δ_Ŷ = (1/K)((Ŷ − Y) ⊘ (Ŷ ⊙ (1 − Ŷ))).
/// `None` for a chain of one layer, which has no such Δ.
pub fn expanded_last_signal(derivation: &mut Derivation) -> Result<Option<ExprId>, ShapeError> {
    let network = &mut derivation.network;
    let samples = network.samples.clone().expect("a mini-batch derivation");
    let Some(last) = network.layers.last().cloned() else {
        return Ok(None);
    };
    if network.arena.named(last.input).is_none() || derivation.signals.len() < 2 {
        return Ok(None);
    }
    let mut simplifier = simplifier_for(network, &samples)?;
    let arena = &mut network.arena;
    let step = backward(
        arena,
        &last,
        derivation.signals[0].closed_form,
        Some(&samples),
    )?;
    Ok(Some(simplifier.simplify(arena, step)?))
}

/// Δ of a layer's input from Δ of its output.
pub(super) fn backward(
    arena: &mut Arena,
    layer: &Layer,
    delta: ExprId,
    samples: Option<&Dim>,
) -> Result<ExprId, ShapeError> {
    match layer.kind {
        LayerKind::Linear => {
            let weight = layer.weight.expect("a linear layer has a weight");
            let weight_t = arena.transpose(weight);
            arena.matmul(weight_t, delta)
        }
        LayerKind::Activation(activation) => {
            activation.backward_batch(arena, layer.input, layer.output, delta)
        }
        LayerKind::Dropout(dropout) => dropout.backward_batch(
            arena,
            layer.mask.expect("a dropout layer has a mask"),
            delta,
        ),
        LayerKind::Normalization(kind) => {
            let normalization = layer
                .normalization
                .expect("a normalization layer's statistics");
            kind.backward_columns(
                arena,
                normalization.gamma,
                &normalization.statistics,
                delta,
                samples,
            )
        }
        LayerKind::Combine(_) => unreachable!("a combining node takes two values"),
        LayerKind::Scalar(scalar) => Ok(scalar.backward_batch(arena, delta)),
        // Δ through Wh + b is WᵀΔ, through Wᵀh + c it is WΔ.
        LayerKind::Affine(_) => {
            let weight = layer.weight.expect("an affine node has a weight");
            let factor = if layer.transposed {
                weight
            } else {
                arena.transpose(weight)
            };
            arena.matmul(factor, delta)
        }
    }
}
