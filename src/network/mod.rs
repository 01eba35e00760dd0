//! From a spec to a network: symbols with shapes and the forward expression of every layer.
//!
//! For `linear > f > linear > g` this gives x ∈ ℝⁿ, W⁽¹⁾ ∈ ℝ^{d×n}, b⁽¹⁾ ∈ ℝᵈ, W⁽²⁾ ∈ ℝ^{K×d},
//! b⁽²⁾, y ∈ ℝᴷ; the outputs z₁, z₂, z₃ and ŷ (each named, defined in terms of the one before);
//! and ℓ defined in ŷ and y.

pub mod affine;
pub mod combine;
pub mod dropout;
pub mod fit;
pub mod layer;
pub mod loss;
pub mod normalization;
pub mod scalar;
pub mod widths;

use std::sync::Arc;

use rustc_hash::FxHashMap;

use crate::math::coef::{Coef, Constant};
use crate::math::convention::Convention;
use crate::math::expr::{Arena, ExprId, Role};
use crate::math::func::Param;
use crate::math::shape::{Dim, Shape, ShapeError};
use crate::math::symbol::{Symbol, push_decimal, subscript};
use crate::network::layer::LayerKind;
use crate::network::loss::Loss;
use crate::network::normalization::Statistics;
use crate::spec::{Operand, Spec};

#[derive(Clone, Debug)]
pub struct Layer {
    pub kind: LayerKind,
    /// For the k-th linear layer, k (from 1).
    pub linear_index: Option<usize>,
    /// For a linear layer, its weight W⁽ᵏ⁾; for an affine node, the weight of the model's own.
    pub weight: Option<ExprId>,
    /// For an affine node, whether the weight's transpose multiplies the input (`W'*h`).
    pub transposed: bool,
    /// For an affine node, its bias of the model's own, if it adds one.
    pub bias: Option<ExprId>,
    /// For an activation that occurs more than once in the chain, which occurrence it is.
    pub occurrence: Option<usize>,
    /// x for the first layer, else the previous layer's named output; in a graph, the node's
    /// first operand.
    pub input: ExprId,
    /// Every value the layer takes, in order: `[input]`, or a combining node's two operands.
    pub inputs: Vec<ExprId>,
    /// The named output zᵢ (ŷ for the last layer).
    pub output: ExprId,
    /// For a dropout layer, its mask m⁽ᵏ⁾: an input of the model, not a parameter.
    pub mask: Option<ExprId>,
    /// For the k-th normalization layer, k (from 1), its scale γ⁽ᵏ⁾ and its named statistics.
    pub normalization: Option<NormalizationLayer>,
}

/// What a normalization layer adds to a layer: its number among them, γ⁽ᵏ⁾ and its statistics.
#[derive(Clone, Copy, Debug)]
pub struct NormalizationLayer {
    pub index: usize,
    pub gamma: ExprId,
    pub statistics: Statistics,
}

impl Layer {
    /// The kink of the layer's activation (ReLU's 0), if it has one.
    pub fn kink(&self) -> Option<f64> {
        match self.kind {
            LayerKind::Activation(a) => a.kink(),
            LayerKind::Linear
            | LayerKind::Dropout(_)
            | LayerKind::Normalization(_)
            | LayerKind::Combine(_)
            | LayerKind::Affine(_)
            | LayerKind::Scalar(_) => None,
        }
    }

    /// The number its title carries: k of Linearₖ, of LayerNormₖ (numbered among the
    /// normalization layers, as γ⁽ᵏ⁾), or which occurrence of a repeated activation it is.
    pub fn title_index(&self) -> Option<usize> {
        self.linear_index
            .or(self.normalization.map(|n| n.index))
            .or(self.occurrence)
    }

    /// `Linear₂`, `ReLU`; `Sigmoid₁` and `Sigmoid₂` when the chain has two.
    pub fn title(&self) -> String {
        match self.title_index() {
            Some(k) => format!("{}{}", self.kind.title(), subscript(k)),
            None => self.kind.title().to_string(),
        }
    }
}

/// A trainable parameter: W⁽ᵏ⁾ or b⁽ᵏ⁾.
#[derive(Clone, Debug)]
pub struct Parameter {
    pub symbol: Symbol,
    pub leaf: ExprId,
    /// Index into `Network::layers` of the layer it belongs to.
    pub layer: usize,
}

