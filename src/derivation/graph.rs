//! The chain rule on a model that is a graph: a value taken by several nodes (a residual
//! connection's input, a gate's operands) gets the sum of what each brings back, the
//! multivariate chain rule. For one sample ∂ℓ/∂v = Σ_c ∂ℓ/∂c · ∂c/∂v over the nodes c that take
//! v; for a mini-batch Δ_v = Σ_c (what c gives back of Δ_c). Each row or Δ is named, so that the
//! chain-rule forms stay linear in the size of the graph, and each parameter's gradient is
//! formed as in a chain from the row of the node it belongs to.

use std::sync::Arc;

use rustc_hash::FxHashMap;

use super::batch::backward;
use super::one_sample::layer_jacobian;
use super::types::{Derivation, Expansion, Gradient, Jacobian, Signal, shaped_like_parameter};
use super::weight_decay::plus_weight_decay;
use crate::math::coef::Coef;
use crate::math::expr::{Arena, ExprId, Role};
use crate::math::shape::{Dim, ShapeError};
use crate::math::symbol::Symbol;
use crate::network::layer::LayerKind;
use crate::network::normalization::Normalization;
use crate::network::{Layer, Network};
use crate::simplify::Simplifier;

/// For each value, the nodes that take it, each with the positions it takes it at (a gate may
/// take it twice, as g .* g), in node order: one pass over the graph.
fn consumers(network: &Network) -> FxHashMap<ExprId, Vec<(usize, Vec<usize>)>> {
    let mut taken: FxHashMap<ExprId, Vec<(usize, Vec<usize>)>> = FxHashMap::default();
    for (i, layer) in network.layers.iter().enumerate() {
        for (position, value) in layer.inputs.iter().enumerate() {
            let uses = taken.entry(*value).or_default();
            match uses.last_mut() {
                Some((node, positions)) if *node == i => positions.push(position),
                _ => uses.push((i, vec![position])),
            }
        }
    }
    taken
}

/// The node's Jacobian in the operand at `positions` (summed where it takes the operand more
/// than once).
fn edge_jacobian(
    arena: &mut Arena,
    layer: &Layer,
    positions: &[usize],
) -> Result<ExprId, ShapeError> {
    let mut total: Option<ExprId> = None;
    for &position in positions {
        let term = match layer.kind {
            LayerKind::Combine(combine) => {
                combine.jacobian(arena, [layer.inputs[0], layer.inputs[1]], position)?
            }
            _ => layer_jacobian(arena, layer)?,
        };
        total = Some(match total {
            Some(sum) => arena.add(sum, term)?,
            None => term,
        });
    }
    Ok(total.expect("a consumer takes the value somewhere"))
}

fn symbol_of(arena: &Arena, value: ExprId) -> Symbol {
    match arena.named(value) {
        Some(info) => info.symbol.clone(),
        None => Symbol::Input,
    }
}

fn sum(arena: &mut Arena, terms: Vec<ExprId>) -> Result<ExprId, ShapeError> {
    let mut iter = terms.into_iter();
    let mut total = iter.next().expect("a value is taken by some node");
    for term in iter {
        total = arena.add(total, term)?;
    }
    Ok(total)
}

