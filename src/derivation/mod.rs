//! The differentiator: the Jacobian of every layer and of the loss, the chain rule, and the
//! gradient of every parameter in chain-rule form and in closed form.
//!
//! Backpropagation in numerator layout: the row ∂ℓ/∂zᵢ is ∂ℓ/∂ŷ times the Jacobians of the
//! layers after zᵢ, right to left in the network (left to right in the product). For the linear
//! layer zᵢ = W⁽ᵏ⁾zᵢ₋₁ + b⁽ᵏ⁾ the gradients, shaped like their parameters, are
//! ∂ℓ/∂W⁽ᵏ⁾ = (∂ℓ/∂zᵢ)ᵀ zᵢ₋₁ᵀ and ∂ℓ/∂b⁽ᵏ⁾ = (∂ℓ/∂zᵢ)ᵀ.

mod batch;
mod graph;
mod one_sample;
mod penalties;
mod types;

pub use batch::expanded_last_signal;
pub use types::{Derivation, Expansion, Gradient, Jacobian, Signal, shaped_like_parameter};

use crate::math::shape::ShapeError;
use crate::network::Network;

/// Derives a network's loss: for one sample, or for the mini-batch its inputs hold.
pub fn derive(network: Network, expansion: Expansion) -> Result<Derivation, ShapeError> {
    if network.spec.model.is_some() {
        graph::derive_graph(network, expansion)
    } else if network.samples.is_some() {
        batch::derive_batch(network, expansion)
    } else {
        one_sample::derive_one_sample(network, expansion)
    }
}

#[cfg(test)]
mod tests {
    use super::shaped_like_parameter;
    use crate::math::coef::Coef;
    use crate::math::expr::Arena;
    use crate::math::shape::{Dim, Shape};
    use crate::math::symbol::Symbol;
    use crate::network::loss::{Loss, LossKind};
    use crate::{Derivation, derive_text};

    fn signal_of_last_hidden(d: &Derivation) -> crate::math::expr::ExprId {
        d.signals[0].closed_form
    }

    #[test]
    fn sigmoid_with_bce_fuses_to_the_residual() {
        // ∂ℓ/∂z₃ = (1/K)(ŷ − y)ᵀ, found by the simplifier: σ′ is written through ŷ and then
        // cancels against the denominator of bce's derivative.
        let mut d = derive_text("linear>relu>linear>sigmoid", Loss::new(LossKind::Bce)).unwrap();
        let (yhat, y) = (d.network.yhat, d.network.y);
        let k = d.network.arena.shape(yhat).rows.clone();
        let arena = &mut d.network.arena;
        let diff = arena.sub(yhat, y).unwrap();
        let row = arena.transpose(diff);
        let expected = arena.scale(Coef::per(k), row);
        assert_eq!(signal_of_last_hidden(&d), expected);
        assert!(d.rules_used.contains(&"derivative_through_output"));
        assert!(d.rules_used.contains(&"cancel_division"));
    }

    #[test]
    fn sigmoid_with_mse_keeps_the_derivative() {
        let d = derive_text("linear>sigmoid>linear>sigmoid", Loss::new(LossKind::Mse)).unwrap();
        assert!(!d.rules_used.contains(&"cancel_division"));
    }

    #[test]
    fn a_gradient_not_shaped_like_its_parameter_is_refused() {
        // ∂ℓ/∂W⁽¹⁾ of a d×n weight is d×n: an n×d formula for it is a defect, not a gradient.
        let mut arena = Arena::new();
        let shape = Shape::new(Dim::named("d"), Dim::named("n"));
        let weight = arena.leaf(Symbol::Weight(1), shape);
        let transposed = arena.transpose(weight);
        assert!(shaped_like_parameter(&arena, weight, weight).is_ok());
        let error = shaped_like_parameter(&arena, transposed, weight).unwrap_err();
        assert_eq!(
            error.to_string(),
            "shape mismatch in a gradient and its parameter: n×d and d×n"
        );
    }

    #[test]
    fn every_gradient_has_its_parameters_shape() {
        for spec in [
            "linear",
            "linear>tanh>linear>relu>linear>sigmoid",
            "relu>linear",
        ] {
            let d = derive_text(spec, Loss::new(LossKind::Mse)).unwrap();
            for g in &d.gradients {
                let arena = &d.network.arena;
                assert_eq!(arena.shape(g.closed_form), arena.shape(g.leaf), "{spec}");
                assert_eq!(arena.shape(g.chain_rule), arena.shape(g.leaf), "{spec}");
            }
        }
    }
}

#[cfg(test)]
mod fused_forms {
    use crate::network::loss::{Loss, LossKind};
    use crate::render::expression::{Names, Printer};
    use crate::render::notation::Text;
    use crate::{Derivation, derive_text};

    fn closed_signal(spec: &str, loss: LossKind) -> (Derivation, String) {
        let d = derive_text(spec, Loss::new(loss)).unwrap();
        let printer = Printer::new(&d.network.arena, &Text, Names::Keep);
        let text =
            crate::render::expression::lines(&printer.doc(d.signals[0].closed_form), 200).join(" ");
        (d, text)
    }

    #[test]
    fn softmax_with_cross_entropy_gives_the_residual() {
        let (d, text) = closed_signal("linear>relu>linear>softmax", LossKind::Ce);
        assert_eq!(text, "(ŷ − y)ᵀ");
        assert!(d.rules_used.contains(&"assumption"), "uses Σy = 1");
        assert!(d.rules_used.contains(&"distribute_row_over_difference"));
    }

    #[test]
    fn log_softmax_with_nll_gives_softmax_minus_target() {
        let (_, text) = closed_signal("linear>log_softmax", LossKind::Nll);
        assert_eq!(text, "(softmax(z₁) − y)ᵀ");
    }

    #[test]
    fn sigmoid_with_bce_gives_the_scaled_residual() {
        let (_, text) = closed_signal("linear>sigmoid", LossKind::Bce);
        assert_eq!(text, "(1/K)(ŷ − y)ᵀ");
    }

    #[test]
    fn mean_squared_error_scales_by_two_over_k() {
        let mut loss = Loss::new(LossKind::Mse);
        loss.reduction = crate::network::loss::Reduction::Mean;
        let d = derive_text("linear>identity", loss).unwrap();
        let printer = Printer::new(&d.network.arena, &Text, Names::Keep);
        let text =
            crate::render::expression::lines(&printer.doc(d.signals[0].closed_form), 200).join(" ");
        assert_eq!(text, "(2/K)(ŷ − y)ᵀ");
    }
}
