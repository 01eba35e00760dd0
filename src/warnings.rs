//! Warnings about a network and loss that derive fine but may not mean what was intended, and
//! the validation of a target y given by the user.

use crate::error::Error;
use crate::layer::{Activation, LayerKind};
use crate::loss::Loss;
use crate::network::Network;

/// Messages (without a "warning:" prefix) about the fit of the loss to the network's output.
pub fn warnings(network: &Network) -> Vec<String> {
    let mut out = Vec::new();
    let last = network.layers.last().map(|l| l.kind);
    if network.loss.needs_probabilities() && !outputs_probabilities(last) {
        let title = last.map_or("empty", |k| k.title());
        out.push(format!(
            "{} on the output of {title}: ŷ may leave (0, 1), where log ŷ or log(1 − ŷ) is undefined \
             and the check may fail with NaN; end the chain with sigmoid",
            network.loss.name()
        ));
    }
    out
}

/// Whether every entry of the layer's output lies in (0, 1).
fn outputs_probabilities(kind: Option<LayerKind>) -> bool {
    matches!(
        kind,
        Some(LayerKind::Activation(
            Activation::Sigmoid | Activation::Softmax
        ))
    )
}

/// Refuses a target y that the loss is not defined for: for bce each yᵢ must lie in [0, 1].
pub fn validate_target(loss: Loss, y: &[f64]) -> Result<(), Error> {
    if let Some((i, v)) = y.iter().enumerate().find(|(_, v)| !v.is_finite()) {
        return Err(Error::Usage(format!(
            "y{} = {v} is not a finite number",
            crate::symbol::subscript(i + 1)
        )));
    }
    if loss.needs_probabilities()
        && let Some((i, v)) = y
            .iter()
            .enumerate()
            .find(|(_, v)| !(0.0..=1.0).contains(*v))
    {
        return Err(Error::Usage(format!(
            "y{} = {v} is outside [0, 1], where {} is defined",
            crate::symbol::subscript(i + 1),
            loss.name()
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::loss::LossKind;
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
    fn bce_targets_must_lie_in_the_unit_interval() {
        let bce = Loss::new(LossKind::Bce);
        assert!(validate_target(bce, &[0.0, 0.5, 1.0]).is_ok());
        let err = validate_target(bce, &[0.5, 1.5]).unwrap_err().to_string();
        assert!(err.contains("y₂ = 1.5 is outside [0, 1]"), "{err}");
        assert!(validate_target(bce, &[-0.1]).is_err());
        assert!(validate_target(bce, &[f64::NAN]).is_err());
        assert!(validate_target(Loss::new(LossKind::Mse), &[1.5, -3.0]).is_ok());
    }
}