#[derive(Clone, Debug)]
pub struct Network {
    pub arena: Arena,
    pub spec: Spec,
    pub loss: Loss,
    pub layers: Vec<Layer>,
    pub parameters: Vec<Parameter>,
    /// The input x (x₁ of a model that takes several).
    pub x: ExprId,
    /// Every input the model takes, x alone or x₁, x₂, … in order.
    pub model_inputs: Vec<ExprId>,
    pub y: ExprId,
    pub yhat: ExprId,
    /// The named loss ℓ.
    pub loss_value: ExprId,
    /// The dimensions in the order they appear: n, the hidden widths, K (and N).
    pub dims: Vec<Dim>,
    /// N, the number of samples of a mini-batch; `None` for one sample.
    pub samples: Option<Dim>,
    /// λ, when the objective adds (λ/2) Σₖ ‖W⁽ᵏ⁾‖² to the loss.
    pub weight_decay: Option<Constant>,
    /// The penalties c‖P‖² the objective adds, each parameter's leaf and c: the weight decay's
    /// (λ/2 on each weight), then those an objective the model writes adds.
    pub penalties: Vec<(ExprId, Coef)>,
    /// Where the loss's derivatives jump: expressions in ŷ and y, each with its kink.
    pub loss_kinks: Vec<(ExprId, f64)>,
    /// How the trees are written: built in the columns convention, and rewritten into another
    /// by `convention::view`.
    pub convention: Convention,
}