pub fn derive_graph(mut network: Network, expansion: Expansion) -> Result<Derivation, ShapeError> {
    let mut simplifier = Simplifier::with_capacity(network.arena.capacity());
    let batch = network.samples.clone();
    let arena = &mut network.arena;
    if network.loss.target_is_distribution() {
        let (sums, ones) = match &batch {
            // Σy = 1, or every column of Y sums to 1: 𝟏ᵀY = 𝟏ᵀ.
            None => (arena.sum(network.y), arena.ones(Dim::One)),
            Some(samples) => {
                let outputs = arena.shape(network.y).rows.clone();
                let ones_k = arena.ones(outputs);
                let ones_k_row = arena.transpose(ones_k);
                let sums = arena.matmul(ones_k_row, network.y)?;
                let ones_n = arena.ones(samples.clone());
                (sums, arena.transpose(ones_n))
            }
        };
        simplifier.assume(sums, ones);
    }
    let count = network.layers.len();
    let mut jacobians = Vec::new();
    // For each node, the named row ∂ℓ/∂(its output) (Δ in a batch) and its closed form.
    let mut row_of_output: Vec<Option<(ExprId, ExprId)>> = vec![None; count];
    let mut signals = Vec::new();
    let last = count - 1;
    if batch.is_none() {
        let symbol = Symbol::partial(Symbol::Loss, Symbol::Output);
        let definition = network.loss.jacobian(arena, network.yhat, network.y)?;
        let named = arena.name(symbol.clone(), definition, Role::Derivative);
        let simplified = simplifier.simplify(arena, definition)?;
        jacobians.push(Jacobian {
            symbol,
            named,
            definition,
            simplified,
            of: network.loss_value,
            by: network.yhat,
            layer: None,
        });
        row_of_output[last] = Some((named, simplified));
    } else {
        let definition = network.loss.gradient(arena, network.yhat, network.y)?;
        let symbol = Symbol::Delta(Arc::new(symbol_of(arena, network.yhat)));
        let named = arena.name(symbol.clone(), definition, Role::Signal);
        let closed = simplifier.simplify(arena, definition)?;
        signals.push(Signal {
            symbol,
            by: network.yhat,
            chain_rule: definition,
            closed_form: closed,
        });
        row_of_output[last] = Some((named, closed));
    }

    // One sample: each node's Jacobian in each value it takes, as the chain rule's factor (the
    // weight itself for a linear node).
    let mut factor: Vec<Vec<(ExprId, ExprId)>> = vec![Vec::new(); count];
    if batch.is_none() {
        for index in (0..count).rev() {
            let layer = network.layers[index].clone();
            let mut seen: Vec<ExprId> = Vec::new();
            for &value in &layer.inputs {
                if seen.contains(&value) {
                    continue;
                }
                seen.push(value);
                let positions: Vec<usize> = (0..layer.inputs.len())
                    .filter(|p| layer.inputs[*p] == value)
                    .collect();
                let definition = edge_jacobian(arena, &layer, &positions)?;
                let symbol =
                    Symbol::partial(symbol_of(arena, layer.output), symbol_of(arena, value));
                let named = arena.name(symbol.clone(), definition, Role::Derivative);
                let chain_factor = match layer.kind {
                    LayerKind::Linear => definition,
                    _ => named,
                };
                factor[index].push((value, chain_factor));
                // A Jacobian in x takes part in no parameter's gradient, as in a chain.
                if arena.named(value).is_some() {
                    jacobians.push(Jacobian {
                        symbol,
                        named,
                        definition,
                        simplified: simplifier.simplify(arena, definition)?,
                        of: layer.output,
                        by: value,
                        layer: Some(index),
                    });
                }
            }
        }
    }

    // From the output back: each node's output gets the sum over the nodes that take it.
    let taken = consumers(&network);
    for index in (0..last).rev() {
        let value = network.layers[index].output;
        let mut definition_terms = Vec::new();
        let mut step_terms = Vec::new();
        for (consumer, positions) in taken[&value].iter().cloned() {
            let layer = network.layers[consumer].clone();
            let (row, closed) = row_of_output[consumer].expect("a later node has its row");
            let previous = match expansion {
                Expansion::Expanded => closed,
                Expansion::Compact => row,
            };
            let arena = &mut network.arena;
            match &batch {
                None => {
                    let (_, chain_factor) = *factor[consumer]
                        .iter()
                        .find(|(v, _)| *v == value)
                        .expect("every value a node takes has its factor");
                    definition_terms.push(arena.matmul(row, chain_factor)?);
                    step_terms.push(match layer.normalization {
                        Some(normalization) => Normalization::backward_row(
                            arena,
                            normalization.gamma,
                            &normalization.statistics,
                            previous,
                        )?,
                        None => arena.matmul(previous, chain_factor)?,
                    });
                }
                Some(samples) => {
                    for &position in &positions {
                        let back = |arena: &mut Arena, delta| match layer.kind {
                            LayerKind::Combine(combine) => combine.backward_batch(
                                arena,
                                [layer.inputs[0], layer.inputs[1]],
                                position,
                                delta,
                            ),
                            _ => backward(arena, &layer, delta, Some(samples)),
                        };
                        definition_terms.push(back(arena, row)?);
                        step_terms.push(back(arena, previous)?);
                    }
                }
            }
        }
        let arena = &mut network.arena;
        let definition = sum(arena, definition_terms)?;
        let step = sum(arena, step_terms)?;
        let symbol = match &batch {
            None => Symbol::partial(Symbol::Loss, symbol_of(arena, value)),
            Some(_) => Symbol::Delta(Arc::new(symbol_of(arena, value))),
        };
        let named = arena.name(symbol.clone(), definition, Role::Signal);
        let unfolded = simplifier.unfold_derivatives(arena, step)?;
        let closed = simplifier.simplify(arena, unfolded)?;
        signals.push(Signal {
            symbol,
            by: value,
            chain_rule: definition,
            closed_form: closed,
        });
        row_of_output[index] = Some((named, closed));
    }

    let mut gradients = Vec::with_capacity(network.parameters.len());
    for parameter in network.parameters.clone() {
        let layer = network.layers[parameter.layer].clone();
        let (row, closed_row) = row_of_output[parameter.layer].expect("every node has its row");
        let arena = &mut network.arena;
        let shaped = |arena: &mut Arena, row: ExprId| -> Result<ExprId, ShapeError> {
            match &batch {
                None => {
                    let column = arena.transpose(row);
                    match parameter.symbol {
                        Symbol::Weight(_) => {
                            let input_row = arena.transpose(layer.input);
                            arena.matmul(column, input_row)
                        }
                        Symbol::Gamma(_) => {
                            let normalization = layer.normalization.expect("a normalization layer");
                            arena.hadamard(column, normalization.statistics.normalized)
                        }
                        _ => Ok(column),
                    }
                }
                Some(samples) => {
                    let total = match parameter.symbol {
                        Symbol::Weight(_) => {
                            let input_rows = arena.transpose(layer.input);
                            arena.matmul(row, input_rows)?
                        }
                        Symbol::Gamma(_) => {
                            let normalization = layer.normalization.expect("a normalization layer");
                            let products =
                                arena.hadamard(row, normalization.statistics.normalized)?;
                            let ones = arena.ones(samples.clone());
                            arena.matmul(products, ones)?
                        }
                        _ => {
                            let ones = arena.ones(samples.clone());
                            arena.matmul(row, ones)?
                        }
                    };
                    Ok(arena.scale(Coef::per(samples.clone()), total))
                }
            }
        };
        let chain_rule = shaped(arena, row)?;
        let chain_rule = plus_weight_decay(arena, network.weight_decay, &parameter, chain_rule)?;
        shaped_like_parameter(arena, chain_rule, parameter.leaf)?;
        let closed_step = match expansion {
            Expansion::Expanded => {
                let closed = shaped(arena, closed_row)?;
                plus_weight_decay(arena, network.weight_decay, &parameter, closed)?
            }
            Expansion::Compact => chain_rule,
        };
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
