//! The mathematics every stage shares: shapes and their dimensions, the symbols, coefficients
//! and elementwise functions, the hash-consed expression arena, and sentences with mathematics
//! in them.

pub mod coef;
pub mod convention;
pub mod expr;
pub mod func;
pub mod prose;
pub mod shape;
pub mod symbol;
