//! Renderers: each notation is a walk over the same `Derivation`; none derives or simplifies.

pub mod elements;
pub mod expression;
pub mod notation;
pub mod table;
pub mod text;
