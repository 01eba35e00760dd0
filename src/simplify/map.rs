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
