//! Numbers: matrices, the sizes of dimensions, the evaluator of expressions (its store of
//! values and its stable forms of functions), the point a user gives with `--at`, and ℓ and the
//! gradients evaluated there.

pub mod at_point;
pub mod evaluator;
pub mod matrix;
pub mod point;
pub mod sizes;
mod stable;
pub(crate) mod storage;