impl Network {
    /// The network for one sample, or with `batch` for a mini-batch of N samples as columns.
    /// The loss is `loss` unless the model writes its objective (`Spec::objective`).
    pub fn build(spec: &Spec, loss: Loss, batch: bool) -> Result<Network, ShapeError> {
        let loss = spec.objective.as_ref().map_or(loss, |o| o.loss);
        // The derivation of a chain builds about 14 to 16.5 nodes per layer (13.5 for
        // linear > tanh, 16.5 for linear > softmax), 3 of them named (the layer's output, its
        // Jacobian and the row ∂ℓ/∂zᵢ). Room for 17 keeps the tables from being copied as
        // they grow.
        let layer_count = spec.layers.len();
        let mut arena = Arena::with_capacity(17 * layer_count, 3 * layer_count + 2);
        let samples = batch.then(|| Dim::named("N"));
        let columns = samples.clone().unwrap_or(Dim::One);
        // One sample's x, zᵢ, ŷ, y; a mini-batch's X, Zᵢ, Ŷ, Y.
        let value_symbol = |symbol: Symbol| {
            if batch {
                Symbol::Samples(Arc::new(symbol))
            } else {
                symbol
            }
        };
        let linear_count = spec
            .layers
            .iter()
            .filter(|l| l.kind == LayerKind::Linear)
            .count();
        let input_dim = Dim::named("n");
        // A graph's widths are found by unification before anything is built.
        let graph = spec.layers.first().is_some_and(|l| l.operands.is_some());
        let widths = graph.then(|| widths::graph_widths(spec));
        let mut dims = Vec::with_capacity(linear_count + 2);
        match &widths {
            Some(widths) => dims.extend(widths.order.iter().cloned()),
            None => dims.push(input_dim.clone()),
        }
        // x, or a model's x1, x2, …, each as wide as unification found.
        let model_inputs: Vec<ExprId> = spec
            .inputs()
            .iter()
            .enumerate()
            .map(|(i, input)| {
                let symbol = match input {
                    Operand::NumberedInput(k) => Symbol::NumberedInput(*k),
                    _ => Symbol::Input,
                };
                let width = widths
                    .as_ref()
                    .map_or(input_dim.clone(), |w| w.inputs[i].clone());
                arena.leaf(value_symbol(symbol), Shape::new(width, columns.clone()))
            })
            .collect();
        let x = model_inputs[0];
        let input_of = |operand: &Operand| match operand {
            Operand::Layer(_) => unreachable!("an input"),
            input => spec
                .inputs()
                .iter()
                .position(|i| i == input)
                .map(|i| model_inputs[i])
                .expect("every input is listed"),
        };

        let mut layers = Vec::with_capacity(layer_count);
        let mut parameters = Vec::with_capacity(2 * linear_count);
        let mut current = x;
        let mut linear_seen = 0;
        let mut dropout_seen = 0;
        // How often each activation occurs, to number repeated ones (Sigmoid₁, Sigmoid₂); linear
        // layers are numbered by their own count.
        let mut title_counts: FxHashMap<&str, usize> = Default::default();
        let numbered_apart =
            |kind: LayerKind| matches!(kind, LayerKind::Linear | LayerKind::Normalization(_));
        for l in spec.layers.iter().filter(|l| !numbered_apart(l.kind)) {
            *title_counts.entry(l.kind.title()).or_insert(0) += 1;
        }
        let mut seen_titles: FxHashMap<&str, usize> = Default::default();
        let mut normalizations_seen = 0;
        let last = spec.layers.len() - 1;
        let mut outputs: Vec<ExprId> = Vec::with_capacity(layer_count);
        // The model's own parameters, each listed among the parameters where it is first used.
        let own: Vec<ExprId> = spec
            .own
            .iter()
            .zip(widths.iter().flat_map(|w| w.own.iter()))
            .map(|(p, (rows, cols))| {
                let symbol = Symbol::Own {
                    name: Arc::from(p.name.as_str()),
                    weight: p.weight,
                };
                arena.leaf(symbol, Shape::new(rows.clone(), cols.clone()))
            })
            .collect();
        let mut own_listed = vec![false; own.len()];
        for (position, layer_spec) in spec.layers.iter().enumerate() {
            let mut mask = None;
            let mut normalization = None;
            let inputs: Vec<ExprId> = match &layer_spec.operands {
                Some(operands) => operands
                    .iter()
                    .map(|operand| match operand {
                        Operand::Layer(i) => outputs[*i],
                        input => input_of(input),
                    })
                    .collect(),
                None => vec![current],
            };
            current = inputs[0];
            // The width of what the layer takes (a normalization's features).
            let current_dim = arena.shape(current).rows.clone();
            let (definition, linear) = match layer_spec.kind {
                LayerKind::Linear => {
                    linear_seen += 1;
                    let k = linear_seen;
                    let out_dim = if graph {
                        widths.as_ref().expect("a graph's widths").nodes[position].clone()
                    } else {
                        let dim = linear_output_dim(k, linear_count);
                        dims.push(dim.clone());
                        dim
                    };
                    let w = arena.leaf(
                        Symbol::Weight(k),
                        Shape::new(out_dim.clone(), current_dim.clone()),
                    );
                    let b = arena.leaf(Symbol::Bias(k), Shape::column(out_dim.clone()));
                    parameters.push(Parameter {
                        symbol: Symbol::Weight(k),
                        leaf: w,
                        layer: position,
                    });
                    parameters.push(Parameter {
                        symbol: Symbol::Bias(k),
                        leaf: b,
                        layer: position,
                    });
                    let wh = arena.matmul(w, current)?;
                    // A mini-batch adds b to every column: b𝟏ᵀ.
                    let bias = match &samples {
                        None => b,
                        Some(n) => {
                            let ones = arena.ones(n.clone());
                            let ones_row = arena.transpose(ones);
                            arena.matmul(b, ones_row)?
                        }
                    };
                    (arena.add(wh, bias)?, Some((k, w)))
                }
                LayerKind::Activation(activation) => {
                    (activation.forward(&mut arena, current), None)
                }
                LayerKind::Dropout(dropout) => {
                    dropout_seen += 1;
                    let leaf = arena.leaf(
                        value_symbol(Symbol::Mask(dropout_seen)),
                        arena.shape(current).clone(),
                    );
                    mask = Some(leaf);
                    (dropout.forward(&mut arena, leaf, current)?, None)
                }
                LayerKind::Normalization(kind) => {
                    normalizations_seen += 1;
                    let k = normalizations_seen;
                    let features = Shape::column(current_dim.clone());
                    let gamma = arena.leaf(Symbol::Gamma(k), features.clone());
                    let beta = arena.leaf(Symbol::Shift(k), features);
                    for (symbol, leaf) in [(Symbol::Gamma(k), gamma), (Symbol::Shift(k), beta)] {
                        parameters.push(Parameter {
                            symbol,
                            leaf,
                            layer: position,
                        });
                    }
                    let (statistics, output) =
                        kind.forward(&mut arena, k, current, gamma, beta, samples.as_ref())?;
                    normalization = Some(NormalizationLayer {
                        index: k,
                        gamma,
                        statistics,
                    });
                    (output, None)
                }
                LayerKind::Combine(combine) => {
                    (combine.forward(&mut arena, inputs[0], inputs[1])?, None)
                }
                LayerKind::Scalar(scalar) => (scalar.forward(&mut arena, current)?, None),
                LayerKind::Affine(affine) => {
                    for index in std::iter::once(affine.weight).chain(affine.bias) {
                        if !own_listed[index] {
                            own_listed[index] = true;
                            let symbol = match arena.node(own[index]) {
                                crate::math::expr::Node::Leaf(symbol) => symbol.clone(),
                                _ => unreachable!("a parameter is a leaf"),
                            };
                            parameters.push(Parameter {
                                symbol,
                                leaf: own[index],
                                layer: position,
                            });
                        }
                    }
                    let w = own[affine.weight];
                    let factor = if affine.transposed {
                        arena.transpose(w)
                    } else {
                        w
                    };
                    let product = arena.matmul(factor, current)?;
                    let definition = match affine.bias {
                        None => product,
                        Some(bias) => {
                            let b = own[bias];
                            let added = match &samples {
                                None => b,
                                Some(n) => {
                                    let ones = arena.ones(n.clone());
                                    let ones_row = arena.transpose(ones);
                                    arena.matmul(b, ones_row)?
                                }
                            };
                            arena.add(product, added)?
                        }
                    };
                    (definition, None)
                }
            };
            let symbol = value_symbol(match &layer_spec.name {
                _ if position == last => Symbol::Output,
                Some(name) => Symbol::Bound(Arc::from(name.as_str())),
                None => Symbol::Hidden(position + 1),
            });
            let output = arena.name(symbol, definition, Role::Value);
            let occurrence = match layer_spec.kind {
                LayerKind::Linear | LayerKind::Normalization(_) => None,
                kind => {
                    let seen = seen_titles.entry(kind.title()).or_insert(0);
                    *seen += 1;
                    (title_counts[kind.title()] > 1).then_some(*seen)
                }
            };
            let (weight, transposed, bias) = match layer_spec.kind {
                LayerKind::Affine(affine) => (
                    Some(own[affine.weight]),
                    affine.transposed,
                    affine.bias.map(|b| own[b]),
                ),
                _ => (linear.map(|(_, w)| w), false, None),
            };
            layers.push(Layer {
                kind: layer_spec.kind,
                linear_index: linear.map(|(k, _)| k),
                weight,
                transposed,
                bias,
                occurrence,
                input: current,
                inputs,
                output,
                mask,
                normalization,
            });
            outputs.push(output);
            current = output;
        }
        let yhat = current;
        let y = arena.leaf(value_symbol(Symbol::Target), arena.shape(yhat).clone());
        let mut loss_definition = loss.definition(&mut arena, yhat, y)?;
        if let Some(n) = &samples {
            // The mean of the samples' losses.
            let mean = Coef::per(n.clone());
            loss_definition = match arena.node(loss_definition).clone() {
                crate::math::expr::Node::Scale(c, inner) => arena.scale(c.times(&mean), inner),
                _ => arena.scale(mean, loss_definition),
            };
            dims.push(n.clone());
        }
        // A chain without weights has nothing to decay (`fit` warns of it).
        let has_weights = parameters.iter().any(|p| p.symbol.is_weight());
        let weight_decay = spec
            .weight_decay
            .filter(|lambda| *lambda != 0.0 && has_weights)
            .map(|lambda| Constant::WeightDecay(Param::new(lambda)));
        // The weight decay is (λ/2)‖W⁽ᵏ⁾‖² on every weight (not the biases, as the textbook
        // regulariser has it), then come the penalties an objective the model writes adds.
        let decay = weight_decay.iter().flat_map(|lambda| {
            let half = Coef::constant(*lambda).times(&Coef::ratio(1, 2));
            parameters
                .iter()
                .filter(|p| p.symbol.is_weight())
                .map(move |p| (p.leaf, half.clone()))
        });
        let written = spec
            .objective
            .iter()
            .flat_map(|o| o.penalties.iter())
            .map(|penalty| {
                let parameter = parameters
                    .iter()
                    .find(|p| p.symbol == penalty.parameter)
                    .expect("the objective's parameters are the model's");
                (parameter.leaf, penalty.coefficient.clone())
            });
        let penalties: Vec<(ExprId, Coef)> = decay.chain(written).collect();
        if !penalties.is_empty() {
            loss_definition = add_penalties(&mut arena, loss_definition, &penalties)?;
        }
        let loss_value = arena.name(Symbol::Loss, loss_definition, Role::Value);
        let loss_kinks = loss.kinks(&mut arena, yhat, y)?;
        dims.dedup();
        Ok(Network {
            arena,
            spec: spec.clone(),
            loss,
            layers,
            parameters,
            x,
            model_inputs,
            y,
            yhat,
            loss_value,
            dims,
            samples,
            weight_decay,
            penalties,
            loss_kinks,
            convention: Convention::default(),
        })
    }
}

