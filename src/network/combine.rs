//! The nodes of a model that combine two values, as a residual connection or a gate does:
//! a + b, a − b and the elementwise product a ⊙ b. Each is one node with its own output, like a
//! layer; its Jacobians are I (−I for the subtrahend) and diag of the other operand.

use crate::math::coef::Coef;
use crate::math::expr::{Arena, ExprId};
use crate::math::shape::ShapeError;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Combine {
    /// a + b
    Sum,
    /// a − b
    Difference,
    /// a ⊙ b
    Product,
}

impl Combine {
    /// The operator as a model writes it.
    pub fn operator(self) -> &'static str {
        match self {
            Combine::Sum => "+",
            Combine::Difference => "-",
            Combine::Product => ".*",
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            Combine::Sum => "Sum",
            Combine::Difference => "Difference",
            Combine::Product => "Product",
        }
    }

    /// The node's value: a + b, a − b or a ⊙ b (matrices of samples alike).
    pub fn forward(self, arena: &mut Arena, a: ExprId, b: ExprId) -> Result<ExprId, ShapeError> {
        match self {
            Combine::Sum => arena.add(a, b),
            Combine::Difference => arena.sub(a, b),
            Combine::Product => arena.hadamard(a, b),
        }
    }

    /// ∂(a ∘ b)/∂ of the operand at `position` (0 for a, 1 for b), numerator layout.
    pub fn jacobian(
        self,
        arena: &mut Arena,
        operands: [ExprId; 2],
        position: usize,
    ) -> Result<ExprId, ShapeError> {
        let dim = arena.shape(operands[position]).rows.clone();
        Ok(match self {
            Combine::Sum => arena.identity(dim),
            Combine::Difference if position == 0 => arena.identity(dim),
            Combine::Difference => {
                let identity = arena.identity(dim);
                arena.scale(Coef::integer(-1), identity)
            }
            Combine::Product => arena.diag(operands[1 - position])?,
        })
    }

    /// Δ of the operand at `position` from Δ of the node's output, for a mini-batch (gradient
    /// layout, shaped like the operand).
    pub fn backward_batch(
        self,
        arena: &mut Arena,
        operands: [ExprId; 2],
        position: usize,
        delta: ExprId,
    ) -> Result<ExprId, ShapeError> {
        Ok(match self {
            Combine::Sum => delta,
            Combine::Difference if position == 0 => delta,
            Combine::Difference => arena.scale(Coef::integer(-1), delta),
            Combine::Product => arena.hadamard(delta, operands[1 - position])?,
        })
    }
}
