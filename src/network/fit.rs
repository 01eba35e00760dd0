//! Warnings about a network and loss that derive fine but may not mean what was intended, and
//! the validation of a target y given by the user.

use crate::error::Error;
use crate::network::Network;
use crate::network::layer::{Activation, LayerKind};
use crate::network::loss::Loss;

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
    out
}

/// Whether the loss takes what a chain ending in `last` outputs: nothing to warn of.
pub fn fits(loss: Loss, last: Option<LayerKind>) -> bool {
    outside_domain(loss, last).is_none() && loss.misfit(last).is_none()
}

/// A warning when the output may leave (0, 1) and the loss needs probabilities.
fn outside_domain(loss: Loss, last: Option<LayerKind>) -> Option<String> {
    (loss.needs_probabilities() && !outputs_probabilities(last)).then(|| {
        format!(
            "{} on the output of {}: ŷ may leave (0, 1), where log ŷ or log(1 − ŷ) is undefined \
             and the check may fail with NaN; end the chain with sigmoid",
            loss.name(),
            last.map_or("empty", |k| k.title())
        )
    })
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

/// Refuses a target y (one column per sample) that the loss is not defined for: for bce each
/// yᵢ must lie in [0, 1]; for ce and nll every column must be a distribution, since their closed
/// forms use Σ y = 1.
pub fn validate_target(loss: Loss, y: &crate::numeric::matrix::Matrix<f64>) -> Result<(), Error> {
    validate_entries(loss, &y.data)?;
    if loss.target_is_distribution() {
        for c in 0..y.cols {
            let column: Vec<f64> = (0..y.rows).map(|r| y.get(r, c)).collect();
            if let Some(v) = column.iter().find(|v| !(0.0..=1.0).contains(*v)) {
                return Err(Error::Usage(format!(
                    "y has the entry {v}; {} takes a distribution (entries in [0, 1] summing to 1)",
                    loss.name()
                )));
            }
            let sum: f64 = column.iter().sum();
            if (sum - 1.0).abs() > 1e-9 {
                return Err(Error::Usage(format!(
                    "y sums to {sum}, not 1; {} takes a distribution (its closed forms use Σ y = 1)",
                    loss.name()
                )));
            }
        }
    }
    Ok(())
}

fn validate_entries(loss: Loss, y: &[f64]) -> Result<(), Error> {
    if let Some((i, v)) = y.iter().enumerate().find(|(_, v)| !v.is_finite()) {
        return Err(Error::Usage(format!(
            "y{} = {v} is not a finite number",
            crate::math::symbol::subscript(i + 1)
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
            crate::math::symbol::subscript(i + 1),
            loss.name()
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::network::loss::LossKind;
    use crate::numeric::matrix::Matrix;
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

    fn column(values: &[f64]) -> Matrix<f64> {
        Matrix::from_vec(values.len(), 1, values.to_vec())
    }

    #[test]
    fn bce_targets_must_lie_in_the_unit_interval() {
        let bce = Loss::new(LossKind::Bce);
        assert!(validate_target(bce, &column(&[0.0, 0.5, 1.0])).is_ok());
        let err = validate_target(bce, &column(&[0.5, 1.5]))
            .unwrap_err()
            .to_string();
        assert!(err.contains("y₂ = 1.5 is outside [0, 1]"), "{err}");
        assert!(validate_target(bce, &column(&[-0.1])).is_err());
        assert!(validate_target(bce, &column(&[f64::NAN])).is_err());
        let mse = Loss::new(LossKind::Mse);
        assert!(validate_target(mse, &column(&[1.5, -3.0])).is_ok());
    }

    #[test]
    fn cross_entropy_targets_must_be_distributions() {
        let ce = Loss::new(LossKind::Ce);
        assert!(validate_target(ce, &column(&[0.25, 0.75])).is_ok());
        let err = validate_target(ce, &column(&[0.5, 0.6]))
            .unwrap_err()
            .to_string();
        assert!(err.contains("sums to 1.1"), "{err}");
        // Two samples as columns, each a distribution.
        let batch = Matrix::from_vec(2, 2, vec![1.0, 0.3, 0.0, 0.7]);
        assert!(validate_target(ce, &batch).is_ok());
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
}