impl Network {
    /// Whether a layer normalizes over the samples (batchnorm), so that a sample's output
    /// depends on the others.
    pub fn couples_samples(&self) -> bool {
        self.layers.iter().any(|l| match l.kind {
            LayerKind::Normalization(n) => n.couples_samples(),
            _ => false,
        })
    }

    /// The input of each kinked activation (ReLU and its kin), with where its kink is; then
    /// the loss's kinks (l1's ŷ − y at 0, hinge's margins at 0), kept away from alike.
    pub fn kinked_inputs(&self) -> impl Iterator<Item = (ExprId, f64)> + '_ {
        self.layers
            .iter()
            .filter_map(|l| l.kink().map(|kink| (l.input, kink)))
            .chain(self.loss_kinks.iter().copied())
    }

    /// The masks of the dropout layers in order: m⁽¹⁾, m⁽²⁾, … (M⁽ᵏ⁾ in a mini-batch).
    pub fn masks(&self) -> impl Iterator<Item = ExprId> + '_ {
        self.layers.iter().filter_map(|l| l.mask)
    }

    /// What a point gives a value to, with the symbols the leaves carry: x (or X; a model's
    /// x₁, x₂, …), the parameters in order, y (or Y), the dropout masks in order.
    pub fn inputs(&self) -> Vec<(Symbol, ExprId)> {
        let symbol = |id: ExprId| match self.arena.node(id) {
            crate::math::expr::Node::Leaf(symbol) => symbol.clone(),
            _ => unreachable!("inputs and parameters are leaves"),
        };
        let mut inputs: Vec<(Symbol, ExprId)> =
            self.model_inputs.iter().map(|x| (symbol(*x), *x)).collect();
        inputs.extend(self.parameters.iter().map(|p| (p.symbol.clone(), p.leaf)));
        inputs.push((symbol(self.y), self.y));
        inputs.extend(self.masks().map(|mask| (symbol(mask), mask)));
        inputs
    }
}

