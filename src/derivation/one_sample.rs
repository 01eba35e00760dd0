//! The chain rule for one sample: the Jacobian of every layer and of the loss, the rows
//! ∂ℓ/∂zᵢ from the output back, and each parameter's gradient in chain-rule and closed form.

use super::penalties::plus_penalties;
use super::types::{Derivation, Expansion, Gradient, Jacobian, Signal, shaped_like_parameter};
use crate::math::expr::{Arena, ExprId, Role};
use crate::math::shape::{Dim, ShapeError};
use crate::math::symbol::Symbol;
use crate::network::layer::LayerKind;
use crate::network::normalization::Normalization;
use crate::network::{Layer, Network};
use crate::simplify::Simplifier;

/// The derivation of one sample's loss.
pub fn derive_one_sample(
    mut network: Network,
    expansion: Expansion,
) -> Result<Derivation, ShapeError> {
    let mut simplifier = Simplifier::with_capacity(network.arena.capacity());
    let arena = &mut network.arena;
    if network.loss.target_is_distribution() {
        // Σy = 1: the fact behind softmax + ce → (ŷ − y)ᵀ.
        let sum = arena.sum(network.y);
        let one = arena.ones(Dim::One);
        simplifier.assume(sum, one);
    }

    // ∂ℓ/∂ŷ
    let loss_symbol = Symbol::partial(Symbol::Loss, Symbol::Output);
    let loss_definition = network.loss.jacobian(arena, network.yhat, network.y)?;
    let loss_named = arena.name(loss_symbol.clone(), loss_definition, Role::Derivative);
    let mut jacobians = Vec::with_capacity(network.layers.len() + 1);
    jacobians.push(Jacobian {
        symbol: loss_symbol,
        named: loss_named,
        definition: loss_definition,
        simplified: simplifier.simplify(arena, loss_definition)?,
        of: network.loss_value,
        by: network.yhat,
        layer: None,
    });

    // The factor each layer contributes to the chain: W⁽ᵏ⁾ for a linear layer (its Jacobian is
    // the weight itself), the named Jacobian ∂zᵢ/∂zᵢ₋₁ for an activation.
    let mut chain_factor = Vec::with_capacity(network.layers.len());
    for (index, layer) in network.layers.iter().enumerate() {
        let of_symbol = arena
            .named(layer.output)
            .expect("outputs are named")
            .symbol
            .clone();
        let by_symbol = match arena.named(layer.input) {
            Some(info) => info.symbol.clone(),
            None => Symbol::Input,
        };
        let symbol = Symbol::partial(of_symbol, by_symbol);
        let definition = layer_jacobian(arena, layer)?;
        let named = arena.name(symbol.clone(), definition, Role::Derivative);
        chain_factor.push(match layer.kind {
            LayerKind::Linear => definition,
            _ => named,
        });
        // The first layer's Jacobian (∂z₁/∂x) takes part in no parameter's gradient.
        if index > 0 {
            jacobians.push(Jacobian {
                symbol,
                named,
                definition,
                simplified: simplifier.simplify(arena, definition)?,
                of: layer.output,
                by: layer.input,
                layer: Some(index),
            });
        }
    }
    // Listed from the output back, as backpropagation meets them.
    jacobians[1..].reverse();

    // Walk back from the output. The row ∂ℓ/∂zᵢ is named and defined as the next row times the
    // next layer's factor, so the chain-rule forms share their prefixes and stay linear in depth.
    // Its closed form is the next closed form times the factor, simplified: in expanded form
    // the whole product is written out, in compact form the next row stays a name.
    let mut row = loss_named;
    let mut closed = jacobians[0].simplified;
    let mut signals = Vec::with_capacity(network.layers.len());
    let mut row_of_output: Vec<ExprId> = vec![row; network.layers.len()];
    let mut closed_of_output: Vec<ExprId> = vec![closed; network.layers.len()];
    for index in (0..network.layers.len()).rev() {
        let layer = &network.layers[index];
        row_of_output[index] = row;
        closed_of_output[index] = closed;
        let Some(input) = arena.named(layer.input) else {
            break;
        };
        let symbol = Symbol::partial(Symbol::Loss, input.symbol.clone());
        let definition = arena.matmul(row, chain_factor[index])?;
        let named = arena.name(symbol.clone(), definition, Role::Signal);
        let previous = if expansion == Expansion::Expanded {
            closed
        } else {
            row
        };
        let step = match layer.normalization {
            // The product with layernorm's Jacobian, multiplied out as courses write it.
            Some(normalization) => Normalization::backward_row(
                arena,
                normalization.gamma,
                &normalization.statistics,
                previous,
            )?,
            None => arena.matmul(previous, chain_factor[index])?,
        };
        let unfolded = simplifier.unfold_derivatives(arena, step)?;
        closed = simplifier.simplify(arena, unfolded)?;
        signals.push(Signal {
            symbol,
            by: layer.input,
            chain_rule: definition,
            closed_form: closed,
        });
        row = named;
    }

    let mut gradients = Vec::with_capacity(network.parameters.len());
    for parameter in &network.parameters {
        let layer = &network.layers[parameter.layer];
        let input_row = arena.transpose(layer.input);
        let (row, closed_row) = (
            row_of_output[parameter.layer],
            closed_of_output[parameter.layer],
        );
        let shape_like_parameter = |arena: &mut Arena, row: ExprId| -> Result<ExprId, ShapeError> {
            let column = arena.transpose(row);
            match parameter.symbol {
                Symbol::Weight(_) => arena.matmul(column, input_row),
                // ∂ℓ/∂γ⁽ᵏ⁾ = (∂ℓ/∂y)ᵀ ⊙ ẑ⁽ᵏ⁾.
                Symbol::Gamma(_) => {
                    let normalization = layer.normalization.expect("a normalization layer");
                    arena.hadamard(column, normalization.statistics.normalized)
                }
                _ => Ok(column),
            }
        };
        let chain_rule = shape_like_parameter(arena, row)?;
        let chain_rule = plus_penalties(arena, &network.penalties, parameter, chain_rule)?;
        let closed_step = match expansion {
            Expansion::Expanded => {
                let closed = shape_like_parameter(arena, closed_row)?;
                plus_penalties(arena, &network.penalties, parameter, closed)?
            }
            Expansion::Compact => chain_rule,
        };
        shaped_like_parameter(arena, chain_rule, parameter.leaf)?;
        let unfolded = simplifier.unfold_derivatives(arena, closed_step)?;
        let closed_form = simplifier.simplify(arena, unfolded)?;
        gradients.push(Gradient {
            parameter: parameter.symbol.clone(),
            leaf: parameter.leaf,
            symbol: Symbol::partial(Symbol::Loss, parameter.symbol.clone()),
            chain_rule,
            closed_form,
        });
    }

    let rules_used = simplifier.trace;
    Ok(Derivation {
        network,
        jacobians,
        signals,
        gradients,
        rules_used,
        expansion,
    })
}

