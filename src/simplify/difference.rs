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

/// A sum with a negated term is the difference: a graph's multivariate chain rule adds up what
/// each consumer brings back, and a subtrahend (`h - …`, `1 - g`) brings its back negated.
pub(super) fn sum_with_negated(
    arena: &mut Arena,
    id: ExprId,
) -> Result<Option<ExprId>, ShapeError> {
    let Node::Add(a, b) = *arena.node(id) else {
        return Ok(None);
    };
    let negated = |arena: &Arena, v: ExprId| match arena.node(v) {
        Node::Scale(c, inner) if c.is_negative() => Some((c.negated(), *inner)),
        _ => None,
    };
    let (kept, (c, subtracted)) = match (negated(arena, a), negated(arena, b)) {
        (_, Some(negated)) => (a, negated),
        (Some(negated), None) => (b, negated),
        (None, None) => return Ok(None),
    };
    let positive = arena.scale(c, subtracted);
    Ok(Some(arena.sub(kept, positive)?))
}

#[cfg(test)]
pub(super) mod tests {
    crate::simplify::cases::rule_cases! {
        sum_with_negated: "z₁ + −2b⁽¹⁾" => "z₁ − 2b⁽¹⁾",
        common_factor_of_difference: "2z₁ − 2b⁽¹⁾" => "2(z₁ − b⁽¹⁾)",
        difference_of_transposes: "z₁ᵀ − b⁽¹⁾ᵀ" => "(z₁ − b⁽¹⁾)ᵀ",
    }
}
