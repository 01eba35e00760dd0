//! The differentiator: the Jacobian of every layer and of the loss, the chain rule, and the
//! gradient of every parameter in chain-rule form and in closed form.
//!
//! Backpropagation in numerator layout: the row ∂ℓ/∂zᵢ is ∂ℓ/∂ŷ times the Jacobians of the
//! layers after zᵢ, right to left in the network (left to right in the product). For the linear
//! layer zᵢ = W⁽ᵏ⁾zᵢ₋₁ + b⁽ᵏ⁾ the gradients, shaped like their parameters, are
//! ∂ℓ/∂W⁽ᵏ⁾ = (∂ℓ/∂zᵢ)ᵀ zᵢ₋₁ᵀ and ∂ℓ/∂b⁽ᵏ⁾ = (∂ℓ/∂zᵢ)ᵀ.

pub mod batch;

use crate::math::expr::{Arena, ExprId, Role};
use crate::math::shape::{Dim, ShapeError};
use crate::math::symbol::Symbol;
use crate::network::Network;
use crate::network::layer::LayerKind;
use crate::simplify::Simplifier;

/// One Jacobian ∂a/∂b between vectors, as printed in the Jacobians section.
#[derive(Clone, Debug)]
pub struct Jacobian {
    pub symbol: Symbol,
    /// The named node (printed as ∂a/∂b in the chain-rule form).
    pub named: ExprId,
    /// Its definition, as the derivative rule gives it: diag(σ′(z₃)).
    pub definition: ExprId,
    /// The definition simplified: diag(ŷ ⊙ (1 − ŷ)).
    pub simplified: ExprId,
    /// The named value differentiated, and the one it is differentiated by.
    pub of: ExprId,
    pub by: ExprId,
    /// Index into `Network::layers` of the layer, `None` for the loss.
    pub layer: Option<usize>,
}

/// The backpropagated row ∂ℓ/∂zᵢ for an intermediate zᵢ.
#[derive(Clone, Debug)]
pub struct Signal {
    pub symbol: Symbol,
    /// The zᵢ it is taken with respect to.
    pub by: ExprId,
    pub chain_rule: ExprId,
    pub closed_form: ExprId,
}

/// The gradient of ℓ with respect to one parameter, shaped like the parameter.
#[derive(Clone, Debug)]
pub struct Gradient {
    pub parameter: Symbol,
    pub leaf: ExprId,
    pub symbol: Symbol,
    pub chain_rule: ExprId,
    pub closed_form: ExprId,
}

/// A complete derivation: the network, its Jacobians, signals and gradients. Every renderer
/// and the numeric check read this one value.
#[derive(Clone, Debug)]
pub struct Derivation {
    pub network: Network,
    /// ∂ℓ/∂ŷ first, then the layers' Jacobians from the output back.
    pub jacobians: Vec<Jacobian>,
    /// ∂ℓ/∂zᵢ from the output back.
    pub signals: Vec<Signal>,
    /// In parameter order: W⁽¹⁾, b⁽¹⁾, W⁽²⁾, …
    pub gradients: Vec<Gradient>,
    /// The simplifier rules that fired, in order (for tests and the curious).
    pub rules_used: Vec<&'static str>,
    pub expansion: Expansion,
}

/// How the derivation is written out.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Expansion {
    /// Every formula written out in full, down to x, y and the parameters (or the forward
    /// pass's named values in closed forms): the homework's form, quadratic in depth.
    Expanded,
    /// Each row ∂ℓ/∂zᵢ written through the next one by name (the δ recursion) and each
    /// intermediate by name: linear in depth.
    Compact,
}

impl Expansion {
    /// Chains of at most this many layers are expanded unless asked otherwise.
    pub const EXPANDED_UP_TO_LAYERS: usize = 6;

    pub fn default_for(layers: usize) -> Expansion {
        if layers <= Expansion::EXPANDED_UP_TO_LAYERS {
            Expansion::Expanded
        } else {
            Expansion::Compact
        }
    }
}

/// Each gradient has its parameter's shape; anything else is a defect, said loudly.
pub fn shaped_like_parameter(
    arena: &Arena,
    gradient: ExprId,
    parameter: ExprId,
) -> Result<(), ShapeError> {
    if arena.shape(gradient) == arena.shape(parameter) {
        Ok(())
    } else {
        Err(ShapeError {
            operation: "a gradient and its parameter",
            left: arena.shape(gradient).clone(),
            right: arena.shape(parameter).clone(),
        })
    }
}

pub fn derive(mut network: Network, expansion: Expansion) -> Result<Derivation, ShapeError> {
    if network.samples.is_some() {
        return crate::derivation::batch::derive_batch(network, expansion);
    }
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
        let definition = match layer.kind {
            LayerKind::Linear => layer.weight.expect("a linear layer has a weight"),
            LayerKind::Activation(activation) => activation.jacobian(arena, layer.input)?,
        };
        let named = arena.name(symbol.clone(), definition, Role::Derivative);
        chain_factor.push(match layer.kind {
            LayerKind::Linear => definition,
            LayerKind::Activation(_) => named,
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
        let step = arena.matmul(previous, chain_factor[index])?;
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
                _ => Ok(column),
            }
        };
        let chain_rule = shape_like_parameter(arena, row)?;
        let closed_step = match expansion {
            Expansion::Expanded => shape_like_parameter(arena, closed_row)?,
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