/// The Jacobian ∂zᵢ/∂zᵢ₋₁ of a layer that takes one value: the weight itself for a linear layer,
/// the rule of the layer's kind for the others.
pub(super) fn layer_jacobian(arena: &mut Arena, layer: &Layer) -> Result<ExprId, ShapeError> {
    Ok(match layer.kind {
        LayerKind::Linear => layer.weight.expect("a linear layer has a weight"),
        LayerKind::Activation(activation) => activation.jacobian(arena, layer.input)?,
        LayerKind::Dropout(dropout) => {
            dropout.jacobian(arena, layer.mask.expect("a dropout layer has a mask"))?
        }
        LayerKind::Normalization(_) => {
            let normalization = layer.normalization.expect("a normalization layer");
            Normalization::jacobian(
                arena,
                layer.input,
                normalization.gamma,
                &normalization.statistics,
            )?
        }
        LayerKind::Combine(_) => unreachable!("a combining node takes two values"),
        LayerKind::Scalar(scalar) => scalar.jacobian(arena, layer.input),
        // ∂(Wh + b)/∂h = W, ∂(Wᵀh + c)/∂h = Wᵀ.
        LayerKind::Affine(_) => {
            let weight = layer.weight.expect("an affine node has a weight");
            if layer.transposed {
                arena.transpose(weight)
            } else {
                weight
            }
        }
    })
}
