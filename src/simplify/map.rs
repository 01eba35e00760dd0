//! Rules that rewrite an elementwise function f(z).

use crate::math::expr::{Arena, ExprId, Node};
use crate::math::func::Func;
use crate::math::shape::ShapeError;

pub(super) fn value_by_name(arena: &mut Arena, id: ExprId) -> Result<Option<ExprId>, ShapeError> {
    if matches!(arena.node(id), Node::Map(..)) {
        return Ok(arena.value_named_by(id));
    }
    Ok(None)
}

pub(super) fn derivative_through_output(
    arena: &mut Arena,
    id: ExprId,
) -> Result<Option<ExprId>, ShapeError> {
    let Node::Map(func, z) = arena.node(id) else {
        return Ok(None);
    };
    let (func, z) = (*func, *z);
    let forward = match func {
        Func::SigmoidPrime => Func::Sigmoid,
        Func::TanhPrime => Func::Tanh,
        _ => return Ok(None),
    };
    let value = arena.map(forward, z);
    let Some(named) = arena.value_named_by(value) else {
        return Ok(None);
    };
    let rewritten = match func {
        Func::SigmoidPrime => {
            let one_minus = arena.one_minus(named)?;
            arena.hadamard(named, one_minus)?
        }
        _ => {
            let square = arena.hadamard(named, named)?;
            arena.one_minus(square)?
        }
    };
    Ok(Some(rewritten))
}

#[cfg(test)]
pub(super) mod tests {
    use crate::simplify::cases::assert_simplifies;

    crate::simplify::cases::rule_cases! {
        value_by_name: "σ(z₃)" => "ŷ",
        derivative_through_output: "σ′(z₃)" => "ŷ ⊙ (1 − ŷ)",
    }

    #[test]
    fn tanh_derivative_is_written_through_the_named_output() {
        // z₂ names tanh(z₁).
        assert_simplifies("tanh′(z₁)", "1 − z₂ ⊙ z₂");
    }

    #[test]
    fn a_derivative_stays_when_its_function_has_no_name() {
        assert_simplifies("σ′(z₁)", "σ′(z₁)");
        assert_simplifies("tanh′(z₃)", "tanh′(z₃)");
    }
}