/// ℓ + c₁‖P₁‖² + c₂‖P₂‖² + …, the penalties in the order written; those with one coefficient
/// share it, as c(‖P₁‖² + ‖P₂‖²) is written.
fn add_penalties(
    arena: &mut Arena,
    loss: ExprId,
    penalties: &[(ExprId, Coef)],
) -> Result<ExprId, ShapeError> {
    let mut coefficients: Vec<&Coef> = Vec::new();
    for (_, c) in penalties {
        if !coefficients.contains(&c) {
            coefficients.push(c);
        }
    }
    let mut total = loss;
    for c in coefficients {
        let mut norms: Option<ExprId> = None;
        for (leaf, _) in penalties.iter().filter(|(_, d)| d == c) {
            let norm = arena.squared_norm(*leaf);
            norms = Some(match norms {
                Some(sum) => arena.add(sum, norm)?,
                None => norm,
            });
        }
        let term = arena.scale(c.clone(), norms.expect("a coefficient has its penalties"));
        total = arena.add(total, term)?;
    }
    Ok(total)
}

/// The output width of the k-th of `count` linear layers: K for the last; d for the single
/// hidden width of a two-linear net, d1, d2, … when there are several.
fn linear_output_dim(k: usize, count: usize) -> Dim {
    if k == count {
        Dim::named("K")
    } else if count == 2 {
        Dim::named("d")
    } else {
        let mut name = String::with_capacity(8);
        name.push('d');
        push_decimal(&mut name, k);
        Dim::named(&name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::network::loss::LossKind;
    use crate::spec::parse_spec;

    #[test]
    fn homework_network_has_the_homework_shapes() {
        let spec = parse_spec("linear>relu>linear>identity").unwrap();
        let net = Network::build(&spec, Loss::new(LossKind::Mse), false).unwrap();
        let shape_of = |symbol: Symbol| {
            let p = net.parameters.iter().find(|p| p.symbol == symbol).unwrap();
            net.arena.shape(p.leaf).to_string()
        };
        assert_eq!(shape_of(Symbol::Weight(1)), "d×n");
        assert_eq!(shape_of(Symbol::Bias(1)), "d×1");
        assert_eq!(shape_of(Symbol::Weight(2)), "K×d");
        assert_eq!(shape_of(Symbol::Bias(2)), "K×1");
        assert_eq!(net.arena.shape(net.yhat).to_string(), "K×1");
        assert_eq!(net.arena.shape(net.loss_value).to_string(), "1×1");
        let names: Vec<_> = net.dims.iter().map(|d| d.name().to_string()).collect();
        assert_eq!(names, ["n", "d", "K"]);
    }

    #[test]
    fn outputs_are_numbered_in_layer_order() {
        let spec = parse_spec("linear>sigmoid>linear>sigmoid").unwrap();
        let net = Network::build(&spec, Loss::new(LossKind::Bce), false).unwrap();
        let symbols: Vec<_> = net
            .layers
            .iter()
            .map(|l| net.arena.named(l.output).unwrap().symbol.text())
            .collect();
        assert_eq!(symbols, ["z₁", "z₂", "z₃", "ŷ"]);
    }
}
