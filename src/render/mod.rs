//! Renderers: each notation is a walk over the same `Derivation`; none derives or simplifies.

pub mod elements;
pub mod expanded_size;
pub mod expression;
pub mod json;
pub mod latex;
pub mod latex_notation;
pub mod layout;
pub mod markdown;
pub mod notation;
pub mod parts;
pub mod prose;
pub mod sections;
pub mod sink;
pub mod table;
pub mod text;
pub mod words;
