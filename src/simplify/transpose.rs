//! Rules that rewrite a transpose Aᵀ.

use crate::math::expr::{Arena, ExprId, Node};
use crate::math::shape::ShapeError;

pub(super) fn transpose_of_transpose(
    arena: &mut Arena,
    id: ExprId,
) -> Result<Option<ExprId>, ShapeError> {
    if let Node::Transpose(a) = arena.node(id)
        && let Node::Transpose(inner) = arena.node(*a)
    {
        return Ok(Some(*inner));
    }
    Ok(None)
}

pub(super) fn transpose_of_product(
    arena: &mut Arena,
    id: ExprId,
) -> Result<Option<ExprId>, ShapeError> {
    if let Node::Transpose(a) = arena.node(id)
        && let Node::Product(factors) = arena.node(*a)
    {
        let factors = factors.clone();
        let reversed: Vec<ExprId> = factors.iter().rev().map(|f| arena.transpose(*f)).collect();
        return Ok(Some(arena.product(&reversed)?));
    }
    Ok(None)
}

pub(super) fn transpose_of_scale(
    arena: &mut Arena,
    id: ExprId,
) -> Result<Option<ExprId>, ShapeError> {
    if let Node::Transpose(a) = arena.node(id)
        && let Node::Scale(c, inner) = arena.node(*a)
    {
        let (c, inner) = (c.clone(), *inner);
        let t = arena.transpose(inner);
        return Ok(Some(arena.scale(c, t)));
    }
    Ok(None)
}

pub(super) fn transpose_of_symmetric(
    arena: &mut Arena,
    id: ExprId,
) -> Result<Option<ExprId>, ShapeError> {
    if let Node::Transpose(a) = arena.node(id)
        && matches!(arena.node(*a), Node::Diag(_) | Node::Identity(_))
    {
        return Ok(Some(*a));
    }
    Ok(None)
}

#[cfg(test)]
pub(super) mod tests {
    use crate::simplify::cases::assert_simplifies;

    crate::simplify::cases::rule_cases! {
        transpose_of_transpose: "(xᵀ)ᵀ" => "x",
        transpose_of_product: "(W⁽¹⁾x)ᵀ" => "xᵀW⁽¹⁾ᵀ",
        transpose_of_scale: "(2x)ᵀ" => "2xᵀ",
        transpose_of_symmetric: "diag(z₁)ᵀ" => "diag(z₁)",
    }

    #[test]
    fn the_identity_is_its_own_transpose() {
        assert_simplifies("I_dᵀ", "I_d");
    }

    #[test]
    fn a_diagonal_is_its_own_transpose_inside_a_product() {
        // (diag(u)W)ᵀ = Wᵀdiag(u)ᵀ = Wᵀdiag(u).
        assert_simplifies("(diag(z₁)W⁽¹⁾)ᵀ", "W⁽¹⁾ᵀdiag(z₁)");
    }
}
