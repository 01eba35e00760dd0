//! What a derivation holds: the Jacobians, the backpropagated rows and the gradients, built
//! by the chain rule of one sample (`one_sample`) or of a mini-batch (`batch`).

use crate::math::expr::{Arena, ExprId};
use crate::math::shape::ShapeError;
use crate::math::symbol::Symbol;
use crate::network::Network;

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

impl Jacobian {
    /// The other values its node takes, held where they are while `by` moves: ∂ŷ/∂h of
    /// ŷ = z₃ + h is the partial derivative, with z₃ (itself a function of h) fixed. Empty for a
    /// node that takes one value, as every layer of a chain does.
    pub fn held(&self, network: &Network) -> Vec<ExprId> {
        let Some(index) = self.layer else {
            return Vec::new();
        };
        let mut held: Vec<ExprId> = network.layers[index]
            .inputs
            .iter()
            .copied()
            .filter(|v| *v != self.by)
            .collect();
        held.dedup();
        held
    }
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
