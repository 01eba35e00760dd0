//! A model's node that puts a constant on one value: c·v (`0.5*h`, `h*2`) and 1 − v (`1 - g`,
//! the complement a highway or GRU gate takes). One node with its own output, like a layer; its
//! Jacobian is cI or −I, and a mini-batch's Δ passes back as cΔ or −Δ.

use crate::math::coef::Coef;
use crate::math::expr::{Arena, ExprId};
use crate::math::shape::ShapeError;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Scalar {
    /// c·v, c the exact ratio num/den the model writes.
    Times { num: i64, den: i64 },
    /// 1 − v, entry by entry.
    OneMinus,
}

impl Scalar {
    fn factor(self) -> Coef {
        match self {
            Scalar::Times { num, den } => Coef::ratio(num, den),
            Scalar::OneMinus => Coef::integer(-1),
        }
    }

    /// How a model writes it, for messages: `c*`, `1 -`.
    pub fn operator(self) -> &'static str {
        match self {
            Scalar::Times { .. } => "c*",
            Scalar::OneMinus => "1 -",
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            Scalar::Times { .. } => "Scale",
            Scalar::OneMinus => "Complement",
        }
    }

    /// The node's value: c·v or 1 − v (matrices of samples alike).
    pub fn forward(self, arena: &mut Arena, v: ExprId) -> Result<ExprId, ShapeError> {
        match self {
            Scalar::Times { .. } => Ok(arena.scale(self.factor(), v)),
            Scalar::OneMinus => arena.one_minus(v),
        }
    }

    /// ∂(node)/∂v: cI, or −I.
    pub fn jacobian(self, arena: &mut Arena, v: ExprId) -> ExprId {
        let identity = arena.identity(arena.shape(v).rows.clone());
        arena.scale(self.factor(), identity)
    }

    /// Δ of v from Δ of the node's output, for a mini-batch: cΔ, or −Δ.
    pub fn backward_batch(self, arena: &mut Arena, delta: ExprId) -> ExprId {
        arena.scale(self.factor(), delta)
    }
}

#[cfg(test)]
mod tests {
    use super::Scalar;
    use crate::math::expr::Arena;
    use crate::math::shape::{Dim, Shape};
    use crate::math::symbol::Symbol;

    #[test]
    fn a_scale_and_a_complement_have_their_jacobians() {
        let mut arena = Arena::new();
        let v = arena.leaf(Symbol::Input, Shape::column(Dim::named("n")));
        let half = Scalar::Times { num: 1, den: 2 }.jacobian(&mut arena, v);
        assert_eq!(arena.shape(half).to_string(), "n×n");
        let minus = Scalar::OneMinus.jacobian(&mut arena, v);
        assert_ne!(half, minus);
    }
}
