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

/// The sum of what a graph's consumers bring back is of rows; as one transpose, the products
/// inside it can be simplified as a column. A factor in front of a transpose goes inside it.
pub(super) fn sum_of_transposes(
    arena: &mut Arena,
    id: ExprId,
) -> Result<Option<ExprId>, ShapeError> {
    let Node::Add(a, b) = *arena.node(id) else {
        return Ok(None);
    };
    // The column a term is the transpose of, with its factor: Aᵀ, or cAᵀ.
    let column = |arena: &mut Arena, term: ExprId| match arena.node(term).clone() {
        Node::Transpose(inner) => Some(inner),
        Node::Scale(c, scaled) => match *arena.node(scaled) {
            Node::Transpose(inner) => Some(arena.scale(c, inner)),
            _ => None,
        },
        _ => None,
    };
    let (Some(a), Some(b)) = (column(arena, a), column(arena, b)) else {
        return Ok(None);
    };
    let sum = arena.add(a, b)?;
    Ok(Some(arena.transpose(sum)))
}

#[cfg(test)]
pub(super) mod tests {
    crate::simplify::cases::rule_cases! {
        sum_of_transposes: "z₁ᵀ + 2b⁽¹⁾ᵀ" => "(z₁ + 2b⁽¹⁾)ᵀ",
        sum_with_negated: "z₁ + −2b⁽¹⁾" => "z₁ − 2b⁽¹⁾",
        common_factor_of_difference: "2z₁ − 2b⁽¹⁾" => "2(z₁ − b⁽¹⁾)",
        difference_of_transposes: "z₁ᵀ − b⁽¹⁾ᵀ" => "(z₁ − b⁽¹⁾)ᵀ",
    }
}
