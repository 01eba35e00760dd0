//! Values saturated in float64 at the check's point: σ or softmax at exactly 0 or 1, or a log of
//! 0. A right formula that reads one can be NaN (0 · ∞) or infinite where the function it stands
//! for is finite, or infinite where it is too; the check then says the point is saturated
//! rather than that the formula is wrong.

use crate::math::expr::{Arena, ExprId, Node};
use crate::math::func::Func;
use crate::math::symbol::Symbol;
use crate::numeric::evaluator::{Evaluator, for_each_operand};

/// What is saturated.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Saturated {
    /// σ rounds to exactly 0 or 1.
    Sigmoid,
    /// An entry of softmax rounds to exactly 0 or 1.
    Softmax,
    /// The logarithm of a value that is exactly 0 (ŷ, or 1 − ŷ where ŷ is exactly 1).
    LogOfZero,
}

/// A saturated value: the named value (ŷ, aᵢ), what saturates, and the value it has (0 or 1).
#[derive(Clone, Debug, PartialEq)]
pub struct Saturation {
    pub value: Symbol,
    pub saturated: Saturated,
    pub at: f64,
}

/// For every node of an evaluation, the first saturated value its value is computed from.
pub struct SaturatedNodes {
    cause: Vec<Option<u32>>,
    found: Vec<Saturation>,
}

impl SaturatedNodes {
    /// One pass over the arena in the order of its ids (operands come first).
    pub fn find(arena: &Arena, evaluation: &Evaluator<f64>) -> Self {
        let mut cause: Vec<Option<u32>> = vec![None; arena.len()];
        let mut found = Vec::new();
        for index in 0..arena.len() {
            let id = ExprId(index as u32);
            let own = evaluation
                .computed(id)
                .and_then(|value| saturation_of(arena, id, value.data));
            cause[index] = match own {
                Some(saturation) => {
                    found.push(saturation);
                    Some(found.len() as u32 - 1)
                }
                None => {
                    let mut inherited = None;
                    for_each_operand(arena, id, |operand| {
                        inherited = inherited.or(cause[operand.index()]);
                    });
                    inherited
                }
            };
        }
        SaturatedNodes { cause, found }
    }

    /// The saturated value the first of `trees` that reads one reads, if any does.
    pub fn cause_of(&self, trees: &[ExprId]) -> Option<Saturation> {
        trees
            .iter()
            .find_map(|id| self.cause[id.index()])
            .map(|i| self.found[i as usize].clone())
    }
}

/// The saturation of the node `id` itself, whose value is `data`.
fn saturation_of(arena: &Arena, id: ExprId, data: &[f64]) -> Option<Saturation> {
    let named = |id: ExprId| arena.named(id).map(|info| info.symbol.clone());
    match arena.node(id) {
        Node::Map(func @ (Func::Sigmoid | Func::Softmax | Func::SoftmaxOfRows), _) => {
            let at = *data.iter().find(|v| **v == 0.0 || **v == 1.0)?;
            Some(Saturation {
                value: named(arena.value_named_by(id)?)?,
                saturated: if *func == Func::Sigmoid {
                    Saturated::Sigmoid
                } else {
                    Saturated::Softmax
                },
                at,
            })
        }
        Node::Map(Func::Log, a) if data.contains(&f64::NEG_INFINITY) => {
            // log ŷ with ŷ exactly 0, or log(1 − ŷ) with ŷ exactly 1.
            let (value, at) = match arena.node(*a) {
                Node::Named(_) => (named(*a)?, 0.0),
                Node::Sub(ones, b) if matches!(arena.node(*ones), Node::Ones(..)) => {
                    (named(*b)?, 1.0)
                }
                _ => return None,
            };
            Some(Saturation {
                value,
                saturated: Saturated::LogOfZero,
                at,
            })
        }
        _ => None,
    }
}
