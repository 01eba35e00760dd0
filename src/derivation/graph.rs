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
use super::penalties::plus_penalties;
use super::types::{Derivation, Expansion, Gradient, Jacobian, Signal, shaped_like_parameter};
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

/// The terms added up; a term with a negative factor is subtracted, a − b rather than a + −b.
fn sum(arena: &mut Arena, terms: Vec<ExprId>) -> Result<ExprId, ShapeError> {
    let mut iter = terms.into_iter();
    let mut total = iter.next().expect("a value is taken by some node");
    for term in iter {
        total = match arena.node(term).clone() {
            crate::math::expr::Node::Scale(c, inner) if c.is_negative() => {
                let positive = arena.scale(c.negated(), inner);
                arena.sub(total, positive)?
            }
            _ => arena.add(total, term)?,
        };
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
                    LayerKind::Linear | LayerKind::Affine(_) => definition,
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
        // Each node the parameter takes part in, and how: a weight of the model's own may be
        // used by several nodes, transposed in some, and its gradient is the sum of the uses'.
        let uses: Vec<(usize, Use)> = match parameter.symbol {
            Symbol::Own { weight: true, .. } => network
                .layers
                .iter()
                .enumerate()
                .filter(|(_, l)| l.weight == Some(parameter.leaf))
                .map(|(i, l)| {
                    (
                        i,
                        Use::Weight {
                            transposed: l.transposed,
                        },
                    )
                })
                .collect(),
            Symbol::Own { weight: false, .. } => network
                .layers
                .iter()
                .enumerate()
                .filter(|(_, l)| l.bias == Some(parameter.leaf))
                .map(|(i, _)| (i, Use::Bias))
                .collect(),
            Symbol::Weight(_) => vec![(parameter.layer, Use::Weight { transposed: false })],
            Symbol::Gamma(_) => vec![(parameter.layer, Use::Scale)],
            _ => vec![(parameter.layer, Use::Bias)],
        };
        let mut chain_terms = Vec::with_capacity(uses.len());
        let mut closed_terms = Vec::with_capacity(uses.len());
        for (index, how) in uses {
            let layer = network.layers[index].clone();
            let (row, closed_row) = row_of_output[index].expect("every node has its row");
            let arena = &mut network.arena;
            chain_terms.push(through_use(arena, &layer, how, row, batch.as_ref())?);
            if expansion == Expansion::Expanded {
                closed_terms.push(through_use(arena, &layer, how, closed_row, batch.as_ref())?);
            }
        }
        let arena = &mut network.arena;
        let chain_rule = sum(arena, chain_terms)?;
        let chain_rule = plus_penalties(arena, &network.penalties, &parameter, chain_rule)?;
        shaped_like_parameter(arena, chain_rule, parameter.leaf)?;
        let closed_step = match expansion {
            Expansion::Expanded => {
                let closed = sum(arena, closed_terms)?;
                plus_penalties(arena, &network.penalties, &parameter, closed)?
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

/// How a parameter takes part in a node.
#[derive(Clone, Copy)]
enum Use {
    /// Multiplies the node's input: Wh, or Wᵀh.
    Weight { transposed: bool },
    /// Is added: b.
    Bias,
    /// Scales a normalization's ẑ: γ.
    Scale,
}

/// One use's part of a parameter's gradient, shaped like the parameter, from the row ∂ℓ/∂c of
/// the node c it is used in (Δ_c for a batch): for c = Wh + b, (∂ℓ/∂c)ᵀhᵀ and (∂ℓ/∂c)ᵀ; for
/// c = Wᵀh, h ∂ℓ/∂c (∂cᵢ/∂Wⱼᵢ = hⱼ); for γ, (∂ℓ/∂c)ᵀ ⊙ ẑ. A batch sums the samples' and divides
/// by N: (1/N)ΔHᵀ, (1/N)HΔᵀ, (1/N)Δ𝟏, (1/N)(Δ ⊙ Ẑ)𝟏.
fn through_use(
    arena: &mut Arena,
    layer: &Layer,
    how: Use,
    row: ExprId,
    batch: Option<&Dim>,
) -> Result<ExprId, ShapeError> {
    let input = layer.input;
    match batch {
        None => {
            let column = arena.transpose(row);
            match how {
                Use::Weight { transposed: false } => {
                    let input_row = arena.transpose(input);
                    arena.matmul(column, input_row)
                }
                Use::Weight { transposed: true } => arena.matmul(input, row),
                Use::Bias => Ok(column),
                Use::Scale => {
                    let normalization = layer.normalization.expect("a normalization layer");
                    arena.hadamard(column, normalization.statistics.normalized)
                }
            }
        }
        Some(samples) => {
            let total = match how {
                Use::Weight { transposed: false } => {
                    let input_rows = arena.transpose(input);
                    arena.matmul(row, input_rows)?
                }
                Use::Weight { transposed: true } => {
                    let delta_rows = arena.transpose(row);
                    arena.matmul(input, delta_rows)?
                }
                Use::Bias => {
                    let ones = arena.ones(samples.clone());
                    arena.matmul(row, ones)?
                }
                Use::Scale => {
                    let normalization = layer.normalization.expect("a normalization layer");
                    let products = arena.hadamard(row, normalization.statistics.normalized)?;
                    let ones = arena.ones(samples.clone());
                    arena.matmul(products, ones)?
                }
            };
            Ok(arena.scale(Coef::per(samples.clone()), total))
        }
    }
}
