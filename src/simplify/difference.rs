//! Rules that rewrite a difference A − B.

use crate::math::expr::{Arena, ExprId, Node};
use crate::math::shape::ShapeError;

pub(super) fn common_factor_of_difference(
    arena: &mut Arena,
    id: ExprId,
) -> Result<Option<ExprId>, ShapeError> {
    if let Node::Sub(a, b) = arena.node(id)
        && let (Node::Scale(c, a), Node::Scale(d, b)) = (arena.node(*a), arena.node(*b))
        && c == d
    {
        let (c, a, b) = (c.clone(), *a, *b);
        let difference = arena.sub(a, b)?;
        return Ok(Some(arena.scale(c, difference)));
    }
    Ok(None)
}

pub(super) fn difference_of_transposes(
    arena: &mut Arena,
    id: ExprId,
) -> Result<Option<ExprId>, ShapeError> {
    if let Node::Sub(a, b) = arena.node(id)
        && let (Node::Transpose(a), Node::Transpose(b)) = (arena.node(*a), arena.node(*b))
    {
        let (a, b) = (*a, *b);
        let difference = arena.sub(a, b)?;
        return Ok(Some(arena.transpose(difference)));
    }
    Ok(None)
}

#[cfg(test)]
pub(super) mod tests {
    crate::simplify::cases::rule_cases! {
        common_factor_of_difference: "2z₁ − 2b⁽¹⁾" => "2(z₁ − b⁽¹⁾)",
        difference_of_transposes: "z₁ᵀ − b⁽¹⁾ᵀ" => "(z₁ − b⁽¹⁾)ᵀ",
    }
}
