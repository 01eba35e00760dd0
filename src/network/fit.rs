//! Warnings about a network and loss that derive fine but may not mean what was intended.

use crate::network::Network;
use crate::network::layer::LayerKind;
use crate::network::loss::{Loss, OutputDomain};

/// Messages (without a "warning:" prefix) about the fit of the loss to the network's output.
pub fn warnings(network: &Network) -> Vec<String> {
    let last = network.layers.last().map(|l| l.kind);
    let mut out: Vec<String> = outside_domain(network.loss, last).into_iter().collect();
    if network.parameters.is_empty() {
        out.push(
            "the chain has no linear layer, so no parameters: there is no gradient to derive"
                .to_string(),
        );
    }
    out.extend(network.loss.misfit(last));
    out.extend(unreached(network));
    let asks_for_decay = network
        .spec
        .weight_decay
        .is_some_and(|lambda| lambda != 0.0);
    if asks_for_decay && network.weight_decay.is_none() && !network.parameters.is_empty() {
        out.push(
            "--weight-decay decays the weight matrices of linear layers, and the chain has none: \
             the loss is left as it is"
                .to_string(),
        );
    }
    out
}

/// A warning naming the parameters that do not reach the objective: those of nodes whose every
/// path to the output passes a constant 0 (`0*h`), unless a penalty of the objective takes them.
fn unreached(network: &Network) -> Option<String> {
    use crate::network::scalar::Scalar;
    let count = network.layers.len();
    // Whether each node's output reaches ℓ, from the output back.
    let mut reaches = vec![false; count];
    reaches[count - 1] = true;
    let node_of = |value| network.layers.iter().position(|l| l.output == value);
    for index in (0..count).rev() {
        let layer = &network.layers[index];
        if !reaches[index] || layer.kind == LayerKind::Scalar(Scalar::Times { num: 0, den: 1 }) {
            continue;
        }
        for input in &layer.inputs {
            if let Some(i) = node_of(*input) {
                reaches[i] = true;
            }
        }
    }
    let names: Vec<String> = network
        .parameters
        .iter()
        .filter(|p| {
            let used_in_reached =
                network.layers.iter().enumerate().any(|(i, l)| {
                    reaches[i] && (l.weight == Some(p.leaf) || l.bias == Some(p.leaf))
                }) || reaches[p.layer]
                    && !matches!(network.layers[p.layer].kind, LayerKind::Affine(_));
            let penalized = network.penalties.iter().any(|(leaf, _)| *leaf == p.leaf);
            !used_in_reached && !penalized
        })
        .map(|p| p.symbol.text())
        .collect();
    (!names.is_empty()).then(|| {
        format!(
            "{} {} not reach the objective: a constant 0 multiplies what {} make, so {} gradient is 0",
            names.join(", "),
            if names.len() == 1 { "does" } else { "do" },
            if names.len() == 1 { "it helps" } else { "they help" },
            if names.len() == 1 { "its" } else { "each" },
        )
    })
}

/// Whether the loss takes what a chain ending in `last` outputs: nothing to warn of.
pub fn fits(loss: Loss, last: Option<LayerKind>) -> bool {
    outside_domain(loss, last).is_none() && loss.misfit(last).is_none()
}

/// A warning when the output may leave (0, 1) and the loss needs probabilities.
fn outside_domain(loss: Loss, last: Option<LayerKind>) -> Option<String> {
    (loss.output_domain() == OutputDomain::Probability
        && !last.is_some_and(LayerKind::outputs_probabilities))
    .then(|| {
        format!(
            "{} on the output of {}: ŷ may leave (0, 1), where log ŷ or log(1 − ŷ) is undefined \
             and the check may fail with NaN; end the chain with sigmoid",
            loss.name(),
            LayerKind::title_of_last(last)
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::network::loss::LossKind;
    use crate::spec::parse_spec;

    fn network(spec: &str, loss: LossKind) -> Network {
        Network::build(&parse_spec(spec).unwrap(), Loss::new(loss), false).unwrap()
    }

    #[test]
    fn bce_warns_unless_the_output_is_a_probability() {
        let w = warnings(&network("linear>identity", LossKind::Bce));
        assert_eq!(w.len(), 1);
        assert!(w[0].contains("ŷ may leave (0, 1)"), "{}", w[0]);
        assert!(w[0].contains("Identity"), "{}", w[0]);
        assert!(warnings(&network("linear>relu>linear>sigmoid", LossKind::Bce)).is_empty());
        assert!(warnings(&network("linear>softmax", LossKind::Bce)).is_empty());
        assert!(warnings(&network("linear>identity", LossKind::Mse)).is_empty());
    }

    #[test]
    fn ce_and_nll_warn_off_their_outputs() {
        assert!(warnings(&network("linear>softmax", LossKind::Ce)).is_empty());
        assert!(warnings(&network("linear>log_softmax", LossKind::Nll)).is_empty());
        let w = warnings(&network("linear>sigmoid", LossKind::Ce));
        assert!(w[0].contains("end the chain with softmax"), "{w:?}");
        let w = warnings(&network("linear>softmax", LossKind::Nll));
        assert!(w[0].contains("log_softmax"), "{w:?}");
    }

    #[test]
    fn ce_logits_warns_of_softmax_applied_twice() {
        assert!(warnings(&network("linear>relu>linear", LossKind::CeLogits)).is_empty());
        for last in ["softmax", "log_softmax"] {
            let w = warnings(&network(&format!("linear>{last}"), LossKind::CeLogits));
            assert_eq!(w.len(), 1, "{w:?}");
            assert!(w[0].contains("softmax applied twice"), "{w:?}");
        }
    }

    #[test]
    fn bce_logits_and_hinge_warn_after_a_squashing_layer() {
        assert!(warnings(&network("linear>relu>linear", LossKind::BceLogits)).is_empty());
        let w = warnings(&network("linear>sigmoid", LossKind::BceLogits));
        assert_eq!(w.len(), 1, "{w:?}");
        assert!(
            w[0].contains("sigmoid applied twice: BCEWithLogitsLoss takes logits"),
            "{w:?}"
        );
        assert!(warnings(&network("linear>relu>linear", LossKind::Hinge)).is_empty());
        for last in ["softmax", "sigmoid", "log_softmax"] {
            let w = warnings(&network(&format!("linear>{last}"), LossKind::Hinge));
            assert!(w[0].contains("raw class scores"), "{w:?}");
        }
        for kind in [LossKind::L1, LossKind::Huber, LossKind::SmoothL1] {
            assert!(warnings(&network("linear>sigmoid", kind)).is_empty());
        }
    }
}
