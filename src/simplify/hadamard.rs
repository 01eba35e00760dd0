//! Rules that rewrite an elementwise product A ⊙ B.

use crate::math::coef::Coef;
use crate::math::expr::{Arena, ExprId, Node};
use crate::math::shape::ShapeError;

pub(super) fn hadamard_with_ones(
    arena: &mut Arena,
    id: ExprId,
) -> Result<Option<ExprId>, ShapeError> {
    if let Node::Hadamard(a, b) = arena.node(id) {
        if matches!(arena.node(*b), Node::Ones(..)) {
            return Ok(Some(*a));
        }
        if matches!(arena.node(*a), Node::Ones(..)) {
            return Ok(Some(*b));
        }
    }
    Ok(None)
}

pub(super) fn scale_out_of_hadamard(
    arena: &mut Arena,
    id: ExprId,
) -> Result<Option<ExprId>, ShapeError> {
    if let Node::Hadamard(a, b) = arena.node(id) {
        let (a, b) = (*a, *b);
        // Checked before any coefficient is made: most elementwise products have none.
        let is_scale = |x: ExprId| matches!(arena.node(x), Node::Scale(..));
        if !is_scale(a) && !is_scale(b) {
            return Ok(None);
        }
        let (coef_a, a) = split_scale(arena, a);
        let (coef_b, b) = split_scale(arena, b);
        if coef_a.is_one() && coef_b.is_one() {
            return Ok(None);
        }
        let product = arena.hadamard(a, b)?;
        return Ok(Some(arena.scale(coef_a.times(&coef_b), product)));
    }
    Ok(None)
}

fn split_scale(arena: &Arena, id: ExprId) -> (Coef, ExprId) {
    match arena.node(id) {
        Node::Scale(c, inner) => (c.clone(), *inner),
        _ => (Coef::one(), id),
    }
}

pub(super) fn cancel_division(arena: &mut Arena, id: ExprId) -> Result<Option<ExprId>, ShapeError> {
    if let Node::Hadamard(a, b) = arena.node(id) {
        let (a, b) = (*a, *b);
        for (quotient, other) in [(a, b), (b, a)] {
            if let Node::Divide(numerator, denominator) = arena.node(quotient)
                && *denominator == other
            {
                return Ok(Some(*numerator));
            }
        }
    }
    Ok(None)
}

#[cfg(test)]
pub(super) mod tests {
    use crate::simplify::cases::assert_simplifies;

    crate::simplify::cases::rule_cases! {
        hadamard_with_ones: "z₁ ⊙ 1" => "z₁",
        scale_out_of_hadamard: "(2z₁) ⊙ b⁽¹⁾" => "2(z₁ ⊙ b⁽¹⁾)",
        cancel_division: "(z₁ ⊘ b⁽¹⁾) ⊙ b⁽¹⁾" => "z₁",
    }

    #[test]
    fn ones_and_a_denominator_go_on_either_side() {
        assert_simplifies("1 ⊙ z₁", "z₁");
        assert_simplifies("b⁽¹⁾ ⊙ (z₁ ⊘ b⁽¹⁾)", "z₁");
    }

    #[test]
    fn a_coefficient_moves_out_of_either_operand() {
        // a ⊙ (cb) = c(a ⊙ b), and (ca) ⊙ (db) = cd(a ⊙ b).
        assert_simplifies("z₁ ⊙ (2b⁽¹⁾)", "2(z₁ ⊙ b⁽¹⁾)");
        assert_simplifies("(2z₁) ⊙ ((1/K)b⁽¹⁾)", "(2/K)(z₁ ⊙ b⁽¹⁾)");
    }

    #[test]
    fn a_quotient_cancels_only_against_its_own_denominator() {
        assert_simplifies("(z₁ ⊘ b⁽¹⁾) ⊙ z₁", "(z₁ ⊘ b⁽¹⁾) ⊙ z₁");
    }
}
