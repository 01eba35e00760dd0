//! Rules that rewrite a scaled expression cA.

use crate::math::expr::{Arena, ExprId, Node};
use crate::math::shape::ShapeError;

pub(super) fn scale_of_scale(arena: &mut Arena, id: ExprId) -> Result<Option<ExprId>, ShapeError> {
    if let Node::Scale(c, a) = arena.node(id)
        && let Node::Scale(d, inner) = arena.node(*a)
    {
        let (combined, inner) = (c.times(d), *inner);
        return Ok(Some(arena.scale(combined, inner)));
    }
    Ok(None)
}

pub(super) fn negated_difference(
    arena: &mut Arena,
    id: ExprId,
) -> Result<Option<ExprId>, ShapeError> {
    if let Node::Scale(c, inner) = arena.node(id)
        && c.is_negative()
    {
        let (c, inner) = (c.negated(), *inner);
        if let Some(flipped) = flip_difference(arena, inner)? {
            return Ok(Some(arena.scale(c, flipped)));
        }
    }
    Ok(None)
}

/// −x written without the sign, by swapping one difference that x is linear in: through
/// transposes, one factor of a product, one operand of ⊙. `None` if there is no such difference.
fn flip_difference(arena: &mut Arena, id: ExprId) -> Result<Option<ExprId>, ShapeError> {
    let node = arena.node(id).clone();
    let children = arena.children(id);
    let linear_in: Vec<usize> = match node {
        Node::Sub(a, b) => return Ok(Some(arena.sub(b, a)?)),
        Node::Transpose(_) | Node::Scale(..) => vec![0],
        Node::Product(_) | Node::Hadamard(..) => (0..children.len()).collect(),
        _ => Vec::new(),
    };
    for position in linear_in {
        if let Some(flipped) = flip_difference(arena, children[position])? {
            let mut replaced = children.clone();
            replaced[position] = flipped;
            return Ok(Some(arena.rebuild(id, &replaced)?));
        }
    }
    Ok(None)
}

#[cfg(test)]
pub(super) mod tests {
    use crate::simplify::cases::assert_simplifies;

    crate::simplify::cases::rule_cases! {
        scale_of_scale: "2(3x)" => "6x",
        negated_difference: "−(z₁ − b⁽¹⁾)" => "b⁽¹⁾ − z₁",
    }

    #[test]
    fn a_minus_sign_flips_a_difference_inside_a_transpose() {
        assert_simplifies("−(z₁ − b⁽¹⁾)ᵀ", "(b⁽¹⁾ − z₁)ᵀ");
    }

    #[test]
    fn a_minus_sign_flips_a_difference_inside_a_product() {
        // −W(a − b) = W(b − a): a product is linear in each factor.
        assert_simplifies("−W⁽²⁾(z₁ − b⁽¹⁾)", "W⁽²⁾(b⁽¹⁾ − z₁)");
        assert_simplifies("−(z₁ − b⁽¹⁾)ᵀW⁽¹⁾", "(b⁽¹⁾ − z₁)ᵀW⁽¹⁾");
    }

    #[test]
    fn a_minus_sign_flips_a_difference_inside_an_elementwise_product() {
        assert_simplifies("−(z₁ ⊙ (b⁽¹⁾ − z₂))", "z₁ ⊙ (z₂ − b⁽¹⁾)");
        assert_simplifies("−((b⁽¹⁾ − z₂) ⊙ z₁)", "(z₂ − b⁽¹⁾) ⊙ z₁");
    }

    #[test]
    fn a_minus_sign_stays_without_a_difference_to_flip() {
        assert_simplifies("−W⁽¹⁾x", "−W⁽¹⁾x");
        assert_simplifies("−(z₁ ⊙ b⁽¹⁾)", "−(z₁ ⊙ b⁽¹⁾)");
    }
}
