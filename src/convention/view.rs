//! The derivation in a convention: every tree of the columns derivation rewritten (`orient`),
//! and every reference to a node moved to its rewritten form.

use crate::convention::Convention;
use crate::convention::orient::Orient;
use crate::derivation::{Derivation, Gradient, Jacobian, Signal};
use crate::math::expr::Role;
use crate::math::shape::ShapeError;
use crate::network::{Layer, NormalizationLayer, Parameter};

/// The derivation written in `convention`; the default convention gives it back as it is.
pub fn view(derivation: Derivation, convention: Convention) -> Result<Derivation, ShapeError> {
    if convention == derivation.network.convention {
        return Ok(derivation);
    }
    assert!(
        derivation.network.convention.is_default(),
        "a view is taken of the columns derivation"
    );
    let network = &derivation.network;
    let samples = network.samples.clone();
    let mut orient = Orient::new(&network.arena, convention, samples.clone()).run()?;

    let layers = network
        .layers
        .iter()
        .map(|layer| Layer {
            kind: layer.kind,
            linear_index: layer.linear_index,
            weight: layer.weight.map(|w| orient.written(w)),
            transposed: layer.transposed,
            bias: layer.bias.map(|b| orient.written(b)),
            occurrence: layer.occurrence,
            input: orient.written(layer.input),
            inputs: layer.inputs.iter().map(|i| orient.written(*i)).collect(),
            output: orient.written(layer.output),
            mask: layer.mask.map(|m| orient.written(m)),
            normalization: layer.normalization.map(|n| NormalizationLayer {
                index: n.index,
                gamma: orient.written(n.gamma),
                statistics: crate::network::normalization::Statistics {
                    mean: orient.written(n.statistics.mean),
                    variance: orient.written(n.statistics.variance),
                    normalized: orient.written(n.statistics.normalized),
                    spread_deviation: orient.same(n.statistics.spread_deviation),
                },
            }),
        })
        .collect();
    let parameters = network
        .parameters
        .iter()
        .map(|p| Parameter {
            symbol: p.symbol.clone(),
            leaf: orient.written(p.leaf),
            layer: p.layer,
        })
        .collect();
    let loss_kinks = network
        .loss_kinks
        .iter()
        .map(|(kink, at)| (orient.either(*kink), *at))
        .collect();

    let jacobian_flips = convention.layout == crate::convention::Layout::Denominator;
    let jacobians = derivation
        .jacobians
        .iter()
        .map(|j| Jacobian {
            symbol: j.symbol.clone(),
            named: orient.written(j.named),
            definition: orient.oriented(j.definition, jacobian_flips),
            simplified: orient.oriented(j.simplified, jacobian_flips),
            of: orient.written(j.of),
            by: orient.written(j.by),
            layer: j.layer,
        })
        .collect();
    let signals = derivation
        .signals
        .iter()
        .map(|s| {
            let shape = network.arena.shape(s.chain_rule);
            let flip = convention.flips_named(Role::Signal, shape, samples.as_ref());
            Signal {
                symbol: s.symbol.clone(),
                by: orient.written(s.by),
                chain_rule: orient.oriented(s.chain_rule, flip),
                closed_form: orient.oriented(s.closed_form, flip),
            }
        })
        .collect();
    let gradients = derivation
        .gradients
        .iter()
        .map(|g| {
            let flip = convention.flips_leaf(&g.parameter);
            Gradient {
                parameter: g.parameter.clone(),
                leaf: orient.written(g.leaf),
                symbol: g.symbol.clone(),
                chain_rule: orient.oriented(g.chain_rule, flip),
                closed_form: orient.oriented(g.closed_form, flip),
            }
        })
        .collect();

    let viewed = crate::network::Network {
        spec: network.spec.clone(),
        loss: network.loss,
        layers,
        parameters,
        x: orient.written(network.x),
        model_inputs: network
            .model_inputs
            .iter()
            .map(|x| orient.written(*x))
            .collect(),
        y: orient.written(network.y),
        yhat: orient.written(network.yhat),
        loss_value: orient.written(network.loss_value),
        dims: network.dims.clone(),
        samples,
        weight_decay: network.weight_decay,
        penalties: network
            .penalties
            .iter()
            .map(|(leaf, c)| (orient.written(*leaf), c.clone()))
            .collect(),
        loss_kinks,
        convention,
        arena: orient.new,
    };
    Ok(Derivation {
        network: viewed,
        jacobians,
        signals,
        gradients,
        rules_used: derivation.rules_used,
        expansion: derivation.expansion,
    })
}
